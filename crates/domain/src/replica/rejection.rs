//! Why an operation was refused, as data: the server sends it back for each
//! refused operation, and a device keeps it beside the operation until the
//! user settles it. Each record kind's check (the complaint's in the sync
//! layer, PDCA's in `pdca`) returns one; the sync layer, which knows every
//! record kind, words it for the user (`Rejection::message`).

use serde::{Deserialize, Serialize};

/// Why an operation was refused, in machine-readable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: RejectCode,
    /// The field concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Detail for developers (English); users see [`Rejection::message`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// Stamped further ahead of the server's clock than allowed.
    ClockAhead,
    /// Sets a field that complaints do not have.
    UnknownField,
    /// A value the field does not accept.
    InvalidValue,
    /// Changes a complaint the server has never seen created.
    UnknownRecord,
    /// Creates a complaint without its required fields.
    IncompleteRecord,
    /// The operation is malformed (no fields, ids missing…).
    Malformed,
    /// Not allowed for this user: a branch outside their scope, or a change
    /// their role may not make (moving a complaint to another branch).
    Forbidden,
}

impl Rejection {
    pub fn new(code: RejectCode, field: Option<&str>, detail: impl Into<String>) -> Rejection {
        Rejection {
            code,
            field: field.map(str::to_string),
            detail: detail.into(),
        }
    }
}
