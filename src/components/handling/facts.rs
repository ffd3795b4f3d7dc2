//! The line above the timeline: the level, the major mark and the clocks.

use chrono::{DateTime, Utc};
use complaints_domain::handling::{escalation_level, major_mark};
use complaints_domain::sla::clocks;
use complaints_domain::{Complaint, Labelled, Lang};

use crate::components::badges::clock_html;
use crate::html::{el, Html};
use crate::i18n::Text;
use crate::platform::local_time;

pub fn facts_html(c: &Complaint, now: DateTime<Utc>, lang: Lang) -> Html {
    let level = escalation_level(c);
    let mut out: Html = el("span")
        .class(format_args!("badge level level--{}", level.as_str()))
        .attr("data-testid", "level")
        .text(&Text::LevelIs.fill(lang, &[&level.label(lang)]))
        .into();
    if let Some(m) = major_mark(c) {
        out.push(
            el("span")
                .class("badge badge--major")
                .attr("data-testid", "major")
                .text(&Text::MajorBy.fill(lang, &[&m.by, &local_time(m.at)])),
        );
    }
    for k in clocks(c) {
        out.push(clock_html(&k, now, lang));
    }
    el("div").class("handling__facts").child(out).into()
}
