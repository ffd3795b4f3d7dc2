//! The KPI maths (`complaints_domain::kpi`) on a constructed month whose
//! every figure is worked out by hand below, edge cases included (time
//! zone at the month's borders, a 2 h contact to the minute, 72 h to close,
//! reopened complaints, a complaint entered as closed, callbacks made in
//! another month, a month with nothing in it), and the closed complaints
//! counted by where in the service process they went wrong.
//! Run with `cargo test -p complaints-domain --test kpi`.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use complaints_domain::fixtures;
use complaints_domain::handling::{sort_timeline, Actor, Entry, EntryKind};
use complaints_domain::kpi::{
    closed_as_of, evaluate, figures, figures_by_branch, status_as_of, Bucket, Evaluation, Figures,
    Kpi, Period, Rate,
};
use complaints_domain::model::{Category, Channel, Complaint, ServiceStage, Status};

fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// A moment in China Standard Time.
fn at(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    cst()
        .with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn entry(c: &Complaint, kind: EntryKind, when: DateTime<Utc>) -> Entry {
    let actor = Actor {
        name: "张伟".into(),
        device: "tab".into(),
    };
    let id = format!("{}-{}", c.timeline.len(), kind.as_str());
    Entry::new(id, kind, &actor, when, when)
}

struct Build(Complaint);

impl Build {
    fn new(
        n: u32,
        branch: &str,
        received: DateTime<Utc>,
        category: Category,
        channel: Channel,
    ) -> Build {
        let mut c = fixtures::generated(n, "tab");
        c.branch_code = branch.into();
        c.received_at = received;
        c.category = category;
        c.channel = channel;
        c.status = Status::InProcess;
        c.customer_satisfied = None;
        c.service_stage = None;
        c.timeline.clear();
        Build(c)
    }

    fn stage(mut self, stage: ServiceStage) -> Build {
        self.0.service_stage = Some(stage);
        self
    }

    fn contact(mut self, when: DateTime<Utc>, reached: bool) -> Build {
        let mut e = entry(&self.0, EntryKind::Contact, when);
        e.reached = Some(reached);
        self.0.timeline.push(e);
        self
    }

    fn callback(mut self, when: DateTime<Utc>, reached: bool) -> Build {
        let mut e = entry(&self.0, EntryKind::Callback, when);
        e.reached = Some(reached);
        self.0.timeline.push(e);
        self
    }

    fn status(mut self, when: DateTime<Utc>, to: Status) -> Build {
        let mut e = entry(&self.0, EntryKind::Status, when);
        e.from = Some(self.0.status);
        e.status = Some(to);
        self.0.status = to;
        self.0.timeline.push(e);
        self
    }

    fn satisfied(mut self, yes: bool) -> Build {
        self.0.customer_satisfied = Some(yes);
        self
    }

    fn done(mut self) -> Complaint {
        sort_timeline(&mut self.0.timeline);
        self.0
    }
}

/// The month: complaints of BJ01 (and a few that must not count).
fn november() -> Vec<Complaint> {
    use Category::*;
    use Channel::*;
    vec![
        // C1: contact after 1 h; closed exactly 72 h after receipt (within 3
        // days); satisfied; a reached callback in November.
        Build::new(1, "BJ01", at(11, 1, 9, 0), Service, Phone)
            .contact(at(11, 1, 10, 0), true)
            .status(at(11, 4, 9, 0), Status::Closed)
            .callback(at(11, 5, 9, 0), true)
            .satisfied(true)
            .stage(ServiceStage::Repair)
            .done(),
        // C2: contact after 3 h (late); closed after 6 days (4–7); not
        // satisfied; its callback is on 1 December local time (30 Nov UTC).
        Build::new(2, "BJ01", at(11, 3, 9, 0), Quality, InPerson)
            .contact(at(11, 3, 12, 0), true)
            .status(at(11, 9, 9, 0), Status::Closed)
            .callback(at(12, 1, 0, 30), true)
            .satisfied(false)
            .stage(ServiceStage::NotAGap)
            .done(),
        // C3: never contacted, still open.
        Build::new(3, "BJ01", at(11, 10, 9, 0), Quality, Phone).done(),
        // C4: received at 00:30 on 1 November local (31 October UTC): in
        // November. A first contact that did not reach the customer, then
        // one that did after 1.5 h; closed on 20 December (1–2 months).
        Build::new(4, "BJ01", at(11, 1, 0, 30), Sales, Manufacturer)
            .contact(at(11, 1, 1, 0), false)
            .contact(at(11, 1, 2, 0), true)
            .status(at(12, 20, 9, 0), Status::Closed)
            .satisfied(true)
            .stage(ServiceStage::Repair)
            .done(),
        // C5: contact after 30 min; closed on the 6th, reopened on the 7th,
        // open since.
        Build::new(5, "BJ01", at(11, 5, 9, 0), Parts, Phone)
            .contact(at(11, 5, 9, 30), true)
            .status(at(11, 6, 9, 0), Status::Closed)
            .status(at(11, 7, 9, 0), Status::InProcess)
            .stage(ServiceStage::Delivery)
            .done(),
        // C6: contact exactly 2 h after receipt (timely); closed on the 13th,
        // reopened on the 14th, closed again on 20 December (38 days: 1–2
        // months, counted to the last closing); satisfied.
        Build::new(6, "BJ01", at(11, 12, 9, 0), Other, LetterOrEmail)
            .contact(at(11, 12, 11, 0), true)
            .status(at(11, 13, 9, 0), Status::Closed)
            .status(at(11, 14, 9, 0), Status::InProcess)
            .status(at(12, 20, 9, 0), Status::Closed)
            .satisfied(true)
            .stage(ServiceStage::FollowUp)
            .done(),
        // C7: entered as closed, with no closing on its timeline and no
        // satisfaction answer; never contacted.
        {
            let mut c = Build::new(7, "BJ01", at(11, 20, 9, 0), Quality, OtherBody).done();
            c.status = Status::Closed;
            c
        },
        // Not counted: received on 1 December at 00:30 local (30 November UTC).
        Build::new(8, "BJ01", at(12, 1, 0, 30), Quality, Phone).done(),
        // Not counted: another branch.
        Build::new(9, "BJ02", at(11, 15, 9, 0), Quality, Phone)
            .callback(at(11, 16, 9, 0), true)
            .done(),
        // Received in October: not in November's complaints, but its
        // November callbacks (one reached, one not) count; its October one
        // does not. Closed in November: not November's complaint, so in
        // no November section either.
        Build::new(10, "BJ01", at(10, 20, 9, 0), Service, Phone)
            .callback(at(10, 25, 9, 0), true)
            .callback(at(11, 3, 9, 0), true)
            .callback(at(11, 4, 9, 0), false)
            .status(at(11, 6, 9, 0), Status::Closed)
            .stage(ServiceStage::Appointment)
            .done(),
    ]
}

fn nov() -> Period {
    Period::month(2026, 11).unwrap()
}

fn bj01(code: &str) -> bool {
    code == "BJ01"
}

#[test]
fn a_month_worked_out_by_hand() {
    let all = november();
    let f = figures(&all, bj01, &nov(), cst(), at(12, 31, 12, 0));
    // C1–C7.
    assert_eq!(f.received, 7);
    // Closed and satisfied: C1, C4, C6.
    assert_eq!(f.satisfaction, Rate { num: 3, den: 7 });
    // Reached within 2 h: C1 (1 h), C4 (1.5 h after the unreached try), C5
    // (30 min), C6 (exactly 2 h). Not: C2 (3 h), C3, C7 (never).
    assert_eq!(f.timeliness, Rate { num: 4, den: 7 });
    // Closed: C1, C2, C4, C6, C7.
    assert_eq!(f.handling, Rate { num: 5, den: 7 });
    // November callbacks of BJ01: C1 (reached), C10 ×2 (one reached).
    assert_eq!(f.effective_callback, Rate { num: 2, den: 3 });
    // C1: 72 h → within 3 days; C2: 6 days; C4: 49 days; C6: 38 days.
    assert_eq!(f.buckets, [1, 1, 0, 0, 2, 0]);
    assert_eq!(f.closed_time_unknown, 1, "C7");
    assert_eq!(f.open, 2, "C3 and the reopened C5");
    // [S, SA, SQ, SP, OT]: C4; C1; C2, C3, C7; C5; C6.
    assert_eq!(f.by_category, [1, 1, 3, 1, 1]);
    // [in person, phone, letter, manufacturer, other body]: C2; C1, C3, C5; C6; C4; C7.
    assert_eq!(f.by_channel, [1, 3, 1, 1, 1]);

    let pct = |kpi| f.rate(kpi).percent().unwrap();
    assert!((pct(Kpi::Satisfaction) - 300.0 / 7.0).abs() < 1e-9);
    assert!((pct(Kpi::Timeliness) - 400.0 / 7.0).abs() < 1e-9);
    assert!((pct(Kpi::Handling) - 500.0 / 7.0).abs() < 1e-9);
    assert!((pct(Kpi::EffectiveCallback) - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        f.share(3).percent().map(|p| (p * 10.0).round() / 10.0),
        Some(42.9)
    );
}

#[test]
fn figures_as_of_the_end_of_the_month_ignore_what_happened_later() {
    let all = november();
    let f = figures(&all, bj01, &nov(), cst(), at(11, 30, 23, 59));
    assert_eq!(f.received, 7);
    // Closed as of 30 November: C1, C2 and C7 (no history: as it stands).
    // C4 and C6 were closed in December; C5 was reopened on the 7th.
    assert_eq!(f.handling, Rate { num: 3, den: 7 });
    assert_eq!(f.satisfaction, Rate { num: 1, den: 7 }, "only C1");
    assert_eq!(f.buckets, [1, 1, 0, 0, 0, 0]);
    assert_eq!(f.open, 4);
    assert_eq!(f.timeliness, Rate { num: 4, den: 7 });

    let c6 = &all[5];
    assert_eq!(status_as_of(c6, at(11, 12, 10, 0)), Status::InProcess);
    assert_eq!(status_as_of(c6, at(11, 13, 10, 0)), Status::Closed);
    assert_eq!(status_as_of(c6, at(11, 14, 10, 0)), Status::InProcess);
    assert_eq!(closed_as_of(c6, at(11, 13, 10, 0)), Some(at(11, 13, 9, 0)));
    assert_eq!(closed_as_of(c6, at(12, 31, 0, 0)), Some(at(12, 20, 9, 0)));
    assert_eq!(closed_as_of(c6, at(11, 14, 10, 0)), None);
}

#[test]
fn where_it_went_wrong_counts_the_months_complaints_closed_by_its_end() {
    use ServiceStage::*;
    let all = november();
    let stage_count = |f: &Figures, stage: ServiceStage| f.by_stage[stage as usize];
    let section_total = |f: &Figures| f.by_stage.iter().sum::<u32>() + f.stage_not_recorded;

    // As of the end of November: closed in it are C1 (repair), C2 (not a
    // gap) and C7 (entered as closed, no stage recorded). Not counted: C4
    // and C6 (repair, follow-up) closed in December; C5 (delivery),
    // reopened; C3 open; C10 (appointment), received in October though
    // closed in November; C9 of another branch.
    let f = figures(&all, bj01, &nov(), cst(), at(11, 30, 23, 59));
    assert_eq!(f.by_stage, [0, 0, 0, 1, 0, 0, 0, 1]);
    assert_eq!(stage_count(&f, Repair), 1, "C1");
    assert_eq!(stage_count(&f, NotAGap), 1, "C2");
    assert_eq!(f.stage_not_recorded, 1, "C7");
    assert_eq!(stage_count(&f, Appointment), 0, "C10 is October's");
    assert_eq!(stage_count(&f, Delivery), 0, "C5 was reopened");
    // The section adds up to the closed ones, the handling rate's count,
    // and its shares are out of them.
    assert_eq!(section_total(&f), f.handling.num);
    assert_eq!(f.closed_share(1), Rate { num: 1, den: 3 });

    // As of the end of December, November's complaints closed since (C4,
    // C6) join, still as November's.
    let f = figures(&all, bj01, &nov(), cst(), at(12, 31, 12, 0));
    assert_eq!(f.by_stage, [0, 0, 0, 2, 0, 0, 1, 1]);
    assert_eq!(f.stage_not_recorded, 1);
    assert_eq!(section_total(&f), 5);
    assert_eq!(section_total(&f), f.handling.num);

    // October's figures: C10 was not closed by the end of October, so
    // October's report (as of its end) counts no stage either…
    let oct = Period::month(2026, 10).unwrap();
    let f = figures(&all, bj01, &oct, cst(), at(10, 31, 23, 59));
    assert_eq!(
        (f.received, f.by_stage, f.stage_not_recorded),
        (1, [0; 8], 0)
    );
    // …while October's figures as of a later moment would see it closed.
    let f = figures(&all, bj01, &oct, cst(), at(11, 30, 23, 59));
    assert_eq!(stage_count(&f, Appointment), 1);

    // A month with nothing closed has nothing to share out.
    assert_eq!(Figures::default().closed_share(0).percent(), None);
}

#[test]
fn a_month_or_branch_with_nothing_has_no_rates() {
    let all = november();
    for (branch, period) in [("BJ02", Period::month(2026, 12).unwrap()), ("SH01", nov())] {
        let f = figures(&all, |b| b == branch, &period, cst(), at(12, 31, 0, 0));
        assert_eq!(f, Figures::default(), "{branch}");
        for kpi in Kpi::ALL {
            assert_eq!(
                f.rate(*kpi).percent(),
                None,
                "{branch} {kpi:?}: no 0 %, no NaN"
            );
        }
    }
    // BJ02 in November: one complaint, no contact, not closed; one callback.
    let f = figures(&all, |b| b == "BJ02", &nov(), cst(), at(12, 31, 0, 0));
    assert_eq!(f.received, 1);
    assert_eq!(f.handling.percent(), Some(0.0));
    assert_eq!(f.effective_callback, Rate { num: 1, den: 1 });
}

#[test]
fn by_branch_in_one_pass_equals_each_branch_alone() {
    let all = november();
    let both = |b: &str| b == "BJ01" || b == "BJ02";
    let by_branch = figures_by_branch(&all, both, &nov(), cst(), at(12, 31, 0, 0));
    let codes: Vec<&str> = by_branch.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(codes, ["BJ01", "BJ02"]);
    for (code, f) in &by_branch {
        let alone = figures(&all, |b| b == code, &nov(), cst(), at(12, 31, 0, 0));
        assert_eq!(*f, alone, "{code}");
    }
}

#[test]
fn buckets_at_their_borders() {
    let h = Duration::hours;
    let d = Duration::days;
    let cases = [
        (h(0), Bucket::UpTo3Days),
        (d(3), Bucket::UpTo3Days),
        (d(3) + Duration::seconds(1), Bucket::UpTo7Days),
        (d(7), Bucket::UpTo7Days),
        (d(7) + h(1), Bucket::UpTo14Days),
        (d(14), Bucket::UpTo14Days),
        (d(15), Bucket::UpTo30Days),
        (d(30), Bucket::UpTo30Days),
        (d(31), Bucket::UpTo2Months),
        (d(60), Bucket::UpTo2Months),
        (d(60) + h(1), Bucket::Over2Months),
        (d(400), Bucket::Over2Months),
    ];
    for (elapsed, bucket) in cases {
        assert_eq!(Bucket::of(elapsed), bucket, "{elapsed}");
    }
}

#[test]
fn periods() {
    let feb = Period::month(2028, 2).unwrap();
    assert_eq!(feb.last, NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
    let dec = Period::month(2026, 12).unwrap();
    assert_eq!(dec.last, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    assert_eq!(Period::month(2026, 13), None);
    assert_eq!(
        Period::month_of(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        nov()
    );
    assert!(nov().contains(at(11, 1, 0, 0), cst()));
    assert!(!nov().contains(at(11, 1, 0, 0) - Duration::seconds(1), cst()));
    assert!(nov().contains(at(11, 30, 23, 59), cst()));
    assert!(!nov().contains(at(12, 1, 0, 0), cst()));
}

#[test]
fn evaluation_against_targets() {
    assert_eq!(evaluate(Some(95.0), 95.0), Some(Evaluation::Meets));
    assert_eq!(evaluate(Some(98.2), 95.0), Some(Evaluation::Meets));
    // Shown as 95.0: meets, as the user reads it.
    assert_eq!(evaluate(Some(94.96), 95.0), Some(Evaluation::Meets));
    assert_eq!(
        evaluate(Some(94.9), 95.0),
        Some(Evaluation::NeedsImprovement)
    );
    assert_eq!(
        evaluate(Some(90.0), 95.0),
        Some(Evaluation::NeedsImprovement)
    );
    assert_eq!(evaluate(Some(89.9), 95.0), Some(Evaluation::Below));
    assert_eq!(evaluate(Some(0.0), 80.0), Some(Evaluation::Below));
    assert_eq!(evaluate(None, 95.0), None);
}

#[test]
fn percentages_are_shown_to_one_decimal_rounded_half_up() {
    use complaints_domain::kpi::one_decimal;
    let cases = [
        (0.0, "0.0"),
        (100.0, "100.0"),
        (100.0 / 3.0, "33.3"),
        (200.0 / 3.0, "66.7"),
        (2.0 / 7.0 * 100.0, "28.6"),
        (12.25, "12.3"),
        (0.04, "0.0"),
        (0.05, "0.1"),
        (99.96, "100.0"),
        (-2.5, "-2.5"),
    ];
    for (value, shown) in cases {
        assert_eq!(one_decimal(value), shown, "{value}");
    }
    // The same figure the evaluation compares against the target.
    assert_eq!(
        evaluate(Some(89.96), 90.0),
        Some(Evaluation::Meets),
        "89.96 is shown as 90.0"
    );
}
