//! 大数据比对: a department's register (xlsx or CSV with at least 公民身份号码, 姓名 and 日期;
//! the other columns kept as details) read row by row and matched against the store's people
//! index. Every row is checked; on any problem nothing is recorded and the rows are reported as
//! the household import reports them. The register is streamed, never held: only the rows that
//! name a member of a checked file are kept, so a province's ten million rows need the memory
//! of the index and the matches alone.

use crate::read::RowError;
use crate::ImportFailure;
use calamine::{open_workbook, Data, Reader, Xlsx};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::integrity::{Record, RegisterKind, DATE_COLUMN, ID_COLUMN, NAME_COLUMN};
use fupin_store::integrity::{Batch, PeopleIndex, Person, RegisterRun};
use fupin_store::Store;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Problems listed before reading stops: a wrong file need not be read to its end to be refused.
pub const MAX_PROBLEMS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct RegisterOutcome {
    pub batch: Batch,
    /// Members the register was matched against.
    pub people: usize,
    pub seconds: f64,
}

/// Where the three columns are, and the headers of the others.
struct Columns {
    id: usize,
    name: usize,
    date: usize,
    headers: Vec<String>,
}

impl Columns {
    fn find(kind: RegisterKind, headers: Vec<String>) -> Result<Columns, String> {
        let at = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
        let id = at(&[ID_COLUMN, "身份证号码", "身份证号"]);
        let name = at(&[NAME_COLUMN]);
        let date = at(&[DATE_COLUMN, kind.date_label()]);
        match (id, name, date) {
            (Some(id), Some(name), Some(date)) => Ok(Columns { id, name, date, headers }),
            _ => {
                let missing: Vec<&str> = [(id, ID_COLUMN), (name, NAME_COLUMN), (date, DATE_COLUMN)]
                    .into_iter()
                    .filter(|(at, _)| at.is_none())
                    .map(|(_, n)| n)
                    .collect();
                Err(format!("比对文件缺少列：{}（表头须含{ID_COLUMN}、{NAME_COLUMN}、{DATE_COLUMN}）", missing.join("、")))
            }
        }
    }

    /// The row's other non-empty columns, by header.
    fn details<'a>(&self, cells: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
        cells
            .enumerate()
            .filter(|(i, c)| ![self.id, self.name, self.date].contains(i) && !c.trim().is_empty())
            .map(|(i, c)| (self.headers.get(i).cloned().unwrap_or_else(|| format!("第{}列", i + 1)), c.trim().chars().take(200).collect()))
            .collect()
    }
}

/// What reading found: the matching rows and the problems.
struct Scan<'a> {
    index: &'a PeopleIndex,
    today: Date,
    sheet: String,
    rows: u64,
    found: Vec<(Record, Person)>,
    problems: Vec<RowError>,
}

impl Scan<'_> {
    fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }

    /// One data row (`n` as the spreadsheet numbers it); `cell(i)` gives column `i`.
    fn row<'c>(&mut self, cols: &Columns, n: usize, cell: impl Fn(usize) -> &'c str, all: impl Iterator<Item = &'c str>) {
        let (id, name, date) = (cell(cols.id), cell(cols.name), cell(cols.date));
        if id.trim().is_empty() && name.trim().is_empty() && date.trim().is_empty() {
            return;
        }
        self.rows += 1;
        match Record::parse(id, name, date, self.today) {
            Ok((id_number, name, date)) => {
                if let Some(p) = self.index.find(&id_number) {
                    self.found.push((Record { id_number, name, date, details: cols.details(all) }, p));
                }
            }
            Err(e) => {
                let column = match e.code {
                    c if c.starts_with("id_number") => ID_COLUMN,
                    "integrity.name" => NAME_COLUMN,
                    _ => DATE_COLUMN,
                };
                let value = [(ID_COLUMN, id), (NAME_COLUMN, name), (DATE_COLUMN, date)].iter().find(|(c, _)| *c == column).map_or("", |x| x.1);
                self.problems.push(RowError { sheet: self.sheet.clone(), row: n, column: column.into(), value: value.into(), reason: e.message });
            }
        }
    }
}

fn read_csv(path: &Path, kind: RegisterKind, scan: &mut Scan<'_>) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("无法打开比对文件：{e}"))?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(1 << 20).from_reader(file);
    let mut record = csv::ByteRecord::new();
    let text = |b: &[u8]| std::str::from_utf8(b).map(|s| s.to_string()).map_err(|_| "比对文件不是UTF-8编码：请另存为UTF-8的CSV或xlsx".to_string());
    if !rdr.read_byte_record(&mut record).map_err(|e| format!("无法读取比对文件：{e}"))? {
        return Err("比对文件是空的".into());
    }
    let headers: Vec<String> = record.iter().enumerate().map(|(i, h)| {
        let h = text(h)?;
        Ok(if i == 0 { h.trim_start_matches('\u{feff}').to_string() } else { h })
    }).collect::<Result<_, String>>()?;
    let cols = Columns::find(kind, headers)?;
    let mut n = 1;
    while rdr.read_byte_record(&mut record).map_err(|e| format!("第{}行无法读取：{e}", n + 1))? {
        n += 1;
        let Ok(cells) = record.iter().map(std::str::from_utf8).collect::<Result<Vec<&str>, _>>() else {
            return Err(format!("第{n}行不是UTF-8编码：请另存为UTF-8的CSV或xlsx"));
        };
        scan.row(&cols, n, |i| cells.get(i).copied().unwrap_or(""), cells.iter().copied());
        if scan.full() {
            break;
        }
    }
    Ok(())
}

/// A cell as text; dates as `YYYY-MM-DD` (Excel counts days from 1899-12-30).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::DateTime(dt) => Date::from_day_number(dt.as_f64().floor() as i64 - 25_569).to_string(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        other => other.to_string(),
    }
}

fn read_xlsx(path: &Path, kind: RegisterKind, scan: &mut Scan<'_>) -> Result<(), String> {
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| format!("无法读取xlsx文件：{e}"))?;
    let mut read_any = false;
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).map_err(|e| format!("无法读取工作表{sheet}：{e}"))?;
        let mut rows = range.rows();
        let Some(head) = rows.next() else { continue };
        let Ok(cols) = Columns::find(kind, head.iter().map(cell_text).collect()) else { continue };
        read_any = true;
        scan.sheet = sheet.clone();
        for (i, row) in rows.enumerate() {
            let cells: Vec<String> = row.iter().map(cell_text).collect();
            scan.row(&cols, i + 2, |c| cells.get(c).map_or("", String::as_str), cells.iter().map(String::as_str));
            if scan.full() {
                return Ok(());
            }
        }
    }
    if read_any {
        Ok(())
    } else {
        Columns::find(kind, vec![]).map(|_| ())
    }
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(hex::encode(h.finalize()));
        }
        h.update(&buf[..n]);
    }
}

/// Matches a register file over the caller's region and records the matches: all or nothing.
/// `file_name` is the name the batch records (an upload's own name, not its temporary path).
pub fn match_register(
    store: &dyn Store,
    caller: &Caller,
    kind: RegisterKind,
    path: &Path,
    file_name: &str,
    at: &str,
) -> Result<RegisterOutcome, ImportFailure> {
    let started = std::time::Instant::now();
    let index = store.people_index(caller).map_err(refused)?;
    let mut o = match_register_in(store, caller, &index, kind, path, file_name, at)?;
    o.seconds = started.elapsed().as_secs_f64();
    Ok(o)
}

fn refused(e: fupin_store::StoreError) -> ImportFailure {
    match e {
        fupin_store::StoreError::Forbidden(m) => ImportFailure::Forbidden(m),
        e => ImportFailure::Malformed(e.to_string()),
    }
}

/// `match_register` against an index already read (several registers matched in a row).
pub fn match_register_in(
    store: &dyn Store,
    caller: &Caller,
    index: &PeopleIndex,
    kind: RegisterKind,
    path: &Path,
    file_name: &str,
    at: &str,
) -> Result<RegisterOutcome, ImportFailure> {
    let started = std::time::Instant::now();
    let today = Date::parse(at.get(..10).unwrap_or(at)).map_err(|e| ImportFailure::Malformed(e.message))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let mut scan = Scan { index, today, sheet: "比对数据".into(), rows: 0, found: vec![], problems: vec![] };
    // The file's digest (which file was matched, for the record) on the other core.
    let (read, digest) = std::thread::scope(|s| {
        let digest = s.spawn(|| sha256_of(path));
        let read = match ext.as_str() {
            "xlsx" => read_xlsx(path, kind, &mut scan),
            "csv" | "txt" => read_csv(path, kind, &mut scan),
            _ => Err("比对文件应为xlsx或CSV".to_string()),
        };
        (read, digest.join())
    });
    read.map_err(ImportFailure::Malformed)?;
    let sha256 = match digest {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return Err(ImportFailure::Malformed(format!("无法读取比对文件：{e}"))),
        Err(_) => return Err(ImportFailure::Malformed("计算文件摘要的线程异常退出".into())),
    };
    if !scan.problems.is_empty() {
        return Err(ImportFailure::Rows(scan.problems));
    }
    if scan.rows == 0 {
        return Err(ImportFailure::Malformed("比对文件没有数据行".into()));
    }
    let run = RegisterRun { kind, file_name: file_name.to_string(), sha256, rows: scan.rows };
    let batch = store.record_register_matches(caller, index, &run, &scan.found, at).map_err(refused)?;
    Ok(RegisterOutcome { batch, people: index.len(), seconds: started.elapsed().as_secs_f64() })
}
