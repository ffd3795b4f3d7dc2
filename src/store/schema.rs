//! The IndexedDB schema, versioned with one explicit upgrade step per version.
//!
//! A step that has shipped is never edited: a change to the schema is a new
//! [`Version`] with its own step, so a device that skipped versions runs every
//! step it missed, in order.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;

/// Object store of complaints: key = complaint id, value = the record as JSON text.
pub const COMPLAINTS: &str = "complaints";
/// Object store of form drafts: key = draft key, value = the form as JSON text.
pub const DRAFTS: &str = "drafts";
/// Object store of device settings and counters: key = name, value = JSON text.
pub const SETTINGS: &str = "settings";
/// Object store of records' sync states: key = complaint id, value = JSON text.
pub const RECORD_STATES: &str = "record_states";
/// Object store of local operations not yet accepted by the server, up to
/// schema version 3: key = op id, value = the outbox entry as JSON text.
/// Entries found here are moved to [`OUTBOX_QUEUE`] when the store opens.
pub const OUTBOX: &str = "outbox";
/// Object store of local operations not yet accepted by the server (the
/// outbox), from version 4: key = the entry's number, zero-padded to 20
/// digits, `:` and the op id (keys sort as the numbers do), value = the
/// outbox entry as JSON text. A push batch's entries lie next to each other,
/// so settling it is a few range deletes, where deleting 500 keys one by one
/// took ~100 ms of IndexedDB's time per batch.
pub const OUTBOX_QUEUE: &str = "outbox_queue";
/// Object store of photo images kept on the device (taken here, or
/// downloaded once opened): key = photo id, value = the image `Blob`.
pub const PHOTO_FILES: &str = "photo_files";
/// Object store of photos still to upload, the photo upload queue (apart
/// from the outbox: a slow photo never holds back field sync): key = photo
/// id, value = [`crate::store::PhotoUpload`] as JSON text.
pub const PHOTO_UPLOADS: &str = "photo_uploads";

/// Every schema version, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// Complaints, drafts and settings, each with out-of-line string keys.
    V1 = 1,
    /// Sync: records' sync states and the outbox.
    V2 = 2,
    /// Evidence: photo images and their upload queue.
    V3 = 3,
    /// The outbox keyed by its numbers ([`OUTBOX_QUEUE`]).
    V4 = 4,
}

impl Version {
    pub const ALL: [Version; 4] = [Version::V1, Version::V2, Version::V3, Version::V4];
    pub const CURRENT: Version = Version::V4;

    pub fn number(self) -> u32 {
        self as u32
    }

    /// Applies this version's step to a database at the previous version.
    fn upgrade(self, db: &Database) -> indexed_db_futures::Result<()> {
        match self {
            Version::V1 => {
                db.create_object_store(COMPLAINTS).build()?;
                db.create_object_store(DRAFTS).build()?;
                db.create_object_store(SETTINGS).build()?;
            }
            Version::V2 => {
                db.create_object_store(RECORD_STATES).build()?;
                db.create_object_store(OUTBOX).build()?;
            }
            Version::V3 => {
                db.create_object_store(PHOTO_FILES).build()?;
                db.create_object_store(PHOTO_UPLOADS).build()?;
            }
            Version::V4 => {
                db.create_object_store(OUTBOX_QUEUE).build()?;
            }
        }
        Ok(())
    }
}

/// Runs every step after `old_version`, in order (inside `upgradeneeded`).
pub fn upgrade(db: &Database, old_version: u32) -> indexed_db_futures::Result<()> {
    for version in Version::ALL {
        if version.number() > old_version {
            version.upgrade(db)?;
        }
    }
    Ok(())
}
