//! 成效评估 in the store. The poverty measures of a region (`measures`: FGT and Alkire–Foster
//! over the register, computed from the files in one parallel pass per county, decomposed by
//! child region and by dimension) and third-party evaluations (`samples`: a county's frame
//! frozen, its sample drawn from the published seed, the field list).

pub mod conformance;
pub mod fieldwork;
pub mod measures;
pub mod samples;
pub mod schema;

use crate::Result;
use fupin_domain::access::Caller;
use fupin_domain::evaluation::field::{FieldResult, OutsideHousehold, Standing};
use fupin_domain::evaluation::sample::{FrameFile, FrameVillage, Kind, Plan, Stratum};
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;
use serde::Serialize;

pub use measures::{ChildMeasures, RegionMeasures};

/// A third-party evaluation of one county.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    pub id: String,
    pub county: String,
    pub county_name: String,
    /// The year evaluated (the exits and the help of that year).
    pub year: i32,
    /// The plan with its published seed.
    pub plan: Plan,
    /// SHA-256 of the frozen frame as `GET …/frame` serves it: with the seed, what anyone needs
    /// to redraw the sample and check it.
    pub frame_digest: String,
    /// `fieldwork` while results are entered, `closed` once the evaluator ends it.
    pub state: String,
    pub evaluator: String,
    pub drawn_at: String,
    pub villages: i64,
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldVillage {
    pub code: String,
    pub name: String,
    pub stratum: Stratum,
    pub stratum_label: &'static str,
    pub probability: f64,
    pub outside_population: i64,
    pub still_poor_files: i64,
    pub exited_files: i64,
}

/// One line of the field list: the household to visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldUnit {
    pub n: i64,
    pub village: String,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub household_id: String,
    /// The head's name (the list carries no ID number and no phone).
    pub head: Option<String>,
    pub persons: i64,
    pub weight: f64,
    /// What the enumerator found, once recorded.
    pub result: Option<FieldResult>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationDetail {
    pub evaluation: Evaluation,
    pub villages: Vec<FieldVillage>,
    pub units: Vec<FieldUnit>,
}

/// One of the "three rates, one degree" from the field results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateEstimate {
    /// `wrong_exit`, `omitted` or `satisfaction`.
    pub code: &'static str,
    pub label: &'static str,
    /// The threshold, as a share: the rate must stay below it (`below`) or reach it.
    pub threshold: f64,
    pub below: bool,
    /// The design-based estimate with its 95% Korn–Graubard interval; None without answers.
    pub estimate: Option<fupin_stats::survey::Estimate>,
    pub standing: Standing,
    pub standing_label: &'static str,
    /// Households answered, and those found wrongly exited / omitted / satisfied.
    pub answered: usize,
    pub found: usize,
    /// Why there is no estimate.
    pub note: Option<String>,
}

/// 综合贫困发生率: the register's remaining poor plus the poor the field work says it misses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incidence {
    /// (remaining + 错退率 × exited persons + 漏评率 × outside population) / rural population;
    /// None until both rates have an estimate.
    pub estimate: Option<f64>,
    /// Both rates at the ends of their intervals (conservative).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<f64>>))]
    pub range: Option<(f64, f64)>,
    /// The county's exit line (2%, 3% in the west).
    pub threshold: f64,
    pub standing: Standing,
    pub standing_label: &'static str,
    /// From the frozen frame.
    pub rural_population: i64,
    pub remaining: i64,
    pub exited_persons: i64,
    pub outside_population: i64,
}

/// An evaluation's estimates and the county's exit verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimates {
    pub evaluation_id: String,
    pub rates: Vec<RateEstimate>,
    pub incidence: Incidence,
    /// Passed (every rate's point estimate meets its threshold), vetoed, or None while a rate
    /// has no answer.
    pub verdict: Option<bool>,
    pub verdict_label: String,
    /// Households with a result, of those the plan expects (the sampled files and the villages'
    /// quotas outside the register).
    pub answered: usize,
    pub expected: usize,
}

pub trait EvaluationStore: Send + Sync {
    /// FGT P0/P1/P2 and Alkire–Foster H/A/M0 of `code` for `year`, persons weighted, with the
    /// decomposition by child region and by dimension. NotFound outside the caller's scope.
    fn measures(&self, caller: &Caller, code: &RegionCode, year: i32, as_of: Date) -> Result<RegionMeasures>;
    /// 第三方评估: freezes the county's frame and draws the plan's sample from it (the evaluator
    /// of a jurisdiction holding the county).
    fn draw_sample(&self, caller: &Caller, county: &RegionCode, year: i32, plan: &Plan, at: &str) -> Result<Evaluation>;
    /// The evaluations of the counties in `region` the caller may read, newest first.
    fn evaluations(&self, caller: &Caller, region: &RegionCode) -> Result<Vec<Evaluation>>;
    /// An evaluation with its sampled villages and its field list.
    fn evaluation(&self, caller: &Caller, id: &str) -> Result<EvaluationDetail>;
    /// The frozen frame an evaluation drew from.
    fn evaluation_frame(&self, caller: &Caller, id: &str) -> Result<(Vec<FrameVillage>, Vec<FrameFile>)>;
    /// Records (or corrects) what was found at sampled household `n`.
    fn record_result(&self, caller: &Caller, id: &str, n: i64, result: &FieldResult, at: &str) -> Result<FieldUnit>;
    /// Adds a household outside the register found in a sampled village, with its result.
    fn add_outside(&self, caller: &Caller, id: &str, found: &OutsideHousehold, result: &FieldResult, at: &str) -> Result<FieldUnit>;
    /// 错退率, 漏评率 and 认可度 with their intervals, and the verdict.
    fn estimates(&self, caller: &Caller, id: &str) -> Result<Estimates>;
    /// Ends the field work (the evaluator): the verdict as it stands goes on the ledger.
    fn close_evaluation(&self, caller: &Caller, id: &str, at: &str) -> Result<Evaluation>;
}

impl<B: crate::core::db::Backend> EvaluationStore for crate::sql_store::SqlStore<B> {
    fn measures(&self, caller: &Caller, code: &RegionCode, year: i32, as_of: Date) -> Result<RegionMeasures> {
        measures::of_region(self, caller, code, year, as_of)
    }
    fn draw_sample(&self, caller: &Caller, county: &RegionCode, year: i32, plan: &Plan, at: &str) -> Result<Evaluation> {
        samples::draw_sample(self, caller, county, year, plan, at)
    }
    fn evaluations(&self, caller: &Caller, region: &RegionCode) -> Result<Vec<Evaluation>> {
        samples::list(self, caller, region)
    }
    fn evaluation(&self, caller: &Caller, id: &str) -> Result<EvaluationDetail> {
        samples::get(self, caller, id)
    }
    fn evaluation_frame(&self, caller: &Caller, id: &str) -> Result<(Vec<FrameVillage>, Vec<FrameFile>)> {
        samples::frame(self, caller, id)
    }
    fn record_result(&self, caller: &Caller, id: &str, n: i64, result: &FieldResult, at: &str) -> Result<FieldUnit> {
        fieldwork::record_result(self, caller, id, n, result, at)
    }
    fn add_outside(&self, caller: &Caller, id: &str, found: &OutsideHousehold, result: &FieldResult, at: &str) -> Result<FieldUnit> {
        fieldwork::add_outside(self, caller, id, found, result, at)
    }
    fn estimates(&self, caller: &Caller, id: &str) -> Result<Estimates> {
        fieldwork::estimates(self, caller, id)
    }
    fn close_evaluation(&self, caller: &Caller, id: &str, at: &str) -> Result<Evaluation> {
        fieldwork::close(self, caller, id, at)
    }
}
