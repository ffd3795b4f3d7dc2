//! The app shell: state, top bar and routes.

use leptos::prelude::*;

use crate::components::{SyncBar, TopBar};
use crate::i18n::Text;
use crate::pages::{DetailPage, IntakePage, ListPage};
use crate::router::{provide_nav, Page};
use crate::state::provide_app_state;

#[component]
pub fn App() -> impl IntoView {
    let state = provide_app_state();
    let nav = provide_nav();
    view! {
        <TopBar/>
        <SyncBar/>
        <main>
            {move || match nav.page.get() {
                Page::List => view! { <ListPage attention=false/> }.into_any(),
                Page::Attention => view! { <ListPage attention=true/> }.into_any(),
                Page::New => view! { <IntakePage/> }.into_any(),
                Page::Detail(id) => view! { <DetailPage id/> }.into_any(),
                Page::NotFound => {
                    view! { <p class="notice notice--error">{move || Text::NotFound.get(state.lang.get())}</p> }.into_any()
                }
            }}
        </main>
    }
}
