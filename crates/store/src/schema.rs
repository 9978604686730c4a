//! The schema, in the SQL both backends accept, assembled from each function's part. Tables
//! first, indexes apart: bulk loads create the tables, load, then build the indexes (several
//! times faster than loading into indexes). Every table that holds households or what hangs off
//! them is keyed by region first (household ids begin with the village code), so PostgreSQL can
//! later partition by county.

/// One function's tables, indexes and migrations.
pub struct Part {
    /// `CREATE TABLE IF NOT EXISTS` statements, with `{keyed}` after each table whose primary key
    /// is its natural order: SQLite stores those `WITHOUT ROWID` (one B-tree instead of a table
    /// plus a key index), PostgreSQL ignores it.
    pub tables: &'static str,
    pub indexes: &'static str,
    /// What brings a database written by an older version up to date: (the version a step
    /// produces, its statements). New tables need no step: `tables()` creates what is missing.
    pub migrations: &'static [(i64, &'static [&'static str])],
}

/// One version for the whole database: a step of any function's migrations raises it.
pub const SCHEMA_VERSION: i64 = 6;

const PARTS: [&Part; 9] = [
    &crate::core::schema::PART,
    &crate::registry::schema::PART,
    &crate::maps::schema::PART,
    &crate::policy::schema::PART,
    &crate::matching::schema::PART,
    &crate::supervision::schema::PART,
    &crate::evaluation::schema::PART,
    &crate::funds::schema::PART,
    &crate::integrity::schema::PART,
];

pub fn tables(keyed_suffix: &str) -> String {
    PARTS.iter().map(|p| p.tables.replace("{keyed}", keyed_suffix)).collect()
}

pub fn indexes() -> String {
    PARTS.iter().map(|p| p.indexes).collect()
}

/// Every migration step after `stored`, in version order.
pub fn migrations_after(stored: i64) -> Vec<(i64, &'static [&'static str])> {
    let mut steps: Vec<_> = PARTS.iter().flat_map(|p| p.migrations.iter().copied()).filter(|(v, _)| *v > stored).collect();
    steps.sort_by_key(|(v, _)| *v);
    steps
}

/// Every table's name, in creation order (for dropping a database's tables before a rebuild).
pub fn table_names() -> Vec<&'static str> {
    PARTS
        .iter()
        .flat_map(|p| p.tables.lines())
        .filter_map(|l| l.strip_prefix("CREATE TABLE IF NOT EXISTS "))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_table_is_named() {
        let names = super::table_names();
        assert!(names.contains(&"households") && names.contains(&"cases") && names.contains(&"pii_audit"), "{names:?}");
        assert_eq!(names.len(), super::tables("").matches("CREATE TABLE").count());
    }

    #[test]
    fn no_migration_goes_past_the_schema_version() {
        assert!(super::migrations_after(0).iter().all(|(v, _)| *v <= super::SCHEMA_VERSION));
    }
}
