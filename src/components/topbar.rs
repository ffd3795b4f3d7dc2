//! The bar on every page: title, navigation (with the count of complaints
//! that need attention), network state, language switch, and who is signed
//! in (a menu with the role, branch and "sign out"). Each part follows only
//! its own signals: the clock ticking or the count changing updates one text
//! node and leaves an open menu open.

use complaints_domain::access::Role;
use complaints_domain::sla::most_urgent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{switch_tag, tr, Text};
use crate::route::{Link, Period, Route};
use crate::state::use_app_state;

/// Online or offline, always in view.
#[component]
pub fn NetBadge() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let online = state.online;
    view! {
        <span class=move || if online.get() { "net-badge net-badge--online" } else { "net-badge net-badge--offline" }
            role="status" data-testid="net-status">
            {move || if online.get() { Text::Online.get(lang.get()) } else { Text::Offline.get(lang.get()) }}
        </span>
    }
}

/// Switches between Chinese and English (the choice is remembered).
#[component]
pub fn LangSwitch(#[prop(optional)] class: &'static str) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    view! {
        <button type="button" class=class data-lang lang=move || switch_tag(lang.get())
            on:click=move |_| state.toggle_lang()>
            {tr(lang, Text::LanguageSwitch)}
        </button>
    }
}

/// Who is signed in: a menu with the role, the branch and "sign out".
#[component]
fn UserMenu() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let user = move || state.auth.with(|a| a.session().map(|s| s.user.clone()));
    view! {
        <details class="usermenu" data-testid="user-menu">
            <summary class="usermenu__who" data-testid="user-name">
                {move || user().map(|u| u.display_name).unwrap_or_default()}
            </summary>
            <div class="usermenu__panel">
                <p>{move || user().map(|u| u.describe(lang.get())).unwrap_or_default()}</p>
                <p class="usermenu__id">
                    {tr(lang, Text::Username)}": "{move || user().map(|u| u.username).unwrap_or_default()}
                </p>
                <button type="button" class="btn btn--danger" data-testid="signout"
                    on:click=move |_| spawn_local(state.sign_out())>
                    {tr(lang, Text::SignOut)}
                </button>
            </div>
        </details>
    }
}

#[component]
pub fn TopBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    // Recounted when the list or the clock changes; only the number's text
    // node follows it.
    let due = Memo::new(move |_| {
        let now = state.now.get();
        state.complaints.with(|all| {
            all.iter()
                .filter(|c| most_urgent(c, now).is_some_and(|(_, s)| s.needs_attention()))
                .count()
        })
    });
    // People and devices: administrators and branch managers.
    let administers = move || {
        state.auth.with(|a| {
            a.session()
                .is_some_and(|s| matches!(s.user.role, Role::Admin | Role::BranchManager))
        })
    };
    view! {
        <header class="topbar">
            <Link to=Route::List class="topbar__title">{tr(lang, Text::AppName)}</Link>
            <nav class="topbar__nav">
                <Link to=Route::List class="topbar__link">{tr(lang, Text::Complaints)}</Link>
                <Link to=Route::New class="topbar__link">{tr(lang, Text::NewComplaint)}</Link>
                <Link to=Route::Attention class="topbar__link">
                    {tr(lang, Text::NeedsAttention)}
                    <Show when=move || { due.get() > 0 }>
                        <span class="count" data-testid="attention-count">{move || due.get()}</span>
                    </Show>
                </Link>
                <Link to=Route::Answers class="topbar__link" testid="answers-link">{tr(lang, Text::Answers)}</Link>
                <Link to=Route::Kpi(Period::default()) class="topbar__link">{tr(lang, Text::Kpis)}</Link>
                <Show when=administers>
                    <Link to=Route::Admin class="topbar__link" testid="admin-link">{tr(lang, Text::AdminLink)}</Link>
                </Show>
            </nav>
            <NetBadge/>
            <LangSwitch class="lang-switch"/>
            <UserMenu/>
        </header>
    }
}
