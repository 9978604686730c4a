//! 政策发布's conformance scenarios, run on both backends by `conformance_tests!`.

use crate::prelude::*;
use crate::registry::conformance::{official, test_regions};
use crate::{PolicyQuery, StoreError};
use fupin_domain::access::Role;
use fupin_domain::id_number::Date;
use fupin_domain::policy::{Category, DocNumber, PolicyDraft, PolicyState, Validity};
use fupin_domain::RegionCode;
use std::sync::Arc;

pub fn sample_draft(title: &str, doc_number: Option<&str>) -> PolicyDraft {
    PolicyDraft {
        title: title.into(),
        issuer_unit: "山东省扶贫开发领导小组办公室".into(),
        doc_number: doc_number.map(|n| DocNumber::parse(n).expect("sample 文号")),
        category: Category::Education,
        written_on: Date::new(2016, 3, 1).expect("valid"),
        effective_on: None,
        expires_on: None,
        body: "对建档立卡贫困家庭子女接受中高等职业教育的，每生每年补助3000元（雨露计划）。".into(),
        implements: None,
    }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(e)) => assert_eq!(e.code, code, "{}", e.message),
        other => panic!("expected {code}, got {other:?}"),
    }
}

/// Draft → review → published, with every step on the ledger; a revision marks the old one
/// 已修订 and both stay readable; repeal in part and in whole; 文号 unique per issuer.
pub fn policy_lifecycle(store: Arc<dyn Store>) {
    store.load_regions(&test_regions()).unwrap();
    let province = official(Role::ProvinceOfficial, "37");
    let p = store.draft_policy(&province, &sample_draft("关于实施雨露计划的通知", None), None, "2016-03-01").unwrap();
    assert_eq!((p.state, p.validity, p.version, p.id.as_str()), (PolicyState::Draft, Validity::InForce, 1, "P37-00001"));
    assert!(matches!(store.policy(None, &p.id), Err(StoreError::NotFound)), "a draft is not public");
    invalid(store.submit_policy(&province, &p.id, 1, "2016-03-02"), "policy.doc_number");
    let p = store
        .edit_policy(&province, &p.id, 1, &sample_draft("关于实施雨露计划的通知", Some("鲁扶贫办发〔2016〕5号")), "2016-03-02")
        .unwrap();
    assert!(matches!(store.submit_policy(&province, &p.id, 1, "2016-03-02"), Err(StoreError::Conflict { current: 2 })));
    let p = store.submit_policy(&province, &p.id, 2, "2016-03-02").unwrap();
    assert_eq!(p.state, PolicyState::InReview);
    invalid(store.edit_policy(&province, &p.id, 3, &sample_draft("改", None), "2016-03-03"), "policy.state");
    invalid(store.review_policy(&province, &p.id, 3, false, " ", "2016-03-03"), "policy.note");
    let back = store.review_policy(&province, &p.id, 3, false, "补充补助标准", "2016-03-03").unwrap();
    assert_eq!(back.state, PolicyState::Draft);
    let p = store.submit_policy(&province, &p.id, back.version, "2016-03-04").unwrap();
    let p = store.review_policy(&province, &p.id, p.version, true, "", "2016-03-05").unwrap();
    assert_eq!((p.state, p.published_on), (PolicyState::Published, Date::new(2016, 3, 5)));
    assert_eq!(store.policy(None, &p.id).unwrap(), p, "published: public");
    assert!(p.in_force_on(Date::new(2016, 3, 5).unwrap()));
    invalid(store.edit_policy(&province, &p.id, p.version, &sample_draft("改", None), "2016-03-06"), "policy.state");
    // Another document may not take its 文号.
    let other = store.draft_policy(&province, &sample_draft("关于实施富民农户贷的意见", Some("鲁扶贫办发〔2016〕5号")), None, "2016-03-06");
    invalid(other, "policy.doc_number_taken");
    let kinds: Vec<String> = store.policy_history(None, &p.id).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["policy.draft", "policy.edit", "policy.submit", "policy.return", "policy.submit", "policy.publish"]);
    // A revision: a new document; publishing it marks the old one 已修订, text untouched.
    let mut newer = sample_draft("关于实施雨露计划的通知（修订）", Some("鲁扶贫办发〔2017〕2号"));
    newer.written_on = Date::new(2017, 2, 1).unwrap();
    newer.body = "每生每年补助3500元。".into();
    let r = store.draft_policy(&province, &newer, Some(&p.id), "2017-02-01").unwrap();
    assert_eq!(r.revises.as_deref(), Some(p.id.as_str()));
    let r = store.submit_policy(&province, &r.id, r.version, "2017-02-02").unwrap();
    let r = store.review_policy(&province, &r.id, r.version, true, "", "2017-02-03").unwrap();
    let old = store.policy(None, &p.id).unwrap();
    assert_eq!(
        (old.validity, old.revised_by.as_deref(), old.draft.body.as_str()),
        (Validity::Revised, Some(r.id.as_str()), p.draft.body.as_str())
    );
    assert!(!old.in_force_on(Date::new(2017, 3, 1).unwrap()));
    invalid(store.draft_policy(&province, &newer, Some(&p.id), "2017-02-04"), "policy.revises");
    // Public lists: published only, filters by validity and level.
    let all = store.policies(None, &PolicyQuery { per_page: 20, ..Default::default() }).unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.items[0].id, r.id, "newest first");
    let valid = store.policies(None, &PolicyQuery { validity: Some(Validity::InForce), per_page: 20, ..Default::default() }).unwrap();
    assert_eq!(valid.items.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), [r.id.as_str()]);
    let drafts = store.policies(Some(&province), &PolicyQuery { unpublished: true, per_page: 20, ..Default::default() }).unwrap();
    assert_eq!(drafts.total, 0);
    // Repeal: in part (still in force), then whole.
    invalid(store.repeal_policy(&province, &r.id, r.version, true, "", "2017-06-01"), "policy.note");
    let r = store.repeal_policy(&province, &r.id, r.version, true, "第三条由新规定取代", "2017-06-01").unwrap();
    assert_eq!(r.validity, Validity::PartlyRepealed);
    assert!(r.in_force_on(Date::new(2017, 6, 2).unwrap()));
    let r = store.repeal_policy(&province, &r.id, r.version, false, "政策到期", "2018-01-01").unwrap();
    assert_eq!(r.validity, Validity::Repealed);
    invalid(store.repeal_policy(&province, &r.id, r.version, false, "再次", "2018-01-02"), "policy.state");
    let stamp = store.policy_stamp().unwrap();
    assert_ne!(stamp, "0-0-", "published documents stamp the index");
    assert_eq!(store.published_policies_after(None, 10).unwrap().len(), 2);
    assert_eq!(store.verify_ledger().unwrap().broken, None, "the issuing region's chain holds");
}

/// Each level drafts and reviews its own region's documents only; drafts are seen only there; a
/// county reads the province's and its city's documents, not a neighbour's.
pub fn policy_jurisdiction(store: Arc<dyn Store>) {
    store.load_regions(&test_regions()).unwrap();
    let province = official(Role::ProvinceOfficial, "37");
    let yanggu = official(Role::CountyOfficial, "371521");
    let shenxian = official(Role::CountyOfficial, "371522");
    let department = official(Role::Department, "371521");
    let publish = |who: &fupin_domain::access::Caller, reviewer: &fupin_domain::access::Caller, d: PolicyDraft| {
        let p = store.draft_policy(who, &d, None, "2016-05-01").unwrap();
        let p = store.submit_policy(who, &p.id, p.version, "2016-05-02").unwrap();
        store.review_policy(reviewer, &p.id, p.version, true, "", "2016-05-03").unwrap()
    };
    let top = publish(&province, &province, sample_draft("山东省精准扶贫实施意见", Some("鲁发〔2016〕1号")));
    for who in
        [official(Role::VillageOfficial, "371521100001"), official(Role::TownshipOfficial, "371521100"), official(Role::Helper, "371521")]
    {
        assert!(
            matches!(store.draft_policy(&who, &sample_draft("x", None), None, "2016-05-01"), Err(StoreError::Forbidden(_))),
            "{:?}",
            who.role
        );
    }
    // The department drafts for its county; the county's official approves; the department may not.
    let mut d = sample_draft("阳谷县健康扶贫实施方案", Some("阳卫发〔2016〕3号"));
    d.issuer_unit = "阳谷县卫生和计划生育局".into();
    d.category = Category::Health;
    d.implements = Some(top.id.clone());
    let draft = store.draft_policy(&department, &d, None, "2016-05-04").unwrap();
    assert_eq!(draft.issuer_region.as_str(), "371521");
    assert!(matches!(store.policy(Some(&shenxian), &draft.id), Err(StoreError::NotFound)), "a neighbour sees no draft");
    assert!(matches!(store.policy(None, &draft.id), Err(StoreError::NotFound)));
    assert_eq!(store.policy(Some(&yanggu), &draft.id).unwrap().id, draft.id, "the county sees its drafts");
    // Attachments: checked on the way in, kept by their SHA-256, readable as the document is.
    let pdf = b"%PDF-1.4 the signed text".to_vec();
    invalid(store.attach_policy_file(&department, &draft.id, draft.version, "方案.pdf", b"not a pdf", "2016-05-04"), "attachment.content");
    assert!(matches!(
        store.attach_policy_file(&shenxian, &draft.id, draft.version, "x.pdf", &pdf, "2016-05-04"),
        Err(StoreError::NotFound)
    ));
    let draft = store
        .attach_policy_file(&department, &draft.id, draft.version, "阳谷县健康扶贫实施方案（盖章版）.pdf", &pdf, "2016-05-04")
        .unwrap();
    let draft =
        store.attach_policy_file(&department, &draft.id, draft.version, "附表.png", b"\x89PNG\r\n\x1A\n0000", "2016-05-04").unwrap();
    let draft = store.remove_policy_file(&department, &draft.id, draft.version, 2, "2016-05-04").unwrap();
    let files = store.policy_attachments(Some(&yanggu), &draft.id).unwrap();
    assert_eq!(
        files.iter().map(|a| (a.no, a.content_type.as_str(), a.size)).collect::<Vec<_>>(),
        [(1, "application/pdf", pdf.len() as i64)]
    );
    assert!(matches!(store.policy_file(None, &draft.id, 1), Err(StoreError::NotFound)), "a draft's files are not public");
    assert!(matches!(store.policy_file(Some(&shenxian), &draft.id, 1), Err(StoreError::NotFound)));
    let sent = store.submit_policy(&department, &draft.id, draft.version, "2016-05-05").unwrap();
    assert!(matches!(store.review_policy(&department, &sent.id, sent.version, true, "", "2016-05-06"), Err(StoreError::Forbidden(_))));
    assert!(matches!(store.review_policy(&shenxian, &sent.id, sent.version, true, "", "2016-05-06"), Err(StoreError::NotFound)));
    let county_doc = store.review_policy(&yanggu, &sent.id, sent.version, true, "", "2016-05-06").unwrap();
    assert_eq!(store.policy_file(None, &county_doc.id, 1).unwrap().1, pdf, "published: its files are public, byte for byte");
    invalid(store.attach_policy_file(&yanggu, &county_doc.id, county_doc.version, "补充.pdf", &pdf, "2016-05-07"), "policy.state");
    // Bytes changed behind the store's back are refused, not served.
    let sha = store.policy_attachments(None, &county_doc.id).unwrap()[0].sha256.clone();
    store.exec_raw(&format!("UPDATE files SET data = 'JVBERi0xLjQgZm9yZ2Vk' WHERE sha256 = '{sha}'")).unwrap();
    assert!(matches!(store.policy_file(None, &county_doc.id, 1), Err(StoreError::Corrupt(_))));
    // Published documents may be changed only by their issuer.
    assert!(matches!(store.repeal_policy(&shenxian, &top.id, top.version, false, "x", "2016-06-01"), Err(StoreError::Forbidden(_))));
    // 落实: only a published document of a region above.
    let mut bad = sample_draft("莘县实施方案", None);
    bad.implements = Some(county_doc.id.clone());
    invalid(store.draft_policy(&shenxian, &bad, None, "2016-06-01"), "policy.implements");
    let neighbour = publish(&shenxian, &shenxian, sample_draft("莘县产业扶贫实施办法", Some("莘政发〔2016〕9号")));
    // What applies to 阳谷县: the province's and its own, not 莘县's.
    let applies = |code: &str| -> Vec<String> {
        let q = PolicyQuery { applies_to: Some(RegionCode::parse(code).unwrap()), per_page: 50, ..Default::default() };
        let mut ids: Vec<String> = store.policies(None, &q).unwrap().items.into_iter().map(|p| p.id).collect();
        ids.sort();
        ids
    };
    let mut want = vec![top.id.clone(), county_doc.id.clone()];
    want.sort();
    assert_eq!(applies("371521100001"), want, "a village of 阳谷县");
    assert!(applies("371522").contains(&neighbour.id) && !applies("371522").contains(&county_doc.id));
    let q = PolicyQuery { level: Some(fupin_domain::Level::County), per_page: 50, ..Default::default() };
    assert_eq!(store.policies(None, &q).unwrap().total, 2);
    assert!(matches!(store.policies(None, &PolicyQuery { unpublished: true, ..Default::default() }), Err(StoreError::Forbidden(_))));
}
