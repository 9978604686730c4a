//! The registry's tables: files and what hangs off them, lifecycle cases, transfers and
//! objections. Keyed by region first (household ids begin with the village code).

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 贫困户: one row per file; id = village code at registration + 4-digit sequence.
CREATE TABLE IF NOT EXISTS households (
    id TEXT PRIMARY KEY,
    village_code TEXT NOT NULL,
    status TEXT NOT NULL,
    attribute TEXT NOT NULL,
    standard TEXT NOT NULL,
    main_cause TEXT NOT NULL,
    other_causes TEXT NOT NULL,
    head_name TEXT NOT NULL,
    head_id_number TEXT NOT NULL,
    size BIGINT NOT NULL,
    phone TEXT NOT NULL,
    bank TEXT NOT NULL,
    bank_account TEXT NOT NULL,
    planned_exit_year BIGINT,
    registered_year BIGINT NOT NULL,
    exited_year BIGINT,
    -- 防返贫监测对象类型 code, '' when not monitored.
    monitoring TEXT NOT NULL,
    form_version TEXT NOT NULL,
    conditions TEXT NOT NULL,
    details TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    -- sheet::file_digest of the file (a part per table): imports skip unchanged files unparsed.
    digest TEXT NOT NULL DEFAULT ''
) {keyed};
-- 家庭成员: village_code repeated so that name and ID searches filter by region in the index.
CREATE TABLE IF NOT EXISTS members (
    household_id TEXT NOT NULL,
    member_no BIGINT NOT NULL,
    village_code TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    id_number TEXT NOT NULL,
    relation TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    education TEXT NOT NULL,
    schooling TEXT NOT NULL,
    health TEXT NOT NULL,
    labour TEXT NOT NULL,
    work_status TEXT NOT NULL,
    months_away BIGINT NOT NULL,
    dibao BIGINT NOT NULL,
    medical_insurance BIGINT NOT NULL,
    serious_illness_insurance BIGINT NOT NULL,
    pension_insurance BIGINT NOT NULL,
    phone TEXT NOT NULL,
    -- 1 while the member counts in a live file: not gone, and the file not moved out.
    active BIGINT NOT NULL,
    left_reason TEXT,
    -- 出生日期 as the form records it (YYYY-MM-DD), compared with the ID number by the checks.
    birth_date TEXT,
    PRIMARY KEY (household_id, member_no)
) {keyed};
-- 年度收入, in fen.
CREATE TABLE IF NOT EXISTS incomes (
    household_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    wage BIGINT NOT NULL,
    business BIGINT NOT NULL,
    property BIGINT NOT NULL,
    transfer BIGINT NOT NULL,
    transfer_excluded BIGINT NOT NULL,
    expenses BIGINT NOT NULL,
    -- 刚性支出 (medical, disability, disaster), weighed by 防返贫监测.
    hard_expenses BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (household_id, year)
) {keyed};
-- 帮扶责任人, keyed by county code + sequence.
CREATE TABLE IF NOT EXISTS helpers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    phone TEXT NOT NULL
) {keyed};
CREATE TABLE IF NOT EXISTS household_helpers (
    household_id TEXT NOT NULL,
    helper_id TEXT NOT NULL,
    PRIMARY KEY (household_id, helper_id)
) {keyed};
-- 帮扶措施, amounts in fen.
CREATE TABLE IF NOT EXISTS measures (
    household_id TEXT NOT NULL,
    measure_no BIGINT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    amount BIGINT NOT NULL,
    unit TEXT NOT NULL,
    year BIGINT NOT NULL,
    PRIMARY KEY (household_id, measure_no)
) {keyed};
-- 业务办理: identification, exit, return and removal cases; id = household id + kind + n.
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    village_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    next_step BIGINT NOT NULL,
    state TEXT NOT NULL,
    notice_from TEXT,
    notice_until TEXT,
    reason TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL,
    head_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    main_cause TEXT NOT NULL,
    -- The applicant's file (JSON) while an identification case runs.
    file TEXT NOT NULL,
    -- Monitoring cases: the monitored type proposed, and the county's decision deadline.
    monitor_type TEXT NOT NULL,
    deadline TEXT,
    -- Transfer cases: the village the household moves to.
    target_village TEXT
) {keyed};
-- 迁移: a file moved to another village continues under a new number there; the old file
-- stays (status 已迁出) with its history, and this row links the two.
CREATE TABLE IF NOT EXISTS transfers (
    from_id TEXT PRIMARY KEY,
    to_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    at TEXT NOT NULL
) {keyed};
-- 异议: lodged by anyone during a notice; id = case id + "-O" + n is the tracking number.
CREATE TABLE IF NOT EXISTS objections (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    lodged_at TEXT NOT NULL,
    text TEXT NOT NULL,
    contact TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TEXT NOT NULL
) {keyed};
-- 数据核查 results kept per region: the last run, opened without running the checks again.
CREATE TABLE IF NOT EXISTS check_runs (
    region_code TEXT PRIMARY KEY,
    -- The business date the checks judged the files on, and when the run ended (Unix seconds).
    computed_on TEXT NOT NULL,
    finished_secs BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    report TEXT NOT NULL
) {keyed};
-- 走访记录: visits to a household, numbered per household.
CREATE TABLE IF NOT EXISTS visits (
    household_id TEXT NOT NULL,
    no BIGINT NOT NULL,
    visited_on TEXT NOT NULL,
    visitor TEXT NOT NULL,
    visitor_name TEXT NOT NULL,
    found TEXT NOT NULL,
    done TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (household_id, no)
) {keyed};
-- 动态调整 kept per region from the same run (its year is the business year it ran in).
CREATE TABLE IF NOT EXISTS yearly_runs (
    region_code TEXT PRIMARY KEY,
    computed_on TEXT NOT NULL,
    finished_secs BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    report TEXT NOT NULL
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS households_village ON households (village_code, status);
CREATE INDEX IF NOT EXISTS members_name ON members (name, village_code);
CREATE UNIQUE INDEX IF NOT EXISTS members_active_id_number ON members (id_number) WHERE active = 1;
CREATE INDEX IF NOT EXISTS household_helpers_helper ON household_helpers (helper_id);
CREATE INDEX IF NOT EXISTS cases_village ON cases (village_code, state);
CREATE INDEX IF NOT EXISTS cases_household ON cases (household_id);
CREATE INDEX IF NOT EXISTS objections_case ON objections (case_id);
CREATE INDEX IF NOT EXISTS cases_target ON cases (target_village, state);
CREATE INDEX IF NOT EXISTS transfers_to ON transfers (to_id);
"#,
    migrations: &[
        (
            3,
            &[
                "ALTER TABLE members ADD COLUMN birth_date TEXT",
                "ALTER TABLE incomes ADD COLUMN hard_expenses BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE cases ADD COLUMN target_village TEXT",
            ],
        ),
        (4, &["ALTER TABLE households ADD COLUMN digest TEXT NOT NULL DEFAULT ''"]),
    ],
};
