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

/// Households among the remaining poor (未脱贫 + 返贫) without the gap `gap` (`gap:helper`,
/// `gap:measure`), and the remaining poor households: the coverage the maps and the key tasks read.
pub fn covered(f: &Delta, gap: &str) -> (i64, i64) {
    let h = |m: &str| f.get(m).map_or(0, |t| t.households);
    let remaining = h("status:1") + h("status:4");
    (remaining - h(gap), remaining)
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

/// What an event did to the remaining poor (未脱贫 + 返贫), as the flow `remaining:Y`: the
/// households and persons it added (or, negative, took away). Every event counts, not only
/// status changes: a member born or gone, a file moved in or out, a file replaced by an import.
/// So the sum of `remaining:y` over the years up to Y is the remaining poor at the end of Y, and
/// for the current year equals the state counters `status:1` + `status:4` exactly.
pub fn remaining_flow(before: Option<&Household>, after: &Household, year: i32) -> Option<(String, Tally)> {
    remaining_change(before.map(|h| (h.status, h.size())), (after.status, after.size()), year)
}

/// `remaining_flow` from the status and size before (none: a new file) and after the event.
pub fn remaining_change(before: Option<(Status, i64)>, after: (Status, i64), year: i32) -> Option<(String, Tally)> {
    let count = |x: Option<(Status, i64)>| x.filter(|(s, _)| s.is_remaining()).map_or((0, 0), |(_, size)| (1, size));
    let ((bh, bp), (ah, ap)) = (count(before), count(Some(after)));
    (bh != ah || bp != ap).then(|| (format!("remaining:{year}"), Tally { households: ah - bh, persons: ap - bp }))
}

/// The payload fields that carry an event's flows, read back by `payload_flows`: `flow` (a
/// status flow, counted with the file's `size`) and `remaining` (see `remaining_flow`).
pub fn flow_fields(flow: Option<&str>, size: i64, remaining: Option<&(String, Tally)>) -> serde_json::Value {
    let mut v = serde_json::json!({"size": size, "flow": flow});
    if let Some((metric, t)) = remaining {
        v["remaining"] = serde_json::json!({"metric": metric, "households": t.households, "persons": t.persons});
    }
    v
}

/// The flow counters an event's payload adds: what a recount reads back from the ledger.
pub fn payload_flows(payload: &serde_json::Value) -> Vec<(String, Tally)> {
    let mut out = vec![];
    if let Some(flow) = payload["flow"].as_str() {
        out.push((flow.to_string(), Tally { households: 1, persons: payload["size"].as_i64().unwrap_or(0) }));
    }
    let r = &payload["remaining"];
    if let Some(metric) = r["metric"].as_str() {
        out.push((
            metric.to_string(),
            Tally { households: r["households"].as_i64().unwrap_or(0), persons: r["persons"].as_i64().unwrap_or(0) },
        ));
    }
    // Other functions' counters (供需对接's needs published and reached): signed, any metric.
    for c in payload["counts"].as_array().into_iter().flatten() {
        if let Some(metric) = c["metric"].as_str() {
            out.push((metric.to_string(), Tally { households: c["n"].as_i64().unwrap_or(0), persons: 0 }));
        }
    }
    out
}

/// 供需对接's counters: published needs (`households` counts needs) and those reached by a match
/// (under way or met). The match rate on the measures map is their ratio.
pub const NEEDS_PUBLISHED: &str = "need:published";
pub const NEEDS_REACHED: &str = "need:reached";

/// An event payload's entry adding `n` to `metric` (read back by `payload_flows`).
pub fn count(metric: &str, n: i64) -> serde_json::Value {
    serde_json::json!({"metric": metric, "n": n})
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

/// `delta` with the event's `remaining:Y` flow (see `remaining_flow`) added.
pub fn delta_with_remaining(
    before: Option<&Household>,
    after: &Household,
    flow: Option<String>,
    remaining: Option<&(String, Tally)>,
) -> Delta {
    let mut d = delta(before, after, flow);
    if let Some((metric, t)) = remaining {
        let e = d.entry(metric.clone()).or_default();
        e.households += t.households;
        e.persons += t.persons;
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
    fn the_remaining_flow_follows_every_event_that_changes_the_remaining_poor() {
        let before = household();
        assert!(before.status.is_remaining());
        // A member gone from a poor household: one person fewer among the remaining poor.
        let mut smaller = before.clone();
        smaller.members[1].left = Some(crate::registry::codes::MemberChange::Death);
        let r = remaining_flow(Some(&before), &smaller, 2016).unwrap();
        assert_eq!(r, ("remaining:2016".to_string(), Tally { households: 0, persons: -1 }));
        // Its exit takes the rest; registering it first added all of it.
        let mut exited = smaller.clone();
        exited.status = Status::Exited;
        assert_eq!(remaining_flow(Some(&smaller), &exited, 2016).unwrap().1, Tally { households: -1, persons: -(smaller.size()) });
        assert_eq!(remaining_flow(None, &before, 2015).unwrap().1, Tally { households: 1, persons: before.size() });
        assert_eq!(remaining_flow(Some(&exited), &exited, 2017), None);
        // Read back from a payload exactly as written.
        let p = flow_fields(Some("exited:2016"), 2, remaining_flow(Some(&smaller), &exited, 2016).as_ref());
        assert_eq!(
            payload_flows(&p),
            vec![
                ("exited:2016".to_string(), Tally { households: 1, persons: 2 }),
                ("remaining:2016".to_string(), Tally { households: -1, persons: -(smaller.size()) })
            ]
        );
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
