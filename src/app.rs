//! The app shell: state, top bar and routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{SyncBar, TopBar};
use crate::i18n::Text;
use crate::pages::{DetailPage, IntakePage, ListPage};
use crate::state::provide_app_state;

#[component]
pub fn App() -> impl IntoView {
    let state = provide_app_state();
    let not_found = move || view! { <p class="notice notice--error">{Text::NotFound.get(state.lang.get())}</p> };
    view! {
        <Router>
            <TopBar/>
            <SyncBar/>
            <main>
                <Routes fallback=not_found>
                    <Route path=path!("/") view=ListPage/>
                    <Route path=path!("/new") view=IntakePage/>
                    <Route path=path!("/c/:id") view=DetailPage/>
                </Routes>
            </main>
        </Router>
    }
}
