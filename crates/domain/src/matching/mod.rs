//! 供需对接: donors and their offers, households' needs, and a match's way from proposal to the
//! household's word. The optimal assignment itself is `fupin-matching` (pure computation); this
//! module holds the rules the store checks: who may give what to whom, and which step follows
//! which.

pub mod donor;
pub mod matched;
pub mod need;
pub mod offer;

pub use donor::{CreditCode, Donor, DonorDraft, DonorKind, DonorState};
pub use matched::{check_delivery, Delivery, Match, MatchState, Side, Step};
pub use need::{suggest, Need, NeedDraft, NeedState, PublishedNeed, Suggestion, Traits, Urgency};
pub use offer::{Condition, Offer, OfferDraft, OfferState, Unit};

use crate::registry::codes::code_enum;
use crate::DomainError;

code_enum!(
    /// 需求类别 (as 中国社会扶贫网 listed them): what a need asks for and an offer gives.
    AidCategory, "aid_category" {
    Education = "01" "教育助学", Medical = "02" "医疗救助", Housing = "03" "危房改造", Industry = "04" "产业发展",
    Employment = "05" "转移就业", Training = "06" "技能培训", Necessities = "07" "生活必需品",
});
impl AidCategory {
    const FIELD_LABEL: &'static str = "需求类别";
}

/// Trims a required text field and bounds its length (a Chinese message naming the field).
pub fn text(v: &str, code: &'static str, label: &str, max: usize) -> Result<String, DomainError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(DomainError::new(code, format!("请填写{label}")));
    }
    if t.chars().count() > max {
        return Err(DomainError::new(code, format!("{label}不能超过{max}个字")));
    }
    Ok(t.to_string())
}

/// A mainland mobile number (11 digits from 1) or a landline with its area code.
pub(crate) fn phone(v: &str) -> Result<String, DomainError> {
    let t: String = v.trim().chars().filter(|c| *c != '-' && *c != ' ').collect();
    let mobile = t.len() == 11 && t.starts_with('1') && t.bytes().all(|b| b.is_ascii_digit());
    let landline = (10..=12).contains(&t.len()) && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit());
    if mobile || landline {
        Ok(t)
    } else {
        Err(DomainError::new("matching.phone", format!("联系电话“{}”无效，应为11位手机号或带区号的固定电话", v.trim())))
    }
}
