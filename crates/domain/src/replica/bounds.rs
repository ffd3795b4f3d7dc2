//! The bounds every part of an operation keeps: lengths, counts and nesting
//! depth. They are checked first, before anything else reads the operation,
//! so nothing a device sends can make a record the server stores but cannot
//! read back (serde_json stops at 128 levels of nesting), a pull page that
//! no tablet can finish, or a merge whose cost grows without end.
//!
//! The numbers are generous for the app's own operations — the largest is a
//! complaint's creation with every long text full, about 100 KB — and are
//! published in the OpenAPI document (`/api/v1/openapi.json`).

use super::op::{Op, CREATED_ON_DEVICE};
use super::rejection::{RejectCode, Rejection};

/// The longest operation id (the app's are 16 characters).
pub const MAX_OP_ID_LEN: usize = 64;
/// The longest record id (complaint ids are 26; PDCA ids about 30).
pub const MAX_RECORD_ID_LEN: usize = 100;
/// The longest device id, here and at sign-in.
pub const MAX_DEVICE_LEN: usize = 200;
/// The longest user name an operation may carry (the server replaces it).
pub const MAX_USER_LEN: usize = 100;
/// The most fields one operation may set.
pub const MAX_SET_KEYS: usize = 200;
/// The longest field key (`tl.` and a 40-character entry id is the longest real one).
pub const MAX_KEY_LEN: usize = 64;
/// The most versions an operation may say it had seen for one field (the
/// heads of a field: one per device that edited it concurrently).
pub const MAX_BASE_IDS: usize = 64;
/// The deepest nesting of a field's value: a timeline entry is an object
/// holding an array (depth 2).
pub const MAX_VALUE_DEPTH: usize = 4;
/// The longest text anywhere in a value, in characters (the form's long
/// texts stop at 4,000).
pub const MAX_STRING_CHARS: usize = 10_000;
/// The most bytes one operation takes as JSON.
pub const MAX_OP_BYTES: usize = 256 * 1024;

/// Whether `id` is usable as an operation or record id: 1 to `max` ASCII
/// letters, digits, `-`, `_`, `.` or `:`.
pub fn is_plain_id(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Whether `name` is a usable device id or user name: 1 to `max` bytes, no
/// control characters.
pub fn is_plain_name(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len()) && !name.chars().any(char::is_control)
}

/// The first bound `op` breaks, as the rejection the server answers.
pub fn check_bounds(op: &Op) -> Result<(), Rejection> {
    let malformed = |detail: String| Err(Rejection::new(RejectCode::Malformed, None, detail));
    if !is_plain_id(&op.id, MAX_OP_ID_LEN) {
        return malformed(format!(
            "`id` must be 1 to {MAX_OP_ID_LEN} letters, digits, '-', '_', '.' or ':'"
        ));
    }
    if !is_plain_id(&op.record, MAX_RECORD_ID_LEN) {
        return malformed(format!(
            "`rec` must be 1 to {MAX_RECORD_ID_LEN} letters, digits, '-', '_', '.' or ':'"
        ));
    }
    if !is_plain_name(&op.device, MAX_DEVICE_LEN) {
        return malformed(format!(
            "`dev` must be 1 to {MAX_DEVICE_LEN} bytes without control characters"
        ));
    }
    if let Some(user) = &op.user {
        if user.len() > MAX_USER_LEN {
            return malformed(format!("`user` is at most {MAX_USER_LEN} bytes"));
        }
    }
    if op.set.is_empty() || op.set.len() > MAX_SET_KEYS {
        return malformed(format!("`set` must hold 1 to {MAX_SET_KEYS} fields"));
    }
    for (key, value) in &op.set {
        let invalid =
            |detail: String| Err(Rejection::new(RejectCode::InvalidValue, Some(key), detail));
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return malformed(format!("a field key is 1 to {MAX_KEY_LEN} bytes"));
        }
        if depth(value) > MAX_VALUE_DEPTH {
            return invalid(format!("nested deeper than {MAX_VALUE_DEPTH} levels"));
        }
        if longest_string(value) > MAX_STRING_CHARS {
            return invalid(format!("a text longer than {MAX_STRING_CHARS} characters"));
        }
        if key == CREATED_ON_DEVICE
            && !value
                .as_str()
                .is_some_and(|d| is_plain_name(d, MAX_DEVICE_LEN))
        {
            return invalid(format!(
                "the creating device is 1 to {MAX_DEVICE_LEN} bytes of text"
            ));
        }
    }
    for (key, ids) in &op.base {
        if !op.set.contains_key(key) {
            return malformed(format!(
                "`base` names {key:?}, which the operation does not set"
            ));
        }
        if ids.len() > MAX_BASE_IDS {
            return malformed(format!(
                "`base` of {key:?} names more than {MAX_BASE_IDS} versions"
            ));
        }
        if ids.iter().any(|id| !is_plain_id(id, MAX_OP_ID_LEN)) {
            return malformed(format!("`base` of {key:?} holds an invalid operation id"));
        }
    }
    let bytes = serde_json::to_vec(op).map_or(usize::MAX, |text| text.len());
    if bytes > MAX_OP_BYTES {
        return malformed(format!(
            "the operation takes {bytes} bytes; at most {MAX_OP_BYTES}"
        ));
    }
    Ok(())
}

/// How deeply `value` nests: a scalar is 0, `[1]` is 1, `[[1]]` is 2.
/// Iterative, so no value can exhaust the stack measuring it.
pub fn depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, level)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(level + 1);
        stack.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

/// The most characters of any string in `value`, keys included.
fn longest_string(value: &serde_json::Value) -> usize {
    let mut longest = 0;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            serde_json::Value::String(text) => longest = longest.max(text.chars().count()),
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    longest = longest.max(key.chars().count());
                    stack.push(child);
                }
            }
            _ => {}
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_counts_levels_of_arrays_and_objects() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!([])), 1);
        assert_eq!(depth(&json!({"a": [1, {"b": [2]}]})), 4);
    }

    #[test]
    fn longest_string_sees_keys_and_nested_texts() {
        assert_eq!(longest_string(&json!({"abc": ["x", "四个汉字"]})), 4);
    }
}
