//! 扶贫资金's tables: the counties' configured factors, the allocations with each county's line,
//! and the project library with its budget, beneficiaries, notices and payments. Amounts in fen.

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- What the factor method reads besides the registry: each county's per-capita fiscal capacity
-- (元) and last year's appraisal score, per year.
CREATE TABLE IF NOT EXISTS fund_factors (
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    fiscal BIGINT,
    appraisal BIGINT,
    set_by TEXT NOT NULL,
    set_on TEXT NOT NULL,
    PRIMARY KEY (year, county)
) {keyed};
-- 资金分配: a province's or city's share-out of a year's fund, published with its weights (JSON).
CREATE TABLE IF NOT EXISTS allocations (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    year BIGINT NOT NULL,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    document TEXT NOT NULL,
    total BIGINT NOT NULL,
    weights TEXT NOT NULL,
    published_on TEXT NOT NULL,
    created_by TEXT NOT NULL
) {keyed};
-- Each county's amount with the factor values and shares it was computed from (JSON).
CREATE TABLE IF NOT EXISTS allocation_lines (
    allocation_id TEXT NOT NULL,
    county TEXT NOT NULL,
    amount BIGINT NOT NULL,
    factors TEXT NOT NULL,
    PRIMARY KEY (allocation_id, county)
) {keyed};
-- 项目库: `county` keeps it, `region` is where it is (the county, a township or a village).
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    region TEXT NOT NULL,
    year BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    implementer TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    budget BIGINT NOT NULL,
    recorded_on TEXT NOT NULL,
    approved_on TEXT,
    started_on TEXT,
    accepted_on TEXT,
    created_by TEXT NOT NULL
) {keyed};
CREATE TABLE IF NOT EXISTS project_budget (
    project_id TEXT NOT NULL,
    source TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (project_id, source)
) {keyed};
-- 带贫机制: the households a project is to benefit, and how.
CREATE TABLE IF NOT EXISTS project_beneficiaries (
    project_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    PRIMARY KEY (project_id, household_id)
) {keyed};
-- 公告公示: each notice put up, numbered per project.
CREATE TABLE IF NOT EXISTS project_notices (
    project_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    kind TEXT NOT NULL,
    from_on TEXT NOT NULL,
    to_on TEXT NOT NULL,
    text TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    PRIMARY KEY (project_id, n)
) {keyed};
-- 资金拨付, from the vouchers, numbered per project. `household_id` when paid to a household.
CREATE TABLE IF NOT EXISTS project_payments (
    project_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    paid_on TEXT NOT NULL,
    amount BIGINT NOT NULL,
    source TEXT NOT NULL,
    payee TEXT NOT NULL,
    account TEXT NOT NULL,
    voucher TEXT NOT NULL,
    household_id TEXT,
    recorded_by TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    PRIMARY KEY (project_id, n)
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS allocations_year ON allocations (year, region);
CREATE INDEX IF NOT EXISTS allocation_lines_county ON allocation_lines (county, allocation_id);
CREATE INDEX IF NOT EXISTS projects_region ON projects (region, year);
CREATE INDEX IF NOT EXISTS projects_county ON projects (county, year);
CREATE INDEX IF NOT EXISTS project_payments_account ON project_payments (account);
CREATE INDEX IF NOT EXISTS project_payments_household ON project_payments (household_id);
"#,
    migrations: &[],
};
