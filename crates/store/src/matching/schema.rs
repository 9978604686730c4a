//! 供需对接's tables: donors and their offers (keyed by the donor's county), needs and matches
//! (keyed by the household's village: a need's id begins with the village code).

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 社会帮扶主体: one per user account; verified by the officials of its county.
CREATE TABLE IF NOT EXISTS donors (
    id TEXT PRIMARY KEY,
    county_code TEXT NOT NULL,
    account TEXT NOT NULL UNIQUE,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT,
    contact TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT,
    region TEXT NOT NULL,
    about TEXT NOT NULL,
    registered_on TEXT NOT NULL
) {keyed};
-- 帮扶资源: `taken` counts the shares held by matches under way or done (one place for it:
-- every match step that takes or frees a share updates it in the same transaction).
CREATE TABLE IF NOT EXISTS offers (
    id TEXT PRIMARY KEY,
    donor_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    taken BIGINT NOT NULL,
    unit TEXT NOT NULL,
    unit_value BIGINT NOT NULL,
    -- served regions, space-separated, in the donor's order of preference
    regions TEXT NOT NULL,
    deadline TEXT NOT NULL,
    requirement TEXT NOT NULL,
    posted_on TEXT NOT NULL
) {keyed};
-- 需求, numbered within the village (its id is shown to donors, so it does not contain the
-- household's). `active_match` is the compare-and-set that keeps a need from being met twice.
CREATE TABLE IF NOT EXISTS needs (
    id TEXT PRIMARY KEY,
    village_code TEXT NOT NULL,
    household_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    amount BIGINT NOT NULL,
    urgency TEXT NOT NULL,
    deadline TEXT NOT NULL,
    member_no BIGINT,
    size BIGINT NOT NULL,
    main_cause TEXT NOT NULL,
    traits BIGINT NOT NULL,
    active_match TEXT,
    recorded_by TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    note TEXT NOT NULL
) {keyed};
-- 对接: the confirmation code is kept as a hash (the household holds the code on its card).
CREATE TABLE IF NOT EXISTS matches (
    id TEXT PRIMARY KEY,
    village_code TEXT NOT NULL,
    need_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    offer_id TEXT NOT NULL,
    donor_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    value BIGINT NOT NULL,
    delivered_amount BIGINT,
    receipt TEXT,
    delivered_on TEXT,
    code_hash TEXT,
    feedback TEXT NOT NULL,
    complaint TEXT NOT NULL,
    proposed_on TEXT NOT NULL,
    updated_on TEXT NOT NULL
) {keyed};
-- Each matcher run over a region: what it saw and proposed, and the offers' prices it ended
-- with (the next run over the region starts from them).
CREATE TABLE IF NOT EXISTS match_runs (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    needs BIGINT NOT NULL,
    offers BIGINT NOT NULL,
    candidates BIGINT NOT NULL,
    proposed BIGINT NOT NULL,
    cost BIGINT NOT NULL,
    prices TEXT NOT NULL
);
"#,
    indexes: r#"
CREATE UNIQUE INDEX IF NOT EXISTS matches_one_active ON matches (need_id) WHERE state IN ('proposed', 'accepted', 'agreed', 'delivered');
CREATE INDEX IF NOT EXISTS matches_donor ON matches (donor_id, state);
CREATE INDEX IF NOT EXISTS needs_household ON needs (household_id);
CREATE INDEX IF NOT EXISTS needs_open ON needs (state, category, village_code);
CREATE INDEX IF NOT EXISTS offers_donor ON offers (donor_id);
CREATE INDEX IF NOT EXISTS match_runs_region ON match_runs (region, at);
"#,
    migrations: &[],
};
