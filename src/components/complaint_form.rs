//! The complaint form: every field of the record, grouped as on the paper
//! form, each with a visible label, its required mark, and its problems
//! (from the shared validation) right beside it.
//!
//! One [`FieldRow`] component is rendered over the field list. Each row
//! follows only its own value (a memo over the form): typing in one field,
//! or a synced change to another, touches only that field's control, so the
//! control being typed in keeps its value, caret and focus. A language
//! switch changes labels and options' text, never values.

use complaints_domain::{
    Category, Channel, ComplaintForm, Field, FieldKind, Issue, Labelled, Lang, Nature,
    ServiceStage, Status,
};
use leptos::prelude::*;

use crate::i18n::{tr, Text};
use crate::state::use_app_state;

/// A group of fields under one heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormSection {
    Case,
    Customer,
    Vehicle,
    Complaint,
    Result,
}

impl FormSection {
    pub const ALL: [FormSection; 5] = [
        FormSection::Case,
        FormSection::Customer,
        FormSection::Vehicle,
        FormSection::Complaint,
        FormSection::Result,
    ];

    fn title(self) -> Text {
        match self {
            FormSection::Case => Text::SectionCase,
            FormSection::Customer => Text::SectionCustomer,
            FormSection::Vehicle => Text::SectionVehicle,
            FormSection::Complaint => Text::SectionComplaint,
            FormSection::Result => Text::SectionResult,
        }
    }

    fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            FormSection::Case => &[
                CaseNumber,
                ReceivedAt,
                Channel,
                BranchCode,
                BranchName,
                Handler,
                OemCaseNumber,
                Location,
            ],
            FormSection::Customer => &[CustomerName, Phone, CustomerBackground],
            FormSection::Vehicle => &[Vin, Plate, VehicleModel, MileageKm, PurchaseDate],
            FormSection::Complaint => &[
                Category,
                Nature,
                Content,
                Demand,
                RepeatRepairs,
                CompensationRequested,
            ],
            FormSection::Result => &[
                Status,
                Tracking,
                CompensationAgreed,
                FinalResult,
                RootCause,
                ServiceStage,
                CustomerSatisfied,
            ],
        }
    }
}

/// Every value of a labelled enumeration as (code, label).
pub fn code_labels<T: Labelled + Copy>(
    values: &[T],
    code: fn(T) -> &'static str,
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    values.iter().map(|v| (code(*v), v.label(lang))).collect()
}

/// The options of a choice field: (code, label).
fn choices(field: Field, lang: Lang) -> Vec<(&'static str, &'static str)> {
    match field {
        Field::Channel => code_labels(Channel::ALL, Channel::as_str, lang),
        Field::Category => code_labels(Category::ALL, Category::as_str, lang),
        Field::Nature => code_labels(Nature::ALL, Nature::as_str, lang),
        Field::Status => code_labels(Status::ALL, Status::as_str, lang),
        Field::ServiceStage => code_labels(ServiceStage::ALL, ServiceStage::as_str, lang),
        Field::CustomerSatisfied => vec![
            ("", Text::Unknown.get(lang)),
            ("yes", Text::Yes.get(lang)),
            ("no", Text::No.get(lang)),
        ],
        _ => Vec::new(),
    }
}

/// The codes of a choice field, in order (its labels follow the language).
fn codes(field: Field) -> Vec<&'static str> {
    choices(field, Lang::Zh)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

/// `<option>`s for `codes` (labels from `label`, following the language),
/// the one equal to `value` selected, after a blank `blank` option if given.
pub fn options(
    codes: Vec<&'static str>,
    label: impl Fn(&'static str, Lang) -> &'static str + Copy + Send + Sync + 'static,
    blank: Option<Text>,
    value: Signal<String>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    view! {
        {blank.map(|text| view! { <option value="" selected=move || value.with(String::is_empty)>{tr(lang, text)}</option> })}
        {codes.into_iter().map(|code| view! {
            <option value=code selected=move || value.with(|v| v == code)>{move || label(code, lang.get())}</option>
        }).collect_view()}
    }
}

/// The HTML input attributes of a one-line field: (type, inputmode, autocomplete).
fn input_kind(field: Field) -> (&'static str, &'static str, &'static str) {
    match field.kind() {
        FieldKind::Phone => ("tel", "tel", "tel"),
        FieldKind::Integer => ("text", "numeric", "off"),
        FieldKind::Money => ("text", "decimal", "off"),
        FieldKind::Date => ("date", "none", "off"),
        FieldKind::DateTime => ("datetime-local", "none", "off"),
        _ if field == Field::CustomerName => ("text", "text", "name"),
        _ => ("text", "text", "off"),
    }
}

/// One field: label, control and problems.
#[component]
fn FieldRow(
    field: Field,
    form: RwSignal<ComplaintForm>,
    issues: Memo<Vec<Issue>>,
    /// Whether this field's problems show (left once, or a save attempted).
    shown: Signal<bool>,
    /// The generated case number, for the one generated field.
    case_number: Option<String>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let key = field.key();
    let id = format!("f-{key}");
    let msg_id = format!("{id}-msg");
    let value = Memo::new(move |_| form.with(|f| f.get(field).to_string()));
    let mine = Memo::new(move |_| {
        if !shown.get() {
            return Vec::new();
        }
        issues.with(|all| {
            all.iter()
                .filter(|i| i.field == field)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let error = move || mine.with(|m| m.iter().any(Issue::is_error));
    let warning = move || mine.with(|m| m.iter().any(|i| !i.is_error()));
    let wide = field.kind() == FieldKind::LongText;
    let class = move || {
        let state = if error() {
            " field--error"
        } else if warning() {
            " field--warning"
        } else {
            ""
        };
        format!("field{}{state}", if wide { " field--wide" } else { "" })
    };
    let set = move |ev: leptos::ev::Event| form.update(|f| f.set(field, event_target_value(&ev)));
    let invalid = move || error().to_string();
    let required = field.is_required();
    let control = match field.kind() {
        FieldKind::Generated => view! {
            <output id=id.clone() class="field__static">{case_number.unwrap_or_default()}</output>
        }
        .into_any(),
        FieldKind::LongText => view! {
            <textarea id=id.clone() class="field__control" data-key=key rows="3" aria-required=required.to_string()
                aria-invalid=invalid aria-describedby=msg_id.clone() prop:value=move || value.get() on:input=set></textarea>
        }
        .into_any(),
        FieldKind::Choice | FieldKind::YesNo => {
            // A blank first option where the value may be empty: the
            // required choices before one is made, and the service stage
            // (needed only to close).
            let blank = (field.kind() == FieldKind::Choice
                && (required || field == Field::ServiceStage))
                .then_some(Text::ChooseOne);
            let label = move |code: &'static str, lang: Lang| {
                choices(field, lang)
                    .into_iter()
                    .find(|(c, _)| *c == code)
                    .map_or("", |(_, l)| l)
            };
            view! {
                <select id=id.clone() class="field__control" data-key=key aria-required=required.to_string()
                    aria-invalid=invalid aria-describedby=msg_id.clone() prop:value=move || value.get() on:change=set>
                    {options(codes(field), label, blank, value.into())}
                </select>
            }
            .into_any()
        }
        _ => {
            let (input_type, input_mode, autocomplete) = input_kind(field);
            let capitalize = if matches!(field, Field::Vin | Field::Plate | Field::BranchCode) {
                "characters"
            } else {
                "sentences"
            };
            view! {
                <input id=id.clone() class="field__control" data-key=key type=input_type inputmode=input_mode
                    autocomplete=autocomplete autocapitalize=capitalize aria-required=required.to_string()
                    aria-invalid=invalid aria-describedby=msg_id.clone() prop:value=move || value.get() on:input=set/>
            }
            .into_any()
        }
    };
    view! {
        <div class=class data-field=key>
            <label class="field__label" for=id>
                {move || field.label(lang.get())}
                {required.then(|| view! {
                    <span class="field__req" aria-hidden="true">"*"</span>
                    <span class="visually-hidden">" ("{tr(lang, Text::Required)}")"</span>
                })}
            </label>
            {control}
            <div id=msg_id aria-live="polite">
                {move || {
                    let lang = lang.get();
                    mine.get().into_iter().map(|issue| {
                        let class = if issue.is_error() { "field__msg field__msg--error" } else { "field__msg field__msg--warning" };
                        view! { <p class=class>{issue.message(lang)}</p> }
                    }).collect_view()
                }}
            </div>
        </div>
    }
}

/// The whole form. `reveal_all` shows every field's problems (after a save
/// attempt); before that a field's problems show once the user has left it.
#[component]
pub fn ComplaintFormView(
    /// The text of every field; edited in place.
    form: RwSignal<ComplaintForm>,
    /// Every problem with `form`, from the shared validation.
    issues: Memo<Vec<Issue>>,
    /// Show all problems, touched or not.
    reveal_all: Signal<bool>,
    /// The generated case number, when the complaint has one.
    #[prop(optional, into)]
    case_number: Option<String>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let touched = RwSignal::new(Vec::<Field>::new());
    // A field's problems show once it was left or a choice was made in it.
    let touch = move |ev: leptos::ev::Event| {
        let key = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|t| t.get_attribute("data-key"));
        if let Some(field) = key.as_deref().and_then(Field::from_key) {
            if !touched.with_untracked(|t| t.contains(&field)) {
                touched.update(|t| t.push(field));
            }
        }
    };
    let sections = FormSection::ALL.map(|section| {
        let rows = section
            .fields()
            .iter()
            .filter(|f| **f != Field::CaseNumber || case_number.is_some())
            .map(|&field| {
                let shown = Signal::derive(move || {
                    reveal_all.get() || touched.with(|t| t.contains(&field))
                });
                view! { <FieldRow field form issues shown case_number=case_number.clone()/> }
            })
            .collect_view();
        view! {
            <fieldset class="form-section">
                <legend>{tr(lang, section.title())}</legend>
                <div class="form-grid">{rows}</div>
            </fieldset>
        }
    });
    view! {
        <div on:focusout=move |ev: leptos::ev::FocusEvent| touch(ev.into()) on:change=touch>
            {sections.into_iter().collect_view()}
        </div>
    }
}
