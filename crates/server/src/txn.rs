//! How each kind of transaction begins, on SQLite and on PostgreSQL, and
//! which of the two a pool talks to ([`Backend`]): the one place where their
//! locking and snapshots differ (the `sync` module says why pulls rely on
//! them). Depends on no other module of the server but the error type, so
//! that opening a database (`db`), its start-up check (`repair`), sync and
//! the sign-in throttle can all use it.

use std::time::Duration;

use sqlx::{AnyConnection, AnyPool, Executor, Transaction};

use crate::AppError;

/// The key of the PostgreSQL advisory lock every write transaction of the op
/// log holds until it commits (see [`begin_write`]). Any fixed number would
/// do; this one spells "cmplnts" in ASCII, so it is recognisable in
/// `pg_locks`.
pub const LOG_LOCK_KEY: i64 = 0x00_63_6d_70_6c_6e_74_73;

/// How long a write waits for the log's lock on PostgreSQL before it is
/// answered `503` (the device retries later). Every holder is a push of at
/// most `MAX_PUSH_OPS` operations, so a wait this long means something is
/// wrong, and the log says so.
pub const LOG_LOCK_TIMEOUT: &str = "15s";

/// Which database a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a pool.
    pub fn of(db: &AnyPool) -> Backend {
        Backend::of_url(db.connect_options().database_url.as_str())
    }

    /// The backend of a connection (inside a transaction).
    pub fn of_conn(conn: &AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub(crate) fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// A condition that `column` is one of the strings of the JSON array
    /// bound as parameter `$param` (a user's branches).
    pub fn in_json_list(self, column: &str, param: u8) -> String {
        match self {
            Backend::Sqlite => format!("{column} IN (SELECT value FROM json_each(${param}))"),
            Backend::Postgres => {
                format!("{column} IN (SELECT jsonb_array_elements_text(CAST(${param} AS jsonb)))")
            }
        }
    }

    /// For log lines and the health answer.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Begins a transaction that writes the op log. It first takes the log's
/// lock, so that writers follow one another and the seqs they allocate
/// become visible in seq order (the `sync` module says why pulls rely on
/// it): SQLite's own write lock (`BEGIN IMMEDIATE`), or on PostgreSQL a
/// transaction-scoped advisory lock that every instance takes
/// ([`LOG_LOCK_KEY`]), released by the commit or the rollback.
pub async fn begin_write(db: &AnyPool) -> Result<Transaction<'static, sqlx::Any>, AppError> {
    if unsafe_no_log_lock(db) {
        return db.begin().await.map_err(AppError::from_db);
    }
    begin_locked(db, LOG_LOCK_KEY).await
}

/// Begins a write transaction holding the lock `key` until it ends: on
/// SQLite the database's one write lock (`BEGIN IMMEDIATE`, whatever the
/// key), on PostgreSQL the transaction-scoped advisory lock `key`.
pub async fn begin_locked(
    db: &AnyPool,
    key: i64,
) -> Result<Transaction<'static, sqlx::Any>, AppError> {
    match Backend::of(db) {
        Backend::Sqlite => db
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(AppError::from_db),
        Backend::Postgres => {
            let mut tx = db.begin().await.map_err(AppError::from_db)?;
            advisory_lock(&mut tx, key).await?;
            Ok(tx)
        }
    }
}

/// Takes the advisory lock `key` inside a PostgreSQL transaction, waiting
/// at most [`LOG_LOCK_TIMEOUT`] (see [`begin_write`]).
async fn advisory_lock(conn: &mut AnyConnection, key: i64) -> Result<(), AppError> {
    let wait = std::time::Instant::now();
    conn.execute(format!("SET LOCAL lock_timeout = '{LOG_LOCK_TIMEOUT}'").as_str())
        .await
        .map_err(AppError::from_db)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut *conn)
        .await
        .map_err(|error| {
            tracing::error!(%error, key, waited_ms = wait.elapsed().as_millis() as u64,
                "a lock was not had in time");
            AppError::from_db(error)
        })?;
    let waited = wait.elapsed();
    if waited > Duration::from_secs(1) {
        tracing::warn!(
            waited_ms = waited.as_millis() as u64,
            "slow wait for the op log's lock"
        );
    }
    Ok(())
}

/// A pool whose URL names `application_name=complaints-unsafe-no-log-lock`
/// writes without the log's lock, so that the multi-instance test
/// (`tests/instances.rs`) can show what the lock prevents. Never use it on a
/// real server: its pulls skip operations. (It is in the URL, not a global
/// switch, so that it holds for that pool alone, and shows in
/// `pg_stat_activity`.)
fn unsafe_no_log_lock(db: &AnyPool) -> bool {
    db.connect_options()
        .database_url
        .query_pairs()
        .any(|(key, value)| key == "application_name" && value == "complaints-unsafe-no-log-lock")
}

/// Begins a read-only transaction in which every query sees one snapshot:
/// SQLite's deferred `BEGIN` (in WAL mode the first read fixes it); on
/// PostgreSQL `REPEATABLE READ`, since its default gives each statement a
/// snapshot of its own.
pub async fn begin_read(db: &AnyPool) -> Result<Transaction<'static, sqlx::Any>, AppError> {
    match Backend::of(db) {
        Backend::Sqlite => db.begin().await,
        Backend::Postgres => {
            db.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await
        }
    }
    .map_err(AppError::from_db)
}
