//! 三张图 on the web: the region dashboard and API, the three maps and 倒排工期 (API, xlsx export,
//! the page frames), the boundaries, and 贫困发生率 with the exit test per region. All of it is
//! read from the rollups.

pub mod api;
pub mod figures;
pub mod geo;
pub mod indicators;
pub mod pages;
