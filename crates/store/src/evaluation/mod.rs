//! 成效评估 in the store. So far the poverty measures of a region: FGT and Alkire–Foster over
//! the register, computed from the files in one parallel pass per county (the pass the yearly
//! update and the checks use), decomposed by child region and by dimension.

pub mod conformance;
pub mod measures;

use crate::Result;
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;

pub use measures::{ChildMeasures, RegionMeasures};

pub trait EvaluationStore: Send + Sync {
    /// FGT P0/P1/P2 and Alkire–Foster H/A/M0 of `code` for `year`, persons weighted, with the
    /// decomposition by child region and by dimension. NotFound outside the caller's scope.
    fn measures(&self, caller: &Caller, code: &RegionCode, year: i32, as_of: Date) -> Result<RegionMeasures>;
}

impl<B: crate::core::db::Backend> EvaluationStore for crate::sql_store::SqlStore<B> {
    fn measures(&self, caller: &Caller, code: &RegionCode, year: i32, as_of: Date) -> Result<RegionMeasures> {
        measures::of_region(self, caller, code, year, as_of)
    }
}
