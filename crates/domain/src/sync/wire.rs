//! The sync protocol's messages (`/api/v1/sync/...`), and the check every
//! pushed operation passes on the server — defined here so the browser can
//! run the same check before it ever sends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::form::ComplaintForm;
use crate::handling::{Entry, Tick, MAX_BY_CHARS};
use crate::lang::{Labelled, Lang};
use crate::model::{Photo, Position, Signature, MAX_PHOTOS, PHOTO_PREFIX, POSITION_PREFIX};
use crate::replica::{
    evidence_id, is_syncable_field, FieldState, Op, RecordState, RejectCode, Rejection, CREATED_AT,
    STEP_PREFIX, TIMELINE_PREFIX,
};
use crate::validate::IssueKind;

/// The protocol version, in the URL path.
pub const PROTOCOL: &str = "v1";

/// How far ahead of the server's clock an operation's stamp may be. Further
/// ahead, it is refused: a tablet whose clock runs hours fast must not write
/// values that win over every later edit.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

/// How much of a photo file the server holds
/// (`/api/v1/photos/uploads/{sha256}`): `have` bytes received from this
/// user so far; `done` when the whole file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub have: u64,
    pub done: bool,
}

/// The most operations one push may carry.
pub const MAX_PUSH_OPS: usize = 1000;
/// The most operations one pull page carries.
pub const MAX_PULL_LIMIT: u32 = 2000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device: String,
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One result per operation, in the order sent.
    pub results: Vec<OpResult>,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpResult {
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// An [`OpResult`] as it is on the wire, read without serde's buffering of
/// flattened and tagged data (which costs the app ~10 KB of wasm).
#[derive(Deserialize)]
struct OpResultWire {
    id: String,
    status: OutcomeCode,
    #[serde(default)]
    reason: Option<Rejection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeCode {
    Accepted,
    Rejected,
}

impl<'de> Deserialize<'de> for OpResult {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = OpResultWire::deserialize(d)?;
        let outcome = match (wire.status, wire.reason) {
            (OutcomeCode::Accepted, _) => Outcome::Accepted,
            (OutcomeCode::Rejected, Some(reason)) => Outcome::Rejected { reason },
            (OutcomeCode::Rejected, None) => {
                return Err(serde::de::Error::missing_field("reason"));
            }
        };
        Ok(OpResult {
            id: wire.id,
            outcome,
        })
    }
}

/// What the server did with one pushed operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now, or applied before (a retry): either way it is in.
    Accepted,
    /// Refused; the reason says why. Other operations are not affected.
    Rejected { reason: Rejection },
}

// `Rejection` is the replica layer's (PDCA's check returns it too); its
// wording is defined here, in the layer that knows every record kind.
impl Rejection {
    /// The reason in the user's words.
    pub fn message(&self, lang: Lang) -> String {
        let field = self
            .field
            .as_deref()
            .and_then(Field::from_key)
            .map(|f| f.label(lang).to_string())
            .or_else(|| self.field.clone())
            .unwrap_or_default();
        match (self.code, lang) {
            (RejectCode::ClockAhead, Lang::Zh) => "本机时间比服务器快太多，此修改未被接受：请校准平板时间后重新提交".into(),
            (RejectCode::ClockAhead, Lang::En) => "This device's clock is too far ahead of the server; correct the tablet's time and apply the change again".into(),
            (RejectCode::UnknownField, Lang::Zh) => format!("服务器不认识字段“{field}”（应用版本可能过旧）"),
            (RejectCode::UnknownField, Lang::En) => format!("The server does not know the field “{field}” (the app may be out of date)"),
            (RejectCode::InvalidValue, Lang::Zh) => format!("“{field}”的值不被接受：{}", self.detail),
            (RejectCode::InvalidValue, Lang::En) => format!("The value of “{field}” was refused: {}", self.detail),
            (RejectCode::UnknownRecord, Lang::Zh) => "服务器上没有这条投诉的登记记录".into(),
            (RejectCode::UnknownRecord, Lang::En) => "The server has no record of this complaint being created".into(),
            (RejectCode::IncompleteRecord, Lang::Zh) => format!("新投诉缺少必填项“{field}”"),
            (RejectCode::IncompleteRecord, Lang::En) => format!("The new complaint lacks the required field “{field}”"),
            (RejectCode::Malformed, Lang::Zh) => "修改数据格式错误".into(),
            (RejectCode::Malformed, Lang::En) => "The change is malformed".into(),
            (RejectCode::Forbidden, Lang::Zh) if self.field.as_deref() == Some("branch_code") => "您无权把投诉登记到或转给这个维修站".into(),
            (RejectCode::Forbidden, Lang::En) if self.field.as_deref() == Some("branch_code") => "You may not file or hand over a complaint to that branch".into(),
            (RejectCode::Forbidden, Lang::Zh) if self.field.as_deref() == Some(crate::pdca::PLAN_FIELD) => "只有站长、区域经理和管理员可以修改 PDCA 表".into(),
            (RejectCode::Forbidden, Lang::En) if self.field.as_deref() == Some(crate::pdca::PLAN_FIELD) => "Only branch and regional managers and administrators may change the PDCA table".into(),
            (RejectCode::Forbidden, Lang::Zh) if self.field.as_deref() == Some(crate::answers::WRITE_FIELD) => "标准答复由站长及以上在其管辖范围内编写，您无权修改这条答复".into(),
            (RejectCode::Forbidden, Lang::En) if self.field.as_deref() == Some(crate::answers::WRITE_FIELD) => "Standard answers are written by managers for their own scope; you may not change this one".into(),
            (RejectCode::Forbidden, Lang::Zh) => "您无权修改这条投诉".into(),
            (RejectCode::Forbidden, Lang::En) => "You may not change this complaint".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Operations after the cursor, in the order the server committed them.
    pub ops: Vec<Op>,
    /// Pass as `after` next time.
    pub cursor: String,
    /// Whether more operations are waiting after this page.
    pub more: bool,
    /// How many operations are waiting after this page (for progress).
    pub remaining: u64,
    /// Complaints this device must delete: they moved to a branch outside
    /// the user's scope (their operations are no longer sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Operations the server accepted once and has since set aside (an older
    /// version stored them although no one could read them back): every
    /// device takes them out of its copy of the record, and the device that
    /// made one shows it as refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<Withdrawn>,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub server_time: DateTime<Utc>,
}

/// An operation the server set aside after accepting it (see
/// [`PullResponse::withdrawn`]). In the op log it takes the operation's
/// place as `{"withdrawn": {…}}`, after every cursor that was handed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawn {
    /// The operation's id.
    pub op: String,
    /// Its record.
    pub rec: String,
    /// The device that made it.
    pub dev: String,
    /// Why it was set aside (for developers, English).
    pub reason: String,
}

/// How the op log stores a withdrawn operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawnEntry {
    pub withdrawn: Withdrawn,
}

/// Whether a record id names a complaint (and not a record of another
/// kind: a PDCA row, a standard answer), that is, a record that must
/// materialize into a [`crate::Complaint`].
pub fn is_complaint(record: &str) -> bool {
    !crate::pdca::is_pdca(record) && !crate::answers::is_answer(record)
}

/// The check every pushed operation passes before the server applies it:
/// returns the record as it would be after the operation, or why it is refused.
/// `before` is the record's current state (`None` if the server has never seen it).
pub fn check_op(
    before: Option<&RecordState>,
    op: &Op,
    server_now_ms: u64,
) -> Result<RecordState, Rejection> {
    check_op_materialized(before, op, server_now_ms).map(|(after, _)| after)
}

/// [`check_op`], with the complaint the record materializes to after the
/// operation (`None` for a record of another kind: a PDCA row, an answer),
/// which the check has built anyway: the server stores it without building
/// it again.
pub fn check_op_materialized(
    before: Option<&RecordState>,
    op: &Op,
    server_now_ms: u64,
) -> Result<(RecordState, Option<crate::model::Complaint>), Rejection> {
    crate::replica::check_bounds(op)?;
    if op.hlc.wall_ms > server_now_ms + MAX_CLOCK_AHEAD_MS {
        let ahead_s = (op.hlc.wall_ms - server_now_ms) / 1000;
        return Err(Rejection::new(
            RejectCode::ClockAhead,
            None,
            format!("stamp is {ahead_s} s ahead of the server"),
        ));
    }
    if crate::pdca::is_pdca(&op.record) {
        return crate::pdca::check_op(before, op).map(|after| (after, None));
    }
    if crate::answers::is_answer(&op.record) {
        return crate::answers::check_op(before, op).map(|after| (after, None));
    }
    if let Some(key) = op.set.keys().find(|k| !is_syncable_field(k)) {
        return Err(Rejection::new(RejectCode::UnknownField, Some(key), ""));
    }
    for (key, value) in &op.set {
        if let Some(id) = key.strip_prefix(TIMELINE_PREFIX) {
            check_entry(before, key, id, value)?;
        } else if key.starts_with(STEP_PREFIX) && !value.is_null() {
            check_tick(key, value)?;
        } else if let Some(id) = evidence_id(key) {
            check_evidence(before, key, id, value)?;
        }
    }
    let creating = before.is_none();
    if creating && !op.set.contains_key(CREATED_AT) {
        return Err(Rejection::new(RejectCode::UnknownRecord, None, ""));
    }
    let mut after = before
        .cloned()
        .unwrap_or_else(|| RecordState::new(&op.record));
    after.apply(op);
    let complaint = match after.materialize() {
        Ok(c) => c,
        Err(detail) => {
            // serde names a missing field, but not the field of a value of the
            // wrong type (its message may quote the value: "unknown variant `x`").
            let (code, field) = match detail.strip_prefix("missing field `") {
                Some(rest) => (
                    RejectCode::IncompleteRecord,
                    rest.split('`').next().map(str::to_string),
                ),
                None => (RejectCode::InvalidValue, ill_typed_key(op)),
            };
            let field = field.or_else(|| op.set.keys().next().cloned());
            return Err(Rejection {
                code,
                field,
                detail,
            });
        }
    };
    check_times(op, &complaint, server_now_ms)?;
    let adds_photo = op
        .set
        .keys()
        .any(|k| k.starts_with(PHOTO_PREFIX) && before.is_none_or(|b| !b.fields.contains_key(k)));
    if adds_photo && crate::model::live_photos(&complaint.photos).count() > MAX_PHOTOS {
        let key = op.set.keys().find(|k| k.starts_with(PHOTO_PREFIX));
        return Err(Rejection::new(
            RejectCode::InvalidValue,
            key.map(String::as_str),
            format!("a complaint holds at most {MAX_PHOTOS} photos"),
        ));
    }
    // The same rules as the form, for the values this operation sets — checked
    // as the author meant them (their values over the merged record), so an
    // invalid value is refused even when it would lose the merge and only be
    // kept as a conflicting value. When every value it sets won (always, for
    // a creation), that is the merged complaint itself.
    let won = op.set.iter().all(|(key, value)| {
        key.starts_with(TIMELINE_PREFIX)
            || key.starts_with(STEP_PREFIX)
            || evidence_id(key).is_some()
            || after.fields.get(key).and_then(FieldState::value) == Some(value)
    });
    let issues = if won {
        ComplaintForm::from_complaint(&complaint, utc()).issues(utc())
    } else {
        intended_issues(op, &complaint)?
    };
    if let Some(issue) = issues.iter().find(|i| {
        i.is_error()
            && (op.set.contains_key(i.field.key())
                || i.kind == IssueKind::RequiredToClose && op.set.contains_key("status"))
    }) {
        return Err(Rejection::new(
            RejectCode::InvalidValue,
            Some(issue.field.key()),
            issue.message(Lang::En),
        ));
    }
    Ok((after, Some(complaint)))
}

/// The form's issues with the record as `op`'s author meant it: `op`'s
/// values over the merged `complaint`.
fn intended_issues(
    op: &Op,
    complaint: &crate::model::Complaint,
) -> Result<Vec<crate::validate::Issue>, Rejection> {
    let mut intended = match serde_json::to_value(complaint) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for (key, value) in &op.set {
        intended.insert(key.clone(), value.clone());
    }
    let intended: crate::model::Complaint =
        match serde_json::from_value(serde_json::Value::Object(intended)) {
            Ok(c) => c,
            Err(e) => {
                let field = ill_typed_key(op).or_else(|| op.set.keys().next().cloned());
                return Err(Rejection {
                    code: RejectCode::InvalidValue,
                    field,
                    detail: e.to_string(),
                });
            }
        };
    Ok(ComplaintForm::from_complaint(&intended, utc()).issues(utc()))
}

/// A timeline entry is set once, by the operation that adds it, and must be
/// a valid entry under its own id.
fn check_entry(
    before: Option<&RecordState>,
    key: &str,
    id: &str,
    value: &serde_json::Value,
) -> Result<(), Rejection> {
    let refuse = |detail: String| Err(Rejection::new(RejectCode::InvalidValue, Some(key), detail));
    if before.is_some_and(|b| b.fields.contains_key(key)) {
        return refuse("a timeline entry is never changed once added".into());
    }
    let entry: Entry = match serde_json::from_str(&value.to_string()) {
        Ok(entry) => entry,
        Err(e) => return refuse(e.to_string()),
    };
    if entry.id != id {
        return refuse("the entry's id differs from its key".into());
    }
    match entry.check() {
        Ok(()) => Ok(()),
        Err(e) => refuse(e.message(Lang::En)),
    }
}

/// A photo, a signature or a position: well formed under its own id. A
/// signature or a position is set once; a photo changes only its caption,
/// or is deleted (for good).
fn check_evidence(
    before: Option<&RecordState>,
    key: &str,
    id: &str,
    value: &serde_json::Value,
) -> Result<(), Rejection> {
    let refuse = |detail: String| Err(Rejection::new(RejectCode::InvalidValue, Some(key), detail));
    let text = value.to_string();
    let previous = before.and_then(|b| b.fields.get(key));
    let (value_id, checked) = if key.starts_with(PHOTO_PREFIX) {
        match serde_json::from_str::<Photo>(&text) {
            Err(e) => return refuse(e.to_string()),
            Ok(photo) => {
                let change = previous
                    .into_iter()
                    .flat_map(|f| f.heads.iter())
                    .filter_map(|v| serde_json::from_str::<Photo>(&v.value.to_string()).ok())
                    .try_for_each(|old| old.check_change(&photo));
                (photo.id.clone(), photo.check().and(change))
            }
        }
    } else {
        if previous.is_some() {
            return refuse("a signature or a position is never changed once added".into());
        }
        if key.starts_with(POSITION_PREFIX) {
            match serde_json::from_str::<Position>(&text) {
                Ok(p) => (p.id.clone(), p.check()),
                Err(e) => return refuse(e.to_string()),
            }
        } else {
            match serde_json::from_str::<Signature>(&text) {
                Ok(s) => (s.id.clone(), s.check()),
                Err(e) => return refuse(e.to_string()),
            }
        }
    };
    if value_id != id {
        return refuse("the id differs from its key".into());
    }
    checked.or_else(refuse)
}

/// When an entry or a tick happened is the device's word, within bounds the
/// server can vouch for: not after the server's clock (with the margin a
/// stamp has), and an entry not before the complaint was received.
fn check_times(
    op: &Op,
    complaint: &crate::model::Complaint,
    server_now_ms: u64,
) -> Result<(), Rejection> {
    let latest = i64::try_from(server_now_ms + MAX_CLOCK_AHEAD_MS).unwrap_or(i64::MAX);
    for (key, value) in &op.set {
        let refuse =
            |detail: &str| Err(Rejection::new(RejectCode::InvalidValue, Some(key), detail));
        if key.starts_with(TIMELINE_PREFIX) {
            let Ok(entry) = serde_json::from_str::<Entry>(&value.to_string()) else {
                continue;
            };
            if entry.at.timestamp_millis() > latest || entry.recorded.timestamp_millis() > latest {
                return refuse("the entry is dated after the server's clock");
            }
            if entry.at < complaint.received_at {
                return refuse("the entry is dated before the complaint was received");
            }
        } else if key.starts_with(STEP_PREFIX) && !value.is_null() {
            if let Ok(tick) = serde_json::from_str::<Tick>(&value.to_string()) {
                if tick.at.timestamp_millis() > latest {
                    return refuse("the tick is dated after the server's clock");
                }
            }
        } else if evidence_id(key).is_some() {
            let at = |v: &serde_json::Value| {
                v.as_str()
                    .and_then(crate::timefmt::rfc3339::parse)
                    .map(|t| t.timestamp_millis())
            };
            let when = [
                value.get("at"),
                value.get("deleted").and_then(|d| d.get("at")),
            ];
            if when
                .into_iter()
                .flatten()
                .filter_map(at)
                .any(|t| t > latest)
            {
                return refuse("dated after the server's clock");
            }
        }
    }
    Ok(())
}

/// A ticked step says who ticked it (at most 50 characters) and on which device.
fn check_tick(key: &str, value: &serde_json::Value) -> Result<(), Rejection> {
    match serde_json::from_str::<Tick>(&value.to_string()) {
        Ok(tick)
            if !tick.by.trim().is_empty()
                && tick.by.chars().count() <= MAX_BY_CHARS
                && tick.dev.len() <= crate::replica::MAX_DEVICE_LEN =>
        {
            Ok(())
        }
        Ok(_) => Err(Rejection::new(
            RejectCode::InvalidValue,
            Some(key),
            "a tick names who ticked it (at most 50 characters) and its device (at most 200 bytes)",
        )),
        Err(e) => Err(Rejection::new(
            RejectCode::InvalidValue,
            Some(key),
            e.to_string(),
        )),
    }
}

/// The first key of `op.set` whose value no complaint can hold (wrong type,
/// unknown choice code): each value in turn, put into a valid complaint.
fn ill_typed_key(op: &Op) -> Option<String> {
    // The least valid complaint: the fields without a serde default.
    let epoch = "1970-01-01T00:00:00Z";
    let valid = serde_json::json!({
        "id": "probe", "case_number": "", "branch_code": "", "received_at": epoch,
        "customer_name": "", "phone": "", "channel": "phone", "category": "OT",
        "content": "", "created_at": epoch, "updated_at": epoch,
    });
    op.set
        .iter()
        .find(|(key, value)| {
            let mut object = valid.clone();
            object[key.as_str()] = (*value).clone();
            // Through text, like `RecordState::materialize`.
            serde_json::from_str::<crate::model::Complaint>(&object.to_string()).is_err()
        })
        .map(|(key, _)| key.clone())
}

fn utc() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("zero offset")
}
