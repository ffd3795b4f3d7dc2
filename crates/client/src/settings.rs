//! The device settings the engine keeps in the store, by key.
//!
//! The keys are the ones the app has always used, so a device updated to
//! this engine keeps its identity, its clock and its queue's numbering.

use complaints_domain::store::ComplaintStore;
use complaints_domain::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use complaints_domain::store::{
    OUTBOX_SEQ_SETTING as OUTBOX_SEQ, SYNC_CURSOR_SETTING as SYNC_CURSOR,
};

/// This device's identity ([`crate::Device`]): made once, never changed.
pub const DEVICE: &str = "device";
/// The hybrid logical clock (its last stamp), kept across restarts so a
/// stamp is never issued twice nor goes backwards.
pub const CLOCK: &str = "hlc";
/// Server time minus device time, as last measured (ms): corrects a wrong
/// tablet clock, also offline.
pub const CLOCK_OFFSET: &str = "clock_offset_ms";
/// Set once complaints saved before sync existed have been given their
/// creation operations (see [`crate::Engine::open`]).
pub const ADOPTED_UNSYNCED: &str = "adopted_unsynced";

/// The engine's settings that belong to the device, not to a user: they
/// stay when another user's data is removed (the app adds its own, and the
/// case number counters `case_seq:…` stay too). The pull cursor is the
/// user's: it goes with their data.
pub const DEVICE_OWNED: &[&str] = &[DEVICE, CLOCK, CLOCK_OFFSET, ADOPTED_UNSYNCED, OUTBOX_SEQ];

/// Reads setting `key` as a `T`; `None` when absent or not a `T` (a damaged
/// setting is made again rather than stopping the app).
pub(crate) async fn read<T: DeserializeOwned>(
    store: &impl ComplaintStore,
    key: &str,
) -> Result<Option<T>, StoreError> {
    Ok(store
        .get_setting(key)
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Writes setting `key`.
pub(crate) async fn write<T: Serialize>(
    store: &impl ComplaintStore,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    let value = serde_json::to_value(value).map_err(|e| StoreError::Encode(e.to_string()))?;
    store.set_setting(key, value).await
}
