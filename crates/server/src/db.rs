//! The database: SQLite (the default, one file in the data directory) or
//! PostgreSQL (`--database-url postgres://…`, for several server instances),
//! both through sqlx's `Any` driver, so every query is written once.
//!
//! The SQL the two share: `$1`-style parameters, `ON CONFLICT … DO`,
//! `RETURNING`, `COUNT(*) FILTER (…)`, `COALESCE`. Where they differ, the
//! difference is named here ([`Backend`]) and nowhere else: how a write
//! transaction takes the log's lock, how a read transaction gets one
//! snapshot, and how a JSON list of codes is read inside a query.
//!
//! Each has its own migrations (`migrations/` and `migrations-postgres/`):
//! SQLite's are the history of databases already in use and are never
//! edited; PostgreSQL's start from the schema that history arrived at. A
//! schema change adds a file to both.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor, Transaction};

use crate::AppError;

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "complaints.sqlite3";

/// Migrations embedded at compile time (`build.rs` makes cargo rebuild when a
/// file is added to either directory).
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

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

    fn of_url(url: &str) -> Backend {
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

/// Opens `<data_dir>/complaints.sqlite3`, creating the directory and the file
/// if missing, and applies pending migrations. Safe to call on an existing
/// database: applied migrations are skipped (and checked against their
/// checksum, so an edited shipped migration is reported as an error).
pub async fn open_db(data_dir: &Path) -> Result<AnyPool, AppError> {
    std::fs::create_dir_all(data_dir).map_err(|source| AppError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let file = data_dir.join(DB_FILE_NAME);
    open_url(&format!("sqlite://{}?mode=rwc", file.display())).await
}

/// Opens the database at `url`: `postgres://…` (the database must exist; its
/// tables are made by the migrations) or `sqlite://…`. Applies pending
/// migrations and the log check, as [`open_db`] does.
pub async fn open_url(url: &str) -> Result<AnyPool, AppError> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)?;
    let backend = Backend::of_url(url);
    let pool = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                match backend {
                    // WAL: readers never wait for the writer, and see one
                    // snapshot per transaction. Foreign keys are on by default.
                    Backend::Sqlite => {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    // A transaction left open by a crashed request must not
                    // hold the log's lock (or a snapshot) for long.
                    Backend::Postgres => {
                        conn.execute("SET idle_in_transaction_session_timeout = '60s'")
                            .await?;
                    }
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    match backend {
        Backend::Sqlite => SQLITE_MIGRATOR.run(&pool).await?,
        Backend::Postgres => POSTGRES_MIGRATOR.run(&pool).await?,
    }
    crate::repair::check_log(&pool).await?;
    Ok(pool)
}

/// Opens a fresh, empty database for a test: a new PostgreSQL database on the
/// server named by `COMPLAINTS_TEST_DATABASE_URL` when that is set (the test
/// command sets it to a throwaway cluster, so the server suite runs on both),
/// else SQLite in `data_dir`.
pub async fn open_test_db(data_dir: &Path) -> Result<AnyPool, AppError> {
    match std::env::var("COMPLAINTS_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => open_url(&create_test_database(&server).await?).await,
        _ => open_db(data_dir).await,
    }
}

/// Creates a database with a fresh name on the PostgreSQL server at
/// `server_url` and returns its URL.
pub async fn create_test_database(server_url: &str) -> Result<String, AppError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    sqlx::any::install_default_drivers();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let name = format!(
        "t{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = <AnyConnection as sqlx::Connection>::connect(server_url).await?;
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    let _ = sqlx::Connection::close(admin).await;
    Ok(with_database(server_url, &name))
}

/// `url` (`postgres://user@host:port/db?options`) naming database `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, options) = url.split_once('?').map_or((url, ""), |(b, o)| (b, o));
    let authority_end = base.find("://").map_or(0, |at| {
        at + 3 + base[at + 3..].find('/').unwrap_or(base.len() - at - 3)
    });
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if !options.is_empty() {
        out.push('?');
        out.push_str(options);
    }
    out
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

/// The newest migration applied to the database, and the newest this binary
/// ships: equal when the schema is current (readiness, `GET /api/ready`).
pub async fn migration_versions(db: &AnyPool) -> Result<(i64, i64), AppError> {
    let shipped = match Backend::of(db) {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    }
    .iter()
    .map(|migration| migration.version)
    .max()
    .unwrap_or(0);
    let applied: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
        .fetch_one(db)
        .await
        .map_err(AppError::DbUnavailable)?;
    Ok((applied, shipped))
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
