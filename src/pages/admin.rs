//! People and devices, for administrators and branch managers: the users
//! in their reach with their devices (last contact, revoke), a form to add
//! a user, and per user: enable/disable, role and branch, a new password.
//! Administrators also add regions and branches. The server checks every
//! action (module `admin` of the server); this page only offers what the
//! role may do.
//!
//! Online only: nothing of it is kept on the device. Offline, the page says
//! it needs a connection and loads when the connection returns. A new
//! password is shown once, in a marked box, until it is closed.

use complaints_domain::access::Role;
use complaints_domain::{Labelled, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api::{self, AdminDevice, AdminUser, ApiError, Network, DEVICE_REVOKED_CODE};
use crate::i18n::{tr, Text};
use crate::platform;
use crate::state::{use_app_state, AppState};

/// A refusal in the user's words.
fn refusal(error: &ApiError, lang: Lang) -> String {
    match error {
        ApiError::Unreachable(_) => Text::AdminOffline.get(lang).into(),
        ApiError::Status { status: 403, .. } => Text::AdminForbidden.get(lang).into(),
        ApiError::Status { status: 404, .. } => Text::AdminGone.get(lang).into(),
        ApiError::Status {
            status: 400,
            message,
            ..
        } => {
            // The server names the field first, in backticks.
            let field = message.split('`').nth(1).unwrap_or_default();
            let rule = match field {
                "username" => Text::AdminUsernameRule,
                "display_name" => Text::AdminNameRule,
                "role" => Text::AdminRoleRule,
                "branch_code" => Text::AdminBranchRule,
                "region_code" => Text::AdminRegionRule,
                "code" => Text::AdminCodeRule,
                "name" => Text::AdminPlaceNameRule,
                _ => return Text::AdminInvalid.fill(lang, &[message]),
            };
            rule.get(lang).into()
        }
        ApiError::Status { status, .. } => Text::AdminServerError.fill(lang, &[status]),
        ApiError::RateLimited(_) => Text::AdminServerError.fill(lang, &[&429]),
        ApiError::Decode(_) => Text::AdminServerError.fill(lang, &[&200]),
    }
}

/// What a refused call means for the session: a revoked device removes its
/// data, another `401` ends the session; `true` when the page goes on.
fn session_goes_on(state: AppState, error: &ApiError) -> bool {
    match error {
        ApiError::Status { code, .. } if code == DEVICE_REVOKED_CODE => {
            spawn_local(state.device_revoked());
            false
        }
        ApiError::Status {
            status: 401, code, ..
        } => {
            let why = complaints_domain::session::SignInNotice::from_auth_code(code)
                .unwrap_or(complaints_domain::session::SignInNotice::Ended);
            state.end_session(why);
            false
        }
        _ => true,
    }
}

/// The page's data, shared by its parts.
#[derive(Clone, Copy)]
struct Admin {
    state: AppState,
    users: RwSignal<Option<Vec<AdminUser>>>,
    network: RwSignal<Network>,
    /// A new password, shown once: (username, password).
    shown: RwSignal<Option<(String, String)>>,
    /// Why loading failed.
    failed: RwSignal<Option<String>>,
}

impl Admin {
    /// Reads the users and the network again.
    async fn load(self) {
        let Some(token) = self.state.token() else {
            return;
        };
        let lang = self.state.lang.get_untracked();
        let loaded = match api::admin_users(&token).await {
            Ok(users) => api::admin_network(&token)
                .await
                .map(|network| (users, network)),
            Err(e) => Err(e),
        };
        match loaded {
            Ok((users, network)) => {
                self.failed.set(None);
                self.network.set(network);
                self.users.set(Some(users));
            }
            Err(e) => {
                if session_goes_on(self.state, &e) {
                    self.failed.set(Some(refusal(&e, lang)));
                }
            }
        }
    }

    /// Runs `call` with the token; on success reloads, else puts the refusal
    /// in `error`.
    fn act<F, Fut, T>(
        self,
        error: RwSignal<Option<String>>,
        call: F,
        done: impl FnOnce(T) + 'static,
    ) where
        F: FnOnce(String) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<T, ApiError>> + 'static,
        T: 'static,
    {
        let Some(token) = self.state.token() else {
            return;
        };
        spawn_local(async move {
            match call(token).await {
                Ok(value) => {
                    error.set(None);
                    done(value);
                    self.load().await;
                }
                Err(e) => {
                    if session_goes_on(self.state, &e) {
                        error.set(Some(refusal(&e, self.state.lang.get_untracked())));
                    }
                }
            }
        });
    }

    /// Shows a new password in the box at the top of the page, scrolled to.
    fn show(self, username: String, password: String) {
        self.shown.set(Some((username, password)));
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    /// The signed-in user's role and username.
    fn me(self) -> (Option<Role>, String) {
        self.state.auth.with_untracked(|a| {
            a.session()
                .map(|s| (Some(s.user.role), s.user.username.clone()))
                .unwrap_or_default()
        })
    }

    /// The roles this user may give.
    fn roles(self) -> Vec<Role> {
        match self.me().0 {
            Some(Role::Admin) => Role::ALL.to_vec(),
            _ => vec![Role::Staff, Role::BranchManager],
        }
    }
}

/// The codes a role's place is chosen from: branches, regions or none.
fn places(network: &Network, role: &str) -> Vec<(String, String)> {
    let list = match Role::from_code(role) {
        Some(r) if r.needs_branch() => &network.branches,
        Some(r) if r.needs_region() => &network.regions,
        _ => return Vec::new(),
    };
    list.iter()
        .map(|p| (p.code.clone(), format!("{} {}", p.code, p.name)))
        .collect()
}

/// The JSON fields of a role and its place.
fn placement(role: &str, place: &str) -> (Option<String>, Option<String>) {
    let place = Some(place.to_string()).filter(|p| !p.is_empty());
    match Role::from_code(role) {
        Some(r) if r.needs_branch() => (place, None),
        Some(r) if r.needs_region() => (None, place),
        _ => (None, None),
    }
}

fn role_label(code: &str, lang: Lang) -> String {
    Role::from_code(code).map_or(code.to_string(), |r| r.label(lang).to_string())
}

fn error_view(error: RwSignal<Option<String>>, testid: &'static str) -> impl IntoView {
    move || {
        error.get().map(
            |m| view! { <p class="notice notice--error" role="alert" data-testid=testid>{m}</p> },
        )
    }
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let admin = Admin {
        state,
        users: RwSignal::new(None),
        network: RwSignal::new(Network::default()),
        shown: RwSignal::new(None),
        failed: RwSignal::new(None),
    };
    // Loads when online (now, or when the connection returns).
    Effect::new(move |_| {
        if state.online.get() && admin.users.with_untracked(Option::is_none) {
            spawn_local(admin.load());
        }
    });
    let is_admin = admin.me().0 == Some(Role::Admin);
    let body = move || {
        if admin.users.with(Option::is_none) {
            let text = if state.online.get() {
                admin
                    .failed
                    .get()
                    .unwrap_or_else(|| Text::Loading.get(lang.get()).into())
            } else {
                Text::AdminNeedsConnection.get(lang.get()).into()
            };
            return view! { <p class="notice notice--info" role="status" data-testid="admin-offline">{text}</p> }
                .into_any();
        }
        view! {
            <Shown admin/>
            <UsersTable admin/>
            <AddUser admin/>
            {is_admin.then(|| view! { <Places admin/> })}
        }
        .into_any()
    };
    view! {
        <h1 class="page-title">{tr(lang, Text::AdminTitle)}</h1>
        <Show when=move || !state.online.get() && admin.users.with(Option::is_some)>
            <p class="notice notice--warn" role="status" data-testid="admin-offline">{tr(lang, Text::AdminNeedsConnection)}</p>
        </Show>
        {body}
    }
}

/// The new password, once, in a marked box.
#[component]
fn Shown(admin: Admin) -> impl IntoView {
    let lang = admin.state.lang;
    move || {
        admin.shown.get().map(|(user, password)| {
            view! {
                <div class="card password-once" role="alert" data-testid="password-once">
                    <p><strong>{move || Text::AdminPasswordFor.fill(lang.get(), &[&user])}</strong></p>
                    <p class="password-once__value" data-testid="new-password">{password}</p>
                    <p class="field__hint">{tr(lang, Text::AdminShownOnce)}</p>
                    <button type="button" class="btn" on:click=move |_| admin.shown.set(None)>{tr(lang, Text::Close)}</button>
                </div>
            }
        })
    }
}

#[component]
fn UsersTable(admin: Admin) -> impl IntoView {
    let lang = admin.state.lang;
    let rows = move || admin.users.get().unwrap_or_default();
    view! {
        <h2>{tr(lang, Text::AdminUsers)}</h2>
        <div class="table-wrap">
            <table class="admin-users" data-testid="admin-users">
                <thead><tr>
                    <th>{tr(lang, Text::AdminName)}</th>
                    <th>{tr(lang, Text::AdminRole)}" / "{tr(lang, Text::AdminPlace)}</th>
                    <th>{tr(lang, Text::AdminStatus)}</th>
                    <th>{tr(lang, Text::AdminDevices)}</th>
                </tr></thead>
                <tbody>
                    <For each=rows key=|u| format!("{u:?}") let:user>
                        <UserRow admin user/>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UserRow(admin: Admin, user: AdminUser) -> impl IntoView {
    let lang = admin.state.lang;
    let error = RwSignal::new(None::<String>);
    let role = RwSignal::new(user.role.clone());
    let place = RwSignal::new(
        user.branch_code
            .clone()
            .or(user.region_code.clone())
            .unwrap_or_default(),
    );
    let (me_role, me) = admin.me();
    let myself = user.username == me;
    let username = StoredValue::new(user.username.clone());
    let disabled = user.disabled;
    let editable_role = !myself && (me_role == Some(Role::Admin) || user.role != "admin");
    let apply = move |_| {
        let (branch, region) = placement(&role.get_untracked(), &place.get_untracked());
        let changes =
            json!({"role": role.get_untracked(), "branch_code": branch, "region_code": region});
        let name = username.get_value();
        admin.act(
            error,
            move |t| async move { api::admin_edit_user(&t, &name, &changes).await },
            |_| {},
        );
    };
    let toggle = move |_| {
        let name = username.get_value();
        admin.act(
            error,
            move |t| async move {
                api::admin_edit_user(&t, &name, &json!({"disabled": !disabled})).await
            },
            |_| {},
        );
    };
    let reset = move |_| {
        let name = username.get_value();
        if !platform::confirm(&Text::AdminResetConfirm.fill(lang.get_untracked(), &[&name])) {
            return;
        }
        let who = name.clone();
        admin.act(
            error,
            move |t| async move { api::admin_new_password(&t, &name).await },
            move |password| admin.show(who, password),
        );
    };
    let role_options = admin
        .roles()
        .into_iter()
        .map(|r| {
            let code = r.as_str();
            view! { <option value=code selected=move || role.with(|v| v == code)>{move || r.label(lang.get())}</option> }
        })
        .collect_view();
    let place_options = move || {
        let current = place.get_untracked();
        admin
            .network
            .with(|n| places(n, &role.get()))
            .into_iter()
            .map(|(code, label)| {
                let selected = code == current;
                view! { <option value=code selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let devices = user.devices.clone();
    view! {
        <tr data-testid="admin-user" data-username=user.username.clone() class:row--disabled=disabled>
            <td>
                <strong>{user.display_name.clone()}</strong>
                {myself.then(|| tr(lang, Text::AdminYou))}
                <br/><span class="muted">{user.username.clone()}</span>
            </td>
            <td>
                {if editable_role {
                    view! {
                        <select class="field__control" name="role" data-testid="user-role"
                            on:change=move |ev| { role.set(event_target_value(&ev)); place.set(String::new()); }>
                            {role_options}
                        </select>
                        <select class="field__control" name="place" data-testid="user-place"
                            on:change=move |ev| place.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {place_options}
                        </select>
                        <button type="button" class="btn" data-testid="user-apply" on:click=apply>{tr(lang, Text::AdminApply)}</button>
                    }
                    .into_any()
                } else {
                    let home = user.branch_code.clone().or(user.region_code.clone());
                    let role = role_label(&user.role, lang.get_untracked());
                    let text = home.map_or(role.clone(), |h| format!("{role} · {h}"));
                    view! { <span>{text}</span> }.into_any()
                }}
                {error_view(error, "user-error")}
            </td>
            <td>
                <span data-testid="user-status">{tr(lang, if disabled { Text::AdminDisabledState } else { Text::AdminActive })}</span>
                {(!myself).then(|| view! {
                    <button type="button" class="btn" data-testid="user-toggle" on:click=toggle>
                        {tr(lang, if disabled { Text::AdminEnable } else { Text::AdminDisable })}
                    </button>
                    <button type="button" class="btn" data-testid="user-reset" on:click=reset>
                        {tr(lang, Text::AdminResetPassword)}
                    </button>
                })}
            </td>
            <td>
                {if devices.is_empty() {
                    view! { <span class="muted">{tr(lang, Text::AdminNoDevices)}</span> }.into_any()
                } else {
                    view! { <ul class="admin-devices">{devices.into_iter().map(|d| view! { <DeviceItem admin device=d error/> }).collect_view()}</ul> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn DeviceItem(admin: Admin, device: AdminDevice, error: RwSignal<Option<String>>) -> impl IntoView {
    let lang = admin.state.lang;
    let contact = device
        .last_contact
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| platform::local_time(t.with_timezone(&chrono::Utc)));
    let id = StoredValue::new(device.device.clone());
    let revoke = move |_| {
        let device = id.get_value();
        if !platform::confirm(&Text::AdminRevokeConfirm.fill(lang.get_untracked(), &[&device])) {
            return;
        }
        admin.act(
            error,
            move |t| async move { api::admin_revoke_device(&t, &device).await },
            |_| {},
        );
    };
    let revoked = device.revoked;
    // This device's own: revoking it would remove the admin's own data.
    let own = device.device == admin.state.device_id();
    view! {
        <li data-testid="admin-device" data-device=device.device.clone()>
            <code>{device.device.clone()}</code>" · "
            {move || match &contact {
                Some(at) => Text::AdminLastContact.fill(lang.get(), &[at]),
                None => Text::AdminNoContact.get(lang.get()).into(),
            }}
            {if revoked {
                view! { " · "<strong data-testid="device-revoked-state">{tr(lang, Text::AdminRevokedState)}</strong> }.into_any()
            } else if own {
                view! { " · "{tr(lang, Text::ThisDevice)} }.into_any()
            } else {
                view! { " "<button type="button" class="btn btn--danger" data-testid="device-revoke" on:click=revoke>{tr(lang, Text::AdminRevoke)}</button> }.into_any()
            }}
        </li>
    }
}

#[component]
fn AddUser(admin: Admin) -> impl IntoView {
    let lang = admin.state.lang;
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(String::from("staff"));
    let place = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (branch, region) = placement(&role.get_untracked(), &place.get_untracked());
        let user = username.get_untracked().trim().to_string();
        let body = json!({"username": user, "display_name": name.get_untracked(),
            "role": role.get_untracked(), "branch_code": branch, "region_code": region});
        busy.set(true);
        admin.act(
            error,
            move |t| async move {
                let done = api::admin_add_user(&t, &body).await;
                busy.set(false);
                done
            },
            move |password| {
                admin.show(user, password);
                username.set(String::new());
                name.set(String::new());
            },
        );
    };
    let role_options = admin
        .roles()
        .into_iter()
        .map(|r| {
            let code = r.as_str();
            view! { <option value=code selected=move || role.with(|v| v == code)>{move || r.label(lang.get())}</option> }
        })
        .collect_view();
    let place_options = move || {
        admin.network.with(|n| places(n, &role.get()))
            .into_iter()
            .map(|(code, label)| {
                let value = code.clone();
                view! { <option value=code selected=move || place.with(|p| *p == value)>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <h2>{tr(lang, Text::AdminAddUser)}</h2>
        <form class="card admin-form" data-testid="add-user" novalidate on:submit=submit>
            {error_view(error, "add-user-error")}
            <label class="field">
                <span class="field__label">{tr(lang, Text::Username)}</span>
                <input class="field__control" name="username" autocomplete="off" autocapitalize="none"
                    spellcheck="false" bind:value=username/>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::AdminDisplayName)}</span>
                <input class="field__control" name="display_name" autocomplete="off" bind:value=name/>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::AdminRole)}</span>
                <select class="field__control" name="role"
                    on:change=move |ev| { role.set(event_target_value(&ev)); place.set(String::new()); }>
                    {role_options}
                </select>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::AdminPlace)}</span>
                <select class="field__control" name="place" on:change=move |ev| place.set(event_target_value(&ev))>
                    <option value="" selected=move || place.with(String::is_empty)>"—"</option>
                    {place_options}
                </select>
            </label>
            <div class="admin-form__actions">
                <button type="submit" class="btn btn--primary" data-testid="add-user-submit"
                    disabled=move || busy.get()>{tr(lang, Text::AdminAdd)}</button>
            </div>
        </form>
    }
}

/// Regions and branches, with forms to add them (administrators).
#[component]
fn Places(admin: Admin) -> impl IntoView {
    let lang = admin.state.lang;
    let list = move |branches: bool| {
        admin.network.with(|n| {
            let places = if branches { &n.branches } else { &n.regions };
            places
                .iter()
                .map(|p| {
                    let region = p.region_code.clone().map(|r| format!(" · {r}"));
                    view! { <li><code>{p.code.clone()}</code>" "{p.name.clone()}{region}</li> }
                })
                .collect_view()
        })
    };
    view! {
        <h2>{tr(lang, Text::AdminRegions)}</h2>
        <ul class="admin-places" data-testid="admin-regions">{move || list(false)}</ul>
        <AddPlace admin branch=false/>
        <h2>{tr(lang, Text::AdminBranches)}</h2>
        <ul class="admin-places" data-testid="admin-branches">{move || list(true)}</ul>
        <AddPlace admin branch=true/>
    }
}

#[component]
fn AddPlace(admin: Admin, branch: bool) -> impl IntoView {
    let lang = admin.state.lang;
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut body = json!({"code": code.get_untracked().trim(), "name": name.get_untracked()});
        if branch {
            body["region_code"] = json!(region.get_untracked());
        }
        admin.act(
            error,
            move |t| async move { api::admin_add_place(&t, branch, &body).await },
            move |_| {
                code.set(String::new());
                name.set(String::new());
            },
        );
    };
    let regions = move || {
        admin.network.with(|n| {
            n.regions
                .iter()
                .map(|p| {
                    let value = p.code.clone();
                    view! { <option value=p.code.clone() selected=move || region.with(|r| *r == value)>{format!("{} {}", p.code, p.name)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <form class="card admin-form" data-testid=if branch { "add-branch" } else { "add-region" } novalidate on:submit=submit>
            {error_view(error, "add-place-error")}
            <label class="field">
                <span class="field__label">{tr(lang, Text::AdminCode)}</span>
                <input class="field__control" name="code" autocomplete="off" bind:value=code/>
            </label>
            <label class="field">
                <span class="field__label">{tr(lang, Text::AdminPlaceName)}</span>
                <input class="field__control" name="name" autocomplete="off" bind:value=name/>
            </label>
            {branch.then(|| view! {
                <label class="field">
                    <span class="field__label">{tr(lang, Text::AdminRegion)}</span>
                    <select class="field__control" name="region" on:change=move |ev| region.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {regions}
                    </select>
                </label>
            })}
            <div class="admin-form__actions">
                <button type="submit" class="btn btn--primary">
                    {tr(lang, if branch { Text::AdminAddBranch } else { Text::AdminAddRegion })}
                </button>
            </div>
        </form>
    }
}
