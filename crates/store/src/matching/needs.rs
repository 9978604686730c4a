//! Needs: recorded for a household by the people who know it, verified by the township, shown
//! to donors without identity.

use super::{business_date, corrupt, next_id, page_of, yuan, MatchingQuery};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::core::query::{require, Query};
use crate::registry::RegistryStore;
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::maps::rollup::NEEDS_PUBLISHED;
use fupin_domain::matching::{need, suggest, AidCategory, Need, NeedDraft, NeedState, PublishedNeed, Suggestion, Traits, Urgency};
use fupin_domain::registry::codes::{Cause, Status};
use fupin_domain::registry::household::Household;
use fupin_domain::{DomainError, RegionCode};
use serde_json::json;

pub(super) const COLS: &str = "n.id, n.household_id, n.village_code, n.version, n.state, n.category, n.description, n.amount, n.urgency, \
                               n.deadline, n.member_no, n.size, n.main_cause, n.traits, n.active_match, n.recorded_by, n.recorded_on, n.note";

pub(super) fn parse(r: &Row) -> Result<Need> {
    let bad = corrupt("needs", r);
    Ok(Need {
        id: r.text(0)?,
        household_id: r.text(1)?,
        village: RegionCode::parse(r.str(2)?).map_err(&bad)?,
        version: r.int(3)?,
        state: NeedState::parse(r.str(4)?).map_err(&bad)?,
        draft: NeedDraft {
            category: AidCategory::parse(r.str(5)?).map_err(&bad)?,
            description: r.text(6)?,
            amount: yuan(r.int(7)?),
            urgency: Urgency::parse(r.str(8)?).map_err(&bad)?,
            deadline: Date::parse(r.str(9)?).map_err(&bad)?,
            member_no: r.opt_int(10)?,
        },
        size: r.int(11)?,
        main_cause: Cause::parse(r.str(12)?).map_err(&bad)?,
        traits: Traits(r.int(13)? as u32),
        active_match: r.opt_text(14)?,
        recorded_by: r.text(15)?,
        recorded_on: r.text(16)?,
        note: r.text(17)?,
    })
}

pub(super) fn row(n: &Need) -> Vec<Val> {
    let d = &n.draft;
    vec![
        n.id.as_str().into(),
        n.household_id.as_str().into(),
        n.village.as_str().into(),
        n.version.into(),
        n.state.code().into(),
        d.category.code().into(),
        d.description.as_str().into(),
        d.amount.fen().into(),
        d.urgency.code().into(),
        d.deadline.to_string().into(),
        d.member_no.into(),
        n.size.into(),
        n.main_cause.code().into(),
        (n.traits.0 as i64).into(),
        n.active_match.as_deref().into(),
        n.recorded_by.as_str().into(),
        n.recorded_on.as_str().into(),
        n.note.as_str().into(),
    ]
}

pub(super) const INSERT: &str =
    "INSERT INTO needs (id, household_id, village_code, version, state, category, description, amount, urgency, \
     deadline, member_no, size, main_cause, traits, active_match, recorded_by, recorded_on, note) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";

pub(super) fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Need>> {
    tx.query_one(&format!("SELECT {COLS} FROM needs n WHERE n.id = $1"), &[id.into()])?.map(|r| parse(&r)).transpose()
}

/// A need within the caller's jurisdiction (a helper: of a paired household), else NotFound.
pub(super) fn in_scope(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<Need> {
    let mut q = Query::new(&format!("SELECT {COLS} FROM needs n WHERE n.id = "));
    let p = q.bind(id);
    q.push(&p);
    q.scope_of(&caller.scope, "n.village_code", "n.household_id", &caller.scope.region);
    tx.query_one(&q.sql, &q.params)?.map(|r| parse(&r)).transpose()?.ok_or(StoreError::NotFound)
}

fn save_state(tx: &mut dyn Tx, n: &Need) -> Result<()> {
    tx.exec(
        "UPDATE needs SET state = $1, version = $2, note = $3, active_match = $4 WHERE id = $5",
        &[n.state.code().into(), n.version.into(), n.note.as_str().into(), n.active_match.as_deref().into(), n.id.as_str().into()],
    )?;
    Ok(())
}

fn payload(n: &Need) -> serde_json::Value {
    json!({"need": n.id, "state": n.state, "category": n.draft.category, "amount": n.draft.amount.fen(), "urgency": n.draft.urgency})
}

/// Who may have needs met: households still in the file's care (poor, returned, exited and
/// still helped, or monitored).
fn may_have_needs(h: &Household) -> bool {
    matches!(h.status, Status::Poor | Status::Returned | Status::Exited) || h.monitoring.is_some()
}

pub(super) fn record<B: Backend>(s: &SqlStore<B>, caller: &Caller, household_id: &str, d: &NeedDraft, at: &str) -> Result<Need> {
    require(caller.role.may(Action::RecordNeeds), "需求由村级管理员或帮扶责任人登记")?;
    let on = business_date(at)?;
    let h = s.household(caller, household_id)?;
    if !may_have_needs(&h) {
        return Err(DomainError::new("need.household", format!("该户为“{}”，不能登记帮扶需求", h.status.label())).into());
    }
    let d = need::validate(d, &h, on)?;
    s.write(|tx| {
        let same = tx.query_one(
            "SELECT id FROM needs WHERE household_id = $1 AND category = $2 AND state IN ('recorded', 'published') \
             AND COALESCE(member_no, 0) = $3",
            &[h.id.as_str().into(), d.category.code().into(), d.member_no.unwrap_or(0).into()],
        )?;
        if let Some(r) = same {
            return Err(DomainError::new("need.duplicate", format!("本户已有同类需求{}尚未办结", r.text(0)?)).into());
        }
        let n = Need {
            // Numbered within the village, not the household: donors see the id before any
            // reveal, and it must not say which household it is.
            id: next_id(tx, "needs", &format!("{}N", h.village), 5)?,
            household_id: h.id.clone(),
            village: h.village.clone(),
            version: 1,
            state: NeedState::Recorded,
            draft: d.clone(),
            size: h.size(),
            main_cause: h.main_cause,
            traits: Traits::of(&h),
            active_match: None,
            recorded_by: caller.username.clone(),
            recorded_on: on.to_string(),
            note: String::new(),
        };
        tx.exec(INSERT, &row(&n))?;
        super::record(tx, h.village.as_str(), &h.id, "need.record", &caller.username, "登记帮扶需求", payload(&n), at)?;
        Ok(n)
    })
}

fn for_change(tx: &mut dyn Tx, caller: &Caller, id: &str, expected_version: i64) -> Result<Need> {
    let n = in_scope(tx, caller, id)?;
    if n.version != expected_version {
        return Err(StoreError::Conflict { current: n.version });
    }
    Ok(n)
}

pub(super) fn verify<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    approve: bool,
    note: &str,
    at: &str,
) -> Result<Need> {
    require(caller.role.may(Action::VerifyNeeds), "需求由乡镇扶贫管理员审核")?;
    s.write(|tx| {
        let mut n = for_change(tx, caller, id, expected_version)?;
        if n.state != NeedState::Recorded {
            return Err(DomainError::new("need.state", format!("“{}”的需求不在审核中", n.state.label())).into());
        }
        if !approve && note.trim().is_empty() {
            return Err(DomainError::new("need.note", "不予发布须写明原因").into());
        }
        n.state = if approve { NeedState::Published } else { NeedState::Withdrawn };
        n.version += 1;
        n.note = note.trim().to_string();
        save_state(tx, &n)?;
        let (kind, why) = if approve { ("need.publish", "审核通过，发布需求") } else { ("need.reject", note) };
        let mut p = payload(&n);
        if approve {
            super::tally(tx, &n.village, &mut p, NEEDS_PUBLISHED, 1)?;
        }
        super::record(tx, n.village.as_str(), &n.household_id, kind, &caller.username, why, p, at)?;
        Ok(n)
    })
}

pub(super) fn withdraw<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    note: &str,
    at: &str,
) -> Result<Need> {
    require(caller.role.may(Action::RecordNeeds), "需求由村级管理员或帮扶责任人撤销")?;
    s.write(|tx| {
        let mut n = for_change(tx, caller, id, expected_version)?;
        if !matches!(n.state, NeedState::Recorded | NeedState::Published) || n.active_match.is_some() {
            return Err(DomainError::new("need.state", "已在对接中或已办结的需求不能撤销").into());
        }
        if note.trim().is_empty() {
            return Err(DomainError::new("need.note", "撤销需求须写明原因").into());
        }
        let was_published = n.state == NeedState::Published;
        n.state = NeedState::Withdrawn;
        n.version += 1;
        n.note = note.trim().to_string();
        save_state(tx, &n)?;
        let mut p = payload(&n);
        if was_published {
            super::tally(tx, &n.village, &mut p, NEEDS_PUBLISHED, -1)?;
        }
        super::record(tx, n.village.as_str(), &n.household_id, "need.withdraw", &caller.username, note, p, at)?;
        Ok(n)
    })
}

/// `AND …` for the list filters shared by the officials' and the donors' lists.
fn filters(q: &mut Query, m: &MatchingQuery) -> Result<()> {
    if let Some(c) = m.category {
        let p = q.bind(c.code());
        q.push(&format!(" AND n.category = {p}"));
    }
    if let Some(st) = super::state_filter(m, &super::need_states())? {
        let p = q.bind(st);
        q.push(&format!(" AND n.state = {p}"));
    }
    Ok(())
}

pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, m: &MatchingQuery) -> Result<Page<Need>> {
    require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户的需求")?;
    let region = m.region.clone().unwrap_or_else(|| caller.scope.region.clone());
    if !caller.scope.region.contains(&region) && !region.contains(&caller.scope.region) {
        return Err(StoreError::NotFound);
    }
    let region = if caller.scope.region.contains(&region) { region } else { caller.scope.region.clone() };
    let (per, offset) = m.limits();
    s.read(|tx| {
        let mut q = Query::new("FROM needs n WHERE 1 = 1");
        q.scope_of(&caller.scope, "n.village_code", "n.household_id", &region);
        if let Some(h) = &m.household_id {
            let p = q.bind(h.as_str());
            q.push(&format!(" AND n.household_id = {p}"));
        }
        filters(&mut q, m)?;
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", q.sql), &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows = tx.query(&format!("SELECT {COLS} {} ORDER BY n.id LIMIT {per} OFFSET {offset}", q.sql), &q.params)?;
        Ok(page_of(rows.iter().map(parse).collect::<Result<_>>()?, total, m))
    })
}

pub(super) fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<Need> {
    require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户的需求")?;
    s.read(|tx| in_scope(tx, caller, id))
}

/// Open needs as donors see them: published, nobody on them, within the deadline; the most
/// urgent first.
pub(super) fn published<B: Backend>(s: &SqlStore<B>, caller: &Caller, m: &MatchingQuery) -> Result<Page<PublishedNeed>> {
    require(caller.role.may(Action::Donate), "需求清单供社会帮扶主体认领")?;
    let region = m.region.clone().unwrap_or_else(|| caller.scope.region.clone());
    let (per, offset) = m.limits();
    s.read(|tx| {
        let mut q = Query::new("FROM needs n WHERE n.state = 'published' AND n.active_match IS NULL");
        let (lo, hi) = region.code_range();
        let (lo, hi) = (q.bind(lo), q.bind(hi));
        q.push(&format!(" AND n.village_code >= {lo} AND n.village_code < {hi}"));
        if let Some(day) = &m.on {
            let p = q.bind(day.to_string());
            q.push(&format!(" AND n.deadline >= {p}"));
        }
        if let Some(c) = m.category {
            let p = q.bind(c.code());
            q.push(&format!(" AND n.category = {p}"));
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", q.sql), &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows = tx.query(
            &format!(
                "SELECT {COLS}, COALESCE(r.name, '') {} ORDER BY n.urgency DESC, n.deadline, n.id LIMIT {per} OFFSET {offset}",
                q.sql.replacen("FROM needs n", "FROM needs n LEFT JOIN regions r ON r.code = n.village_code", 1)
            ),
            &q.params,
        )?;
        let items = rows.iter().map(|r| Ok(parse(r)?.published(r.str(18)?))).collect::<Result<_>>()?;
        Ok(page_of(items, total, m))
    })
}

pub(super) fn suggestions<B: Backend>(s: &SqlStore<B>, caller: &Caller, household_id: &str, at: &str) -> Result<Vec<Suggestion>> {
    require(caller.role.may(Action::RecordNeeds), "需求由村级管理员或帮扶责任人登记")?;
    let h = s.household(caller, household_id)?;
    if !may_have_needs(&h) {
        return Ok(vec![]);
    }
    let open = s.read(|tx| {
        let rows = tx.query(
            "SELECT category, COALESCE(member_no, 0) FROM needs WHERE household_id = $1 AND state IN ('recorded', 'published')",
            &[h.id.as_str().into()],
        )?;
        rows.iter().map(|r| Ok((r.text(0)?, r.int(1)?))).collect::<Result<Vec<_>>>()
    })?;
    let mut out = suggest(&h, business_date(at)?);
    out.retain(|x| !open.contains(&(x.category.code().to_string(), x.member_no.unwrap_or(0))));
    Ok(out)
}
