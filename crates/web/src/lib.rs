//! The web platform: the JSON API under `/api/v1` (with its OpenAPI document generated from the
//! same route definitions), server-rendered Chinese pages, sessions, `/healthz` and `/metrics`.
//! Handlers are thin: they parse, call the store (which enforces jurisdiction), and render.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cases;
pub mod checks;
pub mod error;
pub mod evaluation;
pub mod figures;
pub mod geo;
pub mod indicators;
pub mod maps;
pub mod pages;
pub mod pages_cases;
pub mod pages_exchange;
pub mod pages_members;
pub mod view;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use error::ApiError;
use fupin_domain::id_number::Date;
use fupin_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
    pub metrics: Metrics,
    pub login_failures: Mutex<HashMap<String, (u32, Instant)>>,
    /// Error reports of recent rejected uploads, by random token (the newest 20).
    reports: Mutex<Vec<(String, Vec<u8>)>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, as_of: Date, demo_mode: bool) -> Arc<AppState> {
        Arc::new(AppState {
            store,
            clock: std::sync::RwLock::new(as_of),
            demo_mode,
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
            *d = fupin_domain::lifecycle::next_day(*d);
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

#[derive(OpenApi)]
#[openapi(info(
    title = "fupin 扶贫 API",
    version = "0.1.0",
    description = "Poverty-alleviation platform: registry API. Every call is limited to the caller's jurisdiction."
))]
struct ApiDoc;

pub fn openapi_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::create_session, api::delete_session))
        .routes(routes!(api::get_region))
        .routes(routes!(api::list_households))
        .routes(routes!(api::get_household))
        .routes(routes!(api::get_history))
        .routes(routes!(api::post_change))
        .routes(routes!(cases::propose_exit))
        .routes(routes!(cases::propose_return))
        .routes(routes!(cases::propose_removal))
        .routes(routes!(cases::propose_monitoring))
        .routes(routes!(cases::propose_clear))
        .routes(routes!(cases::propose_transfer))
        .routes(routes!(cases::record_household))
        .routes(routes!(cases::apply, cases::list))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::step))
        .routes(routes!(cases::object))
        .routes(routes!(cases::resolve))
        .routes(routes!(cases::notices))
        .routes(routes!(cases::advance_clock))
        .routes(routes!(indicators::get_indicators))
        .routes(routes!(checks::get_checks))
        .routes(routes!(evaluation::get_evaluation))
        .routes(routes!(maps::get_map))
        .routes(routes!(maps::export_map))
        .routes(routes!(maps::get_helper_load))
}

async fn count_requests(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    state.metrics.request_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    if res.status().is_server_error() {
        state.metrics.errors.fetch_add(1, Ordering::Relaxed);
    }
    res
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match blocking(&state, |s| s.meta("schema_version")).await {
        Ok(_) => "ok".into_response(),
        Err(e) => e.into_response(),
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> String {
    let m = &state.metrics;
    format!(
        "# HELP fupin_http_requests_total HTTP requests served.\n# TYPE fupin_http_requests_total counter\nfupin_http_requests_total {}\n\
         # HELP fupin_http_errors_total HTTP responses with a 5xx status.\n# TYPE fupin_http_errors_total counter\nfupin_http_errors_total {}\n\
         # HELP fupin_http_request_seconds_total Time spent serving requests.\n# TYPE fupin_http_request_seconds_total counter\nfupin_http_request_seconds_total {}\n\
         # HELP fupin_login_failures_total Failed login attempts.\n# TYPE fupin_login_failures_total counter\nfupin_login_failures_total {}\n",
        m.requests.load(Ordering::Relaxed),
        m.errors.load(Ordering::Relaxed),
        m.request_micros.load(Ordering::Relaxed) as f64 / 1e6,
        m.login_failures.load(Ordering::Relaxed),
    )
}

pub fn router(state: Arc<AppState>) -> Router {
    // Parse the boundaries now, not in the first map request.
    geo::boundaries();
    let (api, doc) = openapi_router().split_for_parts();
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .merge(pages::routes())
        .route("/api/openapi.json", get(move || async move { Json((*doc).clone()) }))
        .route("/api/v1/geo/{code}", get(geo::children_boundaries))
        .route("/assets/echarts-5.6.0.min.js", get(assets::echarts))
        .route("/assets/maps.js", get(assets::maps_js))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), count_requests))
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
