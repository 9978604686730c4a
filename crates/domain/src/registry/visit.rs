//! 走访记录: a helper's (or the village official's) visit to a household — when, what was found,
//! what was done — and when the next one is due (`Rules::visit_every_days`, a month by default).

use crate::id_number::Date;
use crate::DomainError;
use serde::{Deserialize, Serialize};

/// What the visitor reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2017-06-20"))]
    pub visited_on: Date,
    /// 走访情况: what the visitor found (the family's situation, needs, problems).
    pub found: String,
    /// 帮扶措施落实: what was done or agreed.
    #[serde(default)]
    pub done: String,
}

/// A visit as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub no: i64,
    #[serde(flatten)]
    pub report: VisitReport,
    /// The visitor's username and, for the page, name.
    pub visitor: String,
    pub visitor_name: String,
}

/// The earliest visit a report may date (the files were registered in late 2015).
const FIRST: (i32, u32, u32) = (2015, 10, 1);

pub fn validate(r: &VisitReport, today: Date) -> Result<(), DomainError> {
    let first = Date::new(FIRST.0, FIRST.1, FIRST.2).expect("a valid date");
    if r.visited_on > today {
        return Err(DomainError::new("visit.visited_on", format!("走访日期{}晚于业务日期{today}", r.visited_on)));
    }
    if r.visited_on < first {
        return Err(DomainError::new("visit.visited_on", format!("走访日期{}早于建档立卡（{first}）", r.visited_on)));
    }
    let found = r.found.trim();
    if found.is_empty() {
        return Err(DomainError::new("visit.found", "请填写走访情况"));
    }
    if found.chars().count() > 1000 || r.done.chars().count() > 1000 {
        return Err(DomainError::new("visit.found", "走访情况和帮扶措施各最多1000字"));
    }
    Ok(())
}

/// Whether a household is due a visit on `today`: never visited, or the last visit
/// `every_days` or more days ago. Returns the days since the last visit when one is due.
pub fn due(last: Option<Date>, today: Date, every_days: i64) -> Option<Option<i64>> {
    match last {
        None => Some(None),
        Some(d) => {
            let since = today.day_number() - d.day_number();
            (since >= every_days).then_some(Some(since))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn reports_are_checked() {
        let today = d("2017-06-30");
        let ok =
            VisitReport {
                visited_on: d("2017-06-28"), found: "户主病情稳定，孩子在读初二。".into(), done: "协助申请医疗救助。".into()
            };
        validate(&ok, today).unwrap();
        assert_eq!(validate(&VisitReport { visited_on: d("2017-07-01"), ..ok.clone() }, today).unwrap_err().code, "visit.visited_on");
        assert_eq!(validate(&VisitReport { visited_on: d("2014-01-01"), ..ok.clone() }, today).unwrap_err().code, "visit.visited_on");
        assert_eq!(validate(&VisitReport { found: "  ".into(), ..ok.clone() }, today).unwrap_err().code, "visit.found");
    }

    #[test]
    fn a_visit_is_due_a_month_after_the_last() {
        let today = d("2017-06-30");
        assert_eq!(due(None, today, 30), Some(None), "never visited");
        assert_eq!(due(Some(d("2017-06-01")), today, 30), None, "29 days ago");
        assert_eq!(due(Some(d("2017-05-31")), today, 30), Some(Some(30)));
        assert_eq!(due(Some(d("2016-12-31")), today, 30), Some(Some(181)));
        for s in ["1970-01-01", "2016-02-29", "2017-06-30", "2000-03-01", "1899-12-31"] {
            assert_eq!(Date::from_day_number(d(s).day_number()), d(s), "{s}");
        }
        assert_eq!(
            (d("1970-01-01").day_number(), d("2000-03-01").day_number(), d("2017-03-01").day_number() - d("2017-02-28").day_number()),
            (0, 11_017, 1)
        );
    }
}
