//! Generates one county: its households (final state as of the as-of date), helpers, the
//! chained history of events, rollup rows and village rural populations.

use crate::names;
use fupin_domain::id_number::Date;
use fupin_domain::maps::rollup::{self, Delta, Tally};
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::*;
use fupin_domain::{IdNumber, RegionCode, Yuan};
use fupin_store::core::ledger::{Event, GENESIS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};

/// A village and its weight: its share of the county's poor is weight / total weight.
pub struct VillageTarget {
    pub code: String,
    pub weight: f64,
}

pub struct CountyPlan {
    pub county: String,
    /// Registered poor people to place in the county, and their households.
    pub people: u32,
    pub households: u32,
    pub villages: Vec<VillageTarget>,
    pub as_of: Date,
}

#[derive(Default)]
pub struct CountyOutput {
    pub households: Vec<Household>,
    pub helpers: Vec<Helper>,
    pub events: Vec<Event>,
    /// `(level_len, region_code, metric, tally)` for the county, its townships and villages.
    pub rollups: Vec<(i64, String, String, Tally)>,
    pub rural_population: Vec<(String, i64)>,
}

fn seed_of(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (v, w) in items {
        if x < *w {
            return v;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("generated dates are valid")
}

fn random_date(rng: &mut impl Rng, y: i32, from_month: u32, to_month: u32) -> Date {
    let m = rng.random_range(from_month..=to_month);
    date(y, m, rng.random_range(1..=28))
}

/// Share of a year's exits done by `as_of`: exits gather toward the year's end.
fn progress(as_of: Date, year: i32) -> f64 {
    if as_of.year > year {
        1.0
    } else if as_of.year < year {
        0.0
    } else {
        let f = ((as_of.month - 1) as f64 * 30.5 + as_of.day as f64) / 366.0;
        f.powf(1.5).min(1.0)
    }
}

struct Gen<'a> {
    rng: ChaCha8Rng,
    plan: &'a CountyPlan,
    used_ids: HashSet<String>,
    out: CountyOutput,
    helper_seq: u32,
    /// The helper currently taking households, and how many more it takes.
    helper_slots: Option<(Helper, u32)>,
    events: Vec<Event>,
    /// Recent daughters of marrying age, one of whom a later file lists again as a
    /// daughter-in-law (the duplicate the data checks must find).
    brides: Vec<Member>,
    /// Duplicates still to plant.
    twins_due: u32,
}

impl Gen<'_> {
    fn id_number(&mut self, birth: Date, male: bool) -> IdNumber {
        loop {
            let mut seq = self.rng.random_range(0..1000u32);
            if (seq % 2 == 1) != male {
                seq = (seq + 1) % 1000;
            }
            let id = IdNumber::build(&self.plan.county, birth, seq);
            if self.used_ids.insert(id.to_string()) {
                return id;
            }
        }
    }

    fn phone(&mut self) -> String {
        let prefix = ["138", "139", "150", "151", "152", "158", "159", "182", "187", "135", "136", "177"];
        format!("{}{:08}", prefix[self.rng.random_range(0..prefix.len())], self.rng.random_range(0..100_000_000u32))
    }

    fn member(&mut self, no: i64, relation: Relation, age: i32, male: bool, surname: &str, cause: Cause, attribute: Attribute) -> Member {
        let as_of = self.plan.as_of;
        let birth_year = as_of.year - age;
        let birth = date(birth_year, self.rng.random_range(1..=12), self.rng.random_range(1..=28));
        // Nobody is born after the business date (a baby of this year is born before it).
        let birth = if birth > as_of { date(birth_year, self.rng.random_range(1..=as_of.month), 1) } else { birth };
        let id_number = self.id_number(birth, male);
        let age = birth.age_on(as_of);
        let r = self.rng.random::<f64>();
        let health = match (cause, relation) {
            (Cause::Illness, Relation::Head) => {
                if r < 0.55 {
                    Health::Serious
                } else {
                    Health::Chronic
                }
            }
            (Cause::Disability, Relation::Head) => Health::Disabled,
            _ if age >= 60 && r < 0.35 => Health::Chronic,
            _ if r < 0.04 => Health::Disabled,
            _ => Health::Healthy,
        };
        let schooling = match age {
            3..=5 => Schooling::Preschool,
            6..=11 => Schooling::Primary,
            12 => Schooling::Grade7,
            13 => Schooling::Grade8,
            14 => Schooling::Grade9,
            15 => Schooling::Senior1,
            16 => Schooling::Senior2,
            17 => Schooling::Senior3,
            18..=21 if r < 0.25 => Schooling::University,
            _ => Schooling::NotInSchool,
        };
        let education = match age {
            0..=5 => Education::Preschool,
            6..=11 => Education::Primary,
            12..=14 => Education::Primary,
            15..=17 => Education::Junior,
            _ if schooling == Schooling::University => Education::Senior,
            _ if age >= 60 => {
                if r < 0.5 {
                    Education::Illiterate
                } else {
                    Education::Primary
                }
            }
            _ => *pick(
                &mut self.rng,
                &[(Education::Primary, 0.35), (Education::Junior, 0.5), (Education::Senior, 0.12), (Education::College, 0.03)],
            ),
        };
        let labour = if age < 16 || schooling != Schooling::NotInSchool || age >= 70 {
            Labour::None
        } else if matches!(health, Health::Serious | Health::Disabled) {
            Labour::Lost
        } else if self.rng.random::<f64>() < 0.12 {
            Labour::Skilled
        } else {
            Labour::Ordinary
        };
        let (work_status, months_away) = if labour.can_work() && age <= 55 && self.rng.random::<f64>() < 0.45 {
            let w = *pick(
                &mut self.rng,
                &[
                    (WorkStatus::InTownship, 0.2),
                    (WorkStatus::InCounty, 0.35),
                    (WorkStatus::InProvince, 0.3),
                    (WorkStatus::OutOfProvince, 0.15),
                ],
            );
            (w, self.rng.random_range(3..=11))
        } else {
            (WorkStatus::None, 0)
        };
        let given = names::given_name(&mut self.rng, male, birth_year);
        let phone = if relation == Relation::Head && self.rng.random::<f64>() < 0.7 { self.phone() } else { String::new() };
        Member {
            no,
            name: format!("{surname}{given}"),
            sex: if male { Sex::Male } else { Sex::Female },
            id_number,
            relation,
            ethnicity: if self.rng.random::<f64>() < 0.993 { "汉族".into() } else { "回族".into() },
            education,
            schooling,
            health,
            labour,
            work_status,
            months_away,
            dibao: relation == Relation::Head && attribute == Attribute::Dibao,
            medical_insurance: self.rng.random::<f64>() < 0.985,
            serious_illness_insurance: self.rng.random::<f64>() < 0.95,
            pension_insurance: age >= 16 && self.rng.random::<f64>() < 0.75,
            phone,
            // The form's own birth date: copied from the ID card, with the odd clerical slip
            // (about 1 in 1,000) that the data checks exist to catch.
            birth_date: Some(if self.rng.random::<f64>() < 0.001 {
                Date::new(birth.year, birth.month, if birth.day == 1 { 2 } else { birth.day - 1 }).unwrap_or(birth)
            } else {
                birth
            }),
            left: None,
        }
    }

    fn household(&mut self, village: &str, seq: u32, size: usize) -> Household {
        let main_cause = Cause::parse(*pick(&mut self.rng, crate::calibration::CAUSE_SHARE)).expect("calibration codes are valid");
        let elderly = self.rng.random::<f64>() < if size <= 2 { 0.66 } else { 0.34 };
        let attribute = *pick(
            &mut self.rng,
            &[
                (Attribute::Ordinary, if elderly { 0.55 } else { 0.78 }),
                (Attribute::Dibao, if elderly { 0.33 } else { 0.2 }),
                (Attribute::TekunScattered, if elderly && size == 1 { 0.25 } else { 0.015 }),
                (Attribute::TekunCentral, if elderly && size == 1 { 0.05 } else { 0.003 }),
            ],
        );
        let surname = names::surname(&mut self.rng);
        let head_male = self.rng.random::<f64>() < 0.72;
        let head_age = if elderly { self.rng.random_range(60..=90) } else { self.rng.random_range(28..=59) };
        let mut members = vec![self.member(1, Relation::Head, head_age, head_male, surname, main_cause, attribute)];
        let mut no = 2;
        if size >= 2 && self.rng.random::<f64>() < 0.8 {
            let age = (head_age + self.rng.random_range(-5..=5)).clamp(20, 95);
            let spouse_surname = names::surname(&mut self.rng);
            members.push(self.member(no, Relation::Spouse, age, !head_male, spouse_surname, main_cause, attribute));
            no += 1;
        }
        while members.len() < size {
            let (relation, age) = if head_age >= 60 && self.rng.random::<f64>() < 0.5 {
                (if self.rng.random() { Relation::Grandson } else { Relation::Granddaughter }, self.rng.random_range(2..=17))
            } else {
                let age = (head_age - self.rng.random_range(22..=32)).max(0);
                (if self.rng.random() { Relation::Son } else { Relation::Daughter }, age)
            };
            let male = matches!(relation, Relation::Son | Relation::Grandson);
            members.push(self.member(no, relation, age, male, surname, Cause::Other, attribute));
            no += 1;
        }
        let mut others: Vec<Cause> = vec![];
        for _ in 0..self.rng.random_range(0..=2) {
            let c = Cause::ALL[self.rng.random_range(0..Cause::ALL.len())];
            if c != main_cause && !others.contains(&c) {
                others.push(c);
            }
        }
        let banks = ["农村商业银行", "中国农业银行", "中国邮政储蓄银行"];
        let bank = banks[self.rng.random_range(0..banks.len())].to_string();
        let bank_account = format!("6228{:012}", self.rng.random_range(0..1_000_000_000_000u64));
        let phone = members[0].phone.clone();
        let r = self.rng.random::<f64>();
        Household {
            id: format!("{village}{seq:04}"),
            village: RegionCode::parse(village).expect("villages from the divisions file"),
            status: Status::Poor,
            attribute,
            standard: if r < 0.46 { Standard::National } else { Standard::Provincial },
            main_cause,
            other_causes: others,
            phone,
            bank,
            bank_account,
            planned_exit_year: Some(if self.rng.random::<f64>() < 0.62 { 2016 } else { 2017 }),
            registered_year: 2015,
            exited_year: None,
            monitoring: None,
            form_version: "SD-2016".into(),
            conditions: Conditions {
                food_clothing: self.rng.random::<f64>() < 0.9,
                compulsory_education: true,
                medical_insurance: self.rng.random::<f64>() < 0.93,
                safe_housing: self.rng.random::<f64>() < 0.8,
                safe_water: self.rng.random::<f64>() < 0.9,
                electricity: true,
            },
            details: Details {
                cultivated_land_mu: (self.rng.random_range(0..60) as f64) / 10.0,
                housing_area_m2: self.rng.random_range(30..140) as f64,
                dangerous_house: match self.rng.random_range(0..10) {
                    0 => "C".into(),
                    1 => "D".into(),
                    _ => String::new(),
                },
                relocation: false,
                military_family: self.rng.random::<f64>() < 0.01,
                sanitary_toilet: self.rng.random::<f64>() < 0.5,
                distance_to_road_km: (self.rng.random_range(0..50) as f64) / 10.0,
                cooperative: self.rng.random::<f64>() < 0.3,
            },
            version: 1,
            members,
            incomes: vec![],
            helpers: vec![],
            measures: vec![],
        }
    }

    /// 五个一批: households without labour mostly get social security; the others production
    /// or employment, a few relocation or ecological compensation.
    fn measures(&mut self, h: &mut Household, village: &str) {
        let has_labour = h.active_members().any(|m| m.labour.can_work());
        let path = if !has_labour {
            *pick(&mut self.rng, &[(Path::SocialSecurity, 0.6), (Path::Production, 0.38), (Path::Ecological, 0.02)])
        } else {
            *pick(
                &mut self.rng,
                &[
                    (Path::Production, 0.58),
                    (Path::Employment, 0.34),
                    (Path::Relocation, 0.04),
                    (Path::Ecological, 0.015),
                    (Path::SocialSecurity, 0.025),
                ],
            )
        };
        let (name, unit) = match path {
            Path::Production => {
                (["特色种养", "光伏扶贫", "合作社入股分红", "资产收益", "富民农户贷"][self.rng.random_range(0..5)], "县扶贫办")
            }
            Path::Employment => (["转移就业培训", "扶贫公益岗位", "农村电商"][self.rng.random_range(0..3)], "县人社局"),
            Path::Relocation => ("易地扶贫搬迁", "县发改局"),
            Path::Ecological => (["生态补偿", "生态护林员"][self.rng.random_range(0..2)], "县林业局"),
            Path::SocialSecurity => (["低保兜底", "特困供养", "医疗救助"][self.rng.random_range(0..3)], "县民政局"),
        };
        if path == Path::Relocation {
            h.details.relocation = true;
        }
        let amount = Yuan::from_yuan(self.rng.random_range(5..=100) * 100);
        h.measures.push(Measure { no: 1, path, name: name.into(), amount, unit: unit.into(), year: 2016 });
        let student = h.active_members().any(|m| m.schooling != Schooling::NotInSchool && m.schooling != Schooling::Preschool);
        if student && self.rng.random::<f64>() < 0.7 {
            h.measures.push(Measure {
                no: 2,
                path,
                name: "雨露计划教育资助".into(),
                amount: Yuan::from_yuan(3000),
                unit: "县教育局".into(),
                year: 2016,
            });
        } else if h.main_cause == Cause::Illness && self.rng.random::<f64>() < 0.5 {
            h.measures.push(Measure {
                no: 2,
                path,
                name: "大病保险".into(),
                amount: Yuan::from_yuan(self.rng.random_range(10..=200) * 100),
                unit: "县卫计局".into(),
                year: 2016,
            });
        }
        let _ = village;
    }

    fn assign_helper(&mut self, h: &mut Household, cap: u32) {
        let need_new = !matches!(self.helper_slots, Some((_, n)) if n > 0);
        if need_new {
            self.helper_seq += 1;
            let surname = names::surname(&mut self.rng);
            let male = self.rng.random::<f64>() < 0.7;
            let given = names::given(&mut self.rng, male, 1975);
            let units = [
                "县委组织部",
                "县财政局",
                "县农业局",
                "县教育局",
                "县卫计局",
                "县住建局",
                "镇政府",
                "县供电公司",
                "县农商银行",
                "市直派驻单位",
            ];
            let helper = Helper {
                id: format!("{}{:06}", self.plan.county, self.helper_seq),
                name: format!("{surname}{given}"),
                unit: units[self.rng.random_range(0..units.len())].into(),
                phone: self.phone(),
            };
            self.out.helpers.push(helper.clone());
            self.helper_slots = Some((helper, self.rng.random_range(2..=cap)));
        }
        let (helper, left) = self.helper_slots.as_mut().expect("set above");
        h.helpers.push(helper.clone());
        *left -= 1;
    }

    fn income(&mut self, h: &Household, year: i32, above: Option<Yuan>) -> Income {
        // Per-capita targets: below the 2015 line at registration; above the year's line once out.
        let size = h.size().max(1);
        let per_capita = match above {
            Some(line) => line.fen() + self.rng.random_range(100_00..2_500_00),
            None => self.rng.random_range(1_100_00..3_300_00),
        };
        let total = per_capita * size;
        let wage_share = if h.active_members().any(|m| m.work_status != WorkStatus::None) { 0.6 } else { 0.1 };
        let wage = (total as f64 * wage_share) as i64;
        let transfer = (total as f64 * 0.2) as i64;
        let expenses = self.rng.random_range(0..30_000_00).min(total / 5);
        let business = total - wage - transfer + expenses;
        let excluded = if h.main_cause == Cause::Illness { self.rng.random_range(0..5_000_00) } else { 0 };
        // 刚性支出: households poor through illness, disability or disaster carry some; a few
        // face a year far worse than usual (a serious operation, a flood).
        let hard = match h.main_cause {
            Cause::Illness | Cause::Disability | Cause::Disaster if self.rng.random::<f64>() < 0.03 => {
                total + self.rng.random_range(0..20_000_00)
            }
            Cause::Illness | Cause::Disability | Cause::Disaster => self.rng.random_range(0..total / 4 + 1),
            _ => 0,
        };
        Income {
            year,
            wage: Yuan::from_fen(wage),
            business: Yuan::from_fen(business),
            property: Yuan::ZERO,
            transfer: Yuan::from_fen(transfer),
            transfer_excluded: Yuan::from_fen(excluded),
            expenses: Yuan::from_fen(expenses),
            hard_expenses: Yuan::from_fen(hard),
        }
    }

    fn event(&mut self, h: &Household, kind: &str, at: Date, actor: &str, reason: &str, payload: serde_json::Value) {
        self.events.push(Event::new(&self.plan.county, &h.id, kind, actor, &at.to_string(), reason, payload.to_string()));
    }

    fn status_event(&mut self, h: &mut Household, to: Status, year: i32, at: Date, reason: &str) {
        let before = json!({"status": h.status, "exited_year": h.exited_year});
        let was = (h.status, h.size());
        h.status = to;
        h.exited_year = matches!(to, Status::Exited | Status::ExitedNoPolicy).then_some(year);
        let after = json!({"status": h.status, "exited_year": h.exited_year});
        let flow = rollup::flow(to, year);
        h.version += 1;
        let mut payload =
            rollup::flow_fields(flow.as_deref(), h.size(), rollup::remaining_change(Some(was), (to, h.size()), year).as_ref());
        payload["before"] = before;
        payload["after"] = after;
        self.event(h, "set_status", at, "demo", reason, payload);
    }

    /// This year's income entered for a household still poor; about a third already meet
    /// every standard and wait for their exit to be proposed.
    fn current_year(&mut self, h: &mut Household, rules: &fupin_domain::config::Rules) {
        let year = self.plan.as_of.year;
        if !h.status.is_remaining() || year < 2016 || h.income(year).is_some() || self.rng.random::<f64>() >= 0.35 {
            return;
        }
        let Some(line) = rules.poverty_line(year) else { return };
        let income = self.income(h, year, Some(line));
        h.incomes.push(income.clone());
        h.version += 1;
        let at = random_date(&mut self.rng, year, 1, self.plan.as_of.month).min(self.plan.as_of);
        self.event(h, "set_income", at, "demo", "年度收入录入", json!({"before": null, "after": income, "size": h.size()}));
        h.conditions = Conditions::all_met();
        h.details.dangerous_house.clear();
        for m in &mut h.members {
            m.medical_insurance = true;
        }
    }

    /// 动态调整 at the end of `year`: the year's income entered for a file still poor, which
    /// touches the file; a few are missed and stay stale for 数据核查 to find.
    fn review(&mut self, h: &mut Household, year: i32) {
        if h.income(year).is_some() || self.rng.random::<f64>() < STALE_SHARE {
            return;
        }
        let income = self.income(h, year, None);
        h.incomes.push(income.clone());
        h.version += 1;
        let at = random_date(&mut self.rng, year, 10, 12).min(self.plan.as_of);
        let reason = format!("{year}年度动态调整：录入年度收入");
        self.event(h, "set_income", at, "demo", &reason, json!({"before": null, "after": income, "size": h.size()}));
    }

    /// A daughter married into this household is listed here as 之儿媳 under a new ID number
    /// while her parents' file still lists her: the same name and birth date in two files of
    /// one county, the duplicate 数据核查 exists to find. Planted where a file has a child or
    /// grandchild in its last place (who gives the place up) and a daughter is at hand.
    fn plant_twin(&mut self, h: &mut Household) {
        if self.twins_due == 0 || h.members.len() < 3 {
            return;
        }
        let last = h.members.last().expect("three members");
        if !matches!(last.relation, Relation::Son | Relation::Daughter | Relation::Grandson | Relation::Granddaughter) {
            return;
        }
        let Some(bride) = self.brides.pop() else { return };
        let no = last.no;
        let id_number = self.id_number(bride.id_number.birth_date(), false);
        *h.members.last_mut().expect("three members") =
            Member { no, relation: Relation::DaughterInLaw, id_number, phone: String::new(), ..bride };
        self.twins_due -= 1;
    }

    /// Keeps the file's registered daughters of 20–35 as brides for `plant_twin`.
    fn keep_brides(&mut self, h: &Household) {
        if !h.status.is_registered() || self.twins_due == 0 && self.brides.len() >= 8 {
            return;
        }
        let as_of = self.plan.as_of;
        let daughters =
            h.active_members().filter(|m| m.relation == Relation::Daughter && (20..=35).contains(&m.id_number.birth_date().age_on(as_of)));
        self.brides.extend(daughters.cloned());
        if self.brides.len() > 8 {
            self.brides.remove(0);
        }
    }

    /// 边缘户: a rural household never registered, recorded this year for 防返贫监测 after a
    /// cadre's visit; its income lies near the line (1.3–2× of it), some with hard expenses.
    fn recorded(&mut self, h: &mut Household, rules: &fupin_domain::config::Rules) {
        let as_of = self.plan.as_of;
        h.status = Status::NonPoor;
        h.attribute = Attribute::Ordinary;
        h.planned_exit_year = None;
        h.registered_year = as_of.year;
        h.conditions = Conditions::all_met();
        h.details.dangerous_house.clear();
        for m in &mut h.members {
            m.dibao = false;
        }
        for year in [as_of.year - 1, as_of.year] {
            let Some(line) = rules.poverty_line(year) else { continue };
            let near = Yuan::from_fen(line.fen() * 13 / 10);
            let income = self.income(h, year, Some(near));
            h.incomes.push(income);
        }
        let at = random_date(&mut self.rng, as_of.year, 1, as_of.month.max(1)).min(as_of);
        let payload = json!({"after": fupin_store::registry::rows::registration_summary(h), "size": h.size(), "flow": rollup::flow(Status::NonPoor, as_of.year)});
        self.event(h, "register", at, "demo", "入户排查录入（边缘户，未建档立卡）", payload);
    }

    /// The file's history from registration to the as-of date.
    fn history(&mut self, h: &mut Household, rules: &fupin_domain::config::Rules) {
        let as_of = self.plan.as_of;
        let reg_at = random_date(&mut self.rng, 2015, 10, 12);
        let flow = rollup::flow(Status::Poor, 2015);
        let mut payload = rollup::flow_fields(flow.as_deref(), h.size(), rollup::remaining_flow(None, h, 2015).as_ref());
        payload["after"] = fupin_store::registry::rows::registration_summary(h);
        self.event(h, "register", reg_at, "demo", "2015年建档立卡", payload);
        let income2015 = self.income(h, 2015, None);
        h.incomes.push(income2015);
        let has_labour = h.active_members().any(|m| m.labour.can_work());
        // A few files turn out wrongly included and are removed (清退) in 2016.
        if as_of >= date(2016, 9, 30) && self.rng.random::<f64>() < 0.003 {
            let at = random_date(&mut self.rng, 2016, 4, 9);
            self.status_event(h, Status::Removed, 2016, at, "核查发现不符合识别标准，予以清退");
            return;
        }
        // A member dies in about 1.5% of files.
        if as_of >= date(2016, 12, 31) && self.rng.random::<f64>() < 0.015 {
            let was = (h.status, h.size());
            if let Some(m) = h.members.iter_mut().find(|m| m.relation != Relation::Head && m.is_active()) {
                m.left = Some(MemberChange::Death);
                let no = m.no;
                h.version += 1;
                let at = random_date(&mut self.rng, 2016, 1, 12);
                let mut payload =
                    rollup::flow_fields(None, h.size(), rollup::remaining_change(Some(was), (h.status, h.size()), at.year).as_ref());
                payload["before"] = json!({"no": no, "left": null});
                payload["after"] = json!({"no": no, "left": MemberChange::Death, "date": at.to_string()});
                self.event(h, "member_left", at, "demo", "成员死亡", payload);
            }
        }
        for &(year, share) in crate::calibration::EXIT_SHARE {
            if !h.status.is_remaining() {
                break;
            }
            if year > 2016 && as_of.year >= year {
                self.review(h, year - 1);
            }
            let weight = if has_labour { 1.15 } else { 0.8 };
            if self.rng.random::<f64>() >= (share * weight).min(0.98) * progress(as_of, year) {
                continue;
            }
            let line = rules.poverty_line(year).expect("lines configured from 2014");
            let income = self.income(h, year, Some(line));
            h.incomes.push(income);
            h.conditions = Conditions::all_met();
            let at = if year == as_of.year {
                random_date(&mut self.rng, year, 1, as_of.month.max(1))
            } else {
                random_date(&mut self.rng, year, 9, 12)
            };
            let at = at.min(as_of);
            self.status_event(h, Status::Exited, year, at, "人均纯收入稳定超过当年扶贫标准，两不愁三保障已实现");
            // A few fall back the next year (返贫).
            if self.rng.random::<f64>() < 0.006 && as_of.year > year {
                let back = random_date(&mut self.rng, year + 1, 1, if as_of.year > year + 1 { 12 } else { as_of.month });
                self.status_event(h, Status::Returned, year + 1, back.min(as_of), "因病返贫");
            }
        }
    }
}

/// Files still poor that the yearly update missed (see `Gen::review`).
pub const STALE_SHARE: f64 = 0.01;

/// Files per planted duplicate person (see `Gen::plant_twin`).
pub const TWIN_EVERY: usize = 2000;

/// Generates one county; `cap` is the helper household cap.
pub fn county(plan: &CountyPlan, rules: &fupin_domain::config::Rules) -> CountyOutput {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed_of(&plan.county)),
        plan,
        used_ids: HashSet::new(),
        out: CountyOutput::default(),
        helper_seq: 0,
        helper_slots: None,
        events: vec![],
        brides: vec![],
        twins_due: 0,
    };
    let cap = rules.helper_household_cap.max(2) as u32;
    let mut rollups: BTreeMap<String, Delta> = BTreeMap::new();
    // Household sizes: one person each, then each of the county's other people joins a household
    // drawn uniformly (one holds at most eight). Each size is then 1 + Poisson(mean − 1)
    // conditioned on the county's total (iid Poisson counts given their sum are multinomial), so
    // the sizes vary as before while the county has exactly the planned people and households.
    let n = if plan.villages.is_empty() { 0 } else { plan.households as usize };
    let mut sizes = vec![1usize; n];
    if n > 0 {
        let mut extra = plan.people.saturating_sub(n as u32).min(7 * n as u32);
        while extra > 0 {
            let i = g.rng.random_range(0..n);
            if sizes[i] < 8 {
                sizes[i] += 1;
                extra -= 1;
            }
        }
    }
    // Households are placed one by one in villages drawn by weight, so household sizes do not
    // depend on how many people a village gets (tiny villages at small scales).
    let mut cumulative = Vec::with_capacity(plan.villages.len());
    let mut total = 0.0;
    for v in &plan.villages {
        total += v.weight;
        cumulative.push(total);
    }
    let mut seqs = vec![0u32; plan.villages.len()];
    // A new household of `size` in a village drawn by weight, with the village's next file number
    // (None when that village's numbers are used up).
    let mut draw = |g: &mut Gen, size: usize| -> Option<Household> {
        let x = g.rng.random::<f64>() * total;
        let vi = cumulative.partition_point(|c| *c <= x).min(plan.villages.len() - 1);
        if seqs[vi] >= 9999 {
            return None;
        }
        seqs[vi] += 1;
        Some(g.household(&plan.villages[vi].code, seqs[vi], size))
    };
    // One duplicate planted per TWIN_EVERY files (at least one in a county of any size).
    let twin_at = (n / 2).min(TWIN_EVERY / 2);
    for (i, size) in sizes.into_iter().enumerate() {
        let mut h = loop {
            if let Some(h) = draw(&mut g, size) {
                break h;
            }
        };
        if i % TWIN_EVERY == twin_at {
            g.twins_due += 1;
        }
        g.plant_twin(&mut h);
        let code = &h.village.to_string();
        g.measures(&mut h, code);
        g.assign_helper(&mut h, cap);
        g.history(&mut h, rules);
        g.current_year(&mut h, rules);
        g.keep_brides(&h);
        let d = rollups.entry(code.clone()).or_default();
        rollup::add(d, &rollup::contributions(&h), h.size(), 1);
        g.out.households.push(h);
    }
    // About one recorded rural household (边缘户) for every thirty registered ones.
    let recorded = g.out.households.len() / 30;
    let mean = if n > 0 { plan.people as f64 / n as f64 } else { 2.0 };
    let size_dist = Poisson::new((mean - 1.0).max(0.05)).expect("positive mean");
    for _ in 0..recorded {
        let size = (1 + size_dist.sample(&mut g.rng) as usize).min(8);
        let Some(mut h) = draw(&mut g, size) else { continue };
        g.recorded(&mut h, rules);
        let d = rollups.entry(h.village.to_string()).or_default();
        rollup::add(d, &rollup::contributions(&h), h.size(), 1);
        g.out.households.push(h);
    }
    g.out.households.sort_by(|a, b| a.id.cmp(&b.id));
    let mut poor: BTreeMap<&str, i64> = BTreeMap::new();
    for h in g.out.households.iter().filter(|h| h.status.is_registered()) {
        *poor.entry(h.village.as_str()).or_default() += h.size();
    }
    for v in &plan.villages {
        // Villages are a few hundred to a few thousand people; the poor a minority of them.
        let p = poor.get(v.code.as_str()).copied().unwrap_or(0);
        let rural = (p as f64 * g.rng.random_range(6.0..25.0)) as i64 + g.rng.random_range(300..1500);
        g.out.rural_population.push((v.code.clone(), rural));
    }
    // Flow counters from the events, exactly as a recount would read them back.
    let village_of: BTreeMap<&str, &str> = g.out.households.iter().map(|h| (h.id.as_str(), h.village.as_str())).collect();
    for ev in &g.events {
        let p: serde_json::Value = serde_json::from_str(&ev.payload).expect("generated JSON");
        let v = village_of[ev.household_id.as_str()];
        for (metric, t) in rollup::payload_flows(&p) {
            let e = rollups.entry(v.to_string()).or_default().entry(metric).or_default();
            e.households += t.households;
            e.persons += t.persons;
        }
    }
    let mut by_level: BTreeMap<(i64, String, String), Tally> = BTreeMap::new();
    for (village, d) in &rollups {
        for len in fupin_store::core::rollups::MAINTAINED_LEVELS {
            for (metric, t) in d {
                let e = by_level.entry((len, village[..len as usize].to_string(), metric.clone())).or_default();
                e.households += t.households;
                e.persons += t.persons;
            }
        }
    }
    g.out.rollups = by_level.into_iter().filter(|(_, t)| *t != Tally::default()).map(|((l, c, m), t)| (l, c, m, t)).collect();
    // One chain per county, in business-time order.
    let mut events = std::mem::take(&mut g.events);
    events.sort_by(|a, b| (a.at.as_str(), a.household_id.as_str()).cmp(&(b.at.as_str(), b.household_id.as_str())));
    let mut prev = (0i64, GENESIS.to_string());
    for ev in &mut events {
        ev.chain(prev.0, &prev.1);
        prev = (ev.seq, ev.hash.clone());
    }
    g.out.events = events;
    g.out
}
