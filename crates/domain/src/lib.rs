//! The domain of fupin: what a poor household's file is, the rules that keep it valid, and the
//! rules that decide who may see what. One module per function of the platform; this crate does
//! no I/O, so every rule here is testable in isolation.
//!
//! Values that come from outside (region codes, ID numbers, money) are parsed into newtypes at
//! the edge; everything inside takes the newtypes, so an invalid value cannot travel.

pub mod access;
pub mod config;
pub mod error;
pub mod evaluation;
pub mod files;
pub mod funds;
pub mod id_number;
pub mod integrity;
pub mod maps;
pub mod matching;
pub mod money;
pub mod policy;
pub mod region;
pub mod registry;
pub mod supervision;

pub use error::DomainError;
pub use id_number::IdNumber;
pub use money::Yuan;
pub use region::{Level, RegionCode};
