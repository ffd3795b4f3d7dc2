//! Photos: the limits before they are hit, taking or choosing one (kept on
//! the device, uploaded on its own), the list with thumbnails and upload
//! progress, opening one (downloaded once when taken elsewhere), deleting.

use complaints_domain::model::{live_photos, Photo, MAX_PHOTOS, MAX_PHOTO_BYTES};
use complaints_domain::Complaint;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::i18n::{tr, Text};
use crate::media;
use crate::platform;
use crate::state::use_app_state;

/// Bytes as people read them: `1.4 MB`, `820 KB` (no float formatting).
fn size_text(bytes: f64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let (value, unit) = if bytes >= 1024.0 * MB {
        (bytes / (1024.0 * MB), "GB")
    } else if bytes >= MB {
        (bytes / MB, "MB")
    } else {
        return format!("{} KB", (bytes / 1024.0).ceil() as u64);
    };
    let tenths = (value * 10.0).round() as u64;
    format!("{}.{} {unit}", tenths / 10, tenths % 10)
}

#[component]
pub(super) fn PhotoSection(id: String, current: Memo<Option<Complaint>>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record = StoredValue::new(id);
    let caption = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // (is an error, message)
    let notice = RwSignal::new(None::<(bool, String)>);
    let storage = RwSignal::new(None::<(f64, f64)>);
    let viewer = RwSignal::new(None::<Result<String, String>>);

    let refresh_storage = move || {
        spawn_local(async move { storage.set(media::storage_estimate().await) });
    };
    refresh_storage();

    let photos = Memo::new(move |_| {
        current.with(|c| {
            c.as_ref()
                .map(|c| live_photos(&c.photos).cloned().collect::<Vec<Photo>>())
                .unwrap_or_default()
        })
    });
    let count = move || photos.with(Vec::len);
    let full = move || count() >= MAX_PHOTOS;

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let blob: web_sys::Blob = file.unchecked_into();
        busy.set(true);
        notice.set(Some((
            false,
            Text::PhotoAdding.get(lang.get_untracked()).into(),
        )));
        spawn_local(async move {
            let typed = caption.get_untracked();
            match state.add_photo(&record.get_value(), blob, typed).await {
                Ok(()) => {
                    caption.set(String::new());
                    notice.set(Some((
                        false,
                        Text::PhotoAdded.get(lang.get_untracked()).into(),
                    )));
                }
                Err(e) => notice.set(Some((true, e.message(lang.get_untracked())))),
            }
            busy.set(false);
            refresh_storage();
        });
    };

    let open = move |photo: String| {
        viewer.set(Some(Err(Text::Loading.get(lang.get_untracked()).into())));
        spawn_local(async move {
            let shown = state.photo_url(&record.get_value(), &photo).await;
            viewer.set(Some(shown));
        });
    };
    let close = move |_| {
        if let Some(Ok(url)) = viewer.get_untracked() {
            media::revoke(&url);
        }
        viewer.set(None);
    };
    let delete = move |photo: String| {
        let ask = Text::PhotoDeleteConfirm.get(lang.get_untracked());
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(ask).ok())
            .unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            if let Err(e) = state.delete_photo(&record.get_value(), &photo).await {
                platform::log_error("deleting a photo failed", &e.detail());
                notice.set(Some((true, e.message(lang.get_untracked()))));
            }
            refresh_storage();
        });
    };

    let upload_line = move |photo: String| {
        move || {
            let queue = state.photos;
            if let Some((have, size)) = queue.progress.with(|p| p.get(&photo).copied()) {
                let percent = have * 100 / u64::from(size.max(1));
                return Some(Text::PhotoUploading.fill(lang.get(), &[&format!("{percent}%")]));
            }
            queue
                .waiting
                .with(|w| w.contains(&photo))
                .then(|| Text::PhotoWaiting.get(lang.get()).to_string())
        }
    };

    view! {
        <div class="panel evidence__photos" data-testid="photos">
            <h3>{tr(lang, Text::Photos)}</h3>
            <p class="hint" data-testid="photo-limits">{move || Text::PhotoLimits.fill(lang.get(), &[
                &MAX_PHOTOS, &(MAX_PHOTO_BYTES / (1024 * 1024)), &count(),
            ])}</p>
            <div class="photo-add">
                <label class="field">
                    <span class="field__label">{tr(lang, Text::PhotoCaption)}</span>
                    <input class="field__control" type="text" maxlength="200" data-testid="photo-caption"
                        prop:value=move || caption.get() on:input=move |ev| caption.set(event_target_value(&ev))/>
                </label>
                <label class="btn btn--primary photo-add__button" aria-disabled=move || (busy.get() || full()).to_string()>
                    {move || if busy.get() { Text::PhotoAdding.get(lang.get()) } else { Text::TakePhoto.get(lang.get()) }}
                    <input type="file" accept="image/*" capture="environment" class="visually-hidden"
                        data-testid="photo-input" prop:disabled=move || busy.get() || full() on:change=on_file/>
                </label>
            </div>
            <Show when=full>
                <p class="notice notice--warn" role="status">{tr(lang, Text::PhotoLimitReached)}</p>
            </Show>
            {move || notice.get().map(|(error, text)| {
                let class = if error { "notice notice--error" } else { "notice notice--info" };
                let role = if error { "alert" } else { "status" };
                view! { <p class=class role=role data-testid="photo-notice">{text}</p> }
            })}
            <ul class="photo-grid">
                {move || photos.get().into_iter().map(|p| {
                        let when = platform::local_time(p.at);
                        let (open_id, delete_id, line_id) = (p.id.clone(), p.id.clone(), p.id.clone());
                        let by = p.by.clone();
                        view! {
                            <li class="photo" data-testid="photo" data-photo-id=p.id.clone()>
                                <button type="button" class="photo__thumb" on:click=move |_| open(open_id.clone())
                                    aria-label=tr(lang, Text::PhotoOpen)>
                                    <img src=p.thumb.clone() alt=p.caption.clone() width=p.width.min(160) loading="lazy"/>
                                </button>
                                <div class="photo__text">
                                    <span class="photo__caption">{p.caption.clone()}</span>
                                    <span class="hint">{move || Text::PhotoBy.fill(lang.get(), &[&by, &when])}</span>
                                    <span class="hint" data-testid="photo-upload">{upload_line(line_id.clone())}</span>
                                    <button type="button" class="btn btn--small" data-testid="photo-delete"
                                        on:click=move |_| delete(delete_id.clone())>{tr(lang, Text::PhotoDelete)}</button>
                                </div>
                            </li>
                        }
                    }).collect_view()}
            </ul>
            <p class="hint" data-testid="storage-use">{move || storage.get().map(|(used, quota)| {
                Text::StorageUse.fill(lang.get(), &[&size_text(used), &size_text(quota)])
            })}</p>
            {move || viewer.get().map(|shown| view! {
                <div class="photo-viewer" role="dialog" aria-modal="true" data-testid="photo-viewer">
                    {match shown {
                        Ok(url) => view! { <img src=url data-testid="photo-full" alt=""/> }.into_any(),
                        Err(text) => view! { <p class="notice notice--info" role="status" data-testid="photo-viewer-note">{text}</p> }.into_any(),
                    }}
                    <button type="button" class="btn" data-testid="photo-close" on:click=close>{tr(lang, Text::PhotoClose)}</button>
                </div>
            })}
        </div>
    }
}
