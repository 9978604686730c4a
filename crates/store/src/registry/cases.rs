//! Lifecycle cases (识别, 脱贫退出, 返贫, 清退) and objections, over the same transactions and
//! ledger as the files. A case's steps are ledger events of the household's county; the
//! completing step changes the file through the one change path, in the same transaction.

use super::rows::load_household;
use super::write::*;
use crate::core::db::{Row, Tx, Val};
use crate::core::ledger::{self, Event};
use crate::core::query::year_of;
use crate::*;
use fupin_domain::access::Caller;
use fupin_domain::config::Rules;
use fupin_domain::id_number::Date;
use fupin_domain::registry::codes::Cause;
use fupin_domain::registry::household::{Change, Household};
use fupin_domain::registry::lifecycle::{self, CaseKind, CaseState, StepDef};
use fupin_domain::{DomainError, Level, RegionCode};
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    /// The tracking number given to whoever lodged it.
    pub id: String,
    pub case_id: String,
    pub lodged_at: String,
    pub text: String,
    pub contact: String,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    pub resolution: String,
    pub resolved_by: String,
    pub resolved_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: String,
    pub household_id: String,
    pub village_code: String,
    pub kind: CaseKind,
    /// Index of the next step in `steps`; equal to its length once complete.
    pub next_step: usize,
    pub state: CaseState,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub reason: String,
    pub opened_by: String,
    pub opened_at: String,
    pub updated_at: String,
    pub version: i64,
    pub head_name: String,
    pub size: i64,
    pub main_cause: Cause,
    pub steps: &'static [StepDef],
    pub objections: Vec<Objection>,
    /// Monitoring cases: the type the household is proposed to be monitored as.
    pub monitor_type: Option<fupin_domain::registry::codes::MonitorType>,
    /// Monitoring cases: the county must decide by this date.
    pub deadline: Option<String>,
    /// Transfer cases: the village the household moves to.
    pub target_village: Option<String>,
}

/// What a case of some kinds needs besides the household.
#[derive(Debug, Clone)]
pub enum CaseExtra {
    None,
    /// Monitoring: the type proposed.
    Monitor(fupin_domain::registry::codes::MonitorType),
    /// Transfer: where the household moves.
    Target(RegionCode),
}

impl Case {
    /// Past its deadline and still running (an alert on the case lists).
    pub fn overdue(&self, today: &str) -> bool {
        !self.state.is_closed() && self.deadline.as_deref().is_some_and(|d| today > d)
    }

    pub fn next(&self) -> Option<&'static StepDef> {
        self.steps.get(self.next_step)
    }

    /// Whether the next step is the caller's to take: an official of the step's level whose
    /// region holds the step's place (the household's village; a transfer's target village for
    /// the target's step). The store's step check decides the rest (notice periods, versions).
    pub fn awaits(&self, caller: &Caller) -> bool {
        let Some(step) = self.next() else { return false };
        if self.state.is_closed() || caller.role.official_level() != Some(step.level) {
            return false;
        }
        let place = if step.at_target { self.target_village.as_deref() } else { Some(self.village_code.as_str()) };
        place.and_then(|p| RegionCode::parse(p).ok()).is_some_and(|p| caller.scope.contains_region(&p))
    }
}

#[derive(Debug, Clone)]
pub enum Decision {
    Approve { note: String },
    Reject { reason: String },
}

/// What a public notice shows: never ID numbers, phones, bank or health data.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicNotice {
    pub case_id: String,
    pub kind: &'static str,
    pub village_code: String,
    pub village_name: String,
    pub head_name: String,
    pub size: i64,
    pub main_cause: &'static str,
    pub step: String,
    pub state: &'static str,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub updated_at: String,
}

pub(crate) const CASE_COLS: &str = "id, household_id, village_code, kind, next_step, state, notice_from, notice_until, reason, \
    opened_by, opened_at, updated_at, version, head_name, size, main_cause, file, monitor_type, deadline, target_village";
const OBJECTION_COLS: &str = "id, case_id, lodged_at, text, contact, status, resolution, resolved_by, resolved_at";

fn parse_case(r: &Row) -> Result<(Case, Option<Household>)> {
    let kind = CaseKind::parse(&r.text(3)?)?;
    let file = r
        .opt_text(16)?
        .filter(|f| !f.is_empty())
        .map(|f| serde_json::from_str::<Household>(&f))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("cases ({}): file not JSON: {e}", r.str(0).unwrap_or("?"))))?;
    Ok((
        Case {
            id: r.text(0)?,
            household_id: r.text(1)?,
            village_code: r.text(2)?,
            kind,
            next_step: r.int(4)? as usize,
            state: CaseState::parse(&r.text(5)?)?,
            notice_from: r.opt_text(6)?,
            notice_until: r.opt_text(7)?,
            reason: r.text(8)?,
            opened_by: r.text(9)?,
            opened_at: r.text(10)?,
            updated_at: r.text(11)?,
            version: r.int(12)?,
            head_name: r.text(13)?,
            size: r.int(14)?,
            main_cause: Cause::parse(&r.text(15)?)?,
            steps: kind.steps(),
            objections: vec![],
            monitor_type: r
                .opt_text(17)?
                .filter(|m| !m.is_empty())
                .map(|m| fupin_domain::registry::codes::MonitorType::parse(&m))
                .transpose()?,
            deadline: r.opt_text(18)?,
            target_village: r.opt_text(19)?.filter(|t| !t.is_empty()),
        },
        file,
    ))
}

fn parse_objection(r: &Row) -> Result<Objection> {
    Ok(Objection {
        id: r.text(0)?,
        case_id: r.text(1)?,
        lodged_at: r.text(2)?,
        text: r.text(3)?,
        contact: r.text(4)?,
        status: r.text(5)?,
        resolution: r.text(6)?,
        resolved_by: r.text(7)?,
        resolved_at: r.text(8)?,
    })
}

fn parse_date(at: &str) -> Result<Date> {
    Ok(Date::parse(at.get(..10).unwrap_or(at))?)
}

/// Appends an event about a case to the household's county chain.
fn record(tx: &mut dyn Tx, actor: &str, case: &Case, kind: &str, reason: &str, at: &str, payload: serde_json::Value) -> Result<Event> {
    let mut ev = Event::new(&case.village_code[..6], &case.household_id, kind, actor, at, reason, payload.to_string());
    ledger::append(tx, &mut ev)?;
    Ok(ev)
}

fn load_case(tx: &mut dyn Tx, id: &str) -> Result<Option<(Case, Option<Household>)>> {
    let sql = format!("SELECT {CASE_COLS} FROM cases WHERE id = $1");
    let Some(r) = tx.query_one(&sql, &[id.into()])? else { return Ok(None) };
    let (mut case, file) = parse_case(&r)?;
    let sql = format!("SELECT {OBJECTION_COLS} FROM objections WHERE case_id = $1 ORDER BY id");
    case.objections = tx.query(&sql, &[id.into()])?.iter().map(parse_objection).collect::<Result<_>>()?;
    Ok(Some((case, file)))
}

/// The case, if it lies in the caller's region (and, for helpers, is about their household).
/// A transfer lies in both the region it leaves and the one it goes to.
pub(crate) fn scoped_case(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<(Case, Option<Household>)> {
    let found = load_case(tx, id)?.ok_or(StoreError::NotFound)?;
    let village = RegionCode::parse(&found.0.village_code)?;
    let target = found.0.target_village.as_deref().map(RegionCode::parse).transpose()?;
    if !caller.scope.contains_region(&village) && !target.is_some_and(|t| caller.scope.contains_region(&t)) {
        return Err(StoreError::NotFound);
    }
    if caller.scope.helper_id.is_some() {
        ensure_in_scope(tx, caller, &found.0.household_id)?;
    }
    Ok(found)
}

fn save_case(tx: &mut dyn Tx, c: &Case, file: Option<&Household>, expected_version: Option<i64>) -> Result<()> {
    let vals: Vec<Val> = vec![
        c.id.as_str().into(),
        c.household_id.as_str().into(),
        c.village_code.as_str().into(),
        c.kind.as_str().into(),
        (c.next_step as i64).into(),
        c.state.as_str().into(),
        c.notice_from.clone().into(),
        c.notice_until.clone().into(),
        c.reason.as_str().into(),
        c.opened_by.as_str().into(),
        c.opened_at.as_str().into(),
        c.updated_at.as_str().into(),
        c.version.into(),
        c.head_name.as_str().into(),
        c.size.into(),
        c.main_cause.code().into(),
        file.map(|f| serde_json::to_string(f).expect("plain data")).unwrap_or_default().into(),
        c.monitor_type.map(|m| m.code()).unwrap_or("").into(),
        c.deadline.clone().into(),
        c.target_village.clone().into(),
    ];
    match expected_version {
        None => {
            let params: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
            tx.exec(&format!("INSERT INTO cases ({CASE_COLS}) VALUES ({})", params.join(", ")), &vals)?;
        }
        Some(v) => {
            // The version guard: of two officials doing the same step at once, one wins.
            let moved = tx.exec(
                "UPDATE cases SET next_step = $1, state = $2, notice_from = $3, notice_until = $4, updated_at = $5, version = $6 \
                     WHERE id = $7 AND version = $8",
                &[
                    vals[4].clone(),
                    vals[5].clone(),
                    vals[6].clone(),
                    vals[7].clone(),
                    vals[11].clone(),
                    vals[12].clone(),
                    vals[0].clone(),
                    v.into(),
                ],
            )?;
            if moved != 1 {
                return Err(StoreError::Conflict { current: v + 1 });
            }
        }
    }
    Ok(())
}

pub(crate) fn open_case_in_tx(
    tx: &mut dyn Tx,
    rules: &Rules,
    caller: &Caller,
    kind: CaseKind,
    household_id: Option<&str>,
    file: Option<Household>,
    extra: &CaseExtra,
    reason: &str,
    at: &str,
) -> Result<Case> {
    if caller.role.official_level() != Some(kind.opened_by()) {
        return Err(StoreError::Forbidden(format!("{}须由村级管理员发起", kind.label())));
    }
    let monitor_type = match extra {
        CaseExtra::Monitor(t) => Some(*t),
        _ => None,
    };
    let target = match (kind, extra) {
        (CaseKind::Transfer, CaseExtra::Target(t)) => Some(t.clone()),
        (CaseKind::Transfer, _) => return Err(DomainError::new("case.target", "须指明迁入村").into()),
        _ => None,
    };
    let today = parse_date(at)?;
    let (hid, village, head_name, size, main_cause, file) = match (kind, household_id, file) {
        (CaseKind::Identification, _, Some(mut f)) => {
            if !caller.scope.contains_region(&f.village) {
                return Err(StoreError::NotFound);
            }
            if tx.query_one("SELECT code FROM regions WHERE code = $1 AND level = 'village'", &[f.village.as_str().into()])?.is_none() {
                return Err(DomainError::new("region.unknown", format!("村代码{}不存在", f.village)).into());
            }
            f.id = next_file_id(tx, &f.village)?;
            f.status = fupin_domain::registry::codes::Status::Poor;
            f.registered_year = today.year;
            f.exited_year = None;
            f.form_version = rules.form_version.clone();
            f.version = 1;
            f.validate()?;
            f.validate_on(Date::parse(at)?)?;
            ensure_ids_free(tx, &f)?;
            let head = f.head().map(|m| m.name.clone()).unwrap_or_default();
            (f.id.clone(), f.village.to_string(), head, f.size(), f.main_cause, Some(f))
        }
        // A household recorded outside the register applies in place, with the file it has.
        (CaseKind::Identification, None, None) => return Err(DomainError::new("case.file_missing", "识别申请须附完整的户档案").into()),
        (_, Some(id), _) => {
            ensure_in_scope(tx, caller, id)?;
            let h = load_household(tx, id)?.ok_or(StoreError::NotFound)?;
            let allowed = match kind {
                CaseKind::Exit => {
                    let unmet = lifecycle::exit_unmet(&h, today.year, today, rules);
                    if !unmet.is_empty() {
                        return Err(StoreError::Unmet(unmet));
                    }
                    true
                }
                CaseKind::Return => {
                    matches!(
                        h.status,
                        fupin_domain::registry::codes::Status::Exited | fupin_domain::registry::codes::Status::ExitedNoPolicy
                    )
                }
                CaseKind::Removal => h.status != fupin_domain::registry::codes::Status::Removed,
                CaseKind::Monitoring => h.monitoring.is_none() && h.status != fupin_domain::registry::codes::Status::Removed,
                CaseKind::MonitoringClear => h.monitoring.is_some(),
                CaseKind::Transfer => h.status.is_registered() && h.status != fupin_domain::registry::codes::Status::Removed,
                CaseKind::Identification => h.status == fupin_domain::registry::codes::Status::NonPoor,
            };
            if let Some(t) = &target {
                if *t == h.village {
                    return Err(DomainError::new("case.target", "迁入村与现住村相同").into());
                }
                if tx.query_one("SELECT code FROM regions WHERE code = $1 AND level = 'village'", &[t.as_str().into()])?.is_none() {
                    return Err(DomainError::new("region.unknown", format!("村代码{t}不存在")).into());
                }
            }
            if kind == CaseKind::Monitoring && monitor_type.is_none() {
                return Err(DomainError::new("case.monitor_type", "须选择监测对象类型").into());
            }
            if !allowed {
                return Err(DomainError::new("case.status", format!("当前状态“{}”不能办理{}", h.status.label(), kind.label())).into());
            }
            if reason.trim().is_empty() && !matches!(kind, CaseKind::Exit | CaseKind::Identification) {
                return Err(DomainError::new("case.reason", format!("{}须填写原因", kind.label())).into());
            }
            let head = h.head().map(|m| m.name.clone()).unwrap_or_default();
            (h.id.clone(), h.village.to_string(), head, h.size(), h.main_cause, None)
        }
        (_, None, _) => return Err(DomainError::new("case.household", "须指明贫困户").into()),
    };
    if tx
        .query_one("SELECT id FROM cases WHERE household_id = $1 AND state IN ('open', 'notice', 'paused')", &[hid.as_str().into()])?
        .is_some()
    {
        return Err(DomainError::new("case.already_open", "该户已有正在办理的业务").into());
    }
    let n = tx
        .query_one("SELECT COUNT(*) FROM cases WHERE household_id = $1", &[hid.as_str().into()])?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let letter = match kind {
        CaseKind::Identification => "I",
        CaseKind::Exit => "E",
        CaseKind::Return => "R",
        CaseKind::Removal => "X",
        CaseKind::Monitoring => "M",
        CaseKind::MonitoringClear => "C",
        CaseKind::Transfer => "T",
    };
    let case = Case {
        id: format!("{hid}-{letter}{}", n + 1),
        household_id: hid,
        village_code: village,
        kind,
        next_step: 0,
        state: CaseState::Open,
        notice_from: None,
        notice_until: None,
        reason: reason.trim().to_string(),
        opened_by: caller.username.clone(),
        opened_at: at.to_string(),
        updated_at: at.to_string(),
        version: 1,
        head_name,
        size,
        main_cause,
        steps: kind.steps(),
        objections: vec![],
        monitor_type: if kind == CaseKind::Monitoring { monitor_type } else { None },
        deadline: (kind == CaseKind::Monitoring).then(|| {
            let mut d = today;
            for _ in 0..rules.monitoring_decision_days {
                d = lifecycle::next_day(d);
            }
            d.to_string()
        }),
        target_village: target.map(|t| t.to_string()),
    };
    save_case(tx, &case, file.as_ref(), None)?;
    let payload = json!({"case": case.id, "kind": kind.as_str(), "step": "open", "size": case.size});
    record(tx, &caller.username, &case, &format!("case.{}.open", kind.as_str()), reason, at, payload)?;
    Ok(case)
}

pub(crate) fn advance_case_in_tx(
    tx: &mut dyn Tx,
    rules: &Rules,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    decision: &Decision,
    at: &str,
) -> Result<Case> {
    let (mut case, file) = scoped_case(tx, caller, id)?;
    if case.version != expected_version {
        return Err(StoreError::Conflict { current: case.version });
    }
    let today = parse_date(at)?;
    let until = case.notice_until.as_deref().map(parse_date).transpose()?;
    let step = lifecycle::check_step(case.kind, case.next_step, case.state, until, today, caller.role.official_level())?;
    // A transfer's last step belongs to the place it goes to; the others to where it lives.
    let place = if step.at_target { case.target_village.as_deref().unwrap_or_default() } else { case.village_code.as_str() };
    if !RegionCode::parse(place).is_ok_and(|p| caller.scope.contains_region(&p)) {
        let whose = if step.at_target { "迁入地" } else { "迁出地" };
        return Err(StoreError::Forbidden(format!("“{}”须由{whose}{}级办理", step.label, step.level.label())));
    }
    let (kind_suffix, note) = match decision {
        Decision::Approve { note } => ("", note.clone()),
        Decision::Reject { reason } => {
            if reason.trim().is_empty() {
                return Err(DomainError::new("case.reason", "不通过须填写理由").into());
            }
            (".rejected", reason.clone())
        }
    };
    case.version += 1;
    case.updated_at = at.to_string();
    match decision {
        Decision::Reject { .. } => case.state = CaseState::Rejected,
        Decision::Approve { .. } => {
            case.next_step += 1;
            if step.opens_notice {
                case.state = CaseState::Notice;
                case.notice_from = Some(today.to_string());
                case.notice_until = Some(lifecycle::notice_end(today, case.kind.notice_days(rules)).to_string());
            } else {
                case.state = CaseState::Open;
            }
        }
    }
    save_case(tx, &case, None, Some(expected_version))?;
    let payload = json!({"case": case.id, "kind": case.kind.as_str(), "step": step.id, "note": note, "notice_until": case.notice_until});
    record(tx, &caller.username, &case, &format!("case.{}.{}{kind_suffix}", case.kind.as_str(), step.id), &note, at, payload)?;
    if matches!(decision, Decision::Approve { .. }) && case.next_step == case.steps.len() {
        complete(tx, rules, caller, &mut case, file, at)?;
    }
    Ok(case)
}

/// The last step: the file is created or its status changes, with the usual event and rollups.
fn complete(tx: &mut dyn Tx, rules: &Rules, caller: &Caller, case: &mut Case, file: Option<Household>, at: &str) -> Result<()> {
    let year = year_of(at);
    match case.kind {
        CaseKind::Identification if file.is_some() => {
            let f = file.ok_or_else(|| StoreError::Db("identification case without a file".into()))?;
            create_in_tx(tx, caller, f, &format!("识别建档（{}）", case.id), at)?;
        }
        CaseKind::Transfer => complete_transfer(tx, rules, caller, case, at)?,
        kind => {
            let h = load_household(tx, &case.household_id)?.ok_or(StoreError::NotFound)?;
            if kind == CaseKind::Exit {
                // Standards are checked again: the file may have changed during the notice.
                let unmet = lifecycle::exit_unmet(&h, year, parse_date(at)?, rules);
                if !unmet.is_empty() {
                    return Err(StoreError::Unmet(unmet));
                }
            }
            let change = match kind.outcome() {
                Some(status) => Change::SetStatus { status, year },
                None => Change::SetMonitoring { monitoring: if kind == CaseKind::Monitoring { case.monitor_type } else { None } },
            };
            let req = ChangeRequest {
                household_id: h.id.clone(),
                expected_version: h.version,
                change,
                reason: format!("{}（{}）", kind.label(), case.id),
                at: at.to_string(),
            };
            change_in_tx(tx, caller, &req, rules)?;
        }
    }
    case.state = CaseState::Done;
    tx.exec("UPDATE cases SET state = 'done' WHERE id = $1", &[case.id.as_str().into()])?;
    Ok(())
}

/// The next free file number in a village, counting files and pending applications.
pub(crate) fn next_file_id(tx: &mut dyn Tx, village: &RegionCode) -> Result<String> {
    crate::core::db::lock_row(tx, "regions", "code", village.as_str())?;
    let (lo, hi) = (format!("{village}0000"), format!("{village}9999"));
    let max_file = tx.query_one("SELECT MAX(id) FROM households WHERE id >= $1 AND id <= $2", &[lo.as_str().into(), hi.as_str().into()])?;
    let max_case =
        tx.query_one("SELECT MAX(household_id) FROM cases WHERE household_id >= $1 AND household_id <= $2", &[lo.into(), hi.into()])?;
    let seq = [max_file, max_case]
        .iter()
        .flatten()
        .map(|r| r.opt_text(0))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .filter_map(|id| id.get(12..).and_then(|s| s.parse::<u32>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    if seq > 9999 {
        return Err(DomainError::new("household.village_full", "本村户编号已用尽").into());
    }
    Ok(format!("{village}{seq:04}"))
}

/// 迁移 completes: the old file is marked moved out (its members no longer count there),
/// and the same household continues in the target village under a new number, with a
/// `transfer_in` event in that county's chain and a link from the old number.
fn complete_transfer(tx: &mut dyn Tx, rules: &Rules, caller: &Caller, case: &Case, at: &str) -> Result<()> {
    let year = year_of(at);
    let target = RegionCode::parse(case.target_village.as_deref().unwrap_or_default())?;
    let old = load_household(tx, &case.household_id)?.ok_or(StoreError::NotFound)?;
    let new_id = next_file_id(tx, &target)?;
    let req = ChangeRequest {
        household_id: old.id.clone(),
        expected_version: old.version,
        change: Change::SetStatus { status: fupin_domain::registry::codes::Status::TransferredOut, year },
        reason: format!("迁移至{new_id}（{}）", case.id),
        at: at.to_string(),
    };
    // The county that accepts does this step, on a file outside its region: the case
    // already checked both places, so the change is applied without the scope check.
    apply_in_tx(tx, caller, &req, rules)?;
    let mut moved = old.clone();
    moved.id = new_id.clone();
    moved.village = target.clone();
    moved.version = 1;
    // Helpers are paired by the county they work in; they follow only within it.
    if old.village.as_str()[..6] != target.as_str()[..6] {
        moved.helpers.clear();
    }
    let flow = Some(format!("transferred_in:{year}"));
    insert_file_in_tx(tx, caller, moved, "transfer_in", &format!("自{}迁入（{}）", old.id, case.id), at, flow, Some(&old.id))?;
    tx.exec(
        "INSERT INTO transfers (from_id, to_id, case_id, at) VALUES ($1, $2, $3, $4)",
        &[old.id.as_str().into(), new_id.as_str().into(), case.id.as_str().into(), at.into()],
    )?;
    Ok(())
}

pub(crate) fn lodge_objection_in_tx(tx: &mut dyn Tx, case_id: &str, text: &str, contact: &str, at: &str) -> Result<Objection> {
    // Objections are numbered per case: one writer at a time on it.
    crate::core::db::lock_row(tx, "cases", "id", case_id)?;
    let (mut case, _) = load_case(tx, case_id)?.ok_or(StoreError::NotFound)?;
    let today = parse_date(at)?;
    let running = case.state == CaseState::Notice && case.notice_until.as_deref().map(parse_date).transpose()?.is_some_and(|u| today < u);
    if !running && case.state != CaseState::Paused {
        return Err(DomainError::new("objection.not_in_notice", "该事项不在公示期内，不能提出异议").into());
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(DomainError::new("objection.text", "异议内容不能为空且不超过2000字").into());
    }
    let objection = Objection {
        id: format!("{}-O{}", case.id, case.objections.len() + 1),
        case_id: case.id.clone(),
        lodged_at: at.to_string(),
        text: text.to_string(),
        contact: contact.trim().chars().take(100).collect(),
        status: "open".into(),
        resolution: String::new(),
        resolved_by: String::new(),
        resolved_at: String::new(),
    };
    tx.exec(
        &format!("INSERT INTO objections ({OBJECTION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        &[
            objection.id.as_str().into(),
            objection.case_id.as_str().into(),
            at.into(),
            objection.text.as_str().into(),
            objection.contact.as_str().into(),
            "open".into(),
            "".into(),
            "".into(),
            "".into(),
        ],
    )?;
    let version = case.version;
    case.state = CaseState::Paused;
    case.version += 1;
    case.updated_at = at.to_string();
    save_case(tx, &case, None, Some(version))?;
    // The ledger keeps that an objection was lodged, not who lodged it or what it says.
    record(tx, "public", &case, "case.objection.lodged", "", at, json!({"case": case.id, "objection": objection.id}))?;
    Ok(objection)
}

pub(crate) fn resolve_objection_in_tx(
    tx: &mut dyn Tx,
    caller: &Caller,
    objection_id: &str,
    upheld: bool,
    resolution: &str,
    at: &str,
) -> Result<Case> {
    if caller.role.official_level() != Some(Level::Township) {
        return Err(StoreError::Forbidden("异议由乡镇处理".into()));
    }
    let case_id = objection_id.rsplit_once("-O").map(|(c, _)| c).ok_or(StoreError::NotFound)?;
    let (mut case, _) = scoped_case(tx, caller, case_id)?;
    let o = case.objections.iter().find(|o| o.id == objection_id).cloned().ok_or(StoreError::NotFound)?;
    if o.status != "open" {
        return Err(DomainError::new("objection.resolved", "该异议已处理").into());
    }
    if resolution.trim().is_empty() {
        return Err(DomainError::new("objection.resolution", "须填写处理结果").into());
    }
    let status = if upheld { "upheld" } else { "dismissed" };
    tx.exec(
        "UPDATE objections SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4 WHERE id = $5",
        &[status.into(), resolution.trim().into(), caller.username.as_str().into(), at.into(), objection_id.into()],
    )?;
    let still_open = case.objections.iter().any(|x| x.id != objection_id && x.status == "open");
    let version = case.version;
    case.version += 1;
    case.updated_at = at.to_string();
    case.state = if upheld {
        CaseState::Rejected
    } else if still_open {
        CaseState::Paused
    } else {
        CaseState::Notice
    };
    save_case(tx, &case, None, Some(version))?;
    record(
        tx,
        &caller.username,
        &case,
        &format!("case.objection.{status}"),
        resolution,
        at,
        json!({"case": case.id, "objection": objection_id, "upheld": upheld}),
    )?;
    for x in &mut case.objections {
        if x.id == objection_id {
            x.status = status.into();
            x.resolution = resolution.trim().into();
            x.resolved_by = caller.username.clone();
            x.resolved_at = at.into();
        }
    }
    Ok(case)
}

pub(crate) fn cases_in(tx: &mut dyn Tx, caller: &Caller, region: &RegionCode, open_only: bool) -> Result<Vec<Case>> {
    let (lo, hi) = region.code_range();
    let states = if open_only { " AND state IN ('open', 'notice', 'paused')" } else { "" };
    let mut params: Vec<Val> = vec![lo.into(), hi.into()];
    // A helper sees the cases of the households paired with them, chosen in SQL like every list.
    let helper = match &caller.scope.helper_id {
        Some(h) => {
            params.push(h.as_str().into());
            " AND EXISTS (SELECT 1 FROM household_helpers hh WHERE hh.household_id = cases.household_id AND hh.helper_id = $3)"
        }
        None => "",
    };
    // Transfers coming into the region are listed too: their last step is done here.
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE ((village_code >= $1 AND village_code < $2) \
             OR (target_village >= $1 AND target_village < $2)){states}{helper} ORDER BY updated_at DESC, id LIMIT 500"
    );
    tx.query(&sql, &params)?.iter().map(|r| parse_case(r).map(|(c, _)| c)).collect()
}

/// One household's cases, newest first: asked of the store by household, never filtered out of
/// a region's list (which is capped).
pub(crate) fn household_cases_in(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<Vec<Case>> {
    ensure_in_scope(tx, caller, id)?;
    let sql = format!("SELECT {CASE_COLS} FROM cases WHERE household_id = $1 ORDER BY updated_at DESC, id");
    tx.query(&sql, &[id.into()])?.iter().map(|r| parse_case(r).map(|(c, _)| c)).collect()
}

pub(crate) fn public_notices_in(tx: &mut dyn Tx, region: &RegionCode, at: &str) -> Result<Vec<PublicNotice>> {
    let (lo, hi) = region.code_range();
    let since = parse_date(at).map(|d| Date::new(d.year - 1, d.month, d.day.min(28)).unwrap_or(d).to_string()).unwrap_or_default();
    let sql = format!(
        "SELECT {CASE_COLS} FROM cases WHERE village_code >= $1 AND village_code < $2 \
             AND (state IN ('notice', 'paused') OR (state = 'done' AND updated_at >= $3)) ORDER BY updated_at DESC, id LIMIT 500"
    );
    let rows = tx.query(&sql, &[lo.into(), hi.into(), since.into()])?;
    let mut out = vec![];
    for r in rows {
        let (c, _) = parse_case(&r)?;
        let village_name = tx
            .query_one("SELECT name FROM regions WHERE code = $1", &[c.village_code.as_str().into()])?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default();
        let step = match c.state {
            CaseState::Done => "已公告".to_string(),
            _ => c.steps.get(c.next_step.saturating_sub(1)).map(|s| s.label.to_string()).unwrap_or_default(),
        };
        out.push(PublicNotice {
            case_id: c.id.clone(),
            kind: c.kind.label(),
            village_code: c.village_code.clone(),
            village_name,
            head_name: c.head_name.clone(),
            size: c.size,
            main_cause: c.main_cause.label(),
            step,
            state: c.state.label(),
            notice_from: c.notice_from.clone(),
            notice_until: c.notice_until.clone(),
            updated_at: c.updated_at.clone(),
        });
    }
    Ok(out)
}
