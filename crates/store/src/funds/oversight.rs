//! Following the money: the report by county, source and kind (allocated, budgeted, paid, the
//! execution rate), and the flags — idle allocations, projects started without their notice,
//! payments over the budget, one account receiving for several households, payments to
//! households off the register or to members who had died or left. The flags are read from
//! what is stored each time, so they clear themselves once the cause is put right.

use super::allocations::{counties, region_name};
use super::projects::statuses;
use super::{Flag, FundsReport, FundsRow, ProjectSummary};
use crate::core::db::{Tx, Val};
use crate::core::query::require;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{mask_account, Action, Caller};
use fupin_domain::funds::project::{self as pj, FlagKind, ProjectKind};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::{Level, RegionCode, Yuan};
use std::collections::{BTreeMap, BTreeSet};

fn region_of(caller: &Caller, region: Option<&RegionCode>) -> Result<RegionCode> {
    require(caller.role.may(Action::ReadFunds) && caller.scope.helper_id.is_none(), "无权查看扶贫资金")?;
    match region {
        Some(r) if !caller.scope.region.contains(r) => Err(StoreError::NotFound),
        Some(r) => Ok(r.clone()),
        None => Ok(caller.scope.region.clone()),
    }
}

/// The sources the factor method allocates: what the execution rate and the idle rule count.
fn allocated_source(s: FundSource) -> bool {
    matches!(s, FundSource::Central | FundSource::Provincial | FundSource::City)
}

fn row(code: &str, label: &str) -> FundsRow {
    FundsRow {
        code: code.into(),
        label: label.into(),
        allocated: Yuan::ZERO,
        budget: Yuan::ZERO,
        paid: Yuan::ZERO,
        rate_permille: None,
        projects: 0,
    }
}

fn rate(paid: Yuan, allocated: Yuan) -> Option<i64> {
    (allocated > Yuan::ZERO).then(|| (i128::from(paid.fen()) * 1000 / i128::from(allocated.fen())) as i64)
}

fn range(r: &RegionCode) -> (Val, Val) {
    let (lo, hi) = r.code_range();
    (lo.into(), hi.into())
}

pub fn report<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    region: Option<&RegionCode>,
    year: i32,
) -> Result<FundsReport> {
    let region = region_of(caller, region)?;
    s.read(|tx| {
        let (lo, hi) = range(&region);
        let y: Val = i64::from(year).into();
        // Allocations reach counties: a region below a county has none of its own.
        let with_allocations = region.level() <= Level::County;
        let mut by_county: BTreeMap<String, FundsRow> = BTreeMap::new();
        if with_allocations {
            for (code, name) in counties(tx, &region)? {
                by_county.insert(code.clone(), row(&code, &name));
            }
        }
        let mut by_source: BTreeMap<FundSource, FundsRow> =
            FundSource::ALL.iter().map(|s| (*s, row(s.code(), s.label()))).collect();
        let mut by_kind: BTreeMap<ProjectKind, FundsRow> = ProjectKind::ALL.iter().map(|k| (*k, row(k.code(), k.label()))).collect();
        let mut total = row(region.as_str(), &region_name(tx, region.as_str())?);
        let mut paid_allocated: BTreeMap<String, Yuan> = BTreeMap::new();
        if with_allocations {
            for r in tx.query(
                "SELECT l.county, a.source, CAST(SUM(l.amount) AS BIGINT) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id \
                 WHERE a.year = $1 AND l.county >= $2 AND l.county < $3 GROUP BY l.county, a.source",
                &[y.clone(), lo.clone(), hi.clone()],
            )? {
                let amount = Yuan::from_fen(r.int(2)?);
                let source = FundSource::parse(r.str(1)?).map_err(|e| StoreError::Corrupt(format!("allocations: source: {}", e.message)))?;
                if let Some(c) = by_county.get_mut(r.str(0)?) {
                    c.allocated = c.allocated + amount;
                }
                let sr = by_source.get_mut(&source).expect("every source has a row");
                sr.allocated = sr.allocated + amount;
                total.allocated = total.allocated + amount;
            }
        }
        for r in tx.query(
            "SELECT p.county, p.kind, COUNT(*), CAST(SUM(p.budget) AS BIGINT) FROM projects p WHERE p.year = $1 AND p.region >= $2 AND p.region < $3 \
             GROUP BY p.county, p.kind",
            &[y.clone(), lo.clone(), hi.clone()],
        )? {
            let kind = ProjectKind::parse(r.str(1)?).map_err(|e| StoreError::Corrupt(format!("projects: kind: {}", e.message)))?;
            let (n, budget) = (r.int(2)?, Yuan::from_fen(r.int(3)?));
            for target in [by_county.get_mut(r.str(0)?), by_kind.get_mut(&kind), Some(&mut total)].into_iter().flatten() {
                target.projects += n;
                target.budget = target.budget + budget;
            }
        }
        for r in tx.query(
            "SELECT b.source, CAST(SUM(b.amount) AS BIGINT), COUNT(*) FROM project_budget b JOIN projects p ON p.id = b.project_id \
             WHERE p.year = $1 AND p.region >= $2 AND p.region < $3 GROUP BY b.source",
            &[y.clone(), lo.clone(), hi.clone()],
        )? {
            let source = FundSource::parse(r.str(0)?).map_err(|e| StoreError::Corrupt(format!("project_budget: source: {}", e.message)))?;
            let sr = by_source.get_mut(&source).expect("every source has a row");
            sr.budget = sr.budget + Yuan::from_fen(r.int(1)?);
            sr.projects += r.int(2)?;
        }
        for r in tx.query(
            "SELECT p.county, p.kind, y.source, CAST(SUM(y.amount) AS BIGINT) FROM project_payments y JOIN projects p ON p.id = y.project_id \
             WHERE p.year = $1 AND p.region >= $2 AND p.region < $3 GROUP BY p.county, p.kind, y.source",
            &[y, lo, hi],
        )? {
            let county = r.text(0)?;
            let kind = ProjectKind::parse(r.str(1)?).map_err(|e| StoreError::Corrupt(format!("projects: kind: {}", e.message)))?;
            let source = FundSource::parse(r.str(2)?).map_err(|e| StoreError::Corrupt(format!("project_payments: source: {}", e.message)))?;
            let paid = Yuan::from_fen(r.int(3)?);
            for target in [by_county.get_mut(&county), by_kind.get_mut(&kind), by_source.get_mut(&source), Some(&mut total)].into_iter().flatten() {
                target.paid = target.paid + paid;
            }
            if allocated_source(source) {
                *paid_allocated.entry(county).or_default() = paid_allocated.get(&r.text(0)?).copied().unwrap_or_default() + paid;
            }
        }
        for c in by_county.values_mut() {
            c.rate_permille = rate(paid_allocated.get(&c.code).copied().unwrap_or_default(), c.allocated);
        }
        for sr in by_source.values_mut() {
            sr.rate_permille = rate(sr.paid, sr.allocated);
        }
        total.rate_permille = rate(paid_allocated.values().fold(Yuan::ZERO, |t, v| t + *v), total.allocated);
        Ok(FundsReport {
            region: region.as_str().to_string(),
            region_name: total.label.clone(),
            year,
            total,
            by_county: by_county.into_values().collect(),
            by_source: by_source.into_values().filter(|r| r.allocated > Yuan::ZERO || r.budget > Yuan::ZERO).collect(),
            by_kind: by_kind.into_values().filter(|r| r.projects > 0).collect(),
        })
    })
}

struct Paid {
    project: String,
    project_name: String,
    county: String,
    county_name: String,
    payee: String,
    account: String,
    household: String,
    amount: Yuan,
}

fn flag(kind: FlagKind, county: &str, county_name: &str, project: Option<(&str, &str)>, detail: String, amount: Option<Yuan>) -> Flag {
    Flag {
        kind,
        label: kind.label().to_string(),
        county: county.to_string(),
        county_name: county_name.to_string(),
        project_id: project.map(|p| p.0.to_string()),
        project_name: project.map_or(String::new(), |p| p.1.to_string()),
        detail,
        amount,
    }
}

/// The flags of the projects located in `[lo, hi)` (or of one project), with the idle funds of
/// the counties there when `idle`; accounts in details masked unless `unmasked`.
fn flags_in(tx: &mut dyn Tx, region: &RegionCode, project: Option<&str>, today: Date, unmasked: bool) -> Result<Vec<Flag>> {
    let (lo, hi) = range(region);
    let mut out = vec![];
    let one = project.map(|p| format!(" AND p.id = '{}'", p.replace('\'', "")));
    let only = one.as_deref().unwrap_or("");
    // Projects at work without a plan notice that was up ten days before the start, and
    // projects paid beyond their budget.
    let rows = tx.query(
        &format!(
            "SELECT p.id, p.name, p.county, COALESCE(c.name, p.county), p.started_on, p.budget, \
             (SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM project_payments y WHERE y.project_id = p.id) \
             FROM projects p LEFT JOIN regions c ON c.code = p.county WHERE p.region >= $1 AND p.region < $2{only} ORDER BY p.id"
        ),
        &[lo.clone(), hi.clone()],
    )?;
    for r in &rows {
        let (id, name, county, county_name) = (r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?);
        if let Some(started) = r.opt_text(4)? {
            let started = Date::parse(&started).map_err(|e| StoreError::Corrupt(format!("projects ({id}): started_on: {}", e.message)))?;
            let plans = tx.query(
                "SELECT from_on, to_on FROM project_notices WHERE project_id = $1 AND kind = $2",
                &[id.as_str().into(), pj::NoticeKind::Plan.code().into()],
            )?;
            let mut ok = false;
            for n in plans {
                let (f, t) = (Date::parse(n.str(0)?).ok(), Date::parse(n.str(1)?).ok());
                ok |= pj::noticed_before(f, t, started);
            }
            if !ok {
                let detail = format!("{started}开工，开工前未按规定公示（不少于{}天）", pj::NOTICE_DAYS_MIN);
                out.push(flag(FlagKind::NotNoticed, &county, &county_name, Some((&id, &name)), detail, None));
            }
        }
        let (budget, paid) = (Yuan::from_fen(r.int(5)?), Yuan::from_fen(r.int(6)?));
        if paid > budget {
            let detail = format!("预算{budget}元，已拨付{paid}元");
            out.push(flag(FlagKind::OverBudget, &county, &county_name, Some((&id, &name)), detail, Some(paid - budget)));
        }
    }
    // Payments to households: off the register, to a member gone, one account for several.
    let paid: Vec<Paid> = tx
        .query(
            &format!(
                "SELECT p.id, p.name, p.county, COALESCE(c.name, p.county), y.payee, y.account, y.household_id, y.amount \
                 FROM project_payments y JOIN projects p ON p.id = y.project_id LEFT JOIN regions c ON c.code = p.county \
                 WHERE y.household_id IS NOT NULL AND p.region >= $1 AND p.region < $2{only} ORDER BY p.id, y.n"
            ),
            &[lo.clone(), hi.clone()],
        )?
        .iter()
        .map(|r| {
            Ok(Paid {
                project: r.text(0)?,
                project_name: r.text(1)?,
                county: r.text(2)?,
                county_name: r.text(3)?,
                payee: r.text(4)?,
                account: r.text(5)?,
                household: r.text(6)?,
                amount: Yuan::from_fen(r.int(7)?),
            })
        })
        .collect::<Result<_>>()?;
    let mut households: Vec<&str> = paid.iter().map(|p| p.household.as_str()).collect();
    households.sort_unstable();
    households.dedup();
    let status = statuses(tx, &households)?;
    let mut gone: BTreeSet<(String, String)> = BTreeSet::new();
    let mut present: BTreeSet<(String, String)> = BTreeSet::new();
    for chunk in households.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Val> = chunk.iter().map(|h| Val::from(*h)).collect();
        for m in
            tx.query(&format!("SELECT household_id, name, active FROM members WHERE household_id IN ({})", marks.join(", ")), &params)?
        {
            let key = (m.text(0)?, m.text(1)?);
            if m.int(2)? == 1 {
                present.insert(key);
            } else {
                gone.insert(key);
            }
        }
    }
    let show = |a: &str| if unmasked { a.to_string() } else { mask_account(a) };
    for p in &paid {
        let pr = Some((p.project.as_str(), p.project_name.as_str()));
        match status.get(&p.household) {
            Some(st) if pj::may_receive(*st) => {}
            st => {
                let why = st.map_or("不在建档立卡名单中".to_string(), |s| format!("为“{}”", s.label()));
                let detail = format!("拨付给户{}（{}），该户{why}", p.household, p.payee);
                out.push(flag(FlagKind::OutsideRegister, &p.county, &p.county_name, pr, detail, Some(p.amount)));
            }
        }
        let key = (p.household.clone(), p.payee.trim().to_string());
        if gone.contains(&key) && !present.contains(&key) {
            let detail = format!("收款人{}已死亡或迁出户{}", p.payee, p.household);
            out.push(flag(FlagKind::LeftMember, &p.county, &p.county_name, pr, detail, Some(p.amount)));
        }
    }
    let mut by_account: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &paid {
        by_account.entry(p.account.as_str()).or_default().insert(p.household.as_str());
    }
    for (account, hs) in by_account.iter().filter(|(_, hs)| hs.len() > 1) {
        let first = paid.iter().find(|p| p.account == *account).expect("an account paid");
        let list: Vec<&str> = hs.iter().copied().collect();
        let detail = format!("账户{}为{}户收款：{}", show(account), hs.len(), list.join("、"));
        let total = paid.iter().filter(|p| p.account == *account).fold(Yuan::ZERO, |t, p| t + p.amount);
        out.push(flag(FlagKind::SharedAccount, &first.county, &first.county_name, None, detail, Some(total)));
    }
    if project.is_none() {
        out.extend(idle(tx, region, today)?);
    }
    Ok(out)
}

/// Per county and year: allocated by allocations published over `IDLE_DAYS` ago, less what
/// the county's projects of that year paid from the allocated sources.
fn idle(tx: &mut dyn Tx, region: &RegionCode, today: Date) -> Result<Vec<Flag>> {
    let counties: BTreeMap<String, String> = counties(tx, region)?.into_iter().collect();
    if counties.is_empty() {
        return Ok(vec![]);
    }
    // Every county the region reaches (a village or township reaches its county's).
    let (lo, hi) = range(&super::allocations::span(region));
    let before = Date::from_day_number(today.day_number() - pj::IDLE_DAYS).to_string();
    let mut allocated: BTreeMap<(String, i64), Yuan> = BTreeMap::new();
    for r in tx.query(
        "SELECT l.county, a.year, CAST(SUM(l.amount) AS BIGINT) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id \
         WHERE a.published_on <= $1 AND l.county >= $2 AND l.county < $3 GROUP BY l.county, a.year",
        &[before.into(), lo.clone(), hi.clone()],
    )? {
        allocated.insert((r.text(0)?, r.int(1)?), Yuan::from_fen(r.int(2)?));
    }
    let mut paid: BTreeMap<(String, i64), Yuan> = BTreeMap::new();
    for r in tx.query(
        "SELECT p.county, p.year, y.source, CAST(SUM(y.amount) AS BIGINT) FROM project_payments y JOIN projects p ON p.id = y.project_id \
         WHERE p.county >= $1 AND p.county < $2 GROUP BY p.county, p.year, y.source",
        &[lo, hi],
    )? {
        let source = FundSource::parse(r.str(2)?).map_err(|e| StoreError::Corrupt(format!("project_payments: source: {}", e.message)))?;
        if allocated_source(source) {
            let e = paid.entry((r.text(0)?, r.int(1)?)).or_default();
            *e = *e + Yuan::from_fen(r.int(3)?);
        }
    }
    let mut out = vec![];
    for ((county, year), a) in allocated {
        let Some(name) = counties.get(&county) else { continue };
        let p = paid.get(&(county.clone(), year)).copied().unwrap_or_default();
        if a > p {
            let detail = format!("{year}年下达{a}元，一年以上仍有{}元未拨付（已拨付{p}元）", a - p);
            out.push(flag(FlagKind::Idle, &county, name, None, detail, Some(a - p)));
        }
    }
    Ok(out)
}

pub fn flags<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, region: Option<&RegionCode>, today: Date) -> Result<Vec<Flag>> {
    let region = region_of(caller, region)?;
    let unmasked = caller.role.pii().bank;
    s.read(|tx| flags_in(tx, &region, None, today, unmasked))
}

/// One project's flags (never the county's idle funds), accounts masked.
pub(super) fn project_flags(tx: &mut dyn Tx, p: &ProjectSummary, today: Date) -> Result<Vec<Flag>> {
    flags_in(tx, &RegionCode::parse(&p.region)?, Some(&p.id), today, false)
}
