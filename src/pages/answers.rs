//! The standard answers: searched offline as the user types, in Chinese or
//! English, filtered by category and vehicle model, matches highlighted;
//! managers open an answer of their scope to change it, or write a new one.
//!
//! The search box and filters are controls made once; the results are one
//! [`Html`] fragment drawn from the shared crate's [`AnswerIndex`] hits (read
//! only, up to [`SHOWN`] at a time), so a keystroke costs one search and one
//! fragment, timed and shown under the list (`data-ms`, read by the bench).

use std::collections::BTreeMap;

use complaints_domain::answers::{highlight, Answer, AnswerQuery, Hit};
use complaints_domain::{Category, Field, Labelled, Lang};
use leptos::prelude::*;

use crate::components::options;
use crate::html::{el, Element, Html, HtmlView};
use crate::i18n::{tr, Text};
use crate::platform;
use crate::route::{Link, Route};
use crate::state::{use_app_state, AnswerBook};

/// The most answers drawn at once; the count says how many more matched.
const SHOWN: usize = 50;

/// `text` with the character ranges `marks` as `<mark>`.
fn marked(tag: &'static str, text: &str, marks: &[(usize, usize)]) -> Element {
    el(tag).children(highlight(text, marks).into_iter().map(|(hit, part)| {
        if hit {
            el("mark").text(part).into()
        } else {
            Html::text(part)
        }
    }))
}

/// One answer as a card: title, what it is for, the answer and the steps,
/// and (for those who may change it) a link to its editor.
pub(crate) fn answer_html(
    a: &Answer,
    hit: Option<&Hit>,
    used: usize,
    editable: bool,
    cases: &[&Answer],
    lang: Lang,
) -> Element {
    let no_marks: &[(usize, usize)] = &[];
    let title_marks = hit.map_or(no_marks, |h| &h.title_marks);
    let answer_marks = hit.map_or(no_marks, |h| &h.answer_marks);
    let mut meta = Vec::new();
    if a.case.is_some() {
        meta.push(Text::TeachingCase.get(lang).to_string());
    }
    meta.push(
        a.category
            .map_or(Text::AnyCategory.get(lang), |c| c.label(lang))
            .to_string(),
    );
    if !a.models.is_empty() {
        meta.push(a.models.join(Text::ListComma.get(lang)));
    }
    meta.push(Text::AnswerVersion.fill(
        lang,
        &[
            &a.version,
            &a.editor,
            &a.updated_at.get(..10).unwrap_or_default(),
        ],
    ));
    if a.case.is_none() {
        meta.push(Text::TimesUsed.fill(lang, &[&used]));
    }
    let mut card = el("li")
        .class("answer")
        .attr("data-testid", "answer")
        .attr("data-id", &a.id)
        .child(marked("h3", &a.title, title_marks).class("answer__title"))
        .child(el("p").class("answer__meta").text(&meta.join(" · ")));
    if !a.keywords.is_empty() {
        card = card.child(el("p").class("answer__keywords").children(
            a.keywords.iter().enumerate().map(|(i, k)| {
                let marks = hit
                    .and_then(|h| h.keyword_marks.get(i))
                    .map_or(no_marks, Vec::as_slice);
                marked("span", k, marks).class("chip")
            }),
        ));
    }
    if let Some(case) = &a.case {
        let part = |label: Text, text: &str| {
            el("div")
                .class("answer__part")
                .child(el("h4").text(label.get(lang)))
                .child(el("p").class("answer__text").text(text))
        };
        let stage = case
            .stage
            .map_or(Text::StageNotRecorded.get(lang), |s| s.label(lang));
        card = card
            .child(part(Text::CaseBackground, &case.background))
            .child(part(Text::CaseHandling, &case.handling))
            .child(part(Text::CaseAnalysis, stage))
            .child(el("h4").text(Text::CaseLesson.get(lang)));
    }
    card = card.child(marked("p", &a.answer, answer_marks).class("answer__text"));
    if !a.steps.is_empty() {
        card = card.child(
            el("ol")
                .class("answer__steps")
                .children(a.steps.iter().map(|s| el("li").text(s))),
        );
    }
    if !cases.is_empty() {
        card = card.child(
            el("p")
                .class("answer__cases")
                .attr("data-testid", "related-cases")
                .text(Text::RelatedCases.get(lang))
                .children(cases.iter().map(|c| {
                    el("a")
                        .link(&Route::AnswerEdit(Some(c.id.clone())))
                        .text(&c.title)
                })),
        );
    }
    if editable {
        card = card.child(
            el("a")
                .class("btn")
                .attr("data-testid", "edit-answer")
                .link(&Route::AnswerEdit(Some(a.id.clone())))
                .text(Text::EditThisAnswer.get(lang)),
        );
    }
    card
}

/// The results of one search: the cards, how many matched, and how long
/// the search and drawing took (ms).
fn results_html(
    book: &AnswerBook,
    hits: &[Hit],
    used: &BTreeMap<String, usize>,
    may_edit: &dyn Fn(&str) -> bool,
    lang: Lang,
) -> Html {
    if hits.is_empty() {
        let text = if book.list.is_empty() {
            Text::NoAnswersYet
        } else {
            Text::NoAnswerFound
        };
        return el("p").class("empty").text(text.get(lang)).into();
    }
    el("ol")
        .class("answers")
        .attr("data-testid", "answers")
        .children(hits.iter().take(SHOWN).map(|h| {
            let a = &book.list[h.index];
            answer_html(
                a,
                Some(h),
                used.get(&a.id).copied().unwrap_or(0),
                may_edit(&a.id),
                &book.cases_of(&a.id),
                lang,
            )
        }))
        .into()
}

#[component]
pub fn AnswersPage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let text = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let used = Memo::new(move |_| {
        state
            .complaints
            .with(|all| complaints_domain::answers::usage_counts(all))
    });
    let can_write = Memo::new(move |_| !state.answer_audiences().is_empty());
    // One search and one fragment per keystroke; (fragment, matched, ms).
    // Counts the searches (`data-run`: the bench waits for the next one).
    let runs = StoredValue::new(0u32);
    let found = Memo::new(move |_| {
        let started = platform::now_ms();
        runs.update_value(|n| *n = n.wrapping_add(1));
        let query = AnswerQuery {
            text: text.get(),
            category: Category::from_code(&category.get()),
            model: Some(model.get().trim().to_string()).filter(|m| !m.is_empty()),
        };
        let book = state.answers.get();
        let hits = book.index.search(&query);
        let may_edit = |id: &str| state.may_edit_answer(id);
        let html = used.with(|used| results_html(&book, &hits, used, &may_edit, lang.get()));
        (
            html,
            hits.len(),
            book.list.len(),
            platform::now_ms() - started,
            runs.get_value(),
        )
    });
    let categories: Vec<&'static str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let category_label =
        |code: &'static str, lang: Lang| Category::from_code(code).map_or("", |c| c.label(lang));
    let foot = move || {
        found.with(|(_, matched, total, ms, _)| {
            let shown = (*matched).min(SHOWN);
            (
                Text::AnswersFound.fill(lang.get(), &[&shown, &matched, &total]),
                complaints_domain::kpi::one_decimal(*ms),
            )
        })
    };
    view! {
        <div class="page-head">
            <h1 class="page-title">{tr(lang, Text::StandardAnswers)}</h1>
            <Show when=move || can_write.get()>
                <Link to=Route::AnswerEdit(None) class="btn btn--primary" testid="new-answer">
                    {tr(lang, Text::NewAnswer)}
                </Link>
            </Show>
        </div>
        <form class="answer-search" role="search" on:submit=|ev| ev.prevent_default()>
            <input class="field__control answer-search__text" type="search" name="q"
                data-testid="answer-search" autocomplete="off"
                placeholder=move || Text::AnswerSearchPlaceholder.get(lang.get())
                aria-label=move || Text::Search.get(lang.get())
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <select class="field__control" name="category" data-testid="answer-category"
                aria-label=move || Field::Category.label(lang.get())
                on:change=move |ev| category.set(event_target_value(&ev))>
                {options(categories, category_label, Some(Text::AnyCategory), category.into())}
            </select>
            <input class="field__control" name="model" data-testid="answer-model" autocomplete="off"
                placeholder=move || Field::VehicleModel.label(lang.get())
                aria-label=move || Field::VehicleModel.label(lang.get())
                prop:value=move || model.get() on:input=move |ev| model.set(event_target_value(&ev))/>
        </form>
        <HtmlView html=Signal::derive(move || found.with(|f| f.0.clone()))/>
        <p class="answers-foot" data-testid="answers-timing" data-ms=move || foot().1
            data-run=move || found.with(|f| f.4)>{move || foot().0}</p>
    }
}
