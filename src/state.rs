//! The app's shared state and the services views call.
//!
//! [`AppState`] is a `Copy` handle of signals, provided once by the app shell
//! ([`provide_app_state`]) and read anywhere with [`use_app_state`]. Its
//! methods are the only way views read or write data: they go to the
//! IndexedDB store and keep the signals in step.

use std::rc::Rc;

use chrono::{DateTime, Utc};
use complaints_domain::handling::{record_status_change, Actor, HandlingError};
use complaints_domain::pdca::PdcaItem;
use complaints_domain::risk::RiskConfig;
use complaints_domain::session::{Session, SignInNotice, Validity};
use complaints_domain::store::ComplaintStore;
use complaints_domain::sync::{
    choose_value, local_change, op_id_from_bytes, reapply, Hlc, HlcClock, Op, RecordState, Stamp,
    CREATED_AT, MAX_CLOCK_AHEAD_MS,
};
use complaints_domain::{
    case_number, Complaint, ComplaintForm, Issue, Lang, NewComplaint, OutboxEntry, StoreError,
    Unreadable,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::i18n::Text;
use crate::platform;
use crate::store::IdbStore;
use crate::sync::{listen_for_changes, Scheduler, SyncStatus};

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "complaint-desk";
/// The draft key of the intake form.
pub const INTAKE_DRAFT: &str = "intake";
const DEVICE_SETTING: &str = "device";
const DEFAULTS_SETTING: &str = "intake_defaults";
const CLOCK_SETTING: &str = "hlc";
pub(crate) const OFFSET_SETTING: &str = "clock_offset_ms";
const RISK_SETTING: &str = "risk_config";
/// The signed-in session (the login answer), kept for offline use.
pub(crate) const SESSION_SETTING: &str = "session";
/// The username whose data this device holds (kept after the session ends).
pub(crate) const OWNER_SETTING: &str = "owner";
/// The settings that are the device's, not a user's: kept when another
/// user's data is removed (with the case number counters, `case_seq:…`).
pub(crate) const DEVICE_SETTINGS: &[&str] = &[
    DEVICE_SETTING,
    CLOCK_SETTING,
    OFFSET_SETTING,
    RISK_SETTING,
    ADOPTED_SETTING,
    complaints_domain::store::OUTBOX_SEQ_SETTING,
];
/// The mark of a start after signing out (the sign-in page says so).
pub(crate) const SIGNED_OUT: &str = "signed-out";
/// Set once complaints saved before sync existed have been given operations.
const ADOPTED_SETTING: &str = "adopted_unsynced";

/// A value as JSON text, for [`IdbStore::set_settings_text`]. Through text,
/// never `serde_json::to_value`: that would add a second serializer of each
/// type (and serde_json's value serializer) to the download.
fn as_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Reads a stored setting. Through text rather than `serde_json::from_value`,
/// so each type has one deserialiser in the app (the one sync also uses).
pub(crate) fn from_setting<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Option<T> {
    serde_json::from_str(&v.to_string()).ok()
}

/// The draft key of the edit form of one complaint.
pub fn edit_draft_key(id: &str) -> String {
    format!("edit:{id}")
}

/// This device's identity, made once and kept in IndexedDB.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    /// The device part of case numbers, see [`case_number::device_tag`].
    pub tag: String,
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

/// Why saving a complaint did not happen.
#[derive(Debug, Clone)]
pub enum SaveError {
    /// The form has errors; nothing was written.
    Invalid(Vec<Issue>),
    /// The store failed; what was typed is still in the form (and its draft).
    Storage(StoreError),
    /// The app is still opening storage.
    NotReady,
    /// A rule of the handling process says no (closing without a result…).
    Rule(HandlingError),
}

impl SaveError {
    /// What went wrong, for the log (English).
    pub fn detail(&self) -> String {
        match self {
            SaveError::Storage(e) => e.to_string(),
            SaveError::NotReady => "storage not open yet".into(),
            other => other.message(Lang::En),
        }
    }

    /// What to tell the user.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            SaveError::Rule(e) => e.message(lang),
            SaveError::Invalid(issues) => issues
                .iter()
                .filter(|i| i.is_error())
                .map(|i| i.message(lang))
                .collect::<Vec<_>>()
                .join(lang.pick("；", "; ")),
            _ => crate::i18n::Text::SaveFailed.get(lang).to_string(),
        }
    }
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
    /// Who is signed in, or why nobody is (one signal: every signal type
    /// costs the download a copy of the reactive code).
    pub auth: RwSignal<Auth>,
    /// The username whose data this device holds ("" for nobody's).
    pub(crate) owner: StoredValue<String>,
    pub(crate) scheduler: StoredValue<Scheduler, LocalStorage>,
    store: StoredValue<Option<Rc<IdbStore>>, LocalStorage>,
    device: StoredValue<Option<Device>>,
    clock: StoredValue<HlcClock>,
    /// Server time minus device time, as last measured (ms): corrects a wrong tablet clock.
    offset_ms: StoredValue<i64>,
    /// The PDCA table's rows on this device ([`Self::plans_seen`] says when
    /// they change: no signal type of their own, see `auth`).
    pub plans: StoredValue<Vec<PdcaItem>>,
    /// Counts changes of [`Self::plans`].
    pub plans_seen: RwSignal<usize>,
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
        store: StoredValue::new_local(None),
        device: StoredValue::new(None),
        clock: StoredValue::new(HlcClock::default()),
        offset_ms: StoredValue::new(0),
        plans: StoredValue::new(Vec::new()),
        plans_seen: RwSignal::new(0),
    };
    provide_context(state);
    platform::remember_lang(state.lang.get_untracked());
    if platform::take_mark().as_deref() == Some(SIGNED_OUT) {
        state.auth.set(Auth::Out(Some(SignInNotice::SignedOut)));
    }

    let online = state.online;
    let on = window_event_listener(leptos::ev::online, move |_| {
        online.set(true);
        state.request_sync(std::time::Duration::ZERO);
    });
    let off = window_event_listener(leptos::ev::offline, move |_| online.set(false));
    let tick = set_interval_with_handle(
        move || {
            state.now.set(state.clock_now());
            state.session_valid();
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
                state.refresh_outbox().await;
                listen_for_changes(move |message| {
                    if message == crate::sync::SESSION_CHANGED {
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
                // Whatever is queued, also from a tab closed earlier, goes now.
                state.request_sync(std::time::Duration::ZERO);
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
    async fn open(self) -> Result<(), StoreError> {
        let store = Rc::new(IdbStore::open(DB_NAME).await?);
        let device = match store.get_setting(DEVICE_SETTING).await? {
            Some(v) => from_setting::<Device>(v),
            None => None,
        };
        let device = match device {
            Some(d) => d,
            None => {
                let id = uuid::Uuid::new_v4();
                let d = Device {
                    id: id.to_string(),
                    tag: case_number::device_tag(&id),
                };
                store
                    .set_settings_text(&[(DEVICE_SETTING, as_json(&d)?)])
                    .await?;
                d
            }
        };
        if let Some(v) = store.get_setting(DEFAULTS_SETTING).await? {
            if let Some(d) = from_setting(v) {
                self.defaults.set(d);
            }
        }
        if let Some(v) = store.get_setting(CLOCK_SETTING).await? {
            if let Some(clock) = from_setting::<HlcClock>(v) {
                self.clock.set_value(clock);
            }
        }
        if let Some(offset) = store
            .get_setting(OFFSET_SETTING)
            .await?
            .and_then(|v| v.as_i64())
        {
            self.offset_ms.set_value(offset);
        }
        if let Some(v) = store.get_setting(RISK_SETTING).await? {
            if let Some(config) = from_setting(v) {
                self.risk_config.set(config);
            }
        }
        self.owner.set_value(
            store
                .get_setting(OWNER_SETTING)
                .await?
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        self.device.set_value(Some(device));
        self.store.set_value(Some(store.clone()));
        self.adopt_unsynced(&store).await?;
        self.reload().await?;
        if let Some(session) = store
            .get_setting(SESSION_SETTING)
            .await?
            .as_ref()
            .and_then(Session::from_json)
        {
            self.resume(session);
        }
        Ok(())
    }

    /// Takes up the session kept on the device, unless its time is up.
    fn resume(&self, session: Session) {
        self.auth.set(Auth::In(session));
        if self.session_valid() {
            self.apply_session_defaults();
        }
    }

    /// Whether the session is valid now; when its time is up, it ends (the
    /// sign-in page says so) and the device's data stays. The time is the
    /// device's clock corrected by the server's, and never before the
    /// device's hybrid clock (a clock set back does not extend a session; as
    /// that clock may run up to `MAX_CLOCK_AHEAD_MS` ahead after seeing
    /// another device's stamps, a session can end that much early).
    pub fn session_valid(&self) -> bool {
        let validity = self.auth.with_untracked(|a| {
            a.session().map(|s| {
                let seen = self.clock.with_value(|c| c.last().wall_ms) as i64;
                s.validity(js_sys::Date::now() as i64, self.offset_ms.get_value(), seen)
            })
        });
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
            if let Some(store) = self.store.get_value() {
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

    /// Gives complaints saved before this device synced (app version 1) their
    /// creation operation, once, so they reach the server too.
    async fn adopt_unsynced(&self, store: &IdbStore) -> Result<(), StoreError> {
        if store.get_setting(ADOPTED_SETTING).await?.is_some() {
            return Ok(());
        }
        for c in store.list_complaints().await?.complaints {
            if store.get_record_state(&c.id).await?.is_none() {
                if let Ok(Some(change)) = local_change(None, None, &c, self.stamp()) {
                    store.save_change(&change.op, None).await?;
                }
            }
        }
        self.persist_clock().await;
        store.set_setting(ADOPTED_SETTING, true.into()).await
    }

    fn store(&self) -> Result<Rc<IdbStore>, SaveError> {
        self.store.get_value().ok_or(SaveError::NotReady)
    }

    /// The store, once open.
    pub(crate) fn store_handle(&self) -> Option<Rc<IdbStore>> {
        self.store.get_value()
    }

    /// This device's id (also for telling "this device" from others).
    pub fn device_id(&self) -> String {
        self.device
            .with_value(|d| d.as_ref().map(|d| d.id.clone()).unwrap_or_default())
    }

    /// Physical time for the clock: the device's, corrected by the server's.
    fn now_ms(&self) -> u64 {
        (js_sys::Date::now() as i64 + self.offset_ms.get_value()).max(0) as u64
    }

    /// The time by the server-corrected clock.
    pub fn clock_now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms() as i64).unwrap_or_else(Utc::now)
    }

    /// Who acts on this device: the signed-in user's name, and the device.
    pub fn actor(&self) -> Actor {
        let name = self.auth.with_untracked(|a| {
            a.session()
                .map(|s| s.user.display_name.trim().to_string())
                .unwrap_or_default()
        });
        let device = self.device_id();
        let name = if name.is_empty() {
            let tag = self
                .device
                .with_value(|d| d.as_ref().map(|d| d.tag.clone()));
            format!(
                "{} {}",
                Text::Device.get(self.lang.get_untracked()),
                tag.unwrap_or_default()
            )
        } else {
            name
        };
        Actor { name, device }
    }

    /// A fresh id for a timeline entry.
    pub fn new_entry_id(&self) -> String {
        self.stamp_id()
    }

    fn stamp_id(&self) -> String {
        let random = uuid::Uuid::new_v4();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&random.as_bytes()[..10]);
        op_id_from_bytes(bytes)
    }

    /// Fetches the risk rules' configuration when the server can be reached,
    /// and keeps it on the device.
    pub async fn refresh_risk_config(&self) {
        let Some(token) = self.token() else { return };
        let Ok(config) = crate::api::risk_config(&token).await else {
            return;
        };
        if let Some(store) = self.store.get_value() {
            if let Ok(v) = as_json(&config) {
                let _ = store.set_settings_text(&[(RISK_SETTING, v)]).await;
            }
        }
        self.risk_config.set(config);
    }

    /// Applies a handling action (an entry, a tick, a status change) to the
    /// stored complaint and saves the change as one operation.
    pub async fn handle(
        &self,
        id: &str,
        action: impl FnOnce(
            &Complaint,
            Actor,
            String,
            DateTime<Utc>,
        ) -> Result<Complaint, HandlingError>,
    ) -> Result<Complaint, SaveError> {
        let store = self.store()?;
        let base = store
            .get_complaint(id)
            .await
            .map_err(SaveError::Storage)?
            .ok_or(SaveError::NotReady)?;
        let after = action(&base, self.actor(), self.stamp_id(), self.clock_now())
            .map_err(SaveError::Rule)?;
        let state = store
            .get_record_state(id)
            .await
            .map_err(SaveError::Storage)?;
        let change = local_change(state.as_ref(), Some(&base), &after, self.stamp())
            .map_err(|e| SaveError::Storage(StoreError::Invalid(e)))?;
        match change {
            Some(change) => self.finish_change(&store, &change.op, None).await,
            None => Ok(base),
        }
    }

    /// A fresh identity and stamp for a local operation.
    fn stamp(&self) -> Stamp {
        let now = self.now_ms();
        let mut clock = self.clock.get_value();
        let hlc = clock.tick(now);
        self.clock.set_value(clock);
        Stamp {
            user: self
                .auth
                .with_untracked(|a| a.session().map(|s| s.user.username.clone())),
            op_id: self.stamp_id(),
            hlc,
            device: self.device_id(),
        }
    }

    /// Takes in a stamp received from another device.
    pub(crate) fn observe_stamp(&self, hlc: Hlc) {
        let now = self.now_ms();
        self.clock.update_value(|c| c.observe(hlc, now));
    }

    /// Takes in the server's time (every answer carries it).
    pub(crate) fn observe_server_time(&self, server: DateTime<Utc>) {
        let offset = server.timestamp_millis() - js_sys::Date::now() as i64;
        self.offset_ms.set_value(offset);
        let limit = server.timestamp_millis().max(0) as u64 + MAX_CLOCK_AHEAD_MS;
        self.clock.update_value(|c| c.clamp(Hlc::new(limit, 0)));
        if let Some(store) = self.store.get_value() {
            spawn_local(async move {
                let _ = store.set_setting(OFFSET_SETTING, offset.into()).await;
            });
        }
    }

    /// Keeps the clock across restarts.
    pub(crate) async fn persist_clock(&self) {
        let Some(store) = self.store.get_value() else {
            return;
        };
        if let Ok(v) = as_json(&self.clock.get_value()) {
            if let Err(e) = store.set_settings_text(&[(CLOCK_SETTING, v)]).await {
                platform::log_error("clock not kept", &e.to_string());
            }
        }
    }

    /// Re-reads every complaint from storage into [`Self::complaints`].
    pub async fn reload(&self) -> Result<(), StoreError> {
        let Some(store) = self.store.get_value() else {
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
        self.reload_plans().await
    }

    /// Re-reads the PDCA rows from storage into [`Self::plans`].
    pub async fn reload_plans(&self) -> Result<(), StoreError> {
        let Some(store) = self.store.get_value() else {
            return Ok(());
        };
        let rows = store.plans().await?;
        self.plans
            .set_value(rows.iter().filter_map(PdcaItem::from_state).collect());
        self.plans_seen.update(|n| *n += 1);
        Ok(())
    }

    /// Saves a PDCA row (only what changed; nothing when nothing did).
    pub async fn save_plan(&self, row: &PdcaItem) -> Result<(), SaveError> {
        let store = self.store()?;
        let state = store
            .get_record_state(&row.id())
            .await
            .map_err(SaveError::Storage)?;
        let created = complaints_domain::timefmt::rfc3339::format(&Utc::now());
        let Some(op) = complaints_domain::pdca::change(state.as_ref(), row, &created, self.stamp())
        else {
            return Ok(());
        };
        store.save_plan(&op).await.map_err(SaveError::Storage)?;
        self.persist_clock().await;
        self.queued_one();
        self.reload_plans().await.map_err(SaveError::Storage)?;
        self.changed_locally();
        Ok(())
    }

    /// A change was just queued: it counts as waiting at once (a status bar
    /// read before the outbox is re-read must never say everything is sent).
    fn queued_one(&self) {
        self.scheduler.update_value(|s| s.writes += 1);
        self.sync.pending.update(|n| *n += 1);
    }

    pub fn toggle_lang(&self) {
        let next = match self.lang.get_untracked() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        self.lang.set(next);
        platform::remember_lang(next);
    }

    /// Saves a new complaint from the intake form and removes its draft in the
    /// same transaction.
    pub async fn save_new(&self, form: &ComplaintForm) -> Result<Complaint, SaveError> {
        let offset = platform::local_offset();
        let issues = form.issues(offset);
        if complaints_domain::validate::has_errors(&issues) {
            return Err(SaveError::Invalid(issues));
        }
        let store = self.store()?;
        let device = self.device.get_value().ok_or(SaveError::NotReady)?;
        let now = Utc::now();
        let received =
            complaints_domain::form::parse_local_datetime(&form.received_at, offset).unwrap_or(now);
        let day = received.with_timezone(&offset).date_naive();
        let seq = store
            .next_case_sequence(day)
            .await
            .map_err(SaveError::Storage)?;
        let branch = form.branch_code.trim().to_ascii_uppercase();
        let new = NewComplaint {
            id: uuid::Uuid::new_v4().to_string(),
            case_number: case_number::format(&branch, day, &device.tag, seq),
            device_id: device.id.clone(),
            now,
        };
        let (complaint, _warnings) = form
            .to_new_complaint(offset, new)
            .map_err(SaveError::Invalid)?;
        let change = local_change(None, None, &complaint, self.stamp())
            .map_err(|e| SaveError::Storage(StoreError::Invalid(e)))?
            .ok_or(SaveError::NotReady)?;
        let complaint = self
            .finish_change(&store, &change.op, Some(INTAKE_DRAFT))
            .await?;
        self.remember_defaults(&store, &complaint).await;
        Ok(complaint)
    }

    /// Saves edits to an existing complaint and removes its edit draft.
    pub async fn save_edit(
        &self,
        base: &Complaint,
        form: &ComplaintForm,
    ) -> Result<Complaint, SaveError> {
        let store = self.store()?;
        let (mut edited, _warnings) = form
            .apply_to(base, platform::local_offset(), Utc::now())
            .map_err(SaveError::Invalid)?;
        if edited.status != base.status {
            // Who changed the status, and when, goes on the timeline.
            record_status_change(
                &mut edited,
                base.status,
                self.stamp_id(),
                &self.actor(),
                self.clock_now(),
            );
        }
        let state = store
            .get_record_state(&base.id)
            .await
            .map_err(SaveError::Storage)?;
        let draft = edit_draft_key(&base.id);
        let change = local_change(state.as_ref(), Some(base), &edited, self.stamp())
            .map_err(|e| SaveError::Storage(StoreError::Invalid(e)))?;
        let Some(change) = change else {
            // Nothing changed: nothing to send, only the draft to drop.
            store
                .delete_draft(&draft)
                .await
                .map_err(SaveError::Storage)?;
            return Ok(base.clone());
        };
        self.finish_change(&store, &change.op, Some(&draft)).await
    }

    pub(crate) fn put_in_list(&self, complaint: Complaint) {
        self.complaints.update(
            |list| match list.iter_mut().find(|c| c.id == complaint.id) {
                Some(slot) => *slot = complaint,
                None => list.push(complaint),
            },
        );
    }

    async fn remember_defaults(&self, store: &IdbStore, c: &Complaint) {
        let defaults = IntakeDefaults {
            branch_code: c.branch_code.clone(),
            branch_name: c.branch_name.clone(),
            handler: c.handler.clone(),
        };
        if let Ok(v) = as_json(&defaults) {
            if let Err(e) = store.set_settings_text(&[(DEFAULTS_SETTING, v)]).await {
                platform::log_error("could not remember intake defaults", &e.to_string());
            }
        }
        self.defaults.set(defaults);
    }

    /// A record's sync state (conflicts, history), read from storage.
    pub async fn record_state(&self, id: &str) -> Option<RecordState> {
        let store = self.store().ok()?;
        match store.get_record_state(id).await {
            Ok(state) => state,
            Err(e) => {
                platform::log_error("sync state unreadable", &e.to_string());
                None
            }
        }
    }

    /// Settles a field on one of its values (ends a conflict, or restores an
    /// older value): a new operation like any edit.
    pub async fn choose_value(
        &self,
        id: &str,
        field: &str,
        value: serde_json::Value,
    ) -> Result<Complaint, SaveError> {
        let store = self.store()?;
        let state = store
            .get_record_state(id)
            .await
            .map_err(SaveError::Storage)?
            .unwrap_or_else(|| RecordState::new(id));
        let change = choose_value(&state, field, value, self.stamp())
            .map_err(|e| SaveError::Storage(StoreError::Invalid(e)))?;
        self.finish_change(&store, &change.op, None).await
    }

    /// Drops a change the server refused; the record goes back to what it was
    /// without it. Dropping a refused creation also drops the record's later
    /// edits still queued (they could never be accepted without it).
    pub async fn discard_refused(&self, op_id: &str) -> Result<Option<Complaint>, SaveError> {
        let store = self.store()?;
        let outbox = store.outbox().await.map_err(SaveError::Storage)?;
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
            complaint = store.discard_op(id).await.map_err(SaveError::Storage)?;
        }
        if let Err(e) = self.reload().await {
            platform::log_error("reload failed", &e.to_string());
        }
        self.changed_locally();
        Ok(complaint)
    }

    /// Makes a refused change again with a fresh stamp (after a clock fix),
    /// together with the record's later changes still queued, in their order:
    /// each is re-based on the one before, so none looks concurrent with it.
    pub async fn reapply_refused(
        &self,
        entry: &OutboxEntry,
    ) -> Result<Option<Complaint>, SaveError> {
        let store = self.store()?;
        let outbox = store.outbox().await.map_err(SaveError::Storage)?;
        let first = outbox.iter().position(|e| e.op.id == entry.op.id);
        let chain: Vec<Op> = match first {
            Some(i) => outbox[i..]
                .iter()
                .filter(|e| e.op.record == entry.op.record)
                .map(|e| e.op.clone())
                .collect(),
            None => return Ok(None),
        };
        for op in chain.iter().rev() {
            store.discard_op(&op.id).await.map_err(SaveError::Storage)?;
        }
        let mut latest = None;
        for op in &chain {
            let state = store
                .get_record_state(&op.record)
                .await
                .map_err(SaveError::Storage)?
                .unwrap_or_else(|| RecordState::new(&op.record));
            if let Some(change) = reapply(&state, op, self.stamp())
                .map_err(|e| SaveError::Storage(StoreError::Invalid(e)))?
            {
                latest = Some(self.finish_change(&store, &change.op, None).await?);
            }
        }
        Ok(latest)
    }

    async fn finish_change(
        &self,
        store: &IdbStore,
        op: &Op,
        draft: Option<&str>,
    ) -> Result<Complaint, SaveError> {
        let complaint = store
            .save_change(op, draft)
            .await
            .map_err(SaveError::Storage)?;
        self.queued_one();
        self.persist_clock().await;
        self.put_in_list(complaint.clone());
        self.changed_locally();
        Ok(complaint)
    }

    /// The complaint with this id, read from storage.
    pub async fn complaint(&self, id: &str) -> Result<Option<Complaint>, SaveError> {
        self.store()?
            .get_complaint(id)
            .await
            .map_err(SaveError::Storage)
    }

    pub async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, SaveError> {
        self.store()?
            .load_draft(key)
            .await
            .map_err(SaveError::Storage)
    }

    pub async fn save_draft(&self, key: &str, form: &ComplaintForm) -> Result<(), SaveError> {
        self.store()?
            .save_draft(key, form)
            .await
            .map_err(SaveError::Storage)
    }

    pub async fn delete_draft(&self, key: &str) -> Result<(), SaveError> {
        self.store()?
            .delete_draft(key)
            .await
            .map_err(SaveError::Storage)
    }
}
