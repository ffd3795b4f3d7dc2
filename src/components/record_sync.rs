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

use super::handling::{esc, tapped};
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

/// The conflicts of a record: each field's values, who and when, with buttons.
fn conflicts_html(rs: &RecordState, me: &str, lang: Lang) -> String {
    let mut out = String::new();
    for (key, field) in rs.conflicts() {
        let key = esc(key);
        let mut values = String::new();
        for (i, v) in field.heads.iter().enumerate() {
            let action = if i == 0 {
                format!(
                    r#"<span class="badge">{}</span>"#,
                    lang.pick("当前采用", "in use")
                )
            } else {
                format!(
                    r#"<button type="button" class="btn" data-act="choose" data-field="{key}" data-ver="{i}">{}</button>"#,
                    lang.pick("采用此值", "Use this value")
                )
            };
            values += &format!(
                r#"<li class="conflict__value{}"><span class="conflict__text">{}</span><span class="conflict__who">{}</span>{action}</li>"#,
                if i == 0 {
                    " conflict__value--current"
                } else {
                    ""
                },
                esc(&show_value(&key, &v.value, lang)),
                esc(&author(rs, v, me, lang)),
            );
        }
        out += &format!(
            r#"<div class="conflict" data-testid="conflict" data-field="{key}"><p class="conflict__title"><strong>{}</strong>{}</p><ul class="conflict__values">{values}</ul><button type="button" class="btn btn--primary" data-act="choose" data-field="{key}" data-ver="0">{}</button></div>"#,
            esc(&field_label(&key, lang)),
            lang.pick(
                "：两台设备同时修改了此项，两个值都已保留",
                ": changed on two devices at the same time; both values are kept"
            ),
            lang.pick("确认当前值", "Keep the value in use"),
        );
    }
    if out.is_empty() {
        return out;
    }
    format!(
        r#"<section class="notice notice--warn record-sync" aria-label="{}">{out}</section>"#,
        lang.pick("修改冲突", "Conflicting changes")
    )
}

/// The changes of a record the server refused: why, and what can be done.
fn refused_html(mine: &[OutboxEntry], lang: Lang) -> String {
    if mine.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for entry in mine {
        let reason = entry
            .rejection
            .as_ref()
            .map(|r| r.message(lang))
            .unwrap_or_default();
        let fields = entry
            .op
            .set
            .keys()
            .map(|k| field_label(k, lang))
            .collect::<Vec<_>>()
            .join("、");
        let again = match entry
            .rejection
            .as_ref()
            .is_some_and(|r| r.code == RejectCode::ClockAhead)
        {
            true => format!(
                r#"<button type="button" class="btn" data-act="reapply" data-op="{}">{}</button>"#,
                esc(&entry.op.id),
                lang.pick("重新提交", "Apply again")
            ),
            false => String::new(),
        };
        rows += &format!(
            r#"<li class="refused" data-testid="refused-change"><p><strong>{}</strong> — {}</p><button type="button" class="btn btn--danger" data-act="discard" data-op="{}">{}</button>{again}</li>"#,
            esc(&fields),
            esc(&reason),
            esc(&entry.op.id),
            lang.pick("放弃此修改", "Discard this change"),
        );
    }
    format!(
        r#"<section class="notice notice--error record-sync" role="alert"><p>{}</p><ul>{rows}</ul></section>"#,
        lang.pick(
            "以下修改未被服务器接受，仅保存在本机：",
            "These changes were refused by the server and exist only on this device:"
        )
    )
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
    let busy = RwSignal::new(false);

    let html = move || {
        let lang = lang.get();
        let mine: Vec<OutboxEntry> = state.sync.rejected.with(|all| {
            all.iter()
                .filter(|e| record_id.with_value(|id| &e.op.record == id))
                .cloned()
                .collect()
        });
        let me = state.device_id();
        refused_html(&mine, lang)
            + &record_state.with(|rs| {
                rs.as_ref()
                    .map(|rs| conflicts_html(rs, &me, lang))
                    .unwrap_or_default()
            })
    };

    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(el) = tapped(&ev, "[data-act]") else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let attr = |name: &str| el.get_attribute(name).unwrap_or_default();
        let (act, op_id, field) = (attr("data-act"), attr("data-op"), attr("data-field"));
        let index: usize = attr("data-ver").parse().unwrap_or(0);
        busy.set(true);
        spawn_local(async move {
            let result = match act.as_str() {
                "choose" => {
                    let value = record_state.with_untracked(|rs| {
                        rs.as_ref()
                            .and_then(|rs| rs.fields.get(&field))
                            .and_then(|f| f.heads.get(index))
                            .map(|v| v.value.clone())
                    });
                    match value {
                        Some(v) => state
                            .choose_value(&record_id.get_value(), &field, v)
                            .await
                            .map(Some),
                        None => Ok(None),
                    }
                }
                "discard" => state.discard_refused(&op_id).await,
                "reapply" => {
                    let entry = state
                        .sync
                        .rejected
                        .with_untracked(|all| all.iter().find(|e| e.op.id == op_id).cloned());
                    match entry {
                        Some(entry) => state.reapply_refused(&entry).await,
                        None => Ok(None),
                    }
                }
                _ => Ok(None),
            };
            match result {
                Ok(c) => on_change.run(c),
                Err(e) => platform::log_error("settling a change failed", &e.detail()),
            }
            if act != "choose" {
                state.refresh_outbox().await;
            }
            busy.set(false);
        });
    };

    view! { <div inner_html=html on:click=on_click></div> }
}
