//! Human-readable case numbers (表编号) made offline, on any device, without
//! asking anyone.
//!
//! Shape: `BRANCH-YYYYMMDD-DEVICE-SEQ`, e.g. `BJ01-20261123-7KQ2MZ-0003`.
//! - `BRANCH` is the owning branch's code, so a number says where it belongs;
//! - `YYYYMMDD` is the day the complaint was received, in the device's time zone;
//! - `DEVICE` is six Crockford base-32 characters taken from the device's
//!   random 128-bit id (30 bits): two devices collide only if these 30 bits
//!   match (for 50 devices in a branch, about one chance in a million) *and*
//!   they issue the same sequence number on the same day;
//! - `SEQ` counts this device's complaints that day, from 1, kept in the
//!   device's own storage (an IndexedDB transaction makes it atomic across tabs).
//!
//! The complaint's identity is its UUID, not this number; the number is for
//! people to quote on the phone. Crockford's alphabet leaves out I, L, O and U
//! so it reads back unambiguously.

use chrono::NaiveDate;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The device part of a case number: the first 30 bits of the device id as
/// six Crockford base-32 characters.
pub fn device_tag(device_id: &uuid::Uuid) -> String {
    let bits = u32::from_be_bytes(device_id.as_bytes()[..4].try_into().unwrap_or([0; 4])) >> 2;
    (0..6)
        .rev()
        .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The case number for a branch, a day, a device tag and a sequence number.
pub fn format(branch_code: &str, day: NaiveDate, device_tag: &str, seq: u32) -> String {
    format!(
        "{}-{}-{}-{:04}",
        branch_code,
        crate::timefmt::date_compact(day),
        device_tag,
        seq
    )
}

/// The parts of a case number made by [`format`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNumber {
    pub branch_code: String,
    pub day: NaiveDate,
    pub device_tag: String,
    pub seq: u32,
}

/// Reads a case number made by [`format`].
pub fn parse(text: &str) -> Option<CaseNumber> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mut parts = text.rsplitn(4, '-');
    let seq = parts.next().filter(|s| digits(s))?.parse().ok()?;
    let device_tag = parts.next()?.to_string();
    // Exactly eight digits: chrono alone would read `2026112` as 2026-11-02.
    let day = parts.next().filter(|s| s.len() == 8 && digits(s))?;
    let day = crate::timefmt::parse_date_compact(day)?;
    let branch_code = parts.next()?.to_string();
    let valid_tag = device_tag.len() == 6 && device_tag.bytes().all(|b| CROCKFORD.contains(&b));
    (valid_tag && !branch_code.is_empty()).then_some(CaseNumber {
        branch_code,
        day,
        device_tag,
        seq,
    })
}
