//! Sign-in (`complaints_server::auth`): login, tokens, `me`, logout, the
//! login rate limit, scopes, and the administrative functions behind the
//! `region`/`branch`/`user` subcommands. Driven through `oneshot` like
//! `tests/server.rs`; passwords are hashed with cheap argon2 parameters so
//! the suite stays fast (production uses the crate's defaults).
//!
//! Every request that must be refused is counted; `refusal_cases_are_all_4xx`
//! prints `auth refusal cases: N (4xx), plus 1 busy (503)`.
//!
//! The login throttle's waits are checked on a frozen clock
//! (`Auth::advance_clock`), so no test sleeps or depends on the machine's
//! speed.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use argon2::Params;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{header, Method, Request, Response, StatusCode};
use complaints_server::auth::{self, AdminError, Auth, AuthConfig, NewUser};
use complaints_server::{app, open_test_db, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

const DEVICE: &str = "device-test-1";
/// The secret key the test device holds.
const DEVICE_KEY: &str = "key-of-device-test-1";

fn cheap_params() -> Params {
    Params::new(Params::MIN_M_COST, 1, 1, None).expect("valid params")
}

fn test_config() -> AuthConfig {
    AuthConfig {
        password_params: cheap_params(),
        ..AuthConfig::default()
    }
}

struct Fixture {
    _tmp: TempDir,
    state: AppState,
    /// Passwords of the seeded users, by username.
    passwords: Vec<(String, String)>,
}

impl Fixture {
    async fn new() -> Self {
        Self::with_config(test_config()).await
    }

    /// Regions EAST (SH01, SH02) and NORTH (BJ01); users `wang` (staff,
    /// SH01), `li` (branch manager, SH02), `zhao` (regional manager, EAST),
    /// `admin`.
    async fn with_config(config: AuthConfig) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let db = open_test_db(&tmp.path().join("data"))
            .await
            .expect("open db");
        auth::add_region(&db, "EAST", "East China").await.unwrap();
        auth::add_region(&db, "NORTH", "North China").await.unwrap();
        auth::add_branch(&db, "SH01", "Shanghai Pudong", "EAST")
            .await
            .unwrap();
        auth::add_branch(&db, "SH02", "Shanghai Minhang", "EAST")
            .await
            .unwrap();
        auth::add_branch(&db, "BJ01", "Beijing Chaoyang", "NORTH")
            .await
            .unwrap();
        let users = [
            ("wang", "staff", Some("SH01"), None, "王伟"),
            ("li", "branch_manager", Some("SH02"), None, "李娜"),
            ("zhao", "regional_manager", None, Some("EAST"), "赵强"),
            ("admin", "admin", None, None, "Administrator"),
        ];
        let mut passwords = Vec::new();
        for (username, role, branch, region, name) in users {
            let user = NewUser::new(username, name, role, branch, region);
            let password = auth::add_user(&db, &user, &config.password_params)
                .await
                .unwrap();
            passwords.push((username.to_owned(), password));
        }
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        Fixture {
            state: AppState {
                photos: Default::default(),
                db,
                dist_dir: dist,
                risk: Default::default(),
                auth: Arc::new(Auth::new(config)),
            },
            _tmp: tmp,
            passwords,
        }
    }

    fn password(&self, username: &str) -> &str {
        &self
            .passwords
            .iter()
            .find(|(u, _)| u == username)
            .expect("seeded user")
            .1
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible")
    }

    async fn login_raw(&self, username: &str, password: &str) -> Response<Body> {
        self.send(login_request(username, password, None)).await
    }

    async fn login_from(&self, username: &str, password: &str, ip: [u8; 4]) -> Response<Body> {
        self.send(login_request(username, password, Some(ip))).await
    }

    /// Logs in and returns the token.
    async fn login(&self, username: &str) -> String {
        let response = self.login_raw(username, self.password(username)).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        let body = body_json(response).await;
        body["token"].as_str().expect("token").to_owned()
    }

    async fn with_token(&self, method: Method, uri: &str, token: &str) -> Response<Body> {
        self.send(
            Request::builder()
                .method(method)
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn me(&self, token: &str) -> Response<Body> {
        self.with_token(Method::GET, "/api/v1/auth/me", token).await
    }
}

fn login_request(username: &str, password: &str, ip: Option<[u8; 4]>) -> Request<Body> {
    let body = json!({"username": username, "password": password, "device": DEVICE,
                      "device_key": DEVICE_KEY});
    let mut request = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(ip) = ip {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    }
    request
}

fn raw_login(content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post("/api/v1/auth/login");
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).unwrap()
}

async fn body_json(response: Response<Body>) -> Value {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).expect("JSON body")
}

/// Asserts a JSON error with this status and code; returns the message.
async fn expect_error(response: Response<Body>, status: StatusCode, code: &str) -> String {
    let got = response.status();
    let body = body_json(response).await;
    assert_eq!(got, status, "body: {body}");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(body["server_time"].is_string());
    body["error"]["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_returns_a_token_the_user_and_their_scope() {
    let fx = Fixture::new().await;
    let response = fx.login_raw("wang", fx.password("wang")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = body_json(response).await;
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43, "32 bytes, base64url without padding");
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(
        body["user"],
        json!({"username": "wang", "display_name": "王伟", "role": "staff",
               "branch_code": "SH01", "region_code": null})
    );
    assert_eq!(
        body["scope"],
        json!({"kind": "branches", "branches": ["SH01"]})
    );
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!(
        (13.9..=14.0).contains(&days),
        "default lifetime 14 days, got {days}"
    );
    assert!(body["server_time"].is_string());

    // Only the token's SHA-256 is stored, with the device.
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT token_hash, device FROM tokens")
        .fetch_all(&fx.state.db)
        .await
        .unwrap();
    assert_eq!(rows, vec![(auth::token_hash(token), DEVICE.to_owned())]);
    assert_ne!(rows[0].0, token);
    assert_eq!(rows[0].0.len(), 64);

    // Passwords are argon2id PHC strings, never the password.
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'wang'")
            .fetch_one(&fx.state.db)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(fx.password("wang")));
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let fx = Fixture::with_config(AuthConfig {
        token_lifetime: chrono::TimeDelta::hours(2),
        ..test_config()
    })
    .await;
    let body = body_json(fx.login_raw("li", fx.password("li")).await).await;
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let minutes = (expires - chrono::Utc::now()).num_minutes();
    assert!((118..=120).contains(&minutes), "{minutes}");
}

#[tokio::test]
async fn me_returns_the_user_and_scope_of_each_role() {
    let fx = Fixture::new().await;
    let cases = [
        (
            "wang",
            "staff",
            json!({"kind": "branches", "branches": ["SH01"]}),
        ),
        (
            "li",
            "branch_manager",
            json!({"kind": "branches", "branches": ["SH02"]}),
        ),
        // Exactly the region's branches: not BJ01 of NORTH.
        (
            "zhao",
            "regional_manager",
            json!({"kind": "branches", "branches": ["SH01", "SH02"]}),
        ),
        ("admin", "admin", json!({"kind": "all"})),
    ];
    for (username, role, scope) in cases {
        let token = fx.login(username).await;
        let response = fx.me(&token).await;
        assert_eq!(response.status(), StatusCode::OK, "{username}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body = body_json(response).await;
        assert_eq!(body["user"]["username"], username);
        assert_eq!(body["user"]["role"], role);
        assert_eq!(body["scope"], scope, "{username}");
        assert_eq!(body["device"], DEVICE);
        assert!(body["expires_at"].is_string());
    }
    // The regional manager's user record names the region, not a branch.
    let token = fx.login("zhao").await;
    let body = body_json(fx.me(&token).await).await;
    assert_eq!(body["user"]["region_code"], "EAST");
    assert_eq!(body["user"]["branch_code"], Value::Null);
}

#[tokio::test]
async fn a_new_branch_of_the_region_joins_the_regional_scope() {
    let fx = Fixture::new().await;
    let token = fx.login("zhao").await;
    auth::add_branch(&fx.state.db, "HZ01", "Hangzhou", "EAST")
        .await
        .unwrap();
    let body = body_json(fx.me(&token).await).await;
    assert_eq!(
        body["scope"],
        json!({"kind": "branches", "branches": ["HZ01", "SH01", "SH02"]})
    );
}

#[tokio::test]
async fn logout_revokes_only_the_presented_token() {
    let fx = Fixture::new().await;
    let first = fx.login("wang").await;
    let second = fx.login("wang").await;
    assert_ne!(first, second);
    let response = fx
        .with_token(Method::POST, "/api/v1/auth/logout", &first)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(response).await["signed_out"], true);
    expect_error(
        fx.me(&first).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    assert_eq!(fx.me(&second).await.status(), StatusCode::OK);
}

/// Every route that reads or writes data needs a token (the refusals are in
/// `refusal_cases_are_all_4xx`); with one, they answer.
#[tokio::test]
async fn sync_and_config_answer_a_signed_in_user() {
    let fx = Fixture::new().await;
    let token = fx.login("wang").await;
    for uri in ["/api/v1/sync/pull", "/api/v1/config"] {
        let response = fx.with_token(Method::GET, uri, &token).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
    }
}

/// An address an attacker guesses from.
const ATTACKER: [u8; 4] = [203, 0, 113, 9];
/// The address of a user's own tablet.
const TABLET: [u8; 4] = [10, 1, 1, 20];

/// The `Retry-After` header, in seconds.
fn retry_after(response: &Response<Body>) -> u64 {
    response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Asserts `429 rate_limited` with this `Retry-After`.
async fn expect_limited(response: Response<Body>, seconds: u64) {
    assert_eq!(retry_after(&response), seconds, "Retry-After");
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

/// Guessing a user's password from one address slows down that (username,
/// address) pair only: the user, with the right password, signs in at once
/// from their own tablet, however long the attacker keeps going.
#[tokio::test]
async fn guessing_from_one_address_does_not_lock_the_user_out_of_another() {
    let fx = Fixture::new().await;
    fx.state.auth.advance_clock(Duration::ZERO);
    for _ in 0..5 {
        let response = fx.login_from("zhao", "guess", ATTACKER).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    // The attacker's pair is slowed down, even with the right password.
    let response = fx.login_from("zhao", fx.password("zhao"), ATTACKER).await;
    expect_limited(response, 1).await;
    // The attacker guesses as fast as the delays allow, 20 more times.
    let mut wait = 1;
    for _ in 0..20 {
        fx.state.auth.advance_clock(Duration::from_secs(wait));
        let response = fx.login_from("ZHAO", "guess", ATTACKER).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
        wait = retry_after(&fx.login_from("zhao", "guess", ATTACKER).await);
    }
    assert_eq!(wait, 15 * 60, "capped at 15 minutes");
    // The regional manager on her own tablet signs in, first time, as do
    // other users from the attacker's address.
    let response = fx.login_from("zhao", fx.password("zhao"), TABLET).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = fx.login_from("wang", fx.password("wang"), ATTACKER).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Two server instances on one database share the throttle: five failures
/// on instance A, and the sixth attempt on instance B waits, as on A; a
/// sign-in on B clears the pair for A too. (Each instance has its own pool
/// and its own `Auth`, as two processes would.)
#[tokio::test]
async fn failures_on_one_instance_count_on_another() {
    let fx = Fixture::new().await;
    let url = fx.state.db.connect_options().database_url.to_string();
    let other = AppState {
        db: complaints_server::open_url(&url).await.unwrap(),
        auth: Arc::new(Auth::new(test_config())),
        ..fx.state.clone()
    };
    let on_b = |request| app(other.clone()).oneshot(request);
    for _ in 0..5 {
        let response = fx.login_from("zhao", "guess", ATTACKER).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let response = on_b(login_request("zhao", fx.password("zhao"), Some(ATTACKER)))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "B counts A's failures"
    );
    // Once the wait is over, the right password on B signs in and clears the pair on A.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = on_b(login_request("zhao", fx.password("zhao"), Some(ATTACKER)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = fx.login_from("zhao", "guess", ATTACKER).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
}

/// After 5 free failures of a (username, address) pair, each further
/// attempt waits 1 s, 2 s, 4 s ... at most 15 minutes since the pair's last
/// failure; an attempt inside the wait is refused (and not counted); once it
/// has passed the right password signs in and clears the pair.
#[tokio::test]
async fn the_delay_doubles_after_five_free_failures_up_to_fifteen_minutes() {
    let fx = Fixture::new().await;
    fx.state.auth.advance_clock(Duration::ZERO);
    for _ in 0..5 {
        let response = fx.login_from("wang", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    let mut expected = 1;
    for _ in 0..12 {
        expect_limited(fx.login_from("wang", "guess", TABLET).await, expected).await;
        if expected > 1 {
            // One second short: still refused, and the refusal does not
            // extend the wait.
            fx.state
                .auth
                .advance_clock(Duration::from_secs(expected - 1));
            expect_limited(fx.login_from("wang", "guess", TABLET).await, 1).await;
            fx.state.auth.advance_clock(Duration::from_secs(1));
        } else {
            fx.state.auth.advance_clock(Duration::from_secs(1));
        }
        let response = fx.login_from("wang", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
        expected = (expected * 2).min(15 * 60);
    }
    assert_eq!(expected, 15 * 60);
    let response = fx.login_from("wang", fx.password("wang"), TABLET).await;
    expect_limited(response, 15 * 60).await;
    fx.state.auth.advance_clock(Duration::from_secs(15 * 60));
    let response = fx.login_from("wang", fx.password("wang"), TABLET).await;
    assert_eq!(response.status(), StatusCode::OK);
    // Cleared: five free failures again.
    for _ in 0..5 {
        let response = fx.login_from("wang", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    expect_limited(fx.login_from("wang", "guess", TABLET).await, 1).await;
}

/// Failures are forgotten an hour after a pair's last one.
#[tokio::test]
async fn failures_are_forgotten_after_a_quiet_hour() {
    let fx = Fixture::new().await;
    fx.state.auth.advance_clock(Duration::ZERO);
    for _ in 0..5 {
        let response = fx.login_from("li", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    expect_limited(fx.login_from("li", "guess", TABLET).await, 1).await;
    fx.state.auth.advance_clock(Duration::from_secs(60 * 60));
    for _ in 0..5 {
        let response = fx.login_from("li", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    expect_limited(fx.login_from("li", "guess", TABLET).await, 1).await;
}

/// Many usernames failing from one address (a dealer branch behind one NAT)
/// slow that address down for a short while, at most a minute; users who
/// have signed in from it before, and other addresses, are not affected.
#[tokio::test]
async fn a_shared_address_is_slowed_down_briefly_not_blocked() {
    let fx = Fixture::with_config(AuthConfig {
        free_failures_per_address: 3,
        ..test_config()
    })
    .await;
    fx.state.auth.advance_clock(Duration::ZERO);
    const BRANCH: [u8; 4] = [10, 0, 0, 7];
    // li has signed in from the branch before.
    let response = fx.login_from("li", fx.password("li"), BRANCH).await;
    assert_eq!(response.status(), StatusCode::OK);
    for username in ["a", "b", "c"] {
        let response = fx.login_from(username, "guess", BRANCH).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    // A fourth username from there waits a second, even the right password...
    expect_limited(fx.login_from("wang", fx.password("wang"), BRANCH).await, 1).await;
    // ...but li, known at this address, does not, nor wang elsewhere.
    let response = fx.login_from("li", fx.password("li"), BRANCH).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = fx
        .login_from("wang", fx.password("wang"), [10, 0, 0, 8])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // However long the spraying goes on, the wait stays at most a minute.
    let mut wait = 1;
    for i in 0..10 {
        fx.state.auth.advance_clock(Duration::from_secs(wait));
        let response = fx.login_from(&format!("x{i}"), "guess", BRANCH).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
        let response = fx.login_from("zhao", fx.password("zhao"), BRANCH).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        wait = retry_after(&response);
    }
    assert_eq!(wait, 60);
    fx.state.auth.advance_clock(Duration::from_secs(wait));
    let response = fx.login_from("zhao", fx.password("zhao"), BRANCH).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Many failures for one username across addresses (a distributed guesser)
/// slow that username down from new addresses; the user is not slowed down
/// where they have signed in before.
#[tokio::test]
async fn a_distributed_guesser_slows_the_username_down_but_not_at_known_addresses() {
    let fx = Fixture::with_config(AuthConfig {
        free_failures_per_username: 3,
        ..test_config()
    })
    .await;
    fx.state.auth.advance_clock(Duration::ZERO);
    let response = fx.login_from("zhao", fx.password("zhao"), TABLET).await;
    assert_eq!(response.status(), StatusCode::OK);
    for i in 1..=3 {
        let response = fx.login_from("zhao", "guess", [198, 51, 100, i]).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    // A fourth address waits for this username, even with the right password...
    let response = fx
        .login_from("zhao", fx.password("zhao"), [198, 51, 100, 99])
        .await;
    expect_limited(response, 1).await;
    // ...not for another username...
    let response = fx
        .login_from("wang", fx.password("wang"), [198, 51, 100, 99])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    // ...and the regional manager on her usual tablet signs in.
    let response = fx.login_from("zhao", fx.password("zhao"), TABLET).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A known address still has its own pair's throttle.
    for _ in 0..5 {
        let response = fx.login_from("zhao", "guess", TABLET).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    expect_limited(fx.login_from("zhao", "guess", TABLET).await, 1).await;
}

/// The attempt is counted under the same lock as the check, before the
/// password is verified: 50 guesses at once for one pair get the 5 free
/// verifications, the other 45 are refused. On the single-threaded test
/// runtime the 50 tasks all start (each runs until its first `await`, the
/// user lookup) before any finishes: the widest the race can be, every time.
#[tokio::test]
async fn concurrent_guesses_for_one_pair_get_only_the_free_attempts() {
    let fx = Fixture::with_config(AuthConfig {
        max_concurrent_checks: 64,
        ..test_config()
    })
    .await;
    fx.state.auth.advance_clock(Duration::ZERO);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let router = app(fx.state.clone());
        let request = login_request("zhao", &format!("guess-{i}"), Some(ATTACKER));
        tasks.spawn(async move { router.oneshot(request).await.expect("infallible").status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), 5, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 45, "{statuses:?}");
}

/// Password checks (argon2: 19 MiB and a CPU for a while each) are capped:
/// past [`AuthConfig::max_concurrent_checks`] a login is answered at once
/// `503 busy` with `Retry-After: 1`, never queued, and not counted as a
/// failure; each check gives its permit back.
#[tokio::test]
async fn password_checks_past_the_cap_are_refused_busy_not_queued() {
    let fx = Fixture::with_config(AuthConfig {
        max_concurrent_checks: 2,
        ..test_config()
    })
    .await;
    let first = fx
        .state
        .auth
        .try_acquire_password_check()
        .expect("a permit");
    // One left: a login goes through.
    fx.login("wang").await;
    let second = fx
        .state
        .auth
        .try_acquire_password_check()
        .expect("a permit");
    assert!(fx.state.auth.try_acquire_password_check().is_none());
    for password in ["guess", fx.password("wang")] {
        for _ in 0..5 {
            let response = fx.login_raw("wang", password).await;
            assert_eq!(retry_after(&response), 1);
            expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
        }
    }
    drop(first);
    drop(second);
    // The busy answers were not failures: four wrong guesses are still free.
    for _ in 0..4 {
        let response = fx.login_raw("wang", "guess").await;
        expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    }
    fx.login("wang").await;
    let response = fx.login_raw("nobody", "guess").await;
    expect_error(response, StatusCode::UNAUTHORIZED, "bad_credentials").await;
    // Every check gave its permit back.
    let _a = fx
        .state
        .auth
        .try_acquire_password_check()
        .expect("a permit");
    let _b = fx
        .state
        .auth
        .try_acquire_password_check()
        .expect("a permit");
    assert!(fx.state.auth.try_acquire_password_check().is_none());
}

#[tokio::test]
async fn a_successful_login_clears_the_failures() {
    let fx = Fixture::new().await;
    for _ in 0..4 {
        assert_eq!(
            fx.login_raw("wang", "wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    fx.login("wang").await;
    for _ in 0..4 {
        assert_eq!(
            fx.login_raw("wang", "wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    fx.login("wang").await;
}

#[tokio::test]
async fn reset_password_refuses_the_old_one_and_revokes_tokens() {
    let fx = Fixture::new().await;
    let token = fx.login("wang").await;
    let new = auth::reset_password(&fx.state.db, "wang", &cheap_params())
        .await
        .unwrap();
    assert_ne!(new, fx.password("wang"));
    expect_error(
        fx.login_raw("wang", fx.password("wang")).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    assert_eq!(fx.login_raw("wang", &new).await.status(), StatusCode::OK);
    expect_error(
        fx.me(&token).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    assert!(matches!(
        auth::reset_password(&fx.state.db, "nobody", &cheap_params()).await,
        Err(AdminError::UnknownUser(_))
    ));
}

#[tokio::test]
async fn administration_refuses_bad_input_clearly() {
    let fx = Fixture::new().await;
    let db = &fx.state.db;
    let params = cheap_params();
    let user = |username: &str, role: &str, branch: Option<&str>, region: Option<&str>| NewUser {
        username: username.into(),
        display_name: String::new(),
        role: role.into(),
        branch_code: branch.map(Into::into),
        region_code: region.map(Into::into),
    };
    let cases: Vec<(NewUser, &str)> = vec![
        (user("wang", "staff", Some("SH01"), None), "already taken"),
        (
            user("x1", "staff", Some("GZ09"), None),
            "unknown branch 'GZ09'",
        ),
        (
            user("x2", "regional_manager", None, Some("WEST")),
            "unknown region 'WEST'",
        ),
        (user("x3", "root", None, None), "unknown role 'root'"),
        (user("x4", "staff", None, None), "--branch"),
        (user("x5", "regional_manager", None, None), "--region"),
        (user("x6", "admin", Some("SH01"), None), "drop --branch"),
        (
            user("x7", "branch_manager", Some("SH01"), Some("EAST")),
            "drop --region",
        ),
        (user("", "admin", None, None), "username"),
        (user("two words", "admin", None, None), "username"),
    ];
    for (new_user, expected) in cases {
        let error = auth::add_user(db, &new_user, &params).await.unwrap_err();
        assert!(
            error.to_string().contains(expected),
            "{new_user:?}: {error} (expected {expected:?})"
        );
    }
    assert!(matches!(
        auth::add_region(db, "EAST", "again").await,
        Err(AdminError::DuplicateRegion(_))
    ));
    assert!(matches!(
        auth::add_branch(db, "SH01", "again", "EAST").await,
        Err(AdminError::DuplicateBranch(_))
    ));
    assert!(matches!(
        auth::add_branch(db, "GZ01", "Guangzhou", "SOUTH").await,
        Err(AdminError::UnknownRegion(_))
    ));
    assert!(matches!(
        auth::add_region(db, "bad code", "x").await,
        Err(AdminError::Invalid(_))
    ));
    // Generated passwords differ and avoid look-alike characters.
    let a = auth::generate_password();
    let b = auth::generate_password();
    assert_ne!(a, b);
    assert_eq!(a.len(), 16);
    assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
}

/// Every route that needs a token: the bad, expired and revoked tokens of
/// `refusal_cases_are_all_4xx` are tried on each.
const TOKEN_ROUTES: [(Method, &str); 5] = [
    (Method::GET, "/api/v1/auth/me"),
    (Method::POST, "/api/v1/auth/logout"),
    (Method::GET, "/api/v1/sync/pull"),
    (Method::POST, "/api/v1/sync/push"),
    (Method::GET, "/api/v1/config"),
];

/// Every request that must be refused, each with its status and code, all
/// 4xx; prints how many ran. The one 5xx refusal, `503 busy` (too many
/// password checks at once), is counted apart.
#[tokio::test]
async fn refusal_cases_are_all_4xx() {
    let fx = Fixture::new().await;
    let mut count = 0usize;

    // --- login ---------------------------------------------------------
    let wrong = expect_error(
        fx.login_raw("wang", "not-the-password").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    count += 1;
    let unknown = expect_error(
        fx.login_raw("nobody", "whatever").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    count += 1;
    assert_eq!(wrong, unknown, "no user enumeration");
    expect_error(
        fx.login_raw("", "").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    count += 1;

    // A disabled user cannot sign in, and their tokens stop working.
    let li_token = fx.login("li").await;
    sqlx::query("UPDATE users SET disabled = 1 WHERE username = 'li'")
        .execute(&fx.state.db)
        .await
        .unwrap();
    let disabled = expect_error(
        fx.login_raw("li", fx.password("li")).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    assert_eq!(disabled, wrong);
    count += 1;
    expect_error(
        fx.me(&li_token).await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    count += 1;

    let oversized = "x".repeat(auth::LOGIN_BODY_LIMIT + 1);
    let bad_bodies: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            raw_login(
                Some("application/json"),
                json!({"username": "wang", "password": oversized, "device": DEVICE}).to_string(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            raw_login(Some("application/json"), "{\"username\": \"wang\", "),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw_login(Some("application/json"), "[1, 2, 3]"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw_login(
                Some("application/json"),
                json!({"username": "wang"}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            raw_login(
                Some("application/json"),
                json!({"username": "wang", "password": "x", "device": "  "}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            raw_login(
                Some("application/json"),
                json!({"username": "wang", "password": "x", "device": DEVICE}).to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            raw_login(
                Some("application/json"),
                json!({"username": "wang", "password": "x", "device": DEVICE, "device_key": "short"})
                    .to_string(),
            ),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            raw_login(
                None,
                json!({"username": "wang", "password": "x", "device": DEVICE}).to_string(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Request::get("/api/v1/auth/login")
                .body(Body::empty())
                .unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (request, status, code) in bad_bodies {
        expect_error(fx.send(request).await, status, code).await;
        count += 1;
    }

    // --- tokens ----------------------------------------------------------
    let token = fx.login("wang").await;
    let bad_headers: Vec<(Option<String>, &str)> = vec![
        (None, "unauthenticated"),
        (Some(String::new()), "unauthenticated"),
        (Some("Bearer".into()), "unauthenticated"),
        (Some("Bearer ".into()), "unauthenticated"),
        (Some(token.clone()), "unauthenticated"),
        (Some(format!("Basic {token}")), "unauthenticated"),
        (Some(format!("Bearer {token}x")), "unauthenticated"),
        (Some(format!("Bearer {}", &token[1..])), "unauthenticated"),
        (Some(format!("Bearer {}!", &token[1..])), "unauthenticated"),
        (
            Some(format!("Bearer {}", "é".repeat(20))),
            "unauthenticated",
        ),
        // Forged: well-formed, but no server issued it.
        (
            Some(format!("Bearer {}", "A".repeat(43))),
            "unauthenticated",
        ),
        (
            Some(format!("Bearer {}", forged_token())),
            "unauthenticated",
        ),
    ];
    for (value, code) in bad_headers {
        for (method, uri) in TOKEN_ROUTES {
            let mut builder = Request::builder().method(method).uri(uri);
            if let Some(value) = &value {
                builder = builder.header(header::AUTHORIZATION, value.as_bytes());
            }
            let response = fx.send(builder.body(Body::empty()).unwrap()).await;
            assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
            expect_error(response, StatusCode::UNAUTHORIZED, code).await;
            count += 1;
        }
    }
    // The token still works after all that.
    assert_eq!(fx.me(&token).await.status(), StatusCode::OK);

    // Expired: a token whose expiry has passed.
    let expired = fx.login("zhao").await;
    sqlx::query("UPDATE tokens SET expires_at = '2020-01-01T00:00:00.000Z' WHERE token_hash = $1")
        .bind(auth::token_hash(&expired))
        .execute(&fx.state.db)
        .await
        .unwrap();
    for (method, uri) in TOKEN_ROUTES {
        expect_error(
            fx.with_token(method, uri, &expired).await,
            StatusCode::UNAUTHORIZED,
            "token_expired",
        )
        .await;
        count += 1;
    }

    // Revoked: after logout, for me and for a second logout.
    let response = fx
        .with_token(Method::POST, "/api/v1/auth/logout", &token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for (method, uri) in TOKEN_ROUTES {
        expect_error(
            fx.with_token(method, uri, &token).await,
            StatusCode::UNAUTHORIZED,
            "token_revoked",
        )
        .await;
        count += 1;
    }

    // --- rate limit ------------------------------------------------------
    // Five failures for `admin` from one address, then 429 with a wait of
    // 1 s, even with the right password; usernames match case-insensitively.
    // The clock is frozen, so the waits are exact.
    fx.state.auth.advance_clock(Duration::ZERO);
    for _ in 0..5 {
        expect_error(
            fx.login_from("admin", "guess", ATTACKER).await,
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
        )
        .await;
        count += 1;
    }
    for (username, password) in [
        ("admin", "guess"),
        ("admin", fx.password("admin")),
        ("ADMIN", fx.password("admin")),
    ] {
        expect_limited(fx.login_from(username, password, ATTACKER).await, 1).await;
        count += 1;
    }
    // Once the wait has passed, one more guess, then twice the wait.
    fx.state.auth.advance_clock(Duration::from_secs(1));
    expect_error(
        fx.login_from("admin", "guess", ATTACKER).await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    )
    .await;
    count += 1;
    expect_limited(fx.login_from("admin", "guess", ATTACKER).await, 2).await;
    count += 1;

    // --- busy ------------------------------------------------------------
    // Counted apart, being a 5xx (the server's state, not the request's
    // fault): with every password-check permit taken, a login is refused at
    // once, `503 busy` with `Retry-After: 1`.
    let mut held = Vec::new();
    for _ in 0..64 {
        match fx.state.auth.try_acquire_password_check() {
            Some(permit) => held.push(permit),
            None => break,
        }
    }
    let response = fx.login_raw("wang", fx.password("wang")).await;
    assert_eq!(retry_after(&response), 1);
    expect_error(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
    let busy = 1;
    drop(held);

    println!("auth refusal cases: {count} (4xx), plus {busy} busy (503)");
    assert_eq!(count, 94);
}

/// A random, well-formed token no server issued.
fn forged_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn the_openapi_document_describes_the_auth_routes() {
    let fx = Fixture::new().await;
    let response = fx
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc = body_json(response).await;
    assert!(doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"].is_object());
    assert!(doc["paths"]["/api/v1/auth/logout"]["post"]["responses"]["401"].is_object());
    assert!(doc["paths"]["/api/v1/auth/me"]["get"]["responses"]["200"].is_object());
    assert_eq!(
        doc["components"]["schemas"]["User"]["properties"]["role"]["enum"],
        json!(["staff", "branch_manager", "regional_manager", "admin"])
    );
    let codes =
        &doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"];
    for code in [
        "unauthenticated",
        "token_expired",
        "token_revoked",
        "bad_credentials",
        "rate_limited",
    ] {
        assert!(codes.as_array().unwrap().contains(&json!(code)), "{code}");
    }
}

/// A sign-in on `device` with its `key`.
fn login_on(username: &str, password: &str, device: &str, key: &str) -> Request<Body> {
    raw_login(
        Some("application/json"),
        json!({"username": username, "password": password, "device": device, "device_key": key})
            .to_string(),
    )
}

/// A device id is bound to the key of its first sign-in: a colleague on the
/// same tablet (same key) signs in; someone who copied the id out of an
/// operation (another key) cannot, so they cannot make edits that tablet
/// would skip as its own.
#[tokio::test]
async fn a_device_id_belongs_to_the_key_that_first_signed_in_with_it() {
    let fx = Fixture::new().await;
    let tablet_key = "tablet-x-secret-key-0001";
    let wang = fx
        .send(login_on(
            "wang",
            fx.password("wang"),
            "tablet-x",
            tablet_key,
        ))
        .await;
    assert_eq!(wang.status(), StatusCode::OK);
    let thief = fx
        .send(login_on(
            "li",
            fx.password("li"),
            "tablet-x",
            "someone-elses-key-0002",
        ))
        .await;
    expect_error(thief, StatusCode::CONFLICT, "device_taken").await;
    let colleague = fx
        .send(login_on("li", fx.password("li"), "tablet-x", tablet_key))
        .await;
    assert_eq!(colleague.status(), StatusCode::OK);
}

/// A device id used before keys existed is claimed by the first keyed
/// sign-in of a user who used it; nobody else can claim it first.
#[tokio::test]
async fn a_device_known_before_keys_is_claimed_only_by_its_own_users() {
    let fx = Fixture::new().await;
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at) \
         SELECT 'old-token-hash', id, 'old-tab', '2026-01-01T00:00:00.000Z', \
                '2026-01-15T00:00:00.000Z' FROM users WHERE username = 'wang'",
    )
    .execute(&fx.state.db)
    .await
    .unwrap();
    let key = "old-tab-secret-key-000001";
    let thief = fx
        .send(login_on(
            "li",
            fx.password("li"),
            "old-tab",
            "thief-secret-key-0000001",
        ))
        .await;
    expect_error(thief, StatusCode::CONFLICT, "device_taken").await;
    let owner = fx
        .send(login_on("wang", fx.password("wang"), "old-tab", key))
        .await;
    assert_eq!(owner.status(), StatusCode::OK);
    let colleague = fx
        .send(login_on("li", fx.password("li"), "old-tab", key))
        .await;
    assert_eq!(colleague.status(), StatusCode::OK);
}

/// A pull skips "its own" operations only for the device its token belongs to.
#[tokio::test]
async fn a_pull_may_skip_only_its_own_devices_operations() {
    let fx = Fixture::new().await;
    let token = fx.login("wang").await;
    let response = fx
        .with_token(
            Method::GET,
            "/api/v1/sync/pull?device=some-other-tablet",
            &token,
        )
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "wrong_device").await;
    let own = fx
        .with_token(
            Method::GET,
            &format!("/api/v1/sync/pull?device={DEVICE}"),
            &token,
        )
        .await;
    assert_eq!(own.status(), StatusCode::OK);
}

/// Demo users share one printed password: a database that holds anything —
/// a region, a branch, complaints — gets none, even without users.
#[tokio::test]
async fn demo_data_is_never_added_to_a_database_in_use() {
    use complaints_server::demo::{self, Seeded};
    let tmp = tempfile::tempdir().unwrap();
    let db = open_test_db(&tmp.path().join("data")).await.unwrap();
    auth::add_region(&db, "EAST", "East China").await.unwrap();
    assert_eq!(
        demo::seed(&db, &cheap_params()).await.unwrap(),
        Seeded::NotEmpty
    );
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test]
async fn demo_data_is_created_once_and_its_users_can_sign_in() {
    use complaints_server::demo::{self, Seeded};
    let tmp = tempfile::tempdir().unwrap();
    let db = open_test_db(&tmp.path().join("data")).await.unwrap();
    let Seeded::Added { password } = demo::seed(&db, &cheap_params()).await.unwrap() else {
        panic!("an empty database gets the demo data");
    };
    assert_eq!(password.len(), 16, "a generated password");
    let count_ops = |db: sqlx::AnyPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ops")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    let ops = count_ops(db.clone()).await;
    // Once only: a second start (or a database with users) adds nothing.
    assert_eq!(
        demo::seed(&db, &cheap_params()).await.unwrap(),
        Seeded::NotEmpty
    );
    assert_eq!(
        count_ops(db.clone()).await,
        ops,
        "a second seed adds nothing"
    );
    let help = demo::sign_in_help(&password, "http://127.0.0.1:8080");
    assert!(help.contains(&format!("demo password (every demo user): {password}")));
    let fx = Fixture {
        state: AppState {
            photos: Default::default(),
            db,
            dist_dir: tmp.path().join("dist"),
            risk: Default::default(),
            auth: Arc::new(Auth::new(test_config())),
        },
        _tmp: tmp,
        passwords: Vec::new(),
    };
    for (username, _, role, branch, _) in demo::USERS {
        assert!(help.contains(username), "{username} is listed");
        let response = fx.login_raw(username, &password).await;
        assert_eq!(response.status(), StatusCode::OK, "{username}");
        let body = body_json(response).await;
        assert_eq!(body["user"]["role"], role);
        assert_eq!(body["user"]["branch_code"], json!(branch));
    }
    let zhao = body_json(fx.login_raw("zhao.lei", &password).await).await;
    assert_eq!(
        zhao["scope"],
        json!({"kind": "branches", "branches": ["BJ01", "BJ02"]})
    );

    // The starter answers: those for everyone reach every user; the
    // northern region's and BJ01's only theirs.
    let mut everyone = None;
    for (username, own) in [
        (
            "zhang.wei",
            vec![
                "ans:branch:BJ01:weekend-hours",
                "ans:region:HB:roadside-puncture",
            ],
        ),
        ("wang.fang", vec!["ans:region:HB:roadside-puncture"]),
        ("chen.jie", vec![]),
        (
            "zhao.lei",
            vec![
                "ans:branch:BJ01:weekend-hours",
                "ans:region:HB:roadside-puncture",
            ],
        ),
    ] {
        let pull = pull_as(&fx, username, &password).await;
        let ids: BTreeSet<String> = pull["ops"]
            .as_array()
            .expect("ops")
            .iter()
            .map(|op| op["rec"].as_str().expect("rec").to_owned())
            .filter(|id| id.starts_with("ans:"))
            .collect();
        let (theirs, all): (BTreeSet<String>, BTreeSet<String>) =
            ids.into_iter().partition(|id| !id.starts_with("ans:all:"));
        assert_eq!(theirs.iter().collect::<Vec<_>>(), own, "{username}");
        assert!(
            all.len() >= 20,
            "{username}: {} answers for everyone",
            all.len()
        );
        assert_eq!(everyone.get_or_insert_with(|| all.clone()), &all);
    }

    // The sample complaints: each demo user pulls exactly those of the
    // branches their scope allows, whole (they materialize).
    let samples: Value =
        serde_json::from_str(include_str!("../demo/complaints.json")).expect("samples");
    let sample_branches: Vec<&str> = samples
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["form"]["branch_code"].as_str().expect("branch"))
        .collect();
    let mut all_complaints = Vec::new();
    for (username, branches) in [
        ("zhang.wei", &["BJ01"][..]),
        ("li.na", &["BJ01"]),
        ("wang.fang", &["BJ02"]),
        ("zhao.lei", &["BJ01", "BJ02"]),
        ("chen.jie", &["SH01"]),
        ("admin", &["BJ01", "BJ02", "SH01"]),
    ] {
        let complaints = demo_complaints(&fx, username, &password).await;
        let mut got: Vec<&str> = complaints.iter().map(|c| c.branch_code.as_str()).collect();
        let mut want: Vec<&str> = sample_branches
            .iter()
            .copied()
            .filter(|b| branches.contains(b))
            .collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{username}");
        if username == "admin" {
            all_complaints = complaints;
        }
    }
    assert!((8..=12).contains(&all_complaints.len()));

    // Varied states: closed ones, one on hold, one in handling with contact
    // entries, a major one, an overdue first contact and callback; a month
    // of KPI figures.
    use complaints_domain::handling::{self, EntryKind};
    use complaints_domain::sla::{self, ClockKind, ClockState};
    use complaints_domain::Status;
    let now = chrono::Utc::now();
    let count = |f: &dyn Fn(&complaints_domain::Complaint) -> bool| {
        all_complaints.iter().filter(|c| f(c)).count()
    };
    assert!(count(&|c| c.status == Status::Closed) >= 3);
    assert!(count(&|c| c.status == Status::Hold) >= 1);
    assert!(
        count(&|c| matches!(c.status, Status::OnGoing | Status::InProcess)
            && handling::entries(c, EntryKind::Contact).count() >= 2)
            >= 1
    );
    assert!(count(&|c| handling::major_mark(c).is_some()) >= 1);
    assert!(count(&|c| handling::escalation_level(c) == handling::Level::Manufacturer) >= 1);
    let overdue = |c: &complaints_domain::Complaint, kind: ClockKind| {
        sla::clocks(c)
            .iter()
            .any(|k| k.kind == kind && matches!(k.state(now), ClockState::Overdue { .. }))
    };
    assert!(count(&|c| overdue(c, ClockKind::FirstContact)) >= 1);
    assert!(count(&|c| overdue(c, ClockKind::Callback)) >= 1);
    assert!(count(&|c| c.status == Status::Closed && c.customer_satisfied == Some(true)) >= 2);
    let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let today = now.with_timezone(&offset).date_naive();
    let last_month = complaints_domain::kpi::Period::month_of(
        complaints_domain::kpi::Period::month_of(today).first - chrono::Duration::days(1),
    );
    let figures =
        complaints_domain::kpi::figures(&all_complaints, |_| true, &last_month, offset, now);
    assert!(figures.received >= 3, "last month: {figures:?}");
    assert!(figures.handling.num >= 1, "last month: {figures:?}");
}

/// The first page (up to 1,000 operations) `username` pulls after signing in.
async fn pull_as(fx: &Fixture, username: &str, password: &str) -> serde_json::Value {
    let login = body_json(fx.login_raw(username, password).await).await;
    let token = login["token"].as_str().expect("token");
    let pull = fx
        .with_token(Method::GET, "/api/v1/sync/pull?limit=1000", token)
        .await;
    assert_eq!(pull.status(), StatusCode::OK);
    body_json(pull).await
}

/// The complaints `username` pulls after the demo seed, made from the
/// pulled operations.
async fn demo_complaints(
    fx: &Fixture,
    username: &str,
    password: &str,
) -> Vec<complaints_domain::Complaint> {
    use complaints_domain::sync::{Op, RecordState};
    let pull = pull_as(fx, username, password).await;
    assert_eq!(pull["remaining"], 0, "{username}: one page");
    let mut records: std::collections::BTreeMap<String, RecordState> = Default::default();
    for op in pull["ops"].as_array().expect("ops") {
        let op: Op = serde_json::from_value(op.clone()).expect("an op");
        if op.record.starts_with("ans:") {
            continue;
        }
        assert_eq!(op.device, "demo-seed");
        records
            .entry(op.record.clone())
            .or_insert_with(|| RecordState::new(&op.record))
            .apply(&op);
    }
    records
        .values()
        .map(|state| state.materialize().expect("a complaint"))
        .collect()
}
