//! Money in 元, held as whole 分 (fen) so that sums are exact.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// Every amount a person enters (an income component, an expense, a measure's amount) is
/// non-negative and below `Yuan::MAX`, from a form, a spreadsheet or JSON alike; deductions are
/// separate components (生产经营费用), subtracted by the rules. Only computed values (net
/// income) may be negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Yuan(i64);

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Yuan, D::Error> {
        let fen = i64::deserialize(d)?;
        if (0..=Yuan::MAX.0).contains(&fen) {
            Ok(Yuan(fen))
        } else {
            Err(serde::de::Error::custom(format!("金额（分）应在0到{}之间，收到{fen}", Yuan::MAX.0)))
        }
    }
}

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);
    /// The largest amount accepted from outside: 12 digits of 元 (what `parse` reads). Sums of a
    /// file's components stay far inside `i64`.
    pub const MAX: Yuan = Yuan(99_999_999_999_999);

    pub fn from_fen(fen: i64) -> Yuan {
        Yuan(fen)
    }

    pub fn from_yuan(yuan: i64) -> Yuan {
        Yuan(yuan * 100)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses `1234`, `1234.5` or `1234.56` (元). Negative amounts are refused: incomes and
    /// expenses are entered as separate non-negative components.
    pub fn parse(s: &str) -> Result<Yuan, DomainError> {
        let s = s.trim();
        let bad = || DomainError::new("money.malformed", format!("金额“{s}”格式错误，应为不超过两位小数的非负数"));
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || int.len() > 12 || frac.len() > 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: i64 = int.parse().map_err(|_| bad())?;
        let mut cents: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
        if frac.len() == 1 {
            cents *= 10;
        }
        Ok(Yuan(whole * 100 + cents))
    }

    /// Per-capita share, rounded down to the fen; zero people give zero.
    pub fn per_capita(self, people: i64) -> Yuan {
        if people <= 0 {
            Yuan::ZERO
        } else {
            Yuan(self.0.div_euclid(people))
        }
    }
}

impl Yuan {
    /// A sum that may grow past a file's amounts (totals over regions): `None` on overflow.
    pub fn checked_add(self, o: Yuan) -> Option<Yuan> {
        self.0.checked_add(o.0).map(Yuan)
    }
}

/// Within one file the operands are bounded by `MAX` at the edge, so these never overflow;
/// should they, they saturate rather than wrap into a wrong sign.
impl Add for Yuan {
    type Output = Yuan;
    fn add(self, o: Yuan) -> Yuan {
        Yuan(self.0.saturating_add(o.0))
    }
}

impl Sub for Yuan {
    type Output = Yuan;
    fn sub(self, o: Yuan) -> Yuan {
        Yuan(self.0.saturating_sub(o.0))
    }
}

/// Served as whole 分 (an integer; computed values such as a net income may be negative).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Yuan {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
            .description(Some("金额，单位为分"))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Yuan {}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(Yuan::parse("3402").unwrap().fen(), 340_200);
        assert_eq!(Yuan::parse("12.5").unwrap().to_string(), "12.50");
        for bad in ["", "-1", "1.234", "abc", "1e5", ".5"] {
            assert!(Yuan::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn json_amounts_are_bounded_like_typed_ones() {
        assert_eq!(serde_json::from_str::<Yuan>("340200").unwrap().fen(), 340_200);
        for bad in ["-50000000", "9000000000000000000", "100000000000000"] {
            assert!(serde_json::from_str::<Yuan>(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::from_str::<Yuan>("99999999999999").unwrap(), Yuan::MAX);
        assert_eq!(Yuan::parse("999999999999.99").unwrap(), Yuan::MAX, "parse and JSON agree on the limit");
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in 0i64..10_000_000_000) {
            let y = Yuan::from_fen(fen);
            prop_assert_eq!(Yuan::parse(&y.to_string()).unwrap(), y);
        }
    }
}
