//! The few browser facts the app needs, behind plain functions: network
//! state, preferred languages, the local time zone, remembered preferences,
//! the service worker registration and persistent storage.

use chrono::{FixedOffset, Local, Offset};
use complaints_domain::Lang;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const LANG_KEY: &str = "complaints.lang";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// `at` as the user reads it: date and time in the device's time zone.
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    complaints_domain::timefmt::date_time(at.with_timezone(&local_offset()).naive_local())
}

/// Whether the browser believes it has a network connection.
pub fn is_online() -> bool {
    window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

/// The device's current offset from UTC.
pub fn local_offset() -> FixedOffset {
    Local::now().offset().fix()
}

/// The language to start in: the remembered choice, else the browser's preference.
pub fn initial_lang() -> Lang {
    let remembered = window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|tag| Lang::from_tag(&tag));
    remembered.unwrap_or_else(|| {
        let prefs: Vec<String> = window()
            .map(|w| {
                w.navigator()
                    .languages()
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default();
        Lang::from_preferences(prefs.iter().map(String::as_str))
    })
}

/// Remembers the user's language choice on this device.
pub fn remember_lang(lang: Lang) {
    if let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) {
        // A full or disabled storage only means the choice is not remembered.
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
    if let Some(html) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
    }
}

/// Registers `/sw.js`, which makes the app open with no network.
pub fn register_service_worker() {
    let Some(w) = window() else { return };
    let navigator = w.navigator();
    // Browsers without service workers (or insecure origins) simply run online-only.
    if js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        let promise = navigator.service_worker().register("/sw.js");
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
                web_sys::console::warn_2(&"service worker registration failed".into(), &e);
            }
        });
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.storage.persist()`.
    #[wasm_bindgen(js_namespace = ["navigator", "storage"], js_name = persist, catch)]
    fn storage_persist() -> Result<js_sys::Promise, JsValue>;
}

/// Asks the browser to keep this site's storage even when the device runs
/// low on space (`navigator.storage.persist()`; without it, the browser may
/// evict the device's complaints and unsent changes). `Some(granted)`, or
/// `None` where the browser has no such API or gave no answer within 5 s
/// (one that asks the user is not waited for longer).
pub async fn request_persistent_storage() -> Option<bool> {
    let navigator = window()?.navigator();
    if !js_sys::Reflect::has(&navigator, &"storage".into()).unwrap_or(false) {
        return None;
    }
    let answer = wasm_bindgen_futures::JsFuture::from(storage_persist().ok()?);
    let timeout = sleep(5_000);
    futures::pin_mut!(answer, timeout);
    match futures::future::select(answer, timeout).await {
        futures::future::Either::Left((Ok(granted), _)) => granted.as_bool(),
        _ => None,
    }
}

/// Asks before discarding: `window.confirm`.
pub fn confirm(message: &str) -> bool {
    window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Starts the app again with `mark` as the address's fragment (`#mark`),
/// for the new start to read ([`take_mark`]).
pub fn restart(mark: &str) {
    if let Some(w) = window() {
        let _ = w.location().set_hash(mark);
        let _ = w.location().reload();
    }
}

/// The fragment a [`restart`] left (`None` without one), removed from the
/// address.
pub fn take_mark() -> Option<String> {
    let w = window()?;
    let hash = w.location().hash().ok().filter(|h| h.len() > 1)?;
    let path = w.location().pathname().ok()?;
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    Some(hash[1..].to_string())
}

/// Starts the app again: reloads the page.
pub fn reload() {
    if let Some(w) = window() {
        let _ = w.location().reload();
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Milliseconds since the page started (for progress and timings).
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Marks a moment of the start in the browser's performance timeline
/// (`app:<name>`), for the start-up benchmark's breakdown.
pub fn mark(name: &str) {
    if let Some(p) = window().and_then(|w| w.performance()) {
        let _ = p.mark(&format!("app:{name}"));
    }
}

/// Logs a detail for developers; users see words, the console sees this.
pub fn log_error(context: &str, detail: &str) {
    web_sys::console::error_2(&context.into(), &detail.into());
}

/// Logs a fact for developers and support (not an error).
pub fn log_info(context: &str, detail: &str) {
    web_sys::console::info_2(&context.into(), &detail.into());
}

/// Scrolls the first field marked invalid into view and focuses it.
pub fn focus_first_invalid() {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(Some(el)) = doc.query_selector(".field--error .field__control") {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// The device's clock and randomness, for the sync engine: `Date.now()`
/// and `crypto.getRandomValues`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserEnv;

impl complaints_client::Env for BrowserEnv {
    fn wall_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        let crypto = window().and_then(|w| w.crypto().ok());
        match crypto.map(|c| c.get_random_values_with_u8_array(bytes)) {
            Some(Ok(_)) => {}
            // No Web Crypto (a very old browser): ids must still differ.
            _ => {
                for b in bytes.iter_mut() {
                    *b = (js_sys::Math::random() * 256.0) as u8;
                }
            }
        }
    }
}
