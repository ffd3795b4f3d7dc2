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
//! 3. [`judge`]: [`authorize_op`], [`check_op`] against the record as it stands,
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
//! `device` (which must be the token's device: `403 wrong_device`), that
//! device's own operations are skipped (it has them), but the
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
//! **On PostgreSQL, with several instances**, the same two guarantees are
//! made explicitly (`txn.rs`), since PostgreSQL gives neither by default:
//!
//! * sequence values (`BIGSERIAL`) are handed out at insert, not at commit:
//!   transaction A can take seq 8, B seq 9, B commit first, and a reader see
//!   9 without 8. So every push first takes a **transaction-scoped advisory
//!   lock** (`pg_advisory_xact_lock`, one key for the log, held until commit
//!   or rollback, on whichever instance): pushes follow one another, as on
//!   SQLite, and seq order is commit order again;
//! * its default isolation (READ COMMITTED) gives each statement its own
//!   snapshot, so a pull reads in a `REPEATABLE READ, READ ONLY` transaction.
//!
//! Why a lock and not a snapshot watermark (`pg_current_snapshot()`): the
//! push also reads each record, judges the op against it and writes the
//! merged record back, and that read-modify-write needs serialising per
//! record anyway; one lock does both, with the same code as SQLite. A
//! watermark would let pushes run side by side but needs row locks for the
//! records, an xid column and a pull that stops below the oldest open
//! transaction. What the lock costs: pushes from all instances take turns
//! (ingest is one writer's speed: see the README's figures), while pulls
//! never wait for it. How it is bounded: a push holds it for one batch of
//! at most `MAX_PUSH_OPS` operations; a wait longer than
//! `txn::LOG_LOCK_TIMEOUT` (15 s) gives up and answers `503` (the device
//! retries); a wait over a second is logged (`slow wait for a lock`); a
//! session idle in a transaction for 60 s is ended by PostgreSQL
//! (`idle_in_transaction_session_timeout`), which releases the lock. In
//! `pg_locks` it is the advisory lock with key `txn::LOG_LOCK_KEY`.
//! `tests/instances.rs` shows both sides: six pushers on two instances and
//! three pullers miss nothing, and the same run without the lock misses
//! hundreds of operations.
//!
//! # Authorisation and scope
//!
//! Push and pull need a signed-in user (`Authorization: Bearer`, module
//! [`crate::auth`]); a push must come from the device its token was issued
//! to (`403 wrong_device`). Every operation goes through [`judge`]: a record
//! outside the user's branches is answered exactly like a record that does
//! not exist, and filing or moving a complaint follows the role
//! ([`check_branch_change`]), judged on the branch the record has after the
//! merge. The server writes
//! the signed-in user into each accepted op (`user`, also the `username`
//! column of the log): the audit trail of who changed which field, from
//! which device, when.
//!
//! Each record row keeps its current `branch` and the `scope_seq` at which
//! it entered that branch; `record_moves` logs every change of branch
//! (migration `0004_scope.sql`). A user who sees every branch pulls the log
//! as above ([`pull_page`]); anyone else gets [`scoped_pull_page`]: only the
//! records of their branches, whole records that moved in, and the ids of
//! records that moved out in `removed`.

use std::collections::{BTreeSet, HashMap, HashSet};

use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use std::borrow::Cow;

use complaints_domain::access::{check_branch_change, Scope};
use complaints_domain::answers::{self, may_read, may_write};
use complaints_domain::model::{Complaint, PHOTO_PREFIX};
use complaints_domain::sync::{
    check_op, check_op_materialized, evidence_id, Op, OpResult, Outcome, PullResponse,
    PushResponse, RecordState, RejectCode, Rejection, Withdrawn, WithdrawnEntry, MAX_PULL_LIMIT,
    MAX_PUSH_OPS, STEP_PREFIX, TIMELINE_PREFIX,
};
use serde::Deserialize;
use sqlx::{AnyConnection, AnyPool};
use tower::ServiceBuilder;
use tower_http::decompression::RequestDecompressionLayer;

use crate::auth::AuthUser;
use crate::extract::{ApiJson, ApiQuery};
use crate::http::no_store;
use crate::txn::Backend;
use crate::{AppError, AppState};

/// The largest push body accepted: [`MAX_PUSH_OPS`] operations of a few KB
/// each fit well within it.
pub(crate) const PUSH_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The most bytes of operations one pull page carries (a page holds at least
/// one operation, and a record that enters the scope comes whole).
pub(crate) const MAX_PULL_BYTES: usize = 2 * 1024 * 1024;

/// The page size of a pull that gives no `limit`.
pub(crate) const DEFAULT_PULL_LIMIT: u32 = 1000;

/// The sync routes, relative to `/api/v1`.
pub(crate) fn sync_routes() -> Router<AppState> {
    Router::new()
        // A push may come gzipped (`Content-Encoding: gzip`: devices
        // compress a batch's ~600 KB of JSON to a tenth). The limit counts
        // the body as decompressed, so a small "bomb" that inflates past it
        // is refused like any body too large.
        .route(
            "/sync/push",
            post(push).layer(
                ServiceBuilder::new()
                    .layer(RequestDecompressionLayer::new())
                    .layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)),
            ),
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
    auth: AuthUser,
    ApiJson(body): ApiJson<PushBody>,
) -> Result<Response, AppError> {
    if body.device != auth.device {
        return Err(AppError::WrongDevice(format!(
            "this sign-in belongs to device {:?}, not {:?}: sign in on this device",
            auth.device, body.device
        )));
    }
    if body.ops.len() > MAX_PUSH_OPS {
        return Err(AppError::TooManyOps {
            count: body.ops.len(),
            max: MAX_PUSH_OPS,
        });
    }
    let (results, now) = ingest(&state.db, &auth, &body.device, body.ops).await?;
    Ok(no_store(Json(PushResponse {
        results,
        server_time: now,
    })))
}

/// Takes in `ops` from `user`'s `device` as one push does: each one judged
/// and, if accepted, logged and merged, all in one transaction. Returns each
/// operation's outcome and the server time it was taken in at. (The demo data
/// goes in this way too: through the same checks as anything a device sends.)
///
/// The database sees a handful of statements per batch, not four per
/// operation: one query for the op ids already logged, one for the stored
/// states of every record the batch names, the judging in memory (in order:
/// a record created or changed earlier in the batch is what later operations
/// see), then multi-row inserts of the accepted operations and upserts of the
/// changed records ([`Batch::write`]). Each statement is a round trip to the
/// database's worker; 2,000 of them per batch of 500 were most of the time
/// a push took.
pub(crate) async fn ingest(
    db: &AnyPool,
    auth: &AuthUser,
    device: &str,
    ops: Vec<serde_json::Value>,
) -> Result<(Vec<OpResult>, DateTime<Utc>), AppError> {
    // The write lock first: no seq is allocated before we hold it.
    let mut tx = crate::txn::begin_write(db).await?;
    // The clock is read once we hold the lock (waiting for it may take a while).
    let now = server_now();
    let backend = Backend::of_conn(&tx);
    let branches = sqlx::query_scalar::<_, String>("SELECT code FROM branches")
        .fetch_all(&mut *tx)
        .await
        .map_err(AppError::from_db)?
        .into_iter()
        .collect();
    let parsed: Vec<Result<Op, OpResult>> = ops.into_iter().map(parse_op).collect();
    let named = |of: fn(&Op) -> &str| -> Vec<&str> {
        let mut names: Vec<&str> = parsed.iter().flatten().map(of).collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let logged = already_logged(&mut tx, backend, &named(|op| &op.id)).await?;
    let (records, damaged) = load_records(&mut tx, backend, &named(|op| &op.record)).await?;
    let mut batch = Batch {
        user: auth,
        branches,
        received_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
        now_ms: u64::try_from(now.timestamp_millis()).unwrap_or(0),
        logged,
        damaged,
        records,
        pending: Vec::new(),
        moves: Vec::new(),
        dirty: BTreeSet::new(),
    };
    let mut parsed = parsed;
    for op in parsed.iter_mut().flatten() {
        // Who made it is the signed-in user, whatever the device said, and
        // when is when the server took it in.
        op.user = Some(auth.user.username.clone());
        op.received = Some(batch.received_at.clone());
    }
    let ahead = batch.judge_ahead(device, &parsed);
    let results = parsed
        .into_iter()
        .zip(ahead)
        .map(|(op, ahead)| match op {
            Ok(op) => batch.take(device, op, ahead),
            Err(refused) => refused,
        })
        .collect();
    batch.write(&mut tx).await?;
    tx.commit().await.map_err(AppError::from_db)?;
    // Freeing a batch's records took 7% of a push: off the answer's path.
    let Batch {
        records, pending, ..
    } = batch;
    tokio::task::spawn_blocking(move || drop((records, pending)));
    Ok((results, now))
}

/// What [`judge`] decides for one operation.
type Judged = Result<(RecordState, Option<Complaint>), Rejection>;

/// One operation as it arrives: an [`Op`], or its refusal (`malformed`: it
/// does not parse, or an id holds the NUL character, which PostgreSQL cannot
/// store). Such an op is refused on its own, never the batch.
fn parse_op(raw: serde_json::Value) -> Result<Op, OpResult> {
    let raw_id = raw
        .get("id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let op: Op = serde_json::from_value(raw).map_err(|error| {
        let detail = format!("not an operation: {error}");
        rejected(raw_id, Rejection::new(RejectCode::Malformed, None, detail))
    })?;
    if op.id.contains('\0') || op.record.contains('\0') {
        let detail = "the operation's id or record id contains the NUL character";
        return Err(rejected(
            op.id,
            Rejection::new(RejectCode::Malformed, None, detail),
        ));
    }
    Ok(op)
}

/// Which of `ids` the log holds already (retries after a lost answer), in
/// one query.
async fn already_logged(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[&str],
) -> Result<HashSet<String>, AppError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let sql = format!(
        "SELECT op_id FROM ops WHERE {}",
        backend.in_json_list("op_id", 1)
    );
    let found: Vec<String> = sqlx::query_scalar(&sql)
        .bind(json_list(ids)?)
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
    Ok(found.into_iter().collect())
}

/// The stored state and `scope_seq` of each of the records `ids` that the
/// server has, in one query, and the ids of those whose stored state cannot
/// be read (written by an older version and not yet repaired: see `repair`;
/// an operation on one is refused, not the batch).
async fn load_records(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[&str],
) -> Result<(HashMap<String, Stored>, HashSet<String>), AppError> {
    let (mut records, mut damaged) = (HashMap::new(), HashSet::new());
    if ids.is_empty() {
        return Ok((records, damaged));
    }
    let sql = format!(
        "SELECT id, state, scope_seq FROM records WHERE {}",
        backend.in_json_list("id", 1)
    );
    let rows: Vec<(String, String, i64)> = sqlx::query_as(&sql)
        .bind(json_list(ids)?)
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
    for (id, json, scope_seq) in rows {
        match serde_json::from_str::<RecordState>(&json) {
            Ok(state) => {
                records.insert(id, (state, Seq::Logged(scope_seq), None));
            }
            Err(error) => {
                tracing::error!(record = id, %error, "unreadable record state");
                damaged.insert(id);
            }
        }
    }
    Ok((records, damaged))
}

/// `items` as a JSON array, the one parameter of a `Backend::in_json_list` condition.
fn json_list(items: &[&str]) -> Result<String, AppError> {
    serde_json::to_string(items)
        .map_err(|error| AppError::Internal(format!("cannot serialise a list: {error}")))
}

/// Decides an operation: [`authorize_op`], then [`check_op`] (returning the
/// record after it and, for a complaint, what it materializes to), then the
/// branch the record has *after* the merge (a move is judged on the merged
/// outcome, not on the value sent). A record outside the user's scope is
/// judged as if it did not exist, so the answer is the same word for word
/// (its one difference: a valid creation on the id of another branch's
/// complaint is refused `unknown_record`, which needs its full random id).
fn judge(
    user: &AuthUser,
    branches: &BTreeSet<String>,
    op: &Op,
    before: Option<&RecordState>,
    now_ms: u64,
) -> Result<(RecordState, Option<Complaint>), Rejection> {
    if before.is_some_and(|state| !sees(user, state)) {
        authorize_op(user, branches, op, None).and_then(|()| check_op(None, op, now_ms))?;
        return Err(Rejection::new(RejectCode::UnknownRecord, None, ""));
    }
    authorize_op(user, branches, op, before)?;
    check_authors(user, op, before)?;
    let (after, complaint) = check_op_materialized(before, op, now_ms)?;
    let (from, to) = (before.map(record_branch), record_branch(&after));
    if let Some(from) = from.filter(|from| *from != to) {
        check_branch_change(
            user.user.role,
            &user.scope,
            Some(&from),
            &to,
            branches.contains(&*to),
        )
        .map_err(|why| Rejection::new(RejectCode::Forbidden, Some(BRANCH_CODE), why))?;
    }
    Ok((after, complaint))
}

/// Who did it is the signed-in user: every timeline entry, tick, signature,
/// position and new photo an operation sets names the user as the server
/// knows them (`by`, their display name) and the pushing device (`dev`); a
/// photo's deletion names the user who deleted it. Nobody records in
/// someone else's name. (A value that is not well formed is `check_op`'s.)
fn check_authors(user: &AuthUser, op: &Op, before: Option<&RecordState>) -> Result<(), Rejection> {
    let name = user.user.display_name.trim();
    for (key, value) in &op.set {
        if value.is_null() {
            continue;
        }
        let previous = before
            .and_then(|b| b.fields.get(key))
            .and_then(|f| f.value());
        let (by, dev) = if key.starts_with(PHOTO_PREFIX) && previous.is_some() {
            // A caption edit or a deletion of a photo someone else took.
            let was_deleted = previous
                .and_then(|p| p.get("deleted"))
                .is_some_and(|d| !d.is_null());
            let deletion = value
                .get("deleted")
                .filter(|d| !d.is_null() && !was_deleted);
            (
                deletion
                    .and_then(|d| d.get("by"))
                    .and_then(serde_json::Value::as_str),
                None,
            )
        } else if key.starts_with(TIMELINE_PREFIX)
            || key.starts_with(STEP_PREFIX)
            || evidence_id(key).is_some()
        {
            (
                value.get("by").and_then(serde_json::Value::as_str),
                value.get("dev").and_then(serde_json::Value::as_str),
            )
        } else {
            continue;
        };
        if by.is_some_and(|by| by.trim() != name) {
            return Err(Rejection::new(
                RejectCode::InvalidValue,
                Some(key),
                format!("recorded in another name than the signed-in user's ({name:?})"),
            ));
        }
        if dev.is_some_and(|dev| dev != op.device) {
            return Err(Rejection::new(
                RejectCode::InvalidValue,
                Some(key),
                "recorded on another device than the one pushing it",
            ));
        }
    }
    Ok(())
}

/// Decides whether `user` may make `op`, given the record as it stands
/// (`None`: the server has never seen it). `branches`: the branch codes the
/// server knows. Runs before [`check_op`], for every operation that is not a
/// retry.
///
/// * Filing a complaint, or changing its `branch_code`, follows
///   [`check_branch_change`] (`forbidden`, field `branch_code`).
/// * Only roles that plan ([`Role::plans`](complaints_domain::access::Role::plans))
///   write PDCA records (`forbidden`, field `pdca`); their branch is checked
///   like a complaint's.
fn authorize_op(
    user: &AuthUser,
    branches: &BTreeSet<String>,
    op: &Op,
    before: Option<&RecordState>,
) -> Result<(), Rejection> {
    if let Some((audience, _)) = answers::parse_id(&op.record) {
        return if may_write(&user.answer_reader(), &audience) {
            Ok(())
        } else {
            Err(Rejection::new(
                RejectCode::Forbidden,
                Some(answers::WRITE_FIELD),
                "staff read the standard answers; managers write them for their branch or region",
            ))
        };
    }
    let current = before.map(record_branch);
    if complaints_domain::pdca::is_pdca(&op.record) && !user.user.role.plans() {
        return Err(Rejection::new(
            RejectCode::Forbidden,
            Some(complaints_domain::pdca::PLAN_FIELD),
            "staff read the PDCA table; managers change it",
        ));
    }
    let to = match op.set.get(BRANCH_CODE) {
        // Not a string: `check_op` refuses the value.
        Some(value) => value.as_str().unwrap_or_default(),
        None => match current {
            Some(_) => return Ok(()),
            // A creation without a branch: `check_op` names the missing field.
            None => return Ok(()),
        },
    };
    check_branch_change(
        user.user.role,
        &user.scope,
        current.as_deref(),
        to,
        branches.contains(to),
    )
    .map_err(|why| Rejection::new(RejectCode::Forbidden, Some(BRANCH_CODE), why))
}

/// The field that says which branch a complaint belongs to.
const BRANCH_CODE: &str = "branch_code";

/// The key a record is filed under for scoped pulls (the `branch` column):
/// a complaint's or PDCA row's current branch (its merged `branch_code`;
/// empty if it has none), a standard answer's [`answers::scope_key`].
fn record_branch(state: &RecordState) -> Cow<'_, str> {
    if let Some((audience, _)) = answers::parse_id(&state.id) {
        return Cow::Owned(answers::scope_key(&audience));
    }
    Cow::Borrowed(
        state
            .fields
            .get(BRANCH_CODE)
            .and_then(|field| field.value())
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default(),
    )
}

/// Whether `user` may see a record: a standard answer by its audience
/// ([`may_read`]), anything else by its branch.
fn sees(user: &AuthUser, state: &RecordState) -> bool {
    match answers::parse_id(&state.id) {
        Some((audience, _)) => may_read(&user.answer_reader(), &audience),
        None => user.scope.allows(&record_branch(state)),
    }
}

/// A log `seq`: one stored already, or the one the batch's `n`th accepted
/// operation will get when [`Batch::write`] inserts it.
#[derive(Clone, Copy, Debug)]
enum Seq {
    Logged(i64),
    Pending(usize),
}

/// A record's state as the batch sees it, the [`Seq`] at which it entered
/// its branch (`scope_seq`), and the complaint it materializes to when the
/// batch has built it already.
type Stored = (RecordState, Seq, Option<Complaint>);

/// An accepted operation, to be logged by [`Batch::write`].
struct Pending {
    op_id: String,
    record: String,
    device: String,
    hlc: String,
    body: String,
    user: Option<String>,
}

/// A change of branch, logged in `record_moves` at the seq of the operation
/// that made it.
struct Move {
    op: usize,
    record: String,
    from: String,
    to: String,
}

/// One push batch in progress: the records it has read or changed (so that
/// a record created or changed earlier in the batch is what later operations
/// see), and what [`Batch::write`] must store.
struct Batch<'a> {
    /// Who pushes.
    user: &'a AuthUser,
    /// Every branch code the server knows.
    branches: BTreeSet<String>,
    now_ms: u64,
    received_at: String,
    /// Op ids in the log before the batch, and those accepted in it.
    logged: HashSet<String>,
    /// Records whose stored state cannot be read.
    damaged: HashSet<String>,
    /// Record id → its state; absent: not on the server.
    records: HashMap<String, Stored>,
    /// The operations accepted, in order.
    pending: Vec<Pending>,
    moves: Vec<Move>,
    /// The records the batch changed.
    dirty: BTreeSet<String>,
}

/// Below twice this many operations, a batch is judged on one thread.
const JUDGED_PER_THREAD: usize = 32;

/// Rows per multi-row statement: 7 parameters each stays far below SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters. Not more: binding
/// `$N` parameters looks each name up in a list (sqlx asks SQLite for every
/// parameter's name), so a statement's binding time grows with the square
/// of its parameters (at 100 rows, 6% of a push's time in the profile).
const ROWS_PER_STATEMENT: usize = 50;

impl Batch<'_> {
    /// Judges ahead, on every core, each operation on a record as stored
    /// (the batch has changed nothing yet); `None` for one that [`take`]
    /// turns down before judging. Judging is most of a push's work, and the
    /// operations of a batch are mostly on different records: [`take`] uses
    /// a verdict only when no earlier operation of the batch changed the
    /// record, and judges again otherwise, so the outcome is the same as
    /// judging one after the other.
    ///
    /// [`take`]: Batch::take
    fn judge_ahead(&self, device: &str, ops: &[Result<Op, OpResult>]) -> Vec<Option<Judged>> {
        let one = |op: &Result<Op, OpResult>| -> Option<Judged> {
            let op = op.as_ref().ok()?;
            if self.before_judging(device, op).is_some() {
                return None;
            }
            let before = self.records.get(&op.record).map(|(state, _, _)| state);
            Some(judge(self.user, &self.branches, op, before, self.now_ms))
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        if threads == 1 || ops.len() < 2 * JUDGED_PER_THREAD {
            return ops.iter().map(one).collect();
        }
        let share = ops.len().div_ceil(threads).max(JUDGED_PER_THREAD);
        std::thread::scope(|scope| {
            let mut chunks = ops.chunks(share);
            let here = chunks.next().unwrap_or_default();
            let others: Vec<_> = chunks
                .map(|chunk| scope.spawn(move || chunk.iter().map(one).collect::<Vec<_>>()))
                .collect();
            let mut judged: Vec<Option<Judged>> = here.iter().map(one).collect();
            for other in others {
                match other.join() {
                    Ok(verdicts) => judged.extend(verdicts),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            judged
        })
    }

    /// The answer to `op` without judging it, if it has one: acknowledged
    /// again (logged already), or refused (another device's, or its record
    /// damaged on the server).
    fn before_judging(&self, device: &str, op: &Op) -> Option<OpResult> {
        if self.logged.contains(&op.id) {
            return Some(accepted(op.id.clone()));
        }
        let detail = if op.device != device {
            format!(
                "the operation's dev {:?} is not the pushing device {device:?}",
                op.device
            )
        } else if self.damaged.contains(&op.record) {
            "the record is damaged on the server; it is repaired when the server restarts".into()
        } else {
            return None;
        };
        Some(rejected(
            op.id.clone(),
            Rejection::new(RejectCode::Malformed, None, detail),
        ))
    }

    /// Decides one operation (module docs, "Push"); an accepted one is merged
    /// into `records` and queued in `pending`. `ahead`: its verdict from
    /// [`Batch::judge_ahead`].
    fn take(&mut self, device: &str, op: Op, ahead: Option<Judged>) -> OpResult {
        if let Some(answer) = self.before_judging(device, &op) {
            return answer;
        }
        let before = self.records.get(&op.record);
        let before_state = before.map(|(state, _, _)| state);
        let judged = match ahead {
            Some(judged) if !self.dirty.contains(&op.record) => judged,
            _ => judge(self.user, &self.branches, &op, before_state, self.now_ms),
        };
        let (after, complaint) = match judged {
            Ok(judged) => judged,
            Err(reason) => return rejected(op.id, reason),
        };
        let body = match serde_json::to_string(&op) {
            Ok(body) => body,
            Err(error) => {
                let detail = format!("cannot serialise the operation: {error}");
                return rejected(op.id, Rejection::new(RejectCode::Malformed, None, detail));
            }
        };
        let index = self.pending.len();
        // A new record, or one that changed branch, enters its branch now.
        let to = record_branch(&after).into_owned();
        let scope_seq = match before {
            Some((state, old, _)) => {
                let from = record_branch(state);
                if *from == *to {
                    *old
                } else {
                    self.moves.push(Move {
                        op: index,
                        record: op.record.clone(),
                        from: from.into_owned(),
                        to,
                    });
                    Seq::Pending(index)
                }
            }
            None => Seq::Pending(index),
        };
        self.pending.push(Pending {
            op_id: op.id.clone(),
            record: op.record.clone(),
            device: op.device,
            hlc: op.hlc.to_string(),
            body,
            user: op.user,
        });
        self.logged.insert(op.id.clone());
        self.dirty.insert(op.record.clone());
        self.records
            .insert(op.record, (after, scope_seq, complaint));
        accepted(op.id)
    }

    /// Stores the batch: the accepted operations (multi-row inserts, which
    /// hand out their seqs), the changes of branch, and every changed record
    /// with its state, the complaint it materializes to, the seq of its
    /// newest operation and its `scope_seq`.
    async fn write(&self, conn: &mut AnyConnection) -> Result<(), AppError> {
        let mut seqs: HashMap<&str, i64> = HashMap::with_capacity(self.pending.len());
        for chunk in self.pending.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO ops (op_id, record_id, device, hlc, body, received_at, username) \
                 VALUES {} RETURNING op_id, seq",
                placeholders(chunk.len(), 7)
            );
            let mut insert = sqlx::query_as::<_, (String, i64)>(&sql);
            for op in chunk {
                insert = insert
                    .bind(&op.op_id)
                    .bind(&op.record)
                    .bind(&op.device)
                    .bind(&op.hlc)
                    .bind(&op.body)
                    .bind(&self.received_at)
                    .bind(&op.user);
            }
            for (op_id, seq) in insert
                .fetch_all(&mut *conn)
                .await
                .map_err(AppError::from_db)?
            {
                if let Some(op) = chunk.iter().find(|op| op.op_id == op_id) {
                    seqs.insert(&op.op_id, seq);
                }
            }
        }
        let seq_of = |seq: Seq| -> Result<i64, AppError> {
            match seq {
                Seq::Logged(seq) => Ok(seq),
                Seq::Pending(index) => seqs
                    .get(self.pending[index].op_id.as_str())
                    .copied()
                    .ok_or_else(|| AppError::Internal("an insert returned no seq".into())),
            }
        };
        for moved in &self.moves {
            sqlx::query(
                "INSERT INTO record_moves (seq, record_id, from_branch, to_branch) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(seq_of(Seq::Pending(moved.op))?)
            .bind(&moved.record)
            .bind(&moved.from)
            .bind(&moved.to)
            .execute(&mut *conn)
            .await
            .map_err(AppError::from_db)?;
        }
        // Each changed record's newest operation.
        let mut updated: HashMap<&str, i64> = HashMap::with_capacity(self.dirty.len());
        for (index, op) in self.pending.iter().enumerate() {
            let seq = seq_of(Seq::Pending(index))?;
            let newest = updated.entry(op.record.as_str()).or_insert(seq);
            *newest = (*newest).max(seq);
        }
        let mut rows = Vec::with_capacity(self.dirty.len());
        for id in &self.dirty {
            let Some((state, scope_seq, complaint)) = self.records.get(id) else {
                continue;
            };
            let state_json = serde_json::to_string(state).map_err(|error| {
                AppError::Internal(format!("cannot serialise a record: {error}"))
            })?;
            // `check_op` has materialized a complaint already; `None` for
            // the other kinds of record.
            let complaint = complaint
                .as_ref()
                .and_then(|complaint| serde_json::to_string(complaint).ok());
            let updated_seq = updated.get(id.as_str()).copied().unwrap_or_default();
            let branch = record_branch(state).into_owned();
            rows.push((
                id,
                state_json,
                complaint,
                updated_seq,
                branch,
                seq_of(*scope_seq)?,
            ));
        }
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO records (id, state, complaint, updated_seq, branch, scope_seq) \
                 VALUES {} \
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                 complaint = excluded.complaint, updated_seq = excluded.updated_seq, \
                 branch = excluded.branch, scope_seq = excluded.scope_seq",
                placeholders(chunk.len(), 6)
            );
            let mut upsert = sqlx::query(&sql);
            for (id, state, complaint, updated_seq, branch, scope_seq) in chunk {
                upsert = upsert
                    .bind(*id)
                    .bind(state)
                    .bind(complaint)
                    .bind(*updated_seq)
                    .bind(branch)
                    .bind(*scope_seq);
            }
            upsert
                .execute(&mut *conn)
                .await
                .map_err(AppError::from_db)?;
        }
        Ok(())
    }
}

/// `rows` tuples of `columns` numbered parameters: `($1, $2), ($3, $4)`.
fn placeholders(rows: usize, columns: usize) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|row| {
            let params: Vec<String> = (1..=columns)
                .map(|column| format!("${}", row * columns + column))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    tuples.join(", ")
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
    auth: AuthUser,
    ApiQuery(params): ApiQuery<PullParams>,
) -> Result<Response, AppError> {
    let after = parse_cursor(params.after.as_deref())?;
    let limit = parse_limit(params.limit.as_deref())?;
    // A device's own operations are those of the device its token belongs
    // to (bound to the device's key at sign-in), never of a device it names.
    let device = params.device.as_deref().filter(|device| !device.is_empty());
    if let Some(device) = device {
        if device != auth.device {
            return Err(AppError::WrongDevice(format!(
                "this sign-in belongs to device {:?}, not {device:?}",
                auth.device
            )));
        }
    }
    let page = match &auth.scope {
        Scope::All => pull_page(&state.db, after, limit, device).await?,
        Scope::Branches { branches } => {
            // Their branches' records, and the standard answers written for
            // everyone and for their region.
            let mut keys = branches.clone();
            keys.extend(answers::reader_keys(auth.region.as_deref()));
            scoped_pull_page(&state.db, &keys, after, limit, device).await?
        }
    };
    Ok(no_store(Json(PullResponse {
        ops: page.ops,
        cursor: page.cursor.to_string(),
        more: page.remaining > 0,
        remaining: page.remaining,
        removed: page.removed,
        withdrawn: page.withdrawn,
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
    /// Records the client must delete.
    removed: Vec<String>,
    /// Operations set aside since they were accepted.
    withdrawn: Vec<Withdrawn>,
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
    db: &AnyPool,
    after: i64,
    limit: u32,
    skip_device: Option<&str>,
) -> Result<Page, AppError> {
    const FILTER: &str = "seq > $1 AND ($2 IS NULL OR device <> $2)";
    // One snapshot for every read of the pull.
    let mut tx = crate::txn::begin_read(db).await?;
    let sql = format!("SELECT seq, body FROM ops WHERE {FILTER} ORDER BY seq LIMIT $3");
    let query = sqlx::query_as(&sql)
        .bind(after)
        .bind(skip_device)
        .bind(i64::from(limit));
    let (rows, full) = fetch_page(query.fetch(&mut *tx), limit).await?;

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

    let mut page = Page {
        ops: Vec::new(),
        cursor,
        remaining,
        removed: Vec::new(),
        withdrawn: Vec::new(),
    };
    page.read_bodies(rows);
    Ok(page)
}

/// Reads `(seq, body)` rows until `limit` of them or [`MAX_PULL_BYTES`] of
/// bodies (at least one row, whatever its size); `true` when it stopped
/// there, so more rows may follow.
async fn fetch_page(
    mut rows: impl futures_util::Stream<Item = Result<(i64, String), sqlx::Error>> + Unpin,
    limit: u32,
) -> Result<(Vec<(i64, String)>, bool), AppError> {
    use futures_util::TryStreamExt;
    let mut page = Vec::new();
    let mut bytes = 0;
    while let Some((seq, body)) = rows.try_next().await.map_err(AppError::from_db)? {
        bytes += body.len();
        page.push((seq, body));
        if page.len() >= limit as usize || bytes >= MAX_PULL_BYTES {
            return Ok((page, true));
        }
    }
    Ok((page, false))
}

/// One item of a scoped pull, at its position in the log.
enum Item {
    /// An operation on a record the client has had in scope since before its cursor.
    Op(String),
    /// A record that entered the scope (created, or moved in) after the cursor:
    /// the client gets its whole log.
    Entered(String),
    /// A record that moved out of the scope after the cursor.
    Removed(String),
}

/// [`pull_page`] for a user who sees only `branches`: the same cursor, but
/// the log as that user may see it. With the cursor `c` a client sends, and
/// `E` the end of the log in this read's snapshot, the client gets, in log
/// order:
///
/// * each operation after `c` on a record that is in scope now and has been
///   since `c` or earlier (`scope_seq <= c`);
/// * for each record in scope now that entered it after `c` (created, moved
///   in, or moved out and back), at the position where it entered, **all**
///   its operations up to `E` — the client never had them, or deleted them
///   when the record left; applying an operation twice changes nothing. (A
///   record that never moved is one the client cannot have deleted, so its
///   own operations are skipped as usual.)
/// * for each move after `c` of a record out of one of these branches to a
///   branch outside the scope, at the move's position, its id in `removed`.
///
/// Nothing else: an operation on a record of another branch never leaves the
/// server, not even as a count (`remaining` counts only what this client will
/// get). A page ends at an item boundary (an entered record comes whole); the
/// cursor is the position of its last item, or `E` when nothing is left.
async fn scoped_pull_page(
    db: &AnyPool,
    branches: &BTreeSet<String>,
    after: i64,
    limit: u32,
    skip_device: Option<&str>,
) -> Result<Page, AppError> {
    let backend = Backend::of(db);
    let in_scope = backend.in_json_list("r.branch", 4);
    let in_scope = in_scope.as_str();
    // The ops of an entered record `r` that the client gets ($2: its device,
    // $3: the end of the log): all of them if the record ever moved (the
    // client may have deleted its own), else all but its own.
    const ENTERED_OPS: &str = "o.seq <= $3 AND ($2 IS NULL OR o.device <> $2 \
         OR EXISTS (SELECT 1 FROM record_moves m WHERE m.record_id = r.id AND m.seq <= $3))";
    // The same in the queries that bind the end of the log as $5.
    let entered_ops_5 = ENTERED_OPS.replace("$3", "$5");
    let scope = serde_json::to_string(branches)
        .map_err(|error| AppError::Internal(format!("cannot serialise a scope: {error}")))?;
    let from_in_scope = backend.in_json_list("m.from_branch", 4);
    let mut tx = crate::txn::begin_read(db).await?;
    let end: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ops")
        .fetch_one(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    let end = end.max(after);
    let ops_sql = format!(
        "FROM ops o JOIN records r ON r.id = o.record_id \
         WHERE o.seq > $1 AND o.seq <= $5 AND ($2 IS NULL OR o.device <> $2) \
         AND r.scope_seq <= $1 AND {in_scope}"
    );
    let entered_sql =
        format!("FROM records r WHERE r.scope_seq > $1 AND r.scope_seq <= $5 AND {in_scope}");
    let removed_sql = format!(
        "FROM record_moves m JOIN records r ON r.id = m.record_id \
         WHERE m.seq > $1 AND m.seq <= $5 \
         AND {from_in_scope} AND NOT {in_scope}"
    );
    let lists = [
        format!("SELECT o.seq, o.body {ops_sql} ORDER BY o.seq LIMIT $3"),
        format!("SELECT r.scope_seq, r.id {entered_sql} ORDER BY r.scope_seq LIMIT $3"),
        format!("SELECT m.seq, m.record_id {removed_sql} ORDER BY m.seq LIMIT $3"),
    ];
    let mut items: Vec<(i64, Item)> = Vec::new();
    // Every item up to the horizon has been read: a list that filled its
    // limit may go on after its last row.
    let mut horizon = end;
    let mut truncated = false;
    for (kind, sql) in lists.iter().enumerate() {
        let query = sqlx::query_as::<_, (i64, String)>(sql)
            .bind(after)
            .bind(skip_device)
            .bind(i64::from(limit))
            .bind(&scope)
            .bind(end);
        let (rows, stopped) = fetch_page(query.fetch(&mut *tx), limit).await?;
        if stopped {
            truncated = true;
            horizon = horizon.min(rows.last().map_or(end, |row| row.0));
        }
        items.extend(rows.into_iter().map(|(position, text)| {
            let item = match kind {
                0 => Item::Op(text),
                1 => Item::Entered(text),
                _ => Item::Removed(text),
            };
            (position, item)
        }));
    }
    items.sort_by_key(|(position, _)| *position);

    let mut page = Page {
        ops: Vec::new(),
        cursor: after,
        remaining: 0,
        removed: Vec::new(),
        withdrawn: Vec::new(),
    };
    let mut bodies: Vec<(i64, String)> = Vec::new();
    let mut bytes = 0;
    let mut stopped_early = false;
    for (position, item) in items {
        let page_full = bodies.len() >= limit as usize || bytes >= MAX_PULL_BYTES;
        if position > horizon || (page_full && !bodies.is_empty()) {
            stopped_early = true;
            break;
        }
        match item {
            Item::Op(body) => {
                bytes += body.len();
                bodies.push((position, body));
            }
            Item::Entered(record) => {
                let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                    "SELECT o.seq, o.body FROM ops o JOIN records r ON r.id = o.record_id \
                     WHERE o.record_id = $1 AND {ENTERED_OPS} ORDER BY o.seq"
                ))
                .bind(&record)
                .bind(skip_device)
                .bind(end)
                .fetch_all(&mut *tx)
                .await
                .map_err(AppError::from_db)?;
                bytes += rows.iter().map(|(_, body)| body.len()).sum::<usize>();
                bodies.extend(rows);
            }
            Item::Removed(record) => page.removed.push(record),
        }
        page.cursor = position;
    }
    if !stopped_early && !truncated {
        page.cursor = end;
    } else if !stopped_early {
        page.cursor = horizon;
    }
    if page.cursor < end {
        let count_sql = format!(
            "SELECT (SELECT COUNT(*) {ops_sql}) \
             + (SELECT COUNT(*) FROM ops o JOIN records r ON r.id = o.record_id \
                WHERE r.scope_seq > $1 AND {in_scope} AND {entered_ops_5}) \
             + (SELECT COUNT(*) {removed_sql})"
        );
        let remaining: i64 = sqlx::query_scalar(&count_sql)
            .bind(page.cursor)
            .bind(skip_device)
            .bind(i64::from(limit))
            .bind(&scope)
            .bind(end)
            .fetch_one(&mut *tx)
            .await
            .map_err(AppError::from_db)?;
        page.remaining = u64::try_from(remaining).unwrap_or(0);
        if page.remaining == 0 {
            page.cursor = end;
        }
    }
    tx.commit().await.map_err(AppError::from_db)?;

    // A record that entered the scope came with its operations up to `E`;
    // those after the page's cursor come again, as operations of a record in
    // scope, in the pull that starts there: sent now too, they would reach
    // the device twice.
    bodies.retain(|(seq, _)| *seq <= page.cursor);
    page.read_bodies(bodies);
    Ok(page)
}

impl Page {
    /// Parses the log rows of a page: operations, and operations withdrawn
    /// since. A row that is neither (the start-up repair sets such rows
    /// aside) is left out with a log line rather than failing every pull.
    fn read_bodies(&mut self, rows: Vec<(i64, String)>) {
        for (seq, body) in rows {
            match serde_json::from_str::<Op>(&body) {
                Ok(op) => self.ops.push(op),
                Err(error) => match serde_json::from_str::<WithdrawnEntry>(&body) {
                    Ok(entry) => self.withdrawn.push(entry.withdrawn),
                    Err(_) => tracing::error!(seq, %error, "unreadable op left out of a pull"),
                },
            }
        }
    }
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
