//! The sign-in page, shown instead of the app while there is no valid
//! session: why it shows (expired, signed out…), the form, and what went
//! wrong in the user's words. The two fields are bound to signals and never
//! re-created: the connection coming and going, a language switch or a
//! failed attempt leave what was typed where it was.

use complaints_domain::session::SignInNotice;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{LangSwitch, NetBadge};
use crate::i18n::{tr, Text};
use crate::state::{use_app_state, Auth, Boot};

#[component]
pub fn SignInPage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let busy = RwSignal::new(false);
    // The device's owner is offered as the user name.
    let username = RwSignal::new(state.owner.get_value());
    let password = RwSignal::new(String::new());

    let why = move || {
        state.auth.with(|a| match a {
            Auth::Out(why) => *why,
            Auth::In(_) => None,
        })
    };
    let notice = move || {
        let lang = lang.get();
        match (state.boot.get(), busy.get(), why()) {
            (Boot::Failed(_), ..) => Some(view! {
                <p class="notice notice--error signin-error" role="alert">{Text::StorageFailed.get(lang)}</p>
            }
            .into_any()),
            (_, true, _) => Some(view! {
                <p class="notice notice--info" role="status">{Text::Working.get(lang)}</p>
            }
            .into_any()),
            (_, false, _) if state.device_revoked.get() => Some(view! {
                <p class="notice notice--warn signin-notice" role="status" data-notice="device-revoked"
                    data-testid="device-revoked">{Text::DeviceRevoked.get(lang)}</p>
            }
            .into_any()),
            (_, _, Some(n)) if n.is_error() => Some(view! {
                <p class="notice notice--error signin-error" role="alert">{n.message(lang)}</p>
            }
            .into_any()),
            (_, _, Some(n)) => {
                let kind = match n {
                    SignInNotice::Expired => "expired",
                    SignInNotice::SignedOut => "signed-out",
                    _ => "ended",
                };
                Some(view! {
                    <p class="notice notice--warn signin-notice" role="status" data-notice=kind>{n.message(lang)}</p>
                }
                .into_any())
            }
            _ => None,
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || state.boot.get_untracked() != Boot::Ready {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let (name, secret) = (username.get_untracked(), password.get_untracked());
            if let Err(n) = state.sign_in(&name, &secret).await {
                state.auth.set(Auth::Out(Some(n)));
            }
            busy.set(false);
        });
    };

    view! {
        <form class="signin" on:submit=on_submit>
            <div class="signin__card" data-testid="signin">
                <h1 class="signin__title">{tr(lang, Text::AppName)}</h1>
                {notice}
                <label class="field">
                    <span class="field__label">{tr(lang, Text::Username)}</span>
                    <input class="field__control" name="username" autocomplete="username" autocapitalize="none"
                        spellcheck="false" required bind:value=username/>
                </label>
                <label class="field">
                    <span class="field__label">{tr(lang, Text::Password)}</span>
                    <input class="field__control" name="password" type="password" autocomplete="current-password"
                        required bind:value=password/>
                </label>
                <button type="submit" class="btn btn--primary signin__submit" disabled=move || busy.get()>
                    {tr(lang, Text::SignIn)}
                </button>
                <p class="signin__hint">{tr(lang, Text::SignInHint)}</p>
                <div class="signin__foot">
                    <NetBadge/>
                    <LangSwitch class="btn"/>
                </div>
            </div>
        </form>
    }
}
