//! Sign-in: users, password hashes, bearer tokens, the login rate limit, and
//! the [`AuthUser`] extractor.
//!
//! # Passwords
//!
//! Stored as argon2id PHC strings (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`)
//! with a random 16-byte salt. New hashes use [`AuthConfig::password_params`]
//! (the `argon2` crate's defaults in production); verification reads the
//! parameters from the stored string, so raising the cost later keeps old
//! hashes working. A login for an unknown user still verifies against a dummy
//! hash, so it takes as long as a wrong password and answers the same
//! `bad_credentials`: the API does not tell which usernames exist.
//!
//! # Tokens
//!
//! A token is 32 random bytes from the OS, base64url without padding (43
//! characters), handed out once by `POST /api/v1/auth/login`. The server
//! stores only its SHA-256 (hex) in `tokens.token_hash`, with the user, the
//! device, and an expiry [`AuthConfig::token_lifetime`] after issue (14 days
//! by default: how long the app may open offline without asking again).
//! `POST /api/v1/auth/logout` revokes the presented token (`revoked_at`).
//! A request presents it as `Authorization: Bearer <token>`; [`AuthUser`]
//! refuses with `401`:
//!
//! | case                                            | code              |
//! |-------------------------------------------------|-------------------|
//! | no `Authorization` header                       | `unauthenticated` |
//! | not `Bearer <43 base64url characters>`          | `unauthenticated` |
//! | well-formed but unknown (forged, or from another server) | `unauthenticated` |
//! | past its `expires_at`                           | `token_expired`   |
//! | revoked (signed out), or its user disabled      | `token_revoked`   |
//!
//! # Login rate limit
//!
//! Kept **in memory** ([`Auth`]), not in the database: it resets when the
//! server restarts, which an attacker cannot trigger, and a failed login costs
//! no database write. At most [`AuthConfig::max_failures_per_user`] (5) failed
//! logins per username, and [`AuthConfig::max_failures_per_ip`] (30, since a
//! branch's devices often share one address) per client address, within
//! [`AuthConfig::failure_window`] (15 minutes); past that every login for that
//! username (or from that address) is answered `429 rate_limited` with a
//! `Retry-After` header — even with the right password — until the oldest
//! counted failure leaves the window. A successful login clears the
//! username's failures. The client address is known when the server runs with
//! connect info (`main.rs` does); behind a reverse proxy it is the proxy's.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, Extensions};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use complaints_domain::access::{scope_of, Role, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::extract::ApiJson;
use crate::http::{no_store, server_time_text};
use crate::{AppError, AppState};

/// The largest login body accepted (`413 payload_too_large` past it).
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;
/// The longest username, password and device id a login accepts.
const MAX_USERNAME_LEN: usize = 100;
const MAX_PASSWORD_LEN: usize = 1024;
const MAX_DEVICE_LEN: usize = 200;
/// Random bytes in a token, and the length of its base64url text.
const TOKEN_BYTES: usize = 32;
const TOKEN_TEXT_LEN: usize = 43;
/// Characters of generated passwords: no look-alikes (0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_LEN: usize = 16;

/// Tunables of sign-in.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// How long a token is valid after login (default 14 days).
    pub token_lifetime: TimeDelta,
    /// argon2id cost of new password hashes (default: the crate's defaults;
    /// tests use cheaper ones).
    pub password_params: Params,
    /// Failed logins per username within [`Self::failure_window`] (default 5).
    pub max_failures_per_user: usize,
    /// Failed logins per client address within the window (default 30).
    pub max_failures_per_ip: usize,
    /// The rate limit's window (default 15 minutes).
    pub failure_window: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_lifetime: TimeDelta::days(14),
            password_params: Params::default(),
            max_failures_per_user: 5,
            max_failures_per_ip: 30,
            failure_window: Duration::from_secs(15 * 60),
        }
    }
}

/// Reads a token lifetime such as `14d`, `12h`, `30m` or `90s` (a whole
/// number and a unit), between 10 seconds and 365 days.
pub fn parse_lifetime(text: &str) -> Result<TimeDelta, String> {
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    let lifetime = number
        .parse::<i64>()
        .ok()
        .and_then(|n| match unit {
            "s" => TimeDelta::try_seconds(n),
            "m" => TimeDelta::try_minutes(n),
            "h" => TimeDelta::try_hours(n),
            "d" => TimeDelta::try_days(n),
            _ => None,
        })
        .ok_or_else(|| {
            format!("token lifetime {text:?}: expected a number and s, m, h or d, e.g. 14d")
        })?;
    if lifetime < TimeDelta::seconds(10) || lifetime > TimeDelta::days(365) {
        return Err(format!(
            "token lifetime {text:?}: must be between 10s and 365d"
        ));
    }
    Ok(lifetime)
}

/// Sign-in state shared by every handler: the configuration, the in-memory
/// login rate limiter, and the dummy hash unknown users are checked against.
#[derive(Debug, Default)]
pub struct Auth {
    /// The configuration.
    pub config: AuthConfig,
    failures: Mutex<Failures>,
    dummy_hash: OnceLock<String>,
}

#[derive(Debug, Default)]
struct Failures {
    by_user: HashMap<String, VecDeque<Instant>>,
    by_ip: HashMap<IpAddr, VecDeque<Instant>>,
}

impl Auth {
    /// Sign-in state with this configuration.
    pub fn new(config: AuthConfig) -> Auth {
        Auth {
            config,
            failures: Mutex::default(),
            dummy_hash: OnceLock::new(),
        }
    }

    fn dummy_hash(&self) -> &str {
        self.dummy_hash.get_or_init(|| {
            hash_password_with(&generate_password(), &self.config.password_params)
                .unwrap_or_default()
        })
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, Failures> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(RateLimited)` if the username or the address is over its limit.
    fn check_limit(
        &self,
        user_key: &str,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), AppError> {
        let window = self.config.failure_window;
        let mut failures = self.failures();
        let mut wait = None;
        if let Some(times) = failures.by_user.get_mut(user_key) {
            prune(times, now, window);
            if times.len() >= self.config.max_failures_per_user {
                wait = times.front().map(|t| *t + window - now);
            }
        }
        if let Some(ip) = ip {
            if let Some(times) = failures.by_ip.get_mut(&ip) {
                prune(times, now, window);
                if times.len() >= self.config.max_failures_per_ip {
                    let ip_wait = times.front().map(|t| *t + window - now);
                    wait = wait.max(ip_wait);
                }
            }
        }
        match wait {
            Some(wait) => Err(AppError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }),
            None => Ok(()),
        }
    }

    fn record_failure(&self, user_key: &str, ip: Option<IpAddr>, now: Instant) {
        let window = self.config.failure_window;
        let mut failures = self.failures();
        // Bound the memory an attacker spraying usernames can take.
        if failures.by_user.len() > 10_000 {
            failures.by_user.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        if failures.by_ip.len() > 10_000 {
            failures.by_ip.retain(|_, times| {
                prune(times, now, window);
                !times.is_empty()
            });
        }
        failures
            .by_user
            .entry(user_key.to_owned())
            .or_default()
            .push_back(now);
        if let Some(ip) = ip {
            failures.by_ip.entry(ip).or_default().push_back(now);
        }
    }

    fn clear_user(&self, user_key: &str) {
        self.failures().by_user.remove(user_key);
    }
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

// ---------------------------------------------------------------------------
// Passwords and tokens

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something a server can go on from.
    getrandom::getrandom(&mut bytes).expect("the OS random number generator failed");
    bytes
}

/// A new random password: 16 characters without look-alikes (~92 bits).
pub fn generate_password() -> String {
    let mut out = String::with_capacity(PASSWORD_LEN);
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % PASSWORD_ALPHABET.len();
    while out.len() < PASSWORD_LEN {
        for byte in random_bytes::<32>() {
            if (byte as usize) < limit && out.len() < PASSWORD_LEN {
                out.push(PASSWORD_ALPHABET[byte as usize % PASSWORD_ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// Hashes `password` with argon2id at `params` into a PHC string.
pub fn hash_password_with(password: &str, params: &Params) -> Result<String, AppError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

/// Whether `password` matches the PHC string `stored` (false if `stored`
/// does not parse).
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A new token: 32 random bytes, base64url without padding.
fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<TOKEN_BYTES>())
}

/// The SHA-256 of a token, hex: what `tokens.token_hash` holds.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn well_formed_token(token: &str) -> bool {
    token.len() == TOKEN_TEXT_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------------------
// Users

/// A user as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub branch_code: Option<String>,
    pub region_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    branch_code: Option<String>,
    region_code: Option<String>,
    password_hash: String,
    disabled: i64,
}

impl UserRow {
    fn info(&self) -> Result<UserInfo, AppError> {
        let role = Role::from_code(&self.role).ok_or_else(|| {
            AppError::Internal(format!("user {} has unknown role {:?}", self.id, self.role))
        })?;
        Ok(UserInfo {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role,
            branch_code: self.branch_code.clone(),
            region_code: self.region_code.clone(),
        })
    }
}

/// The scope of `user`: looks up their region's branches if they need them.
pub async fn user_scope(db: &SqlitePool, user: &UserInfo) -> Result<Scope, AppError> {
    let region_branches = match (&user.role, &user.region_code) {
        (Role::RegionalManager, Some(region)) => sqlx::query_scalar::<_, String>(
            "SELECT code FROM branches WHERE region_code = ? ORDER BY code",
        )
        .bind(region)
        .fetch_all(db)
        .await
        .map_err(AppError::from_db)?,
        _ => Vec::new(),
    };
    Ok(scope_of(
        user.role,
        user.branch_code.as_deref(),
        &region_branches,
    ))
}

/// The signed-in user of a request, from `Authorization: Bearer <token>`.
/// Its rejections are the `401`s in the module docs.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// `users.id`.
    pub id: i64,
    pub user: UserInfo,
    pub scope: Scope,
    /// The device the token was issued to.
    pub device: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    token_hash: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::Unauthenticated("sign in first: no bearer token".into()))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| well_formed_token(token))
            .ok_or_else(|| {
                AppError::Unauthenticated(
                    "malformed Authorization header: expected `Bearer <token>`".into(),
                )
            })?;
        authenticate(&state.db, token).await
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    device: String,
    expires_at: String,
    revoked_at: Option<String>,
    #[sqlx(flatten)]
    user: UserRow,
}

async fn authenticate(db: &SqlitePool, token: &str) -> Result<AuthUser, AppError> {
    let hash = token_hash(token);
    let row = sqlx::query_as::<_, TokenRow>(
        "SELECT t.device, t.expires_at, t.revoked_at, u.id, u.username, u.display_name, u.role, \
                u.branch_code, u.region_code, u.password_hash, u.disabled \
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await
    .map_err(AppError::from_db)?
    .ok_or_else(|| AppError::Unauthenticated("unknown token: sign in again".into()))?;
    if row.revoked_at.is_some() || row.user.disabled != 0 {
        return Err(AppError::TokenRevoked);
    }
    let expires_at = DateTime::parse_from_rfc3339(&row.expires_at)
        .map_err(|e| AppError::Internal(format!("token expiry {:?}: {e}", row.expires_at)))?
        .with_timezone(&Utc);
    if expires_at <= Utc::now() {
        return Err(AppError::TokenExpired);
    }
    let user = row.user.info()?;
    let scope = user_scope(db, &user).await?;
    Ok(AuthUser {
        id: row.user.id,
        user,
        scope,
        device: row.device,
        expires_at,
        token_hash: hash,
    })
}

// ---------------------------------------------------------------------------
// Endpoints

/// The auth routes, relative to `/api/v1`.
pub(crate) fn auth_routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT))
}

/// The body of `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The app's device id (recorded with the token).
    pub device: String,
}

#[derive(Serialize)]
struct LoginResponse {
    token: String,
    expires_at: String,
    user: UserInfo,
    scope: Scope,
    server_time: String,
}

#[derive(Serialize)]
struct MeResponse<'a> {
    user: &'a UserInfo,
    scope: &'a Scope,
    device: &'a str,
    expires_at: String,
    server_time: String,
}

#[derive(Serialize)]
struct LogoutResponse {
    signed_out: bool,
    server_time: String,
}

/// The client's address, when the server runs with connect info.
fn client_ip(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// `POST /api/v1/auth/login`.
async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let device = body.device.trim();
    if device.is_empty() || device.len() > MAX_DEVICE_LEN {
        return Err(AppError::BadRequest(format!(
            "`device` must be 1 to {MAX_DEVICE_LEN} characters"
        )));
    }
    let username = body.username.trim();
    let user_key = username.to_lowercase();
    let ip = client_ip(&extensions);
    let auth = state.auth.clone();
    auth.check_limit(&user_key, ip, Instant::now())?;

    let row = if username.is_empty()
        || username.len() > MAX_USERNAME_LEN
        || body.password.len() > MAX_PASSWORD_LEN
    {
        None
    } else {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, username, display_name, role, branch_code, region_code, password_hash, \
                    disabled FROM users WHERE username = ?",
        )
        .bind(username)
        .fetch_optional(&state.db)
        .await
        .map_err(AppError::from_db)?
    };
    // Verify even when there is no such user, against a dummy hash, so both
    // cases take the same time.
    let stored = row
        .as_ref()
        .map(|row| row.password_hash.clone())
        .unwrap_or_else(|| auth.dummy_hash().to_owned());
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let row = match row {
        Some(row) if matches && row.disabled == 0 => row,
        _ => {
            auth.record_failure(&user_key, ip, Instant::now());
            return Err(AppError::BadCredentials);
        }
    };
    auth.clear_user(&user_key);

    let user = row.info()?;
    let scope = user_scope(&state.db, &user).await?;
    let token = new_token();
    let now = Utc::now();
    let expires_at = now + auth.config.token_lifetime;
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(row.id)
    .bind(device)
    .bind(time_text(now))
    .bind(time_text(expires_at))
    .execute(&state.db)
    .await
    .map_err(AppError::from_db)?;
    tracing::info!(user = %user.username, device, "signed in");
    Ok(no_store(Json(LoginResponse {
        token,
        expires_at: time_text(expires_at),
        user,
        scope,
        server_time: server_time_text(),
    })))
}

/// `POST /api/v1/auth/logout`: revokes the presented token.
async fn logout(State(state): State<AppState>, auth: AuthUser) -> Result<Response, AppError> {
    sqlx::query("UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL")
        .bind(server_time_text())
        .bind(&auth.token_hash)
        .execute(&state.db)
        .await
        .map_err(AppError::from_db)?;
    tracing::info!(user = %auth.user.username, device = %auth.device, "signed out");
    Ok(no_store(Json(LogoutResponse {
        signed_out: true,
        server_time: server_time_text(),
    })))
}

/// `GET /api/v1/auth/me`: the signed-in user and their scope.
async fn me(auth: AuthUser) -> Response {
    no_store(Json(MeResponse {
        user: &auth.user,
        scope: &auth.scope,
        device: &auth.device,
        expires_at: time_text(auth.expires_at),
        server_time: server_time_text(),
    }))
    .into_response()
}

// ---------------------------------------------------------------------------
// Administration (the server's `region`, `branch` and `user` subcommands)

/// Why an administrative change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("unknown region '{0}': add it first with `region add`")]
    UnknownRegion(String),
    #[error("unknown branch '{0}': add it first with `branch add`")]
    UnknownBranch(String),
    #[error("unknown user '{0}'")]
    UnknownUser(String),
    #[error("unknown role '{0}' (one of: staff, branch_manager, regional_manager, admin)")]
    UnknownRole(String),
    #[error("region '{0}' already exists")]
    DuplicateRegion(String),
    #[error("branch '{0}' already exists")]
    DuplicateBranch(String),
    #[error("username '{0}' is already taken")]
    DuplicateUsername(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<sqlx::Error> for AdminError {
    fn from(error: sqlx::Error) -> Self {
        AdminError::App(AppError::from_db(error))
    }
}

fn check_code(what: &str, code: &str) -> Result<(), AdminError> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "{what} code '{code}' must be 1 to 32 letters, digits, '-' or '_'"
        )))
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Adds a region.
pub async fn add_region(db: &SqlitePool, code: &str, name: &str) -> Result<(), AdminError> {
    check_code("region", code)?;
    match sqlx::query("INSERT INTO regions (code, name) VALUES (?, ?)")
        .bind(code)
        .bind(name)
        .execute(db)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AdminError::DuplicateRegion(code.to_owned())),
        Err(e) => Err(e.into()),
    }
}

async fn exists(db: &SqlitePool, sql: &str, key: &str) -> Result<bool, AdminError> {
    Ok(sqlx::query_scalar::<_, i64>(sql)
        .bind(key)
        .fetch_optional(db)
        .await?
        .is_some())
}

/// Adds a branch of an existing region.
pub async fn add_branch(
    db: &SqlitePool,
    code: &str,
    name: &str,
    region: &str,
) -> Result<(), AdminError> {
    check_code("branch", code)?;
    if !exists(db, "SELECT 1 FROM regions WHERE code = ?", region).await? {
        return Err(AdminError::UnknownRegion(region.to_owned()));
    }
    match sqlx::query("INSERT INTO branches (code, name, region_code) VALUES (?, ?, ?)")
        .bind(code)
        .bind(name)
        .bind(region)
        .execute(db)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AdminError::DuplicateBranch(code.to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// A user to add with [`add_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// A role code (`staff`, `branch_manager`, `regional_manager`, `admin`).
    pub role: String,
    pub branch_code: Option<String>,
    pub region_code: Option<String>,
}

impl NewUser {
    /// A user of `role` with their branch or region (see [`add_user`]).
    pub fn new(
        username: &str,
        display_name: &str,
        role: &str,
        branch_code: Option<&str>,
        region_code: Option<&str>,
    ) -> NewUser {
        NewUser {
            username: username.into(),
            display_name: display_name.into(),
            role: role.into(),
            branch_code: branch_code.map(Into::into),
            region_code: region_code.map(Into::into),
        }
    }
}

/// Adds a user with a new random password, hashed at `params`, and returns
/// the password (shown once; only its hash is stored).
pub async fn add_user(
    db: &SqlitePool,
    user: &NewUser,
    params: &Params,
) -> Result<String, AdminError> {
    let password = generate_password();
    add_user_with_password(db, user, &password, params).await?;
    Ok(password)
}

/// Adds a user whose password is `password` (the demo users share one
/// random password, see module `demo`).
pub(crate) async fn add_user_with_password(
    db: &SqlitePool,
    user: &NewUser,
    password: &str,
    params: &Params,
) -> Result<(), AdminError> {
    let username = user.username.trim();
    if username.is_empty()
        || username.len() > MAX_USERNAME_LEN
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AdminError::Invalid(format!(
            "username '{username}' must be 1 to {MAX_USERNAME_LEN} characters without spaces"
        )));
    }
    let role =
        Role::from_code(&user.role).ok_or_else(|| AdminError::UnknownRole(user.role.clone()))?;
    // Staff and branch managers belong to a branch, regional managers to a
    // region, administrators to neither.
    for (needed, given, what) in [
        (role.needs_branch(), user.branch_code.is_some(), "branch"),
        (role.needs_region(), user.region_code.is_some(), "region"),
    ] {
        if needed != given {
            let role = role.as_str();
            return Err(AdminError::Invalid(if needed {
                format!("a {role} belongs to a {what}: pass --{what} <code>")
            } else {
                format!("a {role} belongs to no {what}: drop --{what}")
            }));
        }
    }
    if let Some(branch) = &user.branch_code {
        if !exists(db, "SELECT 1 FROM branches WHERE code = ?", branch).await? {
            return Err(AdminError::UnknownBranch(branch.clone()));
        }
    }
    if let Some(region) = &user.region_code {
        if !exists(db, "SELECT 1 FROM regions WHERE code = ?", region).await? {
            return Err(AdminError::UnknownRegion(region.clone()));
        }
    }
    let hash = hash_password_with(password, params)?;
    let inserted = sqlx::query(
        "INSERT INTO users (username, display_name, role, branch_code, region_code, \
                            password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(username)
    .bind(user.display_name.trim())
    .bind(role.as_str())
    .bind(&user.branch_code)
    .bind(&user.region_code)
    .bind(hash)
    .bind(time_text(Utc::now()))
    .execute(db)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(AdminError::DuplicateUsername(username.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Gives a user a new random password, hashed at `params`, and returns it.
/// Every token of the user is revoked: a password is reset because it was
/// forgotten or leaked, and in the second case its sessions must end too.
pub async fn reset_password(
    db: &SqlitePool,
    username: &str,
    params: &Params,
) -> Result<String, AdminError> {
    let password = generate_password();
    let hash = hash_password_with(&password, params)?;
    let updated = sqlx::query("UPDATE users SET password_hash = ? WHERE username = ?")
        .bind(hash)
        .bind(username)
        .execute(db)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AdminError::UnknownUser(username.to_owned()));
    }
    sqlx::query(
        "UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL \
         AND user_id = (SELECT id FROM users WHERE username = ?)",
    )
    .bind(time_text(Utc::now()))
    .bind(username)
    .execute(db)
    .await?;
    Ok(password)
}
