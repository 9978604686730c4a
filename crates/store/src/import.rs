//! Bulk import of household files (a county office's spreadsheet): everything is checked
//! first, and either every file is applied in one transaction or nothing is.

use crate::db::Tx;
use crate::rows::load_household;
use crate::sql_store::SqlStore;
use crate::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub people: u64,
}

/// A problem with one file of the import: its id and what is wrong, in Chinese.
pub type FileError = (String, String);

fn same_content(a: &Household, b: &Household) -> bool {
    let helpers = |h: &Household| h.helpers.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    HouseholdFieldsView::of(a) == HouseholdFieldsView::of(b)
        && a.members == b.members
        && a.incomes == b.incomes
        && a.measures == b.measures
        && helpers(a) == helpers(b)
}

/// The fields compared for "unchanged": what an import can change.
#[derive(PartialEq)]
struct HouseholdFieldsView(fupin_domain::household::HouseholdFields);

impl HouseholdFieldsView {
    fn of(h: &Household) -> HouseholdFieldsView {
        HouseholdFieldsView(fupin_domain::household::HouseholdFields::of(h))
    }
}

impl<B: db::Backend> SqlStore<B> {
    /// Checks every file against the database without writing; all problems, not just the first.
    fn import_problems(tx: &mut dyn Tx, caller: &Caller, files: &[Household]) -> Result<Vec<FileError>> {
        let in_file: HashSet<&str> = files.iter().map(|h| h.id.as_str()).collect();
        let mut errors = vec![];
        let mut villages: HashMap<String, bool> = HashMap::new();
        for h in files {
            let err = |m: String| (h.id.clone(), m);
            if !caller.scope.contains_region(&h.village) {
                errors.push(err(format!("村{}不在您的管辖范围内", h.village)));
                continue;
            }
            let known = match villages.get(h.village.as_str()) {
                Some(k) => *k,
                None => {
                    let k = tx
                        .query_one("SELECT code FROM regions WHERE code = $1 AND level = 'village'", &[h.village.as_str().into()])?
                        .is_some();
                    villages.insert(h.village.to_string(), k);
                    k
                }
            };
            if !known {
                errors.push(err(format!("村代码{}不存在", h.village)));
                continue;
            }
            if !h.id.starts_with(&h.village.as_str()[..6]) || h.id.len() != 16 {
                errors.push(err(format!("户编号{}应为16位，以所在县代码开头", h.id)));
            }
            match load_household(tx, &h.id)? {
                Some(current) if current.status != h.status => errors.push(err(format!(
                    "脱贫状态不能通过导入修改（系统中为“{}”，文件中为“{}”），请走退出、返贫或清退流程",
                    current.status.label(),
                    h.status.label()
                ))),
                Some(current) if current.village != h.village => errors.push(err("所在村不能通过导入修改，请办理迁移".into())),
                None if h.status != fupin_domain::codes::Status::Poor => {
                    errors.push(err(format!("新建档户的脱贫状态应为“未脱贫”，文件中为“{}”", h.status.label())))
                }
                _ => {}
            }
            for m in h.active_members() {
                let other = tx.query_one(
                    "SELECT household_id FROM members WHERE id_number = $1 AND active = 1 AND household_id <> $2",
                    &[m.id_number.as_str().into(), h.id.as_str().into()],
                )?;
                if let Some(r) = other {
                    if !in_file.contains(r.text(0).as_str()) {
                        errors.push(err(format!("身份证号{}已在其他贫困户中登记", m.id_number.masked())));
                    }
                }
            }
            for x in &h.helpers {
                if tx.query_one("SELECT id FROM helpers WHERE id = $1", &[x.id.as_str().into()])?.is_none() {
                    errors.push(err(format!("帮扶责任人编号{}不存在", x.id)));
                }
            }
        }
        Ok(errors)
    }

    pub(crate) fn import_in_tx(tx: &mut dyn Tx, rules: &Rules, caller: &Caller, files: &[Household], at: &str) -> Result<ImportOutcome> {
        let problems = Self::import_problems(tx, caller, files)?;
        if !problems.is_empty() {
            return Err(StoreError::Rows(problems));
        }
        let mut out = ImportOutcome::default();
        for h in files {
            out.people += h.size() as u64;
            let wrap = |e: StoreError| match e {
                StoreError::Invalid(d) => StoreError::Rows(vec![(h.id.clone(), d.message)]),
                other => other,
            };
            match load_household(tx, &h.id)? {
                None => {
                    Self::create_in_tx(tx, caller, h.clone(), "批量导入建档", at).map_err(wrap)?;
                    out.created += 1;
                }
                Some(current) if same_content(&current, h) => out.unchanged += 1,
                Some(current) => {
                    let req = ChangeRequest {
                        household_id: h.id.clone(),
                        expected_version: current.version,
                        change: Change::Replace {
                            fields: fupin_domain::household::HouseholdFields::of(h),
                            members: h.members.clone(),
                            incomes: h.incomes.clone(),
                            measures: h.measures.clone(),
                            helper_ids: h.helpers.iter().map(|x| x.id.clone()).collect(),
                        },
                        reason: "批量导入".into(),
                        at: at.to_string(),
                    };
                    Self::change_in_tx(tx, caller, &req, rules).map_err(wrap)?;
                    out.updated += 1;
                }
            }
        }
        Ok(out)
    }
}
