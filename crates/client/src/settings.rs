//! The device settings the engine keeps in the store, by key, and how any
//! setting is read so that a damaged one never stops the app.
//!
//! The keys are the ones the app has always used, so a device updated to
//! this engine keeps its identity, its clock and its queue's numbering.

use complaints_domain::store::ComplaintStore;
use complaints_domain::sync::Hlc;
use complaints_domain::StoreError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use complaints_domain::store::{
    OUTBOX_SEQ_SETTING as OUTBOX_SEQ, SYNC_CURSOR_SETTING as SYNC_CURSOR,
};

/// This device's identity ([`crate::Device`]): made once, never changed.
pub const DEVICE: &str = "device";
/// The device's clock (`{"last": <stamp>, "seen_ms": <ms>}`): the hybrid
/// logical clock's last stamp, kept across restarts so a stamp is never
/// issued twice nor goes backwards, and the latest time the device has seen
/// ([`crate::Engine::seen_ms`]).
pub const CLOCK: &str = "hlc";
/// Server time minus device time, as last measured (ms): corrects a wrong
/// tablet clock, also offline.
pub const CLOCK_OFFSET: &str = "clock_offset_ms";
/// Set once complaints saved before sync existed have been given their
/// creation operations (see [`crate::Engine::open`]).
pub const ADOPTED_UNSYNCED: &str = "adopted_unsynced";
/// Tokens of sessions signed out while the server could not be told: each
/// is revoked at the next contact, then forgotten
/// ([`crate::Engine::revoke_pending`]).
pub const REVOKE_TOKENS: &str = "revoke_tokens";

/// The engine's settings that belong to the device, not to a user: they
/// stay when another user's data is removed (the app adds its own, and the
/// case number counters `case_seq:…` stay too). The pull cursor is the
/// user's: it goes with their data.
pub const DEVICE_OWNED: &[&str] = &[
    DEVICE,
    CLOCK,
    CLOCK_OFFSET,
    ADOPTED_UNSYNCED,
    OUTBOX_SEQ,
    REVOKE_TOKENS,
];

/// The device's clock as kept under [`CLOCK`]. A clock kept by an earlier
/// version (`{"last": …}` only) reads with no high-water mark yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptClock {
    /// The hybrid logical clock's last stamp, issued or seen.
    pub last: Hlc,
    /// The latest wall time the device has seen (ms since the epoch): its
    /// own clock's readings, corrected by the server's, and the server's
    /// times; never a stamp received from another device. A session's
    /// offline expiry is judged against it, so a clock set back does not
    /// bring an expired session back.
    #[serde(default)]
    pub seen_ms: i64,
}

/// Reads setting `key` as JSON. `Ok(None)` when it is absent or `null`;
/// when it is stored but unreadable (not JSON), `Ok(None)` too, and `key`
/// goes into `skipped`: the caller falls back to the default and the app
/// says so, rather than not starting. Only a failing store is an error.
pub async fn read_value(
    store: &impl ComplaintStore,
    key: &str,
    skipped: &mut Vec<String>,
) -> Result<Option<serde_json::Value>, StoreError> {
    match store.get_setting(key).await {
        Ok(Some(serde_json::Value::Null)) | Ok(None) => Ok(None),
        Ok(Some(value)) => Ok(Some(value)),
        Err(StoreError::Corrupt { .. }) => {
            skipped.push(key.to_string());
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Reads setting `key` as a `T`, like [`read_value`]; a value that is JSON
/// but not a `T` is skipped the same way.
pub async fn read<T: DeserializeOwned>(
    store: &impl ComplaintStore,
    key: &str,
    skipped: &mut Vec<String>,
) -> Result<Option<T>, StoreError> {
    let Some(value) = read_value(store, key, skipped).await? else {
        return Ok(None);
    };
    // Through the JSON text rather than `from_value`: the app already has
    // the text parser for these types, and `from_value` would add a second
    // deserializer (~5 KB of wasm) for the few settings alone.
    match serde_json::from_str(&value.to_string()) {
        Ok(v) => Ok(Some(v)),
        Err(_) => {
            skipped.push(key.to_string());
            Ok(None)
        }
    }
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

/// The tokens waiting to be revoked (an unreadable list reads as none: at
/// worst a token then simply expires on the server).
pub(crate) async fn revoke_tokens(store: &impl ComplaintStore) -> Result<Vec<String>, StoreError> {
    Ok(read(store, REVOKE_TOKENS, &mut Vec::new())
        .await?
        .unwrap_or_default())
}

/// Adds `token` to the tokens to revoke at the next contact with the server
/// ([`REVOKE_TOKENS`]). The app calls it on a fresh store after signing out
/// offline (signing out deletes the database, the engine with it).
pub async fn revoke_later(store: &impl ComplaintStore, token: &str) -> Result<(), StoreError> {
    let mut tokens = revoke_tokens(store).await?;
    if !token.is_empty() && !tokens.iter().any(|t| t == token) {
        tokens.push(token.to_string());
    }
    write(store, REVOKE_TOKENS, &tokens).await
}
