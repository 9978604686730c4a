//! Storage for fupin: the `Store` trait that the web and the CLI use, its implementation written
//! once over a thin `Tx` seam (`sql_store`), the SQLite and PostgreSQL backends beneath it, the
//! hash-chained ledger and the rollups. Every query takes the caller, and every household query
//! filters by the caller's region in SQL: nothing above this layer filters rows after fetching.

pub mod cases;
pub mod checks;
pub mod conformance;
pub mod db;
pub mod import;
pub mod ledger;
pub mod pg;
pub mod rows;
pub mod scan;
pub mod schema;
pub mod sql_store;
pub mod sqlite;
pub mod yearly;

use fupin_domain::access::{Caller, Role};
use fupin_domain::codes::{Attribute, Cause, Path, Status};
use fupin_domain::config::Rules;
use fupin_domain::household::{Change, Helper, Household};
use fupin_domain::rollup::Tally;
use fupin_domain::{DomainError, Level, RegionCode};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use cases::{Case, CaseExtra, Decision, Objection, PublicNotice};
pub use checks::{CheckReport, Finding};
use fupin_domain::lifecycle::CaseKind;
pub use import::{ImportOutcome, ImportSet};
pub use ledger::{Event, VerifyReport};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Absent, or outside the caller's jurisdiction: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The role may not do this at all.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Someone else changed the file since the caller read it.
    #[error("conflict: the household is now at version {current}")]
    Conflict { current: i64 },
    #[error("{0}")]
    Invalid(#[from] DomainError),
    /// Import problems, each naming the household id and what is wrong.
    #[error("import rejected: {0:?}")]
    Rows(Vec<(String, String)>),
    /// An exit proposed for a household that does not meet every standard: each unmet item.
    #[error("exit standards unmet: {0:?}")]
    Unmet(Vec<String>),
    #[error("database error: {0}")]
    Db(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub rural_population: i64,
}

pub type Figures = BTreeMap<String, Tally>;

/// A region with its rollup figures and those of each child.
#[derive(Debug, Clone)]
pub struct RegionFigures {
    pub region: Region,
    pub total: Figures,
    pub children: Vec<(Region, Figures)>,
}

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

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Matching rows, counted up to `COUNT_CAP`; `total_capped` when there are more.
    pub total: i64,
    pub total_capped: bool,
    pub page: u32,
    pub per_page: u32,
}

/// Counting every match of an unfiltered province-wide list would cost a full scan per page.
pub const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub helper_id: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub username: String,
    pub csrf_token: String,
    pub expires_at: i64,
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
pub struct HelperLoad {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub households: i64,
    pub over_cap: bool,
}

/// Maintained rollup rows keyed by `(level_len, region_code, metric)`.
pub type RollupTable = BTreeMap<(i64, String, String), Tally>;

pub trait Store: Send + Sync {
    fn backend_name(&self) -> &'static str;
    fn rules(&self) -> &Rules;

    fn meta(&self, key: &str) -> Result<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// Loads or refreshes reference divisions (one transaction).
    fn load_regions(&self, regions: &[Region]) -> Result<()>;
    /// Reference data: any region's name and place (no figures), for breadcrumbs and forms.
    fn region(&self, code: &RegionCode) -> Result<Option<Region>>;
    /// The region with rollup figures for it and each child; NotFound outside the caller's scope.
    fn region_figures(&self, caller: &Caller, code: &RegionCode) -> Result<RegionFigures>;

    fn search_households(&self, caller: &Caller, q: &HouseholdQuery) -> Result<Page<HouseholdSummary>>;
    fn household(&self, caller: &Caller, id: &str) -> Result<Household>;
    /// The file's events, oldest first.
    fn history(&self, caller: &Caller, id: &str) -> Result<Vec<Event>>;
    /// The numbers a file moved from and to (迁移), if it did.
    fn transfer_links(&self, caller: &Caller, id: &str) -> Result<(Option<String>, Option<String>)>;
    /// Registers a new file (建档立卡) as one event.
    fn create_household(&self, caller: &Caller, h: Household, reason: &str, at: &str) -> Result<Household>;
    /// Applies one change as one event, or nothing.
    fn change_household(&self, caller: &Caller, req: &ChangeRequest) -> Result<Household>;
    fn helper(&self, id: &str) -> Result<Option<Helper>>;
    fn put_helper(&self, helper: &Helper) -> Result<()>;
    /// Records that `caller` read these unmasked fields of a household.
    fn audit_pii(&self, caller: &Caller, household_id: &str, fields: &str, at: &str) -> Result<()>;
    fn pii_audit_count(&self, household_id: &str) -> Result<i64>;

    /// Yearly exit targets (persons) of `code`'s children, or of `code` itself when it is a
    /// county; sums of county targets above the county. NotFound outside the caller's scope.
    fn targets(&self, caller: &Caller, code: &RegionCode, year: i32) -> Result<BTreeMap<String, i64>>;
    /// Sets a county's target; province and city officials only, inside their scope.
    fn set_target(&self, caller: &Caller, county: &RegionCode, year: i32, persons: i64) -> Result<()>;
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
        kind: fupin_domain::codes::MonitorType,
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
    fn cases(&self, caller: &Caller, region: &RegionCode, open_only: bool) -> Result<Vec<Case>>;
    /// Does or rejects the case's next step, by the official of that step's level.
    fn advance_case(&self, caller: &Caller, id: &str, expected_version: i64, decision: &Decision, at: &str) -> Result<Case>;
    /// Anyone may object while a notice runs; the case pauses until the township resolves it.
    fn lodge_objection(&self, case_id: &str, text: &str, contact: &str, at: &str) -> Result<Objection>;
    fn resolve_objection(&self, caller: &Caller, objection_id: &str, upheld: bool, resolution: &str, at: &str) -> Result<Case>;
    /// Notices running and announcements of the last year in a region, for the public.
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
    fn evaluate(&self, caller: &Caller, region: &RegionCode, year: i32, as_of: fupin_domain::id_number::Date)
        -> Result<yearly::Evaluation>;
    /// 数据核查 over the caller's region (or a part of it), as of `today`.
    fn data_checks(&self, caller: &Caller, region: &RegionCode, today: fupin_domain::id_number::Date) -> Result<CheckReport>;

    fn verify_ledger(&self) -> Result<VerifyReport>;
    fn rollup_table(&self) -> Result<RollupTable>;
    /// The rollups recomputed from the files and the ledger, for checking the maintained ones.
    fn recount_rollups(&self) -> Result<RollupTable>;

    fn user(&self, username: &str) -> Result<Option<UserRecord>>;
    fn put_user(&self, user: &UserRecord) -> Result<()>;
    fn create_session(&self, token_hash: &str, s: &SessionRecord) -> Result<()>;
    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>>;
    fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Raw SQL, for operators' tools and tamper tests only.
    fn exec_raw(&self, sql: &str) -> Result<u64>;
}

/// `f` over `items` cut into one slice per core (at most `cap` slices), the results in order:
/// for batch work whose items cost about the same.
pub fn on_all_cores<T: Sync, U: Send>(items: &[T], cap: usize, f: impl Fn(&[T]) -> U + Sync) -> Vec<U> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, cap.max(1));
    let chunk = items.len().div_ceil(cores).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items.chunks(chunk).map(|c| s.spawn(move || f(c))).collect();
        parts.into_iter().map(|p| p.join().expect("a worker panicked")).collect()
    })
}

/// Opens the store named by `url`: `postgres://…` or a SQLite file path.
pub fn open(url: &str, rules: Rules) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(sql_store::SqlStore::new(pg::Pg::connect(url)?, rules)?))
    } else {
        Ok(Arc::new(sql_store::SqlStore::new(sqlite::Sqlite::open(std::path::Path::new(url))?, rules)?))
    }
}
