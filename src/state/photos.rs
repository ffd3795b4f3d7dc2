//! Evidence: adding photos (kept with their upload queued, then named on
//! the complaint), their own upload loop, opening a photo (from the device,
//! else downloaded once and kept), signatures and positions.
//!
//! The photo upload runs beside field sync, never inside it: field sync
//! neither waits for a photo nor is held back by one, and a photo's field
//! reaches other tablets at the next sync, whatever its upload is doing.
//! Each upload asks the server how much it has and sends the rest in
//! chunks of [`CHUNK_BYTES`]: a cut connection or a restarted server costs
//! at most one chunk.

use std::collections::BTreeMap;
use std::time::Duration;

use complaints_domain::handling::HandlingError;
use complaints_domain::model::{Deletion, Photo, Position, Signature, CHUNK_BYTES};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{AppState, SaveError};
use crate::api::{self, ApiError};
use crate::i18n::Text;
use crate::media::{self, Prepared};
use crate::platform;
use crate::store::PhotoUpload;

/// The photo upload queue as the screens show it.
#[derive(Clone, Copy)]
pub struct PhotoQueue {
    /// Photo id → (bytes the server has, the photo's size), while uploading.
    pub progress: RwSignal<BTreeMap<String, (u64, u32)>>,
    /// Photo ids still to upload.
    pub waiting: RwSignal<Vec<String>>,
    /// Why the last upload stopped, when it did.
    pub problem: RwSignal<Option<String>>,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    failures: StoredValue<u32>,
}

impl Default for PhotoQueue {
    fn default() -> PhotoQueue {
        PhotoQueue {
            progress: RwSignal::new(BTreeMap::new()),
            waiting: RwSignal::new(Vec::new()),
            problem: RwSignal::new(None),
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            failures: StoredValue::new(0),
        }
    }
}

/// Why a photo was not added. Nothing was written in any case; the
/// complaint is as it was.
#[derive(Debug, Clone)]
pub enum PhotoError {
    Media(media::MediaError),
    Save(SaveError),
}

impl PhotoError {
    pub fn message(&self, lang: complaints_domain::Lang) -> String {
        match self {
            PhotoError::Media(e) => e.message(lang),
            PhotoError::Save(e) if e.is_storage_full() => Text::PhotoStorageFull.get(lang).into(),
            PhotoError::Save(e) => e.message(lang),
        }
    }
}

fn invalid(detail: String) -> HandlingError {
    platform::log_error("evidence refused", &detail);
    HandlingError::Invalid("内容不符合要求", "Not accepted")
}

impl AppState {
    /// A new id for a photo, signature or position (a UUID: lower-case hex
    /// and dashes, as their keys need).
    fn evidence_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// Prepares `file`, keeps it with its upload queued, then names it on
    /// complaint `record`: one operation, synced like any change.
    pub async fn add_photo(
        &self,
        record: &str,
        file: web_sys::Blob,
        caption: String,
    ) -> Result<(), PhotoError> {
        let store = self
            .store_handle()
            .ok_or(PhotoError::Save(SaveError::NotReady))?;
        let Prepared {
            blob,
            mime,
            bytes,
            width,
            height,
            thumb,
            sha256,
        } = media::prepare_photo(&file)
            .await
            .map_err(PhotoError::Media)?;
        let photo_id = Self::evidence_id();
        let upload = PhotoUpload {
            photo: photo_id.clone(),
            record: record.to_string(),
            sha256: sha256.clone(),
            bytes,
        };
        store
            .save_photo_file(&blob, &upload)
            .await
            .map_err(|e| PhotoError::Save(e.into()))?;
        let id = photo_id.clone();
        let saved = self
            .handle(
                record,
                Box::new(move |c, actor, _entry, now| {
                    let photo = Photo {
                        id,
                        sha256,
                        bytes,
                        mime,
                        width,
                        height,
                        thumb,
                        caption: caption.trim().to_string(),
                        by: actor.name,
                        dev: actor.device,
                        at: now,
                        deleted: None,
                    };
                    photo.check().map_err(invalid)?;
                    let mut c = c.clone();
                    c.photos.push(photo);
                    Ok(c)
                }),
            )
            .await;
        if let Err(e) = saved {
            // Not named on the complaint: the image goes too.
            let _ = store.drop_photo_file(&photo_id).await;
            return Err(PhotoError::Save(e));
        }
        self.refresh_uploads().await;
        spawn_local(self.upload_photos());
        Ok(())
    }

    /// Changes a photo's caption.
    pub async fn caption_photo(
        &self,
        record: &str,
        photo: &str,
        caption: String,
    ) -> Result<(), SaveError> {
        let photo = photo.to_string();
        self.handle(
            record,
            Box::new(move |c, _actor, _entry, _now| {
                let mut c = c.clone();
                let p = c
                    .photos
                    .iter_mut()
                    .find(|p| p.id == photo)
                    .ok_or(HandlingError::Unchanged)?;
                p.caption = caption.trim().to_string();
                p.check().map_err(invalid)?;
                Ok(c)
            }),
        )
        .await
        .map(|_| ())
    }

    /// Deletes a photo: a tombstone with who and when, synced; its image
    /// leaves this device, and its upload the queue.
    pub async fn delete_photo(&self, record: &str, photo: &str) -> Result<(), SaveError> {
        let id = photo.to_string();
        self.handle(
            record,
            Box::new(move |c, actor, _entry, now| {
                let mut c = c.clone();
                let p = c
                    .photos
                    .iter_mut()
                    .find(|p| p.id == id && p.deleted.is_none())
                    .ok_or(HandlingError::Unchanged)?;
                p.deleted = Some(Deletion {
                    by: actor.name,
                    at: now,
                });
                Ok(c)
            }),
        )
        .await?;
        if let Some(store) = self.store_handle() {
            let _ = store.drop_photo_file(photo).await;
        }
        self.refresh_uploads().await;
        Ok(())
    }

    /// Records the customer's signature under `text` (supersedes any earlier one).
    pub async fn sign(
        &self,
        record: &str,
        strokes: Vec<String>,
        aspect: (u16, u16),
        text: String,
        signer: String,
    ) -> Result<(), SaveError> {
        self.handle(
            record,
            Box::new(move |c, actor, _entry, now| {
                let signature = Signature {
                    id: Self::evidence_id(),
                    strokes,
                    aspect,
                    text: text.trim().to_string(),
                    signer: signer.trim().to_string(),
                    by: actor.name,
                    dev: actor.device,
                    at: now,
                };
                signature.check().map_err(invalid)?;
                let mut c = c.clone();
                c.signatures.push(signature);
                Ok(c)
            }),
        )
        .await
        .map(|_| ())
    }

    /// Records where the device is, as the location service said.
    pub async fn record_position(&self, record: &str, fix: media::Fix) -> Result<(), SaveError> {
        self.handle(
            record,
            Box::new(move |c, actor, _entry, now| {
                let at = chrono::DateTime::from_timestamp_millis(fix.at_ms as i64)
                    .filter(|t| *t <= now)
                    .unwrap_or(now);
                let position = Position {
                    id: Self::evidence_id(),
                    lat: fix.lat,
                    lon: fix.lon,
                    accuracy_m: fix.accuracy_m,
                    at,
                    by: actor.name,
                    dev: actor.device,
                };
                position.check().map_err(invalid)?;
                let mut c = c.clone();
                c.positions.push(position);
                Ok(c)
            }),
        )
        .await
        .map(|_| ())
    }

    /// An address to show photo `photo` of `record` at: from this device,
    /// else downloaded (and kept, so it opens offline next time).
    pub async fn photo_url(&self, record: &str, photo: &str) -> Result<String, String> {
        let lang = self.lang.get_untracked();
        let store = self
            .store_handle()
            .ok_or_else(|| Text::Loading.get(lang).to_string())?;
        if let Ok(Some(blob)) = store.photo_file(photo).await {
            return media::object_url(&blob).ok_or_else(|| Text::PhotoFailed.get(lang).into());
        }
        let token = self.token().unwrap_or_default();
        match api::download_photo(&token, record, photo).await {
            Ok(blob) => {
                if let Err(e) = store.keep_photo_file(photo, &blob).await {
                    platform::log_error("a downloaded photo was not kept", &e.to_string());
                }
                media::object_url(&blob).ok_or_else(|| Text::PhotoFailed.get(lang).into())
            }
            Err(ApiError::Unreachable(_)) => Err(Text::PhotoOffline.get(lang).into()),
            Err(ApiError::Status { code, .. }) if code == "not_uploaded" => {
                Err(Text::PhotoNotUploaded.get(lang).into())
            }
            Err(e) => {
                platform::log_error("photo download failed", &e.to_string());
                Err(Text::PhotoFailed.get(lang).into())
            }
        }
    }

    /// Re-reads which photos wait to upload.
    pub async fn refresh_uploads(&self) {
        let Some(store) = self.store_handle() else {
            return;
        };
        match store.photo_uploads().await {
            Ok(list) => self
                .photos
                .waiting
                .set(list.into_iter().map(|u| u.photo).collect()),
            Err(e) => platform::log_error("photo uploads unreadable", &e.to_string()),
        }
    }

    /// Uploads every queued photo, one after another; after a failure it
    /// tries again later (5 s, doubling to 5 min). Runs once at a time.
    pub async fn upload_photos(self) {
        let queue = self.photos;
        if queue.running.get_value() {
            queue.again.set_value(true);
            return;
        }
        if !self.session_valid() || !self.online.get_untracked() {
            return;
        }
        let (Some(store), Some(token)) = (self.store_handle(), self.token()) else {
            return;
        };
        queue.running.set_value(true);
        let uploads = store.photo_uploads().await.unwrap_or_default();
        let mut failed = false;
        for upload in uploads {
            match self.upload_one(&store, &token, &upload).await {
                Ok(()) => {
                    if let Err(e) = store.photo_uploaded(&upload.photo).await {
                        platform::log_error("photo upload not recorded", &e.to_string());
                    }
                }
                Err(e) => {
                    platform::log_error("photo upload stopped", &e);
                    queue.problem.set(Some(e));
                    failed = true;
                    break;
                }
            }
            queue.progress.update(|p| {
                p.remove(&upload.photo);
            });
        }
        queue.running.set_value(false);
        self.refresh_uploads().await;
        if failed {
            let n = queue.failures.get_value().min(6);
            queue.failures.set_value(n + 1);
            let wait = Duration::from_secs(5 << n);
            set_timeout(move || spawn_local(self.upload_photos()), wait);
        } else {
            queue.failures.set_value(0);
            queue.problem.set(None);
            if queue.again.get_value() {
                queue.again.set_value(false);
                spawn_local(self.upload_photos());
            }
        }
    }

    async fn upload_one(
        &self,
        store: &crate::store::IdbStore,
        token: &str,
        upload: &PhotoUpload,
    ) -> Result<(), String> {
        let Some(blob) = store
            .photo_file(&upload.photo)
            .await
            .map_err(|e| e.to_string())?
        else {
            // The image is gone (deleted here): nothing to send.
            return Ok(());
        };
        let size = upload.bytes;
        let mut state = api::upload_state(token, &upload.sha256)
            .await
            .map_err(|e| e.to_string())?;
        let progress = self.photos.progress;
        while !state.done {
            progress.update(|p| {
                p.insert(upload.photo.clone(), (state.have, size));
            });
            let end = (state.have + u64::from(CHUNK_BYTES)).min(u64::from(size));
            let chunk = blob
                .slice_with_f64_and_f64(state.have as f64, end as f64)
                .map_err(|_| "the photo could not be read".to_string())?;
            state = match api::upload_chunk(token, &upload.sha256, state.have, size, &chunk).await {
                Ok(next) => next,
                // The server has another offset (a chunk whose answer was lost): ask.
                Err(ApiError::Status { code, .. }) if code == "upload_offset" => {
                    api::upload_state(token, &upload.sha256)
                        .await
                        .map_err(|e| e.to_string())?
                }
                Err(e) => return Err(e.to_string()),
            };
        }
        Ok(())
    }
}
