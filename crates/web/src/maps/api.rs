//! 三张图 and the 倒排工期 dashboard: one value per child region for a chosen metric, computed
//! from the rollups (`Store::region_figures`) and the county targets, never from people.
//! `GET /api/v1/maps/{map}/{region}?metric=M&period=P`.

use crate::auth::Auth;
use crate::error::ApiError;
use crate::maps::figures::{summary, Summary};
use crate::{blocking, AppState};
use axum::extract::{Path, Query, State};
use axum::Json;
use fupin_domain::id_number::Date;
use fupin_domain::maps::rollup::{self, Tally};
use fupin_domain::maps::rollup::{NEEDS_PUBLISHED, NEEDS_REACHED};
use fupin_domain::registry::codes::{Attribute, Cause, Path as AidPath};
use fupin_domain::RegionCode;
use fupin_store::{Figures, Region};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MapKind {
    /// 贫困人口分布图
    Distribution,
    /// 扶贫措施到户到人图
    Measures,
    /// 脱贫人口动态管理图
    Dynamics,
    /// 倒排工期
    Schedule,
}

impl MapKind {
    pub const ALL: [MapKind; 4] = [MapKind::Distribution, MapKind::Measures, MapKind::Dynamics, MapKind::Schedule];

    pub fn parse(s: &str) -> Result<MapKind, ApiError> {
        MapKind::ALL.into_iter().find(|m| m.id() == s).ok_or_else(|| ApiError::not_found())
    }

    pub fn id(self) -> &'static str {
        match self {
            MapKind::Distribution => "distribution",
            MapKind::Measures => "measures",
            MapKind::Dynamics => "dynamics",
            MapKind::Schedule => "schedule",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            MapKind::Distribution => "贫困人口分布图",
            MapKind::Measures => "扶贫措施到户到人图",
            MapKind::Dynamics => "脱贫人口动态管理图",
            MapKind::Schedule => "倒排工期",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MetricDef {
    pub id: String,
    pub label: String,
    pub unit: &'static str,
}

fn def(id: impl Into<String>, label: impl Into<String>, unit: &'static str) -> MetricDef {
    MetricDef { id: id.into(), label: label.into(), unit }
}

pub fn metrics(kind: MapKind) -> Vec<MetricDef> {
    match kind {
        MapKind::Distribution => {
            let mut m = vec![
                def("remaining", "剩余贫困人口", "人"),
                def("registered", "建档立卡贫困人口", "人"),
                def("households", "建档立卡贫困户", "户"),
                def("exited", "已脱贫人口", "人"),
                def("incidence", "贫困发生率", "%"),
            ];
            m.extend(Cause::ALL.iter().map(|c| def(format!("cause:{}", c.code()), format!("致贫原因：{}（户）", c.label()), "户")));
            m.extend(Attribute::ALL.iter().map(|a| def(format!("attr:{}", a.code()), format!("{}（户）", a.label()), "户")));
            m
        }
        MapKind::Measures => {
            let mut m = vec![
                def("helped_share", "有帮扶责任人的未脱贫户占比", "%"),
                def("measured_share", "有帮扶措施的未脱贫户占比", "%"),
                def("gap:measure", "无帮扶措施的未脱贫户", "户"),
                def("gap:helper", "无帮扶责任人的未脱贫户", "户"),
                def("match_rate", "供需对接率（已对接或已满足的需求占已发布需求）", "%"),
                def("needs_open", "待认领的帮扶需求", "条"),
            ];
            m.extend(AidPath::ALL.iter().map(|p| def(format!("path:{}", p.code()), format!("{}（户）", p.label()), "户")));
            m
        }
        MapKind::Dynamics => vec![
            def("remaining", "剩余贫困人口（年末；当年截至业务日期）", "人"),
            def("exited", "当年脱贫人口", "人"),
            def("registered", "当年新识别人口", "人"),
            def("returned", "当年返贫人口", "人"),
            def("removed", "当年清退人口", "人"),
            def("net", "当年净减少（脱贫+清退−新识别−返贫）", "人"),
            def("monitored", "当前防返贫监测对象", "户"),
        ],
        MapKind::Schedule => vec![
            def("progress", "目标完成率", "%"),
            def("done", "已脱贫人口", "人"),
            def("target", "年度减贫目标", "人"),
            def("left", "剩余任务", "人"),
        ],
    }
}

fn persons(f: &Figures, metrics: &[&str]) -> i64 {
    metrics.iter().filter_map(|m| f.get(*m)).map(|t| t.persons).sum()
}

fn households(f: &Figures, metrics: &[&str]) -> i64 {
    metrics.iter().filter_map(|m| f.get(*m)).map(|t| t.households).sum()
}

fn share_of((part, whole): (i64, i64)) -> Option<f64> {
    share(part, whole)
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 10_000.0 / whole as f64).round() / 100.0)
}

/// Flow persons of `kind` (registered/exited/returned/removed) in `year`.
fn flow(f: &Figures, kind: &str, year: i32) -> i64 {
    f.get(&format!("{kind}:{year}")).map_or(0, |t: &Tally| t.persons)
}

/// Remaining poor at the end of `year` (at the business date for the current year): the sum of
/// every event's `remaining:Y` flow up to it, which equals the state counters by construction.
fn remaining_at(f: &Figures, year: i32) -> i64 {
    (2013..=year).map(|y| flow(f, "remaining", y)).sum()
}

/// The value of `metric` for one region's figures.
pub fn value(kind: MapKind, metric: &str, f: &Figures, region: &Region, period: i32) -> Option<f64> {
    let v = match (kind, metric) {
        (MapKind::Distribution, "remaining") => persons(f, &["status:1", "status:4"]),
        (MapKind::Distribution, "registered") => persons(f, &["all"]),
        (MapKind::Distribution, "households") => households(f, &["all"]),
        (MapKind::Distribution, "exited") => persons(f, &["status:2", "status:3"]),
        (MapKind::Distribution, "incidence") => return share(persons(f, &["status:1", "status:4"]), region.rural_population),
        (MapKind::Distribution, m) if m.starts_with("cause:") || m.starts_with("attr:") => households(f, &[m]),
        (MapKind::Measures, "helped_share") => return share_of(rollup::covered(f, "gap:helper")),
        (MapKind::Measures, "measured_share") => return share_of(rollup::covered(f, "gap:measure")),
        (MapKind::Measures, m) if m.starts_with("gap:") || m.starts_with("path:") => households(f, &[m]),
        (MapKind::Measures, "match_rate") => return share(households(f, &[NEEDS_REACHED]), households(f, &[NEEDS_PUBLISHED])),
        (MapKind::Measures, "needs_open") => households(f, &[NEEDS_PUBLISHED]) - households(f, &[NEEDS_REACHED]),
        (MapKind::Dynamics, "remaining") => remaining_at(f, period),
        (MapKind::Dynamics, "monitored") => f.iter().filter(|(k, _)| k.starts_with("monitored:")).map(|(_, t)| t.households).sum(),
        (MapKind::Dynamics, "net") => {
            flow(f, "exited", period) + flow(f, "removed", period) - flow(f, "registered", period) - flow(f, "returned", period)
        }
        (MapKind::Dynamics, k @ ("exited" | "registered" | "returned" | "removed")) => flow(f, k, period),
        _ => return None,
    };
    Some(v as f64)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct MapParams {
    /// Metric id (see `metrics` in the response); the map's first metric by default.
    pub metric: Option<String>,
    /// Year, for the dynamics map and the schedule; the business year by default.
    #[param(minimum = 2015, maximum = 2100)]
    pub period: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildValue {
    pub code: String,
    pub name: String,
    pub level: fupin_domain::Level,
    pub value: Option<f64>,
    pub has_polygon: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearPoint {
    pub year: i32,
    pub registered: i64,
    pub exited: i64,
    pub returned: i64,
    pub removed: i64,
    pub remaining: i64,
}

/// One row of the 倒排工期 dashboard.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduleRow {
    pub code: String,
    pub name: String,
    pub target: i64,
    pub done: i64,
    pub left: i64,
    pub days_left: i64,
    /// Exits expected by the year's end at the pace so far.
    pub projected: i64,
    /// `green` on track, `amber` within 10% short, `red` further behind.
    pub status: &'static str,
    /// projected / target, for sorting by risk (lowest first).
    pub pace: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapResponse {
    pub map: MapKind,
    pub title: &'static str,
    pub region: ChildValue,
    pub crumbs: Vec<(String, String)>,
    pub metric: String,
    pub metric_label: String,
    pub unit: &'static str,
    pub metrics: Vec<MetricDef>,
    pub period: i32,
    pub periods: Vec<i32>,
    /// The region's own value (for counts, equal to the sum of the children).
    pub total: Option<f64>,
    pub children: Vec<ChildValue>,
    /// Children counted in the total that have no polygon (development zones): shown beside
    /// the map, never dropped.
    pub without_polygon: Vec<ChildValue>,
    /// Boundaries of the children, when they are drawn as a map.
    pub geo: Option<String>,
    pub series: Vec<YearPoint>,
    pub schedule: Vec<ScheduleRow>,
    /// The business date: the current year's figures are "截至" this date, not the year's end.
    pub as_of: String,
}

fn day_of_year(d: Date) -> i64 {
    let days = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
    days[(d.month - 1) as usize] + d.day as i64 + if leap && d.month > 2 { 1 } else { 0 }
}

pub fn schedule_row(code: &str, name: &str, target: i64, f: &Figures, year: i32, as_of: Date) -> ScheduleRow {
    let done = flow(f, "exited", year);
    let (elapsed, days_left) = if as_of.year > year {
        (1.0, 0)
    } else if as_of.year < year {
        (0.0, 365)
    } else {
        let doy = day_of_year(as_of);
        (doy as f64 / 365.0, (365 - doy).max(0))
    };
    let projected = if elapsed > 0.0 { (done as f64 / elapsed).round() as i64 } else { 0 };
    let pace = if target > 0 { projected as f64 / target as f64 } else { 1.0 };
    let status = if done >= target || pace >= 1.0 {
        "green"
    } else if pace >= 0.9 {
        "amber"
    } else {
        "red"
    };
    ScheduleRow { code: code.into(), name: name.into(), target, done, left: (target - done).max(0), days_left, projected, status, pace }
}

/// The remaining poor of a year that has not ended are counted up to the business date.
fn period_label(kind: MapKind, metric: &str, period: i32, as_of: Date) -> Option<String> {
    (kind == MapKind::Dynamics && metric == "remaining").then(|| {
        if period >= as_of.year {
            format!("截至{as_of}剩余贫困人口")
        } else {
            format!("{period}年末剩余贫困人口")
        }
    })
}

/// Builds a map answer for `region` from its figures (and targets for the schedule).
pub async fn build(state: &Arc<AppState>, a: &Auth, kind: MapKind, code: &str, p: &MapParams) -> Result<MapResponse, ApiError> {
    let code = RegionCode::parse(code)?;
    let all = metrics(kind);
    let metric = p.metric.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| all[0].id.clone());
    let def = all
        .iter()
        .find(|m| m.id == metric)
        .ok_or_else(|| ApiError::bad_request("map.metric", format!("指标“{metric}”不属于{}", kind.title())))?;
    let as_of = state.today();
    let periods: Vec<i32> = (2015..=as_of.year).collect();
    let period = p.period.unwrap_or(as_of.year);
    // The schedule may look at a coming year's targets; every other map only at years past.
    if !periods.contains(&period) && (kind != MapKind::Schedule || !(2015..=2100).contains(&period)) {
        return Err(ApiError::bad_request("map.period", format!("年度{period}超出范围（2015–{}）", as_of.year)));
    }
    let caller = a.caller.clone();
    let c = code.clone();
    let wants_targets = kind == MapKind::Schedule && code.as_str().len() <= 6;
    let (figs, targets) = blocking(state, move |s| {
        let f = s.region_figures(&caller, &c)?;
        let t = if wants_targets { s.targets(&caller, &c, period)? } else { BTreeMap::new() };
        Ok((f, t))
    })
    .await?;
    let geo_b = crate::maps::geo::boundaries();
    let drawn = geo_b.has_children_polygons(code.as_str());
    let mut children = vec![];
    let mut without_polygon = vec![];
    for (r, f) in &figs.children {
        let cv = ChildValue {
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level,
            value: value(kind, &metric, f, r, period),
            has_polygon: geo_b.with_polygon.contains(&r.code),
        };
        if drawn && !cv.has_polygon {
            without_polygon.push(cv.clone());
        }
        children.push(cv);
    }
    let series = if kind == MapKind::Dynamics {
        periods
            .iter()
            .map(|&y| YearPoint {
                year: y,
                registered: flow(&figs.total, "registered", y),
                exited: flow(&figs.total, "exited", y),
                returned: flow(&figs.total, "returned", y),
                removed: flow(&figs.total, "removed", y),
                remaining: remaining_at(&figs.total, y),
            })
            .collect()
    } else {
        vec![]
    };
    let schedule = if kind == MapKind::Schedule {
        let rows: Vec<(&Region, &Figures)> =
            if code.as_str().len() == 6 { vec![(&figs.region, &figs.total)] } else { figs.children.iter().map(|(r, f)| (r, f)).collect() };
        let mut rows: Vec<ScheduleRow> = rows
            .into_iter()
            .map(|(r, f)| schedule_row(&r.code, &r.name, targets.get(&r.code).copied().unwrap_or(0), f, period, as_of))
            .collect();
        rows.sort_by(|a, b| a.pace.total_cmp(&b.pace).then(a.code.cmp(&b.code)));
        rows
    } else {
        vec![]
    };
    if kind == MapKind::Schedule {
        for c in &mut children {
            if let Some(row) = schedule.iter().find(|r| r.code == c.code) {
                c.value = Some(match metric.as_str() {
                    "done" => row.done as f64,
                    "target" => row.target as f64,
                    "left" => row.left as f64,
                    _ => share(row.done, row.target).unwrap_or(0.0),
                });
            }
        }
    }
    let region_total = if kind == MapKind::Schedule {
        let target: i64 = targets.values().sum();
        let row = schedule_row(code.as_str(), &figs.region.name, target, &figs.total, period, as_of);
        Some(match metric.as_str() {
            "done" => row.done as f64,
            "target" => row.target as f64,
            "left" => row.left as f64,
            _ => share(row.done, row.target).unwrap_or(0.0),
        })
    } else {
        value(kind, &metric, &figs.total, &figs.region, period)
    };
    let scope = a.caller.scope.region.clone();
    let mut crumbs = vec![];
    for c in code.ancestors_and_self() {
        if scope.contains(&c) && c != code {
            let cc = c.clone();
            if let Some(r) = blocking(state, move |s| s.region(&cc)).await? {
                crumbs.push((r.code, r.name));
            }
        }
    }
    Ok(MapResponse {
        map: kind,
        title: kind.title(),
        region: ChildValue {
            code: figs.region.code.clone(),
            name: figs.region.name.clone(),
            level: figs.region.level,
            value: region_total,
            has_polygon: geo_b.with_polygon.contains(&figs.region.code),
        },
        crumbs,
        metric: metric.clone(),
        metric_label: period_label(kind, &metric, period, as_of).unwrap_or_else(|| def.label.clone()),
        unit: def.unit,
        metrics: all.clone(),
        period,
        periods,
        total: region_total,
        children,
        without_polygon,
        geo: drawn.then(|| format!("/api/v1/geo/{code}")),
        series,
        schedule,
        as_of: as_of.to_string(),
    })
}

/// One value per child region for a map and metric, with the region's total.
#[utoipa::path(get, path = "/api/v1/maps/{map}/{code}", params(("map" = MapKind, Path, description = "distribution | measures | dynamics | schedule"),
    ("code" = String, Path, description = "region code", pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"), MapParams),
    responses((status = 200, body = MapResponse, description = "values per child region, the total, children without polygons"),
              (status = 400, description = "unknown metric or period"), (status = 404, description = "unknown map, or region outside jurisdiction")))]
pub async fn get_map(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path((map, code)): Path<(String, String)>,
    Query(p): Query<MapParams>,
) -> Result<Json<MapResponse>, ApiError> {
    let kind = MapKind::parse(&map)?;
    Ok(Json(build(&state, &a, kind, &code, &p).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LoadParams {
    /// Helpers listed at most (50 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Helpers in a county, township or village by number of households, over-cap ones flagged.
#[utoipa::path(get, path = "/api/v1/helpers/load/{code}", params(("code" = String, Path, description = "county, township or village code", pattern = "^([0-9]{6}|[0-9]{9}|[0-9]{12})$"), LoadParams),
    responses((status = 200, body = Vec<fupin_store::HelperLoad>, description = "helpers, heaviest first"), (status = 400, description = "region above the county"),
              (status = 404, description = "outside jurisdiction")))]
pub async fn get_helper_load(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(code): Path<String>,
    Query(p): Query<LoadParams>,
) -> Result<Json<Vec<fupin_store::HelperLoad>>, ApiError> {
    let code = RegionCode::parse(&code)?;
    let limit = p.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("query.limit", "limit应在1到500之间"));
    }
    Ok(Json(blocking(&state, move |s| s.helper_load(&a.caller, &code, limit)).await?))
}

/// The map's figures as an xlsx: one row per child region and the total.
#[utoipa::path(get, path = "/api/v1/maps/{map}/{code}/export.xlsx", params(("map" = MapKind, Path, description = "map"), ("code" = String, Path, description = "region code", pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$"), MapParams),
    responses((status = 200, description = "xlsx file"), (status = 404, description = "unknown map, or region outside jurisdiction")))]
pub async fn export_map(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path((map, code)): Path<(String, String)>,
    Query(p): Query<MapParams>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let kind = MapKind::parse(&map)?;
    let m = build(&state, &a, kind, &code, &p).await?;
    let xerr = |e: rust_xlsxwriter::XlsxError| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(m.title).map_err(xerr)?;
    let unit = if m.unit == "%" { "%".to_string() } else { m.unit.to_string() };
    for (c, h) in ["区划代码", "名称", &format!("{}（{unit}）", m.metric_label), "有边界"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).map_err(xerr)?;
    }
    for (i, c) in m.children.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &c.code).map_err(xerr)?;
        ws.write_string(r, 1, &c.name).map_err(xerr)?;
        if let Some(v) = c.value {
            ws.write_number(r, 2, v).map_err(xerr)?;
        }
        ws.write_string(r, 3, if c.has_polygon { "是" } else { "否" }).map_err(xerr)?;
    }
    let r = m.children.len() as u32 + 1;
    ws.write_string(r, 1, format!("合计 {}", m.region.name)).map_err(xerr)?;
    if let Some(v) = m.total {
        ws.write_number(r, 2, v).map_err(xerr)?;
    }
    let bytes = wb.save_to_buffer().map_err(xerr)?;
    let name = format!("attachment; filename=\"{}-{}-{}.xlsx\"", kind.id(), m.region.code, m.metric.replace(':', "_"));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionOut {
    pub code: String,
    pub name: String,
    pub level: fupin_domain::Level,
    pub summary: Summary,
    pub figures: Figures,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionResponse {
    pub region: RegionOut,
    pub children: Vec<RegionOut>,
}

fn region_out(r: &fupin_store::Region, f: Figures) -> RegionOut {
    RegionOut { code: r.code.clone(), name: r.name.clone(), level: r.level, summary: summary(&f), figures: f }
}

/// A region with its rollup figures and each child's.
#[utoipa::path(get, path = "/api/v1/regions/{code}", params(("code" = String, Path, description = "2/4/6/9/12-digit region code", pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")),
    responses((status = 200, body = RegionResponse, description = "the region and its children with figures"), (status = 400, description = "malformed code"),
              (status = 404, description = "unknown, or outside the caller's jurisdiction")))]
pub async fn get_region(State(state): State<Arc<AppState>>, a: Auth, Path(code): Path<String>) -> Result<Json<RegionResponse>, ApiError> {
    let code = RegionCode::parse(&code)?;
    let f = blocking(&state, move |s| s.region_figures(&a.caller, &code)).await?;
    Ok(Json(RegionResponse {
        region: region_out(&f.region, f.total.clone()),
        children: f.children.iter().map(|(r, fig)| region_out(r, fig.clone())).collect(),
    }))
}
