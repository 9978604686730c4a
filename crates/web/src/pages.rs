//! Server-rendered pages in Chinese: login, the region dashboard with drill-down, the household
//! list with search and filters, the household file with its history, and the edit form.

use crate::api::{load_view, mask_list, HouseholdParams};
use crate::auth::{self, Auth, PageAuth};
use crate::error::ApiError;
use crate::figures::{summary, Summary};
use crate::view::{mask_digit_runs, HouseholdView};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use fupin_domain::codes::{Attribute, Cause, Education, Health, Labour, MemberChange, Path as AidPath, Relation, Schooling, Status};
use fupin_domain::household::{Change, HouseholdFields};
use fupin_domain::{DomainError, RegionCode};
use fupin_store::{Event, HouseholdSummary, Region};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/regions/{code}", get(region_page))
        .route("/households", get(households_page))
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/edit", post(household_edit))
        .route("/maps/{map}/{code}", get(map_page))
        .route("/indicators/{code}", get(crate::indicators::indicators_page))
        .route("/checks", get(crate::checks::checks_page))
        .route("/evaluation", get(crate::evaluation::evaluation_page))
        .merge(crate::pages_cases::routes())
        .merge(crate::pages_exchange::routes())
        .merge(crate::pages_members::routes())
}

pub(crate) fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("模板错误: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    code: String,
    message: String,
}

pub(crate) fn error_page(e: ApiError) -> Response {
    let status = e.status;
    (status, render(ErrorPage { code: e.code, message: e.message })).into_response()
}

/// What every logged-in page shows in its header.
pub(crate) struct Nav {
    pub user: fupin_store::UserRecord,
    pub role_label: &'static str,
    pub csrf: String,
    pub as_of: String,
    /// The demo's business clock can be advanced by the province official.
    pub demo_clock: bool,
}

pub(crate) fn nav(a: &Auth, state: &AppState) -> Nav {
    Nav {
        user: a.user.clone(),
        role_label: a.user.role.label(),
        csrf: a.csrf.clone(),
        as_of: state.today().to_string(),
        demo_clock: state.demo_mode && a.user.role == fupin_domain::access::Role::ProvinceOfficial,
    }
}

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|x| (code(*x), label(*x))).collect()
}

async fn home(PageAuth(a): PageAuth) -> Redirect {
    Redirect::to(&format!("/regions/{}", a.user.region))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    csrf: String,
}

const LOGIN_CSRF_COOKIE: &str = "fupin_login_csrf";

/// Login is protected by a double-submit token: a cookie and a form field that must match.
fn login_form(error: Option<String>, status: StatusCode) -> Response {
    let csrf = auth::random_token();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict");
    (status, [(header::SET_COOKIE, cookie)], render(LoginPage { error, csrf })).into_response()
}

async fn login_page() -> Response {
    login_form(None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

async fn login_submit(State(state): State<Arc<AppState>>, headers: axum::http::HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let cookie_csrf = auth::cookie_in(&headers, LOGIN_CSRF_COOKIE);
    if cookie_csrf.as_deref() != Some(f.csrf.as_str()) {
        return login_form(Some("页面已过期，请重新登录".into()), StatusCode::FORBIDDEN);
    }
    match auth::login(&state, f.username.trim(), &f.password).await {
        Ok((token, _, user)) => (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, auth::session_cookie(&token, auth::SESSION_SECONDS)),
                (header::LOCATION, format!("/regions/{}", user.region)),
            ],
        )
            .into_response(),
        Err(e) => login_form(Some(e.message), e.status),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<CsrfForm>) -> Response {
    if !auth::csrf_ok(&a, &f.csrf) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let hash = a.token_hash.clone();
    if let Err(e) = blocking(&state, move |s| s.delete_session(&hash)).await {
        return error_page(e);
    }
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, auth::session_cookie("", 0)), (header::LOCATION, "/login".to_string())]).into_response()
}

/// Names of the regions above `code` that lie inside the caller's scope, for breadcrumbs.
pub(crate) async fn crumbs(state: &Arc<AppState>, a: &Auth, code: &RegionCode) -> Result<Vec<(String, String)>, ApiError> {
    let scope = a.caller.scope.region.clone();
    let chain: Vec<RegionCode> = code.ancestors_and_self().into_iter().filter(|c| scope.contains(c) && c != code).collect();
    blocking(state, move |s| {
        let mut out = vec![];
        for c in chain {
            if let Some(r) = s.region(&c)? {
                out.push((r.code, r.name));
            }
        }
        Ok(out)
    })
    .await
}

#[derive(Template)]
#[template(path = "region.html")]
struct RegionPage {
    nav: Nav,
    region: Region,
    crumbs: Vec<(String, String)>,
    s: Summary,
    children: Vec<(String, String, Summary)>,
}

async fn region_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(code): Path<String>) -> Response {
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
            children: f.children.iter().map(|(r, fig)| (r.code.clone(), r.name.clone(), summary(fig))).collect(),
            region: f.region,
            crumbs,
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    nav: Nav,
    /// Village officials may record households outside the register.
    can_record: bool,
    error: Option<String>,
    region: String,
    q: String,
    status: String,
    cause: String,
    attribute: String,
    path: String,
    statuses: Vec<(&'static str, &'static str)>,
    causes: Vec<(&'static str, &'static str)>,
    attributes: Vec<(&'static str, &'static str)>,
    paths: Vec<(&'static str, &'static str)>,
    items: Vec<HouseholdSummary>,
    total: i64,
    capped: bool,
    page: u32,
    has_next: bool,
    link_base: String,
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn households_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<HouseholdParams>) -> Response {
    let n = nav(&a, &state);
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut page = HouseholdsPage {
        nav: n,
        can_record: a.user.role.official_level() == Some(fupin_domain::Level::Village),
        error: None,
        region: s(&p.region),
        q: s(&p.q),
        status: s(&p.status),
        cause: s(&p.cause),
        attribute: s(&p.attribute),
        path: s(&p.path),
        statuses: options(Status::ALL, Status::code, Status::label),
        causes: options(Cause::ALL, Cause::code, Cause::label),
        attributes: options(Attribute::ALL, Attribute::code, Attribute::label),
        paths: options(AidPath::ALL, AidPath::code, AidPath::label),
        items: vec![],
        total: 0,
        capped: false,
        page: p.page.unwrap_or(1).max(1),
        has_next: false,
        link_base: String::new(),
    };
    page.link_base = format!(
        "/households?region={}&q={}&status={}&cause={}&attribute={}&path={}",
        enc(&page.region),
        enc(&page.q),
        enc(&page.status),
        enc(&page.cause),
        enc(&page.attribute),
        enc(&page.path)
    );
    let result = async {
        let q = p.to_query()?;
        let caller = a.caller.clone();
        Ok::<_, ApiError>(mask_list(blocking(&state, move |s| s.search_households(&caller, &q)).await?))
    }
    .await;
    match result {
        Ok(r) => {
            page.has_next = (r.page as i64) * (r.per_page as i64) < r.total;
            page.total = r.total;
            page.capped = r.total_capped;
            page.items = r.items;
        }
        Err(e) if e.status == StatusCode::INTERNAL_SERVER_ERROR => return error_page(e),
        Err(e) => page.error = Some(e.message),
    }
    render(page)
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    nav: Nav,
    h: HouseholdView,
    crumbs: Vec<(String, String)>,
    events: Vec<Event>,
    can_edit: bool,
    error: Option<String>,
    notice: Option<String>,
    causes: Vec<(&'static str, &'static str)>,
    attributes: Vec<(&'static str, &'static str)>,
    year: i32,
    unmet: Vec<String>,
    cases: Vec<fupin_store::Case>,
    /// The numbers this file moved from and to (迁移).
    moved_from: Option<String>,
    moved_to: Option<String>,
    relations: Vec<(&'static str, &'static str)>,
    educations: Vec<(&'static str, &'static str)>,
    schoolings: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    labours: Vec<(&'static str, &'static str)>,
    arrivals: Vec<(&'static str, &'static str)>,
    departures: Vec<(&'static str, &'static str)>,
    today: String,
}

pub(crate) async fn show_household(state: &Arc<AppState>, a: &Auth, id: String, error: Option<String>, notice: Option<String>) -> Response {
    let result = async {
        let h = load_view(state, a, id.clone()).await?;
        let caller = a.caller.clone();
        let pii = a.user.role.pii();
        let mut events = blocking(state, move |s| s.history(&caller, &id)).await?;
        for e in &mut events {
            e.payload = mask_digit_runs(&e.payload, pii);
        }
        let village = RegionCode::parse(&h.village)?;
        let today = state.today();
        let (caller, hid, v) = (a.caller.clone(), h.id.clone(), village.clone());
        let (unmet, cases, (moved_from, moved_to)) = blocking(state, move |s| {
            let file = s.household(&caller, &hid)?;
            let unmet = fupin_domain::lifecycle::exit_unmet(&file, today.year, today, s.rules());
            let cases = s.cases(&caller, &v, false)?.into_iter().filter(|c| c.household_id == hid).collect::<Vec<_>>();
            Ok((unmet, cases, s.transfer_links(&caller, &hid)?))
        })
        .await?;
        let mut crumbs = crumbs(state, a, &village).await?;
        if a.caller.scope.region.contains(&village) {
            let v = village.clone();
            if let Some(r) = blocking(state, move |s| s.region(&v)).await? {
                crumbs.push((r.code, r.name));
            }
        }
        let n = nav(a, state);
        Ok::<_, ApiError>(HouseholdPage {
            nav: n,
            can_edit: a.user.role.edits_households(),
            h,
            crumbs,
            events,
            error,
            notice,
            causes: options(Cause::ALL, Cause::code, Cause::label),
            attributes: options(Attribute::ALL, Attribute::code, Attribute::label),
            year: today.year,
            unmet,
            cases,
            moved_from,
            moved_to,
            relations: options(Relation::ALL, Relation::code, Relation::label),
            educations: options(Education::ALL, Education::code, Education::label),
            schoolings: options(Schooling::ALL, Schooling::code, Schooling::label),
            healths: options(Health::ALL, Health::code, Health::label),
            labours: options(Labour::ALL, Labour::code, Labour::label),
            arrivals: MemberChange::ALL.iter().filter(|c| !c.is_departure()).map(|c| (c.code(), c.label())).collect(),
            departures: MemberChange::ALL.iter().filter(|c| c.is_departure()).map(|c| (c.code(), c.label())).collect(),
            today: today.to_string(),
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

async fn household_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Path(id): Path<String>) -> Response {
    show_household(&state, &a, id, None, None).await
}

/// Builds the new fields from the form over the current file; checkboxes absent mean unchecked.
fn fields_from_form(current: &fupin_domain::household::Household, f: &HashMap<String, String>) -> Result<HouseholdFields, DomainError> {
    let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut fields = HouseholdFields::of(current);
    fields.phone = get("phone");
    fields.bank = get("bank");
    fields.bank_account = get("bank_account");
    fields.attribute = Attribute::parse(&get("attribute"))?;
    fields.main_cause = Cause::parse(&get("main_cause"))?;
    fields.other_causes.retain(|c| *c != fields.main_cause);
    let year = get("planned_exit_year");
    fields.planned_exit_year = if year.is_empty() {
        None
    } else {
        Some(year.parse().map_err(|_| DomainError::new("household.planned_exit_year", format!("计划脱贫年度“{year}”应为四位年份")))?)
    };
    let on = |k: &str| f.contains_key(k);
    fields.conditions.food_clothing = on("food_clothing");
    fields.conditions.compulsory_education = on("compulsory_education");
    fields.conditions.medical_insurance = on("medical_insurance");
    fields.conditions.safe_housing = on("safe_housing");
    fields.conditions.safe_water = on("safe_water");
    fields.conditions.electricity = on("electricity");
    Ok(fields)
}

async fn household_edit(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    crate::pages_members::apply_form_change(&state, &a, id, f, "已保存", |current, f| {
        let fields = fields_from_form(current, f)?;
        Ok((Change::EditFields { fields }, f.get("reason").map(|s| s.trim().to_string()).unwrap_or_default()))
    })
    .await
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
struct MapQuery {
    metric: Option<String>,
    period: Option<String>,
}

/// The map page is a frame; `assets/maps.js` fills it from `/api/v1/maps/…` so the page and the
/// API can never show different numbers.
async fn map_page(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((map, code)): Path<(String, String)>,
    Query(q): Query<MapQuery>,
) -> Response {
    let kind = match crate::maps::MapKind::parse(&map) {
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
        maps: crate::maps::MapKind::ALL.iter().map(|m| (m.id(), m.title())).collect(),
    })
}
