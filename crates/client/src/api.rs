//! What the engine asks of the server, as a trait: the app implements it
//! over HTTP (its typed `api.rs`, the only place that talks HTTP), the tests
//! with a scripted fake. The two sync calls, and revoking a token a sign-out
//! could not revoke at the time; signing in and the risk configuration are
//! the app's own business (what a failed sign-in tells the user is here:
//! [`ApiError::sign_in_notice`]).

use std::rc::Rc;

use complaints_domain::session::SignInNotice;
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

impl ApiError {
    /// What the sign-in page says when signing in failed with this error.
    /// A `503 busy` (every password check of the server taken) reads like
    /// the rate limit: wait a moment, not a fault.
    pub fn sign_in_notice(&self) -> SignInNotice {
        match self {
            ApiError::Unreachable(_) => SignInNotice::Offline,
            ApiError::RateLimited(s) => SignInNotice::RateLimited { retry_after_s: *s },
            ApiError::Status { code, .. } if code == "bad_credentials" => {
                SignInNotice::BadCredentials
            }
            ApiError::Status {
                status: 503, code, ..
            } if code == "busy" => SignInNotice::Busy,
            ApiError::Status { code, .. } if code == "device_taken" => SignInNotice::DeviceTaken,
            ApiError::Status { status, .. } => SignInNotice::Server(*status),
            ApiError::Decode(_) => SignInNotice::Server(200),
        }
    }
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

    /// Revokes `token`: `POST /api/v1/auth/logout` with it as the bearer.
    async fn logout(&self, token: &str) -> Result<(), ApiError>;
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

    async fn logout(&self, token: &str) -> Result<(), ApiError> {
        (**self).logout(token).await
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

    async fn logout(&self, token: &str) -> Result<(), ApiError> {
        (**self).logout(token).await
    }
}
