//! The app shell: state, top bar and routes; the sign-in page instead of
//! any route while there is no valid session (the bars hide themselves).

use leptos::prelude::*;

use crate::components::{SyncBar, TopBar};
use crate::i18n::{tr, Text};
use crate::pages::{Choice, DetailPage, IntakePage, KpiPage, ListPage, SignInPage};
use crate::router::{provide_nav, Page};
use crate::state::provide_app_state;

#[component]
pub fn App() -> impl IntoView {
    let state = provide_app_state();
    let nav = provide_nav();
    let signed_in = Memo::new(move |_| state.auth.with(|a| a.session().is_some()));
    // The month and branch of the KPI pages, from the path.
    let choice = Memo::new(move |_| match nav.page.get() {
        Page::Kpi(rest) | Page::Report(rest) => Choice::resolve(&rest, state),
        _ => Choice::resolve("", state),
    });
    view! {
        <TopBar/>
        <SyncBar/>
        <main>
            {move || match nav.page.get() {
                _ if !signed_in.get() => view! { <SignInPage/> }.into_any(),
                Page::List => view! { <ListPage attention=false/> }.into_any(),
                Page::Attention => view! { <ListPage attention=true/> }.into_any(),
                Page::New => view! { <IntakePage/> }.into_any(),
                Page::Detail(id) => view! { <DetailPage id/> }.into_any(),
                Page::Kpi(_) => view! { <KpiPage choice report=false/> }.into_any(),
                Page::Report(_) => view! { <KpiPage choice report=true/> }.into_any(),
                Page::NotFound => {
                    view! { <p class="notice notice--error">{tr(state.lang, Text::NotFound)}</p> }.into_any()
                }
            }}
        </main>
    }
}
