//! The sample complaints of `demo/complaints.json` (written for this
//! project: fictional customers, `138-0000-xxxx` phone numbers, VINs made
//! for the demo), so that a first start shows a list, complaints in every
//! state, the attention list and a month of KPIs. Among them the sources'
//! worked example of domain.md (brake shudder, a customer in the media).
//!
//! Each sample is made the way the app makes it: the intake form
//! ([`ComplaintForm::to_new_complaint`]) and [`local_change`] for the new
//! complaint, then one operation per handling action — the domain's
//! [`handling`] functions (`add_entry`, `tick_step`, `change_status`) or the
//! edit form ([`ComplaintForm::apply_to`], as the app's `save_edit` does) —
//! each turned into an operation by [`local_change`] over the record's
//! state. [`plan`] is pure (the time and the randomness are given); the
//! seed pushes what it plans through `sync::ingest` as each action's demo
//! user.
//!
//! Times are relative to the seeding: received `days_ago` at a local time
//! (China, UTC+8) or some time `ago`, and every action some time `after`
//! the complaint was received. The samples stay within the current and the
//! previous month: early in a month, those received more than
//! [`RECENT_DAYS`] ago are moved closer ([`within_two_months`]). A sample
//! whose action would lie in the future is an error (the unit tests try
//! every half hour of a day, at a month's start too).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use complaints_domain::case_number;
use complaints_domain::form::{local_input, ComplaintForm, NewComplaint};
use complaints_domain::handling::{
    self, record_status_change, Actor, ContactMethod, Entry, EntryKind, Level,
};
use complaints_domain::sync::{local_change, op_id_from_bytes, Hlc, HlcClock, Op, Stamp};
use complaints_domain::{Complaint, Field, Lang, Nature, Status};
use serde::Deserialize;

use super::{BRANCHES, USERS};

/// The sample complaints, as written.
pub(crate) const SOURCE: &str = include_str!("../../demo/complaints.json");

/// The demo branches' time zone (UTC+8): received times are local times
/// there, and a case number's day is the local day.
pub(crate) fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// How long after receipt a sample is typed in (the intake's `now`).
const FILED_AFTER: Duration = Duration::minutes(5);

/// Samples received at most this many days ago keep their day (the
/// attention list's clocks depend on it); older ones may move closer.
const RECENT_DAYS: i64 = 20;

/// `days_ago` moved so that the oldest of the samples (`oldest` days ago)
/// falls on or after the first day of the previous month, `limit` days
/// before `today`: days beyond [`RECENT_DAYS`] are scaled into the room
/// left, keeping the samples' order. Unchanged when the room suffices.
fn within_two_months(days_ago: i64, oldest: i64, limit: i64) -> i64 {
    if days_ago <= RECENT_DAYS || oldest <= limit || oldest <= RECENT_DAYS {
        return days_ago;
    }
    RECENT_DAYS + (days_ago - RECENT_DAYS) * (limit - RECENT_DAYS).max(0) / (oldest - RECENT_DAYS)
}

/// How many days before `today` the previous month began.
fn days_since_last_month_began(today: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    let first = today.with_day(1).unwrap_or(today);
    let last_month = (first - Duration::days(1)).with_day(1).unwrap_or(first);
    (today - last_month).num_days()
}

/// One sample as `demo/complaints.json` writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    /// A name for error messages.
    key: String,
    /// The demo user who takes the complaint in.
    by: String,
    /// Why the sample is there (not used).
    #[serde(default)]
    #[allow(dead_code)]
    note: String,
    received: Received,
    /// The intake form as typed (without `received_at`, `branch_name`,
    /// which come from `received` and the demo branches).
    form: ComplaintForm,
    actions: Vec<Action>,
}

/// When a sample was received: `days_ago` at local `time`, or `ago`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Received {
    days_ago: Option<i64>,
    time: Option<String>,
    ago: Option<String>,
}

/// One handling action: `after` the receipt, by a demo user.
#[derive(Deserialize)]
struct Action {
    after: String,
    by: String,
    #[serde(flatten)]
    what: What,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum What {
    /// A timeline entry, as the app's entry form makes it.
    Entry(SampleEntry),
    /// Ticks of the eight steps, one operation each.
    Steps(Vec<u8>),
    /// The status control.
    Status(Status),
    /// The edit form: field key → the text typed.
    Edit(BTreeMap<String, String>),
}

/// A timeline entry as the entry form takes it: a contact or a callback
/// reached the customer by phone unless it says otherwise.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleEntry {
    kind: EntryKind,
    #[serde(default)]
    text: String,
    method: Option<ContactMethod>,
    reached: Option<bool>,
    satisfied: Option<bool>,
    level: Option<Level>,
    #[serde(default)]
    criteria: Vec<u8>,
}

/// One planned sample: the complaint as its last operation leaves it, and
/// its operations in order, each with the demo user who makes it.
pub(crate) struct Planned {
    pub key: String,
    pub complaint: Complaint,
    pub ops: Vec<(String, Op)>,
}

/// Parses `1d2h30m`, `3h10m`, `40m` (days, hours, minutes; spaces allowed).
fn parse_span(text: &str) -> Option<Duration> {
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut any = false;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        total += match c {
            'd' => Duration::days(n),
            'h' => Duration::hours(n),
            'm' => Duration::minutes(n),
            _ => return None,
        };
        any = true;
    }
    (any && number.is_empty()).then_some(total)
}

fn display_name(username: &str) -> Option<&'static str> {
    USERS
        .iter()
        .find(|(u, ..)| *u == username)
        .map(|(_, name, ..)| *name)
}

/// The samples as written.
fn samples() -> Result<Vec<Sample>, String> {
    serde_json::from_str(SOURCE).map_err(|e| format!("demo/complaints.json: {e}"))
}

/// The sample complaints and their operations for a seeding at `now`, made
/// on `device` (whose case-number tag is `tag`); `fill` draws the random
/// bytes of ids.
pub(crate) fn plan(
    now: DateTime<Utc>,
    device: &str,
    tag: &str,
    fill: &mut dyn FnMut(&mut [u8]),
) -> Result<Vec<Planned>, String> {
    let samples = samples()?;
    let uuids: Vec<uuid::Uuid> = samples
        .iter()
        .map(|_| {
            let mut bytes = [0u8; 16];
            fill(&mut bytes);
            uuid::Builder::from_random_bytes(bytes).into_uuid()
        })
        .collect();
    let mut new_id = || {
        let mut bytes = [0u8; 10];
        fill(&mut bytes);
        op_id_from_bytes(bytes)
    };
    let offset = offset();
    let today = now.with_timezone(&offset).date_naive();
    let oldest = samples
        .iter()
        .filter_map(|s| s.received.days_ago)
        .max()
        .unwrap_or(0);
    let limit = days_since_last_month_began(today);
    let mut per_day: BTreeMap<chrono::NaiveDate, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for (sample, uuid) in samples.into_iter().zip(uuids) {
        let key = sample.key.clone();
        let fail = |what: String| format!("demo complaint {key}: {what}");
        let received = match (&sample.received.days_ago, &sample.received.time) {
            (Some(days), Some(time)) => {
                let time = NaiveTime::parse_from_str(time, "%H:%M")
                    .map_err(|e| fail(format!("time {time:?}: {e}")))?;
                let day = today - Duration::days(within_two_months(*days, oldest, limit));
                offset
                    .from_local_datetime(&day.and_time(time))
                    .single()
                    .ok_or_else(|| fail("no such local time".into()))?
                    .with_timezone(&Utc)
            }
            _ => {
                let ago = sample.received.ago.as_deref().unwrap_or_default();
                now - parse_span(ago).ok_or_else(|| fail(format!("ago {ago:?}")))?
            }
        };
        let mut form = sample.form;
        form.received_at = local_input(received, offset);
        let branch = form.branch_code.trim().to_ascii_uppercase();
        form.branch_name = BRANCHES
            .iter()
            .find(|(code, ..)| *code == branch)
            .map(|(_, name, _)| (*name).to_string())
            .ok_or_else(|| fail(format!("no demo branch {branch}")))?;
        if form.nature.is_empty() {
            form.nature = Nature::General.as_str().into();
        }
        if form.status.is_empty() {
            form.status = Status::OnGoing.as_str().into();
        }
        let filed = received + FILED_AFTER;
        if filed > now {
            return Err(fail("taken in after the seeding time".into()));
        }
        let day = received.with_timezone(&offset).date_naive();
        let seq = per_day.entry(day).or_insert(0);
        *seq += 1;
        let new = NewComplaint {
            id: uuid.to_string(),
            case_number: case_number::format(&branch, day, tag, *seq),
            device_id: device.to_string(),
            now: filed,
        };
        let (complaint, _warnings) = form.to_new_complaint(offset, new).map_err(|issues| {
            let texts: Vec<String> = issues
                .iter()
                .filter(|i| i.is_error())
                .map(|i| format!("{}: {}", i.field.key(), i.message(Lang::En)))
                .collect();
            fail(texts.join("; "))
        })?;

        let mut clock = HlcClock::new(Hlc::default());
        let mut stamp = |by: &str, at: DateTime<Utc>, op_id: String| Stamp {
            op_id,
            hlc: clock.tick(u64::try_from(at.timestamp_millis()).unwrap_or(0)),
            device: device.to_string(),
            user: Some(by.to_string()),
        };
        display_name(&sample.by).ok_or_else(|| fail(format!("no demo user {}", sample.by)))?;
        let created = local_change(None, None, &complaint, stamp(&sample.by, filed, new_id()))
            .map_err(&fail)?
            .ok_or_else(|| fail("the creation sets nothing".into()))?;
        let mut state = created.state;
        let mut current = created.complaint;
        let mut ops = vec![(sample.by.clone(), created.op)];

        for action in sample.actions {
            let at = current.received_at
                + parse_span(&action.after)
                    .ok_or_else(|| fail(format!("after {:?}", action.after)))?;
            if at > now {
                return Err(fail(format!(
                    "an action {} after receipt lies in the future",
                    action.after
                )));
            }
            let name = display_name(&action.by)
                .ok_or_else(|| fail(format!("no demo user {}", action.by)))?;
            let actor = Actor {
                name: name.to_string(),
                device: device.to_string(),
            };
            let rule = |e: handling::HandlingError| fail(e.message(Lang::En));
            let mut changes = Vec::new();
            match action.what {
                What::Entry(typed) => {
                    let mut entry = Entry::new(new_id(), typed.kind, &actor, at, at);
                    entry.text = typed.text.trim().to_string();
                    if matches!(typed.kind, EntryKind::Contact | EntryKind::Callback) {
                        entry.method = Some(typed.method.unwrap_or(ContactMethod::Phone));
                        entry.reached = Some(typed.reached.unwrap_or(true));
                    }
                    if typed.kind == EntryKind::Callback && entry.reached == Some(true) {
                        entry.satisfied = typed.satisfied;
                    }
                    entry.level = typed.level;
                    entry.criteria = typed.criteria;
                    changes.push(handling::add_entry(&current, entry).map_err(rule)?);
                }
                What::Steps(steps) => {
                    let mut c = current.clone();
                    for n in steps {
                        c = handling::tick_step(&c, n, true, &actor, at).map_err(rule)?;
                        changes.push(c.clone());
                    }
                }
                What::Status(to) => {
                    changes.push(
                        handling::change_status(&current, to, new_id(), &actor, at)
                            .map_err(rule)?,
                    );
                }
                What::Edit(typed) => {
                    // As the app's edit form saves: the form over the
                    // complaint, a status change recorded on the timeline.
                    let mut form = ComplaintForm::from_complaint(&current, offset);
                    for (key, text) in typed {
                        let field = Field::from_key(&key)
                            .ok_or_else(|| fail(format!("no field {key:?}")))?;
                        form.set(field, text);
                    }
                    let (mut edited, _warnings) =
                        form.apply_to(&current, offset, at).map_err(|issues| {
                            let texts: Vec<String> = issues
                                .iter()
                                .map(|i| format!("{}: {}", i.field.key(), i.message(Lang::En)))
                                .collect();
                            fail(texts.join("; "))
                        })?;
                    if edited.status != current.status {
                        record_status_change(&mut edited, current.status, new_id(), &actor, at);
                    }
                    changes.push(edited);
                }
            }
            for after in changes {
                let change = local_change(
                    Some(&state),
                    Some(&current),
                    &after,
                    stamp(&action.by, at, new_id()),
                )
                .map_err(&fail)?
                .ok_or_else(|| fail(format!("an action {} changes nothing", action.after)))?;
                state = change.state;
                current = change.complaint;
                ops.push((action.by.clone(), change.op));
            }
        }
        out.push(Planned {
            key,
            complaint: current,
            ops,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use complaints_domain::sla::{self, ClockKind, ClockState};
    use complaints_domain::sync::{check_op, RecordState};
    use complaints_domain::{phone, vin, Channel};

    /// Distinct "random" bytes: a counter.
    fn counter() -> impl FnMut(&mut [u8]) {
        let mut n: u64 = 0;
        move |bytes: &mut [u8]| {
            n += 1;
            bytes.fill(0);
            bytes[..8].copy_from_slice(&n.to_be_bytes());
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn planned(now: DateTime<Utc>) -> Vec<Planned> {
        plan(now, "demo-seed", "DEM0TG", &mut counter()).unwrap()
    }

    fn by_key(all: &[Planned], key: &str) -> Complaint {
        all.iter()
            .find(|p| p.key == key)
            .unwrap_or_else(|| panic!("sample {key}"))
            .complaint
            .clone()
    }

    #[test]
    fn spans_read_days_hours_and_minutes() {
        assert_eq!(parse_span("1d2h30m"), Some(Duration::minutes(1590)));
        assert_eq!(parse_span("40m"), Some(Duration::minutes(40)));
        assert_eq!(parse_span("3h 10m"), Some(Duration::minutes(190)));
        for bad in ["", "3", "2x", "h"] {
            assert_eq!(parse_span(bad), None, "{bad:?}");
        }
    }

    /// Whatever the hour of the seeding (and across a month's and a year's
    /// end), no action lies in the future and every handling rule accepts
    /// every action.
    #[test]
    fn the_samples_fit_every_half_hour_of_a_day() {
        for start in ["2026-03-01T00:00:00+08:00", "2027-01-01T00:10:00+08:00"] {
            for half_hours in 0..48 {
                let now = at(start) + Duration::minutes(30 * half_hours);
                let all = plan(now, "demo-seed", "DEM0TG", &mut counter())
                    .unwrap_or_else(|e| panic!("at {now}: {e}"));
                assert_eq!(all.len(), 12);
                for p in &all {
                    assert!(p.complaint.received_at <= now, "{}", p.key);
                    assert!(
                        p.complaint.timeline.iter().all(|e| e.at <= now),
                        "{}",
                        p.key
                    );
                }
            }
        }
    }

    /// Every operation passes the server's check, in order, and the record
    /// they make is the complaint planned.
    #[test]
    fn every_operation_passes_the_check_a_push_passes() {
        let now = at("2026-05-20T15:45:00+08:00");
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap();
        for p in planned(now) {
            let mut state: Option<RecordState> = None;
            for (user, op) in &p.ops {
                assert!(display_name(user).is_some());
                state = Some(
                    check_op(state.as_ref(), op, now_ms)
                        .unwrap_or_else(|e| panic!("{}: {e:?}", p.key)),
                );
            }
            let made = state.unwrap().materialize().unwrap();
            assert_eq!(made, p.complaint, "{}", p.key);
        }
    }

    #[test]
    fn the_samples_spread_over_branches_states_and_two_months() {
        let now = at("2026-05-20T15:45:00+08:00");
        let all = planned(now);
        let count = |f: &dyn Fn(&Complaint) -> bool| all.iter().filter(|p| f(&p.complaint)).count();
        for branch in ["BJ01", "BJ02", "SH01"] {
            assert_eq!(count(&|c| c.branch_code == branch), 4, "{branch}");
        }
        assert_eq!(count(&|c| c.status == Status::Closed), 5);
        assert_eq!(count(&|c| c.status == Status::Hold), 1);
        assert_eq!(count(&|c| c.status == Status::InProcess), 2);
        assert_eq!(count(&|c| c.customer_satisfied == Some(false)), 1);
        assert_eq!(count(&|c| handling::major_mark(c).is_some()), 2);
        assert_eq!(
            count(&|c| handling::escalation_level(c) == Level::Manufacturer),
            2
        );
        let clock_state = |c: &Complaint, kind| {
            sla::clocks(c)
                .into_iter()
                .find(|k| k.kind == kind)
                .map(|k| k.state(now))
        };
        let overdue = |s: Option<ClockState>| matches!(s, Some(ClockState::Overdue { .. }));
        assert_eq!(
            count(&|c| overdue(clock_state(c, ClockKind::FirstContact))),
            1
        );
        assert_eq!(count(&|c| overdue(clock_state(c, ClockKind::Callback))), 1);
        assert_eq!(
            count(&|c| c.status != Status::Closed
                && handling::resolved_at(c).is_some()
                && !overdue(clock_state(c, ClockKind::Callback))),
            1,
            "one resolved, its callback still to come"
        );
        let months: Vec<u32> = all
            .iter()
            .map(|p| {
                p.complaint
                    .received_at
                    .with_timezone(&offset())
                    .format("%m")
                    .to_string()
            })
            .map(|m| m.parse().unwrap())
            .collect();
        assert!(months.contains(&5) && months.contains(&4), "{months:?}");
        for p in &all {
            let c = &p.complaint;
            assert!(c.phone.starts_with("138-0000-"), "{}", p.key);
            assert!(phone::is_valid(&c.phone), "{}", p.key);
            assert_eq!(vin::check_digit_mismatch(&c.vin), None, "{}", p.key);
            assert!(c.case_number.starts_with(&format!("{}-", c.branch_code)));
        }
    }

    /// Seeded on the first of a month, in its middle or at its end, every
    /// sample is received in that month or the one before, in the order
    /// the file gives (the oldest first), the recent ones on their own day.
    #[test]
    fn the_samples_stay_within_this_month_and_the_last() {
        use chrono::Datelike;
        for now in [
            "2026-03-01T00:10:00+08:00",
            "2026-03-01T23:50:00+08:00",
            "2027-01-01T08:00:00+08:00",
            "2026-05-20T15:45:00+08:00",
            "2026-05-31T23:59:00+08:00",
        ] {
            let now = at(now);
            let today = now.with_timezone(&offset()).date_naive();
            let month = |d: chrono::NaiveDate| d.year() * 12 + d.month0() as i32;
            let all = planned(now);
            let mut by_age: Vec<(i64, &str)> = Vec::new();
            for (p, s) in all.iter().zip(samples().unwrap()) {
                let day = p
                    .complaint
                    .received_at
                    .with_timezone(&offset())
                    .date_naive();
                assert!(month(today) - month(day) <= 1, "{now}: {} on {day}", p.key);
                if let Some(days) = s.received.days_ago {
                    if days <= RECENT_DAYS {
                        assert_eq!((today - day).num_days(), days, "{}", p.key);
                    }
                    by_age.push((days, &p.key));
                    let moved = (today - day).num_days();
                    assert!(moved <= days, "{}", p.key);
                }
            }
            // Moved closer, never past one another.
            assert_order_kept(&all, &by_age, now);
        }
        assert_eq!(within_two_months(45, 45, 28), 28);
        assert_eq!(within_two_months(25, 45, 28), 21);
        assert_eq!(within_two_months(12, 45, 28), 12);
        assert_eq!(within_two_months(45, 45, 50), 45);
    }

    fn assert_order_kept(all: &[Planned], by_age: &[(i64, &str)], now: DateTime<Utc>) {
        let mut ages = by_age.to_vec();
        ages.sort_unstable();
        let received: Vec<DateTime<Utc>> = ages
            .iter()
            .map(|(_, key)| by_key(all, key).received_at)
            .collect();
        for pair in received.windows(2) {
            assert!(pair[0] >= pair[1], "{now}: {ages:?}");
        }
    }

    /// The sources' worked example, as domain.md tells it.
    #[test]
    fn the_worked_example_is_closed_as_the_sources_tell_it() {
        let all = planned(at("2026-05-20T15:45:00+08:00"));
        let c = by_key(&all, "brake-shudder-media");
        assert_eq!(c.branch_code, "BJ01");
        assert_eq!(c.channel, Channel::Manufacturer);
        assert_eq!(c.nature, Nature::MediaExposure);
        assert!(c.content.contains("方向盘严重抖动") && c.content.contains("光盘"));
        assert!(c.customer_background.contains("媒体"));
        assert!(c.demand.contains("免费更换"));
        assert!(c.tracking.contains("制动盘、刹车片及相关部件"));
        assert!(c.final_result.contains("完全修复"));
        assert_eq!(c.customer_satisfied, Some(true));
        assert_eq!(c.status, Status::Closed);
        assert_eq!(c.steps.len(), 8);
    }
}
