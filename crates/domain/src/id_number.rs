//! 公民身份号码 (GB 11643-1999): 6-digit region of registration, 8-digit birth date, 3-digit
//! sequence (odd for men), and an ISO 7064 MOD 11-2 check character.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// A calendar date as `(year, month, day)`, validated. Serialized as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let dim = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= dim && (1880..=2200).contains(&year)).then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, DomainError> {
        let bad = || DomainError::new("date.malformed", format!("日期“{s}”格式错误，应为YYYY-MM-DD"));
        let mut it = s.trim().split('-');
        let (y, m, d) = (it.next().ok_or_else(bad)?, it.next().ok_or_else(bad)?, it.next().ok_or_else(bad)?);
        if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let num = |x: &str| x.parse::<u32>().map_err(|_| bad());
        Date::new(num(y)? as i32, num(m)?, num(d)?).ok_or_else(bad)
    }

    /// Whole years from `self` to `on`.
    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil), for differences of dates.
    pub fn day_number(self) -> i64 {
        let (y, m, d) = (self.year as i64 - i64::from(self.month <= 2), self.month as i64, self.day as i64);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `n` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_day_number(n: i64) -> Date {
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Date { year: y, month: m, day: d }
    }

    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl TryFrom<String> for Date {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Date, DomainError> {
        Date::parse(&s)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl IdNumber {
    pub fn parse(s: &str) -> Result<IdNumber, DomainError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(DomainError::new("id_number.malformed", format!("身份证号“{s}”应为18位，最后一位可为X")));
        }
        if check_char(&b[..17]) != b[17] {
            return Err(DomainError::new("id_number.checksum", format!("身份证号“{s}”校验位错误")));
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().expect("digits checked");
        if Date::new(num(6..10) as i32, num(10..12), num(12..14)).is_none() {
            return Err(DomainError::new("id_number.birth_date", format!("身份证号“{s}”中的出生日期无效")));
        }
        Ok(IdNumber(s))
    }

    /// Builds a valid number from its parts (the demo generator and tests use this).
    pub fn build(region6: &str, birth: Date, seq: u32) -> IdNumber {
        let body = format!("{region6}{:04}{:02}{:02}{:03}", birth.year, birth.month, birth.day, seq % 1000);
        let c = check_char(body.as_bytes()) as char;
        IdNumber(format!("{body}{c}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        let num = |r: std::ops::Range<usize>| self.0[r].parse::<u32>().expect("validated");
        Date::new(num(6..10) as i32, num(10..12), num(12..14)).expect("validated")
    }

    /// The county-level code of registration.
    pub fn region6(&self) -> &str {
        &self.0[..6]
    }

    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// `371521********1234`: enough to tell people apart on a list, nothing more.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

fn check_char(body17: &[u8]) -> u8 {
    let sum: u32 = body17.iter().zip(WEIGHTS).map(|(d, w)| (d - b'0') as u32 * w).sum();
    CHECK[(sum % 11) as usize]
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(i: IdNumber) -> String {
        i.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_number() {
        // The GB 11643 standard's own example.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), Date::new(1949, 12, 31).unwrap());
        assert!(!id.is_male());
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(IdNumber::parse("110105194912310021").unwrap_err().code, "id_number.checksum");
        assert_eq!(IdNumber::parse("1101051949123100").unwrap_err().code, "id_number.malformed");
        let bad_date = IdNumber::build("110105", Date { year: 1949, month: 2, day: 30 }, 2);
        assert_eq!(IdNumber::parse(bad_date.as_str()).unwrap_err().code, "id_number.birth_date");
    }

    proptest! {
        #[test]
        fn built_numbers_parse_back(y in 1900i32..2020, m in 1u32..=12, d in 1u32..=28, seq in 0u32..1000) {
            let birth = Date::new(y, m, d).unwrap();
            let id = IdNumber::build("371521", birth, seq);
            let back = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(back.birth_date(), birth);
            prop_assert_eq!(back.is_male(), seq % 2 == 1);
        }

        #[test]
        fn any_single_digit_change_is_caught(pos in 0usize..17, delta in 1u8..10) {
            let id = IdNumber::build("371521", Date::new(1960, 5, 17).unwrap(), 123);
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            prop_assert!(IdNumber::parse(std::str::from_utf8(&b).unwrap()).is_err());
        }
    }
}
