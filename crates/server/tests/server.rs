//! Integration tests of `complaints-server`, driven through
//! `tower::ServiceExt::oneshot` on [`app`] (no TCP listener).
//!
//! Every test builds its own temp directory with a fake Trunk `dist/` and a
//! data directory, so tests are independent and can run in parallel.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, Response, StatusCode};
use axum::Router;
use complaints_domain::fixtures;
use complaints_domain::sync::{
    complaint_fields, op_id_from_bytes, Hlc, Op, OpResult, Outcome, PullResponse, PushRequest,
    PushResponse, RecordState, RejectCode, MAX_CLOCK_AHEAD_MS, MAX_PUSH_OPS,
};
use complaints_server::{
    app, open_db, open_test_db, open_url, AppError, AppState, Backend, API_CONTENT_SECURITY_POLICY,
    CONTENT_SECURITY_POLICY, DB_FILE_NAME, REFERRER_POLICY,
};
use http_body_util::BodyExt;
use serde_json::json;
use tempfile::TempDir;
use tower::ServiceExt;

const INDEX_HTML: &str =
    "<!doctype html><html><head><title>Complaints</title></head><body>INDEX-MARKER</body></html>";
const APP_JS: &str = "console.log('complaints app: JS-MARKER');";
const SW_JS: &str = "self.addEventListener('install', () => {}); // SW-MARKER";
const MANIFEST: &str = r#"{"name":"Complaints","short_name":"Complaints","start_url":"/"}"#;

/// A minimal valid wasm module header followed by enough repetitive bytes
/// for the compression layer to kick in.
fn wasm_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    bytes
}

struct Fixture {
    _tmp: TempDir,
    data_dir: PathBuf,
    state: AppState,
}

impl Fixture {
    async fn new() -> Self {
        Self::build(true).await
    }

    async fn without_index() -> Self {
        Self::build(false).await
    }

    async fn build(with_index: bool) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(dist.join("icons")).unwrap();
        if with_index {
            std::fs::write(dist.join("index.html"), INDEX_HTML).unwrap();
        }
        std::fs::write(dist.join("app.js"), APP_JS).unwrap();
        std::fs::write(dist.join("app.wasm"), wasm_bytes()).unwrap();
        std::fs::write(dist.join("sw.js"), SW_JS).unwrap();
        std::fs::write(dist.join("manifest.webmanifest"), MANIFEST).unwrap();
        std::fs::write(dist.join("icons/icon-192.png"), b"\x89PNG\r\n\x1a\nfake").unwrap();

        let data_dir = tmp.path().join("data");
        let db = open_test_db(&data_dir).await.expect("open db");
        sign_in_test_devices(&db).await;
        Fixture {
            _tmp: tmp,
            data_dir,
            state: AppState {
                photos: Default::default(),
                db,
                dist_dir: dist,
                risk: Default::default(),
                auth: Default::default(),
            },
        }
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible")
    }

    async fn get(&self, uri: &str) -> Response<Body> {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }
}

async fn body_bytes(response: Response<Body>) -> Vec<u8> {
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

async fn body_text(response: Response<Body>) -> String {
    String::from_utf8(body_bytes(response).await).expect("utf-8 body")
}

async fn body_json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(response).await).expect("JSON body")
}

fn header_value(response: &Response<Body>, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

/// Asserts the response is `index.html`, served fresh-revalidated.
async fn assert_is_index(response: Response<Body>) {
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
    assert_eq!(body_text(response).await, INDEX_HTML);
}

// ---------------------------------------------------------------------------
// GET /api/health
mod health {
    use super::*;

    #[tokio::test]
    async fn reports_ok_with_version_db_and_time() {
        let fx = Fixture::new().await;
        let response = fx.get("/api/health").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-store");
        assert!(header_value(&response, header::CONTENT_TYPE).starts_with("application/json"));
        let json = body_json(response).await;
        assert_eq!(json["status"], "ok");
        assert_eq!(json["db"], "ok");
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
        let time = json["server_time"].as_str().expect("server_time string");
        let parsed = chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339");
        assert_eq!(parsed.offset().local_minus_utc(), 0, "UTC expected: {time}");
        assert!(time.ends_with('Z'), "{time}");
        let age = chrono::Utc::now().signed_duration_since(parsed);
        assert!(
            age.num_seconds().abs() < 60,
            "server_time is not now: {time}"
        );
    }

    #[tokio::test]
    async fn answers_503_json_when_the_database_is_down() {
        let fx = Fixture::new().await;
        fx.state.db.close().await;
        let response = fx.get("/api/health").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let json = body_json(response).await;
        assert_eq!(json["error"]["code"], "db_unavailable");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(
            !message.to_lowercase().contains("pool"),
            "leaks internals: {message}"
        );
    }

    #[tokio::test]
    async fn wrong_method_is_a_json_405() {
        let fx = Fixture::new().await;
        let response = fx
            .send(Request::post("/api/health").body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            body_json(response).await["error"]["code"],
            "method_not_allowed"
        );
    }
}

// ---------------------------------------------------------------------------
// GET /api/ready, and request ids
mod operations {
    use super::*;

    #[tokio::test]
    async fn ready_when_the_schema_is_the_one_this_version_ships() {
        let fx = Fixture::new().await;
        let response = fx.get("/api/ready").await;
        assert_eq!(response.status(), StatusCode::OK);
        let json = body_json(response).await;
        assert_eq!(json["status"], "ready");
        assert_eq!(json["migration"], json["migrations_shipped"]);
        assert!(json["migration"].as_i64().unwrap() >= 1, "{json}");
        assert_eq!(json["database"], Backend::of(&fx.state.db).name());

        // A newer version migrated the database further (a rolling update):
        // this instance is not ready, and says why.
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, \
             checksum, execution_time) \
             SELECT 99999, 'from a newer version', installed_on, success, checksum, \
             execution_time FROM _sqlx_migrations WHERE version = 1",
        )
        .execute(&fx.state.db)
        .await
        .unwrap();
        let response = fx.get("/api/ready").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let json = body_json(response).await;
        assert_eq!(json["status"], "migrations_differ");
        assert_eq!(json["migration"], 99999);

        fx.state.db.close().await;
        let response = fx.get("/api/ready").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn every_answer_carries_a_request_id_and_a_hostile_one_is_replaced() {
        let fx = Fixture::new().await;
        let id_of = |response: &Response<Body>| {
            header_value(response, header::HeaderName::from_static("x-request-id")).to_owned()
        };
        let made = id_of(&fx.get("/api/health").await);
        assert_eq!(made.len(), 36, "a new UUID: {made}");
        let other = id_of(&fx.get("/api/health").await);
        assert_ne!(made, other, "one per request");
        let with = |id: &str| {
            Request::get("/api/health")
                .header("x-request-id", id)
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(id_of(&fx.send(with("proxy-42.a_b")).await), "proxy-42.a_b");
        for hostile in ["a b", "x\u{7f}", &"7".repeat(65), "id\"quoted\""] {
            let Ok(request) = std::panic::catch_unwind(|| with(hostile)) else {
                continue; // not even a valid header value
            };
            let answered = id_of(&fx.send(request).await);
            assert_ne!(answered, hostile);
            assert_eq!(answered.len(), 36, "replaced by a UUID: {answered}");
        }
    }
}

// ---------------------------------------------------------------------------
// open_db: file creation, migrations, reopening
mod database {
    use super::*;

    #[tokio::test]
    async fn creates_the_file_and_applies_migrations() {
        let tmp = tempfile::tempdir().unwrap();
        let data_dir = tmp.path().join("nested/data");
        assert!(!data_dir.exists());
        let db = open_db(&data_dir).await.expect("open db");
        assert!(data_dir.join(DB_FILE_NAME).is_file());

        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(&db)
                .await
                .unwrap();
        assert!(tables.contains(&"server_meta".to_owned()), "{tables:?}");

        let created: String =
            sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'schema_created_at'")
                .fetch_one(&db)
                .await
                .unwrap();
        chrono::DateTime::parse_from_rfc3339(&created).expect("RFC 3339 creation time");

        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(journal.to_lowercase(), "wal");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1);
    }

    #[tokio::test]
    async fn opening_twice_keeps_data_and_does_not_rerun_migrations() {
        let fx = Fixture::new().await;
        sqlx::query("INSERT INTO server_meta (key, value) VALUES ('probe', 'kept')")
            .execute(&fx.state.db)
            .await
            .unwrap();
        let url = fx.state.db.connect_options().database_url.clone();
        let migrations = match Backend::of(&fx.state.db) {
            Backend::Sqlite => "migrations",
            Backend::Postgres => "migrations-postgres",
        };
        fx.state.db.close().await;

        let db = open_url(url.as_str()).await.expect("second open");
        let probe: String = sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'probe'")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(probe, "kept");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&db)
            .await
            .unwrap();
        let shipped = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(migrations))
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == "sql")
            })
            .count();
        assert_eq!(applied as usize, shipped);
    }

    #[tokio::test]
    async fn unusable_data_dir_is_a_data_dir_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let error = open_db(&file.join("data")).await.unwrap_err();
        assert!(matches!(error, AppError::DataDir { .. }), "{error:?}");
    }
}

// ---------------------------------------------------------------------------
// Static files: content, content types, cache headers
mod static_files {
    use super::*;

    #[tokio::test]
    async fn root_serves_index_with_no_cache() {
        let fx = Fixture::new().await;
        assert_is_index(fx.get("/").await).await;
    }

    #[tokio::test]
    async fn app_js_is_javascript() {
        let fx = Fixture::new().await;
        let response = fx.get("/app.js").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/javascript"));
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(body_text(response).await, APP_JS);
    }

    #[tokio::test]
    async fn wasm_is_application_wasm() {
        let fx = Fixture::new().await;
        let response = fx.get("/app.wasm").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_value(&response, header::CONTENT_TYPE),
            "application/wasm"
        );
        assert_eq!(body_bytes(response).await, wasm_bytes());
    }

    #[tokio::test]
    async fn webmanifest_is_manifest_json_and_no_cache() {
        let fx = Fixture::new().await;
        let response = fx.get("/manifest.webmanifest").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_value(&response, header::CONTENT_TYPE),
            "application/manifest+json"
        );
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(body_text(response).await, MANIFEST);
    }

    #[tokio::test]
    async fn service_worker_is_no_cache() {
        let fx = Fixture::new().await;
        let response = fx.get("/sw.js").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(body_text(response).await, SW_JS);
    }

    #[tokio::test]
    async fn icons_in_subdirectories_are_served() {
        let fx = Fixture::new().await;
        let response = fx.get("/icons/icon-192.png").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CONTENT_TYPE), "image/png");
        assert_eq!(body_bytes(response).await, b"\x89PNG\r\n\x1a\nfake");
    }

    #[tokio::test]
    async fn revalidation_with_last_modified_answers_304() {
        let fx = Fixture::new().await;
        let first = fx.get("/sw.js").await;
        let last_modified = header_value(&first, header::LAST_MODIFIED).to_owned();
        let again = fx
            .send(
                Request::get("/sw.js")
                    .header(header::IF_MODIFIED_SINCE, &last_modified)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_value(&again, header::CACHE_CONTROL), "no-cache");
    }

    #[tokio::test]
    async fn gzip_when_accepted() {
        let fx = Fixture::new().await;
        let response = fx
            .send(
                Request::get("/app.wasm")
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CONTENT_ENCODING), "gzip");
        assert_eq!(
            header_value(&response, header::CONTENT_TYPE),
            "application/wasm"
        );
        let compressed = body_bytes(response).await;
        assert!(compressed.len() < wasm_bytes().len());
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(compressed.as_slice()),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, wasm_bytes());
    }
}

// ---------------------------------------------------------------------------
// SPA fallback and 404s
mod spa {
    use super::*;

    #[tokio::test]
    async fn client_routes_get_index_html() {
        let fx = Fixture::new().await;
        assert_is_index(fx.get("/complaints/123").await).await;
        assert_is_index(fx.get("/new").await).await;
    }

    #[tokio::test]
    async fn head_on_client_route_is_ok() {
        let fx = Fixture::new().await;
        let response = fx
            .send(Request::head("/complaints/9").body(Body::empty()).unwrap())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
        assert!(body_bytes(response).await.is_empty());
    }

    #[tokio::test]
    async fn missing_file_with_extension_is_a_plain_404() {
        let fx = Fixture::new().await;
        let response = fx.get("/missing.js").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(!body_text(response).await.contains("INDEX-MARKER"));
    }

    #[tokio::test]
    async fn post_to_a_client_route_is_not_the_spa() {
        let fx = Fixture::new().await;
        let response = fx
            .send(
                Request::builder()
                    .method(Method::POST)
                    .uri("/new")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(!body_text(response).await.contains("INDEX-MARKER"));
    }

    #[tokio::test]
    async fn unknown_api_paths_are_json_404s() {
        let fx = Fixture::new().await;
        for uri in ["/api/nope", "/api/v1/complaints", "/api", "/api/"] {
            let response = fx.get(uri).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
            assert!(
                header_value(&response, header::CONTENT_TYPE).starts_with("application/json"),
                "{uri}"
            );
            let json = body_json(response).await;
            assert_eq!(json["error"]["code"], "not_found", "{uri}");
            assert!(json["error"]["message"].is_string(), "{uri}");
        }
    }
}

// ---------------------------------------------------------------------------
// The app has not been built (no index.html in dist)
mod not_built {
    use super::*;

    #[tokio::test]
    async fn root_and_client_routes_answer_503_with_a_hint() {
        let fx = Fixture::without_index().await;
        for uri in ["/", "/complaints/123"] {
            let response = fx.get(uri).await;
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
            assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
            let text = body_text(response).await;
            assert!(text.contains("has not been built"), "{text}");
            assert!(text.contains("trunk build"), "{text}");
        }
    }

    #[tokio::test]
    async fn other_files_and_the_api_still_work() {
        let fx = Fixture::without_index().await;
        assert_eq!(fx.get("/app.js").await.status(), StatusCode::OK);
        assert_eq!(fx.get("/missing.js").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(fx.get("/api/health").await.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn missing_dist_dir_is_503_not_a_panic() {
        let fx = Fixture::new().await;
        let state = AppState {
            photos: Default::default(),
            db: fx.state.db.clone(),
            dist_dir: fx.data_dir.join("does-not-exist"),
            risk: Default::default(),
            auth: Default::default(),
        };
        let response = app(state)
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

// ---------------------------------------------------------------------------
// Security headers: CSP, nosniff and Referrer-Policy on every kind of response
mod security_headers {
    use super::*;

    /// Asserts `response` (answering `what`) carries all three headers: the
    /// API's short policy on a JSON answer (`/api/` in `what`), the page's
    /// on anything else.
    fn assert_security_headers(response: &Response<Body>, what: &str) {
        let headers = response.headers();
        let value = |name: &header::HeaderName| {
            let values: Vec<_> = headers.get_all(name).iter().collect();
            assert_eq!(values.len(), 1, "{what}: one {name} header expected");
            values[0].to_str().unwrap().to_owned()
        };
        let policy = if what.starts_with("API") {
            API_CONTENT_SECURITY_POLICY
        } else {
            CONTENT_SECURITY_POLICY
        };
        assert_eq!(value(&header::CONTENT_SECURITY_POLICY), policy, "{what}");
        assert_eq!(value(&header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
        assert_eq!(value(&header::REFERRER_POLICY), "no-referrer", "{what}");
    }

    #[test]
    fn the_policy_is_the_agreed_one() {
        assert_eq!(
            CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self'; \
             worker-src 'self'; manifest-src 'self'"
        );
        assert_eq!(
            API_CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'"
        );
        assert_eq!(REFERRER_POLICY, "no-referrer");
    }

    #[tokio::test]
    async fn every_kind_of_response_carries_all_three() {
        let fx = Fixture::new().await;
        let dist = &fx.state.dist_dir;
        std::fs::write(dist.join("app.js.br"), "BR").unwrap();
        let last_modified = {
            let response = fx.get("/sw.js").await;
            header_value(&response, header::LAST_MODIFIED).to_owned()
        };
        let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
        let cases: Vec<(&str, StatusCode, Request<Body>)> = vec![
            ("index at /", StatusCode::OK, get("/")),
            ("static file", StatusCode::OK, get("/app.wasm")),
            (
                "gzipped on the fly",
                StatusCode::OK,
                Request::get("/app.wasm")
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .unwrap(),
            ),
            (
                "precompressed",
                StatusCode::OK,
                Request::get("/app.js")
                    .header(header::ACCEPT_ENCODING, "br")
                    .body(Body::empty())
                    .unwrap(),
            ),
            (
                "revalidated",
                StatusCode::NOT_MODIFIED,
                Request::get("/sw.js")
                    .header(header::IF_MODIFIED_SINCE, &last_modified)
                    .body(Body::empty())
                    .unwrap(),
            ),
            ("SPA fallback", StatusCode::OK, get("/complaints/42")),
            (
                "SPA fallback, HEAD",
                StatusCode::OK,
                Request::head("/new").body(Body::empty()).unwrap(),
            ),
            ("static 404", StatusCode::NOT_FOUND, get("/missing.js")),
            ("variant 404", StatusCode::NOT_FOUND, get("/app.js.br")),
            (
                "static 405",
                StatusCode::METHOD_NOT_ALLOWED,
                Request::post("/new").body(Body::empty()).unwrap(),
            ),
            ("API", StatusCode::OK, get("/api/health")),
            (
                "API, gzipped",
                StatusCode::OK,
                signed(
                    Request::get("/api/v1/sync/pull?device=tab-a")
                        .header(header::ACCEPT_ENCODING, "gzip")
                        .body(Body::empty())
                        .unwrap(),
                    "tab-a",
                ),
            ),
            ("API 404", StatusCode::NOT_FOUND, get("/api/nope")),
            (
                "API 405",
                StatusCode::METHOD_NOT_ALLOWED,
                Request::post("/api/health").body(Body::empty()).unwrap(),
            ),
            (
                "API 401",
                StatusCode::UNAUTHORIZED,
                get("/api/v1/sync/pull"),
            ),
            (
                "API 400",
                StatusCode::BAD_REQUEST,
                signed(json_post(PUSH, "{not json"), "tab-a"),
            ),
            (
                "API, signed in",
                StatusCode::OK,
                signed(get("/api/v1/sync/pull?device=tab-a"), "tab-a"),
            ),
        ];
        for (what, status, request) in cases {
            let response = fx.send(request).await;
            assert_eq!(response.status(), status, "{what}");
            assert_security_headers(&response, what);
        }
    }

    #[tokio::test]
    async fn the_not_built_page_carries_all_three() {
        let fx = Fixture::without_index().await;
        for uri in ["/", "/complaints/1"] {
            let response = fx.get(uri).await;
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
            assert_security_headers(&response, uri);
        }
    }

    #[tokio::test]
    async fn a_server_error_carries_all_three() {
        let fx = Fixture::new().await;
        fx.state.db.close().await;
        let response = fx.get("/api/health").await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_security_headers(&response, "API 503");
    }
}

// ---------------------------------------------------------------------------
// Precompressed static files: X.br / X.gz beside X, chosen by Accept-Encoding
mod precompressed {
    use super::*;

    // Distinct bodies, so each test sees which file was sent (and that no
    // layer compressed it again).
    const WASM_BR: &[u8] = b"APP.WASM.BR-VARIANT";
    const WASM_GZ: &[u8] = b"APP.WASM.GZ-VARIANT";
    const INDEX_BR: &[u8] = b"INDEX.HTML.BR-VARIANT";

    /// The usual dist plus `app.wasm.br`, `app.wasm.gz` and `index.html.br`.
    async fn fixture() -> Fixture {
        let fx = Fixture::new().await;
        let dist = &fx.state.dist_dir;
        std::fs::write(dist.join("app.wasm.br"), WASM_BR).unwrap();
        std::fs::write(dist.join("app.wasm.gz"), WASM_GZ).unwrap();
        std::fs::write(dist.join("index.html.br"), INDEX_BR).unwrap();
        fx
    }

    fn accepting(uri: &str, accept_encoding: Option<&str>) -> Request<Body> {
        let mut request = Request::get(uri);
        if let Some(value) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, value);
        }
        request.body(Body::empty()).unwrap()
    }

    fn encoding(response: &Response<Body>) -> Option<&str> {
        response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap())
    }

    /// Asserts a `200` for `app.wasm` with `Content-Encoding` `expected`
    /// and body `body`, typed and cached like the plain file.
    async fn assert_wasm(response: Response<Body>, expected: Option<&str>, body: &[u8]) {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(encoding(&response), expected);
        assert_eq!(
            header_value(&response, header::CONTENT_TYPE),
            "application/wasm"
        );
        assert_eq!(
            header_value(&response, header::VARY).to_ascii_lowercase(),
            "accept-encoding"
        );
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
        assert_eq!(body_bytes(response).await, body);
    }

    #[tokio::test]
    async fn br_goes_to_clients_that_accept_it() {
        let fx = fixture().await;
        for accept in [
            "br",
            "gzip, deflate, br",
            "gzip;q=0.5, br",
            "br;q=1, gzip;q=1",
        ] {
            let response = fx.send(accepting("/app.wasm", Some(accept))).await;
            assert_wasm(response, Some("br"), WASM_BR).await;
        }
    }

    #[tokio::test]
    async fn gzip_goes_to_clients_that_take_gzip_but_not_br() {
        let fx = fixture().await;
        for accept in ["gzip", "gzip, deflate", "br;q=0, gzip", "br;q=0.1, gzip"] {
            let response = fx.send(accepting("/app.wasm", Some(accept))).await;
            assert_wasm(response, Some("gzip"), WASM_GZ).await;
        }
    }

    #[tokio::test]
    async fn the_plain_file_goes_to_everyone_else() {
        let fx = fixture().await;
        for accept in [
            None,
            Some("identity"),
            Some("br;q=0"),
            Some("br;q=0, gzip;q=0"),
        ] {
            let response = fx.send(accepting("/app.wasm", accept)).await;
            assert_wasm(response, None, &wasm_bytes()).await;
        }
    }

    #[tokio::test]
    async fn a_variant_answers_304_to_if_modified_since() {
        let fx = fixture().await;
        for accept in ["br", "gzip"] {
            let first = fx.send(accepting("/app.wasm", Some(accept))).await;
            let last_modified = header_value(&first, header::LAST_MODIFIED).to_owned();
            let again = fx
                .send(
                    Request::get("/app.wasm")
                        .header(header::ACCEPT_ENCODING, accept)
                        .header(header::IF_MODIFIED_SINCE, &last_modified)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{accept}");
            assert_eq!(header_value(&again, header::CACHE_CONTROL), "no-cache");
            assert_eq!(
                header_value(&again, header::VARY).to_ascii_lowercase(),
                "accept-encoding"
            );
            assert!(body_bytes(again).await.is_empty(), "{accept}");
        }
    }

    #[tokio::test]
    async fn head_describes_the_variant() {
        let fx = fixture().await;
        let response = fx
            .send(
                Request::head("/app.wasm")
                    .header(header::ACCEPT_ENCODING, "br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(encoding(&response), Some("br"));
        assert_eq!(
            header_value(&response, header::CONTENT_LENGTH),
            WASM_BR.len().to_string()
        );
        assert!(body_bytes(response).await.is_empty());
    }

    #[tokio::test]
    async fn the_spa_fallback_is_precompressed_too() {
        let fx = fixture().await;
        for uri in ["/", "/complaints/7"] {
            let response = fx.send(accepting(uri, Some("gzip, br"))).await;
            assert_eq!(response.status(), StatusCode::OK, "{uri}");
            assert_eq!(encoding(&response), Some("br"), "{uri}");
            assert!(header_value(&response, header::CONTENT_TYPE).starts_with("text/html"));
            assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
            assert_eq!(body_bytes(response).await, INDEX_BR, "{uri}");
        }
        // No index.html.gz: a gzip-only client gets index.html gzipped on the fly.
        let response = fx.send(accepting("/complaints/7", Some("gzip"))).await;
        assert_eq!(encoding(&response), Some("gzip"));
    }

    #[tokio::test]
    async fn variants_are_not_served_under_their_own_names() {
        let fx = fixture().await;
        for uri in [
            "/app.wasm.br",
            "/app.wasm.gz",
            "/app.wasm%2Ebr",
            "/app.wasm.%62r",
            "/index.html.br",
        ] {
            for accept in [None, Some("br, gzip")] {
                let response = fx.send(accepting(uri, accept)).await;
                assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
                let body = body_bytes(response).await;
                assert!(!body.windows(7).any(|w| w == b"VARIANT"), "{uri}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Sync helpers: operations as a device makes them, push and pull requests.

/// The devices these tests push and pull as.
fn test_devices() -> Vec<String> {
    let mut devices: Vec<String> = ["tab-a", "tab-b", "device"].map(String::from).to_vec();
    devices.extend((0..8).map(|n| format!("pusher-{n}")));
    devices.extend((0..8).map(|n| format!("puller-{n}")));
    devices
}

/// The bearer token of a test device: a fixed text (these tests are about
/// sync, not sign-in; `tests/auth.rs` covers tokens), stored as the server
/// stores tokens it issues.
fn token_for(device: &str) -> String {
    format!("{device:_<43}")
}

/// An administrator (who sees every branch) signed in on every test device.
async fn sign_in_test_devices(db: &sqlx::AnyPool) {
    let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
    let admin =
        complaints_server::auth::NewUser::new("admin", "Administrator", "admin", None, None);
    complaints_server::auth::add_user(db, &admin, &params)
        .await
        .unwrap();
    for device in test_devices() {
        sqlx::query(
            "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at) \
             SELECT $1, id, $2, '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z' \
             FROM users WHERE username = 'admin'",
        )
        .bind(complaints_server::auth::token_hash(&token_for(&device)))
        .bind(&device)
        .execute(db)
        .await
        .unwrap();
    }
}

/// `request` as `device` sends it, signed in.
fn signed(mut request: Request<Body>, device: &str) -> Request<Body> {
    let value = format!("Bearer {}", token_for(device));
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, value.parse().unwrap());
    request
}

const PUSH: &str = "/api/v1/sync/push";

/// The real current time: the server checks stamps against its clock.
fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap()
}

/// A unique 16-character operation id for `n`.
fn op_id(n: u64) -> String {
    let mut bytes = [0u8; 10];
    bytes[2..].copy_from_slice(&n.to_be_bytes());
    op_id_from_bytes(bytes)
}

/// The creation of generated complaint `n` by `device`, as operation `id`.
fn creation(n: u32, device: &str, id: u64) -> Op {
    let complaint = fixtures::generated(n, device);
    Op {
        user: None,
        received: None,
        id: op_id(id),
        record: complaint.id.clone(),
        hlc: Hlc::new(now_ms(), 0),
        device: device.to_owned(),
        set: complaint_fields(&complaint),
        base: Default::default(),
    }
}

/// An edit of one field of `record` by `device`, as operation `id`.
fn edit(record: &str, device: &str, id: u64, field: &str, value: serde_json::Value) -> Op {
    Op {
        user: None,
        received: None,
        id: op_id(id),
        record: record.to_owned(),
        hlc: Hlc::new(now_ms(), 1),
        device: device.to_owned(),
        set: [(field.to_owned(), value)].into_iter().collect(),
        base: Default::default(),
    }
}

fn record_id(n: u32) -> String {
    fixtures::generated(n, "any").id
}

fn json_post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn push_request(device: &str, ops: &[Op]) -> Request<Body> {
    let body = PushRequest {
        device: device.to_owned(),
        ops: ops.to_vec(),
    };
    signed(json_post(PUSH, serde_json::to_vec(&body).unwrap()), device)
}

/// Sends `request`, signed in as device `tab-a` unless it says otherwise.
async fn call(router: &Router, request: Request<Body>) -> Response<Body> {
    let request = if request.headers().contains_key(header::AUTHORIZATION) {
        request
    } else {
        signed(request, "tab-a")
    };
    router.clone().oneshot(request).await.expect("infallible")
}

/// Pushes `ops` as `device`; the push itself must succeed.
async fn push(router: &Router, device: &str, ops: &[Op]) -> PushResponse {
    let response = call(router, push_request(device, ops)).await;
    let status = response.status();
    let bytes = body_bytes(response).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "push failed: {}",
        String::from_utf8_lossy(&bytes)
    );
    let answer: PushResponse = serde_json::from_slice(&bytes).expect("a PushResponse");
    assert_eq!(answer.results.len(), ops.len());
    for (result, op) in answer.results.iter().zip(ops) {
        assert_eq!(result.id, op.id, "results are in the order sent");
    }
    answer
}

fn pull_uri(after: &str, limit: u32, device: Option<&str>) -> String {
    let mut uri = format!("/api/v1/sync/pull?after={after}&limit={limit}");
    if let Some(device) = device {
        uri.push_str(&format!("&device={device}"));
    }
    uri
}

/// Pulls as `device` (signed in on it), or as `tab-a` without a device.
async fn pull(router: &Router, after: &str, limit: u32, device: Option<&str>) -> PullResponse {
    let request = Request::get(pull_uri(after, limit, device))
        .body(Body::empty())
        .unwrap();
    let request = match device {
        Some(device) => signed(request, device),
        None => request,
    };
    let response = call(router, request).await;
    let status = response.status();
    let bytes = body_bytes(response).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "pull failed: {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).expect("a PullResponse")
}

fn reason(result: &OpResult) -> &complaints_domain::sync::Rejection {
    match &result.outcome {
        Outcome::Rejected { reason } => reason,
        Outcome::Accepted => panic!("op {} was accepted, expected a rejection", result.id),
    }
}

fn assert_all_accepted(answer: &PushResponse) {
    for result in &answer.results {
        assert_eq!(result.outcome, Outcome::Accepted, "{result:?}");
    }
}

/// The op log: op id → seq.
async fn op_log(db: &sqlx::AnyPool) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT op_id, seq FROM ops")
        .fetch_all(db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// The stored row of a record: (state JSON, complaint JSON, updated_seq).
async fn record_row(db: &sqlx::AnyPool, id: &str) -> Option<(String, Option<String>, i64)> {
    sqlx::query_as("SELECT state, complaint, updated_seq FROM records WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .unwrap()
}

/// Asserts the answer is the API's JSON error shape with `code`.
async fn assert_json_error(response: Response<Body>, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status, "expected {code}");
    assert!(
        header_value(&response, header::CONTENT_TYPE).starts_with("application/json"),
        "{code}"
    );
    let json = body_json(response).await;
    assert_eq!(json["error"]["code"], code, "{json}");
    assert!(json["error"]["message"].is_string(), "{json}");
    assert!(json["server_time"].is_string(), "{json}");
}

// ---------------------------------------------------------------------------
// POST /api/v1/sync/push: idempotence, per-op rejections, limits
mod sync_push {
    use super::*;

    #[tokio::test]
    async fn the_same_batch_twice_is_accepted_twice_and_applied_once() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let ops = vec![
            creation(1, "tab-a", 1),
            creation(2, "tab-a", 2),
            edit(&record_id(1), "tab-a", 3, "tracking", json!("已回访顾客")),
        ];

        let first = push(&router, "tab-a", &ops).await;
        assert_all_accepted(&first);
        let log = op_log(&fx.state.db).await;
        let record_1 = record_row(&fx.state.db, &record_id(1)).await.unwrap();
        let record_2 = record_row(&fx.state.db, &record_id(2)).await.unwrap();

        let second = push(&router, "tab-a", &ops).await;
        assert_all_accepted(&second);
        assert_eq!(
            op_log(&fx.state.db).await,
            log,
            "each op is in the log once"
        );
        assert_eq!(log.len(), 3);
        assert_eq!(
            record_row(&fx.state.db, &record_id(1)).await.unwrap(),
            record_1
        );
        assert_eq!(
            record_row(&fx.state.db, &record_id(2)).await.unwrap(),
            record_2
        );

        // The record holds the creation and the edit made in the same batch.
        let (state, complaint, updated_seq) = record_1;
        let state: RecordState = serde_json::from_str(&state).unwrap();
        assert_eq!(state.ops.len(), 2);
        let complaint: serde_json::Value = serde_json::from_str(&complaint.unwrap()).unwrap();
        assert_eq!(complaint["tracking"], "已回访顾客");
        assert_eq!(complaint["id"], record_id(1));
        assert_eq!(updated_seq, log[&op_id(3)]);

        // A duplicate inside one batch is acknowledged twice, stored once.
        let again = creation(3, "tab-a", 4);
        let answer = push(&router, "tab-a", &[again.clone(), again]).await;
        assert_all_accepted(&answer);
        assert_eq!(op_log(&fx.state.db).await.len(), 4);
    }

    /// A full batch is stored in a few multi-row statements of at most 50
    /// rows: creations and edits of those same records, across the
    /// statements' boundaries, come out as if applied one by one.
    #[tokio::test]
    async fn a_full_batch_is_logged_in_its_order_with_each_record_up_to_date() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let half = MAX_PUSH_OPS as u32 / 2;
        let mut ops: Vec<Op> = (0..half)
            .map(|n| creation(n, "tab-a", u64::from(n)))
            .collect();
        // The edits in reverse: each record's edit lands in another statement.
        ops.extend((0..half).rev().map(|n| {
            let note = format!("第{n}次回访");
            edit(
                &record_id(n),
                "tab-a",
                u64::from(half + n),
                "tracking",
                json!(note),
            )
        }));
        let answer = push(&router, "tab-a", &ops).await;
        assert_all_accepted(&answer);

        let log = op_log(&fx.state.db).await;
        assert_eq!(log.len(), MAX_PUSH_OPS);
        let seqs: Vec<i64> = ops.iter().map(|op| log[&op.id]).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "seqs follow the batch's order"
        );
        for n in [0, 1, 99, 100, half - 1] {
            let (state, complaint, updated_seq) =
                record_row(&fx.state.db, &record_id(n)).await.unwrap();
            let state: RecordState = serde_json::from_str(&state).unwrap();
            assert_eq!(state.ops.len(), 2, "record {n}");
            let complaint: serde_json::Value = serde_json::from_str(&complaint.unwrap()).unwrap();
            assert_eq!(complaint["tracking"], format!("第{n}次回访"));
            assert_eq!(updated_seq, log[&op_id(u64::from(half + n))], "record {n}");
        }

        // One of them again, alone: acknowledged, not logged twice.
        let again = push(&router, "tab-a", &ops[7..8]).await;
        assert_all_accepted(&again);
        assert_eq!(op_log(&fx.state.db).await.len(), MAX_PUSH_OPS);
    }

    #[tokio::test]
    async fn each_op_is_judged_on_its_own() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let record = record_id(10);

        let mut clock_ahead = creation(11, "tab-a", 2);
        clock_ahead.hlc = Hlc::new(now_ms() + MAX_CLOCK_AHEAD_MS + 60_000, 0);
        let mut missing_name = creation(12, "tab-a", 6);
        missing_name.set.remove("customer_name");
        let ops = vec![
            creation(10, "tab-a", 1),
            clock_ahead,
            edit(&record, "tab-a", 3, "shoe_size", json!(42)),
            edit(&record, "tab-a", 4, "phone", json!("call me maybe")),
            edit(&record_id(99), "tab-a", 5, "tracking", json!("?")),
            missing_name,
            edit(&record, "tab-b", 7, "tracking", json!("not my op")),
            edit(&record, "tab-a", 8, "phone", json!("010-12345678")),
        ];
        let answer = push(&router, "tab-a", &ops).await;
        let results = &answer.results;

        assert_eq!(results[0].outcome, Outcome::Accepted);
        assert_eq!(reason(&results[1]).code, RejectCode::ClockAhead);
        assert_eq!(reason(&results[2]).code, RejectCode::UnknownField);
        assert_eq!(reason(&results[2]).field.as_deref(), Some("shoe_size"));
        assert_eq!(reason(&results[3]).code, RejectCode::InvalidValue);
        assert_eq!(reason(&results[3]).field.as_deref(), Some("phone"));
        assert_eq!(reason(&results[4]).code, RejectCode::UnknownRecord);
        assert_eq!(reason(&results[5]).code, RejectCode::IncompleteRecord);
        assert_eq!(reason(&results[5]).field.as_deref(), Some("customer_name"));
        assert_eq!(reason(&results[6]).code, RejectCode::Malformed);
        assert_eq!(results[7].outcome, Outcome::Accepted);

        // Only the valid ops are stored; rejected ones left no trace.
        let log = op_log(&fx.state.db).await;
        assert_eq!(
            log.keys().cloned().collect::<HashSet<_>>(),
            HashSet::from([op_id(1), op_id(8)])
        );
        assert!(record_row(&fx.state.db, &record_id(11)).await.is_none());
        assert!(record_row(&fx.state.db, &record_id(12)).await.is_none());
        assert!(record_row(&fx.state.db, &record_id(99)).await.is_none());
        let (_, complaint, updated_seq) = record_row(&fx.state.db, &record).await.unwrap();
        let complaint: serde_json::Value = serde_json::from_str(&complaint.unwrap()).unwrap();
        assert_eq!(complaint["phone"], "010-12345678");
        assert_eq!(updated_seq, log[&op_id(8)]);

        // The JSON of a result, as clients read it.
        let response = call(&router, push_request("tab-a", &ops[2..3])).await;
        let json = body_json(response).await;
        assert_eq!(json["results"][0]["id"], op_id(3));
        assert_eq!(json["results"][0]["status"], "rejected");
        assert_eq!(json["results"][0]["reason"]["code"], "unknown_field");
        assert_eq!(json["results"][0]["reason"]["field"], "shoe_size");
        assert!(json["server_time"].is_string());
    }

    #[tokio::test]
    async fn an_op_that_does_not_parse_is_rejected_alone() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let good = serde_json::to_value(creation(20, "tab-a", 1)).unwrap();
        let mut bad_stamp = serde_json::to_value(creation(21, "tab-a", 2)).unwrap();
        bad_stamp["hlc"] = json!("yesterday");
        let body = json!({"device": "tab-a", "ops": [good, bad_stamp, 42]});
        let response = call(&router, json_post(PUSH, body.to_string())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let answer: PushResponse = serde_json::from_value(body_json(response).await).unwrap();
        assert_eq!(answer.results[0].outcome, Outcome::Accepted);
        assert_eq!(answer.results[1].id, op_id(2));
        assert_eq!(reason(&answer.results[1]).code, RejectCode::Malformed);
        assert_eq!(answer.results[2].id, "");
        assert_eq!(reason(&answer.results[2]).code, RejectCode::Malformed);
        assert_eq!(op_log(&fx.state.db).await.len(), 1);
    }

    #[tokio::test]
    async fn too_many_ops_is_a_413_and_nothing_is_stored() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let ops: Vec<Op> = (0..=MAX_PUSH_OPS as u64)
            .map(|n| edit(&record_id(1), "tab-a", n, "tracking", json!("x")))
            .collect();
        let response = call(&router, push_request("tab-a", &ops)).await;
        assert_json_error(response, StatusCode::PAYLOAD_TOO_LARGE, "too_many_ops").await;
        assert!(op_log(&fx.state.db).await.is_empty());

        // Exactly the maximum is fine.
        let answer = push(&router, "tab-a", &ops[..MAX_PUSH_OPS]).await;
        assert_eq!(answer.results.len(), MAX_PUSH_OPS);
    }

    #[tokio::test]
    async fn answers_carry_server_time_and_no_store() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let before = chrono::Utc::now() - chrono::Duration::seconds(1);
        let response = call(&router, push_request("tab-a", &[])).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-store");
        let answer: PushResponse = serde_json::from_value(body_json(response).await).unwrap();
        assert!(answer.results.is_empty());
        assert!(answer.server_time >= before && answer.server_time <= chrono::Utc::now());
    }
}

// ---------------------------------------------------------------------------
// GET /api/v1/sync/pull: pages, cursors, skipping a device's own ops
mod sync_pull {
    use super::*;

    #[tokio::test]
    async fn pages_through_the_log_and_skips_the_pullers_own_ops() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let ops: Vec<Op> = (1..=5).map(|n| creation(n, "tab-a", n.into())).collect();
        assert_all_accepted(&push(&router, "tab-a", &ops).await);

        // Device B gets everything, two at a time.
        let mut cursor = String::new();
        let mut received = Vec::new();
        let mut cursors = Vec::new();
        for (size, more, remaining) in [(2, true, 3), (2, true, 1), (1, false, 0)] {
            let page = pull(&router, &cursor, 2, Some("tab-b")).await;
            assert_eq!(page.ops.len(), size, "{cursor}");
            assert_eq!(page.more, more, "{cursor}");
            assert_eq!(page.remaining, remaining, "{cursor}");
            received.extend(page.ops);
            cursors.push(page.cursor.parse::<i64>().unwrap());
            cursor = page.cursor;
        }
        assert!(
            received.iter().all(|op| op.received.is_some()),
            "receipt times"
        );
        let signed_ops: Vec<Op> = ops
            .iter()
            .zip(&received)
            .map(|(op, got)| Op {
                user: Some("admin".into()),
                received: got.received.clone(),
                ..op.clone()
            })
            .collect();
        assert_eq!(
            received, signed_ops,
            "every op, in commit order, as pushed, with who pushed it and when"
        );
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
        let log = op_log(&fx.state.db).await;
        assert_eq!(cursors[2], log[&op_id(5)], "the cursor is the last seq");

        // Device A has them all already: nothing to download, same end.
        let own = pull(&router, "", 2, Some("tab-a")).await;
        assert!(own.ops.is_empty());
        assert!(!own.more);
        assert_eq!(own.remaining, 0);
        assert_eq!(own.cursor, cursor);

        // Past the end: an empty page, the cursor stays.
        let end = pull(&router, &cursor, 2, Some("tab-b")).await;
        assert!(end.ops.is_empty());
        assert!(!end.more);
        assert_eq!(end.remaining, 0);
        assert_eq!(end.cursor, cursor);
        let beyond = pull(&router, "1000", 2, None).await;
        assert!(beyond.ops.is_empty() && !beyond.more);
        assert_eq!(beyond.cursor, "1000");

        // Device A's later page skips its own ops but still sees B's.
        let from_b = creation(6, "tab-b", 6);
        assert_all_accepted(&push(&router, "tab-b", std::slice::from_ref(&from_b)).await);
        let page = pull(&router, "", 1000, Some("tab-a")).await;
        assert_eq!(
            page.ops,
            vec![Op {
                user: Some("admin".into()),
                received: page.ops[0].received.clone(),
                ..from_b
            }]
        );
        assert!(!page.more);
        assert_eq!(
            page.cursor,
            op_log(&fx.state.db).await[&op_id(6)].to_string()
        );
    }

    #[tokio::test]
    async fn defaults_without_parameters() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let response = call(
            &router,
            Request::get("/api/v1/sync/pull")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-store");
        let json = body_json(response).await;
        assert_eq!(json["ops"], json!([]));
        assert_eq!(json["cursor"], "0");
        assert_eq!(json["more"], false);
        assert_eq!(json["remaining"], 0);
        let time = json["server_time"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339");

        // A huge limit is clamped, not refused.
        let ops: Vec<Op> = (1..=3).map(|n| creation(n, "tab-a", n.into())).collect();
        push(&router, "tab-a", &ops).await;
        let page = pull(&router, "0", 1_000_000, None).await;
        assert_eq!(page.ops.len(), 3);
    }

    #[tokio::test]
    async fn a_bad_cursor_or_limit_is_a_400() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        for after in ["abc", "-1", "1.5", "%201", "99999999999999999999999"] {
            let uri = format!("/api/v1/sync/pull?after={after}");
            let response = call(&router, Request::get(&uri).body(Body::empty()).unwrap()).await;
            assert_json_error(response, StatusCode::BAD_REQUEST, "bad_cursor").await;
        }
        for uri in [
            "/api/v1/sync/pull?limit=ten",
            "/api/v1/sync/pull?limit=-5",
            "/api/v1/sync/pull?after=1&after=2",
        ] {
            let response = call(&router, Request::get(uri).body(Body::empty()).unwrap()).await;
            assert_json_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
        }
    }
}

// ---------------------------------------------------------------------------
// Bad input to the JSON API: always a 4xx JSON error, never a 5xx
mod bad_input {
    use super::*;

    #[tokio::test]
    async fn malformed_json_is_400_invalid_json() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        for body in [
            "{not json",
            "",
            "[]",
            r#"{"device": "tab-a"}"#,
            r#"{"device": 7, "ops": []}"#,
        ] {
            let response = call(&router, json_post(PUSH, body)).await;
            assert_json_error(response, StatusCode::BAD_REQUEST, "invalid_json").await;
        }
    }

    #[tokio::test]
    async fn wrong_or_missing_content_type_is_415() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let body = r#"{"device": "tab-a", "ops": []}"#;
        let wrong = Request::post(PUSH)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body))
            .unwrap();
        let missing = Request::post(PUSH).body(Body::from(body)).unwrap();
        for request in [wrong, missing] {
            let response = call(&router, request).await;
            assert_json_error(
                response,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )
            .await;
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn gzipped_push(body: Vec<u8>) -> Request<Body> {
        let mut request = json_post(PUSH, gzip(&body));
        request
            .headers_mut()
            .insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
        request
    }

    /// Devices gzip their pushes; the limit is on the body decompressed, so
    /// a small body that inflates past it is refused like a large one, and
    /// one that is not gzip at all is a JSON error too.
    #[tokio::test]
    async fn a_gzipped_push_is_taken_in_and_a_gzip_bomb_is_413() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let body = PushRequest {
            device: "tab-a".into(),
            ops: vec![creation(1, "tab-a", 1), creation(2, "tab-a", 2)],
        };
        let plain = serde_json::to_vec(&body).unwrap();
        let response = call(&router, gzipped_push(plain.clone())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let answer: PushResponse = serde_json::from_slice(&body_bytes(response).await).unwrap();
        assert_all_accepted(&answer);
        assert_eq!(answer.results.len(), 2);
        assert_eq!(op_log(&fx.state.db).await.len(), 2);

        // 17 MiB of JSON whitespace is ~17 KB gzipped.
        let mut bomb = br#"{"device": "tab-a", "ops": []}"#.to_vec();
        bomb.resize(17 * 1024 * 1024, b' ');
        let compressed = gzip(&bomb);
        assert!(compressed.len() < 100_000, "{} bytes", compressed.len());
        let response = call(&router, gzipped_push(bomb)).await;
        assert_json_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

        // Said to be gzip, but is not.
        let mut request = json_post(PUSH, plain);
        request
            .headers_mut()
            .insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
        let response = call(&router, request).await;
        assert_json_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
        assert_eq!(op_log(&fx.state.db).await.len(), 2);
    }

    #[tokio::test]
    async fn an_oversized_body_is_413_payload_too_large() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        // Valid JSON (padded with whitespace): only its size is wrong.
        let mut body = br#"{"device": "tab-a", "ops": []}"#.to_vec();
        body.resize(17 * 1024 * 1024, b' ');
        let response = call(&router, json_post(PUSH, body)).await;
        assert_json_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

        // Above axum's 2 MB default but within the push limit: accepted.
        let mut body = br#"{"device": "tab-a", "ops": []}"#.to_vec();
        body.resize(3 * 1024 * 1024, b' ');
        assert_eq!(
            call(&router, json_post(PUSH, body)).await.status(),
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn wrong_methods_and_unknown_v1_paths_are_json_errors() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let response = call(&router, Request::get(PUSH).body(Body::empty()).unwrap()).await;
        assert_json_error(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
        let response = call(&router, json_post("/api/v1/sync/pull", "{}")).await;
        assert_json_error(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
        for uri in ["/api/v1/sync", "/api/v1/sync/nope", "/api/v2/sync/pull"] {
            let response = call(&router, Request::get(uri).body(Body::empty()).unwrap()).await;
            assert_json_error(response, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
}

// ---------------------------------------------------------------------------
// GET /api/v1/openapi.json
mod openapi {
    use super::*;

    #[tokio::test]
    async fn describes_the_api() {
        let fx = Fixture::new().await;
        let response = fx.get("/api/v1/openapi.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-cache");
        assert!(header_value(&response, header::CONTENT_TYPE).starts_with("application/json"));
        let doc = body_json(response).await;
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        for path in [
            "/api/health",
            "/api/v1/sync/push",
            "/api/v1/sync/pull",
            "/api/v1/photos/uploads/{sha256}",
            "/api/v1/records/{record}/photos/{photo}",
        ] {
            assert!(paths.contains_key(path), "{path} missing");
        }
        assert!(doc["paths"]["/api/v1/sync/push"]["post"]["responses"]["413"].is_object());
        let upload = &doc["paths"]["/api/v1/photos/uploads/{sha256}"]["put"];
        for status in ["409", "413", "422", "429"] {
            assert!(upload["responses"][status].is_object(), "upload {status}");
        }
        assert_eq!(
            doc["components"]["schemas"]["Photo"]["properties"]["bytes"]["maximum"],
            complaints_domain::model::MAX_PHOTO_BYTES
        );
        assert_eq!(
            doc["components"]["schemas"]["PushRequest"]["properties"]["ops"]["maxItems"],
            MAX_PUSH_OPS
        );
        let codes = doc["components"]["schemas"]["RejectCode"]["enum"]
            .as_array()
            .expect("reject codes");
        for code in [
            "clock_ahead",
            "unknown_field",
            "invalid_value",
            "unknown_record",
            "incomplete_record",
            "malformed",
            "forbidden",
        ] {
            assert!(codes.contains(&json!(code)), "{code}");
        }
        // Every `$ref` points at a schema that exists.
        let text = doc.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "dangling $ref {name}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The op log's cursor under concurrency: pushes commit while devices pull.
// With a real file-backed WAL pool (as in production), no puller may miss a
// late-committed op, receive one twice, or receive them out of seq order.
mod late_commit {
    use super::*;

    const PUSHERS: u32 = 6;
    const BATCHES: u32 = 40;
    const PULLERS: usize = 3;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn pullers_get_every_op_once_in_seq_order() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let pushers_left = Arc::new(AtomicUsize::new(PUSHERS as usize));

        let pushers: Vec<_> = (0..PUSHERS)
            .map(|p| {
                let router = router.clone();
                let pushers_left = pushers_left.clone();
                tokio::spawn(async move {
                    let device = format!("pusher-{p}");
                    let mut pushed = Vec::new();
                    for b in 0..BATCHES {
                        let size = 1 + (p * 7 + b * 3) % 5;
                        let ops: Vec<Op> = (0..size)
                            .map(|i| {
                                let n = p * 1000 + b * 5 + i;
                                creation(n, &device, u64::from(n) + 1)
                            })
                            .collect();
                        // As a tablet does: a busy database (503) is tried again.
                        for attempt in 0.. {
                            assert!(attempt < 200, "the database stayed busy");
                            let response = call(&router, push_request(&device, &ops)).await;
                            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                                continue;
                            }
                            assert_eq!(response.status(), StatusCode::OK);
                            let bytes = body_bytes(response).await;
                            let answer: PushResponse = serde_json::from_slice(&bytes).unwrap();
                            assert_all_accepted(&answer);
                            break;
                        }
                        pushed.extend(ops.into_iter().map(|op| op.id));
                    }
                    pushers_left.fetch_sub(1, Ordering::SeqCst);
                    pushed
                })
            })
            .collect();

        let pullers: Vec<_> = (0..PULLERS)
            .map(|q| {
                let router = router.clone();
                let pushers_left = pushers_left.clone();
                tokio::spawn(async move {
                    let device = format!("puller-{q}");
                    let mut cursor = String::new();
                    let mut received: Vec<String> = Vec::new();
                    let mut round = 0u32;
                    loop {
                        // Read before pulling: if every push had committed
                        // before this pull began, an answer without `more`
                        // means the puller has everything.
                        let all_pushed = pushers_left.load(Ordering::SeqCst) == 0;
                        let limit = 3 + (round * 5 + q as u32) % 17;
                        round += 1;
                        let page = pull(&router, &cursor, limit, Some(&device)).await;
                        let previous: i64 = cursor.parse().unwrap_or(0);
                        let next: i64 = page.cursor.parse().expect("numeric cursor");
                        assert!(next >= previous, "cursor went back: {previous} → {next}");
                        assert!(page.ops.len() <= limit as usize);
                        received.extend(page.ops.into_iter().map(|op| op.id));
                        cursor = page.cursor;
                        if all_pushed && !page.more {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                    received
                })
            })
            .collect();

        let mut pushed = HashSet::new();
        for pusher in pushers {
            for id in pusher.await.expect("pusher panicked") {
                assert!(pushed.insert(id), "op ids are unique");
            }
        }
        let log = op_log(&fx.state.db).await;
        assert_eq!(log.len(), pushed.len());

        for (q, puller) in pullers.into_iter().enumerate() {
            let received = puller.await.expect("puller panicked");
            let mut seen = HashSet::new();
            for id in &received {
                assert!(seen.insert(id.clone()), "puller {q} got {id} twice");
            }
            assert_eq!(seen, pushed, "puller {q} did not get exactly every op");
            let seqs: Vec<i64> = received.iter().map(|id| log[id]).collect();
            assert!(
                seqs.windows(2).all(|w| w[0] < w[1]),
                "puller {q} got seqs out of order"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Migration 0002: the sync tables
mod sync_schema {
    use super::*;

    #[tokio::test]
    async fn creates_the_op_log_and_records() {
        let fx = Fixture::new().await;
        let (tables, indexes) = match Backend::of(&fx.state.db) {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ops'",
            ),
            Backend::Postgres => (
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
                "SELECT indexname::text FROM pg_indexes WHERE tablename = 'ops'",
            ),
        };
        let tables: Vec<String> = sqlx::query_scalar(tables)
            .fetch_all(&fx.state.db)
            .await
            .unwrap();
        for table in ["ops", "records", "server_meta"] {
            assert!(tables.contains(&table.to_owned()), "{tables:?}");
        }
        let indexes: Vec<String> = sqlx::query_scalar(indexes)
            .fetch_all(&fx.state.db)
            .await
            .unwrap();
        assert!(indexes.contains(&"ops_record_id".to_owned()), "{indexes:?}");
    }
}

// ---------------------------------------------------------------------------
// GET /api/v1/config: the risk rules' configuration
mod risk_config {
    use super::*;
    use complaints_domain::risk::{MarketingEvent, ModelLaunch, RiskConfig};
    use complaints_server::{load_risk_config, RISK_CONFIG_FILE};

    fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[tokio::test]
    async fn serves_the_configured_launches_and_events() {
        let mut fx = Fixture::new().await;
        fx.state.risk = Arc::new(RiskConfig {
            launches: vec![ModelLaunch {
                model: "ID.4".into(),
                launched: date(2026, 3, 1),
            }],
            events: vec![MarketingEvent {
                name: "广州车展".into(),
                start: date(2026, 11, 20),
                end: date(2026, 11, 29),
            }],
        });
        let request = Request::get("/api/v1/config").body(Body::empty()).unwrap();
        let response = fx.send(signed(request, "tab-a")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header_value(&response, header::CACHE_CONTROL), "no-store");
        let json = body_json(response).await;
        assert_eq!(
            json["risk"],
            json!({
                "launches": [{"model": "ID.4", "launched": "2026-03-01"}],
                "events": [{"name": "广州车展", "start": "2026-11-20", "end": "2026-11-29"}],
            })
        );
        assert!(json["server_time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn no_file_means_no_launches_or_events_and_a_bad_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_risk_config(dir.path()).unwrap(), RiskConfig::default());

        let path = dir.path().join(RISK_CONFIG_FILE);
        std::fs::write(
            &path,
            r#"{"launches": [{"model": "ID.4", "launched": "2026-3-1"}]}"#,
        )
        .unwrap();
        let read = load_risk_config(dir.path()).unwrap();
        assert_eq!(read.launches[0].launched, date(2026, 3, 1));

        std::fs::write(
            &path,
            r#"{"launches": [{"model": "ID.4", "launched": "soon"}]}"#,
        )
        .unwrap();
        let error = load_risk_config(dir.path()).unwrap_err();
        assert!(
            error.contains(RISK_CONFIG_FILE) && error.contains("soon"),
            "{error}"
        );
    }

    #[test]
    fn the_example_the_run_command_starts_from_is_valid() {
        let example: RiskConfig =
            serde_json::from_str(include_str!("../../../config/risk-config.example.json")).unwrap();
        assert_eq!(example.launches[0].model, "ID.4");
        assert!(example.events.iter().all(|e| e.start <= e.end));
    }
}

// ---------------------------------------------------------------------------
// Hostile input: bounds through push, a record that stays usable, pull pages
// bounded in bytes, and the start-up repair of what an older version stored
mod hostile {
    use super::*;

    /// `[[[…1…]]]`, `levels` deep.
    fn nested(levels: usize) -> serde_json::Value {
        (0..levels).fold(json!(1), |inner, _| json!([inner]))
    }

    /// A timeline entry by `device`, with `extra` fields.
    fn entry(id: &str, device: &str, extra: serde_json::Value) -> serde_json::Value {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut entry = json!({
            "id": id, "kind": "note", "at": now, "recorded": now, "by": "Administrator",
            "dev": device, "text": "已电话联系",
        });
        if let serde_json::Value::Object(extra) = extra {
            for (key, value) in extra {
                entry[key] = value;
            }
        }
        entry
    }

    #[tokio::test]
    async fn a_deeply_nested_entry_is_refused_alone_and_the_record_stays_usable() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let rec = record_id(1);
        let deep = entry("e1", "tab-a", json!({"extra": nested(122)}));
        let answer = push(
            &router,
            "tab-a",
            &[
                creation(1, "tab-a", 1),
                edit(&rec, "tab-a", 2, "tl.e1", deep),
                edit(&rec, "tab-a", 3, "tracking", json!("已联系")),
            ],
        )
        .await;
        assert_eq!(answer.results[0].outcome, Outcome::Accepted);
        assert_eq!(reason(&answer.results[1]).code, RejectCode::InvalidValue);
        assert_eq!(answer.results[2].outcome, Outcome::Accepted);
        // Every later push to the record, and every pull, still works.
        let later = push(
            &router,
            "tab-b",
            &[edit(
                &rec,
                "tab-b",
                4,
                "tl.e2",
                entry("e2", "tab-b", json!({})),
            )],
        )
        .await;
        assert_all_accepted(&later);
        let page = pull(&router, "", 100, None).await;
        assert_eq!(page.ops.len(), 3);
    }

    #[tokio::test]
    async fn fifteen_mib_in_a_device_name_or_a_step_author_is_refused() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let huge = "x".repeat(15 << 20);
        let mut create = creation(1, "tab-a", 1);
        create
            .set
            .insert("created_on_device".into(), json!(huge.clone()));
        let answer = push(&router, "tab-a", &[create]).await;
        assert_eq!(reason(&answer.results[0]).code, RejectCode::InvalidValue);
        assert_eq!(
            reason(&answer.results[0]).field.as_deref(),
            Some("created_on_device")
        );

        push(&router, "tab-a", &[creation(1, "tab-a", 2)]).await;
        let tick = json!({"by": huge, "dev": "tab-a", "at": "2026-05-28T00:00:00.000Z"});
        let answer = push(
            &router,
            "tab-a",
            &[edit(&record_id(1), "tab-a", 3, "step.1", tick)],
        )
        .await;
        assert_eq!(reason(&answer.results[0]).code, RejectCode::InvalidValue);
        assert_eq!(
            op_log(&fx.state.db).await.len(),
            1,
            "only the plain creation"
        );
    }

    #[tokio::test]
    async fn a_pull_page_stops_at_two_megabytes() {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        // 80 creations with every long text full: about 4.8 MB in all.
        let ops: Vec<Op> = (0..80u32)
            .map(|n| {
                let mut op = creation(n, "tab-a", u64::from(n) + 1);
                for key in [
                    "content",
                    "demand",
                    "tracking",
                    "final_result",
                    "root_cause",
                ] {
                    op.set.insert(key.into(), json!("字".repeat(4000)));
                }
                op
            })
            .collect();
        let bytes: usize = ops
            .iter()
            .map(|op| serde_json::to_vec(op).unwrap().len())
            .sum();
        assert!(bytes > 4_000_000, "{bytes} bytes");
        assert_all_accepted(&push(&router, "tab-a", &ops).await);

        let mut cursor = String::new();
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let response = call(
                &router,
                Request::get(pull_uri(&cursor, 2000, None))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            let body = body_bytes(response).await;
            assert!(body.len() < 2_300_000, "a page of {} bytes", body.len());
            let page: PullResponse = serde_json::from_slice(&body).unwrap();
            pages += 1;
            seen.extend(page.ops.into_iter().map(|op| op.id));
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert!(pages >= 3, "{pages} pages");
        let expected: Vec<String> = ops.iter().map(|op| op.id.clone()).collect();
        assert_eq!(seen, expected, "every op once, in order");
    }

    #[tokio::test]
    async fn what_an_older_version_stored_unreadable_is_set_aside_at_start_and_the_devices_are_told(
    ) {
        let fx = Fixture::new().await;
        let router = app(fx.state.clone());
        let rec = record_id(1);
        push(&router, "tab-a", &[creation(1, "tab-a", 1)]).await;
        // What an older version stored: an entry nested 122 levels deep,
        // in the log and in the record's state. Neither reads back.
        let bad = edit(
            &rec,
            "tab-a",
            2,
            "tl.e1",
            entry("e1", "tab-a", json!({"extra": nested(122)})),
        );
        let (state, _, _) = record_row(&fx.state.db, &rec).await.unwrap();
        let mut state: RecordState = serde_json::from_str(&state).unwrap();
        state.apply(&bad);
        let db = &fx.state.db;
        sqlx::query(
            "INSERT INTO ops (op_id, record_id, device, hlc, body, received_at) \
             VALUES ($1, $2, 'tab-a', $3, $4, '2026-01-01T00:00:00.000Z')",
        )
        .bind(&bad.id)
        .bind(&rec)
        .bind(bad.hlc.to_string())
        .bind(serde_json::to_string(&bad).unwrap())
        .execute(db)
        .await
        .unwrap();
        sqlx::query("UPDATE records SET state = $1 WHERE id = $2")
            .bind(serde_json::to_string(&state).unwrap())
            .bind(&rec)
            .execute(db)
            .await
            .unwrap();
        let cursor = pull(&router, "", 100, None).await.cursor;

        // Before the repair: a push to that record is refused on its own,
        // the rest of the batch goes in, and a pull still answers.
        let answer = push(
            &router,
            "tab-b",
            &[
                edit(&rec, "tab-b", 3, "tracking", json!("已联系")),
                creation(2, "tab-b", 4),
            ],
        )
        .await;
        assert_eq!(reason(&answer.results[0]).code, RejectCode::Malformed);
        assert_eq!(answer.results[1].outcome, Outcome::Accepted);

        // The next start sets it aside and rebuilds the record.
        sqlx::query("DELETE FROM meta").execute(db).await.unwrap();
        let url = db.connect_options().database_url.clone();
        let reopened = open_url(url.as_str()).await.expect("reopen");
        let set_aside: Vec<(String, String)> =
            sqlx::query_as("SELECT op_id, reason FROM ops_set_aside")
                .fetch_all(&reopened)
                .await
                .unwrap();
        assert_eq!(set_aside.len(), 1, "{set_aside:?}");
        assert_eq!(set_aside[0].0, bad.id);
        let state: RecordState =
            serde_json::from_str(&record_row(&reopened, &rec).await.unwrap().0).unwrap();
        assert!(state.materialize().is_ok());
        assert!(!state.ops.contains_key(&bad.id));

        // Every device is told, after the cursor it holds — the maker too.
        let router = app(AppState {
            photos: Default::default(),
            db: reopened,
            ..fx.state.clone()
        });
        let page = pull(&router, &cursor, 100, Some("tab-a")).await;
        assert_eq!(page.withdrawn.len(), 1, "{page:?}");
        assert_eq!(page.withdrawn[0].op, bad.id);
        assert_eq!(page.withdrawn[0].dev, "tab-a");
        // And the record takes edits again; the op id stays known.
        let answer = push(
            &router,
            "tab-b",
            &[
                edit(&rec, "tab-b", 5, "tracking", json!("已联系")),
                bad.clone(),
            ],
        )
        .await;
        assert_eq!(answer.results[0].outcome, Outcome::Accepted);
        assert_eq!(
            answer.results[1].outcome,
            Outcome::Accepted,
            "a retry is acknowledged"
        );
    }
}

// ---------------------------------------------------------------------------
// Connections with a deadline (the binary serves through `DeadlineListener`)
mod deadlines {
    use super::*;
    use complaints_server::net::{ClientAddr, DeadlineListener};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves the app on a free port with a request window of `window`.
    async fn serve(fx: &Fixture, window: Duration) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = app(fx.state.clone())
            .layer(axum::middleware::map_request(
                complaints_server::net::expose_client_addr,
            ))
            .into_make_service_with_connect_info::<ClientAddr>();
        tokio::spawn(async move {
            axum::serve(DeadlineListener::new(listener, window), app)
                .await
                .unwrap();
        });
        addr
    }

    /// Reads until the server closes the connection; what it sent.
    async fn read_to_close(stream: &mut tokio::net::TcpStream) -> Option<String> {
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out));
        match read.await {
            Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
            Err(_) => None,
        }
    }

    #[tokio::test]
    async fn a_request_sent_in_time_is_answered() {
        let fx = Fixture::new().await;
        let addr = serve(&fx, Duration::from_millis(500)).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_to_close(&mut stream)
            .await
            .expect("closed after the answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_that_trickles_its_header_is_disconnected() {
        let fx = Fixture::new().await;
        let addr = serve(&fx, Duration::from_millis(300)).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        // One byte every 50 ms: each read is quick, the request never ends.
        let mut closed = false;
        for byte in b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*byte]).await.is_err() {
                closed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let answer = if closed {
            Some(String::new())
        } else {
            read_to_close(&mut stream).await
        };
        let answer = answer.expect("the server closed the connection");
        assert!(!answer.contains("200 OK"), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_client_that_says_nothing_is_disconnected() {
        let fx = Fixture::new().await;
        let addr = serve(&fx, Duration::from_millis(200)).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let answer = read_to_close(&mut stream).await;
        assert!(answer.is_some(), "the connection is still open after 5 s");
    }
}
