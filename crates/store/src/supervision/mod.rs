//! 调度监督 in the store. 监督举报: the public files reports without logging in and follows them
//! with a query code; the unit above the region reported on accepts, passes down (never to the
//! reported), handles and answers them against working-day deadlines; the reporter rates the
//! answer. Each step is one event on the chain of the county concerned (the region's own code
//! for a city or the province), without the reporter's words or identity. 重点工作任务: key
//! tasks dispatched with a target, split down level by level and tracked (`tasks`).

pub mod conformance;
mod reports;
pub mod tasks;

pub(crate) use reports::file_in;
pub mod schema;

use crate::{Page, Result};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::supervision::task::{Indicator, Part, Standing, TargetKind, TaskDraft};
use fupin_domain::supervision::{Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::Level;
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

/// A key task as dispatched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: String,
    pub version: i64,
    pub title: String,
    /// The region that dispatched it.
    pub region: String,
    pub region_name: String,
    pub policy_id: Option<String>,
    pub policy_title: Option<String>,
    pub indicator: Indicator,
    pub kind: TargetKind,
    /// What a number counts (人, 个村 …); empty for a percentage or yes/no.
    pub unit_label: String,
    pub year: i32,
    /// The lowest level it is split to.
    pub down_to: Level,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub dispatched_on: Date,
    pub created_by: String,
}

/// A region's target of a task, with its value and standing on the day of the read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetRow {
    pub region: String,
    pub name: String,
    pub level: Level,
    /// The region it was split from (none for the dispatcher's own).
    pub parent: Option<String>,
    pub target: i64,
    pub target_text: String,
    pub value: i64,
    pub value_text: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    pub unit: String,
    pub person: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub assigned_on: Date,
    pub baseline: i64,
    pub standing: Standing,
    /// Parts it split among the regions below it.
    pub parts: i64,
    /// A reported task: the region's last report and its evidence.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reported_on: Option<Date>,
    pub evidence: String,
}

/// A value on the way: a report (`report`), a week's computed value (`snapshot`) or today's (`now`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressPoint {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
    pub value: i64,
    pub value_text: String,
    pub evidence: String,
    pub source: String,
}

/// A task read at one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskView {
    pub task: Task,
    pub row: TargetRow,
    /// The target it was split from.
    pub from: Option<TargetRow>,
    /// The parts below it, the furthest along first (the ranking of 调度通报).
    pub children: Vec<TargetRow>,
    pub series: Vec<ProgressPoint>,
    /// The caller may split this target among the regions below (listed in `below`).
    pub may_split: bool,
    pub may_report: bool,
    pub below: Vec<(String, String)>,
}

/// A task in the caller's list, read at the highest of the caller's regions that holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSummary {
    pub task: Task,
    pub row: TargetRow,
}

/// A task's target waiting on the caller: `split`, `report`, `due`, `overdue`, or
/// `overdue_below` (a region directly below is past its deadline: 升级督办).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDue {
    pub task_id: String,
    pub title: String,
    pub region: String,
    pub region_name: String,
    pub what: &'static str,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    pub light: fupin_domain::supervision::task::Light,
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
    /// 下达: an official of a province, city or county dispatches a key task with its own region's target.
    fn dispatch_task(&self, caller: &Caller, draft: &TaskDraft, at: &str) -> Result<TaskView>;
    /// 分解: the caller's region splits its target among the regions directly below it
    /// (replacing its earlier split, except parts already split further).
    fn split_task(&self, caller: &Caller, id: &str, parts: &[Part], at: &str) -> Result<TaskView>;
    /// 填报: a region holding no parts of a reported task records its progress with evidence.
    fn report_task(&self, caller: &Caller, id: &str, value: i64, evidence: &str, at: &str) -> Result<TaskView>;
    /// A task at a region inside the caller's (its own by default).
    fn task(&self, caller: &Caller, id: &str, region: Option<&RegionCode>, today: Date) -> Result<TaskView>;
    /// The tasks a region inside the caller's (its own by default) holds or that were
    /// dispatched below it; `NotFound` outside the caller's region.
    fn tasks(&self, caller: &Caller, region: Option<&RegionCode>, today: Date) -> Result<Vec<TaskSummary>>;
    /// What of the tasks waits on the caller's region (待办).
    fn tasks_due(&self, caller: &Caller, today: Date) -> Result<Vec<TaskDue>>;
    /// This week's value of every computed target (the progress series); how many were recorded.
    fn snapshot_tasks(&self, today: Date) -> Result<usize>;
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
    fn dispatch_task(&self, caller: &Caller, draft: &TaskDraft, at: &str) -> Result<TaskView> {
        tasks::dispatch(self, caller, draft, at)
    }
    fn split_task(&self, caller: &Caller, id: &str, parts: &[Part], at: &str) -> Result<TaskView> {
        tasks::split(self, caller, id, parts, at)
    }
    fn report_task(&self, caller: &Caller, id: &str, value: i64, evidence: &str, at: &str) -> Result<TaskView> {
        tasks::report(self, caller, id, value, evidence, at)
    }
    fn task(&self, caller: &Caller, id: &str, region: Option<&RegionCode>, today: Date) -> Result<TaskView> {
        tasks::view(self, caller, id, region, today)
    }
    fn tasks(&self, caller: &Caller, region: Option<&RegionCode>, today: Date) -> Result<Vec<TaskSummary>> {
        tasks::list(self, caller, region, today)
    }
    fn tasks_due(&self, caller: &Caller, today: Date) -> Result<Vec<TaskDue>> {
        tasks::due(self, caller, today)
    }
    fn snapshot_tasks(&self, today: Date) -> Result<usize> {
        tasks::snapshot(self, today)
    }
}
