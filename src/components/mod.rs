//! Reusable views: the bars on every page, the complaint form and its
//! draft, the handling process, a record's sync situation, small marks.

pub mod badges;
mod complaint_form;
mod draft;
mod evidence;
mod handling;
mod record_sync;
mod suggestions;
mod sync_bar;
mod topbar;

pub use badges::StatusBadge;
pub use complaint_form::{code_labels, options, ComplaintFormView, FormSection};
pub use draft::{DraftStatus, FormDraft, FormNotice, NoticeKind, SaveButton};
pub use evidence::EvidencePanel;
pub use handling::{HandlingPanel, IntakeAlerts, RiskAndVehicle};
pub use record_sync::{
    show_value, use_record_state, AnswerConflicts, RecordHistory, RecordSyncPanel, RefusedChanges,
};
pub use suggestions::SuggestedAnswers;
pub use sync_bar::SyncBar;
pub use topbar::{LangSwitch, NetBadge, TopBar};
