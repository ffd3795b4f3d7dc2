//! The app's own words in Chinese and English.
//!
//! Domain words (field names, channels, statuses, validation messages) come
//! from the shared crate's labels; this table holds only the app's chrome.

use complaints_domain::Lang;
use leptos::prelude::{Get, RwSignal};

/// `text` in the current language, as a view or attribute that follows it.
/// Every use is the same closure type, so the rendering code for it is in the
/// app once (a closure per use costs a copy each).
pub fn tr(lang: RwSignal<Lang>, text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync {
    move || text.get(lang.get())
}

/// Like [`tr`], for a text given in both languages.
pub fn tr2(
    lang: RwSignal<Lang>,
    zh: &'static str,
    en: &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync {
    move || lang.get().pick(zh, en)
}

/// A piece of UI text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    Complaints,
    NewComplaint,
    Online,
    Offline,
    SearchPlaceholder,
    Search,
    AllStatuses,
    AllCategories,
    AllChannels,
    NoComplaints,
    NoMatches,
    Save,
    Saving,
    Saved,
    SaveFailed,
    FixErrors,
    Discard,
    DiscardConfirm,
    DraftRestored,
    DraftSaved,
    DraftSaveFailed,
    Required,
    Back,
    Loading,
    NotFound,
    UnreadableRecords,
    StorageFailed,
    EditsRestored,
    SectionCase,
    SectionCustomer,
    SectionVehicle,
    SectionComplaint,
    SectionResult,
    ChooseOne,
    Yes,
    No,
    Unknown,
    LanguageSwitch,
    Received,
    SyncNow,
    Syncing,
    Waiting,
    AllSynced,
    LastSynced,
    NeverSynced,
    Receiving,
    RefusedChanges,
    Device,
    NeedsAttention,
    Kpis,
    NothingDue,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        use Text::*;
        let (zh, en) = match self {
            AppName => ("投诉处理", "Complaint Desk"),
            Complaints => ("投诉列表", "Complaints"),
            NewComplaint => ("新建投诉", "New complaint"),
            Online => ("在线", "Online"),
            Offline => ("离线", "Offline"),
            SearchPlaceholder => (
                "表编号、姓名、电话、VIN、车牌、内容",
                "Case no., name, phone, VIN, plate, content",
            ),
            Search => ("搜索", "Search"),
            AllStatuses => ("全部状态", "All statuses"),
            AllCategories => ("全部分类", "All categories"),
            AllChannels => ("全部渠道", "All channels"),
            NoComplaints => (
                "还没有投诉记录。点击“新建投诉”登记第一条。",
                "No complaints yet. Tap “New complaint” to record the first one.",
            ),
            NoMatches => ("没有符合条件的投诉", "No complaint matches"),
            Save => ("保存", "Save"),
            Saving => ("正在保存…", "Saving…"),
            Saved => ("已保存", "Saved"),
            SaveFailed => (
                "保存失败，输入内容仍保留在本页",
                "Could not save; what you typed is still here",
            ),
            FixErrors => (
                "请先更正标红的项目",
                "Please correct the fields marked in red",
            ),
            Discard => ("放弃草稿", "Discard draft"),
            DiscardConfirm => ("确定放弃已填写的内容？", "Discard everything typed so far?"),
            DraftRestored => ("已恢复上次未保存的草稿", "Your unsaved draft was restored"),
            DraftSaved => ("草稿已自动保存在本机", "Draft saved on this device"),
            DraftSaveFailed => (
                "草稿未能保存到本机",
                "The draft could not be saved on this device",
            ),
            Required => ("必填", "required"),
            Back => ("返回列表", "Back to list"),
            Loading => ("正在加载…", "Loading…"),
            NotFound => ("找不到这条投诉", "This complaint was not found"),
            UnreadableRecords => (
                "条记录已损坏无法读取，已跳过",
                "stored record(s) are damaged and were skipped",
            ),
            StorageFailed => ("本机存储不可用", "Storage on this device is unavailable"),
            EditsRestored => (
                "已恢复上次未保存的修改",
                "Your unsaved changes were restored",
            ),
            SectionCase => ("受理信息", "Case"),
            SectionCustomer => ("顾客信息", "Customer"),
            SectionVehicle => ("车辆信息", "Vehicle"),
            SectionComplaint => ("投诉内容", "Complaint"),
            SectionResult => ("处理与结果", "Handling and result"),
            ChooseOne => ("请选择", "Choose…"),
            Yes => ("满意", "Satisfied"),
            No => ("不满意", "Not satisfied"),
            Unknown => ("尚未回访", "Not asked yet"),
            LanguageSwitch => ("English", "中文"),
            Received => ("受理", "Received"),
            SyncNow => ("立即同步", "Sync now"),
            Syncing => ("正在同步…", "Syncing…"),
            Waiting => ("条待同步", "waiting to sync"),
            AllSynced => ("已全部同步", "All synced"),
            LastSynced => ("上次同步", "Last sync"),
            NeverSynced => ("尚未同步", "Not synced yet"),
            Receiving => ("正在接收数据", "Receiving data"),
            RefusedChanges => ("条修改被服务器拒绝", "change(s) refused by the server"),
            Device => ("设备", "Device"),
            NeedsAttention => ("需要关注", "Needs attention"),
            Kpis => ("统计", "KPIs"),
            NothingDue => (
                "没有即将到期或已超时的投诉",
                "Nothing is due soon or overdue",
            ),
        };
        lang.pick(zh, en)
    }
}
