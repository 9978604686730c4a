//! The exact solver for transportation networks shaped like 供需对接: sources (needs: supply > 0,
//! no in-arcs) with arcs to middle nodes (offers: supply 0, in-arcs only from sources, out-arcs
//! only to the sink) and to one sink (the only node with a demand, no out-arcs). No lower bounds.
//!
//! Successive shortest paths: every unit of supply is routed, source by source, along a
//! shortest path in reduced costs (Dijkstra, stopped as soon as the sink is settled), and only
//! the settled nodes' prices move, so each augmentation costs what its neighbourhood costs, not
//! the network. Residual arcs keep a non-negative reduced cost throughout, so the final prices
//! are the exact optimality certificate, with no scaling and no rounding.
//!
//! The structure is what makes it cheap: a path never leaves the sink (it ends there), a source
//! has no reverse arcs to scan, and an offer's reverse arcs are the needs it holds, kept in a
//! per-offer list instead of being found among all of its in-arcs.

use crate::cost_scaling::SolveError;
use crate::flow::Flow;
use crate::network::Network;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The node roles of a transportation network, if `net` is one.
pub(crate) struct Shape {
    sink: u32,
    /// Per node: is it a source (supply > 0)?
    source: Vec<bool>,
}

/// Recognises the shape described in the module documentation.
pub(crate) fn shape(net: &Network) -> Option<Shape> {
    if net.low.is_some() {
        return None;
    }
    let n = net.nodes as usize;
    let mut sink = None;
    for v in 0..n {
        if net.supply[v] < 0 {
            if sink.is_some() {
                return None;
            }
            sink = Some(v);
        }
    }
    let t = sink?;
    if net.first_out[t] != net.first_out[t + 1] {
        return None;
    }
    let source: Vec<bool> = net.supply.iter().map(|&s| s > 0).collect();
    for v in 0..n {
        if v == t {
            continue;
        }
        let outs = net.first_out[v] as usize..net.first_out[v + 1] as usize;
        let ins = net.first_in[v] as usize..net.first_in[v + 1] as usize;
        if source[v] {
            if !ins.is_empty() {
                return None;
            }
            // To a middle node or the sink; a middle node is checked from its own side.
            if net.head[outs].iter().any(|&w| source[w as usize]) {
                return None;
            }
        } else {
            if net.head[outs].iter().any(|&w| w as usize != t) {
                return None;
            }
            if net.in_arcs[ins].iter().any(|&a| !source[net.tail[a as usize] as usize]) {
                return None;
            }
        }
    }
    Some(Shape { sink: t as u32, source })
}

/// Solves a network of the recognised shape to optimality.
pub(crate) fn solve(net: &Network, shape: &Shape) -> Result<Flow, SolveError> {
    let n = net.nodes as usize;
    let t = shape.sink as usize;
    let mut flow = vec![0u32; net.arcs()];
    // Prices with reduced cost c(v, w) + π(v) − π(w) ≥ 0 on every residual arc: at zero flow
    // every arc is residual, and the network is acyclic (sources → middles → sink), so one pass
    // from the sink backwards sets them.
    let mut pi = vec![0i64; n];
    for v in 0..n {
        if v != t && !shape.source[v] {
            pi[v] = max_over_out(net, v, &pi).unwrap_or(0);
        }
    }
    for v in 0..n {
        if shape.source[v] {
            pi[v] = max_over_out(net, v, &pi).unwrap_or(0);
        }
    }
    // Sources that stand to lose the most by going straight to the sink first: later ones then
    // find their (shorter) paths among fewer contenders.
    let mut order: Vec<u32> = (0..n as u32).filter(|&v| shape.source[v as usize]).collect();
    let key = |v: usize| {
        (net.first_out[v] as usize..net.first_out[v + 1] as usize)
            .filter(|&pos| net.head[pos] as usize == t)
            .map(|pos| net.cost[pos] + pi[v])
            .min()
            .unwrap_or(i64::MAX)
    };
    let keys: Vec<i64> = (0..n).map(|v| if shape.source[v] { key(v) } else { 0 }).collect();
    order.sort_by_key(|&v| (std::cmp::Reverse(keys[v as usize]), v));
    drop(keys);
    let mut d = Dijkstra {
        net,
        t,
        source: &shape.source,
        flow: &mut flow,
        pi: &mut pi,
        held: vec![Vec::new(); n],
        dist: vec![0; n],
        stamp: vec![0; n],
        settled_at: vec![0; n],
        pred: vec![0; n],
        epoch: 0,
        heap: BinaryHeap::new(),
        settled: Vec::new(),
    };
    for (k, &s) in order.iter().enumerate() {
        let s = s as usize;
        let mut excess = net.supply[s];
        while excess > 0 {
            match d.augment(s as u32, excess) {
                Some(sent) => excess -= sent,
                None => {
                    let left: i64 = excess + order[k + 1..].iter().map(|&v| net.supply[v as usize]).sum::<i64>();
                    return Err(SolveError::Infeasible(left));
                }
            }
        }
    }
    Ok(Flow::from_solver(net, flow, pi))
}

/// max over v's out-arcs of π(head) − cost: the least π(v) that keeps them all non-negative.
fn max_over_out(net: &Network, v: usize, pi: &[i64]) -> Option<i64> {
    (net.first_out[v] as usize..net.first_out[v + 1] as usize).map(|pos| pi[net.head[pos] as usize] - net.cost[pos]).max()
}

struct Dijkstra<'a> {
    net: &'a Network,
    t: usize,
    source: &'a [bool],
    flow: &'a mut [u32],
    pi: &'a mut [i64],
    /// Per middle node, the positions of its in-arcs that carry flow (its reverse arcs).
    held: Vec<Vec<u32>>,
    dist: Vec<i64>,
    /// `dist` and `pred` are this search's where `stamp` is the current epoch.
    stamp: Vec<u32>,
    /// Settled in this search where equal to the current epoch.
    settled_at: Vec<u32>,
    /// The arc position a node was reached by: forward into a middle node or the sink, the
    /// reverse of a flow-carrying arc into a source.
    pred: Vec<u32>,
    epoch: u32,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    settled: Vec<u32>,
}

impl Dijkstra<'_> {
    fn reach(&mut self, w: usize, nd: i64, pos: usize) {
        if self.stamp[w] != self.epoch || nd < self.dist[w] {
            self.stamp[w] = self.epoch;
            self.dist[w] = nd;
            self.pred[w] = pos as u32;
            self.heap.push(Reverse((nd, w as u32)));
        }
    }

    /// One shortest path from `s` to the sink; sends up to `excess` along it and returns how much
    /// it sent, or None if the sink cannot be reached.
    fn augment(&mut self, s: u32, excess: i64) -> Option<i64> {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|x| *x = 0);
            self.settled_at.iter_mut().for_each(|x| *x = 0);
            self.epoch = 1;
        }
        let net = self.net;
        let t = self.t;
        self.heap.clear();
        self.settled.clear();
        self.reach(s as usize, 0, 0);
        let total = loop {
            let Reverse((dv, v)) = self.heap.pop()?;
            let vu = v as usize;
            if self.settled_at[vu] == self.epoch || dv > self.dist[vu] {
                continue;
            }
            self.settled_at[vu] = self.epoch;
            if vu == t {
                break dv;
            }
            self.settled.push(v);
            let pv = self.pi[vu];
            for pos in net.first_out[vu] as usize..net.first_out[vu + 1] as usize {
                if self.flow[pos] < net.span[pos] {
                    let w = net.head[pos] as usize;
                    if self.settled_at[w] != self.epoch {
                        self.reach(w, dv + net.cost[pos] + pv - self.pi[w], pos);
                    }
                }
            }
            if !self.source[vu] {
                for i in 0..self.held[vu].len() {
                    let pos = self.held[vu][i] as usize;
                    let w = net.tail[pos] as usize;
                    if self.settled_at[w] != self.epoch {
                        self.reach(w, dv - net.cost[pos] + pv - self.pi[w], pos);
                    }
                }
            }
        };
        // π(v) += d(v) − d(sink) on the settled nodes keeps every residual reduced cost ≥ 0 and
        // makes the path's arcs tight.
        for &v in &self.settled {
            self.pi[v as usize] -= total - self.dist[v as usize];
        }
        // The bottleneck, then the flow, walking back from the sink.
        let mut delta = excess;
        let mut v = t;
        while v != s as usize {
            let pos = self.pred[v] as usize;
            if self.source[v] {
                delta = delta.min(self.flow[pos] as i64);
                v = net.head[pos] as usize;
            } else {
                delta = delta.min((net.span[pos] - self.flow[pos]) as i64);
                v = net.tail[pos] as usize;
            }
        }
        let mut v = t;
        while v != s as usize {
            let pos = self.pred[v] as usize;
            if self.source[v] {
                let j = net.head[pos] as usize;
                self.flow[pos] -= delta as u32;
                if self.flow[pos] == 0 {
                    let held = &mut self.held[j];
                    let k = held.iter().position(|&p| p as usize == pos).expect("a reverse arc carries flow");
                    held.remove(k);
                }
                v = j;
            } else {
                let u = net.tail[pos] as usize;
                if self.flow[pos] == 0 && v != t {
                    self.held[v].push(pos as u32);
                }
                self.flow[pos] += delta as u32;
                v = u;
            }
        }
        Some(delta)
    }
}

