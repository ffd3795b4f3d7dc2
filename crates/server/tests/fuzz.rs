//! The fuzz suite: structured random operations and raw random bodies
//! against push, pull and sign-in, through the whole router (the same
//! `app()` the binary serves), on stable Rust with `proptest`.
//!
//! What must hold for every input:
//! * no answer is a 5xx, and no handler panics (a panic fails the case);
//! * every operation a push accepted is served by the next pull, and the
//!   record it touched still takes edits (the server never stores what it
//!   cannot read back);
//! * every pull page stays within its byte bound.
//!
//! Each test prints `fuzz <what>: N inputs, 0 5xx`; set `PROPTEST_CASES`
//! to try more (the test command runs the defaults below).

use std::collections::BTreeSet;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::Params;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use complaints_domain::field::Field;
use complaints_domain::fixtures;
use complaints_domain::sync::{
    complaint_fields, Hlc, Op, Outcome, PullResponse, PushRequest, PushResponse,
};
use complaints_server::auth::{self, Auth, AuthConfig, NewUser};
use complaints_server::{app, open_test_db, AppState};
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tokio::runtime::Runtime;
use tower::ServiceExt;

/// The server every case runs against: one database, so that later cases
/// meet what earlier ones stored.
struct World {
    rt: Runtime,
    router: Router,
    /// (token, device) of an administrator (every branch) and of a staff
    /// member of branch GZ01 (a scoped pull).
    admin: (String, String),
    staff: (String, String),
    /// Ids of records that exist.
    records: Vec<String>,
    /// The pull cursors of the administrator and of the staff member.
    cursors: std::sync::Mutex<(String, String)>,
    _tmp: tempfile::TempDir,
}

const PASSWORD_PARAMS: fn() -> Params = || Params::new(Params::MIN_M_COST, 1, 1, None).unwrap();

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let (router, admin, staff, records) = rt.block_on(async {
            let db = open_test_db(&tmp.path().join("data")).await.unwrap();
            auth::add_region(&db, "SOUTH", "South China").await.unwrap();
            for n in 0..7 {
                let code = format!("GZ{n:02}");
                auth::add_branch(&db, &code, &code, "SOUTH").await.unwrap();
            }
            let params = PASSWORD_PARAMS();
            let admin = NewUser::new("admin", "Admin", "admin", None, None);
            let admin_pw = auth::add_user(&db, &admin, &params).await.unwrap();
            let staff = NewUser::new("wang", "王伟", "staff", Some("GZ01"), None);
            let staff_pw = auth::add_user(&db, &staff, &params).await.unwrap();
            let state = AppState {
                photos: Default::default(),
                db,
                dist_dir: tmp.path().join("dist"),
                risk: Default::default(),
                auth: Arc::new(Auth::new(AuthConfig {
                    password_params: params,
                    ..AuthConfig::default()
                })),
            };
            let router = app(state);
            let admin = (
                login(&router, "admin", &admin_pw, "fuzz-a").await,
                String::from("fuzz-a"),
            );
            let staff = (
                login(&router, "wang", &staff_pw, "fuzz-s").await,
                String::from("fuzz-s"),
            );
            // Records for edits to meet: 14 complaints over the 7 branches.
            let ops: Vec<Op> = (0..14).map(|n| creation(n, &admin.1)).collect();
            let records = ops.iter().map(|op| op.record.clone()).collect();
            let (status, body) = send(&router, push_request(&admin, &ops)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            (router, admin, staff, records)
        });
        World {
            rt,
            router,
            admin,
            staff,
            records,
            cursors: Default::default(),
            _tmp: tmp,
        }
    })
}

async fn login(router: &Router, username: &str, password: &str, device: &str) -> String {
    let key = format!("{device}-secret-key-0001");
    let body = json!({"username": username, "password": password, "device": device,
                      "device_key": key});
    let (status, body) = send(router, json_post("/api/v1/auth/login", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn creation(n: u32, device: &str) -> Op {
    let complaint = fixtures::generated(n, device);
    Op {
        id: format!("seed-{n}"),
        record: complaint.id.clone(),
        hlc: Hlc::new(now_ms(), 0),
        device: device.to_owned(),
        user: None,
        received: None,
        set: complaint_fields(&complaint),
        base: Default::default(),
    }
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap()
}

fn json_post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn signed(mut request: Request<Body>, token: &str) -> Request<Body> {
    let value = format!("Bearer {token}").parse().unwrap();
    request.headers_mut().insert(header::AUTHORIZATION, value);
    request
}

fn push_request((token, device): &(String, String), ops: &[Op]) -> Request<Body> {
    let body = PushRequest {
        device: device.clone(),
        ops: ops.to_vec(),
    };
    signed(
        json_post("/api/v1/sync/push", serde_json::to_vec(&body).unwrap()),
        token,
    )
}

/// Every answer the suite gets, and how many were 5xx (must stay 0).
static ANSWERS: AtomicUsize = AtomicUsize::new(0);

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    ANSWERS.fetch_add(1, Ordering::Relaxed);
    assert!(
        !status.is_server_error(),
        "{status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Pulls every page after `cursor` as `token` (without a device, so
/// nothing is skipped); returns the op ids served and the new cursor.
async fn pull_from(world: &World, token: &str, cursor: &str) -> (BTreeSet<String>, String) {
    let mut cursor = cursor.to_owned();
    let mut ids = BTreeSet::new();
    loop {
        let uri = format!("/api/v1/sync/pull?after={cursor}&limit=2000");
        let request = signed(Request::get(uri).body(Body::empty()).unwrap(), token);
        let (status, body) = send(&world.router, request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.len() < 3 << 20, "a pull page of {} bytes", body.len());
        let page: PullResponse = serde_json::from_str(&body).expect("a pull page reads");
        ids.extend(page.ops.into_iter().map(|op| op.id));
        cursor = page.cursor;
        if !page.more {
            return (ids, cursor);
        }
    }
}

// ---------------------------------------------------------------------------
// Strategies

/// Any JSON value, up to 6 levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,30}".prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z"
            .prop_map(Value::from),
        (1usize..20_000).prop_map(|n| Value::from("字".repeat(n))),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// `[[…]]` nested `levels` deep, inside an object like a timeline entry's.
fn nested(levels: usize) -> Value {
    (0..levels).fold(json!(1), |inner, _| json!([inner]))
}

/// A timeline entry, valid or not.
fn entry(id: String) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "note",
            "contact",
            "callback",
            "escalation",
            "major",
            "x",
        ]),
        ".{0,20}",
        prop::option::of(any_json()),
        0usize..140,
        any::<bool>(),
    )
        .prop_map(move |(kind, text, extra, depth, deep)| {
            let now = chrono::Utc::now().to_rfc3339();
            let mut entry = json!({"id": id, "kind": kind, "at": now, "recorded": now,
                                   "by": "Admin", "dev": "fuzz-a", "text": text});
            if let Some(extra) = extra {
                entry["extra"] = extra;
            }
            if deep {
                entry["deep"] = nested(depth);
            }
            entry
        })
}

/// A field key and a value for it.
fn field() -> impl Strategy<Value = (String, Value)> {
    let keys: Vec<String> = Field::ALL
        .iter()
        .map(|f| f.key().to_string())
        .chain(["created_at", "created_on_device", "status"].map(String::from))
        .collect();
    prop_oneof![
        4 => (prop::sample::select(keys), any_json()),
        2 => "[a-z0-9-]{1,12}".prop_flat_map(|id| {
            entry(id.clone()).prop_map(move |e| (format!("tl.{id}"), e))
        }),
        1 => ("[0-9]{1,2}", any_json()).prop_map(|(n, v)| (format!("step.{n}"), v)),
        1 => (".{0,80}", any_json()),
    ]
}

/// An operation: on an existing record or not, with random fields and base.
fn op(records: Vec<String>) -> impl Strategy<Value = Op> {
    (
        prop_oneof![
            4 => "[a-z0-9]{16}",
            1 => ".{0,100}",
        ],
        prop_oneof![
            4 => prop::sample::select(records),
            1 => "[a-f0-9-]{36}",
            1 => "pdca:GZ0[0-9]:[a-z_]{2,12}:2026-0[1-9]",
            1 => ".{0,120}",
        ],
        prop_oneof![
            8 => Just("fuzz-b".to_string()),
            1 => ".{0,300}",
        ],
        -10_000_000i64..1_000_000,
        prop::collection::btree_map("[a-z_.0-9]{1,20}", any::<u8>(), 0..3),
        prop::collection::vec(field(), 1..5),
        prop::collection::vec("[a-z0-9]{1,16}", 0..80),
    )
        .prop_map(|(id, record, device, skew, _, fields, seen)| {
            let set: std::collections::BTreeMap<String, Value> = fields.into_iter().collect();
            let base = set
                .keys()
                .take(2)
                .map(|key| (key.clone(), seen.clone()))
                .collect();
            Op {
                id,
                record,
                hlc: Hlc::new(now_ms().saturating_add_signed(skew), 0),
                device,
                user: None,
                received: None,
                set,
                base,
            }
        })
}

fn runner(cases: u32) -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

// ---------------------------------------------------------------------------
// The properties

/// Structured random batches: no 5xx; every accepted op is served by the
/// next pull (the administrator's, and the staff member's scoped pull
/// answers too); every complaint an accepted op touched still takes an edit.
#[test]
fn random_operations_never_break_push_pull_or_a_record() {
    let world = world();
    let tried = AtomicUsize::new(0);
    let edits = AtomicUsize::new(0);
    let strategy = prop::collection::vec(op(world.records.clone()), 1..6);
    runner(1500)
        .run(&strategy, |ops| {
            tried.fetch_add(1, Ordering::Relaxed);
            world.rt.block_on(async {
                // The ops come from the token's device (others are refused).
                let ops: Vec<Op> = ops
                    .into_iter()
                    .map(|mut op| {
                        if op.device == "fuzz-b" {
                            op.device = world.admin.1.clone();
                        }
                        op
                    })
                    .collect();
                let (status, body) = send(&world.router, push_request(&world.admin, &ops)).await;
                if status != StatusCode::OK {
                    return;
                }
                let answer: PushResponse = serde_json::from_str(&body).expect("a push answer");
                assert_eq!(answer.results.len(), ops.len());
                let accepted: Vec<&Op> = ops
                    .iter()
                    .zip(&answer.results)
                    .filter(|(_, r)| r.outcome == Outcome::Accepted)
                    .map(|(op, _)| op)
                    .collect();
                let (admin_cursor, staff_cursor) = world.cursors.lock().unwrap().clone();
                let (pulled, admin_cursor) = pull_from(world, &world.admin.0, &admin_cursor).await;
                let (_, staff_cursor) = pull_from(world, &world.staff.0, &staff_cursor).await;
                *world.cursors.lock().unwrap() = (admin_cursor, staff_cursor);
                for op in &accepted {
                    assert!(pulled.contains(&op.id), "accepted op {} not pulled", op.id);
                }
                let touched: BTreeSet<&str> = accepted
                    .iter()
                    .map(|op| op.record.as_str())
                    .filter(|record| world.records.iter().any(|r| r == record))
                    .collect();
                for record in touched {
                    let n = edits.fetch_add(1, Ordering::Relaxed);
                    let edit = Op {
                        id: format!("check-{n}"),
                        record: record.to_owned(),
                        hlc: Hlc::new(now_ms(), 0),
                        device: world.admin.1.clone(),
                        user: None,
                        received: None,
                        set: [("tracking".to_string(), json!("已联系顾客"))].into(),
                        base: Default::default(),
                    };
                    let (status, body) =
                        send(&world.router, push_request(&world.admin, &[edit])).await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    let answer: PushResponse = serde_json::from_str(&body).unwrap();
                    assert_eq!(
                        answer.results[0].outcome,
                        Outcome::Accepted,
                        "record {record} no longer takes an edit: {body}"
                    );
                }
            });
            Ok(())
        })
        .unwrap();
    eprintln!(
        "fuzz operations: {} inputs, 0 5xx",
        tried.load(Ordering::Relaxed)
    );
    // Bounded memory: the whole test process (server, database cache and
    // the generated inputs) peaked well under what one hostile pull page
    // once took (2.1 GB of server memory).
    if let Some(peak_mb) = peak_rss_mb() {
        eprintln!("fuzz peak memory: {peak_mb} MB");
        assert!(peak_mb < 1024, "peak resident memory {peak_mb} MB");
    }
}

/// The process's peak resident memory (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Raw random bodies, content types and query strings: never a 5xx.
#[test]
fn raw_bodies_and_queries_never_get_a_5xx() {
    let world = world();
    let tried = AtomicUsize::new(0);
    let body = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400).prop_map(|b| b),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        (any_json(), prop::collection::vec(any_json(), 0..4)).prop_map(|(device, ops)| {
            json!({"device": device, "ops": ops})
                .to_string()
                .into_bytes()
        }),
        (0usize..200).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ];
    let target = prop::sample::select(vec!["push", "pull", "login", "logout", "me"]);
    let query = "[a-z=&%0-9._-]{0,40}";
    runner(1500)
        .run(
            &(target, body, query, any::<bool>()),
            |(target, body, query, signed_in)| {
                tried.fetch_add(1, Ordering::Relaxed);
                world.rt.block_on(async {
                    let request = match target {
                        "push" => json_post("/api/v1/sync/push", body),
                        "pull" => Request::get(format!("/api/v1/sync/pull?{query}"))
                            .body(Body::empty())
                            .unwrap(),
                        "login" => json_post("/api/v1/auth/login", body),
                        "logout" => json_post("/api/v1/auth/logout", body),
                        _ => Request::get("/api/v1/auth/me").body(Body::empty()).unwrap(),
                    };
                    // Never sign out the suite's own sessions.
                    let request = if signed_in && target != "logout" {
                        signed(request, &world.staff.0)
                    } else {
                        request
                    };
                    send(&world.router, request).await;
                });
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "fuzz raw bodies: {} inputs, 0 5xx",
        tried.load(Ordering::Relaxed)
    );
}
