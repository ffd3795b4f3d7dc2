//! Sign-in: users, password hashes, bearer tokens, login throttling, and
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
//! | its device revoked by an administrator          | `device_revoked`  |
//!
//! A token in use has its `last_contact_at` set, at most once a minute (one
//! cheap `UPDATE`; a failure is logged, never answered): the admin page
//! shows each device's last contact. A revoked device (module `admin`)
//! cannot sign in again either (`401 device_revoked`, after the password).
//!
//! # Login throttling
//!
//! Meant to slow guessing down without handing an attacker a way to lock a
//! user out. Kept **in the database** (module [`crate::throttle`]), so that
//! several server instances on one database count the same failures (until
//! issue 16 it was one process's memory: behind a load balancer, each
//! instance gave its own free guesses). Failures are counted under three keys; a
//! count is forgotten [`AuthConfig::failure_window`] (1 hour) after its last
//! failure:
//!
//! - **(username, client address)**, the username lowercased: the first
//!   [`AuthConfig::free_failures_per_pair`] (5) failures are free; after
//!   that each attempt must wait, since the pair's last failure, a delay
//!   that starts at [`AuthConfig::base_delay`] (1 s) and doubles with each
//!   further failure, up to [`AuthConfig::max_delay`] (15 minutes). An
//!   attempt inside the delay is answered `429 rate_limited` with a
//!   `Retry-After` header (seconds), even with the right password, and is
//!   not counted. The same username from **another address is not
//!   affected**: the regional manager on her own tablet signs in while
//!   someone guesses her password elsewhere. A successful login clears the
//!   pair.
//! - **client address**, all usernames (a dealer branch behind one NAT is
//!   one address): after [`AuthConfig::free_failures_per_address`] (100), the
//!   same doubling delay, but at most [`AuthConfig::max_shared_delay`] (1
//!   minute): a slow-down, never a long block of a whole branch.
//! - **username**, all addresses (a distributed guesser): after
//!   [`AuthConfig::free_failures_per_username`] (100), the same slow-down of
//!   at most a minute.
//!
//! The two shared counters leave out **known pairs**: a username and an
//! address it signed in from successfully in the last 30 days. Their
//! attempts are neither slowed down by nor counted in the shared counters,
//! only in their own pair, so no one at another address (and no one at the
//! same branch guessing other usernames) can slow a user down where they
//! usually work.
//!
//! The attempt is counted **before** its password is checked, under the
//! same lock as the check, and given back if the password was right (or the
//! check never ran): 50 guesses sent at once for one pair get the 5 free
//! checks and 45 answers `429`. What bounds the counts is time: each attempt
//! first deletes those no longer remembered, so a spray of usernames leaves
//! at most an hour of attempts behind, and never pushes a slowed-down pair
//! out.
//!
//! **Password checks** (argon2id: 19 MiB and some tens of milliseconds of a
//! core each, at the defaults) run at most [`AuthConfig::max_concurrent_checks`]
//! at a time (the number of cores, at least 2). A login past that is not
//! queued: it is answered at once `503 busy` with `Retry-After: 1`, and is
//! not counted as a failure.
//!
//! The client address is known when the server runs with connect info
//! (`main.rs` does); behind a reverse proxy every client has the proxy's
//! address: the pair is in effect the username alone, and the address
//! counter covers every client (known pairs still pass). Without connect
//! info (the tests' `oneshot`) all requests share one unknown address.
//!
//! ## Where this differs from OWASP's Authentication Cheat Sheet
//!
//! OWASP ("Login Throttling", "Account Lockout") ties the failure counter to
//! the account rather than the source address, locks the account after a
//! threshold within an observation window, suggests an exponential lockout
//! (from one second, doubling), and warns that lockout can be used to deny
//! service. We keep the exponential schedule but key it on (account,
//! address), so no one can lock a user out from elsewhere, and never lock
//! for good; the account-wide counter is only a second line, with a high
//! threshold (100), a delay of at most a minute, and no effect at addresses
//! the user signed in from before (close to OWASP's "device cookies" page,
//! with the address as the device). The price: a distributed guesser gets
//! about 100 guesses an hour per username (the free ones, forgotten after a
//! quiet hour, or one a minute past them), plus a few at each address the
//! user is known at. We rely on the passwords against that: each is
//! generated (16 characters, ~92 bits), not chosen, so at a few thousand
//! guesses a day a hit is out of reach. There is no CAPTCHA and no second
//! factor (OWASP's first defence); an administrator, not a self-service
//! reset, gives a new password. The point where each counter starts
//! slowing down is logged, as OWASP asks of lockouts.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

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
use complaints_domain::answers;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;

use crate::extract::ApiJson;
use crate::http::{no_store, server_time_text};
use crate::throttle::{self, Policy, Reservation, Stamp};
use crate::{AppError, AppState};

/// The largest login body accepted (`413 payload_too_large` past it).
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;
/// The longest username, password and device id a login accepts.
const MAX_USERNAME_LEN: usize = 100;
const MAX_PASSWORD_LEN: usize = 1024;
const MAX_DEVICE_LEN: usize = 200;
/// The shortest device key a sign-in accepts (the app's are 26 characters).
const MIN_DEVICE_KEY_LEN: usize = 16;
/// Random bytes in a token, and the length of its base64url text.
const TOKEN_BYTES: usize = 32;
const TOKEN_TEXT_LEN: usize = 43;
/// Characters of generated passwords: no look-alikes (0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_LEN: usize = 16;

/// Tunables of sign-in (the throttling ones are described in the module
/// docs, "Login throttling").
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// How long a token is valid after login (default 14 days).
    pub token_lifetime: TimeDelta,
    /// argon2id cost of new password hashes (default: the crate's defaults;
    /// tests use cheaper ones).
    pub password_params: Params,
    /// Failures of one (username, address) pair before it is slowed down
    /// (default 5).
    pub free_failures_per_pair: u32,
    /// Failures from one address, all usernames, before it is slowed down
    /// (default 100).
    pub free_failures_per_address: u32,
    /// Failures of one username, all addresses, before it is slowed down
    /// (default 100).
    pub free_failures_per_username: u32,
    /// The first delay past the free failures; each further failure doubles
    /// it (default 1 s).
    pub base_delay: Duration,
    /// The longest delay of a (username, address) pair (default 15 minutes).
    pub max_delay: Duration,
    /// The longest delay of the shared address and username counters
    /// (default 1 minute).
    pub max_shared_delay: Duration,
    /// How long after its last failure a count is forgotten (default 1 hour).
    pub failure_window: Duration,
    /// Password checks run at once; more are answered `503 busy` (default:
    /// the number of cores, at least 2).
    pub max_concurrent_checks: usize,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_lifetime: TimeDelta::days(14),
            password_params: Params::default(),
            free_failures_per_pair: 5,
            free_failures_per_address: 100,
            free_failures_per_username: 100,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            max_shared_delay: Duration::from_secs(60),
            failure_window: Duration::from_secs(60 * 60),
            max_concurrent_checks: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .max(2),
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

/// Sign-in state shared by every handler: the configuration, the
/// password-check permits (per instance: they bound this machine's CPU), and
/// the dummy hash unknown users are checked against. The login throttle's
/// counts are in the database (module [`crate::throttle`]).
#[derive(Debug)]
pub struct Auth {
    /// The configuration.
    pub config: AuthConfig,
    /// Free password-check permits (see [`PasswordCheckPermit`]).
    free_checks: Arc<AtomicUsize>,
    /// A frozen clock, set by [`Auth::advance_clock`] (tests only).
    frozen_clock: Mutex<Option<Stamp>>,
    dummy_hash: OnceLock<String>,
}

impl Default for Auth {
    fn default() -> Self {
        Auth::new(AuthConfig::default())
    }
}

/// Held while a password is checked; dropping it frees the slot. A
/// semaphore that is only ever tried, never waited on (`std` atomics: no
/// queue to bound).
#[derive(Debug)]
pub struct PasswordCheckPermit {
    free_checks: Arc<AtomicUsize>,
}

impl Drop for PasswordCheckPermit {
    fn drop(&mut self) {
        self.free_checks.fetch_add(1, Ordering::AcqRel);
    }
}

impl Auth {
    /// Sign-in state with this configuration.
    pub fn new(config: AuthConfig) -> Auth {
        Auth {
            free_checks: Arc::new(AtomicUsize::new(config.max_concurrent_checks)),
            config,
            frozen_clock: Mutex::new(None),
            dummy_hash: OnceLock::new(),
        }
    }

    /// A password-check permit, if one is free (never waits). Public for
    /// tests, which hold permits to see a login answered `503 busy`.
    #[doc(hidden)]
    pub fn try_acquire_password_check(&self) -> Option<PasswordCheckPermit> {
        self.free_checks
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .ok()
            .map(|_| PasswordCheckPermit {
                free_checks: Arc::clone(&self.free_checks),
            })
    }

    /// Freezes the throttle's clock, moved on by `by` (tests only: the
    /// delays are checked exactly, without sleeping). `Duration::ZERO`
    /// just freezes it.
    #[doc(hidden)]
    pub fn advance_clock(&self, by: Duration) {
        let mut clock = self.frozen_clock.lock().unwrap_or_else(|e| e.into_inner());
        *clock = Some(clock.unwrap_or_else(wall_clock) + by);
    }

    fn now(&self) -> Stamp {
        self.frozen_clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(wall_clock)
    }

    fn dummy_hash(&self) -> &str {
        self.dummy_hash.get_or_init(|| {
            hash_password_with(&generate_password(), &self.config.password_params)
                .unwrap_or_default()
        })
    }

    /// The three counters' policies, in `throttle`'s order.
    pub(crate) fn policies(&self) -> [Policy; 3] {
        let c = &self.config;
        let policy = |free, max| Policy {
            free,
            base: c.base_delay,
            max,
            window: c.failure_window,
        };
        [
            policy(c.free_failures_per_pair, c.max_delay),
            policy(c.free_failures_per_address, c.max_shared_delay),
            policy(c.free_failures_per_username, c.max_shared_delay),
        ]
    }
}

/// A counted login attempt: given back when dropped unless it was resolved
/// as a failure (so a database error or a dropped request does not count).
struct Attempt {
    auth: Arc<Auth>,
    db: AnyPool,
    reservation: Option<Reservation>,
}

impl Attempt {
    async fn failed(mut self) -> Result<(), AppError> {
        match self.reservation.take() {
            Some(reservation) => {
                let now = self.auth.now();
                throttle::failed(&self.db, &self.auth.policies(), &reservation, now).await
            }
            None => Ok(()),
        }
    }

    /// Gives the count back now (no password was checked), rather than in
    /// the background as a drop does: the next attempt finds it gone.
    async fn not_counted(mut self) -> Result<(), AppError> {
        match self.reservation.take() {
            Some(reservation) => {
                throttle::give_back(&self.db, &reservation, false, self.auth.now()).await
            }
            None => Ok(()),
        }
    }

    async fn signed_in(mut self) -> Result<(), AppError> {
        match self.reservation.take() {
            Some(reservation) => {
                throttle::give_back(&self.db, &reservation, true, self.auth.now()).await
            }
            None => Ok(()),
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        // Dropped unresolved (an error, or the request went away): the count
        // is given back in the background; if the runtime is gone, the count
        // simply ages out of the window.
        if let Some(reservation) = self.reservation.take() {
            let (db, now) = (self.db.clone(), self.auth.now());
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(error) = throttle::give_back(&db, &reservation, false, now).await {
                        tracing::warn!(%error, "a sign-in attempt could not be given back");
                    }
                });
            }
        }
    }
}

/// The time since 1970, as every instance reads it.
fn wall_clock() -> Stamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
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

pub(crate) fn time_text(time: DateTime<Utc>) -> String {
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
pub async fn user_scope(db: &AnyPool, user: &UserInfo) -> Result<Scope, AppError> {
    let region_branches = match (&user.role, &user.region_code) {
        (Role::RegionalManager, Some(region)) => sqlx::query_scalar::<_, String>(
            "SELECT code FROM branches WHERE region_code = $1 ORDER BY code",
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

/// The region whose standard answers `user` reads: a regional manager's
/// own, the region of a staff member's or branch manager's branch, none for
/// administrators (they read every answer).
pub async fn home_region(db: &AnyPool, user: &UserInfo) -> Result<Option<String>, AppError> {
    match (user.role, &user.branch_code) {
        (Role::RegionalManager, _) => Ok(user.region_code.clone()),
        (Role::Staff | Role::BranchManager, Some(branch)) => {
            sqlx::query_scalar::<_, String>("SELECT region_code FROM branches WHERE code = $1")
                .bind(branch)
                .fetch_optional(db)
                .await
                .map_err(AppError::from_db)
        }
        _ => Ok(None),
    }
}

/// The signed-in user of a request, from `Authorization: Bearer <token>`.
/// Its rejections are the `401`s in the module docs.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// `users.id`.
    pub id: i64,
    pub user: UserInfo,
    pub scope: Scope,
    /// The region whose standard answers the user reads ([`home_region`]).
    pub region: Option<String>,
    /// The device the token was issued to.
    pub device: String,
    /// When the token expires.
    pub expires_at: DateTime<Utc>,
    token_hash: String,
}

impl AuthUser {
    /// `username` acting from the server itself, on `device`, without a
    /// token: the author of data the server adds (the demo). `None` if there
    /// is no such user.
    pub(crate) async fn acting(
        db: &AnyPool,
        username: &str,
        device: &str,
    ) -> Result<Option<AuthUser>, AppError> {
        let Some(row) = sqlx::query_as::<_, UserRow>(
            "SELECT id, username, display_name, role, branch_code, region_code, password_hash, \
                    disabled FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(db)
        .await
        .map_err(AppError::from_db)?
        else {
            return Ok(None);
        };
        let user = row.info()?;
        Ok(Some(AuthUser {
            id: row.id,
            scope: user_scope(db, &user).await?,
            region: home_region(db, &user).await?,
            user,
            device: device.to_owned(),
            expires_at: Utc::now(),
            token_hash: String::new(),
        }))
    }

    /// The user as the standard answers' rules see them.
    pub fn answer_reader(&self) -> answers::Reader<'_> {
        answers::Reader {
            role: self.user.role,
            region: self.region.as_deref(),
            scope: &self.scope,
        }
    }
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
    last_contact_at: Option<String>,
    device_revoked_at: Option<String>,
    #[sqlx(flatten)]
    user: UserRow,
}

async fn authenticate(db: &AnyPool, token: &str) -> Result<AuthUser, AppError> {
    let hash = token_hash(token);
    let row = sqlx::query_as::<_, TokenRow>(
        "SELECT t.device, t.expires_at, t.revoked_at, t.last_contact_at, \
                d.revoked_at AS device_revoked_at, u.id, u.username, u.display_name, u.role, \
                u.branch_code, u.region_code, u.password_hash, u.disabled \
         FROM tokens t JOIN users u ON u.id = t.user_id \
         LEFT JOIN devices d ON d.id = t.device WHERE t.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await
    .map_err(AppError::from_db)?
    .ok_or_else(|| AppError::Unauthenticated("unknown token: sign in again".into()))?;
    if row.device_revoked_at.is_some() {
        return Err(AppError::DeviceRevoked);
    }
    if row.revoked_at.is_some() || row.user.disabled != 0 {
        return Err(AppError::TokenRevoked);
    }
    let expires_at = DateTime::parse_from_rfc3339(&row.expires_at)
        .map_err(|e| AppError::Internal(format!("token expiry {:?}: {e}", row.expires_at)))?
        .with_timezone(&Utc);
    let now = Utc::now();
    if expires_at <= now {
        return Err(AppError::TokenExpired);
    }
    note_contact(db, &hash, row.last_contact_at.as_deref(), now).await;
    let user = row.user.info()?;
    let scope = user_scope(db, &user).await?;
    let region = home_region(db, &user).await?;
    Ok(AuthUser {
        id: row.user.id,
        user,
        scope,
        region,
        device: row.device,
        expires_at,
        token_hash: hash,
    })
}

/// How often a token's `last_contact_at` is written at most.
const CONTACT_EVERY: TimeDelta = TimeDelta::seconds(60);

/// Sets the token's last contact to `now` when it has none or it is older
/// than [`CONTACT_EVERY`]; a failure is logged, the request goes on.
async fn note_contact(db: &AnyPool, hash: &str, last: Option<&str>, now: DateTime<Utc>) {
    let stale = last
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .is_none_or(|t| now - t.with_timezone(&Utc) >= CONTACT_EVERY);
    if !stale {
        return;
    }
    let updated = sqlx::query("UPDATE tokens SET last_contact_at = $1 WHERE token_hash = $2")
        .bind(time_text(now))
        .bind(hash)
        .execute(db)
        .await;
    if let Err(error) = updated {
        tracing::warn!(%error, "a token's last contact could not be noted");
    }
}

/// Revokes every token of the user `user_id` that is still valid (they sign
/// in again, and get their new role, branch or password).
pub(crate) async fn revoke_user_tokens(db: &AnyPool, user_id: i64) -> Result<u64, AppError> {
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(time_text(Utc::now()))
        .bind(user_id)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
        .map_err(AppError::from_db)
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
    /// The device's secret key (16 to 200 characters, made on the device
    /// and never sent in an operation): the first sign-in with a device id
    /// binds the key to it, and later sign-ins with that id must present it.
    #[serde(default)]
    pub device_key: Option<String>,
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
    let device_key = body.device_key.as_deref().unwrap_or_default();
    if !(MIN_DEVICE_KEY_LEN..=MAX_DEVICE_LEN).contains(&device_key.len()) {
        return Err(AppError::BadRequest(format!(
            "`device_key` must be {MIN_DEVICE_KEY_LEN} to {MAX_DEVICE_LEN} characters \
             (reload the app: an older version does not send it)"
        )));
    }
    let username = body.username.trim();
    // Lowercased, and no longer than a username can be (an attacker's
    // 4 KiB "usernames" still count, under one bounded key).
    let user_key: String = username
        .chars()
        .take(MAX_USERNAME_LEN + 1)
        .collect::<String>()
        .to_lowercase();
    let ip = client_ip(&extensions);
    let auth = state.auth.clone();
    // Counted now, under the throttle's lock: concurrent guesses cannot all
    // pass the check before the first one fails.
    let keys = throttle::Keys::new(&user_key, ip);
    let reservation = throttle::reserve(&state.db, &auth.policies(), keys, auth.now()).await?;
    let attempt = Attempt {
        reservation: Some(reservation),
        db: state.db.clone(),
        auth: auth.clone(),
    };

    let row = if username.is_empty()
        || username.len() > MAX_USERNAME_LEN
        || body.password.len() > MAX_PASSWORD_LEN
    {
        None
    } else {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, username, display_name, role, branch_code, region_code, password_hash, \
                    disabled FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&state.db)
        .await
        .map_err(AppError::from_db)?
    };
    // A bounded number of checks at once, each holding its permit until the
    // hash is done (even if the request is dropped meanwhile); past that,
    // `503 busy` at once, and the attempt is given back.
    let Some(permit) = auth.try_acquire_password_check() else {
        attempt.not_counted().await?;
        return Err(AppError::Busy {
            retry_after_secs: 1,
        });
    };
    // Verify even when there is no such user, against a dummy hash, so both
    // cases take the same time.
    let stored = row.as_ref().map(|row| row.password_hash.clone());
    let password = body.password;
    let checker = auth.clone();
    let matches = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let stored = stored.as_deref().unwrap_or_else(|| checker.dummy_hash());
        verify_password(&password, stored)
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let row = match row {
        Some(row) if matches && row.disabled == 0 => row,
        _ => {
            attempt.failed().await?;
            return Err(AppError::BadCredentials);
        }
    };
    attempt.signed_in().await?;

    claim_device(&state.db, device, device_key, row.id).await?;
    let revoked: Option<Option<String>> =
        sqlx::query_scalar("SELECT revoked_at FROM devices WHERE id = $1")
            .bind(device)
            .fetch_optional(&state.db)
            .await
            .map_err(AppError::from_db)?;
    if revoked.flatten().is_some() {
        tracing::warn!(user = %row.username, device, "sign-in on a revoked device refused");
        return Err(AppError::DeviceRevoked);
    }
    let user = row.info()?;
    let scope = user_scope(&state.db, &user).await?;
    let token = new_token();
    let now = Utc::now();
    let expires_at = now + auth.config.token_lifetime;
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
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

/// Binds `device` to the key its first sign-in presents, or checks the key
/// it is bound to (after the password: nothing about devices is told to
/// someone who cannot sign in). A device id first seen before keys existed
/// (only in `tokens`) is bound by the first keyed sign-in of a user who has
/// used it; anyone else is refused, so an id read from the op log cannot be
/// claimed. `409 device_taken` otherwise.
async fn claim_device(db: &AnyPool, device: &str, key: &str, user_id: i64) -> Result<(), AppError> {
    let key_hash = token_hash(key);
    let bound: Option<String> = sqlx::query_scalar("SELECT key_hash FROM devices WHERE id = $1")
        .bind(device)
        .fetch_optional(db)
        .await
        .map_err(AppError::from_db)?;
    let allowed = match bound {
        Some(bound) => bound == key_hash,
        None => {
            // Known from tokens only: a device from before keys existed.
            let (others, mine): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*) FILTER (WHERE user_id <> $2), COUNT(*) FILTER (WHERE user_id = $2) \
                 FROM tokens WHERE device = $1",
            )
            .bind(device)
            .bind(user_id)
            .fetch_one(db)
            .await
            .map_err(AppError::from_db)?;
            if others > 0 && mine == 0 {
                false
            } else {
                // Two first sign-ins at once: the first insert wins.
                sqlx::query(
                    "INSERT INTO devices (id, key_hash, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(device)
                .bind(&key_hash)
                .bind(time_text(Utc::now()))
                .execute(db)
                .await
                .map_err(AppError::from_db)?;
                let bound: String =
                    sqlx::query_scalar("SELECT key_hash FROM devices WHERE id = $1")
                        .bind(device)
                        .fetch_one(db)
                        .await
                        .map_err(AppError::from_db)?;
                bound == key_hash
            }
        }
    };
    if allowed {
        Ok(())
    } else {
        tracing::warn!(device, user_id, "sign-in with another device's id refused");
        Err(AppError::DeviceTaken)
    }
}

/// `POST /api/v1/auth/logout`: revokes the presented token.
async fn logout(State(state): State<AppState>, auth: AuthUser) -> Result<Response, AppError> {
    sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
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

/// Whether `code` may name a region or a branch: 1 to 32 letters, digits,
/// `-` or `_` (the command line and the admin page check the same rule).
pub(crate) fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_code(what: &str, code: &str) -> Result<(), AdminError> {
    if valid_code(code) {
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
pub async fn add_region(db: &AnyPool, code: &str, name: &str) -> Result<(), AdminError> {
    check_code("region", code)?;
    match sqlx::query("INSERT INTO regions (code, name) VALUES ($1, $2)")
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

async fn exists(db: &AnyPool, sql: &str, key: &str) -> Result<bool, AdminError> {
    Ok(sqlx::query_scalar::<_, i64>(sql)
        .bind(key)
        .fetch_optional(db)
        .await?
        .is_some())
}

/// Adds a branch of an existing region.
pub async fn add_branch(
    db: &AnyPool,
    code: &str,
    name: &str,
    region: &str,
) -> Result<(), AdminError> {
    check_code("branch", code)?;
    if !exists(db, "SELECT 1 FROM regions WHERE code = $1", region).await? {
        return Err(AdminError::UnknownRegion(region.to_owned()));
    }
    match sqlx::query("INSERT INTO branches (code, name, region_code) VALUES ($1, $2, $3)")
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
pub async fn add_user(db: &AnyPool, user: &NewUser, params: &Params) -> Result<String, AdminError> {
    let password = generate_password();
    add_user_with_password(db, user, &password, params).await?;
    Ok(password)
}

/// Adds a user whose password is `password` (the demo users share one
/// random password, see module `demo`).
pub(crate) async fn add_user_with_password(
    db: &AnyPool,
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
        if !exists(db, "SELECT 1 FROM branches WHERE code = $1", branch).await? {
            return Err(AdminError::UnknownBranch(branch.clone()));
        }
    }
    if let Some(region) = &user.region_code {
        if !exists(db, "SELECT 1 FROM regions WHERE code = $1", region).await? {
            return Err(AdminError::UnknownRegion(region.clone()));
        }
    }
    let hash = hash_password_with(password, params)?;
    let inserted = sqlx::query(
        "INSERT INTO users (username, display_name, role, branch_code, region_code, \
                            password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
    db: &AnyPool,
    username: &str,
    params: &Params,
) -> Result<String, AdminError> {
    let password = generate_password();
    let hash = hash_password_with(&password, params)?;
    let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
        .bind(hash)
        .bind(username)
        .execute(db)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AdminError::UnknownUser(username.to_owned()));
    }
    sqlx::query(
        "UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
         AND user_id = (SELECT id FROM users WHERE username = $2)",
    )
    .bind(time_text(Utc::now()))
    .bind(username)
    .execute(db)
    .await?;
    Ok(password)
}
