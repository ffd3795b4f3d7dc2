//! The handling process on a complaint: its clocks, the major-complaint
//! warnings, the timeline with the form that adds to it, the eight steps and
//! the status. Every rule comes from the shared crate; this file only shows
//! them and turns taps into [`AppState::handle`] calls.
//!
//! These parts are read-mostly and re-drawn whole when the complaint (or the
//! clock) changes, so they are written as escaped HTML text, with one click
//! handler per panel reading `data-act` from the element tapped: that costs
//! a fraction of the wasm that a tree of reactive views does (the app must
//! stay under its 350 KB download budget).

use chrono::{DateTime, FixedOffset, Utc};
use complaints_domain::handling::{
    self, add_entry, change_status, escalation_level, major_mark, tick_step, ContactMethod, Entry,
    EntryKind, Level, CRITERIA,
};
use complaints_domain::risk::Warning;
use complaints_domain::sla::{clocks, Clock};
use complaints_domain::{timefmt, Complaint, Labelled, Lang, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::platform;
use crate::router::use_nav;
use crate::state::use_app_state;

/// Text made safe to put in HTML (element content or a quoted attribute).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The `<option>`s of a select: `blank` first (value ""), when given, then
/// each (code, label), the one whose code is `selected` marked so.
pub fn options_html<'a>(
    blank: Option<&str>,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> String {
    let mut out = blank
        .map(|label| format!(r#"<option value="">{}</option>"#, esc(label)))
        .unwrap_or_default();
    for (code, label) in options {
        let mark = if code == selected { " selected" } else { "" };
        out += &format!(
            r#"<option value="{}"{mark}>{}</option>"#,
            esc(code),
            esc(label)
        );
    }
    out
}

/// Every value of a labelled enumeration as (code, label).
pub fn code_labels<T: Labelled + Copy>(
    values: &[T],
    code: fn(T) -> &'static str,
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    values.iter().map(|v| (code(*v), v.label(lang))).collect()
}

fn local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    timefmt::date_time(at.with_timezone(&offset).naive_local())
}

/// One clock as a chip: "首次联系：还剩 1小时20分", coloured by its state.
pub fn clock_html(clock: &Clock, now: DateTime<Utc>, lang: Lang) -> String {
    let code = clock.state(now).code();
    format!(
        r#"<span class="clock clock--{code}" data-clock="{}" data-state="{code}">{}</span>"#,
        clock.kind.as_str(),
        esc(&clock.describe(now, lang))
    )
}

/// The major-complaint warnings, each saying why.
fn risk_html(list: &[Warning], lang: Lang) -> String {
    if list.is_empty() {
        return String::new();
    }
    let major = list.iter().any(|w| w.rule.criterion().is_some());
    let title = match major {
        true => lang.pick("符合重大投诉条件", "Meets a major-complaint criterion"),
        false => lang.pick("重大投诉风险提示", "Major-complaint risk signals"),
    };
    let items: String = list
        .iter()
        .map(|w| {
            let class = if w.rule.criterion().is_some() {
                " risk__item--criterion"
            } else {
                ""
            };
            format!(
                r#"<li class="risk__item{class}" data-rule="{}">{}</li>"#,
                w.rule.as_str(),
                esc(&w.message(lang))
            )
        })
        .collect();
    format!(
        r#"<section class="risk" data-testid="risk"><h2 class="risk__title">⚠ {title} ({})</h2><ul>{items}</ul></section>"#,
        list.len()
    )
}

/// Other complaints about the same vehicle, open ones first.
fn same_vehicle_html(list: &[Complaint], lang: Lang, offset: FixedOffset) -> String {
    if list.is_empty() {
        return String::new();
    }
    let title = match lang {
        Lang::Zh => format!("同一车辆的其他投诉（{} 条）", list.len()),
        Lang::En => format!("Other complaints about this vehicle ({})", list.len()),
    };
    let items: String = list
        .iter()
        .map(|c| {
            format!(
                r#"<li><a href="/c/{}" data-link><span class="badge badge--{}">{}</span> {} · {} · {}</a></li>"#,
                esc(&c.id),
                c.status.as_str(),
                c.status.label(lang),
                esc(&c.case_number),
                local(c.received_at, offset),
                esc(&c.content.chars().take(40).collect::<String>())
            )
        })
        .collect();
    format!(
        r#"<section class="same-vehicle" data-testid="same-vehicle"><h2>{title}</h2><ul>{items}</ul></section>"#
    )
}

/// Follows a tapped in-app link (`data-link`) without reloading the page.
pub fn follow_link(ev: &leptos::ev::MouseEvent) -> bool {
    let Some(link) = tapped(ev, "a[data-link]") else {
        return false;
    };
    // A modified or middle click opens a new tab as usual.
    if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
        return true;
    }
    if let Some(href) = link.get_attribute("href") {
        ev.prevent_default();
        use_nav().go(&href);
    }
    true
}

/// The element matching `selector` that was tapped (or that holds what was).
pub(crate) fn tapped(ev: &leptos::ev::MouseEvent, selector: &str) -> Option<web_sys::Element> {
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    target.closest(selector).ok().flatten()
}

/// The warnings and the same-vehicle complaints on a complaint's page.
#[component]
pub fn RiskAndVehicle(
    #[prop(into)] warnings: Signal<Vec<Warning>>,
    #[prop(into)] others: Signal<Vec<Complaint>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let offset = platform::local_offset();
    let html = move || {
        let lang = lang.get();
        warnings.with(|w| risk_html(w, lang)) + &others.with(|o| same_vehicle_html(o, lang, offset))
    };
    view! { <div inner_html={Signal::derive(html)} on:click=move |ev| { follow_link(&ev); }></div> }
}

/// On intake, in the bar at the bottom that is always in view: one line
/// naming the warnings and the same-vehicle complaints, opening into both lists.
#[component]
pub fn IntakeAlerts(
    #[prop(into)] warnings: Signal<Vec<Warning>>,
    #[prop(into)] others: Signal<Vec<Complaint>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let offset = platform::local_offset();
    let line = move || {
        let lang = lang.get();
        let mut parts = Vec::new();
        warnings.with(|w| {
            if !w.is_empty() {
                let titles: Vec<&str> = w.iter().map(|w| w.rule.label(lang)).collect();
                let sep = lang.pick("、", ", ");
                parts.push(format!(
                    "⚠ {} {}: {}",
                    lang.pick("风险提示", "Warnings"),
                    w.len(),
                    titles.join(sep)
                ));
            }
        });
        let n = others.with(Vec::len);
        if n > 0 {
            parts.push(match lang {
                Lang::Zh => format!("同一车辆已有 {n} 条投诉"),
                Lang::En => format!("{n} other complaint(s) about this vehicle"),
            });
        }
        parts.join(" · ")
    };
    let body = move || {
        let lang = lang.get();
        warnings.with(|w| risk_html(w, lang)) + &others.with(|o| same_vehicle_html(o, lang, offset))
    };
    view! {
        <details class="intake-alerts" data-testid="intake-alerts" hidden=move || line().is_empty()>
            <summary>{line}</summary>
            <div class="intake-alerts__body" inner_html={Signal::derive(body)} on:click=move |ev| { follow_link(&ev); }></div>
        </details>
    }
}

/// What an entry says beyond its kind: how, reached, the answer, the level…
fn summary(e: &Entry, offset: FixedOffset, lang: Lang) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = e.method {
        parts.push(m.label(lang).into());
    }
    match e.reached {
        Some(true) => parts.push(lang.pick("已联系上", "reached").into()),
        Some(false) => parts.push(lang.pick("未联系上", "not reached").into()),
        None => {}
    }
    match e.satisfied {
        Some(true) => parts.push(lang.pick("顾客满意", "customer satisfied").into()),
        Some(false) => parts.push(lang.pick("顾客不满意", "customer not satisfied").into()),
        None => {}
    }
    if let Some(level) = e.level {
        parts.push(format!("→ {}", level.label(lang)));
    }
    if let (Some(from), Some(to)) = (e.from, e.status) {
        let reopen = if e.is_reopening() {
            lang.pick("重新打开：", "reopened: ")
        } else {
            ""
        };
        parts.push(format!("{reopen}{} → {}", from.label(lang), to.label(lang)));
    }
    if !e.criteria.is_empty() {
        let list: Vec<String> = e.criteria.iter().map(u8::to_string).collect();
        parts.push(format!(
            "{} {}",
            lang.pick("符合条件", "criteria"),
            list.join(", ")
        ));
    }
    if e.recorded - e.at > chrono::Duration::minutes(10) {
        parts.push(format!(
            "{} {}",
            lang.pick("补记于", "recorded"),
            local(e.recorded, offset)
        ));
    }
    parts.join(" · ")
}

/// The level, the major mark and the clocks.
fn facts_html(c: &Complaint, now: DateTime<Utc>, lang: Lang, offset: FixedOffset) -> String {
    let level = escalation_level(c);
    let mut out = format!(
        r#"<div class="handling__facts"><span class="badge level level--{}" data-testid="level">{}{}</span>"#,
        level.as_str(),
        lang.pick("处理层级：", "Level: "),
        level.label(lang)
    );
    if let Some(m) = major_mark(c) {
        out += &format!(
            r#"<span class="badge badge--major" data-testid="major">{} · {} {}</span>"#,
            lang.pick("重大投诉", "Major complaint"),
            esc(&m.by),
            local(m.at, offset)
        );
    }
    for k in clocks(c) {
        out += &clock_html(&k, now, lang);
    }
    out + "</div>"
}

fn timeline_html(c: &Complaint, lang: Lang, offset: FixedOffset, me: &str) -> String {
    if c.timeline.is_empty() {
        return format!(
            r#"<p class="empty">{}</p>"#,
            lang.pick("还没有处理记录", "Nothing recorded yet")
        );
    }
    let items: String = c
        .timeline
        .iter()
        .map(|e| {
            let here = if e.dev == me { lang.pick(" · 本机", " · this device") } else { "" };
            let text = if e.text.is_empty() {
                String::new()
            } else {
                format!(r#"<p class="tl__text">{}</p>"#, esc(&e.text))
            };
            format!(
                r#"<li class="tl tl--{k}" data-kind="{k}"><div class="tl__head"><time>{}</time><strong>{}</strong><span class="tl__who">{}{here}</span></div><p class="tl__detail">{}</p>{text}</li>"#,
                local(e.at, offset),
                e.kind.label(lang),
                esc(&e.by),
                esc(&summary(e, offset, lang)),
                k = e.kind.as_str(),
            )
        })
        .collect();
    format!(r#"<ol class="timeline" data-testid="timeline">{items}</ol>"#)
}

/// The status buttons, the last refusal, and the eight steps.
fn side_html(c: &Complaint, lang: Lang, offset: FixedOffset, error: Option<&str>) -> String {
    let mut out = format!(
        r#"<h2>{}</h2><div class="status-row" role="group">"#,
        lang.pick("状态", "Status")
    );
    for &s in Status::ALL {
        let here = c.status == s;
        let label = if c.status == Status::Closed && !here {
            format!("{} {}", lang.pick("重新打开为", "Reopen as"), s.label(lang))
        } else {
            s.label(lang).to_string()
        };
        out += &format!(
            r#"<button type="button" class="btn{}" aria-pressed="{here}" data-act="status" data-arg="{code}" data-status="{code}">{label}</button>"#,
            if here { " btn--primary" } else { "" },
            code = s.as_str()
        );
    }
    out += "</div>";
    if let Some(e) = error {
        out += &format!(
            r#"<p class="notice notice--error" role="alert" data-testid="handling-error">{}</p>"#,
            esc(e)
        );
    }
    out += &format!(
        r#"<h2>{}</h2><ol class="steps" data-testid="steps">"#,
        lang.pick("处理八步骤", "The eight steps")
    );
    for n in 1..=8u8 {
        let tick = c.steps.get(&n);
        let who = tick
            .map(|t| format!("{} · {}", esc(&t.by), local(t.at, offset)))
            .unwrap_or_default();
        out += &format!(
            r#"<li class="{}"><label><input type="checkbox" data-act="step" data-arg="{n}" data-step="{n}"{}><span>{n}. {}</span></label><span class="step__who">{who}</span></li>"#,
            if tick.is_some() { "step--done" } else { "" },
            if tick.is_some() { " checked" } else { "" },
            handling::step_label(n, lang)
        );
    }
    out + "</ol>"
}

/// The kinds the "add to the timeline" form offers.
fn offered_kinds(c: &Complaint) -> Vec<EntryKind> {
    let mut kinds = vec![
        EntryKind::Contact,
        EntryKind::Note,
        EntryKind::Resolved,
        EntryKind::Callback,
    ];
    if escalation_level(c) != Level::Manufacturer {
        kinds.push(EntryKind::Escalation);
    }
    if major_mark(c).is_some() {
        kinds.extend([EntryKind::Report, EntryKind::Unmajor]);
    } else {
        kinds.push(EntryKind::Major);
    }
    kinds
}

/// What the entry form is drawn from: the kinds offered and the level now.
type FormShape = (Vec<EntryKind>, Level);

/// The form that adds an entry of `kind`, with the text and time typed so far.
fn form_html(shape: &FormShape, kind: EntryKind, text: &str, at: &str, lang: Lang) -> String {
    let (kinds, level) = shape;
    let mut out = String::from(r#"<div class="chips" role="group">"#);
    for k in kinds {
        out += &format!(
            r#"<button type="button" class="chip" aria-pressed="{}" data-act="kind" data-arg="{}" data-kind="{}">{}</button>"#,
            *k == kind,
            k.as_str(),
            k.as_str(),
            k.label(lang)
        );
    }
    out += "</div>";
    let field = |label: &str, control: String| {
        format!(
            r#"<label class="field"><span class="field__label">{label}</span>{control}</label>"#
        )
    };
    if matches!(kind, EntryKind::Contact | EntryKind::Callback) {
        let options = options_html(
            None,
            code_labels(ContactMethod::ALL, ContactMethod::as_str, lang),
            "",
        );
        out += &field(
            lang.pick("方式", "How"),
            format!(
                r#"<select class="field__control" name="method" data-testid="entry-method">{options}</select>"#
            ),
        );
        out += &format!(
            r#"<label class="check"><input type="checkbox" name="reached" data-testid="entry-reached" checked>{}</label>"#,
            lang.pick("已联系上顾客", "Customer reached")
        );
    }
    if kind == EntryKind::Callback {
        out += r#"<div class="choice-row" role="radiogroup">"#;
        for (value, zh, en) in [
            ("yes", "满意", "Satisfied"),
            ("no", "不满意", "Not satisfied"),
            ("", "未表态", "No answer"),
        ] {
            out += &format!(
                r#"<label><input type="radio" name="satisfied" value="{value}" data-testid="entry-satisfied-{value}"{}>{}</label>"#,
                if value.is_empty() { " checked" } else { "" },
                lang.pick(zh, en)
            );
        }
        out += "</div>";
    }
    if kind == EntryKind::Escalation {
        let higher: Vec<Level> = Level::ALL.iter().copied().filter(|l| l > level).collect();
        let options = options_html(None, code_labels(&higher, Level::as_str, lang), "");
        out += &field(
            lang.pick("升级到", "Escalate to"),
            format!(
                r#"<select class="field__control" name="level" data-testid="entry-level">{options}</select>"#
            ),
        );
    }
    if kind == EntryKind::Major {
        out += &format!(
            r#"<fieldset class="criteria"><legend>{}</legend>"#,
            lang.pick("符合的重大投诉条件", "Criteria that hold")
        );
        for (i, (zh, en)) in CRITERIA.iter().enumerate() {
            out += &format!(
                r#"<label class="check"><input type="checkbox" name="crit" value="{n}" data-criterion="{n}">{n}. {}</label>"#,
                lang.pick(zh, en),
                n = i + 1
            );
        }
        out += "</fieldset>";
    }
    let text_label = match kind {
        EntryKind::Escalation => lang.pick("升级原因", "Why"),
        EntryKind::Callback => lang.pick("顾客反馈", "Customer's feedback"),
        EntryKind::Note => lang.pick("备注内容", "Note"),
        _ => lang.pick("说明", "Details"),
    };
    out += &field(
        text_label,
        format!(
            r#"<textarea class="field__control" rows="2" name="text" data-testid="entry-text">{}</textarea>"#,
            esc(text)
        ),
    );
    out += r#"<div class="entry-form__bottom">"#;
    out += &field(
        lang.pick("发生时间（默认现在）", "When (default: now)"),
        format!(
            r#"<input class="field__control" type="datetime-local" name="at" data-testid="entry-at" value="{}">"#,
            esc(at)
        ),
    );
    out + &format!(
        r#"<button type="button" class="btn btn--primary" data-act="add" data-testid="entry-add">{}</button></div>"#,
        lang.pick("添加记录", "Add to timeline")
    )
}

/// The value of the form control named `name` ("" when absent).
pub fn control_value(form: &web_sys::Element, name: &str) -> String {
    form.query_selector(&format!("[name={name}]"))
        .ok()
        .flatten()
        .and_then(|el| js_sys::Reflect::get(&el, &JsValue::from_str("value")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Whether the form has a checked control matching `selector`.
fn checked(form: &web_sys::Element, selector: &str) -> bool {
    form.query_selector(&format!("{selector}:checked"))
        .ok()
        .flatten()
        .is_some()
}

/// The entry the form describes (its time is checked by the caller).
#[derive(Clone)]
struct EntryDraft {
    kind: EntryKind,
    at: String,
    text: String,
    method: Option<ContactMethod>,
    reached: Option<bool>,
    satisfied: Option<bool>,
    level: Option<Level>,
    criteria: Vec<u8>,
}

fn read_form(form: &web_sys::Element, kind: EntryKind) -> EntryDraft {
    let contact = matches!(kind, EntryKind::Contact | EntryKind::Callback);
    let reached = contact.then(|| checked(form, "[name=reached]"));
    EntryDraft {
        kind,
        at: control_value(form, "at"),
        text: control_value(form, "text").trim().to_string(),
        method: ContactMethod::from_code(&control_value(form, "method")),
        reached,
        satisfied: match (kind, reached) {
            (EntryKind::Callback, Some(true)) if checked(form, "[name=satisfied][value=yes]") => {
                Some(true)
            }
            (EntryKind::Callback, Some(true)) if checked(form, "[name=satisfied][value=no]") => {
                Some(false)
            }
            _ => None,
        },
        level: Level::from_code(&control_value(form, "level")),
        criteria: (1..=5u8)
            .filter(|n| checked(form, &format!("[name=crit][value=\"{n}\"]")))
            .collect(),
    }
}

fn build_entry(
    d: EntryDraft,
    at: Option<DateTime<Utc>>,
    id: String,
    actor: &handling::Actor,
    now: DateTime<Utc>,
) -> Entry {
    let mut e = Entry::new(id, d.kind, actor, at.unwrap_or(now), now);
    e.text = d.text;
    if matches!(d.kind, EntryKind::Contact | EntryKind::Callback) {
        e.method = d.method;
        e.reached = d.reached;
    }
    e.satisfied = d.satisfied;
    if d.kind == EntryKind::Escalation {
        e.level = d.level;
    }
    if d.kind == EntryKind::Major {
        e.criteria = d.criteria;
    }
    e
}

/// A handling action on the stored complaint: given it, who acts, a fresh
/// entry id and the time, the changed complaint or why not.
type Action = Box<
    dyn FnOnce(
        &Complaint,
        handling::Actor,
        String,
        DateTime<Utc>,
    ) -> Result<Complaint, handling::HandlingError>,
>;

/// Everything about handling complaint `id`, read live from the app's list.
#[component]
pub fn HandlingPanel(id: String) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let offset = platform::local_offset();
    let id = StoredValue::new(id);
    let current = Memo::new(move |_| {
        id.with_value(|id| {
            state
                .complaints
                .with(|all| all.iter().find(|c| &c.id == id).cloned())
        })
    });
    let busy = RwSignal::new(false);
    // The last refusal, and whether it belongs to the side panel (status,
    // steps) or under the entry form.
    let error = RwSignal::new(None::<(bool, String)>);
    let kind = RwSignal::new(EntryKind::Contact);
    // What was typed survives a change of kind (the form is drawn again).
    let kept = RwSignal::new((String::new(), String::new()));
    let shape = Memo::new(move |_| {
        current.with(|c| c.as_ref().map(|c| (offered_kinds(c), escalation_level(c))))
    });
    let me = StoredValue::new(String::new());

    let facts = move || {
        current.with(|c| {
            c.as_ref()
                .map(|c| facts_html(c, state.now.get(), lang.get(), offset))
                .unwrap_or_default()
        })
    };
    let timeline = move || {
        if me.with_value(String::is_empty) {
            me.set_value(state.device_id());
        }
        current.with(|c| {
            c.as_ref()
                .map(|c| me.with_value(|me| timeline_html(c, lang.get(), offset, me)))
                .unwrap_or_default()
        })
    };
    let side = move || {
        current.with(|c| {
            c.as_ref()
                .map(|c| {
                    error.with(|e| {
                        let side = e
                            .as_ref()
                            .filter(|(side, _)| *side)
                            .map(|(_, m)| m.as_str());
                        side_html(c, lang.get(), offset, side)
                    })
                })
                .unwrap_or_default()
        })
    };
    // The kind the form shows: the one chosen, or contact when the chosen one
    // is no longer offered (after marking major, or escalating to the top).
    let shown_kind = move || {
        let k = kind.get();
        let offered = shape.with(|s| s.as_ref().is_some_and(|s| s.0.contains(&k)));
        if offered {
            k
        } else {
            EntryKind::Contact
        }
    };
    let form = move || {
        let k = shown_kind();
        shape.with(|s| {
            s.as_ref()
                .map(|s| kept.with(|(text, at)| form_html(s, k, text, at, lang.get())))
                .unwrap_or_default()
        })
    };

    // Runs a handling action, showing the refusal if there is one.
    let form_error = move || {
        error.with(|e| match e {
            Some((false, m)) => format!(
                r#"<p class="notice notice--error" role="alert" data-testid="entry-error">{}</p>"#,
                esc(m)
            ),
            _ => String::new(),
        })
    };

    let run = move |side: bool, action: Action, done: Box<dyn FnOnce()>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match state.handle(&id.get_value(), action).await {
                Ok(_) => {
                    error.set(None);
                    done();
                }
                Err(e) => error.set(Some((side, e.message(state.lang.get_untracked())))),
            }
            busy.set(false);
        });
    };

    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some(el) = tapped(&ev, "[data-act]") else {
            return;
        };
        let arg = el.get_attribute("data-arg").unwrap_or_default();
        match el.get_attribute("data-act").as_deref() {
            Some("status") => {
                if let Some(to) = Status::from_code(&arg) {
                    run(
                        true,
                        Box::new(move |c, actor, entry, now| {
                            change_status(c, to, entry, &actor, now)
                        }),
                        Box::new(|| ()),
                    );
                }
            }
            Some("step") => {
                let n: u8 = arg.parse().unwrap_or(0);
                let done = current
                    .with_untracked(|c| c.as_ref().is_some_and(|c| !c.steps.contains_key(&n)));
                run(
                    true,
                    Box::new(move |c, actor, _, now| tick_step(c, n, done, &actor, now)),
                    Box::new(|| ()),
                );
            }
            Some("kind") => {
                if let (Some(k), Ok(Some(f))) = (EntryKind::from_code(&arg), el.closest("form")) {
                    kept.set((control_value(&f, "text"), control_value(&f, "at")));
                    kind.set(k);
                }
            }
            Some("add") => {
                let Ok(Some(f)) = el.closest("form") else {
                    return;
                };
                let draft = read_form(&f, shown_kind());
                let at = if draft.at.trim().is_empty() {
                    None
                } else {
                    match complaints_domain::form::parse_local_datetime(&draft.at, offset) {
                        Some(t) => Some(t),
                        None => {
                            let m = lang
                                .get_untracked()
                                .pick("请输入正确的发生时间", "Enter a valid time");
                            error.set(Some((false, m.into())));
                            return;
                        }
                    }
                };
                run(
                    false,
                    Box::new(move |c, actor, entry_id, now| {
                        add_entry(c, build_entry(draft, at, entry_id, &actor, now))
                    }),
                    Box::new(move || {
                        // An empty form for the next entry: what was kept for a
                        // change of kind, and what was typed since it was drawn.
                        kept.set((String::new(), String::new()));
                        if let Ok(reset) = js_sys::Reflect::get(&f, &JsValue::from_str("reset")) {
                            if let Some(reset) = reset.dyn_ref::<js_sys::Function>() {
                                let _ = reset.call0(&f);
                            }
                        }
                    }),
                );
            }
            _ => {}
        }
    };

    view! {
        <section class="handling" data-testid="handling" on:click=on_click>
            <div inner_html={Signal::derive(facts)}></div>
            <div class="handling__cols">
                <div class="panel">
                    <h2>{crate::i18n::tr2(lang, "处理记录", "Timeline")}</h2>
                    <div inner_html={Signal::derive(timeline)}></div>
                    <form class="entry-form" novalidate on:submit=|ev| ev.prevent_default() data-testid="entry-form" inner_html={Signal::derive(form)}></form>
                    <div inner_html={Signal::derive(form_error)}></div>
                </div>
                <div class="panel" inner_html={Signal::derive(side)}></div>
            </div>
        </section>
    }
}
