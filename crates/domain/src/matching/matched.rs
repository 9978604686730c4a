//! 对接: a need met by an offer, from the matcher's proposal (or a donor's own pick, 点对点) to
//! the household's word. One active match per need; each step is taken by one side.

use crate::registry::codes::code_enum;
use crate::{DomainError, RegionCode, Yuan};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 对接状态
    MatchState, "match_state" {
    Proposed = "proposed" "待捐赠方确认", Accepted = "accepted" "待农户同意", Agreed = "agreed" "待交付",
    Delivered = "delivered" "待农户确认", Closed = "closed" "已完成",
    Declined = "declined" "捐赠方谢绝", Refused = "refused" "农户不同意", Cancelled = "cancelled" "已取消",
});
impl MatchState {
    const FIELD_LABEL: &'static str = "对接状态";

    /// Under way: the need is held and the offer's share is taken.
    pub fn is_active(self) -> bool {
        matches!(self, MatchState::Proposed | MatchState::Accepted | MatchState::Agreed | MatchState::Delivered)
    }

    /// The donor may see who the household is: it has agreed to the donor's help.
    pub fn reveals(self) -> bool {
        matches!(self, MatchState::Agreed | MatchState::Delivered | MatchState::Closed)
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Donor,
    /// The household, through its village official or helper.
    Household,
    /// The officials who run the matcher.
    Official,
}

code_enum!(
    /// A step of a match.
    Step, "match_step" {
    Accept = "accept" "接受对接", Decline = "decline" "谢绝", Agree = "agree" "农户同意", Refuse = "refuse" "农户不同意",
    Deliver = "deliver" "登记交付", Confirm = "confirm" "确认收到", Cancel = "cancel" "取消",
});
impl Step {
    const FIELD_LABEL: &'static str = "对接步骤";

    pub fn side(self) -> Side {
        match self {
            Step::Accept | Step::Decline | Step::Deliver => Side::Donor,
            Step::Agree | Step::Refuse | Step::Confirm => Side::Household,
            Step::Cancel => Side::Official,
        }
    }

    /// The state this step leads to from `from`, or why it may not be taken there.
    pub fn from(self, from: MatchState) -> Result<MatchState, DomainError> {
        use MatchState as S;
        let to = match (self, from) {
            (Step::Accept, S::Proposed) => S::Accepted,
            (Step::Decline, S::Proposed | S::Accepted) => S::Declined,
            (Step::Agree, S::Accepted) => S::Agreed,
            (Step::Refuse, S::Accepted) => S::Refused,
            (Step::Deliver, S::Agreed) => S::Delivered,
            (Step::Confirm, S::Delivered) => S::Closed,
            (Step::Cancel, S::Proposed | S::Accepted | S::Agreed) => S::Cancelled,
            _ => {
                return Err(DomainError::new("match.state", format!("“{}”的对接不能{}", from.label(), self.label())));
            }
        };
        Ok(to)
    }
}

/// What the donor records when it hands the help over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// In 分; never above the need.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount: Yuan,
    /// 凭证: receipt or transfer number, what was handed over.
    pub receipt: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub on: crate::id_number::Date,
}

/// A match as its two sides and the officials see it. The household's identity is not here:
/// the donor asks for it separately once the household has agreed, and that read is audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Match {
    pub id: String,
    pub need_id: String,
    pub offer_id: String,
    pub donor_id: String,
    pub donor_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub village: RegionCode,
    pub version: i64,
    pub state: MatchState,
    /// `matcher` (the optimal run) or `donor` (点对点).
    pub source: String,
    /// The matcher's reasons (why this offer, and not the next best).
    pub reason: String,
    /// What the share is worth to this need, in 分: the offer's share, at most the need.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub value: Yuan,
    pub delivery: Option<Delivery>,
    /// The household's thanks or complaint after delivery, shown to the donor.
    pub feedback: String,
    /// A complaint that it was not delivered in time.
    pub complaint: String,
    pub proposed_on: String,
    pub updated_on: String,
}

/// A delivery's amount: positive and never above what the need asked for.
pub fn check_delivery(d: &Delivery, need: Yuan) -> Result<(), DomainError> {
    if d.amount.fen() <= 0 {
        return Err(DomainError::new("match.amount", "交付金额应大于0元"));
    }
    if d.amount > need {
        return Err(DomainError::new("match.amount", format!("交付金额{}元超出需求{}元，超出部分不能登记", d.amount, need)));
    }
    if d.receipt.trim().is_empty() {
        return Err(DomainError::new("match.receipt", "请填写交付凭证（收据号、转账单号或物品清单）"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_leads_from_one_state_to_the_next() {
        let mut s = MatchState::Proposed;
        for step in [Step::Accept, Step::Agree, Step::Deliver, Step::Confirm] {
            s = step.from(s).unwrap();
        }
        assert_eq!(s, MatchState::Closed);
        assert!(!s.is_active() && s.reveals());
        assert_eq!(Step::Deliver.from(MatchState::Accepted).unwrap_err().code, "match.state");
        assert_eq!(Step::Confirm.from(MatchState::Closed).unwrap_err().code, "match.state");
        assert!(!MatchState::Accepted.reveals(), "the donor learns who only once the household agreed");
        assert_eq!(Step::Agree.side(), Side::Household);
    }
}
