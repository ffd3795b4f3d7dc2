//! The complaint form: every field of the record, grouped as on the paper
//! form, each with a visible label, its required mark, and its problems
//! (from the shared validation) right beside it.
//!
//! The form is drawn as escaped HTML from the values, once, and again only
//! when the values change from outside (a draft restored, a synced record
//! shown); typing updates the form's signal through one input handler, and
//! the problems beside each field are written into their slots as they
//! change. Thirty reactive inputs cost the app's download several times more.

use complaints_domain::{
    Category, Channel, ComplaintForm, Field, FieldKind, Issue, Labelled, Lang, Nature, Status,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::handling::{code_labels, esc, options_html};
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
    match field {
        Field::Channel => code_labels(Channel::ALL, Channel::as_str, lang),
        Field::Category => code_labels(Category::ALL, Category::as_str, lang),
        Field::Nature => code_labels(Nature::ALL, Nature::as_str, lang),
        Field::Status => code_labels(Status::ALL, Status::as_str, lang),
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

/// One field as HTML, with `value` in its control.
fn field_html(field: Field, value: &str, case_number: &str, lang: Lang) -> String {
    let key = field.key();
    let id = format!("f-{key}");
    let required = field.is_required();
    let aria = format!(
        r#"id="{id}" class="field__control" data-key="{key}" aria-required="{required}" aria-invalid="false" aria-describedby="{id}-msg""#
    );
    let control = match field.kind() {
        FieldKind::Generated => format!(
            r#"<output id="{id}" class="field__static">{}</output>"#,
            esc(case_number)
        ),
        FieldKind::LongText => format!(r#"<textarea {aria} rows="3">{}</textarea>"#, esc(value)),
        FieldKind::Choice | FieldKind::YesNo => {
            let blank =
                (field.kind() == FieldKind::Choice && required).then(|| Text::ChooseOne.get(lang));
            let options = options_html(blank, choices(field, lang), value);
            format!(r#"<select {aria}>{options}</select>"#)
        }
        kind => {
            let (input_type, input_mode, autocomplete) = match kind {
                FieldKind::Phone => ("tel", "tel", "tel"),
                FieldKind::Integer => ("text", "numeric", "off"),
                FieldKind::Money => ("text", "decimal", "off"),
                FieldKind::Date => ("date", "none", "off"),
                FieldKind::DateTime => ("datetime-local", "none", "off"),
                _ => (
                    "text",
                    "text",
                    if field == Field::CustomerName {
                        "name"
                    } else {
                        "off"
                    },
                ),
            };
            let capitalize = if matches!(field, Field::Vin | Field::Plate | Field::BranchCode) {
                "characters"
            } else {
                "sentences"
            };
            format!(
                r#"<input {aria} type="{input_type}" inputmode="{input_mode}" autocomplete="{autocomplete}" autocapitalize="{capitalize}" value="{}">"#,
                esc(value)
            )
        }
    };
    let mark = if required {
        format!(
            r#"<span class="field__req" aria-hidden="true">*</span><span class="visually-hidden"> ({})</span>"#,
            Text::Required.get(lang)
        )
    } else {
        String::new()
    };
    let wide = if field.kind() == FieldKind::LongText {
        " field--wide"
    } else {
        ""
    };
    format!(
        r#"<div class="field{wide}" data-field="{key}"><label class="field__label" for="{id}">{}{mark}</label>{control}<div id="{id}-msg" aria-live="polite"></div></div>"#,
        field.label(lang)
    )
}

/// The whole form as HTML.
fn form_html(form: &ComplaintForm, case_number: Option<&str>, lang: Lang) -> String {
    let mut out = String::new();
    for section in FormSection::ALL {
        out += &format!(
            r#"<fieldset class="form-section"><legend>{}</legend><div class="form-grid">"#,
            section.title().get(lang)
        );
        for &field in section.fields() {
            if field == Field::CaseNumber && case_number.is_none() {
                continue;
            }
            out += &field_html(
                field,
                form.get(field),
                case_number.unwrap_or_default(),
                lang,
            );
        }
        out += "</div></fieldset>";
    }
    out
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
    let lang = use_app_state().lang;
    // What the drawn controls hold: typing keeps it equal to `form`, so only a
    // change from outside draws the form again.
    let shown = StoredValue::new(form.get_untracked());
    let html = RwSignal::new(form_html(
        &shown.get_value(),
        case_number.as_deref(),
        lang.get_untracked(),
    ));
    let case_number = StoredValue::new(case_number);
    Effect::new(move |drawn_in: Option<Lang>| {
        let now = form.get();
        let lang = lang.get();
        if drawn_in.is_some_and(|l| l != lang) {
            // New labels: draw it again.
            shown.set_value(now);
            html.set(
                shown.with_value(|f| case_number.with_value(|c| form_html(f, c.as_deref(), lang))),
            );
        } else if shown.with_value(|s| *s != now) {
            // New values from outside: put them into the controls in place, so
            // an input being typed in is never replaced under the user's hands.
            let doc = web_sys::window().and_then(|w| w.document());
            for &field in Field::ALL {
                let value = now.get(field);
                if shown.with_value(|s| s.get(field) == value) {
                    continue;
                }
                let control = doc
                    .as_ref()
                    .and_then(|d| d.get_element_by_id(&format!("f-{}", field.key())));
                if let Some(control) = control {
                    let _ = js_sys::Reflect::set(&control, &"value".into(), &value.into());
                }
            }
            shown.set_value(now);
        }
        lang
    });

    // The problems beside each field, once it was left (or after a save attempt).
    Effect::new(move |_| {
        html.track();
        let lang = lang.get();
        let reveal = reveal_all.get();
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        touched.with(|touched| {
            issues.with(|issues| {
                for &field in Field::ALL {
                    let key = field.key();
                    let mut msgs = String::new();
                    let (mut error, mut warning) = (false, false);
                    if reveal || touched.contains(&field) {
                        for i in issues.iter().filter(|i| i.field == field) {
                            error |= i.is_error();
                            warning |= !i.is_error();
                            let cls = if i.is_error() {
                                "field__msg field__msg--error"
                            } else {
                                "field__msg field__msg--warning"
                            };
                            msgs += &format!(r#"<p class="{cls}">{}</p>"#, esc(&i.message(lang)));
                        }
                    }
                    let id = format!("f-{key}");
                    if let Some(slot) = doc.get_element_by_id(&format!("{id}-msg")) {
                        slot.set_inner_html(&msgs);
                    }
                    if let Some(control) = doc.get_element_by_id(&id) {
                        let _ = control
                            .set_attribute("aria-invalid", if error { "true" } else { "false" });
                        if let Some(row) = control.parent_element() {
                            let wide = if field.kind() == FieldKind::LongText {
                                " field--wide"
                            } else {
                                ""
                            };
                            let state = if error {
                                " field--error"
                            } else if warning {
                                " field--warning"
                            } else {
                                ""
                            };
                            row.set_class_name(&format!("field{wide}{state}"));
                        }
                    }
                }
            })
        });
    });

    let field_of = |ev: &leptos::ev::Event| {
        let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
        Field::from_key(&target.get_attribute("data-key")?)
    };
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(field) = field_of(&ev) {
            let value = event_target_value(&ev);
            shown.update_value(|f| f.set(field, value.clone()));
            form.update(|f| f.set(field, value));
        }
    };
    let touch = move |ev: leptos::ev::Event| {
        if let Some(field) = field_of(&ev) {
            if !touched.with_untracked(|t| t.contains(&field)) {
                touched.update(|t| t.push(field));
            }
        }
    };
    view! {
        <div inner_html={Signal::derive(move || html.get())} on:input=on_input on:change=move |ev| { on_input(ev.clone()); touch(ev) }
            on:focusout=move |ev: leptos::ev::FocusEvent| touch(ev.into())></div>
    }
}
