//! Reference solvers for the tests, deliberately simple and independent of `cost_scaling`:
//! successive shortest paths with Bellman-Ford, and the LP relaxation through good_lp (a network
//! matrix is totally unimodular, so the LP optimum is the integer optimum).

use crate::network::{Arc, Network};

/// The optimal cost, or None if infeasible. Small networks only (O(flow · n · m)).
pub fn successive_shortest_paths(net: &Network) -> Option<i128> {
    let n = net.nodes() as usize;
    let arcs: Vec<Arc> = net.arc_list().collect();
    // Residual arcs as (to, cap, cost) pairs; arc 2k is forward, 2k + 1 its reverse.
    let s = n;
    let t = n + 1;
    let mut to = Vec::new();
    let mut cap: Vec<i64> = Vec::new();
    let mut cost = Vec::new();
    let mut from = Vec::new();
    let mut excess: Vec<i64> = (0..n).map(|v| net.supply(v as u32)).collect();
    let mut total: i128 = 0;
    let mut add = |u: usize, v: usize, c: i64, w: i64| {
        from.extend([u, v]);
        to.extend([v, u]);
        cap.extend([c, 0]);
        cost.extend([w, -w]);
    };
    for a in &arcs {
        let (u, v) = (a.tail as usize, a.head as usize);
        // Lower bounds are sent up front; negative arcs are saturated so no residual arc is
        // negative to begin with.
        let span = (a.cap - a.low) as i64;
        let sent = a.low as i64 + if a.cost < 0 { span } else { 0 };
        excess[u] -= sent;
        excess[v] += sent;
        total += a.cost as i128 * sent as i128;
        if a.cost < 0 {
            add(v, u, span, -a.cost);
        } else {
            add(u, v, span, a.cost);
        }
    }
    let mut need = 0i64;
    for (v, &e) in excess.iter().enumerate() {
        if e > 0 {
            add(s, v, e, 0);
            need += e;
        } else if e < 0 {
            add(v, t, -e, 0);
        }
    }
    let m = to.len();
    while need > 0 {
        let mut dist = vec![i64::MAX; n + 2];
        let mut via = vec![usize::MAX; n + 2];
        dist[s] = 0;
        for _ in 0..n + 2 {
            let mut changed = false;
            for e in 0..m {
                let u = from[e];
                if cap[e] > 0 && dist[u] != i64::MAX && dist[u] + cost[e] < dist[to[e]] {
                    dist[to[e]] = dist[u] + cost[e];
                    via[to[e]] = e;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        if dist[t] == i64::MAX {
            return None;
        }
        let mut push = need;
        let mut v = t;
        while v != s {
            push = push.min(cap[via[v]]);
            v = from[via[v]];
        }
        let mut v = t;
        while v != s {
            let e = via[v];
            cap[e] -= push;
            cap[e ^ 1] += push;
            v = from[e];
        }
        need -= push;
        total += dist[t] as i128 * push as i128;
    }
    Some(total)
}

/// The LP optimum through good_lp's pure-Rust simplex, or None if infeasible.
pub fn linear_program(net: &Network) -> Option<i128> {
    use good_lp::{microlp, variable, Expression, ResolutionError, Solution, SolverModel, Variable};
    let n = net.nodes() as usize;
    let arcs: Vec<Arc> = net.arc_list().collect();
    let mut vars = good_lp::variables!();
    let x: Vec<Variable> = arcs.iter().map(|a| vars.add(variable().min(a.low as f64).max(a.cap as f64))).collect();
    let objective: Expression = arcs.iter().zip(&x).map(|(a, &v)| a.cost as f64 * v).sum();
    let mut balance: Vec<Expression> = vec![Expression::from(0.0); n];
    let mut touched = vec![false; n];
    for (a, &v) in arcs.iter().zip(&x) {
        balance[a.tail as usize] += v;
        balance[a.head as usize] -= v;
        touched[a.tail as usize] = true;
        touched[a.head as usize] = true;
    }
    let mut model = vars.minimise(objective.clone()).using(microlp);
    for (v, e) in balance.into_iter().enumerate() {
        let b = net.supply(v as u32);
        if !touched[v] {
            if b != 0 {
                return None;
            }
            continue;
        }
        model = model.with(e.eq(b as f64));
    }
    match model.solve() {
        Ok(sol) => Some(sol.eval(&objective).round() as i128),
        Err(ResolutionError::Infeasible) => None,
        Err(e) => panic!("LP reference failed: {e}"),
    }
}
