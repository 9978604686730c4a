//! Import: reads an xlsx or CSV export-layout file into household files, checking every cell;
//! every problem is reported with its sheet, row, column and value.

use crate::layout::*;
use crate::write::sibling;
use calamine::{open_workbook, Data, Reader, Xlsx};
use csv::StringRecord;
use fupin_domain::registry::codes::*;
use fupin_domain::registry::household::{Conditions, Details, Helper, Household, Income, Measure, Member};
use fupin_domain::registry::sheet::{digest_part, Part, PartDigest};
use fupin_domain::DomainError;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex, OnceLock};

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

/// Which of the four tables a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Members,
    Incomes,
    Measures,
    Pairs,
}

impl Kind {
    fn of(sheet: &str) -> Option<Kind> {
        match sheet {
            s if s.starts_with(MEMBERS) => Some(Kind::Members),
            INCOMES => Some(Kind::Incomes),
            MEASURES => Some(Kind::Measures),
            PAIRS => Some(Kind::Pairs),
            _ => None,
        }
    }

    /// The part of the file digest its rows make.
    fn part(self) -> Part {
        match self {
            Kind::Members => Part::Members,
            Kind::Incomes => Part::Incomes,
            Kind::Measures => Part::Measures,
            Kind::Pairs => Part::Pairs,
        }
    }

    /// The layout's columns of this table; a member row carries its household's columns first.
    fn columns(self) -> Vec<&'static str> {
        match self {
            Kind::Members => HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect(),
            Kind::Incomes => INCOME_HEADERS.to_vec(),
            Kind::Measures => MEASURE_HEADERS.to_vec(),
            Kind::Pairs => PAIR_HEADERS.to_vec(),
        }
    }

    /// The columns the digest covers: all but a pairing's helper name and unit (shown for
    /// reading, stored with the helper, not the file).
    fn digested(self, columns: usize) -> usize {
        if self == Kind::Pairs {
            2
        } else {
            columns
        }
    }

    /// The columns a sheet must have.
    fn required(self) -> Vec<&'static str> {
        match self {
            Kind::Members | Kind::Incomes => required(&self.columns()),
            Kind::Measures => MEASURE_HEADERS.to_vec(),
            Kind::Pairs => PAIR_HEADERS[..2].to_vec(),
        }
    }
}

/// One sheet's header: where each of the layout's columns is. Rows are read one at a time
/// (`each_batch`), never held as cells of a workbook.
struct Table {
    sheet: String,
    kind: Kind,
    /// The layout's column names, in order (`Kind::columns`); the household id is first.
    names: Vec<&'static str>,
    /// Where each of `names` is in the file's rows; None for an optional column it lacks.
    at: Vec<Option<usize>>,
}

/// `str::trim`, with a shortcut for the usual cell: one that begins and ends with a character
/// that cannot be white space (an ASCII letter, digit or sign, or a CJK character, whose UTF-8
/// lead bytes 0xE4–0xE9 no white space shares).
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let solid_start = |x: u8| x.is_ascii_graphic() || (0xE4..=0xE9).contains(&x);
    let solid_end = match b {
        [] => return s,
        [.., x] if x.is_ascii_graphic() => true,
        [.., lead, x, y] if (0xE4..=0xE9).contains(lead) && (0x80..0xC0).contains(x) && (0x80..0xC0).contains(y) => true,
        _ => false,
    };
    if solid_start(b[0]) && solid_end {
        s
    } else {
        s.trim()
    }
}

/// Where a member's columns begin in a member row: after the household's.
fn member_col(i: usize) -> usize {
    HOUSEHOLD_HEADERS.len() + i
}

impl Table {
    fn new(sheet: String, kind: Kind, header: &StringRecord) -> Result<Table, ReadError> {
        let index: FxHashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}'), i)).collect();
        let missing: Vec<&str> = kind.required().into_iter().filter(|h| !index.contains_key(*h)).collect();
        if !missing.is_empty() {
            return Err(ReadError::Malformed(format!("工作表“{sheet}”缺少列：{}", missing.join("、"))));
        }
        let names = kind.columns();
        let at = names.iter().map(|c| index.get(c).copied()).collect();
        Ok(Table { sheet, kind, names, at })
    }

    /// The trimmed cell of layout column `i`, or "" when the row or the file lacks it.
    fn cell<'a>(&self, row: &'a StringRecord, i: usize) -> &'a str {
        self.at[i].and_then(|c| row.get(c)).map_or("", trim)
    }

    fn id<'a>(&self, row: &'a StringRecord) -> &'a str {
        self.cell(row, 0)
    }

    /// The household columns of a member row, in `HOUSEHOLD_HEADERS` order.
    fn household_cells<'a>(&'a self, row: &'a StringRecord) -> impl Iterator<Item = &'a str> + 'a {
        (0..HOUSEHOLD_HEADERS.len()).map(move |i| self.cell(row, i))
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => yes(*b).to_string(),
        other => other.to_string(),
    }
}

/// Rows handed on together: large enough that passing them between threads costs nothing.
const BATCH: usize = 1024;

/// Calls `f(sheet, rows)` with the non-empty data rows (row number, record) of the sheets the
/// layout reads, member sheets first, about `BATCH` rows at a time. Returns the tables read.
/// `fresh` gives the record to read each CSV row into (recycled ones keep their buffers).
fn each_batch(
    path: &Path,
    mut fresh: impl FnMut() -> StringRecord,
    mut f: impl FnMut(&Arc<Table>, Vec<(usize, StringRecord)>),
) -> Result<Vec<Kind>, ReadError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let blank = |r: &StringRecord| r.iter().all(|c| c.trim().is_empty());
    // A batch is handed on once it has `BATCH` rows and the next row starts another household,
    // so a household's consecutive rows stay in one batch.
    let full = |t: &Table, batch: &[(usize, StringRecord)], next: &StringRecord| {
        batch.len() >= BATCH && batch.last().is_some_and(|(_, last)| t.id(last) != t.id(next))
    };
    let mut batch = Vec::with_capacity(BATCH);
    let mut kinds = vec![];
    match ext.as_str() {
        "xlsx" => {
            let mut wb: Xlsx<_> =
                open_workbook(path).map_err(|e| ReadError::Malformed(format!("不是有效的xlsx文件，或文件已损坏：{e}")))?;
            let mut names = wb.sheet_names().to_vec();
            if !names.iter().any(|n| n.starts_with(MEMBERS)) {
                return Err(ReadError::Malformed(format!("缺少工作表“{MEMBERS}”（文件中的工作表：{}）", names.join("、"))));
            }
            names.retain(|n| Kind::of(n).is_some());
            names.sort_by_key(|n| !n.starts_with(MEMBERS));
            for name in &names {
                let kind = Kind::of(name).expect("kept above");
                let range = wb.worksheet_range(name).map_err(|e| ReadError::Malformed(format!("无法读取工作表“{name}”：{e}")))?;
                let first = range.start().map_or(0, |(r, _)| r as usize);
                let mut rows = range.rows();
                let header: StringRecord =
                    rows.next().ok_or_else(|| ReadError::Malformed(format!("工作表“{name}”是空的")))?.iter().map(cell_text).collect();
                let t = Arc::new(Table::new(name.clone(), kind, &header)?);
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
                kinds.push(kind);
            }
            Ok(kinds)
        }
        "csv" => {
            let siblings = [INCOMES, MEASURES, PAIRS].map(|n| (n, sibling(path, n)));
            for (name, p) in std::iter::once((MEMBERS, path.to_path_buf())).chain(siblings) {
                if name != MEMBERS && !p.exists() {
                    continue;
                }
                let kind = Kind::of(name).expect("the layout's tables");
                let bad = |e: csv::Error| ReadError::Malformed(format!("{}不是有效的CSV（须为UTF-8编码）：{e}", p.display()));
                let file = std::fs::File::open(&p).map_err(|e| ReadError::Malformed(format!("无法打开{}：{e}", p.display())))?;
                // A large buffer: a county's file is tens of megabytes, read in few calls.
                let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(1 << 20).from_reader(file);
                let mut rec = fresh();
                if !r.read_record(&mut rec).map_err(bad)? {
                    return Err(ReadError::Malformed(format!("工作表“{name}”是空的")));
                }
                let t = Arc::new(Table::new(name.to_string(), kind, &rec)?);
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
                kinds.push(kind);
            }
            Ok(kinds)
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

/// Parses the value of layout column `i` of `row`, recording a problem if it fails.
macro_rules! cell {
    ($errs:expr, $t:expr, $row:expr, $n:expr, $i:expr, $parse:expr) => {{
        let i = $i;
        let v = $t.cell($row, i);
        $errs.at($t, $n, $t.names[i], v, $parse(v))
    }};
}

/// A masked export (stars where personal data was hidden) is for reading only: imported, it
/// would overwrite real ID, phone and account numbers. Each masked cell is reported.
fn refuse_masked(errs: &mut Errors, t: &Table, row: &StringRecord, n: usize, cols: &[usize]) -> bool {
    let mut masked = false;
    for &i in cols {
        let v = t.cell(row, i);
        if PiiColumn::of(t.names[i]).is_some() && PiiColumn::is_masked(v) {
            errs.push(
                t,
                n,
                t.names[i],
                v,
                "此列已脱敏（含*）：脱敏导出的文件只供查阅，不能导入，以免覆盖真实信息；请用管理员导出的完整文件".into(),
            );
            masked = true;
        }
    }
    masked
}

fn household_from(errs: &mut Errors, t: &Table, row: &StringRecord, n: usize) -> Option<Household> {
    if refuse_masked(errs, t, row, n, &[7, 9]) {
        return None;
    }
    let id = t.id(row).to_string();
    let village = cell!(errs, t, row, n, 1, parse_region);
    let status = cell!(errs, t, row, n, 2, Status::parse);
    let attribute = cell!(errs, t, row, n, 3, Attribute::parse);
    let standard = cell!(errs, t, row, n, 4, Standard::parse);
    let main_cause = cell!(errs, t, row, n, 5, Cause::parse);
    let other_causes = cell!(errs, t, row, n, 6, parse_causes);
    let planned = cell!(errs, t, row, n, 10, |v| parse_opt_year(v, "计划脱贫年度"));
    let registered = cell!(errs, t, row, n, 11, |v| parse_int(v, "建档年度", 2000..=2035));
    let exited = cell!(errs, t, row, n, 12, |v| parse_opt_year(v, "脱贫年度"));
    let b = |errs: &mut Errors, i: usize| cell!(errs, t, row, n, i, parse_bool);
    let conditions = (b(errs, 14), b(errs, 15), b(errs, 16), b(errs, 17), b(errs, 18), b(errs, 19));
    let land = cell!(errs, t, row, n, 20, |v| parse_area(v, "耕地面积"));
    let area = cell!(errs, t, row, n, 21, |v| parse_area(v, "住房面积"));
    let danger = t.cell(row, 22).to_string();
    if !matches!(danger.as_str(), "" | "C" | "D") {
        errs.push(t, n, t.names[22], &danger, "危房等级应为空、C或D".into());
    }
    let flags = (b(errs, 23), b(errs, 24), b(errs, 25), b(errs, 27));
    let distance = cell!(errs, t, row, n, 26, |v| parse_area(v, "距离"));
    let monitoring = cell!(errs, t, row, n, 28, |v: &str| if v.is_empty() { Ok(None) } else { MonitorType::parse(v).map(Some) });
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
        phone: t.cell(row, 7).to_string(),
        bank: t.cell(row, 8).to_string(),
        bank_account: t.cell(row, 9).to_string(),
        planned_exit_year: planned?,
        registered_year: registered? as i32,
        exited_year: exited?,
        monitoring: monitoring?,
        form_version: t.cell(row, 13).to_string(),
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
    let m = member_col;
    if refuse_masked(errs, t, row, n, &[m(3), m(8), m(16)]) {
        return None;
    }
    let no = cell!(errs, t, row, n, m(0), |v| parse_int(v, "成员序号", 1..=99));
    let name = t.cell(row, m(1)).to_string();
    let sex = cell!(errs, t, row, n, m(2), Sex::parse);
    let id_number = cell!(errs, t, row, n, m(3), parse_id);
    let relation = cell!(errs, t, row, n, m(4), Relation::parse);
    let education = cell!(errs, t, row, n, m(6), Education::parse);
    let schooling = cell!(errs, t, row, n, m(7), Schooling::parse);
    let health = cell!(errs, t, row, n, m(8), Health::parse);
    let labour = cell!(errs, t, row, n, m(9), Labour::parse);
    let work = cell!(errs, t, row, n, m(10), WorkStatus::parse);
    let months = cell!(errs, t, row, n, m(11), |v: &str| if v.is_empty() { Ok(0) } else { parse_int(v, "务工时间", 0..=12) });
    let bools = (
        cell!(errs, t, row, n, m(12), parse_bool),
        cell!(errs, t, row, n, m(13), parse_bool),
        cell!(errs, t, row, n, m(14), parse_bool),
        cell!(errs, t, row, n, m(15), parse_bool),
    );
    let left = cell!(errs, t, row, n, m(17), |v: &str| if v.is_empty() { Ok(None) } else { MemberChange::parse(v).map(Some) });
    let birth_date = cell!(errs, t, row, n, m(18), |v: &str| if v.is_empty() { Ok(None) } else { parse_date(v).map(Some) });
    if name.is_empty() {
        errs.push(t, n, t.names[m(1)], "", "姓名不能为空".into());
    }
    Some(Member {
        no: no?,
        name,
        sex: sex?,
        id_number: id_number?,
        relation: relation?,
        ethnicity: t.cell(row, m(5)).to_string(),
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
        phone: t.cell(row, m(16)).to_string(),
        birth_date: birth_date?,
        left: left?,
    })
}

/// What a file held: the households to check and apply, the households found equal to what is
/// stored (id and stored digest; never parsed), and which of the optional tables it carried
/// (an absent table means "keep what the system has", never "delete").
#[derive(Debug)]
pub struct Parsed {
    pub files: Vec<Household>,
    pub unchanged: Vec<(String, String)>,
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

/// A batch's rows kept for later, packed: one buffer of cell text, where each cell ends, and
/// where each row begins. Rows of unchanged households keep only their member's ID number;
/// the reader's records go back to it for the next batch.
#[derive(Default)]
struct Packed {
    text: String,
    ends: Vec<u32>,
    /// Per row: its number in the sheet and the index of its first cell in `ends`.
    rows: Vec<(usize, u32)>,
}

impl Packed {
    fn push<'r>(&mut self, n: usize, cells: impl Iterator<Item = &'r str>) {
        self.rows.push((n, self.ends.len() as u32));
        for cell in cells {
            self.text.push_str(cell);
            self.ends.push(self.text.len() as u32);
        }
    }

    /// Field `c` of row `i` (an index into `rows`).
    fn field(&self, i: usize, c: usize) -> Option<&str> {
        let (_, first) = self.rows[i];
        let last = self.rows.get(i + 1).map_or(self.ends.len(), |r| r.1 as usize);
        let k = first as usize + c;
        (k < last).then(|| {
            let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
            &self.text[start..self.ends[k] as usize]
        })
    }

    /// Row `i` (an index into `rows`) as a record again, with its row number.
    fn record(&self, i: usize) -> (usize, StringRecord) {
        let (n, first) = self.rows[i];
        let last = self.rows.get(i + 1).map_or(self.ends.len() as u32, |r| r.1);
        let mut start = if first == 0 { 0 } else { self.ends[first as usize - 1] as usize };
        let mut rec = StringRecord::with_capacity(0, (last - first) as usize);
        for &end in &self.ends[first as usize..last as usize] {
            rec.push_field(&self.text[start..end as usize]);
            start = end as usize;
        }
        (n, rec)
    }
}

/// A county's stored digests by id, read once.
type CountyDigests = Arc<OnceLock<FxHashMap<String, String>>>;

/// The stored digests, read a county at a time by whichever worker first needs them (the
/// other workers go on meanwhile).
struct StoredByCounty<'a> {
    fetch: StoredDigests<'a>,
    counties: Mutex<FxHashMap<String, CountyDigests>>,
}

impl<'a> StoredByCounty<'a> {
    fn new(fetch: StoredDigests<'a>) -> Self {
        StoredByCounty { fetch, counties: Mutex::new(FxHashMap::default()) }
    }

    /// The stored digests of the county of household `id`.
    fn county(&self, id: &str) -> CountyDigests {
        let county = id.get(..6).unwrap_or(id);
        let cell = self.counties.lock().expect("county map").entry(county.to_string()).or_default().clone();
        cell.get_or_init(|| (self.fetch)(county, &format!("{county}:")).into_iter().collect());
        cell
    }
}

/// Consecutive rows of one household in one sheet, as read, with the digest of their cells
/// (the household's part of `sheet::file_digest`). `matched`: the digest equals the stored
/// file's part, and the rows were not kept (a member row keeps its ID number alone).
struct RawRun {
    id: String,
    digest: u64,
    matched: bool,
    /// For member rows: the stored file's digest, if there is a stored file with this id.
    stored: Option<String>,
    batch: Arc<Packed>,
    rows: std::ops::Range<usize>,
}

impl RawRun {
    fn records(&self) -> Vec<(usize, StringRecord)> {
        self.rows.clone().map(|i| self.batch.record(i)).collect()
    }
}

/// Cuts a batch into runs of one household and digests each run's cells. Nothing is parsed
/// yet, and a run equal to its stored part is not even kept: most rows of a county's file are
/// unchanged.
fn raw_runs(t: &Table, rows: &[(usize, StringRecord)], stored: &StoredByCounty<'_>) -> Vec<RawRun> {
    let digested = t.kind.digested(t.names.len());
    // (id, digest, first row, end row) of each run.
    let mut runs: Vec<(String, u64, usize, usize)> = vec![];
    let mut digest = PartDigest::default();
    for (i, (_, row)) in rows.iter().enumerate() {
        if runs.last().is_none_or(|r| r.0 != t.id(row)) {
            if let Some(last) = runs.last_mut() {
                last.1 = std::mem::take(&mut digest).finish();
            }
            runs.push((t.id(row).to_string(), 0, i, i));
        }
        for c in 0..digested {
            digest.cell(t.cell(row, c));
        }
        digest.end_row();
        runs.last_mut().expect("pushed above").3 = i + 1;
    }
    if let Some(last) = runs.last_mut() {
        last.1 = digest.finish();
    }
    let mut county: Option<(String, CountyDigests)> = None;
    let compared: Vec<(bool, Option<String>)> = runs
        .iter()
        .map(|(id, digest, _, _)| {
            let prefix = id.get(..6).unwrap_or(id);
            if county.as_ref().is_none_or(|(c, _)| c != prefix) {
                county = Some((prefix.to_string(), stored.county(id)));
            }
            let found = county.as_ref().and_then(|(_, c)| c.get()).and_then(|m| m.get(id));
            let matched = found.is_some_and(|d| digest_part(d, t.kind.part()) == Some(*digest));
            (matched, found.filter(|_| t.kind == Kind::Members).cloned())
        })
        .collect();
    // Sized exactly: grown buffers would fault in fresh pages again and again.
    let id_number = member_col(3);
    let (mut text, mut ends) = (0, 0);
    for ((_, _, a, b), (matched, _)) in runs.iter().zip(&compared) {
        for (_, row) in &rows[*a..*b] {
            match (matched, t.kind) {
                (false, _) => (text, ends) = (text + row.as_slice().len(), ends + row.len()),
                (true, Kind::Members) => (text, ends) = (text + t.cell(row, id_number).len(), ends + 1),
                (true, _) => {}
            }
        }
    }
    let mut packed = Packed { text: String::with_capacity(text), ends: Vec::with_capacity(ends), rows: Vec::with_capacity(rows.len()) };
    for ((_, _, a, b), (matched, _)) in runs.iter().zip(&compared) {
        for (n, row) in &rows[*a..*b] {
            match (matched, t.kind) {
                (false, _) => packed.push(*n, row.iter()),
                (true, Kind::Members) => packed.push(*n, std::iter::once(t.cell(row, id_number))),
                (true, _) => {}
            }
        }
    }
    let batch = Arc::new(packed);
    let mut at = 0;
    runs.into_iter()
        .zip(compared)
        .map(|((id, digest, a, b), (matched, stored))| {
            let len = if matched && t.kind != Kind::Members { 0 } else { b - a };
            at += len;
            RawRun { id, digest, matched, stored, batch: batch.clone(), rows: at - len..at }
        })
        .collect()
}

/// A household's rows as read, sheet by sheet, with the digest of each sheet's rows.
struct Gathered {
    id: String,
    parts: [Option<u64>; 4],
    /// A sheet held this household's rows in more than one place: its digest says nothing,
    /// so the household is parsed and compared in full.
    split: bool,
    /// Some of its runs equalled the stored file and were not kept: to parse it, it is read
    /// again.
    partial: bool,
    /// The runs kept whole, in file order.
    runs: Vec<(Arc<Table>, RawRun)>,
    /// The member runs not kept: their rows' ID numbers.
    people: Vec<RawRun>,
    /// The stored file's digest, if there is a stored file with this id.
    stored: Option<String>,
}

/// The households read so far, in order of first appearance, and where each id is.
#[derive(Default)]
struct Gathering {
    list: Vec<Gathered>,
    index: FxHashMap<String, usize>,
    /// Ids of rows in the other sheets, equal to a stored file's, that the members sheet lacks:
    /// read again to report each row.
    orphans: std::collections::HashSet<String>,
}

impl Gathering {
    fn add(&mut self, errs: &mut Errors, t: &Arc<Table>, mut run: RawRun) {
        let part = t.kind.part() as usize;
        let i = match self.index.get(&run.id) {
            Some(&i) => {
                let g = &mut self.list[i];
                g.split |= g.parts[part].is_some();
                i
            }
            None if t.kind == Kind::Members => {
                let g = Gathered {
                    id: run.id.clone(),
                    parts: [None; 4],
                    split: false,
                    partial: false,
                    runs: vec![],
                    people: vec![],
                    stored: run.stored.take(),
                };
                self.index.insert(run.id.clone(), self.list.len());
                self.list.push(g);
                self.list.len() - 1
            }
            None if run.matched => {
                self.orphans.insert(run.id);
                return;
            }
            None => {
                for i in run.rows.clone() {
                    errs.push(t, run.batch.rows[i].0, ID, &run.id, "户编号不在贫困户成员表中".into());
                }
                return;
            }
        };
        let g = &mut self.list[i];
        g.parts[part] = Some(run.digest);
        match (run.matched, t.kind) {
            (false, _) => g.runs.push((t.clone(), run)),
            (true, Kind::Members) => {
                g.partial = true;
                g.people.push(run);
            }
            (true, _) => g.partial = true,
        }
    }
}

/// Consecutive rows of one household in one sheet, parsed.
struct Run {
    id: String,
    /// The row number of each row, in order.
    rows: Vec<usize>,
    part: RunPart,
}

enum RunPart {
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

/// Parses a household's rows of one sheet; later member rows are checked against the first.
fn parse_run(errs: &mut Errors, t: &Table, raw: &RawRun) -> Option<Run> {
    let records = raw.records();
    let ((n0, row0), rest) = records.split_first()?;
    let part = match t.kind {
        Kind::Members => RunPart::Members { first: first_row(t, row0, *n0), hash: household_cells_hash(t, row0), members: vec![] },
        _ => RunPart::Others(vec![]),
    };
    let mut run = Run { id: raw.id.clone(), rows: Vec::with_capacity(records.len()), part };
    for (i, (n, row)) in std::iter::once((n0, row0)).chain(rest.iter().map(|(n, r)| (n, r))).enumerate() {
        let n = *n;
        run.rows.push(n);
        match &mut run.part {
            RunPart::Members { first, hash, members } => {
                if i > 0 && household_cells_hash(t, row) != *hash {
                    let col = disagreeing_column(&first.2, &household_cells(t, row));
                    let value = HOUSEHOLD_HEADERS.iter().position(|c| *c == col).map_or("", |i| t.cell(row, i));
                    errs.push(t, n, col, value, format!("同一户各行的户信息应一致（与该户第一行不同：{col}）"));
                }
                members.extend(member_from(errs, t, row, n).map(|m| (n, m)));
            }
            RunPart::Others(items) => items.push((n, parse_other_row(errs, t, n, row))),
        }
    }
    Some(run)
}

/// The first household column where two rows' joined cells differ.
fn disagreeing_column(a: &str, b: &str) -> &'static str {
    HOUSEHOLD_HEADERS.iter().zip(a.split('\u{1f}').zip(b.split('\u{1f}'))).find(|(_, (x, y))| x != y).map_or(ID, |(c, _)| c)
}

fn parse_other_row(errs: &mut Errors, t: &Table, n: usize, row: &StringRecord) -> Item {
    match t.kind {
        Kind::Incomes => {
            let year = cell!(errs, t, row, n, 1, |v| parse_int(v, "年度", 2010..=2035));
            let m: Vec<Option<fupin_domain::Yuan>> = (2..9).map(|i| cell!(errs, t, row, n, i, parse_money)).collect();
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
        }
        Kind::Measures => {
            let no = cell!(errs, t, row, n, 1, |v| parse_int(v, "措施序号", 1..=999));
            let path = cell!(errs, t, row, n, 2, fupin_domain::registry::codes::Path::parse);
            let amount = cell!(errs, t, row, n, 4, parse_money);
            let year = cell!(errs, t, row, n, 6, |v| parse_int(v, "年度", 2010..=2035));
            Item::Measure(match (no, path, amount, year) {
                (Some(no), Some(path), Some(amount), Some(year)) => Some(Measure {
                    no,
                    path,
                    name: t.cell(row, 3).to_string(),
                    amount,
                    unit: t.cell(row, 5).to_string(),
                    year: year as i32,
                }),
                _ => None,
            })
        }
        Kind::Pairs | Kind::Members => {
            let helper_id = t.cell(row, 1).to_string();
            if helper_id.is_empty() {
                errs.push(t, n, t.names[1], "", "帮扶责任人编号不能为空".into());
                return Item::Helper(None);
            }
            Item::Helper(Some(Helper {
                id: helper_id,
                name: t.cell(row, 2).to_string(),
                unit: t.cell(row, 3).to_string(),
                phone: String::new(),
            }))
        }
    }
}

/// A household parsed: its first row, (household cells, their hash), the file, each member's row.
type ParsedFile = (usize, (String, u64), Household, Vec<usize>);

/// The households parsed so far, and each id's place.
#[derive(Default)]
struct Files {
    list: Vec<ParsedFile>,
    index: FxHashMap<String, usize>,
}

/// What the first row of a household gives: its fields parsed (with their problems) and its
/// household cells joined, for locating a later row's disagreement.
type FirstRow = (Option<Household>, Vec<RowError>, String);

fn first_row(t: &Table, row: &StringRecord, n: usize) -> FirstRow {
    let mut own = Errors(vec![]);
    (household_from(&mut own, t, row, n), own.0, household_cells(t, row))
}

/// Parses the gathered households (each in its sheets' order) into files.
fn parse_gathered(list: &[Gathered]) -> (Files, Vec<RowError>) {
    let mut errs = Errors(vec![]);
    let mut files = Files::default();
    for g in list {
        for (t, raw) in &g.runs {
            if let Some(run) = parse_run(&mut errs, t, raw) {
                add_run(&mut errs, t, run, &mut files);
            }
        }
    }
    (files, errs.0)
}

/// The stored digests `(id, digest)` of the files with ids from the first to the last given
/// (both included).
pub type StoredDigests<'a> = &'a (dyn Fn(&str, &str) -> Vec<(String, String)> + Sync);

/// Reads and checks a whole file, parsing every household; either every household parses or
/// every problem is listed.
pub fn read_file(path: &Path) -> Result<Parsed, ReadError> {
    read_file_against(path, &|_, _| vec![])
}

/// Reads a file and checks it against what is stored: a household whose rows, sheet by sheet,
/// digest to what its stored file digests to is unchanged and is not parsed; the others are
/// parsed and checked, and either every one of them parses or every problem is listed.
///
/// The households to parse are parsed on all cores.
pub fn read_file_against(path: &Path, stored: StoredDigests<'_>) -> Result<Parsed, ReadError> {
    let mut errs = Errors(vec![]);
    let stored = StoredByCounty::new(stored);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let (mut gathering, kinds) = gather(path, &stored, workers, None, &mut errs)?;
    let has = |k: Kind| kinds.contains(&k);
    let (has_incomes, has_measures, has_pairs) = (has(Kind::Incomes), has(Kind::Measures), has(Kind::Pairs));

    // Unchanged: every table the file carries digests, for this household, to the stored part.
    let empty = PartDigest::default().finish();
    let carried: Vec<Kind> = [Kind::Members, Kind::Incomes, Kind::Measures, Kind::Pairs].into_iter().filter(|k| has(*k)).collect();
    let (unchanged, mut to_parse): (Vec<Gathered>, Vec<Gathered>) = std::mem::take(&mut gathering.list).into_iter().partition(|g| {
        let same =
            |digest: &String| carried.iter().all(|k| digest_part(digest, k.part()) == Some(g.parts[k.part() as usize].unwrap_or(empty)));
        g.stored.as_ref().is_some_and(|d| !g.split && same(d))
    });
    // Households changed in one table but not in another were not kept whole: their rows are
    // read again (as are rows the members sheet lacks, to report each one).
    let (partial, whole): (Vec<Gathered>, Vec<Gathered>) = to_parse.into_iter().partition(|g| g.partial);
    to_parse = whole;
    if !partial.is_empty() || !gathering.orphans.is_empty() {
        let mut again: std::collections::HashSet<String> = partial.iter().map(|g| g.id.clone()).collect();
        again.extend(gathering.orphans.iter().cloned());
        let no_stored = |_: &str, _: &str| vec![];
        let (reread, _) = gather(path, &StoredByCounty::new(&no_stored), workers, Some(&again), &mut errs)?;
        to_parse.extend(reread.list);
    }

    let parsed = fupin_store::on_all_cores(&to_parse, workers, parse_gathered);
    drop(to_parse);
    let mut list = vec![];
    for (files, e) in parsed {
        list.extend(files.list);
        errs.0.extend(e);
    }
    // One person in two households of the file, unchanged ones included (their ID numbers
    // kept from the rows).
    let parsed_people = list
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, h, rows))| h.members.iter().zip(rows).map(move |(m, n)| (m.id_number.as_str(), i, *n)));
    let parsed_count = list.len();
    let unchanged_people = unchanged.iter().enumerate().flat_map(|(j, g)| {
        g.people.iter().flat_map(move |run| {
            run.rows.clone().map(move |i| (run.batch.field(i, 0).unwrap_or(""), parsed_count + j, run.batch.rows[i].0))
        })
    });
    one_person_one_household(parsed_people.chain(unchanged_people), &mut errs);
    let unchanged: Vec<(String, String)> = unchanged.into_iter().map(|g| (g.id, g.stored.expect("compared above"))).collect();
    list.sort_unstable_by(|a, b| a.2.id.cmp(&b.2.id));
    let mut out = Vec::with_capacity(list.len());
    for (first_row, _, mut h, _) in list {
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
        Ok(Parsed { files: out, unchanged, has_incomes, has_measures, has_pairs })
    } else {
        // A row read twice (a household read again) reports its problems once.
        errs.0.sort_by(|a, b| (a.sheet.as_str(), a.row, &a.column, &a.reason).cmp(&(b.sheet.as_str(), b.row, &b.column, &b.reason)));
        errs.0.dedup();
        Err(ReadError::Rows(errs.0))
    }
}

/// Reads the file's rows (only those of the households `only` names, if given) into runs per
/// household. One thread reads records, workers cut the rows into runs and digest them batch by
/// batch (comparing them with the stored digests), and this thread gathers the runs in order.
fn gather(
    path: &Path,
    stored: &StoredByCounty<'_>,
    workers: usize,
    only: Option<&std::collections::HashSet<String>>,
    errs: &mut Errors,
) -> Result<(Gathering, Vec<Kind>), ReadError> {
    let mut gathering = Gathering::default();
    let kinds = std::thread::scope(|s| {
        let (raw_tx, raw_rx) = mpsc::sync_channel::<(usize, Arc<Table>, Vec<(usize, StringRecord)>)>(4 * workers);
        let raw_rx = Arc::new(Mutex::new(raw_rx));
        let (out_tx, out_rx) = mpsc::channel::<(usize, Arc<Table>, Vec<RawRun>)>();
        // Records go back to the reader once digested: their buffers are reused, not reallocated.
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
            each_batch(path, fresh, |t, mut rows| {
                if let Some(only) = only {
                    rows.retain(|(_, r)| only.contains(t.id(r)));
                }
                // The receivers outlive the reader unless a worker panicked; then the join reports it.
                let _ = raw_tx.send((seq, t.clone(), rows));
                seq += 1;
            })
        });
        for _ in 0..workers {
            let (raw_rx, out_tx, spare_tx) = (raw_rx.clone(), out_tx.clone(), spare_tx.clone());
            s.spawn(move || loop {
                let Ok((seq, t, rows)) = raw_rx.lock().expect("batch queue").recv() else { return };
                let runs = raw_runs(&t, &rows, stored);
                let _ = spare_tx.try_send(rows.into_iter().map(|(_, r)| r).collect());
                if out_tx.send((seq, t, runs)).is_err() {
                    return;
                }
            });
        }
        drop(out_tx);
        drop(spare_tx);
        let mut pending: BTreeMap<usize, (Arc<Table>, Vec<RawRun>)> = BTreeMap::new();
        let mut next = 0;
        for (seq, t, runs) in out_rx {
            pending.insert(seq, (t, runs));
            while let Some((t, runs)) = pending.remove(&next) {
                next += 1;
                for run in runs {
                    gathering.add(errs, &t, run);
                }
            }
        }
        reader.join().map_err(|_| ReadError::Malformed("读取文件的线程异常退出".into()))?
    })?;
    Ok((gathering, kinds))
}

/// One ID number in two households of the file: the later row is reported, naming the earlier.
/// `people` gives each member row as (ID number, household, row number).
fn one_person_one_household<'a>(people: impl Iterator<Item = (&'a str, usize, usize)>, errs: &mut Errors) {
    let mut seen: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
    for (id_number, i, n) in people {
        match seen.get(id_number) {
            Some(&(j, r)) if j != i => {
                let (later, earlier) = if n > r { (n, r) } else { (r, n) };
                errs.0.push(RowError {
                    sheet: MEMBERS.into(),
                    row: later,
                    column: MEMBER_HEADERS[3].into(),
                    value: id_number.into(),
                    reason: format!("同一身份证号在文件中出现在两户（另见第{earlier}行）"),
                });
            }
            Some(_) => {}
            None => {
                seen.insert(id_number, (i, n));
            }
        }
    }
}

/// Puts a run of rows into its household, in file order.
fn add_run(errs: &mut Errors, t: &Table, run: Run, files: &mut Files) {
    let Run { id, rows, part } = run;
    let at = files.index.get(&id).copied();
    match (part, at) {
        (RunPart::Members { first, hash, members }, Some(i)) => {
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
        (RunPart::Members { first: (parsed, problems, cells), hash, members }, None) => {
            errs.0.extend(problems);
            if let Some(mut h) = parsed {
                let member_rows = members.iter().map(|(n, _)| *n).collect();
                h.members = members.into_iter().map(|(_, m)| m).collect();
                files.index.insert(id, files.list.len());
                files.list.push((rows[0], (cells, hash), h, member_rows));
            }
        }
        (RunPart::Others(_), None) => {
            for n in rows {
                errs.push(t, n, ID, &id, "户编号不在贫困户成员表中".into());
            }
        }
        (RunPart::Others(items), Some(i)) => {
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
        if t.kind == Kind::Members {
            for (n, row) in rows {
                out.entry(t.id(&row).to_string()).or_insert(n);
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
