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
pub mod router;
pub mod session;
pub mod state;
pub mod store;
pub mod sync;

/// Mounts the app on the page.
pub fn start() {
    console_error_panic_hook::set_once();
    platform::register_service_worker();
    leptos::mount::mount_to_body(app::App);
}
