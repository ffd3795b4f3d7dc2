//! Prints what merging costs as a record's history grows: one field edited
//! over and over, each edit naming the most versions a base may name
//! (`MAX_BASE_IDS`), applied with the one merge rule. Before the bounds, 200
//! edits with 1,000-entry bases took 2.4 s (issue 13); such an op is now
//! refused, and the time per edit stays flat as history grows (compacted).
//!
//! `cargo run --release -p complaints-domain --example merge_cost`

use std::collections::BTreeMap;
use std::time::Instant;

use complaints_domain::fixtures;
use complaints_domain::sync::{
    check_bounds, complaint_fields, Hlc, Op, RecordState, HISTORY_KEPT, MAX_BASE_IDS,
};

fn edit(record: &str, n: usize, base: Vec<String>) -> Op {
    Op {
        id: format!("op-{n}"),
        record: record.to_string(),
        hlc: Hlc::new(1_780_000_000_000 + n as u64, 0),
        device: format!("tablet-{}", n % 3),
        user: None,
        received: None,
        set: BTreeMap::from([(
            "tracking".to_string(),
            serde_json::json!(format!("第{n}次跟踪")),
        )]),
        base: BTreeMap::from([("tracking".to_string(), base)]),
    }
}

/// Applies `edits` edits, each having seen the previous one and naming
/// `base_len` versions in all; returns (total ms, ms per edit over the last 100).
fn run(edits: usize, base_len: usize) -> (f64, f64) {
    let complaint = fixtures::generated(1, "tablet-0");
    let mut state = RecordState::new(&complaint.id);
    let create = Op {
        id: "op-0".into(),
        record: complaint.id.clone(),
        hlc: Hlc::new(1_780_000_000_000, 0),
        device: "tablet-0".into(),
        user: None,
        received: None,
        set: complaint_fields(&complaint),
        base: BTreeMap::new(),
    };
    state.apply(&create);
    let started = Instant::now();
    let mut last_100 = Instant::now();
    for n in 1..=edits {
        if n == edits.saturating_sub(99) {
            last_100 = Instant::now();
        }
        // The previous version, and older ones up to the bound.
        let base: Vec<String> = (n.saturating_sub(base_len)..n)
            .map(|i| format!("op-{i}"))
            .collect();
        state.apply(&edit(&complaint.id, n, base));
    }
    let total = started.elapsed().as_secs_f64() * 1000.0;
    let per_edit = last_100.elapsed().as_secs_f64() * 1000.0 / 100.0;
    assert_eq!(state.fields["tracking"].history.len(), HISTORY_KEPT);
    (total, per_edit)
}

fn main() {
    let refused = check_bounds(&edit(
        "r",
        1,
        (0..1000).map(|i| format!("op-{i}")).collect(),
    ));
    println!(
        "merge: an edit whose base names 1,000 versions is refused ({})",
        refused.map_or_else(|r| format!("{:?}", r.code), |()| "accepted!".into())
    );
    for edits in [200, 2_000, 20_000] {
        let (total, per_edit) = run(edits, MAX_BASE_IDS);
        println!(
            "merge: {edits} edits of one field with {MAX_BASE_IDS}-entry bases: {total:.1} ms \
             ({per_edit:.3} ms per edit over the last 100; history kept: {HISTORY_KEPT})"
        );
    }
}
