//! Evidence as synced keys of a complaint: photos (with their caption edits
//! and tombstones), signatures and positions — the server's check of each,
//! their bounds, and the merge every replica agrees on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use complaints_domain::fixtures;
use complaints_domain::model::{
    current_signature, live_photos, stroke_points, stroke_text, MAX_PHOTOS,
};
use complaints_domain::sync::{check_op, complaint_fields, Hlc, Op, RecordState, RejectCode};
use complaints_domain::Complaint;
use serde_json::{json, Value};

const REC: &str = "00000000-0000-4000-8000-0000000000e1";
const NOW_MS: u64 = 1_780_000_000_000;
/// A 1×1 JPEG's data URL is long; any well-formed base64 body will do here.
const THUMB: &str =
    "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U";

fn at(ms: u64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms as i64)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn complaint() -> Complaint {
    let mut c = fixtures::generated(3, "tablet-a");
    c.id = REC.into();
    c.received_at = DateTime::<Utc>::from_timestamp_millis(NOW_MS as i64 - 3_600_000).unwrap();
    c
}

fn op(id: &str, wall: u64, set: &[(&str, Value)], base: &[(&str, &[&str])]) -> Op {
    Op {
        id: id.into(),
        record: REC.into(),
        hlc: Hlc::new(wall, 0),
        device: "tablet-a".into(),
        user: None,
        received: None,
        set: set
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        base: base
            .iter()
            .map(|(k, ids)| (k.to_string(), ids.iter().map(|s| s.to_string()).collect()))
            .collect(),
    }
}

fn created() -> RecordState {
    let create = Op {
        set: complaint_fields(&complaint()),
        ..op("op-create", NOW_MS - 1000, &[("x", json!(1))], &[])
    };
    check_op(None, &create, NOW_MS).expect("creation accepted")
}

fn photo(id: &str) -> Value {
    json!({
        "id": id,
        "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "bytes": 412_345, "mime": "image/jpeg", "width": 1600, "height": 1200,
        "thumb": THUMB, "caption": "左前轮胎侧面鼓包", "by": "王芳", "dev": "tablet-a",
        "at": at(NOW_MS - 500),
    })
}

fn signature(id: &str, ms: u64) -> Value {
    json!({
        "id": id, "strokes": ["10,10,50 20,25,60 30,40,70", "500,500,50"],
        "aspect": [4, 1], "text": "更换左前轮胎，费用由厂方承担。", "signer": "张伟",
        "by": "王芳", "dev": "tablet-a", "at": at(ms),
    })
}

fn refused(state: &RecordState, op: &Op) -> (RejectCode, String) {
    let r = check_op(Some(state), op, NOW_MS).expect_err("refused");
    (r.code, r.detail)
}

#[test]
fn a_photo_syncs_as_its_own_key_and_materializes_on_the_complaint() {
    let state = created();
    let add = op("op-photo", NOW_MS, &[("ph.p1", photo("p1"))], &[]);
    let state = check_op(Some(&state), &add, NOW_MS).expect("photo accepted");
    let c = state.materialize().unwrap();
    assert_eq!(c.photos.len(), 1);
    assert_eq!(c.photos[0].caption, "左前轮胎侧面鼓包");
    assert_eq!(c.photos[0].bytes, 412_345);
    // And back: the complaint's fields name the photo under its key.
    let fields = complaint_fields(&c);
    assert_eq!(fields["ph.p1"], photo("p1"));
    assert!(!fields.contains_key("photos"));
}

#[test]
fn a_malformed_photo_is_refused_with_the_rule_it_breaks() {
    let state = created();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("sha256", json!("ABC"), "sha256"),
        ("bytes", json!(0), "bytes"),
        ("bytes", json!(3 * 1024 * 1024 + 1), "bytes"),
        ("mime", json!("image/png"), "image/jpeg"),
        ("width", json!(1601), "edges"),
        ("thumb", json!("javascript:alert(1)"), "thumbnail"),
        (
            "thumb",
            json!("data:image/svg+xml;base64,PHN2Zz4="),
            "thumbnail",
        ),
        (
            "thumb",
            json!(format!("data:image/jpeg;base64,{}", "A".repeat(9_000))),
            "thumbnail",
        ),
        ("caption", json!("字".repeat(201)), "caption"),
        ("by", json!(" "), "by"),
        ("id", json!("p2"), "id differs"),
        ("extra", json!(1), "unknown field"),
        (
            "at",
            json!(at(NOW_MS + 6 * 60 * 1000)),
            "after the server's clock",
        ),
    ];
    for (field, value, expect) in cases {
        let mut p = photo("p1");
        p[field] = value;
        let (code, detail) = refused(&state, &op("op-bad", NOW_MS, &[("ph.p1", p)], &[]));
        assert_eq!(code, RejectCode::InvalidValue, "{field}");
        assert!(detail.contains(expect), "{field}: {detail}");
    }
    let (code, _) = refused(
        &state,
        &op("op-bad", NOW_MS, &[("ph.P1", photo("P1"))], &[]),
    );
    assert_eq!(code, RejectCode::UnknownField);
}

#[test]
fn only_the_caption_changes_and_a_deletion_is_final() {
    let state = created();
    let state = check_op(
        Some(&state),
        &op("a", NOW_MS, &[("ph.p1", photo("p1"))], &[]),
        NOW_MS,
    )
    .unwrap();
    let mut captioned = photo("p1");
    captioned["caption"] = json!("仪表盘故障灯");
    let state = check_op(
        Some(&state),
        &op(
            "b",
            NOW_MS + 1,
            &[("ph.p1", captioned)],
            &[("ph.p1", &["a"])],
        ),
        NOW_MS,
    )
    .expect("caption change accepted");
    let mut moved = photo("p1");
    moved["sha256"] = json!("0".repeat(64));
    let (_, detail) = refused(
        &state,
        &op("c", NOW_MS + 2, &[("ph.p1", moved)], &[("ph.p1", &["b"])]),
    );
    assert!(
        detail.contains("only a photo's caption changes"),
        "{detail}"
    );

    let mut deleted = photo("p1");
    deleted["caption"] = json!("仪表盘故障灯");
    deleted["deleted"] = json!({"by": "李娜", "at": at(NOW_MS)});
    let gone = check_op(
        Some(&state),
        &op(
            "d",
            NOW_MS + 3,
            &[("ph.p1", deleted.clone())],
            &[("ph.p1", &["b"])],
        ),
        NOW_MS,
    )
    .expect("deletion accepted");
    let c = gone.materialize().unwrap();
    assert_eq!(c.photos.len(), 1, "the tombstone stays");
    assert_eq!(live_photos(&c.photos).count(), 0);
    let mut undeleted = deleted;
    undeleted["deleted"] = Value::Null;
    let (_, detail) = refused(
        &gone,
        &op(
            "e",
            NOW_MS + 4,
            &[("ph.p1", undeleted)],
            &[("ph.p1", &["d"])],
        ),
    );
    assert!(detail.contains("stays deleted"), "{detail}");
}

#[test]
fn a_deletion_stands_over_a_concurrent_caption_edit_in_every_order() {
    let base = check_op(
        Some(&created()),
        &op("a", NOW_MS, &[("ph.p1", photo("p1"))], &[]),
        NOW_MS,
    )
    .unwrap();
    let mut captioned = photo("p1");
    captioned["caption"] = json!("newer caption, later stamp");
    let edit = op(
        "b",
        NOW_MS + 50,
        &[("ph.p1", captioned)],
        &[("ph.p1", &["a"])],
    );
    let mut deleted = photo("p1");
    deleted["deleted"] = json!({"by": "李娜", "at": at(NOW_MS)});
    let delete = op(
        "c",
        NOW_MS + 10,
        &[("ph.p1", deleted)],
        &[("ph.p1", &["a"])],
    );
    for order in [[&edit, &delete], [&delete, &edit]] {
        let mut state = base.clone();
        for o in order {
            state.apply(o);
        }
        let c = state.materialize().unwrap();
        assert!(c.photos[0].deleted.is_some(), "deleted whatever the order");
        assert_eq!(state.conflicts().count(), 0, "nothing to ask the user");
    }
}

#[test]
fn photos_per_complaint_are_bounded_and_deleted_ones_do_not_count() {
    let mut state = created();
    for i in 0..MAX_PHOTOS {
        let id = format!("p{i}");
        let o = op(
            &format!("op{i}"),
            NOW_MS,
            &[(&format!("ph.{id}"), photo(&id))],
            &[],
        );
        state = check_op(Some(&state), &o, NOW_MS).expect("within the bound");
    }
    let one_more = op("op-more", NOW_MS, &[("ph.extra", photo("extra"))], &[]);
    let (_, detail) = refused(&state, &one_more);
    assert!(
        detail.contains(&format!("at most {MAX_PHOTOS} photos")),
        "{detail}"
    );
    let mut deleted = photo("p0");
    deleted["deleted"] = json!({"by": "王芳", "at": at(NOW_MS)});
    let state = check_op(
        Some(&state),
        &op(
            "op-del",
            NOW_MS,
            &[("ph.p0", deleted)],
            &[("ph.p0", &["op0"])],
        ),
        NOW_MS,
    )
    .unwrap();
    check_op(Some(&state), &one_more, NOW_MS).expect("room again after a deletion");
}

#[test]
fn a_new_signature_supersedes_the_old_and_both_stay() {
    let state = created();
    let first = op(
        "s1",
        NOW_MS,
        &[("sig.s1", signature("s1", NOW_MS - 300))],
        &[],
    );
    let state = check_op(Some(&state), &first, NOW_MS).unwrap();
    let changed = op(
        "s1b",
        NOW_MS + 1,
        &[("sig.s1", signature("s1", NOW_MS - 200))],
        &[],
    );
    let (_, detail) = refused(&state, &changed);
    assert!(detail.contains("never changed"), "{detail}");
    let second = op(
        "s2",
        NOW_MS + 2,
        &[("sig.s2", signature("s2", NOW_MS - 100))],
        &[],
    );
    let state = check_op(Some(&state), &second, NOW_MS).unwrap();
    let c = state.materialize().unwrap();
    assert_eq!(c.signatures.len(), 2);
    assert_eq!(current_signature(&c.signatures).unwrap().id, "s2");
}

#[test]
fn a_malformed_signature_or_position_is_refused() {
    let state = created();
    let bad_signatures: Vec<(&str, Value)> = vec![
        ("strokes", json!([])),
        ("strokes", json!(["1001,5,50"])),
        ("strokes", json!(["5,5"])),
        ("strokes", json!(["5,5,101"])),
        ("strokes", json!(vec!["1,1,1"; 201])),
        ("text", json!("  ")),
        ("signer", json!("")),
        ("aspect", json!([0, 1])),
    ];
    for (field, value) in bad_signatures {
        let mut s = signature("s1", NOW_MS);
        s[field] = value;
        let (code, _) = refused(&state, &op("x", NOW_MS, &[("sig.s1", s)], &[]));
        assert_eq!(code, RejectCode::InvalidValue, "{field}");
    }
    let position = json!({"id": "l1", "lat": 31.2304, "lon": 121.4737, "accuracy_m": 12.5,
        "at": at(NOW_MS), "by": "王芳", "dev": "tablet-a"});
    let ok = check_op(
        Some(&state),
        &op("l", NOW_MS, &[("loc.l1", position.clone())], &[]),
        NOW_MS,
    )
    .expect("a position");
    let c = ok.materialize().unwrap();
    assert_eq!(c.positions[0].coordinates(), "31.23040, 121.47370");
    assert!(c.positions[0]
        .geo_uri()
        .starts_with("geo:31.230400,121.473700"));
    for (field, value) in [
        ("lat", json!(90.5)),
        ("lon", json!(-181)),
        ("accuracy_m", json!(-1)),
    ] {
        let mut p = position.clone();
        p[field] = value;
        let (code, _) = refused(&state, &op("x", NOW_MS, &[("loc.l1", p)], &[]));
        assert_eq!(code, RejectCode::InvalidValue, "{field}");
    }
    let (_, detail) = refused(&ok, &op("y", NOW_MS, &[("loc.l1", position)], &[]));
    assert!(detail.contains("never changed"), "{detail}");
}

#[test]
fn strokes_round_trip_through_their_text() {
    let points = vec![(0, 0, 0), (1000, 1000, 100), (17, 503, 50)];
    let text = stroke_text(&points);
    assert_eq!(text, "0,0,0 1000,1000,100 17,503,50");
    assert_eq!(stroke_points(&text), Some(points));
    assert_eq!(stroke_points(""), None);
    assert_eq!(stroke_points("1,2,3,4"), None);
}

#[test]
fn a_complaint_without_evidence_serializes_as_before() {
    let c = complaint();
    let text = serde_json::to_string(&c).unwrap();
    for key in ["photos", "signatures", "positions"] {
        assert!(!text.contains(key), "{key} absent when empty");
    }
    let back: Complaint = serde_json::from_str(&text).unwrap();
    assert_eq!(back, c);
    let fields: BTreeMap<String, Value> = complaint_fields(&c);
    assert!(!fields
        .keys()
        .any(|k| k.starts_with("ph.") || k.starts_with("sig.")));
}

#[test]
fn coordinates_are_written_with_fixed_decimals_without_float_formatting() {
    use complaints_domain::model::fixed;
    assert_eq!(fixed(31.2304, 5), "31.23040");
    assert_eq!(fixed(-0.000004, 5), "0.00000");
    assert_eq!(fixed(-33.8688197, 6), "-33.868820");
    assert_eq!(fixed(121.473701, 5), "121.47370");
    assert_eq!(fixed(179.999999, 5), "180.00000");
    assert_eq!(fixed(0.5, 0), "1");
    assert_eq!(fixed(-2.4, 0), "-2");
}

#[test]
fn evidence_is_listed_in_time_order_whatever_the_ids() {
    let mut state = created();
    for (id, ms) in [
        ("zz", NOW_MS - 900),
        ("aa", NOW_MS - 100),
        ("mm", NOW_MS - 500),
    ] {
        let mut p = photo(id);
        p["at"] = json!(at(ms));
        let o = op(
            &format!("op-{id}"),
            NOW_MS,
            &[(&format!("ph.{id}"), p)],
            &[],
        );
        state = check_op(Some(&state), &o, NOW_MS).unwrap();
    }
    let c = state.materialize().unwrap();
    let ids: Vec<&str> = c.photos.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["zz", "mm", "aa"]);
}
