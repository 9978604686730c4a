//! Export and import on a small demo province, on SQLite and (with FUPIN_TEST_PG_URL)
//! PostgreSQL: round trips change nothing, edits apply once, bad files apply nothing.

use fupin_demo::BuildOptions;
use fupin_domain::access::Caller;
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::RegionCode;
use fupin_exchange::{export, import_file, ImportFailure};
use fupin_store::prelude::*;
use fupin_store::sql_store::SqlStore;
use fupin_store::UserRecord;
use std::path::Path;
use std::sync::Arc;

fn opts() -> BuildOptions {
    BuildOptions { scale: 0.004, as_of: Date::new(2017, 6, 30).unwrap(), rules: Rules::default(), progress: false }
}

fn with_users(store: Arc<dyn Store>, report: &fupin_demo::BuildReport) -> Arc<dyn Store> {
    for a in &report.accounts {
        store
            .put_user(&UserRecord {
                username: a.username.clone(),
                display_name: a.display_name.clone(),
                role: a.role,
                region: RegionCode::parse(&a.region).unwrap(),
                helper_id: a.helper_id.clone(),
                password_hash: String::new(),
            })
            .unwrap();
    }
    store
}

fn sqlite(dir: &Path) -> Arc<dyn Store> {
    let path = dir.join("d.db");
    let report = fupin_demo::build(&fupin_store::sqlite::Sqlite::open_for_bulk_build(&path).unwrap(), &opts()).unwrap();
    with_users(Arc::new(SqlStore::new(fupin_store::sqlite::Sqlite::open(&path).unwrap(), Rules::default()).unwrap()), &report)
}

fn postgres() -> Option<Arc<dyn Store>> {
    let Ok(url) = std::env::var("FUPIN_TEST_PG_URL") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("FUPIN_TEST_PG_URL is not set under CI=true");
        }
        eprintln!("SKIPPED: FUPIN_TEST_PG_URL not set, PostgreSQL import/export not run");
        return None;
    };
    let db = format!("fupin_x_{}", std::process::id());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let target = format!("{}/{db}", url.rsplit_once('/').unwrap().0);
    let pg = fupin_store::pg::Pg::connect(&target).unwrap();
    let report = fupin_demo::build(&pg, &opts()).unwrap();
    Some(with_users(Arc::new(SqlStore::new(pg, Rules::default()).unwrap()), &report))
}

fn county(store: &dyn Store) -> Caller {
    fupin_web_caller(store, "yanggu")
}

fn fupin_web_caller(store: &dyn Store, username: &str) -> Caller {
    let u = store.user(username).unwrap().unwrap();
    Caller { username: u.username, role: u.role, scope: fupin_domain::access::Scope { region: u.region, helper_id: u.helper_id } }
}

fn events(store: &dyn Store) -> u64 {
    store.verify_ledger().unwrap().events
}

fn scenario(store: Arc<dyn Store>, dir: &Path) {
    let caller = county(&*store);
    let region = RegionCode::parse("371521").unwrap();
    let before = events(&*store);
    for ext in ["xlsx", "csv"] {
        let path = dir.join(format!("yanggu.{ext}"));
        let out = export(&*store, &caller, &region, &path, "2017-06-30").unwrap();
        assert!(out.households > 0);
        let o = import_file(&*store, &caller, &path, "2017-06-30").unwrap();
        assert_eq!((o.created, o.updated, o.unchanged), (0, 0, out.households), "{ext}: an exported file imports back unchanged");
        assert_eq!(o.people, out.people, "{ext}: people of unchanged files counted from the store");
        // Recognised by digest, row by row, without parsing a single household.
        let stored = |a: &str, b: &str| store.file_digests(&caller, a, b).unwrap();
        let parsed = fupin_exchange::read_file_against(&path, &stored).unwrap();
        assert_eq!((parsed.files.len(), parsed.unchanged.len() as u64), (0, out.households), "{ext}");
    }
    assert_eq!(events(&*store), before, "no events for an unchanged import");

    // The store confirms, under its write lock, what the reader found unchanged: a digest that
    // no longer matches, or a file outside the caller's region, refuses the import.
    let some_id = store.files_in(&caller, &region, None, 1).unwrap()[0].id.clone();
    let digest = store.file_digests(&caller, &some_id, &some_id).unwrap()[0].1.clone();
    let stale = [(some_id.clone(), "0".repeat(64))];
    match store.import(&caller, fupin_store::ImportSet { files: &[], unchanged: &stale }, "2017-06-30") {
        Err(fupin_store::StoreError::Rows(rows)) => assert!(rows[0].1.contains("已被修改"), "{rows:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let neighbour = Caller {
        username: "shen".into(),
        role: fupin_domain::access::Role::CountyOfficial,
        scope: fupin_domain::access::Scope::region(RegionCode::parse("371522").unwrap()),
    };
    assert!(store.file_digests(&neighbour, &some_id, &some_id).unwrap().is_empty(), "digests only inside the caller's region");
    match store.import(&neighbour, fupin_store::ImportSet { files: &[], unchanged: &[(some_id.clone(), digest)] }, "2017-06-30") {
        Err(fupin_store::StoreError::Rows(rows)) => assert!(rows[0].1.contains("管辖范围"), "{rows:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(events(&*store), before);

    // Files handed to the store directly: one person in two new files is refused, nothing
    // applied.
    let base = store.household(&caller, &some_id).unwrap();
    let new_file = |n: &str, seq: u32| {
        let mut h = base.clone();
        h.id = format!("{}{n}", &base.id[..12]);
        (h.status, h.exited_year, h.monitoring) = (fupin_domain::registry::codes::Status::Poor, None, None);
        for (k, m) in h.members.iter_mut().enumerate() {
            let male = m.id_number.is_male();
            m.id_number = fupin_domain::IdNumber::build(&base.id[..6], m.id_number.birth_date(), seq + 2 * k as u32 + u32::from(!male));
        }
        h
    };
    let (a, mut b) = (new_file("9801", 801), new_file("9802", 851));
    b.members[0].id_number = a.members[0].id_number.clone();
    match store.import_households(&caller, &[a, b], "2017-06-30") {
        Err(fupin_store::StoreError::Rows(rows)) => assert!(rows.iter().any(|(_, r)| r.contains("出现在两户")), "{rows:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(events(&*store), before);

    // Only a year's income changed (the members sheet untouched): that household alone is
    // parsed and updated.
    let incomes = fupin_exchange::write::sibling(&dir.join("yanggu.csv"), "年度收入");
    let text = std::fs::read_to_string(&incomes).unwrap();
    let mut rows: Vec<String> = text.lines().map(str::to_string).collect();
    let mut c: Vec<String> = cells_of(&rows[1]);
    let income_id = c[0].clone();
    c[2] = "4321.00".into();
    rows[1] = line_of(&c);
    std::fs::write(&incomes, rows.join("\n") + "\n").unwrap();
    let stored = |a: &str, b: &str| store.file_digests(&caller, a, b).unwrap();
    let parsed = fupin_exchange::read_file_against(&dir.join("yanggu.csv"), &stored).unwrap();
    assert_eq!(parsed.files.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), [income_id.as_str()]);
    let o = import_file(&*store, &caller, &dir.join("yanggu.csv"), "2017-06-30").unwrap();
    assert_eq!((o.updated, o.created), (1, 0));
    let year = c[1].parse::<i32>().unwrap();
    let wage = store.household(&caller, &income_id).unwrap().incomes.iter().find(|i| i.year == year).unwrap().wage;
    assert_eq!(wage.to_string(), "4321.00");
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap(), "rollups of batched updates");
    assert_eq!(store.verify_ledger().unwrap().broken, None);
    let before = before + 1;

    // A household's income rows, unchanged, without its member rows: each row is reported.
    let members: Vec<String> = std::fs::read_to_string(dir.join("yanggu.csv")).unwrap().lines().map(str::to_string).collect();
    let orphan = dir.join("orphan.csv");
    std::fs::write(
        &orphan,
        members.iter().filter(|l| !l.starts_with(&format!("{income_id},"))).cloned().collect::<Vec<_>>().join("\n") + "\n",
    )
    .unwrap();
    for table in ["年度收入", "帮扶措施", "帮扶结对"] {
        let from = fupin_exchange::write::sibling(&dir.join("yanggu.csv"), table);
        std::fs::copy(from, fupin_exchange::write::sibling(&orphan, table)).unwrap();
    }
    let income_rows = rows.iter().filter(|l| l.starts_with(&format!("{income_id},"))).count();
    match import_file(&*store, &caller, &orphan, "2017-06-30") {
        Err(ImportFailure::Rows(errors)) => {
            let on_incomes = errors.iter().filter(|r| r.sheet == "年度收入" && r.reason.contains("不在贫困户成员表中")).count();
            assert_eq!(on_incomes, income_rows, "{errors:?}");
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    assert_eq!(events(&*store), before);

    // Edit one phone in the CSV: one update, then importing again changes nothing.
    let csv = dir.join("yanggu.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = cells_of(&lines[1]);
    let id = cells[0].clone();
    cells[7] = "13711112222".into();
    let edited_household: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.starts_with(&format!("{id},"))).map(|(i, _)| i).collect();
    for i in edited_household {
        let mut c: Vec<String> = cells_of(&lines[i]);
        c[7] = "13711112222".into();
        lines[i] = line_of(&c);
    }
    let _ = cells;
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let o = import_file(&*store, &caller, &csv, "2017-06-30").unwrap();
    assert_eq!(o.updated, 1);
    assert_eq!(store.household(&caller, &id).unwrap().phone, "13711112222");
    assert_eq!(events(&*store), before + 1);
    let o = import_file(&*store, &caller, &csv, "2017-06-30").unwrap();
    assert_eq!((o.updated, o.created), (0, 0), "importing the same file twice changes nothing the second time");
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());

    // A bad checksum and a bad code: every problem reported, nothing applied.
    let mut bad: Vec<String> = lines.clone();
    let mut c: Vec<String> = cells_of(&bad[1]);
    let idn = c[32].clone();
    c[32] = format!("{}{}", &idn[..17], if idn.ends_with('1') { '2' } else { '1' });
    c[3] = "7".into();
    c[7] = "13799998888".into();
    bad[1] = line_of(&c);
    let bad_path = dir.join("bad.csv");
    std::fs::write(&bad_path, bad.join("\n") + "\n").unwrap();
    match import_file(&*store, &caller, &bad_path, "2017-06-30") {
        Err(ImportFailure::Rows(rows)) => {
            assert!(rows.iter().any(|r| r.row == 2 && r.column == "公民身份号码" && r.reason.contains("校验位")), "{rows:?}");
            assert!(rows.iter().any(|r| r.row == 2 && r.column.starts_with("贫困户属性") && r.value == "7"), "{rows:?}");
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    assert_eq!(store.household(&caller, &id).unwrap().phone, "13711112222", "nothing applied");

    // A household whose rows disagree, and one ID number in two households of the file.
    let ids: Vec<String> = lines.iter().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect();
    let second = (1..ids.len()).find(|&i| ids[i] == ids[i - 1]).expect("a household of two or more") + 1;
    let mut bad: Vec<String> = lines.clone();
    let mut c: Vec<String> = cells_of(&bad[second]);
    c[8] = "另一家银行".into();
    bad[second] = line_of(&c);
    let first_id = cells_of(&lines[1])[32].clone();
    let elsewhere = (2..lines.len()).find(|&i| ids[i - 1] != ids[0] && i != second).unwrap();
    let mut c: Vec<String> = cells_of(&bad[elsewhere]);
    c[32] = first_id;
    bad[elsewhere] = line_of(&c);
    std::fs::write(&bad_path, bad.join("\n") + "\n").unwrap();
    match import_file(&*store, &caller, &bad_path, "2017-06-30") {
        Err(ImportFailure::Rows(rows)) => {
            assert!(rows.iter().any(|r| r.row == second + 1 && r.column == "开户银行" && r.reason.contains("同一户各行")), "{rows:?}");
            assert!(rows.iter().any(|r| r.row == elsewhere + 1 && r.reason.contains("出现在两户")), "{rows:?}");
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    // A changed household takes the ID number of a member of a household the file leaves as it
    // is (never parsed): still found, the later row naming the earlier.
    let last = ids.last().unwrap().clone();
    let last_row = lines.iter().rposition(|l| l.starts_with(&format!("{last},"))).unwrap();
    let taken = cells_of(&lines[last_row])[32].clone();
    let mut dup: Vec<String> = lines.clone();
    let mut c: Vec<String> = cells_of(&dup[elsewhere]);
    c[32] = taken;
    dup[elsewhere] = line_of(&c);
    std::fs::write(&bad_path, dup.join("\n") + "\n").unwrap();
    match import_file(&*store, &caller, &bad_path, "2017-06-30") {
        Err(ImportFailure::Rows(rows)) => {
            let between =
                |r: &fupin_exchange::RowError| r.row == last_row + 1 && r.reason.contains(&format!("两户（另见第{}行）", elsewhere + 1));
            assert!(rows.iter().any(between), "{rows:?}");
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    // A new household in the file (another's rows under an unused number, with new people):
    // registered with one event, rollups exact.
    let source = &ids[second - 1];
    let village = &source[..12];
    let new_id = format!("{village}9999");
    let mut grown = lines.clone();
    for (k, l) in lines.iter().enumerate().filter(|(_, l)| l.starts_with(&format!("{source},"))) {
        let mut c: Vec<String> = cells_of(&l);
        let old = fupin_domain::IdNumber::parse(&c[32]).unwrap();
        let fresh = fupin_domain::IdNumber::build(&village[..6], old.birth_date(), 901 + 2 * k as u32 + u32::from(!old.is_male()));
        assert_eq!(fresh.is_male(), old.is_male());
        c[0] = new_id.clone();
        c[1] = village.to_string();
        c[2] = "1".into();
        c[28] = String::new();
        c[32] = fresh.as_str().to_string();
        grown.push(line_of(&c));
    }
    let grown_path = dir.join("grown.csv");
    std::fs::write(&grown_path, grown.join("\n") + "\n").unwrap();
    let events_before = events(&*store);
    let o = import_file(&*store, &caller, &grown_path, "2017-06-30").unwrap();
    assert_eq!((o.created, o.updated), (1, 0));
    assert_eq!(events(&*store), events_before + 1);
    assert_eq!(store.household(&caller, &new_id).unwrap().version, 1);
    assert_eq!(store.rollup_table().unwrap(), store.recount_rollups().unwrap());
    assert_eq!(store.verify_ledger().unwrap().broken, None);
    let before = before + 1;
    let report = dir.join("bad.errors.xlsx");
    fupin_exchange::write_error_report(&report, &[]).unwrap();
    assert!(report.exists());

    // Another county's official may not import this county's files.
    let other = Caller {
        username: "shen".into(),
        role: fupin_domain::access::Role::CountyOfficial,
        scope: fupin_domain::access::Scope::region(RegionCode::parse("371522").unwrap()),
    };
    match import_file(&*store, &other, &dir.join("yanggu.xlsx"), "2017-06-30") {
        Err(ImportFailure::Rows(rows)) => assert!(rows[0].reason.contains("管辖范围")),
        other => panic!("expected jurisdiction errors, got {other:?}"),
    }
    assert_eq!(events(&*store), before + 1);

    // Malformed files get a clear message.
    let junk = dir.join("junk.xlsx");
    std::fs::write(&junk, b"not a zip at all").unwrap();
    assert!(matches!(import_file(&*store, &caller, &junk, "2017-06-30"), Err(ImportFailure::Malformed(m)) if m.contains("xlsx")));
    let full = std::fs::read(dir.join("yanggu.xlsx")).unwrap();
    let cut = dir.join("cut.xlsx");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    assert!(matches!(import_file(&*store, &caller, &cut, "2017-06-30"), Err(ImportFailure::Malformed(_))));
    let wrong = dir.join("wrong.xlsx");
    let mut wb = rust_xlsxwriter_workbook();
    wb.save(&wrong).unwrap();
    assert!(matches!(import_file(&*store, &caller, &wrong, "2017-06-30"), Err(ImportFailure::Malformed(m)) if m.contains("贫困户成员")));
}

fn rust_xlsxwriter_workbook() -> rust_xlsxwriter::Workbook {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().set_name("Sheet1").unwrap().write_string(0, 0, "hello").unwrap();
    wb
}

#[test]
fn round_trips_edits_and_refusals_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(sqlite(dir.path()), dir.path());
}

#[test]
fn round_trips_edits_and_refusals_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(store) = postgres() {
        scenario(store, dir.path());
    }
}

/// A database whose digests are of an earlier form (or missing): the first import compares
/// every file in full, changes nothing, and brings the digests up to date; the next one parses
/// nothing.
#[test]
fn an_import_brings_digests_of_an_earlier_form_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let report = fupin_demo::build(&fupin_store::sqlite::Sqlite::open_for_bulk_build(&path).unwrap(), &opts()).unwrap();
    let raw = SqlStore::new(fupin_store::sqlite::Sqlite::open(&path).unwrap(), Rules::default()).unwrap();
    raw.exec_raw("UPDATE households SET digest = ''").unwrap();
    let store = with_users(Arc::new(raw), &report);
    let caller = county(&*store);
    let file = dir.path().join("yanggu.csv");
    let out = export(&*store, &caller, &RegionCode::parse("371521").unwrap(), &file, "2017-06-30").unwrap();
    let stored = |a: &str, b: &str| store.file_digests(&caller, a, b).unwrap();
    let parsed = fupin_exchange::read_file_against(&file, &stored).unwrap();
    assert_eq!((parsed.files.len() as u64, parsed.unchanged.len()), (out.households, 0), "nothing to compare against yet");
    let before = events(&*store);
    let o = import_file(&*store, &caller, &file, "2017-06-30").unwrap();
    assert_eq!((o.created, o.updated, o.unchanged, o.people), (0, 0, out.households, out.people));
    assert_eq!(events(&*store), before, "no events: nothing changed");
    let parsed = fupin_exchange::read_file_against(&file, &stored).unwrap();
    assert_eq!((parsed.files.len(), parsed.unchanged.len() as u64), (0, out.households), "digests now up to date");
}

/// A CSV line's cells (quoted cells may hold commas: 其他致贫原因 "09,06").
fn cells_of(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (vec![], String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Cells back into a CSV line, quoting those that need it.
fn line_of(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| if c.contains([',', '"']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
        .collect::<Vec<_>>()
        .join(",")
}
