//! Builds the demo province into an empty database: plans where the poor live, generates each
//! county (in parallel), and bulk-loads the rows, then builds indexes. The caller makes the
//! result visible only when complete (a file renamed into place, or a completion mark).

use crate::calibration::{city_targets, reconciliation, CITY_PEOPLE, LAIWU};
use crate::divisions;
use crate::generate::{self, CountyOutput, CountyPlan, VillageTarget};
use fupin_domain::access::Role;
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::{Path, Status};
use fupin_domain::Level;
use fupin_store::core::db::{Backend, BulkRows, Val};
use fupin_store::core::ledger::EVENT_COLS;
use fupin_store::registry::rows::*;
use fupin_store::schema::{indexes, tables};
use fupin_store::{Region, StoreError};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

pub struct BuildOptions {
    pub scale: f64,
    pub as_of: Date,
    pub rules: Rules,
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: String,
    pub helper_id: Option<String>,
}

impl DemoAccount {
    /// The stored user; a helper's account shows the paired helper's own name and unit.
    pub fn user_record(&self, store: &dyn fupin_store::Store, password_hash: &str) -> Result<fupin_store::UserRecord, StoreError> {
        let helper = self.helper_id.as_deref().map(|id| store.helper(id)).transpose()?.flatten();
        Ok(fupin_store::UserRecord {
            username: self.username.clone(),
            display_name: helper.map(|h| format!("{}（{}）", h.name, h.unit)).unwrap_or_else(|| self.display_name.clone()),
            role: self.role,
            region: fupin_domain::RegionCode::parse(&self.region)?,
            helper_id: self.helper_id.clone(),
            password_hash: password_hash.to_string(),
        })
    }
}

#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub regions: usize,
    /// Files and people registered at the end of 2015 (建档立卡), those since exited, removed or
    /// deceased included: what the official figures count.
    pub households: u64,
    pub people: u64,
    pub events: u64,
    pub helpers: u64,
    /// 边缘户 recorded outside the register (not in `households` or `people`).
    pub recorded_households: u64,
    pub exited_people_2016: u64,
    pub remaining_people: u64,
    pub aged_60_plus: u64,
    pub illness_or_disability_households: u64,
    pub dibao_or_tekun_households: u64,
    pub path_households: BTreeMap<&'static str, u64>,
    pub people_by_city: BTreeMap<String, u64>,
    pub households_by_city: BTreeMap<String, u64>,
    pub seconds: f64,
    /// Seconds spent waiting for generated counties, writing rows, and building indexes.
    pub phases: [f64; 3],
    pub accounts: Vec<DemoAccount>,
}

/// Where the poor live: people per county from the city table, per village by weights that
/// concentrate them in rural counties, some townships and the key villages. Each city's people
/// and households are split among its counties by cumulative rounding (a county gets what
/// brings the running total to the nearest whole number), so the city totals are those of
/// `city_targets` at any scale, to the nearest person and household.
pub fn plan(regions: &[Region], scale: f64, as_of: Date) -> Vec<CountyPlan> {
    let children: HashMap<&str, Vec<&Region>> =
        regions.iter().filter_map(|r| r.parent_code.as_deref().map(|p| (p, r))).fold(HashMap::new(), |mut m, (p, r)| {
            m.entry(p).or_default().push(r);
            m
        });
    let kids = |code: &str| children.get(code).cloned().unwrap_or_default();
    let spread = LogNormal::new(0.0, 0.9).expect("valid");
    let k = reconciliation();
    let mut plans = vec![];
    for (&(city, people, _), target) in CITY_PEOPLE.iter().zip(city_targets()) {
        let mut rng = ChaCha8Rng::seed_from_u64(city.parse::<u64>().expect("numeric"));
        // Counties with villages (a county without any could place no one).
        let counties: Vec<&Region> = kids(city).into_iter().filter(|c| kids(&c.code).iter().any(|t| !kids(&t.code).is_empty())).collect();
        let weights: Vec<f64> = counties
            .iter()
            .map(|c| {
                let urban = if c.name.ends_with('区') { 0.35 } else { 1.0 };
                let zone = if c.name.contains("开发区") || c.name.contains("高新") || c.name.contains("新区") { 0.25 } else { 1.0 };
                spread.sample(&mut rng) * urban * zone
            })
            .collect();
        let total: f64 = weights.iter().sum();
        // Running totals (exact, and as assigned) of the city's people and households.
        let (mut exact_people, mut exact_households, mut people_so_far, mut households_so_far) = (0.0, 0.0, 0u32, 0u32);
        for (c, w) in counties.iter().zip(weights) {
            let mut county_people = people as f64 * k * w / total;
            if LAIWU.0.contains(&c.code.as_str()) {
                county_people += LAIWU.1 as f64 * k / LAIWU.0.len() as f64;
            }
            let mut villages = vec![];
            let mut vw = vec![];
            for t in kids(&c.code) {
                let tw = spread.sample(&mut rng).powf(0.8);
                for v in kids(&t.code) {
                    let r = rng.random::<f64>();
                    let w = if r < 0.125 {
                        0.0
                    } else if r < 0.24 {
                        4.0
                    } else {
                        1.0
                    };
                    villages.push(v.code.clone());
                    vw.push(w * tw);
                }
            }
            // A county whose few villages all drew no poor still places its people.
            if vw.iter().all(|w| *w == 0.0) {
                vw.iter_mut().for_each(|w| *w = 1.0);
            }
            let targets =
                villages.into_iter().zip(vw).map(|(code, weight)| VillageTarget { code, weight }).filter(|v| v.weight > 0.0).collect();
            exact_people += county_people * scale;
            exact_households += county_people * scale / target.mean_size;
            let people = exact_people.round() as u32 - people_so_far;
            // At least one household for any people, and at most eight people in one.
            let households =
                (exact_households.round() as i64 - households_so_far as i64).clamp(people.div_ceil(8) as i64, people as i64) as u32;
            people_so_far += people;
            households_so_far += households;
            plans.push(CountyPlan { county: c.code.clone(), people, households, villages: targets, as_of });
        }
    }
    plans
}

/// Households per message from a generator to the writer: bounds the rows held in memory.
const CHUNK: usize = 5_000;

/// The county's rows, in chunks of `CHUNK` households (events and rollups with the last).
fn rows_of(out: &CountyOutput) -> Vec<Vec<BulkRows<'static>>> {
    let last_event: HashMap<&str, &str> = out.events.iter().map(|e| (e.household_id.as_str(), e.at.as_str())).collect();
    let mut chunks: Vec<Vec<BulkRows<'static>>> = out.households.chunks(CHUNK).map(|c| household_rows(c, &last_event)).collect();
    chunks.push(county_rows(out));
    chunks
}

fn household_rows(households: &[fupin_domain::registry::household::Household], last_event: &HashMap<&str, &str>) -> Vec<BulkRows<'static>> {
    let mut hh = BulkRows { table: "households", columns: HOUSEHOLD_COLS, rows: vec![] };
    let mut members = BulkRows { table: "members", columns: MEMBER_COLS, rows: vec![] };
    let mut incomes = BulkRows { table: "incomes", columns: INCOME_COLS, rows: vec![] };
    let mut pairs = BulkRows { table: "household_helpers", columns: PAIR_COLS, rows: vec![] };
    let mut measures = BulkRows { table: "measures", columns: MEASURE_COLS, rows: vec![] };
    for h in households {
        hh.rows.push(household_row(h, last_event.get(h.id.as_str()).copied().unwrap_or("2015-12-31")));
        members.rows.extend(h.members.iter().map(|m| member_row(h, m)));
        incomes.rows.extend(h.incomes.iter().map(|i| income_row(h, i)));
        pairs.rows.extend(h.helpers.iter().map(|x| vec![Val::from(h.id.as_str()), Val::from(x.id.as_str())]));
        measures.rows.extend(h.measures.iter().map(|m| measure_row(h, m)));
    }
    vec![hh, members, incomes, pairs, measures]
}

fn county_rows(out: &CountyOutput) -> Vec<BulkRows<'static>> {
    let helpers = BulkRows { table: "helpers", columns: HELPER_COLS, rows: out.helpers.iter().map(helper_row).collect() };
    let ledger = BulkRows { table: "ledger", columns: EVENT_COLS, rows: out.events.iter().map(|e| e.row()).collect() };
    let heads = BulkRows {
        table: "chain_heads",
        columns: &["county_code", "seq", "hash"],
        rows: out
            .events
            .last()
            .map(|e| vec![vec![e.county_code.as_str().into(), e.seq.into(), e.hash.as_str().into()]])
            .unwrap_or_default(),
    };
    let rollups = BulkRows {
        table: "rollups",
        columns: &["level_len", "region_code", "metric", "households", "persons"],
        rows: out
            .rollups
            .iter()
            .map(|(l, c, m, t)| vec![(*l).into(), c.as_str().into(), m.as_str().into(), t.households.into(), t.persons.into()])
            .collect(),
    };
    vec![helpers, ledger, heads, rollups]
}

/// What the report counts of one county, and what the demo accounts need to know.
fn tally(report: &mut BuildReport, out: &CountyOutput, as_of: Date, villages: &mut HashMap<String, (u64, Option<String>)>) {
    report.events += out.events.len() as u64;
    report.helpers += out.helpers.len() as u64;
    report.recorded_households += out.households.iter().filter(|h| h.status == Status::NonPoor).count() as u64;
    // The calibration figures are of the register: recorded households outside it are apart.
    for h in out.households.iter().filter(|h| h.status.is_registered()) {
        report.households += 1;
        let size = h.size() as u64;
        // The people registered at the end of 2015: every member the file was registered with
        // (the generator adds none later), those who have died since included.
        let registered = h.members.len() as u64;
        report.people += registered;
        *report.people_by_city.entry(h.village.as_str()[..4].to_string()).or_default() += registered;
        *report.households_by_city.entry(h.village.as_str()[..4].to_string()).or_default() += 1;
        if h.exited_year == Some(2016) {
            report.exited_people_2016 += size;
        }
        if h.status.is_remaining() {
            report.remaining_people += size;
        }
        report.aged_60_plus += h.active_members().filter(|m| m.id_number.birth_date().age_on(as_of) >= 60).count() as u64;
        if matches!(h.main_cause.code(), "01" | "02") {
            report.illness_or_disability_households += 1;
        }
        if h.attribute.code() != "1" {
            report.dibao_or_tekun_households += 1;
        }
        if let Some(m) = h.measures.first() {
            *report.path_households.entry(m.path.label()).or_default() += 1;
        }
        // For choosing the demo village: the one with the most households still to lift out.
        let v = villages.entry(h.village.to_string()).or_default();
        if h.status.is_remaining() {
            v.0 += 1;
        }
        if v.1.is_none() && h.status == Status::Poor {
            v.1 = h.helpers.first().map(|x| x.id.clone());
        }
    }
}

fn merge(into: &mut BuildReport, part: BuildReport) {
    into.households += part.households;
    into.people += part.people;
    into.events += part.events;
    into.helpers += part.helpers;
    into.recorded_households += part.recorded_households;
    into.exited_people_2016 += part.exited_people_2016;
    into.remaining_people += part.remaining_people;
    into.aged_60_plus += part.aged_60_plus;
    into.illness_or_disability_households += part.illness_or_disability_households;
    into.dibao_or_tekun_households += part.dibao_or_tekun_households;
    for (k, v) in part.path_households {
        *into.path_households.entry(k).or_default() += v;
    }
    for (k, v) in part.people_by_city {
        *into.people_by_city.entry(k).or_default() += v;
    }
    for (k, v) in part.households_by_city {
        *into.households_by_city.entry(k).or_default() += v;
    }
}

fn accounts(regions: &[Region], villages: &HashMap<String, (u64, Option<String>)>) -> Vec<DemoAccount> {
    let name = |code: &str| regions.iter().find(|r| r.code == code).map(|r| r.name.clone()).unwrap_or_default();
    // The village of 阳谷县 with the most remaining poor households (and a helper of one of
    // them), and that village's township.
    let village = villages
        .iter()
        .filter(|(v, (_, helper))| v.starts_with("371521") && helper.is_some())
        .max_by_key(|(v, (n, _))| (*n, std::cmp::Reverse((*v).clone())))
        .map(|(v, _)| v.clone())
        .unwrap_or_else(|| "371521100001".into());
    let town = village[..9].to_string();
    let helper = villages.get(&village).and_then(|(_, h)| h.clone());
    // Accounts are people: the page header shows the person's name and unit.
    let mut rng = ChaCha8Rng::seed_from_u64(20151029);
    let mut acct = |u: &str, unit: String, role: Role, region: &str, helper_id: Option<String>| {
        let male = rng.random_bool(0.6);
        let person = format!("{}{}", crate::names::surname(&mut rng), crate::names::given(&mut rng, male, 1975));
        DemoAccount { username: u.into(), display_name: format!("{person}（{unit}）"), role, region: region.into(), helper_id }
    };
    vec![
        acct("province", "山东省扶贫办".into(), Role::ProvinceOfficial, "37", None),
        acct("liaocheng", format!("{}扶贫办", name("3715")), Role::CityOfficial, "3715", None),
        acct("yanggu", format!("{}扶贫办", name("371521")), Role::CountyOfficial, "371521", None),
        acct("township", format!("{}扶贫工作站", name(&town)), Role::TownshipOfficial, &town, None),
        acct("village", name(&village), Role::VillageOfficial, &village, None),
        // The helper's name and unit are the paired helper's own (set when the account is stored).
        acct("helper", "帮扶责任人".into(), Role::Helper, "371521", helper),
        acct("department", "阳谷县卫生和计划生育局".into(), Role::Department, "371521", None),
        acct("donor", "山东鲁信爱心扶贫基金会".into(), Role::Donor, "37", None),
        acct("evaluator", "山东大学第三方评估中心".into(), Role::Evaluator, "3715", None),
    ]
}

/// Builds the province into `backend`, which must be empty.
pub fn build<B: Backend>(backend: &B, opts: &BuildOptions) -> Result<BuildReport, StoreError> {
    let started = Instant::now();
    let mut regions = divisions::parse(divisions::DIVISIONS_CSV)?;
    backend.batch(&tables(backend.keyed_table_suffix()))?;
    let plans = plan(&regions, opts.scale, opts.as_of);
    let total_people: u64 = plans.iter().map(|p| p.people as u64).sum();
    let bar = if opts.progress { ProgressBar::new(total_people) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} 人 ({eta})").expect("static template"),
    );
    bar.set_message("生成贫困户档案");
    let mut report = BuildReport::default();
    let mut villages: HashMap<String, (u64, Option<String>)> = HashMap::new();
    let mut rural: HashMap<String, i64> = HashMap::new();
    let mut county_people: BTreeMap<String, u64> = BTreeMap::new();
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<StoreError>> = Mutex::new(None);
    // Generators turn counties into row chunks in parallel; this thread only writes, so the
    // database never waits for generation and at most a few chunks are held in memory.
    enum Msg {
        Rows(Vec<BulkRows<'static>>),
        County { people: u64, report: BuildReport, villages: HashMap<String, (u64, Option<String>)>, rural: Vec<(String, i64)> },
    }
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(3);
        // Freeing millions of row values is real work: do it beside the writer, not in it.
        let (drop_tx, drop_rx) = std::sync::mpsc::sync_channel::<Vec<BulkRows<'static>>>(2);
        s.spawn(move || drop_rx.into_iter().for_each(drop));
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4);
        for _ in 0..workers {
            let tx = tx.clone();
            let (plans, next, rules, as_of) = (&plans, &next, &opts.rules, opts.as_of);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(p) = plans.get(i) else { break };
                let people = p.people as u64;
                let out = generate::county(p, rules);
                let mut part = BuildReport::default();
                let mut villages = HashMap::new();
                tally(&mut part, &out, as_of, &mut villages);
                for chunk in rows_of(&out) {
                    if tx.send(Msg::Rows(chunk)).is_err() {
                        return;
                    }
                }
                let msg = Msg::County { people, report: part, villages, rural: out.rural_population };
                if tx.send(msg).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut waited = Instant::now();
        for msg in rx {
            report.phases[0] += waited.elapsed().as_secs_f64();
            let writing = Instant::now();
            match msg {
                Msg::Rows(mut rows) => {
                    let mut failed = failure.lock().expect("not poisoned");
                    if failed.is_none() {
                        if let Err(e) = backend.bulk_insert(&mut rows) {
                            *failed = Some(e);
                        }
                    }
                    let _ = drop_tx.send(rows);
                }
                Msg::County { people, report: part, villages: v, rural: r } => {
                    if let Some((code, _)) = r.first() {
                        *county_people.entry(code[..6].to_string()).or_default() += part.people;
                    }
                    merge(&mut report, part);
                    villages.extend(v);
                    rural.extend(r);
                    bar.inc(people);
                }
            }
            report.phases[1] += writing.elapsed().as_secs_f64();
            waited = Instant::now();
        }
        drop(drop_tx);
    });
    if let Some(e) = failure.into_inner().expect("not poisoned") {
        return Err(e);
    }
    bar.set_message("写入行政区划并建立索引");
    // Rural population: generated per village, summed up the hierarchy (needed for incidence).
    let mut totals: HashMap<String, i64> = HashMap::new();
    for r in regions.iter().filter(|r| r.level == Level::Village) {
        let pop = rural.get(&r.code).copied().unwrap_or_else(|| 600 + (r.code.as_bytes()[11] as i64 * 37) % 900);
        for len in [2, 4, 6, 9, 12] {
            *totals.entry(r.code[..len].to_string()).or_default() += pop;
        }
    }
    for r in &mut regions {
        r.rural_population = totals.get(&r.code).copied().unwrap_or(0);
    }
    // 倒排工期: county exit targets from the provincial plan (2016: 1.2 M of 2.42 M registered;
    // 2017: 0.896 M; 2018: the rest), in proportion to each county's registered poor.
    let mut target_rows = vec![];
    for (county, people) in &county_people {
        for (year, share) in crate::calibration::EXIT_TARGETS {
            target_rows.push(vec![Val::from(county.as_str()), Val::from(*year), Val::from((*people as f64 * share).round() as i64)]);
        }
    }
    backend.bulk_insert(&mut [BulkRows { table: "targets", columns: &["region_code", "year", "persons"], rows: target_rows }])?;
    let region_rows = regions.iter().map(fupin_store::platform::region_row).collect();
    backend.bulk_insert(&mut [BulkRows {
        table: "regions",
        columns: &["code", "name", "level", "parent_code", "rural_population"],
        rows: region_rows,
    }])?;
    let indexing = Instant::now();
    backend.batch(&indexes())?;
    report.phases[2] = indexing.elapsed().as_secs_f64();
    bar.finish_and_clear();
    report.regions = regions.len();
    report.accounts = accounts(&regions, &villages);
    report.seconds = started.elapsed().as_secs_f64();
    let _ = Path::ALL;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fupin_domain::registry::codes::Relation;
    use fupin_store::prelude::*;
    use fupin_store::sql_store::SqlStore;
    use fupin_store::sqlite::Sqlite;

    /// The scale of the small test build: about 24,000 people in 12,000 households.
    const SMALL: f64 = 0.01;

    fn small() -> (tempfile::TempDir, BuildReport, SqlStore<Sqlite>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let opts = BuildOptions { scale: SMALL, as_of: Date::new(2017, 6, 30).unwrap(), rules: Rules::default(), progress: false };
        let report = build(&Sqlite::open_for_bulk_build(&path).unwrap(), &opts).unwrap();
        let store = SqlStore::new(Sqlite::open(&path).unwrap(), Rules::default()).unwrap();
        (dir, report, store)
    }

    /// Whether `got` is within 0.5% of `official` scaled by `scale`, give or take `rounding`
    /// people or households.
    fn within(got: u64, official: f64, scale: f64, rounding: f64) -> bool {
        let want = official * scale;
        (got as f64 - want).abs() <= 0.005 * want + rounding
    }

    #[test]
    fn calibrated_to_the_official_figures() {
        use crate::calibration::{official_city_people, OFFICIAL_HOUSEHOLDS, OFFICIAL_PEOPLE};
        let (_dir, r, _) = small();
        // The tolerance is the 0.5% plus rounding, and no sampling error: the plan gives
        // each city its people and households to the nearest whole number (cumulative rounding
        // over its counties), and each county generates exactly the people and households
        // planned. So a city is off by at most half a person, and by at most half a household
        // plus one (the last county of a city with a person or two must still have a household,
        // which the cities' totals cannot take back); the province by the sum over its sixteen
        // cities. At this scale 东营 has 43 people, and half a person is 1.2% of it.
        let cities = CITY_PEOPLE.len() as f64;
        assert!(within(r.people, OFFICIAL_PEOPLE as f64, SMALL, cities * 0.5), "people {}", r.people);
        assert!(within(r.households, OFFICIAL_HOUSEHOLDS as f64, SMALL, cities * 1.5), "households {}", r.households);
        for &(city, _, mean) in CITY_PEOPLE {
            let people = r.people_by_city.get(city).copied().unwrap_or(0);
            let official = official_city_people(city) as f64;
            assert!(within(people, official, SMALL, 0.5), "{city}: {people} people, official {official}");
            if let Some(mean) = mean {
                let households = r.households_by_city[city];
                assert!(within(households, official / mean, SMALL, 1.5), "{city}: {households} households");
            }
        }
        let share = |a: u64, b: u64| a as f64 / b as f64;
        let people = r.people as f64;
        let heze = r.people_by_city["3717"] as f64 / people;
        assert!((0.34..0.40).contains(&heze), "菏泽 share {heze}");
        let dongying = r.people_by_city.get("3705").copied().unwrap_or(0) as f64 / people;
        assert!(dongying < 0.01, "东营 share {dongying}");
        assert!((0.36..0.46).contains(&share(r.aged_60_plus, r.people)), "60+ {}", share(r.aged_60_plus, r.people));
        assert!((0.54..0.66).contains(&share(r.illness_or_disability_households, r.households)), "illness+disability");
        assert!((0.27..0.40).contains(&share(r.dibao_or_tekun_households, r.households)), "dibao/tekun");
        assert!((0.56..0.68).contains(&share(r.exited_people_2016, r.people)), "2016 exits");
        let size = people / r.households as f64;
        assert!((1.6..2.3).contains(&size), "household size {size}");
    }

    /// The whole province's plan (cheap: no files generated) meets the figures within 0.5%,
    /// province-wide and per city, and the small build above shows the generator realises it.
    #[test]
    fn the_full_scale_plan_meets_the_official_figures() {
        use crate::calibration::{official_city_people, OFFICIAL_HOUSEHOLDS, OFFICIAL_PEOPLE};
        let regions = divisions::parse(divisions::DIVISIONS_CSV).unwrap();
        let plans = plan(&regions, 1.0, Date::new(2017, 6, 30).unwrap());
        let (mut people, mut households) = (BTreeMap::<&str, u64>::new(), BTreeMap::<&str, u64>::new());
        for p in &plans {
            *people.entry(&p.county[..4]).or_default() += p.people as u64;
            *households.entry(&p.county[..4]).or_default() += p.households as u64;
            assert!(p.households <= p.people && p.people <= 8 * p.households && !p.villages.is_empty(), "{}", p.county);
        }
        assert!(within(people.values().sum(), OFFICIAL_PEOPLE as f64, 1.0, 0.0));
        assert!(within(households.values().sum(), OFFICIAL_HOUSEHOLDS as f64, 1.0, 0.0));
        for &(city, _, mean) in CITY_PEOPLE {
            let official = official_city_people(city) as f64;
            assert!(within(people[city], official, 1.0, 0.0), "{city}: {} people, official {official}", people[city]);
            if let Some(mean) = mean {
                assert!(within(households[city], official / mean, 1.0, 0.0), "{city}: {} households", households[city]);
            }
        }
    }

    /// A province that updates its files yearly has few stale ones, and the duplicates the demo
    /// plants (a daughter listed again in her husband's file) are what 数据核查 finds: rare, and
    /// each pair within one county.
    #[test]
    fn the_data_checks_find_the_planted_duplicates_and_few_stale_files() {
        let (_dir, r, store) = small();
        let province = fupin_domain::RegionCode::parse("37").unwrap();
        let caller = fupin_domain::access::Caller::system(province.clone());
        let report = store.data_checks(&caller, &province, Date::new(2017, 6, 30).unwrap()).unwrap();
        let count = |k: &str| report.counts[k].1 as u64;
        let e = store.yearly_update(&caller, &province, 2017, Date::new(2017, 6, 30).unwrap()).unwrap();
        let remaining = e.counts["still_poor"] + e.counts.get("meets_exit").copied().unwrap_or(0);
        assert!(count("stale") > 0 && count("stale") * 50 <= remaining, "{} stale of {remaining} still poor", count("stale"));
        let twins: Vec<&fupin_store::Finding> = report.findings.iter().filter(|f| f.kind == "person_in_two_households").collect();
        assert_eq!(twins.len() as u64, count("person_in_two_households"), "all listed at this scale");
        assert!(twins.len() >= 100 && twins.len() as u64 * 50 <= r.households, "{} flagged in {} files", twins.len(), r.households);
        // Each flagged member has a partner in the same county, and most are the planted brides.
        let mut pairs: BTreeMap<(String, &str), u32> = BTreeMap::new();
        let mut planted = 0;
        for f in &twins {
            let name = f.message.rsplit('：').next().unwrap().to_string();
            *pairs.entry((name.clone(), &f.household_id[..6])).or_default() += 1;
            let h = store.household(&caller, &f.household_id).unwrap();
            let m = h.active_members().find(|m| m.name == name).expect("the flagged member");
            if matches!(m.relation, Relation::DaughterInLaw | Relation::Daughter) {
                planted += 1;
            }
        }
        assert!(pairs.values().all(|n| *n >= 2), "a flagged member without a partner in the county: {pairs:?}");
        assert!(planted * 10 >= twins.len() * 9, "{planted} of {} flagged are the planted brides", twins.len());
    }

    #[test]
    fn bulk_rollups_equal_a_recount_and_chains_verify() {
        let (_dir, _, store) = small();
        assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
        let v = store.verify_ledger().unwrap();
        assert_eq!(v.broken, None);
        assert!(v.chains > 100, "one chain per county with files: {}", v.chains);
    }

    #[test]
    fn generated_files_are_valid_and_consistent() {
        let (_dir, r, store) = small();
        let caller = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37").unwrap());
        let page = store
            .search_households(
                &caller,
                &fupin_store::HouseholdQuery {
                    region: Some(fupin_domain::RegionCode::parse("3717").unwrap()),
                    per_page: 200,
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(!page.items.is_empty());
        for s in &page.items {
            let h = store.household(&caller, &s.id).unwrap();
            h.validate().unwrap();
            for m in &h.members {
                assert_eq!(m.id_number.region6(), &h.village.as_str()[..6]);
                let age = m.id_number.birth_date().age_on(Date::new(2017, 6, 30).unwrap());
                if (7..=14).contains(&age) {
                    assert!(m.schooling.is_compulsory(), "school-age member in school: {age} {:?}", m.schooling);
                }
                if matches!(m.health, fupin_domain::registry::codes::Health::Serious | fupin_domain::registry::codes::Health::Disabled) {
                    assert!(!m.labour.can_work());
                }
            }
            if h.status == Status::Exited {
                let y = h.exited_year.unwrap();
                let line = Rules::default().poverty_line(y).unwrap();
                assert!(h.per_capita_for_exit(y).unwrap() > line, "exited households are above the line");
            }
        }
        let names: Vec<&str> = r.accounts.iter().map(|a| a.username.as_str()).collect();
        assert_eq!(names, ["province", "liaocheng", "yanggu", "township", "village", "helper", "department", "donor", "evaluator"]);
        let village = r.accounts.iter().find(|a| a.username == "village").unwrap();
        assert!(village.region.starts_with("371521") && village.region.len() == 12);
        assert!(r.accounts.iter().find(|a| a.username == "helper").unwrap().helper_id.is_some());
    }
}
