//! The matcher's run over a region: the open needs and the offers that may meet them become a
//! transportation problem for `fupin-matching` (each need one unit, each offer its free shares,
//! a candidate per allowed pair costed by distance and the donor's preference, an unmatched
//! need costing its urgency's weight above any candidate), and the optimal assignment becomes
//! proposed matches in the same transaction. Needs and shares already held are not in the
//! problem, so accepted matches never move; the offers' prices of the region's last run start
//! the next; candidates are built in (need, offer) id order, so a rerun on the same data
//! proposes the same matches.

use super::{business_date, matches, needs, next_id, offers};
use crate::core::db::{Backend, Tx};
use crate::core::query::require;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::matching::{MatchState, Need, Offer};
use fupin_domain::RegionCode;
use fupin_matching::transport::{self, Candidate, Instance};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Above any candidate's cost (at most 3 × DISTANCE + MAX_REGIONS × RANK), so the matcher
/// first meets as much urgency-weighted need as it can, then at least cost.
const UNMET: i64 = 10_000;
const DISTANCE: i64 = 100;
const RANK: i64 = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRun {
    pub id: String,
    pub region: String,
    pub at: String,
    pub actor: String,
    /// Open needs and offers it saw, the allowed pairs, the matches it proposed.
    pub needs: i64,
    pub offers: i64,
    pub candidates: i64,
    pub proposed: i64,
    /// The optimal total cost (unmet needs at their weight, met ones at their distance).
    pub cost: i64,
}

/// How far a village is from a donor: 0 in its county, 1 in its city, 2 in the province, 3
/// beyond.
fn distance(village: &RegionCode, donor: &RegionCode) -> i64 {
    let (a, b) = (village.as_str().as_bytes(), donor.as_str().as_bytes());
    let shared = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    match shared {
        n if n >= 6 => 0,
        n if n >= 4 => 1,
        n if n >= 2 => 2,
        _ => 3,
    }
}

const DISTANCE_LABEL: [&str; 4] = ["同县", "同市", "省内", "省外"];

fn open_needs(tx: &mut dyn Tx, region: &RegionCode, on: &str) -> Result<Vec<Need>> {
    let (lo, hi) = region.code_range();
    let rows = tx.query(
        &format!(
            "SELECT {} FROM needs n WHERE n.state = 'published' AND n.active_match IS NULL AND n.deadline >= $1 \
             AND n.village_code >= $2 AND n.village_code < $3 ORDER BY n.id",
            needs::COLS
        ),
        &[on.into(), lo.into(), hi.into()],
    )?;
    rows.iter().map(needs::parse).collect()
}

fn warm_prices(tx: &mut dyn Tx, region: &RegionCode) -> Result<HashMap<String, i64>> {
    let last =
        tx.query_one("SELECT prices FROM match_runs WHERE region = $1 ORDER BY at DESC, id DESC LIMIT 1", &[region.as_str().into()])?;
    let Some(r) = last else { return Ok(HashMap::new()) };
    serde_json::from_str(r.str(0)?).map_err(|e| StoreError::Corrupt(format!("match_runs ({region}): prices: {e}")))
}

pub(super) fn run<B: Backend>(s: &SqlStore<B>, caller: &Caller, region: &RegionCode, at: &str) -> Result<MatchRun> {
    require(caller.role.may(Action::RunMatcher), "供需对接由县级及以上扶贫管理员运行")?;
    if !caller.scope.region.contains(region) {
        return Err(StoreError::NotFound);
    }
    let on = business_date(at)?.to_string();
    s.write(|tx| {
        let needs = open_needs(tx, region, &on)?;
        // Every open offer with a share left that serves the region.
        let mut all: Vec<Offer> = vec![];
        let rows = tx.query(
            "SELECT o.id FROM offers o JOIN donors d ON d.id = o.donor_id WHERE o.state = 'open' AND d.state = 'verified' \
                             AND o.deadline >= $1 AND o.taken < o.capacity ORDER BY o.id",
            &[on.as_str().into()],
        )?;
        for r in rows {
            if let Some(o) = offers::load(tx, r.str(0)?)? {
                if o.draft.regions.iter().any(|x| x.contains(region) || region.contains(x)) {
                    all.push(o);
                }
            }
        }
        let donor_region: HashMap<String, RegionCode> = {
            let mut m = HashMap::new();
            for o in &all {
                if !m.contains_key(&o.donor_id) {
                    if let Some(d) = super::donors::load(tx, &o.donor_id)? {
                        m.insert(o.donor_id.clone(), d.draft.region);
                    }
                }
            }
            m
        };
        let mut by_category: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (i, o) in all.iter().enumerate() {
            by_category.entry(o.draft.category.code()).or_default().push(i as u32);
        }
        let mut candidates = vec![];
        for (i, n) in needs.iter().enumerate() {
            for &j in by_category.get(n.draft.category.code()).map(Vec::as_slice).unwrap_or(&[]) {
                let o = &all[j as usize];
                let Some(rank) = o.serves(&n.village) else { continue };
                if !n.traits.meets(o.draft.condition) {
                    continue;
                }
                let d = donor_region.get(&o.donor_id).map_or(3, |r| distance(&n.village, r));
                candidates.push(Candidate { need: i as u32, offer: j, cost: d * DISTANCE + rank as i64 * RANK });
            }
        }
        let inst = Instance {
            needs: needs.iter().map(|n| transport::Need { penalty: n.draft.urgency.weight() * UNMET }).collect(),
            offers: all.iter().map(|o| transport::Offer { capacity: o.free() }).collect(),
            candidates,
        };
        let warm = warm_prices(tx, region)?;
        let start: Vec<i64> = all.iter().map(|o| warm.get(&o.id).copied().unwrap_or(0)).collect();
        let a = transport::assign(&inst, (!warm.is_empty()).then_some(start.as_slice()))
            .map_err(|e| StoreError::Db(format!("供需对接求解失败：{e}")))?;
        let mut by_need: Vec<Vec<usize>> = vec![vec![]; needs.len()];
        for (c, x) in inst.candidates.iter().enumerate() {
            by_need[x.need as usize].push(c);
        }
        let mut proposed = 0;
        for (i, chosen) in a.chosen.iter().enumerate() {
            let Some(c) = chosen else { continue };
            let c = *c as usize;
            let reason = explain(&inst, &a.offer_prices, &by_need[i], c, &all, &donor_region, &needs[i]);
            let offer = &all[inst.candidates[c].offer as usize];
            match matches::open(tx, &needs[i], offer, MatchState::Proposed, "matcher", &reason, &caller.username, at) {
                Ok(_) => proposed += 1,
                // A donor took it (点对点) while the run was solving: it keeps it, the run goes on.
                Err(StoreError::Invalid(e)) if e.code == "need.taken" => continue,
                Err(e) => return Err(e),
            }
        }
        let prices: BTreeMap<&str, i64> = all.iter().zip(&a.offer_prices).map(|(o, p)| (o.id.as_str(), *p)).collect();
        let run = MatchRun {
            id: next_id(tx, "match_runs", &format!("R{region}-"), 5)?,
            region: region.to_string(),
            at: at.to_string(),
            actor: caller.username.clone(),
            needs: needs.len() as i64,
            offers: all.len() as i64,
            candidates: inst.candidates.len() as i64,
            proposed,
            cost: a.cost,
        };
        tx.exec(
            "INSERT INTO match_runs (id, region, at, actor, needs, offers, candidates, proposed, cost, prices) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                run.id.as_str().into(),
                run.region.as_str().into(),
                run.at.as_str().into(),
                run.actor.as_str().into(),
                run.needs.into(),
                run.offers.into(),
                run.candidates.into(),
                run.proposed.into(),
                run.cost.into(),
                serde_json::to_string(&prices).unwrap_or_default().into(),
            ],
        )?;
        Ok(run)
    })
}

/// Why this offer and not the next best: each candidate costs its distance plus its offer's
/// shadow price (what a share of it is worth to the other needs); the chosen one is cheapest.
fn explain(
    inst: &Instance,
    prices: &[i64],
    mine: &[usize],
    chosen: usize,
    offers: &[Offer],
    donor_region: &HashMap<String, RegionCode>,
    need: &Need,
) -> String {
    let describe = |c: usize| {
        let x = &inst.candidates[c];
        let o = &offers[x.offer as usize];
        let d = donor_region.get(&o.donor_id).map_or(3, |r| distance(&need.village, r)) as usize;
        let price = prices.get(x.offer as usize).copied().unwrap_or(0);
        (format!("{}的“{}”", o.donor_name, o.draft.title), DISTANCE_LABEL[d.min(3)], x.cost, price)
    };
    let (name, near, cost, price) = describe(chosen);
    let mut s = format!("选择{name}：{near}，对接成本{cost}，名额影子价{price}，合计{}", cost + price);
    let next = mine.iter().copied().filter(|&c| c != chosen).map(|c| (describe(c), c)).min_by_key(|((_, _, c, p), k)| (c + p, *k));
    match next {
        Some(((n2, near2, c2, p2), _)) => {
            s.push_str(&format!("；次优为{n2}（{near2}，成本{c2}+影子价{p2}={}，多{}）", c2 + p2, c2 + p2 - cost - price))
        }
        None => s.push_str("；没有其他符合条件的资源"),
    }
    s
}

pub(super) fn runs<B: Backend>(s: &SqlStore<B>, caller: &Caller, region: &RegionCode, limit: u32) -> Result<Vec<MatchRun>> {
    require(caller.role.may(Action::RunMatcher), "供需对接由县级及以上扶贫管理员运行")?;
    if !caller.scope.region.contains(region) {
        return Err(StoreError::NotFound);
    }
    let (lo, hi) = region.code_range();
    s.read(|tx| {
        let rows = tx.query(
            &format!(
                "SELECT id, region, at, actor, needs, offers, candidates, proposed, cost FROM match_runs \
                 WHERE region >= $1 AND region < $2 ORDER BY at DESC, id DESC LIMIT {}",
                limit.clamp(1, 100)
            ),
            &[lo.as_str().into(), hi.as_str().into()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(MatchRun {
                    id: r.text(0)?,
                    region: r.text(1)?,
                    at: r.text(2)?,
                    actor: r.text(3)?,
                    needs: r.int(4)?,
                    offers: r.int(5)?,
                    candidates: r.int(6)?,
                    proposed: r.int(7)?,
                    cost: r.int(8)?,
                })
            })
            .collect()
    })
}
