//! 重点工作任务 on the web: the officials' list and the dispatch form (`/supervision/tasks`), one
//! task at a region with its parts ranked (the 调度通报, printable), the split and the progress
//! forms; the API under `/api/v1/supervision/tasks…`; and the weekly values taken in the
//! background.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{csrf_refused, error_page, form_get, nav, options, render, FormMap, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use fupin_domain::access::Action;
use fupin_domain::id_number::Date;
use fupin_domain::supervision::task::{Indicator, Light, Part, TargetKind, TaskDraft};
use fupin_domain::{Level, RegionCode};
use fupin_store::supervision::{TaskSummary, TaskView};
use serde::Deserialize;
use std::sync::Arc;

/// Takes each computed target's weekly value once a day (the store records at most one a week).
pub fn snapshot_in_background(state: &Arc<AppState>) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let today = state.today();
            match blocking(&state, move |s| s.snapshot_tasks(today)).await {
                Ok(n) if n > 0 => tracing::info!(recorded = n, "key tasks: weekly values"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.message, "key tasks: weekly values not recorded"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegionParam {
    /// A region inside the caller's (the caller's own by default): the task read there, or the
    /// tasks reaching it.
    pub region: Option<String>,
}

fn region_param(p: &RegionParam) -> Result<Option<RegionCode>, ApiError> {
    Ok(p.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose()?)
}

/// The key tasks the caller's region holds or that were dispatched below it, the newest first,
/// each with the target, value and standing at the highest of the caller's regions holding it.
#[utoipa::path(get, path = "/api/v1/supervision/tasks", params(RegionParam),
    responses((status = 200, body = Vec<TaskSummary>, description = "the newest first"), (status = 400, description = "a malformed region code"),
        (status = 403, description = "not an official"), (status = 404, description = "a region outside the caller's")))]
pub async fn list(State(state): State<Arc<AppState>>, a: Auth, Query(p): Query<RegionParam>) -> Result<Json<Vec<TaskSummary>>, ApiError> {
    let region = region_param(&p)?;
    let today = state.today();
    Ok(Json(blocking(&state, move |s| s.tasks(&a.caller, region.as_ref(), today)).await?))
}

/// 下达: a province, city or county official dispatches a key task with its own region's target.
#[utoipa::path(post, path = "/api/v1/supervision/tasks", request_body = TaskDraft,
    responses((status = 200, body = TaskView, description = "dispatched; split it with …/{id}/split"),
        (status = 403, description = "not an official"),
        (status = 422, description = "a field refused (title, target, deadline, level, an unpublished policy)")))]
pub async fn dispatch(State(state): State<Arc<AppState>>, a: Auth, Json(d): Json<TaskDraft>) -> Result<Json<TaskView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.dispatch_task(&a.caller, &d, &at)).await?))
}

/// A task at a region: its target there and where it came from, the parts below ranked by
/// progress (the bulletin), and its progress over time.
#[utoipa::path(get, path = "/api/v1/supervision/tasks/{id}", params(("id" = String, Path, description = "task id"), RegionParam),
    responses((status = 200, body = TaskView, description = "the task at the region"), (status = 400, description = "a malformed region code"),
        (status = 404, description = "unknown, or no target of it at a region of the caller's")))]
pub async fn get_one(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Query(p): Query<RegionParam>,
) -> Result<Json<TaskView>, ApiError> {
    let region = region_param(&p)?;
    let today = state.today();
    Ok(Json(blocking(&state, move |s| s.task(&a.caller, &id, region.as_ref(), today)).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SplitBody {
    /// One part per region directly below the caller's, replacing an earlier split.
    pub parts: Vec<Part>,
}

/// 分解: the caller's region splits its target among the regions directly below it. A number's
/// parts add up to at least the target, a percentage's or yes/no's are each as strict; no part
/// is due later; a part its region has split further cannot change.
#[utoipa::path(post, path = "/api/v1/supervision/tasks/{id}/split", params(("id" = String, Path, description = "task id")), request_body = SplitBody,
    responses((status = 200, body = TaskView, description = "split"), (status = 403, description = "not an official"),
        (status = 404, description = "unknown, or no target of it at the caller's region"),
        (status = 422, description = "the parts fall short, are weaker or later, or change a part split further")))]
pub async fn split(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<SplitBody>,
) -> Result<Json<TaskView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.split_task(&a.caller, &id, &b.parts, &at)).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ProgressBody {
    /// In the task's unit: persons or items, hundredths of a percent (9850 is 98.50%), or 0/1.
    pub value: i64,
    /// What was done and the material that shows it.
    pub evidence: String,
}

/// 填报: a region holding no parts of a reported task records its progress with evidence.
#[utoipa::path(post, path = "/api/v1/supervision/tasks/{id}/progress", params(("id" = String, Path, description = "task id")), request_body = ProgressBody,
    responses((status = 200, body = TaskView, description = "recorded"), (status = 403, description = "not an official"),
        (status = 404, description = "unknown, or no target of it at the caller's region"),
        (status = 422, description = "a computed task, a region that split it, a value out of range, no evidence")))]
pub async fn progress(
    State(state): State<Arc<AppState>>,
    a: Auth,
    Path(id): Path<String>,
    Json(b): Json<ProgressBody>,
) -> Result<Json<TaskView>, ApiError> {
    let at = state.today().to_string();
    Ok(Json(blocking(&state, move |s| s.report_task(&a.caller, &id, b.value, &b.evidence, &at)).await?))
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    nav: Nav,
    list: Vec<TaskSummary>,
    may_dispatch: bool,
    form: FormMap,
    error: Option<String>,
    indicators: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    counts: Vec<(&'static str, &'static str, usize)>,
}

impl TasksPage {
    fn field(&self, k: &str) -> String {
        form_get(&self.form, k)
    }
}

/// The lights in the order an official looks at them, with how many of the list have each.
fn light_counts<'a>(lights: impl Iterator<Item = &'a Light>) -> Vec<(&'static str, &'static str, usize)> {
    let lights: Vec<Light> = lights.copied().collect();
    [Light::Overdue, Light::Red, Light::Amber, Light::Green, Light::Done]
        .into_iter()
        .map(|l| (l.code(), l.label(), lights.iter().filter(|&&x| x == l).count()))
        .collect()
}

fn may_dispatch(a: &Auth) -> bool {
    a.caller.role.may(Action::Dispatch) && fupin_domain::supervision::task::may_split(a.caller.scope.region.level())
}

async fn tasks_page(state: &Arc<AppState>, a: Auth, form: FormMap, error: Option<String>) -> Result<Response, ApiError> {
    let today = state.today();
    let caller = a.caller.clone();
    let list = blocking(state, move |s| s.tasks(&caller, None, today)).await?;
    let counts = light_counts(list.iter().map(|t| &t.row.standing.light));
    Ok(render(TasksPage {
        nav: nav(&a, state),
        may_dispatch: may_dispatch(&a),
        list,
        form,
        error,
        indicators: options(&Indicator::ALL, Indicator::code, Indicator::label),
        kinds: options(&TargetKind::ALL, TargetKind::code, TargetKind::label),
        counts,
    })
    .into_response())
}

pub async fn tasks(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    let today = state.today();
    let form: FormMap = [("year", today.year.to_string()), ("deadline", format!("{}-12-31", today.year)), ("indicator", "exits".into())]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    tasks_page(&state, a, form, None).await.unwrap_or_else(error_page)
}

fn date_field(form: &FormMap, key: &str, what: &str) -> Result<Date, String> {
    let v = form_get(form, key);
    Date::parse(&v).map_err(|_| format!("{what}应为日期（如 2017-12-31），而不是“{v}”"))
}

fn draft_of(form: &FormMap) -> Result<TaskDraft, String> {
    let indicator = Indicator::parse(&form_get(form, "indicator")).map_err(|e| e.message)?;
    let target_kind = match indicator.target_kind() {
        Some(k) => k,
        None => TargetKind::parse(&form_get(form, "target_kind")).map_err(|e| e.message)?,
    };
    let year = form_get(form, "year");
    Ok(TaskDraft {
        title: form_get(form, "title"),
        policy_id: Some(form_get(form, "policy_id")).filter(|s| !s.is_empty()),
        indicator,
        target_kind: Some(target_kind),
        unit_label: form_get(form, "unit_label"),
        year: year.parse().map_err(|_| format!("任务年度应为年份，而不是“{year}”"))?,
        target: target_kind.read(&form_get(form, "target")).map_err(|e| e.message)?,
        deadline: date_field(form, "deadline", "完成时限")?,
        down_to: Some(if form_get(form, "down_to") == "township" { Level::Township } else { Level::County }),
        unit: form_get(form, "unit"),
        person: form_get(form, "person"),
        description: form_get(form, "description"),
    })
}

pub async fn dispatch_form(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(form): Form<FormMap>) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let done = match draft_of(&form) {
        Ok(d) => {
            let (caller, at) = (a.caller.clone(), state.today().to_string());
            blocking(&state, move |s| s.dispatch_task(&caller, &d, &at)).await.map_err(|e| e.message)
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => Redirect::to(&format!("/supervision/tasks/{}?saved=dispatch", v.task.id)).into_response(),
        Err(msg) => tasks_page(&state, a, form, Some(msg)).await.unwrap_or_else(error_page),
    }
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    nav: Nav,
    v: TaskView,
    /// The split form's rows: (code, name, target, deadline, unit, person), prefilled from the
    /// current parts, or from the form that was refused.
    rows: Vec<(String, String, String, String, String, String)>,
    error: Option<String>,
    saved: Option<String>,
    counts: Vec<(&'static str, &'static str, usize)>,
    /// The sum of a number's parts against the target (for the split's heading).
    parts_sum: Option<String>,
    report_value: String,
    report_evidence: String,
    done_parts: usize,
}

impl TaskPage {
    fn yes_no(&self) -> bool {
        self.v.task.kind == TargetKind::YesNo
    }

    /// The progress bar's width: a yes/no target with parts fills by the parts done.
    fn bar(&self) -> i64 {
        if self.yes_no() && !self.v.children.is_empty() {
            self.done_parts as i64 * 100 / self.v.children.len() as i64
        } else {
            self.v.row.standing.done_bp / 100
        }
    }

    fn kind_hint(&self) -> &'static str {
        match self.v.task.kind {
            TargetKind::Number => "填写数量",
            TargetKind::Percent => "填写百分比，如 98.5",
            TargetKind::YesNo => "填写“是”或“否”",
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct PageParams {
    pub region: Option<String>,
    pub saved: Option<String>,
}

async fn task_page(
    state: &Arc<AppState>,
    a: Auth,
    id: String,
    region: Option<RegionCode>,
    refused: Option<(String, FormMap)>,
    saved: Option<String>,
) -> Result<Response, ApiError> {
    let today = state.today();
    let caller = a.caller.clone();
    let v = blocking(state, move |s| s.task(&caller, &id, region.as_ref(), today)).await?;
    let kind = v.task.kind;
    let (error, form) = match refused {
        Some((e, f)) => (Some(e), Some(f)),
        None => (None, None),
    };
    let rows = v
        .below
        .iter()
        .map(|(code, name)| {
            let part = v.children.iter().find(|c| &c.region == code);
            let pick = |k: &str, current: String| match &form {
                Some(f) => form_get(f, &format!("{k}_{code}")),
                None => current,
            };
            let target = part.map(|p| kind.show(p.target).replace(',', "")).unwrap_or_default();
            let deadline = part.map_or(v.row.deadline, |p| p.deadline).to_string();
            (
                code.clone(),
                name.clone(),
                pick("target", target),
                pick("deadline", deadline),
                pick("unit", part.map(|p| p.unit.clone()).unwrap_or_default()),
                pick("person", part.map(|p| p.person.clone()).unwrap_or_default()),
            )
        })
        .collect();
    let parts_sum = (kind == TargetKind::Number && !v.children.is_empty()).then(|| kind.show(v.children.iter().map(|c| c.target).sum()));
    let counts = light_counts(v.children.iter().map(|c| &c.standing.light));
    let (report_value, report_evidence) = match &form {
        Some(f) => (form_get(f, "value"), form_get(f, "evidence")),
        None => (String::new(), String::new()),
    };
    let done_parts = v.children.iter().filter(|c| c.standing.light == Light::Done).count();
    Ok(render(TaskPage { nav: nav(&a, state), v, rows, error, saved, counts, parts_sum, report_value, report_evidence, done_parts })
        .into_response())
}

pub async fn task(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Response {
    let region = match p.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(RegionCode::parse).transpose() {
        Ok(r) => r,
        Err(e) => return error_page(e.into()),
    };
    task_page(&state, a, id, region, None, p.saved).await.unwrap_or_else(error_page)
}

/// The split form's parts: one per region below that has a target filled in.
fn parts_of(form: &FormMap, kind: TargetKind) -> Result<Vec<Part>, String> {
    let mut codes: Vec<&str> = form.keys().filter_map(|k| k.strip_prefix("target_")).collect();
    codes.sort_unstable();
    let mut parts = vec![];
    for code in codes {
        let t = form_get(form, &format!("target_{code}"));
        if t.is_empty() {
            continue;
        }
        let region = RegionCode::parse(code).map_err(|e| e.message)?;
        parts.push(Part {
            target: kind.read(&t).map_err(|e| format!("{code}：{}", e.message))?,
            deadline: date_field(form, &format!("deadline_{code}"), "完成时限")?,
            unit: form_get(form, &format!("unit_{code}")),
            person: form_get(form, &format!("person_{code}")),
            region,
        });
    }
    Ok(parts)
}

/// The task's kind, read for the form's values (the store checks everything again).
async fn kind_of(state: &Arc<AppState>, a: &Auth, id: &str) -> Result<TargetKind, ApiError> {
    let (caller, id, today) = (a.caller.clone(), id.to_string(), state.today());
    Ok(blocking(state, move |s| s.task(&caller, &id, None, today)).await?.task.kind)
}

/// A store command a task form sends, built from the form's values.
type Command = Box<dyn FnOnce(&dyn fupin_store::Store) -> Result<TaskView, fupin_store::StoreError> + Send>;

/// The way both task forms go: the token, the task's kind for reading the values, the command,
/// then the task's page again — `saved` on success, or the refusal with what was typed.
async fn task_form(
    state: Arc<AppState>,
    a: Auth,
    id: String,
    form: FormMap,
    saved: &str,
    command: impl FnOnce(TargetKind, &FormMap, fupin_domain::access::Caller, String) -> Result<Command, String>,
) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let kind = match kind_of(&state, &a, &id).await {
        Ok(k) => k,
        Err(e) => return error_page(e),
    };
    let done = match command(kind, &form, a.caller.clone(), state.today().to_string()) {
        Ok(cmd) => blocking(&state, cmd).await.map(|_| ()).map_err(|e| e.message),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to(&format!("/supervision/tasks/{id}?saved={saved}")).into_response(),
        Err(msg) => task_page(&state, a, id, None, Some((msg, form)), None).await.unwrap_or_else(error_page),
    }
}

pub async fn split_form(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(form): Form<FormMap>,
) -> Response {
    let task = id.clone();
    task_form(state, a, id, form, "split", move |kind, form, caller, at| {
        let parts = parts_of(form, kind)?;
        Ok(Box::new(move |s| s.split_task(&caller, &task, &parts, &at)))
    })
    .await
}

pub async fn progress_form(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Form(form): Form<FormMap>,
) -> Response {
    let task = id.clone();
    task_form(state, a, id, form, "progress", move |kind, form, caller, at| {
        let value = kind.read(&form_get(form, "value")).map_err(|e| e.message)?;
        let evidence = form_get(form, "evidence");
        Ok(Box::new(move |s| s.report_task(&caller, &task, value, &evidence, &at)))
    })
    .await
}
