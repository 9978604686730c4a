//! 数据核查: the API, the page, each finding linked to the file to fix.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::CheckReport;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CheckParams {
    /// Inside the caller's region; the caller's region by default.
    pub region: Option<String>,
}

async fn run(state: &Arc<AppState>, a: &Auth, region: Option<&str>) -> Result<(RegionCode, CheckReport), ApiError> {
    let region = match region.filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r)?,
        None => a.caller.scope.region.clone(),
    };
    let (caller, r, today) = (a.caller.clone(), region.clone(), state.today());
    Ok((region, blocking(state, move |s| s.data_checks(&caller, &r, today)).await?))
}

/// Files that contradict themselves or each other, by kind, with counts.
#[utoipa::path(get, path = "/api/v1/checks", params(CheckParams), responses((status = 200, body = CheckReport, description = "counts per kind and findings"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_checks(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<CheckParams>) -> Result<Json<CheckReport>, ApiError> {
    Ok(Json(run(&state, &a, p.region.as_deref()).await?.1))
}

#[derive(Template)]
#[template(path = "checks.html")]
struct ChecksPage {
    nav: Nav,
    region: String,
    report: CheckReport,
}

pub async fn checks_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<CheckParams>) -> Response {
    match run(&state, &a, p.region.as_deref()).await {
        Ok((region, report)) => render(ChecksPage { nav: nav(&a, &state), region: region.to_string(), report }),
        Err(e) => error_page(e),
    }
}
