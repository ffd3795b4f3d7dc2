//! The app's pages as one enum, and the address of each.
//!
//! Every link and every navigation is built from a [`Route`]: a page that
//! is renamed or gets a new parameter is changed here once, and the
//! compiler finds every place that links to it. [`Route::parse`] and
//! [`Route::path`] are each other's inverse (tested below).
//!
//! Our own few lines rather than `leptos_router`: the app has nine pages and
//! no nested layouts; what the router would cost is measured in the
//! README's "Size" section.
//! Navigation is a signal holding the current route, history entries pushed
//! on [`Nav::go`] and popped by the back button.

use std::fmt;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A month of the KPI pages, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// `2026-11` → November 2026; anything else → `None`.
    pub fn parse(text: &str) -> Option<Month> {
        let (y, m) = text.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let month: u32 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month {
            year: y.parse().ok()?,
            month,
        })
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Which branches a KPI page covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Branches {
    /// Every branch the user sees on this device.
    All,
    /// One branch, by its code.
    One(String),
}

impl Branches {
    fn parse(text: &str) -> Option<Branches> {
        match text {
            "" => None,
            "all" => Some(Branches::All),
            code => Some(Branches::One(code.to_string())),
        }
    }

    /// The path segment (`all` or the code).
    pub fn code(&self) -> &str {
        match self {
            Branches::All => "all",
            Branches::One(code) => code,
        }
    }
}

/// What a KPI page shows; `None` parts are chosen by the page (the current
/// month; the user's branch when they have one, else all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Period {
    pub month: Option<Month>,
    pub branches: Option<Branches>,
}

impl Period {
    pub fn new(month: Month, branches: Branches) -> Period {
        Period {
            month: Some(month),
            branches: Some(branches),
        }
    }

    /// From the segments after `/kpi/` or `/report/`.
    fn parse(rest: &[&str]) -> Option<Period> {
        match rest {
            [] => Some(Period::default()),
            [month] => Some(Period {
                month: Some(Month::parse(month)?),
                branches: None,
            }),
            [month, branch] => Some(Period {
                month: Some(Month::parse(month)?),
                branches: Some(Branches::parse(branch)?),
            }),
            _ => None,
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.month, &self.branches) {
            (Some(m), Some(b)) => write!(f, "/{m}/{}", b.code()),
            (Some(m), None) => write!(f, "/{m}"),
            // A branch without a month is written with the month left out
            // of the address: not a shape the app makes.
            (None, _) => Ok(()),
        }
    }
}

/// A page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: the complaint list.
    List,
    /// `/attention`: complaints due soon or overdue.
    Attention,
    /// `/new`: intake.
    New,
    /// `/c/<id>`: one complaint.
    Complaint(String),
    /// `/kpi[/<YYYY-MM>[/<branch|all>]]`: the KPI dashboard.
    Kpi(Period),
    /// `/report[/<YYYY-MM>[/<branch|all>]]`: the printable monthly report.
    Report(Period),
    /// `/answers`: the standard answers, searched.
    Answers,
    /// `/answers/<id>`: a manager's editor of one answer; `/answers/new`
    /// (`None`): of a new one.
    AnswerEdit(Option<String>),
    /// `/admin`: people and devices (administrators and branch managers).
    Admin,
    /// Any other address (kept to show it).
    NotFound(String),
}

impl Route {
    /// The page at `path` (the address's path, e.g. `location.pathname`).
    pub fn parse(path: &str) -> Route {
        let trimmed = path.trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        let found = match segments.as_slice() {
            [] => Some(Route::List),
            ["attention"] => Some(Route::Attention),
            ["new"] => Some(Route::New),
            ["c", id] if !id.is_empty() => Some(Route::Complaint(id.to_string())),
            ["kpi", rest @ ..] => Period::parse(rest).map(Route::Kpi),
            ["report", rest @ ..] => Period::parse(rest).map(Route::Report),
            ["answers"] => Some(Route::Answers),
            ["admin"] => Some(Route::Admin),
            ["answers", "new"] => Some(Route::AnswerEdit(None)),
            ["answers", id] if complaints_domain::answers::parse_id(id).is_some() => {
                Some(Route::AnswerEdit(Some(id.to_string())))
            }
            _ => None,
        };
        found.unwrap_or_else(|| Route::NotFound(path.to_string()))
    }

    /// The address of this page.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Whether a link to `self` names the page `current` shows (for
    /// `aria-current`): any KPI page for the KPI link.
    pub fn is_section_of(&self, current: &Route) -> bool {
        match (self, current) {
            (Route::Kpi(_), Route::Kpi(_) | Route::Report(_)) => true,
            (Route::Answers, Route::AnswerEdit(_)) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::List => f.write_str("/"),
            Route::Attention => f.write_str("/attention"),
            Route::New => f.write_str("/new"),
            Route::Complaint(id) => write!(f, "/c/{id}"),
            Route::Kpi(p) => {
                f.write_str("/kpi")?;
                p.write(f)
            }
            Route::Report(p) => {
                f.write_str("/report")?;
                p.write(f)
            }
            Route::Answers => f.write_str("/answers"),
            Route::AnswerEdit(None) => f.write_str("/answers/new"),
            Route::AnswerEdit(Some(id)) => write!(f, "/answers/{id}"),
            Route::Admin => f.write_str("/admin"),
            Route::NotFound(path) => f.write_str(path),
        }
    }
}

/// The current page, provided as context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub route: Memo<Route>,
    path: RwSignal<String>,
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
        route: Memo::new(move |_| Route::parse(&path.get())),
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
    /// Goes to `route`, adding a history entry.
    pub fn go(&self, route: &Route) {
        let path = route.path();
        if let Some(w) = web_sys::window() {
            if let Ok(history) = w.history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
            }
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.path.set(path);
    }
}

/// Follows a tapped in-app link (`<a data-link>`, as [`crate::html`] and
/// [`Link`] make them) without reloading the page; `true` when the tap was
/// on such a link.
pub fn follow_link(ev: &leptos::ev::MouseEvent) -> bool {
    let link = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest("a[data-link]").ok().flatten());
    let Some(link) = link else {
        return false;
    };
    // A modified or middle click opens a new tab as usual.
    if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
        return true;
    }
    if let Some(href) = link.get_attribute("href") {
        ev.prevent_default();
        use_nav().go(&Route::parse(&href));
    }
    true
}

/// A link to `to`, marked `aria-current="page"` while that page shows.
#[component]
pub fn Link(
    to: Route,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] testid: &'static str,
    children: Children,
) -> impl IntoView {
    let nav = use_nav();
    let href = to.path();
    let current = move || nav.route.with(|r| to.is_section_of(r)).then_some("page");
    view! {
        <a href=href class=class data-link data-testid=(!testid.is_empty()).then_some(testid)
            aria-current=current on:click=move |ev| { follow_link(&ev); }>
            {children()}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser with the other wasm tests (scripts/test), so the test
    // command never compiles Leptos natively just for these.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn every_shape() -> Vec<Route> {
        let nov = Month {
            year: 2026,
            month: 11,
        };
        vec![
            Route::List,
            Route::Attention,
            Route::New,
            Route::Complaint("0b9c5a1e-4f7d-4c1a-9a53-2f1e6a0c7d11".into()),
            Route::Kpi(Period::default()),
            Route::Kpi(Period {
                month: Some(nov),
                branches: None,
            }),
            Route::Kpi(Period::new(nov, Branches::All)),
            Route::Kpi(Period::new(nov, Branches::One("BJ01".into()))),
            Route::Report(Period::default()),
            Route::Report(Period::new(
                Month {
                    year: 2025,
                    month: 1,
                },
                Branches::One("SH01".into()),
            )),
            Route::Answers,
            Route::AnswerEdit(None),
            Route::AnswerEdit(Some("ans:region:HB:roadside-puncture".into())),
            Route::Admin,
            Route::NotFound("/nope".into()),
        ]
    }

    #[test]
    fn every_route_reads_back_from_its_path() {
        for route in every_shape() {
            assert_eq!(Route::parse(&route.path()), route, "{}", route.path());
        }
    }

    #[test]
    fn every_canonical_path_prints_back() {
        for path in [
            "/",
            "/attention",
            "/new",
            "/c/abc",
            "/kpi",
            "/kpi/2026-11",
            "/kpi/2026-11/all",
            "/kpi/2026-11/BJ01",
            "/report",
            "/report/2026-02/BJ02",
            "/answers",
            "/answers/new",
            "/answers/ans:all:tpms-light",
            "/admin",
        ] {
            assert_eq!(Route::parse(path).path(), path);
        }
    }

    #[test]
    fn trailing_slashes_are_the_same_page() {
        assert_eq!(Route::parse("/new/"), Route::New);
        assert_eq!(Route::parse(""), Route::List);
        assert_eq!(Route::parse("/c/x/"), Route::Complaint("x".into()));
    }

    #[test]
    fn malformed_addresses_are_not_found() {
        for path in [
            "/c",
            "/c/",
            "/c/a/b",
            "/kpi/2026-13",
            "/kpi/26-11/BJ01",
            "/kpi/2026-11/BJ01/x",
            "/report/november",
            "/newx",
            "/answers/x",
            "/answers/ans:nobody:x",
            "/answers/new/x",
        ] {
            assert_eq!(Route::parse(path), Route::NotFound(path.into()), "{path}");
        }
    }

    #[test]
    fn the_kpi_link_is_current_on_every_kpi_page_and_the_report() {
        let kpi = Route::Kpi(Period::default());
        assert!(kpi.is_section_of(&Route::parse("/kpi/2026-11/BJ01")));
        assert!(kpi.is_section_of(&Route::parse("/report/2026-11/BJ01")));
        assert!(!kpi.is_section_of(&Route::List));
        assert!(Route::New.is_section_of(&Route::New));
        assert!(!Route::New.is_section_of(&Route::List));
    }

    #[test]
    fn months_are_checked() {
        assert_eq!(
            Month::parse("2026-02").map(|m| m.to_string()).as_deref(),
            Some("2026-02")
        );
        for bad in [
            "2026-00", "2026-13", "2026-1", "20261-01", "2026/01", "abcd-ef", "",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
