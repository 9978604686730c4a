//! Relevance on a fixed corpus: known queries and the documents they must (and must not) find.

use super::*;

fn doc(id: &str, title: &str, number: Option<&str>, category: &str, body: &str) -> IndexedPolicy {
    IndexedPolicy {
        id: id.into(),
        title: title.into(),
        doc_number: number.map(|n| DocNumber::parse(n).unwrap().to_string()),
        body: body.into(),
        category: category.into(),
        validity: "1".into(),
        level: "province".into(),
        issuer: "37".into(),
        published: 20160301 + id[1..].parse::<u64>().unwrap(),
    }
}

fn corpus() -> Vec<IndexedPolicy> {
    vec![
        doc(
            "P1",
            "关于进一步做好雨露计划职业教育补助工作的通知",
            Some("鲁扶贫办发〔2016〕5号"),
            "05",
            "对建档立卡贫困家庭子女接受中等职业教育、高等职业教育的，每生每年补助3000元，直接发放到户。",
        ),
        doc(
            "P2",
            "山东省富民农户贷实施办法",
            Some("鲁政办发〔2016〕21号"),
            "09",
            "向建档立卡贫困户发放5万元以下、3年以内的免抵押免担保贷款，由财政按基准利率全额贴息。",
        ),
        doc(
            "P3",
            "易地扶贫搬迁工作实施方案",
            Some("鲁发改〔2016〕8号"),
            "03",
            "对居住在生存条件恶劣地区的建档立卡贫困人口实施易地扶贫搬迁，人均住房面积不超过25平方米。",
        ),
        doc(
            "P4",
            "关于提高建档立卡贫困人口大病保险保障水平的通知",
            Some("鲁人社发〔2016〕12号"),
            "06",
            "贫困人口大病保险起付线降低50%，年度最高支付限额50万元封顶，医疗救助对剩余部分给予补助。",
        ),
        doc(
            "P5",
            "农村危房改造实施方案",
            Some("鲁建村字〔2016〕3号"),
            "07",
            "对鉴定为C级、D级危房的建档立卡贫困户优先实施危房改造，户均补助1.5万元。",
        ),
        doc("P6", "光伏扶贫工程实施方案", None, "01", "在省定扶贫工作重点村建设村级光伏电站，收益用于贫困户分红和公益岗位。"),
        doc(
            "P7",
            "关于做好农村最低生活保障制度与扶贫开发政策有效衔接的实施意见",
            None,
            "08",
            "推进两线合一，将符合条件的贫困人口全部纳入农村最低生活保障，实现应保尽保。",
        ),
        doc("P8", "学前教育资助实施办法", None, "05", "对建档立卡贫困家庭幼儿减免学前教育保教费。"),
        doc(
            "P9",
            "关于打赢脱贫攻坚战的实施意见",
            Some("鲁发〔2016〕1号"),
            "11",
            "到2018年基本完成脱贫任务，稳定实现贫困人口两不愁三保障。落实雨露计划、富民农户贷、易地扶贫搬迁等政策。",
        ),
        doc("P10", "雨季防汛工作计划", None, "10", "做好汛期雨水排涝，制定防汛应急计划。"),
    ]
}

fn index() -> PolicyIndex {
    let i = PolicyIndex::in_ram().unwrap();
    assert_eq!(i.rebuild(corpus(), "stamp-1", |_| {}).unwrap(), 10);
    i
}

fn ids(i: &PolicyIndex, text: &str) -> Vec<String> {
    i.search(&SearchQuery { text: text.into(), limit: 20, ..Default::default() }).unwrap().hits.into_iter().map(|h| h.id).collect()
}

#[test]
fn the_campaigns_terms_are_one_word() {
    let s = Segmenter::new();
    for term in ["雨露计划", "富民农户贷", "两不愁三保障", "易地扶贫搬迁"] {
        let words: Vec<String> = s.query_words(&format!("落实{term}政策")).into_iter().map(|w| w.1).collect();
        assert!(words.contains(&term.to_string()), "{term}: {words:?}");
    }
}

#[test]
fn known_queries_find_their_documents_first() {
    let i = index();
    assert_eq!(i.stamp().as_deref(), Some("stamp-1"));
    for (q, first) in [
        ("雨露计划", "P1"),
        ("富民农户贷", "P2"),
        ("贷款 贴息", "P2"),
        ("大病保险 封顶", "P4"),
        ("危房改造", "P5"),
        ("光伏", "P6"),
        ("两线合一", "P7"),
        ("保教费", "P8"),
        ("易地扶贫搬迁", "P3"),
    ] {
        let found = ids(&i, q);
        assert_eq!(found.first().map(String::as_str), Some(first), "{q}: {found:?}");
    }
    // A term is not its characters: 雨露计划 does not find the 防汛 plan's 雨 … 计划.
    let rain = ids(&i, "雨露计划");
    assert_eq!(rain, ["P1", "P9"], "the title match first, then the body mention");
    // All words must match.
    assert_eq!(ids(&i, "大病保险 光伏"), Vec::<String>::new());
}

#[test]
fn phrases_are_exact_and_doc_numbers_exact() {
    let i = index();
    assert_eq!(ids(&i, "\u{201c}两不愁三保障\u{201d}"), ["P9"]);
    assert_eq!(ids(&i, "\"基准利率全额贴息\""), ["P2"]);
    assert_eq!(ids(&i, "\"全额基准利率贴息\""), Vec::<String>::new(), "the words, in another order, are not the phrase");
    assert_eq!(ids(&i, "鲁扶贫办发[2016]5号"), ["P1"], "文号 in any bracket form");
    assert_eq!(ids(&i, "鲁扶贫办发〔2016〕6号"), Vec::<String>::new());
    assert_eq!(ids(&i, "   "), Vec::<String>::new(), "an empty query finds nothing");
}

#[test]
fn filters_snippets_updates_and_pages() {
    let i = index();
    let q = SearchQuery { text: "建档立卡".into(), category: Some("05".into()), limit: 10, ..Default::default() };
    let r = i.search(&q).unwrap();
    let mut found: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
    found.sort();
    assert_eq!(found, ["P1", "P8"]);
    assert!(r.hits.iter().all(|h| h.snippet_html.contains("<b>建档立卡</b>")), "{:?}", r.hits);
    let t = i.search(&SearchQuery { text: "雨露计划".into(), limit: 1, ..Default::default() }).unwrap();
    assert_eq!((t.total, t.hits.len()), (2, 1));
    assert!(t.hits[0].title_html.contains("<b>雨露计划</b>"), "{}", t.hits[0].title_html);
    let page2 = i.search(&SearchQuery { text: "雨露计划".into(), offset: 1, limit: 1, ..Default::default() }).unwrap();
    assert_eq!(page2.hits[0].id, "P9");
    // By 发布日期 and issuer (P1 is 2016-03-02, P9 2016-03-10).
    let dated = SearchQuery { text: "雨露计划".into(), from: Some(20160305), limit: 5, ..Default::default() };
    assert_eq!(i.search(&dated).unwrap().hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["P9"]);
    let elsewhere = SearchQuery { text: "雨露计划".into(), issuer: Some("3715".into()), limit: 5, ..Default::default() };
    assert_eq!(i.search(&elsewhere).unwrap().total, 0);
    let applies = SearchQuery { text: "雨露计划".into(), issuer_any: vec!["3715".into(), "37".into()], limit: 5, ..Default::default() };
    assert_eq!(i.search(&applies).unwrap().total, 2, "the province's documents apply to its cities");
    // A revision replaces the document in place; markup in the text is escaped.
    let mut p1 = corpus().remove(0);
    p1.body = "每生每年补助3500元<script>".into();
    i.upsert(&[p1], "stamp-2").unwrap();
    assert_eq!(i.len(), 10);
    let hit = i.search(&SearchQuery { text: "3500元".into(), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(hit.hits.len(), 1);
    assert!(
        hit.hits[0].snippet_html.contains("&lt;script") && !hit.hits[0].snippet_html.contains("<script"),
        "{}",
        hit.hits[0].snippet_html
    );
    assert_eq!(i.stamp().as_deref(), Some("stamp-2"));
}

#[test]
fn an_index_on_disk_keeps_its_documents_and_stamp() {
    let dir = tempfile::tempdir().unwrap();
    {
        let i = PolicyIndex::open(dir.path()).unwrap();
        assert_eq!((i.stamp(), i.len()), (None, 0), "a new index has no stamp");
        i.rebuild(corpus(), "s9", |_| {}).unwrap();
    }
    let i = PolicyIndex::open(dir.path()).unwrap();
    assert_eq!((i.stamp().as_deref(), i.len()), (Some("s9"), 10));
    assert_eq!(ids(&i, "光伏"), ["P6"]);
}

#[test]
fn a_long_documents_snippet_shows_where_the_words_are() {
    let i = PolicyIndex::in_ram().unwrap();
    let body = format!("{}最后，全面落实雨露计划补助政策。{}", "各级要加强组织领导。".repeat(2000), "以上。".repeat(100));
    i.rebuild(vec![doc("L1", "关于全面推进工作的意见", None, "11", &body)], "s", |_| {}).unwrap();
    let r = i.search(&SearchQuery { text: "雨露计划".into(), limit: 5, ..Default::default() }).unwrap();
    assert_eq!(r.hits.len(), 1);
    let s = &r.hits[0].snippet_html;
    assert!(s.contains("<b>雨露计划</b>") && s.chars().count() < 400, "{s}");
}
