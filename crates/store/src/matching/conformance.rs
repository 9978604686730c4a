//! 供需对接's conformance scenarios, run on both backends by `conformance_tests!`.

use super::{MatchingQuery, StepInput};
use crate::prelude::*;
use crate::registry::conformance::{official, one_paired_one_not, setup};
use crate::StoreError;
use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::matching::{
    AidCategory, Condition, CreditCode, Delivery, DonorDraft, DonorKind, MatchState, NeedDraft, NeedState, OfferDraft, Step, Unit, Urgency,
};
use fupin_domain::{RegionCode, Yuan};
use std::sync::Arc;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("test code")
}

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{}", e.message),
        other => panic!("expected {code}, got {other:?}"),
    }
}

pub fn donor_caller(name: &str) -> Caller {
    Caller { username: name.into(), role: Role::Donor, scope: Scope::region(code("37")) }
}

pub fn sample_donor(name: &str, seq: u32) -> DonorDraft {
    DonorDraft {
        kind: DonorKind::Enterprise,
        name: name.into(),
        credit_code: Some(CreditCode::complete(&format!("91371521MA3C{seq:05}")).expect("minted")),
        contact: "王经理".into(),
        phone: "13806351234".into(),
        id_number: None,
        region: code("371521"),
        about: String::new(),
    }
}

pub fn sample_offer(category: AidCategory, capacity: u32, regions: &[&str]) -> OfferDraft {
    OfferDraft {
        category,
        title: format!("{}资助", category.label()),
        description: String::new(),
        capacity,
        unit: Unit::Money,
        unit_value: Yuan::from_yuan(2_000),
        regions: regions.iter().map(|r| code(r)).collect(),
        deadline: Date::new(2017, 12, 31).expect("valid"),
        condition: Condition::None,
    }
}

pub fn sample_need(category: AidCategory, urgency: Urgency) -> NeedDraft {
    NeedDraft {
        category,
        description: "孩子上高中，需学费资助".into(),
        amount: Yuan::from_yuan(1_500),
        urgency,
        deadline: Date::new(2017, 9, 1).expect("valid"),
        member_no: None,
    }
}

/// A verified donor with one offer.
fn verified_donor(store: &dyn Store, name: &str, seq: u32, offer: &OfferDraft) -> (Caller, String) {
    let who = donor_caller(name);
    let d = store.register_donor(&who, &sample_donor(&format!("{name}公司"), seq), "2017-03-01").unwrap();
    store.verify_donor(&official(Role::CountyOfficial, "371521"), &d.id, d.version, true, "", "2017-03-02").unwrap();
    let o = store.post_offer(&who, offer, "2017-03-03").unwrap();
    (who, o.id)
}

/// A published need of `household` (recorded by the village, verified by the township).
fn published_need(store: &dyn Store, village: &Caller, household: &str, d: &NeedDraft) -> String {
    let n = store.record_need(village, household, d, "2017-03-05").unwrap();
    let township = official(Role::TownshipOfficial, "371521100");
    store.verify_need(&township, &n.id, n.version, true, "", "2017-03-06").unwrap().id
}

/// A donor registers and is verified; its offer and a household's verified need are matched
/// by the optimal run; the donor accepts, the household agrees, the donor learns who (audited),
/// delivers, and the household confirms with its card's code. Every step is on the ledger.
pub fn matching_way_through(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let (h, _) = one_paired_one_not(&*store, &village);
    let donor = donor_caller("aixin");
    let d = store.register_donor(&donor, &sample_donor("阳谷爱心实业有限公司", 1), "2017-03-01").unwrap();
    assert_eq!(d.id, "D371521-0001");
    invalid(store.register_donor(&donor, &sample_donor("又一家", 2), "2017-03-01"), "donor.registered");
    invalid(store.post_offer(&donor, &sample_offer(AidCategory::Education, 1, &["371521"]), "2017-03-01"), "donor.state");
    let shen = official(Role::CountyOfficial, "371522");
    assert!(matches!(store.verify_donor(&shen, &d.id, 1, true, "", "2017-03-02"), Err(StoreError::NotFound)), "another county's");
    let county = official(Role::CountyOfficial, "371521");
    store.verify_donor(&county, &d.id, 1, true, "", "2017-03-02").unwrap();
    let offer = store.post_offer(&donor, &sample_offer(AidCategory::Education, 1, &["371521"]), "2017-03-03").unwrap();
    assert_eq!(store.offers(None, &MatchingQuery { region: Some(code("371521100001")), ..Default::default() }).unwrap().total, 1);

    let n = store.record_need(&village, &h.id, &sample_need(AidCategory::Education, Urgency::Urgent), "2017-03-05").unwrap();
    assert_eq!((n.state, n.size), (NeedState::Recorded, 1));
    invalid(store.record_need(&village, &h.id, &sample_need(AidCategory::Education, Urgency::Normal), "2017-03-05"), "need.duplicate");
    let open = MatchingQuery { on: Date::new(2017, 3, 6), ..Default::default() };
    assert_eq!(store.published_needs(&donor, &open).unwrap().total, 0, "not before the township verifies");
    assert!(matches!(store.needs(&donor, &MatchingQuery::default()), Err(StoreError::Forbidden(_))), "donors never list files' needs");
    let township = official(Role::TownshipOfficial, "371521100");
    let n = store.verify_need(&township, &n.id, n.version, true, "", "2017-03-06").unwrap();
    let seen = store.published_needs(&donor, &open).unwrap();
    assert_eq!(seen.items.len(), 1);
    let shown = serde_json::to_string(&seen.items[0]).unwrap();
    assert!(!shown.contains(&h.id) && !shown.contains(&h.members[0].name), "no identity: {shown}");
    assert!(shown.contains("一村"), "the village is named: {shown}");

    let run = store.run_matcher(&county, &code("371521"), "2017-03-07").unwrap();
    assert_eq!((run.needs, run.offers, run.candidates, run.proposed), (1, 1, 1, 1));
    let again = store.run_matcher(&county, &code("371521"), "2017-03-07").unwrap();
    assert_eq!((again.needs, again.proposed), (0, 0), "a held need is not proposed twice");
    let mine = store.matches(&donor, &MatchingQuery::default()).unwrap();
    assert_eq!(mine.items.len(), 1);
    let m = &mine.items[0];
    assert_eq!((m.state, m.source.as_str(), m.value), (MatchState::Proposed, "matcher", Yuan::from_yuan(1_500)));
    assert!(m.reason.contains("同县"), "{}", m.reason);
    assert!(matches!(store.match_contact(&donor, &m.id, "2017-03-08"), Err(StoreError::Forbidden(_))), "not before the household agrees");
    let step = |who: &Caller, id: &str, v: i64, s: Step, input: StepInput, at: &str| store.step_match(who, id, v, s, &input, at);
    let a = step(&donor, &m.id, m.version, Step::Accept, StepInput::default(), "2017-03-08").unwrap().matched;
    assert!(
        matches!(step(&donor, &m.id, a.version, Step::Agree, StepInput::default(), "2017-03-08"), Err(StoreError::Forbidden(_))),
        "the household's side agrees, not the donor"
    );
    let agreed = step(&village, &m.id, a.version, Step::Agree, StepInput::default(), "2017-03-09").unwrap();
    let card = agreed.code.clone().expect("a code for the household's card");
    assert_eq!(card.len(), 6);
    let before = store.pii_audit_count(&h.id).unwrap();
    let c = store.match_contact(&donor, &m.id, "2017-03-10").unwrap();
    assert_eq!(c.head_name, h.members[0].name);
    assert!(c.place.contains("阳谷县") && c.place.contains("一村"), "{}", c.place);
    assert_eq!(store.pii_audit_count(&h.id).unwrap(), before + 1, "the reveal is audited");
    let v = agreed.matched.version;
    let too_much = Delivery { amount: Yuan::from_yuan(1_600), receipt: "收据0001".into(), on: Date::new(2017, 3, 12).unwrap() };
    invalid(
        step(&donor, &m.id, v, Step::Deliver, StepInput { delivery: Some(too_much), ..Default::default() }, "2017-03-12"),
        "match.amount",
    );
    let given = Delivery { amount: Yuan::from_yuan(1_500), receipt: "收据0001".into(), on: Date::new(2017, 3, 12).unwrap() };
    let dl =
        step(&donor, &m.id, v, Step::Deliver, StepInput { delivery: Some(given), ..Default::default() }, "2017-03-12").unwrap().matched;
    let wrong = StepInput { code: Some("000000".into()).filter(|c| *c != card).or(Some("111111".into())), ..Default::default() };
    invalid(step(&village, &m.id, dl.version, Step::Confirm, wrong, "2017-03-13"), "match.code");
    let thanks = StepInput { code: Some(card), note: "学费已收到，谢谢！".into(), ..Default::default() };
    let done = step(&village, &m.id, dl.version, Step::Confirm, thanks, "2017-03-13").unwrap().matched;
    assert_eq!((done.state, done.feedback.as_str()), (MatchState::Closed, "学费已收到，谢谢！"));
    assert_eq!(store.need(&village, &n.id).unwrap().state, NeedState::Met);
    assert_eq!(store.offer(&offer.id).unwrap().taken, 1);
    let f = store.matching_figures(Some(&code("3715")), Date::new(2017, 3, 13).unwrap()).unwrap();
    assert_eq!((f.delivered, f.delivered_value, f.match_rate_permille), (1, Yuan::from_yuan(1_500), 1000));
    assert_eq!(f.donors[0].name, "阳谷爱心实业有限公司");
    let (pub_donor, record) = store.donor_record(&d.id).unwrap();
    assert!(pub_donor.draft.phone.is_empty() && record.len() == 1);
    // The counters the measures map reads: one need published and reached, as a recount says.
    let figures = store.region_figures(&county, &code("371521")).unwrap();
    let tally = |m: &str| figures.total.get(m).map_or(0, |t| t.households);
    assert_eq!((tally("need:published"), tally("need:reached")), (1, 1));
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    let report = store.verify_ledger().unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    let kinds: Vec<String> = store.history(&village, &h.id).unwrap().into_iter().map(|e| e.kind).collect();
    for k in ["need.record", "need.publish", "match.propose", "match.accept", "match.agree", "match.deliver", "match.confirm"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
}

/// One active match per need: a donor's pick and the matcher cannot both take it; a declined
/// match frees the need and the share; jurisdictions hold for every read.
pub fn a_need_is_met_once(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let (mine, other) = one_paired_one_not(&*store, &village);
    let (a, offer_a) = verified_donor(&*store, "jia", 1, &sample_offer(AidCategory::Education, 1, &["3715"]));
    let (b, offer_b) = verified_donor(&*store, "yi", 2, &sample_offer(AidCategory::Education, 5, &["371521"]));
    let need = published_need(&*store, &village, &mine.id, &sample_need(AidCategory::Education, Urgency::Normal));
    let m = store.pick_need(&a, &need, &offer_a, "2017-03-07").unwrap();
    assert_eq!((m.state, m.source.as_str()), (MatchState::Accepted, "donor"));
    invalid(store.pick_need(&b, &need, &offer_b, "2017-03-07"), "need.taken");
    let county = official(Role::CountyOfficial, "371521");
    assert_eq!(store.run_matcher(&county, &code("371521"), "2017-03-07").unwrap().proposed, 0);
    // A's one share is taken: its offer cannot take the other household's need.
    let second = published_need(&*store, &village, &other.id, &sample_need(AidCategory::Education, Urgency::Normal));
    invalid(store.pick_need(&a, &second, &offer_a, "2017-03-07"), "offer.closed");
    assert!(matches!(store.pick_need(&b, &second, &offer_a, "2017-03-07"), Err(StoreError::NotFound)), "another donor's offer");
    let declined = store.step_match(&a, &m.id, m.version, Step::Decline, &StepInput::default(), "2017-03-08").unwrap();
    assert_eq!(declined.matched.state, MatchState::Declined);
    assert_eq!(store.offer(&offer_a).unwrap().taken, 0, "the share is given back");
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap(), "a freed need is no longer counted reached");
    let m2 = store.pick_need(&b, &need, &offer_b, "2017-03-08").unwrap();
    assert_eq!(m2.state, MatchState::Accepted);
    // Jurisdictions: another county, a helper not paired, another donor.
    let shen = official(Role::CountyOfficial, "371522");
    assert!(matches!(store.need(&shen, &need), Err(StoreError::NotFound)));
    assert!(matches!(store.matched(&shen, &m2.id), Err(StoreError::NotFound)));
    assert_eq!(store.needs(&shen, &MatchingQuery::default()).unwrap().total, 0);
    let helper =
        Caller { username: "li".into(), role: Role::Helper, scope: Scope { region: code("371521"), helper_id: Some("3715210009".into()) } };
    assert_eq!(store.needs(&helper, &MatchingQuery::default()).unwrap().total, 1, "only the paired household's");
    assert!(matches!(store.need(&helper, &second), Err(StoreError::NotFound)));
    assert!(matches!(store.matched(&a, &m2.id), Err(StoreError::NotFound)), "another donor's match");
    assert!(matches!(store.match_contact(&a, &m2.id, "2017-03-09"), Err(StoreError::NotFound)));
    assert!(matches!(store.run_matcher(&shen, &code("371521"), "2017-03-09"), Err(StoreError::NotFound)));
    assert!(matches!(store.run_matcher(&village, &code("371521100001"), "2017-03-09"), Err(StoreError::Forbidden(_))));
    assert!(matches!(store.verify_need(&village, &second, 2, true, "", "2017-03-09"), Err(StoreError::Forbidden(_))));
}

/// Short of shares, the matcher meets the most urgent needs first; a rerun after accepting
/// proposes nothing new and moves nothing.
pub fn the_matcher_meets_urgent_needs_first(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let mut households = vec![];
    for seq in 11..15 {
        let h =
            store.create_household(&village, crate::conformance::sample_household("371521100001", seq, 2), "建档", "2016-01-01").unwrap();
        households.push(h.id);
    }
    let (donor, _) = verified_donor(&*store, "bing", 3, &sample_offer(AidCategory::Necessities, 2, &["371521"]));
    let urgencies = [Urgency::Normal, Urgency::Critical, Urgency::Normal, Urgency::Urgent];
    let mut ids = vec![];
    for (h, u) in households.iter().zip(urgencies) {
        let d = NeedDraft { description: "冬季棉被两床".into(), ..sample_need(AidCategory::Necessities, u) };
        ids.push(published_need(&*store, &village, h, &d));
    }
    let county = official(Role::CountyOfficial, "371521");
    let run = store.run_matcher(&county, &code("371521"), "2017-03-07").unwrap();
    assert_eq!((run.needs, run.proposed), (4, 2));
    let held: Vec<String> = store.matches(&donor, &MatchingQuery::default()).unwrap().items.into_iter().map(|m| m.need_id).collect();
    let mut want = vec![ids[1].clone(), ids[3].clone()];
    want.sort();
    let mut got = held.clone();
    got.sort();
    assert_eq!(got, want, "the critical and the urgent need");
    let rerun = store.run_matcher(&county, &code("371521"), "2017-03-08").unwrap();
    assert_eq!((rerun.needs, rerun.offers, rerun.proposed), (2, 0, 0), "no share left; nothing moves");
    let runs = store.match_runs(&county, &code("371521"), 10).unwrap();
    assert_eq!(runs.len(), 2);
    assert!(matches!(store.match_runs(&county, &code("371522"), 10), Err(StoreError::NotFound)));
    // An offer whose condition no household meets (none has a member with 大病) has no candidate.
    let sick_only = OfferDraft { condition: Condition::SeriousIllness, ..sample_offer(AidCategory::Necessities, 5, &["37"]) };
    verified_donor(&*store, "ding", 4, &sick_only);
    let third = store.run_matcher(&county, &code("371521"), "2017-03-09").unwrap();
    assert_eq!((third.needs, third.offers, third.candidates, third.proposed), (2, 1, 0, 0));
}

/// Donors racing for one need from many threads (and the matcher among them): exactly one
/// wins, the others are told it is taken, and the shares taken equal the matches made.
pub fn racing_picks_meet_a_need_once(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let (mine, _) = one_paired_one_not(&*store, &village);
    let donors: Vec<(Caller, String)> = (0..4)
        .map(|i| verified_donor(&*store, &format!("racer{i}"), 20 + i, &sample_offer(AidCategory::Education, 3, &["371521"])))
        .collect();
    let need = published_need(&*store, &village, &mine.id, &sample_need(AidCategory::Education, Urgency::Critical));
    let county = official(Role::CountyOfficial, "371521");
    let outcomes: Vec<bool> = std::thread::scope(|s| {
        let mut racers: Vec<_> = donors
            .iter()
            .map(|(who, offer)| {
                let (store, need) = (store.clone(), need.clone());
                s.spawn(move || store.pick_need(who, &need, offer, "2017-03-07").is_ok())
            })
            .collect();
        let (store2, county) = (store.clone(), county.clone());
        racers.push(s.spawn(move || store2.run_matcher(&county, &code("371521"), "2017-03-07").map(|r| r.proposed == 1).unwrap_or(false)));
        racers.into_iter().map(|h| h.join().expect("a racer panicked")).collect()
    });
    assert_eq!(outcomes.iter().filter(|w| **w).count(), 1, "exactly one taker: {outcomes:?}");
    let taken: u32 = donors.iter().map(|(_, o)| store.offer(o).unwrap().taken).sum();
    assert_eq!(taken, 1, "one share taken in all");
    let all = store.matches(&county, &MatchingQuery::default()).unwrap();
    assert_eq!(all.items.iter().filter(|m| m.state.is_active()).count(), 1);
}
