//! One sync: push the outbox, then pull until the server has nothing more.
//!
//! Push sends every waiting operation in batches; every operation gets its
//! own answer, and a refused one is marked on its entry and never blocks the
//! others. Pull fetches pages after the stored cursor; each page is merged
//! and stored with its cursor in one atomic store call, so a sync cut off
//! anywhere resumes where it stopped and repeats nothing twice in effect
//! (merging is idempotent).
//!
//! The network and the store overlap: the next push batch is sent while
//! the last answer is settled, the next pull page requested while the last
//! page is stored (both are futures on the browser's one thread). The store
//! still takes in the answers one at a time, in order; see [`Engine::push`]
//! and [`Engine::pull`] for why that is safe.
//!
//! When to sync, and one tab at a time, is the app's business (timers,
//! the Web Lock); so is telling other tabs (BroadcastChannel).

use std::collections::BTreeSet;

use futures::future::join;

use complaints_domain::answers::is_answer;
use complaints_domain::pdca::is_pdca;
use complaints_domain::session::SignInNotice;
use complaints_domain::sort::set_of;
use complaints_domain::store::{ComplaintStore, RecordStore};
use complaints_domain::sync::{
    Op, Outcome, PullResponse, PushRequest, PushResponse, RejectCode, Rejection, Withdrawn,
    CREATED_AT, MAX_PULL_LIMIT, MAX_PUSH_OPS,
};
use complaints_domain::{Complaint, StoreError};

use crate::api::{Api, ApiError};
use crate::engine::Engine;
use crate::env::Env;

/// The most operations one push carries.
pub const PUSH_BATCH: usize = 500;
/// The most operations asked for in one pull page.
pub const PULL_PAGE: u32 = 1000;

const _: () = assert!(PUSH_BATCH <= MAX_PUSH_OPS);
const _: () = assert!(PULL_PAGE <= MAX_PULL_LIMIT);

/// How far a sync has got, reported while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A push batch was answered: `sent` operations left the waiting queue
    /// (accepted, refused, or waiting for their record's creation: each is
    /// counted again when the outbox is next read).
    Pushed { sent: usize },
    /// A pull page was received: operations received so far in this sync,
    /// of all those the server had waiting (`received + remaining`).
    Pulling { received: u64, total: u64 },
    /// A pull page was stored: the records it took off the device (moved
    /// out of the user's scope, or gone with a withdrawn operation), then
    /// the complaints it changed as they now read, in that order. A list
    /// takes these in as they come, so it grows while a long pull runs and
    /// is never read back whole.
    Stored {
        gone: Vec<String>,
        complaints: Vec<Complaint>,
    },
}

/// What a successful sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Operations the server accepted.
    pub accepted: usize,
    /// Operations it refused this time (their ids; the reasons are on their
    /// outbox entries, see [`Engine::outbox_status`]).
    pub refused: Vec<String>,
    /// Records a pull changed (complaints, PDCA rows, answers), each once, in the
    /// order first changed; none of them is in `removed`.
    pub changed: Vec<String>,
    /// Complaints removed from the device: they left the user's scope.
    pub removed: Vec<String>,
    /// Whether a PDCA row changed (the app re-reads [`Engine::plans`]).
    pub plans_changed: bool,
    /// Whether a standard answer changed (the app re-reads [`Engine::answers`]).
    pub answers_changed: bool,
}

impl SyncReport {
    /// Whether the device's data changed (other tabs re-read it).
    pub fn data_changed(&self) -> bool {
        !self.changed.is_empty() || !self.removed.is_empty()
    }
}

/// Why a sync stopped. What it did before stays done (settled batches,
/// stored pages); the next sync goes on from there.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncFailure {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the last sync failed, in terms the user can act on (the app words it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProblem {
    /// The server could not be reached (no network, server down).
    Unreachable,
    /// The server answered with an error (`200`: an answer that could not
    /// be read).
    Server(u16),
    /// Storage on this device failed.
    Storage,
    /// The device's storage is full: nothing more can be received.
    StorageFull,
}

impl SyncFailure {
    /// Why the session is over, when the server said so (a revoked, expired
    /// or unknown token, or another device's): the app shows the sign-in
    /// page; the device's data and queue stay for the same user.
    pub fn ends_session(&self) -> Option<SignInNotice> {
        match self {
            SyncFailure::Api(ApiError::Status { code, .. }) => SignInNotice::from_auth_code(code),
            _ => None,
        }
    }

    /// What the user is told.
    pub fn problem(&self) -> SyncProblem {
        match self {
            SyncFailure::Api(ApiError::Unreachable(_)) => SyncProblem::Unreachable,
            SyncFailure::Api(ApiError::Status { status, .. }) => SyncProblem::Server(*status),
            SyncFailure::Api(ApiError::RateLimited(_)) => SyncProblem::Server(429),
            SyncFailure::Api(ApiError::Decode(_)) => SyncProblem::Server(200),
            SyncFailure::Store(StoreError::QuotaExceeded(_)) => SyncProblem::StorageFull,
            SyncFailure::Store(_) => SyncProblem::Storage,
        }
    }
}

impl<S, A, E> Engine<S, A, E>
where
    S: ComplaintStore + RecordStore,
    A: Api,
    E: Env,
{
    /// Syncs once with the session's `token`: pushes the outbox, then pulls
    /// every page after the stored cursor. `progress` hears of each push
    /// batch and pull page. One sync at a time: the app's scheduler (and the
    /// Web Lock across tabs) sees to it.
    pub async fn sync_once(
        &self,
        token: &str,
        mut progress: impl FnMut(Progress),
    ) -> Result<SyncReport, SyncFailure> {
        let mut report = SyncReport::default();
        self.push(token, &mut report, &mut progress).await?;
        self.pull(token, &mut report, &mut progress).await?;
        let touched = || report.changed.iter().chain(&report.removed);
        report.plans_changed = touched().any(|id| is_pdca(id));
        report.answers_changed = touched().any(|id| is_answer(id));
        Ok(report)
    }

    /// Push: every waiting operation, in batches; each gets its own answer.
    ///
    /// Batch `k + 1` is sent while batch `k`'s answer is being settled (the
    /// store's work and the request overlap on the one thread). This is
    /// safe because:
    /// - batch `k + 1` goes out only once batch `k` is answered, so the
    ///   server still sees the batches one after the other, in outbox order;
    /// - settling batch `k` touches only batch `k`'s entries, and the rule
    ///   for edits waiting for their creation reads the outbox as it was
    ///   when the push began, never what settling changes;
    /// - answers are settled one at a time, in batch order, each exactly as
    ///   if it were the only one; when a request fails, the answers before
    ///   it are settled all the same before the failure is returned;
    /// - when settling fails, an answer in flight is dropped: its operations
    ///   stay queued and go again with the next sync, and the server applies
    ///   an operation it has already logged only once (it is accepted again).
    async fn push(
        &self,
        token: &str,
        report: &mut SyncReport,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SyncFailure> {
        let outbox = self.store.outbox().await?;
        // An edit refused as `unknown_record` while its record's creation is
        // still in the outbox (waiting, or refused and awaiting the user) is
        // not refused for good: it waits for its creation, and goes again
        // with the next sync.
        let uncreated: BTreeSet<String> = set_of(
            outbox
                .iter()
                .filter(|e| e.op.set.contains_key(CREATED_AT))
                .map(|e| e.op.record.clone()),
        );
        let waiting: Vec<_> = outbox
            .into_iter()
            .filter(|e| e.rejection.is_none())
            .map(|e| e.op)
            .collect();
        let mut batches = waiting.chunks(PUSH_BATCH);
        let Some(first) = batches.next() else {
            return Ok(());
        };
        // The last batch answered, with its answer: not settled yet.
        let mut answered = (
            first,
            self.api.push(token, &self.push_request(first)).await?,
        );
        for batch in batches {
            let request = self.push_request(batch);
            let (sent, settled) = join(
                self.api.push(token, &request),
                self.settle(answered, &uncreated, report, progress),
            )
            .await;
            // Settled first: a failed request returns only once the answers
            // before it are settled.
            settled?;
            answered = (batch, sent?);
        }
        self.settle(answered, &uncreated, report, progress).await
    }

    /// The push request for one batch.
    fn push_request(&self, batch: &[Op]) -> PushRequest {
        PushRequest {
            device: self.device.id.clone(),
            ops: batch.to_vec(),
        }
    }

    /// Takes in the server's answer to one batch: the accepted operations
    /// leave the outbox, the refused ones are marked with their reasons
    /// (unless they wait for their record's creation, see `uncreated` in
    /// [`Self::push`]).
    async fn settle(
        &self,
        (batch, response): (&[Op], PushResponse),
        uncreated: &BTreeSet<String>,
        report: &mut SyncReport,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SyncFailure> {
        self.note_server_time(response.server_time);
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        for result in response.results {
            match result.outcome {
                Outcome::Accepted => accepted.push(result.id),
                Outcome::Rejected { reason } => {
                    let waits_for_creation = reason.code == RejectCode::UnknownRecord
                        && batch
                            .iter()
                            .any(|op| op.id == result.id && uncreated.contains(&op.record));
                    if !waits_for_creation {
                        rejected.push((result.id, reason));
                    }
                }
            }
        }
        self.store.settle_outbox(&accepted, &rejected).await?;
        self.persist_time().await?;
        report.accepted += accepted.len();
        report
            .refused
            .extend(rejected.into_iter().map(|(id, _)| id));
        progress(Progress::Pushed { sent: batch.len() });
        Ok(())
    }

    /// Takes in one operation the server withdrew (see
    /// [`PullResponse::withdrawn`](complaints_domain::sync::PullResponse)):
    /// this device's own becomes a refused change the user settles, like any
    /// refused change; another device's leaves the record. Both before the
    /// page's cursor is stored, so a crash repeats it. `true` for this
    /// device's own.
    async fn withdraw(&self, withdrawn: &Withdrawn) -> Result<bool, SyncFailure> {
        let Some(op) = self
            .store
            .get_record_state(&withdrawn.rec)
            .await
            .ok()
            .flatten()
            .and_then(|state| state.op_of(&withdrawn.op))
        else {
            return Ok(false);
        };
        let own = op.device == self.device.id;
        // Into the outbox (the record already holds it, so nothing else changes)…
        if self.store.save_change(&op, None).await.is_err() {
            return Ok(false);
        }
        if own {
            let reason = Rejection::new(RejectCode::Malformed, None, withdrawn.reason.clone());
            self.store.settle_outbox(&[], &[(op.id, reason)]).await?;
        } else {
            // …and out of it and the record together.
            self.store.discard_op(&op.id).await?;
        }
        Ok(own)
    }

    /// Pull: pages after the cursor until nothing more is waiting.
    ///
    /// While a page is processed and stored, the next one (after the page's
    /// cursor) is already being requested: the store's work and the request
    /// overlap on the one thread. This is safe because a pull changes
    /// nothing on the server (it only reads the log after a cursor), and
    /// each page is still processed and stored with its cursor, completely,
    /// before the next page is looked at. When either fails, the failure is
    /// returned (the store's first); the stored cursor is then that of the
    /// last page stored, where the next sync resumes.
    async fn pull(
        &self,
        token: &str,
        report: &mut SyncReport,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SyncFailure> {
        let mut cursor = self.store.sync_cursor().await?;
        let mut pulled = Pulled::default();
        let mut page = self
            .api
            .pull(token, &cursor, &self.device.id, PULL_PAGE)
            .await?;
        while page.more {
            let (next, taken) = join(
                self.api
                    .pull(token, &page.cursor, &self.device.id, PULL_PAGE),
                self.take_page(&page, &cursor, &mut pulled, report, progress),
            )
            .await;
            taken?;
            let next = next?;
            cursor = page.cursor;
            page = next;
        }
        self.take_page(&page, &cursor, &mut pulled, report, progress)
            .await
    }

    /// Takes in one pull page received after `cursor`: its removed records,
    /// its withdrawn operations, its stamps and the server's time, then its
    /// operations and its cursor, stored together.
    async fn take_page(
        &self,
        page: &PullResponse,
        cursor: &str,
        pulled: &mut Pulled,
        report: &mut SyncReport,
        progress: &mut impl FnMut(Progress),
    ) -> Result<(), SyncFailure> {
        if !page.removed.is_empty() {
            // Moved to a branch outside the user's scope: gone from here,
            // before the page's cursor is stored (so a crash repeats it).
            self.store.remove_records(&page.removed).await?;
            if page.removed.iter().any(|id| pulled.reported.contains(id)) {
                report.changed.retain(|id| !page.removed.contains(id));
                for id in &page.removed {
                    pulled.reported.remove(id);
                }
            }
            for id in &page.removed {
                if !report.removed.contains(id) {
                    report.removed.push(id.clone());
                }
            }
        }
        let mut gone = page.removed.clone();
        let mut complaints = Vec::new();
        for withdrawn in &page.withdrawn {
            if self.withdraw(withdrawn).await? {
                report.refused.push(withdrawn.op.clone());
            }
            if pulled.reported.insert(withdrawn.rec.clone()) {
                report.changed.push(withdrawn.rec.clone());
            }
            // The record as it reads now (withdrawals are rare: one read each).
            match self.store.get_complaint(&withdrawn.rec).await {
                Ok(Some(c)) => complaints.push(c),
                Ok(None) => gone.push(withdrawn.rec.clone()),
                // Unreadable: the list keeps what it shows; opening the
                // record reports the damage.
                Err(_) => {}
            }
        }
        self.note_server_time(page.server_time);
        for op in &page.ops {
            self.observe_stamp(op.hlc);
        }
        // The clock is kept before the page: a stored page's stamps are
        // never ahead of the kept clock.
        self.persist_time().await?;
        pulled.received += page.ops.len() as u64;
        if pulled.received > 0 || page.more {
            progress(Progress::Pulling {
                received: pulled.received,
                total: pulled.received + page.remaining,
            });
        }
        if !page.ops.is_empty() || page.cursor != cursor {
            let stored = self.store.apply_pulled(&page.ops, &page.cursor).await?;
            // A record that moved back into scope is changed, not removed.
            report.removed.retain(|id| !stored.changed.contains(id));
            for id in stored.changed {
                if pulled.reported.insert(id.clone()) {
                    report.changed.push(id);
                }
            }
            complaints.extend(stored.complaints);
        }
        if !gone.is_empty() || !complaints.is_empty() {
            progress(Progress::Stored { gone, complaints });
        }
        Ok(())
    }
}

/// What the pull of one sync has taken in so far.
#[derive(Default)]
struct Pulled {
    /// Operations received.
    received: u64,
    /// The records in the report's `changed`. A new device's first pull
    /// changes thousands of records: a set, not a scan of the list, says
    /// which are reported already.
    reported: BTreeSet<String>,
}
