//! The major-complaint warnings and the other complaints about the same
//! vehicle, on a complaint's page and, while typing, on intake.

use complaints_domain::risk::Warning;
use complaints_domain::{Complaint, Labelled, Lang};
use leptos::prelude::*;

use crate::components::badges::status_html;
use crate::html::{el, Html, HtmlView};
use crate::i18n::Text;
use crate::platform::local_time;
use crate::route::Route;
use crate::state::use_app_state;

/// The warnings, each saying why.
fn risk_html(list: &[Warning], lang: Lang) -> Html {
    if list.is_empty() {
        return Html::empty();
    }
    let major = list.iter().any(|w| w.rule.criterion().is_some());
    let title = if major {
        Text::MeetsMajorCriterion
    } else {
        Text::MajorRiskSignals
    };
    let items = list.iter().map(|w| {
        let class = if w.rule.criterion().is_some() {
            "risk__item risk__item--criterion"
        } else {
            "risk__item"
        };
        el("li")
            .class(class)
            .attr("data-rule", w.rule.as_str())
            .text(&w.message(lang))
    });
    el("section")
        .class("risk")
        .attr("data-testid", "risk")
        .child(el("h2").class("risk__title").text(&format!(
            "⚠ {} ({})",
            title.get(lang),
            list.len()
        )))
        .child(el("ul").children(items))
        .into()
}

/// Other complaints about the same vehicle, open ones first.
fn same_vehicle_html(list: &[Complaint], lang: Lang) -> Html {
    if list.is_empty() {
        return Html::empty();
    }
    let items = list.iter().map(|c| {
        let content: String = c.content.chars().take(40).collect();
        el("li").child(
            el("a")
                .link(&Route::Complaint(c.id.clone()))
                .child(status_html(c.status, lang))
                .text(&format!(
                    " {} · {} · {content}",
                    c.case_number,
                    local_time(c.received_at)
                )),
        )
    });
    el("section")
        .class("same-vehicle")
        .attr("data-testid", "same-vehicle")
        .child(el("h2").text(&Text::SameVehicleTitle.fill(lang, &[&list.len()])))
        .child(el("ul").children(items))
        .into()
}

/// The warnings and the same-vehicle complaints on a complaint's page.
#[component]
pub fn RiskAndVehicle(
    #[prop(into)] warnings: Signal<Vec<Warning>>,
    #[prop(into)] others: Signal<Vec<Complaint>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let html = move || {
        let lang = lang.get();
        let mut out = warnings.with(|w| risk_html(w, lang));
        out.push(others.with(|o| same_vehicle_html(o, lang)));
        out
    };
    view! { <HtmlView html=Signal::derive(html)/> }
}

/// On intake, in the bar at the bottom that is always in view: one line
/// naming the warnings and the same-vehicle complaints, opening into both lists.
#[component]
pub fn IntakeAlerts(
    #[prop(into)] warnings: Signal<Vec<Warning>>,
    #[prop(into)] others: Signal<Vec<Complaint>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let line = Memo::new(move |_| {
        let lang = lang.get();
        let mut parts = Vec::new();
        warnings.with(|w| {
            if !w.is_empty() {
                let titles: Vec<&str> = w.iter().map(|w| w.rule.label(lang)).collect();
                parts.push(
                    Text::WarningsLine
                        .fill(lang, &[&w.len(), &titles.join(Text::ListComma.get(lang))]),
                );
            }
        });
        let n = others.with(Vec::len);
        if n > 0 {
            parts.push(Text::SameVehicleLine.fill(lang, &[&n]));
        }
        parts.join(" · ")
    });
    let body = move || {
        let lang = lang.get();
        let mut out = warnings.with(|w| risk_html(w, lang));
        out.push(others.with(|o| same_vehicle_html(o, lang)));
        out
    };
    view! {
        <details class="intake-alerts" data-testid="intake-alerts" hidden=move || line.with(String::is_empty)>
            <summary>{move || line.get()}</summary>
            <HtmlView class="intake-alerts__body" html=Signal::derive(body)/>
        </details>
    }
}
