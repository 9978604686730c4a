//! 政策发布's tables: one row per policy document (a revision is a row of its own).

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 政策发布: documents by id (P + the issuing region + a number); a revision is a new row that
-- names the one it revises. The text of a published row is never updated.
CREATE TABLE IF NOT EXISTS policies (
    id TEXT PRIMARY KEY,
    issuer_region TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    validity TEXT NOT NULL,
    title TEXT NOT NULL,
    issuer_unit TEXT NOT NULL,
    -- 发文字号 as written (机关代字〔年〕序号号); unique per issuing region once given.
    doc_number TEXT,
    category TEXT NOT NULL,
    written_on TEXT NOT NULL,
    published_on TEXT,
    effective_on TEXT,
    expires_on TEXT,
    body TEXT NOT NULL,
    implements TEXT,
    revises TEXT,
    revised_by TEXT,
    drafted_by TEXT NOT NULL
) {keyed};
-- A document's attachments (added while it is a draft, never changed once published).
CREATE TABLE IF NOT EXISTS policy_attachments (
    policy_id TEXT NOT NULL,
    no BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (policy_id, no)
) {keyed};
-- Their bytes are in the shared `files` table (core).
"#,
    indexes: r#"
CREATE UNIQUE INDEX IF NOT EXISTS policies_doc_number ON policies (issuer_region, doc_number) WHERE doc_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS policies_published ON policies (state, published_on);
"#,
    migrations: &[],
};
