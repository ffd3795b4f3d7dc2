//! The complaint record (顾客投诉处理表) and its enumerations, as plain data.
//!
//! Every enumeration has a stable machine code (`as_str`, used in storage, on
//! the wire and in URLs) that never changes once shipped, and a label in each
//! UI language. Free-text fields are `String`s where empty means "not given":
//! that keeps the form, storage and (later) field-level sync uniform.
//!
//! The record holds its handling history too: the timeline entries and the
//! ticked steps ([`Entry`], [`Tick`] and their enumerations, in the private
//! `timeline` submodule and exported from here). This module decides what a
//! record *is*; the rules for changing one (the handling process, the form's
//! validation, the sync merge) sit in modules above it, so nothing here
//! refers to them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::money::Cny;

mod evidence;
mod timeline;

pub use evidence::{
    current_signature, fixed, is_sha256_hex, is_thumbnail, live_photos, stroke_points, stroke_text,
    Deletion, Photo, Position, Signature, CHUNK_BYTES, MAX_CAPTION_CHARS, MAX_PHOTOS,
    MAX_PHOTO_BYTES, MAX_PHOTO_EDGE, MAX_POINTS, MAX_SIGNED_TEXT_CHARS, MAX_STROKES,
    MAX_THUMB_CHARS, PAD_UNITS, PHOTO_PREFIX, PHOTO_TYPES, POSITION_PREFIX, SIGNATURE_PREFIX,
    THUMB_EDGE,
};
pub use timeline::{
    is_entry_id, sort_timeline, Actor, ContactMethod, Entry, EntryKind, Level, Tick,
};

/// Declares a fieldless enum with a stable code and zh/en labels.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in the order the paper form lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a machine code as produced by [`Self::as_str`].
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::lang::Labelled for $name {
            fn label(&self, lang: $crate::lang::Lang) -> &'static str {
                match (self, lang) {
                    $( ($name::$variant, $crate::lang::Lang::Zh) => $zh, ($name::$variant, $crate::lang::Lang::En) => $en, )+
                }
            }
        }
    };
}
pub(crate) use labelled_enum;

labelled_enum! {
    /// How the complaint reached us (投诉渠道), numbered as on the paper form.
    pub enum Channel {
        /// In person at the branch; a roadside visit counts here.
        InPerson = ("in_person", "店内面对投诉", "In person"),
        Phone = ("phone", "电话投诉", "Telephone"),
        LetterOrEmail = ("letter_email", "信函或e-mail投诉", "Letter or e-mail"),
        /// Forwarded by the manufacturer's customer centre.
        Manufacturer = ("manufacturer", "厂方转投诉", "Forwarded by the manufacturer"),
        /// Forwarded by government, a consumer association or the media.
        OtherBody = ("other_body", "其他单位转投诉", "Forwarded by another body"),
    }
}

impl Channel {
    /// The number printed on the paper form (1–5).
    pub fn number(self) -> u8 {
        match self {
            Channel::InPerson => 1,
            Channel::Phone => 2,
            Channel::LetterOrEmail => 3,
            Channel::Manufacturer => 4,
            Channel::OtherBody => 5,
        }
    }
}

labelled_enum! {
    /// What the complaint is about (投诉分类).
    pub enum Category {
        Sales = ("S", "销售类", "Sales"),
        Service = ("SA", "服务类", "Service"),
        Quality = ("SQ", "产品质量类", "Product quality"),
        Parts = ("SP", "备件类", "Parts"),
        Other = ("OT", "其他", "Other"),
    }
}

labelled_enum! {
    /// Where the handling stands (状态).
    #[derive(Default)]
    pub enum Status {
        /// Being handled, no conclusion yet.
        #[default]
        OnGoing = ("on_going", "处理中无结论", "On-going"),
        /// A conclusion exists and is being carried out.
        InProcess = ("in_process", "已有结论在走程序", "In process"),
        /// Cooled down or deadlocked.
        Hold = ("hold", "冷处理或僵持", "Hold"),
        /// Finished.
        Closed = ("closed", "关闭", "Closed"),
    }
}

labelled_enum! {
    /// The nature of the complaint (投诉性质).
    #[derive(Default)]
    pub enum Nature {
        #[default]
        General = ("general", "一般投诉", "General"),
        MediaExposure = ("media", "潜在媒体曝光", "Potential media exposure"),
        ConsumerAssociation = ("consumer_association", "消费者协会", "Consumer association"),
        Legal = ("legal", "法律诉讼", "Legal"),
    }
}

labelled_enum! {
    /// Where in the maker's seven-stage service core process
    /// (服务核心过程的七大环节) the complaint's gap lay, as the case
    /// compilations locate it (`../shared/domain.md`, "Learning from
    /// cases"); or that it was no gap of the service process at all (a
    /// product fault, a sales promise). Required to close, so every closed
    /// complaint can be counted by stage in the monthly report.
    pub enum ServiceStage {
        Appointment = ("appointment", "预约", "Appointment"),
        Preparation = ("preparation", "准备工作", "Preparation"),
        Reception = ("reception", "接车/制作订单", "Vehicle reception / repair order"),
        Repair = ("repair", "修理/进行工作", "Repair / doing the work"),
        QualityCheck = ("quality_check", "质检/交车准备", "Quality check / preparing delivery"),
        Delivery = ("delivery", "交车/结帐", "Delivery / billing"),
        FollowUp = ("follow_up", "服务跟踪", "Follow-up after service"),
        NotAGap = ("not_a_gap", "非服务流程问题", "Not a service-process gap"),
    }
}

/// One complaint, as stored on a device and (later) on the server.
///
/// `#[serde(default)]` on the struct lets a record written by an older
/// version of the app, missing a field added since, still load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    /// Identity: a random UUID made on the device that took the complaint.
    pub id: String,
    /// Human-readable case number (表编号), see [`crate::case_number`].
    pub case_number: String,
    /// The maker's customer-centre case number (CAC案例号), when forwarded.
    #[serde(default)]
    pub oem_case_number: String,
    /// Short code of the owning branch, e.g. `BJ01`.
    pub branch_code: String,
    /// Name of the branch / service station (维修站名称).
    #[serde(default)]
    pub branch_name: String,
    /// When the complaint was received (日期).
    #[serde(with = "crate::timefmt::rfc3339")]
    pub received_at: DateTime<Utc>,
    /// The person responsible (处理人).
    #[serde(default)]
    pub handler: String,
    pub customer_name: String,
    pub phone: String,
    /// E.g. "works for the media, threatens exposure" (顾客背景).
    #[serde(default)]
    pub customer_background: String,
    /// Normalised (upper case, no spaces) VIN; empty when not given.
    #[serde(default)]
    pub vin: String,
    #[serde(default)]
    pub plate: String,
    #[serde(default)]
    pub vehicle_model: String,
    #[serde(default)]
    pub mileage_km: Option<u32>,
    #[serde(default, with = "crate::timefmt::opt_date")]
    pub purchase_date: Option<NaiveDate>,
    pub channel: Channel,
    /// Where a roadside visit took place (in-person channel only).
    #[serde(default)]
    pub location: String,
    pub category: Category,
    /// The customer's words (车辆故障或投诉内容).
    pub content: String,
    #[serde(default)]
    pub nature: Nature,
    /// What the customer wants (顾客需求或倾向).
    #[serde(default)]
    pub demand: String,
    /// Repairs of the same fault so far (同一故障维修次数).
    #[serde(default)]
    pub repeat_repairs: Option<u32>,
    #[serde(default)]
    pub compensation_requested: Option<Cny>,
    #[serde(default)]
    pub compensation_agreed: Option<Cny>,
    /// Tracking and current repair status (情况跟踪和目前维修状态).
    #[serde(default)]
    pub tracking: String,
    /// Final result (最终结果); required to close.
    #[serde(default)]
    pub final_result: String,
    /// Root cause and corrective action; required to close.
    #[serde(default)]
    pub root_cause: String,
    /// Where in the service core process it went wrong; required to close.
    #[serde(default)]
    pub service_stage: Option<ServiceStage>,
    /// The customer's answer at the follow-up (顾客是否满意).
    #[serde(default)]
    pub customer_satisfied: Option<bool>,
    #[serde(default)]
    pub status: Status,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::timefmt::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Id of the device that took the complaint in.
    #[serde(default)]
    pub created_on_device: String,
    /// What happened in the handling, in [`sort_timeline`] order
    /// (append-only: the `handling` module adds to it). Synced entry by
    /// entry, so entries made on different devices never overwrite one another.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Entry>,
    /// The eight steps of handling that are done, by step number (1–8).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<u8, Tick>,
    /// Photos, oldest first, deleted ones included (see [`live_photos`]);
    /// each synced as its own key (`ph.<id>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
    /// The customer's signatures, oldest first: the newest stands
    /// ([`current_signature`]); each its own key (`sig.<id>`), set once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
    /// Places recorded at the user's request, oldest first (`loc.<id>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<Position>,
}
