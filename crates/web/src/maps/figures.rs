//! Key figures derived from rollup metrics, shared by the API and the pages.

use fupin_domain::maps::rollup::Tally;
use fupin_store::Figures;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// 建档立卡 files ever registered (all statuses).
    pub registered: Tally,
    /// 未脱贫 + 返贫
    pub remaining: Tally,
    /// 已脱贫 (with or without continuing policy support)
    pub exited: Tally,
    pub returned: Tally,
    pub removed: Tally,
    /// Households paired with at least one helper.
    pub helped: Tally,
}

fn sum(f: &Figures, metrics: &[&str]) -> Tally {
    metrics
        .iter()
        .filter_map(|m| f.get(*m))
        .fold(Tally::default(), |a, t| Tally { households: a.households + t.households, persons: a.persons + t.persons })
}

pub fn summary(f: &Figures) -> Summary {
    Summary {
        registered: sum(f, &["all"]),
        remaining: sum(f, &["status:1", "status:4"]),
        exited: sum(f, &["status:2", "status:3"]),
        returned: sum(f, &["status:4"]),
        removed: sum(f, &["status:9"]),
        helped: sum(f, &["helped"]),
    }
}

/// One line of a "下级区域" table: the child region, where its name links to, its figures.
pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub href: Option<String>,
    pub s: Summary,
}

/// The children table of a page; `href` says where each child's name leads (none: plain text).
pub fn child_rows(children: &[(fupin_store::Region, Figures)], href: impl Fn(&fupin_store::Region) -> Option<String>) -> Vec<ChildRow> {
    children.iter().map(|(r, f)| ChildRow { code: r.code.clone(), name: r.name.clone(), href: href(r), s: summary(f) }).collect()
}
