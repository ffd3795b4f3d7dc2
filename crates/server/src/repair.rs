//! The start-up check of the op log: operations that an older version of
//! the server accepted but that break today's bounds (an entry nested 122
//! levels deep, a 15 MiB device name…) are set aside, and every record they
//! touched is rebuilt from the operations that remain, so that no record
//! stays unusable.
//!
//! Runs when the database opens, once per [`CHECK_VERSION`] (recorded in the
//! `meta` table), inside one write transaction. For each operation, in log
//! order, that does not parse, breaks [`check_bounds`], or leaves its
//! complaint record unreadable (it no longer materializes):
//!
//! * its row moves to `ops_set_aside` (with the reason), and a log line says so;
//! * a `{"withdrawn": {op, rec, dev, reason}}` entry takes its place at the
//!   **end** of the log, after every cursor handed out, so every device that
//!   may see the record is told on its next pull, including the one that made
//!   it (the entry is not that device's own operation);
//! * the record is rebuilt from its remaining operations.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};

use complaints_domain::sync::{
    check_bounds, is_complaint, Op, RecordState, Withdrawn, WithdrawnEntry,
};
use sqlx::{AnyConnection, AnyPool};

use crate::AppError;

/// Bumped whenever the bounds an operation must keep change.
pub const CHECK_VERSION: &str = "1";

/// What the check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Operations read.
    pub checked: u64,
    /// Operations set aside.
    pub set_aside: u64,
    /// Records rebuilt.
    pub rebuilt: u64,
}

/// Checks the op log if this version has not yet (see the module docs).
pub async fn check_log(db: &AnyPool) -> Result<Option<Repair>, AppError> {
    let done: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'log_check'")
        .fetch_optional(db)
        .await
        .map_err(AppError::from_db)?;
    if done.as_deref() == Some(CHECK_VERSION) {
        return Ok(None);
    }
    // The log's lock, as a push takes it: instances starting together on one
    // PostgreSQL database check it one after the other.
    let mut tx = crate::txn::begin_write(db).await?;
    let repair = check(&mut tx).await?;
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('log_check', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(CHECK_VERSION)
    .execute(&mut *tx)
    .await
    .map_err(AppError::from_db)?;
    tx.commit().await.map_err(AppError::from_db)?;
    if repair.set_aside > 0 || repair.rebuilt > 0 {
        tracing::warn!(
            checked = repair.checked,
            set_aside = repair.set_aside,
            rebuilt = repair.rebuilt,
            "op log repaired"
        );
    }
    Ok(Some(repair))
}

/// One row of the log.
type Row = (i64, String, String, String, String);

async fn check(conn: &mut AnyConnection) -> Result<Repair, AppError> {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut repair = Repair::default();
    // Records to rebuild.
    let mut suspect = BTreeSet::new();
    // 1. Every operation parses and keeps the bounds.
    let mut after = 0i64;
    loop {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, op_id, record_id, device, body FROM ops \
             WHERE seq > $1 ORDER BY seq LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for row in rows {
            repair.checked += 1;
            let reason = match serde_json::from_str::<Op>(&row.4) {
                Ok(op) => check_bounds(&op)
                    .err()
                    .map(|rejection| format!("{:?}: {}", rejection.code, rejection.detail)),
                Err(_) if serde_json::from_str::<WithdrawnEntry>(&row.4).is_ok() => None,
                Err(error) => Some(format!("not an operation: {error}")),
            };
            if let Some(reason) = reason {
                suspect.insert(row.2.clone());
                set_aside(conn, row, &reason, &now).await?;
                repair.set_aside += 1;
            }
        }
    }
    // 2. Every record's stored state reads, and makes a complaint.
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT id, state FROM records")
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
    for (id, state) in stored {
        let readable = serde_json::from_str::<RecordState>(&state)
            .ok()
            .is_some_and(|state| !is_complaint(&id) || state.materialize().is_ok());
        if !readable {
            suspect.insert(id);
        }
    }
    // 3. Each suspect is rebuilt from its operations; one that leaves the
    //    complaint unreadable is set aside too.
    for id in suspect {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT seq, op_id, record_id, device, body FROM ops \
             WHERE record_id = $1 AND device <> '' ORDER BY seq",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
        let mut state = RecordState::new(&id);
        for row in rows {
            let Ok(op) = serde_json::from_str::<Op>(&row.4) else {
                continue;
            };
            let mut next = state.clone();
            next.apply(&op);
            match next.materialize() {
                Err(error) if is_complaint(&id) => {
                    let reason = format!("the record no longer reads with it: {error}");
                    set_aside(conn, row, &reason, &now).await?;
                    repair.set_aside += 1;
                }
                _ => state = next,
            }
        }
        let seq: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ops WHERE record_id = $1")
                .bind(&id)
                .fetch_one(&mut *conn)
                .await
                .map_err(AppError::from_db)?;
        let complaint = state
            .materialize()
            .ok()
            .and_then(|complaint| serde_json::to_string(&complaint).ok());
        let state_json = serde_json::to_string(&state)
            .map_err(|error| AppError::Internal(format!("cannot serialise a record: {error}")))?;
        tracing::warn!(record = %id, "record rebuilt from its readable operations");
        sqlx::query(
            "UPDATE records SET state = $1, complaint = $2, updated_seq = $3 WHERE id = $4",
        )
        .bind(state_json)
        .bind(complaint)
        .bind(seq)
        .bind(&id)
        .execute(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
        repair.rebuilt += 1;
    }
    Ok(repair)
}

/// Moves one operation out of the log and appends its withdrawn entry.
async fn set_aside(
    conn: &mut AnyConnection,
    (seq, op_id, record_id, device, body): Row,
    reason: &str,
    now: &str,
) -> Result<(), AppError> {
    tracing::warn!(seq, op = %op_id, record = %record_id, reason, "operation set aside");
    sqlx::query(
        "INSERT INTO ops_set_aside (op_id, record_id, device, seq, body, reason, set_aside_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&op_id)
    .bind(&record_id)
    .bind(&device)
    .bind(seq)
    .bind(&body)
    .bind(reason)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(AppError::from_db)?;
    sqlx::query("DELETE FROM ops WHERE seq = $1")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(AppError::from_db)?;
    // Ids and device are cut to their bounds: they may be what was wrong.
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    let entry = WithdrawnEntry {
        withdrawn: Withdrawn {
            op: cut(&op_id, 200),
            rec: cut(&record_id, 200),
            dev: cut(&device, 200),
            reason: cut(reason, 500),
        },
    };
    let text = serde_json::to_string(&entry)
        .map_err(|error| AppError::Internal(format!("cannot serialise a withdrawal: {error}")))?;
    // The op id stays taken, so a retry of the same push is still known.
    sqlx::query(
        "INSERT INTO ops (op_id, record_id, device, hlc, body, received_at, username) \
         VALUES ($1, $2, '', '0-0', $3, $4, NULL)",
    )
    .bind(&op_id)
    .bind(&record_id)
    .bind(text)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(AppError::from_db)?;
    Ok(())
}
