//! 需求: what a household needs, recorded by its village official or helper, verified by the
//! township before donors see it. Donors see the village, the household's size and main cause
//! and the need — never who the household is (`PublishedNeed` has no field that could say).

use super::offer::Condition;
use super::AidCategory;
use crate::id_number::Date;
use crate::registry::codes::{code_enum, Cause, Health, Labour, Schooling, WorkStatus};
use crate::registry::household::Household;
use crate::{DomainError, RegionCode, Yuan};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 紧急程度
    Urgency, "urgency" { Normal = "1" "一般", Urgent = "2" "较急", Critical = "3" "紧急" });
impl Urgency {
    const FIELD_LABEL: &'static str = "紧急程度";

    /// How much more an unmet need of this urgency weighs than an unmet ordinary one.
    pub fn weight(self) -> i64 {
        match self {
            Urgency::Normal => 1,
            Urgency::Urgent => 2,
            Urgency::Critical => 4,
        }
    }
}

code_enum!(
    /// 需求状态
    NeedState, "need_state" {
    Recorded = "recorded" "待审核", Published = "published" "已发布", Met = "met" "已满足", Withdrawn = "withdrawn" "已撤销",
});
impl NeedState {
    const FIELD_LABEL: &'static str = "需求状态";
}

/// What the household has that an offer's condition may ask for, taken from the file when the
/// need is recorded (so the matcher reads one integer, not the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Traits(pub u32);

impl Traits {
    const LABOUR: u32 = 1;
    const SENIOR_SCHOOL: u32 = 2;
    const IN_SCHOOL: u32 = 4;
    const SERIOUS_ILLNESS: u32 = 8;
    const DANGEROUS_HOUSE: u32 = 16;

    pub fn of(h: &Household) -> Traits {
        let mut t = 0;
        for m in h.active_members() {
            if matches!(m.labour, Labour::Ordinary | Labour::Skilled) {
                t |= Self::LABOUR;
            }
            if senior(m.schooling) {
                t |= Self::SENIOR_SCHOOL;
            }
            if in_school(m.schooling) {
                t |= Self::IN_SCHOOL;
            }
            if m.health == Health::Serious {
                t |= Self::SERIOUS_ILLNESS;
            }
        }
        if matches!(h.details.dangerous_house.as_str(), "C" | "D") {
            t |= Self::DANGEROUS_HOUSE;
        }
        Traits(t)
    }

    pub fn meets(self, c: Condition) -> bool {
        let bit = match c {
            Condition::None => return true,
            Condition::LabourAbility => Self::LABOUR,
            Condition::SeniorSchool => Self::SENIOR_SCHOOL,
            Condition::InSchool => Self::IN_SCHOOL,
            Condition::SeriousIllness => Self::SERIOUS_ILLNESS,
            Condition::DangerousHouse => Self::DANGEROUS_HOUSE,
        };
        self.0 & bit != 0
    }
}

fn in_school(s: Schooling) -> bool {
    !matches!(s, Schooling::NotInSchool | Schooling::Preschool)
}

fn senior(s: Schooling) -> bool {
    use Schooling::*;
    matches!(s, Senior1 | Senior2 | Senior3 | Vocational1 | Vocational2 | Vocational3)
}

/// What the village official or helper records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeedDraft {
    pub category: AidCategory,
    /// What is needed, in words donors read (no names, no ID numbers).
    pub description: String,
    /// The estimated value, in 分: a gift above it is refused.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, example = 200000))]
    pub amount: Yuan,
    pub urgency: Urgency,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2017-08-31"))]
    pub deadline: Date,
    /// The member it concerns, where it concerns one.
    pub member_no: Option<i64>,
}

/// A household's need as its officials see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Need {
    pub id: String,
    pub household_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub village: RegionCode,
    pub version: i64,
    pub state: NeedState,
    #[serde(flatten)]
    pub draft: NeedDraft,
    pub size: i64,
    pub main_cause: Cause,
    pub traits: Traits,
    /// The match under way, if one is.
    pub active_match: Option<String>,
    pub recorded_by: String,
    pub recorded_on: String,
    /// Why it was withdrawn, or the township's note.
    pub note: String,
}

/// A published need as donors and the public see it: where, how many people, why poor, what
/// is needed. No household id, name, member or contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedNeed {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub village: RegionCode,
    pub village_name: String,
    pub category: AidCategory,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount: Yuan,
    pub urgency: Urgency,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub deadline: Date,
    pub size: i64,
    pub main_cause: Cause,
    /// Someone is already meeting it.
    pub taken: bool,
}

impl Need {
    pub fn published(&self, village_name: &str) -> PublishedNeed {
        PublishedNeed {
            id: self.id.clone(),
            village: self.village.clone(),
            village_name: village_name.to_string(),
            category: self.draft.category,
            description: self.draft.description.clone(),
            amount: self.draft.amount,
            urgency: self.draft.urgency,
            deadline: self.draft.deadline,
            size: self.size,
            main_cause: self.main_cause,
            taken: self.active_match.is_some(),
        }
    }

    /// Open to offers: published, unmet, nobody on it, not past its deadline.
    pub fn open_on(&self, on: Date) -> bool {
        self.state == NeedState::Published && self.active_match.is_none() && self.draft.deadline >= on
    }
}

/// The rules of a need: a description without identity, a positive amount, a deadline ahead
/// and, when it names a member, a member still in the household.
pub fn validate(d: &NeedDraft, h: &Household, today: Date) -> Result<NeedDraft, DomainError> {
    let mut d = d.clone();
    d.description = super::text(&d.description, "need.description", "需求说明", 200)?;
    // Donors read the description before any reveal: it must not carry who the household is.
    let names = h.active_members().map(|m| m.name.as_str()).filter(|n| n.chars().count() >= 2);
    if let Some(n) = names.into_iter().find(|n| d.description.contains(n)) {
        return Err(DomainError::new("need.description", format!("需求说明会公开给捐赠方，不能写出成员姓名（“{n}”）")));
    }
    if d.description.chars().filter(char::is_ascii_digit).count() >= 11 {
        return Err(DomainError::new("need.description", "需求说明会公开给捐赠方，不能写电话或证件号码"));
    }
    if d.amount.fen() <= 0 {
        return Err(DomainError::new("need.amount", "所需金额应大于0元"));
    }
    if d.deadline < today {
        return Err(DomainError::new("need.deadline", format!("期限{}早于今天", d.deadline)));
    }
    if let Some(no) = d.member_no {
        if !h.active_members().any(|m| m.no == no) {
            return Err(DomainError::new("need.member", format!("成员{no}不在本户")));
        }
    }
    Ok(d)
}

/// A need the file suggests, for the village official to confirm.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub category: AidCategory,
    pub member_no: Option<i64>,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub amount: Yuan,
    /// What in the file suggests it.
    pub because: String,
}

/// Needs the file suggests: a member in school → 教育助学; 大病 → 医疗救助; a C/D house without
/// a housing measure → 危房改造; an able member without work → 转移就业.
pub fn suggest(h: &Household, today: Date) -> Vec<Suggestion> {
    let mut out = vec![];
    let relation = |m: &crate::registry::household::Member| m.relation.label().trim_start_matches('之').to_string();
    for m in h.active_members() {
        if in_school(m.schooling) {
            let yuan = if senior(m.schooling) {
                2_000
            } else if m.schooling.is_compulsory() {
                1_000
            } else {
                5_000
            };
            out.push(Suggestion {
                category: AidCategory::Education,
                member_no: Some(m.no),
                description: format!("{}就读{}，需学费和生活费资助", relation(m), m.schooling.label()),
                amount: Yuan::from_yuan(yuan),
                because: format!("成员{}在校（{}）", m.no, m.schooling.label()),
            });
        }
        if m.health == Health::Serious {
            out.push(Suggestion {
                category: AidCategory::Medical,
                member_no: Some(m.no),
                description: format!("{}患有大病，需医疗费用救助", relation(m)),
                amount: Yuan::from_yuan(10_000),
                because: format!("成员{}患有大病", m.no),
            });
        }
        if matches!(m.labour, Labour::Ordinary | Labour::Skilled)
            && m.work_status == WorkStatus::None
            && (18..=55).contains(&m.id_number.birth_date().age_on(today))
        {
            out.push(Suggestion {
                category: AidCategory::Employment,
                member_no: Some(m.no),
                description: format!("{}有劳动能力、未务工，希望就近务工", relation(m)),
                amount: Yuan::from_yuan(2_000),
                because: format!("成员{}有劳动能力但未务工", m.no),
            });
        }
    }
    let grade = h.details.dangerous_house.as_str();
    let housing_measure = h.measures.iter().any(|m| m.name.contains("危房") || m.name.contains("危改"));
    if matches!(grade, "C" | "D") && !housing_measure {
        out.push(Suggestion {
            category: AidCategory::Housing,
            member_no: None,
            description: format!("住房为{grade}级危房，需改造"),
            amount: Yuan::from_yuan(if grade == "D" { 20_000 } else { 10_000 }),
            because: format!("{grade}级危房，尚无危房改造措施"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::codes::Relation;
    use crate::registry::household::fixtures::{household, member};

    #[test]
    fn the_file_suggests_needs_and_says_why() {
        let today = Date::new(2017, 3, 1).unwrap();
        let mut h = household();
        let mut pupil = member(3, Relation::Son, Date::new(2001, 5, 1).unwrap(), 33);
        pupil.schooling = Schooling::Senior2;
        h.members.push(pupil);
        h.members[0].health = Health::Serious;
        h.details.dangerous_house = "D".into();
        let s = suggest(&h, today);
        let cats: Vec<_> = s.iter().map(|x| (x.category, x.member_no)).collect();
        assert_eq!(cats, [(AidCategory::Medical, Some(1)), (AidCategory::Education, Some(3)), (AidCategory::Housing, None)]);
        assert_eq!(s[1].amount, Yuan::from_yuan(2_000));
        assert!(s[2].because.contains("D级危房"), "{}", s[2].because);
        let t = Traits::of(&h);
        assert!(t.meets(Condition::SeniorSchool) && t.meets(Condition::SeriousIllness) && t.meets(Condition::DangerousHouse));
        assert!(!t.meets(Condition::LabourAbility) || h.members.iter().any(|m| matches!(m.labour, Labour::Ordinary | Labour::Skilled)));
        h.measures.push(crate::registry::household::Measure {
            no: 1,
            path: crate::registry::codes::Path::Relocation,
            name: "危房改造补助".into(),
            amount: Yuan::from_yuan(15_000),
            unit: "县住建局".into(),
            year: 2016,
        });
        assert!(suggest(&h, today).iter().all(|x| x.category != AidCategory::Housing), "a house already being rebuilt");
    }

    #[test]
    fn a_need_never_names_the_household() {
        let h = household();
        let today = Date::new(2017, 3, 1).unwrap();
        let mut d = NeedDraft {
            category: AidCategory::Necessities,
            description: "冬季棉被两床".into(),
            amount: Yuan::from_yuan(300),
            urgency: Urgency::Urgent,
            deadline: Date::new(2017, 4, 1).unwrap(),
            member_no: None,
        };
        assert!(validate(&d, &h, today).is_ok());
        d.description = format!("{}需要棉被", h.members[0].name);
        assert_eq!(validate(&d, &h, today).unwrap_err().code, "need.description");
        d.description = "联系13812345678".into();
        assert_eq!(validate(&d, &h, today).unwrap_err().code, "need.description");
        d.description = "棉被".into();
        d.member_no = Some(9);
        assert_eq!(validate(&d, &h, today).unwrap_err().code, "need.member");
        d.member_no = None;
        d.deadline = Date::new(2017, 2, 1).unwrap();
        assert_eq!(validate(&d, &h, today).unwrap_err().code, "need.deadline");
    }
}
