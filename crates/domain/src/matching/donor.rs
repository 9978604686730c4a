//! 社会帮扶主体: who gives. Enterprises and organisations are known by their 统一社会信用代码;
//! individuals by name and phone; government programmes and 定点扶贫 units by their unit. The
//! county verifies a donor before any of its offers is published, and may suspend it.

use crate::registry::codes::code_enum;
use crate::{DomainError, IdNumber, RegionCode};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 帮扶主体类型
    DonorKind, "donor_kind" {
    Enterprise = "1" "爱心企业", Organisation = "2" "爱心组织", Individual = "3" "爱心人士", Government = "4" "定点扶贫单位",
});
impl DonorKind {
    const FIELD_LABEL: &'static str = "帮扶主体类型";

    /// Enterprises and organisations are registered bodies with a credit code.
    pub fn needs_credit_code(self) -> bool {
        matches!(self, DonorKind::Enterprise | DonorKind::Organisation)
    }
}

code_enum!(
    /// 审核状态
    DonorState, "donor_state" { Pending = "pending" "待审核", Verified = "verified" "已审核", Suspended = "suspended" "已暂停" });
impl DonorState {
    const FIELD_LABEL: &'static str = "审核状态";
}

/// 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet (no I, O, S, V,
/// Z), the last a check character over the first 17.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode, DomainError> {
        let t = s.trim().to_ascii_uppercase();
        let bad = |why: &str| DomainError::new("donor.credit_code", format!("统一社会信用代码“{}”{why}", s.trim()));
        if t.chars().count() != 18 {
            return Err(bad("应为18位"));
        }
        let values: Vec<u32> = t
            .chars()
            .map(|c| ALPHABET.find(c).map(|i| i as u32))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("含有不允许的字符（不使用I、O、S、V、Z）"))?;
        if values[17] != Self::check_value(&values[..17]) {
            return Err(bad("校验位不符，请核对"));
        }
        // Characters 3–8 are the registering authority's 行政区划码: digits.
        if !t[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("第3至8位应为行政区划码"));
        }
        Ok(CreditCode(t))
    }

    /// The check character's value for the first 17 (GB 32100-2015, 4.2).
    fn check_value(first17: &[u32]) -> u32 {
        let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// Completes 17 characters with their check character (the demo mints codes with it).
    pub fn complete(first17: &str) -> Result<CreditCode, DomainError> {
        let values: Vec<u32> = first17.chars().filter_map(|c| ALPHABET.find(c).map(|i| i as u32)).collect();
        if values.len() != 17 || first17.chars().count() != 17 {
            return Err(DomainError::new("donor.credit_code", "应为17位合法字符"));
        }
        let check = ALPHABET.as_bytes()[Self::check_value(&values) as usize] as char;
        CreditCode::parse(&format!("{first17}{check}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, DomainError> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

impl std::fmt::Display for CreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a donor registers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonorDraft {
    pub kind: DonorKind,
    /// 单位名称 or the person's name.
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "91370100MA3C5X1K2T"))]
    pub credit_code: Option<CreditCode>,
    /// 联系人
    pub contact: String,
    pub phone: String,
    /// An individual may give an ID number (never shown to others).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub id_number: Option<IdNumber>,
    /// Where the donor is based: the county that verifies it (or a region below it).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "370102"))]
    pub region: RegionCode,
    /// A line about the donor for the public page.
    #[serde(default)]
    pub about: String,
}

/// A registered donor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Donor {
    pub id: String,
    pub version: i64,
    pub state: DonorState,
    /// The user account that acts for the donor.
    pub account: String,
    #[serde(flatten)]
    pub draft: DonorDraft,
    pub registered_on: String,
}

impl Donor {
    /// The county whose officials verify the donor (and whose ledger chain holds its events).
    pub fn county(&self) -> RegionCode {
        self.draft.region.county().unwrap_or_else(|| self.draft.region.clone())
    }
}

/// The rules of a registration: names, a phone, a credit code where the kind needs one, and a
/// region at county level or below.
pub fn validate(d: &DonorDraft) -> Result<DonorDraft, DomainError> {
    let mut d = d.clone();
    d.name = super::text(&d.name, "donor.name", "名称", 60)?;
    d.contact = super::text(&d.contact, "donor.contact", "联系人", 20)?;
    d.phone = super::phone(&d.phone)?;
    d.about = d.about.trim().chars().take(200).collect();
    if d.kind.needs_credit_code() && d.credit_code.is_none() {
        return Err(DomainError::new("donor.credit_code", format!("{}须填写统一社会信用代码", d.kind.label())));
    }
    if d.kind == DonorKind::Individual {
        d.credit_code = None;
    } else {
        d.id_number = None;
    }
    if d.region.county().is_none() {
        return Err(DomainError::new("donor.region", "所在地区应精确到县（市、区）"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_checked_by_their_last_character() {
        // The example the standard's readers quote.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(CreditCode::parse("91350100m000100y43").unwrap().as_str(), "91350100M000100Y43");
        for (bad, why) in [
            ("91350100M000100Y44", "校验位"),
            ("91350100M000100Y4", "18位"),
            ("91350100M0001O0Y43", "不允许"),
            ("913A0100M000100Y4X", "校验位"),
        ] {
            let e = CreditCode::parse(bad).unwrap_err();
            assert_eq!(e.code, "donor.credit_code");
            assert!(e.message.contains(why), "{bad}: {}", e.message);
        }
        let minted = CreditCode::complete("91371500MA3C0000").map(|_| ());
        assert!(minted.is_err(), "16 characters are refused");
        let c = CreditCode::complete("91371500MA3C00001").unwrap();
        assert!(CreditCode::parse(c.as_str()).is_ok());
    }

    #[test]
    fn a_registration_needs_what_its_kind_needs() {
        let mut d = DonorDraft {
            kind: DonorKind::Enterprise,
            name: " 聊城爱心实业有限公司 ".into(),
            credit_code: None,
            contact: "王经理".into(),
            phone: "138-0635-1234".into(),
            id_number: None,
            region: RegionCode::parse("371502").unwrap(),
            about: String::new(),
        };
        assert_eq!(validate(&d).unwrap_err().code, "donor.credit_code");
        d.credit_code = Some(CreditCode::complete("91371502MA3C00001").unwrap());
        let v = validate(&d).unwrap();
        assert_eq!((v.name.as_str(), v.phone.as_str()), ("聊城爱心实业有限公司", "13806351234"));
        d.phone = "12345".into();
        assert_eq!(validate(&d).unwrap_err().code, "matching.phone");
        d.phone = "0635-8241234".into();
        d.region = RegionCode::parse("3715").unwrap();
        assert_eq!(validate(&d).unwrap_err().code, "donor.region");
    }
}
