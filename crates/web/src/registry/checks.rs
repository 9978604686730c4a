//! 数据核查: the checks run as a background job per region and their result is kept, so the page
//! opens at once afterwards; findings grouped by kind and village, paginated, each linked to the
//! part of the file that fixes it, and exportable to xlsx.

use super::by_village::{self, VillageGroup};
use crate::auth::{self, Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, filters, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::{CheckReport, CheckRun, Finding};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CheckParams {
    /// Inside the caller's region; the caller's region by default.
    pub region: Option<String>,
}

pub(crate) fn region_of(a: &Auth, region: Option<&str>) -> Result<RegionCode, ApiError> {
    match region.filter(|r| !r.is_empty()) {
        Some(r) => Ok(RegionCode::parse(r)?),
        None => Ok(a.caller.scope.region.clone()),
    }
}

/// Runs the checks now and keeps the result.
pub(crate) async fn run_now(state: &Arc<AppState>, a: &Auth, region: RegionCode) -> Result<CheckRun, ApiError> {
    let (caller, today) = (a.caller.clone(), state.today());
    blocking(state, move |s| s.run_checks(&caller, &region, today, auth::now_secs())).await
}

/// The region's kept result; the checks run first if they never ran there.
#[utoipa::path(get, path = "/api/v1/checks", params(CheckParams), responses((status = 200, body = CheckReport, description = "counts per kind and findings, from the region's last run"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_checks(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<CheckParams>) -> Result<Json<CheckReport>, ApiError> {
    let region = region_of(&a, p.region.as_deref())?;
    let (caller, r) = (a.caller.clone(), region.clone());
    let kept = blocking(&state, move |s| s.last_checks(&caller, &r)).await?;
    Ok(Json(match kept {
        Some(run) => run.report,
        None => run_now(&state, &a, region).await?.report,
    }))
}

/// Runs the checks over the region again and keeps the result (what the page's 重新核查 does).
#[utoipa::path(post, path = "/api/v1/checks/runs", params(CheckParams), responses((status = 200, body = CheckRun, description = "the new run"), (status = 403, description = "not an official"), (status = 404, description = "outside jurisdiction")))]
pub async fn post_run(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<CheckParams>) -> Result<Json<CheckRun>, ApiError> {
    let region = region_of(&a, p.region.as_deref())?;
    Ok(Json(run_now(&state, &a, region).await?))
}

/// Starts a run in the background unless one is running for the region.
pub(crate) fn start(state: &Arc<AppState>, a: &Auth, region: RegionCode) {
    let key = region.to_string();
    {
        let mut jobs = state.check_jobs.lock().expect("not poisoned");
        if jobs.contains_key(&key) {
            return;
        }
        jobs.insert(key.clone(), Instant::now());
    }
    let (st, caller, today) = (state.clone(), a.caller.clone(), state.today());
    tokio::task::spawn_blocking(move || {
        if let Err(e) = st.store.run_checks(&caller, &region, today, auth::now_secs()) {
            tracing::warn!(region = %region, error = %e, "data checks failed");
        }
        st.check_jobs.lock().expect("not poisoned").remove(&key);
    });
}

#[derive(Deserialize)]
pub struct ChecksPageParams {
    region: Option<String>,
    /// Only this kind of finding.
    kind: Option<String>,
    page: Option<usize>,
}

const PER_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "checks.html")]
struct ChecksPage {
    nav: Nav,
    region: String,
    region_name: String,
    run: Option<CheckRun>,
    /// "N 分钟前" for the kept run.
    age: String,
    /// Seconds since a running job started, and how long the last run took (its progress bar).
    running: Option<(u64, u64)>,
    kind: String,
    kind_label: String,
    groups: Vec<VillageGroup<Finding>>,
    total: usize,
    page: usize,
    pages: usize,
}

pub(crate) fn age(secs: i64) -> String {
    let d = (auth::now_secs() - secs).max(0);
    match d {
        0..60 => "刚刚".into(),
        60..3600 => format!("{} 分钟前", d / 60),
        3600..86400 => format!("{} 小时前", d / 3600),
        _ => format!("{} 天前", d / 86400),
    }
}

/// Where in the file the problem is fixed.
pub fn fix_anchor(kind: &str) -> &'static str {
    match kind {
        "stale" => "#edit-details",
        "exited_without_income" => "#income-details",
        _ => "#members-h",
    }
}

pub async fn checks_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<ChecksPageParams>) -> Response {
    let result = async {
        let region = region_of(&a, p.region.as_deref())?;
        let (caller, r) = (a.caller.clone(), region.clone());
        let (name, run) =
            blocking(&state, move |s| Ok((s.region(&r)?.map(|x| x.name).unwrap_or_default(), s.last_checks(&caller, &r)?))).await?;
        let mut running = state.check_jobs.lock().expect("not poisoned").get(region.as_str()).map(|t| t.elapsed().as_secs());
        if run.is_none() && running.is_none() {
            start(&state, &a, region.clone());
            running = Some(0);
        }
        let kind = p.kind.clone().filter(|k| fupin_store::registry::checks::KINDS.iter().any(|(c, _)| c == k)).unwrap_or_default();
        let findings: Vec<&Finding> =
            run.iter().flat_map(|r| r.report.findings.iter()).filter(|f| kind.is_empty() || f.kind == kind).collect();
        let total = findings.len();
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = p.page.unwrap_or(1).clamp(1, pages);
        let mut on_page: Vec<Finding> = findings.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).cloned().collect();
        // Within a village, by household.
        on_page.sort_by(|x, y| x.household_id.cmp(&y.household_id));
        let groups = by_village::group(&state, on_page, |f| f.village_code.as_str()).await?;
        let expected = run.as_ref().map_or(10, |r| (r.millis as u64 / 1000).max(1));
        Ok::<_, ApiError>(ChecksPage {
            nav: nav(&a, &state),
            region: region.to_string(),
            region_name: name,
            age: run.as_ref().map(|r| age(r.finished_secs)).unwrap_or_default(),
            running: running.map(|s| (s, expected.max(s + 1))),
            kind_label: fupin_store::registry::checks::label(&kind).to_string(),
            kind,
            run,
            groups,
            total,
            page,
            pages,
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize)]
pub struct RunForm {
    csrf: String,
    region: String,
    /// The page to return to: the yearly update reruns through the same job.
    back: Option<String>,
}

/// 重新核查: starts a run in the background and returns to the page (数据核查 or 动态调整, both
/// kept by the run), which shows its progress.
pub async fn run_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(f): Form<RunForm>) -> Response {
    if !auth::csrf_ok(&a, &f.csrf) {
        return error_page(ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求已过期，请刷新页面后重试"));
    }
    let region = match region_of(&a, Some(&f.region)) {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    // The same checks the store makes, before anything starts: no job for what would be refused.
    let (caller, r) = (a.caller.clone(), region.clone());
    if let Err(e) = blocking(&state, move |s| s.last_checks(&caller, &r)).await {
        return error_page(e);
    }
    start(&state, &a, region.clone());
    let page = if f.back.as_deref() == Some("yearly") { "yearly" } else { "checks" };
    Redirect::to(&format!("/{page}?region={region}")).into_response()
}

/// The kept findings as a spreadsheet: one row per finding, with the village's name.
pub async fn export(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<CheckParams>) -> Response {
    let result = async {
        let region = region_of(&a, p.region.as_deref())?;
        let (caller, r) = (a.caller.clone(), region.clone());
        let run = blocking(&state, move |s| s.last_checks(&caller, &r))
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "checks.not_run", "本地区还没有核查结果，请先在数据核查页面运行核查"))?;
        let xerr = |e: rust_xlsxwriter::XlsxError| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string());
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("数据核查").map_err(xerr)?;
        for (c, h) in ["核查项", "村代码", "户编号", "问题", "核查日期"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).map_err(xerr)?;
        }
        for (i, f) in run.report.findings.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, fupin_store::registry::checks::label(f.kind)).map_err(xerr)?;
            ws.write_string(r, 1, &f.village_code).map_err(xerr)?;
            ws.write_string(r, 2, &f.household_id).map_err(xerr)?;
            ws.write_string(r, 3, &f.message).map_err(xerr)?;
            ws.write_string(r, 4, &run.computed_on).map_err(xerr)?;
        }
        let bytes = wb.save_to_buffer().map_err(xerr)?;
        Ok::<_, ApiError>(
            (
                [
                    (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"checks-{region}-{}.xlsx\"", run.computed_on)),
                ],
                bytes,
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(error_page)
}
