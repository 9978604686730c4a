//! 对接说明: why a need got the offer it got — its cost and the offer's shadow price against the
//! next best option — or why it stayed unmatched (every candidate's cost + price reaches the
//! penalty). Read off the optimal prices; nothing is re-solved.

use crate::transport::{Assignment, Instance};
use std::fmt;

/// One option a need had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Offer {
        /// Index into the instance's candidates.
        candidate: u32,
        offer: u32,
        cost: i64,
        /// The offer's shadow price: what its scarce capacity is worth to the other needs.
        offer_price: i64,
    },
    Unmatched {
        penalty: i64,
    },
}

impl Choice {
    /// What taking this option costs the whole plan: cost + offer price, or the penalty.
    pub fn total(&self) -> i64 {
        match *self {
            Choice::Offer { cost, offer_price, .. } => cost.saturating_add(offer_price),
            Choice::Unmatched { penalty } => penalty,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub need: u32,
    pub chosen: Choice,
    /// The cheapest other option (another candidate, or staying unmatched); None if there is none.
    pub next_best: Option<Choice>,
    /// next_best.total() − chosen.total(): by how much the next best loses (≥ 0; 0 is a tie,
    /// settled by candidate order).
    pub margin: Option<i64>,
}

/// Explains the assignment of one need. Panics if `need` is not a need of the instance.
pub fn explain(inst: &Instance, a: &Assignment, need: u32) -> Explanation {
    let offer_choice = |i: usize| {
        let c = inst.candidates[i];
        Choice::Offer { candidate: i as u32, offer: c.offer, cost: c.cost, offer_price: a.offer_prices[c.offer as usize] }
    };
    let unmatched = Choice::Unmatched { penalty: inst.needs[need as usize].penalty };
    let picked = a.chosen[need as usize];
    let chosen = picked.map_or(unmatched, |i| offer_choice(i as usize));
    let mut others: Vec<Choice> = inst.candidates_of(need).filter(|&i| Some(i as u32) != picked).map(offer_choice).collect();
    if picked.is_some() {
        others.push(unmatched);
    }
    // The first of the cheapest, so a tie names the earlier candidate.
    let next_best = others.into_iter().fold(None, |best: Option<Choice>, c| match best {
        Some(b) if b.total() <= c.total() => Some(b),
        _ => Some(c),
    });
    let margin = next_best.map(|n| n.total().saturating_sub(chosen.total()));
    Explanation { need, chosen, next_best, margin }
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Offer { candidate, offer, cost, offer_price } => {
                write!(f, "供给 {offer}（候选 {candidate}）：成本 {cost} + 影子价格 {offer_price} = {}", self.total())
            }
            Choice::Unmatched { penalty } => write!(f, "暂不对接：代价 {penalty}"),
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "需求 {} 选择 {}", self.need, self.chosen)?;
        match (self.next_best, self.margin) {
            (Some(n), Some(m)) => write!(f, "；次优 {n}，差 {m}"),
            _ => write!(f, "；别无选择"),
        }
    }
}
