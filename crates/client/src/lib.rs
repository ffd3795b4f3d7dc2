//! The app's sync engine, in plain Rust.
//!
//! # Why this crate exists
//! The app keeps working offline: every change is stored on the device as
//! one operation and sent later. What to send, how to treat each answer,
//! what to pull, how the device's clock is kept honest, what a refused
//! change becomes — that logic used to live in the app's state, mixed with
//! signals, IndexedDB and HTTP, so it could only be tested in a browser.
//! Here it is over three traits and runs in `cargo test`:
//! - the store: [`ComplaintStore`] and [`RecordStore`] of the domain crate
//!   (IndexedDB in the app, [`complaints_domain::MemoryStore`] in tests);
//! - the server: [`Api`] (HTTP in the app, a scripted fake in tests);
//! - the environment: [`Env`], the device's clock and random bytes, which
//!   this crate never reads by itself.
//!
//! # What it decides
//! - the device's identity (made once), its hybrid logical clock and its
//!   offset from the server's clock ([`Engine::open`], [`Engine::stamp`],
//!   [`Engine::observe_server_time`]); a stamp received from the future
//!   moves that clock no further than the server allows;
//! - the latest time the device has seen, which a session's offline expiry
//!   is judged against ([`Engine::session_validity`], [`Engine::seen_ms`]):
//!   setting the clock back does not reopen an expired session;
//! - settings that cannot be read: skipped for their defaults, never a
//!   reason not to start ([`Engine::skipped_settings`], [`settings::read`]);
//! - tokens a sign-out could not revoke (offline): revoked at the next
//!   contact ([`Engine::revoke_pending`]);
//! - every local write as one stamped operation ([`Engine::create`],
//!   [`Engine::save_edit`], [`Engine::handle`], [`Engine::choose_value`],
//!   [`Engine::save_plan`], [`Engine::save_answer`]);
//! - what the user may do with a refused change ([`Engine::discard_refused`],
//!   [`Engine::reapply_refused`]);
//! - one sync ([`Engine::sync_once`]): push in batches, pull pages, what a
//!   failure means ([`SyncFailure`]) and how long to wait after it ([`Backoff`]).
//!
//! The rules themselves (merging, what an operation sets, handling, the
//! server's check) stay in the domain crate; the engine calls them.
//!
//! # What the app keeps
//! The browser glue only: the Web Lock that lets one tab sync at a time,
//! the BroadcastChannel that tells the other tabs to re-read, the timers
//! that decide when to sync (and the jitter for [`Backoff`]), the signals
//! views render, the words users read, and the session (sign-in, sign-out,
//! removing another user's data).
//!
//! No leptos, web-sys, gloo or wasm-bindgen here: the crate compiles
//! natively and for `wasm32-unknown-unknown`. Futures are not `Send`; the
//! browser has one thread.

mod api;
mod backoff;
mod engine;
mod env;
pub mod settings;
mod sync;

pub use api::{Api, ApiError};
pub use backoff::Backoff;
pub use complaints_domain::store::{ComplaintStore, RecordStore};
pub use engine::{ChangeError, Device, Engine, OutboxStatus};
pub use env::Env;
pub use sync::{Progress, SyncFailure, SyncProblem, SyncReport, PULL_PAGE, PUSH_BATCH};
