//! The demo's 重点工作任务, after the provincial plan, through the store's commands (so every
//! dispatch, split and report is on the ledger): the 2016 and 2017 exit targets split from the
//! province to the cities and counties as the 倒排工期 targets are (their progress is the
//! registry's exits); the key villages' infrastructure by 2017, reported by the counties month by
//! month with evidence at different paces (some never report); and 阳谷县's notice of its
//! project funds, split to its townships, most of which have reported it, some not in time.
//! A task is dispatched only if its day has come by the as-of date, and reported only up to it.

use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::supervision::task::{Indicator, Part, TargetKind, TaskDraft};
use fupin_domain::{Level, RegionCode};
use fupin_store::prelude::*;
use fupin_store::StoreError;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Seeded {
    pub tasks: usize,
    pub targets: usize,
    pub reports: usize,
}

fn caller(role: Role, region: &RegionCode) -> Caller {
    Caller { username: format!("扶贫办@{}", region.as_str()), role, scope: Scope::region(region.clone()) }
}

fn role_of(level: Level) -> Role {
    match level {
        Level::Province => Role::ProvinceOfficial,
        Level::City => Role::CityOfficial,
        Level::County => Role::CountyOfficial,
        Level::Township => Role::TownshipOfficial,
        Level::Village => Role::VillageOfficial,
    }
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("a valid demo date")
}

/// The same small number for a region every time (the demo's paces and gaps).
fn spread(code: &str, n: u64) -> u64 {
    code.bytes().fold(2_166_136_261u64, |h, b| (h ^ u64::from(b)).wrapping_mul(16_777_619)) % n
}

fn part(region: &RegionCode, target: i64, deadline: Date, unit: String) -> Part {
    Part { region: region.clone(), target, deadline, unit, person: String::new() }
}

fn unit_of(name: &str) -> String {
    format!("{name}扶贫开发领导小组办公室")
}

struct Tree {
    names: BTreeMap<String, String>,
    children: BTreeMap<String, Vec<RegionCode>>,
}

impl Tree {
    fn below(&self, r: &RegionCode) -> &[RegionCode] {
        self.children.get(r.as_str()).map_or(&[], |v| v.as_slice())
    }
    fn name(&self, r: &RegionCode) -> String {
        self.names.get(r.as_str()).cloned().unwrap_or_default()
    }
}

fn tree(store: &dyn Store) -> Result<(RegionCode, Tree), StoreError> {
    let province = RegionCode::parse("37")?;
    let mut t = Tree { names: BTreeMap::new(), children: BTreeMap::new() };
    let mut todo = vec![province.clone()];
    while let Some(r) = todo.pop() {
        if r.level() >= Level::Township {
            continue;
        }
        for c in store.child_regions(&r)? {
            let code = RegionCode::parse(&c.code)?;
            t.names.insert(c.code.clone(), c.name.clone());
            t.children.entry(r.as_str().to_string()).or_default().push(code.clone());
            todo.push(code);
        }
    }
    Ok((province, t))
}

/// A year's exit task: the province's target is the sum of the counties' 倒排工期 targets, each
/// city receives its counties' sum and gives each county its own.
fn exits(store: &dyn Store, t: &Tree, province: &RegionCode, year: i32, on: Date, out: &mut Seeded) -> Result<(), StoreError> {
    let system = Caller::system(province.clone());
    let mut by_county: BTreeMap<String, i64> = BTreeMap::new();
    for city in t.below(province) {
        by_county.extend(store.targets(&system, city, year)?);
    }
    let total: i64 = by_county.values().sum();
    if total == 0 {
        return Ok(());
    }
    let draft = TaskDraft {
        title: format!("{year}年减少农村贫困人口"),
        policy_id: None,
        indicator: Indicator::Exits,
        target_kind: None,
        unit_label: "人".into(),
        year,
        target: total,
        deadline: day(year, 12, 31),
        down_to: None,
        unit: "省扶贫开发领导小组办公室".into(),
        person: String::new(),
        description: format!("按全省脱贫攻坚规划，{year}年减少建档立卡贫困人口，分解到市、县，年底前完成脱贫退出程序。"),
    };
    let prov = caller(Role::ProvinceOfficial, province);
    let id = store.dispatch_task(&prov, &draft, &on.to_string())?.task.id;
    out.tasks += 1;
    let city_sum = |city: &RegionCode| by_county.iter().filter(|(c, _)| c.starts_with(city.as_str())).map(|(_, n)| n).sum::<i64>();
    let parts: Vec<Part> = t.below(province).iter().map(|c| part(c, city_sum(c), day(year, 12, 31), unit_of(&t.name(c)))).collect();
    out.targets += parts.len();
    store.split_task(&prov, &id, &parts, &Date::from_day_number(on.day_number() + 5).to_string())?;
    for city in t.below(province) {
        let parts: Vec<Part> = t
            .below(city)
            .iter()
            .map(|c| part(c, by_county.get(c.as_str()).copied().unwrap_or(0), day(year, 12, 20), unit_of(&t.name(c))))
            .collect();
        if parts.is_empty() {
            continue;
        }
        out.targets += parts.len();
        store.split_task(&caller(Role::CityOfficial, city), &id, &parts, &Date::from_day_number(on.day_number() + 15).to_string())?;
    }
    Ok(())
}

/// The key villages' infrastructure (五通), a percentage each county reports monthly.
fn infrastructure(store: &dyn Store, t: &Tree, province: &RegionCode, as_of: Date, out: &mut Seeded) -> Result<(), StoreError> {
    let on = day(2017, 1, 10);
    if as_of < on {
        return Ok(());
    }
    let draft = TaskDraft {
        title: "省定扶贫工作重点村基础设施达标（通硬化路、通公交、安全饮水、动力电、宽带网络）".into(),
        policy_id: None,
        indicator: Indicator::Reported,
        target_kind: Some(TargetKind::Percent),
        unit_label: String::new(),
        year: 2017,
        target: 10_000,
        deadline: day(2017, 12, 31),
        down_to: None,
        unit: "省扶贫开发领导小组办公室".into(),
        person: String::new(),
        description:
            "到2017年底，省定扶贫工作重点村全部实现“五通”，建成村卫生室和文化活动场所。各县按月填报已达标重点村占比，并附验收材料。".into(),
    };
    let prov = caller(Role::ProvinceOfficial, province);
    let id = store.dispatch_task(&prov, &draft, &on.to_string())?.task.id;
    out.tasks += 1;
    let parts: Vec<Part> = t.below(province).iter().map(|c| part(c, 10_000, day(2017, 12, 31), unit_of(&t.name(c)))).collect();
    out.targets += parts.len();
    store.split_task(&prov, &id, &parts, "2017-01-12")?;
    for city in t.below(province) {
        let counties = t.below(city);
        let parts: Vec<Part> = counties.iter().map(|c| part(c, 10_000, day(2017, 11, 30), unit_of(&t.name(c)))).collect();
        if parts.is_empty() {
            continue;
        }
        out.targets += parts.len();
        store.split_task(&caller(Role::CityOfficial, city), &id, &parts, "2017-01-20")?;
        for county in counties {
            // Monthly percentages at one of five paces: ahead, on pace, a little behind, far
            // behind, and (one county in ten) not reported at all.
            let pace = spread(county.as_str(), 10);
            if pace == 0 {
                continue;
            }
            let per_month = [0, 1_250, 1_100, 1_000, 960, 930, 900, 700, 500, 400][pace as usize];
            let who = caller(Role::CountyOfficial, county);
            for month in 2..=12u32 {
                let d = day(2017, month, 5);
                if d > as_of {
                    break;
                }
                let value = (per_month * (month as i64 - 1)).min(10_000);
                let evidence = format!(
                    "{}月验收：已达标重点村占{}，通硬化路、安全饮水和动力电已全覆盖，公交和宽带按计划推进（验收表和照片存县扶贫办）。",
                    month,
                    TargetKind::Percent.show(value)
                );
                store.report_task(&who, &id, value, &evidence, &d.to_string())?;
                out.reports += 1;
            }
        }
    }
    Ok(())
}

/// 阳谷县's half-year notice of its project funds, split to its townships (yes/no).
fn notices(store: &dyn Store, t: &Tree, as_of: Date, out: &mut Seeded) -> Result<(), StoreError> {
    let county = RegionCode::parse("371521")?;
    let on = day(2017, 4, 10);
    if as_of < on || t.below(&county).is_empty() {
        return Ok(());
    }
    let draft = TaskDraft {
        title: "2017年上半年扶贫项目和资金在村公告公示".into(),
        policy_id: None,
        indicator: Indicator::Reported,
        target_kind: Some(TargetKind::YesNo),
        unit_label: String::new(),
        year: 2017,
        target: 1,
        deadline: day(2017, 6, 20),
        down_to: Some(Level::Township),
        unit: "阳谷县扶贫开发领导小组办公室".into(),
        person: String::new(),
        description: "上半年安排的扶贫项目和资金，在项目所在村公告公示不少于10天，各乡镇报告公示情况并附照片。".into(),
    };
    let who = caller(Role::CountyOfficial, &county);
    let id = store.dispatch_task(&who, &draft, &on.to_string())?.task.id;
    out.tasks += 1;
    let towns = t.below(&county);
    let parts: Vec<Part> = towns.iter().map(|c| part(c, 1, day(2017, 6, 15), format!("{}人民政府", t.name(c)))).collect();
    out.targets += parts.len();
    store.split_task(&who, &id, &parts, "2017-04-12")?;
    for (i, town) in towns.iter().enumerate() {
        // Two townships in three have posted theirs; the rest have not.
        if i % 3 == 2 {
            continue;
        }
        let d = day(2017, 5, 10 + (i as u32 % 15));
        if d > as_of {
            continue;
        }
        let evidence = format!("{}在各项目村公示栏张贴项目和资金公示，公示期10天，无异议（照片已存档）。", t.name(town));
        store.report_task(&caller(role_of(town.level()), town), &id, 1, &evidence, &d.to_string())?;
        out.reports += 1;
    }
    Ok(())
}

pub fn seed_demo(store: &dyn Store, as_of: Date) -> Result<Seeded, StoreError> {
    let (province, t) = tree(store)?;
    let mut out = Seeded::default();
    exits(store, &t, &province, 2016, day(2016, 2, 1), &mut out)?;
    if as_of >= day(2017, 1, 20) {
        exits(store, &t, &province, 2017, day(2017, 1, 20), &mut out)?;
    }
    infrastructure(store, &t, &province, as_of, &mut out)?;
    notices(store, &t, as_of, &mut out)?;
    store.snapshot_tasks(as_of)?;
    Ok(out)
}
