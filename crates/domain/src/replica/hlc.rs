//! Hybrid logical clocks: a stamp that follows the wall clock when it can and
//! never goes backwards, so that an edit made after seeing another edit always
//! carries a greater stamp — even when the two tablets' clocks disagree.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A hybrid logical clock stamp: milliseconds since the Unix epoch, and a
/// counter that orders stamps within one millisecond.
/// On the wire it is the text `"<wall_ms>-<counter>"` (exact in any JSON reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
}

impl Hlc {
    pub const fn new(wall_ms: u64, counter: u32) -> Hlc {
        Hlc { wall_ms, counter }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.wall_ms, self.counter)
    }
}

impl FromStr for Hlc {
    type Err = String;
    fn from_str(s: &str) -> Result<Hlc, String> {
        let (wall, counter) = s
            .split_once('-')
            .ok_or_else(|| format!("not an HLC stamp: \"{s}\""))?;
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| format!("bad HLC time: \"{s}\""))?,
            counter: counter
                .parse()
                .map_err(|_| format!("bad HLC counter: \"{s}\""))?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hlc, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A device's clock: the last stamp it issued or saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    pub fn new(last: Hlc) -> HlcClock {
        HlcClock { last }
    }

    /// The last stamp issued or seen (persist it to continue after a restart).
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new stamp for a local event at physical time `now_ms`: greater than
    /// every stamp issued or seen before.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.wall_ms {
            Hlc::new(now_ms, 0)
        } else {
            bump(self.last)
        };
        self.last
    }

    /// Takes in a stamp seen on a received change, so that the next local
    /// stamp is greater than it.
    pub fn observe(&mut self, seen: Hlc, now_ms: u64) {
        let wall = self.last.wall_ms.max(seen.wall_ms).max(now_ms);
        let counter = match (wall == self.last.wall_ms, wall == seen.wall_ms) {
            (true, true) => self.last.counter.max(seen.counter),
            (true, false) => self.last.counter,
            (false, true) => seen.counter,
            (false, false) => 0,
        };
        // Observing does not issue a stamp: the next tick will be greater.
        self.last = self.last.max(Hlc::new(wall, counter));
    }
}

impl HlcClock {
    /// Forgets stamps beyond `limit`: used when the server's time shows this
    /// device's clock ran ahead. Every stamp the server accepts is at most its
    /// time plus the protocol's `MAX_CLOCK_AHEAD_MS`, so with that as `limit`
    /// the clock stays ahead of every accepted stamp (monotonic where it
    /// matters) while new stamps stop being refused as "from the future".
    pub fn clamp(&mut self, limit: Hlc) {
        if self.last > limit {
            self.last = limit;
        }
    }
}

fn bump(h: Hlc) -> Hlc {
    match h.counter.checked_add(1) {
        Some(counter) => Hlc::new(h.wall_ms, counter),
        None => Hlc::new(h.wall_ms + 1, 0),
    }
}
