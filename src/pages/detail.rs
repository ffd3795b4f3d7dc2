//! One complaint: its record, editable. Unsaved edits are kept as a draft
//! per complaint and come back after a reload.

use complaints_domain::validate::has_errors;
use complaints_domain::{Complaint, ComplaintForm};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::{ComplaintFormView, DraftKeeper, StatusBadge};
use crate::i18n::Text;
use crate::platform;
use crate::state::{edit_draft_key, use_app_state, Boot, SaveError};

#[component]
pub fn DetailPage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // The editor is made again only when another complaint is shown (or this
    // one appears or goes), not when its own save updates the list.
    let found = Memo::new(move |_| {
        let id = id();
        state.complaints.with(|all| all.iter().any(|c| c.id == id))
    });
    view! {
        <p><A href="/">{move || format!("← {}", Text::Back.get(lang.get()))}</A></p>
        {move || {
            let id = id();
            match (state.boot.get(), found.get()) {
                (_, true) => {
                    let c = state.complaints.with_untracked(|all| all.iter().find(|c| c.id == id).cloned());
                    c.map(|complaint| view! { <Editor complaint/> }).into_any()
                }
                (Boot::Loading, false) => view! { <p class="empty">{Text::Loading.get(lang.get())}</p> }.into_any(),
                (_, false) => view! { <p class="notice notice--error" role="alert">{Text::NotFound.get(lang.get())}</p> }.into_any(),
            }
        }}
    }
}

/// The edit form of one complaint (re-created when another complaint is shown).
#[component]
fn Editor(complaint: Complaint) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let offset = platform::local_offset();
    let draft_key = edit_draft_key(&complaint.id);
    let base = RwSignal::new(complaint.clone());
    let form = RwSignal::new(ComplaintForm::from_complaint(&complaint, offset));
    let issues = Memo::new(move |_| form.with(|f| f.issues(offset)));
    let submitted = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let notice = RwSignal::new(None::<(&'static str, Text)>);
    let keeper = StoredValue::new_local(DraftKeeper::new(state, &draft_key));
    let baseline = StoredValue::new(None::<ComplaintForm>);

    {
        let draft_key = draft_key.clone();
        spawn_local(async move {
            match state.load_draft(&draft_key).await {
                Ok(Some(draft)) => {
                    form.set(draft);
                    notice.set(Some(("info", Text::EditsRestored)));
                }
                Ok(None) => {}
                Err(e) => platform::log_error(
                    "edit draft unreadable; showing the saved record",
                    &format!("{e:?}"),
                ),
            }
            baseline.set_value(Some(form.get_untracked()));
        });
    }

    Effect::new(move |_| {
        let current = form.get();
        let Some(before) = baseline.get_value() else {
            return;
        };
        if before != current {
            keeper.with_value(|k| k.keep(current.clone()));
            baseline.set_value(Some(current));
        }
    });

    let save = move |_| {
        submitted.set(true);
        if has_errors(&issues.get_untracked()) {
            notice.set(Some(("error", Text::FixErrors)));
            platform::focus_first_invalid();
            return;
        }
        saving.set(true);
        let value = form.get_untracked();
        let current = keeper.get_value();
        let draft_key = draft_key.clone();
        spawn_local(async move {
            let result = current
                .finish(state.save_edit(&base.get_untracked(), &value))
                .await;
            saving.set(false);
            match result {
                Ok(saved) => {
                    base.set(saved);
                    // Further edits get a fresh draft.
                    keeper.set_value(DraftKeeper::new(state, &draft_key));
                    submitted.set(false);
                    notice.set(Some(("ok", Text::Saved)));
                }
                Err(SaveError::Invalid(_)) => notice.set(Some(("error", Text::FixErrors))),
                Err(e) => {
                    platform::log_error("saving edits failed", &format!("{e:?}"));
                    notice.set(Some(("error", Text::SaveFailed)));
                }
            }
        });
    };

    let received = complaint
        .received_at
        .with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    view! {
        <div class="detail-head">
            <h1>{move || base.with(|c| c.customer_name.clone())}</h1>
            {move || view! { <StatusBadge status=base.with(|c| c.status)/> }}
            <span class="complaint-card__case">{complaint.case_number.clone()}</span>
            <span class="complaint-card__when">{move || format!("{} {}", Text::Received.get(lang.get()), received)}</span>
        </div>
        {move || notice.get().map(|(kind, text)| view! {
            <p class=format!("notice notice--{kind}") role="status">{text.get(lang.get())}</p>
        })}
        <form novalidate on:submit=|ev| ev.prevent_default() data-testid="detail-form">
            <ComplaintFormView form issues reveal_all=submitted.into() case_number=complaint.case_number.clone()/>
            <div class="actionbar">
                <button type="submit" class="btn btn--primary" on:click=save disabled=move || saving.get()>
                    {move || if saving.get() { Text::Saving.get(lang.get()) } else { Text::Save.get(lang.get()) }}
                </button>
            </div>
        </form>
    }
}
