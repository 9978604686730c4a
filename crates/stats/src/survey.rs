//! Design-based estimates of a rate from a third-party evaluation's sample (DOMAIN.md, "County
//! exit"): 错退率, 漏评率 and 群众认可度 are ratios estimated from a stratified cluster sample —
//! counties as strata, villages as primary sampling units (PSUs), households within them — and
//! each is judged against a threshold (2%, 90%) that vetoes a county's exit.
//!
//! Why not p ± 1.96·se: the rates sit near 0 (or 1), a county's sample is a few hundred
//! households in twenty-odd villages, and households in one village answer alike. The Wald
//! interval then dips below 0 and covers the truth far less often than it says. So the variance
//! is the Taylor linearisation of the ratio with PSUs taken as drawn with replacement within
//! strata (the "ultimate cluster" estimator, as R survey's `svyratio` and Stata's `svy`), and the
//! default interval is Korn & Graubard's: Clopper–Pearson on the effective sample size, shrunk
//! for the few degrees of freedom a clustered design has.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Normal, StudentsT};
use std::collections::{BTreeMap, BTreeSet};

/// One sampled unit (a household, or a person). The rate is R = Σ w·value / Σ w·denominator;
/// a proportion has denominator 1 and value 0 or 1. A unit outside the rate's base (a household
/// not asked the question) has denominator 0 and stays in the sample, so that its PSU still
/// counts in the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub stratum: String,
    /// The PSU's label within its stratum: the same label in two strata is two PSUs.
    pub psu: String,
    /// The design weight (inverse of the unit's inclusion probability).
    pub weight: f64,
    pub value: f64,
    pub denominator: f64,
}

/// How the interval is built from the estimate and its design-based variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    /// Clopper–Pearson on the effective sample size adjusted for the design's degrees of freedom
    /// (Korn & Graubard 1998); what NCHS requires for proportions.
    #[default]
    KornGraubard,
    /// Wilson's score interval on the effective sample size, with t on the design's degrees of
    /// freedom in place of z.
    Wilson,
    /// Clopper–Pearson on the effective sample size, without the degrees-of-freedom adjustment.
    ClopperPearson,
}

/// A rate with its interval and what the design did to its precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Estimate {
    pub estimate: f64,
    /// (lower, upper), inside [0, 1].
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<f64>))]
    pub ci: (f64, f64),
    /// Units in the rate's base (denominator > 0).
    pub n: usize,
    /// PSUs in the sample, including those with nobody in the base.
    pub n_psu: usize,
    /// Design effect: the variance over a simple random sample's p(1−p)/n; None at p = 0 or 1.
    pub deff: Option<f64>,
    /// p(1−p)/variance, at most n; n when the variance or p(1−p) is 0.
    pub n_effective: f64,
    /// Linearised variance of the estimate.
    pub variance: f64,
    /// Degrees of freedom: PSUs − strata, at least 1.
    pub df: usize,
    pub method: Method,
    pub level: f64,
}

/// Rows are 1-based: the first observation, or the first data row after the header, is row 1.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurveyError {
    #[error("no observations")]
    Empty,
    #[error("row {row}: the weight must be a positive number")]
    Weight { row: usize },
    #[error("row {row}: value and denominator must be numbers with 0 ≤ value ≤ denominator")]
    Value { row: usize },
    #[error("the weighted denominator is zero: no sampled unit is in the rate's base")]
    Denominator,
    #[error("the confidence level must be strictly between 0 and 1")]
    Level,
    #[error("the whole sample is one PSU: a design-based variance needs at least two")]
    SinglePsu,
    #[error("the table has no `{0}` column")]
    MissingColumn(String),
    #[error("the table has column `{0}` twice")]
    DuplicateColumn(String),
    #[error("the table has no outcome column besides stratum, psu and weight")]
    NoOutcome,
    #[error("row {row} has {cells} cells where the header has {expected}")]
    RowLength { row: usize, cells: usize, expected: usize },
    #[error("row {row}, column `{column}`: not a valid value")]
    Cell { row: usize, column: String },
    #[error("column `{0}` has no answers")]
    NoAnswers(String),
}

impl SurveyError {
    /// The message for users (pages and the CLI speak Chinese; `Display` stays English for logs),
    /// row 1 shown as `first_row` (2 for a file whose first line is the header, as a spreadsheet
    /// numbers it).
    pub fn chinese(&self, first_row: usize) -> String {
        let line = |row: &usize| row + first_row - 1;
        match self {
            SurveyError::Empty => "没有样本".into(),
            SurveyError::Weight { row } => format!("第{}行：权重须为正数", line(row)),
            SurveyError::Value { row } => format!("第{}行：取值与分母须为数字，且 0 ≤ 取值 ≤ 分母", line(row)),
            SurveyError::Denominator => "加权分母为零：没有样本属于该比率的统计范围".into(),
            SurveyError::Level => "置信水平须在0与1之间".into(),
            SurveyError::SinglePsu => "全部样本只有一个初级抽样单元（村），无法按设计估计方差，至少需要两个".into(),
            SurveyError::MissingColumn(c) => format!("表中没有“{c}”列"),
            SurveyError::DuplicateColumn(c) => format!("“{c}”列出现了两次"),
            SurveyError::NoOutcome => "除 stratum、psu、weight 外没有结果列".into(),
            SurveyError::RowLength { row, cells, expected } => format!("第{}行有{cells}格，表头有{expected}列", line(row)),
            SurveyError::Cell { row, column } => format!("第{}行“{column}”列的值无效（应为0、1或留空）", line(row)),
            SurveyError::NoAnswers(c) => format!("“{c}”列没有任何回答"),
        }
    }
}

/// The ratio, its linearised variance and interval.
pub fn estimate_ratio(obs: &[Observation], method: Method, level: f64) -> Result<Estimate, SurveyError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(SurveyError::Level);
    }
    if obs.is_empty() {
        return Err(SurveyError::Empty);
    }
    check(obs)?;
    let y: f64 = obs.iter().map(|o| o.weight * o.value).sum();
    let x: f64 = obs.iter().map(|o| o.weight * o.denominator).sum();
    if !(x > 0.0 && x.is_finite()) {
        return Err(SurveyError::Denominator);
    }
    // value ≤ denominator row by row keeps R in [0, 1]; the clamp only removes rounding.
    let p = (y / x).clamp(0.0, 1.0);
    let design = linearise(obs, p, x);
    if design.n_psu < 2 {
        return Err(SurveyError::SinglePsu);
    }
    let n = obs.iter().filter(|o| o.denominator > 0.0).count();
    let nf = n as f64;
    let df = design.n_psu.saturating_sub(design.n_strata).max(1);
    let variance = design.variance;
    let pq = p * (1.0 - p);
    let deff = (pq > 0.0).then(|| variance / (pq / nf));
    // At p = 0 or 1, or with no spread between PSUs, the data hold no information about the
    // design effect, so the interval falls back to the nominal sample size (NCHS 2017).
    let n_effective = if pq > 0.0 && variance > 0.0 { (pq / variance).min(nf) } else { nf };
    let alpha = 1.0 - level;
    let ci = match method {
        Method::ClopperPearson => clopper_pearson(p * n_effective, n_effective, alpha),
        Method::Wilson => wilson(p, n_effective, t_quantile(df as f64, 1.0 - alpha / 2.0)),
        Method::KornGraubard => {
            let n_star = n_effective * df_adjustment(n, df, alpha);
            clopper_pearson(p * n_star, n_star, alpha)
        }
    };
    Ok(Estimate { estimate: p, ci, n, n_psu: design.n_psu, deff, n_effective, variance, df, method, level })
}

/// One estimate per outcome column of a table: columns `stratum` (optional: one stratum),
/// `psu`, `weight` (optional: every weight 1), and any others as outcomes with cells 0, 1 or
/// empty. An empty cell is a unit not asked that question: it stays in the design with
/// denominator 0, as a domain estimate should, so every column has the same PSUs and df.
pub fn estimate_table(
    headers: &[&str],
    rows: &[Vec<String>],
    method: Method,
    level: f64,
) -> Result<BTreeMap<String, Estimate>, SurveyError> {
    let headers: Vec<&str> = headers.iter().map(|h| h.trim()).collect();
    let mut seen = BTreeSet::new();
    for h in &headers {
        if !seen.insert(*h) {
            return Err(SurveyError::DuplicateColumn(h.to_string()));
        }
    }
    let find = |name: &str| headers.iter().position(|h| *h == name);
    let psu = find("psu").ok_or_else(|| SurveyError::MissingColumn("psu".into()))?;
    let (stratum, weight) = (find("stratum"), find("weight"));
    let outcomes: Vec<usize> = (0..headers.len()).filter(|c| Some(*c) != stratum && *c != psu && Some(*c) != weight).collect();
    if outcomes.is_empty() {
        return Err(SurveyError::NoOutcome);
    }
    if rows.is_empty() {
        return Err(SurveyError::Empty);
    }
    let units = design_columns(&headers, rows, stratum, psu, weight)?;
    let mut out = BTreeMap::new();
    for c in outcomes {
        let mut obs = Vec::with_capacity(rows.len());
        for (i, (row, (stratum, psu, weight))) in rows.iter().zip(&units).enumerate() {
            let (value, denominator) = match row[c].trim() {
                "" => (0.0, 0.0),
                cell => match cell.parse::<f64>() {
                    Ok(v) if v == 0.0 || v == 1.0 => (v, 1.0),
                    _ => return Err(SurveyError::Cell { row: i + 1, column: headers[c].to_string() }),
                },
            };
            obs.push(Observation { stratum: stratum.to_string(), psu: psu.to_string(), weight: *weight, value, denominator });
        }
        if obs.iter().all(|o| o.denominator == 0.0) {
            return Err(SurveyError::NoAnswers(headers[c].to_string()));
        }
        out.insert(headers[c].to_string(), estimate_ratio(&obs, method, level)?);
    }
    Ok(out)
}

/// Each row's stratum, PSU and weight, checked once for all outcome columns.
fn design_columns<'a>(
    headers: &[&str],
    rows: &'a [Vec<String>],
    stratum: Option<usize>,
    psu: usize,
    weight: Option<usize>,
) -> Result<Vec<(&'a str, &'a str, f64)>, SurveyError> {
    let mut units = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let r = i + 1;
        if row.len() != headers.len() {
            return Err(SurveyError::RowLength { row: r, cells: row.len(), expected: headers.len() });
        }
        let label = |c: usize| {
            let v = row[c].trim();
            if v.is_empty() {
                Err(SurveyError::Cell { row: r, column: headers[c].to_string() })
            } else {
                Ok(v)
            }
        };
        let s = match stratum {
            Some(c) => label(c)?,
            None => "",
        };
        let w = match weight {
            Some(c) => label(c)?.parse::<f64>().map_err(|_| SurveyError::Cell { row: r, column: headers[c].to_string() })?,
            None => 1.0,
        };
        if !(w.is_finite() && w > 0.0) {
            return Err(SurveyError::Weight { row: r });
        }
        units.push((s, label(psu)?, w));
    }
    Ok(units)
}

fn check(obs: &[Observation]) -> Result<(), SurveyError> {
    for (i, o) in obs.iter().enumerate() {
        if !(o.weight.is_finite() && o.weight > 0.0) {
            return Err(SurveyError::Weight { row: i + 1 });
        }
        let ok = o.value.is_finite() && o.denominator.is_finite() && o.value >= 0.0 && o.value <= o.denominator;
        if !ok {
            return Err(SurveyError::Value { row: i + 1 });
        }
    }
    Ok(())
}

struct Linearised {
    variance: f64,
    n_psu: usize,
    n_strata: usize,
}

/// The ultimate-cluster variance of R = Ŷ/X̂: with z_i = w_i (y_i − R x_i)/X̂ summed to PSU
/// totals z_hj, var = Σ_h n_h/(n_h − 1) Σ_j (z_hj − z̄_h)². No finite-population correction:
/// evaluators draw a few villages of hundreds, and with-replacement is the conservative side.
///
/// A stratum with a single PSU has no spread of its own to measure. Following R survey's
/// `survey.lonely.psu = "adjust"`, it is centred at the grand mean of all PSU totals instead of
/// its own mean, with a scale of 1. That grand mean is zero here (Σ z_i = 0 is what defines R),
/// so the stratum contributes z_h1²: conservative, where dropping it would claim a precision
/// the sample cannot show.
fn linearise(obs: &[Observation], r: f64, x_total: f64) -> Linearised {
    let mut strata: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for o in obs {
        *strata.entry(o.stratum.as_str()).or_default().entry(o.psu.as_str()).or_default() +=
            o.weight * (o.value - r * o.denominator) / x_total;
    }
    let variance = strata
        .values()
        .map(|psus| {
            let m = psus.len() as f64;
            if psus.len() == 1 {
                psus.values().map(|z| z * z).sum()
            } else {
                let mean = psus.values().sum::<f64>() / m;
                m / (m - 1.0) * psus.values().map(|z| (z - mean).powi(2)).sum::<f64>()
            }
        })
        .sum();
    Linearised { variance, n_psu: strata.values().map(|p| p.len()).sum(), n_strata: strata.len() }
}

/// Korn & Graubard (1998), "Confidence intervals for proportions with small expected number of
/// positive counts estimated from survey data", Survey Methodology 24(2), 193–201: the effective
/// sample size is multiplied by (t_{n−1} / t_df)², so that a design with few degrees of freedom
/// gets the wider interval its t would give. Capped at 1: a domain can hold fewer units than the
/// design has degrees of freedom, and that is no reason to claim more than n_eff.
fn df_adjustment(n: usize, df: usize, alpha: f64) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let q = 1.0 - alpha / 2.0;
    (t_quantile((n - 1) as f64, q) / t_quantile(df as f64, q)).powi(2).min(1.0)
}

fn t_quantile(df: f64, q: f64) -> f64 {
    // statrs's inverse beta loses digits past df ≈ 10⁵ (1.95985 for t_{10⁶, 0.975}, not
    // 1.95997); there the first Cornish–Fisher term on the normal quantile is exact to ~10⁻⁸.
    if df > 1e4 {
        let z = Normal::standard().inverse_cdf(q);
        return z + (z.powi(3) + z) / (4.0 * df);
    }
    // statrs only refuses a non-positive df, and callers pass at least 1.
    StudentsT::new(0.0, 1.0, df.max(1.0)).map_or(f64::NAN, |t| t.inverse_cdf(q))
}

/// The exact binomial interval through beta quantiles, for a (possibly fractional) count x out
/// of n: lower = B(α/2; x, n − x + 1), upper = B(1 − α/2; x + 1, n − x), with 0 and 1 at the ends.
fn clopper_pearson(x: f64, n: f64, alpha: f64) -> (f64, f64) {
    let quantile = |a: f64, b: f64, q: f64, edge: f64| Beta::new(a, b).map_or(edge, |d| d.inverse_cdf(q));
    let lower = if x <= 0.0 { 0.0 } else { quantile(x, n - x + 1.0, alpha / 2.0, 0.0) };
    let upper = if x >= n { 1.0 } else { quantile(x + 1.0, n - x, 1.0 - alpha / 2.0, 1.0) };
    (lower.clamp(0.0, 1.0), upper.clamp(0.0, 1.0))
}

/// Wilson's score interval: the p's whose score test at z does not reject.
fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    ((centre - half).clamp(0.0, 1.0), (centre + half).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn ob(stratum: &str, psu: &str, weight: f64, value: f64) -> Observation {
        Observation { stratum: stratum.into(), psu: psu.into(), weight, value, denominator: 1.0 }
    }

    fn near(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    /// Two strata, two households per PSU:
    ///   A (w = 2): a1 = {1, 0}, a2 = {0, 0}, a3 = {1, 1}
    ///   B (w = 4): b1 = {0, 0}, b2 = {1, 0}
    /// Ŷ = 2·3 + 4·1 = 10, X̂ = 2·6 + 4·4 = 28, R = 5/14.
    /// PSU totals z = w(Σy − 2R)/28, in units of 1/98: a = 2, −5, 9; b = −10, 4 (they sum to 0).
    /// A: mean 2, deviations 0, −7, 7 → 98/98² = 1/98, × 3/2 = 3/196.
    /// B: mean −3, deviations −7, 7 → 1/98, × 2/1 = 4/196.
    /// var = 7/196 = 1/28; df = 5 − 2 = 3; SRS variance (5/14)(9/14)/10 = 9/392, so
    /// deff = 14/9 and n_eff = (45/196)·28 = 45/7.
    #[test]
    fn a_hand_computed_stratified_cluster_sample() {
        let obs = vec![
            ob("A", "a1", 2.0, 1.0),
            ob("A", "a1", 2.0, 0.0),
            ob("A", "a2", 2.0, 0.0),
            ob("A", "a2", 2.0, 0.0),
            ob("A", "a3", 2.0, 1.0),
            ob("A", "a3", 2.0, 1.0),
            ob("B", "b1", 4.0, 0.0),
            ob("B", "b1", 4.0, 0.0),
            ob("B", "b2", 4.0, 1.0),
            ob("B", "b2", 4.0, 0.0),
        ];
        let e = estimate_ratio(&obs, Method::KornGraubard, 0.95).unwrap();
        assert!(near(e.estimate, 5.0 / 14.0, 1e-12), "{e:?}");
        assert!(near(e.variance, 1.0 / 28.0, 1e-12), "{e:?}");
        assert_eq!((e.n, e.n_psu, e.df), (10, 5, 3));
        assert!(near(e.deff.unwrap(), 14.0 / 9.0, 1e-9), "{e:?}");
        assert!(near(e.n_effective, 45.0 / 7.0, 1e-9), "{e:?}");
        // Korn–Graubard shrinks n_eff by (t_9/t_3)² = (2.262157/3.182446)², so its interval is
        // wider than plain Clopper–Pearson on n_eff, which is wider than Wilson's at t_3.
        let cp = estimate_ratio(&obs, Method::ClopperPearson, 0.95).unwrap();
        assert!(e.ci.0 < cp.ci.0 && e.ci.1 > cp.ci.1, "{e:?} {cp:?}");
        let n_star = 45.0 / 7.0 * (2.262157 / 3.182446f64).powi(2);
        let expected = clopper_pearson(5.0 / 14.0 * n_star, n_star, 0.05);
        assert!(near(e.ci.0, expected.0, 1e-5) && near(e.ci.1, expected.1, 1e-5), "{e:?} {expected:?}");
    }

    /// A stratum of one PSU adds its squared total (R survey's "adjust"), rather than nothing.
    #[test]
    fn a_lonely_psu_counts_at_the_grand_mean() {
        let mut obs = vec![ob("A", "a1", 1.0, 1.0), ob("A", "a2", 1.0, 0.0), ob("B", "b1", 1.0, 0.0)];
        let e = estimate_ratio(&obs, Method::Wilson, 0.95).unwrap();
        // R = 1/3; z = 2/9, −1/9, −1/9. A: mean 1/18, 2·(2·(1/6)²) = 1/9; B: 1/81.
        assert!(near(e.variance, 1.0 / 9.0 + 1.0 / 81.0, 1e-12), "{e:?}");
        assert_eq!(e.df, 1);
        obs.truncate(1);
        assert_eq!(estimate_ratio(&obs, Method::Wilson, 0.95), Err(SurveyError::SinglePsu));
    }

    #[test]
    fn clopper_pearson_known_values() {
        let (l, u) = clopper_pearson(0.0, 10.0, 0.05);
        assert!(l == 0.0 && near(u, 0.3085, 1e-4), "{l} {u}");
        let (l, u) = clopper_pearson(5.0, 10.0, 0.05);
        assert!(near(l, 0.1871, 1e-4) && near(u, 0.8129, 1e-4), "{l} {u}");
        let (l, u) = clopper_pearson(10.0, 10.0, 0.05);
        assert!(near(l, 0.6915, 1e-4) && u == 1.0, "{l} {u}");
    }

    #[test]
    fn wilson_known_value() {
        let (l, u) = wilson(0.5, 10.0, 1.959964);
        assert!(near(l, 0.2366, 1e-4) && near(u, 0.7634, 1e-4), "{l} {u}");
    }

    #[test]
    fn t_quantiles() {
        assert!(near(t_quantile(3.0, 0.975), 3.182446, 1e-5));
        assert!(near(t_quantile(1000.0, 0.975), 1.962339, 1e-6));
        assert!(near(t_quantile(2e4, 0.975), 1.960083, 1e-6));
        assert!(near(t_quantile(1e6, 0.975), 1.959966, 1e-6));
    }

    /// One stratum, every PSU one household of weight 1: z_i = (y_i − p)/n, so the variance is
    /// n/(n−1) · Σ(y_i − p)²/n² = p(1−p)/(n−1), the SRS variance of a mean with its n/(n−1).
    #[test]
    fn without_clusters_the_variance_is_the_srs_variance() {
        let ys = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let obs: Vec<_> = ys.iter().enumerate().map(|(i, y)| ob("s", &i.to_string(), 1.0, *y)).collect();
        let e = estimate_ratio(&obs, Method::KornGraubard, 0.95).unwrap();
        let (n, p) = (12.0, 0.25);
        assert!(near(e.variance, p * (1.0 - p) / (n - 1.0), 1e-12), "{e:?}");
        assert_eq!(e.df, 11);
        // With df = n − 1 Korn–Graubard is Clopper–Pearson on n_eff.
        let cp = estimate_ratio(&obs, Method::ClopperPearson, 0.95).unwrap();
        assert!(near(e.ci.0, cp.ci.0, 1e-12) && near(e.ci.1, cp.ci.1, 1e-12));
    }

    #[test]
    fn a_rate_of_zero_has_an_honest_upper_bound() {
        let obs: Vec<_> = (0..40).map(|i| ob("s", &(i / 8).to_string(), 1.0, 0.0)).collect();
        let e = estimate_ratio(&obs, Method::KornGraubard, 0.95).unwrap();
        assert_eq!((e.estimate, e.deff, e.n_effective), (0.0, None, 40.0));
        // Five villages are worth less than 40 independent households: n* = 40 · (t_39/t_4)²
        // ≈ 21.2, so the upper bound is 1 − 0.025^(1/21.2) ≈ 0.16, where Clopper–Pearson on 40
        // would claim 0.088.
        let n_star = 40.0 * (2.022691 / 2.776445f64).powi(2);
        assert!(e.ci.0 == 0.0 && near(e.ci.1, 1.0 - 0.025f64.powf(1.0 / n_star), 1e-5), "{e:?}");
    }

    /// 1,500 villages of 8 households; 10% of villages have a rate of 21%, the rest 1%, so the
    /// rate is about 3% with an intra-village correlation of about 0.12. 1,000 samples of 30
    /// villages (all 8 households each, equal weights).
    #[test]
    fn korn_graubard_covers_a_rare_clustered_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(20170101);
        let villages: Vec<[f64; 8]> = (0..1500)
            .map(|_| {
                let rate = if rng.random_bool(0.1) { 0.21 } else { 0.01 };
                std::array::from_fn(|_| if rng.random_bool(rate) { 1.0 } else { 0.0 })
            })
            .collect();
        let truth = villages.iter().flatten().sum::<f64>() / (1500.0 * 8.0);
        let (mut kg, mut wilson, mut draws) = (0, 0, 0);
        for seed in 0..1000 {
            let picked = crate::sample::draw_srs(villages.len(), 30, seed);
            let obs: Vec<_> =
                picked.iter().flat_map(|v| villages[*v].iter().map(move |y| ob("county", &v.to_string(), 50.0, *y))).collect();
            let covers = |m| {
                let e = estimate_ratio(&obs, m, 0.95).unwrap();
                e.ci.0 <= truth && truth <= e.ci.1
            };
            kg += covers(Method::KornGraubard) as usize;
            wilson += covers(Method::Wilson) as usize;
            draws += 1;
        }
        let (kg, wilson) = (kg as f64 / draws as f64, wilson as f64 / draws as f64);
        println!("true rate {truth:.4}: Korn–Graubard covers {kg:.3}, Wilson {wilson:.3}");
        assert!(kg >= 0.92, "Korn–Graubard covered {kg}");
    }

    #[test]
    fn bad_input_is_refused() {
        let good = vec![ob("A", "1", 1.0, 1.0), ob("A", "2", 1.0, 0.0)];
        let kg = Method::KornGraubard;
        assert_eq!(estimate_ratio(&[], kg, 0.95), Err(SurveyError::Empty));
        for level in [0.0, 1.0, -0.5, 95.0, f64::NAN] {
            assert_eq!(estimate_ratio(&good, kg, level), Err(SurveyError::Level));
        }
        let mut bad = good.clone();
        bad[1].weight = -1.0;
        assert_eq!(estimate_ratio(&bad, kg, 0.95), Err(SurveyError::Weight { row: 2 }));
        bad[1].weight = f64::NAN;
        assert_eq!(estimate_ratio(&bad, kg, 0.95), Err(SurveyError::Weight { row: 2 }));
        let mut bad = good.clone();
        bad[0].value = 2.0;
        assert_eq!(estimate_ratio(&bad, kg, 0.95), Err(SurveyError::Value { row: 1 }));
        let mut bad = good.clone();
        for o in &mut bad {
            o.value = 0.0;
            o.denominator = 0.0;
        }
        assert_eq!(estimate_ratio(&bad, kg, 0.95), Err(SurveyError::Denominator));

        let rows = |cells: &[&[&str]]| cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect::<Vec<Vec<_>>>();
        let h = ["stratum", "psu", "weight", "错退"];
        let table = |r: &[&[&str]]| estimate_table(&h, &rows(r), kg, 0.95);
        assert_eq!(table(&[&["A", "1", "1", "1"], &["A", "2", "1", "x"]]), Err(SurveyError::Cell { row: 2, column: "错退".into() }));
        assert_eq!(table(&[&["A", "1", "1", "1"], &["A", "2", "-3", "0"]]), Err(SurveyError::Weight { row: 2 }));
        assert_eq!(table(&[&["A", "1", "kg", "1"]]), Err(SurveyError::Cell { row: 1, column: "weight".into() }));
        assert_eq!(table(&[&["A", "", "1", "1"]]), Err(SurveyError::Cell { row: 1, column: "psu".into() }));
        assert_eq!(table(&[&["A", "1", "1"]]), Err(SurveyError::RowLength { row: 1, cells: 3, expected: 4 }));
        assert_eq!(table(&[&["A", "1", "1", ""], &["A", "2", "1", ""]]), Err(SurveyError::NoAnswers("错退".into())));
        assert_eq!(table(&[]), Err(SurveyError::Empty));
        assert_eq!(estimate_table(&["stratum", "weight", "y"], &[], kg, 0.95), Err(SurveyError::MissingColumn("psu".into())));
        assert_eq!(estimate_table(&["psu", "weight"], &[], kg, 0.95), Err(SurveyError::NoOutcome));
        assert_eq!(estimate_table(&["psu", "y", "y"], &[], kg, 0.95), Err(SurveyError::DuplicateColumn("y".into())));
    }

    /// Each outcome column is estimate_ratio on that column, with blanks as out-of-base units.
    #[test]
    fn a_table_gives_what_the_observations_give() {
        let h = ["stratum", "psu", "weight", "错退", "认可"];
        let cells = [
            ["县甲", "村1", "2", "0", "1"],
            ["县甲", "村1", "2", "1", "1"],
            ["县甲", "村2", "2", "0", ""],
            ["县甲", "村2", "2", "0", "0"],
            ["县乙", "村1", "3.5", "", "1"],
            ["县乙", "村3", "3.5", "1", "1"],
            ["县乙", "村3", "3.5", "0", "1"],
        ];
        let rows: Vec<Vec<String>> = cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        let got = estimate_table(&h, &rows, Method::Wilson, 0.9).unwrap();
        for (c, name) in [(3, "错退"), (4, "认可")] {
            let obs: Vec<_> = cells
                .iter()
                .map(|r| {
                    let asked = !r[c].is_empty();
                    Observation {
                        stratum: r[0].into(),
                        psu: r[1].into(),
                        weight: r[2].parse().unwrap(),
                        value: if r[c] == "1" { 1.0 } else { 0.0 },
                        denominator: if asked { 1.0 } else { 0.0 },
                    }
                })
                .collect();
            assert_eq!(got[name], estimate_ratio(&obs, Method::Wilson, 0.9).unwrap());
        }
        assert_eq!((got["错退"].n, got["错退"].n_psu, got["认可"].n), (6, 4, 6));
        // Without weight and stratum columns: one stratum, weight 1.
        let plain: Vec<Vec<String>> = rows.iter().map(|r| vec![format!("{}{}", r[0], r[1]), r[3].clone()]).collect();
        let e = &estimate_table(&["psu", "错退"], &plain, Method::KornGraubard, 0.95).unwrap()["错退"];
        assert!(near(e.estimate, 2.0 / 6.0, 1e-12) && e.df == 3, "{e:?}");
    }

    proptest::proptest! {
        /// Whatever the sample, every method gives 0 ≤ lower ≤ estimate ≤ upper ≤ 1, and
        /// Korn–Graubard is never narrower than Clopper–Pearson on the same n_eff.
        #[test]
        fn intervals_hold_the_estimate(units in proptest::collection::vec((0u8..3, 0u8..6, 0.5f64..10.0, proptest::bool::weighted(0.1)), 1..80)) {
            let obs: Vec<_> = units.iter().map(|(s, p, w, y)| ob(&s.to_string(), &p.to_string(), *w, f64::from(u8::from(*y)))).collect();
            let Ok(kg) = estimate_ratio(&obs, Method::KornGraubard, 0.95) else { return Ok(()) };
            for m in [Method::KornGraubard, Method::Wilson, Method::ClopperPearson] {
                let e = estimate_ratio(&obs, m, 0.95).unwrap();
                proptest::prop_assert!(0.0 <= e.ci.0 && e.ci.0 <= e.estimate + 1e-12 && e.estimate <= e.ci.1 + 1e-12 && e.ci.1 <= 1.0, "{e:?}");
                proptest::prop_assert!(e.n_effective <= e.n as f64 && e.n_effective > 0.0, "{e:?}");
            }
            let cp = estimate_ratio(&obs, Method::ClopperPearson, 0.95).unwrap();
            proptest::prop_assert!(kg.ci.0 <= cp.ci.0 + 1e-12 && kg.ci.1 >= cp.ci.1 - 1e-12, "{kg:?} {cp:?}");
        }
    }

    #[test]
    fn method_serialises_in_snake_case() {
        assert_eq!(serde_json::to_string(&Method::KornGraubard).ok(), Some("\"korn_graubard\"".into()));
        assert_eq!(Method::default(), Method::KornGraubard);
    }
}
