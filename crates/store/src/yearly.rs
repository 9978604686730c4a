//! 动态调整: the yearly re-evaluation of every file in a region after the year's incomes and
//! conditions are entered: who now meets the exit standards, who of the exited is at risk of
//! falling back, whose data contradicts itself.

use crate::*;
use fupin_domain::id_number::Date;
use fupin_domain::lifecycle::{monitoring_risks, verdict, Verdict};

/// Files per verdict, with the first ids of each (for the lists on the page).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    pub year: i32,
    pub households: u64,
    pub counts: BTreeMap<&'static str, u64>,
    pub meets_exit: Vec<String>,
    pub at_risk: Vec<(String, Vec<String>)>,
    pub inconsistent: BTreeMap<&'static str, (&'static str, i64)>,
    /// Seconds spent judging the files, and running the data checks.
    pub seconds: (f64, f64),
}

/// Listed per verdict at most.
pub const LISTED: usize = 500;

fn key(v: Verdict) -> &'static str {
    match v {
        Verdict::MeetsExit => "meets_exit",
        Verdict::StillPoor => "still_poor",
        Verdict::AtRisk => "at_risk",
        Verdict::Stable => "stable",
        Verdict::Other => "other",
    }
}

/// Reads every file in `region` in key order, batch by batch, and judges each.
pub fn evaluate(store: &dyn Store, caller: &Caller, region: &RegionCode, year: i32, as_of: Date) -> Result<Evaluation> {
    let started = std::time::Instant::now();
    let mut out = Evaluation { year, ..Default::default() };
    let mut after: Option<String> = None;
    loop {
        let files = store.files_in(caller, region, after.as_deref(), 5000)?;
        let Some(last) = files.last() else { break };
        after = Some(last.id.clone());
        for h in &files {
            out.households += 1;
            let v = verdict(h, year, as_of, store.rules());
            *out.counts.entry(key(v)).or_default() += 1;
            match v {
                Verdict::MeetsExit if out.meets_exit.len() < LISTED => out.meets_exit.push(h.id.clone()),
                Verdict::AtRisk if out.at_risk.len() < LISTED => out.at_risk.push((h.id.clone(), monitoring_risks(h, year, store.rules()))),
                _ => {}
            }
        }
    }
    out.seconds.0 = started.elapsed().as_secs_f64();
    let checking = std::time::Instant::now();
    out.inconsistent = store.data_checks(caller, region, as_of)?.counts;
    out.seconds.1 = checking.elapsed().as_secs_f64();
    Ok(out)
}
