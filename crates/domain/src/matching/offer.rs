//! 帮扶资源: what a donor offers — a category, how many households it can serve (名额), what
//! each share is worth, the regions it serves, until when, and who qualifies.

use super::AidCategory;
use crate::id_number::Date;
use crate::registry::codes::code_enum;
use crate::{DomainError, RegionCode, Yuan};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 计量单位 of a share
    Unit, "offer_unit" { People = "1" "人", Money = "2" "元", Items = "3" "件", Jobs = "4" "个岗位" });
impl Unit {
    const FIELD_LABEL: &'static str = "计量单位";
}

code_enum!(
    /// 受助条件: what the household must have for the offer to reach it.
    Condition, "offer_condition" {
    None = "0" "无", LabourAbility = "1" "有劳动能力成员", SeniorSchool = "2" "有高中或中职在校生",
    InSchool = "3" "有在校生", SeriousIllness = "4" "有大病患者", DangerousHouse = "5" "住房为C、D级危房",
});
impl Condition {
    const FIELD_LABEL: &'static str = "受助条件";
}

code_enum!(
    /// 资源状态
    OfferState, "offer_state" { Open = "open" "对接中", Closed = "closed" "已结束", Withdrawn = "withdrawn" "已撤回" });
impl OfferState {
    const FIELD_LABEL: &'static str = "资源状态";
}

/// What a donor fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferDraft {
    pub category: AidCategory,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// 名额: how many needs the offer can meet.
    pub capacity: u32,
    pub unit: Unit,
    /// What one share is worth, in 分 (a job: its monthly wage; a scholarship: the grant).
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 200000))]
    pub unit_value: Yuan,
    /// Regions served (any level); the first is preferred.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["371521"])))]
    pub regions: Vec<RegionCode>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2017-06-30"))]
    pub deadline: Date,
    pub condition: Condition,
}

/// A published offer. `taken` counts the shares held by matches that are under way or done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub version: i64,
    pub state: OfferState,
    #[serde(flatten)]
    pub draft: OfferDraft,
    pub taken: u32,
    pub posted_on: String,
}

impl Offer {
    pub fn free(&self) -> u32 {
        self.draft.capacity.saturating_sub(self.taken)
    }

    /// Serves `village`: one of its regions contains it. The index of the region is the
    /// donor's order of preference.
    pub fn serves(&self, village: &RegionCode) -> Option<usize> {
        self.draft.regions.iter().position(|r| r.contains(village))
    }

    /// Open, not past its deadline, with a share left.
    pub fn takes_on(&self, on: Date) -> bool {
        self.state == OfferState::Open && self.draft.deadline >= on && self.free() > 0
    }
}

pub const MAX_CAPACITY: u32 = 100_000;
pub const MAX_REGIONS: usize = 20;

pub fn validate(d: &OfferDraft, today: Date) -> Result<OfferDraft, DomainError> {
    let mut d = d.clone();
    d.title = super::text(&d.title, "offer.title", "资源名称", 60)?;
    d.description = d.description.trim().chars().take(1000).collect();
    if !(1..=MAX_CAPACITY).contains(&d.capacity) {
        return Err(DomainError::new("offer.capacity", format!("名额应在1至{MAX_CAPACITY}之间")));
    }
    if d.unit_value.fen() <= 0 {
        return Err(DomainError::new("offer.unit_value", "每份价值应大于0元"));
    }
    if d.regions.is_empty() || d.regions.len() > MAX_REGIONS {
        return Err(DomainError::new("offer.regions", format!("请选择1至{MAX_REGIONS}个帮扶地区")));
    }
    let mut seen = std::collections::HashSet::new();
    d.regions.retain(|r| seen.insert(r.clone()));
    if d.deadline < today {
        return Err(DomainError::new("offer.deadline", format!("截止日期{}早于今天", d.deadline)));
    }
    Ok(d)
}
