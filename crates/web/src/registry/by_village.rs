//! Lists a township or county works through one village at a time: rows grouped under their
//! village's name, in code order (the data checks and the yearly update use it).

use crate::error::ApiError;
use crate::{blocking, AppState};
use fupin_domain::RegionCode;
use std::collections::HashMap;
use std::sync::Arc;

/// One village's rows on a page.
pub struct VillageGroup<T> {
    pub code: String,
    pub name: String,
    pub items: Vec<T>,
}

/// Groups `items` (one page of them) by the village `code_of` names, villages in code order and
/// rows in their given order within each village.
pub async fn group<T>(state: &Arc<AppState>, mut items: Vec<T>, code_of: fn(&T) -> &str) -> Result<Vec<VillageGroup<T>>, ApiError> {
    items.sort_by(|x, y| code_of(x).cmp(code_of(y)));
    let mut codes: Vec<String> = items.iter().map(|i| code_of(i).to_string()).collect();
    codes.dedup();
    let names: HashMap<String, String> = blocking(state, move |s| {
        let mut out = HashMap::new();
        for c in codes {
            if let Some(r) = s.region(&RegionCode::parse(&c)?)? {
                out.insert(c, r.name);
            }
        }
        Ok(out)
    })
    .await?;
    let mut groups: Vec<VillageGroup<T>> = vec![];
    for item in items {
        match groups.last_mut() {
            Some(g) if g.code == code_of(&item) => g.items.push(item),
            _ => groups.push(VillageGroup {
                name: names.get(code_of(&item)).cloned().unwrap_or_default(),
                code: code_of(&item).to_string(),
                items: vec![item],
            }),
        }
    }
    Ok(groups)
}
