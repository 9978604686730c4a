//! Storage for fupin: the `Store` trait that the web and the CLI use, its implementation written
//! once over a thin `Tx` seam, the SQLite and PostgreSQL backends beneath it, the hash-chained
//! ledger and the rollups. Every query takes the caller, and every household query filters by
//! the caller's region in SQL: nothing above this layer filters rows after fetching.
//!
//! The code follows the platform's functions: `registry` (信息汇集), `maps` (三张图), `policy`
//! (政策发布), `matching` (供需对接), `supervision` (调度监督), `evaluation` (成效评估), `funds` (扶贫资金), `integrity`
//! (大数据比对), with
//! `platform` for what all of them share (reference divisions, users, sessions, the ledger
//! check). Each function has its own trait, schema part and conformance scenarios; `Store` is
//! all of them. What functions share lives in `core` as free functions over `&mut dyn Tx`, so no
//! function's module reaches into another's.

pub mod backend;
pub mod core;
pub mod evaluation;
pub mod funds;
pub mod integrity;
pub mod maps;
pub mod matching;
pub mod platform;
pub mod policy;
pub mod registry;
pub mod schema;
pub mod sql_store;
pub mod supervision;

use fupin_domain::DomainError;
use serde::Serialize;
use std::sync::Arc;

pub use crate::core::ledger::{Event, VerifyReport};
pub use crate::core::rollups::RollupTable;
pub use backend::{pg, sqlite};
pub use evaluation::EvaluationStore;
pub use funds::FundsStore;
pub use integrity::IntegrityStore;
pub use maps::{Figures, MapsStore, RegionFigures};
pub use matching::{MatchingQuery, MatchingStore};
pub use platform::{AuditEntry, AuditQuery, PlatformStore, Region, SessionRecord, UserRecord};
pub use policy::{PolicyQuery, PolicyStore};
pub use registry::cases::{Case, CaseExtra, Decision, Objection, PublicNotice};
pub use registry::checks::{CheckReport, CheckRun, Finding};
pub use registry::import::{ImportOutcome, ImportSet};
pub use registry::{conformance, yearly, ChangeRequest, HelperLoad, HouseholdQuery, HouseholdSummary, RegistryStore};
pub use supervision::{ReportQuery, SupervisionStore};

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
    /// A key that must be unique is taken (two writers raced for one number): retry.
    #[error("duplicate key: {0}")]
    Duplicate(String),
    /// A stored value no command could have written (a NULL where a value belongs, text where
    /// a number belongs): names the table, the row's key and the column.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The whole store: one trait per function, implemented by `SqlStore` over either backend.
pub trait Store:
    PlatformStore + RegistryStore + MapsStore + PolicyStore + MatchingStore + SupervisionStore + EvaluationStore + FundsStore + IntegrityStore
{
}

impl<
        T: PlatformStore + RegistryStore + MapsStore + PolicyStore + MatchingStore + SupervisionStore + EvaluationStore + FundsStore + IntegrityStore + ?Sized,
    > Store for T
{
}

/// The traits to bring into scope to call the store's methods on a `dyn Store`.
pub mod prelude {
    pub use crate::{
        EvaluationStore, FundsStore, IntegrityStore, MapsStore, MatchingStore, PlatformStore, PolicyStore, RegistryStore, Store, SupervisionStore,
    };
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
pub fn open(url: &str, rules: fupin_domain::config::Rules) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(sql_store::SqlStore::new(pg::Pg::connect(url)?, rules)?))
    } else {
        Ok(Arc::new(sql_store::SqlStore::new(sqlite::Sqlite::open(std::path::Path::new(url))?, rules)?))
    }
}
