//! Complaint Desk: the offline-first front end (Leptos, client-side rendered).
//!
//! Everything the user does is written to IndexedDB first ([`store`]), so the
//! app works with no network; a service worker (`public/sw.js`) serves the
//! app shell offline. Views never touch storage: they call the services in
//! [`state`], provided as context.

pub mod api;
pub mod app;
pub mod components;
pub mod i18n;
pub mod pages;
pub mod platform;
pub mod state;
pub mod store;
pub mod sync;

/// Mounts the app on the page.
pub fn start() {
    console_error_panic_hook::set_once();
    platform::register_service_worker();
    leptos::mount::mount_to_body(app::App);
}

/// Benchmark hook for `scripts/bench` (called from the page as
/// `wasmBindings.bench_idb_saves(n)`): saves `n` generated complaints of
/// realistic size one at a time into a scratch IndexedDB database, each in its
/// own transaction as the app does, and returns every save's duration in ms.
/// The scratch database is deleted afterwards; the user's data is not touched.
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn bench_idb_saves(n: u32) -> Result<js_sys::Array, wasm_bindgen::JsValue> {
    use complaints_domain::store::ComplaintStore;
    const SCRATCH: &str = "bench-scratch";
    let to_js = |e: complaints_domain::StoreError| wasm_bindgen::JsValue::from_str(&e.to_string());
    store::IdbStore::delete_database(SCRATCH)
        .await
        .map_err(to_js)?;
    let store = store::IdbStore::open(SCRATCH).await.map_err(to_js)?;
    let timings = js_sys::Array::new();
    for i in 0..n {
        let complaint = complaints_domain::fixtures::generated(i, "bench");
        let started = platform::now_ms();
        store
            .save_complaint(&complaint, Some(state::INTAKE_DRAFT))
            .await
            .map_err(to_js)?;
        timings.push(&wasm_bindgen::JsValue::from_f64(
            platform::now_ms() - started,
        ));
    }
    store.close();
    store::IdbStore::delete_database(SCRATCH)
        .await
        .map_err(to_js)?;
    Ok(timings)
}
