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
        let province = official(Role::ProvinceOfficial, "37");
        let draft = fupin_store::policy::conformance::sample_draft("附件迁移", None);
        let p = store.draft_policy(&province, &draft, None, "2016-03-01").unwrap();
        store.attach_policy_file(&province, &p.id, p.version, "原件.png", b"\x89PNG\r\n\x1A\n-old-bytes", "2016-03-01").unwrap();
        // Back to the shape of schema 2 (the policies' bytes in their own table, as before 5).
        for sql in [
            "ALTER TABLE files RENAME TO policy_files",
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
    let province = official(Role::ProvinceOfficial, "37");
    let (_, bytes) = store.policy_file(Some(&province), "P37-00001", 1).unwrap();
    assert_eq!(bytes, b"\x89PNG\r\n\x1A\n-old-bytes", "the attachment's bytes moved to the shared files");
}

/// SQLite keeps whatever is written into a column: text where a number belongs is read as an
/// error naming table, key and column, not as 0.
#[test]
fn text_in_a_number_column_is_an_error_naming_table_key_and_column() {
    use fupin_domain::access::Role;
    use fupin_store::conformance::{official, sample_household, test_regions};
    use fupin_store::StoreError;
    let (_dir, store) = fresh().unwrap();
    store.load_regions(&test_regions()).unwrap();
    let village = official(Role::VillageOfficial, "371521100001");
    let h = store.create_household(&village, sample_household("371521100001", 1, 2), "建档", "2015-12-01").unwrap();
    store.exec_raw(&format!("UPDATE members SET medical_insurance = 'lots' WHERE household_id = '{}'", h.id)).unwrap();
    match store.household(&village, &h.id) {
        Err(StoreError::Corrupt(why)) => {
            assert!(why.contains("members") && why.contains(&h.id) && why.contains("medical_insurance") && why.contains("lots"), "{why}")
        }
        other => panic!("text in members.medical_insurance must be an error, got {other:?}"),
    }
    // The lean pass of the yearly update reads the same rows.
    let province = official(Role::ProvinceOfficial, "37");
    assert!(matches!(
        store.yearly_update(
            &province,
            &fupin_domain::RegionCode::parse("37").unwrap(),
            2016,
            fupin_domain::id_number::Date::new(2016, 12, 31).unwrap()
        ),
        Err(StoreError::Corrupt(_))
    ));
}
