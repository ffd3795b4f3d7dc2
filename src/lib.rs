//! Complaint Desk: the offline-first front end (Leptos, client-side rendered).
//!
//! Everything the user does is written to IndexedDB first ([`store`]), so the
//! app works with no network; a service worker (`public/sw.js`) serves the
//! app shell offline. Views never touch storage: they call the services in
//! [`state`], provided as context.
//!
//! - [`app`]: the shell; [`route`]: the pages and their addresses;
//!   [`pages`]: one module per page; [`components`]: reusable views;
//! - [`html`]: the one place text becomes HTML; [`i18n`]: every UI string,
//!   in both languages;
//! - [`state`], [`session`], [`sync`]: the app's services over signals;
//!   [`store`]: IndexedDB; [`api`]: HTTP; [`platform`]: browser facts;
//!   [`panic`]: what a crash shows.

pub mod api;
pub mod app;
pub mod components;
pub mod html;
pub mod i18n;
pub mod media;
pub mod pages;
pub mod panic;
pub mod platform;
pub mod route;
pub mod session;
pub mod state;
pub mod store;
pub mod sync;

/// Mounts the app on the page.
pub fn start() {
    platform::mark("start");
    panic::install();
    platform::register_service_worker();
    leptos::mount::mount_to_body(app::App);
}

// The unit tests above run in headless Chromium with tests/*.rs.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
