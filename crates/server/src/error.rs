//! The crate's single error type and its JSON rendering.

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Every error a handler (or `open_db`) can produce.
///
/// Rendered as `{"error": {"code": "...", "message": "..."}, "server_time": "..."}`.
/// Client errors (4xx) carry a specific message; server errors (5xx) are
/// logged in full and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such resource or route. `404`, code `not_found`.
    #[error("not found: {0}")]
    NotFound(String),
    /// The route exists but not for this method. `405`, code `method_not_allowed`.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request is malformed or invalid. `400`, code `bad_request`.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The JSON body does not parse, or not into the expected shape. `400`,
    /// code `invalid_json`.
    #[error("invalid JSON body: {0}")]
    InvalidJson(String),
    /// A JSON body sent without `Content-Type: application/json`. `415`,
    /// code `unsupported_media_type`.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the route accepts. `413`, code `payload_too_large`.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// A push carries more operations than one batch may. `413`, code
    /// `too_many_ops`: the client splits the batch and sends it again.
    #[error("too many operations in one push: {count} (at most {max})")]
    TooManyOps { count: usize, max: usize },
    /// A pull cursor that is not one this server hands out. `400`, code `bad_cursor`.
    #[error("bad cursor: {0}")]
    BadCursor(String),
    /// No usable bearer token: none, malformed, or unknown (forged). `401`,
    /// code `unauthenticated`.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// The bearer token is past its expiry. `401`, code `token_expired`.
    #[error("token expired")]
    TokenExpired,
    /// The bearer token was revoked (signed out) or its user disabled. `401`,
    /// code `token_revoked`.
    #[error("token revoked")]
    TokenRevoked,
    /// The token's device was revoked by an administrator (module `admin`):
    /// the app removes the device's data. `401`, code `device_revoked`.
    #[error("device revoked")]
    DeviceRevoked,
    /// A login with a wrong password, an unknown or disabled user: one answer
    /// for all, so usernames cannot be probed. `401`, code `bad_credentials`.
    #[error("bad credentials")]
    BadCredentials,
    /// A push naming another device than the one its token was issued to.
    /// `403`, code `wrong_device`.
    #[error("wrong device: {0}")]
    WrongDevice(String),
    /// A sign-in with a device id that is bound to another device's key.
    /// `409`, code `device_taken`.
    #[error("device taken")]
    DeviceTaken,
    /// Signed in, but this user's role may not do this (e.g. an
    /// administration endpoint). `403`, code `forbidden`.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Too many failed logins for this username or address. `429`, code
    /// `rate_limited`, with a `Retry-After` header.
    #[error("rate limited, retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Too many password checks running at once (a cap on argon2's memory
    /// and CPU): the login is refused, not queued. `503`, code `busy`, with a
    /// `Retry-After` header.
    #[error("busy, retry after {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// The database cannot be reached right now (health check, pool closed or
    /// timed out). `503`, code `db_unavailable`.
    #[error("upload offset: the server has {have} bytes")]
    UploadOffset { have: u64 },
    #[error("photo hash mismatch")]
    HashMismatch,
    #[error("too many unfinished uploads")]
    TooManyUploads,
    #[error("photo not uploaded yet")]
    NotUploaded,
    #[error("storage full")]
    StorageFull,
    #[error("database unavailable: {0}")]
    DbUnavailable(#[source] sqlx::Error),
    /// Any other database failure. `500`, code `internal`.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data the server cannot read back (e.g. an op log row that is no
    /// longer an operation), or another broken invariant. `500`, code `internal`.
    #[error("internal error: {0}")]
    Internal(String),
    /// Applying the embedded migrations failed. `500`, code `internal`.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The data directory could not be created or used. `500`, code `internal`.
    #[error("cannot create data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AppError {
    /// Classifies a database error: a pool that is closed or timed out, or a
    /// database still locked by other writers after the busy timeout
    /// (`SQLITE_BUSY`/`SQLITE_LOCKED` and their extended codes), is
    /// [`AppError::DbUnavailable`] (`503`, the client retries later); anything
    /// else is [`AppError::Database`] (`500`).
    pub fn from_db(error: sqlx::Error) -> AppError {
        const SQLITE_BUSY: i64 = 5;
        const SQLITE_LOCKED: i64 = 6;
        // PostgreSQL: lock_not_available (the log's lock not had in time),
        // serialization_failure, deadlock_detected, query_canceled (a
        // statement timeout), too_many_connections, cannot_connect_now.
        const POSTGRES_TRY_AGAIN: [&str; 6] =
            ["55P03", "40001", "40P01", "57014", "53300", "57P03"];
        let unavailable = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => match db.code() {
                Some(code) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => code
                    .parse::<i64>()
                    .is_ok_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED)),
                Some(code) => POSTGRES_TRY_AGAIN.contains(&&*code),
                None => false,
            },
            _ => false,
        };
        // PostgreSQL refuses text with a NUL character (SQLite stores it): it
        // came from the request, so the request is what is wrong.
        let nul_in_text = matches!(&error, sqlx::Error::Database(db)
            if db.code().as_deref() == Some("22021"));
        if nul_in_text {
            AppError::BadRequest("text may not contain the NUL character (U+0000)".to_owned())
        } else if unavailable {
            AppError::DbUnavailable(error)
        } else {
            AppError::Database(error)
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) | AppError::NotUploaded => StatusCode::NOT_FOUND,
            AppError::UploadOffset { .. } => StatusCode::CONFLICT,
            AppError::HashMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyUploads => StatusCode::TOO_MANY_REQUESTS,
            AppError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) | AppError::InvalidJson(_) | AppError::BadCursor(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) | AppError::TooManyOps { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::Unauthenticated(_)
            | AppError::TokenExpired
            | AppError::TokenRevoked
            | AppError::DeviceRevoked
            | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::WrongDevice(_) | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::DeviceTaken => StatusCode::CONFLICT,
            AppError::DbUnavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_)
            | AppError::Internal(_)
            | AppError::Migration(_)
            | AppError::DataDir { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code put in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::NotUploaded => "not_uploaded",
            AppError::UploadOffset { .. } => "upload_offset",
            AppError::HashMismatch => "hash_mismatch",
            AppError::TooManyUploads => "too_many_uploads",
            AppError::StorageFull => "storage_full",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::BadRequest(_) => "bad_request",
            AppError::InvalidJson(_) => "invalid_json",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::TooManyOps { .. } => "too_many_ops",
            AppError::BadCursor(_) => "bad_cursor",
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::TokenExpired => "token_expired",
            AppError::TokenRevoked => "token_revoked",
            AppError::DeviceRevoked => "device_revoked",
            AppError::BadCredentials => "bad_credentials",
            AppError::WrongDevice(_) => "wrong_device",
            AppError::DeviceTaken => "device_taken",
            AppError::Forbidden(_) => "forbidden",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::DbUnavailable(_) => "db_unavailable",
            AppError::Database(_)
            | AppError::Internal(_)
            | AppError::Migration(_)
            | AppError::DataDir { .. } => "internal",
        }
    }

    /// The message shown to the client: specific for client errors, generic
    /// for server errors (whose detail only goes to the log).
    fn public_message(&self) -> String {
        match self {
            AppError::NotFound(what) => format!("not found: {what}"),
            AppError::NotUploaded => {
                "this photo's file has not reached the server yet: it uploads when the tablet that took it is online".to_owned()
            }
            AppError::UploadOffset { have } => {
                format!("the server has {have} bytes of this photo: send from byte {have}")
            }
            AppError::HashMismatch => {
                "the uploaded file's SHA-256 differs from its name: upload it again from the start".to_owned()
            }
            AppError::TooManyUploads => {
                "too many unfinished photo uploads: finish some before starting more".to_owned()
            }
            AppError::StorageFull => "the server's disk is full: try again later".to_owned(),
            AppError::MethodNotAllowed => "method not allowed for this route".to_owned(),
            AppError::BadRequest(why) => format!("bad request: {why}"),
            AppError::InvalidJson(why) => format!("invalid JSON body: {why}"),
            AppError::UnsupportedMediaType(why) => why.clone(),
            AppError::PayloadTooLarge(why) => why.clone(),
            AppError::TooManyOps { count, max } => {
                format!("a push may carry at most {max} operations, this one has {count}: split it")
            }
            AppError::BadCursor(cursor) => {
                format!("bad cursor {cursor:?}: pass the cursor of the previous pull, or nothing to start from the beginning")
            }
            AppError::Unauthenticated(why) => why.clone(),
            AppError::TokenExpired => "this sign-in has expired: sign in again".to_owned(),
            AppError::TokenRevoked => "this sign-in has been revoked: sign in again".to_owned(),
            AppError::DeviceRevoked => "an administrator signed this device out: \
                its data must be removed from it"
                .to_owned(),
            AppError::BadCredentials => "wrong username or password".to_owned(),
            AppError::WrongDevice(why) | AppError::Forbidden(why) => why.clone(),
            AppError::DeviceTaken => "this device id belongs to another device: \
                clear the app's data on this device and sign in again"
                .to_owned(),
            AppError::RateLimited { retry_after_secs } => {
                format!("too many failed sign-ins: try again in {retry_after_secs} seconds")
            }
            AppError::Busy { retry_after_secs } => {
                format!("the server is busy checking other sign-ins: try again in {retry_after_secs} seconds")
            }
            AppError::DbUnavailable(_) => "the database is temporarily unavailable".to_owned(),
            AppError::Database(_)
            | AppError::Internal(_)
            | AppError::Migration(_)
            | AppError::DataDir { .. } => "internal server error".to_owned(),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
    /// Like every API answer, so a client can always tell its clock's offset.
    server_time: String,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = match &self {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, code = self.code(), "request failed");
        } else {
            tracing::debug!(error = %self, code = self.code(), "client error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.public_message(),
            },
            server_time: crate::http::server_time_text(),
        };
        let mut response = (status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
