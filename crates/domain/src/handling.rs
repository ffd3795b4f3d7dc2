//! The handling process (客户投诉处理流程) as pure actions and readings.
//!
//! A complaint's handling is its **timeline** of append-only [`Entry`]s and
//! its ticks of the **eight steps** ([`STEPS`]) — data the record is made
//! of, so the types live in [`crate::model`] and are re-exported here. This
//! module holds the process's rules: which entries are valid
//! ([`Entry::check`], which the server runs on every synced entry too),
//! escalation only upwards, closing only with the result, the root cause,
//! the service stage where it went wrong and the customer's answer, and the five major-complaint criteria
//! ([`CRITERIA`]).
//!
//! Derived facts — the current escalation level, whether the complaint is
//! marked major, when it was resolved — are read from the timeline by the
//! functions here, so every device and the server read them the same way.
//! The actions ([`add_entry`], [`change_status`], [`tick_step`]) return the
//! changed complaint or say why not; the caller turns the change into one
//! sync operation like any edit.

use chrono::{DateTime, Duration, FixedOffset, Utc};

use crate::field::Field;
use crate::lang::{Labelled, Lang};
use crate::model::{is_entry_id, Complaint, ServiceStage, Status};
use crate::risk::RiskInput;

pub use crate::model::{sort_timeline, Actor, ContactMethod, Entry, EntryKind, Level, Tick};

/// The eight steps of handling the matter (处理事情), in order; step `n` is
/// `STEPS[n - 1]`: (Chinese, English).
pub const STEPS: [(&str, &str); 8] = [
    (
        "准备：查阅维修记录、调查、分析原因",
        "Prepare: repair history, investigate, analyse the cause",
    ),
    (
        "了解客户的需求和真实意图",
        "Understand the customer's needs and real intent",
    ),
    ("提出有选择的解决方案", "Offer a choice of solutions"),
    (
        "寻求客户支持和认同",
        "Seek the customer's support and agreement",
    ),
    (
        "执行商定的解决方案并请客户确认",
        "Carry out the agreed solution; customer confirms",
    ),
    ("额外的服务", "Extra service beyond expectations"),
    (
        "服务经理后续跟踪，确认满意",
        "Follow-up by the service manager; confirm satisfaction",
    ),
    (
        "总结经验和预防措施",
        "Sum up lessons and preventive measures",
    ),
];

/// A step's label in a language (`n` is 1–8).
pub fn step_label(n: u8, lang: Lang) -> &'static str {
    let (zh, en) = STEPS[usize::from(n.clamp(1, 8)) - 1];
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The five criteria of a major complaint (domain.md), in order: criterion
/// `n` is `CRITERIA[n - 1]`: (Chinese, English).
pub const CRITERIA: [(&str, &str); 5] = [
    (
        "经维修站、经销商和区域经理处理仍未达成一致",
        "Handled by branch, dealer and field manager without agreement",
    ),
    (
        "售后政策及维修或技术手段都无法解决",
        "Cannot be solved by policy, repair or technical means",
    ),
    (
        "顾客期望超出车辆本身的赔偿",
        "Expectations exceed compensation for the vehicle itself",
    ),
    (
        "赔偿要求远超常规（超过1万元）",
        "Compensation sought over CNY 10,000",
    ),
    (
        "存在公关、媒体或法律风险",
        "Risk of PR, media or legal exposure",
    ),
];

/// The criterion of domain.md that says media or legal exposure.
pub const EXPOSURE_CRITERION: u8 = 5;

/// The longest name of who did something (an entry's or a tick's `by`).
pub const MAX_BY_CHARS: usize = 50;

/// How far in the future an entry's time may be (a clock a little ahead).
pub const MAX_ENTRY_AHEAD: Duration = Duration::minutes(5);

/// Why an action cannot be taken; each says what to do in the user's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlingError {
    /// The entry breaks a rule (what is missing or wrong).
    Invalid(&'static str, &'static str),
    /// Closing needs these fields filled first.
    MissingToClose(Vec<Field>),
    /// Nothing would change.
    Unchanged,
}

impl HandlingError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (HandlingError::Invalid(zh, _), Lang::Zh) => (*zh).to_string(),
            (HandlingError::Invalid(_, en), Lang::En) => (*en).to_string(),
            (HandlingError::MissingToClose(fields), _) => {
                let names: Vec<&str> = fields.iter().map(|f| f.label(lang)).collect();
                match lang {
                    Lang::Zh => format!("关闭投诉前必须填写：{}", names.join("、")),
                    Lang::En => format!("To close, first fill in: {}", names.join(", ")),
                }
            }
            (HandlingError::Unchanged, Lang::Zh) => "没有变化".into(),
            (HandlingError::Unchanged, Lang::En) => "Nothing changed".into(),
        }
    }
}

fn invalid(zh: &'static str, en: &'static str) -> HandlingError {
    HandlingError::Invalid(zh, en)
}

// The record's data is the model's; what makes an entry valid is a rule of
// the process, so this method is defined here, beside the other rules.
impl Entry {
    /// What is wrong with the entry, if anything (the device checks before
    /// saving, the server before accepting).
    pub fn check(&self) -> Result<(), HandlingError> {
        if !is_entry_id(&self.id) {
            return Err(invalid("记录编号无效", "The entry id is invalid"));
        }
        if self.by.trim().is_empty() || self.by.chars().count() > MAX_BY_CHARS {
            return Err(invalid(
                "请填写经办人（50字以内）",
                "Say who did it (at most 50 characters)",
            ));
        }
        if self.text.chars().count() > 4000 {
            return Err(invalid(
                "说明最多4000字",
                "The text is at most 4000 characters",
            ));
        }
        if self.dev.len() > crate::replica::MAX_DEVICE_LEN || self.criteria.len() > 5 {
            return Err(invalid("记录格式错误", "The entry is malformed"));
        }
        if self.at > self.recorded + MAX_ENTRY_AHEAD {
            return Err(invalid(
                "发生时间不能晚于现在",
                "The time cannot be in the future",
            ));
        }
        let text_needed = |zh, en| {
            if self.text.trim().is_empty() {
                Err(invalid(zh, en))
            } else {
                Ok(())
            }
        };
        match self.kind {
            EntryKind::Note => text_needed("请填写备注内容", "Write the note"),
            EntryKind::Callback if self.reached.is_none() => Err(invalid(
                "请选择是否联系上顾客",
                "Say whether the customer was reached",
            )),
            EntryKind::Callback if self.reached == Some(false) && self.satisfied.is_some() => {
                Err(invalid(
                    "未联系上顾客时不能记录满意度",
                    "No answer can be recorded when the customer was not reached",
                ))
            }
            EntryKind::Escalation if self.level.is_none() => Err(invalid(
                "请选择升级到的层级",
                "Choose the level to escalate to",
            )),
            EntryKind::Escalation => text_needed("请填写升级原因", "Say why it is escalated"),
            EntryKind::Answer
                if self
                    .answer
                    .as_deref()
                    .is_none_or(|id| crate::answers::parse_id(id).is_none())
                    || self.version.is_none_or(|v| v < 1) =>
            {
                Err(invalid(
                    "未指明所用的标准答复",
                    "The standard answer used is not named",
                ))
            }
            EntryKind::Status if self.status.is_none() => {
                Err(invalid("缺少新状态", "The new status is missing"))
            }
            EntryKind::Major
                if self.criteria.is_empty() && self.text.trim().is_empty()
                    || self.criteria.iter().any(|c| !(1..=5).contains(c)) =>
            {
                Err(invalid(
                    "请选择符合的重大投诉条件或说明原因",
                    "Choose the major-complaint criteria that hold, or say why",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Appends an entry (any kind but a status change, see [`change_status`]).
/// A reached callback with the customer's answer also fills in "customer
/// satisfied".
pub fn add_entry(c: &Complaint, entry: Entry) -> Result<Complaint, HandlingError> {
    entry.check()?;
    if entry.at < c.received_at {
        // The server refuses it too (sync's `check_op`).
        return Err(invalid(
            "发生时间不能早于投诉受理时间",
            "The time cannot be before the complaint was received",
        ));
    }
    if entry.kind == EntryKind::Status {
        return Err(invalid(
            "请用状态按钮更改状态",
            "Use the status control to change the status",
        ));
    }
    if entry.kind == EntryKind::Escalation && entry.level <= Some(escalation_level(c)) {
        return Err(invalid(
            "只能升级到更高的层级",
            "A complaint can only be escalated to a higher level",
        ));
    }
    let mut next = c.clone();
    if entry.kind == EntryKind::Callback && entry.reached == Some(true) && entry.satisfied.is_some()
    {
        next.customer_satisfied = entry.satisfied;
    }
    push_entry(&mut next, entry);
    Ok(next)
}

fn push_entry(c: &mut Complaint, entry: Entry) {
    c.timeline.push(entry);
    sort_timeline(&mut c.timeline);
}

/// The fields closing still needs: the final result, the root cause and
/// corrective action, where in the service process it went wrong, and the
/// customer's satisfaction answer.
pub fn missing_to_close(c: &Complaint) -> Vec<Field> {
    missing_to_close_of(
        &c.final_result,
        &c.root_cause,
        c.service_stage,
        c.customer_satisfied,
    )
}

/// The closing rule itself, on the four values (the form checks what is
/// typed with it, before there is a complaint).
pub fn missing_to_close_of(
    final_result: &str,
    root_cause: &str,
    service_stage: Option<ServiceStage>,
    satisfied: Option<bool>,
) -> Vec<Field> {
    let mut missing = Vec::new();
    if final_result.trim().is_empty() {
        missing.push(Field::FinalResult);
    }
    if root_cause.trim().is_empty() {
        missing.push(Field::RootCause);
    }
    if service_stage.is_none() {
        missing.push(Field::ServiceStage);
    }
    if satisfied.is_none() {
        missing.push(Field::CustomerSatisfied);
    }
    missing
}

/// Moves the complaint to `to`, recording who, when and from what. Closing is
/// refused while [`missing_to_close`] names anything; reopening a closed
/// complaint is allowed and shows in the timeline as a reopening.
pub fn change_status(
    c: &Complaint,
    to: Status,
    entry_id: String,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Complaint, HandlingError> {
    if c.status == to {
        return Err(HandlingError::Unchanged);
    }
    if to == Status::Closed {
        let missing = missing_to_close(c);
        if !missing.is_empty() {
            return Err(HandlingError::MissingToClose(missing));
        }
    }
    let mut next = c.clone();
    next.status = to;
    record_status_change(&mut next, c.status, entry_id, actor, now);
    Ok(next)
}

/// Records a status change already made to `c.status` (from `from`), as the
/// edit form's save does.
pub fn record_status_change(
    c: &mut Complaint,
    from: Status,
    entry_id: String,
    actor: &Actor,
    now: DateTime<Utc>,
) {
    let to = c.status;
    let mut entry = Entry::new(entry_id, EntryKind::Status, actor, now, now);
    entry.status = Some(to);
    entry.from = Some(from);
    push_entry(c, entry);
}

/// Ticks (or unticks) step `n` (1–8) of the eight steps.
pub fn tick_step(
    c: &Complaint,
    n: u8,
    done: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Complaint, HandlingError> {
    if !(1..=8).contains(&n) {
        return Err(invalid("没有这一步", "There is no such step"));
    }
    if c.steps.contains_key(&n) == done {
        return Err(HandlingError::Unchanged);
    }
    let mut next = c.clone();
    if done {
        next.steps.insert(
            n,
            Tick {
                by: actor.name.clone(),
                dev: actor.device.clone(),
                at: now,
            },
        );
    } else {
        for (step, tick) in std::mem::take(&mut next.steps) {
            if step != n {
                next.steps.insert(step, tick);
            }
        }
    }
    Ok(next)
}

/// The entries of one kind, in time order.
pub fn entries(c: &Complaint, kind: EntryKind) -> impl Iterator<Item = &Entry> {
    c.timeline.iter().filter(move |e| e.kind == kind)
}

/// The level the complaint is handled at now: the highest it was escalated to.
pub fn escalation_level(c: &Complaint) -> Level {
    entries(c, EntryKind::Escalation)
        .filter_map(|e| e.level)
        .max()
        .unwrap_or_default()
}

/// The mark in force when the complaint is major: the latest of the marks
/// and unmarks, when it is a mark.
pub fn major_mark(c: &Complaint) -> Option<&Entry> {
    c.timeline
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EntryKind::Major | EntryKind::Unmajor))
        .filter(|e| e.kind == EntryKind::Major)
}

/// When the complaint was (last) resolved: a complaint the customer was not
/// satisfied with goes back to handling and is resolved again later.
pub fn resolved_at(c: &Complaint) -> Option<DateTime<Utc>> {
    entries(c, EntryKind::Resolved).map(|e| e.at).last()
}

/// Callbacks made, and how many of them reached the customer (effective).
pub fn callback_counts(c: &Complaint) -> (usize, usize) {
    let made = entries(c, EntryKind::Callback).count();
    let effective = entries(c, EntryKind::Callback)
        .filter(|e| e.reached == Some(true))
        .count();
    (made, effective)
}

/// When the complaint was (last) closed, if it is closed.
pub fn closed_at(c: &Complaint) -> Option<DateTime<Utc>> {
    if c.status != Status::Closed {
        return None;
    }
    c.timeline
        .iter()
        .rev()
        .find(|e| e.kind == EntryKind::Status && e.status == Some(Status::Closed))
        .map(|e| e.at)
}

/// What the major-complaint rules look at, from a saved complaint (on every
/// change). `same_vehicle` counts the other complaints about this vehicle.
pub fn risk_input(c: &Complaint, offset: FixedOffset, same_vehicle: usize) -> RiskInput<'_> {
    RiskInput {
        content: &c.content,
        demand: &c.demand,
        tracking: &c.tracking,
        customer_background: &c.customer_background,
        nature: Some(c.nature),
        channel: Some(c.channel),
        repeat_repairs: c.repeat_repairs,
        compensation_requested: c.compensation_requested,
        compensation_agreed: c.compensation_agreed,
        received_on: Some(c.received_at.with_timezone(&offset).date_naive()),
        purchase_date: c.purchase_date,
        vehicle_model: &c.vehicle_model,
        unresolved_at_manufacturer: escalation_level(c) == Level::Manufacturer
            && c.status != Status::Closed,
        same_vehicle_complaints: same_vehicle,
    }
}
