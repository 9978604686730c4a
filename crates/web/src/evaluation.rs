//! 动态调整: the yearly re-evaluation of a region, as an API and a page.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::pages::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::yearly::Evaluation;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EvalParams {
    pub region: Option<String>,
    /// Default: the business year.
    pub year: Option<i32>,
}

async fn run(state: &Arc<AppState>, a: &Auth, p: &EvalParams) -> Result<Evaluation, ApiError> {
    let region = match p.region.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => RegionCode::parse(r)?,
        None => a.caller.scope.region.clone(),
    };
    let today = state.today();
    let year = p.year.unwrap_or(today.year);
    if !(2015..=today.year).contains(&year) {
        return Err(ApiError::bad_request("evaluation.year", format!("年度应在2015到{}之间", today.year)));
    }
    let caller = a.caller.clone();
    blocking(state, move |s| s.evaluate(&caller, &region, year, today)).await
}

/// Re-evaluates every file of a region for a year: who meets the exit standards, who of the
/// exited is at risk, and the data problems found.
#[utoipa::path(get, path = "/api/v1/evaluation", params(EvalParams), responses((status = 200, description = "counts and lists"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_evaluation(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<EvalParams>,
) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(run(&state, &a, &p).await?))
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    nav: Nav,
    e: Evaluation,
}

impl EvaluationPage {
    fn count(&self, k: &str) -> u64 {
        self.e.counts.get(k).copied().unwrap_or(0)
    }
}

pub async fn evaluation_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<EvalParams>) -> Response {
    match run(&state, &a, &p).await {
        Ok(e) => render(EvaluationPage { nav: nav(&a, &state), e }),
        Err(e) => error_page(e),
    }
}
