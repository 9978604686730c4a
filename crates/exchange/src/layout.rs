//! The sheets and their columns (defined once, in `fupin_domain::registry::sheet`, for export, import
//! and the file digest), and the parsing of cells with problems named in Chinese.

use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::*;
use fupin_domain::{DomainError, IdNumber, RegionCode, Yuan};

pub use fupin_domain::registry::sheet::{
    household_cells, income_cells, mask_row, measure_cells, member_cells, required, yes, PiiColumn, BIRTH_DATE, HARD_EXPENSES,
    HOUSEHOLD_HEADERS, ID, INCOMES, INCOME_HEADERS, MEASURES, MEASURE_HEADERS, MEMBERS, MEMBER_HEADERS, OPTIONAL_HEADERS, PAIRS,
    PAIR_HEADERS,
};

/// Data rows per member sheet (Excel's limit is 1,048,576 rows including the header).
pub const MAX_ROWS: usize = 1_048_575;

/// Parsing helpers that name the problem in Chinese.
pub fn parse_bool(s: &str) -> Result<bool, DomainError> {
    match s.trim() {
        "是" | "1" | "Y" | "y" | "TRUE" | "true" => Ok(true),
        "否" | "0" | "N" | "n" | "FALSE" | "false" | "" => Ok(false),
        other => Err(DomainError::new("cell.bool", format!("“{other}”应为“是”或“否”"))),
    }
}

pub fn parse_int(s: &str, what: &str, range: std::ops::RangeInclusive<i64>) -> Result<i64, DomainError> {
    let v: i64 = s.trim().parse().map_err(|_| DomainError::new("cell.int", format!("{what}“{s}”应为整数")))?;
    if !range.contains(&v) {
        return Err(DomainError::new("cell.range", format!("{what}{v}超出范围（{}–{}）", range.start(), range.end())));
    }
    Ok(v)
}

pub fn parse_opt_year(s: &str, what: &str) -> Result<Option<i32>, DomainError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(parse_int(s, what, 2000..=2035)? as i32))
    }
}

pub fn parse_area(s: &str, what: &str) -> Result<f64, DomainError> {
    if s.trim().is_empty() {
        return Ok(0.0);
    }
    let v: f64 = s.trim().parse().map_err(|_| DomainError::new("cell.number", format!("{what}“{s}”应为数字")))?;
    if !(0.0..=100_000.0).contains(&v) || !v.is_finite() {
        return Err(DomainError::new("cell.range", format!("{what}{v}超出范围")));
    }
    Ok(v)
}

pub fn parse_money(s: &str) -> Result<Yuan, DomainError> {
    if s.trim().is_empty() {
        Ok(Yuan::ZERO)
    } else {
        Yuan::parse(s)
    }
}

pub fn parse_region(s: &str) -> Result<RegionCode, DomainError> {
    RegionCode::parse(s)
}

pub fn parse_id(s: &str) -> Result<IdNumber, DomainError> {
    IdNumber::parse(s)
}

pub fn parse_causes(s: &str) -> Result<Vec<Cause>, DomainError> {
    s.split([',', '，', '、']).map(str::trim).filter(|x| !x.is_empty()).map(Cause::parse).collect()
}

pub fn parse_date(s: &str) -> Result<Date, DomainError> {
    Date::parse(s)
}
