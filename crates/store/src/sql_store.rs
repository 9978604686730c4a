//! The store's logic, written once over `Backend`/`Tx`: scoping, the one write path (change →
//! ledger event → state → rollups in one transaction), rollup reads, search, users and sessions.

use crate::cases::CaseExtra;
use crate::db::{Backend, Row, Tx, Val};
use crate::ledger::{self, Event, VerifyReport, EVENT_COLS};
use crate::rows::*;
use crate::schema::{tables, INDEXES, MIGRATIONS, SCHEMA_VERSION};
use crate::*;
use fupin_domain::access::Scope;
use fupin_domain::household::apply_change;
use fupin_domain::lifecycle::CaseKind;
use fupin_domain::rollup::{self, Delta};
use serde_json::json;
use std::collections::HashSet;

/// Levels whose rollups are maintained row by row; all lie within one county.
pub const MAINTAINED_LEVELS: [i64; 3] = [6, 9, 12];

pub struct SqlStore<B: Backend> {
    pub backend: B,
    rules: Rules,
}

/// Builds SQL with numbered parameters as values are bound.
#[derive(Default)]
struct Query {
    sql: String,
    params: Vec<Val>,
}

impl Query {
    fn new(sql: &str) -> Query {
        Query { sql: sql.to_string(), params: vec![] }
    }

    fn bind(&mut self, v: impl Into<Val>) -> String {
        self.params.push(v.into());
        format!("${}", self.params.len())
    }

    fn push(&mut self, s: &str) {
        self.sql.push_str(s);
    }

    /// `AND <alias>.village_code in the scope's range [AND paired with the helper]`.
    fn scope(&mut self, scope: &Scope, alias: &str, region: &RegionCode) {
        let (lo, hi) = region.code_range();
        let (lo, hi) = (self.bind(lo), self.bind(hi));
        self.push(&format!(" AND {alias}.village_code >= {lo} AND {alias}.village_code < {hi}"));
        if let Some(helper) = &scope.helper_id {
            let p = self.bind(helper.as_str());
            self.push(&format!(
                " AND EXISTS (SELECT 1 FROM household_helpers hh WHERE hh.household_id = {alias}.id AND hh.helper_id = {p})"
            ));
        }
    }
}

pub fn year_of(at: &str) -> i32 {
    at.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

fn require(ok: bool, what: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(StoreError::Forbidden(what.to_string()))
    }
}

/// Events and rollup deltas of many changes in one transaction, written together at the end.
#[derive(Default)]
pub(crate) struct ChangeBatch {
    pub events: Vec<Event>,
    pub deltas: Vec<(RegionCode, Delta)>,
}

/// What `insert_files_in_tx` checks itself: everything, or all but what an import has already
/// checked in the same transaction for thousands of files at once (ids unused, people not in
/// another household, no one twice among the files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checks {
    All,
    DoneByImport,
}

/// Imports are an official's work, on their own region.
fn require_importer(caller: &Caller) -> Result<()> {
    require(caller.role.official_level().is_some() && caller.scope.helper_id.is_none(), "只有各级扶贫管理员可以导入贫困户档案")
}

fn parse_region(r: &Row) -> Region {
    Region {
        code: r.text(0),
        name: r.text(1),
        level: Level::parse(&r.text(2)).unwrap_or(Level::Village),
        parent_code: r.opt_text(3),
        rural_population: r.int(4),
    }
}

pub fn region_row(r: &Region) -> Vec<Val> {
    vec![r.code.as_str().into(), r.name.as_str().into(), r.level.as_str().into(), r.parent_code.clone().into(), r.rural_population.into()]
}

const REGION_COLS: &str = "code, name, level, parent_code, rural_population";

impl<B: Backend> SqlStore<B> {
    /// Opens the store, creating or upgrading the schema.
    pub fn new(backend: B, rules: Rules) -> Result<Self> {
        backend.batch(&tables(backend.keyed_table_suffix()))?;
        let s = SqlStore { backend, rules };
        if let Some(stored) = s.meta("schema_version")? {
            let stored: i64 = stored.parse().map_err(|_| StoreError::Db(format!("schema_version “{stored}” is not a number")))?;
            if stored > SCHEMA_VERSION {
                return Err(StoreError::Db(format!("数据库结构版本为{stored}，高于本程序支持的{SCHEMA_VERSION}，请升级程序")));
            }
            for (version, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > stored) {
                s.write(|tx| {
                    for sql in *statements {
                        tx.exec(sql, &[])?;
                    }
                    Ok(())
                })?;
                s.set_meta("schema_version", &version.to_string())?;
            }
        }
        s.backend.batch(INDEXES)?;
        s.set_meta("schema_version", &SCHEMA_VERSION.to_string())?;
        Ok(s)
    }

    pub(crate) fn read<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.backend.transaction(false, &mut f)
    }

    fn write<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        self.backend.transaction(true, &mut f)
    }

    /// NotFound unless the household exists inside the caller's scope (checked in SQL).
    pub(crate) fn ensure_in_scope(tx: &mut dyn Tx, caller: &Caller, id: &str) -> Result<()> {
        let mut q = Query::new("SELECT h.id FROM households h WHERE h.id = ");
        let p = q.bind(id);
        q.push(&p);
        q.scope(&caller.scope, "h", &caller.scope.region);
        tx.query_one(&q.sql, &q.params)?.map(|_| ()).ok_or(StoreError::NotFound)
    }

    /// One ID number may stand in one household only.
    pub(crate) fn ensure_ids_free(tx: &mut dyn Tx, h: &Household) -> Result<()> {
        for m in h.active_members() {
            let other = tx.query_one(
                "SELECT household_id FROM members WHERE id_number = $1 AND active = 1 AND household_id <> $2",
                &[m.id_number.as_str().into(), h.id.as_str().into()],
            )?;
            if other.is_some() {
                return Err(DomainError::new(
                    "member.id_elsewhere",
                    format!("身份证号{}已在其他贫困户中登记，同一人不能属于两户", m.id_number.masked()),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Adds villages' deltas to the maintained rollups, summed first per region and metric so
    /// that a township or county row is written once however many of its villages changed.
    pub(crate) fn apply_deltas<'v>(tx: &mut dyn Tx, deltas: impl Iterator<Item = (&'v RegionCode, Delta)>) -> Result<()> {
        let mut sums: BTreeMap<(i64, String, String), Tally> = BTreeMap::new();
        for (village, delta) in deltas {
            for len in MAINTAINED_LEVELS {
                for (metric, t) in &delta {
                    let e = sums.entry((len, village.as_str()[..len as usize].to_string(), metric.clone())).or_default();
                    e.households += t.households;
                    e.persons += t.persons;
                }
            }
        }
        // Many regions at once: a hundred rows per statement (each key once, as PostgreSQL
        // requires of one upsert).
        let sums: Vec<_> = sums.into_iter().filter(|(_, t)| *t != Tally::default()).collect();
        for chunk in sums.chunks(100) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|r| format!("(${}, ${}, ${}, ${}, ${})", 5 * r + 1, 5 * r + 2, 5 * r + 3, 5 * r + 4, 5 * r + 5))
                .collect();
            let sql = format!(
                "INSERT INTO rollups (level_len, region_code, metric, households, persons) VALUES {} \
                 ON CONFLICT (level_len, region_code, metric) DO UPDATE SET \
                 households = rollups.households + excluded.households, persons = rollups.persons + excluded.persons",
                tuples.join(", ")
            );
            let params: Vec<Val> = chunk
                .iter()
                .flat_map(|((len, code, metric), t)| {
                    [(*len).into(), code.as_str().into(), metric.as_str().into(), t.households.into(), t.persons.into()]
                })
                .collect();
            tx.exec(&sql, &params)?;
        }
        Ok(())
    }

    fn record(
        tx: &mut dyn Tx,
        caller: &Caller,
        h: &Household,
        kind: &str,
        reason: &str,
        at: &str,
        payload: serde_json::Value,
    ) -> Result<Event> {
        let county = h.village.county().expect("villages have counties");
        let mut ev = Event::new(county.as_str(), &h.id, kind, &caller.username, at, reason, payload.to_string());
        ledger::append(tx, &mut ev)?;
        Ok(ev)
    }

    /// Registers a file inside the caller's transaction.
    pub(crate) fn create_in_tx(tx: &mut dyn Tx, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
        let flow = rollup::flow(h.status, year_of(at));
        Self::insert_file_in_tx(tx, caller, h, "register", reason, at, flow, None)
    }

    /// Stores one new file with its event (`kind`: register or transfer_in) and rollups.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_file_in_tx(
        tx: &mut dyn Tx,
        caller: &Caller,
        h: Household,
        kind: &str,
        reason: &str,
        at: &str,
        flow: Option<String>,
        from: Option<&str>,
    ) -> Result<Household> {
        let mut created = Self::insert_files_in_tx(tx, caller, vec![(h, flow)], kind, reason, at, from, Checks::All)?;
        Ok(created.pop().expect("one file in, one out"))
    }

    /// The one creation path: checks every file, then stores all of them with multi-row
    /// inserts, one event each (chained per county in one go) and the rollups summed per region.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_files_in_tx(
        tx: &mut dyn Tx,
        caller: &Caller,
        files: Vec<(Household, Option<String>)>,
        kind: &str,
        reason: &str,
        at: &str,
        from: Option<&str>,
        checks: Checks,
    ) -> Result<Vec<Household>> {
        let mut villages: Vec<&str> = vec![];
        for (h, _) in &files {
            if !caller.scope.contains_region(&h.village) || caller.scope.helper_id.is_some() {
                return Err(StoreError::NotFound);
            }
            if h.village.level() != Level::Village {
                return Err(DomainError::new("household.village", "贫困户必须登记在村一级").into());
            }
            h.validate()?;
            villages.push(h.village.as_str());
        }
        villages.sort_unstable();
        villages.dedup();
        let known: HashSet<String> = Self::existing(tx, "SELECT code FROM regions WHERE code IN", &villages)?;
        if let Some(v) = villages.iter().find(|v| !known.contains(**v)) {
            return Err(DomainError::new("region.unknown", format!("村代码{v}不存在")).into());
        }
        if checks == Checks::All {
            let ids: Vec<&str> = files.iter().map(|(h, _)| h.id.as_str()).collect();
            if let Some(id) = Self::existing(tx, "SELECT id FROM households WHERE id IN", &ids)?.into_iter().next() {
                return Err(DomainError::new("household.exists", format!("户编号{id}已存在")).into());
            }
            let people: Vec<&str> = files.iter().flat_map(|(h, _)| h.active_members().map(|m| m.id_number.as_str())).collect();
            let mut seen = HashSet::new();
            let held = Self::existing(tx, "SELECT id_number FROM members WHERE active = 1 AND id_number IN", &people)?;
            if let Some(idn) = people.iter().find(|p| held.contains(**p) || !seen.insert(**p)) {
                let masked = fupin_domain::IdNumber::parse(idn).map(|i| i.masked()).unwrap_or_default();
                return Err(
                    DomainError::new("member.id_elsewhere", format!("身份证号{masked}已在其他贫困户中登记，同一人不能属于两户")).into()
                );
            }
        }
        let files: Vec<(Household, Option<String>)> = files.into_iter().map(|(h, f)| (Household { version: 1, ..h }, f)).collect();
        let hs = || files.iter().map(|(h, _)| h);
        // A household's row carries its digest, the costliest part: built on all cores.
        let rows = on_all_cores(&files, 8, |c| c.iter().map(|(h, _)| household_row(h, at)).collect::<Vec<_>>());
        crate::db::insert_many(tx, "households", HOUSEHOLD_COLS, rows.into_iter().flatten())?;
        crate::db::insert_many(tx, "members", MEMBER_COLS, hs().flat_map(|h| h.members.iter().map(move |m| member_row(h, m))))?;
        crate::db::insert_many(tx, "incomes", INCOME_COLS, hs().flat_map(|h| h.incomes.iter().map(move |i| income_row(h, i))))?;
        crate::db::insert_many(
            tx,
            "household_helpers",
            PAIR_COLS,
            hs().flat_map(|h| h.helpers.iter().map(move |x| vec![Val::from(h.id.as_str()), Val::from(x.id.as_str())])),
        )?;
        crate::db::insert_many(tx, "measures", MEASURE_COLS, hs().flat_map(|h| h.measures.iter().map(move |m| measure_row(h, m))))?;
        let mut events: Vec<Event> = files
            .iter()
            .map(|(h, flow)| {
                let payload = json!({"after": crate::rows::registration_summary(h), "size": h.size(), "flow": flow, "from": from});
                let county = h.village.county().expect("villages have counties");
                Event::new(county.as_str(), &h.id, kind, &caller.username, at, reason, payload.to_string())
            })
            .collect();
        ledger::append_many(tx, &mut events)?;
        let mut by_village: BTreeMap<&RegionCode, Delta> = BTreeMap::new();
        for (h, flow) in &files {
            let d = by_village.entry(&h.village).or_default();
            for (metric, t) in rollup::delta(None, h, flow.clone()) {
                let e = d.entry(metric).or_default();
                e.households += t.households;
                e.persons += t.persons;
            }
        }
        Self::apply_deltas(tx, by_village.into_iter())?;
        Ok(files.into_iter().map(|(h, _)| h).collect())
    }

    /// The values among `values` that `sql_prefix (…)` finds, a few hundred per query.
    fn existing(tx: &mut dyn Tx, sql_prefix: &str, values: &[&str]) -> Result<HashSet<String>> {
        let mut out = HashSet::new();
        for chunk in values.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let vals: Vec<Val> = chunk.iter().map(|s| (*s).into()).collect();
            for r in tx.query(&format!("{sql_prefix} ({})", params.join(", ")), &vals)? {
                out.insert(r.text(0));
            }
        }
        Ok(out)
    }

    /// Applies one change inside the caller's transaction: the one change path. Role checks
    /// are the caller's (a case completed by a county official changes the status too).
    pub(crate) fn change_in_tx(tx: &mut dyn Tx, caller: &Caller, req: &ChangeRequest, rules: &Rules) -> Result<Household> {
        Self::ensure_in_scope(tx, caller, &req.household_id)?;
        Self::apply_in_tx(tx, caller, req, rules)
    }

    /// The change path after the scope check: callers that skip `change_in_tx` have checked
    /// the caller's right to this file some other way (a transfer's accepting county).
    pub(crate) fn apply_in_tx(tx: &mut dyn Tx, caller: &Caller, req: &ChangeRequest, rules: &Rules) -> Result<Household> {
        let before = load_household(tx, &req.household_id)?.ok_or(StoreError::NotFound)?;
        Self::apply_to_in_tx(tx, caller, req, rules, before, None)
    }

    /// The same on the file as this transaction has just read it (an import reads thousands
    /// at once). With `batch`, the event and the rollup delta are collected there for the
    /// caller to write together, and the people were checked by the caller (an import checks
    /// all its files at once).
    pub(crate) fn apply_to_in_tx(
        tx: &mut dyn Tx,
        caller: &Caller,
        req: &ChangeRequest,
        rules: &Rules,
        before: Household,
        batch: Option<&mut ChangeBatch>,
    ) -> Result<Household> {
        if before.version != req.expected_version {
            return Err(StoreError::Conflict { current: before.version });
        }
        // Helpers newly paired by this change must exist and have room under the cap.
        let (named, already): (Vec<&String>, Vec<&str>) = match &req.change {
            Change::AssignHelper { helper_id } => (vec![helper_id], vec![]),
            Change::Replace { helper_ids, .. } => (helper_ids.iter().collect(), before.helpers.iter().map(|x| x.id.as_str()).collect()),
            _ => (vec![], vec![]),
        };
        let mut helpers = vec![];
        for helper_id in named {
            let load = tx.query_one(
                "SELECT x.id, x.name, x.unit, x.phone, (SELECT COUNT(*) FROM household_helpers p WHERE p.helper_id = x.id) \
                 FROM helpers x WHERE x.id = $1",
                &[helper_id.as_str().into()],
            )?;
            match load {
                Some(r) if !already.contains(&helper_id.as_str()) && r.int(4) >= rules.helper_household_cap => {
                    return Err(DomainError::new(
                        "helper.cap",
                        format!("帮扶责任人{}已结对{}户，达到上限{}户", r.text(1), r.int(4), rules.helper_household_cap),
                    )
                    .into())
                }
                Some(r) => helpers.push(Helper { id: r.text(0), name: r.text(1), unit: r.text(2), phone: r.text(3) }),
                None if matches!(req.change, Change::Replace { .. }) => {
                    return Err(DomainError::new("helper.not_found", format!("帮扶责任人{helper_id}不存在")).into())
                }
                None => {}
            }
        }
        let mut after = before.clone();
        let effect = apply_change(&mut after, &req.change, helpers, rules)?;
        if batch.is_none() {
            Self::ensure_ids_free(tx, &after)?;
        }
        after.version = before.version + 1;
        // The guard that makes a concurrent second edit fail instead of overwriting: on
        // PostgreSQL it waits for the first writer's row lock, then finds the version moved.
        let moved = tx.exec(
            "UPDATE households SET version = $1 WHERE id = $2 AND version = $3",
            &[after.version.into(), after.id.as_str().into(), before.version.into()],
        )?;
        if moved != 1 {
            return Err(StoreError::Conflict { current: before.version + 1 });
        }
        save_household(tx, &after, &req.at)?;
        let flow = match &req.change {
            Change::SetStatus { status, year } => rollup::flow(*status, *year),
            _ => None,
        };
        let payload = json!({"before": effect.before, "after": effect.after, "size": after.size(), "flow": flow});
        let delta = rollup::delta(Some(&before), &after, flow);
        match batch {
            Some(b) => {
                let county = after.village.county().expect("villages have counties");
                let ev =
                    Event::new(county.as_str(), &after.id, req.change.kind(), &caller.username, &req.at, &req.reason, payload.to_string());
                b.events.push(ev);
                b.deltas.push((after.village.clone(), delta));
            }
            None => {
                Self::record(tx, caller, &after, req.change.kind(), &req.reason, &req.at, payload)?;
                Self::apply_deltas(tx, std::iter::once((&after.village, delta)))?;
            }
        }
        Ok(after)
    }

    /// Maintained rollup rows of one level inside `region`, summed per region code prefix of
    /// `group_len` in Rust (cheaper than SQL GROUP BY for a few thousand rows).
    fn figures_by(tx: &mut dyn Tx, level_len: i64, group_len: usize, region: &RegionCode) -> Result<BTreeMap<String, Figures>> {
        let (lo, hi) = region.code_range();
        let rows = tx.query(
            "SELECT region_code, metric, households, persons FROM rollups WHERE level_len = $1 AND region_code >= $2 AND region_code < $3",
            &[level_len.into(), lo.into(), hi.into()],
        )?;
        let mut out: BTreeMap<String, Figures> = BTreeMap::new();
        for r in rows {
            let (Val::Text(code), Val::Text(metric)) = (&r.0[0], &r.0[1]) else { continue };
            let t = out.entry(code[..group_len.min(code.len())].to_string()).or_default().entry(metric.clone()).or_default();
            t.households += r.int(2);
            t.persons += r.int(3);
        }
        Ok(out)
    }
}

impl<B: Backend> Store for SqlStore<B> {
    fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn rules(&self) -> &Rules {
        &self.rules
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.read(|tx| Ok(tx.query_one("SELECT value FROM meta WHERE key = $1", &[key.into()])?.map(|r| r.text(0))))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[key.into(), value.into()],
            )
            .map(|_| ())
        })
    }

    fn load_regions(&self, regions: &[Region]) -> Result<()> {
        self.write(|tx| {
            for r in regions {
                tx.exec(
                    "INSERT INTO regions (code, name, level, parent_code, rural_population) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                     parent_code = excluded.parent_code, rural_population = excluded.rural_population",
                    &region_row(r),
                )?;
            }
            Ok(())
        })
    }

    fn region(&self, code: &RegionCode) -> Result<Option<Region>> {
        let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1");
        self.read(|tx| Ok(tx.query_one(&sql, &[code.as_str().into()])?.map(|r| parse_region(&r))))
    }

    fn region_figures(&self, caller: &Caller, code: &RegionCode) -> Result<RegionFigures> {
        if !caller.scope.contains_region(code) {
            return Err(StoreError::NotFound);
        }
        self.read(|tx| {
            let sql = format!("SELECT {REGION_COLS} FROM regions WHERE code = $1");
            let region = tx.query_one(&sql, &[code.as_str().into()])?.map(|r| parse_region(&r)).ok_or(StoreError::NotFound)?;
            let sql = format!("SELECT {REGION_COLS} FROM regions WHERE parent_code = $1 ORDER BY code");
            let children: Vec<Region> = tx.query(&sql, &[code.as_str().into()])?.iter().map(parse_region).collect();
            // Rollup rows exist for villages, townships and counties; above the county the
            // children's figures are sums over county rows. A region's own total is the sum of its
            // children's (equal by construction), so one range read answers both.
            let mut by_child = match region.level.child() {
                Some(child) => Self::figures_by(tx, (child.code_len() as i64).max(6), child.code_len(), code)?,
                None => BTreeMap::new(),
            };
            let total = match region.level.child() {
                Some(_) => {
                    let mut t = Figures::new();
                    for f in by_child.values() {
                        for (metric, x) in f {
                            let e = t.entry(metric.clone()).or_default();
                            e.households += x.households;
                            e.persons += x.persons;
                        }
                    }
                    t
                }
                None => Self::figures_by(tx, 12, 12, code)?.remove(code.as_str()).unwrap_or_default(),
            };
            let children = children.into_iter().map(|r| {
                let f = by_child.remove(&r.code).unwrap_or_default();
                (r, f)
            });
            Ok(RegionFigures { region: region.clone(), total: total.clone(), children: children.collect() })
        })
    }

    fn search_households(&self, caller: &Caller, hq: &HouseholdQuery) -> Result<Page<HouseholdSummary>> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        let region = hq.region.clone().unwrap_or_else(|| caller.scope.region.clone());
        if !caller.scope.contains_region(&region) {
            return Err(StoreError::NotFound);
        }
        let mut q = Query::new(" FROM households h WHERE 1 = 1");
        q.scope(&caller.scope, "h", &region);
        if let Some(text) = hq.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let p = q.bind(text.to_ascii_uppercase());
            let n = q.bind(text);
            // The name lookup is bounded by the region too, so a common name costs what it has
            // in the caller's region, not in the province (index members_name(name, village_code)).
            let (lo, hi) = region.code_range();
            let (lo, hi) = (q.bind(lo), q.bind(hi));
            q.push(&format!(
                " AND (h.id = {p} OR h.id IN (SELECT m.household_id FROM members m WHERE m.id_number = {p} AND m.active = 1) \
                 OR h.id IN (SELECT m.household_id FROM members m WHERE m.name = {n} AND m.village_code >= {lo} AND m.village_code < {hi}))"
            ));
        }
        for (col, val) in [
            ("status", hq.status.map(|s| s.code())),
            ("main_cause", hq.cause.map(|s| s.code())),
            ("attribute", hq.attribute.map(|s| s.code())),
        ] {
            if let Some(v) = val {
                let p = q.bind(v);
                q.push(&format!(" AND h.{col} = {p}"));
            }
        }
        if hq.no_measure {
            q.push(" AND h.status IN ('1', '4') AND NOT EXISTS (SELECT 1 FROM measures ms WHERE ms.household_id = h.id)");
        }
        if hq.no_helper {
            q.push(" AND h.status IN ('1', '4') AND NOT EXISTS (SELECT 1 FROM household_helpers hp WHERE hp.household_id = h.id)");
        }
        if let Some(path) = hq.path {
            let p = q.bind(path.code());
            q.push(&format!(" AND EXISTS (SELECT 1 FROM measures ms WHERE ms.household_id = h.id AND ms.path = {p})"));
        }
        let per_page = hq.per_page.clamp(1, 200);
        let page = hq.page.max(1);
        self.read(|tx| {
            let count_sql = format!("SELECT COUNT(*) FROM (SELECT 1{} LIMIT {}) c", q.sql, COUNT_CAP + 1);
            let total = tx.query_one(&count_sql, &q.params)?.map(|r| r.int(0)).unwrap_or(0);
            let list_sql = format!(
                "SELECT h.id, h.village_code, COALESCE(r.name, ''), h.head_name, h.head_id_number, h.size, h.status, h.attribute, h.main_cause \
                 {} ORDER BY h.village_code, h.id LIMIT {per_page} OFFSET {}",
                q.sql.replacen(" FROM households h", " FROM households h LEFT JOIN regions r ON r.code = h.village_code", 1),
                (page as u64 - 1) * per_page as u64
            );
            let mut items = vec![];
            for r in tx.query(&list_sql, &q.params)? {
                items.push(HouseholdSummary {
                    id: r.text(0),
                    village_code: r.text(1),
                    village_name: r.text(2),
                    head_name: r.text(3),
                    head_id_number: r.text(4),
                    size: r.int(5),
                    status: Status::parse(&r.text(6))?,
                    attribute: Attribute::parse(&r.text(7))?,
                    main_cause: Cause::parse(&r.text(8))?,
                });
            }
            Ok(Page { items, total: total.min(COUNT_CAP), total_capped: total > COUNT_CAP, page, per_page })
        })
    }

    fn household(&self, caller: &Caller, id: &str) -> Result<Household> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            Self::ensure_in_scope(tx, caller, id)?;
            load_household(tx, id)?.ok_or(StoreError::NotFound)
        })
    }

    fn history(&self, caller: &Caller, id: &str) -> Result<Vec<Event>> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            Self::ensure_in_scope(tx, caller, id)?;
            // A file that moved in carries the history of the numbers it had before.
            let mut ids = vec![id.to_string()];
            while let Some(r) = tx.query_one("SELECT from_id FROM transfers WHERE to_id = $1", &[ids[ids.len() - 1].as_str().into()])? {
                if ids.contains(&r.text(0)) || ids.len() > 50 {
                    break;
                }
                ids.push(r.text(0));
            }
            let sql = format!("SELECT {} FROM ledger WHERE household_id = $1 ORDER BY at, county_code, seq", EVENT_COLS.join(", "));
            let mut events = vec![];
            for id in ids.iter().rev() {
                events.extend(tx.query(&sql, &[id.as_str().into()])?.iter().map(Event::from_row));
            }
            Ok(events)
        })
    }

    fn transfer_links(&self, caller: &Caller, id: &str) -> Result<(Option<String>, Option<String>)> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            Self::ensure_in_scope(tx, caller, id)?;
            let from = tx.query_one("SELECT from_id FROM transfers WHERE to_id = $1", &[id.into()])?.map(|r| r.text(0));
            let to = tx.query_one("SELECT to_id FROM transfers WHERE from_id = $1", &[id.into()])?.map(|r| r.text(0));
            Ok((from, to))
        })
    }

    fn create_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
        require(caller.role.edits_households(), "只有村级管理员可以建档")?;
        self.write(|tx| Self::create_in_tx(tx, caller, h.clone(), reason, at))
    }

    fn change_household(&self, caller: &Caller, req: &ChangeRequest) -> Result<Household> {
        require(caller.role.edits_households(), "只有村级管理员可以修改贫困户档案")?;
        self.write(|tx| Self::change_in_tx(tx, caller, req, &self.rules))
    }

    fn helper(&self, id: &str) -> Result<Option<Helper>> {
        self.read(|tx| {
            Ok(tx.query_one("SELECT id, name, unit, phone FROM helpers WHERE id = $1", &[id.into()])?.map(|r| Helper {
                id: r.text(0),
                name: r.text(1),
                unit: r.text(2),
                phone: r.text(3),
            }))
        })
    }

    fn put_helper(&self, x: &Helper) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO helpers (id, name, unit, phone) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, unit = excluded.unit, phone = excluded.phone",
                &crate::rows::helper_row(x),
            )
            .map(|_| ())
        })
    }

    fn audit_pii(&self, caller: &Caller, household_id: &str, fields: &str, at: &str) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO pii_audit (at, username, household_id, fields) VALUES ($1, $2, $3, $4)",
                &[at.into(), caller.username.as_str().into(), household_id.into(), fields.into()],
            )
            .map(|_| ())
        })
    }

    fn pii_audit_count(&self, household_id: &str) -> Result<i64> {
        self.read(|tx| {
            Ok(tx
                .query_one("SELECT COUNT(*) FROM pii_audit WHERE household_id = $1", &[household_id.into()])?
                .map(|r| r.int(0))
                .unwrap_or(0))
        })
    }

    fn targets(&self, caller: &Caller, code: &RegionCode, year: i32) -> Result<BTreeMap<String, i64>> {
        if !caller.scope.contains_region(code) {
            return Err(StoreError::NotFound);
        }
        let len = code.as_str().len();
        if len > 6 {
            return Err(DomainError::new("targets.level", "减贫目标按县下达，乡镇和村无单独目标").into());
        }
        let group = if len == 6 { 6 } else { code.level().child().map_or(6, |c| c.code_len()) };
        let (lo, hi) = code.code_range();
        self.read(|tx| {
            let mut out = BTreeMap::new();
            for r in tx.query(
                "SELECT region_code, persons FROM targets WHERE year = $1 AND region_code >= $2 AND region_code < $3",
                &[year.into(), lo.as_str().into(), hi.as_str().into()],
            )? {
                *out.entry(r.text(0)[..group].to_string()).or_insert(0) += r.int(1);
            }
            Ok(out)
        })
    }

    fn set_target(&self, caller: &Caller, county: &RegionCode, year: i32, persons: i64) -> Result<()> {
        require(matches!(caller.role, Role::ProvinceOfficial | Role::CityOfficial), "只有省、市管理员可以下达减贫目标")?;
        if !caller.scope.contains_region(county) {
            return Err(StoreError::NotFound);
        }
        if county.level() != Level::County || persons < 0 || !(2015..=2030).contains(&year) {
            return Err(DomainError::new("targets.invalid", "目标须为县级区划、2015–2030年度、非负人数").into());
        }
        self.write(|tx| {
            tx.exec(
                "INSERT INTO targets (region_code, year, persons) VALUES ($1, $2, $3) \
                 ON CONFLICT (region_code, year) DO UPDATE SET persons = excluded.persons",
                &[county.as_str().into(), year.into(), persons.into()],
            )
            .map(|_| ())
        })
    }

    fn helper_load(&self, caller: &Caller, code: &RegionCode, limit: u32) -> Result<Vec<HelperLoad>> {
        require(caller.role.reads_households(), "该角色不能查看帮扶责任人")?;
        if !caller.scope.contains_region(code) {
            return Err(StoreError::NotFound);
        }
        if code.as_str().len() < 6 {
            return Err(DomainError::new("helpers.level", "帮扶责任人工作量在县及以下查看").into());
        }
        let mut q = Query::new(
            "SELECT x.id, x.name, x.unit, COUNT(*) FROM household_helpers p JOIN households h ON h.id = p.household_id \
             JOIN helpers x ON x.id = p.helper_id WHERE 1 = 1",
        );
        q.scope(&caller.scope, "h", code);
        q.push(&format!(" GROUP BY x.id, x.name, x.unit ORDER BY COUNT(*) DESC, x.id LIMIT {}", limit.clamp(1, 1000)));
        let cap = self.rules.helper_household_cap;
        self.read(|tx| {
            Ok(tx
                .query(&q.sql, &q.params)?
                .into_iter()
                .map(|r| HelperLoad { id: r.text(0), name: r.text(1), unit: r.text(2), households: r.int(3), over_cap: r.int(3) > cap })
                .collect())
        })
    }

    fn open_case(
        &self,
        caller: &Caller,
        kind: CaseKind,
        household_id: Option<&str>,
        file: Option<Household>,
        reason: &str,
        at: &str,
    ) -> Result<Case> {
        self.write(|tx| Self::open_case_in_tx(tx, &self.rules, caller, kind, household_id, file.clone(), &CaseExtra::None, reason, at))
    }

    fn open_monitoring(
        &self,
        caller: &Caller,
        household_id: &str,
        kind: fupin_domain::codes::MonitorType,
        reason: &str,
        at: &str,
    ) -> Result<Case> {
        self.write(|tx| {
            let extra = CaseExtra::Monitor(kind);
            Self::open_case_in_tx(tx, &self.rules, caller, CaseKind::Monitoring, Some(household_id), None, &extra, reason, at)
        })
    }

    fn open_transfer(&self, caller: &Caller, household_id: &str, target: &RegionCode, reason: &str, at: &str) -> Result<Case> {
        self.write(|tx| {
            let extra = CaseExtra::Target(target.clone());
            Self::open_case_in_tx(tx, &self.rules, caller, CaseKind::Transfer, Some(household_id), None, &extra, reason, at)
        })
    }

    fn record_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
        require(caller.role.official_level() == Some(Level::Village), "非建档立卡户由村级管理员录入")?;
        if reason.trim().is_empty() {
            return Err(DomainError::new("household.reason", "须填写录入原因（如入户排查、部门筛查、本人申请）").into());
        }
        self.write(|tx| {
            let mut f = h.clone();
            f.id = Self::next_file_id(tx, &f.village)?;
            f.status = fupin_domain::codes::Status::NonPoor;
            f.monitoring = None;
            f.registered_year = year_of(at);
            f.exited_year = None;
            f.form_version = self.rules.form_version.clone();
            Self::create_in_tx(tx, caller, f, reason, at)
        })
    }

    fn case(&self, caller: &Caller, id: &str) -> Result<Case> {
        require(caller.role.reads_households(), "该角色不能查看业务办理")?;
        self.read(|tx| Ok(Self::scoped_case(tx, caller, id)?.0))
    }

    fn case_file(&self, caller: &Caller, id: &str) -> Result<Option<Household>> {
        require(caller.role.reads_households(), "该角色不能查看业务办理")?;
        self.read(|tx| Ok(Self::scoped_case(tx, caller, id)?.1))
    }

    fn cases(&self, caller: &Caller, region: &RegionCode, open_only: bool) -> Result<Vec<Case>> {
        require(caller.role.reads_households(), "该角色不能查看业务办理")?;
        if !caller.scope.contains_region(region) {
            return Err(StoreError::NotFound);
        }
        self.read(|tx| Self::cases_in(tx, caller, region, open_only))
    }

    fn advance_case(&self, caller: &Caller, id: &str, expected_version: i64, decision: &Decision, at: &str) -> Result<Case> {
        self.write(|tx| Self::advance_case_in_tx(tx, &self.rules, caller, id, expected_version, decision, at))
    }

    fn lodge_objection(&self, case_id: &str, text: &str, contact: &str, at: &str) -> Result<Objection> {
        self.write(|tx| Self::lodge_objection_in_tx(tx, case_id, text, contact, at))
    }

    fn resolve_objection(&self, caller: &Caller, objection_id: &str, upheld: bool, resolution: &str, at: &str) -> Result<Case> {
        self.write(|tx| Self::resolve_objection_in_tx(tx, caller, objection_id, upheld, resolution, at))
    }

    fn public_notices(&self, region: &RegionCode, at: &str) -> Result<Vec<PublicNotice>> {
        self.read(|tx| Self::public_notices_in(tx, region, at))
    }

    fn files_in(&self, caller: &Caller, region: &RegionCode, after: Option<&str>, limit: u32) -> Result<Vec<Household>> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        if !caller.scope.contains_region(region) {
            return Err(StoreError::NotFound);
        }
        let mut q = Query::new("SELECT h.id FROM households h WHERE 1 = 1");
        q.scope(&caller.scope, "h", region);
        if let Some(a) = after {
            let p = q.bind(a);
            q.push(&format!(" AND h.id > {p}"));
        }
        q.push(&format!(" ORDER BY h.id LIMIT {}", limit.clamp(1, 5000)));
        self.read(|tx| {
            let ids: Vec<String> = tx.query(&q.sql, &q.params)?.iter().map(|r| r.text(0)).collect();
            crate::rows::load_households_range(tx, &ids)
        })
    }

    fn import(&self, caller: &Caller, set: ImportSet<'_>, at: &str) -> Result<ImportOutcome> {
        require_importer(caller)?;
        self.write(|tx| Self::import_in_tx(tx, &self.rules, caller, &set, at))
    }

    fn file_digests(&self, caller: &Caller, first: &str, last: &str) -> Result<Vec<(String, String)>> {
        require_importer(caller)?;
        self.read(|tx| Self::digests_in_range(tx, &caller.scope.region, first, last))
    }

    fn data_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date) -> Result<CheckReport> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        if !caller.scope.contains_region(region) || caller.scope.helper_id.is_some() {
            return Err(StoreError::NotFound);
        }
        Ok(self.scan(region, today.year, today)?.1)
    }

    fn evaluate(
        &self,
        caller: &Caller,
        region: &RegionCode,
        year: i32,
        as_of: fupin_domain::id_number::Date,
    ) -> Result<yearly::Evaluation> {
        require(caller.role.reads_households(), "该角色不能查看贫困户档案")?;
        if !caller.scope.contains_region(region) || caller.scope.helper_id.is_some() {
            return Err(StoreError::NotFound);
        }
        Ok(self.scan(region, year, as_of)?.0)
    }

    fn verify_ledger(&self) -> Result<VerifyReport> {
        self.read(|tx| {
            let mut heads: BTreeMap<String, Option<(i64, String)>> = BTreeMap::new();
            for r in tx.query("SELECT county_code, seq, hash FROM chain_heads", &[])? {
                heads.insert(r.text(0), Some((r.int(1), r.text(2))));
            }
            for r in tx.query("SELECT DISTINCT county_code FROM ledger", &[])? {
                heads.entry(r.text(0)).or_insert(None);
            }
            let mut report = VerifyReport::default();
            let sql = format!("SELECT {} FROM ledger WHERE county_code = $1 ORDER BY seq", EVENT_COLS.join(", "));
            for (county, head) in heads {
                let events: Vec<Event> = tx.query(&sql, &[county.as_str().into()])?.iter().map(Event::from_row).collect();
                let head = match head {
                    Some(h) => Some(h),
                    None => {
                        report.broken = Some((county, 0, "缺少链头".into()));
                        return Ok(report);
                    }
                };
                report.chains += 1;
                match ledger::verify_chain(&events, head) {
                    Ok(n) => report.events += n,
                    Err((seq, why)) => {
                        report.broken = Some((county, seq, why));
                        return Ok(report);
                    }
                }
            }
            Ok(report)
        })
    }

    fn rollup_table(&self) -> Result<RollupTable> {
        self.read(|tx| {
            let mut t = RollupTable::new();
            for r in tx.query("SELECT level_len, region_code, metric, households, persons FROM rollups", &[])? {
                let tally = Tally { households: r.int(3), persons: r.int(4) };
                if tally != Tally::default() {
                    t.insert((r.int(0), r.text(1), r.text(2)), tally);
                }
            }
            Ok(t)
        })
    }

    fn recount_rollups(&self) -> Result<RollupTable> {
        self.read(|tx| {
            let mut per_village: BTreeMap<String, Delta> = BTreeMap::new();
            let ids: Vec<String> = tx.query("SELECT id FROM households", &[])?.iter().map(|r| r.text(0)).collect();
            let mut village_of = BTreeMap::new();
            for id in ids {
                let h = load_household(tx, &id)?.ok_or(StoreError::NotFound)?;
                let d = per_village.entry(h.village.to_string()).or_default();
                rollup::add(d, &rollup::contributions(&h), h.size(), 1);
                village_of.insert(id, h.village.to_string());
            }
            // Flow counters (registered:Y, exited:Y …) are what the events said they added.
            for r in tx.query("SELECT household_id, payload FROM ledger WHERE kind IN ('register', 'set_status', 'transfer_in')", &[])? {
                let payload: serde_json::Value = serde_json::from_str(&r.text(1)).map_err(|e| StoreError::Db(e.to_string()))?;
                if let (Some(flow), Some(village)) = (payload["flow"].as_str(), village_of.get(&r.text(0))) {
                    let d = per_village.entry(village.clone()).or_default();
                    rollup::add(d, &[flow.to_string()], payload["size"].as_i64().unwrap_or(0), 1);
                }
            }
            let mut t = RollupTable::new();
            for (village, d) in per_village {
                for len in MAINTAINED_LEVELS {
                    for (metric, tally) in &d {
                        let e = t.entry((len, village[..len as usize].to_string(), metric.clone())).or_default();
                        e.households += tally.households;
                        e.persons += tally.persons;
                    }
                }
            }
            t.retain(|_, v| *v != Tally::default());
            Ok(t)
        })
    }

    fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        self.read(|tx| {
            let r = tx.query_one(
                "SELECT username, display_name, role, region_code, helper_id, password_hash FROM users WHERE username = $1",
                &[username.into()],
            )?;
            r.map(|r| {
                Ok(UserRecord {
                    username: r.text(0),
                    display_name: r.text(1),
                    role: Role::parse(&r.text(2))?,
                    region: RegionCode::parse(&r.text(3))?,
                    helper_id: r.opt_text(4),
                    password_hash: r.text(5),
                })
            })
            .transpose()
        })
    }

    fn put_user(&self, u: &UserRecord) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO users (username, display_name, role, region_code, helper_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, \
                 region_code = excluded.region_code, helper_id = excluded.helper_id, password_hash = excluded.password_hash",
                &[
                    u.username.as_str().into(),
                    u.display_name.as_str().into(),
                    u.role.as_str().into(),
                    u.region.as_str().into(),
                    u.helper_id.clone().into(),
                    u.password_hash.as_str().into(),
                ],
            )
            .map(|_| ())
        })
    }

    fn create_session(&self, token_hash: &str, s: &SessionRecord) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO sessions (token_hash, username, csrf_token, expires_at) VALUES ($1, $2, $3, $4)",
                &[token_hash.into(), s.username.as_str().into(), s.csrf_token.as_str().into(), s.expires_at.into()],
            )
            .map(|_| ())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>> {
        self.read(|tx| {
            Ok(tx
                .query_one(
                    "SELECT username, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                    &[token_hash.into(), now.into()],
                )?
                .map(|r| SessionRecord { username: r.text(0), csrf_token: r.text(1), expires_at: r.int(2) }))
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(|tx| tx.exec("DELETE FROM sessions WHERE token_hash = $1", &[token_hash.into()]).map(|_| ()))
    }

    fn exec_raw(&self, sql: &str) -> Result<u64> {
        self.write(|tx| tx.exec(sql, &[]))
    }
}
