//! 贫困发生率 and the exit test for villages and counties: remaining poor / rural population
//! against the configured threshold (2%, 3% in the west). From rollups and region rows only.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::{Figures, Region};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub level: fupin_domain::Level,
    pub rural_population: i64,
    pub remaining_persons: i64,
    /// Remaining poor per 10,000 rural residents (basis points); None without a population.
    pub incidence_bp: Option<i64>,
    pub threshold_bp: i64,
    /// Incidence below the threshold (the population part of the exit test).
    pub meets: bool,
}

fn indicator(r: &Region, f: &Figures, threshold_bp: i64) -> Indicator {
    let remaining: i64 = ["status:1", "status:4"].iter().filter_map(|m| f.get(*m)).map(|t| t.persons).sum();
    let incidence_bp = (r.rural_population > 0).then(|| (remaining * 10_000 + r.rural_population / 2) / r.rural_population);
    Indicator {
        code: r.code.clone(),
        name: r.name.clone(),
        level: r.level,
        rural_population: r.rural_population,
        remaining_persons: remaining,
        incidence_bp,
        threshold_bp,
        meets: incidence_bp.is_some_and(|i| i < threshold_bp),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Indicators {
    pub region: Indicator,
    pub children: Vec<Indicator>,
    /// Children meeting the incidence test.
    pub meeting: usize,
}

async fn load(state: &Arc<AppState>, a: &Auth, code: &str) -> Result<Indicators, ApiError> {
    let code = RegionCode::parse(code)?;
    let caller = a.caller.clone();
    let f = blocking(state, move |s| s.region_figures(&caller, &code)).await?;
    let rules = state.store.rules();
    let children: Vec<Indicator> = f.children.iter().map(|(r, fig)| indicator(r, fig, rules.exit_incidence_for(&r.code))).collect();
    Ok(Indicators {
        region: indicator(&f.region, &f.total, rules.exit_incidence_for(&f.region.code)),
        meeting: children.iter().filter(|c| c.meets).count(),
        children,
    })
}

/// Incidence and the exit test for a region and each child.
#[utoipa::path(get, path = "/api/v1/indicators/{code}", params(("code" = String, Path, description = "region code", pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")),
    responses((status = 200, body = Indicators, description = "incidence per child against its threshold"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_indicators(State(state): State<Arc<AppState>>, a: Auth, Path(code): Path<String>) -> Result<Json<Indicators>, ApiError> {
    Ok(Json(load(&state, &a, &code).await?))
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    nav: Nav,
    i: Indicators,
}

pub async fn indicators_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(code): Path<String>) -> Response {
    match load(&state, &a, &code).await {
        Ok(i) => render(IndicatorsPage { nav: nav(&a, &state), i }),
        Err(e) => error_page(e),
    }
}

/// `12345` basis points as `1.23%`.
pub fn pct(bp: &i64) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}
