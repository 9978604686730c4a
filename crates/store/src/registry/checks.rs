//! 数据核查: files that contradict themselves or each other. Each finding names the household
//! so an official can open it and fix it. The checks run in Rust over files read once by
//! `scan` (the same pass as the yearly update): per file, then across files by ID number and
//! by name with birth date.

use crate::*;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::{Health, Labour, Relation, Schooling, Status};
use fupin_domain::registry::household::Household;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// Stable kind code.
    pub kind: &'static str,
    pub household_id: String,
    pub village_code: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckReport {
    /// Kind code → (label, total found). Findings are listed up to `PER_KIND` each.
    pub counts: BTreeMap<&'static str, (&'static str, i64)>,
    pub findings: Vec<Finding>,
}

pub const PER_KIND: i64 = 200;

/// Every check: kind code and label.
pub const KINDS: &[(&str, &str)] = &[
    ("no_head", "户内无在册户主（户主已死亡或迁出）"),
    ("stale", "超过一年未更新的未脱贫户档案"),
    ("school_age_out_of_school", "义务教育阶段适龄人口未在校"),
    ("birth_date_mismatch", "出生日期与身份证号中的出生日期不一致"),
    ("ill_but_labour", "患大病或残疾却登记为普通/技能劳动力"),
    ("exited_without_income", "已脱贫但缺少脱贫年度收入"),
    ("id_in_two_files", "同一身份证号在两户中在册"),
    ("person_in_two_households", "疑似同一人在本县两户（姓名与出生日期相同）"),
];

/// One kept run of the checks over a region.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRun {
    pub region: String,
    /// The business date the files were judged on.
    pub computed_on: String,
    /// When the run ended (Unix seconds).
    pub finished_secs: i64,
    /// How long it took.
    pub millis: i64,
    pub report: CheckReport,
}

impl CheckReport {
    /// Reads back a kept report; kinds this version no longer knows are dropped.
    pub fn from_json(v: &serde_json::Value) -> CheckReport {
        let kind = |k: &str| KINDS.iter().find(|(c, _)| *c == k).copied();
        let mut counts = BTreeMap::new();
        for (k, c) in v["counts"].as_object().into_iter().flatten() {
            if let Some((code, label)) = kind(k) {
                counts.insert(code, (label, c[1].as_i64().unwrap_or(0)));
            }
        }
        let findings = v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some(Finding {
                    kind: kind(f["kind"].as_str()?)?.0,
                    household_id: f["household_id"].as_str()?.to_string(),
                    village_code: f["village_code"].as_str()?.to_string(),
                    message: f["message"].as_str()?.to_string(),
                })
            })
            .collect();
        CheckReport { counts, findings }
    }
}

pub fn label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map_or("", |(_, l)| l)
}

/// The dates the checks compare with, from the day they run.
#[derive(Debug, Clone)]
pub struct CheckDates {
    /// Files not touched since this day (YYYY-MM-DD, compared as text with `updated_at`) are stale.
    pub year_ago: String,
    /// Born after the first and on or before the second: of compulsory-school age (7–15).
    pub school_from: Date,
    pub school_to: Date,
}

impl CheckDates {
    pub fn on(today: Date) -> CheckDates {
        // The same day `years` earlier (28 February for a 29th that year lacks).
        let back = |years: i32| {
            Date::new(today.year - years, today.month, today.day)
                .or_else(|| Date::new(today.year - years, today.month, 28))
                .unwrap_or(today)
        };
        CheckDates { year_ago: back(1).to_string(), school_from: back(16), school_to: back(7) }
    }
}

/// The per-file checks: `(kind, detail)` for each problem of `h` (one per member where the
/// problem is a member's). `updated_at` is when the file last changed.
pub fn file_problems(h: &Household, updated_at: &str, d: &CheckDates) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    let head_name = || h.head().map(|m| m.name.clone()).unwrap_or_default();
    let remaining = h.status.is_remaining();
    if remaining && !h.active_members().any(|m| m.relation == Relation::Head) {
        out.push(("no_head", head_name()));
    }
    if remaining && updated_at < d.year_ago.as_str() {
        out.push(("stale", updated_at.to_string()));
    }
    if matches!(h.status, Status::Exited | Status::ExitedNoPolicy) && h.exited_year.is_some_and(|y| h.income(y).is_none()) {
        out.push(("exited_without_income", head_name()));
    }
    if h.status == Status::TransferredOut {
        // Its members live on in the file it moved to, and are checked there.
        return out;
    }
    for m in h.active_members() {
        let born = m.id_number.birth_date();
        if m.schooling == Schooling::NotInSchool && born > d.school_from && born <= d.school_to {
            out.push(("school_age_out_of_school", m.name.clone()));
        }
        if m.birth_date.is_some_and(|b| b != born) {
            out.push(("birth_date_mismatch", m.name.clone()));
        }
        if matches!(m.health, Health::Serious | Health::Disabled) && matches!(m.labour, Labour::Ordinary | Labour::Skilled) {
            out.push(("ill_but_labour", m.name.clone()));
        }
    }
    out
}

/// One active member as the cross-file checks see them: two 64-bit keys instead of strings,
/// because a province has millions of them. `id` encodes the ID number exactly (17 digits and
/// the check character); `person` is a SipHash of county, name and birth date, whose accidental
/// collision among a province's members is a one-in-millions event that would only add a
/// suspect pair to a list officials review. The county is part of the key because a name and
/// birth date shared across a province of millions is mostly two people (Shandong villages
/// share a few surnames and given names), while within one county it is worth a visit.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: u64,
    /// None for members of removed (清退) files: still holders of the ID number, never twins.
    pub person: Option<u64>,
    pub household: u32,
    pub member_no: u16,
}

impl Person {
    pub fn of(m: &fupin_domain::registry::household::Member, county: &str, household: u32, removed: bool) -> Person {
        use std::hash::{Hash, Hasher};
        let b = m.id_number.as_str().as_bytes();
        let digits = b[..17].iter().fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        let check = if b[17] == b'X' { 10 } else { u64::from(b[17] - b'0') };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (county, m.name.as_str(), &b[6..14]).hash(&mut h);
        Person { id: digits * 11 + check, person: (!removed).then(|| h.finish()), household, member_no: m.no as u16 }
    }
}

/// A member flagged by a cross-file check: (kind, household index, member number).
pub type Flagged = (&'static str, u32, u16);

/// The cross-file problems: one ID number active in two files, and one name and birth date in
/// two files. Groups are found by sorting the keys (two sorts, on two threads). Returns the
/// total per kind and the flagged members in household order.
pub fn cross_file_problems(people: &[Person]) -> (BTreeMap<&'static str, i64>, Vec<Flagged>) {
    let group = |kind: &'static str, key: fn(&Person) -> Option<u64>| {
        let mut keyed: Vec<(u64, u32)> = people.iter().enumerate().filter_map(|(i, p)| key(p).map(|k| (k, i as u32))).collect();
        keyed.sort_unstable();
        let mut flagged = vec![];
        for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let first = people[run[0].1 as usize].household;
            if run.iter().any(|(_, i)| people[*i as usize].household != first) {
                flagged.extend(run.iter().map(|(_, i)| (kind, people[*i as usize].household, people[*i as usize].member_no)));
            }
        }
        flagged
    };
    let (mut flagged, twins) = std::thread::scope(|s| {
        let twins = s.spawn(|| group("person_in_two_households", |p| p.person));
        (group("id_in_two_files", |p| Some(p.id)), twins.join().expect("grouping by name and birth date"))
    });
    flagged.extend(twins);
    let mut totals: BTreeMap<&'static str, i64> = [("id_in_two_files", 0), ("person_in_two_households", 0)].into_iter().collect();
    for (kind, _, _) in &flagged {
        *totals.entry(kind).or_default() += 1;
    }
    flagged.sort_unstable_by_key(|(kind, h, no)| (*kind, *h, *no));
    (totals, flagged)
}

#[cfg(test)]
mod kept_tests {
    use super::*;

    #[test]
    fn a_kept_report_reads_back_as_it_was() {
        let mut r = CheckReport::default();
        r.counts.insert("stale", ("超过一年未更新的未脱贫户档案", 3));
        r.findings.push(Finding {
            kind: "stale",
            household_id: "3715211001010001".into(),
            village_code: "371521100101".into(),
            message: "x".into(),
        });
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(CheckReport::from_json(&v), r);
    }
}
