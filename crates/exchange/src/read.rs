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

/// One sheet as strings: a row is one record (one buffer for all its cells).
struct Table {
    sheet: String,
    index: FxHashMap<String, usize>,
    rows: Vec<(usize, StringRecord)>,
}

impl Table {
    fn new(sheet: String, mut rows: Vec<StringRecord>, required: &[&str], first_row: usize) -> Result<Table, ReadError> {
        if rows.is_empty() {
            return Err(ReadError::Malformed(format!("工作表“{sheet}”是空的")));
        }
        let header = rows.remove(0);
        let index: FxHashMap<String, usize> =
            header.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i)).collect();
        let missing: Vec<&str> = required.iter().filter(|h| !index.contains_key(**h)).copied().collect();
        if !missing.is_empty() {
            return Err(ReadError::Malformed(format!("工作表“{sheet}”缺少列：{}", missing.join("、"))));
        }
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + first_row + 1, r))
            .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
            .collect();
        Ok(Table { sheet, index, rows })
    }

    fn get<'a>(&self, row: &'a StringRecord, col: &str) -> &'a str {
        self.index.get(col).and_then(|i| row.get(*i)).map(|s| s.trim()).unwrap_or("")
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

fn read_tables_xlsx(path: &Path) -> Result<Vec<Table>, ReadError> {
    let mut wb: Xlsx<_> = open_workbook(path).map_err(|e| ReadError::Malformed(format!("不是有效的xlsx文件，或文件已损坏：{e}")))?;
    let names = wb.sheet_names().to_vec();
    if !names.iter().any(|n| n.starts_with(MEMBERS)) {
        return Err(ReadError::Malformed(format!("缺少工作表“{MEMBERS}”（文件中的工作表：{}）", names.join("、"))));
    }
    let member_headers: Vec<&str> = required(&HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect::<Vec<_>>());
    let income_headers = required(INCOME_HEADERS);
    let mut tables = vec![];
    for name in names {
        let required: &[&str] = if name.starts_with(MEMBERS) {
            &member_headers
        } else if name == INCOMES {
            &income_headers
        } else if name == MEASURES {
            MEASURE_HEADERS
        } else if name == PAIRS {
            &PAIR_HEADERS[..2]
        } else {
            continue;
        };
        let range = wb.worksheet_range(&name).map_err(|e| ReadError::Malformed(format!("无法读取工作表“{name}”：{e}")))?;
        let first = range.start().map_or(0, |(r, _)| r as usize);
        let rows: Vec<StringRecord> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
        tables.push(Table::new(name, rows, required, first + 1)?);
    }
    Ok(tables)
}

fn read_csv(path: &Path, sheet: &str, required: &[&str]) -> Result<Table, ReadError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| ReadError::Malformed(format!("无法打开{}：{e}", path.display())))?;
    let mut rows = vec![];
    for rec in r.records() {
        rows.push(rec.map_err(|e| ReadError::Malformed(format!("{}不是有效的CSV（须为UTF-8编码）：{e}", path.display())))?);
    }
    Table::new(sheet.to_string(), rows, required, 1)
}

fn read_tables_csv(path: &Path) -> Result<Vec<Table>, ReadError> {
    let member_headers: Vec<&str> = required(&HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect::<Vec<_>>());
    let mut tables = vec![read_csv(path, MEMBERS, &member_headers)?];
    let income_headers = required(INCOME_HEADERS);
    for (name, required) in [(INCOMES, &income_headers[..]), (MEASURES, MEASURE_HEADERS), (PAIRS, &PAIR_HEADERS[..2])] {
        let p = sibling(path, name);
        if p.exists() {
            tables.push(read_csv(&p, name, required)?);
        }
    }
    Ok(tables)
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

/// Reads and checks a whole file; either every household parses or every problem is listed.
pub fn read_file(path: &Path) -> Result<Parsed, ReadError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let tables = match ext.as_str() {
        "xlsx" => read_tables_xlsx(path)?,
        "csv" => read_tables_csv(path)?,
        _ => return Err(ReadError::Malformed(format!("不支持的文件类型“{ext}”：请上传 .xlsx 或 .csv"))),
    };
    let has = |name: &str| tables.iter().any(|t| t.sheet == name);
    let (has_incomes, has_measures, has_pairs) = (has(INCOMES), has(MEASURES), has(PAIRS));
    let mut errs = Errors(vec![]);
    // Household id → (its first row: line number, table, record), the file so far.
    let mut files: BTreeMap<String, (usize, (&Table, &StringRecord), Household)> = BTreeMap::new();
    let mut ids_seen: FxHashMap<&str, (&str, usize)> = FxHashMap::default();
    for t in tables.iter().filter(|t| t.sheet.starts_with(MEMBERS)) {
        for (n, row) in &t.rows {
            let id = t.get(row, ID);
            let member = member_from(&mut errs, t, row, *n);
            match files.get_mut(id) {
                Some((_, (ft, first), h)) => {
                    // Every row repeats its household's fields: they must agree with the first.
                    if let Some(col) = HOUSEHOLD_HEADERS.iter().find(|c| t.get(row, c) != ft.get(first, c)) {
                        errs.push(t, *n, col, t.get(row, col), format!("同一户各行的户信息应一致（与该户第一行不同：{col}）"));
                    }
                    if let Some(m) = member {
                        h.members.push(m);
                    }
                }
                None => {
                    if let Some(mut h) = household_from(&mut errs, t, row, *n) {
                        h.members.extend(member);
                        files.insert(id.to_string(), (*n, (t, row), h));
                    }
                }
            }
            let idn = t.get(row, MEMBER_HEADERS[3]);
            if !idn.is_empty() {
                if let Some((other, r)) = ids_seen.get(idn) {
                    if *other != id {
                        errs.push(t, *n, MEMBER_HEADERS[3], idn, format!("同一身份证号在文件中出现在两户（另见第{r}行）"));
                    }
                }
                ids_seen.insert(idn, (id, *n));
            }
        }
    }
    for t in tables.iter().filter(|t| !t.sheet.starts_with(MEMBERS)) {
        for (n, row) in &t.rows {
            let id = t.get(row, ID).to_string();
            let Some((_, _, h)) = files.get_mut(&id) else {
                errs.push(t, *n, ID, &id, "户编号不在贫困户成员表中".into());
                continue;
            };
            if t.sheet == INCOMES {
                let c = INCOME_HEADERS;
                let year = cell!(errs, t, row, *n, c[1], |v| parse_int(v, "年度", 2010..=2035));
                let m: Vec<Option<fupin_domain::Yuan>> = (2..9).map(|i| cell!(errs, t, row, *n, c[i], parse_money)).collect();
                if let (Some(y), true) = (year, m.iter().all(Option::is_some)) {
                    if h.incomes.iter().any(|i| i.year == y as i32) {
                        errs.push(t, *n, c[1], &y.to_string(), "同一户同一年度的收入出现两次".into());
                    }
                    let v: Vec<_> = m.into_iter().flatten().collect();
                    h.incomes.push(Income {
                        year: y as i32,
                        wage: v[0],
                        business: v[1],
                        property: v[2],
                        transfer: v[3],
                        transfer_excluded: v[4],
                        expenses: v[5],
                        hard_expenses: v[6],
                    });
                }
            } else if t.sheet == MEASURES {
                let c = MEASURE_HEADERS;
                let no = cell!(errs, t, row, *n, c[1], |v| parse_int(v, "措施序号", 1..=999));
                let path = cell!(errs, t, row, *n, c[2], fupin_domain::codes::Path::parse);
                let amount = cell!(errs, t, row, *n, c[4], parse_money);
                let year = cell!(errs, t, row, *n, c[6], |v| parse_int(v, "年度", 2010..=2035));
                if let (Some(no), Some(path), Some(amount), Some(year)) = (no, path, amount, year) {
                    h.measures.push(Measure {
                        no,
                        path,
                        name: t.get(row, c[3]).to_string(),
                        amount,
                        unit: t.get(row, c[5]).to_string(),
                        year: year as i32,
                    });
                }
            } else if t.sheet == PAIRS {
                let helper_id = t.get(row, PAIR_HEADERS[1]).to_string();
                if helper_id.is_empty() {
                    errs.push(t, *n, PAIR_HEADERS[1], "", "帮扶责任人编号不能为空".into());
                } else {
                    h.helpers.push(Helper {
                        id: helper_id,
                        name: t.get(row, PAIR_HEADERS[2]).to_string(),
                        unit: t.get(row, PAIR_HEADERS[3]).to_string(),
                        phone: String::new(),
                    });
                }
            }
        }
    }
    let mut out = Vec::with_capacity(files.len());
    let members_sheet = tables.iter().find(|t| t.sheet.starts_with(MEMBERS)).map(|t| t.sheet.clone()).unwrap_or_default();
    for (_, (first_row, _, mut h)) in files {
        h.incomes.sort_by_key(|i| i.year);
        h.measures.sort_by_key(|m| m.no);
        h.helpers.sort_by(|a, b| a.id.cmp(&b.id));
        if let Err(e) = h.validate() {
            errs.0.push(RowError {
                sheet: members_sheet.clone(),
                row: first_row,
                column: ID.into(),
                value: h.id.clone(),
                reason: e.message,
            });
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

/// The first row of each household in a file, to place store-level problems on a row.
pub fn first_rows(path: &Path) -> HashMap<String, usize> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let tables = match ext.as_str() {
        "xlsx" => read_tables_xlsx(path).unwrap_or_default(),
        _ => read_tables_csv(path).unwrap_or_default(),
    };
    let mut out = HashMap::new();
    for t in tables.iter().filter(|t| t.sheet.starts_with(MEMBERS)) {
        for (n, row) in &t.rows {
            out.entry(t.get(row, ID).to_string()).or_insert(*n);
        }
    }
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
