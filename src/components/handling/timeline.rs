//! The timeline: every entry, who made it, on which device, and what it says.

use complaints_domain::handling::Entry;
use complaints_domain::{Complaint, Labelled, Lang};

use crate::html::{el, Html};
use crate::i18n::{criteria_list, Text};
use crate::platform::local_time;

/// What an entry says beyond its kind: how, reached, the answer, the level…
fn summary(e: &Entry, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = e.method {
        parts.push(m.label(lang).into());
    }
    match e.reached {
        Some(true) => parts.push(Text::Reached.get(lang).into()),
        Some(false) => parts.push(Text::NotReached.get(lang).into()),
        None => {}
    }
    match e.satisfied {
        Some(true) => parts.push(Text::CustomerSatisfied.get(lang).into()),
        Some(false) => parts.push(Text::CustomerNotSatisfied.get(lang).into()),
        None => {}
    }
    if let Some(level) = e.level {
        parts.push(format!("→ {}", level.label(lang)));
    }
    if let (Some(from), Some(to)) = (e.from, e.status) {
        let text = if e.is_reopening() {
            Text::ReopenedFromTo
        } else {
            Text::FromTo
        };
        parts.push(text.fill(lang, &[&from.label(lang), &to.label(lang)]));
    }
    if let Some(v) = e.version {
        parts.push(Text::VersionN.fill(lang, &[&v]));
    }
    if !e.criteria.is_empty() {
        parts.push(criteria_list(&e.criteria, lang));
    }
    if e.recorded - e.at > chrono::Duration::minutes(10) {
        parts.push(Text::RecordedAt.fill(lang, &[&local_time(e.recorded)]));
    }
    parts.join(" · ")
}

/// The timeline, oldest first; `me` is this device's id.
pub fn timeline_html(c: &Complaint, lang: Lang, me: &str) -> Html {
    if c.timeline.is_empty() {
        return el("p")
            .class("empty")
            .text(Text::NothingRecorded.get(lang))
            .into();
    }
    let items = c.timeline.iter().map(|e| {
        let kind = e.kind.as_str();
        let mut who = e.by.clone();
        if e.dev == me {
            who.push_str(Text::OnThisDevice.get(lang));
        }
        let mut item = el("li")
            .class(format_args!("tl tl--{kind}"))
            .attr("data-kind", kind)
            .child(
                el("div")
                    .class("tl__head")
                    .child(el("time").text(&local_time(e.at)))
                    .child(el("strong").text(e.kind.label(lang)))
                    .child(el("span").class("tl__who").text(&who)),
            )
            .child(el("p").class("tl__detail").text(&summary(e, lang)));
        if !e.text.is_empty() {
            item = item.child(el("p").class("tl__text").text(&e.text));
        }
        item
    });
    el("ol")
        .class("timeline")
        .attr("data-testid", "timeline")
        .children(items)
        .into()
}
