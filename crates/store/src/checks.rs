//! 数据核查: files that contradict themselves or each other. Each finding names the household
//! so an official can open it and fix it. The checks run in Rust over files read once by
//! `scan` (the same pass as the yearly update): per file, then across files by ID number and
//! by name with birth date.

use crate::*;
use fupin_domain::codes::{Health, Labour, Relation, Schooling, Status};
use fupin_domain::id_number::Date;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable kind code.
    pub kind: &'static str,
    pub household_id: String,
    pub village_code: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
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
    ("person_in_two_households", "疑似同一人在两户（姓名与出生日期相同）"),
];

pub fn label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map_or("", |(_, l)| l)
}

/// The dates the checks compare with, from the day they run.
#[derive(Debug, Clone, Copy)]
pub struct CheckDates {
    /// Files not touched since this day (YYYY-MM-DD) are stale.
    pub year_ago: Date,
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
        CheckDates { year_ago: back(1), school_from: back(16), school_to: back(7) }
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
    if remaining && updated_at < d.year_ago.to_string().as_str() {
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

/// One active member as the cross-file checks see them.
pub struct Person {
    pub id_number: String,
    pub name: String,
    pub household: u32,
    /// In a removed (清退) file: still a holder of the ID number, never a suspected twin.
    pub removed: bool,
}

/// Adds the cross-file findings: one ID number active in two files, and one name and birth
/// date in two files. `households[i]` is the id of household `i`.
pub fn cross_file_problems(people: &[Person], households: &[String], report: &mut CheckReport) {
    // The two groupings are independent: built on two threads.
    let (same_id, same_person) = std::thread::scope(|s| {
        let ids = s.spawn(|| {
            let mut by_id: HashMap<&str, Vec<u32>> = HashMap::with_capacity(people.len());
            for (i, p) in people.iter().enumerate() {
                by_id.entry(p.id_number.as_str()).or_default().push(i as u32);
            }
            by_id.into_values().filter(|g| g.len() > 1).collect::<Vec<_>>()
        });
        let mut by_person: HashMap<(&str, &str), Vec<u32>> = HashMap::with_capacity(people.len());
        for (i, p) in people.iter().enumerate() {
            if !p.removed && p.id_number.len() >= 14 {
                by_person.entry((p.name.as_str(), &p.id_number[6..14])).or_default().push(i as u32);
            }
        }
        let same_person: Vec<Vec<u32>> = by_person.into_values().filter(|g| g.len() > 1).collect();
        (ids.join().expect("grouping by ID number"), same_person)
    });
    let mut flag = |kind: &'static str, groups: Vec<Vec<u32>>| {
        let mut total = 0;
        let mut found: Vec<(String, String)> = vec![];
        for g in groups {
            let mut files: Vec<u32> = g.iter().map(|i| people[*i as usize].household).collect();
            files.sort_unstable();
            files.dedup();
            if files.len() < 2 {
                continue;
            }
            for i in g {
                total += 1;
                let p = &people[i as usize];
                found.push((households[p.household as usize].clone(), p.name.clone()));
            }
        }
        found.sort();
        found.truncate(PER_KIND as usize);
        let l = label(kind);
        report.findings.extend(found.into_iter().map(|(hid, name)| Finding {
            kind,
            village_code: hid[..12].to_string(),
            household_id: hid,
            message: format!("{l}：{name}"),
        }));
        report.counts.insert(kind, (l, total));
    };
    flag("id_in_two_files", same_id);
    flag("person_in_two_households", same_person);
}
