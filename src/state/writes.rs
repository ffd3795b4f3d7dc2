//! The local writes views ask for: the engine stores and queues each one,
//! and the signals follow (the list, the waiting count, the PDCA rows).

use std::rc::Rc;

use chrono::{DateTime, Utc};
use complaints_client::ChangeError;
use complaints_domain::handling::{Actor, HandlingError};
use complaints_domain::pdca::PdcaItem;
use complaints_domain::store::ComplaintStore;
use complaints_domain::{Complaint, ComplaintForm, Issue, Lang, StoreError};
use leptos::prelude::*;

use super::{as_json, AppEngine, AppState, IntakeDefaults, DEFAULTS_SETTING};
use crate::i18n::Text;
use crate::platform;

/// Why saving did not happen. Nothing was written in any case.
#[derive(Debug, Clone)]
pub enum SaveError {
    /// The form has errors; nothing was written.
    Invalid(Vec<Issue>),
    /// The store failed; what was typed is still in the form (and its draft).
    Storage(StoreError),
    /// The app is still opening storage, or the record is not on the device.
    NotReady,
    /// A rule of the handling process says no (closing without a result…).
    Rule(HandlingError),
}

impl From<ChangeError> for SaveError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Invalid(issues) => SaveError::Invalid(issues),
            ChangeError::Rule(rule) => SaveError::Rule(rule),
            ChangeError::NotFound(_) => SaveError::NotReady,
            ChangeError::Store(e) => SaveError::Storage(e),
        }
    }
}

impl From<StoreError> for SaveError {
    fn from(e: StoreError) -> Self {
        SaveError::Storage(e)
    }
}

impl SaveError {
    /// What went wrong, for the log (English).
    pub fn detail(&self) -> String {
        match self {
            SaveError::Storage(e) => e.to_string(),
            SaveError::NotReady => "storage not open yet, or no such record".into(),
            other => other.message(Lang::En),
        }
    }

    /// Whether the device's storage is full (nothing was written; freeing
    /// space lets the same save succeed).
    pub fn is_storage_full(&self) -> bool {
        matches!(self, SaveError::Storage(StoreError::QuotaExceeded(_)))
    }

    /// What to tell the user.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            e if e.is_storage_full() => Text::StorageFull.get(lang).to_string(),
            SaveError::Rule(e) => e.message(lang),
            SaveError::Invalid(issues) => issues
                .iter()
                .filter(|i| i.is_error())
                .map(|i| i.message(lang))
                .collect::<Vec<_>>()
                .join(Text::ListSeparator.get(lang)),
            _ => Text::SaveFailed.get(lang).to_string(),
        }
    }
}

/// A handling action on the stored complaint: given it, who acts, a fresh
/// entry id and the time, the changed complaint or why not.
pub type HandlingAction =
    dyn FnOnce(&Complaint, Actor, String, DateTime<Utc>) -> Result<Complaint, HandlingError>;

impl AppState {
    pub(super) fn ready(&self) -> Result<Rc<AppEngine>, SaveError> {
        self.engine().ok_or(SaveError::NotReady)
    }

    /// A change was just queued: it counts as waiting at once (a status bar
    /// read before the outbox is re-read must never say everything is sent),
    /// the list shows it, other tabs hear of it and a sync follows.
    pub(super) fn queued(&self, complaint: Option<Complaint>) {
        self.scheduler.update_value(|s| s.writes += 1);
        self.sync.pending.update(|n| *n += 1);
        if let Some(c) = complaint {
            self.put_in_list(c);
        }
        self.changed_locally();
    }

    /// Saves a new complaint from the intake form and removes its draft
    /// (`draft`: the user's, [`AppState::intake_draft_key`]) in the same
    /// transaction.
    pub async fn save_new(
        &self,
        form: &ComplaintForm,
        draft: &str,
    ) -> Result<Complaint, SaveError> {
        let engine = self.ready()?;
        let complaint = engine
            .create(form, platform::local_offset(), Some(draft))
            .await?;
        self.queued(Some(complaint.clone()));
        self.remember_defaults(&complaint).await;
        Ok(complaint)
    }

    /// Saves edits to an existing complaint and removes its edit draft.
    pub async fn save_edit(
        &self,
        base: &Complaint,
        form: &ComplaintForm,
    ) -> Result<Complaint, SaveError> {
        let engine = self.ready()?;
        let saved = engine
            .save_edit(base, form, platform::local_offset(), &self.actor())
            .await?;
        match saved {
            Some(c) => {
                self.queued(Some(c.clone()));
                Ok(c)
            }
            // Nothing changed: nothing to send (the draft is gone).
            None => Ok(base.clone()),
        }
    }

    /// Applies a handling action (an entry, a tick, a status change) to the
    /// stored complaint and saves what changed as one operation.
    pub async fn handle(
        &self,
        id: &str,
        action: Box<HandlingAction>,
    ) -> Result<Complaint, SaveError> {
        let engine = self.ready()?;
        let actor = self.actor();
        let before = self
            .complaints
            .with_untracked(|all| all.iter().find(|c| c.id == id).cloned());
        let after = engine
            .handle(id, move |c, entry, now| action(c, actor, entry, now))
            .await?;
        if before.as_ref() != Some(&after) {
            self.queued(Some(after.clone()));
        }
        Ok(after)
    }

    /// Settles a field on one of its values (ends a conflict, or restores an
    /// older value): a new operation like any edit.
    pub async fn choose_value(
        &self,
        id: &str,
        field: &str,
        value: serde_json::Value,
    ) -> Result<Complaint, SaveError> {
        let c = self.ready()?.choose_value(id, field, value).await?;
        self.queued(Some(c.clone()));
        Ok(c)
    }

    /// Saves a PDCA row (only what changed; nothing when nothing did).
    pub async fn save_plan(&self, row: &PdcaItem) -> Result<(), SaveError> {
        let engine = self.ready()?;
        if engine.save_plan(row).await? {
            self.queued(None);
            self.reload_plans().await?;
        }
        Ok(())
    }

    /// Drops a change the server refused (and, for a refused creation, the
    /// record's later queued changes); the record goes back to what it was
    /// without it.
    pub async fn discard_refused(&self, op_id: &str) -> Result<Option<Complaint>, SaveError> {
        let complaint = self.ready()?.discard_refused(op_id).await?;
        if let Err(e) = self.reload().await {
            platform::log_error("reload failed", &e.to_string());
        }
        self.changed_locally();
        Ok(complaint)
    }

    /// Makes a refused change again with a fresh stamp (after a clock fix),
    /// with the record's later queued changes, in their order.
    pub async fn reapply_refused(&self, op_id: &str) -> Result<Option<Complaint>, SaveError> {
        let complaint = self.ready()?.reapply_refused(op_id).await?;
        if let Err(e) = self.reload().await {
            platform::log_error("reload failed", &e.to_string());
        }
        self.changed_locally();
        Ok(complaint)
    }

    /// The branch and handler of the last complaint taken here start the
    /// next intake form.
    async fn remember_defaults(&self, c: &Complaint) {
        let defaults = IntakeDefaults {
            branch_code: c.branch_code.clone(),
            branch_name: c.branch_name.clone(),
            handler: c.handler.clone(),
        };
        if let (Some(store), Ok(v)) = (self.store_handle(), as_json(&defaults)) {
            if let Err(e) = store.set_settings_text(&[(DEFAULTS_SETTING, v)]).await {
                platform::log_error("could not remember intake defaults", &e.to_string());
            }
        }
        self.defaults.set(defaults);
    }

    pub async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, SaveError> {
        Ok(self.ready()?.store().load_draft(key).await?)
    }

    pub async fn save_draft(&self, key: &str, form: &ComplaintForm) -> Result<(), SaveError> {
        Ok(self.ready()?.store().save_draft(key, form).await?)
    }

    pub async fn delete_draft(&self, key: &str) -> Result<(), SaveError> {
        Ok(self.ready()?.store().delete_draft(key).await?)
    }
}
