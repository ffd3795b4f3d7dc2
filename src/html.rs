//! The one place text becomes HTML.
//!
//! Most of the app is `view!` components: Leptos puts text into text nodes
//! and attributes, so nothing a user or another tablet typed can become
//! markup. A few read-only parts that show many rows at once (the list's
//! cards, the timeline, the history, the KPI charts and the printable
//! report) are drawn as one piece of HTML each instead, because that is
//! cheaper to ship and to lay out than a reactive view per row. Those parts
//! go through this module, and only through it:
//!
//! - [`Html`] can be made only by escaping text ([`Html::text`]), by
//!   building an element whose tag and attribute names are `&'static str`
//!   constants and whose attribute values are escaped ([`el`]), or by joining
//!   such values. There is no way to wrap an arbitrary string, so a forgotten
//!   escape cannot compile.
//! - Links inside an [`Html`] are made from a [`Route`] only ([`Element::link`]),
//!   so no `href` can carry a `javascript:` address, and no element can carry
//!   an event handler attribute or an inline style (debug builds assert it;
//!   the CSP refuses both anyway).
//! - [`HtmlView`] is the only component that sets `inner_html`, and it takes
//!   nothing but an [`Html`]. `scripts/lint` (crates/lint) fails the build when
//!   `inner_html` or a string literal holding markup appears anywhere else.

use std::fmt::Write;

use leptos::prelude::*;

use crate::route::{follow_link, Route};

/// A piece of HTML that is safe to put in the page: every text in it was
/// escaped, every name in it is a constant of this program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Nothing.
    pub fn empty() -> Html {
        Html(String::new())
    }

    /// `text`, escaped: it shows as typed and can never become markup.
    pub fn text(text: &str) -> Html {
        let mut out = Html(String::with_capacity(text.len()));
        escape_into(&mut out.0, text);
        out
    }

    /// `self` followed by `next`.
    pub fn push(&mut self, next: impl Into<Html>) {
        self.0.push_str(&next.into().0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The markup, for tests and for [`HtmlView`].
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromIterator<Html> for Html {
    fn from_iter<I: IntoIterator<Item = Html>>(iter: I) -> Html {
        let mut out = Html::empty();
        for part in iter {
            out.0.push_str(&part.0);
        }
        out
    }
}

impl FromIterator<Element> for Html {
    fn from_iter<I: IntoIterator<Item = Element>>(iter: I) -> Html {
        iter.into_iter().map(Html::from).collect()
    }
}

impl From<Element> for Html {
    fn from(e: Element) -> Html {
        e.close()
    }
}

/// Escapes `text` for element content and double-quoted attribute values.
fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Whether `name` is a plain lower-case tag or attribute name.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Elements without content or end tag.
const VOID: &[&str] = &["br", "hr", "img", "input", "wbr"];

/// An element being built: `el("li").class("tl").child(...)`.
#[derive(Debug)]
#[must_use]
pub struct Element {
    tag: &'static str,
    open: String,
    children: Html,
}

/// Starts an element named `tag` (a lower-case constant such as `"li"`).
pub fn el(tag: &'static str) -> Element {
    debug_assert!(plain_name(tag), "not a tag name: {tag}");
    Element {
        tag,
        open: format!("<{tag}"),
        children: Html::empty(),
    }
}

impl Element {
    /// Adds `name="value"`, the value escaped. Names are constants; event
    /// handlers, inline styles and addresses are not allowed here (see
    /// [`Element::link`]).
    pub fn attr(mut self, name: &'static str, value: impl std::fmt::Display) -> Element {
        debug_assert!(
            plain_name(name)
                && !name.starts_with("on")
                && !matches!(name, "style" | "href" | "src" | "action" | "formaction"),
            "attribute not allowed in Html: {name}"
        );
        let _ = write!(self.open, " {name}=\"");
        escape_into(&mut self.open, &value.to_string());
        self.open.push('"');
        self
    }

    /// `class="…"`.
    pub fn class(self, value: impl std::fmt::Display) -> Element {
        self.attr("class", value)
    }

    /// Adds the attribute only when `value` is `Some`.
    pub fn attr_opt(self, name: &'static str, value: Option<impl std::fmt::Display>) -> Element {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    /// A boolean attribute (`open`, `hidden`…), present when `on`.
    pub fn flag(mut self, name: &'static str, on: bool) -> Element {
        debug_assert!(plain_name(name) && !name.starts_with("on"));
        if on {
            let _ = write!(self.open, " {name}");
        }
        self
    }

    /// Makes this (an `<a>`) a link to `route`, followed inside the app.
    pub fn link(mut self, route: &Route) -> Element {
        debug_assert_eq!(self.tag, "a");
        self.open.push_str(" href=\"");
        escape_into(&mut self.open, &route.path());
        self.open.push_str("\" data-link");
        self
    }

    /// Appends `child` to the content.
    pub fn child(mut self, child: impl Into<Html>) -> Element {
        debug_assert!(!VOID.contains(&self.tag));
        self.children.push(child);
        self
    }

    /// Appends `text`, escaped.
    pub fn text(self, text: &str) -> Element {
        self.child(Html::text(text))
    }

    /// Appends every child.
    pub fn children<T: Into<Html>>(mut self, children: impl IntoIterator<Item = T>) -> Element {
        for c in children {
            self.children.push(c);
        }
        self
    }

    fn close(self) -> Html {
        let mut out = self.open;
        out.push('>');
        if !VOID.contains(&self.tag) {
            out.push_str(&self.children.0);
            let _ = write!(out, "</{}>", self.tag);
        }
        Html(out)
    }
}

/// Shows an [`Html`] fragment, following its in-app links without a page
/// load. The only `inner_html` of the app.
#[component]
pub fn HtmlView(
    /// What to show; redrawn when it changes.
    #[prop(into)]
    html: Signal<Html>,
    /// The class of the wrapping `<div>`.
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <div class=class inner_html=move || html.with(|h| h.0.clone())
            on:click=move |ev| { follow_link(&ev); }></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser with the other wasm tests (scripts/test), so the test
    // command never compiles Leptos natively just for these.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn text_is_escaped_everywhere() {
        let payload = r#"<img src=x onerror="alert(1)"> & 'x' </textarea><script>"#;
        let html: Html = el("li")
            .attr("data-user", payload)
            .child(el("p").text(payload))
            .into();
        assert_eq!(
            html.as_str(),
            "<li data-user=\"&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;x&#39; &lt;/textarea&gt;&lt;script&gt;\">\
             <p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;x&#39; &lt;/textarea&gt;&lt;script&gt;</p></li>"
        );
    }

    #[test]
    fn links_come_from_routes() {
        let html: Html = el("a")
            .link(&Route::Complaint("a\"b".into()))
            .text("x")
            .into();
        assert_eq!(html.as_str(), "<a href=\"/c/a&quot;b\" data-link>x</a>");
    }

    #[test]
    fn void_elements_have_no_end_tag_and_flags_show_when_on() {
        let html: Html = el("details")
            .flag("open", true)
            .flag("hidden", false)
            .child(el("br"))
            .into();
        assert_eq!(html.as_str(), "<details open><br></details>");
    }

    #[test]
    fn joining_keeps_order() {
        let html: Html = ["a", "<b>"].iter().map(|t| Html::text(t)).collect();
        assert_eq!(html.as_str(), "a&lt;b&gt;");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "attribute not allowed")]
    fn event_handler_attributes_are_refused() {
        let _ = el("img").attr("onerror", "alert(1)");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "attribute not allowed")]
    fn addresses_only_through_routes() {
        let _ = el("a").attr("href", "javascript:alert(1)");
    }
}
