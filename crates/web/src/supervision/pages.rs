//! 监督举报, the units' side: the list of reports about the regions below (red and yellow cards
//! first in the counts), one report with the steps its handling unit may take, and the steps.

use crate::auth::{self, Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, options, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use fupin_domain::access::Action;
use fupin_domain::supervision::{may_handle, Card, ReportCategory, ReportState, ReportStep};
use fupin_domain::RegionCode;
use fupin_store::supervision::{Report, ReportInput, ReportQuery};
use std::sync::Arc;

use crate::ui::{form_get as get, FormMap};

#[derive(Template)]
#[template(path = "supervision_desk.html")]
struct DeskPage {
    nav: Nav,
    region_name: String,
    reports: Vec<Report>,
    total: i64,
    red: i64,
    yellow: i64,
    mine: i64,
    filter: ReportParamsForm,
    states: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    page: u32,
    pages: u32,
}

#[derive(serde::Deserialize, Default, Clone)]
pub struct ReportParamsForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    card: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    page: u32,
}

impl ReportParamsForm {
    fn query(&self) -> Result<ReportQuery, ApiError> {
        let opt = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        crate::supervision::api::ReportParams {
            region: None,
            state: opt(&self.state),
            category: opt(&self.category),
            card: opt(&self.card),
            mine: Some(self.mine == "1"),
            page: Some(self.page),
            per_page: Some(50),
        }
        .query()
    }

    /// The list's address with one filter changed (for the count cards and the pager).
    fn with(&self, k: &str, v: &str) -> String {
        let mut f = self.clone();
        match k {
            "card" => f.card = v.into(),
            "mine" => f.mine = v.into(),
            _ => f.page = v.parse().unwrap_or(0),
        }
        if k != "page" {
            f.page = 0;
        }
        format!(
            "/supervision?state={}&category={}&card={}&mine={}&page={}",
            crate::ui::enc(&f.state),
            crate::ui::enc(&f.category),
            crate::ui::enc(&f.card),
            crate::ui::enc(&f.mine),
            f.page
        )
    }
}

fn may(a: &Auth) -> Result<(), ApiError> {
    if a.caller.role.may(Action::HandleReports) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "该角色不办理监督举报"))
    }
}

/// 监督举报 desk.
pub async fn desk(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<ReportParamsForm>) -> Response {
    if let Err(e) = may(&a) {
        return error_page(e);
    }
    let q = match p.query() {
        Ok(q) => q,
        Err(e) => return error_page(e),
    };
    let (caller, today) = (a.caller.clone(), state.today());
    let loaded = blocking(&state, move |s| {
        let count = |q: ReportQuery| s.reports(&caller, &ReportQuery { per_page: 1, page: 0, ..q }, today).map(|p| p.total);
        let red = count(ReportQuery { card: Some(Card::Red), ..Default::default() })?;
        let yellow = count(ReportQuery { card: Some(Card::Yellow), ..Default::default() })?;
        let mine = count(ReportQuery { mine: true, ..Default::default() })?;
        let name = s.region(&caller.scope.region)?.map(|r| r.name).unwrap_or_default();
        Ok((s.reports(&caller, &q, today)?, red, yellow, mine, name))
    })
    .await;
    match loaded {
        Ok((list, red, yellow, mine, region_name)) => render(DeskPage {
            nav: nav(&a, &state),
            region_name,
            total: list.total,
            pages: (list.total as u32).div_ceil(50).max(1),
            page: p.page,
            reports: list.items,
            red,
            yellow,
            mine,
            filter: p,
            states: options(ReportState::ALL, ReportState::code, ReportState::label),
            categories: options(ReportCategory::ALL, ReportCategory::code, ReportCategory::label),
        }),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Nav,
    r: Report,
    /// The steps the caller's unit may take now.
    steps: Vec<(&'static str, &'static str)>,
    /// Units the report may be passed down to: below the caller, above the region reported on.
    units: Vec<(String, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn report_page(state: &Arc<AppState>, a: &Auth, id: String, notice: Option<String>, error: Option<String>) -> Response {
    let (caller, at) = (a.caller.clone(), state.today().to_string());
    let loaded = blocking(state, move |s| {
        let r = s.report(&caller, &id, &at)?;
        let mut units = vec![];
        if r.handler == caller.scope.region {
            for c in r.about.ancestors_and_self() {
                if caller.scope.region.contains(&c) && c != caller.scope.region && may_handle(&c, &r.about) {
                    if let Some(reg) = s.region(&c)? {
                        units.push((reg.code, reg.name));
                    }
                }
            }
        }
        Ok((r, units))
    })
    .await;
    let (r, units) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let steps = if r.handler == a.caller.scope.region {
        ReportStep::ALL
            .iter()
            .filter(|s| s.from(r.state).is_ok())
            .filter(|s| **s != ReportStep::Transfer || !units.is_empty())
            .filter(|s| **s != ReportStep::Extend || !r.extended)
            .map(|s| (s.code(), s.label()))
            .collect()
    } else {
        vec![]
    };
    render(ReportPage { nav: nav(a, state), r, steps, units, notice, error })
}

pub async fn report(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(id): Path<String>) -> Response {
    report_page(&state, &a, id, None, None).await
}

/// A step posted from the report's page.
pub async fn step(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<FormMap>,
) -> Response {
    if !auth::csrf_ok(&a, &get(&f, "csrf")) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let step = match ReportStep::parse(&action) {
        Ok(s) => s,
        Err(_) => return error_page(ApiError::not_found()),
    };
    let to = match get(&f, "to").as_str() {
        "" => None,
        t => match RegionCode::parse(t) {
            Ok(c) => Some(c),
            Err(e) => return report_page(&state, &a, id, None, Some(e.message)).await,
        },
    };
    let version: i64 = get(&f, "version").parse().unwrap_or(0);
    let input = ReportInput { note: get(&f, "note"), to };
    let (caller, at, rid) = (a.caller.clone(), state.today().to_string(), id.clone());
    match blocking(&state, move |s| s.step_report(&caller, &rid, version, step, &input, &at)).await {
        Ok(r) => {
            let said = match step {
                ReportStep::Transfer => format!("已转{}办理。", r.handler_name),
                _ => format!("已{}：{}。", step.label(), r.state.label()),
            };
            report_page(&state, &a, id, Some(said), None).await
        }
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => report_page(&state, &a, id, None, Some(e.message)).await,
    }
}
