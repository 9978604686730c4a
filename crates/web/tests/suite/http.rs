// The tests of `http.rs` and `http_pg.rs`: one suite, served from each backend.


use common::{client, id_numbers_in, login, server, PASSWORD};
use serde_json::{json, Value};

fn get(c: &reqwest::blocking::Client, path: &str) -> (u16, Value) {
    let r = c.get(format!("{}{path}", server().base)).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// A third-party evaluation of 阳谷县 by the demo evaluator (of 聊城市), drawn once per process.
fn an_evaluation_of_yanggu() -> String {
    let store = &server().store;
    let evaluator = fupin_web::auth::caller_of(&store.user("evaluator").unwrap().unwrap());
    let county = fupin_domain::RegionCode::parse("371521").unwrap();
    if let Some(e) = store.evaluations(&evaluator, &county).unwrap().into_iter().next() {
        return e.id;
    }
    let plan = fupin_domain::evaluation::sample::Plan { seed: 20_170_301, villages: 4, still_poor: 2, exited: 2, outside: 4 };
    store.draw_sample(&evaluator, &county, 2016, &plan, "2017-06-30").unwrap().id
}

/// A key task 阳谷县 dispatched to its townships (reported, yes/no), made once per process.
fn a_task_of_yanggu() -> String {
    use fupin_domain::supervision::task::{Indicator, TargetKind, TaskDraft};
    let store = &server().store;
    let yanggu = fupin_web::auth::caller_of(&store.user("yanggu").unwrap().unwrap());
    let title = format!("探测用任务，第{}号进程", std::process::id());
    let today = fupin_domain::id_number::Date::new(2017, 6, 30).unwrap();
    if let Some(t) = store.tasks(&yanggu, None, today).unwrap().into_iter().find(|t| t.task.title == title) {
        return t.task.id;
    }
    let d = TaskDraft {
        title,
        policy_id: None,
        indicator: Indicator::Reported,
        target_kind: Some(TargetKind::YesNo),
        unit_label: String::new(),
        year: 2017,
        target: 1,
        deadline: fupin_domain::id_number::Date::new(2017, 12, 31).unwrap(),
        down_to: Some(fupin_domain::Level::Township),
        unit: String::new(),
        person: String::new(),
        description: String::new(),
    };
    store.dispatch_task(&yanggu, &d, "2017-06-30").unwrap().task.id
}

/// A project of 阳谷县 in the household's village, approved, noticed, started and paid a subsidy
/// to the household's own account (so the PII probe bites on the account), made once per process.
fn a_project_of_yanggu(hid: &str) -> String {
    use fupin_domain::funds::project::{Beneficiary, BudgetLine, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectStep};
    use fupin_domain::funds::FundSource;
    let store = &server().store;
    let yanggu = fupin_web::auth::caller_of(&store.user("yanggu").unwrap().unwrap());
    let name = format!("探测用项目，第{}号进程", std::process::id());
    let q = fupin_store::funds::ProjectQuery { year: Some(2017), per_page: 200, ..Default::default() };
    if let Some(p) = store.projects(&yanggu, &q).unwrap().items.into_iter().find(|p| p.name == name) {
        return p.id;
    }
    let day = |s: &str| fupin_domain::id_number::Date::parse(s).unwrap();
    let draft = ProjectDraft {
        region: fupin_domain::RegionCode::parse(&hid[..12]).unwrap(),
        year: 2017,
        name,
        kind: ProjectKind::Industry,
        description: String::new(),
        implementer: String::new(),
        budget: vec![BudgetLine { source: FundSource::Central, amount: fupin_domain::Yuan::from_yuan(10_000) }],
        beneficiaries: vec![Beneficiary { household_id: hid.into(), mechanism: Mechanism::Subsidy }],
    };
    let p = store.record_project(&yanggu, &draft, "2017-06-01").unwrap();
    let id = p.project.id;
    let p = store.step_project(&yanggu, &id, p.project.version, ProjectStep::Approve, "2017-06-01").unwrap();
    let notice = NoticeDraft { kind: NoticeKind::Plan, from: day("2017-06-01"), to: day("2017-06-11"), text: "探测用项目公示".into() };
    store.notice_project(&yanggu, &id, &notice, "2017-06-01").unwrap();
    store.step_project(&yanggu, &id, p.project.version + 1, ProjectStep::Start, "2017-06-12").unwrap();
    let system = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let file = store.household(&system, hid).unwrap();
    let pay = PaymentDraft {
        paid_on: day("2017-06-20"),
        amount: fupin_domain::Yuan::from_yuan(1000),
        source: FundSource::Central,
        payee: file.members[0].name.clone(),
        account: file.bank_account.clone(),
        voucher: "探测-1".into(),
        household_id: Some(hid.into()),
    };
    store.pay_project(&yanggu, &id, &pay, "2017-06-20").unwrap();
    id
}

/// The first poor household the village official can see.
fn a_village_household() -> Value {
    let (s, page) = get(&login("village"), "/api/v1/households?status=1");
    assert_eq!(s, 200);
    page["items"][0].clone()
}

#[test]
fn login_logout_and_bad_passwords() {
    let c = client();
    let r = c.post(format!("{}/api/v1/session", server().base)).json(&json!({"username": "yanggu", "password": "wrong"})).send().unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().unwrap()["error"]["code"], "auth.invalid");
    assert_eq!(get(&c, "/api/v1/regions/37").0, 401);
    let c = login("yanggu");
    assert_eq!(get(&c, "/api/v1/regions/371521").0, 200);
    assert_eq!(c.delete(format!("{}/api/v1/session", server().base)).send().unwrap().status(), 204);
    assert_eq!(get(&c, "/api/v1/regions/371521").0, 401);
}

#[test]
fn repeated_failures_are_rate_limited() {
    let c = client();
    let attempt = || {
        c.post(format!("{}/api/v1/session", server().base))
            .json(&json!({"username": "evaluator", "password": "nope"}))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    let codes: Vec<u16> = (0..6).map(|_| attempt()).collect();
    assert_eq!(codes, [401, 401, 401, 401, 401, 429]);
    let r =
        c.post(format!("{}/api/v1/session", server().base)).json(&json!({"username": "evaluator", "password": PASSWORD})).send().unwrap();
    assert_eq!(r.status(), 429, "even the right password waits out the window");
}

#[test]
fn region_figures_sum_over_children() {
    let c = login("province");
    let (s, body) = get(&c, "/api/v1/regions/37");
    assert_eq!(s, 200);
    let children = body["children"].as_array().unwrap();
    assert_eq!(children.len(), 16);
    let sum: i64 = children.iter().map(|c| c["summary"]["registered"]["persons"].as_i64().unwrap()).sum();
    assert_eq!(sum, body["region"]["summary"]["registered"]["persons"].as_i64().unwrap());
    assert!(sum > 5000, "the demo has people: {sum}");
    let (_, county) = get(&c, "/api/v1/regions/371521");
    let townships = county["children"].as_array().unwrap();
    assert!(townships.iter().all(|t| t["level"] == "township"));
    assert_eq!(get(&c, "/api/v1/regions/37x").0, 400);
    assert_eq!(get(&c, "/api/v1/regions/379999").0, 404);
    let (s, v) = get(&c, "/api/v1/regions/3715x1");
    assert_eq!((s, v["error"]["code"].as_str()), (400, Some("region.malformed")));
}

#[test]
fn every_endpoint_refuses_another_county() {
    let h = a_village_household();
    let id = h["id"].as_str().unwrap();
    for who in ["shenxian_village", "shenxian", "jinan"] {
        let c = login(who);
        assert_eq!(get(&c, "/api/v1/regions/371521").0, 404, "{who}");
        assert_eq!(get(&c, "/api/v1/regions/3715").0, if who == "jinan" { 404 } else { 404 }, "{who}");
        assert_eq!(get(&c, &format!("/api/v1/households/{id}")).0, 404, "{who}");
        assert_eq!(get(&c, &format!("/api/v1/households/{id}/history")).0, 404, "{who}");
        assert_eq!(get(&c, "/api/v1/households?region=371521").0, 404, "{who}");
        let (_, mine) = get(&c, "/api/v1/households");
        assert!(mine["items"].as_array().unwrap().iter().all(|x| !x["village_code"].as_str().unwrap().starts_with("371521")));
        let r = c
            .post(format!("{}/api/v1/households/{id}/changes", server().base))
            .json(&json!({"expected_version": 1, "change": {"kind": "remove_measure", "no": 1}}))
            .send()
            .unwrap();
        assert!(matches!(r.status().as_u16(), 403 | 404), "{who}: {}", r.status());
        let page = c.get(format!("{}/households/{id}", server().base)).send().unwrap();
        assert_eq!(page.status(), 404, "{who} page");
    }
    // Inside the county the same household is visible.
    assert_eq!(get(&login("yanggu"), &format!("/api/v1/households/{id}")).0, 200);
}

/// Operations anyone may call without logging in, or that concern only the caller's session:
/// outside the jurisdiction probe, each for its reason.
const UNSCOPED: &[(&str, &str, &str)] = &[
    ("post", "/api/v1/session", "logging in"),
    ("delete", "/api/v1/session", "logging out ends one's own session"),
    ("get", "/api/v1/public/notices", "public notices are public"),
    ("post", "/api/v1/public/notices/{case_id}/objections", "anyone may object during a notice"),
    ("get", "/api/v1/public/policies", "published policies are public"),
    ("get", "/api/v1/public/policies/{id}", "published policies are public"),
    ("post", "/api/v1/policies", "a draft is always of the caller's own region (the store sets it)"),
    ("get", "/api/v1/public/matching", "供需对接's figures are public"),
    ("get", "/api/v1/matching/offers", "donors' offers are public"),
    ("get", "/api/v1/todo", "the caller's own to-do list, each part one of the functions' scoped lists (http::the_to_do_list_counts_what_waits_on_each_role)"),
    ("post", "/api/v1/public/reports", "anyone may report a problem"),
    ("get", "/api/v1/public/ledger/heads", "the ledger's signed chain heads are published for anyone to keep"),
    ("get", "/api/v1/public/reports", "监督举报's figures and masked outcomes are public"),
    ("get", "/api/v1/public/reports/{tracking_number}", "the reporter's query code is the key (a wrong one is 404: http::the_public_reports_a_problem_and_the_county_handles_it)"),
    ("post", "/api/v1/public/reports/{tracking_number}/rating", "the reporter's query code is the key, as above"),
    ("post", "/api/v1/supervision/tasks", "a task is always dispatched at the caller's own region (the store sets it)"),
    ("post", "/api/v1/funds/allocations/preview", "an allocation is always the caller's own region's (the store sets it); a preview stores nothing"),
    ("post", "/api/v1/funds/allocations", "an allocation is always published at the caller's own region (the store sets it)"),
    ("get", "/api/v1/public/projects", "project notices are public (no household named, no account: http::funds_go_from_the_allocation_to_the_public_notice)"),
];

/// Operations where a donor acts on its own (registers, offers, lists its matches and the
/// published needs, which carry no identity): the probe skips the donor there; officials of
/// other regions are still refused.
const DONOR_OWN: &[(&str, &str)] = &[
    ("post", "/api/v1/matching/donors"),
    ("post", "/api/v1/matching/offers"),
    ("get", "/api/v1/matching/matches"),
    ("get", "/api/v1/matching/open-needs"),
];

/// Ids of 供需对接 in 阳谷县 for the probes: a donor of 聊城 (not the demo account), its offer
/// and match, and a need the probe records (waiting for the township).
struct MatchingIds {
    donor: String,
    offer: String,
    need: (String, i64),
    matched: (String, i64),
}

fn matching_ids(hid: &str) -> MatchingIds {
    use fupin_domain::matching::{AidCategory, NeedDraft, OfferDraft, Urgency};
    use fupin_store::MatchingQuery;
    let store = &server().store;
    let user = |u: &str| fupin_web::auth::caller_of(&store.user(u).unwrap().unwrap());
    let (village, township, liaocheng) = (user("village"), user("township"), user("liaocheng"));
    let demo = store.own_donor(&user("donor")).unwrap().expect("the demo donor").id;
    // A donor of 聊城 the demo seeded (it has no login; the probe acts as its account).
    let donors = store.donors(&liaocheng, &MatchingQuery { state: Some("verified".into()), ..Default::default() }).unwrap().items;
    let d = donors.into_iter().find(|d| d.id != demo).expect("a seeded donor of 聊城");
    let acting = fupin_domain::access::Caller {
        username: d.account.clone(),
        role: fupin_domain::access::Role::Donor,
        scope: fupin_domain::access::Scope::region(fupin_domain::RegionCode::parse("37").unwrap()),
    };
    let deadline = fupin_domain::id_number::Date::new(2017, 12, 31).unwrap();
    let draft = |description: &str| NeedDraft {
        category: AidCategory::Industry,
        description: description.into(),
        amount: fupin_domain::Yuan::from_yuan(3000),
        urgency: Urgency::Normal,
        deadline,
        member_no: None,
    };
    // Recorded once per process (the probes may share one server).
    let recorded = |household: &str, description: &str| {
        let of = MatchingQuery { household_id: Some(household.into()), category: Some(AidCategory::Industry), ..Default::default() };
        match store.needs(&village, &of).unwrap().items.into_iter().next() {
            Some(n) => n,
            None => store.record_need(&village, household, &draft(description), "2017-06-30").unwrap(),
        }
    };
    // A need waiting for the township, and another of a second household taken by that donor.
    let need = recorded(hid, "探测用：希望养殖肉牛");
    let others = store.search_households(&village, &fupin_store::HouseholdQuery { status: Some(fupin_domain::registry::codes::Status::Poor), per_page: 5, ..Default::default() }).unwrap().items;
    let second = others.iter().find(|h| h.id != hid).expect("a second poor household").id.clone();
    let taken = recorded(&second, "探测用：希望种植大棚蔬菜");
    let offer = match store.offers(Some(&acting), &MatchingQuery { donor_id: Some(d.id.clone()), category: Some(AidCategory::Industry), ..Default::default() }).unwrap().items.into_iter().find(|o| o.draft.title == "探测用产业帮扶") {
        Some(o) => o,
        None => {
            let o = OfferDraft {
                category: AidCategory::Industry,
                title: "探测用产业帮扶".into(),
                description: String::new(),
                capacity: 5,
                unit: fupin_domain::matching::Unit::Money,
                unit_value: fupin_domain::Yuan::from_yuan(3000),
                regions: vec![fupin_domain::RegionCode::parse("371521").unwrap()],
                deadline,
                condition: fupin_domain::matching::Condition::None,
            };
            store.post_offer(&acting, &o, "2017-06-30").unwrap()
        }
    };
    if taken.state == fupin_domain::matching::NeedState::Recorded {
        let published = store.verify_need(&township, &taken.id, taken.version, true, "", "2017-06-30").unwrap();
        store.pick_need(&acting, &published.id, &offer.id, "2017-06-30").unwrap();
    }
    let m = store.matches(&acting, &MatchingQuery { household_id: Some(second), ..Default::default() }).unwrap().items.remove(0);
    MatchingIds { donor: d.id.clone(), offer: offer.id.clone(), need: (need.id, need.version), matched: (m.id, m.version) }
}

/// Figures with no personal data, open to every logged-in role in its region (donors too).
const FIGURES: &[&str] = &["/api/v1/regions/", "/api/v1/maps/", "/api/v1/indicators/", "/api/v1/measures/"];

/// Every operation of the served OpenAPI document, called by an official of another county, of
/// another city, and by a donor (a role without the right to files): each answers 403 or 404 and
/// changes nothing (ledger and rollups equal before and after). An operation this probe cannot
/// fill (a new path parameter, a write without a sample body) fails the test until it is taught.
#[test]
fn every_operation_of_the_openapi_document_refuses_other_jurisdictions() {
    let store = &server().store;
    let village_user = store.user("village").unwrap().unwrap();
    let village = fupin_web::auth::caller_of(&village_user);
    let hid = a_village_household()["id"].as_str().unwrap().to_string();
    let other = store.search_households(&village, &fupin_store::HouseholdQuery { per_page: 50, ..Default::default() }).unwrap();
    let free = other.items.iter().rev().find(|h| store.household_cases(&village, &h.id).unwrap().is_empty()).expect("a file with no case");
    let case = store
        .open_case(&village, fupin_domain::registry::lifecycle::CaseKind::Removal, Some(&free.id), None, "探测用", "2017-06-30")
        .unwrap();
    let file = serde_json::to_value(fupin_store::conformance::sample_household(village_user.region.as_str(), 9801, 2)).unwrap();
    // A draft of 阳谷县, which no other region may see or move.
    let yanggu = fupin_web::auth::caller_of(&store.user("yanggu").unwrap().unwrap());
    let policy_draft = fupin_store::policy::conformance::sample_draft("探测用草稿", None);
    let draft = store.draft_policy(&yanggu, &policy_draft, None, "2017-06-30").unwrap();
    let draft_body = serde_json::to_value(&policy_draft).unwrap();
    let mut edit = draft_body.clone();
    edit["expected_version"] = json!(draft.version);
    let ids = matching_ids(&hid);
    // A report about the household's village, which only the units above it may see or move.
    let about = fupin_store::supervision::conformance::sample_report(&hid[..12], &format!("探测用举报，第{}号进程", std::process::id()));
    let report = store.file_report(&about, "2017-06-30").unwrap().tracking_number;
    let donor_body = json!({"kind": "3", "name": "探测", "contact": "探测", "phone": "13900000000", "region": "371521"});
    let offer_body = json!({"category": "04", "title": "探测", "capacity": 1, "unit": "2", "unit_value": 100, "regions": ["371521"],
        "deadline": "2017-12-31", "condition": "0"});
    let need_body = json!({"category": "04", "description": "探测", "amount": 100, "urgency": "1", "deadline": "2017-12-31"});
    let evaluation = an_evaluation_of_yanggu();
    let task = a_task_of_yanggu();
    let project = a_project_of_yanggu(&hid);
    let bodies: Vec<(&str, Value)> = vec![
        ("/api/v1/funds/factors/{year}", json!({"rows": [{"county": "371521", "fiscal": 1000, "appraisal": 1}]})),
        ("/api/v1/funds/projects", json!({"region": "371521100001", "year": 2017, "name": "探测", "kind": "industry", "budget": [{"source": "central", "amount": 100}]})),
        ("/api/v1/funds/projects/{id}/step", json!({"step": "accept", "expected_version": 1})),
        ("/api/v1/funds/projects/{id}/notices", json!({"kind": "plan", "from": "2017-06-01", "to": "2017-06-20", "text": "探测"})),
        ("/api/v1/funds/projects/{id}/payments", json!({"paid_on": "2017-06-01", "amount": 100, "source": "central", "payee": "探测", "account": "62284800123456", "voucher": "探测"})),
        ("/api/v1/supervision/tasks/{id}/split", json!({"parts": [{"region": "371521100", "target": 1, "deadline": "2017-12-31"}]})),
        ("/api/v1/supervision/tasks/{id}/progress", json!({"value": 1, "evidence": "探测"})),
        ("/api/v1/evaluation/evaluations", json!({"county": "371521", "year": 2016, "seed": 1, "villages": 2, "still_poor": 1, "exited": 1, "outside": 1})),
        ("/api/v1/evaluation/evaluations/{id}/results", json!({"n": 1, "result": {"satisfied": true, "enumerator": "探测"}})),
        ("/api/v1/evaluation/evaluations/{id}/outside", json!({"household": {"village": "371521100001", "head": "探测", "persons": 1}, "result": {"omitted": false, "enumerator": "探测"}})),
        ("/api/v1/evaluation/evaluations/{id}/close", json!({})),
        ("/api/v1/households/{id}/changes", json!({"expected_version": 1, "change": {"kind": "remove_measure", "no": 1}})),
        ("/api/v1/households/{id}/exit", json!({})),
        ("/api/v1/households/{id}/return", json!({"reason": "探测"})),
        ("/api/v1/households/{id}/removal", json!({"reason": "探测"})),
        ("/api/v1/households/{id}/monitoring", json!({"type": "1", "reason": "探测"})),
        ("/api/v1/households/{id}/monitoring/clear", json!({"reason": "探测"})),
        ("/api/v1/households/{id}/transfer", json!({"target": "371522100001", "reason": "探测"})),
        ("/api/v1/households/records", json!({"file": file, "reason": "探测"})),
        ("/api/v1/cases", json!({"file": file, "reason": "探测"})),
        ("/api/v1/cases/{id}/steps", json!({"expected_version": case.version, "approve": true, "note": ""})),
        ("/api/v1/objections/{id}/resolve", json!({"upheld": false, "resolution": "探测"})),
        ("/api/v1/clock", json!({"days": 1})),
        ("/api/v1/checks/runs", json!({})),
        ("/api/v1/households/{id}/visits", json!({"visited_on": "2017-06-01", "found": "探测"})),
        ("/api/v1/policies/{id}", edit),
        ("/api/v1/policies/{id}/submit", json!({"expected_version": draft.version})),
        ("/api/v1/policies/{id}/review", json!({"expected_version": draft.version, "approve": true})),
        ("/api/v1/policies/{id}/repeal", json!({"expected_version": draft.version, "note": "探测"})),
        ("/api/v1/matching/donors", donor_body),
        ("/api/v1/matching/donors/{id}/verify", json!({"expected_version": 1, "verified": false, "note": "探测"})),
        ("/api/v1/matching/offers", offer_body),
        ("/api/v1/matching/offers/{id}/withdraw", json!({"expected_version": 1})),
        ("/api/v1/households/{id}/needs", need_body),
        ("/api/v1/matching/needs/{id}/verify", json!({"expected_version": ids.need.1, "approve": true})),
        ("/api/v1/matching/needs/{id}/withdraw", json!({"expected_version": ids.need.1, "note": "探测"})),
        ("/api/v1/matching/needs/{id}/pick", json!({"offer_id": ids.offer})),
        ("/api/v1/matching/runs", json!({"region": "371521"})),
        ("/api/v1/matching/matches/{id}/steps", json!({"expected_version": ids.matched.1, "step": "agree"})),
        ("/api/v1/matching/matches/{id}/complaint", json!({"text": "探测"})),
        ("/api/v1/supervision/reports/{id}/steps", json!({"step": "accept", "expected_version": 1})),
    ];
    let fill = |path: &str, name: &str| -> String {
        match name {
            "id" if path.starts_with("/api/v1/households/") => hid.clone(),
            "id" if path.starts_with("/api/v1/cases/") => case.id.clone(),
            "id" if path.starts_with("/api/v1/objections/") => format!("{}-O1", case.id),
            "id" if path.starts_with("/api/v1/policies/") => draft.id.clone(),
            "id" if path.starts_with("/api/v1/matching/donors/") => ids.donor.clone(),
            "id" if path.starts_with("/api/v1/matching/offers/") => ids.offer.clone(),
            "id" if path.starts_with("/api/v1/matching/needs/") => ids.need.0.clone(),
            "id" if path.starts_with("/api/v1/matching/matches/") => ids.matched.0.clone(),
            "id" if path.starts_with("/api/v1/supervision/reports/") => report.clone(),
            "id" if path.starts_with("/api/v1/evaluation/evaluations/") => evaluation.clone(),
            "id" if path.starts_with("/api/v1/supervision/tasks/") => task.clone(),
            "id" if path.starts_with("/api/v1/funds/projects/") => project.clone(),
            "year" => "2017".into(),
            "code" | "region" => "371521".into(),
            "map" => "distribution".into(),
            _ => panic!("the probe has no sample for parameter {{{name}}} of {path}: teach it one"),
        }
    };
    let state = || (store.verify_ledger().unwrap().events, store.rollup_table().unwrap());
    let before = state();
    let (_, doc) = get(&client(), "/api/openapi.json");
    let callers: Vec<(&str, reqwest::blocking::Client)> = ["shenxian_village", "shenxian", "jinan", "donor"].into_iter().map(|w| (w, login(w))).collect();
    let mut probed = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if UNSCOPED.iter().any(|(m, p, _)| m == method && p == path) {
                continue;
            }
            let mut url = path.clone();
            for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                let name = p["name"].as_str().unwrap();
                url = url.replace(&format!("{{{name}}}"), &fill(path, name));
            }
            let body = bodies.iter().find(|(p, _)| p == path).map(|(_, b)| b.clone());
            if method != "get" && body.is_none() {
                panic!("the probe has no sample body for {method} {path}: teach it one");
            }
            for (who, c) in &callers {
                if *who == "donor" && FIGURES.iter().any(|f| path.starts_with(f)) {
                    continue;
                }
                if *who == "donor" && DONOR_OWN.iter().any(|(m, p)| m == method && p == path) {
                    continue;
                }
                let full = format!("{}{url}?region=371521", server().base);
                let req = match method.as_str() {
                    "get" => c.get(&full),
                    "post" => c.post(&full).json(body.as_ref().unwrap()),
                    "delete" => c.delete(&full),
                    "put" => c.put(&full).json(body.as_ref().unwrap()),
                    m => panic!("the probe does not know method {m} of {path}"),
                };
                let status = req.send().unwrap().status().as_u16();
                assert!(matches!(status, 403 | 404), "{who}: {method} {url} answered {status}");
            }
            probed += 1;
        }
    }
    assert!(probed >= 24, "only {probed} operations probed");
    assert!(state() == before, "a refused call changed the ledger or the rollups");
}

#[test]
fn personal_data_is_masked_by_role_and_unmasked_reads_are_audited() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let (_, prov) = get(&login("province"), &format!("/api/v1/households/{id}"));
    let masked = prov["members"][0]["id_number"].as_str().unwrap();
    assert!(masked.contains("********"), "{masked}");
    assert_eq!(prov["members"][0]["health"], "***");
    let before = server().store.pii_audit_count(&id).unwrap();
    let (_, vil) = get(&login("village"), &format!("/api/v1/households/{id}"));
    let plain = vil["members"][0]["id_number"].as_str().unwrap();
    assert!(fupin_domain::IdNumber::parse(plain).is_ok(), "{plain}");
    assert_eq!(server().store.pii_audit_count(&id).unwrap(), before + 1);
    let (_, list) = get(&login("village"), "/api/v1/households");
    assert!(list["items"][0]["head_id_number"].as_str().unwrap().contains("********"));
    assert_eq!(get(&login("donor"), &format!("/api/v1/households/{id}")).0, 403);
    assert_eq!(get(&login("donor"), "/api/v1/regions/37").0, 200);
}

/// The province's administrators read the PII audit, filtered and paginated; no other role
/// reads it or is shown its link.
#[test]
fn the_province_reads_the_pii_audit() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    get(&login("village"), &format!("/api/v1/households/{id}"));
    let province = login("province");
    let page = |q: &str| province.get(format!("{}/audit{q}", server().base)).send().unwrap();
    let all = page("").text().unwrap();
    assert!(all.contains("个人信息查阅记录") && all.contains(&id) && all.contains("id_number"), "{all}");
    let own_county = page("?region=371521&username=village").text().unwrap();
    assert!(own_county.contains(&id));
    let elsewhere = page("?region=3701").text().unwrap();
    assert!(!elsewhere.contains(&id) && elsewhere.contains("没有符合条件的查阅记录"), "{elsewhere}");
    let bad = page("?region=12x").text().unwrap();
    assert!(bad.contains("class=\"error\""), "a bad region code is said on the page");
    assert!(province.get(format!("{}/regions/37", server().base)).send().unwrap().text().unwrap().contains("href=\"/audit\""));
    for user in ["yanggu", "village", "helper", "department", "evaluator"] {
        let c = login(user);
        assert_eq!(c.get(format!("{}/audit", server().base)).send().unwrap().status(), 403, "{user}");
        let home = c.get(format!("{}/households", server().base)).send().unwrap().text().unwrap();
        assert!(!home.contains("href=\"/audit\""), "{user} is not shown the link");
    }
}

#[test]
fn search_by_name_and_filters() {
    let h = a_village_household();
    let c = login("yanggu");
    let name = h["head_name"].as_str().unwrap();
    let (s, page) = get(&c, &format!("/api/v1/households?q={name}"));
    assert_eq!(s, 200);
    assert!(page["items"].as_array().unwrap().iter().any(|x| x["id"] == h["id"]));
    let (_, exited) = get(&c, "/api/v1/households?status=2&per_page=50");
    assert!(exited["items"].as_array().unwrap().iter().all(|x| x["status"] == "2"));
    let (s, err) = get(&c, "/api/v1/households?status=7");
    assert_eq!((s, err["error"]["code"].as_str()), (400, Some("code.status")));
}

#[test]
fn village_official_edits_with_versions_and_history() {
    let h = a_village_household();
    let id = h["id"].as_str().unwrap();
    let c = login("village");
    let (_, file) = get(&c, &format!("/api/v1/households/{id}"));
    let version = file["version"].as_i64().unwrap();
    let store = &server().store;
    let caller = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let current = store.household(&caller, id).unwrap();
    let mut fields = fupin_domain::registry::household::HouseholdFields::of(&current);
    fields.phone = "13700001111".into();
    let body = json!({"expected_version": version, "reason": "电话变更", "change": {"kind": "edit_fields", "fields": fields}});
    let r = c.post(format!("{}/api/v1/households/{id}/changes", server().base)).json(&body).send().unwrap();
    assert_eq!(r.status(), 200);
    let after: Value = r.json().unwrap();
    assert_eq!((after["version"].as_i64().unwrap(), after["phone"].as_str().unwrap()), (version + 1, "13700001111"));
    let stale = c.post(format!("{}/api/v1/households/{id}/changes", server().base)).json(&body).send().unwrap();
    assert_eq!(stale.status(), 409);
    fields.phone = "123".into();
    let bad = json!({"expected_version": version + 1, "change": {"kind": "edit_fields", "fields": fields}});
    let r = c.post(format!("{}/api/v1/households/{id}/changes", server().base)).json(&bad).send().unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().unwrap()["error"]["code"], "household.phone");
    let (_, history) = get(&c, &format!("/api/v1/households/{id}/history"));
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["reason"].as_str(), last["actor"].as_str()),
        (Some("edit_fields"), Some("电话变更"), Some("village"))
    );
    let r = login("yanggu").post(format!("{}/api/v1/households/{id}/changes", server().base)).json(&body).send().unwrap();
    assert_eq!(r.status(), 403, "county officials do not edit files");
    assert_eq!(store.verify_ledger().unwrap().broken, None);
}

#[test]
fn forms_need_the_csrf_token() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let c = login("village");
    let r = c
        .post(format!("{}/households/{id}/edit", server().base))
        .form(&[("version", "1"), ("reason", "x"), ("csrf", "forged")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client()
        .post(format!("{}/login", server().base))
        .form(&[("username", "village"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403, "login form without its cookie token");
}

#[test]
fn pages_render_in_chinese() {
    let c = login("province");
    let r = c.get(format!("{}/regions/37", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("山东省") && html.contains("菏泽市") && html.contains("剩余贫困人口"));
    let html = c.get(format!("{}/households?region=3715", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("贫困户档案"));
    let r = client().get(format!("{}/regions/37", server().base)).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/login"));
}

#[test]
fn openapi_health_and_metrics() {
    let (s, doc) = get(&client(), "/api/openapi.json");
    assert_eq!(s, 200);
    for p in
        ["/api/v1/session", "/api/v1/regions/{code}", "/api/v1/households", "/api/v1/households/{id}", "/api/v1/households/{id}/history"]
    {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    let c = client();
    assert_eq!(c.get(format!("{}/healthz", server().base)).send().unwrap().text().unwrap(), "ok");
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    assert_eq!(get(&login("village"), &format!("/api/v1/households/{id}")).0, 200);
    let m = c.get(format!("{}/metrics", server().base)).send().unwrap().text().unwrap();
    assert!(m.contains("fupin_http_requests_total "));
    // Per route template, never per raw path (ids would explode the label set).
    assert!(m.contains("fupin_http_route_responses_total{route=\"/api/v1/households/{id}\",status=\"2xx\"}"), "{m}");
    assert!(m.contains("fupin_http_request_duration_seconds_bucket{route=\"/api/v1/households/{id}\",le=\"+Inf\"}"), "{m}");
    assert!(!m.contains(&id), "no household id in the metrics");
}

/// Every answer (a page, the API, an error, an asset) carries the security headers.
#[test]
fn every_answer_carries_the_security_headers() {
    let c = client();
    for path in ["/login", "/api/v1/households", "/assets/maps.js", "/no/such/page", "/public/notices?region=371521"] {
        let r = c.get(format!("{}{path}", server().base)).send().unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]), "{path}");
        assert!(h.get("referrer-policy").is_some(), "{path}");
    }
}

/// Whatever is wrong with a request, the answer is the documented error shape (JSON under
/// `/api/`, a Chinese page elsewhere), never the framework's English text.
#[test]
fn every_rejection_answers_the_documented_error_shape() {
    let c = login("village");
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let base = &server().base;
    let changes = format!("{base}/api/v1/households/{id}/changes");
    let cases: Vec<(&str, reqwest::blocking::RequestBuilder, u16)> = vec![
        ("malformed JSON", c.post(&changes).header("content-type", "application/json").body("{not json"), 400),
        ("missing field", c.post(&changes).json(&json!({"change": {"kind": "remove_measure", "no": 1}})), 422),
        ("no content type", c.post(&changes).body("{}"), 415),
        ("bad query", c.get(format!("{base}/api/v1/households?page=minus")), 400),
        ("bad path", c.get(format!("{base}/api/v1/maps/distribution/37/export.xlsx?period=2147483648")), 400),
        ("missing query", c.get(format!("{base}/api/v1/public/notices")), 400),
        ("unknown route", c.get(format!("{base}/api/v1/no-such-thing")), 404),
        ("wrong method", c.delete(format!("{base}/api/v1/households")), 405),
    ];
    for (what, req, status) in cases {
        let r = req.send().unwrap();
        assert_eq!(r.status().as_u16(), status, "{what}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{what}");
        let body: Value = r.json().unwrap();
        let (code, message) = (body["error"]["code"].as_str().unwrap_or(""), body["error"]["message"].as_str().unwrap_or(""));
        assert!(!code.is_empty() && message.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{what}: {body}");
    }
    let page = client().get(format!("{base}/public/notices?region=37x")).send().unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().unwrap().contains("区划代码“37x”格式错误"));
}

/// The yearly update took a name of its own; the old page path redirects there.
#[test]
fn the_old_evaluation_page_redirects_to_the_yearly_update() {
    let r = login("yanggu").get(format!("{}/evaluation?year=2016", server().base)).send().unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/yearly?year=2016");
}

fn map(c: &reqwest::blocking::Client, path: &str) -> Value {
    let (s, v) = get(c, path);
    assert_eq!(s, 200, "{path}: {v}");
    v
}

#[test]
fn map_totals_equal_the_sum_of_children_and_a_recount() {
    let c = login("province");
    // A recount from the files and the ledger, independent of the maintained rollups.
    let recount = server().store.recount_rollups().unwrap();
    let county_persons = |prefix: &str, metrics: &[&str]| -> f64 {
        recount
            .iter()
            .filter(|((l, code, m), _)| *l == 6 && code.starts_with(prefix) && metrics.contains(&m.as_str()))
            .map(|(_, t)| t.persons as f64)
            .sum()
    };
    for (code, metric, metrics) in [
        ("37", "remaining", &["status:1", "status:4"][..]),
        ("3715", "registered", &["all"][..]),
        ("3717", "exited", &["status:2", "status:3"][..]),
    ] {
        let v = map(&c, &format!("/api/v1/maps/distribution/{code}?metric={metric}"));
        let sum: f64 = v["children"].as_array().unwrap().iter().map(|x| x["value"].as_f64().unwrap_or(0.0)).sum();
        assert_eq!(v["total"].as_f64().unwrap(), sum, "{code} {metric}: total = sum of children");
        assert_eq!(sum, county_persons(code, metrics), "{code} {metric}: equals a recount");
    }
    let d = map(&c, "/api/v1/maps/dynamics/37?metric=exited&period=2016");
    let exited_2016: f64 = d["children"].as_array().unwrap().iter().map(|x| x["value"].as_f64().unwrap()).sum();
    assert_eq!(exited_2016, county_persons("37", &["exited:2016"]));
    assert_eq!(d["series"].as_array().unwrap().len(), 3, "2015, 2016, 2017");
    let incidence = map(&c, "/api/v1/maps/distribution/3715?metric=incidence");
    assert!(incidence["children"].as_array().unwrap().iter().all(|x| x["value"].as_f64().is_some_and(|v| (0.0..100.0).contains(&v))));
}

#[test]
fn development_zones_are_listed_beside_the_map_not_dropped() {
    let c = login("province");
    let v = map(&c, "/api/v1/maps/distribution/3701?metric=registered");
    let without: Vec<&str> = v["without_polygon"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert!(without.contains(&"370176"), "{without:?}");
    assert!(v["children"].as_array().unwrap().iter().any(|x| x["code"] == "370176"), "still counted among the children");
    assert_eq!(v["geo"], "/api/v1/geo/3701");
    let county = map(&c, "/api/v1/maps/distribution/371521");
    assert!(
        county["geo"].is_null() && county["without_polygon"].as_array().unwrap().is_empty(),
        "townships are drawn as bars, not listed as missing"
    );
}

#[test]
fn maps_respect_jurisdiction_and_validate_input() {
    let city = login("liaocheng");
    assert_eq!(get(&city, "/api/v1/maps/distribution/3715").0, 200);
    for path in [
        "/api/v1/maps/distribution/3717",
        "/api/v1/maps/measures/37",
        "/api/v1/maps/dynamics/371721",
        "/api/v1/maps/schedule/37",
        "/api/v1/helpers/load/371722",
    ] {
        assert_eq!(get(&city, path).0, 404, "{path}");
    }
    assert_eq!(city.get(format!("{}/maps/distribution/3717", server().base)).send().unwrap().status(), 404);
    let (s, e) = get(&city, "/api/v1/maps/distribution/3715?metric=nonsense");
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("map.metric")));
    assert_eq!(get(&city, "/api/v1/maps/dynamics/3715?period=2030").0, 400);
    assert_eq!(get(&city, "/api/v1/maps/unknown/3715").0, 404);
    assert_eq!(get(&city, "/api/v1/helpers/load/3715").0, 422, "helper load is for counties and below");
}

#[test]
fn measures_map_schedule_and_helper_load() {
    let c = login("yanggu");
    let m = map(&c, "/api/v1/maps/measures/371521?metric=measured_share");
    assert!(m["total"].as_f64().unwrap() > 50.0, "most remaining households have a measure");
    let gaps = map(&c, "/api/v1/maps/measures/371521?metric=gap:measure");
    let gap_total = gaps["total"].as_f64().unwrap() as i64;
    let (_, list) = get(&c, "/api/v1/households?region=371521&gap=measure&per_page=200");
    assert_eq!(list["total"].as_i64().unwrap(), gap_total, "the gap list matches the map");
    let s = map(&login("liaocheng"), "/api/v1/maps/schedule/3715?period=2016");
    let rows = s["schedule"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.windows(2).all(|w| w[0]["pace"].as_f64() <= w[1]["pace"].as_f64()), "sorted by risk");
    assert!(rows.iter().all(|r| r["days_left"] == 0 && matches!(r["status"].as_str(), Some("green" | "amber" | "red"))));
    let load: Value = get(&c, "/api/v1/helpers/load/371521").1;
    let first = &load.as_array().unwrap()[0];
    assert!(first["households"].as_i64().unwrap() >= 1 && first["over_cap"] == false, "{first}");
}

#[test]
fn boundaries_are_cached_with_etags() {
    let c = client();
    let r = c.get(format!("{}/api/v1/geo/37", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    let geo: Value = r.json().unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 16);
    let again = c.get(format!("{}/api/v1/geo/37", server().base)).header("If-None-Match", &etag).send().unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(c.get(format!("{}/api/v1/geo/371521", server().base)).send().unwrap().status(), 404);
    let x = login("province").get(format!("{}/api/v1/maps/distribution/37/export.xlsx?metric=remaining", server().base)).send().unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-disposition"].to_str().unwrap().contains("distribution-37-remaining.xlsx"));
    assert_eq!(&x.bytes().unwrap()[..2], b"PK");
    let js = c.get(format!("{}/assets/echarts-5.6.0.min.js", server().base)).send().unwrap();
    assert!(js.headers()["cache-control"].to_str().unwrap().contains("immutable"));
}

#[test]
fn exit_proposals_check_the_standards_and_steps_check_the_level() {
    let (ready, not_ready) = common::exit_candidates();
    let ready = ready.first().expect("an exit-ready household").clone();
    let village = login("village");
    let events_before: usize = get(&village, &format!("/api/v1/households/{not_ready}/history")).1.as_array().unwrap().len();
    let r = village.post(format!("{}/api/v1/households/{not_ready}/exit", server().base)).send().unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "exit.standards_unmet");
    assert!(!body["error"]["unmet"].as_array().unwrap().is_empty());
    assert_eq!(
        get(&village, &format!("/api/v1/households/{not_ready}/history")).1.as_array().unwrap().len(),
        events_before,
        "nothing recorded"
    );

    let county = login("yanggu");
    assert_eq!(county.post(format!("{}/api/v1/households/{ready}/exit", server().base)).send().unwrap().status(), 403);
    assert_eq!(login("shenxian_village").post(format!("{}/api/v1/households/{ready}/exit", server().base)).send().unwrap().status(), 404);
    let case: Value = village.post(format!("{}/api/v1/households/{ready}/exit", server().base)).send().unwrap().json().unwrap();
    let id = case["id"].as_str().unwrap().to_string();
    assert_eq!(case["state"], "open");
    let step = |c: &reqwest::blocking::Client, v: i64| {
        c.post(format!("{}/api/v1/cases/{id}/steps", server().base)).json(&json!({"expected_version": v, "approve": true})).send().unwrap()
    };
    let r = step(&county, 1);
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().unwrap()["error"]["code"], "case.wrong_level");
    assert_eq!(step(&village, 1).status(), 200);
    assert_eq!(step(&village, 1).status(), 409, "a stale version loses");
    assert_eq!(get(&login("shenxian"), &format!("/api/v1/cases/{id}")).0, 404);
    let (_, listed) = get(&county, "/api/v1/cases?region=371521");
    assert!(listed.as_array().unwrap().iter().any(|c| c["id"] == id.as_str()));
}

#[test]
fn public_notices_show_no_personal_data_and_take_objections_without_login() {
    let (ready, _) = common::exit_candidates();
    let ready = ready.last().expect("an exit-ready household").clone();
    let village = login("village");
    let mut case: Value = village.post(format!("{}/api/v1/households/{ready}/exit", server().base)).send().unwrap().json().unwrap();
    let id = case["id"].as_str().unwrap().to_string();
    for _ in 0..4 {
        let v = case["version"].as_i64().unwrap();
        case = village
            .post(format!("{}/api/v1/cases/{id}/steps", server().base))
            .json(&json!({"expected_version": v, "approve": true}))
            .send()
            .unwrap()
            .json()
            .unwrap();
    }
    assert_eq!(case["state"], "notice");
    let town = &case["village_code"].as_str().unwrap()[..9];
    let public = client();
    let (s, notices) = get(&public, &format!("/api/v1/public/notices?region={town}"));
    assert_eq!(s, 200);
    let text = notices.to_string();
    let h =
        server().store.household(&fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap()), &ready).unwrap();
    for m in h.active_members() {
        assert!(!text.contains(m.id_number.as_str()), "no ID numbers on public notices");
    }
    assert!(!text.contains(&h.bank_account) && (h.phone.is_empty() || !text.contains(&h.phone)));
    assert!(notices.as_array().unwrap().iter().any(|n| n["case_id"] == id.as_str()));
    let html = public.get(format!("{}/public/notices?region={town}", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("扶贫对象公示公告") && html.contains(&id));
    let r = public
        .post(format!("{}/api/v1/public/notices/{id}/objections", server().base))
        .json(&json!({"text": "该户有经营性收入未申报"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let tracking = r.json::<Value>().unwrap()["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(tracking, format!("{id}-O1"));
    let (_, c) = get(&village, &format!("/api/v1/cases/{id}"));
    assert_eq!(c["state"], "paused");
    let r = login("township")
        .post(format!("{}/api/v1/objections/{tracking}/resolve", server().base))
        .json(&json!({"upheld": false, "resolution": "已核实，收入已计入"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["state"], "notice");
    assert_eq!(get(&public, "/api/v1/public/notices?region=3715").0, 400, "notices are by township or village");
}

#[test]
fn only_the_demo_province_official_moves_the_clock() {
    let r = login("yanggu").post(format!("{}/api/v1/clock", server().base)).json(&json!({"days": 1})).send().unwrap();
    assert_eq!(r.status(), 403);
    let r = login("province").post(format!("{}/api/v1/clock", server().base)).json(&json!({"days": 0})).send().unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn incidence_against_the_exit_threshold() {
    let c = login("province");
    let (s, v) = get(&c, "/api/v1/indicators/3715");
    assert_eq!(s, 200);
    for child in v["children"].as_array().unwrap() {
        assert_eq!(child["threshold_bp"], 300, "聊城 uses the western threshold");
        let (pop, rem) = (child["rural_population"].as_i64().unwrap(), child["remaining_persons"].as_i64().unwrap());
        let bp = child["incidence_bp"].as_i64().unwrap();
        assert!((bp - (rem * 10_000 / pop)).abs() <= 1, "{child}");
        assert_eq!(child["meets"].as_bool().unwrap(), bp < 300);
    }
    let (_, jinan) = get(&c, "/api/v1/indicators/3701");
    assert_eq!(jinan["region"]["threshold_bp"], 200);
    let page = c.get(format!("{}/indicators/3715", server().base)).send().unwrap().text().unwrap();
    assert!(page.contains("贫困发生率") && page.contains("阳谷县"));
    assert_eq!(get(&login("liaocheng"), "/api/v1/indicators/3717").0, 404);
}

#[test]
fn data_checks_by_region() {
    let (s, v) = get(&login("yanggu"), "/api/v1/checks?region=371521");
    assert_eq!(s, 200);
    assert!(v["counts"].as_object().unwrap().contains_key("stale"));
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["household_id"].as_str().unwrap().starts_with("371521")));
    assert_eq!(get(&login("shenxian"), "/api/v1/checks?region=371521").0, 404);
    assert_eq!(get(&login("donor"), "/api/v1/checks").0, 403);
    let page = login("yanggu").get(format!("{}/checks", server().base)).send().unwrap().text().unwrap();
    assert!(page.contains("数据核查") && page.contains("超过一年未更新"));
}

/// The checks run as a job: the first visit starts it and shows its progress, the page then
/// opens from the kept result, which equals a fresh run; a rerun replaces it; findings filter
/// by kind and export to xlsx; other jurisdictions and non-officials are refused.
#[test]
fn checks_run_in_the_background_and_open_from_the_kept_result() {
    let c = login("township");
    let store = &server().store;
    let user = store.user("township").unwrap().unwrap();
    let town = user.region.to_string();
    let first = c.get(format!("{}/checks", server().base)).send().unwrap().text().unwrap();
    assert!(first.contains("id=\"checks-running\"") && first.contains("http-equiv=\"refresh\""), "the first visit starts the job");
    let mut page = String::new();
    for _ in 0..300 {
        page = c.get(format!("{}/checks", server().base)).send().unwrap().text().unwrap();
        if page.contains("id=\"checks-when\"") && !page.contains("checks-running") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(page.contains("id=\"check-counts\""), "the kept result: {page}");
    // The kept result is what a fresh run finds.
    let caller = fupin_web::auth::caller_of(&user);
    let fresh = store.data_checks(&caller, &user.region, fupin_domain::id_number::Date::new(2017, 6, 30).unwrap()).unwrap();
    let (_, kept) = get(&c, "/api/v1/checks");
    assert_eq!(kept, serde_json::to_value(&fresh).unwrap());
    for (kind, (_, n)) in &fresh.counts {
        assert!(page.contains(&format!("data-kind=\"{kind}\"")), "{kind} listed");
        if *n > 0 {
            let only = c.get(format!("{}/checks?kind={kind}", server().base)).send().unwrap().text().unwrap();
            let rows = only.matches(">去修改</a>").count();
            assert_eq!(rows as i64, (*n).min(50), "{kind}: one row per finding, 50 a page");
        }
    }
    // A rerun through the API replaces the kept run.
    let r = c.post(format!("{}/api/v1/checks/runs", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    let run: Value = r.json().unwrap();
    assert_eq!((run["region"].as_str(), run["computed_on"].as_str()), (Some(town.as_str()), Some("2017-06-30")));
    // The form starts one in the background and returns to the page.
    let csrf = csrf_of(&c, "/checks");
    let r = c.post(format!("{}/checks/run", server().base)).form(&[("csrf", csrf.as_str()), ("region", town.as_str())]).send().unwrap();
    assert_eq!(r.status(), 303, "back to the page");
    assert_eq!(r.headers()["location"], format!("/checks?region={town}"));
    let x = c.get(format!("{}/checks/export.xlsx", server().base)).send().unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert_eq!(login("shenxian").get(format!("{}/checks/export.xlsx?region={town}", server().base)).send().unwrap().status(), 404);
    assert_eq!(login("shenxian").get(format!("{}/checks?region={town}", server().base)).send().unwrap().status(), 404);
    assert_eq!(login("helper").get(format!("{}/checks", server().base)).send().unwrap().status(), 403);
    let h = login("helper");
    let csrf = csrf_of(&h, "/");
    assert_eq!(h.post(format!("{}/checks/run", server().base)).form(&[("csrf", csrf.as_str()), ("region", town.as_str())]).send().unwrap().status(), 403);
}

fn csrf_of(c: &reqwest::blocking::Client, page: &str) -> String {
    let html = c.get(format!("{}{page}", server().base)).send().unwrap().text().unwrap();
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

#[test]
fn export_and_import_from_the_web() {
    let c = login("yanggu");
    let r = c.get(format!("{}/households/export?region=371521&format=xlsx", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("households-371521.xlsx"));
    let xlsx = r.bytes().unwrap().to_vec();
    assert_eq!(&xlsx[..2], b"PK", "an xlsx is a zip");
    let csrf = csrf_of(&c, "/households/import");
    let upload = |bytes: Vec<u8>, name: &str, csrf: &str| {
        let form = reqwest::blocking::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part("file", reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_string()));
        c.post(format!("{}/households/import", server().base)).multipart(form).send().unwrap()
    };
    let page = upload(xlsx.clone(), "yanggu.xlsx", &csrf).text().unwrap();
    assert!(page.contains("导入完成") && page.contains("更新 0 户"), "{page}");
    let page = upload(b"garbage".to_vec(), "bad.xlsx", &csrf).text().unwrap();
    assert!(page.contains("不是有效的xlsx"), "{page}");
    assert_eq!(upload(xlsx.clone(), "x.xlsx", "forged").status(), 403);
    // Another county's official: every household refused, with a report to download.
    let other = login("shenxian");
    let csrf = csrf_of(&other, "/households/import");
    let form = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::blocking::multipart::Part::bytes(xlsx).file_name("y.xlsx"));
    let page = other.post(format!("{}/households/import", server().base)).multipart(form).send().unwrap().text().unwrap();
    assert!(page.contains("导入未执行") && page.contains("管辖范围"), "{page}");
    let at = page.find("/households/import/report/").unwrap();
    let link = &page[at..at + "/households/import/report/".len() + 64];
    let report = other.get(format!("{}{link}", server().base)).send().unwrap();
    assert_eq!(report.status(), 200);
    assert_eq!(&report.bytes().unwrap()[..2], b"PK");
}

/// Cells holding a whole 18-character ID number (17 digits and a digit or X).
fn whole_id_numbers(csv: &str) -> usize {
    csv.split(|c| c == ',' || c == '\n' || c == '"')
        .filter(|c| c.len() == 18 && c.is_ascii() && c[..17].bytes().all(|b| b.is_ascii_digit()) && matches!(c.as_bytes()[17], b'0'..=b'9' | b'X'))
        .count()
}

/// Exports show each role only what its pages show (officials, who exchange files with the
/// county offices, get them whole); every export with personal data is audited; a masked
/// export is refused on import rather than overwrite real numbers.
#[test]
fn exports_are_masked_by_role_audited_and_masked_files_refused_on_import() {
    let audited = || server().store.pii_audit_count("export:371521").unwrap();
    let export = |user: &str, format: &str| {
        let r = login(user).get(format!("{}/households/export?region=371521&format={format}", server().base)).send().unwrap();
        assert_eq!(r.status(), 200, "{user}");
        r.bytes().unwrap().to_vec()
    };
    let before = audited();
    let county = String::from_utf8(export("yanggu", "csv")).unwrap();
    assert!(whole_id_numbers(&county) > 0, "the county's export is whole");
    assert_eq!(audited(), before + 1, "an unmasked export is audited");
    let dept = String::from_utf8(export("department", "csv")).unwrap();
    assert!(dept.lines().count() > 1, "the department's export has rows");
    assert_eq!(whole_id_numbers(&dept), 0, "no whole ID number in a department's export");
    assert!(dept.contains("********"), "ID numbers masked in place, the layout kept");
    assert_eq!(audited(), before + 2, "the department sees health data: audited");
    for user in ["helper", "evaluator"] {
        let text = String::from_utf8(export(user, "csv")).unwrap();
        assert_eq!(whole_id_numbers(&text), 0, "{user}");
    }
    // The department's xlsx, uploaded by the county official, changes nothing.
    let masked = export("department", "xlsx");
    let c = login("yanggu");
    let csrf = csrf_of(&c, "/households/import");
    let form = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf)
        .part("file", reqwest::blocking::multipart::Part::bytes(masked).file_name("dept.xlsx"));
    let page = c.post(format!("{}/households/import", server().base)).multipart(form).send().unwrap().text().unwrap();
    assert!(page.contains("导入未执行") && page.contains("已脱敏"), "{page}");
}

/// 动态调整 opens from the run the data checks keep (one pass does both) and equals a fresh
/// judgement; its lists are grouped by village, paginated, name each household with why it is
/// listed and link to the file's cases; another year is judged on demand; the lists export.
#[test]
fn yearly_evaluation_of_a_region() {
    let c = login("yanggu");
    let (s, e) = get(&c, "/api/v1/yearly?region=371521");
    assert_eq!(s, 200);
    let counts = e["counts"].as_object().unwrap();
    let total: u64 = counts.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, e["households"].as_u64().unwrap());
    assert!(counts["meets_exit"].as_u64().unwrap() >= 1, "the test county has exit-ready files");
    for f in e["meets_exit"].as_array().unwrap().iter().chain(e["at_risk"].as_array().unwrap()) {
        let id = f["household_id"].as_str().unwrap();
        assert!(id.starts_with("371521") && id.starts_with(f["village_code"].as_str().unwrap()), "{f}");
        assert!(!f["head_name"].as_str().unwrap().is_empty() && !f["reasons"].as_array().unwrap().is_empty(), "{f}");
    }
    // The answer is the kept run's: what the store judges now, and what the page shows.
    let store = &server().store;
    let caller = fupin_web::auth::caller_of(&store.user("yanggu").unwrap().unwrap());
    let county = fupin_domain::RegionCode::parse("371521").unwrap();
    let kept = store.last_yearly(&caller, &county).unwrap().expect("kept by the first call");
    let fresh = store.yearly_update(&caller, &county, 2017, fupin_domain::id_number::Date::new(2017, 6, 30).unwrap()).unwrap();
    assert_eq!(kept.update.counts, fresh.counts);
    assert_eq!((kept.update.meets_exit, kept.update.at_risk), (fresh.meets_exit.clone(), fresh.at_risk.clone()));
    let children: u64 = e["by_child"].as_object().unwrap().values().map(|v| v[0].as_u64().unwrap()).sum();
    assert_eq!(children, counts["meets_exit"].as_u64().unwrap(), "the townships' counts add up");
    let page = |q: &str| c.get(format!("{}/yearly?region=371521{q}", server().base)).send().unwrap().text().unwrap();
    let first = page("");
    assert!(first.contains("id=\"yearly-when\"") && !first.contains("yearly-running"), "opened from the kept run");
    assert!(first.contains("id=\"yearly-children\"") && first.contains("动态调整") && first.contains("（返）贫风险"));
    let listed = fresh.meets_exit.len();
    assert_eq!(first.matches(">提出退出</a>").count(), listed.min(50), "50 a page");
    assert!(first.contains(&fresh.meets_exit[0].head_name) && first.contains("class=\"group\""), "named and grouped by village");
    if listed > 50 {
        let second = page("&page=2");
        assert_eq!(second.matches(">提出退出</a>").count(), (listed - 50).min(50));
        assert!(second.contains(&fresh.meets_exit[50].household_id));
    }
    let risk = page("&list=at_risk");
    assert_eq!(risk.matches(">纳入监测</a>").count(), fresh.at_risk.len().min(50));
    if fresh.at_risk.is_empty() {
        assert!(risk.contains("id=\"no-yearly\""), "an empty list says why");
    }
    // A past year is judged now and said to be.
    let past = page("&year=2016");
    assert!(past.contains("id=\"yearly-other\"") && past.contains("2016年"), "another year on demand");
    assert_eq!(get(&c, "/api/v1/yearly?year=2030").0, 400);
    assert!(c.get(format!("{}/yearly?year=2030", server().base)).send().unwrap().status().is_client_error());
    // The rerun form returns here; the export has a sheet per list.
    let csrf = csrf_of(&c, "/yearly?region=371521");
    let r = c.post(format!("{}/checks/run", server().base)).form(&[("csrf", csrf.as_str()), ("region", "371521"), ("back", "yearly")]).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/yearly?region=371521"));
    let x = c.get(format!("{}/yearly/export.xlsx?region=371521", server().base)).send().unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    // Outside the jurisdiction, and for roles that do not run it.
    for (user, status) in [("shenxian", 404), ("jinan", 404)] {
        assert_eq!(get(&login(user), "/api/v1/yearly?region=371521").0, status, "{user}");
        let l = login(user);
        assert_eq!(l.get(format!("{}/yearly?region=371521", server().base)).send().unwrap().status(), status, "{user}");
        assert_eq!(l.get(format!("{}/yearly/export.xlsx?region=371521", server().base)).send().unwrap().status(), status, "{user}");
    }
    for user in ["helper", "donor"] {
        assert_eq!(login(user).get(format!("{}/yearly", server().base)).send().unwrap().status(), 403, "{user}");
        assert_eq!(login(user).get(format!("{}/yearly/export.xlsx", server().base)).send().unwrap().status(), 403, "{user}");
    }
}

/// The JSON API takes only what the forms and the importer take: no negative or overflowing
/// amounts, no one born after the business date; nothing applied when refused.
#[test]
fn the_api_refuses_amounts_and_dates_the_forms_refuse() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let c = login("village");
    let (_, before) = get(&c, &format!("/api/v1/households/{id}"));
    let v = before["version"].clone();
    let post = |change: Value| {
        c.post(format!("{}/api/v1/households/{id}/changes", server().base))
            .json(&json!({"expected_version": v, "reason": "测试", "change": change}))
            .send()
            .unwrap()
    };
    let income = |wage: Value| {
        json!({"kind": "set_income", "income": {"year": 2017, "wage": wage, "business": 0, "property": 0, "transfer": 0,
            "transfer_excluded": 0, "expenses": 0}})
    };
    for wage in [json!(-50_000_000), json!(9_000_000_000_000_000_000u64)] {
        let r = post(income(wage.clone()));
        assert_eq!(r.status(), 422, "wage {wage}");
        let body: Value = r.json().unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    // A member whose ID number says born in 2030, and one with a recorded birth date in 2031.
    let store = &server().store;
    let caller = fupin_web::auth::caller_of(&store.user("village").unwrap().unwrap());
    let file = store.household(&caller, &id).unwrap();
    let mut member = serde_json::to_value(&file.members[0]).unwrap();
    member["no"] = json!(90);
    member["relation"] = json!("99");
    member["id_number"] = json!("371521203001011232");
    member["sex"] = json!("1");
    let r = post(json!({"kind": "put_member", "member": member.clone()}));
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("晚于业务日期"));
    member["id_number"] = json!(fupin_domain::IdNumber::build("371521", fupin_domain::id_number::Date::new(1990, 5, 5).unwrap(), 901).as_str());
    member["sex"] = json!(if member["id_number"].as_str().unwrap().as_bytes()[16] % 2 == 1 { "1" } else { "2" });
    member["birth_date"] = json!("2031-05-05");
    let r = post(json!({"kind": "put_member", "member": member}));
    assert_eq!(r.status(), 422);
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!(after, before, "nothing applied");
}

/// A transition named in the API's JSON is no edit at all: refused as malformed, nothing applied.
#[test]
fn transitions_cannot_be_sent_through_the_changes_api() {
    let h = a_village_household();
    let id = h["id"].as_str().unwrap();
    let c = login("village");
    let (_, before) = get(&c, &format!("/api/v1/households/{id}"));
    for change in [json!({"kind": "set_monitoring", "monitoring": "1"}), json!({"kind": "set_status", "status": "2", "year": 2017})] {
        let r = c
            .post(format!("{}/api/v1/households/{id}/changes", server().base))
            .json(&json!({"expected_version": before["version"], "change": change}))
            .send()
            .unwrap();
        assert!(r.status().is_client_error(), "{change}: {}", r.status());
    }
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!(
        (&after["version"], &after["status"], &after["monitoring"]),
        (&before["version"], &before["status"], &before["monitoring"]),
        "nothing applied"
    );
}

#[test]
fn monitoring_is_proposed_with_a_type_and_a_deadline() {
    let village = login("village");
    // A household of the village registered as exited in 2016 (transitions come only from
    // workflows; the exit itself is tested elsewhere).
    let store = &server().store;
    let village_user = store.user("village").unwrap().unwrap();
    let v = fupin_web::auth::caller_of(&village_user);
    let exited = fupin_store::conformance::exited_household(village_user.region.as_str(), 9101, 2, 2016);
    let id = store.create_household(&v, exited, "测试建档", "2016-11-01").unwrap().id;
    let id = id.as_str();
    let url = format!("{}/api/v1/households/{id}/monitoring", server().base);
    assert_eq!(village.post(&url).json(&json!({"type": "7", "reason": "x"})).send().unwrap().status(), 400);
    assert_eq!(login("yanggu").post(&url).json(&json!({"type": "1", "reason": "x"})).send().unwrap().status(), 403);
    let r = village.post(&url).json(&json!({"type": "1", "reason": "户主患病，收入下降"})).send().unwrap();
    assert_eq!(r.status(), 200);
    let case: Value = r.json().unwrap();
    assert_eq!(
        (case["kind"].as_str(), case["monitor_type"].as_str(), case["deadline"].as_str()),
        (Some("monitoring"), Some("1"), Some("2017-07-15"))
    );
    let page = village.get(format!("{}/cases/{}", server().base, case["id"].as_str().unwrap())).send().unwrap().text().unwrap();
    assert!(page.contains("脱贫不稳定户") && page.contains("2017-07-15"));
    let (_, m) = get(&login("province"), "/api/v1/maps/dynamics/37?metric=monitored");
    assert_eq!(m["total"].as_f64(), Some(0.0), "nobody is monitored before a county decides");
}

#[test]
fn member_changes_and_income_through_the_household_forms() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let c = login("village");
    let page = format!("/households/{id}");
    let (_, before) = get(&c, &format!("/api/v1/households/{id}"));
    let size = before["size"].as_i64().unwrap();
    let newborn = fupin_domain::IdNumber::build("371521", fupin_domain::id_number::Date::new(2017, 3, 9).unwrap(), 991);
    let form = |version: i64, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&c, &page)), ("version".into(), version.to_string())];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let v = before["version"].as_i64().unwrap();
    let add = [
        ("change", "6"),
        ("name", "王小宝"),
        ("id_number", newborn.as_str()),
        ("relation", "07"),
        ("education", "06"),
        ("schooling", "01"),
        ("health", "01"),
        ("labour", "04"),
        ("medical_insurance", "on"),
        ("reason", "2017年3月出生"),
    ];
    let html = c.post(format!("{}{page}/members", server().base)).form(&form(v, &add)).send().unwrap().text().unwrap();
    assert!(html.contains("成员已增加"), "{}", &html[..html.len().min(400)]);
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!(after["size"].as_i64().unwrap(), size + 1);
    let added = after["members"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(added["name"], "王小宝");
    // A departure: the member stays on file, marked gone.
    let no = added["no"].as_i64().unwrap();
    let leave = [("change", "1"), ("date", "2017-06-20"), ("reason", "病故")];
    let v = after["version"].as_i64().unwrap();
    let html = c.post(format!("{}{page}/members/{no}/leave", server().base)).form(&form(v, &leave)).send().unwrap().text().unwrap();
    assert!(html.contains("成员减少已登记"));
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!(after["size"].as_i64().unwrap(), size);
    // Bad input is refused with the reason and changes nothing.
    let v = after["version"].as_i64().unwrap();
    let html = c
        .post(format!("{}{page}/members", server().base))
        .form(&form(v, &[("change", "1"), ("name", "x"), ("id_number", newborn.as_str()), ("reason", "x")]))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("不是成员增加的类型"));
    // The year's income with a hard expense.
    let income = [("year", "2017"), ("wage", "6000"), ("business", "1200.5"), ("hard_expenses", "30000"), ("reason", "入户核实")];
    let html = c.post(format!("{}{page}/income", server().base)).form(&form(v, &income)).send().unwrap().text().unwrap();
    assert!(html.contains("年度收入已录入"));
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    let y2017 = after["incomes"].as_array().unwrap().iter().find(|i| i["year"] == 2017).unwrap().clone();
    assert_eq!((y2017["wage"].as_str(), y2017["hard_expenses"].as_str()), (Some("6000.00"), Some("30000.00")));
    let (_, history) = get(&c, &format!("/api/v1/households/{id}/history"));
    let kinds: Vec<&str> = history.as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.ends_with(&["put_member", "member_left", "set_income"]), "{kinds:?}");
}

/// A refused form says why beside the field at fault, in its own section (opened), and shows
/// again what was typed; nothing is saved.
#[test]
fn a_refused_form_names_the_field_and_keeps_what_was_typed() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let c = login("village");
    let page = format!("/households/{id}");
    let (_, before) = get(&c, &format!("/api/v1/households/{id}"));
    let v = before["version"].as_i64().unwrap().to_string();
    let post = |path: &str, fields: &[(&str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![("csrf", csrf_of(&c, &page)), ("version", v.clone())];
        f.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        c.post(format!("{}{page}{path}", server().base)).form(&f).send().unwrap().text().unwrap()
    };
    // The input named `name` of the form with id `form`, whole.
    let input = |html: &str, form: &str, name: &str| -> String {
        let from = html.find(&format!("id=\"{form}\"")).unwrap_or_else(|| panic!("no form {form}"));
        let at = from + html[from..].find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name} in {form}"));
        let start = html[..at].rfind('<').unwrap();
        html[start..at + html[at..].find('>').unwrap() + 1].to_string()
    };
    // A bad check character in the new member's ID number.
    let html = post("/members", &[("change", "6"), ("name", "王小宝"), ("id_number", "371521201703090000"), ("relation", "07"), ("reason", "出生")]);
    assert!(input(&html, "member-add-form", "id_number").contains("aria-invalid=\"true\"") && input(&html, "member-add-form", "id_number").contains("371521201703090000"), "{}", input(&html, "member-add-form", "id_number"));
    assert!(input(&html, "member-add-form", "name").contains("value=\"王小宝\"") && !input(&html, "member-add-form", "name").contains("aria-invalid"));
    let err = html.split("id=\"edit-error\"").nth(1).unwrap();
    assert!(err.contains("校验位") || err.contains("18位"), "{err}");
    assert!(html.contains("id=\"members-details\" open") && html.contains("id=\"page-error\""), "the section opens");
    assert!(html.contains("value=\"07\" selected"), "the relation chosen stays chosen");
    // A malformed amount: that box is marked, the others keep their figures.
    let html = post("/income", &[("year", "2017"), ("wage", "6000"), ("business", "12abc"), ("reason", "入户核实")]);
    assert!(input(&html, "income-form", "business").contains("aria-invalid=\"true\"") && input(&html, "income-form", "business").contains("12abc"));
    assert!(input(&html, "income-form", "wage").contains("value=\"6000\"") && !input(&html, "income-form", "wage").contains("aria-invalid"));
    assert!(html.contains("id=\"income-details\" open"));
    // A short phone number in the edit form; the bank typed alongside is kept, boxes as ticked.
    let html = post("/edit", &[("phone", "12345"), ("bank", "沂蒙农商银行"), ("attribute", "1"), ("main_cause", "01"), ("reason", "更正")]);
    assert!(input(&html, "edit-form", "phone").contains("aria-invalid=\"true\"") && input(&html, "edit-form", "phone").contains("12345"), "{}", input(&html, "edit-form", "phone"));
    assert!(input(&html, "edit-form", "bank").contains("沂蒙农商银行") && input(&html, "edit-form", "reason").contains("更正"));
    assert!(!input(&html, "edit-form", "safe_water").contains("checked"), "unticked as sent");
    assert!(html.contains("id=\"edit-details\" open"));
    // An unknown target village for a transfer.
    let html = post("/case", &[("kind", "transfer"), ("target", "379999999999"), ("reason", "投亲")]);
    assert!(input(&html, "case-form", "target").contains("aria-invalid=\"true\"") && input(&html, "case-form", "target").contains("379999999999"), "{}", input(&html, "case-form", "target"));
    assert!(input(&html, "case-form", "reason").contains("投亲"));
    // Nothing was saved by any of them.
    let (_, after) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["phone"], before["phone"]);
}

#[test]
fn a_household_moves_to_another_county_with_its_history() {
    let id = a_village_household()["id"].as_str().unwrap().to_string();
    let store = &server().store;
    let system = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let township = store.region_figures(&system, &fupin_domain::RegionCode::parse("371522").unwrap()).unwrap().children[0].0.clone();
    let target =
        store.region_figures(&system, &fupin_domain::RegionCode::parse(&township.code).unwrap()).unwrap().children[0].0.code.clone();
    let village = login("village");
    let url = format!("{}/api/v1/households/{id}/transfer", server().base);
    assert_eq!(village.post(&url).json(&json!({"target": "12", "reason": "x"})).send().unwrap().status(), 422);
    assert_eq!(village.post(&url).json(&json!({"target": target, "reason": ""})).send().unwrap().status(), 422);
    let r = village.post(&url).json(&json!({"target": target, "reason": "随子女迁居莘县"})).send().unwrap();
    assert_eq!(r.status(), 200);
    let mut case: Value = r.json().unwrap();
    let step = |c: &reqwest::blocking::Client, case: &Value| {
        c.post(format!("{}/api/v1/cases/{}/steps", server().base, case["id"].as_str().unwrap()))
            .json(&json!({"expected_version": case["version"], "approve": true}))
            .send()
            .unwrap()
    };
    let shenxian = login("shenxian");
    let r = step(&login("township"), &case);
    assert_eq!(r.status(), 200);
    case = r.json().unwrap();
    assert_eq!(step(&shenxian, &case).status(), 403, "the release is the source county's");
    let r = step(&login("yanggu"), &case);
    assert_eq!(r.status(), 200);
    case = r.json().unwrap();
    let (_, incoming) = get(&shenxian, "/api/v1/cases?region=371522");
    assert!(incoming.as_array().unwrap().iter().any(|c| c["id"] == case["id"]), "listed where it goes");
    let r = step(&shenxian, &case);
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["state"], "done");
    let (_, old) = get(&village, &format!("/api/v1/households/{id}"));
    assert_eq!(old["status"], "8");
    let (status, list) = get(&shenxian, &format!("/api/v1/households?region={target}"));
    assert_eq!(status, 200);
    let new_id = list["items"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).max().unwrap();
    let (_, history) = get(&shenxian, &format!("/api/v1/households/{new_id}/history"));
    let kinds: Vec<&str> = history.as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"register"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"transfer_in"));
    let html = shenxian.get(format!("{}/households/{new_id}", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"moved-from\""));
    assert_eq!(get(&village, &format!("/api/v1/households/{new_id}")).0, 404);
    assert_eq!(store.verify_ledger().unwrap().broken, None);
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
}

#[test]
fn a_household_outside_the_register_is_recorded_and_proposed_for_monitoring() {
    let c = login("village");
    assert_eq!(login("yanggu").get(format!("{}/households/record", server().base)).send().unwrap().status(), 403);
    let head = fupin_domain::IdNumber::build("371521", fupin_domain::id_number::Date::new(1968, 5, 4).unwrap(), 333);
    let form = |id: &str| {
        vec![
            ("csrf", csrf_of(&c, "/households/record")),
            ("name", "赵大山".to_string()),
            ("id_number", id.to_string()),
            ("main_cause", "01".to_string()),
            ("health", "03".to_string()),
            ("labour", "03".to_string()),
            ("reason", "入户排查：户主突发重病".to_string()),
        ]
    };
    let html = c.post(format!("{}/households/record", server().base)).form(&form("123")).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"record-error\""), "a bad ID number is refused on the form");
    let r = c.post(format!("{}/households/record", server().base)).form(&form(head.as_str())).send().unwrap();
    assert_eq!(r.status(), 303);
    let id = r.headers()["location"].to_str().unwrap().trim_start_matches("/households/").to_string();
    let (_, file) = get(&c, &format!("/api/v1/households/{id}"));
    assert_eq!((file["status"].as_str(), file["size"].as_i64()), (Some("0"), Some(1)));
    // Not among the registered poor of the village.
    let (_, region) = get(&c, &format!("/api/v1/regions/{}", &id[..12]));
    assert_eq!(region["region"]["figures"]["nonpoor"]["households"].as_i64(), Some(1), "{}", region["region"]);
    let r = c
        .post(format!("{}/api/v1/households/{id}/monitoring", server().base))
        .json(&json!({"type": "3", "reason": "突发重病，医疗支出超过上年收入"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    // The same person cannot be recorded twice; the API answers masked like any read.
    let body = json!({"file": serde_json::to_value(server().store.household(
        &fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap()), &id).unwrap()).unwrap(), "reason": "重复"});
    let r = c.post(format!("{}/api/v1/households/records", server().base)).json(&body).send().unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().unwrap()["error"]["code"], "member.id_elsewhere");
}

/// The schemathesis CLI (PyPI): `$SCHEMATHESIS`, else on the PATH. Under `CI=true` it must be
/// there (`.ci/run` installs it); elsewhere the test is skipped loudly.
fn schemathesis() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("SCHEMATHESIS").map(std::path::PathBuf::from).or_else(|| {
        std::env::var_os("PATH")
            .and_then(|p| std::env::split_paths(&p).map(|d| d.join("schemathesis")).find(|f| f.is_file()))
    });
    if found.is_none() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "schemathesis is not installed under CI=true");
        eprintln!("SKIPPED: schemathesis not found (set SCHEMATHESIS or put it on the PATH)");
    }
    found
}

/// Generated calls of every operation in the served document, logged in as a province and as a
/// village official: no answer may be a server error, a status the document does not list, a
/// body its schema does not describe, or another content type than documented. Bounded in
/// examples (seeded, so a failure can be replayed) rather than time.
#[test]
fn generated_calls_get_only_documented_answers() {
    let Some(st) = schemathesis() else { return };
    let base = &server().base;
    for user in ["province", "village"] {
        let r = client()
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": user, "password": PASSWORD}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("fupin_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_string();
        let out = std::process::Command::new(&st)
            .args(["run", &format!("{base}/api/openapi.json"), "-H", &format!("Cookie: {cookie}")])
            .args(["--checks", "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"])
            .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "15", "--seed", "20171"])
            // Logging in and out would change the session under test; the clock would move
            // the business date the other checks run at.
            .args(["--exclude-path", "/api/v1/session", "--exclude-path", "/api/v1/clock"])
            .env("NO_COLOR", "1")
            // Its example cache (`.schemathesis/`) goes under target/, not into the source tree.
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .output()
            .expect("schemathesis runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "schemathesis as {user} found faults:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("passed") && !text.contains(" 0 generated"), "schemathesis as {user} tested nothing:\n{text}");
    }
}

/// The `href`s of local links in a piece of HTML, unescaped, without repeats.
fn local_links(html: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for part in html.split("href=\"").skip(1) {
        let href = part.split('"').next().unwrap_or("").replace("&amp;", "&");
        if href.starts_with('/') && !out.contains(&href) {
            out.push(href);
        }
    }
    out
}

fn menu_of(html: &str) -> &str {
    let start = html.find("<nav class=\"menu\">").expect("a menu");
    &html[start..start + html[start..].find("</nav>").expect("menu ends")]
}

const DEMO_USERS: [&str; 9] = ["province", "liaocheng", "yanggu", "township", "village", "helper", "department", "donor", "evaluator"];

/// Each role lands on its own front page, and its menu and that page link only to what the
/// role may open: every link answers 200, none a refusal or a missing page.
#[test]
fn every_link_a_role_is_shown_opens() {
    for user in DEMO_USERS {
        let c = login(user);
        let r = c.get(format!("{}/", server().base)).send().unwrap();
        assert_eq!(r.status(), 200, "{user}: front page");
        let html = r.text().unwrap();
        assert!(html.contains("工作台") && html.contains("registered-persons"), "{user}: a landing page, not the portal");
        // Landing pages list households by name, never by whole ID number.
        assert_eq!(id_numbers_in(&html), Vec::<String>::new(), "{user}: an ID number on the front page");
        let menu = local_links(menu_of(&html));
        assert!(menu.len() >= 3, "{user}: menu {menu:?}");
        // The role's own content: a village's households, a helper's, an official's to-dos.
        let own = match user {
            "village" => "id=\"village-households\"",
            "helper" => "id=\"my-households\"",
            "donor" | "department" | "evaluator" => "class=\"intro\"",
            _ => "id=\"todo-total\"",
        };
        assert!(html.contains(own), "{user}: {own} on the front page");
        // The page links at most 60 distinct places (tables are capped); all of them are opened.
        let links = local_links(&html);
        for link in links.iter().filter(|l| !l.starts_with("/logout") && !l.starts_with("/clock")) {
            let r = c.get(format!("{}{link}", server().base)).send().unwrap();
            assert_eq!(r.status(), 200, "{user}: {link}");
            // The finder above finds what is there: a village official's file shows whole numbers.
            if user == "village" && link.starts_with("/households/3715") {
                assert!(!id_numbers_in(&r.text().unwrap()).is_empty(), "{link}: the village official sees the members' ID numbers");
            }
        }
    }
}

/// The front pages of another county's and another city's officials list nothing of 阳谷县.
#[test]
fn a_front_page_keeps_to_its_jurisdiction() {
    for (user, region) in [("shenxian_village", "371522100001"), ("shenxian", "371522"), ("jinan", "3701")] {
        let c = login(user);
        let html = c.get(format!("{}/", server().base)).send().unwrap().text().unwrap();
        assert!(!html.contains("阳谷县") && !html.contains("/regions/371521"), "{user}");
        let files = local_links(&html).into_iter().filter(|l| {
            let id = l.strip_prefix("/households/").or_else(|| l.strip_prefix("/cases/")).unwrap_or("import");
            !matches!(id, "import" | "export" | "record")
        });
        let files: Vec<String> = files.collect();
        let (_, mine) = get(&c, "/api/v1/households");
        let listed = mine["total"].as_i64().unwrap() > 0;
        assert!(user != "shenxian_village" || files.is_empty() != listed, "a village's front page lists its households: {files:?}");
        for link in files {
            let api = format!("/api/v1{link}");
            let (status, body) = get(&c, &api);
            assert_eq!(status, 200, "{user}: {link}");
            assert!(body["village_code"].as_str().unwrap().starts_with(region), "{user}: {link} is outside {region}");
        }
    }
}

/// The menu follows the permission table: a donor reads no file, only the province reads the
/// PII audit, a helper's files are "my households", only officials import and check.
#[test]
fn each_role_has_its_own_menu() {
    let menu = |user: &str| {
        let html = login(user).get(format!("{}/", server().base)).send().unwrap().text().unwrap();
        menu_of(&html).to_string()
    };
    let donor = menu("donor");
    assert!(!donor.contains("/households") && !donor.contains("/cases") && donor.contains("/maps/"), "{donor}");
    let helper = menu("helper");
    assert!(helper.contains("我的帮扶户") && !helper.contains("/checks") && !helper.contains("/households/import"), "{helper}");
    let village = menu("village");
    assert!(village.contains("贫困户档案") && village.contains("/checks") && !village.contains("/audit"), "{village}");
    assert!(menu("province").contains("/audit"));
    for user in ["liaocheng", "yanggu", "township", "department", "evaluator"] {
        assert!(!menu(user).contains("/audit"), "{user}");
    }
}

/// The front page of a logged-in official lists the case steps waiting for that official's
/// level, and only those.
#[test]
fn an_officials_front_page_lists_the_steps_waiting_for_it() {
    let c = login("township");
    let html = c.get(format!("{}/", server().base)).send().unwrap().text().unwrap();
    let (s, cases) = get(&c, "/api/v1/cases");
    assert_eq!(s, 200);
    let waiting: Vec<&Value> = cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            let step = &k["steps"][k["next_step"].as_u64().unwrap() as usize];
            step["level"] == "township" && step["at_target"] == false && k["state"] != "done" && k["state"] != "rejected"
        })
        .collect();
    let shown = html.split("id=\"todo-total\">").nth(1).and_then(|t| t.split('<').next()).unwrap().trim().parse::<usize>().unwrap();
    assert_eq!(shown, waiting.len(), "to-do count");
    for k in waiting.iter().take(20) {
        assert!(html.contains(&format!("/cases/{}", k["id"].as_str().unwrap())), "{k}");
    }
    if waiting.is_empty() {
        assert!(html.contains("id=\"no-todos\""));
    }
}

/// A visitor's front page is the public portal: counts by city, no personal data, a way to
/// the notices and to login; it drills down to a county and no further.
#[test]
fn the_public_portal_shows_counts_and_nothing_personal() {
    let c = client();
    let r = c.get(format!("{}/", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("山东省脱贫攻坚公开数据") && html.contains("聊城市") && html.contains("href=\"/login\""), "portal");
    // The portal's figures are the province's own.
    let (_, fig) = get(&login("province"), "/api/v1/regions/37");
    let registered = fig["region"]["summary"]["registered"]["persons"].as_i64().unwrap();
    let shown = html.split("id=\"registered-persons\">").nth(1).and_then(|t| t.split('<').next()).unwrap().replace(',', "");
    assert_eq!(shown.parse::<i64>().unwrap(), registered);
    // No ID number anywhere on the portal, nor a run of 17 digits (the portal has no session
    // token that could hold one by chance).
    assert_eq!(id_numbers_in(&html), Vec::<String>::new(), "no ID number on the portal");
    assert!(!html.as_bytes().windows(17).any(|w| w.iter().all(u8::is_ascii_digit)), "no long digit runs on the portal");
    // City → county → townships (plain text), a township itself is not published.
    let city = c.get(format!("{}/public?region=3715", server().base)).send().unwrap().text().unwrap();
    assert!(city.contains("href=\"/public?region=371521\""), "counties link down");
    let county = c.get(format!("{}/public?region=371521", server().base)).send().unwrap().text().unwrap();
    assert!(county.contains("阳谷县") && !county.contains("href=\"/public?region=371521"), "townships are not links");
    assert!(county.contains("/public/notices?region=371521"));
    assert!(county.contains("href=\"/public?region=37\">山东省</a>") && county.contains("href=\"/public?region=3715\">聊城市</a>"), "the way back up");
    assert_eq!(c.get(format!("{}/public?region=371521100", server().base)).send().unwrap().status(), 404);
    assert_eq!(c.get(format!("{}/public?region=x", server().base)).send().unwrap().status(), 400);
}

/// Notices are read by township; above it the page offers the regions below.
#[test]
fn the_notices_page_leads_down_to_a_township() {
    let c = client();
    let html = c.get(format!("{}/public/notices", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("href=\"/public/notices?region=3715\""), "cities offered");
    let html = c.get(format!("{}/public/notices?region=371521", server().base)).send().unwrap().text().unwrap();
    let town = html.split("href=\"/public/notices?region=").nth(1).and_then(|t| t.split('"').next()).unwrap().to_string();
    assert_eq!(town.len(), 9, "townships offered");
    let r = c.get(format!("{}/public/notices?region={town}", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert!(html.contains("id=\"notices\"") || html.contains("id=\"no-notices\""));
}

/// Every GET operation of the OpenAPI document and every page that shows a file, read by roles
/// that may see no ID number, phone or bank account (the province, a city, a department): none
/// answers any of them whole, the history of an edit that quoted them included.
#[test]
fn no_read_shows_a_role_the_personal_data_it_may_not_see() {
    let store = &server().store;
    let hid = a_village_household()["id"].as_str().unwrap().to_string();
    let caller = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let current = store.household(&caller, &hid).unwrap();
    // An edit of the phone and a member: the ledger payloads now quote phones and an ID number.
    let village = login("village");
    let mut fields = fupin_domain::registry::household::HouseholdFields::of(&current);
    fields.phone = "13955550123".into();
    let mut member = current.members[0].clone();
    member.phone = "13955550124".into();
    for change in [json!({"kind": "edit_fields", "fields": fields}), json!({"kind": "put_member", "member": member})] {
        let version = store.household(&caller, &hid).unwrap().version;
        let r = village
            .post(format!("{}/api/v1/households/{hid}/changes", server().base))
            .json(&json!({"expected_version": version, "reason": "探测", "change": change}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    }
    let file = store.household(&caller, &hid).unwrap();
    let mut secrets: Vec<String> = file.members.iter().map(|m| m.id_number.to_string()).collect();
    secrets.extend(["13955550123".to_string(), "13955550124".to_string()]);
    if file.bank_account.len() > 4 {
        secrets.push(file.bank_account.clone());
    }
    let (_, doc) = get(&client(), "/api/openapi.json");
    let case = store.household_cases(&caller, &hid).unwrap().first().map(|c| c.id.clone()).unwrap_or_else(|| "none".into());
    let ids = matching_ids(&hid);
    // A named report about the household: the reporter's contact is as private as the file's.
    let about = fupin_domain::supervision::ReportDraft {
        household_id: Some(hid.clone()),
        name: Some("探测举报人".into()),
        contact: Some("13955550125".into()),
        ..fupin_store::supervision::conformance::sample_report(&hid[..12], &format!("探测用：该户情况与实际不符，第{}号进程", std::process::id()))
    };
    let report = store.file_report(&about, "2017-06-30").unwrap().tracking_number;
    secrets.push("13955550125".into());
    let evaluation = an_evaluation_of_yanggu();
    let task = a_task_of_yanggu();
    let project = a_project_of_yanggu(&hid);
    let mut urls: Vec<String> = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let mut url = path.clone();
        for p in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
            let name = p["name"].as_str().unwrap();
            let value = match name {
                "id" if path.starts_with("/api/v1/households/") => hid.clone(),
                "id" if path.starts_with("/api/v1/cases/") => case.clone(),
                "id" if path.starts_with("/api/v1/public/policies/") => "P37-00001".into(),
                "id" if path.starts_with("/api/v1/matching/matches/") => ids.matched.0.clone(),
                "id" if path.starts_with("/api/v1/supervision/reports/") => report.clone(),
                "id" if path.starts_with("/api/v1/evaluation/evaluations/") => evaluation.clone(),
                "id" if path.starts_with("/api/v1/supervision/tasks/") => task.clone(),
                "id" if path.starts_with("/api/v1/funds/projects/") => project.clone(),
                "year" => "2017".into(),
                "tracking_number" => report.clone(),
                "code" | "region" => file.village.to_string()[..6].to_string(),
                "map" => "distribution".into(),
                _ => panic!("the probe has no sample for parameter {{{name}}} of {path}: teach it one"),
            };
            url = url.replace(&format!("{{{name}}}"), &value);
        }
        urls.push(format!("{url}?region={}", &file.village.to_string()[..6]));
    }
    let head = &file.members[0].name;
    for page in [
        format!("/households/{hid}"),
        format!("/households?region={}&q={}", file.village, head),
        format!("/api/v1/households?q={head}"),
        format!("/regions/{}", file.village),
        "/".to_string(),
        format!("/cases?region={}&all=1", file.village),
        format!("/public/notices?region={}", &file.village.to_string()[..9]),
        "/public/policies?q=%E6%89%B6%E8%B4%AB".to_string(),
        "/public/policies/P37-00001".to_string(),
        "/policies".to_string(),
        "/matching".to_string(),
        format!("/public/matching?region={}", &file.village.to_string()[..6]),
        format!("/public/donors/{}", ids.donor),
        "/supervision".to_string(),
        format!("/supervision/reports/{report}"),
        format!("/public/reports?region={}", &file.village.to_string()[..6]),
        format!("/evaluation/measures?region={}", file.village),
        "/evaluation/samples".to_string(),
        format!("/evaluation/samples/{evaluation}"),
        "/supervision/tasks".to_string(),
        format!("/supervision/tasks/{task}"),
        "/funds?year=2017".to_string(),
        format!("/funds/projects/{project}"),
        format!("/public/projects?region={}", &file.village.to_string()[..6]),
    ] {
        urls.push(page);
    }
    assert!(urls.len() >= 20, "{urls:?}");
    for user in ["province", "liaocheng", "department", "donor"] {
        let c = login(user);
        for url in &urls {
            let r = c.get(format!("{}{url}", server().base)).send().unwrap();
            let text = r.text().unwrap_or_default();
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "{user}: {url} shows {s}");
            }
        }
    }
    // The village official, who keeps the file, sees them whole in its history.
    let (_, history) = get(&village, &format!("/api/v1/households/{hid}/history"));
    assert!(history.to_string().contains("13955550124"), "the keeper's history is whole");
}

/// One definition for the remaining poor: the dynamics map's figure for the current year (from
/// every event's flows) equals the dashboard's (from the state counters), in every region, and
/// the current year is labelled as counted up to the business date, not as the year's end.
/// The headline figures, recounted from the files themselves (statuses and sizes, not the
/// rollups), are what every page and API that shows them says: the region API, the official's
/// front page, the region page, the public portal, and the children tables of each.
#[test]
fn the_headline_figures_are_the_files_recount_on_every_page() {
    use fupin_domain::registry::codes::Status;
    let store = &server().store;
    let system = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    // (registered, remaining, exited) persons per city and for the province, from the files.
    let mut count: std::collections::BTreeMap<String, [i64; 3]> = Default::default();
    let mut after: Option<String> = None;
    loop {
        let files = store.files_in(&system, &fupin_domain::RegionCode::parse("37").unwrap(), after.as_deref(), 500).unwrap();
        let Some(last) = files.last() else { break };
        after = Some(last.id.clone());
        for h in &files {
            let size = h.size();
            for key in ["37".to_string(), h.id[..4].to_string()] {
                let c = count.entry(key).or_default();
                if h.status.is_registered() {
                    c[0] += size;
                }
                if matches!(h.status, Status::Poor | Status::Returned) {
                    c[1] += size;
                }
                if matches!(h.status, Status::Exited | Status::ExitedNoPolicy) {
                    c[2] += size;
                }
            }
        }
    }
    let province = count["37"];
    assert!(province[0] > 5000 && province[1] > 0 && province[2] > 0, "{province:?}");
    // A card's figure on a page, by its id.
    let card = |html: &str, id: &str| -> i64 {
        let t = html.split(&format!("id=\"{id}\">")).nth(1).unwrap_or_else(|| panic!("no {id}"));
        t.split('<').next().unwrap().replace(',', "").parse().unwrap()
    };
    let cards = |html: &str| [card(html, "registered-persons"), card(html, "remaining-persons"), card(html, "exited-persons")];
    // A row of a children table: the cells after the code, by the code.
    let child = |html: &str, code: &str| -> [i64; 3] {
        let row = html.split(&format!("<td>{code}</td>")).nth(1).unwrap_or_else(|| panic!("no row {code}"));
        let cells: Vec<i64> = row.split("<td class=\"num\">").skip(1).take(4).map(|c| c.split('<').next().unwrap().replace(',', "").parse().unwrap()).collect();
        [cells[1], cells[2], cells[3]]
    };
    let (_, api) = get(&login("province"), "/api/v1/regions/37");
    let sum = &api["region"]["summary"];
    let p = |k: &str| sum[k]["persons"].as_i64().unwrap();
    assert_eq!([p("registered"), p("remaining"), p("exited")], province, "the region API");
    let official = login("province");
    let public = client();
    for (who, html) in [
        ("front page", official.get(format!("{}/", server().base)).send().unwrap().text().unwrap()),
        ("region page", official.get(format!("{}/regions/37", server().base)).send().unwrap().text().unwrap()),
        ("portal", public.get(format!("{}/", server().base)).send().unwrap().text().unwrap()),
        ("portal by region", public.get(format!("{}/public?region=37", server().base)).send().unwrap().text().unwrap()),
    ] {
        assert_eq!(cards(&html), province, "{who}");
        for city in count.keys().filter(|k| k.len() == 4) {
            assert_eq!(child(&html, city), count[city], "{who}: {city}");
        }
    }
}

#[test]
fn the_remaining_poor_agree_between_the_flows_and_the_state() {
    let c = login("province");
    for code in ["37", "3715", "371521"] {
        let (_, region) = get(&c, &format!("/api/v1/regions/{code}"));
        let state = region["region"]["summary"]["remaining"]["persons"].as_f64().unwrap();
        let (_, map) = get(&c, &format!("/api/v1/maps/dynamics/{code}?metric=remaining&period=2017"));
        assert_eq!(map["total"].as_f64().unwrap(), state, "{code}");
        assert_eq!(map["metric_label"], "截至2017-06-30剩余贫困人口");
        for child in map["children"].as_array().unwrap() {
            let (_, r) = get(&c, &format!("/api/v1/regions/{}", child["code"].as_str().unwrap()));
            assert_eq!(child["value"].as_f64().unwrap(), r["region"]["summary"]["remaining"]["persons"].as_f64().unwrap(), "{child}");
        }
    }
    let (_, past) = get(&c, "/api/v1/maps/dynamics/37?metric=remaining&period=2016");
    assert_eq!(past["metric_label"], "2016年末剩余贫困人口");
}

/// Waits until the policy index has caught up with the store (it is rebuilt in the background
/// when the server starts).
fn policy_index_ready() {
    for _ in 0..200 {
        let (_, l) = get(&client(), "/api/v1/public/policies?q=%E6%89%B6%E8%B4%AB");
        if l["full_text"] == true {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the policy index was not built");
}

/// The public finds policies without logging in: full-text search with highlighted words, a
/// 文号 exactly, filters; a document with its dates, text, revision chain and history; nothing
/// unpublished.
#[test]
fn the_public_searches_policies_and_reads_them_without_login() {
    policy_index_ready();
    let c = client();
    let (s, l) = get(&c, "/api/v1/public/policies?q=%E9%9B%A8%E9%9C%B2%E8%AE%A1%E5%88%92");
    assert_eq!(s, 200);
    let items = l["items"].as_array().unwrap();
    assert!(items.len() >= 2 && l["full_text"] == true, "{l}");
    assert!(items[0]["title"].as_str().unwrap().contains("雨露计划"), "the title match ranks first: {l}");
    assert!(items.iter().all(|i| i["snippet"].as_str().unwrap().contains("<b>") || i["title_html"].as_str().unwrap().contains("<b>")), "{l}");
    // The 2016 text was revised in 2017: both are public, each says what became of it.
    let old = items.iter().find(|i| i["doc_number"] == "鲁扶贫办发〔2016〕5号").expect("the 2016 notice");
    assert_eq!(old["validity"], "已修订");
    let page = c.get(format!("{}/public/policies/{}", server().base, old["id"].as_str().unwrap())).send().unwrap().text().unwrap();
    assert!(page.contains("id=\"doc-validity\"") && page.contains("关于调整雨露计划职业教育补助标准的通知"), "links to the version in force");
    assert!(page.contains("每生每年3000元") && page.contains("审核通过并发布") && page.contains("被修订"), "its text and history");
    assert!(!page.contains("policy-approve") && !page.contains("policy-repeal"), "no actions for the public");
    // A 文号, in any bracket form, finds its document only.
    let (_, n) = get(&c, "/api/v1/public/policies?q=%E9%B2%81%E5%8F%91%5B2015%5D25%E5%8F%B7");
    assert_eq!((n["total"].as_i64(), n["items"][0]["doc_number"].as_str()), (Some(1), Some("鲁发〔2015〕25号")));
    // Filters: county documents only; in force only; a bad level is refused in Chinese.
    let (_, county) = get(&c, "/api/v1/public/policies?level=county");
    assert!(county["total"].as_i64().unwrap() > 100, "each county publishes: {}", county["total"]);
    assert!(county["items"].as_array().unwrap().iter().all(|i| i["issuer_region"].as_str().unwrap().len() == 6));
    let (_, repealed) = get(&c, "/api/v1/public/policies?validity=4");
    assert_eq!(repealed["total"], 1, "the 2016 yearly-update notice");
    for q in ["", "&q=%E6%89%B6%E8%B4%AB"] {
        let (s, far) = get(&c, &format!("/api/v1/public/policies?page=2147483648{q}"));
        assert_eq!((s, far["items"].as_array().map(Vec::len)), (200, Some(0)), "a page past the end is empty, not an error");
    }
    let (s, e) = get(&c, "/api/v1/public/policies?level=village");
    assert_eq!((s, e["error"]["code"].as_str()), (400, Some("policy.level")));
    let html = c.get(format!("{}/public/policies?level=village", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"policy-error\""), "the page says what is wrong");
    // The page: search box, highlighted results, a pager, and why a list is empty.
    let html = c.get(format!("{}/public/policies?q=%E5%A4%A7%E7%97%85%E4%BF%9D%E9%99%A9", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"policy-search\"") && html.contains("<b>大病保险</b>") && html.contains("id=\"nav-public-policies\""), "search page");
    let none = c.get(format!("{}/public/policies?q=%E5%AE%87%E5%AE%99%E9%A3%9E%E8%88%B9", server().base)).send().unwrap().text().unwrap();
    assert!(none.contains("id=\"no-policies\""), "an empty result says why");
    let all = c.get(format!("{}/public/policies", server().base)).send().unwrap().text().unwrap();
    assert!(all.contains("按发布日期排列") && all.contains("id=\"next\""), "the list pages");
    // What applies to a village: its county's, city's and province's documents, and no other.
    let (_, here) = get(&c, "/api/v1/public/policies?region=371521100001&page=1");
    let issuers: Vec<&str> = here["items"].as_array().unwrap().iter().map(|i| i["issuer_region"].as_str().unwrap()).collect();
    assert!(issuers.iter().all(|r| "371521100001".starts_with(r)) && issuers.contains(&"371521"), "{issuers:?}");
    let (_, words_here) = get(&c, "/api/v1/public/policies?q=%E8%84%B1%E8%B4%AB%E6%94%BB%E5%9D%9A&region=371522");
    assert!(words_here["items"].as_array().unwrap().iter().all(|i| "371522".starts_with(i["issuer_region"].as_str().unwrap())), "{words_here}");
    let home = login("village").get(format!("{}/", server().base)).send().unwrap().text().unwrap();
    assert!(home.contains("id=\"home-policies\"") && home.contains("href=\"/public/policies?region=371521"), "the front page lists the policies in force here");
    // The portal links to the policies.
    assert!(c.get(format!("{}/", server().base)).send().unwrap().text().unwrap().contains("href=\"/public/policies\""));
}

/// A county's official drafts, submits and publishes a policy through the pages; the search finds
/// it at once; a refused form keeps what was typed; other regions see no draft and move nothing;
/// a department drafts for its county but does not publish.
#[test]
fn officials_publish_policies_through_the_desk_and_the_search_finds_them() {
    policy_index_ready();
    let c = login("yanggu");
    let desk = c.get(format!("{}/policies", server().base)).send().unwrap().text().unwrap();
    assert!(desk.contains("id=\"policy-form\"") && desk.contains("id=\"above\""), "the desk lists the higher levels' documents");
    let csrf = csrf_of(&c, "/policies");
    let form = |number: &str, title: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", title.to_string()),
            ("issuer_unit", "阳谷县扶贫开发领导小组办公室".into()),
            ("doc_number", number.into()),
            ("category", "01".into()),
            ("written_on", "2017-06-20".into()),
            ("body", "在阳谷县推广蘑菇种植合作社，带动贫困户入社分红。".into()),
        ]
    };
    // A malformed 文号: the field is marked and what was typed is kept.
    let bad = c.post(format!("{}/policies", server().base)).form(&form("阳扶办发2017第3号", "阳谷县蘑菇产业扶贫实施办法")).send().unwrap().text().unwrap();
    assert!(bad.contains("id=\"policy-error\"") && bad.contains("发文字号"), "refused");
    assert!(bad.contains("value=\"阳谷县蘑菇产业扶贫实施办法\"") && bad.contains("aria-invalid=\"true\""), "kept and marked");
    let r = c.post(format!("{}/policies", server().base)).form(&form("阳扶办发〔2017〕3号", "阳谷县蘑菇产业扶贫实施办法")).send().unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let id = at.rsplit('/').next().unwrap().to_string();
    assert!(id.starts_with("P371521-"), "{id}");
    // Unpublished: the county sees it; the public and a neighbour do not.
    let page = c.get(format!("{}{at}", server().base)).send().unwrap().text().unwrap();
    assert!(page.contains("id=\"doc-state\"") && page.contains("id=\"policy-submit\""), "a draft with its actions");
    assert_eq!(client().get(format!("{}{at}", server().base)).send().unwrap().status(), 404);
    assert_eq!(get(&client(), &format!("/api/v1/public/policies/{id}")).0, 404);
    assert_eq!(login("shenxian").get(format!("{}{at}", server().base)).send().unwrap().status(), 404);
    let version = |html: &str| html.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let act = |action: &str, page: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![("csrf", csrf_of(&c, &at)), ("version", version(page))];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        c.post(format!("{}/policies/{id}/{action}", server().base)).form(&f).send().unwrap().text().unwrap()
    };
    // An attachment: a file that is not what its name says is refused; a PDF is kept.
    let upload = |name: &str, bytes: &[u8], page: &str| {
        let form = reqwest::blocking::multipart::Form::new()
            .text("csrf", csrf_of(&c, &at))
            .text("version", version(page))
            .part("file", reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
        c.post(format!("{}/policies/{id}/attachments", server().base)).multipart(form).send().unwrap().text().unwrap()
    };
    let refused = upload("方案.pdf", b"<html>not a pdf</html>", &page);
    assert!(refused.contains("id=\"policy-error\"") && refused.contains("不是它的扩展名所说的格式"), "refused in Chinese");
    let page = upload("阳谷县蘑菇产业扶贫实施办法（盖章版）.pdf", b"%PDF-1.4 signed", &refused);
    assert!(page.contains("附件已上传") && page.contains("/attachments/1"), "kept");
    let file = format!("{}/public/policies/{id}/attachments/1", server().base);
    assert_eq!(client().get(&file).send().unwrap().status(), 404, "a draft's file is not public");
    assert_eq!(login("shenxian").get(&file).send().unwrap().status(), 404);
    let sx = login("shenxian");
    let other = reqwest::blocking::multipart::Form::new()
        .text("csrf", csrf_of(&sx, "/policies"))
        .text("version", version(&page))
        .part("file", reqwest::blocking::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("x.pdf"));
    assert_eq!(sx.post(format!("{}/policies/{id}/attachments", server().base)).multipart(other).send().unwrap().status(), 404, "another county attaches nothing");
    let page = act("submit", &page, &[]);
    assert!(page.contains("已送审") && page.contains("id=\"policy-approve\""), "in review");
    let page = act("approve", &page, &[]);
    assert!(page.contains("审核通过，已发布") && page.contains("id=\"policy-repeal\""), "published");
    let (_, found) = get(&client(), "/api/v1/public/policies?q=%E8%98%91%E8%8F%87");
    assert_eq!(found["items"][0]["id"], id.as_str(), "the search finds it at once: {found}");
    let r = client().get(&file).send().unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"), "always a download");
    assert_eq!(r.bytes().unwrap().as_ref(), b"%PDF-1.4 signed", "published: its file is public, byte for byte");
    assert!(found["items"][0]["snippet"].as_str().unwrap().contains("<b>蘑菇</b>"));
    // Published: the neighbour reads it, but may not repeal it; the county repeals it in part.
    let (s, _) = get(&login("shenxian"), &format!("/api/v1/public/policies/{id}"));
    assert_eq!(s, 200);
    let (_, doc) = get(&client(), &format!("/api/v1/public/policies/{id}"));
    let r = login("shenxian")
        .post(format!("{}/api/v1/policies/{id}/repeal", server().base))
        .json(&json!({"expected_version": doc["version"], "note": "x"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = act("partly_repeal", &page, &[("note", "第二条由新办法取代")]);
    assert!(page.contains("部分废止"), "marked");
    let (_, found) = get(&client(), "/api/v1/public/policies?q=%E8%98%91%E8%8F%87&validity=3");
    assert_eq!(found["total"], 1, "the index follows the repeal");
    // The department drafts for its county; only the county's officials publish.
    let dept = login("department");
    let (s, d) = {
        let r = dept
            .post(format!("{}/api/v1/policies", server().base))
            .json(&json!({"title": "阳谷县健康扶贫家庭医生签约服务方案", "issuer_unit": "阳谷县卫生和计划生育局", "doc_number": "阳卫发〔2017〕8号",
                "category": "06", "written_on": "2017-06-25", "body": "为建档立卡贫困人口提供家庭医生签约服务。", "implements": null, "effective_on": null, "expires_on": null}))
            .send()
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().unwrap())
    };
    assert_eq!(s, 200, "{d}");
    let did = d["id"].as_str().unwrap();
    let r = dept.post(format!("{}/api/v1/policies/{did}/submit", server().base)).json(&json!({"expected_version": d["version"]})).send().unwrap();
    assert_eq!(r.status(), 200);
    let sent: Value = r.json().unwrap();
    let r = dept.post(format!("{}/api/v1/policies/{did}/review", server().base)).json(&json!({"expected_version": sent["version"], "approve": true})).send().unwrap();
    assert_eq!(r.status(), 403, "a department does not publish");
    assert!(c.get(format!("{}/policies", server().base)).send().unwrap().text().unwrap().contains("阳谷县健康扶贫家庭医生签约服务方案"), "on the county's desk");
    // Roles that issue no policies have no desk and no link to it; everyone has the documents.
    for user in ["village", "township", "helper", "donor", "evaluator"] {
        let u = login(user);
        assert_eq!(u.get(format!("{}/policies", server().base)).send().unwrap().status(), 403, "{user}");
        let home = u.get(format!("{}/", server().base)).send().unwrap().text().unwrap();
        assert!(!home.contains("href=\"/policies\"") && home.contains("href=\"/public/policies\""), "{user}");
    }
}

/// 走访记录: the helper sees which paired households are due a visit, records one from the
/// household page (a bad date comes back marked, what was typed kept), and the list follows;
/// the village official records too; officials above read the visits but record none; other
/// regions see nothing.
#[test]
fn a_helper_records_visits_and_sees_who_is_due() {
    let c = login("helper");
    let home = c.get(format!("{}/", server().base)).send().unwrap().text().unwrap();
    let due = |html: &str| html.split("id=\"visits-due-total\">").nth(1).unwrap().split('<').next().unwrap().parse::<usize>().unwrap();
    let before = due(&home);
    assert!(before >= 1 && home.contains("id=\"visits-due\""), "the demo leaves one in four of the helper's households overdue");
    let id = home.split("id=\"visits-due\"").nth(1).unwrap().split("/households/").nth(1).unwrap().split('#').next().unwrap().to_string();
    let page = format!("/households/{id}");
    let file = c.get(format!("{}{page}", server().base)).send().unwrap().text().unwrap();
    assert!(file.contains("id=\"visit-form\"") && file.contains("id=\"visits\""), "the file lists visits and has the form");
    let post = |fields: &[(&str, &str)]| {
        let mut f: Vec<(&str, String)> = vec![("csrf", csrf_of(&c, &page))];
        f.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        c.post(format!("{}{page}/visits", server().base)).form(&f).send().unwrap().text().unwrap()
    };
    let bad = post(&[("visited_on", "2017-07-15"), ("found", "户主腿伤好转"), ("done", "联系村医")]);
    assert!(bad.contains("id=\"visit-details\" open") && bad.contains("晚于业务日期") && bad.contains("户主腿伤好转"), "refused, kept, marked");
    let ok = post(&[("visited_on", "2017-06-29"), ("found", "户主腿伤好转，已能下地"), ("done", "联系村医复诊")]);
    assert!(ok.contains("2017-06-29的走访已记录") && ok.contains("户主腿伤好转，已能下地"), "recorded and listed");
    let home = c.get(format!("{}/", server().base)).send().unwrap().text().unwrap();
    assert_eq!(due(&home), before - 1, "no longer due");
    let history = c.get(format!("{}{page}?history=help", server().base)).send().unwrap().text().unwrap();
    assert!(history.contains("走访") && history.contains("走访情况"), "on the file's history in Chinese");
    // The API: the same visits; the county reads them; others are refused.
    let (s, visits) = get(&login("yanggu"), &format!("/api/v1/households/{id}/visits"));
    assert_eq!(s, 200);
    assert_eq!(visits[0]["visited_on"], "2017-06-29");
    assert_eq!(get(&login("shenxian"), &format!("/api/v1/households/{id}/visits")).0, 404);
    assert_eq!(get(&login("donor"), &format!("/api/v1/households/{id}/visits")).0, 403);
    let county = login("yanggu").get(format!("{}{page}", server().base)).send().unwrap().text().unwrap();
    assert!(!county.contains("id=\"visit-form\""), "a county official records no visit");
    let r = login("yanggu").post(format!("{}/api/v1/households/{id}/visits", server().base)).json(&json!({"visited_on": "2017-06-29", "found": "x"})).send().unwrap();
    assert_eq!(r.status(), 403);
    // The village official's front page has the village's reminders too.
    let village = login("village").get(format!("{}/", server().base)).send().unwrap().text().unwrap();
    assert!(village.contains("id=\"visits-due-total\""));
}

fn post_json(c: &reqwest::blocking::Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(format!("{}{path}", server().base)).json(&body).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// 供需对接 end to end through the API: a donor registers and its county verifies it; it
/// offers; the village records a household's need and the township publishes it; the donor
/// sees the need without the household's identity, takes it (点对点) and, once the household
/// agreed, learns who it is (audited); it delivers; the household confirms with its card's code;
/// the public figures and the donor's public record show it. Each refusal on the way names why.
#[test]
fn a_donor_meets_a_households_need_from_offer_to_confirmation() {
    let store = &server().store;
    let donor = login("donor2");
    let bad = json!({"kind": "1", "name": "阳谷助农科技有限公司", "credit_code": "91371521MA3C00001X", "contact": "赵经理",
        "phone": "13906351234", "region": "371521"});
    let (s, e) = post_json(&donor, "/api/v1/matching/donors", bad.clone());
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["detail"].as_str().unwrap_or("").contains("校验位不符"), "the check character is named: {e}");
    let code = fupin_domain::matching::CreditCode::complete("91371521MA3C00001").unwrap().to_string();
    let mut good = bad;
    good["credit_code"] = json!(code);
    let (s, d) = post_json(&donor, "/api/v1/matching/donors", good);
    assert_eq!((s, d["state"].as_str()), (200, Some("pending")), "{d}");
    let donor_id = d["id"].as_str().unwrap().to_string();
    let offer = json!({"category": "06", "title": "电商运营培训", "capacity": 1, "unit": "1", "unit_value": 80000,
        "regions": ["371521"], "deadline": "2017-12-31", "condition": "0"});
    let (s, e) = post_json(&donor, "/api/v1/matching/offers", offer.clone());
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("donor.state")), "not before the county verifies");
    let verify = json!({"expected_version": d["version"], "verified": true});
    assert_eq!(post_json(&login("shenxian"), &format!("/api/v1/matching/donors/{donor_id}/verify"), verify.clone()).0, 404);
    assert_eq!(post_json(&login("yanggu"), &format!("/api/v1/matching/donors/{donor_id}/verify"), verify).0, 200);
    let (s, o) = post_json(&donor, "/api/v1/matching/offers", offer);
    assert_eq!(s, 200, "{o}");
    let offer_id = o["id"].as_str().unwrap().to_string();

    // The village records the need; a name in the description is refused.
    let hid = a_village_household()["id"].as_str().unwrap().to_string();
    let caller = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let file = store.household(&caller, &hid).unwrap();
    let head = file.members[0].name.clone();
    let village = login("village");
    let need = |description: &str| json!({"category": "06", "description": description, "amount": 80000, "urgency": "2", "deadline": "2017-12-31"});
    let (s, e) = post_json(&village, &format!("/api/v1/households/{hid}/needs"), need(&format!("{head}想学电商")));
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("need.description")), "{e}");
    let (s, n) = post_json(&village, &format!("/api/v1/households/{hid}/needs"), need("家中有劳动力，希望学习电商运营"));
    assert_eq!((s, n["state"].as_str()), (200, Some("recorded")), "{n}");
    let need_id = n["id"].as_str().unwrap().to_string();
    assert!(!need_id.contains(&hid), "the need's id does not carry the household's: {need_id}");
    assert_eq!(post_json(&login("shenxian_village"), &format!("/api/v1/households/{hid}/needs"), need("x")).0, 404);
    let review = json!({"expected_version": n["version"], "approve": true});
    assert_eq!(post_json(&village, &format!("/api/v1/matching/needs/{need_id}/verify"), review.clone()).0, 403, "the township verifies");
    assert_eq!(post_json(&login("township"), &format!("/api/v1/matching/needs/{need_id}/verify"), review).0, 200);

    // The donor sees it, without identity, and takes it.
    let (s, open) = get(&donor, "/api/v1/matching/open-needs?region=371521&category=06&per_page=200");
    assert_eq!(s, 200);
    let text = open.to_string();
    assert!(text.contains(&need_id), "published: {text}");
    assert!(!text.contains(&hid) && !text.contains(&head) && id_numbers_in(&text).is_empty(), "no identity before the reveal");
    assert_eq!(get(&donor, "/api/v1/matching/needs").0, 403, "donors never list the files' needs");
    let (s, m) = post_json(&donor, &format!("/api/v1/matching/needs/{need_id}/pick"), json!({"offer_id": offer_id}));
    assert_eq!((s, m["state"].as_str()), (200, Some("accepted")), "{m}");
    let match_id = m["id"].as_str().unwrap().to_string();
    let (s, e) = post_json(&login("donor"), &format!("/api/v1/matching/needs/{need_id}/pick"), json!({"offer_id": offer_id}));
    assert!(matches!(s, 404 | 422), "another donor cannot take it: {s} {e}");
    assert_eq!(get(&donor, &format!("/api/v1/matching/matches/{match_id}/contact")).0, 403, "not before the household agrees");

    // The household agrees; the donor learns who, and that read is audited.
    let step = |c: &reqwest::blocking::Client, body: Value| post_json(c, &format!("/api/v1/matching/matches/{match_id}/steps"), body);
    let (s, agreed) = step(&village, json!({"expected_version": m["version"], "step": "agree"}));
    assert_eq!(s, 200, "{agreed}");
    let card = agreed["code"].as_str().expect("the card's code").to_string();
    let audited = store.pii_audit_count(&hid).unwrap();
    let (s, contact) = get(&donor, &format!("/api/v1/matching/matches/{match_id}/contact"));
    assert_eq!((s, contact["head_name"].as_str()), (200, Some(head.as_str())), "{contact}");
    assert_eq!(store.pii_audit_count(&hid).unwrap(), audited + 1, "the reveal is audited");
    assert_eq!(get(&login("donor"), &format!("/api/v1/matching/matches/{match_id}/contact")).0, 404, "not another donor's");

    // Delivery (never above the need) and the household's confirmation with its code.
    let v = agreed["match"]["version"].clone();
    let (s, e) = step(&donor, json!({"expected_version": v, "step": "deliver", "delivery": {"amount": 90000, "receipt": "培训结业证书", "on": "2017-06-29"}}));
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("match.amount")), "{e}");
    let (s, dl) = step(&donor, json!({"expected_version": v, "step": "deliver", "delivery": {"amount": 80000, "receipt": "培训结业证书", "on": "2017-06-29"}}));
    assert_eq!(s, 200, "{dl}");
    let v = dl["match"]["version"].clone();
    let wrong = if card == "000000" { "111111" } else { "000000" };
    let (s, e) = step(&village, json!({"expected_version": v, "step": "confirm", "code": wrong}));
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("match.code")));
    let (s, done) = step(&village, json!({"expected_version": v, "step": "confirm", "code": card, "note": "培训很实用，已开网店"}));
    assert_eq!((s, done["match"]["state"].as_str()), (200, Some("closed")), "{done}");

    // What the public sees: the figures, the ranking and the donor's record with the thanks.
    let (s, f) = get(&client(), "/api/v1/public/matching?region=371521");
    assert_eq!(s, 200);
    assert!(f["donors"].as_array().unwrap().iter().any(|d| d["donor_id"] == donor_id.as_str()), "{f}");
    let page = client().get(format!("{}/public/donors/{donor_id}", server().base)).send().unwrap().text().unwrap();
    assert!(page.contains("培训很实用，已开网店") && page.contains("阳谷助农科技有限公司"));
    assert!(!page.contains(&head) && !page.contains("13906351234"), "no household, no donor phone on the public record");
    let public = client().get(format!("{}/public/matching?region=371521", server().base)).send().unwrap().text().unwrap();
    assert!(public.contains("阳谷助农科技有限公司") && public.contains("id=\"match-rate\""));
    // The household's file lists the need and the match for its village official.
    let file_page = village.get(format!("{}/households/{hid}", server().base)).send().unwrap().text().unwrap();
    assert!(file_page.contains("希望学习电商运营") && file_page.contains("已完成"));
    // The county suspends the donor: its offers leave the lists and it can offer no more.
    let (_, now) = get(&login("yanggu"), &format!("/api/v1/matching/donors?region=371521&state=verified"));
    let current = now["items"].as_array().unwrap().iter().find(|x| x["id"] == donor_id.as_str()).expect("listed").clone();
    let suspend = json!({"expected_version": current["version"], "verified": false, "note": ""});
    let (s, e) = post_json(&login("yanggu"), &format!("/api/v1/matching/donors/{donor_id}/verify"), suspend.clone());
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("donor.note")), "a suspension says why");
    let mut suspend = suspend;
    suspend["note"] = json!("群众反映交付不及时，核查期间暂停");
    assert_eq!(post_json(&login("yanggu"), &format!("/api/v1/matching/donors/{donor_id}/verify"), suspend).0, 200);
    let (_, offers) = get(&login("province"), &format!("/api/v1/matching/offers?donor_id={donor_id}"));
    assert_eq!(offers["total"], 0, "a suspended donor's offers are not listed: {offers}");
    let again = json!({"category": "06", "title": "再来一期", "capacity": 1, "unit": "1", "unit_value": 100, "regions": ["371521"], "deadline": "2017-12-31", "condition": "0"});
    let (s, e) = post_json(&donor, "/api/v1/matching/offers", again);
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("donor.state")));
}


/// The matcher runs over a county from the API and the desk; a rerun proposes nothing for the
/// needs already held; other counties cannot run it or read its runs.
#[test]
fn the_county_runs_the_matcher_and_reads_its_runs() {
    let county = login("yanggu");
    let (s, run) = post_json(&county, "/api/v1/matching/runs", json!({"region": "371521"}));
    assert_eq!(s, 200, "{run}");
    assert!(run["candidates"].as_i64().unwrap() >= run["proposed"].as_i64().unwrap());
    let (s, again) = post_json(&county, "/api/v1/matching/runs", json!({"region": "371521"}));
    assert_eq!((s, again["proposed"].as_i64()), (200, Some(0)), "nothing new to propose: {again}");
    let (s, runs) = get(&county, "/api/v1/matching/runs");
    assert_eq!(s, 200);
    assert!(runs.as_array().unwrap().iter().any(|r| r["id"] == run["id"]));
    assert_eq!(post_json(&login("shenxian"), "/api/v1/matching/runs", json!({"region": "371521"})).0, 404);
    assert_eq!(get(&login("shenxian"), "/api/v1/matching/runs?region=371521").0, 404);
    assert_eq!(post_json(&login("village"), "/api/v1/matching/runs", json!({"region": "371521"})).0, 403);
    let desk = county.get(format!("{}/matching", server().base)).send().unwrap().text().unwrap();
    assert!(desk.contains("id=\"run-matcher\"") && desk.contains("id=\"runs\""), "the desk has the run and its list");
    // The demo donor's desk: published needs and its matches, and no household's identity.
    let donor_desk = login("donor").get(format!("{}/matching", server().base)).send().unwrap().text().unwrap();
    assert!(donor_desk.contains("id=\"open-needs\"") || donor_desk.contains("id=\"no-open-needs\""));
    assert!(donor_desk.contains("id=\"matches\""), "the demo donor has matches");
    assert!(id_numbers_in(&donor_desk).is_empty(), "no ID number on a donor's desk");
    let household_ids: Vec<&str> =
        donor_desk.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() == 16 && w.bytes().all(|b| b.is_ascii_digit())).collect();
    assert!(household_ids.is_empty(), "no household id on a donor's desk: {household_ids:?}");
}

/// 监督举报 end to end through the API: the public reports a problem about a village without
/// logging in and keeps the number and code; a wrong code learns nothing; the county receives
/// it and sees the reporter (audited), the city above sees it masked, the village and another
/// county never; passed to the township, answered, rated, closed; the outcome published
/// masked; filings from one address are limited.
#[test]
fn the_public_reports_a_problem_and_the_county_handles_it() {
    let hid = a_village_household()["id"].as_str().unwrap().to_string();
    let village = &hid[..12];
    let public = client();
    let body = json!({"category": "false_claim", "region": village, "household_id": hid, "text": "该户家里开着饭店还有两辆车，却被评为贫困户",
        "name": "赵明", "contact": "13700001111"});
    let (s, filed) = post_json(&public, "/api/v1/public/reports", body.clone());
    assert_eq!(s, 200, "{filed}");
    let (id, code) = (filed["tracking_number"].as_str().unwrap().to_string(), filed["query_code"].as_str().unwrap().to_string());
    let (s, again) = post_json(&public, "/api/v1/public/reports", body);
    assert_eq!((s, again["error"]["code"].as_str()), (422, Some("report.duplicate")));
    assert_eq!(get(&public, &format!("/api/v1/public/reports/{id}?code=AAAAAAAA")).0, 404, "a wrong code is an unknown number");
    let (s, f) = get(&public, &format!("/api/v1/public/reports/{id}?code={code}"));
    assert_eq!((s, f["state"].as_str()), (200, Some("submitted")));
    assert!(!f.to_string().contains("赵明"), "the reporter's view does not echo the name either");

    // Who sees it: the county handles it and sees the reporter; the city sees it masked.
    let (yanggu, liaocheng) = (login("yanggu"), login("liaocheng"));
    let before = server().store.pii_audit_count(&id).unwrap();
    let (s, r) = get(&yanggu, &format!("/api/v1/supervision/reports/{id}"));
    assert_eq!((s, r["reporter"]["name"].as_str(), r["handler"].as_str()), (200, Some("赵明"), Some(&hid[..6])));
    assert_eq!(server().store.pii_audit_count(&id).unwrap(), before + 1, "the handling unit's read of the reporter is audited");
    let (s, r) = get(&liaocheng, &format!("/api/v1/supervision/reports/{id}"));
    assert_eq!((s, r["reporter"].is_null(), r["named"].as_bool()), (200, true, Some(true)));
    for who in ["village", "helper", "donor", "department"] {
        assert_eq!(get(&login(who), &format!("/api/v1/supervision/reports/{id}")).0, 403, "{who}");
    }
    assert_eq!(get(&login("shenxian"), &format!("/api/v1/supervision/reports/{id}")).0, 404);
    assert_eq!(get(&login("shenxian"), "/api/v1/supervision/reports?region=371521").0, 404);
    let (_, list) = get(&liaocheng, "/api/v1/supervision/reports?region=371521");
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["id"] == id.as_str()));
    assert!(list.to_string().find("赵明").is_none(), "lists never carry the reporter");

    // 受理 → 转办 to the township → 反馈 → 回访.
    let step = |c: &reqwest::blocking::Client, b: Value| post_json(c, &format!("/api/v1/supervision/reports/{id}/steps"), b);
    let (s, r) = step(&yanggu, json!({"step": "accept", "expected_version": 1}));
    assert_eq!((s, r["state"].as_str()), (200, Some("handling")), "{r}");
    let (s, e) = step(&yanggu, json!({"step": "transfer", "expected_version": 2, "to": village}));
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("report.to")), "never to the village reported on");
    let (s, r) = step(&yanggu, json!({"step": "transfer", "expected_version": 2, "to": &hid[..9], "note": "请乡镇核查"}));
    assert_eq!((s, r["handler"].as_str()), (200, Some(&hid[..9])), "{r}");
    let township = login("township");
    let (s, e) = step(&yanggu, json!({"step": "answer", "expected_version": 3, "note": "x"}));
    assert_eq!(s, 403, "the county passed it down: {e}");
    let (s, r) = step(&township, json!({"step": "answer", "expected_version": 3, "note": "经核查，赵明反映属实，联系电话13700001111，已启动清退程序"}));
    assert_eq!((s, r["state"].as_str()), (200, Some("answered")), "{r}");
    let rate = |b: Value| post_json(&public, &format!("/api/v1/public/reports/{id}/rating"), b);
    assert_eq!(rate(json!({"code": "AAAAAAAA", "satisfied": true})).0, 404);
    let (s, f) = rate(json!({"code": code, "satisfied": true, "comment": "处理及时"}));
    assert_eq!((s, f["state"].as_str()), (200, Some("closed")), "{f}");
    let (s, p) = get(&public, &format!("/api/v1/public/reports?region={}", &hid[..6]));
    assert_eq!(s, 200);
    let published = p["outcomes"].as_array().unwrap().iter().find(|o| o["tracking_number"] == id.as_str()).expect("published").clone();
    let text = published["outcome"].as_str().unwrap();
    assert!(text.contains("赵某反映属实") && !text.contains("13700001111"), "{text}");
    assert!(p["figures"]["satisfied"].as_i64().unwrap() >= 1);

    // A match's complaint of no delivery (the demo has one) is a report to the village's county.
    let (_, other) = get(&login("province"), "/api/v1/supervision/reports?category=other&per_page=200");
    let complaint = other["items"].as_array().unwrap().iter().find(|r| r["text"].as_str().unwrap().contains("逾期未交付")).expect("the complaint's report").clone();
    assert_eq!(complaint["handler"].as_str().unwrap(), &complaint["about"].as_str().unwrap()[..6], "{complaint}");

    // The same address may file a few reports an hour, then is told to wait.
    let mut last = 0;
    for n in 0..6 {
        let b = json!({"category": "conduct", "region": &hid[..6], "text": format!("县里某单位干部工作作风问题第{n}件，群众反映强烈")});
        last = post_json(&public, "/api/v1/public/reports", b).0;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "filings from one address are limited");
}

/// 待办: each role's list counts what waits on it in each function, equal to that function's own
/// count, and every item links to a page the role may open; the menu shows the count.
#[test]
fn the_to_do_list_counts_what_waits_on_each_role() {
    let yanggu = login("yanggu");
    let (s, todo) = get(&yanggu, "/api/v1/todo");
    assert_eq!(s, 200, "{todo}");
    let count = |t: &Value, kind: &str| t["counts"].as_array().unwrap().iter().find(|c| c["kind"] == kind).map_or(0, |c| c["count"].as_i64().unwrap());
    let open: i64 = ["submitted", "handling", "reopened"]
        .iter()
        .map(|st| get(&yanggu, &format!("/api/v1/supervision/reports?mine=true&state={st}")).1["total"].as_i64().unwrap())
        .sum();
    assert!(open > 0, "the demo leaves reports open in 阳谷县");
    assert_eq!(count(&todo, "report"), open, "{todo}");
    let (_, pending) = get(&yanggu, "/api/v1/matching/donors?state=pending");
    assert_eq!(count(&todo, "donor"), pending["total"].as_i64().unwrap());
    for (who, kinds) in [("yanggu", &["report"][..]), ("township", &["report"][..]), ("helper", &["visit"][..]), ("village", &[][..]), ("donor", &[][..]), ("evaluator", &["evaluation"][..])] {
        let c = login(who);
        let (s, t) = get(&c, "/api/v1/todo");
        assert_eq!(s, 200, "{who}");
        let sum: i64 = t["counts"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
        assert_eq!(t["total"].as_i64().unwrap(), sum, "{who}: {t}");
        for k in kinds {
            assert!(count(&t, k) > 0, "{who} has {k} to do: {t}");
        }
        for item in t["items"].as_array().unwrap() {
            let link = item["link"].as_str().unwrap();
            let r = c.get(format!("{}{link}", server().base)).send().unwrap();
            assert_eq!(r.status(), 200, "{who}: {link}");
        }
        let page = c.get(format!("{}/todo", server().base)).send().unwrap().text().unwrap();
        assert!(page.contains("id=\"nav-todo-count\"") && page.contains(&format!("id=\"todo-page-total\">{}<", t["total"])), "{who}");
    }
    assert_eq!(get(&client(), "/api/v1/todo").0, 401);
}

/// The ledger's heads are published signed, without login: the file verifies under the key the
/// portal shows, covers every chain, and downloads as a file to keep.
#[test]
fn the_portal_publishes_the_ledgers_signed_heads() {
    let public = client();
    let (s, heads) = get(&public, "/api/v1/public/ledger/heads");
    assert_eq!(s, 200, "{heads}");
    let file: fupin_store::core::heads::SignedHeads = serde_json::from_value(heads).unwrap();
    assert_eq!(fupin_store::core::heads::signature_holds(&file, None), Ok(()));
    assert_eq!(file.heads.len() as u64, server().store.verify_ledger().unwrap().chains, "every chain");
    assert!(file.heads.iter().any(|h| h.chain == "371521" && h.seq > 0));
    let portal = public.get(format!("{}/public", server().base)).send().unwrap().text().unwrap();
    assert!(portal.contains(&format!("id=\"ledger-key\" style=\"word-break: break-all\">{}<", file.public_key)), "the portal shows the key");
    let r = public.get(format!("{}/public/ledger/heads.json", server().base)).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let kept: fupin_store::core::heads::SignedHeads = serde_json::from_str(&r.text().unwrap()).unwrap();
    assert_eq!(kept.public_key, file.public_key);
    assert_eq!(fupin_store::core::heads::signature_holds(&kept, Some(&file.public_key)), Ok(()));
}

/// 贫困测度 of 阳谷县 for 2016 equal the files measured one by one (FGT by hand from each live
/// file's per-capita income for exit and size), the child townships' M0 shares and the
/// dimensions' contributions sum to 1, other counties are refused, a bad year is a 400 with the
/// documented shape, and the page shows the same P0.
#[test]
fn the_measures_of_a_county_are_its_files_measured_one_by_one() {
    use fupin_domain::registry::codes::Status;
    let store = &server().store;
    let system = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let line = 3402.0;
    let (mut files, mut persons, mut measured, mut p0, mut p1) = (0u64, 0i64, 0.0, 0.0, 0.0);
    for page in 1.. {
        let q = fupin_store::HouseholdQuery {
            region: Some(fupin_domain::RegionCode::parse("371521").unwrap()),
            page,
            per_page: 200,
            ..Default::default()
        };
        let found = store.search_households(&system, &q).unwrap();
        for s in &found.items {
            let h = store.household(&system, &s.id).unwrap();
            if matches!(h.status, Status::Removed | Status::TransferredOut | Status::NonPoor) {
                continue;
            }
            files += 1;
            persons += h.size();
            if let Some(pc) = h.per_capita_for_exit(2016) {
                let (x, w) = (pc.fen() as f64 / 100.0, h.size() as f64);
                measured += w;
                if x < line {
                    p0 += w;
                    p1 += w * (line - x) / line;
                }
            }
        }
        if found.items.len() < 200 {
            break;
        }
    }
    assert!(files > 5 && measured > 0.0, "the demo county has files with 2016 incomes ({files})");
    let yanggu = login("yanggu");
    let (status, m) = get(&yanggu, "/api/v1/measures/371521?year=2016");
    assert_eq!(status, 200, "{m}");
    assert_eq!((m["households"].as_u64().unwrap(), m["persons"].as_i64().unwrap()), (files, persons));
    let fgt = &m["measures"]["fgt"];
    assert!((fgt["population"].as_f64().unwrap() - measured).abs() < 1e-9, "{fgt}");
    assert!((fgt["p0"].as_f64().unwrap() - p0 / measured).abs() < 1e-9, "{fgt} vs {}", p0 / measured);
    assert!((fgt["p1"].as_f64().unwrap() - p1 / measured).abs() < 1e-9, "{fgt} vs {}", p1 / measured);
    let af = &m["measures"]["af"];
    let m0 = af["m0"].as_f64().unwrap();
    assert!((m0 - af["h"].as_f64().unwrap() * af["a"].as_f64().unwrap()).abs() < 1e-12);
    let sum = |xs: Vec<f64>| xs.iter().sum::<f64>();
    if m0 > 0.0 {
        let shares = sum(m["children"].as_array().unwrap().iter().map(|c| c["measures"]["m0_contribution"].as_f64().unwrap()).collect());
        assert!((shares - 1.0).abs() < 1e-9, "townships' shares sum to {shares}");
        let parts = sum(af["by_indicator"].as_object().unwrap().values().map(|p| p["contribution"].as_f64().unwrap()).collect());
        assert!((parts - 1.0).abs() < 1e-9, "dimensions' contributions sum to {parts}");
    }
    let townships: u64 = m["children"].as_array().unwrap().iter().map(|c| c["households"].as_u64().unwrap()).sum();
    assert_eq!(townships, files);

    for who in ["shenxian", "shenxian_village"] {
        assert_eq!(get(&login(who), "/api/v1/measures/371521?year=2016").0, 404, "{who}");
    }
    let (status, err) = get(&yanggu, "/api/v1/measures/371521?year=1999");
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("measures.year")), "{err}");
    assert_eq!(get(&yanggu, "/api/v1/measures/37152?year=2016").0, 400, "a malformed code");

    let html = yanggu.get(format!("{}/evaluation/measures?region=371521&year=2016", server().base)).send().unwrap().text().unwrap();
    let shown = format!("{:.2}%", fgt["p0"].as_f64().unwrap() * 100.0);
    assert!(html.contains(&format!("<div class=\"n\" id=\"m-p0\">{shown}</div>")), "the page shows P0 {shown}");
    assert!(html.contains("id=\"measures-children\"") && html.contains("id=\"nav-measures\""));
    let html = yanggu.get(format!("{}/evaluation/measures?region=371521&year=2014", server().base)).send().unwrap().text().unwrap();
    assert!(html.contains("id=\"no-measures\""), "2014 has no incomes in the demo: the page says why");
}

/// 第三方评估 over HTTP: the evaluator draws 阳谷县's sample from a seed; the field list's weights
/// are the inverse probabilities (each village's probability times its files' share), the frame
/// served hashes to the published digest, the same seed draws the same households, and the
/// pages show the list. Other counties' officials, the village and donors are refused.
#[test]
fn the_evaluator_draws_a_county_sample_from_a_published_seed() {
    use sha2::{Digest, Sha256};
    let evaluator = login("evaluator");
    let body = json!({"county": "371521", "year": 2016, "seed": 424_242, "villages": 5, "still_poor": 3, "exited": 2, "outside": 4});
    let (status, e) = post_json(&evaluator, "/api/v1/evaluation/evaluations", body.clone());
    assert_eq!(status, 200, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    assert_eq!((e["plan"]["seed"].as_u64(), e["villages"].as_i64()), (Some(424_242), Some(5)), "{e}");
    let (status, d) = get(&evaluator, &format!("/api/v1/evaluation/evaluations/{id}"));
    assert_eq!(status, 200, "{d}");
    let villages = d["villages"].as_array().unwrap();
    let units = d["units"].as_array().unwrap();
    assert_eq!(units.len() as i64, e["units"].as_i64().unwrap());
    for u in units {
        let v = villages.iter().find(|v| v["code"] == u["village"]).expect("a unit's village is sampled");
        let files = if u["kind"] == "still_poor" { v["still_poor_files"].as_f64().unwrap() } else { v["exited_files"].as_f64().unwrap() };
        let taken: f64 = if u["kind"] == "still_poor" { 3.0 } else { 2.0 };
        let want = files / taken.min(files) / v["probability"].as_f64().unwrap();
        assert!((u["weight"].as_f64().unwrap() - want).abs() < 1e-6, "{u} in {v}");
        assert!(u.get("id_number").is_none() && u.get("phone").is_none(), "the field list carries no ID or phone: {u}");
    }
    let frame = evaluator.get(format!("{}/api/v1/evaluation/evaluations/{id}/frame.csv", server().base)).send().unwrap().text().unwrap();
    assert!(frame.starts_with("village,kind,household_id,persons\n"), "{}", &frame[..80.min(frame.len())]);
    assert_eq!(hex::encode(Sha256::digest(frame.as_bytes())), e["frame_digest"].as_str().unwrap(), "the frame hashes to its digest");

    let (_, again) = post_json(&evaluator, "/api/v1/evaluation/evaluations", body);
    let (_, d2) = get(&evaluator, &format!("/api/v1/evaluation/evaluations/{}", again["id"].as_str().unwrap()));
    let households = |d: &Value| d["units"].as_array().unwrap().iter().map(|u| u["household_id"].clone()).collect::<Vec<_>>();
    assert_eq!(households(&d2), households(&d), "the same seed on the same frame draws the same households");

    let (status, err) = post_json(&evaluator, "/api/v1/evaluation/evaluations", json!({"county": "371521100", "year": 2016, "seed": 1, "villages": 5, "still_poor": 3, "exited": 2, "outside": 4}));
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("evaluation.county")), "{err}");
    let (status, err) = post_json(&evaluator, "/api/v1/evaluation/evaluations", json!({"county": "371521", "year": 2016, "seed": 1, "villages": 1, "still_poor": 3, "exited": 2, "outside": 4}));
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("evaluation.villages")), "{err}");
    assert_eq!(post_json(&login("yanggu"), "/api/v1/evaluation/evaluations", json!({"county": "371521", "year": 2016, "seed": 1, "villages": 2, "still_poor": 1, "exited": 1, "outside": 1})).0, 403, "the county judged does not draw its own sample");
    assert_eq!(get(&login("yanggu"), &format!("/api/v1/evaluation/evaluations/{id}")).0, 200, "the county reads its evaluation");
    for who in ["shenxian", "village", "donor"] {
        assert!(matches!(get(&login(who), &format!("/api/v1/evaluation/evaluations/{id}")).0, 403 | 404), "{who}");
    }

    // Field work: every exited household found rightly exited, one still-poor household
    // dissatisfied, and in each village a household outside the register, the first omitted.
    // The first household of the list is dissatisfied (with its reason); every other satisfied;
    // every exited household found rightly exited.
    let mut exited = 0;
    let first = units[0]["n"].clone();
    for u in units {
        let kind = u["kind"].as_str().unwrap();
        let mut result = if u["n"] == first {
            json!({"satisfied": false, "reason": "帮扶措施不对路", "enumerator": "调查员01"})
        } else {
            json!({"satisfied": true, "enumerator": "调查员01"})
        };
        if kind == "exited" {
            result["wrong_exit"] = json!(false);
            exited += 1;
        }
        let (status, saved) = post_json(&evaluator, &format!("/api/v1/evaluation/evaluations/{id}/results"), json!({"n": u["n"], "result": result}));
        assert_eq!(status, 200, "{saved}");
    }
    let (status, err) = post_json(&evaluator, &format!("/api/v1/evaluation/evaluations/{id}/results"), json!({"n": first, "result": {"omitted": true, "reason": "x", "enumerator": "x"}}));
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("evaluation.result")), "a file on the register is not asked 漏评: {err}");
    for (i, v) in villages.iter().enumerate() {
        let body = json!({"household": {"village": v["code"], "head": format!("外{i}"), "persons": 3}, "result": {"omitted": i == 0, "satisfied": true, "reason": if i == 0 { "收入低于标准" } else { "" }, "enumerator": "调查员02"}});
        let (status, added) = post_json(&evaluator, &format!("/api/v1/evaluation/evaluations/{id}/outside"), body);
        assert_eq!(status, 200, "{added}");
    }
    let (status, est) = get(&evaluator, &format!("/api/v1/evaluation/evaluations/{id}/estimates"));
    assert_eq!(status, 200, "{est}");
    let rate = |code: &str| est["rates"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap().clone();
    let wrong = rate("wrong_exit");
    if exited > 0 && wrong["estimate"].is_object() {
        assert_eq!(wrong["estimate"]["estimate"].as_f64(), Some(0.0), "{wrong}");
        assert!(wrong["estimate"]["ci"][1].as_f64().unwrap() > 0.0, "nothing found still leaves an upper bound above 0: {wrong}");
    }
    let omitted = rate("omitted");
    assert_eq!((omitted["answered"].as_u64(), omitted["found"].as_u64()), (Some(villages.len() as u64), Some(1)), "{omitted}");
    assert!(omitted["estimate"]["estimate"].as_f64().unwrap() > 0.02 && est["verdict"] == false, "one omitted household in a few vetoes: {est}");
    // 综合贫困发生率, when both rates have an estimate: the frame's remaining poor plus what the
    // rates say the register misses, over the rural population.
    let inc = &est["incidence"];
    if let (Some(w), Some(o)) = (wrong["estimate"]["estimate"].as_f64(), omitted["estimate"]["estimate"].as_f64()) {
        let n = |k: &str| inc[k].as_f64().unwrap();
        let want = (n("remaining") + w * n("exited_persons") + o * n("outside_population")) / n("rural_population");
        assert!((inc["estimate"].as_f64().unwrap() - want).abs() < 1e-12, "{inc}");
    } else {
        assert!(inc["estimate"].is_null() && inc["standing"] == "unknown", "{inc}");
    }
    assert_eq!(get(&login("yanggu"), &format!("/api/v1/evaluation/evaluations/{id}/estimates")).0, 200, "the county reads the estimates");
    assert_eq!(post_json(&login("yanggu"), &format!("/api/v1/evaluation/evaluations/{id}/close"), json!({})).0, 403, "the county does not close it");

    let page = |c: &reqwest::blocking::Client, path: &str| c.get(format!("{}{path}", server().base)).send().unwrap().text().unwrap();
    let form = page(&evaluator, &format!("/evaluation/samples/{id}/units/{first}"));
    assert!(form.contains("id=\"unit-form\"") && form.contains("帮扶措施不对路"), "the form shows what was recorded");
    let html = page(&evaluator, &format!("/evaluation/samples/{id}"));
    assert!(html.contains("id=\"verdict\"") && html.contains("一票否决") && html.contains("id=\"rate-omitted\""), "the page shows the estimates and the verdict");
    assert!(html.contains("id=\"field-list\"") && html.contains("424242") && html.contains(e["frame_digest"].as_str().unwrap()), "the page shows the list, the seed and the digest");
    let desk = page(&evaluator, "/evaluation/samples");
    assert!(desk.contains("id=\"draw-form\"") && desk.contains(&format!("/evaluation/samples/{id}")) && desk.contains("id=\"nav-evaluations\""));
    let county_desk = page(&login("yanggu"), "/evaluation/samples");
    assert!(!county_desk.contains("id=\"draw-form\"") && county_desk.contains(&id), "the county reads, never draws");
    assert!(!page(&login("village"), "/").contains("nav-evaluations"), "the village has no 第三方评估 in its menu");
}

/// 重点工作任务 over HTTP: the city dispatches a reported task down to the townships, a short
/// split is refused with its code and the difference, the county passes its part to a township,
/// the township sees it in 待办 and reports, and the value rolls up to the county and the city;
/// another county cannot read 阳谷县's part, and a helper has no tasks at all (nor the link).
#[test]
fn a_key_task_is_dispatched_split_and_reported_over_http() {
    let base = &server().base;
    let (city, county, town) = (login("liaocheng"), login("yanggu"), login("township"));
    let town_code = server().store.user("township").unwrap().unwrap().region.to_string();
    let title = format!("重点村通公交（HTTP，第{}号进程）", std::process::id());
    let body = json!({"title": title, "indicator": "reported", "target_kind": "number", "unit_label": "个村", "year": 2017, "target": 10,
        "deadline": "2017-12-31", "down_to": "township", "unit": "聊城市扶贫办"});
    let r = city.post(format!("{base}/api/v1/supervision/tasks")).json(&body).send().unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().unwrap();
    let id = v["task"]["id"].as_str().unwrap().to_string();
    assert_eq!((v["row"]["region"].as_str(), v["may_split"].as_bool()), (Some("3715"), Some(true)));
    let split = |c: &reqwest::blocking::Client, parts: Value| c.post(format!("{base}/api/v1/supervision/tasks/{id}/split")).json(&json!({"parts": parts})).send().unwrap();
    let r = split(&city, json!([{"region": "371521", "target": 4, "deadline": "2017-12-31"}, {"region": "371522", "target": 5, "deadline": "2017-12-31"}]));
    assert_eq!(r.status(), 422);
    let e: Value = r.json().unwrap();
    assert_eq!(e["error"]["code"], "tasks.split_short");
    assert!(e["error"]["message"].as_str().unwrap().contains("差1"), "{e}");
    let r = split(&city, json!([{"region": "371521", "target": 6, "deadline": "2017-12-15"}, {"region": "371522", "target": 4, "deadline": "2017-12-15"}]));
    assert_eq!(r.status(), 200);
    assert_eq!(split(&county, json!([{"region": town_code, "target": 6, "deadline": "2017-12-31"}])).status(), 422, "later than received");
    assert_eq!(split(&county, json!([{"region": town_code, "target": 6, "deadline": "2017-12-10"}])).status(), 200);
    let (_, todo) = get(&town, "/api/v1/todo");
    let link = format!("/supervision/tasks/{id}?region={town_code}");
    assert!(todo["items"].as_array().unwrap().iter().any(|i| i["kind"] == "task" && i["link"] == link.as_str()), "{todo}");
    let report = |value: i64, evidence: &str| {
        town.post(format!("{base}/api/v1/supervision/tasks/{id}/progress")).json(&json!({"value": value, "evidence": evidence})).send().unwrap()
    };
    assert_eq!(report(4, "").status(), 422);
    let r = report(4, "已开通4个重点村的公交线路，站牌照片存档");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["row"]["value"], 4);
    let (_, cv) = get(&county, &format!("/api/v1/supervision/tasks/{id}"));
    assert_eq!((cv["row"]["value"].as_i64(), cv["children"][0]["evidence"].as_str()), (Some(4), Some("已开通4个重点村的公交线路，站牌照片存档")));
    let (_, tv) = get(&city, &format!("/api/v1/supervision/tasks/{id}"));
    assert_eq!((tv["row"]["value"].as_i64(), tv["children"][0]["region"].as_str()), (Some(4), Some("371521")), "ranked first");
    assert_eq!(get(&login("shenxian"), &format!("/api/v1/supervision/tasks/{id}?region=371521")).0, 404);
    let (s, list) = get(&login("shenxian"), "/api/v1/supervision/tasks");
    assert_eq!(s, 200);
    let theirs = list.as_array().unwrap().iter().find(|t| t["task"]["id"] == id.as_str()).expect("莘县 holds its own part");
    assert_eq!(theirs["row"]["region"], "371522");
    let page = city.get(format!("{base}/supervision/tasks/{id}")).send().unwrap().text().unwrap();
    assert!(page.contains("调度通报") && page.contains("阳谷县") && page.contains("莘县"), "the bulletin ranks both counties");
    let helper = login("helper");
    assert_eq!(get(&helper, "/api/v1/supervision/tasks").0, 403);
    assert_eq!(helper.get(format!("{base}/supervision/tasks")).send().unwrap().status(), 403);
    let home = helper.get(format!("{base}/")).send().unwrap().text().unwrap();
    assert!(!home.contains("href=\"/supervision/tasks\""), "no link for what the helper may not open");
}

/// 扶贫资金 through the API and the pages: the province previews an allocation (the lines add
/// up to the total to the fen) and publishes it with its 文号; 阳谷县 reads only its own line,
/// records a project, approves and notices it, and the public reads the notice without a
/// household or an account named; accounts are masked for the province and whole (and
/// audited) for the county; refusals come in the documented shape; a helper has no funds desk
/// and no link to it.
#[test]
fn funds_go_from_the_allocation_to_the_public_notice() {
    let base = &server().base;
    let province = login("province");
    let title = format!("2017年中央财政专项扶贫资金（探测{}）", std::process::id());
    let draft = json!({"year": 2017, "source": "central", "total": 123_456_789, "title": title, "document": "",
        "weights": [{"factor": "poor", "percent": 60}, {"factor": "incidence", "percent": 40}]});
    let r = province.post(format!("{base}/api/v1/funds/allocations/preview")).json(&draft).send().unwrap();
    assert_eq!(r.status(), 200);
    let preview: Value = r.json().unwrap();
    let lines = preview["lines"].as_array().unwrap();
    assert!(lines.len() >= 2, "{preview}");
    assert_eq!(lines.iter().map(|l| l["amount"].as_i64().unwrap()).sum::<i64>(), 123_456_789, "to the fen");
    assert!(preview["id"].is_null(), "a preview is not stored");

    let refused = |r: reqwest::blocking::Response, code: &str| {
        assert_eq!(r.status(), 422);
        let e: Value = r.json().unwrap();
        assert_eq!(e["error"]["code"], code, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e}");
    };
    let mut short = draft.clone();
    short["weights"][0]["percent"] = json!(50);
    refused(province.post(format!("{base}/api/v1/funds/allocations/preview")).json(&short).send().unwrap(), "funds.weights");
    refused(province.post(format!("{base}/api/v1/funds/allocations")).json(&draft).send().unwrap(), "funds.document");
    let mut with_doc = draft.clone();
    with_doc["document"] = json!("鲁财农〔2017〕探测号");
    let r = province.post(format!("{base}/api/v1/funds/allocations")).json(&with_doc).send().unwrap();
    assert_eq!(r.status(), 200);
    let published: Value = r.json().unwrap();
    assert_eq!(published["lines"], preview["lines"], "published as previewed");

    let yanggu = login("yanggu");
    let (s, own) = get(&yanggu, "/api/v1/funds/allocations/2017");
    assert_eq!(s, 200);
    let mine = own.as_array().unwrap().iter().find(|a| a["title"] == title.as_str()).expect("the county reads the allocation");
    assert_eq!(mine["lines"].as_array().unwrap().iter().map(|l| l["county"].as_str().unwrap()).collect::<Vec<_>>(), ["371521"]);
    assert_eq!(get(&yanggu, "/api/v1/funds/allocations/2017?region=371522").0, 404);
    assert_eq!(get(&yanggu, "/api/v1/funds/projects?state=bogus").0, 400);

    // A project with its notice; the probe's project carries a payment to a household.
    let hid = a_village_household()["id"].as_str().unwrap().to_string();
    let body = json!({"region": &hid[..12], "year": 2017, "name": format!("探测光伏项目{}", std::process::id()), "kind": "industry",
        "budget": [{"source": "central", "amount": 5_000_000}], "beneficiaries": [{"household_id": hid, "mechanism": "dividend"}]});
    let r = yanggu.post(format!("{base}/api/v1/funds/projects")).json(&body).send().unwrap();
    assert_eq!(r.status(), 200);
    let p: Value = r.json().unwrap();
    let id = p["project"]["id"].as_str().unwrap().to_string();
    let step = |step: &str, version: i64| yanggu.post(format!("{base}/api/v1/funds/projects/{id}/step")).json(&json!({"step": step, "expected_version": version})).send().unwrap();
    assert_eq!(step("start", 1).status(), 422, "not approved yet");
    assert_eq!(step("approve", 1).status(), 200);
    assert_eq!(step("approve", 1).status(), 409, "a stale version");
    let pay = json!({"paid_on": "2017-06-01", "amount": 100, "source": "central", "payee": "某", "account": "12", "voucher": "记-1"});
    refused(yanggu.post(format!("{base}/api/v1/funds/projects/{id}/payments")).json(&pay).send().unwrap(), "funds.account");
    let notice = json!({"kind": "plan", "from": "2017-06-30", "to": "2017-07-10", "text": "探测光伏项目公示，监督电话0635-1234567"});
    assert_eq!(yanggu.post(format!("{base}/api/v1/funds/projects/{id}/notices")).json(&notice).send().unwrap().status(), 200);

    let probe = a_project_of_yanggu(&hid);
    let system = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
    let account = server().store.household(&system, &hid).unwrap().bank_account;
    let (s, seen) = get(&province, &format!("/api/v1/funds/projects/{probe}"));
    assert_eq!(s, 200);
    let shown = seen["payments"][0]["account"].as_str().unwrap();
    assert!(shown != account && shown.contains('*'), "masked for the province: {shown}");
    let before = server().store.pii_audit_count(&hid).unwrap();
    let (_, whole) = get(&yanggu, &format!("/api/v1/funds/projects/{probe}"));
    assert_eq!(whole["payments"][0]["account"], account.as_str(), "whole for the county");
    assert!(server().store.pii_audit_count(&hid).unwrap() > before, "and on record");

    for (what, text) in [
        ("api", client().get(format!("{base}/api/v1/public/projects?region=371521")).send().unwrap().text().unwrap()),
        ("page", client().get(format!("{base}/public/projects?region=371521")).send().unwrap().text().unwrap()),
    ] {
        assert!(text.contains(&format!("探测光伏项目{}", std::process::id())) && text.contains("监督电话0635-1234567"), "{what}: the notice is public");
        assert!(!text.contains(&hid) && !text.contains(&account), "{what}: no household, no account");
    }

    let desk = yanggu.get(format!("{base}/funds?year=2017")).send().unwrap().text().unwrap();
    assert!(desk.contains(&title) && desk.contains(&id) && desk.contains("id=\"project-form\""), "the county's desk");
    assert!(!desk.contains("id=\"allocation-form\""), "a county does not allocate");
    // The demo's planted cases are caught, province-wide, with the accounts masked.
    let (s, flags) = get(&province, "/api/v1/funds/flags");
    assert_eq!(s, 200);
    let mut kinds: Vec<&str> = flags.as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in ["idle", "not_noticed", "over_budget", "shared_account", "outside_register"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let idle_cities: std::collections::BTreeSet<&str> =
        flags.as_array().unwrap().iter().filter(|f| f["kind"] == "idle").map(|f| &f["county"].as_str().unwrap()[..4]).collect();
    assert!(idle_cities.len() > 1, "idle money is found in every city, not only the first: {idle_cities:?}");
    assert!(!flags.to_string().contains(&account), "no whole account for the province");

    let helper = login("helper");
    assert_eq!(get(&helper, "/api/v1/funds/report").0, 403);
    assert_eq!(helper.get(format!("{base}/funds")).send().unwrap().status(), 403);
    assert!(!helper.get(format!("{base}/")).send().unwrap().text().unwrap().contains("href=\"/funds\""), "no link for the helper");
    let dept = login("department").get(format!("{base}/funds")).send().unwrap().text().unwrap();
    assert!(dept.contains("id=\"nav-funds\"") && !dept.contains("id=\"project-form\""), "a department reads");
}
