//! What the user always sees of sync: waiting changes, the last successful
//! sync, the last problem in plain words, a "Sync now" button, and a progress
//! bar while a new device receives its first data.

use leptos::prelude::*;
use leptos::task::spawn_local;

use complaints_domain::timefmt;

use crate::i18n::Text;
use crate::platform;
use crate::state::use_app_state;

#[component]
pub fn SyncBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let sync = state.sync;
    let t = move |text: Text| text.get(lang.get());
    let waiting = move || {
        let n = sync.pending.get();
        if n == 0 {
            t(Text::AllSynced).to_string()
        } else {
            format!("{n} {}", t(Text::Waiting))
        }
    };
    let last = move || match sync.last_success.get() {
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
    view! {
        <div class="syncbar" role="status" aria-live="polite" data-testid="sync-bar">
            <span class="syncbar__waiting" data-testid="sync-pending" data-count=move || sync.pending.get()>{waiting}</span>
            <span class="syncbar__last" data-testid="sync-last">{last}</span>
            {move || {
                let refused = sync.rejected.with(Vec::len);
                (refused > 0).then(|| view! {
                    <span class="syncbar__refused" data-testid="sync-refused">{format!("{refused} {}", t(Text::RefusedChanges))}</span>
                })
            }}
            {move || sync.problem.get().map(|p| view! {
                <span class="syncbar__problem" data-testid="sync-problem">{p.message(lang.get())}</span>
            })}
            <button type="button" class="btn syncbar__button" data-testid="sync-now"
                disabled=move || sync.running.get()
                on:click=move |_| spawn_local(state.sync_now())>
                {move || if sync.running.get() { t(Text::Syncing) } else { t(Text::SyncNow) }}
            </button>
            {move || sync.progress.get().filter(|(_, total)| *total > 0).map(|(done, total)| view! {
                <label class="syncbar__progress">
                    <span>{format!("{} {done}/{total}", t(Text::Receiving))}</span>
                    <progress max=total.to_string() value=done.to_string() data-testid="sync-progress"></progress>
                </label>
            })}
        </div>
    }
}
