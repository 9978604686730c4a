//! The web platform: the JSON API under `/api/v1` (with its OpenAPI document generated from the
//! same route definitions), server-rendered Chinese pages, sessions, `/healthz` and `/metrics`.
//! Handlers are thin: they parse, call the store (which enforces jurisdiction), and render.
//! Each function has its folder (`registry`, `maps`, with `platform` for login and operations);
//! `routes` is the one table of every route, and `ui` the page kit they share.

pub mod assets;
pub mod auth;
pub mod error;
pub mod evaluation;
pub mod funds;
pub mod maps;
pub mod matching;
pub mod platform;
pub mod policy;
pub mod registry;
pub mod routes;
pub mod supervision;
pub mod ui;
pub mod view;

use error::ApiError;
use fupin_domain::id_number::Date;
use fupin_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub login_failures: AtomicU64,
    pub request_micros: AtomicU64,
    /// Per route template (`/api/v1/households/{id}`, never the raw path): counts by status
    /// class and a latency histogram.
    pub routes: Mutex<std::collections::BTreeMap<String, RouteStats>>,
}

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
pub struct RouteStats {
    /// Responses by status class: 2xx, 3xx, 4xx, 5xx (index 0 to 3).
    pub by_class: [u64; 4],
    /// Requests at or under each bucket's bound (cumulative, as Prometheus wants them).
    pub buckets: [u64; LATENCY_BUCKETS.len()],
    pub count: u64,
    pub sum_seconds: f64,
}

impl RouteStats {
    pub fn observe(&mut self, status: u16, seconds: f64) {
        let class = (status / 100).clamp(2, 5) as usize - 2;
        self.by_class[class] += 1;
        for (b, bound) in self.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *b += 1;
            }
        }
        self.count += 1;
        self.sum_seconds += seconds;
    }
}

pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The business clock: the date workflows and edits are stamped with.
    clock: std::sync::RwLock<Date>,
    /// A demo database: the business clock may be advanced from the web (to see notices run out).
    pub demo_mode: bool,
    pub secure_cookies: bool,
    pub metrics: Metrics,
    pub login_failures: Mutex<HashMap<String, (u32, Instant)>>,
    /// Error reports of recent rejected uploads, by random token (the newest 20).
    reports: Mutex<Vec<(String, Vec<u8>)>>,
    /// 数据核查 runs in progress, by region, with their start.
    pub check_jobs: Mutex<HashMap<String, Instant>>,
    /// The published policies' full-text index (derived from the store; see `policy::index`).
    pub policy_index: fupin_search::PolicyIndex,
    /// A rebuild of that index in progress: (documents done, documents in all).
    pub index_rebuild: Mutex<Option<(usize, usize)>>,
    /// What the public may send without logging in (reports, query codes).
    pub public_limits: supervision::limits::Limiter,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, as_of: Date, demo_mode: bool) -> Arc<AppState> {
        AppState::with_cookies(store, as_of, demo_mode, false)
    }

    /// `secure_cookies`: the platform is served over TLS (its public URL is `https://…`), so
    /// cookies are marked `Secure` and never travel in clear text.
    pub fn with_cookies(store: Arc<dyn Store>, as_of: Date, demo_mode: bool, secure_cookies: bool) -> Arc<AppState> {
        AppState::with_index(store, as_of, demo_mode, secure_cookies, None)
    }

    /// `index_dir`: where the policies' search index is kept (beside the data); in memory when
    /// none is given or the folder cannot be used (it is rebuilt from the store either way).
    pub fn with_index(
        store: Arc<dyn Store>,
        as_of: Date,
        demo_mode: bool,
        secure_cookies: bool,
        index_dir: Option<&std::path::Path>,
    ) -> Arc<AppState> {
        let on_disk = index_dir.and_then(|d| match fupin_search::PolicyIndex::open(d) {
            Ok(i) => Some(i),
            Err(e) => {
                tracing::warn!(dir = %d.display(), error = %e, "policy index kept in memory");
                None
            }
        });
        let policy_index = on_disk.unwrap_or_else(|| fupin_search::PolicyIndex::in_ram().expect("an index in memory"));
        Arc::new(AppState {
            store,
            clock: std::sync::RwLock::new(as_of),
            demo_mode,
            secure_cookies,
            metrics: Metrics::default(),
            login_failures: Mutex::new(HashMap::new()),
            reports: Mutex::new(vec![]),
            check_jobs: Mutex::new(HashMap::new()),
            policy_index,
            index_rebuild: Mutex::new(None),
            public_limits: Default::default(),
        })
    }

    /// Keeps the xlsx report of a rejected import for download; returns its token.
    pub fn keep_report(&self, rows: &[fupin_exchange::RowError]) -> String {
        let token = auth::random_token();
        let bytes = tempfile::tempdir().ok().and_then(|d| {
            let p = d.path().join("r.xlsx");
            fupin_exchange::write_error_report(&p, rows).ok()?;
            std::fs::read(p).ok()
        });
        let mut reports = self.reports.lock().expect("not poisoned");
        reports.push((token.clone(), bytes.unwrap_or_default()));
        if reports.len() > 20 {
            reports.remove(0);
        }
        token
    }

    pub fn report(&self, token: &str) -> Option<Vec<u8>> {
        self.reports.lock().expect("not poisoned").iter().find(|(t, _)| t == token).map(|(_, b)| b.clone())
    }

    pub fn today(&self) -> Date {
        *self.clock.read().expect("not poisoned")
    }

    /// Moves the business clock forward (demo only) and persists it.
    pub fn advance_clock(&self, days: i64) -> Result<Date, StoreError> {
        let mut d = self.clock.write().expect("not poisoned");
        for _ in 0..days {
            *d = fupin_domain::registry::lifecycle::next_day(*d);
        }
        self.store.set_meta("as_of", &d.to_string())?;
        Ok(*d)
    }
}

/// Runs a store call off the async threads (both backends are synchronous).
pub async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let started = Instant::now();
        let out = f(&*store);
        tracing::debug!(store_ms = started.elapsed().as_secs_f64() * 1e3, ok = out.is_ok(), "store call");
        out
    })
    .await
    .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("任务失败: {e}")))?
    .map_err(ApiError::from)
}

/// Serves until the process is stopped.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // The search index catches up with the store in the background; searches answer from the
    // store's list (and say so) until it has.
    policy::index::refresh_in_background(&state);
    // The key tasks' computed targets get a value a week (their progress series).
    supervision::tasks::snapshot_in_background(&state);
    // The peer's address: the public's reports are limited per address.
    axum::serve(listener, routes::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}
