//! The page kit every function's pages share: rendering, the Chinese error page, the header
//! (navigation), breadcrumbs and small helpers for forms and links.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::{blocking, AppState};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use fupin_domain::RegionCode;
use std::sync::Arc;

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
    /// The PII audit link, for the roles that may read it.
    pub audit: bool,
}

pub(crate) fn nav(a: &Auth, state: &AppState) -> Nav {
    Nav {
        user: a.user.clone(),
        role_label: a.user.role.label(),
        csrf: a.csrf.clone(),
        as_of: state.today().to_string(),
        demo_clock: state.demo_mode && a.user.role == fupin_domain::access::Role::ProvinceOfficial,
        audit: a.user.role.reads_pii_audit(),
    }
}

pub(crate) fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|x| (code(*x), label(*x))).collect()
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

pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
