//! Small read-only marks used on cards and pages: a status badge, a
//! handling clock's chip.

use chrono::{DateTime, Utc};
use complaints_domain::sla::Clock;
use complaints_domain::{Labelled, Lang, Status};
use leptos::prelude::*;

use crate::html::{el, Html};
use crate::state::use_app_state;

/// A complaint's status as a coloured badge (`badge--<code>`).
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<Status>) -> impl IntoView {
    let lang = use_app_state().lang;
    view! {
        <span class=move || format!("badge badge--{}", status.get().as_str())>
            {move || status.get().label(lang.get())}
        </span>
    }
}

/// A status badge as HTML, for cards and lists.
pub fn status_html(status: Status, lang: Lang) -> Html {
    el("span")
        .class(format_args!("badge badge--{}", status.as_str()))
        .text(status.label(lang))
        .into()
}

/// One clock as a chip: "首次联系：还剩 1小时20分", coloured by its state.
pub fn clock_html(clock: &Clock, now: DateTime<Utc>, lang: Lang) -> Html {
    let code = clock.state(now).code();
    el("span")
        .class(format_args!("clock clock--{code}"))
        .attr("data-clock", clock.kind.as_str())
        .attr("data-state", code)
        .text(&clock.describe(now, lang))
        .into()
}
