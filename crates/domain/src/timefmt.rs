//! The few date and time texts the app reads and writes, done by hand.
//!
//! chrono's general `format`/`parse_from_str` machinery costs ~28 KB of wasm;
//! these fixed shapes need a few hundred bytes. Dates are as `<input
//! type="date">` gives them (`2026-11-23`), date-times as
//! `<input type="datetime-local">` does (`2026-11-23T09:30`, seconds optional).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// `2026-11-23`
pub fn date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `20261123`
pub fn date_compact(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-23T09:30` (the value of a `datetime-local` input)
pub fn input_datetime(t: NaiveDateTime) -> String {
    format!("{}T{:02}:{:02}", date(t.date()), t.hour(), t.minute())
}

/// `2026-11-23 09:30`
pub fn date_time(t: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}", date(t.date()), t.hour(), t.minute())
}

/// `2026-11-23 09:30:05`
pub fn date_time_seconds(t: NaiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `09:30:05`
pub fn time_seconds(t: NaiveDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn number(text: &str, min_digits: usize, max_digits: usize) -> Option<u32> {
    let ok =
        (min_digits..=max_digits).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// Reads `2026-11-23` (month and day may have one digit).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(number(y, 4, 4)? as i32, number(m, 1, 2)?, number(d, 1, 2)?)
}

/// Reads `20261123`.
pub fn parse_date_compact(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.is_char_boundary(4) || !text.is_char_boundary(6) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        number(&text[..4], 4, 4)? as i32,
        number(&text[4..6], 2, 2)?,
        number(&text[6..], 2, 2)?,
    )
}

/// Reads `2026-11-23T09:30`, `2026-11-23T09:30:05` or the same with a space.
pub fn parse_input_datetime(text: &str) -> Option<NaiveDateTime> {
    let (day, time) = text.split_once(['T', ' '])?;
    let mut parts = time.split(':');
    let (h, m) = (number(parts.next()?, 1, 2)?, number(parts.next()?, 2, 2)?);
    let s = match parts.next() {
        Some(s) => number(s, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(parse_date(day)?.and_time(NaiveTime::from_hms_opt(h, m, s)?))
}

/// Serde for UTC timestamps as RFC 3339 text (`2026-11-23T01:30:00Z`, with a
/// fraction when there is one), read and written by hand: chrono's general
/// parser costs the app several KB of wasm for this one shape. Reads what
/// chrono writes, and offsets other than `Z` (`+08:00`).
pub mod rfc3339 {
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{date, number};

    /// `2026-11-23T01:30:00Z`, or `…00.250Z` with a fraction.
    pub fn format(t: &DateTime<Utc>) -> String {
        let n = t.naive_utc();
        let nanos = n.nanosecond() % 1_000_000_000;
        let fraction = match nanos {
            0 => String::new(),
            n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
            n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
            n => format!(".{n:09}"),
        };
        format!(
            "{}T{:02}:{:02}:{:02}{fraction}Z",
            date(n.date()),
            n.hour(),
            n.minute(),
            n.second()
        )
    }

    /// Reads RFC 3339 text.
    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        let (day, rest) = text.split_once(['T', 't', ' '])?;
        let day: NaiveDate = super::parse_date(day)?;
        let (clock, offset_secs) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
            (clock, 0)
        } else {
            let at = rest.rfind(['+', '-'])?;
            let (clock, offset) = rest.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (h, m) = offset[1..].split_once(':')?;
            (
                clock,
                sign * (number(h, 2, 2)? as i32 * 3600 + number(m, 2, 2)? as i32 * 60),
            )
        };
        let (hms, fraction) = match clock.split_once('.') {
            Some((hms, f)) => (hms, f),
            None => (clock, ""),
        };
        let mut parts = hms.split(':');
        let (h, m, s) = (
            number(parts.next()?, 2, 2)?,
            number(parts.next()?, 2, 2)?,
            number(parts.next()?, 2, 2)?,
        );
        if parts.next().is_some()
            || fraction.len() > 9
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let nanos = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<9}").parse().ok()?
        };
        let local = day.and_time(NaiveTime::from_hms_nano_opt(h, m, s, nanos)?);
        let offset = FixedOffset::east_opt(offset_secs)?;
        offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: \"{text}\"")))
    }
}

/// Serde for an optional calendar date as `2026-11-23` (or `null`), by hand
/// for the same reason as [`rfc3339`].
pub mod opt_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            Some(text) => super::parse_date(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a date: \"{text}\""))),
            None => Ok(None),
        }
    }
}
