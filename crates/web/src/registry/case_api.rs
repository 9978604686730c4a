//! `/api/v1` for the lifecycle: proposing exits, returns and removals, applying for
//! identification, doing or rejecting steps, objections (lodged by anyone) and the public
//! notices, and the demo's business clock.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use fupin_domain::registry::household::Household;
use fupin_domain::registry::lifecycle::CaseKind;
use fupin_domain::RegionCode;
use fupin_store::{Case, Decision, Objection, PublicNotice};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

async fn open(state: &Arc<AppState>, a: Auth, kind: CaseKind, id: String, reason: String) -> Result<Json<Case>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(state, move |s| s.open_case(&a.caller, kind, Some(&id), None, &reason, &at)).await?))
}

/// Proposes the household's exit (脱贫销号). When a standard is unmet: 422 with `unmet`, nothing recorded.
#[utoipa::path(post, path = "/api/v1/households/{id}/exit", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")),
    responses((status = 200, body = Case, description = "the exit case, opened"), (status = 422, description = "standards unmet (error.unmet lists them) or a case already open"),
              (status = 403, description = "not a village official"), (status = 404, description = "unknown or outside jurisdiction")))]
pub async fn propose_exit(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Case>, ApiError> {
    open(&state, a, CaseKind::Exit, id, String::new()).await
}

/// Proposes a return to poverty (返贫挂号) with a reason.
#[utoipa::path(post, path = "/api/v1/households/{id}/return", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = ReasonBody,
    responses((status = 200, body = Case, description = "the return case"), (status = 422, description = "not exited, no reason, or a case open")))]
pub async fn propose_return(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ReasonBody>,
) -> Result<Json<Case>, ApiError> {
    open(&state, a, CaseKind::Return, id, b.reason).await
}

/// Proposes removing a wrongly included household (清退) with a reason.
#[utoipa::path(post, path = "/api/v1/households/{id}/removal", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = ReasonBody,
    responses((status = 200, body = Case, description = "the removal case"), (status = 422, description = "already removed, no reason, or a case open")))]
pub async fn propose_removal(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ReasonBody>,
) -> Result<Json<Case>, ApiError> {
    open(&state, a, CaseKind::Removal, id, b.reason).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MonitoringBody {
    /// 监测对象类型 code: 1 脱贫不稳定户, 2 边缘易致贫户, 3 突发严重困难户.
    #[serde(rename = "type")]
    pub monitor_type: String,
    #[serde(default)]
    pub reason: String,
}

/// Proposes the household for monitoring (防返贫监测): check, review, notice (≥ 5 days),
/// county decision within 15 days.
#[utoipa::path(post, path = "/api/v1/households/{id}/monitoring", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = MonitoringBody,
    responses((status = 200, body = Case, description = "the monitoring case"), (status = 400, description = "unknown type"), (status = 422, description = "already monitored, removed, no reason, or a case open")))]
pub async fn propose_monitoring(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<MonitoringBody>,
) -> Result<Json<Case>, ApiError> {
    let kind = fupin_domain::registry::codes::MonitorType::parse(&b.monitor_type)?;
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.open_monitoring(&a.caller, &id, kind, &b.reason, &at)).await?))
}

/// Proposes clearing a monitored household's risk (风险消除).
#[utoipa::path(post, path = "/api/v1/households/{id}/monitoring/clear", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = ReasonBody,
    responses((status = 200, body = Case, description = "the clearing case"), (status = 422, description = "not monitored, no reason, or a case open")))]
pub async fn propose_clear(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ReasonBody>,
) -> Result<Json<Case>, ApiError> {
    open(&state, a, CaseKind::MonitoringClear, id, b.reason).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TransferBody {
    /// The 12-digit code of the village the household moves to (anywhere in the province).
    pub target: String,
    #[serde(default)]
    pub reason: String,
}

/// Proposes moving the household to another village or county (迁移): source township review,
/// source county release, target county acceptance; the file continues there under a new
/// number with its history linked.
#[utoipa::path(post, path = "/api/v1/households/{id}/transfer", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = TransferBody,
    responses((status = 200, body = Case, description = "the transfer case"), (status = 422, description = "malformed, unknown or same village, no reason, moved out or removed, or a case open")))]
pub async fn propose_transfer(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<TransferBody>,
) -> Result<Json<Case>, ApiError> {
    let target = RegionCode::parse(&b.target)?;
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.open_transfer(&a.caller, &id, &target, &b.reason, &at)).await?))
}

/// Records a rural household outside the register (非建档立卡户: 边缘户, households in sudden
/// hardship) so that it can be monitored (防返贫监测). Village officials; the platform assigns
/// the number; the household never counts among the registered poor.
#[utoipa::path(post, path = "/api/v1/households/records", request_body = ApplicationBody,
    responses((status = 200, body = crate::view::HouseholdView, description = "the recorded file"), (status = 403, description = "not a village official"),
              (status = 422, description = "invalid file, no reason, or a member already in another file")))]
pub async fn record_household(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Json(b): Json<ApplicationBody>,
) -> Result<Json<crate::view::HouseholdView>, ApiError> {
    let (caller, at) = (a.caller.clone(), state.today().to_string());
    let h = blocking(&state, move |s| s.record_household(&caller, b.file, &b.reason, &at)).await?;
    // Answered as any read is: masked by role.
    Ok(Json(crate::registry::api::load_view(&state, &a, h.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApplicationBody {
    /// The applicant's full file; its id, status and years are assigned by the platform.
    #[schema(value_type = Object)]
    pub file: Household,
    #[serde(default)]
    pub reason: String,
}

/// Files an identification application (识别申请) with the full household file.
#[utoipa::path(post, path = "/api/v1/cases", request_body = ApplicationBody,
    responses((status = 200, body = Case, description = "the identification case"), (status = 422, description = "invalid file, or a member already in another file")))]
pub async fn apply(State(state): State<Arc<AppState>>, a: Auth, Json(b): Json<ApplicationBody>) -> Result<Json<Case>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.open_case(&a.caller, CaseKind::Identification, None, Some(b.file), &b.reason, &at)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CaseListParams {
    pub region: Option<String>,
    /// Only cases still running (default true).
    pub open: Option<bool>,
}

/// Cases in a region, most recently updated first.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseListParams), responses((status = 200, body = Vec<Case>, description = "cases")))]
pub async fn list(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<CaseListParams>) -> Result<Json<Vec<Case>>, ApiError> {
    let region = match p.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r)?,
        None => a.caller.scope.region.clone(),
    };
    let open_only = p.open.unwrap_or(true);
    Ok(Json(blocking(&state, move |s| s.cases(&a.caller, &region, open_only)).await?))
}

/// One case with its steps and objections.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = String, Path, description = "case id")), responses((status = 200, body = Case, description = "the case"), (status = 404, description = "unknown or outside jurisdiction")))]
pub async fn get_case(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Case>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.case(&a.caller, &id)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StepBody {
    pub expected_version: i64,
    /// true to do the step, false to reject the case.
    pub approve: bool,
    /// A note when approving, the reason when rejecting (required).
    #[serde(default)]
    pub note: String,
}

pub fn decision(approve: bool, note: String) -> Decision {
    if approve {
        Decision::Approve { note }
    } else {
        Decision::Reject { reason: note }
    }
}

/// Does or rejects the case's next step (the official of that step's level).
#[utoipa::path(post, path = "/api/v1/cases/{id}/steps", params(("id" = String, Path, description = "case id")), request_body = StepBody,
    responses((status = 200, body = Case, description = "the case after the step"), (status = 409, description = "someone did this step first"),
              (status = 422, description = "wrong level, notice running, objection open, case closed, or exit standards no longer met")))]
pub async fn step(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<StepBody>,
) -> Result<Json<Case>, ApiError> {
    let at = state.today().to_string();
    let d = decision(b.approve, b.note);
    Ok(Json(blocking(&state, move |s| s.advance_case(&a.caller, &id, b.expected_version, &d, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ObjectionBody {
    pub text: String,
    /// Optional, for the township to reply.
    #[serde(default)]
    pub contact: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Tracking {
    pub tracking_number: String,
    pub message: &'static str,
}

/// Lodges an objection to a running notice (no login). Answers the tracking number.
#[utoipa::path(post, path = "/api/v1/public/notices/{case_id}/objections", params(("case_id" = String, Path, description = "case id of the notice")), request_body = ObjectionBody,
    responses((status = 200, body = Tracking, description = "tracking number"), (status = 422, description = "no notice running, or empty text")))]
pub async fn object(
    State(state): State<Arc<AppState>>,
    Path(case_id): Path<String>,
    Json(b): Json<ObjectionBody>,
) -> Result<Json<Tracking>, ApiError> {
    let at = state.today().to_string();
    let o: Objection = blocking(&state, move |s| s.lodge_objection(&case_id, &b.text, &b.contact, &at)).await?;
    Ok(Json(Tracking { tracking_number: o.id, message: "异议已受理，公示暂停，由乡镇核实处理" }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolveBody {
    /// true: the objection holds and the case is rejected; false: dismissed, the notice goes on.
    pub upheld: bool,
    pub resolution: String,
}

/// Resolves an objection (township officials).
#[utoipa::path(post, path = "/api/v1/objections/{id}/resolve", params(("id" = String, Path, description = "objection tracking number")), request_body = ResolveBody,
    responses((status = 200, body = Case, description = "the case after resolution"), (status = 403, description = "not a township official")))]
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ResolveBody>,
) -> Result<Json<Case>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.resolve_objection(&a.caller, &id, b.upheld, &b.resolution, &at)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NoticeParams {
    /// A village or township code.
    pub region: String,
}

/// Public notices and announcements of a village or township (no login): name, household size,
/// cause, step and dates; never ID numbers, phones, bank or health data.
#[utoipa::path(get, path = "/api/v1/public/notices", params(NoticeParams), responses((status = 200, body = Vec<PublicNotice>, description = "notices"), (status = 400, description = "not a village or township code")))]
pub async fn notices(State(state): State<Arc<AppState>>, Query(p): Query<NoticeParams>) -> Result<Json<Vec<PublicNotice>>, ApiError> {
    let region = notice_region(&p.region)?;
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.public_notices(&region, &at)).await?))
}

pub fn notice_region(code: &str) -> Result<RegionCode, ApiError> {
    let region = RegionCode::parse(code)?;
    if region.as_str().len() < 9 {
        return Err(ApiError::bad_request("notices.level", "公示公告按乡镇或村查看"));
    }
    Ok(region)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClockBody {
    /// Days to move the business date forward.
    #[schema(minimum = 1, maximum = 366)]
    pub days: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClockAnswer {
    /// The new business date, `YYYY-MM-DD`.
    pub as_of: String,
}

/// Advances the demo's business clock (province officials, demo databases only).
#[utoipa::path(post, path = "/api/v1/clock", request_body = ClockBody, responses((status = 200, body = ClockAnswer, description = "the new business date"), (status = 403, description = "not a demo, or not a province official")))]
pub async fn advance_clock(State(state): State<Arc<AppState>>, a: Auth, Json(b): Json<ClockBody>) -> Result<Json<ClockAnswer>, ApiError> {
    if !state.demo_mode || a.user.role != fupin_domain::access::Role::ProvinceOfficial {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "clock.forbidden", "只有演示环境的省级管理员可以调整业务日期"));
    }
    if !(1..=366).contains(&b.days) {
        return Err(ApiError::bad_request("clock.days", "天数应在1到366之间"));
    }
    let st = state.clone();
    let d = tokio::task::spawn_blocking(move || st.advance_clock(b.days))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(Json(ClockAnswer { as_of: d.to_string() }))
}
