//! The handling process on a complaint: its clocks, the major-complaint
//! warnings, the timeline with the form that adds to it, the eight steps and
//! the status. Every rule comes from the shared crate; this file only shows
//! them and turns taps into [`AppState::handle`] calls.

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

use crate::platform;
use crate::router::Link;
use crate::state::{use_app_state, AppState};

fn local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    timefmt::date_time(at.with_timezone(&offset).naive_local())
}

/// One clock as a chip: "首次联系：还剩 1小时20分", coloured by its state.
#[component]
pub fn ClockChip(clock: Clock) -> impl IntoView {
    let state = use_app_state();
    let kind = clock.kind.as_str();
    let clock = StoredValue::new(clock);
    let now = state.now;
    let code = move || clock.with_value(|c| c.state(now.get()).code());
    view! {
        <span class=move || format!("clock clock--{}", code()) data-clock=kind data-state=code>
            {move || clock.with_value(|c| c.describe(now.get(), state.lang.get()))}
        </span>
    }
}

/// The major-complaint warnings, each saying why.
#[component]
pub fn RiskList(#[prop(into)] warnings: Signal<Vec<Warning>>) -> impl IntoView {
    let lang = use_app_state().lang;
    move || {
        let list = warnings.get();
        let lang = lang.get();
        (!list.is_empty()).then(|| {
            let major = list.iter().any(|w| w.rule.criterion().is_some());
            let title = match (major, lang) {
                (true, Lang::Zh) => "符合重大投诉条件".to_string(),
                (true, Lang::En) => "Meets a major-complaint criterion".to_string(),
                (false, _) => lang.pick("重大投诉风险提示", "Major-complaint risk signals").to_string(),
            };
            let items = list
                .iter()
                .map(|w| {
                    let class = if w.rule.criterion().is_some() { "risk__item risk__item--criterion" } else { "risk__item" };
                    view! { <li class=class data-rule=w.rule.as_str()>{w.message(lang)}</li> }
                })
                .collect_view();
            view! {
                <section class="risk" data-testid="risk" aria-live="polite">
                    <h2 class="risk__title">{format!("⚠ {title}（{}）", list.len())}</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
    }
}

/// On intake, in the bar at the bottom that is always in view: one line
/// naming the warnings and the same-vehicle complaints, opening into both lists.
#[component]
pub fn IntakeAlerts(
    #[prop(into)] warnings: Signal<Vec<Warning>>,
    #[prop(into)] others: Signal<Vec<Complaint>>,
) -> impl IntoView {
    let lang = use_app_state().lang;
    let line = move || {
        let lang = lang.get();
        let mut parts = Vec::new();
        warnings.with(|w| {
            if !w.is_empty() {
                let titles: Vec<&str> = w.iter().map(|w| w.rule.label(lang)).collect();
                parts.push(format!("⚠ {} {}：{}", lang.pick("风险提示", "Warnings"), w.len(), titles.join("、")));
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
    move || {
        let text = line();
        (!text.is_empty()).then(|| view! {
            <details class="intake-alerts" data-testid="intake-alerts">
                <summary>{text}</summary>
                <div class="intake-alerts__body">
                    <RiskList warnings/>
                    <SameVehicle others/>
                </div>
            </details>
        })
    }
}

/// Other complaints about the same vehicle, open ones first.
#[component]
pub fn SameVehicle(#[prop(into)] others: Signal<Vec<Complaint>>) -> impl IntoView {
    let lang = use_app_state().lang;
    let offset = platform::local_offset();
    move || {
        let list = others.get();
        let lang = lang.get();
        (!list.is_empty()).then(|| {
            let title = match lang {
                Lang::Zh => format!("同一车辆的其他投诉（{} 条）", list.len()),
                Lang::En => format!("Other complaints about this vehicle ({})", list.len()),
            };
            let items = list
                .into_iter()
                .map(|c| {
                    view! {
                        <li>
                            <Link href=format!("/c/{}", c.id)>
                                <span class=format!("badge badge--{}", c.status.as_str())>{c.status.label(lang)}</span>
                                " " {c.case_number.clone()} " · " {local(c.received_at, offset)} " · " {c.content.chars().take(40).collect::<String>()}
                            </Link>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="same-vehicle" data-testid="same-vehicle">
                    <h2>{title}</h2>
                    <ul>{items}</ul>
                </section>
            }
        })
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
        let reopen = if e.is_reopening() { lang.pick("重新打开：", "reopened: ") } else { "" };
        parts.push(format!("{reopen}{} → {}", from.label(lang), to.label(lang)));
    }
    if !e.criteria.is_empty() {
        let list: Vec<String> = e.criteria.iter().map(u8::to_string).collect();
        parts.push(format!("{} {}", lang.pick("符合条件", "criteria"), list.join(", ")));
    }
    if e.recorded - e.at > chrono::Duration::minutes(10) {
        parts.push(format!("{} {}", lang.pick("补记于", "recorded"), local(e.recorded, offset)));
    }
    parts.join(" · ")
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

/// Runs a handling action, showing "working" and the refusal, if any.
fn act(
    state: AppState,
    id: StoredValue<String>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    action: impl FnOnce(&Complaint, handling::Actor, String, DateTime<Utc>) -> Result<Complaint, handling::HandlingError>
        + 'static,
    done: impl FnOnce() + 'static,
) {
    busy.set(true);
    spawn_local(async move {
        match state.handle(&id.get_value(), action).await {
            Ok(_) => {
                error.set(None);
                done();
            }
            Err(e) => error.set(Some(e.message(state.lang.get_untracked()))),
        }
        busy.set(false);
    });
}

/// Everything about handling complaint `id`, read live from the app's list.
#[component]
pub fn HandlingPanel(id: String) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let offset = platform::local_offset();
    let id = StoredValue::new(id);
    let current = Memo::new(move |_| {
        id.with_value(|id| state.complaints.with(|all| all.iter().find(|c| &c.id == id).cloned()))
    });
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let facts = move || {
        let c = current.get()?;
        let lang = lang.get();
        let level = escalation_level(&c);
        let chips = clocks(&c).into_iter().map(|k| view! { <ClockChip clock=k/> }).collect_view();
        Some(view! {
            <div class="handling__facts">
                <span class=format!("badge level level--{}", level.as_str()) data-testid="level">
                    {format!("{}{}", lang.pick("处理层级：", "Level: "), level.label(lang))}
                </span>
                {major_mark(&c).map(|m| view! {
                    <span class="badge badge--major" data-testid="major">
                        {format!("{} · {} {}", lang.pick("重大投诉", "Major complaint"), m.by, local(m.at, offset))}
                    </span>
                })}
                {chips}
            </div>
        })
    };

    let timeline = move || {
        let c = current.get()?;
        let lang = lang.get();
        let me = state.device_id();
        let items = c
            .timeline
            .iter()
            .map(|e| {
                let who = if e.dev == me { format!("{} · {}", e.by, lang.pick("本机", "this device")) } else { e.by.clone() };
                view! {
                    <li class=format!("tl tl--{}", e.kind.as_str()) data-kind=e.kind.as_str()>
                        <div class="tl__head">
                            <time>{local(e.at, offset)}</time>
                            <strong>{e.kind.label(lang)}</strong>
                            <span class="tl__who">{who}</span>
                        </div>
                        <p class="tl__detail">{summary(e, offset, lang)}</p>
                        {(!e.text.is_empty()).then(|| view! { <p class="tl__text">{e.text.clone()}</p> })}
                    </li>
                }
            })
            .collect_view();
        Some(if c.timeline.is_empty() {
            view! { <p class="empty">{lang.pick("还没有处理记录", "Nothing recorded yet")}</p> }.into_any()
        } else {
            view! { <ol class="timeline" data-testid="timeline">{items}</ol> }.into_any()
        })
    };

    let steps = move || {
        let c = current.get()?;
        let lang = lang.get();
        let rows = (1..=8u8)
            .map(|n| {
                let tick = c.steps.get(&n).cloned();
                let done = tick.is_some();
                let who = tick.map(|t| format!("{} · {}", t.by, local(t.at, offset))).unwrap_or_default();
                let toggle = move |_| act(state, id, busy, error, move |c, actor, _, now| tick_step(c, n, !done, &actor, now), || ());
                view! {
                    <li class:step--done=done>
                        <label>
                            <input type="checkbox" prop:checked=done disabled=move || busy.get() on:change=toggle data-step=n/>
                            <span>{format!("{n}. {}", handling::step_label(n, lang))}</span>
                        </label>
                        <span class="step__who">{who}</span>
                    </li>
                }
            })
            .collect_view();
        Some(view! { <ol class="steps" data-testid="steps">{rows}</ol> })
    };

    let status = move || {
        let c = current.get()?;
        let lang = lang.get();
        let buttons = Status::ALL
            .iter()
            .map(|&s| {
                let here = c.status == s;
                let go = move |_| act(state, id, busy, error, move |c, actor, entry, now| change_status(c, s, entry, &actor, now), || ());
                view! {
                    <button type="button" class=if here { "btn btn--primary" } else { "btn" } aria-pressed=here.to_string()
                        disabled=move || busy.get() on:click=go data-status=s.as_str()>
                        {if c.status == Status::Closed && s != Status::Closed {
                            format!("{} {}", lang.pick("重新打开为", "Reopen as"), s.label(lang))
                        } else {
                            s.label(lang).to_string()
                        }}
                    </button>
                }
            })
            .collect_view();
        Some(view! { <div class="status-row" role="group">{buttons}</div> })
    };

    view! {
        <section class="handling" data-testid="handling">
            {facts}
            <div class="handling__cols">
                <div class="panel">
                    <h2>{move || lang.get().pick("处理记录", "Timeline")}</h2>
                    {timeline}
                    <EntryForm current id busy error/>
                </div>
                <div class="panel">
                    <h2>{move || lang.get().pick("状态", "Status")}</h2>
                    {status}
                    {move || error.get().map(|e| view! { <p class="notice notice--error" role="alert" data-testid="handling-error">{e}</p> })}
                    <h2>{move || lang.get().pick("处理八步骤", "The eight steps")}</h2>
                    {steps}
                </div>
            </div>
        </section>
    }
}

/// Adds an entry to the timeline: the kind, when it happened (now unless
/// changed), and what that kind needs.
#[component]
fn EntryForm(
    current: Memo<Option<Complaint>>,
    id: StoredValue<String>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let offset = platform::local_offset();
    let kind = RwSignal::new(EntryKind::Contact);
    let at = RwSignal::new(String::new());
    let method = RwSignal::new(Some(ContactMethod::Phone));
    let reached = RwSignal::new(Some(true));
    let satisfied = RwSignal::new(None::<bool>);
    let level = RwSignal::new(None::<Level>);
    let criteria = RwSignal::new(Vec::<u8>::new());
    let text = RwSignal::new(String::new());
    let reset = move || {
        at.set(String::new());
        text.set(String::new());
        criteria.set(Vec::new());
        satisfied.set(None);
        level.set(None);
    };

    let submit = move |_| {
        let when = at.get_untracked();
        let typed_at = if when.trim().is_empty() {
            None
        } else {
            match complaints_domain::form::parse_local_datetime(&when, offset) {
                Some(t) => Some(t),
                None => {
                    error.set(Some(lang.get_untracked().pick("请输入正确的发生时间", "Enter a valid time").into()));
                    return;
                }
            }
        };
        let k = kind.get_untracked();
        let (m, r, s, l, cr, t) = (
            method.get_untracked(),
            reached.get_untracked(),
            satisfied.get_untracked(),
            level.get_untracked(),
            criteria.get_untracked(),
            text.get_untracked().trim().to_string(),
        );
        act(
            state,
            id,
            busy,
            error,
            move |c, actor, entry_id, now| {
                let mut e = Entry::new(entry_id, k, &actor, typed_at.unwrap_or(now), now);
                e.text = t;
                if matches!(k, EntryKind::Contact | EntryKind::Callback) {
                    e.method = m;
                    e.reached = r;
                }
                if k == EntryKind::Callback && r == Some(true) {
                    e.satisfied = s;
                }
                if k == EntryKind::Escalation {
                    e.level = l.or(Some(match escalation_level(c) {
                        Level::Branch => Level::Management,
                        _ => Level::Manufacturer,
                    }));
                }
                if k == EntryKind::Major {
                    e.criteria = cr;
                }
                add_entry(c, e)
            },
            reset,
        );
    };

    let kinds = move || {
        let c = current.get()?;
        let lang = lang.get();
        let offered = offered_kinds(&c);
        if !offered.contains(&kind.get_untracked()) {
            kind.set(EntryKind::Contact);
        }
        Some(
            offered
                .into_iter()
                .map(|k| {
                    view! {
                        <button type="button" class="chip" aria-pressed=move || (kind.get() == k).to_string()
                            on:click=move |_| kind.set(k) data-kind=k.as_str()>
                            {k.label(lang)}
                        </button>
                    }
                })
                .collect_view(),
        )
    };

    // The inputs the chosen kind needs.
    let specifics = move || {
        let lang = lang.get();
        let k = kind.get();
        let mut out = Vec::new();
        if matches!(k, EntryKind::Contact | EntryKind::Callback) {
            let options = ContactMethod::ALL
                .iter()
                .map(|&m| view! { <option value=m.as_str() selected=method.get_untracked() == Some(m)>{m.label(lang)}</option> })
                .collect_view();
            out.push(view! {
                <label class="field"><span class="field__label">{lang.pick("方式", "How")}</span>
                    <select class="field__control" data-testid="entry-method" on:change=move |ev| method.set(ContactMethod::from_code(&event_target_value(&ev)))>{options}</select>
                </label>
                <label class="check"><input type="checkbox" data-testid="entry-reached" prop:checked=move || reached.get() == Some(true)
                    on:change=move |ev| reached.set(Some(event_target_checked(&ev)))/>{lang.pick("已联系上顾客", "Customer reached")}</label>
            }.into_any());
        }
        if k == EntryKind::Callback {
            let pick = move |v: Option<bool>| move |_| satisfied.set(v);
            out.push(view! {
                <div class="choice-row" role="radiogroup" aria-label=lang.pick("顾客是否满意", "Customer satisfied")>
                    <label><input type="radio" name="entry-satisfied" data-testid="entry-satisfied-yes" prop:checked=move || satisfied.get() == Some(true) on:change=pick(Some(true))/>{lang.pick("满意", "Satisfied")}</label>
                    <label><input type="radio" name="entry-satisfied" data-testid="entry-satisfied-no" prop:checked=move || satisfied.get() == Some(false) on:change=pick(Some(false))/>{lang.pick("不满意", "Not satisfied")}</label>
                    <label><input type="radio" name="entry-satisfied" prop:checked=move || satisfied.get().is_none() on:change=pick(None)/>{lang.pick("未表态", "No answer")}</label>
                </div>
            }.into_any());
        }
        if k == EntryKind::Escalation {
            let from = current.with(|c| c.as_ref().map(escalation_level)).unwrap_or_default();
            let options = Level::ALL
                .iter()
                .filter(|&&l| l > from)
                .map(|&l| view! { <option value=l.as_str()>{l.label(lang)}</option> })
                .collect_view();
            out.push(view! {
                <label class="field"><span class="field__label">{lang.pick("升级到", "Escalate to")}</span>
                    <select class="field__control" data-testid="entry-level" on:change=move |ev| level.set(Level::from_code(&event_target_value(&ev)))>{options}</select>
                </label>
            }.into_any());
        }
        if k == EntryKind::Major {
            let boxes = (1..=5u8)
                .map(|n| {
                    let (zh, en) = CRITERIA[usize::from(n) - 1];
                    view! {
                        <label class="check"><input type="checkbox" data-criterion=n prop:checked=move || criteria.with(|c| c.contains(&n))
                            on:change=move |ev| criteria.update(|c| { c.retain(|x| *x != n); if event_target_checked(&ev) { c.push(n); c.sort_unstable(); } })/>
                            {format!("{n}. {}", lang.pick(zh, en))}</label>
                    }
                })
                .collect_view();
            out.push(view! { <fieldset class="criteria"><legend>{lang.pick("符合的重大投诉条件", "Criteria that hold")}</legend>{boxes}</fieldset> }.into_any());
        }
        out
    };

    let text_label = move || {
        let lang = lang.get();
        match kind.get() {
            EntryKind::Escalation => lang.pick("升级原因", "Why"),
            EntryKind::Callback => lang.pick("顾客反馈", "Customer's feedback"),
            EntryKind::Note => lang.pick("备注内容", "Note"),
            _ => lang.pick("说明", "Details"),
        }
    };

    view! {
        <form class="entry-form" novalidate on:submit=|ev| ev.prevent_default() data-testid="entry-form">
            <div class="chips" role="group">{kinds}</div>
            {specifics}
            <label class="field"><span class="field__label">{text_label}</span>
                <textarea class="field__control" rows="2" data-testid="entry-text" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <div class="entry-form__bottom">
                <label class="field"><span class="field__label">{move || lang.get().pick("发生时间（默认现在）", "When (default: now)")}</span>
                    <input class="field__control" type="datetime-local" data-testid="entry-at" prop:value=move || at.get()
                        on:input=move |ev| at.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="btn btn--primary" data-testid="entry-add" disabled=move || busy.get() on:click=submit>
                    {move || lang.get().pick("添加记录", "Add to timeline")}
                </button>
            </div>
        </form>
    }
}
