//! 成效评估 on any table an analyst brings: `fupin measures` (FGT and Alkire–Foster, as the
//! platform computes them over the register) and `fupin evaluation estimate` (design-based
//! estimates of 0/1 outcomes with 95% intervals). Both read CSV with a header row.

use super::{bail, Context};
use fupin_stats::poverty::{decompose, Design, Indicator, Sums};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The `--config` file of `fupin measures`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// FGT on this column; omitted for Alkire–Foster only.
    income: Option<String>,
    line: Option<f64>,
    /// An optional sampling weight column (every row weighs 1 without it).
    weight: Option<String>,
    /// Decompose by this column.
    group: Option<String>,
    k: Option<f64>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<IndicatorConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorConfig {
    column: String,
    cutoff: f64,
    weight: f64,
}

/// Reads a CSV file: its header and rows, every row as long as the header.
fn read_csv(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut r = csv::ReaderBuilder::new().flexible(false).from_path(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let headers: Vec<String> = r.headers().context("CSV 缺少表头")?.iter().map(|h| h.trim().to_string()).collect();
    let rows = r
        .records()
        .enumerate()
        .map(|(i, rec)| Ok(rec.with_context(|| format!("第{}行无法读取", i + 2))?.iter().map(|c| c.trim().to_string()).collect()))
        .collect::<anyhow::Result<Vec<Vec<String>>>>()?;
    Ok((headers, rows))
}

fn column(headers: &[String], name: &str) -> anyhow::Result<usize> {
    headers.iter().position(|h| h == name).with_context(|| format!("CSV 中没有列“{name}”（表头：{}）", headers.join(",")))
}

/// A number cell: None when empty (the unit is left out of the measure that needs it).
fn number(cell: &str, row: usize, col: &str) -> anyhow::Result<Option<f64>> {
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => bail!("第{row}行“{col}”列不是数字：{cell}"),
    }
}

pub fn measures(input: &Path, config: &Path, as_json: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(config).with_context(|| format!("无法读取 {}", config.display()))?;
    let c: Config = toml::from_str(&text).with_context(|| format!("{} 的配置有误", config.display()))?;
    if c.income.is_some() != c.line.is_some() {
        bail!("income 与 line 须同时给出（收入列与扶贫标准）");
    }
    if !c.indicators.is_empty() && c.k.is_none() {
        bail!("给出了 indicator 时须给出 k（多维贫困的临界值）");
    }
    let indicators = c.indicators.iter().map(|i| Indicator { name: i.column.clone(), cutoff: i.cutoff, weight: i.weight }).collect();
    let design = Design::new(c.line, indicators, c.k.unwrap_or(1.0)).map_err(|e| anyhow::anyhow!("配置有误：{e}"))?;
    let (headers, rows) = read_csv(input)?;
    let income = c.income.as_deref().map(|n| column(&headers, n)).transpose()?;
    let weight = c.weight.as_deref().map(|n| column(&headers, n)).transpose()?;
    let group = c.group.as_deref().map(|n| column(&headers, n)).transpose()?;
    let cols: Vec<usize> = c.indicators.iter().map(|i| column(&headers, &i.column)).collect::<anyhow::Result<_>>()?;
    let mut groups: BTreeMap<String, Sums> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let n = i + 2;
        let w = match weight {
            Some(j) => match number(&row[j], n, &headers[j])? {
                Some(w) if w >= 0.0 => w,
                _ => bail!("第{n}行的权重须为非负数"),
            },
            None => 1.0,
        };
        let x = income.map(|j| number(&row[j], n, &headers[j])).transpose()?.flatten();
        let values: Vec<Option<f64>> = cols.iter().map(|&j| number(&row[j], n, &headers[j])).collect::<anyhow::Result<_>>()?;
        let values: Option<Vec<f64>> = values.into_iter().collect();
        let g = group.map_or(String::new(), |j| row[j].clone());
        groups.entry(g).or_default().add(&design, w, x, values.as_deref());
    }
    let (whole, by_group) = decompose(&design, &groups);
    let out = |m: &fupin_stats::poverty::Measures| -> Value {
        json!({
            "fgt": m.fgt.map(|f| json!({"p0": f.p0, "p1": f.p1, "p2": f.p2, "population": f.population})),
            "af": m.af.as_ref().map(|a| json!({"h": a.h, "a": a.a, "m0": a.m0, "population": a.population, "by_indicator": a.by_indicator})),
        })
    };
    let mut report = out(&whole);
    if group.is_some() {
        let groups: serde_json::Map<String, Value> = by_group
            .iter()
            .map(|(g, m)| {
                let mut v = out(&m.measures);
                v["m0_contribution"] = json!(m.m0_contribution);
                (g.clone(), v)
            })
            .collect();
        report["groups"] = Value::Object(groups);
    }
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print_measures("全部", &whole);
    for (g, m) in &by_group {
        if group.is_some() {
            print_measures(g, &m.measures);
            if let Some(s) = m.m0_contribution {
                println!("  M0 贡献 {:.2}%", s * 100.0);
            }
        }
    }
    Ok(())
}

fn print_measures(name: &str, m: &fupin_stats::poverty::Measures) {
    println!("{name}");
    if let Some(f) = m.fgt {
        println!("  FGT（人口 {:.1}）: P0 {:.6}  P1 {:.6}  P2 {:.6}", f.population, f.p0, f.p1, f.p2);
    }
    if let Some(a) = &m.af {
        println!("  Alkire–Foster（人口 {:.1}）: H {:.6}  A {:.6}  M0 {:.6}", a.population, a.h, a.a, a.m0);
        for (col, p) in &a.by_indicator {
            println!("    {col}: 删截贫困发生率 {:.6}  贡献 {:.2}%", p.censored_headcount, p.contribution * 100.0);
        }
    }
    if m.fgt.is_none() && m.af.is_none() {
        println!("  （没有可测度的行：收入或指标列为空）");
    }
}

/// The register's measures of a region, as the API serves them (the system caller: the whole
/// province is in scope).
pub fn region_measures(store: &dyn fupin_store::Store, region: &str, year: Option<i32>, as_json: bool) -> anyhow::Result<()> {
    let region = fupin_domain::RegionCode::parse(region)?;
    let as_of = super::business_date(store)?;
    let year = year.unwrap_or(as_of.year - 1);
    let caller = fupin_domain::access::Caller::system(fupin_domain::RegionCode::parse("37")?);
    let m = store.measures(&caller, &region, year, as_of)?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&m)?);
        return Ok(());
    }
    println!(
        "{} {year}年贫困测度：在册 {} 户 {} 人，其中 {} 户未录入本年度收入；用时 {:.2} 秒",
        m.region.name, m.households, m.persons, m.without_income, m.seconds
    );
    print_measures(&m.region.name, &m.measures);
    for c in &m.children {
        print_measures(&c.region.name, &c.measures.measures);
        if let Some(s) = c.measures.m0_contribution {
            println!("  M0 贡献 {:.2}%", s * 100.0);
        }
    }
    Ok(())
}

/// `fupin evaluation estimate`: each outcome column's rate with its interval, by the design.
pub fn estimate(input: &Path, method: &str, level: f64, as_json: bool) -> anyhow::Result<()> {
    use fupin_stats::survey::{estimate_table, Method};
    let method: Method = serde_json::from_value(json!(method))
        .map_err(|_| anyhow::anyhow!("--method 应为 korn_graubard、wilson 或 clopper_pearson，而不是“{method}”"))?;
    let (headers, rows) = read_csv(input)?;
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    // Data rows count from the file's second line (the first is the header).
    let outcomes = estimate_table(&headers, &rows, method, level).map_err(|e| anyhow::anyhow!("{}", e.chinese(2)))?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&json!({ "outcomes": outcomes }))?);
        return Ok(());
    }
    println!(
        "{:.0}% 置信区间（{}），按设计加权、以村为初级抽样单元线性化估计方差：",
        level * 100.0,
        serde_json::to_value(method)?.as_str().unwrap_or("")
    );
    for (column, e) in &outcomes {
        println!(
            "  {column}: {:.4}%  [{:.4}%, {:.4}%]  样本 {} 个、{} 个初级单元，设计效应 {}，有效样本量 {:.1}，自由度 {}",
            e.estimate * 100.0,
            e.ci.0 * 100.0,
            e.ci.1 * 100.0,
            e.n,
            e.n_psu,
            e.deff.map_or("—".to_string(), |d| format!("{d:.2}")),
            e.n_effective,
            e.df
        );
    }
    Ok(())
}
