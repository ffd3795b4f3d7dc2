//! The typed REST client: the only place in the app that talks HTTP. Every
//! call but sign-in carries the session's bearer token. [`HttpApi`] is the
//! sync engine's [`complaints_client::Api`] over it.

use complaints_domain::session::Session;
use complaints_domain::sync::{PullResponse, PushRequest, PushResponse, UploadState};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use complaints_client::ApiError;

/// The `401` code of a request from a device an administrator revoked: the
/// app removes the device's data (`AppState::device_revoked`).
pub const DEVICE_REVOKED_CODE: &str = "device_revoked";

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

/// The answer's body as text, or why the server refused (one function for
/// every call, so the error reading is in the app once).
async fn text_of(response: Response) -> Result<String, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .text()
            .await
            .map_err(|e| ApiError::Decode(e.to_string()));
    }
    if status == 429 {
        let wait = response.headers().get("retry-after");
        return Err(ApiError::RateLimited(
            wait.and_then(|s| s.trim().parse().ok()).unwrap_or(60),
        ));
    }
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

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = text_of(response).await?;
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}

fn authed(builder: RequestBuilder, token: &str) -> RequestBuilder {
    match token {
        "" => builder,
        token => builder.header("Authorization", &format!("Bearer {token}")),
    }
}

/// Sends a request, with the session's token when there is one.
async fn send(builder: RequestBuilder, token: &str) -> Result<Response, ApiError> {
    authed(builder, token)
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))
}

/// POSTs `body` as JSON and reads the answer.
async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: &str,
    body: &B,
) -> Result<T, ApiError> {
    let response = authed(Request::post(path), token)
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

/// Signs in: `POST /api/v1/auth/login` (the one call without a token).
/// Returns the session and the answer's text (kept as it is on the device).
pub async fn login(
    username: &str,
    password: &str,
    device: &str,
    device_key: &str,
) -> Result<(Session, String), ApiError> {
    // JSON strings through the value printer the app already has.
    let text = |s: &str| serde_json::Value::from(s).to_string();
    let body = format!(
        r#"{{"username":{},"password":{},"device":{},"device_key":{}}}"#,
        text(username),
        text(password),
        text(device),
        text(device_key)
    );
    let response = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    let text = text_of(response).await?;
    serde_json::from_str(&text)
        .ok()
        .as_ref()
        .and_then(Session::from_json)
        .map(|session| (session, text))
        .ok_or_else(|| ApiError::Decode("not a login answer".into()))
}

/// Ends the session on the server: `POST /api/v1/auth/logout`.
pub async fn logout(token: &str) -> Result<(), ApiError> {
    text_of(send(Request::post("/api/v1/auth/logout"), token).await?)
        .await
        .map(|_| ())
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/gzip.js")]
extern "C" {
    /// `text` gzipped by the browser (`Uint8Array`), or `null` where it cannot.
    #[wasm_bindgen(catch)]
    async fn gzip(text: &str) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

/// Below this many bytes a push goes as it is: gzip's header and the
/// `Content-Encoding` line would cost about what it saves.
const GZIP_FROM_BYTES: usize = 512;

/// Sends local operations: `POST /api/v1/sync/push`, gzipped when that
/// pays (a batch of 500 new complaints: ~600 KB of JSON, a tenth of it
/// gzipped; on a weak mobile uplink that is most of a push's time).
pub async fn push(token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
    let json = serde_json::to_string(request).map_err(|e| ApiError::Decode(e.to_string()))?;
    let compressed = if json.len() >= GZIP_FROM_BYTES {
        gzip(&json).await.ok().filter(|bytes| !bytes.is_null())
    } else {
        None
    };
    let builder = authed(Request::post("/api/v1/sync/push"), token)
        .header("content-type", "application/json");
    let request = match compressed {
        Some(bytes) => builder.header("content-encoding", "gzip").body(bytes),
        None => builder.body(json),
    }
    .map_err(|e| ApiError::Decode(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

/// Fetches the operations after `cursor`: `GET /api/v1/sync/pull`.
pub async fn pull(
    token: &str,
    cursor: &str,
    device: &str,
    limit: u32,
) -> Result<PullResponse, ApiError> {
    let limit = limit.to_string();
    let request = Request::get("/api/v1/sync/pull").query([
        ("after", cursor),
        ("device", device),
        ("limit", limit.as_str()),
    ]);
    read(send(request, token).await?).await
}

/// The risk rules' configuration: `GET /api/v1/config`.
pub async fn risk_config(token: &str) -> Result<complaints_domain::risk::RiskConfig, ApiError> {
    #[derive(Deserialize)]
    struct Config {
        risk: complaints_domain::risk::RiskConfig,
    }
    let response = send(Request::get("/api/v1/config"), token).await?;
    read::<Config>(response).await.map(|c| c.risk)
}

/// How much of a photo file the server has: `GET /api/v1/photos/uploads/{sha}`.
pub async fn upload_state(token: &str, sha256: &str) -> Result<UploadState, ApiError> {
    let path = format!("/api/v1/photos/uploads/{sha256}");
    read(send(Request::get(&path), token).await?).await
}

/// Sends bytes `offset…` of a photo file of `size` bytes:
/// `PUT /api/v1/photos/uploads/{sha}?offset=&size=`.
pub async fn upload_chunk(
    token: &str,
    sha256: &str,
    offset: u64,
    size: u32,
    chunk: &web_sys::Blob,
) -> Result<UploadState, ApiError> {
    let path = format!("/api/v1/photos/uploads/{sha256}?offset={offset}&size={size}");
    let response = authed(Request::put(&path), token)
        .header("content-type", "application/octet-stream")
        .body(wasm_bindgen::JsValue::from(chunk.clone()))
        .map_err(|e| ApiError::Decode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

/// A photo's image: `GET /api/v1/records/{record}/photos/{photo}`.
pub async fn download_photo(
    token: &str,
    record: &str,
    photo: &str,
) -> Result<web_sys::Blob, ApiError> {
    let path = format!("/api/v1/records/{record}/photos/{photo}");
    let response = send(Request::get(&path), token).await?;
    if !response.ok() {
        return Err(text_of(response)
            .await
            .err()
            .unwrap_or(ApiError::Decode("no image".into())));
    }
    let kind = response.headers().get("content-type").unwrap_or_default();
    let bytes = response
        .binary()
        .await
        .map_err(|_| ApiError::Unreachable("the image did not arrive whole".into()))?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&kind);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| ApiError::Decode("no image".into()))
}

/// The server as the sync engine sees it: push and pull over HTTP, and
/// revoking a token an offline sign-out left.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpApi;

impl complaints_client::Api for HttpApi {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        push(token, request).await
    }

    async fn pull(
        &self,
        token: &str,
        cursor: &str,
        device: &str,
        limit: u32,
    ) -> Result<PullResponse, ApiError> {
        pull(token, cursor, device, limit).await
    }

    async fn logout(&self, token: &str) -> Result<(), ApiError> {
        logout(token).await
    }
}

// ---------------------------------------------------------------------------
// The admin page (`/api/v1/admin/...`): online only.

/// A user as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AdminUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub branch_code: Option<String>,
    pub region_code: Option<String>,
    pub disabled: bool,
    pub devices: Vec<AdminDevice>,
}

/// A device a user signed in on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AdminDevice {
    pub device: String,
    pub last_contact: Option<String>,
    pub revoked: bool,
}

/// A region or a branch (a branch has its region).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Place {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub region_code: Option<String>,
}

/// The regions and branches the admin page may use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Network {
    pub regions: Vec<Place>,
    pub branches: Vec<Place>,
}

/// The users in the caller's reach: `GET /api/v1/admin/users`.
pub async fn admin_users(token: &str) -> Result<Vec<AdminUser>, ApiError> {
    #[derive(Deserialize)]
    struct Users {
        users: Vec<AdminUser>,
    }
    let response = send(Request::get("/api/v1/admin/users"), token).await?;
    read::<Users>(response).await.map(|u| u.users)
}

/// The regions and branches in reach: `GET /api/v1/admin/network`.
pub async fn admin_network(token: &str) -> Result<Network, ApiError> {
    read(send(Request::get("/api/v1/admin/network"), token).await?).await
}

#[derive(Deserialize)]
struct Password {
    password: String,
}

/// Adds a user; answers their password (shown once).
pub async fn admin_add_user(token: &str, user: &serde_json::Value) -> Result<String, ApiError> {
    post::<_, Password>("/api/v1/admin/users", token, user)
        .await
        .map(|p| p.password)
}

/// Changes a user: `PATCH /api/v1/admin/users/{username}` with `changes`.
pub async fn admin_edit_user(
    token: &str,
    username: &str,
    changes: &serde_json::Value,
) -> Result<(), ApiError> {
    let path = format!("/api/v1/admin/users/{}", escape(username));
    let response = authed(Request::patch(&path), token)
        .json(changes)
        .map_err(|e| ApiError::Decode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    text_of(response).await.map(|_| ())
}

/// A new password for `username` (shown once).
pub async fn admin_new_password(token: &str, username: &str) -> Result<String, ApiError> {
    let path = format!("/api/v1/admin/users/{}/password", escape(username));
    read::<Password>(send(Request::post(&path), token).await?)
        .await
        .map(|p| p.password)
}

/// Adds a region (`branch: false`) or a branch.
pub async fn admin_add_place(
    token: &str,
    branch: bool,
    place: &serde_json::Value,
) -> Result<(), ApiError> {
    let path = if branch {
        "/api/v1/admin/branches"
    } else {
        "/api/v1/admin/regions"
    };
    post::<_, serde_json::Value>(path, token, place)
        .await
        .map(|_| ())
}

/// Revokes a device: `POST /api/v1/admin/devices/{device}/revoke`.
pub async fn admin_revoke_device(token: &str, device: &str) -> Result<(), ApiError> {
    let path = format!("/api/v1/admin/devices/{}/revoke", escape(device));
    text_of(send(Request::post(&path), token).await?)
        .await
        .map(|_| ())
}

/// `text` as one path segment.
fn escape(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}
