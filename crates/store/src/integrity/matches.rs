//! The people index, the matches recorded batch by batch, the villages' verification and what
//! reads them back (ID numbers masked without the role's view; unmasked ones audited).

use super::{Batch, Detail, KindCount, MatchQuery, PeopleIndex, Person, RegisterMatch, RegisterRun};
use crate::core::db::{insert_many, Backend, Row, Tx};
use crate::core::ledger::{self, Event};
use crate::core::query::{business_date, next_id, require, Query};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::integrity::{self as ig, FileNow, Outcome, Record, RegisterKind};
use fupin_domain::registry::codes::Status;
use fupin_domain::{DomainError, IdNumber, RegionCode};
use rustc_hash::FxHashMap;
use serde_json::json;

fn bad(table: &str, id: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table} ({id}): {what}: {e}"))
}

/// Seventeen digits and a check character, as stored (the import validated the number).
fn stored_key(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    (b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit)).then(|| b[..17].iter().fold(0u64, |k, d| k * 10 + u64::from(d - b'0')))
}

pub fn index<B: Backend>(s: &SqlStore<B>, caller: &Caller) -> Result<PeopleIndex> {
    require(caller.role.may(Action::MatchRegisters) && caller.scope.helper_id.is_none(), "只有省、市、县扶贫部门可以开展大数据比对")?;
    let region = caller.scope.region.clone();
    let parts = s.on_units(&region, |tx, lo, hi| {
        let mut checked: rustc_hash::FxHashSet<u64> = Default::default();
        for r in tx.query("SELECT id, status FROM households WHERE id >= $1 AND id < $2", &[lo.into(), hi.into()])? {
            let id = r.str(0)?;
            let st = Status::parse(r.str(1)?).map_err(|e| bad("households", id, "status", e.message))?;
            if ig::checked(st) {
                checked.insert(id.parse().map_err(|e| bad("households", id, "id", e))?);
            }
        }
        let mut out = Vec::with_capacity(checked.len() * 3);
        let rows = tx.query(
            "SELECT household_id, member_no, id_number FROM members WHERE household_id >= $1 AND household_id < $2 AND active = 1",
            &[lo.into(), hi.into()],
        )?;
        for r in rows {
            let h = r.str(0)?;
            let household: u64 = h.parse().map_err(|e| bad("members", h, "household_id", e))?;
            if !checked.contains(&household) {
                continue;
            }
            let key = stored_key(r.str(2)?).ok_or_else(|| bad("members", h, "id_number", "not 18 characters"))?;
            out.push((key, Person { household, member_no: r.int(1)? as u16 }));
        }
        Ok(out)
    })?;
    let mut people = FxHashMap::with_capacity_and_hasher(parts.iter().map(Vec::len).sum(), Default::default());
    for part in parts {
        people.extend(part);
    }
    Ok(PeopleIndex { region, people })
}

/// The member a match names, as the file is now: (ID number, counts, village, status).
fn member_now(tx: &mut dyn Tx, household: &str, member_no: i64) -> Result<Option<(String, bool, String, Status)>> {
    let Some(r) = tx.query_one(
        "SELECT m.id_number, m.active, m.village_code, h.status FROM members m JOIN households h ON h.id = m.household_id \
         WHERE m.household_id = $1 AND m.member_no = $2",
        &[household.into(), member_no.into()],
    )?
    else {
        return Ok(None);
    };
    let st = Status::parse(r.str(3)?).map_err(|e| bad("households", household, "status", e.message))?;
    Ok(Some((r.text(0)?, r.int(1)? == 1, r.text(2)?, st)))
}

pub fn record<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    index: &PeopleIndex,
    run: &RegisterRun,
    found: &[(Record, Person)],
    at: &str,
) -> Result<Batch> {
    require(caller.role.may(Action::MatchRegisters) && caller.scope.helper_id.is_none(), "只有省、市、县扶贫部门可以开展大数据比对")?;
    let region = index.region().clone();
    require(caller.scope.region.contains(&region), "比对范围超出本级管辖")?;
    let today = business_date(at)?;
    let due = Date::from_day_number(today.day_number() + ig::VERIFY_DAYS);
    let file_name: String = run.file_name.chars().take(200).collect();
    let id = s.write(|tx| {
        let batch = next_id(tx, "register_batches", "BD", 8)?;
        let first = next_id(tx, "register_matches", "YD", 10)?;
        let mut n: u64 = first[2..].parse().map_err(|e| bad("register_matches", &first, "id", e))?;
        let (mut matched, mut fresh) = (0i64, 0i64);
        let mut rows = vec![];
        let mut events = vec![];
        let mut seen = rustc_hash::FxHashSet::default();
        for (rec, p) in found {
            let household = p.household_id();
            // The file may have changed since the index was read: only what still holds counts.
            let Some((number, active, village, status)) = member_now(tx, &household, i64::from(p.member_no))? else { continue };
            let inside = RegionCode::parse(&village).is_ok_and(|v| region.contains(&v));
            if number != rec.id_number.as_str() || !active || !ig::checked(status) || !inside {
                continue;
            }
            matched += 1;
            let date = rec.date.to_string();
            if !seen.insert((rec.id_number.as_str().to_string(), date.clone()))
                || tx
                    .query_one(
                        "SELECT 1 FROM register_matches WHERE kind = $1 AND id_number = $2 AND event_date = $3",
                        &[run.kind.code().into(), rec.id_number.as_str().into(), date.as_str().into()],
                    )?
                    .is_some()
            {
                continue;
            }
            let id = format!("YD{n:010}");
            n += 1;
            fresh += 1;
            let details: Vec<[&str; 2]> = rec.details.iter().map(|(c, v)| [c.as_str(), v.as_str()]).collect();
            let chain = ledger::chain_of(&RegionCode::parse(&village)?);
            let payload = json!({"match": id, "kind": run.kind.code(), "member_no": p.member_no, "date": date, "batch": batch});
            events.push(Event::new(&chain, &household, "register_match", &caller.username, at, "", payload.to_string()));
            rows.push(vec![
                id.into(),
                run.kind.code().into(),
                rec.id_number.as_str().into(),
                date.into(),
                rec.name.as_str().into(),
                serde_json::to_string(&details).map_err(|e| StoreError::Db(e.to_string()))?.into(),
                household.into(),
                i64::from(p.member_no).into(),
                village.into(),
                batch.as_str().into(),
                today.to_string().into(),
                due.to_string().into(),
                Outcome::Pending.code().into(),
                "".into(),
            ]);
        }
        insert_many(
            tx,
            "register_matches",
            &[
                "id",
                "kind",
                "id_number",
                "event_date",
                "register_name",
                "details",
                "household_id",
                "member_no",
                "village_code",
                "batch_id",
                "found_on",
                "due_on",
                "outcome",
                "note",
            ],
            rows.into_iter(),
        )?;
        tx.exec(
            "INSERT INTO register_batches (id, kind, region, file_name, sha256, rows_read, matched, new_matches, run_by, run_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                batch.as_str().into(),
                run.kind.code().into(),
                region.as_str().into(),
                file_name.as_str().into(),
                run.sha256.as_str().into(),
                (run.rows as i64).into(),
                matched.into(),
                fresh.into(),
                caller.username.as_str().into(),
                at.into(),
            ],
        )?;
        let payload = json!({"batch": batch, "kind": run.kind.code(), "file": file_name, "sha256": run.sha256, "rows": run.rows,
            "matched": matched, "new": fresh});
        events.push(Event::new(&ledger::chain_of(&region), "", "register_batch", &caller.username, at, "", payload.to_string()));
        ledger::append_many(tx, &mut events)?;
        Ok(batch)
    })?;
    batches(s, caller, 500)?.into_iter().find(|b| b.id == id).ok_or(StoreError::NotFound)
}

fn may_read(caller: &Caller) -> Result<()> {
    require(caller.role.may(Action::ReadMatches) && caller.scope.helper_id.is_none(), "无权查看大数据比对结果")
}

pub fn batches<B: Backend>(s: &SqlStore<B>, caller: &Caller, limit: u32) -> Result<Vec<Batch>> {
    may_read(caller)?;
    let mine = &caller.scope.region;
    let rows = s.read(|tx| {
        tx.query(
            "SELECT b.id, b.kind, b.region, COALESCE(r.name, b.region), b.file_name, b.sha256, b.rows_read, b.matched, b.new_matches, \
             b.run_by, b.run_at FROM register_batches b LEFT JOIN regions r ON r.code = b.region ORDER BY b.id DESC LIMIT 2000",
            &[],
        )
    })?;
    let mut out = vec![];
    for r in rows {
        let region = RegionCode::parse(r.str(2)?)?;
        // A batch over the caller's region, or over one above it that reached it.
        if !(mine.contains(&region) || region.contains(mine)) {
            continue;
        }
        let id = r.text(0)?;
        let kind = RegisterKind::parse(r.str(1)?).map_err(|e| bad("register_batches", &id, "kind", e.message))?;
        out.push(Batch {
            kind,
            kind_label: kind.label().into(),
            region: region.as_str().into(),
            region_name: r.text(3)?,
            file_name: r.text(4)?,
            sha256: r.text(5)?,
            rows: r.int(6)?,
            matched: r.int(7)?,
            new_matches: r.int(8)?,
            run_by: r.text(9)?,
            run_at: r.text(10)?,
            id,
        });
        if out.len() >= limit.clamp(1, 500) as usize {
            break;
        }
    }
    Ok(out)
}

const COLS: &str = "x.id, x.kind, x.id_number, x.event_date, x.register_name, x.details, x.household_id, x.member_no, x.village_code, \
    COALESCE(v.name, x.village_code), x.batch_id, x.found_on, x.due_on, x.outcome, x.note, x.decided_by, x.decided_on, COALESCE(m.name, '')";
const FROM: &str = "register_matches x LEFT JOIN regions v ON v.code = x.village_code \
    LEFT JOIN members m ON m.household_id = x.household_id AND m.member_no = x.member_no";

fn view(r: &Row, caller: &Caller, today: Date) -> Result<RegisterMatch> {
    let id = r.text(0)?;
    let b = |what: &str, e: DomainError| bad("register_matches", &id, what, e.message);
    let kind = RegisterKind::parse(r.str(1)?).map_err(|e| b("kind", e))?;
    let number = IdNumber::parse(r.str(2)?).map_err(|e| b("id_number", e))?;
    let date = |i: usize| Date::parse(r.str(i)?).map_err(|e| b("date", e));
    let details: Vec<(String, String)> =
        serde_json::from_str(r.str(5)?).map_err(|e| bad("register_matches", &id, "details", e))?;
    let outcome = Outcome::parse(r.str(13)?).map_err(|e| b("outcome", e))?;
    let due_on = date(12)?;
    let village = r.text(8)?;
    let member_name = r.text(17)?;
    let register_name = r.text(4)?;
    Ok(RegisterMatch {
        kind,
        kind_label: kind.label().into(),
        finding: kind.finding().into(),
        household_id: r.text(6)?,
        member_no: r.int(7)?,
        name_differs: !member_name.is_empty() && member_name != register_name,
        member_name,
        register_name,
        id_number: if caller.role.pii().id_number { number.as_str().into() } else { number.masked() },
        event_date: date(3)?,
        date_label: kind.date_label().into(),
        details: details.into_iter().map(|(column, value)| Detail { column, value }).collect(),
        may_decide: outcome == Outcome::Pending && may_decide(caller, &village),
        village_name: r.text(9)?,
        village_code: village,
        batch_id: r.text(10)?,
        found_on: date(11)?,
        overdue: outcome == Outcome::Pending && due_on < today,
        due_on,
        outcome,
        outcome_label: outcome.label().into(),
        note: r.text(14)?,
        decided_by: r.opt_text(15)?,
        decided_on: r.opt_text(16)?.map(|d| Date::parse(&d).map_err(|e| b("decided_on", e))).transpose()?,
        id,
    })
}

fn may_decide(caller: &Caller, village: &str) -> bool {
    caller.role.may(Action::VerifyMatches) && RegionCode::parse(village).is_ok_and(|v| caller.scope.region.contains(&v))
}

/// ID numbers read unmasked are on record, like the file's own.
fn audit<B: Backend>(s: &SqlStore<B>, caller: &Caller, items: &[RegisterMatch], at: &str) -> Result<()> {
    if !caller.role.pii().id_number || items.is_empty() {
        return Ok(());
    }
    let mut hs: Vec<&str> = items.iter().map(|m| m.household_id.as_str()).collect();
    hs.sort_unstable();
    hs.dedup();
    s.write(|tx| {
        insert_many(
            tx,
            "pii_audit",
            &["at", "username", "household_id", "fields"],
            hs.iter().map(|h| vec![at.into(), caller.username.as_str().into(), (*h).into(), "register_match_id_number".into()]),
        )
    })
}

fn within(caller: &Caller, region: Option<&RegionCode>) -> Result<RegionCode> {
    match region {
        Some(r) if !caller.scope.region.contains(r) => Err(StoreError::NotFound),
        Some(r) => Ok(r.clone()),
        None => Ok(caller.scope.region.clone()),
    }
}

pub fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, q: &MatchQuery, at: &str) -> Result<Page<RegisterMatch>> {
    may_read(caller)?;
    let today = business_date(at)?;
    let region = within(caller, q.region.as_ref())?;
    let per = if q.per_page == 0 { 50 } else { q.per_page.min(200) } as i64;
    let offset = q.page.min(100_000) as i64 * per;
    let page = s.read(|tx| {
        let mut sql = Query::new(&format!("FROM {FROM} WHERE 1 = 1"));
        let (lo, hi) = region.code_range();
        let (lo, hi) = (sql.bind(lo), sql.bind(hi));
        sql.push(&format!(" AND x.village_code >= {lo} AND x.village_code < {hi}"));
        if let Some(k) = q.kind {
            let p = sql.bind(k.code());
            sql.push(&format!(" AND x.kind = {p}"));
        }
        if let Some(o) = q.outcome {
            let p = sql.bind(o.code());
            sql.push(&format!(" AND x.outcome = {p}"));
        }
        if q.overdue {
            let (p, d) = (sql.bind(Outcome::Pending.code()), sql.bind(today.to_string()));
            sql.push(&format!(" AND x.outcome = {p} AND x.due_on < {d}"));
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", sql.sql), &sql.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows = tx.query(
            &format!(
                "SELECT {COLS} {} ORDER BY CASE WHEN x.outcome = 'pending' THEN 0 ELSE 1 END, x.due_on, x.id LIMIT {per} OFFSET {offset}",
                sql.sql
            ),
            &sql.params,
        )?;
        let items = rows.iter().map(|r| view(r, caller, today)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, total_capped: false, page: q.page, per_page: per as u32 })
    })?;
    audit(s, caller, &page.items, at)?;
    Ok(page)
}

fn load(tx: &mut dyn Tx, caller: &Caller, id: &str, today: Date) -> Result<RegisterMatch> {
    let r = tx.query_one(&format!("SELECT {COLS} FROM {FROM} WHERE x.id = $1"), &[id.into()])?.ok_or(StoreError::NotFound)?;
    let m = view(&r, caller, today)?;
    // Outside the caller's region a match answers as if it did not exist.
    if !RegionCode::parse(&m.village_code).is_ok_and(|v| caller.scope.region.contains(&v)) {
        return Err(StoreError::NotFound);
    }
    Ok(m)
}

pub fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, at: &str) -> Result<RegisterMatch> {
    may_read(caller)?;
    let today = business_date(at)?;
    let m = s.read(|tx| load(tx, caller, id, today))?;
    audit(s, caller, std::slice::from_ref(&m), at)?;
    Ok(m)
}

pub fn decide<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, outcome: Outcome, note: &str, at: &str) -> Result<RegisterMatch> {
    may_read(caller)?;
    let today = business_date(at)?;
    s.write(|tx| {
        let m = load(tx, caller, id, today)?;
        require(may_decide(caller, &m.village_code), "只有该村的村级管理员可以记录核实结果")?;
        if m.outcome != Outcome::Pending {
            return Err(DomainError::new("integrity.decided", format!("该条比对疑点已核实为“{}”", m.outcome_label)).into());
        }
        let (_, active, _, status) = member_now(tx, &m.household_id, m.member_no)?.ok_or(StoreError::NotFound)?;
        ig::decide(outcome, note, FileNow { status, member_active: active })?;
        tx.exec(
            "UPDATE register_matches SET outcome = $1, note = $2, decided_by = $3, decided_on = $4 WHERE id = $5 AND outcome = $6",
            &[
                outcome.code().into(),
                note.trim().into(),
                caller.username.as_str().into(),
                today.to_string().into(),
                id.into(),
                Outcome::Pending.code().into(),
            ],
        )?;
        let chain = ledger::chain_of(&RegionCode::parse(&m.village_code)?);
        let mut ev = Event::new(
            &chain,
            &m.household_id,
            "register_verify",
            &caller.username,
            at,
            note.trim(),
            json!({"match": id, "kind": m.kind.code(), "outcome": outcome.code()}).to_string(),
        );
        ledger::append(tx, &mut ev)
    })?;
    get(s, caller, id, at)
}

pub fn summary<B: Backend>(s: &SqlStore<B>, caller: &Caller, region: Option<&RegionCode>, at: &str) -> Result<Vec<KindCount>> {
    may_read(caller)?;
    let today = business_date(at)?;
    let region = within(caller, region)?;
    let (lo, hi) = region.code_range();
    let rows = s.read(|tx| {
        tx.query(
            "SELECT kind, outcome, late, COUNT(*) FROM (SELECT kind, outcome, CASE WHEN outcome = 'pending' AND due_on < $3 THEN 1 ELSE 0 END \
             AS late FROM register_matches WHERE village_code >= $1 AND village_code < $2) t GROUP BY kind, outcome, late",
            &[lo.as_str().into(), hi.as_str().into(), today.to_string().into()],
        )
    })?;
    let mut out: Vec<KindCount> = RegisterKind::ALL
        .iter()
        .map(|k| KindCount { kind: *k, label: k.label().into(), pending: 0, overdue: 0, explained: 0, removed: 0, member_changed: 0 })
        .collect();
    for r in rows {
        let kind = RegisterKind::parse(r.str(0)?).map_err(|e| bad("register_matches", "", "kind", e.message))?;
        let outcome = Outcome::parse(r.str(1)?).map_err(|e| bad("register_matches", "", "outcome", e.message))?;
        let n = r.int(3)?;
        let c = out.iter_mut().find(|c| c.kind == kind).expect("every kind listed");
        match outcome {
            Outcome::Pending => {
                c.pending += n;
                if r.int(2)? == 1 {
                    c.overdue += n;
                }
            }
            Outcome::Explained => c.explained += n,
            Outcome::Removed => c.removed += n,
            Outcome::MemberChanged => c.member_changed += n,
        }
    }
    Ok(out)
}
