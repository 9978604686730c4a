//! 大数据比对's tables: each register matched (the file's digest, not its rows: the departments
//! keep their registers, the platform keeps what concerns its households) and each match with
//! the village's verification.

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 比对批次: one register file matched over a region.
CREATE TABLE IF NOT EXISTS register_batches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    matched BIGINT NOT NULL,
    new_matches BIGINT NOT NULL,
    run_by TEXT NOT NULL,
    run_at TEXT NOT NULL
) {keyed};
-- 比对疑点: a member of a poor household found in a register, one row per register entry
-- (kind, ID number, date), kept by the village until verified. `details` holds the register's
-- other columns (JSON pairs).
CREATE TABLE IF NOT EXISTS register_matches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    id_number TEXT NOT NULL,
    event_date TEXT NOT NULL,
    register_name TEXT NOT NULL,
    details TEXT NOT NULL,
    household_id TEXT NOT NULL,
    member_no BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    found_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_by TEXT,
    decided_on TEXT,
    UNIQUE (kind, id_number, event_date)
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS register_matches_village ON register_matches (village_code, outcome);
CREATE INDEX IF NOT EXISTS register_matches_household ON register_matches (household_id);
"#,
    migrations: &[],
};
