//! 成效评估 on the web: so far the poverty measures of a region (`measures.rs`: the API
//! `GET /api/v1/measures/{region}` and the page `/evaluation/measures`).

pub mod measures;
