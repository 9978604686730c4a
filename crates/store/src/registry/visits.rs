//! 走访记录 in the store: a visit is recorded by the household's paired helper or its village
//! official, as an event on the county's chain; the helper's list of households says when each
//! was last visited, so the due and overdue ones come first.

use crate::core::db::Tx;
use crate::core::ledger::{self, Event};
use crate::core::query::Query;
use crate::registry::write::ensure_in_scope;
use crate::{Result, StoreError};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::registry::visit::{self, Visit, VisitReport};
use serde_json::json;

/// A household of the caller's with its last visit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitStatus {
    pub household_id: String,
    pub head_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub last_visit: Option<Date>,
}

pub(crate) fn record(tx: &mut dyn Tx, caller: &Caller, household_id: &str, r: &VisitReport, today: Date, at: &str) -> Result<Visit> {
    visit::validate(r, today)?;
    ensure_in_scope(tx, caller, household_id)?;
    let name = tx.query_one("SELECT display_name FROM users WHERE username = $1", &[caller.username.as_str().into()])?;
    let visitor_name = name.map(|r| r.text(0)).transpose()?.unwrap_or_else(|| caller.username.clone());
    let last = tx.query_one("SELECT MAX(no) FROM visits WHERE household_id = $1", &[household_id.into()])?;
    let no = last.and_then(|r| r.opt_int(0).ok().flatten()).unwrap_or(0) + 1;
    let v = Visit {
        no,
        report: VisitReport { visited_on: r.visited_on, found: r.found.trim().to_string(), done: r.done.trim().to_string() },
        visitor: caller.username.clone(),
        visitor_name,
    };
    tx.exec(
        "INSERT INTO visits (household_id, no, visited_on, visitor, visitor_name, found, done, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            household_id.into(),
            no.into(),
            v.report.visited_on.to_string().into(),
            v.visitor.as_str().into(),
            v.visitor_name.as_str().into(),
            v.report.found.as_str().into(),
            v.report.done.as_str().into(),
            at.into(),
        ],
    )?;
    let payload = json!({"after": {"no": no, "visited_on": v.report.visited_on, "found": v.report.found, "done": v.report.done}});
    let mut ev = Event::new(
        &household_id[..6],
        household_id,
        "visit",
        &caller.username,
        at,
        &format!("{}走访", v.report.visited_on),
        payload.to_string(),
    );
    ledger::append(tx, &mut ev)?;
    Ok(v)
}

pub(crate) fn of_household(tx: &mut dyn Tx, caller: &Caller, household_id: &str) -> Result<Vec<Visit>> {
    ensure_in_scope(tx, caller, household_id)?;
    let rows = tx.query(
        "SELECT no, visited_on, visitor, visitor_name, found, done FROM visits WHERE household_id = $1 ORDER BY visited_on DESC, no DESC",
        &[household_id.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Visit {
                no: r.int(0)?,
                report: VisitReport {
                    visited_on: Date::parse(r.str(1)?).map_err(|e| StoreError::Corrupt(format!("visits ({household_id}): {e}")))?,
                    found: r.text(4)?,
                    done: r.text(5)?,
                },
                visitor: r.text(2)?,
                visitor_name: r.text(3)?,
            })
        })
        .collect()
}

/// The caller's households still on the register (a helper's paired ones, a village's), each
/// with its last visit, those never or longest not visited first.
pub(crate) fn status(tx: &mut dyn Tx, caller: &Caller) -> Result<Vec<VisitStatus>> {
    let mut q = Query::new(
        "SELECT h.id, (SELECT m.name FROM members m WHERE m.household_id = h.id AND m.relation = '01' AND m.active = 1 LIMIT 1), \
         (SELECT MAX(v.visited_on) FROM visits v WHERE v.household_id = h.id) FROM households h WHERE h.status IN ('1', '2', '3', '4')",
    );
    q.scope(&caller.scope, "h", &caller.scope.region);
    q.push(" ORDER BY h.id LIMIT 2000");
    let mut out: Vec<VisitStatus> = tx
        .query(&q.sql, &q.params)?
        .iter()
        .map(|r| {
            Ok(VisitStatus {
                household_id: r.text(0)?,
                head_name: r.opt_text(1)?.unwrap_or_default(),
                last_visit: r.opt_text(2)?.map(|d| Date::parse(&d)).transpose().map_err(|e| StoreError::Corrupt(format!("visits: {e}")))?,
            })
        })
        .collect::<Result<_>>()?;
    out.sort_by(|a, b| a.last_visit.cmp(&b.last_visit).then_with(|| a.household_id.cmp(&b.household_id)));
    Ok(out)
}
