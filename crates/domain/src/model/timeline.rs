//! The timeline and the steps a complaint record is made of, as plain data.
//!
//! A complaint's handling is recorded as append-only [`Entry`]s, each saying
//! what happened, when it happened *on the device* (not when it synced), who
//! did it and on which device. Each entry syncs as its own key (`tl.<id>`),
//! set once and never changed, so entries made offline on different devices
//! all appear after sync, in the order [`sort_timeline`] gives, and none
//! overwrites another. The eight steps are ticks by step number, each its
//! own key too (`step.<n>`).
//!
//! The types live here, beside [`Complaint`](super::Complaint), because the
//! record holds them; the process that adds to them — which entries are
//! valid, escalation, closing, the major mark — is the `handling` module's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{labelled_enum, Status};

labelled_enum! {
    /// What a timeline entry records.
    pub enum EntryKind {
        /// The customer was contacted (starts the handling; the 2-hour rule).
        Contact = ("contact", "联系顾客", "Customer contacted"),
        Note = ("note", "备注", "Note"),
        /// The follow-up call asking for the customer's feedback (回访).
        Callback = ("callback", "回访", "Callback"),
        /// Handed up a level (branch → management → manufacturer).
        Escalation = ("escalation", "升级处理", "Escalation"),
        /// The agreed solution was carried out (starts the 3-day callback clock).
        Resolved = ("resolved", "问题已解决", "Resolved"),
        /// The status changed (closing, reopening, holding).
        Status = ("status", "状态变更", "Status change"),
        /// Marked as a major complaint (重大投诉).
        Major = ("major", "标记为重大投诉", "Marked as major"),
        /// The major-complaint mark was taken back.
        Unmajor = ("unmajor", "取消重大投诉标记", "Major mark removed"),
        /// The written report to the manufacturer (the 4-hour rule).
        Report = ("report", "书面报告厂方", "Written report to the manufacturer"),
        /// A standard answer was given to the customer (names the answer
        /// and its version; counted as the answer's use).
        Answer = ("answer", "采用标准答复", "Standard answer used"),
    }
}

labelled_enum! {
    /// How the customer was reached.
    pub enum ContactMethod {
        Phone = ("phone", "电话", "Phone"),
        Visit = ("visit", "当面/上门", "In person"),
        Message = ("message", "短信/微信", "Text message"),
        Email = ("email", "邮件", "E-mail"),
    }
}

labelled_enum! {
    /// Who handles the complaint: the escalation levels, lowest first.
    #[derive(Default)]
    pub enum Level {
        #[default]
        Branch = ("branch", "维修站", "Branch"),
        Management = ("management", "经销商管理层", "Branch management"),
        Manufacturer = ("manufacturer", "厂方区域经理", "Manufacturer's regional manager"),
    }
}

/// Who acts: the person's name and this device's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub device: String,
}

/// A ticked step: who ticked it, when, on which device. Unknown fields are
/// refused: nothing a device sends is stored without being understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tick {
    pub by: String,
    #[serde(default)]
    pub dev: String,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
}

/// One thing that happened in the handling of a complaint. Unknown fields are
/// refused, like a tick's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Unique id (the sync key is `tl.<id>`; see [`is_entry_id`]).
    pub id: String,
    pub kind: EntryKind,
    /// When it happened, by the device's (server-corrected) clock; the user
    /// may set an earlier time for something done before it was typed in.
    #[serde(with = "crate::timefmt::rfc3339")]
    pub at: DateTime<Utc>,
    /// When it was typed in.
    #[serde(with = "crate::timefmt::rfc3339")]
    pub recorded: DateTime<Utc>,
    /// Who did it.
    pub by: String,
    /// The device it was recorded on.
    #[serde(default)]
    pub dev: String,
    /// The note, the reason for an escalation, the customer's feedback…
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Contact and callback: how the customer was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ContactMethod>,
    /// Contact and callback: whether the customer was reached (a reached
    /// callback is an *effective* one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached: Option<bool>,
    /// Callback: the customer's answer, satisfied or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfied: Option<bool>,
    /// Escalation: the level handed up to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// Status change: the new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Status change: the status before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Status>,
    /// Major mark: which of the five major-complaint criteria hold (1–5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<u8>,
    /// Standard answer used: the answer's id (`ans:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Standard answer used: the version that was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

impl Entry {
    /// A new entry of `kind` by `actor`, happened at `at`, typed in at `now`.
    pub fn new(
        id: String,
        kind: EntryKind,
        actor: &Actor,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Entry {
        Entry {
            id,
            kind,
            at,
            recorded: now,
            by: actor.name.clone(),
            dev: actor.device.clone(),
            text: String::new(),
            method: None,
            reached: None,
            satisfied: None,
            level: None,
            status: None,
            from: None,
            criteria: Vec::new(),
            answer: None,
            version: None,
        }
    }

    /// Whether the customer was reached (contact and callback entries; a
    /// contact without the answer counts as reached).
    pub fn reached_customer(&self) -> bool {
        matches!(self.kind, EntryKind::Contact | EntryKind::Callback) && self.reached != Some(false)
    }

    /// Whether this status change reopened a closed complaint.
    pub fn is_reopening(&self) -> bool {
        self.kind == EntryKind::Status
            && self.from == Some(Status::Closed)
            && self.status != Some(Status::Closed)
    }
}

/// Whether `id` can name a timeline entry: 1–40 characters of lower-case
/// letters, digits and `-` (it becomes part of the entry's sync key).
pub fn is_entry_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Time order: when it happened, then the id (a total order every device agrees on).
pub fn sort_timeline(entries: &mut [Entry]) {
    crate::sort::sort_by(entries, |a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
}
