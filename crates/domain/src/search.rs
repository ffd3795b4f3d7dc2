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
    /// plate and content; every word must appear somewhere.
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
            let word = word.to_lowercase();
            let digits = phone::search_key(&word);
            haystacks.iter().any(|h| h.to_lowercase().contains(&word))
                || (digits.len() >= 3
                    && digits.len() == word.chars().filter(|ch| !matches!(ch, '-' | ' ')).count()
                    && phone_digits.contains(&digits))
        })
    }
}

/// Sorts newest first: by when the complaint was received, then by when it
/// was recorded, then by case number, so the order is the same on every device.
pub fn sort_newest_first(list: &mut [Complaint]) {
    list.sort_by(|a, b| {
        b.received_at
            .cmp(&a.received_at)
            .then(b.created_at.cmp(&a.created_at))
            .then(b.case_number.cmp(&a.case_number))
    });
}

/// The complaints matching `query`, newest first.
pub fn filter_and_sort(all: &[Complaint], query: &ListQuery) -> Vec<Complaint> {
    let mut out: Vec<Complaint> = all.iter().filter(|c| query.matches(c)).cloned().collect();
    sort_newest_first(&mut out);
    out
}
