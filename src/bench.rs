//! Hooks for benchmarks and end-to-end tests, exported to the page as
//! `window.wasmBindings.*` by Trunk. They go through the same store code as
//! the app; none runs unless called from the console or a test.

use complaints_domain::store::ComplaintStore;
use complaints_domain::sync::{local_change, op_id_from_bytes, HlcClock, Stamp};
use complaints_domain::{fixtures, StoreError};
use wasm_bindgen::prelude::*;

use crate::platform;
use crate::state::DB_NAME;
use crate::store::IdbStore;

fn to_js(e: StoreError) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// Saves `n` generated complaints of realistic size one at a time into a
/// scratch database, each in its own transaction as the app does, and returns
/// every save's duration in ms. The scratch database is deleted afterwards.
#[wasm_bindgen]
pub async fn bench_idb_saves(n: u32) -> Result<js_sys::Array, JsValue> {
    const SCRATCH: &str = "bench-scratch";
    IdbStore::delete_database(SCRATCH).await.map_err(to_js)?;
    let store = IdbStore::open(SCRATCH).await.map_err(to_js)?;
    let timings = js_sys::Array::new();
    for i in 0..n {
        let complaint = fixtures::generated(i, "bench");
        let started = platform::now_ms();
        store
            .save_complaint(&complaint, Some(crate::state::INTAKE_DRAFT))
            .await
            .map_err(to_js)?;
        timings.push(&JsValue::from_f64(platform::now_ms() - started));
    }
    store.close();
    IdbStore::delete_database(SCRATCH).await.map_err(to_js)?;
    Ok(timings)
}

/// Creates `n` complaints on this device as if taken in one by one (each a
/// creation operation in the outbox, written like a user's save), and returns
/// the time it took in ms. Reload the page afterwards: the app reads its clock
/// and list at start.
#[wasm_bindgen]
pub async fn seed_local_complaints(n: u32, first: u32) -> Result<f64, JsValue> {
    let store = IdbStore::open(DB_NAME).await.map_err(to_js)?;
    let device = store
        .get_setting("device")
        .await
        .map_err(to_js)?
        .and_then(|v| v.get("id").and_then(|id| id.as_str().map(str::to_string)))
        .ok_or_else(|| JsValue::from_str("open the app once first (no device id yet)"))?;
    let mut clock: HlcClock = store
        .get_setting("hlc")
        .await
        .map_err(to_js)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let started = platform::now_ms();
    for i in first..first + n {
        let mut complaint = fixtures::generated(i, &device);
        complaint.id = uuid::Uuid::new_v4().to_string();
        let random = uuid::Uuid::new_v4();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&random.as_bytes()[..10]);
        let stamp = Stamp {
            user: None,
            op_id: op_id_from_bytes(bytes),
            hlc: clock.tick(js_sys::Date::now() as u64),
            device: device.clone(),
        };
        let change =
            local_change(None, None, &complaint, stamp).map_err(|e| JsValue::from_str(&e))?;
        if let Some(change) = change {
            store.save_change(&change.op, None).await.map_err(to_js)?;
        }
    }
    let elapsed = platform::now_ms() - started;
    store
        .set_setting("hlc", serde_json::to_value(clock).unwrap_or_default())
        .await
        .map_err(to_js)?;
    store.close();
    Ok(elapsed)
}
