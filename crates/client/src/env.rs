//! What the engine may not read by itself: the device's clock and
//! randomness. In the browser they are `Date.now()` and
//! `crypto.getRandomValues`; in tests, a clock the test sets and a
//! predictable sequence, so every run stamps the same way.

use std::rc::Rc;

/// The device's clock and a source of random bytes.
pub trait Env {
    /// The device's own wall clock, in milliseconds since the Unix epoch.
    /// It may be hours wrong: the engine corrects it by the server's time
    /// (see [`crate::Engine::now_ms`]).
    fn wall_ms(&self) -> i64;

    /// Fills `bytes` with unpredictable bytes: operation ids, entry ids,
    /// complaint ids and the device's id are made from them.
    fn fill_random(&self, bytes: &mut [u8]);
}

impl<T: Env + ?Sized> Env for &T {
    fn wall_ms(&self) -> i64 {
        (**self).wall_ms()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        (**self).fill_random(bytes)
    }
}

impl<T: Env + ?Sized> Env for Rc<T> {
    fn wall_ms(&self) -> i64 {
        (**self).wall_ms()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        (**self).fill_random(bytes)
    }
}
