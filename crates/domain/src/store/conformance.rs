//! The one behaviour every [`ComplaintStore`] must have.
//!
//! Each case is an `async fn` taking a fresh, empty store and panicking when
//! the store misbehaves. [`crate::store_conformance_tests!`] turns the whole
//! list into tests: `#[test]`s for native stores, `#[wasm_bindgen_test]`s for
//! the IndexedDB store in a real browser (a fresh database per test).

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::{edit_draft_key, ComplaintStore, OutboxEntry, RecordStore, StoreError};
use crate::fixtures;
use crate::form::ComplaintForm;
use crate::model::Status;
use crate::sync::{local_change, Hlc, LocalChange, RejectCode, Rejection, Stamp};

fn stamp(op: &str, wall_ms: u64) -> Stamp {
    Stamp {
        user: None,
        op_id: op.to_string(),
        hlc: Hlc::new(wall_ms, 0),
        device: "dev-a".into(),
    }
}

/// A creation of complaint `id` as a local change.
fn created(id: &str, op: &str, wall_ms: u64) -> LocalChange {
    local_change(None, None, &example(id), stamp(op, wall_ms))
        .expect("valid")
        .expect("a change")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).expect("valid day")
}

fn example(id: &str) -> crate::model::Complaint {
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 30, 0)
        .single()
        .expect("valid time");
    fixtures::worked_example(id, at)
}

pub async fn empty_store_lists_nothing(store: impl ComplaintStore) {
    let listing = store.list_complaints().await.expect("list");
    assert!(listing.complaints.is_empty(), "{:?}", listing.complaints);
    assert!(listing.unreadable.is_empty());
}

pub async fn saved_complaint_reads_back_identical(store: impl ComplaintStore) {
    let c = example("a");
    store.save_complaint(&c, None).await.expect("save");
    let back = store
        .get_complaint("a")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(back, c);
    // Chinese text and money survive exactly.
    assert_eq!(
        back.customer_background,
        "在媒体工作，表示如不满意将公开曝光"
    );
}

pub async fn missing_complaint_is_none(store: impl ComplaintStore) {
    assert_eq!(store.get_complaint("nope").await.expect("get"), None);
}

pub async fn saving_same_id_replaces(store: impl ComplaintStore) {
    let mut c = example("a");
    store.save_complaint(&c, None).await.expect("save");
    c.status = Status::Hold;
    c.tracking = "顾客拒绝到店".into();
    store.save_complaint(&c, None).await.expect("save again");
    let listing = store.list_complaints().await.expect("list");
    assert_eq!(listing.complaints.len(), 1);
    assert_eq!(listing.complaints[0].status, Status::Hold);
    assert_eq!(listing.complaints[0].tracking, "顾客拒绝到店");
}

pub async fn list_returns_every_complaint(store: impl ComplaintStore) {
    for n in 0..25 {
        store
            .save_complaint(&fixtures::generated(n, "dev"), None)
            .await
            .expect("save");
    }
    let listing = store.list_complaints().await.expect("list");
    let mut ids: Vec<_> = listing.complaints.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    let mut expected: Vec<_> = (0..25).map(|n| fixtures::generated(n, "dev").id).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

pub async fn corrupt_record_is_reported_and_skipped(store: impl ComplaintStore) {
    store
        .save_complaint(&example("good-1"), None)
        .await
        .expect("save");
    store
        .put_raw_complaint("bad", serde_json::json!({"id": "bad", "customer_name": 42}))
        .await
        .expect("put raw");
    store
        .save_complaint(&example("good-2"), None)
        .await
        .expect("save");

    let listing = store
        .list_complaints()
        .await
        .expect("one bad record must not fail the list");
    let mut ids: Vec<_> = listing.complaints.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["good-1", "good-2"]);
    assert_eq!(listing.unreadable.len(), 1);
    assert_eq!(listing.unreadable[0].key, "bad");
    assert!(!listing.unreadable[0].detail.is_empty());

    match store.get_complaint("bad").await {
        Err(StoreError::Corrupt { key, .. }) => assert_eq!(key, "bad"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

pub async fn deleted_complaint_is_gone(store: impl ComplaintStore) {
    store
        .save_complaint(&example("a"), None)
        .await
        .expect("save");
    store
        .save_complaint(&example("b"), None)
        .await
        .expect("save");
    store.delete_complaint("a").await.expect("delete");
    assert_eq!(store.get_complaint("a").await.expect("get"), None);
    assert_eq!(
        store
            .list_complaints()
            .await
            .expect("list")
            .complaints
            .len(),
        1
    );
    // Deleting what is not there is not an error.
    store.delete_complaint("a").await.expect("delete again");
}

pub async fn draft_round_trips_and_deletes(store: impl ComplaintStore) {
    assert_eq!(store.load_draft("intake").await.expect("load"), None);
    let mut draft = ComplaintForm {
        customer_name: "张三".into(),
        mileage_km: "12a".into(), // invalid text is kept as typed
        ..Default::default()
    };
    store
        .save_draft("intake", &draft)
        .await
        .expect("save draft");
    assert_eq!(
        store.load_draft("intake").await.expect("load"),
        Some(draft.clone())
    );
    draft.content = "发动机异响".into();
    store
        .save_draft("intake", &draft)
        .await
        .expect("overwrite draft");
    assert_eq!(
        store
            .load_draft("intake")
            .await
            .expect("load")
            .expect("present")
            .content,
        "发动机异响"
    );
    store.delete_draft("intake").await.expect("delete");
    assert_eq!(store.load_draft("intake").await.expect("load"), None);
}

pub async fn saving_complaint_clears_only_the_named_draft(store: impl ComplaintStore) {
    let draft = ComplaintForm {
        customer_name: "李四".into(),
        ..Default::default()
    };
    store.save_draft("intake", &draft).await.expect("draft");
    store.save_draft("edit:x", &draft).await.expect("draft");
    store
        .save_complaint(&example("a"), Some("intake"))
        .await
        .expect("save");
    assert_eq!(store.load_draft("intake").await.expect("load"), None);
    assert_eq!(store.load_draft("edit:x").await.expect("load"), Some(draft));
    assert!(store.get_complaint("a").await.expect("get").is_some());
}

pub async fn case_sequence_counts_per_day(store: impl ComplaintStore) {
    assert_eq!(store.next_case_sequence(day(23)).await.expect("seq"), 1);
    assert_eq!(store.next_case_sequence(day(23)).await.expect("seq"), 2);
    assert_eq!(store.next_case_sequence(day(24)).await.expect("seq"), 1);
    assert_eq!(store.next_case_sequence(day(23)).await.expect("seq"), 3);
}

pub async fn settings_round_trip(store: impl ComplaintStore) {
    assert_eq!(store.get_setting("lang").await.expect("get"), None);
    store
        .set_setting("lang", serde_json::json!("en"))
        .await
        .expect("set");
    store
        .set_setting(
            "branch",
            serde_json::json!({"code": "BJ01", "name": "北京朝阳"}),
        )
        .await
        .expect("set");
    assert_eq!(
        store.get_setting("lang").await.expect("get"),
        Some(serde_json::json!("en"))
    );
    assert_eq!(
        store.get_setting("branch").await.expect("get"),
        Some(serde_json::json!({"code": "BJ01", "name": "北京朝阳"}))
    );
}

pub async fn an_unreadable_setting_reads_as_corrupt_and_hides_no_other(store: impl ComplaintStore) {
    store
        .set_setting("lang", serde_json::json!("en"))
        .await
        .expect("set");
    store
        .put_raw_setting("branch", "{\"code\": \"BJ")
        .await
        .expect("raw");
    assert!(matches!(
        store.get_setting("branch").await,
        Err(StoreError::Corrupt { key, .. }) if key == "branch"
    ));
    assert_eq!(
        store.get_setting("lang").await.expect("get"),
        Some(serde_json::json!("en"))
    );
    // Written again, it reads.
    store
        .set_setting("branch", serde_json::json!("BJ01"))
        .await
        .expect("set");
    assert_eq!(
        store.get_setting("branch").await.expect("get"),
        Some(serde_json::json!("BJ01"))
    );
}

pub async fn an_unreadable_cursor_reads_as_the_start(store: impl ComplaintStore) {
    store
        .put_raw_setting(super::SYNC_CURSOR_SETTING, "not json")
        .await
        .expect("raw");
    assert_eq!(store.sync_cursor().await.expect("cursor"), "");
    store.apply_pulled(&[], "17").await.expect("apply");
    assert_eq!(store.sync_cursor().await.expect("cursor"), "17");
}

pub async fn timestamps_keep_their_instant(store: impl ComplaintStore) {
    let mut c = example("t");
    c.received_at = Utc
        .with_ymd_and_hms(2026, 2, 28, 23, 59, 59)
        .single()
        .expect("time");
    c.updated_at = c.received_at + Duration::milliseconds(1);
    store.save_complaint(&c, None).await.expect("save");
    let back = store
        .get_complaint("t")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(back.received_at, c.received_at);
    assert_eq!(back.updated_at, c.updated_at);
}

pub async fn local_change_writes_complaint_state_and_outbox_together(store: impl ComplaintStore) {
    let draft = ComplaintForm {
        customer_name: "李先生".into(),
        ..Default::default()
    };
    store.save_draft("intake", &draft).await.expect("draft");
    let change = created("a", "op-1", 1_000);
    let saved = store
        .save_change(&change.op, Some("intake"))
        .await
        .expect("save change");
    assert_eq!(saved, change.complaint);
    assert_eq!(
        store.get_complaint("a").await.expect("get"),
        Some(change.complaint.clone())
    );
    assert_eq!(
        store.get_record_state("a").await.expect("state"),
        Some(change.state.clone())
    );
    let outbox = store.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].op, change.op);
    assert_eq!(outbox[0].rejection, None);
    assert_eq!(store.load_draft("intake").await.expect("draft"), None);
}

pub async fn local_change_merges_with_what_was_pulled_meanwhile(store: impl ComplaintStore) {
    // The user starts editing; a pull lands an edit from another device; then
    // the user's save must not lose the pulled edit.
    let change = created("a", "op-1", 1_000);
    store.save_change(&change.op, None).await.expect("create");
    let state = store
        .get_record_state("a")
        .await
        .expect("state")
        .expect("present");
    let mut theirs = change.complaint.clone();
    theirs.tracking = "厂家技术支持已到店".into();
    let pulled = local_change(
        Some(&state),
        Some(&change.complaint),
        &theirs,
        Stamp {
            user: None,
            op_id: "op-theirs".into(),
            hlc: Hlc::new(2_000, 0),
            device: "dev-b".into(),
        },
    )
    .expect("valid")
    .expect("a change");
    let mut mine = change.complaint.clone();
    mine.demand = "更换整车".into();
    let local = local_change(
        Some(&state),
        Some(&change.complaint),
        &mine,
        stamp("op-mine", 3_000),
    )
    .expect("valid")
    .expect("a change");
    store.apply_pulled(&[pulled.op], "1").await.expect("pull");
    let saved = store.save_change(&local.op, None).await.expect("save");
    assert_eq!(saved.tracking, "厂家技术支持已到店");
    assert_eq!(saved.demand, "更换整车");
}

/// Saves a creation of each `(record, op id, wall ms)`, in that order.
async fn queue_created(store: &impl ComplaintStore, changes: &[(&str, &str, u64)]) {
    for (id, op, wall) in changes {
        store
            .save_change(&created(id, op, *wall).op, None)
            .await
            .expect("save");
    }
}

pub async fn outbox_keeps_the_order_changes_were_made(store: impl ComplaintStore) {
    // Stamps need not grow: a stamp from a clock that ran ahead comes first here.
    queue_created(
        &store,
        &[
            ("c", "op-c", 3_000),
            ("a", "op-a", 1_000),
            ("b", "op-b", 2_000),
        ],
    )
    .await;
    let ids: Vec<String> = store
        .outbox()
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| e.op.id)
        .collect();
    assert_eq!(ids, ["op-c", "op-a", "op-b"]);
}

pub async fn settled_outbox_drops_accepted_and_keeps_rejected_with_reason(
    store: impl ComplaintStore,
) {
    queue_created(
        &store,
        &[
            ("a", "op-a", 1_000),
            ("b", "op-b", 2_000),
            ("c", "op-c", 3_000),
        ],
    )
    .await;
    let reason = Rejection::new(RejectCode::ClockAhead, None, "3600 s ahead");
    store
        .settle_outbox(
            &["op-a".to_string(), "op-c".to_string()],
            &[("op-b".to_string(), reason.clone())],
        )
        .await
        .expect("settle");
    let outbox = store.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].op.id, "op-b");
    assert_eq!(outbox[0].rejection, Some(reason));
    // Settling an id twice, or one not there, is harmless.
    store
        .settle_outbox(&["op-a".to_string(), "nope".to_string()], &[])
        .await
        .expect("settle again");
    assert_eq!(store.outbox().await.expect("outbox").len(), 1);
}

/// A batch settled around entries it did not carry (one refused before,
/// one waiting for its record's creation) leaves exactly those.
pub async fn a_settled_batch_leaves_the_entries_it_skipped(store: impl ComplaintStore) {
    queue_created(
        &store,
        &[
            ("a", "op-a", 1_000),
            ("b", "op-b", 2_000),
            ("c", "op-c", 3_000),
            ("d", "op-d", 4_000),
            ("e", "op-e", 5_000),
        ],
    )
    .await;
    let reason = Rejection::new(RejectCode::ClockAhead, None, "3600 s ahead");
    store
        .settle_outbox(&[], &[("op-b".to_string(), reason.clone())])
        .await
        .expect("refuse b");
    let ids = |entries: Vec<OutboxEntry>| -> Vec<(String, bool)> {
        entries
            .into_iter()
            .map(|e| (e.op.id, e.rejection.is_some()))
            .collect()
    };
    // The next batch carries a, c and e; d waits.
    store
        .settle_outbox(&["op-a".into(), "op-c".into(), "op-e".into()], &[])
        .await
        .expect("settle");
    assert_eq!(
        ids(store.outbox().await.expect("outbox")),
        [("op-b".to_string(), true), ("op-d".to_string(), false)]
    );
    store
        .save_change(&created("f", "op-f", 6_000).op, None)
        .await
        .expect("save f");
    store
        .settle_outbox(&["op-d".into(), "op-f".into()], &[])
        .await
        .expect("settle the rest");
    assert_eq!(
        ids(store.outbox().await.expect("outbox")),
        [("op-b".to_string(), true)]
    );
}

pub async fn discarded_op_leaves_outbox_and_record(store: impl ComplaintStore) {
    let change = created("a", "op-a", 1_000);
    store.save_change(&change.op, None).await.expect("create");
    let mut edited = change.complaint.clone();
    edited.tracking = "已更换制动盘".into();
    let edit = local_change(
        Some(&change.state),
        Some(&change.complaint),
        &edited,
        stamp("op-b", 2_000),
    )
    .expect("valid")
    .expect("a change");
    store.save_change(&edit.op, None).await.expect("edit");
    assert_eq!(
        store
            .get_complaint("a")
            .await
            .expect("get")
            .expect("present")
            .tracking,
        "已更换制动盘"
    );

    let back = store
        .discard_op("op-b")
        .await
        .expect("discard")
        .expect("still a complaint");
    assert_eq!(back.tracking, change.complaint.tracking);
    assert_eq!(
        store
            .get_complaint("a")
            .await
            .expect("get")
            .expect("present")
            .tracking,
        change.complaint.tracking
    );
    let outbox: Vec<String> = store
        .outbox()
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| e.op.id)
        .collect();
    assert_eq!(outbox, ["op-a"]);
    // Discarding the creation leaves nothing of the complaint.
    assert_eq!(store.discard_op("op-a").await.expect("discard"), None);
    assert_eq!(store.get_complaint("a").await.expect("get"), None);
}

pub async fn pulled_page_and_cursor_are_written_together(store: impl ComplaintStore) {
    assert_eq!(store.sync_cursor().await.expect("cursor"), "");
    let a = created("a", "op-a", 1_000);
    let b = created("b", "op-b", 2_000);
    let stored = store
        .apply_pulled(&[a.op.clone(), b.op.clone(), a.op.clone()], "42")
        .await
        .expect("apply");
    assert_eq!(stored.changed, ["a", "b"]);
    // The complaints as they now read, for the list to take in.
    assert_eq!(
        stored.complaints,
        [a.complaint.clone(), b.complaint.clone()]
    );
    assert_eq!(store.sync_cursor().await.expect("cursor"), "42");
    assert_eq!(
        store.get_complaint("a").await.expect("get"),
        Some(a.complaint)
    );
    assert_eq!(
        store.get_record_state("b").await.expect("state"),
        Some(b.state)
    );
    // Pulled records are not local changes: nothing to send.
    assert!(store.outbox().await.expect("outbox").is_empty());
    // The same page again changes nothing but the cursor.
    let stored = store
        .apply_pulled(&[a.op], "43")
        .await
        .expect("apply again");
    assert_eq!(stored, super::PageStored::default());
    assert_eq!(store.sync_cursor().await.expect("cursor"), "43");
}

/// A complaint created and then edited on this device: the complaint as it
/// reads and its two queued operations.
async fn created_and_edited(
    store: &impl ComplaintStore,
    id: &str,
    wall_ms: u64,
) -> (crate::model::Complaint, Vec<crate::sync::Op>) {
    let create = created(id, &format!("op-{id}-1"), wall_ms);
    store.save_change(&create.op, None).await.expect("create");
    let mut edited = create.complaint.clone();
    edited.tracking = format!("跟进 {id}");
    let edit = local_change(
        Some(&create.state),
        Some(&create.complaint),
        &edited,
        stamp(&format!("op-{id}-2"), wall_ms + 1),
    )
    .expect("valid")
    .expect("a change");
    let after = store.save_change(&edit.op, None).await.expect("edit");
    (after, vec![create.op, edit.op])
}

pub async fn removed_records_take_their_state_queue_and_draft_and_nothing_else(
    store: impl ComplaintStore,
) {
    let (gone, _) = created_and_edited(&store, "gone", 1_000).await;
    let (kept, _) = created_and_edited(&store, "kept", 2_000).await;
    let form = ComplaintForm::from_complaint(&gone, chrono::FixedOffset::east_opt(0).expect("utc"));
    store
        .save_draft(&edit_draft_key("gone"), &form)
        .await
        .expect("draft");
    store
        .save_draft(&edit_draft_key("kept"), &form)
        .await
        .expect("draft");
    store.save_draft("intake", &form).await.expect("draft");
    // A refused operation of the removed record goes too.
    let reason = Rejection::new(RejectCode::Forbidden, Some("branch_code"), "");
    store
        .settle_outbox(&[], &[("op-gone-2".to_string(), reason)])
        .await
        .expect("settle");

    store
        .remove_records(&["gone".to_string()])
        .await
        .expect("remove");

    assert_eq!(store.get_complaint("gone").await.expect("get"), None);
    assert_eq!(store.get_record_state("gone").await.expect("state"), None);
    assert_eq!(
        store
            .load_draft(&edit_draft_key("gone"))
            .await
            .expect("draft"),
        None
    );
    let outbox = store.outbox().await.expect("outbox");
    let ids: Vec<&str> = outbox.iter().map(|e| e.op.id.as_str()).collect();
    assert_eq!(
        ids,
        ["op-kept-1", "op-kept-2"],
        "the other record's ops stay"
    );
    assert_eq!(
        store.list_complaints().await.expect("list").complaints,
        vec![kept]
    );
    assert!(store
        .load_draft(&edit_draft_key("kept"))
        .await
        .expect("draft")
        .is_some());
    assert!(store.load_draft("intake").await.expect("draft").is_some());
}

pub async fn removing_records_not_on_the_device_changes_nothing(store: impl ComplaintStore) {
    let (kept, _) = created_and_edited(&store, "kept", 1_000).await;
    store
        .remove_records(&["no-such-record".to_string()])
        .await
        .expect("remove");
    store.remove_records(&[]).await.expect("remove nothing");
    assert_eq!(store.get_complaint("kept").await.expect("get"), Some(kept));
    assert_eq!(store.outbox().await.expect("outbox").len(), 2);
}

pub async fn a_removed_record_that_moves_back_in_is_rebuilt_from_its_ops(
    store: impl ComplaintStore,
) {
    // The server re-sends every op of a complaint entering the scope, this
    // device's own included: applying them again is harmless.
    let (c, ops) = created_and_edited(&store, "back", 1_000).await;
    let accepted: Vec<String> = ops.iter().map(|op| op.id.clone()).collect();
    store.settle_outbox(&accepted, &[]).await.expect("settle");
    let before = store.get_record_state("back").await.expect("state");

    store
        .remove_records(&["back".to_string()])
        .await
        .expect("remove");
    assert_eq!(store.get_complaint("back").await.expect("get"), None);
    store.apply_pulled(&ops, "9").await.expect("pull again");
    assert_eq!(store.get_complaint("back").await.expect("get"), Some(c));
    assert_eq!(store.get_record_state("back").await.expect("state"), before);
    assert!(store.outbox().await.expect("outbox").is_empty());
}

/// For stores that also keep PDCA rows and answers ([`RecordStore`]); not in
/// [`crate::store_conformance_tests!`], which every [`ComplaintStore`] runs.
pub async fn a_saved_plan_or_answer_is_queued_and_listed_by_kind_but_is_no_complaint(
    store: impl ComplaintStore + RecordStore,
) {
    use crate::kpi::Kpi;
    use crate::pdca::{change, PdcaItem};
    let mut row = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-11");
    row.target = Some(95.0);
    row.owner = "王经理".into();
    let op = change(None, &row, "2026-11-23T09:30:00Z", stamp("op-plan", 1_000)).expect("an op");
    let state = store.save_record(&op).await.expect("save plan");
    assert_eq!(PdcaItem::from_state(&state), Some(row.clone()));
    let plans = store
        .records_with_prefix(crate::pdca::PREFIX)
        .await
        .expect("plans");
    assert_eq!(plans, vec![state]);
    let outbox = store.outbox().await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].op, op);
    assert!(store
        .list_complaints()
        .await
        .expect("list")
        .complaints
        .is_empty());
    // Complaints are not plans, nor are answers.
    store
        .save_change(&created("a", "op-a", 2_000).op, None)
        .await
        .expect("create");
    let answer = crate::answers::Answer {
        id: crate::answers::record_id(&crate::answers::Audience::All, "tpms"),
        title: "胎压灯亮".into(),
        answer: "冷胎时检查四轮胎压，再复位胎压监测。".into(),
        author: "王经理".into(),
        editor: "王经理".into(),
        updated_at: "2026-11-23T09:30:00Z".into(),
        version: 1,
        ..Default::default()
    };
    let op = crate::answers::change(
        None,
        &answer,
        "2026-11-23T09:30:00Z",
        stamp("op-ans", 3_000),
    )
    .expect("an op");
    store.save_record(&op).await.expect("save answer");
    assert_eq!(
        store
            .records_with_prefix(crate::pdca::PREFIX)
            .await
            .expect("plans")
            .len(),
        1
    );
    let answers = store
        .records_with_prefix(crate::answers::PREFIX)
        .await
        .expect("answers");
    assert_eq!(
        answers
            .iter()
            .filter_map(crate::answers::Answer::from_state)
            .collect::<Vec<_>>(),
        vec![answer]
    );
    assert!(store
        .list_complaints()
        .await
        .expect("list")
        .complaints
        .iter()
        .all(|c| c.id == "a"));
    // A plan row pulled from another device changed a record, but no
    // complaint: the list has nothing to take in.
    let mut theirs = PdcaItem::new("BJ01", Kpi::Satisfaction, "2026-12");
    theirs.owner = "李主管".into();
    let op = change(
        None,
        &theirs,
        "2026-12-01T09:30:00Z",
        stamp("op-plan-2", 4_000),
    )
    .expect("an op");
    let stored = store
        .apply_pulled(std::slice::from_ref(&op), "7")
        .await
        .expect("pull");
    assert_eq!(stored.changed, [op.record]);
    assert!(stored.complaints.is_empty());
}

/// Generates one test per conformance case.
///
/// ```ignore
/// // native: `futures` must be a dev-dependency of the calling crate
/// complaints_domain::store_conformance_tests!(native, || async { MemoryStore::new() });
/// // browser: `wasm_bindgen_test` must be a dev-dependency
/// complaints_domain::store_conformance_tests!(wasm, |name: &str| ...);
/// ```
/// The closure receives the test's name (for a fresh database per test) and
/// returns a future of an empty store.
#[macro_export]
macro_rules! store_conformance_tests {
    ($mode:ident, $new_store:expr) => {
        $crate::store_conformance_tests!(@cases $mode, $new_store;
            empty_store_lists_nothing,
            saved_complaint_reads_back_identical,
            missing_complaint_is_none,
            saving_same_id_replaces,
            list_returns_every_complaint,
            corrupt_record_is_reported_and_skipped,
            deleted_complaint_is_gone,
            draft_round_trips_and_deletes,
            saving_complaint_clears_only_the_named_draft,
            case_sequence_counts_per_day,
            settings_round_trip,
            an_unreadable_setting_reads_as_corrupt_and_hides_no_other,
            an_unreadable_cursor_reads_as_the_start,
            timestamps_keep_their_instant,
            local_change_writes_complaint_state_and_outbox_together,
            outbox_keeps_the_order_changes_were_made,
            settled_outbox_drops_accepted_and_keeps_rejected_with_reason,
            a_settled_batch_leaves_the_entries_it_skipped,
            local_change_merges_with_what_was_pulled_meanwhile,
            discarded_op_leaves_outbox_and_record,
            pulled_page_and_cursor_are_written_together,
            removed_records_take_their_state_queue_and_draft_and_nothing_else,
            removing_records_not_on_the_device_changes_nothing,
            a_removed_record_that_moves_back_in_is_rebuilt_from_its_ops
        );
    };
    (@cases native, $new_store:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                ::futures::executor::block_on(async {
                    let store = ($new_store)(stringify!($case)).await;
                    $crate::store::conformance::$case(store).await;
                });
            }
        )+
    };
    (@cases wasm, $new_store:expr; $($case:ident),+) => {
        $(
            #[::wasm_bindgen_test::wasm_bindgen_test]
            async fn $case() {
                let store = ($new_store)(stringify!($case)).await;
                $crate::store::conformance::$case(store).await;
            }
        )+
    };
}
