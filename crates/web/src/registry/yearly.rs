//! 动态调整: the yearly re-evaluation of a region, as an API and a page.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::yearly::YearlyUpdate;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearlyParams {
    pub region: Option<String>,
    /// Default: the business year.
    pub year: Option<i32>,
}

async fn run(state: &Arc<AppState>, a: &Auth, p: &YearlyParams) -> Result<YearlyUpdate, ApiError> {
    let region = match p.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r)?,
        None => a.caller.scope.region.clone(),
    };
    let today = state.today();
    let year = p.year.unwrap_or(today.year);
    if !(2015..=today.year).contains(&year) {
        return Err(ApiError::bad_request("yearly.year", format!("年度应在2015到{}之间", today.year)));
    }
    let caller = a.caller.clone();
    blocking(state, move |s| s.yearly_update(&caller, &region, year, today)).await
}

/// Re-evaluates every file of a region for a year: who meets the exit standards, who of the
/// exited is at risk, and the data problems found.
#[utoipa::path(get, path = "/api/v1/yearly", params(YearlyParams), responses((status = 200, body = YearlyUpdate, description = "counts and lists"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_yearly(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<YearlyParams>,
) -> Result<Json<YearlyUpdate>, ApiError> {
    Ok(Json(run(&state, &a, &p).await?))
}

#[derive(Template)]
#[template(path = "yearly.html")]
struct YearlyPage {
    nav: Nav,
    e: YearlyUpdate,
}

impl YearlyPage {
    fn count(&self, k: &str) -> u64 {
        self.e.counts.get(k).copied().unwrap_or(0)
    }
}

pub async fn yearly_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<YearlyParams>) -> Response {
    match run(&state, &a, &p).await {
        Ok(e) => render(YearlyPage { nav: nav(&a, &state), e }),
        Err(e) => error_page(e),
    }
}
