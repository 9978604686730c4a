//! The public policy list, shared by the page and the API: full-text search through the index
//! when there are words, the store's list otherwise; the store has the last word on what is
//! published (a hit the store no longer publishes is dropped).

use crate::error::ApiError;
use crate::{blocking, AppState};
use fupin_domain::id_number::Date;
use fupin_domain::policy::{Category, Policy, Validity};
use fupin_domain::{Level, RegionCode};
use fupin_store::PolicyQuery;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// Words and "quoted phrases" (all must match), or a 文号.
    pub q: Option<String>,
    /// `province`, `city` or `county`.
    pub level: Option<String>,
    /// The issuing region's code.
    pub issuer: Option<String>,
    /// Documents that apply to this region: issued by it or by a region above it.
    pub region: Option<String>,
    /// 主题分类 code.
    pub category: Option<String>,
    /// 有效性 code.
    pub validity: Option<String>,
    /// 发布日期 from (YYYY-MM-DD).
    pub from: Option<String>,
    /// 发布日期 to (YYYY-MM-DD).
    pub to: Option<String>,
    pub page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyItem {
    pub id: String,
    pub title: String,
    /// The title as HTML, matched words in `<b>`.
    pub title_html: String,
    pub doc_number: Option<String>,
    pub issuer: String,
    pub issuer_region: String,
    pub published: Option<String>,
    pub category: String,
    pub validity: String,
    /// HTML: a fragment of the text, matched words in `<b>` (the opening lines without a query).
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyList {
    pub items: Vec<PolicyItem>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Ranked by the full-text index (a query was given and the index is ready).
    pub full_text: bool,
    /// The index is being rebuilt: (documents done, in all); words are not searched meanwhile.
    pub index_building: Option<(usize, usize)>,
}

pub const PER_PAGE: u32 = 20;
pub const MAX_PAGE: u32 = 5_000;

/// The filters, parsed (a bad value is a 400 naming it).
pub struct Filters {
    pub level: Option<Level>,
    pub issuer: Option<RegionCode>,
    pub region: Option<RegionCode>,
    pub category: Option<Category>,
    pub validity: Option<Validity>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

pub fn filters(p: &ListParams) -> Result<Filters, ApiError> {
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let level = match given(&p.level) {
        None => None,
        Some(l) => Some(
            Level::parse(&l)
                .filter(|l| fupin_domain::policy::issues_policies(*l))
                .ok_or_else(|| ApiError::bad_request("policy.level", format!("发文层级“{l}”无效，应为 province、city 或 county")))?,
        ),
    };
    let date = |v: Option<String>| v.map(|d| Date::parse(&d)).transpose();
    Ok(Filters {
        level,
        issuer: given(&p.issuer).map(|r| RegionCode::parse(&r)).transpose()?,
        region: given(&p.region).map(|r| RegionCode::parse(&r)).transpose()?,
        category: given(&p.category).map(|c| Category::parse(&c)).transpose()?,
        validity: given(&p.validity).map(|v| Validity::parse(&v)).transpose()?,
        from: date(given(&p.from))?,
        to: date(given(&p.to))?,
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn item(p: &Policy, title_html: Option<String>, snippet: Option<String>) -> PolicyItem {
    let opening: String = p.draft.body.chars().take(90).collect();
    PolicyItem {
        id: p.id.clone(),
        title: p.draft.title.clone(),
        title_html: title_html.unwrap_or_else(|| escape(&p.draft.title)),
        doc_number: p.draft.doc_number.as_ref().map(|n| n.to_string()),
        issuer: p.draft.issuer_unit.clone(),
        issuer_region: p.issuer_region.to_string(),
        published: p.published_on.map(|d| d.to_string()),
        category: p.draft.category.label().to_string(),
        validity: p.validity.label().to_string(),
        snippet: snippet.filter(|s| !s.is_empty()).unwrap_or_else(|| escape(&opening) + "…"),
    }
}

fn yyyymmdd(d: Date) -> u64 {
    (d.year as u64) * 10_000 + (d.month as u64) * 100 + d.day as u64
}

pub async fn search(state: &Arc<AppState>, p: &ListParams) -> Result<PolicyList, ApiError> {
    let f = filters(p)?;
    // Pages beyond the last answer empty; beyond MAX_PAGE they are not asked for at all (an
    // offset of millions would make the index collect that many hits to skip them).
    let page = p.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let text = p.q.as_deref().map(str::trim).unwrap_or("").to_string();
    let building = *state.index_rebuild.lock().expect("not poisoned");
    if !text.is_empty() && building.is_none() {
        let q = fupin_search::SearchQuery {
            text,
            category: f.category.map(|c| c.code().to_string()),
            validity: f.validity.map(|v| v.code().to_string()),
            level: f.level.map(|l| l.as_str().to_string()),
            issuer: f.issuer.as_ref().map(|r| r.to_string()),
            issuer_any: f.region.as_ref().map(|r| r.ancestors_and_self().iter().map(|a| a.to_string()).collect()).unwrap_or_default(),
            from: f.from.map(yyyymmdd),
            to: f.to.map(yyyymmdd),
            offset: ((page - 1) * PER_PAGE) as usize,
            limit: PER_PAGE as usize,
        };
        let st = state.clone();
        let found = tokio::task::spawn_blocking(move || st.policy_index.search(&q))
            .await
            .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
            .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "search.index", e.to_string()))?;
        let ids: Vec<String> = found.hits.iter().map(|h| h.id.clone()).collect();
        let docs =
            blocking(state, move |s| s.policies(None, &PolicyQuery { ids: Some(ids), per_page: PER_PAGE, ..Default::default() })).await?;
        let items = found
            .hits
            .into_iter()
            .filter_map(|h| docs.items.iter().find(|d| d.id == h.id).map(|d| item(d, Some(h.title_html), Some(h.snippet_html))))
            .collect();
        return Ok(PolicyList { items, total: found.total as i64, page, per_page: PER_PAGE, full_text: true, index_building: None });
    }
    let q = PolicyQuery {
        level: f.level,
        issuer: f.issuer,
        applies_to: f.region,
        category: f.category,
        validity: f.validity,
        from: f.from,
        to: f.to,
        page,
        per_page: PER_PAGE,
        ..Default::default()
    };
    let list = blocking(state, move |s| s.policies(None, &q)).await?;
    Ok(PolicyList {
        items: list.items.iter().map(|d| item(d, None, None)).collect(),
        total: list.total,
        page,
        per_page: PER_PAGE,
        full_text: false,
        index_building: building,
    })
}
