//! Bulk import of household files (a county office's spreadsheet): everything is checked
//! first, and either every file is applied in one transaction or nothing is.

use crate::db::Tx;
use crate::rows::content_digest;
use crate::sql_store::SqlStore;
use crate::*;
use fupin_domain::codes::Status;
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

/// What the import compares of a stored file before deciding to read it whole.
struct Stored {
    status: Status,
    village: String,
    monitoring: String,
    digest: String,
}

/// The digests of the imported files, computed on all cores (SHA-256 of each file's content).
fn digests(files: &[Household]) -> Vec<String> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
    let chunk = files.len().div_ceil(workers).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = files.chunks(chunk).map(|c| s.spawn(move || c.iter().map(content_digest).collect::<Vec<_>>())).collect();
        parts.into_iter().flat_map(|p| p.join().expect("digest worker")).collect()
    })
}

impl<B: db::Backend> SqlStore<B> {
    /// Status, place, monitoring and digest of the stored files among `ids` (sorted), by one
    /// key-range read.
    fn stored_summaries(tx: &mut dyn Tx, ids: &[&str]) -> Result<HashMap<String, Stored>> {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else { return Ok(HashMap::new()) };
        let wanted: HashSet<&str> = ids.iter().copied().collect();
        let rows = tx.query(
            "SELECT id, status, village_code, monitoring, digest FROM households WHERE id >= $1 AND id <= $2",
            &[(*first).into(), (*last).into()],
        )?;
        let mut out = HashMap::with_capacity(ids.len());
        for r in rows {
            let id = r.text(0);
            if wanted.contains(id.as_str()) {
                let status = Status::parse(&r.text(1)).map_err(|e| StoreError::Db(e.to_string()))?;
                out.insert(id, Stored { status, village: r.text(2), monitoring: r.text(3), digest: r.text(4) });
            }
        }
        Ok(out)
    }

    /// The files as stored now, for these ids, read by key ranges.
    fn current_files(tx: &mut dyn Tx, files: &[&Household]) -> Result<HashMap<String, Household>> {
        let mut ids: Vec<String> = files.iter().map(|h| h.id.clone()).collect();
        ids.sort();
        let mut out = HashMap::new();
        for chunk in ids.chunks(2000) {
            for h in crate::rows::load_households_range(tx, chunk)? {
                out.insert(h.id.clone(), h);
            }
        }
        Ok(out)
    }

    /// `value → household` for active members with these ID numbers, a few hundred per query.
    fn households_of_ids(tx: &mut dyn Tx, ids: &[&str]) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id_number, household_id FROM members WHERE active = 1 AND id_number IN ({})", params.join(", "));
            let vals: Vec<crate::db::Val> = chunk.iter().map(|s| (*s).into()).collect();
            for r in tx.query(&sql, &vals)? {
                out.insert(r.text(0), r.text(1));
            }
        }
        Ok(out)
    }

    /// Checks every file against the database without writing; all problems, not just the
    /// first. Files whose digest equals the stored one are unchanged: only their place and
    /// status are checked. Returns the problems and, for the others, whether each is new.
    fn import_problems<'f>(
        tx: &mut dyn Tx,
        caller: &Caller,
        files: &'f [Household],
        stored: &HashMap<String, Stored>,
        digests: &[String],
    ) -> Result<(Vec<FileError>, Vec<&'f Household>)> {
        let in_file: HashSet<&str> = files.iter().map(|h| h.id.as_str()).collect();
        let mut errors = vec![];
        let mut villages: HashMap<String, bool> = HashMap::new();
        let mut touched = vec![];
        for (h, digest) in files.iter().zip(digests) {
            let err = |m: String| (h.id.clone(), m);
            if !caller.scope.contains_region(&h.village) {
                errors.push(err(format!("村{}不在您的管辖范围内", h.village)));
                continue;
            }
            if !h.id.starts_with(&h.village.as_str()[..6]) || h.id.len() != 16 {
                errors.push(err(format!("户编号{}应为16位，以所在县代码开头", h.id)));
            }
            match stored.get(&h.id) {
                Some(cur) if cur.status != h.status => errors.push(err(format!(
                    "脱贫状态不能通过导入修改（系统中为“{}”，文件中为“{}”），请走退出、返贫或清退流程",
                    cur.status.label(),
                    h.status.label()
                ))),
                Some(cur) if cur.village != h.village.as_str() => errors.push(err("所在村不能通过导入修改，请办理迁移".into())),
                Some(cur) if cur.monitoring != h.monitoring.map_or("", |m| m.code()) => {
                    errors.push(err("监测对象类型不能通过导入修改，请走防返贫监测流程".into()))
                }
                Some(cur) if cur.digest == *digest => {}
                Some(_) => touched.push(h),
                None if h.monitoring.is_some() => errors.push(err("新建档户不能直接标为监测对象，请走防返贫监测流程".into())),
                // New files come in as poor (a county's register) or as recorded rural households
                // outside the register (a screening list for 防返贫监测).
                None if !matches!(h.status, Status::Poor | Status::NonPoor) => {
                    errors.push(err(format!("新建档户的脱贫状态应为“未脱贫”或“非建档立卡户”，文件中为“{}”", h.status.label())))
                }
                None => {
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
                    if known {
                        touched.push(h);
                    } else {
                        errors.push(err(format!("村代码{}不存在", h.village)));
                    }
                }
            }
        }
        let id_numbers: Vec<&str> = touched.iter().flat_map(|h| h.active_members().map(|m| m.id_number.as_str())).collect();
        let holders = Self::households_of_ids(tx, &id_numbers)?;
        let mut helper_ids: Vec<&str> = touched.iter().flat_map(|h| h.helpers.iter().map(|x| x.id.as_str())).collect();
        helper_ids.sort_unstable();
        helper_ids.dedup();
        let mut known_helpers = HashSet::new();
        for chunk in helper_ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let vals: Vec<crate::db::Val> = chunk.iter().map(|s| (*s).into()).collect();
            for r in tx.query(&format!("SELECT id FROM helpers WHERE id IN ({})", params.join(", ")), &vals)? {
                known_helpers.insert(r.text(0));
            }
        }
        for h in &touched {
            let err = |m: String| (h.id.clone(), m);
            for m in h.active_members() {
                if let Some(holder) = holders.get(m.id_number.as_str()) {
                    if holder != &h.id && !in_file.contains(holder.as_str()) {
                        errors.push(err(format!("身份证号{}已在其他贫困户中登记", m.id_number.masked())));
                    }
                }
            }
            for x in &h.helpers {
                if !known_helpers.contains(&x.id) {
                    errors.push(err(format!("帮扶责任人编号{}不存在", x.id)));
                }
            }
        }
        Ok((errors, touched))
    }

    pub(crate) fn import_in_tx(tx: &mut dyn Tx, rules: &Rules, caller: &Caller, files: &[Household], at: &str) -> Result<ImportOutcome> {
        let mut ids: Vec<&str> = files.iter().map(|h| h.id.as_str()).collect();
        ids.sort_unstable();
        // The digests are computed on other threads while the stored ones are read.
        let (stored, digests) = std::thread::scope(|s| {
            let digests = s.spawn(|| digests(files));
            let stored = Self::stored_summaries(tx, &ids);
            (stored, digests.join().expect("digest workers"))
        });
        let stored = stored?;
        let (problems, touched) = Self::import_problems(tx, caller, files, &stored, &digests)?;
        if !problems.is_empty() {
            return Err(StoreError::Rows(problems));
        }
        let current = Self::current_files(tx, &touched.iter().copied().filter(|h| stored.contains_key(&h.id)).collect::<Vec<_>>())?;
        let mut out = ImportOutcome {
            unchanged: (files.len() - touched.len()) as u64,
            people: files.iter().map(|h| h.size() as u64).sum(),
            ..Default::default()
        };
        // New files are registered together: one multi-row write per table, events chained
        // per county in one go, rollups summed per region.
        let year = crate::sql_store::year_of(at);
        let new: Vec<(Household, Option<String>)> = touched
            .iter()
            .filter(|h| !current.contains_key(&h.id))
            .map(|h| ((*h).clone(), fupin_domain::rollup::flow(h.status, year)))
            .collect();
        out.created = new.len() as u64;
        if !new.is_empty() {
            Self::insert_files_in_tx(tx, caller, new, "register", "批量导入建档", at, None).map_err(|e| match e {
                StoreError::Invalid(d) => StoreError::Rows(vec![(String::new(), d.message)]),
                other => other,
            })?;
        }
        for h in touched {
            let wrap = |e: StoreError| match e {
                StoreError::Invalid(d) => StoreError::Rows(vec![(h.id.clone(), d.message)]),
                other => other,
            };
            match current.get(&h.id) {
                None => {}
                // Stored before digests were kept, or equal up to order: compared in full.
                Some(cur) if same_content(cur, h) => out.unchanged += 1,
                Some(cur) => {
                    let req = ChangeRequest {
                        household_id: h.id.clone(),
                        expected_version: cur.version,
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
