//! Photo images on the device and their upload queue.
//!
//! An image is kept as a `Blob` (not JSON text: it is bytes, and IndexedDB
//! stores blobs without copying them through JavaScript strings). A photo
//! taken here is written with its upload entry in one transaction, before
//! the photo's field is saved on the complaint: a photo the complaint names
//! always has its image here, and a full device refuses the photo alone.

use indexed_db_futures::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use super::schema::{PHOTO_FILES, PHOTO_UPLOADS};
use super::{backend, commit, decode, run, to_json, IdbStore};
use complaints_domain::StoreError;

/// A photo waiting to be uploaded: what the upload needs besides the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoUpload {
    pub photo: String,
    pub record: String,
    pub sha256: String,
    pub bytes: u32,
}

impl IdbStore {
    /// Keeps a photo taken here and queues its upload, in one transaction.
    pub async fn save_photo_file(
        &self,
        blob: &web_sys::Blob,
        upload: &PhotoUpload,
    ) -> Result<(), StoreError> {
        let tx = self.writing([PHOTO_FILES, PHOTO_UPLOADS])?;
        let files = tx.object_store(PHOTO_FILES).map_err(backend)?;
        run(files
            .put(JsValue::from(blob.clone()))
            .with_key(upload.photo.as_str()))
        .await?;
        let queue = tx.object_store(PHOTO_UPLOADS).map_err(backend)?;
        run(queue.put(to_json(upload)?).with_key(upload.photo.as_str())).await?;
        commit(tx).await
    }

    /// Keeps an image downloaded from the server (it opens offline afterwards).
    pub async fn keep_photo_file(
        &self,
        photo: &str,
        blob: &web_sys::Blob,
    ) -> Result<(), StoreError> {
        self.put_value(PHOTO_FILES, photo, JsValue::from(blob.clone()))
            .await
    }

    /// The image of `photo`, when this device has it.
    pub async fn photo_file(&self, photo: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        Ok(self
            .get_value(PHOTO_FILES, photo)
            .await?
            .and_then(|v| v.dyn_into::<web_sys::Blob>().ok()))
    }

    /// Forgets a photo's image and its upload (a photo that was never saved
    /// on its complaint, or was deleted before it uploaded).
    pub async fn drop_photo_file(&self, photo: &str) -> Result<(), StoreError> {
        let tx = self.writing([PHOTO_FILES, PHOTO_UPLOADS])?;
        for store in [PHOTO_FILES, PHOTO_UPLOADS] {
            let os = tx.object_store(store).map_err(backend)?;
            run(os.delete(photo)).await?;
        }
        commit(tx).await
    }

    /// The photos waiting to upload; an unreadable entry is reported and skipped.
    pub async fn photo_uploads(&self) -> Result<Vec<PhotoUpload>, StoreError> {
        let tx = self
            .db
            .transaction(PHOTO_UPLOADS)
            .build()
            .map_err(backend)?;
        let os = tx.object_store(PHOTO_UPLOADS).map_err(backend)?;
        let values: Vec<JsValue> = run(os.get_all::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let mut out = Vec::with_capacity(values.len());
        for value in &values {
            match decode::<PhotoUpload>("photo upload", value) {
                Ok(upload) => out.push(upload),
                Err(e) => {
                    crate::platform::log_error("skipped an unreadable photo upload", &e.to_string())
                }
            }
        }
        Ok(out)
    }

    /// The photo reached the server: it leaves the queue (the image stays).
    pub async fn photo_uploaded(&self, photo: &str) -> Result<(), StoreError> {
        self.delete_value(PHOTO_UPLOADS, photo).await
    }
}
