//! The typed REST client: the only place in the app that talks HTTP.

use complaints_domain::sync::{PullResponse, PushRequest, PushResponse};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Why a call to the server did not give an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No connection to the server (offline, server down, DNS…).
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The server answered with an error status.
    #[error("server answered {status} {code}: {message}")]
    Status {
        status: u16,
        code: String,
        message: String,
    },
    /// The answer could not be read.
    #[error("unreadable answer: {0}")]
    Decode(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()));
    }
    let status = response.status();
    let (code, message) = match response.json::<ErrorBody>().await {
        Ok(body) => (body.error.code, body.error.message),
        Err(_) => (String::from("http_error"), response.status_text()),
    };
    Err(ApiError::Status {
        status,
        code,
        message,
    })
}

/// Sends local operations: `POST /api/v1/sync/push`.
pub async fn push(request: &PushRequest) -> Result<PushResponse, ApiError> {
    let response = Request::post("/api/v1/sync/push")
        .json(request)
        .map_err(|e| ApiError::Decode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

/// Fetches the operations after `cursor`: `GET /api/v1/sync/pull`.
pub async fn pull(cursor: &str, device: &str, limit: u32) -> Result<PullResponse, ApiError> {
    let limit = limit.to_string();
    let response = Request::get("/api/v1/sync/pull")
        .query([
            ("after", cursor),
            ("device", device),
            ("limit", limit.as_str()),
        ])
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

/// The risk rules' configuration: `GET /api/v1/config`.
pub async fn risk_config() -> Result<complaints_domain::risk::RiskConfig, ApiError> {
    #[derive(Deserialize)]
    struct Config {
        risk: complaints_domain::risk::RiskConfig,
    }
    let response = Request::get("/api/v1/config")
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read::<Config>(response).await.map(|c| c.risk)
}
