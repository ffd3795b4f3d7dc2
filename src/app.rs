//! The app shell: state, navigation, and the page the address names; the
//! sign-in page instead while there is no valid session.

use leptos::prelude::*;

use crate::components::{SyncBar, TopBar};
use crate::i18n::{tr, Text};
use crate::pages::{
    AdminPage, AnswerEditPage, AnswersPage, DetailPage, IntakePage, KpiPage, ListPage, ReportPage,
    SignInPage,
};
use crate::route::{provide_nav, Period, Route};
use crate::state::{provide_app_state, use_app_state, Boot};

/// Which page component shows: a route without its KPI period, so that
/// choosing another month updates the page instead of making it again.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Screen {
    List,
    Attention,
    New,
    Complaint(String),
    Kpi,
    Report,
    Answers,
    AnswerEdit(Option<String>),
    Admin,
    NotFound,
}

impl Screen {
    fn of(route: &Route) -> Screen {
        match route {
            Route::List => Screen::List,
            Route::Attention => Screen::Attention,
            Route::New => Screen::New,
            Route::Complaint(id) => Screen::Complaint(id.clone()),
            Route::Kpi(_) => Screen::Kpi,
            Route::Report(_) => Screen::Report,
            Route::Answers => Screen::Answers,
            Route::AnswerEdit(id) => Screen::AnswerEdit(id.clone()),
            Route::Admin => Screen::Admin,
            Route::NotFound(_) => Screen::NotFound,
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = provide_app_state();
    let nav = provide_nav();
    let signed_in = Memo::new(move |_| state.auth.with(|a| a.session().is_some()));
    let screen = Memo::new(move |_| nav.route.with(Screen::of));
    let period = Signal::derive(move || {
        nav.route.with(|r| match r {
            Route::Kpi(p) | Route::Report(p) => p.clone(),
            _ => Period::default(),
        })
    });
    let page = move || match screen.get() {
        Screen::List => view! { <ListPage attention=false/> }.into_any(),
        Screen::Attention => view! { <ListPage attention=true/> }.into_any(),
        Screen::New => view! { <IntakePage/> }.into_any(),
        Screen::Complaint(id) => view! { <DetailPage id/> }.into_any(),
        Screen::Kpi => view! { <KpiPage chosen=period/> }.into_any(),
        Screen::Report => view! { <ReportPage chosen=period/> }.into_any(),
        Screen::Answers => view! { <AnswersPage/> }.into_any(),
        Screen::AnswerEdit(id) => view! { <AnswerEditPage id/> }.into_any(),
        Screen::Admin => view! { <AdminPage/> }.into_any(),
        Screen::NotFound => view! {
            <p class="notice notice--error" role="alert">{tr(state.lang, Text::PageNotFound)}</p>
        }
        .into_any(),
    };
    // Until storage is open it is not known who is signed in: nothing to
    // show yet (not a sign-in form that a kept session replaces a moment later).
    let opening = Memo::new(move |_| state.boot.get() == Boot::Loading);
    let lang = state.lang;
    view! {
        <Show when=move || !opening.get()
            fallback=move || view! { <main><p class="empty" role="status">{tr(lang, Text::Loading)}</p></main> }>
            <Show when=move || signed_in.get() fallback=|| view! { <main><DamagedSettings/><SignInPage/></main> }>
                <TopBar/>
                <SyncBar/>
                <main><DamagedSettings/>{page}</main>
            </Show>
        </Show>
    }
}

/// Said once, after a start that found settings it could not read: they were
/// skipped for their defaults (and cleared, so the next start is silent).
#[component]
fn DamagedSettings() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let count = state.damaged_settings;
    move || {
        (count.get() > 0).then(|| {
            view! {
                <p class="notice notice--warn notice--closable" role="status">
                    <span data-testid="settings-reset">
                        {move || Text::SettingsReset.fill(lang.get(), &[&count.get()])}
                    </span>
                    <button type="button" class="btn" on:click=move |_| count.set(0)>{tr(lang, Text::Close)}</button>
                </p>
            }
        })
    }
}
