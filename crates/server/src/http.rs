//! Small HTTP helpers shared by the API modules (`api`, `auth`, `sync`) and
//! the error type (`error`).
//!
//! This module exists to keep the crate's module graph acyclic: the helpers
//! used to live in `api`, which also *routes to* `auth` and `sync`, so those
//! modules and `error` imported `api` while `api` imported them. It imports
//! no other module of this crate, and must stay that way: anything that
//! needs `AppError` or `AppState` belongs elsewhere.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};

/// The server's clock as API answers show it: RFC 3339, UTC, milliseconds.
pub(crate) fn server_time_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An API answer that no cache may keep (`Cache-Control: no-store`).
pub(crate) fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
