//! Rollups: what a household contributes to the per-region counters that dashboards and maps
//! read. A counter is a metric name with a household and a person count. A command's rollup
//! delta is `contributions(after) − contributions(before) + flows(event)`, so the counters stay
//! equal to a recount by construction; the store's tests check that they do.

use crate::registry::codes::Status;
use crate::registry::household::Household;
use std::collections::BTreeMap;

/// Counts under one metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    pub households: i64,
    pub persons: i64,
}

/// Metric name → tally. A BTreeMap so that deltas apply in a fixed order (no deadlocks).
pub type Delta = BTreeMap<String, Tally>;

/// The state metrics of one household: `all`, `status:`, `attr:`, `cause:` (main cause),
/// `path:` (each path it has a measure on), `helped`, `measured`, and the gaps among the
/// remaining poor: `gap:helper` (no helper), `gap:measure` (no measure).
pub fn contributions(h: &Household) -> Vec<String> {
    if !h.status.is_registered() {
        // A moved-out file counts where the household lives now; a recorded (never registered)
        // household counts only as itself and as monitored.
        let mut m = vec![];
        if h.status == Status::NonPoor {
            m.push("nonpoor".to_string());
            m.extend(h.monitoring.map(|t| format!("monitored:{}", t.code())));
        }
        return m;
    }
    let mut m = vec![
        "all".to_string(),
        format!("status:{}", h.status.code()),
        format!("attr:{}", h.attribute.code()),
        format!("cause:{}", h.main_cause.code()),
    ];
    let mut paths: Vec<&str> = h.measures.iter().map(|x| x.path.code()).collect();
    paths.sort_unstable();
    paths.dedup();
    m.extend(paths.into_iter().map(|p| format!("path:{p}")));
    if !h.helpers.is_empty() {
        m.push("helped".to_string());
    }
    if !h.measures.is_empty() {
        m.push("measured".to_string());
    }
    if h.status.is_remaining() && h.helpers.is_empty() {
        m.push("gap:helper".to_string());
    }
    if h.status.is_remaining() && h.measures.is_empty() {
        m.push("gap:measure".to_string());
    }
    if let Some(t) = h.monitoring {
        m.push(format!("monitored:{}", t.code()));
    }
    m
}

/// The flow metric an event adds, if it changes status: `registered:Y`, `exited:Y`,
/// `returned:Y`, `removed:Y`, `transferred_out:Y`, `recorded:Y`.
pub fn flow(to: Status, year: i32) -> Option<String> {
    let name = match to {
        Status::Poor => "registered",
        Status::Exited | Status::ExitedNoPolicy => "exited",
        Status::Returned => "returned",
        Status::Removed => "removed",
        Status::TransferredOut => "transferred_out",
        Status::NonPoor => "recorded",
    };
    Some(format!("{name}:{year}"))
}

/// Adds `sign` × the household's contributions to `delta`.
pub fn add(delta: &mut Delta, metrics: &[String], persons: i64, sign: i64) {
    for m in metrics {
        let t = delta.entry(m.clone()).or_default();
        t.households += sign;
        t.persons += sign * persons;
    }
}

/// The delta of a change from `before` (None for a new file) to `after`, with an optional flow metric. Zero entries
/// are dropped so unchanged metrics cost no write.
pub fn delta(before: Option<&Household>, after: &Household, flow: Option<String>) -> Delta {
    let mut d = Delta::new();
    if let Some(before) = before {
        add(&mut d, &contributions(before), before.size(), -1);
    }
    add(&mut d, &contributions(after), after.size(), 1);
    if let Some(f) = flow {
        add(&mut d, &[f], after.size(), 1);
    }
    d.retain(|_, t| t.households != 0 || t.persons != 0);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::household::fixtures::household;

    #[test]
    fn unchanged_state_gives_empty_delta() {
        let h = household();
        assert!(delta(Some(&h), &h, None).is_empty());
    }

    #[test]
    fn status_change_moves_one_household() {
        let before = household();
        let mut after = before.clone();
        after.status = Status::Exited;
        let d = delta(Some(&before), &after, flow(Status::Exited, 2016));
        assert_eq!(d["status:1"], Tally { households: -1, persons: -2 });
        assert_eq!(d["status:2"], Tally { households: 1, persons: 2 });
        assert_eq!(d["exited:2016"], Tally { households: 1, persons: 2 });
        assert!(!d.contains_key("all"));
    }
}
