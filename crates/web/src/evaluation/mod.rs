//! 成效评估 on the web: the poverty measures of a region (`measures.rs`: the API
//! `GET /api/v1/measures/{region}` and the page `/evaluation/measures`) and third-party
//! evaluations (`samples.rs`: `/api/v1/evaluation/evaluations…` and `/evaluation/samples`).

pub mod measures;
pub mod samples;
