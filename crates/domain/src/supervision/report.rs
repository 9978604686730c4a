//! 监督举报: anyone reports a problem, named or anonymously, and follows it with a tracking
//! number and a secret query code; the unit responsible takes it through 受理 → 转办 → 办理 →
//! 反馈 → 回访 → 办结 (or 重办 when the reporter is not satisfied) against deadlines in working
//! days. A report about a region is never handled by that region's own officials.

use super::calendar::Calendar;
use crate::id_number::Date;
use crate::registry::codes::code_enum;
use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};

code_enum!(
    /// 举报类别
    ReportCategory, "report_category" {
    Funds = "funds" "扶贫资金", Project = "project" "扶贫项目", Policy = "policy" "政策落实",
    Favouritism = "favouritism" "关系扶贫、人情扶贫", PaperExit = "paper_exit" "数字脱贫", FalseClaim = "false_claim" "虚报冒领",
    Withholding = "withholding" "截留私分", Embezzlement = "embezzlement" "贪污挪用", Conduct = "conduct" "干部作风",
    Other = "other" "其他",
});
impl ReportCategory {
    const FIELD_LABEL: &'static str = "举报类别";
}

code_enum!(
    /// 办理状态
    ReportState, "report_state" {
    Submitted = "submitted" "待受理", Handling = "handling" "办理中", Reopened = "reopened" "重办中",
    Answered = "answered" "待回访", Closed = "closed" "已办结", Declined = "declined" "不予受理",
});
impl ReportState {
    const FIELD_LABEL: &'static str = "办理状态";

    /// Waiting on the unit: the clock runs and cards are shown.
    pub fn is_open(self) -> bool {
        matches!(self, ReportState::Submitted | ReportState::Handling | ReportState::Reopened)
    }

    pub fn is_final(self) -> bool {
        matches!(self, ReportState::Closed | ReportState::Declined)
    }
}

code_enum!(
    /// A step the handling unit takes.
    ReportStep, "report_step" {
    Accept = "accept" "受理", Decline = "decline" "不予受理", Transfer = "transfer" "转办", Extend = "extend" "延期",
    Answer = "answer" "反馈", Close = "close" "办结",
});
impl ReportStep {
    const FIELD_LABEL: &'static str = "办理步骤";

    /// The state this step leads to from `from`, or why it may not be taken there.
    pub fn from(self, from: ReportState) -> Result<ReportState, DomainError> {
        use ReportState as S;
        let to = match (self, from) {
            (ReportStep::Accept, S::Submitted) => S::Handling,
            (ReportStep::Decline, S::Submitted) => S::Declined,
            (ReportStep::Transfer, S::Submitted | S::Handling | S::Reopened) => from,
            (ReportStep::Extend, S::Handling | S::Reopened) => from,
            (ReportStep::Answer, S::Handling | S::Reopened) => S::Answered,
            (ReportStep::Close, S::Answered) => S::Closed,
            _ => return Err(DomainError::new("report.state", format!("“{}”的举报不能{}", from.label(), self.label()))),
        };
        Ok(to)
    }

    /// Steps that must say why (the reporter reads the note of a refusal and of the answer).
    pub fn needs_note(self) -> bool {
        matches!(self, ReportStep::Decline | ReportStep::Extend | ReportStep::Answer)
    }
}

code_enum!(
    /// 预警: yellow one working day before the deadline, red from the day after it.
    Card, "report_card" {
    Green = "green" "正常", Yellow = "yellow" "黄牌", Red = "red" "红牌",
});
impl Card {
    const FIELD_LABEL: &'static str = "预警";
}

/// The time limits, in working days (defaults after Shandong's rules on complaints: 受理 within
/// 3, 办结 within 15 of acceptance, one extension of 7; the reporter has 5 to rate the answer
/// before the unit may close without a rating).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub accept_days: i64,
    pub handle_days: i64,
    pub extension_days: i64,
    pub rating_days: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines { accept_days: 3, handle_days: 15, extension_days: 7, rating_days: 5 }
    }
}

/// What a reporter sends (`POST /api/v1/public/reports`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDraft {
    pub category: ReportCategory,
    /// The region concerned: a village, township, county, city or the province (its code).
    pub region: String,
    /// The household concerned, if one (16 digits: its village's code and a number).
    #[serde(default)]
    pub household_id: Option<String>,
    pub text: String,
    /// The reporter's name and contact: without them the report is anonymous.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

/// A draft that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Filing {
    pub category: ReportCategory,
    pub about: RegionCode,
    pub household_id: Option<String>,
    pub text: String,
    pub name: Option<String>,
    pub contact: Option<String>,
}

pub const TEXT_MIN: usize = 10;
pub const TEXT_MAX: usize = 2000;

/// Control characters go (a newline stays); the pages escape the rest.
fn clean(v: &str) -> String {
    v.chars().filter(|c| !c.is_control() || *c == '\n').collect::<String>().trim().to_string()
}

pub fn validate(d: &ReportDraft) -> Result<Filing, DomainError> {
    let about = RegionCode::parse(&d.region).map_err(|_| DomainError::new("report.region", "请选择举报涉及的地区"))?;
    let household_id = match d.household_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(h) if h.len() == 16 && h.bytes().all(|b| b.is_ascii_digit()) => {
            if !h.starts_with(about.as_str()) {
                return Err(DomainError::new("report.household", format!("户编号{h}不在所选地区内")));
            }
            Some(h.to_string())
        }
        Some(h) => return Err(DomainError::new("report.household", format!("户编号“{h}”无效，应为16位数字"))),
    };
    let text = clean(&d.text);
    let n = text.chars().count();
    if n < TEXT_MIN {
        return Err(DomainError::new("report.text", format!("请写明举报的问题（至少{TEXT_MIN}个字）")));
    }
    if n > TEXT_MAX {
        return Err(DomainError::new("report.text", format!("举报内容不能超过{TEXT_MAX}个字")));
    }
    let name = d.name.as_deref().map(clean).filter(|s| !s.is_empty());
    if name.as_ref().is_some_and(|s| s.chars().count() > 20) {
        return Err(DomainError::new("report.name", "姓名不能超过20个字"));
    }
    let contact = match d.contact.as_deref().map(clean).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) if c.contains('@') && c.len() <= 60 && !c.contains(char::is_whitespace) => Some(c),
        Some(c) => Some(
            crate::matching::phone(&c)
                .map_err(|_| DomainError::new("report.contact", format!("联系方式“{c}”无效，应为手机号、带区号的固定电话或电子邮箱")))?,
        ),
    };
    Ok(Filing { category: d.category, about, household_id, text, name, contact })
}

/// The unit that receives a report about `about`: the county for a village, township or the
/// county's own officials' conduct is the city's, a city's the province's; the province
/// receives reports about itself (there is no level above on the platform).
pub fn receiver(about: &RegionCode) -> RegionCode {
    match about.level() {
        Level::Village | Level::Township => about.county().expect("villages and townships lie in a county"),
        Level::County | Level::City => about.parent().expect("counties and cities have a parent"),
        Level::Province => about.clone(),
    }
}

/// May the officials of `handler` handle a report about `about`? Only from above it: a report
/// about a village or its officials never reaches that village's officials.
pub fn may_handle(handler: &RegionCode, about: &RegionCode) -> bool {
    handler.contains(about) && (handler != about || handler.level() == Level::Province)
}

/// The card of an open report on `today`.
pub fn card(state: ReportState, deadline: Date, today: Date, cal: &Calendar) -> Card {
    if !state.is_open() {
        Card::Green
    } else if today > deadline {
        Card::Red
    } else if cal.working_days_between(today, deadline) <= 1 {
        Card::Yellow
    } else {
        Card::Green
    }
}

/// 督办单: the level above takes a report in hand when it is overdue or when the reporter was
/// dissatisfied twice.
pub fn supervision_order(card: Card, dissatisfied: i64) -> Option<&'static str> {
    if dissatisfied >= 2 {
        Some("群众两次不满意，上级督办")
    } else if card == Card::Red {
        Some("逾期未办结，上级督办")
    } else {
        None
    }
}

/// An outcome as published: the given names (the reporter's, the household's members', the
/// officials') become their surname and 某, and runs of seven or more digits (phones, ID and
/// account numbers) become asterisks.
pub fn mask(text: &str, names: &[String]) -> String {
    let mut out = text.to_string();
    let mut names: Vec<&String> = names.iter().filter(|n| n.chars().count() >= 2).collect();
    // Longer names first, so that 张三丰 is not masked as 张某丰.
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    for n in names {
        let first: String = n.chars().take(1).collect();
        out = out.replace(n.as_str(), &format!("{first}某"));
    }
    let mut masked = String::with_capacity(out.len());
    let mut digits = String::new();
    for c in out.chars().chain(std::iter::once('\u{0}')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if digits.len() >= 7 {
            masked.push_str(&"*".repeat(digits.len()));
        } else {
            masked.push_str(&digits);
        }
        digits.clear();
        if c != '\u{0}' {
            masked.push(c);
        }
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(region: &str, text: &str) -> ReportDraft {
        ReportDraft {
            category: ReportCategory::Funds,
            region: region.into(),
            household_id: None,
            text: text.into(),
            name: None,
            contact: None,
        }
    }

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_report_is_checked_and_cleaned() {
        let ok = validate(&draft("371521106201", "村里把危房改造补助发给了村干部亲属\u{7}")).unwrap();
        assert_eq!(ok.text, "村里把危房改造补助发给了村干部亲属");
        assert!(ok.name.is_none() && ok.contact.is_none(), "anonymous");
        for (d, code) in [
            (draft("3715", "太短"), "report.text"),
            (draft("37152", "村里把危房改造补助发给了村干部亲属"), "report.region"),
            (draft("371521", &"长".repeat(TEXT_MAX + 1)), "report.text"),
            (
                ReportDraft {
                    household_id: Some("3715211062010001".into()), ..draft("371522", "某户是村干部亲属却被评为贫困户")
                },
                "report.household",
            ),
            (ReportDraft { household_id: Some("12345".into()), ..draft("371521", "某户是村干部亲属却被评为贫困户") }, "report.household"),
            (ReportDraft { contact: Some("12345".into()), ..draft("371521", "某户是村干部亲属却被评为贫困户") }, "report.contact"),
        ] {
            assert_eq!(validate(&d).unwrap_err().code, code, "{d:?}");
        }
        let named = ReportDraft {
            name: Some(" 王五 ".into()),
            contact: Some("138-0000-1234".into()),
            household_id: Some("3715211062010001".into()),
            ..draft("371521106201", "某户是村干部亲属却被评为贫困户")
        };
        let v = validate(&named).unwrap();
        assert_eq!((v.name.as_deref(), v.contact.as_deref()), (Some("王五"), Some("13800001234")));
        assert_eq!(validate(&ReportDraft { contact: Some("a@b.cn".into()), ..named }).unwrap().contact.as_deref(), Some("a@b.cn"));
    }

    #[test]
    fn reports_go_to_the_level_above_and_never_to_the_reported() {
        assert_eq!(receiver(&code("371521106201")), code("371521"));
        assert_eq!(receiver(&code("371521106")), code("371521"));
        assert_eq!(receiver(&code("371521")), code("3715"));
        assert_eq!(receiver(&code("3715")), code("37"));
        assert_eq!(receiver(&code("37")), code("37"));
        assert!(may_handle(&code("371521106"), &code("371521106201")), "the township handles its village");
        assert!(!may_handle(&code("371521106201"), &code("371521106201")), "never the village itself");
        assert!(!may_handle(&code("371521106"), &code("371521106")), "nor a township itself");
        assert!(!may_handle(&code("371522"), &code("371521106201")), "nor another county");
        assert!(may_handle(&code("37"), &code("37")));
    }

    #[test]
    fn steps_follow_the_workflow() {
        use ReportState as S;
        assert_eq!(ReportStep::Accept.from(S::Submitted).unwrap(), S::Handling);
        assert_eq!(ReportStep::Answer.from(S::Reopened).unwrap(), S::Answered);
        assert_eq!(ReportStep::Transfer.from(S::Handling).unwrap(), S::Handling);
        assert_eq!(ReportStep::Close.from(S::Answered).unwrap(), S::Closed);
        for (step, from) in [
            (ReportStep::Answer, S::Submitted),
            (ReportStep::Accept, S::Handling),
            (ReportStep::Close, S::Handling),
            (ReportStep::Extend, S::Answered),
            (ReportStep::Transfer, S::Closed),
            (ReportStep::Decline, S::Handling),
        ] {
            assert_eq!(step.from(from).unwrap_err().code, "report.state", "{step:?} from {from:?}");
        }
    }

    #[test]
    fn cards_turn_yellow_the_working_day_before_and_red_the_day_after() {
        let cal = Calendar::china();
        let deadline = Date::parse("2017-07-21").unwrap(); // a Friday
        let on = |s: &str| card(ReportState::Handling, deadline, Date::parse(s).unwrap(), &cal);
        assert_eq!(on("2017-07-19"), Card::Green);
        assert_eq!(on("2017-07-20"), Card::Yellow);
        assert_eq!(on("2017-07-21"), Card::Yellow);
        assert_eq!(on("2017-07-22"), Card::Red);
        // A Monday deadline: the Friday before is one working day before it.
        let monday = Date::parse("2017-07-24").unwrap();
        assert_eq!(card(ReportState::Handling, monday, Date::parse("2017-07-21").unwrap(), &cal), Card::Yellow);
        assert_eq!(card(ReportState::Handling, monday, Date::parse("2017-07-20").unwrap(), &cal), Card::Green);
        assert_eq!(
            card(ReportState::Answered, deadline, Date::parse("2017-08-30").unwrap(), &cal),
            Card::Green,
            "answered: the clock stopped"
        );
        assert_eq!(supervision_order(Card::Red, 0), Some("逾期未办结，上级督办"));
        assert!(supervision_order(Card::Yellow, 2).unwrap().contains("两次不满意"));
        assert_eq!(supervision_order(Card::Yellow, 1), None);
    }

    #[test]
    fn published_outcomes_mask_names_and_numbers() {
        let t = "经查，张三丰反映的张三家危改补助已追回，联系电话13800001234，涉及金额12000元";
        let m = mask(t, &["张三".into(), "张三丰".into(), "李".into()]);
        assert_eq!(m, "经查，张某反映的张某家危改补助已追回，联系电话***********，涉及金额12000元");
    }
}
