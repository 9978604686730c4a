//! 贫困测度: FGT and Alkire–Foster of a region for a year, by child region and by dimension,
//! computed from the files on each request (one parallel pass; the province takes seconds, see
//! bench/RESULTS.md). The API and the page read the same `Store::measures`.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{crumbs, error_page, filters, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::evaluation::measures::dimension_label;
use fupin_store::evaluation::RegionMeasures;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MeasuresParams {
    /// The income year measured; default the business year before the current one (the last
    /// whole year whose incomes are entered).
    pub year: Option<i32>,
}

fn year_of(state: &AppState, year: Option<i32>) -> Result<i32, ApiError> {
    let today = state.today().year;
    let year = year.unwrap_or(today - 1);
    if !(2014..=today).contains(&year) {
        return Err(ApiError::bad_request("measures.year", format!("年度应在2014到{today}之间")));
    }
    Ok(year)
}

async fn measure(state: &Arc<AppState>, a: &Auth, region: RegionCode, year: i32) -> Result<RegionMeasures, ApiError> {
    let (caller, today) = (a.caller.clone(), state.today());
    blocking(state, move |s| s.measures(&caller, &region, year, today)).await
}

/// FGT P0/P1/P2 on per-capita net income against the year's line and Alkire–Foster H/A/M0 over
/// 两不愁三保障 and income, persons weighted, with the decomposition by child region (M0 shares
/// sum to 1) and by dimension (censored headcounts, percentage contributions).
#[utoipa::path(get, path = "/api/v1/measures/{region}", params(("region" = String, Path, description = "2/4/6/9/12-digit region code", pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"), MeasuresParams),
    responses((status = 200, body = RegionMeasures, description = "the region's measures and each child's"),
              (status = 400, description = "malformed code, or a year outside 2014 to the business year"),
              (status = 404, description = "unknown, or outside the caller's jurisdiction")))]
pub async fn get_measures(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(region): Path<String>,
    Query(p): Query<MeasuresParams>,
) -> Result<Json<RegionMeasures>, ApiError> {
    let region = RegionCode::parse(&region)?;
    let year = year_of(&state, p.year)?;
    Ok(Json(measure(&state, &a, region, year).await?))
}

#[derive(Debug, Deserialize)]
pub struct MeasuresPageParams {
    pub region: Option<String>,
    pub year: Option<i32>,
}

/// One line of the page's tables, as percentages.
struct Line {
    code: String,
    name: String,
    households: u64,
    p0: Option<String>,
    p1: Option<String>,
    p2: Option<String>,
    h: Option<String>,
    m0: Option<String>,
    share: Option<String>,
}

struct DimensionLine {
    label: &'static str,
    weight: String,
    censored: String,
    contribution: String,
}

#[derive(Template)]
#[template(path = "measures.html")]
struct MeasuresPage {
    nav: Nav,
    crumbs: Vec<(String, String)>,
    m: RegionMeasures,
    years: Vec<i32>,
    whole: Line,
    a: Option<String>,
    dimensions: Vec<DimensionLine>,
    children: Vec<Line>,
    /// Children below the village are files, not regions: no drill-down.
    drill: bool,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn line(code: &str, name: &str, households: u64, m: &fupin_stats::poverty::Measures, share: Option<f64>) -> Line {
    Line {
        code: code.into(),
        name: name.into(),
        households,
        p0: m.fgt.map(|f| pct(f.p0)),
        p1: m.fgt.map(|f| pct(f.p1)),
        p2: m.fgt.map(|f| format!("{:.4}", f.p2)),
        h: m.af.as_ref().map(|a| pct(a.h)),
        m0: m.af.as_ref().map(|a| format!("{:.4}", a.m0)),
        share: share.map(pct),
    }
}

pub async fn measures_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<MeasuresPageParams>) -> Response {
    let result = async {
        let region = crate::registry::checks::region_of(&a, p.region.as_deref())?;
        let year = year_of(&state, p.year)?;
        let m = measure(&state, &a, region.clone(), year).await?;
        let crumbs = crumbs(&state, &a, &region).await?;
        let whole = line(&m.region.code, &m.region.name, m.households, &m.measures, None);
        let af = m.measures.af.as_ref();
        let dimensions = m
            .dimensions
            .iter()
            .map(|d| {
                let part = af.and_then(|a| a.by_indicator.get(&d.code));
                DimensionLine {
                    label: dimension_label(&d.code),
                    weight: format!("{:.3}", d.weight),
                    censored: part.map_or("—".into(), |p| pct(p.censored_headcount)),
                    contribution: part.map_or("—".into(), |p| pct(p.contribution)),
                }
            })
            .collect();
        let children = m
            .children
            .iter()
            .map(|c| line(&c.region.code, &c.region.name, c.households, &c.measures.measures, c.measures.m0_contribution))
            .collect();
        let today = state.today().year;
        Ok::<_, ApiError>(MeasuresPage {
            nav: nav(&a, &state),
            crumbs,
            a: af.map(|a| pct(a.a)),
            years: (2014..=today).rev().collect(),
            drill: region.level() != fupin_domain::Level::Village,
            whole,
            dimensions,
            children,
            m,
        })
    }
    .await;
    match result {
        Ok(page) => render(page).into_response(),
        Err(e) => error_page(e),
    }
}
