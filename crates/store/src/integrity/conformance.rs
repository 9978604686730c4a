//! 大数据比对's conformance scenario, run on both backends by `conformance_tests!`.

use super::{MatchQuery, RegisterRun};
use crate::platform::AuditQuery;
use crate::prelude::*;
use crate::registry::cases::Decision;
use crate::registry::conformance::{official, sample_household, setup};
use crate::registry::ChangeRequest;
use crate::StoreError;
use fupin_domain::access::Role;
use fupin_domain::id_number::Date;
use fupin_domain::integrity::{Outcome, Record, RegisterKind};
use fupin_domain::registry::codes::{MemberChange, Status};
use fupin_domain::registry::household::Change;
use fupin_domain::registry::lifecycle::CaseKind;
use fupin_domain::{IdNumber, RegionCode};
use std::sync::Arc;

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{}", e.message),
        other => panic!("expected {code}, got {other:?}"),
    }
}

fn record(id: &IdNumber, name: &str, date: &str, detail: (&str, &str)) -> Record {
    Record {
        id_number: id.clone(),
        name: name.into(),
        date: Date::parse(date).unwrap(),
        details: vec![(detail.0.into(), detail.1.into())],
    }
}

fn run(kind: RegisterKind, rows: u64) -> RegisterRun {
    RegisterRun { kind, file_name: format!("{}.csv", kind.code()), sha256: "ab".repeat(32), rows }
}

/// A county matches two registers over its files: only members still counted in its checked
/// files are found, a rerun finds nothing new, the village verifies by the deadline, and an
/// outcome that claims a change is refused until the file has changed; ID numbers are masked
/// for the province and audited for those who read them whole; another county sees nothing.
pub fn registers_matched_and_verified_by_the_village(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let county = official(Role::CountyOfficial, "371521");
    let province = official(Role::ProvinceOfficial, "37");
    let elsewhere = official(Role::VillageOfficial, "371522100001");
    let h1 = store.create_household(&village, sample_household("371521100001", 1, 3), "建档", "2015-12-01").unwrap();
    let h2 = store.create_household(&village, sample_household("371521100001", 2, 2), "建档", "2015-12-01").unwrap();
    let h3 = store.create_household(&elsewhere, sample_household("371522100001", 3, 2), "建档", "2015-12-01").unwrap();
    let stranger = IdNumber::build("371521", Date::new(1960, 5, 5).unwrap(), 901);

    invalid_or_forbidden(store.people_index(&village));
    let index = store.people_index(&county).unwrap();
    assert_eq!(index.len(), 5, "the county's five members, not the other county's");
    assert!(index.find(&h3.members[0].id_number).is_none() && index.find(&stranger).is_none());
    assert_eq!(index.find(&h1.members[1].id_number).unwrap().household_id(), h1.id);

    let deaths = [
        record(&h1.members[1].id_number, &h1.members[1].name, "2017-02-10", ("火化地点", "阳谷县殡仪馆")),
        record(&stranger, "外人", "2017-02-11", ("火化地点", "阳谷县殡仪馆")),
        record(&h3.members[0].id_number, &h3.members[0].name, "2017-02-12", ("火化地点", "莘县殡仪馆")),
    ];
    let found = |rows: &[Record]| -> Vec<_> { rows.iter().filter_map(|r| index.find(&r.id_number).map(|p| (r.clone(), p))).collect() };
    let at = "2017-03-01T10:00:00";
    let b = store.record_register_matches(&county, &index, &run(RegisterKind::Deaths, 3), &found(&deaths), at).unwrap();
    assert_eq!((b.rows, b.matched, b.new_matches, b.kind), (3, 1, 1, RegisterKind::Deaths));
    let again = store.record_register_matches(&county, &index, &run(RegisterKind::Deaths, 3), &found(&deaths), at).unwrap();
    assert_eq!((again.matched, again.new_matches), (1, 0), "a rerun finds the same death, not a new one");
    // A name that differs from the file's: perhaps a wrong number, said on the match.
    let cars = [record(&h2.members[0].id_number, "李四", "2016-08-08", ("号牌号码", "鲁P12345"))];
    store.record_register_matches(&county, &index, &run(RegisterKind::Vehicles, 1), &found(&cars), at).unwrap();

    let listed = store.register_matches(&village, &MatchQuery::default(), at).unwrap();
    assert_eq!(listed.total, 2);
    let death = listed.items.iter().find(|m| m.kind == RegisterKind::Deaths).unwrap().clone();
    let car = listed.items.iter().find(|m| m.kind == RegisterKind::Vehicles).unwrap().clone();
    assert_eq!((death.household_id.as_str(), death.member_no, death.id_number.as_str()), (h1.id.as_str(), 2, h1.members[1].id_number.as_str()));
    assert!(!death.name_differs && car.name_differs, "{car:?}");
    assert_eq!(car.details[0].value, "鲁P12345");
    assert_eq!((death.found_on.to_string(), death.due_on.to_string(), death.overdue), ("2017-03-01".into(), "2017-03-16".into(), false));
    assert!(death.may_decide);
    let seen = store.register_match(&province, &death.id, at).unwrap();
    assert_eq!(seen.id_number, h1.members[1].id_number.masked());
    assert!(!seen.may_decide);
    assert!(matches!(store.register_match(&elsewhere, &death.id, at), Err(StoreError::NotFound)));
    assert_eq!(store.register_matches(&elsewhere, &MatchQuery::default(), at).unwrap().total, 0);
    assert!(matches!(
        store.register_matches(&county, &MatchQuery { region: Some(RegionCode::parse("371522").unwrap()), ..Default::default() }, at),
        Err(StoreError::NotFound)
    ));
    let audited = store.pii_audit(&province, &AuditQuery { username: Some(village.username.clone()), ..Default::default() }).unwrap();
    assert!(audited.items.iter().any(|e| e.subject == h1.id && e.fields.contains("register_match")), "the village read the number whole: on record");
    assert_eq!(store.register_batches(&county, 10).unwrap().len(), 3);
    assert_eq!(store.register_batches(&elsewhere, 10).unwrap().len(), 0);

    // Past the deadline the match is overdue.
    let late = "2017-03-17T09:00:00";
    let overdue = store.register_matches(&county, &MatchQuery { overdue: true, ..Default::default() }, late).unwrap();
    assert_eq!(overdue.total, 2);
    let s = store.register_summary(&county, None, late).unwrap();
    let d = s.iter().find(|c| c.kind == RegisterKind::Deaths).unwrap();
    assert_eq!((d.pending, d.overdue, d.member_changed), (1, 1, 0));

    // Nothing changes by itself: the member is still counted until the village changes the file.
    assert!(matches!(
        store.decide_register_match(&county, &death.id, Outcome::Explained, "县里认为无问题", late),
        Err(StoreError::Forbidden(_))
    ));
    invalid(store.decide_register_match(&village, &death.id, Outcome::MemberChanged, "该成员已去世", late), "integrity.member_active");
    assert!(store.household(&village, &h1.id).unwrap().members.iter().any(|m| m.no == 2));
    let now = store.household(&village, &h1.id).unwrap();
    store
        .change_household(
            &village,
            &ChangeRequest {
                household_id: h1.id.clone(),
                expected_version: now.version,
                change: Change::MemberLeft { no: 2, change: MemberChange::Death, date: "2017-02-10".into() },
                reason: "死亡".into(),
                at: "2017-03-17".into(),
            },
        )
        .unwrap();
    let done = store.decide_register_match(&village, &death.id, Outcome::MemberChanged, "已按死亡办理家庭成员减少", late).unwrap();
    assert_eq!((done.outcome, done.overdue, done.may_decide), (Outcome::MemberChanged, false, false));
    invalid(store.decide_register_match(&village, &death.id, Outcome::Explained, "再说明一次情况", late), "integrity.decided");
    assert!(store.people_index(&county).unwrap().find(&h1.members[1].id_number).is_none(), "gone from the file, gone from the index");

    // 清退 is recorded once the household has been removed through its case.
    invalid(store.decide_register_match(&village, &car.id, Outcome::Removed, "该户有车，不符合条件", late), "integrity.not_removed");
    let township = official(Role::TownshipOfficial, "371521100");
    let approve = || Decision::Approve { note: "同意".into() };
    let mut rm = store.open_case(&village, CaseKind::Removal, Some(&h2.id), None, "家有机动车，不符合识别标准", "2017-03-18").unwrap();
    rm = store.advance_case(&township, &rm.id, rm.version, &approve(), "2017-03-19").unwrap();
    store.advance_case(&county, &rm.id, rm.version, &approve(), "2017-03-20").unwrap();
    assert_eq!(store.household(&village, &h2.id).unwrap().status, Status::Removed);
    store.decide_register_match(&village, &car.id, Outcome::Removed, "经核实不符合条件，已清退", "2017-03-20T10:00:00").unwrap();
    let s = store.register_summary(&province, None, "2017-03-20T10:00:00").unwrap();
    let v = s.iter().find(|c| c.kind == RegisterKind::Vehicles).unwrap();
    assert_eq!((v.pending, v.removed), (0, 1));
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

fn invalid_or_forbidden<T>(r: Result<T, StoreError>) {
    assert!(matches!(r, Err(StoreError::Forbidden(_))), "a village does not match registers");
}
