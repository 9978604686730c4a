//! Matches: a donor's own pick (点对点) or the matcher's proposal, then each side's steps to
//! the household's confirmation. Taking a need is a compare-and-set on `needs.active_match`
//! in the same transaction that takes the offer's share, so a pick racing the matcher loses
//! cleanly and nothing is half-applied.

use super::{business_date, corrupt, donors, needs, next_id, offers, page_of, record, yuan, Contact, MatchingQuery, StepInput, Stepped};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::core::query::{require, Query};
use crate::registry::RegistryStore;
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::maps::rollup::NEEDS_REACHED;
use fupin_domain::matching::{check_delivery, Delivery, Match, MatchState, Need, NeedState, Offer, Side, Step};
use fupin_domain::{DomainError, RegionCode};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};

const COLS: &str = "m.id, m.need_id, m.offer_id, m.donor_id, d.name, m.village_code, m.version, m.state, m.source, m.reason, m.value, \
                    m.delivered_amount, m.receipt, m.delivered_on, m.feedback, m.complaint, m.proposed_on, m.updated_on, m.household_id";
const FROM: &str = "matches m JOIN donors d ON d.id = m.donor_id";

fn parse(r: &Row) -> Result<Match> {
    let bad = corrupt("matches", r);
    let delivery = match (r.opt_int(11)?, r.opt_text(12)?, r.opt_text(13)?) {
        (Some(a), Some(receipt), Some(on)) => Some(Delivery { amount: yuan(a), receipt, on: Date::parse(&on).map_err(&bad)? }),
        _ => None,
    };
    Ok(Match {
        id: r.text(0)?,
        need_id: r.text(1)?,
        offer_id: r.text(2)?,
        donor_id: r.text(3)?,
        donor_name: r.text(4)?,
        village: RegionCode::parse(r.str(5)?).map_err(&bad)?,
        version: r.int(6)?,
        state: MatchState::parse(r.str(7)?).map_err(&bad)?,
        source: r.text(8)?,
        reason: r.text(9)?,
        value: yuan(r.int(10)?),
        delivery,
        feedback: r.text(14)?,
        complaint: r.text(15)?,
        proposed_on: r.text(16)?,
        updated_on: r.text(17)?,
    })
}

fn load(tx: &mut dyn Tx, id: &str) -> Result<Option<(Match, String)>> {
    tx.query_one(&format!("SELECT {COLS} FROM {FROM} WHERE m.id = $1"), &[id.into()])?.map(|r| Ok((parse(&r)?, r.text(18)?))).transpose()
}

/// A new match on `need` for `offer`: takes the need (compare-and-set) and one share of the
/// offer, and records the event. Refused without change if someone else holds the need.
pub(super) fn open(
    tx: &mut dyn Tx,
    need: &Need,
    offer: &Offer,
    state: MatchState,
    source: &str,
    reason: &str,
    actor: &str,
    at: &str,
) -> Result<Match> {
    let id = next_id(tx, "matches", &format!("{}M", need.id), 2)?;
    let taken = tx.exec(
        "UPDATE needs SET active_match = $1, version = version + 1 WHERE id = $2 AND active_match IS NULL AND state = 'published'",
        &[id.as_str().into(), need.id.as_str().into()],
    )?;
    if taken == 0 {
        return Err(DomainError::new("need.taken", format!("需求{}已由其他帮扶主体对接", need.id)).into());
    }
    offers::take(tx, &offer.id, 1)?;
    let value = offer.draft.unit_value.min(need.draft.amount);
    let m = Match {
        id,
        need_id: need.id.clone(),
        offer_id: offer.id.clone(),
        donor_id: offer.donor_id.clone(),
        donor_name: offer.donor_name.clone(),
        village: need.village.clone(),
        version: 1,
        state,
        source: source.to_string(),
        reason: reason.to_string(),
        value,
        delivery: None,
        feedback: String::new(),
        complaint: String::new(),
        proposed_on: at.get(..10).unwrap_or(at).to_string(),
        updated_on: at.get(..10).unwrap_or(at).to_string(),
    };
    tx.exec(
        "INSERT INTO matches (id, village_code, need_id, household_id, offer_id, donor_id, version, state, source, reason, value, feedback, \
         complaint, proposed_on, updated_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', '', $12, $13)",
        &[
            m.id.as_str().into(),
            m.village.as_str().into(),
            m.need_id.as_str().into(),
            need.household_id.as_str().into(),
            m.offer_id.as_str().into(),
            m.donor_id.as_str().into(),
            m.version.into(),
            m.state.code().into(),
            m.source.as_str().into(),
            m.reason.as_str().into(),
            m.value.fen().into(),
            m.proposed_on.as_str().into(),
            m.updated_on.as_str().into(),
        ],
    )?;
    let kind = if source == "donor" { "match.pick" } else { "match.propose" };
    let mut payload = json!({"match": m.id, "need": m.need_id, "offer": m.offer_id, "donor": m.donor_id, "value": m.value.fen()});
    super::tally(tx, &m.village, &mut payload, NEEDS_REACHED, 1)?;
    record(tx, m.village.as_str(), &need.household_id, kind, actor, reason, payload, at)?;
    Ok(m)
}

/// Whether `offer` may meet `need` on `on`: same category, a served region, the condition met.
pub(super) fn fits(offer: &Offer, need: &Need) -> Result<(), DomainError> {
    if offer.draft.category != need.draft.category {
        return Err(DomainError::new(
            "match.category",
            format!("资源类别“{}”与需求类别“{}”不同", offer.draft.category.label(), need.draft.category.label()),
        ));
    }
    if offer.serves(&need.village).is_none() {
        return Err(DomainError::new("match.region", "该资源的帮扶地区不包括需求所在村"));
    }
    if !need.traits.meets(offer.draft.condition) {
        return Err(DomainError::new("match.condition", format!("该户不符合资源的受助条件（{}）", offer.draft.condition.label())));
    }
    Ok(())
}

pub(super) fn pick<B: Backend>(s: &SqlStore<B>, caller: &Caller, need_id: &str, offer_id: &str, at: &str) -> Result<Match> {
    let on = business_date(at)?;
    s.write(|tx| {
        let donor = donors::acting(tx, caller)?;
        let offer = offers::load(tx, offer_id)?.filter(|o| o.donor_id == donor.id).ok_or(StoreError::NotFound)?;
        if !offer.takes_on(on) {
            return Err(DomainError::new("offer.closed", "该资源已结束、已过期或名额已满").into());
        }
        let need = needs::load(tx, need_id)?.filter(|n| n.state != NeedState::Recorded).ok_or(StoreError::NotFound)?;
        if !need.open_on(on) {
            return Err(DomainError::new("need.taken", format!("需求{}已在对接中、已满足或已过期", need.id)).into());
        }
        fits(&offer, &need)?;
        open(tx, &need, &offer, MatchState::Accepted, "donor", "捐赠方点对点认领", &caller.username, at)
    })
}

fn code_hash(id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{id}:{}", code.trim())))
}

/// The match for a step by `caller`, checked for its side.
fn for_step(tx: &mut dyn Tx, caller: &Caller, id: &str, side: Side) -> Result<(Match, String)> {
    let (m, household) = load(tx, id)?.ok_or(StoreError::NotFound)?;
    match side {
        Side::Donor => {
            let donor = donors::acting(tx, caller)?;
            if m.donor_id != donor.id {
                return Err(StoreError::NotFound);
            }
        }
        Side::Household => {
            require(caller.role.may(Action::RecordNeeds), "由村级管理员或帮扶责任人代农户办理")?;
            needs::in_scope(tx, caller, &m.need_id)?;
        }
        Side::Official => {
            require(caller.role.may(Action::RunMatcher), "只有县级及以上扶贫管理员可以取消对接")?;
            if !caller.scope.region.contains(&m.village) {
                return Err(StoreError::NotFound);
            }
        }
    }
    Ok((m, household))
}

pub(super) fn step<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    step: Step,
    input: &StepInput,
    at: &str,
) -> Result<Stepped> {
    let on = business_date(at)?;
    s.write(|tx| {
        let (mut m, household) = for_step(tx, caller, id, step.side())?;
        if m.version != expected_version {
            return Err(StoreError::Conflict { current: m.version });
        }
        let to = step.from(m.state)?;
        let need = needs::load(tx, &m.need_id)?.ok_or(StoreError::NotFound)?;
        let mut code = None;
        let mut extra: Vec<(&str, Val)> = vec![];
        match step {
            Step::Agree => {
                let c = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
                extra.push(("code_hash", code_hash(&m.id, &c).into()));
                code = Some(c);
            }
            Step::Deliver => {
                let d = input.delivery.clone().ok_or_else(|| DomainError::new("match.delivery", "请填写交付金额和凭证"))?;
                check_delivery(&d, need.draft.amount)?;
                if d.on > on {
                    return Err(DomainError::new("match.delivered_on", "交付日期不能晚于今天").into());
                }
                extra.push(("delivered_amount", d.amount.fen().into()));
                extra.push(("receipt", d.receipt.trim().into()));
                extra.push(("delivered_on", d.on.to_string().into()));
                m.delivery = Some(Delivery { receipt: d.receipt.trim().to_string(), ..d });
            }
            Step::Confirm => {
                let stored = tx
                    .query_one("SELECT code_hash FROM matches WHERE id = $1", &[m.id.as_str().into()])?
                    .and_then(|r| r.opt_text(0).ok().flatten());
                let given = input.code.as_deref().unwrap_or("");
                if stored.as_deref() != Some(code_hash(&m.id, given).as_str()) {
                    return Err(DomainError::new("match.code", "确认码不正确：请核对农户明白卡上的6位确认码").into());
                }
                m.feedback = input.note.trim().chars().take(500).collect();
                extra.push(("feedback", m.feedback.as_str().into()));
            }
            Step::Decline | Step::Refuse | Step::Cancel => {
                if step != Step::Decline && input.note.trim().is_empty() {
                    return Err(DomainError::new("match.note", format!("{}须写明原因", step.label())).into());
                }
            }
            Step::Accept => {}
        }
        m.state = to;
        m.version += 1;
        m.updated_on = on.to_string();
        let mut sets = vec!["state = $1".to_string(), "version = $2".into(), "updated_on = $3".into()];
        let mut vals: Vec<Val> = vec![to.code().into(), m.version.into(), m.updated_on.as_str().into()];
        for (col, v) in extra {
            vals.push(v);
            sets.push(format!("{col} = ${}", vals.len()));
        }
        vals.push(m.id.as_str().into());
        tx.exec(&format!("UPDATE matches SET {} WHERE id = ${}", sets.join(", "), vals.len()), &vals)?;
        if !to.is_active() {
            // The need is free again (or met), and the offer's share is given back unless used.
            let need_state = if to == MatchState::Closed { NeedState::Met } else { NeedState::Published };
            tx.exec(
                "UPDATE needs SET active_match = NULL, state = $1, version = version + 1 WHERE id = $2 AND active_match = $3",
                &[need_state.code().into(), need.id.as_str().into(), m.id.as_str().into()],
            )?;
            if to != MatchState::Closed {
                offers::take(tx, &m.offer_id, -1)?;
            }
        }
        let reason = if input.note.trim().is_empty() { step.label() } else { input.note.trim() };
        let mut payload = json!({"match": m.id, "step": step.code(), "state": to, "amount": m.delivery.as_ref().map(|d| d.amount.fen())});
        if !to.is_active() && to != MatchState::Closed {
            super::tally(tx, &m.village, &mut payload, NEEDS_REACHED, -1)?;
        }
        record(tx, m.village.as_str(), &household, &format!("match.{}", step.code()), &caller.username, reason, payload, at)?;
        Ok(Stepped { matched: m.clone(), code: code.clone() })
    })
}

pub(super) fn complain<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, text: &str, at: &str) -> Result<Match> {
    s.write(|tx| {
        let (mut m, household) = for_step(tx, caller, id, Side::Household)?;
        if m.state != MatchState::Agreed {
            return Err(DomainError::new("match.state", "只有待交付的对接可以投诉未按时交付").into());
        }
        let text = fupin_domain::matching::text(text, "match.complaint", "投诉内容", 500)?;
        // The complaint becomes a 监督举报 about the village, handled by its county like any
        // report (so it has a deadline, cards and its own steps), filed in this transaction.
        let filing = fupin_domain::supervision::Filing {
            category: fupin_domain::supervision::ReportCategory::Other,
            about: m.village.clone(),
            household_id: None,
            text: format!("供需对接{}：捐赠方“{}”逾期未交付。{text}", m.id, m.donor_name),
            name: Some(caller.username.clone()),
            contact: None,
        };
        let filed = crate::supervision::file_in(tx, &s.rules, &filing, &caller.username, at)?;
        let text = format!("{text}（已转监督举报{}）", filed.tracking_number);
        m.complaint = text.clone();
        m.version += 1;
        tx.exec(
            "UPDATE matches SET complaint = $1, version = $2 WHERE id = $3",
            &[text.as_str().into(), m.version.into(), m.id.as_str().into()],
        )?;
        record(tx, m.village.as_str(), &household, "match.complaint", &caller.username, &text, json!({"match": m.id}), at)?;
        Ok(m)
    })
}

/// `AND …` limiting matches to what the caller may see: a donor its own; officials and
/// helpers their jurisdiction.
fn visible(tx: &mut dyn Tx, q: &mut Query, caller: &Caller) -> Result<()> {
    if caller.role.may(Action::Donate) {
        let d = donors::of_account(tx, &caller.username)?.ok_or_else(|| DomainError::new("donor.unregistered", "请先登记帮扶主体信息"))?;
        let p = q.bind(d.id);
        q.push(&format!(" AND m.donor_id = {p}"));
        return Ok(());
    }
    require(caller.role.may(Action::ReadFiles), "该角色不能查看对接记录")?;
    q.scope_of(&caller.scope, "m.village_code", "m.household_id", &caller.scope.region);
    Ok(())
}

pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, mq: &MatchingQuery) -> Result<Page<Match>> {
    let state = super::state_filter(mq, &super::match_states())?;
    let (per, offset) = mq.limits();
    s.read(|tx| {
        let mut q = Query::new(&format!("FROM {FROM} WHERE 1 = 1"));
        visible(tx, &mut q, caller)?;
        if let Some(r) = &mq.region {
            // An official asking for a region outside their own learns nothing, not an empty list.
            if !caller.role.may(Action::Donate) && !caller.scope.region.contains(r) {
                return Err(StoreError::NotFound);
            }
            let (lo, hi) = r.code_range();
            let (lo, hi) = (q.bind(lo), q.bind(hi));
            q.push(&format!(" AND m.village_code >= {lo} AND m.village_code < {hi}"));
        }
        if let Some(st) = &state {
            let p = q.bind(st.as_str());
            q.push(&format!(" AND m.state = {p}"));
        }
        if let Some(h) = &mq.household_id {
            let p = q.bind(h.as_str());
            q.push(&format!(" AND m.household_id = {p}"));
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", q.sql), &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows = tx.query(&format!("SELECT {COLS} {} ORDER BY m.updated_on DESC, m.id LIMIT {per} OFFSET {offset}", q.sql), &q.params)?;
        Ok(page_of(rows.iter().map(parse).collect::<Result<_>>()?, total, mq))
    })
}

pub(super) fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str) -> Result<Match> {
    s.read(|tx| {
        let mut q = Query::new(&format!("SELECT {COLS} FROM {FROM} WHERE m.id = "));
        let p = q.bind(id);
        q.push(&p);
        visible(tx, &mut q, caller)?;
        tx.query_one(&q.sql, &q.params)?.map(|r| parse(&r)).transpose()?.ok_or(StoreError::NotFound)
    })
}

pub(super) fn contact<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, at: &str) -> Result<Contact> {
    let (m, household) = s.read(|tx| {
        let donor = donors::acting(tx, caller)?;
        load(tx, id)?.filter(|(m, _)| m.donor_id == donor.id).ok_or(StoreError::NotFound)
    })?;
    if !m.state.reveals() {
        return Err(StoreError::Forbidden("农户同意接受帮扶后，才能查看其姓名和联系方式".into()));
    }
    // The donor may not read files: the file is read as the system, for these fields only.
    let province = RegionCode::parse(&m.village.as_str()[..2])?;
    let h = s.household(&Caller::system(province), &household)?;
    let head = h.head().ok_or_else(|| StoreError::Corrupt(format!("households ({household}): no head")))?;
    let phone = if h.phone.is_empty() { head.phone.clone() } else { h.phone.clone() };
    let place = s.read(|tx| {
        let codes: Vec<String> = [6, 9, 12].iter().filter_map(|n| m.village.as_str().get(..*n)).map(str::to_string).collect();
        let mut names = vec![];
        for c in codes {
            if let Some(r) = tx.query_one("SELECT name FROM regions WHERE code = $1", &[c.as_str().into()])? {
                names.push(r.text(0)?);
            }
        }
        Ok(names.join(""))
    })?;
    let helper = h.helpers.first().map(|x| format!("{}（{}，{}）", x.name, x.unit, x.phone)).unwrap_or_default();
    s.audit_pii(caller, &household, "name,phone", at)?;
    Ok(Contact { match_id: m.id, head_name: head.name.clone(), phone, place, helper })
}

/// A donor's completed matches, newest first (its public record).
pub(super) fn closed_of_donor(tx: &mut dyn Tx, donor_id: &str) -> Result<Vec<Match>> {
    let rows = tx.query(
        &format!("SELECT {COLS} FROM {FROM} WHERE m.donor_id = $1 AND m.state = 'closed' ORDER BY m.updated_on DESC, m.id LIMIT 200"),
        &[donor_id.into()],
    )?;
    rows.iter().map(parse).collect()
}
