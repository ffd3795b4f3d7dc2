//! Client-side routing for the app's pages, in a few lines instead of a
//! routing library (which cost ~40 KB of wasm): the path lives in a signal,
//! links (`<a data-link>`, followed by `components::follow_link`) push
//! history entries, and the back button pops them.

use leptos::prelude::*;

/// The pages of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// `/`: the complaint list.
    List,
    /// `/new`: intake.
    New,
    /// `/attention`: what is due soon or overdue.
    Attention,
    /// `/c/<id>`: one complaint.
    Detail(String),
    /// `/kpi[/<YYYY-MM>/<branch|all>]`: the KPI dashboard.
    Kpi(String),
    /// `/report/<YYYY-MM>/<branch|all>`: the monthly report.
    Report(String),
    NotFound,
}

impl Page {
    pub fn from_path(path: &str) -> Page {
        match path.trim_end_matches('/') {
            "" => Page::List,
            "/new" => Page::New,
            "/attention" => Page::Attention,
            "/kpi" => Page::Kpi(String::new()),
            other => match other.strip_prefix("/c/") {
                Some(id) if !id.is_empty() && !id.contains('/') => Page::Detail(id.to_string()),
                _ => match (other.strip_prefix("/kpi/"), other.strip_prefix("/report/")) {
                    (Some(rest), _) => Page::Kpi(rest.to_string()),
                    (_, Some(rest)) => Page::Report(rest.to_string()),
                    _ => Page::NotFound,
                },
            },
        }
    }
}

/// The current location, provided as context.
#[derive(Clone, Copy)]
pub struct Nav {
    path: RwSignal<String>,
    pub page: Memo<Page>,
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".into())
}

/// Starts following the address bar; call once in the app shell.
pub fn provide_nav() -> Nav {
    let path = RwSignal::new(current_path());
    let nav = Nav {
        path,
        page: Memo::new(move |_| Page::from_path(&path.get())),
    };
    let handle = window_event_listener(leptos::ev::popstate, move |_| path.set(current_path()));
    on_cleanup(move || handle.remove());
    provide_context(nav);
    nav
}

pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}

impl Nav {
    /// Goes to `path`, adding a history entry.
    pub fn go(&self, path: &str) {
        if let Some(w) = web_sys::window() {
            if let Ok(history) = w.history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
            }
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.path.set(path.to_string());
    }

    pub fn path(&self) -> Signal<String> {
        self.path.into()
    }
}
