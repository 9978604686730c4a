//! Login, sessions and CSRF. Passwords are Argon2id hashes; sessions live in the database as
//! the SHA-256 of a random token (a stolen database yields no usable cookie); every form carries
//! the session's CSRF token; failed logins are rate-limited per username.

use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use fupin_domain::access::{Caller, Scope};
use fupin_store::{SessionRecord, UserRecord};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const SESSION_COOKIE: &str = "fupin_session";
pub const SESSION_SECONDS: i64 = 12 * 3600;
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(300);

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 with default params").to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn random_token() -> String {
    hex::encode(rand::rng().random::<[u8; 32]>())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_in(&parts.headers, name)
}

pub fn cookie_in(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The session cookie (`Secure` when served over TLS). Each login sets a new random token, so a
/// token known before login is worth nothing after it.
pub fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", secure(state))
}

/// `; Secure` when the platform is served over TLS.
pub fn secure(state: &AppState) -> &'static str {
    if state.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

/// The logged-in user.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: UserRecord,
    pub caller: Caller,
    pub csrf: String,
    pub token_hash: String,
}

pub fn caller_of(user: &UserRecord) -> Caller {
    Caller {
        username: user.username.clone(),
        role: user.role,
        scope: Scope { region: user.region.clone(), helper_id: user.helper_id.clone() },
    }
}

async fn load(parts: &Parts, state: &Arc<AppState>) -> Result<Option<Auth>, ApiError> {
    let Some(token) = cookie(parts, SESSION_COOKIE) else { return Ok(None) };
    let hash = token_hash(&token);
    let st = state.clone();
    let h = hash.clone();
    let found = crate::blocking(state, move |s| {
        let Some(sess) = s.session(&h, now_secs())? else { return Ok(None) };
        Ok(s.user(&sess.username)?.map(|u| (u, sess)))
    })
    .await?;
    let _ = st;
    if let Some((user, _)) = &found {
        let span = tracing::Span::current();
        span.record("user", user.username.as_str());
        span.record("role", user.role.as_str());
    }
    Ok(found.map(|(user, sess)| Auth { caller: caller_of(&user), user, csrf: sess.csrf_token, token_hash: hash }))
}

impl FromRequestParts<Arc<AppState>> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        load(parts, state).await?.ok_or_else(ApiError::unauthorized)
    }
}

/// The same for pages: not logged in sends the browser to the login page.
pub struct PageAuth(pub Auth);

impl FromRequestParts<Arc<AppState>> for PageAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        match load(parts, state).await {
            Ok(Some(a)) => Ok(PageAuth(a)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// For pages open to everyone that show more to a logged-in user (the front page).
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequestParts<Arc<AppState>> for MaybeAuth {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        load(parts, state).await.map(MaybeAuth).map_err(|e| e.into_response())
    }
}

/// Checks a password, with the per-username failure limit; on success opens a session and
/// returns `(token, csrf, user)`.
pub async fn login(state: &Arc<AppState>, username: &str, password: &str) -> Result<(String, String, UserRecord), ApiError> {
    {
        let mut limiter = state.login_failures.lock().expect("not poisoned");
        limiter.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        if limiter.get(username).is_some_and(|(n, _)| *n >= MAX_FAILURES) {
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "auth.rate_limited", "登录失败次数过多，请5分钟后再试"));
        }
    }
    let (u, p) = (username.to_string(), password.to_string());
    let user = crate::blocking(state, move |s| Ok(s.user(&u)?.filter(|user| verify_password(&p, &user.password_hash)))).await?;
    let Some(user) = user else {
        state.metrics.login_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut limiter = state.login_failures.lock().expect("not poisoned");
        let e = limiter.entry(username.to_string()).or_insert((0, Instant::now()));
        e.0 += 1;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "auth.invalid", "用户名或密码错误"));
    };
    state.login_failures.lock().expect("not poisoned").remove(username);
    let token = random_token();
    let csrf = random_token();
    let rec = SessionRecord { username: user.username.clone(), csrf_token: csrf.clone(), expires_at: now_secs() + SESSION_SECONDS };
    let hash = token_hash(&token);
    crate::blocking(state, move |s| s.create_session(&hash, &rec)).await?;
    Ok((token, csrf, user))
}

/// Constant-time comparison of a submitted CSRF token with the session's.
pub fn csrf_ok(auth: &Auth, submitted: &str) -> bool {
    same(&auth.csrf, submitted)
}

/// Compared in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Forms the public posts without logging in (objections, reports) carry a double-submit token:
/// a cookie set with the page under `/public` and the same value in the form.
pub const PUBLIC_CSRF_COOKIE: &str = "fupin_public_csrf";

/// A new token and the `Set-Cookie` value that goes with the page carrying it.
pub fn public_csrf() -> (String, String) {
    let token = random_token();
    let cookie = format!("{PUBLIC_CSRF_COOKIE}={token}; Path=/public; HttpOnly; SameSite=Strict");
    (token, cookie)
}

pub fn public_csrf_ok(headers: &axum::http::HeaderMap, submitted: &str) -> bool {
    cookie_in(headers, PUBLIC_CSRF_COOKIE).is_some_and(|c| !c.is_empty() && same(&c, submitted))
}
