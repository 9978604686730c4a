//! 第三方评估's field results and the county's verdict (DOMAIN.md, "County exit"): what an
//! enumerator records at each sampled household, which questions each kind of household is
//! asked, and how the "three rates, one degree" are judged against their thresholds when each
//! comes with an interval.

use crate::error::DomainError;
use crate::evaluation::sample::Kind;
use serde::{Deserialize, Serialize};

/// What the enumerator found at one household.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldResult {
    /// Exited households: exited while the standards were not met (错退)?
    #[serde(default)]
    pub wrong_exit: Option<bool>,
    /// Households outside the register: should have been registered (漏评)?
    #[serde(default)]
    pub omitted: Option<bool>,
    /// Every household: satisfied with the identification, the help and the exit (认可度)?
    /// None when the household would not say.
    #[serde(default)]
    pub satisfied: Option<bool>,
    /// Why, when a household is found wrongly exited or omitted, or dissatisfied.
    #[serde(default)]
    pub reason: String,
    /// Who asked (the enumerator's name or number).
    pub enumerator: String,
}

impl FieldResult {
    /// Checks the result against the household's kind: an exited household answers 错退, one
    /// outside the register 漏评, a still-poor household neither; a finding needs its reason.
    pub fn check(&self, kind: Kind) -> Result<(), DomainError> {
        let bad = |m: &str| Err(DomainError::new("evaluation.result", m.to_string()));
        if self.enumerator.trim().is_empty() || self.enumerator.chars().count() > 30 {
            return bad("请填写调查员（不超过30字）");
        }
        if self.reason.chars().count() > 500 {
            return bad("情况说明不超过500字");
        }
        match kind {
            Kind::Exited if self.wrong_exit.is_none() => return bad("已脱贫户须填写是否错退"),
            Kind::Outside if self.omitted.is_none() => return bad("非建档立卡户须填写是否漏评"),
            Kind::StillPoor | Kind::Outside if self.wrong_exit.is_some() => return bad("只有已脱贫户判断是否错退"),
            Kind::StillPoor | Kind::Exited if self.omitted.is_some() => return bad("只有非建档立卡户判断是否漏评"),
            _ => {}
        }
        let found = self.wrong_exit == Some(true) || self.omitted == Some(true);
        if found && self.reason.trim().is_empty() {
            return bad("认定错退或漏评须写明情况（如收入低于标准、住房不安全）");
        }
        Ok(())
    }
}

/// A household outside the register that the enumerator found in a sampled village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutsideHousehold {
    pub village: String,
    /// The head's name, to find the household again (no ID number is taken in the field).
    pub head: String,
    pub persons: i64,
}

impl OutsideHousehold {
    pub fn check(&self) -> Result<(), DomainError> {
        let head = self.head.trim();
        if head.is_empty() || head.chars().count() > 30 {
            return Err(DomainError::new("evaluation.head", "请填写户主姓名（不超过30字）"));
        }
        if !(1..=30).contains(&self.persons) {
            return Err(DomainError::new("evaluation.persons", "家庭人口应在1到30人之间"));
        }
        Ok(())
    }
}

/// The thresholds of a county's exit (configurable; the 2016 national method's by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExitThresholds {
    /// 错退率 below this, basis points.
    pub wrong_exit_bp: i64,
    /// 漏评率 below this, basis points.
    pub omitted_bp: i64,
    /// 群众认可度 at least this, basis points.
    pub satisfaction_bp: i64,
}

impl Default for ExitThresholds {
    fn default() -> Self {
        ExitThresholds { wrong_exit_bp: 200, omitted_bp: 200, satisfaction_bp: 9000 }
    }
}

/// How one rate stands against its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The whole interval is on the right side.
    Met,
    /// The point estimate is on the right side, but the interval reaches across the threshold.
    MetUncertain,
    /// The point estimate is on the wrong side, but the interval reaches back across.
    FailedUncertain,
    /// The whole interval is on the wrong side.
    Failed,
    /// Nothing to judge by (no answer of that kind yet).
    Unknown,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Met => "达标",
            Standing::MetUncertain => "点估计达标，但置信区间跨过标准",
            Standing::FailedUncertain => "点估计未达标，但置信区间跨过标准",
            Standing::Failed => "未达标",
            Standing::Unknown => "尚无数据",
        }
    }

    /// Whether the point estimate meets the standard (what the exit decision rests on).
    pub fn passes(self) -> Option<bool> {
        match self {
            Standing::Met | Standing::MetUncertain => Some(true),
            Standing::Failed | Standing::FailedUncertain => Some(false),
            Standing::Unknown => None,
        }
    }
}

/// `estimate` with its interval against `threshold`: below it is good when `below` (错退率,
/// 漏评率, the incidence: strictly below), at or above it otherwise (认可度).
pub fn standing(estimate: f64, ci: (f64, f64), threshold: f64, below: bool) -> Standing {
    let ok = |x: f64| if below { x < threshold } else { x >= threshold };
    match (ok(estimate), ok(ci.0) && ok(ci.1)) {
        (true, true) => Standing::Met,
        (true, false) => Standing::MetUncertain,
        (false, _) if !ok(ci.0) && !ok(ci.1) => Standing::Failed,
        (false, _) => Standing::FailedUncertain,
    }
}

/// The exit verdict from each rate's standing: vetoed by any rate that fails, unknown while one
/// is unknown, otherwise passed (with the uncertain ones named by the caller).
pub fn verdict(standings: &[Standing]) -> Option<bool> {
    let mut all = Some(true);
    for s in standings {
        match s.passes() {
            Some(false) => return Some(false),
            None => all = None,
            Some(true) => {}
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(wrong_exit: Option<bool>, omitted: Option<bool>, reason: &str) -> FieldResult {
        FieldResult { wrong_exit, omitted, satisfied: Some(true), reason: reason.into(), enumerator: "评估员01".into() }
    }

    #[test]
    fn each_kind_answers_its_own_question() {
        assert!(result(Some(false), None, "").check(Kind::Exited).is_ok());
        assert!(result(None, Some(false), "").check(Kind::Outside).is_ok());
        assert!(result(None, None, "").check(Kind::StillPoor).is_ok());
        for (r, kind) in [
            (result(None, None, ""), Kind::Exited),
            (result(None, None, ""), Kind::Outside),
            (result(Some(false), None, ""), Kind::StillPoor),
            (result(None, Some(true), "x"), Kind::Exited),
            (result(Some(true), None, " "), Kind::Exited),
            (FieldResult { enumerator: " ".into(), ..result(None, None, "") }, Kind::StillPoor),
        ] {
            assert_eq!(r.check(kind).unwrap_err().code, "evaluation.result", "{r:?} as {kind:?}");
        }
    }

    #[test]
    fn an_interval_across_the_threshold_is_uncertain_either_way() {
        assert_eq!(standing(0.005, (0.0, 0.015), 0.02, true), Standing::Met);
        assert_eq!(standing(0.018, (0.010, 0.030), 0.02, true), Standing::MetUncertain);
        assert_eq!(standing(0.025, (0.015, 0.040), 0.02, true), Standing::FailedUncertain);
        assert_eq!(standing(0.05, (0.03, 0.08), 0.02, true), Standing::Failed);
        assert_eq!(standing(0.95, (0.92, 0.97), 0.90, false), Standing::Met);
        assert_eq!(standing(0.91, (0.85, 0.95), 0.90, false), Standing::MetUncertain);
        assert_eq!(standing(0.02, (0.0, 0.05), 0.02, true), Standing::FailedUncertain, "2% is not below 2%");
        assert_eq!(verdict(&[Standing::Met, Standing::MetUncertain]), Some(true));
        assert_eq!(verdict(&[Standing::Met, Standing::Unknown]), None);
        assert_eq!(verdict(&[Standing::Unknown, Standing::FailedUncertain]), Some(false), "any failure vetoes");
    }
}
