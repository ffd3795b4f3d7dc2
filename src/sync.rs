//! The sync service: when to sync, one tab at a time, and what the user sees.
//!
//! A sync pushes the outbox (in batches; every operation gets its own answer,
//! a refused one stays marked on its record and never blocks the others),
//! then pulls pages after the cursor until the server has nothing more; each
//! page is merged and stored with its cursor in one IndexedDB transaction.
//!
//! When: at start, on the browser's `online` event, shortly after a local
//! write (debounced), every 30 s while online, and on "Sync now". A failure
//! backs off exponentially (2 s … 5 min) with jitter. Only the tab holding the
//! Web Lock `complaint-desk-sync` syncs; the others are told of new data over
//! a BroadcastChannel and re-read it from IndexedDB.

use std::time::Duration;

use chrono::{DateTime, Utc};
use complaints_domain::session::SignInNotice;
use complaints_domain::store::ComplaintStore;
use complaints_domain::sync::{Outcome, PushRequest, RejectCode, CREATED_AT, MAX_PUSH_OPS};
use complaints_domain::{Lang, OutboxEntry};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError};
use crate::platform;
use crate::state::AppState;

const LOCK_NAME: &str = "complaint-desk-sync";
/// The message other tabs get when this one signed in or out, or removed
/// the device's data: they start again.
pub const SESSION_CHANGED: &str = "session";
const CHANNEL_NAME: &str = "complaint-desk";
const PULL_PAGE: u32 = 1000;
const PUSH_BATCH: usize = 500;
/// Above this many changed records a pull re-reads the whole list.
const FULL_RELOAD_AFTER: usize = 200;
const DEBOUNCE: Duration = Duration::from_millis(800);
const PERIOD: Duration = Duration::from_secs(30);
const MAX_BACKOFF_MS: f64 = 300_000.0;

const _: () = assert!(PUSH_BATCH <= MAX_PUSH_OPS);

/// Why the last sync failed, in terms the user can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncProblem {
    /// The server could not be reached (no network, server down).
    Unreachable,
    /// The server answered with an error.
    Server(u16),
    /// Storage on this device failed.
    Storage,
}

impl SyncProblem {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (SyncProblem::Unreachable, Lang::Zh) => "无法连接服务器，修改已保存在本机，恢复连接后自动同步".into(),
            (SyncProblem::Unreachable, Lang::En) => {
                "Cannot reach the server; changes are kept on this device and sync when the connection returns".into()
            }
            (SyncProblem::Server(code), Lang::Zh) => format!("服务器出错（{code}），稍后自动重试"),
            (SyncProblem::Server(code), Lang::En) => format!("The server had a problem ({code}); retrying automatically"),
            (SyncProblem::Storage, Lang::Zh) => "本机存储出错，同步暂停".into(),
            (SyncProblem::Storage, Lang::En) => "Storage on this device failed; sync is paused".into(),
        }
    }
}

/// What the user sees of sync, always.
#[derive(Clone, Copy)]
pub struct SyncStatus {
    /// Local changes waiting to be sent.
    pub pending: RwSignal<usize>,
    /// Local changes the server refused (shown on their records).
    pub rejected: RwSignal<Vec<OutboxEntry>>,
    pub last_success: RwSignal<Option<DateTime<Utc>>>,
    pub problem: RwSignal<Option<SyncProblem>>,
    pub running: RwSignal<bool>,
    /// Pull progress: (operations received, operations in all), while pulling.
    pub progress: RwSignal<Option<(u64, u64)>>,
}

impl SyncStatus {
    pub fn new() -> Self {
        SyncStatus {
            pending: RwSignal::new(0),
            rejected: RwSignal::new(Vec::new()),
            last_success: RwSignal::new(None),
            problem: RwSignal::new(None),
            running: RwSignal::new(false),
            progress: RwSignal::new(None),
        }
    }
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self::new()
    }
}

/// The scheduler's own bookkeeping (not shown).
#[derive(Default)]
pub struct Scheduler {
    timer: Option<TimeoutHandle>,
    due_at: f64,
    failures: u32,
    again: bool,
    /// Local writes so far: an outbox read that a write overtook is stale.
    pub(crate) writes: u64,
    /// Signing out is under way (see `AppState::sign_out`).
    pub(crate) signing_out: bool,
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Api(ApiError),
    #[error("{0}")]
    Store(complaints_domain::StoreError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Api(e)
    }
}

impl From<complaints_domain::StoreError> for Failure {
    fn from(e: complaints_domain::StoreError) -> Self {
        Failure::Store(e)
    }
}

impl Failure {
    /// Why the session is over, when the server said so.
    fn ends_session(&self) -> Option<SignInNotice> {
        match self {
            Failure::Api(ApiError::Status { code, .. }) => SignInNotice::from_auth_code(code),
            _ => None,
        }
    }

    fn problem(&self) -> SyncProblem {
        match self {
            Failure::Api(ApiError::Unreachable(_)) => SyncProblem::Unreachable,
            Failure::Api(ApiError::Status { status, .. }) => SyncProblem::Server(*status),
            Failure::Api(ApiError::RateLimited(_)) => SyncProblem::Server(429),
            Failure::Api(ApiError::Decode(_)) => SyncProblem::Server(200),
            Failure::Store(_) => SyncProblem::Storage,
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, options, callback)`.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn lock_request(
        name: &str,
        options: &JsValue,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// Runs `work` while holding the sync lock; `false` if another tab holds it
/// (that tab is syncing). Without the Web Locks API, runs it directly.
async fn with_sync_lock(work: impl std::future::Future<Output = ()> + 'static) -> bool {
    let has_locks = web_sys::window()
        .map(|w| js_sys::Reflect::has(&w.navigator(), &"locks".into()).unwrap_or(false))
        .unwrap_or(false);
    if !has_locks {
        work.await;
        return true;
    }
    let (sender, receiver) = futures::channel::oneshot::channel::<bool>();
    let mut slot = Some((work, sender));
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        let Some((work, sender)) = slot.take() else {
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        };
        if lock.is_null() {
            let _ = sender.send(false);
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        wasm_bindgen_futures::future_to_promise(async move {
            work.await;
            let _ = sender.send(true);
            Ok(JsValue::UNDEFINED)
        })
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    match lock_request(LOCK_NAME, &options, callback.unchecked_ref()) {
        Ok(promise) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            receiver.await.unwrap_or(false)
        }
        Err(e) => {
            web_sys::console::warn_2(&"web lock unavailable".into(), &e);
            false
        }
    }
}

thread_local! {
    /// This tab's one channel: used to send *and* to listen, because a
    /// BroadcastChannel object never receives its own messages (a second
    /// object in the same tab would, and the tab would re-read its whole list
    /// after each of its own saves).
    static CHANNEL: std::cell::RefCell<Option<web_sys::BroadcastChannel>> = const { std::cell::RefCell::new(None) };
}

fn channel() -> Option<web_sys::BroadcastChannel> {
    CHANNEL.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = web_sys::BroadcastChannel::new(CHANNEL_NAME).ok();
        }
        slot.clone()
    })
}

/// Tells the other tabs that the data changed.
pub fn broadcast_changed() {
    broadcast("changed");
}

/// Tells the other tabs `message`.
pub fn broadcast(message: &str) {
    if let Some(channel) = channel() {
        let _ = channel.post_message(&message.into());
    }
}

/// Calls `on_change` with the message whenever another tab says something.
pub fn listen_for_changes(on_change: impl Fn(String) + 'static) {
    let Some(channel) = channel() else { return };
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        on_change(e.data().as_string().unwrap_or_default())
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // Lives as long as the page.
    handler.forget();
}

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
        self.scheduler.update_value(|s| {
            if let Some(timer) = s.timer.take() {
                timer.clear();
            }
        });
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

    /// Asks for a sync soon after a local write.
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
        if self.store_handle().is_none() || !self.session_valid() {
            return;
        }
        self.sync.running.set(true);
        let outcome = std::rc::Rc::new(std::cell::RefCell::new(None));
        let slot = outcome.clone();
        let held = with_sync_lock(async move {
            *slot.borrow_mut() = Some(self.sync_once().await);
        })
        .await;
        self.sync.running.set(false);
        self.sync.progress.set(None);
        let result = outcome.borrow_mut().take();
        match result {
            Some(Ok(())) => {
                self.sync.problem.set(None);
                self.sync.last_success.set(Some(Utc::now()));
                self.scheduler.update_value(|s| s.failures = 0);
                self.request_sync(PERIOD);
            }
            Some(Err(failure)) if failure.ends_session().is_some() => {
                // The server no longer takes this session: sign in again
                // (the device's data and queue stay).
                self.end_session(failure.ends_session().unwrap_or(SignInNotice::Ended));
            }
            Some(Err(failure)) => {
                platform::log_error("sync failed", &failure.to_string());
                self.sync.problem.set(Some(failure.problem()));
                let failures = self.scheduler.with_value(|s| s.failures) + 1;
                self.scheduler.update_value(|s| s.failures = failures);
                let base = (2_000.0 * 2f64.powi(failures.min(20) as i32 - 1)).min(MAX_BACKOFF_MS);
                let jittered = base * (0.5 + js_sys::Math::random());
                self.request_sync(Duration::from_millis(jittered as u64));
            }
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

    /// Re-reads the outbox into the status signals.
    pub async fn refresh_outbox(self) {
        let Some(store) = self.store_handle() else {
            return;
        };
        let writes = self.scheduler.with_value(|s| s.writes);
        match store.outbox().await {
            // A local write came after this read began; its own re-read follows.
            Ok(_) if self.scheduler.with_value(|s| s.writes) != writes => {}
            Ok(entries) => {
                let (rejected, pending): (Vec<_>, Vec<_>) =
                    entries.into_iter().partition(|e| e.rejection.is_some());
                self.sync.pending.set(pending.len());
                self.sync.rejected.set(rejected);
            }
            Err(e) => platform::log_error("outbox unreadable", &e.to_string()),
        }
    }

    async fn sync_once(self) -> Result<(), Failure> {
        let store =
            self.store_handle()
                .ok_or(Failure::Store(complaints_domain::StoreError::Backend(
                    "not open".into(),
                )))?;
        let device = self.device_id();
        let token = self.token().unwrap_or_default();

        // Push: every waiting operation, in batches; each gets its own answer.
        // An edit refused as `unknown_record` while its record's creation is
        // still in the outbox (waiting, or refused and awaiting the user) is
        // not refused for good: it waits for its creation.
        let outbox = store.outbox().await?;
        let uncreated = complaints_domain::order::set_of(
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
        for batch in waiting.chunks(PUSH_BATCH) {
            let response = api::push(
                &token,
                &PushRequest {
                    device: device.clone(),
                    ops: batch.to_vec(),
                },
            )
            .await?;
            self.observe_server_time(response.server_time);
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
            store.settle_outbox(&accepted, &rejected).await?;
            self.sync
                .pending
                .update(|n| *n = n.saturating_sub(batch.len()));
        }

        // Pull: pages after the cursor until nothing more is waiting.
        let mut cursor = store.sync_cursor().await?;
        let mut received: u64 = 0;
        let mut changed: Vec<String> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        loop {
            let page = api::pull(&token, &cursor, &device, PULL_PAGE).await?;
            if !page.removed.is_empty() {
                // Moved to a branch outside the user's scope: gone from here,
                // before the page's cursor is stored (so a crash repeats it).
                store.remove_records(&page.removed).await?;
                removed.extend(page.removed.iter().cloned());
            }
            self.observe_server_time(page.server_time);
            for op in &page.ops {
                self.observe_stamp(op.hlc);
            }
            received += page.ops.len() as u64;
            if received > 0 || page.more {
                self.sync
                    .progress
                    .set(Some((received, received + page.remaining)));
            }
            if !page.ops.is_empty() || page.cursor != cursor {
                changed.extend(store.apply_pulled(&page.ops, &page.cursor).await?);
            }
            self.persist_clock().await;
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        if !changed.is_empty() {
            // A few changed records are read one by one; a new device's first
            // pull re-reads the whole list once.
            if changed.len() > FULL_RELOAD_AFTER {
                self.reload().await?;
            } else {
                for id in &changed {
                    if let Some(c) = store.get_complaint(id).await? {
                        self.put_in_list(c);
                    }
                }
            }
            broadcast_changed();
        }
        if changed
            .iter()
            .any(|id| complaints_domain::pdca::is_pdca(id))
        {
            self.reload_plans().await?;
        }
        if !removed.is_empty() {
            self.complaints
                .update(|list| list.retain(|c| !removed.contains(&c.id)));
            broadcast_changed();
        }
        Ok(())
    }
}
