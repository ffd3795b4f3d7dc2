//! The complaint as typed: every field as the text in its input.
//!
//! A [`ComplaintForm`] can hold anything the user typed, valid or not, so it is
//! what gets autosaved as a draft; nothing typed is lost because it did not
//! parse. [`ComplaintForm::issues`] says what is wrong as the user types;
//! [`ComplaintForm::to_new_complaint`] and [`ComplaintForm::apply_to`] turn it
//! into a [`Complaint`] once there are no errors.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::field::Field;
use crate::model::{Category, Channel, Complaint, Nature, ServiceStage, Status};
use crate::money::{Cny, MoneyError};
use crate::risk::RiskInput;
use crate::validate::{has_errors, Issue, IssueKind};
use crate::{phone, vin};

/// The one mapping from [`Field`] to the form's text: `form_slots!(form, field, &)`
/// reads, `form_slots!(form, field, &mut)` gives a mutable slot.
macro_rules! form_slots {
    ($form:expr, $field:expr, & $($mut:ident)?) => {
        form_slots!(@map $form, $field, & $($mut)?;
            OemCaseNumber oem_case_number, BranchCode branch_code, BranchName branch_name,
            ReceivedAt received_at, Handler handler, CustomerName customer_name, Phone phone,
            CustomerBackground customer_background, Vin vin, Plate plate, VehicleModel vehicle_model,
            MileageKm mileage_km, PurchaseDate purchase_date, Channel channel, Location location,
            Category category, Content content, Nature nature, Demand demand,
            RepeatRepairs repeat_repairs, CompensationRequested compensation_requested,
            CompensationAgreed compensation_agreed, Tracking tracking, FinalResult final_result,
            RootCause root_cause, ServiceStage service_stage,
            CustomerSatisfied customer_satisfied, Status status)
    };
    (@map $form:expr, $field:expr, &; $($variant:ident $name:ident),+) => {
        match $field {
            Field::CaseNumber => "",
            $(Field::$variant => &$form.$name),+
        }
    };
    (@map $form:expr, $field:expr, &mut; $($variant:ident $name:ident),+) => {
        match $field {
            Field::CaseNumber => None,
            $(Field::$variant => Some(&mut $form.$name)),+
        }
    };
}

/// Every editable field of a complaint as typed. Choice fields hold the
/// value's machine code (`as_str`), yes/no fields `"yes"`, `"no"` or `""`,
/// dates `YYYY-MM-DD` and date-times the device's local `YYYY-MM-DDTHH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ComplaintForm {
    pub oem_case_number: String,
    pub branch_code: String,
    pub branch_name: String,
    pub received_at: String,
    pub handler: String,
    pub customer_name: String,
    pub phone: String,
    pub customer_background: String,
    pub vin: String,
    pub plate: String,
    pub vehicle_model: String,
    pub mileage_km: String,
    pub purchase_date: String,
    pub channel: String,
    pub location: String,
    pub category: String,
    pub content: String,
    pub nature: String,
    pub demand: String,
    pub repeat_repairs: String,
    pub compensation_requested: String,
    pub compensation_agreed: String,
    pub tracking: String,
    pub final_result: String,
    pub root_cause: String,
    pub service_stage: String,
    pub customer_satisfied: String,
    pub status: String,
}

/// What a new complaint gets besides what was typed.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub id: String,
    pub case_number: String,
    pub device_id: String,
    pub now: DateTime<Utc>,
}

/// A time as a `datetime-local` input shows it in the device's zone.
pub fn local_input(at: DateTime<Utc>, offset: FixedOffset) -> String {
    crate::timefmt::input_datetime(at.with_timezone(&offset).naive_local())
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

impl ComplaintForm {
    /// A blank form for a new complaint received `now`, with the device's
    /// remembered branch and handler filled in.
    pub fn new_intake(
        now: DateTime<Utc>,
        offset: FixedOffset,
        branch_code: &str,
        branch_name: &str,
        handler: &str,
    ) -> Self {
        ComplaintForm {
            received_at: local_input(now, offset),
            branch_code: branch_code.to_string(),
            branch_name: branch_name.to_string(),
            handler: handler.to_string(),
            nature: Nature::General.as_str().to_string(),
            status: Status::OnGoing.as_str().to_string(),
            ..Default::default()
        }
    }

    /// The form showing an existing complaint, for editing.
    pub fn from_complaint(c: &Complaint, offset: FixedOffset) -> Self {
        ComplaintForm {
            oem_case_number: c.oem_case_number.clone(),
            branch_code: c.branch_code.clone(),
            branch_name: c.branch_name.clone(),
            received_at: local_input(c.received_at, offset),
            handler: c.handler.clone(),
            customer_name: c.customer_name.clone(),
            phone: c.phone.clone(),
            customer_background: c.customer_background.clone(),
            vin: c.vin.clone(),
            plate: c.plate.clone(),
            vehicle_model: c.vehicle_model.clone(),
            mileage_km: c.mileage_km.map(|m| m.to_string()).unwrap_or_default(),
            purchase_date: c
                .purchase_date
                .map(crate::timefmt::date)
                .unwrap_or_default(),
            channel: c.channel.as_str().to_string(),
            location: c.location.clone(),
            category: c.category.as_str().to_string(),
            content: c.content.clone(),
            nature: c.nature.as_str().to_string(),
            demand: c.demand.clone(),
            repeat_repairs: c.repeat_repairs.map(|n| n.to_string()).unwrap_or_default(),
            compensation_requested: c
                .compensation_requested
                .map(Cny::to_input)
                .unwrap_or_default(),
            compensation_agreed: c.compensation_agreed.map(Cny::to_input).unwrap_or_default(),
            tracking: c.tracking.clone(),
            final_result: c.final_result.clone(),
            root_cause: c.root_cause.clone(),
            service_stage: c
                .service_stage
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            customer_satisfied: yes_no(c.customer_satisfied),
            status: c.status.as_str().to_string(),
        }
    }

    /// The text of one field (empty for the generated case number).
    pub fn get(&self, field: Field) -> &str {
        form_slots!(self, field, &)
    }

    /// Sets the text of one field; the generated case number is ignored.
    pub fn set(&mut self, field: Field, value: impl Into<String>) {
        let slot: Option<&mut String> = form_slots!(self, field, &mut);
        if let Some(slot) = slot {
            *slot = value.into();
        }
    }

    /// This form (being edited from `before`) moved onto `next`, a newer
    /// version of the record that arrived meanwhile: every field left as it
    /// was in `before` takes `next`'s value; every field changed keeps what
    /// was typed. Saving it then sends only the typed changes, over the
    /// newer version.
    pub fn rebase(&self, before: &ComplaintForm, next: &ComplaintForm) -> ComplaintForm {
        let mut out = self.clone();
        for &field in Field::ALL {
            if self.get(field) == before.get(field) {
                out.set(field, next.get(field));
            }
        }
        out
    }
}

/// The typed values of a form, each `None` where the text was empty or wrong.
#[derive(Debug, Default)]
struct Parsed {
    branch_code: String,
    received_at: Option<DateTime<Utc>>,
    vin: String,
    mileage_km: Option<u32>,
    purchase_date: Option<NaiveDate>,
    channel: Option<Channel>,
    category: Option<Category>,
    nature: Nature,
    service_stage: Option<ServiceStage>,
    repeat_repairs: Option<u32>,
    compensation_requested: Option<Cny>,
    compensation_agreed: Option<Cny>,
    customer_satisfied: Option<bool>,
    status: Status,
}

/// The largest mileage accepted (km); anything above is a typo.
pub const MAX_MILEAGE_KM: u64 = 3_000_000;
/// The largest number of repairs of the same fault accepted.
pub const MAX_REPEAT_REPAIRS: u64 = 99;

fn parse_count(field: Field, text: &str, max: u64, issues: &mut Vec<Issue>) -> Option<u32> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '_'))
        .collect();
    let cleaned = cleaned
        .trim_end_matches("km")
        .trim_end_matches("公里")
        .trim_end_matches('次');
    if cleaned.is_empty() {
        return None;
    }
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
        issues.push(Issue::error(field, IssueKind::NotANumber));
        return None;
    }
    if negative && (!whole.trim_start_matches('0').is_empty() || !frac.trim_matches('0').is_empty())
    {
        issues.push(Issue::error(field, IssueKind::Negative));
        return None;
    }
    if !frac.trim_end_matches('0').is_empty() {
        issues.push(Issue::error(field, IssueKind::NotWhole));
        return None;
    }
    match whole.parse::<u64>() {
        Ok(n) if n <= max => Some(n as u32),
        _ => {
            issues.push(Issue::error(field, IssueKind::TooLarge { max }));
            None
        }
    }
}

fn parse_money(field: Field, text: &str, issues: &mut Vec<Issue>) -> Option<Cny> {
    if text.trim().is_empty() {
        return None;
    }
    match Cny::parse(text) {
        Ok(c) => Some(c),
        Err(e) => {
            let kind = match e {
                MoneyError::Invalid => IssueKind::NotANumber,
                MoneyError::Negative => IssueKind::Negative,
                MoneyError::TooPrecise => IssueKind::MoneyTooPrecise,
                MoneyError::TooLarge => IssueKind::TooLarge {
                    max: Cny::MAX_YUAN as u64,
                },
            };
            issues.push(Issue::error(field, kind));
            None
        }
    }
}

fn parse_choice<T>(
    field: Field,
    text: &str,
    from_code: fn(&str) -> Option<T>,
    issues: &mut Vec<Issue>,
) -> Option<T> {
    if text.is_empty() {
        return None;
    }
    let value = from_code(text);
    if value.is_none() {
        issues.push(Issue::error(field, IssueKind::UnknownChoice));
    }
    value
}

/// Parses a local date-time as typed in a `datetime-local` input (seconds optional).
pub fn parse_local_datetime(text: &str, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let naive = crate::timefmt::parse_input_datetime(text.trim())?;
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a branch code (already upper-cased) is 2–10 ASCII letters or digits.
pub fn is_valid_branch_code(code: &str) -> bool {
    (2..=10).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

impl ComplaintForm {
    /// Every problem with the form as it stands, errors and warnings.
    /// `offset` is the device's UTC offset, for reading the received time.
    pub fn issues(&self, offset: FixedOffset) -> Vec<Issue> {
        self.parse(offset).1
    }

    /// What the major-complaint rules look at, from the form as typed
    /// (values that do not parse yet are left out), so warnings show while
    /// the user types. `same_vehicle` counts the other complaints about this
    /// vehicle on the device.
    pub fn risk_input(&self, offset: FixedOffset, same_vehicle: usize) -> RiskInput<'_> {
        let (p, _) = self.parse(offset);
        RiskInput {
            content: &self.content,
            demand: &self.demand,
            tracking: &self.tracking,
            customer_background: &self.customer_background,
            nature: Some(p.nature),
            channel: p.channel,
            repeat_repairs: p.repeat_repairs,
            compensation_requested: p.compensation_requested,
            compensation_agreed: p.compensation_agreed,
            received_on: p.received_at.map(|t| t.with_timezone(&offset).date_naive()),
            purchase_date: p.purchase_date,
            vehicle_model: &self.vehicle_model,
            unresolved_at_manufacturer: false,
            same_vehicle_complaints: same_vehicle,
        }
    }

    fn parse(&self, offset: FixedOffset) -> (Parsed, Vec<Issue>) {
        let mut issues = Vec::new();
        let mut p = Parsed::default();

        for &field in Field::ALL {
            let text = self.get(field);
            if field.is_required() && text.trim().is_empty() {
                issues.push(Issue::error(field, IssueKind::Required));
            }
            let max = field.max_chars();
            if text.chars().count() > max {
                issues.push(Issue::error(field, IssueKind::TooLong { max }));
            }
        }

        p.branch_code = self.branch_code.trim().to_ascii_uppercase();
        if !p.branch_code.is_empty() && !is_valid_branch_code(&p.branch_code) {
            issues.push(Issue::error(
                Field::BranchCode,
                IssueKind::BranchCodeInvalid,
            ));
        }

        if !self.received_at.trim().is_empty() {
            p.received_at = parse_local_datetime(&self.received_at, offset);
            if p.received_at.is_none() {
                issues.push(Issue::error(Field::ReceivedAt, IssueKind::DateTimeInvalid));
            }
        }

        if !self.phone.trim().is_empty() && !phone::is_valid(&self.phone) {
            issues.push(Issue::error(Field::Phone, IssueKind::PhoneInvalid));
        }

        p.vin = vin::normalize(&self.vin);
        if !p.vin.is_empty() {
            match vin::check_format(&p.vin) {
                Err(vin::VinProblem::Length(len)) => {
                    issues.push(Issue::error(Field::Vin, IssueKind::VinLength { len }))
                }
                Err(vin::VinProblem::ForbiddenLetter(letter)) => issues.push(Issue::error(
                    Field::Vin,
                    IssueKind::VinForbiddenLetter { letter },
                )),
                Err(vin::VinProblem::InvalidChar(found)) => issues.push(Issue::error(
                    Field::Vin,
                    IssueKind::VinInvalidChar { found },
                )),
                Ok(()) => {
                    if let Some((expected, found)) = vin::check_digit_mismatch(&p.vin) {
                        issues.push(Issue::warning(
                            Field::Vin,
                            IssueKind::VinCheckDigit { expected, found },
                        ));
                    }
                }
            }
        }

        p.mileage_km = parse_count(
            Field::MileageKm,
            &self.mileage_km,
            MAX_MILEAGE_KM,
            &mut issues,
        );
        p.repeat_repairs = parse_count(
            Field::RepeatRepairs,
            &self.repeat_repairs,
            MAX_REPEAT_REPAIRS,
            &mut issues,
        );
        p.compensation_requested = parse_money(
            Field::CompensationRequested,
            &self.compensation_requested,
            &mut issues,
        );
        p.compensation_agreed = parse_money(
            Field::CompensationAgreed,
            &self.compensation_agreed,
            &mut issues,
        );

        if !self.purchase_date.trim().is_empty() {
            p.purchase_date = crate::timefmt::parse_date(self.purchase_date.trim());
            match (p.purchase_date, p.received_at) {
                (None, _) => issues.push(Issue::error(Field::PurchaseDate, IssueKind::DateInvalid)),
                (Some(bought), Some(received))
                    if bought > received.with_timezone(&offset).date_naive() =>
                {
                    issues.push(Issue::error(
                        Field::PurchaseDate,
                        IssueKind::PurchaseAfterReceipt,
                    ))
                }
                _ => {}
            }
        }

        p.channel = parse_choice(
            Field::Channel,
            &self.channel,
            Channel::from_code,
            &mut issues,
        );
        p.category = parse_choice(
            Field::Category,
            &self.category,
            Category::from_code,
            &mut issues,
        );
        p.nature = parse_choice(Field::Nature, &self.nature, Nature::from_code, &mut issues)
            .unwrap_or_default();
        p.service_stage = parse_choice(
            Field::ServiceStage,
            &self.service_stage,
            ServiceStage::from_code,
            &mut issues,
        );
        p.status = parse_choice(Field::Status, &self.status, Status::from_code, &mut issues)
            .unwrap_or_default();
        p.customer_satisfied = match self.customer_satisfied.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            _ => {
                issues.push(Issue::error(
                    Field::CustomerSatisfied,
                    IssueKind::UnknownChoice,
                ));
                None
            }
        };

        if p.status == Status::Closed {
            // Closing needs the result, the root cause, the service stage
            // and the customer's answer.
            let missing = crate::handling::missing_to_close_of(
                &self.final_result,
                &self.root_cause,
                p.service_stage,
                p.customer_satisfied,
            );
            for field in missing {
                if !issues.iter().any(|i| i.field == field) {
                    issues.push(Issue::error(field, IssueKind::RequiredToClose));
                }
            }
        }

        (p, issues)
    }

    /// A new complaint from this form; `Err` with every issue when any is an
    /// error, otherwise the complaint and the warnings.
    pub fn to_new_complaint(
        &self,
        offset: FixedOffset,
        new: NewComplaint,
    ) -> Result<(Complaint, Vec<Issue>), Vec<Issue>> {
        let (p, issues) = self.parse(offset);
        if has_errors(&issues) {
            return Err(issues);
        }
        let (Some(received_at), Some(channel), Some(category)) =
            (p.received_at, p.channel, p.category)
        else {
            // Unreachable while the required-field check covers them; never panic on it.
            return Err(issues);
        };
        let c = Complaint {
            id: new.id,
            case_number: new.case_number,
            oem_case_number: self.oem_case_number.trim().to_string(),
            branch_code: p.branch_code,
            branch_name: self.branch_name.trim().to_string(),
            received_at,
            handler: self.handler.trim().to_string(),
            customer_name: self.customer_name.trim().to_string(),
            phone: self.phone.trim().to_string(),
            customer_background: self.customer_background.trim().to_string(),
            vin: p.vin,
            plate: self.plate.trim().to_ascii_uppercase(),
            vehicle_model: self.vehicle_model.trim().to_string(),
            mileage_km: p.mileage_km,
            purchase_date: p.purchase_date,
            channel,
            location: self.location.trim().to_string(),
            category,
            content: self.content.trim().to_string(),
            nature: p.nature,
            demand: self.demand.trim().to_string(),
            repeat_repairs: p.repeat_repairs,
            compensation_requested: p.compensation_requested,
            compensation_agreed: p.compensation_agreed,
            tracking: self.tracking.trim().to_string(),
            final_result: self.final_result.trim().to_string(),
            root_cause: self.root_cause.trim().to_string(),
            service_stage: p.service_stage,
            customer_satisfied: p.customer_satisfied,
            status: p.status,
            created_at: new.now,
            updated_at: new.now,
            created_on_device: new.device_id,
            timeline: Vec::new(),
            steps: Default::default(),
            photos: Vec::new(),
            signatures: Vec::new(),
            positions: Vec::new(),
        };
        Ok((c, issues))
    }

    /// The complaint `base` with this form's values written over it (identity,
    /// case number and creation facts kept); same result shape as
    /// [`Self::to_new_complaint`].
    pub fn apply_to(
        &self,
        base: &Complaint,
        offset: FixedOffset,
        now: DateTime<Utc>,
    ) -> Result<(Complaint, Vec<Issue>), Vec<Issue>> {
        let new = NewComplaint {
            id: base.id.clone(),
            case_number: base.case_number.clone(),
            device_id: base.created_on_device.clone(),
            now,
        };
        let (mut c, warnings) = self.to_new_complaint(offset, new)?;
        c.created_at = base.created_at;
        // The handling and the evidence are not on the form: kept as they are.
        c.timeline = base.timeline.clone();
        c.steps = base.steps.clone();
        c.photos = base.photos.clone();
        c.signatures = base.signatures.clone();
        c.positions = base.positions.clone();
        // The input shows minutes only: an untouched received time keeps its
        // seconds instead of being silently truncated by an unrelated edit.
        if self.received_at == local_input(base.received_at, offset) {
            c.received_at = base.received_at;
        }
        Ok((c, warnings))
    }
}
