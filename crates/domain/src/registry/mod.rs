//! 信息汇集: the household file and its national codes (`household`, `codes`), the lifecycle
//! workflows with the exit standards and monitoring risks (`lifecycle`), and the spreadsheet
//! layout with the file digest over its cells (`sheet`).

pub mod codes;
pub mod household;
pub mod lifecycle;
pub mod sheet;
pub mod visit;
