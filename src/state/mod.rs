//! The app's shared state and the services views call.
//!
//! [`AppState`] is a `Copy` handle of signals, provided once by the app shell
//! ([`provide_app_state`]) and read anywhere with [`use_app_state`]. Its
//! methods are the only way views read or write data. The decisions are
//! the sync engine's ([`complaints_client::Engine`], plain Rust, tested
//! natively): what a save stores and queues, what a sync sends and takes
//! in, what a refused change becomes. This module keeps the signals in step
//! with it; [`writes`] holds the local writes, [`syncing`] when to sync.

mod answers;
mod photos;
mod syncing;
mod writes;

pub use answers::AnswerBook;
pub use photos::{PhotoError, PhotoQueue};
pub use writes::SaveError;

use std::rc::Rc;

use chrono::{DateTime, Utc};
use complaints_client::{settings, Engine};
use complaints_domain::handling::Actor;
use complaints_domain::pdca::PdcaItem;
use complaints_domain::risk::RiskConfig;
use complaints_domain::session::{
    intake_draft_key, unkeyed_draft_owner, Session, SignInNotice, Validity, UNKEYED_INTAKE_DRAFT,
};
use complaints_domain::sort::{map_of, set_of};
use complaints_domain::store::ComplaintStore;
use complaints_domain::{Complaint, Lang, StoreError, Unreadable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::api::HttpApi;
use crate::i18n::Text;
use crate::platform::{self, BrowserEnv};
use crate::store::IdbStore;
use crate::sync::{listen_for_changes, Scheduler, SyncStatus, SESSION_CHANGED};

/// The sync engine over this browser's IndexedDB, HTTP and clock.
pub type AppEngine = Engine<IdbStore, HttpApi, BrowserEnv>;

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "complaint-desk";
const DEFAULTS_SETTING: &str = "intake_defaults";
const RISK_SETTING: &str = "risk_config";
/// The signed-in session (the login answer), kept for offline use.
pub(crate) const SESSION_SETTING: &str = "session";
/// The username whose data this device holds (kept after the session ends).
pub(crate) const OWNER_SETTING: &str = "owner";
/// The mark of a start after signing out (the sign-in page says so).
pub(crate) const SIGNED_OUT: &str = "signed-out";
/// The restart mark after an administrator revoked this device and its data
/// was removed (the sign-in page says so).
pub(crate) const DEVICE_REVOKED: &str = "device-revoked";
/// The browser's answer to `navigator.storage.persist()` at the last
/// sign-in: `true` when the device's data is kept even under storage
/// pressure, `false` when the browser may evict it.
pub(crate) const PERSISTED_SETTING: &str = "storage_persisted";

/// The settings that are the device's, not a user's: kept when another
/// user's data is removed (with the case number counters, `case_seq:…`).
pub(crate) fn device_settings() -> Vec<&'static str> {
    let mut keep = settings::DEVICE_OWNED.to_vec();
    keep.push(RISK_SETTING);
    keep
}

/// A value as JSON text, for [`IdbStore::set_settings_text`].
pub(crate) fn as_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode(e.to_string()))
}

/// What the intake form starts with: the last branch and handler used here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntakeDefaults {
    pub branch_code: String,
    pub branch_name: String,
    pub handler: String,
}

/// Where opening storage stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Boot {
    Loading,
    Ready,
    /// Storage could not be opened; the detail is for the log.
    Failed(String),
}

/// Who is signed in on this device, or why nobody is.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Signed in: the app shows.
    In(Session),
    /// Signed out: the sign-in page shows, and says why when there is a reason.
    Out(Option<SignInNotice>),
}

impl Auth {
    /// The session, when signed in.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Auth::In(session) => Some(session),
            Auth::Out(_) => None,
        }
    }
}

/// Up to this many complaints are put in the list by a scan each; more (a
/// pull page) by one index of the list's ids.
const FIND_EACH: usize = 8;

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    pub online: RwSignal<bool>,
    pub boot: RwSignal<Boot>,
    /// Every readable complaint on this device.
    pub complaints: RwSignal<Vec<Complaint>>,
    /// Records that could not be read (reported, skipped).
    pub unreadable: RwSignal<Vec<Unreadable>>,
    pub defaults: RwSignal<IntakeDefaults>,
    /// A one-off message for the list page (e.g. "saved BJ01-…").
    pub flash: RwSignal<Option<String>>,
    /// The time, by the server-corrected clock, refreshed every 30 s (the
    /// handling clocks count down from it).
    pub now: RwSignal<DateTime<Utc>>,
    /// Model launch dates and marketing events for the risk rules, as last
    /// fetched from the server (kept on the device for offline use).
    pub risk_config: RwSignal<RiskConfig>,
    /// What the user sees of sync.
    pub sync: SyncStatus,
    /// Who is signed in, or why nobody is.
    pub auth: RwSignal<Auth>,
    /// The username whose data this device holds ("" for nobody's).
    pub(crate) owner: StoredValue<String>,
    pub(crate) scheduler: StoredValue<Scheduler, LocalStorage>,
    engine: StoredValue<Option<Rc<AppEngine>>, LocalStorage>,
    /// The PDCA table's rows on this device ([`Self::plans_seen`] says when
    /// they change).
    pub plans: StoredValue<Vec<PdcaItem>>,
    /// Counts changes of [`Self::plans`].
    pub plans_seen: RwSignal<usize>,
    /// The standard answers on this device, with their search index.
    pub answers: RwSignal<AnswerBook>,
    /// How many settings were found damaged at start (skipped for their
    /// defaults): the app says so once; 0 for none.
    pub damaged_settings: RwSignal<usize>,
    /// An administrator revoked this device and its data was removed: the
    /// sign-in page says so.
    pub device_revoked: RwSignal<bool>,
    /// The photo upload queue ([`photos`]).
    pub photos: PhotoQueue,
}

/// Creates the app state, provides it as context and starts opening storage.
pub fn provide_app_state() -> AppState {
    let state = AppState {
        lang: RwSignal::new(platform::initial_lang()),
        online: RwSignal::new(platform::is_online()),
        boot: RwSignal::new(Boot::Loading),
        complaints: RwSignal::new(Vec::new()),
        unreadable: RwSignal::new(Vec::new()),
        defaults: RwSignal::new(IntakeDefaults::default()),
        flash: RwSignal::new(None),
        now: RwSignal::new(Utc::now()),
        risk_config: RwSignal::new(RiskConfig::default()),
        sync: SyncStatus::new(),
        auth: RwSignal::new(Auth::Out(None)),
        owner: StoredValue::new(String::new()),
        scheduler: StoredValue::new_local(Scheduler::default()),
        engine: StoredValue::new_local(None),
        plans: StoredValue::new(Vec::new()),
        plans_seen: RwSignal::new(0),
        answers: RwSignal::new(AnswerBook::default()),
        damaged_settings: RwSignal::new(0),
        device_revoked: RwSignal::new(false),
        photos: PhotoQueue::default(),
    };
    provide_context(state);
    platform::remember_lang(state.lang.get_untracked());
    match platform::take_mark().as_deref() {
        Some(SIGNED_OUT) => state.auth.set(Auth::Out(Some(SignInNotice::SignedOut))),
        Some(DEVICE_REVOKED) => state.device_revoked.set(true),
        _ => {}
    }

    let online = state.online;
    let on = window_event_listener(leptos::ev::online, move |_| {
        online.set(true);
        spawn_local(state.revoke_pending());
        state.request_sync(std::time::Duration::ZERO);
        spawn_local(state.upload_photos());
    });
    let off = window_event_listener(leptos::ev::offline, move |_| online.set(false));
    let tick = set_interval_with_handle(
        move || {
            state.now.set(state.clock_now());
            state.session_valid();
            spawn_local(async move {
                // The latest time seen, kept: a clock set back while the app
                // is closed does not reopen an expired session.
                if let Some(engine) = state.engine() {
                    if let Err(e) = engine.keep_time().await {
                        platform::log_error("the clock could not be kept", &e.to_string());
                    }
                }
                state.revoke_pending().await;
            });
        },
        std::time::Duration::from_secs(30),
    )
    .ok();
    on_cleanup(move || {
        on.remove();
        off.remove();
        if let Some(t) = tick {
            t.clear();
        }
    });

    spawn_local(async move {
        match state.open().await {
            Ok(()) => {
                state.boot.set(Boot::Ready);
                platform::mark("ready");
                state.refresh_outbox().await;
                listen_for_changes(move |message| {
                    if message == SESSION_CHANGED {
                        // Another tab signed in, out, or removed the data.
                        platform::reload();
                        return;
                    }
                    spawn_local(async move {
                        if let Err(e) = state.reload().await {
                            platform::log_error(
                                "reload after another tab's change failed",
                                &e.to_string(),
                            );
                        }
                        state.refresh_outbox().await;
                    })
                });
                // A token an offline sign-out left is revoked first.
                state.revoke_pending().await;
                // Whatever is queued, also from a tab closed earlier, goes now.
                state.request_sync(std::time::Duration::ZERO);
                state.refresh_uploads().await;
                spawn_local(state.upload_photos());
                state.refresh_risk_config().await;
            }
            Err(e) => {
                platform::log_error("opening storage failed", &e.to_string());
                state.boot.set(Boot::Failed(e.to_string()));
            }
        }
    });
    state
}

pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

impl AppState {
    /// Opens storage and the engine and reads the app's settings. A setting
    /// that cannot be read never stops the start: its default is used, the
    /// damaged value is cleared (so the next start has nothing to say), and
    /// the app says how many there were ([`Self::damaged_settings`]).
    async fn open(self) -> Result<(), StoreError> {
        let store = Rc::new(IdbStore::open(DB_NAME).await?);
        platform::mark("storage-open");
        let engine = Rc::new(Engine::open(store.clone(), HttpApi, BrowserEnv).await?);
        platform::mark("engine-open");
        let mut skipped = engine.skipped_settings().to_vec();
        let mut damaged = Vec::new();
        if let Some(d) = settings::read(&*store, DEFAULTS_SETTING, &mut damaged).await? {
            self.defaults.set(d);
        }
        if let Some(config) = settings::read(&*store, RISK_SETTING, &mut damaged).await? {
            self.risk_config.set(config);
        }
        let session = settings::read_value(&*store, SESSION_SETTING, &mut damaged).await?;
        let session = match session {
            Some(v) => {
                let read = Session::from_json(&v);
                if read.is_none() {
                    damaged.push(SESSION_SETTING.to_string());
                }
                read
            }
            None => None,
        };
        // Whose data the device holds: when that cannot be read, the kept
        // session's user (the owner is set with it at every sign-in).
        let owner = settings::read::<String>(&*store, OWNER_SETTING, &mut damaged)
            .await?
            .or_else(|| session.as_ref().map(|s| s.user.username.clone()))
            .unwrap_or_default();
        self.owner.set_value(owner);
        for key in &damaged {
            // Cleared, so the next start reads the default without a word.
            let _ = store.set_setting(key, serde_json::Value::Null).await;
        }
        skipped.extend(damaged);
        if !skipped.is_empty() {
            platform::log_error("damaged settings skipped", &skipped.join(", "));
            self.damaged_settings.set(skipped.len());
        }
        self.adopt_unkeyed_draft(&store).await;
        self.engine.set_value(Some(engine));
        self.now.set(self.clock_now());
        self.reload().await?;
        platform::mark("list-read");
        if let Some(session) = session {
            self.resume(session);
        }
        Ok(())
    }

    /// The intake draft kept before drafts were keyed by user goes to the
    /// device's owner (it was theirs: the form is only shown signed in, and
    /// signing in makes the user the owner); on a device with no owner its
    /// typist cannot be told, and it is dropped rather than shown to
    /// whoever signs in next (`session::unkeyed_draft_owner`).
    async fn adopt_unkeyed_draft(&self, store: &IdbStore) {
        let Ok(Some(draft)) = store.load_draft(UNKEYED_INTAKE_DRAFT).await else {
            return;
        };
        let owner = self.owner.get_value();
        if let Some(key) = unkeyed_draft_owner(Some(owner.as_str())) {
            // Kept under its owner's key before the old one goes: a crash
            // in between leaves a copy, never nothing.
            if store.load_draft(&key).await.ok().flatten().is_none()
                && store.save_draft(&key, &draft).await.is_err()
            {
                return;
            }
        } else {
            platform::log_error(
                "an intake draft of no known user was dropped",
                "saved before sign-in existed",
            );
        }
        let _ = store.delete_draft(UNKEYED_INTAKE_DRAFT).await;
    }

    /// The key of the signed-in user's intake draft (the device's owner's
    /// when nobody is signed in).
    pub fn intake_draft_key(&self) -> String {
        let user = self
            .auth
            .with_untracked(|a| a.session().map(|s| s.user.username.clone()))
            .unwrap_or_else(|| self.owner.get_value());
        intake_draft_key(&user)
    }

    /// Revokes the tokens offline sign-outs left, when the network is there
    /// (each is forgotten once the server has it; see
    /// [`complaints_client::Engine::revoke_pending`]).
    pub(crate) async fn revoke_pending(self) {
        if !self.online.get_untracked() {
            return;
        }
        let Some(engine) = self.engine() else { return };
        match engine.revoke_pending().await {
            Ok(0) => {}
            Ok(n) => platform::log_info("tokens still to revoke", &n.to_string()),
            Err(e) => platform::log_error("tokens to revoke unreadable", &e.to_string()),
        }
    }

    /// Takes up the session kept on the device, unless its time is up.
    fn resume(&self, session: Session) {
        if let Some(engine) = self.engine() {
            engine.set_user(Some(session.user.username.clone()));
        }
        self.auth.set(Auth::In(session));
        if self.session_valid() {
            self.apply_session_defaults();
        }
    }

    /// Whether the session is valid now; when its time is up, it ends (the
    /// sign-in page says so) and the device's data stays. The engine decides
    /// with the server-corrected clock, never before its last stamp (a clock
    /// set back does not extend a session).
    pub fn session_valid(&self) -> bool {
        let Some(engine) = self.engine() else {
            return false;
        };
        let validity = self
            .auth
            .with_untracked(|a| a.session().map(|s| engine.session_validity(s)));
        match validity {
            Some(Validity::Valid { .. }) => true,
            Some(Validity::Expired) => {
                self.end_session(SignInNotice::Expired);
                false
            }
            None => false,
        }
    }

    /// Ends the session (expired, or refused by the server): the sign-in
    /// page shows `why`. Nothing of the device's data is touched.
    pub(crate) fn end_session(&self, why: SignInNotice) {
        self.auth.set(Auth::Out(Some(why)));
        if why != SignInNotice::Expired {
            // The token is worthless; the expired one stays so a reload still
            // says why sign-in is asked for.
            if let Some(store) = self.store_handle() {
                spawn_local(async move {
                    let _ = store
                        .set_setting(SESSION_SETTING, serde_json::Value::Null)
                        .await;
                });
            }
        }
    }

    /// The session's token, while it is valid.
    pub(crate) fn token(&self) -> Option<String> {
        self.auth
            .with_untracked(|a| a.session().map(|s| s.token.clone()))
    }

    /// The intake form starts in the user's branch, handled by them.
    pub(crate) fn apply_session_defaults(&self) {
        let Some(session) = self.auth.with_untracked(|a| a.session().cloned()) else {
            return;
        };
        self.defaults.update(|d| {
            let branch = session.intake_branch(&d.branch_code).unwrap_or_default();
            if branch != d.branch_code {
                d.branch_code = branch;
                d.branch_name.clear();
            }
            if d.handler.trim().is_empty() {
                d.handler = session.user.display_name.clone();
            }
        });
    }

    /// The engine, once storage is open.
    pub(crate) fn engine(&self) -> Option<Rc<AppEngine>> {
        self.engine.get_value()
    }

    /// The store, once open.
    pub(crate) fn store_handle(&self) -> Option<Rc<IdbStore>> {
        self.engine().map(|e| e.store().clone())
    }

    /// This device's id (also for telling "this device" from others).
    pub fn device_id(&self) -> String {
        self.engine()
            .map(|e| e.device().id.clone())
            .unwrap_or_default()
    }

    /// This device's secret key, presented at sign-in only.
    pub fn device_key(&self) -> String {
        self.engine()
            .map(|e| e.device().key.clone())
            .unwrap_or_default()
    }

    /// The time by the server-corrected clock.
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.engine().map_or_else(Utc::now, |e| e.clock_now())
    }

    /// Who acts on this device: the signed-in user's name, and the device.
    pub fn actor(&self) -> Actor {
        let name = self.auth.with_untracked(|a| {
            a.session()
                .map(|s| s.user.display_name.trim().to_string())
                .unwrap_or_default()
        });
        let (device, tag) = self
            .engine()
            .map(|e| (e.device().id.clone(), e.device().tag.clone()))
            .unwrap_or_default();
        let name = if name.is_empty() {
            format!("{} {tag}", Text::Device.get(self.lang.get_untracked()))
        } else {
            name
        };
        Actor { name, device }
    }

    /// Fetches the risk rules' configuration when the server can be reached,
    /// and keeps it on the device.
    pub async fn refresh_risk_config(&self) {
        let Some(token) = self.token() else { return };
        let Ok(config) = crate::api::risk_config(&token).await else {
            return;
        };
        if let Some(store) = self.store_handle() {
            if let Ok(v) = as_json(&config) {
                let _ = store.set_settings_text(&[(RISK_SETTING, v)]).await;
            }
        }
        self.risk_config.set(config);
    }

    /// Re-reads every complaint from storage into [`Self::complaints`].
    pub async fn reload(&self) -> Result<(), StoreError> {
        let Some(store) = self.store_handle() else {
            return Ok(());
        };
        let listing = store.list_complaints().await?;
        for bad in &listing.unreadable {
            platform::log_error(
                "skipped an unreadable complaint record",
                &format!("{}: {}", bad.key, bad.detail),
            );
        }
        self.complaints.set(listing.complaints);
        self.unreadable.set(listing.unreadable);
        self.reload_answers().await?;
        self.reload_plans().await
    }

    /// Re-reads the PDCA rows from storage into [`Self::plans`].
    pub async fn reload_plans(&self) -> Result<(), StoreError> {
        let Some(engine) = self.engine() else {
            return Ok(());
        };
        self.plans.set_value(engine.plans().await?);
        self.plans_seen.update(|n| *n += 1);
        Ok(())
    }

    /// Puts `complaint` in the list (replacing the one with its id).
    pub(crate) fn put_in_list(&self, complaint: Complaint) {
        self.take_into_list(&[], vec![complaint]);
    }

    /// Takes changes into the list in one update: drops the complaints
    /// `gone` names, then puts each of `complaints` in (replacing the one
    /// with its id; the last of an id wins).
    pub(crate) fn take_into_list(&self, gone: &[String], complaints: Vec<Complaint>) {
        if gone.is_empty() && complaints.is_empty() {
            return;
        }
        self.complaints.update(|list| {
            if !gone.is_empty() {
                let gone = set_of(gone.iter().map(String::as_str));
                list.retain(|c| !gone.contains(c.id.as_str()));
            }
            if complaints.len() <= FIND_EACH {
                for c in complaints {
                    match list.iter_mut().find(|had| had.id == c.id) {
                        Some(slot) => *slot = c,
                        None => list.push(c),
                    }
                }
                return;
            }
            let mut at = map_of(list.iter().enumerate().map(|(i, c)| (c.id.clone(), i)));
            for c in complaints {
                match at.get(&c.id) {
                    Some(&i) => list[i] = c,
                    None => {
                        at.insert(c.id.clone(), list.len());
                        list.push(c);
                    }
                }
            }
        });
    }

    pub fn toggle_lang(&self) {
        let next = crate::i18n::other_language(self.lang.get_untracked());
        self.lang.set(next);
        platform::remember_lang(next);
    }

    /// A record's sync state (conflicts, history), read from storage.
    pub async fn record_state(&self, id: &str) -> Option<complaints_domain::sync::RecordState> {
        let store = self.store_handle()?;
        match store.get_record_state(id).await {
            Ok(state) => state,
            Err(e) => {
                platform::log_error("sync state unreadable", &e.to_string());
                None
            }
        }
    }
}
