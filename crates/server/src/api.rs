//! The JSON API under `/api`.
//!
//! New route groups (e.g. `/api/v1/...` for sync) are nested in
//! [`api_routes`]; auth middleware can be added there with `route_layer`
//! so it never touches static files.

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::{AppError, AppState};

/// All `/api` routes (paths relative to `/api`). Unmatched paths and methods
/// answer JSON errors, never the SPA.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    db: &'static str,
    server_time: String,
}

/// `GET /api/health`: checks the database with `SELECT 1`.
async fn health(State(state): State<AppState>) -> Result<Response, AppError> {
    sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(&state.db)
        .await
        .map_err(AppError::DbUnavailable)?;
    let body = Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        db: "ok",
        server_time: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    Ok((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(body),
    )
        .into_response())
}

async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route for {}", uri.path()))
}

async fn api_method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
