//! When to sync, and what the user sees of it.
//!
//! When: at start, on the browser's `online` event, shortly after a local
//! write (debounced), every 30 s while online, and on "Sync now". A failure
//! waits as the engine's [`complaints_client::Backoff`] says (2 s … 5 min,
//! with jitter from here). Only the tab holding the Web Lock syncs; the
//! others are told of new data over the BroadcastChannel and re-read it.
//! What one sync does is [`complaints_client::Engine::sync_once`].

use std::time::Duration;

use chrono::Utc;
use complaints_client::{Progress, SyncFailure};
use complaints_domain::sort::set_of;
use complaints_domain::Complaint;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::api::{ApiError, DEVICE_REVOKED_CODE};
use crate::platform;
use crate::sync::{broadcast_changed, with_sync_lock};

/// How often a running pull hands what it stored to the list: at most once
/// a second, and no more often than 0.1 ms per complaint already listed (a
/// list of 100,000: every 10 s). The list grows while a long pull runs, and
/// re-sorting and re-filtering a long list (each time a copy of it) stays a
/// small share of the pull's time and memory.
const LIST_EVERY_MS: f64 = 1_000.0;
const LIST_EVERY_MS_PER_LISTED: f64 = 0.1;
const DEBOUNCE: Duration = Duration::from_millis(800);
const PERIOD: Duration = Duration::from_secs(30);

impl AppState {
    /// Asks for a sync after `delay` (an earlier request already due sooner wins).
    pub fn request_sync(self, delay: Duration) {
        let due = platform::now_ms() + delay.as_millis() as f64;
        let replace = self
            .scheduler
            .with_value(|s| s.timer.is_none() || due < s.due_at);
        if !replace {
            return;
        }
        self.cancel_sync();
        let handle = set_timeout_with_handle(
            move || {
                self.scheduler.update_value(|s| s.timer = None);
                spawn_local(self.sync_now());
            },
            delay,
        )
        .ok();
        self.scheduler.update_value(|s| {
            s.timer = handle;
            s.due_at = due;
        });
    }

    /// Drops any sync asked for (the device's data is about to go).
    pub(crate) fn cancel_sync(self) {
        self.scheduler.update_value(|s| {
            if let Some(timer) = s.timer.take() {
                timer.clear();
            }
        });
    }

    /// Asks for a sync soon after a local write, and tells the other tabs.
    pub fn changed_locally(self) {
        self.scheduler.update_value(|s| s.writes += 1);
        broadcast_changed();
        spawn_local(async move { self.refresh_outbox().await });
        self.request_sync(DEBOUNCE);
    }

    /// Syncs now (unless a sync is running: then once more right after it).
    pub async fn sync_now(self) {
        if self.sync.running.get_untracked() {
            self.scheduler.update_value(|s| s.again = true);
            return;
        }
        let Some(engine) = self.engine() else { return };
        if !self.session_valid() {
            return;
        }
        let token = self.token().unwrap_or_default();
        self.sync.running.set(true);
        let outcome = std::rc::Rc::new(std::cell::RefCell::new(None));
        let slot = outcome.clone();
        let sync = self.sync;
        let held = with_sync_lock(async move {
            let mut arrived = Arrived::default();
            let result = engine
                .sync_once(&token, |p| match p {
                    Progress::Pushed { sent } => {
                        sync.pending.update(|n| *n = n.saturating_sub(sent));
                    }
                    Progress::Pulling { received, total } => {
                        sync.progress.set(Some((received, total)));
                    }
                    Progress::Stored { gone, complaints } => {
                        arrived.add(gone, complaints);
                        let listed = self.complaints.with_untracked(Vec::len) as f64;
                        let every = LIST_EVERY_MS.max(listed * LIST_EVERY_MS_PER_LISTED);
                        if platform::now_ms() - arrived.listed_at >= every {
                            arrived.list_them(self);
                        }
                    }
                })
                .await;
            // What was stored before the end (or a failure) is listed.
            arrived.list_them(self);
            *slot.borrow_mut() = Some(result);
        })
        .await;
        self.sync.running.set(false);
        self.sync.progress.set(None);
        let result = outcome.borrow_mut().take();
        match result {
            Some(Ok(report)) => {
                self.sync.problem.set(None);
                self.scheduler.update_value(|s| s.backoff.succeeded());
                if let Err(e) = self.take_in(&report).await {
                    platform::log_error("re-reading synced records failed", &e.to_string());
                }
                // Said once the list shows what the sync brought (a user who
                // reads "synced" finds every pulled record listed).
                self.sync.last_success.set(Some(Utc::now()));
                self.request_sync(PERIOD);
                // Photos upload on their own, after the fields went.
                spawn_local(self.upload_photos());
            }
            Some(Err(SyncFailure::Api(ApiError::Status { code, .. })))
                if code == DEVICE_REVOKED_CODE =>
            {
                // An administrator signed this device out: its data goes.
                self.device_revoked().await;
                return;
            }
            Some(Err(failure)) => match failure.ends_session() {
                // The server no longer takes this session: sign in again
                // (the device's data and queue stay).
                Some(why) => self.end_session(why),
                None => {
                    platform::log_error("sync failed", &failure.to_string());
                    self.sync.problem.set(Some(failure.problem()));
                    let jitter = 0.5 + js_sys::Math::random();
                    let mut wait = Duration::ZERO;
                    self.scheduler
                        .update_value(|s| wait = s.backoff.failed(jitter));
                    self.request_sync(wait);
                }
            },
            // Another tab holds the lock and syncs; it tells us of new data.
            None if !held => self.request_sync(PERIOD),
            None => {}
        }
        self.refresh_outbox().await;
        if self.scheduler.with_value(|s| s.again) {
            self.scheduler.update_value(|s| s.again = false);
            self.request_sync(Duration::ZERO);
        }
    }

    /// Shows the rest of what a sync brought (its complaints are in the
    /// list already, taken in page by page as they were stored): the PDCA
    /// rows and the answers again when one changed; the other tabs are told.
    async fn take_in(
        self,
        report: &complaints_client::SyncReport,
    ) -> Result<(), complaints_domain::StoreError> {
        if report.plans_changed {
            self.reload_plans().await?;
        }
        if report.answers_changed {
            self.reload_answers().await?;
        }
        if report.data_changed() {
            broadcast_changed();
        }
        Ok(())
    }

    /// Re-reads the outbox into the status signals.
    pub async fn refresh_outbox(self) {
        let Some(engine) = self.engine() else {
            return;
        };
        let writes = self.scheduler.with_value(|s| s.writes);
        match engine.outbox_status().await {
            // A local write came after this read began; its own re-read follows.
            Ok(_) if self.scheduler.with_value(|s| s.writes) != writes => {}
            Ok(status) => {
                self.sync.pending.set(status.pending);
                self.sync.rejected.set(status.refused);
            }
            Err(e) => platform::log_error("outbox unreadable", &e.to_string()),
        }
    }
}

/// What a running pull stored and the list has not taken in yet, as its net
/// effect: a record gone and then stored again is stored, and the reverse gone.
#[derive(Default)]
struct Arrived {
    gone: Vec<String>,
    complaints: Vec<Complaint>,
    /// When the list last took them in (0: not yet in this sync).
    listed_at: f64,
}

impl Arrived {
    fn add(&mut self, gone: Vec<String>, complaints: Vec<Complaint>) {
        if !gone.is_empty() {
            self.complaints.retain(|c| !gone.contains(&c.id));
            self.gone.extend(gone);
        }
        if !complaints.is_empty() {
            let back = set_of(complaints.iter().map(|c| c.id.as_str()));
            self.gone.retain(|id| !back.contains(id.as_str()));
            self.complaints.extend(complaints);
        }
    }

    fn list_them(&mut self, state: AppState) {
        state.take_into_list(
            &std::mem::take(&mut self.gone),
            std::mem::take(&mut self.complaints),
        );
        self.listed_at = platform::now_ms();
    }
}
