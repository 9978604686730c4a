//! Household files in and out of spreadsheets, as county offices work: xlsx (several sheets:
//! members with their household's fields, yearly incomes, measures, helper pairings) or CSV
//! (the same tables as sibling files). Chinese headers, national codes in the cells. Imports
//! parse every cell first and report each problem by sheet, row, column and value; the store
//! then applies all files or none.

pub mod layout;
pub mod read;
pub mod write;

pub use read::{keep_absent_tables, read_file, Parsed, ReadError, RowError};
pub use write::{export, write_error_report, ExportOutcome};

/// Reads a file and imports it on the caller's authority: all or nothing. On problems, the
/// rows to report (sheet, row, column, value, reason).
pub fn import_file(
    store: &dyn fupin_store::Store,
    caller: &fupin_domain::access::Caller,
    path: &std::path::Path,
    at: &str,
) -> Result<fupin_store::ImportOutcome, ImportFailure> {
    let mut parsed = match read_file(path) {
        Ok(p) => p,
        Err(ReadError::Malformed(m)) => return Err(ImportFailure::Malformed(m)),
        Err(ReadError::Rows(rows)) => return Err(ImportFailure::Rows(rows)),
    };
    keep_absent_tables(store, caller, &mut parsed).map_err(|e| ImportFailure::Malformed(e.to_string()))?;
    match store.import_households(caller, &parsed.files, at) {
        Ok(o) => Ok(o),
        Err(fupin_store::StoreError::Rows(items)) => {
            let rows = read::first_rows(path);
            Err(ImportFailure::Rows(
                items
                    .into_iter()
                    .map(|(id, reason)| RowError {
                        sheet: layout::MEMBERS.into(),
                        row: rows.get(&id).copied().unwrap_or(0),
                        column: layout::ID.into(),
                        value: id,
                        reason,
                    })
                    .collect(),
            ))
        }
        Err(fupin_store::StoreError::Forbidden(m)) => Err(ImportFailure::Forbidden(m)),
        Err(e) => Err(ImportFailure::Malformed(e.to_string())),
    }
}

#[derive(Debug)]
pub enum ImportFailure {
    Malformed(String),
    Forbidden(String),
    Rows(Vec<RowError>),
}
