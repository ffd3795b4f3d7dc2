//! Sync: the protocol's messages and the check every pushed operation
//! passes, over the record machinery of [`crate::replica`] (field-level
//! operations, hybrid logical clocks, the one merge rule), re-exported here
//! so the app and the server have one path for all of it. Pure functions and
//! data: the app and the server do the network and the storage.
//!
//! This is the top of the domain's sync layering: the check needs every
//! record kind's rules (a complaint's from `form` and `handling`, a PDCA
//! row's from `pdca`), and those modules build on `replica`, never on this one.

mod wire;

pub use crate::replica::{
    check_bounds, depth, is_plain_id, is_plain_name, MAX_BASE_IDS, MAX_DEVICE_LEN, MAX_KEY_LEN,
    MAX_OP_BYTES, MAX_OP_ID_LEN, MAX_RECORD_ID_LEN, MAX_SET_KEYS, MAX_STRING_CHARS, MAX_USER_LEN,
    MAX_VALUE_DEPTH,
};

pub use crate::replica::{
    changed_fields, choose_value, complaint_fields, evidence_id, is_syncable_field, local_change,
    op_id_from_bytes, reapply, Applied, FieldState, Hlc, HlcClock, LocalChange, Op, OpMeta,
    RecordState, RejectCode, Rejection, Stamp, Version, CREATED_AT, CREATED_ON_DEVICE,
    HISTORY_KEPT, STEP_PREFIX, TIMELINE_PREFIX,
};
pub use wire::{
    check_op, check_op_materialized, is_complaint, OpResult, Outcome, PullResponse, PushRequest,
    PushResponse, UploadState, Withdrawn, WithdrawnEntry, MAX_CLOCK_AHEAD_MS, MAX_PULL_LIMIT,
    MAX_PUSH_OPS, PROTOCOL,
};
