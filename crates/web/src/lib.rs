//! The web platform: the JSON API under `/api/v1` (with its OpenAPI document generated from the
//! same route definitions), server-rendered Chinese pages, sessions, `/healthz` and `/metrics`.
//! Handlers are thin: they parse, call the store (which enforces jurisdiction), and render.
//! Each function has its folder (`registry`, `maps`, with `platform` for login and operations);
//! `routes` is the one table of every route, and `ui` the page kit they share.

pub mod assets;
pub mod auth;
pub mod error;
pub mod maps;
pub mod platform;
pub mod registry;
pub mod routes;
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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, as_of: Date, demo_mode: bool) -> Arc<AppState> {
        AppState::with_cookies(store, as_of, demo_mode, false)
    }

    /// `secure_cookies`: the platform is served over TLS (its public URL is `https://…`), so
    /// cookies are marked `Secure` and never travel in clear text.
    pub fn with_cookies(store: Arc<dyn Store>, as_of: Date, demo_mode: bool, secure_cookies: bool) -> Arc<AppState> {
        Arc::new(AppState {
            store,
            clock: std::sync::RwLock::new(as_of),
            demo_mode,
            secure_cookies,
            metrics: Metrics::default(),
            login_failures: Mutex::new(HashMap::new()),
            reports: Mutex::new(vec![]),
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
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("任务失败: {e}")))?
        .map_err(ApiError::from)
}

/// Serves until the process is stopped.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, routes::router(state)).await
}
