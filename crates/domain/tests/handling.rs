//! The handling process's test suite: the SLA clocks (2-hour first contact,
//! 3-day callback, 4-hour written report), the timeline and the eight steps
//! merged across devices that worked offline, the status lifecycle with its
//! closing rule, escalation and the major-complaint mark, and the
//! same-vehicle lookup.
//!
//! Times are written as the people at the branch read them — local time in
//! China (+08:00) unless a test says otherwise — and every test pins exact
//! values (due times, durations, field lists, messages) so that it fails when
//! the rule it names changes. Run with
//! `cargo test -p complaints-domain --test handling`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use complaints_domain::fixtures;
use complaints_domain::handling::{
    add_entry, callback_counts, change_status, closed_at, escalation_level, major_mark,
    record_status_change, resolved_at, tick_step, Actor, ContactMethod, Entry, EntryKind,
    HandlingError, Level,
};
use complaints_domain::sla::{clocks, duration, most_urgent, Clock, ClockKind, ClockState};
use complaints_domain::sync::{
    check_op, local_change, Applied, Hlc, Op, RecordState, RejectCode, Rejection, Stamp,
};
use complaints_domain::{
    Complaint, ComplaintForm, Field, IssueKind, Lang, Nature, ServiceStage, Status,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// A wall-clock time at a UTC offset (in hours), as an instant.
fn local(offset_h: i32, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(offset_h * 3600)
        .expect("valid offset")
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

/// A wall-clock time in China (+08:00).
fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    local(8, y, mo, d, h, mi)
}

fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Milliseconds since the epoch, as HLC stamps and the server's clock use.
fn ms(t: DateTime<Utc>) -> u64 {
    t.timestamp_millis() as u64
}

fn actor(name: &str, device: &str) -> Actor {
    Actor {
        name: name.into(),
        device: device.into(),
    }
}

fn wang() -> Actor {
    actor("王经理", "tablet-a")
}

/// An entry of `kind` by 王经理 on tablet-a, typed in when it happened.
fn entry(id: &str, kind: EntryKind, at: DateTime<Utc>) -> Entry {
    Entry::new(id.into(), kind, &wang(), at, at)
}

/// A phone contact; `reached: None` is a contact recorded without the answer.
fn contact(id: &str, at: DateTime<Utc>, reached: Option<bool>) -> Entry {
    let mut e = entry(id, EntryKind::Contact, at);
    e.method = Some(ContactMethod::Phone);
    e.reached = reached;
    e
}

fn callback(id: &str, at: DateTime<Utc>, reached: bool, satisfied: Option<bool>) -> Entry {
    let mut e = entry(id, EntryKind::Callback, at);
    e.method = Some(ContactMethod::Phone);
    e.reached = Some(reached);
    e.satisfied = satisfied;
    e
}

fn note(id: &str, at: DateTime<Utc>, text: &str) -> Entry {
    let mut e = entry(id, EntryKind::Note, at);
    e.text = text.into();
    e
}

fn resolved(id: &str, at: DateTime<Utc>) -> Entry {
    entry(id, EntryKind::Resolved, at)
}

fn major(id: &str, at: DateTime<Utc>, criteria: &[u8]) -> Entry {
    let mut e = entry(id, EntryKind::Major, at);
    e.criteria = criteria.to_vec();
    e
}

fn escalation(id: &str, at: DateTime<Utc>, level: Option<Level>, reason: &str) -> Entry {
    let mut e = entry(id, EntryKind::Escalation, at);
    e.level = level;
    e.text = reason.into();
    e
}

/// The worked example as an open complaint received at `received`: general
/// nature, nothing filled in that closing needs, nothing on the timeline.
fn open_complaint(id: &str, received: DateTime<Utc>) -> Complaint {
    let mut c = fixtures::worked_example(id, received);
    c.status = Status::OnGoing;
    c.nature = Nature::General;
    c.final_result.clear();
    c.root_cause.clear();
    c.service_stage = None;
    c.customer_satisfied = None;
    c
}

/// `c` with the entries added one by one (each must be accepted).
fn with_entries(c: &Complaint, entries: Vec<Entry>) -> Complaint {
    entries.into_iter().fold(c.clone(), |c, e| {
        let id = e.id.clone();
        add_entry(&c, e).unwrap_or_else(|err| panic!("entry {id} refused: {err:?}"))
    })
}

/// The clock of `kind`, if the complaint has one.
fn clock_of(c: &Complaint, kind: ClockKind) -> Option<Clock> {
    clocks(c).into_iter().find(|k| k.kind == kind)
}

fn the_clock(c: &Complaint, kind: ClockKind) -> Clock {
    clock_of(c, kind).unwrap_or_else(|| panic!("no {kind:?} clock"))
}

fn kinds_of(c: &Complaint) -> Vec<ClockKind> {
    clocks(c).into_iter().map(|k| k.kind).collect()
}

/// Fills in what closing needs.
fn ready_to_close(c: &Complaint) -> Complaint {
    let mut c = c.clone();
    c.final_result = "车辆完全修复".into();
    c.root_cause = "首次维修未查明原因；整改：检测盘跳动".into();
    c.service_stage = Some(ServiceStage::Repair);
    c.customer_satisfied = Some(true);
    c
}

fn stamp(op_id: &str, at: DateTime<Utc>, counter: u32, device: &str) -> Stamp {
    Stamp {
        user: None,
        op_id: op_id.into(),
        hlc: Hlc::new(ms(at), counter),
        device: device.into(),
    }
}

/// A device holding one complaint: its sync state and the complaint as it reads.
#[derive(Debug, Clone)]
struct Device {
    name: &'static str,
    state: RecordState,
    complaint: Complaint,
}

impl Device {
    /// Takes a complaint in: the creation operation.
    fn create(name: &'static str, c: &Complaint, op_id: &str, at: DateTime<Utc>) -> (Device, Op) {
        let change = local_change(None, None, c, stamp(op_id, at, 0, name))
            .expect("materialises")
            .expect("a creation");
        let device = Device {
            name,
            state: change.state,
            complaint: change.complaint,
        };
        (device, change.op)
    }

    /// A device that received these operations (in this order).
    fn from_ops(name: &'static str, record: &str, ops: &[Op]) -> Device {
        let mut state = RecordState::new(record);
        for op in ops {
            state.apply(op);
        }
        let complaint = state.materialize().expect("materialises");
        Device {
            name,
            state,
            complaint,
        }
    }

    /// Saves `after` (what the user's action made of `self.complaint`).
    fn save(&mut self, after: &Complaint, op_id: &str, at: DateTime<Utc>, counter: u32) -> Op {
        let change = local_change(
            Some(&self.state),
            Some(&self.complaint),
            after,
            stamp(op_id, at, counter, self.name),
        )
        .expect("materialises")
        .expect("a change");
        self.state = change.state;
        self.complaint = change.complaint;
        change.op
    }

    /// Receives operations from the server (or another device).
    fn receive(&mut self, ops: &[Op]) -> Vec<Applied> {
        let applied = ops.iter().map(|op| self.state.apply(op)).collect();
        self.complaint = self.state.materialize().expect("materialises");
        applied
    }
}

/// The server's side of a push, as the server does it: a retry (an op id
/// seen before) is accepted as is; anything else passes `check_op` first.
#[derive(Debug, Default)]
struct Server {
    state: Option<RecordState>,
    seen: HashSet<String>,
}

impl Server {
    fn push(&mut self, op: &Op, now: DateTime<Utc>) -> Result<(), Rejection> {
        if self.seen.contains(&op.id) {
            return Ok(());
        }
        let after = check_op(self.state.as_ref(), op, ms(now))?;
        self.state = Some(after);
        self.seen.insert(op.id.clone());
        Ok(())
    }

    fn complaint(&self) -> Complaint {
        self.state
            .as_ref()
            .expect("the server has the record")
            .materialize()
            .expect("materialises")
    }
}

// ---------------------------------------------------------------------------
// 1. SLA clocks
// ---------------------------------------------------------------------------

mod first_contact {
    use super::*;

    fn received() -> DateTime<Utc> {
        cst(2026, 11, 23, 10, 0)
    }

    fn contacted_at(after: Duration) -> ClockState {
        let r = received();
        let c = with_entries(
            &open_complaint("fc", r),
            vec![contact("e-contact", r + after, Some(true))],
        );
        let clock = the_clock(&c, ClockKind::FirstContact);
        assert_eq!(clock.done, Some(r + after));
        // Once met, the state no longer depends on the time it is looked at.
        assert_eq!(clock.state(r + days(30)), clock.state(r + after));
        clock.state(r + after)
    }

    #[test]
    fn contact_at_1_h_59_is_on_time() {
        assert_eq!(contacted_at(mins(119)), ClockState::Done { late: None });
        assert_eq!(contacted_at(mins(119)).code(), "done");
    }

    #[test]
    fn contact_at_exactly_2_h_is_on_time() {
        assert_eq!(contacted_at(hours(2)), ClockState::Done { late: None });
    }

    #[test]
    fn contact_at_2_h_01_is_done_one_minute_late() {
        let state = contacted_at(mins(121));
        assert_eq!(
            state,
            ClockState::Done {
                late: Some(mins(1))
            }
        );
        assert_eq!(state.code(), "late");
        assert_eq!(state.describe(Lang::Zh), "超时 1分钟 完成");
        assert_eq!(state.describe(Lang::En), "done 1 min late");
    }

    #[test]
    fn a_waiting_clock_runs_then_is_due_soon_in_the_last_30_minutes_then_overdue() {
        let r = received();
        let c = open_complaint("fc", r);
        assert_eq!(kinds_of(&c), [ClockKind::FirstContact]);
        let clock = the_clock(&c, ClockKind::FirstContact);
        assert_eq!(
            (clock.start, clock.due, clock.done, clock.stopped),
            (r, cst(2026, 11, 23, 12, 0), None, false)
        );
        for (now, expected) in [
            (r, ClockState::Running { left: hours(2) }),
            (r + mins(89), ClockState::Running { left: mins(31) }),
            (r + mins(90), ClockState::DueSoon { left: mins(30) }),
            (r + mins(119), ClockState::DueSoon { left: mins(1) }),
            (r + hours(2), ClockState::DueSoon { left: mins(0) }),
            (r + mins(121), ClockState::Overdue { by: mins(1) }),
            (r + hours(5), ClockState::Overdue { by: hours(3) }),
        ] {
            assert_eq!(clock.state(now), expected, "at {now}");
        }
        assert!(!clock.state(r + mins(89)).needs_attention());
        assert!(clock.state(r + mins(90)).needs_attention());
        assert!(clock.state(r + hours(3)).needs_attention());
        assert_eq!(clock.state(r + mins(89)).code(), "running");
        assert_eq!(clock.state(r + mins(90)).code(), "soon");
        assert_eq!(clock.state(r + hours(3)).code(), "overdue");
    }

    #[test]
    fn an_unreached_contact_or_a_note_does_not_stop_it_but_a_reached_callback_does() {
        let r = received();
        let c = with_entries(
            &open_complaint("fc", r),
            vec![
                contact("e-1", r + mins(20), Some(false)),
                note("e-2", r + mins(30), "顾客电话无人接听，已发短信"),
                callback("e-3", r + mins(40), false, None),
            ],
        );
        let clock = the_clock(&c, ClockKind::FirstContact);
        assert_eq!(clock.done, None);
        assert_eq!(
            clock.state(r + hours(1)),
            ClockState::Running { left: hours(1) }
        );

        let c = with_entries(&c, vec![callback("e-4", r + mins(70), true, None)]);
        let clock = the_clock(&c, ClockKind::FirstContact);
        assert_eq!(clock.done, Some(r + mins(70)));
        assert_eq!(clock.state(r + hours(3)), ClockState::Done { late: None });
    }

    #[test]
    fn a_contact_recorded_without_the_answer_counts_as_reached() {
        let r = received();
        let c = with_entries(
            &open_complaint("fc", r),
            vec![contact("e-1", r + mins(50), None)],
        );
        assert_eq!(
            the_clock(&c, ClockKind::FirstContact).done,
            Some(r + mins(50))
        );
    }

    #[test]
    fn the_earliest_reaching_contact_counts_whatever_the_order_of_typing() {
        let r = received();
        // The 11:30 call is typed in first, the 10:40 visit afterwards (back-dated).
        let mut visit = contact("e-visit", r + mins(40), Some(true));
        visit.method = Some(ContactMethod::Visit);
        visit.recorded = r + hours(3);
        let c = with_entries(
            &open_complaint("fc", r),
            vec![contact("e-call", r + mins(90), Some(true)), visit],
        );
        assert_eq!(
            the_clock(&c, ClockKind::FirstContact).done,
            Some(r + mins(40))
        );
        let ids: Vec<&str> = c.timeline.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["e-visit", "e-call"], "the timeline is in time order");
    }

    /// The issue's case: taken offline at 10:00, customer contacted at 11:00
    /// (recorded on the device then), first synced at 15:00 — on time on the
    /// device that recorded it, on the server and on another device.
    #[test]
    fn taken_offline_at_10_contacted_at_11_synced_at_15_is_on_time_everywhere() {
        let received = cst(2026, 11, 23, 10, 0);
        let contacted = cst(2026, 11, 23, 11, 0);
        let synced = cst(2026, 11, 23, 15, 0);
        let id = "00000000-0000-4000-8000-0000000000c1";

        // Device A, offline all morning.
        let (mut a, create) = Device::create(
            "tablet-a",
            &open_complaint(id, received),
            "op-create",
            received,
        );
        let after = add_entry(&a.complaint, contact("e-contact", contacted, Some(true))).unwrap();
        let add_contact = a.save(&after, "op-contact", contacted, 0);
        assert_eq!(
            add_contact
                .set
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["tl.e-contact"],
            "adding an entry sends exactly that entry"
        );
        assert_eq!(add_contact.hlc, Hlc::new(ms(contacted), 0));

        // 15:00: the first sync. The server checks with its own time, 15:00.
        let mut server = Server::default();
        server.push(&create, synced).expect("creation accepted");
        server.push(&add_contact, synced).expect("contact accepted");

        // Device B pulls both.
        let b = Device::from_ops("tablet-b", id, &[create.clone(), add_contact.clone()]);

        for (who, c) in [
            ("device A", &a.complaint),
            ("server", &server.complaint()),
            ("device B", &b.complaint),
        ] {
            let clock = the_clock(c, ClockKind::FirstContact);
            assert_eq!(clock.start, received, "{who}");
            assert_eq!(clock.due, cst(2026, 11, 23, 12, 0), "{who}");
            assert_eq!(
                clock.done,
                Some(contacted),
                "{who}: met when it happened, not when it synced"
            );
            assert_eq!(
                clock.state(synced),
                ClockState::Done { late: None },
                "{who}"
            );
            assert_eq!(
                clock.describe(synced, Lang::Zh),
                "首次联系：按时完成",
                "{who}"
            );
            assert_eq!(c.timeline.len(), 1, "{who}");
            assert_eq!(c.timeline[0].recorded, contacted, "{who}");
        }
        assert_eq!(server.complaint(), b.complaint);
        assert_eq!(a.complaint, b.complaint);
    }

    #[test]
    fn across_midnight_the_clock_counts_hours_not_dates() {
        // In China, in UTC (where 23:10 → 00:50 also crosses the UTC date) and in
        // US Eastern: the local date changes between receipt and contact.
        for offset in [8, 0, -5] {
            let received = local(offset, 2026, 11, 23, 23, 10);
            let c = with_entries(
                &open_complaint("mn", received),
                vec![contact(
                    "e-1",
                    local(offset, 2026, 11, 24, 0, 50),
                    Some(true),
                )],
            );
            let clock = the_clock(&c, ClockKind::FirstContact);
            assert_eq!(
                clock.due,
                local(offset, 2026, 11, 24, 1, 10),
                "offset {offset}"
            );
            assert_eq!(
                clock.state(clock.due),
                ClockState::Done { late: None },
                "offset {offset}"
            );

            let waiting = the_clock(&open_complaint("mn", received), ClockKind::FirstContact);
            let state = waiting.state(local(offset, 2026, 11, 24, 1, 20));
            assert_eq!(
                state,
                ClockState::Overdue { by: mins(10) },
                "offset {offset}"
            );
            assert_eq!(state.describe(Lang::Zh), "已超时 10分钟");
            assert_eq!(state.describe(Lang::En), "overdue by 10 min");
            assert_eq!(
                waiting.state(local(offset, 2026, 11, 24, 0, 40)),
                ClockState::DueSoon { left: mins(30) },
                "offset {offset}"
            );
        }
    }
}

mod callback_clock {
    use super::*;

    fn resolved_on(at: DateTime<Utc>) -> Complaint {
        let received = at - days(2);
        with_entries(
            &open_complaint("cb", received),
            vec![
                contact("e-contact", received + mins(30), Some(true)),
                resolved("e-resolved", at),
            ],
        )
    }

    #[test]
    fn there_is_no_callback_clock_before_the_complaint_is_resolved() {
        let r = cst(2026, 11, 23, 10, 0);
        let c = with_entries(
            &open_complaint("cb", r),
            vec![contact("e-1", r, Some(true))],
        );
        assert_eq!(kinds_of(&c), [ClockKind::FirstContact]);
        assert_eq!(resolved_at(&c), None);
    }

    #[test]
    fn the_clock_runs_three_days_across_month_and_year_ends() {
        for (resolved, due) in [
            (cst(2027, 1, 31, 20, 0), cst(2027, 2, 3, 20, 0)),
            // 2027 is not a leap year: 28 Feb + 3 days is 3 March.
            (cst(2027, 2, 28, 12, 0), cst(2027, 3, 3, 12, 0)),
            // 2028 is: 29 Feb comes in between.
            (cst(2028, 2, 28, 12, 0), cst(2028, 3, 2, 12, 0)),
            (cst(2026, 12, 30, 9, 0), cst(2027, 1, 2, 9, 0)),
            // 20:00 at +08:00 on 31 Jan is 12:00 UTC; 23:30 local crosses the UTC day too.
            (cst(2027, 1, 31, 23, 30), cst(2027, 2, 3, 23, 30)),
        ] {
            let c = resolved_on(resolved);
            assert_eq!(kinds_of(&c), [ClockKind::FirstContact, ClockKind::Callback]);
            let clock = the_clock(&c, ClockKind::Callback);
            assert_eq!(
                (clock.start, clock.due, clock.done),
                (resolved, due, None),
                "resolved {resolved}"
            );
            assert_eq!(
                clock.state(resolved + hours(53) + mins(59)),
                ClockState::Running {
                    left: hours(18) + mins(1)
                }
            );
            assert_eq!(
                clock.state(resolved + hours(54)),
                ClockState::DueSoon { left: hours(18) },
                "due soon in the last quarter (18 h)"
            );
            assert_eq!(
                clock.state(due - mins(1)),
                ClockState::DueSoon { left: mins(1) }
            );
            assert_eq!(
                clock.state(due + mins(1)),
                ClockState::Overdue { by: mins(1) }
            );
        }
    }

    #[test]
    fn only_a_reached_callback_at_or_after_the_resolution_stops_it() {
        let t = cst(2027, 1, 31, 20, 0);
        let c = resolved_on(t);
        // A reached callback before the resolution, an unanswered one after it.
        let c = with_entries(
            &c,
            vec![
                callback("e-early", t - hours(1), true, None),
                callback("e-noanswer", t + hours(20), false, None),
            ],
        );
        let clock = the_clock(&c, ClockKind::Callback);
        assert_eq!(clock.done, None);
        assert_eq!(
            clock.state(t + days(1)),
            ClockState::Running { left: days(2) }
        );

        let met = with_entries(
            &c,
            vec![callback("e-reached", t + days(1), true, Some(true))],
        );
        let clock = the_clock(&met, ClockKind::Callback);
        assert_eq!(clock.done, Some(t + days(1)));
        assert_eq!(clock.state(t + days(10)), ClockState::Done { late: None });

        let same_moment = with_entries(&c, vec![callback("e-at", t, true, None)]);
        assert_eq!(the_clock(&same_moment, ClockKind::Callback).done, Some(t));

        let late = with_entries(
            &c,
            vec![callback("e-late", t + days(3) + hours(2), true, None)],
        );
        assert_eq!(
            the_clock(&late, ClockKind::Callback).state(t + days(5)),
            ClockState::Done {
                late: Some(hours(2))
            }
        );
    }

    #[test]
    fn a_second_resolution_starts_a_new_clock() {
        let t = cst(2026, 11, 25, 9, 0);
        // The customer was not satisfied at the first callback: back to handling.
        let c = with_entries(
            &resolved_on(t),
            vec![
                callback("e-cb1", t + days(1), true, Some(false)),
                resolved("e-resolved-2", t + days(5)),
            ],
        );
        assert_eq!(resolved_at(&c), Some(t + days(5)));
        let clock = the_clock(&c, ClockKind::Callback);
        assert_eq!(
            (clock.start, clock.due, clock.done),
            (t + days(5), t + days(8), None)
        );
        assert_eq!(
            clock.state(t + days(6)),
            ClockState::Running { left: days(2) }
        );
        assert_eq!(
            clock.state(t + days(9)),
            ClockState::Overdue { by: days(1) }
        );

        let c = with_entries(&c, vec![callback("e-cb2", t + days(9), true, Some(true))]);
        let clock = the_clock(&c, ClockKind::Callback);
        assert_eq!(clock.done, Some(t + days(9)));
        assert_eq!(
            clock.state(t + days(9)),
            ClockState::Done {
                late: Some(days(1))
            }
        );
        assert_eq!(clock.state(t + days(9)).describe(Lang::Zh), "超时 1天 完成");
        assert_eq!(c.customer_satisfied, Some(true));
    }
}

mod major_report_clock {
    use super::*;

    fn marked(nature: Nature, criteria: &[u8], text: &str) -> (Complaint, DateTime<Utc>) {
        let r = cst(2026, 11, 23, 10, 0);
        let mark_at = r + hours(3);
        let mut c = open_complaint("mj", r);
        c.nature = nature;
        let mut mark = major("e-major", mark_at, criteria);
        mark.text = text.into();
        let c = with_entries(
            &c,
            vec![contact("e-contact", r + mins(30), Some(true)), mark],
        );
        (c, mark_at)
    }

    #[test]
    fn a_mark_naming_criterion_5_starts_the_4_hour_clock() {
        let (c, m) = marked(Nature::General, &[2, 5], "");
        assert_eq!(
            kinds_of(&c),
            [ClockKind::FirstContact, ClockKind::MajorReport]
        );
        let clock = the_clock(&c, ClockKind::MajorReport);
        assert_eq!(
            (clock.start, clock.due, clock.done),
            (m, m + hours(4), None)
        );
        assert_eq!(
            clock.state(m + hours(2) + mins(59)),
            ClockState::Running {
                left: hours(1) + mins(1)
            }
        );
        assert_eq!(
            clock.state(m + hours(3)),
            ClockState::DueSoon { left: hours(1) }
        );
        assert_eq!(
            clock.state(m + hours(5)),
            ClockState::Overdue { by: hours(1) }
        );
    }

    #[test]
    fn a_media_or_legal_nature_starts_it_whatever_the_criteria() {
        for nature in [Nature::MediaExposure, Nature::Legal] {
            let (c, m) = marked(nature, &[1], "");
            assert_eq!(
                the_clock(&c, ClockKind::MajorReport).due,
                m + hours(4),
                "{nature:?}"
            );
            let (c, _) = marked(nature, &[], "顾客已联系律师");
            assert!(
                clock_of(&c, ClockKind::MajorReport).is_some(),
                "{nature:?} with a reason only"
            );
        }
    }

    #[test]
    fn a_major_mark_without_exposure_has_no_report_clock() {
        for nature in [Nature::General, Nature::ConsumerAssociation] {
            let (c, _) = marked(nature, &[1, 2, 3, 4], "");
            assert!(major_mark(&c).is_some());
            assert_eq!(kinds_of(&c), [ClockKind::FirstContact], "{nature:?}");
        }
    }

    #[test]
    fn the_report_entry_stops_it() {
        let (c, m) = marked(Nature::General, &[5], "");
        let on_time = with_entries(&c, vec![entry("e-report", EntryKind::Report, m + hours(3))]);
        let clock = the_clock(&on_time, ClockKind::MajorReport);
        assert_eq!(clock.done, Some(m + hours(3)));
        assert_eq!(clock.state(m + hours(6)), ClockState::Done { late: None });

        let late = with_entries(
            &c,
            vec![entry(
                "e-report",
                EntryKind::Report,
                m + hours(4) + mins(30),
            )],
        );
        assert_eq!(
            the_clock(&late, ClockKind::MajorReport).state(m + hours(6)),
            ClockState::Done {
                late: Some(mins(30))
            }
        );
    }

    #[test]
    fn an_unmark_removes_the_clock_and_a_new_mark_starts_it_again() {
        let (c, m) = marked(Nature::General, &[5], "");
        let unmarked = with_entries(
            &c,
            vec![entry("e-unmajor", EntryKind::Unmajor, m + hours(1))],
        );
        assert_eq!(major_mark(&unmarked), None);
        assert_eq!(kinds_of(&unmarked), [ClockKind::FirstContact]);

        let again = with_entries(&unmarked, vec![major("e-major-2", m + hours(6), &[5])]);
        assert_eq!(major_mark(&again).map(|e| e.id.as_str()), Some("e-major-2"));
        let clock = the_clock(&again, ClockKind::MajorReport);
        assert_eq!((clock.start, clock.due), (m + hours(6), m + hours(10)));
    }

    #[test]
    fn a_report_made_before_a_new_mark_does_not_meet_its_clock() {
        let (c, m) = marked(Nature::General, &[5], "");
        let reported = with_entries(&c, vec![entry("e-report", EntryKind::Report, m + hours(1))]);
        assert_eq!(
            the_clock(&reported, ClockKind::MajorReport).done,
            Some(m + hours(1))
        );
        let again = with_entries(
            &reported,
            vec![
                entry("e-unmajor", EntryKind::Unmajor, m + hours(2)),
                major("e-major-2", m + hours(6), &[5]),
            ],
        );
        let clock = the_clock(&again, ClockKind::MajorReport);
        assert_eq!(
            clock.done, None,
            "the old report does not count for the new mark"
        );
        assert_eq!(
            clock.state(m + hours(11)),
            ClockState::Overdue { by: hours(1) }
        );
    }
}

mod closed_clocks {
    use super::*;

    #[test]
    fn closing_stops_the_clocks_an_unmet_one_is_missed_a_met_one_stays_done() {
        let r = cst(2026, 11, 23, 10, 0);
        let c = with_entries(
            &ready_to_close(&open_complaint("cl", r)),
            vec![
                contact("e-contact", r + mins(150), Some(true)),
                resolved("e-resolved", r + days(1)),
            ],
        );
        let closing = r + days(1) + hours(1);
        let closed = change_status(&c, Status::Closed, "e-close".into(), &wang(), closing).unwrap();
        assert_eq!(closed.status, Status::Closed);

        let contact_clock = the_clock(&closed, ClockKind::FirstContact);
        assert!(contact_clock.stopped);
        assert_eq!(
            contact_clock.state(closing),
            ClockState::Done {
                late: Some(mins(30))
            }
        );

        let callback_clock = the_clock(&closed, ClockKind::Callback);
        assert!(callback_clock.stopped);
        // Missed at once, even though the 3 days have not run out.
        assert_eq!(callback_clock.state(closing), ClockState::Missed);
        assert_eq!(callback_clock.state(r + days(30)), ClockState::Missed);
        assert_eq!(callback_clock.state(closing).code(), "missed");
        assert!(!ClockState::Missed.needs_attention());
        assert_eq!(
            callback_clock.describe(closing, Lang::Zh),
            "回访：未完成即关闭"
        );
        assert_eq!(
            callback_clock.describe(closing, Lang::En),
            "Callback: missed"
        );
        assert_eq!(
            most_urgent(&closed, closing),
            None,
            "a closed complaint needs nothing"
        );

        // Before closing the same clock was running.
        assert_eq!(
            the_clock(&c, ClockKind::Callback).state(closing),
            ClockState::Running {
                left: days(3) - hours(1)
            }
        );
    }
}

mod urgency_and_wording {
    use super::*;

    /// Contacted, resolved at `t`, marked major with exposure at `t + 1 h`.
    fn three_clocks() -> (Complaint, DateTime<Utc>) {
        let r = cst(2026, 11, 23, 10, 0);
        let t = r + days(1);
        let c = with_entries(
            &open_complaint("ur", r),
            vec![
                contact("e-contact", r + mins(30), Some(true)),
                resolved("e-resolved", t),
                major("e-major", t + hours(1), &[5]),
            ],
        );
        (c, t)
    }

    #[test]
    fn most_urgent_is_the_unmet_clock_due_first() {
        let (c, t) = three_clocks();
        assert_eq!(
            kinds_of(&c),
            [
                ClockKind::FirstContact,
                ClockKind::Callback,
                ClockKind::MajorReport
            ]
        );
        // The report is due at t + 5 h, the callback at t + 3 d; contact is met.
        let (clock, state) = most_urgent(&c, t + hours(2)).expect("a clock runs");
        assert_eq!(clock.kind, ClockKind::MajorReport);
        assert_eq!(state, ClockState::Running { left: hours(3) });
        let (clock, state) = most_urgent(&c, t + hours(6)).unwrap();
        assert_eq!(
            (clock.kind, state),
            (ClockKind::MajorReport, ClockState::Overdue { by: hours(1) })
        );

        // Reported: the callback is what remains.
        let reported = with_entries(&c, vec![entry("e-report", EntryKind::Report, t + hours(4))]);
        let (clock, state) = most_urgent(&reported, t + days(2) + hours(12)).unwrap();
        assert_eq!(
            (clock.kind, state),
            (ClockKind::Callback, ClockState::DueSoon { left: hours(12) })
        );

        // Called back too: nothing left.
        let all_met = with_entries(
            &reported,
            vec![callback("e-cb", t + days(1), true, Some(true))],
        );
        assert_eq!(most_urgent(&all_met, t + days(2)), None);
    }

    #[test]
    fn an_overdue_clock_due_earlier_beats_one_due_soon() {
        let r = cst(2026, 11, 23, 10, 0);
        // Never contacted; marked major (criterion 5) at 11:00.
        let c = with_entries(
            &open_complaint("ur", r),
            vec![major("e-major", r + hours(1), &[5])],
        );
        let (clock, state) = most_urgent(&c, r + hours(4)).unwrap();
        assert_eq!(
            (clock.kind, state),
            (
                ClockKind::FirstContact,
                ClockState::Overdue { by: hours(2) }
            )
        );
        assert_eq!(
            the_clock(&c, ClockKind::MajorReport).state(r + hours(4)),
            ClockState::DueSoon { left: hours(1) }
        );
    }

    #[test]
    fn durations_read_in_both_languages() {
        for (d, zh, en) in [
            (Duration::seconds(30), "<1分钟", "<1 min"),
            (Duration::seconds(-90), "<1分钟", "<1 min"),
            (mins(1), "1分钟", "1 min"),
            (mins(45), "45分钟", "45 min"),
            (hours(1) + mins(20), "1小时20分", "1 h 20 min"),
            (hours(2), "2小时", "2 h"),
            (hours(2) + Duration::seconds(59), "2小时", "2 h"),
            (days(1), "1天", "1 d"),
            (days(3) + hours(4), "3天4小时", "3 d 4 h"),
            // Minutes are left out once it is days.
            (days(3) + hours(4) + mins(59), "3天4小时", "3 d 4 h"),
        ] {
            assert_eq!(duration(d, Lang::Zh), zh, "{d}");
            assert_eq!(duration(d, Lang::En), en, "{d}");
        }
    }

    #[test]
    fn states_describe_themselves_in_both_languages() {
        for (state, zh, en) in [
            (ClockState::Done { late: None }, "按时完成", "done on time"),
            (
                ClockState::Done {
                    late: Some(hours(3)),
                },
                "超时 3小时 完成",
                "done 3 h late",
            ),
            (
                ClockState::Running {
                    left: hours(1) + mins(20),
                },
                "还剩 1小时20分",
                "1 h 20 min left",
            ),
            (
                ClockState::DueSoon { left: mins(25) },
                "还剩 25分钟",
                "25 min left",
            ),
            (
                ClockState::Overdue {
                    by: days(3) + hours(4),
                },
                "已超时 3天4小时",
                "overdue by 3 d 4 h",
            ),
            (ClockState::Missed, "未完成即关闭", "missed"),
        ] {
            assert_eq!(state.describe(Lang::Zh), zh);
            assert_eq!(state.describe(Lang::En), en);
        }
        let r = cst(2026, 11, 23, 10, 0);
        let clock = the_clock(&open_complaint("w", r), ClockKind::FirstContact);
        assert_eq!(
            clock.describe(r + mins(40), Lang::Zh),
            "首次联系：还剩 1小时20分"
        );
        assert_eq!(
            clock.describe(r + mins(40), Lang::En),
            "First contact: 1 h 20 min left"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. The timeline and the eight steps, merged across devices
// ---------------------------------------------------------------------------

mod timeline_merge {
    use super::*;

    const REC: &str = "00000000-0000-4000-8000-0000000000d2";

    fn t0() -> DateTime<Utc> {
        cst(2026, 11, 23, 9, 0)
    }

    fn note_by(who: &Actor, id: &str, at: DateTime<Utc>, text: &str) -> Entry {
        let mut e = Entry::new(id.into(), EntryKind::Note, who, at, at);
        e.text = text.into();
        e
    }

    struct Scenario {
        create: Op,
        ops_a: Vec<Op>,
        ops_b: Vec<Op>,
        a: Device,
        b: Device,
    }

    /// Tablet A takes the complaint in; B receives the creation; then both
    /// work offline on it.
    fn offline_work() -> Scenario {
        let (mut a, create) =
            Device::create("tablet-a", &open_complaint(REC, t0()), "op-create", t0());
        let mut b = Device::from_ops("tablet-b", REC, std::slice::from_ref(&create));
        let (wa, lb) = (actor("王经理", "tablet-a"), actor("刘顾问", "tablet-b"));

        // Tablet A: a note at 10:00, ticks steps 1 and 3, a contact at 11:00.
        let mut ops_a = Vec::new();
        let c = add_entry(
            &a.complaint,
            note_by(&wa, "n-zeta", t0() + hours(1), "已查阅维修记录"),
        )
        .unwrap();
        ops_a.push(a.save(&c, "op-a1", t0() + hours(1), 0));
        let c = tick_step(&a.complaint, 1, true, &wa, t0() + hours(1) + mins(10)).unwrap();
        ops_a.push(a.save(&c, "op-a2", t0() + hours(1) + mins(10), 0));
        let c = tick_step(&a.complaint, 3, true, &wa, t0() + hours(1) + mins(30)).unwrap();
        ops_a.push(a.save(&c, "op-a3", t0() + hours(1) + mins(30), 0));
        let mut visit = Entry::new(
            "c-a".into(),
            EntryKind::Contact,
            &wa,
            t0() + hours(2),
            t0() + hours(2),
        );
        visit.method = Some(ContactMethod::Visit);
        visit.reached = Some(true);
        let c = add_entry(&a.complaint, visit).unwrap();
        ops_a.push(a.save(&c, "op-a4", t0() + hours(2), 0));

        // Tablet B: a contact at 09:30 typed in at 09:45, a note at 10:00
        // (the same minute as A's), ticks steps 2 and 3.
        let mut ops_b = Vec::new();
        let mut call = Entry::new(
            "c-b".into(),
            EntryKind::Contact,
            &lb,
            t0() + mins(30),
            t0() + mins(45),
        );
        call.method = Some(ContactMethod::Phone);
        call.reached = Some(true);
        let c = add_entry(&b.complaint, call).unwrap();
        ops_b.push(b.save(&c, "op-b1", t0() + mins(45), 0));
        let c = add_entry(
            &b.complaint,
            note_by(&lb, "n-alpha", t0() + hours(1), "顾客希望周末取车"),
        )
        .unwrap();
        ops_b.push(b.save(&c, "op-b2", t0() + hours(1), 0));
        let c = tick_step(&b.complaint, 2, true, &lb, t0() + hours(1) + mins(20)).unwrap();
        ops_b.push(b.save(&c, "op-b3", t0() + hours(1) + mins(20), 0));
        let c = tick_step(&b.complaint, 3, true, &lb, t0() + hours(1) + mins(40)).unwrap();
        ops_b.push(b.save(&c, "op-b4", t0() + hours(1) + mins(40), 0));

        Scenario {
            create,
            ops_a,
            ops_b,
            a,
            b,
        }
    }

    fn timeline_ids(c: &Complaint) -> Vec<&str> {
        c.timeline.iter().map(|e| e.id.as_str()).collect()
    }

    fn sync_time() -> DateTime<Utc> {
        cst(2026, 11, 23, 15, 0)
    }

    #[test]
    fn entries_and_ticks_made_offline_on_two_devices_all_appear_everywhere_in_time_order() {
        let Scenario {
            create,
            ops_a,
            ops_b,
            mut a,
            mut b,
        } = offline_work();
        // Each device's ops touch only their own keys.
        assert_eq!(ops_a[0].set.keys().collect::<Vec<_>>(), ["tl.n-zeta"]);
        assert_eq!(ops_a[1].set.keys().collect::<Vec<_>>(), ["step.1"]);
        assert_eq!(ops_b[3].set.keys().collect::<Vec<_>>(), ["step.3"]);
        assert!(ops_b[3].base.is_empty(), "B never saw A's tick of step 3");

        // Server 1: A syncs first, then B; each device retries its whole outbox once.
        let mut server1 = Server::default();
        for op in std::iter::once(&create)
            .chain(&ops_a)
            .chain(&ops_b)
            .chain(&ops_a)
            .chain(&ops_b)
        {
            server1
                .push(op, sync_time())
                .unwrap_or_else(|r| panic!("{} refused: {r:?}", op.id));
        }
        // Server 2: B first, then A, with retries interleaved.
        let mut server2 = Server::default();
        server2.push(&create, sync_time()).unwrap();
        for op in ops_b
            .iter()
            .chain(&ops_a)
            .chain(ops_b.iter().rev())
            .chain(ops_a.iter().rev())
        {
            server2
                .push(op, sync_time())
                .unwrap_or_else(|r| panic!("{} refused: {r:?}", op.id));
        }

        // The devices pull the other's ops (and their own back: duplicates).
        let applied: Vec<Applied> = a.receive(&ops_b);
        assert_eq!(applied, [Applied::New; 4]);
        assert_eq!(a.receive(&ops_a), [Applied::Duplicate; 4]);
        b.receive(&ops_a.iter().rev().cloned().collect::<Vec<_>>());
        b.receive(&ops_b);
        b.receive(std::slice::from_ref(&create));
        // A fresh device gets everything backwards, creation last, twice.
        let all: Vec<Op> = std::iter::once(create.clone())
            .chain(ops_a.clone())
            .chain(ops_b.clone())
            .collect();
        let mut backwards: Vec<Op> = all.iter().rev().cloned().collect();
        backwards.extend(all.iter().cloned());
        let c = Device::from_ops("tablet-c", REC, &backwards);

        let expected_ids = ["c-b", "n-alpha", "n-zeta", "c-a"];
        let reference = server1.complaint();
        for (who, complaint, state) in [
            (
                "server 1",
                reference.clone(),
                server1.state.clone().unwrap(),
            ),
            (
                "server 2",
                server2.complaint(),
                server2.state.clone().unwrap(),
            ),
            ("tablet A", a.complaint.clone(), a.state.clone()),
            ("tablet B", b.complaint.clone(), b.state.clone()),
            ("tablet C", c.complaint.clone(), c.state.clone()),
        ] {
            assert_eq!(
                timeline_ids(&complaint),
                expected_ids,
                "{who}: all entries, by (at, id)"
            );
            assert_eq!(complaint.timeline.len(), 4, "{who}");
            assert_eq!(
                complaint.steps.keys().copied().collect::<Vec<u8>>(),
                [1, 2, 3],
                "{who}"
            );
            assert_eq!(complaint.steps[&1].dev, "tablet-a", "{who}");
            assert_eq!(complaint.steps[&2].dev, "tablet-b", "{who}");
            // Both ticked step 3: the newer tick (B's, 10:40) stands everywhere.
            assert_eq!(complaint.steps[&3].by, "刘顾问", "{who}");
            assert_eq!(complaint.steps[&3].at, t0() + hours(1) + mins(40), "{who}");
            assert_eq!(state.ops.len(), 9, "{who}: every op once");
            assert_eq!(complaint, reference, "{who}: the same complaint");
            assert_eq!(
                state,
                server1.state.clone().unwrap(),
                "{who}: the same sync state"
            );
        }
        // The first contact is B's 09:30 call.
        assert_eq!(
            the_clock(&reference, ClockKind::FirstContact).done,
            Some(t0() + mins(30))
        );
        let b_call = &reference.timeline[0];
        assert_eq!(
            (b_call.by.as_str(), b_call.dev.as_str()),
            ("刘顾问", "tablet-b")
        );
        assert_eq!(b_call.recorded, t0() + mins(45));
    }

    #[test]
    fn an_unticked_step_is_removed_everywhere() {
        let Scenario {
            create,
            ops_a,
            ops_b,
            mut a,
            mut b,
        } = offline_work();
        a.receive(&ops_b);
        b.receive(&ops_a);
        let mut server = Server::default();
        for op in std::iter::once(&create).chain(&ops_a).chain(&ops_b) {
            server.push(op, sync_time()).unwrap();
        }
        let now = sync_time() + hours(1);
        let unticked =
            tick_step(&b.complaint, 1, false, &actor("刘顾问", "tablet-b"), now).unwrap();
        assert!(!unticked.steps.contains_key(&1));
        let op = b.save(&unticked, "op-b5", now, 0);
        assert_eq!(
            op.set,
            BTreeMap::from([("step.1".to_string(), Value::Null)])
        );
        assert_eq!(op.base["step.1"], ["op-a2"], "the untick saw A's tick");
        server.push(&op, now).expect("an untick is accepted");
        a.receive(std::slice::from_ref(&op));
        for (who, c) in [
            ("server", server.complaint()),
            ("tablet A", a.complaint.clone()),
            ("tablet B", b.complaint.clone()),
        ] {
            assert_eq!(
                c.steps.keys().copied().collect::<Vec<u8>>(),
                [2, 3],
                "{who}"
            );
            assert_eq!(c.timeline.len(), 4, "{who}");
        }
        assert_eq!(a.complaint, server.complaint());
        assert_eq!(
            tick_step(&a.complaint, 1, false, &wang(), now),
            Err(HandlingError::Unchanged),
            "unticking an unticked step changes nothing"
        );
        assert_eq!(
            tick_step(&a.complaint, 2, true, &wang(), now),
            Err(HandlingError::Unchanged)
        );
        for n in [0, 9] {
            assert!(matches!(
                tick_step(&a.complaint, n, true, &wang(), now),
                Err(HandlingError::Invalid(..))
            ));
        }
    }

    /// The server's record after the creation and tablet A's ops.
    fn server_with_a() -> (Server, Scenario) {
        let s = offline_work();
        let mut server = Server::default();
        for op in std::iter::once(&s.create).chain(&s.ops_a) {
            server.push(op, sync_time()).unwrap();
        }
        (server, s)
    }

    fn entry_op(id: &str, key: &str, value: Value) -> Op {
        Op {
            user: None,
            received: None,
            id: id.into(),
            record: REC.into(),
            hlc: Hlc::new(ms(sync_time()), 0),
            device: "tablet-b".into(),
            set: BTreeMap::from([(key.to_string(), value)]),
            base: BTreeMap::new(),
        }
    }

    fn refusal(server: &Server, op: &Op) -> Rejection {
        check_op(server.state.as_ref(), op, ms(sync_time())).expect_err("should be refused")
    }

    #[test]
    fn an_entry_once_added_is_never_changed() {
        let (server, s) = server_with_a();
        let mut changed =
            s.a.complaint
                .timeline
                .iter()
                .find(|e| e.id == "n-zeta")
                .unwrap()
                .clone();
        changed.text = "改写过的备注".into();
        let op = entry_op(
            "op-x1",
            "tl.n-zeta",
            serde_json::to_value(&changed).unwrap(),
        );
        let r = refusal(&server, &op);
        assert_eq!(r.code, RejectCode::InvalidValue);
        assert_eq!(r.field.as_deref(), Some("tl.n-zeta"));
        assert_eq!(r.detail, "a timeline entry is never changed once added");
        assert_eq!(
            r.message(Lang::En),
            "The value of “tl.n-zeta” was refused: a timeline entry is never changed once added"
        );
        // Even sent again unchanged by another op: only a retry of the same op
        // is accepted, and the server recognises that by the op id first.
        let original =
            s.a.complaint
                .timeline
                .iter()
                .find(|e| e.id == "n-zeta")
                .unwrap();
        let again = entry_op(
            "op-x2",
            "tl.n-zeta",
            serde_json::to_value(original).unwrap(),
        );
        assert_eq!(refusal(&server, &again).code, RejectCode::InvalidValue);
        // The server's record is untouched.
        assert_eq!(
            server
                .complaint()
                .timeline
                .iter()
                .find(|e| e.id == "n-zeta")
                .unwrap()
                .text,
            "已查阅维修记录"
        );
    }

    #[test]
    fn a_tick_must_say_who_ticked_it() {
        let (server, _) = server_with_a();
        for (op_id, value) in [
            ("op-t1", json!({})),
            ("op-t2", json!({"by": " ", "at": "2026-03-10T08:00:00Z"})),
            ("op-t3", json!("yes")),
        ] {
            let r = refusal(&server, &entry_op(op_id, "step.4", value.clone()));
            assert_eq!(r.code, RejectCode::InvalidValue, "{value}");
            assert_eq!(r.field.as_deref(), Some("step.4"), "{value}");
        }
        let good = json!({"by": "王经理", "dev": "tablet-b", "at": "2026-03-10T08:00:00Z"});
        assert!(check_op(
            server.state.as_ref(),
            &entry_op("op-t4", "step.4", good),
            ms(sync_time())
        )
        .is_ok());
    }

    #[test]
    fn an_invalid_entry_is_refused_naming_its_key() {
        let (server, _) = server_with_a();
        let at = sync_time();
        let good = note("n-new", at, "顾客来电询问进度");
        assert!(check_op(
            server.state.as_ref(),
            &entry_op("op-ok", "tl.n-new", serde_json::to_value(&good).unwrap()),
            ms(at)
        )
        .is_ok());

        let mut no_by = good.clone();
        no_by.by = "  ".into();
        let mut no_reached = callback("cb-new", at, true, None);
        no_reached.reached = None;
        let mut future = good.clone();
        future.at = at + mins(6);
        let mut no_text = good.clone();
        no_text.text.clear();
        for (key, value, detail) in [
            (
                "tl.n-other",
                serde_json::to_value(&good).unwrap(),
                "the entry's id differs from its key",
            ),
            (
                "tl.n-new",
                serde_json::to_value(&no_by).unwrap(),
                "Say who did it (at most 50 characters)",
            ),
            (
                "tl.cb-new",
                serde_json::to_value(&no_reached).unwrap(),
                "Say whether the customer was reached",
            ),
            (
                "tl.n-new",
                serde_json::to_value(&future).unwrap(),
                "The time cannot be in the future",
            ),
            (
                "tl.n-new",
                serde_json::to_value(&no_text).unwrap(),
                "Write the note",
            ),
        ] {
            let r = refusal(&server, &entry_op("op-bad", key, value));
            assert_eq!(r.code, RejectCode::InvalidValue, "{key}: {detail}");
            assert_eq!(r.field.as_deref(), Some(key));
            assert_eq!(r.detail, detail);
        }
        let r = refusal(
            &server,
            &entry_op(
                "op-bad",
                "tl.n-new",
                json!({ "id": "n-new", "kind": "gossip" }),
            ),
        );
        assert_eq!(
            (r.code, r.field.as_deref()),
            (RejectCode::InvalidValue, Some("tl.n-new"))
        );
        // An id outside [a-z0-9-] is not a timeline key at all.
        let r = refusal(
            &server,
            &entry_op("op-bad", "tl.N_NEW", serde_json::to_value(&good).unwrap()),
        );
        assert_eq!(
            (r.code, r.field.as_deref()),
            (RejectCode::UnknownField, Some("tl.N_NEW"))
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Status lifecycle
// ---------------------------------------------------------------------------

mod status {
    use super::*;

    fn now() -> DateTime<Utc> {
        cst(2026, 11, 26, 16, 0)
    }

    fn open() -> Complaint {
        open_complaint("st", cst(2026, 11, 23, 10, 0))
    }

    fn close(c: &Complaint) -> Result<Complaint, HandlingError> {
        change_status(c, Status::Closed, "s-close".into(), &wang(), now())
    }

    #[test]
    fn closing_is_refused_naming_exactly_what_is_missing() {
        let mut c = open();
        c.final_result = "   ".into(); // blank counts as missing
        let err = close(&c).unwrap_err();
        assert_eq!(
            err,
            HandlingError::MissingToClose(vec![
                Field::FinalResult,
                Field::RootCause,
                Field::ServiceStage,
                Field::CustomerSatisfied
            ])
        );
        assert_eq!(
            err.message(Lang::Zh),
            "关闭投诉前必须填写：最终结果、投诉原因分析及投诉整改措施、问题发生环节（服务核心流程）、顾客是否满意"
        );
        assert_eq!(
            err.message(Lang::En),
            "To close, first fill in: Final result, Root cause and corrective action, Where it went wrong (service process stage), Customer satisfied"
        );

        c.final_result = "车辆完全修复".into();
        let err = close(&c).unwrap_err();
        assert_eq!(
            err,
            HandlingError::MissingToClose(vec![
                Field::RootCause,
                Field::ServiceStage,
                Field::CustomerSatisfied
            ])
        );
        assert_eq!(
            err.message(Lang::Zh),
            "关闭投诉前必须填写：投诉原因分析及投诉整改措施、问题发生环节（服务核心流程）、顾客是否满意"
        );
        assert_eq!(
            err.message(Lang::En),
            "To close, first fill in: Root cause and corrective action, Where it went wrong (service process stage), Customer satisfied"
        );

        c.root_cause = "未查明根本原因".into();
        assert_eq!(
            close(&c).unwrap_err(),
            HandlingError::MissingToClose(vec![Field::ServiceStage, Field::CustomerSatisfied])
        );

        // "Not a service-process gap" is a stage answer too.
        c.service_stage = Some(ServiceStage::NotAGap);
        assert_eq!(
            close(&c).unwrap_err(),
            HandlingError::MissingToClose(vec![Field::CustomerSatisfied])
        );

        // "Not satisfied" is an answer too.
        c.customer_satisfied = Some(false);
        let closed = close(&c).expect("everything is filled in");
        assert_eq!(closed.status, Status::Closed);
    }

    #[test]
    fn closing_records_who_when_and_from_what() {
        let c = ready_to_close(&open());
        let closed = close(&c).unwrap();
        assert_eq!(closed.timeline.len(), 1);
        let e = &closed.timeline[0];
        assert_eq!(e.id, "s-close");
        assert_eq!(e.kind, EntryKind::Status);
        assert_eq!(
            (e.from, e.status),
            (Some(Status::OnGoing), Some(Status::Closed))
        );
        assert_eq!((e.by.as_str(), e.dev.as_str()), ("王经理", "tablet-a"));
        assert_eq!((e.at, e.recorded), (now(), now()));
        assert!(!e.is_reopening());
        assert_eq!(e.check(), Ok(()));
        assert_eq!(closed_at(&closed), Some(now()));
        assert_eq!(closed_at(&c), None);
        // Nothing else changed.
        assert_eq!(
            Complaint {
                status: Status::OnGoing,
                timeline: vec![],
                ..closed.clone()
            },
            c
        );
    }

    #[test]
    fn reopening_is_allowed_and_recorded_as_a_reopening() {
        let closed = close(&ready_to_close(&open())).unwrap();
        let later = now() + days(2);
        let reopened = change_status(
            &closed,
            Status::OnGoing,
            "s-reopen".into(),
            &actor("刘顾问", "tablet-b"),
            later,
        )
        .unwrap();
        assert_eq!(reopened.status, Status::OnGoing);
        assert_eq!(reopened.timeline.len(), 2);
        let e = reopened.timeline.last().unwrap();
        assert_eq!(
            (e.from, e.status),
            (Some(Status::Closed), Some(Status::OnGoing))
        );
        assert!(e.is_reopening());
        assert_eq!((e.by.as_str(), e.at), ("刘顾问", later));
        assert_eq!(closed_at(&reopened), None);

        // Hold → in process is a status change, not a reopening.
        let mut held = open();
        held.status = Status::Hold;
        let moved =
            change_status(&held, Status::InProcess, "s-move".into(), &wang(), now()).unwrap();
        assert!(!moved.timeline[0].is_reopening());
        assert_eq!(moved.timeline[0].from, Some(Status::Hold));
    }

    #[test]
    fn the_same_status_is_unchanged() {
        let c = open();
        assert_eq!(
            change_status(&c, Status::OnGoing, "s-x".into(), &wang(), now()),
            Err(HandlingError::Unchanged)
        );
        let closed = close(&ready_to_close(&c)).unwrap();
        assert_eq!(close(&closed), Err(HandlingError::Unchanged));
        assert_eq!(
            HandlingError::Unchanged.message(Lang::En),
            "Nothing changed"
        );
        assert_eq!(HandlingError::Unchanged.message(Lang::Zh), "没有变化");
    }

    #[test]
    fn a_status_entry_cannot_be_added_as_an_ordinary_entry() {
        let mut e = entry("s-sneak", EntryKind::Status, now());
        e.status = Some(Status::Closed);
        assert_eq!(
            add_entry(&open(), e),
            Err(HandlingError::Invalid(
                "请用状态按钮更改状态",
                "Use the status control to change the status"
            ))
        );
    }

    #[test]
    fn the_form_reports_required_to_close_on_the_missing_fields() {
        let offset = FixedOffset::east_opt(8 * 3600).unwrap();
        let mut c = open();
        c.status = Status::Closed;
        let required_to_close = |c: &Complaint| -> Vec<Field> {
            ComplaintForm::from_complaint(c, offset)
                .issues(offset)
                .into_iter()
                .filter(|i| i.kind == IssueKind::RequiredToClose)
                .inspect(|i| assert!(i.is_error()))
                .map(|i| i.field)
                .collect()
        };
        assert_eq!(
            required_to_close(&c),
            [
                Field::FinalResult,
                Field::RootCause,
                Field::ServiceStage,
                Field::CustomerSatisfied
            ]
        );
        let issues = ComplaintForm::from_complaint(&c, offset).issues(offset);
        let root = issues.iter().find(|i| i.field == Field::RootCause).unwrap();
        assert_eq!(
            root.message(Lang::Zh),
            "关闭投诉前必须填写投诉原因分析及投诉整改措施"
        );
        assert_eq!(
            root.message(Lang::En),
            "Root cause and corrective action is required to close the complaint"
        );

        let stage = issues
            .iter()
            .find(|i| i.field == Field::ServiceStage)
            .unwrap();
        assert_eq!(
            stage.message(Lang::Zh),
            "关闭投诉前必须填写问题发生环节（服务核心流程）"
        );

        c.final_result = "车辆完全修复".into();
        c.customer_satisfied = Some(true);
        c.service_stage = Some(ServiceStage::Reception);
        assert_eq!(required_to_close(&c), [Field::RootCause]);
        c.root_cause = "整改：检测盘跳动".into();
        assert_eq!(required_to_close(&c), Vec::<Field>::new());
        c.service_stage = None;
        assert_eq!(required_to_close(&c), [Field::ServiceStage]);
        // An open complaint needs none of them.
        assert_eq!(required_to_close(&open()), Vec::<Field>::new());
    }

    /// `c` created on a tablet and on the server, and the edit form's save
    /// that closes it: status set to closed, recorded in the timeline.
    fn created_then_closing(c: &Complaint, received: DateTime<Utc>) -> (Device, Server, Complaint) {
        let (device, create) = Device::create("tablet-a", c, "op-create", received);
        let mut server = Server::default();
        server.push(&create, now()).unwrap();
        let mut closing = device.complaint.clone();
        closing.status = Status::Closed;
        record_status_change(
            &mut closing,
            Status::OnGoing,
            "s-close".into(),
            &wang(),
            now(),
        );
        (device, server, closing)
    }

    #[test]
    fn the_server_refuses_closing_without_the_root_cause_but_accepts_it_sent_together() {
        let received = cst(2026, 11, 23, 10, 0);
        let mut c = open_complaint("00000000-0000-4000-8000-0000000000e3", received);
        c.final_result = "车辆完全修复".into();
        c.service_stage = Some(ServiceStage::Repair);
        c.customer_satisfied = Some(true);
        let (device, mut server, mut closing) = created_then_closing(&c, received);
        let e = closing.timeline.last().unwrap();
        assert_eq!(
            (e.from, e.status, e.at),
            (Some(Status::OnGoing), Some(Status::Closed), now())
        );
        let mut without = device.clone();
        let op = without.save(&closing, "op-close", now(), 0);
        assert_eq!(op.set.keys().collect::<Vec<_>>(), ["status", "tl.s-close"]);
        let r = check_op(server.state.as_ref(), &op, ms(now())).expect_err("root cause missing");
        assert_eq!(r.code, RejectCode::InvalidValue);
        assert_eq!(r.field.as_deref(), Some("root_cause"));
        assert_eq!(
            r.detail,
            "Root cause and corrective action is required to close the complaint"
        );
        assert_eq!(
            r.message(Lang::Zh),
            "“投诉原因分析及投诉整改措施”的值不被接受：Root cause and corrective action is required to close the complaint"
        );

        // Status and the missing root cause in one save: accepted.
        closing.root_cause = "首次维修未查明原因；整改：检测盘跳动".into();
        let mut with = device.clone();
        let op = with.save(&closing, "op-close-2", now(), 0);
        assert_eq!(
            op.set.keys().collect::<Vec<_>>(),
            ["root_cause", "status", "tl.s-close"]
        );
        server.push(&op, now()).expect("complete closing accepted");
        let m = server.complaint();
        assert_eq!(m.status, Status::Closed);
        assert_eq!(closed_at(&m), Some(now()));
        assert_eq!(m, with.complaint);
    }

    #[test]
    fn the_server_refuses_closing_without_the_service_stage_but_accepts_it_sent_together() {
        let received = cst(2026, 11, 23, 10, 0);
        let c = ready_to_close(&open_complaint(
            "00000000-0000-4000-8000-0000000000e4",
            received,
        ));
        let c = Complaint {
            service_stage: None,
            ..c
        };
        let (device, mut server, mut closing) = created_then_closing(&c, received);
        let op = device.clone().save(&closing, "op-close", now(), 0);
        assert_eq!(op.set.keys().collect::<Vec<_>>(), ["status", "tl.s-close"]);
        let r = check_op(server.state.as_ref(), &op, ms(now())).expect_err("stage missing");
        assert_eq!(r.code, RejectCode::InvalidValue);
        assert_eq!(r.field.as_deref(), Some("service_stage"));
        assert_eq!(
            r.detail,
            "Where it went wrong (service process stage) is required to close the complaint"
        );

        // An unknown stage code is refused as such, whatever the status.
        let mut bad = op.clone();
        bad.id = "op-bad-stage".into();
        bad.set.insert("service_stage".into(), json!("paint_shop"));
        let r = check_op(server.state.as_ref(), &bad, ms(now())).expect_err("unknown stage");
        assert_eq!(r.code, RejectCode::InvalidValue);
        assert_eq!(r.field.as_deref(), Some("service_stage"));

        // Status and the stage in one save: accepted.
        closing.service_stage = Some(ServiceStage::QualityCheck);
        let mut with = device.clone();
        let op = with.save(&closing, "op-close-2", now(), 0);
        assert_eq!(
            op.set.keys().collect::<Vec<_>>(),
            ["service_stage", "status", "tl.s-close"]
        );
        assert_eq!(op.set["service_stage"], json!("quality_check"));
        server.push(&op, now()).expect("complete closing accepted");
        let m = server.complaint();
        assert_eq!(m.status, Status::Closed);
        assert_eq!(m.service_stage, Some(ServiceStage::QualityCheck));
        assert_eq!(m, with.complaint);
    }
}

// ---------------------------------------------------------------------------
// 4. Escalation, the major mark, callbacks
// ---------------------------------------------------------------------------

mod escalation {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        cst(2026, 11, 23, 10, 0) + hours(h)
    }

    const HIGHER_ONLY: HandlingError = HandlingError::Invalid(
        "只能升级到更高的层级",
        "A complaint can only be escalated to a higher level",
    );

    #[test]
    fn levels_go_up_only() {
        assert!(Level::Branch < Level::Management && Level::Management < Level::Manufacturer);
        let c = open_complaint("es", at(0));
        assert_eq!(escalation_level(&c), Level::Branch);
        assert_eq!(
            add_entry(
                &c,
                escalation("x-0", at(1), Some(Level::Branch), "维修站无法解决")
            ),
            Err(HIGHER_ONLY)
        );

        let c = add_entry(
            &c,
            escalation("x-1", at(1), Some(Level::Management), "维修站无法解决"),
        )
        .unwrap();
        assert_eq!(escalation_level(&c), Level::Management);
        assert_eq!(
            add_entry(
                &c,
                escalation("x-2", at(2), Some(Level::Management), "再次上报")
            ),
            Err(HIGHER_ONLY)
        );
        assert_eq!(
            add_entry(&c, escalation("x-2", at(2), Some(Level::Branch), "退回")),
            Err(HIGHER_ONLY)
        );

        let c = add_entry(
            &c,
            escalation(
                "x-3",
                at(3),
                Some(Level::Manufacturer),
                "管理层无法解决，请厂方区域经理介入",
            ),
        )
        .unwrap();
        assert_eq!(escalation_level(&c), Level::Manufacturer);
        assert_eq!(
            add_entry(
                &c,
                escalation("x-4", at(4), Some(Level::Management), "退回")
            ),
            Err(HIGHER_ONLY)
        );
        assert_eq!(HIGHER_ONLY.message(Lang::Zh), "只能升级到更高的层级");
        assert_eq!(c.timeline.len(), 2);
    }

    #[test]
    fn the_level_is_the_highest_reached_whatever_the_order_of_the_entries() {
        // Entries merged from two devices: the manufacturer's escalation
        // happened before management's (both added on devices that had not
        // seen the other).
        let mut c = open_complaint("es", at(0));
        c.timeline = vec![
            escalation("x-m", at(1), Some(Level::Manufacturer), "直接上报厂方"),
            escalation("x-g", at(2), Some(Level::Management), "上报管理层"),
        ];
        assert_eq!(escalation_level(&c), Level::Manufacturer);
    }

    #[test]
    fn an_escalation_needs_a_level_and_a_reason() {
        let c = open_complaint("es", at(0));
        assert_eq!(
            add_entry(&c, escalation("x-1", at(1), Some(Level::Management), "  ")),
            Err(HandlingError::Invalid(
                "请填写升级原因",
                "Say why it is escalated"
            ))
        );
        assert_eq!(
            add_entry(&c, escalation("x-1", at(1), None, "维修站无法解决")),
            Err(HandlingError::Invalid(
                "请选择升级到的层级",
                "Choose the level to escalate to"
            ))
        );
        assert_eq!(
            HandlingError::Invalid("请填写升级原因", "Say why it is escalated").message(Lang::Zh),
            "请填写升级原因"
        );
    }

    #[test]
    fn the_major_mark_is_the_latest_of_marks_and_unmarks() {
        let c = open_complaint("mj", at(0));
        assert_eq!(major_mark(&c), None);
        let c = add_entry(&c, major("m-1", at(1), &[1, 5])).unwrap();
        assert_eq!(
            major_mark(&c).map(|e| (e.id.as_str(), e.criteria.clone())),
            Some(("m-1", vec![1, 5]))
        );
        let c = add_entry(&c, entry("m-2", EntryKind::Unmajor, at(2))).unwrap();
        assert_eq!(major_mark(&c), None);
        let c = add_entry(&c, major("m-3", at(3), &[2])).unwrap();
        assert_eq!(major_mark(&c).map(|e| e.id.as_str()), Some("m-3"));

        let refused = HandlingError::Invalid(
            "请选择符合的重大投诉条件或说明原因",
            "Choose the major-complaint criteria that hold, or say why",
        );
        assert_eq!(
            add_entry(&c, major("m-4", at(4), &[])),
            Err(refused.clone())
        );
        assert_eq!(
            add_entry(&c, major("m-4", at(4), &[6])),
            Err(refused.clone())
        );
        assert_eq!(add_entry(&c, major("m-4", at(4), &[0, 1])), Err(refused));
        let mut reason_only = major("m-4", at(4), &[]);
        reason_only.text = "顾客称将向电视台投诉".into();
        assert!(add_entry(&c, reason_only).is_ok());
    }

    #[test]
    fn a_callback_answer_fills_in_customer_satisfied() {
        let c = open_complaint("cb", at(0));
        assert_eq!(c.customer_satisfied, None);
        let c = add_entry(&c, callback("b-1", at(24), false, None)).unwrap();
        assert_eq!(
            c.customer_satisfied, None,
            "an unanswered call has no answer"
        );
        let c = add_entry(&c, callback("b-2", at(25), true, None)).unwrap();
        assert_eq!(
            c.customer_satisfied, None,
            "reached, but no answer recorded"
        );
        let c = add_entry(&c, callback("b-3", at(26), true, Some(false))).unwrap();
        assert_eq!(c.customer_satisfied, Some(false));
        assert_eq!(callback_counts(&c), (3, 2));
        let c = add_entry(&c, callback("b-4", at(50), true, Some(true))).unwrap();
        assert_eq!(c.customer_satisfied, Some(true));
        assert_eq!(callback_counts(&c), (4, 3));

        assert_eq!(
            add_entry(&c, callback("b-5", at(51), false, Some(true))),
            Err(HandlingError::Invalid(
                "未联系上顾客时不能记录满意度",
                "No answer can be recorded when the customer was not reached"
            ))
        );
        let mut no_reached = callback("b-5", at(51), true, None);
        no_reached.reached = None;
        assert_eq!(
            add_entry(&c, no_reached),
            Err(HandlingError::Invalid(
                "请选择是否联系上顾客",
                "Say whether the customer was reached"
            ))
        );
        // Contacts are not callbacks.
        let c = add_entry(&c, contact("k-1", at(52), Some(true))).unwrap();
        assert_eq!(callback_counts(&c), (4, 3));
    }
}

// ---------------------------------------------------------------------------
// 5. Same vehicle
// ---------------------------------------------------------------------------

mod same_vehicle {
    use super::*;
    use complaints_domain::search::{plate_key, same_vehicle};

    const VIN: &str = "LSVAU218XN2183294";

    fn vehicle(id: &str, vin: &str, plate: &str, status: Status, day: u32) -> Complaint {
        let mut c = fixtures::generated(day, "tablet-a");
        c.id = id.into();
        c.vin = vin.into();
        c.plate = plate.into();
        c.status = status;
        c.received_at = cst(2027, 1, day, 9, 0);
        c
    }

    fn all() -> Vec<Complaint> {
        vec![
            vehicle("v-open-vin", VIN, "", Status::OnGoing, 10),
            vehicle("v-closed-plate", "", "京A·12345", Status::Closed, 20),
            vehicle("v-hold-both", VIN, "京A 12345", Status::Hold, 5),
            vehicle("v-closed-plate-newer", "", "京A12345", Status::Closed, 25),
            vehicle(
                "v-other",
                "LSVAU218XN2183295",
                "京B12345",
                Status::OnGoing,
                28,
            ),
            vehicle("v-short", "", "京A12", Status::OnGoing, 27),
            vehicle("v-current", VIN, "京A12345", Status::OnGoing, 29),
        ]
    }

    fn ids<'a>(found: &[&'a Complaint]) -> Vec<&'a str> {
        found.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn plates_compare_without_spaces_dots_or_case() {
        assert_eq!(plate_key("京a·123 45"), "京A12345");
        assert_eq!(plate_key(" 粤B-1234.5 "), "粤B12345");
        assert_eq!(plate_key("京A・12345"), "京A12345");
    }

    #[test]
    fn by_vin_or_plate_open_first_then_newest_first_without_the_current_one() {
        let all = all();
        assert_eq!(
            ids(&same_vehicle(
                &all,
                " lsvau-218xn 2183294 ",
                "京a·12345",
                "v-current"
            )),
            [
                "v-open-vin",
                "v-hold-both",
                "v-closed-plate-newer",
                "v-closed-plate"
            ]
        );
        assert_eq!(
            ids(&same_vehicle(&all, VIN, "", "v-current")),
            ["v-open-vin", "v-hold-both"]
        );
        assert_eq!(
            ids(&same_vehicle(&all, "", "京A 123 45", "v-current")),
            ["v-hold-both", "v-closed-plate-newer", "v-closed-plate"]
        );
        // Without `except`, the current one is found too (newest open one first).
        assert_eq!(
            ids(&same_vehicle(&all, VIN, "", "")),
            ["v-current", "v-open-vin", "v-hold-both"]
        );
    }

    #[test]
    fn a_short_plate_or_vin_never_matches() {
        let all = all();
        assert!(
            same_vehicle(&all, "", "京A12", "").is_empty(),
            "4 characters: too short to trust"
        );
        assert!(
            same_vehicle(&all, "LSVAU218XN218329", "", "").is_empty(),
            "16-character VIN"
        );
        assert!(same_vehicle(&all, "", "", "").is_empty());
        // A short plate beside a good VIN: the VIN still finds its matches.
        assert_eq!(
            ids(&same_vehicle(&all, VIN, "京A12", "v-current")),
            ["v-open-vin", "v-hold-both"]
        );
    }
}

/// An entry cannot have happened before the complaint was received (the
/// server refuses it too, so the device says so before saving).
#[test]
fn an_entry_dated_before_the_complaint_was_received_is_refused() {
    let received = cst(2026, 3, 2, 9, 0);
    let c = open_complaint("c-before", received);
    let early = note("n1", received - mins(30), "提前联系");
    assert!(matches!(
        add_entry(&c, early),
        Err(HandlingError::Invalid(_, en)) if en.contains("before the complaint was received")
    ));
    add_entry(&c, note("n2", received + mins(30), "已联系")).expect("after receipt");
}
