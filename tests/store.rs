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
