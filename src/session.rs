//! Signing in and out on this device, as services of [`AppState`].
//!
//! Signing in needs the server once; the session (its token, expiry, user
//! and scope) is then kept in IndexedDB and opens the app offline until it
//! expires (the decision is `Session::validity` in the shared crate).
//! Expiry and a token the server refuses only bring the sign-in page back:
//! the device's data and queued changes stay and go out once the same user
//! signs in again. A different user never sees them: they are asked first,
//! and the data is removed if they go on. Signing out sends what is queued,
//! warns of what could not be sent, and removes all data from the device.

use complaints_domain::session::{
    data_owner, other_user_warning, sign_out_warning, DataOwner, Session, SignInNotice,
};
use complaints_domain::store::ComplaintStore;
use complaints_domain::StoreError;

use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::platform;
use crate::state::{
    device_settings, AppState, DB_NAME, DEVICE_REVOKED, OWNER_SETTING, PERSISTED_SETTING,
    SESSION_SETTING, SIGNED_OUT,
};
use crate::store::IdbStore;
use crate::sync::{broadcast, SESSION_CHANGED};

fn notice_of(e: ApiError) -> SignInNotice {
    e.sign_in_notice()
}

impl AppState {
    /// Signs in. When the device holds another user's data, nothing is
    /// mixed: the user is asked (with the count of unsent changes that would
    /// be lost) whether to remove it first; if not, nothing changes.
    pub async fn sign_in(self, username: &str, password: &str) -> Result<(), SignInNotice> {
        let (session, text) = api::login(
            username.trim(),
            password,
            &self.device_id(),
            &self.device_key(),
        )
        .await
        .map_err(notice_of)?;
        let store = self.store_handle().ok_or(SignInNotice::Storage)?;
        let unsent = store.outbox().await.map(|o| o.len()).unwrap_or(0);
        let holds = unsent > 0 || self.complaints.with_untracked(|c| !c.is_empty());
        let owner = self.owner.get_value();
        let owner = Some(owner.as_str()).filter(|o| !o.is_empty());
        if let DataOwner::Other(owner) = data_owner(owner, &session.user.username, holds) {
            let lang = self.lang.get_untracked();
            let question = other_user_warning(&owner, &session.user.username, unsent, lang);
            if !platform::confirm(&question) {
                // Given back: this sign-in is not used.
                let _ = api::logout(&session.token).await;
                return Ok(());
            }
            // The other user's data goes; the device keeps its identity (the
            // new session belongs to it), its clock and its counters.
            if let Err(e) = store.clear_user_data(&device_settings()).await {
                platform::log_error("removing the other user's data failed", &e.to_string());
                return Err(SignInNotice::Storage);
            }
        }
        self.start_session(session, &text).await
    }

    /// Keeps the session on the device (with whose data the device now
    /// holds, and the clock's offset from the server's) and starts the app
    /// again with it: the page reloads, as does every other tab.
    async fn start_session(self, session: Session, text: &str) -> Result<(), SignInNotice> {
        let engine = self.engine().ok_or(SignInNotice::Storage)?;
        // The server's time: the offset, the clock brought back within the
        // server's allowance, the latest time seen (a clock that ran ahead
        // before, or a stamp from the future, cannot end this session).
        if let Err(e) = engine.observe_server_time(session.server_time).await {
            platform::log_error("the server's time could not be kept", &e.to_string());
            return Err(SignInNotice::Storage);
        }
        // The device's data is worth keeping under storage pressure: asked
        // at every sign-in (the browser may grant it later), the answer kept.
        let persisted = platform::request_persistent_storage().await;
        platform::log_info(
            "storage persistence",
            match persisted {
                Some(true) => "granted (kept when storage runs low)",
                Some(false) => "not granted (may be evicted when storage runs low)",
                None => "not available in this browser",
            },
        );
        let mut entries = vec![
            (SESSION_SETTING, text.to_string()),
            (
                OWNER_SETTING,
                serde_json::Value::from(session.user.username).to_string(),
            ),
        ];
        if let Some(granted) = persisted {
            entries.push((PERSISTED_SETTING, granted.to_string()));
        }
        let store = self.store_handle().ok_or(SignInNotice::Storage)?;
        if let Err(e) = store.set_settings_text(&entries).await {
            platform::log_error("the session could not be kept", &e.to_string());
            return Err(SignInNotice::Storage);
        }
        broadcast(SESSION_CHANGED);
        platform::reload();
        Ok(())
    }

    /// Signs out: first sends what is queued; when some changes could not
    /// be sent, says how many will be lost and goes on only if the user
    /// confirms. Then tells the server (if it can be reached), removes all
    /// data from the device and shows the sign-in page.
    pub async fn sign_out(self) {
        if self.scheduler.with_value(|s| s.signing_out) {
            return;
        }
        self.scheduler.update_value(|s| s.signing_out = true);
        // A sync already running finishes first; then one more sends the rest.
        for _ in 0..600 {
            if !self.sync.running.get_untracked() {
                break;
            }
            platform::sleep(100).await;
        }
        if self.online.get_untracked() {
            self.sync_now().await;
        }
        let unsent = match self.store_handle() {
            Some(store) => store.outbox().await.map(|o| o.len()).unwrap_or(0),
            None => 0,
        };
        if unsent == 0 || platform::confirm(&sign_out_warning(unsent, self.lang.get_untracked())) {
            let mut revoke_later = None;
            if let Some(token) = self.token() {
                match api::logout(&token).await {
                    // Revoked, or no longer valid anyway.
                    Ok(()) | Err(ApiError::Status { status: 401, .. }) => {}
                    // Offline, or the server failed: revoked at the next
                    // contact (the token is kept on the device for that).
                    Err(e) => {
                        platform::log_error("logout not confirmed by the server", &e.to_string());
                        revoke_later = Some(token);
                    }
                }
            }
            if let Err(e) = self.wipe(revoke_later.as_deref()).await {
                platform::log_error("removing the device's data failed", &e.to_string());
                self.end_session(SignInNotice::Storage);
            }
        }
        self.scheduler.update_value(|s| s.signing_out = false);
    }

    /// Removes all data from the device and starts the app again (on the
    /// sign-in page, which says so): the IndexedDB database — complaints,
    /// sync states, the queue, drafts, settings, the session, the device's
    /// id — is deleted. Other tabs close their connection and start again.
    /// The app shell cached by the service worker holds no data and stays.
    /// `revoke` is a token the server could not be told of: the one thing
    /// the new, empty database keeps, to revoke it at the next contact.
    pub(crate) async fn wipe(self, revoke: Option<&str>) -> Result<(), StoreError> {
        self.wipe_marked(revoke, SIGNED_OUT).await
    }

    /// The server said an administrator revoked this device (`401
    /// device_revoked`): its data is removed at once, as at sign-out, and
    /// the sign-in page says why. Changes still queued are lost: the server
    /// takes nothing more from this device.
    pub(crate) async fn device_revoked(self) {
        platform::log_error("device revoked by an administrator", "removing its data");
        if let Err(e) = self.wipe_marked(None, DEVICE_REVOKED).await {
            platform::log_error("removing the device's data failed", &e.to_string());
            self.end_session(SignInNotice::Ended);
        }
    }

    /// [`AppState::wipe`], restarting with `mark`.
    async fn wipe_marked(self, revoke: Option<&str>, mark: &str) -> Result<(), StoreError> {
        self.cancel_sync();
        broadcast(SESSION_CHANGED);
        if let Some(store) = self.store_handle() {
            store.close_connection();
        }
        IdbStore::delete_database(DB_NAME).await?;
        if let Some(token) = revoke {
            // Best effort: if this fails, the token expires on the server.
            let kept = match IdbStore::open(DB_NAME).await {
                Ok(fresh) => {
                    let kept = complaints_client::settings::revoke_later(&fresh, token).await;
                    fresh.close();
                    kept
                }
                Err(e) => Err(e),
            };
            if let Err(e) = kept {
                platform::log_error("the token to revoke could not be kept", &e.to_string());
            }
        }
        platform::restart(mark);
        Ok(())
    }
}
