//! The maps' own table: yearly exit targets per county (倒排工期).

use crate::schema::Part;

pub const PART: Part = Part {
    tables: r#"
-- 倒排工期: each county's yearly exit target (persons); cities and the province are sums.
CREATE TABLE IF NOT EXISTS targets (
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    persons BIGINT NOT NULL,
    PRIMARY KEY (region_code, year)
) {keyed};
"#,
    indexes: r#"

"#,
    migrations: &[],
};
