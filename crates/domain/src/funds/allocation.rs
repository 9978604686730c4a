//! 因素法: a province (central and provincial funds) or a city (its own) shares a year's total
//! among its counties by weighted factors — the poor population, the depth of poverty, the
//! year's exit task from the registry, and configured per-capita fiscal capacity (less money
//! where there is more) and last year's appraisal score.
//!
//! The arithmetic is exact: the total is first cut into one pot per factor by its weight, each
//! pot is shared in proportion to the counties' factor values, and every cut hands out the fen
//! that rounding leaves by largest remainder (Hamilton's method). So the lines add up to the
//! total to the fen and each county's part of a pot is within one fen of its exact share.

use super::FundSource;
use crate::money::Yuan;
use crate::registry::codes::code_enum;
use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

code_enum!(
    /// 分配因素
    Factor, "fund_factor" {
    Poor = "poor" "贫困人口数",
    Incidence = "incidence" "贫困发生率",
    Task = "task" "年度减贫任务",
    Fiscal = "fiscal" "人均财力",
    Appraisal = "appraisal" "上年考核得分",
});
impl Factor {
    const FIELD_LABEL: &'static str = "分配因素";

    /// A county with more of it gets less (fiscal capacity): its share follows 1 / value.
    pub fn inverse(self) -> bool {
        self == Factor::Fiscal
    }

    /// Read from the registry at the allocation (the rest are configured per county and year).
    pub fn from_registry(self) -> bool {
        matches!(self, Factor::Poor | Factor::Incidence | Factor::Task)
    }

    /// What a value counts, for people.
    pub fn unit(self) -> &'static str {
        match self {
            Factor::Poor | Factor::Task => "人",
            Factor::Incidence => "‱",
            Factor::Fiscal => "元/人",
            Factor::Appraisal => "分",
        }
    }

    /// A value as people read it (an incidence is held in units of 1/100,000).
    pub fn show(self, v: i64) -> String {
        match self {
            Factor::Incidence => format!("{}.{:03}%", v / 1000, v % 1000),
            _ => v.to_string(),
        }
    }

    /// The weights a new allocation starts from (percent).
    pub const DEFAULT_WEIGHTS: [(Factor, u32); 5] =
        [(Factor::Poor, 40), (Factor::Incidence, 20), (Factor::Task, 20), (Factor::Fiscal, 10), (Factor::Appraisal, 10)];
}

/// The poor as a share of the rural population, in units of 1/100,000 (2.345% is 2345).
pub fn incidence(poor_persons: i64, rural_population: i64) -> i64 {
    if rural_population <= 0 {
        0
    } else {
        (i128::from(poor_persons.max(0)) * 100_000 / i128::from(rural_population)) as i64
    }
}

/// An inverse factor's value becomes this over the value: 10^12 keeps six significant digits
/// for any fiscal capacity up to 10^6 元 per person.
const INVERSE_SCALE: i128 = 1_000_000_000_000;
/// Configured values people enter: a fiscal capacity from 1 元 to 10^7 元 a person, a score 0–100.
pub const FISCAL_MAX: i64 = 10_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = FactorWeight))]
pub struct Weight {
    pub factor: Factor,
    /// Percent of the total; the weights of an allocation add up to 100.
    pub percent: u32,
}

/// Each factor at most once, whole percents adding up to 100.
pub fn check_weights(weights: &[Weight]) -> Result<(), DomainError> {
    let mut seen = BTreeMap::new();
    for w in weights {
        if seen.insert(w.factor, w.percent).is_some() {
            return Err(DomainError::new("funds.weights", format!("因素“{}”的权重重复", w.factor.label())));
        }
    }
    let sum: u64 = weights.iter().map(|w| u64::from(w.percent)).sum();
    if sum != 100 {
        return Err(DomainError::new("funds.weights", format!("各因素权重之和应为100%，现为{sum}%")));
    }
    Ok(())
}

/// One county's factor values: `Poor` and `Task` in persons, `Incidence` in 1/100,000,
/// `Fiscal` in 元 a person, `Appraisal` a score.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyInput {
    pub county: RegionCode,
    pub name: String,
    pub values: BTreeMap<Factor, i64>,
}

/// A county's part of one factor's pot, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactorShare {
    pub factor: Factor,
    pub value: i64,
    pub value_text: String,
    /// The county's share of the pot in parts per million.
    pub share_ppm: i64,
    pub amount: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AllocationLine))]
pub struct Line {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub county: RegionCode,
    pub name: String,
    pub amount: Yuan,
    pub factors: Vec<FactorShare>,
}

/// `total` cut in proportion to `keys` (non-negative, not all zero), the fen rounding leaves
/// handed out by largest remainder, ties to the earlier key.
fn largest_remainder(total: i128, keys: &[i128]) -> Vec<i128> {
    let sum: i128 = keys.iter().sum();
    let mut parts: Vec<i128> = keys.iter().map(|k| total * k / sum).collect();
    let left = total - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(total * keys[i] % sum), i));
    for &i in order.iter().take(left as usize) {
        parts[i] += 1;
    }
    parts
}

fn key_of(f: Factor, v: i64) -> i128 {
    if f.inverse() {
        INVERSE_SCALE / i128::from(v.max(1))
    } else {
        i128::from(v.max(0))
    }
}

/// Shares `total` among `counties` by `weights`. Refused: bad weights, no counties, a factor
/// with weight whose value is missing for a county or zero everywhere, or a fiscal capacity
/// outside 1..=10^7.
pub fn allocate(total: Yuan, weights: &[Weight], counties: &[CountyInput]) -> Result<Vec<Line>, DomainError> {
    check_weights(weights)?;
    if total <= Yuan::ZERO {
        return Err(DomainError::new("funds.total", "分配总额应大于零"));
    }
    if counties.is_empty() {
        return Err(DomainError::new("funds.counties", "没有可分配的县（市、区）"));
    }
    let used: Vec<Weight> = weights.iter().copied().filter(|w| w.percent > 0).collect();
    for w in &used {
        let missing: Vec<&str> = counties.iter().filter(|c| !c.values.contains_key(&w.factor)).map(|c| c.name.as_str()).collect();
        if !missing.is_empty() {
            return Err(DomainError::new(
                "funds.factor_missing",
                format!("{}缺少因素“{}”的数值：{}", missing.len(), w.factor.label(), missing.join("、")),
            ));
        }
        if w.factor == Factor::Fiscal {
            if let Some(c) = counties.iter().find(|c| !(1..=FISCAL_MAX).contains(&c.values[&Factor::Fiscal])) {
                return Err(DomainError::new("funds.fiscal", format!("{}的人均财力应在1到{FISCAL_MAX}元之间", c.name)));
            }
        }
    }
    let pots = largest_remainder(i128::from(total.fen()), &used.iter().map(|w| i128::from(w.percent)).collect::<Vec<_>>());
    let mut lines: Vec<Line> =
        counties.iter().map(|c| Line { county: c.county.clone(), name: c.name.clone(), amount: Yuan::ZERO, factors: vec![] }).collect();
    for (w, pot) in used.iter().zip(pots) {
        let keys: Vec<i128> = counties.iter().map(|c| key_of(w.factor, c.values[&w.factor])).collect();
        let sum: i128 = keys.iter().sum();
        if sum == 0 {
            return Err(DomainError::new(
                "funds.factor_zero",
                format!("各县因素“{}”均为零，无法按其分配（可将其权重设为0）", w.factor.label()),
            ));
        }
        let parts = largest_remainder(pot, &keys);
        for ((line, c), (k, part)) in lines.iter_mut().zip(counties).zip(keys.iter().zip(parts)) {
            let amount = Yuan::from_fen(part as i64);
            let value = c.values[&w.factor];
            line.amount = line.amount + amount;
            line.factors.push(FactorShare {
                factor: w.factor,
                value,
                value_text: w.factor.show(value),
                share_ppm: (k * 1_000_000 / sum) as i64,
                amount,
            });
        }
    }
    Ok(lines)
}

/// What a province or city official submits to preview or publish an allocation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationDraft {
    pub year: i32,
    pub source: FundSource,
    /// In fen.
    pub total: Yuan,
    pub title: String,
    /// 文号 of the allocation notice (may be empty for a preview).
    #[serde(default)]
    pub document: String,
    pub weights: Vec<Weight>,
}

impl AllocationDraft {
    /// The allocator's level must share this source (the province central and provincial
    /// funds, a city its own), for a year of the campaign not after next year.
    pub fn validate(&self, level: Level, business_year: i32) -> Result<(), DomainError> {
        if !self.source.allocated_by(level) {
            return Err(DomainError::new("funds.source_level", format!("{}不按因素法分配“{}”", level.label(), self.source.label())));
        }
        if !(2014..=business_year + 1).contains(&self.year) {
            return Err(DomainError::new("funds.year", format!("年度应在2014至{}之间", business_year + 1)));
        }
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(DomainError::new("funds.title", "请填写分配方案名称（不超过100字）"));
        }
        if self.document.chars().count() > 60 {
            return Err(DomainError::new("funds.document", "文号不超过60字"));
        }
        check_weights(&self.weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn county(code: &str, poor: i64, fiscal: i64) -> CountyInput {
        let values = BTreeMap::from([
            (Factor::Poor, poor),
            (Factor::Incidence, incidence(poor, 300_000)),
            (Factor::Task, poor / 3),
            (Factor::Fiscal, fiscal),
            (Factor::Appraisal, 90),
        ]);
        CountyInput { county: RegionCode::parse(code).unwrap(), name: code.into(), values }
    }

    fn weights(w: &[(Factor, u32)]) -> Vec<Weight> {
        w.iter().map(|&(factor, percent)| Weight { factor, percent }).collect()
    }

    #[test]
    fn one_factor_shares_in_proportion_and_to_the_fen() {
        let cs = [county("371521", 1, 1000), county("371522", 1, 1000), county("371523", 1, 1000)];
        let lines = allocate(Yuan::from_fen(100), &weights(&[(Factor::Poor, 100)]), &cs).unwrap();
        // 100 fen in three: 33 each and the one fen left goes to the first (ties to the earlier).
        assert_eq!(lines.iter().map(|l| l.amount.fen()).collect::<Vec<_>>(), [34, 33, 33]);
        assert_eq!(lines[0].factors[0].share_ppm, 333_333);
    }

    #[test]
    fn the_inverse_factor_gives_more_where_there_is_less() {
        let cs = [county("371521", 10, 1000), county("371522", 10, 4000)];
        let lines = allocate(Yuan::from_yuan(5_000), &weights(&[(Factor::Fiscal, 100)]), &cs).unwrap();
        // Keys 1/1000 and 1/4000: four to one.
        assert_eq!(lines[0].amount, Yuan::from_yuan(4_000));
        assert_eq!(lines[1].amount, Yuan::from_yuan(1_000));
    }

    #[test]
    fn weights_cut_the_total_into_pots() {
        let cs = [county("371521", 300, 2000), county("371522", 100, 2000)];
        let lines = allocate(Yuan::from_yuan(1_000_000), &weights(&[(Factor::Poor, 60), (Factor::Fiscal, 40)]), &cs).unwrap();
        let pot = |f: Factor| lines.iter().map(|l| l.factors.iter().find(|s| s.factor == f).unwrap().amount.fen()).sum::<i64>();
        assert_eq!(pot(Factor::Poor), 60_000_000);
        assert_eq!(pot(Factor::Fiscal), 40_000_000);
        assert_eq!(lines[0].amount, Yuan::from_yuan(450_000 + 200_000));
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cs = [county("371521", 0, 2000), county("371522", 0, 2000)];
        let code = |r: Result<Vec<Line>, DomainError>| r.unwrap_err().code;
        assert_eq!(code(allocate(Yuan::from_yuan(1), &weights(&[(Factor::Poor, 90)]), &cs)), "funds.weights");
        assert_eq!(code(allocate(Yuan::from_yuan(1), &weights(&[(Factor::Poor, 50), (Factor::Poor, 50)]), &cs)), "funds.weights");
        assert_eq!(code(allocate(Yuan::from_yuan(1), &weights(&[(Factor::Poor, 100)]), &cs)), "funds.factor_zero");
        assert_eq!(code(allocate(Yuan::ZERO, &weights(&[(Factor::Fiscal, 100)]), &cs)), "funds.total");
        assert_eq!(code(allocate(Yuan::from_yuan(1), &weights(&[(Factor::Fiscal, 100)]), &[])), "funds.counties");
        let mut gap = cs.to_vec();
        gap[1].values.remove(&Factor::Appraisal);
        let e = allocate(Yuan::from_yuan(1), &weights(&[(Factor::Fiscal, 50), (Factor::Appraisal, 50)]), &gap).unwrap_err();
        assert_eq!(e.code, "funds.factor_missing");
        assert!(e.message.contains("371522"), "{}", e.message);
        // A weight of zero needs no value and hands out nothing.
        let lines = allocate(Yuan::from_yuan(1), &weights(&[(Factor::Fiscal, 100), (Factor::Appraisal, 0)]), &gap).unwrap();
        assert_eq!(lines[0].factors.len(), 1);
        gap[0].values.insert(Factor::Fiscal, 0);
        assert_eq!(code(allocate(Yuan::from_yuan(1), &weights(&[(Factor::Fiscal, 100)]), &gap)), "funds.fiscal");
    }

    #[test]
    fn a_draft_fits_its_level() {
        let d = AllocationDraft {
            year: 2016,
            source: FundSource::Central,
            total: Yuan::from_yuan(1),
            title: "2016年中央财政专项扶贫资金分配方案".into(),
            document: String::new(),
            weights: weights(&Factor::DEFAULT_WEIGHTS),
        };
        assert!(d.validate(Level::Province, 2016).is_ok());
        assert_eq!(d.validate(Level::City, 2016).unwrap_err().code, "funds.source_level");
        let city = AllocationDraft { source: FundSource::City, ..d.clone() };
        assert!(city.validate(Level::City, 2016).is_ok());
        assert_eq!(AllocationDraft { year: 2019, ..d.clone() }.validate(Level::Province, 2016).unwrap_err().code, "funds.year");
        assert_eq!(AllocationDraft { title: " ".into(), ..d }.validate(Level::Province, 2016).unwrap_err().code, "funds.title");
    }

    #[test]
    fn incidence_is_in_hundred_thousandths() {
        assert_eq!(incidence(2345, 100_000), 2345);
        assert_eq!(Factor::Incidence.show(2345), "2.345%");
        assert_eq!(incidence(5, 0), 0);
    }

    proptest! {
        /// The lines add up to the total to the fen, each pot to its weight's share within a
        /// fen, and each county's part of a pot within a fen of its exact share.
        #[test]
        fn exact_and_close_to_the_weights(
            total in 1i64..10_000_000_000_000,
            poor in proptest::collection::vec(0i64..200_000, 1..40),
            fiscal_seed in 1i64..50_000,
            w in 0u32..=100,
        ) {
            let mut cs: Vec<CountyInput> = poor.iter().enumerate()
                .map(|(i, &p)| county(&format!("3715{:02}", i + 1), p, fiscal_seed + (i as i64) * 37)).collect();
            let first = cs[0].values[&Factor::Poor];
            cs[0].values.insert(Factor::Poor, first + 1);
            let ws = weights(&[(Factor::Poor, w), (Factor::Fiscal, 100 - w)]);
            let lines = allocate(Yuan::from_fen(total), &ws, &cs).unwrap();
            prop_assert_eq!(lines.iter().map(|l| l.amount.fen()).sum::<i64>(), total);
            for f in [Factor::Poor, Factor::Fiscal] {
                let pw = ws.iter().find(|x| x.factor == f).unwrap().percent;
                if pw == 0 { continue; }
                let pot: i64 = lines.iter().map(|l| l.factors.iter().find(|s| s.factor == f).unwrap().amount.fen()).sum();
                let exact = i128::from(total) * i128::from(pw) / 100;
                prop_assert!((i128::from(pot) - exact).abs() <= 1);
                let keys: Vec<i128> = cs.iter().map(|c| key_of(f, c.values[&f])).collect();
                let sum: i128 = keys.iter().sum();
                for (l, k) in lines.iter().zip(&keys) {
                    let part = i128::from(l.factors.iter().find(|s| s.factor == f).unwrap().amount.fen());
                    let exact = i128::from(pot) * k;
                    prop_assert!((part * sum - exact).abs() <= sum, "a part within one fen of its exact share");
                }
            }
        }
    }
}
