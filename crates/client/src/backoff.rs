//! How long to wait after a failed sync: exponential, capped, jittered.
//!
//! Kept apart from any timer so that it is a plain value the app's
//! scheduler holds and the tests drive. The jitter is drawn by the caller
//! (this crate draws no random numbers): a hundred tablets coming back
//! online together then do not retry in lockstep.

use std::time::Duration;

/// Consecutive sync failures, and the delay they call for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The delay after the first failure (before jitter).
    pub const FIRST: Duration = Duration::from_secs(2);
    /// The longest delay (before jitter): a server down for an hour is
    /// retried every few minutes, not once an hour.
    pub const MAX: Duration = Duration::from_secs(5 * 60);

    pub fn new() -> Backoff {
        Backoff::default()
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts a failure and returns the delay before the next try:
    /// [`Self::FIRST`] × 2^(failures − 1), at most [`Self::MAX`], times
    /// `jitter`, a factor in [0.5, 1.5) (clamped to that range; in the
    /// browser `0.5 + Math.random()`).
    pub fn failed(&mut self, jitter: f64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        // 2^20 × 2 s is far past the cap: no overflow, same answer.
        let doublings = self.failures.min(20) - 1;
        let base = (Self::FIRST * (1u32 << doublings)).min(Self::MAX);
        let jitter = if jitter.is_nan() {
            1.0
        } else {
            jitter.clamp(0.5, 1.5)
        };
        base.mul_f64(jitter)
    }

    /// A sync succeeded: the next failure starts again from [`Self::FIRST`].
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }
}
