//! Opening the SQLite database and applying migrations.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;

use crate::AppError;

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "complaints.sqlite3";

/// Migrations embedded at compile time from `crates/server/migrations/`
/// (`build.rs` makes cargo rebuild when a file is added there).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens `<data_dir>/complaints.sqlite3`, creating the directory and the file
/// if missing, and applies pending migrations. Safe to call on an existing
/// database: applied migrations are skipped (and checked against their
/// checksum, so an edited shipped migration is reported as an error).
pub async fn open_db(data_dir: &Path) -> Result<SqlitePool, AppError> {
    std::fs::create_dir_all(data_dir).map_err(|source| AppError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join(DB_FILE_NAME))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    crate::repair::check_log(&pool).await?;
    Ok(pool)
}
