//! A region's poverty measures from its files. Each county's files are read once (the registry's
//! `each_file`), each live file is read by the domain's `measures::read` (persons, per-capita
//! income, deprivations) and folded into the sums of its child region; the sums merge into the
//! region's. Counties run in parallel.

use crate::core::query::require;
use crate::platform::{PlatformStore, Region};
use crate::registry::scan::each_file;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::evaluation::measures::{measured, read, Dimension};
use fupin_domain::id_number::Date;
use fupin_domain::{DomainError, RegionCode};
use fupin_stats::poverty::{decompose, Design, GroupMeasures, Indicator, Measures, Sums};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// One child region's measures and its share of the region's M0.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildMeasures {
    pub region: Region,
    pub households: u64,
    pub measures: GroupMeasures,
}

/// What `GET /api/v1/measures/{region}` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionMeasures {
    pub region: Region,
    pub year: i32,
    /// The year's poverty line, 元 per person; FGT is absent without one.
    pub line: Option<f64>,
    /// The Alkire–Foster dimensions (code, label, normalised weight) and the cutoff k.
    pub dimensions: Vec<DimensionWeight>,
    pub k: f64,
    /// Live files measured (on the register, not removed) and the persons in them.
    pub households: u64,
    pub persons: i64,
    /// Files without the year's income: left out of FGT and, when income is a dimension, of
    /// Alkire–Foster.
    pub without_income: u64,
    pub measures: Measures,
    pub children: Vec<ChildMeasures>,
    /// How long the pass took, seconds.
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DimensionWeight {
    pub code: String,
    pub label: String,
    pub weight: f64,
}

/// One child region's files, persons and sums.
#[derive(Default, Clone)]
struct Group {
    files: u64,
    persons: i64,
    sums: Sums,
}

#[derive(Default)]
struct Part {
    groups: BTreeMap<String, Group>,
    without_income: u64,
}

pub(crate) fn of_region<B: crate::core::db::Backend>(
    store: &SqlStore<B>,
    caller: &Caller,
    code: &RegionCode,
    year: i32,
    as_of: Date,
) -> Result<RegionMeasures> {
    require(caller.role.may(Action::ReadFigures), "无权查看指标")?;
    if !caller.scope.contains_region(code) {
        return Err(StoreError::NotFound);
    }
    if !(2014..=2035).contains(&year) {
        return Err(DomainError::new("measures.year", "年度须在2014–2035之间").into());
    }
    let region = store.region(code)?.ok_or(StoreError::NotFound)?;
    let rules = &store.rules.measures;
    let line = store.rules.poverty_line(year);
    let indicators =
        rules.dimensions.iter().map(|w| Indicator { name: w.dimension.code().to_string(), cutoff: 0.5, weight: w.weight }).collect();
    let design = Design::new(line.map(|l| l.fen() as f64 / 100.0), indicators, rules.k)
        .map_err(|e| DomainError::new("measures.design", format!("贫困测度的配置有误：{e}")))?;
    // Files group under the child region's code (a village's own code for a village).
    let child_len = code.level().child().map_or(code.as_str().len(), |l| l.code_len());
    let started = Instant::now();
    let parts = store.on_units(code, |tx, lo, hi| {
        let mut part = Part::default();
        each_file(tx, lo, hi, |h, _| {
            if !measured(&h) {
                return Ok(());
            }
            let r = read(&h, rules, year, line, as_of);
            if r.per_capita.is_none() {
                part.without_income += 1;
            }
            let g = part.groups.entry(h.village.as_str()[..child_len].to_string()).or_default();
            g.files += 1;
            g.persons += r.persons;
            let income = r.per_capita.map(|pc| pc.fen() as f64 / 100.0);
            // Deprived maps to 0 against the cutoff of 0.5, so "below the cutoff" is "deprived".
            let values: Option<Vec<f64>> = r.deprived.iter().map(|d| d.map(|d| if d { 0.0 } else { 1.0 })).collect();
            g.sums.add(&design, r.persons as f64, income, values.as_deref());
            Ok(())
        })?;
        Ok(part)
    })?;
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut without_income = 0;
    for p in parts {
        without_income += p.without_income;
        for (code, g) in p.groups {
            let e = groups.entry(code).or_default();
            e.files += g.files;
            e.persons += g.persons;
            e.sums.merge(&g.sums);
        }
    }
    let sums: BTreeMap<String, Sums> = groups.iter().map(|(code, g)| (code.clone(), g.sums.clone())).collect();
    let (whole, mut by_child) = decompose(&design, &sums);
    let children = if code.level().child().is_some() {
        store
            .child_regions(code)?
            .into_iter()
            .filter_map(|region| {
                let measures = by_child.remove(&region.code)?;
                Some(ChildMeasures { households: groups[&region.code].files, region, measures })
            })
            .collect()
    } else {
        vec![]
    };
    Ok(RegionMeasures {
        region,
        year,
        line: design.line,
        dimensions: rules
            .dimensions
            .iter()
            .zip(&design.indicators)
            .map(|(w, i)| DimensionWeight { code: w.dimension.code().into(), label: w.dimension.label().into(), weight: i.weight })
            .collect(),
        k: design.k,
        households: groups.values().map(|g| g.files).sum(),
        persons: groups.values().map(|g| g.persons).sum(),
        without_income,
        measures: whole,
        children,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The label of a dimension code, for pages that show `by_indicator`.
pub fn dimension_label(code: &str) -> &'static str {
    Dimension::ALL.iter().find(|d| d.code() == code).map_or("", |d| d.label())
}
