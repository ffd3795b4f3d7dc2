//! The one merge rule, used by every device and by the server.
//!
//! A record's sync state is, per field, the set of versions (operation id,
//! value, and the versions that operation had seen). From that set:
//! - the **heads** are the versions no other version has seen;
//! - the field's value is the head with the greatest (HLC, device, op id);
//! - more than one head means two devices changed the field concurrently: a
//!   **conflict**, whose other values are kept and shown, never dropped;
//! - every other version is **history**.
//!
//! All of this is a function of the *set* of operations received, so it does
//! not matter in which order, or how many times, operations arrive: merging
//! is commutative, associative and idempotent, and every replica that has
//! received the same operations holds the same record. Because a device's
//! HLC observes every stamp it receives, an edit made after seeing another
//! always carries the greater stamp, so the newest head is also the newest
//! causally — a wrong tablet clock cannot make an old value win over a newer
//! edit that saw it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hlc::Hlc;
use super::op::{Op, STEP_PREFIX, TIMELINE_PREFIX};
use crate::model::{sort_timeline, Complaint, PHOTO_PREFIX, POSITION_PREFIX, SIGNATURE_PREFIX};
use crate::sort::sort_by_cached_key;

/// Who made an operation, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpMeta {
    pub hlc: Hlc,
    #[serde(rename = "dev")]
    pub device: String,
    /// The user who made it (see [`Op::user`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// When the server accepted it (see [`Op::received`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
}

/// One value a field has had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub op: String,
    #[serde(rename = "v")]
    pub value: serde_json::Value,
    /// The versions (op ids) the operation had seen for this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base: Vec<String>,
}

/// The versions of one field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldState {
    /// Versions no other version has seen, newest first: the first is the value.
    pub heads: Vec<Version>,
    /// Every other version, oldest first — the newest [`HISTORY_KEPT`] of
    /// them: older ones are compacted away (the server's log keeps them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Version>,
    /// The versions that compacted versions had seen, sorted: a late copy of
    /// one of them still goes to history, never back to the heads. Only ids
    /// that still matter are kept: versions here, or not yet received.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<String>,
}

/// How many versions of a field's history a record keeps. Compaction is a
/// function of the set of versions (the oldest by stamp go first), so every
/// replica that has the same operations still holds the same record.
pub const HISTORY_KEPT: usize = 20;

impl FieldState {
    /// The field's current value.
    pub fn value(&self) -> Option<&serde_json::Value> {
        self.heads.first().map(|v| &v.value)
    }

    /// Whether concurrent edits left more than one head.
    pub fn in_conflict(&self) -> bool {
        self.heads.len() > 1
    }

    /// The ids of the heads: the `base` of an edit made now.
    pub fn head_ids(&self) -> Vec<String> {
        self.heads.iter().map(|v| v.op.clone()).collect()
    }
}

/// What applying an operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The operation was new and is now part of the record.
    New,
    /// The operation had been applied before; nothing changed.
    Duplicate,
}

/// A record's sync state: every operation applied to it and its fields' versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordState {
    pub id: String,
    /// Every operation applied, by id.
    pub ops: BTreeMap<String, OpMeta>,
    pub fields: BTreeMap<String, FieldState>,
}

impl RecordState {
    pub fn new(id: &str) -> RecordState {
        RecordState {
            id: id.to_string(),
            ..Default::default()
        }
    }

    /// Merges one operation into the record (the one merge rule).
    pub fn apply(&mut self, op: &Op) -> Applied {
        if self.ops.contains_key(&op.id) {
            return Applied::Duplicate;
        }
        self.ops.insert(
            op.id.clone(),
            OpMeta {
                hlc: op.hlc,
                device: op.device.clone(),
                user: op.user.clone(),
                received: op.received.clone(),
            },
        );
        for (key, value) in &op.set {
            let version = Version {
                op: op.id.clone(),
                value: value.clone(),
                base: op.base.get(key).cloned().unwrap_or_default(),
            };
            let field = self.fields.entry(key.clone()).or_default();
            field.heads.push(version);
            self.settle(key);
        }
        Applied::New
    }

    /// Recomputes a field's heads and history from its versions, and
    /// compacts its history. Linear in the field's versions and their bases
    /// (each bounded, see `sync::MAX_BASE_IDS`).
    fn settle(&mut self, key: &str) {
        let Some(field) = self.fields.get_mut(key) else {
            return;
        };
        let all: Vec<Version> = field
            .heads
            .drain(..)
            .chain(field.history.drain(..))
            .collect();
        let is_seen: Vec<bool> = {
            let seen: std::collections::HashSet<&str> = all
                .iter()
                .flat_map(|v| v.base.iter())
                .chain(field.seen.iter())
                .map(String::as_str)
                .collect();
            all.iter().map(|v| seen.contains(v.op.as_str())).collect()
        };
        let (mut heads, mut history) = (Vec::new(), Vec::new());
        for (version, seen) in all.into_iter().zip(is_seen) {
            if seen {
                history.push(version);
            } else {
                heads.push(version);
            }
        }
        let ops = &self.ops;
        let rank = |v: &Version| match ops.get(&v.op) {
            Some(meta) => (meta.hlc, meta.device.clone(), v.op.clone()),
            None => (Hlc::default(), String::new(), v.op.clone()),
        };
        sort_by_cached_key(&mut heads, |v| std::cmp::Reverse(rank(v)));
        sort_by_cached_key(&mut history, rank);
        let field = self.fields.get_mut(key).expect("field exists");
        if history.len() > HISTORY_KEPT {
            let old = history.len() - HISTORY_KEPT;
            field
                .seen
                .extend(history.drain(..old).flat_map(|v| v.base.into_iter()));
            crate::sort::sort(&mut field.seen);
            field.seen.dedup();
        }
        if !field.seen.is_empty() {
            // An id matters only for a version that is here or may still
            // come: one applied whose version is gone (compacted) never
            // comes again, so it is dropped and `seen` stays small.
            let here: std::collections::HashSet<&str> = heads
                .iter()
                .chain(&history)
                .map(|v| v.op.as_str())
                .collect();
            field
                .seen
                .retain(|id| !ops.contains_key(id) || here.contains(id.as_str()));
        }
        field.heads = heads;
        field.history = history;
    }

    /// Takes an operation back out (a change the server refused, discarded by
    /// the user): as if it had never been applied.
    pub fn remove_op(&mut self, op_id: &str) {
        if !self.ops.contains_key(op_id) {
            return;
        }
        // Rebuilt without the key rather than BTreeMap::remove (see merge_ops).
        for (id, meta) in std::mem::take(&mut self.ops) {
            if id != op_id {
                self.ops.insert(id, meta);
            }
        }
        let keys: Vec<String> = self.fields.keys().cloned().collect();
        for key in keys {
            if let Some(field) = self.fields.get_mut(&key) {
                field.heads.retain(|v| v.op != op_id);
                field.history.retain(|v| v.op != op_id);
                if field.heads.is_empty() && field.history.is_empty() && field.seen.is_empty() {
                    for (k, f) in std::mem::take(&mut self.fields) {
                        if k != key {
                            self.fields.entry(k).or_insert(f);
                        }
                    }
                    continue;
                }
            }
            self.settle(&key);
        }
    }

    /// The operation `op_id` as this record holds it: the values and bases it
    /// set in fields where its version is still kept (`None` if none is).
    pub fn op_of(&self, op_id: &str) -> Option<Op> {
        let meta = self.ops.get(op_id)?;
        let mut op = Op {
            id: op_id.to_string(),
            record: self.id.clone(),
            hlc: meta.hlc,
            device: meta.device.clone(),
            user: meta.user.clone(),
            received: meta.received.clone(),
            ..Op::default()
        };
        for (key, field) in &self.fields {
            if let Some(v) = field
                .heads
                .iter()
                .chain(&field.history)
                .find(|v| v.op == op_id)
            {
                op.set.insert(key.clone(), v.value.clone());
                if !v.base.is_empty() {
                    op.base.insert(key.clone(), v.base.clone());
                }
            }
        }
        (!op.set.is_empty()).then_some(op)
    }

    /// Who made a version, and when (by its HLC wall time).
    pub fn author(&self, v: &Version) -> Option<&OpMeta> {
        self.ops.get(&v.op)
    }

    /// The fields in conflict. A step ticked on two devices at once is not
    /// one worth asking about (the newest tick or untick stands), nor a
    /// photo's caption (the newest stands; a deletion stands over both).
    pub fn conflicts(&self) -> impl Iterator<Item = (&String, &FieldState)> {
        self.fields.iter().filter(|(k, f)| {
            f.in_conflict() && !k.starts_with(STEP_PREFIX) && !k.starts_with(PHOTO_PREFIX)
        })
    }

    /// The newest stamp of any operation applied.
    pub fn latest(&self) -> Option<Hlc> {
        self.ops.values().map(|m| m.hlc).max()
    }

    /// The complaint as the merged fields describe it; `updated_at` is the
    /// wall time of the newest operation. `Err` when the fields do not make a
    /// complaint (a required field never set, a value of the wrong type).
    pub fn materialize(&self) -> Result<Complaint, String> {
        let mut object = serde_json::Map::new();
        let mut timeline = Vec::new();
        let mut steps = serde_json::Map::new();
        let (mut photos, mut signatures, mut positions) = (Vec::new(), Vec::new(), Vec::new());
        for (key, field) in &self.fields {
            let Some(value) = field.value() else { continue };
            if key.starts_with(TIMELINE_PREFIX) {
                timeline.push(value.clone());
            } else if key.starts_with(PHOTO_PREFIX) {
                // A deletion is final: it stands over a concurrent caption edit.
                let deleted = field
                    .heads
                    .iter()
                    .find(|v| v.value.get("deleted").is_some_and(|d| !d.is_null()));
                photos.push(deleted.map_or(value, |v| &v.value).clone());
            } else if key.starts_with(SIGNATURE_PREFIX) {
                signatures.push(value.clone());
            } else if key.starts_with(POSITION_PREFIX) {
                positions.push(value.clone());
            } else if let Some(n) = key.strip_prefix(STEP_PREFIX) {
                if !value.is_null() {
                    steps.insert(n.to_string(), value.clone());
                }
            } else {
                object.insert(key.clone(), value.clone());
            }
        }
        object.insert("timeline".into(), timeline.into());
        object.insert("steps".into(), steps.into());
        for (name, mut list) in [
            ("photos", photos),
            ("signatures", signatures),
            ("positions", positions),
        ] {
            if !list.is_empty() {
                // In time order, then by id.
                sort_by_cached_key(&mut list, |v: &serde_json::Value| {
                    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default();
                    let at =
                        crate::timefmt::rfc3339::parse(text("at")).map(|t| t.timestamp_micros());
                    (at, text("id").to_string())
                });
                object.insert(name.into(), list.into());
            }
        }
        object.insert("id".into(), self.id.clone().into());
        let updated = self
            .latest()
            .and_then(|h| DateTime::<Utc>::from_timestamp_millis(h.wall_ms as i64))
            .unwrap_or_default();
        object.insert(
            "updated_at".into(),
            crate::timefmt::rfc3339::format(&updated).into(),
        );
        // Through text rather than `from_value`: the app then carries one
        // generated `Complaint` deserialiser instead of two (~8 KB of wasm).
        let text = serde_json::Value::Object(object).to_string();
        let mut complaint: Complaint = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        sort_timeline(&mut complaint.timeline);
        Ok(complaint)
    }
}
