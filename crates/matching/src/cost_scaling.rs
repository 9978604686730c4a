//! The exact solver: Goldberg's cost-scaling push-relabel (the algorithm of CS2 and OR-Tools),
//! FIFO order, with the two heuristics that matter most on transportation instances — global
//! price updates (a bucket Dijkstra from the deficits; it also proves infeasibility) and push
//! look-ahead (do not push into a node that would only push the flow back).
//!
//! Costs are multiplied by (nodes + 1), so ε = 1 at the end means ε < 1/n in the original units,
//! and an ε-optimal flow is then optimal. The scaled prices are turned into exact integer prices
//! (every residual arc's reduced cost ≥ 0) by a Bellman-Ford pass started from them
//! (`exact_prices`), which has little left to fix.

use crate::flow::Flow;
use crate::network::Network;
use std::collections::VecDeque;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SolveError {
    /// No flow meets every supply and demand within the capacities.
    #[error("infeasible: no flow meets every supply and demand within the capacities ({0} units cannot reach a demand)")]
    Infeasible(i64),
    #[error("costs too large for exact scaling: max |cost| {max_cost} × {scale} (nodes + 1) leaves no room in 64 bits")]
    CostRange { max_cost: i64, scale: i64 },
    #[error("warm-start prices: {got} given for {expected} nodes")]
    WarmLength { expected: usize, got: usize },
    #[error("warm-start price {price} of node {node} is too large for exact scaling")]
    WarmRange { node: u32, price: i64 },
    /// Prices left the room scaling needs: the costs are too spread out for this network size.
    /// The transportation instance is malformed (a candidate naming a missing need or offer,
    /// candidates out of order).
    #[error("invalid matching instance: {0}")]
    Instance(String),
    #[error("prices overflowed during scaling (costs too large for a network of {0} nodes)")]
    PriceOverflow(u32),
}

/// How much ε shrinks per phase: LEMON's and CS2's range (8–16); fewer phases against more work
/// per phase.
const ALPHA: i64 = 16;

/// |price| stays below this so that cost + price − price never overflows.
const PRICE_LIMIT: i64 = i64::MAX / 4;

/// Solves to optimality. `warm` are node prices in the original cost units (`Flow::prices` of an
/// earlier run on a similar network); with them scaling starts at ε = one cost unit. A network
/// of 供需对接's shape (see `bipartite`) goes to its own exact solver, which starts from prices
/// it derives itself and so checks `warm` but does not use it.
pub fn solve(net: &Network, warm: Option<&[i64]>) -> Result<Flow, SolveError> {
    solve_with(net, warm, true)
}

/// The general cost-scaling solver whatever the network's shape (`solve` without the
/// transportation solver), for comparing the two.
pub fn solve_cost_scaling(net: &Network, warm: Option<&[i64]>) -> Result<Flow, SolveError> {
    solve_with(net, warm, false)
}

fn solve_with(net: &Network, warm: Option<&[i64]>, special: bool) -> Result<Flow, SolveError> {
    let n = net.nodes as usize;
    let scale = net.nodes as i64 + 1;
    let max_cost = net.max_abs_cost();
    if (max_cost as i128) * (scale as i128) > (PRICE_LIMIT / 2) as i128 {
        return Err(SolveError::CostRange { max_cost, scale });
    }
    let price = match warm {
        Some(w) if w.len() != n => return Err(SolveError::WarmLength { expected: n, got: w.len() }),
        Some(w) => w
            .iter()
            .enumerate()
            .map(|(v, &p)| match p.checked_mul(scale) {
                Some(s) if s.abs() <= PRICE_LIMIT / 4 => Ok(s),
                _ => Err(SolveError::WarmRange { node: v as u32, price: p }),
            })
            .collect::<Result<Vec<i64>, _>>()?,
        None => vec![0; n],
    };
    // 供需对接's own shape has an exact solver of its own that needs no prices to start from.
    if let Some(shape) = special.then(|| crate::bipartite::shape(net)).flatten() {
        return crate::bipartite::solve(net, &shape);
    }
    let mut excess = net.supply.clone();
    if let Some(low) = &net.low {
        for (a, &l) in low.iter().enumerate() {
            excess[net.tail[a] as usize] -= l as i64;
            excess[net.head[a] as usize] += l as i64;
        }
    }
    let mut s = Scaler {
        net,
        scale,
        eps: 1,
        flow: vec![0; net.arcs()],
        excess,
        price,
        current: vec![0; n],
        queue: VecDeque::new(),
        queued: vec![false; n],
        relabels: 0,
        dist: vec![0; n],
        done: vec![false; n],
        buckets: Vec::new(),
    };
    let mut eps = if warm.is_some() { scale } else { (max_cost * scale).max(1) };
    loop {
        eps = (eps / ALPHA).max(1);
        s.eps = eps;
        s.refine()?;
        if eps == 1 {
            break;
        }
    }
    let prices = exact_prices(net, &s.flow, &s.price, scale);
    Ok(Flow::from_solver(net, s.flow, prices))
}

struct Scaler<'a> {
    net: &'a Network,
    scale: i64,
    eps: i64,
    /// Flow above the lower bound, per arc position.
    flow: Vec<u32>,
    excess: Vec<i64>,
    /// Scaled prices; reduced cost of a residual arc v→w is c'(v,w) + p(v) − p(w).
    price: Vec<i64>,
    /// Per node, where the scan for an admissible arc resumes: out-arcs first, then in-arcs
    /// (their reverses). Arcs before it are not admissible.
    current: Vec<u32>,
    queue: VecDeque<u32>,
    queued: Vec<bool>,
    relabels: usize,
    dist: Vec<u32>,
    done: Vec<bool>,
    buckets: Vec<Vec<u32>>,
}

/// One residual arc found by a scan.
#[derive(Clone, Copy)]
struct Residual {
    pos: usize,
    forward: bool,
    to: u32,
    room: u32,
}

impl Scaler<'_> {
    fn enqueue(&mut self, v: u32) {
        if !self.queued[v as usize] {
            self.queued[v as usize] = true;
            self.queue.push_back(v);
        }
    }

    fn refine(&mut self) -> Result<(), SolveError> {
        let net = self.net;
        let scale = self.scale;
        for v in 0..net.nodes as usize {
            let pv = self.price[v];
            for pos in net.first_out[v] as usize..net.first_out[v + 1] as usize {
                let w = net.head[pos] as usize;
                let rc = net.cost[pos] * scale + pv - self.price[w];
                let f = self.flow[pos];
                let delta = if rc < 0 && f < net.span[pos] {
                    self.flow[pos] = net.span[pos];
                    (net.span[pos] - f) as i64
                } else if rc > 0 && f > 0 {
                    self.flow[pos] = 0;
                    -(f as i64)
                } else {
                    continue;
                };
                self.excess[v] -= delta;
                self.excess[w] += delta;
            }
        }
        self.global_update()?;
        for v in 0..net.nodes {
            if self.excess[v as usize] > 0 {
                self.enqueue(v);
            }
        }
        // Every n/2 relabels: measured on the benchmark instance, 0.5 n beat 0.2 n, n and 4 n.
        let update_every = (net.nodes as usize / 2).max(64);
        while let Some(v) = self.queue.pop_front() {
            self.queued[v as usize] = false;
            self.discharge(v, update_every)?;
            if self.relabels >= update_every {
                self.global_update()?;
            }
        }
        Ok(())
    }

    /// The first admissible arc at or after `current[v]`, advancing `current[v]` to it.
    fn admissible(&mut self, v: u32) -> Option<Residual> {
        let net = self.net;
        let vu = v as usize;
        let pv = self.price[vu];
        let out0 = net.first_out[vu] as usize;
        let outdeg = net.first_out[vu + 1] as usize - out0;
        let in0 = net.first_in[vu] as usize;
        let deg = outdeg + (net.first_in[vu + 1] as usize - in0);
        let mut k = self.current[vu] as usize;
        while k < outdeg {
            let pos = out0 + k;
            let room = net.span[pos] - self.flow[pos];
            if room > 0 {
                let w = net.head[pos];
                if net.cost[pos] * self.scale + pv - self.price[w as usize] < 0 {
                    self.current[vu] = k as u32;
                    return Some(Residual { pos, forward: true, to: w, room });
                }
            }
            k += 1;
        }
        while k < deg {
            let pos = net.in_arcs[in0 + k - outdeg] as usize;
            let room = self.flow[pos];
            if room > 0 {
                let w = net.tail[pos];
                if pv - net.cost[pos] * self.scale - self.price[w as usize] < 0 {
                    self.current[vu] = k as u32;
                    return Some(Residual { pos, forward: false, to: w, room });
                }
            }
            k += 1;
        }
        self.current[vu] = deg as u32;
        None
    }

    /// Lowers p(v) as far as ε-optimality allows, so that its cheapest residual arc becomes
    /// admissible. `None` if v has no residual arc at all.
    fn relabel(&mut self, v: u32) -> Result<Option<()>, SolveError> {
        let net = self.net;
        let vu = v as usize;
        let mut best = i64::MIN;
        let out0 = net.first_out[vu] as usize;
        let outdeg = net.first_out[vu + 1] as usize - out0;
        // Self-loops are skipped: a price change moves both ends, so they never become
        // admissible (refine's saturation already set them optimally).
        for pos in out0..out0 + outdeg {
            if net.span[pos] > self.flow[pos] && net.head[pos] != v {
                let cand = self.price[net.head[pos] as usize] - net.cost[pos] * self.scale;
                best = best.max(cand);
            }
        }
        let in0 = net.first_in[vu] as usize;
        for &pos in &net.in_arcs[in0..net.first_in[vu + 1] as usize] {
            let pos = pos as usize;
            if self.flow[pos] > 0 && net.tail[pos] != v {
                let cand = self.price[net.tail[pos] as usize] + net.cost[pos] * self.scale;
                best = best.max(cand);
            }
        }
        if best == i64::MIN {
            return Ok(None);
        }
        let p = best - self.eps;
        if p < -PRICE_LIMIT {
            return Err(SolveError::PriceOverflow(net.nodes));
        }
        self.price[vu] = p;
        // From the start: arcs other than the best may have become admissible too.
        self.current[vu] = 0;
        self.relabels += 1;
        Ok(Some(()))
    }

    /// Pushes v's excess out, relabelling as needed; returns early (v queued again) when a
    /// global update is due, which also ends any futile cycling of trapped excess.
    fn discharge(&mut self, v: u32, update_every: usize) -> Result<(), SolveError> {
        let vu = v as usize;
        while self.excess[vu] > 0 {
            if self.relabels >= update_every {
                self.enqueue(v);
                return Ok(());
            }
            let Some(r) = self.admissible(v) else {
                if self.relabel(v)?.is_none() {
                    return Err(SolveError::Infeasible(self.excess[vu]));
                }
                continue;
            };
            let w = r.to as usize;
            // Look-ahead: a node without a deficit and with nowhere to send flow would only
            // send it back; lower its price instead, which may make this arc inadmissible.
            if self.excess[w] >= 0 && self.admissible(r.to).is_none() && self.relabel(r.to)?.is_some() {
                continue;
            }
            let delta = (self.excess[vu].min(r.room as i64)) as u32;
            if r.forward {
                self.flow[r.pos] += delta;
            } else {
                self.flow[r.pos] -= delta;
            }
            self.excess[vu] -= delta as i64;
            let before = self.excess[w];
            self.excess[w] += delta as i64;
            if before <= 0 && self.excess[w] > 0 {
                self.enqueue(r.to);
            }
        }
        Ok(())
    }

    /// Goldberg's global price update: d(v) = the fewest ε-steps by which v's price must drop
    /// for an admissible path to a deficit to open, found by a bucket Dijkstra backwards from
    /// the deficits over residual arcs; every price drops by d(v)·ε, which keeps ε-optimality.
    /// A node with excess that no deficit reaches proves the problem infeasible.
    fn global_update(&mut self) -> Result<(), SolveError> {
        self.relabels = 0;
        let net = self.net;
        let n = net.nodes as usize;
        let cap_level = n.max(1);
        if self.buckets.len() < cap_level + 1 {
            self.buckets.resize_with(cap_level + 1, Vec::new);
        }
        let mut active_left = 0usize;
        for v in 0..n {
            self.done[v] = false;
            self.dist[v] = u32::MAX;
            if self.excess[v] < 0 {
                self.dist[v] = 0;
                self.buckets[0].push(v as u32);
            } else if self.excess[v] > 0 {
                active_left += 1;
            }
        }
        let eps = self.eps;
        let mut level = 0usize;
        let mut max_level = 0usize;
        let mut stop = None;
        while level <= max_level {
            while let Some(w) = self.buckets[level].pop() {
                let wu = w as usize;
                if self.done[wu] || self.dist[wu] as usize != level {
                    continue;
                }
                self.done[wu] = true;
                if self.excess[wu] > 0 {
                    active_left -= 1;
                }
                let pw = self.price[wu];
                let mut relax = |v: usize, rc: i64, s: &mut Self| {
                    if s.done[v] {
                        return;
                    }
                    let steps = if rc < 0 { 0 } else { (rc / eps) as usize + 1 };
                    let nd = (level + steps).min(cap_level);
                    if nd < s.dist[v] as usize {
                        s.dist[v] = nd as u32;
                        s.buckets[nd].push(v as u32);
                        max_level = max_level.max(nd);
                    }
                };
                // Residual arcs into w: reverses of w's out-arcs that carry flow, and in-arcs
                // with room.
                for pos in net.first_out[wu] as usize..net.first_out[wu + 1] as usize {
                    if self.flow[pos] > 0 {
                        let v = net.head[pos] as usize;
                        let rc = self.price[v] - net.cost[pos] * self.scale - pw;
                        relax(v, rc, self);
                    }
                }
                for i in net.first_in[wu] as usize..net.first_in[wu + 1] as usize {
                    let pos = net.in_arcs[i] as usize;
                    if self.flow[pos] < net.span[pos] {
                        let v = net.tail[pos] as usize;
                        let rc = net.cost[pos] * self.scale + self.price[v] - pw;
                        relax(v, rc, self);
                    }
                }
            }
            if active_left == 0 {
                stop = Some(level);
                break;
            }
            level += 1;
        }
        for b in &mut self.buckets[..=max_level] {
            b.clear();
        }
        let Some(stop) = stop else {
            let stranded = (0..n).filter(|&v| !self.done[v]).map(|v| self.excess[v].max(0)).sum();
            return Err(SolveError::Infeasible(stranded));
        };
        for v in 0..n {
            let d = if self.done[v] { self.dist[v] as i64 } else { stop as i64 };
            let p = self.price[v] - d * eps;
            if p < -PRICE_LIMIT {
                return Err(SolveError::PriceOverflow(net.nodes));
            }
            self.price[v] = p;
            self.current[v] = 0;
        }
        Ok(())
    }
}

/// Exact integer prices for an optimal flow: the scaled prices rounded down leave reduced costs
/// ≥ −1, and a queue-based Bellman-Ford (shortest paths over residual arcs, started from those
/// prices) removes the rest. It terminates because an optimal flow has no negative residual
/// cycle.
// `pos` indexes four parallel arrays (flow, span, head, cost); an iterator over one of them reads worse.
#[allow(clippy::needless_range_loop)]
fn exact_prices(net: &Network, flow: &[u32], scaled: &[i64], scale: i64) -> Vec<i64> {
    let n = net.nodes as usize;
    let mut pi: Vec<i64> = scaled.iter().map(|p| p.div_euclid(scale)).collect();
    let mut queue: VecDeque<u32> = (0..net.nodes).collect();
    let mut queued = vec![true; n];
    while let Some(v) = queue.pop_front() {
        let vu = v as usize;
        queued[vu] = false;
        let pv = pi[vu];
        let mut lower = |w: usize, c: i64, pi: &mut Vec<i64>| {
            if c + pv < pi[w] {
                pi[w] = c + pv;
                if !queued[w] {
                    queued[w] = true;
                    queue.push_back(w as u32);
                }
            }
        };
        for pos in net.first_out[vu] as usize..net.first_out[vu + 1] as usize {
            if flow[pos] < net.span[pos] {
                lower(net.head[pos] as usize, net.cost[pos], &mut pi);
            }
        }
        for &pos in &net.in_arcs[net.first_in[vu] as usize..net.first_in[vu + 1] as usize] {
            let pos = pos as usize;
            if flow[pos] > 0 {
                lower(net.tail[pos] as usize, -net.cost[pos], &mut pi);
            }
        }
    }
    pi
}
