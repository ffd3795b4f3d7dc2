//! The IndexedDB store in a real browser (headless Chromium through
//! wasm-bindgen-test-runner): the shared conformance suite, each case on a
//! fresh database, plus what only IndexedDB has — the versioned schema.

use complaints_app::store::{IdbStore, Version};
use complaints_domain::store::ComplaintStore;
use complaints_domain::{fixtures, store_conformance_tests};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_store(name: &str) -> IdbStore {
    let db = format!("test-{name}");
    IdbStore::delete_database(&db)
        .await
        .expect("delete old test database");
    IdbStore::open(&db).await.expect("open test database")
}

mod conformance {
    use super::*;
    store_conformance_tests!(wasm, fresh_store);

    /// PDCA rows and standard answers ([`complaints_domain::store::RecordStore`]):
    /// listed by their id prefix, never as complaints.
    #[wasm_bindgen_test]
    async fn plans_and_answers_are_listed_by_kind_and_are_no_complaints() {
        complaints_domain::store::conformance::a_saved_plan_or_answer_is_queued_and_listed_by_kind_but_is_no_complaint(
            fresh_store("record-kinds").await,
        )
        .await;
    }
}

mod schema {
    use super::*;

    #[wasm_bindgen_test]
    async fn new_database_is_at_the_current_version() {
        let store = fresh_store("schema-version").await;
        assert_eq!(store.version(), Version::CURRENT.number());
    }

    #[wasm_bindgen_test]
    async fn data_survives_closing_and_reopening() {
        let store = fresh_store("schema-reopen").await;
        let c = fixtures::generated(7, "dev");
        store.save_complaint(&c, None).await.expect("save");
        drop(store);
        let reopened = IdbStore::open("test-schema-reopen").await.expect("reopen");
        assert_eq!(reopened.get_complaint(&c.id).await.expect("get"), Some(c));
    }

    #[wasm_bindgen_test]
    async fn versions_are_numbered_in_order_without_gaps() {
        let numbers: Vec<u32> = Version::ALL.iter().map(|v| v.number()).collect();
        let expected: Vec<u32> = (1..=Version::ALL.len() as u32).collect();
        assert_eq!(numbers, expected);
        assert_eq!(Version::ALL.last().copied(), Some(Version::CURRENT));
    }

    #[wasm_bindgen_test]
    async fn a_value_that_is_not_json_text_is_reported_not_fatal() {
        // A record written by something else entirely (a JS object, not our text).
        let store = fresh_store("schema-foreign").await;
        store
            .save_complaint(&fixtures::generated(1, "dev"), None)
            .await
            .expect("save");
        complaints_app::store::put_foreign_value_for_test(&store, "foreign").await;
        let listing = store.list_complaints().await.expect("list");
        assert_eq!(listing.complaints.len(), 1);
        assert_eq!(listing.unreadable.len(), 1);
        assert_eq!(listing.unreadable[0].key, "foreign");
    }
}

/// Devices that queued changes under schema version 3 (the outbox keyed by
/// op id) keep them: they move to the numbered outbox when the store opens.
mod upgrade {
    use super::*;
    use complaints_app::store::version_3_outbox_for_test;
    use complaints_domain::store::OutboxEntry;

    fn entry(seq: u64, op: &str, record: &str, refused: bool) -> String {
        let mut entry = serde_json::json!({
            "seq": seq,
            "op": {"id": op, "rec": record, "hlc": "1000-0", "dev": "dev", "set": {"tracking": "旧版本"}},
        });
        if refused {
            entry["rejection"] =
                serde_json::json!({"code": "clock_ahead", "detail": "3600 s ahead"});
        }
        entry.to_string()
    }

    #[wasm_bindgen_test]
    async fn an_outbox_kept_by_version_3_moves_to_the_numbered_outbox_on_opening() {
        let name = "test-outbox-v3";
        let store = fresh_store("outbox-v3").await;
        // Written in another order than their numbers, one refused, one damaged.
        for (key, value) in [
            ("op-b", entry(2, "op-b", "rec-b", false)),
            ("op-a", entry(1, "op-a", "rec-a", true)),
            ("op-c", entry(3, "op-c", "rec-c", false)),
            ("broken", "not json".to_string()),
        ] {
            version_3_outbox_for_test(&store, Some((key, &value))).await;
        }
        store.close();

        let store = IdbStore::open(name).await.expect("reopen");
        let outbox: Vec<OutboxEntry> = store.outbox().await.expect("outbox");
        let ids: Vec<(&str, bool)> = outbox
            .iter()
            .map(|e| (e.op.id.as_str(), e.rejection.is_some()))
            .collect();
        assert_eq!(ids, [("op-a", true), ("op-b", false), ("op-c", false)]);
        assert_eq!(
            version_3_outbox_for_test(&store, None).await,
            1,
            "the damaged entry stays where it was"
        );
        store
            .settle_outbox(&["op-b".into(), "op-c".into()], &[])
            .await
            .expect("settle");
        let left: Vec<String> = store
            .outbox()
            .await
            .expect("outbox")
            .into_iter()
            .map(|e| e.op.id)
            .collect();
        assert_eq!(left, ["op-a"]);
    }
}

/// What signing out needs of the store: deleting the whole database while
/// other tabs hold it open. (Removing records that left the user's scope is
/// in the conformance suite.)
mod scope {
    use super::*;
    use complaints_domain::sync::{local_change, Hlc, Op, Stamp};
    use complaints_domain::Complaint;

    fn stamp(n: u64, device: &str) -> Stamp {
        Stamp {
            op_id: format!("op-{device}-{n}"),
            hlc: Hlc::new(1_700_000_000_000 + n, 0),
            device: device.into(),
            user: Some("zhang.wei".into()),
        }
    }

    /// Creates complaint `n` on this device and edits it once: two queued ops.
    async fn created_and_edited(store: &IdbStore, n: u32) -> (Complaint, Vec<Op>) {
        let c = fixtures::generated(n, "dev");
        let create = local_change(None, None, &c, stamp(u64::from(n) * 10, "dev"))
            .expect("creation")
            .expect("an op");
        let saved = store.save_change(&create.op, None).await.expect("save");
        let mut edited = saved.clone();
        edited.tracking = format!("edit {n}");
        let state = store.get_record_state(&c.id).await.expect("state");
        let edit = local_change(
            state.as_ref(),
            Some(&saved),
            &edited,
            stamp(u64::from(n) * 10 + 1, "dev"),
        )
        .expect("edit")
        .expect("an op");
        let after = store.save_change(&edit.op, None).await.expect("save edit");
        (after, vec![create.op, edit.op])
    }

    #[wasm_bindgen_test]
    async fn the_database_is_deleted_even_while_another_tab_holds_it_open() {
        // Signing out deletes the database; another tab's open connection
        // closes itself when asked, so the deletion is not blocked.
        let store = fresh_store("scope-wipe").await;
        created_and_edited(&store, 5).await;
        let other_tab = IdbStore::open("test-scope-wipe")
            .await
            .expect("second connection");
        store.close_connection();
        IdbStore::delete_database("test-scope-wipe")
            .await
            .expect("deleted although another connection was open");
        drop(other_tab);
        let fresh = IdbStore::open("test-scope-wipe").await.expect("reopen");
        assert!(fresh
            .list_complaints()
            .await
            .expect("list")
            .complaints
            .is_empty());
        assert!(fresh.outbox().await.expect("outbox").is_empty());
        assert_eq!(
            fresh.get_setting("outbox_seq").await.expect("setting"),
            None
        );
    }
}

/// Photo images and their upload queue (schema v3).
mod photos {
    use super::*;
    use complaints_app::store::PhotoUpload;

    fn blob(bytes: &[u8]) -> web_sys::Blob {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        web_sys::Blob::new_with_u8_array_sequence(&parts).expect("blob")
    }

    fn upload(photo: &str) -> PhotoUpload {
        PhotoUpload {
            photo: photo.into(),
            record: "rec-1".into(),
            sha256: "ab".repeat(32),
            bytes: 3,
        }
    }

    /// The photos waiting to upload, by id.
    async fn queued(store: &IdbStore) -> Vec<String> {
        let uploads = store.photo_uploads().await.expect("queue");
        uploads.into_iter().map(|u| u.photo).collect()
    }

    #[wasm_bindgen_test]
    async fn a_photo_is_kept_with_its_upload_queued_and_leaves_the_queue_once_uploaded() {
        let store = fresh_store("photos-queue").await;
        store
            .save_photo_file(&blob(&[1, 2, 3]), &upload("p1"))
            .await
            .expect("save");
        store
            .save_photo_file(&blob(&[4, 5, 6]), &upload("p2"))
            .await
            .expect("save");
        assert_eq!(queued(&store).await, ["p1", "p2"]);
        let kept = store.photo_file("p1").await.expect("read").expect("kept");
        assert_eq!(kept.size(), 3.0);

        store.photo_uploaded("p1").await.expect("uploaded");
        assert_eq!(queued(&store).await, ["p2"], "only the one still to upload");
        assert!(
            store.photo_file("p1").await.expect("read").is_some(),
            "the image stays"
        );

        store.drop_photo_file("p2").await.expect("drop");
        assert!(store.photo_file("p2").await.expect("read").is_none());
        assert!(store.photo_uploads().await.expect("queue").is_empty());
    }

    #[wasm_bindgen_test]
    async fn signing_out_removes_the_photos_with_the_rest_of_the_users_data() {
        let store = fresh_store("photos-clear").await;
        store
            .save_photo_file(&blob(&[1]), &upload("p1"))
            .await
            .expect("save");
        store
            .keep_photo_file("p9", &blob(&[9]))
            .await
            .expect("keep");
        store.clear_user_data(&[]).await.expect("clear");
        assert!(store.photo_file("p1").await.expect("read").is_none());
        assert!(store.photo_file("p9").await.expect("read").is_none());
        assert!(store.photo_uploads().await.expect("queue").is_empty());
    }
}
