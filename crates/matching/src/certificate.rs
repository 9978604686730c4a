//! The optimality certificate, checked independently of the solver: the flow is feasible
//! (bounds, conservation), every residual arc has a non-negative reduced cost under the prices
//! (complementary slackness), and the primal cost equals the dual bound those prices give.

use crate::flow::Flow;
use crate::network::{ArcId, Network};
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("the flow has {got} arcs and prices for {got_prices} nodes; the network has {arcs} arcs and {nodes} nodes")]
    Shape { arcs: usize, got: usize, nodes: usize, got_prices: usize },
    #[error("arc {arc} carries {flow}, outside its bounds [{low}, {cap}]")]
    Bounds { arc: ArcId, flow: u32, low: u32, cap: u32 },
    #[error("node {node}: outflow − inflow is {net}, but its supply is {supply}")]
    Conservation { node: u32, net: i128, supply: i64 },
    #[error("arc {arc} (flow {flow} in [{low}, {cap}]) has reduced cost {reduced}: a cheaper flow exists or the prices are wrong")]
    ReducedCost { arc: ArcId, flow: u32, low: u32, cap: u32, reduced: i128 },
    #[error("the flow costs {primal} but the prices only prove {dual}")]
    Gap { primal: i128, dual: i128 },
    #[error("the flow's recorded cost {recorded} is not its arcs' cost {actual}")]
    Cost { recorded: i128, actual: i128 },
}

/// Checks that `flow` is an optimal flow of `net`, with `flow.prices` as the proof.
pub fn verify(net: &Network, flow: &Flow) -> Result<(), CertificateError> {
    let n = net.nodes() as usize;
    if flow.flows().len() != net.arcs() || flow.prices.len() != n {
        return Err(CertificateError::Shape { arcs: net.arcs(), got: flow.flows().len(), nodes: n, got_prices: flow.prices.len() });
    }
    let mut balance = vec![0i128; n];
    let mut primal = 0i128;
    // Weak duality: Σ c·x = Σ rc·x − Σ p(v)·b(v) ≥ −Σ p·b + Σ min(rc·low, rc·cap).
    let mut dual: i128 = -(0..n).map(|v| flow.prices[v] as i128 * net.supply(v as u32) as i128).sum::<i128>();
    for (id, a) in net.arc_list().enumerate() {
        let id = id as ArcId;
        let x = flow.arc_flow(id);
        if x < a.low || x > a.cap {
            return Err(CertificateError::Bounds { arc: id, flow: x, low: a.low, cap: a.cap });
        }
        balance[a.tail as usize] += x as i128;
        balance[a.head as usize] -= x as i128;
        primal += a.cost as i128 * x as i128;
        let rc = a.cost as i128 + flow.prices[a.tail as usize] as i128 - flow.prices[a.head as usize] as i128;
        if (x < a.cap && rc < 0) || (x > a.low && rc > 0) {
            return Err(CertificateError::ReducedCost { arc: id, flow: x, low: a.low, cap: a.cap, reduced: rc });
        }
        dual += rc * if rc >= 0 { a.low } else { a.cap } as i128;
    }
    for (v, &b) in balance.iter().enumerate() {
        if b != net.supply(v as u32) as i128 {
            return Err(CertificateError::Conservation { node: v as u32, net: b, supply: net.supply(v as u32) });
        }
    }
    if primal != flow.cost {
        return Err(CertificateError::Cost { recorded: flow.cost, actual: primal });
    }
    if primal != dual {
        return Err(CertificateError::Gap { primal, dual });
    }
    Ok(())
}
