//! 监督举报: filing, following and rating (the public), listing and handling (the units above the
//! region reported on).

use super::{Counted, Filed, Followed, Outcome, Report, ReportFigures, ReportInput, ReportQuery, Reporter, StepRecord};
use crate::core::db::{Backend, Row, Tx, Val};
use crate::core::ledger::{self, Event};
use crate::core::query::{next_id, require, Query};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError};
use fupin_domain::access::{Action, Caller};
use fupin_domain::id_number::Date;
use fupin_domain::supervision::{self as sv, Card, ReportCategory, ReportDraft, ReportState, ReportStep};
use fupin_domain::{DomainError, Level, RegionCode};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};

const COLS: &str = "r.id, r.about, r.handler, r.household_id, r.version, r.state, r.category, r.text, r.reporter_name, \
    r.reporter_contact, r.filed_on, r.accepted_on, r.deadline, r.extended, r.dissatisfied, r.answered_on, r.outcome, \
    r.rating, r.rating_comment, r.closed_on, r.code_hash, r.outcome_public, \
    COALESCE(ra.name, r.about), COALESCE(rh.name, r.handler)";
const FROM: &str = "reports r LEFT JOIN regions ra ON ra.code = r.about LEFT JOIN regions rh ON rh.code = r.handler";

/// A report as stored, with what only the store reads (the code's hash, the published outcome).
struct Stored {
    report: Report,
    reporter: Reporter,
    code_hash: String,
    outcome_public: String,
}

fn date(r: &Row, i: usize, bad: &dyn Fn(DomainError) -> StoreError) -> Result<Date> {
    Date::parse(r.str(i)?).map_err(bad)
}

fn opt_date(r: &Row, i: usize, bad: &dyn Fn(DomainError) -> StoreError) -> Result<Option<Date>> {
    r.opt_text(i)?.map(|s| Date::parse(&s).map_err(bad)).transpose()
}

fn parse(r: &Row, today: Date, cal: &sv::Calendar) -> Result<Stored> {
    let bad = |e: DomainError| StoreError::Corrupt(format!("reports ({}): {e}", r.str(0).unwrap_or("?")));
    let state = ReportState::parse(r.str(5)?).map_err(bad)?;
    let deadline = date(r, 12, &bad)?;
    let dissatisfied = r.int(14)?;
    let card = sv::card(state, deadline, today, cal);
    let reporter = Reporter { name: r.opt_text(8)?, contact: r.opt_text(9)? };
    let report = Report {
        id: r.text(0)?,
        about: RegionCode::parse(r.str(1)?).map_err(bad)?,
        handler: RegionCode::parse(r.str(2)?).map_err(bad)?,
        household_id: r.opt_text(3)?,
        version: r.int(4)?,
        state,
        category: ReportCategory::parse(r.str(6)?).map_err(bad)?,
        text: r.text(7)?,
        named: reporter.name.is_some() || reporter.contact.is_some(),
        reporter: None,
        filed_on: date(r, 10, &bad)?,
        accepted_on: opt_date(r, 11, &bad)?,
        deadline,
        extended: r.int(13)? != 0,
        dissatisfied,
        answered_on: opt_date(r, 15, &bad)?,
        outcome: r.text(16)?,
        rating: r.opt_text(17)?,
        rating_comment: r.text(18)?,
        closed_on: opt_date(r, 19, &bad)?,
        card,
        order: if state.is_final() { None } else { sv::supervision_order(card, dissatisfied).map(str::to_string) },
        about_name: r.text(22)?,
        handler_name: r.text(23)?,
        steps: vec![],
    };
    Ok(Stored { report, reporter, code_hash: r.text(20)?, outcome_public: r.text(21)? })
}

fn load(tx: &mut dyn Tx, id: &str, today: Date, cal: &sv::Calendar) -> Result<Option<Stored>> {
    tx.query_one(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"), &[id.into()])?.map(|r| parse(&r, today, cal)).transpose()
}

fn save(tx: &mut dyn Tx, s: &Stored) -> Result<()> {
    let r = &s.report;
    let d = |d: Option<Date>| d.map(|d| d.to_string());
    tx.exec(
        "UPDATE reports SET handler = $1, version = $2, state = $3, accepted_on = $4, deadline = $5, extended = $6, \
         dissatisfied = $7, answered_on = $8, outcome = $9, outcome_public = $10, rating = $11, rating_comment = $12, closed_on = $13 \
         WHERE id = $14",
        &[
            r.handler.as_str().into(),
            r.version.into(),
            r.state.code().into(),
            d(r.accepted_on).into(),
            r.deadline.to_string().into(),
            i64::from(r.extended).into(),
            r.dissatisfied.into(),
            d(r.answered_on).into(),
            r.outcome.as_str().into(),
            s.outcome_public.as_str().into(),
            r.rating.as_deref().into(),
            r.rating_comment.as_str().into(),
            d(r.closed_on).into(),
            r.id.as_str().into(),
        ],
    )?;
    Ok(())
}

fn steps(tx: &mut dyn Tx, id: &str, for_reporter: bool) -> Result<Vec<StepRecord>> {
    let rows = tx.query(
        "SELECT s.step, s.note, s.on_date, COALESCE(g.name, s.unit) FROM report_steps s LEFT JOIN regions g ON g.code = s.unit \
         WHERE s.report_id = $1 ORDER BY s.n",
        &[id.into()],
    )?;
    rows.iter()
        .map(|r| {
            let bad = |e: DomainError| StoreError::Corrupt(format!("report_steps ({id}): {e}"));
            let code = r.text(0)?;
            let (label, public) = match code.as_str() {
                "file" => ("提交举报".to_string(), true),
                "rate" => ("回访评价".to_string(), true),
                c => {
                    let s = ReportStep::parse(c).map_err(bad)?;
                    (s.label().to_string(), s.needs_note())
                }
            };
            Ok(StepRecord {
                note: if public || !for_reporter { r.text(1)? } else { String::new() },
                label,
                step: code,
                on: date(r, 2, &bad)?,
                unit: r.text(3)?,
            })
        })
        .collect()
}

fn add_step(tx: &mut dyn Tx, id: &str, step: &str, unit: &str, actor: &str, note: &str, on: Date) -> Result<()> {
    tx.exec(
        "INSERT INTO report_steps (report_id, n, step, unit, actor, note, on_date) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6 FROM report_steps WHERE report_id = $1",
        &[id.into(), step.into(), unit.into(), actor.into(), note.into(), on.to_string().into()],
    )?;
    Ok(())
}

fn record(tx: &mut dyn Tx, r: &Report, kind: &str, actor: &str, reason: &str, at: &str) -> Result<()> {
    let payload = json!({"state": r.state, "handler": r.handler, "category": r.category, "deadline": r.deadline.to_string()});
    let mut ev = Event::new(&ledger::chain_of(&r.about), &r.id, kind, actor, at, reason, payload.to_string());
    ledger::append(tx, &mut ev)
}

use crate::core::query::business_date;

fn code_hash(id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{id}:{}", code.trim().to_uppercase())))
}

/// Eight characters without the ones read alike (0/O, 1/I/L): 31⁸ ≈ 8.5 × 10¹¹ codes.
fn new_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

pub(super) fn file<B: Backend>(s: &SqlStore<B>, d: &ReportDraft, at: &str) -> Result<Filed> {
    let f = sv::validate(d)?;
    let rules = &s.rules;
    s.write(|tx| file_in(tx, rules, &f, "public", at))
}

/// Files a checked report in the caller's transaction: for the public's reports, and for what
/// other functions raise as reports (a match's complaint of no delivery).
pub(crate) fn file_in(tx: &mut dyn Tx, rules: &fupin_domain::config::Rules, f: &sv::Filing, actor: &str, at: &str) -> Result<Filed> {
    let on = business_date(at)?;
    let receiver = sv::receiver(&f.about);
    let accept_by = rules.calendar.add_working_days(on, rules.report_deadlines.accept_days);
    let text_hash = hex::encode(Sha256::digest(format!("{}:{}", f.category.code(), f.text.split_whitespace().collect::<String>())));
    let code = new_code();
    if tx.query_one("SELECT code FROM regions WHERE code = $1", &[f.about.as_str().into()])?.is_none() {
        return Err(DomainError::new("report.region", format!("地区{}不存在", f.about)).into());
    }
    if tx
        .query_one(
            "SELECT id FROM reports WHERE about = $1 AND text_hash = $2 AND state NOT IN ('closed', 'declined')",
            &[f.about.as_str().into(), text_hash.as_str().into()],
        )?
        .is_some()
    {
        return Err(DomainError::new("report.duplicate", "相同内容的举报正在办理中，无需重复提交").into());
    }
    let id = next_id(tx, "reports", &format!("JB{}", on.to_string().replace('-', "")), 5)?;
    let vals: Vec<Val> = vec![
        id.as_str().into(),
        f.about.as_str().into(),
        receiver.as_str().into(),
        f.household_id.as_deref().into(),
        1i64.into(),
        ReportState::Submitted.code().into(),
        f.category.code().into(),
        f.text.as_str().into(),
        text_hash.as_str().into(),
        f.name.as_deref().into(),
        f.contact.as_deref().into(),
        code_hash(&id, &code).into(),
        on.to_string().into(),
        accept_by.to_string().into(),
    ];
    tx.exec(
        "INSERT INTO reports (id, about, handler, household_id, version, state, category, text, text_hash, reporter_name, \
         reporter_contact, code_hash, filed_on, deadline, extended, dissatisfied, outcome, outcome_public, rating_comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, 0, '', '', '')",
        &vals,
    )?;
    add_step(tx, &id, "file", "", "", if f.name.is_some() || f.contact.is_some() { "实名举报" } else { "匿名举报" }, on)?;
    let stored = load(tx, &id, on, &rules.calendar)?.ok_or(StoreError::NotFound)?;
    record(tx, &stored.report, "report.file", actor, "提交举报", at)?;
    Ok(Filed { tracking_number: id, query_code: code, accept_by })
}

/// The report behind a tracking number and its code; anything else is `NotFound`.
fn by_code(tx: &mut dyn Tx, id: &str, code: &str, today: Date, cal: &sv::Calendar) -> Result<Stored> {
    let st = load(tx, id.trim(), today, cal)?.ok_or(StoreError::NotFound)?;
    // Compared as hashes of equal length; a wrong code and an unknown number answer alike.
    if st.code_hash != code_hash(&st.report.id, code) {
        return Err(StoreError::NotFound);
    }
    Ok(st)
}

fn followed(tx: &mut dyn Tx, st: &Stored) -> Result<Followed> {
    let r = &st.report;
    Ok(Followed {
        tracking_number: r.id.clone(),
        category: r.category,
        about_name: r.about_name.clone(),
        state: r.state,
        filed_on: r.filed_on,
        deadline: r.deadline,
        steps: steps(tx, &r.id, true)?,
        outcome: r.outcome.clone(),
        may_rate: r.state == ReportState::Answered,
        rating: r.rating.clone(),
    })
}

pub(super) fn follow<B: Backend>(s: &SqlStore<B>, id: &str, code: &str, today: Date) -> Result<Followed> {
    s.read(|tx| {
        let st = by_code(tx, id, code, today, &s.rules.calendar)?;
        followed(tx, &st)
    })
}

pub(super) fn rate<B: Backend>(s: &SqlStore<B>, id: &str, code: &str, satisfied: bool, comment: &str, at: &str) -> Result<Followed> {
    let on = business_date(at)?;
    let comment = comment.trim();
    if comment.chars().count() > 500 {
        return Err(DomainError::new("report.comment", "评价不能超过500个字").into());
    }
    if !satisfied && comment.is_empty() {
        return Err(DomainError::new("report.comment", "请写明不满意的原因，以便重新办理").into());
    }
    let cal = &s.rules.calendar;
    s.write(|tx| {
        let mut st = by_code(tx, id, code, on, cal)?;
        if st.report.state != ReportState::Answered {
            return Err(DomainError::new("report.state", format!("“{}”的举报不能评价", st.report.state.label())).into());
        }
        let r = &mut st.report;
        r.version += 1;
        r.rating = Some(if satisfied { "satisfied" } else { "dissatisfied" }.to_string());
        r.rating_comment = comment.to_string();
        if satisfied {
            r.state = ReportState::Closed;
            r.closed_on = Some(on);
        } else {
            // 重办: the unit answers again within the full time limit.
            r.state = ReportState::Reopened;
            r.dissatisfied += 1;
            r.deadline = cal.add_working_days(on, s.rules.report_deadlines.handle_days);
        }
        save(tx, &st)?;
        let note = if satisfied { format!("满意{}", sep(comment)) } else { format!("不满意{}", sep(comment)) };
        add_step(tx, &st.report.id, "rate", "", "", &note, on)?;
        record(tx, &st.report, "report.rate", "public", &note, at)?;
        let st = load(tx, &st.report.id, on, cal)?.ok_or(StoreError::NotFound)?;
        followed(tx, &st)
    })
}

fn sep(comment: &str) -> String {
    if comment.is_empty() {
        String::new()
    } else {
        format!("：{comment}")
    }
}

/// `AND …`: reports about regions strictly below the caller's (the province reads its own too).
fn visible(q: &mut Query, caller: &Caller) -> Result<()> {
    require(caller.role.may(Action::HandleReports), "该角色不办理监督举报")?;
    let region = &caller.scope.region;
    let (lo, hi) = region.code_range();
    let (lo, hi) = (q.bind(lo), q.bind(hi));
    q.push(&format!(" AND r.about >= {lo} AND r.about < {hi}"));
    if region.level() != Level::Province {
        let own = q.bind(region.as_str());
        q.push(&format!(" AND r.about <> {own}"));
    }
    Ok(())
}

fn may_see(caller: &Caller, r: &Report) -> bool {
    caller.role.may(Action::HandleReports) && sv::may_handle(&caller.scope.region, &r.about)
}

pub(super) fn list<B: Backend>(s: &SqlStore<B>, caller: &Caller, rq: &ReportQuery, today: Date) -> Result<Page<Report>> {
    let per = if rq.per_page == 0 { 50 } else { rq.per_page.min(200) } as i64;
    let offset = rq.page.min(100_000) as i64 * per;
    let cal = &s.rules.calendar;
    s.read(|tx| {
        let mut q = Query::new(&format!("FROM {FROM} WHERE 1 = 1"));
        visible(&mut q, caller)?;
        if let Some(r) = &rq.region {
            // A region outside the caller's answers as if it did not exist, not as an empty list.
            if !caller.scope.region.contains(r) {
                return Err(StoreError::NotFound);
            }
            let (lo, hi) = r.code_range();
            let (lo, hi) = (q.bind(lo), q.bind(hi));
            q.push(&format!(" AND r.about >= {lo} AND r.about < {hi}"));
        }
        if let Some(st) = rq.state {
            let p = q.bind(st.code());
            q.push(&format!(" AND r.state = {p}"));
        }
        if let Some(c) = rq.category {
            let p = q.bind(c.code());
            q.push(&format!(" AND r.category = {p}"));
        }
        if rq.mine {
            let p = q.bind(caller.scope.region.as_str());
            q.push(&format!(" AND r.handler = {p}"));
        }
        if let Some(card) = rq.card {
            // The card is the deadline against the business date: red past it, yellow up to the
            // next working day (`sv::card`, expressed as a range of deadlines).
            let open = " AND r.state IN ('submitted', 'handling', 'reopened')";
            let next = cal.add_working_days(today, 1).to_string();
            let sql = match card {
                Card::Red => format!("{open} AND r.deadline < {}", q.bind(today.to_string())),
                Card::Yellow => {
                    let (t, n) = (q.bind(today.to_string()), q.bind(next));
                    format!("{open} AND r.deadline >= {t} AND r.deadline <= {n}")
                }
                Card::Green => format!(" AND NOT (r.state IN ('submitted', 'handling', 'reopened') AND r.deadline <= {})", q.bind(next)),
            };
            q.push(&sql);
        }
        let total = tx.query_one(&format!("SELECT COUNT(*) {}", q.sql), &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
        let rows =
            tx.query(&format!("SELECT {COLS} {} ORDER BY r.filed_on DESC, r.id DESC LIMIT {per} OFFSET {offset}", q.sql), &q.params)?;
        let items = rows.iter().map(|r| parse(r, today, cal).map(|s| s.report)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, total_capped: false, page: rq.page, per_page: per as u32 })
    })
}

pub(super) fn get<B: Backend>(s: &SqlStore<B>, caller: &Caller, id: &str, at: &str) -> Result<Report> {
    let today = business_date(at)?;
    let cal = &s.rules.calendar;
    let handling_unit = |st: &Stored| st.report.handler == caller.scope.region;
    let st = s.read(|tx| {
        require(caller.role.may(Action::HandleReports), "该角色不办理监督举报")?;
        let st = load(tx, id, today, cal)?.filter(|st| may_see(caller, &st.report)).ok_or(StoreError::NotFound)?;
        Ok(st)
    })?;
    let mut r = st.report.clone();
    if handling_unit(&st) && r.named {
        // Only the unit handling it learns who reported, and every such read is on record.
        s.write(|tx| {
            tx.exec(
                "INSERT INTO pii_audit (at, username, household_id, fields) VALUES ($1, $2, $3, $4)",
                &[at.into(), caller.username.as_str().into(), r.id.as_str().into(), "reporter".into()],
            )
            .map(|_| ())
        })?;
        r.reporter = Some(st.reporter.clone());
    }
    r.steps = s.read(|tx| steps(tx, id, false))?;
    Ok(r)
}

pub(super) fn step<B: Backend>(
    s: &SqlStore<B>,
    caller: &Caller,
    id: &str,
    expected_version: i64,
    step: ReportStep,
    input: &ReportInput,
    at: &str,
) -> Result<Report> {
    let on = business_date(at)?;
    let cal = &s.rules.calendar;
    let limits = s.rules.report_deadlines;
    let note = input.note.trim();
    if step.needs_note() && note.is_empty() {
        return Err(DomainError::new("report.note", format!("请填写{}的意见", step.label())).into());
    }
    if note.chars().count() > 2000 {
        return Err(DomainError::new("report.note", "办理意见不能超过2000个字").into());
    }
    s.write(|tx| {
        require(caller.role.may(Action::HandleReports), "该角色不办理监督举报")?;
        let mut st = load(tx, id, on, cal)?.filter(|st| may_see(caller, &st.report)).ok_or(StoreError::NotFound)?;
        if st.report.handler != caller.scope.region {
            return Err(StoreError::Forbidden(format!("该举报由{}办理", st.report.handler_name)));
        }
        if st.report.version != expected_version {
            return Err(StoreError::Conflict { current: st.report.version });
        }
        let to_state = step.from(st.report.state)?;
        let mut reason = note.to_string();
        let r = &mut st.report;
        match step {
            ReportStep::Accept => {
                r.accepted_on = Some(on);
                r.deadline = cal.add_working_days(on, limits.handle_days);
            }
            ReportStep::Decline => {
                r.closed_on = Some(on);
                r.outcome = note.to_string();
            }
            ReportStep::Transfer => {
                let to = input.to.clone().ok_or_else(|| DomainError::new("report.to", "请选择转办单位"))?;
                if !(caller.scope.region.contains(&to) && to != caller.scope.region) {
                    return Err(DomainError::new("report.to", "只能转办给本辖区内的下级单位").into());
                }
                if !sv::may_handle(&to, &r.about) {
                    return Err(
                        DomainError::new("report.to", format!("举报涉及{}，不能转办给被举报的地区或与其无关的单位", r.about_name)).into()
                    );
                }
                let row = tx.query_one("SELECT name FROM regions WHERE code = $1", &[to.as_str().into()])?;
                let name = row.ok_or_else(|| DomainError::new("report.to", format!("地区{to}不存在")))?.text(0)?;
                reason = format!("转{name}{}", sep(note));
                r.handler = to;
                r.handler_name = name;
            }
            ReportStep::Extend => {
                if r.extended {
                    return Err(DomainError::new("report.extended", "每件举报只能延期一次").into());
                }
                r.extended = true;
                r.deadline = cal.add_working_days(r.deadline, limits.extension_days);
            }
            ReportStep::Answer => {
                r.answered_on = Some(on);
                r.outcome = note.to_string();
            }
            ReportStep::Close => {
                let answered = r.answered_on.unwrap_or(on);
                if cal.working_days_between(answered, on) < limits.rating_days {
                    let after = cal.add_working_days(answered, limits.rating_days);
                    return Err(DomainError::new(
                        "report.rating_wait",
                        format!("反馈后等待举报人回访评价{}个工作日，{after}起方可办结", limits.rating_days),
                    )
                    .into());
                }
                r.closed_on = Some(on);
            }
        }
        r.state = to_state;
        r.version += 1;
        if matches!(step, ReportStep::Answer | ReportStep::Decline) {
            st.outcome_public = sv::mask(note, &names(tx, &st)?);
        }
        save(tx, &st)?;
        let unit = caller.scope.region.as_str().to_string();
        add_step(tx, id, step.code(), &unit, &caller.username, &reason, on)?;
        record(tx, &st.report, &format!("report.{}", step.code()), &caller.username, step.label(), at)?;
        Ok(())
    })?;
    // Passed down, the report is still the caller's to see from above (masked).
    get(s, caller, id, at)
}

/// Names an outcome must not publish: the reporter's and those of the household concerned.
fn names(tx: &mut dyn Tx, st: &Stored) -> Result<Vec<String>> {
    let mut names: Vec<String> = st.reporter.name.iter().cloned().collect();
    if let Some(h) = &st.report.household_id {
        for row in tx.query("SELECT name FROM members WHERE household_id = $1", &[h.as_str().into()])? {
            names.push(row.text(0)?);
        }
    }
    Ok(names)
}

fn region_or_province(region: Option<&RegionCode>) -> RegionCode {
    region.cloned().unwrap_or_else(|| RegionCode::parse("37").expect("the province's code"))
}

pub(super) fn figures<B: Backend>(s: &SqlStore<B>, region: Option<&RegionCode>, today: Date) -> Result<ReportFigures> {
    let region = region_or_province(region);
    let (lo, hi) = region.code_range();
    s.read(|tx| {
        let name = tx
            .query_one("SELECT name FROM regions WHERE code = $1", &[region.as_str().into()])?
            .ok_or(StoreError::NotFound)?
            .text(0)?;
        let range = [Val::from(lo.as_str()), Val::from(hi.as_str())];
        let count_by = |tx: &mut dyn Tx, col: &str| -> Result<Vec<(String, i64)>> {
            tx.query(&format!("SELECT {col}, COUNT(*) FROM reports WHERE about >= $1 AND about < $2 GROUP BY {col}"), &range)?
                .iter()
                .map(|r| Ok((r.text(0)?, r.int(1)?)))
                .collect()
        };
        let cats = count_by(tx, "category")?;
        let states = count_by(tx, "state")?;
        let counted = |all: Vec<(&str, &str)>, got: &[(String, i64)]| -> Vec<Counted> {
            all.into_iter()
                .map(|(code, label)| Counted {
                    code: code.to_string(),
                    label: label.to_string(),
                    count: got.iter().find(|(c, _)| c == code).map_or(0, |(_, n)| *n),
                })
                .collect()
        };
        let one = |tx: &mut dyn Tx, sql: &str, extra: Vec<Val>| -> Result<i64> {
            let mut p = range.to_vec();
            p.extend(extra);
            Ok(tx.query_one(sql, &p)?.map(|r| r.int(0)).transpose()?.unwrap_or(0))
        };
        let overdue = one(
            tx,
            "SELECT COUNT(*) FROM reports WHERE about >= $1 AND about < $2 AND state IN ('submitted', 'handling', 'reopened') AND deadline < $3",
            vec![today.to_string().into()],
        )?;
        let rated = one(tx, "SELECT COUNT(*) FROM reports WHERE about >= $1 AND about < $2 AND rating IS NOT NULL", vec![])?;
        let satisfied = one(tx, "SELECT COUNT(*) FROM reports WHERE about >= $1 AND about < $2 AND rating = 'satisfied'", vec![])?;
        Ok(ReportFigures {
            region: region.as_str().to_string(),
            region_name: name,
            total: states.iter().map(|(_, n)| n).sum(),
            by_category: counted(ReportCategory::ALL.iter().map(|c| (c.code(), c.label())).collect(), &cats),
            by_state: counted(ReportState::ALL.iter().map(|c| (c.code(), c.label())).collect(), &states),
            overdue,
            rated,
            satisfied,
        })
    })
}

pub(super) fn outcomes<B: Backend>(s: &SqlStore<B>, region: Option<&RegionCode>, limit: u32) -> Result<Vec<Outcome>> {
    let region = region_or_province(region);
    let (lo, hi) = region.code_range();
    s.read(|tx| {
        let rows = tx.query(
            &format!(
                "SELECT r.id, r.category, COALESCE(ra.name, r.about), r.filed_on, r.closed_on, r.outcome_public, r.rating \
                 FROM reports r LEFT JOIN regions ra ON ra.code = r.about \
                 WHERE r.about >= $1 AND r.about < $2 AND r.state = 'closed' ORDER BY r.closed_on DESC, r.id DESC LIMIT {}",
                limit.clamp(1, 200)
            ),
            &[lo.as_str().into(), hi.as_str().into()],
        )?;
        rows.iter()
            .map(|r| {
                let bad = |e: DomainError| StoreError::Corrupt(format!("reports ({}): {e}", r.str(0).unwrap_or("?")));
                Ok(Outcome {
                    tracking_number: r.text(0)?,
                    category: ReportCategory::parse(r.str(1)?).map_err(bad)?,
                    about_name: r.text(2)?,
                    filed_on: date(r, 3, &bad)?,
                    closed_on: date(r, 4, &bad)?,
                    outcome: r.text(5)?,
                    rating: r.opt_text(6)?,
                })
            })
            .collect()
    })
}
