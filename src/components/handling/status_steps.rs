//! The status buttons, the last refusal, and the eight steps. The buttons
//! and boxes are made once; a tap changes their pressed and checked state,
//! so the focus stays where the finger was.

use complaints_domain::handling::{change_status, step_label, tick_step};
use complaints_domain::{Complaint, Labelled, Status};
use leptos::prelude::*;

use super::Handler;
use crate::i18n::{tr, Text};
use crate::platform::local_time;
use crate::state::use_app_state;

#[component]
pub(super) fn StatusAndSteps(current: Memo<Option<Complaint>>, handler: Handler) -> impl IntoView {
    let lang = use_app_state().lang;
    let status = Memo::new(move |_| current.with(|c| c.as_ref().map(|c| c.status)));
    let buttons = Status::ALL
        .iter()
        .map(|&s| {
            let here = move || status.get() == Some(s);
            let label = move || {
                let lang = lang.get();
                if status.get() == Some(Status::Closed) && !here() {
                    Text::ReopenAs.fill(lang, &[&s.label(lang)])
                } else {
                    s.label(lang).to_string()
                }
            };
            let press = move |_| {
                handler.run(
                    Box::new(move |c, actor, entry, now| change_status(c, s, entry, &actor, now)),
                    || (),
                )
            };
            view! {
                <button type="button" class=move || if here() { "btn btn--primary" } else { "btn" }
                    aria-pressed=move || here().to_string() data-status=s.as_str() on:click=press>
                    {label}
                </button>
            }
        })
        .collect_view();
    let steps = (1..=8u8)
        .map(|n| {
            let tick = Memo::new(move |_| {
                current.with(|c| c.as_ref().and_then(|c| c.steps.get(&n).cloned()))
            });
            let done = move || tick.with(Option::is_some);
            let toggle = move |_| {
                let to = !done();
                handler.run(
                    Box::new(move |c, actor, _, now| tick_step(c, n, to, &actor, now)),
                    || (),
                )
            };
            view! {
                <li class=move || if done() { "step--done" } else { "" }>
                    <label>
                        <input type="checkbox" data-step=n prop:checked=done on:change=toggle/>
                        <span>{n}". "{move || step_label(n, lang.get())}</span>
                    </label>
                    <span class="step__who">
                        {move || tick.get().map(|t| format!("{} · {}", t.by, local_time(t.at))).unwrap_or_default()}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <h2>{tr(lang, Text::Status)}</h2>
        <div class="status-row" role="group">{buttons}</div>
        {move || handler.error.get().map(|m| view! {
            <p class="notice notice--error" role="alert" data-testid="handling-error">{m}</p>
        })}
        <h2>{tr(lang, Text::EightSteps)}</h2>
        <ol class="steps" data-testid="steps">{steps}</ol>
    }
}
