//! The monthly report as CSV (`complaints_domain::report`) and the PDCA
//! table's rows as synced records (`complaints_domain::pdca`).
//! Run with `cargo test -p complaints-domain --test report`.

use complaints_domain::kpi::{Figures, Kpi, Rate};
use complaints_domain::pdca::{self, PdcaItem};
use complaints_domain::report::{monthly_csv, ReportBlock, BOM};
use complaints_domain::sync::{check_op, Hlc, RecordState, RejectCode, Stamp};
use complaints_domain::Lang;

/// November at BJ01, as in the KPI tests' month: 7 received.
fn figures() -> Figures {
    Figures {
        received: 7,
        satisfaction: Rate { num: 2, den: 7 },
        timeliness: Rate { num: 3, den: 7 },
        handling: Rate { num: 4, den: 7 },
        effective_callback: Rate { num: 1, den: 3 },
        buckets: [2, 1, 0, 0, 0, 0],
        closed_time_unknown: 1,
        open: 3,
        by_category: [1, 2, 3, 1, 0],
        by_channel: [4, 1, 0, 2, 0],
        // Of the 4 closed: two repairs, one "not a gap", one closed before
        // the stage was required.
        by_stage: [0, 0, 0, 2, 0, 0, 0, 1],
        stage_not_recorded: 1,
    }
}

fn lines(csv: &str) -> Vec<&str> {
    csv.trim_start_matches(BOM).split("\r\n").collect()
}

#[test]
fn csv_starts_with_a_bom_and_a_header_and_ends_lines_with_crlf() {
    let f = figures();
    let csv = monthly_csv(
        &[ReportBlock {
            branch: "BJ01 北京一站",
            month: "2026-11",
            figures: &f,
            targets: [Some(90.0), None, Some(60.0), Some(30.0)],
        }],
        Lang::Zh,
    );
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(&csv.as_bytes()[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM bytes");
    assert!(csv.ends_with("\r\n"));
    assert!(!csv.replace("\r\n", "").contains('\n'), "no bare LF");
    let lines = lines(&csv);
    assert_eq!(
        lines[0],
        "维修站,月份,项目,分项,数量,基数,占比(%),目标(%),评估"
    );
    // 1 total + 5 categories + 5 channels + 8 processing-time rows + 4 KPIs
    // + 9 service-stage rows, then the empty tail.
    assert_eq!(lines.len(), 1 + 1 + 5 + 5 + 8 + 4 + 9 + 1);
    assert_eq!(lines[1], "BJ01 北京一站,2026-11,受理总数,,7,7,100.0,,");
    // 2 of 7 service complaints: 28.571… → 28.6, a plain number Excel reads as such.
    assert_eq!(lines[3], "BJ01 北京一站,2026-11,投诉类别,服务类,2,7,28.6,,");
    assert_eq!(
        lines[7],
        "BJ01 北京一站,2026-11,投诉渠道,店内面对投诉,4,7,57.1,,"
    );
    assert_eq!(
        lines[12],
        "BJ01 北京一站,2026-11,处理时间,3天以内,2,7,28.6,,"
    );
    assert_eq!(
        lines[18],
        "BJ01 北京一站,2026-11,处理时间,已结案，结案时间不明,1,7,14.3,,"
    );
    assert_eq!(
        lines[19],
        "BJ01 北京一站,2026-11,处理时间,尚未结案,3,7,42.9,,"
    );
    // The processing-time rows add up to the total.
    let time_total: u32 = lines[12..20]
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(time_total, 7);
    // KPIs: 2/7 = 28.6 % against 90 → more than 5 points below: below target.
    assert_eq!(
        lines[20],
        "BJ01 北京一站,2026-11,KPI,客户投诉处理满意率,2,7,28.6,90.0,低于目标"
    );
    // No target: no evaluation.
    assert_eq!(lines[21], "BJ01 北京一站,2026-11,KPI,及时率,3,7,42.9,,");
    // 4/7 = 57.1 against 60: within 5 points.
    assert_eq!(
        lines[22],
        "BJ01 北京一站,2026-11,KPI,处理率,4,7,57.1,60.0,需要改进"
    );
    assert_eq!(
        lines[23],
        "BJ01 北京一站,2026-11,KPI,有效回访率,1,3,33.3,30.0,达到或超过目标"
    );
    // Where it went wrong: the 4 closed, by stage, each out of the closed.
    assert_eq!(
        lines[24],
        "BJ01 北京一站,2026-11,问题发生环节,预约,0,4,0.0,,"
    );
    assert_eq!(
        lines[27],
        "BJ01 北京一站,2026-11,问题发生环节,修理/进行工作,2,4,50.0,,"
    );
    assert_eq!(
        lines[31],
        "BJ01 北京一站,2026-11,问题发生环节,非服务流程问题,1,4,25.0,,"
    );
    assert_eq!(
        lines[32],
        "BJ01 北京一站,2026-11,问题发生环节,未记录,1,4,25.0,,"
    );
    // The stage rows add up to the closed ones (the handling rate's count).
    let stage_total: u32 = lines[24..33]
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse::<u32>().unwrap())
        .sum();
    assert_eq!(stage_total, 4);
    assert_eq!(lines[33], "");
}

#[test]
fn csv_in_english_and_for_an_empty_month_has_no_percentages() {
    let empty = Figures::default();
    let csv = monthly_csv(
        &[ReportBlock {
            branch: "SH01",
            month: "2026-02",
            figures: &empty,
            targets: [Some(90.0); 4],
        }],
        Lang::En,
    );
    let lines = lines(&csv);
    assert_eq!(
        lines[0],
        "Branch,Month,Section,Item,Count,Out of,Percent,Target (%),Evaluation"
    );
    assert_eq!(lines[1], "SH01,2026-02,Received,,0,0,,,");
    assert_eq!(lines[20], "SH01,2026-02,KPI,Satisfaction rate,0,0,,90.0,");
    assert_eq!(
        lines[24],
        "SH01,2026-02,Where it went wrong,Appointment,0,0,,,"
    );
    assert_eq!(
        lines[32],
        "SH01,2026-02,Where it went wrong,Not recorded,0,0,,,"
    );
}

#[test]
fn csv_cells_are_quoted_and_never_formulas() {
    let f = Figures::default();
    let csv = monthly_csv(
        &[
            ReportBlock {
                branch: "=HYPERLINK(\"x\"),1",
                month: "2026-11",
                figures: &f,
                targets: [None; 4],
            },
            ReportBlock {
                branch: "BJ02 \"东城\", 店",
                month: "2026-11",
                figures: &f,
                targets: [None; 4],
            },
        ],
        Lang::Zh,
    );
    let lines = lines(&csv);
    assert_eq!(
        lines[1],
        "\"'=HYPERLINK(\"\"x\"\"),1\",2026-11,受理总数,,0,0,,,"
    );
    assert_eq!(
        lines[33],
        "\"BJ02 \"\"东城\"\", 店\",2026-11,受理总数,,0,0,,,"
    );
    assert_eq!(
        lines.len(),
        1 + 32 * 2 + 1,
        "one block per branch, one header"
    );
}

fn stamp(n: u64, device: &str) -> Stamp {
    Stamp {
        op_id: format!("op{n:014}"),
        hlc: Hlc::new(1_790_000_000_000 + n, 0),
        device: device.into(),
        user: Some("li.na".into()),
    }
}

const NOW_MS: u64 = 1_800_000_000_000;

#[test]
fn pdca_record_ids_name_branch_kpi_and_month() {
    let id = pdca::record_id("BJ01", Kpi::Handling, "2026-11");
    assert_eq!(id, "pdca:BJ01:handling:2026-11");
    assert_eq!(
        pdca::parse_id(&id),
        Some(("BJ01", Kpi::Handling, "2026-11"))
    );
    assert!(pdca::is_pdca(&id));
    assert!(!pdca::is_pdca("0b9d7c1e-1111-4222-8333-444455556666"));
    for bad in [
        "pdca:BJ01:handling:2026-13",
        "pdca:BJ01:handling:2026-1",
        "pdca::handling:2026-11",
        "pdca:BJ01:speed:2026-11",
        "pdca:BJ01:handling:2026-11:x",
        "pdca:BJ01:handling:26-11-01",
    ] {
        assert_eq!(pdca::parse_id(bad), None, "{bad}");
    }
}

#[test]
fn a_new_row_and_an_edit_make_ops_the_server_accepts() {
    let mut row = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-11");
    row.target = Some(90.0);
    let created = pdca::change(None, &row, "2026-11-23T10:00:00Z", stamp(1, "tab-a")).unwrap();
    assert_eq!(created.record, "pdca:BJ01:satisfaction:2026-11");
    assert!(created.set.contains_key("created_at"));
    let state = check_op(None, &created, NOW_MS).expect("creation accepted");
    assert_eq!(PdcaItem::from_state(&state), Some(row.clone()));

    // Nothing changed: no op.
    assert_eq!(
        pdca::change(Some(&state), &row, "", stamp(2, "tab-a")),
        None
    );

    row.analysis = "回访时间不合顾客心意".into();
    row.measures = "改在顾客约定的时间回访".into();
    row.owner = "李娜".into();
    row.due = chrono::NaiveDate::from_ymd_opt(2026, 12, 15);
    let edit = pdca::change(Some(&state), &row, "", stamp(3, "tab-a")).unwrap();
    let keys: Vec<&str> = edit.set.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["analysis", "due", "measures", "owner"],
        "only what changed"
    );
    assert_eq!(edit.base["analysis"], vec![created.id.clone()]);
    let state = check_op(Some(&state), &edit, NOW_MS).expect("edit accepted");
    let now = PdcaItem::from_state(&state).unwrap();
    assert_eq!(now, row);
    assert!(now.has_plan());
}

#[test]
fn two_managers_writing_one_row_offline_merge_field_by_field() {
    let row = PdcaItem::new("BJ01", Kpi::Timeliness, "2026-11");
    let mut a = row.clone();
    a.target = Some(95.0);
    let mut b = row.clone();
    b.owner = "王芳".into();
    let op_a = pdca::change(None, &a, "2026-11-23T10:00:00Z", stamp(1, "tab-a")).unwrap();
    let op_b = pdca::change(None, &b, "2026-11-23T10:00:05Z", stamp(2, "tab-b")).unwrap();
    let mut one = RecordState::new(&op_a.record);
    one.apply(&op_a);
    one.apply(&op_b);
    let mut other = RecordState::new(&op_a.record);
    other.apply(&op_b);
    other.apply(&op_a);
    assert_eq!(one, other, "the same either way round");
    let merged = PdcaItem::from_state(&one).unwrap();
    // Both wrote every field on creation: the later stamp (b) wins each field,
    // and the other value is kept as a conflict, never lost.
    assert_eq!(merged.owner, "王芳");
    assert!(one.fields["target"].in_conflict());
}

#[test]
fn the_server_refuses_bad_pdca_ops_with_the_field() {
    let row = PdcaItem::new("BJ01", Kpi::Handling, "2026-11");
    let good = pdca::change(None, &row, "2026-11-23T10:00:00Z", stamp(1, "tab-a")).unwrap();
    let state = check_op(None, &good, NOW_MS).unwrap();
    let refused = |edit: &dyn Fn(&mut complaints_domain::sync::Op),
                   before: Option<&RecordState>| {
        let mut op = good.clone();
        op.id = "op-bad-000000001".into();
        edit(&mut op);
        let r = check_op(before, &op, NOW_MS).expect_err("refused");
        (r.code, r.field)
    };
    let field = |f: &str| Some(f.to_string());
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("target".into(), 120.into());
            },
            None
        ),
        (RejectCode::InvalidValue, field("target"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("target".into(), "90".into());
            },
            None
        ),
        (RejectCode::InvalidValue, field("target"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("branch_code".into(), "BJ02".into());
            },
            Some(&state)
        ),
        (RejectCode::InvalidValue, field("branch_code"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("due".into(), "2026-02-30".into());
            },
            None
        ),
        (RejectCode::InvalidValue, field("due"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("owner".into(), "长".repeat(101).into());
            },
            None
        ),
        (RejectCode::InvalidValue, field("owner"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.insert("customer_name".into(), "x".into());
            },
            None
        ),
        (RejectCode::UnknownField, field("customer_name"))
    );
    assert_eq!(
        refused(
            &|op| {
                op.set.remove("created_at");
            },
            None
        ),
        (RejectCode::IncompleteRecord, field("created_at"))
    );
    assert_eq!(
        refused(&|op| op.record = "pdca:BJ01:handling:2026-13".into(), None),
        (RejectCode::Malformed, None)
    );
    // The longest allowed texts pass.
    let mut long = row.clone();
    long.analysis = "析".repeat(pdca::MAX_TEXT);
    long.owner = "人".repeat(pdca::MAX_OWNER);
    let op = pdca::change(Some(&state), &long, "", stamp(5, "tab-a")).unwrap();
    assert!(check_op(Some(&state), &op, NOW_MS).is_ok());
}

#[test]
fn targets_carry_forward_until_changed() {
    let row = |month: &str, kpi, target| PdcaItem {
        target,
        ..PdcaItem::new("BJ01", kpi, month)
    };
    let items = vec![
        row("2026-09", Kpi::Satisfaction, Some(85.0)),
        row("2026-11", Kpi::Satisfaction, Some(90.0)),
        row("2026-10", Kpi::Satisfaction, None),
        row("2026-10", Kpi::Handling, Some(70.0)),
        PdcaItem {
            target: Some(50.0),
            ..PdcaItem::new("BJ02", Kpi::Satisfaction, "2026-10")
        },
    ];
    let t = |kpi, month| pdca::target_for(&items, "BJ01", kpi, month);
    assert_eq!(t(Kpi::Satisfaction, "2026-08"), None, "before any target");
    assert_eq!(t(Kpi::Satisfaction, "2026-09"), Some(85.0));
    assert_eq!(
        t(Kpi::Satisfaction, "2026-10"),
        Some(85.0),
        "a row without its own target"
    );
    assert_eq!(t(Kpi::Satisfaction, "2026-11"), Some(90.0));
    assert_eq!(t(Kpi::Satisfaction, "2027-03"), Some(90.0));
    assert_eq!(t(Kpi::Handling, "2026-12"), Some(70.0));
    assert_eq!(t(Kpi::Timeliness, "2026-12"), None);
}

/// The PDCA editor saves only what was edited in it: a field another
/// manager changed since it opened keeps their value.
#[test]
fn a_pdca_edit_moves_onto_the_row_as_it_reads_now() {
    let opened = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-12");
    let mut typed = opened.clone();
    typed.analysis = "回访时间不合顾客心意".into();
    let mut now = opened.clone();
    now.owner = "赵磊".into();
    now.target = Some(90.0);
    let saved = typed.rebase(&opened, &now);
    assert_eq!(saved.analysis, "回访时间不合顾客心意");
    assert_eq!(
        saved.owner, "赵磊",
        "the other manager's owner is not undone"
    );
    assert_eq!(saved.target, Some(90.0));
    // A field edited on both keeps the edit made here.
    let mut both = typed.clone();
    both.owner = "李娜".into();
    assert_eq!(both.rebase(&opened, &now).owner, "李娜");
}
