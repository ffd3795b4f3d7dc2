//! A record's sync situation, shown on the record: fields two devices changed
//! at the same time (both values, who and when, and a button to use either),
//! local changes the server refused (the reason, discard, apply again), and
//! the record's history: who changed which field, when, on which device.

use chrono::DateTime;
use complaints_domain::handling::EntryKind;
use complaints_domain::sync::{
    Hlc, OpMeta, RecordState, RejectCode, Version, CREATED_AT, STEP_PREFIX, TIMELINE_PREFIX,
};
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

/// Who made an operation, on which device, and when: "zhang.wei · 本机 ·
/// 2026-11-23 09:30:05" (operations from before sign-in name no user).
fn who(meta: &OpMeta, my_device: &str, lang: Lang) -> String {
    let device = if meta.device == my_device {
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
            timefmt::date_time_seconds(t.with_timezone(&platform::local_offset()).naive_local())
        })
        .unwrap_or_default();
    format!(
        "{} · {device} · {when}",
        meta.user.as_deref().unwrap_or("—")
    )
}

fn author(state: &RecordState, v: &Version, my_device: &str, lang: Lang) -> String {
    state
        .author(v)
        .map(|meta| who(meta, my_device, lang))
        .unwrap_or_default()
}

/// A record's history, newest first: for every change, who made it, on
/// which device, when, and each field it set with the value (a complaint's
/// creation is one line; the 50 newest changes are shown).
fn history_html(rs: &RecordState, me: &str, lang: Lang, open: bool) -> String {
    let mut rows = String::new();
    // Newest first, picked one by one (no sort to ship for 50 rows).
    let mut below: Option<(Hlc, &str)> = None;
    for _ in 0..50 {
        let next = rs
            .ops
            .iter()
            .map(|(id, meta)| ((meta.hlc, id.as_str()), meta))
            .filter(|(key, _)| below.is_none_or(|b| *key < b))
            .max_by_key(|(key, _)| *key);
        let Some((key, meta)) = next else { break };
        below = Some(key);
        let id = key.1;
        let mut what = String::new();
        for (field, state) in &rs.fields {
            for v in state
                .heads
                .iter()
                .chain(&state.history)
                .filter(|v| v.op == id)
            {
                if field == CREATED_AT {
                    what = lang.pick("登记投诉", "Complaint taken in").into();
                } else if rs
                    .fields
                    .get(CREATED_AT)
                    .is_some_and(|c| c.heads.iter().any(|c| c.op == id))
                {
                    // A creation is one line, not thirty fields.
                } else {
                    let (label, value) = if let Some(n) = field.strip_prefix(STEP_PREFIX) {
                        let done = if v.value.is_null() { "☐" } else { "☑" };
                        (
                            format!("{} {n}", lang.pick("步骤", "Step")),
                            done.to_string(),
                        )
                    } else if field.starts_with(TIMELINE_PREFIX) {
                        let kind = v.value["kind"].as_str().and_then(EntryKind::from_code);
                        let kind = kind.map(|k| k.label(lang)).unwrap_or_default();
                        (
                            lang.pick("处理记录", "Timeline").to_string(),
                            kind.to_string(),
                        )
                    } else {
                        (field_label(field, lang), show_value(field, &v.value, lang))
                    };
                    if !what.is_empty() {
                        what += lang.pick("；", "; ");
                    }
                    what += &format!("{label}：{value}");
                }
            }
        }
        rows += &format!(
            r#"<li data-testid="history-entry" data-user="{}"><span class="history__who">{}</span> {}</li>"#,
            esc(meta.user.as_deref().unwrap_or_default()),
            esc(&who(meta, me, lang)),
            esc(&what),
        );
    }
    format!(
        r#"<details class="history" data-testid="history"{}><summary>{} ({})</summary><ol>{rows}</ol></details>"#,
        if open { " open" } else { "" },
        lang.pick("修改历史", "History"),
        rs.ops.len()
    )
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

/// The sync state of complaint `id`, read again whenever `revision` changes
/// (for [`RecordSyncPanel`] and [`RecordHistory`] alike).
pub fn use_record_state(id: String, revision: Signal<u64>) -> RwSignal<Option<RecordState>> {
    let state = use_app_state();
    let record_state = RwSignal::new(None::<RecordState>);
    Effect::new(move |_| {
        revision.track();
        let id = id.clone();
        spawn_local(async move { record_state.set(state.record_state(&id).await) });
    });
    record_state
}

/// A record's history, collapsed: who changed which field, when, where.
#[component]
pub fn RecordHistory(record_state: RwSignal<Option<RecordState>>) -> impl IntoView {
    let state = use_app_state();
    // Whether the user opened it: a change arriving redraws it, still open.
    let open = StoredValue::new(false);
    let html = move || {
        let lang = state.lang.get();
        let me = state.device_id();
        record_state.with(|rs| {
            rs.as_ref()
                .map(|rs| history_html(rs, &me, lang, open.get_value()))
                .unwrap_or_default()
        })
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if tapped(&ev, "summary").is_some() {
            open.update_value(|o| *o = !*o);
        }
    };
    view! { <div inner_html={Signal::derive(html)} on:click=on_click></div> }
}

/// Conflicts and refused changes of complaint `id`. `on_change` receives the
/// complaint after the user settles something.
#[component]
pub fn RecordSyncPanel(
    id: String,
    /// The record's sync state, kept current ([`use_record_state`]).
    record_state: RwSignal<Option<RecordState>>,
    on_change: Callback<Option<Complaint>>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record_id = StoredValue::new(id);
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

    view! { <div inner_html={Signal::derive(html)} on:click=on_click></div> }
}
