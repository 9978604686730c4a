//! The demo's 监督举报: reports from the public about villages, townships and counties, in every
//! state the workflow has — waiting to be accepted (some past the time to accept), in hand (some
//! a working day from their deadline, some past it), passed down to a township, answered and
//! waiting for the reporter, sent back by a dissatisfied reporter, refused, and closed with and
//! without the reporter's rating. Dated back from the as-of date on the working-day calendar,
//! through the store's commands, so every step is on the ledger.

use crate::divisions;
use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::supervision::{Calendar, ReportCategory, ReportDraft, ReportStep};
use fupin_domain::{Level, RegionCode};
use fupin_store::prelude::*;
use fupin_store::supervision::ReportInput;
use fupin_store::StoreError;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// What the public reports, by category: (text, what the unit found).
fn story(c: ReportCategory) -> (&'static str, &'static str) {
    use ReportCategory as C;
    match c {
        C::Funds => (
            "村里的产业扶贫资金入股合作社后，去年年底的分红一直没有发到贫困户手中。",
            "经核查，合作社分红已于本月补发到户，并在村务公开栏公示分红明细。",
        ),
        C::Project => (
            "村里的扶贫车间建成快一年了，一直锁着门，没有吸纳贫困户就业。",
            "经核查，扶贫车间已引进服装加工企业入驻，吸纳贫困劳动力12人就业。",
        ),
        C::Policy => (
            "家里孩子在读中职，雨露计划补助申请了半年还没有发放，村里说等通知。",
            "经核查，补助因学籍信息比对延误，现已发放到户，并对经办人员批评教育。",
        ),
        C::Favouritism => (
            "村干部的亲戚家里盖了楼房、买了车，却被评为贫困户，真正困难的人家没评上。",
            "经入户核查，该户不符合识别标准，已按程序清退；对相关村干部诫勉谈话。",
        ),
        C::PaperExit => (
            "我家收入还没有达到脱贫标准，村里就让我们在脱贫确认书上签字。",
            "经核查，该户年人均纯收入未达标，已撤销退出，继续落实帮扶措施。",
        ),
        C::FalseClaim => ("有人冒用已去世老人的名义，继续领取扶贫补贴和养老金。", "经核查，已追回冒领资金，相关人员移交纪检部门处理。"),
        C::Withholding => {
            ("危房改造补助款被村里扣下一部分，说是统一采购建材，但一直没见到材料。", "经核查，扣留的补助款已全额退还农户，责令村委会整改。")
        }
        C::Embezzlement => ("扶贫项目的工程款被挪用修了村委会的办公室。", "经审计核查，挪用资金已追回并用于原项目，相关责任人已立案调查。"),
        C::Conduct => (
            "帮扶责任人半年没来过我家，走访记录却写得很全，帮扶措施一项也没落实。",
            "经核查，帮扶责任人未按要求走访，已调整帮扶责任人并通报批评。",
        ),
        C::Other => (
            "村里的扶贫政策宣传不到位，很多老人不知道可以申请哪些帮扶。",
            "已组织驻村工作队逐户宣讲政策，发放明白卡，并在村口设立政策公示栏。",
        ),
    }
}

const REPORTERS: [&str; 6] = ["张建国", "李秀英", "王志强", "刘桂兰", "陈德明", "赵玉珍"];

/// The situations a report is left in, each with the business dates it went through.
#[derive(Debug, Clone, Copy)]
enum Scene {
    Waiting,
    LateToAccept,
    InHand,
    DueTomorrow,
    Overdue,
    PassedDown,
    Answered,
    SentBack,
    Refused,
    ClosedRated,
    ClosedUnrated,
}

const SCENES: [Scene; 11] = [
    Scene::ClosedRated,
    Scene::InHand,
    Scene::Waiting,
    Scene::Answered,
    Scene::Overdue,
    Scene::DueTomorrow,
    Scene::SentBack,
    Scene::PassedDown,
    Scene::LateToAccept,
    Scene::Refused,
    Scene::ClosedUnrated,
];

/// What was seeded: reports by their state's label.
#[derive(Debug, Default)]
pub struct Seeded {
    pub reports: BTreeMap<&'static str, usize>,
}

fn official(username: String, role: Role, region: &RegionCode) -> Caller {
    Caller { username, role, scope: Scope::region(region.clone()) }
}

/// The working day `n` working days before `d` (or `d` itself when `n` is 0).
fn back(cal: &Calendar, d: Date, n: i64) -> Date {
    let mut k = d.day_number();
    let mut left = n;
    while left > 0 {
        k -= 1;
        if cal.is_working(Date::from_day_number(k)) {
            left -= 1;
        }
    }
    Date::from_day_number(k)
}

/// `per_county` reports about each county's villages (all eleven situations in 阳谷县, where the
/// demo's officials work), the counties taking turns at the situations.
pub fn seed_demo(store: &dyn Store, as_of: Date, per_county: usize) -> Result<Seeded, StoreError> {
    let regions = divisions::parse(divisions::DIVISIONS_CSV)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_170_630);
    let rules = store.rules().clone();
    let (cal, limits) = (&rules.calendar, rules.report_deadlines);
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &regions {
        if let Some(p) = &r.parent_code {
            children.entry(p.as_str()).or_default().push(r.code.as_str());
        }
    }
    let counties: Vec<&str> = regions.iter().filter(|r| r.level == Level::County).map(|r| r.code.as_str()).collect();
    let mut out = Seeded::default();
    for (ci, county) in counties.iter().enumerate() {
        let towns = children.get(county).cloned().unwrap_or_default();
        if towns.is_empty() {
            continue;
        }
        let demo_county = *county == "371521";
        let n = if demo_county { SCENES.len() } else { per_county };
        let county_code = RegionCode::parse(county)?;
        let county_user = if demo_county { "yanggu".to_string() } else { format!("扶贫办@{county}") };
        let county_caller = official(county_user, Role::CountyOfficial, &county_code);
        // The demo's township account works on the reports passed down in 阳谷县.
        let demo_town = match store.user("township")? {
            Some(u) if demo_county && towns.contains(&u.region.as_str()) => Some(u.region.to_string()),
            _ => None,
        };
        for k in 0..n {
            let scene = SCENES[(ci + k) % SCENES.len()];
            let mut town = towns[rng.random_range(0..towns.len())];
            if let (Some(t), Scene::PassedDown | Scene::SentBack) = (&demo_town, scene) {
                town = towns.iter().copied().find(|x| x == t).unwrap_or(town);
            }
            let villages = children.get(town).cloned().unwrap_or_default();
            // Most reports are about a village; some about the township itself.
            let passed = demo_town.is_some() && matches!(scene, Scene::PassedDown | Scene::SentBack);
            let about = if villages.is_empty() || (!passed && rng.random_range(0..5) == 0) {
                town
            } else {
                villages[rng.random_range(0..villages.len())]
            };
            let category = ReportCategory::ALL[rng.random_range(0..ReportCategory::ALL.len())];
            let (text, found) = story(category);
            let named = rng.random_range(0..3) > 0;
            let draft = ReportDraft {
                category,
                region: about.to_string(),
                household_id: None,
                text: format!("{text}（{}反映）", if named { "实名" } else { "匿名" }),
                name: named.then(|| REPORTERS[rng.random_range(0..REPORTERS.len())].to_string()),
                contact: named.then(|| format!("13{:09}", rng.random_range(0..1_000_000_000u64))),
            };
            // Dates back from the as-of date, in working days.
            let (filed, accept, answer) = match scene {
                Scene::Waiting => (back(cal, as_of, 1), None, None),
                Scene::LateToAccept => (back(cal, as_of, limits.accept_days + 2), None, None),
                Scene::InHand => (back(cal, as_of, 6), Some(back(cal, as_of, 5)), None),
                Scene::DueTomorrow => (back(cal, as_of, limits.handle_days), Some(back(cal, as_of, limits.handle_days - 1)), None),
                Scene::Overdue => (back(cal, as_of, limits.handle_days + 6), Some(back(cal, as_of, limits.handle_days + 4)), None),
                Scene::PassedDown => (back(cal, as_of, 4), Some(back(cal, as_of, 3)), None),
                Scene::Answered => (back(cal, as_of, 14), Some(back(cal, as_of, 13)), Some(back(cal, as_of, 2))),
                Scene::SentBack => (back(cal, as_of, 25), Some(back(cal, as_of, 24)), Some(back(cal, as_of, 12))),
                Scene::Refused => (back(cal, as_of, 9), None, None),
                Scene::ClosedRated => (back(cal, as_of, 40), Some(back(cal, as_of, 39)), Some(back(cal, as_of, 28))),
                Scene::ClosedUnrated => (back(cal, as_of, 45), Some(back(cal, as_of, 44)), Some(back(cal, as_of, 30))),
            };
            let filed_r = match store.file_report(&draft, &filed.to_string()) {
                Ok(f) => f,
                // The same story about the same place twice: one is enough.
                Err(StoreError::Invalid(e)) if e.code == "report.duplicate" => continue,
                Err(e) => return Err(e),
            };
            let id = filed_r.tracking_number.clone();
            let about_code = RegionCode::parse(about)?;
            // A township's report is the county's to keep; a village's may go to its township.
            let handler = if matches!(scene, Scene::PassedDown | Scene::SentBack) && about_code.level() == Level::Village {
                let t = RegionCode::parse(town)?;
                let user = if demo_county && store.user("township")?.is_some_and(|u| u.region == t) {
                    "township".into()
                } else {
                    format!("乡镇@{town}")
                };
                Some(official(user, Role::TownshipOfficial, &t))
            } else {
                None
            };
            let mut version = 1;
            let mut step = |who: &Caller, s: ReportStep, note: &str, to: Option<RegionCode>, on: Date| -> Result<(), StoreError> {
                let r = store.step_report(who, &id, version, s, &ReportInput { note: note.into(), to }, &on.to_string())?;
                version = r.version;
                Ok(())
            };
            if let Scene::Refused = scene {
                step(&county_caller, ReportStep::Decline, "举报内容不属于扶贫领域，已告知向信访部门反映", None, back(cal, as_of, 8))?;
            }
            let Some(accepted) = accept else {
                *out.reports.entry(if matches!(scene, Scene::Refused) { "不予受理" } else { "待受理" }).or_default() += 1;
                continue;
            };
            step(&county_caller, ReportStep::Accept, "", None, accepted)?;
            let mut acting = county_caller.clone();
            if let Some(t) = &handler {
                step(&county_caller, ReportStep::Transfer, "请乡镇核查办理", Some(t.scope.region.clone()), accepted)?;
                acting = t.clone();
            }
            let Some(answered) = answer else {
                *out.reports.entry("办理中").or_default() += 1;
                continue;
            };
            step(&acting, ReportStep::Answer, found, None, answered)?;
            let rate =
                |satisfied: bool, comment: &str, on: Date| store.rate_report(&id, &filed_r.query_code, satisfied, comment, &on.to_string());
            let label = match scene {
                Scene::SentBack => {
                    rate(false, "问题没有解决，村里仍然没有公开明细", back(cal, as_of, 10))?;
                    "重办中"
                }
                Scene::ClosedRated => {
                    rate(true, "处理及时，满意", back(cal, as_of, 26))?;
                    "已办结"
                }
                Scene::ClosedUnrated => {
                    // The reporter never came back: the unit closes after the rating period.
                    step(&acting, ReportStep::Close, "", None, back(cal, as_of, 20))?;
                    "已办结"
                }
                _ => "待回访",
            };
            *out.reports.entry(label).or_default() += 1;
        }
    }
    Ok(out)
}
