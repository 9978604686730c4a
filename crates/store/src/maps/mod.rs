//! 三张图: region figures from the maintained rollups (never from people or households) and the
//! yearly exit targets of the schedule dashboard (倒排工期).

pub mod schema;

use crate::core::db::Backend;
use crate::core::query::require;
use crate::core::rollups::figures_by;
use crate::platform::{parse_region, Region, REGION_COLS};
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::maps::rollup::Tally;
use fupin_domain::{DomainError, Level, RegionCode};
use std::collections::BTreeMap;

pub type Figures = BTreeMap<String, Tally>;

/// A region with its rollup figures and those of each child.
#[derive(Debug, Clone)]
pub struct RegionFigures {
    pub region: Region,
    pub total: Figures,
    pub children: Vec<(Region, Figures)>,
}

pub trait MapsStore: Send + Sync {
    /// The region with rollup figures for it and each child; NotFound outside the caller's scope.
    fn region_figures(&self, caller: &Caller, code: &RegionCode) -> Result<RegionFigures>;
    /// The same figures for the public portal: counts only, never a file, for the province, a
    /// city or a county (whose children are townships: a village's few households could be
    /// told apart by their counts). `None` is the province.
    fn public_figures(&self, code: Option<&RegionCode>) -> Result<RegionFigures>;
    /// Yearly exit targets (persons) of `code`'s children, or of `code` itself when it is a
    /// county; sums of county targets above the county. NotFound outside the caller's scope.
    fn targets(&self, caller: &Caller, code: &RegionCode, year: i32) -> Result<BTreeMap<String, i64>>;
    /// Sets a county's target; province and city officials only, inside their scope.
    fn set_target(&self, caller: &Caller, county: &RegionCode, year: i32, persons: i64) -> Result<()>;
}

impl<B: Backend> MapsStore for SqlStore<B> {
    fn region_figures(&self, caller: &Caller, code: &RegionCode) -> Result<RegionFigures> {
        if !caller.scope.contains_region(code) {
            return Err(StoreError::NotFound);
        }
        self.read(|tx| figures_of(tx, code))
    }

    fn public_figures(&self, code: Option<&RegionCode>) -> Result<RegionFigures> {
        if code.is_some_and(|c| matches!(c.level(), Level::Township | Level::Village)) {
            return Err(StoreError::NotFound);
        }
        self.read(|tx| {
            let code = match code {
                Some(c) => c.clone(),
                None => {
                    let top = tx.query_one("SELECT code FROM regions WHERE parent_code IS NULL ORDER BY code LIMIT 1", &[])?;
                    RegionCode::parse(&top.ok_or(StoreError::NotFound)?.text(0)?)?
                }
            };
            figures_of(tx, &code)
        })
    }

    fn targets(&self, caller: &Caller, code: &RegionCode, year: i32) -> Result<BTreeMap<String, i64>> {
        if !caller.scope.contains_region(code) {
            return Err(StoreError::NotFound);
        }
        let len = code.as_str().len();
        if len > 6 {
            return Err(DomainError::new("targets.level", "减贫目标按县下达，乡镇和村无单独目标").into());
        }
        let group = if len == 6 { 6 } else { code.level().child().map_or(6, |c| c.code_len()) };
        let (lo, hi) = code.code_range();
        self.read(|tx| {
            let mut out = BTreeMap::new();
            for r in tx.query(
                "SELECT region_code, persons FROM targets WHERE year = $1 AND region_code >= $2 AND region_code < $3",
                &[year.into(), lo.as_str().into(), hi.as_str().into()],
            )? {
                *out.entry(r.text(0)?[..group].to_string()).or_insert(0) += r.int(1)?;
            }
            Ok(out)
        })
    }

    fn set_target(&self, caller: &Caller, county: &RegionCode, year: i32, persons: i64) -> Result<()> {
        require(caller.role.may(Action::SetTargets), "只有省、市管理员可以下达减贫目标")?;
        if !caller.scope.contains_region(county) {
            return Err(StoreError::NotFound);
        }
        if county.level() != Level::County || persons < 0 || !(2015..=2030).contains(&year) {
            return Err(DomainError::new("targets.invalid", "目标须为县级区划、2015–2030年度、非负人数").into());
        }
        self.write(|tx| {
            tx.exec(
                "INSERT INTO targets (region_code, year, persons) VALUES ($1, $2, $3) \
                 ON CONFLICT (region_code, year) DO UPDATE SET persons = excluded.persons",
                &[county.as_str().into(), year.into(), persons.into()],
            )
            .map(|_| ())
        })
    }
}

/// A region's figures and its children's, read from the rollups (one range read).
fn figures_of(tx: &mut dyn crate::core::db::Tx, code: &RegionCode) -> Result<RegionFigures> {
    let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1");
    let region = tx.query_one(&sql, &[code.as_str().into()])?.map(|r| parse_region(&r)).ok_or(StoreError::NotFound)??;
    let sql = format!("SELECT {REGION_COLS} FROM regions WHERE parent_code = $1 ORDER BY code");
    let children: Vec<Region> = tx.query(&sql, &[code.as_str().into()])?.iter().map(parse_region).collect::<Result<_>>()?;
    // Rollup rows exist for villages, townships and counties; above the county the
    // children's figures are sums over county rows. A region's own total is the sum of its
    // children's (equal by construction), so one range read answers both.
    let mut by_child = match region.level.child() {
        Some(child) => figures_by(tx, (child.code_len() as i64).max(6), child.code_len(), code)?,
        None => BTreeMap::new(),
    };
    let total = match region.level.child() {
        Some(_) => {
            let mut t = Figures::new();
            for f in by_child.values() {
                for (metric, x) in f {
                    let e = t.entry(metric.clone()).or_default();
                    e.households += x.households;
                    e.persons += x.persons;
                }
            }
            t
        }
        None => figures_by(tx, 12, 12, code)?.remove(code.as_str()).unwrap_or_default(),
    };
    let children = children.into_iter().map(|r| {
        let f = by_child.remove(&r.code).unwrap_or_default();
        (r, f)
    });
    Ok(RegionFigures { region: region.clone(), total: total.clone(), children: children.collect() })
}
