//! Finding complaints in the list: free-text search and filters, and the
//! list's order. Pure functions so the server can answer the same query the
//! same way when it needs to.

use serde::{Deserialize, Serialize};

use crate::model::{Category, Channel, Complaint, Status};
use crate::phone;

/// What the user asked the list for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Words to look for in the case number, customer name, phone, VIN,
    /// plate and content; every word must appear somewhere. Latin letters
    /// match in either case (Chinese has none; full Unicode case tables would
    /// cost the app's download).
    pub text: String,
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
}

impl ListQuery {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
            && self.status.is_none()
            && self.category.is_none()
            && self.channel.is_none()
    }

    /// Whether a complaint belongs in the list for this query.
    pub fn matches(&self, c: &Complaint) -> bool {
        if self.status.is_some_and(|s| s != c.status)
            || self.category.is_some_and(|k| k != c.category)
            || self.channel.is_some_and(|ch| ch != c.channel)
        {
            return false;
        }
        let haystacks = [
            &c.case_number,
            &c.customer_name,
            &c.vin,
            &c.plate,
            &c.content,
            &c.phone,
        ];
        let phone_digits = phone::search_key(&c.phone);
        self.text.split_whitespace().all(|word| {
            let word = word.to_ascii_lowercase();
            let digits = phone::search_key(&word);
            haystacks
                .iter()
                .any(|h| h.to_ascii_lowercase().contains(&word))
                || (digits.len() >= 3
                    && digits.len() == word.chars().filter(|ch| !matches!(ch, '-' | ' ')).count()
                    && phone_digits.contains(&digits))
        })
    }
}

/// Sorts newest first: by when the complaint was received, then by when it
/// was recorded, then by case number, so the order is the same on every device.
pub fn sort_newest_first(list: &mut [Complaint]) {
    crate::sort::sort_by(list, newest_first);
}

/// The order of [`sort_newest_first`].
fn newest_first(a: &Complaint, b: &Complaint) -> std::cmp::Ordering {
    b.received_at
        .cmp(&a.received_at)
        .then(b.created_at.cmp(&a.created_at))
        .then(b.case_number.cmp(&a.case_number))
}

/// Where in `all` the complaints matching `query` are, newest first: what a
/// list shows without a copy of the complaints (a regional manager's
/// 100,000 are ~100 MB each time).
pub fn matching_positions(all: &[Complaint], query: &ListQuery) -> Vec<usize> {
    let mut out: Vec<usize> = (0..all.len()).filter(|&i| query.matches(&all[i])).collect();
    crate::sort::sort_by(&mut out, |&a, &b| newest_first(&all[a], &all[b]));
    out
}

/// A plate as compared: upper case, without spaces, dots or middle dots
/// (`京A·12345`, `京a 12345` and `京A12345` are one plate).
pub fn plate_key(plate: &str) -> String {
    plate
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '.' | '•' | '-' | '・'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The other complaints about the same vehicle — the same 17-character VIN,
/// or the same plate (at least 5 characters) — open ones first, then newest
/// first. `except` is the complaint being looked at (its id), if any.
/// Repeat complaints are the strongest warning sign in the sources.
pub fn same_vehicle<'a>(
    all: &'a [Complaint],
    vin: &str,
    plate: &str,
    except: &str,
) -> Vec<&'a Complaint> {
    let vin = crate::vin::normalize(vin);
    let vin = (vin.chars().count() == 17).then_some(vin);
    let plate = plate_key(plate);
    let plate = (plate.chars().count() >= 5).then_some(plate);
    if vin.is_none() && plate.is_none() {
        return Vec::new();
    }
    let mut found: Vec<&Complaint> = all
        .iter()
        .filter(|c| c.id != except)
        .filter(|c| {
            vin.as_deref().is_some_and(|v| c.vin == v)
                || plate.as_deref().is_some_and(|p| plate_key(&c.plate) == p)
        })
        .collect();
    crate::sort::sort_by(&mut found, |a, b| {
        (a.status == Status::Closed, b.received_at)
            .cmp(&(b.status == Status::Closed, a.received_at))
    });
    found
}
