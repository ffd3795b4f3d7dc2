//! Every word the app's screens say, in Chinese and English: one table.
//!
//! Domain words (field names, channels, statuses, validation messages,
//! rejection reasons) come from the shared crate's labels, because the
//! server says them too; this table holds the app's own. A view never
//! writes a text pair inline (`scripts/lint` checks it): it names a
//! [`Text`], and [`tr`] makes it follow the language signal.
//!
//! A text with `{}` places takes values with [`Text::fill`], which writes
//! them into the template once, left to right; a value is never read as a
//! template (a PDCA plan that says `{}` stays as typed).

use std::fmt::Display;

use complaints_client::SyncProblem;
use complaints_domain::Lang;
use leptos::prelude::{Get, RwSignal};

macro_rules! texts {
    ($( $(#[$doc:meta])* $name:ident => $zh:literal, $en:literal; )+) => {
        /// A piece of UI text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Text { $( $(#[$doc])* $name, )+ }

        impl Text {
            /// Every text, for the table's own tests.
            pub const ALL: &'static [Text] = &[$(Text::$name),+];

            /// The text in `lang`.
            pub fn get(self, lang: Lang) -> &'static str {
                match self { $( Text::$name => lang.pick($zh, $en), )+ }
            }
        }
    };
}

texts! {
    AppName => "投诉处理", "Complaint Desk";
    Complaints => "投诉列表", "Complaints";
    NewComplaint => "新建投诉", "New complaint";
    NeedsAttention => "需要关注", "Needs attention";
    Kpis => "统计", "KPIs";
    Answers => "标准答复", "Answers";
    Online => "在线", "Online";
    Offline => "离线", "Offline";
    LanguageSwitch => "English", "中文";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    SignIn => "登录", "Sign in";
    SignOut => "退出登录", "Sign out";
    SignInHint => "首次在本设备上登录需要网络连接；之后无网络也能打开，直到登录到期。",
        "The first sign-in on a device needs a network connection; after that the app opens offline until the session expires.";
    Working => "正在处理…", "Working…";
    PageNotFound => "找不到这个页面", "This page does not exist";
    PanicTitle => "应用出错已停止。已保存的内容都在本机，重新加载即可继续。",
        "The app stopped after an error. Everything saved is on this device; reload to go on.";
    Reload => "重新加载", "Reload";

    // The list.
    SearchPlaceholder => "表编号、姓名、电话、VIN、车牌、内容", "Case no., name, phone, VIN, plate, content";
    Search => "搜索", "Search";
    AllStatuses => "全部状态", "All statuses";
    AllCategories => "全部分类", "All categories";
    AllChannels => "全部渠道", "All channels";
    NoComplaints => "还没有投诉记录。点击“新建投诉”登记第一条。",
        "No complaints yet. Tap “New complaint” to record the first one.";
    NoMatches => "没有符合条件的投诉", "No complaint matches";
    NothingDue => "没有即将到期或已超时的投诉", "Nothing is due soon or overdue";
    ListCount => "共 {} 条", "{} complaints";
    ShowMore => "显示更多（还有 {} 条）", "Show more ({} left)";
    Major => "重大投诉", "Major";
    UnreadableRecords => "{} 条记录已损坏无法读取，已跳过", "{} stored record(s) are damaged and were skipped";

    // Forms and drafts.
    Save => "保存", "Save";
    Saving => "正在保存…", "Saving…";
    Saved => "已保存", "Saved";
    SaveFailed => "保存失败，输入内容仍保留在本页", "Could not save; what you typed is still here";
    SavedComplaint => "已保存投诉 {}（{}）", "Saved complaint {} ({})";
    FixErrors => "请先更正标红的项目", "Please correct the fields marked in red";
    Discard => "放弃草稿", "Discard draft";
    DiscardConfirm => "确定放弃已填写的内容？", "Discard everything typed so far?";
    DraftRestored => "已恢复上次未保存的草稿", "Your unsaved draft was restored";
    DraftSaved => "草稿已自动保存在本机", "Draft saved on this device";
    DraftSaveFailed => "草稿未能保存到本机", "The draft could not be saved on this device";
    EditsRestored => "已恢复上次未保存的修改", "Your unsaved changes were restored";
    Required => "必填", "required";
    ChooseOne => "请选择", "Choose…";
    /// A customer who is satisfied (the form's choice, a callback's answer).
    Yes => "满意", "Satisfied";
    No => "不满意", "Not satisfied";
    Unknown => "尚未回访", "Not asked yet";
    SectionCase => "受理信息", "Case";
    SectionCustomer => "顾客信息", "Customer";
    SectionVehicle => "车辆信息", "Vehicle";
    SectionComplaint => "投诉内容", "Complaint";
    SectionResult => "处理与结果", "Handling and result";
    Back => "返回列表", "Back to list";
    Loading => "正在加载…", "Loading…";
    NotFound => "找不到这条投诉", "This complaint was not found";
    StorageFailed => "本机存储不可用", "Storage on this device is unavailable";
    StorageFull => "设备存储空间已满：投诉未能保存，已填写的内容仍保留在表单中。请删除设备上的其他数据后再保存。",
        "The device's storage is full: the complaint was not saved, and everything you typed is still in the form. Delete other data on the device, then save again.";
    DraftStorageFull => "设备存储空间已满，草稿未能保存到本机；已填写的内容仍在表单中",
        "The device's storage is full and the draft could not be saved; what you typed is still in the form";
    SettingsReset => "本机有 {} 项设置已损坏无法读取，已恢复为默认值",
        "{} setting(s) on this device were damaged and could not be read; they were reset to their defaults";
    Received => "受理", "Received";
    ComplaintRecord => "投诉处理表", "Complaint record";

    // Sync.
    SyncNow => "立即同步", "Sync now";
    Syncing => "正在同步…", "Syncing…";
    Waiting => "{} 条待同步", "{} waiting to sync";
    AllSynced => "已全部同步", "All synced";
    // While a pull is still receiving: nothing of this tablet's waits, but
    // "all synced" would read as done.
    AllSent => "本机修改已全部上传", "All changes sent";
    LastSynced => "上次同步 {}", "Last sync {}";
    NeverSynced => "尚未同步", "Not synced yet";
    Receiving => "正在接收数据", "Receiving data";
    RefusedChanges => "{} 条修改被服务器拒绝", "{} change(s) refused by the server";
    SyncUnreachable => "无法连接服务器，修改已保存在本机，恢复连接后自动同步",
        "Cannot reach the server; changes are kept on this device and sync when the connection returns";
    SyncServer => "服务器出错（{}），稍后自动重试", "The server had a problem ({}); retrying automatically";
    SyncStorage => "本机存储出错，同步暂停", "Storage on this device failed; sync is paused";
    SyncStorageFull => "设备存储空间已满，无法接收新数据；本机已有的数据和修改不受影响",
        "The device's storage is full, so nothing new can be received; the data and changes on this device are unaffected";
    Device => "设备", "Device";
    ThisDevice => "本机", "this device";
    DeviceNamed => "设备 {}", "device {}";
    OnThisDevice => " · 本机", " · this device";

    // A record's sync situation and history.
    History => "修改历史", "History";
    ComplaintTakenIn => "登记投诉", "Complaint taken in";
    StepN => "步骤 {}", "Step {}";
    ConflictingChanges => "修改冲突", "Conflicting changes";
    ConflictExplained => "：两台设备同时修改了此项，两个值都已保留",
        ": changed on two devices at the same time; both values are kept";
    InUse => "当前采用", "in use";
    UseThisValue => "采用此值", "Use this value";
    KeepValueInUse => "确认当前值", "Keep the value in use";
    RefusedExplained => "以下修改未被服务器接受，仅保存在本机：",
        "These changes were refused by the server and exist only on this device:";
    DiscardChange => "放弃此修改", "Discard this change";
    ApplyAgain => "重新提交", "Apply again";
    ListSeparator => "；", "; ";
    /// Between the short items of a list ("火灾、事故").
    ListComma => "、", ", ";

    // Handling.
    Timeline => "处理记录", "Timeline";
    NothingRecorded => "还没有处理记录", "Nothing recorded yet";
    Status => "状态", "Status";
    EightSteps => "处理八步骤", "The eight steps";
    ReopenAs => "重新打开为 {}", "Reopen as {}";
    LevelIs => "处理层级：{}", "Level: {}";
    MajorBy => "重大投诉 · {} {}", "Major complaint · {} {}";
    Reached => "已联系上", "reached";
    NotReached => "未联系上", "not reached";
    CustomerSatisfied => "顾客满意", "customer satisfied";
    CustomerNotSatisfied => "顾客不满意", "customer not satisfied";
    FromTo => "{} → {}", "{} → {}";
    ReopenedFromTo => "重新打开：{} → {}", "reopened: {} → {}";
    CriteriaList => "符合条件 {}", "criteria {}";
    RecordedAt => "补记于 {}", "recorded {}";
    How => "方式", "How";
    CustomerReached => "已联系上顾客", "Customer reached";
    NoAnswer => "未表态", "No answer";
    EscalateTo => "升级到", "Escalate to";
    CriteriaThatHold => "符合的重大投诉条件", "Criteria that hold";
    EscalationWhy => "升级原因", "Why";
    CustomerFeedback => "顾客反馈", "Customer's feedback";
    NoteText => "备注内容", "Note";
    Details => "说明", "Details";
    WhenDefaultNow => "发生时间（默认现在）", "When (default: now)";
    AddToTimeline => "添加记录", "Add to timeline";
    EnterValidTime => "请输入正确的发生时间", "Enter a valid time";
    MeetsMajorCriterion => "符合重大投诉条件", "Meets a major-complaint criterion";
    MajorRiskSignals => "重大投诉风险提示", "Major-complaint risk signals";
    SameVehicleTitle => "同一车辆的其他投诉（{} 条）", "Other complaints about this vehicle ({})";
    WarningsLine => "⚠ 风险提示 {}: {}", "⚠ Warnings {}: {}";
    SameVehicleLine => "同一车辆已有 {} 条投诉", "{} other complaint(s) about this vehicle";

    // KPIs, PDCA and the monthly report.
    KpiTitle => "投诉KPI指标分析", "Complaint KPIs";
    Month => "月份", "Month";
    Branch => "维修站", "Branch";
    BranchName => "维修站名称", "Branch";
    AllBranches => "全部维修站", "All branches";
    MonthlyReportPrint => "月报表（打印）", "Monthly report (print)";
    BackToDashboard => "返回统计", "Back to the dashboard";
    Print => "打印", "Print";
    ExportCsv => "导出 CSV", "Export CSV";
    CsvFileName => "客户投诉统计分析月报表-{}-{}.csv", "complaint-report-{}-{}.csv";
    AllInFileName => "全部", "all";
    ReceivedThisMonth => "本月受理 {}", "Received this month: {}";
    FiguresAsOf => "数据截至 {}", "Figures as of {}";
    ComputedFrom => "根据本机 {} 条投诉计算，用时 {} 毫秒", "Computed from the {} complaints on this device in {} ms";
    ChooseOneBranch => "选择一个维修站，查看和填写它的 PDCA 表。", "Choose one branch to see and fill in its PDCA table.";
    ByCategory => "按投诉类别", "By category";
    ByChannel => "按投诉渠道", "By channel";
    ProcessingTime => "处理时间分布", "Processing time";
    ClosedTimeUnknown => "已结案，时间不明", "Closed, time unknown";
    NotClosedYet => "尚未结案", "Not closed yet";
    ByServiceStage => "已结案：问题发生环节", "Closed: where it went wrong";
    StageNotRecorded => "未记录环节", "Stage not recorded";
    TargetIs => "目标: {}", "Target: {}";
    NotSet => "未设定", "not set";
    BranchesCompared => "各维修站对比", "Branches compared";
    ReceivedCount => "受理数", "Received";
    PdcaTable => "PDCA 表", "PDCA table";
    Kpi => "KPI", "KPI";
    TargetPlan => "目标值（计划）", "Target (plan)";
    ActualDo => "实际值（实施）", "Actual (do)";
    EvaluationCheck => "评估（检查）", "Evaluation (check)";
    ProblemAnalysis => "问题分析", "Problem analysis";
    Measures => "措施", "Measures";
    Owner => "负责人", "Owner";
    Due => "完成日期", "Due";
    Edit => "填写", "Edit";
    Close => "关闭", "Close";
    Carried => "（沿用）", " (carried)";
    TargetPercent => "目标值（%）", "Target (%)";
    TargetRange => "目标值应为 0 到 100 之间的数字", "The target is a number from 0 to 100";
    MonthlyReportTitle => "客户投诉统计分析月报表", "Monthly complaint statistics report";
    ReceivedTotal => "受理总数", "Received";
    Compiled => "编制", "Compiled";
    Count => "数量", "Count";
    PercentShare => "占比(%)", "Percent";
    MonthsComplaints => "本月投诉明细", "This month's complaints";
    RowNumber => "序号", "No.";
    Date => "日期", "Date";
    CaseColumn => "案例编号", "Case";
    CustomerColumn => "投诉顾客姓名", "Customer";
    PlateColumn => "车牌号码", "Plate";
    CategoryColumn => "投诉类别", "Category";
    ChannelColumn => "投诉渠道", "Channel";
    DaysToClose => "处理天数", "Days to close";

    // Evidence: photos, signature, location.
    Evidence => "现场证据", "Evidence";
    Photos => "照片", "Photos";
    TakePhoto => "拍照或选择照片", "Take or choose a photo";
    PhotoCaption => "照片说明（可选）", "Caption (optional)";
    PhotoLimits => "最多 {} 张，每张压缩后不超过 {} MB；已有 {} 张", "Up to {} photos of at most {} MB each after compression; {} so far";
    PhotoLimitReached => "照片已达上限，请先删除不需要的照片", "The photo limit is reached: delete one you do not need first";
    PhotoAdding => "正在处理照片…", "Preparing the photo…";
    PhotoAdded => "照片已保存在本机，联网后自动上传", "The photo is saved on this device and uploads when online";
    PhotoNotAnImage => "这个文件不是可识别的图片", "This file is not an image the app can read";
    PhotoTooLarge => "照片压缩后仍然过大，未保存", "Even compressed, the photo is too large; it was not saved";
    PhotoNoEncoder => "此浏览器无法压缩照片（不支持 JPEG/WebP）", "This browser cannot compress photos (no JPEG or WebP)";
    PhotoFailed => "照片处理失败，投诉未受影响", "The photo could not be processed; the complaint is unaffected";
    PhotoStorageFull => "设备存储空间已满：照片未保存，投诉本身不受影响。请删除设备上的其他数据后再试。",
        "The device's storage is full: the photo was not saved, and the complaint is unaffected. Delete other data on the device, then try again.";
    PhotoOffline => "离线时无法打开其他设备拍的照片，联网后再试", "A photo taken on another device opens once online";
    PhotoNotUploaded => "照片还在拍摄它的设备上，等那台设备联网上传后才能打开", "The photo is still on the device that took it; it opens once that device has uploaded it";
    PhotoUploading => "上传中 {}", "Uploading {}";
    PhotoWaiting => "等待上传", "Waiting to upload";
    PhotoOpen => "查看大图", "Open";
    PhotoClose => "关闭", "Close";
    PhotoDelete => "删除照片", "Delete photo";
    PhotoDeleteConfirm => "确定删除这张照片？删除记录会保留。", "Delete this photo? The deletion is recorded.";
    PhotoBy => "{} 拍摄于 {}", "Taken by {} at {}";
    SaveCaption => "保存说明", "Save caption";
    StorageUse => "本机已用存储 {} / {}", "Storage used on this device: {} of {}";
    UploadsWaiting => "{} 张照片待上传", "{} photo(s) waiting to upload";
    Signature => "顾客签字确认", "Customer's signature";
    SignatureText => "签字确认的内容（商定的解决方案）", "What the customer signs (the agreed solution)";
    Signer => "签字人", "Signed by";
    SignHere => "请顾客在此处签字", "Customer signs here";
    ClearPad => "清除重签", "Clear";
    SaveSignature => "保存签字", "Save signature";
    SignatureEmpty => "请先在签字区签字", "Sign in the box first";
    SignatureNoText => "请填写顾客签字确认的内容", "Write what the customer signs for";
    SignatureNoSigner => "请填写签字人姓名", "Write the signer's name";
    SignatureSaved => "签字已保存", "Signature saved";
    SignedBy => "{} 签字，{} 见证，{}", "Signed by {}, witnessed by {}, {}";
    Superseded => "已被新签字取代", "Superseded by a newer signature";
    SignAgain => "重新签字", "Sign again";
    Location => "走访位置", "Visit location";
    RecordLocation => "记录当前位置", "Record my location";
    Locating => "正在定位…", "Locating…";
    LocationHint => "仅在点击时定位一次，不会在后台记录位置", "The location is taken once, only when you tap; never in the background";
    Accuracy => "精度约 {} 米", "Accurate to about {} m";
    OpenInMaps => "在地图中打开", "Open in maps";
    LocationDenied => "未获得定位权限：请在浏览器设置中允许本应用使用位置信息，或在“救援/走访地点”中手动填写",
        "Location permission was refused: allow this app to use your location in the browser's settings, or type the place into “Roadside location”";
    LocationUnavailable => "暂时无法确定位置（GPS 信号弱），请到开阔处再试", "The position cannot be determined now (weak GPS signal); try again in the open";
    LocationTimeout => "定位超时，请再试一次", "Locating took too long; try again";
    LocationUnsupported => "此设备不支持定位", "This device cannot give its location";

    // Standard answers.
    StandardAnswers => "标准答复", "Standard answers";
    NewAnswer => "新建标准答复", "New answer";
    EditAnswer => "修改标准答复", "Edit answer";
    EditThisAnswer => "修改", "Edit";
    AnswerSearchPlaceholder => "顾客怎么说：如 刹车抖、胎压灯亮、brake shudder", "What the customer says: e.g. brake shudder, 胎压灯亮";
    AnyCategory => "所有类别", "Any category";
    AllModels => "所有车型（留空）；多个车型用逗号分开", "Every model (leave empty); separate several with commas";
    AnswersFound => "显示 {} 条，共找到 {} 条（本机共 {} 条）", "Showing {} of {} found ({} on this device)";
    NoAnswerFound => "没有找到匹配的标准答复：换个说法，或减少筛选条件", "No standard answer matches: try other words, or fewer filters";
    NoAnswersYet => "本机还没有标准答复：联网同步后即可离线查询", "No standard answers on this device yet: they arrive with the next sync, then work offline";
    AnswerVersion => "第 {} 版 · {} · {}", "version {} · {} · {}";
    TimesUsed => "已采用 {} 次", "used {} times";
    VersionN => "第 {} 版", "version {}";
    AnswerTitle => "标题", "Title";
    AnswerKeywords => "顾客的说法（关键词）", "The problem in the customer's words (keywords)";
    AnswerText => "标准答复", "The answer";
    AnswerSteps => "电话中可让顾客尝试的步骤", "Steps to try on the phone";
    AnswerModels => "适用车型", "Vehicle models";
    OnePerLine => "每行一条", "One per line";
    Audience => "适用范围", "Written for";
    AudienceAll => "所有维修站", "Every branch";
    AudienceRegion => "{} 区域的所有维修站", "Every branch of region {}";
    AudienceBranch => "维修站 {}", "Branch {}";
    AnswerTitleRule => "请填写标题（最多 120 字）", "Write a title (at most 120 characters)";
    AnswerTextRule => "请填写答复内容（最多 4000 字）", "Write the answer (at most 4000 characters)";
    AnswerKeywordsRule => "关键词最多 20 条，每条最多 40 字", "At most 20 keywords of up to 40 characters each";
    AnswerStepsRule => "步骤最多 15 条，每条最多 300 字", "At most 15 steps of up to 300 characters each";
    AnswerModelsRule => "车型最多 20 个，每个最多 60 字", "At most 20 models of up to 60 characters each";
    AnswerInvalid => "这条答复有不被接受的内容", "Something in this answer is not accepted";
    AnswerNotFound => "本机没有这条标准答复", "This standard answer is not on this device";
    SuggestedAnswers => "可用的标准答复", "Standard answers that may help";
    UseThisAnswer => "已采用此答复", "Used this answer";
    UsedAgain => "已采用（再次记录）", "Used (record again)";
    SearchAllAnswers => "查询全部标准答复", "Search all standard answers";
    TeachingCase => "教学案例", "Teaching case";
    CaseBackground => "投诉产生的背景", "How it arose";
    CaseHandling => "处理过程与结果", "How it was handled";
    CaseAnalysis => "原因分析：问题发生环节", "Analysis: where in the service process";
    CaseLesson => "经验教训", "The lesson";
    RelatedCases => "相关案例：", "Related cases: ";
    CaseTextRule => "请填写背景和处理过程（各最多 4000 字）", "Write how it arose and how it was handled (at most 4000 characters each)";
    MakeCase => "整理为教学案例", "Write up as a teaching case";
    MakeCaseHint => "顾客姓名、电话、车牌和VIN会自动隐去", "The customer's name, phone, plate and VIN are left out automatically";
    ReadOnlyAnswer => "您可以查询和采用这条答复，修改由站长及以上负责。", "You can search and use this; managers change it.";

    // The admin page (people and devices; online only).
    DeviceRevoked => "管理员已将本设备退出登录，本机上的数据已删除。", "An administrator signed this device out; its data was removed from it.";
    AdminLink => "人员", "People";
    AdminTitle => "人员与设备", "People and devices";
    AdminNeedsConnection => "人员与设备管理需要网络连接。恢复连接后自动加载；应用的其他部分照常离线可用。",
        "Managing people and devices needs a connection. It loads when the connection returns; the rest of the app works offline as usual.";
    AdminUsers => "用户", "Users";
    AdminName => "姓名", "Name";
    AdminRole => "角色", "Role";
    AdminPlace => "网点/区域", "Branch / region";
    AdminStatus => "状态", "Status";
    AdminDevices => "设备", "Devices";
    AdminActive => "启用", "Active";
    AdminDisabledState => "已停用", "Disabled";
    AdminDisable => "停用", "Disable";
    AdminEnable => "启用", "Enable";
    AdminApply => "保存角色和网点", "Save role and branch";
    AdminResetPassword => "重置密码", "Reset password";
    AdminResetConfirm => "为 {} 生成新密码？其在所有设备上的登录都将失效。", "Give {} a new password? They are signed out on every device.";
    AdminPasswordFor => "{} 的新密码", "New password of {}";
    AdminShownOnce => "只显示这一次：请现在记下并当面交给本人。关闭后无法再查看。", "Shown only once: note it now and hand it over in person. It cannot be seen again once closed.";
    AdminRevoke => "撤销", "Revoke";
    AdminRevokeConfirm => "撤销设备 {}？该设备将退出登录，下次联网时其上的数据会被删除，尚未发送的修改将丢失。",
        "Revoke device {}? It is signed out, its data is removed at its next connection, and changes it has not sent are lost.";
    AdminRevokedState => "已撤销", "revoked";
    AdminLastContact => "最近联系 {}", "last contact {}";
    AdminNoContact => "尚无联系", "no contact yet";
    AdminNoDevices => "无设备", "no devices";
    AdminAddUser => "添加用户", "Add user";
    AdminAdd => "添加", "Add";
    AdminDisplayName => "显示名称", "Display name";
    AdminRegions => "区域", "Regions";
    AdminBranches => "网点", "Branches";
    AdminCode => "代码", "Code";
    AdminPlaceName => "名称", "Name";
    AdminRegion => "所属区域", "Region";
    AdminAddRegion => "添加区域", "Add region";
    AdminAddBranch => "添加网点", "Add branch";
    AdminYou => "（本人）", " (you)";
    AdminOffline => "无法连接服务器：此操作需要网络连接", "Cannot reach the server: this needs a connection";
    AdminForbidden => "您的角色不能进行此操作", "Your role may not do this";
    AdminGone => "找不到该用户或设备（或不在您的管理范围内）", "No such user or device (or not yours to manage)";
    AdminUsernameRule => "用户名须为 1–100 个字符、不含空格，且未被占用", "The username must be 1–100 characters without spaces, and not already taken";
    AdminNameRule => "显示名称须为 1–100 个字符", "The display name must be 1–100 characters";
    AdminRoleRule => "请选择角色", "Choose a role";
    AdminBranchRule => "请为服务人员和站长选择网点；区域经理和管理员不属于网点", "Choose a branch for staff and branch managers; regional managers and administrators have none";
    AdminRegionRule => "请为区域经理选择区域", "Choose a region for a regional manager";
    AdminCodeRule => "代码须为 1–32 个字母、数字、- 或 _，且未被占用", "The code must be 1–32 letters, digits, - or _, and not already used";
    AdminPlaceNameRule => "名称须为 1–100 个字符", "The name must be 1–100 characters";
    AdminInvalid => "服务器拒绝了输入：{}", "The server refused the input: {}";
    AdminServerError => "服务器出错（{}），请稍后再试", "The server had a problem ({}); please try again later";
}

impl Text {
    /// The text in `lang` with each `{}` replaced by the next of `values`.
    pub fn fill(self, lang: Lang, values: &[&dyn Display]) -> String {
        let template = self.get(lang);
        let mut out = String::with_capacity(template.len() + 16);
        let mut values = values.iter();
        let mut rest = template;
        while let Some(at) = rest.find("{}") {
            out.push_str(&rest[..at]);
            if let Some(v) = values.next() {
                out.push_str(&v.to_string());
            }
            rest = &rest[at + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// `text` in the current language, as a view or attribute that follows it.
pub fn tr(lang: RwSignal<Lang>, text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync {
    move || text.get(lang.get())
}

/// One of a (Chinese, English) pair the shared crate keeps (the major
/// criteria, the steps).
pub fn pair(lang: Lang, (zh, en): (&'static str, &'static str)) -> &'static str {
    lang.pick(zh, en)
}

/// The `lang` attribute of the language switch: the language its label is in.
pub fn switch_tag(lang: Lang) -> &'static str {
    lang.pick(Lang::En.tag(), Lang::Zh.tag())
}

/// The language the switch switches to.
pub fn other_language(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// A customer's answer as the user reads it.
pub fn yes_no(satisfied: bool, lang: Lang) -> &'static str {
    if satisfied {
        Text::Yes.get(lang)
    } else {
        Text::No.get(lang)
    }
}

/// "符合条件 1, 5".
pub fn criteria_list(criteria: &[u8], lang: Lang) -> String {
    let list: Vec<String> = criteria.iter().map(u8::to_string).collect();
    Text::CriteriaList.fill(lang, &[&list.join(", ")])
}

/// Why the last sync failed, in terms the user can act on.
pub fn sync_problem(problem: &SyncProblem, lang: Lang) -> String {
    match problem {
        SyncProblem::Unreachable => Text::SyncUnreachable.get(lang).into(),
        SyncProblem::Server(code) => Text::SyncServer.fill(lang, &[code]),
        SyncProblem::Storage => Text::SyncStorage.get(lang).into(),
        SyncProblem::StorageFull => Text::SyncStorageFull.get(lang).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser with the other wasm tests (scripts/test), so the test
    // command never compiles Leptos natively just for these.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_text_exists_in_both_languages() {
        for &text in Text::ALL {
            for lang in Lang::ALL {
                assert!(!text.get(lang).trim().is_empty(), "{text:?} in {lang:?}");
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_places() {
        for &text in Text::ALL {
            let (zh, en) = (text.get(Lang::Zh), text.get(Lang::En));
            assert_eq!(
                zh.matches("{}").count(),
                en.matches("{}").count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn values_are_written_once_and_never_read_as_templates() {
        assert_eq!(
            Text::SavedComplaint.fill(Lang::Zh, &[&"BJ01-1", &"{}{name}"]),
            "已保存投诉 BJ01-1（{}{name}）"
        );
        assert_eq!(Text::ListCount.fill(Lang::En, &[&3]), "3 complaints");
        // Missing values leave the place empty rather than failing.
        assert_eq!(Text::ListCount.fill(Lang::Zh, &[]), "共  条");
    }
}
