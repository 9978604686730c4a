//! The conformance suite on SQLite, one test per scenario.

use fupin_store::{sql_store::SqlStore, sqlite::Sqlite, Store};
use std::sync::Arc;

fn fresh() -> Option<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::new(Sqlite::open(&dir.path().join("t.db")).unwrap(), Default::default()).unwrap();
    Some((dir, Arc::new(store)))
}

fupin_store::conformance_tests!(fresh);
