//! Who sees and changes which complaints: sync scoped to the user's
//! branches (`complaints_server` module `sync`, "Authorisation" and
//! `scoped_pull_page`). Driven through `oneshot` like `tests/server.rs`.
//!
//! Every request that must be refused is counted;
//! `cross_branch_reads_and_writes_are_refused_through_every_endpoint` prints
//! `scope refusal cases: N`.
//!
//! The network: region EAST with branches SH01 and SH02, region NORTH with
//! BJ01. Users: `wang` (staff, SH01), `li` (branch manager, SH02), `zhao`
//! (regional manager, EAST), `bj` (staff, BJ01), `admin`.

mod common;

use common::{add_signed_in_user, device, token};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, Response, StatusCode};
use axum::Router;
use complaints_domain::fixtures;
use complaints_domain::sync::{
    complaint_fields, op_id_from_bytes, Hlc, Op, Outcome, PullResponse, PushRequest, PushResponse,
    RejectCode,
};
use complaints_server::auth::{self, Auth, AuthConfig};
use complaints_server::photos::PhotoFiles;
use complaints_server::{app, open_test_db, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

const USERS: [(&str, &str, Option<&str>, Option<&str>); 5] = [
    ("wang", "staff", Some("SH01"), None),
    ("li", "branch_manager", Some("SH02"), None),
    ("zhao", "regional_manager", None, Some("EAST")),
    ("bj", "staff", Some("BJ01"), None),
    ("admin", "admin", None, None),
];

struct Fixture {
    _tmp: TempDir,
    state: AppState,
    router: Router,
    next_op: std::sync::atomic::AtomicU64,
}

impl Fixture {
    async fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let db = open_test_db(&tmp.path().join("data")).await.unwrap();
        auth::add_region(&db, "EAST", "华东").await.unwrap();
        auth::add_region(&db, "NORTH", "华北").await.unwrap();
        for (code, region) in [("SH01", "EAST"), ("SH02", "EAST"), ("BJ01", "NORTH")] {
            auth::add_branch(&db, code, code, region).await.unwrap();
        }
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
        for (username, role, branch, region) in USERS {
            // One device per user, named after them, signed in.
            add_signed_in_user(&db, &params, username, role, branch, region).await;
        }
        let state = AppState {
            photos: Arc::new(PhotoFiles::new(tmp.path().join("data/photos"))),
            db,
            dist_dir: tmp.path().join("dist"),
            risk: Default::default(),
            auth: Arc::new(Auth::new(AuthConfig {
                password_params: params,
                ..AuthConfig::default()
            })),
        };
        Fixture {
            router: app(state.clone()),
            state,
            _tmp: tmp,
            next_op: 1.into(),
        }
    }

    fn op_id(&self) -> String {
        let n = self
            .next_op
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut bytes = [0u8; 10];
        bytes[2..].copy_from_slice(&n.to_be_bytes());
        op_id_from_bytes(bytes)
    }

    async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    /// Complaint `n`, filed by `user` under `branch`.
    fn creation(&self, user: &str, n: u32, branch: &str) -> Op {
        let mut complaint = fixtures::generated(n, &device(user));
        complaint.branch_code = branch.to_owned();
        complaint.case_number = format!(
            "{branch}{}",
            &complaint.case_number[complaint.case_number.find('-').unwrap()..]
        );
        Op {
            id: self.op_id(),
            record: complaint.id.clone(),
            hlc: Hlc::new(now_ms(), 0),
            device: device(user),
            user: None,
            received: None,
            set: complaint_fields(&complaint),
            base: Default::default(),
        }
    }

    /// `user` sets `field` of `record` to `value`.
    fn edit(&self, user: &str, record: &str, field: &str, value: Value) -> Op {
        Op {
            id: self.op_id(),
            record: record.to_owned(),
            hlc: Hlc::new(now_ms(), 1),
            device: device(user),
            user: None,
            received: None,
            set: [(field.to_owned(), value)].into_iter().collect(),
            base: Default::default(),
        }
    }

    /// Pushes as `user` from their device; the request itself must succeed.
    async fn push(&self, user: &str, ops: &[Op]) -> PushResponse {
        let body = PushRequest {
            device: device(user),
            ops: ops.to_vec(),
        };
        let response = self
            .send(signed(
                Request::post("/api/v1/sync/push")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap(),
                user,
            ))
            .await;
        let (status, text) = text(response).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Pushes one op that must be accepted.
    async fn accept(&self, user: &str, op: Op) {
        let answer = self.push(user, &[op]).await;
        assert_eq!(
            answer.results[0].outcome,
            Outcome::Accepted,
            "{:?}",
            answer.results[0]
        );
    }

    /// Pushes one op that must be rejected with `code`; returns the rejection as JSON.
    async fn refuse(&self, user: &str, op: Op, code: RejectCode) -> Value {
        let answer = self.push(user, &[op]).await;
        match &answer.results[0].outcome {
            Outcome::Rejected { reason } => {
                assert_eq!(reason.code, code, "{reason:?}");
                serde_json::to_value(reason).unwrap()
            }
            Outcome::Accepted => panic!("{user}: accepted, expected {code:?}"),
        }
    }

    /// One pull as `user`'s device: the answer and its raw text.
    async fn pull_raw(&self, user: &str, after: &str, limit: u32) -> (PullResponse, String) {
        let uri = format!(
            "/api/v1/sync/pull?after={after}&limit={limit}&device={}",
            device(user)
        );
        let response = self
            .send(signed(Request::get(uri).body(Body::empty()).unwrap(), user))
            .await;
        let (status, text) = text(response).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        (serde_json::from_str(&text).unwrap(), text)
    }

    /// The number of operations in the server's log.
    async fn log_len(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM ops")
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

fn signed(mut request: Request<Body>, user: &str) -> Request<Body> {
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {}", token(user)).parse().unwrap(),
    );
    request
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap()
}

async fn text(response: Response<Body>) -> (StatusCode, String) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A device's copy of the records it may see: record id → op ids, kept as
/// the app keeps it (apply pulled ops, delete `removed` records).
#[derive(Default, Debug)]
struct Replica {
    cursor: String,
    records: BTreeMap<String, BTreeSet<String>>,
}

impl Replica {
    /// Pulls until nothing is left, `limit` at a time.
    async fn sync(&mut self, fx: &Fixture, user: &str, limit: u32) {
        for _ in 0..10_000 {
            let (page, _) = fx.pull_raw(user, &self.cursor, limit).await;
            let before: i64 = self.cursor.parse().unwrap_or(0);
            let after: i64 = page.cursor.parse().unwrap();
            assert!(after >= before, "{user}: the cursor went back");
            for id in &page.removed {
                self.records.remove(id);
            }
            for op in page.ops {
                self.records.entry(op.record).or_default().insert(op.id);
            }
            self.cursor = page.cursor;
            if !page.more {
                return;
            }
        }
        panic!("{user}: pull never finished");
    }

    /// Records the device's own pushes (pull skips them).
    fn pushed(&mut self, op: &Op) {
        self.records
            .entry(op.record.clone())
            .or_default()
            .insert(op.id.clone());
    }
}

/// What the server holds: record id → (branch, op ids).
async fn server_records(fx: &Fixture) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT r.id, r.branch, o.op_id FROM records r JOIN ops o ON o.record_id = r.id",
    )
    .fetch_all(&fx.state.db)
    .await
    .unwrap();
    let mut out: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for (id, branch, op) in rows {
        out.entry(id)
            .or_insert_with(|| (branch, BTreeSet::new()))
            .1
            .insert(op);
    }
    out
}

fn scope_of(user: &str) -> Option<&'static [&'static str]> {
    match user {
        "wang" => Some(&["SH01"]),
        "li" => Some(&["SH02"]),
        "zhao" => Some(&["SH01", "SH02"]),
        "bj" => Some(&["BJ01"]),
        _ => None,
    }
}

#[tokio::test]
async fn cross_branch_reads_and_writes_are_refused_through_every_endpoint() {
    let fx = Fixture::new().await;
    let mut count = 0usize;
    // Complaint 1 of SH01 and complaint 2 of BJ01, filed by their staff.
    let sh = fx.creation("wang", 1, "SH01");
    let bj = fx.creation("bj", 2, "BJ01");
    let (sh_id, bj_id) = (sh.record.clone(), bj.record.clone());
    let bj_secrets: Vec<String> = [&bj_id, "customer_name", "phone"]
        .iter()
        .map(|key| match bj.set.get(*key) {
            Some(Value::String(text)) => text.clone(),
            _ => (*key).to_owned(),
        })
        .collect();
    fx.accept("wang", sh).await;
    fx.accept("bj", bj).await;

    // --- pull: nothing of another branch, in any page, in any field -------
    for user in ["wang", "li", "zhao"] {
        for limit in [1, 2, 1000] {
            let mut cursor = String::new();
            loop {
                let (page, raw) = fx.pull_raw(user, &cursor, limit).await;
                for secret in &bj_secrets {
                    assert!(!raw.contains(secret.as_str()), "{user} saw {secret}: {raw}");
                }
                cursor = page.cursor;
                if !page.more {
                    break;
                }
            }
            count += 1;
        }
    }
    // `remaining` counts only what the user gets: no trace of BJ01's ops.
    let (first, _) = fx.pull_raw("zhao", "", 1).await;
    assert_eq!(first.ops.len(), 1);
    assert_eq!(first.remaining, 0, "zhao gets one op, and nothing else");
    assert!(!first.more);
    count += 1;
    // Pulling with another device's id changes nothing.
    let uri = format!("/api/v1/sync/pull?device={}", device("bj"));
    let response = fx
        .send(signed(
            Request::get(uri).body(Body::empty()).unwrap(),
            "wang",
        ))
        .await;
    let (_, raw) = text(response).await;
    assert!(!raw.contains(&bj_id));
    count += 1;

    // --- push: another branch's record looks like no record at all ----------
    let log = fx.log_len().await;
    let missing = "00000000-0000-4000-8000-999999999999";
    let ghost = fx
        .refuse(
            "wang",
            fx.edit("wang", missing, "tracking", json!("x")),
            RejectCode::UnknownRecord,
        )
        .await;
    for (user, op) in [
        ("wang", fx.edit("wang", &bj_id, "tracking", json!("偷看"))),
        (
            "wang",
            fx.edit("wang", &bj_id, "branch_code", json!("SH01")),
        ),
        ("wang", fx.edit("wang", &bj_id, "step.1", Value::Null)),
        (
            "wang",
            fx.edit(
                "wang",
                &bj_id,
                "tl.e1",
                json!({"id": "e1", "kind": "note", "at": "2026-11-20T08:00:00Z",
                       "recorded": "2026-11-20T08:00:00Z", "by": "wang", "dev": "tab-wang",
                       "text": "x"}),
            ),
        ),
        ("li", fx.edit("li", &sh_id, "tracking", json!("x"))),
        ("zhao", fx.edit("zhao", &bj_id, "status", json!("closed"))),
    ] {
        let refusal = fx.refuse(user, op, RejectCode::UnknownRecord).await;
        assert_eq!(refusal, ghost, "{user}: same answer as for no record");
        count += 1;
    }
    // Filing under someone else's id (a "creation" of an existing record).
    let mut takeover = fx.creation("wang", 2, "SH01");
    takeover.record = bj_id.clone();
    fx.refuse("wang", takeover, RejectCode::UnknownRecord).await;
    count += 1;

    // --- push: filing and moving outside the scope --------------------------
    let cases = [
        ("wang", fx.creation("wang", 10, "BJ01")),
        ("wang", fx.creation("wang", 11, "SH02")),
        ("li", fx.creation("li", 12, "SH01")),
        ("zhao", fx.creation("zhao", 13, "BJ01")),
        ("bj", fx.creation("bj", 14, "NOPE")),
        (
            "wang",
            fx.edit("wang", &sh_id, "branch_code", json!("SH02")),
        ),
        (
            "wang",
            fx.edit("wang", &sh_id, "branch_code", json!("BJ01")),
        ),
        (
            "zhao",
            fx.edit("zhao", &sh_id, "branch_code", json!("BJ01")),
        ),
        (
            "admin",
            fx.edit("admin", &sh_id, "branch_code", json!("XX99")),
        ),
    ];
    for (user, op) in cases {
        let refusal = fx.refuse(user, op, RejectCode::Forbidden).await;
        assert_eq!(refusal["field"], "branch_code");
        count += 1;
    }
    assert_eq!(fx.log_len().await, log, "nothing refused was stored");

    // --- push as another device than the token's ----------------------------
    let body = json!({"device": device("bj"), "ops": []});
    let response = fx
        .send(signed(
            Request::post("/api/v1/sync/push")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            "wang",
        ))
        .await;
    let (status, raw) = text(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(raw.contains("wrong_device"), "{raw}");
    count += 1;

    // --- the other endpoints hold no records at all -------------------------
    for (method, uri) in [
        (Method::GET, "/api/v1/auth/me"),
        (Method::GET, "/api/v1/config"),
        (Method::GET, "/api/v1/openapi.json"),
        (Method::GET, "/api/health"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let (status, raw) = text(fx.send(signed(request, "wang")).await).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        for secret in &bj_secrets {
            assert!(!raw.contains(secret.as_str()), "{uri} leaks {secret}");
        }
        count += 1;
    }
    let (_, me) = text(
        fx.send(signed(
            Request::get("/api/v1/auth/me").body(Body::empty()).unwrap(),
            "wang",
        ))
        .await,
    )
    .await;
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(
        me["scope"],
        json!({"kind": "branches", "branches": ["SH01"]})
    );

    // The owners still see their own.
    let mut bj_replica = Replica::default();
    bj_replica.sync(&fx, "bj", 1000).await;
    assert!(bj_replica.records.is_empty(), "bj's own op is skipped");
    let mut admin = Replica::default();
    admin.sync(&fx, "admin", 1000).await;
    assert_eq!(
        admin.records.keys().cloned().collect::<BTreeSet<_>>(),
        [sh_id, bj_id].into_iter().collect()
    );

    println!("scope refusal cases: {count}");
    assert_eq!(count, 32);
}

#[tokio::test]
async fn a_branch_move_removes_the_record_from_the_old_branch_devices() {
    let fx = Fixture::new().await;
    let create = fx.creation("wang", 1, "SH01");
    let id = create.record.clone();
    let mut wang = Replica::default();
    wang.pushed(&create);
    fx.accept("wang", create).await;
    let note = fx.edit("zhao", &id, "tracking", json!("区域经理已介入"));
    fx.accept("zhao", note.clone()).await;
    let mut li = Replica::default();
    li.sync(&fx, "li", 1000).await;
    wang.sync(&fx, "wang", 1000).await;
    assert!(li.records.is_empty());
    assert_eq!(wang.records[&id].len(), 2);

    // Staff cannot hand it over; the regional manager can, within the region.
    fx.refuse(
        "wang",
        fx.edit("wang", &id, "branch_code", json!("SH02")),
        RejectCode::Forbidden,
    )
    .await;
    fx.accept("zhao", fx.edit("zhao", &id, "branch_code", json!("SH02")))
        .await;

    // SH01's device is told to delete it, and gets none of its ops.
    let (page, _) = fx.pull_raw("wang", &wang.cursor, 1000).await;
    assert_eq!(page.removed, vec![id.clone()]);
    assert!(page.ops.is_empty());
    wang.sync(&fx, "wang", 1000).await;
    assert!(!wang.records.contains_key(&id));
    // Its later edits are refused like edits of an unknown record.
    fx.refuse(
        "wang",
        fx.edit("wang", &id, "tracking", json!("x")),
        RejectCode::UnknownRecord,
    )
    .await;

    // SH02's device gets the whole record, although its cursor is past the
    // creation: every op, made before the move too.
    li.sync(&fx, "li", 1).await;
    assert_eq!(li.records[&id].len(), 3, "{li:?}");
    let edit = fx.edit("li", &id, "tracking", json!("已联系顾客"));
    li.pushed(&edit);
    fx.accept("li", edit).await;

    // Back to SH01 (by the branch manager of SH02): wang gets all of it again.
    fx.accept("li", fx.edit("li", &id, "branch_code", json!("SH01")))
        .await;
    wang.sync(&fx, "wang", 2).await;
    assert_eq!(wang.records[&id].len(), 5);
    li.sync(&fx, "li", 1000).await;
    assert!(!li.records.contains_key(&id));

    // The regional manager, who sees both branches, was never told to delete it.
    let mut zhao = Replica::default();
    zhao.sync(&fx, "zhao", 1).await;
    assert_eq!(zhao.records[&id].len(), 5);

    // Handed over to another region: the regional manager loses it too.
    fx.accept("admin", fx.edit("admin", &id, "branch_code", json!("BJ01")))
        .await;
    zhao.sync(&fx, "zhao", 1000).await;
    assert!(zhao.records.is_empty());
    let mut bj = Replica::default();
    bj.sync(&fx, "bj", 3).await;
    assert_eq!(bj.records[&id].len(), 6);
}

#[tokio::test]
async fn every_op_records_who_made_it() {
    let fx = Fixture::new().await;
    let mut create = fx.creation("wang", 1, "SH01");
    // Whatever the device claims, the server writes the signed-in user.
    create.user = Some("li".into());
    let id = create.record.clone();
    fx.accept("wang", create).await;
    fx.accept("zhao", fx.edit("zhao", &id, "tracking", json!("已回访")))
        .await;
    let (page, _) = fx.pull_raw("admin", "", 1000).await;
    let who: Vec<(String, Option<String>)> = page
        .ops
        .iter()
        .map(|op| (op.device.clone(), op.user.clone()))
        .collect();
    assert_eq!(
        who,
        vec![
            ("tab-wang".to_owned(), Some("wang".to_owned())),
            ("tab-zhao".to_owned(), Some("zhao".to_owned())),
        ]
    );
    let logged: Vec<Option<String>> = sqlx::query_scalar("SELECT username FROM ops ORDER BY seq")
        .fetch_all(&fx.state.db)
        .await
        .unwrap();
    assert_eq!(logged, vec![Some("wang".into()), Some("zhao".into())]);
    // The record's history on the server says who changed the field.
    let state: String = sqlx::query_scalar("SELECT state FROM records WHERE id = $1")
        .bind(&id)
        .fetch_one(&fx.state.db)
        .await
        .unwrap();
    let state: complaints_domain::sync::RecordState = serde_json::from_str(&state).unwrap();
    let tracking = &state.fields["tracking"];
    let author = state.author(&tracking.heads[0]).unwrap();
    assert_eq!(author.user.as_deref(), Some("zhao"));
    assert_eq!(author.device, "tab-zhao");
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random filings, edits and moves, with every device pulling now and then
/// at random page sizes: at the end each device holds exactly the records
/// of its scope, each with every one of its ops, and nothing else.
#[tokio::test]
async fn scoped_pulls_converge_under_random_moves() {
    const BRANCHES: [&str; 3] = ["SH01", "SH02", "BJ01"];
    let pullers = ["wang", "li", "zhao", "bj"];
    for seed in [7u64, 1234, 99_991] {
        let fx = Fixture::new().await;
        let mut rng = Rng(seed);
        let mut replicas: BTreeMap<&str, Replica> =
            pullers.iter().map(|u| (*u, Replica::default())).collect();
        let mut records: Vec<String> = Vec::new();
        for step in 0..120u32 {
            match rng.below(10) {
                0..=2 => {
                    let branch = BRANCHES[rng.below(3) as usize];
                    let op = fx.creation("admin", step + 1, branch);
                    records.push(op.record.clone());
                    fx.accept("admin", op).await;
                }
                3..=5 if !records.is_empty() => {
                    let id = &records[rng.below(records.len() as u64) as usize];
                    let op = fx.edit("admin", id, "tracking", json!(format!("第{step}次跟进")));
                    fx.accept("admin", op).await;
                }
                6..=7 if !records.is_empty() => {
                    let id = &records[rng.below(records.len() as u64) as usize];
                    let to = BRANCHES[rng.below(3) as usize];
                    fx.accept("admin", fx.edit("admin", id, "branch_code", json!(to)))
                        .await;
                }
                _ => {
                    let user = pullers[rng.below(4) as usize];
                    let limit = 1 + rng.below(4) as u32;
                    let replica = replicas.get_mut(user).unwrap();
                    replica.sync(&fx, user, limit).await;
                }
            }
        }
        let server = server_records(&fx).await;
        for user in pullers {
            let replica = replicas.get_mut(user).unwrap();
            replica.sync(&fx, user, 1 + (seed % 3) as u32).await;
            let scope = scope_of(user).unwrap();
            let expected: BTreeMap<String, BTreeSet<String>> = server
                .iter()
                .filter(|(_, (branch, _))| scope.contains(&branch.as_str()))
                .map(|(id, (_, ops))| (id.clone(), ops.clone()))
                .collect();
            assert_eq!(replica.records, expected, "seed {seed}, {user}");
        }
    }
}

/// A PDCA row by `user` (see `complaints_domain::pdca`).
fn pdca_row(fx: &Fixture, user: &str, branch: &str, target: f64) -> Op {
    use complaints_domain::kpi::Kpi;
    use complaints_domain::pdca::{self, PdcaItem};
    let row = PdcaItem {
        target: Some(target),
        ..PdcaItem::new(branch, Kpi::Satisfaction, "2026-11")
    };
    let stamp = complaints_domain::sync::Stamp {
        op_id: fx.op_id(),
        hlc: Hlc::new(now_ms(), 0),
        device: device(user),
        user: None,
    };
    pdca::change(None, &row, "2026-11-23T10:00:00Z", stamp).unwrap()
}

#[tokio::test]
async fn pdca_rows_sync_within_scope_and_only_managers_write_them() {
    let fx = Fixture::new().await;
    // Staff read the table but may not write it.
    let refusal = fx
        .refuse(
            "wang",
            pdca_row(&fx, "wang", "SH01", 90.0),
            RejectCode::Forbidden,
        )
        .await;
    assert_eq!(refusal["field"], "pdca");
    // A branch manager writes their own branch's row, not another branch's.
    fx.accept("li", pdca_row(&fx, "li", "SH02", 90.0)).await;
    let refusal = fx
        .refuse(
            "li",
            pdca_row(&fx, "li", "SH01", 80.0),
            RejectCode::Forbidden,
        )
        .await;
    assert_eq!(refusal["field"], "branch_code");
    // The regional manager writes any branch of the region; an edit of an
    // existing row merges into it.
    fx.accept("zhao", pdca_row(&fx, "zhao", "SH01", 85.0)).await;
    let edit = fx.edit(
        "zhao",
        "pdca:SH02:satisfaction:2026-11",
        "owner",
        json!("赵磊"),
    );
    fx.accept("zhao", edit).await;
    // A bad value is refused like a complaint's.
    let bad = fx.edit(
        "zhao",
        "pdca:SH02:satisfaction:2026-11",
        "target",
        json!(101),
    );
    let refusal = fx.refuse("zhao", bad, RejectCode::InvalidValue).await;
    assert_eq!(refusal["field"], "target");
    // Out of scope, an existing row answers like one that does not exist:
    // staff write no PDCA row.
    let edit = fx.edit("bj", "pdca:SH02:satisfaction:2026-11", "owner", json!("x"));
    let existing = fx.refuse("bj", edit, RejectCode::Forbidden).await;
    let edit = fx.edit("bj", "pdca:SH02:satisfaction:2020-01", "owner", json!("x"));
    assert_eq!(fx.refuse("bj", edit, RejectCode::Forbidden).await, existing);

    // Each user pulls exactly the rows of their branches.
    for (user, expected) in [
        ("wang", vec!["pdca:SH01:satisfaction:2026-11"]),
        ("li", vec!["pdca:SH02:satisfaction:2026-11"]),
        (
            "zhao",
            vec![
                "pdca:SH01:satisfaction:2026-11",
                "pdca:SH02:satisfaction:2026-11",
            ],
        ),
        ("bj", vec![]),
    ] {
        let mut replica = Replica::default();
        replica.sync(&fx, user, 1000).await;
        let ids: Vec<&str> = replica.records.keys().map(String::as_str).collect();
        // Own pushes are skipped by pull; count them as the device holds them.
        let mut ids: BTreeSet<&str> = ids.into_iter().collect();
        match user {
            "li" => ids.insert("pdca:SH02:satisfaction:2026-11"),
            "zhao" => ids.insert("pdca:SH01:satisfaction:2026-11"),
            _ => false,
        };
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), expected, "{user}");
    }
}

/// A standard answer `key` for `audience` (`all`, `region:X`, `branch:X`)
/// written by `user` (see `complaints_domain::answers`).
fn answer_op(fx: &Fixture, user: &str, audience: &str, key: &str) -> Op {
    use complaints_domain::answers::{self, Answer};
    let answer = Answer {
        id: format!("ans:{audience}:{key}"),
        title: format!("{key} 标准答复"),
        keywords: vec![key.to_owned()],
        answer: "请按步骤检查。".into(),
        author: user.into(),
        editor: user.into(),
        updated_at: "2026-11-30T09:00:00Z".into(),
        version: 1,
        ..Answer::default()
    };
    let stamp = complaints_domain::sync::Stamp {
        op_id: fx.op_id(),
        hlc: Hlc::new(now_ms(), 0),
        device: device(user),
        user: None,
    };
    answers::change(None, &answer, "2026-11-30T09:00:00Z", stamp).unwrap()
}

#[tokio::test]
async fn standard_answers_reach_their_audience_and_only_managers_write_them() {
    let fx = Fixture::new().await;
    let mut refused = 0;
    // Staff read answers but write none; a branch manager writes their
    // branch's only; a regional manager their region's and its branches';
    // an administrator any.
    for (user, audience) in [
        ("wang", "branch:SH01"),
        ("li", "branch:SH01"),
        ("li", "region:EAST"),
        ("li", "all"),
        ("zhao", "region:NORTH"),
        ("zhao", "branch:BJ01"),
        ("zhao", "all"),
    ] {
        let refusal = fx
            .refuse(
                user,
                answer_op(&fx, user, audience, "x"),
                RejectCode::Forbidden,
            )
            .await;
        assert_eq!(refusal["field"], "answers", "{user} for {audience}");
        refused += 1;
    }
    let mine: [(&str, &str, &str); 5] = [
        ("li", "branch:SH02", "tips"),
        ("zhao", "region:EAST", "brake"),
        ("zhao", "branch:SH01", "ac"),
        ("admin", "all", "tpms"),
        ("admin", "region:NORTH", "cold"),
    ];
    for (user, audience, key) in mine {
        fx.accept(user, answer_op(&fx, user, audience, key)).await;
    }
    // An edit merges into the answer; a bad value is refused with its field.
    let edit = fx.edit(
        "zhao",
        "ans:region:EAST:brake",
        "answer",
        json!("先检查制动盘。"),
    );
    fx.accept("zhao", edit).await;
    let bad = fx.edit("zhao", "ans:region:EAST:brake", "title", json!(""));
    let refusal = fx.refuse("zhao", bad, RejectCode::InvalidValue).await;
    assert_eq!(refusal["field"], "title");
    // Another region's answer answers like one that does not exist.
    let edit = fx.edit("bj", "ans:region:EAST:brake", "answer", json!("x"));
    let existing = fx.refuse("bj", edit, RejectCode::Forbidden).await;
    let edit = fx.edit("bj", "ans:region:EAST:nothing", "answer", json!("x"));
    assert_eq!(fx.refuse("bj", edit, RejectCode::Forbidden).await, existing);
    refused += 3;

    // Each user pulls exactly the answers written for them.
    for (user, expected) in [
        (
            "wang",
            vec![
                "ans:all:tpms",
                "ans:branch:SH01:ac",
                "ans:region:EAST:brake",
            ],
        ),
        (
            "li",
            vec![
                "ans:all:tpms",
                "ans:branch:SH02:tips",
                "ans:region:EAST:brake",
            ],
        ),
        (
            "zhao",
            vec![
                "ans:all:tpms",
                "ans:branch:SH01:ac",
                "ans:branch:SH02:tips",
                "ans:region:EAST:brake",
            ],
        ),
        ("bj", vec!["ans:all:tpms", "ans:region:NORTH:cold"]),
        (
            "admin",
            vec![
                "ans:all:tpms",
                "ans:branch:SH01:ac",
                "ans:branch:SH02:tips",
                "ans:region:EAST:brake",
                "ans:region:NORTH:cold",
            ],
        ),
    ] {
        let mut replica = Replica::default();
        replica.sync(&fx, user, 2).await;
        // Own pushes are skipped by pull; count them as the device holds them.
        let mut ids: BTreeSet<String> = replica.records.into_keys().collect();
        ids.extend(
            mine.iter()
                .filter(|(by, _, _)| *by == user)
                .map(|(_, audience, key)| format!("ans:{audience}:{key}")),
        );
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), expected, "{user}");
    }
    println!("answers refusal cases: {refused}");
}

/// Pushing to a complaint of another branch answers exactly what pushing to
/// one that does not exist answers: the code, the field and the words.
#[tokio::test]
async fn a_record_of_another_branch_answers_exactly_like_one_that_does_not_exist() {
    let fx = Fixture::new().await;
    let theirs = fx.creation("li", 1, "SH02");
    let record = theirs.record.clone();
    fx.accept("li", theirs).await;
    let missing = fixtures::generated(77, "nowhere").id;
    assert_ne!(missing, record);

    let answer = |op: Op| async { fx.push("wang", &[op]).await.results[0].clone() };
    // An edit.
    let existing = answer(fx.edit("wang", &record, "tracking", json!("x"))).await;
    let absent = answer(fx.edit("wang", &missing, "tracking", json!("x"))).await;
    assert_eq!(existing.outcome, absent.outcome);
    // A creation filed under the other branch, on its id and on a new one.
    let mut on_existing = fx.creation("wang", 2, "SH02");
    on_existing.record = record.clone();
    let mut on_absent = fx.creation("wang", 2, "SH02");
    on_absent.record = missing.clone();
    let existing = answer(on_existing).await;
    let absent = answer(on_absent).await;
    assert_eq!(
        existing.outcome, absent.outcome,
        "{existing:?} / {absent:?}"
    );
    assert!(matches!(existing.outcome, Outcome::Rejected { .. }));
}

/// A move is judged on the record as it is after the merge, not on the value
/// the op sends: an op that keeps the branch's value but drops the newest
/// head (with an old stamp) would let an older, concurrent branch win.
#[tokio::test]
async fn a_move_is_authorised_on_the_merged_outcome() {
    let fx = Fixture::new().await;
    let now = now_ms();
    let mut created = fx.creation("wang", 1, "SH01");
    created.hlc = Hlc::new(now, 0);
    let record = created.record.clone();
    let created_id = created.id.clone();
    fx.accept("wang", created).await;
    // The regional manager's concurrent hand-over to SH02, stamped earlier:
    // it loses the merge, the complaint stays in SH01.
    let mut handover = fx.edit("zhao", &record, "branch_code", json!("SH02"));
    handover.hlc = Hlc::new(now - 1_000, 0);
    fx.accept("zhao", handover).await;
    // Staff send SH01 — the value it has — having "seen" only the creation,
    // stamped before the hand-over: SH02 would become the newest head.
    let mut sneaky = fx.edit("wang", &record, "branch_code", json!("SH01"));
    sneaky.hlc = Hlc::new(now - 2_000, 0);
    sneaky.base = [("branch_code".to_string(), vec![created_id])].into();
    let refusal = fx.refuse("wang", sneaky, RejectCode::Forbidden).await;
    assert_eq!(refusal["field"], "branch_code");
    let branch: String = sqlx::query_scalar("SELECT branch FROM records WHERE id = $1")
        .bind(&record)
        .fetch_one(&fx.state.db)
        .await
        .unwrap();
    assert_eq!(branch, "SH01");
}

/// A timeline entry `id` by `by` on `dev`, happened at `at`.
fn entry_value(id: &str, by: &str, dev: &str, at: chrono::DateTime<chrono::Utc>) -> Value {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({"id": id, "kind": "note", "at": at, "recorded": at, "by": by, "dev": dev,
           "text": "已电话联系顾客"})
}

/// Who did it is the signed-in user (the name the server knows them by) on
/// the pushing device: nobody adds an entry or ticks a step in someone
/// else's name.
#[tokio::test]
async fn an_entry_or_a_tick_in_another_users_name_is_refused() {
    let fx = Fixture::new().await;
    let created = fx.creation("wang", 1, "SH01");
    let record = created.record.clone();
    fx.accept("wang", created).await;
    let now = chrono::Utc::now();
    let forged = entry_value("e1", "li", &device("wang"), now);
    let edit = fx.edit("wang", &record, "tl.e1", forged);
    let refusal = fx.refuse("wang", edit, RejectCode::InvalidValue).await;
    assert_eq!(refusal["field"], "tl.e1");
    let other_device = entry_value("e2", "wang", "some-other-tablet", now);
    let edit = fx.edit("wang", &record, "tl.e2", other_device);
    fx.refuse("wang", edit, RejectCode::InvalidValue).await;
    let tick = json!({"by": "zhao", "dev": device("wang"),
                      "at": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)});
    let edit = fx.edit("wang", &record, "step.1", tick);
    fx.refuse("wang", edit, RejectCode::InvalidValue).await;
    // In their own name, on their own device: accepted.
    let own = entry_value("e3", "wang", &device("wang"), now);
    fx.accept("wang", fx.edit("wang", &record, "tl.e3", own))
        .await;
}

/// When it happened is the device's word, bounded: not after the server's
/// clock (with its margin), not before the complaint was received.
#[tokio::test]
async fn an_entry_happened_between_the_complaints_receipt_and_now() {
    let fx = Fixture::new().await;
    let created = fx.creation("wang", 1, "SH01");
    let received = fixtures::generated(1, "any").received_at;
    let record = created.record.clone();
    fx.accept("wang", created).await;
    let dev = device("wang");
    let ahead = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let edit = fx.edit(
        "wang",
        &record,
        "tl.e1",
        entry_value("e1", "wang", &dev, ahead),
    );
    fx.refuse("wang", edit, RejectCode::InvalidValue).await;
    let before_receipt = received - chrono::TimeDelta::days(1);
    let edit = fx.edit(
        "wang",
        &record,
        "tl.e2",
        entry_value("e2", "wang", &dev, before_receipt),
    );
    fx.refuse("wang", edit, RejectCode::InvalidValue).await;
    let between = received + chrono::TimeDelta::minutes(5);
    let edit = fx.edit(
        "wang",
        &record,
        "tl.e3",
        entry_value("e3", "wang", &dev, between),
    );
    fx.accept("wang", edit).await;
}

/// A scoped pull page stops at its byte bound too, and pages through every op.
#[tokio::test]
async fn a_scoped_pull_page_stops_at_two_megabytes() {
    let fx = Fixture::new().await;
    let mut ids = Vec::new();
    for chunk in 0..4u32 {
        let ops: Vec<Op> = (0..20u32)
            .map(|i| {
                let mut op = fx.creation("li", chunk * 20 + i, "SH02");
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
        ids.extend(ops.iter().map(|op| op.id.clone()));
        let answer = fx.push("li", &ops).await;
        assert!(answer
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Accepted));
    }
    // The regional manager (scoped to EAST) pulls them all.
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (page, text) = fx.pull_raw("zhao", &cursor, 2000).await;
        assert!(text.len() < 2_300_000, "a page of {} bytes", text.len());
        pages += 1;
        seen.extend(page.ops.into_iter().map(|op| op.id));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(seen, ids, "every op once, in order");
}

/// Photo files: the chunked upload, its resumption, the hash check, the
/// download scoped like the complaint (module `photos`).
mod photos {
    use super::*;
    use complaints_domain::model::{CHUNK_BYTES, MAX_PHOTO_BYTES};
    use sha2::{Digest, Sha256};

    const THUMB: &str = "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==";

    fn file(len: usize, seed: u8) -> (Vec<u8>, String) {
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i as u32).wrapping_mul(2654435761).to_le_bytes()[1] ^ seed)
            .collect();
        let sha = hex(&Sha256::digest(&bytes));
        (bytes, sha)
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn photo(user: &str, id: &str, sha: &str, len: usize) -> Value {
        json!({
            "id": id, "sha256": sha, "bytes": len, "mime": "image/jpeg",
            "width": 1600, "height": 1200, "thumb": THUMB, "caption": "轮胎",
            "by": user, "dev": device(user),
            "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
    }

    async fn put(
        fx: &Fixture,
        user: &str,
        sha: &str,
        offset: usize,
        size: usize,
        chunk: &[u8],
    ) -> (StatusCode, Value) {
        let uri = format!("/api/v1/photos/uploads/{sha}?offset={offset}&size={size}");
        let request = Request::put(uri)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(chunk.to_vec()))
            .unwrap();
        let (status, text) = text(fx.send(signed(request, user)).await).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(fx: &Fixture, user: &str, uri: &str) -> (StatusCode, Vec<u8>, String) {
        let response = fx
            .send(signed(Request::get(uri).body(Body::empty()).unwrap(), user))
            .await;
        let status = response.status();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, bytes, kind)
    }

    /// Uploads the whole file in chunks; returns the bytes sent.
    async fn upload(fx: &Fixture, user: &str, sha: &str, bytes: &[u8], from: usize) -> usize {
        let mut offset = from;
        let mut sent = 0;
        while offset < bytes.len() {
            let end = (offset + CHUNK_BYTES as usize).min(bytes.len());
            let (status, body) = put(fx, user, sha, offset, bytes.len(), &bytes[offset..end]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            sent += end - offset;
            offset = end;
            if body["done"] == json!(true) {
                break;
            }
        }
        sent
    }

    #[tokio::test]
    async fn a_photo_uploads_in_chunks_resumes_after_a_restart_and_is_stored_by_its_hash() {
        let mut fx = Fixture::new().await;
        let (bytes, sha) = file(700_000, 1);
        let status_uri = format!("/api/v1/photos/uploads/{sha}");
        let first = CHUNK_BYTES as usize;
        let (status, body) = put(&fx, "wang", &sha, 0, bytes.len(), &bytes[..first]).await;
        assert_eq!(
            (status, &body),
            (StatusCode::OK, &json!({"have": first, "done": false}))
        );

        // The server restarts: a new process over the same data directory.
        let dir = fx._tmp.path().join("data/photos");
        fx.state.photos = Arc::new(PhotoFiles::new(dir));
        fx.router = app(fx.state.clone());
        let (_, answer, _) = get(&fx, "wang", &status_uri).await;
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(
            answer,
            json!({"have": first, "done": false}),
            "the partial file survived"
        );
        // Sending the first chunk again is refused with what the server has.
        let (status, body) = put(&fx, "wang", &sha, 0, bytes.len(), &bytes[..first]).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["error"]["code"], "upload_offset");
        let sent = upload(&fx, "wang", &sha, &bytes, first).await;
        assert_eq!(
            sent,
            bytes.len() - first,
            "the earlier chunk was not sent again"
        );
        let stored = fx.state.photos.stored(&sha);
        let on_disk = std::fs::read(&stored).unwrap();
        assert_eq!(hex(&Sha256::digest(&on_disk)), sha);
        assert!(stored
            .to_string_lossy()
            .ends_with(&format!("photos/{}/{sha}", &sha[..2])));

        // Another user uploading the same file: done at once, nothing sent twice.
        let (status, body) = put(&fx, "li", &sha, 0, bytes.len(), &bytes[..first]).await;
        assert_eq!(
            (status, body["done"].clone()),
            (StatusCode::OK, json!(true))
        );
        let (_, answer, _) = get(&fx, "bj", &status_uri).await;
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap()["done"],
            json!(true)
        );
    }

    #[tokio::test]
    async fn a_file_whose_hash_differs_is_dropped_and_bad_uploads_get_clear_4xx() {
        let fx = Fixture::new().await;
        let (bytes, _) = file(1000, 2);
        let wrong = "ab".repeat(32);
        let (status, body) = put(&fx, "wang", &wrong, 0, bytes.len(), &bytes).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["code"], "hash_mismatch");
        let (_, answer, _) = get(&fx, "wang", &format!("/api/v1/photos/uploads/{wrong}")).await;
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).unwrap(),
            json!({"have": 0, "done": false})
        );

        let (_, sha) = file(1000, 3);
        let max = MAX_PHOTO_BYTES as usize;
        type Case = (String, usize, usize, Vec<u8>, StatusCode, &'static str);
        let cases: Vec<Case> = vec![
            (
                "NOT-A-HASH".into(),
                0,
                10,
                vec![1; 10],
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                sha.clone(),
                0,
                max + 1,
                vec![1; 10],
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            (
                sha.clone(),
                0,
                0,
                vec![],
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            (
                sha.clone(),
                0,
                max,
                vec![1; CHUNK_BYTES as usize + 1],
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            (
                sha.clone(),
                0,
                5,
                vec![1; 10],
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                sha.clone(),
                0,
                10,
                vec![],
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                sha.clone(),
                7,
                10,
                vec![1; 3],
                StatusCode::CONFLICT,
                "upload_offset",
            ),
        ];
        for (sha, offset, size, chunk, want, code) in cases {
            let (status, body) = put(&fx, "wang", &sha, offset, size, &chunk).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (want, Some(code)),
                "{sha} {offset} {size}"
            );
        }
        let (status, _) = {
            let request = Request::put(format!("/api/v1/photos/uploads/{sha}?offset=0&size=10"))
                .body(Body::from(vec![1u8; 10]))
                .unwrap();
            text(fx.send(request).await).await
        };
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = text(
            fx.send(signed(
                Request::put(format!("/api/v1/photos/uploads/{sha}?offset=x&size=10"))
                    .body(Body::from(vec![1u8; 10]))
                    .unwrap(),
                "wang",
            ))
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn another_branch_cannot_fetch_a_photo_and_is_answered_as_if_it_did_not_exist() {
        let fx = Fixture::new().await;
        let create = fx.creation("wang", 1, "SH01");
        let record = create.record.clone();
        fx.accept("wang", create).await;
        let (bytes, sha) = file(300_000, 4);
        let original = photo("wang", "p1", &sha, bytes.len());
        fx.accept("wang", fx.edit("wang", &record, "ph.p1", original.clone()))
            .await;
        let uri = format!("/api/v1/records/{record}/photos/p1");

        let (status, body, _) = get(&fx, "wang", &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(String::from_utf8_lossy(&body).contains("not_uploaded"));

        upload(&fx, "wang", &sha, &bytes, 0).await;
        for user in ["wang", "zhao", "admin"] {
            let (status, body, kind) = get(&fx, user, &uri).await;
            assert_eq!(status, StatusCode::OK, "{user}");
            assert_eq!(kind, "image/jpeg");
            assert_eq!(body, bytes, "{user}");
        }
        let nowhere = get(
            &fx,
            "li",
            "/api/v1/records/00000000-0000-4000-8000-00000000dead/photos/p1",
        )
        .await;
        let no_photo = get(&fx, "wang", &format!("/api/v1/records/{record}/photos/p2")).await;
        for user in ["li", "bj"] {
            let (status, body, _) = get(&fx, user, &uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{user}");
            let strip = |b: &[u8]| {
                let mut v: Value = serde_json::from_slice(b).unwrap();
                v["server_time"] = Value::Null;
                v
            };
            assert_eq!(
                strip(&body),
                strip(&nowhere.1),
                "{user}: same as a record that does not exist"
            );
            assert_eq!(
                strip(&body),
                strip(&no_photo.1),
                "{user}: same as a photo that does not exist"
            );
        }

        // Deleted: gone for everyone.
        let mut deleted = original;
        deleted["deleted"] = json!({"by": "wang", "at": chrono::Utc::now().to_rfc3339()});
        fx.accept("wang", fx.edit("wang", &record, "ph.p1", deleted))
            .await;
        let (status, _, _) = get(&fx, "wang", &uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_photo_a_signature_or_a_position_in_another_users_name_is_refused() {
        let fx = Fixture::new().await;
        let create = fx.creation("wang", 2, "SH01");
        let record = create.record.clone();
        fx.accept("wang", create).await;
        let (_, sha) = file(10, 5);
        fx.refuse(
            "wang",
            fx.edit("wang", &record, "ph.p1", photo("zhao", "p1", &sha, 10)),
            RejectCode::InvalidValue,
        )
        .await;
        let mut elsewhere = photo("wang", "p1", &sha, 10);
        elsewhere["dev"] = json!("another-tablet");
        fx.refuse(
            "wang",
            fx.edit("wang", &record, "ph.p1", elsewhere),
            RejectCode::InvalidValue,
        )
        .await;
        let original = photo("wang", "p1", &sha, 10);
        fx.accept("wang", fx.edit("wang", &record, "ph.p1", original.clone()))
            .await;
        // The regional manager may caption a photo wang took…
        let mut captioned = original.clone();
        captioned["caption"] = json!("侧面鼓包");
        fx.accept("zhao", fx.edit("zhao", &record, "ph.p1", captioned))
            .await;
        // …but deletes it only in his own name.
        let mut deleted = original;
        deleted["caption"] = json!("侧面鼓包");
        deleted["deleted"] = json!({"by": "wang", "at": chrono::Utc::now().to_rfc3339()});
        fx.refuse(
            "zhao",
            fx.edit("zhao", &record, "ph.p1", deleted.clone()),
            RejectCode::InvalidValue,
        )
        .await;
        deleted["deleted"]["by"] = json!("zhao");
        fx.accept("zhao", fx.edit("zhao", &record, "ph.p1", deleted))
            .await;

        let signature = |by: &str| {
            json!({
                "id": "s1", "strokes": ["1,1,50 2,2,50"], "aspect": [3, 1], "text": "同意更换",
                "signer": "张伟", "by": by, "dev": device("wang"),
                "at": chrono::Utc::now().to_rfc3339(),
            })
        };
        fx.refuse(
            "wang",
            fx.edit("wang", &record, "sig.s1", signature("li")),
            RejectCode::InvalidValue,
        )
        .await;
        fx.accept(
            "wang",
            fx.edit("wang", &record, "sig.s1", signature("wang")),
        )
        .await;
        let position = |by: &str| {
            json!({
                "id": "l1", "lat": 31.2, "lon": 121.4, "accuracy_m": 8.0,
                "at": chrono::Utc::now().to_rfc3339(), "by": by, "dev": device("wang"),
            })
        };
        fx.refuse(
            "wang",
            fx.edit("wang", &record, "loc.l1", position("bj")),
            RejectCode::InvalidValue,
        )
        .await;
        fx.accept("wang", fx.edit("wang", &record, "loc.l1", position("wang")))
            .await;
    }
}
