//! Bulk import of household files (a county office's spreadsheet): everything is checked
//! first, and either every file is applied in one transaction or nothing is.

use super::write::*;
use crate::core::db::{self, Tx};
use crate::core::ledger;
use crate::core::rollups::apply_deltas;
use crate::*;
use fupin_domain::access::Caller;
use fupin_domain::config::Rules;
use fupin_domain::registry::codes::Status;
use fupin_domain::registry::household::{Change, Household};
use fupin_domain::registry::sheet::file_digest;
use fupin_domain::RegionCode;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub people: u64,
}

/// An import as the file gave it: the files to check and apply, and the files the reader found
/// equal to what is stored, each as its id and the stored digest it was found equal to.
#[derive(Debug, Clone, Copy)]
pub struct ImportSet<'a> {
    pub files: &'a [Household],
    pub unchanged: &'a [(String, String)],
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
struct HouseholdFieldsView(fupin_domain::registry::household::HouseholdFields);

impl HouseholdFieldsView {
    fn of(h: &Household) -> HouseholdFieldsView {
        HouseholdFieldsView(fupin_domain::registry::household::HouseholdFields::of(h))
    }
}

/// What the import compares of a stored file before deciding to read it whole.
struct Stored {
    status: Status,
    village: String,
    monitoring: String,
    digest: String,
}

/// The digests of the imported files that are stored (a new file's digest is computed once,
/// when it is registered), on all cores.
fn digests(files: &[Household], stored: &HashMap<String, Stored>) -> Vec<Option<String>> {
    on_all_cores(files, 8, |c| c.iter().map(|h| stored.contains_key(&h.id).then(|| file_digest(h))).collect::<Vec<_>>()).concat()
}

/// Status, place, monitoring and digest of the stored files among `files`, by one key-range
/// read that also confirms the files the reader found unchanged (`unchanged`, sorted by
/// id): each must still be stored with the digest it was compared against, inside the
/// caller's region. Returns the summaries, the problems with unchanged files, and the
/// number of people in those.
fn stored_summaries(
    tx: &mut dyn Tx,
    caller: &Caller,
    files: &[Household],
    unchanged: &[&(String, String)],
) -> Result<(HashMap<String, Stored>, Vec<FileError>, u64)> {
    let ids = files.iter().map(|h| h.id.as_str()).chain(unchanged.iter().map(|(id, _)| id.as_str()));
    let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) else { return Ok((HashMap::new(), vec![], 0)) };
    let wanted: HashSet<&str> = files.iter().map(|h| h.id.as_str()).collect();
    let rows = tx.query(
        "SELECT id, status, village_code, monitoring, digest, size FROM households WHERE id >= $1 AND id <= $2 ORDER BY id",
        &[first.into(), last.into()],
    )?;
    let scope = caller.scope.region.as_str();
    let gone = "该户档案在读取文件期间已被删除或迁移，请重新导入";
    let mut out = HashMap::with_capacity(files.len());
    let (mut problems, mut people) = (vec![], 0);
    // Both in id order: one merge, no lookups.
    let mut pending = unchanged.iter().peekable();
    for r in rows {
        let id = r.str(0)?;
        while let Some((u, _)) = pending.next_if(|p| p.0.as_str() < id) {
            problems.push((u.clone(), gone.to_string()));
        }
        if let Some((_, digest)) = pending.next_if(|p| p.0 == id) {
            if r.str(4)? != digest {
                problems.push((id.to_string(), "该户档案在读取文件期间已被修改，请重新导入".into()));
            } else if !r.str(2)?.starts_with(scope) {
                problems.push((id.to_string(), format!("村{}不在您的管辖范围内", r.str(2)?)));
            }
            people += r.int(5)?.max(0) as u64;
        } else if wanted.contains(id) {
            let status = Status::parse(r.str(1)?).map_err(|e| StoreError::Db(e.to_string()))?;
            let stored = Stored { status, village: r.text(2)?, monitoring: r.text(3)?, digest: r.text(4)? };
            out.insert(id.to_string(), stored);
        }
    }
    problems.extend(pending.map(|(u, _)| (u.clone(), gone.to_string())));
    Ok((out, problems, people))
}

/// `(id, digest)` in id order of the stored files with ids in `first..=last` inside
/// `region`: ids begin with their village's code, so the region is a key range too.
pub(crate) fn digests_in_range(tx: &mut dyn Tx, region: &RegionCode, first: &str, last: &str) -> Result<Vec<(String, String)>> {
    let (lo, hi) = region.code_range();
    let rows = tx.query(
        "SELECT id, digest FROM households WHERE id >= $1 AND id <= $2 AND id >= $3 AND id < $4 ORDER BY id",
        &[first.into(), last.into(), lo.as_str().into(), hi.as_str().into()],
    )?;
    Ok(rows.into_iter().map(|r| r.into_texts()).map(|mut t| (std::mem::take(&mut t[0]), std::mem::take(&mut t[1]))).collect())
}

/// The files as stored now, for these ids, read by key ranges.
fn current_files(tx: &mut dyn Tx, files: &[&Household]) -> Result<HashMap<String, Household>> {
    let mut ids: Vec<String> = files.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    let mut out = HashMap::new();
    // Changed files are usually scattered over their county: read by id, not by range.
    for chunk in ids.chunks(500) {
        for h in super::rows::load_households_listed(tx, chunk)? {
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
        let vals: Vec<db::Val> = chunk.iter().map(|s| (*s).into()).collect();
        for r in tx.query(&sql, &vals)? {
            out.insert(r.text(0)?, r.text(1)?);
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
    digests: &[Option<String>],
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
            Some(cur) if digest.as_deref() == Some(cur.digest.as_str()) => {}
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
    let holders = households_of_ids(tx, &id_numbers)?;
    let mut helper_ids: Vec<&str> = touched.iter().flat_map(|h| h.helpers.iter().map(|x| x.id.as_str())).collect();
    helper_ids.sort_unstable();
    helper_ids.dedup();
    let mut known_helpers = HashSet::new();
    for chunk in helper_ids.chunks(500) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let vals: Vec<db::Val> = chunk.iter().map(|s| (*s).into()).collect();
        for r in tx.query(&format!("SELECT id FROM helpers WHERE id IN ({})", params.join(", ")), &vals)? {
            known_helpers.insert(r.text(0)?);
        }
    }
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for h in &touched {
        let err = |m: String| (h.id.clone(), m);
        for m in h.active_members() {
            if let Some(other) = seen.insert(m.id_number.as_str(), h.id.as_str()).filter(|o| *o != h.id) {
                errors.push(err(format!("身份证号{}在导入的文件中出现在两户（另见户{other}）", m.id_number.masked())));
            }
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

pub(crate) fn import_in_tx(tx: &mut dyn Tx, rules: &Rules, caller: &Caller, set: &ImportSet<'_>, at: &str) -> Result<ImportOutcome> {
    let files = set.files;
    let mut unchanged: Vec<&(String, String)> = set.unchanged.iter().collect();
    unchanged.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let (stored, unchanged_problems, unchanged_people) = stored_summaries(tx, caller, files, &unchanged)?;
    let digests = digests(files, &stored);
    let (mut problems, touched) = import_problems(tx, caller, files, &stored, &digests)?;
    problems.extend(unchanged_problems);
    if !problems.is_empty() {
        return Err(StoreError::Rows(problems));
    }
    let mut current = current_files(tx, &touched.iter().copied().filter(|h| stored.contains_key(&h.id)).collect::<Vec<_>>())?;
    let mut out = ImportOutcome {
        unchanged: (files.len() - touched.len() + set.unchanged.len()) as u64,
        people: files.iter().map(|h| h.size() as u64).sum::<u64>() + unchanged_people,
        ..Default::default()
    };
    // New files are registered together: one multi-row write per table, events chained
    // per county in one go, rollups summed per region.
    let year = crate::core::query::year_of(at);
    let new: Vec<(Household, Option<String>)> = touched
        .iter()
        .filter(|h| !current.contains_key(&h.id))
        .map(|h| ((*h).clone(), fupin_domain::maps::rollup::flow(h.status, year)))
        .collect();
    out.created = new.len() as u64;
    if !new.is_empty() {
        insert_files_in_tx(tx, caller, new, "register", "批量导入建档", at, None, Checks::DoneByImport).map_err(|e| match e {
            StoreError::Invalid(d) => StoreError::Rows(vec![(String::new(), d.message)]),
            other => other,
        })?;
    }
    // The updates' events and rollups are written together after the loop.
    let mut batch = ChangeBatch::default();
    for h in touched {
        let wrap = |e: StoreError| match e {
            StoreError::Invalid(d) => StoreError::Rows(vec![(h.id.clone(), d.message)]),
            other => other,
        };
        match current.remove(&h.id) {
            None => {}
            // Stored with a digest of an earlier form, or equal up to order: compared in
            // full, and the digest brought up to date so the next import skips it.
            Some(cur) if same_content(&cur, h) => {
                out.unchanged += 1;
                tx.exec("UPDATE households SET digest = $1 WHERE id = $2", &[file_digest(&cur).into(), h.id.as_str().into()])?;
            }
            Some(cur) => {
                let req = ChangeRequest {
                    household_id: h.id.clone(),
                    expected_version: cur.version,
                    change: Change::Replace {
                        fields: fupin_domain::registry::household::HouseholdFields::of(h),
                        members: h.members.clone(),
                        incomes: h.incomes.clone(),
                        measures: h.measures.clone(),
                        helper_ids: h.helpers.iter().map(|x| x.id.clone()).collect(),
                    },
                    reason: "批量导入".into(),
                    at: at.to_string(),
                };
                // In the caller's region: checked with the stored place above.
                apply_to_in_tx(tx, caller, &req, rules, cur, Some(&mut batch)).map_err(wrap)?;
                out.updated += 1;
            }
        }
    }
    ledger::append_many(tx, &mut batch.events)?;
    apply_deltas(tx, batch.deltas.iter().map(|(v, d)| (v, d.clone())))?;
    Ok(out)
}
