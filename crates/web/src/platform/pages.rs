//! The pages every visitor meets first: the front page, login and logout.

use crate::auth::{self, PageAuth};
use crate::error::ApiError;
use crate::ui::*;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

pub async fn home(PageAuth(a): PageAuth) -> Redirect {
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

pub async fn login_page() -> Response {
    login_form(None, StatusCode::OK)
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
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, auth::session_cookie("", 0)), (header::LOCATION, "/login".to_string())]).into_response()
}
