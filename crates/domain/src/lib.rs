//! The complaint-handling domain, shared by the browser app and the server.
//!
//! Everything here is a pure function of its inputs: no I/O, no clock reads,
//! no randomness, no dependency on leptos, web-sys or sqlx. It compiles
//! natively and to wasm, so the browser and the server always compute the
//! same answer for the same data — a rule exists once, here.
//!
//! - [`model`]: the complaint record, its timeline entries and ticked steps,
//!   and its channels, categories, statuses, natures and service stages,
//!   each with its Chinese and English label ([`Labelled`]);
//! - [`field`]: the record's fields, named once, with their labels;
//! - [`form`]: the record as typed, validated into a [`Complaint`];
//! - [`validate`], [`vin`], [`phone`], [`money`]: the rules and their messages;
//! - [`case_number`]: human-readable numbers made offline without collisions;
//! - [`handling`]: the handling process — valid entries, the eight steps,
//!   escalation, status changes, the major-complaint mark;
//! - [`sla`]: the handling clocks (2-hour contact, 3-day callback, 4-hour report);
//! - [`risk`]: the major-complaint warnings;
//! - [`search`]: the list's search, filters and order, and the same-vehicle lookup;
//! - [`replica`]: a record's sync state — operations, clocks, the merge rule;
//!   [`sync`]: the protocol's messages and the check of every pushed operation;
//! - [`store`]: the storage contract, an in-memory store and its conformance suite;
//! - [`kpi`]: the four KPIs and the monthly report's figures; [`pdca`]: the
//!   PDCA table's rows, synced as records of their own; [`report`]: the
//!   monthly report as CSV; [`answers`]: the standard answers, synced as
//!   records of their own, and their offline search;
//! - [`access`]: users' roles and the branches each may see ([`access::Scope`]).
//!
//! # Layers
//!
//! A module refers (`crate::x`, doc links included) only to modules in
//! lower layers or its own; `crates/lint` fails on any cycle. Lowest first:
//!
//! 1. `lang`, `timefmt`, `money`, `phone`, `vin`; then
//!    `case_number`, `field` and `validate` on them;
//! 2. `model`, with the timeline types the record is made of;
//! 3. on the model: `access` (then `session`), `search`, `fixtures`, `risk`;
//! 4. `replica`: sync state for any record kind, knowing none of their rules;
//! 5. `handling` (the process rules; re-exports the timeline types);
//! 6. `form` and `sla`, on `handling`;
//! 7. `kpi` (then `report`);
//! 8. `pdca`: KPI targets and plans as synced records, on `kpi` and `replica`;
//!    `answers`: standard answers as synced records and their search, on
//!    `access` and `replica`;
//! 9. `sync`: the check every pushed operation passes needs every record
//!    kind's rules (`form`, `handling`, `pdca`); re-exports `replica`;
//! 10. `store`, on `sync`.
//!
//! Data a lower layer needs lives in that layer and is re-exported upwards
//! (`handling::Entry` is `model::Entry`). Where a rule is a method of a lower
//! layer's type, the method is defined in the rule's layer: `Entry::check`
//! in `handling`, `Rejection::message` in `sync`.

pub mod access;
pub mod answers;
pub mod case_number;
pub mod cases;
pub mod field;
pub mod fixtures;
pub mod form;
pub mod handling;
pub mod kpi;
pub mod lang;
pub mod model;
pub mod money;
pub mod pdca;
pub mod phone;
pub mod replica;
pub mod report;
pub mod risk;
pub mod search;
pub mod session;
pub mod sla;
pub mod sort;
pub mod store;
pub mod sync;
pub mod timefmt;
pub mod validate;
pub mod vin;

pub use field::{Field, FieldKind};
pub use form::{ComplaintForm, NewComplaint};
pub use lang::{Labelled, Lang};
pub use model::{Category, Channel, Complaint, Nature, ServiceStage, Status};
pub use money::Cny;
pub use search::ListQuery;
pub use store::{ComplaintStore, Listing, MemoryStore, OutboxEntry, StoreError, Unreadable};
pub use validate::{Issue, IssueKind, Severity};
