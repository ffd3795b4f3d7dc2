//! What a crash shows: a panic's message in the console and a bar on the
//! page that says the app stopped and offers to reload it.
//!
//! Without this, a panic in the release build (`panic = "abort"`) shows
//! only `RuntimeError: unreachable` in the console and leaves a page that
//! no longer answers. Everything the user saved is in IndexedDB and every
//! form keeps its draft there, so reloading loses nothing that was kept.
//! The bar is built with DOM calls (text nodes only), not through the
//! reactive system, which is what just failed.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Text;

/// Installs the panic hook (once, before the app mounts).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&message));
        show_bar(&message);
    }));
}

/// The language the page is in (`<html lang>`, kept by the app).
fn page_lang() -> complaints_domain::Lang {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .and_then(|tag| complaints_domain::Lang::from_tag(&tag))
        .unwrap_or_default()
}

/// Puts the bar on the page: what happened, the detail, and "reload".
/// Public for the browser tests; the hook calls it.
pub fn show_bar(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    if doc.get_element_by_id("panic-bar").is_some() {
        return;
    }
    let lang = page_lang();
    let make = |tag: &str, class: &str, text: &str| {
        let el = doc.create_element(tag).ok()?;
        el.set_class_name(class);
        el.set_text_content(Some(text));
        Some(el)
    };
    let Some(bar) = make("div", "panic-bar", "") else {
        return;
    };
    bar.set_id("panic-bar");
    let _ = bar.set_attribute("role", "alert");
    let _ = bar.set_attribute("data-testid", "panic-bar");
    let parts = [
        make("p", "panic-bar__title", Text::PanicTitle.get(lang)),
        make("p", "panic-bar__detail", message),
    ];
    for part in parts.into_iter().flatten() {
        let _ = bar.append_child(&part);
    }
    if let Some(button) = make("button", "btn btn--primary", Text::Reload.get(lang)) {
        let _ = button.set_attribute("type", "button");
        let reload = Closure::<dyn Fn()>::new(crate::platform::reload);
        if let Some(target) = button.dyn_ref::<web_sys::HtmlElement>() {
            target.set_onclick(Some(reload.as_ref().unchecked_ref()));
        }
        // Lives as long as the page.
        reload.forget();
        let _ = bar.append_child(&button);
    }
    let _ = body.append_child(&bar);
}
