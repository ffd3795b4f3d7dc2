//! Photo files: a chunked, resumable upload and a download scoped like the
//! complaint.
//!
//! What a photo *is* (its SHA-256, size, thumbnail, caption, who took it)
//! syncs as a field of the complaint (`ph.<id>`, see
//! [`complaints_domain::model::Photo`]). The image travels on its own, so a
//! slow photo never holds back field sync:
//!
//! * `GET /api/v1/photos/uploads/{sha256}` → `{"have": n, "done": bool}`:
//!   how many bytes of that file the server holds for this user (`done`:
//!   the whole file is stored, by anyone). A tablet asks this first and
//!   sends from `have` — after a cut connection or a server restart it
//!   resumes where it stopped, never sending earlier chunks again.
//! * `PUT /api/v1/photos/uploads/{sha256}?offset=N&size=T`, body: at most
//!   [`CHUNK_BYTES`] bytes of the file from byte `N` of `T` →
//!   `{"have", "done"}`. `N` must be what the server has (else
//!   `409 upload_offset`: ask again); `T` at most [`MAX_PHOTO_BYTES`]. When
//!   the last byte arrives the server checks the SHA-256 of the whole file
//!   (`422 hash_mismatch`, the partial file is dropped) and stores it
//!   content-addressed under the data directory (`photos/ab/abcd…`). A file
//!   the server already has is answered `done` at once: a duplicate is ignored.
//! * `GET /api/v1/records/{record}/photos/{photo}` → the image, for a user
//!   who may see the complaint; anyone else gets the answer a photo that
//!   does not exist gets (`404 not_found`). A photo whose file has not
//!   arrived yet: `404 not_uploaded`.
//!
//! Partial files are kept per user (`photos/partial/<user>-<sha256>`), at
//! most [`MAX_OPEN_UPLOADS`] per user (`429 too_many_uploads`), so one
//! user's bytes never mix with another's.

use std::path::{Path, PathBuf};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use complaints_domain::model::{is_sha256_hex, CHUNK_BYTES, MAX_PHOTO_BYTES, PHOTO_TYPES};
use complaints_domain::sync::{RecordState, UploadState};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::auth::AuthUser;
use crate::extract::ApiQuery;
use crate::http::no_store;
use crate::{AppError, AppState};

/// The most uploads one user may have begun and not finished.
pub const MAX_OPEN_UPLOADS: usize = 40;

/// Where photo files live: `<data dir>/photos`.
#[derive(Debug)]
pub struct PhotoFiles {
    dir: PathBuf,
    /// Chunk writes and the final check, one at a time (each takes
    /// milliseconds): two requests for the same partial file never interleave.
    lock: tokio::sync::Mutex<()>,
}

impl PhotoFiles {
    pub fn new(dir: PathBuf) -> PhotoFiles {
        PhotoFiles {
            dir,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The stored file of `sha256` (content-addressed).
    pub fn stored(&self, sha256: &str) -> PathBuf {
        self.dir.join(&sha256[..2]).join(sha256)
    }

    fn partial_dir(&self) -> PathBuf {
        self.dir.join("partial")
    }

    fn partial(&self, user_id: i64, sha256: &str) -> PathBuf {
        self.partial_dir().join(format!("{user_id}-{sha256}"))
    }
}

impl Default for PhotoFiles {
    /// A directory of this process's own under the system's temporary
    /// directory (tests that never store a photo).
    fn default() -> PhotoFiles {
        PhotoFiles::new(std::env::temp_dir().join(format!(
            "complaints-photos-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        )))
    }
}

/// The photo routes, relative to `/api/v1`.
pub(crate) fn photo_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/photos/uploads/{sha256}",
            get(upload_status)
                .put(upload_chunk)
                .layer(DefaultBodyLimit::max(CHUNK_BYTES as usize)),
        )
        .route("/records/{record}/photos/{photo}", get(download))
}

#[derive(Deserialize)]
struct ChunkQuery {
    offset: u64,
    size: u64,
}

fn check_sha(sha256: &str) -> Result<(), AppError> {
    if is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "a photo is named by its SHA-256: 64 lower-case hex digits".into(),
        ))
    }
}

fn io_error(error: std::io::Error) -> AppError {
    if error.kind() == std::io::ErrorKind::StorageFull {
        AppError::StorageFull
    } else {
        AppError::Internal(format!("photo file: {error}"))
    }
}

async fn file_len(path: &Path) -> Result<Option<u64>, AppError> {
    match tokio::fs::metadata(path).await {
        Ok(meta) => Ok(Some(meta.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(e)),
    }
}

/// `GET /api/v1/photos/uploads/{sha256}`.
async fn upload_status(
    State(state): State<AppState>,
    auth: AuthUser,
    UrlPath(sha256): UrlPath<String>,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let files = &state.photos;
    let answer = if let Some(len) = file_len(&files.stored(&sha256)).await? {
        UploadState {
            have: len,
            done: true,
        }
    } else {
        let have = file_len(&files.partial(auth.id, &sha256))
            .await?
            .unwrap_or(0);
        UploadState { have, done: false }
    };
    Ok(no_store(Json(answer)))
}

/// `PUT /api/v1/photos/uploads/{sha256}?offset=N&size=T`.
async fn upload_chunk(
    State(state): State<AppState>,
    auth: AuthUser,
    UrlPath(sha256): UrlPath<String>,
    ApiQuery(q): ApiQuery<ChunkQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "a chunk is at most {CHUNK_BYTES} bytes: send the photo in parts"
        )),
        _ => AppError::BadRequest(rejection.body_text()),
    })?;
    if q.size == 0 || q.size > u64::from(MAX_PHOTO_BYTES) {
        return Err(AppError::PayloadTooLarge(format!(
            "a photo is 1 to {MAX_PHOTO_BYTES} bytes"
        )));
    }
    let end = q.offset.saturating_add(body.len() as u64);
    if end > q.size {
        return Err(AppError::BadRequest(
            "this chunk runs past the photo's size".into(),
        ));
    }
    if body.is_empty() && q.offset < q.size {
        return Err(AppError::BadRequest("an empty chunk".into()));
    }
    let files = &state.photos;
    let _guard = files.lock.lock().await;
    let stored = files.stored(&sha256);
    if let Some(len) = file_len(&stored).await? {
        // Already here (from this tablet before, or another): nothing to add.
        return Ok(no_store(Json(UploadState {
            have: len,
            done: true,
        })));
    }
    let partial = files.partial(auth.id, &sha256);
    let have = file_len(&partial).await?.unwrap_or(0);
    if have != q.offset {
        return Err(AppError::UploadOffset { have });
    }
    if have == 0 {
        tokio::fs::create_dir_all(files.partial_dir())
            .await
            .map_err(io_error)?;
        let prefix = format!("{}-", auth.id);
        let mut open = 0;
        let mut dir = tokio::fs::read_dir(files.partial_dir())
            .await
            .map_err(io_error)?;
        while let Some(entry) = dir.next_entry().await.map_err(io_error)? {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                open += 1;
            }
        }
        if open >= MAX_OPEN_UPLOADS {
            return Err(AppError::TooManyUploads);
        }
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&partial)
        .await
        .map_err(io_error)?;
    file.write_all(&body).await.map_err(io_error)?;
    file.sync_data().await.map_err(io_error)?;
    drop(file);
    if end < q.size {
        return Ok(no_store(Json(UploadState {
            have: end,
            done: false,
        })));
    }
    let bytes = tokio::fs::read(&partial).await.map_err(io_error)?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != sha256 {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(AppError::HashMismatch);
    }
    if let Some(parent) = stored.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    tokio::fs::rename(&partial, &stored)
        .await
        .map_err(io_error)?;
    tracing::info!(
        sha256,
        bytes = bytes.len(),
        user = auth.user.username,
        "photo stored"
    );
    Ok(no_store(Json(UploadState {
        have: end,
        done: true,
    })))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /api/v1/records/{record}/photos/{photo}`.
async fn download(
    State(state): State<AppState>,
    auth: AuthUser,
    UrlPath((record, photo)): UrlPath<(String, String)>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("no such photo".into());
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT branch, state FROM records WHERE id = $1")
            .bind(&record)
            .fetch_optional(&state.db)
            .await
            .map_err(AppError::from_db)?;
    let Some((branch, json)) = row else {
        return Err(not_found());
    };
    if !auth.scope.allows(&branch) {
        return Err(not_found());
    }
    let complaint = serde_json::from_str::<RecordState>(&json)
        .ok()
        .and_then(|s| s.materialize().ok())
        .ok_or_else(not_found)?;
    let Some(meta) = complaint
        .photos
        .iter()
        .find(|p| p.id == photo && p.deleted.is_none())
    else {
        return Err(not_found());
    };
    let mime = PHOTO_TYPES
        .iter()
        .find(|t| **t == meta.mime)
        .ok_or_else(not_found)?;
    let bytes = match tokio::fs::read(state.photos.stored(&meta.sha256)).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NotUploaded),
        Err(e) => return Err(io_error(e)),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // The tablet keeps it in IndexedDB; no shared cache may keep it at all.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
