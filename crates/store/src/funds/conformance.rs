//! 扶贫资金's conformance scenarios, run on both backends by `conformance_tests!`.

use super::{FactorInput, ProjectQuery};
use crate::prelude::*;
use crate::registry::conformance::{official, sample_household, setup};
use crate::registry::ChangeRequest;
use crate::StoreError;
use fupin_domain::access::Role;
use fupin_domain::funds::allocation::{AllocationDraft, Factor, Weight};
use fupin_domain::funds::project::{
    Beneficiary, BudgetLine, FlagKind, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectState,
    ProjectStep,
};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::MemberChange;
use fupin_domain::registry::household::Change;
use fupin_domain::{RegionCode, Yuan};
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

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("test code")
}

pub fn central_2016() -> AllocationDraft {
    AllocationDraft {
        year: 2016,
        source: FundSource::Central,
        total: Yuan::from_yuan(1_000_000),
        title: "2016年中央财政专项扶贫资金分配方案".into(),
        document: "鲁财农〔2016〕8号".into(),
        weights: vec![Weight { factor: Factor::Poor, percent: 50 }, Weight { factor: Factor::Fiscal, percent: 50 }],
    }
}

fn notice(kind: NoticeKind, from: &str, to: &str, text: &str) -> NoticeDraft {
    NoticeDraft { kind, from: day(from), to: day(to), text: text.into() }
}

fn payment(on: &str, yuan: i64, payee: &str, account: &str, household: Option<&str>) -> PaymentDraft {
    PaymentDraft {
        paid_on: day(on),
        amount: Yuan::from_yuan(yuan),
        source: FundSource::Central,
        payee: payee.into(),
        account: account.into(),
        voucher: format!("记-{on}-{yuan}"),
        household_id: household.map(Into::into),
    }
}

/// The province sets the configured factors and shares the central fund among the counties by
/// the factor method — exact to the fen and as computed by hand; a preview stores nothing; who
/// sees which lines; the published lines stay as published when the registry changes.
pub fn funds_allocated_by_the_factor_method(store: Arc<dyn Store>) {
    let village = setup(&*store);
    // 阳谷县: two households of 2 and 3 poor persons; 莘县: one of 2.
    store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    store.create_household(&village, sample_household("371521100001", 2, 3), "建档", "2015-12-01").unwrap();
    let shen = official(Role::VillageOfficial, "371522100001");
    store.create_household(&shen, sample_household("371522100001", 3, 2), "建档", "2015-12-01").unwrap();
    let province = official(Role::ProvinceOfficial, "37");
    let at = "2016-03-01T10:00:00";
    let f = |c: &str, fiscal, appraisal| FactorInput { county: c.into(), fiscal, appraisal };
    invalid(store.set_fund_factors(&province, 2016, &[f("371599", Some(1), None)], at), "funds.factor_county");
    invalid(store.set_fund_factors(&province, 2016, &[f("371521", Some(0), None)], at), "funds.fiscal");
    invalid(store.set_fund_factors(&province, 2016, &[f("371521", None, Some(101))], at), "funds.appraisal");
    let county = official(Role::CountyOfficial, "371521");
    assert!(matches!(store.set_fund_factors(&county, 2016, &[f("371521", Some(2000), None)], at), Err(StoreError::Forbidden(_))));
    let set = store.set_fund_factors(&province, 2016, &[f("371521", Some(2000), Some(90)), f("371522", Some(3000), Some(80))], at).unwrap();
    assert_eq!(set.len(), 2);
    // An absent value keeps the stored one.
    let set = store.set_fund_factors(&province, 2016, &[f("371522", None, Some(85))], at).unwrap();
    assert_eq!((set[1].fiscal, set[1].appraisal), (Some(3000), Some(85)));
    assert_eq!(store.fund_factors(&county, 2016, None).unwrap().len(), 1, "a county reads its own");

    let preview = store.preview_allocation(&province, &central_2016(), at).unwrap();
    assert!(preview.id.is_none());
    // By hand: the poor pot 50,000,000 fen as 5 : 2, the fiscal pot as 1/2000 : 1/3000; the fen
    // left by rounding to the largest remainders.
    let amounts: Vec<(String, i64)> = preview.lines.iter().map(|l| (l.county.as_str().to_string(), l.amount.fen())).collect();
    assert_eq!(amounts, vec![("371521".into(), 35_714_286 + 30_000_000), ("371522".into(), 14_285_714 + 20_000_000)]);
    assert_eq!(preview.lines_total, Yuan::from_yuan(1_000_000));
    assert!(store.allocations(&province, 2016, None).unwrap().is_empty(), "a preview stores nothing");

    let city = official(Role::CityOfficial, "3715");
    invalid(store.preview_allocation(&city, &central_2016(), at), "funds.source_level");
    assert!(matches!(store.preview_allocation(&county, &central_2016(), at), Err(StoreError::Forbidden(_))));
    invalid(store.publish_allocation(&province, &AllocationDraft { document: " ".into(), ..central_2016() }, at), "funds.document");
    let mut three = central_2016();
    three.weights.push(Weight { factor: Factor::Task, percent: 10 });
    invalid(store.preview_allocation(&province, &three, at), "funds.weights");
    // The task factor has no 倒排工期 targets here: zero everywhere cannot share a pot.
    three.weights[0].percent = 40;
    invalid(store.preview_allocation(&province, &three, at), "funds.factor_zero");

    let published = store.publish_allocation(&province, &central_2016(), at).unwrap();
    assert!(published.id.is_some());
    assert_eq!(published.lines, preview.lines, "published as previewed");
    invalid(store.publish_allocation(&province, &central_2016(), at), "funds.duplicate");

    // A county official sees its own line; a village official its county's; the city its counties.
    let own = store.allocations(&county, 2016, None).unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].lines.len(), 1);
    assert_eq!(own[0].lines_total.fen(), 65_714_286);
    let village = store.allocations(&shen, 2016, None).unwrap();
    assert_eq!(village[0].lines.iter().map(|l| l.county.as_str()).collect::<Vec<_>>(), ["371522"], "a village reads its county's line");
    let theirs = store.allocations(&official(Role::CountyOfficial, "371522"), 2016, None).unwrap();
    assert_eq!(theirs[0].lines.iter().map(|l| l.county.as_str()).collect::<Vec<_>>(), ["371522"]);
    assert_eq!(store.allocations(&city, 2016, None).unwrap()[0].lines.len(), 2);
    assert_eq!(store.allocations(&city, 2016, Some(&code("371522"))).unwrap()[0].lines.len(), 1);
    assert!(matches!(store.allocations(&county, 2016, Some(&code("371522"))), Err(StoreError::NotFound)));
    assert!(store.allocations(&county, 2017, None).unwrap().is_empty());

    // The registry moves on; the published lines keep the values they were computed from.
    store.create_household(&shen, sample_household("371522100001", 4, 5), "建档", "2016-04-01").unwrap();
    assert_eq!(store.allocations(&province, 2016, None).unwrap()[0].lines, preview.lines);
    let now = store.preview_allocation(&province, &central_2016(), "2016-04-02T10:00:00").unwrap();
    assert_ne!(now.lines, preview.lines, "a new preview reads the registry as it is now");

    // A city shares its own fund.
    let city_fund = AllocationDraft {
        source: FundSource::City,
        title: "2016年聊城市级专项扶贫资金".into(),
        document: "聊财农〔2016〕3号".into(),
        total: Yuan::from_fen(1_000_001),
        weights: vec![Weight { factor: Factor::Appraisal, percent: 100 }],
        ..central_2016()
    };
    let c = store.publish_allocation(&city, &city_fund, at).unwrap();
    assert_eq!(c.lines.iter().map(|l| l.amount.fen()).sum::<i64>(), 1_000_001);
    assert_eq!(store.allocations(&county, 2016, None).unwrap().len(), 2);
    assert!(store.verify_ledger().unwrap().broken.is_none());
}

/// A county records a project, approves it, notices it, starts it, pays and accepts it; who may
/// do and read what; the flags catch planted misuse and not the clean project; the report adds
/// up; the public reads the notices without households or accounts.
pub fn projects_followed_from_budget_to_household(store: Arc<dyn Store>) {
    let village = setup(&*store);
    let h1 = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    let h2 = store.create_household(&village, sample_household("371521100001", 2, 3), "建档", "2015-12-01").unwrap();
    let province = official(Role::ProvinceOfficial, "37");
    let county = official(Role::CountyOfficial, "371521");
    store
        .set_fund_factors(
            &province,
            2016,
            &[
                FactorInput { county: "371521".into(), fiscal: Some(2000), appraisal: Some(90) },
                FactorInput { county: "371522".into(), fiscal: Some(3000), appraisal: Some(80) },
            ],
            "2016-03-01T09:00:00",
        )
        .unwrap();
    let published = store.publish_allocation(&province, &central_2016(), "2016-03-01T10:00:00").unwrap();
    // 莘县 has no poor here: the poor pot goes whole to 阳谷县, with its part of the fiscal pot.
    let yanggu_amount = published.lines[0].amount.fen();
    assert_eq!(yanggu_amount, 50_000_000 + 30_000_000);

    let draft = ProjectDraft {
        region: code("371521100001"),
        year: 2016,
        name: "一村光伏扶贫电站".into(),
        kind: ProjectKind::Industry,
        description: "100千瓦村级光伏电站，收益用于贫困户分红".into(),
        implementer: "阳谷县扶贫办".into(),
        budget: vec![
            BudgetLine { source: FundSource::Central, amount: Yuan::from_yuan(300_000) },
            BudgetLine { source: FundSource::County, amount: Yuan::from_yuan(50_000) },
        ],
        beneficiaries: vec![
            Beneficiary { household_id: h1.id.clone(), mechanism: Mechanism::Dividend },
            Beneficiary { household_id: h2.id.clone(), mechanism: Mechanism::Dividend },
        ],
    };
    let at = "2016-03-02T10:00:00";
    let township = official(Role::TownshipOfficial, "371521100");
    assert!(matches!(store.record_project(&township, &draft, at), Err(StoreError::Forbidden(_))));
    let mut stranger = draft.clone();
    stranger.beneficiaries.push(Beneficiary { household_id: "3715211000019999".into(), mechanism: Mechanism::Dividend });
    invalid(store.record_project(&county, &stranger, at), "funds.beneficiary_status");
    let p = store.record_project(&county, &draft, at).unwrap();
    let id = p.project.id.clone();
    assert_eq!((p.project.state, p.project.budget, p.project.households), (ProjectState::Planned, Yuan::from_yuan(350_000), 2));
    assert_eq!(p.steps, [ProjectStep::Approve]);
    let shen = official(Role::CountyOfficial, "371522");
    assert!(matches!(store.project(&shen, &id, at), Err(StoreError::NotFound)), "another county's project does not exist for it");
    assert!(matches!(store.project(&official(Role::Helper, "371521100001"), &id, at), Err(StoreError::NotFound)));
    let seen = store.project(&township, &id, at).unwrap();
    assert!(seen.steps.is_empty() && !seen.may_pay, "the township reads, the county manages");

    invalid(store.pay_project(&county, &id, &payment("2016-03-02", 1, "某公司", "62284800123456", None), at), "funds.payment_state");
    let p = store.step_project(&county, &id, 1, ProjectStep::Approve, "2016-03-03T10:00:00").unwrap();
    assert_eq!(p.project.state, ProjectState::Approved);
    assert!(matches!(store.step_project(&county, &id, 1, ProjectStep::Start, "2016-03-04T10:00:00"), Err(StoreError::Conflict { .. })));
    invalid(
        store.notice_project(&county, &id, &notice(NoticeKind::Plan, "2016-03-03", "2016-03-10", "公示"), "2016-03-03T11:00:00"),
        "funds.notice_days",
    );
    invalid(
        store.notice_project(&county, &id, &notice(NoticeKind::Result, "2016-03-03", "2016-03-13", "公告"), "2016-03-03T11:00:00"),
        "funds.notice_state",
    );
    let p = store
        .notice_project(
            &county,
            &id,
            &notice(NoticeKind::Plan, "2016-03-03", "2016-03-13", "一村光伏扶贫电站项目公示"),
            "2016-03-03T11:00:00",
        )
        .unwrap();
    // Started while the notice was still up: flagged.
    let p = store.step_project(&county, &id, p.project.version, ProjectStep::Start, "2016-03-08T10:00:00").unwrap();
    assert_eq!(p.flags.iter().map(|f| f.kind).collect::<Vec<_>>(), [FlagKind::NotNoticed]);

    // A clean project beside it: noticed ten days, started after, paid inside its budget.
    let clean = store
        .record_project(
            &county,
            &ProjectDraft { name: "一村道路硬化".into(), kind: ProjectKind::Infrastructure, beneficiaries: vec![], ..draft.clone() },
            at,
        )
        .unwrap();
    let cid = clean.project.id.clone();
    store.step_project(&county, &cid, 1, ProjectStep::Approve, "2016-03-03T10:00:00").unwrap();
    store
        .notice_project(&county, &cid, &notice(NoticeKind::Plan, "2016-03-03", "2016-03-13", "道路硬化公示"), "2016-03-03T11:00:00")
        .unwrap();
    store.step_project(&county, &cid, 3, ProjectStep::Start, "2016-03-14T10:00:00").unwrap();
    let c = store
        .pay_project(&county, &cid, &payment("2016-04-01", 200_000, "阳谷县路桥公司", "371500112233445566", None), "2016-04-01T10:00:00")
        .unwrap();
    assert!(c.flags.is_empty(), "{:?}", c.flags);
    let _ = c;

    // Payments: a source not budgeted is refused; the planted cases are recorded and flagged.
    let mut other = payment("2016-04-01", 10, "某公司", "62284800123456", None);
    other.source = FundSource::Social;
    invalid(store.pay_project(&county, &id, &other, "2016-04-01T10:00:00"), "funds.payment_source");
    invalid(store.pay_project(&county, &id, &payment("2016-04-01", 10, "某", "6228", None), "2016-04-01T10:00:00"), "funds.account");
    invalid(
        store.pay_project(
            &county,
            &id,
            &payment("2016-04-01", 10, "某", "62284800123456", Some("3715221000010003")),
            "2016-04-01T10:00:00",
        ),
        "funds.payment_household",
    );
    let shared = "6228480099990000";
    let head1 = h1.members[0].name.clone();
    let at = "2016-05-01T10:00:00";
    store.pay_project(&county, &id, &payment("2016-05-01", 340_000, "阳谷县光伏公司", "371500998877665544", None), at).unwrap();
    store.pay_project(&county, &id, &payment("2016-05-01", 6_000, &head1, shared, Some(&h1.id)), at).unwrap();
    store.pay_project(&county, &id, &payment("2016-05-01", 6_000, &h2.members[0].name, shared, Some(&h2.id)), at).unwrap();
    store.pay_project(&county, &id, &payment("2016-05-01", 500, "王某", "6228480011112222", Some("3715211000010077")), at).unwrap();
    // A member who died before a dividend is paid to them.
    let gone = h2.members[1].clone();
    let h2now = store.household(&county, &h2.id).unwrap();
    store
        .change_household(
            &village,
            &ChangeRequest {
                household_id: h2.id.clone(),
                expected_version: h2now.version,
                change: Change::MemberLeft { no: gone.no, change: MemberChange::Death, date: "2016-05-10".into() },
                reason: "死亡".into(),
                at: "2016-05-10".into(),
            },
        )
        .unwrap();
    store
        .pay_project(&county, &id, &payment("2016-06-01", 300, &gone.name, "6228480033334444", Some(&h2.id)), "2016-06-01T10:00:00")
        .unwrap();

    let flags = store.funds_flags(&county, None, day("2016-06-02")).unwrap();
    let kinds = |fs: &[crate::funds::Flag]| {
        let mut k: Vec<FlagKind> = fs.iter().map(|f| f.kind).collect();
        k.sort();
        k
    };
    assert_eq!(
        kinds(&flags),
        [FlagKind::NotNoticed, FlagKind::OverBudget, FlagKind::SharedAccount, FlagKind::OutsideRegister, FlagKind::LeftMember]
    );
    assert!(flags.iter().all(|f| f.project_id.as_deref() != Some(cid.as_str())), "the clean project is not flagged");
    let over = flags.iter().find(|f| f.kind == FlagKind::OverBudget).unwrap();
    assert_eq!(over.amount, Some(Yuan::from_yuan(340_000 + 6_000 + 6_000 + 500 + 300 - 350_000)));
    let shared_flag = flags.iter().find(|f| f.kind == FlagKind::SharedAccount).unwrap();
    assert!(shared_flag.detail.contains(shared), "the county official has the bank view: {}", shared_flag.detail);
    let province_flags = store.funds_flags(&province, Some(&code("371521")), day("2016-06-02")).unwrap();
    let masked = province_flags.iter().find(|f| f.kind == FlagKind::SharedAccount).unwrap();
    assert!(!masked.detail.contains(shared) && masked.detail.contains("0000"), "{}", masked.detail);
    // A year after the allocation, what the counties have not paid is idle.
    let later = store.funds_flags(&province, None, day("2017-03-02")).unwrap();
    let idle: Vec<_> = later.iter().filter(|f| f.kind == FlagKind::Idle).collect();
    assert_eq!(idle.len(), 2, "{idle:?}");
    let yanggu_idle = idle.iter().find(|f| f.county == "371521").unwrap();
    let paid_central = 200_000 + 340_000 + 6_000 + 6_000 + 500 + 300;
    assert_eq!(yanggu_idle.amount, Some(Yuan::from_fen(yanggu_amount - paid_central * 100)));
    assert!(store.funds_flags(&official(Role::Helper, "371521100001"), None, day("2016-06-02")).is_err());
    assert!(matches!(store.funds_flags(&county, Some(&code("371522")), day("2016-06-02")), Err(StoreError::NotFound)));

    // Accounts: the province reads them masked; the county unmasked, and that read is on record.
    let before = store.pii_audit_count(&h1.id).unwrap();
    let masked = store.project(&province, &id, "2016-06-02T10:00:00").unwrap();
    assert!(masked.payments.iter().all(|p| p.account.starts_with("****")));
    assert_eq!(store.pii_audit_count(&h1.id).unwrap(), before);
    let whole = store.project(&county, &id, "2016-06-02T10:00:00").unwrap();
    assert!(whole.payments.iter().any(|p| p.account == shared));
    assert_eq!(store.pii_audit_count(&h1.id).unwrap(), before + 1);

    // Accepted, then the results noticed.
    let done = store.step_project(&county, &id, whole.project.version, ProjectStep::Accept, "2016-06-10T10:00:00").unwrap();
    store
        .notice_project(&county, &id, &notice(NoticeKind::Result, "2016-06-10", "2016-06-20", "验收结果公告"), "2016-06-10T11:00:00")
        .unwrap();
    assert_eq!(done.project.state, ProjectState::Accepted);

    // The report adds up.
    let r = store.funds_report(&province, None, 2016).unwrap();
    assert_eq!(r.total.allocated, Yuan::from_yuan(1_000_000));
    assert_eq!(r.total.paid, Yuan::from_yuan(paid_central));
    assert_eq!(r.total.budget, Yuan::from_yuan(700_000));
    assert_eq!(r.total.projects, 2);
    let yg = r.by_county.iter().find(|c| c.code == "371521").unwrap();
    assert_eq!(yg.rate_permille, Some(i64::try_from(i128::from(paid_central * 100) * 1000 / i128::from(yanggu_amount)).unwrap()));
    assert_eq!(r.by_source.iter().find(|s| s.code == "central").unwrap().paid, Yuan::from_yuan(paid_central));
    assert_eq!(r.by_kind.len(), 2);
    let list = store.projects(&county, &ProjectQuery { year: Some(2016), ..Default::default() }).unwrap();
    assert_eq!(list.total, 2);
    let started = store.projects(&county, &ProjectQuery { state: Some(ProjectState::Started), ..Default::default() }).unwrap();
    assert_eq!(started.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [cid.as_str()]);
    assert!(matches!(
        store.projects(&county, &ProjectQuery { region: Some(code("371522")), ..Default::default() }),
        Err(StoreError::NotFound)
    ));

    // The public reads the notices: no household, no account, no payee.
    let public = store.public_projects(&code("371521"), 50).unwrap();
    assert_eq!(public.len(), 2);
    let text = serde_json::to_string(&public).unwrap();
    for secret in [h1.id.as_str(), h2.id.as_str(), shared, head1.as_str()] {
        assert!(!text.contains(secret), "{secret} in the public notices");
    }
    assert_eq!(public.iter().find(|p| p.id == id).unwrap().notices.len(), 2);
    assert!(store.public_projects(&code("371522"), 50).unwrap().is_empty());
    assert!(store.verify_ledger().unwrap().broken.is_none());
}
