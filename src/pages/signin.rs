//! The sign-in page, shown instead of the app while there is no valid
//! session: why it shows (expired, signed out…), the form, and what went
//! wrong in the user's words. Drawn as escaped HTML with one handler, like
//! the other panels: every button is a submit button, and the one pressed
//! says what to do. A redraw keeps the username typed (not the password).

use complaints_domain::session::SignInNotice;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::components::{control_value, esc};
use crate::i18n::Text;
use crate::state::{use_app_state, Auth, Boot};

#[component]
pub fn SignInPage() -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let busy = RwSignal::new(false);
    // The username to show: the one typed last, else the device's owner.
    let typed = StoredValue::new(state.owner.get_value());

    let html = move || {
        let lang = lang.get();
        let why = state.auth.with(|a| match a {
            Auth::Out(why) => *why,
            Auth::In(_) => None,
        });
        let notice = match (state.boot.get(), busy.get(), why) {
            (Boot::Loading, ..) => return String::new(),
            (Boot::Failed(_), ..) => format!(
                r#"<p class="notice notice--error signin-error" role="alert">{}</p>"#,
                Text::StorageFailed.get(lang)
            ),
            (_, true, _) => format!(
                r#"<p class="notice notice--info" role="status">{}</p>"#,
                lang.pick("正在处理…", "Working…")
            ),
            (_, _, Some(n)) if n.is_error() => format!(
                r#"<p class="notice notice--error signin-error" role="alert">{}</p>"#,
                esc(&n.message(lang))
            ),
            (_, _, Some(n)) => format!(
                r#"<p class="notice notice--warn signin-notice" role="status" data-notice="{}">{}</p>"#,
                match n {
                    SignInNotice::Expired => "expired",
                    SignInNotice::SignedOut => "signed-out",
                    _ => "ended",
                },
                esc(&n.message(lang))
            ),
            _ => String::new(),
        };
        let body = format!(
            r#"<label class="field"><span class="field__label">{}</span><input class="field__control" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{}"></label><label class="field"><span class="field__label">{}</span><input class="field__control" name="password" type="password" autocomplete="current-password" required></label><button type="submit" class="btn btn--primary signin__submit">{}</button><p class="signin__hint">{}</p>"#,
            lang.pick("用户名", "Username"),
            typed.with_value(|t| esc(t)),
            lang.pick("密码", "Password"),
            lang.pick("登录", "Sign in"),
            lang.pick(
                "首次在本设备上登录需要网络连接；之后无网络也能打开，直到登录到期。",
                "The first sign-in on a device needs a network connection; after that the app opens offline until the session expires."
            ),
        );
        let (class, net) = if state.online.get() {
            ("net-badge--online", Text::Online)
        } else {
            ("net-badge--offline", Text::Offline)
        };
        format!(
            r#"<div class="signin__card" data-testid="signin"><h1 class="signin__title">{}</h1>{notice}{body}<div class="signin__foot"><span class="net-badge {class}" role="status" data-testid="net-status">{}</span><button class="btn" type="submit" formnovalidate data-lang>{}</button></div></div>"#,
            Text::AppName.get(lang),
            net.get(lang),
            Text::LanguageSwitch.get(lang)
        )
    };

    // Every button is a submit button; the language one switches language.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        typed.set_value(control_value(&form, "username"));
        if ev.submitter().is_some_and(|b| b.has_attribute("data-lang")) {
            state.toggle_lang();
            return;
        }
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let password = control_value(&form, "password");
        spawn_local(async move {
            let username = typed.get_value();
            if let Err(n) = state.sign_in(&username, &password).await {
                state.auth.set(Auth::Out(Some(n)));
            }
            busy.set(false);
        });
    };

    view! { <form class="signin" on:submit=on_submit inner_html={Signal::derive(html)}></form> }
}
