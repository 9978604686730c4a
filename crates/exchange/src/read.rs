//! Import: reads an xlsx or CSV export-layout file into household files, checking every cell;
//! every problem is reported with its sheet, row, column and value.

use crate::layout::*;
use crate::write::sibling;
use calamine::{open_workbook, Data, Reader, Xlsx};
use csv::StringRecord;
use fupin_domain::codes::*;
use fupin_domain::household::{Conditions, Details, Helper, Household, Income, Measure, Member};
use fupin_domain::DomainError;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub sheet: String,
    /// 1-based, as the spreadsheet numbers rows (the header is row 1).
    pub row: usize,
    pub column: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug)]
pub enum ReadError {
    /// The file as a whole cannot be read: not xlsx, truncated, wrong sheet, missing columns.
    Malformed(String),
    Rows(Vec<RowError>),
}

/// One sheet's header: where each column is. Rows are read one at a time (`each_row`), never
/// held all at once: a county's file is a few hundred megabytes of cells otherwise.
struct Table {
    sheet: String,
    index: FxHashMap<String, usize>,
    /// The layout's own column names by address and length: looked up millions of times per
    /// file, so the common case hashes two integers instead of a Chinese header.
    by_address: FxHashMap<(usize, usize), usize>,
    /// Where each of `HOUSEHOLD_HEADERS` is, for the per-row comparison of household cells.
    household_cols: Vec<Option<usize>>,
}

impl Table {
    fn new(sheet: String, header: &StringRecord, required: &[&str]) -> Result<Table, ReadError> {
        let index: FxHashMap<String, usize> =
            header.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i)).collect();
        let missing: Vec<&str> = required.iter().filter(|h| !index.contains_key(**h)).copied().collect();
        if !missing.is_empty() {
            return Err(ReadError::Malformed(format!("工作表“{sheet}”缺少列：{}", missing.join("、"))));
        }
        let known = [HOUSEHOLD_HEADERS, MEMBER_HEADERS, INCOME_HEADERS, MEASURE_HEADERS, PAIR_HEADERS, &[ID]];
        let by_address =
            known.iter().flat_map(|cols| cols.iter()).filter_map(|c| index.get(*c).map(|i| ((c.as_ptr() as usize, c.len()), *i))).collect();
        let household_cols = HOUSEHOLD_HEADERS.iter().map(|c| index.get(*c).copied()).collect();
        Ok(Table { sheet, index, by_address, household_cols })
    }

    /// The household columns of a row, in `HOUSEHOLD_HEADERS` order.
    fn household_cells<'a>(&'a self, row: &'a StringRecord) -> impl Iterator<Item = &'a str> + 'a {
        self.household_cols.iter().map(|i| i.and_then(|i| row.get(i)).map_or("", str::trim))
    }

    fn get<'a>(&self, row: &'a StringRecord, col: &str) -> &'a str {
        let i = match self.by_address.get(&(col.as_ptr() as usize, col.len())) {
            Some(i) => Some(i),
            None => self.index.get(col),
        };
        i.and_then(|i| row.get(*i)).map(|s| s.trim()).unwrap_or("")
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => yes(*b),
        other => other.to_string(),
    }
}

/// The columns a sheet must have, or None for a sheet the layout does not read.
fn required_columns(sheet: &str) -> Option<Vec<&'static str>> {
    if sheet.starts_with(MEMBERS) {
        Some(required(&HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect::<Vec<_>>()))
    } else if sheet == INCOMES {
        Some(required(INCOME_HEADERS))
    } else if sheet == MEASURES {
        Some(MEASURE_HEADERS.to_vec())
    } else if sheet == PAIRS {
        Some(PAIR_HEADERS[..2].to_vec())
    } else {
        None
    }
}

/// Rows handed on together: large enough that passing them between threads costs nothing.
const BATCH: usize = 1024;

/// Calls `f(sheet, rows)` with the non-empty data rows (row number, record) of the sheets the
/// layout reads, member sheets first, about `BATCH` rows at a time. Returns the sheets read.
/// `fresh` gives the record to read each CSV row into (recycled ones keep their buffers).
fn each_batch(
    path: &Path,
    mut fresh: impl FnMut() -> StringRecord,
    mut f: impl FnMut(&Arc<Table>, Vec<(usize, StringRecord)>),
) -> Result<Vec<String>, ReadError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let blank = |r: &StringRecord| r.iter().all(|c| c.trim().is_empty());
    // A batch is handed on once it has `BATCH` rows and the next row starts another household,
    // so a household's consecutive rows stay in one batch.
    let full = |t: &Table, batch: &[(usize, StringRecord)], next: &StringRecord| {
        batch.len() >= BATCH && batch.last().is_some_and(|(_, last)| t.get(last, ID) != t.get(next, ID))
    };
    let mut batch = Vec::with_capacity(BATCH);
    match ext.as_str() {
        "xlsx" => {
            let mut wb: Xlsx<_> =
                open_workbook(path).map_err(|e| ReadError::Malformed(format!("不是有效的xlsx文件，或文件已损坏：{e}")))?;
            let mut names = wb.sheet_names().to_vec();
            if !names.iter().any(|n| n.starts_with(MEMBERS)) {
                return Err(ReadError::Malformed(format!("缺少工作表“{MEMBERS}”（文件中的工作表：{}）", names.join("、"))));
            }
            names.retain(|n| required_columns(n).is_some());
            names.sort_by_key(|n| !n.starts_with(MEMBERS));
            for name in &names {
                let range = wb.worksheet_range(name).map_err(|e| ReadError::Malformed(format!("无法读取工作表“{name}”：{e}")))?;
                let first = range.start().map_or(0, |(r, _)| r as usize);
                let mut rows = range.rows();
                let header: StringRecord =
                    rows.next().ok_or_else(|| ReadError::Malformed(format!("工作表“{name}”是空的")))?.iter().map(cell_text).collect();
                let t = Arc::new(Table::new(name.clone(), &header, &required_columns(name).unwrap_or_default())?);
                for (i, r) in rows.enumerate() {
                    let rec: StringRecord = r.iter().map(cell_text).collect();
                    if !blank(&rec) {
                        if full(&t, &batch, &rec) {
                            f(&t, std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                        }
                        batch.push((first + 2 + i, rec));
                    }
                }
                if !batch.is_empty() {
                    f(&t, std::mem::take(&mut batch));
                }
            }
            Ok(names)
        }
        "csv" => {
            let mut names = vec![];
            let siblings = [INCOMES, MEASURES, PAIRS].map(|n| (n.to_string(), sibling(path, n)));
            for (name, p) in std::iter::once((MEMBERS.to_string(), path.to_path_buf())).chain(siblings) {
                if name != MEMBERS && !p.exists() {
                    continue;
                }
                let bad = |e: csv::Error| ReadError::Malformed(format!("{}不是有效的CSV（须为UTF-8编码）：{e}", p.display()));
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_path(&p)
                    .map_err(|e| ReadError::Malformed(format!("无法打开{}：{e}", p.display())))?;
                let mut rec = fresh();
                if !r.read_record(&mut rec).map_err(bad)? {
                    return Err(ReadError::Malformed(format!("工作表“{name}”是空的")));
                }
                let t = Arc::new(Table::new(name.clone(), &rec, &required_columns(&name).unwrap_or_default())?);
                let mut i = 0;
                while r.read_record(&mut rec).map_err(bad)? {
                    if !blank(&rec) {
                        if full(&t, &batch, &rec) {
                            f(&t, std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                        }
                        batch.push((i + 2, std::mem::replace(&mut rec, fresh())));
                    }
                    i += 1;
                }
                if !batch.is_empty() {
                    f(&t, std::mem::take(&mut batch));
                }
                names.push(name);
            }
            Ok(names)
        }
        _ => Err(ReadError::Malformed(format!("不支持的文件类型“{ext}”：请上传 .xlsx 或 .csv"))),
    }
}

/// Collects problems while parsing.
struct Errors(Vec<RowError>);

impl Errors {
    fn at<T>(&mut self, t: &Table, row: usize, col: &str, value: &str, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(RowError { sheet: t.sheet.clone(), row, column: col.to_string(), value: value.to_string(), reason: e.message });
                None
            }
        }
    }

    fn push(&mut self, t: &Table, row: usize, col: &str, value: &str, reason: String) {
        self.0.push(RowError { sheet: t.sheet.clone(), row, column: col.to_string(), value: value.to_string(), reason });
    }
}

/// Parses a value from column `col` of `row`, recording a problem if it fails.
macro_rules! cell {
    ($errs:expr, $t:expr, $row:expr, $n:expr, $col:expr, $parse:expr) => {{
        let v = $t.get($row, $col);
        $errs.at($t, $n, $col, v, $parse(v))
    }};
}

fn household_from(errs: &mut Errors, t: &Table, row: &StringRecord, n: usize) -> Option<Household> {
    let h = HOUSEHOLD_HEADERS;
    let id = t.get(row, ID).to_string();
    let village = cell!(errs, t, row, n, h[1], parse_region);
    let status = cell!(errs, t, row, n, h[2], Status::parse);
    let attribute = cell!(errs, t, row, n, h[3], Attribute::parse);
    let standard = cell!(errs, t, row, n, h[4], Standard::parse);
    let main_cause = cell!(errs, t, row, n, h[5], Cause::parse);
    let other_causes = cell!(errs, t, row, n, h[6], parse_causes);
    let planned = cell!(errs, t, row, n, h[10], |v| parse_opt_year(v, "计划脱贫年度"));
    let registered = cell!(errs, t, row, n, h[11], |v| parse_int(v, "建档年度", 2000..=2035));
    let exited = cell!(errs, t, row, n, h[12], |v| parse_opt_year(v, "脱贫年度"));
    let b = |errs: &mut Errors, i: usize| cell!(errs, t, row, n, h[i], parse_bool);
    let conditions = (b(errs, 14), b(errs, 15), b(errs, 16), b(errs, 17), b(errs, 18), b(errs, 19));
    let land = cell!(errs, t, row, n, h[20], |v| parse_area(v, "耕地面积"));
    let area = cell!(errs, t, row, n, h[21], |v| parse_area(v, "住房面积"));
    let danger = t.get(row, h[22]).to_string();
    if !matches!(danger.as_str(), "" | "C" | "D") {
        errs.push(t, n, h[22], &danger, "危房等级应为空、C或D".into());
    }
    let flags = (b(errs, 23), b(errs, 24), b(errs, 25), b(errs, 27));
    let distance = cell!(errs, t, row, n, h[26], |v| parse_area(v, "距离"));
    let monitoring = cell!(errs, t, row, n, h[28], |v: &str| if v.is_empty() { Ok(None) } else { MonitorType::parse(v).map(Some) });
    if id.len() != 16 || !id.bytes().all(|c| c.is_ascii_digit()) {
        errs.push(t, n, ID, &id, "户编号应为16位数字（村代码+4位序号）".into());
        return None;
    }
    let (c, f) = (conditions, flags);
    Some(Household {
        id,
        village: village?,
        status: status?,
        attribute: attribute?,
        standard: standard?,
        main_cause: main_cause?,
        other_causes: other_causes?,
        phone: t.get(row, h[7]).to_string(),
        bank: t.get(row, h[8]).to_string(),
        bank_account: t.get(row, h[9]).to_string(),
        planned_exit_year: planned?,
        registered_year: registered? as i32,
        exited_year: exited?,
        monitoring: monitoring?,
        form_version: t.get(row, h[13]).to_string(),
        conditions: Conditions {
            food_clothing: c.0?,
            compulsory_education: c.1?,
            medical_insurance: c.2?,
            safe_housing: c.3?,
            safe_water: c.4?,
            electricity: c.5?,
        },
        details: Details {
            cultivated_land_mu: land?,
            housing_area_m2: area?,
            dangerous_house: danger,
            relocation: f.0?,
            military_family: f.1?,
            sanitary_toilet: f.2?,
            distance_to_road_km: distance?,
            cooperative: f.3?,
        },
        version: 0,
        members: vec![],
        incomes: vec![],
        helpers: vec![],
        measures: vec![],
    })
}

fn member_from(errs: &mut Errors, t: &Table, row: &StringRecord, n: usize) -> Option<Member> {
    let m = MEMBER_HEADERS;
    let no = cell!(errs, t, row, n, m[0], |v| parse_int(v, "成员序号", 1..=99));
    let name = t.get(row, m[1]).to_string();
    let sex = cell!(errs, t, row, n, m[2], Sex::parse);
    let id_number = cell!(errs, t, row, n, m[3], parse_id);
    let relation = cell!(errs, t, row, n, m[4], Relation::parse);
    let education = cell!(errs, t, row, n, m[6], Education::parse);
    let schooling = cell!(errs, t, row, n, m[7], Schooling::parse);
    let health = cell!(errs, t, row, n, m[8], Health::parse);
    let labour = cell!(errs, t, row, n, m[9], Labour::parse);
    let work = cell!(errs, t, row, n, m[10], WorkStatus::parse);
    let months = cell!(errs, t, row, n, m[11], |v: &str| if v.is_empty() { Ok(0) } else { parse_int(v, "务工时间", 0..=12) });
    let bools = (
        cell!(errs, t, row, n, m[12], parse_bool),
        cell!(errs, t, row, n, m[13], parse_bool),
        cell!(errs, t, row, n, m[14], parse_bool),
        cell!(errs, t, row, n, m[15], parse_bool),
    );
    let left = cell!(errs, t, row, n, m[17], |v: &str| if v.is_empty() { Ok(None) } else { MemberChange::parse(v).map(Some) });
    let birth_date = cell!(errs, t, row, n, m[18], |v: &str| if v.is_empty() { Ok(None) } else { parse_date(v).map(Some) });
    if name.is_empty() {
        errs.push(t, n, m[1], "", "姓名不能为空".into());
    }
    Some(Member {
        no: no?,
        name,
        sex: sex?,
        id_number: id_number?,
        relation: relation?,
        ethnicity: t.get(row, m[5]).to_string(),
        education: education?,
        schooling: schooling?,
        health: health?,
        labour: labour?,
        work_status: work?,
        months_away: months?,
        dibao: bools.0?,
        medical_insurance: bools.1?,
        serious_illness_insurance: bools.2?,
        pension_insurance: bools.3?,
        phone: t.get(row, m[16]).to_string(),
        birth_date: birth_date?,
        left: left?,
    })
}

/// What a file held: its households, and which of the optional tables it carried (an absent
/// table means "keep what the system has", never "delete").
#[derive(Debug)]
pub struct Parsed {
    pub files: Vec<Household>,
    pub has_incomes: bool,
    pub has_measures: bool,
    pub has_pairs: bool,
}

/// The household columns of a row, joined: what every other row of that household must repeat.
fn household_cells(t: &Table, row: &StringRecord) -> String {
    t.household_cells(row).collect::<Vec<_>>().join("\u{1f}")
}

/// A hash of the same: rows after a household's first are compared by it (no allocation); a
/// mismatch is then located column by column against the first row's cells.
fn household_cells_hash(t: &Table, row: &StringRecord) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    for cell in t.household_cells(row) {
        cell.hash(&mut hasher);
    }
    hasher.finish()
}

/// Consecutive rows of one household in one sheet, parsed by a worker.
struct Run {
    id: String,
    /// The row number of each row, in order.
    rows: Vec<usize>,
    part: Part,
}

enum Part {
    /// Member rows: the household as its first row gives it, that row's cells hashed, and each
    /// row's member (rows whose member did not parse are left out, their problems reported).
    Members {
        first: FirstRow,
        hash: u64,
        members: Vec<(usize, Member)>,
    },
    Others(Vec<(usize, Item)>),
}

/// One row of the other sheets.
enum Item {
    Income(Option<Income>),
    Measure(Option<Measure>),
    Helper(Option<Helper>),
}

/// Parses a batch into runs of consecutive rows of one household; a run's later member rows
/// are checked against its first.
fn parse_runs(errs: &mut Errors, t: &Table, rows: &[(usize, StringRecord)]) -> Vec<Run> {
    let mut runs: Vec<Run> = vec![];
    for (n, row) in rows {
        let (n, id) = (*n, t.get(row, ID));
        let members = t.sheet.starts_with(MEMBERS);
        if runs.last().is_none_or(|r| r.id != id) {
            let part = if members {
                Part::Members { first: first_row(t, row, n), hash: household_cells_hash(t, row), members: vec![] }
            } else {
                Part::Others(vec![])
            };
            runs.push(Run { id: id.to_string(), rows: vec![], part });
        }
        let run = runs.last_mut().expect("pushed above");
        run.rows.push(n);
        match &mut run.part {
            Part::Members { first, hash, members } => {
                if run.rows.len() > 1 && household_cells_hash(t, row) != *hash {
                    let col = disagreeing_column(&first.2, &household_cells(t, row));
                    errs.push(t, n, col, t.get(row, col), format!("同一户各行的户信息应一致（与该户第一行不同：{col}）"));
                }
                members.extend(member_from(errs, t, row, n).map(|m| (n, m)));
            }
            Part::Others(items) => items.push((n, parse_other_row(errs, t, n, row))),
        }
    }
    runs
}

/// The first household column where two rows' joined cells differ.
fn disagreeing_column(a: &str, b: &str) -> &'static str {
    HOUSEHOLD_HEADERS.iter().zip(a.split('\u{1f}').zip(b.split('\u{1f}'))).find(|(_, (x, y))| x != y).map_or(ID, |(c, _)| c)
}

fn parse_other_row(errs: &mut Errors, t: &Table, n: usize, row: &StringRecord) -> Item {
    if t.sheet == INCOMES {
        let c = INCOME_HEADERS;
        let year = cell!(errs, t, row, n, c[1], |v| parse_int(v, "年度", 2010..=2035));
        let m: Vec<Option<fupin_domain::Yuan>> = (2..9).map(|i| cell!(errs, t, row, n, c[i], parse_money)).collect();
        let income = match (year, m.iter().all(Option::is_some)) {
            (Some(y), true) => {
                let v: Vec<_> = m.into_iter().flatten().collect();
                Some(Income {
                    year: y as i32,
                    wage: v[0],
                    business: v[1],
                    property: v[2],
                    transfer: v[3],
                    transfer_excluded: v[4],
                    expenses: v[5],
                    hard_expenses: v[6],
                })
            }
            _ => None,
        };
        Item::Income(income)
    } else if t.sheet == MEASURES {
        let c = MEASURE_HEADERS;
        let no = cell!(errs, t, row, n, c[1], |v| parse_int(v, "措施序号", 1..=999));
        let path = cell!(errs, t, row, n, c[2], fupin_domain::codes::Path::parse);
        let amount = cell!(errs, t, row, n, c[4], parse_money);
        let year = cell!(errs, t, row, n, c[6], |v| parse_int(v, "年度", 2010..=2035));
        Item::Measure(match (no, path, amount, year) {
            (Some(no), Some(path), Some(amount), Some(year)) => Some(Measure {
                no,
                path,
                name: t.get(row, c[3]).to_string(),
                amount,
                unit: t.get(row, c[5]).to_string(),
                year: year as i32,
            }),
            _ => None,
        })
    } else {
        let helper_id = t.get(row, PAIR_HEADERS[1]).to_string();
        if helper_id.is_empty() {
            errs.push(t, n, PAIR_HEADERS[1], "", "帮扶责任人编号不能为空".into());
            return Item::Helper(None);
        }
        Item::Helper(Some(Helper {
            id: helper_id,
            name: t.get(row, PAIR_HEADERS[2]).to_string(),
            unit: t.get(row, PAIR_HEADERS[3]).to_string(),
            phone: String::new(),
        }))
    }
}

/// The households read so far: (first row, household cells, file), and each id's place.
#[derive(Default)]
struct Files {
    /// Per household: first row, (household cells, their hash), the file, each member's row.
    list: Vec<(usize, (String, u64), Household, Vec<usize>)>,
    index: FxHashMap<String, usize>,
}

/// What the first row of a household gives: its fields parsed (with their problems) and its
/// household cells joined, for locating a later row's disagreement.
type FirstRow = (Option<Household>, Vec<RowError>, String);

fn first_row(t: &Table, row: &StringRecord, n: usize) -> FirstRow {
    let mut own = Errors(vec![]);
    (household_from(&mut own, t, row, n), own.0, household_cells(t, row))
}

/// A batch parsed: its position, sheet, runs and problems.
type ParsedBatch = (usize, Arc<Table>, Vec<Run>, Vec<RowError>);

/// Reads and checks a whole file; either every household parses or every problem is listed.
/// One thread reads records, workers parse the rows batch by batch, and this thread puts the
/// rows in order into their households.
pub fn read_file(path: &Path) -> Result<Parsed, ReadError> {
    let mut errs = Errors(vec![]);
    // The files in order of first appearance (first row, household cells, file so far), and
    // where each id is among them.
    let mut files = Files::default();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let sheets = std::thread::scope(|s| {
        let (raw_tx, raw_rx) = mpsc::sync_channel::<(usize, Arc<Table>, Vec<(usize, StringRecord)>)>(4 * workers);
        let raw_rx = Arc::new(Mutex::new(raw_rx));
        let (out_tx, out_rx) = mpsc::channel::<ParsedBatch>();
        // Records go back to the reader once parsed: their buffers are reused, not reallocated.
        let (spare_tx, spare_rx) = mpsc::sync_channel::<Vec<StringRecord>>(64);
        let reader = s.spawn(move || {
            let mut seq = 0;
            let mut spare: Vec<StringRecord> = vec![];
            let fresh = || {
                if spare.is_empty() {
                    spare = spare_rx.try_recv().unwrap_or_default();
                }
                spare.pop().unwrap_or_default()
            };
            each_batch(path, fresh, |t, rows| {
                // The receivers outlive the reader unless a worker panicked; then the join reports it.
                let _ = raw_tx.send((seq, t.clone(), rows));
                seq += 1;
            })
        });
        for _ in 0..workers {
            let (raw_rx, out_tx, spare_tx) = (raw_rx.clone(), out_tx.clone(), spare_tx.clone());
            s.spawn(move || loop {
                let Ok((seq, t, rows)) = raw_rx.lock().expect("batch queue").recv() else { return };
                let mut errs = Errors(vec![]);
                let runs = parse_runs(&mut errs, &t, &rows);
                let _ = spare_tx.try_send(rows.into_iter().map(|(_, r)| r).collect());
                if out_tx.send((seq, t, runs, errs.0)).is_err() {
                    return;
                }
            });
        }
        drop(out_tx);
        let mut pending: BTreeMap<usize, ParsedBatch> = BTreeMap::new();
        let mut next = 0;
        for batch in out_rx {
            pending.insert(batch.0, batch);
            while let Some((_, t, runs, batch_errs)) = pending.remove(&next) {
                next += 1;
                errs.0.extend(batch_errs);
                for run in runs {
                    add_run(&mut errs, &t, run, &mut files);
                }
            }
        }
        drop(spare_tx);
        reader.join().map_err(|_| ReadError::Malformed("读取文件的线程异常退出".into()))?
    })?;
    let has = |name: &str| sheets.iter().any(|s| s == name);
    let (has_incomes, has_measures, has_pairs) = (has(INCOMES), has(MEASURES), has(PAIRS));
    one_person_one_household(&files.list, &mut errs);
    let mut files = files.list;
    files.sort_unstable_by(|a, b| a.2.id.cmp(&b.2.id));
    let mut out = Vec::with_capacity(files.len());
    for (first_row, _, mut h, _) in files {
        h.incomes.sort_by_key(|i| i.year);
        h.measures.sort_by_key(|m| m.no);
        h.helpers.sort_by(|a, b| a.id.cmp(&b.id));
        if let Err(e) = h.validate() {
            errs.0.push(RowError { sheet: MEMBERS.into(), row: first_row, column: ID.into(), value: h.id.clone(), reason: e.message });
            continue;
        }
        out.push(h);
    }
    if errs.0.is_empty() {
        Ok(Parsed { files: out, has_incomes, has_measures, has_pairs })
    } else {
        errs.0.sort_by(|a, b| (a.sheet.as_str(), a.row).cmp(&(b.sheet.as_str(), b.row)));
        Err(ReadError::Rows(errs.0))
    }
}

/// One ID number in two households of the file: the later row is reported, naming the earlier.
fn one_person_one_household(list: &[(usize, (String, u64), Household, Vec<usize>)], errs: &mut Errors) {
    let mut seen: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
    let members_sheet =
        Table { sheet: MEMBERS.into(), index: FxHashMap::default(), by_address: FxHashMap::default(), household_cols: vec![] };
    for (i, (_, _, h, rows)) in list.iter().enumerate() {
        for (m, n) in h.members.iter().zip(rows) {
            match seen.get(m.id_number.as_str()) {
                Some((j, r)) if *j != i => {
                    let (later, earlier) = if n > r { (*n, *r) } else { (*r, *n) };
                    let message = format!("同一身份证号在文件中出现在两户（另见第{earlier}行）");
                    errs.push(&members_sheet, later, MEMBER_HEADERS[3], m.id_number.as_str(), message);
                }
                Some(_) => {}
                None => {
                    seen.insert(m.id_number.as_str(), (i, *n));
                }
            }
        }
    }
}

/// Puts a run of rows into its household, in file order.
fn add_run(errs: &mut Errors, t: &Table, run: Run, files: &mut Files) {
    let Run { id, rows, part } = run;
    let at = files.index.get(&id).copied();
    match (part, at) {
        (Part::Members { first, hash, members }, Some(i)) => {
            // The household's rows are not together in the file: this run must agree with its first.
            let (_, stored, h, member_rows) = &mut files.list[i];
            if hash != stored.1 {
                let col = disagreeing_column(&stored.0, &first.2);
                errs.push(t, rows[0], col, "", format!("同一户各行的户信息应一致（与该户第一行不同：{col}）"));
            }
            for (n, m) in members {
                h.members.push(m);
                member_rows.push(n);
            }
        }
        (Part::Members { first: (parsed, problems, cells), hash, members }, None) => {
            errs.0.extend(problems);
            if let Some(mut h) = parsed {
                let member_rows = members.iter().map(|(n, _)| *n).collect();
                h.members = members.into_iter().map(|(_, m)| m).collect();
                files.index.insert(id, files.list.len());
                files.list.push((rows[0], (cells, hash), h, member_rows));
            }
        }
        (Part::Others(_), None) => {
            for n in rows {
                errs.push(t, n, ID, &id, "户编号不在贫困户成员表中".into());
            }
        }
        (Part::Others(items), Some(i)) => {
            let h = &mut files.list[i].2;
            for (n, item) in items {
                match item {
                    Item::Income(Some(income)) => {
                        if h.incomes.iter().any(|x| x.year == income.year) {
                            errs.push(t, n, INCOME_HEADERS[1], &income.year.to_string(), "同一户同一年度的收入出现两次".into());
                        }
                        h.incomes.push(income);
                    }
                    Item::Measure(Some(m)) => h.measures.push(m),
                    Item::Helper(Some(x)) => h.helpers.push(x),
                    _ => {}
                }
            }
        }
    }
}

/// The first row of each household in a file, to place store-level problems on a row.
pub fn first_rows(path: &Path) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let _ = each_batch(path, StringRecord::new, |t, rows| {
        if t.sheet.starts_with(MEMBERS) {
            for (n, row) in rows {
                out.entry(t.get(&row, ID).to_string()).or_insert(n);
            }
        }
    });
    out
}

/// Fills the tables a file did not carry with what the system holds, so that importing a
/// members-only file changes members and fields only.
pub fn keep_absent_tables(
    store: &dyn fupin_store::Store,
    caller: &fupin_domain::access::Caller,
    parsed: &mut Parsed,
) -> Result<(), fupin_store::StoreError> {
    if parsed.has_incomes && parsed.has_measures && parsed.has_pairs {
        return Ok(());
    }
    for h in &mut parsed.files {
        match store.household(caller, &h.id) {
            Ok(current) => {
                if !parsed.has_incomes {
                    h.incomes = current.incomes;
                }
                if !parsed.has_measures {
                    h.measures = current.measures;
                }
                if !parsed.has_pairs {
                    h.helpers = current.helpers;
                }
            }
            Err(fupin_store::StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
