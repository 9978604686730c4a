//! The public pages of 供需对接: a region's needs met and open by category, the deliveries, the
//! donors ranked by what households confirmed; a donor's own record with the feedback. No
//! household is named anywhere here.

use crate::auth::MaybeAuth;
use crate::ui::{error_page, filters, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use fupin_domain::matching::{AidCategory, Donor, Match};
use fupin_domain::RegionCode;
use fupin_store::matching::MatchingFigures;
use std::sync::Arc;

/// One row of the needs table: a category and what became of its published needs.
struct CategoryRow {
    label: &'static str,
    open: i64,
    under_way: i64,
    met: i64,
}

#[derive(Template)]
#[template(path = "matching_public.html")]
struct PublicPage {
    nav: Option<Nav>,
    region_name: String,
    crumbs: Vec<(String, String)>,
    children: Vec<(String, String)>,
    f: MatchingFigures,
    rows: Vec<CategoryRow>,
    rate: String,
}

#[derive(serde::Deserialize)]
pub struct RegionParam {
    region: Option<String>,
}

/// 供需对接公开: no login.
pub async fn page(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Query(p): Query<RegionParam>) -> Response {
    let region = match p.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose() {
        Ok(r) => r,
        Err(e) => return error_page(e.into()),
    };
    let on = state.today();
    let loaded = blocking(&state, move |s| {
        let f = s.matching_figures(region.as_ref(), on)?;
        let code = RegionCode::parse(&f.region)?;
        let name = s.region(&code)?.map(|r| r.name).ok_or(fupin_store::StoreError::NotFound)?;
        let mut crumbs = vec![];
        for c in code.ancestors_and_self().into_iter().filter(|c| *c != code) {
            if let Some(r) = s.region(&c)? {
                crumbs.push((r.code, r.name));
            }
        }
        let children = f.children.clone();
        Ok((f, name, crumbs, children))
    })
    .await;
    let (f, region_name, crumbs, children) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let rows = AidCategory::ALL
        .iter()
        .map(|c| {
            let of = f.needs.get(c.code());
            let n = |k: &str| of.and_then(|m| m.get(k)).copied().unwrap_or(0);
            CategoryRow { label: c.label(), open: n("open"), under_way: n("under_way"), met: n("met") }
        })
        .collect();
    let rate = format!("{:.1}%", f.match_rate_permille as f64 / 10.0);
    render(PublicPage { nav: a.as_ref().map(|a| nav(a, &state)), region_name, crumbs, children, rows, rate, f })
}

#[derive(Template)]
#[template(path = "donor_public.html")]
struct DonorPage {
    nav: Option<Nav>,
    d: Donor,
    given: Vec<(Match, String)>,
    total: fupin_domain::Yuan,
}

/// A donor's public record: what it gave, where, and what the households said.
pub async fn donor(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Path(id): Path<String>) -> Response {
    let loaded = blocking(&state, move |s| {
        let (d, list) = s.donor_record(&id)?;
        let mut given = vec![];
        for m in list {
            let name = s.region(&m.village)?.map(|r| r.name).unwrap_or_default();
            given.push((m, name));
        }
        Ok((d, given))
    })
    .await;
    match loaded {
        Ok((d, given)) => {
            let total = given
                .iter()
                .filter_map(|(m, _)| m.delivery.as_ref().map(|x| x.amount))
                .fold(fupin_domain::Yuan::default(), |a, b| a.checked_add(b).unwrap_or(a));
            render(DonorPage { nav: a.as_ref().map(|a| nav(a, &state)), d, given, total })
        }
        Err(e) => error_page(e),
    }
}
