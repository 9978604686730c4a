//! Static files compiled into the binary: the vendored ECharts, the maps script, the menu's
//! to-do count and the busy state of long forms.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const ECHARTS: &str = include_str!("../assets/vendor/echarts-5.6.0/echarts.min.js");
const MAPS_JS: &str = include_str!("../assets/maps.js");
const TODO_JS: &str = include_str!("../assets/todo.js");
const FORMS_JS: &str = include_str!("../assets/forms.js");

fn js(body: &'static str, immutable: bool) -> Response {
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, cache)], body).into_response()
}

/// Versioned path, so it can be cached forever.
pub async fn echarts() -> Response {
    js(ECHARTS, true)
}

pub async fn maps_js() -> Response {
    js(MAPS_JS, false)
}

pub async fn todo_js() -> Response {
    js(TODO_JS, false)
}

/// Forms that say they are working on a long action (`data-busy`).
pub async fn forms_js() -> Response {
    js(FORMS_JS, false)
}
