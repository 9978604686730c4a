//! Property tests of the solver against the references, the certificate, feasibility, rerun
//! stability and warm starts; and the DIMACS reader's refusals.

use crate::dimacs;
use crate::reference::{linear_program, successive_shortest_paths};
use crate::*;
use proptest::prelude::*;

/// Bounds and conservation, checked here without `verify` so a bug there cannot hide one.
fn assert_feasible(net: &Network, flow: &Flow) {
    let mut balance = vec![0i64; net.nodes() as usize];
    for (id, a) in net.arc_list().enumerate() {
        let x = flow.arc_flow(id as ArcId);
        assert!(a.low <= x && x <= a.cap, "arc {id}: {x} outside [{}, {}]", a.low, a.cap);
        balance[a.tail as usize] += x as i64;
        balance[a.head as usize] -= x as i64;
    }
    for (v, b) in balance.into_iter().enumerate() {
        assert_eq!(b, net.supply(v as u32), "conservation at node {v}");
    }
}

fn arb_network() -> impl Strategy<Value = Network> {
    (2u32..8).prop_flat_map(|n| {
        let arcs = prop::collection::vec((0..n, 0..n, 0u32..3, 0u32..5, -10i64..25), 0..24);
        let supplies = prop::collection::vec(-4i64..5, n as usize);
        (Just(n), arcs, supplies).prop_map(|(n, arcs, mut supplies)| {
            let sum: i64 = supplies.iter().sum();
            supplies[n as usize - 1] -= sum;
            let mut b = NetworkBuilder::new(n);
            for (v, s) in supplies.into_iter().enumerate() {
                b.set_supply(v as u32, s);
            }
            for (t, h, low, extra, cost) in arcs {
                b.add_arc(t, h, low, low + extra, cost);
            }
            b.build().expect("generated network is well formed")
        })
    })
}

fn arb_instance() -> impl Strategy<Value = Instance> {
    (1usize..10, 1usize..5).prop_flat_map(|(needs, offers)| {
        (
            prop::collection::vec(0i64..40, needs),
            prop::collection::vec(0u32..4, offers),
            prop::collection::btree_map((0..needs as u32, 0..offers as u32), 0i64..30, 0..needs * offers),
        )
            .prop_map(|(pen, cap, cands)| Instance {
                needs: pen.into_iter().map(|penalty| Need { penalty }).collect(),
                offers: cap.into_iter().map(|capacity| Offer { capacity }).collect(),
                candidates: cands.into_iter().map(|((need, offer), cost)| Candidate { need, offer, cost }).collect(),
            })
    })
}

/// Networks of 供需对接's shape with everything the transportation solver allows beyond the
/// platform's instances: supplies above 1, capacities above 1, negative costs, parallel arcs,
/// several arcs from an offer to the sink, nodes with no arcs.
fn arb_transport_network() -> impl Strategy<Value = Network> {
    // `unit`: every source supplies 1 and every offer has one arc to the sink (the auction's
    // start applies); otherwise anything of the shape.
    (1u32..6, 0u32..5, any::<bool>()).prop_flat_map(|(sources, middles, unit)| {
        let n = sources + middles + 1;
        let t = n - 1;
        let supplies = prop::collection::vec(1i64..if unit { 2 } else { 4 }, sources as usize);
        let offer_arcs = prop::collection::vec((0u32..4, -10i64..25), if unit { middles as usize } else { 0 });
        let to_middle = prop::collection::vec((0..sources, 0..middles.max(1), 0u32..3, -10i64..25), 0..16);
        let to_sink = prop::collection::vec((0..sources + middles, 0u32..4, -10i64..25), 0..12);
        (Just((n, t, sources, middles, unit)), supplies, to_middle, to_sink, offer_arcs).prop_map(|((n, t, sources, middles, unit), supplies, to_middle, to_sink, offer_arcs)| {
            let mut b = NetworkBuilder::new(n);
            let total: i64 = supplies.iter().sum();
            for (v, s) in supplies.into_iter().enumerate() {
                b.set_supply(v as u32, s);
            }
            b.set_supply(t, -total);
            for (s, m, cap, cost) in to_middle {
                if middles > 0 {
                    b.add_arc(s, sources + m, 0, cap, cost);
                }
            }
            for (m, (cap, cost)) in offer_arcs.into_iter().enumerate() {
                b.add_arc(sources + m as u32, t, 0, cap, cost);
            }
            for (v, cap, cost) in to_sink {
                if !unit || v < sources {
                    b.add_arc(v, t, 0, cap, cost);
                }
            }
            b.build().expect("generated network is well formed")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn transport_solver_agrees_with_the_references(net in arb_transport_network()) {
        prop_assert!(crate::bipartite::shape(&net).is_some(), "not recognised as a transportation network");
        let ssp = successive_shortest_paths(&net);
        prop_assert_eq!(ssp, linear_program(&net), "the references disagree");
        match solve(&net, None) {
            Ok(flow) => {
                prop_assert_eq!(Some(flow.cost), ssp);
                assert_feasible(&net, &flow);
                prop_assert_eq!(verify(&net, &flow), Ok(()));
                prop_assert_eq!(&solve(&net, None).unwrap(), &flow, "same input, different output");
                prop_assert_eq!(cost_scaling::solve_cost_scaling(&net, None).unwrap().cost, flow.cost);
            }
            Err(SolveError::Infeasible(_)) => {
                prop_assert_eq!(ssp, None);
                prop_assert!(matches!(cost_scaling::solve_cost_scaling(&net, None), Err(SolveError::Infeasible(_))));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn optimum_agrees_with_both_references(net in arb_network()) {
        let ssp = successive_shortest_paths(&net);
        let lp = linear_program(&net);
        prop_assert_eq!(ssp, lp, "the references disagree");
        match solve(&net, None) {
            Ok(flow) => {
                prop_assert_eq!(Some(flow.cost), ssp);
                assert_feasible(&net, &flow);
                prop_assert_eq!(verify(&net, &flow), Ok(()));
                let again = solve(&net, None).unwrap();
                prop_assert_eq!(&again, &flow, "same input, different output");
                let warm = solve(&net, Some(&flow.prices)).unwrap();
                prop_assert_eq!(warm.cost, flow.cost);
                prop_assert_eq!(verify(&net, &warm), Ok(()));
            }
            Err(SolveError::Infeasible(_)) => prop_assert_eq!(ssp, None),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn dimacs_round_trip(net in arb_network()) {
        let mut text = Vec::new();
        dimacs::write_problem(&net, &mut text).unwrap();
        let back = dimacs::read(text.as_slice()).unwrap();
        prop_assert_eq!(back.arc_list().collect::<Vec<_>>(), net.arc_list().collect::<Vec<_>>());
        prop_assert_eq!((0..net.nodes()).map(|v| back.supply(v)).collect::<Vec<_>>(), (0..net.nodes()).map(|v| net.supply(v)).collect::<Vec<_>>());
    }

    #[test]
    fn assignment_is_optimal_and_explained(inst in arb_instance()) {
        let net = transport::network(&inst).unwrap();
        let a = assign(&inst, None).unwrap();
        prop_assert_eq!(Some(a.cost as i128), successive_shortest_paths(&net));
        prop_assert_eq!(verify(&net, &a.flow), Ok(()));
        assert_feasible(&net, &a.flow);
        let mut taken = vec![0u32; inst.offers.len()];
        let mut cost = 0;
        for (need, chosen) in a.chosen.iter().enumerate() {
            match chosen {
                Some(i) => {
                    let c = inst.candidates[*i as usize];
                    prop_assert_eq!(c.need as usize, need);
                    taken[c.offer as usize] += 1;
                    cost += c.cost;
                }
                None => cost += inst.needs[need].penalty,
            }
            let e = explain(&inst, &a, need as u32);
            prop_assert!(e.margin.is_none_or(|m| m >= 0), "{}", e);
            if chosen.is_none() {
                for i in inst.candidates_of(need as u32) {
                    let c = inst.candidates[i];
                    prop_assert!(c.cost + a.offer_prices[c.offer as usize] >= inst.needs[need].penalty);
                }
            }
        }
        prop_assert_eq!(cost, a.cost);
        for (j, o) in inst.offers.iter().enumerate() {
            prop_assert!(taken[j] <= o.capacity);
            prop_assert!(a.offer_prices[j] >= 0);
        }
        let warm = assign(&inst, Some(&a.offer_prices)).unwrap();
        prop_assert_eq!(warm.cost, a.cost);
        prop_assert_eq!(assign(&inst, None).unwrap(), a);
    }

    /// With costs and penalties distinct powers of two, every matching costs something
    /// different, so the optimum is unique and a warm start must find the very same one.
    #[test]
    fn warm_start_finds_the_same_unique_optimum(inst in arb_instance()) {
        let mut inst = inst;
        let mut bit = 0;
        for c in inst.candidates.iter_mut() {
            c.cost = 1 << bit;
            bit += 1;
        }
        for n in inst.needs.iter_mut() {
            n.penalty = 1 << bit;
            bit += 1;
        }
        let cold = assign(&inst, None).unwrap();
        let warm = assign(&inst, Some(&cold.offer_prices)).unwrap();
        prop_assert_eq!(&warm.chosen, &cold.chosen);
        prop_assert_eq!(warm.cost, cold.cost);
    }
}

#[test]
fn explains_a_match_and_a_miss() {
    // Two needs want offer 0 (capacity 1); need 0 is closer. Need 1 falls back to offer 1 or
    // its penalty, whichever is cheaper.
    let inst = Instance {
        needs: vec![Need { penalty: 100 }, Need { penalty: 30 }],
        offers: vec![Offer { capacity: 1 }, Offer { capacity: 1 }],
        candidates: vec![
            Candidate { need: 0, offer: 0, cost: 10 },
            Candidate { need: 0, offer: 1, cost: 50 },
            Candidate { need: 1, offer: 0, cost: 20 },
            Candidate { need: 1, offer: 1, cost: 45 },
        ],
    };
    let a = assign(&inst, None).unwrap();
    assert_eq!(a.chosen, vec![Some(0), None]);
    assert_eq!(a.cost, 40);
    let e = explain(&inst, &a, 0);
    assert!(matches!(e.chosen, Choice::Offer { offer: 0, cost: 10, .. }), "{e}");
    assert!(matches!(e.next_best, Some(Choice::Offer { offer: 1, .. })), "{e}");
    let miss = explain(&inst, &a, 1);
    assert_eq!(miss.chosen, Choice::Unmatched { penalty: 30 });
    assert!(miss.margin.unwrap() >= 0, "{miss}");
}

/// The line and the problem's variant name (Debug form) of a refused file.
fn refused(text: &str) -> (usize, String) {
    match dimacs::read(text.as_bytes()) {
        Err(e) => (e.line().expect("a line number"), format!("{:?}", e.problem().expect("a problem"))),
        Ok(_) => panic!("accepted:\n{text}"),
    }
}

#[test]
fn malformed_dimacs_is_refused_with_the_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("a 1 2 0 1 1\n", 1, "NoProblemLine"),
        ("p min 2 1\np min 2 1\n", 2, "SecondProblemLine"),
        ("p max 2 1\n", 1, "NotMin"),
        ("p min 2 1\nx 1 2\n", 2, "UnknownLine"),
        ("p min 2 1\na 1 2 0 1\n", 2, "FieldCount"),
        ("c ok\np min 2 1\na 1 2 0 one 1\n", 3, "NotANumber"),
        ("p min 2 1\na 1 2 0 99999999999999999999 1\n", 2, "Overflow"),
        ("p min 2 1\na 1 3 0 1 1\n", 2, "NodeOutOfRange"),
        ("p min 2 1\nn 0 1\n", 2, "NodeOutOfRange"),
        ("p min 2 1\na 1 2 0 -1 1\n", 2, "NegativeCap"),
        ("p min 2 1\na 1 2 -1 1 1\n", 2, "NegativeLow"),
        ("p min 2 1\na 1 2 3 1 1\n", 2, "LowAboveCap"),
        ("p min 2 1\na 1 2 0 1 1\na 2 1 0 1 1\n", 3, "TooManyArcs"),
        ("p min 2 2\na 1 2 0 1 1\n", 2, "ArcCountMismatch"),
        ("p min 2 0\nn 1 3\nn 2 -2\n", 1, "Unbalanced"),
        ("p min 2 0\nn 1 3\nn 1 -3\n", 3, "DuplicateNode"),
        ("p min 2 1\na 1 2 0 1 99999999999999\n", 2, "CostTooLarge"),
        ("p min 2 1\na 1 2 0 5000000000 1\n", 2, "CapTooLarge"),
        ("p min 0 0\n", 1, "NodeCount"),
        ("", 1, "NoProblemLine"),
    ];
    for &(text, line, kind) in cases {
        let (got_line, debug) = refused(text);
        assert_eq!(got_line, line, "{text:?}: {debug}");
        assert!(debug.starts_with(kind), "{text:?}: expected {kind}, got {debug}");
    }
}

#[test]
fn infeasible_is_its_own_error() {
    // 3 units must leave node 1 through an arc that takes 2.
    let net = dimacs::read("p min 2 1\nn 1 3\nn 2 -3\na 1 2 0 2 1\n".as_bytes()).unwrap();
    assert!(matches!(solve(&net, None), Err(SolveError::Infeasible(_))));
    let net = dimacs::read("p min 3 1\nn 1 1\nn 3 -1\na 1 2 0 2 1\n".as_bytes()).unwrap();
    assert!(matches!(solve(&net, None), Err(SolveError::Infeasible(_))));
}

#[test]
fn writes_the_flow_in_dimacs() {
    let net = dimacs::read("c two paths\np min 3 3\nn 1 2\nn 3 -2\na 1 2 0 1 1\na 2 3 0 2 1\na 1 3 0 2 5\n".as_bytes()).unwrap();
    let flow = solve(&net, None).unwrap();
    let mut out = Vec::new();
    dimacs::write_flow(&net, &flow, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "s 7\nf 1 2 1\nf 2 3 1\nf 1 3 1\n");
}
