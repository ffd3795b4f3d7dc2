//! The visit's location: taken once, only when the user taps (GPS works
//! with no network), shown as coordinates with a link that opens the
//! tablet's maps app. Never recorded in the background.

use complaints_domain::model::Position;
use complaints_domain::Complaint;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::{tr, Text};
use crate::media;
use crate::platform;
use crate::state::use_app_state;

#[component]
pub(super) fn LocationSection(id: String, current: Memo<Option<Complaint>>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record = StoredValue::new(id);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let positions = Memo::new(move |_| {
        current.with(|c| {
            let mut list = c.as_ref().map(|c| c.positions.clone()).unwrap_or_default();
            list.reverse();
            list
        })
    });
    let locate = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match media::current_position().await {
                Ok(fix) => {
                    if let Err(e) = state.record_position(&record.get_value(), fix).await {
                        platform::log_error("position not saved", &e.detail());
                        error.set(Some(e.message(lang.get_untracked())));
                    }
                }
                Err(why) => error.set(Some(why.message(lang.get_untracked()).into())),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="panel location" data-testid="location">
            <h3>{tr(lang, Text::Location)}</h3>
            <ul class="location__list">
                {move || positions.get().into_iter().map(|p: Position| view! {
                    <li data-testid="position">
                        <span class="location__coords" data-testid="position-coords">{p.coordinates()}</span>
                        " · "
                        <span class="hint">{
                            let (accuracy, when, by) = (p.accuracy_metres(), platform::local_time(p.at), p.by.clone());
                            move || format!("{} · {when} · {by}", Text::Accuracy.fill(lang.get(), &[&accuracy]))
                        }</span>
                        " "
                        <a href=p.geo_uri() data-testid="position-map">{tr(lang, Text::OpenInMaps)}</a>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="btn" data-testid="record-location" prop:disabled=move || busy.get() on:click=locate>
                {move || if busy.get() { Text::Locating.get(lang.get()) } else { Text::RecordLocation.get(lang.get()) }}
            </button>
            <p class="hint">{tr(lang, Text::LocationHint)}</p>
            {move || error.get().map(|m| view! { <p class="notice notice--error" role="alert" data-testid="location-error">{m}</p> })}
        </div>
    }
}
