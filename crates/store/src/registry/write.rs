//! The registry's one write path: every new file goes through `insert_files_in_tx` and every
//! change through `change_in_tx` / `apply_in_tx`, each appending one ledger event and applying
//! the rollup delta in the caller's transaction.

use super::rows::*;
use crate::core::db::{self, Tx, Val};
use crate::core::ledger::{self, Event};
use crate::core::query::{require, year_of, Query};
use crate::core::rollups::apply_deltas;
use crate::*;
use fupin_domain::access::{Action, Caller};
use fupin_domain::config::Rules;
use fupin_domain::maps::rollup::{self, Delta};
use fupin_domain::registry::household::apply_change;
use fupin_domain::registry::household::{Change, Helper, Household};
use fupin_domain::{DomainError, Level, RegionCode};
use serde_json::json;
use std::collections::BTreeMap;
use std::collections::HashSet;

/// Events and rollup deltas of many changes in one transaction, written together at the end.
#[derive(Default)]
pub(crate) struct ChangeBatch {
    pub events: Vec<Event>,
    pub deltas: Vec<(RegionCode, Delta)>,
}

/// What `insert_files_in_tx` checks itself: everything, or all but what an import has already
/// checked in the same transaction for thousands of files at once (ids unused, people not in
/// another household, no one twice among the files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    All,
    DoneByImport,
}

/// Imports are an official's work, on their own region.
pub(crate) fn require_importer(caller: &Caller) -> Result<()> {
    require(caller.role.may(Action::ImportFiles) && caller.scope.helper_id.is_none(), "只有各级扶贫管理员可以导入贫困户档案")
}

/// NotFound unless the household exists inside the caller's scope (checked in SQL).
pub(crate) fn ensure_in_scope(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<()> {
    let mut q = Query::new("SELECT h.id FROM households h WHERE h.id = ");
    let p = q.bind(id);
    q.push(&p);
    q.scope(&caller.scope, "h", &caller.scope.region);
    tx.query_one(&q.sql, &q.params)?.map(|_| ()).ok_or(StoreError::NotFound)
}

/// One ID number may stand in one household only.
pub(crate) fn ensure_ids_free(tx: &mut dyn Tx, h: &Household) -> Result<()> {
    for m in h.active_members() {
        let other = tx.query_one(
            "SELECT household_id FROM members WHERE id_number = $1 AND active = 1 AND household_id <> $2",
            &[m.id_number.as_str().into(), h.id.as_str().into()],
        )?;
        if other.is_some() {
            return Err(DomainError::new(
                "member.id_elsewhere",
                format!("身份证号{}已在其他贫困户中登记，同一人不能属于两户", m.id_number.masked()),
            )
            .into());
        }
    }
    Ok(())
}

fn record(
    tx: &mut dyn Tx,
    caller: &Caller,
    h: &Household,
    kind: &str,
    reason: &str,
    at: &str,
    payload: serde_json::Value,
) -> Result<Event> {
    let county = h.village.county().expect("villages have counties");
    let mut ev = Event::new(county.as_str(), &h.id, kind, &caller.username, at, reason, payload.to_string());
    ledger::append(tx, &mut ev)?;
    Ok(ev)
}

/// Registers a file inside the caller's transaction.
pub(crate) fn create_in_tx(tx: &mut dyn Tx, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
    let flow = rollup::flow(h.status, year_of(at));
    insert_file_in_tx(tx, caller, h, "register", reason, at, flow, None)
}

/// Stores one new file with its event (`kind`: register or transfer_in) and rollups.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_file_in_tx(
    tx: &mut dyn Tx,
    caller: &Caller,
    h: Household,
    kind: &str,
    reason: &str,
    at: &str,
    flow: Option<String>,
    from: Option<&str>,
) -> Result<Household> {
    let mut created = insert_files_in_tx(tx, caller, vec![(h, flow)], kind, reason, at, from, Checks::All)?;
    Ok(created.pop().expect("one file in, one out"))
}

/// The one creation path: checks every file, then stores all of them with multi-row
/// inserts, one event each (chained per county in one go) and the rollups summed per region.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_files_in_tx(
    tx: &mut dyn Tx,
    caller: &Caller,
    files: Vec<(Household, Option<String>)>,
    kind: &str,
    reason: &str,
    at: &str,
    from: Option<&str>,
    checks: Checks,
) -> Result<Vec<Household>> {
    let today = fupin_domain::id_number::Date::parse(at)?;
    let mut villages: Vec<&str> = vec![];
    for (h, _) in &files {
        if !caller.scope.contains_region(&h.village) || caller.scope.helper_id.is_some() {
            return Err(StoreError::NotFound);
        }
        if h.village.level() != Level::Village {
            return Err(DomainError::new("household.village", "贫困户必须登记在村一级").into());
        }
        h.validate()?;
        h.validate_on(today)?;
        villages.push(h.village.as_str());
    }
    villages.sort_unstable();
    villages.dedup();
    let known: HashSet<String> = existing(tx, "SELECT code FROM regions WHERE code IN", &villages)?;
    if let Some(v) = villages.iter().find(|v| !known.contains(**v)) {
        return Err(DomainError::new("region.unknown", format!("村代码{v}不存在")).into());
    }
    if checks == Checks::All {
        let ids: Vec<&str> = files.iter().map(|(h, _)| h.id.as_str()).collect();
        if let Some(id) = existing(tx, "SELECT id FROM households WHERE id IN", &ids)?.into_iter().next() {
            return Err(DomainError::new("household.exists", format!("户编号{id}已存在")).into());
        }
        let people: Vec<&str> = files.iter().flat_map(|(h, _)| h.active_members().map(|m| m.id_number.as_str())).collect();
        let mut seen = HashSet::new();
        let held = existing(tx, "SELECT id_number FROM members WHERE active = 1 AND id_number IN", &people)?;
        if let Some(idn) = people.iter().find(|p| held.contains(**p) || !seen.insert(**p)) {
            let masked = fupin_domain::IdNumber::parse(idn).map(|i| i.masked()).unwrap_or_default();
            return Err(DomainError::new("member.id_elsewhere", format!("身份证号{masked}已在其他贫困户中登记，同一人不能属于两户")).into());
        }
    }
    let files: Vec<(Household, Option<String>)> = files.into_iter().map(|(h, f)| (Household { version: 1, ..h }, f)).collect();
    let hs = || files.iter().map(|(h, _)| h);
    // A household's row carries its digest, the costliest part: built on all cores.
    let rows = on_all_cores(&files, 8, |c| c.iter().map(|(h, _)| household_row(h, at)).collect::<Vec<_>>());
    db::insert_many(tx, "households", HOUSEHOLD_COLS, rows.into_iter().flatten())?;
    db::insert_many(tx, "members", MEMBER_COLS, hs().flat_map(|h| h.members.iter().map(move |m| member_row(h, m))))?;
    db::insert_many(tx, "incomes", INCOME_COLS, hs().flat_map(|h| h.incomes.iter().map(move |i| income_row(h, i))))?;
    db::insert_many(
        tx,
        "household_helpers",
        PAIR_COLS,
        hs().flat_map(|h| h.helpers.iter().map(move |x| vec![Val::from(h.id.as_str()), Val::from(x.id.as_str())])),
    )?;
    db::insert_many(tx, "measures", MEASURE_COLS, hs().flat_map(|h| h.measures.iter().map(move |m| measure_row(h, m))))?;
    let remaining: Vec<_> = files.iter().map(|(h, flow)| rollup::remaining_flow(None, h, flow_year(flow.as_deref(), at))).collect();
    let mut events: Vec<Event> = files
        .iter()
        .zip(&remaining)
        .map(|((h, flow), rem)| {
            let mut payload = rollup::flow_fields(flow.as_deref(), h.size(), rem.as_ref());
            payload["after"] = super::rows::registration_summary(h);
            payload["from"] = json!(from);
            let county = h.village.county().expect("villages have counties");
            Event::new(county.as_str(), &h.id, kind, &caller.username, at, reason, payload.to_string())
        })
        .collect();
    ledger::append_many(tx, &mut events)?;
    let mut by_village: BTreeMap<&RegionCode, Delta> = BTreeMap::new();
    for ((h, flow), rem) in files.iter().zip(&remaining) {
        let d = by_village.entry(&h.village).or_default();
        for (metric, t) in rollup::delta_with_remaining(None, h, flow.clone(), rem.as_ref()) {
            let e = d.entry(metric).or_default();
            e.households += t.households;
            e.persons += t.persons;
        }
    }
    apply_deltas(tx, by_village.into_iter())?;
    Ok(files.into_iter().map(|(h, _)| h).collect())
}

/// The values among `values` that `sql_prefix (…)` finds, a few hundred per query.
fn existing(tx: &mut dyn Tx, sql_prefix: &str, values: &[&str]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in values.chunks(500) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let vals: Vec<Val> = chunk.iter().map(|s| (*s).into()).collect();
        for r in tx.query(&format!("{sql_prefix} ({})", params.join(", ")), &vals)? {
            out.insert(r.text(0)?);
        }
    }
    Ok(out)
}

/// Applies one change inside the caller's transaction: the one change path. Role checks
/// are the caller's (a case completed by a county official changes the status too).
pub(crate) fn change_in_tx(tx: &mut dyn Tx, caller: &Caller, req: &ChangeRequest, rules: &Rules) -> Result<Household> {
    ensure_in_scope(tx, caller, &req.household_id)?;
    apply_in_tx(tx, caller, req, rules)
}

/// The change path after the scope check: callers that skip `change_in_tx` have checked
/// the caller's right to this file some other way (a transfer's accepting county).
pub(crate) fn apply_in_tx(tx: &mut dyn Tx, caller: &Caller, req: &ChangeRequest, rules: &Rules) -> Result<Household> {
    let before = load_household(tx, &req.household_id)?.ok_or(StoreError::NotFound)?;
    apply_to_in_tx(tx, caller, req, rules, before, None)
}

/// The same on the file as this transaction has just read it (an import reads thousands
/// at once). With `batch`, the event and the rollup delta are collected there for the
/// caller to write together, and the people were checked by the caller (an import checks
/// all its files at once).
pub(crate) fn apply_to_in_tx(
    tx: &mut dyn Tx,
    caller: &Caller,
    req: &ChangeRequest,
    rules: &Rules,
    before: Household,
    batch: Option<&mut ChangeBatch>,
) -> Result<Household> {
    if before.version != req.expected_version {
        return Err(StoreError::Conflict { current: before.version });
    }
    // Helpers newly paired by this change must exist and have room under the cap.
    let (named, already): (Vec<&String>, Vec<&str>) = match &req.change {
        Change::AssignHelper { helper_id } => (vec![helper_id], vec![]),
        Change::Replace { helper_ids, .. } => (helper_ids.iter().collect(), before.helpers.iter().map(|x| x.id.as_str()).collect()),
        _ => (vec![], vec![]),
    };
    let mut helpers = vec![];
    for helper_id in named {
        let load = tx.query_one(
            "SELECT x.id, x.name, x.unit, x.phone, (SELECT COUNT(*) FROM household_helpers p WHERE p.helper_id = x.id) \
                 FROM helpers x WHERE x.id = $1",
            &[helper_id.as_str().into()],
        )?;
        match load {
            Some(r) if !already.contains(&helper_id.as_str()) && r.int(4)? >= rules.helper_household_cap => {
                return Err(DomainError::new(
                    "helper.cap",
                    format!("帮扶责任人{}已结对{}户，达到上限{}户", r.text(1)?, r.int(4)?, rules.helper_household_cap),
                )
                .into())
            }
            Some(r) => helpers.push(Helper { id: r.text(0)?, name: r.text(1)?, unit: r.text(2)?, phone: r.text(3)? }),
            None if matches!(req.change, Change::Replace { .. }) => {
                return Err(DomainError::new("helper.not_found", format!("帮扶责任人{helper_id}不存在")).into())
            }
            None => {}
        }
    }
    let mut after = before.clone();
    let effect = apply_change(&mut after, &req.change, helpers, rules)?;
    after.validate_on(fupin_domain::id_number::Date::parse(&req.at)?)?;
    if batch.is_none() {
        ensure_ids_free(tx, &after)?;
    }
    after.version = before.version + 1;
    // The guard that makes a concurrent second edit fail instead of overwriting: on
    // PostgreSQL it waits for the first writer's row lock, then finds the version moved.
    let moved = tx.exec(
        "UPDATE households SET version = $1 WHERE id = $2 AND version = $3",
        &[after.version.into(), after.id.as_str().into(), before.version.into()],
    )?;
    if moved != 1 {
        return Err(StoreError::Conflict { current: before.version + 1 });
    }
    save_household(tx, &after, &req.at)?;
    let flow = match &req.change {
        Change::SetStatus { status, year } => rollup::flow(*status, *year),
        _ => None,
    };
    let remaining = rollup::remaining_flow(Some(&before), &after, flow_year(flow.as_deref(), &req.at));
    let mut payload = rollup::flow_fields(flow.as_deref(), after.size(), remaining.as_ref());
    payload["before"] = effect.before;
    payload["after"] = effect.after;
    let delta = rollup::delta_with_remaining(Some(&before), &after, flow, remaining.as_ref());
    match batch {
        Some(b) => {
            let county = after.village.county().expect("villages have counties");
            let ev = Event::new(county.as_str(), &after.id, req.change.kind(), &caller.username, &req.at, &req.reason, payload.to_string());
            b.events.push(ev);
            b.deltas.push((after.village.clone(), delta));
        }
        None => {
            record(tx, caller, &after, req.change.kind(), &req.reason, &req.at, payload)?;
            apply_deltas(tx, std::iter::once((&after.village, delta)))?;
        }
    }
    Ok(after)
}

/// The year an event's flows count in: its status flow's (`exited:2016` proposed in 2017 counts
/// in 2016), otherwise the business date's.
fn flow_year(flow: Option<&str>, at: &str) -> i32 {
    flow.and_then(|f| f.rsplit_once(':'))
        .and_then(|(_, y)| y.parse().ok())
        .unwrap_or_else(|| at.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0))
}
