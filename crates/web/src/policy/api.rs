//! `/api/v1` for 政策发布: the public policy list and full-text search, a document, and the
//! officials' lifecycle (draft, edit, submit, review, repeal).

use super::search::{search, ListParams, PolicyList};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use fupin_domain::policy::{Policy, PolicyDraft};
use serde::Deserialize;
use std::sync::Arc;

/// Published policies: full-text search when `q` is given (ranked, with highlighted snippets),
/// else the newest first; filters by level, issuer, category, validity and 发布日期. No login.
#[utoipa::path(get, path = "/api/v1/public/policies", params(ListParams),
    responses((status = 200, body = PolicyList, description = "one page of documents"), (status = 400, description = "a filter that does not parse")))]
pub async fn list(State(state): State<Arc<AppState>>, Query(p): Query<ListParams>) -> Result<Json<PolicyList>, ApiError> {
    Ok(Json(search(&state, &p).await?))
}

/// One published document with its dates, validity and revision links. No login.
#[utoipa::path(get, path = "/api/v1/public/policies/{id}", params(("id" = String, Path, description = "policy id, e.g. P37-00001")),
    responses((status = 200, body = Policy, description = "the document"), (status = 404, description = "unknown or not published")))]
pub async fn get_public(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Json<Policy>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.policy(None, &id)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    #[serde(flatten)]
    pub draft: PolicyDraft,
    /// The published document of the caller's region this one revises.
    pub revises: Option<String>,
}

/// Drafts a policy of the caller's region (province, city or county; officials and
/// departments). The issuing level then reviews it.
#[utoipa::path(post, path = "/api/v1/policies", request_body = DraftBody,
    responses((status = 200, body = Policy, description = "the draft"), (status = 403, description = "a role or level that issues no policies"), (status = 422, description = "a field refused (title, dates, 文号 taken, what it revises or implements)")))]
pub async fn draft(State(state): State<Arc<AppState>>, a: Auth, Json(b): Json<DraftBody>) -> Result<Json<Policy>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.draft_policy(&a.caller, &b.draft, b.revises.as_deref(), &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EditBody {
    pub expected_version: i64,
    #[serde(flatten)]
    pub draft: PolicyDraft,
}

/// Rewrites a draft (not once in review or published: a published text is revised by a new
/// document).
#[utoipa::path(put, path = "/api/v1/policies/{id}", params(("id" = String, Path, description = "policy id")), request_body = EditBody,
    responses((status = 200, body = Policy, description = "the draft"), (status = 404, description = "unknown or another region's"), (status = 409, description = "a stale version"), (status = 422, description = "not a draft, or a field refused")))]
pub async fn edit(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<EditBody>,
) -> Result<Json<Policy>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.edit_policy(&a.caller, &id, b.expected_version, &b.draft, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VersionBody {
    pub expected_version: i64,
}

/// Sends a draft to the issuing level's review (it needs its 文号).
#[utoipa::path(post, path = "/api/v1/policies/{id}/submit", params(("id" = String, Path, description = "policy id")), request_body = VersionBody,
    responses((status = 200, body = Policy, description = "in review"), (status = 404, description = "unknown or another region's"), (status = 409, description = "a stale version"), (status = 422, description = "not a draft, or not publishable")))]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<VersionBody>,
) -> Result<Json<Policy>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.submit_policy(&a.caller, &id, b.expected_version, &at)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewBody {
    pub expected_version: i64,
    pub approve: bool,
    /// Needed to return a draft.
    #[serde(default)]
    pub note: String,
}

/// The issuing level publishes a document in review (dated today; what it revises becomes
/// 已修订) or returns it with a note.
#[utoipa::path(post, path = "/api/v1/policies/{id}/review", params(("id" = String, Path, description = "policy id")), request_body = ReviewBody,
    responses((status = 200, body = Policy, description = "published, or back to draft"), (status = 403, description = "not an official of the issuing level"), (status = 404, description = "unknown or another region's"), (status = 409, description = "a stale version"), (status = 422, description = "not in review, or no note to return it with")))]
pub async fn review(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ReviewBody>,
) -> Result<Json<Policy>, ApiError> {
    let at = state.today().to_string();
    let key = id.clone();
    let p = blocking(&state, move |s| s.review_policy(&a.caller, &key, b.expected_version, b.approve, &b.note, &at)).await?;
    reindex(&state, &p).await;
    Ok(Json(p))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RepealBody {
    pub expected_version: i64,
    /// 部分废止 (it stays in force) rather than 全文废止.
    #[serde(default)]
    pub partial: bool,
    pub note: String,
}

/// 废止 a published document, in part or in whole, with the reason.
#[utoipa::path(post, path = "/api/v1/policies/{id}/repeal", params(("id" = String, Path, description = "policy id")), request_body = RepealBody,
    responses((status = 200, body = Policy, description = "the document, marked"), (status = 403, description = "not an official of the issuing level"), (status = 404, description = "unknown"), (status = 409, description = "a stale version"), (status = 422, description = "already revised or repealed, or no reason")))]
pub async fn repeal(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<RepealBody>,
) -> Result<Json<Policy>, ApiError> {
    let at = state.today().to_string();
    let p = blocking(&state, move |s| s.repeal_policy(&a.caller, &id, b.expected_version, b.partial, &b.note, &at)).await?;
    reindex(&state, &p).await;
    Ok(Json(p))
}

/// The index follows a change to a published document (and to the one it revised).
pub(crate) async fn reindex(state: &Arc<AppState>, p: &Policy) {
    let mut ids = vec![p.id.clone()];
    ids.extend(p.revises.clone());
    let st = state.clone();
    let _ = tokio::task::spawn_blocking(move || super::index::after_change(&st, &ids)).await;
}
