//! `/api/v1` for households: the list with search and filters, one file (masked per role), its
//! history, and the edits a user may send. Every handler passes the caller to the store;
//! out-of-jurisdiction reads come back 404 from there.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::view::{household_view, HouseholdView};
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};

use axum::Json;
use fupin_domain::registry::codes::{Attribute, Cause, Path as AidPath, Status};
use fupin_domain::registry::household::{Change, Edit};
use fupin_domain::RegionCode;
use fupin_store::{ChangeRequest, Event, HouseholdQuery, HouseholdSummary, Page};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct HouseholdParams {
    /// Region code inside the caller's jurisdiction.
    pub region: Option<String>,
    /// A member's name, an ID number, or a household id.
    pub q: Option<String>,
    /// 脱贫状态 code: 1 未脱贫, 2 已脱贫(享受政策), 3 已脱贫(不再享受政策), 4 返贫, 9 清退.
    pub status: Option<String>,
    /// 致贫原因 code.
    pub cause: Option<String>,
    /// 贫困户属性 code.
    pub attribute: Option<String>,
    /// 五个一批 path code.
    pub path: Option<String>,
    /// `measure`: remaining poor without any measure; `helper`: without a helper.
    pub gap: Option<String>,
    /// 1-based.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// 20 by default.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u32>,
}

fn opt<T>(v: &Option<String>, parse: impl Fn(&str) -> Result<T, fupin_domain::DomainError>) -> Result<Option<T>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(parse(s)?)),
        None => Ok(None),
    }
}

impl HouseholdParams {
    pub fn to_query(&self) -> Result<HouseholdQuery, ApiError> {
        if let Some(g) = self.gap.as_deref().filter(|g| !g.is_empty() && *g != "measure" && *g != "helper") {
            return Err(ApiError::bad_request("query.gap", format!("gap参数“{g}”无效，应为measure或helper")));
        }
        if self.page == Some(0) {
            return Err(ApiError::bad_request("query.page", "页码从1开始"));
        }
        if self.per_page.is_some_and(|n| !(1..=200).contains(&n)) {
            return Err(ApiError::bad_request("query.per_page", "每页条数应在1到200之间"));
        }
        Ok(HouseholdQuery {
            region: opt(&self.region, RegionCode::parse)?,
            q: self.q.clone().filter(|s| !s.trim().is_empty()),
            status: opt(&self.status, Status::parse)?,
            cause: opt(&self.cause, Cause::parse)?,
            attribute: opt(&self.attribute, Attribute::parse)?,
            path: opt(&self.path, AidPath::parse)?,
            no_measure: self.gap.as_deref() == Some("measure"),
            no_helper: self.gap.as_deref() == Some("helper"),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(20),
        })
    }
}

/// Lists households one page at a time. ID numbers in lists are always masked.
pub fn mask_list(mut page: Page<HouseholdSummary>) -> Page<HouseholdSummary> {
    for s in &mut page.items {
        if let Ok(id) = fupin_domain::IdNumber::parse(&s.head_id_number) {
            s.head_id_number = id.masked();
        }
    }
    page
}

/// Searches households within the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/households", params(HouseholdParams),
    responses((status = 200, body = Page<HouseholdSummary>, description = "one page of households"), (status = 400, description = "a malformed filter"),
              (status = 404, description = "region outside the caller's jurisdiction")))]
pub async fn list_households(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<HouseholdParams>,
) -> Result<Json<Page<HouseholdSummary>>, ApiError> {
    let q = p.to_query()?;
    Ok(Json(mask_list(blocking(&state, move |s| s.search_households(&a.caller, &q)).await?)))
}

/// Loads a household as the caller may see it, auditing any unmasked personal data.
pub async fn load_view(state: &Arc<AppState>, a: &Auth, id: String) -> Result<HouseholdView, ApiError> {
    let caller = a.caller.clone();
    let pii = a.user.role.pii();
    let at = state.today().to_string();
    let h = blocking(state, move |s| {
        let h = s.household(&caller, &id)?;
        if pii.any() {
            s.audit_pii(&caller, &h.id, &pii.fields(), &at)?;
        }
        Ok(h)
    })
    .await?;
    Ok(household_view(&h, pii, state.today()))
}

/// One household file: members, income, conditions, helpers and measures.
#[utoipa::path(get, path = "/api/v1/households/{id}", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")),
    responses((status = 200, body = HouseholdView, description = "the file, personal data masked by role"), (status = 404, description = "unknown or outside jurisdiction")))]
pub async fn get_household(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<HouseholdView>, ApiError> {
    Ok(Json(load_view(&state, &a, id).await?))
}

/// The household's events from the ledger, oldest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/history", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")),
    responses((status = 200, body = Vec<Event>, description = "ledger events"), (status = 404, description = "unknown or outside jurisdiction")))]
pub async fn get_history(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Vec<Event>>, ApiError> {
    let pii = a.user.role.pii();
    let at = state.today().to_string();
    // The store masks what the role may not see; what it may see is audited like the file.
    Ok(Json(
        blocking(&state, move |s| {
            let events = s.history(&a.caller, &id)?;
            if pii.any() {
                s.audit_pii(&a.caller, &id, &pii.fields(), &at)?;
            }
            Ok(events)
        })
        .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangeBody {
    /// The version the change was made against; a stale one answers 409.
    pub expected_version: i64,
    #[serde(default)]
    pub reason: String,
    /// One change: `{"kind": "edit_fields", "fields": {…}}`, `put_member`, `member_left`,
    /// `set_income`, `assign_helper`, `unassign_helper`, `add_measure`, `remove_measure`.
    #[schema(value_type = Object)]
    pub change: Edit,
}

/// Applies one change to a household as one ledger event (village officials).
#[utoipa::path(post, path = "/api/v1/households/{id}/changes", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")), request_body = ChangeBody,
    responses((status = 200, body = HouseholdView, description = "the changed file"), (status = 403, description = "role may not edit"),
              (status = 404, description = "unknown or outside jurisdiction"), (status = 409, description = "stale version"),
              (status = 422, description = "the change breaks a rule")))]
pub async fn post_change(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(body): Json<ChangeBody>,
) -> Result<Json<HouseholdView>, ApiError> {
    let req = ChangeRequest {
        household_id: id,
        expected_version: body.expected_version,
        change: Change::from(body.change),
        reason: body.reason,
        at: state.today().to_string(),
    };
    let caller = a.caller.clone();
    let h = blocking(&state, move |s| s.change_household(&caller, &req)).await?;
    Ok(Json(household_view(&h, a.user.role.pii(), state.today())))
}

/// 走访记录: the household's visits, newest first.
#[utoipa::path(get, path = "/api/v1/households/{id}/visits", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")),
    responses((status = 200, body = Vec<fupin_domain::registry::visit::Visit>, description = "visits"), (status = 404, description = "unknown or outside jurisdiction")))]
pub async fn get_visits(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
) -> Result<Json<Vec<fupin_domain::registry::visit::Visit>>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.visits(&a.caller, &id)).await?))
}

/// Records a visit (by the household's paired helper or its village official).
#[utoipa::path(post, path = "/api/v1/households/{id}/visits", params(("id" = String, Path, description = "household id (the village code and four digits)", pattern = "^[0-9]{16}$")),
    request_body = fupin_domain::registry::visit::VisitReport,
    responses((status = 200, body = fupin_domain::registry::visit::Visit, description = "the visit, kept"), (status = 403, description = "a role that does not visit"),
              (status = 404, description = "unknown, outside jurisdiction or not paired"), (status = 422, description = "a date after the business date or before registration, or nothing found")))]
pub async fn post_visit(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(r): Json<fupin_domain::registry::visit::VisitReport>,
) -> Result<Json<fupin_domain::registry::visit::Visit>, ApiError> {
    let (today, at) = (state.today(), state.today().to_string());
    Ok(Json(blocking(&state, move |s| s.record_visit(&a.caller, &id, &r, today, &at)).await?))
}
