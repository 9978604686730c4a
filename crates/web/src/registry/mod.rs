//! 信息汇集, the registry on the web: households (API and pages), member changes and income,
//! the lifecycle cases with their public notices, spreadsheet exchange, the data checks and the
//! yearly update (动态调整).

pub mod api;
pub mod by_village;
pub mod case_api;
pub mod case_pages;
pub mod checks;
pub mod exchange_pages;
pub mod history;
pub mod member_pages;
pub mod pages;
pub mod yearly;
