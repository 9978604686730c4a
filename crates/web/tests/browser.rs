//! A real headless Chromium, driven through chromedriver: the village official logs in,
//! searches, opens a household, edits a field and finds the edit in the history. Screenshots
//! go to `target/browser/`. Without Chromium the test is skipped loudly, except under
//! `CI=true`, where that is a failure.
//! Served from SQLite; `browser_pg.rs` runs the same suite served from PostgreSQL.

mod common;

const BACKEND: common::Backend = common::Backend::Sqlite;

include!("suite/browser.rs");
