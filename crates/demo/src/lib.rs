//! The demo province (`fupin demo`): the real divisions of Shandong from `data/shandong`, and
//! deterministic synthetic household files calibrated to the official 2015 registration
//! (DOMAIN.md), with their history up to the as-of date. Each county is generated from its own
//! seed, so the output does not depend on order or threads.

pub mod build;
pub mod calibration;
pub mod divisions;
pub mod evaluation;
pub mod funds;
pub mod generate;
pub mod matching;
pub mod names;
pub mod policies;
pub mod registers;
pub mod supervision;
pub mod tasks;
pub mod visits;

pub use build::{build, BuildOptions, BuildReport, DemoAccount};
