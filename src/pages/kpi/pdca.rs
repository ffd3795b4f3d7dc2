//! The PDCA table of one branch and month, and the editor of one row.
//!
//! The table's rows are made once per KPI; their cells follow the figures.
//! The editor's fields are signals filled when the row is opened: a sync
//! bringing another change of the row, the clock or a language switch never
//! touch what the manager is typing. Saving goes through
//! [`crate::state::AppState::save_plan`] (the shared crate's `pdca::change`).

use complaints_domain::kpi::{one_decimal, Kpi};
use complaints_domain::{timefmt, Labelled};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::figures::{evaluation_html, pct};
use super::{plan_rows, Computed, PDCA_COLUMNS};
use crate::html::HtmlView;
use crate::i18n::{tr, Text};
use crate::platform;
use crate::state::use_app_state;

/// The table; `can_edit` adds the 填写 buttons (managers and above).
#[component]
pub fn PdcaTable(computed: Memo<Computed>, can_edit: bool) -> impl IntoView {
    let lang = use_app_state().lang;
    let editing = RwSignal::new(None::<Kpi>);
    // Another month or branch closes the editor.
    let choice = Memo::new(move |_| computed.with(|c| c.choice.clone()));
    Effect::new(move |_| {
        choice.track();
        editing.set(None);
    });
    let heads = PDCA_COLUMNS.map(|t| view! { <th>{tr(lang, t)}</th> });
    let rows = Kpi::ALL
        .iter()
        .enumerate()
        .map(|(i, &kpi)| {
            let cell = move |f: fn(&Computed, usize) -> String| move || computed.with(|c| f(c, i));
            let target = move || {
                computed.with(|c| {
                    let own = if c.rows[i].target.is_none() && c.targets[i].is_some() {
                        Text::Carried.get(lang.get())
                    } else {
                        ""
                    };
                    format!("{}{own}", pct(c.targets[i]))
                })
            };
            let evaluation = move || {
                computed.with(|c| evaluation_html(c.figures.rate(kpi).percent(), c.targets[i], lang.get()))
            };
            view! {
                <tr data-kpi=kpi.as_str()>
                    <th scope="row">{move || kpi.label(lang.get())}</th>
                    <td>{target}</td>
                    <td>{move || computed.with(|c| pct(c.figures.rate(kpi).percent()))}</td>
                    <td><HtmlView html=Signal::derive(evaluation)/></td>
                    <td>{cell(|c, i| c.rows[i].analysis.clone())}</td>
                    <td>{cell(|c, i| c.rows[i].measures.clone())}</td>
                    <td>{cell(|c, i| c.rows[i].owner.clone())}</td>
                    <td>{cell(|c, i| c.rows[i].due.map(timefmt::date).unwrap_or_default())}</td>
                    <td class="no-print">
                        {can_edit.then(|| view! {
                            <button type="button" class="btn" data-act="edit" on:click=move |_| editing.set(Some(kpi))>
                                {tr(lang, Text::Edit)}
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card pdca">
            <h2>{tr(lang, Text::PdcaTable)}</h2>
            <table class="kpi-table" data-testid="pdca-table">
                <thead><tr>{heads}<th class="no-print"></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        {move || editing.get().map(|kpi| view! { <PlanEditor kpi computed editing/> })}
    }
}

/// The form for one PDCA row.
#[component]
fn PlanEditor(kpi: Kpi, computed: Memo<Computed>, editing: RwSignal<Option<Kpi>>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let choice = computed.with_untracked(|c| c.choice.clone());
    let i = Kpi::ALL.iter().position(|k| *k == kpi).unwrap_or(0);
    let row = plan_rows(state, &choice).1.swap_remove(i);
    let target = RwSignal::new(row.target.map(one_decimal).unwrap_or_default());
    let analysis = RwSignal::new(row.analysis.clone());
    let measures = RwSignal::new(row.measures.clone());
    let owner = RwSignal::new(row.owner.clone());
    let due = RwSignal::new(row.due.map(timefmt::date).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let row = StoredValue::new(row);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let opened = row.get_value();
        let mut next = opened.clone();
        next.target = match target.get_untracked().trim() {
            "" => None,
            t => match t.parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => Some(v),
                _ => {
                    error.set(Some(Text::TargetRange.get(lang).into()));
                    return;
                }
            },
        };
        next.analysis = analysis.get_untracked().trim().to_string();
        next.measures = measures.get_untracked().trim().to_string();
        next.owner = owner.get_untracked().trim().to_string();
        next.due = timefmt::parse_date(&due.get_untracked());
        // Only what was edited here: a field another manager changed since
        // the editor opened keeps their value.
        let now = plan_rows(state, &computed.with_untracked(|c| c.choice.clone()))
            .1
            .swap_remove(i);
        let next = next.rebase(&opened, &now);
        spawn_local(async move {
            match state.save_plan(&next).await {
                Ok(()) => editing.set(None),
                Err(e) => {
                    platform::log_error("PDCA row not saved", &e.detail());
                    error.set(Some(e.message(lang)));
                }
            }
        });
    };
    let text_field = |label: Text, name: &'static str, value: RwSignal<String>, max: u32| {
        view! {
            <label class="field">
                <span class="field__label">{tr(lang, label)}</span>
                <textarea class="field__control" name=name maxlength=max prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            </label>
        }
    };
    view! {
        <form class="card plan-editor" data-testid="plan-editor" novalidate on:submit=save>
            <h2>{move || format!("{} · {} · {}", kpi.label(lang.get()), choice.branch, choice.month)}</h2>
            {move || error.get().map(|m| view! { <p class="notice notice--error" role="alert">{m}</p> })}
            <label class="field">
                <span class="field__label">{tr(lang, Text::TargetPercent)}</span>
                <input class="field__control" name="target" type="number" min="0" max="100" step="0.1"
                    prop:value=move || target.get() on:input=move |ev| target.set(event_target_value(&ev))/>
            </label>
            {text_field(Text::ProblemAnalysis, "analysis", analysis, 2000)}
            {text_field(Text::Measures, "measures", measures, 2000)}
            <label class="field">
                <span class="field__label">{tr(lang, Text::Owner)}</span>
                <input class="field__control" name="owner" maxlength="100" prop:value=move || owner.get()
                    on:input=move |ev| owner.set(event_target_value(&ev))/>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::Due)}</span>
                <input class="field__control" name="due" type="date" prop:value=move || due.get()
                    on:input=move |ev| due.set(event_target_value(&ev))/>
            </label>
            <div class="actionbar">
                <button type="submit" class="btn btn--primary">{tr(lang, Text::Save)}</button>
                <button type="button" class="btn" on:click=move |_| editing.set(None)>{tr(lang, Text::Close)}</button>
            </div>
        </form>
    }
}
