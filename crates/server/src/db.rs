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
//! The transactions themselves, and the [`Backend`] enum, are in `txn.rs`.
//!
//! Each has its own migrations (`migrations/` and `migrations-postgres/`):
//! SQLite's are the history of databases already in use and are never
//! edited; PostgreSQL's start from the schema that history arrived at. A
//! schema change adds a file to both.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};

pub use crate::txn::Backend;

use crate::AppError;

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "complaints.sqlite3";

/// Migrations embedded at compile time (`build.rs` makes cargo rebuild when a
/// file is added to either directory).
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

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
                    // `synchronous = FULL` (not WAL's usual NORMAL): a push
                    // is answered only once its commit is on disk. NORMAL
                    // would save one fsync per batch of up to 1,000 ops (a
                    // few ms of a batch's time), but a power cut could then
                    // roll back batches already acknowledged, which their
                    // devices have taken out of their outboxes: lost.
                    Backend::Sqlite => {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
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
