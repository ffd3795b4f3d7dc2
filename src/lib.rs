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
    // No panic hook (console_error_panic_hook cost 1.2 KB of the 350 KB
    // download): a panic shows in the console as `RuntimeError: unreachable`.
    // The app's known failures are logged where they happen (platform::log_error).
    platform::register_service_worker();
    leptos::mount::mount_to_body(app::App);
}
