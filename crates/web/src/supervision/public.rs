//! 监督举报, the public's side, without logging in: walk down to the place concerned, report a
//! problem (named or not), keep the tracking number and the query code, follow the report and
//! rate the answer; the region's figures and the published (masked) outcomes.

use super::api::{self as sapi, RatingBody};
use crate::auth::{self, MaybeAuth};
use crate::error::ApiError;
use crate::ui::{error_page, filters, nav, options, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use fupin_domain::supervision::{ReportCategory, ReportDraft};
use fupin_domain::RegionCode;
use fupin_store::supervision::{Filed, Followed, Outcome, ReportFigures};
use std::net::SocketAddr;
use std::sync::Arc;

use crate::ui::{form_get as get, FormMap};

#[derive(Template)]
#[template(path = "reports_public.html")]
struct PublicPage {
    nav: Option<Nav>,
    region: String,
    region_name: String,
    crumbs: Vec<(String, String)>,
    /// The places one level down, to walk to the place concerned.
    children: Vec<(String, String)>,
    f: ReportFigures,
    outcomes: Vec<Outcome>,
    categories: Vec<(&'static str, &'static str)>,
    csrf: String,
    filed: Option<Filed>,
    error: Option<String>,
    typed: FormMap,
}

impl PublicPage {
    fn v<'a>(&'a self, k: &str) -> &'a str {
        self.typed.get(k).map(String::as_str).unwrap_or("")
    }

    fn count(&self, state: &str) -> i64 {
        self.f.by_state.iter().find(|c| c.code == state).map_or(0, |c| c.count)
    }
}

#[derive(serde::Deserialize)]
pub struct RegionQuery {
    region: Option<String>,
}

async fn public_page(
    state: &Arc<AppState>,
    a: Option<&crate::auth::Auth>,
    region: Option<String>,
    filed: Option<Filed>,
    error: Option<String>,
    typed: FormMap,
) -> Response {
    let code = match sapi::region_of(region.as_deref()) {
        Ok(c) => c.unwrap_or_else(|| RegionCode::parse("37").expect("the province")),
        Err(e) => return error_page(e),
    };
    let today = state.today();
    let c = code.clone();
    let loaded = blocking(state, move |s| {
        let here = s.region(&c)?.ok_or(fupin_store::StoreError::NotFound)?;
        let mut crumbs = vec![];
        for up in c.ancestors_and_self().into_iter().filter(|x| *x != c) {
            if let Some(r) = s.region(&up)? {
                crumbs.push((r.code, r.name));
            }
        }
        let children = s.child_regions(&c)?.into_iter().map(|r| (r.code, r.name)).collect::<Vec<_>>();
        Ok((here.name, crumbs, children, s.report_figures(Some(&c), today)?, s.report_outcomes(Some(&c), 20)?))
    })
    .await;
    let (region_name, crumbs, children, f, outcomes) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let (csrf, cookie) = auth::public_csrf();
    let page = PublicPage {
        nav: a.map(|a| nav(a, state)),
        region: code.to_string(),
        region_name,
        crumbs,
        children,
        f,
        outcomes,
        categories: options(ReportCategory::ALL, ReportCategory::code, ReportCategory::label),
        csrf,
        filed,
        error,
        typed,
    };
    ([(header::SET_COOKIE, cookie)], render(page)).into_response()
}

/// 监督举报: no login.
pub async fn page(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Query(q): Query<RegionQuery>) -> Response {
    public_page(&state, a.as_ref(), q.region, None, None, FormMap::new()).await
}

/// The form's report: filed, then the number and code shown once.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    MaybeAuth(a): MaybeAuth,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<FormMap>,
) -> Response {
    let region = get(&f, "region");
    if !auth::public_csrf_ok(&headers, &get(&f, "csrf")) {
        return public_page(&state, a.as_ref(), Some(region), None, Some("页面已过期，请刷新后重新提交".into()), f).await;
    }
    let draft = match ReportCategory::parse(&get(&f, "category")) {
        Ok(category) => ReportDraft {
            category,
            region: region.clone(),
            household_id: Some(get(&f, "household_id")),
            text: f.get("text").cloned().unwrap_or_default(),
            name: Some(get(&f, "name")),
            contact: Some(get(&f, "contact")),
        },
        Err(_) => return public_page(&state, a.as_ref(), Some(region), None, Some("请选择举报类别".into()), f).await,
    };
    match sapi::file(&state, addr, draft).await {
        Ok(filed) => public_page(&state, a.as_ref(), Some(region), Some(filed), None, FormMap::new()).await,
        Err(e) if e.status == StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        Err(e) => public_page(&state, a.as_ref(), Some(region), None, Some(e.message), f).await,
    }
}

#[derive(Template)]
#[template(path = "report_follow.html")]
struct FollowPage {
    nav: Option<Nav>,
    csrf: String,
    id: String,
    code: String,
    report: Option<Followed>,
    notice: Option<String>,
    error: Option<String>,
}

/// The follow page: the form, and the report when one was found.
fn follow_page(
    a: Option<&crate::auth::Auth>,
    state: &AppState,
    (id, code): (String, String),
    report: Option<Followed>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let (csrf, cookie) = auth::public_csrf();
    let page = FollowPage { nav: a.map(|a| nav(a, state)), csrf, id, code, report, notice, error };
    ([(header::SET_COOKIE, cookie)], render(page)).into_response()
}

/// A refused follow or rating, as the reporter reads it (a server error is the error page).
fn refused(a: Option<&crate::auth::Auth>, state: &AppState, key: (String, String), e: ApiError) -> Response {
    match e.status {
        StatusCode::NOT_FOUND => follow_page(a, state, key, None, None, Some("未找到：请核对受理编号和查询码".into())),
        StatusCode::INTERNAL_SERVER_ERROR => error_page(e),
        _ => follow_page(a, state, key, None, None, Some(e.message)),
    }
}

/// The empty follow form.
pub async fn follow_form(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth) -> Response {
    follow_page(a.as_ref(), &state, (String::new(), String::new()), None, None, None)
}

/// Follows a report (posted, so the code stays out of addresses and histories).
pub async fn follow(
    State(state): State<Arc<AppState>>,
    MaybeAuth(a): MaybeAuth,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<FormMap>,
) -> Response {
    let key = (get(&f, "id"), get(&f, "code"));
    if !auth::public_csrf_ok(&headers, &get(&f, "csrf")) {
        return follow_page(a.as_ref(), &state, key, None, None, Some("页面已过期，请刷新后重新查询".into()));
    }
    match sapi::follow(&state, addr, key.0.clone(), key.1.clone()).await {
        Ok(r) => follow_page(a.as_ref(), &state, key, Some(r), None, None),
        Err(e) => refused(a.as_ref(), &state, key, e),
    }
}

/// 回访: the reporter's rating of the answer.
pub async fn rate(
    State(state): State<Arc<AppState>>,
    MaybeAuth(a): MaybeAuth,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<FormMap>,
) -> Response {
    let key = (id, get(&f, "code"));
    if !auth::public_csrf_ok(&headers, &get(&f, "csrf")) {
        return follow_page(a.as_ref(), &state, key, None, None, Some("页面已过期，请刷新后重新提交".into()));
    }
    let body = RatingBody { code: key.1.clone(), satisfied: get(&f, "satisfied") == "1", comment: get(&f, "comment") };
    match sapi::rate_report(&state, addr, key.0.clone(), body).await {
        Ok(r) => {
            let said = if r.state.code() == "closed" {
                "感谢您的评价，举报已办结。"
            } else {
                "已收到您的意见，举报将重新办理。"
            };
            follow_page(a.as_ref(), &state, key, Some(r), Some(said.into()), None)
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            // The report again, with why the rating was refused.
            let again = sapi::follow(&state, addr, key.0.clone(), key.1.clone()).await.ok();
            follow_page(a.as_ref(), &state, key, again, None, Some(e.message))
        }
        Err(e) => refused(a.as_ref(), &state, key, e),
    }
}
