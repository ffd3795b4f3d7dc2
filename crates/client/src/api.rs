//! What the engine asks of the server, as a trait: the app implements it
//! over HTTP (its typed `api.rs`, the only place that talks HTTP), the tests
//! with a scripted fake. Only the two sync calls are here; signing in and
//! out and the risk configuration are the app's own business.

use std::rc::Rc;

use complaints_domain::sync::{PullResponse, PushRequest, PushResponse};

/// Why a call to the server did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No connection to the server (offline, server down, DNS…).
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    /// The server answered with an error status; `code` is the machine code
    /// of its error body (`token_revoked`, `forbidden`…).
    #[error("server answered {status} {code}: {message}")]
    Status {
        status: u16,
        code: String,
        message: String,
    },
    /// Too many requests: try again after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    /// The answer could not be read.
    #[error("unreadable answer: {0}")]
    Decode(String),
}

/// The sync protocol's two calls. Every call carries the session's bearer
/// token (`""`: none). Futures are not `Send`: in the browser everything
/// runs on one thread.
#[allow(async_fn_in_trait)] // single-threaded (wasm); no Send bound wanted
pub trait Api {
    /// Sends local operations: `POST /api/v1/sync/push`. The answer has one
    /// result per operation, in the order sent.
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError>;

    /// Fetches the operations after `cursor` (`""`: from the start), at most
    /// `limit` of them: `GET /api/v1/sync/pull?after=…&device=…&limit=…`.
    async fn pull(
        &self,
        token: &str,
        cursor: &str,
        device: &str,
        limit: u32,
    ) -> Result<PullResponse, ApiError>;
}

impl<T: Api + ?Sized> Api for &T {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        (**self).push(token, request).await
    }

    async fn pull(
        &self,
        token: &str,
        cursor: &str,
        device: &str,
        limit: u32,
    ) -> Result<PullResponse, ApiError> {
        (**self).pull(token, cursor, device, limit).await
    }
}

impl<T: Api + ?Sized> Api for Rc<T> {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        (**self).push(token, request).await
    }

    async fn pull(
        &self,
        token: &str,
        cursor: &str,
        device: &str,
        limit: u32,
    ) -> Result<PullResponse, ApiError> {
        (**self).pull(token, cursor, device, limit).await
    }
}
