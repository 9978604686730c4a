//! Login and logout pages, and the PII audit page.

use crate::auth::{self, PageAuth};
use crate::error::ApiError;
use crate::ui::*;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use fupin_domain::RegionCode;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    csrf: String,
}

const LOGIN_CSRF_COOKIE: &str = "fupin_login_csrf";

/// Login is protected by a double-submit token: a cookie and a form field that must match.
fn login_form(state: &AppState, error: Option<String>, status: StatusCode) -> Response {
    let csrf = auth::random_token();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict{}", auth::secure(state));
    (status, [(header::SET_COOKIE, cookie)], render(LoginPage { error, csrf })).into_response()
}

pub async fn login_page(State(state): State<Arc<AppState>>) -> Response {
    login_form(&state, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub async fn login_submit(State(state): State<Arc<AppState>>, headers: axum::http::HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let cookie_csrf = auth::cookie_in(&headers, LOGIN_CSRF_COOKIE);
    if cookie_csrf.as_deref() != Some(f.csrf.as_str()) {
        return login_form(&state, Some("页面已过期，请重新登录".into()), StatusCode::FORBIDDEN);
    }
    match auth::login(&state, f.username.trim(), &f.password).await {
        Ok((token, _, _)) => (
            StatusCode::SEE_OTHER,
            [(header::SET_COOKIE, auth::session_cookie(&state, &token, auth::SESSION_SECONDS)), (header::LOCATION, "/".to_string())],
        )
            .into_response(),
        Err(e) => login_form(&state, Some(e.message), e.status),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<CsrfForm>) -> Response {
    if !auth::csrf_ok(&a, &f.csrf) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let hash = a.token_hash.clone();
    if let Err(e) = blocking(&state, move |s| s.delete_session(&hash)).await {
        return error_page(e);
    }
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, auth::session_cookie(&state, "", 0)), (header::LOCATION, "/login".to_string())])
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    region: Option<String>,
    username: Option<String>,
    from: Option<String>,
    until: Option<String>,
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    error: Option<String>,
    region: String,
    username: String,
    from: String,
    until: String,
    items: Vec<fupin_store::AuditEntry>,
    total: i64,
    capped: bool,
    page: u32,
    has_next: bool,
    link_base: String,
}

/// 个人信息查阅记录: who read whose personal data unmasked, or exported it, and when.
pub async fn audit_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<AuditParams>) -> Response {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut page = AuditPage {
        nav: nav(&a, &state),
        error: None,
        region: s(&p.region),
        username: s(&p.username),
        from: s(&p.from),
        until: s(&p.until),
        items: vec![],
        total: 0,
        capped: false,
        page: p.page.unwrap_or(1).max(1),
        has_next: false,
        link_base: format!(
            "/audit?region={}&username={}&from={}&until={}",
            enc(&s(&p.region)),
            enc(&s(&p.username)),
            enc(&s(&p.from)),
            enc(&s(&p.until))
        ),
    };
    let region = match p.region.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(RegionCode::parse).transpose() {
        Ok(r) => r,
        Err(e) => {
            page.error = Some(e.message);
            return render(page);
        }
    };
    let q = fupin_store::AuditQuery {
        region,
        username: p.username.clone(),
        from: p.from.clone(),
        until: p.until.clone(),
        page: page.page,
        per_page: 50,
    };
    let caller = a.caller.clone();
    match blocking(&state, move |st| st.pii_audit(&caller, &q)).await {
        Ok(r) => {
            page.has_next = (r.page as i64) * (r.per_page as i64) < r.total;
            page.total = r.total;
            page.capped = r.total_capped;
            page.items = r.items;
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST || e.status == StatusCode::UNPROCESSABLE_ENTITY => page.error = Some(e.message),
        Err(e) => return error_page(e),
    }
    render(page)
}
