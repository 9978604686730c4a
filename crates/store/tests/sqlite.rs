//! The conformance suite on SQLite, one test per scenario.

use fupin_store::{prelude::*, sql_store::SqlStore, sqlite::Sqlite};
use std::sync::Arc;

fn fresh() -> Option<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::new(Sqlite::open(&dir.path().join("t.db")).unwrap(), Default::default()).unwrap();
    Some((dir, Arc::new(store)))
}

fupin_store::conformance_tests!(fresh);

/// A database written before the columns of schema 3 and 4 is brought up to date on opening,
/// keeping its files.
#[test]
fn an_older_database_is_migrated_on_opening() {
    use fupin_domain::access::Role;
    use fupin_store::conformance::{official, sample_household, test_regions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let store = SqlStore::new(Sqlite::open(&path).unwrap(), Default::default()).unwrap();
        store.load_regions(&test_regions()).unwrap();
        let village = official(Role::VillageOfficial, "371521100001");
        store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
        // Back to the shape of schema 2.
        for sql in [
            "ALTER TABLE members DROP COLUMN birth_date",
            "ALTER TABLE incomes DROP COLUMN hard_expenses",
            "DROP INDEX cases_target",
            "ALTER TABLE cases DROP COLUMN target_village",
            "ALTER TABLE households DROP COLUMN digest",
            "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
        ] {
            store.exec_raw(sql).unwrap();
        }
    }
    let store = SqlStore::new(Sqlite::open(&path).unwrap(), Default::default()).unwrap();
    assert_eq!(store.meta("schema_version").unwrap().as_deref(), Some(fupin_store::schema::SCHEMA_VERSION.to_string().as_str()));
    let village = official(Role::VillageOfficial, "371521100001");
    let h = store.household(&village, "3715211000010001").unwrap();
    assert_eq!((h.members.len(), h.members[0].birth_date), (2, None), "kept, with the new field empty");
    let newer = store.record_household(&village, sample_household("371521100001", 2, 1), "排查", "2021-01-01").unwrap();
    assert_eq!(store.household(&village, &newer.id).unwrap(), newer);
}
