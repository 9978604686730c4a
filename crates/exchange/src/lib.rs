//! Household files in and out of spreadsheets, as county offices work: xlsx (several sheets:
//! members with their household's fields, yearly incomes, measures, helper pairings) or CSV
//! (the same tables as sibling files). Chinese headers, national codes in the cells. Imports
//! parse every cell first and report each problem by sheet, row, column and value; the store
//! then applies all files or none.

pub mod layout;
pub mod read;
pub mod register;
pub mod write;

pub use read::{keep_absent_tables, read_file, read_file_against, Parsed, ReadError, RowError};
pub use write::{export, write_error_report, ExportOutcome};

/// Reads a file and imports it on the caller's authority: all or nothing. Households whose
/// rows are unchanged from what is stored are recognised by digest and never parsed. On
/// problems, the rows to report (sheet, row, column, value, reason).
pub fn import_file(
    store: &dyn fupin_store::Store,
    caller: &fupin_domain::access::Caller,
    path: &std::path::Path,
    at: &str,
) -> Result<fupin_store::ImportOutcome, ImportFailure> {
    // Without stored digests (a caller who may not import) every household is parsed, and the
    // store then refuses the import with its reason.
    let stored = |first: &str, last: &str| store.file_digests(caller, first, last).unwrap_or_default();
    let mut parsed = match read::read_file_against(path, &stored) {
        Ok(p) => p,
        Err(ReadError::Malformed(m)) => return Err(ImportFailure::Malformed(m)),
        Err(ReadError::Rows(rows)) => return Err(ImportFailure::Rows(rows)),
    };
    keep_absent_tables(store, caller, &mut parsed).map_err(|e| ImportFailure::Malformed(e.to_string()))?;
    let set = fupin_store::ImportSet { files: &parsed.files, unchanged: &parsed.unchanged };
    match store.import(caller, set, at) {
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
