//! A record's sync situation, shown on the record: fields two devices changed
//! at the same time (both values, who and when, and a button to use either),
//! local changes the server refused (the reason, discard, apply again), and
//! the record's history: who changed which field, when, on which device.
//!
//! The conflicts and refusals are views (their buttons keep the focus and
//! settle through [`AppState`] services); the history's rows are one
//! [`Html`] fragment inside a `<details>` the user opens, which stays open
//! when a sync brings a new row.

use chrono::DateTime;
use complaints_domain::handling::EntryKind;
use complaints_domain::sync::{
    Hlc, OpMeta, RecordState, RejectCode, Version, CREATED_AT, STEP_PREFIX, TIMELINE_PREFIX,
};
use complaints_domain::{sort, timefmt};
use complaints_domain::{
    Category, Channel, Cny, Complaint, Field, Labelled, Lang, Nature, OutboxEntry, ServiceStage,
    Status,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::html::{el, Html, HtmlView};
use crate::i18n::{tr, yes_no, Text};
use crate::platform;
use crate::state::{use_app_state, AppState, SaveError};

/// A field's stored value as the user reads it.
pub fn show_value(field: &str, value: &Value, lang: Lang) -> String {
    let text = value.as_str().unwrap_or_default();
    let label = match Field::from_key(field) {
        Some(Field::Channel) => Channel::from_code(text).map(|v| v.label(lang)),
        Some(Field::Category) => Category::from_code(text).map(|v| v.label(lang)),
        Some(Field::Status) => Status::from_code(text).map(|v| v.label(lang)),
        Some(Field::Nature) => Nature::from_code(text).map(|v| v.label(lang)),
        Some(Field::ServiceStage) => ServiceStage::from_code(text).map(|v| v.label(lang)),
        _ => None,
    };
    if let Some(label) = label {
        return label.to_string();
    }
    match (Field::from_key(field), value) {
        (_, Value::Null) => "—".into(),
        (_, Value::String(s)) if s.is_empty() => "—".into(),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Bool(b)) => yes_no(*b, lang).into(),
        (_, Value::Array(items)) if items.is_empty() => "—".into(),
        (_, Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(Text::ListComma.get(lang)),
        (Some(Field::CompensationRequested | Field::CompensationAgreed), Value::Number(n)) => n
            .as_i64()
            .map(|fen| Cny::from_fen(fen).to_string())
            .unwrap_or_else(|| n.to_string()),
        (_, other) => other.to_string(),
    }
}

fn field_label(key: &str, lang: Lang) -> String {
    let answer_field = match key {
        "title" => Some(Text::AnswerTitle),
        "keywords" => Some(Text::AnswerKeywords),
        "answer" => Some(Text::AnswerText),
        "steps" => Some(Text::AnswerSteps),
        "models" => Some(Text::AnswerModels),
        _ => None,
    };
    Field::from_key(key)
        .map(|f| f.label(lang))
        .or_else(|| answer_field.map(|t| t.get(lang)))
        .map_or_else(|| key.to_string(), str::to_string)
}

/// Who made an operation, on which device, and when: "zhang.wei · 本机 ·
/// 2026-11-23 09:30:05" (operations from before sign-in name no user).
fn who(meta: &OpMeta, my_device: &str, lang: Lang) -> String {
    let device = if meta.device == my_device {
        Text::ThisDevice.get(lang).to_string()
    } else {
        let short: String = meta.device.chars().take(8).collect();
        Text::DeviceNamed.fill(lang, &[&short])
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

/// What one operation changed, in words ("状态：处理中；处理记录：联系顾客").
fn what_changed(rs: &RecordState, id: &str, lang: Lang) -> String {
    let mut what = String::new();
    for (field, state) in &rs.fields {
        for v in state
            .heads
            .iter()
            .chain(&state.history)
            .filter(|v| v.op == id)
        {
            if field == CREATED_AT {
                what = Text::ComplaintTakenIn.get(lang).into();
            } else if rs
                .fields
                .get(CREATED_AT)
                .is_some_and(|c| c.heads.iter().any(|c| c.op == id))
            {
                // A creation is one line, not thirty fields.
            } else {
                let (label, value) = if let Some(n) = field.strip_prefix(STEP_PREFIX) {
                    let done = if v.value.is_null() { "☐" } else { "☑" };
                    (Text::StepN.fill(lang, &[&n]), done.to_string())
                } else if field.starts_with(TIMELINE_PREFIX) {
                    let kind = v.value["kind"].as_str().and_then(EntryKind::from_code);
                    let kind = kind.map(|k| k.label(lang)).unwrap_or_default();
                    (Text::Timeline.get(lang).to_string(), kind.to_string())
                } else {
                    (field_label(field, lang), show_value(field, &v.value, lang))
                };
                if !what.is_empty() {
                    what += Text::ListSeparator.get(lang);
                }
                what += &format!("{label}：{value}");
            }
        }
    }
    what
}

/// A record's history, newest first: for every change, who made it, on
/// which device, when, and each field it set with the value (a complaint's
/// creation is one line; the 50 newest changes are shown).
fn history_html(rs: &RecordState, me: &str, lang: Lang) -> Html {
    let mut ops: Vec<(Hlc, &str, &OpMeta)> = rs
        .ops
        .iter()
        .map(|(id, meta)| (meta.hlc, id.as_str(), meta))
        .collect();
    sort::sort_by(&mut ops, |a, b| (b.0, b.1).cmp(&(a.0, a.1)));
    let rows = ops.into_iter().take(50).map(|(_, id, meta)| {
        el("li")
            .attr("data-testid", "history-entry")
            .attr("data-user", meta.user.as_deref().unwrap_or_default())
            .child(el("span").class("history__who").text(&who(meta, me, lang)))
            .text(" ")
            .text(&what_changed(rs, id, lang))
    });
    el("ol").children(rows).into()
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
    let lang = state.lang;
    let me = state.device_id();
    let rows = move || {
        record_state.with(|rs| {
            rs.as_ref()
                .map(|rs| history_html(rs, &me, lang.get()))
                .unwrap_or_default()
        })
    };
    let count = move || record_state.with(|rs| rs.as_ref().map_or(0, |rs| rs.ops.len()));
    view! {
        <Show when=move || record_state.with(Option::is_some)>
            <details class="history" data-testid="history">
                <summary>{tr(lang, Text::History)}" ("{count}")"</summary>
                <HtmlView html=Signal::derive(rows.clone())/>
            </details>
        </Show>
    }
}

/// Settles something of a record and reports the record as it now reads.
fn settle(
    state: AppState,
    busy: RwSignal<bool>,
    on_change: Callback<Option<Complaint>>,
    work: impl std::future::Future<Output = Result<Option<Complaint>, SaveError>> + 'static,
) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    spawn_local(async move {
        match work.await {
            Ok(c) => on_change.run(c),
            Err(e) => platform::log_error("settling a change failed", &e.detail()),
        }
        state.refresh_outbox().await;
        busy.set(false);
    });
}

/// One conflicting field: each value with who and when, and a button to
/// use it (`choose` settles the field on the value).
#[component]
fn Conflict(
    key: String,
    record_state: RwSignal<Option<RecordState>>,
    choose: Callback<Value>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let me = state.device_id();
    let key = StoredValue::new(key);
    let choose = move |index: usize| {
        let value = record_state.with_untracked(|rs| {
            rs.as_ref()
                .and_then(|rs| key.with_value(|k| rs.fields.get(k)))
                .and_then(|f| f.heads.get(index))
                .map(|v| v.value.clone())
        });
        if let Some(v) = value {
            choose.run(v);
        }
    };
    let values = move || {
        let lang = lang.get();
        record_state.with(|rs| {
            let Some(rs) = rs else { return Vec::new() };
            let Some(field) = key.with_value(|k| rs.fields.get(k)) else {
                return Vec::new();
            };
            field
                .heads
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        i,
                        key.with_value(|k| show_value(k, &v.value, lang)),
                        author(rs, v, &me, lang),
                    )
                })
                .collect()
        })
    };
    view! {
        <div class="conflict" data-testid="conflict" data-field=key.get_value()>
            <p class="conflict__title">
                <strong>{move || field_label(&key.get_value(), lang.get())}</strong>
                {tr(lang, Text::ConflictExplained)}
            </p>
            <ul class="conflict__values">
                {move || values().into_iter().map(|(i, text, by)| view! {
                    <li class=if i == 0 { "conflict__value conflict__value--current" } else { "conflict__value" }>
                        <span class="conflict__text">{text}</span>
                        <span class="conflict__who">{by}</span>
                        {if i == 0 {
                            view! { <span class="badge">{tr(lang, Text::InUse)}</span> }.into_any()
                        } else {
                            view! { <button type="button" class="btn" on:click=move |_| choose(i)>{tr(lang, Text::UseThisValue)}</button> }.into_any()
                        }}
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="btn btn--primary" on:click=move |_| choose(0)>{tr(lang, Text::KeepValueInUse)}</button>
        </div>
    }
}

/// One refused change: what it changed, why, and what can be done.
#[component]
pub fn RefusedChange(
    entry: OutboxEntry,
    busy: RwSignal<bool>,
    on_change: Callback<Option<Complaint>>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let op_id = StoredValue::new(entry.op.id.clone());
    let keys: Vec<String> = entry.op.set.keys().cloned().collect();
    let fields = move || {
        let lang = lang.get();
        keys.iter()
            .map(|k| field_label(k, lang))
            .collect::<Vec<_>>()
            .join(Text::ListComma.get(lang))
    };
    let rejection = entry.rejection.clone();
    let clock_ahead = rejection
        .as_ref()
        .is_some_and(|r| r.code == RejectCode::ClockAhead);
    let reason = move || {
        rejection
            .as_ref()
            .map(|r| r.message(lang.get()))
            .unwrap_or_default()
    };
    let discard = move |_| {
        settle(state, busy, on_change, async move {
            state.discard_refused(&op_id.get_value()).await
        })
    };
    let again = move |_| {
        settle(state, busy, on_change, async move {
            state.reapply_refused(&op_id.get_value()).await
        })
    };
    view! {
        <li class="refused" data-testid="refused-change">
            <p><strong>{fields}</strong>" — "{reason}</p>
            <button type="button" class="btn btn--danger" on:click=discard>{tr(lang, Text::DiscardChange)}</button>
            {clock_ahead.then(|| view! {
                <button type="button" class="btn" on:click=again>{tr(lang, Text::ApplyAgain)}</button>
            })}
        </li>
    }
}

/// The refused changes of the records `mine` selects, with their buttons.
#[component]
pub fn RefusedChanges(
    /// Which refused changes to show (by their record id).
    mine: fn(&str, &str) -> bool,
    /// The record (or prefix) `mine` compares with.
    of: String,
    on_change: Callback<Option<Complaint>>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let busy = RwSignal::new(false);
    let entries = Memo::new(move |_| {
        state.sync.rejected.with(|all| {
            all.iter()
                .filter(|e| mine(&e.op.record, &of))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || entries.with(|e| !e.is_empty())>
            <section class="notice notice--error record-sync" role="alert">
                <p>{tr(lang, Text::RefusedExplained)}</p>
                <ul>
                    <For each=move || entries.get() key=|e| e.op.id.clone() let(entry)>
                        <RefusedChange entry busy on_change/>
                    </For>
                </ul>
            </section>
        </Show>
    }
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
    let busy = RwSignal::new(false);
    let record = StoredValue::new(id.clone());
    let choose = move |key: String| {
        Callback::new(move |value: Value| {
            let key = key.clone();
            settle(state, busy, on_change, async move {
                state
                    .choose_value(&record.get_value(), &key, value)
                    .await
                    .map(Some)
            });
        })
    };
    view! {
        <RefusedChanges mine=|record, id| record == id of=id on_change/>
        <Conflicts record_state choose/>
    }
}

/// The conflicting fields of a record, each with its values;
/// `choose(key)` settles the field `key` on a value.
#[component]
pub fn Conflicts(
    record_state: RwSignal<Option<RecordState>>,
    choose: impl Fn(String) -> Callback<Value> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let conflicts = Memo::new(move |_| {
        record_state.with(|rs| {
            rs.as_ref()
                .map(|rs| rs.conflicts().map(|(k, _)| k.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    view! {
        <Show when=move || conflicts.with(|c| !c.is_empty())>
            <section class="notice notice--warn record-sync" aria-label=move || Text::ConflictingChanges.get(lang.get())>
                <For each=move || conflicts.get() key=|k| k.clone() let(key)>
                    <Conflict choose=choose(key.clone()) key record_state/>
                </For>
            </section>
        </Show>
    }
}

/// The conflicts of standard answer `id`: a field two managers changed at
/// the same time shows both values, like a complaint's, until one is chosen.
#[component]
pub fn AnswerConflicts(id: String) -> impl IntoView {
    let state = use_app_state();
    let busy = RwSignal::new(false);
    let revision = Signal::derive(move || state.answers.with(|b| b.generation()));
    let record = StoredValue::new(id.clone());
    let record_state = use_record_state(id, revision);
    // The editor re-reads the answer when the list of answers changes.
    let nothing_more = Callback::new(|_: Option<Complaint>| ());
    let choose = move |key: String| {
        Callback::new(move |value: Value| {
            let key = key.clone();
            settle(state, busy, nothing_more, async move {
                state
                    .choose_answer_value(&record.get_value(), &key, value)
                    .await
                    .map(|()| None)
            });
        })
    };
    view! { <Conflicts record_state choose/> }
}
