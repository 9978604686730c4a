//! The public figures of 供需对接: needs by category and state, deliveries, donors ranked by
//! what households confirmed they received, and a donor's own record. Nothing here names a
//! household.

use super::{donors, yuan};
use crate::core::db::Backend;
use crate::sql_store::SqlStore;
use crate::{Result, StoreError};
use fupin_domain::id_number::Date;
use fupin_domain::matching::{Donor, DonorState, Match};
use fupin_domain::{RegionCode, Yuan};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DonorRank {
    pub donor_id: String,
    pub name: String,
    pub kind: String,
    /// Confirmed by the households, in 分.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub delivered: Yuan,
    pub households: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchingFigures {
    pub region: String,
    /// Published needs by category code, then by what became of them: `open` (waiting), `under_way`
    /// (a match in progress), `met`.
    pub needs: BTreeMap<String, BTreeMap<String, i64>>,
    /// Matches by state code.
    pub matches: BTreeMap<String, i64>,
    /// Needs met or under way, of all published (met, under way or open), in per mille.
    pub match_rate_permille: i64,
    /// Confirmed deliveries and their value (分).
    pub delivered: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub delivered_value: Yuan,
    /// Matches agreed but not delivered by the need's deadline.
    pub overdue: i64,
    pub donors: Vec<DonorRank>,
    /// The regions one level down (code, name), to go down to.
    pub children: Vec<(String, String)>,
}

pub(super) fn of_region<B: Backend>(s: &SqlStore<B>, region: Option<&RegionCode>, on: Date) -> Result<MatchingFigures> {
    let region = match region {
        Some(r) => r.clone(),
        None => s.read(|tx| {
            let r = tx
                .query_one("SELECT code FROM regions WHERE level = 'province' ORDER BY code LIMIT 1", &[])?
                .ok_or(StoreError::NotFound)?;
            Ok(RegionCode::parse(r.str(0)?)?)
        })?,
    };
    let (lo, hi) = region.code_range();
    s.read(|tx| {
        let range = [lo.as_str().into(), hi.as_str().into()];
        let mut needs: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let rows = tx.query(
            "SELECT category, CASE WHEN state = 'met' THEN 'met' WHEN active_match IS NOT NULL THEN 'under_way' ELSE 'open' END, COUNT(*) \
             FROM needs WHERE village_code >= $1 AND village_code < $2 AND state IN ('published', 'met') GROUP BY 1, 2",
            &range,
        )?;
        let (mut reached, mut all) = (0, 0);
        for r in rows {
            let n = r.int(2)?;
            let what = r.text(1)?;
            all += n;
            if what != "open" {
                reached += n;
            }
            needs.entry(r.text(0)?).or_default().insert(what, n);
        }
        let mut matches = BTreeMap::new();
        for r in tx.query("SELECT state, COUNT(*) FROM matches WHERE village_code >= $1 AND village_code < $2 GROUP BY state", &range)? {
            matches.insert(r.text(0)?, r.int(1)?);
        }
        let sum = tx.query_one(
            "SELECT COUNT(*), CAST(COALESCE(SUM(delivered_amount), 0) AS BIGINT) FROM matches WHERE village_code >= $1 AND village_code < $2 AND state = 'closed'",
            &range,
        )?;
        let (delivered, value) = match sum {
            Some(r) => (r.int(0)?, r.int(1)?),
            None => (0, 0),
        };
        let overdue = tx
            .query_one(
                "SELECT COUNT(*) FROM matches m JOIN needs n ON n.id = m.need_id WHERE m.village_code >= $1 AND m.village_code < $2 \
                 AND m.state = 'agreed' AND n.deadline < $3",
                &[lo.as_str().into(), hi.as_str().into(), on.to_string().into()],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0);
        let ranks = tx.query(
            "SELECT m.donor_id, d.name, d.kind, CAST(SUM(m.delivered_amount) AS BIGINT), COUNT(DISTINCT m.household_id) FROM matches m \
             JOIN donors d ON d.id = m.donor_id WHERE m.village_code >= $1 AND m.village_code < $2 AND m.state = 'closed' \
             GROUP BY m.donor_id, d.name, d.kind ORDER BY 4 DESC, 1 LIMIT 20",
            &range,
        )?;
        let donors = ranks
            .iter()
            .map(|r| {
                let kind = fupin_domain::matching::DonorKind::parse(r.str(2)?).map(|k| k.label().to_string()).unwrap_or_default();
                Ok(DonorRank { donor_id: r.text(0)?, name: r.text(1)?, kind, delivered: yuan(r.int(3)?), households: r.int(4)? })
            })
            .collect::<Result<_>>()?;
        let children = tx
            .query("SELECT code, name FROM regions WHERE parent_code = $1 ORDER BY code", &[region.as_str().into()])?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect::<Result<_>>()?;
        Ok(MatchingFigures {
            children,
            region: region.to_string(),
            needs,
            matches,
            match_rate_permille: if all == 0 { 0 } else { reached * 1000 / all },
            delivered,
            delivered_value: yuan(value),
            overdue,
            donors,
        })
    })
}

/// A verified donor's public record: its closed matches (village and value, no household) and
/// the feedback the households gave.
pub(super) fn donor_record<B: Backend>(s: &SqlStore<B>, donor_id: &str) -> Result<(Donor, Vec<Match>)> {
    let d = s.read(|tx| donors::load(tx, donor_id))?.filter(|d| d.state == DonorState::Verified).ok_or(StoreError::NotFound)?;
    let out = s.read(|tx| super::matches::closed_of_donor(tx, donor_id))?;
    Ok((public(d), out))
}

/// What the public sees of a donor: never its phone or an individual's ID number.
fn public(mut d: Donor) -> Donor {
    d.draft.phone = String::new();
    d.draft.id_number = None;
    d.account = String::new();
    d
}
