//! The complaint-handling domain, shared by the browser app and the server.
//!
//! Everything here is a pure function of its inputs: no I/O, no clock reads,
//! no randomness, no dependency on leptos, web-sys or sqlx. It compiles
//! natively and to wasm, so the browser and the server always compute the
//! same answer for the same data — a rule exists once, here.
//!
//! - [`model`]: the complaint record and its channels, categories, statuses
//!   and natures, each with its Chinese and English label ([`Labelled`]);
//! - [`field`]: the record's fields, named once, with their labels;
//! - [`form`]: the record as typed, validated into a [`Complaint`];
//! - [`validate`], [`vin`], [`phone`], [`money`]: the rules and their messages;
//! - [`case_number`]: human-readable numbers made offline without collisions;
//! - [`handling`]: the handling process — timeline, the eight steps,
//!   escalation, status changes, the major-complaint mark;
//! - [`sla`]: the handling clocks (2-hour contact, 3-day callback, 4-hour report);
//! - [`risk`]: the major-complaint warnings;
//! - [`search`]: the list's search, filters and order, and the same-vehicle lookup;
//! - [`store`]: the storage contract, an in-memory store and its conformance suite;
//! - [`kpi`]: the four KPIs and the monthly report's figures; [`pdca`]: the
//!   PDCA table's rows, synced as records of their own; [`report`]: the
//!   monthly report as CSV;
//! - [`access`]: users' roles and the branches each may see ([`access::Scope`]).

pub mod access;
pub mod case_number;
pub mod field;
pub mod fixtures;
pub mod form;
pub mod handling;
pub mod kpi;
pub mod lang;
pub mod model;
pub mod money;
pub mod order;
pub mod pdca;
pub mod phone;
pub mod report;
pub mod risk;
pub mod search;
pub mod session;
pub mod sla;
pub mod store;
pub mod sync;
pub mod timefmt;
pub mod validate;
pub mod vin;

pub use field::{Field, FieldKind};
pub use form::{ComplaintForm, NewComplaint};
pub use lang::{Labelled, Lang};
pub use model::{Category, Channel, Complaint, Nature, Status};
pub use money::Cny;
pub use search::ListQuery;
pub use store::{ComplaintStore, Listing, MemoryStore, OutboxEntry, StoreError, Unreadable};
pub use validate::{Issue, IssueKind, Severity};
