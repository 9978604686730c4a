//! SQL built with numbered parameters, the caller's scope as a key range, and the role checks
//! every function's store uses.

use crate::core::db::Val;
use crate::{Result, StoreError};
use fupin_domain::access::Scope;
use fupin_domain::RegionCode;

/// Builds SQL with numbered parameters as values are bound.
#[derive(Default)]
pub struct Query {
    pub sql: String,
    pub params: Vec<Val>,
}

impl Query {
    pub fn new(sql: &str) -> Query {
        Query { sql: sql.to_string(), params: vec![] }
    }

    pub fn bind(&mut self, v: impl Into<Val>) -> String {
        self.params.push(v.into());
        format!("${}", self.params.len())
    }

    pub fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// `AND <alias>.village_code in the scope's range [AND paired with the helper]`.
    pub fn scope(&mut self, scope: &Scope, alias: &str, region: &RegionCode) {
        self.scope_of(scope, &format!("{alias}.village_code"), &format!("{alias}.id"), region)
    }

    /// The same for a row that hangs off a household (a need, a match): its village and
    /// household columns named.
    pub fn scope_of(&mut self, scope: &Scope, village_col: &str, household_col: &str, region: &RegionCode) {
        let (lo, hi) = region.code_range();
        let (lo, hi) = (self.bind(lo), self.bind(hi));
        self.push(&format!(" AND {village_col} >= {lo} AND {village_col} < {hi}"));
        if let Some(helper) = &scope.helper_id {
            let p = self.bind(helper.as_str());
            self.push(&format!(
                " AND EXISTS (SELECT 1 FROM household_helpers hh WHERE hh.household_id = {household_col} AND hh.helper_id = {p})"
            ));
        }
    }
}

/// The business date of a stamp `YYYY-MM-DD[…]` (commands are stamped with the business clock).
pub fn business_date(at: &str) -> Result<fupin_domain::id_number::Date> {
    Ok(fupin_domain::id_number::Date::parse(at.get(..10).unwrap_or(at))?)
}

pub fn year_of(at: &str) -> i32 {
    at.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

pub fn require(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(StoreError::Forbidden(what.to_string()))
    }
}

/// The next id under `prefix` in `table` (`prefix` + a zero-padded number).
pub fn next_id(tx: &mut dyn crate::core::db::Tx, table: &str, prefix: &str, width: usize) -> Result<String> {
    let (lo, hi) = (format!("{prefix}{}", "0".repeat(width)), format!("{prefix}{}", "9".repeat(width)));
    let last =
        tx.query_one(&format!("SELECT MAX(id) FROM {table} WHERE id >= $1 AND id <= $2"), &[lo.as_str().into(), hi.as_str().into()])?;
    let n = last.and_then(|r| r.opt_text(0).ok().flatten()).and_then(|id| id[prefix.len()..].parse::<u64>().ok()).unwrap_or(0) + 1;
    Ok(format!("{prefix}{n:0width$}"))
}
