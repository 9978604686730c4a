//! 重点工作任务: dispatched by a province, city or county with its own target, split by each level
//! among the regions directly below it down to the task's lowest level, and tracked: a computed
//! indicator from the rollups (never from files), a reported one from what the regions that
//! hold no parts report, rolled up above them. Every dispatch, split and report is one event on
//! the chain of the region concerned (the county's, or the city's or province's own).

use super::{ProgressPoint, TargetRow, Task, TaskDue, TaskSummary, TaskView};
use crate::core::db::{Row, Tx};
use crate::core::ledger::{self, Event};
use crate::core::query::{business_date, next_id, require};
use crate::core::rollups::figures_with;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::supervision::calendar::weekday;
use fupin_domain::supervision::task::{self as tk, Indicator, Light, Part, TargetKind, TaskDraft};
use fupin_domain::{DomainError, Level, RegionCode};
use serde_json::json;
use std::collections::BTreeMap;

const TASK_COLS: &str = "t.id, t.version, t.region, t.title, t.policy_id, t.indicator, t.kind, t.unit_label, t.year, t.down_to, \
    t.description, t.dispatched_on, t.created_by, COALESCE(g.name, t.region), p.title";
const TASK_FROM: &str = "tasks t LEFT JOIN regions g ON g.code = t.region LEFT JOIN policies p ON p.id = t.policy_id";

/// Days before its deadline a target shows in 待办 as due.
pub const DUE_SOON_DAYS: i64 = 14;
/// A reported target not reported for this long shows in 待办.
pub const REPORT_EVERY_DAYS: i64 = 7;

fn corrupt(what: &str) -> impl Fn(DomainError) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn parse_task(r: &Row) -> Result<Task> {
    let id = r.text(0)?;
    let bad = corrupt("tasks");
    Ok(Task {
        version: r.int(1)?,
        region: r.text(2)?,
        title: r.text(3)?,
        policy_id: r.opt_text(4)?,
        indicator: Indicator::parse(r.str(5)?).map_err(&bad)?,
        kind: TargetKind::parse(r.str(6)?).map_err(&bad)?,
        unit_label: r.text(7)?,
        year: r.int(8)? as i32,
        down_to: Level::parse(r.str(9)?).ok_or_else(|| StoreError::Corrupt(format!("tasks ({id}): level {}", r.str(9).unwrap_or("?"))))?,
        description: r.text(10)?,
        dispatched_on: Date::parse(r.str(11)?).map_err(&bad)?,
        created_by: r.text(12)?,
        region_name: r.text(13)?,
        policy_title: r.opt_text(14)?,
        id,
    })
}

fn load_task(tx: &mut dyn Tx, id: &str) -> Result<Option<Task>> {
    tx.query_one(&format!("SELECT {TASK_COLS} FROM {TASK_FROM} WHERE t.id = $1"), &[id.into()])?.map(|r| parse_task(&r)).transpose()
}

/// A target as stored, before its value is known.
#[derive(Debug, Clone)]
struct Stored {
    region: String,
    name: String,
    parent: Option<String>,
    target: i64,
    deadline: Date,
    unit: String,
    person: String,
    assigned_on: Date,
    baseline: i64,
}

fn targets(tx: &mut dyn Tx, id: &str) -> Result<Vec<Stored>> {
    let rows = tx.query(
        "SELECT t.region_code, COALESCE(g.name, t.region_code), t.parent_code, t.target, t.deadline, t.unit, t.person, t.assigned_on, t.baseline \
         FROM task_targets t LEFT JOIN regions g ON g.code = t.region_code WHERE t.task_id = $1 ORDER BY t.region_code",
        &[id.into()],
    )?;
    let bad = corrupt("task_targets");
    rows.iter()
        .map(|r| {
            Ok(Stored {
                region: r.text(0)?,
                name: r.text(1)?,
                parent: r.opt_text(2)?,
                target: r.int(3)?,
                deadline: Date::parse(r.str(4)?).map_err(&bad)?,
                unit: r.text(5)?,
                person: r.text(6)?,
                assigned_on: Date::parse(r.str(7)?).map_err(&bad)?,
                baseline: r.int(8)?,
            })
        })
        .collect()
}

/// The last report of each region of a reported task: (value, date, evidence).
fn last_reports(tx: &mut dyn Tx, id: &str) -> Result<BTreeMap<String, (i64, Date, String)>> {
    let rows = tx.query(
        "SELECT region_code, value, on_date, evidence FROM task_progress WHERE task_id = $1 AND source = 'report' ORDER BY region_code, n",
        &[id.into()],
    )?;
    let mut out = BTreeMap::new();
    for r in rows {
        out.insert(r.text(0)?, (r.int(1)?, Date::parse(r.str(2)?).map_err(corrupt("task_progress"))?, r.text(3)?));
    }
    Ok(out)
}

/// The value of a computed indicator in each of `regions` (codes of any levels inside `root`),
/// one range read of the rollups per level.
fn computed(tx: &mut dyn Tx, indicator: Indicator, year: i32, root: &RegionCode, regions: &[&str]) -> Result<BTreeMap<String, i64>> {
    let metrics = indicator.metrics(year);
    let mut lens: Vec<usize> = regions.iter().map(|r| r.len()).collect();
    lens.sort_unstable();
    lens.dedup();
    let mut out = BTreeMap::new();
    for len in lens {
        // Rollup rows are kept for counties, townships and villages; above the county they are summed.
        let figs = figures_with(tx, (len as i64).max(6), len, root, &metrics)?;
        for r in regions.iter().filter(|r| r.len() == len) {
            let v = indicator.value(&figs.get(*r).cloned().unwrap_or_default(), year).unwrap_or(0);
            out.insert(r.to_string(), v);
        }
    }
    Ok(out)
}

/// Every target's value: computed from the rollups, or for a reported task the region's last
/// report where it holds no parts and the roll-up of its parts' values where it does.
fn values(tx: &mut dyn Tx, task: &Task, rows: &[Stored]) -> Result<(BTreeMap<String, i64>, BTreeMap<String, (i64, Date, String)>)> {
    let root = RegionCode::parse(&task.region)?;
    if task.indicator != Indicator::Reported {
        let codes: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
        return Ok((computed(tx, task.indicator, task.year, &root, &codes)?, BTreeMap::new()));
    }
    let reports = last_reports(tx, &task.id)?;
    let mut by_len: Vec<&Stored> = rows.iter().collect();
    by_len.sort_by_key(|r| std::cmp::Reverse(r.region.len()));
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for r in by_len {
        let parts: Vec<i64> = rows.iter().filter(|c| c.parent.as_deref() == Some(r.region.as_str())).map(|c| out[&c.region]).collect();
        let v = if parts.is_empty() { reports.get(&r.region).map_or(0, |x| x.0) } else { tk::roll_up(task.kind, &parts) };
        out.insert(r.region.clone(), v);
    }
    Ok((out, reports))
}

fn row_of(task: &Task, s: &Stored, value: i64, rows: &[Stored], reports: &BTreeMap<String, (i64, Date, String)>, today: Date) -> TargetRow {
    let (from, baseline) = task.indicator.pace_from(task.year, s.assigned_on, s.baseline);
    let standing = tk::standing(baseline, value, s.target, from, s.deadline, today);
    let parts = rows.iter().filter(|c| c.parent.as_deref() == Some(s.region.as_str())).count() as i64;
    let last = reports.get(&s.region);
    TargetRow {
        level: RegionCode::parse(&s.region).map(|c| c.level()).unwrap_or(Level::Village),
        region: s.region.clone(),
        name: s.name.clone(),
        parent: s.parent.clone(),
        target: s.target,
        target_text: task.kind.show(s.target),
        value,
        value_text: task.kind.show(value),
        deadline: s.deadline,
        unit: s.unit.clone(),
        person: s.person.clone(),
        assigned_on: s.assigned_on,
        baseline: s.baseline,
        standing,
        parts,
        reported_on: last.map(|x| x.1),
        evidence: last.map(|x| x.2.clone()).unwrap_or_default(),
    }
}

/// An event of a task's region, on the chain reports use: its county's, or a city's or the province's own.
fn record(tx: &mut dyn Tx, task_id: &str, region: &str, kind: &str, actor: &str, at: &str, payload: serde_json::Value) -> Result<()> {
    let mut ev = Event::new(&ledger::chain_of(&RegionCode::parse(region)?), task_id, kind, actor, at, "", payload.to_string());
    ledger::append(tx, &mut ev)
}

fn insert_target(tx: &mut dyn Tx, task_id: &str, parent: Option<&str>, p: &Part, on: Date, baseline: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO task_targets (task_id, region_code, parent_code, target, deadline, unit, person, assigned_on, baseline) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            task_id.into(),
            p.region.as_str().into(),
            parent.into(),
            p.target.into(),
            p.deadline.to_string().into(),
            p.unit.trim().into(),
            p.person.trim().into(),
            on.to_string().into(),
            baseline.into(),
        ],
    )?;
    Ok(())
}

fn add_progress(
    tx: &mut dyn Tx,
    task_id: &str,
    region: &str,
    on: Date,
    value: i64,
    evidence: &str,
    source: &str,
    actor: &str,
) -> Result<()> {
    tx.exec(
        "INSERT INTO task_progress (task_id, region_code, n, on_date, value, evidence, source, actor) \
         SELECT $1, $2, COALESCE(MAX(n), 0) + 1, $3, $4, $5, $6, $7 FROM task_progress WHERE task_id = $1 AND region_code = $2",
        &[task_id.into(), region.into(), on.to_string().into(), value.into(), evidence.into(), source.into(), actor.into()],
    )?;
    Ok(())
}

fn bump(tx: &mut dyn Tx, id: &str) -> Result<()> {
    tx.exec("UPDATE tasks SET version = version + 1 WHERE id = $1", &[id.into()])?;
    Ok(())
}

fn may_see(caller: &Caller, region: &RegionCode) -> bool {
    caller.role.may(Action::Dispatch) && caller.scope.helper_id.is_none() && caller.scope.contains_region(region)
}

pub fn dispatch<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, d: &TaskDraft, at: &str) -> Result<TaskView> {
    require(caller.role.may(Action::Dispatch), "只有各级扶贫部门可以下达重点工作任务")?;
    let today = business_date(at)?;
    let region = caller.scope.region.clone();
    d.validate(&region, today)?;
    let kind = d.kind()?;
    let id = s.write(|tx| {
        if let Some(p) = &d.policy_id {
            let found = tx.query_one("SELECT state FROM policies WHERE id = $1", &[p.as_str().into()])?;
            if found.map(|r| r.text(0)).transpose()?.as_deref() != Some("published") {
                return Err(DomainError::new("tasks.policy", format!("政策文件{p}不存在或尚未发布")).into());
            }
        }
        let id = next_id(tx, "tasks", "RW", 6)?;
        let unit_label = if kind == TargetKind::Number { d.unit_label.trim() } else { "" };
        tx.exec(
            "INSERT INTO tasks (id, version, region, title, policy_id, indicator, kind, unit_label, year, down_to, description, dispatched_on, created_by) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                id.as_str().into(),
                region.as_str().into(),
                d.title.trim().into(),
                d.policy_id.as_deref().into(),
                d.indicator.code().into(),
                kind.code().into(),
                unit_label.into(),
                i64::from(d.year).into(),
                d.down_to().as_str().into(),
                d.description.trim().into(),
                today.to_string().into(),
                caller.username.as_str().into(),
            ],
        )?;
        let baseline = match d.indicator {
            Indicator::Reported | Indicator::Exits => 0,
            i => computed(tx, i, d.year, &region, &[region.as_str()])?.get(region.as_str()).copied().unwrap_or(0),
        };
        let own = Part { region: region.clone(), target: d.target, deadline: d.deadline, unit: d.unit.clone(), person: d.person.clone() };
        insert_target(tx, &id, None, &own, today, baseline)?;
        let payload = json!({"title": d.title.trim(), "indicator": d.indicator.code(), "kind": kind.code(), "year": d.year,
            "target": d.target, "deadline": d.deadline.to_string(), "down_to": d.down_to().as_str()});
        record(tx, &id, region.as_str(), "task_dispatch", &caller.username, at, payload)?;
        Ok(id)
    })?;
    view(s, caller, &id, None, today)
}

pub fn split<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, parts: &[Part], at: &str) -> Result<TaskView> {
    require(caller.role.may(Action::Dispatch), "只有各级扶贫部门可以分解重点工作任务")?;
    let today = business_date(at)?;
    let from = caller.scope.region.clone();
    s.write(|tx| {
        let task = load_task(tx, id)?.ok_or(StoreError::NotFound)?;
        let rows = targets(tx, id)?;
        let own = rows.iter().find(|r| r.region == from.as_str()).ok_or(StoreError::NotFound)?;
        if from.level() >= task.down_to {
            return Err(DomainError::new(
                "tasks.split_level",
                format!("本任务分解到{}，{}不再向下分解", task.down_to.label(), from.level().label()),
            )
            .into());
        }
        tk::check_split(task.kind, &from, own.target, own.deadline, parts)?;
        for p in parts {
            let known = tx.query_one("SELECT 1 FROM regions WHERE code = $1", &[p.region.as_str().into()])?;
            if known.is_none() {
                return Err(DomainError::new("tasks.split_region", format!("区划{}不存在", p.region.as_str())).into());
            }
        }
        // A part its region has already split further stays as it is: the level below built on it.
        let old: Vec<&Stored> = rows.iter().filter(|r| r.parent.as_deref() == Some(from.as_str())).collect();
        for o in &old {
            let split_further = rows.iter().any(|r| r.parent.as_deref() == Some(o.region.as_str()));
            let same = parts.iter().any(|p| p.region.as_str() == o.region && p.target == o.target && p.deadline == o.deadline);
            if split_further && !same {
                return Err(DomainError::new(
                    "tasks.split_locked",
                    format!("{}已将任务继续分解，其目标和时限不能再改（先由其调整分解）", o.name),
                )
                .into());
            }
        }
        tx.exec("DELETE FROM task_targets WHERE task_id = $1 AND parent_code = $2", &[id.into(), from.as_str().into()])?;
        let fresh: Vec<&str> = parts.iter().map(|p| p.region.as_str()).filter(|c| !old.iter().any(|o| o.region == *c)).collect();
        let mut baselines = match task.indicator {
            Indicator::Reported | Indicator::Exits => BTreeMap::new(),
            i => computed(tx, i, task.year, &from, &fresh)?,
        };
        for p in parts {
            // A part kept keeps its start; a new one starts today from its value today.
            let (on, baseline) = match old.iter().find(|o| o.region == p.region.as_str()) {
                Some(o) => (o.assigned_on, o.baseline),
                None => (today, baselines.remove(p.region.as_str()).unwrap_or(0)),
            };
            insert_target(tx, id, Some(from.as_str()), p, on, baseline)?;
        }
        bump(tx, id)?;
        let list: Vec<_> = parts.iter().map(|p| json!([p.region.as_str(), p.target, p.deadline.to_string()])).collect();
        record(tx, id, from.as_str(), "task_split", &caller.username, at, json!({"parts": list}))?;
        Ok(())
    })?;
    view(s, caller, id, None, today)
}

pub fn report<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    value: i64,
    evidence: &str,
    at: &str,
) -> Result<TaskView> {
    require(caller.role.may(Action::Dispatch), "只有各级扶贫部门可以填报任务进度")?;
    let today = business_date(at)?;
    let region = caller.scope.region.clone();
    let evidence = evidence.trim();
    if evidence.is_empty() || evidence.chars().count() > 1000 {
        return Err(DomainError::new("tasks.evidence", "请填写进度的佐证（做了什么、有何材料），至多1000字").into());
    }
    s.write(|tx| {
        let task = load_task(tx, id)?.ok_or(StoreError::NotFound)?;
        let rows = targets(tx, id)?;
        rows.iter().find(|r| r.region == region.as_str()).ok_or(StoreError::NotFound)?;
        if task.indicator != Indicator::Reported {
            return Err(DomainError::new("tasks.computed", "本任务的进度由平台根据建档立卡数据自动统计，无需填报").into());
        }
        if rows.iter().any(|r| r.parent.as_deref() == Some(region.as_str())) {
            return Err(DomainError::new("tasks.report_parts", "本级已将任务分解到下级，进度由下级填报后汇总").into());
        }
        task.kind.check(value)?;
        add_progress(tx, id, region.as_str(), today, value, evidence, "report", &caller.username)?;
        bump(tx, id)?;
        record(tx, id, region.as_str(), "task_progress", &caller.username, at, json!({"region": region.as_str(), "value": value}))?;
        Ok(())
    })?;
    view(s, caller, id, None, today)
}

/// A task at `region` (the caller's own by default): its target there, the one it came from,
/// the parts below it ranked by progress, and its progress over time.
pub fn view<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    region: Option<&RegionCode>,
    today: Date,
) -> Result<TaskView> {
    let at = region.cloned().unwrap_or_else(|| caller.scope.region.clone());
    if !may_see(caller, &at) {
        return Err(StoreError::NotFound);
    }
    s.read(|tx| {
        let task = load_task(tx, id)?.ok_or(StoreError::NotFound)?;
        let rows = targets(tx, id)?;
        // A task dispatched below the caller's region is read at its own top.
        let at = if rows.iter().any(|r| r.region == at.as_str()) {
            at.clone()
        } else if region.is_none() && at.contains(&RegionCode::parse(&task.region)?) {
            RegionCode::parse(&task.region)?
        } else {
            return Err(StoreError::NotFound);
        };
        let (vals, reports) = values(tx, &task, &rows)?;
        let make = |r: &Stored| row_of(&task, r, vals[&r.region], &rows, &reports, today);
        let own = rows.iter().find(|r| r.region == at.as_str()).ok_or(StoreError::NotFound)?;
        let row = make(own);
        let from = own.parent.as_ref().and_then(|p| rows.iter().find(|r| &r.region == p)).map(make);
        let mut children: Vec<TargetRow> = rows.iter().filter(|r| r.parent.as_deref() == Some(at.as_str())).map(make).collect();
        children.sort_by(|a, b| b.standing.done_bp.cmp(&a.standing.done_bp).then(a.region.cmp(&b.region)));
        let mut series: Vec<ProgressPoint> = tx
            .query(
                "SELECT on_date, value, evidence, source FROM task_progress WHERE task_id = $1 AND region_code = $2 ORDER BY n",
                &[id.into(), at.as_str().into()],
            )?
            .iter()
            .map(|r| {
                let value = r.int(1)?;
                Ok(ProgressPoint {
                    on: Date::parse(r.str(0)?).map_err(corrupt("task_progress"))?,
                    value,
                    value_text: task.kind.show(value),
                    evidence: r.text(2)?,
                    source: r.text(3)?,
                })
            })
            .collect::<Result<_>>()?;
        // Today's value closes the series, unless this week's was taken today.
        if (task.indicator != Indicator::Reported || row.parts > 0) && series.last().is_none_or(|p| p.on != today) {
            series.push(ProgressPoint {
                on: today,
                value: row.value,
                value_text: row.value_text.clone(),
                evidence: String::new(),
                source: "now".into(),
            });
        }
        let mine = at == caller.scope.region;
        let may_split = mine && at.level() < task.down_to && today <= own.deadline;
        let may_report = mine && task.indicator == Indicator::Reported && row.parts == 0;
        let below = if may_split {
            tx.query("SELECT code, name FROM regions WHERE parent_code = $1 ORDER BY code", &[at.as_str().into()])?
                .iter()
                .map(|r| Ok((r.text(0)?, r.text(1)?)))
                .collect::<Result<_>>()?
        } else {
            vec![]
        };
        Ok(TaskView { task, row, from, children, series, may_split, may_report, below })
    })
}

/// The tasks with a target at or below `region` (the caller's by default), each read at the
/// highest such region.
pub fn list<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    region: Option<&RegionCode>,
    today: Date,
) -> Result<Vec<TaskSummary>> {
    if !may_see(caller, &caller.scope.region) {
        return Err(StoreError::Forbidden("只有各级扶贫部门可以查看重点工作任务".into()));
    }
    let region = region.cloned().unwrap_or_else(|| caller.scope.region.clone());
    if !caller.scope.contains_region(&region) {
        return Err(StoreError::NotFound);
    }
    s.read(|tx| summaries(tx, &region, today))
}

fn summaries(tx: &mut dyn Tx, region: &RegionCode, today: Date) -> Result<Vec<TaskSummary>> {
    let (lo, hi) = region.code_range();
    let rows = tx.query(
        "SELECT task_id, MIN(LENGTH(region_code)) FROM task_targets WHERE region_code >= $1 AND region_code < $2 GROUP BY task_id ORDER BY task_id DESC",
        &[lo.as_str().into(), hi.as_str().into()],
    )?;
    let mut out = vec![];
    for r in rows {
        let (id, len) = (r.text(0)?, r.int(1)? as usize);
        let task = load_task(tx, &id)?.ok_or_else(|| StoreError::Corrupt(format!("task_targets: task {id} missing")))?;
        let all = targets(tx, &id)?;
        let (vals, reports) = values(tx, &task, &all)?;
        // The highest of the caller's regions holding the task (one, unless siblings were
        // dispatched the same task separately, which a split never does).
        for s in all
            .iter()
            .filter(|t| t.region.len() == len && region.contains(&RegionCode::parse(&t.region).unwrap_or_else(|_| region.clone())))
        {
            out.push(TaskSummary { row: row_of(&task, s, vals[&s.region], &all, &reports, today), task: task.clone() });
        }
    }
    Ok(out)
}

/// What waits on the caller's region: parts to split, reports to make, targets due or overdue,
/// and the overdue targets of the regions directly below it (升级).
pub fn due<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, today: Date) -> Result<Vec<TaskDue>> {
    if !may_see(caller, &caller.scope.region) {
        return Ok(vec![]);
    }
    let region = caller.scope.region.clone();
    s.read(|tx| {
        let mut out = vec![];
        let ids: Vec<String> = tx
            .query(
                "SELECT DISTINCT task_id FROM task_targets WHERE region_code = $1 OR parent_code = $1 ORDER BY task_id",
                &[region.as_str().into()],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_>>()?;
        for id in ids {
            let task = load_task(tx, &id)?.ok_or_else(|| StoreError::Corrupt(format!("task_targets: task {id} missing")))?;
            let rows = targets(tx, &id)?;
            let (vals, reports) = values(tx, &task, &rows)?;
            let item = |r: &TargetRow, what: &'static str| TaskDue {
                task_id: task.id.clone(),
                title: task.title.clone(),
                region: r.region.clone(),
                region_name: r.name.clone(),
                what,
                deadline: r.deadline,
                light: r.standing.light,
            };
            for s in &rows {
                let r = row_of(&task, s, vals[&s.region], &rows, &reports, today);
                if r.standing.light == Light::Done {
                    continue;
                }
                if s.region == region.as_str() {
                    let open = today <= s.deadline;
                    if open && region.level() < task.down_to && r.parts == 0 {
                        out.push(item(&r, "split"));
                    } else if task.indicator == Indicator::Reported
                        && r.parts == 0
                        && r.reported_on.is_none_or(|d| today.day_number() - d.day_number() >= REPORT_EVERY_DAYS)
                    {
                        out.push(item(&r, "report"));
                    }
                    if !open {
                        out.push(item(&r, "overdue"));
                    } else if s.deadline.day_number() - today.day_number() <= DUE_SOON_DAYS {
                        out.push(item(&r, "due"));
                    }
                } else if s.parent.as_deref() == Some(region.as_str()) && r.standing.light == Light::Overdue {
                    out.push(item(&r, "overdue_below"));
                }
            }
        }
        Ok(out)
    })
}

/// Records this week's value of every computed target whose deadline has not long passed and
/// which has none yet this week (weeks start on Monday): the series the pages draw. Answers how
/// many values were recorded.
pub fn snapshot<B: crate::core::db::Backend>(s: &SqlStore<B>, today: Date) -> Result<usize> {
    let monday = Date::from_day_number(today.day_number() - weekday(today));
    s.write(|tx| {
        let ids: Vec<String> = tx
            .query("SELECT id FROM tasks WHERE indicator <> 'reported' ORDER BY id", &[])?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_>>()?;
        let mut n = 0;
        for id in ids {
            let task = load_task(tx, &id)?.ok_or(StoreError::NotFound)?;
            let rows: Vec<Stored> = targets(tx, &id)?;
            let taken: std::collections::BTreeSet<String> = tx
                .query(
                    "SELECT DISTINCT region_code FROM task_progress WHERE task_id = $1 AND source = 'snapshot' AND on_date >= $2",
                    &[id.as_str().into(), monday.to_string().into()],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<_>>()?;
            let open: Vec<Stored> = rows
                .into_iter()
                .filter(|r| r.deadline.day_number() + 7 >= today.day_number() && r.assigned_on <= today && !taken.contains(&r.region))
                .collect();
            if open.is_empty() {
                continue;
            }
            let (vals, _) = values(tx, &task, &open)?;
            for r in &open {
                add_progress(tx, &id, &r.region, today, vals[&r.region], "", "snapshot", "system")?;
                n += 1;
            }
        }
        Ok(n)
    })
}
