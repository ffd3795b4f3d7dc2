//! Static files from the Trunk `dist/` directory, with the SPA fallback.
//!
//! See the crate docs for the caching policy (`Cache-Control: no-cache` on
//! every static response, revalidated via `Last-Modified`).
//!
//! # Precompressed files
//!
//! The build (`scripts/compress.mjs`, run by `scripts/sw-stamp`) writes
//! `X.br` and `X.gz` beside each text file and the wasm module. `ServeDir`
//! (and `ServeFile` for the SPA fallback) is told to look for them:
//!
//! * a client accepting `br` gets `X.br` with `Content-Encoding: br`; one
//!   accepting `gzip` but not `br` gets `X.gz` with `Content-Encoding: gzip`;
//!   anyone else (or a file without variants) gets `X` itself. A `q=0`
//!   refuses an encoding; a higher `q` wins, `br` wins a tie.
//! * `Content-Type` is always the original file's (`application/wasm` for
//!   `.wasm`), and `Last-Modified`/`304` work on the variant actually sent.
//! * every static response says `Vary: Accept-Encoding`, so no cache hands a
//!   brotli body to a client that asked for none.
//! * the crate's `CompressionLayer` never compresses a response that already
//!   has a `Content-Encoding`, so a precompressed body is sent as stored
//!   (only files without variants, e.g. in a debug build, are gzipped on the
//!   fly).
//!
//! The variants are not resources of their own: a request naming one
//! (`/app_bg.wasm.br`, also percent-encoded) is a plain `404`. Served raw
//! they would be an `application/gzip` or unknown-type body that the
//! compression layer would gzip again, and no page ever links to them. The
//! flip side: `dist/` cannot publish a real `.gz` or `.br` download.

use std::convert::Infallible;
use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::fs::ServeFileSystemResponseBody;
use tower_http::services::{ServeDir, ServeFile};

use crate::{AppError, AppState};

/// The SPA entry point inside the dist directory.
const INDEX_HTML: &str = "index.html";

/// Request headers worth forwarding when `index.html` is served for another
/// path: conditional and range requests still work on the fallback.
const FORWARDED_HEADERS: [header::HeaderName; 5] = [
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
    header::RANGE,
    header::IF_RANGE,
    header::ACCEPT_ENCODING,
];

/// Router fallback for every non-`/api` path.
pub(crate) async fn serve_static(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        // Safety net: the nested API router has its own JSON fallback, but
        // axum does not route `/api/` (empty rest) into it. The API namespace
        // never gets static files or the SPA.
        return AppError::NotFound(format!("no API route for {path}")).into_response();
    }
    if is_precompressed_variant(path) {
        return with_static_headers(StatusCode::NOT_FOUND.into_response());
    }
    let method = req.method().clone();
    let spa_candidate =
        (method == Method::GET || method == Method::HEAD) && !has_extension(req.uri().path());
    let mut forwarded = HeaderMap::new();
    if spa_candidate {
        for name in FORWARDED_HEADERS {
            if let Some(value) = req.headers().get(&name) {
                forwarded.insert(name, value.clone());
            }
        }
    }

    // `/` is served as `index.html` by ServeDir itself (index on directories).
    let files = ServeDir::new(&state.dist_dir)
        .precompressed_br()
        .precompressed_gzip();
    let response = into_response(files.oneshot(req).await);
    let response = if response.status() == StatusCode::NOT_FOUND && spa_candidate {
        serve_index(&state.dist_dir, method, forwarded).await
    } else {
        response
    };

    if response.status() == StatusCode::NOT_FOUND && spa_candidate {
        // Even index.html is missing: the app has not been built.
        tracing::warn!(
            dist = %state.dist_dir.display(),
            "no index.html in the dist directory; the app has not been built"
        );
        return not_built();
    }
    with_static_headers(response)
}

/// Serves `index.html` for a client-side route.
async fn serve_index(dist_dir: &Path, method: Method, headers: HeaderMap) -> Response {
    let mut request = Request::new(Body::empty());
    *request.method_mut() = method;
    *request.uri_mut() = "/".parse().expect("static URI");
    *request.headers_mut() = headers;
    into_response(
        ServeFile::new(dist_dir.join(INDEX_HTML))
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(request)
            .await,
    )
}

fn into_response(
    result: Result<axum::http::Response<ServeFileSystemResponseBody>, Infallible>,
) -> Response {
    match result {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// Whether the last path segment has a file extension (`/app.js` yes,
/// `/complaints/abc` and `/` no). Such paths never get the SPA fallback.
fn has_extension(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    Path::new(last).extension().is_some()
}

/// Whether the last path segment, percent-decoded, names a precompressed
/// variant (`/app.wasm.br`, `/app.js%2Egz`). Such paths are never served.
fn is_precompressed_variant(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    let last = percent_encoding::percent_decode_str(last).decode_utf8_lossy();
    let extension = Path::new(last.as_ref()).extension();
    extension.is_some_and(|e| e.eq_ignore_ascii_case("br") || e.eq_ignore_ascii_case("gz"))
}

/// Headers of every static response:
///
/// * `Cache-Control: no-cache`: all static responses must be revalidated, as
///   file names are stable (no content hash) and a cached copy may belong to
///   an older release;
/// * `Vary: Accept-Encoding`: the same URL has a brotli, a gzip and a plain
///   body (module docs).
fn with_static_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    let varies = headers.get_all(header::VARY).iter().any(|value| {
        value
            .to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `503` page shown when `index.html` is missing from the dist directory.
fn not_built() -> Response {
    const PAGE: &str = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
<title>App not built</title></head>\n<body>\n<h1>The app has not been built</h1>\n\
<p>The server found no <code>index.html</code> in its app directory. Build the front end \
with <code>trunk build --release</code> (see the README), or point the server at the build \
output with <code>--dist</code>, then reload this page.</p>\n</body>\n</html>\n";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        PAGE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::{has_extension, is_precompressed_variant};

    #[test]
    fn extension_detection() {
        assert!(has_extension("/app.js"));
        assert!(has_extension("/icons/icon-192.png"));
        assert!(has_extension("/missing.js"));
        assert!(!has_extension("/"));
        assert!(!has_extension("/new"));
        assert!(!has_extension("/complaints/abc"));
        assert!(!has_extension("/complaints/"));
        assert!(!has_extension("/.well-known"));
    }

    #[test]
    fn precompressed_variant_detection() {
        assert!(is_precompressed_variant("/app_bg.wasm.br"));
        assert!(is_precompressed_variant("/app.js.gz"));
        assert!(is_precompressed_variant("/snippets/x/files.js.BR"));
        assert!(is_precompressed_variant("/app.js%2Egz"));
        assert!(is_precompressed_variant("/app.js.%62r"));
        assert!(!is_precompressed_variant("/app_bg.wasm"));
        assert!(!is_precompressed_variant("/br"));
        assert!(!is_precompressed_variant("/complaints/gz"));
        assert!(!is_precompressed_variant("/"));
    }
}
