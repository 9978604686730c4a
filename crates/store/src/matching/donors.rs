//! Donors: registration by the donor's account, verification and suspension by its county.

use super::{business_date, corrupt, next_id, page_of, record, MatchingQuery};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::core::query::require;
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::matching::{donor, CreditCode, Donor, DonorDraft, DonorKind, DonorState};
use fupin_domain::{DomainError, IdNumber, RegionCode};
use serde_json::json;

pub(super) const COLS: &str =
    "id, county_code, account, version, state, kind, name, credit_code, contact, phone, id_number, region, about, registered_on";

pub(super) fn parse(r: &Row) -> Result<Donor> {
    let bad = corrupt("donors", r);
    Ok(Donor {
        id: r.text(0)?,
        account: r.text(2)?,
        version: r.int(3)?,
        state: DonorState::parse(r.str(4)?).map_err(&bad)?,
        draft: DonorDraft {
            kind: DonorKind::parse(r.str(5)?).map_err(&bad)?,
            name: r.text(6)?,
            credit_code: r.opt_text(7)?.map(|c| CreditCode::parse(&c).map_err(&bad)).transpose()?,
            contact: r.text(8)?,
            phone: r.text(9)?,
            id_number: r.opt_text(10)?.map(|c| IdNumber::parse(&c).map_err(&bad)).transpose()?,
            region: RegionCode::parse(r.str(11)?).map_err(&bad)?,
            about: r.text(12)?,
        },
        registered_on: r.text(13)?,
    })
}

fn save(tx: &mut dyn Tx, d: &Donor) -> Result<()> {
    let x = &d.draft;
    let vals: Vec<Val> = vec![
        d.id.as_str().into(),
        d.county().as_str().into(),
        d.account.as_str().into(),
        d.version.into(),
        d.state.code().into(),
        x.kind.code().into(),
        x.name.as_str().into(),
        x.credit_code.as_ref().map(|c| c.as_str()).into(),
        x.contact.as_str().into(),
        x.phone.as_str().into(),
        x.id_number.as_ref().map(|c| c.as_str()).into(),
        x.region.as_str().into(),
        x.about.as_str().into(),
        d.registered_on.as_str().into(),
    ];
    tx.exec("DELETE FROM donors WHERE id = $1", &[d.id.as_str().into()])?;
    let params: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
    tx.exec(&format!("INSERT INTO donors ({COLS}) VALUES ({})", params.join(", ")), &vals)?;
    Ok(())
}

pub(super) fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<Donor>> {
    tx.query_one(&format!("SELECT {COLS} FROM donors WHERE id = $1"), &[id.into()])?.map(|r| parse(&r)).transpose()
}

pub(super) fn of_account(tx: &mut dyn Tx, account: &str) -> Result<Option<Donor>> {
    tx.query_one(&format!("SELECT {COLS} FROM donors WHERE account = $1"), &[account.into()])?.map(|r| parse(&r)).transpose()
}

/// The caller's own donor, verified: what every donor-side step needs.
pub(super) fn acting(tx: &mut dyn Tx, caller: &Caller) -> Result<Donor> {
    require(caller.role.may(Action::Donate), "只有社会帮扶主体可以发布资源和认领需求")?;
    let d = of_account(tx, &caller.username)?.ok_or_else(|| DomainError::new("donor.unregistered", "请先登记帮扶主体信息"))?;
    match d.state {
        DonorState::Verified => Ok(d),
        s => Err(DomainError::new("donor.state", format!("帮扶主体{}，暂不能发布资源或对接需求", s.label())).into()),
    }
}

/// Officials see the donors based in their region (county and above); a donor sees itself.
fn may_see(caller: &Caller, d: &Donor) -> bool {
    d.account == caller.username || (caller.role.official_level().is_some() && caller.scope.region.contains(&d.county()))
}

pub(super) fn register<B: Backend>(s: &SqlStore<B>, caller: &Caller, d: &DonorDraft, at: &str) -> Result<Donor> {
    require(caller.role.may(Action::Donate), "只有社会帮扶主体账号可以登记帮扶主体")?;
    let d = donor::validate(d)?;
    let on = business_date(at)?;
    s.write(|tx| {
        if let Some(old) = of_account(tx, &caller.username)? {
            return Err(DomainError::new("donor.registered", format!("本账号已登记为“{}”", old.draft.name)).into());
        }
        if tx.query_one("SELECT code FROM regions WHERE code = $1", &[d.region.as_str().into()])?.is_none() {
            return Err(DomainError::new("donor.region", format!("地区{}不存在", d.region)).into());
        }
        if let Some(code) = &d.credit_code {
            if let Some(r) = tx.query_one("SELECT name FROM donors WHERE credit_code = $1", &[code.as_str().into()])? {
                return Err(DomainError::new("donor.credit_code", format!("统一社会信用代码{code}已由“{}”登记", r.text(0)?)).into());
            }
        }
        let county = d.region.county().ok_or_else(|| DomainError::new("donor.region", "所在地区应精确到县"))?;
        let donor = Donor {
            id: next_id(tx, "donors", &format!("D{county}-"), 4)?,
            version: 1,
            state: DonorState::Pending,
            account: caller.username.clone(),
            draft: d.clone(),
            registered_on: on.to_string(),
        };
        save(tx, &donor)?;
        record(
            tx,
            county.as_str(),
            &donor.id,
            "donor.register",
            &caller.username,
            "登记帮扶主体",
            json!({"name": donor.draft.name, "kind": donor.draft.kind}),
            at,
        )?;
        Ok(donor)
    })
}

pub(super) fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<Donor> {
    s.read(|tx| load(tx, id)?.filter(|d| may_see(caller, d)).ok_or(StoreError::NotFound))
}

pub(super) fn verify<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    verified: bool,
    note: &str,
    at: &str,
) -> Result<Donor> {
    require(caller.role.may(Action::VerifyDonors), "帮扶主体由所在县的扶贫管理员审核")?;
    s.write(|tx| {
        let mut d = load(tx, id)?.filter(|d| caller.scope.region.contains(&d.county())).ok_or(StoreError::NotFound)?;
        if d.version != expected_version {
            return Err(StoreError::Conflict { current: d.version });
        }
        let to = if verified { DonorState::Verified } else { DonorState::Suspended };
        if d.state == to {
            return Err(DomainError::new("donor.state", format!("帮扶主体已是“{}”", to.label())).into());
        }
        if !verified && note.trim().is_empty() {
            return Err(DomainError::new("donor.note", "暂停帮扶主体须写明原因").into());
        }
        d.state = to;
        d.version += 1;
        save(tx, &d)?;
        let (kind, why) = if verified { ("donor.verify", "审核通过") } else { ("donor.suspend", note) };
        record(
            tx,
            d.county().as_str(),
            &d.id,
            kind,
            &caller.username,
            if note.trim().is_empty() { why } else { note },
            json!({"state": d.state}),
            at,
        )?;
        Ok(d)
    })
}

pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, q: &MatchingQuery) -> Result<Page<Donor>> {
    require(caller.role.official_level().is_some(), "只有扶贫管理员可以查看帮扶主体名录")?;
    let region = q.region.clone().unwrap_or_else(|| caller.scope.region.clone());
    if !caller.scope.region.contains(&region) {
        return Err(StoreError::NotFound);
    }
    let state = super::state_filter(q, &DonorState::ALL.iter().map(|s| s.code()).collect::<Vec<_>>())?;
    // Donors are kept by county: the county and the levels above list them.
    require(region.as_str().len() <= 6, "帮扶主体名录由县级及以上扶贫管理员查看")?;
    let (lo, hi) = region.code_range();
    let (per, offset) = q.limits();
    s.read(|tx| {
        let mut vals: Vec<Val> = vec![lo.as_str().into(), hi.as_str().into()];
        let mut cond = String::from("county_code >= $1 AND county_code < $2");
        if let Some(st) = &state {
            vals.push(st.as_str().into());
            cond.push_str(" AND state = $3");
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) FROM donors WHERE {cond}"), &vals)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows = tx.query(&format!("SELECT {COLS} FROM donors WHERE {cond} ORDER BY state, id LIMIT {per} OFFSET {offset}"), &vals)?;
        Ok(page_of(rows.iter().map(parse).collect::<Result<_>>()?, total, q))
    })
}
