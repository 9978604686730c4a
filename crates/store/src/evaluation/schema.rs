//! 成效评估's tables: third-party evaluations, each with the frame it drew from (frozen: the
//! seed and this frame redraw the sample), its sampled villages and its units.

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- A third-party evaluation of one county: the plan with its published seed, the frame's
-- digest (SHA-256 of the frame as `evaluation_frame` holds it, in the order it is published).
CREATE TABLE IF NOT EXISTS evaluations (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    year BIGINT NOT NULL,
    plan TEXT NOT NULL,
    frame_digest TEXT NOT NULL,
    state TEXT NOT NULL,
    evaluator TEXT NOT NULL,
    drawn_at TEXT NOT NULL
) {keyed};
-- The frame's villages and files as they stood when the sample was drawn. A village row has
-- kind 'village', household_id '' and persons = its rural population.
CREATE TABLE IF NOT EXISTS evaluation_frame (
    evaluation_id TEXT NOT NULL,
    village TEXT NOT NULL,
    kind TEXT NOT NULL,
    household_id TEXT NOT NULL,
    persons BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, village, kind, household_id)
) {keyed};
-- The sampled villages, with their stratum and probability (as text: the exact f64).
CREATE TABLE IF NOT EXISTS evaluation_villages (
    evaluation_id TEXT NOT NULL,
    village TEXT NOT NULL,
    stratum TEXT NOT NULL,
    probability TEXT NOT NULL,
    outside_population BIGINT NOT NULL,
    still_poor_files BIGINT NOT NULL,
    exited_files BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, village)
) {keyed};
-- The sampled files, numbered in the field list's order, with their design weight, then the
-- households outside the register found in the field (household_id '', the head's name in
-- `head`, weight '0': theirs is derived on reading, from how many were found in the village).
-- `result` is the FieldResult as JSON once recorded.
CREATE TABLE IF NOT EXISTS evaluation_units (
    evaluation_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    village TEXT NOT NULL,
    kind TEXT NOT NULL,
    household_id TEXT NOT NULL,
    head TEXT,
    persons BIGINT NOT NULL,
    weight TEXT NOT NULL,
    result TEXT,
    recorded_by TEXT,
    recorded_at TEXT,
    PRIMARY KEY (evaluation_id, n)
) {keyed};
"#,
    indexes: r#"
CREATE INDEX IF NOT EXISTS evaluations_county ON evaluations (county, year);
"#,
    migrations: &[],
};
