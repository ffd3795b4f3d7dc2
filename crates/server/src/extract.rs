//! Request extractors whose failures are [`AppError`]s, so that bad input is
//! always answered with the API's JSON error shape (never axum's plain-text
//! rejections, never a `5xx`).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::AppError;

/// A JSON request body: every API route taking JSON uses this, not
/// [`axum::Json`] directly.
///
/// | failure                                   | status | code                     |
/// |-------------------------------------------|--------|--------------------------|
/// | not JSON, or not the expected shape       | `400`  | `invalid_json`           |
/// | `Content-Type` missing or not JSON        | `415`  | `unsupported_media_type` |
/// | larger than the route's `DefaultBodyLimit`| `413`  | `payload_too_large`      |
/// | the body could not be read                | `400`  | `bad_request`            |
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    // axum's texts say what is wrong with the body (a serde message with line
    // and column); they contain nothing of the server's internals.
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonSyntaxError(_) | JsonRejection::JsonDataError(_) => {
            AppError::InvalidJson(text)
        }
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(
            "send the body with `Content-Type: application/json`".to_owned(),
        ),
        other => match other.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::PayloadTooLarge("the request body is too large".to_owned())
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(text),
            _ => AppError::BadRequest(text),
        },
    }
}

/// A query string: failures are `400 bad_request` JSON errors.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> AppError {
    AppError::BadRequest(rejection.body_text())
}
