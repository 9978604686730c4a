//! 因素法 in the store: the factors read from the rollups (the remaining poor, their share of
//! the rural population) and the 倒排工期 targets, with the configured fiscal capacity and
//! appraisal score; the preview computed from them; the publication, which stores each
//! county's line with the values it was computed from, so a published allocation explains
//! itself however the registry changes afterwards.

use super::{Allocation, CountyFactors, FactorInput};
use crate::core::db::{Row, Tx};
use crate::core::ledger::{self, Event};
use crate::core::query::{business_date, next_id, require, year_of};
use crate::core::rollups::figures_with;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::funds::allocation::{self as al, AllocationDraft, CountyInput, Factor, FactorShare, Line, Weight};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::{DomainError, Level, RegionCode, Yuan};
use serde_json::json;
use std::collections::BTreeMap;

/// The counties inside `region` (or the county holding it, for a region below a county).
pub(super) fn counties(tx: &mut dyn Tx, region: &RegionCode) -> Result<Vec<(String, String)>> {
    let span = span(region);
    let (lo, hi) = span.code_range();
    let rows = tx.query(
        "SELECT code, name FROM regions WHERE level = $1 AND code >= $2 AND code < $3 ORDER BY code",
        &[Level::County.as_str().into(), lo.into(), hi.into()],
    )?;
    rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?))).collect()
}

/// The counties a region's lines are read at: its own inside it, or the county holding it.
pub(super) fn span(region: &RegionCode) -> RegionCode {
    if region.level() > Level::County {
        region.county().unwrap_or_else(|| region.clone())
    } else {
        region.clone()
    }
}

/// County → (fiscal capacity, appraisal score) as configured.
type Configured = BTreeMap<String, (Option<i64>, Option<i64>)>;

fn stored_factors(tx: &mut dyn Tx, year: i32, region: &RegionCode) -> Result<Configured> {
    let (lo, hi) = span(region).code_range();
    let rows = tx.query(
        "SELECT county, fiscal, appraisal FROM fund_factors WHERE year = $1 AND county >= $2 AND county < $3",
        &[i64::from(year).into(), lo.into(), hi.into()],
    )?;
    rows.iter().map(|r| Ok((r.text(0)?, (r.opt_int(1)?, r.opt_int(2)?)))).collect()
}

pub fn set_factors<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    year: i32,
    rows: &[FactorInput],
    at: &str,
) -> Result<Vec<CountyFactors>> {
    require(caller.role.may(Action::AllocateFunds) && caller.scope.region.level() == Level::Province, "只有省级扶贫部门可以设置分配因素")?;
    let business_year = year_of(at);
    if !(2014..=business_year + 1).contains(&year) {
        return Err(DomainError::new("funds.year", format!("年度应在2014至{}之间", business_year + 1)).into());
    }
    if rows.is_empty() || rows.len() > 1000 {
        return Err(DomainError::new("funds.factors", "请提交1至1000个县的因素数值").into());
    }
    s.write(|tx| {
        let known: BTreeMap<String, String> = counties(tx, &caller.scope.region)?.into_iter().collect();
        for (i, r) in rows.iter().enumerate() {
            let county = r.county.trim();
            if !known.contains_key(county) {
                return Err(DomainError::new("funds.factor_county", format!("“{county}”不是本省的县级区划")).into());
            }
            if rows[..i].iter().any(|o| o.county.trim() == county) {
                return Err(DomainError::new("funds.factor_county", format!("县{county}重复")).into());
            }
            if r.fiscal.is_some_and(|f| !(1..=al::FISCAL_MAX).contains(&f)) {
                return Err(DomainError::new("funds.fiscal", format!("{}的人均财力应在1到{}元之间", known[county], al::FISCAL_MAX)).into());
            }
            if r.appraisal.is_some_and(|a| !(0..=100).contains(&a)) {
                return Err(DomainError::new("funds.appraisal", format!("{}的考核得分应在0到100之间", known[county])).into());
            }
            tx.exec(
                "INSERT INTO fund_factors (year, county, fiscal, appraisal, set_by, set_on) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (year, county) DO UPDATE SET fiscal = COALESCE(excluded.fiscal, fund_factors.fiscal), \
                 appraisal = COALESCE(excluded.appraisal, fund_factors.appraisal), set_by = excluded.set_by, set_on = excluded.set_on",
                &[i64::from(year).into(), county.into(), r.fiscal.into(), r.appraisal.into(), caller.username.as_str().into(), at.into()],
            )?;
        }
        let payload = json!({"year": year, "counties": rows.len()});
        let mut ev = Event::new(
            &ledger::chain_of(&caller.scope.region),
            &format!("factors-{year}"),
            "fund_factors",
            &caller.username,
            at,
            "",
            payload.to_string(),
        );
        ledger::append(tx, &mut ev)
    })?;
    factors(s, caller, year, None)
}

/// A region inside the caller's (its own by default), for those who read the funds.
fn within(caller: &Caller, region: Option<&RegionCode>) -> Result<RegionCode> {
    require(caller.role.may(Action::ReadFunds) && caller.scope.helper_id.is_none(), "无权查看扶贫资金")?;
    match region {
        Some(r) if !caller.scope.region.contains(r) => Err(StoreError::NotFound),
        Some(r) => Ok(r.clone()),
        None => Ok(caller.scope.region.clone()),
    }
}

pub fn factors<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    year: i32,
    region: Option<&RegionCode>,
) -> Result<Vec<CountyFactors>> {
    let region = within(caller, region)?;
    s.read(|tx| {
        let stored = stored_factors(tx, year, &region)?;
        Ok(counties(tx, &region)?
            .into_iter()
            .map(|(county, name)| {
                let (fiscal, appraisal) = stored.get(&county).copied().unwrap_or_default();
                CountyFactors { county, name, fiscal, appraisal }
            })
            .collect())
    })
}

/// Every county's factor values inside `region`, read now.
fn inputs(tx: &mut dyn Tx, region: &RegionCode, year: i32) -> Result<Vec<CountyInput>> {
    let list = counties(tx, region)?;
    let metrics = ["status:1".to_string(), "status:4".to_string()];
    let poor = figures_with(tx, 6, 6, region, &metrics)?;
    let (lo, hi) = region.code_range();
    let mut rural: BTreeMap<String, i64> = BTreeMap::new();
    for r in tx.query(
        "SELECT code, rural_population FROM regions WHERE level = $1 AND code >= $2 AND code < $3",
        &[Level::Village.as_str().into(), lo.clone().into(), hi.clone().into()],
    )? {
        *rural.entry(r.str(0)?[..6].to_string()).or_default() += r.int(1)?;
    }
    let task: BTreeMap<String, i64> = tx
        .query(
            "SELECT region_code, persons FROM targets WHERE year = $1 AND region_code >= $2 AND region_code < $3",
            &[i64::from(year).into(), lo.into(), hi.into()],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.int(1)?)))
        .collect::<Result<_>>()?;
    let configured = stored_factors(tx, year, region)?;
    Ok(list
        .into_iter()
        .map(|(county, name)| {
            let persons = poor.get(&county).map_or(0, |f| metrics.iter().map(|m| f.get(m).map_or(0, |t| t.persons)).sum());
            let mut values = BTreeMap::from([
                (Factor::Poor, persons),
                (Factor::Incidence, al::incidence(persons, rural.get(&county).copied().unwrap_or(0))),
                (Factor::Task, task.get(&county).copied().unwrap_or(0)),
            ]);
            if let Some((fiscal, appraisal)) = configured.get(&county) {
                values.extend(fiscal.map(|v| (Factor::Fiscal, v)));
                values.extend(appraisal.map(|v| (Factor::Appraisal, v)));
            }
            CountyInput { county: RegionCode::parse(&county).expect("a stored county code"), name, values }
        })
        .collect())
}

pub(super) fn region_name(tx: &mut dyn Tx, code: &str) -> Result<String> {
    Ok(tx
        .query_one("SELECT name FROM regions WHERE code = $1", &[code.into()])?
        .map(|r| r.text(0))
        .transpose()?
        .unwrap_or_else(|| code.to_string()))
}

fn compute(tx: &mut dyn Tx, caller: &Caller, d: &AllocationDraft, at: &str) -> Result<(Vec<Line>, String)> {
    require(caller.role.may(Action::AllocateFunds), "只有省、市扶贫部门可以分配扶贫资金")?;
    let region = &caller.scope.region;
    d.validate(region.level(), year_of(at))?;
    let lines = al::allocate(d.total, &d.weights, &inputs(tx, region, d.year)?)?;
    Ok((lines, region_name(tx, region.as_str())?))
}

fn shown(at: &RegionCode, a: Allocation, region: &str) -> Allocation {
    let span = span(at);
    // Read at the allocator or above, every line; below it, the counties there.
    let whole = RegionCode::parse(region).is_ok_and(|r| at.contains(&r));
    let lines: Vec<Line> = a.lines.into_iter().filter(|l| whole || span.contains(&l.county)).collect();
    let lines_total = lines.iter().fold(Yuan::ZERO, |t, l| t + l.amount);
    Allocation { lines, lines_total, ..a }
}

pub fn preview<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, d: &AllocationDraft, at: &str) -> Result<Allocation> {
    let (lines, region_name) = s.read(|tx| compute(tx, caller, d, at))?;
    let a = Allocation {
        id: None,
        region: caller.scope.region.as_str().to_string(),
        region_name,
        year: d.year,
        source: d.source,
        title: d.title.trim().to_string(),
        document: d.document.trim().to_string(),
        total: d.total,
        weights: d.weights.clone(),
        published_on: None,
        created_by: caller.username.clone(),
        lines,
        lines_total: Yuan::ZERO,
    };
    Ok(shown(&caller.scope.region, a, caller.scope.region.as_str()))
}

pub fn publish<B: crate::core::db::Backend>(s: &SqlStore<B>, caller: &Caller, d: &AllocationDraft, at: &str) -> Result<Allocation> {
    let today = business_date(at)?;
    let region = caller.scope.region.clone();
    if d.document.trim().is_empty() {
        return Err(DomainError::new("funds.document", "发布分配方案须填写文号").into());
    }
    let id = s.write(|tx| {
        let (lines, _) = compute(tx, caller, d, at)?;
        let same = tx.query_one(
            "SELECT id FROM allocations WHERE region = $1 AND year = $2 AND title = $3",
            &[region.as_str().into(), i64::from(d.year).into(), d.title.trim().into()],
        )?;
        if let Some(r) = same {
            return Err(DomainError::new("funds.duplicate", format!("本年度已发布同名分配方案（{}）", r.text(0)?)).into());
        }
        let id = next_id(tx, "allocations", "FP", 6)?;
        tx.exec(
            "INSERT INTO allocations (id, region, year, source, title, document, total, weights, published_on, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                id.as_str().into(),
                region.as_str().into(),
                i64::from(d.year).into(),
                d.source.code().into(),
                d.title.trim().into(),
                d.document.trim().into(),
                d.total.fen().into(),
                serde_json::to_string(&d.weights).expect("weights serialise").into(),
                today.to_string().into(),
                caller.username.as_str().into(),
            ],
        )?;
        for l in &lines {
            tx.exec(
                "INSERT INTO allocation_lines (allocation_id, county, amount, factors) VALUES ($1, $2, $3, $4)",
                &[
                    id.as_str().into(),
                    l.county.as_str().into(),
                    l.amount.fen().into(),
                    serde_json::to_string(&l.factors).expect("shares serialise").into(),
                ],
            )?;
        }
        let list: Vec<_> = lines.iter().map(|l| json!([l.county.as_str(), l.amount.fen()])).collect();
        let payload = json!({"year": d.year, "source": d.source.code(), "total": d.total.fen(), "weights": d.weights, "lines": list});
        let mut ev = Event::new(&ledger::chain_of(&region), &id, "allocation_publish", &caller.username, at, "", payload.to_string());
        ledger::append(tx, &mut ev)?;
        Ok(id)
    })?;
    Ok(list(s, caller, d.year, None)?.into_iter().find(|a| a.id.as_deref() == Some(id.as_str())).expect("the allocation just published"))
}

fn parse_allocation(r: &Row, lines: Vec<Line>) -> Result<Allocation> {
    let id = r.text(0)?;
    let bad = |what: &str, e: String| StoreError::Corrupt(format!("allocations ({id}): {what}: {e}"));
    Ok(Allocation {
        region: r.text(1)?,
        region_name: r.text(10)?,
        year: r.int(2)? as i32,
        source: FundSource::parse(r.str(3)?).map_err(|e| bad("source", e.message))?,
        title: r.text(4)?,
        document: r.text(5)?,
        total: Yuan::from_fen(r.int(6)?),
        weights: serde_json::from_str::<Vec<Weight>>(r.str(7)?).map_err(|e| bad("weights", e.to_string()))?,
        published_on: Some(Date::parse(r.str(8)?).map_err(|e| bad("published_on", e.message))?),
        created_by: r.text(9)?,
        lines,
        lines_total: Yuan::ZERO,
        id: Some(id),
    })
}

pub fn list<B: crate::core::db::Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    year: i32,
    region: Option<&RegionCode>,
) -> Result<Vec<Allocation>> {
    let at = within(caller, region)?;
    s.read(|tx| {
        let rows = tx.query(
            "SELECT a.id, a.region, a.year, a.source, a.title, a.document, a.total, a.weights, a.published_on, a.created_by, COALESCE(g.name, a.region) \
             FROM allocations a LEFT JOIN regions g ON g.code = a.region WHERE a.year = $1 ORDER BY a.published_on, a.id",
            &[i64::from(year).into()],
        )?;
        let mut out = vec![];
        for r in rows {
            let id = r.text(0)?;
            let region = r.text(1)?;
            let lines = tx
                .query(
                    "SELECT l.county, COALESCE(g.name, l.county), l.amount, l.factors FROM allocation_lines l \
                     LEFT JOIN regions g ON g.code = l.county WHERE l.allocation_id = $1 ORDER BY l.county",
                    &[id.as_str().into()],
                )?
                .iter()
                .map(|l| {
                    let county = l.text(0)?;
                    let factors: Vec<FactorShare> = serde_json::from_str(l.str(3)?)
                        .map_err(|e| StoreError::Corrupt(format!("allocation_lines ({id}, {county}): factors: {e}")))?;
                    Ok(Line { county: RegionCode::parse(&county)?, name: l.text(1)?, amount: Yuan::from_fen(l.int(2)?), factors })
                })
                .collect::<Result<Vec<_>>>()?;
            let a = shown(&at, parse_allocation(&r, lines)?, &region);
            let reaches = RegionCode::parse(&region).is_ok_and(|g| at.contains(&g)) || !a.lines.is_empty();
            if reaches {
                out.push(a);
            }
        }
        Ok(out)
    })
}
