//! The crate's single error type and its JSON rendering.

use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Every error a handler (or [`crate::open_db`]) can produce.
///
/// Rendered as `{"error": {"code": "...", "message": "..."}}`. Client errors
/// (4xx) carry a specific message; server errors (5xx) are logged in full and
/// answered with a generic message.
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
    /// The database cannot be reached right now (health check, pool closed or
    /// timed out). `503`, code `db_unavailable`.
    #[error("database unavailable: {0}")]
    DbUnavailable(#[source] sqlx::Error),
    /// Any other database failure. `500`, code `internal`.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::DbUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Migration(_) | AppError::DataDir { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The stable, machine-readable code put in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::BadRequest(_) => "bad_request",
            AppError::DbUnavailable(_) => "db_unavailable",
            AppError::Database(_) | AppError::Migration(_) | AppError::DataDir { .. } => "internal",
        }
    }

    /// The message shown to the client: specific for client errors, generic
    /// for server errors (whose detail only goes to the log).
    fn public_message(&self) -> String {
        match self {
            AppError::NotFound(what) => format!("not found: {what}"),
            AppError::MethodNotAllowed => "method not allowed for this route".to_owned(),
            AppError::BadRequest(why) => format!("bad request: {why}"),
            AppError::DbUnavailable(_) => "the database is temporarily unavailable".to_owned(),
            AppError::Database(_) | AppError::Migration(_) | AppError::DataDir { .. } => {
                "internal server error".to_owned()
            }
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
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
        };
        let mut response = (status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
