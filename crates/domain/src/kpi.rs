//! The KPIs of complaint handling (投诉KPI指标分析) and the figures of the
//! monthly statistics report (客户投诉统计分析月报表), as `../shared/domain.md`
//! defines them, computed from the complaints on the device. Pure: the
//! caller passes the complaints, the branches, the period, the time zone and
//! the moment the figures are "as of".
//!
//! # Which complaints, and the edge cases
//!
//! * **The month's complaints** are those *received* (`received_at`) in the
//!   period, counted in local time (`offset`: the branches' time zone,
//!   China Standard Time for this network), of the chosen branches. They are
//!   the denominator of three rates, and what the breakdowns count.
//! * **Satisfaction rate** = those closed (as of `as_of`) with
//!   `customer_satisfied = yes` / the month's complaints.
//! * **Timeliness rate** = those whose first contact with the customer (the
//!   first timeline entry that reached them) came within the standard reply
//!   time, 2 h after receipt ([`ClockKind::FirstContact`]), and no later
//!   than `as_of` / the month's complaints. A contact after 2 h, or none, is
//!   not timely.
//! * **Handling rate** = those closed (status 已结案) as of `as_of` / the
//!   month's complaints. A complaint still open is received but not handled.
//! * **Status as of a moment** is read from the timeline's status changes
//!   ([`status_as_of`]): figures as of the end of October do not change when
//!   an October complaint is closed in November.
//! * **A reopened complaint** counts by its status as of `as_of`: closed
//!   again → handled, with its processing time up to its *last* closing
//!   before `as_of`; open → not handled, and in no processing-time bucket.
//! * **Satisfaction** is the complaint's `customer_satisfied` as it stands
//!   (the field keeps no history), for the complaints closed as of `as_of`.
//! * **Effective callback rate** = callbacks that reached the customer /
//!   callbacks made, over the callbacks *made in the period* (their `at`, in
//!   local time) on complaints of the chosen branches, whenever those were
//!   received: a callback belongs to the month it was made in.
//! * **Processing time** runs from receipt to the (last) closing, for the
//!   month's complaints that are closed, in elapsed time: *within 3 days* is
//!   at most 72 h; *4–7 days* more than 3 and at most 7 days; *8–14*, *15–30*
//!   likewise; *1–2 months* more than 30 and at most 60 days; *over 2 months*
//!   more than 60 days. A complaint marked closed with no closing on its
//!   timeline (entered as closed) is handled, and counted under
//!   [`Figures::closed_time_unknown`] instead of a bucket.
//! * **Where it went wrong** ([`Figures::by_stage`]): the month's
//!   complaints closed as of `as_of` — the same ones the handling rate
//!   counts, so for a past month those received *and* closed in it — by
//!   their [`crate::model::ServiceStage`] as it stands (the field keeps no history), in
//!   [`crate::model::ServiceStage::ALL`] order; a closed complaint without one (closed
//!   before the stage was required) is counted under
//!   [`Figures::stage_not_recorded`], so the section adds up to the closed
//!   ones. A complaint received in an earlier month and closed in this one
//!   counts in neither month's section: it is not this month's complaint,
//!   and was not closed as of the end of its own.
//! * **A period with no complaints** has no rates: [`Rate::percent`] is
//!   `None` (shown as "—"), never 0 % or a division by zero. Likewise the
//!   callback rate of a period without callbacks.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::handling::{self, EntryKind};
use crate::model::{labelled_enum, Category, Channel, Complaint, Status};
use crate::sla::ClockKind;

/// A part of a whole: `num` of `den`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub num: u32,
    pub den: u32,
}

impl Rate {
    /// `num / den × 100`, `None` when there is nothing to divide by.
    pub fn percent(self) -> Option<f64> {
        (self.den > 0).then(|| f64::from(self.num) * 100.0 / f64::from(self.den))
    }
}

/// A percentage with one decimal (`85.7`), without the float formatting
/// machinery (~20 KB of the app's download): rounded half up to tenths.
pub fn one_decimal(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{}.{}", (tenths / 10).abs(), (tenths % 10).abs())
}

labelled_enum! {
    /// The four KPIs.
    pub enum Kpi {
        Satisfaction = ("satisfaction", "客户投诉处理满意率", "Satisfaction rate"),
        Timeliness = ("timeliness", "及时率", "Timeliness rate"),
        Handling = ("handling", "处理率", "Handling rate"),
        EffectiveCallback = ("effective_callback", "有效回访率", "Effective callback rate"),
    }
}

labelled_enum! {
    /// The processing-time buckets of the monthly report.
    pub enum Bucket {
        UpTo3Days = ("d3", "3天以内", "Within 3 days"),
        UpTo7Days = ("d7", "4–7天", "4–7 days"),
        UpTo14Days = ("d14", "8–14天", "8–14 days"),
        UpTo30Days = ("d30", "15–30天", "15–30 days"),
        UpTo2Months = ("m2", "1–2个月", "1–2 months"),
        Over2Months = ("over", "2个月以上", "Over 2 months"),
    }
}

impl Bucket {
    /// The bucket of a processing time.
    pub fn of(elapsed: Duration) -> Bucket {
        let limits = [3, 7, 14, 30, 60];
        Bucket::ALL
            .iter()
            .zip(limits)
            .find(|(_, days)| elapsed <= Duration::days(*days))
            .map_or(Bucket::Over2Months, |(bucket, _)| *bucket)
    }
}

/// A reporting period: the local dates `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// A calendar month; `None` for a month that does not exist.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Period {
            first,
            last: next.pred_opt()?,
        })
    }

    /// The month of a local date.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::month(date.year(), date.month()).unwrap_or(Period {
            first: date,
            last: date,
        })
    }

    /// Whether `at`, read in local time `offset`, falls in the period.
    pub fn contains(&self, at: DateTime<Utc>, offset: FixedOffset) -> bool {
        let day = at.with_timezone(&offset).date_naive();
        self.first <= day && day <= self.last
    }
}

/// The figures of one period and set of branches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Complaints received in the period.
    pub received: u32,
    pub satisfaction: Rate,
    pub timeliness: Rate,
    pub handling: Rate,
    pub effective_callback: Rate,
    /// Closed complaints received in the period, by processing time, in
    /// [`Bucket::ALL`] order.
    pub buckets: [u32; 6],
    /// Closed, but with no closing time on the timeline.
    pub closed_time_unknown: u32,
    /// Received in the period and not closed (as of the figures).
    pub open: u32,
    /// Received in the period, by category, in [`Category::ALL`] order.
    pub by_category: [u32; 5],
    /// Received in the period, by channel, in [`Channel::ALL`] order.
    pub by_channel: [u32; 5],
    /// Received in the period and closed (as of the figures), by where it
    /// went wrong, in [`crate::model::ServiceStage::ALL`] order.
    #[serde(default)]
    pub by_stage: [u32; 8],
    /// Received in the period and closed, with no service stage recorded.
    #[serde(default)]
    pub stage_not_recorded: u32,
}

impl Figures {
    /// The value of one KPI.
    pub fn rate(&self, kpi: Kpi) -> Rate {
        match kpi {
            Kpi::Satisfaction => self.satisfaction,
            Kpi::Timeliness => self.timeliness,
            Kpi::Handling => self.handling,
            Kpi::EffectiveCallback => self.effective_callback,
        }
    }

    /// `count` as a share of the complaints received.
    pub fn share(&self, count: u32) -> Rate {
        Rate {
            num: count,
            den: self.received,
        }
    }

    /// `count` as a share of the complaints closed (the handling rate's
    /// numerator): what the service-stage section is out of.
    pub fn closed_share(&self, count: u32) -> Rate {
        Rate {
            num: count,
            den: self.handling.num,
        }
    }

    /// Adds one complaint (see the module docs for what counts where).
    fn add(&mut self, c: &Complaint, period: &Period, offset: FixedOffset, as_of: DateTime<Utc>) {
        for callback in handling::entries(c, EntryKind::Callback) {
            if callback.at <= as_of && period.contains(callback.at, offset) {
                self.effective_callback.den += 1;
                if callback.reached == Some(true) {
                    self.effective_callback.num += 1;
                }
            }
        }
        if !period.contains(c.received_at, offset) {
            return;
        }
        self.received += 1;
        self.by_category[Category::ALL
            .iter()
            .position(|x| *x == c.category)
            .unwrap_or(0)] += 1;
        self.by_channel[Channel::ALL
            .iter()
            .position(|x| *x == c.channel)
            .unwrap_or(0)] += 1;

        let due = c.received_at + ClockKind::FirstContact.window();
        let first_contact = c
            .timeline
            .iter()
            .filter(|e| e.reached_customer() && e.at <= as_of)
            .map(|e| e.at)
            .min();
        if first_contact.is_some_and(|at| at <= due) {
            self.timeliness.num += 1;
        }

        if status_as_of(c, as_of) == Status::Closed {
            self.handling.num += 1;
            if c.customer_satisfied == Some(true) {
                self.satisfaction.num += 1;
            }
            match c.service_stage {
                Some(stage) => self.by_stage[stage as usize] += 1,
                None => self.stage_not_recorded += 1,
            }
            match closed_as_of(c, as_of) {
                Some(closed) => {
                    let bucket = Bucket::of(closed - c.received_at);
                    self.buckets[bucket as usize] += 1;
                }
                None => self.closed_time_unknown += 1,
            }
        } else {
            self.open += 1;
        }
        for rate in [
            &mut self.satisfaction,
            &mut self.timeliness,
            &mut self.handling,
        ] {
            rate.den = self.received;
        }
    }
}

/// The status changes of the timeline up to `as_of`, in time order.
fn status_changes(
    c: &Complaint,
    as_of: DateTime<Utc>,
) -> impl Iterator<Item = &crate::handling::Entry> {
    handling::entries(c, EntryKind::Status).filter(move |e| e.at <= as_of && e.status.is_some())
}

/// The complaint's status at `as_of`: the last status change up to then;
/// before its first change, the status that change started from; with no
/// changes at all, its status now.
pub fn status_as_of(c: &Complaint, as_of: DateTime<Utc>) -> Status {
    if let Some(last) = status_changes(c, as_of).last() {
        return last.status.unwrap_or(c.status);
    }
    handling::entries(c, EntryKind::Status)
        .find_map(|e| e.from)
        .unwrap_or(c.status)
}

/// When the complaint was last closed up to `as_of`, if it was closed then.
pub fn closed_as_of(c: &Complaint, as_of: DateTime<Utc>) -> Option<DateTime<Utc>> {
    status_changes(c, as_of)
        .last()
        .filter(|e| e.status == Some(Status::Closed))
        .map(|e| e.at)
}

/// The figures of `period` over the complaints of the branches `branch`
/// accepts (e.g. [`crate::access::Scope::allows`], or one branch code).
pub fn figures<'a>(
    complaints: impl IntoIterator<Item = &'a Complaint>,
    branch: impl Fn(&str) -> bool,
    period: &Period,
    offset: FixedOffset,
    as_of: DateTime<Utc>,
) -> Figures {
    let mut out = Figures::default();
    for c in complaints {
        if branch(&c.branch_code) {
            out.add(c, period, offset, as_of);
        }
    }
    out
}

/// The figures of `period` for each branch of the complaints `branch`
/// accepts, by branch code in code order, in one pass (the regional
/// manager's view). A list, not a map: a network has a few dozen branches,
/// and another map type would cost the app's download a copy of its code.
pub fn figures_by_branch<'a>(
    complaints: impl IntoIterator<Item = &'a Complaint>,
    branch: impl Fn(&str) -> bool,
    period: &Period,
    offset: FixedOffset,
    as_of: DateTime<Utc>,
) -> Vec<(String, Figures)> {
    let mut out: Vec<(String, Figures)> = Vec::new();
    for c in complaints {
        if !branch(&c.branch_code) {
            continue;
        }
        let i = match out.iter().position(|(code, _)| *code == c.branch_code) {
            Some(i) => i,
            None => {
                out.push((c.branch_code.clone(), Figures::default()));
                out.len() - 1
            }
        };
        out[i].1.add(c, period, offset, as_of);
    }
    crate::sort::sort_by(&mut out, |a, b| a.0.cmp(&b.0));
    out
}

labelled_enum! {
    /// How a month's value compares with its target (PDCA).
    pub enum Evaluation {
        /// At or above the target.
        Meets = ("meets", "达到或超过目标", "Meets or exceeds target"),
        /// Below the target by at most [`IMPROVEMENT_BAND`] points.
        NeedsImprovement = ("needs_improvement", "需要改进", "Needs improvement"),
        /// Further below.
        Below = ("below", "低于目标", "Below target"),
    }
}

/// How far below its target (in percentage points) a KPI "needs
/// improvement" rather than being "below target".
pub const IMPROVEMENT_BAND: f64 = 5.0;

/// Evaluates an actual value (percent) against its target (percent);
/// `None` when there is no value (nothing to count that month).
pub fn evaluate(actual: Option<f64>, target: f64) -> Option<Evaluation> {
    let actual = actual?;
    // Rates are shown to one decimal: compare what the user sees.
    let shown = (actual * 10.0).round() / 10.0;
    Some(if shown >= target {
        Evaluation::Meets
    } else if target - shown <= IMPROVEMENT_BAND {
        Evaluation::NeedsImprovement
    } else {
        Evaluation::Below
    })
}
