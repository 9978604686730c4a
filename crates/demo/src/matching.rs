//! The demo's 供需对接: donors of every kind (enterprises and organisations with valid credit
//! codes, individuals, 定点扶贫 units; the demo donor account among them), their offers, needs
//! recorded from what each household's file suggests and verified by the township, one run of
//! the optimal matcher over the province, and the matches carried to every state — awaiting the
//! donor, the household, the delivery, the household's confirmation (with its card's code),
//! closed with thanks, declined, overdue with a complaint — plus a few donors' own picks.
//! Everything goes through the store's commands, so each step is on the ledger.

use crate::divisions;
use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::matching::{
    AidCategory, Condition, CreditCode, Delivery, DonorDraft, DonorKind, MatchState, NeedDraft, OfferDraft, Step, Unit, Urgency,
};
use fupin_domain::registry::codes::Status;
use fupin_domain::{Level, RegionCode, Yuan};
use fupin_store::matching::StepInput;
use fupin_store::prelude::*;
use fupin_store::{HouseholdQuery, MatchingQuery, StoreError};
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// What was seeded.
#[derive(Debug, Default)]
pub struct Seeded {
    pub donors: usize,
    pub offers: usize,
    pub needs: usize,
    pub matches: BTreeMap<&'static str, usize>,
}

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A credit code of a body registered in `county`: `prefix` is the registering authority and
/// kind (91 an enterprise, 53 a foundation, 51 a social group, 11 an organ).
fn credit_code(rng: &mut impl Rng, prefix: &str, county: &str) -> Result<CreditCode, StoreError> {
    let body: String = (0..9).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    Ok(CreditCode::complete(&format!("{prefix}{county}{body}"))?)
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a demo date")
}

fn caller(username: &str, role: Role, region: &RegionCode) -> Caller {
    Caller { username: username.into(), role, scope: Scope::region(region.clone()) }
}

/// The donors of a city: (kind, name, credit prefix, about).
fn donors_of(city: &str) -> Vec<(DonorKind, String, &'static str, String)> {
    let short = city.trim_end_matches('市');
    vec![
        (DonorKind::Enterprise, format!("{short}鲁农食品有限公司"), "91", "农产品加工，吸纳贫困劳动力就业".into()),
        (DonorKind::Enterprise, format!("{short}宏达建材有限公司"), "91", "参与农村危房改造".into()),
        (DonorKind::Organisation, format!("{short}市慈善总会"), "51", "助学、助医、济困".into()),
        (DonorKind::Organisation, format!("{short}市红十字会"), "51", "大病救助".into()),
        (DonorKind::Government, format!("{short}市直机关驻村工作队"), "11", "第一书记所在单位定点帮扶".into()),
        (DonorKind::Individual, format!("{short}爱心人士"), "", "个人捐赠".into()),
    ]
}

/// What each kind of donor offers: (category, title, unit, share value in yuan, condition).
fn offers_of(kind: DonorKind) -> &'static [(AidCategory, &'static str, Unit, i64, Condition)] {
    match kind {
        DonorKind::Enterprise => &[
            (AidCategory::Employment, "车间就业岗位", Unit::Jobs, 2_400, Condition::LabourAbility),
            (AidCategory::Housing, "危房改造建材", Unit::Items, 8_000, Condition::DangerousHouse),
            (AidCategory::Industry, "特色种养帮扶", Unit::Money, 3_000, Condition::LabourAbility),
        ],
        DonorKind::Organisation => &[
            (AidCategory::Education, "爱心助学金", Unit::Money, 2_000, Condition::InSchool),
            (AidCategory::Medical, "大病救助金", Unit::Money, 5_000, Condition::SeriousIllness),
            (AidCategory::Necessities, "冬季温暖包", Unit::Items, 300, Condition::None),
        ],
        DonorKind::Government => &[
            (AidCategory::Training, "实用技术培训", Unit::People, 800, Condition::LabourAbility),
            (AidCategory::Necessities, "生活物资", Unit::Items, 500, Condition::None),
        ],
        DonorKind::Individual => &[(AidCategory::Education, "结对助学", Unit::Money, 1_500, Condition::InSchool)],
    }
}

/// Registers a donor with its offers and has its county verify it; returns the offers' count.
#[allow(clippy::too_many_arguments)]
fn donor(
    store: &dyn Store,
    account: &str,
    kind: DonorKind,
    name: &str,
    credit: Option<CreditCode>,
    county: &RegionCode,
    serves: Vec<RegionCode>,
    about: &str,
    capacity: u32,
) -> Result<(String, usize), StoreError> {
    let who = caller(account, Role::Donor, &RegionCode::parse(&county.as_str()[..2])?);
    let contact = if kind == DonorKind::Individual { name.to_string() } else { "联络员".to_string() };
    let draft = DonorDraft {
        kind,
        name: name.into(),
        credit_code: credit,
        contact,
        // A 0 + the county's area-like digits: a landline of the donor's county office.
        phone: format!("0{}{:07}", &county.as_str()[2..5], 8_200_000 + account.len() * 37 % 100_000),
        id_number: None,
        region: county.clone(),
        about: about.into(),
    };
    let d = store.register_donor(&who, &draft, "2017-03-01")?;
    store.verify_donor(&caller("demo", Role::CountyOfficial, county), &d.id, d.version, true, "", "2017-03-03")?;
    let mut n = 0;
    for (category, title, unit, value, condition) in offers_of(kind) {
        let o = OfferDraft {
            category: *category,
            title: format!("{title}（{}）", if kind == DonorKind::Individual { "个人" } else { name }),
            description: String::new(),
            capacity,
            unit: *unit,
            unit_value: Yuan::from_yuan(*value),
            regions: serves.clone(),
            deadline: day("2017-12-31"),
            condition: *condition,
        };
        store.post_offer(&who, &o, "2017-03-10")?;
        n += 1;
    }
    Ok((d.id, n))
}

/// Seeds the demo's matching over its divisions; `per_county` needs in each county.
pub fn seed_demo(store: &dyn Store, as_of: Date, per_county: usize) -> Result<Seeded, StoreError> {
    let regions = divisions::parse(divisions::DIVISIONS_CSV)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_170_601);
    let mut out = Seeded::default();
    // Who acts for each donor (the demo's donors other than the demo account have no login).
    let mut accounts: BTreeMap<String, Caller> = BTreeMap::new();
    let code = |s: &str| RegionCode::parse(s);
    let cities: Vec<_> = regions.iter().filter(|r| r.level == Level::City).collect();
    let counties: Vec<_> = regions.iter().filter(|r| r.level == Level::County).collect();
    let province = code(&regions.iter().find(|r| r.level == Level::Province).map(|r| r.code.clone()).unwrap_or_else(|| "37".into()))?;

    // The demo donor account: a provincial foundation based in Jinan's 历下区, serving Liaocheng
    // first (where the demo's officials work), then the province.
    if store.user("donor")?.is_some() {
        let lixia = code("370102")?;
        let credit = credit_code(&mut rng, "53", "370102")?;
        let serves = vec![code("3715")?, province.clone()];
        let (id, n) = donor(
            store,
            "donor",
            DonorKind::Organisation,
            "山东鲁信爱心扶贫基金会",
            Some(credit),
            &lixia,
            serves,
            "省级扶贫公益基金会",
            40,
        )?;
        accounts.insert(id, caller("donor", Role::Donor, &province));
        out.offers += n;
        out.donors += 1;
    }
    for (i, city) in cities.iter().enumerate() {
        let Some(county) = counties.iter().find(|c| c.parent_code.as_deref() == Some(city.code.as_str())) else { continue };
        let county_code = code(&county.code)?;
        for (j, (kind, name, prefix, about)) in donors_of(&city.name).into_iter().enumerate() {
            let credit = if prefix.is_empty() { None } else { Some(credit_code(&mut rng, prefix, &county.code)?) };
            let name = if kind == DonorKind::Individual {
                format!("{}{}", crate::names::surname(&mut rng), ["先生", "女士"][j % 2])
            } else {
                name
            };
            let serves = vec![code(&city.code)?];
            let capacity = 2 + ((i + j) % 4) as u32 * (1 + per_county as u32 / 2);
            let account = format!("demo-donor-{}-{j}", city.code);
            let (id, n) = donor(store, &account, kind, &name, credit, &county_code, serves, &about, capacity)?;
            accounts.insert(id, caller(&account, Role::Donor, &province));
            out.offers += n;
            out.donors += 1;
        }
    }

    // Needs: what the files of a few poor households per county suggest (the demo village's
    // and the demo helper's households among them), verified by their townships.
    let mut households: Vec<(String, RegionCode)> = vec![];
    for county in &counties {
        let c = code(&county.code)?;
        let q = HouseholdQuery {
            region: Some(c.clone()),
            status: Some(Status::Poor),
            per_page: (per_county * 7) as u32,
            page: 1,
            ..Default::default()
        };
        for h in store.search_households(&Caller::system(province.clone()), &q)?.items.iter().step_by(7).take(per_county) {
            households.push((h.id.clone(), RegionCode::parse(&h.village_code)?));
        }
    }
    for account in ["village", "helper"] {
        if let Some(u) = store.user(account)? {
            let who = Caller {
                username: u.username.clone(),
                role: u.role,
                scope: Scope { region: u.region.clone(), helper_id: u.helper_id.clone() },
            };
            let q = HouseholdQuery { status: Some(Status::Poor), per_page: 12, page: 1, ..Default::default() };
            for h in store.search_households(&who, &q)?.items {
                households.push((h.id.clone(), RegionCode::parse(&h.village_code)?));
            }
        }
    }
    households.sort();
    households.dedup();
    let first_of_month = |n: usize| format!("2017-04-{:02}", 1 + n % 20);
    for (n, (id, village)) in households.iter().enumerate() {
        let recorder = caller("demo", Role::VillageOfficial, village);
        let suggested = store.need_suggestions(&recorder, id, &first_of_month(n))?;
        let draft = match suggested.first() {
            Some(s) => NeedDraft {
                category: s.category,
                description: s.description.clone(),
                amount: s.amount,
                urgency: [Urgency::Normal, Urgency::Urgent, Urgency::Normal, Urgency::Critical][n % 4],
                deadline: day(if n % 9 == 4 { "2017-06-20" } else { "2017-12-31" }),
                member_no: s.member_no,
            },
            None => NeedDraft {
                category: AidCategory::Necessities,
                description: "冬季取暖用煤和棉被".into(),
                amount: Yuan::from_yuan(500),
                urgency: Urgency::Normal,
                deadline: day("2017-12-31"),
                member_no: None,
            },
        };
        let need = store.record_need(&recorder, id, &draft, &first_of_month(n))?;
        // One in twelve waits for the township still.
        if n % 12 != 11 {
            let township = caller("demo", Role::TownshipOfficial, &RegionCode::parse(&village.as_str()[..9])?);
            store.verify_need(&township, &need.id, need.version, true, "", &format!("2017-04-{:02}", 22 + n % 6))?;
        }
        out.needs += 1;
    }

    // One optimal run over the province, then each match on its way.
    // 点对点 first: the demo donor takes a few of Liaocheng's needs itself (the matcher then
    // places the rest, preferring donors nearer the villages).
    if let Some((_, who)) = accounts.iter().find(|(_, c)| c.username == "donor") {
        let mine = store.offers(Some(who), &MatchingQuery { donor_id: store.own_donor(who)?.map(|d| d.id), ..Default::default() })?.items;
        let open = store.published_needs(
            who,
            &MatchingQuery { region: Some(code("3715")?), on: Some(day("2017-05-08")), per_page: 50, ..Default::default() },
        )?;
        let mut picked = 0;
        for n in open.items {
            let fit = mine.iter().find(|o| o.draft.category == n.category && o.free() > 0 && o.serves(&n.village).is_some());
            if let Some(o) = fit {
                if store.pick_need(who, &n.id, &o.id, "2017-05-08").is_ok() {
                    picked += 1;
                }
            }
            if picked == 8 {
                break;
            }
        }
    }
    let official = caller("demo", Role::ProvinceOfficial, &province);
    store.run_matcher(&official, &province, "2017-05-10")?;
    let mut proposed = vec![];
    for page in 0.. {
        let more = store.matches(&official, &MatchingQuery { per_page: 200, page, ..Default::default() })?.items;
        if more.is_empty() {
            break;
        }
        proposed.extend(more);
    }
    proposed.sort_by(|a, b| a.id.cmp(&b.id));
    let feedback = [
        "学费已收到，孩子能安心上学了，谢谢！",
        "物资已收到，感谢爱心企业。",
        "收到救助金，减轻了看病负担。",
        "已经上岗，每月有稳定收入。",
    ];
    for (k, m) in proposed.iter().enumerate() {
        let Some(acting) = accounts.get(&m.donor_id).cloned() else { continue };
        let village = caller("demo", Role::VillageOfficial, &m.village);
        let at = |d: usize| format!("2017-05-{:02}", 12 + d);
        let target = k % 10;
        let mut cur = m.clone();
        let mut go = |who: &Caller, step: Step, input: StepInput, on: String| -> Result<Option<String>, StoreError> {
            let s = store.step_match(who, &cur.id, cur.version, step, &input, &on)?;
            cur = s.matched;
            Ok(s.code)
        };
        if target == 0 {
            continue;
        }
        if target == 9 {
            go(&acting, Step::Decline, StepInput { note: "名额已安排给本地户".into(), ..Default::default() }, at(1))?;
            continue;
        }
        if m.state == MatchState::Proposed {
            go(&acting, Step::Accept, StepInput::default(), at(1))?;
        }
        if target == 1 {
            continue;
        }
        if k % 20 == 2 {
            go(&village, Step::Refuse, StepInput { note: "户主表示已由亲属资助，不再需要".into(), ..Default::default() }, at(3))?;
            continue;
        }
        let card = go(&village, Step::Agree, StepInput::default(), at(3))?;
        if target <= 3 {
            if target == 3 && as_of > day("2017-06-20") {
                store.complain(&village, &m.id, "已同意接受帮扶一个多月，仍未交付", "2017-06-25")?;
            }
            continue;
        }
        let value = m.value;
        let d = Delivery { amount: value, receipt: format!("收据{:05}", k + 1), on: day(&format!("2017-06-{:02}", 1 + k % 20)) };
        go(&acting, Step::Deliver, StepInput { delivery: Some(d), ..Default::default() }, format!("2017-06-{:02}", 1 + k % 20))?;
        if target == 4 {
            continue;
        }
        let thanks = StepInput { code: card, note: feedback[k % feedback.len()].into(), ..Default::default() };
        go(&village, Step::Confirm, thanks, format!("2017-06-{:02}", 22 + k % 6))?;
    }
    let f = store.matching_figures(Some(&province), as_of)?;
    for (state, n) in f.matches {
        out.matches.insert(MatchState::parse(&state)?.label(), n as usize);
    }
    Ok(out)
}
