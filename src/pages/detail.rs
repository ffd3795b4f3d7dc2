//! One complaint: its record, editable. Unsaved edits are kept as a draft
//! per complaint and come back after a reload.

use complaints_domain::{Complaint, ComplaintForm, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;

use complaints_domain::handling::risk_input;
use complaints_domain::risk::warnings;
use complaints_domain::search::same_vehicle;

use crate::components::{
    use_record_state, ComplaintFormView, EvidencePanel, FormDraft, FormNotice, HandlingPanel,
    NoticeKind, RecordHistory, RecordSyncPanel, RiskAndVehicle, SaveButton, StatusBadge,
    SuggestedAnswers,
};
use crate::i18n::{tr, Text};
use crate::platform;
use crate::route::{use_nav, Link, Route};
use crate::state::{use_app_state, Boot};
use complaints_domain::store::edit_draft_key;

#[component]
pub fn DetailPage(
    /// The complaint's id, from the path.
    id: String,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let id = StoredValue::new(id);
    let id = move || id.get_value();
    // The editor is made again only when another complaint is shown (or this
    // one appears or goes), not when its own save updates the list.
    let found = Memo::new(move |_| {
        let id = id();
        state.complaints.with(|all| all.iter().any(|c| c.id == id))
    });
    view! {
        <p><Link to=Route::List>"← "{tr(lang, Text::Back)}</Link></p>
        {move || {
            let id = id();
            match (state.boot.get(), found.get()) {
                (_, true) => {
                    let c = state.complaints.with_untracked(|all| all.iter().find(|c| c.id == id).cloned());
                    c.map(|complaint| view! { <Editor complaint/> }).into_any()
                }
                (Boot::Loading, false) => view! { <p class="empty">{tr(lang, Text::Loading)}</p> }.into_any(),
                (_, false) => view! { <p class="notice notice--error" role="alert">{tr(lang, Text::NotFound)}</p> }.into_any(),
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
    let id = complaint.id.clone();
    let saved = RwSignal::new(complaint.clone());
    let revision = RwSignal::new(0u64);
    let draft = FormDraft::new(
        state,
        &edit_draft_key(&id),
        ComplaintForm::from_complaint(&complaint, offset),
    );
    draft.restore(Text::EditsRestored);

    // Shows `c` as the record. The form takes the new value of every field
    // the user has not changed; a field they changed keeps what they typed
    // (their save sends only the fields they changed, so nothing is
    // reverted). After their own save (`force`) the form is the record.
    let show = move |c: Complaint, force: bool| {
        let next = ComplaintForm::from_complaint(&c, offset);
        if force {
            draft.reset(next);
        } else {
            let before = ComplaintForm::from_complaint(&saved.get_untracked(), offset);
            let merged = draft
                .form
                .with_untracked(|typed| typed.rebase(&before, &next));
            if draft.form.with_untracked(|typed| *typed != merged) {
                if draft.form.with_untracked(|typed| *typed == before) {
                    draft.reset(merged);
                } else {
                    draft.form.set(merged);
                }
            }
        }
        saved.set(c);
        revision.update(|r| *r += 1);
    };

    // Data synced from other devices (or tabs) reaches the open record.
    let latest = {
        let id = id.clone();
        Memo::new(move |_| {
            state
                .complaints
                .with(|all| all.iter().find(|c| c.id == id).cloned())
        })
    };
    Effect::new(move |_| {
        if let Some(c) = latest.get() {
            if c != saved.get_untracked() {
                show(c, false);
            }
        }
    });

    let on_change = Callback::new(move |c: Option<Complaint>| {
        if let Some(c) = c {
            show(c, true);
        }
    });

    let save = move || {
        spawn_local(async move {
            let base = saved.get_untracked();
            if let Some(c) = draft
                .save(Box::new(move |form| {
                    Box::pin(async move { state.save_edit(&base, &form).await })
                }))
                .await
            {
                show(c, true);
                draft.notice.set(Some((NoticeKind::Ok, Text::Saved)));
            }
        });
    };

    // The warnings follow every change, from here or synced.
    let others = Memo::new(move |_| {
        let c = latest.get()?;
        Some(state.complaints.with(|all| {
            same_vehicle(all, &c.vin, &c.plate, &c.id)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        }))
    });
    let risks = Signal::derive(move || {
        let Some(c) = latest.get() else {
            return Vec::new();
        };
        let same = others.with(|o| o.as_ref().map_or(0, Vec::len));
        state
            .risk_config
            .with(|cfg| warnings(&risk_input(&c, offset, same), cfg))
    });

    let record_state = use_record_state(id.clone(), revision.into());
    let received = complaint.received_at.with_timezone(&offset).naive_local();
    let received = complaints_domain::timefmt::date_time(received);
    view! {
        <div class="detail-head">
            <h1>{move || saved.with(|c| c.customer_name.clone())}</h1>
            <StatusBadge status=Signal::derive(move || saved.with(|c| c.status))/>
            <span class="complaint-card__case">{complaint.case_number.clone()}</span>
            <span class="complaint-card__when">{tr(lang, Text::Received)}" "{received}</span>
        </div>
        <FormNotice draft/>
        <RecordSyncPanel id=id.clone() record_state on_change/>
        <RiskAndVehicle warnings=risks others=Signal::derive(move || others.get().unwrap_or_default())/>
        <SuggestedAnswers id=id.clone()/>
        <MakeCase id=id.clone() status=Signal::derive(move || saved.with(|c| c.status))/>
        <HandlingPanel id=id.clone()/>
        <EvidencePanel id=id.clone()/>
        <h2 class="form-title">{tr(lang, Text::ComplaintRecord)}</h2>
        <form novalidate on:submit=|ev| ev.prevent_default() data-testid="detail-form">
            <ComplaintFormView form=draft.form issues=draft.issues reveal_all=draft.submitted.into()
                case_number=complaint.case_number.clone()/>
            <div class="actionbar">
                <SaveButton draft on_save=save/>
            </div>
        </form>
        <RecordHistory record_state/>
    }
}

/// For managers, on a closed complaint: "write up as a teaching case" makes
/// the anonymised case (the shared crate's `cases`) and opens it to edit.
#[component]
fn MakeCase(id: String, status: Signal<Status>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let nav = use_nav();
    let may = !state.answer_audiences().is_empty();
    let id = StoredValue::new(id);
    let error = RwSignal::new(None::<String>);
    let make = move |_| {
        spawn_local(async move {
            match state.make_case(&id.get_value()).await {
                Ok(case) => nav.go(&Route::AnswerEdit(Some(case))),
                Err(e) => {
                    platform::log_error("case not made", &e.detail());
                    error.set(Some(e.message(lang.get_untracked())));
                }
            }
        })
    };
    view! {
        <Show when=move || may && status.get() == Status::Closed>
            <p class="make-case">
                <button type="button" class="btn" data-testid="make-case" on:click=make>{tr(lang, Text::MakeCase)}</button>
                <span class="hint">{tr(lang, Text::MakeCaseHint)}</span>
                {move || error.get().map(|m| view! { <span class="notice notice--error" role="alert">{m}</span> })}
            </p>
        </Show>
    }
}
