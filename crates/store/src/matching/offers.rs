//! Offers: published by verified donors, read by anyone; `taken` moves only with match steps.

use super::{business_date, corrupt, donors, next_id, page_of, record, yuan, MatchingQuery};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::Caller;
use fupin_domain::id_number::Date;
use fupin_domain::matching::{offer, AidCategory, Condition, Offer, OfferDraft, OfferState, Unit};
use fupin_domain::{DomainError, RegionCode};
use serde_json::json;

const COLS: &str = "o.id, o.donor_id, d.name, o.version, o.state, o.category, o.title, o.description, o.capacity, o.taken, o.unit, \
                    o.unit_value, o.regions, o.deadline, o.requirement, o.posted_on";
const FROM: &str = "offers o JOIN donors d ON d.id = o.donor_id";

pub(super) fn parse(r: &Row) -> Result<Offer> {
    let bad = corrupt("offers", r);
    let regions = r.str(12)?.split_whitespace().map(RegionCode::parse).collect::<Result<Vec<_>, _>>().map_err(&bad)?;
    Ok(Offer {
        id: r.text(0)?,
        donor_id: r.text(1)?,
        donor_name: r.text(2)?,
        version: r.int(3)?,
        state: OfferState::parse(r.str(4)?).map_err(&bad)?,
        draft: OfferDraft {
            category: AidCategory::parse(r.str(5)?).map_err(&bad)?,
            title: r.text(6)?,
            description: r.text(7)?,
            capacity: r.int(8)? as u32,
            unit: Unit::parse(r.str(10)?).map_err(&bad)?,
            unit_value: yuan(r.int(11)?),
            regions,
            deadline: Date::parse(r.str(13)?).map_err(&bad)?,
            condition: Condition::parse(r.str(14)?).map_err(&bad)?,
        },
        taken: r.int(9)? as u32,
        posted_on: r.text(15)?,
    })
}

pub(super) fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Offer>> {
    tx.query_one(&format!("SELECT {COLS} FROM {FROM} WHERE o.id = $1"), &[id.into()])?.map(|r| parse(&r)).transpose()
}

fn insert(tx: &mut dyn Tx, o: &Offer) -> Result<()> {
    let d = &o.draft;
    let regions: Vec<&str> = d.regions.iter().map(|r| r.as_str()).collect();
    tx.exec(
        "INSERT INTO offers (id, donor_id, version, state, category, title, description, capacity, taken, unit, unit_value, regions, \
         deadline, requirement, posted_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        &[
            o.id.as_str().into(),
            o.donor_id.as_str().into(),
            o.version.into(),
            o.state.code().into(),
            d.category.code().into(),
            d.title.as_str().into(),
            d.description.as_str().into(),
            (d.capacity as i64).into(),
            (o.taken as i64).into(),
            d.unit.code().into(),
            d.unit_value.fen().into(),
            regions.join(" ").into(),
            d.deadline.to_string().into(),
            d.condition.code().into(),
            o.posted_on.as_str().into(),
        ],
    )?;
    Ok(())
}

/// Moves `n` shares of an offer (positive: taken by a match; negative: freed), refusing to take
/// more than it has: the one place `taken` changes.
pub(super) fn take(tx: &mut dyn Tx, id: &str, n: i64) -> Result<()> {
    let changed = tx.exec(
        "UPDATE offers SET taken = taken + $1, version = version + 1 WHERE id = $2 AND taken + $1 >= 0 AND taken + $1 <= capacity",
        &[n.into(), id.into()],
    )?;
    if changed == 0 {
        return Err(DomainError::new("offer.full", "该资源名额已满").into());
    }
    Ok(())
}

pub(super) fn post<B: Backend>(s: &SqlStore<B>, caller: &Caller, d: &OfferDraft, at: &str) -> Result<Offer> {
    let on = business_date(at)?;
    let d = offer::validate(d, on)?;
    s.write(|tx| {
        let donor = donors::acting(tx, caller)?;
        for r in &d.regions {
            if tx.query_one("SELECT code FROM regions WHERE code = $1", &[r.as_str().into()])?.is_none() {
                return Err(DomainError::new("offer.regions", format!("地区{r}不存在")).into());
            }
        }
        let county = donor.county();
        let o = Offer {
            id: next_id(tx, "offers", &format!("O{county}-"), 5)?,
            donor_id: donor.id.clone(),
            donor_name: donor.draft.name.clone(),
            version: 1,
            state: OfferState::Open,
            draft: d.clone(),
            taken: 0,
            posted_on: on.to_string(),
        };
        insert(tx, &o)?;
        let payload = json!({"category": d.category, "title": d.title, "capacity": d.capacity, "unit_value": d.unit_value.fen()});
        record(tx, county.as_str(), &o.id, "offer.post", &caller.username, "发布帮扶资源", payload, at)?;
        Ok(o)
    })
}

pub(super) fn withdraw<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, expected_version: i64, at: &str) -> Result<Offer> {
    s.write(|tx| {
        let donor = donors::acting(tx, caller)?;
        let mut o = load(tx, id)?.filter(|o| o.donor_id == donor.id).ok_or(StoreError::NotFound)?;
        if o.version != expected_version {
            return Err(StoreError::Conflict { current: o.version });
        }
        if o.state != OfferState::Open {
            return Err(DomainError::new("offer.state", format!("资源已{}", o.state.label())).into());
        }
        tx.exec("UPDATE offers SET state = $1, version = version + 1 WHERE id = $2", &[OfferState::Withdrawn.code().into(), id.into()])?;
        o.state = OfferState::Withdrawn;
        o.version += 1;
        record(tx, donor.county().as_str(), &o.id, "offer.withdraw", &caller.username, "撤回帮扶资源", json!({"taken": o.taken}), at)?;
        Ok(o)
    })
}

/// Offers of verified donors (a suspended donor's offers leave the lists). `region` keeps the
/// offers serving it (a served region containing it, or inside it). Offers are few beside
/// needs (a province holds thousands), so the served-region test runs here over the rows the
/// SQL filters left.
pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: Option<&Caller>, q: &MatchingQuery) -> Result<Page<Offer>> {
    let state = super::state_filter(q, &OfferState::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())?;
    let own = caller.filter(|c| c.role.may(fupin_domain::access::Action::Donate));
    s.read(|tx| {
        let mut vals: Vec<Val> = vec![];
        let mut cond = String::from("1 = 1");
        let mut bind = |cond: &mut String, sql: &str, v: Val| {
            vals.push(v);
            cond.push_str(&sql.replace('?', &format!("${}", vals.len())));
        };
        match own.map(|c| donors::of_account(tx, &c.username)).transpose()?.flatten() {
            // A donor's own list shows every offer it made.
            Some(d) if q.donor_id.as_deref() == Some(d.id.as_str()) => bind(&mut cond, " AND o.donor_id = ?", d.id.as_str().into()),
            _ => {
                bind(&mut cond, " AND d.state = ?", "verified".into());
                if let Some(id) = &q.donor_id {
                    bind(&mut cond, " AND o.donor_id = ?", id.as_str().into());
                }
            }
        }
        if let Some(st) = &state {
            bind(&mut cond, " AND o.state = ?", st.as_str().into());
        }
        if let Some(c) = q.category {
            bind(&mut cond, " AND o.category = ?", c.code().into());
        }
        let rows = tx.query(&format!("SELECT {COLS} FROM {FROM} WHERE {cond} ORDER BY o.posted_on DESC, o.id"), &vals)?;
        let mut all = rows.iter().map(parse).collect::<Result<Vec<_>>>()?;
        if let Some(r) = &q.region {
            all.retain(|o| o.draft.regions.iter().any(|x| x.contains(r) || r.contains(x)));
        }
        let (per, offset) = q.limits();
        let total = all.len() as i64;
        let items = all.into_iter().skip(offset as usize).take(per as usize).collect();
        Ok(page_of(items, total, q))
    })
}
