//! Integration tests of `complaints-server`, driven through
//! `tower::ServiceExt::oneshot` on [`app`] (no TCP listener).
//!
//! Every test builds its own temp directory with a fake Trunk `dist/` and a
//! data directory, so tests are independent and can run in parallel.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Method, Request, Response, StatusCode};
use complaints_server::{app, open_db, AppError, AppState, DB_FILE_NAME};
use http_body_util::BodyExt;
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
        let db = open_db(&data_dir).await.expect("open db");
        Fixture {
            _tmp: tmp,
            data_dir,
            state: AppState { db, dist_dir: dist },
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
        fx.state.db.close().await;

        let db = open_db(&fx.data_dir).await.expect("second open");
        let probe: String = sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'probe'")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(probe, "kept");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&db)
            .await
            .unwrap();
        let shipped = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
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

    #[tokio::test]
    async fn nosniff_everywhere() {
        let fx = Fixture::new().await;
        for uri in [
            "/",
            "/app.js",
            "/new",
            "/missing.js",
            "/api/health",
            "/api/nope",
        ] {
            let response = fx.get(uri).await;
            assert_eq!(
                header_value(&response, header::X_CONTENT_TYPE_OPTIONS),
                "nosniff",
                "{uri}"
            );
        }
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
            db: fx.state.db.clone(),
            dist_dir: fx.data_dir.join("does-not-exist"),
        };
        let response = app(state)
            .oneshot(Request::get("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
