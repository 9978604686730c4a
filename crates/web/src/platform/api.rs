//! `/api/v1/session`: logging in and out from a client.

use crate::auth::{self, Auth};
use crate::error::ApiError;
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionAnswer {
    pub username: String,
    pub display_name: String,
    pub role: fupin_domain::access::Role,
    /// The region of the user's jurisdiction.
    pub region: String,
    /// The token of the page forms' `csrf` field. The JSON API needs none: its writes take only
    /// `application/json`, which no cross-site form can send.
    pub csrf_token: String,
}

/// Logs in; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = SessionAnswer, description = "logged in; session cookie set"), (status = 401, description = "wrong username or password"),
              (status = 429, description = "too many failures")))]
pub async fn create_session(State(state): State<Arc<AppState>>, Json(req): Json<LoginRequest>) -> Result<Response, ApiError> {
    let (token, csrf, user) = auth::login(&state, &req.username, &req.password).await?;
    let body = SessionAnswer {
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        region: user.region.to_string(),
        csrf_token: csrf,
    };
    Ok(([(header::SET_COOKIE, auth::session_cookie(&state, &token, auth::SESSION_SECONDS))], Json(body)).into_response())
}

/// Logs out.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204, description = "session ended")))]
pub async fn delete_session(State(state): State<Arc<AppState>>, a: Auth) -> Result<Response, ApiError> {
    blocking(&state, move |s| s.delete_session(&a.token_hash)).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::session_cookie(&state, "", 0))]).into_response())
}
