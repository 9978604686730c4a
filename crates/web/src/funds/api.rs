//! `/api/v1/funds/…` and `/api/v1/public/projects`: the allocations (previewed, published, read),
//! the counties' configured factors, the projects with their steps, notices and payments, the
//! report and the flags; the public notices without login.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use fupin_domain::funds::allocation::AllocationDraft;
use fupin_domain::funds::project::{NoticeDraft, PaymentDraft, ProjectDraft, ProjectKind, ProjectState, ProjectStep};
use fupin_domain::RegionCode;
use fupin_store::funds::{
    Allocation, CountyFactors, FactorInput, Flag, FundsReport, ProjectQuery, ProjectSummary, ProjectView, PublicProject,
};
use fupin_store::Page;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct RegionParam {
    /// A region inside the caller's (the caller's own by default).
    pub region: Option<String>,
}

/// An optional region code from a query: blank is none.
pub fn region_of(r: Option<&str>) -> Result<Option<RegionCode>, ApiError> {
    Ok(r.map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose()?)
}

/// The year's published allocations reaching a region of the caller's, with the lines of the
/// counties there (an allocator and those above it see every line).
#[utoipa::path(get, path = "/api/v1/funds/allocations/{year}", params(("year" = i32, Path, description = "资金年度"), RegionParam),
    responses((status = 200, body = Vec<Allocation>, description = "the newest first"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "a role that does not read the funds"), (status = 404, description = "a region outside the caller's")))]
pub async fn allocations(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(year): Path<i32>,
    Query(p): Query<RegionParam>,
) -> Result<Json<Vec<Allocation>>, ApiError> {
    let region = region_of(p.region.as_deref())?;
    Ok(Json(blocking(&state, move |s| s.allocations(&a.caller, year, region.as_ref())).await?))
}

/// Each county's amount and why, as it would be published today (the registry's poor
/// population, incidence and exit task now, the configured factors); nothing is stored.
#[utoipa::path(post, path = "/api/v1/funds/allocations/preview", request_body = AllocationDraft,
    responses((status = 200, body = Allocation, description = "the lines, adding up to the total to the fen"),
        (status = 403, description = "not a province or city official"),
        (status = 422, description = "a field refused (source for the level, year, weights, a factor zero everywhere)")))]
pub async fn preview(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<AllocationDraft>) -> Result<Json<Allocation>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.preview_allocation(&a.caller, &d, &at)).await?))
}

/// 下达: computes the allocation again and publishes it with its 文号, formula and the factor
/// values each line was computed from (they stay as published when the registry moves on).
#[utoipa::path(post, path = "/api/v1/funds/allocations", request_body = AllocationDraft,
    responses((status = 200, body = Allocation, description = "published"), (status = 403, description = "not a province or city official"),
        (status = 422, description = "a field refused, no 文号, or the same title already published this year")))]
pub async fn publish(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<AllocationDraft>) -> Result<Json<Allocation>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.publish_allocation(&a.caller, &d, &at)).await?))
}

/// The configured factors (人均财力, 上年考核得分) of the counties inside a region of the caller's.
#[utoipa::path(get, path = "/api/v1/funds/factors/{year}", params(("year" = i32, Path, description = "资金年度"), RegionParam),
    responses((status = 200, body = Vec<CountyFactors>, description = "one row per county"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "a role that does not read the funds"), (status = 404, description = "a region outside the caller's")))]
pub async fn factors(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(year): Path<i32>,
    Query(p): Query<RegionParam>,
) -> Result<Json<Vec<CountyFactors>>, ApiError> {
    let region = region_of(p.region.as_deref())?;
    Ok(Json(blocking(&state, move |s| s.fund_factors(&a.caller, year, region.as_ref())).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FactorsBody {
    /// One row per county set; an absent value keeps the stored one.
    pub rows: Vec<FactorInput>,
}

/// The province sets the counties' fiscal capacity and appraisal
/// score for a year, all rows or none.
#[utoipa::path(post, path = "/api/v1/funds/factors/{year}", params(("year" = i32, Path, description = "资金年度")), request_body = FactorsBody,
    responses((status = 200, body = Vec<CountyFactors>, description = "the factors as now stored"), (status = 403, description = "not a province or city official"),
        (status = 422, description = "a county outside the caller's region, a value out of range")))]
pub async fn set_factors(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(year): Path<i32>,
    Json(b): Json<FactorsBody>,
) -> Result<Json<Vec<CountyFactors>>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.set_fund_factors(&a.caller, year, &b.rows, &at)).await?))
}

/// Filters of the project list; the caller's jurisdiction applies on top.
#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ProjectParams {
    /// Projects located inside this region of the caller's.
    pub region: Option<String>,
    pub year: Option<i32>,
    /// planned, approved, started or accepted.
    pub state: Option<String>,
    /// A project kind's code (industry, infrastructure, …).
    pub kind: Option<String>,
    /// From 0.
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl ProjectParams {
    pub fn query(&self) -> Result<ProjectQuery, ApiError> {
        let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(ProjectQuery {
            region: region_of(self.region.as_deref())?,
            year: self.year,
            state: nonempty(&self.state).map(|s| ProjectState::parse(&s)).transpose()?,
            kind: nonempty(&self.kind).map(|k| ProjectKind::parse(&k)).transpose()?,
            page: self.page.unwrap_or(0),
            per_page: self.per_page.unwrap_or(50),
        })
    }
}

/// The projects located inside the caller's region (or a region of it), the newest first.
#[utoipa::path(get, path = "/api/v1/funds/projects", params(ProjectParams),
    responses((status = 200, body = Page<ProjectSummary>, description = "one page of projects"),
        (status = 400, description = "a malformed region code, or a state or kind that is not one of the codes"),
        (status = 403, description = "a role that does not read the funds"), (status = 404, description = "a region outside the caller's")))]
pub async fn projects(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<ProjectParams>,
) -> Result<Json<Page<ProjectSummary>>, ApiError> {
    let q = p.query()?;
    Ok(Json(blocking(&state, move |s| s.projects(&a.caller, &q)).await?))
}

/// 入库: a county official records a project of the county with its budget by source and the
/// registered households it is to benefit and how.
#[utoipa::path(post, path = "/api/v1/funds/projects", request_body = ProjectDraft,
    responses((status = 200, body = ProjectView, description = "recorded, planned"), (status = 403, description = "not a county official"),
        (status = 404, description = "a place outside the caller's county"),
        (status = 422, description = "a field refused (name, year, budget, a beneficiary not registered or not poor)")))]
pub async fn record(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<ProjectDraft>) -> Result<Json<ProjectView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.record_project(&a.caller, &d, &at)).await?))
}

/// One project with its budget, beneficiaries, notices, payments (accounts masked without the
/// bank view; unmasked household accounts are audited) and flags.
#[utoipa::path(get, path = "/api/v1/funds/projects/{id}", params(("id" = String, Path, description = "project id")),
    responses((status = 200, body = ProjectView, description = "the project"), (status = 403, description = "a role that does not read the funds"),
        (status = 404, description = "unknown, or outside the caller's region")))]
pub async fn project(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<ProjectView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.project(&a.caller, &id, &at)).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    pub step: ProjectStep,
    /// The version read: a project changed since is refused (409).
    pub expected_version: i64,
}

/// 批复, 开工 or 验收. A project starts only after its plan has been noticed for ten days.
#[utoipa::path(post, path = "/api/v1/funds/projects/{id}/step", params(("id" = String, Path, description = "project id")), request_body = StepBody,
    responses((status = 200, body = ProjectView, description = "stepped"), (status = 403, description = "not the project's county"),
        (status = 404, description = "unknown, or outside the caller's region"), (status = 409, description = "changed since it was read"),
        (status = 422, description = "a step the project's state does not allow, or started before its notice ended")))]
pub async fn step(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<StepBody>,
) -> Result<Json<ProjectView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.step_project(&a.caller, &id, b.expected_version, b.step, &at)).await?))
}

/// 公告公示: the plan before the work, the results after acceptance; at least ten days.
#[utoipa::path(post, path = "/api/v1/funds/projects/{id}/notices", params(("id" = String, Path, description = "project id")), request_body = NoticeDraft,
    responses((status = 200, body = ProjectView, description = "noticed"), (status = 403, description = "not the project's county"),
        (status = 404, description = "unknown, or outside the caller's region"),
        (status = 422, description = "too short, no text, or a kind the project's state does not allow")))]
pub async fn notice(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(d): Json<NoticeDraft>,
) -> Result<Json<ProjectView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.notice_project(&a.caller, &id, &d, &at)).await?))
}

/// 拨付: a payment from its voucher. Recorded even over the budget (the treasury paid it), and flagged.
#[utoipa::path(post, path = "/api/v1/funds/projects/{id}/payments", params(("id" = String, Path, description = "project id")), request_body = PaymentDraft,
    responses((status = 200, body = ProjectView, description = "recorded"), (status = 403, description = "not the project's county"),
        (status = 404, description = "unknown, or outside the caller's region"),
        (status = 422, description = "a field refused, a source not in the budget, a project not approved")))]
pub async fn pay(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(d): Json<PaymentDraft>,
) -> Result<Json<ProjectView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.pay_project(&a.caller, &id, &d, &at)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// A region inside the caller's (the caller's own by default).
    pub region: Option<String>,
    /// The business year by default.
    pub year: Option<i32>,
}

/// Allocated, budgeted and paid by county, source and kind, with the execution rate.
#[utoipa::path(get, path = "/api/v1/funds/report", params(ReportParams),
    responses((status = 200, body = FundsReport, description = "the year's money"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "a role that does not read the funds"), (status = 404, description = "a region outside the caller's")))]
pub async fn report(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ReportParams>) -> Result<Json<FundsReport>, ApiError> {
    let region = region_of(p.region.as_deref())?;
    let year = p.year.unwrap_or(state.today().year);
    Ok(Json(blocking(&state, move |s| s.funds_report(&a.caller, region.as_ref(), year)).await?))
}

/// 资金监管预警 on the business date: idle money, projects not noticed, payments over the
/// budget, one account for several households, money to households off the register or to a
/// member who has died or moved away.
#[utoipa::path(get, path = "/api/v1/funds/flags", params(RegionParam),
    responses((status = 200, body = Vec<Flag>, description = "what the platform caught"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "a role that does not read the funds"), (status = 404, description = "a region outside the caller's")))]
pub async fn flags(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<RegionParam>) -> Result<Json<Vec<Flag>>, ApiError> {
    let region = region_of(p.region.as_deref())?;
    let today = state.today();
    Ok(Json(blocking(&state, move |s| s.funds_flags(&a.caller, region.as_ref(), today)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PublicParams {
    /// A region code; the province when absent.
    pub region: Option<String>,
}

/// 项目公告公示 for everyone: the projects noticed in a region with their budget, payments,
/// beneficiaries counted by how they benefit (no household named, no account).
#[utoipa::path(get, path = "/api/v1/public/projects", params(PublicParams),
    responses((status = 200, body = Vec<PublicProject>, description = "the latest notice first"), (status = 400, description = "a malformed region code")))]
pub async fn public_projects(
    State(state): State<Arc<AppState>>,
    Query(p): Query<PublicParams>,
) -> Result<Json<Vec<PublicProject>>, ApiError> {
    let region = region_of(p.region.as_deref())?.unwrap_or_else(|| RegionCode::parse("37").expect("the province"));
    Ok(Json(blocking(&state, move |s| s.public_projects(&region, 100)).await?))
}
