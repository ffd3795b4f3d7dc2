//! A record's sync situation, shown on the record: fields two devices changed
//! at the same time (both values, who and when, and a button to use either),
//! and local changes the server refused (the reason, discard, apply again).

use chrono::DateTime;
use complaints_domain::sync::{RecordState, RejectCode, Version};
use complaints_domain::timefmt;
use complaints_domain::{
    Category, Channel, Cny, Complaint, Field, Labelled, Lang, Nature, OutboxEntry, Status,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::platform;
use crate::state::use_app_state;

/// A field's stored value as the user reads it.
pub fn show_value(field: &str, value: &Value, lang: Lang) -> String {
    let text = value.as_str().unwrap_or_default();
    let label = match Field::from_key(field) {
        Some(Field::Channel) => Channel::from_code(text).map(|v| v.label(lang)),
        Some(Field::Category) => Category::from_code(text).map(|v| v.label(lang)),
        Some(Field::Status) => Status::from_code(text).map(|v| v.label(lang)),
        Some(Field::Nature) => Nature::from_code(text).map(|v| v.label(lang)),
        _ => None,
    };
    if let Some(label) = label {
        return label.to_string();
    }
    match (Field::from_key(field), value) {
        (_, Value::Null) => "—".into(),
        (_, Value::String(s)) if s.is_empty() => "—".into(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Bool(b)) => lang
            .pick(
                if *b { "满意" } else { "不满意" },
                if *b { "Satisfied" } else { "Not satisfied" },
            )
            .into(),
        (Some(Field::CompensationRequested | Field::CompensationAgreed), Value::Number(n)) => n
            .as_i64()
            .map(|fen| Cny::from_fen(fen).to_string())
            .unwrap_or_else(|| n.to_string()),
        (_, other) => other.to_string(),
    }
}

fn field_label(key: &str, lang: Lang) -> String {
    Field::from_key(key)
        .map(|f| f.label(lang).to_string())
        .unwrap_or_else(|| key.to_string())
}

fn author(state: &RecordState, v: &Version, my_device: &str, lang: Lang) -> String {
    match state.author(v) {
        Some(meta) => {
            let who = if meta.device == my_device {
                lang.pick("本机", "this device").to_string()
            } else {
                format!(
                    "{} {}",
                    lang.pick("设备", "device"),
                    meta.device.chars().take(8).collect::<String>()
                )
            };
            let when = DateTime::from_timestamp_millis(meta.hlc.wall_ms as i64)
                .map(|t| {
                    timefmt::date_time_seconds(
                        t.with_timezone(&platform::local_offset()).naive_local(),
                    )
                })
                .unwrap_or_default();
            format!("{who} · {when}")
        }
        None => String::new(),
    }
}

/// Conflicts and refused changes of complaint `id`. `on_change` receives the
/// complaint after the user settles something.
#[component]
pub fn RecordSyncPanel(
    id: String,
    /// Changes whenever the record may have changed (re-reads its sync state).
    revision: Signal<u64>,
    on_change: Callback<Option<Complaint>>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record_id = StoredValue::new(id);
    // Re-read the record's sync state whenever it may have changed.
    let record_state = RwSignal::new(None::<RecordState>);
    Effect::new(move |_| {
        revision.track();
        spawn_local(
            async move { record_state.set(state.record_state(&record_id.get_value()).await) },
        );
    });
    let my_device = StoredValue::new(String::new());
    let busy = RwSignal::new(false);

    let choose = move |field: String, value: Value| {
        busy.set(true);
        spawn_local(async move {
            match state
                .choose_value(&record_id.get_value(), &field, value)
                .await
            {
                Ok(c) => on_change.run(Some(c)),
                Err(e) => platform::log_error("choosing a value failed", &format!("{e:?}")),
            }
            busy.set(false);
        });
    };

    let conflicts = move || {
        let lang = lang.get();
        let rs = record_state.get()?;
        if my_device.with_value(String::is_empty) {
            my_device.set_value(state.device_id());
        }
        let me = my_device.get_value();
        let rows: Vec<_> = rs
            .conflicts()
            .map(|(key, field)| {
                let versions = field
                    .heads
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let value = v.value.clone();
                        let key_for_click = key.clone();
                        let shown = show_value(key, &v.value, lang);
                        let who = author(&rs, v, &me, lang);
                        let current = i == 0;
                        view! {
                            <li class=if current { "conflict__value conflict__value--current" } else { "conflict__value" }>
                                <span class="conflict__text">{shown}</span>
                                <span class="conflict__who">{who}</span>
                                {if current {
                                    view! { <span class="badge">{lang.pick("当前采用", "in use")}</span> }.into_any()
                                } else {
                                    view! {
                                        <button type="button" class="btn" disabled=move || busy.get()
                                            on:click=move |_| choose(key_for_click.clone(), value.clone())>
                                            {lang.pick("采用此值", "Use this value")}
                                        </button>
                                    }.into_any()
                                }}
                            </li>
                        }
                    })
                    .collect_view();
                let keep_key = key.clone();
                let keep_value = field.value().cloned().unwrap_or(Value::Null);
                view! {
                    <div class="conflict" data-testid="conflict" data-field=key.clone()>
                        <p class="conflict__title">
                            <strong>{field_label(key, lang)}</strong>
                            {lang.pick("：两台设备同时修改了此项，两个值都已保留", ": changed on two devices at the same time; both values are kept")}
                        </p>
                        <ul class="conflict__values">{versions}</ul>
                        <button type="button" class="btn btn--primary" disabled=move || busy.get()
                            on:click=move |_| choose(keep_key.clone(), keep_value.clone())>
                            {lang.pick("确认当前值", "Keep the value in use")}
                        </button>
                    </div>
                }
            })
            .collect();
        (!rows.is_empty()).then(|| view! {
            <section class="notice notice--warn record-sync" aria-label=lang.pick("修改冲突", "Conflicting changes")>
                {rows}
            </section>
        })
    };

    let refused = move || {
        let lang = lang.get();
        let mine: Vec<OutboxEntry> = state.sync.rejected.with(|all| {
            all.iter()
                .filter(|e| record_id.with_value(|id| &e.op.record == id))
                .cloned()
                .collect()
        });
        (!mine.is_empty()).then(|| {
            let rows = mine
                .into_iter()
                .map(|entry| {
                    let reason = entry.rejection.clone().map(|r| r.message(lang)).unwrap_or_default();
                    let fields = entry.op.set.keys().map(|k| field_label(k, lang)).collect::<Vec<_>>().join("、");
                    let can_reapply = entry.rejection.as_ref().is_some_and(|r| r.code == RejectCode::ClockAhead);
                    let id_discard = entry.op.id.clone();
                    let again = entry.clone();
                    view! {
                        <li class="refused" data-testid="refused-change">
                            <p><strong>{fields}</strong>{format!(" — {reason}")}</p>
                            <button type="button" class="btn btn--danger" disabled=move || busy.get()
                                on:click=move |_| {
                                    let op_id = id_discard.clone();
                                    busy.set(true);
                                    spawn_local(async move {
                                        match state.discard_refused(&op_id).await {
                                            Ok(c) => on_change.run(c),
                                            Err(e) => platform::log_error("discard failed", &format!("{e:?}")),
                                        }
                                        state.refresh_outbox().await;
                                        busy.set(false);
                                    });
                                }>
                                {lang.pick("放弃此修改", "Discard this change")}
                            </button>
                            {can_reapply.then(|| view! {
                                <button type="button" class="btn" disabled=move || busy.get()
                                    on:click=move |_| {
                                        let entry = again.clone();
                                        busy.set(true);
                                        spawn_local(async move {
                                            match state.reapply_refused(&entry).await {
                                                Ok(c) => on_change.run(c),
                                                Err(e) => platform::log_error("apply again failed", &format!("{e:?}")),
                                            }
                                            state.refresh_outbox().await;
                                            busy.set(false);
                                        });
                                    }>
                                    {lang.pick("重新提交", "Apply again")}
                                </button>
                            })}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="notice notice--error record-sync" role="alert">
                    <p>{lang.pick("以下修改未被服务器接受，仅保存在本机：", "These changes were refused by the server and exist only on this device:")}</p>
                    <ul>{rows}</ul>
                </section>
            }
        })
    };

    view! {
        {refused}
        {conflicts}
    }
}
