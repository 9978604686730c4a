//! 调度监督's tables: the public's reports and each step taken on them; the key tasks, each
//! region's target of them and the progress recorded against it.

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
-- 重点工作任务. `region` dispatched it; `indicator` says where progress comes from (the
-- registry's counters, or `reported` by the regions), `kind` what a target counts.
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    region TEXT NOT NULL,
    title TEXT NOT NULL,
    policy_id TEXT,
    indicator TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_label TEXT NOT NULL,
    year BIGINT NOT NULL,
    down_to TEXT NOT NULL,
    description TEXT NOT NULL,
    dispatched_on TEXT NOT NULL,
    created_by TEXT NOT NULL
) {keyed};
-- Each region's target of a task: the dispatcher's own, then the parts each level split among
-- the regions directly below it (`parent_code`). `baseline` is the value on `assigned_on`, the
-- start of the pace a target is judged by.
CREATE TABLE IF NOT EXISTS task_targets (
    task_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    parent_code TEXT,
    target BIGINT NOT NULL,
    deadline TEXT NOT NULL,
    unit TEXT NOT NULL,
    person TEXT NOT NULL,
    assigned_on TEXT NOT NULL,
    baseline BIGINT NOT NULL,
    PRIMARY KEY (task_id, region_code)
) {keyed};
-- Progress over time: what a region reported (with its evidence), or the weekly value of a
-- computed indicator (`snapshot`), numbered per region.
CREATE TABLE IF NOT EXISTS task_progress (
    task_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    n BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    value BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    source TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (task_id, region_code, n)
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS task_targets_region ON task_targets (region_code, task_id);
CREATE INDEX IF NOT EXISTS reports_handler ON reports (handler, state);
CREATE INDEX IF NOT EXISTS reports_about ON reports (about, text_hash);
CREATE INDEX IF NOT EXISTS reports_open ON reports (state, deadline);
"#,
    migrations: &[],
};
