//! The conformance suite on SQLite, one test per scenario.

use fupin_store::conformance as c;
use fupin_store::{sql_store::SqlStore, sqlite::Sqlite, Store};
use std::sync::Arc;

fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::new(Sqlite::open(&dir.path().join("t.db")).unwrap(), Default::default()).unwrap();
    (dir, Arc::new(store))
}

macro_rules! scenarios {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let (_dir, store) = fresh();
            c::$name(store);
        }
    )*};
}

scenarios!(
    create_and_read,
    jurisdiction,
    optimistic_versioning,
    bad_input_applies_nothing,
    ledger_tamper_is_detected,
    rollups_equal_recount,
    search,
    users_and_sessions,
    helper_cap,
    exit_workflow,
    identification_workflow,
    concurrent_step,
    return_removal_and_rejection,
    upheld_objection_rejects,
    data_checks,
    monitoring_workflow
);
