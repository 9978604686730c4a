//! 成效评估's conformance scenarios, run on both backends by `conformance_tests!`.

use crate::prelude::*;
use crate::registry::conformance::{code, exited_household, official, sample_household, setup};
use crate::StoreError;
use fupin_domain::access::Role;
use fupin_domain::id_number::Date;
use fupin_domain::registry::household::{Conditions, Household, Income};
use fupin_domain::Yuan;
use std::sync::Arc;

fn with_income(mut h: Household, year: i32, per_capita: i64) -> Household {
    let wage = Yuan::from_yuan(per_capita * h.members.len() as i64);
    h.incomes.push(Income {
        year,
        wage,
        business: Yuan::default(),
        property: Yuan::default(),
        transfer: Yuan::default(),
        transfer_excluded: Yuan::default(),
        expenses: Yuan::default(),
        hard_expenses: Yuan::default(),
    });
    h
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Three files computed by hand against the 2016 line (3,402 元) and the default design (six
/// equally weighted dimensions, k = 1/3):
///   A, 3 persons, 1,701 元 a head (gap ½), no safe water: deprived in 2 of 6 → poor;
///   B, 2 persons (exited), 6,804 元, every guarantee met: not poor;
///   C, 1 person in the other village, no 2016 income: left out of both measures.
/// FGT over 5 persons: P0 = 3/5, P1 = 3·½/5 = 0.3, P2 = 3·¼/5 = 0.15. Alkire–Foster: H = 3/5,
/// A = 1/3, M0 = 0.2; income and water each censored headcount 3/5, contribution ½.
pub fn measures_equal_hand_computation(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let a = Household { conditions: Conditions { safe_water: false, ..Conditions::all_met() }, ..sample_household("371521100001", 1, 3) };
    let b = Household { conditions: Conditions::all_met(), ..exited_household("371521100001", 2, 2, 2016) };
    let c = Household { conditions: Conditions::all_met(), ..sample_household("371521100002", 3, 1) };
    for h in [with_income(a, 2016, 1_701), with_income(b, 2016, 6_804), with_income(c, 2015, 9_000)] {
        store.create_household(&village_of(&h, &village), h, "建档", "2016-01-10").unwrap();
    }
    let as_of = Date::parse("2016-12-31").unwrap();
    let county = official(Role::CountyOfficial, "371521");
    let m = store.measures(&county, &code("371521"), 2016, as_of).unwrap();
    assert_eq!((m.households, m.persons, m.without_income), (3, 6, 1));
    assert_eq!(m.line, Some(3402.0));
    let f = m.measures.fgt.unwrap();
    assert!(close(f.p0, 0.6) && close(f.p1, 0.3) && close(f.p2, 0.15) && close(f.population, 5.0), "{f:?}");
    let af = m.measures.af.unwrap();
    assert!(close(af.h, 0.6) && close(af.a, 1.0 / 3.0) && close(af.m0, 0.2), "{af:?}");
    assert!(close(af.by_indicator["income"].contribution, 0.5) && close(af.by_indicator["water"].censored_headcount, 0.6));
    assert!(close(af.by_indicator["housing"].censored_headcount, 0.0));
    assert_eq!(m.children.len(), 1, "the county's one township");
    assert!(close(m.children[0].measures.m0_contribution.unwrap(), 1.0));

    let t = store.measures(&county, &code("371521100"), 2016, as_of).unwrap();
    let names: Vec<(&str, u64)> = t.children.iter().map(|c| (c.region.name.as_str(), c.households)).collect();
    assert_eq!(names, [("一村", 2), ("二村", 1)]);
    assert!(t.children[1].measures.measures.fgt.is_none(), "二村's one file has no 2016 income");

    // A year without a line measures deprivation only; the income dimension is unknown there,
    // so Alkire–Foster has no one to measure either.
    let early = store.measures(&county, &code("371521"), 2014, as_of).unwrap();
    assert!(early.measures.fgt.is_none() && early.measures.af.is_none() && early.without_income == 3);

    assert!(matches!(store.measures(&official(Role::CountyOfficial, "371522"), &code("371521"), 2016, as_of), Err(StoreError::NotFound)));
    assert!(matches!(store.measures(&village, &code("371521"), 2016, as_of), Err(StoreError::NotFound)), "a village sees itself only");
    let err = store.measures(&county, &code("371521"), 1999, as_of).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(e) if e.code == "measures.year"));
}

/// Files are created by the official of their own village.
fn village_of(h: &Household, fallback: &fupin_domain::access::Caller) -> fupin_domain::access::Caller {
    if fallback.scope.contains_region(&h.village) {
        fallback.clone()
    } else {
        official(Role::VillageOfficial, h.village.as_str())
    }
}

/// 第三方评估: the sample of 阳谷县 (一村: six still-poor files, 二村: four exited) drawn by its
/// city's evaluator. Both villages are taken (probability 1), two files of each kind within
/// them, so the weights are 6/2 and 4/2. The frozen frame hashes to the published digest and,
/// with the seed, redraws the same sample; the same seed draws the same files again.
pub fn sample_drawn_from_the_seed_and_frozen_frame(store: Arc<dyn Store>) {
    use fupin_domain::evaluation::sample::{draw, Kind, Plan};
    let village = setup(&*store);
    let other = official(Role::VillageOfficial, "371521100002");
    for n in 1..=6 {
        store.create_household(&village, sample_household("371521100001", n, 2), "建档", "2016-01-10").unwrap();
    }
    for n in 7..=10 {
        store.create_household(&other, exited_household("371521100002", n, 3, 2016), "建档", "2016-01-10").unwrap();
    }
    let evaluator = official(Role::Evaluator, "3715");
    let plan = Plan { seed: 20_170_630, villages: 2, still_poor: 2, exited: 2, outside: 3 };
    let e = store.draw_sample(&evaluator, &code("371521"), 2016, &plan, "2017-03-01T09:00:00+08:00").unwrap();
    assert_eq!((e.villages, e.units, e.state.as_str(), e.plan.seed), (2, 4, "fieldwork", 20_170_630));
    let d = store.evaluation(&evaluator, &e.id).unwrap();
    assert!(d.villages.iter().all(|v| close(v.probability, 1.0)), "{:?}", d.villages);
    assert_eq!(d.villages.iter().map(|v| (v.still_poor_files, v.exited_files)).collect::<Vec<_>>(), [(6, 0), (0, 4)]);
    assert_eq!(d.villages[0].outside_population, 1000 - 12, "rural population less the persons in the village's files");
    for u in &d.units {
        let want = if u.kind == Kind::StillPoor { 3.0 } else { 2.0 };
        assert!(close(u.weight, want) && u.head.as_deref().is_some_and(|h| h.starts_with('张')), "{u:?}");
    }
    assert_eq!(d.units.iter().map(|u| u.n).collect::<Vec<_>>(), [1, 2, 3, 4], "the field list is numbered in order");

    let (villages, files) = store.evaluation_frame(&evaluator, &e.id).unwrap();
    assert_eq!((villages.len(), files.len()), (2, 10));
    let lines = crate::evaluation::samples::frame_lines(&villages, &files);
    assert_eq!(crate::evaluation::samples::frame_digest(&lines), e.frame_digest, "the frame as served hashes to the published digest");
    let redrawn = draw(&plan, &villages, &files, 200).unwrap();
    let mut got: Vec<(String, String)> = d.units.iter().map(|u| (u.household_id.clone(), format!("{:.9}", u.weight))).collect();
    let mut want: Vec<(String, String)> = redrawn.files.iter().map(|f| (f.household_id.clone(), format!("{:.9}", f.weight))).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the seed and the frozen frame redraw the sample");
    let again = store.draw_sample(&evaluator, &code("371521"), 2016, &plan, "2017-03-02T09:00:00+08:00").unwrap();
    assert_ne!(again.id, e.id);
    let ids = |id: &str| store.evaluation(&evaluator, id).unwrap().units.into_iter().map(|u| u.household_id).collect::<Vec<_>>();
    assert_eq!(ids(&again.id), ids(&e.id), "the same seed on the same frame draws the same files");
    let listed: Vec<String> =
        store.evaluations(&official(Role::CityOfficial, "3715"), &code("37")).unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(listed, [again.id.clone(), e.id.clone()], "newest first, the city official's jurisdiction");

    // Who may draw and read.
    let county = official(Role::CountyOfficial, "371521");
    assert!(matches!(store.draw_sample(&county, &code("371521"), 2016, &plan, "2017-03-01"), Err(StoreError::Forbidden(_))));
    let elsewhere = official(Role::Evaluator, "3716");
    assert!(matches!(store.draw_sample(&elsewhere, &code("371521"), 2016, &plan, "2017-03-01"), Err(StoreError::NotFound)));
    assert!(matches!(store.evaluation(&elsewhere, &e.id), Err(StoreError::NotFound)));
    assert!(matches!(store.evaluation(&official(Role::CountyOfficial, "371522"), &e.id), Err(StoreError::NotFound)));
    assert!(matches!(store.evaluation(&official(Role::Donor, "37"), &e.id), Err(StoreError::NotFound)));
    assert!(store.evaluations(&elsewhere, &code("37")).unwrap().is_empty());
    assert_eq!(store.evaluation(&county, &e.id).unwrap().units.len(), 4, "the county reads its evaluation");
    let bad = |c: &str, p: &Plan| match store.draw_sample(&evaluator, &code(c), 2016, p, "2017-03-01") {
        Err(StoreError::Invalid(e)) => e.code,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad("371521100", &plan), "evaluation.county");
    assert_eq!(bad("371521", &Plan { villages: 1, ..plan.clone() }), "evaluation.villages");
    assert_eq!(store.evaluations(&evaluator, &code("3715")).unwrap().len(), 2, "a refused draw stores nothing");

    fieldwork_and_estimates(&*store, &evaluator, &e.id);
}

/// The field work on that sample, and its estimates computed by hand. Units 1–2 are 一村's
/// still-poor files (weight 3), 3–4 二村's exited files of 3 persons (weight 2). Found outside the
/// register: in 一村 a household of 4, omitted; in 二村 households of 2 and 3, not omitted. Both
/// villages have 1,000 rural persons and 12 in files, so 988 outside: 一村's household weighs
/// 988/4 = 247, 二村's 988/5 = 197.6 each (probability 1).
///   漏评率 = 247·4 / (247·4 + 197.6·2 + 197.6·3) = 988 / 1976 = 0.5;
///   认可度 over the answered (unit 3 dissatisfied, 二村's second outside household silent)
///     = (3 + 3 + 0 + 2 + 247 + 197.6) / (3 + 3 + 2 + 2 + 247 + 197.6) = 452.6 / 454.6;
///   错退率: the exited households are all in 二村, one village: no design-based interval.
/// The verdict: 漏评率's point estimate above 2% vetoes the exit, whatever the unknown 错退率.
fn fieldwork_and_estimates(store: &dyn Store, evaluator: &fupin_domain::access::Caller, id: &str) {
    use fupin_domain::evaluation::field::{FieldResult, Standing};
    let at = "2017-03-05T10:00:00+08:00";
    let r = |wrong_exit: Option<bool>, omitted: Option<bool>, satisfied: Option<bool>| FieldResult {
        wrong_exit,
        omitted,
        satisfied,
        reason: if wrong_exit == Some(true) || omitted == Some(true) { "人均纯收入低于标准".into() } else { String::new() },
        enumerator: "调查员07".into(),
    };
    for (n, result) in [
        (1, r(None, None, Some(true))),
        (2, r(None, None, Some(true))),
        (3, r(Some(true), None, Some(false))),
        (4, r(Some(false), None, Some(true))),
    ] {
        let u = store.record_result(evaluator, id, n, &result, at).unwrap();
        assert_eq!((u.result.as_ref(), u.recorded_by.as_deref()), (Some(&result), Some(evaluator.username.as_str())));
    }
    let (v1, v2) = ("371521100001", "371521100002");
    let found = |village: &str, head: &str, persons: i64| fupin_domain::evaluation::field::OutsideHousehold {
        village: village.into(),
        head: head.into(),
        persons,
    };
    let added = store.add_outside(evaluator, id, &found(v1, "王大", 4), &r(None, Some(true), Some(true)), at).unwrap();
    assert_eq!((added.n, added.kind, added.head.as_deref()), (5, fupin_domain::evaluation::sample::Kind::Outside, Some("王大")));
    assert!(close(added.weight, 247.0), "{added:?}");
    store.add_outside(evaluator, id, &found(v2, "李二", 2), &r(None, Some(false), Some(true)), at).unwrap();
    store.add_outside(evaluator, id, &found(v2, "赵三", 3), &r(None, Some(false), None), at).unwrap();

    let est = store.estimates(evaluator, id).unwrap();
    let by = |code: &str| est.rates.iter().find(|x| x.code == code).unwrap().clone();
    let omitted = by("omitted");
    let o = omitted.estimate.as_ref().expect("two villages answered");
    assert!(close(o.estimate, 0.5) && o.n_psu == 2 && (omitted.answered, omitted.found) == (3, 1), "{omitted:?}");
    assert!(o.ci.0 < 0.5 && 0.5 < o.ci.1, "{o:?}");
    let satisfaction = by("satisfaction");
    let sat = satisfaction.estimate.as_ref().unwrap();
    assert!(close(sat.estimate, 452.6 / 454.6) && satisfaction.answered == 6, "{satisfaction:?}");
    let wrong = by("wrong_exit");
    assert!(
        wrong.estimate.is_none() && wrong.standing == Standing::Unknown && wrong.note.as_deref().is_some_and(|n| n.contains("一个村")),
        "{wrong:?}"
    );
    // Two villages leave one degree of freedom: the interval spans almost [0, 1], so the point
    // estimate fails the 2% line without the interval excluding it — still a veto.
    assert_eq!((omitted.standing, est.verdict), (Standing::FailedUncertain, Some(false)), "{est:?}");
    assert!(est.verdict_label.contains("一票否决"), "{}", est.verdict_label);
    // 综合贫困发生率 needs both rates; the frame's totals are there already.
    let inc = &est.incidence;
    assert_eq!((inc.rural_population, inc.remaining, inc.exited_persons, inc.outside_population), (2000, 12, 12, 1976), "{inc:?}");
    // 聊城 is one of the western cities (`Rules::west_cities`): its line is 3%.
    assert!(inc.estimate.is_none() && inc.standing == Standing::Unknown && close(inc.threshold, 0.03), "{inc:?}");
    assert_eq!(est.answered, 7);

    // Refusals: the county judged, another city's evaluator, a question not of the kind, an unknown
    // household, a village outside the sample, a village's quota met.
    let bad = |res: crate::Result<crate::evaluation::FieldUnit>| match res {
        Err(StoreError::Invalid(e)) => e.code,
        other => panic!("{other:?}"),
    };
    let county = official(Role::CountyOfficial, "371521");
    assert!(matches!(store.record_result(&county, id, 1, &r(None, None, Some(true)), at), Err(StoreError::Forbidden(_))));
    assert!(matches!(
        store.record_result(&official(Role::Evaluator, "3716"), id, 1, &r(None, None, Some(true)), at),
        Err(StoreError::NotFound)
    ));
    assert_eq!(bad(store.record_result(evaluator, id, 1, &r(Some(false), None, Some(true)), at)), "evaluation.result");
    assert!(matches!(store.record_result(evaluator, id, 99, &r(None, None, Some(true)), at), Err(StoreError::NotFound)));
    assert_eq!(
        bad(store.add_outside(evaluator, id, &found("371522100001", "钱四", 2), &r(None, Some(false), None), at)),
        "evaluation.village"
    );
    store.add_outside(evaluator, id, &found(v2, "孙五", 1), &r(None, Some(false), None), at).unwrap();
    assert_eq!(bad(store.add_outside(evaluator, id, &found(v2, "周六", 1), &r(None, Some(false), None), at)), "evaluation.quota");
    assert_eq!(store.estimates(&county, id).unwrap().rates.len(), 3, "the county reads its estimates");
    assert!(matches!(store.estimates(&official(Role::CountyOfficial, "371522"), id), Err(StoreError::NotFound)));

    // Closing: the county may not; the evaluator ends it once; nothing is recorded after it.
    assert!(matches!(store.close_evaluation(&county, id, at), Err(StoreError::Forbidden(_))));
    let closed = store.close_evaluation(evaluator, id, at).unwrap();
    assert_eq!(closed.state, "closed");
    let bad_evaluation = |res: crate::Result<crate::evaluation::Evaluation>| match res {
        Err(StoreError::Invalid(e)) => e.code,
        other => panic!("{other:?}"),
    };
    assert_eq!(bad_evaluation(store.close_evaluation(evaluator, id, at)), "evaluation.closed");
    assert_eq!(bad(store.record_result(evaluator, id, 1, &r(None, None, Some(false)), at)), "evaluation.closed");
    assert_eq!(store.estimates(&county, id).unwrap().verdict, Some(false), "the estimates stay readable");
}
