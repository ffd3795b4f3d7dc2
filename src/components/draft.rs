//! Keeps what is typed in a complaint form safe in IndexedDB as the user
//! types, and runs the form's save.
//!
//! [`FormDraft`] is what the intake and detail pages share: the form, its
//! problems, its notice, and the draft. Every change is written as a draft;
//! writes are serialised through one gate so that a slow write can never land
//! after a newer one, and after the form is saved (which removes the draft in
//! the same transaction) no late draft write can bring it back.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use complaints_domain::validate::has_errors;
use complaints_domain::{Complaint, ComplaintForm, Issue};
use futures::lock::Mutex;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::Text;
use crate::platform;
use crate::state::{AppState, SaveError};

/// What the last draft write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftStatus {
    /// Nothing typed since the form opened.
    Idle,
    Saved,
    Failed,
    /// Not saved: the device's storage is full.
    Full,
}

/// The kind of a page notice; feeds the `notice--<kind>` CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Ok,
    Error,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Info => "info",
            NoticeKind::Ok => "ok",
            NoticeKind::Error => "error",
        }
    }
}

/// Serialised draft writes for one draft key.
#[derive(Clone)]
struct DraftWriter {
    key: Rc<str>,
    state: AppState,
    gate: Rc<Mutex<()>>,
    generation: Rc<Cell<u64>>,
    finished: Rc<Cell<bool>>,
    status: RwSignal<DraftStatus>,
}

impl DraftWriter {
    fn new(state: AppState, key: &str, status: RwSignal<DraftStatus>) -> Self {
        DraftWriter {
            key: key.into(),
            state,
            gate: Rc::new(Mutex::new(())),
            generation: Rc::new(Cell::new(0)),
            finished: Rc::new(Cell::new(false)),
            status,
        }
    }

    /// Writes `form` as the draft; a newer call supersedes an older one that
    /// has not started yet.
    fn keep(&self, form: ComplaintForm) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let this = self.clone();
        spawn_local(async move {
            let _turn = this.gate.lock().await;
            if this.finished.get() || this.generation.get() != generation {
                return;
            }
            match this.state.save_draft(&this.key, &form).await {
                Ok(()) => this.status.set(DraftStatus::Saved),
                Err(e) => {
                    platform::log_error("draft not saved", &e.detail());
                    this.status.set(if e.is_storage_full() {
                        DraftStatus::Full
                    } else {
                        DraftStatus::Failed
                    });
                }
            }
        });
    }

    /// Runs the final save after every pending draft write; once it succeeds
    /// no further draft is written by this writer.
    async fn finish(&self, save: SaveFuture) -> Result<Complaint, SaveError> {
        let _turn = self.gate.lock().await;
        let result = save.await;
        if result.is_ok() {
            self.finished.set(true);
        }
        result
    }

    /// Deletes the draft after any pending write.
    async fn discard(&self) {
        self.generation.set(self.generation.get() + 1);
        let _turn = self.gate.lock().await;
        if let Err(e) = self.state.delete_draft(&self.key).await {
            platform::log_error("draft not deleted", &e.detail());
        }
        self.status.set(DraftStatus::Idle);
    }
}

/// Saving a form: the store call, boxed (see [`FormDraft::save`]).
pub type SaveFuture = std::pin::Pin<Box<dyn Future<Output = Result<Complaint, SaveError>>>>;

/// A complaint form being edited: its text, problems, notice and draft.
#[derive(Clone, Copy)]
pub struct FormDraft {
    pub form: RwSignal<ComplaintForm>,
    /// Every problem with `form`, from the shared validation.
    pub issues: Memo<Vec<Issue>>,
    /// A save was attempted: show every problem, touched or not.
    pub submitted: RwSignal<bool>,
    pub saving: RwSignal<bool>,
    pub notice: RwSignal<Option<(NoticeKind, Text)>>,
    pub status: RwSignal<DraftStatus>,
    state: AppState,
    writer: StoredValue<DraftWriter, LocalStorage>,
    /// The form as last restored or written: a change from it is worth a draft.
    /// `None` until the stored draft has been looked for.
    baseline: StoredValue<Option<ComplaintForm>>,
    key: StoredValue<String>,
}

impl FormDraft {
    /// Starts editing `initial`, keeping drafts under `key` once [`Self::restore`] has run.
    pub fn new(state: AppState, key: &str, initial: ComplaintForm) -> Self {
        let form = RwSignal::new(initial);
        let offset = platform::local_offset();
        let status = RwSignal::new(DraftStatus::Idle);
        let draft = FormDraft {
            form,
            issues: Memo::new(move |_| form.with(|f| f.issues(offset))),
            submitted: RwSignal::new(false),
            saving: RwSignal::new(false),
            notice: RwSignal::new(None),
            status,
            state,
            writer: StoredValue::new_local(DraftWriter::new(state, key, status)),
            baseline: StoredValue::new(None),
            key: StoredValue::new(key.to_string()),
        };
        // Persist every change (an Effect only pushes state out).
        Effect::new(move |_| {
            let current = form.get();
            let Some(before) = draft.baseline.get_value() else {
                return;
            };
            if before != current {
                draft.writer.with_value(|w| w.keep(current.clone()));
                draft.baseline.set_value(Some(current));
            }
        });
        draft
    }

    /// Brings back the stored draft, if any (telling the user with `restored`),
    /// then starts keeping drafts. Call once storage is open.
    /// If the user types before the draft is read, what they typed is newer
    /// and wins: the stored draft is then not brought back.
    pub fn restore(self, restored: Text) {
        let before = self.form.get_untracked();
        spawn_local(async move {
            let key = self.key.get_value();
            match self.state.load_draft(&key).await {
                Ok(Some(draft)) if self.form.with_untracked(|now| *now == before) => {
                    self.form.set(draft);
                    self.notice.set(Some((NoticeKind::Info, restored)));
                }
                // Nothing stored, or the user has typed since: keep the form.
                Ok(_) => {}
                Err(e) => platform::log_error(
                    "draft unreadable; showing the form without it",
                    &e.detail(),
                ),
            }
            self.baseline.set_value(Some(self.form.get_untracked()));
        });
    }

    /// Replaces the form's text without keeping it as a draft (a fresh form).
    pub fn reset(self, form: ComplaintForm) {
        if self.baseline.get_value().is_some() {
            self.baseline.set_value(Some(form.clone()));
        }
        self.form.set(form);
    }

    /// Saves the form with `save` once it has no errors and every pending draft
    /// write is done; shows what happened. `Some` with the saved value on success.
    ///
    /// `save` is boxed: this runs for intake and for edits alike, and a
    /// generic one would be in the app twice.
    pub async fn save(
        self,
        save: Box<dyn FnOnce(ComplaintForm) -> SaveFuture>,
    ) -> Option<Complaint> {
        self.submitted.set(true);
        if has_errors(&self.issues.get_untracked()) {
            self.show_errors();
            return None;
        }
        self.saving.set(true);
        let writer = self.writer.get_value();
        let result = writer.finish(save(self.form.get_untracked())).await;
        self.saving.set(false);
        match result {
            Ok(saved) => {
                // Further edits are kept as a new draft.
                let fresh = DraftWriter::new(self.state, &self.key.get_value(), self.status);
                self.writer.set_value(fresh);
                self.submitted.set(false);
                Some(saved)
            }
            Err(SaveError::Invalid(_)) => {
                self.show_errors();
                None
            }
            // Nothing was written: the form keeps every character, and the
            // draft kept before stays (the failed save removed nothing).
            Err(e) => {
                platform::log_error("saving failed", &e.detail());
                let why = if e.is_storage_full() {
                    Text::StorageFull
                } else {
                    Text::SaveFailed
                };
                self.notice.set(Some((NoticeKind::Error, why)));
                None
            }
        }
    }

    fn show_errors(self) {
        self.notice.set(Some((NoticeKind::Error, Text::FixErrors)));
        platform::focus_first_invalid();
    }

    /// Deletes the draft and shows `fresh` instead.
    pub async fn discard(self, fresh: ComplaintForm) {
        self.writer.get_value().discard().await;
        self.reset(fresh);
        self.submitted.set(false);
        self.notice.set(None);
    }
}

/// The page's notice, if any. A save that failed for another reason than
/// the form's errors (those move the focus to the first one) brings its
/// notice into view: the user pressed "save" at the bottom of a long form,
/// and must read why nothing was saved.
#[component]
pub fn FormNotice(draft: FormDraft) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    let node = NodeRef::<leptos::html::Div>::new();
    // An Effect only pushes state out: here, the scroll position.
    Effect::new(move |_| {
        let failed = draft
            .notice
            .with(|n| matches!(n, Some((NoticeKind::Error, t)) if *t != Text::FixErrors));
        if failed {
            if let Some(el) = node.get() {
                el.scroll_into_view();
            }
        }
    });
    view! {
        <div class="form-notice" node_ref=node>
            {move || draft.notice.get().map(|(kind, text)| {
                view! { <p class=format!("notice notice--{}", kind.as_str()) role="status">{text.get(lang.get())}</p> }
            })}
        </div>
    }
}

/// The save button: disabled while saving, its label saying so.
#[component]
pub fn SaveButton(draft: FormDraft, on_save: impl Fn() + 'static) -> impl IntoView {
    let lang = expect_context::<AppState>().lang;
    view! {
        <button type="submit" class="btn btn--primary" on:click=move |_| on_save() disabled=move || draft.saving.get()>
            {move || if draft.saving.get() { Text::Saving.get(lang.get()) } else { Text::Save.get(lang.get()) }}
        </button>
    }
}
