//! The form that adds an entry to the timeline: the kind (chips), then the
//! parts that kind needs (how the customer was contacted, whether reached,
//! their answer, the level to escalate to, the major criteria), a text and
//! the time it happened.
//!
//! Every part is a signal bound to its control, and the controls are made
//! once: switching kind shows and hides parts, a sync or the clock changes
//! only the chips offered, a language switch only labels. What was typed
//! stays until the entry is added.

use complaints_domain::handling::{
    add_entry, escalation_level, major_mark, ContactMethod, Entry, EntryKind, Level, CRITERIA,
};
use complaints_domain::{Complaint, Labelled, Lang};
use leptos::prelude::*;

use super::Handler;
use crate::components::complaint_form::options;
use crate::i18n::{pair, tr, Text};
use crate::platform;
use crate::state::use_app_state;

/// The kinds the form offers for `c`.
fn offered_kinds(c: &Complaint) -> Vec<EntryKind> {
    let mut kinds = vec![
        EntryKind::Contact,
        EntryKind::Note,
        EntryKind::Resolved,
        EntryKind::Callback,
    ];
    if escalation_level(c) != Level::Manufacturer {
        kinds.push(EntryKind::Escalation);
    }
    if major_mark(c).is_some() {
        kinds.extend([EntryKind::Report, EntryKind::Unmajor]);
    } else {
        kinds.push(EntryKind::Major);
    }
    kinds
}

/// What is typed in the form.
#[derive(Clone, Copy)]
struct Typed {
    kind: RwSignal<EntryKind>,
    text: RwSignal<String>,
    at: RwSignal<String>,
    method: RwSignal<String>,
    reached: RwSignal<bool>,
    /// "yes", "no" or "" (no answer).
    satisfied: RwSignal<String>,
    level: RwSignal<String>,
    criteria: RwSignal<Vec<u8>>,
}

impl Typed {
    fn new() -> Typed {
        Typed {
            kind: RwSignal::new(EntryKind::Contact),
            text: RwSignal::new(String::new()),
            at: RwSignal::new(String::new()),
            method: RwSignal::new(ContactMethod::ALL[0].as_str().to_string()),
            reached: RwSignal::new(true),
            satisfied: RwSignal::new(String::new()),
            level: RwSignal::new(String::new()),
            criteria: RwSignal::new(Vec::new()),
        }
    }

    /// Empties the form for the next entry (the kind stays).
    fn clear(self) {
        self.text.set(String::new());
        self.at.set(String::new());
        self.method.set(ContactMethod::ALL[0].as_str().to_string());
        self.reached.set(true);
        self.satisfied.set(String::new());
        self.level.set(String::new());
        self.criteria.set(Vec::new());
    }

    /// The entry of `kind` the form describes, made by `actor` at `now`.
    fn entry(
        self,
        kind: EntryKind,
        at: Option<chrono::DateTime<chrono::Utc>>,
        id: String,
        actor: &complaints_domain::handling::Actor,
        now: chrono::DateTime<chrono::Utc>,
        level: Option<Level>,
    ) -> Entry {
        let mut e = Entry::new(id, kind, actor, at.unwrap_or(now), now);
        e.text = self.text.get_untracked().trim().to_string();
        if matches!(kind, EntryKind::Contact | EntryKind::Callback) {
            e.method = ContactMethod::from_code(&self.method.get_untracked());
            e.reached = Some(self.reached.get_untracked());
        }
        if kind == EntryKind::Callback && self.reached.get_untracked() {
            e.satisfied = match self.satisfied.get_untracked().as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            };
        }
        if kind == EntryKind::Escalation {
            e.level = level;
        }
        if kind == EntryKind::Major {
            e.criteria = self.criteria.get_untracked();
        }
        e
    }
}

/// The label of the text box for `kind`.
fn text_label(kind: EntryKind) -> Text {
    match kind {
        EntryKind::Escalation => Text::EscalationWhy,
        EntryKind::Callback => Text::CustomerFeedback,
        EntryKind::Note => Text::NoteText,
        _ => Text::Details,
    }
}

#[component]
pub(super) fn EntryForm(current: Memo<Option<Complaint>>, handler: Handler) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let typed = Typed::new();
    let offered =
        Memo::new(move |_| current.with(|c| c.as_ref().map(offered_kinds).unwrap_or_default()));
    // The kind the form shows: the one chosen, or contact when the chosen
    // one is no longer offered (after marking major, or escalating to the top).
    let shown = Memo::new(move |_| {
        let k = typed.kind.get();
        if offered.with(|o| o.contains(&k)) {
            k
        } else {
            EntryKind::Contact
        }
    });
    let is = move |kinds: &'static [EntryKind]| move || kinds.contains(&shown.get());
    // The levels above the one in force, for escalating.
    let higher = Memo::new(move |_| {
        let now = current.with(|c| c.as_ref().map(escalation_level).unwrap_or_default());
        Level::ALL
            .iter()
            .copied()
            .filter(|l| *l > now)
            .collect::<Vec<_>>()
    });
    let chosen_level = move || {
        let code = typed.level.get_untracked();
        Level::from_code(&code)
            .filter(|l| higher.with_untracked(|h| h.contains(l)))
            .or_else(|| higher.with_untracked(|h| h.first().copied()))
    };

    let add = move |_| {
        let kind = shown.get_untracked();
        let offset = platform::local_offset();
        let at_text = typed.at.get_untracked();
        let at = if at_text.trim().is_empty() {
            None
        } else {
            match complaints_domain::form::parse_local_datetime(&at_text, offset) {
                Some(t) => Some(t),
                None => {
                    handler
                        .error
                        .set(Some(Text::EnterValidTime.get(lang.get_untracked()).into()));
                    return;
                }
            }
        };
        let level = chosen_level();
        handler.run(
            Box::new(move |c, actor, id, now| {
                add_entry(c, typed.entry(kind, at, id, &actor, now, level))
            }),
            move || typed.clear(),
        );
    };

    let chips = move || {
        offered
            .get()
            .into_iter()
            .map(|k| {
                view! {
                    <button type="button" class="chip" data-kind=k.as_str()
                        aria-pressed=move || (shown.get() == k).to_string()
                        on:click=move |_| typed.kind.set(k)>
                        {move || k.label(lang.get())}
                    </button>
                }
            })
            .collect_view()
    };
    let method_label = |code: &'static str, lang: Lang| {
        ContactMethod::from_code(code).map_or("", |m| m.label(lang))
    };
    let level_label =
        |code: &'static str, lang: Lang| Level::from_code(code).map_or("", |l| l.label(lang));
    let satisfied_choices = [
        ("yes", Text::Yes, "entry-satisfied-yes"),
        ("no", Text::No, "entry-satisfied-no"),
        ("", Text::NoAnswer, "entry-satisfied-"),
    ];
    let criteria = move || {
        (1..=CRITERIA.len() as u8)
        .map(|n| {
            let checked = move || typed.criteria.with(|c| c.contains(&n));
            let toggle = move |_| {
                typed.criteria.update(|c| match c.iter().position(|x| *x == n) {
                    Some(i) => {
                        c.remove(i);
                    }
                    None => c.push(n),
                })
            };
            view! {
                <label class="check">
                    <input type="checkbox" name="crit" value=n data-criterion=n prop:checked=checked on:change=toggle/>
                    {n}". "{move || pair(lang.get(), CRITERIA[usize::from(n) - 1])}
                </label>
            }
        })
        .collect_view()
    };

    view! {
        <form class="entry-form" novalidate data-testid="entry-form" on:submit=|ev| ev.prevent_default()>
            <div class="chips" role="group">{chips}</div>
            <Show when=is(&[EntryKind::Contact, EntryKind::Callback])>
                <label class="field">
                    <span class="field__label">{tr(lang, Text::How)}</span>
                    <select class="field__control" name="method" data-testid="entry-method"
                        prop:value=move || typed.method.get() on:change=move |ev| typed.method.set(event_target_value(&ev))>
                        {options(ContactMethod::ALL.iter().map(|m| m.as_str()).collect(), method_label, None, typed.method.into())}
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" name="reached" data-testid="entry-reached"
                        prop:checked=move || typed.reached.get() on:change=move |ev| typed.reached.set(event_target_checked(&ev))/>
                    {tr(lang, Text::CustomerReached)}
                </label>
            </Show>
            <Show when=is(&[EntryKind::Callback])>
                <div class="choice-row" role="radiogroup">
                    {satisfied_choices.map(|(value, text, testid)| view! {
                        <label>
                            <input type="radio" name="satisfied" value=value data-testid=testid
                                prop:checked=move || typed.satisfied.with(|s| s == value)
                                on:change=move |_| typed.satisfied.set(value.to_string())/>
                            {tr(lang, text)}
                        </label>
                    }).collect_view()}
                </div>
            </Show>
            <Show when=is(&[EntryKind::Escalation])>
                <label class="field">
                    <span class="field__label">{tr(lang, Text::EscalateTo)}</span>
                    <select class="field__control" name="level" data-testid="entry-level"
                        on:change=move |ev| typed.level.set(event_target_value(&ev))>
                        {move || {
                            let chosen = Signal::derive(move || chosen_level().map(|l| l.as_str().to_string()).unwrap_or_default());
                            options(higher.get().iter().map(|l| l.as_str()).collect(), level_label, None, chosen)
                        }}
                    </select>
                </label>
            </Show>
            <Show when=is(&[EntryKind::Major])>
                <fieldset class="criteria">
                    <legend>{tr(lang, Text::CriteriaThatHold)}</legend>
                    {criteria}
                </fieldset>
            </Show>
            <label class="field">
                <span class="field__label">{move || text_label(shown.get()).get(lang.get())}</span>
                <textarea class="field__control" rows="2" name="text" data-testid="entry-text"
                    prop:value=move || typed.text.get() on:input=move |ev| typed.text.set(event_target_value(&ev))></textarea>
            </label>
            <div class="entry-form__bottom">
                <label class="field">
                    <span class="field__label">{tr(lang, Text::WhenDefaultNow)}</span>
                    <input class="field__control" type="datetime-local" name="at" data-testid="entry-at"
                        prop:value=move || typed.at.get() on:input=move |ev| typed.at.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="btn btn--primary" data-testid="entry-add" on:click=add>
                    {tr(lang, Text::AddToTimeline)}
                </button>
            </div>
            {move || handler.error.get().map(|m| view! {
                <p class="notice notice--error" role="alert" data-testid="entry-error">{m}</p>
            })}
        </form>
    }
}
