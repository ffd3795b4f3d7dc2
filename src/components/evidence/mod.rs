//! Evidence on a complaint: photos, the customer's signature on the agreed
//! solution, and the visit's location. Every part is a `view!` whose
//! controls are made once: a sync, an upload's progress or a language switch
//! never takes away a caption being typed or a signature being drawn.

mod location;
mod photos;
mod signature;

use complaints_domain::Complaint;
use leptos::prelude::*;

use crate::i18n::{tr, Text};
use crate::state::use_app_state;

use location::LocationSection;
use photos::PhotoSection;
use signature::SignatureSection;

/// The evidence of complaint `id`, read live from the app's list.
#[component]
pub fn EvidencePanel(id: String) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let current = {
        let id = id.clone();
        Memo::new(move |_| -> Option<Complaint> {
            state
                .complaints
                .with(|all| all.iter().find(|c| c.id == id).cloned())
        })
    };
    view! {
        <section class="evidence" data-testid="evidence">
            <h2 class="form-title">{tr(lang, Text::Evidence)}</h2>
            <div class="evidence__cols">
                <PhotoSection id=id.clone() current/>
                <div class="evidence__side">
                    <SignatureSection id=id.clone() current/>
                    <LocationSection id current/>
                </div>
            </div>
        </section>
    }
}
