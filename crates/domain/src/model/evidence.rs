//! Evidence taken at the roadside: photos, the customer's signature on the
//! agreed solution, and the place of a visit — as plain data, with the
//! bounds each keeps.
//!
//! Each piece syncs as its own key of the complaint, like a timeline entry:
//!
//! - `ph.<id>` → [`Photo`]: what the photo is (its SHA-256, size, type, a
//!   small thumbnail to list it with, a caption, who took it, when). The
//!   image itself travels separately (a chunked upload to the server, a
//!   download on demand), so a slow photo never holds back a field's sync.
//!   The caption may change; deleting sets [`Photo::deleted`] (a tombstone
//!   with who and when) and is final: a deleted photo stays deleted whatever
//!   concurrent caption edit arrives.
//! - `sig.<id>` → [`Signature`]: strokes, the text signed, the signer and the
//!   witness; set once, never changed. The newest supersedes the older ones,
//!   which stay in the history.
//! - `loc.<id>` → [`Position`]: latitude, longitude, accuracy and time, taken
//!   only when the user asks; set once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The key prefix of a photo: `ph.<photo id>`.
pub const PHOTO_PREFIX: &str = "ph.";
/// The key prefix of a signature: `sig.<signature id>`.
pub const SIGNATURE_PREFIX: &str = "sig.";
/// The key prefix of a recorded position: `loc.<position id>`.
pub const POSITION_PREFIX: &str = "loc.";

/// The largest photo, in bytes, after compression on the device (a
/// 1600-pixel JPEG at quality 0.8 is 200–700 KB).
pub const MAX_PHOTO_BYTES: u32 = 3 * 1024 * 1024;
/// The longest edge of a photo as the device stores and uploads it.
pub const MAX_PHOTO_EDGE: u32 = 1600;
/// The longest edge of a photo's thumbnail.
pub const THUMB_EDGE: u32 = 160;
/// The most photos a complaint holds (deleted ones do not count).
pub const MAX_PHOTOS: usize = 30;
/// The longest thumbnail, as a `data:` URL.
pub const MAX_THUMB_CHARS: usize = 9_000;
/// The longest caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 200;
/// One upload chunk: a cut connection loses at most this much.
pub const CHUNK_BYTES: u32 = 256 * 1024;

/// The most strokes in one signature.
pub const MAX_STROKES: usize = 200;
/// The most points in one signature, all strokes together.
pub const MAX_POINTS: usize = 12_000;
/// The longest text a signature is given under, in characters (the form's
/// long texts stop at 4,000).
pub const MAX_SIGNED_TEXT_CHARS: usize = 4_000;
/// Signature coordinates run from 0 to this, on both axes of the pad.
pub const PAD_UNITS: u16 = 1000;

/// The image types a photo may have (checked on the encoded blob: some
/// browsers quietly return PNG when asked for JPEG).
pub const PHOTO_TYPES: &[&str] = &["image/jpeg", "image/webp"];

/// Who deleted a photo, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deletion {
    pub by: String,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
}

/// A photo on a complaint: everything but the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// Unique id (the sync key is `ph.<id>`; same form as an entry id).
    pub id: String,
    /// SHA-256 of the image file, lower-case hex: its name on the server.
    pub sha256: String,
    /// The image file's size in bytes.
    pub bytes: u32,
    /// `image/jpeg` or `image/webp`.
    pub mime: String,
    pub width: u32,
    pub height: u32,
    /// A small JPEG as a `data:image/jpeg;base64,…` URL, so every tablet can
    /// list the photo at once, offline, before it downloads the image.
    pub thumb: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caption: String,
    /// Who took it (the signed-in user's name).
    pub by: String,
    /// The device it was taken on.
    pub dev: String,
    /// When it was added.
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Deletion>,
}

/// The customer's signature under a text (the agreed solution).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Unique id (the sync key is `sig.<id>`).
    pub id: String,
    /// The strokes, each `x,y,p x,y,p …`: coordinates 0–[`PAD_UNITS`] on
    /// a pad of the given aspect, pressure 0–100 (50 where the device gives none).
    pub strokes: Vec<String>,
    /// The pad's width and height, for the aspect (any unit).
    pub aspect: (u16, u16),
    /// What the customer signed: the agreed solution as shown to them.
    pub text: String,
    /// The customer's name as signed for.
    pub signer: String,
    /// Who witnessed it (the signed-in user's name).
    pub by: String,
    pub dev: String,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
}

/// A place, as the device's location service gave it when the user asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Unique id (the sync key is `loc.<id>`).
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    /// The radius of uncertainty, in metres.
    pub accuracy_m: f64,
    /// When the device took the fix.
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
    pub by: String,
    pub dev: String,
}

/// Whether `text` is a SHA-256 in lower-case hex.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `url` is a thumbnail this app makes: a JPEG or WebP `data:` URL
/// in base64, at most [`MAX_THUMB_CHARS`].
pub fn is_thumbnail(url: &str) -> bool {
    let body = url
        .strip_prefix("data:image/jpeg;base64,")
        .or_else(|| url.strip_prefix("data:image/webp;base64,"));
    url.len() <= MAX_THUMB_CHARS
        && body.is_some_and(|b| {
            !b.is_empty()
                && b.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        })
}

fn names_ok(by: &str, dev: &str) -> Result<(), String> {
    if by.trim().is_empty() || by.chars().count() > 50 {
        return Err("`by` names who did it (1 to 50 characters)".into());
    }
    if dev.is_empty() || dev.len() > 200 {
        return Err("`dev` names the device (1 to 200 bytes)".into());
    }
    Ok(())
}

impl Photo {
    /// The first rule this photo breaks, in English (the server's detail).
    pub fn check(&self) -> Result<(), String> {
        if !super::is_entry_id(&self.id) {
            return Err("a photo id is 1 to 40 lower-case letters, digits or '-'".into());
        }
        if !is_sha256_hex(&self.sha256) {
            return Err("`sha256` is 64 lower-case hex digits".into());
        }
        if self.bytes == 0 || self.bytes > MAX_PHOTO_BYTES {
            return Err(format!("a photo is 1 to {MAX_PHOTO_BYTES} bytes"));
        }
        if !PHOTO_TYPES.contains(&self.mime.as_str()) {
            return Err("a photo is image/jpeg or image/webp".into());
        }
        if !(1..=MAX_PHOTO_EDGE).contains(&self.width)
            || !(1..=MAX_PHOTO_EDGE).contains(&self.height)
        {
            return Err(format!("a photo's edges are 1 to {MAX_PHOTO_EDGE} pixels"));
        }
        if !is_thumbnail(&self.thumb) {
            return Err(format!(
                "the thumbnail is a JPEG or WebP data: URL of at most {MAX_THUMB_CHARS} characters"
            ));
        }
        if self.caption.chars().count() > MAX_CAPTION_CHARS {
            return Err(format!(
                "a caption is at most {MAX_CAPTION_CHARS} characters"
            ));
        }
        names_ok(&self.by, &self.dev)?;
        if let Some(d) = &self.deleted {
            if d.by.trim().is_empty() || d.by.chars().count() > 50 {
                return Err("a deletion names who deleted it (1 to 50 characters)".into());
            }
        }
        Ok(())
    }

    /// Whether `next` is an allowed change of this photo: the caption, or a
    /// deletion; nothing else, and a deletion is never taken back.
    pub fn check_change(&self, next: &Photo) -> Result<(), String> {
        let same = Photo {
            caption: next.caption.clone(),
            deleted: next.deleted.clone(),
            ..self.clone()
        };
        if &same != next {
            return Err("only a photo's caption changes, or it is deleted".into());
        }
        if self.deleted.is_some() && next.deleted != self.deleted {
            return Err("a deleted photo stays deleted".into());
        }
        Ok(())
    }
}

impl Signature {
    /// The first rule this signature breaks, in English.
    pub fn check(&self) -> Result<(), String> {
        if !super::is_entry_id(&self.id) {
            return Err("a signature id is 1 to 40 lower-case letters, digits or '-'".into());
        }
        if self.strokes.is_empty() || self.strokes.len() > MAX_STROKES {
            return Err(format!("a signature has 1 to {MAX_STROKES} strokes"));
        }
        let mut points = 0;
        for stroke in &self.strokes {
            let n = stroke_points(stroke)
                .ok_or("a stroke is `x,y,p` points, 0 to 1000, pressure 0 to 100")?;
            points += n.len();
        }
        if points > MAX_POINTS {
            return Err(format!("a signature has at most {MAX_POINTS} points"));
        }
        if self.aspect.0 == 0 || self.aspect.1 == 0 {
            return Err("the pad's aspect is two positive numbers".into());
        }
        if self.text.trim().is_empty() || self.text.chars().count() > MAX_SIGNED_TEXT_CHARS {
            return Err(format!(
                "a signature is given under a text of 1 to {MAX_SIGNED_TEXT_CHARS} characters"
            ));
        }
        if self.signer.trim().is_empty() || self.signer.chars().count() > 50 {
            return Err("the signer's name is 1 to 50 characters".into());
        }
        names_ok(&self.by, &self.dev)
    }
}

/// The points of a stroke, `None` when it is not well formed.
pub fn stroke_points(stroke: &str) -> Option<Vec<(u16, u16, u8)>> {
    let mut out = Vec::new();
    for point in stroke.split_ascii_whitespace() {
        let mut parts = point.split(',');
        let x: u16 = parts.next()?.parse().ok()?;
        let y: u16 = parts.next()?.parse().ok()?;
        let p: u8 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || x > PAD_UNITS || y > PAD_UNITS || p > 100 {
            return None;
        }
        out.push((x, y, p));
    }
    (!out.is_empty()).then_some(out)
}

/// A stroke as text, from its points.
pub fn stroke_text(points: &[(u16, u16, u8)]) -> String {
    let mut out = String::with_capacity(points.len() * 12);
    for (i, (x, y, p)) in points.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{x},{y},{p}"));
    }
    out
}

impl Position {
    /// The first rule this position breaks, in English.
    pub fn check(&self) -> Result<(), String> {
        if !super::is_entry_id(&self.id) {
            return Err("a position id is 1 to 40 lower-case letters, digits or '-'".into());
        }
        if !(self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat)) {
            return Err("latitude is -90 to 90".into());
        }
        if !(self.lon.is_finite() && (-180.0..=180.0).contains(&self.lon)) {
            return Err("longitude is -180 to 180".into());
        }
        if !(self.accuracy_m.is_finite() && (0.0..=1_000_000.0).contains(&self.accuracy_m)) {
            return Err("accuracy is 0 to 1,000,000 metres".into());
        }
        names_ok(&self.by, &self.dev)
    }

    /// `31.23040, 121.47370` (five decimals: about a metre).
    pub fn coordinates(&self) -> String {
        format!("{}, {}", fixed(self.lat, 5), fixed(self.lon, 5))
    }

    /// A `geo:` address that opens the tablet's maps app at this place.
    pub fn geo_uri(&self) -> String {
        let (lat, lon) = (fixed(self.lat, 6), fixed(self.lon, 6));
        format!("geo:{lat},{lon}?q={lat},{lon}")
    }

    /// The accuracy in whole metres.
    pub fn accuracy_metres(&self) -> u64 {
        self.accuracy_m.round().max(0.0) as u64
    }
}

/// `value` with `decimals` digits after the point, rounded — by integer
/// arithmetic (Rust's float formatting would add ~14 KB to the app).
pub fn fixed(value: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let scaled = (value.abs() * scale as f64).round() as u64;
    let sign = if value < 0.0 && scaled > 0 { "-" } else { "" };
    if decimals == 0 {
        return format!("{sign}{scaled}");
    }
    format!(
        "{sign}{}.{:0width$}",
        scaled / scale,
        scaled % scale,
        width = decimals as usize
    )
}

/// The photos still shown (not deleted), oldest first.
pub fn live_photos(photos: &[Photo]) -> impl Iterator<Item = &Photo> {
    photos.iter().filter(|p| p.deleted.is_none())
}

/// The signature that stands: the newest (by time, then id).
pub fn current_signature(signatures: &[Signature]) -> Option<&Signature> {
    signatures
        .iter()
        .max_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)))
}
