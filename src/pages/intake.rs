//! Taking in a new complaint. What is typed is kept as a draft in IndexedDB
//! on every change, and comes back after a reload, a crash or a closed tab.

use chrono::Utc;
use complaints_domain::validate::has_errors;
use complaints_domain::{ComplaintForm, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::components::{ComplaintFormView, DraftKeeper, DraftStatus};
use crate::i18n::Text;
use crate::platform;
use crate::state::{use_app_state, Boot, SaveError, INTAKE_DRAFT};

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
    let form = RwSignal::new(blank());
    let offset = platform::local_offset();
    let issues = Memo::new(move |_| form.with(|f| f.issues(offset)));
    let submitted = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let notice = RwSignal::new(None::<(&'static str, Text)>);
    let keeper = StoredValue::new_local(DraftKeeper::new(state, INTAKE_DRAFT));
    let draft_status = keeper.with_value(|k| k.status);
    // The form as last loaded or written: a change from it is worth a draft.
    let baseline = StoredValue::new(None::<ComplaintForm>);

    // Once storage is open: bring back the draft, if any.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) || state.boot.get() != Boot::Ready {
            return done.unwrap_or(false);
        }
        spawn_local(async move {
            match state.load_draft(INTAKE_DRAFT).await {
                Ok(Some(draft)) => {
                    form.set(draft);
                    notice.set(Some(("info", Text::DraftRestored)));
                }
                Ok(None) => form.set(blank()),
                Err(e) => {
                    platform::log_error(
                        "draft unreadable; starting a blank form",
                        &format!("{e:?}"),
                    );
                }
            }
            baseline.set_value(Some(form.get_untracked()));
        });
        true
    });

    // Persist every change (an Effect only pushes state out).
    Effect::new(move |_| {
        let current = form.get();
        let Some(base) = baseline.get_value() else {
            return;
        };
        if base != current {
            keeper.with_value(|k| k.keep(current.clone()));
            baseline.set_value(Some(current));
        }
    });

    let navigate = use_navigate();
    let save = move |_| {
        submitted.set(true);
        if has_errors(&issues.get_untracked()) {
            notice.set(Some(("error", Text::FixErrors)));
            platform::focus_first_invalid();
            return;
        }
        saving.set(true);
        let navigate = navigate.clone();
        let value = form.get_untracked();
        let keeper = keeper.get_value();
        spawn_local(async move {
            let result = keeper.finish(state.save_new(&value)).await;
            saving.set(false);
            match result {
                Ok(c) => {
                    let message = match lang.get_untracked() {
                        Lang::Zh => format!("已保存投诉 {}（{}）", c.case_number, c.customer_name),
                        Lang::En => {
                            format!("Saved complaint {} ({})", c.case_number, c.customer_name)
                        }
                    };
                    state.flash.set(Some(message));
                    navigate("/", Default::default());
                }
                Err(SaveError::Invalid(_)) => {
                    notice.set(Some(("error", Text::FixErrors)));
                    platform::focus_first_invalid();
                }
                Err(e) => {
                    platform::log_error("saving complaint failed", &format!("{e:?}"));
                    notice.set(Some(("error", Text::SaveFailed)));
                }
            }
        });
    };

    let discard = move |_| {
        if !platform::confirm(Text::DiscardConfirm.get(lang.get_untracked())) {
            return;
        }
        let keeper = keeper.get_value();
        spawn_local(async move {
            keeper.discard().await;
            let fresh = blank();
            baseline.set_value(Some(fresh.clone()));
            form.set(fresh);
            submitted.set(false);
            notice.set(None);
        });
    };

    view! {
        <h1>{move || Text::NewComplaint.get(lang.get())}</h1>
        {move || notice.get().map(|(kind, text)| view! {
            <p class=format!("notice notice--{kind}") role="status">{text.get(lang.get())}</p>
        })}
        <form novalidate on:submit=|ev| ev.prevent_default() data-testid="intake-form">
            <ComplaintFormView form issues reveal_all=submitted.into()/>
            <div class="actionbar">
                <span class="actionbar__status" role="status" data-testid="draft-status">
                    {move || match draft_status.get() {
                        DraftStatus::Idle => "",
                        DraftStatus::Saved => Text::DraftSaved.get(lang.get()),
                        DraftStatus::Failed => Text::DraftSaveFailed.get(lang.get()),
                    }}
                </span>
                <button type="button" class="btn btn--danger" on:click=discard>{move || Text::Discard.get(lang.get())}</button>
                <button type="submit" class="btn btn--primary" on:click=save disabled=move || saving.get()>
                    {move || if saving.get() { Text::Saving.get(lang.get()) } else { Text::Save.get(lang.get()) }}
                </button>
            </div>
        </form>
    }
}
