//! On a complaint: the standard answers its own words call for (the shared
//! crate's [`AnswerIndex::suggest`] over the customer's words and demand,
//! favouring its category), each with "used this answer", which adds a
//! timeline entry naming the answer and its version. Offline like the rest:
//! the entry syncs with the complaint.
//!
//! [`AnswerIndex::suggest`]: complaints_domain::answers::AnswerIndex::suggest

use complaints_domain::answers::{self, Answer};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{tr, Text};
use crate::platform;
use crate::route::{Link, Route};
use crate::state::use_app_state;

/// How many answers a complaint suggests at most.
const SUGGESTED: usize = 3;

#[component]
pub fn SuggestedAnswers(id: String) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record = StoredValue::new(id);
    // What the suggestion reads of the complaint: its words and category;
    // a new entry on its timeline does not search again.
    let words = Memo::new(move |_| {
        record.with_value(|id| {
            state.complaints.with(|all| {
                all.iter()
                    .find(|c| &c.id == id)
                    .map(|c| (format!("{}\n{}", c.content, c.demand), c.category))
            })
        })
    });
    let suggested = Memo::new(move |_| {
        let Some((text, category)) = words.get() else {
            return Vec::new();
        };
        let book = state.answers.get();
        book.index
            .suggest(&text, Some(category), SUGGESTED)
            .into_iter()
            .map(|h| book.list[h.index].clone())
            .collect::<Vec<Answer>>()
    });
    // The answers already used on this complaint, by id.
    let used = Memo::new(move |_| {
        record.with_value(|id| {
            state.complaints.with(|all| {
                all.iter()
                    .find(|c| &c.id == id)
                    .map(|c| answers::used_on(c).map(str::to_string).collect::<Vec<_>>())
                    .unwrap_or_default()
            })
        })
    });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let use_answer = move |answer: Answer| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match state.use_answer(&record.get_value(), &answer).await {
                Ok(_) => error.set(None),
                Err(e) => {
                    platform::log_error("answer use not recorded", &e.detail());
                    error.set(Some(e.message(state.lang.get_untracked())));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || suggested.with(|s| !s.is_empty())>
            <section class="panel suggestions" data-testid="suggested-answers">
                <h2>{tr(lang, Text::SuggestedAnswers)}</h2>
                {move || error.get().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
                <ul class="suggestions__list">
                    <For each=move || suggested.get() key=|a| (a.id.clone(), a.version) let(answer)>
                        {
                            let id = answer.id.clone();
                            let was_used = move || used.with(|u| u.contains(&id));
                            let steps = answer.steps.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view();
                            let chosen = answer.clone();
                            view! {
                                <li class="suggestion" data-testid="suggestion" data-id=answer.id.clone()>
                                    <details>
                                        <summary class="suggestion__title">{answer.title.clone()}</summary>
                                        <p class="answer__text">{answer.answer.clone()}</p>
                                        <ol class="answer__steps">{steps}</ol>
                                    </details>
                                    <button type="button" class="btn" data-testid="use-answer"
                                        disabled=move || busy.get()
                                        on:click=move |_| use_answer(chosen.clone())>
                                        {move || if was_used() { Text::UsedAgain.get(lang.get()) } else { Text::UseThisAnswer.get(lang.get()) }}
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <p class="suggestions__more"><Link to=Route::Answers>{tr(lang, Text::SearchAllAnswers)}</Link></p>
            </section>
        </Show>
    }
}
