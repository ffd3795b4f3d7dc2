//! The app's shared state and the services views call.
//!
//! [`AppState`] is a `Copy` handle of signals, provided once by the app shell
//! ([`provide_app_state`]) and read anywhere with [`use_app_state`]. Its
//! methods are the only way views read or write data: they go to the
//! IndexedDB store and keep the signals in step.

use std::rc::Rc;

use chrono::Utc;
use complaints_domain::store::ComplaintStore;
use complaints_domain::{
    case_number, Complaint, ComplaintForm, Issue, Lang, NewComplaint, StoreError, Unreadable,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::platform;
use crate::store::IdbStore;

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "complaint-desk";
/// The draft key of the intake form.
pub const INTAKE_DRAFT: &str = "intake";
const DEVICE_SETTING: &str = "device";
const DEFAULTS_SETTING: &str = "intake_defaults";

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
    store: StoredValue<Option<Rc<IdbStore>>, LocalStorage>,
    device: StoredValue<Option<Device>>,
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
        store: StoredValue::new_local(None),
        device: StoredValue::new(None),
    };
    provide_context(state);
    platform::remember_lang(state.lang.get_untracked());

    let online = state.online;
    let on = window_event_listener(leptos::ev::online, move |_| online.set(true));
    let off = window_event_listener(leptos::ev::offline, move |_| online.set(false));
    on_cleanup(move || {
        on.remove();
        off.remove();
    });

    spawn_local(async move {
        match state.open().await {
            Ok(()) => state.boot.set(Boot::Ready),
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
            Some(v) => serde_json::from_value::<Device>(v).ok(),
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
                    .set_setting(
                        DEVICE_SETTING,
                        serde_json::to_value(&d).map_err(|e| StoreError::Encode(e.to_string()))?,
                    )
                    .await?;
                d
            }
        };
        if let Some(v) = store.get_setting(DEFAULTS_SETTING).await? {
            if let Ok(d) = serde_json::from_value(v) {
                self.defaults.set(d);
            }
        }
        self.device.set_value(Some(device));
        self.store.set_value(Some(store));
        self.reload().await
    }

    fn store(&self) -> Result<Rc<IdbStore>, SaveError> {
        self.store.get_value().ok_or(SaveError::NotReady)
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
        Ok(())
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
        store
            .save_complaint(&complaint, Some(INTAKE_DRAFT))
            .await
            .map_err(SaveError::Storage)?;
        self.remember_defaults(&store, &complaint).await;
        self.complaints.update(|list| list.push(complaint.clone()));
        Ok(complaint)
    }

    /// Saves edits to an existing complaint and removes its edit draft.
    pub async fn save_edit(
        &self,
        base: &Complaint,
        form: &ComplaintForm,
    ) -> Result<Complaint, SaveError> {
        let store = self.store()?;
        let (complaint, _warnings) = form
            .apply_to(base, platform::local_offset(), Utc::now())
            .map_err(SaveError::Invalid)?;
        store
            .save_complaint(&complaint, Some(&edit_draft_key(&complaint.id)))
            .await
            .map_err(SaveError::Storage)?;
        self.complaints.update(
            |list| match list.iter_mut().find(|c| c.id == complaint.id) {
                Some(slot) => *slot = complaint.clone(),
                None => list.push(complaint.clone()),
            },
        );
        Ok(complaint)
    }

    async fn remember_defaults(&self, store: &IdbStore, c: &Complaint) {
        let defaults = IntakeDefaults {
            branch_code: c.branch_code.clone(),
            branch_name: c.branch_name.clone(),
            handler: c.handler.clone(),
        };
        if let Ok(v) = serde_json::to_value(&defaults) {
            if let Err(e) = store.set_setting(DEFAULTS_SETTING, v).await {
                platform::log_error("could not remember intake defaults", &e.to_string());
            }
        }
        self.defaults.set(defaults);
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
