//! The conformance suite: scenarios every backend must pass, run by `tests/` against SQLite and
//! PostgreSQL alike (atuin's pattern). Each takes a fresh, empty store.

use crate::yearly::YearlyUpdate;
use crate::*;
use fupin_domain::access::Scope;
use fupin_domain::access::{Caller, Role};
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::*;
use fupin_domain::registry::household::{Change, Helper, Household};
use fupin_domain::{IdNumber, Yuan};
use fupin_domain::{Level, RegionCode};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Two counties of 聊城 with a township and two villages each, from the real divisions.
pub fn test_regions() -> Vec<Region> {
    let r = |code: &str, name: &str, level: Level, parent: Option<&str>| Region {
        code: code.into(),
        name: name.into(),
        level,
        parent_code: parent.map(Into::into),
        rural_population: if level == Level::Village { 1000 } else { 0 },
    };
    vec![
        r("37", "山东省", Level::Province, None),
        r("3715", "聊城市", Level::City, Some("37")),
        r("371521", "阳谷县", Level::County, Some("3715")),
        r("371521100", "侨润街道", Level::Township, Some("371521")),
        r("371521100001", "一村", Level::Village, Some("371521100")),
        r("371521100002", "二村", Level::Village, Some("371521100")),
        r("371522", "莘县", Level::County, Some("3715")),
        r("371522100", "燕塔街道", Level::Township, Some("371522")),
        r("371522100001", "三村", Level::Village, Some("371522100")),
    ]
}

pub(crate) fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("test code")
}

pub fn official(role: Role, region: &str) -> Caller {
    Caller { username: format!("{}@{region}", role.as_str()), role, scope: Scope::region(code(region)) }
}

/// A valid household of `size` members in `village`, numbered `seq`, ids unique per `seq`.
pub fn sample_household(village: &str, seq: u32, size: usize) -> Household {
    let mut members = vec![];
    for i in 0..size {
        let birth = Date::new(1940 + (i as i32) * 7, 1 + (seq % 12), 1 + (i as u32 % 28)).expect("valid");
        let id = IdNumber::build(&village[..6], birth, seq * 10 + i as u32);
        let name = format!("张{}{}", ["一", "二", "三", "四", "五"][i % 5], seq);
        let relation = if i == 0 { Relation::Head } else { Relation::Son };
        members.push(Member { phone: "13800000000".into(), ..Member::new(i as i64 + 1, &name, id, relation) });
    }
    Household {
        id: format!("{village}{seq:04}"),
        village: code(village),
        status: Status::Poor,
        attribute: Attribute::Ordinary,
        standard: Standard::Provincial,
        main_cause: Cause::Illness,
        other_causes: vec![],
        phone: "13900000000".into(),
        bank: "农商银行".into(),
        bank_account: "6228480000000001".into(),
        planned_exit_year: Some(2017),
        registered_year: 2015,
        exited_year: None,
        monitoring: None,
        form_version: "SD-2016".into(),
        conditions: Conditions::default(),
        details: Details::default(),
        version: 1,
        members,
        incomes: vec![],
        helpers: vec![],
        measures: vec![],
    }
}

/// A file registered as already exited in `year` (transitions come only from workflows, so
/// tests that need an exited file register one).
pub fn exited_household(village: &str, seq: u32, size: usize, year: i32) -> Household {
    Household { status: Status::Exited, exited_year: Some(year), ..sample_household(village, seq, size) }
}

pub(crate) fn setup(store: &dyn Store) -> Caller {
    store.load_regions(&test_regions()).expect("regions load");
    official(Role::VillageOfficial, "371521100001")
}

/// Creating and reading a file; region figures follow.
pub fn create_and_read(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 3), "建档", "2015-12-01").unwrap();
    assert_eq!(h.version, 1);
    let back = store.household(&village, &h.id).unwrap();
    assert_eq!(back, h);
    let county = official(Role::CountyOfficial, "371521");
    let f = store.region_figures(&county, &code("3715")).err();
    assert!(matches!(f, Some(StoreError::NotFound)), "a county official cannot see the city");
    let prov = official(Role::ProvinceOfficial, "37");
    let f = store.region_figures(&prov, &code("37")).unwrap();
    assert_eq!(f.total["all"], fupin_domain::maps::rollup::Tally { households: 1, persons: 3 });
    assert_eq!(f.children.len(), 1);
    assert_eq!(f.children[0].1["status:1"].persons, 3);
    let f = store.region_figures(&prov, &code("371521100")).unwrap();
    assert_eq!(f.children.len(), 2);
    assert_eq!(f.children[0].1["registered:2015"].households, 1);
    assert!(f.children[1].1.is_empty());
}

/// Nothing outside a caller's jurisdiction is visible or changeable, and it looks absent.
pub fn jurisdiction(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let other_county = official(Role::VillageOfficial, "371522100001");
    assert!(matches!(store.household(&other_county, &h.id), Err(StoreError::NotFound)));
    assert!(matches!(store.history(&other_county, &h.id), Err(StoreError::NotFound)));
    let page = store.search_households(&official(Role::CountyOfficial, "371522"), &HouseholdQuery::default()).unwrap();
    assert_eq!(page.total, 0);
    let req = ChangeRequest {
        household_id: h.id.clone(),
        expected_version: 1,
        change: Change::AssignHelper { helper_id: "3715210001".into() },
        reason: String::new(),
        at: "2016-10-01".into(),
    };
    assert!(matches!(store.change_household(&other_county, &req), Err(StoreError::NotFound)));
    // A transition is refused even inside the jurisdiction: only workflows apply one.
    for change in [
        Change::SetStatus { status: Status::Exited, year: 2016 },
        Change::SetMonitoring { monitoring: Some(fupin_domain::registry::codes::MonitorType::Unstable) },
    ] {
        let req = ChangeRequest { change, ..req.clone() };
        assert!(matches!(store.change_household(&village, &req), Err(StoreError::Forbidden(_))));
    }
    let after = store.household(&village, &h.id).unwrap();
    assert_eq!((after.status, after.monitoring, after.version), (Status::Poor, None, 1), "nothing applied");
    let r = store.create_household(&other_county, sample_household("371521100001", 2, 2), "", "2016-01-01");
    assert!(matches!(r, Err(StoreError::NotFound)));
    assert!(matches!(store.household(&official(Role::Donor, "37"), &h.id), Err(StoreError::Forbidden(_))));
    assert!(matches!(store.change_household(&official(Role::CountyOfficial, "371521"), &req), Err(StoreError::Forbidden(_))));

    // A helper sees only the households paired with them.
    store.put_helper(&Helper { id: "3715210001".into(), name: "李帮扶".into(), unit: "县农业局".into(), phone: String::new() }).unwrap();
    let h2 = store.create_household(&village, sample_household("371521100001", 2, 2), "建档", "2015-12-01").unwrap();
    let assign = ChangeRequest {
        household_id: h2.id.clone(),
        expected_version: 1,
        change: Change::AssignHelper { helper_id: "3715210001".into() },
        reason: "结对".into(),
        at: "2016-01-05".into(),
    };
    store.change_household(&village, &assign).unwrap();
    let helper = Caller {
        username: "helper".into(),
        role: Role::Helper,
        scope: Scope { region: code("371521"), helper_id: Some("3715210001".into()) },
    };
    let page = store.search_households(&helper, &HouseholdQuery::default()).unwrap();
    assert_eq!(page.items.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), vec![h2.id.clone()]);
    assert!(matches!(store.household(&helper, &h.id), Err(StoreError::NotFound)));
    assert!(store.household(&helper, &h2.id).is_ok());
}

/// Stale versions conflict; two simultaneous edits of one version: exactly one wins.
pub fn optimistic_versioning(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let edit = |v: i64, phone: &str| {
        let mut fields = HouseholdFields::of(&h);
        fields.phone = phone.into();
        ChangeRequest {
            household_id: h.id.clone(),
            expected_version: v,
            change: Change::EditFields { fields },
            reason: String::new(),
            at: "2016-02-01".into(),
        }
    };
    let threads: Vec<_> = ["13811111111", "13822222222"]
        .into_iter()
        .map(|p| {
            let (s, c, r) = (store.clone(), village.clone(), edit(1, p));
            std::thread::spawn(move || s.change_household(&c, &r))
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(StoreError::Conflict { current: 2 }))));
    assert!(matches!(store.change_household(&village, &edit(1, "13833333333")), Err(StoreError::Conflict { .. })));
    let now = store.household(&village, &h.id).unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(store.history(&village, &h.id).unwrap().len(), 2);
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// Bad input changes nothing: not the file, not the ledger, not the rollups.
pub fn bad_input_applies_nothing(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let a = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let b = store.create_household(&village, sample_household("371521100001", 2, 2), "建档", "2015-12-01").unwrap();
    let before_rollups = store.rollup_table().unwrap();
    let before_events = store.verify_ledger().unwrap().events;
    // b's member would carry a's head's ID number.
    let mut m = b.members[1].clone();
    m.id_number = a.members[0].id_number.clone();
    m.sex = a.members[0].sex;
    let req = ChangeRequest {
        household_id: b.id.clone(),
        expected_version: 1,
        change: Change::PutMember { member: m },
        reason: String::new(),
        at: "2016-03-01".into(),
    };
    match store.change_household(&village, &req) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, "member.id_elsewhere"),
        other => panic!("expected member.id_elsewhere, got {other:?}"),
    }
    let dup = sample_household("371521100001", 1, 2);
    assert!(matches!(store.create_household(&village, dup, "", "2016-01-01"), Err(StoreError::Invalid(_))));
    let mut unknown = sample_household("371521100009", 9, 2);
    unknown.id = "3715211000099999".into();
    let ghost = official(Role::VillageOfficial, "371521100009");
    match store.create_household(&ghost, unknown, "", "2016-01-01") {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, "region.unknown"),
        other => panic!("expected region.unknown, got {other:?}"),
    }
    assert_eq!(store.household(&village, &b.id).unwrap(), b);
    assert_eq!(store.rollup_table().unwrap(), before_rollups);
    assert_eq!(store.verify_ledger().unwrap().events, before_events);
}

/// Any edit of a stored event is found, and the report names it.
pub fn ledger_tamper_is_detected(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    for (i, y) in [2016, 2017].into_iter().enumerate() {
        let income = Income { year: y, wage: Yuan::from_yuan(4000), ..Income::default() };
        let req = ChangeRequest {
            household_id: h.id.clone(),
            expected_version: 1 + i as i64,
            change: Change::SetIncome { income },
            reason: String::new(),
            at: format!("{y}-12-01"),
        };
        store.change_household(&village, &req).unwrap();
    }
    let ok = store.verify_ledger().unwrap();
    assert_eq!((ok.chains, ok.events, ok.broken.clone()), (1, 3, None));
    store.exec_raw("UPDATE ledger SET payload = replace(payload, '400000', '900000') WHERE seq = 2").unwrap();
    let bad = store.verify_ledger().unwrap();
    let (county, seq, _) = bad.broken.expect("tampering found");
    assert_eq!((county.as_str(), seq), ("371521", 2));
}

/// After a random sequence of commands the maintained rollups equal a full recount.
pub fn rollups_equal_recount(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let other = official(Role::VillageOfficial, "371522100001");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    store.put_helper(&Helper { id: "3715210001".into(), name: "王".into(), unit: "单位".into(), phone: String::new() }).unwrap();
    let villages = [("371521100001", &village), ("371522100001", &other)];
    let mut ids = vec![];
    for seq in 1..=12u32 {
        let (v, who) = villages[seq as usize % 2];
        let mut h = sample_household(v, seq, 1 + seq as usize % 4);
        h.main_cause = Cause::ALL[seq as usize % Cause::ALL.len()];
        // Every status, with the flows registration records for it.
        h.status = Status::ALL[seq as usize % Status::ALL.len()];
        h.exited_year = matches!(h.status, Status::Exited | Status::ExitedNoPolicy).then_some(2016);
        let h = store.create_household(who, h, "建档", "2015-12-01").unwrap();
        ids.push((h.id, (*who).clone()));
    }
    let mut applied = 0;
    for step in 0..80 {
        let (id, who) = &ids[rng.random_range(0..ids.len())];
        let h = store.household(who, id).unwrap();
        let change = match rng.random_range(0..6) {
            0 => Change::SetIncome {
                income: Income { year: 2016, wage: Yuan::from_yuan(rng.random_range(0..20_000)), ..Default::default() },
            },
            1 => {
                let mut f = HouseholdFields::of(&h);
                f.attribute = Attribute::ALL[rng.random_range(0..Attribute::ALL.len())];
                f.main_cause = Cause::ALL[rng.random_range(0..Cause::ALL.len())];
                f.other_causes.clear();
                Change::EditFields { fields: f }
            }
            2 => Change::AddMeasure {
                measure: Measure {
                    no: 100 + step,
                    path: Path::ALL[rng.random_range(0..Path::ALL.len())],
                    name: "产业扶持".into(),
                    amount: Yuan::from_yuan(rng.random_range(0..5000)),
                    unit: "县扶贫办".into(),
                    year: 2016,
                },
            },
            3 => match h.measures.first() {
                Some(m) => Change::RemoveMeasure { no: m.no },
                None => continue,
            },
            4 => match h.active_members().find(|m| m.relation != Relation::Head) {
                Some(m) => Change::MemberLeft { no: m.no, change: MemberChange::Death, date: "2016-06-01".into() },
                None => continue,
            },
            _ if h.village.as_str().starts_with("371521") && h.helpers.is_empty() => {
                Change::AssignHelper { helper_id: "3715210001".into() }
            }
            _ => match h.helpers.first() {
                Some(x) => Change::UnassignHelper { helper_id: x.id.clone() },
                None => continue,
            },
        };
        let req =
            ChangeRequest {
                household_id: id.clone(), expected_version: h.version, change, reason: "随机".into(), at: "2016-08-01".into()
            };
        match store.change_household(who, &req) {
            Ok(_) => applied += 1,
            Err(StoreError::Invalid(_)) => {}
            Err(e) => panic!("step {step}: {e:?}"),
        }
    }
    // A change that made every command invalid would leave the rollups trivially equal.
    assert!(applied >= 40, "only {applied} of the random commands were applied");
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    let prov = store.region_figures(&official(Role::ProvinceOfficial, "37"), &code("37")).unwrap();
    let city = store.region_figures(&official(Role::ProvinceOfficial, "37"), &code("3715")).unwrap();
    let sum: i64 = city.children.iter().map(|(_, f)| f.get("all").map_or(0, |t| t.persons)).sum();
    assert_eq!(prov.total["all"].persons, sum);
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// Search by name, ID number and filters, with paging.
pub fn search(store: Arc<dyn Store>) {
    let village = setup(&*store);
    for seq in 1..=25u32 {
        let mut h = sample_household(if seq % 5 == 0 { "371521100002" } else { "371521100001" }, seq, 2);
        if seq % 3 == 0 {
            h.status = Status::Exited;
        }
        let who = official(Role::VillageOfficial, &h.village.to_string());
        store.create_household(&who, h, "建档", "2015-12-01").unwrap();
    }
    let county = official(Role::CountyOfficial, "371521");
    let all = store.search_households(&county, &HouseholdQuery { per_page: 10, ..Default::default() }).unwrap();
    assert_eq!((all.total, all.items.len()), (25, 10));
    let p3 = store.search_households(&county, &HouseholdQuery { per_page: 10, page: 3, ..Default::default() }).unwrap();
    assert_eq!(p3.items.len(), 5);
    let exited =
        store.search_households(&county, &HouseholdQuery { status: Some(Status::Exited), per_page: 50, ..Default::default() }).unwrap();
    assert_eq!(exited.total, 8);
    let by_name =
        store.search_households(&county, &HouseholdQuery { q: Some("张一7".into()), per_page: 10, ..Default::default() }).unwrap();
    assert_eq!(by_name.items.len(), 1);
    assert_eq!(by_name.items[0].head_name, "张一7");
    assert_eq!(by_name.items[0].village_name, "一村");
    let h = store.household(&village, "3715211000010007").unwrap();
    let by_id = store
        .search_households(&county, &HouseholdQuery { q: Some(h.members[1].id_number.to_string()), per_page: 10, ..Default::default() })
        .unwrap();
    assert_eq!(by_id.items[0].id, "3715211000010007");
    let v2 = store
        .search_households(&county, &HouseholdQuery { region: Some(code("371521100002")), per_page: 50, ..Default::default() })
        .unwrap();
    assert_eq!(v2.total, 5);
    assert!(matches!(
        store.search_households(&county, &HouseholdQuery { region: Some(code("371522")), ..Default::default() }),
        Err(StoreError::NotFound)
    ));
}

/// Users and sessions round-trip; expired sessions are gone.
pub fn users_and_sessions(store: Arc<dyn Store>) {
    setup(&*store);
    let u = UserRecord {
        username: "yanggu".into(),
        display_name: "阳谷县扶贫办".into(),
        role: Role::CountyOfficial,
        region: code("371521"),
        helper_id: None,
        password_hash: "$argon2id$x".into(),
    };
    store.put_user(&u).unwrap();
    assert_eq!(store.user("yanggu").unwrap().unwrap().region, code("371521"));
    assert!(store.user("nobody").unwrap().is_none());
    store.create_session("t1", &SessionRecord { username: "yanggu".into(), csrf_token: "c".into(), expires_at: 100 }).unwrap();
    assert!(store.session("t1", 50).unwrap().is_some());
    assert!(store.session("t1", 150).unwrap().is_none());
    store.delete_session("t1").unwrap();
    assert!(store.session("t1", 50).unwrap().is_none());
    // Saving the user unchanged keeps their sessions; a new password ends them.
    store.create_session("t2", &SessionRecord { username: "yanggu".into(), csrf_token: "c".into(), expires_at: 100 }).unwrap();
    store.put_user(&UserRecord { display_name: "阳谷县扶贫开发办公室".into(), ..u.clone() }).unwrap();
    assert!(store.session("t2", 50).unwrap().is_some());
    store.put_user(&UserRecord { password_hash: "$argon2id$y".into(), ..u.clone() }).unwrap();
    assert!(store.session("t2", 50).unwrap().is_none(), "a changed password ends the sessions");
    let _ = rand::rng().random::<u8>();
}

/// A helper takes at most the configured number of households.
pub fn helper_cap(store: Arc<dyn Store>) {
    let village = setup(&*store);
    store.put_helper(&Helper { id: "371521000001".into(), name: "赵帮扶".into(), unit: "镇政府".into(), phone: String::new() }).unwrap();
    let cap = store.rules().helper_household_cap;
    for seq in 1..=(cap as u32 + 1) {
        let h = store.create_household(&village, sample_household("371521100001", seq, 1), "建档", "2015-12-01").unwrap();
        let req = ChangeRequest {
            household_id: h.id.clone(),
            expected_version: 1,
            change: Change::AssignHelper { helper_id: "371521000001".into() },
            reason: "结对".into(),
            at: "2016-01-01".into(),
        };
        let r = store.change_household(&village, &req);
        if seq as i64 <= cap {
            r.unwrap();
        } else {
            match r {
                Err(StoreError::Invalid(e)) => assert_eq!(e.code, "helper.cap"),
                other => panic!("expected helper.cap, got {other:?}"),
            }
        }
    }
    let unknown = ChangeRequest {
        household_id: "3715211000010001".into(),
        expected_version: 2,
        change: Change::AssignHelper { helper_id: "nobody".into() },
        reason: String::new(),
        at: "2016-01-01".into(),
    };
    match store.change_household(&village, &unknown) {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, "helper.not_found"),
        other => panic!("expected helper.not_found, got {other:?}"),
    }
}

// ---- Lifecycle workflows -------------------------------------------------------------------

use crate::registry::cases::Decision;
use fupin_domain::registry::lifecycle::{CaseKind, CaseState};

fn approve() -> Decision {
    Decision::Approve { note: "同意".into() }
}

/// A registered household that meets every exit standard for 2017.
fn exit_ready(store: &dyn Store, village: &Caller, seq: u32) -> Household {
    let h = store.create_household(village, sample_household("371521100001", seq, 2), "建档", "2015-12-01").unwrap();
    let mut fields = HouseholdFields::of(&h);
    fields.conditions = Conditions::all_met();
    let h = store
        .change_household(
            village,
            &ChangeRequest {
                household_id: h.id.clone(),
                expected_version: 1,
                change: Change::EditFields { fields },
                reason: String::new(),
                at: "2017-06-01".into(),
            },
        )
        .unwrap();
    let income = Income { year: 2017, wage: Yuan::from_yuan(12_000), ..Income::default() };
    store
        .change_household(
            village,
            &ChangeRequest {
                household_id: h.id.clone(),
                expected_version: 2,
                change: Change::SetIncome { income },
                reason: String::new(),
                at: "2017-06-02".into(),
            },
        )
        .unwrap()
}

/// Exit: refused with the unmet items (nothing recorded); then proposal → village steps →
/// notice with an objection lodged and dismissed → county announcement → exited.
pub fn exit_workflow(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let events = store.verify_ledger().unwrap().events;
    match store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01") {
        Err(StoreError::Unmet(items)) => {
            assert!(items.iter().any(|i| i.contains("缺少2017年度收入")), "{items:?}");
            assert!(items.iter().any(|i| i.contains("住房安全")), "{items:?}");
        }
        other => panic!("expected Unmet, got {other:?}"),
    }
    assert_eq!(store.verify_ledger().unwrap().events, events, "a refused proposal records nothing");
    assert!(store.cases(&village, &code("371521100001"), false).unwrap().is_empty());

    let h = exit_ready(&*store, &village, 2);
    let mut case = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01").unwrap();
    assert!(
        matches!(store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01"), Err(StoreError::Invalid(e)) if e.code == "case.already_open")
    );
    assert!(
        matches!(store.advance_case(&township, &case.id, case.version, &approve(), "2017-07-02"), Err(StoreError::Invalid(e)) if e.code == "case.wrong_level")
    );
    let stranger = official(Role::VillageOfficial, "371522100001");
    assert!(matches!(store.advance_case(&stranger, &case.id, case.version, &approve(), "2017-07-02"), Err(StoreError::NotFound)));
    for _ in 0..4 {
        case = store.advance_case(&village, &case.id, case.version, &approve(), "2017-07-02").unwrap();
    }
    assert_eq!((case.state, case.notice_until.as_deref()), (CaseState::Notice, Some("2017-07-09")));
    assert!(
        matches!(store.advance_case(&county, &case.id, case.version, &approve(), "2017-07-05"), Err(StoreError::Invalid(e)) if e.code == "case.notice_running")
    );
    let o = store.lodge_objection(&case.id, "该户儿子在城里有房有车", "", "2017-07-04").unwrap();
    assert_eq!(o.id, format!("{}-O1", case.id));
    case = store.case(&county, &case.id).unwrap();
    assert_eq!(case.state, CaseState::Paused);
    assert!(
        matches!(store.advance_case(&county, &case.id, case.version, &approve(), "2017-07-10"), Err(StoreError::Invalid(e)) if e.code == "case.objection_open")
    );
    assert!(matches!(store.resolve_objection(&county, &o.id, false, "经核实不属实", "2017-07-05"), Err(StoreError::Forbidden(_))));
    case = store.resolve_objection(&township, &o.id, false, "经核实，其子已分户，不影响本户", "2017-07-05").unwrap();
    assert_eq!(case.state, CaseState::Notice);
    let notices = store.public_notices(&code("371521100"), "2017-07-06").unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!((notices[0].head_name.as_str(), notices[0].size), (h.head().unwrap().name.as_str(), 2));
    case = store.advance_case(&county, &case.id, case.version, &approve(), "2017-07-10").unwrap();
    assert_eq!(case.state, CaseState::Done);
    let after = store.household(&village, &h.id).unwrap();
    assert_eq!((after.status, after.exited_year), (Status::Exited, Some(2017)));
    let f = store.region_figures(&county, &code("371521100001")).unwrap();
    assert_eq!(f.total["exited:2017"].households, 1);
    assert!(
        matches!(store.lodge_objection(&case.id, "晚了", "", "2017-07-11"), Err(StoreError::Invalid(e)) if e.code == "objection.not_in_notice")
    );
    let history = store.history(&village, &h.id).unwrap();
    assert!(history.iter().any(|e| e.kind == "case.objection.lodged"));
    assert!(history.iter().any(|e| e.kind == "case.exit.announce"));
    assert_eq!(history.last().unwrap().kind, "set_status");
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// Identification: two notices, one announcement, then the file exists and is counted.
pub fn identification_workflow(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let file = sample_household("371521100001", 7, 3);
    let mut case = store.open_case(&village, CaseKind::Identification, None, Some(file.clone()), "申请", "2017-03-01").unwrap();
    assert_eq!(case.household_id, "3715211000010002", "the next free file number");
    assert!(matches!(store.household(&village, &case.household_id), Err(StoreError::NotFound)), "no file before the announcement");
    let steps: [(&Caller, &str); 7] = [
        (&village, "2017-03-02"),
        (&village, "2017-03-03"),
        (&village, "2017-03-04"),
        (&township, "2017-03-11"),
        (&township, "2017-03-12"),
        (&county, "2017-03-19"),
        (&village, "2017-03-20"),
    ];
    for (who, day) in steps {
        case = store.advance_case(who, &case.id, case.version, &approve(), day).unwrap_or_else(|e| panic!("{} on {day}: {e:?}", case.id));
    }
    assert_eq!(case.state, CaseState::Done);
    let h = store.household(&village, &case.household_id).unwrap();
    assert_eq!((h.status, h.registered_year, h.size()), (Status::Poor, 2017, 3));
    let f = store.region_figures(&county, &code("371521100001")).unwrap();
    assert_eq!(f.total["registered:2017"].persons, 3);
    // An applicant already in another file is refused at once.
    let dup = sample_household("371521100001", 7, 3);
    assert!(
        matches!(store.open_case(&village, CaseKind::Identification, None, Some(dup), "", "2017-04-01"), Err(StoreError::Invalid(e)) if e.code == "member.id_elsewhere")
    );
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
}

/// Two officials doing the same step at once: exactly one succeeds.
pub fn concurrent_step(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = exit_ready(&*store, &village, 1);
    let case = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01").unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (s, c, id, v) = (store.clone(), village.clone(), case.id.clone(), case.version);
            std::thread::spawn(move || s.advance_case(&c, &id, v, &approve(), "2017-07-02"))
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert_eq!(store.case(&village, &case.id).unwrap().next_step, 1);
}

/// A helper's case list holds the cases of the households paired with them, chosen in SQL.
/// Two files of the test village, the first paired with helper 3715210009 (李帮扶), the second not.
pub(crate) fn one_paired_one_not(store: &dyn Store, village: &Caller) -> (Household, Household) {
    store.put_helper(&Helper { id: "3715210009".into(), name: "李帮扶".into(), unit: "县直单位".into(), phone: String::new() }).unwrap();
    let mine = store.create_household(village, sample_household("371521100001", 1, 1), "建档", "2016-01-01").unwrap();
    let other = store.create_household(village, sample_household("371521100001", 2, 1), "建档", "2016-01-01").unwrap();
    let req = ChangeRequest {
        household_id: mine.id.clone(),
        expected_version: mine.version,
        change: Change::AssignHelper { helper_id: "3715210009".into() },
        reason: "结对".into(),
        at: "2016-02-01".into(),
    };
    let mine = store.change_household(village, &req).unwrap();
    (mine, other)
}

pub fn a_helper_lists_only_their_households_cases(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let (mine, other) = one_paired_one_not(&*store, &village);
    for h in [&mine, &other] {
        store.open_case(&village, CaseKind::Removal, Some(&h.id), None, "不符合识别标准", "2017-01-02").unwrap();
    }
    let helper =
        Caller { username: "li".into(), role: Role::Helper, scope: Scope { region: code("371521"), helper_id: Some("3715210009".into()) } };
    let listed = store.cases(&helper, &code("371521"), false).unwrap();
    assert_eq!(listed.iter().map(|c| c.household_id.as_str()).collect::<Vec<_>>(), vec![mine.id.as_str()]);
    assert_eq!(store.cases(&village, &code("371521100001"), false).unwrap().len(), 2);
}

/// 走访记录: the paired helper and the village official record visits; another helper, a county
/// official and a bad date are refused; the list says who is due first; each visit is on the
/// chain.
pub fn visits_are_recorded_by_the_paired_helper(store: Arc<dyn Store>) {
    use fupin_domain::registry::visit::VisitReport;
    let village = setup(&*store);
    let (mine, other) = one_paired_one_not(&*store, &village);
    let helper =
        Caller { username: "li".into(), role: Role::Helper, scope: Scope { region: code("371521"), helper_id: Some("3715210009".into()) } };
    let today = Date::new(2017, 6, 30).unwrap();
    let report =
        |on: &str, found: &str| VisitReport {
            visited_on: Date::parse(on).unwrap(), found: found.into(), done: "讲解雨露计划政策".into()
        };
    let v = store.record_visit(&helper, &mine.id, &report("2017-05-02", "户主慢性病，药费负担重"), today, "2017-05-02").unwrap();
    assert_eq!((v.no, v.visitor.as_str()), (1, "li"));
    store.record_visit(&village, &mine.id, &report("2017-06-20", "孩子暑期在家"), today, "2017-06-20").unwrap();
    assert!(
        matches!(store.record_visit(&helper, &other.id, &report("2017-06-01", "x"), today, "2017-06-01"), Err(StoreError::NotFound)),
        "not paired"
    );
    assert!(matches!(
        store.record_visit(&official(Role::CountyOfficial, "371521"), &mine.id, &report("2017-06-01", "x"), today, "2017-06-01"),
        Err(StoreError::Forbidden(_))
    ));
    assert!(
        matches!(store.record_visit(&helper, &mine.id, &report("2017-07-02", "x"), today, "2017-06-30"), Err(StoreError::Invalid(e)) if e.code == "visit.visited_on")
    );
    let listed = store.visits(&official(Role::CountyOfficial, "371521"), &mine.id).unwrap();
    assert_eq!(listed.iter().map(|v| v.no).collect::<Vec<_>>(), [2, 1], "newest first");
    assert!(matches!(store.visits(&official(Role::CountyOfficial, "371522"), &mine.id), Err(StoreError::NotFound)));
    // The helper's list: their one household, with its last visit; the village's: both, the
    // never-visited first.
    let mine_status = store.visit_status(&helper).unwrap();
    assert_eq!(
        mine_status.iter().map(|s| (s.household_id.as_str(), s.last_visit)).collect::<Vec<_>>(),
        [(mine.id.as_str(), Date::new(2017, 6, 20))]
    );
    let all = store.visit_status(&village).unwrap();
    assert_eq!(all.iter().map(|s| s.household_id.as_str()).collect::<Vec<_>>(), [other.id.as_str(), mine.id.as_str()]);
    assert!(store.history(&village, &mine.id).unwrap().iter().filter(|e| e.kind == "visit").count() == 2);
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// Numbers handed out as "the next one" (a village's file numbers, a case's objection numbers)
/// never collide when requests arrive together: every request succeeds with its own number.
pub fn concurrent_numbers_never_collide(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let threads: Vec<_> = (0..6u32)
        .map(|i| {
            let (s, c) = (store.clone(), village.clone());
            std::thread::spawn(move || s.record_household(&c, sample_household("371521100001", 50 + i, 1), "入户排查", "2017-07-01"))
        })
        .collect();
    let mut ids: Vec<String> = threads.into_iter().map(|t| t.join().unwrap().expect("every recording succeeds").id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6, "{ids:?}");
    let h = exit_ready(&*store, &village, 60);
    let mut case = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01").unwrap();
    for _ in 0..4 {
        case = store.advance_case(&village, &case.id, case.version, &approve(), "2017-07-01").unwrap();
    }
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let (s, id) = (store.clone(), case.id.clone());
            std::thread::spawn(move || s.lodge_objection(&id, &format!("异议{i}"), "", "2017-07-02"))
        })
        .collect();
    let mut numbers: Vec<String> = threads.into_iter().map(|t| t.join().unwrap().expect("every objection is taken").id).collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 6, "{numbers:?}");
    assert_eq!(store.case(&village, &case.id).unwrap().objections.len(), 6);
}

/// Return to poverty and removal, and a rejected step closing a case.
pub fn return_removal_and_rejection(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    let h = exit_ready(&*store, &village, 1);
    assert!(
        matches!(store.open_case(&village, CaseKind::Return, Some(&h.id), None, "因病", "2017-07-01"), Err(StoreError::Invalid(e)) if e.code == "case.status")
    );
    let mut exit = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01").unwrap();
    exit = store.advance_case(&village, &exit.id, exit.version, &Decision::Reject { reason: "评议未通过".into() }, "2017-07-02").unwrap();
    assert_eq!(exit.state, CaseState::Rejected);
    assert!(
        matches!(store.advance_case(&village, &exit.id, exit.version, &approve(), "2017-07-03"), Err(StoreError::Invalid(e)) if e.code == "case.closed")
    );
    let mut exit = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-03").unwrap();
    for day in ["2017-07-03", "2017-07-03", "2017-07-03", "2017-07-03"] {
        exit = store.advance_case(&village, &exit.id, exit.version, &approve(), day).unwrap();
    }
    store.advance_case(&county, &exit.id, exit.version, &approve(), "2017-07-10").unwrap();
    assert!(
        matches!(store.open_case(&village, CaseKind::Return, Some(&h.id), None, "", "2017-09-01"), Err(StoreError::Invalid(e)) if e.code == "case.reason")
    );
    let mut back = store.open_case(&village, CaseKind::Return, Some(&h.id), None, "户主患大病，医疗支出大", "2017-09-01").unwrap();
    for (who, day) in [(&village, "2017-09-02"), (&village, "2017-09-03"), (&township, "2017-09-10"), (&county, "2017-09-11")] {
        back = store.advance_case(who, &back.id, back.version, &approve(), day).unwrap();
    }
    assert_eq!(store.household(&village, &h.id).unwrap().status, Status::Returned);
    let other = store.create_household(&village, sample_household("371521100001", 9, 1), "建档", "2015-12-01").unwrap();
    let mut rm = store.open_case(&village, CaseKind::Removal, Some(&other.id), None, "家有公职人员，不符合识别标准", "2017-09-01").unwrap();
    rm = store.advance_case(&township, &rm.id, rm.version, &approve(), "2017-09-02").unwrap();
    // An upheld objection is not possible here (no notice); the county approves.
    store.advance_case(&county, &rm.id, rm.version, &approve(), "2017-09-03").unwrap();
    assert_eq!(store.household(&village, &other.id).unwrap().status, Status::Removed);
    let f = store.region_figures(&county, &code("371521")).unwrap();
    assert_eq!((f.total["returned:2017"].households, f.total["removed:2017"].households), (1, 1));
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// An upheld objection ends the case; the household stays as it was.
pub fn upheld_objection_rejects(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let h = exit_ready(&*store, &village, 1);
    let mut case = store.open_case(&village, CaseKind::Exit, Some(&h.id), None, "", "2017-07-01").unwrap();
    for _ in 0..4 {
        case = store.advance_case(&village, &case.id, case.version, &approve(), "2017-07-01").unwrap();
    }
    let o = store.lodge_objection(&case.id, "收入是借款，不稳定", "13800000000", "2017-07-02").unwrap();
    case = store.resolve_objection(&township, &o.id, true, "经核实属实，退回", "2017-07-03").unwrap();
    assert_eq!(case.state, CaseState::Rejected);
    assert_eq!(store.household(&village, &h.id).unwrap().status, Status::Poor);
    assert!(
        matches!(store.resolve_objection(&township, &o.id, false, "再议", "2017-07-04"), Err(StoreError::Invalid(e)) if e.code == "objection.resolved")
    );
}

/// 数据核查 finds each planted contradiction, and only those.
pub fn data_checks(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let today = Date::new(2017, 6, 30).unwrap();
    // A sick member recorded as able to work, and a 10-year-old not in school.
    let mut a = sample_household("371521100001", 1, 3);
    a.members[1].health = Health::Serious;
    a.members[2].id_number = IdNumber::build("371521", Date::new(2007, 3, 3).unwrap(), 512);
    a.members[2].sex = if a.members[2].id_number.is_male() { Sex::Male } else { Sex::Female };
    a.members[2].relation = Relation::Grandson;
    a.members[2].birth_date = Some(Date::new(2007, 3, 3).unwrap());
    let a = store.create_household(&village, a, "建档", "2017-05-01").unwrap();
    // The same person (name and birth date) in a second file under another number.
    let mut b = sample_household("371521100001", 2, 1);
    let twin = &a.members[0];
    b.members[0].name = twin.name.clone();
    b.members[0].id_number = IdNumber::build("371521", twin.id_number.birth_date(), 777);
    b.members[0].sex = if b.members[0].id_number.is_male() { Sex::Male } else { Sex::Female };
    b.members[0].birth_date = None;
    let b = store.create_household(&village, b, "建档", "2017-05-01").unwrap();
    // A file nobody touched since 2015, and one exited without that year's income.
    let stale = store.create_household(&village, sample_household("371521100001", 3, 1), "建档", "2015-12-01").unwrap();
    let mut c = exited_household("371521100001", 4, 1, 2016);
    c.members[0].birth_date = Some(Date::new(1931, 1, 1).unwrap());
    let c = store.create_household(&village, c, "建档", "2017-05-01").unwrap();
    // The same name and birth date in another county is taken for another person.
    let mut d = sample_household("371522100001", 1, 1);
    d.members[0].name = twin.name.clone();
    d.members[0].id_number = IdNumber::build("371522", twin.id_number.birth_date(), 778);
    d.members[0].sex = if d.members[0].id_number.is_male() { Sex::Male } else { Sex::Female };
    d.members[0].birth_date = None;
    store.create_household(&official(Role::VillageOfficial, "371522100001"), d, "建档", "2017-05-01").unwrap();
    let province = store.data_checks(&official(Role::ProvinceOfficial, "37"), &code("37"), today).unwrap();
    assert_eq!(province.counts["person_in_two_households"].1, 2, "only the pair within one county");
    let report = store.data_checks(&official(Role::CountyOfficial, "371521"), &code("371521"), today).unwrap();
    let count = |k: &str| report.counts[k].1;
    assert_eq!(count("ill_but_labour"), 1);
    assert_eq!(count("school_age_out_of_school"), 1);
    assert_eq!(count("person_in_two_households"), 2, "both files are named");
    assert_eq!(count("stale"), 1);
    assert_eq!(count("exited_without_income"), 1);
    assert_eq!(count("birth_date_mismatch"), 1);
    assert_eq!((count("id_in_two_files"), count("no_head")), (0, 0));
    let ids: Vec<&str> = report.findings.iter().map(|f| f.household_id.as_str()).collect();
    for h in [&a.id, &b.id, &stale.id, &c.id] {
        assert!(ids.contains(&h.as_str()), "{h} is named");
    }
    assert!(matches!(store.data_checks(&official(Role::CountyOfficial, "371522"), &code("371521"), today), Err(StoreError::NotFound)));
    let other = store.data_checks(&official(Role::CountyOfficial, "371522"), &code("371522"), today).unwrap();
    assert!(other.findings.iter().all(|f| f.kind != "person_in_two_households"), "{:?}", other.findings);
}

/// 防返贫监测: check → review → a notice of at least 5 days → county decision within 15 days;
/// then the risk is cleared. Rollups follow both.
pub fn monitoring_workflow(store: Arc<dyn Store>) {
    use fupin_domain::registry::codes::MonitorType;
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    let h = store.create_household(&village, exited_household("371521100001", 1, 2, 2016), "建档", "2015-12-01").unwrap();
    assert!(
        matches!(store.open_monitoring(&village, &h.id, MonitorType::Unstable, "", "2017-07-01"), Err(StoreError::Invalid(e)) if e.code == "case.reason")
    );
    assert!(matches!(
        store.open_monitoring(&county, &h.id, MonitorType::Unstable, "收入骤降", "2017-07-01"),
        Err(StoreError::Forbidden(_))
    ));
    let mut case = store.open_monitoring(&village, &h.id, MonitorType::Unstable, "户主务工受伤，收入骤降", "2017-07-01").unwrap();
    assert_eq!((case.deadline.as_deref(), case.monitor_type), (Some("2017-07-16"), Some(MonitorType::Unstable)));
    assert!(!case.overdue("2017-07-16") && case.overdue("2017-07-17"));
    case = store.advance_case(&village, &case.id, case.version, &approve(), "2017-07-02").unwrap();
    case = store.advance_case(&township, &case.id, case.version, &approve(), "2017-07-03").unwrap();
    case = store.advance_case(&village, &case.id, case.version, &approve(), "2017-07-04").unwrap();
    assert_eq!(case.notice_until.as_deref(), Some("2017-07-09"), "a notice of 5 days");
    assert!(
        matches!(store.advance_case(&county, &case.id, case.version, &approve(), "2017-07-08"), Err(StoreError::Invalid(e)) if e.code == "case.notice_running")
    );
    case = store.advance_case(&county, &case.id, case.version, &approve(), "2017-07-09").unwrap();
    assert_eq!(case.state, CaseState::Done);
    let after = store.household(&village, &h.id).unwrap();
    assert_eq!((after.monitoring, after.status), (Some(MonitorType::Unstable), Status::Exited));
    let f = store.region_figures(&county, &code("371521")).unwrap();
    assert_eq!(f.total["monitored:1"].households, 1);
    assert!(
        matches!(store.open_monitoring(&village, &h.id, MonitorType::Sudden, "再次", "2017-08-01"), Err(StoreError::Invalid(e)) if e.code == "case.status")
    );
    let mut clear = store.open_case(&village, CaseKind::MonitoringClear, Some(&h.id), None, "务工恢复，收入稳定", "2017-10-01").unwrap();
    clear = store.advance_case(&village, &clear.id, clear.version, &approve(), "2017-10-02").unwrap();
    store.advance_case(&county, &clear.id, clear.version, &approve(), "2017-10-03").unwrap();
    assert_eq!(store.household(&village, &h.id).unwrap().monitoring, None);
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// 迁移 across counties: the source township and county release it, the target county accepts;
/// the file continues there under a new number with its whole history, the old file stays as
/// 已迁出 and counts nowhere, the members can be registered only once, rollups stay exact.
pub fn transfer_workflow(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    let target_county = official(Role::CountyOfficial, "371522");
    let target_village = official(Role::VillageOfficial, "371522100001");
    let h = store.create_household(&village, sample_household("371521100001", 1, 3), "建档", "2015-12-01").unwrap();
    let to = code("371522100001");
    assert!(matches!(store.open_transfer(&village, &h.id, &to, " ", "2017-03-01"), Err(StoreError::Invalid(e)) if e.code == "case.reason"));
    assert!(matches!(
        store.open_transfer(&village, &h.id, &code("371521100001"), "搬迁", "2017-03-01"),
        Err(StoreError::Invalid(e)) if e.code == "case.target"
    ));
    assert!(matches!(
        store.open_transfer(&village, &h.id, &code("371522100009"), "搬迁", "2017-03-01"),
        Err(StoreError::Invalid(e)) if e.code == "region.unknown"
    ));
    assert!(matches!(store.open_transfer(&target_village, &h.id, &to, "搬迁", "2017-03-01"), Err(StoreError::NotFound)));
    let mut case = store.open_transfer(&village, &h.id, &to, "随子女易地搬迁至莘县", "2017-03-01").unwrap();
    assert_eq!(case.target_village.as_deref(), Some("371522100001"));
    // The target county sees the incoming case but may not do the source's steps.
    assert!(store.cases(&target_county, &code("371522"), true).unwrap().iter().any(|c| c.id == case.id));
    case = store.advance_case(&township, &case.id, case.version, &approve(), "2017-03-02").unwrap();
    assert!(matches!(store.advance_case(&target_county, &case.id, case.version, &approve(), "2017-03-03"), Err(StoreError::Forbidden(_))));
    case = store.advance_case(&county, &case.id, case.version, &approve(), "2017-03-03").unwrap();
    assert!(matches!(store.advance_case(&county, &case.id, case.version, &approve(), "2017-03-04"), Err(StoreError::Forbidden(_))));
    case = store.advance_case(&target_county, &case.id, case.version, &approve(), "2017-03-04").unwrap();
    assert_eq!(case.state, CaseState::Done);
    let old = store.household(&village, &h.id).unwrap();
    assert_eq!(old.status, Status::TransferredOut);
    assert_eq!(old.members, h.members, "the old file keeps its members as they were");
    let moved = store.search_households(&target_village, &HouseholdQuery { region: Some(to.clone()), ..Default::default() }).unwrap();
    assert_eq!(moved.items.len(), 1);
    let new_id = moved.items[0].id.clone();
    assert!(new_id.starts_with("371522100001"));
    let new = store.household(&target_village, &new_id).unwrap();
    assert_eq!((new.status, new.members.clone(), new.registered_year), (Status::Poor, h.members.clone(), 2015));
    // The whole history, from the first registration, reads from the new number.
    let history = store.history(&target_village, &new_id).unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"register"));
    assert!(kinds.contains(&"set_status") && kinds.contains(&"transfer_in"), "{kinds:?}");
    assert!(matches!(store.household(&village, &new_id), Err(StoreError::NotFound)), "the old village no longer sees it");
    // Counts moved with it: nothing left in 阳谷, three people in 莘县; flows name both ends.
    let prov = official(Role::ProvinceOfficial, "37");
    let f = store.region_figures(&prov, &code("3715")).unwrap();
    let by_county: BTreeMap<String, _> = f.children.iter().map(|(r, t)| (r.code.clone(), t.clone())).collect();
    assert!(by_county["371521"].get("all").is_none_or(|t| t.households == 0));
    assert_eq!(by_county["371522"]["all"].persons, 3);
    assert_eq!(by_county["371521"]["transferred_out:2017"].households, 1);
    assert_eq!(by_county["371522"]["transferred_in:2017"].households, 1);
    // The same people cannot be registered again in the old village.
    let mut again = sample_household("371521100001", 2, 1);
    again.members[0].id_number = h.members[0].id_number.clone();
    again.members[0].sex = h.members[0].sex;
    assert!(
        matches!(store.create_household(&village, again, "建档", "2017-04-01"), Err(StoreError::Invalid(e)) if e.code == "member.id_elsewhere")
    );
    assert!(matches!(
        store.open_transfer(&village, &h.id, &to, "再迁", "2017-05-01"),
        Err(StoreError::Invalid(e)) if e.code == "case.status"
    ));
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

/// 非建档立卡户: recorded by the village for monitoring, never counted among the registered;
/// monitored after the usual steps.
pub fn recorded_household_monitoring(store: Arc<dyn Store>) {
    use fupin_domain::registry::codes::MonitorType;
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    assert!(matches!(
        store.record_household(&county, sample_household("371521100001", 1, 2), "排查", "2021-03-01"),
        Err(StoreError::Forbidden(_))
    ));
    let h = store.record_household(&village, sample_household("371521100001", 1, 2), "入户排查：户主突发重病", "2021-03-01").unwrap();
    assert_eq!((h.status, h.id.as_str()), (Status::NonPoor, "3715211000010001"));
    let f = store.region_figures(&county, &code("371521")).unwrap();
    assert!(f.total.get("all").is_none(), "not among the registered");
    assert_eq!(f.total["nonpoor"].persons, 2);
    let mut case = store.open_monitoring(&village, &h.id, MonitorType::Marginal, "人均纯收入低于1.5倍标准", "2021-03-02").unwrap();
    case = store.advance_case(&village, &case.id, case.version, &approve(), "2021-03-02").unwrap();
    case = store.advance_case(&township, &case.id, case.version, &approve(), "2021-03-03").unwrap();
    case = store.advance_case(&village, &case.id, case.version, &approve(), "2021-03-03").unwrap();
    store.advance_case(&county, &case.id, case.version, &approve(), "2021-03-08").unwrap();
    assert_eq!(store.household(&village, &h.id).unwrap().monitoring, Some(MonitorType::Marginal));
    let f = store.region_figures(&county, &code("371521")).unwrap();
    assert_eq!(f.total[&format!("monitored:{}", MonitorType::Marginal.code())].households, 1);
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    // Found poor after all: identified in place (两公示一公告) with the file it has.
    let mut id = store.open_case(&village, CaseKind::Identification, Some(&h.id), None, "", "2021-04-01").unwrap();
    for (who, day) in [
        (&village, "2021-04-01"),
        (&village, "2021-04-01"),
        (&village, "2021-04-01"),
        (&township, "2021-04-08"),
        (&township, "2021-04-08"),
        (&county, "2021-04-15"),
        (&village, "2021-04-15"),
    ] {
        id = store.advance_case(who, &id.id, id.version, &approve(), day).unwrap();
    }
    assert_eq!(id.state, CaseState::Done);
    let after = store.household(&village, &h.id).unwrap();
    assert_eq!((after.status, after.registered_year), (Status::Poor, 2021));
    let f = store.region_figures(&county, &code("371521")).unwrap();
    assert_eq!((f.total["all"].households, f.total["registered:2021"].households), (1, 1));
    assert!(f.total.get("nonpoor").is_none_or(|t| t.households == 0));
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert!(matches!(
        store.open_case(&village, CaseKind::Identification, Some(&h.id), None, "", "2021-05-01"),
        Err(StoreError::Invalid(e)) if e.code == "case.status"
    ));
}

/// The yearly update reads files lean and in parallel; its verdicts must equal judging each
/// whole file on its own.
pub fn evaluation_equals_file_by_file(store: Arc<dyn Store>) {
    use fupin_domain::registry::lifecycle::{verdict, Verdict};
    let village = setup(&*store);
    let other = official(Role::VillageOfficial, "371522100001");
    let as_of = Date::new(2017, 9, 30).unwrap();
    for seq in 1..=12u32 {
        let (who, v) = if seq % 3 == 0 { (&other, "371522100001") } else { (&village, "371521100001") };
        let mut h = sample_household(v, seq, 1 + seq as usize % 4);
        h.conditions = if seq % 2 == 0 { Conditions::all_met() } else { Conditions::default() };
        if seq % 5 == 0 {
            h.details.dangerous_house = "D".into();
        }
        h.incomes.push(fupin_domain::registry::household::Income {
            year: 2017,
            wage: Yuan::from_yuan(4000 * seq as i64),
            ..Default::default()
        });
        if seq % 4 == 1 {
            h.incomes.push(fupin_domain::registry::household::Income {
                year: 2016,
                wage: Yuan::from_yuan(50_000),
                hard_expenses: Yuan::from_yuan(1000),
                ..Default::default()
            });
            h.status = Status::Exited;
            h.exited_year = Some(2016);
        }
        store.create_household(who, h, "建档", "2016-12-01").unwrap();
    }
    let prov = official(Role::ProvinceOfficial, "37");
    let e = store.yearly_update(&prov, &code("37"), 2017, as_of).unwrap();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut after = None;
    let mut n = 0;
    loop {
        let files = store.files_in(&prov, &code("37"), after.as_deref(), 5).unwrap();
        let Some(last) = files.last() else { break };
        after = Some(last.id.clone());
        for h in &files {
            n += 1;
            let k = match verdict(h, 2017, as_of, store.rules()) {
                Verdict::MeetsExit => "meets_exit",
                Verdict::StillPoor => "still_poor",
                Verdict::AtRisk => "at_risk",
                Verdict::Stable => "stable",
                Verdict::Other => "other",
            };
            *expected.entry(k.to_string()).or_default() += 1;
        }
    }
    assert_eq!((e.households, e.counts.clone()), (n, expected));
    assert!(e.counts.len() >= 3, "the sample covers several verdicts: {:?}", e.counts);
    // Each listed file names its head and village; the per-city counts add up to the lists'.
    for f in e.meets_exit.iter().chain(&e.at_risk) {
        assert!(f.household_id.starts_with(&f.village_code) && !f.head_name.is_empty() && !f.reasons.is_empty(), "{f:?}");
    }
    let count = |k: &str| e.counts.get(k).copied().unwrap_or(0);
    assert_eq!(e.by_child.values().map(|c| c.0).sum::<u64>(), count("meets_exit"));
    assert_eq!(e.by_child.values().map(|c| c.1).sum::<u64>(), count("at_risk"));
    assert!(e.by_child.keys().all(|c| c.len() == 4), "children of the province are cities: {:?}", e.by_child);
    // The checks' run keeps the same update, read back whole.
    assert!(store.last_yearly(&prov, &code("37")).unwrap().is_none(), "nothing kept before a run");
    store.run_checks(&prov, &code("37"), as_of, 1_500_000_000).unwrap();
    let kept = store.last_yearly(&prov, &code("37")).unwrap().expect("kept by the run");
    assert_eq!(kept.computed_on, as_of.to_string());
    assert_eq!(YearlyUpdate { seconds: (0.0, 0.0), ..kept.update }, YearlyUpdate { seconds: (0.0, 0.0), ..e.clone() });
    assert!(matches!(store.last_yearly(&official(Role::CountyOfficial, "371522"), &code("371521")), Err(StoreError::NotFound)));
    let county = store.yearly_update(&official(Role::CountyOfficial, "371522"), &code("371522"), 2017, as_of).unwrap();
    assert_eq!(county.households, 4);
    assert!(matches!(
        store.yearly_update(&official(Role::CountyOfficial, "371522"), &code("371521"), 2017, as_of),
        Err(StoreError::NotFound)
    ));
}

/// A household's cases come from the store by household, whatever else the village has: the
/// household page used to filter them out of the village's list, capped at 500, and lost them.
pub fn a_households_cases_survive_a_busy_village(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let files: Vec<Household> = (1..=502)
        .map(|seq| {
            let mut h = sample_household("371521100001", seq, 1);
            // Sample ID numbers repeat after a few hundred households: one person each here.
            let birth = Date::new(1950 + (seq / 12) as i32, 1 + seq % 12, 1).expect("valid");
            h.members[0].id_number = IdNumber::build("371521", birth, seq % 1000);
            h.members[0].birth_date = None;
            h.members[0].sex = if h.members[0].id_number.is_male() { Sex::Male } else { Sex::Female };
            h
        })
        .collect();
    store.import_households(&village, &files, "2016-12-01").unwrap();
    let first = files[0].id.clone();
    let oldest = store.open_case(&village, CaseKind::Removal, Some(&first), None, "不符合识别标准", "2017-01-02").unwrap();
    for h in &files[1..] {
        store.open_case(&village, CaseKind::Removal, Some(&h.id), None, "不符合识别标准", "2017-02-01").unwrap();
    }
    let listed = store.cases(&village, &code("371521100001"), false).unwrap();
    assert!(!listed.iter().any(|c| c.id == oldest.id), "the village's list is capped and this case is past the cap");
    let own = store.household_cases(&village, &first).unwrap();
    assert_eq!(own.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![oldest.id.as_str()]);
    assert!(matches!(store.household_cases(&official(Role::VillageOfficial, "371522100001"), &first), Err(StoreError::NotFound)));
}

/// A stored value no command could write is an error naming table, household and what is wrong,
/// never a file read with a default in its place.
pub fn corrupt_rows_are_errors(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    store.exec_raw(&format!("UPDATE members SET relation = 'zz' WHERE household_id = '{}' AND member_no = 2", h.id)).unwrap();
    match store.household(&village, &h.id) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("members") && why.contains(&h.id) && why.contains("zz"), "{why}"),
        other => panic!("a corrupt member row must be an error, got {other:?}"),
    }
    store.exec_raw(&format!("UPDATE members SET relation = '02' WHERE household_id = '{}'", h.id)).unwrap();
    store.exec_raw(&format!("UPDATE households SET conditions = 'not json' WHERE id = '{}'", h.id)).unwrap();
    assert!(matches!(store.household(&village, &h.id), Err(StoreError::Corrupt(_))));
}

/// One `#[test]` per scenario, for a backend's test file: `conformance_tests!(fresh);` where
/// `fresh()` returns `Some((guard, store))` for an empty store (the guard lives for the test),
/// or `None` to skip. The list of scenarios lives here only.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh; create_and_read, jurisdiction, optimistic_versioning, bad_input_applies_nothing,
            ledger_tamper_is_detected, rollups_equal_recount, search, users_and_sessions, helper_cap, exit_workflow,
            identification_workflow, concurrent_step, return_removal_and_rejection, upheld_objection_rejects, data_checks,
            monitoring_workflow, transfer_workflow, recorded_household_monitoring, evaluation_equals_file_by_file,
            a_households_cases_survive_a_busy_village, concurrent_numbers_never_collide, corrupt_rows_are_errors,
            a_helper_lists_only_their_households_cases, visits_are_recorded_by_the_paired_helper);
        $crate::conformance_tests!(@policy $fresh; policy_lifecycle, policy_jurisdiction);
        $crate::conformance_tests!(@matching $fresh; matching_way_through, a_need_is_met_once, the_matcher_meets_urgent_needs_first,
            racing_picks_meet_a_need_once);
        $crate::conformance_tests!(@supervision $fresh; reports_way_through, reports_never_reach_the_reported, published_heads_catch_a_rewrite,
            tasks_split_and_tracked);
        $crate::conformance_tests!(@evaluation $fresh; measures_equal_hand_computation, sample_drawn_from_the_seed_and_frozen_frame);
        $crate::conformance_tests!(@funds $fresh; funds_allocated_by_the_factor_method, projects_followed_from_budget_to_household);
        $crate::conformance_tests!(@integrity $fresh; registers_matched_and_verified_by_the_village);
    };
    (@integrity $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::integrity::conformance::$name(store);
            }
        }
    )*};
    (@funds $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::funds::conformance::$name(store);
            }
        }
    )*};
    (@evaluation $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::evaluation::conformance::$name(store);
            }
        }
    )*};
    (@supervision $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::supervision::conformance::$name(store);
            }
        }
    )*};
    (@matching $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::matching::conformance::$name(store);
            }
        }
    )*};
    (@policy $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::policy::conformance::$name(store);
            }
        }
    )*};
    (@each $fresh:path; $($name:ident),*) => {$(
        #[test]
        fn $name() {
            if let Some((_guard, store)) = $fresh() {
                $crate::conformance::$name(store);
            }
        }
    )*};
}
