//! Taking in a new complaint. What is typed is kept as a draft in IndexedDB
//! on every change, and comes back after a reload, a crash or a closed tab —
//! to the same user only: the draft is kept under their name
//! (`session::intake_draft_key`), so the next user of a shared tablet starts
//! from a blank form.

use chrono::Utc;
use complaints_domain::ComplaintForm;
use leptos::prelude::*;
use leptos::task::spawn_local;

use complaints_domain::risk::warnings;
use complaints_domain::search::same_vehicle;

use crate::components::{
    ComplaintFormView, DraftStatus, FormDraft, FormNotice, IntakeAlerts, SaveButton,
};
use crate::i18n::{tr, Text};
use crate::platform;
use crate::route::{use_nav, Route};
use crate::state::{use_app_state, Boot};

#[component]
pub fn IntakePage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let blank = move || {
        let d = state.defaults.get_untracked();
        ComplaintForm::new_intake(
            Utc::now(),
            platform::local_offset(),
            &d.branch_code,
            &d.branch_name,
            &d.handler,
        )
    };
    let first = blank();
    // The page shows only while someone is signed in: the draft is theirs.
    let key = state.intake_draft_key();
    let draft = FormDraft::new(state, &key, first.clone());
    let key = StoredValue::new(key);
    let first = StoredValue::new(first);

    // Once storage is open (and the device's remembered branch is known):
    // a fresh form, or the draft left from last time.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || state.boot.get() != Boot::Ready {
            return done.unwrap_or(false);
        }
        // Never over what the user already typed while storage was opening
        // (in any field, the remembered ones included).
        if draft.form.with_untracked(|f| first.with_value(|b| f == b)) {
            draft.reset(blank());
        }
        draft.restore(Text::DraftRestored);
        true
    });

    let nav = use_nav();
    let save = move || {
        spawn_local(async move {
            if let Some(c) = draft
                .save(Box::new(move |form| {
                    Box::pin(async move { state.save_new(&form, &key.get_value()).await })
                }))
                .await
            {
                let message = Text::SavedComplaint
                    .fill(lang.get_untracked(), &[&c.case_number, &c.customer_name]);
                state.flash.set(Some(message));
                nav.go(&Route::List);
            }
        });
    };

    let discard = move |_| {
        if platform::confirm(Text::DiscardConfirm.get(lang.get_untracked())) {
            spawn_local(draft.discard(blank()));
        }
    };

    // As soon as a VIN or plate is typed: the other complaints about the vehicle.
    let others = Memo::new(move |_| {
        let (vin, plate) = draft.form.with(|f| (f.vin.clone(), f.plate.clone()));
        state.complaints.with(|all| {
            same_vehicle(all, &vin, &plate, "")
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // The major-complaint rules, as the user types.
    let risks = Signal::derive(move || {
        let same = others.with(Vec::len);
        draft.form.with(|f| {
            let input = f.risk_input(platform::local_offset(), same);
            state.risk_config.with(|cfg| warnings(&input, cfg))
        })
    });

    view! {
        <h1>{tr(lang, Text::NewComplaint)}</h1>
        <FormNotice draft/>

        <form novalidate on:submit=|ev| ev.prevent_default() data-testid="intake-form">
            <ComplaintFormView form=draft.form issues=draft.issues reveal_all=draft.submitted.into()/>
            <div class="actionbar">
                <IntakeAlerts warnings=risks others/>
                <span class="actionbar__status" role="status" data-testid="draft-status">
                    {move || match draft.status.get() {
                        DraftStatus::Idle => "",
                        DraftStatus::Saved => Text::DraftSaved.get(lang.get()),
                        DraftStatus::Failed => Text::DraftSaveFailed.get(lang.get()),
                        DraftStatus::Full => Text::DraftStorageFull.get(lang.get()),
                    }}
                </span>
                <button type="button" class="btn btn--danger" on:click=discard>{tr(lang, Text::Discard)}</button>
                <SaveButton draft on_save=save/>
            </div>
        </form>
    }
}
