//! The complaint list: newest first, with search and filters; and the
//! "needs attention" view of the same list.
//!
//! The search box and the filters are views bound to signals. The cards are
//! one [`Html`] fragment per page of cards: a hundred read-only cards drawn
//! as text are much cheaper, on a cheap tablet, than a hundred reactive
//! views, and they are redrawn only when the list, the language or the clock
//! (their countdown chips) changes — never while the search box is typed in.

use complaints_domain::handling::{escalation_level, major_mark, Level};
use complaints_domain::search::matching_positions;
use complaints_domain::sla::most_urgent;
use complaints_domain::sort;
use complaints_domain::{Category, Channel, Complaint, Labelled, Lang, ListQuery, Status};
use leptos::prelude::*;

use crate::components::badges::{clock_html, status_html};
use crate::components::options;
use crate::html::{el, Html, HtmlView};
use crate::i18n::{tr, Text};
use crate::platform::local_time;
use crate::route::Route;
use crate::state::{use_app_state, Boot};

/// How many cards the list shows before "Show more".
const PAGE: usize = 100;

/// One card of the list.
fn card_html(c: &Complaint, now: chrono::DateTime<chrono::Utc>, lang: Lang) -> Html {
    let level = escalation_level(c);
    let mut top = Html::empty();
    top.push(
        el("span")
            .class("complaint-card__name")
            .text(&c.customer_name),
    );
    top.push(
        el("span")
            .class("complaint-card__case")
            .text(&c.case_number),
    );
    top.push(status_html(c.status, lang));
    top.push(el("span").class("badge").text(c.category.label(lang)));
    if level != Level::Branch {
        top.push(
            el("span")
                .class(format_args!("badge level level--{}", level.as_str()))
                .attr("data-testid", "card-level")
                .text(level.label(lang)),
        );
    }
    if major_mark(c).is_some() {
        top.push(
            el("span")
                .class("badge badge--major")
                .text(Text::Major.get(lang)),
        );
    }
    if let Some((clock, _)) = most_urgent(c, now) {
        top.push(clock_html(&clock, now, lang));
    }
    top.push(
        el("span")
            .class("complaint-card__when")
            .text(&local_time(c.received_at)),
    );
    el("li")
        .child(
            el("a")
                .link(&Route::Complaint(c.id.clone()))
                .class("complaint-card")
                .child(el("div").class("complaint-card__top").child(top))
                .child(el("p").class("complaint-card__content").text(&c.content)),
        )
        .into()
}

/// A filter of the list: a select of `codes` (labelled by `label`), "all" first.
fn filter(
    id: &'static str,
    all: Text,
    codes: Vec<&'static str>,
    label: fn(&'static str, Lang) -> &'static str,
    chosen: RwSignal<String>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    view! {
        <select id=id aria-label=tr(lang, all) prop:value=move || chosen.get()
            on:change=move |ev| chosen.set(event_target_value(&ev))>
            {options(codes, label, Some(all), chosen.into())}
        </select>
    }
}

/// The list; with `attention`, only complaints whose handling clock is due
/// soon or overdue, the most urgent first.
#[component]
pub fn ListPage(attention: bool) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let matching = Memo::new(move |_| {
        let query = ListQuery {
            text: text.get(),
            status: Status::from_code(&status.get()),
            category: Category::from_code(&category.get()),
            channel: Channel::from_code(&channel.get()),
        };
        state.complaints.with(|all| matching_positions(all, &query))
    });
    // Positions in the list (not copies of the complaints: the list of a
    // regional manager is 100,000 long, and grows while a pull runs).
    let shown = Memo::new(move |_| {
        if !attention {
            return matching.get();
        }
        let now = state.now.get();
        let mut due: Vec<(chrono::DateTime<chrono::Utc>, usize)> = state.complaints.with(|all| {
            matching.with(|positions| {
                positions
                    .iter()
                    .filter_map(|&i| {
                        let (clock, s) = most_urgent(all.get(i)?, now)?;
                        s.needs_attention().then_some((clock.due, i))
                    })
                    .collect()
            })
        });
        sort::sort_by_key(&mut due, |(at, _)| *at);
        due.into_iter().map(|(_, i)| i).collect()
    });
    // A cheap tablet cannot lay out thousands of cards: show a page, then more on request.
    let limit = RwSignal::new(PAGE);
    Effect::new(move |_| {
        text.track();
        status.track();
        category.track();
        channel.track();
        limit.set(PAGE);
    });
    let flash = state.flash.get_untracked();
    state.flash.set(None);

    let cards = move || {
        let lang = lang.get();
        // The clock chips count down: the cards are drawn again every 30 s.
        let now = state.now.get();
        let items: Html = shown.with(|positions| {
            state.complaints.with(|all| {
                positions
                    .iter()
                    .take(limit.get())
                    .filter_map(|&i| all.get(i))
                    .map(|c| card_html(c, now, lang))
                    .collect()
            })
        });
        Html::from(
            el("ul")
                .class("complaint-list")
                .attr("data-testid", "complaint-list")
                .child(items),
        )
    };
    let total = move || shown.with(Vec::len);
    // What to say instead of the list (a memo: the list itself is not
    // re-created when its contents change).
    let empty = Memo::new(move |_| {
        if state.boot.get() == Boot::Loading {
            Some(Text::Loading)
        } else if total() > 0 {
            None
        } else if attention {
            Some(Text::NothingDue)
        } else if state.complaints.with(Vec::is_empty) {
            Some(Text::NoComplaints)
        } else {
            Some(Text::NoMatches)
        }
    });
    let more = move || total().saturating_sub(limit.get());
    let status_label =
        |code: &'static str, lang: Lang| Status::from_code(code).map_or("", |v| v.label(lang));
    let category_label =
        |code: &'static str, lang: Lang| Category::from_code(code).map_or("", |v| v.label(lang));
    let channel_label =
        |code: &'static str, lang: Lang| Channel::from_code(code).map_or("", |v| v.label(lang));

    view! {
        <h1>{tr(lang, if attention { Text::NeedsAttention } else { Text::Complaints })}</h1>
        {flash.map(|message| view! { <p class="notice notice--ok" role="status">{message}</p> })}
        <Show when=move || matches!(state.boot.get(), Boot::Failed(_))>
            <p class="notice notice--error" role="alert">{tr(lang, Text::StorageFailed)}</p>
        </Show>
        <Show when=move || state.unreadable.with(|u| !u.is_empty())>
            <p class="notice notice--warn" role="alert" data-testid="unreadable">
                {move || Text::UnreadableRecords.fill(lang.get(), &[&state.unreadable.with(Vec::len)])}
            </p>
        </Show>
        <div class="toolbar" role="search">
            <div class="toolbar__search">
                <label class="visually-hidden" for="search">{tr(lang, Text::Search)}</label>
                <input id="search" type="search" placeholder=tr(lang, Text::SearchPlaceholder)
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            </div>
            {filter("filter-0", Text::AllStatuses, Status::ALL.iter().map(|s| s.as_str()).collect(), status_label, status)}
            {filter("filter-1", Text::AllCategories, Category::ALL.iter().map(|s| s.as_str()).collect(), category_label, category)}
            {filter("filter-2", Text::AllChannels, Channel::ALL.iter().map(|s| s.as_str()).collect(), channel_label, channel)}
        </div>
        {move || match empty.get() {
            Some(message) => view! { <p class="empty">{tr(lang, message)}</p> }.into_any(),
            None => view! {
                <p class="list-count">{move || Text::ListCount.fill(lang.get(), &[&total()])}</p>
                <HtmlView html=Signal::derive(cards)/>
                <Show when=move || { more() > 0 }>
                    <p class="more">
                        <button type="button" class="btn" on:click=move |_| limit.update(|n| *n += PAGE)>
                            {move || Text::ShowMore.fill(lang.get(), &[&more()])}
                        </button>
                    </p>
                </Show>
            }.into_any(),
        }}
    }
}
