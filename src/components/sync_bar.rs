//! What the user always sees of sync: waiting changes, the last successful
//! sync, the last problem in plain words, a "Sync now" button, and a progress
//! bar while a new device receives its first data.

use leptos::prelude::*;
use leptos::task::spawn_local;

use complaints_domain::timefmt;

use super::handling::{esc, tapped};
use crate::i18n::Text;
use crate::platform;
use crate::state::use_app_state;

#[component]
pub fn SyncBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let sync = state.sync;
    // What it says, as escaped HTML (cheaper to ship than a view per part).
    let status = move || {
        let lang = lang.get();
        let t = |text: Text| text.get(lang);
        let n = sync.pending.get();
        let waiting = if n == 0 {
            t(Text::AllSynced).to_string()
        } else {
            format!("{n} {}", t(Text::Waiting))
        };
        let last = match sync.last_success.get() {
            Some(at) => {
                let local = at.with_timezone(&platform::local_offset());
                format!(
                    "{} {}",
                    t(Text::LastSynced),
                    timefmt::time_seconds(local.naive_local())
                )
            }
            None => t(Text::NeverSynced).to_string(),
        };
        let mut out = format!(
            r#"<span class="syncbar__waiting" data-testid="sync-pending" data-count="{n}">{waiting}</span><span class="syncbar__last" data-testid="sync-last">{last}</span>"#
        );
        let refused = sync.rejected.with(Vec::len);
        if refused > 0 {
            out += &format!(
                r#"<span class="syncbar__refused" data-testid="sync-refused">{refused} {}</span>"#,
                t(Text::RefusedChanges)
            );
        }
        if let Some(p) = sync.problem.get() {
            out += &format!(
                r#"<span class="syncbar__problem" data-testid="sync-problem">{}</span>"#,
                esc(&p.message(lang))
            );
        }
        out
    };
    let html = move || {
        let lang = lang.get();
        let running = sync.running.get();
        let button = format!(
            r#"<button type="button" class="btn syncbar__button" data-testid="sync-now"{}>{}</button>"#,
            if running { " disabled" } else { "" },
            if running {
                Text::Syncing
            } else {
                Text::SyncNow
            }
            .get(lang)
        );
        let progress = match sync.progress.get().filter(|(_, total)| *total > 0) {
            Some((done, total)) => format!(
                r#"<label class="syncbar__progress"><span>{} {done}/{total}</span><progress max="{total}" value="{done}" data-testid="sync-progress"></progress></label>"#,
                Text::Receiving.get(lang)
            ),
            None => String::new(),
        };
        status() + &button + &progress
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if tapped(&ev, "[data-testid=sync-now]:not([disabled])").is_some() {
            spawn_local(state.sync_now());
        }
    };
    view! {
        <div class="syncbar" role="status" aria-live="polite" data-testid="sync-bar"
            inner_html={Signal::derive(html)} on:click=on_click></div>
    }
}
