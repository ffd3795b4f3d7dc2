//! The case library: a teaching case made from a closed complaint carries
//! none of the customer's personal data, syncs through the answers' checks
//! and is found by the answers' search.

use chrono::{DateTime, Utc};
use complaints_domain::answers::{self, AnswerIndex, AnswerQuery, Audience};
use complaints_domain::cases::{anonymise, case_from_complaint, case_id};
use complaints_domain::sync::{check_op, Hlc, Stamp};
use complaints_domain::{fixtures, Lang, ServiceStage};

fn received() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
        .unwrap()
        .to_utc()
}

/// The worked example, closed, with its personal data also typed into its texts.
fn leaky_example() -> complaints_domain::Complaint {
    let mut c = fixtures::worked_example("9f0c2d4e-1b7a-4c3d-8e5f-6a7b8c9d0e1f", received());
    c.content = format!(
        "{}李先生说车牌京A·12345的车（VIN LSVAU218XN2183294）上次也修过，回电 138 0013 8000，或打他爱人的 13912345678。",
        c.content
    );
    c.tracking = format!("{}；已电话通知李先生（京A12345）取车", c.tracking);
    c
}

#[test]
fn a_case_made_from_a_complaint_carries_none_of_its_personal_fields() {
    let c = leaky_example();
    let audience = Audience::Branch("BJ01".into());
    let case = case_from_complaint(
        &c,
        &audience,
        vec!["ans:all:brake-shudder".into()],
        Lang::Zh,
    );
    let study = case.case.as_ref().expect("a case");
    // Everything the case would sync, as text.
    let op = answers::change(None, &case, "2026-12-01T08:00:00Z", stamp()).unwrap();
    let synced = serde_json::to_string(&op.set).unwrap();
    for personal in [
        "李先生",
        "138 0013 8000",
        "13800138000",
        "13912345678",
        "京A·12345",
        "京A12345",
        "LSVAU218XN2183294",
    ] {
        assert!(
            !synced.contains(personal),
            "{personal} leaked into {synced}"
        );
    }
    // What teaches is kept.
    assert!(study.background.contains("方向盘强烈抖动"));
    assert!(study.handling.contains("已更换制动盘"));
    assert!(case.answer.contains("未查明根本原因"));
    assert_eq!(study.stage, Some(ServiceStage::Repair));
    assert_eq!(study.source, c.id);
    assert_eq!(study.related, ["ans:all:brake-shudder"]);
    assert_eq!(case.id, case_id(&c, &audience));
    assert!(case.id.starts_with("ans:branch:BJ01:case-"));
    assert!(case.title.starts_with("产品质量类："));
}

#[test]
fn anonymising_masks_numbers_that_look_like_phones_or_vins_and_keeps_the_rest() {
    let c = leaky_example();
    assert_eq!(
        anonymise("王女士电话 021-6543 2100", &c),
        "王女士电话 ＊＊＊"
    );
    assert_eq!(anonymise("李女士来电", &c), "顾客来电");
    assert_eq!(
        anonymise("车架号 LFV2A21K8G3012345 已核对", &c),
        "车架号 ＊＊＊ 已核对"
    );
    // Short numbers (mileage, prices, dates) stay.
    assert_eq!(
        anonymise("行驶 23560 公里，报价 1800 元，2026-11-23", &c),
        "行驶 23560 公里，报价 1800 元，2026-11-23"
    );
}

fn stamp() -> Stamp {
    Stamp {
        op_id: "op00000000000001".into(),
        hlc: Hlc::new(1_790_000_000_000, 0),
        device: "tab-a".into(),
        user: Some("li.na".into()),
    }
}

#[test]
fn a_case_syncs_through_the_answers_checks_and_reads_back_whole() {
    let c = leaky_example();
    let mut case = case_from_complaint(&c, &Audience::Branch("BJ01".into()), Vec::new(), Lang::Zh);
    case.author = "李娜".into();
    case.editor = "李娜".into();
    case.updated_at = "2026-12-01T08:00:00Z".into();
    case.version = 1;
    let op = answers::change(None, &case, "2026-12-01T08:00:00Z", stamp()).unwrap();
    let state = check_op(None, &op, 1_800_000_000_000).expect("accepted");
    assert_eq!(answers::Answer::from_state(&state), Some(case.clone()));
    // A case's own fields are bounded like the rest.
    let mut bad = case.clone();
    bad.case.as_mut().unwrap().related = vec!["not-an-answer".into()];
    assert_eq!(
        bad.check().unwrap_err().field.as_deref(),
        Some("case_related")
    );
    let mut bad = case.clone();
    bad.case.as_mut().unwrap().background = "背".repeat(answers::MAX_ANSWER + 1);
    assert_eq!(
        bad.check().unwrap_err().field.as_deref(),
        Some("case_background")
    );
    let mut bad = case.clone();
    bad.case.as_mut().unwrap().source = "x".repeat(65);
    assert_eq!(
        bad.check().unwrap_err().field.as_deref(),
        Some("case_source")
    );
    let mut bad = case.clone();
    bad.case.as_mut().unwrap().related = vec!["ans:all:tpms-light".into(); 21];
    assert_eq!(
        bad.check().unwrap_err().field.as_deref(),
        Some("case_related")
    );
    // An unknown stage, sent as a device would, is refused by name.
    let mut op = answers::change(None, &case, "2026-12-01T08:00:00Z", stamp()).unwrap();
    op.set
        .insert("case_stage".into(), serde_json::json!("paint_shop"));
    let refused = check_op(None, &op, 1_800_000_000_000).unwrap_err();
    assert_eq!(refused.field.as_deref(), Some("case_stage"));
}

#[test]
fn a_case_is_found_by_the_answers_search_by_its_background() {
    let c = leaky_example();
    let case = case_from_complaint(&c, &Audience::Branch("BJ01".into()), Vec::new(), Lang::Zh);
    let index = AnswerIndex::new(std::slice::from_ref(&case));
    let hits = index.search(&AnswerQuery {
        text: "光盘处理".into(),
        ..AnswerQuery::default()
    });
    assert_eq!(hits.len(), 1);
    assert!(index
        .search(&AnswerQuery {
            text: "空调异味".into(),
            ..AnswerQuery::default()
        })
        .is_empty());
}
