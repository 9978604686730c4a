//! The departments' registers of the demo, as the files they would send for 大数据比对: a CSV
//! per register with 公民身份号码, 姓名, 日期 and the register's own columns, mostly people who
//! are not on the poverty register at all and, among them, a realistic few members of poor
//! households (an elderly member who died and is still counted, a head with a car, a company
//! share, a post paid from public funds, a flat bought in town). The same files every time.

use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::integrity::{Outcome, RegisterKind};
use fupin_domain::registry::codes::{Relation, Status};
use fupin_domain::{IdNumber, RegionCode};
use fupin_store::integrity::MatchQuery;
use fupin_store::prelude::*;
use fupin_store::{HouseholdQuery, StoreError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A member of a poor household written into a register.
#[derive(Debug, Clone)]
pub struct Planted {
    pub id_number: IdNumber,
    pub name: String,
}

/// Of ten thousand checked households, how many a register names a member of: deaths not yet
/// taken off the file are the most common finding, civil servants the rarest.
fn per_ten_thousand(kind: RegisterKind) -> u64 {
    match kind {
        RegisterKind::Deaths => 20,
        RegisterKind::Vehicles => 10,
        RegisterKind::Companies => 5,
        RegisterKind::PublicEmployees => 3,
        RegisterKind::Homes => 7,
    }
}

/// Members of checked households across the province to plant in `kind`'s register: in each
/// county `rate` of ten thousand of its poor households (rounded; at least one in 聊城市's
/// counties, so a small demo has cases to look at), the oldest member but the head for a
/// death, the head otherwise. Each register names other households.
pub fn plant(store: &dyn Store, kind: RegisterKind, rate: u64) -> Result<Vec<Planted>, StoreError> {
    let offset = RegisterKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u32;
    let mut out = vec![];
    for county in crate::funds::counties(store)? {
        let total = poor_in(store, &county.code)?;
        let mut n = (total * rate + 5_000) / 10_000;
        if n == 0 && total > 0 && county.code.as_str().starts_with("3715") {
            n = 1;
        }
        out.extend(members_of(store, kind, &county.code, n, 1 + offset)?);
    }
    // The demo village's own: two of each where it has the files (a small demo's village may
    // have one), the first death and car verified by the demo, the rest waiting.
    if let Some(v) = store.user("village")? {
        out.extend(members_of(store, kind, &v.region, 2, 1)?);
    }
    out.sort_by(|a, b| a.id_number.as_str().cmp(b.id_number.as_str()));
    out.dedup_by(|a, b| a.id_number == b.id_number);
    Ok(out)
}

fn poor_in(store: &dyn Store, region: &RegionCode) -> Result<u64, StoreError> {
    let system = Caller::system(RegionCode::parse("37")?);
    let q = HouseholdQuery { region: Some(region.clone()), status: Some(Status::Poor), per_page: 1, page: 1, ..Default::default() };
    Ok(store.search_households(&system, &q)?.total.max(0) as u64)
}

/// `n` members of the poor files of `region` from page `page` of its list (pages of `3n`: not
/// every file has a member besides its head).
fn members_of(store: &dyn Store, kind: RegisterKind, region: &RegionCode, n: u64, page: u32) -> Result<Vec<Planted>, StoreError> {
    if n == 0 {
        return Ok(vec![]);
    }
    let system = Caller::system(RegionCode::parse("37")?);
    let q = HouseholdQuery { region: Some(region.clone()), status: Some(Status::Poor), per_page: 3 * n as u32, page, ..Default::default() };
    let mut out = vec![];
    for h in store.search_households(&system, &q)?.items {
        if out.len() as u64 == n {
            break;
        }
        let file = store.household(&system, &h.id)?;
        let member = match kind {
            // The oldest besides the head (a head's death needs a new head first, a longer story).
            RegisterKind::Deaths => file.members.iter().filter(|m| m.relation != Relation::Head).min_by_key(|m| m.id_number.birth_date()),
            _ => file.members.first(),
        };
        if let Some(m) = member {
            out.push(Planted { id_number: m.id_number.clone(), name: m.name.clone() });
        }
    }
    Ok(out)
}

fn headers(kind: RegisterKind) -> &'static [&'static str] {
    match kind {
        RegisterKind::Deaths => &["殡仪馆", "火化证号"],
        RegisterKind::Vehicles => &["号牌号码", "车辆类型"],
        RegisterKind::Companies => &["企业名称", "出资方式", "认缴出资额(万元)"],
        RegisterKind::PublicEmployees => &["工作单位", "人员类别"],
        RegisterKind::Homes => &["房屋坐落", "建筑面积(平方米)"],
    }
}

fn details(kind: RegisterKind, rng: &mut ChaCha8Rng, county: &str) -> Vec<String> {
    let pick = |rng: &mut ChaCha8Rng, xs: &[&str]| xs[rng.random_range(0..xs.len())].to_string();
    match kind {
        RegisterKind::Deaths => vec![format!("{county}殡仪馆"), format!("HH{:08}", rng.random_range(0..100_000_000u32))],
        RegisterKind::Vehicles => vec![
            format!("鲁{}{:05}", pick(rng, &["A", "B", "N", "P", "Q", "R"]), rng.random_range(0..100_000u32)),
            pick(rng, &["小型轿车", "小型普通客车", "轻型普通货车", "三轮汽车", "低速货车"]),
        ],
        RegisterKind::Companies => vec![
            format!("{county}{}有限公司", pick(rng, &["宏达农业", "兴旺养殖", "鑫源商贸", "绿野果蔬", "恒通物流"])),
            pick(rng, &["货币", "实物"]),
            rng.random_range(1..200u32).to_string(),
        ],
        RegisterKind::PublicEmployees => vec![
            format!("{county}{}", pick(rng, &["教育局", "卫生院", "国土资源所", "财政所", "第一中学"])),
            pick(rng, &["公务员", "事业编制", "财政补助人员"]),
        ],
        RegisterKind::Homes => vec![
            format!("{county}城区{}小区{}号楼", pick(rng, &["幸福", "阳光", "锦绣", "和谐", "滨河"]), rng.random_range(1..30u32)),
            rng.random_range(60..160u32).to_string(),
        ],
    }
}

/// Writes `kind`'s register: `background` people not on the register (born and registered in
/// the province's counties) with `planted` spread among them, dated before `as_of`. Returns the
/// rows written.
pub fn write(
    path: &Path,
    kind: RegisterKind,
    as_of: Date,
    counties: &[(String, String)],
    background: usize,
    planted: &[Planted],
    seed: u64,
) -> std::io::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ kind.code().len() as u64 * 7_919);
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut head = vec!["公民身份号码", "姓名", "性别", "日期"];
    head.extend(headers(kind));
    writeln!(f, "{}", head.join(","))?;
    let total = background + planted.len();
    // Where each planted person goes: spread evenly through the file.
    let every = if planted.is_empty() { usize::MAX } else { (total / planted.len()).max(1) };
    let mut planted = planted.iter();
    let span = match kind {
        RegisterKind::Deaths => 400,
        _ => 3_000,
    };
    let mut line = String::with_capacity(160);
    for i in 0..total {
        let (county, county_name) = &counties[rng.random_range(0..counties.len())];
        let mine = if i % every == every / 2 { planted.next() } else { None };
        let (id, name) = match mine {
            Some(p) => (p.id_number.clone(), p.name.clone()),
            None => {
                let born = rng.random_range(1930..2000);
                let male = rng.random_bool(0.5);
                let birth = Date::new(born, rng.random_range(1..=12), rng.random_range(1..=28)).expect("a valid day");
                // Sequence numbers above the demo's own (under 900) keep strangers strangers.
                let seq = rng.random_range(900..1000u32) / 2 * 2 + u32::from(male);
                let name = format!("{}{}", crate::names::surname(&mut rng), crate::names::given_name(&mut rng, male, born));
                (IdNumber::build(county, birth, seq), name)
            }
        };
        let date = Date::from_day_number(as_of.day_number() - rng.random_range(1..span));
        let sex = if id.is_male() { "男" } else { "女" };
        line.clear();
        line.push_str(&format!("{id},{name},{sex},{date}"));
        for d in details(kind, &mut rng, county_name) {
            line.push(',');
            line.push_str(&d);
        }
        writeln!(f, "{line}")?;
    }
    for p in planted {
        // More planted than the spread placed: at the end.
        writeln!(f, "{},{},{},{}", p.id_number, p.name, if p.id_number.is_male() { "男" } else { "女" }, as_of)?;
    }
    f.flush()?;
    Ok(total)
}

/// The province's counties as registers write them: the six-digit code and the name.
pub fn county_codes(store: &dyn Store) -> Result<Vec<(String, String)>, StoreError> {
    Ok(crate::funds::counties(store)?.into_iter().map(|c| (c.code.as_str()[..6].to_string(), c.name)).collect())
}

/// The demo's five registers in `dir`, about `background` strangers each.
pub fn write_demo(store: &dyn Store, dir: &Path, as_of: Date, background: usize) -> Result<Vec<(RegisterKind, PathBuf)>, StoreError> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(format!("{}: {e}", dir.display())))?;
    let counties = county_codes(store)?;
    if counties.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for kind in RegisterKind::ALL.iter().copied() {
        let planted = plant(store, kind, per_ten_thousand(kind))?;
        let path = dir.join(format!("{}.csv", kind.code()));
        write(&path, kind, as_of, &counties, background, &planted, 20_170_315).map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
        out.push((kind, path));
    }
    Ok(out)
}

/// What the demo village has verified by the business date: its first death is taken off the
/// file and recorded, its first car explained; the rest wait, some overdue.
pub fn verify_some(store: &dyn Store, as_of: Date) -> Result<usize, StoreError> {
    let Some(county) = store.user("village")?.map(|u| u.region) else { return Ok(0) };
    let system = Caller::system(RegionCode::parse("37")?);
    let at = as_of.to_string();
    let mut done = 0;
    for kind in [RegisterKind::Deaths, RegisterKind::Vehicles] {
        let q = MatchQuery { region: Some(county.clone()), kind: Some(kind), outcome: Some(Outcome::Pending), per_page: 1, ..Default::default() };
        let Some(m) = store.register_matches(&system, &q, &at)?.items.into_iter().next() else { continue };
        let village = Caller {
            username: format!("村级管理员@{}", m.village_code),
            role: fupin_domain::access::Role::VillageOfficial,
            scope: fupin_domain::access::Scope::region(RegionCode::parse(&m.village_code)?),
        };
        let (outcome, note) = match kind {
            RegisterKind::Deaths => {
                let file = store.household(&village, &m.household_id)?;
                let req = fupin_store::registry::ChangeRequest {
                    household_id: m.household_id.clone(),
                    expected_version: file.version,
                    change: fupin_domain::registry::household::Change::MemberLeft {
                        no: m.member_no,
                        change: fupin_domain::registry::codes::MemberChange::Death,
                        date: m.event_date.to_string(),
                    },
                    reason: "大数据比对：民政部门火化登记".into(),
                    at: at.clone(),
                };
                store.change_household(&village, &req)?;
                (Outcome::MemberChanged, "经入户核实，该成员已去世，已办理家庭成员减少")
            }
            _ => (Outcome::Explained, "经核实，车辆为家中务农用的三轮汽车，价值较低，经村民代表会议评议不影响识别"),
        };
        store.decide_register_match(&village, &m.id, outcome, note, &at)?;
        done += 1;
    }
    Ok(done)
}
