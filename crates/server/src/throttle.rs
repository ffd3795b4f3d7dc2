//! The login throttle's counters, kept in the database (tables
//! `sign_in_counts` and `sign_in_known`), so that every server instance on
//! one database counts the same failures: a guesser cannot get five free
//! guesses per instance behind a load balancer. The policy is the one the
//! `auth` module docs describe ("Login throttling"); this module only keeps
//! its counts.
//!
//! Each step is one short transaction under the throttle's own lock
//! ([`crate::txn::begin_locked`] with [`THROTTLE_LOCK_KEY`]): checking and
//! counting an attempt happen together, so concurrent guesses on several
//! instances cannot all pass the check before the first one fails.
//!
//! Times are milliseconds since 1970 (wall clock: instances share no
//! monotonic clock). What bounds the tables is time, not a count: each
//! attempt first deletes the counts no longer remembered (older than the
//! failure window) and the known pairs past 30 days.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::{AnyConnection, AnyPool};

use crate::AppError;

/// The PostgreSQL advisory lock of the throttle's transactions ("signins").
pub const THROTTLE_LOCK_KEY: i64 = 0x73_69_67_6e_69_6e_73;

/// How long a successful sign-in makes a (username, address) pair known.
pub const KNOWN_PAIR_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A moment: the time since 1970.
pub type Stamp = Duration;

/// The failures counted under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub failures: u32,
    /// The last failure (or counted attempt).
    pub last: Stamp,
}

/// The thresholds of one counter.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub free: u32,
    pub base: Duration,
    pub max: Duration,
    pub window: Duration,
}

impl Policy {
    /// How long an attempt must still wait, given `count`.
    pub fn wait(&self, count: Option<&Count>, now: Stamp) -> Duration {
        match count {
            Some(count) if self.live(count, now) && count.failures >= self.free => {
                let doublings = (count.failures - self.free).min(31);
                let delay = self.base.saturating_mul(1 << doublings).min(self.max);
                (count.last + delay).saturating_sub(now)
            }
            _ => Duration::ZERO,
        }
    }

    /// Whether `count` is still remembered.
    pub fn live(&self, count: &Count, now: Stamp) -> bool {
        now.saturating_sub(count.last) < self.window
    }
}

/// The three counters, in this order: (username, address), address, username.
const KINDS: [&str; 3] = ["pair", "address", "username"];

/// The keys of one attempt under each counter.
#[derive(Debug, Clone)]
pub struct Keys([String; 3]);

impl Keys {
    pub fn new(user_key: &str, ip: Option<IpAddr>) -> Keys {
        let address = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        Keys([
            format!("{user_key} {address}"),
            address,
            user_key.to_owned(),
        ])
    }

    pub fn user(&self) -> &str {
        &self.0[2]
    }

    pub fn address(&self) -> &str {
        &self.0[1]
    }
}

/// What [`reserve`] counted, to be kept (a failure) or given back.
#[derive(Debug)]
pub struct Reservation {
    pub keys: Keys,
    /// Whether the shared counters were counted too (not for known pairs).
    pub shared: bool,
    pub at: Stamp,
    /// The counts before, to restore `last` if nothing else counted since.
    pub before: [Option<Count>; 3],
}

/// `count` with one more failure at `now` (a forgotten count starts again).
fn counted(count: Option<Count>, policy: &Policy, now: Stamp) -> Count {
    let mut count = count.unwrap_or(Count {
        failures: 0,
        last: now,
    });
    if !policy.live(&count, now) {
        count.failures = 0;
    }
    count.failures = count.failures.saturating_add(1);
    count.last = count.last.max(now);
    count
}

/// `count` with the failure counted at `at` given back, restoring `before`'s
/// time if no other attempt was counted since; `None` when none is left.
fn given_back(count: Option<Count>, at: Stamp, before: Option<Count>) -> Option<Count> {
    let mut count = count?;
    count.failures = count.failures.saturating_sub(1);
    if count.last == at {
        if let Some(before) = before {
            count.last = before.last;
        }
    }
    (count.failures > 0).then_some(count)
}

fn millis(stamp: Stamp) -> i64 {
    i64::try_from(stamp.as_millis()).unwrap_or(i64::MAX)
}

fn stamp(millis: i64) -> Stamp {
    Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

async fn load(conn: &mut AnyConnection, kind: &str, key: &str) -> Result<Option<Count>, AppError> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT failures, last_ms FROM sign_in_counts WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
            .map_err(AppError::from_db)?;
    Ok(row.map(|(failures, last)| Count {
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        last: stamp(last),
    }))
}

async fn store(
    conn: &mut AnyConnection,
    kind: &str,
    key: &str,
    count: Option<Count>,
) -> Result<(), AppError> {
    let query = match count {
        Some(count) => sqlx::query(
            "INSERT INTO sign_in_counts (kind, key, failures, last_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, key) DO UPDATE SET failures = excluded.failures, \
             last_ms = excluded.last_ms",
        )
        .bind(kind)
        .bind(key)
        .bind(i64::from(count.failures))
        .bind(millis(count.last)),
        None => sqlx::query("DELETE FROM sign_in_counts WHERE kind = $1 AND key = $2")
            .bind(kind)
            .bind(key),
    };
    query.execute(&mut *conn).await.map_err(AppError::from_db)?;
    Ok(())
}

/// Checks the throttle and, in the same transaction, counts the attempt as
/// a failure: `Err(RateLimited)` if it must wait. `policies` in [`KINDS`]'
/// order.
pub async fn reserve(
    db: &AnyPool,
    policies: &[Policy; 3],
    keys: Keys,
    now: Stamp,
) -> Result<Reservation, AppError> {
    let mut tx = crate::txn::begin_locked(db, THROTTLE_LOCK_KEY).await?;
    let longest = policies.iter().map(|p| p.window).max().unwrap_or_default();
    sqlx::query("DELETE FROM sign_in_counts WHERE last_ms < $1")
        .bind(millis(now.saturating_sub(longest)))
        .execute(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    sqlx::query("DELETE FROM sign_in_known WHERE at_ms < $1")
        .bind(millis(now.saturating_sub(KNOWN_PAIR_FOR)))
        .execute(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    // Known pairs are left out of the shared counters.
    let known: Option<i64> = sqlx::query_scalar("SELECT at_ms FROM sign_in_known WHERE key = $1")
        .bind(&keys.0[0])
        .fetch_optional(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    let shared = known.is_none_or(|at| now.saturating_sub(stamp(at)) >= KNOWN_PAIR_FOR);
    let mut before = [None; 3];
    let mut wait = Duration::ZERO;
    for i in 0..3 {
        if i == 0 || shared {
            before[i] = load(&mut tx, KINDS[i], &keys.0[i]).await?;
            wait = wait.max(policies[i].wait(before[i].as_ref(), now));
        }
    }
    if !wait.is_zero() {
        return Err(AppError::RateLimited {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        });
    }
    for i in 0..3 {
        if i == 0 || shared {
            let count = counted(before[i], &policies[i], now);
            store(&mut tx, KINDS[i], &keys.0[i], Some(count)).await?;
        }
    }
    tx.commit().await.map_err(AppError::from_db)?;
    Ok(Reservation {
        keys,
        shared,
        at: now,
        before,
    })
}

/// The attempt failed: it stays counted, as of `now`. A counter reaching
/// its threshold is logged (a warning): from there on it slows down.
pub async fn failed(
    db: &AnyPool,
    policies: &[Policy; 3],
    reservation: &Reservation,
    now: Stamp,
) -> Result<(), AppError> {
    const WHAT: [&str; 3] = ["username and address", "address", "username"];
    let mut tx = crate::txn::begin_locked(db, THROTTLE_LOCK_KEY).await?;
    for i in 0..3 {
        if i > 0 && !reservation.shared {
            continue;
        }
        let key = &reservation.keys.0[i];
        if let Some(mut count) = load(&mut tx, KINDS[i], key).await? {
            count.last = count.last.max(now);
            if count.failures == policies[i].free {
                tracing::warn!(
                    username = %reservation.keys.user(),
                    address = %reservation.keys.address(),
                    failures = count.failures,
                    "sign-in failures: slowing down this {}", WHAT[i]
                );
            }
            store(&mut tx, KINDS[i], key, Some(count)).await?;
        }
    }
    tx.commit().await.map_err(AppError::from_db)
}

/// The attempt did not fail (`signed_in`: the password was right, or no
/// password was checked): gives its counts back; a sign-in also clears the
/// pair and makes it known.
pub async fn give_back(
    db: &AnyPool,
    reservation: &Reservation,
    signed_in: bool,
    now: Stamp,
) -> Result<(), AppError> {
    let mut tx = crate::txn::begin_locked(db, THROTTLE_LOCK_KEY).await?;
    let Reservation {
        keys,
        shared,
        at,
        before,
    } = reservation;
    for i in 0..3 {
        if i > 0 && !shared {
            continue;
        }
        let after = if i == 0 && signed_in {
            None
        } else {
            given_back(load(&mut tx, KINDS[i], &keys.0[i]).await?, *at, before[i])
        };
        store(&mut tx, KINDS[i], &keys.0[i], after).await?;
    }
    if signed_in {
        sqlx::query(
            "INSERT INTO sign_in_known (key, at_ms) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET at_ms = excluded.at_ms",
        )
        .bind(&keys.0[0])
        .bind(millis(now))
        .execute(&mut *tx)
        .await
        .map_err(AppError::from_db)?;
    }
    tx.commit().await.map_err(AppError::from_db)
}

/// The rows the throttle holds (tests: what bounds them).
#[doc(hidden)]
pub async fn entries(db: &AnyPool) -> Result<i64, AppError> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_counts")
        .fetch_one(db)
        .await
        .map_err(AppError::from_db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Auth, AuthConfig};

    /// An attacker spraying usernames from many addresses: the throttled
    /// pair stays throttled throughout, and what bounds the rows is time:
    /// an hour later, the spray's counts are gone.
    #[tokio::test]
    async fn the_counts_are_bounded_by_time_under_a_spray() {
        let tmp = tempfile::tempdir().unwrap();
        let db = crate::open_test_db(tmp.path()).await.unwrap();
        let policies = Auth::new(AuthConfig::default()).policies();
        let now = Duration::from_secs(1_800_000_000);
        let attacker = Some(IpAddr::from([203, 0, 113, 9]));
        let zhao = || Keys::new("zhao", attacker);
        for _ in 0..5 {
            reserve(&db, &policies, zhao(), now)
                .await
                .expect("a free attempt");
        }
        assert!(
            reserve(&db, &policies, zhao(), now).await.is_err(),
            "throttled"
        );
        for i in 0..300u32 {
            let ip = Some(IpAddr::from((0x0a00_0000 + i).to_be_bytes()));
            let at = now + Duration::from_millis(u64::from(i));
            let _ = reserve(&db, &policies, Keys::new(&format!("user{i}"), ip), at).await;
        }
        assert_eq!(entries(&db).await.unwrap(), 3 + 3 * 300);
        let at = now + Duration::from_millis(500);
        assert!(
            reserve(&db, &policies, zhao(), at).await.is_err(),
            "the throttled pair is still throttled"
        );
        let later = now + Duration::from_secs(2 * 60 * 60);
        reserve(&db, &policies, Keys::new("li", attacker), later)
            .await
            .unwrap();
        assert_eq!(
            entries(&db).await.unwrap(),
            3,
            "only the newest attempt's counts"
        );
    }
}
