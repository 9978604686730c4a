//! 动态调整: the yearly re-evaluation of every file in a region after the year's incomes and
//! conditions are entered: who now meets the exit standards, who of the exited is at risk of
//! falling back, whose data contradicts itself.

use crate::*;
use fupin_domain::registry::lifecycle::Verdict;
use std::collections::BTreeMap;

/// Files per verdict, with the first ids of each (for the lists on the page).
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearlyUpdate {
    pub year: i32,
    pub households: u64,
    pub counts: BTreeMap<&'static str, u64>,
    pub meets_exit: Vec<String>,
    pub at_risk: Vec<AtRisk>,
    pub inconsistent: BTreeMap<&'static str, (&'static str, i64)>,
    /// Seconds spent reading, judging and checking the files, and on the cross-file checks.
    pub seconds: (f64, f64),
}

/// A file at risk of (returning to) poverty and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    pub household_id: String,
    pub reasons: Vec<String>,
}

/// Listed per verdict at most.
pub const LISTED: usize = 500;

pub(crate) fn key(v: Verdict) -> &'static str {
    match v {
        Verdict::MeetsExit => "meets_exit",
        Verdict::StillPoor => "still_poor",
        Verdict::AtRisk => "at_risk",
        Verdict::Stable => "stable",
        Verdict::Other => "other",
    }
}
