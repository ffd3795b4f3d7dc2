//! The JSON API under `/api`.
//!
//! Route groups are nested in [`api_routes`]: the versioned protocol lives
//! under `/api/v1/...` ([`v1_routes`]: sync and its OpenAPI document); an
//! incompatible protocol would be nested next to it as `/api/v2`. Auth
//! middleware can be added there with `route_layer` so it never touches
//! static files.
//!
//! Every API answer carries the server's clock (`server_time`, RFC 3339 UTC):
//! health, push and pull in their bodies, errors next to `error`.

use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::http::{no_store, server_time_text};
use crate::{admin, auth, openapi, photos, sync, AppError, AppState};

/// All `/api` routes (paths relative to `/api`). Unmatched paths and methods
/// answer JSON errors, never the SPA.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .nest("/v1", v1_routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

/// Protocol `v1`, relative to `/api/v1`.
fn v1_routes() -> Router<AppState> {
    Router::new()
        .merge(sync::sync_routes())
        .merge(auth::auth_routes())
        .merge(photos::photo_routes())
        .merge(admin::admin_routes())
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/config", get(config))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    db: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
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
        database: crate::db::Backend::of(&state.db).name(),
        server_time: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    Ok(no_store(Json(body)))
}

#[derive(Serialize)]
struct Ready {
    status: &'static str,
    database: &'static str,
    /// The newest migration applied, and the newest this version ships.
    migration: i64,
    migrations_shipped: i64,
    server_time: String,
}

/// `GET /api/ready`: whether this instance should be sent requests — the
/// database answers and its schema is the one this version expects (`503`
/// otherwise: e.g. an older instance after a newer one migrated, during a
/// rolling update). For a load balancer's health check; `GET /api/health`
/// only says the process and its database are up.
async fn ready(State(state): State<AppState>) -> Result<Response, AppError> {
    let (applied, shipped) = crate::db::migration_versions(&state.db).await?;
    let current = applied == shipped;
    let body = Ready {
        status: if current {
            "ready"
        } else {
            "migrations_differ"
        },
        database: crate::db::Backend::of(&state.db).name(),
        migration: applied,
        migrations_shipped: shipped,
        server_time: server_time_text(),
    };
    let status = if current {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(no_store((status, Json(body))))
}

#[derive(Serialize)]
struct Config<'a> {
    risk: &'a complaints_domain::risk::RiskConfig,
    server_time: String,
}

/// `GET /api/v1/config`: what devices need to evaluate the risk rules
/// offline (model launch dates, marketing events). Signed-in users only.
async fn config(State(state): State<AppState>, _auth: auth::AuthUser) -> Response {
    no_store(Json(Config {
        risk: &state.risk,
        server_time: server_time_text(),
    }))
    .into_response()
}

async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route for {}", uri.path()))
}

async fn api_method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
