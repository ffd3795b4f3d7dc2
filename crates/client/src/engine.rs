//! The engine: this device's identity and clocks, and every local write.
//!
//! Each local write is one operation, stamped by the device's hybrid
//! logical clock and stored with the record and the outbox in one atomic
//! store call; the sync in [`crate::sync`] sends it later. The rules
//! themselves (what an operation sets, how records merge, what a handling
//! action may do) are the domain crate's; the engine decides only what is
//! read before, what is stamped, and what is written, in which order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{DateTime, FixedOffset, Utc};
use complaints_domain::answers::{self, Answer};
use complaints_domain::handling::{record_status_change, Actor, HandlingError};
use complaints_domain::pdca::{self, PdcaItem};
use complaints_domain::session::{Session, Validity};
use complaints_domain::store::{edit_draft_key, ComplaintStore, RecordStore};
use complaints_domain::sync::{
    choose_value, is_complaint, local_change, op_id_from_bytes, reapply, Hlc, HlcClock, Op,
    RecordState, Stamp, CREATED_AT, MAX_CLOCK_AHEAD_MS,
};
use complaints_domain::validate::has_errors;
use complaints_domain::{
    case_number, Complaint, ComplaintForm, Issue, NewComplaint, OutboxEntry, StoreError,
};
use serde::{Deserialize, Serialize};

use crate::api::{Api, ApiError};
use crate::env::Env;
use crate::settings::{self, KeptClock};

/// This device's identity, made once and kept in the store
/// ([`settings::DEVICE`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// A random UUID: says which device made an operation.
    pub id: String,
    /// The device part of case numbers, see [`case_number::device_tag`].
    pub tag: String,
    /// A secret the device presents when it signs in (32 hex digits, 128
    /// random bits): the server binds the device id to it, so an id copied
    /// out of an operation cannot sign in as this device. Never in an
    /// operation. Made on first use by a device from before keys existed.
    #[serde(default)]
    pub key: String,
}

/// Why a local write did not happen. Nothing was written in any case.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChangeError {
    /// The form has errors (every issue, warnings included).
    #[error("the form has errors")]
    Invalid(Vec<Issue>),
    /// A rule of the handling process says no (closing without a result…).
    #[error("a handling rule refuses the change: {0:?}")]
    Rule(HandlingError),
    /// No complaint with this id on the device.
    #[error("no complaint {0} on this device")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What waits in the outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutboxStatus {
    /// Local changes waiting to be sent.
    pub pending: usize,
    /// Local changes the server refused, in the order they were made, each
    /// with its reason: they wait for the user (discard or apply again).
    pub refused: Vec<OutboxEntry>,
}

/// The sync engine of one device: see the crate docs.
///
/// Holds the store (shared with the app, which reads from it directly), the
/// server's API, the environment, the device's identity, its clock and its
/// offset from the server's clock, and the signed-in user. Interior
/// mutability only through `Cell`/`RefCell`, never borrowed across an
/// `.await`, so calls may interleave on the browser's one thread.
pub struct Engine<S, A, E> {
    pub(crate) store: Rc<S>,
    pub(crate) api: A,
    pub(crate) env: E,
    pub(crate) device: Device,
    clock: Cell<HlcClock>,
    /// Server time minus device time, as last measured (ms).
    offset_ms: Cell<i64>,
    /// The latest wall time seen (ms): see [`Self::seen_ms`].
    seen_ms: Cell<i64>,
    /// The signed-in user's username, stamped on operations.
    user: RefCell<Option<String>>,
    /// Settings found unreadable when the engine opened (their defaults
    /// were used, and written back).
    skipped: Vec<String>,
}

impl<S, A, E> Engine<S, A, E>
where
    S: ComplaintStore + RecordStore,
    A: Api,
    E: Env,
{
    /// Opens the engine over an open store: reads the device's identity
    /// (making and keeping one on first start), its clock and its offset
    /// from the server's clock, then gives complaints saved before this
    /// device synced (app version 1) their creation operation, once, so
    /// they reach the server too. No user is signed in until
    /// [`Self::set_user`].
    ///
    /// A setting that cannot be read never stops it: the default is used
    /// (a new identity, a fresh clock, no offset), written back, and named in
    /// [`Self::skipped_settings`] for the app to say so once. Only a failing
    /// store is an error.
    pub async fn open(store: Rc<S>, api: A, env: E) -> Result<Self, StoreError> {
        let mut skipped = Vec::new();
        let device = match settings::read::<Device>(&*store, settings::DEVICE, &mut skipped).await?
        {
            Some(device) if !device.key.is_empty() => device,
            Some(device) => {
                let device = Device {
                    key: random_key(&env),
                    ..device
                };
                settings::write(&*store, settings::DEVICE, &device).await?;
                device
            }
            None => {
                let id = random_uuid(&env);
                let device = Device {
                    id: id.to_string(),
                    tag: case_number::device_tag(&id),
                    key: random_key(&env),
                };
                settings::write(&*store, settings::DEVICE, &device).await?;
                device
            }
        };
        let clock = settings::read::<KeptClock>(&*store, settings::CLOCK, &mut skipped)
            .await?
            .unwrap_or_default();
        let offset_ms = settings::read::<i64>(&*store, settings::CLOCK_OFFSET, &mut skipped)
            .await?
            .unwrap_or(0);
        let adopted = settings::read::<bool>(&*store, settings::ADOPTED_UNSYNCED, &mut skipped)
            .await?
            .is_some();
        let engine = Engine {
            store,
            api,
            env,
            device,
            clock: Cell::new(HlcClock::new(clock.last)),
            offset_ms: Cell::new(offset_ms),
            seen_ms: Cell::new(clock.seen_ms),
            user: RefCell::new(None),
            skipped,
        };
        engine.note_now();
        if !adopted {
            engine.adopt_unsynced().await?;
        }
        if !engine.skipped.is_empty() {
            // Written back with their defaults: the app says so this once.
            engine.persist_time().await?;
        }
        Ok(engine)
    }

    /// The settings found unreadable when the engine opened: each was
    /// skipped for its default (and written back), so the app can say so —
    /// once, as the next start finds them readable.
    pub fn skipped_settings(&self) -> &[String] {
        &self.skipped
    }

    /// Gives every complaint without a sync state its creation operation,
    /// once per device.
    async fn adopt_unsynced(&self) -> Result<(), StoreError> {
        for c in self.store.list_complaints().await?.complaints {
            if self.store.get_record_state(&c.id).await?.is_none() {
                if let Ok(Some(change)) = local_change(None, None, &c, self.stamp()) {
                    self.persist_clock().await?;
                    self.store.save_change(&change.op, None).await?;
                }
            }
        }
        self.store
            .set_setting(settings::ADOPTED_UNSYNCED, true.into())
            .await
    }

    /// The store (the app reads lists, drafts and states from it directly).
    pub fn store(&self) -> &Rc<S> {
        &self.store
    }

    /// The server's API.
    pub fn api(&self) -> &A {
        &self.api
    }

    /// The environment.
    pub fn env(&self) -> &E {
        &self.env
    }

    /// This device's identity.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Sets who is signed in (`None`: nobody): their username goes on every
    /// operation stamped from now on.
    pub fn set_user(&self, username: Option<String>) {
        *self.user.borrow_mut() = username;
    }

    /// The username stamped on operations.
    pub fn user(&self) -> Option<String> {
        self.user.borrow().clone()
    }

    // ---- Time and stamps ------------------------------------------------

    /// Physical time for the clock: the device's, corrected by the server's.
    pub fn now_ms(&self) -> u64 {
        (self.env.wall_ms().saturating_add(self.offset_ms.get())).max(0) as u64
    }

    /// The time by the server-corrected clock.
    pub fn clock_now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms() as i64).unwrap_or_default()
    }

    /// Server time minus device time, as last measured (ms).
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.get()
    }

    /// The clock's last stamp, issued or seen.
    pub fn last_stamp(&self) -> Hlc {
        self.clock.get().last()
    }

    /// The latest wall time the device has seen (ms since the epoch), its
    /// clock's high-water mark: every reading of its own clock (corrected by
    /// the server's) moves it forward, a clock set back never moves it back.
    /// Only the server's time can lower it (see [`Self::observe_server_time`]).
    /// Stamps received from other devices never move it: one stamped in the
    /// future cannot end a session.
    pub fn seen_ms(&self) -> i64 {
        self.seen_ms.get()
    }

    /// Reads the device's clock, corrected by the server's, into the
    /// high-water mark ([`Self::seen_ms`]); returns the mark.
    fn note_now(&self) -> i64 {
        let now = self.env.wall_ms().saturating_add(self.offset_ms.get());
        let seen = self.seen_ms.get().max(now);
        self.seen_ms.set(seen);
        seen
    }

    /// Whether `session` is valid now, judged offline by the device's clock
    /// corrected by the server's and never before the latest time the device
    /// has seen ([`Self::seen_ms`]): a clock set back does not bring an
    /// expired session back, and a stamp from another device cannot end one.
    /// The reading is kept in memory; [`Self::keep_time`] keeps it across
    /// restarts.
    pub fn session_validity(&self, session: &Session) -> Validity {
        let seen = self.note_now();
        session.validity(self.env.wall_ms(), self.offset_ms(), seen)
    }

    /// Reads the clock into the high-water mark and keeps it (with the
    /// clock) across restarts. The app calls it on its 30 s tick; every local
    /// write and every sync keep it too.
    pub async fn keep_time(&self) -> Result<(), StoreError> {
        self.note_now();
        self.persist_clock().await
    }

    /// A fresh random id: for operations and timeline entries.
    pub fn new_id(&self) -> String {
        let mut bytes = [0u8; 10];
        self.env.fill_random(&mut bytes);
        op_id_from_bytes(bytes)
    }

    /// A fresh identity and stamp for a local operation: the clock ticks (in
    /// memory; the write that uses the stamp keeps the clock first).
    pub fn stamp(&self) -> Stamp {
        self.note_now();
        let mut clock = self.clock.get();
        let hlc = clock.tick(self.now_ms());
        self.clock.set(clock);
        Stamp {
            user: self.user(),
            op_id: self.new_id(),
            hlc,
            device: self.device.id.clone(),
        }
    }

    /// Takes in a stamp received from another device: the next local stamp
    /// is greater — but never beyond the server-corrected time plus
    /// [`MAX_CLOCK_AHEAD_MS`], the most the server accepts. A stamp further
    /// ahead (forged, or from a device whose clock ran fast before the server
    /// checked stamps) would otherwise carry this clock, and every change it
    /// stamps, into the future: refused by the server until the clock caught
    /// up. Such a stamp still wins over this device's later edits of the
    /// same field, as its stamp says.
    pub fn observe_stamp(&self, hlc: Hlc) {
        let now = self.now_ms();
        let limit = Hlc::new(now.saturating_add(MAX_CLOCK_AHEAD_MS), 0);
        let mut clock = self.clock.get();
        clock.observe(hlc.min(limit), now);
        self.clock.set(clock);
    }

    /// Takes in the server's time (every answer carries it, so does the
    /// login answer) and keeps the offset, the clock and the latest time
    /// seen.
    pub async fn observe_server_time(&self, server: DateTime<Utc>) -> Result<(), StoreError> {
        self.note_server_time(server);
        self.persist_time().await
    }

    /// [`Self::observe_server_time`] in memory only. The offset corrects the
    /// device's clock from now on. The hybrid clock forgets stamps beyond the
    /// server's time plus [`MAX_CLOCK_AHEAD_MS`]: the server accepts none
    /// beyond that, so the clock stays ahead of every accepted stamp while a
    /// device whose clock ran fast stops stamping changes the server refuses.
    ///
    /// The server's time also becomes the latest time seen
    /// ([`Self::seen_ms`]): ahead of a mark that is behind it, and below one
    /// that is beyond it — such a mark came from the device's own clock
    /// running fast (before the first contact, or set forward since), and
    /// would otherwise end a session early. The server is the one clock a
    /// session's expiry is measured by.
    pub(crate) fn note_server_time(&self, server: DateTime<Utc>) {
        let server_ms = server.timestamp_millis();
        self.offset_ms.set(server_ms - self.env.wall_ms());
        self.seen_ms.set(server_ms);
        let limit = server_ms.max(0) as u64 + MAX_CLOCK_AHEAD_MS;
        let mut clock = self.clock.get();
        clock.clamp(Hlc::new(limit, 0));
        self.clock.set(clock);
    }

    /// Keeps the clock (its last stamp and the latest time seen) across
    /// restarts.
    pub async fn persist_clock(&self) -> Result<(), StoreError> {
        let kept = KeptClock {
            last: self.clock.get().last(),
            seen_ms: self.seen_ms.get(),
        };
        settings::write(&*self.store, settings::CLOCK, &kept).await
    }

    /// Keeps the offset and the clock.
    pub(crate) async fn persist_time(&self) -> Result<(), StoreError> {
        self.store
            .set_setting(settings::CLOCK_OFFSET, self.offset_ms.get().into())
            .await?;
        self.persist_clock().await
    }

    // ---- Tokens to revoke ---------------------------------------------------

    /// Keeps `token` to be revoked at the next contact with the server
    /// ([`Self::revoke_pending`]): a session signed out while the server
    /// could not be told.
    pub async fn revoke_later(&self, token: &str) -> Result<(), StoreError> {
        settings::revoke_later(&*self.store, token).await
    }

    /// The tokens waiting to be revoked.
    pub async fn pending_revocations(&self) -> Result<Vec<String>, StoreError> {
        settings::revoke_tokens(&*self.store).await
    }

    /// Revokes every token a sign-out left (`POST /api/v1/auth/logout`
    /// with each). A token the server revoked, or refused (`401`: expired,
    /// revoked or unknown already), is forgotten; any other failure
    /// (offline, a server error) keeps it for the next try. Returns how many
    /// still wait. The app calls it at start, when the network comes back
    /// and on its 30 s tick (while online).
    pub async fn revoke_pending(&self) -> Result<usize, StoreError> {
        let tokens = settings::revoke_tokens(&*self.store).await?;
        if tokens.is_empty() {
            return Ok(0);
        }
        let mut done = Vec::new();
        for token in &tokens {
            match self.api.logout(token).await {
                Ok(()) | Err(ApiError::Status { status: 401, .. }) => done.push(token.clone()),
                Err(_) => {}
            }
        }
        // Read again: a token another tab added meanwhile stays.
        let mut left = settings::revoke_tokens(&*self.store).await?;
        if !done.is_empty() {
            left.retain(|t| !done.contains(t));
            settings::write(&*self.store, settings::REVOKE_TOKENS, &left).await?;
        }
        Ok(left.len())
    }

    // ---- Local writes -----------------------------------------------------

    /// Stores a stamped local change: the clock is kept first, so no stored
    /// operation ever carries a stamp the kept clock has not reached (after a
    /// restart, new stamps are still greater); then the operation, the
    /// record and the removal of `draft` in one atomic step.
    async fn queue(&self, op: &Op, draft: Option<&str>) -> Result<Complaint, StoreError> {
        self.persist_clock().await?;
        self.store.save_change(op, draft).await
    }

    /// Saves a new complaint from the intake form (`offset`: the device's
    /// time zone) and removes the draft `clear_draft` in the same atomic
    /// step. The complaint's id is random; its case number takes the day it
    /// was received, this device's tag and the day's next sequence number.
    /// Warnings do not stop the save.
    pub async fn create(
        &self,
        form: &ComplaintForm,
        offset: FixedOffset,
        clear_draft: Option<&str>,
    ) -> Result<Complaint, ChangeError> {
        let issues = form.issues(offset);
        if has_errors(&issues) {
            return Err(ChangeError::Invalid(issues));
        }
        let now = self.clock_now();
        let received =
            complaints_domain::form::parse_local_datetime(&form.received_at, offset).unwrap_or(now);
        let day = received.with_timezone(&offset).date_naive();
        let seq = self.store.next_case_sequence(day).await?;
        let branch = form.branch_code.trim().to_ascii_uppercase();
        let new = NewComplaint {
            id: random_uuid(&self.env).to_string(),
            case_number: case_number::format(&branch, day, &self.device.tag, seq),
            device_id: self.device.id.clone(),
            now,
        };
        let (complaint, _warnings) = form
            .to_new_complaint(offset, new)
            .map_err(ChangeError::Invalid)?;
        let change = local_change(None, None, &complaint, self.stamp())
            .map_err(StoreError::Invalid)?
            .ok_or_else(|| StoreError::Invalid("a creation that sets nothing".into()))?;
        Ok(self.queue(&change.op, clear_draft).await?)
    }

    /// Saves the edit form over `base` (the complaint as the user saw it)
    /// and removes its draft ([`edit_draft_key`]). Only the fields that
    /// changed are sent, based on the versions the record holds now, so an
    /// edit pulled meanwhile is kept. A status change goes on the timeline
    /// as `actor`'s. `None` when nothing changed: nothing is queued, only the
    /// draft is dropped.
    pub async fn save_edit(
        &self,
        base: &Complaint,
        form: &ComplaintForm,
        offset: FixedOffset,
        actor: &Actor,
    ) -> Result<Option<Complaint>, ChangeError> {
        let now = self.clock_now();
        let (mut edited, _warnings) = form
            .apply_to(base, offset, now)
            .map_err(ChangeError::Invalid)?;
        if edited.status != base.status {
            // Who changed the status, and when, goes on the timeline.
            record_status_change(&mut edited, base.status, self.new_id(), actor, now);
        }
        let state = self.store.get_record_state(&base.id).await?;
        let draft = edit_draft_key(&base.id);
        let change = local_change(state.as_ref(), Some(base), &edited, self.stamp())
            .map_err(StoreError::Invalid)?;
        let Some(change) = change else {
            // Nothing changed: nothing to send, only the draft to drop.
            self.store.delete_draft(&draft).await?;
            return Ok(None);
        };
        Ok(Some(self.queue(&change.op, Some(&draft)).await?))
    }

    /// Applies a handling action (an entry, a tick, a status change) to the
    /// stored complaint and saves what it changed as one operation. `action`
    /// gets the complaint, a fresh id for a timeline entry and the
    /// server-corrected time, and is one of the domain's handling functions
    /// (`add_entry`, `tick_step`, `change_status`…) with the app's actor.
    /// When it changes nothing, the complaint comes back as it is.
    pub async fn handle(
        &self,
        id: &str,
        action: impl FnOnce(&Complaint, String, DateTime<Utc>) -> Result<Complaint, HandlingError>,
    ) -> Result<Complaint, ChangeError> {
        let base = self
            .store
            .get_complaint(id)
            .await?
            .ok_or_else(|| ChangeError::NotFound(id.to_string()))?;
        let after = action(&base, self.new_id(), self.clock_now()).map_err(ChangeError::Rule)?;
        let state = self.store.get_record_state(id).await?;
        let change = local_change(state.as_ref(), Some(&base), &after, self.stamp())
            .map_err(StoreError::Invalid)?;
        match change {
            Some(change) => Ok(self.queue(&change.op, None).await?),
            None => Ok(base),
        }
    }

    /// Settles a field on one of its values (ends a conflict, or restores an
    /// older value): a new operation like any edit.
    pub async fn choose_value(
        &self,
        id: &str,
        field: &str,
        value: serde_json::Value,
    ) -> Result<Complaint, ChangeError> {
        let state = self
            .store
            .get_record_state(id)
            .await?
            .unwrap_or_else(|| RecordState::new(id));
        let change =
            choose_value(&state, field, value, self.stamp()).map_err(StoreError::Invalid)?;
        Ok(self.queue(&change.op, None).await?)
    }

    /// Saves a PDCA row: only what changed (a new row: all of it); `false`
    /// when nothing did and nothing was queued.
    pub async fn save_plan(&self, row: &PdcaItem) -> Result<bool, StoreError> {
        let state = self.store.get_record_state(&row.id()).await?;
        let created = complaints_domain::timefmt::rfc3339::format(&self.clock_now());
        let Some(op) = pdca::change(state.as_ref(), row, &created, self.stamp()) else {
            return Ok(false);
        };
        self.persist_clock().await?;
        self.store.save_record(&op).await?;
        Ok(true)
    }

    /// The PDCA rows on the device.
    pub async fn plans(&self) -> Result<Vec<PdcaItem>, StoreError> {
        let states = self.store.records_with_prefix(pdca::PREFIX).await?;
        Ok(states.iter().filter_map(PdcaItem::from_state).collect())
    }

    /// Saves a standard answer: only what changed (a new one: all of it),
    /// stamped with who changed it and when, one version up; `false` when
    /// nothing changed and nothing was queued. `editor`: the signed-in
    /// user's name (also the author of a new answer).
    pub async fn save_answer(&self, answer: &Answer, editor: &str) -> Result<bool, StoreError> {
        let state = self.store.get_record_state(&answer.id).await?;
        let now = complaints_domain::timefmt::rfc3339::format(&self.clock_now());
        let before = state.as_ref().and_then(Answer::from_state);
        if before.as_ref() == Some(answer) {
            return Ok(false);
        }
        let mut next = answer.clone();
        next.editor = editor.to_owned();
        next.updated_at = now.clone();
        match &before {
            Some(before) => {
                next.author = before.author.clone();
                next.version = before.version.saturating_add(1);
            }
            None => {
                next.author = editor.to_owned();
                next.version = 1;
            }
        }
        let Some(op) = answers::change(state.as_ref(), &next, &now, self.stamp()) else {
            return Ok(false);
        };
        self.persist_clock().await?;
        self.store.save_record(&op).await?;
        Ok(true)
    }

    /// Settles a field of a standard answer on one of its values (ends a
    /// conflict between two managers' edits): a new operation like any edit.
    pub async fn choose_answer_value(
        &self,
        id: &str,
        field: &str,
        value: serde_json::Value,
    ) -> Result<(), StoreError> {
        let state = self
            .store
            .get_record_state(id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("no answer {id}")))?;
        // Not `choose_value`: that one reads the result as a complaint.
        let op = complaints_domain::replica::settle_op(&state, field, value, self.stamp());
        self.persist_clock().await?;
        self.store.save_record(&op).await?;
        Ok(())
    }

    /// The standard answers on the device, by title.
    pub async fn answers(&self) -> Result<Vec<Answer>, StoreError> {
        let states = self.store.records_with_prefix(answers::PREFIX).await?;
        let mut out: Vec<Answer> = states.iter().filter_map(Answer::from_state).collect();
        complaints_domain::sort::sort_by(&mut out, |a, b| {
            a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// What waits in the outbox, and what the server refused.
    pub async fn outbox_status(&self) -> Result<OutboxStatus, StoreError> {
        let (refused, pending): (Vec<_>, Vec<_>) = self
            .store
            .outbox()
            .await?
            .into_iter()
            .partition(|e| e.rejection.is_some());
        Ok(OutboxStatus {
            pending: pending.len(),
            refused,
        })
    }

    /// Drops a change the server refused; the record goes back to what it was
    /// without it. Dropping a refused creation also drops the record's later
    /// changes still queued (they could never be accepted without it). Returns
    /// the record as it now reads (`None`: it is gone, or was not a complaint).
    pub async fn discard_refused(&self, op_id: &str) -> Result<Option<Complaint>, StoreError> {
        let outbox = self.store.outbox().await?;
        let mut doomed = vec![op_id.to_string()];
        if let Some(entry) = outbox.iter().find(|e| e.op.id == op_id) {
            if entry.op.set.contains_key(CREATED_AT) {
                doomed.extend(
                    outbox
                        .iter()
                        .filter(|e| e.op.record == entry.op.record && e.op.id != op_id)
                        .map(|e| e.op.id.clone()),
                );
            }
        }
        let mut complaint = None;
        // Newest first, so each removal leaves a consistent record behind.
        for id in doomed.iter().rev() {
            complaint = self.store.discard_op(id).await?;
        }
        Ok(complaint)
    }

    /// Makes a refused change again with a fresh stamp (after a clock fix),
    /// together with the record's later changes still queued, in their order:
    /// each is re-based on the one before, so none looks concurrent with it.
    /// The old operations leave the outbox. Returns the record as it now
    /// reads (`None`: `op_id` is not queued, the change no longer changes
    /// anything, or the record is a PDCA row).
    pub async fn reapply_refused(&self, op_id: &str) -> Result<Option<Complaint>, StoreError> {
        let outbox = self.store.outbox().await?;
        let Some(first) = outbox.iter().position(|e| e.op.id == op_id) else {
            return Ok(None);
        };
        let record = outbox[first].op.record.clone();
        let chain: Vec<Op> = outbox[first..]
            .iter()
            .filter(|e| e.op.record == record)
            .map(|e| e.op.clone())
            .collect();
        for op in chain.iter().rev() {
            self.store.discard_op(&op.id).await?;
        }
        if !is_complaint(&record) {
            self.reapply_record(&record, &chain).await?;
            return Ok(None);
        }
        let mut latest = None;
        for op in &chain {
            let state = self
                .store
                .get_record_state(&op.record)
                .await?
                .unwrap_or_else(|| RecordState::new(&op.record));
            if let Some(change) = reapply(&state, op, self.stamp()).map_err(StoreError::Invalid)? {
                latest = Some(self.queue(&change.op, None).await?);
            }
        }
        Ok(latest)
    }

    /// A PDCA row's or an answer's refused changes made again as one change
    /// with a fresh stamp: the record as they meant it, over what it holds now.
    async fn reapply_record(&self, record: &str, chain: &[Op]) -> Result<(), StoreError> {
        // After the discards, a row never accepted is an empty state: the
        // new change must create it again.
        let state = self
            .store
            .get_record_state(record)
            .await?
            .filter(|s| !s.ops.is_empty());
        let mut meant = state.clone().unwrap_or_else(|| RecordState::new(record));
        for op in chain {
            meant.apply(op);
        }
        let created = complaints_domain::timefmt::rfc3339::format(&self.clock_now());
        let op = if pdca::is_pdca(record) {
            PdcaItem::from_state(&meant)
                .and_then(|row| pdca::change(state.as_ref(), &row, &created, self.stamp()))
        } else {
            Answer::from_state(&meant)
                .and_then(|a| answers::change(state.as_ref(), &a, &created, self.stamp()))
        };
        if let Some(op) = op {
            self.persist_clock().await?;
            self.store.save_record(&op).await?;
        }
        Ok(())
    }
}

/// A random (version 4) UUID from the environment's bytes.
/// 128 random bits as 32 hex digits: a device's key.
fn random_key(env: &impl Env) -> String {
    let mut bytes = [0u8; 16];
    env.fill_random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_uuid(env: &impl Env) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    env.fill_random(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
