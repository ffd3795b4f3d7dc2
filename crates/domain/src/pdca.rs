//! The PDCA table (计划–实施–检查–评估) of the KPIs: per branch and KPI a
//! target; each month the actual value and its evaluation; for a shortfall
//! a problem analysis, measures, an owner and a due date.
//!
//! # As synced records
//!
//! One record per branch, KPI and month, with the id
//! `pdca:<branch>:<kpi>:<YYYY-MM>` ([`record_id`]): two managers writing the
//! same month's row offline write the *same* record, and its fields merge
//! like a complaint's (field by field, concurrent edits kept as conflicts).
//! It travels through the same push, pull, outbox and scope checks as a
//! complaint; [`check_op`] is what the server accepts for it. Its
//! `branch_code`, `kpi` and `month` are fixed by the id.
//!
//! # Targets carry forward
//!
//! A month's target is its own row's `target`, or else the target of the
//! latest earlier month of that branch and KPI that set one
//! ([`target_for`]): a target is set once and holds until changed. Targets
//! and actual values are percentages; the evaluation is
//! [`crate::kpi::evaluate`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::kpi::Kpi;
use crate::replica::{record_change, Op, RecordState, RejectCode, Rejection, Stamp, CREATED_AT};

/// The id prefix of PDCA records.
pub const PREFIX: &str = "pdca:";

/// The fields of a PDCA record.
pub const FIELDS: [&str; 9] = [
    "branch_code",
    "kpi",
    "month",
    "target",
    "analysis",
    "measures",
    "owner",
    "due",
    CREATED_AT,
];

/// The `field` of a refusal because the user's role may not plan
/// ([`crate::access::Role::plans`]).
pub const PLAN_FIELD: &str = "pdca";

/// The longest problem analysis or measures text, in characters.
pub const MAX_TEXT: usize = 2000;
/// The longest owner name, in characters.
pub const MAX_OWNER: usize = 100;

/// Whether a record id names a PDCA record (and not a complaint).
pub fn is_pdca(record: &str) -> bool {
    record.starts_with(PREFIX)
}

/// The record id of a branch's row for `kpi` in `month` (`YYYY-MM`).
pub fn record_id(branch: &str, kpi: Kpi, month: &str) -> String {
    format!("{PREFIX}{branch}:{}:{month}", kpi.as_str())
}

/// Whether `month` reads `YYYY-MM` with a month of 01–12.
pub fn valid_month(month: &str) -> bool {
    let b = month.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        && matches!(month[5..].parse::<u32>(), Ok(1..=12))
}

/// The branch, KPI and month an id names.
pub fn parse_id(record: &str) -> Option<(&str, Kpi, &str)> {
    let mut parts = record.strip_prefix(PREFIX)?.split(':');
    let branch = parts.next().filter(|b| !b.is_empty())?;
    let kpi = Kpi::from_code(parts.next()?)?;
    let month = parts.next().filter(|m| valid_month(m))?;
    parts.next().is_none().then_some((branch, kpi, month))
}

/// One row of the PDCA table, as it reads now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PdcaItem {
    pub branch_code: String,
    pub kpi: Option<Kpi>,
    /// `YYYY-MM`.
    pub month: String,
    /// The target (percent) set for this month; `None`: carried forward.
    pub target: Option<f64>,
    pub analysis: String,
    pub measures: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
}

impl PdcaItem {
    /// An empty row of a branch, KPI and month.
    pub fn new(branch: &str, kpi: Kpi, month: &str) -> PdcaItem {
        PdcaItem {
            branch_code: branch.into(),
            kpi: Some(kpi),
            month: month.into(),
            ..PdcaItem::default()
        }
    }

    /// The record's id.
    pub fn id(&self) -> String {
        record_id(
            &self.branch_code,
            self.kpi.unwrap_or(Kpi::Satisfaction),
            &self.month,
        )
    }

    /// The row a PDCA record's merged fields make; `None` for any other record.
    pub fn from_state(state: &RecordState) -> Option<PdcaItem> {
        let (branch, kpi, month) = parse_id(&state.id)?;
        let get = |key: &str| state.fields.get(key).and_then(|f| f.value());
        let text = |key: &str| {
            get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(PdcaItem {
            target: get("target").and_then(Value::as_f64),
            analysis: text("analysis"),
            measures: text("measures"),
            owner: text("owner"),
            due: get("due")
                .and_then(Value::as_str)
                .and_then(crate::timefmt::parse_date),
            ..PdcaItem::new(branch, kpi, month)
        })
    }

    /// The fields as an operation sets them.
    fn fields(&self) -> BTreeMap<String, Value> {
        let due = self
            .due
            .map_or(Value::Null, |d| crate::timefmt::date(d).into());
        crate::sort::map_of([
            ("branch_code".to_string(), self.branch_code.clone().into()),
            (
                "kpi".to_string(),
                self.kpi.map(|k| k.as_str()).unwrap_or_default().into(),
            ),
            ("month".to_string(), self.month.clone().into()),
            (
                "target".to_string(),
                self.target.map_or(Value::Null, Into::into),
            ),
            ("analysis".to_string(), self.analysis.clone().into()),
            ("measures".to_string(), self.measures.clone().into()),
            ("owner".to_string(), self.owner.clone().into()),
            ("due".to_string(), due),
        ])
    }

    /// The row as edited (`self`, from `opened`, the row when the editor
    /// opened) moved onto `now`, the row as it reads now (another manager's
    /// change may have arrived): the fields edited keep the edit, the others
    /// take `now`'s values, so saving never undoes a change the editor did
    /// not touch.
    pub fn rebase(&self, opened: &PdcaItem, now: &PdcaItem) -> PdcaItem {
        fn pick<T: Clone + PartialEq>(typed: &T, opened: &T, now: &T) -> T {
            if typed == opened {
                now.clone()
            } else {
                typed.clone()
            }
        }
        PdcaItem {
            target: pick(&self.target, &opened.target, &now.target),
            analysis: pick(&self.analysis, &opened.analysis, &now.analysis),
            measures: pick(&self.measures, &opened.measures, &now.measures),
            owner: pick(&self.owner, &opened.owner, &now.owner),
            due: pick(&self.due, &opened.due, &now.due),
            ..now.clone()
        }
    }

    /// Whether the row says anything beyond its target.
    pub fn has_plan(&self) -> bool {
        !(self.analysis.is_empty() && self.measures.is_empty() && self.owner.is_empty())
            || self.due.is_some()
    }
}

/// The operation that saves `after` over the record's `state` (`None`: a
/// new record, all fields and `created_at`; else only what changed, with
/// the heads seen as its base). `None` when nothing changed.
pub fn change(
    state: Option<&RecordState>,
    after: &PdcaItem,
    created_at: &str,
    stamp: Stamp,
) -> Option<Op> {
    let old = state.and_then(PdcaItem::from_state).map(|b| b.fields());
    record_change(after.id(), state, old, after.fields(), created_at, stamp)
}

/// Checks an operation on a PDCA record (the caller has checked its ids and
/// stamp) and returns the record with it applied.
pub fn check_op(before: Option<&RecordState>, op: &Op) -> Result<RecordState, Rejection> {
    let refuse = |code, field: &str, detail: &str| {
        Err(Rejection::new(code, Some(field), detail.to_string()))
    };
    let Some((branch, kpi, month)) = parse_id(&op.record) else {
        return Err(Rejection::new(
            RejectCode::Malformed,
            None,
            "a PDCA record's id is pdca:<branch>:<kpi>:<YYYY-MM>",
        ));
    };
    if before.is_none() {
        if let Some(missing) = ["branch_code", "kpi", "month", CREATED_AT]
            .into_iter()
            .find(|k| !op.set.contains_key(*k))
        {
            return refuse(RejectCode::IncompleteRecord, missing, "required");
        }
    }
    for (key, value) in &op.set {
        let text = value.as_str();
        let chars = text.map_or(0, |t| t.chars().count());
        let ok = match key.as_str() {
            "branch_code" => text == Some(branch),
            "kpi" => text == Some(kpi.as_str()),
            "month" => text == Some(month),
            "target" => {
                value.is_null() || value.as_f64().is_some_and(|t| (0.0..=100.0).contains(&t))
            }
            "analysis" | "measures" => text.is_some() && chars <= MAX_TEXT,
            "owner" => text.is_some() && chars <= MAX_OWNER,
            "due" => {
                value.is_null() || text.is_some_and(|d| crate::timefmt::parse_date(d).is_some())
            }
            CREATED_AT => text.is_some(),
            _ => return refuse(RejectCode::UnknownField, key, ""),
        };
        if !ok {
            let detail = match key.as_str() {
                "branch_code" | "kpi" | "month" => "fixed by the record id",
                "target" => "a percentage from 0 to 100, or null",
                "due" => "a date YYYY-MM-DD, or null",
                _ => "text too long or not text",
            };
            return refuse(RejectCode::InvalidValue, key, detail);
        }
    }
    let mut after = before
        .cloned()
        .unwrap_or_else(|| RecordState::new(&op.record));
    after.apply(op);
    Ok(after)
}

/// The target of `kpi` for `branch` in `month`: that month's own, or the
/// latest earlier month's that set one.
pub fn target_for(items: &[PdcaItem], branch: &str, kpi: Kpi, month: &str) -> Option<f64> {
    items
        .iter()
        .filter(|i| i.branch_code == branch && i.kpi == Some(kpi) && i.month.as_str() <= month)
        .filter_map(|i| i.target.map(|t| (i.month.as_str(), t)))
        .max_by(|a, b| a.0.cmp(b.0))
        .map(|(_, t)| t)
}
