//! Administrative region codes (统计用区划代码): 2, 4, 6, 9 or 12 digits for province, city,
//! county, township and village. A code is also a jurisdiction: everything whose village code
//! starts with it lies inside it.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Province, Level::City, Level::County, Level::Township, Level::Village];

    pub fn code_len(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
            Level::Township => 9,
            Level::Village => 12,
        }
    }

    pub fn from_len(len: usize) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code_len() == len)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// 省/市/县/乡镇/村
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县",
            Level::Township => "乡镇",
            Level::Village => "村",
        }
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::County),
            Level::County => Some(Level::Township),
            Level::Township => Some(Level::Village),
            Level::Village => None,
        }
    }
}

/// A syntactically valid region code. Whether the region exists is the store's question.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, DomainError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) || Level::from_len(s.len()).is_none() {
            return Err(DomainError::new("region.malformed", format!("区划代码“{s}”格式错误：应为2、4、6、9或12位数字")));
        }
        Ok(RegionCode(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> Level {
        Level::from_len(self.0.len()).expect("length checked at construction")
    }

    /// The region one level up, if any.
    pub fn parent(&self) -> Option<RegionCode> {
        let level = self.level();
        Level::ALL.into_iter().rev().find(|l| l.code_len() < level.code_len()).map(|l| RegionCode(self.0[..l.code_len()].to_string()))
    }

    /// This region and every region above it, from the province down.
    pub fn ancestors_and_self(&self) -> Vec<RegionCode> {
        Level::ALL.into_iter().filter(|l| l.code_len() <= self.0.len()).map(|l| RegionCode(self.0[..l.code_len()].to_string())).collect()
    }

    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The county (县级) code, the accountable unit and the ledger's chain key.
    pub fn county(&self) -> Option<RegionCode> {
        (self.0.len() >= 6).then(|| RegionCode(self.0[..6].to_string()))
    }

    /// Half-open range `[lo, hi)` of 12-digit codes inside this region, for SQL range filters
    /// that use an index (a `LIKE 'prefix%'` would not, in every backend).
    pub fn code_range(&self) -> (String, String) {
        let mut hi = self.0.clone().into_bytes();
        // Digits only, so bumping the last byte never overflows: '9' + 1 is ':' which sorts after
        // every digit.
        *hi.last_mut().expect("codes are never empty") += 1;
        (self.0.clone(), String::from_utf8(hi).expect("ascii"))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_ancestors() {
        let v = RegionCode::parse("371521101001").unwrap();
        assert_eq!(v.level(), Level::Village);
        let chain: Vec<String> = v.ancestors_and_self().into_iter().map(String::from).collect();
        assert_eq!(chain, ["37", "3715", "371521", "371521101", "371521101001"]);
        assert_eq!(v.parent().unwrap().as_str(), "371521101");
        assert_eq!(v.county().unwrap().as_str(), "371521");
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for bad in ["", "3", "371", "37152", "37a5", "3715211010011"] {
            assert_eq!(RegionCode::parse(bad).unwrap_err().code, "region.malformed", "{bad}");
        }
    }

    #[test]
    fn range_covers_exactly_the_prefix() {
        let c = RegionCode::parse("3719").unwrap();
        let (lo, hi) = c.code_range();
        assert!("371901001001".to_string() >= lo && "371999999999".to_string() < hi);
        assert!("372001001001".to_string() >= hi);
        assert!("371801001001".to_string() < lo);
    }
}
