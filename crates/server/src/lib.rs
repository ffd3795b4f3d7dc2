//! `complaints-server`: serves the built app (the Trunk `dist/` output) and a
//! small JSON API, backed by SQLite.
//!
//! # Design
//!
//! The app is offline-first: the browser keeps its own copy of the data and
//! the service worker precaches the app shell. The server therefore has two
//! jobs, kept strictly apart in [`app`]:
//!
//! * **`/api/...`** — JSON only. Routes are declared in `api_routes`
//!   (module `api`), nested under `/api`: `GET /api/health`, and protocol
//!   `v1` under `/api/v1/...` — `POST sync/push`, `GET sync/pull` (module
//!   `sync`, which documents the protocol and why its cursor is safe) and
//!   `GET openapi.json` (module `openapi`), and sign-in: `POST auth/login`,
//!   `POST auth/logout`, `GET auth/me` (module [`auth`], which documents
//!   tokens, password hashing and the login rate limit), and the admin
//!   page's `admin/...` (module `admin`: users, devices, regions and
//!   branches, each action checked by role and branch). Push, pull and
//!   `GET config` need a token; pull and push are scoped to the user's
//!   branches (module `sync`, "Authorisation and scope"). Auth is an extractor
//!   of those handlers (`auth::AuthUser`), so it never touches the static
//!   side. Any `/api` path that matches no route answers
//!   `404` with a JSON [`AppError`] body (`{"error":{"code":"not_found",...}}`),
//!   never the SPA's `index.html`: a client talking to an older or newer
//!   server must get a machine-readable error, not HTML.
//! * **everything else** — static files from [`AppState::dist_dir`] through
//!   `tower_http`'s `ServeDir`, plus the SPA fallback: a `GET`/`HEAD` for a
//!   path that is no file and has no file extension (`/complaints/abc`,
//!   `/new`) is answered with `index.html` and `200`, so client-side routes
//!   survive a reload. A missing path *with* an extension (`/missing.js`)
//!   stays a plain `404`, so a broken asset reference fails loudly instead of
//!   being "served" as HTML. If `index.html` itself is missing the server
//!   answers `503` with a short page saying the app has not been built.
//!
//! # Caching
//!
//! Trunk is configured without file hashing (`filehash = false`) so the
//! service worker can precache stable names (`app.js`, `app_bg.wasm`, ...).
//! Stable names must not be cached as immutable, so **every static response
//! carries `Cache-Control: no-cache`**: browsers may store the file but must
//! revalidate it on each use. `ServeDir` sends `Last-Modified` and answers
//! `If-Modified-Since` with `304 Not Modified`, so revalidation is cheap.
//! (`ServeDir` does not emit `ETag`s; revalidation relies on modification
//! times, so a deploy must not give files an *older* mtime than the release
//! they replace, e.g. by copying an old build with `cp -p`.) This matters
//! most for `index.html`, `sw.js` and `manifest.webmanifest`: a stale service
//! worker would pin users to an old release. The precompressed `.br`/`.gz`
//! variants (next section) are revalidated the same way, each by its own
//! `Last-Modified`, and every static response says `Vary: Accept-Encoding`
//! so a cache never answers one client with another's encoding. API
//! responses are not cached at all (`/api/health` sends
//! `Cache-Control: no-store`).
//!
//! # Compression
//!
//! Static files are **precompressed at build time**: `scripts/compress.mjs`
//! (the last step of the `scripts/sw-stamp` hook) writes `X.br` (brotli,
//! quality 11) and `X.gz` (gzip, level 9) beside every `.wasm`, `.js`,
//! `.css`, `.html` and `.webmanifest` file of `dist/`. The server sends the
//! `.br` to clients accepting `br`, the `.gz` to those accepting only
//! `gzip`, the plain file otherwise, always with the original's
//! `Content-Type`, `Content-Encoding` when a variant is sent, and
//! `Vary: Accept-Encoding` on every static response. The variants are never
//! served under their own names (`/app_bg.wasm.br` is a `404`). Module
//! `static_files` has the details. Deploy `dist/` as a whole: a stale `.br`
//! left beside a newer original would be served in its place.
//!
//! Everything else (API JSON, files without variants such as a debug build's)
//! is gzip-compressed on the fly when the client accepts it (text, JS, wasm,
//! JSON; images and tiny bodies are left alone by the default predicate).
//! That layer never touches a response that already has a
//! `Content-Encoding`, so nothing is compressed twice.
//!
//! # Security headers
//!
//! Every response (static files, the SPA fallback, the `503` "not built"
//! page, API answers, errors and `404`s) carries
//! `Content-Security-Policy: `[`CONTENT_SECURITY_POLICY`] (a JSON answer the
//! short [`API_CONTENT_SECURITY_POLICY`]: it is no document),
//! `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`, set
//! by one layer around the whole router in [`app`]. Module `security` holds
//! the policy in one constant and explains each directive. The policy allows
//! no inline script or style: `index.html` must load its scripts from files.
//!
//! # Errors
//!
//! Handlers return [`AppError`], whose `IntoResponse` maps each variant to a
//! status and a stable `code`. JSON bodies and query strings are read through
//! the extractors of module `extract` (`ApiJson`, `ApiQuery`), so bad input
//! is always a 4xx JSON error: `invalid_json` (400), `unsupported_media_type`
//! (415), `payload_too_large` (413), never axum's plain-text rejections. Server-side failures (database, migrations,
//! I/O) are logged with `tracing` and answered with a generic message: no
//! SQL, path or driver detail leaks to the client.
//!
//! # Database
//!
//! [`open_db`] opens (creating if needed) `<data_dir>/complaints.sqlite3` in
//! WAL mode with foreign keys on and a 5 s busy timeout, then applies the
//! migrations embedded from `migrations/` at compile time. Shipped migrations
//! are never edited; schema changes are new files.
//!
//! `complaints-server migrate --from <data dir> --to postgres://…` (module
//! [`migrate`]) copies a whole database into another, e.g. SQLite's into
//! PostgreSQL, keeping the op log's seqs.
//!
//! # Modules
//!
//! The crate's top-level modules reference each other without cycles
//! (`A → B`: `A` names `crate::B`; `crate::AppError` counts as `error`;
//! everyone may name the crate root's `AppState`, which sits above them all;
//! `crates/lint` checks it, for every crate of the workspace):
//! `api → {admin, auth, sync, openapi, error, http}`,
//! `admin → {auth, extract, error, http}`, `openapi → {auth, sync}`,
//! `sync → {auth, extract, error, http}`, `demo → auth`,
//! `auth → {extract, error, http}`, `static_files → error`, `db → {error, repair}`,
//! `migrate → {db, error}`, `repair → error`, `extract → error`, `error → http`; `http`, `net` and
//! `security` name no module.

mod admin;
mod api;
pub mod auth;
mod db;
pub mod demo;
mod error;
mod extract;
mod http;
pub mod migrate;
pub mod net;
mod openapi;
pub mod photos;
pub mod repair;
mod security;
mod static_files;
mod sync;
pub mod throttle;
mod txn;

use std::path::PathBuf;

use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

pub use db::{open_db, open_test_db, open_url, Backend, DB_FILE_NAME};
pub use error::AppError;
pub use security::{API_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY, REFERRER_POLICY};

/// Shared state of every handler. Cheap to clone: the pool is reference
/// counted internally.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database: SQLite ([`open_db`]) or PostgreSQL ([`open_url`]).
    pub db: sqlx::AnyPool,
    /// The directory holding the built app (Trunk's `dist/`).
    pub dist_dir: PathBuf,
    /// Model launch dates and marketing events for the major-complaint
    /// rules (`<data-dir>/risk-config.json`), served to every device.
    pub risk: std::sync::Arc<complaints_domain::risk::RiskConfig>,
    /// Sign-in: token lifetime, password cost and the password-check permits
    /// (module [`auth`]; the login throttle's counts are in the database).
    /// `Default` is the production configuration.
    pub auth: std::sync::Arc<auth::Auth>,
    /// Photo files under `<data-dir>/photos` (module [`photos`]).
    pub photos: std::sync::Arc<photos::PhotoFiles>,
}

/// The file in the data directory that configures the risk rules.
pub const RISK_CONFIG_FILE: &str = "risk-config.json";

/// Reads `<data_dir>/risk-config.json`; no file means no launches or events.
pub fn load_risk_config(
    data_dir: &std::path::Path,
) -> Result<complaints_domain::risk::RiskConfig, String> {
    let path = data_dir.join(RISK_CONFIG_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Builds the whole HTTP application: `/api` routes, static files with the
/// SPA fallback, and the cross-cutting layers (gzip, security headers,
/// tracing).
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api", api::api_routes())
        .fallback(static_files::serve_static)
        .layer(CompressionLayer::new())
        // Outside compression and every handler, so no response escapes it.
        .layer(axum::middleware::map_response(
            security::set_security_headers,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // A request id: the proxy's `x-request-id` if it sent a usable one,
        // else a new UUID; in every log line of the request, and answered
        // back in the same header, so a user's report can be found in the
        // logs of whichever instance served it.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::map_request(usable_request_id))
        .with_state(state)
}

/// The longest request id taken from a client or proxy.
const MAX_REQUEST_ID_LEN: usize = 64;

/// Drops an incoming `x-request-id` that is too long or holds anything but
/// letters, digits, `-`, `_` and `.`: it goes into every log line, so it is
/// hostile input like any other (a new one is made instead).
async fn usable_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let usable = request.headers().get("x-request-id").map(|id| {
        let id = id.as_bytes();
        !id.is_empty()
            && id.len() <= MAX_REQUEST_ID_LEN
            && id
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if usable == Some(false) {
        request.headers_mut().remove("x-request-id");
    }
    request
}

/// The span of one request: its id, method and path (never the query or a
/// header that could carry a token).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
