//! `complaints-server migrate --from <data dir | sqlite://…> --to <URL>`:
//! copies a whole database into another one, typically a server's SQLite
//! file into the PostgreSQL database that several instances will share.
//!
//! What it copies: every table both schemas have, parents before children
//! ([`TABLES`]: regions, branches, users, tokens, devices, ops, records,
//! record_moves, ops_set_aside, the sign-in throttle's counts and known
//! pairs, meta, server_meta), every column as it is (a test checks that
//! [`TABLES`] names every column of the schema). Users keep their ids
//! (tokens refer to them) and the op log keeps its `seq`s exactly (the pull
//! cursors the devices hold are seqs).
//!
//! What it guarantees:
//!
//! * **One snapshot.** The source is read inside one read transaction, so
//!   what is copied is the source as it was at one moment. Stop the servers
//!   of both databases while it runs: a push to the target meanwhile could
//!   take a seq that an op of the source has.
//! * **Nothing written on a conflict.** A first pass reads everything and
//!   compares it with the target. A row of the target under the same key
//!   (or under another unique key: an op's id, a username) that is another
//!   row — another op at the same seq, another user under the same id,
//!   a token hash of another user — means the target is another server's
//!   database: the migration stops with [`MigrateError::Conflict`] before
//!   writing a row. The op log (`ops`, `record_moves`, `devices`' keys)
//!   never changes, so any difference there is such a conflict.
//! * **The target's rows win.** A row that is the same one but changed
//!   since (a token revoked, a record merged further, a password reset) is
//!   kept as the target has it, and counted in the report's `differ`
//!   column: rows changed on the source after a first run are not carried
//!   over by a second one. So are `meta` and `server_meta` keys the target
//!   already has (its own `schema_created_at`), without being counted.
//! * **Idempotent.** Rows already in the target are skipped (and inserts
//!   say `ON CONFLICT DO NOTHING`); `ops_set_aside`, which has no key, is
//!   compared row by row: a second run copies nothing and succeeds, and a
//!   run after an interrupted one copies what is missing.
//! * **Bounded memory.** Rows are read, compared and inserted [`BATCH`] at a
//!   time (one `INSERT` each, atomic), with a progress line per batch
//!   (`ops: 12000 / 45000`).
//! * **Sequences past the copy.** On PostgreSQL, the sequences of `ops.seq`
//!   and `users.id` are set past the largest copied value, so the next push
//!   (or `user add`) takes a fresh number. (SQLite's `AUTOINCREMENT` follows
//!   inserted seqs by itself.)
//! * **Checked.** A last pass counts, per table, the source rows found in the
//!   target ([`Report`]); the migration is complete only if that equals the
//!   source's count for every table ([`Report::complete`]).
//!
//! Both databases are opened the usual way (`open_url`/`open_db`), which
//! applies the migrations, so the target's tables exist beforehand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::db::{self, Backend};
use crate::AppError;

/// Rows per batch: read, compare and insert (one `INSERT` of at most
/// 500 × 9 parameters, within both databases' limits).
pub const BATCH: usize = 500;

/// How a column is read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
}

/// A table as the migration sees it.
#[derive(Debug)]
pub struct Table {
    /// Its name, the same on both databases.
    pub name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// The columns rows are looked up by in the target, the primary key
    /// first, then any other unique key. `ops_set_aside` has no key: its
    /// rows are looked up by `(op_id, seq)`, which need not be unique.
    keys: &'static [&'static [&'static str]],
    /// Whether `keys[0]` is unique (a primary key).
    unique: bool,
    /// The columns in which a target row under the same key must equal the
    /// source's to be the same row (empty: all of them); a row that differs
    /// in these is another server's, and the migration is refused. Where it
    /// differs elsewhere only (a token revoked, a record merged further),
    /// the target's row is kept and counted in [`Counts::differ`].
    identity: &'static [&'static str],
    /// Facts about the database itself (`meta`, `server_meta`): where the
    /// target has its own value under a key, it is kept, and not counted
    /// as differing.
    own_facts: bool,
}

use Kind::{Int, Text};

/// Every table copied, parents before children (regions → branches → users
/// → tokens).
pub const TABLES: &[Table] = &[
    Table {
        name: "regions",
        columns: &[("code", Text), ("name", Text)],
        keys: &[&["code"]],
        unique: true,
        identity: &["code"],
        own_facts: false,
    },
    Table {
        name: "branches",
        columns: &[("code", Text), ("name", Text), ("region_code", Text)],
        keys: &[&["code"]],
        unique: true,
        identity: &["code", "region_code"],
        own_facts: false,
    },
    Table {
        name: "users",
        columns: &[
            ("id", Int),
            ("username", Text),
            ("display_name", Text),
            ("role", Text),
            ("branch_code", Text),
            ("region_code", Text),
            ("password_hash", Text),
            ("disabled", Int),
            ("created_at", Text),
        ],
        keys: &[&["id"], &["username"]],
        unique: true,
        identity: &["id", "username"],
        own_facts: false,
    },
    Table {
        name: "tokens",
        columns: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("device", Text),
            ("created_at", Text),
            ("expires_at", Text),
            ("revoked_at", Text),
            ("last_contact_at", Text),
        ],
        keys: &[&["token_hash"]],
        unique: true,
        identity: &["token_hash", "user_id"],
        own_facts: false,
    },
    Table {
        name: "devices",
        columns: &[
            ("id", Text),
            ("key_hash", Text),
            ("created_at", Text),
            ("revoked_at", Text),
        ],
        keys: &[&["id"]],
        unique: true,
        identity: &["id", "key_hash"],
        own_facts: false,
    },
    Table {
        name: "ops",
        columns: &[
            ("seq", Int),
            ("op_id", Text),
            ("record_id", Text),
            ("device", Text),
            ("hlc", Text),
            ("body", Text),
            ("received_at", Text),
            ("username", Text),
        ],
        keys: &[&["seq"], &["op_id"]],
        unique: true,
        identity: &[],
        own_facts: false,
    },
    Table {
        name: "records",
        columns: &[
            ("id", Text),
            ("state", Text),
            ("complaint", Text),
            ("updated_seq", Int),
            ("branch", Text),
            ("scope_seq", Int),
        ],
        keys: &[&["id"]],
        unique: true,
        identity: &["id"],
        own_facts: false,
    },
    Table {
        name: "record_moves",
        columns: &[
            ("seq", Int),
            ("record_id", Text),
            ("from_branch", Text),
            ("to_branch", Text),
        ],
        keys: &[&["seq", "record_id"]],
        unique: true,
        identity: &[],
        own_facts: false,
    },
    Table {
        name: "ops_set_aside",
        columns: &[
            ("op_id", Text),
            ("record_id", Text),
            ("device", Text),
            ("seq", Int),
            ("body", Text),
            ("reason", Text),
            ("set_aside_at", Text),
        ],
        keys: &[&["seq", "op_id"]],
        unique: false,
        identity: &[],
        own_facts: false,
    },
    Table {
        name: "sign_in_counts",
        columns: &[
            ("kind", Text),
            ("key", Text),
            ("failures", Int),
            ("last_ms", Int),
        ],
        keys: &[&["kind", "key"]],
        unique: true,
        identity: &["kind", "key"],
        own_facts: false,
    },
    Table {
        name: "sign_in_known",
        columns: &[("key", Text), ("at_ms", Int)],
        keys: &[&["key"]],
        unique: true,
        identity: &["key"],
        own_facts: false,
    },
    Table {
        name: "meta",
        columns: &[("key", Text), ("value", Text)],
        keys: &[&["key"]],
        unique: true,
        identity: &["key"],
        own_facts: true,
    },
    Table {
        name: "server_meta",
        columns: &[("key", Text), ("value", Text)],
        keys: &[&["key"]],
        unique: true,
        identity: &["key"],
        own_facts: true,
    },
];

/// Why a migration stopped.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The source or the target could not be opened.
    #[error("cannot open the {which} database {shown}: {error}")]
    Open {
        which: &'static str,
        shown: String,
        #[source]
        error: AppError,
    },
    /// The source's read transaction could not begin.
    #[error("cannot read the source: {0}")]
    Read(#[source] AppError),
    /// `--from` names a directory without a database.
    #[error("no database at {0}")]
    NoSource(String),
    /// A query failed.
    #[error("{table}: {error}")]
    Database {
        table: &'static str,
        #[source]
        error: sqlx::Error,
    },
    /// The target holds another row under the same key: it is another
    /// server's database. Nothing was written.
    #[error(
        "refused: the target's {table} holds another row under {key} than the source \
         (source: {source_row}; target: {target_row}): it is another server's database; \
         nothing was copied"
    )]
    Conflict {
        table: &'static str,
        key: String,
        source_row: String,
        target_row: String,
    },
    /// A row that the first pass found missing could not be inserted: the
    /// target changed while the migration ran.
    #[error(
        "{table}: {missing} of a batch's rows could not be inserted \
         (does a server use the target meanwhile?)"
    )]
    Interfered { table: &'static str, missing: u64 },
}

/// The counts of one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows in the source.
    pub source: u64,
    /// Source rows found in the target at the end (identical, or the same
    /// row changed since: see `differ`).
    pub present: u64,
    /// Rows this run inserted.
    pub copied: u64,
    /// Source rows whose row in the target differs (other than in its
    /// identity, see [`TABLES`]): the target's was kept.
    pub differ: u64,
    /// Rows in the target at the end (its own ones too).
    pub target: u64,
}

/// What a migration did, per table in copy order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub tables: Vec<(&'static str, Counts)>,
}

impl Report {
    /// Whether every source row of every table is in the target.
    pub fn complete(&self) -> bool {
        self.tables
            .iter()
            .all(|(_, counts)| counts.present == counts.source)
    }

    /// Rows inserted by this run, over all tables.
    pub fn copied(&self) -> u64 {
        self.tables.iter().map(|(_, counts)| counts.copied).sum()
    }

    /// The counts of `table`.
    pub fn of(&self, table: &str) -> Option<&Counts> {
        self.tables
            .iter()
            .find(|(name, _)| *name == table)
            .map(|(_, counts)| counts)
    }

    /// The table of counts, one line per table: rows in the source, source
    /// rows in the target, copied by this run, kept as the target had them
    /// although they differ, and all rows of the target. A table whose
    /// source rows are not all in the target is marked `MISSING`.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<14} {:>8} {:>8} {:>8} {:>8} {:>12}\n",
            "table", "source", "target", "copied", "differ", "target rows"
        );
        for (name, c) in &self.tables {
            let _ = write!(
                out,
                "{name:<14} {:>8} {:>8} {:>8} {:>8} {:>12}",
                c.source, c.present, c.copied, c.differ, c.target
            );
            if c.present != c.source {
                let _ = write!(out, "  MISSING {}", c.source - c.present.min(c.source));
            }
            out.push('\n');
        }
        out
    }
}

/// Opens the source of a migration: a `sqlite://` or `postgres://` URL, or
/// else a data directory holding the SQLite file (as `--data-dir` names
/// it), which must exist (an empty new database is no source).
pub async fn open_source(from: &str) -> Result<AnyPool, MigrateError> {
    let open = |error| MigrateError::Open {
        which: "source",
        shown: shown(from),
        error,
    };
    if is_url(from) {
        return db::open_url(from).await.map_err(open);
    }
    let dir = Path::new(from);
    if !dir.join(db::DB_FILE_NAME).is_file() {
        return Err(MigrateError::NoSource(
            dir.join(db::DB_FILE_NAME).display().to_string(),
        ));
    }
    db::open_db(dir).await.map_err(open)
}

/// Opens the target of a migration (any URL; a new SQLite file is created).
pub async fn open_target(to: &str) -> Result<AnyPool, MigrateError> {
    db::open_url(to).await.map_err(|error| MigrateError::Open {
        which: "target",
        shown: shown(to),
        error,
    })
}

fn is_url(text: &str) -> bool {
    ["sqlite:", "postgres:", "postgresql:"]
        .iter()
        .any(|scheme| text.starts_with(scheme))
}

/// A URL without its user and password, for messages.
fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{rest}")
        }
        None => url.to_owned(),
    }
}

/// Copies every table of `from` into `to` (see the module docs for what it
/// guarantees), calling `progress` with a line per batch and per pass.
/// Returns the counts of the last pass: check [`Report::complete`].
pub async fn migrate(
    from: &AnyPool,
    to: &AnyPool,
    mut progress: impl FnMut(&str),
) -> Result<Report, MigrateError> {
    let fail = |table| move |error| MigrateError::Database { table, error };
    // One snapshot of the source for all three passes.
    let mut snapshot = crate::txn::begin_read(from)
        .await
        .map_err(MigrateError::Read)?;
    let mut totals = Vec::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", table.name))
            .fetch_one(&mut *snapshot)
            .await
            .map_err(fail(table.name))?;
        totals.push(u64::try_from(count).unwrap_or(0));
    }

    progress("checking the target for rows of another server");
    for (table, total) in TABLES.iter().zip(&totals) {
        scan(&mut snapshot, to, table, Pass::Check, *total, &mut progress).await?;
    }
    let mut copied = Vec::new();
    for (table, total) in TABLES.iter().zip(&totals) {
        let counts = scan(&mut snapshot, to, table, Pass::Copy, *total, &mut progress).await?;
        copied.push(counts.copied);
    }
    if Backend::of(to) == Backend::Postgres {
        set_sequences(to).await?;
    }
    progress("checking the counts");
    let mut report = Report::default();
    for ((table, total), copied) in TABLES.iter().zip(&totals).zip(copied) {
        let mut counts = scan(
            &mut snapshot,
            to,
            table,
            Pass::Verify,
            *total,
            &mut progress,
        )
        .await?;
        counts.copied = copied;
        let target: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", table.name))
            .fetch_one(to)
            .await
            .map_err(fail(table.name))?;
        counts.target = u64::try_from(target).unwrap_or(0);
        report.tables.push((table.name, counts));
    }
    let _ = snapshot.rollback().await;
    Ok(report)
}

/// Sets PostgreSQL's sequences past the copied ids: the next op takes a seq
/// after every seq the log has had (set-aside ops included), the next user
/// an id after every user's.
async fn set_sequences(to: &AnyPool) -> Result<(), MigrateError> {
    for (table, column, max) in [
        (
            "ops",
            "seq",
            "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM ops), \
                             (SELECT COALESCE(MAX(seq), 0) FROM ops_set_aside))",
        ),
        ("users", "id", "SELECT COALESCE(MAX(id), 0) FROM users"),
    ] {
        let fail = |error| MigrateError::Database { table, error };
        let max: i64 = sqlx::query_scalar(max).fetch_one(to).await.map_err(fail)?;
        // setval(…, n, true): the next value is n + 1; (1, false): it is 1.
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), $1, $2)"
        ))
        .bind(max.max(1))
        .bind(max > 0)
        .execute(to)
        .await
        .map_err(fail)?;
    }
    Ok(())
}

/// One pass over a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Compare with the target, refuse a conflict, write nothing.
    Check,
    /// Compare and insert what is missing.
    Copy,
    /// Count the source rows in the target.
    Verify,
}

/// A column's value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(Some(n)) => write!(f, "{n}"),
            Value::Text(Some(text)) => {
                // Long bodies and hashes shortened, for a readable message.
                let short: String = text.chars().take(60).collect();
                if short.len() < text.len() {
                    write!(f, "{short:?}…")
                } else {
                    write!(f, "{short:?}")
                }
            }
            Value::Int(None) | Value::Text(None) => f.write_str("NULL"),
        }
    }
}

type Values = Vec<Value>;

fn show(table: &Table, row: &[Value]) -> String {
    table
        .columns
        .iter()
        .zip(row)
        .map(|((name, _), value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_row(table: &Table, row: &AnyRow) -> Result<Values, sqlx::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Int => Value::Int(row.try_get(i)?),
                Text => Value::Text(row.try_get(i)?),
            })
        })
        .collect()
}

fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    value: &Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match value {
        Value::Int(n) => query.bind(*n),
        Value::Text(text) => query.bind(text.clone()),
    }
}

impl Table {
    /// The names of the columns copied.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(name, _)| *name)
    }

    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether `theirs` is the row `ours` (see [`Table::identity`]).
    fn same_identity(&self, ours: &[Value], theirs: &[Value]) -> bool {
        if self.identity.is_empty() {
            return ours == theirs;
        }
        self.identity.iter().all(|column| {
            let at = self.index_of(column);
            ours[at] == theirs[at]
        })
    }

    fn index_of(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|(name, _)| *name == column)
            .unwrap_or_else(|| panic!("{}: no column {column}", self.name))
    }

    /// The values of `key` in `row`.
    fn key_of(&self, key: &[&str], row: &[Value]) -> Values {
        key.iter()
            .map(|column| row[self.index_of(column)].clone())
            .collect()
    }

    /// The source's next rows in key order: those after the key `$1…` (all
    /// from the start when `first`), [`BATCH`] of them; for a table whose
    /// key is not unique, every row of the next [`BATCH`] keys, so that
    /// rows alike never straddle two batches.
    fn page_sql(&self, first: bool) -> String {
        let key = self.keys[0].join(", ");
        let columns = self.column_list();
        let params = (1..=self.keys[0].len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let filter = if first {
            String::new()
        } else {
            format!("WHERE ({key}) > ({params})")
        };
        if self.unique {
            format!(
                "SELECT {columns} FROM {} {filter} ORDER BY {key} LIMIT {BATCH}",
                self.name
            )
        } else {
            format!(
                "SELECT {columns} FROM {name} WHERE ({key}) IN \
                 (SELECT {key} FROM {name} {filter} GROUP BY {key} ORDER BY {key} LIMIT {BATCH}) \
                 ORDER BY {key}",
                name = self.name
            )
        }
    }
}

/// The target's rows under `key` whose key is one of `wanted`, by key.
async fn target_rows(
    to: &AnyPool,
    table: &Table,
    key: &[&str],
    wanted: &[Values],
) -> Result<BTreeMap<Values, Vec<Values>>, MigrateError> {
    let mut found: BTreeMap<Values, Vec<Values>> = BTreeMap::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    // Each key once; a composite key as a row value, `(a, b) IN (VALUES …)`
    // (a chain of ORs would break SQLite's bound on an expression's depth).
    let wanted: std::collections::BTreeSet<&Values> = wanted.iter().collect();
    let mut n = 0;
    let mut tuples = Vec::new();
    for _ in &wanted {
        let params: Vec<String> = key
            .iter()
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        tuples.push(if key.len() == 1 {
            params.join("")
        } else {
            format!("({})", params.join(", "))
        });
    }
    let condition = if key.len() == 1 {
        format!("{} IN ({})", key[0], tuples.join(", "))
    } else {
        format!("({}) IN (VALUES {})", key.join(", "), tuples.join(", "))
    };
    let sql = format!(
        "SELECT {} FROM {} WHERE {condition}",
        table.column_list(),
        table.name
    );
    let mut query = sqlx::query(&sql);
    for values in wanted {
        for value in values {
            query = bind(query, value);
        }
    }
    let rows = query
        .fetch_all(to)
        .await
        .map_err(|error| MigrateError::Database {
            table: table.name,
            error,
        })?;
    for row in rows {
        let values = read_row(table, &row).map_err(|error| MigrateError::Database {
            table: table.name,
            error,
        })?;
        found
            .entry(table.key_of(key, &values))
            .or_default()
            .push(values);
    }
    Ok(found)
}

/// One pass over `table` (see [`Pass`]), batch by batch.
async fn scan(
    source: &mut AnyConnection,
    to: &AnyPool,
    table: &'static Table,
    pass: Pass,
    total: u64,
    progress: &mut impl FnMut(&str),
) -> Result<Counts, MigrateError> {
    let fail = |error| MigrateError::Database {
        table: table.name,
        error,
    };
    let mut counts = Counts {
        source: total,
        ..Counts::default()
    };
    let mut after: Option<Values> = None;
    let mut read: u64 = 0;
    loop {
        let sql = table.page_sql(after.is_none());
        let mut query = sqlx::query(&sql);
        if let Some(after) = &after {
            for value in after {
                query = bind(query, value);
            }
        }
        let rows = query.fetch_all(&mut *source).await.map_err(fail)?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<Values> = rows
            .iter()
            .map(|row| read_row(table, row))
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        read += batch.len() as u64;
        after = batch.last().map(|row| table.key_of(table.keys[0], row));

        // Each source row: already in the target, missing, or in conflict.
        let mut missing: Vec<&Values> = Vec::new();
        let mut lookups = Vec::new();
        for key in table.keys {
            let wanted: Vec<Values> = batch.iter().map(|row| table.key_of(key, row)).collect();
            lookups.push(target_rows(to, table, key, &wanted).await?);
        }
        for row in &batch {
            // Under the primary key: identical, the same row changed since,
            // or absent; under another unique key, only the first two.
            let mut present = false;
            let mut differs = false;
            for (i, (key, found)) in table.keys.iter().zip(&mut lookups).enumerate() {
                let Some(theirs) = found.get_mut(&table.key_of(key, row)) else {
                    continue;
                };
                if !table.unique {
                    // Rows alike: each of the target's stands for one of the source's.
                    if let Some(at) = theirs.iter().position(|theirs| theirs == row) {
                        theirs.swap_remove(at);
                        present = true;
                    }
                    continue;
                }
                let same = theirs.iter().any(|theirs| theirs == row);
                let same_row = same || theirs.iter().any(|theirs| table.same_identity(row, theirs));
                if i == 0 {
                    present = same_row;
                    differs = !same && !table.own_facts;
                }
                if !same_row && pass != Pass::Verify {
                    return Err(MigrateError::Conflict {
                        table: table.name,
                        key: key
                            .iter()
                            .zip(table.key_of(key, row))
                            .map(|(column, value)| format!("{column}={value}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        source_row: show(table, row),
                        target_row: show(table, &theirs[0]),
                    });
                }
            }
            if present {
                counts.present += 1;
                counts.differ += u64::from(differs);
            } else {
                missing.push(row);
            }
        }

        if pass == Pass::Copy && !missing.is_empty() {
            let width = table.columns.len();
            let tuples: Vec<String> = (0..missing.len())
                .map(|r| {
                    let params: Vec<String> =
                        (1..=width).map(|c| format!("${}", r * width + c)).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {} ON CONFLICT DO NOTHING",
                table.name,
                table.column_list(),
                tuples.join(", ")
            );
            let mut insert = sqlx::query(&sql);
            for row in &missing {
                for value in *row {
                    insert = bind(insert, value);
                }
            }
            let inserted = insert.execute(to).await.map_err(fail)?.rows_affected();
            counts.copied += inserted;
            if inserted < missing.len() as u64 {
                return Err(MigrateError::Interfered {
                    table: table.name,
                    missing: missing.len() as u64 - inserted,
                });
            }
        }
        if pass == Pass::Copy {
            progress(&format!("{}: {read} / {total}", table.name));
        }
    }
    if pass == Pass::Copy && read == 0 {
        progress(&format!("{}: 0 / {total}", table.name));
    }
    Ok(counts)
}
