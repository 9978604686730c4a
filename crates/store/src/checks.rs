//! 数据核查: files that contradict themselves or each other, found by SQL over a region. Each
//! finding names the household so an official can open it and fix it.

use crate::db::{Tx, Val};
use crate::sql_store::SqlStore;
use crate::*;
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

struct Check {
    kind: &'static str,
    label: &'static str,
    /// Selects `household id, village code, detail` from `households h` (and joins), after
    /// the region filter `h.village_code >= $1 AND h.village_code < $2`; `$3`, if used, is
    /// the value `third` names.
    from_where: &'static str,
    third: Third,
    detail: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Third {
    None,
    /// Today as YYYYMMDD (to compare with the birth date inside ID numbers).
    Today,
    /// A year ago as YYYY-MM-DD.
    YearAgo,
}

const CHECKS: &[Check] = &[
    Check {
        kind: "no_head",
        label: "户内无在册户主（户主已死亡或迁出）",
        from_where: "FROM households h WHERE h.village_code >= $1 AND h.village_code < $2 AND h.status IN ('1', '4') \
                     AND NOT EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.active = 1 AND m.relation = '01')",
        detail: "h.head_name",
        third: Third::None,
    },
    Check {
        kind: "stale",
        label: "超过一年未更新的未脱贫户档案",
        from_where: "FROM households h WHERE h.village_code >= $1 AND h.village_code < $2 AND h.status IN ('1', '4') AND h.updated_at < $3",
        third: Third::YearAgo,
        detail: "h.updated_at",
    },
    Check {
        kind: "school_age_out_of_school",
        label: "义务教育阶段适龄人口未在校",
        from_where: "FROM households h JOIN members m ON m.household_id = h.id AND m.active = 1 \
                     WHERE h.village_code >= $1 AND h.village_code < $2 AND m.schooling = '01' \
                     AND substr(m.id_number, 7, 8) > CAST(CAST(substr($3, 1, 4) AS INTEGER) - 16 AS TEXT) || substr($3, 5, 4) \
                     AND substr(m.id_number, 7, 8) <= CAST(CAST(substr($3, 1, 4) AS INTEGER) - 7 AS TEXT) || substr($3, 5, 4)",
        detail: "m.name",
        third: Third::Today,
    },
    Check {
        kind: "birth_date_mismatch",
        label: "出生日期与身份证号中的出生日期不一致",
        from_where: "FROM households h JOIN members m ON m.household_id = h.id AND m.active = 1 \
                     WHERE h.village_code >= $1 AND h.village_code < $2 AND m.birth_date IS NOT NULL AND m.birth_date <> '' \
                     AND replace(m.birth_date, '-', '') <> substr(m.id_number, 7, 8)",
        detail: "m.name",
        third: Third::None,
    },
    Check {
        kind: "ill_but_labour",
        label: "患大病或残疾却登记为普通/技能劳动力",
        from_where: "FROM households h JOIN members m ON m.household_id = h.id AND m.active = 1 \
                     WHERE h.village_code >= $1 AND h.village_code < $2 AND m.health IN ('03', '04') AND m.labour IN ('01', '02')",
        detail: "m.name",
        third: Third::None,
    },
    Check {
        kind: "exited_without_income",
        label: "已脱贫但缺少脱贫年度收入",
        from_where: "FROM households h WHERE h.village_code >= $1 AND h.village_code < $2 AND h.status IN ('2', '3') \
                     AND NOT EXISTS (SELECT 1 FROM incomes i WHERE i.household_id = h.id AND i.year = h.exited_year)",
        detail: "h.head_name",
        third: Third::None,
    },
];

/// The checks that compare members across households: one pass over the region's members
/// (by key range: household ids begin with the village code) with hash maps, which at
/// province scale is an order of magnitude faster than any join or grouping in SQL.
fn cross_household_checks(tx: &mut dyn Tx, lo: &str, hi: &str, report: &mut CheckReport) -> Result<()> {
    let removed: std::collections::HashSet<String> = tx
        .query("SELECT id FROM households WHERE id >= $1 AND id < $2 AND status = '9'", &[lo.into(), hi.into()])?
        .into_iter()
        .map(|r| r.text(0))
        .collect();
    let rows = tx.query(
        "SELECT household_id, name, id_number FROM members WHERE household_id >= $1 AND household_id < $2 AND active = 1",
        &[lo.into(), hi.into()],
    )?;
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_person: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let texts: Vec<(String, String, String)> = rows
        .into_iter()
        .map(|r| {
            let mut it = r.0.into_iter().map(|v| match v {
                crate::db::Val::Text(s) => s,
                other => format!("{other:?}"),
            });
            (it.next().unwrap_or_default(), it.next().unwrap_or_default(), it.next().unwrap_or_default())
        })
        .collect();
    for (i, (hid, name, idn)) in texts.iter().enumerate() {
        by_id.entry(idn.as_str()).or_default().push(i);
        if !removed.contains(hid) && idn.len() >= 14 {
            by_person.entry((name.as_str(), &idn[6..14])).or_default().push(i);
        }
    }
    let mut flag = |kind: &'static str, label: &'static str, groups: Vec<&Vec<usize>>| {
        let mut total = 0;
        for g in groups {
            let households: std::collections::HashSet<&str> = g.iter().map(|i| texts[*i].0.as_str()).collect();
            if households.len() < 2 {
                continue;
            }
            for i in g {
                total += 1;
                if report.findings.iter().filter(|f| f.kind == kind).count() < PER_KIND as usize {
                    let (hid, name, _) = &texts[*i];
                    report.findings.push(Finding {
                        kind,
                        household_id: hid.clone(),
                        village_code: hid[..12].to_string(),
                        message: format!("{label}：{name}"),
                    });
                }
            }
        }
        report.counts.insert(kind, (label, total));
    };
    flag("id_in_two_files", "同一身份证号在两户中在册", by_id.values().collect());
    flag("person_in_two_households", "疑似同一人在两户（姓名与出生日期相同）", by_person.values().collect());
    Ok(())
}

impl<B: db::Backend> SqlStore<B> {
    pub(crate) fn checks_in(tx: &mut dyn Tx, region: &RegionCode, today: Date) -> Result<CheckReport> {
        let (lo, hi) = region.code_range();
        let ymd = format!("{:04}{:02}{:02}", today.year, today.month, today.day);
        let year_ago = format!("{:04}-{:02}-{:02}", today.year - 1, today.month, today.day.min(28));
        let mut report = CheckReport::default();
        for c in CHECKS {
            let mut params: Vec<Val> = vec![lo.as_str().into(), hi.as_str().into()];
            match c.third {
                Third::None => {}
                Third::Today => params.push(ymd.as_str().into()),
                Third::YearAgo => params.push(year_ago.as_str().into()),
            }
            let total = tx.query_one(&format!("SELECT COUNT(*) {}", c.from_where), &params)?.map_or(0, |r| r.int(0));
            report.counts.insert(c.kind, (c.label, total));
            let sql = format!("SELECT h.id, h.village_code, {} {} ORDER BY h.id LIMIT {PER_KIND}", c.detail, c.from_where);
            for r in tx.query(&sql, &params)? {
                report.findings.push(Finding {
                    kind: c.kind,
                    household_id: r.text(0),
                    village_code: r.text(1),
                    message: format!("{}：{}", c.label, r.text(2)),
                });
            }
        }
        cross_household_checks(tx, &lo, &hi, &mut report)?;
        Ok(report)
    }
}
