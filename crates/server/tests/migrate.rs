//! `complaints-server migrate` (module `complaints_server::migrate`): a
//! SQLite database filled through the real push endpoint is copied into a
//! fresh one — PostgreSQL when `COMPLAINTS_TEST_DATABASE_URL` is set, else
//! another SQLite file — and the copy serves the same pulls.
//!
//! The network is `tests/scope.rs`'s: region EAST with branches SH01 and
//! SH02, region NORTH with BJ01; users `wang` (staff, SH01), `li` (branch
//! manager, SH02), `zhao` (regional manager, EAST), `bj` (staff, BJ01),
//! `admin`.

mod common;

use common::{add_signed_in_user, device, token};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use complaints_domain::fixtures;
use complaints_domain::sync::{
    complaint_fields, op_id_from_bytes, Hlc, Op, Outcome, PushRequest, PushResponse,
};
use complaints_server::auth::{self, Auth, AuthConfig, NewUser};
use complaints_server::migrate::{self, MigrateError, TABLES};
use complaints_server::photos::PhotoFiles;
use complaints_server::{app, open_db, open_test_db, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::AnyPool;
use tempfile::TempDir;
use tower::ServiceExt;

const USERS: [(&str, &str, Option<&str>, Option<&str>); 5] = [
    ("wang", "staff", Some("SH01"), None),
    ("li", "branch_manager", Some("SH02"), None),
    ("zhao", "regional_manager", None, Some("EAST")),
    ("bj", "staff", Some("BJ01"), None),
    ("admin", "admin", None, None),
];

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap()
}

fn params() -> argon2::Params {
    argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap()
}

/// The server around `db`, as the tests drive it.
fn server(db: &AnyPool, dir: &Path) -> AppState {
    AppState {
        photos: Arc::new(PhotoFiles::new(dir.join("photos"))),
        db: db.clone(),
        dist_dir: dir.join("dist"),
        risk: Default::default(),
        auth: Arc::new(Auth::new(AuthConfig {
            password_params: params(),
            ..AuthConfig::default()
        })),
    }
}

/// Op ids, numbered from `n`.
fn op_id(n: u64) -> String {
    let mut bytes = [0u8; 10];
    bytes[2..].copy_from_slice(&n.to_be_bytes());
    op_id_from_bytes(bytes)
}

/// Complaint `n`, filed by `user` under `branch`.
fn creation(id: u64, user: &str, n: u32, branch: &str) -> Op {
    let mut complaint = fixtures::generated(n, &device(user));
    complaint.branch_code = branch.to_owned();
    complaint.case_number = format!(
        "{branch}{}",
        &complaint.case_number[complaint.case_number.find('-').unwrap()..]
    );
    Op {
        id: op_id(id),
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
fn edit(id: u64, user: &str, record: &str, field: &str, value: Value) -> Op {
    Op {
        id: op_id(id),
        record: record.to_owned(),
        hlc: Hlc::new(now_ms(), 1),
        device: device(user),
        user: None,
        received: None,
        set: [(field.to_owned(), value)].into_iter().collect(),
        base: Default::default(),
    }
}

async fn send(state: &AppState, request: Request<Body>, user: &str) -> (StatusCode, String) {
    let mut request = request;
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {}", token(user)).parse().unwrap(),
    );
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Pushes `op` as `user`; it must be accepted.
async fn accept(state: &AppState, user: &str, op: Op) {
    let body = PushRequest {
        device: device(user),
        ops: vec![op],
    };
    let (status, text) = send(
        state,
        Request::post("/api/v1/sync/push")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap(),
        user,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: PushResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(answer.results[0].outcome, Outcome::Accepted, "{text}");
}

/// Every page of `user`'s pull from the start, `limit` at a time, as JSON
/// without the server's clock.
async fn pull_all(state: &AppState, user: &str, limit: u32) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = String::new();
    for _ in 0..1000 {
        let uri = format!(
            "/api/v1/sync/pull?after={cursor}&limit={limit}&device={}",
            device(user)
        );
        let (status, text) =
            send(state, Request::get(uri).body(Body::empty()).unwrap(), user).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let mut page: Value = serde_json::from_str(&text).unwrap();
        page.as_object_mut().unwrap().remove("server_time");
        cursor = page["cursor"].as_str().unwrap().to_owned();
        let more = page["more"].as_bool().unwrap();
        pages.push(page);
        if !more {
            return pages;
        }
    }
    panic!("{user}: pull never finished");
}

async fn count(db: &AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db)
        .await
        .unwrap()
}

/// A SQLite database in `<tmp>/source` holding every kind of row: the
/// network, signed-in users, devices, complaints filed, edited and moved
/// through the push endpoint, an op set aside and a fact in `meta`.
async fn populated(tmp: &TempDir) -> (AnyPool, AppState) {
    let dir = tmp.path().join("source");
    let db = open_db(&dir).await.unwrap();
    auth::add_region(&db, "EAST", "华东").await.unwrap();
    auth::add_region(&db, "NORTH", "华北").await.unwrap();
    for (code, region) in [("SH01", "EAST"), ("SH02", "EAST"), ("BJ01", "NORTH")] {
        auth::add_branch(&db, code, code, region).await.unwrap();
    }
    for (username, role, branch, region) in USERS {
        add_signed_in_user(&db, &params(), username, role, branch, region).await;
        sqlx::query(
            "INSERT INTO devices (id, key_hash, created_at) \
             VALUES ($1, $2, '2026-01-01T00:00:00.000Z')",
        )
        .bind(device(username))
        .bind(format!("{:0>64}", username.len()))
        .execute(&db)
        .await
        .unwrap();
    }
    // A disabled former user with an id of its own (ids are kept, not
    // renumbered), and their revoked token (a NULL-able column with a value).
    sqlx::query(
        "INSERT INTO users (id, username, role, password_hash, disabled, created_at) \
         VALUES (50, 'former', 'admin', 'x', 1, '2025-01-01T00:00:00.000Z')",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, device, created_at, expires_at, revoked_at) \
         VALUES ('old', 50, 'tab-old', '2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z', \
                 '2025-01-02T00:00:00.000Z')",
    )
    .execute(&db)
    .await
    .unwrap();

    let state = server(&db, &dir);
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    // Complaints of every branch, edits, and a move SH01 → SH02.
    let mut records = Vec::new();
    for (i, (user, branch)) in [
        ("wang", "SH01"),
        ("wang", "SH01"),
        ("li", "SH02"),
        ("bj", "BJ01"),
        ("zhao", "SH02"),
    ]
    .into_iter()
    .enumerate()
    {
        let op = creation(next(), user, i as u32 + 1, branch);
        records.push(op.record.clone());
        accept(&state, user, op).await;
    }
    accept(
        &state,
        "wang",
        edit(next(), "wang", &records[0], "tracking", json!("已联系")),
    )
    .await;
    accept(
        &state,
        "zhao",
        edit(next(), "zhao", &records[0], "branch_code", json!("SH02")),
    )
    .await;
    accept(
        &state,
        "li",
        edit(next(), "li", &records[0], "tracking", json!("已收到")),
    )
    .await;
    accept(
        &state,
        "bj",
        edit(next(), "bj", &records[3], "tracking", json!("北京")),
    )
    .await;
    accept(
        &state,
        "wang",
        edit(next(), "wang", &records[1], "tracking", json!("x")),
    )
    .await;

    sqlx::query(
        "INSERT INTO ops_set_aside (op_id, record_id, device, seq, body, reason, set_aside_at) \
         VALUES ('set-aside', $1, 'tab-wang', 0, '{}', 'a test', '2026-01-01T00:00:00.000Z')",
    )
    .bind(&records[1])
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO meta (key, value) VALUES ('migrate-test', 'kept')")
        .execute(&db)
        .await
        .unwrap();
    // The throttle's memory, a revoked device and a token's last contact.
    for sql in [
        "INSERT INTO sign_in_counts (kind, key, failures, last_ms) \
         VALUES ('pair', 'zhao 203.0.113.9', 3, 1800000000000)",
        "INSERT INTO sign_in_known (key, at_ms) VALUES ('wang 10.0.0.7', 1800000000000)",
        "INSERT INTO devices (id, key_hash, created_at, revoked_at) VALUES \
         ('tab-lost', 'aa', '2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')",
        "UPDATE tokens SET last_contact_at = '2026-06-01T00:00:00.000Z'",
    ] {
        sqlx::query(sql).execute(&db).await.unwrap();
    }
    (db, state)
}

#[tokio::test]
async fn a_database_arrives_whole_and_serves_the_same_pulls() {
    let tmp = tempfile::tempdir().unwrap();
    let (source, old) = populated(&tmp).await;
    let target = open_test_db(&tmp.path().join("target")).await.unwrap();
    let new = server(&target, &tmp.path().join("target"));

    let mut lines = Vec::new();
    let report = migrate::migrate(&source, &target, |line| lines.push(line.to_owned()))
        .await
        .unwrap();
    println!("{}", lines.join("\n"));
    println!("{}", report.table());
    assert!(report.complete(), "{}", report.table());
    assert!(lines.iter().any(|line| line == "ops: 10 / 10"), "{lines:?}");

    // Every table: as many rows on both sides, and every one copied.
    for table in TABLES {
        let (old_rows, new_rows) = (
            count(&source, table.name).await,
            count(&target, table.name).await,
        );
        assert!(
            old_rows > 0,
            "{}: the fixture fills every table",
            table.name
        );
        assert_eq!(old_rows, new_rows, "{}", table.name);
        let counts = report.of(table.name).unwrap();
        assert_eq!(counts.source, old_rows as u64, "{}", table.name);
        assert_eq!(counts.present, counts.source, "{}", table.name);
        assert_eq!(counts.differ, 0, "{}", table.name);
    }
    // server_meta: the target keeps its own schema_created_at (one row).
    assert_eq!(report.of("server_meta").unwrap().copied, 0);
    assert_eq!(report.of("ops").unwrap().copied, 10);
    let log = |db: AnyPool| async move {
        sqlx::query_as::<_, (i64, String, String)>("SELECT seq, op_id, body FROM ops ORDER BY seq")
            .fetch_all(&db)
            .await
            .unwrap()
    };
    assert_eq!(log(source.clone()).await, log(target.clone()).await);
    let users = |db: AnyPool| async move {
        sqlx::query_as::<_, (i64, String)>("SELECT id, username FROM users ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap()
    };
    assert_eq!(users(source.clone()).await, users(target.clone()).await);

    // Again: nothing to copy, and all still there.
    let again = migrate::migrate(&source, &target, |_| {}).await.unwrap();
    assert_eq!(again.copied(), 0, "{}", again.table());
    assert!(again.complete(), "{}", again.table());

    // Each user pulls the same pages (ops, order, cursors, removals) from both.
    for (user, ..) in USERS {
        for limit in [1, 3, 1000] {
            let (before, after) = (
                pull_all(&old, user, limit).await,
                pull_all(&new, user, limit).await,
            );
            assert_eq!(before, after, "{user}, {limit} a page");
        }
    }
    let wang = pull_all(&new, "wang", 1000).await;
    assert!(
        !wang[0]["removed"].as_array().unwrap().is_empty(),
        "the move is there: {wang:?}"
    );

    // The next push takes a seq after every copied one, the next user an id
    // after every copied one (PostgreSQL's sequences were set).
    let max_seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM ops")
        .fetch_one(&source)
        .await
        .unwrap();
    let record: String = sqlx::query_scalar("SELECT id FROM records WHERE branch = 'SH01'")
        .fetch_one(&target)
        .await
        .unwrap();
    let op = edit(1000, "wang", &record, "tracking", json!("在新服务器上"));
    let id = op.id.clone();
    accept(&new, "wang", op).await;
    let seq: i64 = sqlx::query_scalar("SELECT seq FROM ops WHERE op_id = $1")
        .bind(&id)
        .fetch_one(&target)
        .await
        .unwrap();
    assert!(seq > max_seq, "new seq {seq}, copied up to {max_seq}");
    let max_user: i64 = sqlx::query_scalar("SELECT MAX(id) FROM users")
        .fetch_one(&source)
        .await
        .unwrap();
    auth::add_user(
        &target,
        &NewUser::new("new", "", "admin", None, None),
        &params(),
    )
    .await
    .unwrap();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'new'")
        .fetch_one(&target)
        .await
        .unwrap();
    assert!(user > max_user, "new user {user}, copied up to {max_user}");

    // The pull of a device (of the regional manager, who sees SH01) that
    // synced on the old server goes on from its
    // cursor on the new one with exactly the new op.
    let cursor = old_cursor(&old, "zhao").await;
    let uri = format!("/api/v1/sync/pull?after={cursor}&device={}", device("zhao"));
    let (_, text) = send(&new, Request::get(uri).body(Body::empty()).unwrap(), "zhao").await;
    let page: Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<&str> = page["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()], "{text}");

    // A third run after the new server's first push: nothing to copy, and
    // the record that push changed is kept as the target has it.
    let third = migrate::migrate(&source, &target, |_| {}).await.unwrap();
    assert_eq!(third.copied(), 0, "{}", third.table());
    assert!(third.complete(), "{}", third.table());
    // (And the tokens used since: their last contact moved on.)
    let differ: Vec<(&str, u64)> = third
        .tables
        .iter()
        .filter(|(name, counts)| counts.differ > 0 && *name != "tokens")
        .map(|(name, counts)| (*name, counts.differ))
        .collect();
    assert_eq!(differ, [("records", 1)], "{}", third.table());
}

/// The cursor `user`'s device holds after pulling everything.
async fn old_cursor(state: &AppState, user: &str) -> String {
    let pages = pull_all(state, user, 1000).await;
    pages.last().unwrap()["cursor"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_servers_database_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let (source, _) = populated(&tmp).await;
    let target = open_test_db(&tmp.path().join("target")).await.unwrap();
    // Another server's first op, at seq 1.
    sqlx::query(
        "INSERT INTO ops (seq, op_id, record_id, device, hlc, body, received_at) \
         VALUES (1, 'theirs', 'r', 'tab-x', '1-0', '{}', '2026-01-01T00:00:00.000Z')",
    )
    .execute(&target)
    .await
    .unwrap();
    let error = migrate::migrate(&source, &target, |_| {})
        .await
        .unwrap_err();
    let MigrateError::Conflict { table, key, .. } = &error else {
        panic!("a conflict: {error}");
    };
    assert_eq!((*table, key.as_str()), ("ops", "seq=1"));
    assert!(
        error.to_string().contains("another server's database"),
        "{error}"
    );
    // Refused before anything was written.
    for table in ["regions", "branches", "users", "tokens", "devices"] {
        assert_eq!(count(&target, table).await, 0, "{table}");
    }
    assert_eq!(count(&target, "ops").await, 1);
}

#[tokio::test]
async fn the_subcommand_copies_checks_and_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let (source, _) = populated(&tmp).await;
    let ops = count(&source, "ops").await;
    // Copied while the source pool is still open: WAL lets it read.
    let target_file = tmp.path().join("target.sqlite3");
    let to = format!("sqlite://{}?mode=rwc", target_file.display());
    let from = tmp.path().join("source");
    let run = |from: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_complaints-server"))
            .arg("migrate")
            .arg("--from")
            .arg(from)
            .arg("--to")
            .arg(&to)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (code, out, err) = run(&from);
    println!("{out}");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("ops: {ops} / {ops}")), "{out}");
    assert!(
        out.contains("table") && out.contains("target rows"),
        "{out}"
    );
    assert!(!out.contains("MISSING"), "{out}");

    let (code, out, err) = run(&from);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("done: 0 rows copied"), "{out}");

    // The target becomes another server's: refused, exit 1.
    let target = complaints_server::open_url(&to).await.unwrap();
    sqlx::query("UPDATE ops SET op_id = 'theirs' WHERE seq = (SELECT MIN(seq) FROM ops)")
        .execute(&target)
        .await
        .unwrap();
    target.close().await;
    let (code, out, err) = run(&from);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("another server's database"), "{err}");

    // A directory without a database is no source.
    let (code, out, err) = run(&tmp.path().join("nothing"));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("no database at"), "{err}");
    assert!(!tmp.path().join("nothing").exists(), "nothing was created");
}

#[tokio::test]
async fn big_tables_go_in_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let source = open_db(&tmp.path().join("source")).await.unwrap();
    // More than two batches of a one-column key, of a two-column key, and of
    // the keyless table, with rows repeated in it.
    for sql in [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1203) \
         INSERT INTO devices (id, key_hash, created_at) \
         SELECT printf('tab-%04d', i), 'k', '2026-01-01T00:00:00Z' FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1203) \
         INSERT INTO record_moves (seq, record_id, from_branch, to_branch) \
         SELECT i / 3, printf('r%d', i % 3), 'A', 'B' FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1203) \
         INSERT INTO ops_set_aside (op_id, record_id, device, seq, body, reason, set_aside_at) \
         SELECT printf('op%d', i / 2), 'r', 'tab', i / 2, '{}', 'test', 'now' FROM n",
    ] {
        sqlx::query(sql).execute(&source).await.unwrap();
    }
    let target = open_test_db(&tmp.path().join("target")).await.unwrap();
    let mut lines = Vec::new();
    let report = migrate::migrate(&source, &target, |line| lines.push(line.to_owned()))
        .await
        .unwrap();
    assert!(report.complete(), "{}", report.table());
    for table in ["devices", "record_moves", "ops_set_aside"] {
        // The keyless table goes 500 keys a batch: here, two rows a key
        // (but the first).
        let expected: &[u64] = if table == "ops_set_aside" {
            &[999, 1203]
        } else {
            &[500, 1000, 1203]
        };
        let progress: Vec<String> = lines
            .iter()
            .filter(|line| line.starts_with(&format!("{table}: ")))
            .cloned()
            .collect();
        let wanted: Vec<String> = expected
            .iter()
            .map(|n| format!("{table}: {n} / 1203"))
            .collect();
        assert_eq!(progress, wanted);
        assert_eq!(count(&target, table).await, 1203, "{table}");
        assert_eq!(report.of(table).unwrap().copied, 1203, "{table}");
    }
    let again = migrate::migrate(&source, &target, |_| {}).await.unwrap();
    assert_eq!(again.copied(), 0, "{}", again.table());
    assert!(again.complete(), "{}", again.table());
    assert_eq!(count(&target, "ops_set_aside").await, 1203);
}

/// The migration names every table and column of the schema (SQLite's, as
/// its migrations leave it), but the migrations' own bookkeeping: a column
/// added by a later migration and forgotten here would be lost in the copy.
#[tokio::test]
async fn every_table_and_column_of_the_schema_is_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let db = open_db(&tmp.path().join("data")).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT IN ('_sqlx_migrations', 'sqlite_sequence') ORDER BY name",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    for table in &tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&db)
                .await
                .unwrap();
        let Some(copied) = TABLES.iter().find(|t| t.name == table) else {
            panic!("table {table} is not copied by the migration");
        };
        let copied: Vec<&str> = copied.column_names().collect();
        for column in &columns {
            assert!(
                copied.contains(&column.as_str()),
                "{table}.{column} is not copied"
            );
        }
        assert_eq!(
            copied.len(),
            columns.len(),
            "{table}: {copied:?} vs {columns:?}"
        );
    }
    assert_eq!(tables.len(), TABLES.len(), "{tables:?}");
}
