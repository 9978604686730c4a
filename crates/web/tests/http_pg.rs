//! (PostgreSQL) The HTTP layer end to end: a real server on port 0, real cookies, every role.
//! Served from PostgreSQL (`FUPIN_TEST_PG_URL`; without it skipped loudly, except under
//! `CI=true`); `http.rs` runs the same suite served from SQLite.

mod common;

const BACKEND: common::Backend = common::Backend::Postgres;

include!("suite/http.rs");
