//! A manager's editor of one standard answer (or of a new one), offline
//! like everything else: the save is queued and syncs when the network is
//! there. The fields are signals filled once when the editor opens; a sync
//! that brings another manager's change never touches what is being typed,
//! and saving keeps their change of a field this editor left alone
//! ([`Answer::rebase`]). A field two managers changed at the same time
//! shows both values, like a complaint's, until one is chosen.

use complaints_domain::answers::{self, Answer, Audience};
use complaints_domain::{Category, Labelled, Lang, ServiceStage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{options, AnswerConflicts};
use crate::html::{el, Html, HtmlView};
use crate::i18n::{tr, Text};
use crate::pages::answers::answer_html;
use crate::platform;
use crate::route::{use_nav, Link, Route};
use crate::state::use_app_state;

/// A list field as the editor shows it: one item per line.
fn lines(items: &[String]) -> String {
    items.join("\n")
}

/// The items of a one-per-line field, trimmed, empty lines left out.
fn items(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rule a refused field breaks, in the user's words.
fn rule(field: Option<&str>, lang: Lang) -> &'static str {
    match field {
        Some("title") => Text::AnswerTitleRule.get(lang),
        Some("answer") => Text::AnswerTextRule.get(lang),
        Some("keywords") => Text::AnswerKeywordsRule.get(lang),
        Some("steps") => Text::AnswerStepsRule.get(lang),
        Some("models") => Text::AnswerModelsRule.get(lang),
        Some("case_background" | "case_handling") => Text::CaseTextRule.get(lang),
        _ => Text::AnswerInvalid.get(lang),
    }
}

/// The audience as the editor offers it.
fn audience_label(audience: &Audience, lang: Lang) -> String {
    match audience {
        Audience::All => Text::AudienceAll.get(lang).to_string(),
        Audience::Region(code) => Text::AudienceRegion.fill(lang, &[code]),
        Audience::Branch(code) => Text::AudienceBranch.fill(lang, &[code]),
    }
}

#[component]
pub fn AnswerEditPage(
    /// The answer's id; `None` for a new one.
    id: Option<String>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let opened = id
        .as_deref()
        .and_then(|id| state.answers.with_untracked(|b| b.get(id).cloned()));
    let allowed = match &id {
        Some(id) => state.may_edit_answer(id),
        None => !state.answer_audiences().is_empty(),
    };
    if !allowed {
        // Read, not written: the answer (or case) as the list shows it.
        let card = move || {
            let lang = lang.get();
            let book = state.answers.get();
            let used = state
                .complaints
                .with(|all| complaints_domain::answers::usage_counts(all));
            opened
                .as_ref()
                .map(|a| {
                    let html: Html = el("ol")
                        .class("answers")
                        .child(answer_html(
                            a,
                            None,
                            used.get(&a.id).copied().unwrap_or(0),
                            false,
                            &book.cases_of(&a.id),
                            lang,
                        ))
                        .into();
                    html
                })
                .unwrap_or_default()
        };
        return view! {
            <p><Link to=Route::Answers>"← "{tr(lang, Text::StandardAnswers)}</Link></p>
            <p class="notice" role="status" data-testid="answer-not-allowed">{tr(lang, Text::ReadOnlyAnswer)}</p>
            <HtmlView html=Signal::derive(card)/>
        }
        .into_any();
    }
    if id.is_some() && opened.is_none() {
        return view! { <p class="notice notice--error" role="alert">{tr(lang, Text::AnswerNotFound)}</p> }.into_any();
    }
    view! { <Editor opened/> }.into_any()
}

#[component]
fn Editor(opened: Option<Answer>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let nav = use_nav();
    let is_new = opened.is_none();
    let audiences = state.answer_audiences();
    let start = opened.clone().unwrap_or_default();
    let audience = RwSignal::new(0usize);
    let title = RwSignal::new(start.title.clone());
    let keywords = RwSignal::new(lines(&start.keywords));
    let answer = RwSignal::new(start.answer.clone());
    let steps = RwSignal::new(lines(&start.steps));
    let category = RwSignal::new(
        start
            .category
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
    );
    let models = RwSignal::new(start.models.join(", "));
    let case = start.case.clone();
    let is_case = case.is_some();
    let background = RwSignal::new(
        case.as_ref()
            .map(|c| c.background.clone())
            .unwrap_or_default(),
    );
    let handling = RwSignal::new(
        case.as_ref()
            .map(|c| c.handling.clone())
            .unwrap_or_default(),
    );
    let stage = RwSignal::new(
        case.as_ref()
            .and_then(|c| c.stage)
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let opened = StoredValue::new(start);
    let audiences = StoredValue::new(audiences);
    let record_id = StoredValue::new(opened.with_value(|a| a.id.clone()));

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let lang = lang.get_untracked();
        let start = opened.get_value();
        let mut next = start.clone();
        next.title = title.get_untracked().trim().to_string();
        next.keywords = items(&keywords.get_untracked());
        next.answer = answer.get_untracked().trim().to_string();
        next.steps = items(&steps.get_untracked());
        next.category = Category::from_code(&category.get_untracked());
        next.models = models
            .get_untracked()
            .split([',', '，', '、', '\n'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(case) = next.case.as_mut() {
            case.background = background.get_untracked().trim().to_string();
            case.handling = handling.get_untracked().trim().to_string();
            case.stage = ServiceStage::from_code(&stage.get_untracked());
        }
        if let Err(refusal) = next.check() {
            error.set(Some(rule(refusal.field.as_deref(), lang).to_string()));
            return;
        }
        let next = if is_new {
            let Some(audience) = audiences.with_value(|a| a.get(audience.get_untracked()).cloned())
            else {
                return;
            };
            let key: String = uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .chars()
                .take(12)
                .collect();
            Answer {
                id: answers::record_id(&audience, &key),
                ..next
            }
        } else {
            // Only what was edited here: what another manager changed since
            // the editor opened keeps their value.
            let now = state
                .answers
                .with_untracked(|b| b.get(&start.id).cloned())
                .unwrap_or_else(|| start.clone());
            next.rebase(&start, &now)
        };
        busy.set(true);
        spawn_local(async move {
            match state.save_answer(&next).await {
                Ok(_) => nav.go(&Route::Answers),
                Err(e) => {
                    platform::log_error("answer not saved", &e.detail());
                    error.set(Some(e.message(lang)));
                }
            }
            busy.set(false);
        });
    };
    let area = |label: Text,
                hint: Option<Text>,
                name: &'static str,
                value: RwSignal<String>,
                max: u32| {
        view! {
            <label class="field field--wide">
                <span class="field__label">{tr(lang, label)}</span>
                {hint.map(|h| view! { <span class="field__hint">{tr(lang, h)}</span> })}
                <textarea class="field__control" name=name maxlength=max rows="4" prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            </label>
        }
    };
    let audience_options = audiences.with_value(|all| {
        all.iter()
            .enumerate()
            .map(|(i, a)| {
                let a = a.clone();
                view! { <option value=i.to_string()>{move || audience_label(&a, lang.get())}</option> }
            })
            .collect_view()
    });
    let categories: Vec<&'static str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let category_label =
        |code: &'static str, lang: Lang| Category::from_code(code).map_or("", |c| c.label(lang));
    view! {
        <p><Link to=Route::Answers>"← "{tr(lang, Text::StandardAnswers)}</Link></p>
        <h1 class="page-title">{move || if is_new { Text::NewAnswer.get(lang.get()) } else { Text::EditAnswer.get(lang.get()) }}</h1>
        {(!is_new).then(|| view! { <AnswerConflicts id=record_id.get_value()/> })}
        <form class="card answer-editor" data-testid="answer-editor" novalidate on:submit=save>
            {move || error.get().map(|m| view! { <p class="notice notice--error" role="alert" data-testid="answer-error">{m}</p> })}
            {is_new.then(|| view! {
                <label class="field">
                    <span class="field__label">{tr(lang, Text::Audience)}</span>
                    <select class="field__control" name="audience"
                        on:change=move |ev| audience.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {audience_options}
                    </select>
                </label>
            })}
            <label class="field field--wide">
                <span class="field__label">{tr(lang, Text::AnswerTitle)}<span class="field__req" aria-hidden="true">"*"</span></span>
                <input class="field__control" name="title" maxlength=answers::MAX_TITLE.to_string()
                    prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            </label>
            {area(Text::AnswerKeywords, Some(Text::OnePerLine), "keywords", keywords, 900)}
            {is_case.then(|| {
                let stages: Vec<&'static str> = ServiceStage::ALL.iter().map(|s| s.as_str()).collect();
                let stage_label = |code: &'static str, lang: Lang| ServiceStage::from_code(code).map_or("", |s| s.label(lang));
                view! {
                    {area(Text::CaseBackground, None, "background", background, 4000)}
                    {area(Text::CaseHandling, None, "handling", handling, 4000)}
                    <label class="field">
                        <span class="field__label">{tr(lang, Text::CaseAnalysis)}</span>
                        <select class="field__control" name="stage" on:change=move |ev| stage.set(event_target_value(&ev))>
                            {options(stages, stage_label, Some(Text::StageNotRecorded), stage.into())}
                        </select>
                    </label>
                }
            })}
            <label class="field field--wide">
                <span class="field__label">{move || if is_case { Text::CaseLesson.get(lang.get()) } else { Text::AnswerText.get(lang.get()) }}<span class="field__req" aria-hidden="true">"*"</span></span>
                <textarea class="field__control" name="answer" rows="6" maxlength=answers::MAX_ANSWER.to_string()
                    prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))></textarea>
            </label>
            {area(Text::AnswerSteps, Some(Text::OnePerLine), "steps", steps, 4600)}
            <label class="field">
                <span class="field__label">{move || complaints_domain::Field::Category.label(lang.get())}</span>
                <select class="field__control" name="category" on:change=move |ev| category.set(event_target_value(&ev))>
                    {options(categories, category_label, Some(Text::AnyCategory), category.into())}
                </select>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::AnswerModels)}</span>
                <input class="field__control" name="models" placeholder=move || Text::AllModels.get(lang.get())
                    prop:value=move || models.get() on:input=move |ev| models.set(event_target_value(&ev))/>
            </label>
            <div class="actionbar">
                <button type="submit" class="btn btn--primary" data-testid="save-answer" disabled=move || busy.get()>{tr(lang, Text::Save)}</button>
            </div>
        </form>
    }
}
