//! The lifecycle workflows (动态管理): identification (识别, 两公示一公告), exit (脱贫销号),
//! return to poverty (返贫挂号) and removal (清退). Each is a fixed sequence of steps, each done
//! by one level of official; some steps open a public notice that must run its period without
//! an unresolved objection before the next step. Any step may instead reject the case.
//! The exit standards check lives here too: no override exists.

use crate::config::Rules;
use crate::id_number::Date;
use crate::registry::codes::{Relation, Schooling, Status};
use crate::registry::household::Household;
use crate::{DomainError, Level};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 识别建档
    Identification,
    /// 脱贫销号
    Exit,
    /// 返贫挂号
    Return,
    /// 清退
    Removal,
    /// 防返贫监测: an exited household at risk becomes a monitored household.
    Monitoring,
    /// 风险消除: a monitored household's risk has passed.
    MonitoringClear,
    /// 迁移: the household moves to another village or county; its file continues there under
    /// a new number, with the history linked.
    Transfer,
}

impl CaseKind {
    pub const ALL: [CaseKind; 7] = [
        CaseKind::Identification,
        CaseKind::Exit,
        CaseKind::Return,
        CaseKind::Removal,
        CaseKind::Monitoring,
        CaseKind::MonitoringClear,
        CaseKind::Transfer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Identification => "identification",
            CaseKind::Exit => "exit",
            CaseKind::Return => "return",
            CaseKind::Removal => "removal",
            CaseKind::Monitoring => "monitoring",
            CaseKind::MonitoringClear => "monitoring_clear",
            CaseKind::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Result<CaseKind, DomainError> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| DomainError::new("case.kind", format!("未知的业务类型“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Identification => "贫困户识别",
            CaseKind::Exit => "脱贫退出",
            CaseKind::Return => "返贫挂号",
            CaseKind::Removal => "清退",
            CaseKind::Monitoring => "防返贫监测",
            CaseKind::MonitoringClear => "监测对象风险消除",
            CaseKind::Transfer => "户迁移",
        }
    }

    /// The steps after the opening one, in order.
    pub fn steps(self) -> &'static [StepDef] {
        match self {
            CaseKind::Identification => IDENTIFICATION,
            CaseKind::Exit => EXIT,
            CaseKind::Return => RETURN,
            CaseKind::Removal => REMOVAL,
            CaseKind::Monitoring => MONITORING,
            CaseKind::MonitoringClear => MONITORING_CLEAR,
            CaseKind::Transfer => TRANSFER,
        }
    }

    /// Who opens a case of this kind.
    pub fn opened_by(self) -> Level {
        Level::Village
    }

    /// The status the household takes when the case completes (None: status unchanged).
    pub fn outcome(self) -> Option<Status> {
        match self {
            CaseKind::Identification => Some(Status::Poor),
            CaseKind::Exit => Some(Status::Exited),
            CaseKind::Return => Some(Status::Returned),
            CaseKind::Removal => Some(Status::Removed),
            CaseKind::Transfer => Some(Status::TransferredOut),
            CaseKind::Monitoring | CaseKind::MonitoringClear => None,
        }
    }

    /// Notice period of this kind's notice step.
    pub fn notice_days(self, rules: &Rules) -> i64 {
        match self {
            CaseKind::Monitoring => rules.monitoring_notice_days.max(5),
            _ => rules.notice_days,
        }
    }
}

/// One step of a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepDef {
    pub id: &'static str,
    pub label: &'static str,
    pub level: Level,
    /// Doing this step opens a public notice (公示) of the configured period.
    pub opens_notice: bool,
    /// Done by the officials of the place the household moves to, not of where it lives.
    pub at_target: bool,
}

const fn step(id: &'static str, label: &'static str, level: Level, opens_notice: bool) -> StepDef {
    StepDef { id, label, level, opens_notice, at_target: false }
}

const IDENTIFICATION: &[StepDef] = &[
    step("democratic_review", "村民代表民主评议", Level::Village, false),
    step("village_verify", "村委会核实", Level::Village, false),
    step("first_notice", "村内第一次公示", Level::Village, true),
    step("township_review", "乡镇审核", Level::Township, false),
    step("second_notice", "乡镇第二次公示", Level::Township, true),
    step("county_approve", "县级复审批准", Level::County, false),
    step("announce", "村内公告并建档立卡", Level::Village, false),
];

const EXIT: &[StepDef] = &[
    step("village_review", "村民代表民主评议", Level::Village, false),
    step("verify", "村委会和驻村工作队核实", Level::Village, false),
    step("household_agree", "贫困户签字认可", Level::Village, false),
    step("notice", "村内公示", Level::Village, true),
    step("announce", "乡镇审核、县级公告退出", Level::County, false),
];

const RETURN: &[StepDef] = &[
    step("village_review", "村民代表民主评议", Level::Village, false),
    step("notice", "村内公示", Level::Village, true),
    step("township_review", "乡镇审核", Level::Township, false),
    step("county_approve", "县级审批返贫挂号", Level::County, false),
];

const REMOVAL: &[StepDef] =
    &[step("township_review", "乡镇审核", Level::Township, false), step("county_approve", "县级审批清退", Level::County, false)];

const MONITORING: &[StepDef] = &[
    step("village_check", "村级核实（入户核查）", Level::Village, false),
    step("township_review", "乡镇审核", Level::Township, false),
    step("notice", "村内公示（不少于5天）", Level::Village, true),
    step("county_decide", "县级审定（15日内）", Level::County, false),
];

const MONITORING_CLEAR: &[StepDef] =
    &[step("village_check", "村级核实风险已消除", Level::Village, false), step("county_approve", "县级审定风险消除", Level::County, false)];

const TRANSFER: &[StepDef] = &[
    step("township_review", "迁出地乡镇审核", Level::Township, false),
    step("county_release", "迁出地县级审核同意迁出", Level::County, false),
    StepDef { id: "target_accept", label: "迁入地县级确认接收", level: Level::County, opens_notice: false, at_target: true },
];

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Waiting for its next step.
    Open,
    /// A public notice is running until `notice_until`.
    Notice,
    /// An objection was lodged; waits for the township.
    Paused,
    Done,
    Rejected,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Notice => "notice",
            CaseState::Paused => "paused",
            CaseState::Done => "done",
            CaseState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<CaseState, DomainError> {
        [CaseState::Open, CaseState::Notice, CaseState::Paused, CaseState::Done, CaseState::Rejected]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::new("case.state", format!("未知的办理状态“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Open => "办理中",
            CaseState::Notice => "公示中",
            CaseState::Paused => "有异议，暂停",
            CaseState::Done => "已办结",
            CaseState::Rejected => "未通过",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, CaseState::Done | CaseState::Rejected)
    }
}

/// Checks that `level` may do the case's next step now. `next` is the index into `steps()`.
pub fn check_step(
    kind: CaseKind,
    next: usize,
    state: CaseState,
    notice_until: Option<Date>,
    today: Date,
    level: Option<Level>,
) -> Result<&'static StepDef, DomainError> {
    if state.is_closed() {
        return Err(DomainError::new("case.closed", "该业务已办结或未通过，不能继续办理"));
    }
    if state == CaseState::Paused {
        return Err(DomainError::new("case.objection_open", "公示期间有异议尚未处理，须由乡镇处理后才能继续"));
    }
    let step = kind.steps().get(next).ok_or_else(|| DomainError::new("case.no_step", "没有待办步骤"))?;
    if state == CaseState::Notice {
        if let Some(until) = notice_until {
            if today < until {
                return Err(DomainError::new("case.notice_running", format!("公示期至{until}，期满且无异议后才能办理下一步")));
            }
        }
    }
    if level != Some(step.level) {
        return Err(DomainError::new("case.wrong_level", format!("“{}”须由{}级办理", step.label, step.level.label())));
    }
    Ok(step)
}

/// The end of a notice opened on `day`: `days` full days later.
pub fn notice_end(day: Date, days: i64) -> Date {
    let mut d = day;
    for _ in 0..days {
        d = next_day(d);
    }
    d
}

pub fn next_day(d: Date) -> Date {
    Date::new(d.year, d.month, d.day + 1)
        .or_else(|| Date::new(d.year, d.month + 1, 1))
        .or_else(|| Date::new(d.year + 1, 1, 1))
        .expect("the day after a valid date is valid")
}

/// 两不愁三保障 and income: what stands between a household and exit in `year`. Empty means
/// every standard is met.
pub fn exit_unmet(h: &Household, year: i32, as_of: Date, rules: &Rules) -> Vec<String> {
    let mut unmet = vec![];
    if !h.status.is_remaining() {
        unmet.push(format!("当前状态为“{}”，不是未脱贫户", h.status.label()));
    }
    match (h.per_capita_for_exit(year), rules.poverty_line(year)) {
        (None, _) => unmet.push(format!("缺少{year}年度收入，无法测算人均纯收入")),
        (_, None) => unmet.push(format!("未配置{year}年度扶贫标准")),
        (Some(pc), Some(line)) if pc <= line => {
            unmet.push(format!("{year}年人均纯收入{pc}元（不含教育、医疗、住房补助）未超过扶贫标准{line}元"))
        }
        _ => {}
    }
    unmet.extend(guarantees_unmet(h, as_of));
    if h.head().is_none_or(|m| m.relation != Relation::Head) {
        unmet.push("户内无在册户主".into());
    }
    unmet
}

/// Why a household that meets every exit standard meets them, for the yearly update's list
/// (the income against the line; the guarantees are met by `exit_unmet` being empty).
pub fn exit_met(h: &Household, year: i32, rules: &Rules) -> String {
    match (h.per_capita_for_exit(year), rules.poverty_line(year)) {
        (Some(pc), Some(line)) => format!("{year}年人均纯收入{pc}元，超过扶贫标准{line}元；两不愁三保障均已实现"),
        _ => "两不愁三保障均已实现".into(),
    }
}

/// 两不愁三保障 and safe water, item by item: `None` where met; for education and medical
/// care, the members who leave it unmet (empty when only the recorded check says so).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gaps<'a> {
    pub food_clothing: bool,
    pub education: Option<Vec<&'a str>>,
    pub medical: Option<Vec<&'a str>>,
    pub housing: bool,
    pub water: bool,
}

/// Judged from the recorded checks and from the file's own facts (a school-age member out of
/// school, a member without medical insurance, a dangerous house), so that the file page, the
/// exit check and the poverty measures can never disagree.
pub fn guarantee_gaps(h: &Household, as_of: Date) -> Gaps<'_> {
    let c = &h.conditions;
    let out_of_school: Vec<&str> = h
        .active_members()
        .filter(|m| {
            (7..=15).contains(&m.id_number.birth_date().age_on(as_of)) && !m.schooling.is_compulsory() && m.schooling != Schooling::Senior1
        })
        .map(|m| m.name.as_str())
        .collect();
    let uninsured: Vec<&str> = h.active_members().filter(|m| !m.medical_insurance).map(|m| m.name.as_str()).collect();
    Gaps {
        food_clothing: !c.food_clothing,
        education: (!c.compulsory_education || !out_of_school.is_empty()).then_some(out_of_school),
        medical: (!c.medical_insurance || !uninsured.is_empty()).then_some(uninsured),
        housing: !c.safe_housing || !h.details.dangerous_house.is_empty(),
        water: !c.safe_water,
    }
}

/// The unmet items of `guarantee_gaps`, as the file page and the exit check word them.
pub fn guarantees_unmet(h: &Household, as_of: Date) -> Vec<String> {
    let gaps = guarantee_gaps(h, as_of);
    let who = |names: &[&str], what: &str| if names.is_empty() { String::new() } else { format!("（{}{what}）", names.join("、")) };
    let mut unmet = vec![];
    if gaps.food_clothing {
        unmet.push("不愁吃、不愁穿未实现".into());
    }
    if let Some(names) = &gaps.education {
        unmet.push(format!("义务教育无保障{}", who(names, "未在校")));
    }
    if let Some(names) = &gaps.medical {
        unmet.push(format!("基本医疗无保障{}", who(names, "未参加基本医疗保险")));
    }
    if gaps.housing {
        unmet.push("住房安全无保障".into());
    }
    if gaps.water {
        unmet.push("饮水安全未解决".into());
    }
    unmet
}

/// 防返贫监测: why a household that exited may fall back, from its income: below the
/// configured multiple (1.5×) of the line, or a drop of 30% or more from the year before.
pub fn monitoring_risks(h: &Household, year: i32, rules: &Rules) -> Vec<String> {
    let mut risks = vec![];
    if !is_watched(h.status) {
        return risks;
    }
    // Hard expenses are weighed against last year's whole net income (the household's means
    // to absorb them), whether or not this year's income is entered yet.
    if let (Some(this), Some(last)) = (h.income(year), h.income(year - 1)) {
        if this.hard_expenses.fen() > 0 && this.hard_expenses > last.net() {
            risks.push(format!("{year}年因病、因残、因灾等刚性支出{}元，超过{}年家庭纯收入{}元", this.hard_expenses, year - 1, last.net()));
        }
    }
    let (Some(line), Some(pc)) = (rules.poverty_line(year), h.per_capita_for_exit(year)) else { return risks };
    let bar = crate::Yuan::from_fen(line.fen() * rules.monitoring_multiple_tenths / 10);
    if pc < bar {
        risks.push(format!(
            "{year}年人均纯收入{pc}元，低于扶贫标准的{}.{}倍（{bar}元）",
            rules.monitoring_multiple_tenths / 10,
            rules.monitoring_multiple_tenths % 10
        ));
    }
    if let Some(prev) = h.per_capita_for_exit(year - 1) {
        if prev.fen() > 0 && pc.fen() * 10 <= prev.fen() * 7 {
            risks.push(format!("人均纯收入由{}年的{prev}元降至{pc}元，降幅30%以上", year - 1));
        }
    }
    risks
}

/// Households the monitoring rules watch: the exited, and rural households recorded without
/// ever being registered (边缘易致贫户, 突发严重困难户 are found among them).
pub fn is_watched(status: Status) -> bool {
    matches!(status, Status::Exited | Status::ExitedNoPolicy | Status::NonPoor)
}

/// The yearly update's verdict on one file (动态调整).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Still poor and meets every exit standard: an exit can be proposed.
    MeetsExit,
    /// Still poor, standards not yet met.
    StillPoor,
    /// Exited or recorded outside the register, and at risk of (falling back into) poverty.
    AtRisk,
    /// Exited or recorded outside the register, and stable.
    Stable,
    /// Removed or otherwise out of scope.
    Other,
}

pub fn verdict(h: &Household, year: i32, as_of: Date, rules: &Rules) -> Verdict {
    if h.status.is_remaining() {
        if exit_unmet(h, year, as_of, rules).is_empty() {
            Verdict::MeetsExit
        } else {
            Verdict::StillPoor
        }
    } else if is_watched(h.status) {
        if monitoring_risks(h, year, rules).is_empty() {
            Verdict::Stable
        } else {
            Verdict::AtRisk
        }
    } else {
        Verdict::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::household::fixtures::household;
    use crate::registry::household::{Conditions, Income};
    use crate::Yuan;

    fn met() -> Household {
        let mut h = household();
        h.conditions = Conditions::all_met();
        h.incomes.push(Income { year: 2017, wage: Yuan::from_yuan(9000), ..Income::default() });
        h
    }

    #[test]
    fn a_household_meeting_every_standard_may_exit() {
        assert!(exit_unmet(&met(), 2017, Date::new(2017, 10, 1).unwrap(), &Rules::default()).is_empty());
    }

    #[test]
    fn excluded_transfers_do_not_lift_income_over_the_line() {
        let mut h = met();
        h.incomes[0] = Income { year: 2017, wage: Yuan::from_yuan(3000), transfer_excluded: Yuan::from_yuan(20_000), ..Income::default() };
        let unmet = exit_unmet(&h, 2017, Date::new(2017, 10, 1).unwrap(), &Rules::default());
        assert_eq!(unmet.len(), 1);
        assert!(unmet[0].contains("1500.00") && unmet[0].contains("3527.00"), "{unmet:?}");
    }

    #[test]
    fn each_unmet_item_is_named() {
        let mut h = met();
        h.conditions.safe_housing = false;
        h.members[1].medical_insurance = false;
        h.incomes.clear();
        let unmet = exit_unmet(&h, 2017, Date::new(2017, 10, 1).unwrap(), &Rules::default());
        assert_eq!(unmet.len(), 3, "{unmet:?}");
        assert!(unmet.iter().any(|u| u.contains("成员2未参加")));
    }

    #[test]
    fn exited_households_with_low_or_falling_income_are_at_risk() {
        let mut h = met();
        h.status = Status::Exited;
        h.incomes[0] = Income { year: 2017, wage: crate::Yuan::from_yuan(12_000), ..Income::default() };
        assert!(monitoring_risks(&h, 2017, &Rules::default()).is_empty(), "6000/person > 1.5 × 3527");
        h.incomes.insert(0, Income { year: 2016, wage: crate::Yuan::from_yuan(20_000), ..Income::default() });
        let r = monitoring_risks(&h, 2017, &Rules::default());
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].contains("降幅"));
        h.incomes[1].wage = crate::Yuan::from_yuan(8000);
        assert_eq!(monitoring_risks(&h, 2017, &Rules::default()).len(), 2);
        assert_eq!(verdict(&h, 2017, Date::new(2017, 12, 1).unwrap(), &Rules::default()), Verdict::AtRisk);
    }

    #[test]
    fn hard_expenses_above_last_years_income_flag_a_recorded_household() {
        let mut h = met();
        h.status = Status::NonPoor;
        h.incomes = vec![
            Income { year: 2016, wage: crate::Yuan::from_yuan(30_000), ..Income::default() },
            Income { year: 2017, wage: crate::Yuan::from_yuan(30_000), hard_expenses: crate::Yuan::from_yuan(20_000), ..Income::default() },
        ];
        assert!(monitoring_risks(&h, 2017, &Rules::default()).is_empty(), "20,000 of expenses < 30,000 of income");
        h.incomes[1].hard_expenses = crate::Yuan::from_yuan(31_000);
        let r = monitoring_risks(&h, 2017, &Rules::default());
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].contains("刚性支出"));
        assert_eq!(verdict(&h, 2017, Date::new(2017, 12, 1).unwrap(), &Rules::default()), Verdict::AtRisk);
        h.status = Status::TransferredOut;
        assert_eq!(verdict(&h, 2017, Date::new(2017, 12, 1).unwrap(), &Rules::default()), Verdict::Other);
    }

    #[test]
    fn steps_follow_level_and_notice() {
        let today = Date::new(2017, 7, 1).unwrap();
        let until = Date::new(2017, 7, 8).unwrap();
        assert!(check_step(CaseKind::Exit, 0, CaseState::Open, None, today, Some(Level::Village)).is_ok());
        assert_eq!(check_step(CaseKind::Exit, 0, CaseState::Open, None, today, Some(Level::County)).unwrap_err().code, "case.wrong_level");
        assert_eq!(
            check_step(CaseKind::Exit, 4, CaseState::Notice, Some(until), today, Some(Level::County)).unwrap_err().code,
            "case.notice_running"
        );
        assert!(check_step(CaseKind::Exit, 4, CaseState::Notice, Some(until), until, Some(Level::County)).is_ok());
        assert_eq!(
            check_step(CaseKind::Exit, 4, CaseState::Paused, Some(until), until, Some(Level::County)).unwrap_err().code,
            "case.objection_open"
        );
        assert_eq!(notice_end(Date::new(2017, 12, 28).unwrap(), 7), Date::new(2018, 1, 4).unwrap());
    }
}
