//! Measures of poverty: Foster–Greer–Thorbecke on one income against a line, and the
//! Alkire–Foster adjusted headcount over several indicators (DOMAIN.md, "Measures of poverty").
//!
//! Both are sums over units, so they are kept as `Sums` that add one unit at a time and merge
//! (a county's sums plus another's are the city's): a caller folds a whole province in one pass,
//! in parallel, and the decomposition by group falls out of keeping one `Sums` per group. Every
//! unit carries a weight (persons in a household, or a sampling weight).

use serde::Serialize;
use std::collections::BTreeMap;

/// One indicator of the Alkire–Foster index: deprived when the value is below the cutoff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub name: String,
    pub cutoff: f64,
    /// Relative weight; `Design::new` normalises the weights to sum to 1.
    pub weight: f64,
}

/// What the measures are taken against: the income line for FGT, and the indicators with the
/// poverty cutoff `k` (on the weighted deprivation score, 0 < k ≤ 1) for Alkire–Foster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Design {
    pub line: Option<f64>,
    pub indicators: Vec<Indicator>,
    pub k: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DesignError {
    #[error("the poverty line must be a positive number")]
    Line,
    #[error("k must be in (0, 1]")]
    K,
    #[error("indicator {0}: the weight must be a positive number")]
    Weight(String),
    #[error("indicator {0}: the cutoff must be a number")]
    Cutoff(String),
    #[error("indicator {0} is named twice")]
    Duplicate(String),
    #[error("neither a poverty line nor an indicator: nothing to measure")]
    Empty,
}

impl Design {
    /// Checks the design and normalises the indicator weights to sum to 1 (so k reads as a
    /// share of the dimensions, whatever scale the weights were given in).
    pub fn new(line: Option<f64>, mut indicators: Vec<Indicator>, k: f64) -> Result<Design, DesignError> {
        if line.is_some_and(|l| !(l.is_finite() && l > 0.0)) {
            return Err(DesignError::Line);
        }
        if line.is_none() && indicators.is_empty() {
            return Err(DesignError::Empty);
        }
        let mut seen = std::collections::BTreeSet::new();
        for i in &indicators {
            if !(i.weight.is_finite() && i.weight > 0.0) {
                return Err(DesignError::Weight(i.name.clone()));
            }
            if !i.cutoff.is_finite() {
                return Err(DesignError::Cutoff(i.name.clone()));
            }
            if !seen.insert(i.name.as_str()) {
                return Err(DesignError::Duplicate(i.name.clone()));
            }
        }
        // Written so that a NaN k fails too.
        let k_in_range = 0.0 < k && k <= 1.0;
        if !indicators.is_empty() && !k_in_range {
            return Err(DesignError::K);
        }
        let total: f64 = indicators.iter().map(|i| i.weight).sum();
        for i in &mut indicators {
            i.weight /= total;
        }
        Ok(Design { line, indicators, k })
    }
}

/// Running sums of one population (a region, a group): add units, merge populations, then
/// `measures`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    /// Σ w over units with an income (FGT's population).
    pub income_weight: f64,
    /// Σ w · 1[x < z] · ((z − x)/z)^α for α = 0, 1, 2.
    pub fgt: [f64; 3],
    /// Σ w over units with every indicator (Alkire–Foster's population).
    pub af_weight: f64,
    /// Σ w over the multidimensionally poor (score ≥ k).
    pub af_poor: f64,
    /// Σ w · c over the poor (c the weighted deprivation score).
    pub af_score: f64,
    /// Per indicator, Σ w over the poor deprived in it (the censored headcount's numerator).
    pub censored: Vec<f64>,
}

impl Sums {
    /// Adds a unit: its income (None when not known: left out of FGT) and its indicator values
    /// in the design's order (None when any is unknown: left out of Alkire–Foster).
    pub fn add(&mut self, design: &Design, weight: f64, income: Option<f64>, values: Option<&[f64]>) {
        if let (Some(z), Some(x)) = (design.line, income) {
            self.income_weight += weight;
            if x < z {
                let gap = (z - x) / z;
                self.fgt[0] += weight;
                self.fgt[1] += weight * gap;
                self.fgt[2] += weight * gap * gap;
            }
        }
        if let Some(values) = values.filter(|v| !design.indicators.is_empty() && v.len() == design.indicators.len()) {
            self.add_deprivations(design, weight, values.iter().zip(&design.indicators).map(|(v, i)| *v < i.cutoff));
        }
    }

    /// Adds a unit whose deprivations are already judged (true = deprived), in the design's order.
    pub fn add_deprivations(&mut self, design: &Design, weight: f64, deprived: impl Iterator<Item = bool> + Clone) {
        if self.censored.len() < design.indicators.len() {
            self.censored.resize(design.indicators.len(), 0.0);
        }
        self.af_weight += weight;
        let score: f64 = deprived.clone().zip(&design.indicators).filter(|(d, _)| *d).map(|(_, i)| i.weight).sum();
        // The comparison allows for rounding in the normalised weights: three of six equal
        // weights must reach k = 0.5.
        if score + 1e-9 >= design.k {
            self.af_poor += weight;
            self.af_score += weight * score;
            for (j, d) in deprived.enumerate() {
                if d {
                    self.censored[j] += weight;
                }
            }
        }
    }

    pub fn merge(&mut self, other: &Sums) {
        self.income_weight += other.income_weight;
        for a in 0..3 {
            self.fgt[a] += other.fgt[a];
        }
        self.af_weight += other.af_weight;
        self.af_poor += other.af_poor;
        self.af_score += other.af_score;
        if self.censored.len() < other.censored.len() {
            self.censored.resize(other.censored.len(), 0.0);
        }
        for (a, b) in self.censored.iter_mut().zip(&other.censored) {
            *a += b;
        }
    }
}

/// FGT P0 (headcount ratio), P1 (poverty gap), P2 (squared gap).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fgt {
    pub p0: f64,
    pub p1: f64,
    pub p2: f64,
    /// The weighted population measured.
    pub population: f64,
}

/// One indicator's part in M0.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorPart {
    /// Share of the population that is poor and deprived in this indicator.
    pub censored_headcount: f64,
    /// w_j · censored headcount / M0: the parts sum to 1 (0 each when M0 is 0).
    pub contribution: f64,
}

/// Alkire–Foster: H (multidimensional headcount), A (average intensity among the poor),
/// M0 = H × A (adjusted headcount ratio).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlkireFoster {
    pub h: f64,
    pub a: f64,
    pub m0: f64,
    pub population: f64,
    pub by_indicator: BTreeMap<String, IndicatorPart>,
}

/// A population's measures: each present when the design asks for it and someone was measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measures {
    pub fgt: Option<Fgt>,
    pub af: Option<AlkireFoster>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

impl Sums {
    pub fn measures(&self, design: &Design) -> Measures {
        let fgt = (design.line.is_some() && self.income_weight > 0.0).then(|| Fgt {
            p0: self.fgt[0] / self.income_weight,
            p1: self.fgt[1] / self.income_weight,
            p2: self.fgt[2] / self.income_weight,
            population: self.income_weight,
        });
        let af = (!design.indicators.is_empty() && self.af_weight > 0.0).then(|| {
            let n = self.af_weight;
            let m0 = self.af_score / n;
            let by_indicator = design
                .indicators
                .iter()
                .enumerate()
                .map(|(j, i)| {
                    let ch = self.censored.get(j).copied().unwrap_or(0.0) / n;
                    (i.name.clone(), IndicatorPart { censored_headcount: ch, contribution: ratio(i.weight * ch, m0) })
                })
                .collect();
            AlkireFoster { h: self.af_poor / n, a: ratio(self.af_score, self.af_poor), m0, population: n, by_indicator }
        });
        Measures { fgt, af }
    }
}

/// A group's measures and its share of the whole's M0 (population share × M0_g / M0), so the
/// shares of all groups sum to 1.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMeasures {
    pub measures: Measures,
    pub m0_contribution: Option<f64>,
}

/// The whole population's measures and each group's, from per-group sums.
pub fn decompose(design: &Design, groups: &BTreeMap<String, Sums>) -> (Measures, BTreeMap<String, GroupMeasures>) {
    let mut total = Sums::default();
    for s in groups.values() {
        total.merge(s);
    }
    let whole = total.measures(design);
    let by_group = groups
        .iter()
        .map(|(g, s)| {
            let m = s.measures(design);
            let share = match (&whole.af, &m.af) {
                (Some(w), Some(a)) => Some(ratio(a.population * a.m0, w.population * w.m0)),
                _ => None,
            };
            (g.clone(), GroupMeasures { measures: m, m0_contribution: share })
        })
        .collect();
    (whole, by_group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn income_only(line: f64) -> Design {
        Design::new(Some(line), vec![], 0.5).unwrap()
    }

    #[test]
    fn the_world_bank_handbook_example() {
        // Haughton & Khandker, Handbook on Poverty and Inequality, ch. 4: incomes 100, 110,
        // 150, 160 against a line of 125.
        let d = income_only(125.0);
        let mut s = Sums::default();
        for x in [100.0, 110.0, 150.0, 160.0] {
            s.add(&d, 1.0, Some(x), None);
        }
        let f = s.measures(&d).fgt.unwrap();
        assert!(close(f.p0, 0.5), "{f:?}");
        assert!(close(f.p1, 0.08), "{f:?}");
        assert!(close(f.p2, 0.0136), "{f:?}");
    }

    #[test]
    fn a_weight_counts_as_that_many_units() {
        let d = income_only(125.0);
        let (mut weighted, mut repeated) = (Sums::default(), Sums::default());
        weighted.add(&d, 3.0, Some(100.0), None);
        weighted.add(&d, 1.0, Some(150.0), None);
        for x in [100.0, 100.0, 100.0, 150.0] {
            repeated.add(&d, 1.0, Some(x), None);
        }
        assert_eq!(weighted.measures(&d), repeated.measures(&d));
    }

    /// Alkire & Santos's style of worked example: four people, four equally weighted
    /// indicators, k = 2/4.
    ///   person 1: deprived in 1 (score 0.25, not poor)
    ///   person 2: deprived in 1, 2, 3 (0.75)
    ///   person 3: deprived in 1, 2, 3, 4 (1.0)
    ///   person 4: none
    /// H = 2/4, A = (0.75 + 1)/2 = 0.875, M0 = 0.4375; censored headcounts 2/4, 2/4, 2/4, 1/4;
    /// contributions 0.25·0.5/0.4375 = 2/7 three times and 0.25·0.25/0.4375 = 1/7.
    #[test]
    fn alkire_foster_worked_example() {
        let ind = |n: &str| Indicator { name: n.into(), cutoff: 1.0, weight: 1.0 };
        let d = Design::new(None, vec![ind("a"), ind("b"), ind("c"), ind("d")], 0.5).unwrap();
        let mut s = Sums::default();
        for v in [[0., 1., 1., 1.], [0., 0., 0., 1.], [0., 0., 0., 0.], [1., 1., 1., 1.]] {
            s.add(&d, 1.0, None, Some(&v));
        }
        let af = s.measures(&d).af.unwrap();
        assert!(close(af.h, 0.5) && close(af.a, 0.875) && close(af.m0, 0.4375), "{af:?}");
        let c = &af.by_indicator;
        assert!(close(c["a"].censored_headcount, 0.5) && close(c["d"].censored_headcount, 0.25));
        assert!(close(c["a"].contribution, 2.0 / 7.0) && close(c["d"].contribution, 1.0 / 7.0));
        assert!(s.measures(&d).fgt.is_none(), "no line, no FGT");
    }

    #[test]
    fn a_bad_design_is_refused() {
        let ind = |w: f64| Indicator { name: "x".into(), cutoff: 1.0, weight: w };
        assert_eq!(Design::new(Some(0.0), vec![], 0.5), Err(DesignError::Line));
        assert_eq!(Design::new(None, vec![], 0.5), Err(DesignError::Empty));
        assert_eq!(Design::new(None, vec![ind(-1.0)], 0.5), Err(DesignError::Weight("x".into())));
        assert_eq!(Design::new(None, vec![ind(1.0)], 0.0), Err(DesignError::K));
        assert_eq!(Design::new(None, vec![ind(1.0), ind(2.0)], 0.5), Err(DesignError::Duplicate("x".into())));
        assert_eq!(Design::new(Some(f64::NAN), vec![], 0.5), Err(DesignError::Line));
    }

    fn unit() -> impl Strategy<Value = (String, f64, f64, Vec<f64>)> {
        (prop::sample::select(vec!["甲", "乙", "丙"]), 0.5f64..6.0, 0.0f64..8000.0, prop::collection::vec(0.0f64..2.0, 3))
            .prop_map(|(g, w, x, v)| (g.to_string(), w, x, v))
    }

    proptest! {
        /// The decomposition identities: group M0 shares sum to 1, indicator contributions sum
        /// to 1, M0 = H·A = Σ_j w_j CH_j, and the whole's FGT is the population-weighted mean of
        /// the groups'.
        #[test]
        fn decompositions_add_up(units in prop::collection::vec(unit(), 1..60), k in 0.2f64..1.0) {
            let ind = |n: &str, w: f64| Indicator { name: n.into(), cutoff: 1.0, weight: w };
            let d = Design::new(Some(3402.0), vec![ind("x", 1.0), ind("y", 2.0), ind("z", 1.0)], k).unwrap();
            let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
            for (g, w, x, v) in &units {
                groups.entry(g.clone()).or_default().add(&d, *w, Some(*x), Some(v));
            }
            let (whole, by_group) = decompose(&d, &groups);
            let af = whole.af.unwrap();
            prop_assert!((af.m0 - af.h * af.a).abs() < 1e-9);
            let by_ind: f64 = d.indicators.iter().map(|i| i.weight * af.by_indicator[&i.name].censored_headcount).sum();
            prop_assert!((af.m0 - by_ind).abs() < 1e-9);
            if af.m0 > 0.0 {
                let shares: f64 = by_group.values().map(|g| g.m0_contribution.unwrap()).sum();
                prop_assert!((shares - 1.0).abs() < 1e-9);
                let parts: f64 = af.by_indicator.values().map(|p| p.contribution).sum();
                prop_assert!((parts - 1.0).abs() < 1e-9);
            }
            let fgt = whole.fgt.unwrap();
            for a in 0..3 {
                let pick = |f: &Fgt| [f.p0, f.p1, f.p2][a];
                let mean: f64 = by_group.values().map(|g| { let f = g.measures.fgt.unwrap(); pick(&f) * f.population }).sum::<f64>() / fgt.population;
                prop_assert!((pick(&fgt) - mean).abs() < 1e-9);
            }
            prop_assert!(fgt.p2 <= fgt.p1 + 1e-12 && fgt.p1 <= fgt.p0 + 1e-12);
        }
    }
}
