//! The storage contract every place that keeps complaints on a device
//! implements, an in-memory implementation, and the one conformance suite
//! they all must pass (see [`conformance`] and [`crate::store_conformance_tests!`]).
//!
//! The trait is what the app's views and services talk to; the IndexedDB
//! store in the app implements it, and so does [`MemoryStore`] for native
//! tests. PDCA rows and standard answers, synced like complaints but never
//! read as one, have their own small trait, [`RecordStore`]. Futures are not `Send`: IndexedDB
//! lives on the browser's one thread.
//!
//! Records are kept as JSON values rather than typed structs so that a record
//! which no longer deserialises (written by a buggy build, damaged on disk,
//! or from a newer version) is *reported and skipped* by [`ComplaintStore::list_complaints`]
//! instead of failing the whole list.

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::form::ComplaintForm;
use crate::model::Complaint;
use crate::sync::{Applied, Op, RecordState, Rejection};

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A change that would leave the record unreadable (a bug upstream).
    #[error("change refused by the store: {0}")]
    Invalid(String),
    /// The stored record exists but cannot be read as a complaint.
    #[error("record {key} is unreadable: {detail}")]
    Corrupt { key: String, detail: String },
    /// The value could not be written (serialisation).
    #[error("could not encode the record: {0}")]
    Encode(String),
    /// The device's storage is full (IndexedDB's `QuotaExceededError`):
    /// nothing of the write happened; freeing space lets it succeed.
    #[error("storage is full: {0}")]
    QuotaExceeded(String),
    /// The storage itself failed (blocked database, private mode…).
    #[error("storage failed: {0}")]
    Backend(String),
}

/// A stored record that could not be read, reported by [`ComplaintStore::list_complaints`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub key: String,
    pub detail: String,
}

/// Everything readable in the store, plus what was not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub complaints: Vec<Complaint>,
    pub unreadable: Vec<Unreadable>,
}

/// A local operation waiting to reach the server, or refused by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Order of entry on this device (a refused, future-stamped operation can
    /// carry a greater HLC than a later one, so the HLC cannot order the queue).
    #[serde(default)]
    pub seq: u64,
    pub op: Op,
    /// Why the server refused it; `None` while it waits to be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
}

/// Reads one stored JSON value as a complaint.
pub fn decode_complaint(key: &str, value: serde_json::Value) -> Result<Complaint, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        detail: e.to_string(),
    })
}

/// Storage of complaints, drafts and device settings on one device.
#[allow(async_fn_in_trait)] // single-threaded (wasm); no Send bound wanted
pub trait ComplaintStore {
    /// Writes a complaint (insert or replace by id) and, in the same atomic
    /// step, removes the draft named `clear_draft`: after a crash either the
    /// complaint is saved and the draft gone, or neither.
    async fn save_complaint(
        &self,
        complaint: &Complaint,
        clear_draft: Option<&str>,
    ) -> Result<(), StoreError>;
    /// The complaint with this id; `Err(Corrupt)` if it is stored but unreadable.
    async fn get_complaint(&self, id: &str) -> Result<Option<Complaint>, StoreError>;
    /// Every complaint, in no particular order, with unreadable records reported.
    async fn list_complaints(&self) -> Result<Listing, StoreError>;
    async fn delete_complaint(&self, id: &str) -> Result<(), StoreError>;
    /// Writes any JSON value under a complaint key, bypassing the type: for
    /// repair tools and for testing that corrupt records are survived.
    async fn put_raw_complaint(&self, id: &str, raw: serde_json::Value) -> Result<(), StoreError>;

    async fn save_draft(&self, key: &str, draft: &ComplaintForm) -> Result<(), StoreError>;
    /// The draft under `key`; `Err(Corrupt)` if it is stored but unreadable.
    async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, StoreError>;
    async fn delete_draft(&self, key: &str) -> Result<(), StoreError>;

    /// The next case sequence number for `day` on this device: 1, 2, 3…,
    /// never the same twice, also across tabs.
    async fn next_case_sequence(&self, day: NaiveDate) -> Result<u32, StoreError>;

    /// Applies a local operation in one atomic step: merges it into the
    /// record's sync state (read and written in the same transaction, so a
    /// pull running at the same time cannot be lost), writes the complaint as
    /// it now reads, puts the operation in the outbox and removes the draft
    /// `clear_draft`. After a crash either all of it is there or none of it.
    async fn save_change(
        &self,
        op: &Op,
        clear_draft: Option<&str>,
    ) -> Result<Complaint, StoreError>;
    /// A record's sync state; `Err(Corrupt)` if it is stored but unreadable.
    async fn get_record_state(&self, id: &str) -> Result<Option<RecordState>, StoreError>;
    /// Every outbox entry, in the order they were made.
    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Records the server's answers: accepted operations leave the outbox,
    /// rejected ones stay, marked with the reason, until the user acts.
    async fn settle_outbox(
        &self,
        accepted: &[String],
        rejected: &[(String, Rejection)],
    ) -> Result<(), StoreError>;
    /// Takes a refused operation back (the user discarded it): removes it from
    /// the outbox and from its record, in one atomic step. Returns the record
    /// as it now reads (`None` if it was never more than that operation).
    async fn discard_op(&self, op_id: &str) -> Result<Option<Complaint>, StoreError>;
    /// Merges one page of pulled operations into the records they concern and
    /// stores the new cursor, in one atomic step. Returns what changed: the
    /// records' ids and the complaints as they now read (so a list takes
    /// them in without reading them back).
    async fn apply_pulled(&self, ops: &[Op], cursor: &str) -> Result<PageStored, StoreError>;
    /// Where the last pull ended ("" before the first, and when the stored
    /// cursor is unreadable: see [`cursor_of`]).
    async fn sync_cursor(&self) -> Result<String, StoreError>;
    /// Removes records from the device with everything about them: the
    /// complaint, its sync state, its queued operations (waiting or refused)
    /// and its edit draft ([`edit_draft_key`]), in one atomic step. A pull
    /// page names them when they left the user's scope; the page's cursor is
    /// stored after this, so a crash in between repeats the removal. Ids not
    /// on the device are skipped.
    async fn remove_records(&self, ids: &[String]) -> Result<(), StoreError>;

    /// A device setting (device id, language, remembered branch…);
    /// `Err(Corrupt)` if it is stored but is not JSON.
    async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError>;
    async fn set_setting(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError>;
    /// Writes any text as setting `key`, bypassing JSON: for repair tools and
    /// for testing that a damaged setting is survived.
    async fn put_raw_setting(&self, key: &str, raw: &str) -> Result<(), StoreError>;
}

/// Records of the other kinds — PDCA rows ([`crate::pdca`]), standard
/// answers ([`crate::answers`]) — synced like complaints (queued, merged,
/// pulled) but never read as one, so [`ComplaintStore::save_change`], which
/// writes the complaint a change makes, cannot take them. Each kind is told
/// apart by its id prefix.
#[allow(async_fn_in_trait)] // single-threaded (wasm); no Send bound wanted
pub trait RecordStore {
    /// Queues a local operation on such a record and merges it into the
    /// record's sync state, in one atomic step; returns the state.
    async fn save_record(&self, op: &Op) -> Result<RecordState, StoreError>;
    /// The sync states of every record on the device whose id begins with
    /// `prefix` (e.g. [`crate::pdca::PREFIX`]); an unreadable one is skipped.
    async fn records_with_prefix(&self, prefix: &str) -> Result<Vec<RecordState>, StoreError>;
}

/// The draft key of the edit form of one complaint (removed with the
/// complaint by [`ComplaintStore::remove_records`]).
pub fn edit_draft_key(id: &str) -> String {
    format!("{EDIT_DRAFT_PREFIX}{id}")
}

/// The prefix of [`edit_draft_key`].
pub const EDIT_DRAFT_PREFIX: &str = "edit:";

/// Merges `ops` into the records they concern. `states` holds the stored
/// state of every record the ops name (absent: a new record). Returns every
/// touched record with the complaint it now makes (`None` while it does not
/// make a whole complaint), in record-id order.
pub fn merge_ops(
    mut states: BTreeMap<String, RecordState>,
    ops: &[Op],
) -> Vec<(RecordState, Option<Complaint>)> {
    let mut touched = std::collections::BTreeSet::new();
    for op in ops {
        let state = states
            .entry(op.record.clone())
            .or_insert_with(|| RecordState::new(&op.record));
        if state.apply(op) == Applied::New {
            touched.insert(op.record.clone());
        }
    }
    // In record-id order, like `touched`.
    states
        .into_iter()
        .filter(|(id, _)| touched.contains(id))
        .map(|(_, state)| {
            let complaint = state.materialize().ok();
            (state, complaint)
        })
        .collect()
}

/// What storing a pulled page changed ([`ComplaintStore::apply_pulled`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageStored {
    /// The records that changed (complaints, PDCA rows, answers), in id order.
    pub changed: Vec<String>,
    /// The complaints among them as they now read, in id order. A record
    /// that does not read as a complaint (a PDCA row, an answer, or a
    /// complaint whose merged values do not validate) is not here; a
    /// complaint keeps what it read before in that last case.
    pub complaints: Vec<Complaint>,
}

impl PageStored {
    /// What a merged page changed, from [`merge_ops`]' answer.
    pub fn of(merged: Vec<(RecordState, Option<Complaint>)>) -> PageStored {
        let mut stored = PageStored {
            changed: Vec::with_capacity(merged.len()),
            complaints: Vec::with_capacity(merged.len()),
        };
        for (state, complaint) in merged {
            stored.changed.push(state.id);
            stored.complaints.extend(complaint);
        }
        stored
    }
}

/// The distinct record ids named by `ops`, in order of first appearance.
pub fn records_of(ops: &[Op]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    ops.iter()
        .filter(|op| seen.insert(op.record.as_str()))
        .map(|op| op.record.clone())
        .collect()
}

/// The setting key of the pull cursor.
pub const SYNC_CURSOR_SETTING: &str = "sync_cursor";

/// The setting key of the outbox's entry counter.
pub const OUTBOX_SEQ_SETTING: &str = "outbox_seq";

/// The pull cursor from its setting as read: `""` (pull from the start)
/// when absent or unreadable. Pulling again is harmless (merging is
/// idempotent); a damaged cursor failing every sync is not. A storage
/// failure stays one.
pub fn cursor_of(
    read: Result<Option<serde_json::Value>, StoreError>,
) -> Result<String, StoreError> {
    match read {
        Ok(Some(serde_json::Value::String(cursor))) => Ok(cursor),
        Ok(_) | Err(StoreError::Corrupt { .. }) => Ok(String::new()),
        Err(e) => Err(e),
    }
}

/// Sorts outbox entries in the order they were made.
pub fn sort_outbox(entries: &mut [OutboxEntry]) {
    crate::sort::sort_by(entries, |a, b| {
        (a.seq, a.op.hlc, &a.op.id).cmp(&(b.seq, b.op.hlc, &b.op.id))
    });
}

/// The storage key of a day's case sequence counter.
pub fn case_sequence_key(day: NaiveDate) -> String {
    format!("case_seq:{}", crate::timefmt::date_compact(day))
}

/// A store in memory: for native tests and as the reference behaviour.
#[derive(Debug, Default)]
pub struct MemoryStore {
    complaints: RefCell<BTreeMap<String, serde_json::Value>>,
    drafts: RefCell<BTreeMap<String, serde_json::Value>>,
    /// As JSON text, like IndexedDB keeps them: a damaged one can be put
    /// ([`ComplaintStore::put_raw_setting`]) and reads as `Corrupt`.
    settings: RefCell<BTreeMap<String, String>>,
    record_states: RefCell<BTreeMap<String, serde_json::Value>>,
    outbox: RefCell<BTreeMap<String, OutboxEntry>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The record's stored state with `op` merged in (nothing written).
    async fn merged_with(&self, op: &Op) -> Result<RecordState, StoreError> {
        let mut state = self
            .get_record_state(&op.record)
            .await?
            .unwrap_or_else(|| RecordState::new(&op.record));
        state.apply(op);
        Ok(state)
    }

    /// Writes the record's new `state` and puts `op` in the outbox, numbered.
    fn queue(&self, op: &Op, state: &RecordState) -> Result<(), StoreError> {
        let s = encode(state)?;
        self.record_states.borrow_mut().insert(state.id.clone(), s);
        let seq = {
            let mut settings = self.settings.borrow_mut();
            let next = settings
                .get(OUTBOX_SEQ_SETTING)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            settings.insert(OUTBOX_SEQ_SETTING.into(), next.to_string());
            next
        };
        self.outbox.borrow_mut().insert(
            op.id.clone(),
            OutboxEntry {
                seq,
                op: op.clone(),
                rejection: None,
            },
        );
        Ok(())
    }

    fn stored_states(&self, ids: &[String]) -> Vec<Option<RecordState>> {
        let states = self.record_states.borrow();
        ids.iter()
            .map(|id| {
                states
                    .get(id)
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
            })
            .collect()
    }
}

fn encode<T: Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Encode(e.to_string()))
}

impl ComplaintStore for MemoryStore {
    async fn save_complaint(
        &self,
        complaint: &Complaint,
        clear_draft: Option<&str>,
    ) -> Result<(), StoreError> {
        let value = encode(complaint)?;
        self.complaints
            .borrow_mut()
            .insert(complaint.id.clone(), value);
        if let Some(key) = clear_draft {
            self.drafts.borrow_mut().remove(key);
        }
        Ok(())
    }

    async fn get_complaint(&self, id: &str) -> Result<Option<Complaint>, StoreError> {
        let value = self.complaints.borrow().get(id).cloned();
        value.map(|v| decode_complaint(id, v)).transpose()
    }

    async fn list_complaints(&self) -> Result<Listing, StoreError> {
        let mut listing = Listing::default();
        for (key, value) in self.complaints.borrow().iter() {
            match decode_complaint(key, value.clone()) {
                Ok(c) => listing.complaints.push(c),
                Err(e) => listing.unreadable.push(Unreadable {
                    key: key.clone(),
                    detail: e.to_string(),
                }),
            }
        }
        Ok(listing)
    }

    async fn delete_complaint(&self, id: &str) -> Result<(), StoreError> {
        self.complaints.borrow_mut().remove(id);
        Ok(())
    }

    async fn put_raw_complaint(&self, id: &str, raw: serde_json::Value) -> Result<(), StoreError> {
        self.complaints.borrow_mut().insert(id.to_string(), raw);
        Ok(())
    }

    async fn save_draft(&self, key: &str, draft: &ComplaintForm) -> Result<(), StoreError> {
        let value = encode(draft)?;
        self.drafts.borrow_mut().insert(key.to_string(), value);
        Ok(())
    }

    async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, StoreError> {
        let value = self.drafts.borrow().get(key).cloned();
        value
            .map(|v| {
                serde_json::from_value(v).map_err(|e| StoreError::Corrupt {
                    key: key.to_string(),
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    async fn delete_draft(&self, key: &str) -> Result<(), StoreError> {
        self.drafts.borrow_mut().remove(key);
        Ok(())
    }

    async fn next_case_sequence(&self, day: NaiveDate) -> Result<u32, StoreError> {
        let key = case_sequence_key(day);
        let mut settings = self.settings.borrow_mut();
        let next = settings
            .get(&key)
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
            + 1;
        settings.insert(key, next.to_string());
        Ok(next)
    }

    async fn save_change(
        &self,
        op: &Op,
        clear_draft: Option<&str>,
    ) -> Result<Complaint, StoreError> {
        let state = self.merged_with(op).await?;
        let complaint = state.materialize().map_err(StoreError::Invalid)?;
        // Encode everything first: nothing is written unless all of it can be.
        let c = encode(&complaint)?;
        self.queue(op, &state)?;
        self.complaints.borrow_mut().insert(complaint.id.clone(), c);
        if let Some(key) = clear_draft {
            self.drafts.borrow_mut().remove(key);
        }
        Ok(complaint)
    }

    async fn get_record_state(&self, id: &str) -> Result<Option<RecordState>, StoreError> {
        let value = self.record_states.borrow().get(id).cloned();
        value
            .map(|v| {
                serde_json::from_value(v).map_err(|e| StoreError::Corrupt {
                    key: id.to_string(),
                    detail: e.to_string(),
                })
            })
            .transpose()
    }

    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut entries: Vec<OutboxEntry> = self.outbox.borrow().values().cloned().collect();
        sort_outbox(&mut entries);
        Ok(entries)
    }

    async fn settle_outbox(
        &self,
        accepted: &[String],
        rejected: &[(String, Rejection)],
    ) -> Result<(), StoreError> {
        let mut outbox = self.outbox.borrow_mut();
        for id in accepted {
            outbox.remove(id);
        }
        for (id, reason) in rejected {
            if let Some(entry) = outbox.get_mut(id) {
                entry.rejection = Some(reason.clone());
            }
        }
        Ok(())
    }

    async fn discard_op(&self, op_id: &str) -> Result<Option<Complaint>, StoreError> {
        let Some(entry) = self.outbox.borrow().get(op_id).cloned() else {
            return Ok(None);
        };
        let mut state = self
            .get_record_state(&entry.op.record)
            .await?
            .unwrap_or_else(|| RecordState::new(&entry.op.record));
        state.remove_op(op_id);
        let complaint = state.materialize().ok();
        let s = encode(&state)?;
        let c = complaint.as_ref().map(encode).transpose()?;
        self.outbox.borrow_mut().remove(op_id);
        self.record_states.borrow_mut().insert(state.id.clone(), s);
        match c {
            Some(c) => self.complaints.borrow_mut().insert(state.id.clone(), c),
            None => self.complaints.borrow_mut().remove(&state.id),
        };
        Ok(complaint)
    }

    async fn apply_pulled(&self, ops: &[Op], cursor: &str) -> Result<PageStored, StoreError> {
        let ids = records_of(ops);
        let states: BTreeMap<String, RecordState> = self
            .stored_states(&ids)
            .into_iter()
            .flatten()
            .map(|s| (s.id.clone(), s))
            .collect();
        let merged = merge_ops(states, ops);
        let mut encoded = Vec::with_capacity(merged.len());
        for (state, complaint) in &merged {
            encoded.push((
                state.id.clone(),
                encode(state)?,
                complaint.as_ref().map(encode).transpose()?,
            ));
        }
        for (id, state, complaint) in encoded {
            self.record_states.borrow_mut().insert(id.clone(), state);
            if let Some(c) = complaint {
                self.complaints.borrow_mut().insert(id, c);
            }
        }
        self.settings.borrow_mut().insert(
            SYNC_CURSOR_SETTING.into(),
            serde_json::Value::from(cursor).to_string(),
        );
        Ok(PageStored::of(merged))
    }

    async fn sync_cursor(&self) -> Result<String, StoreError> {
        cursor_of(self.get_setting(SYNC_CURSOR_SETTING).await)
    }

    async fn remove_records(&self, ids: &[String]) -> Result<(), StoreError> {
        self.outbox
            .borrow_mut()
            .retain(|_, entry| !ids.contains(&entry.op.record));
        for id in ids {
            self.complaints.borrow_mut().remove(id);
            self.record_states.borrow_mut().remove(id);
            self.drafts.borrow_mut().remove(&edit_draft_key(id));
        }
        Ok(())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let text = self.settings.borrow().get(key).cloned();
        text.map(|t| {
            serde_json::from_str(&t).map_err(|e| StoreError::Corrupt {
                key: key.to_string(),
                detail: e.to_string(),
            })
        })
        .transpose()
    }

    async fn set_setting(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.settings
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
        Ok(())
    }

    async fn put_raw_setting(&self, key: &str, raw: &str) -> Result<(), StoreError> {
        self.settings
            .borrow_mut()
            .insert(key.to_string(), raw.to_string());
        Ok(())
    }
}

impl RecordStore for MemoryStore {
    async fn save_record(&self, op: &Op) -> Result<RecordState, StoreError> {
        let state = self.merged_with(op).await?;
        self.queue(op, &state)?;
        Ok(state)
    }

    async fn records_with_prefix(&self, prefix: &str) -> Result<Vec<RecordState>, StoreError> {
        Ok(self
            .record_states
            .borrow()
            .iter()
            .filter(|(id, _)| id.starts_with(prefix))
            .filter_map(|(_, v)| serde_json::from_value(v.clone()).ok())
            .collect())
    }
}

pub mod conformance;

#[cfg(test)]
mod tests {
    /// The in-memory store keeps PDCA rows as the [`super::RecordStore`]
    /// contract says (the other cases run in `tests/domain.rs`).
    #[test]
    fn memory_store_keeps_plans() {
        futures::executor::block_on(
            super::conformance::a_saved_plan_or_answer_is_queued_and_listed_by_kind_but_is_no_complaint(
                super::MemoryStore::new(),
            ),
        );
    }
}
