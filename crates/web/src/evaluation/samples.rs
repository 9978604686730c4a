//! 第三方评估's samples on the web: the evaluator draws a county's sample from a seed it
//! publishes (`POST /api/v1/evaluation/evaluations`, the page `/evaluation/samples`); officials
//! above the county and its evaluator read the evaluation, its field list and the frozen frame
//! (`…/{id}/frame.csv`: with the seed, what anyone needs to redraw the sample).

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{csrf_refused, error_page, filters, form_get, nav, render, FormMap, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use fupin_domain::access::Action;
use fupin_domain::evaluation::field::{FieldResult, OutsideHousehold};
use fupin_domain::evaluation::sample::{Kind, Plan};
use fupin_domain::RegionCode;
use fupin_store::evaluation::samples::frame_lines;
use fupin_store::evaluation::{Estimates, Evaluation, EvaluationDetail, FieldUnit};
use serde::Deserialize;
use std::sync::Arc;

/// What the evaluator sends to draw a sample.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DrawBody {
    /// The county (6 digits).
    pub county: String,
    /// The year evaluated.
    pub year: i32,
    /// The seed published with the sample (any whole number from 0 to 2⁶⁴−1).
    pub seed: u64,
    /// Villages to draw (2–100) and households of each kind per village (0–200).
    pub villages: usize,
    pub still_poor: usize,
    pub exited: usize,
    pub outside: usize,
}

async fn draw(state: &Arc<AppState>, a: &Auth, b: DrawBody) -> Result<Evaluation, ApiError> {
    let county = RegionCode::parse(b.county.trim())?;
    let plan = Plan { seed: b.seed, villages: b.villages, still_poor: b.still_poor, exited: b.exited, outside: b.outside };
    let (caller, at) = (a.caller.clone(), state.today().to_string());
    blocking(state, move |s| s.draw_sample(&caller, &county, b.year, &plan, &at)).await
}

/// Freezes the county's frame and draws the sample: villages by systematic PPS in two strata,
/// files by simple random sampling within them, every part seeded from `seed`.
#[utoipa::path(post, path = "/api/v1/evaluation/evaluations", request_body = DrawBody,
    responses((status = 200, body = Evaluation, description = "drawn; the field list is at …/{id}"),
        (status = 400, description = "a malformed county code"),
        (status = 403, description = "not a third-party evaluator"),
        (status = 404, description = "a county outside the evaluator's jurisdiction"),
        (status = 422, description = "not a county, a year or plan out of range, or too few villages")))]
pub async fn post_evaluation(State(state): State<Arc<AppState>>, a: Auth, Json(b): Json<DrawBody>) -> Result<Json<Evaluation>, ApiError> {
    Ok(Json(draw(&state, &a, b).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// A region: the evaluations of its counties (default the caller's own region).
    pub region: Option<String>,
}

fn region_or_own(a: &Auth, region: Option<&str>) -> Result<RegionCode, ApiError> {
    match region.map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => Ok(RegionCode::parse(r)?),
        None => Ok(a.caller.scope.region.clone()),
    }
}

/// The evaluations of the counties in a region, newest first.
#[utoipa::path(get, path = "/api/v1/evaluation/evaluations", params(ListParams),
    responses((status = 200, body = Vec<Evaluation>, description = "newest first"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "a role that does not read files"), (status = 404, description = "a region outside the caller's")))]
pub async fn list_evaluations(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<Evaluation>>, ApiError> {
    let region = region_or_own(&a, p.region.as_deref())?;
    Ok(Json(blocking(&state, move |s| s.evaluations(&a.caller, &region)).await?))
}

/// An evaluation, its sampled villages (stratum, probability) and its field list (the head's
/// name, persons and design weight of each sampled file; no ID number, no phone).
#[utoipa::path(get, path = "/api/v1/evaluation/evaluations/{id}", params(("id" = String, Path, description = "evaluation id")),
    responses((status = 200, body = EvaluationDetail, description = "the evaluation"), (status = 404, description = "unknown, or outside the caller's jurisdiction")))]
pub async fn get_evaluation(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
) -> Result<Json<EvaluationDetail>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.evaluation(&a.caller, &id)).await?))
}

/// The frozen frame as CSV (`village,kind,household_id,persons`; villages first, with their rural
/// population): its SHA-256 is the evaluation's `frame_digest`.
#[utoipa::path(get, path = "/api/v1/evaluation/evaluations/{id}/frame.csv", params(("id" = String, Path, description = "evaluation id")),
    responses((status = 200, content_type = "text/csv", body = String, description = "the frame"), (status = 404, description = "unknown, or outside the caller's jurisdiction")))]
pub async fn get_frame(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Response, ApiError> {
    let (villages, files) = blocking(&state, move |s| s.evaluation_frame(&a.caller, &id)).await?;
    let mut body = frame_lines(&villages, &files).join("\n");
    body.push('\n');
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

#[derive(Template)]
#[template(path = "evaluations.html")]
struct EvaluationsPage {
    nav: Nav,
    list: Vec<Evaluation>,
    may_draw: bool,
    /// The form's values (kept when a draw is refused) and why it was refused.
    form: FormMap,
    error: Option<String>,
    counties: Vec<(String, String)>,
}

impl EvaluationsPage {
    fn field(&self, k: &str) -> String {
        form_get(&self.form, k)
    }
}

#[derive(Template)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    nav: Nav,
    d: EvaluationDetail,
    est: Estimates,
    may_record: bool,
    saved: Option<i64>,
    village_names: std::collections::BTreeMap<String, String>,
    counts: Vec<(&'static str, usize)>,
}

/// The counties an evaluator may draw in: its own, or those of its city or province.
async fn counties_of(state: &Arc<AppState>, a: &Auth) -> Result<Vec<(String, String)>, ApiError> {
    let scope = a.caller.scope.region.clone();
    blocking(state, move |s| {
        let mut regions = vec![scope];
        let mut counties = vec![];
        while let Some(r) = regions.pop() {
            if r.level() == fupin_domain::Level::County {
                if let Some(c) = s.region(&r)? {
                    counties.push((c.code, c.name));
                }
                continue;
            }
            for c in s.child_regions(&r)? {
                if let Ok(code) = RegionCode::parse(&c.code) {
                    if code.level() <= fupin_domain::Level::County {
                        regions.push(code);
                    }
                }
            }
        }
        counties.sort();
        Ok(counties)
    })
    .await
}

async fn evaluations_page(state: &Arc<AppState>, a: Auth, form: FormMap, error: Option<String>) -> Result<Response, ApiError> {
    let own = a.caller.scope.region.clone();
    let caller = a.caller.clone();
    let list = blocking(state, move |s| s.evaluations(&caller, &own)).await?;
    let may_draw = a.caller.role.may(Action::Evaluate);
    let counties = if may_draw { counties_of(state, &a).await? } else { vec![] };
    Ok(render(EvaluationsPage { nav: nav(&a, state), list, may_draw, form, error, counties }).into_response())
}

pub async fn evaluations(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    let today = state.today();
    // A fresh form proposes the business date as the seed; the evaluator may publish any other.
    let form: FormMap = [
        ("year", (today.year - 1).to_string()),
        ("seed", today.to_string().replace('-', "")),
        ("villages", "20".into()),
        ("still_poor", "8".into()),
        ("exited", "8".into()),
        ("outside", "16".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    evaluations_page(&state, a, form, None).await.unwrap_or_else(error_page)
}

fn number<T: std::str::FromStr>(form: &FormMap, key: &str, what: &str) -> Result<T, String> {
    let v = form_get(form, key);
    v.trim().parse().map_err(|_| format!("{what}应为整数，而不是“{v}”"))
}

fn body_of(form: &FormMap) -> Result<DrawBody, String> {
    Ok(DrawBody {
        county: form_get(form, "county").to_string(),
        year: number(form, "year", "评估年度")?,
        seed: number(form, "seed", "随机种子")?,
        villages: number(form, "villages", "抽取村数")?,
        still_poor: number(form, "still_poor", "每村未脱贫户数")?,
        exited: number(form, "exited", "每村已脱贫户数")?,
        outside: number(form, "outside", "每村非建档立卡户数")?,
    })
}

pub async fn draw_form(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(form): Form<FormMap>) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let drawn = match body_of(&form) {
        Ok(b) => draw(&state, &a, b).await.map_err(|e| e.message),
        Err(e) => Err(e),
    };
    match drawn {
        Ok(e) => Redirect::to(&format!("/evaluation/samples/{}", e.id)).into_response(),
        Err(msg) => evaluations_page(&state, a, form, Some(msg)).await.unwrap_or_else(error_page),
    }
}

#[derive(Debug, Deserialize)]
pub struct SavedParam {
    pub saved: Option<i64>,
}

pub async fn evaluation_page(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Query(q): Query<SavedParam>,
) -> Response {
    let result = async {
        let caller = a.caller.clone();
        let (d, est) = blocking(&state, move |s| Ok((s.evaluation(&caller, &id)?, s.estimates(&caller, &id)?))).await?;
        let village_names = d.villages.iter().map(|v| (v.code.clone(), v.name.clone())).collect();
        let counts = Kind::ALL
            .iter()
            .filter(|&&k| k != Kind::Outside)
            .map(|&k| (k.label(), d.units.iter().filter(|u| u.kind == k).count()))
            .collect();
        let may_record = a.caller.role.may(Action::Evaluate) && d.evaluation.state == "fieldwork";
        Ok::<_, ApiError>(EvaluationPage { nav: nav(&a, &state), d, est, may_record, saved: q.saved, village_names, counts })
    }
    .await;
    match result {
        Ok(page) => render(page).into_response(),
        Err(e) => error_page(e),
    }
}

/// A result for sampled household `n` of the field list.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ResultBody {
    pub n: i64,
    pub result: FieldResult,
}

/// The evaluator records (or corrects) what it found at a sampled household: 错退 for an exited
/// file, nothing of the kind for a still-poor one, and whether the household is satisfied.
#[utoipa::path(post, path = "/api/v1/evaluation/evaluations/{id}/results", params(("id" = String, Path, description = "evaluation id")), request_body = ResultBody,
    responses((status = 200, body = FieldUnit, description = "recorded"), (status = 403, description = "not a third-party evaluator"),
        (status = 404, description = "unknown evaluation or household, or outside the evaluator's jurisdiction"),
        (status = 422, description = "a question not of the household's kind, a finding without its reason, no enumerator, or the evaluation closed")))]
pub async fn post_result(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ResultBody>,
) -> Result<Json<FieldUnit>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.record_result(&a.caller, &id, b.n, &b.result, &at)).await?))
}

/// A household outside the register found in a sampled village, with its result.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OutsideBody {
    pub household: OutsideHousehold,
    pub result: FieldResult,
}

/// The evaluator adds a household outside the register it found in a sampled village (up to the
/// plan's quota per village) with whether it should have been registered (漏评).
#[utoipa::path(post, path = "/api/v1/evaluation/evaluations/{id}/outside", params(("id" = String, Path, description = "evaluation id")), request_body = OutsideBody,
    responses((status = 200, body = FieldUnit, description = "added to the field list"), (status = 403, description = "not a third-party evaluator"),
        (status = 404, description = "unknown evaluation, or outside the evaluator's jurisdiction"),
        (status = 422, description = "a village not sampled, the village's quota met, a name or size out of range, or a result refused")))]
pub async fn post_outside(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<OutsideBody>,
) -> Result<Json<FieldUnit>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.add_outside(&a.caller, &id, &b.household, &b.result, &at)).await?))
}

/// 错退率, 漏评率 and 群众认可度 with their 95% Korn–Graubard intervals from the results so far,
/// each judged against its threshold, and the county's exit verdict.
#[utoipa::path(get, path = "/api/v1/evaluation/evaluations/{id}/estimates", params(("id" = String, Path, description = "evaluation id")),
    responses((status = 200, body = Estimates, description = "the estimates and the verdict"), (status = 404, description = "unknown, or outside the caller's jurisdiction")))]
pub async fn get_estimates(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Estimates>, ApiError> {
    Ok(Json(blocking(&state, move |s| s.estimates(&a.caller, &id)).await?))
}

#[derive(Template)]
#[template(path = "evaluation_unit.html")]
struct UnitPage {
    nav: Nav,
    evaluation: Evaluation,
    /// The sampled household, or None for a new household outside the register.
    unit: Option<FieldUnit>,
    kind: Kind,
    village: String,
    village_name: String,
    form: FormMap,
    error: Option<String>,
}

impl UnitPage {
    fn field(&self, k: &str) -> String {
        form_get(&self.form, k)
    }
}

/// The form's fields of a result already recorded (or empty).
fn form_of(r: Option<&FieldResult>) -> FormMap {
    let yes_no = |b: Option<bool>| b.map_or("", |b| if b { "1" } else { "0" }).to_string();
    let mut f = FormMap::new();
    if let Some(r) = r {
        f.insert("wrong_exit".into(), yes_no(r.wrong_exit));
        f.insert("omitted".into(), yes_no(r.omitted));
        f.insert("satisfied".into(), yes_no(r.satisfied));
        f.insert("reason".into(), r.reason.clone());
        f.insert("enumerator".into(), r.enumerator.clone());
    }
    f
}

fn yes_no(form: &FormMap, k: &str) -> Option<bool> {
    match form_get(form, k).as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    }
}

fn result_of(form: &FormMap, kind: Kind) -> FieldResult {
    FieldResult {
        wrong_exit: if kind == Kind::Exited { yes_no(form, "wrong_exit") } else { None },
        omitted: if kind == Kind::Outside { yes_no(form, "omitted") } else { None },
        satisfied: yes_no(form, "satisfied"),
        reason: form_get(form, "reason"),
        enumerator: form_get(form, "enumerator"),
    }
}

#[derive(Debug, Deserialize)]
pub struct VillageParam {
    pub village: Option<String>,
}

/// The page of one household of the field list (`n`), or of a new one outside the register
/// (`n` = `outside`, `?village=`).
async fn unit_page(
    state: &Arc<AppState>,
    a: &Auth,
    id: String,
    n: &str,
    village: Option<String>,
    form: Option<FormMap>,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let caller = a.caller.clone();
    let d = blocking(state, move |s| s.evaluation(&caller, &id)).await?;
    let (unit, kind, village) = if n == "outside" {
        let v = village.unwrap_or_default();
        (None, Kind::Outside, v)
    } else {
        let n: i64 = n.parse().map_err(|_| ApiError::not_found())?;
        let u = d.units.iter().find(|u| u.n == n).cloned().ok_or_else(ApiError::not_found)?;
        (Some(u.clone()), u.kind, u.village)
    };
    let village_name = d.villages.iter().find(|v| v.code == village).map(|v| v.name.clone()).ok_or_else(ApiError::not_found)?;
    let form = form.unwrap_or_else(|| form_of(unit.as_ref().and_then(|u| u.result.as_ref())));
    Ok(render(UnitPage { nav: nav(a, state), evaluation: d.evaluation, unit, kind, village, village_name, form, error }).into_response())
}

pub async fn unit_form(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, n)): Path<(String, String)>,
    Query(q): Query<VillageParam>,
) -> Response {
    if !a.caller.role.may(Action::Evaluate) {
        return error_page(ApiError::new(axum::http::StatusCode::FORBIDDEN, "forbidden", "只有第三方评估机构可以录入调查结果"));
    }
    unit_page(&state, &a, id, &n, q.village, None, None).await.unwrap_or_else(error_page)
}

pub async fn unit_post(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, n)): Path<(String, String)>,
    Form(form): Form<FormMap>,
) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let at = state.today().to_string();
    let (caller, eid) = (a.caller.clone(), id.clone());
    let saved = if n == "outside" {
        let household = OutsideHousehold {
            village: form_get(&form, "village"),
            head: form_get(&form, "head"),
            persons: form_get(&form, "persons").parse().unwrap_or(0),
        };
        let result = result_of(&form, Kind::Outside);
        blocking(&state, move |s| s.add_outside(&caller, &eid, &household, &result, &at)).await
    } else {
        match n.parse::<i64>() {
            Ok(number) => {
                let kind = Kind::parse(&form_get(&form, "kind")).unwrap_or(Kind::StillPoor);
                let result = result_of(&form, kind);
                blocking(&state, move |s| s.record_result(&caller, &eid, number, &result, &at)).await
            }
            Err(_) => Err(ApiError::not_found()),
        }
    };
    match saved {
        Ok(u) => Redirect::to(&format!("/evaluation/samples/{id}?saved={}#unit-{}", u.n, u.n)).into_response(),
        Err(e) if e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let village = Some(form_get(&form, "village")).filter(|v| !v.is_empty());
            unit_page(&state, &a, id, &n, village, Some(form), Some(e.message)).await.unwrap_or_else(error_page)
        }
        Err(e) => error_page(e),
    }
}

/// The evaluator ends the field work: no result is recorded after it, and the verdict as it
/// stands goes on the county's chain.
#[utoipa::path(post, path = "/api/v1/evaluation/evaluations/{id}/close", params(("id" = String, Path, description = "evaluation id")),
    responses((status = 200, body = Evaluation, description = "closed"), (status = 403, description = "not a third-party evaluator"),
        (status = 404, description = "unknown, or outside the evaluator's jurisdiction"), (status = 422, description = "already closed, or nothing recorded yet")))]
pub async fn post_close(State(state): State<Arc<AppState>>, a: Auth, Path(id): Path<String>) -> Result<Json<Evaluation>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.close_evaluation(&a.caller, &id, &at)).await?))
}

pub async fn close_form(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(form): Form<FormMap>,
) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let at = state.today().to_string();
    let (caller, eid) = (a.caller.clone(), id.clone());
    match blocking(&state, move |s| s.close_evaluation(&caller, &eid, &at)).await {
        Ok(_) => Redirect::to(&format!("/evaluation/samples/{id}")).into_response(),
        Err(e) => error_page(e),
    }
}
