//! 项目库 in the store: a county's projects with their budget by source and beneficiaries, the
//! steps (批复, 开工, 验收), the notices, the payments, and what reads them back: the caller's
//! list, one project (accounts masked without the bank view; unmasked accounts of households
//! audited) and the public notices (no households, no accounts).

use super::{BeneficiaryRow, MechanismCount, Notice, Payment, ProjectQuery, ProjectSummary, ProjectView, PublicProject};
use crate::core::db::{insert_many, Row, Tx, Val};
use crate::core::ledger::{self, Event};
use crate::core::query::{business_date, next_id, require, year_of, Query};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{mask_account, Action, Caller};
use fupin_domain::funds::project::{
    self as pj, Beneficiary, BudgetLine, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectState,
    ProjectStep,
};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::Status;
use fupin_domain::{DomainError, Level, RegionCode, Yuan};
use serde_json::json;

const COLS: &str = "p.id, p.version, p.county, COALESCE(c.name, p.county), p.region, COALESCE(g.name, p.region), p.year, p.name, p.kind, \
    p.state, p.budget, (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM project_payments y WHERE y.project_id = p.id), \
    (SELECT COUNT(*) FROM project_beneficiaries b WHERE b.project_id = p.id), p.description, p.implementer, p.recorded_on, \
    p.approved_on, p.started_on, p.accepted_on";
const FROM: &str = "projects p LEFT JOIN regions c ON c.code = p.county LEFT JOIN regions g ON g.code = p.region";

fn bad(table: &str, id: &str, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{table} ({id}): {what}: {e}"))
}

fn date_at(r: &Row, i: usize, id: &str) -> Result<Option<Date>> {
    r.opt_text(i)?.map(|d| Date::parse(&d).map_err(|e| bad("projects", id, "date", e.message))).transpose()
}

fn summary(r: &Row) -> Result<ProjectSummary> {
    let id = r.text(0)?;
    Ok(ProjectSummary {
        version: r.int(1)?,
        county: r.text(2)?,
        county_name: r.text(3)?,
        region: r.text(4)?,
        region_name: r.text(5)?,
        year: r.int(6)? as i32,
        name: r.text(7)?,
        kind: ProjectKind::parse(r.str(8)?).map_err(|e| bad("projects", &id, "kind", e.message))?,
        state: ProjectState::parse(r.str(9)?).map_err(|e| bad("projects", &id, "state", e.message))?,
        budget: Yuan::from_fen(r.int(10)?),
        paid: Yuan::from_fen(r.int(11)?),
        households: r.int(12)?,
        id,
    })
}

/// The project and its dates, if it exists at all (jurisdiction is the caller's to check).
fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<(ProjectSummary, Row)>> {
    let Some(r) = tx.query_one(&format!("SELECT {COLS} FROM {FROM} WHERE p.id = $1"), &[id.into()])? else { return Ok(None) };
    Ok(Some((summary(&r)?, r)))
}

/// Projects are read where they are: inside the caller's region (officials, departments, the evaluator).
fn may_read(caller: &Caller, p: &ProjectSummary) -> bool {
    caller.role.may(Action::ReadFunds)
        && caller.scope.helper_id.is_none()
        && RegionCode::parse(&p.region).is_ok_and(|r| caller.scope.region.contains(&r))
}

/// The county keeping the project, by its county official.
fn may_manage(caller: &Caller, p: &ProjectSummary) -> bool {
    caller.role.may(Action::ManageProjects) && caller.scope.region.as_str() == p.county
}

fn record_event(tx: &mut dyn Tx, county: &str, id: &str, kind: &str, actor: &str, at: &str, payload: serde_json::Value) -> Result<()> {
    let mut ev = Event::new(&ledger::chain_of(&RegionCode::parse(county)?), id, kind, actor, at, "", payload.to_string());
    ledger::append(tx, &mut ev)
}

fn budget_lines(tx: &mut dyn Tx, id: &str) -> Result<Vec<BudgetLine>> {
    tx.query("SELECT source, amount FROM project_budget WHERE project_id = $1 ORDER BY source", &[id.into()])?
        .iter()
        .map(|r| {
            Ok(BudgetLine {
                source: FundSource::parse(r.str(0)?).map_err(|e| bad("project_budget", id, "source", e.message))?,
                amount: Yuan::from_fen(r.int(1)?),
            })
        })
        .collect()
}

fn notices(tx: &mut dyn Tx, id: &str) -> Result<Vec<Notice>> {
    tx.query("SELECT kind, from_on, to_on, text FROM project_notices WHERE project_id = $1 ORDER BY n", &[id.into()])?
        .iter()
        .map(|r| {
            let d = |i| Date::parse(r.str(i)?).map_err(|e| bad("project_notices", id, "date", e.message));
            Ok(Notice {
                kind: NoticeKind::parse(r.str(0)?).map_err(|e| bad("project_notices", id, "kind", e.message))?,
                from: d(1)?,
                to: d(2)?,
                text: r.text(3)?,
            })
        })
        .collect()
}

/// Households' registration states, by id (those absent are not in the register at all).
pub(super) fn statuses(tx: &mut dyn Tx, ids: &[&str]) -> Result<std::collections::BTreeMap<String, Status>> {
    let mut out = std::collections::BTreeMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Val> = chunk.iter().map(|s| Val::from(*s)).collect();
        for r in tx.query(&format!("SELECT id, status FROM households WHERE id IN ({})", marks.join(", ")), &params)? {
            let id = r.text(0)?;
            let st = Status::parse(r.str(1)?).map_err(|e| bad("households", &id, "status", e.message))?;
            out.insert(id, st);
        }
    }
    Ok(out)
}

pub fn record<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, d: &ProjectDraft, at: &str) -> Result<ProjectView> {
    require(caller.role.may(Action::ManageProjects) && caller.scope.region.level() == Level::County, "只有县级扶贫部门可以管理项目库")?;
    let today = business_date(at)?;
    let county = caller.scope.region.clone();
    // Another county's region answers as if it did not exist.
    if !county.contains(&d.region) {
        return Err(StoreError::NotFound);
    }
    let total = d.validate(&county, year_of(at))?;
    let id = s.write(|tx| {
        if tx.query_one("SELECT 1 FROM regions WHERE code = $1", &[d.region.as_str().into()])?.is_none() {
            return Err(DomainError::new("funds.project_region", format!("区划{}不存在", d.region.as_str())).into());
        }
        let ids: Vec<&str> = d.beneficiaries.iter().map(|b| b.household_id.as_str()).collect();
        let found = statuses(tx, &ids)?;
        if let Some(b) = d.beneficiaries.iter().find(|b| !found.get(&b.household_id).is_some_and(|st| pj::may_receive(*st))) {
            let why = found.get(&b.household_id).map_or("不在建档立卡名单中".to_string(), |st| format!("为“{}”", st.label()));
            return Err(DomainError::new("funds.beneficiary_status", format!("受益户{}{}，不能作为项目受益户", b.household_id, why)).into());
        }
        let id = next_id(tx, "projects", "XM", 6)?;
        tx.exec(
            "INSERT INTO projects (id, county, region, year, name, kind, description, implementer, state, version, budget, recorded_on, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12)",
            &[
                id.as_str().into(),
                county.as_str().into(),
                d.region.as_str().into(),
                i64::from(d.year).into(),
                d.name.trim().into(),
                d.kind.code().into(),
                d.description.trim().into(),
                d.implementer.trim().into(),
                ProjectState::Planned.code().into(),
                total.fen().into(),
                today.to_string().into(),
                caller.username.as_str().into(),
            ],
        )?;
        let budget = d.budget.iter().filter(|b| b.amount > Yuan::ZERO);
        insert_many(tx, "project_budget", &["project_id", "source", "amount"], budget.map(|b| vec![id.as_str().into(), b.source.code().into(), b.amount.fen().into()]))?;
        insert_many(
            tx,
            "project_beneficiaries",
            &["project_id", "household_id", "mechanism"],
            d.beneficiaries.iter().map(|b: &Beneficiary| vec![id.as_str().into(), b.household_id.as_str().into(), b.mechanism.code().into()]),
        )?;
        let payload = json!({"name": d.name.trim(), "kind": d.kind.code(), "year": d.year, "region": d.region.as_str(),
            "budget": total.fen(), "households": d.beneficiaries.len()});
        record_event(tx, county.as_str(), &id, "project_record", &caller.username, at, payload)?;
        Ok(id)
    })?;
    get(s, caller, &id, at)
}

/// Loads a project the caller manages, at the version the caller read.
fn managed(tx: &mut dyn Tx, caller: &Caller, id: &str, expected_version: Option<i64>) -> Result<ProjectSummary> {
    let (p, _) = load(tx, id)?.ok_or(StoreError::NotFound)?;
    if !may_read(caller, &p) {
        return Err(StoreError::NotFound);
    }
    require(may_manage(caller, &p), "只有项目所在县的扶贫部门可以办理项目")?;
    if let Some(v) = expected_version {
        if v != p.version {
            return Err(StoreError::Conflict { current: p.version });
        }
    }
    Ok(p)
}

fn bump(tx: &mut dyn Tx, id: &str) -> Result<()> {
    tx.exec("UPDATE projects SET version = version + 1 WHERE id = $1", &[id.into()])?;
    Ok(())
}

pub fn step<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    step: ProjectStep,
    at: &str,
) -> Result<ProjectView> {
    let today = business_date(at)?;
    s.write(|tx| {
        let p = managed(tx, caller, id, Some(expected_version))?;
        let to = step.apply(p.state)?;
        let col = match step {
            ProjectStep::Approve => "approved_on",
            ProjectStep::Start => "started_on",
            ProjectStep::Accept => "accepted_on",
        };
        tx.exec(
            &format!("UPDATE projects SET state = $1, {col} = $2 WHERE id = $3"),
            &[to.code().into(), today.to_string().into(), id.into()],
        )?;
        bump(tx, id)?;
        record_event(tx, &p.county, id, &format!("project_{}", step.code()), &caller.username, at, json!({"state": to.code()}))
    })?;
    get(s, caller, id, at)
}

pub fn notice<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, d: &NoticeDraft, at: &str) -> Result<ProjectView> {
    let today = business_date(at)?;
    d.validate(today)?;
    let (kind, from, to, text) = (d.kind, d.from, d.to, d.text.trim());
    s.write(|tx| {
        let p = managed(tx, caller, id, None)?;
        pj::may_notice(kind, p.state)?;
        tx.exec(
            "INSERT INTO project_notices (project_id, n, kind, from_on, to_on, text, posted_by) \
             SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6 FROM project_notices WHERE project_id = $1",
            &[id.into(), kind.code().into(), from.to_string().into(), to.to_string().into(), text.into(), caller.username.as_str().into()],
        )?;
        bump(tx, id)?;
        record_event(
            tx,
            &p.county,
            id,
            "project_notice",
            &caller.username,
            at,
            json!({"kind": kind.code(), "from": from.to_string(), "to": to.to_string()}),
        )
    })?;
    get(s, caller, id, at)
}

pub fn pay<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, d: &PaymentDraft, at: &str) -> Result<ProjectView> {
    let today = business_date(at)?;
    d.validate(today)?;
    s.write(|tx| {
        let p = managed(tx, caller, id, None)?;
        pj::may_pay(p.state)?;
        if !budget_lines(tx, id)?.iter().any(|b| b.source == d.source) {
            return Err(DomainError::new("funds.payment_source", format!("项目预算中没有“{}”", d.source.label())).into());
        }
        let household = d.household_id.as_deref().map(str::trim).filter(|h| !h.is_empty());
        if let Some(h) = household {
            if h.len() != 16 || !h.bytes().all(|b| b.is_ascii_digit()) || !h.starts_with(&p.county) {
                return Err(DomainError::new("funds.payment_household", format!("户编号“{h}”应为本县16位户编号")).into());
            }
        }
        let n = tx
            .query_one("SELECT COALESCE(MAX(n), 0) + 1 FROM project_payments WHERE project_id = $1", &[id.into()])?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(1);
        tx.exec(
            "INSERT INTO project_payments (project_id, n, paid_on, amount, source, payee, account, voucher, household_id, recorded_by, recorded_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                id.into(),
                n.into(),
                d.paid_on.to_string().into(),
                d.amount.fen().into(),
                d.source.code().into(),
                d.payee.trim().into(),
                d.account.trim().into(),
                d.voucher.trim().into(),
                household.into(),
                caller.username.as_str().into(),
                at.into(),
            ],
        )?;
        bump(tx, id)?;
        let payload = json!({"n": n, "paid_on": d.paid_on.to_string(), "amount": d.amount.fen(), "source": d.source.code(), "voucher": d.voucher.trim()});
        record_event(tx, &p.county, id, "project_payment", &caller.username, at, payload)
    })?;
    get(s, caller, id, at)
}

fn payments(tx: &mut dyn Tx, id: &str, unmasked: bool) -> Result<Vec<Payment>> {
    tx.query(
        "SELECT n, paid_on, amount, source, payee, account, voucher, household_id FROM project_payments WHERE project_id = $1 ORDER BY n",
        &[id.into()],
    )?
    .iter()
    .map(|r| {
        let account = r.text(5)?;
        Ok(Payment {
            n: r.int(0)?,
            paid_on: Date::parse(r.str(1)?).map_err(|e| bad("project_payments", id, "paid_on", e.message))?,
            amount: Yuan::from_fen(r.int(2)?),
            source: FundSource::parse(r.str(3)?).map_err(|e| bad("project_payments", id, "source", e.message))?,
            payee: r.text(4)?,
            account: if unmasked { account } else { mask_account(&account) },
            voucher: r.text(6)?,
            household_id: r.opt_text(7)?,
        })
    })
    .collect()
}

pub fn get<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, at: &str) -> Result<ProjectView> {
    let today = business_date(at)?;
    let unmasked = caller.role.pii().bank;
    let view = s.read(|tx| {
        let (p, r) = load(tx, id)?.filter(|(p, _)| may_read(caller, p)).ok_or(StoreError::NotFound)?;
        let manage = may_manage(caller, &p);
        let steps = if manage {
            [ProjectStep::Approve, ProjectStep::Start, ProjectStep::Accept].into_iter().filter(|st| st.apply(p.state).is_ok()).collect()
        } else {
            vec![]
        };
        let beneficiaries = tx
            .query("SELECT household_id, mechanism FROM project_beneficiaries WHERE project_id = $1 ORDER BY household_id", &[id.into()])?
            .iter()
            .map(|b| {
                Ok(BeneficiaryRow {
                    household_id: b.text(0)?,
                    mechanism: Mechanism::parse(b.str(1)?).map_err(|e| bad("project_beneficiaries", id, "mechanism", e.message))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let flags = super::oversight::project_flags(tx, &p, today)?;
        Ok(ProjectView {
            description: r.text(13)?,
            implementer: r.text(14)?,
            recorded_on: Date::parse(r.str(15)?).map_err(|e| bad("projects", id, "recorded_on", e.message))?,
            approved_on: date_at(&r, 16, id)?,
            started_on: date_at(&r, 17, id)?,
            accepted_on: date_at(&r, 18, id)?,
            budget_lines: budget_lines(tx, id)?,
            beneficiaries,
            notices: notices(tx, id)?,
            payments: payments(tx, id, unmasked)?,
            flags,
            steps,
            may_notice: manage
                && (pj::may_notice(NoticeKind::Plan, p.state).is_ok() || pj::may_notice(NoticeKind::Result, p.state).is_ok()),
            may_pay: manage && pj::may_pay(p.state).is_ok(),
            project: p,
        })
    })?;
    // A household's account read unmasked is on record, like the file's own.
    let households: Vec<&str> = view.payments.iter().filter_map(|p| p.household_id.as_deref()).collect();
    if unmasked && !households.is_empty() {
        s.write(|tx| {
            let mut hs = households.clone();
            hs.sort_unstable();
            hs.dedup();
            insert_many(
                tx,
                "pii_audit",
                &["at", "username", "household_id", "fields"],
                hs.iter().map(|h| vec![at.into(), caller.username.as_str().into(), (*h).into(), "payment_account".into()]),
            )
        })?;
    }
    Ok(view)
}

pub fn list<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, q: &ProjectQuery) -> Result<Page<ProjectSummary>> {
    require(caller.role.may(Action::ReadFunds) && caller.scope.helper_id.is_none(), "无权查看扶贫项目")?;
    let per = if q.per_page == 0 { 50 } else { q.per_page.min(200) } as i64;
    let offset = q.page.min(100_000) as i64 * per;
    let region = match &q.region {
        Some(r) if !caller.scope.region.contains(r) => return Err(StoreError::NotFound),
        Some(r) => r.clone(),
        None => caller.scope.region.clone(),
    };
    s.read(|tx| {
        let mut sql = Query::new(&format!("FROM {FROM} WHERE 1 = 1"));
        let (lo, hi) = region.code_range();
        let (lo, hi) = (sql.bind(lo), sql.bind(hi));
        sql.push(&format!(" AND p.region >= {lo} AND p.region < {hi}"));
        if let Some(y) = q.year {
            let p = sql.bind(i64::from(y));
            sql.push(&format!(" AND p.year = {p}"));
        }
        if let Some(st) = q.state {
            let p = sql.bind(st.code());
            sql.push(&format!(" AND p.state = {p}"));
        }
        if let Some(k) = q.kind {
            let p = sql.bind(k.code());
            sql.push(&format!(" AND p.kind = {p}"));
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", sql.sql), &sql.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows =
            tx.query(&format!("SELECT {COLS} {} ORDER BY p.year DESC, p.id DESC LIMIT {per} OFFSET {offset}", sql.sql), &sql.params)?;
        let items = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, total_capped: false, page: q.page, per_page: per as u32 })
    })
}

pub fn public<B: crate::core::db::Backend>(s: &SqlStore<B>, region: &RegionCode, limit: u32) -> Result<Vec<PublicProject>> {
    let limit = limit.clamp(1, 200) as i64;
    s.read(|tx| {
        let (lo, hi) = region.code_range();
        let rows = tx.query(
            &format!(
                "SELECT {COLS} FROM {FROM} WHERE p.region >= $1 AND p.region < $2 \
                 AND EXISTS (SELECT 1 FROM project_notices n WHERE n.project_id = p.id) \
                 ORDER BY (SELECT MAX(from_on) FROM project_notices n WHERE n.project_id = p.id) DESC, p.id DESC LIMIT {limit}"
            ),
            &[lo.into(), hi.into()],
        )?;
        let mut out = vec![];
        for r in rows {
            let p = summary(&r)?;
            let mut mechanisms = vec![];
            for m in tx.query(
                "SELECT mechanism, COUNT(*) FROM project_beneficiaries WHERE project_id = $1 GROUP BY mechanism ORDER BY mechanism",
                &[p.id.as_str().into()],
            )? {
                mechanisms.push(MechanismCount {
                    mechanism: Mechanism::parse(m.str(0)?).map_err(|e| bad("project_beneficiaries", &p.id, "mechanism", e.message))?,
                    households: m.int(1)?,
                });
            }
            out.push(PublicProject {
                budget_lines: budget_lines(tx, &p.id)?,
                notices: notices(tx, &p.id)?,
                description: r.text(13)?,
                implementer: r.text(14)?,
                mechanisms,
                id: p.id,
                name: p.name,
                kind: p.kind,
                year: p.year,
                state: p.state,
                county_name: p.county_name,
                region_name: p.region_name,
                budget: p.budget,
                paid: p.paid,
                households: p.households,
            });
        }
        Ok(out)
    })
}
