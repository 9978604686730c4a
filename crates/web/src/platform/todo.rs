//! 待办: what waits on the caller, across the functions — case steps at their level, reports
//! their unit handles, key tasks to split, report on or supervise, needs and donors to verify, matches waiting on their side, households due
//! a visit, evaluations still in the field. One list for the page, the API and the menu's count; each item links to where it is
//! done. Every part is the function's own list (which keeps to the caller's jurisdiction),
//! counted by the store and read a few items at a time.

use crate::auth::{Auth, PageAuth};
use crate::error::ApiError;
use crate::ui::{error_page, nav, render, Nav};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use fupin_domain::access::{Action, Caller, Role};
use fupin_domain::id_number::Date;
use fupin_domain::supervision::{Card, ReportState};
use fupin_store::supervision::ReportQuery;
use fupin_store::{MatchingQuery, Store, StoreError};
use serde::Serialize;
use std::sync::Arc;

/// Items shown of each kind (the counts are whole).
const SHOWN: usize = 10;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodoItem {
    /// `case`, `report`, `task`, `need`, `donor`, `match`, `visit`, `evaluation`.
    pub kind: &'static str,
    pub title: String,
    /// The date it is due by, when it has one.
    pub due: Option<String>,
    /// Past or near its deadline (a red or yellow card).
    pub urgent: bool,
    /// Where it is done.
    pub link: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TodoCount {
    pub kind: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Todo {
    pub total: i64,
    pub counts: Vec<TodoCount>,
    /// The first items of each kind, the most urgent first.
    pub items: Vec<TodoItem>,
}

impl Todo {
    fn add(&mut self, kind: &'static str, label: &'static str, count: i64, items: Vec<TodoItem>) {
        if count > 0 {
            self.total += count;
            self.counts.push(TodoCount { kind, label, count });
            self.items.extend(items.into_iter().take(SHOWN));
        }
    }
}

fn case_items(s: &dyn Store, caller: &Caller, todo: &mut Todo) -> Result<(), StoreError> {
    let mut waiting: Vec<_> = s.cases(caller, &caller.scope.region, true)?.into_iter().filter(|c| c.awaits(caller)).collect();
    waiting.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.opened_at.cmp(&b.opened_at)));
    let items = waiting
        .iter()
        .map(|c| TodoItem {
            kind: "case",
            title: format!("{}：{}户（{}人）{}", c.kind.label(), c.head_name, c.size, c.next().map(|s| s.label).unwrap_or_default()),
            due: c.deadline.clone().or_else(|| c.notice_until.clone()),
            urgent: false,
            link: format!("/cases/{}", c.id),
        })
        .collect();
    todo.add("case", "业务审核", waiting.len() as i64, items);
    Ok(())
}

fn report_items(s: &dyn Store, caller: &Caller, today: Date, todo: &mut Todo) -> Result<(), StoreError> {
    let mut count = 0;
    let mut items = vec![];
    for state in [ReportState::Submitted, ReportState::Handling, ReportState::Reopened] {
        let q = ReportQuery { state: Some(state), mine: true, per_page: SHOWN as u32, ..Default::default() };
        let page = s.reports(caller, &q, today)?;
        count += page.total;
        let verb = if state == ReportState::Submitted { "受理" } else { "办理" };
        items.extend(page.items.into_iter().map(|r| TodoItem {
            kind: "report",
            title: format!("{verb}举报{}：{}（{}）", r.id, r.category.label(), r.about_name),
            due: Some(r.deadline.to_string()),
            urgent: r.card != Card::Green,
            link: format!("/supervision/reports/{}", r.id),
        }));
    }
    items.sort_by(|a, b| b.urgent.cmp(&a.urgent).then(a.due.cmp(&b.due)));
    todo.add("report", "监督举报", count, items);
    Ok(())
}

fn matching_items(s: &dyn Store, caller: &Caller, todo: &mut Todo) -> Result<(), StoreError> {
    let role = caller.role;
    let list = |state: &str| MatchingQuery { state: Some(state.into()), per_page: SHOWN as u32, ..Default::default() };
    if role.may(Action::VerifyNeeds) {
        let page = s.needs(caller, &list("recorded"))?;
        let items = page
            .items
            .iter()
            .map(|n| TodoItem {
                kind: "need",
                title: format!("审核需求{}：{}", n.id, n.draft.category.label()),
                due: Some(n.draft.deadline.to_string()),
                urgent: false,
                link: "/matching".into(),
            })
            .collect();
        todo.add("need", "需求审核", page.total, items);
    }
    if role.may(Action::VerifyDonors) {
        let page = s.donors(caller, &list("pending"))?;
        let items = page
            .items
            .iter()
            .map(|d| TodoItem {
                kind: "donor",
                title: format!("审核帮扶主体：{}", d.draft.name),
                due: None,
                urgent: false,
                link: "/matching".into(),
            })
            .collect();
        todo.add("donor", "帮扶主体审核", page.total, items);
    }
    // Matches waiting on the caller's side: the household's (agree, confirm) or the donor's
    // (accept, deliver).
    let states: &[(&str, &str)] = if role.may(Action::RecordNeeds) {
        &[("accepted", "农户是否同意"), ("delivered", "确认收到")]
    } else if role.may(Action::Donate) && s.own_donor(caller)?.is_some() {
        &[("proposed", "是否接受"), ("agreed", "登记交付")]
    } else {
        &[]
    };
    let (mut count, mut items) = (0, vec![]);
    for (state, what) in states {
        let page = s.matches(caller, &list(state))?;
        count += page.total;
        items.extend(page.items.iter().map(|m| TodoItem {
            kind: "match",
            title: format!("对接{}：{}", m.id, what),
            due: None,
            urgent: false,
            link: "/matching".into(),
        }));
    }
    todo.add("match", "供需对接", count, items);
    Ok(())
}

fn visit_items(s: &dyn Store, caller: &Caller, today: Date, todo: &mut Todo) -> Result<(), StoreError> {
    let every = s.rules().visit_every_days;
    let due: Vec<_> = s
        .visit_status(caller)?
        .into_iter()
        .filter_map(|v| fupin_domain::registry::visit::due(v.last_visit, today, every).map(|since| (v, since)))
        .collect();
    let items = due
        .iter()
        .map(|(v, since)| TodoItem {
            kind: "visit",
            title: match since {
                Some(d) => format!("走访{}户（已{}天未走访）", v.head_name, d),
                None => format!("走访{}户（尚未走访）", v.head_name),
            },
            due: None,
            urgent: since.is_none_or(|d| d > every * 2),
            link: format!("/households/{}#visits-h", v.household_id),
        })
        .collect();
    todo.add("visit", "走访提醒", due.len() as i64, items);
    Ok(())
}

/// Key tasks waiting on the caller's region: to split, to report, due soon or overdue, and the
/// parts below it that are overdue (the level above supervises them).
fn task_items(s: &dyn Store, caller: &Caller, today: Date, todo: &mut Todo) -> Result<(), StoreError> {
    let mut due = s.tasks_due(caller, today)?;
    due.sort_by(|a, b| a.deadline.cmp(&b.deadline));
    let items: Vec<TodoItem> = due
        .iter()
        .map(|d| {
            let (what, urgent) = match d.what {
                "split" => ("分解到下级", false),
                "report" => ("本周填报进度", false),
                "due" => ("即将到期", true),
                "overdue" => ("已逾期", true),
                _ => ("下级逾期，督办", true),
            };
            let at = if d.what == "overdue_below" { format!("（{}）", d.region_name) } else { String::new() };
            TodoItem {
                kind: "task",
                title: format!("重点任务“{}”{at}：{what}", d.title),
                due: Some(d.deadline.to_string()),
                urgent,
                link: format!("/supervision/tasks/{}?region={}", d.task_id, d.region),
            }
        })
        .collect();
    let mut items = items;
    items.sort_by(|a, b| b.urgent.cmp(&a.urgent).then(a.due.cmp(&b.due)));
    todo.add("task", "重点任务", due.len() as i64, items);
    Ok(())
}

/// The evaluator's evaluations still in the field, with the households not yet surveyed.
fn evaluation_items(s: &dyn Store, caller: &Caller, todo: &mut Todo) -> Result<(), StoreError> {
    let mut items = vec![];
    for e in s.evaluations(caller, &caller.scope.region)?.into_iter().filter(|e| e.state == "fieldwork") {
        let est = s.estimates(caller, &e.id)?;
        let left = est.expected.saturating_sub(est.answered);
        if left > 0 {
            items.push(TodoItem {
                kind: "evaluation",
                title: format!("入户调查：{} {}年，还有约{}户未调查", e.county_name, e.year, left),
                due: None,
                urgent: false,
                link: format!("/evaluation/samples/{}", e.id),
            });
        }
    }
    todo.add("evaluation", "第三方评估", items.len() as i64, items);
    Ok(())
}

/// The caller's to-do list.
pub fn todo_of(s: &dyn Store, caller: &Caller, today: Date) -> Result<Todo, StoreError> {
    let mut todo = Todo { total: 0, counts: vec![], items: vec![] };
    if caller.role.may(Action::HandleCases) {
        case_items(s, caller, &mut todo)?;
    }
    if caller.role.may(Action::HandleReports) {
        report_items(s, caller, today, &mut todo)?;
    }
    if caller.role.may(Action::Dispatch) {
        task_items(s, caller, today, &mut todo)?;
    }
    if caller.role != Role::Evaluator && caller.role != Role::Department {
        matching_items(s, caller, &mut todo)?;
    }
    if caller.role.may(Action::RecordVisits) {
        visit_items(s, caller, today, &mut todo)?;
    }
    if caller.role.may(Action::Evaluate) {
        evaluation_items(s, caller, &mut todo)?;
    }
    Ok(todo)
}

/// What waits on the caller: counts by kind and the first items of each, with where each is done.
#[utoipa::path(get, path = "/api/v1/todo", responses((status = 200, body = Todo, description = "the caller's to-do list")))]
pub async fn get_todo(State(state): State<Arc<AppState>>, a: Auth) -> Result<Json<Todo>, ApiError> {
    let today = state.today();
    Ok(Json(blocking(&state, move |s| todo_of(s, &a.caller, today)).await?))
}

#[derive(Template)]
#[template(path = "todo.html")]
struct TodoPage {
    nav: Nav,
    todo: Todo,
}

impl TodoPage {
    fn of_kind(&self, kind: &str) -> Vec<&TodoItem> {
        self.todo.items.iter().filter(|i| i.kind == kind).collect()
    }
}

/// 待办 page.
pub async fn todo_page(State(state): State<Arc<AppState>>, PageAuth(a): PageAuth) -> Response {
    let (caller, today) = (a.caller.clone(), state.today());
    match blocking(&state, move |s| todo_of(s, &caller, today)).await {
        Ok(todo) => render(TodoPage { nav: nav(&a, &state), todo }),
        Err(e) => error_page(e),
    }
}
