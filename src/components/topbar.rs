use complaints_domain::sla::most_urgent;
use leptos::prelude::*;

use crate::i18n::Text;
use crate::router::Link;
use crate::state::use_app_state;

/// The bar on every page: title, navigation, network state, language switch.
#[component]
pub fn TopBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let t = move |text: Text| text.get(lang.get());
    view! {
        <header class="topbar">
            <Link href="/" class="topbar__title">{move || t(Text::AppName)}</Link>
            <nav class="topbar__nav">
                <Link href="/" class="topbar__link">{move || t(Text::Complaints)}</Link>
                <Link href="/new" class="topbar__link">{move || t(Text::NewComplaint)}</Link>
                <Link href="/attention" class="topbar__link">
                    {move || t(Text::NeedsAttention)}
                    {move || {
                        let now = state.now.get();
                        let n = state.complaints.with(|all| {
                            all.iter().filter(|c| most_urgent(c, now).is_some_and(|(_, s)| s.needs_attention())).count()
                        });
                        (n > 0).then(|| view! { <span class="count" data-testid="attention-count">{n}</span> })
                    }}
                </Link>
            </nav>
            <span
                class=move || if state.online.get() { "net-badge net-badge--online" } else { "net-badge net-badge--offline" }
                role="status"
                data-testid="net-status"
            >
                {move || if state.online.get() { t(Text::Online) } else { t(Text::Offline) }}
            </span>
            <button class="lang-switch" type="button" on:click=move |_| state.toggle_lang()
                lang=move || if lang.get() == complaints_domain::Lang::Zh { "en" } else { "zh-CN" }>
                {move || t(Text::LanguageSwitch)}
            </button>
        </header>
    }
}
