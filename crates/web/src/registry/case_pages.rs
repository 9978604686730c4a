//! Pages of the lifecycle: proposing from the household page, the case list and the case page
//! with its step form and objections, the public notice page where anyone may object, and the
//! demo's clock button.

use crate::auth::{self, PageAuth};
use crate::error::ApiError;
use crate::registry::case_api::{decision, notice_region};
use crate::registry::pages::{show_household, FormError};
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_domain::registry::lifecycle::CaseKind;
use fupin_domain::RegionCode;
use fupin_store::{Case, CaseExtra, PublicNotice};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

fn csrf_refused() -> Response {
    error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"))
}

fn field<'a>(f: &'a HashMap<String, String>, k: &str) -> &'a str {
    f.get(k).map(|s| s.trim()).unwrap_or("")
}

pub(crate) async fn open_case(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !auth::csrf_ok(&a, field(&f, "csrf")) {
        return csrf_refused();
    }
    let kind = match CaseKind::parse(field(&f, "kind")) {
        Ok(k) => k,
        Err(e) => return error_page(e.into()),
    };
    let extra = match kind {
        CaseKind::Monitoring => fupin_domain::registry::codes::MonitorType::parse(field(&f, "monitor_type")).map(CaseExtra::Monitor),
        CaseKind::Transfer => RegionCode::parse(field(&f, "target")).map(CaseExtra::Target),
        _ => Ok(CaseExtra::None),
    };
    let extra = match extra {
        Ok(x) => x,
        Err(e) => return show_household(&state, &a, id, Some(case_error(e.into(), &f)), None).await,
    };
    let (caller, hid, reason, at) = (a.caller.clone(), id.clone(), field(&f, "reason").to_string(), state.today().to_string());
    let opened = blocking(&state, move |s| match extra {
        CaseExtra::Monitor(t) => s.open_monitoring(&caller, &hid, t, &reason, &at),
        CaseExtra::Target(t) => s.open_transfer(&caller, &hid, &t, &reason, &at),
        CaseExtra::None => s.open_case(&caller, kind, Some(&hid), None, &reason, &at),
    });
    match opened.await {
        Ok(c) => Redirect::to(&format!("/cases/{}", c.id)).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND => error_page(e),
        Err(e) => show_household(&state, &a, id, Some(case_error(e, &f)), None).await,
    }
}

/// A refused case form: the reason or the target village at fault, what was typed kept.
fn case_error(e: ApiError, f: &HashMap<String, String>) -> FormError {
    // Region codes name the target field by their area (`region.malformed`, `region.unknown`).
    let e = if e.code.starts_with("region.") { ApiError { code: format!("target.{}", e.code), ..e } } else { e };
    FormError::new("case", &["reason", "target"], e, crate::registry::member_pages::typed(f.clone()))
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    nav: Nav,
    today: String,
    region: String,
    notice_region: String,
    /// Closed cases are listed too.
    all: bool,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct CasesQuery {
    region: Option<String>,
    all: Option<String>,
}

pub(crate) async fn cases_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(q): Query<CasesQuery>) -> Response {
    let region = match q.region.as_deref().filter(|r| !r.is_empty()).map(RegionCode::parse).transpose() {
        Ok(r) => r.unwrap_or_else(|| a.caller.scope.region.clone()),
        Err(e) => return error_page(e.into()),
    };
    let (caller, r, open_only) = (a.caller.clone(), region.clone(), q.all.is_none());
    match blocking(&state, move |s| s.cases(&caller, &r, open_only)).await {
        Ok(cases) => {
            // The notices page leads down from any level to the township's notices.
            let notice_region = region.to_string();
            render(CasesPage {
                nav: nav(&a, &state),
                today: state.today().to_string(),
                region: region.to_string(),
                notice_region,
                all: !open_only,
                cases,
            })
        }
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    nav: Nav,
    c: Case,
    household_exists: bool,
    can_act: bool,
    can_resolve: bool,
    notice_days: i64,
    overdue: bool,
    error: Option<String>,
    notice: Option<String>,
}

async fn show_case(state: &Arc<AppState>, a: &crate::auth::Auth, id: String, error: Option<String>, notice: Option<String>) -> Response {
    let caller = a.caller.clone();
    let loaded = blocking(state, move |s| {
        let c = s.case(&caller, &id)?;
        let exists = s.household(&caller, &c.household_id).is_ok();
        Ok((c, exists))
    })
    .await;
    match loaded {
        Ok((c, household_exists)) => {
            let level = a.user.role.official_level();
            let can_act = c.awaits(&a.caller);
            let can_resolve = level == Some(fupin_domain::Level::Township);
            let notice_days = c.kind.notice_days(state.store.rules());
            let overdue = c.overdue(&state.today().to_string());
            render(CasePage { nav: nav(a, state), c, household_exists, can_act, can_resolve, notice_days, overdue, error, notice })
        }
        Err(e) => error_page(e),
    }
}

pub(crate) async fn case_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(id): Path<String>) -> Response {
    show_case(&state, &a, id, None, None).await
}

pub(crate) async fn step(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !auth::csrf_ok(&a, field(&f, "csrf")) {
        return csrf_refused();
    }
    let Ok(version) = field(&f, "version").parse::<i64>() else {
        return error_page(ApiError::bad_request("form.version", "表单缺少业务版本"));
    };
    let approve = field(&f, "approve") == "1";
    let d = decision(approve, field(&f, "note").to_string());
    let (caller, cid, at) = (a.caller.clone(), id.clone(), state.today().to_string());
    match blocking(&state, move |s| s.advance_case(&caller, &cid, version, &d, &at)).await {
        Ok(c) => {
            let msg =
                if approve { format!("已办理，当前状态：{}", c.state.label()) } else { "已退回，业务未通过".to_string() };
            show_case(&state, &a, id, None, Some(msg)).await
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => error_page(e),
        Err(e) => show_case(&state, &a, id, Some(e.message), None).await,
    }
}

pub(crate) async fn resolve(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !auth::csrf_ok(&a, field(&f, "csrf")) {
        return csrf_refused();
    }
    let upheld = field(&f, "upheld") == "1";
    let (caller, oid, resolution, at) = (a.caller.clone(), id.clone(), field(&f, "resolution").to_string(), state.today().to_string());
    let case_id = id.rsplit_once("-O").map(|(c, _)| c.to_string()).unwrap_or_default();
    match blocking(&state, move |s| s.resolve_objection(&caller, &oid, upheld, &resolution, &at)).await {
        Ok(c) => show_case(&state, &a, c.id, None, Some("异议已处理".into())).await,
        Err(e) if e.status == StatusCode::NOT_FOUND => error_page(e),
        Err(e) => show_case(&state, &a, case_id, Some(e.message), None).await,
    }
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    region: String,
    region_name: String,
    /// Above the township the page lists the regions below to choose from.
    choices: Vec<(String, String)>,
    notices: Vec<PublicNotice>,
    /// Some notice is running, so objections can be lodged on this page.
    objections_open: bool,
    csrf: String,
    message: Option<String>,
    error: Option<String>,
}

async fn render_notices(state: &Arc<AppState>, region: &str, message: Option<String>, error: Option<String>) -> Response {
    if region.is_empty() || region.len() < 9 {
        return notice_picker(state, region).await.map(render).unwrap_or_else(error_page);
    }
    let region = match notice_region(region) {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let (r, at) = (region.clone(), state.today().to_string());
    let loaded = blocking(state, move |s| Ok((s.region(&r)?, s.public_notices(&r, &at)?))).await;
    match loaded {
        Ok((Some(reg), notices)) => {
            let (csrf, cookie) = auth::public_csrf();
            let page = NoticesPage {
                region: region.to_string(),
                region_name: reg.name,
                choices: vec![],
                objections_open: notices.iter().any(|n| n.state == "公示中"),
                notices,
                csrf,
                message,
                error,
            };
            ([(header::SET_COOKIE, cookie)], render(page)).into_response()
        }
        Ok((None, _)) => error_page(ApiError::not_found()),
        Err(e) => error_page(e),
    }
}

/// Notices are read by township or village; above that the visitor picks the way down.
async fn notice_picker(state: &Arc<AppState>, region: &str) -> Result<NoticesPage, ApiError> {
    let code = if region.is_empty() { None } else { Some(RegionCode::parse(region)?) };
    let f = blocking(state, move |s| s.public_figures(code.as_ref())).await?;
    Ok(NoticesPage {
        region: f.region.code,
        region_name: f.region.name,
        choices: f.children.into_iter().map(|(r, _)| (r.code, r.name)).collect(),
        notices: vec![],
        objections_open: false,
        csrf: String::new(),
        message: None,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    region: String,
}

/// Public: no login, no personal data beyond name, household size and cause.
pub(crate) async fn notices_page(State(state): State<Arc<AppState>>, Query(q): Query<NoticeQuery>) -> Response {
    render_notices(&state, &q.region, None, None).await
}

pub(crate) async fn object(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(case_id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let region = field(&f, "region").to_string();
    if !auth::public_csrf_ok(&headers, field(&f, "csrf")) {
        return render_notices(&state, &region, None, Some("页面已过期，请刷新后重新提交".into())).await;
    }
    let (text, contact, at) = (field(&f, "text").to_string(), field(&f, "contact").to_string(), state.today().to_string());
    match blocking(&state, move |s| s.lodge_objection(&case_id, &text, &contact, &at)).await {
        Ok(o) => render_notices(&state, &region, Some(format!("异议已受理，受理编号：{}。公示暂停，乡镇将核实处理。", o.id)), None).await,
        Err(e) => render_notices(&state, &region, None, Some(e.message)).await,
    }
}

pub(crate) async fn clock(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !auth::csrf_ok(&a, field(&f, "csrf")) {
        return csrf_refused();
    }
    if !state.demo_mode || a.user.role != fupin_domain::access::Role::ProvinceOfficial {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "clock.forbidden", "只有演示环境的省级管理员可以调整业务日期"));
    }
    let st = state.clone();
    if let Err(e) = tokio::task::spawn_blocking(move || st.advance_clock(7))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))
        .and_then(|r| r.map_err(ApiError::from))
    {
        return error_page(e);
    }
    // Back to where the button was pressed, if it was on this site.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .unwrap_or_else(|| "/".into());
    Redirect::to(&back).into_response()
}
