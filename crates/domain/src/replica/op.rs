//! Operations: what one device changed in one complaint, field by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::hlc::Hlc;
use crate::field::Field;
use crate::model::{is_entry_id, Complaint, PHOTO_PREFIX, POSITION_PREFIX, SIGNATURE_PREFIX};

/// Fields a sync operation may set: every [`Field`] plus the creation facts.
/// (`id` is the record itself; `updated_at` is derived from the stamps.)
pub const CREATED_AT: &str = "created_at";
pub const CREATED_ON_DEVICE: &str = "created_on_device";

/// The key prefix of a timeline entry: `tl.<entry id>` (set once, never changed).
pub const TIMELINE_PREFIX: &str = "tl.";
/// The key prefix of one of the eight steps: `step.<1–8>` (a tick, or `null`).
pub const STEP_PREFIX: &str = "step.";

/// Whether `key` names a field an operation may set.
pub fn is_syncable_field(key: &str) -> bool {
    if let Some(id) = key.strip_prefix(TIMELINE_PREFIX) {
        return is_entry_id(id);
    }
    if let Some(n) = key.strip_prefix(STEP_PREFIX) {
        return matches!(n, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8");
    }
    if let Some(id) = evidence_id(key) {
        return is_entry_id(id);
    }
    key == CREATED_AT || key == CREATED_ON_DEVICE || Field::from_key(key).is_some()
}

/// The id in a photo's, signature's or position's key (`ph.`, `sig.`, `loc.`).
pub fn evidence_id(key: &str) -> Option<&str> {
    key.strip_prefix(PHOTO_PREFIX)
        .or_else(|| key.strip_prefix(SIGNATURE_PREFIX))
        .or_else(|| key.strip_prefix(POSITION_PREFIX))
}

/// One device's change to one complaint, made in one save: the new value of
/// each changed field, all stamped with one HLC.
///
/// `base` says, for each changed field, which versions the device had seen
/// (the field's heads when the user edited it): that is how a later edit is
/// told apart from a concurrent one, independently of clocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Unique id of the operation (16 characters, 80 random bits).
    pub id: String,
    /// The complaint's id.
    #[serde(rename = "rec")]
    pub record: String,
    pub hlc: Hlc,
    #[serde(rename = "dev")]
    pub device: String,
    /// The signed-in user who made it. The server sets it from the pushing
    /// request's token (whatever the device sent), so every operation in the
    /// log says who made it; devices set it on their own operations too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// When the server accepted it (RFC 3339, UTC): set by the server like
    /// `user`, so the user and the receipt time of every timeline entry and
    /// tick (each set by its own operation) are the server's word, beside the
    /// device's own times in the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// Field key → new value, as the field appears in a complaint's JSON.
    pub set: BTreeMap<String, serde_json::Value>,
    /// Field key → ids of the versions the device had seen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, Vec<String>>,
}

const OP_ID_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// An operation id from 10 random bytes (the caller supplies the randomness:
/// this crate does no I/O).
pub fn op_id_from_bytes(bytes: [u8; 10]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    (0..16)
        .rev()
        .map(|i| OP_ID_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// Every field of a complaint as an operation sets it when the complaint is
/// created (all but `id` and the derived `updated_at`). The timeline and the
/// steps are spread out, one key per entry and per ticked step, so that
/// devices adding entries or ticking steps concurrently never touch the same key.
pub fn complaint_fields(c: &Complaint) -> BTreeMap<String, serde_json::Value> {
    // Through the JSON text rather than `to_value`: the app already has the
    // complaint's text serializer and the Value parser; `to_value` would add
    // a third copy of Complaint's Serialize (~6 KB of wasm).
    let text = serde_json::to_string(c).unwrap_or_default();
    let serde_json::Value::Object(map) = serde_json::from_str(&text).unwrap_or_default() else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for (key, value) in map {
        match (key.as_str(), value) {
            ("id" | "updated_at", _) => {}
            ("timeline", serde_json::Value::Array(entries)) => {
                for entry in entries {
                    if let Some(id) = entry.get("id").and_then(|v| v.as_str()) {
                        out.insert(format!("{TIMELINE_PREFIX}{id}"), entry.clone());
                    }
                }
            }
            (list @ ("photos" | "signatures" | "positions"), serde_json::Value::Array(items)) => {
                let prefix = match list {
                    "photos" => PHOTO_PREFIX,
                    "signatures" => SIGNATURE_PREFIX,
                    _ => POSITION_PREFIX,
                };
                for item in items {
                    if let Some(id) = item.get("id").and_then(|v| v.as_str()) {
                        out.insert(format!("{prefix}{id}"), item.clone());
                    }
                }
            }
            ("steps", serde_json::Value::Object(steps)) => {
                for (n, tick) in steps {
                    out.insert(format!("{STEP_PREFIX}{n}"), tick);
                }
            }
            (_, value) => {
                out.insert(key, value);
            }
        }
    }
    out
}

/// The fields whose values differ between two versions of a complaint, with
/// their new values; a step no longer ticked is set to `null`.
pub fn changed_fields(
    before: &Complaint,
    after: &Complaint,
) -> BTreeMap<String, serde_json::Value> {
    let old = complaint_fields(before);
    let new = complaint_fields(after);
    let gone = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .map(|k| (k.clone(), serde_json::Value::Null))
        .collect::<Vec<_>>();
    crate::sort::map_of(
        new.into_iter()
            .filter(|(k, v)| old.get(k) != Some(v))
            .chain(gone),
    )
}
