//! The complaint list: newest first, with search and filters; and the
//! "needs attention" view of the same list.
//!
//! The cards are drawn as escaped HTML (one string per page of cards, links
//! followed by one click handler): hundreds of cards as reactive views cost
//! the app far more download than they are worth.

use complaints_domain::handling::{escalation_level, major_mark, Level};
use complaints_domain::search::filter_and_sort;
use complaints_domain::sla::most_urgent;
use complaints_domain::{Category, Channel, Complaint, Labelled, Lang, ListQuery, Status};
use leptos::prelude::*;

use crate::components::{clock_html, code_labels, esc, follow_link, options_html};
use crate::i18n::{tr, Text};
use crate::platform;
use crate::state::{use_app_state, Boot};

/// How many cards the list shows before "Show more".
const PAGE: usize = 100;

fn short_time(at: chrono::DateTime<chrono::Utc>) -> String {
    complaints_domain::timefmt::date_time(at.with_timezone(&platform::local_offset()).naive_local())
}

/// One card of the list.
fn card_html(c: &Complaint, now: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let level = escalation_level(c);
    let mut badges = String::new();
    if level != Level::Branch {
        badges += &format!(
            r#"<span class="badge level level--{}" data-testid="card-level">{}</span>"#,
            level.as_str(),
            level.label(lang)
        );
    }
    if major_mark(c).is_some() {
        badges += &format!(
            r#"<span class="badge badge--major">{}</span>"#,
            lang.pick("重大投诉", "Major")
        );
    }
    if let Some((clock, _)) = most_urgent(c, now) {
        badges += &clock_html(&clock, now, lang);
    }
    format!(
        r#"<li><a href="/c/{}" class="complaint-card" data-link><div class="complaint-card__top"><span class="complaint-card__name">{}</span><span class="complaint-card__case">{}</span><span class="badge badge--{}">{}</span><span class="badge">{}</span>{badges}<span class="complaint-card__when">{}</span></div><p class="complaint-card__content">{}</p></a></li>"#,
        esc(&c.id),
        esc(&c.customer_name),
        esc(&c.case_number),
        c.status.as_str(),
        c.status.label(lang),
        c.category.label(lang),
        short_time(c.received_at),
        esc(&c.content),
    )
}

/// The list; with `attention`, only complaints whose handling clock is due
/// soon or overdue, the most urgent first.
#[component]
pub fn ListPage(attention: bool) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let text = RwSignal::new(String::new());
    // The filters, as the codes chosen ("" = all).
    let filters: [RwSignal<String>; 3] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let shown = Memo::new(move |_| {
        let query = ListQuery {
            text: text.get(),
            status: Status::from_code(&filters[0].get()),
            category: Category::from_code(&filters[1].get()),
            channel: Channel::from_code(&filters[2].get()),
        };
        let list = state.complaints.with(|all| filter_and_sort(all, &query));
        if !attention {
            return list;
        }
        let now = state.now.get();
        // Most urgent first, kept in order as they come (few are due at a
        // time; a sort would ship one more copy of the sorting code).
        let mut due: Vec<(chrono::DateTime<chrono::Utc>, Complaint)> = Vec::new();
        for c in list {
            if let Some((clock, s)) = most_urgent(&c, now) {
                if s.needs_attention() {
                    let at = due.partition_point(|(d, _)| *d <= clock.due);
                    due.insert(at, (clock.due, c));
                }
            }
        }
        due.into_iter().map(|(_, c)| c).collect()
    });
    // A cheap tablet cannot lay out thousands of cards: show a page, then more on request.
    let shown_limit = RwSignal::new(PAGE);
    Effect::new(move |_| {
        text.track();
        filters.iter().for_each(|f| f.track());
        shown_limit.set(PAGE);
    });
    let flash = state.flash.get_untracked();
    state.flash.set(None);

    let filter = move |i: usize, all: Text| {
        let html = move || {
            let lang = lang.get();
            let list = match i {
                0 => code_labels(Status::ALL, Status::as_str, lang),
                1 => code_labels(Category::ALL, Category::as_str, lang),
                _ => code_labels(Channel::ALL, Channel::as_str, lang),
            };
            options_html(Some(all.get(lang)), list, &filters[i].get_untracked())
        };
        view! {
            <select id=format!("filter-{i}") aria-label=move || all.get(lang.get()) inner_html={Signal::derive(html)}
                on:change=move |ev| filters[i].set(event_target_value(&ev))></select>
        }
    };

    let cards = move || {
        let lang = lang.get();
        // The clock chips count down: the cards are drawn again every 30 s.
        let now = state.now.get();
        shown.with(|list| {
            list.iter()
                .take(shown_limit.get())
                .map(|c| card_html(c, now, lang))
                .collect::<String>()
        })
    };

    view! {
        <h1>{tr(lang, if attention { Text::NeedsAttention } else { Text::Complaints })}</h1>
        {flash.map(|message| view! { <p class="notice notice--ok" role="status">{message}</p> })}
        {move || match state.boot.get() {
            Boot::Failed(_) => Some(view! { <p class="notice notice--error" role="alert">{Text::StorageFailed.get(lang.get())}</p> }),
            _ => None,
        }}
        {move || {
            let bad = state.unreadable.with(Vec::len);
            (bad > 0).then(|| view! {
                <p class="notice notice--warn" role="alert" data-testid="unreadable">
                    {format!("{bad} {}", Text::UnreadableRecords.get(lang.get()))}
                </p>
            })
        }}
        <div class="toolbar" role="search">
            <div class="toolbar__search">
                <label class="visually-hidden" for="search">{tr(lang, Text::Search)}</label>
                <input id="search" type="search" placeholder=tr(lang, Text::SearchPlaceholder)
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            </div>
            {filter(0, Text::AllStatuses)}
            {filter(1, Text::AllCategories)}
            {filter(2, Text::AllChannels)}
        </div>
        {move || {
            let lang = lang.get();
            let total = shown.with(Vec::len);
            let message = if state.boot.get() == Boot::Loading {
                Some(Text::Loading)
            } else if total > 0 {
                None
            } else if attention {
                Some(Text::NothingDue)
            } else if state.complaints.with(Vec::is_empty) {
                Some(Text::NoComplaints)
            } else {
                Some(Text::NoMatches)
            };
            let count = match lang {
                Lang::Zh => format!("共 {total} 条"),
                Lang::En => format!("{total} complaints"),
            };
            let more = total.saturating_sub(shown_limit.get());
            match message {
                Some(m) => view! { <p class="empty">{m.get(lang)}</p> }.into_any(),
                None => view! {
                    <p class="list-count">{count}</p>
                    <ul class="complaint-list" data-testid="complaint-list" inner_html={Signal::derive(cards)}
                        on:click=move |ev| { follow_link(&ev); }></ul>
                    {(more > 0).then(|| view! {
                        <p class="more">
                            <button type="button" class="btn" on:click=move |_| shown_limit.update(|n| *n += PAGE)>
                                {match lang {
                                    Lang::Zh => format!("显示更多（还有 {more} 条）"),
                                    Lang::En => format!("Show more ({more} left)"),
                                }}
                            </button>
                        </p>
                    })}
                }.into_any(),
            }
        }}
    }
}
