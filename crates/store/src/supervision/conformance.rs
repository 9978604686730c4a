//! 调度监督's conformance scenarios, run on both backends by `conformance_tests!`.

use super::{ReportInput, ReportQuery};
use crate::prelude::*;
use crate::registry::conformance::{official, sample_household, setup};
use crate::StoreError;
use fupin_domain::access::Role;
use fupin_domain::id_number::Date;
use fupin_domain::supervision::{Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::RegionCode;
use std::sync::Arc;

fn invalid<T: std::fmt::Debug>(r: Result<T, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{}", e.message),
        other => panic!("expected {code}, got {other:?}"),
    }
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("test date")
}

pub fn sample_report(region: &str, text: &str) -> ReportDraft {
    ReportDraft {
        category: ReportCategory::FalseClaim,
        region: region.into(),
        household_id: None,
        text: text.into(),
        name: None,
        contact: None,
    }
}

fn note(s: &str) -> ReportInput {
    ReportInput { note: s.into(), to: None }
}

/// Filed anonymously-or-not by the public, accepted by the county, passed to the township,
/// answered, sent back by a dissatisfied reporter, answered again and closed by the reporter's
/// word; the outcome is published with the names masked.
pub fn reports_way_through(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let head = h.members[0].name.clone();
    let county = official(Role::CountyOfficial, "371521");
    let township = official(Role::TownshipOfficial, "371521100");
    let d = ReportDraft {
        household_id: Some(h.id.clone()),
        name: Some("李举报".into()),
        contact: Some("13912345678".into()),
        ..sample_report("371521100001", "该户家中有轿车和商品房，却被评为贫困户，村干部优亲厚友")
    };
    let filed = store.file_report(&d, "2017-06-01T09:00:00").unwrap();
    assert!(filed.tracking_number.starts_with("JB20170601"), "{}", filed.tracking_number);
    assert_eq!(filed.accept_by, day("2017-06-06"), "three working days, the weekend skipped");
    invalid(store.file_report(&d, "2017-06-01T10:00:00"), "report.duplicate");
    assert!(matches!(store.follow_report(&filed.tracking_number, "WRONGCOD", day("2017-06-01")), Err(StoreError::NotFound)));
    let f = store.follow_report(&filed.tracking_number, &filed.query_code.to_lowercase(), day("2017-06-01")).unwrap();
    assert_eq!((f.state, f.steps.len(), f.about_name.as_str()), (ReportState::Submitted, 1, "一村"));

    // The county receives it; the unit handling it sees the reporter, and the read is audited.
    let list = store.reports(&county, &ReportQuery { mine: true, ..Default::default() }, day("2017-06-01")).unwrap();
    assert_eq!((list.total, list.items[0].reporter.is_none(), list.items[0].named), (1, true, true), "lists never carry the reporter");
    let r = store.report(&county, &filed.tracking_number, "2017-06-02T08:00:00").unwrap();
    assert_eq!(r.reporter.as_ref().and_then(|p| p.name.as_deref()), Some("李举报"));
    assert_eq!(store.pii_audit_count(&filed.tracking_number).unwrap(), 1);
    let r = store.step_report(&county, &r.id, r.version, ReportStep::Accept, &ReportInput::default(), "2017-06-02T08:00:00").unwrap();
    assert_eq!((r.state, r.deadline), (ReportState::Handling, day("2017-06-23")), "15 working days from 2017-06-02");
    assert!(matches!(
        store.step_report(&county, &r.id, r.version - 1, ReportStep::Answer, &note("已核实"), "2017-06-02T09:00:00"),
        Err(StoreError::Conflict { .. })
    ));
    // Never to the village reported on; to its township, yes.
    let to_village = ReportInput { note: String::new(), to: Some(RegionCode::parse("371521100001").unwrap()) };
    invalid(store.step_report(&county, &r.id, r.version, ReportStep::Transfer, &to_village, "2017-06-02T09:00:00"), "report.to");
    let to_township = ReportInput { note: "请核查".into(), to: Some(RegionCode::parse("371521100").unwrap()) };
    let r = store.step_report(&county, &r.id, r.version, ReportStep::Transfer, &to_township, "2017-06-02T09:00:00").unwrap();
    assert_eq!((r.handler.as_str(), r.reporter.is_none()), ("371521100", true), "the county now sees it from above, masked");
    assert!(matches!(
        store.step_report(&county, &r.id, r.version, ReportStep::Answer, &note("x"), "2017-06-02T09:00:00"),
        Err(StoreError::Forbidden(_))
    ));
    invalid(
        store.step_report(&township, &r.id, r.version, ReportStep::Answer, &ReportInput::default(), "2017-06-05T09:00:00"),
        "report.note",
    );
    let answer = format!("经核查，{head}家车辆登记在外地亲属名下，联系电话13912345678，已取消其贫困户资格");
    let r = store.step_report(&township, &r.id, r.version, ReportStep::Answer, &note(&answer), "2017-06-05T09:00:00").unwrap();
    assert_eq!(r.state, ReportState::Answered);
    invalid(
        store.step_report(&township, &r.id, r.version, ReportStep::Close, &ReportInput::default(), "2017-06-06T09:00:00"),
        "report.rating_wait",
    );

    // 回访: dissatisfied sends it back with a fresh limit; the second answer satisfies.
    invalid(store.rate_report(&r.id, &filed.query_code, false, "", "2017-06-06T09:00:00"), "report.comment");
    let f = store.rate_report(&r.id, &filed.query_code, false, "商品房的事没有核查", "2017-06-06T09:00:00").unwrap();
    assert_eq!((f.state, f.may_rate), (ReportState::Reopened, false));
    let r = store.report(&township, &r.id, "2017-06-06T09:00:00").unwrap();
    assert_eq!((r.dissatisfied, r.deadline, r.order.as_deref()), (1, day("2017-06-27"), None));
    let r = store.step_report(&township, &r.id, r.version, ReportStep::Extend, &note("需调取房产登记"), "2017-06-07T09:00:00").unwrap();
    assert_eq!(r.deadline, day("2017-07-06"), "one extension of seven working days");
    invalid(store.step_report(&township, &r.id, r.version, ReportStep::Extend, &note("再延"), "2017-06-07T09:00:00"), "report.extended");
    let r = store.step_report(&township, &r.id, r.version, ReportStep::Answer, &note(&answer), "2017-06-09T09:00:00").unwrap();
    let f = store.rate_report(&r.id, &filed.query_code, true, "", "2017-06-10T09:00:00").unwrap();
    assert_eq!(f.state, ReportState::Closed);
    assert_eq!(
        f.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(),
        ["file", "accept", "transfer", "answer", "rate", "extend", "answer", "rate"]
    );
    assert!(f.steps.iter().find(|s| s.step == "transfer").is_some_and(|s| s.note.is_empty()), "internal notes stay with the units");

    let published = store.report_outcomes(None, 10).unwrap();
    assert_eq!(published.len(), 1);
    let first: String = head.chars().take(1).collect();
    assert!(published[0].outcome.contains(&format!("{first}某家")) && !published[0].outcome.contains(&head), "{}", published[0].outcome);
    assert!(!published[0].outcome.contains("13912345678"));
    let fig = store.report_figures(Some(&RegionCode::parse("3715").unwrap()), day("2017-06-10")).unwrap();
    assert_eq!((fig.total, fig.rated, fig.satisfied), (1, 1, 1), "{fig:?}");
    // Every step on the county's chain, and never the reporter (counted by a no-op update).
    let events = |extra: &str| {
        store.exec_raw(&format!("UPDATE ledger SET kind = kind WHERE household_id = '{}'{extra}", filed.tracking_number)).unwrap()
    };
    assert_eq!(events(" AND county_code = '371521'"), 8);
    assert_eq!(events(" AND (payload LIKE '%李举报%' OR payload LIKE '%13912345678%' OR reason LIKE '%李举报%')"), 0);
    assert!(store.verify_ledger().unwrap().broken.is_none(), "the chain holds");
}

/// A report about a village never reaches its officials, nor those of another county; a report
/// about a township goes to its county, not the township; cards follow the business clock.
pub fn reports_never_reach_the_reported(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let township = official(Role::TownshipOfficial, "371521100");
    let county = official(Role::CountyOfficial, "371521");
    let other = official(Role::CountyOfficial, "371522");
    let city = official(Role::CityOfficial, "3715");
    let about_township = store.file_report(&sample_report("371521100", "乡镇干部截留危房改造补助资金"), "2017-06-01T09:00:00").unwrap();
    let about_village = store.file_report(&sample_report("371521100001", "村支书把低保名额给了自己亲戚"), "2017-06-01T09:00:00").unwrap();
    let about_county = store.file_report(&sample_report("371521", "县扶贫办拖延拨付产业扶贫资金"), "2017-06-01T09:00:00").unwrap();
    let on = day("2017-06-01");
    let ids = |c: &fupin_domain::access::Caller, q: &ReportQuery| -> Vec<String> {
        store.reports(c, q, on).unwrap().items.into_iter().map(|r| r.id).collect()
    };
    assert!(matches!(store.reports(&village, &ReportQuery::default(), on), Err(StoreError::Forbidden(_))));
    assert_eq!(ids(&township, &ReportQuery::default()), vec![about_village.tracking_number.clone()], "not the one about itself");
    assert_eq!(ids(&other, &ReportQuery::default()), Vec::<String>::new());
    assert_eq!(ids(&county, &ReportQuery::default()).len(), 2, "not the one about the county");
    assert_eq!(ids(&city, &ReportQuery { mine: true, ..Default::default() }), vec![about_county.tracking_number.clone()]);
    assert!(matches!(store.report(&township, &about_township.tracking_number, "2017-06-01"), Err(StoreError::NotFound)));
    assert!(matches!(store.report(&other, &about_village.tracking_number, "2017-06-01"), Err(StoreError::NotFound)));
    assert!(matches!(
        store.step_report(&other, &about_village.tracking_number, 1, ReportStep::Accept, &ReportInput::default(), "2017-06-01"),
        Err(StoreError::NotFound)
    ));
    // Accept by 2017-06-06: yellow on the 5th (one working day before), red from the 7th.
    let card_on = |d: &str| store.reports(&county, &ReportQuery { card: Some(Card::Red), ..Default::default() }, day(d)).unwrap().total;
    assert_eq!((card_on("2017-06-05"), card_on("2017-06-06"), card_on("2017-06-07")), (0, 0, 2));
    let yellow = store.reports(&county, &ReportQuery { card: Some(Card::Yellow), ..Default::default() }, day("2017-06-05")).unwrap();
    assert_eq!(yellow.total, 2);
    let late = store.report(&county, &about_village.tracking_number, "2017-06-07").unwrap();
    assert_eq!((late.card, late.order.as_deref()), (Card::Red, Some("逾期未办结，上级督办")));
    assert_eq!(store.report_figures(None, day("2017-06-07")).unwrap().overdue, 3);
    invalid(store.file_report(&sample_report("371599", "没有这个县的举报内容写满十个字"), "2017-06-01"), "report.region");
}

/// 接受社会监督: a signed file of the chain heads verifies; a later ledger that only grew still
/// extends it; once an event it covers is rewritten, the file names that chain.
pub fn published_heads_catch_a_rewrite(store: Arc<dyn Store>) {
    use crate::core::heads::signature_holds;
    let village = setup(&*store);
    store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    store.file_report(&sample_report("371522100001", "村里低保评定不公开不透明，群众意见很大"), "2016-01-04").unwrap();
    let file = store.signed_heads("2016-01-04").unwrap();
    assert_eq!(file.heads.iter().map(|h| h.chain.as_str()).collect::<Vec<_>>(), ["371521", "371522"]);
    assert_eq!(signature_holds(&file, None), Ok(()));
    assert_eq!(store.signed_heads("2016-01-05").unwrap().public_key, file.public_key, "one key, kept");
    assert_eq!(store.heads_departure(&file).unwrap(), None);
    // More history: still extends the file.
    store.create_household(&village, sample_household("371521100001", 2, 3), "建档", "2016-01-05").unwrap();
    assert_eq!(store.heads_departure(&file).unwrap(), None);
    // History rewritten under the published head of 阳谷县.
    let seq = file.heads[0].seq;
    store.exec_raw(&format!("UPDATE ledger SET hash = '{}' WHERE county_code = '371521' AND seq = {seq}", "0".repeat(64))).unwrap();
    let (chain, why) = store.heads_departure(&file).unwrap().expect("caught");
    assert_eq!(chain, "371521");
    assert!(why.contains("改写"), "{why}");
}
