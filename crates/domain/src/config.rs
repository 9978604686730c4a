//! Rules as dated configuration. Every number a workflow depends on lives here with the
//! national/Shandong default from DOMAIN.md, so that a county can change it without a release.

use crate::Yuan;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rules {
    /// Provincial poverty line per year, 元 per person (current prices).
    pub poverty_lines: Vec<(i32, Yuan)>,
    /// How many households one town/village helper cadre may be responsible for.
    pub helper_household_cap: i64,
    /// Public notice period (公示), days.
    pub notice_days: i64,
    /// Incidence threshold for village and county exit, in basis points (2% = 200).
    pub exit_incidence_bp: i64,
    /// The same for the western counties (3%).
    pub exit_incidence_west_bp: i64,
    /// City codes whose counties use the western threshold. Default: 菏泽 and 聊城, the
    /// province's western poverty belt (an assumption to confirm with the provincial office).
    pub west_cities: Vec<String>,
    /// Monitoring: the village notice (公示) period, days (at least 5).
    pub monitoring_notice_days: i64,
    /// Monitoring: days from the case's opening by which the county must decide.
    pub monitoring_decision_days: i64,
    /// Monitoring: income below this multiple of the line (in tenths: 1.5× = 15).
    pub monitoring_multiple_tenths: i64,
    /// The form version recorded on new files.
    pub form_version: String,
    /// A helper visits each paired household at least this often (days).
    #[serde(default = "default_visit_every_days")]
    pub visit_every_days: i64,
    /// 监督举报: the time limits, in working days.
    #[serde(default)]
    pub report_deadlines: crate::supervision::Deadlines,
    /// The working days those limits count (public holidays and 调休).
    #[serde(default)]
    pub calendar: crate::supervision::Calendar,
    /// 成效评估: the dimensions, weights and cutoff of the Alkire–Foster measure.
    #[serde(default)]
    pub measures: crate::evaluation::measures::MeasureRules,
    /// 第三方评估: the thresholds of a county's exit (错退率, 漏评率, 认可度).
    #[serde(default)]
    pub exit_thresholds: crate::evaluation::field::ExitThresholds,
}

fn default_visit_every_days() -> i64 {
    30
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            poverty_lines: vec![
                (2014, Yuan::from_yuan(3_322)),
                (2015, Yuan::from_yuan(3_322)),
                (2016, Yuan::from_yuan(3_402)),
                (2017, Yuan::from_yuan(3_527)),
                (2018, Yuan::from_yuan(3_609)),
            ],
            helper_household_cap: 5,
            notice_days: 7,
            exit_incidence_bp: 200,
            exit_incidence_west_bp: 300,
            west_cities: vec!["3717".into(), "3715".into()],
            monitoring_notice_days: 5,
            monitoring_decision_days: 15,
            monitoring_multiple_tenths: 15,
            form_version: "SD-2016".to_string(),
            visit_every_days: default_visit_every_days(),
            report_deadlines: Default::default(),
            calendar: Default::default(),
            measures: Default::default(),
            exit_thresholds: Default::default(),
        }
    }
}

impl Rules {
    /// The incidence below which a village or county may exit, in basis points.
    pub fn exit_incidence_for(&self, code: &str) -> i64 {
        if self.west_cities.iter().any(|c| code.starts_with(c.as_str())) {
            self.exit_incidence_west_bp
        } else {
            self.exit_incidence_bp
        }
    }

    /// The line in force for `year`: the latest configured year not after it.
    pub fn poverty_line(&self, year: i32) -> Option<Yuan> {
        self.poverty_lines.iter().filter(|(y, _)| *y <= year).max_by_key(|(y, _)| *y).map(|(_, l)| *l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_forward() {
        let r = Rules::default();
        assert_eq!(r.poverty_line(2016), Some(Yuan::from_yuan(3402)));
        assert_eq!(r.poverty_line(2020), Some(Yuan::from_yuan(3609)));
        assert_eq!(r.poverty_line(2000), None);
    }
}
