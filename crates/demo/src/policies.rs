//! The demo's policy documents: the provincial policy itself (its published text) and the named
//! measures it orders as provincial documents with their parameters, each city's and county's
//! documents implementing them, one revision and one repeal, all through the store's lifecycle
//! (drafted, submitted, approved by the issuing level), so the ledger holds their history.
//! Numbers (文号) and dates are the demo's, in the real form; the texts are written for it.

use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::policy::{Category, DocNumber, PolicyDraft};
use fupin_domain::{Level, RegionCode};
use fupin_store::prelude::*;
use fupin_store::{Region, StoreError};

pub const PROVINCIAL_POLICY: &str = include_str!("../../../data/shandong/policies/provincial-2015.txt");

/// A provincial document: title, issuing unit, 文号, category, written and published (month,
/// day of 2016 unless the year is given), body.
struct Doc {
    title: &'static str,
    unit: &'static str,
    number: &'static str,
    category: Category,
    written: (i32, u32, u32),
    published: (i32, u32, u32),
    body: &'static str,
}

const PROVINCIAL: &[Doc] = &[
    Doc { title: "关于实施雨露计划职业教育补助的通知", unit: "山东省扶贫开发领导小组办公室", number: "鲁扶贫办发〔2016〕5号", category: Category::Education, written: (2016, 2, 20), published: (2016, 3, 1),
        body: "为阻断贫困代际传递，对建档立卡贫困家庭子女接受中等职业教育、高等职业教育的，实施雨露计划职业教育补助。\n补助标准为每生每年3000元，按学年申请，由县级扶贫部门审核后直接发放到户，不得截留、挪用。\n村级扶贫管理员负责摸清本村在校学生情况，帮扶责任人协助学生家庭提出申请。" },
    Doc { title: "山东省富民农户贷实施办法", unit: "山东省人民政府办公厅", number: "鲁政办发〔2016〕21号", category: Category::Finance, written: (2016, 3, 10), published: (2016, 3, 25),
        body: "向有劳动能力、有发展意愿的建档立卡贫困户发放富民农户贷，额度5万元以下，期限3年以内，免抵押、免担保。\n贷款由财政按基准利率全额贴息，县级设立风险补偿金。\n贷款用于发展特色种养、农村电商、乡村旅游等增收项目，不得用于非生产性支出。" },
    Doc { title: "关于提高建档立卡贫困人口大病保险保障水平的通知", unit: "山东省人力资源和社会保障厅", number: "鲁人社发〔2016〕12号", category: Category::Health, written: (2016, 1, 15), published: (2016, 2, 1),
        body: "自2016年起，建档立卡贫困人口大病保险起付线降低50%，年度最高支付限额为50万元。\n贫困患者在县域内定点医疗机构住院实行先诊疗后付费，医疗救助对大病保险报销后的剩余部分按规定给予补助。\n各地要将建档立卡贫困人口全部纳入基本医疗保险和大病保险覆盖范围。" },
    Doc { title: "关于做好建档立卡贫困户危房改造工作的通知", unit: "山东省住房和城乡建设厅", number: "鲁建村字〔2016〕3号", category: Category::Housing, written: (2016, 3, 1), published: (2016, 3, 20),
        body: "对经鉴定为C级、D级危房的建档立卡贫困户，优先实施危房改造，户均补助1.5万元，D级危房原则上拆除重建。\n改造后房屋应达到安全稳固、遮风避雨的基本要求，竣工验收合格后拨付补助资金。" },
    Doc { title: "关于建档立卡贫困家庭学生学前教育和普通高中教育资助的通知", unit: "山东省教育厅", number: "鲁教财字〔2016〕4号", category: Category::Education, written: (2016, 4, 1), published: (2016, 4, 20),
        body: "对建档立卡贫困家庭幼儿免除学前教育保教费，对普通高中在校生免除学杂费，实现从学前教育到高等教育资助全覆盖。\n学校按学期核对学生家庭建档立卡信息，资助资金由财政保障。" },
    Doc { title: "光伏扶贫工程实施方案", unit: "山东省扶贫开发领导小组办公室", number: "鲁扶贫办发〔2016〕11号", category: Category::Industry, written: (2016, 5, 5), published: (2016, 5, 20),
        body: "在省定扶贫工作重点村建设村级光伏电站，形成村集体资产，收益主要用于无劳动能力贫困户的资产收益分红和设置公益岗位。\n资产折股量化到户，实行负盈不负亏，收益分配方案经村民代表会议通过并公示。" },
    Doc { title: "关于做好农村最低生活保障制度与扶贫开发政策有效衔接的实施意见", unit: "山东省民政厅", number: "鲁民发〔2016〕30号", category: Category::SafetyNet, written: (2016, 6, 1), published: (2016, 6, 15),
        body: "推进农村低保标准与扶贫标准两线合一，将符合条件的建档立卡贫困人口全部纳入农村最低生活保障，实现应保尽保。\n新增支出省级财政对西部地区补助80%、中部地区补助60%。\n对重度残疾人等无劳动能力贫困人口实施兜底保障，代缴城乡居民基本养老保险费。" },
    Doc { title: "关于支持省定扶贫工作重点村发展产业的意见", unit: "山东省扶贫开发领导小组", number: "鲁扶组发〔2016〕2号", category: Category::Industry, written: (2016, 2, 25), published: (2016, 3, 10),
        body: "对省定扶贫工作重点村，每村安排30万元产业扶贫专项资金，用于发展带动贫困户增收的产业项目。\n项目实行村申报、乡审核、县审批，项目和资金在村内公告公示不少于10天。\n选派第一书记和驻村工作队，派出单位不脱钩，重点村不退出、工作队不撤离。" },
    Doc { title: "易地扶贫搬迁工作实施方案", unit: "山东省发展和改革委员会", number: "鲁发改农经〔2016〕8号", category: Category::Relocation, written: (2016, 4, 10), published: (2016, 5, 1),
        body: "对居住在生存条件恶劣、自然灾害频发地区的建档立卡贫困人口实施易地扶贫搬迁，人均住房建设面积不超过25平方米。\n搬迁对象自愿申请，坚持搬得出、稳得住、能致富，同步配套产业和就业。" },
    Doc { title: "关于统筹整合涉农资金支持脱贫攻坚的意见", unit: "山东省财政厅", number: "鲁财农〔2016〕15号", category: Category::General, written: (2016, 5, 10), published: (2016, 5, 30),
        body: "各级统筹整合的涉农资金用于扶贫开发的比例不低于20%，以县为平台整合使用。\n专项扶贫资金按农村贫困人口数量、贫困程度和人均财力等因素分配到县，分配结果向社会公开。" },
    Doc { title: "关于开展转移就业扶贫和技能培训的通知", unit: "山东省人力资源和社会保障厅", number: "鲁人社字〔2016〕40号", category: Category::Employment, written: (2016, 6, 20), published: (2016, 7, 5),
        body: "对有劳动能力的建档立卡贫困人口开展免费技能培训，培训合格后推荐转移就业。\n开发保洁、护路、护林等公益岗位，优先安置无法外出就业的贫困劳动力。" },
    Doc { title: "关于实施生态补偿脱贫的意见", unit: "山东省林业厅", number: "鲁林发〔2016〕9号", category: Category::Ecology, written: (2016, 7, 1), published: (2016, 7, 20),
        body: "在生态保护区和重点林区，选聘有劳动能力的建档立卡贫困人口为生态护林员，落实生态补偿资金。\n发展林下经济和经济林，带动贫困户增收。" },
    Doc { title: "关于加强贫困村基础设施建设的意见", unit: "山东省扶贫开发领导小组办公室", number: "鲁扶贫办发〔2016〕20号", category: Category::Infrastructure, written: (2016, 8, 1), published: (2016, 8, 20),
        body: "到2017年底，省定扶贫工作重点村全部实现通硬化路、通公交、安全饮水、动力电、宽带网络，建成村卫生室和文化活动场所。\n项目资金优先使用统筹整合的涉农资金。" },
    Doc { title: "关于实施电商扶贫和乡村旅游扶贫的通知", unit: "山东省商务厅", number: "鲁商字〔2016〕33号", category: Category::Industry, written: (2016, 8, 10), published: (2016, 9, 1),
        body: "对参与农村电商的建档立卡贫困户提供免费培训，并补助网络使用费。\n支持有条件的贫困村发展乡村旅游，带动贫困户通过经营、务工、入股等方式增收。" },
    Doc { title: "关于做好2016年度贫困人口动态调整工作的通知", unit: "山东省扶贫开发领导小组办公室", number: "鲁扶贫办发〔2016〕28号", category: Category::General, written: (2016, 9, 10), published: (2016, 9, 20),
        body: "各地于2016年10月至12月开展建档立卡动态调整，逐户核实年度收入和两不愁三保障情况。\n达到退出标准的贫困户，经民主评议、公示公告后退出；返贫和新识别的贫困户及时纳入。\n县级扶贫部门对数据质量负责，严禁数字脱贫。" },
];

/// A city's or county's document implementing a provincial one: title pattern (the region's
/// name is put in front), category, which provincial document, body pattern.
const LOCAL: &[(&str, Category, usize, &str)] = &[
    (
        "贯彻落实《关于实施雨露计划职业教育补助的通知》的实施细则",
        Category::Education,
        0,
        "{name}对辖区内建档立卡贫困家庭中职、高职在校生落实雨露计划补助，每生每年3000元，每学期初由县级扶贫部门集中审核发放。",
    ),
    (
        "健康扶贫实施方案",
        Category::Health,
        2,
        "{name}落实贫困人口大病保险倾斜政策，县域内住院先诊疗后付费，医疗救助对剩余费用给予补助，确保贫困患者个人负担明显减轻。",
    ),
    (
        "富民农户贷推进工作方案",
        Category::Finance,
        1,
        "{name}组织金融机构向有发展能力的贫困户发放富民农户贷，每户5万元以下、免抵押免担保，财政全额贴息，设立风险补偿金。",
    ),
    ("农村危房改造实施方案", Category::Housing, 3, "{name}对C级、D级危房贫困户逐户建立台账，按计划完成危房改造，竣工验收后拨付补助资金。"),
];

fn caller(role: Role, region: &str) -> Caller {
    Caller { username: "demo".into(), role, scope: Scope::region(RegionCode::parse(region).expect("a demo region")) }
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("a demo date")
}

/// Drafts, submits and publishes one document on `at` (skipped when after the business date).
fn publish(
    store: &dyn Store,
    who: &Caller,
    d: &PolicyDraft,
    revises: Option<&str>,
    at: Date,
    as_of: Date,
) -> Result<Option<String>, StoreError> {
    if at > as_of {
        return Ok(None);
    }
    let written = d.written_on.to_string();
    let p = store.draft_policy(who, d, revises, &written)?;
    let p = store.submit_policy(who, &p.id, p.version, &written)?;
    let p = store.review_policy(who, &p.id, p.version, true, "", &at.to_string())?;
    Ok(Some(p.id))
}

/// A short agency abbreviation for a city or county's 文号 (its name's first character, the
/// second for the many names that share a first one is not needed: 文号 are unique per issuer).
fn agency(name: &str, series: &str) -> String {
    let first: String = name.chars().take(1).collect();
    format!("{first}{series}")
}

/// Publishes the demo's policies; returns how many documents were published.
pub fn seed(store: &dyn Store, regions: &[Region], as_of: Date) -> Result<usize, StoreError> {
    let province = caller(Role::ProvinceOfficial, "37");
    let mut n = 0;
    let top = PolicyDraft {
        title: "中共山东省委 山东省人民政府关于贯彻落实中央扶贫开发工作部署坚决打赢脱贫攻坚战的意见".into(),
        issuer_unit: "中共山东省委 山东省人民政府".into(),
        doc_number: Some(DocNumber::parse("鲁发〔2015〕25号")?),
        category: Category::General,
        written_on: day(2015, 12, 30),
        effective_on: None,
        expires_on: None,
        body: PROVINCIAL_POLICY.lines().skip(1).collect::<Vec<_>>().join("\n"),
        implements: None,
    };
    let Some(top_id) = publish(store, &province, &top, None, day(2016, 1, 8), as_of)? else { return Ok(0) };
    n += 1;
    let mut measures: Vec<Option<String>> = vec![];
    for d in PROVINCIAL {
        let draft = PolicyDraft {
            title: d.title.into(),
            issuer_unit: d.unit.into(),
            doc_number: Some(DocNumber::parse(d.number)?),
            category: d.category,
            written_on: day(d.written.0, d.written.1, d.written.2),
            effective_on: None,
            expires_on: None,
            body: d.body.into(),
            implements: Some(top_id.clone()),
        };
        let id = publish(store, &province, &draft, None, day(d.published.0, d.published.1, d.published.2), as_of)?;
        n += id.is_some() as usize;
        measures.push(id);
    }
    // 2017: the 雨露计划 standard raised (a revision; the 2016 text stays readable as 已修订),
    // and the 2016 yearly-update notice repealed once its work was done.
    if let Some(yulu) = &measures[0] {
        let r = PolicyDraft {
            title: "关于调整雨露计划职业教育补助标准的通知".into(),
            issuer_unit: "山东省扶贫开发领导小组办公室".into(),
            doc_number: Some(DocNumber::parse("鲁扶贫办发〔2017〕3号")?),
            category: Category::Education,
            written_on: day(2017, 2, 10),
            effective_on: Some(day(2017, 3, 1)),
            expires_on: None,
            body: "自2017年春季学期起，雨露计划职业教育补助标准由每生每年3000元提高到3500元。\n补助对象、申请程序和发放方式仍按鲁扶贫办发〔2016〕5号执行。\n各地要做好政策宣传，确保符合条件的学生应补尽补。".into(),
            implements: Some(top_id.clone()),
        };
        n += publish(store, &province, &r, Some(yulu), day(2017, 2, 20), as_of)?.is_some() as usize;
    }
    if let Some(yearly) = measures.get(14).cloned().flatten() {
        if as_of >= day(2017, 3, 1) {
            let p = store.policy(None, &yearly)?;
            store.repeal_policy(&province, &yearly, p.version, false, "2016年度动态调整工作已完成，本通知废止", "2017-03-01")?;
        }
    }
    // Each city implements the provincial policy and two measures; each county one of them.
    let name_of = |code: &str| regions.iter().find(|r| r.code == code).map(|r| r.name.clone()).unwrap_or_default();
    let mut city_docs: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (i, city) in regions.iter().filter(|r| r.level == Level::City).enumerate() {
        let who = caller(Role::CityOfficial, &city.code);
        let name = &city.name;
        let plan = PolicyDraft {
            title: format!("{name}贯彻落实《关于坚决打赢脱贫攻坚战的意见》的实施意见"),
            issuer_unit: format!("中共{name}委 {name}人民政府"),
            doc_number: Some(DocNumber::parse(&format!("{}〔2016〕{}号", agency(name, "发"), 2 + i % 5))?),
            category: Category::General,
            written_on: day(2016, 2, 1 + (i as u32 % 20)),
            effective_on: None,
            expires_on: None,
            body: format!("为贯彻落实省委、省政府关于坚决打赢脱贫攻坚战的意见，结合{name}实际，提出如下实施意见。\n到2018年基本完成全市农村贫困人口脱贫任务，贫困人口实现两不愁三保障。\n各县（市、区）党委、政府对本地脱贫攻坚负总责，实行脱贫攻坚目标责任制。"),
            implements: Some(top_id.clone()),
        };
        let mut ids = vec![];
        if let Some(id) = publish(store, &who, &plan, None, day(2016, 3, 1 + (i as u32 % 25)), as_of)? {
            ids.push(id);
            n += 1;
        }
        for (j, (title, category, measure, body)) in LOCAL.iter().enumerate().skip(i % 2).step_by(2) {
            let Some(higher) = measures[*measure].clone() else { continue };
            let d = PolicyDraft {
                title: format!("{name}{title}"),
                issuer_unit: format!("{name}人民政府办公室"),
                doc_number: Some(DocNumber::parse(&format!("{}〔2016〕{}号", agency(name, "政办发"), 10 + j))?),
                category: *category,
                written_on: day(2016, 6, 1 + (i as u32 % 20)),
                effective_on: None,
                expires_on: None,
                body: body.replace("{name}", name),
                implements: Some(higher),
            };
            if let Some(id) = publish(store, &who, &d, None, day(2016, 7, 1 + (i as u32 % 25)), as_of)? {
                ids.push(id);
                n += 1;
            }
        }
        city_docs.insert(city.code.clone(), ids);
    }
    for (i, county) in regions.iter().filter(|r| r.level == Level::County).enumerate() {
        let city = &county.code[..4];
        let Some(higher) = city_docs.get(city).and_then(|d| d.first()).cloned() else { continue };
        let who = caller(Role::CountyOfficial, &county.code);
        let name = &county.name;
        let d = PolicyDraft {
            title: format!("{name}2016年脱贫攻坚实施方案"),
            issuer_unit: format!("{name}扶贫开发领导小组"),
            doc_number: Some(DocNumber::parse(&format!("{}〔2016〕{}号", agency(name, "扶组发"), 1 + i % 9))?),
            category: Category::General,
            written_on: day(2016, 4, 1 + (i as u32 % 25)),
            effective_on: None,
            expires_on: None,
            body: format!(
                "根据{}的部署，{name}2016年计划完成建档立卡贫困人口脱贫任务，确保省定扶贫工作重点村按期退出。\n对有劳动能力的贫困户落实产业扶贫和转移就业措施，对无劳动能力的贫困户落实兜底保障，做到两不愁三保障。\n每个贫困户落实帮扶责任人，每季度至少走访一次，帮扶措施记入扶贫明白卡。",
                name_of(city)
            ),
            implements: Some(higher),
        };
        n += publish(store, &who, &d, None, day(2016, 5, 1 + (i as u32 % 28)), as_of)?.is_some() as usize;
    }
    Ok(n)
}

/// `seed` over the demo's divisions.
pub fn seed_demo(store: &dyn Store, as_of: Date) -> Result<usize, StoreError> {
    let regions = crate::divisions::parse(crate::divisions::DIVISIONS_CSV)?;
    seed(store, &regions, as_of)
}

/// Topics of the benchmark corpus: a title stem, the category, and sentences the body draws on.
const TOPICS: &[(&str, Category, &[&str])] = &[
    (
        "雨露计划职业教育补助",
        Category::Education,
        &["对建档立卡贫困家庭子女接受中高等职业教育的，实施雨露计划补助。", "补助资金按学年发放到户，由县级扶贫部门审核。"],
    ),
    (
        "富民农户贷",
        Category::Finance,
        &["向有发展能力的贫困户发放富民农户贷，免抵押、免担保。", "财政按基准利率全额贴息，设立风险补偿金。"],
    ),
    (
        "大病保险倾斜",
        Category::Health,
        &["贫困人口大病保险起付线降低，年度最高支付限额提高。", "县域内住院先诊疗后付费，医疗救助对剩余部分给予补助。"],
    ),
    ("农村危房改造", Category::Housing, &["对C级、D级危房贫困户优先实施危房改造。", "竣工验收合格后拨付补助资金。"]),
    ("光伏扶贫电站", Category::Industry, &["建设村级光伏电站，收益用于资产收益分红和公益岗位。", "资产折股量化到户，负盈不负亏。"]),
    ("两线合一兜底保障", Category::SafetyNet, &["推进农村低保标准与扶贫标准两线合一，应保尽保。", "对无劳动能力的贫困人口实施兜底保障。"]),
    (
        "易地扶贫搬迁",
        Category::Relocation,
        &["对生存条件恶劣地区的贫困人口实施易地扶贫搬迁。", "搬得出、稳得住、能致富，同步配套产业和就业。"],
    ),
    (
        "转移就业和技能培训",
        Category::Employment,
        &["对有劳动能力的贫困人口开展免费技能培训，推荐转移就业。", "开发保洁、护路、护林等公益岗位。"],
    ),
    ("生态补偿脱贫", Category::Ecology, &["选聘贫困人口为生态护林员，落实生态补偿资金。", "发展林下经济，带动贫困户增收。"]),
    (
        "贫困村基础设施建设",
        Category::Infrastructure,
        &["实现通硬化路、通公交、安全饮水、动力电和宽带网络。", "建成村卫生室和文化活动场所。"],
    ),
    ("涉农资金统筹整合", Category::General, &["统筹整合涉农资金，用于扶贫的比例不低于20%。", "专项扶贫资金按因素法分配到县并公开。"]),
    ("学前和高中教育资助", Category::Education, &["免除贫困家庭幼儿学前教育保教费。", "免除普通高中贫困学生学杂费。"]),
    ("特色种养和农村电商", Category::Industry, &["扶持贫困户发展特色种养，提供免费电商培训。", "补助网络使用费，带动农产品网上销售。"]),
    (
        "第一书记和驻村工作队",
        Category::General,
        &["向省定扶贫工作重点村选派第一书记和驻村工作队。", "派出单位不脱钩，村不退出、队不撤离。"],
    ),
    ("重度残疾人参保补贴", Category::SafetyNet, &["为重度残疾人代缴城乡居民基本养老保险费。", "残疾人家庭纳入兜底保障。"]),
];

/// The benchmark's corpus: `n` further documents of the province, cities and counties on the
/// topics above, published through the store like the demo's (numbers unique per issuer).
/// Returns how many were published.
pub fn corpus(store: &dyn Store, n: usize, as_of: Date) -> Result<usize, StoreError> {
    let regions = crate::divisions::parse(crate::divisions::DIVISIONS_CSV)?;
    let issuers: Vec<&Region> = regions.iter().filter(|r| matches!(r.level, Level::Province | Level::City | Level::County)).collect();
    let mut done = 0;
    for i in 0..n {
        let r = issuers[i % issuers.len()];
        let (topic, category, sentences) = TOPICS[(i / issuers.len() + i) % TOPICS.len()];
        let role = match r.level {
            Level::Province => Role::ProvinceOfficial,
            Level::City => Role::CityOfficial,
            _ => Role::CountyOfficial,
        };
        // Written in the 18 months before the demo's business date (2016-01 to 2017-06).
        let months = (i % 18) as u32;
        let (year, month) = (2016 + (months / 12) as i32, 1 + months % 12);
        let written = day(year, month, 1 + (i % 27) as u32).min(as_of);
        let name = &r.name;
        let d = PolicyDraft {
            title: format!("{name}关于{topic}的实施细则（第{}号）", i + 1),
            issuer_unit: format!("{name}扶贫开发领导小组办公室"),
            doc_number: Some(DocNumber::parse(&format!("{}〔{year}〕{}号", agency(name, "扶办字"), 100 + i / issuers.len()))?),
            category,
            written_on: written,
            effective_on: None,
            expires_on: None,
            body: format!(
                "为做好{name}{topic}工作，现提出如下细则。\n{}\n{}\n本细则自发布之日起施行，由{name}扶贫开发领导小组办公室负责解释。第{}批次。",
                sentences[0],
                sentences[1],
                i % 97
            ),
            implements: None,
        };
        let at = day(year, month, 28).min(as_of).max(written);
        done += publish(store, &caller(role, &r.code), &d, None, at, as_of)?.is_some() as usize;
    }
    Ok(done)
}
