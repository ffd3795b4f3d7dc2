//! The bar on every page: title, navigation (with the count of complaints
//! that need attention), network state, language switch, and who is signed
//! in (a menu with the role, branch and "sign out"). Drawn as escaped HTML
//! with one click handler, like the other read-mostly parts; the user menu
//! is drawn apart, so the clock ticking never closes it.

use complaints_domain::sla::most_urgent;
use complaints_domain::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::handling::{esc, follow_link, tapped};
use crate::i18n::Text;
use crate::router::use_nav;
use crate::state::use_app_state;

#[component]
pub fn TopBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let path = use_nav().path();
    let html = move || {
        if state.auth.with(|a| a.session().is_none()) {
            // Signing in: the page has its own title and switches.
            return String::new();
        }
        let lang = lang.get();
        let path = path.get();
        let now = state.now.get();
        let due = state.complaints.with(|all| {
            all.iter()
                .filter(|c| most_urgent(c, now).is_some_and(|(_, s)| s.needs_attention()))
                .count()
        });
        let link = |href: &str, class: &str, text: Text, extra: String| {
            let current = if path == href || (href == "/kpi" && path.starts_with("/kpi/")) {
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
        // Who is signed in: a menu with the role, the branch and "sign out"
        // (the bar is redrawn only when its text changes, so it stays open).
        let user = state.auth.with(|a| {
            a.session().map(|s| {
                let u = &s.user;
                format!(
                    r#"<details class="usermenu" data-testid="user-menu"><summary class="usermenu__who" data-testid="user-name">{}</summary><div class="usermenu__panel"><p>{}</p><p class="usermenu__id">{}: {}</p><button type="button" class="btn btn--danger" data-act="signout" data-testid="signout">{}</button></div></details>"#,
                    esc(&u.display_name),
                    esc(&u.describe(lang)),
                    lang.pick("用户名", "Username"),
                    esc(&u.username),
                    lang.pick("退出登录", "Sign out"),
                )
            })
        });
        format!(
            r#"{}<nav class="topbar__nav">{}{}{}{}</nav><span class="net-badge {net_class}" role="status" data-testid="net-status">{}</span><button class="lang-switch" type="button" lang="{other}" data-act="lang">{}</button>{}"#,
            link("/", "topbar__title", Text::AppName, String::new()),
            link("/", "topbar__link", Text::Complaints, String::new()),
            link("/new", "topbar__link", Text::NewComplaint, String::new()),
            link("/attention", "topbar__link", Text::NeedsAttention, count),
            link("/kpi", "topbar__link", Text::Kpis, String::new()),
            net.get(lang),
            Text::LanguageSwitch.get(lang),
            user.unwrap_or_default(),
        )
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if follow_link(&ev) {
            return;
        }
        if tapped(&ev, "[data-act=lang]").is_some() {
            state.toggle_lang();
        } else if tapped(&ev, "[data-act=signout]").is_some() {
            spawn_local(state.sign_out());
        }
    };
    view! { <header class="topbar" inner_html={Signal::derive(html)} on:click=on_click></header> }
}
