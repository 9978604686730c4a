//! A solved flow: per-arc flow in the caller's arc order, its cost, and the node prices that
//! certify it optimal.

use crate::network::{ArcId, Network};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Σ cost × flow over all arcs; i128 so that no sum of i64 products overflows.
    pub cost: i128,
    /// Node prices (dual values) in cost units: for every arc, cost + price(tail) − price(head)
    /// is ≥ 0 where the arc could carry more and ≤ 0 where it could carry less.
    pub prices: Vec<i64>,
    /// Flow per arc, by ArcId, lower bound included.
    flow: Vec<u32>,
}

impl Flow {
    /// `flow` is per storage position, above the lower bound (the solver's view).
    pub(crate) fn from_solver(net: &Network, flow: Vec<u32>, prices: Vec<i64>) -> Flow {
        let mut by_id = match &net.perm {
            None => flow,
            Some(perm) => perm.iter().map(|&p| flow[p as usize]).collect(),
        };
        if net.low.is_some() {
            for (id, f) in by_id.iter_mut().enumerate() {
                *f += net.low_at(net.pos(id as ArcId));
            }
        }
        let cost = by_id.iter().enumerate().map(|(id, &f)| net.arc(id as ArcId).cost as i128 * f as i128).sum();
        Flow { cost, prices, flow: by_id }
    }

    /// Builds a flow from outside values (a stored solution, a test's hand-made one), to be
    /// checked with `verify`.
    pub fn new(net: &Network, flow: Vec<u32>, prices: Vec<i64>) -> Flow {
        let cost = flow.iter().zip(net.arc_list()).map(|(&f, a)| a.cost as i128 * f as i128).sum();
        Flow { cost, prices, flow }
    }

    pub fn arc_flow(&self, arc: ArcId) -> u32 {
        self.flow[arc as usize]
    }

    /// Flow per arc, by ArcId.
    pub fn flows(&self) -> &[u32] {
        &self.flow
    }
}
