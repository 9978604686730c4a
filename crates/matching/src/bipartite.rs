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
    let mut held = vec![Vec::new(); n];
    let order = match auction(net, shape, &mut flow, &mut held, &mut pi) {
        Some(free) => free,
        None => (0..n as u32).filter(|&v| shape.source[v as usize]).collect(),
    };
    let mut d = Dijkstra {
        net,
        t,
        flow: &mut flow,
        node: pi.iter().zip(&shape.source).map(|(&pi, &source)| Node { pi, dist: 0, pred: 0, stamp: 0, settled: 0, source }).collect(),
        held,
        epoch: 0,
        heap: RadixHeap::default(),
        settled: Vec::new(),
    };
    drop(pi);
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
    let pi = d.node.iter().map(|x| x.pi).collect();
    drop(d);
    Ok(Flow::from_solver(net, flow, pi))
}

/// Bids per source the auction may make in all before leaving the rest to the shortest paths.
const AUCTION_BIDS_PER_SOURCE: usize = 8;

/// Jonker–Volgenant's augmenting row reduction, for offers with several slots: an auction with
/// no ε that keeps every residual reduced cost ≥ 0, so its result is a valid starting point for
/// the shortest paths. A free source bids for its cheapest option (cost + the offer's arc to the
/// sink + the offer's price); a full offer raises its price by as much as keeps the bidder's and
/// every held source's choice the cheapest of theirs (the least second-best margin) and lets go
/// of the held source with the least margin, which bids in turn. Prices rise only on full
/// offers, which stay full, so an offer with room keeps price 0. A bid that could raise nothing
/// (a tie) or one past the budget leaves its source to the shortest paths.
///
/// Applies when every source supplies 1 and every offer has one arc to the sink; returns the
/// sources left free (in index order) after setting `flow`, `held` and `pi`, or None.
// `v` indexes several per-node arrays at once.
#[allow(clippy::needless_range_loop)]
fn auction(net: &Network, shape: &Shape, flow: &mut [u32], held: &mut [Vec<u32>], pi: &mut [i64]) -> Option<Vec<u32>> {
    let n = net.nodes as usize;
    let t = shape.sink as usize;
    let source = &shape.source;
    let out = |v: usize| net.first_out[v] as usize..net.first_out[v + 1] as usize;
    for v in 0..n {
        if v == t {
            continue;
        }
        if (source[v] && net.supply[v] != 1) || (!source[v] && out(v).len() != 1) {
            return None;
        }
    }
    // Per offer: the price above its arc to the sink (≥ 0, > 0 only when full).
    let mut price = vec![0i64; n];
    // Per held source: a lower bound on (its second-best value − its chosen arc's base cost);
    // exact where `fresh` is the current bid's number.
    let mut margin = vec![0i64; n];
    let mut fresh = vec![0usize; n];
    // An offer's single arc to the sink: its position, whose span is the offer's capacity.
    let sink_arc = |j: usize| net.first_out[j] as usize;
    // The value of a source's arc, or None where it cannot be used (no room, a capacity-0 offer).
    let value = |pos: usize, price: &[i64]| -> Option<i64> {
        if net.span[pos] == 0 {
            return None;
        }
        let h = net.head[pos] as usize;
        if h == t {
            return Some(net.cost[pos]);
        }
        let a = sink_arc(h);
        (net.span[a] > 0).then(|| net.cost[pos] + net.cost[a] + price[h])
    };
    // Whether using the arc at `pos` needs no one let go: to the sink, or to an offer with room.
    let roomy = |pos: usize, flow: &[u32]| {
        let h = net.head[pos] as usize;
        h == t || flow[sink_arc(h)] < net.span[sink_arc(h)]
    };
    // Best and second-best values over v's arcs other than `skip`; among equal best values, one
    // with room.
    let best_two = |v: usize, skip: usize, price: &[i64], flow: &[u32]| {
        let (mut b1, mut p1, mut b2) = (i64::MAX, usize::MAX, i64::MAX);
        for pos in out(v) {
            if pos == skip {
                continue;
            }
            if let Some(x) = value(pos, price) {
                if x < b1 || (x == b1 && !roomy(p1, flow) && roomy(pos, flow)) {
                    b2 = b1;
                    b1 = x;
                    p1 = pos;
                } else if x < b2 {
                    b2 = x;
                }
            }
        }
        (b1, p1, b2)
    };
    let mut queue: std::collections::VecDeque<u32> = (0..n as u32).filter(|&v| source[v as usize]).collect();
    let mut free = Vec::new();
    let budget = AUCTION_BIDS_PER_SOURCE * queue.len();
    let mut bids = 0usize;
    while let Some(i) = queue.pop_front() {
        let i = i as usize;
        bids += 1;
        let (u1, pos1, u2) = best_two(i, usize::MAX, &price, flow);
        if pos1 == usize::MAX || bids > budget {
            free.push(i as u32);
            continue;
        }
        let j = net.head[pos1] as usize;
        if j == t {
            flow[pos1] += 1;
            continue;
        }
        let a = sink_arc(j);
        let base = net.cost[pos1] + net.cost[a];
        if flow[a] < net.span[a] {
            flow[a] += 1;
            flow[pos1] = 1;
            held[j].push(pos1 as u32);
            margin[i] = gap(u2, base);
            fresh[i] = bids;
            continue;
        }
        // Full: the held source with the least margin, its margin made exact.
        let k = loop {
            let (mut best, mut at) = (i64::MAX, 0usize);
            for (x, &p) in held[j].iter().enumerate() {
                let k = net.tail[p as usize] as usize;
                if margin[k] < best {
                    best = margin[k];
                    at = x;
                }
            }
            let p = held[j][at] as usize;
            let k = net.tail[p] as usize;
            if fresh[k] == bids {
                break at;
            }
            let (b1, _, _) = best_two(k, p, &price, flow);
            margin[k] = gap(b1, net.cost[p] + net.cost[a]);
            fresh[k] = bids;
        };
        let kp = held[j][k] as usize;
        let kv = net.tail[kp] as usize;
        // No second option on either side: any raise would do, so none is made.
        if u2 == i64::MAX || margin[kv] == i64::MAX {
            free.push(i as u32);
            continue;
        }
        // A tie of the bidder's own waits for the shortest paths; a held source's tie lets it go
        // at no raise, to its option of equal value.
        let raise = (u2 - u1).min(margin[kv] - price[j]);
        if u2 == u1 {
            free.push(i as u32);
            continue;
        }
        price[j] += raise;
        flow[kp] = 0;
        held[j][k] = pos1 as u32;
        flow[pos1] = 1;
        margin[i] = gap(u2, base);
        fresh[i] = bids;
        queue.push_back(kv as u32);
    }
    // The prices: the sink at 0, an offer at −(its sink arc's cost + price), a source at
    // −(its best value), which is its chosen arc's where it holds one; capacity-0 offers low
    // enough for every arc into them.
    pi[t] = 0;
    for v in 0..n {
        if v != t && !source[v] {
            pi[v] = -(net.cost[sink_arc(v)] + price[v]);
        }
    }
    for v in 0..n {
        if source[v] {
            let (b1, _, _) = best_two(v, usize::MAX, &price, flow);
            pi[v] = if b1 == i64::MAX { 0 } else { -b1 };
        }
    }
    for v in 0..n {
        if v != t && !source[v] && net.span[sink_arc(v)] == 0 {
            let ins = net.first_in[v] as usize..net.first_in[v + 1] as usize;
            pi[v] = net.in_arcs[ins].iter().map(|&p| net.cost[p as usize] + pi[net.tail[p as usize] as usize]).min().unwrap_or(0);
        }
    }
    free.sort_unstable();
    Some(free)
}

/// x − y, with i64::MAX (no second option) kept as it is.
fn gap(x: i64, y: i64) -> i64 {
    if x == i64::MAX {
        i64::MAX
    } else {
        x - y
    }
}

/// max over v's out-arcs of π(head) − cost: the least π(v) that keeps them all non-negative.
fn max_over_out(net: &Network, v: usize, pi: &[i64]) -> Option<i64> {
    (net.first_out[v] as usize..net.first_out[v + 1] as usize).map(|pos| pi[net.head[pos] as usize] - net.cost[pos]).max()
}

/// A node's state in the searches, kept together so that reaching a node touches one cache line.
#[derive(Clone, Copy)]
struct Node {
    pi: i64,
    dist: i64,
    /// The arc position the node was reached by: forward into a middle node or the sink, the
    /// reverse of a flow-carrying arc into a source.
    pred: u32,
    /// `dist` and `pred` are this search's where `stamp` is the current epoch.
    stamp: u32,
    /// Settled in this search where equal to the current epoch.
    settled: u32,
    source: bool,
}

struct Dijkstra<'a> {
    net: &'a Network,
    t: usize,
    flow: &'a mut [u32],
    node: Vec<Node>,
    /// Per middle node, the positions of its in-arcs that carry flow (its reverse arcs).
    held: Vec<Vec<u32>>,
    epoch: u32,
    heap: RadixHeap,
    settled: Vec<u32>,
}

impl Dijkstra<'_> {
    fn reach(&mut self, w: usize, nd: i64, pos: usize) {
        let x = &mut self.node[w];
        if x.stamp != self.epoch || nd < x.dist {
            x.stamp = self.epoch;
            x.dist = nd;
            x.pred = pos as u32;
            // The sink is not queued: the search ends once nothing queued is nearer, since nodes
            // at its distance need not be settled (their prices would not move), and on a
            // plateau of ties there are many.
            if w != self.t {
                self.heap.push(nd as u64, w as u32);
            }
        }
    }

    /// One shortest path from `s` to the sink; sends up to `excess` along it and returns how much
    /// it sent, or None if the sink cannot be reached.
    fn augment(&mut self, s: u32, excess: i64) -> Option<i64> {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.node.iter_mut().for_each(|x| {
                x.stamp = 0;
                x.settled = 0;
            });
            self.epoch = 1;
        }
        let net = self.net;
        let t = self.t;
        let epoch = self.epoch;
        self.heap.clear();
        self.settled.clear();
        self.reach(s as usize, 0, 0);
        let total = loop {
            let next = self.heap.min_key();
            let sink = self.node[t];
            if sink.stamp == epoch && next.is_none_or(|k| sink.dist as u64 <= k) {
                break sink.dist;
            }
            let (dv, v) = self.heap.pop()?;
            let dv = dv as i64;
            let vu = v as usize;
            let x = &mut self.node[vu];
            if x.settled == epoch || dv > x.dist {
                continue;
            }
            x.settled = epoch;
            let (pv, is_source) = (x.pi, x.source);
            self.settled.push(v);
            for pos in net.first_out[vu] as usize..net.first_out[vu + 1] as usize {
                if self.flow[pos] < net.span[pos] {
                    let w = net.head[pos] as usize;
                    let y = self.node[w];
                    if y.settled != epoch {
                        self.reach(w, dv + net.cost[pos] + pv - y.pi, pos);
                    }
                }
            }
            if !is_source {
                for i in 0..self.held[vu].len() {
                    let pos = self.held[vu][i] as usize;
                    let w = net.tail[pos] as usize;
                    let y = self.node[w];
                    if y.settled != epoch {
                        self.reach(w, dv - net.cost[pos] + pv - y.pi, pos);
                    }
                }
            }
        };
        // π(v) += d(v) − d(sink) on the settled nodes keeps every residual reduced cost ≥ 0 and
        // makes the path's arcs tight.
        for &v in &self.settled {
            let x = &mut self.node[v as usize];
            x.pi -= total - x.dist;
        }
        // The bottleneck, then the flow, walking back from the sink.
        let mut delta = excess;
        let mut v = t;
        while v != s as usize {
            let pos = self.node[v].pred as usize;
            if self.node[v].source {
                delta = delta.min(self.flow[pos] as i64);
                v = net.head[pos] as usize;
            } else {
                delta = delta.min((net.span[pos] - self.flow[pos]) as i64);
                v = net.tail[pos] as usize;
            }
        }
        let mut v = t;
        while v != s as usize {
            let pos = self.node[v].pred as usize;
            if self.node[v].source {
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


/// A monotone priority queue (a radix heap): keys never go below the last one taken, which
/// Dijkstra guarantees (distances from the source are ≥ 0 and settle in order). Each entry moves
/// down at most 64 buckets in all. Equal keys come out in a fixed order (last in, first out
/// within a bucket), so the searches are deterministic.
struct RadixHeap {
    last: u64,
    len: usize,
    buckets: [Vec<(u64, u32)>; 65],
}

impl Default for RadixHeap {
    fn default() -> Self {
        RadixHeap { last: 0, len: 0, buckets: std::array::from_fn(|_| Vec::new()) }
    }
}

impl RadixHeap {
    fn bucket(last: u64, key: u64) -> usize {
        (64 - (key ^ last).leading_zeros()) as usize
    }

    fn push(&mut self, key: u64, value: u32) {
        debug_assert!(key >= self.last);
        self.buckets[Self::bucket(self.last, key)].push((key, value));
        self.len += 1;
    }

    /// The least key queued, bringing its entries to bucket 0.
    fn min_key(&mut self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let i = (1..65).find(|&i| !self.buckets[i].is_empty()).expect("a non-empty bucket");
            let mut moving = std::mem::take(&mut self.buckets[i]);
            self.last = moving.iter().map(|e| e.0).min().expect("a non-empty bucket");
            for &(k, v) in &moving {
                self.buckets[Self::bucket(self.last, k)].push((k, v));
            }
            moving.clear();
            self.buckets[i] = moving;
        }
        Some(self.last)
    }

    fn pop(&mut self) -> Option<(u64, u32)> {
        self.min_key()?;
        self.len -= 1;
        self.buckets[0].pop()
    }

    fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.last = 0;
        self.len = 0;
    }
}
