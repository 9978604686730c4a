//! Money in 元, held as whole 分 (fen) so that sums are exact.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Yuan(i64);

impl Yuan {
    pub const ZERO: Yuan = Yuan(0);

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

impl Add for Yuan {
    type Output = Yuan;
    fn add(self, o: Yuan) -> Yuan {
        Yuan(self.0 + o.0)
    }
}

impl Sub for Yuan {
    type Output = Yuan;
    fn sub(self, o: Yuan) -> Yuan {
        Yuan(self.0 - o.0)
    }
}

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

    proptest! {
        #[test]
        fn display_round_trips(fen in 0i64..10_000_000_000) {
            let y = Yuan::from_fen(fen);
            prop_assert_eq!(Yuan::parse(&y.to_string()).unwrap(), y);
        }
    }
}
