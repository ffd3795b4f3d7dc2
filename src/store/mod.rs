//! The IndexedDB store: [`ComplaintStore`] over the browser's IndexedDB,
//! through indexed_db_futures.
//!
//! Values are stored as JSON text rather than as structured JS objects:
//! serde_json in wasm is much faster than converting object graphs across the
//! JS boundary, the text is exactly what the server will see, and one
//! damaged value only fails its own decode (the list reports and skips it).

mod photos;
mod schema;

pub use photos::PhotoUpload;
pub use schema::Version;

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

use complaints_domain::sort::set_of;
use complaints_domain::store::{
    case_sequence_key, cursor_of, edit_draft_key, merge_ops, records_of, sort_outbox,
    ComplaintStore, Listing, OutboxEntry, PageStored, RecordStore, StoreError, Unreadable,
    OUTBOX_SEQ_SETTING, SYNC_CURSOR_SETTING,
};
use complaints_domain::sync::{Op, RecordState, Rejection};
use complaints_domain::{Complaint, ComplaintForm};
use indexed_db_futures::database::Database;
use indexed_db_futures::database::ObjectStoreName;
use indexed_db_futures::error::{Error as IdbError, OpenDbError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use serde::Serialize;
use wasm_bindgen::JsValue;

use schema::{
    COMPLAINTS, DRAFTS, OUTBOX, OUTBOX_QUEUE, PHOTO_FILES, PHOTO_UPLOADS, RECORD_STATES, SETTINGS,
};

/// A [`ComplaintStore`] in one IndexedDB database.
pub struct IdbStore {
    db: Database,
}

/// An IndexedDB failure as the app's [`StoreError`], by its kind: the DOM
/// exception's name and message as the browser gives them ("QuotaExceededError:
/// …"). Never through the crate's `Display` or `Debug`: those would bring
/// Rust's float formatting into the download for errors the app's values
/// never raise (see the README's "Size").
fn backend(e: impl Into<IdbFailure>) -> StoreError {
    let detail = match e.into() {
        IdbFailure::Error(e) => match e {
            IdbError::DomException(d) => return dom_failure(web_sys::DomException::from(d)),
            IdbError::Serialisation(_) => "a value could not be converted".into(),
            IdbError::MissingData(_) => "data the request needs is missing".into(),
            IdbError::Unknown(_) => "IndexedDB failed without saying why".into(),
        },
        IdbFailure::Open(OpenDbError::Base(e)) => return backend(e),
        IdbFailure::Open(_) => "IndexedDB is not available in this browser".into(),
    };
    StoreError::Backend(detail)
}

/// A DOM exception IndexedDB failed with: a full device
/// (`QuotaExceededError`) is [`StoreError::QuotaExceeded`], the user is told
/// so in plain words; anything else a [`StoreError::Backend`].
fn dom_failure(d: web_sys::DomException) -> StoreError {
    let detail = format!("{}: {}", d.name(), d.message());
    if d.name() == "QuotaExceededError" {
        StoreError::QuotaExceeded(detail)
    } else {
        StoreError::Backend(detail)
    }
}

/// Commits `tx`. A transaction the browser aborted says why only on
/// itself (`transaction.error`: a full device aborts at commit, with no
/// failed request), so that is where the failure is read.
async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    use indexed_db_futures::internals::SystemRepr;
    let raw = tx.as_sys().clone();
    tx.commit().await.map_err(|e| match raw.error() {
        Some(why) => dom_failure(why),
        None => backend(e),
    })
}

/// What indexed_db_futures can fail with.
enum IdbFailure {
    Error(IdbError),
    Open(OpenDbError),
}

impl From<IdbError> for IdbFailure {
    fn from(e: IdbError) -> Self {
        IdbFailure::Error(e)
    }
}

impl From<OpenDbError> for IdbFailure {
    fn from(e: OpenDbError) -> Self {
        IdbFailure::Open(e)
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<JsValue, StoreError> {
    serde_json::to_string(value)
        .map(|s| JsValue::from_str(&s))
        .map_err(|e| StoreError::Encode(e.to_string()))
}

/// The JSON text of a stored value, or why it is not one.
fn stored_text(key: &str, value: &JsValue) -> Result<String, StoreError> {
    value.as_string().ok_or_else(|| StoreError::Corrupt {
        key: key.to_string(),
        detail: "stored value is not JSON text".into(),
    })
}

fn parse_json(key: &str, value: &JsValue) -> Result<serde_json::Value, StoreError> {
    let text = stored_text(key, value)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        detail: e.to_string(),
    })
}

/// Sends one request and waits for its answer (request errors and storage
/// errors alike become [`StoreError::Backend`]).
async fn run<B, T>(request: B) -> Result<T, StoreError>
where
    B: indexed_db_futures::BuildPrimitive,
    B::Fut: std::future::Future<Output = indexed_db_futures::Result<T>>,
{
    request.primitive().map_err(backend)?.await.map_err(backend)
}

/// Puts `value` under `key` in `store` within `tx`.
async fn put(
    tx: &Transaction<'_>,
    store: &str,
    key: &str,
    value: JsValue,
) -> Result<(), StoreError> {
    let os = tx.object_store(store).map_err(backend)?;
    run(os.put(value).with_key(key)).await?;
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, value: &JsValue) -> Result<T, StoreError> {
    let text = stored_text(key, value)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        detail: e.to_string(),
    })
}

/// Which of `ids` are keys of `store`: one `getAllKeys` over the range from
/// the least to the greatest of them.
async fn present_keys(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    ids: &[String],
) -> Result<BTreeSet<String>, StoreError> {
    let (Some(least), Some(greatest)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok(BTreeSet::new());
    };
    let range =
        indexed_db_futures::KeyRange::Bound(least.as_str(), false, greatest.as_str(), false);
    let keys: Vec<JsValue> = run(store.get_all_keys::<JsValue>().with_query::<&str, _>(range))
        .await?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    Ok(set_of(keys.iter().filter_map(JsValue::as_string)))
}

/// The outbox key of entry `seq` of operation `op_id` (see [`OUTBOX_QUEUE`]).
fn queue_key(seq: u64, op_id: &str) -> String {
    format!("{seq:020}:{op_id}")
}

/// The op id in an outbox key.
fn op_of_key(key: &str) -> &str {
    key.split_once(':').map_or("", |(_, op)| op)
}

/// Every key of the outbox, in order (short strings: reading them all is a
/// few milliseconds even for 10,000 entries).
async fn queue_keys(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
) -> Result<Vec<String>, StoreError> {
    let keys: Vec<JsValue> = run(store.get_all_keys::<JsValue>())
        .await?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    Ok(keys.iter().filter_map(JsValue::as_string).collect())
}

/// The outbox key of operation `op_id`, if it is queued.
async fn queue_key_of(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    op_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(queue_keys(store)
        .await?
        .into_iter()
        .find(|key| op_of_key(key) == op_id))
}

/// Queues `op` in the outbox (numbered in this same transaction) and merges
/// it into its record's stored state, within `tx`; returns the state.
async fn queue_op(tx: &Transaction<'_>, op: &Op) -> Result<RecordState, StoreError> {
    let counter: Option<JsValue> = run(tx
        .object_store(SETTINGS)
        .map_err(backend)?
        .get(OUTBOX_SEQ_SETTING))
    .await?;
    let seq = match counter.filter(|v| !v.is_undefined()) {
        Some(v) => parse_json(OUTBOX_SEQ_SETTING, &v)?.as_u64().unwrap_or(0) + 1,
        None => 1,
    };
    put(
        tx,
        SETTINGS,
        OUTBOX_SEQ_SETTING,
        JsValue::from_str(&seq.to_string()),
    )
    .await?;
    let entry = to_json(&OutboxEntry {
        seq,
        op: op.clone(),
        rejection: None,
    })?;
    let states = tx.object_store(RECORD_STATES).map_err(backend)?;
    // Read, merge and write the state in this one transaction: a pull
    // landing meanwhile is either before it (and merged) or after it.
    let current: Option<JsValue> = run(states.get(op.record.as_str())).await?;
    let mut state = match current.filter(|v| !v.is_undefined()) {
        Some(v) => decode(&op.record, &v)?,
        None => RecordState::new(&op.record),
    };
    state.apply(op);
    put(tx, RECORD_STATES, &state.id, to_json(&state)?).await?;
    put(tx, OUTBOX_QUEUE, &queue_key(seq, &op.id), entry).await?;
    Ok(state)
}

impl IdbStore {
    /// Opens (creating or upgrading) the database `name`.
    pub async fn open(name: &str) -> Result<IdbStore, StoreError> {
        let db = Database::open(name)
            .with_version(Version::CURRENT.number())
            .with_on_upgrade_needed(|event, db| schema::upgrade(&db, event.old_version() as u32))
            .await
            .map_err(|e| match backend(e) {
                StoreError::Backend(detail) => {
                    StoreError::Backend(format!("cannot open the local database: {detail}"))
                }
                other => other,
            })?;
        // Another tab deleting the database (signing out) must not wait for
        // this connection: it closes itself when asked.
        use indexed_db_futures::internals::SystemRepr;
        use wasm_bindgen::JsCast;
        let raw = db.as_sys().clone();
        let close = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || raw.close());
        db.as_sys()
            .set_onversionchange(Some(close.as_ref().unchecked_ref()));
        // As long as the connection: the page's.
        close.forget();
        let store = IdbStore { db };
        store.move_legacy_outbox().await?;
        Ok(store)
    }

    /// Moves the entries of the outbox as schema version 3 kept it (keyed by
    /// op id) to [`OUTBOX_QUEUE`], in one transaction; an entry that cannot
    /// be read stays where it is (it could not be sent either way).
    async fn move_legacy_outbox(&self) -> Result<(), StoreError> {
        let tx = self.writing([OUTBOX, OUTBOX_QUEUE])?;
        let legacy = tx.object_store(OUTBOX).map_err(backend)?;
        let keys: Vec<JsValue> = run(legacy.get_all_keys::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        if keys.is_empty() {
            return Ok(());
        }
        let values: Vec<JsValue> = run(legacy.get_all::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let queue = tx.object_store(OUTBOX_QUEUE).map_err(backend)?;
        for (key, value) in keys.iter().zip(values) {
            match decode::<OutboxEntry>("outbox", &value) {
                Ok(entry) => {
                    run(queue
                        .put(value)
                        .with_key(queue_key(entry.seq, &entry.op.id)))
                    .await?;
                    run(legacy.delete(key.clone())).await?;
                }
                Err(e) => {
                    crate::platform::log_error("kept an unreadable outbox entry", &e.to_string())
                }
            }
        }
        commit(tx).await
    }

    /// Writes settings given as JSON text (as received, without a round
    /// trip through a typed value), all or none.
    pub async fn set_settings_text(&self, entries: &[(&str, String)]) -> Result<(), StoreError> {
        let tx = self.writing(SETTINGS)?;
        let os = tx.object_store(SETTINGS).map_err(backend)?;
        for (key, json) in entries {
            run(os.put(JsValue::from_str(json)).with_key(*key)).await?;
        }
        commit(tx).await
    }

    /// Removes one user's data: every complaint, sync state, queued change,
    /// draft and photo, and every setting but those named in `keep` and the case number
    /// counters (`case_seq:…`), in one transaction.
    pub async fn clear_user_data(&self, keep: &[&str]) -> Result<(), StoreError> {
        let stores = [
            COMPLAINTS,
            RECORD_STATES,
            OUTBOX,
            OUTBOX_QUEUE,
            DRAFTS,
            PHOTO_FILES,
            PHOTO_UPLOADS,
        ];
        let tx = self.writing([&stores[..], &[SETTINGS]].concat())?;
        for store in stores {
            let os = tx.object_store(store).map_err(backend)?;
            os.clear().map_err(backend)?.await.map_err(backend)?;
        }
        let settings = tx.object_store(SETTINGS).map_err(backend)?;
        let keys: Vec<JsValue> = run(settings.get_all_keys::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        for key in keys.iter().filter_map(JsValue::as_string) {
            if !keep.contains(&key.as_str()) && !key.starts_with("case_seq:") {
                run(settings.delete(key.as_str())).await?;
            }
        }
        commit(tx).await
    }

    /// Closes this connection (the store is unusable afterwards), so that
    /// the database can be deleted.
    pub fn close_connection(&self) {
        self.db.clone().close();
    }

    /// Deletes the database `name` (tests start from a fresh one).
    pub async fn delete_database(name: &str) -> Result<(), StoreError> {
        Database::delete_by_name(name)
            .map_err(backend)?
            .await
            .map_err(backend)
    }

    /// Closes the connection (a database cannot be deleted while one is open).
    pub fn close(self) {
        self.db.close();
    }

    /// The schema version of the open database.
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    /// A read-write transaction over `stores` (committed explicitly: dropping
    /// an indexed_db_futures transaction rolls it back).
    fn writing<S: ObjectStoreName>(&self, stores: S) -> Result<Transaction<'_>, StoreError> {
        self.db
            .transaction(stores)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(backend)
    }

    async fn get_value(&self, store: &str, key: &str) -> Result<Option<JsValue>, StoreError> {
        let tx = self.db.transaction(store).build().map_err(backend)?;
        let os = tx.object_store(store).map_err(backend)?;
        let value: Option<JsValue> = run(os.get(key)).await?;
        Ok(value.filter(|v| !v.is_undefined()))
    }

    async fn put_value(&self, store: &str, key: &str, value: JsValue) -> Result<(), StoreError> {
        let tx = self.writing(store)?;
        let os = tx.object_store(store).map_err(backend)?;
        run(os.put(value).with_key(key)).await?;
        commit(tx).await
    }

    async fn delete_value(&self, store: &str, key: &str) -> Result<(), StoreError> {
        let tx = self.writing(store)?;
        let os = tx.object_store(store).map_err(backend)?;
        run(os.delete(key)).await?;
        commit(tx).await
    }
}

impl RecordStore for IdbStore {
    /// Saves a change to a PDCA row or an answer: queued and merged in one
    /// transaction.
    async fn save_record(&self, op: &Op) -> Result<RecordState, StoreError> {
        let tx = self.writing([RECORD_STATES, OUTBOX_QUEUE, SETTINGS])?;
        let state = queue_op(&tx, op).await?;
        commit(tx).await?;
        Ok(state)
    }

    /// The records on the device whose ids begin with `prefix` (`pdca:`,
    /// `ans:`); an unreadable one is reported and skipped.
    async fn records_with_prefix(&self, prefix: &str) -> Result<Vec<RecordState>, StoreError> {
        let tx = self
            .db
            .transaction(RECORD_STATES)
            .build()
            .map_err(backend)?;
        let os = tx.object_store(RECORD_STATES).map_err(backend)?;
        // Every key that starts with the prefix: from `pdca:` up to `pdca;`
        // (prefixes end with ':', and ';' is the next character).
        let end = format!("{};", prefix.trim_end_matches(':'));
        let range = indexed_db_futures::KeyRange::Bound(prefix, false, end.as_str(), true);
        let values: Vec<JsValue> = run(os.get_all::<JsValue>().with_query::<&str, _>(range))
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let mut out = Vec::with_capacity(values.len());
        for value in &values {
            match decode::<RecordState>(prefix, value) {
                Ok(state) => out.push(state),
                Err(e) => {
                    crate::platform::log_error("skipped an unreadable record", &e.to_string())
                }
            }
        }
        Ok(out)
    }
}

impl ComplaintStore for IdbStore {
    async fn save_complaint(
        &self,
        complaint: &Complaint,
        clear_draft: Option<&str>,
    ) -> Result<(), StoreError> {
        let value = to_json(complaint)?;
        let tx = self.writing([COMPLAINTS, DRAFTS])?;
        let complaints = tx.object_store(COMPLAINTS).map_err(backend)?;
        run(complaints.put(value).with_key(complaint.id.as_str())).await?;
        if let Some(key) = clear_draft {
            let drafts = tx.object_store(DRAFTS).map_err(backend)?;
            run(drafts.delete(key)).await?;
        }
        commit(tx).await
    }

    async fn get_complaint(&self, id: &str) -> Result<Option<Complaint>, StoreError> {
        match self.get_value(COMPLAINTS, id).await? {
            Some(v) => decode(id, &v).map(Some),
            None => Ok(None),
        }
    }

    async fn list_complaints(&self) -> Result<Listing, StoreError> {
        let tx = self.db.transaction(COMPLAINTS).build().map_err(backend)?;
        let os = tx.object_store(COMPLAINTS).map_err(backend)?;
        let keys: Vec<JsValue> = run(os.get_all_keys::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let values: Vec<JsValue> = run(os.get_all::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let mut listing = Listing::default();
        for (key, value) in keys.iter().zip(values.iter()) {
            let key = key.as_string().unwrap_or_else(|| format!("{key:?}"));
            let decoded = stored_text(&key, value).and_then(|text| {
                serde_json::from_str::<Complaint>(&text).map_err(|e| StoreError::Corrupt {
                    key: key.clone(),
                    detail: e.to_string(),
                })
            });
            match decoded {
                Ok(c) => listing.complaints.push(c),
                Err(e) => listing.unreadable.push(Unreadable {
                    key,
                    detail: e.to_string(),
                }),
            }
        }
        Ok(listing)
    }

    async fn delete_complaint(&self, id: &str) -> Result<(), StoreError> {
        self.delete_value(COMPLAINTS, id).await
    }

    async fn put_raw_complaint(&self, id: &str, raw: serde_json::Value) -> Result<(), StoreError> {
        self.put_value(COMPLAINTS, id, JsValue::from_str(&raw.to_string()))
            .await
    }

    async fn save_draft(&self, key: &str, draft: &ComplaintForm) -> Result<(), StoreError> {
        self.put_value(DRAFTS, key, to_json(draft)?).await
    }

    async fn load_draft(&self, key: &str) -> Result<Option<ComplaintForm>, StoreError> {
        match self.get_value(DRAFTS, key).await? {
            Some(v) => decode(key, &v).map(Some),
            None => Ok(None),
        }
    }

    async fn delete_draft(&self, key: &str) -> Result<(), StoreError> {
        self.delete_value(DRAFTS, key).await
    }

    async fn next_case_sequence(&self, day: NaiveDate) -> Result<u32, StoreError> {
        // Read and increment in one readwrite transaction: IndexedDB runs
        // overlapping readwrite transactions one after another, also across tabs.
        let key = case_sequence_key(day);
        let tx = self.writing(SETTINGS)?;
        let os = tx.object_store(SETTINGS).map_err(backend)?;
        let current: Option<JsValue> = run(os.get(key.as_str())).await?;
        let last = match current.filter(|v| !v.is_undefined()) {
            Some(v) => parse_json(&key, &v)?.as_u64().unwrap_or(0) as u32,
            None => 0,
        };
        let next = last + 1;
        run(os
            .put(JsValue::from_str(&next.to_string()))
            .with_key(key.as_str()))
        .await?;
        commit(tx).await?;
        Ok(next)
    }

    async fn save_change(
        &self,
        op: &Op,
        clear_draft: Option<&str>,
    ) -> Result<Complaint, StoreError> {
        let tx = self.writing([COMPLAINTS, RECORD_STATES, OUTBOX_QUEUE, DRAFTS, SETTINGS])?;
        let state = queue_op(&tx, op).await?;
        let complaint = state.materialize().map_err(StoreError::Invalid)?;
        put(&tx, COMPLAINTS, &complaint.id, to_json(&complaint)?).await?;
        if let Some(key) = clear_draft {
            run(tx.object_store(DRAFTS).map_err(backend)?.delete(key)).await?;
        }
        commit(tx).await?;
        Ok(complaint)
    }

    async fn get_record_state(&self, id: &str) -> Result<Option<RecordState>, StoreError> {
        match self.get_value(RECORD_STATES, id).await? {
            Some(v) => decode(id, &v).map(Some),
            None => Ok(None),
        }
    }

    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        let tx = self.db.transaction(OUTBOX_QUEUE).build().map_err(backend)?;
        let os = tx.object_store(OUTBOX_QUEUE).map_err(backend)?;
        let values: Vec<JsValue> = run(os.get_all::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let mut entries = Vec::with_capacity(values.len());
        for value in &values {
            match decode::<OutboxEntry>("outbox", value) {
                Ok(entry) => entries.push(entry),
                // A damaged entry cannot be sent; it must not stop the others.
                Err(e) => {
                    crate::platform::log_error("skipped an unreadable outbox entry", &e.to_string())
                }
            }
        }
        sort_outbox(&mut entries);
        Ok(entries)
    }

    async fn settle_outbox(
        &self,
        accepted: &[String],
        rejected: &[(String, Rejection)],
    ) -> Result<(), StoreError> {
        let tx = self.writing(OUTBOX_QUEUE)?;
        let os = tx.object_store(OUTBOX_QUEUE).map_err(backend)?;
        let keys = queue_keys(&os).await?;
        // The accepted entries as runs of neighbouring keys, one range
        // delete each: a batch sent in order is one run, unless an entry it
        // skipped (refused earlier, waiting for the user) lies among them.
        let accepted = set_of(accepted.iter().map(String::as_str));
        let mut runs: Vec<(&str, &str)> = Vec::new();
        let mut open: Option<(&str, &str)> = None;
        for key in &keys {
            if accepted.contains(op_of_key(key)) {
                open = Some(open.map_or((key, key), |(first, _)| (first, key)));
            } else if let Some(run) = open.take() {
                runs.push(run);
            }
        }
        runs.extend(open);
        let mut deletes = Vec::with_capacity(runs.len());
        for (first, last) in runs {
            let range = indexed_db_futures::KeyRange::Bound(first, false, last, false);
            deletes.push(os.delete::<&str, _>(range).primitive().map_err(backend)?);
        }
        for delete in deletes {
            delete.await.map_err(backend)?;
        }
        for (id, reason) in rejected {
            let Some(key) = keys.iter().find(|key| op_of_key(key) == id) else {
                continue;
            };
            let current: Option<JsValue> = run(os.get(key.as_str())).await?;
            if let Some(value) = current.filter(|v| !v.is_undefined()) {
                let mut entry: OutboxEntry = decode(id, &value)?;
                entry.rejection = Some(reason.clone());
                run(os.put(to_json(&entry)?).with_key(key.as_str())).await?;
            }
        }
        commit(tx).await
    }

    async fn discard_op(&self, op_id: &str) -> Result<Option<Complaint>, StoreError> {
        let tx = self.writing([COMPLAINTS, RECORD_STATES, OUTBOX_QUEUE])?;
        let outbox = tx.object_store(OUTBOX_QUEUE).map_err(backend)?;
        let Some(key) = queue_key_of(&outbox, op_id).await? else {
            return Ok(None);
        };
        let found: Option<JsValue> = run(outbox.get(key.as_str())).await?;
        let Some(found) = found.filter(|v| !v.is_undefined()) else {
            return Ok(None);
        };
        let entry: OutboxEntry = decode(op_id, &found)?;
        let record = entry.op.record.as_str();
        let states = tx.object_store(RECORD_STATES).map_err(backend)?;
        let current: Option<JsValue> = run(states.get(record)).await?;
        let mut state = match current.filter(|v| !v.is_undefined()) {
            Some(v) => decode(record, &v)?,
            None => RecordState::new(record),
        };
        state.remove_op(op_id);
        let complaint = state.materialize().ok();
        run(outbox.delete(key.as_str())).await?;
        put(&tx, RECORD_STATES, record, to_json(&state)?).await?;
        match &complaint {
            Some(c) => put(&tx, COMPLAINTS, record, to_json(c)?).await?,
            None => run(tx.object_store(COMPLAINTS).map_err(backend)?.delete(record)).await?,
        }
        commit(tx).await?;
        Ok(complaint)
    }

    async fn apply_pulled(&self, ops: &[Op], cursor: &str) -> Result<PageStored, StoreError> {
        let ids = records_of(ops);
        let tx = self.writing([COMPLAINTS, RECORD_STATES, SETTINGS])?;
        let states_os = tx.object_store(RECORD_STATES).map_err(backend)?;
        // Read every state the page concerns (all requests issued before any
        // is awaited), merge, and write back, in this one transaction. Which
        // of them the device has comes first, from one request for the keys
        // between the page's least and greatest id: a device taking in
        // records it has never had (a fresh tablet: every one) then reads
        // nothing more, where a read per record took 1.6 s per 10,000.
        let present = present_keys(&states_os, &ids).await?;
        let mut reads = Vec::with_capacity(present.len());
        for id in ids.iter().filter(|id| present.contains(id.as_str())) {
            reads.push(
                states_os
                    .get::<JsValue, _, _>(id.as_str())
                    .primitive()
                    .map_err(backend)?,
            );
        }
        let mut states = BTreeMap::new();
        let read_ids = ids.iter().filter(|id| present.contains(id.as_str()));
        for (id, read) in read_ids.zip(reads) {
            let value: Option<JsValue> = read.await.map_err(backend)?;
            if let Some(v) = value.filter(|v| !v.is_undefined()) {
                match decode::<RecordState>(id, &v) {
                    Ok(state) => {
                        states.insert(id.clone(), state);
                    }
                    // Rebuilt from the operations that follow; reported, not fatal.
                    Err(e) => crate::platform::log_error(
                        "unreadable sync state; rebuilding it",
                        &e.to_string(),
                    ),
                }
            }
        }
        let merged = merge_ops(states, ops);
        let complaints_os = tx.object_store(COMPLAINTS).map_err(backend)?;
        let mut writes = Vec::with_capacity(merged.len() * 2 + 1);
        for (state, complaint) in &merged {
            writes.push(
                states_os
                    .put(to_json(state)?)
                    .with_key(state.id.clone())
                    .without_key_type()
                    .primitive()
                    .map_err(backend)?,
            );
            if let Some(c) = complaint {
                writes.push(
                    complaints_os
                        .put(to_json(c)?)
                        .with_key(c.id.clone())
                        .without_key_type()
                        .primitive()
                        .map_err(backend)?,
                );
            }
        }
        let cursor_text = JsValue::from_str(&serde_json::Value::from(cursor).to_string());
        writes.push(
            tx.object_store(SETTINGS)
                .map_err(backend)?
                .put(cursor_text)
                .with_key(SYNC_CURSOR_SETTING.to_string())
                .without_key_type()
                .primitive()
                .map_err(backend)?,
        );
        for write in writes {
            write.await.map_err(backend)?;
        }
        commit(tx).await?;
        Ok(PageStored::of(merged))
    }

    async fn sync_cursor(&self) -> Result<String, StoreError> {
        cursor_of(self.get_setting(SYNC_CURSOR_SETTING).await)
    }

    /// Removes complaints from the device, with everything about them: the
    /// record, its sync state, its edit draft and its queued changes, in one
    /// transaction (the server said they left the user's scope).
    async fn remove_records(&self, ids: &[String]) -> Result<(), StoreError> {
        let tx = self.writing([COMPLAINTS, RECORD_STATES, OUTBOX_QUEUE, DRAFTS])?;
        let outbox = tx.object_store(OUTBOX_QUEUE).map_err(backend)?;
        let keys = queue_keys(&outbox).await?;
        let values: Vec<JsValue> = run(outbox.get_all::<JsValue>())
            .await?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let mut deletes = Vec::new();
        for (key, value) in keys.iter().zip(&values) {
            if let Ok(entry) = decode::<OutboxEntry>("outbox", value) {
                if ids.contains(&entry.op.record) {
                    deletes.push(outbox.delete(key.as_str()).primitive().map_err(backend)?);
                }
            }
        }
        for id in ids {
            let draft = edit_draft_key(id);
            for (store, key) in [
                (COMPLAINTS, id.as_str()),
                (RECORD_STATES, id),
                (DRAFTS, &draft),
            ] {
                let os = tx.object_store(store).map_err(backend)?;
                deletes.push(os.delete(key).primitive().map_err(backend)?);
            }
        }
        for delete in deletes {
            delete.await.map_err(backend)?;
        }
        commit(tx).await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        match self.get_value(SETTINGS, key).await? {
            Some(v) => parse_json(key, &v).map(Some),
            None => Ok(None),
        }
    }

    async fn set_setting(&self, key: &str, value: serde_json::Value) -> Result<(), StoreError> {
        self.put_value(SETTINGS, key, JsValue::from_str(&value.to_string()))
            .await
    }

    async fn put_raw_setting(&self, key: &str, raw: &str) -> Result<(), StoreError> {
        self.put_value(SETTINGS, key, JsValue::from_str(raw)).await
    }
}

/// Writes a plain JS object (not JSON text) under a complaint key, as a
/// foreign or damaged writer might: for tests of the unreadable-record path.
#[doc(hidden)]
pub async fn put_foreign_value_for_test(store: &IdbStore, key: &str) {
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &"customer_name".into(), &JsValue::from_f64(42.0));
    if let Err(e) = store.put_value(COMPLAINTS, key, object.into()).await {
        panic!("could not write the foreign value: {e}");
    }
}

/// Writes `value` (JSON text) under `key` in the outbox as schema version 3
/// kept it, for tests of moving it to the numbered outbox; with `count`, says
/// how many entries are left there.
#[doc(hidden)]
pub async fn version_3_outbox_for_test(store: &IdbStore, put: Option<(&str, &str)>) -> usize {
    if let Some((key, value)) = put {
        if let Err(e) = store.put_value(OUTBOX, key, JsValue::from_str(value)).await {
            panic!("could not write the old outbox entry: {e}");
        }
    }
    let tx = match store.db.transaction(OUTBOX).build() {
        Ok(tx) => tx,
        Err(e) => panic!("no old outbox: {e}"),
    };
    let keys: Vec<JsValue> = match tx.object_store(OUTBOX) {
        Ok(os) => match run(os.get_all_keys::<JsValue>()).await {
            Ok(keys) => keys.filter_map(Result::ok).collect(),
            Err(e) => panic!("cannot read the old outbox: {e}"),
        },
        Err(e) => panic!("no old outbox: {e}"),
    };
    keys.len()
}
