//! Operations: counting requests for `/metrics`, and `/healthz`.

use crate::{blocking, AppState};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

pub async fn count_requests(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    state.metrics.request_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    if res.status().is_server_error() {
        state.metrics.errors.fetch_add(1, Ordering::Relaxed);
    }
    res
}

pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match blocking(&state, |s| s.meta("schema_version")).await {
        Ok(_) => "ok".into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> String {
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

/// The security headers every answer carries. Scripts only from this site (no inline script or
/// handler anywhere), inline styles allowed (the templates and ECharts use them), never framed.
pub async fn security_headers(req: Request, next: Next) -> Response {
    use axum::http::header::{self, HeaderValue};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}
