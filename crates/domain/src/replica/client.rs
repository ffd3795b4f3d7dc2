//! What a device does with its own edits, as pure functions: turn a save
//! into one operation (only the fields that changed, with the heads the user
//! saw as its base), and turn a choice between conflicting values into one.

use std::collections::BTreeMap;

use serde_json::Value;

use super::hlc::Hlc;
use super::op::{changed_fields, complaint_fields, Op, CREATED_AT};
use super::record::RecordState;
use crate::model::Complaint;
use crate::sort::map_of;

/// A local change ready to be stored: the operation for the outbox, the
/// record's new sync state and the complaint as it now reads.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalChange {
    pub op: Op,
    pub state: RecordState,
    pub complaint: Complaint,
}

/// Who makes an operation, and its identity: supplied by the caller (this
/// crate reads no clock and draws no random numbers).
#[derive(Debug, Clone)]
pub struct Stamp {
    pub op_id: String,
    pub hlc: Hlc,
    pub device: String,
    /// The signed-in user (see [`Op::user`]).
    pub user: Option<String>,
}

impl Stamp {
    /// The operation setting `set` on `record`, made with this stamp, its
    /// base the heads `state` holds for those keys (what the user saw).
    fn op(self, record: String, set: BTreeMap<String, Value>, state: Option<&RecordState>) -> Op {
        let base = base_of(state, set.keys());
        Op {
            id: self.op_id,
            record,
            hlc: self.hlc,
            device: self.device,
            user: self.user,
            received: None,
            set,
            base,
        }
    }
}

fn finish(state: Option<&RecordState>, record: &str, op: Op) -> Result<LocalChange, String> {
    let mut next = state.cloned().unwrap_or_else(|| RecordState::new(record));
    next.apply(&op);
    let complaint = next.materialize()?;
    Ok(LocalChange {
        op,
        state: next,
        complaint,
    })
}

/// What an operation setting `keys` has seen: for each key the record holds,
/// its current heads (the versions the user saw). An op's `base`.
pub fn base_of<'a>(
    state: Option<&RecordState>,
    keys: impl IntoIterator<Item = &'a String>,
) -> BTreeMap<String, Vec<String>> {
    map_of(keys.into_iter().filter_map(|key| {
        let heads = state?.fields.get(key)?.head_ids();
        (!heads.is_empty()).then(|| (key.clone(), heads))
    }))
}

/// The operation that saves a record of another kind (a PDCA row, an
/// answer) whose fields now read `fields`, over its sync `state` with the
/// fields `old` (`None`: a new record: all fields and `created_at`; else only
/// what changed, with the heads seen as its base). `None` when nothing
/// changed.
pub fn record_change(
    record: String,
    state: Option<&RecordState>,
    old: Option<BTreeMap<String, Value>>,
    fields: BTreeMap<String, Value>,
    created_at: &str,
    stamp: Stamp,
) -> Option<Op> {
    let mut set: BTreeMap<String, Value> = map_of(
        fields
            .into_iter()
            .filter(|(key, value)| old.as_ref().and_then(|o| o.get(key)) != Some(value)),
    );
    if old.is_none() {
        set.insert(CREATED_AT.into(), created_at.into());
    }
    if set.is_empty() {
        return None;
    }
    Some(stamp.op(record, set, state))
}

/// The operation for saving `after`: a creation when `before` is `None`,
/// otherwise only the fields that differ. `Ok(None)` when nothing changed.
pub fn local_change(
    state: Option<&RecordState>,
    before: Option<&Complaint>,
    after: &Complaint,
    stamp: Stamp,
) -> Result<Option<LocalChange>, String> {
    let set = match before {
        Some(before) => changed_fields(before, after),
        None => complaint_fields(after),
    };
    if set.is_empty() {
        return Ok(None);
    }
    let op = stamp.op(after.id.clone(), set, state);
    finish(state, &after.id, op).map(Some)
}

/// The operation that settles a field on `value` (one of its conflicting
/// values, or an older one from its history): it has seen every head, so it
/// resolves the conflict everywhere it arrives.
pub fn choose_value(
    state: &RecordState,
    field: &str,
    value: Value,
    stamp: Stamp,
) -> Result<LocalChange, String> {
    finish(
        Some(state),
        &state.id,
        settle_op(state, field, value, stamp),
    )
}

/// The operation that settles `field` of any record (a complaint, an
/// answer) on `value`: it names every head it saw as its base, so the
/// conflict ends everywhere it arrives.
pub fn settle_op(state: &RecordState, field: &str, value: Value, stamp: Stamp) -> Op {
    let heads = state
        .fields
        .get(field)
        .map(|f| f.head_ids())
        .unwrap_or_default();
    let mut op = stamp.op(
        state.id.clone(),
        crate::sort::map_of([(field.to_string(), value)]),
        None,
    );
    // Seen: every head, even none (an empty base settles it too).
    op.base = crate::sort::map_of([(field.to_string(), heads)]);
    op
}

/// A refused operation made again with a fresh stamp (e.g. after the device's
/// clock was corrected), on top of what the record holds now. The caller
/// discards the refused one. `Ok(None)` when it no longer changes anything.
pub fn reapply(
    state: &RecordState,
    refused: &Op,
    stamp: Stamp,
) -> Result<Option<LocalChange>, String> {
    let op = stamp.op(refused.record.clone(), refused.set.clone(), Some(state));
    finish(Some(state), &refused.record, op).map(Some)
}
