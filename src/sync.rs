//! The browser's part of sync: one tab at a time (the Web Lock
//! `complaint-desk-sync`), telling the other tabs (a BroadcastChannel), and
//! the signals of what the user sees. What a sync does is the engine's
//! (`complaints_client`, tested natively); when it runs is
//! `state::syncing`'s.

use chrono::{DateTime, Utc};
use complaints_client::{Backoff, SyncProblem};
use complaints_domain::OutboxEntry;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

const LOCK_NAME: &str = "complaint-desk-sync";
/// The message other tabs get when this one signed in or out, or removed
/// the device's data: they start again.
pub const SESSION_CHANGED: &str = "session";
const CHANNEL_NAME: &str = "complaint-desk";

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
    /// The sync asked for, and when it is due (`platform::now_ms`).
    pub(crate) timer: Option<TimeoutHandle>,
    pub(crate) due_at: f64,
    /// How long to wait after failures.
    pub(crate) backoff: Backoff,
    /// A sync was asked for while one ran: run once more after it.
    pub(crate) again: bool,
    /// Local writes so far: an outbox read that a write overtook is stale.
    pub(crate) writes: u64,
    /// Signing out is under way (see `AppState::sign_out`).
    pub(crate) signing_out: bool,
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
pub async fn with_sync_lock(work: impl std::future::Future<Output = ()> + 'static) -> bool {
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
