//! 扶贫资金 in the store. Allocations: the province (central and provincial funds) or a city (its
//! own) shares a year's total among its counties by the factor method over the registry's
//! rollups and the configured factors, previews it and publishes it with its formula
//! (`allocations`). Projects: each county's library with budget by source, beneficiaries and
//! how they benefit, approval, public notices, payments and acceptance (`projects`). The
//! report by county, source and kind, and the flags that catch misuse (`oversight`). Every
//! publication, step, notice and payment is one event on the chain of the county concerned
//! (the allocator's own for an allocation), without account numbers or payees.

mod allocations;
pub mod conformance;
mod oversight;
mod projects;
pub mod schema;

use crate::{Page, Result};
use fupin_domain::access::Caller;
use fupin_domain::funds::allocation::{AllocationDraft, Line, Weight};
use fupin_domain::funds::project::{
    BudgetLine, FlagKind, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectState, ProjectStep,
};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::{RegionCode, Yuan};
use serde::{Deserialize, Serialize};

/// A county's configured factors for a year.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountyFactors {
    pub county: String,
    pub name: String,
    /// 人均财力, 元 a person.
    pub fiscal: Option<i64>,
    /// Last year's appraisal score (0–100).
    pub appraisal: Option<i64>,
}

/// What the province sets for one county (an absent value leaves the stored one).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactorInput {
    pub county: String,
    pub fiscal: Option<i64>,
    pub appraisal: Option<i64>,
}

/// An allocation, previewed (no id) or published, with the lines the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Allocation {
    pub id: Option<String>,
    /// The allocating region (the province or a city).
    pub region: String,
    pub region_name: String,
    pub year: i32,
    pub source: FundSource,
    pub title: String,
    pub document: String,
    pub total: Yuan,
    pub weights: Vec<Weight>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub published_on: Option<Date>,
    pub created_by: String,
    /// Each county's amount and why; only the counties inside the caller's region (or the
    /// caller's own county) for those below the allocator.
    pub lines: Vec<Line>,
    /// What the lines shown add up to.
    pub lines_total: Yuan,
}

/// A project in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectSummary {
    pub id: String,
    pub version: i64,
    pub county: String,
    pub county_name: String,
    pub region: String,
    pub region_name: String,
    pub year: i32,
    pub name: String,
    pub kind: ProjectKind,
    pub state: ProjectState,
    pub budget: Yuan,
    pub paid: Yuan,
    pub households: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub kind: NoticeKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: Date,
    pub text: String,
}

/// A payment as the caller may read it: the account masked without the bank view.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub n: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub paid_on: Date,
    pub amount: Yuan,
    pub source: FundSource,
    pub payee: String,
    pub account: String,
    pub voucher: String,
    pub household_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeneficiaryRow {
    pub household_id: String,
    pub mechanism: Mechanism,
}

/// What the platform caught in the money's way.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Flag {
    pub kind: FlagKind,
    pub label: String,
    pub county: String,
    pub county_name: String,
    pub project_id: Option<String>,
    pub project_name: String,
    pub detail: String,
    /// The money concerned (idle, over the budget, paid to the wrong household).
    pub amount: Option<Yuan>,
}

/// One project with everything recorded on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectView {
    pub project: ProjectSummary,
    pub description: String,
    pub implementer: String,
    pub budget_lines: Vec<BudgetLine>,
    pub beneficiaries: Vec<BeneficiaryRow>,
    pub notices: Vec<Notice>,
    pub payments: Vec<Payment>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub recorded_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub approved_on: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub started_on: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub accepted_on: Option<Date>,
    pub flags: Vec<Flag>,
    /// The steps the caller may take now.
    pub steps: Vec<ProjectStep>,
    pub may_notice: bool,
    pub may_pay: bool,
}

/// Filters of the project list; the caller's jurisdiction always applies on top.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    /// Projects located inside this region (inside the caller's: outside it is `NotFound`).
    pub region: Option<RegionCode>,
    pub year: Option<i32>,
    pub state: Option<ProjectState>,
    pub kind: Option<ProjectKind>,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MechanismCount {
    pub mechanism: Mechanism,
    pub households: i64,
}

/// A project as its notices publish it to everyone: no households named, no accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicProject {
    pub id: String,
    pub name: String,
    pub kind: ProjectKind,
    pub year: i32,
    pub state: ProjectState,
    pub county_name: String,
    pub region_name: String,
    pub implementer: String,
    pub description: String,
    pub budget: Yuan,
    pub budget_lines: Vec<BudgetLine>,
    pub paid: Yuan,
    pub households: i64,
    pub mechanisms: Vec<MechanismCount>,
    pub notices: Vec<Notice>,
}

/// Money by region, source or kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundsRow {
    /// A county's code, a source's or a kind's code.
    pub code: String,
    pub label: String,
    /// Allocated to it by the published allocations of the year (zero for a kind).
    pub allocated: Yuan,
    /// The budgets of the year's projects.
    pub budget: Yuan,
    pub paid: Yuan,
    /// Paid over allocated, in tenths of a percent (none without an allocation).
    pub rate_permille: Option<i64>,
    pub projects: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundsReport {
    pub region: String,
    pub region_name: String,
    pub year: i32,
    pub total: FundsRow,
    pub by_county: Vec<FundsRow>,
    pub by_source: Vec<FundsRow>,
    pub by_kind: Vec<FundsRow>,
}

pub trait FundsStore: Send + Sync {
    /// The province sets counties' fiscal capacity and appraisal score for a year.
    fn set_fund_factors(&self, caller: &Caller, year: i32, rows: &[FactorInput], at: &str) -> Result<Vec<CountyFactors>>;
    /// The configured factors of the counties inside a region of the caller's (its own by default).
    fn fund_factors(&self, caller: &Caller, year: i32, region: Option<&RegionCode>) -> Result<Vec<CountyFactors>>;
    /// Each county's amount and why, as it would be published today; nothing is stored.
    fn preview_allocation(&self, caller: &Caller, draft: &AllocationDraft, at: &str) -> Result<Allocation>;
    /// Computes and publishes the allocation with its formula and factor values.
    fn publish_allocation(&self, caller: &Caller, draft: &AllocationDraft, at: &str) -> Result<Allocation>;
    /// The year's published allocations reaching a region of the caller's (its own by default),
    /// with the lines of the counties there.
    fn allocations(&self, caller: &Caller, year: i32, region: Option<&RegionCode>) -> Result<Vec<Allocation>>;
    /// 入库: a county official records a project of the county.
    fn record_project(&self, caller: &Caller, draft: &ProjectDraft, at: &str) -> Result<ProjectView>;
    fn step_project(&self, caller: &Caller, id: &str, expected_version: i64, step: ProjectStep, at: &str) -> Result<ProjectView>;
    /// 公告公示: a notice from `from` to `to` (at least ten days).
    fn notice_project(&self, caller: &Caller, id: &str, notice: &NoticeDraft, at: &str) -> Result<ProjectView>;
    /// 拨付: a payment from its voucher.
    fn pay_project(&self, caller: &Caller, id: &str, payment: &PaymentDraft, at: &str) -> Result<ProjectView>;
    /// One project inside the caller's region; unmasked accounts of households are audited.
    fn project(&self, caller: &Caller, id: &str, at: &str) -> Result<ProjectView>;
    fn projects(&self, caller: &Caller, q: &ProjectQuery) -> Result<Page<ProjectSummary>>;
    /// Projects with a notice, inside `region`, the latest notice first: for everyone.
    fn public_projects(&self, region: &RegionCode, limit: u32) -> Result<Vec<PublicProject>>;
    /// Allocated, budgeted and paid by county, source and kind in a region (the caller's by default).
    fn funds_report(&self, caller: &Caller, region: Option<&RegionCode>, year: i32) -> Result<FundsReport>;
    /// What the platform flags in a region (the caller's by default) on the business date.
    fn funds_flags(&self, caller: &Caller, region: Option<&RegionCode>, today: Date) -> Result<Vec<Flag>>;
}

impl<B: crate::core::db::Backend> FundsStore for crate::sql_store::SqlStore<B> {
    fn set_fund_factors(&self, caller: &Caller, year: i32, rows: &[FactorInput], at: &str) -> Result<Vec<CountyFactors>> {
        allocations::set_factors(self, caller, year, rows, at)
    }
    fn fund_factors(&self, caller: &Caller, year: i32, region: Option<&RegionCode>) -> Result<Vec<CountyFactors>> {
        allocations::factors(self, caller, year, region)
    }
    fn preview_allocation(&self, caller: &Caller, draft: &AllocationDraft, at: &str) -> Result<Allocation> {
        allocations::preview(self, caller, draft, at)
    }
    fn publish_allocation(&self, caller: &Caller, draft: &AllocationDraft, at: &str) -> Result<Allocation> {
        allocations::publish(self, caller, draft, at)
    }
    fn allocations(&self, caller: &Caller, year: i32, region: Option<&RegionCode>) -> Result<Vec<Allocation>> {
        allocations::list(self, caller, year, region)
    }
    fn record_project(&self, caller: &Caller, draft: &ProjectDraft, at: &str) -> Result<ProjectView> {
        projects::record(self, caller, draft, at)
    }
    fn step_project(&self, caller: &Caller, id: &str, expected_version: i64, step: ProjectStep, at: &str) -> Result<ProjectView> {
        projects::step(self, caller, id, expected_version, step, at)
    }
    fn notice_project(&self, caller: &Caller, id: &str, notice: &NoticeDraft, at: &str) -> Result<ProjectView> {
        projects::notice(self, caller, id, notice, at)
    }
    fn pay_project(&self, caller: &Caller, id: &str, payment: &PaymentDraft, at: &str) -> Result<ProjectView> {
        projects::pay(self, caller, id, payment, at)
    }
    fn project(&self, caller: &Caller, id: &str, at: &str) -> Result<ProjectView> {
        projects::get(self, caller, id, at)
    }
    fn projects(&self, caller: &Caller, q: &ProjectQuery) -> Result<Page<ProjectSummary>> {
        projects::list(self, caller, q)
    }
    fn public_projects(&self, region: &RegionCode, limit: u32) -> Result<Vec<PublicProject>> {
        projects::public(self, region, limit)
    }
    fn funds_report(&self, caller: &Caller, region: Option<&RegionCode>, year: i32) -> Result<FundsReport> {
        oversight::report(self, caller, region, year)
    }
    fn funds_flags(&self, caller: &Caller, region: Option<&RegionCode>, today: Date) -> Result<Vec<Flag>> {
        oversight::flags(self, caller, region, today)
    }
}
