//! The working-day calendar that reports' deadlines run on: Monday to Friday, except the public
//! holidays, plus the weekend days that the State Council's yearly notice makes working days
//! (调休). Configurable: a province loads next year's notice as lines of text without a release.

use crate::id_number::Date;
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Weekdays that are holidays.
    pub holidays: BTreeSet<Date>,
    /// Weekend days that are working days (调休上班).
    pub workdays: BTreeSet<Date>,
}

/// 国务院办公厅关于2016、2017、2018年部分节假日安排的通知: `休` days off, `班` weekend days worked.
const CHINA_2016_2018: &str = "
2016-01-01 休
2016-02-06 班
2016-02-07..2016-02-13 休
2016-02-14 班
2016-04-04 休
2016-05-02 休
2016-06-09..2016-06-11 休
2016-06-12 班
2016-09-15..2016-09-17 休
2016-09-18 班
2016-10-01..2016-10-07 休
2016-10-08 班
2016-10-09 班
2017-01-02 休
2017-01-22 班
2017-01-27..2017-02-02 休
2017-02-04 班
2017-04-01 班
2017-04-03..2017-04-04 休
2017-05-01 休
2017-05-27 班
2017-05-29..2017-05-30 休
2017-09-30 班
2017-10-01..2017-10-08 休
2018-01-01 休
2018-02-11 班
2018-02-15..2018-02-21 休
2018-02-24 班
2018-04-05..2018-04-06 休
2018-04-08 班
2018-04-28 班
2018-04-30..2018-05-01 休
2018-06-18 休
2018-09-24 休
2018-09-29 班
2018-09-30 班
2018-10-01..2018-10-07 休
";

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(d: Date) -> i64 {
    (d.day_number() + 3).rem_euclid(7)
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar::china()
    }
}

impl Calendar {
    /// The national holidays of 2016–2018, the campaign's years in the demo.
    pub fn china() -> Calendar {
        Calendar::parse(CHINA_2016_2018).expect("the built-in calendar parses")
    }

    /// Lines `YYYY-MM-DD 休` or `YYYY-MM-DD 班`, a range as `FROM..TO`; `#` starts a comment.
    /// A `休` on a weekend changes nothing (ranges span weekends); a `班` on a weekday is refused
    /// as a likely typo.
    pub fn parse(text: &str) -> Result<Calendar, DomainError> {
        let mut cal = Calendar { holidays: BTreeSet::new(), workdays: BTreeSet::new() };
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |why: &str| DomainError::new("calendar.line", format!("节假日安排第{}行“{line}”：{why}", n + 1));
            let (days, kind) = line.split_once(char::is_whitespace).ok_or_else(|| bad("应为“日期 休”或“日期 班”"))?;
            let (from, to) = match days.split_once("..") {
                Some((a, b)) => (Date::parse(a).map_err(|_| bad("日期无效"))?, Date::parse(b).map_err(|_| bad("日期无效"))?),
                None => {
                    let d = Date::parse(days).map_err(|_| bad("日期无效"))?;
                    (d, d)
                }
            };
            if to < from || to.day_number() - from.day_number() > 31 {
                return Err(bad("日期范围无效"));
            }
            for k in from.day_number()..=to.day_number() {
                let d = Date::from_day_number(k);
                let weekend = weekday(d) >= 5;
                match kind.trim() {
                    "休" if weekend => {}
                    "休" => {
                        cal.holidays.insert(d);
                    }
                    "班" if weekend => {
                        cal.workdays.insert(d);
                    }
                    "班" => return Err(bad("工作日无需标注“班”")),
                    _ => return Err(bad("应为“休”或“班”")),
                }
            }
        }
        Ok(cal)
    }

    pub fn is_working(&self, d: Date) -> bool {
        if weekday(d) >= 5 {
            self.workdays.contains(&d)
        } else {
            !self.holidays.contains(&d)
        }
    }

    /// The `n`-th working day after `from` (`from` itself not counted): a deadline of "15 working
    /// days" from an acceptance on `from`.
    pub fn add_working_days(&self, from: Date, n: i64) -> Date {
        let mut k = from.day_number();
        let mut left = n.max(0);
        while left > 0 {
            k += 1;
            if self.is_working(Date::from_day_number(k)) {
                left -= 1;
            }
        }
        Date::from_day_number(k)
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (a, b, sign) = if to >= from { (from, to, 1) } else { (to, from, -1) };
        let n = (a.day_number() + 1..=b.day_number()).filter(|&k| self.is_working(Date::from_day_number(k))).count() as i64;
        sign * n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn weekdays_are_counted_from_a_known_monday() {
        assert_eq!(weekday(d("2017-06-26")), 0);
        assert_eq!(weekday(d("2017-07-01")), 5);
        assert_eq!(weekday(d("2016-02-06")), 5);
    }

    #[test]
    fn holidays_and_make_up_days_follow_the_notice() {
        let c = Calendar::china();
        assert!(!c.is_working(d("2017-05-29")), "端午");
        assert!(c.is_working(d("2017-05-27")), "端午调休的星期六上班");
        assert!(!c.is_working(d("2017-05-28")), "an ordinary Sunday");
        assert!(c.is_working(d("2017-06-30")));
        assert!(!c.is_working(d("2017-10-05")));
        assert!(c.is_working(d("2017-09-30")));
    }

    #[test]
    fn fifteen_working_days_skip_weekends_and_holidays() {
        let c = Calendar::china();
        // Accepted Friday 2017-06-30: three weeks of weekdays, no holidays in July.
        assert_eq!(c.add_working_days(d("2017-06-30"), 15), d("2017-07-21"));
        // Accepted Friday 2017-05-26: Sat 27th is worked, 29–30 off.
        assert_eq!(c.add_working_days(d("2017-05-26"), 1), d("2017-05-27"));
        assert_eq!(c.add_working_days(d("2017-05-26"), 2), d("2017-05-31"));
        // Across the National Day week.
        assert_eq!(c.add_working_days(d("2017-09-28"), 3), d("2017-10-09"));
        assert_eq!(c.working_days_between(d("2017-09-28"), d("2017-10-09")), 3);
        assert_eq!(c.working_days_between(d("2017-10-09"), d("2017-09-28")), -3);
        assert_eq!(c.add_working_days(d("2017-06-30"), 0), d("2017-06-30"));
    }

    #[test]
    fn a_calendar_is_read_from_lines_and_typos_are_refused() {
        let c = Calendar::parse("# 2019\n2019-10-01..2019-10-07 休\n2019-09-29 班\n").unwrap();
        assert!(!c.is_working(d("2019-10-04")) && c.is_working(d("2019-09-29")));
        assert_eq!(c.holidays.len(), 5, "the weekend inside the range is not a holiday to record");
        for bad in ["2019-10-08 班", "2019-13-01 休", "2019-10-01 放假", "2019-10-07..2019-10-01 休", "2019-10-01"] {
            let e = Calendar::parse(bad).unwrap_err();
            assert_eq!(e.code, "calendar.line", "{bad}");
            assert!(e.message.contains("第1行"), "{}", e.message);
        }
    }
}
