//! The handling process on a complaint: its clocks, the timeline with the
//! form that adds to it, the eight steps and the status. Every rule comes
//! from the shared crate; these components only show them and turn taps
//! into [`AppState::handle`] calls.
//!
//! What is read-only and drawn whole when the complaint or the clock
//! changes (the facts line, the timeline) is an [`crate::html::Html`]
//! fragment; what the user works with (the entry form, the status buttons,
//! the steps) is a `view!` whose controls are made once, so a sync, the
//! clock or a language switch never takes away what is being typed, nor
//! the focus from a button just pressed.

mod entry_form;
mod facts;
mod risk;
mod status_steps;
mod timeline;

pub use risk::{IntakeAlerts, RiskAndVehicle};

use chrono::{DateTime, Utc};
use complaints_domain::handling::{Actor, HandlingError};
use complaints_domain::Complaint;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::html::HtmlView;
use crate::i18n::{tr, Text};
use crate::platform;
use crate::state::{use_app_state, AppState};

use entry_form::EntryForm;
use status_steps::StatusAndSteps;

/// A handling action on the stored complaint: given it, who acts, a fresh
/// entry id and the time, the changed complaint or why not.
pub(crate) type Action =
    Box<dyn FnOnce(&Complaint, Actor, String, DateTime<Utc>) -> Result<Complaint, HandlingError>>;

/// Runs handling actions on one complaint, one at a time, keeping the last
/// refusal to show.
#[derive(Clone, Copy)]
pub(crate) struct Handler {
    state: AppState,
    id: StoredValue<String>,
    busy: RwSignal<bool>,
    /// The last refusal's message, shown where the action was taken.
    pub error: RwSignal<Option<String>>,
}

impl Handler {
    fn new(state: AppState, id: String) -> Handler {
        Handler {
            state,
            id: StoredValue::new(id),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Runs `action`; `done` runs after it was saved.
    pub fn run(self, action: Action, done: impl FnOnce() + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            match self.state.handle(&self.id.get_value(), action).await {
                Ok(_) => {
                    self.error.set(None);
                    done();
                }
                Err(e) => {
                    platform::log_error("handling action refused", &e.detail());
                    self.error
                        .set(Some(e.message(self.state.lang.get_untracked())));
                }
            }
            self.busy.set(false);
        });
    }
}

/// Everything about handling complaint `id`, read live from the app's list.
#[component]
pub fn HandlingPanel(id: String) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let current = {
        let id = id.clone();
        Memo::new(move |_| {
            state
                .complaints
                .with(|all| all.iter().find(|c| c.id == id).cloned())
        })
    };
    // Refusals of the side panel and of the entry form are shown apart.
    let side = Handler::new(state, id.clone());
    let entries = Handler::new(state, id);
    let facts = move || {
        current.with(|c| {
            c.as_ref()
                .map(|c| facts::facts_html(c, state.now.get(), lang.get()))
                .unwrap_or_default()
        })
    };
    let me = state.device_id();
    let timeline = move || {
        current.with(|c| {
            c.as_ref()
                .map(|c| timeline::timeline_html(c, lang.get(), &me))
                .unwrap_or_default()
        })
    };
    view! {
        <section class="handling" data-testid="handling">
            <HtmlView html=Signal::derive(facts)/>
            <div class="handling__cols">
                <div class="panel">
                    <h2>{tr(lang, Text::Timeline)}</h2>
                    <HtmlView html=Signal::derive(timeline)/>
                    <EntryForm current handler=entries/>
                </div>
                <div class="panel">
                    <StatusAndSteps current handler=side/>
                </div>
            </div>
        </section>
    }
}
