//! One record's replicated state, whatever kind of record it is: field-level
//! operations, hybrid logical clocks, the one merge rule, the operations a
//! device makes from its own edits, and the refusal a rejected operation
//! carries. Pure functions and data: the app and the server do the network
//! and the storage.
//!
//! This layer knows the shape of a complaint (how its fields, timeline and
//! steps spread over sync keys, and how merged keys make a record again) but
//! none of the rules for changing one: the check a pushed operation passes,
//! which knows every record kind, is the `sync` module's, above this one and
//! above the record kinds' modules — `pdca`, whose rows are synced records
//! too, sits between the two. The app and the server use all of it through
//! `sync`, which re-exports it (this module refers to nothing above it).

mod bounds;
mod client;
mod hlc;
mod op;
mod record;
mod rejection;

pub use bounds::{
    check_bounds, depth, is_plain_id, is_plain_name, MAX_BASE_IDS, MAX_DEVICE_LEN, MAX_KEY_LEN,
    MAX_OP_BYTES, MAX_OP_ID_LEN, MAX_RECORD_ID_LEN, MAX_SET_KEYS, MAX_STRING_CHARS, MAX_USER_LEN,
    MAX_VALUE_DEPTH,
};
pub use client::{
    base_of, choose_value, local_change, reapply, record_change, settle_op, LocalChange, Stamp,
};
pub use hlc::{Hlc, HlcClock};
pub use op::{
    changed_fields, complaint_fields, evidence_id, is_syncable_field, op_id_from_bytes, Op,
    CREATED_AT, CREATED_ON_DEVICE, STEP_PREFIX, TIMELINE_PREFIX,
};
pub use record::{Applied, FieldState, OpMeta, RecordState, Version, HISTORY_KEPT};
pub use rejection::{RejectCode, Rejection};
