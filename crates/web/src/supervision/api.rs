//! `/api/v1/public/reports…` (anyone: file, follow with the query code, rate the answer, the
//! published figures and outcomes) and `/api/v1/supervision/reports…` (the units above the
//! region reported on: list, read, take a step).

use super::limits::{FAILED_FOLLOWS_PER_ADDRESS, FILINGS_PER_ADDRESS, FILINGS_PER_REGION};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use fupin_domain::supervision::{Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::RegionCode;
use fupin_store::supervision::{Filed, Followed, Outcome, Report, ReportFigures, ReportInput, ReportQuery};
use fupin_store::Page;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

fn too_many(message: &str) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "report.rate_limited", message)
}

/// Files a report: the limits per address and per region, then the store. One place for the
/// page and the API.
pub(crate) async fn file(state: &Arc<AppState>, addr: SocketAddr, d: ReportDraft) -> Result<Filed, ApiError> {
    let by_addr = format!("file:{}", addr.ip());
    let by_region = format!("about:{}", d.region.trim());
    if !state.public_limits.allows(&by_addr, FILINGS_PER_ADDRESS) {
        return Err(too_many("提交过于频繁，请一小时后再试"));
    }
    if !state.public_limits.allows(&by_region, FILINGS_PER_REGION) {
        return Err(too_many("该地区的举报提交过于集中，请稍后再试"));
    }
    let at = state.today().to_string();
    let filed = blocking(state, move |s| s.file_report(&d, &at)).await?;
    state.public_limits.hit(&by_addr);
    state.public_limits.hit(&by_region);
    Ok(filed)
}

/// Follows a report; wrong numbers and codes count against the address.
pub(crate) async fn follow(state: &Arc<AppState>, addr: SocketAddr, id: String, code: String) -> Result<Followed, ApiError> {
    let key = format!("follow:{}", addr.ip());
    if !state.public_limits.allows(&key, FAILED_FOLLOWS_PER_ADDRESS) {
        return Err(too_many("查询失败次数过多，请一小时后再试"));
    }
    let today = state.today();
    let r = blocking(state, move |s| s.follow_report(&id, &code, today)).await;
    if r.as_ref().is_err_and(|e| e.status == StatusCode::NOT_FOUND) {
        state.public_limits.hit(&key);
    }
    r
}

/// Anyone reports a problem, named or anonymously: the answer holds the tracking number and the
/// query code, which are the only way to follow the report.
#[utoipa::path(post, path = "/api/v1/public/reports", request_body = ReportDraft,
    responses((status = 200, body = Filed, description = "filed; keep the number and the code"),
        (status = 422, description = "a field refused, or the same report already under way"),
        (status = 429, description = "too many reports from this address or about this region")))]
pub async fn post_report(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(d): Json<ReportDraft>,
) -> Result<Json<Filed>, ApiError> {
    Ok(Json(file(&state, addr, d).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeParam {
    /// The query code given when the report was filed.
    pub code: String,
}

/// The reporter follows the report: its state, the steps and the answer. A wrong code answers
/// 404, like an unknown number.
#[utoipa::path(get, path = "/api/v1/public/reports/{tracking_number}", params(("tracking_number" = String, Path, description = "the tracking number"), CodeParam),
    responses((status = 200, body = Followed, description = "the report as its reporter sees it"),
        (status = 429, description = "too many wrong numbers or codes from this address")))]
pub async fn get_report(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(p): Query<CodeParam>,
) -> Result<Json<Followed>, ApiError> {
    Ok(Json(follow(&state, addr, id, p.code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RatingBody {
    pub code: String,
    pub satisfied: bool,
    /// Required when not satisfied: what is still wrong.
    #[serde(default)]
    pub comment: String,
}

/// 回访: the reporter rates the answer; satisfied closes the report, dissatisfied sends it back
/// to the unit (重办).
#[utoipa::path(post, path = "/api/v1/public/reports/{tracking_number}/rating", params(("tracking_number" = String, Path, description = "the tracking number")),
    request_body = RatingBody,
    responses((status = 200, body = Followed, description = "rated"), (status = 422, description = "not waiting for a rating, or no reason given"),
        (status = 429, description = "too many wrong numbers or codes from this address")))]
pub async fn rate(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Json(b): Json<RatingBody>,
) -> Result<Json<Followed>, ApiError> {
    Ok(Json(rate_report(&state, addr, id, b).await?))
}

pub(crate) async fn rate_report(state: &Arc<AppState>, addr: SocketAddr, id: String, b: RatingBody) -> Result<Followed, ApiError> {
    let key = format!("follow:{}", addr.ip());
    if !state.public_limits.allows(&key, FAILED_FOLLOWS_PER_ADDRESS) {
        return Err(too_many("查询失败次数过多，请一小时后再试"));
    }
    let at = state.today().to_string();
    let r = blocking(state, move |s| s.rate_report(&id, &b.code, b.satisfied, &b.comment, &at)).await;
    if r.as_ref().is_err_and(|e| e.status == StatusCode::NOT_FOUND) {
        state.public_limits.hit(&key);
    }
    r
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionParam {
    /// A region code; the province when absent.
    #[param(pattern = r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")]
    pub region: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicReports {
    pub figures: ReportFigures,
    /// The latest closed reports, names and numbers masked.
    pub outcomes: Vec<Outcome>,
}

pub(crate) fn region_of(p: Option<&str>) -> Result<Option<RegionCode>, ApiError> {
    Ok(p.map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose()?)
}

/// 监督举报 in figures, for anyone: reports by category and state, the overdue, the ratings, and
/// the published outcomes.
#[utoipa::path(get, path = "/api/v1/public/reports", params(RegionParam),
    responses((status = 200, body = PublicReports, description = "the region's figures and outcomes")))]
pub async fn public_reports(State(state): State<Arc<AppState>>, Query(p): Query<RegionParam>) -> Result<Json<PublicReports>, ApiError> {
    let region = region_of(p.region.as_deref())?;
    let today = state.today();
    Ok(Json(
        blocking(&state, move |s| {
            Ok(PublicReports { figures: s.report_figures(region.as_ref(), today)?, outcomes: s.report_outcomes(region.as_ref(), 20)? })
        })
        .await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Reports about this region (inside the caller's).
    #[param(pattern = r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$")]
    pub region: Option<String>,
    /// 办理状态 code.
    pub state: Option<String>,
    /// 举报类别 code.
    pub category: Option<String>,
    /// `green`, `yellow` or `red` on the business date.
    pub card: Option<String>,
    /// Only those the caller's unit handles now.
    pub mine: Option<bool>,
    /// From 0.
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

impl ReportParams {
    pub fn query(&self) -> Result<ReportQuery, ApiError> {
        let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(ReportQuery {
            region: region_of(self.region.as_deref())?,
            state: nonempty(&self.state).map(|s| ReportState::parse(&s)).transpose()?,
            category: nonempty(&self.category).map(|s| ReportCategory::parse(&s)).transpose()?,
            card: nonempty(&self.card).map(|s| Card::parse(&s)).transpose()?,
            mine: self.mine.unwrap_or(false),
            page: self.page.unwrap_or(0),
            per_page: self.per_page.unwrap_or(50),
        })
    }
}

/// Reports about the regions below the caller's: officials of a township and above. Lists never
/// carry the reporter.
#[utoipa::path(get, path = "/api/v1/supervision/reports", params(ReportParams),
    responses((status = 200, body = Page<Report>, description = "one page, the latest first"), (status = 403, description = "a role that does not handle reports")))]
pub async fn list(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<ReportParams>) -> Result<Json<Page<Report>>, ApiError> {
    let q = p.query()?;
    let today = state.today();
    Ok(Json(blocking(&state, move |s| s.reports(&a.caller, &q, today)).await?))
}

/// One report with its steps; the reporter's name and contact only to the unit handling it (and
/// that read is audited).
#[utoipa::path(get, path = "/api/v1/supervision/reports/{id}", params(("id" = String, Path, description = "the tracking number")),
    responses((status = 200, body = Report, description = "the report"), (status = 404, description = "unknown, or not below the caller's region")))]
pub async fn get_one(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Report>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.report(&a.caller, &id, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    pub step: ReportStep,
    pub expected_version: i64,
    /// Required for 不予受理, 延期 and 反馈 (the reporter reads it).
    #[serde(default)]
    pub note: String,
    /// 转办: the unit's region code.
    #[serde(default)]
    pub to: Option<String>,
}

/// A step of the unit handling the report: 受理, 不予受理, 转办, 延期, 反馈, 办结.
#[utoipa::path(post, path = "/api/v1/supervision/reports/{id}/steps", params(("id" = String, Path, description = "the tracking number")), request_body = StepBody,
    responses((status = 200, body = Report, description = "the report after the step"), (status = 403, description = "another unit handles it"),
        (status = 404, description = "unknown, or not below the caller's region"), (status = 409, description = "a stale version"),
        (status = 422, description = "not possible in this state, no note, a unit that may not handle it")))]
pub async fn step(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<StepBody>,
) -> Result<Json<Report>, ApiError> {
    let to = region_of(b.to.as_deref())?;
    let at = state.today().to_string();
    let input = ReportInput { note: b.note, to };
    Ok(Json(blocking(&state, move |s| s.step_report(&a.caller, &id, b.expected_version, b.step, &input, &at)).await?))
}

/// 接受社会监督: every chain's head (last sequence number and hash) on the business date,
/// signed with the platform's Ed25519 key; `fupin ledger verify --against FILE` proves later that
/// the ledger only grew after it.
#[utoipa::path(get, path = "/api/v1/public/ledger/heads",
    responses((status = 200, body = fupin_store::core::heads::SignedHeads, description = "the signed heads of the day")))]
pub async fn ledger_heads(State(state): State<Arc<AppState>>) -> Result<Json<fupin_store::core::heads::SignedHeads>, ApiError> {
    let today = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.signed_heads(&today)).await?))
}

/// The same, as a file to keep (`账本链头-DATE.json`).
pub async fn ledger_heads_file(State(state): State<Arc<AppState>>) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let today = state.today().to_string();
    let file = blocking(&state, move |s| s.signed_heads(&today)).await?;
    let body =
        serde_json::to_string_pretty(&file).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let name = format!("ledger-heads-{}.json", file.date);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}
