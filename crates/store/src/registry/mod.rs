//! 信息汇集, the registry: households and members, income, helpers and measures, the lifecycle
//! cases with their notices and objections, transfers, spreadsheet imports, the data checks and
//! the yearly update (动态调整). Every change goes through `write`.

pub mod cases;
pub mod checks;
pub mod conformance;
pub mod import;
pub mod rows;
pub mod scan;
pub mod schema;
pub mod visits;
pub mod write;
pub mod yearly;

use crate::core::db::Backend;
use crate::core::ledger::{Event, EVENT_COLS};
use crate::core::query::{require, year_of, Query};
use crate::core::rollups::{RollupTable, MAINTAINED_LEVELS};
use crate::sql_store::SqlStore;
use crate::{Page, Result, StoreError, COUNT_CAP};
use cases::*;
use checks::CheckReport;
use fupin_domain::access::{Action, Caller};
use fupin_domain::maps::rollup::{self, Delta, Tally};
use fupin_domain::registry::codes::{Attribute, Cause, Path, Status};
use fupin_domain::registry::household::{Change, Helper, Household};
use fupin_domain::registry::lifecycle::CaseKind;
use fupin_domain::{DomainError, RegionCode};
use import::*;
use rows::load_household;
use serde::Serialize;
use std::collections::BTreeMap;
use write::*;

#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    /// Narrows the caller's scope; must lie inside it.
    pub region: Option<RegionCode>,
    /// A member's exact name, an ID number, or a household id.
    pub q: Option<String>,
    pub status: Option<Status>,
    pub cause: Option<Cause>,
    pub attribute: Option<Attribute>,
    pub path: Option<Path>,
    /// Only remaining poor households without a measure (the gaps of map 2).
    pub no_measure: bool,
    /// Only remaining poor households without a helper.
    pub no_helper: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HouseholdSummary {
    pub id: String,
    pub village_code: String,
    pub village_name: String,
    pub head_name: String,
    pub head_id_number: String,
    pub size: i64,
    pub status: Status,
    pub attribute: Attribute,
    pub main_cause: Cause,
}

/// A change request: who, on which file at which version, why, and when (business clock).
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub household_id: String,
    pub expected_version: i64,
    pub change: Change,
    pub reason: String,
    pub at: String,
}

/// One helper's load inside a region (扶贫措施到户到人图).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelperLoad {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub households: i64,
    pub over_cap: bool,
}

pub trait RegistryStore: Send + Sync {
    fn search_households(&self, caller: &Caller, q: &HouseholdQuery) -> Result<Page<HouseholdSummary>>;
    fn household(&self, caller: &Caller, id: &str) -> Result<Household>;
    /// The file's events, oldest first.
    fn history(&self, caller: &Caller, id: &str) -> Result<Vec<Event>>;
    /// The numbers a file moved from and to (迁移), if it did.
    fn transfer_links(&self, caller: &Caller, id: &str) -> Result<(Option<String>, Option<String>)>;
    /// Registers a new file (建档立卡) as one event.
    fn create_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household>;
    /// Applies one edit as one event, or nothing. Transitions (`SetStatus`, `SetMonitoring`) are
    /// refused: only a workflow's last step applies them, inside its own transaction.
    fn change_household(&self, caller: &Caller, req: &ChangeRequest) -> Result<Household>;
    /// Reference data of the helper units (no caller: helpers are public servants by name and unit).
    fn helper(&self, id: &str) -> Result<Option<Helper>>;
    fn put_helper(&self, helper: &Helper) -> Result<()>;
    /// Records that `caller` read these unmasked fields of a household.
    fn audit_pii(&self, caller: &Caller, household_id: &str, fields: &str, at: &str) -> Result<()>;
    fn pii_audit_count(&self, household_id: &str) -> Result<i64>;
    /// Helpers working in a county, township or village with their household counts, heaviest
    /// first (at most `limit`).
    fn helper_load(&self, caller: &Caller, code: &RegionCode, limit: u32) -> Result<Vec<HelperLoad>>;

    /// Opens a lifecycle case (village officials): for identification with the applicant's full
    /// file, otherwise on an existing household. An exit whose standards are unmet is refused
    /// with `Unmet` and nothing is recorded.
    fn open_case(
        &self,
        caller: &Caller,
        kind: CaseKind,
        household_id: Option<&str>,
        file: Option<Household>,
        reason: &str,
        at: &str,
    ) -> Result<Case>;
    /// Opens a monitoring case (防返贫监测) proposing the household as a monitored `kind`.
    fn open_monitoring(
        &self,
        caller: &Caller,
        household_id: &str,
        kind: fupin_domain::registry::codes::MonitorType,
        reason: &str,
        at: &str,
    ) -> Result<Case>;
    /// Opens a transfer (迁移) of a household to `target` village, anywhere in the province.
    fn open_transfer(&self, caller: &Caller, household_id: &str, target: &RegionCode, reason: &str, at: &str) -> Result<Case>;
    /// Records a rural household outside the register (非建档立卡户) for 防返贫监测, by a village
    /// official: it gets the village's next number and never counts among the registered.
    fn record_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household>;
    fn case(&self, caller: &Caller, id: &str) -> Result<Case>;
    /// The applicant's file of an identification case.
    fn case_file(&self, caller: &Caller, id: &str) -> Result<Option<Household>>;
    /// A region's cases, newest first (at most 500).
    fn cases(&self, caller: &Caller, region: &RegionCode, open_only: bool) -> Result<Vec<Case>>;
    /// Every case of one household, newest first.
    fn household_cases(&self, caller: &Caller, household_id: &str) -> Result<Vec<Case>>;
    /// Does or rejects the case's next step, by the official of that step's level.
    fn advance_case(&self, caller: &Caller, id: &str, expected_version: i64, decision: &Decision, at: &str) -> Result<Case>;
    /// Anyone may object while a notice runs; the case pauses until the township resolves it.
    /// (No caller: the public objects without logging in.)
    fn lodge_objection(&self, case_id: &str, text: &str, contact: &str, at: &str) -> Result<Objection>;
    fn resolve_objection(&self, caller: &Caller, objection_id: &str, upheld: bool, resolution: &str, at: &str) -> Result<Case>;
    /// Notices running and announcements of the last year in a region, for the public (no caller).
    fn public_notices(&self, region: &RegionCode, at: &str) -> Result<Vec<PublicNotice>>;

    /// Whole files in a region, in key order after `after`, at most `limit` (exports).
    fn files_in(&self, caller: &Caller, region: &RegionCode, after: Option<&str>, limit: u32) -> Result<Vec<Household>>;
    /// Imports files: all applied in one transaction, or none (`Rows` lists every problem).
    /// Unchanged files record nothing; changed ones one `import` event each.
    fn import_households(&self, caller: &Caller, files: &[Household], at: &str) -> Result<ImportOutcome> {
        self.import(caller, ImportSet { files, unchanged: &[] }, at)
    }
    /// The same, where the reader has already found some files equal to what is stored (by
    /// `file_digests`): those are only confirmed, in the same transaction, never parsed.
    fn import(&self, caller: &Caller, set: ImportSet<'_>, at: &str) -> Result<ImportOutcome>;
    /// `(id, sheet::file_digest)` in id order of the stored files with ids in `first..=last`
    /// inside the caller's region: what an import compares a file's rows against before parsing
    /// them.
    fn file_digests(&self, caller: &Caller, first: &str, last: &str) -> Result<Vec<(String, String)>>;
    /// 动态调整: judges every file of the region for `year` (meets exit, still poor, at risk,
    /// stable) and runs the data checks, in one pass. Officials only.
    fn yearly_update(
        &self,
        caller: &Caller,
        region: &RegionCode,
        year: i32,
        as_of: fupin_domain::id_number::Date,
    ) -> Result<yearly::YearlyUpdate>;
    /// 数据核查 over the caller's region (or a part of it), as of `today`.
    fn data_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date) -> Result<CheckReport>;
    /// Runs 数据核查 over `region` and keeps the result as the region's last run (`now`: Unix
    /// seconds, the caller's clock).
    fn run_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date, now: i64) -> Result<checks::CheckRun>;
    /// The region's last kept run, if the checks ran there.
    fn last_checks(&self, caller: &Caller, region: &RegionCode) -> Result<Option<checks::CheckRun>>;

    /// The yearly update kept by the region's last `run_checks`, if any.
    fn last_yearly(&self, caller: &Caller, region: &RegionCode) -> Result<Option<yearly::YearlyRun>>;

    /// 走访记录: a visit to a household by its paired helper or its village official.
    fn record_visit(
        &self,
        caller: &Caller,
        household_id: &str,
        report: &fupin_domain::registry::visit::VisitReport,
        today: fupin_domain::id_number::Date,
        at: &str,
    ) -> Result<fupin_domain::registry::visit::Visit>;
    /// A household's visits, newest first.
    fn visits(&self, caller: &Caller, household_id: &str) -> Result<Vec<fupin_domain::registry::visit::Visit>>;
    /// The caller's households (a helper's paired ones; a region's, at most 2,000) with their
    /// last visit, the never and longest unvisited first.
    fn visit_status(&self, caller: &Caller) -> Result<Vec<visits::VisitStatus>>;

    /// The maintained rollups, for checking them (operators and tests; no caller).
    fn rollup_table(&self) -> Result<RollupTable>;
    /// The rollups recomputed from the files and the ledger, for checking the maintained ones.
    fn recount_rollups(&self) -> Result<RollupTable>;
}

impl<B: Backend> RegistryStore for SqlStore<B> {
    fn search_households(&self, caller: &Caller, hq: &HouseholdQuery) -> Result<Page<HouseholdSummary>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
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
            let total = tx.query_one(&count_sql, &q.params)?.map(|r| r.int(0)).transpose()?.unwrap_or(0);
            let list_sql = format!(
                "SELECT h.id, h.village_code, COALESCE(r.name, ''), h.head_name, h.head_id_number, h.size, h.status, h.attribute, h.main_cause \
                 {} ORDER BY h.village_code, h.id LIMIT {per_page} OFFSET {}",
                q.sql.replacen(" FROM households h", " FROM households h LEFT JOIN regions r ON r.code = h.village_code", 1),
                (page as u64 - 1) * per_page as u64
            );
            let mut items = vec![];
            for r in tx.query(&list_sql, &q.params)? {
                items.push(HouseholdSummary {
                    id: r.text(0)?,
                    village_code: r.text(1)?,
                    village_name: r.text(2)?,
                    head_name: r.text(3)?,
                    head_id_number: r.text(4)?,
                    size: r.int(5)?,
                    status: Status::parse(&r.text(6)?)?,
                    attribute: Attribute::parse(&r.text(7)?)?,
                    main_cause: Cause::parse(&r.text(8)?)?,
                });
            }
            Ok(Page { items, total: total.min(COUNT_CAP), total_capped: total > COUNT_CAP, page, per_page })
        })
    }

    fn household(&self, caller: &Caller, id: &str) -> Result<Household> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            ensure_in_scope(tx, caller, id)?;
            load_household(tx, id)?.ok_or(StoreError::NotFound)
        })
    }

    fn history(&self, caller: &Caller, id: &str) -> Result<Vec<Event>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            ensure_in_scope(tx, caller, id)?;
            // A file that moved in carries the history of the numbers it had before.
            let mut ids = vec![id.to_string()];
            while let Some(r) = tx.query_one("SELECT from_id FROM transfers WHERE to_id = $1", &[ids[ids.len() - 1].as_str().into()])? {
                if ids.contains(&r.text(0)?) || ids.len() > 50 {
                    break;
                }
                ids.push(r.text(0)?);
            }
            let sql = format!("SELECT {} FROM ledger WHERE household_id = $1 ORDER BY at, county_code, seq", EVENT_COLS.join(", "));
            let mut events = vec![];
            for id in ids.iter().rev() {
                for r in tx.query(&sql, &[id.as_str().into()])? {
                    let mut e = Event::from_row(&r)?;
                    // Payloads quote the file's personal data: they leave masked as the file does.
                    e.payload = fupin_domain::access::mask_payload(&e.payload, caller.role.pii());
                    events.push(e);
                }
            }
            Ok(events)
        })
    }

    fn transfer_links(&self, caller: &Caller, id: &str) -> Result<(Option<String>, Option<String>)> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
        self.read(|tx| {
            ensure_in_scope(tx, caller, id)?;
            let from = tx.query_one("SELECT from_id FROM transfers WHERE to_id = $1", &[id.into()])?.map(|r| r.text(0)).transpose()?;
            let to = tx.query_one("SELECT to_id FROM transfers WHERE from_id = $1", &[id.into()])?.map(|r| r.text(0)).transpose()?;
            Ok((from, to))
        })
    }

    fn create_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
        require(caller.role.may(Action::EditFiles), "只有村级管理员可以建档")?;
        self.write(|tx| create_in_tx(tx, caller, h.clone(), reason, at))
    }

    fn change_household(&self, caller: &Caller, req: &ChangeRequest) -> Result<Household> {
        require(caller.role.may(Action::EditFiles), "只有村级管理员可以修改贫困户档案")?;
        // Status and monitoring change only by the last step of their workflow (open_case …).
        require(!req.change.is_transition(), "脱贫、返贫、清退和监测标识须通过相应的业务办理流程变更")?;
        self.write(|tx| change_in_tx(tx, caller, req, &self.rules))
    }

    fn helper(&self, id: &str) -> Result<Option<Helper>> {
        self.read(|tx| {
            tx.query_one("SELECT id, name, unit, phone FROM helpers WHERE id = $1", &[id.into()])?
                .map(|r| Ok(Helper { id: r.text(0)?, name: r.text(1)?, unit: r.text(2)?, phone: r.text(3)? }))
                .transpose()
        })
    }

    fn put_helper(&self, x: &Helper) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO helpers (id, name, unit, phone) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                 name = excluded.name, unit = excluded.unit, phone = excluded.phone",
                &rows::helper_row(x),
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
                .transpose()?
                .unwrap_or(0))
        })
    }

    fn helper_load(&self, caller: &Caller, code: &RegionCode, limit: u32) -> Result<Vec<HelperLoad>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看帮扶责任人")?;
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
                .map(|r| {
                    Ok(HelperLoad { id: r.text(0)?, name: r.text(1)?, unit: r.text(2)?, households: r.int(3)?, over_cap: r.int(3)? > cap })
                })
                .collect::<Result<_>>()?)
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
        self.write(|tx| open_case_in_tx(tx, &self.rules, caller, kind, household_id, file.clone(), &CaseExtra::None, reason, at))
    }

    fn open_monitoring(
        &self,
        caller: &Caller,
        household_id: &str,
        kind: fupin_domain::registry::codes::MonitorType,
        reason: &str,
        at: &str,
    ) -> Result<Case> {
        self.write(|tx| {
            let extra = CaseExtra::Monitor(kind);
            open_case_in_tx(tx, &self.rules, caller, CaseKind::Monitoring, Some(household_id), None, &extra, reason, at)
        })
    }

    fn open_transfer(&self, caller: &Caller, household_id: &str, target: &RegionCode, reason: &str, at: &str) -> Result<Case> {
        self.write(|tx| {
            let extra = CaseExtra::Target(target.clone());
            open_case_in_tx(tx, &self.rules, caller, CaseKind::Transfer, Some(household_id), None, &extra, reason, at)
        })
    }

    fn record_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household> {
        require(caller.role.may(Action::EditFiles), "非建档立卡户由村级管理员录入")?;
        if reason.trim().is_empty() {
            return Err(DomainError::new("household.reason", "须填写录入原因（如入户排查、部门筛查、本人申请）").into());
        }
        self.write(|tx| {
            let mut f = h.clone();
            f.id = next_file_id(tx, &f.village)?;
            f.status = fupin_domain::registry::codes::Status::NonPoor;
            f.monitoring = None;
            f.registered_year = year_of(at);
            f.exited_year = None;
            f.form_version = self.rules.form_version.clone();
            create_in_tx(tx, caller, f, reason, at)
        })
    }

    fn case(&self, caller: &Caller, id: &str) -> Result<Case> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看业务办理")?;
        self.read(|tx| Ok(scoped_case(tx, caller, id)?.0))
    }

    fn case_file(&self, caller: &Caller, id: &str) -> Result<Option<Household>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看业务办理")?;
        self.read(|tx| Ok(scoped_case(tx, caller, id)?.1))
    }

    fn cases(&self, caller: &Caller, region: &RegionCode, open_only: bool) -> Result<Vec<Case>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看业务办理")?;
        if !caller.scope.contains_region(region) {
            return Err(StoreError::NotFound);
        }
        self.read(|tx| cases_in(tx, caller, region, open_only))
    }

    fn household_cases(&self, caller: &Caller, household_id: &str) -> Result<Vec<Case>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看业务办理")?;
        self.read(|tx| household_cases_in(tx, caller, household_id))
    }

    fn advance_case(&self, caller: &Caller, id: &str, expected_version: i64, decision: &Decision, at: &str) -> Result<Case> {
        require(caller.role.may(Action::HandleCases), "只有各级扶贫管理员可以办理业务")?;
        self.write(|tx| advance_case_in_tx(tx, &self.rules, caller, id, expected_version, decision, at))
    }

    fn lodge_objection(&self, case_id: &str, text: &str, contact: &str, at: &str) -> Result<Objection> {
        self.write(|tx| lodge_objection_in_tx(tx, case_id, text, contact, at))
    }

    fn resolve_objection(&self, caller: &Caller, objection_id: &str, upheld: bool, resolution: &str, at: &str) -> Result<Case> {
        require(caller.role.may(Action::HandleCases), "只有乡镇扶贫管理员可以处理异议")?;
        self.write(|tx| resolve_objection_in_tx(tx, caller, objection_id, upheld, resolution, at))
    }

    fn public_notices(&self, region: &RegionCode, at: &str) -> Result<Vec<PublicNotice>> {
        self.read(|tx| public_notices_in(tx, region, at))
    }

    fn files_in(&self, caller: &Caller, region: &RegionCode, after: Option<&str>, limit: u32) -> Result<Vec<Household>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
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
            let ids: Vec<String> = tx.query(&q.sql, &q.params)?.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
            rows::load_households_range(tx, &ids)
        })
    }

    fn import(&self, caller: &Caller, set: ImportSet<'_>, at: &str) -> Result<ImportOutcome> {
        require_importer(caller)?;
        self.write(|tx| import_in_tx(tx, &self.rules, caller, &set, at))
    }

    fn file_digests(&self, caller: &Caller, first: &str, last: &str) -> Result<Vec<(String, String)>> {
        require_importer(caller)?;
        self.read(|tx| digests_in_range(tx, &caller.scope.region, first, last))
    }

    fn data_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date) -> Result<CheckReport> {
        may_check(caller, region)?;
        Ok(self.scan(region, today.year, today)?.1)
    }

    fn run_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date, now: i64) -> Result<checks::CheckRun> {
        may_check(caller, region)?;
        // One pass judges the files for the yearly update and checks them; both are kept.
        let started = std::time::Instant::now();
        let (update, report) = self.scan(region, today.year, today)?;
        let (finished_secs, millis) = (now + started.elapsed().as_secs() as i64, started.elapsed().as_millis() as i64);
        let run = checks::CheckRun { region: region.to_string(), computed_on: today.to_string(), finished_secs, millis, report };
        let corrupt = |e: serde_json::Error| StoreError::Db(e.to_string());
        let (checks_json, yearly_json) =
            (serde_json::to_string(&run.report).map_err(corrupt)?, serde_json::to_string(&update).map_err(corrupt)?);
        self.write(|tx| {
            for (table, report) in [("check_runs", &checks_json), ("yearly_runs", &yearly_json)] {
                tx.exec(&format!("DELETE FROM {table} WHERE region_code = $1"), &[region.as_str().into()])?;
                tx.exec(
                    &format!("INSERT INTO {table} (region_code, computed_on, finished_secs, millis, report) VALUES ($1, $2, $3, $4, $5)"),
                    &[region.as_str().into(), run.computed_on.as_str().into(), finished_secs.into(), millis.into(), report.as_str().into()],
                )?;
            }
            Ok(())
        })?;
        Ok(run)
    }

    fn record_visit(
        &self,
        caller: &Caller,
        household_id: &str,
        report: &fupin_domain::registry::visit::VisitReport,
        today: fupin_domain::id_number::Date,
        at: &str,
    ) -> Result<fupin_domain::registry::visit::Visit> {
        require(caller.role.may(Action::RecordVisits), "走访记录由结对的帮扶责任人或村级管理员填写")?;
        self.write(|tx| visits::record(tx, caller, household_id, report, today, at))
    }

    fn visits(&self, caller: &Caller, household_id: &str) -> Result<Vec<fupin_domain::registry::visit::Visit>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
        self.read(|tx| visits::of_household(tx, caller, household_id))
    }

    fn visit_status(&self, caller: &Caller) -> Result<Vec<visits::VisitStatus>> {
        require(caller.role.may(Action::ReadFiles), "该角色不能查看贫困户档案")?;
        self.read(|tx| visits::status(tx, caller))
    }

    fn last_yearly(&self, caller: &Caller, region: &RegionCode) -> Result<Option<yearly::YearlyRun>> {
        may_check(caller, region)?;
        self.read(|tx| {
            let Some(r) = kept_run(tx, "yearly_runs", region)? else { return Ok(None) };
            // A run kept by a version whose report this one cannot read is as good as none.
            let Ok(update) = serde_json::from_str::<yearly::YearlyUpdate>(&r.text(3)?) else { return Ok(None) };
            Ok(Some(yearly::YearlyRun {
                region: region.to_string(),
                computed_on: r.text(0)?,
                finished_secs: r.int(1)?,
                millis: r.int(2)?,
                update,
            }))
        })
    }

    fn last_checks(&self, caller: &Caller, region: &RegionCode) -> Result<Option<checks::CheckRun>> {
        may_check(caller, region)?;
        self.read(|tx| {
            let Some(r) = kept_run(tx, "check_runs", region)? else { return Ok(None) };
            let report: serde_json::Value = serde_json::from_str(&r.text(3)?).map_err(|e| StoreError::Db(e.to_string()))?;
            Ok(Some(checks::CheckRun {
                region: region.to_string(),
                computed_on: r.text(0)?,
                finished_secs: r.int(1)?,
                millis: r.int(2)?,
                report: CheckReport::from_json(&report),
            }))
        })
    }

    fn yearly_update(
        &self,
        caller: &Caller,
        region: &RegionCode,
        year: i32,
        as_of: fupin_domain::id_number::Date,
    ) -> Result<yearly::YearlyUpdate> {
        may_check(caller, region)?;
        Ok(self.scan(region, year, as_of)?.0)
    }

    fn rollup_table(&self) -> Result<RollupTable> {
        self.read(|tx| {
            let mut t = RollupTable::new();
            for r in tx.query("SELECT level_len, region_code, metric, households, persons FROM rollups", &[])? {
                let tally = Tally { households: r.int(3)?, persons: r.int(4)? };
                if tally != Tally::default() {
                    t.insert((r.int(0)?, r.text(1)?, r.text(2)?), tally);
                }
            }
            Ok(t)
        })
    }

    fn recount_rollups(&self) -> Result<RollupTable> {
        self.read(|tx| {
            let mut per_village: BTreeMap<String, Delta> = BTreeMap::new();
            let ids: Vec<String> = tx.query("SELECT id FROM households", &[])?.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
            let mut village_of = BTreeMap::new();
            for id in ids {
                let h = load_household(tx, &id)?.ok_or(StoreError::NotFound)?;
                let d = per_village.entry(h.village.to_string()).or_default();
                rollup::add(d, &rollup::contributions(&h), h.size(), 1);
                village_of.insert(id, h.village.to_string());
            }
            // Flow counters (registered:Y, exited:Y, remaining:Y …) are what the events said
            // they added; every event may carry one.
            for r in tx.query("SELECT household_id, payload FROM ledger", &[])? {
                let payload: serde_json::Value = serde_json::from_str(&r.text(1)?).map_err(|e| StoreError::Db(e.to_string()))?;
                let Some(village) = village_of.get(&r.text(0)?) else { continue };
                for (metric, t) in rollup::payload_flows(&payload) {
                    let e = per_village.entry(village.clone()).or_default().entry(metric).or_default();
                    e.households += t.households;
                    e.persons += t.persons;
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
}

/// 数据核查 and 动态调整 run over a region, for its officials only.
fn may_check(caller: &Caller, region: &RegionCode) -> Result<()> {
    require(caller.role.may(Action::RunChecks), "只有各级扶贫管理员可以查看数据核查和动态调整")?;
    if !caller.scope.contains_region(region) || caller.scope.helper_id.is_some() {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The region's row of a kept run (`check_runs` or `yearly_runs`): computed_on, finished_secs,
/// millis, report.
fn kept_run(tx: &mut dyn crate::core::db::Tx, table: &str, region: &RegionCode) -> Result<Option<crate::core::db::Row>> {
    tx.query_one(
        &format!("SELECT computed_on, finished_secs, millis, report FROM {table} WHERE region_code = $1"),
        &[region.as_str().into()],
    )
}
