//! Small reusable views.

mod complaint_form;
mod draft;
mod handling;
mod record_sync;
mod sync_bar;
mod topbar;

pub use complaint_form::{ComplaintFormView, FormSection};
pub use draft::{DraftStatus, FormDraft, FormNotice, NoticeKind, SaveButton};
pub(crate) use handling::tapped;
pub use handling::{
    clock_html, code_labels, control_value, esc, follow_link, options_html, HandlingPanel,
    IntakeAlerts, RiskAndVehicle,
};
pub use record_sync::{show_value, use_record_state, RecordHistory, RecordSyncPanel};
pub use sync_bar::SyncBar;
pub use topbar::TopBar;

use complaints_domain::{Labelled, Status};
use leptos::prelude::*;

use crate::state::use_app_state;

/// A complaint's status as a coloured badge (`badge--<code>`).
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    let state = use_app_state();
    view! {
        <span class=format!("badge badge--{}", status.as_str())>
            {move || status.label(state.lang.get())}
        </span>
    }
}
