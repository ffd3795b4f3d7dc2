//! What the user always sees of sync: waiting changes, the last successful
//! sync, the last problem in plain words, a "Sync now" button, and a progress
//! bar while a new device receives its first data. The button is one
//! element for the page's life and is never disabled (a press during a sync
//! asks for one more), so pressing it leaves the focus on it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use complaints_domain::timefmt;

use crate::i18n::{sync_problem, tr, Text};
use crate::platform;
use crate::state::use_app_state;

#[component]
pub fn SyncBar() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let sync = state.sync;
    let progress = move || sync.progress.get().filter(|(_, total)| *total > 0);
    let waiting = move || match sync.pending.get() {
        0 if progress().is_some() => Text::AllSent.get(lang.get()).to_string(),
        0 => Text::AllSynced.get(lang.get()).to_string(),
        n => Text::Waiting.fill(lang.get(), &[&n]),
    };
    let last = move || match sync.last_success.get() {
        Some(at) => {
            let local = at.with_timezone(&platform::local_offset()).naive_local();
            Text::LastSynced.fill(lang.get(), &[&timefmt::time_seconds(local)])
        }
        None => Text::NeverSynced.get(lang.get()).to_string(),
    };
    let refused = move || sync.rejected.with(Vec::len);
    let running = sync.running;
    view! {
        <div class="syncbar" role="status" aria-live="polite" data-testid="sync-bar">
            <span class="syncbar__waiting" data-testid="sync-pending" data-count=move || sync.pending.get()>
                {waiting}
            </span>
            <span class="syncbar__last" data-testid="sync-last">{last}</span>
            <Show when=move || { refused() > 0 }>
                <span class="syncbar__refused" data-testid="sync-refused">
                    {move || Text::RefusedChanges.fill(lang.get(), &[&refused()])}
                </span>
            </Show>
            {move || sync.problem.get().map(|p| view! {
                <span class="syncbar__problem" data-testid="sync-problem">{move || sync_problem(&p, lang.get())}</span>
            })}
            <button type="button" class="btn syncbar__button" data-testid="sync-now"
                aria-busy=move || running.get().to_string() on:click=move |_| spawn_local(state.sync_now())>
                {move || if running.get() { Text::Syncing.get(lang.get()) } else { Text::SyncNow.get(lang.get()) }}
            </button>
            {move || progress().map(|(done, total)| view! {
                <label class="syncbar__progress">
                    <span>{tr(lang, Text::Receiving)}" "{done}"/"{total}</span>
                    <progress max=total value=done data-testid="sync-progress"></progress>
                </label>
            })}
        </div>
    }
}
