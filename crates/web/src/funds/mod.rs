//! 扶贫资金 on the web: the JSON API (`api.rs`) — allocations by the factor method, the factors,
//! the project library with its steps, notices and payments, the report and the flags, and the
//! public project notices; the pages (`pages.rs`) — the funds desk, one project, and the public
//! 项目公示 page.

pub mod api;
pub mod pages;
