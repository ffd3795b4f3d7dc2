//! Keeps what is typed in a form safe in IndexedDB as the user types.
//!
//! Every change is written as a draft; writes are serialised through one
//! gate so that a slow write can never land after a newer one, and after the
//! form is finally saved (which removes the draft in the same transaction)
//! no late draft write can bring it back.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use complaints_domain::ComplaintForm;
use futures::lock::Mutex;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::platform;
use crate::state::AppState;

/// What the last draft write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftStatus {
    /// Nothing typed since the form opened.
    Idle,
    Saved,
    Failed,
}

#[derive(Clone)]
pub struct DraftKeeper {
    key: Rc<str>,
    state: AppState,
    gate: Rc<Mutex<()>>,
    generation: Rc<Cell<u64>>,
    finished: Rc<Cell<bool>>,
    pub status: RwSignal<DraftStatus>,
}

impl DraftKeeper {
    pub fn new(state: AppState, key: &str) -> Self {
        DraftKeeper {
            key: key.into(),
            state,
            gate: Rc::new(Mutex::new(())),
            generation: Rc::new(Cell::new(0)),
            finished: Rc::new(Cell::new(false)),
            status: RwSignal::new(DraftStatus::Idle),
        }
    }

    /// Writes `form` as the draft; a newer call supersedes an older one that
    /// has not started yet.
    pub fn keep(&self, form: ComplaintForm) {
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
                    platform::log_error("draft not saved", &format!("{e:?}"));
                    this.status.set(DraftStatus::Failed);
                }
            }
        });
    }

    /// Runs the final save after every pending draft write; once it succeeds
    /// no further draft is written.
    pub async fn finish<T, E>(&self, save: impl Future<Output = Result<T, E>>) -> Result<T, E> {
        let _turn = self.gate.lock().await;
        let result = save.await;
        if result.is_ok() {
            self.finished.set(true);
        }
        result
    }

    /// Deletes the draft (the user discarded it) and stops keeping one until
    /// the next change.
    pub async fn discard(&self) {
        self.generation.set(self.generation.get() + 1);
        let _turn = self.gate.lock().await;
        if let Err(e) = self.state.delete_draft(&self.key).await {
            platform::log_error("draft not deleted", &format!("{e:?}"));
        }
        self.status.set(DraftStatus::Idle);
    }
}
