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
