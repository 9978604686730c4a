//! The min-cost-flow network: nodes with supplies, arcs with lower bounds, capacities and costs,
//! kept as compact arrays (CSR by tail, plus an index of arcs by head) so that 20 million arcs fit
//! in a few hundred megabytes. No per-arc heap objects.

use thiserror::Error;

/// An arc's id: its position in the order the arcs were added (or read from a DIMACS file).
pub type ArcId = u32;

/// What one arc is, as the caller gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arc {
    pub tail: u32,
    pub head: u32,
    pub low: u32,
    pub cap: u32,
    pub cost: i64,
}

/// A network the builder refuses; the message names the arc or node.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum NetworkError {
    #[error("arc {arc}: node {node} out of range (the network has {nodes} nodes)")]
    NodeOutOfRange { arc: ArcId, node: u32, nodes: u32 },
    #[error("node {node} out of range (the network has {nodes} nodes)")]
    SupplyNodeOutOfRange { node: u32, nodes: u32 },
    #[error("arc {arc}: lower bound {low} exceeds capacity {cap}")]
    LowAboveCap { arc: ArcId, low: u32, cap: u32 },
    #[error("arc {arc}: cost {cost} outside ±{MAX_COST}")]
    CostRange { arc: ArcId, cost: i64 },
    #[error("supplies sum to {0}, not 0")]
    Unbalanced(i128),
    #[error("more than {} arcs", u32::MAX)]
    TooManyArcs,
}

/// The largest |cost| the solver accepts: costs are scaled by (nodes + 1) during ε-scaling and
/// prices move by multiples of that, so a bound is needed to stay inside i64 (the solver checks
/// the product as well and refuses with `SolveError::CostRange`).
pub const MAX_COST: i64 = 1 << 40;

/// Collects nodes and arcs; `build` checks them and lays out the arrays.
#[derive(Debug)]
pub struct NetworkBuilder {
    nodes: u32,
    supply: Vec<i64>,
    tail: Vec<u32>,
    head: Vec<u32>,
    low: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i64>,
    any_low: bool,
    bad_supply_node: Option<u32>,
}

impl NetworkBuilder {
    pub fn new(nodes: u32) -> Self {
        NetworkBuilder {
            nodes,
            supply: vec![0; nodes as usize],
            tail: Vec::new(),
            head: Vec::new(),
            low: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            any_low: false,
            bad_supply_node: None,
        }
    }

    /// Room for `arcs` arcs up front (a DIMACS file announces its count).
    pub fn reserve(&mut self, arcs: usize) {
        self.tail.reserve_exact(arcs);
        self.head.reserve_exact(arcs);
        self.cap.reserve_exact(arcs);
        self.cost.reserve_exact(arcs);
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    pub fn arcs(&self) -> usize {
        self.tail.len()
    }

    /// Positive supply: flow leaves the node; negative: the node's demand.
    pub fn set_supply(&mut self, node: u32, supply: i64) {
        match self.supply.get_mut(node as usize) {
            Some(s) => *s = supply,
            None => {
                self.bad_supply_node.get_or_insert(node);
            }
        }
    }

    pub fn supply(&self, node: u32) -> Option<i64> {
        self.supply.get(node as usize).copied()
    }

    /// Adds an arc carrying between `low` and `cap` units at `cost` per unit. Problems (a node
    /// out of range, low > cap) are reported by `build`, so a reader can add as it parses.
    pub fn add_arc(&mut self, tail: u32, head: u32, low: u32, cap: u32, cost: i64) -> ArcId {
        let id = self.tail.len() as ArcId;
        self.tail.push(tail);
        self.head.push(head);
        self.cap.push(cap);
        self.cost.push(cost);
        if low != 0 && !self.any_low {
            self.any_low = true;
            self.low = vec![0; self.tail.len() - 1];
        }
        if self.any_low {
            self.low.push(low);
        }
        id
    }

    pub fn build(self) -> Result<Network, NetworkError> {
        let n = self.nodes;
        if let Some(node) = self.bad_supply_node {
            return Err(NetworkError::SupplyNodeOutOfRange { node, nodes: n });
        }
        if self.tail.len() > u32::MAX as usize - 1 {
            return Err(NetworkError::TooManyArcs);
        }
        for a in 0..self.tail.len() {
            for node in [self.tail[a], self.head[a]] {
                if node >= n {
                    return Err(NetworkError::NodeOutOfRange { arc: a as ArcId, node, nodes: n });
                }
            }
            let low = if self.any_low { self.low[a] } else { 0 };
            if low > self.cap[a] {
                return Err(NetworkError::LowAboveCap { arc: a as ArcId, low, cap: self.cap[a] });
            }
            if self.cost[a].abs() > MAX_COST {
                return Err(NetworkError::CostRange { arc: a as ArcId, cost: self.cost[a] });
            }
        }
        let total: i128 = self.supply.iter().map(|&s| s as i128).sum();
        if total != 0 {
            return Err(NetworkError::Unbalanced(total));
        }
        Ok(Network::lay_out(self))
    }
}

/// A checked network. Arcs are stored sorted by tail (stable, so parallel arcs keep their
/// order); `perm` maps an ArcId to its position when the input was not already in that order.
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) nodes: u32,
    pub(crate) supply: Vec<i64>,
    pub(crate) first_out: Vec<u32>,
    pub(crate) tail: Vec<u32>,
    pub(crate) head: Vec<u32>,
    /// cap − low: the span the solver moves flow in.
    pub(crate) span: Vec<u32>,
    pub(crate) low: Option<Vec<u32>>,
    pub(crate) cost: Vec<i64>,
    pub(crate) first_in: Vec<u32>,
    /// Arc positions grouped by head.
    pub(crate) in_arcs: Vec<u32>,
    pub(crate) perm: Option<Vec<u32>>,
}

impl Network {
    fn lay_out(b: NetworkBuilder) -> Network {
        let n = b.nodes as usize;
        let m = b.tail.len();
        let NetworkBuilder { supply, mut tail, mut head, low, mut cap, mut cost, any_low, .. } = b;
        let mut low = any_low.then_some(low);
        let mut first_out = vec![0u32; n + 1];
        for &t in &tail {
            first_out[t as usize + 1] += 1;
        }
        for v in 0..n {
            first_out[v + 1] += first_out[v];
        }
        let sorted = tail.windows(2).all(|w| w[0] <= w[1]);
        let perm = if sorted {
            None
        } else {
            // A stable counting sort by tail; each column is permuted in turn so that only one
            // extra column is alive at a time.
            let mut next = first_out.clone();
            let perm: Vec<u32> = tail
                .iter()
                .map(|&t| {
                    let p = next[t as usize];
                    next[t as usize] += 1;
                    p
                })
                .collect();
            permute(&mut tail, &perm);
            permute(&mut head, &perm);
            permute(&mut cap, &perm);
            permute(&mut cost, &perm);
            if let Some(l) = low.as_mut() {
                permute(l, &perm);
            }
            Some(perm)
        };
        if let Some(l) = &low {
            for (c, &lo) in cap.iter_mut().zip(l) {
                *c -= lo;
            }
        }
        let mut first_in = vec![0u32; n + 1];
        for &h in &head {
            first_in[h as usize + 1] += 1;
        }
        for v in 0..n {
            first_in[v + 1] += first_in[v];
        }
        let mut next = first_in.clone();
        let mut in_arcs = vec![0u32; m];
        for (a, &h) in head.iter().enumerate() {
            in_arcs[next[h as usize] as usize] = a as u32;
            next[h as usize] += 1;
        }
        Network { nodes: b.nodes, supply, first_out, tail, head, span: cap, low, cost, first_in, in_arcs, perm }
    }

    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    pub fn arcs(&self) -> usize {
        self.tail.len()
    }

    pub fn supply(&self, node: u32) -> i64 {
        self.supply[node as usize]
    }

    /// The storage position of an arc.
    pub(crate) fn pos(&self, id: ArcId) -> usize {
        match &self.perm {
            Some(p) => p[id as usize] as usize,
            None => id as usize,
        }
    }

    pub(crate) fn low_at(&self, pos: usize) -> u32 {
        self.low.as_ref().map_or(0, |l| l[pos])
    }

    /// The arc as given. Panics if `id` is not an arc of this network.
    pub fn arc(&self, id: ArcId) -> Arc {
        let p = self.pos(id);
        let low = self.low_at(p);
        Arc { tail: self.tail[p], head: self.head[p], low, cap: low + self.span[p], cost: self.cost[p] }
    }

    /// The arcs in id order.
    pub fn arc_list(&self) -> impl Iterator<Item = Arc> + '_ {
        (0..self.arcs() as ArcId).map(|id| self.arc(id))
    }

    pub(crate) fn max_abs_cost(&self) -> i64 {
        self.cost.iter().map(|c| c.abs()).max().unwrap_or(0)
    }
}

/// `v[perm[i]] = old v[i]`.
fn permute<T: Copy + Default>(v: &mut Vec<T>, perm: &[u32]) {
    let mut out = vec![T::default(); v.len()];
    for (i, &p) in perm.iter().enumerate() {
        out[p as usize] = v[i];
    }
    *v = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsorted_arcs_keep_their_ids() {
        let mut b = NetworkBuilder::new(3);
        b.set_supply(2, 1);
        b.set_supply(0, -1);
        let a0 = b.add_arc(2, 1, 0, 5, 3);
        let a1 = b.add_arc(0, 2, 1, 4, -2);
        let a2 = b.add_arc(1, 0, 0, 1, 7);
        let net = b.build().unwrap();
        assert_eq!(net.arc(a0), Arc { tail: 2, head: 1, low: 0, cap: 5, cost: 3 });
        assert_eq!(net.arc(a1), Arc { tail: 0, head: 2, low: 1, cap: 4, cost: -2 });
        assert_eq!(net.arc(a2), Arc { tail: 1, head: 0, low: 0, cap: 1, cost: 7 });
        assert_eq!(net.in_arcs.len(), 3);
    }

    #[test]
    fn refuses_bad_networks() {
        let mut b = NetworkBuilder::new(2);
        b.add_arc(0, 2, 0, 1, 0);
        assert_eq!(b.build().unwrap_err(), NetworkError::NodeOutOfRange { arc: 0, node: 2, nodes: 2 });
        let mut b = NetworkBuilder::new(2);
        b.add_arc(0, 1, 3, 1, 0);
        assert_eq!(b.build().unwrap_err(), NetworkError::LowAboveCap { arc: 0, low: 3, cap: 1 });
        let mut b = NetworkBuilder::new(2);
        b.set_supply(0, 1);
        assert_eq!(b.build().unwrap_err(), NetworkError::Unbalanced(1));
    }
}
