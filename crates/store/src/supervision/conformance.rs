//! 调度监督's conformance scenarios, run on both backends by `conformance_tests!`.

use super::{ReportInput, ReportQuery};
use crate::prelude::*;
use crate::registry::conformance::{exited_household, official, sample_household, setup};
use crate::StoreError;
use fupin_domain::access::Role;
use fupin_domain::id_number::Date;
use fupin_domain::supervision::task::{Indicator, Light, Part, TargetKind, TaskDraft};
use fupin_domain::supervision::{Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::{Level, RegionCode};
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

fn task_draft(title: &str, indicator: Indicator, target: i64, deadline: &str) -> TaskDraft {
    TaskDraft {
        title: title.into(),
        policy_id: None,
        indicator,
        target_kind: None,
        unit_label: String::new(),
        year: 2017,
        target,
        deadline: day(deadline),
        down_to: None,
        unit: "扶贫办".into(),
        person: "王主任".into(),
        description: String::new(),
    }
}

fn part(region: &str, target: i64, deadline: &str) -> Part {
    Part { region: RegionCode::parse(region).unwrap(), target, deadline: day(deadline), unit: String::new(), person: String::new() }
}

/// A key task dispatched by the province, split by the city among its counties (the sums
/// checked), its progress computed from the registry's counters at every level equal to a
/// recount of the exits, the standing by the business date with overdue parts escalated to the
/// level above, a reported task rolled up from the township that reports it, and the weekly values.
pub fn tasks_split_and_tracked(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let other = official(Role::VillageOfficial, "371522100001");
    let (prov, city) = (official(Role::ProvinceOfficial, "37"), official(Role::CityOfficial, "3715"));
    let (county, county2) = (official(Role::CountyOfficial, "371521"), official(Role::CountyOfficial, "371522"));
    let township = official(Role::TownshipOfficial, "371521100");
    store.create_household(&village, sample_household("371521100001", 1, 3), "建档", "2015-12-01").unwrap();
    store.create_household(&other, sample_household("371522100001", 2, 4), "建档", "2015-12-01").unwrap();

    let t =
        store.dispatch_task(&prov, &task_draft("2017年减少贫困人口", Indicator::Exits, 5, "2017-12-31"), "2017-01-20T09:00:00").unwrap();
    let id = t.task.id.clone();
    assert!(id.starts_with("RW"), "{id}");
    assert_eq!((t.row.target, t.row.value, t.row.baseline, t.may_split), (5, 0, 0, true));
    assert_eq!(t.below.len(), 1, "the province's one city in the test divisions");
    invalid(store.split_task(&prov, &id, &[part("3715", 4, "2017-12-31")], "2017-01-21T09:00:00"), "tasks.split_short");
    invalid(store.split_task(&prov, &id, &[part("3715", 5, "2018-01-31")], "2017-01-21T09:00:00"), "tasks.split_deadline");
    store.split_task(&prov, &id, &[part("3715", 5, "2017-12-31")], "2017-01-21T09:00:00").unwrap();
    assert!(matches!(store.split_task(&county, &id, &[part("371521100", 5, "2017-12-31")], "2017-01-22"), Err(StoreError::NotFound)));
    invalid(
        store.split_task(&city, &id, &[part("371521", 3, "2017-12-31"), part("371522", 1, "2017-12-31")], "2017-01-22"),
        "tasks.split_short",
    );
    let v = store.split_task(&city, &id, &[part("371521", 3, "2017-12-31"), part("371522", 2, "2017-11-30")], "2017-01-22").unwrap();
    assert_eq!(v.children.len(), 2);
    assert_eq!(v.from.as_ref().map(|f| f.region.as_str()), Some("37"));
    invalid(store.split_task(&county, &id, &[part("371521100", 3, "2017-12-31")], "2017-01-23"), "tasks.split_level");

    // Who sees what: the county its own part and where it came from; not its neighbour's, not a
    // township below it (the task stops at the county), nor a donor.
    let cv = store.task(&county, &id, None, day("2017-02-01")).unwrap();
    assert_eq!((cv.row.region.as_str(), cv.row.target, cv.from.as_ref().map(|f| f.target)), ("371521", 3, Some(5)));
    assert!(!cv.may_split && !cv.may_report);
    assert!(matches!(store.task(&county2, &id, Some(&RegionCode::parse("371521").unwrap()), day("2017-02-01")), Err(StoreError::NotFound)));
    assert!(matches!(store.task(&township, &id, None, day("2017-02-01")), Err(StoreError::NotFound)));
    assert!(matches!(store.task(&official(Role::Donor, "37"), &id, None, day("2017-02-01")), Err(StoreError::NotFound)));
    assert!(matches!(store.tasks(&official(Role::Helper, "371521"), None, day("2017-02-01")), Err(StoreError::Forbidden(_))));
    assert!(store.tasks(&township, None, day("2017-02-01")).unwrap().is_empty());

    // Exits recorded in the registry are the progress, at every level.
    store.create_household(&village, exited_household("371521100001", 3, 2, 2017), "建档", "2017-03-01").unwrap();
    store.create_household(&village, exited_household("371521100001", 4, 1, 2017), "建档", "2017-04-01").unwrap();
    let recount = 2 + 1;
    let figures = store.region_figures(&prov, &RegionCode::parse("371521").unwrap()).unwrap();
    assert_eq!(figures.total.get("exited:2017").map(|t| t.persons), Some(recount));
    let cv = store.task(&city, &id, None, day("2017-06-30")).unwrap();
    assert_eq!(cv.row.value, recount);
    assert_eq!(cv.children[0].region, "371521", "ranked, the furthest along first");
    assert_eq!((cv.children[0].value, cv.children[0].standing.light), (recount, Light::Done));
    assert_eq!((cv.children[1].value, cv.children[1].standing.light), (0, Light::Red), "nothing after five months is behind");
    let pv = store.task(&prov, &id, None, day("2017-06-30")).unwrap();
    assert_eq!(pv.row.value, recount);
    assert_eq!(pv.row.standing.light, Light::Green, "3 of 5 in 161 of 345 days: on pace for 6");
    assert_eq!(pv.row.standing.projected, Some(6));

    // Past 莘县's deadline its part is overdue, and the city sees it (升级).
    let due = store.tasks_due(&city, day("2017-12-01")).unwrap();
    assert!(due.iter().any(|d| d.what == "overdue_below" && d.region == "371522"), "{due:?}");
    let due2 = store.tasks_due(&county2, day("2017-12-01")).unwrap();
    assert!(due2.iter().any(|d| d.what == "overdue" && d.task_id == id), "{due2:?}");
    assert!(store.tasks_due(&county, day("2017-12-01")).unwrap().is_empty(), "阳谷县 is done");

    // The city may change the parts (none is split further); the province may not change the
    // city's, which the city has split.
    store.split_task(&city, &id, &[part("371521", 2, "2017-12-31"), part("371522", 3, "2017-11-30")], "2017-02-01").unwrap();
    invalid(store.split_task(&prov, &id, &[part("3715", 6, "2017-12-31")], "2017-02-01"), "tasks.split_locked");

    // A reported yes/no task down to the townships: the township reports, the rest roll up.
    let mut d = task_draft("重点村项目资金公告公示", Indicator::Reported, 1, "2017-06-30");
    d.target_kind = Some(TargetKind::YesNo);
    d.down_to = Some(Level::Township);
    let r = store.dispatch_task(&city, &d, "2017-02-01").unwrap();
    let rid = r.task.id.clone();
    store.split_task(&city, &rid, &[part("371521", 1, "2017-06-15"), part("371522", 1, "2017-06-15")], "2017-02-02").unwrap();
    store.split_task(&county, &rid, &[part("371521100", 1, "2017-06-10")], "2017-02-03").unwrap();
    invalid(store.report_task(&county, &rid, 1, "已公示", "2017-03-01"), "tasks.report_parts");
    invalid(store.report_task(&township, &rid, 1, "  ", "2017-03-01"), "tasks.evidence");
    invalid(store.report_task(&township, &rid, 2, "已公示", "2017-03-01"), "tasks.value");
    invalid(store.report_task(&county, &id, 1, "已公示", "2017-03-01"), "tasks.computed");
    let due = store.tasks_due(&township, day("2017-03-01")).unwrap();
    assert_eq!(due.iter().map(|d| d.what).collect::<Vec<_>>(), vec!["report"]);
    let tv = store.report_task(&township, &rid, 1, "3月1日在各村公示栏张贴，照片存档", "2017-03-01").unwrap();
    assert_eq!((tv.row.value, tv.row.standing.light, tv.series.len()), (1, Light::Done, 1));
    assert_eq!(store.task(&county, &rid, None, day("2017-03-02")).unwrap().row.standing.light, Light::Done);
    let cv = store.task(&city, &rid, None, day("2017-03-02")).unwrap();
    assert_eq!(cv.row.value, 0, "莘县 has not reported");
    assert_eq!(store.tasks(&city, None, day("2017-03-02")).unwrap().len(), 2);
    assert_eq!(store.tasks(&prov, None, day("2017-03-02")).unwrap().len(), 2, "the city's task is read at the city");
    assert_eq!(store.task(&prov, &rid, None, day("2017-03-02")).unwrap().row.region, "3715");
    let county_code = RegionCode::parse("371521").unwrap();
    assert_eq!(store.tasks(&prov, Some(&county_code), day("2017-03-02")).unwrap().len(), 2, "both reach 阳谷县");
    assert!(matches!(store.tasks(&county2, Some(&county_code), day("2017-03-02")), Err(StoreError::NotFound)));

    // The weekly values: once a week per computed target.
    assert_eq!(store.snapshot_tasks(day("2017-06-28")).unwrap(), 4);
    assert_eq!(store.snapshot_tasks(day("2017-06-30")).unwrap(), 0, "the same week");
    let s = store.task(&county, &id, None, day("2017-06-30")).unwrap().series;
    assert_eq!(s.iter().map(|p| (p.source.as_str(), p.value)).collect::<Vec<_>>(), vec![("snapshot", recount), ("now", recount)]);
    let report = store.verify_ledger().unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
}
