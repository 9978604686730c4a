//! Operations: one tracing span and one log line per request, the counters of `/metrics`,
//! `/healthz`, and the security headers.

use crate::{blocking, AppState, LATENCY_BUCKETS};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Every request runs inside a `request` span (method, route, and the user and role once the
/// handler has authenticated them, see `auth`); its end is logged with status and latency and
/// counted per route.
pub async fn count_requests(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let started = Instant::now();
    // The route template, not the path: ids never become labels or log keys of their own.
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let span =
        tracing::info_span!("request", method = %req.method(), route = %route, user = tracing::field::Empty, role = tracing::field::Empty);
    let res = next.run(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    span.in_scope(|| tracing::info!(status, latency_ms = seconds * 1e3, "answered"));
    let m = &state.metrics;
    m.requests.fetch_add(1, Ordering::Relaxed);
    m.request_micros.fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    if res.status().is_server_error() {
        m.errors.fetch_add(1, Ordering::Relaxed);
    }
    m.routes.lock().expect("not poisoned").entry(route).or_default().observe(status, seconds);
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
    let mut by_route = String::from(
        "# HELP fupin_http_route_responses_total Responses per route template and status class.\n\
         # TYPE fupin_http_route_responses_total counter\n",
    );
    let mut histogram = String::from(
        "# HELP fupin_http_request_duration_seconds Latency per route template.\n# TYPE fupin_http_request_duration_seconds histogram\n",
    );
    for (route, r) in m.routes.lock().expect("not poisoned").iter() {
        let route = route.replace('\\', "\\\\").replace('"', "\\\"");
        for (class, n) in ["2xx", "3xx", "4xx", "5xx"].iter().zip(r.by_class) {
            if n > 0 {
                by_route.push_str(&format!("fupin_http_route_responses_total{{route=\"{route}\",status=\"{class}\"}} {n}\n"));
            }
        }
        for (bound, n) in LATENCY_BUCKETS.iter().zip(r.buckets) {
            histogram.push_str(&format!("fupin_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}\n"));
        }
        histogram.push_str(&format!(
            "fupin_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {c}\n\
             fupin_http_request_duration_seconds_sum{{route=\"{route}\"}} {s}\nfupin_http_request_duration_seconds_count{{route=\"{route}\"}} {c}\n",
            c = r.count,
            s = r.sum_seconds
        ));
    }
    by_route + &histogram + &format!(
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
