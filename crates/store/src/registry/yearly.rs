//! 动态调整: the yearly re-evaluation of every file in a region after the year's incomes and
//! conditions are entered: who now meets the exit standards, who of the exited is at risk of
//! falling back, whose data contradicts itself. It runs in the same pass as the data checks and
//! is kept with them (`check_runs`, `yearly_runs`), so the page opens from the kept result.

use crate::*;
use fupin_domain::registry::lifecycle::Verdict;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Files per verdict, with the first `LISTED` of each (for the lists on the page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearlyUpdate {
    pub year: i32,
    pub households: u64,
    /// Verdict code (`meets_exit`, `still_poor`, `at_risk`, `stable`, `other`) → files.
    pub counts: BTreeMap<String, u64>,
    /// Still poor and now meeting every exit standard: ready for an exit proposal.
    pub meets_exit: Vec<YearlyFile>,
    /// Exited (or never registered) and at risk: candidates for monitoring.
    pub at_risk: Vec<YearlyFile>,
    /// Per child region of the one judged (code → files meeting exit, files at risk), so a
    /// province or city goes down to where the lists are whole.
    pub by_child: BTreeMap<String, (u64, u64)>,
    /// Data-check kind → (label, found), from the same pass.
    pub inconsistent: BTreeMap<String, (String, i64)>,
    /// Seconds spent reading, judging and checking the files, and on the cross-file checks.
    pub seconds: (f64, f64),
}

/// One listed file and why it is listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearlyFile {
    pub household_id: String,
    pub village_code: String,
    pub head_name: String,
    pub size: i64,
    pub reasons: Vec<String>,
}

/// One kept run of the yearly update over a region (for the business year it ran in).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct YearlyRun {
    pub region: String,
    /// The business date the files were judged on.
    pub computed_on: String,
    /// When the run ended (Unix seconds).
    pub finished_secs: i64,
    pub millis: i64,
    pub update: YearlyUpdate,
}

/// Listed per verdict at most (a county's whole list; a province's first counties).
pub const LISTED: usize = 2000;

pub(crate) fn key(v: Verdict) -> &'static str {
    match v {
        Verdict::MeetsExit => "meets_exit",
        Verdict::StillPoor => "still_poor",
        Verdict::AtRisk => "at_risk",
        Verdict::Stable => "stable",
        Verdict::Other => "other",
    }
}
