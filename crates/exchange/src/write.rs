//! Export: xlsx with one sheet per table (members split over several sheets past Excel's row
//! limit), or CSV files side by side; and the error report of a rejected import.

use crate::layout::*;
use crate::read::RowError;
use fupin_domain::access::{Caller, PiiView};
use fupin_domain::registry::household::Household;
use fupin_domain::RegionCode;
use fupin_store::prelude::*;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone)]
pub struct ExportOutcome {
    pub households: u64,
    pub people: u64,
    pub files: Vec<PathBuf>,
}

fn xerr(e: XlsxError) -> String {
    format!("写入xlsx失败：{e}")
}

/// Rows of the four tables for a batch of files.
struct Tables {
    members: Vec<Vec<String>>,
    incomes: Vec<Vec<String>>,
    measures: Vec<Vec<String>>,
    pairs: Vec<Vec<String>>,
}

/// The rows of a batch, the personal cells masked as `pii` says (only member rows, with their
/// household's cells, hold personal data).
fn tables(files: &[Household], pii: PiiView) -> Tables {
    let mut t = Tables { members: vec![], incomes: vec![], measures: vec![], pairs: vec![] };
    let headers = member_headers();
    for h in files {
        let hc = household_cells(h);
        for m in &h.members {
            let mut row = hc.clone();
            row.extend(member_cells(m));
            mask_row(&headers, &mut row, pii);
            t.members.push(row);
        }
        t.incomes.extend(h.incomes.iter().map(|i| income_cells(&h.id, i)));
        t.measures.extend(h.measures.iter().map(|m| measure_cells(&h.id, m)));
        for x in &h.helpers {
            t.pairs.push(vec![h.id.clone(), x.id.clone(), x.name.clone(), x.unit.clone()]);
        }
    }
    t
}

fn member_headers() -> Vec<&'static str> {
    HOUSEHOLD_HEADERS.iter().chain(MEMBER_HEADERS).copied().collect()
}

/// A sheet being filled row by row.
struct SheetWriter {
    name: &'static str,
    headers: Vec<&'static str>,
    index: usize,
    row: u32,
}

fn new_sheet(wb: &mut Workbook, name: String, headers: &[&str], bold: &Format) -> Result<(), String> {
    let ws: &mut Worksheet = wb.add_worksheet_with_constant_memory().map_err(xerr)?;
    ws.set_name(&name).map_err(xerr)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold).map_err(xerr)?;
    }
    Ok(())
}

/// Exports every file in `region` the caller may read to `path` (.xlsx or .csv).
pub fn export(store: &dyn Store, caller: &Caller, region: &RegionCode, path: &Path, at: &str) -> Result<ExportOutcome, String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if !matches!(ext.as_str(), "xlsx" | "csv") {
        return Err(format!("不支持的导出格式“{ext}”：请用 .xlsx 或 .csv"));
    }
    // What the caller's role may see unmasked in a spreadsheet; the rest is masked cell by cell.
    let pii = caller.role.export_pii();
    let mut out = ExportOutcome::default();
    let mut batches = vec![];
    let mut after: Option<String> = None;
    loop {
        let files = store.files_in(caller, region, after.as_deref(), 2000).map_err(|e| e.to_string())?;
        let Some(last) = files.last() else { break };
        after = Some(last.id.clone());
        out.households += files.len() as u64;
        out.people += files.iter().map(|h| h.size() as u64).sum::<u64>();
        batches.push(tables(&files, pii));
    }
    // Every export that shows personal data is audited: who, which region, how many rows, when.
    if pii.any() && out.households > 0 {
        let what = format!("export:{};households={};people={}", pii.fields(), out.households, out.people);
        store.audit_pii(caller, &format!("export:{region}"), &what, at).map_err(|e| e.to_string())?;
    }
    if ext == "xlsx" {
        write_xlsx(path, &batches)?;
    } else {
        out.files = write_csv(path, &batches)?;
    }
    if out.files.is_empty() {
        out.files.push(path.to_path_buf());
    }
    Ok(out)
}

fn write_xlsx(path: &Path, batches: &[Tables]) -> Result<(), String> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    // Constant-memory sheets must be written one after the other, in full.
    let tables: [(&str, Vec<&'static str>, fn(&Tables) -> &Vec<Vec<String>>); 4] = [
        (MEMBERS, member_headers(), |t| &t.members),
        (INCOMES, INCOME_HEADERS.to_vec(), |t| &t.incomes),
        (MEASURES, MEASURE_HEADERS.to_vec(), |t| &t.measures),
        (PAIRS, PAIR_HEADERS.to_vec(), |t| &t.pairs),
    ];
    for (name, headers, rows_of) in tables {
        let mut w = SheetWriter { name, headers, index: 1, row: 0 };
        new_sheet(&mut wb, w.name.to_string(), &w.headers, &bold)?;
        for batch in batches {
            for row in rows_of(batch) {
                if w.row as usize >= MAX_ROWS {
                    w.index += 1;
                    w.row = 0;
                    new_sheet(&mut wb, format!("{}({})", w.name, w.index), &w.headers, &bold)?;
                }
                w.row += 1;
                let ws = wb.worksheets_mut().last_mut().ok_or("no sheet")?;
                for (c, v) in row.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(w.row, c as u16, v).map_err(xerr)?;
                    }
                }
            }
        }
    }
    wb.save(path).map_err(xerr)
}

/// Sibling CSV file for a table: `x.csv` → `x-年度收入.csv`.
pub fn sibling(path: &Path, table: &str) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("export");
    path.with_file_name(format!("{stem}-{table}.csv"))
}

fn write_csv(path: &Path, batches: &[Tables]) -> Result<Vec<PathBuf>, String> {
    let tables: [(PathBuf, Vec<&'static str>, fn(&Tables) -> &Vec<Vec<String>>); 4] = [
        (path.to_path_buf(), member_headers(), |t| &t.members),
        (sibling(path, INCOMES), INCOME_HEADERS.to_vec(), |t| &t.incomes),
        (sibling(path, MEASURES), MEASURE_HEADERS.to_vec(), |t| &t.measures),
        (sibling(path, PAIRS), PAIR_HEADERS.to_vec(), |t| &t.pairs),
    ];
    let mut files = vec![];
    for (p, headers, rows_of) in tables {
        let file = std::fs::File::create(&p).map_err(|e| format!("无法写入{}：{e}", p.display()))?;
        let mut buf = std::io::BufWriter::new(file);
        // A byte-order mark, so that Excel opens the UTF-8 file with Chinese intact.
        std::io::Write::write_all(&mut buf, "\u{feff}".as_bytes()).map_err(|e| e.to_string())?;
        let mut w = csv::Writer::from_writer(buf);
        w.write_record(&headers).map_err(|e| e.to_string())?;
        for batch in batches {
            for row in rows_of(batch) {
                w.write_record(row).map_err(|e| e.to_string())?;
            }
        }
        w.flush().map_err(|e| e.to_string())?;
        files.push(p);
    }
    Ok(files)
}

/// The report of a rejected import: one row per problem (sheet, row, column, value, reason).
pub fn write_error_report(path: &Path, errors: &[RowError]) -> Result<(), String> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("导入错误").map_err(xerr)?;
    for (c, h) in ["工作表", "行号", "列", "值", "原因"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    for (i, e) in errors.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &e.sheet).map_err(xerr)?;
        ws.write_number(r, 1, e.row as f64).map_err(xerr)?;
        ws.write_string(r, 2, &e.column).map_err(xerr)?;
        ws.write_string(r, 3, &e.value).map_err(xerr)?;
        ws.write_string(r, 4, &e.reason).map_err(xerr)?;
    }
    wb.save(path).map_err(xerr)
}

/// `x.xlsx` → `x.errors.xlsx`, beside the input.
pub fn report_path(input: &Path) -> PathBuf {
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("import");
    input.with_file_name(format!("{stem}.errors.xlsx"))
}
