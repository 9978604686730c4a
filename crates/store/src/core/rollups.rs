//! The maintained counters (rollups): village, township and county rows, updated by deltas in
//! the writer's transaction and read as sums above the county.

use crate::core::db::{Tx, Val};
use crate::{Figures, Result};
use fupin_domain::maps::rollup::{Delta, Tally};
use fupin_domain::RegionCode;
use std::collections::BTreeMap;

/// Levels whose rollups are maintained row by row; all lie within one county.
pub const MAINTAINED_LEVELS: [i64; 3] = [6, 9, 12];

/// Adds villages' deltas to the maintained rollups, summed first per region and metric so
/// that a township or county row is written once however many of its villages changed.
pub fn apply_deltas<'v>(tx: &mut dyn Tx, deltas: impl Iterator<Item = (&'v RegionCode, Delta)>) -> Result<()> {
    let mut sums: BTreeMap<(i64, String, String), Tally> = BTreeMap::new();
    for (village, delta) in deltas {
        for len in MAINTAINED_LEVELS {
            for (metric, t) in &delta {
                let e = sums.entry((len, village.as_str()[..len as usize].to_string(), metric.clone())).or_default();
                e.households += t.households;
                e.persons += t.persons;
            }
        }
    }
    // Many regions at once: a hundred rows per statement (each key once, as PostgreSQL
    // requires of one upsert).
    let sums: Vec<_> = sums.into_iter().filter(|(_, t)| *t != Tally::default()).collect();
    for chunk in sums.chunks(100) {
        let tuples: Vec<String> =
            (0..chunk.len()).map(|r| format!("(${}, ${}, ${}, ${}, ${})", 5 * r + 1, 5 * r + 2, 5 * r + 3, 5 * r + 4, 5 * r + 5)).collect();
        let sql = format!(
            "INSERT INTO rollups (level_len, region_code, metric, households, persons) VALUES {} \
                 ON CONFLICT (level_len, region_code, metric) DO UPDATE SET \
                 households = rollups.households + excluded.households, persons = rollups.persons + excluded.persons",
            tuples.join(", ")
        );
        let params: Vec<Val> = chunk
            .iter()
            .flat_map(|((len, code, metric), t)| {
                [(*len).into(), code.as_str().into(), metric.as_str().into(), t.households.into(), t.persons.into()]
            })
            .collect();
        tx.exec(&sql, &params)?;
    }
    Ok(())
}

/// Maintained rollup rows of one level inside `region`, summed per region code prefix of
/// `group_len` in Rust (cheaper than SQL GROUP BY for a few thousand rows).
pub fn figures_by(tx: &mut dyn Tx, level_len: i64, group_len: usize, region: &RegionCode) -> Result<BTreeMap<String, Figures>> {
    figures_with(tx, level_len, group_len, region, &[])
}

/// `figures_by` reading only `metrics` (every metric when empty).
pub fn figures_with(
    tx: &mut dyn Tx,
    level_len: i64,
    group_len: usize,
    region: &RegionCode,
    metrics: &[String],
) -> Result<BTreeMap<String, Figures>> {
    let (lo, hi) = region.code_range();
    let mut params: Vec<Val> = vec![level_len.into(), lo.into(), hi.into()];
    let mut sql =
        "SELECT region_code, metric, households, persons FROM rollups WHERE level_len = $1 AND region_code >= $2 AND region_code < $3"
            .to_string();
    if !metrics.is_empty() {
        let marks: Vec<String> = (0..metrics.len()).map(|i| format!("${}", i + 4)).collect();
        sql.push_str(&format!(" AND metric IN ({})", marks.join(", ")));
        params.extend(metrics.iter().map(|m| Val::from(m.as_str())));
    }
    let rows = tx.query(&sql, &params)?;
    let mut out: BTreeMap<String, Figures> = BTreeMap::new();
    for r in rows {
        let (Val::Text(code), Val::Text(metric)) = (&r.vals[0], &r.vals[1]) else { continue };
        let t = out.entry(code[..group_len.min(code.len())].to_string()).or_default().entry(metric.clone()).or_default();
        t.households += r.int(2)?;
        t.persons += r.int(3)?;
    }
    Ok(out)
}

/// Maintained rollup rows keyed by `(level_len, region_code, metric)`.
pub type RollupTable = BTreeMap<(i64, String, String), Tally>;
