//! The bar on every page: title, navigation (with the count of complaints
//! that need attention), network state, language switch. Drawn as escaped
//! HTML with one click handler, like the other read-mostly parts.

use complaints_domain::sla::most_urgent;
use complaints_domain::Lang;
use leptos::prelude::*;

use super::handling::{follow_link, tapped};
use crate::i18n::Text;
use crate::router::use_nav;
use crate::state::use_app_state;

#[component]
pub fn TopBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let path = use_nav().path();
    let html = move || {
        let lang = lang.get();
        let path = path.get();
        let now = state.now.get();
        let due = state.complaints.with(|all| {
            all.iter()
                .filter(|c| most_urgent(c, now).is_some_and(|(_, s)| s.needs_attention()))
                .count()
        });
        let link = |href: &str, class: &str, text: Text, extra: String| {
            let current = if path == href {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(
                r#"<a href="{href}" class="{class}" data-link{current}>{}{extra}</a>"#,
                text.get(lang)
            )
        };
        let count = if due > 0 {
            format!(r#"<span class="count" data-testid="attention-count">{due}</span>"#)
        } else {
            String::new()
        };
        let (net_class, net) = if state.online.get() {
            ("net-badge--online", Text::Online)
        } else {
            ("net-badge--offline", Text::Offline)
        };
        let other = if lang == Lang::Zh { "en" } else { "zh-CN" };
        format!(
            r#"{}<nav class="topbar__nav">{}{}{}</nav><span class="net-badge {net_class}" role="status" data-testid="net-status">{}</span><button class="lang-switch" type="button" lang="{other}" data-act="lang">{}</button>"#,
            link("/", "topbar__title", Text::AppName, String::new()),
            link("/", "topbar__link", Text::Complaints, String::new()),
            link("/new", "topbar__link", Text::NewComplaint, String::new()),
            link("/attention", "topbar__link", Text::NeedsAttention, count),
            net.get(lang),
            Text::LanguageSwitch.get(lang),
        )
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if !follow_link(&ev) && tapped(&ev, "[data-act=lang]").is_some() {
            state.toggle_lang();
        }
    };
    view! { <header class="topbar" inner_html=html on:click=on_click></header> }
}
