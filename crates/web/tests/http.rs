//! The HTTP layer end to end: a real server on port 0, real cookies, every role.
//! Served from SQLite; `http_pg.rs` runs the same suite served from PostgreSQL.

mod common;

const BACKEND: common::Backend = common::Backend::Sqlite;

include!("suite/http.rs");
