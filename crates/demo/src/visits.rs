//! The demo's visits (走访记录) where the demo accounts look: the demo helper's households (most
//! visited within the month, some overdue) and half of the demo village's, recorded through the
//! store like a helper's phone would. The province's other files carry none: a visit per file
//! per month would outweigh the rest of the demo.

use fupin_domain::access::{Caller, Scope};
use fupin_domain::id_number::Date;
use fupin_domain::registry::visit::VisitReport;
use fupin_store::prelude::*;
use fupin_store::StoreError;

const FOUND: &[&str] = &[
    "户主慢性病情稳定，按时服药；家中小麦长势良好。",
    "孩子在读初二，学习正常；家庭收入主要靠务工。",
    "房屋屋顶有渗漏，需要尽快维修。",
    "户主反映医疗费用报销比例不清楚，已当面讲解。",
    "家中两人外出务工，留守老人身体尚可。",
];
const DONE: &[&str] = &["讲解大病保险和医疗救助政策。", "联系村里安排公益岗位。", "协助申请危房改造。", "送去雨露计划申请表。", ""];

fn caller_of(store: &dyn Store, username: &str) -> Result<Option<Caller>, StoreError> {
    Ok(store.user(username)?.map(|u| Caller {
        username: u.username,
        role: u.role,
        scope: Scope { region: u.region, helper_id: u.helper_id },
    }))
}

/// Records the demo's visits; returns how many.
pub fn seed_demo(store: &dyn Store, as_of: Date) -> Result<usize, StoreError> {
    let today = as_of.day_number();
    let mut n = 0;
    let mut visit = |who: &Caller, id: &str, days_ago: i64, i: usize| -> Result<(), StoreError> {
        let on = Date::from_day_number(today - days_ago);
        let r = VisitReport { visited_on: on, found: FOUND[i % FOUND.len()].into(), done: DONE[i % DONE.len()].into() };
        store.record_visit(who, id, &r, as_of, &on.to_string())?;
        n += 1;
        Ok(())
    };
    if let Some(helper) = caller_of(store, "helper")? {
        for (i, h) in store.visit_status(&helper)?.iter().enumerate() {
            visit(&helper, &h.household_id, 40 + (i as i64 % 10), i)?;
            // Every fourth is overdue: its last visit was over a month ago.
            if i % 4 != 3 {
                visit(&helper, &h.household_id, 3 + (i as i64 * 7) % 25, i + 1)?;
            }
        }
    }
    if let Some(village) = caller_of(store, "village")? {
        for (i, h) in store.visit_status(&village)?.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
            visit(&village, &h.household_id, 5 + (i as i64) % 20, i + 2)?;
        }
    }
    Ok(n)
}
