//! 重点工作任务: a key task dispatched top-down with a target per region, split by each level
//! among the regions below it, and tracked to its deadline. A task's progress is either an
//! indicator the platform computes from the registry's counters (exits against the plan, files
//! with a helper, files with a measure, needs matched) or what the regions report with evidence.
//!
//! Values are whole numbers: persons or items for a number, hundredths of a percent for a
//! percentage (9850 is 98.50%), 0 or 1 for a yes/no target.

use crate::id_number::Date;
use crate::maps::rollup::{self, Tally};
use crate::{DomainError, Level, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskTargetKind))]
pub enum TargetKind {
    /// 数量 (persons, villages, items): a parent's split must add up to at least what it received.
    Number,
    /// 百分比, in hundredths of a percent: each region's target at least its parent's.
    Percent,
    /// 是否完成: 1 is done.
    YesNo,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [TargetKind::Number, TargetKind::Percent, TargetKind::YesNo];

    pub fn code(self) -> &'static str {
        match self {
            TargetKind::Number => "number",
            TargetKind::Percent => "percent",
            TargetKind::YesNo => "yes_no",
        }
    }

    pub fn parse(s: &str) -> Result<TargetKind, DomainError> {
        TargetKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| DomainError::new("tasks.target_kind", format!("未知的目标类型“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Number => "数量",
            TargetKind::Percent => "百分比",
            TargetKind::YesNo => "是否完成",
        }
    }

    /// A value as people read it: `1,234`, `98.50%`, `已完成` / `未完成`.
    pub fn show(self, v: i64) -> String {
        match self {
            TargetKind::Number => thousands(v),
            TargetKind::Percent => format!("{}.{:02}%", v / 100, (v % 100).abs()),
            TargetKind::YesNo if v >= 1 => "已完成".into(),
            TargetKind::YesNo => "未完成".into(),
        }
    }

    /// Reads a value as a person types it: a number (`1,234`), a percentage (`98.5` or `98.5%`),
    /// `1`/`0` or `是`/`否`.
    pub fn read(self, s: &str) -> Result<i64, DomainError> {
        let t = s.trim().replace([',', '，'], "");
        let bad = || DomainError::new("tasks.value", format!("“{s}”不是{}", self.what()));
        let v = match self {
            TargetKind::Number => t.parse::<i64>().map_err(|_| bad())?,
            TargetKind::Percent => {
                let t = t.trim_end_matches(['%', '％']);
                let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
                if frac.len() > 2 || whole.is_empty() || !frac.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad());
                }
                let w: i64 = whole.parse().map_err(|_| bad())?;
                let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| bad())? };
                w.checked_mul(100).and_then(|w| w.checked_add(f)).ok_or_else(bad)?
            }
            TargetKind::YesNo => match t.as_str() {
                "1" | "是" | "已完成" | "yes" | "true" => 1,
                "0" | "否" | "未完成" | "no" | "false" => 0,
                _ => return Err(bad()),
            },
        };
        self.check(v)?;
        Ok(v)
    }

    fn what(self) -> &'static str {
        match self {
            TargetKind::Number => "非负整数",
            TargetKind::Percent => "0 至 100 之间、至多两位小数的百分比",
            TargetKind::YesNo => "“是”或“否”",
        }
    }

    /// A value this kind can hold.
    pub fn check(self, v: i64) -> Result<(), DomainError> {
        let ok = match self {
            TargetKind::Number => (0..=1_000_000_000).contains(&v),
            TargetKind::Percent => (0..=10_000).contains(&v),
            TargetKind::YesNo => v == 0 || v == 1,
        };
        if ok {
            Ok(())
        } else {
            Err(DomainError::new("tasks.value", format!("目标值应为{}", self.what())))
        }
    }
}

fn thousands(v: i64) -> String {
    let s = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Where a task's progress comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskIndicator))]
pub enum Indicator {
    /// 脱贫人口 in the task's year (persons), against the exit plan.
    Exits,
    /// 有帮扶责任人的未脱贫户占比.
    Helped,
    /// 有帮扶措施的未脱贫户占比.
    Measured,
    /// 供需对接率: needs reached (matched or met) among the needs published.
    Matched,
    /// Reported by the regions with evidence (a number, a percentage or done / not done).
    Reported,
}

impl Indicator {
    pub const ALL: [Indicator; 5] = [Indicator::Exits, Indicator::Helped, Indicator::Measured, Indicator::Matched, Indicator::Reported];

    pub fn code(self) -> &'static str {
        match self {
            Indicator::Exits => "exits",
            Indicator::Helped => "helped",
            Indicator::Measured => "measured",
            Indicator::Matched => "matched",
            Indicator::Reported => "reported",
        }
    }

    pub fn parse(s: &str) -> Result<Indicator, DomainError> {
        Indicator::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| DomainError::new("tasks.indicator", format!("未知的任务指标“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            Indicator::Exits => "当年脱贫人口（平台统计）",
            Indicator::Helped => "有帮扶责任人的未脱贫户占比（平台统计）",
            Indicator::Measured => "有帮扶措施的未脱贫户占比（平台统计）",
            Indicator::Matched => "供需对接率（平台统计）",
            Indicator::Reported => "各地填报进度（附佐证）",
        }
    }

    /// The kind of target an indicator the platform computes takes; a reported task names its own.
    pub fn target_kind(self) -> Option<TargetKind> {
        match self {
            Indicator::Exits => Some(TargetKind::Number),
            Indicator::Helped | Indicator::Measured | Indicator::Matched => Some(TargetKind::Percent),
            Indicator::Reported => None,
        }
    }

    /// The rollup metrics the indicator reads (so the store reads only those).
    pub fn metrics(self, year: i32) -> Vec<String> {
        match self {
            Indicator::Exits => vec![format!("exited:{year}")],
            Indicator::Helped => vec!["status:1".into(), "status:4".into(), "gap:helper".into()],
            Indicator::Measured => vec!["status:1".into(), "status:4".into(), "gap:measure".into()],
            Indicator::Matched => vec![rollup::NEEDS_PUBLISHED.into(), rollup::NEEDS_REACHED.into()],
            Indicator::Reported => vec![],
        }
    }

    /// Where a target's pace is judged from, as (date, value): a year's exits count from the
    /// first of January and from zero, whenever the target was assigned (every exit of the year
    /// is part of it); any other indicator from its value on the day the target was assigned.
    pub fn pace_from(self, year: i32, assigned_on: Date, baseline: i64) -> (Date, i64) {
        match self {
            Indicator::Exits => (Date::new(year, 1, 1).unwrap_or(assigned_on), 0),
            _ => (assigned_on, baseline),
        }
    }

    /// The indicator's value from a region's counters; `None` for a reported task.
    pub fn value(self, f: &BTreeMap<String, Tally>, year: i32) -> Option<i64> {
        let h = |m: &str| f.get(m).map_or(0, |t| t.households);
        let bp = |(part, whole): (i64, i64)| if whole > 0 { (part * 10_000 + whole / 2) / whole } else { 10_000 };
        match self {
            Indicator::Exits => Some(f.get(&format!("exited:{year}")).map_or(0, |t| t.persons)),
            Indicator::Helped => Some(bp(rollup::covered(f, "gap:helper"))),
            Indicator::Measured => Some(bp(rollup::covered(f, "gap:measure"))),
            Indicator::Matched => Some(bp((h(rollup::NEEDS_REACHED), h(rollup::NEEDS_PUBLISHED)))),
            Indicator::Reported => None,
        }
    }
}

/// How a target stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskLight))]
pub enum Light {
    /// 逾期: past the deadline and not reached; shown to the level above (升级督办).
    Overdue,
    /// 滞后: at this pace it ends short by more than a tenth of what was left to do.
    Red,
    /// 预警: short at this pace, by at most a tenth.
    Amber,
    /// 正常: on pace to reach the target by the deadline.
    Green,
    /// 已完成.
    Done,
}

impl Light {
    pub fn code(self) -> &'static str {
        match self {
            Light::Overdue => "overdue",
            Light::Red => "red",
            Light::Amber => "amber",
            Light::Green => "green",
            Light::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Result<Light, DomainError> {
        [Light::Overdue, Light::Red, Light::Amber, Light::Green, Light::Done]
            .into_iter()
            .find(|l| l.code() == s)
            .ok_or_else(|| DomainError::new("tasks.light", format!("未知的进度状态“{s}”")))
    }

    pub fn label(self) -> &'static str {
        match self {
            Light::Overdue => "逾期",
            Light::Red => "滞后",
            Light::Amber => "预警",
            Light::Green => "正常",
            Light::Done => "已完成",
        }
    }
}

/// A target's standing on a date: the light and, at the pace since it was assigned, the value
/// expected at the deadline and the day the target would be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskStanding))]
pub struct Standing {
    pub light: Light,
    /// The value at the deadline at the pace so far (none before a day has passed).
    pub projected: Option<i64>,
    /// When the target is reached at the pace so far (none without progress, or once reached).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub projected_on: Option<Date>,
    /// Share of the way from the baseline to the target, in hundredths of a percent (0–10000).
    pub done_bp: i64,
}

/// The pace thresholds after the 倒排工期 dashboard: on pace is green, within a tenth amber.
const AMBER_PACE: f64 = 0.9;

/// Where a target stands: reached, overdue, or (linear pace from the baseline on the day it
/// was assigned) green, amber or red.
pub fn standing(baseline: i64, value: i64, target: i64, assigned_on: Date, deadline: Date, today: Date) -> Standing {
    let to_do = (target - baseline).max(0);
    let done = (value - baseline).max(0);
    let done_bp = if to_do == 0 { 10_000 } else { (done * 10_000 / to_do).min(10_000) };
    if value >= target {
        return Standing { light: Light::Done, projected: Some(value), projected_on: None, done_bp: 10_000 };
    }
    let elapsed = today.day_number() - assigned_on.day_number();
    let span = (deadline.day_number() - assigned_on.day_number()).max(1);
    let (projected, projected_on) = if elapsed > 0 {
        let p = baseline + (done as f64 * span as f64 / elapsed as f64).round() as i64;
        // A date more than ten years on says only "not at this pace": none is given.
        let days = if done > 0 { (to_do as f64 * elapsed as f64 / done as f64).ceil() } else { f64::INFINITY };
        let on = (days <= 3650.0).then(|| Date::from_day_number(assigned_on.day_number() + days as i64));
        (Some(p), on)
    } else {
        (None, None)
    };
    let light = if today > deadline {
        Light::Overdue
    } else {
        match projected {
            None => Light::Green,
            Some(p) => {
                let pace = if to_do == 0 { 1.0 } else { (p - baseline) as f64 / to_do as f64 };
                if pace >= 1.0 {
                    Light::Green
                } else if pace >= AMBER_PACE {
                    Light::Amber
                } else {
                    Light::Red
                }
            }
        }
    };
    Standing { light, projected, projected_on, done_bp }
}

/// The levels a task is held at: the province, cities and counties split; townships only carry out.
pub fn may_split(level: Level) -> bool {
    matches!(level, Level::Province | Level::City | Level::County)
}

/// One region's part of a split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TaskPart))]
pub struct Part {
    /// A region directly below the one splitting.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub region: RegionCode,
    pub target: i64,
    /// Its deadline: at most the one received (the level above keeps time to check).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    /// 责任单位 and 责任人.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub person: String,
}

/// Checks a split of `received` (due `due`) by `from` among its children: each part below it,
/// once, with a value of the kind and a deadline no later; for a number the parts add up to at
/// least what was received, for a percentage or yes/no each part is at least as strict.
pub fn check_split(kind: TargetKind, from: &RegionCode, received: i64, due: Date, parts: &[Part]) -> Result<(), DomainError> {
    if !may_split(from.level()) {
        return Err(DomainError::new("tasks.split_level", "乡镇承担任务，不再向村分解"));
    }
    if parts.is_empty() {
        return Err(DomainError::new("tasks.split_empty", "请至少向一个下级区划分解任务"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in parts {
        if p.region.parent().as_ref() != Some(from) {
            return Err(DomainError::new("tasks.split_region", format!("{}不是本级的直接下级区划", p.region.as_str())));
        }
        if !seen.insert(p.region.as_str()) {
            return Err(DomainError::new("tasks.split_twice", format!("{}分解了两次", p.region.as_str())));
        }
        kind.check(p.target)?;
        if p.deadline > due {
            return Err(DomainError::new(
                "tasks.split_deadline",
                format!("{}的完成时限{}晚于本级承接的时限{due}", p.region.as_str(), p.deadline),
            ));
        }
        if kind != TargetKind::Number && p.target < received {
            return Err(DomainError::new(
                "tasks.split_weaker",
                format!("{}的目标{}低于本级承接的{}", p.region.as_str(), kind.show(p.target), kind.show(received)),
            ));
        }
        if p.unit.chars().count() > 100 || p.person.chars().count() > 50 {
            return Err(DomainError::new("tasks.split_text", "责任单位至多100字，责任人至多50字"));
        }
    }
    if kind == TargetKind::Number {
        let sum: i64 = parts.iter().map(|p| p.target).sum();
        if sum < received {
            return Err(DomainError::new(
                "tasks.split_short",
                format!("分解到下级的目标合计{}，少于本级承接的{}（差{}）", thousands(sum), thousands(received), thousands(received - sum)),
            ));
        }
    }
    Ok(())
}

/// A reported task's value above the regions that report: a number is the sum of the parts,
/// a percentage their mean, yes/no done when every part is.
pub fn roll_up(kind: TargetKind, parts: &[i64]) -> i64 {
    if parts.is_empty() {
        return 0;
    }
    match kind {
        TargetKind::Number => parts.iter().sum(),
        TargetKind::Percent => parts.iter().sum::<i64>() / parts.len() as i64,
        TargetKind::YesNo => i64::from(parts.iter().all(|&v| v >= 1)),
    }
}

/// What a dispatcher sends to create a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDraft {
    pub title: String,
    /// The policy it carries out (an id of a published policy), if any.
    #[serde(default)]
    pub policy_id: Option<String>,
    pub indicator: Indicator,
    /// For a reported task: what it counts (`number`, `percent`, `yes_no`); ignored otherwise.
    #[serde(default)]
    pub target_kind: Option<TargetKind>,
    /// What a number counts (人, 个村, 公里 …); for a reported number only.
    #[serde(default)]
    pub unit_label: String,
    /// The year an indicator counts (exits of which year).
    pub year: i32,
    /// The dispatching region's own target.
    pub target: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
    /// The level it is split down to: `county` (default) or `township`.
    #[serde(default)]
    pub down_to: Option<Level>,
    /// 责任单位 and 责任人 at the dispatching level.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub description: String,
}

impl TaskDraft {
    /// The target's kind: the indicator's, or the one a reported task names.
    pub fn kind(&self) -> Result<TargetKind, DomainError> {
        match self.indicator.target_kind() {
            Some(k) => Ok(k),
            None => {
                self.target_kind.ok_or_else(|| DomainError::new("tasks.target_kind", "填报类任务须指定目标类型（数量、百分比或是否完成）"))
            }
        }
    }

    /// Checks the draft of `region`'s dispatcher on `today`.
    pub fn validate(&self, region: &RegionCode, today: Date) -> Result<(), DomainError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(DomainError::new("tasks.title", "任务名称不能为空，至多100字"));
        }
        if self.description.chars().count() > 2000 || self.unit_label.chars().count() > 10 {
            return Err(DomainError::new("tasks.text", "任务说明至多2000字，计量单位至多10字"));
        }
        if self.unit.chars().count() > 100 || self.person.chars().count() > 50 {
            return Err(DomainError::new("tasks.split_text", "责任单位至多100字，责任人至多50字"));
        }
        if !(2015..=2030).contains(&self.year) {
            return Err(DomainError::new("tasks.year", "任务年度应在2015至2030年之间"));
        }
        self.kind()?.check(self.target)?;
        if self.deadline < today {
            return Err(DomainError::new("tasks.deadline", format!("完成时限{}早于今天{today}", self.deadline)));
        }
        if !may_split(region.level()) {
            return Err(DomainError::new("tasks.dispatch_level", "重点工作任务由省、市、县下达"));
        }
        let down_to = self.down_to();
        if !matches!(down_to, Level::County | Level::Township) || down_to <= region.level() {
            return Err(DomainError::new("tasks.down_to", "任务分解到县或乡镇，且须低于下达的层级"));
        }
        Ok(())
    }

    pub fn down_to(&self) -> Level {
        self.down_to.unwrap_or(Level::County)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn r(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn part(code: &str, target: i64) -> Part {
        Part { region: r(code), target, deadline: d("2017-12-31"), unit: String::new(), person: String::new() }
    }

    #[test]
    fn a_number_split_must_add_up_to_what_was_received() {
        let from = r("3715");
        let due = d("2017-12-31");
        assert!(check_split(TargetKind::Number, &from, 100, due, &[part("371521", 60), part("371522", 40)]).is_ok());
        assert!(check_split(TargetKind::Number, &from, 100, due, &[part("371521", 60), part("371522", 50)]).is_ok(), "more is allowed");
        let e = check_split(TargetKind::Number, &from, 100, due, &[part("371521", 60), part("371522", 39)]).unwrap_err();
        assert_eq!(e.code, "tasks.split_short");
        assert!(e.message.contains("差1"), "{}", e.message);
        let e = check_split(TargetKind::Number, &from, 10, due, &[part("371521", 6), part("371521", 6)]).unwrap_err();
        assert_eq!(e.code, "tasks.split_twice");
        let e = check_split(TargetKind::Number, &from, 10, due, &[part("370102", 10)]).unwrap_err();
        assert_eq!(e.code, "tasks.split_region", "not below the city");
        let e = check_split(TargetKind::Number, &from, 10, due, &[part("371521001", 10)]).unwrap_err();
        assert_eq!(e.code, "tasks.split_region", "not directly below");
        let mut late = part("371521", 10);
        late.deadline = d("2018-01-01");
        assert_eq!(check_split(TargetKind::Number, &from, 10, due, &[late]).unwrap_err().code, "tasks.split_deadline");
        assert_eq!(
            check_split(TargetKind::Number, &r("371521001"), 1, due, &[part("371521001001", 1)]).unwrap_err().code,
            "tasks.split_level"
        );
        assert_eq!(check_split(TargetKind::Number, &from, 1, due, &[]).unwrap_err().code, "tasks.split_empty");
    }

    #[test]
    fn a_percentage_split_is_at_least_as_strict_in_every_part() {
        let from = r("37");
        let due = d("2017-12-31");
        assert!(check_split(TargetKind::Percent, &from, 9500, due, &[part("3715", 9500), part("3716", 10000)]).is_ok());
        let e = check_split(TargetKind::Percent, &from, 9500, due, &[part("3715", 9500), part("3716", 9000)]).unwrap_err();
        assert_eq!(e.code, "tasks.split_weaker");
        assert!(e.message.contains("90.00%"), "{}", e.message);
        assert_eq!(check_split(TargetKind::Percent, &from, 9500, due, &[part("3715", 10001)]).unwrap_err().code, "tasks.value");
        assert_eq!(check_split(TargetKind::YesNo, &from, 1, due, &[part("3715", 0)]).unwrap_err().code, "tasks.split_weaker");
    }

    #[test]
    fn standing_follows_the_pace_since_assignment() {
        let (from, due) = (d("2017-01-01"), d("2017-12-31"));
        // Halfway through the year, half done: on pace.
        let s = standing(0, 500, 1000, from, due, d("2017-07-02"));
        assert_eq!(s.light, Light::Green);
        assert_eq!(s.done_bp, 5000);
        // 95% of the pace: amber; 50%: red.
        assert_eq!(standing(0, 475, 1000, from, due, d("2017-07-02")).light, Light::Amber);
        assert_eq!(standing(0, 250, 1000, from, due, d("2017-07-02")).light, Light::Red);
        // Reached: done, whatever the date.
        assert_eq!(standing(0, 1000, 1000, from, due, d("2018-03-01")).light, Light::Done);
        // Past the deadline and short: overdue.
        assert_eq!(standing(0, 999, 1000, from, due, d("2018-01-01")).light, Light::Overdue);
        // Nothing yet on the first day is not behind; nothing after a month is.
        assert_eq!(standing(0, 0, 1000, from, due, from).light, Light::Green);
        let s = standing(0, 0, 1000, from, due, d("2017-02-01"));
        assert_eq!((s.light, s.projected_on), (Light::Red, None));
        // The projection from a baseline: a share from 80% to 100% over 100 days, 10 points in 25.
        let s = standing(8000, 9000, 10000, d("2017-01-01"), d("2017-04-11"), d("2017-01-26"));
        assert_eq!(s.projected, Some(12000));
        assert_eq!(s.projected_on, Some(d("2017-02-20")));
        assert_eq!(s.done_bp, 5000);
        assert_eq!(standing(0, 1, 1_000_000_000, from, due, d("2017-02-01")).projected_on, None, "not in ten years");
    }

    #[test]
    fn values_are_read_and_shown_as_people_write_them() {
        assert_eq!(TargetKind::Percent.read("98.5%").unwrap(), 9850);
        assert_eq!(TargetKind::Percent.read("100").unwrap(), 10000);
        assert_eq!(TargetKind::Percent.read("7.05").unwrap(), 705);
        assert!(TargetKind::Percent.read("100.5").is_err());
        assert!(TargetKind::Percent.read("9.999").is_err());
        assert!(TargetKind::Percent.read("-1").is_err());
        assert_eq!(TargetKind::Number.read("1,200,000").unwrap(), 1_200_000);
        assert!(TargetKind::Number.read("十").is_err());
        assert_eq!(TargetKind::YesNo.read("是").unwrap(), 1);
        assert_eq!(TargetKind::Percent.show(9850), "98.50%");
        assert_eq!(TargetKind::Number.show(1_200_000), "1,200,000");
        assert_eq!(TargetKind::YesNo.show(0), "未完成");
    }

    #[test]
    fn indicators_read_the_counters() {
        let mut f = BTreeMap::new();
        f.insert("status:1".to_string(), Tally { households: 90, persons: 200 });
        f.insert("status:4".to_string(), Tally { households: 10, persons: 20 });
        f.insert("gap:helper".to_string(), Tally { households: 3, persons: 7 });
        f.insert("exited:2017".to_string(), Tally { households: 40, persons: 81 });
        assert_eq!(Indicator::Helped.value(&f, 2017), Some(9700));
        assert_eq!(Indicator::Measured.value(&f, 2017), Some(10000));
        assert_eq!(Indicator::Exits.value(&f, 2017), Some(81));
        assert_eq!(Indicator::Exits.value(&f, 2016), Some(0));
        assert_eq!(Indicator::Matched.value(&f, 2017), Some(10000), "no need published: nothing left unmatched");
        assert_eq!(Indicator::Reported.value(&f, 2017), None);
        let on = d("2017-03-10");
        assert_eq!(Indicator::Exits.pace_from(2017, on, 40), (d("2017-01-01"), 0), "a year's exits count from its start");
        assert_eq!(Indicator::Helped.pace_from(2017, on, 9500), (on, 9500));
    }

    #[test]
    fn reported_values_roll_up_by_kind() {
        assert_eq!(roll_up(TargetKind::Number, &[3, 4]), 7);
        assert_eq!(roll_up(TargetKind::Percent, &[10000, 5000]), 7500);
        assert_eq!(roll_up(TargetKind::YesNo, &[1, 0]), 0);
        assert_eq!(roll_up(TargetKind::YesNo, &[1, 1]), 1);
    }

    #[test]
    fn a_draft_is_checked() {
        let mut t = TaskDraft {
            title: "2017年减贫".into(),
            policy_id: None,
            indicator: Indicator::Exits,
            target_kind: None,
            unit_label: String::new(),
            year: 2017,
            target: 896_000,
            deadline: d("2017-12-31"),
            down_to: None,
            unit: "省扶贫办".into(),
            person: String::new(),
            description: String::new(),
        };
        assert!(t.validate(&r("37"), d("2017-01-20")).is_ok());
        assert_eq!(t.validate(&r("37"), d("2018-01-20")).unwrap_err().code, "tasks.deadline");
        assert_eq!(t.validate(&r("371521"), d("2017-01-20")).unwrap_err().code, "tasks.down_to", "a county splits to townships");
        t.down_to = Some(Level::Township);
        assert!(t.validate(&r("371521"), d("2017-01-20")).is_ok());
        assert_eq!(t.validate(&r("371521001"), d("2017-01-20")).unwrap_err().code, "tasks.dispatch_level");
        t.indicator = Indicator::Reported;
        assert_eq!(t.validate(&r("37"), d("2017-01-20")).unwrap_err().code, "tasks.target_kind");
        t.target_kind = Some(TargetKind::YesNo);
        assert_eq!(t.validate(&r("37"), d("2017-01-20")).unwrap_err().code, "tasks.value");
    }
}
