//! 第三方评估's samples: the frame of a county read from its files and villages, frozen with the
//! evaluation, the sample drawn from it by `fupin_domain::evaluation::sample::draw`, and the
//! field list. Drawing is one write transaction: the evaluation, its frame, its villages, its
//! units and the ledger event (seed, plan and the frame's digest) land together or not at all.

use super::{Evaluation, EvaluationDetail, FieldUnit, FieldVillage};
use crate::core::db::{Backend, Row, Tx};
use crate::core::ledger::{self, Event};
use crate::core::query::{next_id, require};
use crate::registry::scan::each_file;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::evaluation::sample::{draw, FrameFile, FrameVillage, Kind, Plan, Stratum};
use fupin_domain::registry::codes::{Relation, Status};
use fupin_domain::{DomainError, Level, RegionCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The kind a live file is framed as; None for files outside the evaluation's frame (removed,
/// moved out, recorded households outside the register).
fn kind_of(status: Status) -> Option<Kind> {
    match status {
        Status::Poor | Status::Returned => Some(Kind::StillPoor),
        Status::Exited | Status::ExitedNoPolicy => Some(Kind::Exited),
        Status::Removed | Status::TransferredOut | Status::NonPoor => None,
    }
}

/// The county's frame as it stands: its villages (rural population, remaining persons) and its
/// still-poor and exited files.
fn read_frame(tx: &mut dyn Tx, county: &RegionCode) -> Result<(Vec<FrameVillage>, Vec<FrameFile>)> {
    let (lo, hi) = county.code_range();
    let mut files = vec![];
    each_file(tx, &lo, &hi, |h, _| {
        if let Some(kind) = kind_of(h.status) {
            files.push(FrameFile { household_id: h.id.clone(), village: h.village.as_str().to_string(), kind, persons: h.size() });
        }
        Ok(())
    })?;
    let mut remaining: BTreeMap<&str, i64> = BTreeMap::new();
    for f in files.iter().filter(|f| f.kind == Kind::StillPoor) {
        *remaining.entry(f.village.as_str()).or_default() += f.persons;
    }
    let rows = tx.query(
        "SELECT code, rural_population FROM regions WHERE level = 'village' AND code >= $1 AND code < $2 ORDER BY code",
        &[lo.as_str().into(), hi.as_str().into()],
    )?;
    let villages = rows
        .iter()
        .map(|r| {
            let code = r.text(0)?;
            Ok(FrameVillage { remaining_persons: remaining.get(code.as_str()).copied().unwrap_or(0), rural_population: r.int(1)?, code })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((villages, files))
}

/// The frame as published (and hashed): one line per village, then one per file, in code order.
pub fn frame_lines(villages: &[FrameVillage], files: &[FrameFile]) -> Vec<String> {
    let mut vs: Vec<&FrameVillage> = villages.iter().collect();
    vs.sort_by(|a, b| a.code.cmp(&b.code));
    let mut fs: Vec<&FrameFile> = files.iter().collect();
    fs.sort_by(|a, b| a.household_id.cmp(&b.household_id));
    let mut lines = vec!["village,kind,household_id,persons".to_string()];
    lines.extend(vs.iter().map(|v| format!("{},village,,{}", v.code, v.rural_population)));
    lines.extend(fs.iter().map(|f| format!("{},{},{},{}", f.village, f.kind.code(), f.household_id, f.persons)));
    lines
}

/// SHA-256 of the published frame, one line each ending in a newline.
pub fn frame_digest(lines: &[String]) -> String {
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn float(r: &Row, i: usize, what: &str) -> Result<f64> {
    let s = r.str(i)?;
    s.parse::<f64>().map_err(|_| StoreError::Corrupt(format!("{what} ({}): not a number: {s:?}", r.str(0).unwrap_or("?"))))
}

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: unknown code {value:?}"))
}

pub(super) fn draw_sample<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    county: &RegionCode,
    year: i32,
    plan: &Plan,
    at: &str,
) -> Result<Evaluation> {
    require(caller.role.may(Action::Evaluate), "只有第三方评估机构可以抽取样本")?;
    if !caller.scope.contains_region(county) {
        return Err(StoreError::NotFound);
    }
    if county.level() != Level::County {
        return Err(DomainError::new("evaluation.county", "第三方评估以县为单位抽样：请选择一个县（市、区）").into());
    }
    if !(2014..=2035).contains(&year) {
        return Err(DomainError::new("evaluation.year", "评估年度须在2014–2035之间").into());
    }
    plan.check()?;
    let line_bp = s.rules.exit_incidence_for(county.as_str());
    let id = s.write(|tx| {
        if tx.query_one("SELECT code FROM regions WHERE code = $1", &[county.as_str().into()])?.is_none() {
            return Err(StoreError::NotFound);
        }
        let (villages, files) = read_frame(tx, county)?;
        let sample = draw(plan, &villages, &files, line_bp)?;
        let lines = frame_lines(&villages, &files);
        let frame_digest = frame_digest(&lines);
        let id = next_id(tx, "evaluations", &format!("PG{}{year}", county.as_str()), 2)?;
        tx.exec(
            "INSERT INTO evaluations (id, county, year, plan, frame_digest, state, evaluator, drawn_at) VALUES ($1, $2, $3, $4, $5, 'fieldwork', $6, $7)",
            &[
                id.as_str().into(),
                county.as_str().into(),
                i64::from(year).into(),
                serde_json::to_string(plan).expect("a plan serialises").into(),
                frame_digest.as_str().into(),
                caller.username.as_str().into(),
                at.into(),
            ],
        )?;
        for v in &villages {
            tx.exec(
                "INSERT INTO evaluation_frame (evaluation_id, village, kind, household_id, persons) VALUES ($1, $2, 'village', '', $3)",
                &[id.as_str().into(), v.code.as_str().into(), v.rural_population.into()],
            )?;
        }
        for f in &files {
            tx.exec(
                "INSERT INTO evaluation_frame (evaluation_id, village, kind, household_id, persons) VALUES ($1, $2, $3, $4, $5)",
                &[id.as_str().into(), f.village.as_str().into(), f.kind.code().into(), f.household_id.as_str().into(), f.persons.into()],
            )?;
        }
        for v in &sample.villages {
            tx.exec(
                "INSERT INTO evaluation_villages (evaluation_id, village, stratum, probability, outside_population, still_poor_files, exited_files) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    id.as_str().into(),
                    v.code.as_str().into(),
                    v.stratum.code().into(),
                    v.probability.to_string().into(),
                    v.outside_population.into(),
                    (v.still_poor_files as i64).into(),
                    (v.exited_files as i64).into(),
                ],
            )?;
        }
        // The field list's order: by village, then kind, then household number.
        let mut units: Vec<_> = sample.files.iter().collect();
        units.sort_by(|a, b| (&a.village, a.kind, &a.household_id).cmp(&(&b.village, b.kind, &b.household_id)));
        for (n, u) in units.iter().enumerate() {
            tx.exec(
                "INSERT INTO evaluation_units (evaluation_id, n, village, kind, household_id, persons, weight) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    id.as_str().into(),
                    (n as i64 + 1).into(),
                    u.village.as_str().into(),
                    u.kind.code().into(),
                    u.household_id.as_str().into(),
                    u.persons.into(),
                    u.weight.to_string().into(),
                ],
            )?;
        }
        let payload = json!({
            "county": county.as_str(), "year": year, "plan": plan, "frame_digest": frame_digest,
            "frame_villages": villages.len(), "frame_files": files.len(),
            "villages": sample.villages.len(), "units": sample.files.len(),
        });
        let mut ev = Event::new(county.as_str(), &id, "evaluation.draw", &caller.username, at, "第三方评估抽样", payload.to_string());
        ledger::append(tx, &mut ev)?;
        Ok(id)
    })?;
    s.read(|tx| load(tx, &id))?.ok_or(StoreError::NotFound)
}

const COLS: &str = "e.id, e.county, COALESCE(g.name, e.county), e.year, e.plan, e.frame_digest, e.state, e.evaluator, e.drawn_at, \
    (SELECT COUNT(*) FROM evaluation_units u WHERE u.evaluation_id = e.id), \
    (SELECT COUNT(*) FROM evaluation_villages v WHERE v.evaluation_id = e.id)";

fn parse(r: &Row) -> Result<Evaluation> {
    let plan: Plan = serde_json::from_str(r.str(4)?)
        .map_err(|e| StoreError::Corrupt(format!("evaluations ({}): plan: {e}", r.str(0).unwrap_or("?"))))?;
    Ok(Evaluation {
        id: r.text(0)?,
        county: r.text(1)?,
        county_name: r.text(2)?,
        year: r.int(3)? as i32,
        plan,
        frame_digest: r.text(5)?,
        state: r.text(6)?,
        evaluator: r.text(7)?,
        drawn_at: r.text(8)?,
        units: r.int(9)?,
        villages: r.int(10)?,
    })
}

pub(super) fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Evaluation>> {
    tx.query_one(&format!("SELECT {COLS} FROM evaluations e LEFT JOIN regions g ON g.code = e.county WHERE e.id = $1"), &[id.into()])?
        .map(|r| parse(&r))
        .transpose()
}

/// Evaluations are read by the county's officials, those above it, and its evaluator.
pub(super) fn may_read(caller: &Caller, county: &str) -> bool {
    caller.role.may(Action::ReadEvaluations) && RegionCode::parse(county).is_ok_and(|c| caller.scope.contains_region(&c))
}

pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, region: &RegionCode) -> Result<Vec<Evaluation>> {
    require(caller.role.may(Action::ReadEvaluations), "无权查看第三方评估")?;
    if !caller.scope.contains_region(region) && !region.contains(&caller.scope.region) {
        return Err(StoreError::NotFound);
    }
    // The narrower of the two: an evaluator of one city asking about the province sees its city's.
    let within = if caller.scope.contains_region(region) { region.clone() } else { caller.scope.region.clone() };
    let (lo, hi) = within.code_range();
    let rows = s.read(|tx| {
        tx.query(
            &format!("SELECT {COLS} FROM evaluations e LEFT JOIN regions g ON g.code = e.county WHERE e.county >= $1 AND e.county < $2 ORDER BY e.id DESC"),
            &[lo.as_str().into(), hi.as_str().into()],
        )
    })?;
    rows.iter().map(parse).collect()
}

pub(super) fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<EvaluationDetail> {
    s.read(|tx| {
        let evaluation = load(tx, id)?.ok_or(StoreError::NotFound)?;
        if !may_read(caller, &evaluation.county) {
            return Err(StoreError::NotFound);
        }
        let villages = villages_of(tx, id)?;
        let units = units_of(tx, id, &villages)?;
        Ok(EvaluationDetail { evaluation, villages, units })
    })
}

/// The units of an evaluation in field-list order. The head's name comes from the file (the
/// list carries no ID number and no phone: it is printed and carried), or as recorded for a
/// household found outside the register, whose weight is derived here: the village's rural
/// persons outside the register over the persons of those found there, over the village's
/// probability (each found household stands for its share of the village's outside population).
pub(super) fn villages_of(tx: &mut dyn Tx, id: &str) -> Result<Vec<FieldVillage>> {
    tx.query(
        "SELECT v.village, COALESCE(g.name, v.village), v.stratum, v.probability, v.outside_population, v.still_poor_files, v.exited_files \
         FROM evaluation_villages v LEFT JOIN regions g ON g.code = v.village WHERE v.evaluation_id = $1 ORDER BY v.village",
        &[id.into()],
    )?
    .iter()
    .map(|r| {
        let stratum = match r.str(2)? {
            "behind" => Stratum::Behind,
            "reached" => Stratum::Reached,
            other => return Err(corrupt("evaluation_villages.stratum", other)),
        };
        Ok(FieldVillage {
            code: r.text(0)?,
            name: r.text(1)?,
            stratum,
            stratum_label: stratum.label(),
            probability: float(r, 3, "evaluation_villages.probability")?,
            outside_population: r.int(4)?,
            still_poor_files: r.int(5)?,
            exited_files: r.int(6)?,
        })
    })
    .collect()
}

pub(super) fn units_of(tx: &mut dyn Tx, id: &str, villages: &[FieldVillage]) -> Result<Vec<FieldUnit>> {
    let rows = tx.query(
        "SELECT u.n, u.village, u.kind, u.household_id, u.persons, u.weight, COALESCE(m.name, u.head), u.result, u.recorded_by, u.recorded_at \
         FROM evaluation_units u \
         LEFT JOIN members m ON m.household_id = u.household_id AND m.relation = $1 AND m.active = 1 \
         WHERE u.evaluation_id = $2 ORDER BY u.n",
        &[Relation::Head.code().into(), id.into()],
    )?;
    let mut units = rows
        .iter()
        .map(|r| {
            let kind = Kind::parse(r.str(2)?).ok_or_else(|| corrupt("evaluation_units.kind", r.str(2).unwrap_or("?")))?;
            let result = r
                .opt_text(7)?
                .map(|j| {
                    serde_json::from_str(&j)
                        .map_err(|e| StoreError::Corrupt(format!("evaluation_units ({id}, {}): result: {e}", r.int(0).unwrap_or(0))))
                })
                .transpose()?;
            Ok(FieldUnit {
                n: r.int(0)?,
                village: r.text(1)?,
                kind,
                kind_label: kind.label(),
                household_id: r.text(3)?,
                persons: r.int(4)?,
                weight: float(r, 5, "evaluation_units.weight")?,
                head: r.opt_text(6)?,
                result,
                recorded_by: r.opt_text(8)?,
                recorded_at: r.opt_text(9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut found: BTreeMap<String, i64> = BTreeMap::new();
    for u in units.iter().filter(|u| u.kind == Kind::Outside) {
        *found.entry(u.village.clone()).or_default() += u.persons;
    }
    for u in units.iter_mut().filter(|u| u.kind == Kind::Outside) {
        let v = villages.iter().find(|v| v.code == u.village).ok_or_else(|| corrupt("evaluation_units.village", &u.village))?;
        u.weight = v.outside_population as f64 / found[&u.village] as f64 / v.probability;
    }
    Ok(units)
}

/// The frozen frame, as published: anyone with it and the seed redraws the sample.
pub(super) fn frame<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<(Vec<FrameVillage>, Vec<FrameFile>)> {
    s.read(|tx| {
        let evaluation = load(tx, id)?.ok_or(StoreError::NotFound)?;
        if !may_read(caller, &evaluation.county) {
            return Err(StoreError::NotFound);
        }
        let rows = tx.query(
            "SELECT village, kind, household_id, persons FROM evaluation_frame WHERE evaluation_id = $1 ORDER BY village, kind, household_id",
            &[id.into()],
        )?;
        let (mut villages, mut files) = (vec![], vec![]);
        for r in &rows {
            match r.str(1)? {
                "village" => villages.push(FrameVillage { code: r.text(0)?, rural_population: r.int(3)?, remaining_persons: 0 }),
                k => files.push(FrameFile {
                    village: r.text(0)?,
                    kind: Kind::parse(k).ok_or_else(|| corrupt("evaluation_frame.kind", k))?,
                    household_id: r.text(2)?,
                    persons: r.int(3)?,
                }),
            }
        }
        for v in &mut villages {
            v.remaining_persons = files.iter().filter(|f| f.village == v.code && f.kind == Kind::StillPoor).map(|f| f.persons).sum();
        }
        Ok((villages, files))
    })
}
