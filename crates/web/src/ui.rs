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
    /// The links this user's role may follow, from the permission table.
    pub items: Vec<NavItem>,
}

pub(crate) struct NavItem {
    pub id: &'static str,
    pub label: &'static str,
    pub href: String,
}

/// The navigation of a role: an item is shown only where `Role::may` allows what it leads to,
/// so no link leads to a refusal.
pub(crate) fn nav_items(user: &fupin_store::UserRecord) -> Vec<NavItem> {
    use fupin_domain::access::{Action, Role};
    let role = user.role;
    let region = &user.region;
    let files = if role == Role::Helper { "我的帮扶户" } else { "贫困户档案" };
    let items: [(Option<Action>, &'static str, &'static str, String); 19] = [
        (None, "nav-home", "首页", "/".into()),
        // What waits on the user, across the functions; its count is filled in by the page.
        (None, "nav-todo", "待办", "/todo".into()),
        (Some(Action::ReadFiles), "nav-households", files, "/households".into()),
        (Some(Action::ReadFigures), "nav-maps", "三张图", format!("/maps/distribution/{region}")),
        (Some(Action::Dispatch), "nav-tasks", "重点任务", "/supervision/tasks".into()),
        (Some(Action::Dispatch), "nav-schedule", "倒排工期", format!("/maps/schedule/{region}")),
        (Some(Action::ReadFiles), "nav-cases", "业务办理", "/cases".into()),
        (Some(Action::RunChecks), "nav-yearly", "动态调整", "/yearly".into()),
        (Some(Action::RunChecks), "nav-checks", "数据核查", "/checks".into()),
        (Some(Action::ImportFiles), "nav-exchange", "导入导出", "/households/import".into()),
        (Some(Action::DraftPolicies), "nav-policy-desk", "政策发布", "/policies".into()),
        (None, "nav-policies", "政策文件", "/public/policies".into()),
        // Every role takes part: donors give, the village and helpers speak for households,
        // officials verify and match, departments and evaluators read.
        (None, "nav-matching", "供需对接", "/matching".into()),
        (Some(Action::HandleReports), "nav-supervision", "监督举报", "/supervision".into()),
        (Some(Action::ReadFigures), "nav-measures", "贫困测度", "/evaluation/measures".into()),
        (Some(Action::ReadEvaluations), "nav-evaluations", "第三方评估", "/evaluation/samples".into()),
        (Some(Action::ReadFunds), "nav-funds", "扶贫资金", "/funds".into()),
        (Some(Action::ReadPiiAudit), "nav-audit", "查阅记录", "/audit".into()),
        (None, "nav-notices", "公示公告", format!("/public/notices?region={region}")),
    ];
    items
        .into_iter()
        .filter(|(action, ..)| action.is_none_or(|x| role.may(x)))
        .map(|(_, id, label, href)| NavItem { id, label, href })
        .collect()
}

pub(crate) fn nav(a: &Auth, state: &AppState) -> Nav {
    Nav {
        user: a.user.clone(),
        role_label: a.user.role.label(),
        csrf: a.csrf.clone(),
        as_of: state.today().to_string(),
        demo_clock: state.demo_mode && a.user.role == fupin_domain::access::Role::ProvinceOfficial,
        items: nav_items(&a.user),
    }
}

/// A posted form whose token is not the session's (stale, or sent from elsewhere).
pub(crate) fn csrf_refused() -> Response {
    error_page(ApiError::new(axum::http::StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"))
}

/// A posted form's fields by name.
pub(crate) type FormMap = std::collections::HashMap<String, String>;

/// A form field, trimmed; empty when absent.
pub(crate) fn form_get(f: &FormMap, k: &str) -> String {
    f.get(k).map(|s| s.trim().to_string()).unwrap_or_default()
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

/// Filters the templates share (`{{ n|thousands }}`); a page module brings them in with
/// `use crate::ui::filters;`.
pub(crate) mod filters {
    /// 2398463 → 2,398,463: large counts are read at a glance.
    pub fn thousands<T: std::fmt::Display>(n: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::thousands(&n.to_string()))
    }
}

/// Groups the digits of a number's integer part in threes.
pub(crate) fn thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map(|r| ("-", r)).unwrap_or(("", s));
    let (int, frac) = rest.split_once('.').map(|(i, f)| (i, Some(f))).unwrap_or((rest, None));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_group_the_integer_part() {
        assert_eq!(super::thousands("2398463"), "2,398,463");
        assert_eq!(super::thousands("-1234.50"), "-1,234.50");
        assert_eq!(super::thousands("999"), "999");
        assert_eq!(super::thousands("n/a"), "n/a");
    }
}
