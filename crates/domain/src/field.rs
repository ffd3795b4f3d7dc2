//! The fields of a complaint, named once: their stable keys, their labels in
//! both languages (the words of the paper form), and which are required.
//!
//! The form renders from this list, validation reports against it, and the
//! sync issue's field-level operations will name fields by [`Field::key`].

use serde::{Deserialize, Serialize};

use crate::lang::{Labelled, Lang};

macro_rules! fields {
    ( $( $variant:ident = ($key:literal, $zh:literal, $en:literal, $kind:ident) ),+ $(,)? ) => {
        /// A field of the complaint record.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Field { $( #[serde(rename = $key)] $variant ),+ }

        impl Field {
            /// Every field, in the order of the paper form.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// Stable machine key (storage, wire, element ids).
            pub fn key(self) -> &'static str {
                match self { $(Field::$variant => $key),+ }
            }

            pub fn from_key(key: &str) -> Option<Field> {
                match key { $($key => Some(Field::$variant),)+ _ => None }
            }

            /// What kind of input edits this field.
            pub fn kind(self) -> FieldKind {
                match self { $(Field::$variant => FieldKind::$kind),+ }
            }
        }

        impl Labelled for Field {
            fn label(&self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Field::$variant, Lang::Zh) => $zh, (Field::$variant, Lang::En) => $en, )+
                }
            }
        }
    };
}

/// The kind of input a field needs; the form picks its widget from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// A telephone number.
    Phone,
    /// A whole number.
    Integer,
    /// An amount in CNY.
    Money,
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// One of a fixed set of values.
    Choice,
    /// Yes, no or not yet known.
    YesNo,
    /// Made by the app, shown but not typed.
    Generated,
}

fields! {
    CaseNumber = ("case_number", "表编号", "Case number", Generated),
    OemCaseNumber = ("oem_case_number", "CAC案例号", "OEM case number (CAC)", Text),
    BranchCode = ("branch_code", "维修站代码", "Branch code", Text),
    BranchName = ("branch_name", "维修站名称", "Branch / service station", Text),
    ReceivedAt = ("received_at", "受理时间", "Received at", DateTime),
    Handler = ("handler", "处理人", "Handler", Text),
    CustomerName = ("customer_name", "投诉顾客姓名", "Customer name", Text),
    Phone = ("phone", "联系电话", "Contact phone", Phone),
    CustomerBackground = ("customer_background", "顾客背景", "Customer background", Text),
    Vin = ("vin", "车辆识别号 (VIN)", "VIN", Text),
    Plate = ("plate", "车牌号码", "Plate number", Text),
    VehicleModel = ("vehicle_model", "车型", "Vehicle model", Text),
    MileageKm = ("mileage_km", "公里数", "Mileage (km)", Integer),
    PurchaseDate = ("purchase_date", "购车日期", "Purchase date", Date),
    Channel = ("channel", "投诉渠道", "Channel", Choice),
    Location = ("location", "救援/走访地点", "Roadside location", Text),
    Category = ("category", "投诉分类", "Category", Choice),
    Content = ("content", "车辆故障或投诉内容", "Fault or complaint content", LongText),
    Nature = ("nature", "投诉性质", "Nature", Choice),
    Demand = ("demand", "顾客需求或倾向", "Customer's demand", LongText),
    RepeatRepairs = ("repeat_repairs", "同一故障维修次数", "Repairs of the same fault", Integer),
    CompensationRequested = ("compensation_requested", "要求赔偿金额 (元)", "Compensation requested (CNY)", Money),
    CompensationAgreed = ("compensation_agreed", "商定赔偿金额 (元)", "Compensation agreed (CNY)", Money),
    Tracking = ("tracking", "情况跟踪和目前维修状态", "Tracking and current repair status", LongText),
    FinalResult = ("final_result", "最终结果", "Final result", LongText),
    RootCause = ("root_cause", "投诉原因分析及投诉整改措施", "Root cause and corrective action", LongText),
    ServiceStage = ("service_stage", "问题发生环节（服务核心流程）", "Where it went wrong (service process stage)", Choice),
    CustomerSatisfied = ("customer_satisfied", "顾客是否满意", "Customer satisfied", YesNo),
    Status = ("status", "状态", "Status", Choice),
}

impl Field {
    /// Fields without which a complaint cannot be saved at all.
    /// (Closing needs more; see the handling-process rules.)
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Field::BranchCode
                | Field::ReceivedAt
                | Field::CustomerName
                | Field::Phone
                | Field::Channel
                | Field::Category
                | Field::Content
        )
    }

    /// The longest text accepted, in characters.
    pub fn max_chars(self) -> usize {
        match self.kind() {
            FieldKind::LongText => 4000,
            _ => match self {
                Field::CustomerName | Field::Handler => 50,
                _ => 200,
            },
        }
    }
}
