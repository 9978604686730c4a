//! 第三方评估's field work and estimates: the evaluator records what it found at each sampled
//! household and at the households outside the register it finds in each village (up to the
//! plan's quota), each an event on the county's chain; the estimates are read from the results
//! with the design (strata of villages, villages as PSUs, design weights) and judged against the
//! exit thresholds with their intervals.

use super::samples::{corrupt, load, may_read, units_of, villages_of};
use super::{Estimates, FieldUnit, RateEstimate};
use crate::core::db::{Backend, Tx};
use crate::core::ledger::{self, Event};
use crate::core::query::require;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::evaluation::field::{standing, verdict, FieldResult, OutsideHousehold, Standing};
use fupin_domain::evaluation::sample::Kind;
use fupin_domain::{DomainError, RegionCode};
use fupin_stats::survey::{estimate_ratio, Method, Observation, SurveyError};
use serde_json::json;

/// The evaluation for a write by the evaluator: its own jurisdiction, still in the field.
fn for_fieldwork(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<super::Evaluation> {
    require(caller.role.may(Action::Evaluate), "只有第三方评估机构可以录入调查结果")?;
    let e = load(tx, id)?.ok_or(StoreError::NotFound)?;
    let county = RegionCode::parse(&e.county).map_err(|_| corrupt("evaluations.county", &e.county))?;
    if !caller.scope.contains_region(&county) {
        return Err(StoreError::NotFound);
    }
    if e.state != "fieldwork" {
        return Err(DomainError::new("evaluation.closed", "该评估已结束，不能再录入").into());
    }
    Ok(e)
}

fn record(tx: &mut dyn Tx, e: &super::Evaluation, caller: &Caller, kind: &str, payload: serde_json::Value, at: &str) -> Result<()> {
    let mut ev = Event::new(&e.county, &e.id, kind, &caller.username, at, "第三方评估入户调查", payload.to_string());
    ledger::append(tx, &mut ev)
}

fn unit(tx: &mut dyn Tx, id: &str, n: i64) -> Result<FieldUnit> {
    let villages = villages_of(tx, id)?;
    units_of(tx, id, &villages)?.into_iter().find(|u| u.n == n).ok_or(StoreError::NotFound)
}

/// The payload of a result's event: what was found, never the reason's words (they may name
/// people) nor who the household is beyond its number in the list.
fn payload(n: i64, kind: Kind, r: &FieldResult) -> serde_json::Value {
    json!({"n": n, "kind": kind.code(), "wrong_exit": r.wrong_exit, "omitted": r.omitted, "satisfied": r.satisfied, "enumerator": r.enumerator})
}

pub(super) fn record_result<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    n: i64,
    r: &FieldResult,
    at: &str,
) -> Result<FieldUnit> {
    s.write(|tx| {
        let e = for_fieldwork(tx, caller, id)?;
        let row = tx
            .query_one("SELECT kind FROM evaluation_units WHERE evaluation_id = $1 AND n = $2", &[id.into(), n.into()])?
            .ok_or(StoreError::NotFound)?;
        let kind = Kind::parse(row.str(0)?).ok_or_else(|| corrupt("evaluation_units.kind", row.str(0).unwrap_or("?")))?;
        r.check(kind)?;
        tx.exec(
            "UPDATE evaluation_units SET result = $1, recorded_by = $2, recorded_at = $3 WHERE evaluation_id = $4 AND n = $5",
            &[
                serde_json::to_string(r).expect("a result serialises").into(),
                caller.username.as_str().into(),
                at.into(),
                id.into(),
                n.into(),
            ],
        )?;
        record(tx, &e, caller, "evaluation.result", payload(n, kind, r), at)?;
        unit(tx, id, n)
    })
}

pub(super) fn add_outside<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    h: &OutsideHousehold,
    r: &FieldResult,
    at: &str,
) -> Result<FieldUnit> {
    let (village, head, persons) = (h.village.as_str(), h.head.trim(), h.persons);
    s.write(|tx| {
        // Who may, before what is sent: a refused caller learns nothing of the rules.
        let e = for_fieldwork(tx, caller, id)?;
        h.check()?;
        r.check(Kind::Outside)?;
        if tx.query_one("SELECT village FROM evaluation_villages WHERE evaluation_id = $1 AND village = $2", &[id.into(), village.into()])?.is_none() {
            return Err(DomainError::new("evaluation.village", "该村不是本次评估的样本村").into());
        }
        let found = tx
            .query_one(
                "SELECT COUNT(*) FROM evaluation_units WHERE evaluation_id = $1 AND village = $2 AND kind = 'outside'",
                &[id.into(), village.into()],
            )?
            .map_or(Ok(0), |r| r.int(0))?;
        if found >= e.plan.outside as i64 {
            return Err(DomainError::new("evaluation.quota", format!("该村的非建档立卡户已达抽样名额（{}户）", e.plan.outside)).into());
        }
        let n = tx.query_one("SELECT COALESCE(MAX(n), 0) + 1 FROM evaluation_units WHERE evaluation_id = $1", &[id.into()])?.map_or(Ok(1), |r| r.int(0))?;
        tx.exec(
            "INSERT INTO evaluation_units (evaluation_id, n, village, kind, household_id, head, persons, weight, result, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, 'outside', '', $4, $5, '0', $6, $7, $8)",
            &[
                id.into(),
                n.into(),
                village.into(),
                head.into(),
                persons.into(),
                serde_json::to_string(r).expect("a result serialises").into(),
                caller.username.as_str().into(),
                at.into(),
            ],
        )?;
        record(tx, &e, caller, "evaluation.outside", payload(n, Kind::Outside, r), at)?;
        unit(tx, id, n)
    })
}

/// One rate from the answered units: `pick` gives a unit's (value, denominator) or None when
/// the unit is not in the rate's base (not asked, or not answered).
fn rate(
    units: &[FieldUnit],
    villages: &[super::FieldVillage],
    pick: impl Fn(&FieldUnit, &FieldResult) -> Option<(f64, f64)>,
) -> (Vec<Observation>, usize, usize) {
    let mut obs = vec![];
    let (mut answered, mut found) = (0, 0);
    for u in units {
        let Some(r) = &u.result else { continue };
        let Some((value, denominator)) = pick(u, r) else { continue };
        answered += 1;
        if value > 0.0 {
            found += 1;
        }
        let stratum = villages.iter().find(|v| v.code == u.village).map_or("", |v| v.stratum.code());
        obs.push(Observation { stratum: stratum.into(), psu: u.village.clone(), weight: u.weight, value, denominator });
    }
    (obs, answered, found)
}

/// A rate to estimate: code, label, threshold, whether it must stay below it, and its
/// observations with the households answered and found.
type Spec = (&'static str, &'static str, f64, bool, (Vec<Observation>, usize, usize));

fn why_not(e: &SurveyError) -> String {
    match e {
        SurveyError::Empty | SurveyError::Denominator => "尚无该类调查结果".into(),
        SurveyError::SinglePsu => "调查结果只来自一个村，无法按设计估计误差，至少需要两个村".into(),
        other => other.chinese(1),
    }
}

pub(super) fn estimates<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<Estimates> {
    let t = &s.rules.exit_thresholds;
    s.read(|tx| {
        let e = load(tx, id)?.ok_or(StoreError::NotFound)?;
        if !may_read(caller, &e.county) {
            return Err(StoreError::NotFound);
        }
        let villages = villages_of(tx, id)?;
        let units = units_of(tx, id, &villages)?;
        let persons = |u: &FieldUnit| u.persons as f64;
        let specs: [Spec; 3] = [
            (
                "wrong_exit",
                "错退率（错退人口 / 抽查的已脱贫人口）",
                t.wrong_exit_bp as f64 / 10_000.0,
                true,
                rate(&units, &villages, |u, r| r.wrong_exit.map(|w| (if w { persons(u) } else { 0.0 }, persons(u)))),
            ),
            (
                "omitted",
                "漏评率（漏评人口 / 抽查的非建档立卡人口）",
                t.omitted_bp as f64 / 10_000.0,
                true,
                rate(&units, &villages, |u, r| r.omitted.map(|o| (if o { persons(u) } else { 0.0 }, persons(u)))),
            ),
            (
                "satisfaction",
                "群众认可度（认可的户 / 作答的户）",
                t.satisfaction_bp as f64 / 10_000.0,
                false,
                rate(&units, &villages, |_, r| r.satisfied.map(|s| (if s { 1.0 } else { 0.0 }, 1.0))),
            ),
        ];
        let mut rates = vec![];
        for (code, label, threshold, below, (obs, answered, found)) in specs {
            let (estimate, note) = match estimate_ratio(&obs, Method::KornGraubard, 0.95) {
                Ok(est) => (Some(est), None),
                Err(err) => (None, Some(why_not(&err))),
            };
            let st = estimate.as_ref().map_or(Standing::Unknown, |x| standing(x.estimate, x.ci, threshold, below));
            rates.push(RateEstimate {
                code,
                label,
                threshold,
                below,
                standing: st,
                standing_label: st.label(),
                estimate,
                answered,
                found,
                note,
            });
        }
        let line = s.rules.exit_incidence_for(&e.county) as f64 / 10_000.0;
        let incidence = composite(tx, id, &rates, line)?;
        let mut judged: Vec<Standing> = rates.iter().map(|r| r.standing).collect();
        judged.push(incidence.standing);
        let v = verdict(&judged);
        let mut uncertain: Vec<&str> = rates
            .iter()
            .filter(|r| matches!(r.standing, Standing::MetUncertain | Standing::FailedUncertain))
            .map(|r| r.label.split('（').next().unwrap_or(r.label))
            .collect();
        if matches!(incidence.standing, Standing::MetUncertain | Standing::FailedUncertain) {
            uncertain.push("综合贫困发生率");
        }
        let verdict_label = match v {
            Some(false) => "未通过：至少一项指标未达标，一票否决".to_string(),
            None => "尚不能判定：还有指标没有调查结果".to_string(),
            Some(true) if uncertain.is_empty() => "通过：各项指标及其置信区间均达标".to_string(),
            Some(true) => format!("通过（点估计），但{}的置信区间跨过标准，建议扩大样本复核", uncertain.join("、")),
        };
        let answered = units.iter().filter(|u| u.result.is_some()).count();
        let sampled = units.iter().filter(|u| u.kind != Kind::Outside).count() + villages.len() * e.plan.outside;
        Ok(Estimates { evaluation_id: e.id, rates, incidence, verdict: v, verdict_label, answered, expected: sampled })
    })
}

/// 综合贫困发生率 from the frozen frame and the two rates: (remaining poor + 错退率 × exited
/// persons + 漏评率 × rural persons outside the register) / rural population. Its range takes both
/// rates at their interval's ends together: conservative (it covers whenever both intervals do).
fn composite(tx: &mut dyn Tx, id: &str, rates: &[RateEstimate], line: f64) -> Result<super::Incidence> {
    let rows = tx.query(
        "SELECT village, kind, CAST(SUM(persons) AS BIGINT) FROM evaluation_frame WHERE evaluation_id = $1 GROUP BY village, kind ORDER BY village",
        &[id.into()],
    )?;
    let (mut rural, mut remaining, mut exited) = (0i64, 0i64, 0i64);
    let mut by_village: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for r in &rows {
        let persons = r.int(2)?;
        let v = by_village.entry(r.text(0)?).or_default();
        match r.str(1)? {
            "village" => {
                rural += persons;
                v.0 += persons;
            }
            kind => {
                v.1 += persons;
                match kind {
                    "still_poor" => remaining += persons,
                    "exited" => exited += persons,
                    other => return Err(corrupt("evaluation_frame.kind", other)),
                }
            }
        }
    }
    let outside: i64 = by_village.values().map(|(rural, registered)| (rural - registered).max(0)).sum();
    let rate = |code: &str| rates.iter().find(|r| r.code == code).and_then(|r| r.estimate.as_ref());
    let (estimate, range) = match (rate("wrong_exit"), rate("omitted")) {
        (Some(w), Some(o)) if rural > 0 => {
            let at = |w: f64, o: f64| (remaining as f64 + w * exited as f64 + o * outside as f64) / rural as f64;
            (Some(at(w.estimate, o.estimate)), Some((at(w.ci.0, o.ci.0), at(w.ci.1, o.ci.1))))
        }
        _ => (None, None),
    };
    let st = match (estimate, range) {
        (Some(x), Some(ci)) => standing(x, ci, line, true),
        _ => Standing::Unknown,
    };
    Ok(super::Incidence {
        estimate,
        range,
        threshold: line,
        standing: st,
        standing_label: st.label(),
        rural_population: rural,
        remaining,
        exited_persons: exited,
        outside_population: outside,
    })
}

/// Ends the field work: no result is recorded after it, and the ledger keeps the verdict and the
/// point estimates as they stood.
pub(super) fn close<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, at: &str) -> Result<super::Evaluation> {
    let est = estimates(s, caller, id)?;
    s.write(|tx| {
        let e = for_fieldwork(tx, caller, id)?;
        if est.answered == 0 {
            return Err(DomainError::new("evaluation.empty", "还没有任何入户调查结果，不能结束").into());
        }
        tx.exec("UPDATE evaluations SET state = 'closed' WHERE id = $1 AND state = 'fieldwork'", &[id.into()])?;
        let rates: serde_json::Map<String, serde_json::Value> =
            est.rates.iter().map(|r| (r.code.to_string(), json!(r.estimate.as_ref().map(|x| x.estimate)))).collect();
        record(tx, &e, caller, "evaluation.close", json!({"verdict": est.verdict, "rates": rates, "answered": est.answered}), at)?;
        load(tx, id)?.ok_or(StoreError::NotFound)
    })
}
