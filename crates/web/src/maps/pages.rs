//! The region dashboard with drill-down and the frames of the three maps and 倒排工期.

use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::maps::figures::{child_rows, summary, ChildRow, Summary};
use crate::ui::*;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use fupin_domain::access::Action;
use fupin_domain::RegionCode;
use fupin_store::Region;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    nav: Nav,
    region: Region,
    crumbs: Vec<(String, String)>,
    s: Summary,
    children: Vec<ChildRow>,
    may_files: bool,
    may_cases: bool,
}

pub async fn region_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(code): Path<String>) -> Response {
    let result = async {
        let code = RegionCode::parse(&code)?;
        let caller = a.caller.clone();
        let c = code.clone();
        let f = blocking(&state, move |s| s.region_figures(&caller, &c)).await?;
        let crumbs = crumbs(&state, &a, &code).await?;
        let n = nav(&a, &state);
        Ok::<_, ApiError>(RegionPage {
            nav: n,
            s: summary(&f.total),
            children: child_rows(&f.children, |r| Some(format!("/regions/{}", r.code))),
            region: f.region,
            crumbs,
            may_files: a.user.role.may(Action::ReadFiles),
            may_cases: a.user.role.may(Action::HandleCases),
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    nav: Nav,
    title: &'static str,
    map: &'static str,
    code: String,
    metric: String,
    period: String,
    maps: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
pub struct MapQuery {
    metric: Option<String>,
    period: Option<String>,
}

/// The map page is a frame; `assets/maps.js` fills it from `/api/v1/maps/…` so the page and the
/// API can never show different numbers.
pub async fn map_page(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((map, code)): Path<(String, String)>,
    Query(q): Query<MapQuery>,
) -> Response {
    let kind = match crate::maps::api::MapKind::parse(&map) {
        Ok(k) => k,
        Err(e) => return error_page(e),
    };
    let region = match RegionCode::parse(&code) {
        Ok(r) if a.caller.scope.contains_region(&r) => r,
        Ok(_) => return error_page(ApiError::not_found()),
        Err(e) => return error_page(e.into()),
    };
    let n = nav(&a, &state);
    render(MapPage {
        nav: n,
        title: kind.title(),
        map: kind.id(),
        code: region.to_string(),
        metric: q.metric.unwrap_or_default(),
        period: q.period.unwrap_or_default(),
        maps: crate::maps::api::MapKind::ALL.iter().map(|m| (m.id(), m.title())).collect(),
    })
}
