//! One pass over a region's files for the yearly update (动态调整) and the data checks
//! (数据核查). Counties are read in parallel, each with three range queries (households,
//! members, incomes: household ids begin with the village code, so a county is one key range
//! of each table) that select only the columns the rules read; the files are rebuilt from those
//! columns and judged by the same domain functions as a single file (`verdict`,
//! `monitoring_risks`), then checked, and the members kept for the cross-file checks.

use super::checks::{cross_file_problems, file_problems, label, CheckDates, CheckReport, Finding, Flagged, Person, KINDS, PER_KIND};
use super::yearly::{key, YearlyFile, YearlyUpdate, LISTED};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::sql_store::SqlStore;
use crate::*;
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::Household;
use fupin_domain::registry::household::{Income, Member};
use fupin_domain::registry::lifecycle::{exit_met, monitoring_risks, verdict, Verdict};
use fupin_domain::{DomainError, Level, RegionCode};
use fupin_domain::{IdNumber, Yuan};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// What one county (or smaller region) yields.
#[derive(Default)]
struct Part {
    households: u64,
    counts: BTreeMap<&'static str, u64>,
    meets_exit: Vec<YearlyFile>,
    at_risk: Vec<YearlyFile>,
    /// Village code → (meets exit, at risk).
    by_village: BTreeMap<String, (u64, u64)>,
    problems: BTreeMap<&'static str, (i64, Vec<(String, String)>)>,
    ids: Vec<String>,
    people: Vec<Person>,
}

const H_SQL: &str = "SELECT id, village_code, status, main_cause, conditions, details, exited_year, updated_at \
                     FROM households WHERE id >= $1 AND id < $2 ORDER BY id";
const M_SQL: &str = "SELECT household_id, member_no, name, id_number, relation, schooling, health, labour, medical_insurance, \
                     left_reason, birth_date FROM members WHERE household_id >= $1 AND household_id < $2 ORDER BY household_id, member_no";
const I_SQL: &str = "SELECT household_id, year, wage, business, property, transfer, transfer_excluded, expenses, hard_expenses \
                     FROM incomes WHERE household_id >= $1 AND household_id < $2 ORDER BY household_id, year";

fn corrupt(e: DomainError) -> StoreError {
    StoreError::Corrupt(format!("stored household data is invalid: {e}"))
}

/// A file with what the rules read; the rest of the form is left at its defaults.
fn household(r: &Row) -> Result<Household> {
    let bad_json = |e: serde_json::Error| StoreError::Corrupt(format!("households: conditions or details not JSON: {e}"));
    Ok(Household {
        id: r.text(0)?,
        village: RegionCode::parse(r.str(1)?).map_err(corrupt)?,
        status: Status::parse(r.str(2)?).map_err(corrupt)?,
        attribute: Attribute::Ordinary,
        standard: Standard::Provincial,
        main_cause: Cause::parse(r.str(3)?).map_err(corrupt)?,
        other_causes: vec![],
        phone: String::new(),
        bank: String::new(),
        bank_account: String::new(),
        planned_exit_year: None,
        registered_year: 0,
        exited_year: r.opt_int(6)?.map(|y| y as i32),
        monitoring: None,
        form_version: String::new(),
        conditions: serde_json::from_str(r.str(4)?).map_err(bad_json)?,
        details: serde_json::from_str(r.str(5)?).map_err(bad_json)?,
        version: 0,
        members: vec![],
        incomes: vec![],
        helpers: vec![],
        measures: vec![],
    })
}

fn member(r: &Row) -> Result<Member> {
    let id_number = IdNumber::parse(r.str(3)?).map_err(corrupt)?;
    Ok(Member {
        no: r.int(1)?,
        name: r.text(2)?,
        sex: if id_number.is_male() { Sex::Male } else { Sex::Female },
        id_number,
        relation: Relation::parse(r.str(4)?).map_err(corrupt)?,
        ethnicity: String::new(),
        education: Education::Primary,
        schooling: Schooling::parse(r.str(5)?).map_err(corrupt)?,
        health: Health::parse(r.str(6)?).map_err(corrupt)?,
        labour: Labour::parse(r.str(7)?).map_err(corrupt)?,
        work_status: WorkStatus::None,
        months_away: 0,
        dibao: false,
        medical_insurance: r.int(8)? != 0,
        serious_illness_insurance: false,
        pension_insurance: false,
        phone: String::new(),
        left: r.opt_text(9)?.filter(|c| !c.is_empty()).map(|c| MemberChange::parse(&c)).transpose().map_err(corrupt)?,
        birth_date: r.opt_text(10)?.filter(|d| !d.is_empty()).map(|d| Date::parse(&d)).transpose().map_err(corrupt)?,
    })
}

fn income(r: &Row) -> Result<Income> {
    let y = |i: usize| r.int(i).map(Yuan::from_fen);
    Ok(Income {
        year: r.int(1)? as i32,
        wage: y(2)?,
        business: y(3)?,
        property: y(4)?,
        transfer: y(5)?,
        transfer_excluded: y(6)?,
        expenses: y(7)?,
        hard_expenses: y(8)?,
    })
}

/// Calls `f` with each file whose id is in `[lo, hi)`, rebuilt with what the rules read (its
/// members and every year's income), and its `households` row for the columns beyond the file.
/// What the registry offers the functions that judge the register as a whole (the yearly update,
/// the checks, 成效评估's measures).
pub(crate) fn each_file(tx: &mut dyn Tx, lo: &str, hi: &str, mut f: impl FnMut(Household, &Row) -> Result<()>) -> Result<()> {
    let range = [Val::from(lo), Val::from(hi)];
    let members = tx.query(M_SQL, &range)?;
    let incomes = tx.query(I_SQL, &range)?;
    let (mut mi, mut ii) = (0, 0);
    for r in tx.query(H_SQL, &range)? {
        let mut h = household(&r)?;
        while mi < members.len() && members[mi].str(0)? < h.id.as_str() {
            mi += 1;
        }
        while mi < members.len() && members[mi].str(0)? == h.id {
            h.members.push(member(&members[mi])?);
            mi += 1;
        }
        while ii < incomes.len() && incomes[ii].str(0)? < h.id.as_str() {
            ii += 1;
        }
        while ii < incomes.len() && incomes[ii].str(0)? == h.id {
            h.incomes.push(income(&incomes[ii])?);
            ii += 1;
        }
        f(h, &r)?;
    }
    Ok(())
}

/// Reads, judges and checks the files with ids in `[lo, hi)`.
fn scan_unit(tx: &mut dyn Tx, rules: &Rules, lo: &str, hi: &str, year: i32, as_of: Date, dates: &CheckDates) -> Result<Part> {
    let mut part = Part::default();
    each_file(tx, lo, hi, |h, r| {
        part.households += 1;
        let v = verdict(&h, year, as_of, rules);
        *part.counts.entry(key(v)).or_default() += 1;
        let listed = |reasons: Vec<String>| YearlyFile {
            household_id: h.id.clone(),
            village_code: h.village.to_string(),
            head_name: h.head().map(|m| m.name.clone()).unwrap_or_default(),
            size: h.size(),
            reasons,
        };
        if matches!(v, Verdict::MeetsExit | Verdict::AtRisk) {
            let n = part.by_village.entry(h.village.to_string()).or_default();
            if v == Verdict::MeetsExit {
                n.0 += 1;
            } else {
                n.1 += 1;
            }
        }
        match v {
            Verdict::MeetsExit if part.meets_exit.len() < LISTED => part.meets_exit.push(listed(vec![exit_met(&h, year, rules)])),
            Verdict::AtRisk if part.at_risk.len() < LISTED => part.at_risk.push(listed(monitoring_risks(&h, year, rules))),
            _ => {}
        }
        for (kind, detail) in file_problems(&h, r.str(7)?, dates) {
            let (n, listed) = part.problems.entry(kind).or_default();
            *n += 1;
            if listed.len() < PER_KIND as usize {
                listed.push((h.id.clone(), detail));
            }
        }
        if h.status != Status::TransferredOut {
            let index = part.ids.len() as u32;
            let removed = h.status == Status::Removed;
            part.people.extend(h.members.iter().filter(|m| m.is_active()).map(|m| Person::of(m, &h.id[..6], index, removed)));
            part.ids.push(h.id);
        }
        Ok(())
    })?;
    Ok(part)
}

impl<B: Backend> SqlStore<B> {
    /// The key ranges to read: each county of `region`, or `region` itself below a county.
    pub(crate) fn units(&self, region: &RegionCode) -> Result<Vec<(String, String)>> {
        if region.level() >= Level::County {
            return Ok(vec![region.code_range()]);
        }
        let (lo, hi) = region.code_range();
        let counties = self.read(|tx| {
            tx.query(
                "SELECT code FROM regions WHERE level = 'county' AND code >= $1 AND code < $2 ORDER BY code",
                &[lo.as_str().into(), hi.as_str().into()],
            )
        })?;
        counties.iter().map(|r| Ok(RegionCode::parse(&r.text(0)?).map_err(corrupt)?.code_range())).collect()
    }

    /// `f` over each key range of `units(region)` in a read transaction of its own, counties in
    /// parallel (up to four workers), the parts in no particular order.
    pub(crate) fn on_units<T: Send>(&self, region: &RegionCode, f: impl Fn(&mut dyn Tx, &str, &str) -> Result<T> + Sync) -> Result<Vec<T>> {
        let queue = Mutex::new(self.units(region)?);
        let parts: Mutex<Vec<T>> = Mutex::new(vec![]);
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    s.spawn(|| -> Result<()> {
                        loop {
                            let Some((lo, hi)) = queue.lock().expect("queue").pop() else { return Ok(()) };
                            let part = self.read(|tx| f(tx, &lo, &hi))?;
                            parts.lock().expect("parts").push(part);
                        }
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| h.join().map_err(|_| StoreError::Db("scan worker panicked".into()))?)
        })?;
        Ok(parts.into_inner().expect("parts"))
    }

    /// Judges and checks every file in `region` as of `as_of` for `year`, counties in parallel.
    pub(crate) fn scan(&self, region: &RegionCode, year: i32, as_of: Date) -> Result<(YearlyUpdate, CheckReport)> {
        let started = Instant::now();
        let dates = CheckDates::on(as_of);
        let mut parts = self.on_units(region, |tx, lo, hi| scan_unit(tx, &self.rules, lo, hi, year, as_of, &dates))?;
        let judged = started.elapsed().as_secs_f64();
        parts.sort_by(|a, b| a.ids.first().cmp(&b.ids.first()));
        let mut e = YearlyUpdate { year, ..Default::default() };
        let mut report = CheckReport::default();
        let mut found: BTreeMap<&'static str, (i64, Vec<(String, String)>)> = KINDS.iter().map(|(k, _)| (*k, (0, vec![]))).collect();
        let (mut ids, mut people) = (vec![], vec![]);
        for p in parts {
            e.households += p.households;
            for (k, n) in p.counts {
                *e.counts.entry(k.to_string()).or_default() += n;
            }
            if let Some(len) = region.level().child().map(|l| l.code_len()) {
                for (village, (m, r)) in p.by_village {
                    let n = e.by_child.entry(village[..len].to_string()).or_default();
                    n.0 += m;
                    n.1 += r;
                }
            }
            e.meets_exit.extend(p.meets_exit);
            e.at_risk.extend(p.at_risk);
            for (k, (n, listed)) in p.problems {
                let f = found.entry(k).or_default();
                f.0 += n;
                f.1.extend(listed);
            }
            let offset = ids.len() as u32;
            ids.extend(p.ids);
            people.extend(p.people.into_iter().map(|x| Person { household: x.household + offset, ..x }));
        }
        e.meets_exit.sort();
        e.meets_exit.truncate(LISTED);
        e.at_risk.sort();
        e.at_risk.truncate(LISTED);
        for (kind, (n, mut listed)) in found {
            listed.sort();
            listed.truncate(PER_KIND as usize);
            let l = label(kind);
            report.counts.insert(kind, (l, n));
            report.findings.extend(listed.into_iter().map(|(hid, detail)| Finding {
                kind,
                village_code: hid[..12].to_string(),
                household_id: hid,
                message: format!("{l}：{detail}"),
            }));
        }
        let crossing = Instant::now();
        let (totals, flagged) = cross_file_problems(&people);
        drop(people);
        for (kind, total) in totals {
            report.counts.insert(kind, (label(kind), total));
            // Names only for the members listed: read back by key.
            let listed: Vec<&Flagged> = flagged.iter().filter(|f| f.0 == kind).take(PER_KIND as usize).collect();
            let names = self.read(|tx| {
                listed
                    .iter()
                    .map(|(_, h, no)| {
                        let r = tx.query_one(
                            "SELECT name FROM members WHERE household_id = $1 AND member_no = $2",
                            &[ids[*h as usize].as_str().into(), i64::from(*no).into()],
                        )?;
                        Ok(r.map(|r| r.text(0)).transpose()?.unwrap_or_default())
                    })
                    .collect::<Result<Vec<String>>>()
            })?;
            let l = label(kind);
            report.findings.extend(listed.iter().zip(names).map(|((_, h, _), name)| Finding {
                kind,
                household_id: ids[*h as usize].clone(),
                village_code: ids[*h as usize][..12].to_string(),
                message: format!("{l}：{name}"),
            }));
        }
        e.inconsistent = report.counts.iter().map(|(k, (l, n))| (k.to_string(), (l.to_string(), *n))).collect();
        e.seconds = (judged, crossing.elapsed().as_secs_f64());
        Ok((e, report))
    }
}
