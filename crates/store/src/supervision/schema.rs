//! 调度监督's tables: the public's reports and each step taken on them.

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 监督举报, keyed by the tracking number. `about` is the region reported on, `handler` the unit
-- that has the report now (always above `about`). The query code is kept as a hash: the
-- reporter holds the code. `text_hash` finds the same report sent twice.
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    about TEXT NOT NULL,
    handler TEXT NOT NULL,
    household_id TEXT,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    category TEXT NOT NULL,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    reporter_name TEXT,
    reporter_contact TEXT,
    code_hash TEXT NOT NULL,
    filed_on TEXT NOT NULL,
    accepted_on TEXT,
    deadline TEXT NOT NULL,
    extended BIGINT NOT NULL,
    dissatisfied BIGINT NOT NULL,
    answered_on TEXT,
    outcome TEXT NOT NULL,
    outcome_public TEXT NOT NULL,
    rating TEXT,
    rating_comment TEXT NOT NULL,
    closed_on TEXT
) {keyed};
-- Every step on a report, as its reporter and the units read it back (the ledger has the same
-- steps, chained, without the reporter's words).
CREATE TABLE IF NOT EXISTS report_steps (
    report_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    step TEXT NOT NULL,
    unit TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    on_date TEXT NOT NULL,
    PRIMARY KEY (report_id, n)
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS reports_handler ON reports (handler, state);
CREATE INDEX IF NOT EXISTS reports_about ON reports (about, text_hash);
CREATE INDEX IF NOT EXISTS reports_open ON reports (state, deadline);
"#,
    migrations: &[],
};
