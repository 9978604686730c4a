//! 扶贫项目: a county's project library. A project is recorded with its budget by source and
//! the registered households it is to benefit and how (带贫机制); approved (批复); publicly
//! noticed before it starts (公示, at least ten days, where the village sees it); carried out
//! with its payments (拨付: date, amount, payee, voucher); accepted (验收); and its results
//! noticed after (公告). The platform records what happened and flags what should not have
//! (`FlagKind`): a payment is a fact from the treasury, so one over the budget is recorded and
//! flagged rather than refused.

use super::FundSource;
use crate::id_number::Date;
use crate::money::Yuan;
use crate::registry::codes::code_enum;
use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 项目类型
    ProjectKind, "project_kind" {
    Industry = "industry" "产业发展",
    Infrastructure = "infrastructure" "基础设施",
    Employment = "employment" "就业扶贫",
    Education = "education" "教育扶贫",
    Health = "health" "健康扶贫",
    Housing = "housing" "危房改造",
    Relocation = "relocation" "易地扶贫搬迁",
    Other = "other" "其他",
});
impl ProjectKind {
    const FIELD_LABEL: &'static str = "项目类型";
}

code_enum!(
    /// 项目状态
    ProjectState, "project_state" {
    Planned = "planned" "入库储备",
    Approved = "approved" "已批复",
    Started = "started" "实施中",
    Accepted = "accepted" "已验收",
});
impl ProjectState {
    const FIELD_LABEL: &'static str = "项目状态";
}

code_enum!(
    /// 带贫机制: how a household benefits.
    Mechanism, "mechanism" {
    Employment = "employment" "务工就业",
    Dividend = "dividend" "入股分红",
    Industry = "industry" "产业带动",
    Facility = "facility" "设施受益",
    Subsidy = "subsidy" "直接补助",
});
impl Mechanism {
    const FIELD_LABEL: &'static str = "带贫机制";
}

code_enum!(
    /// 公告公示: the plan before the work (公示), the results after it (公告).
    NoticeKind, "notice_kind" {
    Plan = "plan" "项目公示",
    Result = "result" "结果公告",
});
impl NoticeKind {
    const FIELD_LABEL: &'static str = "公示类型";
}

/// A notice stays up at least this many days (the village's notice board, and online).
pub const NOTICE_DAYS_MIN: i64 = 10;
/// Allocated money not paid out this long after the allocation is 闲置 (idle).
pub const IDLE_DAYS: i64 = 365;

/// A step of the project's life, and the state it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProjectStep {
    /// 批复: the county approves the planned project.
    Approve,
    /// 开工: the work starts.
    Start,
    /// 验收: the finished work is accepted.
    Accept,
}

impl ProjectStep {
    pub fn code(self) -> &'static str {
        match self {
            ProjectStep::Approve => "approve",
            ProjectStep::Start => "start",
            ProjectStep::Accept => "accept",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStep::Approve => "批复",
            ProjectStep::Start => "开工实施",
            ProjectStep::Accept => "竣工验收",
        }
    }

    /// The state after the step from `from`, or why it cannot be taken.
    pub fn apply(self, from: ProjectState) -> Result<ProjectState, DomainError> {
        let to = match (self, from) {
            (ProjectStep::Approve, ProjectState::Planned) => ProjectState::Approved,
            (ProjectStep::Start, ProjectState::Approved) => ProjectState::Started,
            (ProjectStep::Accept, ProjectState::Started) => ProjectState::Accepted,
            _ => return Err(DomainError::new("funds.project_state", format!("项目当前为“{}”，不能{}", from.label(), self.label()))),
        };
        Ok(to)
    }
}

/// A notice may go up in these states: the plan once approved and before it is accepted, the
/// results once accepted.
pub fn may_notice(kind: NoticeKind, state: ProjectState) -> Result<(), DomainError> {
    let ok = match kind {
        NoticeKind::Plan => matches!(state, ProjectState::Approved | ProjectState::Started),
        NoticeKind::Result => state == ProjectState::Accepted,
    };
    if ok {
        Ok(())
    } else {
        Err(DomainError::new("funds.notice_state", format!("项目为“{}”时不能发布{}", state.label(), kind.label())))
    }
}

/// A payment may be made while the work is under way or once it is accepted (尾款).
pub fn may_pay(state: ProjectState) -> Result<(), DomainError> {
    if matches!(state, ProjectState::Started | ProjectState::Accepted) {
        Ok(())
    } else {
        Err(DomainError::new("funds.payment_state", format!("项目为“{}”，开工后方可拨付资金", state.label())))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    pub source: FundSource,
    /// In fen.
    pub amount: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Beneficiary {
    pub household_id: String,
    pub mechanism: Mechanism,
}

/// What a county official records in the project library.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectDraft {
    /// The county, or a township or village in it, where the project is.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    pub year: i32,
    pub name: String,
    pub kind: ProjectKind,
    #[serde(default)]
    pub description: String,
    /// 实施单位.
    #[serde(default)]
    pub implementer: String,
    pub budget: Vec<BudgetLine>,
    #[serde(default)]
    pub beneficiaries: Vec<Beneficiary>,
}

/// At most this many beneficiary households on one project (a county's whole poor population
/// fits several times over).
pub const BENEFICIARIES_MAX: usize = 20_000;

impl ProjectDraft {
    /// Checks the draft against the recording county and the business year; answers the total budget.
    pub fn validate(&self, county: &RegionCode, business_year: i32) -> Result<Yuan, DomainError> {
        if !county.contains(&self.region) || self.region.level() < Level::County {
            return Err(DomainError::new("funds.project_region", format!("项目地点应在本县（{}）范围内", county.as_str())));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::new("funds.project_name", "请填写项目名称（不超过100字）"));
        }
        if !(2014..=business_year + 1).contains(&self.year) {
            return Err(DomainError::new("funds.year", format!("年度应在2014至{}之间", business_year + 1)));
        }
        if self.description.chars().count() > 2000 || self.implementer.chars().count() > 100 {
            return Err(DomainError::new("funds.project_text", "项目内容不超过2000字，实施单位不超过100字"));
        }
        let mut total = Yuan::ZERO;
        for (i, b) in self.budget.iter().enumerate() {
            if self.budget[..i].iter().any(|o| o.source == b.source) {
                return Err(DomainError::new("funds.budget", format!("资金来源“{}”重复", b.source.label())));
            }
            total = total
                .checked_add(b.amount)
                .filter(|t| *t <= Yuan::MAX)
                .ok_or_else(|| DomainError::new("funds.budget", "预算总额超出上限"))?;
        }
        if total <= Yuan::ZERO {
            return Err(DomainError::new("funds.budget", "请填写项目预算（至少一项资金来源，金额大于零）"));
        }
        if self.beneficiaries.len() > BENEFICIARIES_MAX {
            return Err(DomainError::new("funds.beneficiaries", format!("受益户不超过{BENEFICIARIES_MAX}户")));
        }
        for (i, b) in self.beneficiaries.iter().enumerate() {
            if !b.household_id.starts_with(self.region.as_str()) && !b.household_id.starts_with(county.as_str()) {
                return Err(DomainError::new("funds.beneficiaries", format!("受益户{}不在本县", b.household_id)));
            }
            if self.beneficiaries[..i].iter().any(|o| o.household_id == b.household_id) {
                return Err(DomainError::new("funds.beneficiaries", format!("受益户{}重复", b.household_id)));
            }
        }
        Ok(total)
    }
}

/// 公告公示 as the county puts it up: from `from` to `to`, at least `NOTICE_DAYS_MIN` days.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeDraft {
    pub kind: NoticeKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: Date,
    pub text: String,
}

impl NoticeDraft {
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        if self.to.day_number() - self.from.day_number() < NOTICE_DAYS_MIN {
            return Err(DomainError::new("funds.notice_days", format!("公示期不少于{NOTICE_DAYS_MIN}天（{}至{}）", self.from, self.to)));
        }
        if self.from.day_number() > today.day_number() + 30 {
            return Err(DomainError::new("funds.notice_days", "公示开始日期不能晚于30天后"));
        }
        let text = self.text.trim();
        if text.is_empty() || text.chars().count() > 2000 {
            return Err(DomainError::new("funds.notice_text", "请填写公示内容（不超过2000字）"));
        }
        Ok(())
    }
}

/// A payment as recorded from its voucher.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentDraft {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub paid_on: Date,
    /// In fen, more than zero.
    pub amount: Yuan,
    pub source: FundSource,
    /// 收款人: a company, a cooperative, or a household's member.
    pub payee: String,
    /// 收款账号 (digits).
    pub account: String,
    /// 凭证号.
    pub voucher: String,
    /// When the money goes to a household (a subsidy, a dividend): its file.
    #[serde(default)]
    pub household_id: Option<String>,
}

impl PaymentDraft {
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        if self.amount <= Yuan::ZERO {
            return Err(DomainError::new("funds.payment_amount", "拨付金额应大于零"));
        }
        if self.paid_on > today {
            return Err(DomainError::new("funds.payment_date", format!("拨付日期{}晚于今天", self.paid_on)));
        }
        let payee = self.payee.trim();
        if payee.is_empty() || payee.chars().count() > 100 {
            return Err(DomainError::new("funds.payee", "请填写收款人（不超过100字）"));
        }
        let acc = self.account.trim();
        if !(8..=32).contains(&acc.len()) || !acc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::new("funds.account", "收款账号应为8至32位数字"));
        }
        let v = self.voucher.trim();
        if v.is_empty() || v.chars().count() > 60 {
            return Err(DomainError::new("funds.voucher", "请填写凭证号（不超过60字）"));
        }
        Ok(())
    }
}

code_enum!(
    /// 资金监管预警: what the platform catches in the money's way.
    FlagKind, "fund_flag" {
    Idle = "idle" "资金闲置超过一年",
    NotNoticed = "not_noticed" "项目未按规定公示",
    OverBudget = "over_budget" "拨付超出预算",
    SharedAccount = "shared_account" "一个账户为多户收款",
    OutsideRegister = "outside_register" "拨付给非建档立卡户",
    LeftMember = "left_member" "拨付给已死亡或迁出的成员",
});
impl FlagKind {
    const FIELD_LABEL: &'static str = "预警类型";
}

/// Poverty funds paid to a household go to one on the register that still has the policies:
/// not 清退, moved out, exited without policies, or never registered.
pub fn may_receive(status: crate::registry::codes::Status) -> bool {
    use crate::registry::codes::Status;
    matches!(status, Status::Poor | Status::Exited | Status::Returned)
}

/// A plan notice counts when it was up at least `NOTICE_DAYS_MIN` days before the work started.
pub fn noticed_before(notice_from: Option<Date>, notice_to: Option<Date>, started_on: Date) -> bool {
    match (notice_from, notice_to) {
        (Some(f), Some(t)) => t.day_number() - f.day_number() >= NOTICE_DAYS_MIN && t <= started_on,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProjectDraft {
        ProjectDraft {
            region: RegionCode::parse("371521103201").unwrap(),
            year: 2016,
            name: "光伏扶贫电站".into(),
            kind: ProjectKind::Industry,
            description: String::new(),
            implementer: String::new(),
            budget: vec![
                BudgetLine { source: FundSource::Central, amount: Yuan::from_yuan(300_000) },
                BudgetLine { source: FundSource::County, amount: Yuan::from_yuan(50_000) },
            ],
            beneficiaries: vec![Beneficiary { household_id: "3715211032010123".into(), mechanism: Mechanism::Dividend }],
        }
    }

    #[test]
    fn a_draft_is_checked_against_its_county() {
        let yanggu = RegionCode::parse("371521").unwrap();
        assert_eq!(draft().validate(&yanggu, 2016).unwrap(), Yuan::from_yuan(350_000));
        let other = RegionCode::parse("371522").unwrap();
        assert_eq!(draft().validate(&other, 2016).unwrap_err().code, "funds.project_region");
        let mut d = draft();
        d.budget.push(BudgetLine { source: FundSource::Central, amount: Yuan::from_yuan(1) });
        assert_eq!(d.validate(&yanggu, 2016).unwrap_err().code, "funds.budget");
        let mut d = draft();
        d.budget.clear();
        assert_eq!(d.validate(&yanggu, 2016).unwrap_err().code, "funds.budget");
        let mut d = draft();
        d.beneficiaries.push(d.beneficiaries[0].clone());
        assert_eq!(d.validate(&yanggu, 2016).unwrap_err().code, "funds.beneficiaries");
        let mut d = draft();
        d.beneficiaries[0].household_id = "3715221002000001".into();
        assert_eq!(d.validate(&yanggu, 2016).unwrap_err().code, "funds.beneficiaries");
    }

    #[test]
    fn steps_go_one_way() {
        assert_eq!(ProjectStep::Approve.apply(ProjectState::Planned).unwrap(), ProjectState::Approved);
        assert_eq!(ProjectStep::Start.apply(ProjectState::Approved).unwrap(), ProjectState::Started);
        assert_eq!(ProjectStep::Accept.apply(ProjectState::Started).unwrap(), ProjectState::Accepted);
        assert!(ProjectStep::Start.apply(ProjectState::Planned).is_err());
        assert!(ProjectStep::Approve.apply(ProjectState::Accepted).is_err());
        assert!(may_pay(ProjectState::Approved).is_err());
        assert!(may_notice(NoticeKind::Result, ProjectState::Started).is_err());
        assert!(may_notice(NoticeKind::Plan, ProjectState::Approved).is_ok());
    }

    #[test]
    fn a_payment_needs_its_facts() {
        let d = Date::new(2016, 6, 1).unwrap();
        let p = PaymentDraft {
            paid_on: d,
            amount: Yuan::from_yuan(1000),
            source: FundSource::Central,
            payee: "阳谷县某合作社".into(),
            account: "6228480012345678".into(),
            voucher: "记-2016-0601".into(),
            household_id: None,
        };
        assert!(p.validate(d).is_ok());
        assert_eq!(PaymentDraft { amount: Yuan::ZERO, ..p.clone() }.validate(d).unwrap_err().code, "funds.payment_amount");
        assert_eq!(p.validate(Date::new(2016, 5, 31).unwrap()).unwrap_err().code, "funds.payment_date");
        assert_eq!(PaymentDraft { account: "62-28".into(), ..p.clone() }.validate(d).unwrap_err().code, "funds.account");
        assert_eq!(PaymentDraft { voucher: " ".into(), ..p }.validate(d).unwrap_err().code, "funds.voucher");
    }

    #[test]
    fn a_notice_counts_when_it_was_up_ten_days_before_the_start() {
        let d = |m, day| Some(Date::new(2016, m, day).unwrap());
        assert!(noticed_before(d(3, 1), d(3, 11), d(3, 15).unwrap()));
        assert!(!noticed_before(d(3, 1), d(3, 8), d(3, 15).unwrap()), "seven days");
        assert!(!noticed_before(d(3, 10), d(3, 20), d(3, 15).unwrap()), "still up when the work started");
        assert!(!noticed_before(None, None, d(3, 15).unwrap()));
    }
}
