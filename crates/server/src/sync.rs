//! Sync, protocol `v1`: `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`.
//!
//! Devices exchange field-level operations ([`Op`]); every replica merges
//! them with the one merge rule of the shared crate ([`RecordState::apply`]),
//! so the server stores two things (migration `0002_sync.sql`):
//!
//! * `ops`: every accepted operation, once, numbered by `seq` in commit
//!   order. This log is what devices pull.
//! * `records`: each complaint's merged [`RecordState`] and the complaint it
//!   materializes to, kept up to date as operations are accepted.
//!
//! # Push
//!
//! The body is a [`PushRequest`](complaints_domain::sync::PushRequest) of at most [`MAX_PUSH_OPS`] operations
//! (more: `413 too_many_ops`, split the batch; a body over 16 MiB:
//! `413 payload_too_large`). The whole batch runs in one SQLite write
//! transaction opened with `BEGIN IMMEDIATE`. For each operation, in order:
//!
//! 1. its id is already in the log → `accepted` (a retry after a lost
//!    answer: acknowledged again, applied once);
//! 2. it does not parse as an operation, or its `dev` is not the pushing
//!    `device` → `rejected`, code `malformed` (such an op is rejected on its
//!    own instead of failing the batch, so one corrupt entry in a device's
//!    outbox cannot block the others forever);
//! 3. [`authorize_op`], then [`check_op`] against the record as it stands,
//!    including operations accepted earlier in the same batch → `rejected`
//!    with the check's code, nothing stored; or `accepted`: the op is
//!    appended to the log and the record updated.
//!
//! A rejected operation never affects the others. The answer has one
//! [`OpResult`] per operation, in the order sent, and the `server_time`.
//!
//! # Pull
//!
//! `GET /api/v1/sync/pull?after=<cursor>&limit=<n>&device=<id>` answers the
//! operations after `cursor` in log order ([`PullResponse`]). The cursor is
//! the last log `seq` the client has seen, as decimal text; missing, empty or
//! `0` means "from the beginning"; anything else is `400 bad_cursor`. `limit`
//! defaults to 1000 and is clamped to `1..=`[`MAX_PULL_LIMIT`]. With
//! `device`, that device's own operations are skipped (it has them), but the
//! cursor still moves past them. Clients pull again with the returned cursor
//! while `more` is true. `remaining` counts the operations (for that device)
//! after the returned cursor, for a progress display.
//!
//! # Why a cursor never skips a late commit
//!
//! A log cursor is only safe if no operation can ever appear *behind* a
//! cursor that a client already holds: if seq 8 could become visible after a
//! client read seq 9, that client would never see 8. On SQLite this cannot
//! happen:
//!
//! * write transactions are serialised by the database's single write lock;
//! * push takes that lock with `BEGIN IMMEDIATE` *before* it reads anything
//!   or allocates a seq, so the seqs of a batch are allocated by the only
//!   writer and become visible at its commit, before the next writer can
//!   allocate any: **seq order is commit order**;
//! * a reader runs in a WAL snapshot: it sees all of a committed batch or
//!   none of it, never a later seq without the earlier ones. [`pull_page`]
//!   reads the page and the end of the log in one read transaction, i.e.
//!   one snapshot.
//!
//! (A deferred `BEGIN` would still end up serialised, but it takes the write
//! lock only at its first write, after its reads: under concurrent pushes
//! SQLite then fails it with `SQLITE_BUSY` instead of waiting.)
//!
//! **On PostgreSQL this reasoning does not hold**, and a port must change the
//! pull, not just the SQL dialect: sequence values (`BIGSERIAL`/identity) are
//! allocated when a row is inserted, outside commit order, so transaction A
//! can take seq 8, transaction B seq 9, B commits first, and a reader sees 9
//! without 8. Pull must then stop at a *safe watermark*: only return seqs
//! below the oldest one still possibly in flight — e.g. record each row's
//! `pg_current_xact_id()` and only serve rows whose transaction is older
//! than `pg_snapshot_xmin(pg_current_snapshot())`, or keep an in-flight
//! table of allocated-but-uncommitted seqs — or serialise pushes with a
//! table lock / advisory lock held until commit, as SQLite does here.
//!
//! # Authorisation
//!
//! Every operation goes through [`authorize_op`] before it is checked, and
//! every pull through [`pull_page`]: those two functions are where sign-in
//! and per-branch scoping will go.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use complaints_domain::sync::{
    check_op, Op, OpResult, Outcome, PullResponse, PushResponse, RecordState, RejectCode,
    Rejection, MAX_PULL_LIMIT, MAX_PUSH_OPS,
};
use serde::Deserialize;
use sqlx::{SqliteConnection, SqlitePool};

use crate::api::no_store;
use crate::extract::{ApiJson, ApiQuery};
use crate::{AppError, AppState};

/// The largest push body accepted: [`MAX_PUSH_OPS`] operations of a few KB
/// each fit well within it.
pub(crate) const PUSH_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The page size of a pull that gives no `limit`.
pub(crate) const DEFAULT_PULL_LIMIT: u32 = 1000;

/// The sync routes, relative to `/api/v1`.
pub(crate) fn sync_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sync/push",
            post(push).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)),
        )
        .route("/sync/pull", get(pull))
}

/// A [`PushRequest`](complaints_domain::sync::PushRequest) as it arrives:
/// the operations are parsed one by one, so that one that does not parse is
/// rejected on its own rather than failing the whole batch.
#[derive(Deserialize)]
struct PushBody {
    device: String,
    ops: Vec<serde_json::Value>,
}

/// `POST /api/v1/sync/push`.
async fn push(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PushBody>,
) -> Result<Response, AppError> {
    if body.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::TooManyOps {
            count: body.ops.len(),
            max: MAX_PUSH_OPS,
        });
    }
    // The write lock first: no seq is allocated before we hold it.
    let mut tx = state
        .db
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(AppError::from_db)?;
    // The clock is read once we hold the lock (waiting for it may take a while).
    let now = server_now();
    let mut batch = Batch {
        now_ms: u64::try_from(now.timestamp_millis()).unwrap_or(0),
        received_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        records: HashMap::new(),
        dirty: BTreeMap::new(),
    };
    let mut results = Vec::with_capacity(body.ops.len());
    for raw in body.ops {
        results.push(batch.push_one(&mut tx, &body.device, raw).await?);
    }
    batch.write_records(&mut tx).await?;
    tx.commit().await.map_err(AppError::from_db)?;
    Ok(no_store(Json(PushResponse {
        results,
        server_time: now,
    })))
}

/// Decides whether the pushing client may make `op`, given the record as it
/// stands (`None`: the server has never seen it).
///
/// **Everything is allowed for now**: there is no sign-in yet. This is the
/// one place where a later issue adds per-branch scoping (a user of branch
/// `BJ01` may create complaints of `BJ01` only, may change only complaints
/// whose current `branch_code` is theirs, and may not move one to another
/// branch), answering [`RejectCode::Forbidden`]. It runs before
/// [`check_op`], for every operation that is not a retry.
fn authorize_op(op: &Op, before: Option<&RecordState>) -> Result<(), Rejection> {
    let _ = (op, before);
    Ok(())
}

/// One push batch in progress: the records it has read or changed (so that
/// a record created or changed earlier in the batch is what later operations
/// see), and which of them must be written back.
struct Batch {
    now_ms: u64,
    received_at: String,
    /// Record id → its state (`None`: not on the server).
    records: HashMap<String, Option<RecordState>>,
    /// Record id → seq of the newest operation applied to it in this batch.
    dirty: BTreeMap<String, i64>,
}

impl Batch {
    async fn push_one(
        &mut self,
        conn: &mut SqliteConnection,
        device: &str,
        raw: serde_json::Value,
    ) -> Result<OpResult, AppError> {
        let raw_id = raw
            .get("id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let op: Op = match serde_json::from_value(raw) {
            Ok(op) => op,
            Err(error) => {
                return Ok(rejected(
                    raw_id,
                    Rejection::new(
                        RejectCode::Malformed,
                        None,
                        format!("not an operation: {error}"),
                    ),
                ))
            }
        };

        let seen: Option<i64> = sqlx::query_scalar("SELECT seq FROM ops WHERE op_id = ?")
            .bind(&op.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(AppError::from_db)?;
        if seen.is_some() {
            return Ok(accepted(op.id));
        }
        if op.device != device {
            let detail = format!(
                "the operation's dev {:?} is not the pushing device {device:?}",
                op.device
            );
            return Ok(rejected(
                op.id,
                Rejection::new(RejectCode::Malformed, None, detail),
            ));
        }

        let now_ms = self.now_ms;
        let before = self.record(conn, &op.record).await?;
        let after = match authorize_op(&op, before).and_then(|()| check_op(before, &op, now_ms)) {
            Ok(after) => after,
            Err(reason) => return Ok(rejected(op.id, reason)),
        };

        let body = serde_json::to_string(&op)
            .map_err(|error| AppError::Internal(format!("cannot serialise an op: {error}")))?;
        let seq = sqlx::query(
            "INSERT INTO ops (op_id, record_id, device, hlc, body, received_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&op.id)
        .bind(&op.record)
        .bind(&op.device)
        .bind(op.hlc.to_string())
        .bind(body)
        .bind(&self.received_at)
        .execute(&mut *conn)
        .await
        .map_err(AppError::from_db)?
        .last_insert_rowid();
        self.dirty.insert(op.record.clone(), seq);
        self.records.insert(op.record.clone(), Some(after));
        Ok(accepted(op.id))
    }

    /// The record's current state: from this batch if it touched it, else
    /// from the database (read once per batch).
    async fn record(
        &mut self,
        conn: &mut SqliteConnection,
        id: &str,
    ) -> Result<Option<&RecordState>, AppError> {
        if !self.records.contains_key(id) {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT state FROM records WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(AppError::from_db)?;
            let state = stored
                .map(|json| serde_json::from_str::<RecordState>(&json))
                .transpose()
                .map_err(|error| {
                    AppError::Internal(format!("unreadable state of record {id}: {error}"))
                })?;
            self.records.insert(id.to_owned(), state);
        }
        Ok(self.records.get(id).and_then(Option::as_ref))
    }

    /// Writes every record the batch changed: its state, the complaint it
    /// materializes to, and the seq of its newest operation.
    async fn write_records(&self, conn: &mut SqliteConnection) -> Result<(), AppError> {
        for (id, seq) in &self.dirty {
            let Some(Some(state)) = self.records.get(id) else {
                continue;
            };
            let state_json = serde_json::to_string(state).map_err(|error| {
                AppError::Internal(format!("cannot serialise a record: {error}"))
            })?;
            // `check_op` has materialized it already; `None` only if that changes.
            let complaint = state
                .materialize()
                .ok()
                .and_then(|complaint| serde_json::to_string(&complaint).ok());
            sqlx::query(
                "INSERT INTO records (id, state, complaint, updated_seq) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                 complaint = excluded.complaint, updated_seq = excluded.updated_seq",
            )
            .bind(id)
            .bind(state_json)
            .bind(complaint)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(AppError::from_db)?;
        }
        Ok(())
    }
}

fn accepted(id: String) -> OpResult {
    OpResult {
        id,
        outcome: Outcome::Accepted,
    }
}

fn rejected(id: String, reason: Rejection) -> OpResult {
    OpResult {
        id,
        outcome: Outcome::Rejected { reason },
    }
}

/// The server's clock, to the millisecond (the precision of HLC stamps).
fn server_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// The query string of a pull; every value is parsed by hand so that each
/// mistake gets its own error code.
#[derive(Deserialize)]
struct PullParams {
    after: Option<String>,
    limit: Option<String>,
    device: Option<String>,
}

/// `GET /api/v1/sync/pull`.
async fn pull(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PullParams>,
) -> Result<Response, AppError> {
    let after = parse_cursor(params.after.as_deref())?;
    let limit = parse_limit(params.limit.as_deref())?;
    let device = params.device.as_deref().filter(|device| !device.is_empty());
    let page = pull_page(&state.db, after, limit, device).await?;
    Ok(no_store(Json(PullResponse {
        ops: page.ops,
        cursor: page.cursor.to_string(),
        more: page.remaining > 0,
        remaining: page.remaining,
        removed: Vec::new(),
        server_time: server_now(),
    })))
}

/// A cursor: the decimal text of a log seq; missing or empty is the beginning.
fn parse_cursor(text: Option<&str>) -> Result<i64, AppError> {
    match text {
        None | Some("") => Ok(0),
        Some(text) => text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<i64>().ok())
            .flatten()
            .ok_or_else(|| AppError::BadCursor(text.to_owned())),
    }
}

fn parse_limit(text: Option<&str>) -> Result<u32, AppError> {
    match text {
        None | Some("") => Ok(DEFAULT_PULL_LIMIT),
        Some(text) => text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u64>().ok())
            .flatten()
            .map(|limit| limit.clamp(1, u64::from(MAX_PULL_LIMIT)) as u32)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "limit must be a whole number (at most {MAX_PULL_LIMIT} are used), not {text:?}"
                ))
            }),
    }
}

/// One page of the op log.
#[derive(Debug)]
struct Page {
    ops: Vec<Op>,
    /// The last seq this page covers.
    cursor: i64,
    /// Operations for this client after `cursor`.
    remaining: u64,
}

/// The operations after seq `after` that the client gets: at most `limit`,
/// in log order, without those made by `skip_device`.
///
/// All of a pull's reads happen here, in **one read transaction** (one WAL
/// snapshot): the page, the end of the log and the count must describe the
/// same log, or a batch committed between two reads could be jumped over.
/// When the page is not full, no operation for this client follows it in
/// the snapshot, so the cursor moves to the snapshot's last seq (past the
/// client's own operations, or anything a filter left out).
///
/// This is the one function that decides what a client may pull: a later
/// issue adds per-branch scoping here, as one more condition of the `WHERE`
/// clause (the count must use the same condition). The cursor logic above
/// stays correct for any such filter.
async fn pull_page(
    db: &SqlitePool,
    after: i64,
    limit: u32,
    skip_device: Option<&str>,
) -> Result<Page, AppError> {
    const FILTER: &str = "seq > ?1 AND (?2 IS NULL OR device <> ?2)";
    // A deferred BEGIN: read-only, its snapshot is fixed by the first SELECT.
    let mut tx = db.begin().await.map_err(AppError::from_db)?;
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT seq, body FROM ops WHERE {FILTER} ORDER BY seq LIMIT ?3"
    ))
    .bind(after)
    .bind(skip_device)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await
    .map_err(AppError::from_db)?;

    let full = rows.len() >= limit as usize;
    let (cursor, remaining) = match rows.last() {
        Some((last, _)) if full => {
            let remaining: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ops WHERE {FILTER}"))
                    .bind(last)
                    .bind(skip_device)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(AppError::from_db)?;
            (*last, u64::try_from(remaining).unwrap_or(0))
        }
        _ => {
            let end: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ops")
                .fetch_one(&mut *tx)
                .await
                .map_err(AppError::from_db)?;
            // Never backwards (a cursor past the end stays where it is).
            (end.max(after), 0)
        }
    };
    tx.commit().await.map_err(AppError::from_db)?;

    let ops = rows
        .into_iter()
        .map(|(seq, body)| {
            serde_json::from_str::<Op>(&body)
                .map_err(|error| AppError::Internal(format!("unreadable op at seq {seq}: {error}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Page {
        ops,
        cursor,
        remaining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("")).unwrap(), 0);
        assert_eq!(parse_cursor(Some("0")).unwrap(), 0);
        assert_eq!(parse_cursor(Some("42")).unwrap(), 42);
        for bad in ["-1", "+1", "abc", " 1", "1.0", "99999999999999999999"] {
            assert!(
                matches!(parse_cursor(Some(bad)), Err(AppError::BadCursor(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_PULL_LIMIT);
        assert_eq!(parse_limit(Some("")).unwrap(), DEFAULT_PULL_LIMIT);
        assert_eq!(parse_limit(Some("0")).unwrap(), 1);
        assert_eq!(parse_limit(Some("7")).unwrap(), 7);
        assert_eq!(parse_limit(Some("999999")).unwrap(), MAX_PULL_LIMIT);
        assert!(matches!(
            parse_limit(Some("ten")),
            Err(AppError::BadRequest(_))
        ));
    }
}
