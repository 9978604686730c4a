//! 动态调整: the yearly re-evaluation of a region, as an API and a page. The business year's
//! update is kept by the data checks' background run (one pass does both), so the page opens
//! from the kept result; another year is judged on demand.

use super::by_village::{self, VillageGroup};
use super::checks::{age, region_of, start};
use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, filters, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use fupin_domain::RegionCode;
use fupin_store::yearly::{YearlyFile, YearlyRun, YearlyUpdate, LISTED};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearlyParams {
    pub region: Option<String>,
    /// Default: the business year, read from the region's last kept run (run first if none).
    /// Another year is judged on demand.
    pub year: Option<i32>,
}

fn year_of(state: &AppState, year: Option<i32>) -> Result<i32, ApiError> {
    let today = state.today();
    let year = year.unwrap_or(today.year);
    if !(2015..=today.year).contains(&year) {
        return Err(ApiError::bad_request("yearly.year", format!("年度应在2015到{}之间", today.year)));
    }
    Ok(year)
}

/// Judges every file of the region for `year` now (not kept).
async fn judge(state: &Arc<AppState>, a: &Auth, region: RegionCode, year: i32) -> Result<YearlyUpdate, ApiError> {
    let (caller, today) = (a.caller.clone(), state.today());
    blocking(state, move |s| s.yearly_update(&caller, &region, year, today)).await
}

async fn kept(state: &Arc<AppState>, a: &Auth, region: &RegionCode) -> Result<Option<YearlyRun>, ApiError> {
    let (caller, r) = (a.caller.clone(), region.clone());
    blocking(state, move |s| s.last_yearly(&caller, &r)).await
}

/// Re-evaluates every file of a region for a year: who meets the exit standards, who of the
/// exited is at risk, and the data problems found. The business year comes from the region's
/// kept run (`POST /api/v1/checks/runs` renews it).
#[utoipa::path(get, path = "/api/v1/yearly", params(YearlyParams), responses((status = 200, body = YearlyUpdate, description = "counts and lists"), (status = 400, description = "a year outside 2015 to the business year"), (status = 404, description = "outside jurisdiction")))]
pub async fn get_yearly(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<YearlyParams>,
) -> Result<Json<YearlyUpdate>, ApiError> {
    let region = region_of(&a, p.region.as_deref())?;
    let year = year_of(&state, p.year)?;
    if year == state.today().year {
        if let Some(run) = kept(&state, &a, &region).await? {
            return Ok(Json(run.update));
        }
        super::checks::run_now(&state, &a, region.clone()).await?;
        if let Some(run) = kept(&state, &a, &region).await? {
            return Ok(Json(run.update));
        }
    }
    Ok(Json(judge(&state, &a, region, year).await?))
}

#[derive(Deserialize)]
pub struct YearlyPageParams {
    region: Option<String>,
    year: Option<i32>,
    /// `meets_exit` (default) or `at_risk`.
    list: Option<String>,
    page: Option<usize>,
}

const PER_PAGE: usize = 50;

/// A child region's line: how many of its files each list holds.
struct ChildLine {
    code: String,
    name: String,
    meets_exit: u64,
    at_risk: u64,
}

#[derive(Template)]
#[template(path = "yearly.html")]
struct YearlyPage {
    nav: Nav,
    region: String,
    region_name: String,
    /// The update shown: the kept run's, or one judged now for another year.
    e: Option<YearlyUpdate>,
    /// For a kept run: "N 分钟前", the business date it judged on, and its duration.
    kept: Option<(String, String, i64)>,
    running: Option<(u64, u64)>,
    /// The year asked for when it is not the business year.
    other_year: Option<i32>,
    list: &'static str,
    groups: Vec<VillageGroup<YearlyFile>>,
    total: usize,
    page: usize,
    pages: usize,
    listed_max: usize,
    children: Vec<ChildLine>,
}

impl YearlyPage {
    fn count(&self, k: &str) -> u64 {
        self.e.as_ref().and_then(|e| e.counts.get(k).copied()).unwrap_or(0)
    }

    fn list_label(&self) -> &'static str {
        if self.list == "at_risk" {
            "有（返）贫风险的已脱贫户和未建档农户：可纳入防返贫监测"
        } else {
            "已达退出标准、可提出退出的未脱贫户"
        }
    }
}

pub async fn yearly_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<YearlyPageParams>) -> Response {
    let result = async {
        let region = region_of(&a, p.region.as_deref())?;
        let year = year_of(&state, p.year)?;
        let r = region.clone();
        let name = blocking(&state, move |s| Ok(s.region(&r)?.map(|x| x.name).unwrap_or_default())).await?;
        let (e, kept_run, running, other_year) = if year == state.today().year {
            let run = kept(&state, &a, &region).await?;
            let mut running = state.check_jobs.lock().expect("not poisoned").get(region.as_str()).map(|t| t.elapsed().as_secs());
            if run.is_none() && running.is_none() {
                start(&state, &a, region.clone());
                running = Some(0);
            }
            let expected = run.as_ref().map_or(10, |r| (r.millis as u64 / 1000).max(1));
            let info = run.as_ref().map(|r| (age(r.finished_secs), r.computed_on.clone(), r.millis));
            (run.map(|r| r.update), info, running.map(|s| (s, expected.max(s + 1))), None)
        } else {
            (Some(judge(&state, &a, region.clone(), year).await?), None, None, Some(year))
        };
        let list = if p.list.as_deref() == Some("at_risk") { "at_risk" } else { "meets_exit" };
        let files: &[YearlyFile] = match (&e, list) {
            (Some(e), "at_risk") => &e.at_risk,
            (Some(e), _) => &e.meets_exit,
            (None, _) => &[],
        };
        let total = files.len();
        let pages = total.div_ceil(PER_PAGE).max(1);
        let page = p.page.unwrap_or(1).clamp(1, pages);
        let on_page: Vec<YearlyFile> = files.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).cloned().collect();
        let groups = by_village::group(&state, on_page, |f| f.village_code.as_str()).await?;
        let by_child = e.as_ref().map(|e| e.by_child.clone()).unwrap_or_default();
        let children = blocking(&state, move |s| {
            by_child
                .into_iter()
                .map(|(code, (meets_exit, at_risk))| {
                    let name = s.region(&RegionCode::parse(&code)?)?.map(|r| r.name).unwrap_or_default();
                    Ok(ChildLine { code, name, meets_exit, at_risk })
                })
                .collect::<fupin_store::Result<Vec<_>>>()
        })
        .await?;
        Ok::<_, ApiError>(YearlyPage {
            nav: nav(&a, &state),
            region: region.to_string(),
            region_name: name,
            e,
            kept: kept_run,
            running,
            other_year,
            list,
            groups,
            total,
            page,
            pages,
            listed_max: LISTED,
            children,
        })
    }
    .await;
    match result {
        Ok(p) => render(p),
        Err(e) => error_page(e),
    }
}

/// The kept lists as a spreadsheet: a sheet per list, one row per file, with its village.
pub async fn export(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<YearlyParams>) -> Response {
    let result = async {
        let region = region_of(&a, p.region.as_deref())?;
        let run = kept(&state, &a, &region)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "yearly.not_run", "本地区还没有动态调整结果，请先打开动态调整页面运行"))?;
        let codes: Vec<String> = run.update.meets_exit.iter().chain(&run.update.at_risk).map(|f| f.village_code.clone()).collect();
        let names = blocking(&state, move |s| {
            let mut out = std::collections::HashMap::new();
            for c in codes {
                if !out.contains_key(&c) {
                    let name = s.region(&RegionCode::parse(&c)?)?.map(|r| r.name).unwrap_or_default();
                    out.insert(c, name);
                }
            }
            Ok(out)
        })
        .await?;
        let xerr = |e: rust_xlsxwriter::XlsxError| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string());
        let mut wb = rust_xlsxwriter::Workbook::new();
        for (sheet, files) in [("可提出退出", &run.update.meets_exit), ("返贫风险", &run.update.at_risk)] {
            let ws = wb.add_worksheet();
            ws.set_name(sheet).map_err(xerr)?;
            for (c, h) in ["村代码", "村", "户编号", "户主", "人口", "原因", "判断日期"].iter().enumerate() {
                ws.write_string(0, c as u16, *h).map_err(xerr)?;
            }
            for (i, f) in files.iter().enumerate() {
                let r = i as u32 + 1;
                ws.write_string(r, 0, &f.village_code).map_err(xerr)?;
                ws.write_string(r, 1, names.get(&f.village_code).map_or("", String::as_str)).map_err(xerr)?;
                ws.write_string(r, 2, &f.household_id).map_err(xerr)?;
                ws.write_string(r, 3, &f.head_name).map_err(xerr)?;
                ws.write_number(r, 4, f.size as f64).map_err(xerr)?;
                ws.write_string(r, 5, f.reasons.join("；")).map_err(xerr)?;
                ws.write_string(r, 6, &run.computed_on).map_err(xerr)?;
            }
        }
        let bytes = wb.save_to_buffer().map_err(xerr)?;
        Ok::<_, ApiError>(
            (
                [
                    (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"yearly-{region}-{}.xlsx\"", run.computed_on)),
                ],
                bytes,
            )
                .into_response(),
        )
    }
    .await;
    result.unwrap_or_else(error_page)
}
