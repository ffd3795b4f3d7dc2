//! The security headers put on every response, static or API, success or
//! error, the SPA fallback and the "not built" page alike: `app` adds them
//! in one layer around the whole router, so no handler can forget them.
//!
//! * `Content-Security-Policy`: [`CONTENT_SECURITY_POLICY`], below; on the
//!   API's JSON answers the short [`API_CONTENT_SECURITY_POLICY`].
//! * `X-Content-Type-Options: nosniff`: browsers trust our `Content-Type`
//!   instead of guessing, so an uploaded or mis-typed file is never run as a
//!   script or style sheet.
//! * `Referrer-Policy: no-referrer`: URLs of the app name complaints
//!   (`/complaints/<id>`); no link or request may leak them to another site.
//!
//! # The policy, directive by directive
//!
//! The app is one origin serving a Trunk build: files, a wasm module and a
//! JSON API, nothing from anywhere else. The policy says exactly that, so an
//! injection bug (a complaint text that slipped past escaping) can neither run
//! code nor send data anywhere.
//!
//! | directive | value | why |
//! |-----------|-------|-----|
//! | `default-src` | `'self'` | the fallback for every fetch directive not listed: our origin only |
//! | `script-src` | `'self' 'wasm-unsafe-eval'` | scripts only as files from our origin: no inline `<script>`, no `on…=` attributes, no `eval`. `'wasm-unsafe-eval'` lets the page compile the app's wasm module, and allows nothing else |
//! | `style-src` | `'self'` | style sheets only as files from our origin: no `<style>` blocks and no `style="…"` attributes (setting `element.style` from code is still allowed) |
//! | `img-src` | `'self' data: blob:` | our icons, `data:` URIs (small inline images in CSS or markup) and `blob:` object URLs made by the app itself |
//! | `connect-src` | `'self'` | `fetch` only to our API: injected code cannot send data elsewhere |
//! | `object-src` | `'none'` | no plugins (`<object>`, `<embed>`) |
//! | `base-uri` | `'none'` | no `<base>` element can redirect the page's relative URLs |
//! | `frame-ancestors` | `'none'` | no other site may frame the app (clickjacking); the modern form of `X-Frame-Options: DENY` |
//! | `form-action` | `'self'` | a form can only submit to us (the app submits through `fetch`; this closes the `<form action>` exfiltration path) |
//! | `worker-src` | `'self'` | the service worker (`/sw.js`) and any worker come from our origin |
//! | `manifest-src` | `'self'` | the web app manifest comes from our origin |
//!
//! Consequence for the front end: `index.html` must load its scripts from
//! files. An inline `<script>` (such as the wasm loader Trunk injects into
//! `index.html` by default) is blocked by `script-src 'self'`.
//!
//! This module imports no other module of the crate.

use axum::http::{header, HeaderValue};
use axum::response::Response;

/// The `Content-Security-Policy` of every response; see the module docs for
/// why each directive has the value it has.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; \
img-src 'self' data: blob:; \
connect-src 'self'; \
object-src 'none'; \
base-uri 'none'; \
frame-ancestors 'none'; \
form-action 'self'; \
worker-src 'self'; \
manifest-src 'self'";

/// The `Content-Security-Policy` of a JSON answer (the API's): nothing may
/// load and nobody may frame it. A JSON answer is no document — with
/// `nosniff` a browser never runs it — so the page's policy would be ~300
/// bytes per answer for nothing, and the API's small answers are what a sync
/// on a weak signal is made of (the usual recommendation for REST APIs).
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The `Referrer-Policy` of every response: send no referrer at all.
pub const REFERRER_POLICY: &str = "no-referrer";

/// Sets the three security headers on `response`, replacing any value a
/// handler may have set: [`API_CONTENT_SECURITY_POLICY`] on a JSON answer,
/// [`CONTENT_SECURITY_POLICY`] on anything else.
pub(crate) async fn set_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let policy = if json {
        API_CONTENT_SECURITY_POLICY
    } else {
        CONTENT_SECURITY_POLICY
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(REFERRER_POLICY),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::CONTENT_SECURITY_POLICY;

    #[test]
    fn policy_is_a_valid_header_value_with_one_entry_per_directive() {
        assert!(axum::http::HeaderValue::from_str(CONTENT_SECURITY_POLICY).is_ok());
        let names: Vec<&str> = CONTENT_SECURITY_POLICY
            .split("; ")
            .map(|directive| directive.split(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            [
                "default-src",
                "script-src",
                "style-src",
                "img-src",
                "connect-src",
                "object-src",
                "base-uri",
                "frame-ancestors",
                "form-action",
                "worker-src",
                "manifest-src",
            ]
        );
    }
}
