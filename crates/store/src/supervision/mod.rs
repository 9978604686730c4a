//! 调度监督 in the store. So far 监督举报: the public files reports without logging in and
//! follows them with a query code; the unit above the region reported on accepts, passes down
//! (never to the reported), handles and answers them against working-day deadlines; the
//! reporter rates the answer. Each step is one event on the chain of the county concerned (the
//! region's own code for a city or the province), without the reporter's words or identity.

pub mod conformance;
mod reports;

pub(crate) use reports::file_in;
pub mod schema;

use crate::{Page, Result};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::supervision::{Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::RegionCode;
use serde::Serialize;

/// What the reporter keeps: the tracking number and the code, shown once.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filed {
    pub tracking_number: String,
    /// 查询码: with the tracking number, the only way to follow the report. Stored as a hash.
    pub query_code: String,
    /// The unit receiving it must accept it by this date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub accept_by: Date,
}

/// One step as the reporter and the units read it back.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRecord {
    /// A step's code (`accept`, `transfer` …), `file` for the filing, `rate` for the reporter's rating.
    pub step: String,
    pub label: String,
    /// The unit that took it (a region's name), empty for the reporter.
    pub unit: String,
    /// What the step said to the reporter (a refusal's reason, the answer, the rating); internal
    /// notes only to the units.
    pub note: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
}

/// The reporter's name and contact, to the unit handling the report only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reporter {
    pub name: Option<String>,
    pub contact: Option<String>,
}

/// A report as the officials above the region it is about see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: String,
    pub version: i64,
    pub category: ReportCategory,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub about: RegionCode,
    pub about_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub handler: RegionCode,
    pub handler_name: String,
    pub household_id: Option<String>,
    pub text: String,
    /// The reporter gave a name or a contact.
    pub named: bool,
    /// Only in one report's detail, and only to the handling unit (the read is audited).
    pub reporter: Option<Reporter>,
    pub state: ReportState,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub filed_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub accepted_on: Option<Date>,
    /// To accept by (before 受理), to answer by (after).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    pub extended: bool,
    /// How often the reporter was not satisfied with an answer.
    pub dissatisfied: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub answered_on: Option<Date>,
    pub outcome: String,
    /// `satisfied` or `dissatisfied`: the reporter's last rating.
    pub rating: Option<String>,
    pub rating_comment: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub closed_on: Option<Date>,
    /// On the business date of the read.
    pub card: Card,
    /// 督办单: why the level above has taken the report in hand.
    pub order: Option<String>,
    /// In one report's detail; empty in lists.
    pub steps: Vec<StepRecord>,
}

/// What the reporter sees with the query code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Followed {
    pub tracking_number: String,
    pub category: ReportCategory,
    pub about_name: String,
    pub state: ReportState,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub filed_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    pub steps: Vec<StepRecord>,
    pub outcome: String,
    /// The answer waits for the reporter's rating (回访).
    pub may_rate: bool,
    pub rating: Option<String>,
}

/// A closed report as the portal publishes it: names and numbers masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    pub tracking_number: String,
    pub category: ReportCategory,
    pub about_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub filed_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub closed_on: Date,
    pub outcome: String,
    pub rating: Option<String>,
}

/// A count with its code and label.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counted {
    pub code: String,
    pub label: String,
    pub count: i64,
}

/// A region's reports in figures, for anyone.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportFigures {
    pub region: String,
    pub region_name: String,
    pub total: i64,
    pub by_category: Vec<Counted>,
    pub by_state: Vec<Counted>,
    /// Open and past their deadline on the business date (red cards).
    pub overdue: i64,
    /// Of the answers the reporters rated, how many satisfied them.
    pub rated: i64,
    pub satisfied: i64,
}

/// Filters of the officials' list; the caller's jurisdiction always applies on top.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// Reports about this region (inside the caller's: outside it is `NotFound`).
    pub region: Option<RegionCode>,
    pub state: Option<ReportState>,
    pub category: Option<ReportCategory>,
    pub card: Option<Card>,
    /// Only those the caller's unit handles now.
    pub mine: bool,
    pub page: u32,
    pub per_page: u32,
}

/// What a step carries besides its kind.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub note: String,
    /// 转办: the unit the report goes to.
    pub to: Option<RegionCode>,
}

pub trait SupervisionStore: Send + Sync {
    /// Anyone files a report, without logging in.
    fn file_report(&self, d: &ReportDraft, at: &str) -> Result<Filed>;
    /// The reporter follows a report; a wrong code is `NotFound`, like an unknown number.
    fn follow_report(&self, id: &str, code: &str, today: Date) -> Result<Followed>;
    /// 回访: the reporter rates the answer; satisfied closes it, dissatisfied sends it back (重办).
    fn rate_report(&self, id: &str, code: &str, satisfied: bool, comment: &str, at: &str) -> Result<Followed>;
    /// Reports about the regions below the caller's (officials of a township and above).
    fn reports(&self, caller: &Caller, q: &ReportQuery, today: Date) -> Result<Page<Report>>;
    /// One report with its steps; the reporter's name and contact to the handling unit only,
    /// and that read is audited.
    fn report(&self, caller: &Caller, id: &str, at: &str) -> Result<Report>;
    /// A step of the handling unit.
    fn step_report(
        &self,
        caller: &Caller,
        id: &str,
        expected_version: i64,
        step: ReportStep,
        input: &ReportInput,
        at: &str,
    ) -> Result<Report>;
    /// A region's reports in figures (the province when `None`).
    fn report_figures(&self, region: Option<&RegionCode>, today: Date) -> Result<ReportFigures>;
    /// Closed reports of a region as published (masked), the latest first.
    fn report_outcomes(&self, region: Option<&RegionCode>, limit: u32) -> Result<Vec<Outcome>>;
}

impl<B: crate::core::db::Backend> SupervisionStore for crate::sql_store::SqlStore<B> {
    fn file_report(&self, d: &ReportDraft, at: &str) -> Result<Filed> {
        reports::file(self, d, at)
    }
    fn follow_report(&self, id: &str, code: &str, today: Date) -> Result<Followed> {
        reports::follow(self, id, code, today)
    }
    fn rate_report(&self, id: &str, code: &str, satisfied: bool, comment: &str, at: &str) -> Result<Followed> {
        reports::rate(self, id, code, satisfied, comment, at)
    }
    fn reports(&self, caller: &Caller, q: &ReportQuery, today: Date) -> Result<Page<Report>> {
        reports::list(self, caller, q, today)
    }
    fn report(&self, caller: &Caller, id: &str, at: &str) -> Result<Report> {
        reports::get(self, caller, id, at)
    }
    fn step_report(
        &self,
        caller: &Caller,
        id: &str,
        expected_version: i64,
        step: ReportStep,
        input: &ReportInput,
        at: &str,
    ) -> Result<Report> {
        reports::step(self, caller, id, expected_version, step, input, at)
    }
    fn report_figures(&self, region: Option<&RegionCode>, today: Date) -> Result<ReportFigures> {
        reports::figures(self, region, today)
    }
    fn report_outcomes(&self, region: Option<&RegionCode>, limit: u32) -> Result<Vec<Outcome>> {
        reports::outcomes(self, region, limit)
    }
}
