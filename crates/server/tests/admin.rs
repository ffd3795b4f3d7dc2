//! The admin API (`/api/v1/admin/...`, module `admin`): who may see and
//! change which users, devices, regions and branches; what disabling a user
//! and revoking a device do to their sessions; last contact. Driven through
//! `oneshot` on `open_test_db` (SQLite, or PostgreSQL in the test command's
//! postgres stage).
//!
//! Every request that must be refused is counted; `refusals_are_counted`
//! prints `admin refusal cases: N`.

use std::sync::Arc;

use argon2::Params;
use axum::body::Body;
use axum::http::{header, Method, Request, Response, StatusCode};
use complaints_server::auth::{self, Auth, AuthConfig, NewUser};
use complaints_server::{app, open_test_db, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

fn test_config() -> AuthConfig {
    AuthConfig {
        password_params: Params::new(Params::MIN_M_COST, 1, 1, None).expect("valid params"),
        ..AuthConfig::default()
    }
}

struct Fixture {
    _tmp: TempDir,
    state: AppState,
    passwords: Vec<(String, String)>,
}

impl Fixture {
    /// Regions EAST (SH01, SH02) and NORTH (BJ01); users `wang` (staff,
    /// SH01), `chen` (staff, SH02), `li` (branch manager, SH02), `sun`
    /// (branch manager, BJ01), `zhao` (regional manager, EAST), `admin`.
    async fn new() -> Self {
        let config = test_config();
        let tmp = tempfile::tempdir().expect("temp dir");
        let db = open_test_db(&tmp.path().join("data"))
            .await
            .expect("open db");
        auth::add_region(&db, "EAST", "East China").await.unwrap();
        auth::add_region(&db, "NORTH", "North China").await.unwrap();
        for (code, name, region) in [
            ("SH01", "Shanghai Pudong", "EAST"),
            ("SH02", "Shanghai Minhang", "EAST"),
            ("BJ01", "Beijing Chaoyang", "NORTH"),
        ] {
            auth::add_branch(&db, code, name, region).await.unwrap();
        }
        let users = [
            ("wang", "staff", Some("SH01"), None),
            ("chen", "staff", Some("SH02"), None),
            ("li", "branch_manager", Some("SH02"), None),
            ("sun", "branch_manager", Some("BJ01"), None),
            ("zhao", "regional_manager", None, Some("EAST")),
            ("admin", "admin", None, None),
        ];
        let mut passwords = Vec::new();
        for (username, role, branch, region) in users {
            let user = NewUser::new(username, username, role, branch, region);
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

    fn password(&self, username: &str) -> String {
        self.passwords
            .iter()
            .find(|(u, _)| u == username)
            .map(|(_, p)| p.clone())
            .expect("seeded user")
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible")
    }

    async fn login_with(&self, username: &str, password: &str, device: &str) -> Response<Body> {
        let body = json!({"username": username, "password": password, "device": device,
                          "device_key": format!("key-of-{device}-0123456789")});
        self.send(
            Request::post("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Signs `username` in on `device` and returns the token.
    async fn login_on(&self, username: &str, device: &str) -> String {
        let response = self
            .login_with(username, &self.password(username), device)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {username}");
        body_json(response).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn login(&self, username: &str) -> String {
        self.login_on(username, &format!("tablet-of-{username}"))
            .await
    }

    async fn call(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response<Body> {
        let builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    async fn ok(&self, method: Method, uri: &str, token: &str, body: Option<Value>) -> Value {
        let response = self.call(method, uri, token, body).await;
        let status = response.status();
        let json = body_json(response).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {json}");
        json
    }

    async fn pull(&self, token: &str, device: &str) -> Response<Body> {
        self.call(
            Method::GET,
            &format!("/api/v1/sync/pull?device={device}"),
            token,
            None,
        )
        .await
    }

    async fn users(&self, token: &str) -> Vec<Value> {
        self.ok(Method::GET, "/api/v1/admin/users", token, None)
            .await["users"]
            .as_array()
            .unwrap()
            .clone()
    }
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
    body["error"]["message"].as_str().unwrap().to_owned()
}

fn names(users: &[Value]) -> Vec<&str> {
    users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_admin_adds_a_user_who_signs_in_and_is_disabled() {
    let fx = Fixture::new().await;
    let admin = fx.login("admin").await;
    let created = fx
        .ok(
            Method::POST,
            "/api/v1/admin/users",
            &admin,
            Some(
                json!({"username": "zhou", "display_name": "周敏", "role": "staff",
                        "branch_code": "BJ01"}),
            ),
        )
        .await;
    let password = created["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 16);
    assert_eq!(created["user"]["username"], "zhou");
    assert_eq!(created["user"]["branch_code"], "BJ01");
    assert_eq!(created["user"]["disabled"], false);

    let response = fx.login_with("zhou", &password, "tablet-of-zhou").await;
    assert_eq!(response.status(), StatusCode::OK);
    let zhou = body_json(response).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        fx.pull(&zhou, "tablet-of-zhou").await.status(),
        StatusCode::OK
    );

    // Listed with their device, signed in, last contact set by the pull.
    let users = fx.users(&admin).await;
    assert_eq!(
        names(&users),
        ["admin", "chen", "li", "sun", "wang", "zhao", "zhou"]
    );
    let listed = users.iter().find(|u| u["username"] == "zhou").unwrap();
    let devices = listed["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{listed}");
    assert_eq!(devices[0]["device"], "tablet-of-zhou");
    assert_eq!(devices[0]["revoked"], false);
    assert!(devices[0]["signed_in_at"].is_string());
    assert!(devices[0]["last_contact"].is_string(), "{listed}");
    assert!(listed["created_at"].is_string());

    // Disabled: the next pull is refused, and so is a sign-in.
    let changed = fx
        .ok(
            Method::PATCH,
            "/api/v1/admin/users/zhou",
            &admin,
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(changed["user"]["disabled"], true);
    expect_error(
        fx.pull(&zhou, "tablet-of-zhou").await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    let response = fx.login_with("zhou", &password, "tablet-of-zhou").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Enabled again, they sign in; a new password ends that session.
    fx.ok(
        Method::PATCH,
        "/api/v1/admin/users/zhou",
        &admin,
        Some(json!({"disabled": false})),
    )
    .await;
    let zhou = fx.login_on_with("zhou", &password).await;
    let reset = fx
        .ok(
            Method::POST,
            "/api/v1/admin/users/zhou/password",
            &admin,
            None,
        )
        .await;
    let new_password = reset["password"].as_str().unwrap();
    assert_ne!(new_password, password);
    expect_error(
        fx.pull(&zhou, "tablet-of-zhou").await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    fx.login_on_with("zhou", new_password).await;
}

impl Fixture {
    async fn login_on_with(&self, username: &str, password: &str) -> String {
        let response = self
            .login_with(username, password, &format!("tablet-of-{username}"))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        body_json(response).await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

#[tokio::test]
async fn a_role_or_branch_change_revokes_the_users_tokens() {
    let fx = Fixture::new().await;
    let admin = fx.login("admin").await;
    let wang = fx.login("wang").await;
    let changed = fx
        .ok(
            Method::PATCH,
            "/api/v1/admin/users/wang",
            &admin,
            Some(json!({"role": "regional_manager", "region_code": "NORTH"})),
        )
        .await;
    assert_eq!(changed["user"]["role"], "regional_manager");
    assert_eq!(changed["user"]["branch_code"], Value::Null);
    assert_eq!(changed["user"]["region_code"], "NORTH");
    expect_error(
        fx.pull(&wang, "tablet-of-wang").await,
        StatusCode::UNAUTHORIZED,
        "token_revoked",
    )
    .await;
    // Signed in again: the new scope.
    let wang = fx.login("wang").await;
    let me = fx.ok(Method::GET, "/api/v1/auth/me", &wang, None).await;
    assert_eq!(me["user"]["role"], "regional_manager");
    assert_eq!(me["scope"]["branches"], json!(["BJ01"]));

    // A name change alone keeps the session.
    let chen = fx.login("chen").await;
    fx.ok(
        Method::PATCH,
        "/api/v1/admin/users/chen",
        &admin,
        Some(json!({"display_name": "陈晨"})),
    )
    .await;
    assert_eq!(
        fx.pull(&chen, "tablet-of-chen").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_branch_manager_administers_their_branch_only() {
    let fx = Fixture::new().await;
    let li = fx.login("li").await;
    assert_eq!(names(&fx.users(&li).await), ["chen", "li"]);
    let network = fx.ok(Method::GET, "/api/v1/admin/network", &li, None).await;
    assert_eq!(network["branches"][0]["code"], "SH02");
    assert_eq!(network["branches"].as_array().unwrap().len(), 1);
    assert_eq!(
        network["regions"],
        json!([{"code": "EAST", "name": "East China"}])
    );

    // Adds staff and a branch manager to their own branch.
    let created = fx
        .ok(
            Method::POST,
            "/api/v1/admin/users",
            &li,
            Some(
                json!({"username": "xu", "display_name": "Xu", "role": "staff",
                        "branch_code": "SH02"}),
            ),
        )
        .await;
    assert_eq!(created["user"]["branch_code"], "SH02");
    fx.ok(
        Method::PATCH,
        "/api/v1/admin/users/xu",
        &li,
        Some(json!({"role": "branch_manager"})),
    )
    .await;
    assert_eq!(names(&fx.users(&li).await), ["chen", "li", "xu"]);

    // A regional manager reads their region's users.
    let zhao = fx.login("zhao").await;
    assert_eq!(
        names(&fx.users(&zhao).await),
        ["chen", "li", "wang", "xu", "zhao"]
    );
}

#[tokio::test]
async fn a_revoked_device_is_refused_and_cannot_sign_in_again() {
    let fx = Fixture::new().await;
    let admin = fx.login("admin").await;
    let chen = fx.login("chen").await;
    let li = fx.login("li").await;
    // The branch manager revokes the tablet of their branch's staff member.
    fx.ok(
        Method::POST,
        "/api/v1/admin/devices/tablet-of-chen/revoke",
        &li,
        None,
    )
    .await;
    let message = expect_error(
        fx.pull(&chen, "tablet-of-chen").await,
        StatusCode::UNAUTHORIZED,
        "device_revoked",
    )
    .await;
    assert!(message.contains("administrator"), "{message}");
    let users = fx.users(&admin).await;
    let listed = users.iter().find(|u| u["username"] == "chen").unwrap();
    assert_eq!(listed["devices"][0]["revoked"], true, "{listed}");
    // The same device cannot sign in again; another device can.
    let response = fx
        .login_with("chen", &fx.password("chen"), "tablet-of-chen")
        .await;
    expect_error(response, StatusCode::UNAUTHORIZED, "device_revoked").await;
    let fresh = fx.login_on("chen", "new-tablet-of-chen").await;
    assert_eq!(
        fx.pull(&fresh, "new-tablet-of-chen").await.status(),
        StatusCode::OK
    );
    // Other users' sessions go on.
    assert_eq!(fx.pull(&li, "tablet-of-li").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn last_contact_is_noted_at_most_once_a_minute() {
    let fx = Fixture::new().await;
    let wang = fx.login("wang").await;
    let contact = || async {
        sqlx::query_scalar::<_, Option<String>>(
            "SELECT last_contact_at FROM tokens WHERE token_hash = $1",
        )
        .bind(auth::token_hash(&wang))
        .fetch_one(&fx.state.db)
        .await
        .unwrap()
    };
    assert_eq!(contact().await, None, "not yet used");
    assert_eq!(
        fx.pull(&wang, "tablet-of-wang").await.status(),
        StatusCode::OK
    );
    let first = contact().await.expect("noted");
    // An old contact is moved on; a recent one is left alone.
    sqlx::query("UPDATE tokens SET last_contact_at = '2020-01-01T00:00:00.000Z'")
        .execute(&fx.state.db)
        .await
        .unwrap();
    assert_eq!(
        fx.pull(&wang, "tablet-of-wang").await.status(),
        StatusCode::OK
    );
    let second = contact().await.expect("noted");
    assert!(second >= first, "{second} after {first}");
    assert_eq!(
        fx.pull(&wang, "tablet-of-wang").await.status(),
        StatusCode::OK
    );
    assert_eq!(contact().await.as_deref(), Some(second.as_str()));
}

#[tokio::test]
async fn admins_add_regions_and_branches() {
    let fx = Fixture::new().await;
    let admin = fx.login("admin").await;
    fx.ok(
        Method::POST,
        "/api/v1/admin/regions",
        &admin,
        Some(json!({"code": "SOUTH", "name": "South China"})),
    )
    .await;
    fx.ok(
        Method::POST,
        "/api/v1/admin/branches",
        &admin,
        Some(json!({"code": "GZ01", "name": "Guangzhou Tianhe", "region_code": "SOUTH"})),
    )
    .await;
    let network = fx
        .ok(Method::GET, "/api/v1/admin/network", &admin, None)
        .await;
    assert_eq!(network["regions"].as_array().unwrap().len(), 3);
    assert!(network["branches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["code"] == "GZ01" && b["region_code"] == "SOUTH"));
}

/// Every refusal of the admin API, each with its status and code; prints
/// how many ran.
#[tokio::test]
async fn refusals_are_counted() {
    let fx = Fixture::new().await;
    let admin = fx.login("admin").await;
    let li = fx.login("li").await;
    let wang = fx.login("wang").await;
    let zhao = fx.login("zhao").await;
    fx.login("sun").await;
    let mut count = 0usize;

    let staff = |role: &str, branch: &str| json!({"username": "new-user", "display_name": "New", "role": role, "branch_code": branch});
    // Every route: staff are refused; regional managers may only read.
    let routes: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/api/v1/admin/users", None),
        (
            Method::POST,
            "/api/v1/admin/users",
            Some(staff("staff", "SH01")),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/users/wang",
            Some(json!({"display_name": "x"})),
        ),
        (Method::POST, "/api/v1/admin/users/wang/password", None),
        (Method::GET, "/api/v1/admin/network", None),
        (
            Method::POST,
            "/api/v1/admin/regions",
            Some(json!({"code": "WEST", "name": "West"})),
        ),
        (
            Method::POST,
            "/api/v1/admin/branches",
            Some(json!({"code": "CD01", "name": "Chengdu", "region_code": "EAST"})),
        ),
        (
            Method::POST,
            "/api/v1/admin/devices/tablet-of-wang/revoke",
            None,
        ),
    ];
    for (method, uri, body) in &routes {
        expect_error(
            fx.call(method.clone(), uri, &wang, body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        count += 1;
        if *method != Method::GET {
            expect_error(
                fx.call(method.clone(), uri, &zhao, body.clone()).await,
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
            count += 1;
        }
        // Without a token.
        let mut request = Request::builder().method(method.clone()).uri(*uri);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let body = body.as_ref().map_or(String::new(), Value::to_string);
        expect_error(
            fx.send(request.body(Body::from(body)).unwrap()).await,
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        count += 1;
    }

    // A branch manager: other branches' users are as if they did not exist.
    let nobody = expect_error(
        fx.call(
            Method::PATCH,
            "/api/v1/admin/users/nobody",
            &li,
            Some(json!({"disabled": true})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    count += 1;
    for target in ["wang", "sun", "zhao", "admin"] {
        let message = expect_error(
            fx.call(
                Method::PATCH,
                &format!("/api/v1/admin/users/{target}"),
                &li,
                Some(json!({"disabled": true})),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(message, nobody.replace("nobody", target), "the same answer");
        count += 1;
        expect_error(
            fx.call(
                Method::POST,
                &format!("/api/v1/admin/users/{target}/password"),
                &li,
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        count += 1;
    }
    // Nor their devices (nor a device that does not exist).
    for device in [
        "tablet-of-wang",
        "tablet-of-sun",
        "tablet-of-admin",
        "no-such-tablet",
    ] {
        expect_error(
            fx.call(
                Method::POST,
                &format!("/api/v1/admin/devices/{device}/revoke"),
                &li,
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        count += 1;
    }
    // Creates no admin, regional manager, or user of another branch.
    for body in [
        json!({"username": "boss", "display_name": "Boss", "role": "admin"}),
        json!({"username": "boss", "display_name": "Boss", "role": "regional_manager",
               "region_code": "EAST"}),
        staff("staff", "SH01"),
        staff("branch_manager", "BJ01"),
    ] {
        expect_error(
            fx.call(Method::POST, "/api/v1/admin/users", &li, Some(body))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        count += 1;
    }
    // Promotes no one out of reach, moves no one away, nor themselves.
    for (target, body) in [
        ("chen", json!({"role": "admin"})),
        (
            "chen",
            json!({"role": "regional_manager", "region_code": "EAST"}),
        ),
        ("chen", json!({"branch_code": "SH01"})),
        ("li", json!({"role": "staff"})),
        ("li", json!({"disabled": true})),
    ] {
        expect_error(
            fx.call(
                Method::PATCH,
                &format!("/api/v1/admin/users/{target}"),
                &li,
                Some(body),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        count += 1;
    }
    // No regions or branches.
    for (uri, body) in [
        (
            "/api/v1/admin/regions",
            json!({"code": "WEST", "name": "West"}),
        ),
        (
            "/api/v1/admin/branches",
            json!({"code": "SH09", "name": "x", "region_code": "EAST"}),
        ),
    ] {
        expect_error(
            fx.call(Method::POST, uri, &li, Some(body)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        count += 1;
    }

    // An administrator's refused values name the field.
    let user =
        |username: &str, name: &str, role: &str, branch: Option<&str>, region: Option<&str>| {
            json!({"username": username, "display_name": name, "role": role,
               "branch_code": branch, "region_code": region})
        };
    for (body, field) in [
        (user("", "X", "staff", Some("SH01"), None), "username"),
        (
            user("two words", "X", "staff", Some("SH01"), None),
            "username",
        ),
        (
            user(&"x".repeat(101), "X", "staff", Some("SH01"), None),
            "username",
        ),
        (user("wang", "X", "staff", Some("SH01"), None), "username"),
        (user("ok", "", "staff", Some("SH01"), None), "display_name"),
        (
            user("ok", &"名".repeat(101), "staff", Some("SH01"), None),
            "display_name",
        ),
        (user("ok", "X", "boss", Some("SH01"), None), "role"),
        (user("ok", "X", "staff", None, None), "branch_code"),
        (user("ok", "X", "staff", Some("XX99"), None), "branch_code"),
        (
            user("ok", "X", "staff", Some("SH01"), Some("EAST")),
            "region_code",
        ),
        (
            user("ok", "X", "regional_manager", None, None),
            "region_code",
        ),
        (
            user("ok", "X", "regional_manager", None, Some("WEST")),
            "region_code",
        ),
        (user("ok", "X", "admin", Some("SH01"), None), "branch_code"),
    ] {
        let message = expect_error(
            fx.call(
                Method::POST,
                "/api/v1/admin/users",
                &admin,
                Some(body.clone()),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert!(message.contains(&format!("`{field}`")), "{body}: {message}");
        count += 1;
    }
    for (uri, body, field) in [
        (
            "/api/v1/admin/regions",
            json!({"code": "EAST", "name": "Again"}),
            "code",
        ),
        (
            "/api/v1/admin/regions",
            json!({"code": "a b", "name": "x"}),
            "code",
        ),
        (
            "/api/v1/admin/regions",
            json!({"code": "WEST", "name": " "}),
            "name",
        ),
        (
            "/api/v1/admin/branches",
            json!({"code": "SH01", "name": "x", "region_code": "EAST"}),
            "code",
        ),
        (
            "/api/v1/admin/branches",
            json!({"code": "XA01", "name": "x", "region_code": "WEST"}),
            "region_code",
        ),
        (
            "/api/v1/admin/branches",
            json!({"code": "XA01", "name": "x"}),
            "region_code",
        ),
    ] {
        let message = expect_error(
            fx.call(Method::POST, uri, &admin, Some(body)).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert!(message.contains(&format!("`{field}`")), "{uri}: {message}");
        count += 1;
    }
    for (body, field) in [
        (json!({"role": "regional_manager"}), "region_code"),
        (json!({"branch_code": "XX99"}), "branch_code"),
        (json!({"branch_code": null}), "branch_code"),
        (json!({"display_name": ""}), "display_name"),
    ] {
        let message = expect_error(
            fx.call(
                Method::PATCH,
                "/api/v1/admin/users/wang",
                &admin,
                Some(body.clone()),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        )
        .await;
        assert!(message.contains(&format!("`{field}`")), "{body}: {message}");
        count += 1;
    }
    // Malformed bodies.
    for body in [
        json!({"disabled": "yes"}),
        json!({"password": "x"}),
        json!([1]),
    ] {
        expect_error(
            fx.call(
                Method::PATCH,
                "/api/v1/admin/users/wang",
                &admin,
                Some(body),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await;
        count += 1;
    }
    // An administrator neither demotes nor disables themselves; unknown
    // users and devices are 404.
    for body in [
        json!({"role": "staff", "branch_code": "SH01"}),
        json!({"disabled": true}),
    ] {
        expect_error(
            fx.call(
                Method::PATCH,
                "/api/v1/admin/users/admin",
                &admin,
                Some(body),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        count += 1;
    }
    for (method, uri) in [
        (Method::PATCH, "/api/v1/admin/users/nobody"),
        (Method::POST, "/api/v1/admin/users/nobody/password"),
        (Method::POST, "/api/v1/admin/devices/no-such-tablet/revoke"),
    ] {
        let body = (method == Method::PATCH).then(|| json!({"disabled": true}));
        expect_error(
            fx.call(method, uri, &admin, body).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        count += 1;
    }
    // The wrong method.
    expect_error(
        fx.call(Method::DELETE, "/api/v1/admin/users", &admin, None)
            .await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    count += 1;

    // A revoked device: every token route answers device_revoked.
    fx.ok(
        Method::POST,
        "/api/v1/admin/devices/tablet-of-wang/revoke",
        &admin,
        None,
    )
    .await;
    for (method, uri) in [
        (Method::GET, "/api/v1/auth/me"),
        (Method::GET, "/api/v1/sync/pull?device=tablet-of-wang"),
        (Method::GET, "/api/v1/config"),
        (Method::POST, "/api/v1/auth/logout"),
    ] {
        expect_error(
            fx.call(method, uri, &wang, None).await,
            StatusCode::UNAUTHORIZED,
            "device_revoked",
        )
        .await;
        count += 1;
    }

    println!("admin refusal cases: {count}");
    assert_eq!(count, 82);
}
