//! 供需对接 as the platform poses it: each need (one poor household's request, one unit) goes
//! to at most one of its candidate offers (a donor's offer with a capacity), or stays unmatched
//! at its penalty; the total of candidate costs and penalties is minimised.
//!
//! As a network: a node per need (supply 1), a node per offer, and a sink (demand = number of
//! needs); candidate arcs need → offer (cap 1, the candidate's cost), a penalty arc need → sink
//! (cap 1, the penalty) and an arc offer → sink (its capacity, cost 0). A need can always reach
//! the sink, so the problem is always feasible.

use crate::cost_scaling::{solve, SolveError};
use crate::flow::Flow;
use crate::network::{Network, NetworkBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// What leaving this need unmatched costs: its urgency weight times a constant chosen by the
    /// caller, comparable with the candidates' costs.
    pub penalty: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// How many needs this offer can still take (accepted matches already taken off).
    pub capacity: u32,
}

/// An allowed pair and its cost (distance between village and donor region, preference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub need: u32,
    pub offer: u32,
    pub cost: i64,
}

/// A matching problem. Candidates must be sorted by (need, offer): the order fixes how ties are
/// broken and lets `explain` find a need's candidates by binary search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    pub needs: Vec<Need>,
    pub offers: Vec<Offer>,
    pub candidates: Vec<Candidate>,
}

impl Instance {
    /// The index range of a need's candidates (candidates sorted by need).
    pub fn candidates_of(&self, need: u32) -> std::ops::Range<usize> {
        let start = self.candidates.partition_point(|c| c.need < need);
        let end = self.candidates.partition_point(|c| c.need <= need);
        start..end
    }

    fn sink(&self) -> u32 {
        (self.needs.len() + self.offers.len()) as u32
    }

    fn offer_node(&self, offer: u32) -> u32 {
        self.needs.len() as u32 + offer
    }

    fn check(&self) -> Result<(), SolveError> {
        if self.needs.len() + self.offers.len() >= u32::MAX as usize - 1 {
            return Err(SolveError::Instance("more than 4 294 967 293 needs and offers".into()));
        }
        for (i, c) in self.candidates.iter().enumerate() {
            if c.need as usize >= self.needs.len() || c.offer as usize >= self.offers.len() {
                return Err(SolveError::Instance(format!(
                    "candidate {i} pairs need {} with offer {}, but there are {} needs and {} offers",
                    c.need,
                    c.offer,
                    self.needs.len(),
                    self.offers.len()
                )));
            }
        }
        if let Some(i) = self.candidates.windows(2).position(|w| (w[0].need, w[0].offer) > (w[1].need, w[1].offer)) {
            return Err(SolveError::Instance(format!("candidates not sorted by (need, offer) at candidate {}", i + 1)));
        }
        Ok(())
    }
}

/// The min-cost-flow network of an instance. Arc ids: candidate i is arc i; need i's penalty
/// arc is `candidates + i`; offer j's arc to the sink is `candidates + needs + j`.
pub fn network(inst: &Instance) -> Result<Network, SolveError> {
    inst.check()?;
    let sink = inst.sink();
    let mut b = NetworkBuilder::new(sink + 1);
    b.reserve(inst.candidates.len() + inst.needs.len() + inst.offers.len());
    for (i, _) in inst.needs.iter().enumerate() {
        b.set_supply(i as u32, 1);
    }
    b.set_supply(sink, -(inst.needs.len() as i64));
    for c in &inst.candidates {
        b.add_arc(c.need, inst.offer_node(c.offer), 0, 1, c.cost);
    }
    for (i, need) in inst.needs.iter().enumerate() {
        b.add_arc(i as u32, sink, 0, 1, need.penalty);
    }
    for (j, offer) in inst.offers.iter().enumerate() {
        b.add_arc(inst.offer_node(j as u32), sink, 0, offer.capacity, 0);
    }
    b.build().map_err(|e| SolveError::Instance(e.to_string()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Per need: the index of its chosen candidate, or None (unmatched).
    pub chosen: Vec<Option<u32>>,
    /// Σ chosen candidates' costs + Σ unmatched needs' penalties (the optimum).
    pub cost: i64,
    /// Per offer, its shadow price: what one more unit of its capacity would save (≥ 0; 0 where
    /// capacity is left). A need's chosen candidate minimises cost + offer price.
    pub offer_prices: Vec<i64>,
    /// Per need, the price at which it is served: the least cost + offer price among its
    /// candidates, at most its penalty.
    pub need_prices: Vec<i64>,
    pub matched: usize,
    /// The network flow and its certificate (`network(inst)` and `verify` check it).
    pub flow: Flow,
}

/// Solves the matching. `warm_offer_prices` are the `offer_prices` of an earlier run (after its
/// accepted matches were removed), to start close to the answer.
pub fn assign(inst: &Instance, warm_offer_prices: Option<&[i64]>) -> Result<Assignment, SolveError> {
    let net = network(inst)?;
    let warm = match warm_offer_prices {
        None => None,
        Some(w) if w.len() != inst.offers.len() => return Err(SolveError::WarmLength { expected: inst.offers.len(), got: w.len() }),
        Some(w) => Some(warm_prices(inst, w)),
    };
    let mut flow = solve(&net, warm.as_deref())?;
    let n_needs = inst.needs.len();
    let n_cand = inst.candidates.len();
    // Prices relative to the sink; an offer nobody uses may come out with a negative price,
    // which is as valid as 0 (nothing flows through it), and 0 reads better.
    let ps = flow.prices[inst.sink() as usize];
    for p in flow.prices.iter_mut() {
        *p -= ps;
    }
    for j in 0..inst.offers.len() {
        let node = inst.offer_node(j as u32) as usize;
        if flow.arc_flow((n_cand + n_needs + j) as u32) == 0 {
            flow.prices[node] = flow.prices[node].min(0);
        }
    }
    let mut chosen = vec![None; n_needs];
    for (i, c) in inst.candidates.iter().enumerate() {
        if flow.arc_flow(i as u32) > 0 {
            chosen[c.need as usize] = Some(i as u32);
        }
    }
    let cost = i64::try_from(flow.cost).map_err(|_| SolveError::Instance(format!("total cost {} exceeds 64 bits", flow.cost)))?;
    let offer_prices = (0..inst.offers.len()).map(|j| -flow.prices[inst.offer_node(j as u32) as usize]).collect();
    let need_prices = flow.prices[..n_needs].iter().map(|p| -p).collect();
    let matched = chosen.iter().filter(|c| c.is_some()).count();
    Ok(Assignment { chosen, cost, offer_prices, need_prices, matched, flow })
}

/// Node prices from offer prices: the sink at 0, each offer at −price, each need at −(its best
/// option), which is what an optimal solution's prices look like.
fn warm_prices(inst: &Instance, offer_prices: &[i64]) -> Vec<i64> {
    let mut best: Vec<i64> = inst.needs.iter().map(|n| n.penalty).collect();
    for c in &inst.candidates {
        let b = &mut best[c.need as usize];
        *b = (*b).min(c.cost.saturating_add(offer_prices[c.offer as usize]));
    }
    let mut prices: Vec<i64> = best.into_iter().map(|b| -b).collect();
    prices.extend(offer_prices.iter().map(|p| -p));
    prices.push(0);
    prices
}
