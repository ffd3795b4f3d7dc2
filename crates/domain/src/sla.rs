//! The handling clocks (SLA) of domain.md, computed from when things
//! *happened on the device* — the timeline's `at` — never from when they
//! synced: a complaint taken offline at 10:00, with contact recorded at
//! 11:00 and first synced at 15:00, made its 2-hour contact on time.
//!
//! - **First contact** (首次联系): within 2 hours of receipt. It stops at the
//!   first contact or callback that reached the customer.
//! - **Callback** (回访): within 3 days of the complaint being resolved (the
//!   latest "resolved" entry: a customer who was not satisfied sends it back
//!   to handling, and the next resolution starts a new clock). It stops at
//!   the first callback after that which reached the customer: an
//!   unanswered call does not ask for feedback.
//! - **Written report to the manufacturer** (书面报告厂方): within 4 hours of
//!   marking a complaint major when media or a court is involved (the mark
//!   names criterion 5, or the nature is media exposure or legal). It stops
//!   at the first report entry made after the mark (a complaint marked major
//!   again needs a new report).
//!
//! A clock is **due soon** in the last quarter of its window (30 minutes of
//! the 2 hours, 18 hours of the 3 days, 1 hour of the 4 hours). A closed
//! complaint stops its clocks: one never met is shown as missed. Clocks are
//! durations, so midnight and month ends need no special care; the tests
//! cross both.

use chrono::{DateTime, Duration, Utc};

use crate::handling::{self, EntryKind, EXPOSURE_CRITERION};
use crate::lang::{Labelled, Lang};
use crate::model::{labelled_enum, Complaint, Nature, Status};

labelled_enum! {
    /// The clocks of the handling process.
    pub enum ClockKind {
        FirstContact = ("first_contact", "首次联系", "First contact"),
        Callback = ("callback", "回访", "Callback"),
        MajorReport = ("major_report", "书面报告厂方", "Report to manufacturer"),
    }
}

impl ClockKind {
    /// How long the process allows.
    pub fn window(self) -> Duration {
        match self {
            ClockKind::FirstContact => Duration::hours(2),
            ClockKind::Callback => Duration::days(3),
            ClockKind::MajorReport => Duration::hours(4),
        }
    }

    /// The last part of the window, in which the clock is "due soon".
    pub fn due_soon(self) -> Duration {
        self.window() / 4
    }
}

/// One clock of one complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    /// When it started.
    pub start: DateTime<Utc>,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// When it was met, if it was.
    pub done: Option<DateTime<Utc>>,
    /// The complaint is closed: an unmet clock no longer runs.
    pub stopped: bool,
}

/// Where a clock stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Met; `late` by how much, when it was met after the due time.
    Done { late: Option<Duration> },
    /// Running, with this much left.
    Running { left: Duration },
    /// Running, in its last quarter.
    DueSoon { left: Duration },
    /// Past due and not met, by this much.
    Overdue { by: Duration },
    /// The complaint was closed without meeting it.
    Missed,
}

impl ClockState {
    /// Whether someone should act on it now.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            ClockState::DueSoon { .. } | ClockState::Overdue { .. }
        )
    }

    /// A short stable code (CSS classes, tests).
    pub fn code(self) -> &'static str {
        match self {
            ClockState::Done { late: None } => "done",
            ClockState::Done { late: Some(_) } => "late",
            ClockState::Running { .. } => "running",
            ClockState::DueSoon { .. } => "soon",
            ClockState::Overdue { .. } => "overdue",
            ClockState::Missed => "missed",
        }
    }

    /// "还剩 1小时20分" / "1 h 20 min left", "已超时 3小时" / "overdue by 3 h"…
    pub fn describe(self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            ClockState::Done { late: None } => if zh { "按时完成" } else { "done on time" }.into(),
            ClockState::Done { late: Some(d) } => match lang {
                Lang::Zh => format!("超时 {} 完成", duration(d, lang)),
                Lang::En => format!("done {} late", duration(d, lang)),
            },
            ClockState::Running { left } | ClockState::DueSoon { left } => match lang {
                Lang::Zh => format!("还剩 {}", duration(left, lang)),
                Lang::En => format!("{} left", duration(left, lang)),
            },
            ClockState::Overdue { by } => match lang {
                Lang::Zh => format!("已超时 {}", duration(by, lang)),
                Lang::En => format!("overdue by {}", duration(by, lang)),
            },
            ClockState::Missed => if zh { "未完成即关闭" } else { "missed" }.into(),
        }
    }
}

impl Clock {
    /// Where the clock stands at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> ClockState {
        if let Some(done) = self.done {
            let late = (done > self.due).then(|| done - self.due);
            return ClockState::Done { late };
        }
        if self.stopped {
            return ClockState::Missed;
        }
        if now > self.due {
            ClockState::Overdue { by: now - self.due }
        } else if self.due - now <= self.kind.due_soon() {
            ClockState::DueSoon {
                left: self.due - now,
            }
        } else {
            ClockState::Running {
                left: self.due - now,
            }
        }
    }

    /// "首次联系：还剩 1小时20分"
    pub fn describe(&self, now: DateTime<Utc>, lang: Lang) -> String {
        let sep = if lang == Lang::Zh { "：" } else { ": " };
        format!(
            "{}{sep}{}",
            self.kind.label(lang),
            self.state(now).describe(lang)
        )
    }
}

fn clock(
    kind: ClockKind,
    start: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
    c: &Complaint,
) -> Clock {
    Clock {
        kind,
        start,
        due: start + kind.window(),
        done,
        stopped: c.status == Status::Closed,
    }
}

/// The clocks that apply to a complaint now, in process order.
pub fn clocks(c: &Complaint) -> Vec<Clock> {
    let mut out = Vec::with_capacity(3);
    let contacted = c
        .timeline
        .iter()
        .filter(|e| e.reached_customer())
        .map(|e| e.at)
        .min();
    out.push(clock(ClockKind::FirstContact, c.received_at, contacted, c));

    if let Some(resolved) = handling::resolved_at(c) {
        let called = handling::entries(c, EntryKind::Callback)
            .filter(|e| e.reached == Some(true) && e.at >= resolved)
            .map(|e| e.at)
            .min();
        out.push(clock(ClockKind::Callback, resolved, called, c));
    }

    if let Some(mark) = handling::major_mark(c) {
        let exposed = mark.criteria.contains(&EXPOSURE_CRITERION)
            || matches!(c.nature, Nature::MediaExposure | Nature::Legal);
        if exposed {
            let reported = handling::entries(c, EntryKind::Report)
                .filter(|e| e.at >= mark.at)
                .map(|e| e.at)
                .min();
            out.push(clock(ClockKind::MajorReport, mark.at, reported, c));
        }
    }
    out
}

/// The clock someone should act on first: of the clocks still running
/// (whatever their state), the one due first. The "needs attention" view
/// keeps those whose state [`ClockState::needs_attention`].
pub fn most_urgent(c: &Complaint, now: DateTime<Utc>) -> Option<(Clock, ClockState)> {
    clocks(c)
        .into_iter()
        .map(|k| {
            let s = k.state(now);
            (k, s)
        })
        .filter(|(k, s)| k.done.is_none() && !matches!(s, ClockState::Missed))
        .min_by_key(|(k, _)| k.due)
}

/// A duration as people read it: "45分钟", "1小时20分", "3天4小时" /
/// "45 min", "1 h 20 min", "3 d 4 h". Rounded down to the minute; under a
/// minute reads as "<1分钟" / "<1 min".
pub fn duration(d: Duration, lang: Lang) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let zh = lang == Lang::Zh;
    if minutes == 0 {
        return if zh { "<1分钟" } else { "<1 min" }.into();
    }
    match (days, hours, zh) {
        (0, 0, true) => format!("{mins}分钟"),
        (0, 0, false) => format!("{mins} min"),
        (0, h, true) if mins > 0 => format!("{h}小时{mins}分"),
        (0, h, false) if mins > 0 => format!("{h} h {mins} min"),
        (0, h, true) => format!("{h}小时"),
        (0, h, false) => format!("{h} h"),
        (d, 0, true) => format!("{d}天"),
        (d, 0, false) => format!("{d} d"),
        (d, h, true) => format!("{d}天{h}小时"),
        (d, h, false) => format!("{d} d {h} h"),
    }
}
