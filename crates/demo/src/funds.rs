//! The demo's 扶贫资金, through the store's commands (so every allocation, step, notice and
//! payment is on the ledger): every county's configured factors for 2016 and 2017; the
//! province's central and provincial allocations of both years by the factor method, and
//! 聊城市's own for 2017; in every county a 2016 project that spent its allocation (a few left
//! part of it unpaid a year on: 闲置) and a 2017 project under way; in 聊城市's counties projects
//! in every state, with beneficiary households, dividends and subsidies paid to their accounts;
//! and in 阳谷县 the cases the flags are for (started before its notice ended, one account for
//! two households, money to a file that is not registered, paid over the budget). Nothing dated
//! after the as-of date is done.

use fupin_domain::access::{Caller, Role, Scope};
use fupin_domain::funds::allocation::{AllocationDraft, Factor, Weight};
use fupin_domain::funds::project::{
    Beneficiary, BudgetLine, Mechanism, NoticeDraft, NoticeKind, PaymentDraft, ProjectDraft, ProjectKind, ProjectStep,
};
use fupin_domain::funds::FundSource;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::Status;
use fupin_domain::{Level, RegionCode, Yuan};
use fupin_store::funds::{FactorInput, ProjectView};
use fupin_store::prelude::*;
use fupin_store::{HouseholdQuery, StoreError};

#[derive(Debug, Default)]
pub struct Seeded {
    pub allocations: usize,
    pub projects: usize,
    pub payments: usize,
}

fn official(role: Role, region: &RegionCode) -> Caller {
    Caller { username: format!("扶贫办@{}", region.as_str()), role, scope: Scope::region(region.clone()) }
}

/// The same small number for a region every time.
fn spread(code: &str, n: u64) -> u64 {
    code.bytes().fold(2_166_136_261u64, |h, b| (h ^ u64::from(b)).wrapping_mul(16_777_619)) % n
}

fn day(s: &str) -> Date {
    Date::parse(s).expect("a valid demo date")
}

/// An account number of a company or cooperative, the same for a region and purpose every time.
fn account(code: &str, purpose: u64) -> String {
    format!("6228{:014}", spread(code, 100_000_000_000_000) ^ purpose)
}

pub(crate) struct County {
    pub(crate) code: RegionCode,
    pub(crate) name: String,
}

pub(crate) fn counties(store: &dyn Store) -> Result<Vec<County>, StoreError> {
    let province = RegionCode::parse("37")?;
    let mut out = vec![];
    for city in store.child_regions(&province)? {
        for c in store.child_regions(&RegionCode::parse(&city.code)?)? {
            let code = RegionCode::parse(&c.code)?;
            if code.level() == Level::County {
                out.push(County { code, name: c.name });
            }
        }
    }
    Ok(out)
}

/// A county's project as the demo walks it, each step only if its day has come.
struct Walk<'a> {
    store: &'a dyn Store,
    county: Caller,
    as_of: Date,
    out: &'a mut Seeded,
}

impl Walk<'_> {
    fn due(&self, on: &str) -> bool {
        day(on) <= self.as_of
    }

    fn record(&mut self, d: &ProjectDraft, on: &str) -> Result<Option<ProjectView>, StoreError> {
        if !self.due(on) {
            return Ok(None);
        }
        self.out.projects += 1;
        self.store.record_project(&self.county, d, on).map(Some)
    }

    fn step(&self, p: &mut ProjectView, step: ProjectStep, on: &str) -> Result<bool, StoreError> {
        if !self.due(on) {
            return Ok(false);
        }
        *p = self.store.step_project(&self.county, &p.project.id, p.project.version, step, on)?;
        Ok(true)
    }

    fn notice(&self, p: &mut ProjectView, kind: NoticeKind, from: &str, to: &str, text: String) -> Result<bool, StoreError> {
        if !self.due(from) {
            return Ok(false);
        }
        *p = self.store.notice_project(&self.county, &p.project.id, &NoticeDraft { kind, from: day(from), to: day(to), text }, from)?;
        Ok(true)
    }

    fn pay(
        &mut self,
        p: &mut ProjectView,
        on: &str,
        amount: Yuan,
        source: FundSource,
        payee: &str,
        account: &str,
        household: Option<&str>,
    ) -> Result<(), StoreError> {
        if !self.due(on) || amount <= Yuan::ZERO {
            return Ok(());
        }
        let n = p.payments.len() + 1;
        let d = PaymentDraft {
            paid_on: day(on),
            amount,
            source,
            payee: payee.into(),
            account: account.into(),
            voucher: format!("{}-{}-{n:03}", &p.project.county, on.replace('-', "")),
            household_id: household.map(Into::into),
        };
        *p = self.store.pay_project(&self.county, &p.project.id, &d, on)?;
        self.out.payments += 1;
        Ok(())
    }
}

fn factors(store: &dyn Store, province: &Caller, all: &[County], year: i32) -> Result<(), StoreError> {
    let rows: Vec<FactorInput> = all
        .iter()
        .map(|c| FactorInput {
            county: c.code.as_str().into(),
            // 人均财力 of Shandong's counties, from about 1,500 to 9,000 元 a person.
            fiscal: Some(1500 + spread(c.code.as_str(), 7500) as i64 + i64::from(year - 2016) * 150),
            appraisal: Some(72 + spread(&format!("{}{year}", c.code.as_str()), 26) as i64),
        })
        .collect();
    store.set_fund_factors(province, year, &rows, &format!("{year}-01-15"))?;
    Ok(())
}

/// Publishes by the default weights; where a factor is zero everywhere (no 倒排工期 task for the
/// year at this scale), its weight goes to the poor population.
fn allocate(store: &dyn Store, by: &Caller, d: AllocationDraft, on: &str, out: &mut Seeded) -> Result<(), StoreError> {
    let defaults: Vec<Weight> = Factor::DEFAULT_WEIGHTS.iter().map(|&(factor, percent)| Weight { factor, percent }).collect();
    let draft = AllocationDraft { weights: defaults, ..d };
    let published = match store.publish_allocation(by, &draft, on) {
        Err(StoreError::Invalid(e)) if e.code == "funds.factor_zero" => {
            let weights = vec![
                Weight { factor: Factor::Poor, percent: 60 },
                Weight { factor: Factor::Incidence, percent: 20 },
                Weight { factor: Factor::Fiscal, percent: 10 },
                Weight { factor: Factor::Appraisal, percent: 10 },
            ];
            store.publish_allocation(by, &AllocationDraft { weights, ..draft }, on)
        }
        r => r,
    }?;
    let _ = published;
    out.allocations += 1;
    Ok(())
}

/// Households of a county that may receive project money, with their accounts, for beneficiaries and payments.
fn poor_of(store: &dyn Store, county: &RegionCode, n: u32) -> Result<Vec<(String, String, String)>, StoreError> {
    let system = Caller::system(RegionCode::parse("37")?);
    // Those who exited still benefit (脱贫不脱政策): the poor first, then the exited.
    let mut out = vec![];
    for status in [Status::Poor, Status::Exited] {
        let q = HouseholdQuery { region: Some(county.clone()), status: Some(status), per_page: n, page: 1, ..Default::default() };
        for h in store.search_households(&system, &q)?.items {
            if out.len() >= n as usize {
                return Ok(out);
            }
            let file = store.household(&system, &h.id)?;
            let acc = file.bank_account.clone();
            if (8..=32).contains(&acc.len()) && acc.bytes().all(|b| b.is_ascii_digit()) {
                out.push((h.id.clone(), file.members.first().map(|m| m.name.clone()).unwrap_or_default(), acc));
            }
        }
    }
    Ok(out)
}

pub fn seed_demo(store: &dyn Store, as_of: Date) -> Result<Seeded, StoreError> {
    let mut out = Seeded::default();
    let all = counties(store)?;
    let province_code = RegionCode::parse("37")?;
    let province = official(Role::ProvinceOfficial, &province_code);
    let years: Vec<i32> = [2016, 2017].into_iter().filter(|y| day(&format!("{y}-03-01")) <= as_of).collect();
    for &year in &years {
        factors(store, &province, &all, year)?;
        let (central, provincial) = if year == 2016 { (98_000, 150_000) } else { (112_000, 160_000) };
        for (source, wan, label) in [(FundSource::Central, central, "中央"), (FundSource::Provincial, provincial, "省级")] {
            let d = AllocationDraft {
                year,
                source,
                total: Yuan::from_yuan(wan * 10_000),
                title: format!("{year}年{label}财政专项扶贫资金分配方案"),
                document: format!("鲁财农〔{year}〕{}号", if source == FundSource::Central { 8 } else { 9 }),
                weights: vec![],
            };
            allocate(store, &province, d, &format!("{year}-02-20"), &mut out)?;
        }
    }
    let liaocheng = RegionCode::parse("3715")?;
    if years.contains(&2017) && store.region(&liaocheng)?.is_some() {
        let d = AllocationDraft {
            year: 2017,
            source: FundSource::City,
            total: Yuan::from_yuan(6_000 * 10_000),
            title: "2017年聊城市级财政专项扶贫资金分配方案".into(),
            document: "聊财农〔2017〕12号".into(),
            weights: vec![],
        };
        allocate(store, &official(Role::CityOfficial, &liaocheng), d, "2017-03-01", &mut out)?;
    }

    for c in &all {
        let county = official(Role::CountyOfficial, &c.code);
        let mut lines = std::collections::BTreeMap::<(i32, FundSource), Yuan>::new();
        for &year in &years {
            for a in store.allocations(&county, year, None)? {
                if let Some(l) = a.lines.first() {
                    *lines.entry((year, a.source)).or_default() = l.amount;
                }
            }
        }
        let mut w = Walk { store, county, as_of, out: &mut out };
        let code = c.code.as_str();
        let coop = format!("{}扶贫产业合作社", c.name);
        // 2016: the allocation spent on an industry project; one county in ten left some unpaid.
        let budget16: Vec<BudgetLine> = [FundSource::Central, FundSource::Provincial]
            .into_iter()
            .filter_map(|s| lines.get(&(2016, s)).filter(|a| **a > Yuan::ZERO).map(|&amount| BudgetLine { source: s, amount }))
            .collect();
        if !budget16.is_empty() {
            let d = ProjectDraft {
                region: c.code.clone(),
                year: 2016,
                name: format!("{}2016年产业扶贫项目", c.name),
                kind: ProjectKind::Industry,
                description: "建设扶贫车间和冬暖式大棚，资产归村集体所有，收益用于贫困户分红".into(),
                implementer: format!("{}扶贫开发领导小组办公室", c.name),
                budget: budget16.clone(),
                beneficiaries: vec![],
            };
            if let Some(mut p) = w.record(&d, "2016-03-10")? {
                w.step(&mut p, ProjectStep::Approve, "2016-03-15")?;
                w.notice(&mut p, NoticeKind::Plan, "2016-03-15", "2016-03-25", format!("{}：建设扶贫车间和大棚，监督电话12317", d.name))?;
                w.step(&mut p, ProjectStep::Start, "2016-03-28")?;
                let short = spread(code, 10) == 0;
                for b in &budget16 {
                    let amount = if short { Yuan::from_fen(b.amount.fen() * 7 / 10) } else { b.amount };
                    w.pay(&mut p, "2016-09-20", amount, b.source, &coop, &account(code, 1), None)?;
                }
                if w.step(&mut p, ProjectStep::Accept, "2016-11-10")? {
                    w.notice(&mut p, NoticeKind::Result, "2016-11-12", "2016-11-22", format!("{}已通过验收，资产移交村集体", d.name))?;
                }
            }
        }
        // 2017: the year's project under way, four tenths paid.
        let budget17: Vec<BudgetLine> = [FundSource::Central, FundSource::Provincial, FundSource::City]
            .into_iter()
            .filter_map(|s| lines.get(&(2017, s)).filter(|a| **a > Yuan::ZERO).map(|&amount| BudgetLine { source: s, amount }))
            .collect();
        if !budget17.is_empty() {
            let kind = [ProjectKind::Infrastructure, ProjectKind::Industry, ProjectKind::Housing, ProjectKind::Employment]
                [spread(code, 4) as usize];
            let d = ProjectDraft {
                region: c.code.clone(),
                year: 2017,
                name: format!("{}2017年{}项目", c.name, kind.label()),
                kind,
                description: String::new(),
                implementer: format!("{}扶贫开发领导小组办公室", c.name),
                budget: budget17.clone(),
                beneficiaries: vec![],
            };
            if let Some(mut p) = w.record(&d, "2017-03-05")? {
                w.step(&mut p, ProjectStep::Approve, "2017-03-10")?;
                w.notice(&mut p, NoticeKind::Plan, "2017-03-10", "2017-03-20", format!("{}公示，监督电话12317", d.name))?;
                w.step(&mut p, ProjectStep::Start, "2017-03-25")?;
                for b in &budget17 {
                    w.pay(&mut p, "2017-05-15", Yuan::from_fen(b.amount.fen() * 4 / 10), b.source, &coop, &account(code, 2), None)?;
                }
            }
        }
        if c.code.as_str().starts_with("3715") {
            liaocheng_projects(&mut w, c)?;
        }
    }
    Ok(out)
}

/// 聊城市's counties: projects for households, in every state; 阳谷县's planted cases.
fn liaocheng_projects(w: &mut Walk<'_>, c: &County) -> Result<(), StoreError> {
    let poor = poor_of(w.store, &c.code, 6)?;
    if poor.len() < 3 {
        return Ok(());
    }
    let code = c.code.as_str();
    let village = RegionCode::parse(&poor[0].0[..12])?;
    let county_budget = |yuan: i64| vec![BudgetLine { source: FundSource::County, amount: Yuan::from_yuan(yuan) }];
    // A photovoltaic station with dividends to its households, accepted and its result noticed.
    let pv = ProjectDraft {
        region: village.clone(),
        year: 2017,
        name: format!("{}村级光伏扶贫电站", c.name),
        kind: ProjectKind::Industry,
        description: "100千瓦村级光伏电站，发电收益按户分红".into(),
        implementer: format!("{}扶贫开发领导小组办公室", c.name),
        budget: county_budget(800_000),
        beneficiaries: poor.iter().map(|(id, ..)| Beneficiary { household_id: id.clone(), mechanism: Mechanism::Dividend }).collect(),
    };
    if let Some(mut p) = w.record(&pv, "2017-02-10")? {
        w.step(&mut p, ProjectStep::Approve, "2017-02-15")?;
        w.notice(&mut p, NoticeKind::Plan, "2017-02-15", "2017-02-25", format!("{}：装机100千瓦，受益贫困户{}户", pv.name, poor.len()))?;
        w.step(&mut p, ProjectStep::Start, "2017-03-01")?;
        w.pay(
            &mut p,
            "2017-04-20",
            Yuan::from_yuan(780_000),
            FundSource::County,
            &format!("{}光伏科技有限公司", c.name),
            &account(code, 3),
            None,
        )?;
        if w.step(&mut p, ProjectStep::Accept, "2017-05-20")? {
            w.notice(&mut p, NoticeKind::Result, "2017-05-22", "2017-06-01", format!("{}已验收并网", pv.name))?;
        }
        // 阳谷县 paid two dividends into one account: flagged.
        let shared = code == "371521";
        for (n, (id, head, acc)) in poor.iter().enumerate().take(4) {
            let acc = if shared && n == 1 { poor[0].2.clone() } else { acc.clone() };
            w.pay(&mut p, "2017-06-15", Yuan::from_yuan(500), FundSource::County, head, &acc, Some(id))?;
        }
        if shared {
            // Money to a number that is no registered file, and beyond the budget.
            let stranger = format!("{}9999", village.as_str());
            w.pay(&mut p, "2017-06-16", Yuan::from_yuan(500), FundSource::County, "王某", &account(code, 4), Some(&stranger))?;
            w.pay(
                &mut p,
                "2017-06-18",
                Yuan::from_yuan(20_000),
                FundSource::County,
                &format!("{}光伏科技有限公司", c.name),
                &account(code, 3),
                None,
            )?;
        }
    }
    // Subsidies for housing repairs, approved and noticed, not yet started.
    let houses = ProjectDraft {
        region: village.clone(),
        year: 2017,
        name: format!("{}危房改造补助", c.name),
        kind: ProjectKind::Housing,
        description: "贫困户危房改造，每户补助1.5万元".into(),
        implementer: format!("{}住房和城乡建设局", c.name),
        budget: county_budget(45_000),
        beneficiaries: poor
            .iter()
            .take(3)
            .map(|(id, ..)| Beneficiary { household_id: id.clone(), mechanism: Mechanism::Subsidy })
            .collect(),
    };
    if let Some(mut p) = w.record(&houses, "2017-06-20")? {
        w.step(&mut p, ProjectStep::Approve, "2017-06-25")?;
        w.notice(&mut p, NoticeKind::Plan, "2017-06-26", "2017-07-06", format!("{}：3户，每户1.5万元", houses.name))?;
    }
    // A road in the project library, waiting for approval.
    let road = ProjectDraft {
        region: village.clone(),
        year: 2017,
        name: format!("{}村内道路硬化", c.name),
        kind: ProjectKind::Infrastructure,
        description: "硬化村内主干道2.3公里".into(),
        implementer: format!("{}交通运输局", c.name),
        budget: vec![BudgetLine { source: FundSource::Integrated, amount: Yuan::from_yuan(690_000) }],
        beneficiaries: vec![],
    };
    w.record(&road, "2017-06-28")?;
    if code == "371521" {
        // Started while its notice was still up.
        let well = ProjectDraft {
            name: format!("{}安全饮水工程", c.name),
            kind: ProjectKind::Infrastructure,
            description: "新打机井两眼，铺设管网".into(),
            budget: county_budget(120_000),
            beneficiaries: vec![],
            implementer: "阳谷县水利局".into(),
            ..road.clone()
        };
        if let Some(mut p) = w.record(&well, "2017-04-01")? {
            w.step(&mut p, ProjectStep::Approve, "2017-04-05")?;
            w.notice(&mut p, NoticeKind::Plan, "2017-04-05", "2017-04-15", format!("{}公示", well.name))?;
            w.step(&mut p, ProjectStep::Start, "2017-04-08")?;
            w.pay(&mut p, "2017-05-10", Yuan::from_yuan(60_000), FundSource::County, "阳谷县水利工程公司", &account(code, 5), None)?;
        }
    }
    Ok(())
}
