//! 扶贫资金's pages: the desk (`/funds`: the year's money by county, source and kind, the flags,
//! the allocations with their formula, the projects; the allocation form for the province and
//! the cities, previewed before it is published; the project form for a county), one project
//! (`/funds/projects/{id}`: its budget, households, notices, payments and flags, with the steps,
//! notice and payment forms of its county), and 项目公示 for everyone (`/public/projects`).

use super::api::region_of;
use crate::auth::{Auth, MaybeAuth, PageAuth};
use crate::error::ApiError;
use crate::ui::{csrf_refused, error_page, filters, form_get, nav, options, render, FormMap, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use fupin_domain::access::{Action, Caller};
use fupin_domain::funds::allocation::{AllocationDraft, Factor, Weight};
use fupin_domain::funds::project::{
    Beneficiary, BudgetLine, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectState, ProjectStep,
};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::{Level, RegionCode, Yuan};
use fupin_store::funds::{Allocation, Flag, FundsReport, ProjectQuery, ProjectSummary, ProjectView, PublicProject};
use fupin_store::{Page, StoreError};
use serde::Deserialize;
use std::sync::Arc;

/// Paid over allocated, as people read it.
fn rate(permille: &Option<i64>) -> String {
    permille.map_or_else(|| "—".into(), |p| format!("{}.{}%", p / 10, p % 10))
}

/// The sources a level shares among its counties by the factor method.
fn allocated_sources(level: Level) -> Vec<(&'static str, &'static str)> {
    FundSource::ALL.iter().filter(|s| s.allocated_by(level)).map(|s| (s.code(), s.label())).collect()
}

fn may_allocate(c: &Caller) -> bool {
    c.role.may(Action::AllocateFunds) && matches!(c.scope.region.level(), Level::Province | Level::City)
}

fn may_record(c: &Caller) -> bool {
    c.role.may(Action::ManageProjects) && c.scope.region.level() == Level::County
}

#[derive(Debug, Deserialize, Default)]
pub struct DeskParams {
    pub region: Option<String>,
    pub year: Option<i32>,
    pub state: Option<String>,
    pub saved: Option<String>,
}

/// What the desk's forms carry back: the one refused or previewed, with what was typed.
#[derive(Default)]
struct Typed {
    form: FormMap,
    error: Option<String>,
    /// Which form the error or the preview belongs to: `allocation` or `project`.
    which: &'static str,
    preview: Option<Allocation>,
}

#[derive(Template)]
#[template(path = "funds.html")]
struct DeskPage {
    nav: Nav,
    year: i32,
    years: Vec<i32>,
    region: String,
    state: String,
    report: FundsReport,
    flags: Vec<Flag>,
    allocations: Vec<Allocation>,
    projects: Page<ProjectSummary>,
    states: Vec<(&'static str, &'static str)>,
    may_allocate: bool,
    may_record: bool,
    sources: Vec<(&'static str, &'static str)>,
    budget_sources: Vec<(&'static str, &'static str)>,
    factors: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    mechanisms: Vec<(&'static str, &'static str)>,
    /// Where a county's project may be: the county and its townships.
    places: Vec<(String, String)>,
    typed: Typed,
    saved: Option<String>,
}

impl DeskPage {
    fn field(&self, k: &str) -> String {
        form_get(&self.typed.form, k)
    }

    fn rate(&self, p: &Option<i64>) -> String {
        rate(p)
    }

    /// An amount in 万元 for the cards (a province's billions do not fit a phone's card in 元).
    fn wan(&self, y: &Yuan) -> String {
        let fen = y.fen();
        crate::ui::thousands(&format!("{}.{:02}", fen / 1_000_000, fen % 1_000_000 / 10_000))
    }

    fn error_of(&self, which: &str) -> Option<&String> {
        self.typed.error.as_ref().filter(|_| self.typed.which == which)
    }
}

/// The allocation form's defaults: this year, the level's first source, the default weights.
fn allocation_defaults(c: &Caller, year: i32) -> FormMap {
    let mut f: FormMap = FormMap::new();
    f.insert("year".into(), year.to_string());
    if let Some((s, _)) = allocated_sources(c.scope.region.level()).first() {
        f.insert("source".into(), (*s).into());
    }
    for (factor, w) in Factor::DEFAULT_WEIGHTS {
        f.insert(format!("weight_{}", factor.code()), w.to_string());
    }
    f.insert("p_year".into(), year.to_string());
    f.insert("p_region".into(), c.scope.region.as_str().into());
    f
}

async fn desk_page(state: &Arc<AppState>, a: Auth, p: DeskParams, typed: Typed) -> Result<Response, ApiError> {
    let today = state.today();
    let year = p.year.unwrap_or(today.year);
    let region = region_of(p.region.as_deref())?;
    let project_state = p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(ProjectState::parse).transpose()?;
    let caller = a.caller.clone();
    let q = ProjectQuery { region: region.clone(), year: Some(year), state: project_state, kind: None, page: 0, per_page: 50 };
    let (report, flags, allocations, projects, places) = blocking(state, move |s| {
        let report = s.funds_report(&caller, region.as_ref(), year)?;
        let flags = s.funds_flags(&caller, region.as_ref(), today)?;
        let allocations = s.allocations(&caller, year, region.as_ref())?;
        let projects = s.projects(&caller, &q)?;
        let places = if may_record(&caller) {
            let own = s.region(&caller.scope.region)?.map(|r| (r.code, r.name)).into_iter();
            own.chain(s.child_regions(&caller.scope.region)?.into_iter().map(|r| (r.code, r.name))).collect()
        } else {
            vec![]
        };
        Ok((report, flags, allocations, projects, places))
    })
    .await?;
    let typed = if typed.form.is_empty() { Typed { form: allocation_defaults(&a.caller, year), ..typed } } else { typed };
    Ok(render(DeskPage {
        years: (2014..=today.year + 1).rev().collect(),
        region: report.region.clone(),
        state: project_state.map(|s| s.code().to_string()).unwrap_or_default(),
        states: options(ProjectState::ALL, ProjectState::code, ProjectState::label),
        may_allocate: may_allocate(&a.caller),
        may_record: may_record(&a.caller),
        sources: allocated_sources(a.caller.scope.region.level()),
        budget_sources: options(FundSource::ALL, FundSource::code, FundSource::label),
        factors: options(Factor::ALL, Factor::code, Factor::label),
        kinds: options(ProjectKind::ALL, ProjectKind::code, ProjectKind::label),
        mechanisms: options(Mechanism::ALL, Mechanism::code, Mechanism::label),
        nav: nav(&a, state),
        year,
        report,
        flags,
        allocations,
        projects,
        places,
        typed,
        saved: p.saved,
    })
    .into_response())
}

pub async fn desk(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Query(p): Query<DeskParams>) -> Response {
    desk_page(&state, a, p, Typed::default()).await.unwrap_or_else(error_page)
}

fn year_field(form: &FormMap, key: &str) -> Result<i32, String> {
    let v = form_get(form, key);
    v.parse().map_err(|_| format!("年度应为年份（如 2016），而不是“{v}”"))
}

fn yuan_field(form: &FormMap, key: &str, what: &str) -> Result<Yuan, String> {
    Yuan::parse(&form_get(form, key)).map_err(|e| format!("{what}：{}", e.message))
}

fn date_field(form: &FormMap, key: &str, what: &str) -> Result<Date, String> {
    let v = form_get(form, key);
    Date::parse(&v).map_err(|_| format!("{what}应为日期（如 2017-05-01），而不是“{v}”"))
}

fn allocation_of(form: &FormMap) -> Result<AllocationDraft, String> {
    let mut weights = vec![];
    for &f in Factor::ALL {
        let v = form_get(form, &format!("weight_{}", f.code()));
        if v.is_empty() || v == "0" {
            continue;
        }
        let percent = v.parse().map_err(|_| format!("“{}”的权重应为0至100的整数，而不是“{v}”", f.label()))?;
        weights.push(Weight { factor: f, percent });
    }
    Ok(AllocationDraft {
        year: year_field(form, "year")?,
        source: FundSource::parse(&form_get(form, "source")).map_err(|e| e.message)?,
        total: yuan_field(form, "total", "资金总额")?,
        title: form_get(form, "title"),
        document: form_get(form, "document"),
        weights,
    })
}

/// The allocation form: 预览 shows the lines on the desk with the form kept; 下达 publishes.
pub async fn allocate(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(form): Form<FormMap>) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let publish = form_get(&form, "go") == "publish";
    let done = match allocation_of(&form) {
        Ok(d) => {
            let (caller, at) = (a.caller.clone(), state.today().to_string());
            blocking(&state, move |s| if publish { s.publish_allocation(&caller, &d, &at) } else { s.preview_allocation(&caller, &d, &at) })
                .await
                .map_err(|e| e.message)
        }
        Err(e) => Err(e),
    };
    let year = year_field(&form, "year").ok();
    let p = DeskParams { year, ..Default::default() };
    match done {
        Ok(al) if publish => Redirect::to(&format!("/funds?year={}&saved=publish", al.year)).into_response(),
        Ok(al) => {
            desk_page(&state, a, p, Typed { form, which: "allocation", preview: Some(al), error: None }).await.unwrap_or_else(error_page)
        }
        Err(msg) => {
            desk_page(&state, a, p, Typed { form, which: "allocation", error: Some(msg), preview: None }).await.unwrap_or_else(error_page)
        }
    }
}

/// The households a project benefits, one a line: the file's number and how it benefits (the
/// code or the Chinese name; 直接补助 when left out).
fn beneficiaries_of(text: &str) -> Result<Vec<Beneficiary>, String> {
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split(|c: char| c.is_whitespace() || c == ',' || c == '，').filter(|s| !s.is_empty());
        let Some(id) = parts.next() else { continue };
        let mechanism = match parts.next() {
            None => Mechanism::Subsidy,
            Some(m) => Mechanism::ALL
                .iter()
                .copied()
                .find(|x| x.code() == m || x.label() == m)
                .ok_or_else(|| format!("受益户第{}行：带贫机制“{m}”不是务工就业、入股分红、产业带动、设施受益、直接补助之一", n + 1))?,
        };
        out.push(Beneficiary { household_id: id.to_string(), mechanism });
    }
    Ok(out)
}

fn project_of(form: &FormMap) -> Result<ProjectDraft, String> {
    let mut budget = vec![];
    for &s in FundSource::ALL {
        let key = format!("budget_{}", s.code());
        if !form_get(form, &key).is_empty() {
            budget.push(BudgetLine { source: s, amount: yuan_field(form, &key, s.label())? });
        }
    }
    Ok(ProjectDraft {
        region: RegionCode::parse(&form_get(form, "p_region")).map_err(|e| e.message)?,
        year: year_field(form, "p_year")?,
        name: form_get(form, "name"),
        kind: ProjectKind::parse(&form_get(form, "kind")).map_err(|e| e.message)?,
        description: form_get(form, "description"),
        implementer: form_get(form, "implementer"),
        budget,
        beneficiaries: beneficiaries_of(&form_get(form, "beneficiaries"))?,
    })
}

/// 项目入库 from the desk's form.
pub async fn record(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth, Form(form): Form<FormMap>) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    let done = match project_of(&form) {
        Ok(d) => {
            let (caller, at) = (a.caller.clone(), state.today().to_string());
            blocking(&state, move |s| s.record_project(&caller, &d, &at)).await.map_err(|e| e.message)
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => Redirect::to(&format!("/funds/projects/{}?saved=record", v.project.id)).into_response(),
        Err(msg) => {
            let p = DeskParams { year: year_field(&form, "p_year").ok(), ..Default::default() };
            desk_page(&state, a, p, Typed { form, which: "project", error: Some(msg), preview: None }).await.unwrap_or_else(error_page)
        }
    }
}

#[derive(Template)]
#[template(path = "funds_project.html")]
struct ProjectPage {
    nav: Nav,
    v: ProjectView,
    /// Households link to their files only for those who read files.
    files: bool,
    form: FormMap,
    error: Option<String>,
    saved: Option<String>,
    notice_kinds: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
}

impl ProjectPage {
    fn field(&self, k: &str) -> String {
        form_get(&self.form, k)
    }

    fn budget_left(&self) -> Yuan {
        self.v.project.budget - self.v.project.paid
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedParam {
    pub saved: Option<String>,
}

async fn project_page(
    state: &Arc<AppState>,
    a: Auth,
    id: String,
    refused: Option<(String, FormMap)>,
    saved: Option<String>,
) -> Result<Response, ApiError> {
    let (caller, at) = (a.caller.clone(), state.today().to_string());
    let v = blocking(state, move |s| s.project(&caller, &id, &at)).await?;
    let today = state.today();
    let (error, form) = match refused {
        Some((e, f)) => (Some(e), f),
        None => {
            let to = Date::from_day_number(today.day_number() + 10);
            let f: FormMap = [
                ("from", today.to_string()),
                ("to", to.to_string()),
                ("kind", if v.project.state == ProjectState::Accepted { "result" } else { "plan" }.into()),
                ("paid_on", today.to_string()),
                ("source", v.budget_lines.first().map_or("central", |b| b.source.code()).into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            (None, f)
        }
    };
    let sources = v.budget_lines.iter().map(|b| (b.source.code(), b.source.label())).collect();
    Ok(render(ProjectPage {
        nav: nav(&a, state),
        files: a.caller.role.may(Action::ReadFiles),
        v,
        form,
        error,
        saved,
        notice_kinds: options(NoticeKind::ALL, NoticeKind::code, NoticeKind::label),
        sources,
    })
    .into_response())
}

pub async fn project(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path(id): Path<String>,
    Query(p): Query<SavedParam>,
) -> Response {
    project_page(&state, a, id, None, p.saved).await.unwrap_or_else(error_page)
}

type Command = Box<dyn FnOnce(&dyn fupin_store::Store) -> Result<ProjectView, StoreError> + Send>;

fn command_of(action: &str, form: &FormMap, caller: Caller, id: String, at: String) -> Result<Command, String> {
    match action {
        "step" => {
            let step = match form_get(form, "step").as_str() {
                "approve" => ProjectStep::Approve,
                "start" => ProjectStep::Start,
                "accept" => ProjectStep::Accept,
                other => return Err(format!("没有“{other}”这一步")),
            };
            let version = form_get(form, "version").parse().map_err(|_| "页面已过期，请刷新后重试".to_string())?;
            Ok(Box::new(move |s| s.step_project(&caller, &id, version, step, &at)))
        }
        "notice" => {
            let d = NoticeDraft {
                kind: NoticeKind::parse(&form_get(form, "kind")).map_err(|e| e.message)?,
                from: date_field(form, "from", "公示开始日期")?,
                to: date_field(form, "to", "公示结束日期")?,
                text: form_get(form, "text"),
            };
            Ok(Box::new(move |s| s.notice_project(&caller, &id, &d, &at)))
        }
        "pay" => {
            let household = form_get(form, "household_id");
            let d = PaymentDraft {
                paid_on: date_field(form, "paid_on", "拨付日期")?,
                amount: yuan_field(form, "amount", "拨付金额")?,
                source: FundSource::parse(&form_get(form, "source")).map_err(|e| e.message)?,
                payee: form_get(form, "payee"),
                account: form_get(form, "account"),
                voucher: form_get(form, "voucher"),
                household_id: Some(household).filter(|h| !h.is_empty()),
            };
            Ok(Box::new(move |s| s.pay_project(&caller, &id, &d, &at)))
        }
        _ => Err("没有这项操作".into()),
    }
}

/// A project's three forms (a step, a notice, a payment) go one way: the token, the command,
/// then the project's page again — `saved` on success, or the refusal with what was typed.
pub async fn act(
    State(state): State<Arc<AppState>>,
    PageAuth(a): PageAuth,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<FormMap>,
) -> Response {
    if !crate::auth::csrf_ok(&a, &form_get(&form, "csrf")) {
        return csrf_refused();
    }
    if !matches!(action.as_str(), "step" | "notice" | "pay") {
        return error_page(ApiError::from(StoreError::NotFound));
    }
    let done = match command_of(&action, &form, a.caller.clone(), id.clone(), state.today().to_string()) {
        Ok(cmd) => blocking(&state, cmd).await.map(|_| ()).map_err(|e| e.message),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to(&format!("/funds/projects/{id}?saved={action}")).into_response(),
        Err(msg) => project_page(&state, a, id, Some((msg, form)), None).await.unwrap_or_else(error_page),
    }
}

#[derive(Template)]
#[template(path = "projects_public.html")]
struct PublicPage {
    nav: Option<Nav>,
    region: String,
    region_name: String,
    crumbs: Vec<(String, String)>,
    children: Vec<(String, String)>,
    projects: Vec<PublicProject>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PublicParams {
    pub region: Option<String>,
}

/// 项目公告公示 without login: walk down to a county or village and read its projects' notices.
pub async fn public(State(state): State<Arc<AppState>>, MaybeAuth(a): MaybeAuth, Query(p): Query<PublicParams>) -> Response {
    let code = match region_of(p.region.as_deref()) {
        Ok(c) => c.unwrap_or_else(|| RegionCode::parse("37").expect("the province")),
        Err(e) => return error_page(e),
    };
    let c = code.clone();
    let loaded = blocking(&state, move |s| {
        let here = s.region(&c)?.ok_or(StoreError::NotFound)?;
        let mut crumbs = vec![];
        for up in c.ancestors_and_self().into_iter().filter(|x| *x != c) {
            if let Some(r) = s.region(&up)? {
                crumbs.push((r.code, r.name));
            }
        }
        let children = s.child_regions(&c)?.into_iter().map(|r| (r.code, r.name)).collect::<Vec<_>>();
        Ok((here.name, crumbs, children, s.public_projects(&c, 100)?))
    })
    .await;
    match loaded {
        Ok((region_name, crumbs, children, projects)) => render(PublicPage {
            nav: a.as_ref().map(|a| nav(a, &state)),
            region: code.as_str().to_string(),
            region_name,
            crumbs,
            children,
            projects,
        }),
        Err(e) => error_page(e),
    }
}
