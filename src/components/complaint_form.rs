//! The complaint form: every field of the record, grouped as on the paper
//! form, each with a visible label, its required mark, and its problems
//! (from the shared validation) right beside it.

use complaints_domain::{
    Category, Channel, ComplaintForm, Field, FieldKind, Issue, Labelled, Lang, Nature, Severity,
    Status,
};
use leptos::prelude::*;

use crate::i18n::Text;
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
                CustomerSatisfied,
            ],
        }
    }
}

/// The options of a choice field: (code, label).
fn choices(field: Field, lang: Lang) -> Vec<(&'static str, &'static str)> {
    fn all<T: Labelled + Copy>(
        values: &[T],
        code: fn(T) -> &'static str,
        lang: Lang,
    ) -> Vec<(&'static str, &'static str)> {
        values.iter().map(|v| (code(*v), v.label(lang))).collect()
    }
    match field {
        Field::Channel => all(Channel::ALL, Channel::as_str, lang),
        Field::Category => all(Category::ALL, Category::as_str, lang),
        Field::Nature => all(Nature::ALL, Nature::as_str, lang),
        Field::Status => all(Status::ALL, Status::as_str, lang),
        Field::CustomerSatisfied => {
            vec![
                ("", Text::Unknown.get(lang)),
                ("yes", Text::Yes.get(lang)),
                ("no", Text::No.get(lang)),
            ]
        }
        _ => Vec::new(),
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
    let touched = RwSignal::new(Vec::<Field>::new());
    let case_number = StoredValue::new(case_number);
    let lang = use_app_state().lang;
    FormSection::ALL
        .into_iter()
        .map(|section| {
            let fields = section
                .fields()
                .iter()
                .copied()
                .filter(|f| *f != Field::CaseNumber || case_number.with_value(Option::is_some))
                .map(|field| view! { <FieldRow field form issues reveal_all touched case_number/> })
                .collect_view();
            view! {
                <fieldset class="form-section">
                    <legend>{move || section.title().get(lang.get())}</legend>
                    <div class="form-grid">{fields}</div>
                </fieldset>
            }
        })
        .collect_view()
}

#[component]
fn FieldRow(
    field: Field,
    form: RwSignal<ComplaintForm>,
    issues: Memo<Vec<Issue>>,
    reveal_all: Signal<bool>,
    touched: RwSignal<Vec<Field>>,
    case_number: StoredValue<Option<String>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let id = format!("f-{}", field.key());
    let msg_id = format!("{id}-msg");
    let shown = Memo::new(move |_| {
        if reveal_all.get() || touched.with(|t| t.contains(&field)) {
            issues.with(|all| {
                all.iter()
                    .filter(|i| i.field == field)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        } else {
            Vec::new()
        }
    });
    let has = move |severity: Severity| shown.with(|s| s.iter().any(|i| i.severity == severity));
    let class = move || {
        let mut c = String::from("field");
        if matches!(field.kind(), FieldKind::LongText) {
            c.push_str(" field--wide");
        }
        if has(Severity::Error) {
            c.push_str(" field--error");
        } else if has(Severity::Warning) {
            c.push_str(" field--warning");
        }
        c
    };
    let touch = move || {
        if !touched.with_untracked(|t| t.contains(&field)) {
            touched.update(|t| t.push(field));
        }
    };
    let value = move || form.with(|f| f.get(field).to_string());
    let set = move |v: String| form.update(|f| f.set(field, v));
    let invalid = move || {
        if has(Severity::Error) {
            "true"
        } else {
            "false"
        }
    };

    let control = match field.kind() {
        FieldKind::Generated => view! {
            <output id=id.clone() class="field__static">{case_number.get_value().unwrap_or_default()}</output>
        }
        .into_any(),
        FieldKind::LongText => view! {
            <textarea id=id.clone() class="field__control" rows="3"
                aria-required=field.is_required().to_string()
                aria-invalid=invalid aria-describedby=msg_id.clone()
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
                on:blur=move |_| touch()
            ></textarea>
        }
        .into_any(),
        FieldKind::Choice | FieldKind::YesNo => view! {
            <select id=id.clone() class="field__control"
                aria-required=field.is_required().to_string()
                aria-invalid=invalid aria-describedby=msg_id.clone()
                on:change=move |ev| { set(event_target_value(&ev)); touch(); }
                on:blur=move |_| touch()
            >
                {move || {
                    let lang = lang.get();
                    let current = value();
                    let placeholder = (field.kind() == FieldKind::Choice && field.is_required()).then(|| view! {
                        <option value="" selected=current.is_empty()>{Text::ChooseOne.get(lang)}</option>
                    });
                    let options = choices(field, lang)
                        .into_iter()
                        .map(|(code, label)| view! { <option value=code selected=current == code>{label}</option> })
                        .collect_view();
                    view! { {placeholder} {options} }
                }}
            </select>
        }
        .into_any(),
        kind => {
            let (input_type, input_mode, autocomplete) = match kind {
                FieldKind::Phone => ("tel", "tel", "tel"),
                FieldKind::Integer => ("text", "numeric", "off"),
                FieldKind::Money => ("text", "decimal", "off"),
                FieldKind::Date => ("date", "none", "off"),
                FieldKind::DateTime => ("datetime-local", "none", "off"),
                _ => ("text", "text", if field == Field::CustomerName { "name" } else { "off" }),
            };
            let capitalize = if matches!(field, Field::Vin | Field::Plate | Field::BranchCode) { "characters" } else { "sentences" };
            view! {
                <input id=id.clone() class="field__control" type=input_type inputmode=input_mode
                    autocomplete=autocomplete autocapitalize=capitalize
                    aria-required=field.is_required().to_string()
                    aria-invalid=invalid aria-describedby=msg_id.clone()
                    prop:value=value
                    on:input=move |ev| set(event_target_value(&ev))
                    on:change=move |_| touch()
                    on:blur=move |_| touch()
                />
            }
            .into_any()
        }
    };

    view! {
        <div class=class data-field=field.key()>
            <label class="field__label" for=id.clone()>
                {move || field.label(lang.get())}
                {field.is_required().then(|| view! {
                    <span class="field__req" aria-hidden="true">"*"</span>
                    <span class="visually-hidden">{move || format!(" ({})", Text::Required.get(lang.get()))}</span>
                })}
            </label>
            {control}
            <div id=msg_id.clone() aria-live="polite">
                {move || shown.get().into_iter().map(|issue| {
                    let cls = if issue.is_error() { "field__msg field__msg--error" } else { "field__msg field__msg--warning" };
                    view! { <p class=cls>{issue.message(lang.get())}</p> }
                }).collect_view()}
            </div>
        </div>
    }
}
