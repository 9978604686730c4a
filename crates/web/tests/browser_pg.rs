//! (PostgreSQL) A real headless Chromium, driven through chromedriver: the village official logs in,
//! searches, opens a household, edits a field and finds the edit in the history. Screenshots
//! go to `target/browser/`. Without Chromium the test is skipped loudly, except under
//! `CI=true`, where that is a failure.
//! Served from PostgreSQL (`FUPIN_TEST_PG_URL`; without it skipped loudly, except under
//! `CI=true`); `browser.rs` runs the same suite served from SQLite.

mod common;

const BACKEND: common::Backend = common::Backend::Postgres;

include!("suite/browser.rs");
