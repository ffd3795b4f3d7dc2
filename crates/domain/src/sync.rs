//! Sync: field-level operations, hybrid logical clocks, the one merge rule
//! and the protocol's messages. Pure functions and data: the app and the
//! server do the network and the storage.

mod client;
mod hlc;
mod op;
mod record;
mod wire;

pub use client::{choose_value, local_change, reapply, LocalChange, Stamp};
pub use hlc::{Hlc, HlcClock};
pub use op::{
    changed_fields, complaint_fields, is_syncable_field, op_id_from_bytes, Op, CREATED_AT,
    CREATED_ON_DEVICE, STEP_PREFIX, TIMELINE_PREFIX,
};
pub use record::{Applied, FieldState, OpMeta, RecordState, Version};
pub use wire::{
    check_op, OpResult, Outcome, PullResponse, PushRequest, PushResponse, RejectCode, Rejection,
    MAX_CLOCK_AHEAD_MS, MAX_PULL_LIMIT, MAX_PUSH_OPS, PROTOCOL,
};
