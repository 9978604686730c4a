//! Shared tables: metadata, reference divisions, accounts and sessions, the ledger with its
//! chain heads, the rollups and the PII audit.

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) {keyed};
-- 行政区划: reference data, the same for every county.
CREATE TABLE IF NOT EXISTS regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT,
    rural_population BIGINT NOT NULL DEFAULT 0
) {keyed};
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT NOT NULL,
    helper_id TEXT,
    password_hash TEXT NOT NULL
) {keyed};
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    expires_at BIGINT NOT NULL
) {keyed};
-- The ledger: one hash chain per county. hash = SHA-256(prev_hash, canonical event bytes).
CREATE TABLE IF NOT EXISTS ledger (
    county_code TEXT NOT NULL,
    seq BIGINT NOT NULL,
    household_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (county_code, seq)
) {keyed};
CREATE TABLE IF NOT EXISTS chain_heads (
    county_code TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
) {keyed};
-- Rollups, maintained with every event for villages, townships and counties (all inside one
-- county, so no write crosses counties); cities and the province are summed from counties.
CREATE TABLE IF NOT EXISTS rollups (
    level_len BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    households BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    PRIMARY KEY (level_len, region_code, metric)
) {keyed};
-- Uploaded files' bytes, once per content, for every function (a policy's attachments, a
-- delivery's photos): base64, as both backends hold it as text. Not WITHOUT ROWID: SQLite keeps
-- large rows out of a rowid table's B-tree pages.
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
-- Every read of unmasked personal data.
CREATE TABLE IF NOT EXISTS pii_audit (
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    household_id TEXT NOT NULL,
    fields TEXT NOT NULL
);
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS regions_parent ON regions (parent_code, code);
CREATE INDEX IF NOT EXISTS ledger_household ON ledger (household_id);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
"#,
    // 5: the policies' file bytes became every function's (`files`).
    migrations: &[(5, &["INSERT INTO files (sha256, data) SELECT sha256, data FROM policy_files", "DROP TABLE policy_files"])],
};
