//! The complaint list: newest first, with search and filters.

use complaints_domain::search::filter_and_sort;
use complaints_domain::{Category, Channel, Labelled, Lang, ListQuery, Status};
use leptos::prelude::*;

use complaints_domain::handling::{escalation_level, major_mark, Level};
use complaints_domain::sla::most_urgent;

use crate::components::{clock_html, StatusBadge};
use crate::i18n::Text;
use crate::platform;
use crate::router::Link;
use crate::state::{use_app_state, Boot};

/// A filter `<select>` over one enumeration, with an "all" option.
#[component]
fn FilterSelect<T>(
    label: Text,
    all_label: Text,
    values: &'static [T],
    code: fn(T) -> &'static str,
    from_code: fn(&str) -> Option<T>,
    selected: RwSignal<Option<T>>,
) -> impl IntoView
where
    T: Labelled + Copy + PartialEq + Send + Sync + 'static,
{
    let lang = use_app_state().lang;
    view! {
        <label class="visually-hidden" for=format!("filter-{}", label as u8)>{move || label.get(lang.get())}</label>
        <select id=format!("filter-{}", label as u8) aria-label=move || label.get(lang.get())
            on:change=move |ev| selected.set(from_code(&event_target_value(&ev)))>
            {move || {
                let lang = lang.get();
                let current = selected.get();
                let all = view! { <option value="" selected=current.is_none()>{all_label.get(lang)}</option> };
                let options = values.iter().map(|v| {
                    view! { <option value=code(*v) selected=current == Some(*v)>{v.label(lang)}</option> }
                }).collect_view();
                view! { {all} {options} }
            }}
        </select>
    }
}

/// How many cards the list shows before "Show more".
const PAGE: usize = 100;

fn short_time(at: chrono::DateTime<chrono::Utc>) -> String {
    complaints_domain::timefmt::date_time(at.with_timezone(&platform::local_offset()).naive_local())
}

/// The list; with `attention`, only complaints whose handling clock is due
/// soon or overdue, the most urgent first.
#[component]
pub fn ListPage(attention: bool) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let text = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Status>);
    let category = RwSignal::new(None::<Category>);
    let channel = RwSignal::new(None::<Channel>);
    let shown = Memo::new(move |_| {
        let query = ListQuery {
            text: text.get(),
            status: status.get(),
            category: category.get(),
            channel: channel.get(),
        };
        let list = state.complaints.with(|all| filter_and_sort(all, &query));
        if !attention {
            return list;
        }
        let now = state.now.get();
        let mut due: Vec<_> = list
            .into_iter()
            .filter_map(|c| {
                let (clock, s) = most_urgent(&c, now)?;
                s.needs_attention().then_some((clock.due, c))
            })
            .collect();
        due.sort_by_key(|(due, _)| *due);
        due.into_iter().map(|(_, c)| c).collect()
    });
    // A cheap tablet cannot lay out thousands of cards: show a page, then more on request.
    let shown_limit = RwSignal::new(PAGE);
    Effect::new(move |_| {
        let _ = (text.get(), status.get(), category.get(), channel.get());
        shown_limit.set(PAGE);
    });
    let flash = state.flash.get_untracked();
    state.flash.set(None);

    view! {
        <h1>{move || if attention { Text::NeedsAttention } else { Text::Complaints }.get(lang.get())}</h1>
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
                <label class="visually-hidden" for="search">{move || Text::Search.get(lang.get())}</label>
                <input id="search" type="search" placeholder=move || Text::SearchPlaceholder.get(lang.get())
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            </div>
            <FilterSelect label=Text::AllStatuses all_label=Text::AllStatuses values=Status::ALL
                code=Status::as_str from_code=Status::from_code selected=status/>
            <FilterSelect label=Text::AllCategories all_label=Text::AllCategories values=Category::ALL
                code=Category::as_str from_code=Category::from_code selected=category/>
            <FilterSelect label=Text::AllChannels all_label=Text::AllChannels values=Channel::ALL
                code=Channel::as_str from_code=Channel::from_code selected=channel/>
        </div>
        {move || {
            let lang = lang.get();
            if state.boot.get() == Boot::Loading {
                return view! { <p class="empty">{Text::Loading.get(lang)}</p> }.into_any();
            }
            let total = shown.with(Vec::len);
            if total == 0 {
                let empty = if attention { Text::NothingDue } else if state.complaints.with(Vec::is_empty) { Text::NoComplaints } else { Text::NoMatches };
                return view! { <p class="empty">{empty.get(lang)}</p> }.into_any();
            }
            let count = match lang {
                Lang::Zh => format!("共 {total} 条"),
                Lang::En => format!("{total} complaints"),
            };
            view! {
                <p class="list-count">{count}</p>
                <ul class="complaint-list" data-testid="complaint-list">
                    {shown.with(|list| list.iter().take(shown_limit.get()).cloned().collect::<Vec<_>>()).into_iter().map(|c| {
                        let level = escalation_level(&c);
                        let major = major_mark(&c).is_some();
                        let urgent = most_urgent(&c, state.now.get_untracked())
                            .map(|(k, _)| clock_html(&k, state.now.get_untracked(), lang))
                            .unwrap_or_default();
                        view! {
                        <li>
                            <Link href=format!("/c/{}", c.id) class="complaint-card">
                                <div class="complaint-card__top">
                                    <span class="complaint-card__name">{c.customer_name.clone()}</span>
                                    <span class="complaint-card__case">{c.case_number.clone()}</span>
                                    <StatusBadge status=c.status/>
                                    <span class="badge">{c.category.label(lang)}</span>
                                    {(level != Level::Branch).then(|| view! { <span class=format!("badge level level--{}", level.as_str()) data-testid="card-level">{level.label(lang)}</span> })}
                                    {major.then(|| view! { <span class="badge badge--major">{lang.pick("重大投诉", "Major")}</span> })}
                                    <span inner_html=urgent></span>
                                    <span class="complaint-card__when">{short_time(c.received_at)}</span>
                                </div>
                                <p class="complaint-card__content">{c.content.clone()}</p>
                            </Link>
                        </li>
                    }}).collect_view()}
                </ul>
                {(total > shown_limit.get()).then(|| view! {
                    <p class="more">
                        <button type="button" class="btn" on:click=move |_| shown_limit.update(|n| *n += PAGE)>
                            {match lang {
                                Lang::Zh => format!("显示更多（还有 {} 条）", total - shown_limit.get_untracked()),
                                Lang::En => format!("Show more ({} left)", total - shown_limit.get_untracked()),
                            }}
                        </button>
                    </p>
                })}
            }.into_any()
        }}
    }
}
