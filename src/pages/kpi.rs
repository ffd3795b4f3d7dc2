//! The KPI dashboard (`/kpi/<YYYY-MM>/<branch|all>`) and the printable
//! monthly statistics report (`/report/<YYYY-MM>/<branch|all>`), computed
//! on the device from the complaints and PDCA rows it holds, so they work
//! with no network. The maths is the shared crate's (`kpi`, `pdca`,
//! `report`); this module only draws it, as escaped HTML and SVG strings
//! (one click handler each), like the list.
//!
//! A month's figures are "as of" the end of that month (or now, for the
//! current month): a report for October does not change when an October
//! complaint is closed in November.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use complaints_domain::kpi::{
    evaluate, figures, figures_by_branch, one_decimal, status_as_of, Bucket, Evaluation, Figures,
    Kpi, Period,
};
use complaints_domain::pdca::{self, PdcaItem};
use complaints_domain::report::{monthly_csv, percent, ReportBlock};
use complaints_domain::{timefmt, Category, Channel, Complaint, Labelled, Lang};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::components::{esc, follow_link};
use crate::platform;
use crate::router::use_nav;
use crate::state::{use_app_state, AppState};

#[wasm_bindgen(
    inline_js = "export function save_file(name, text) { const u = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' })); const a = document.createElement('a'); a.href = u; a.download = name; document.body.appendChild(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(u), 1000); }
export function print_page() { window.print(); }"
)]
extern "C" {
    /// Offers `text` as a download named `name`.
    fn save_file(name: &str, text: &str);
    fn print_page();
}

/// What the page shows: a month (`YYYY-MM`) and a branch code ("all": every
/// branch the user sees on this device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub month: String,
    pub branch: String,
}

impl Choice {
    /// From the path's rest (`2026-11/BJ01`); the current month and every
    /// branch when absent or malformed.
    pub fn from_path(rest: &str) -> Choice {
        let mut parts = rest.split('/');
        let month = parts.next().filter(|m| pdca::valid_month(m));
        let branch = parts.next().filter(|b| !b.is_empty());
        let now = Utc::now().with_timezone(&platform::local_offset());
        Choice {
            month: month.map_or_else(
                || format!("{:04}-{:02}", now.year(), now.month()),
                str::to_string,
            ),
            branch: branch.unwrap_or("all").to_string(),
        }
    }

    /// [`Self::from_path`], with a user of one branch starting on it.
    pub fn resolve(rest: &str, state: AppState) -> Choice {
        let mut choice = Choice::from_path(rest);
        if choice.all() {
            let only = state.auth.with(|a| {
                a.session()
                    .filter(|s| s.scope.branches.len() == 1)
                    .map(|s| s.scope.branches[0].clone())
            });
            if let Some(branch) = only {
                choice.branch = branch;
            }
        }
        choice
    }

    fn path(&self, page: &str) -> String {
        format!("/{page}/{}/{}", self.month, self.branch)
    }

    fn period(&self) -> Period {
        let year = self.month[..4].parse().unwrap_or(2026);
        let month = self.month[5..].parse().unwrap_or(1);
        Period::month(year, month).unwrap_or_else(|| Period::month_of(Utc::now().date_naive()))
    }

    fn all(&self) -> bool {
        self.branch == "all"
    }
}

/// The branches the user may choose: those of their scope, and those of the
/// complaints on the device (an administrator's scope names none), with the
/// name the complaints give them.
fn branches(state: AppState) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = state.auth.with_untracked(|a| {
        a.session()
            .map(|s| {
                s.scope
                    .branches
                    .iter()
                    .map(|b| (b.clone(), String::new()))
                    .collect()
            })
            .unwrap_or_default()
    });
    state.complaints.with(|all| {
        for c in all {
            match out.iter_mut().find(|(code, _)| *code == c.branch_code) {
                Some((_, name)) if name.is_empty() => name.clone_from(&c.branch_name),
                Some(_) => {}
                None => out.push((c.branch_code.clone(), c.branch_name.clone())),
            }
        }
    });
    complaints_domain::order::sort_by(&mut out, &|a, b| a.0.cmp(&b.0));
    out
}

fn branch_label(branches: &[(String, String)], code: &str, lang: Lang) -> String {
    if code == "all" {
        return lang.pick("全部维修站", "All branches").to_string();
    }
    match branches.iter().find(|(c, _)| c == code) {
        Some((_, name)) if !name.is_empty() => format!("{code} {name}"),
        _ => code.to_string(),
    }
}

/// Everything both pages show, computed once per change.
struct Computed {
    figures: Figures,
    by_branch: Vec<(String, Figures)>,
    targets: [Option<f64>; 4],
    rows: Vec<PdcaItem>,
    as_of: DateTime<Utc>,
    /// Milliseconds the figures took.
    ms: f64,
    /// Complaints on the device.
    total: usize,
}

/// The targets of the choice's KPIs and its PDCA rows (empty ones where
/// none is kept), read without tracking.
fn plan_rows(state: AppState, choice: &Choice) -> ([Option<f64>; 4], Vec<PdcaItem>) {
    state.plans.with_value(|items| {
        let targets = std::array::from_fn(|i| {
            pdca::target_for(items, &choice.branch, Kpi::ALL[i], &choice.month)
        });
        let rows = Kpi::ALL
            .iter()
            .map(|k| {
                items
                    .iter()
                    .find(|i| {
                        i.branch_code == choice.branch
                            && i.kpi == Some(*k)
                            && i.month == choice.month
                    })
                    .cloned()
                    .unwrap_or_else(|| PdcaItem::new(&choice.branch, *k, &choice.month))
            })
            .collect();
        (targets, rows)
    })
}

fn compute(state: AppState, choice: &Choice) -> Computed {
    let period = choice.period();
    let offset = platform::local_offset();
    // The last moment of the month, local time.
    let end = ((period.last + Duration::days(1)).and_time(NaiveTime::MIN)
        - Duration::seconds(i64::from(offset.local_minus_utc())))
    .and_utc()
        - Duration::milliseconds(1);
    let as_of = end.min(state.now.get());
    let start = platform::now_ms();
    let (figures, by_branch, total) = state.complaints.with(|all| {
        let pick = |code: &str| choice.all() || code == choice.branch;
        let by_branch = if choice.all() {
            figures_by_branch(all, pick, &period, offset, as_of)
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        (
            figures(all, pick, &period, offset, as_of),
            by_branch,
            all.len(),
        )
    });
    let ms = platform::now_ms() - start;
    state.plans_seen.track();
    let (targets, rows) = plan_rows(state, choice);
    Computed {
        figures,
        by_branch,
        targets,
        rows,
        as_of,
        ms,
        total,
    }
}

fn pct(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{}%", one_decimal(v)),
        None => "—".into(),
    }
}

fn evaluation_html(value: Option<f64>, target: Option<f64>, lang: Lang) -> String {
    match target.and_then(|t| evaluate(value, t)) {
        Some(e) => format!(
            r#"<span class="eval eval--{}" data-testid="evaluation">{}{}</span>"#,
            e.as_str(),
            match e {
                Evaluation::Meets => "✓ ",
                Evaluation::NeedsImprovement => "△ ",
                Evaluation::Below => "× ",
            },
            e.label(lang)
        ),
        None => String::new(),
    }
}

/// A horizontal bar chart: one bar per row, labelled with the count and
/// share. Laid out in percentages of its width and pixels of height, so the
/// text keeps its size on any screen.
fn bar_chart(id: &str, title: &str, rows: &[(&str, u32)], of: &Figures) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut bars = String::new();
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = i * 32;
        // The bar runs from 38 % to at most 68 % of the width, leaving room
        // for its count and share on a half-width chart of a tablet.
        let w = n * 300 / max;
        bars += &format!(
            r#"<g data-row="{}" data-count="{n}"><text x="0" y="{}" class="chart__label">{}</text><rect x="38%" y="{}" width="{}.{}%" height="22" rx="3" class="chart__bar"/><text x="{}.{}%" dx="6" y="{}" class="chart__value">{n} · {}</text></g>"#,
            esc(label),
            y + 21,
            esc(label),
            y + 5,
            w / 10,
            w % 10,
            (380 + w) / 10,
            (380 + w) % 10,
            y + 21,
            pct(of.share(*n).percent()),
        );
    }
    format!(
        r#"<figure class="chart card" data-testid="{id}"><figcaption>{}</figcaption><svg width="100%" height="{}" role="img" aria-label="{}">{bars}</svg></figure>"#,
        esc(title),
        rows.len() * 32,
        esc(title)
    )
}

fn category_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    Category::ALL
        .iter()
        .map(|c| c.label(lang))
        .zip(f.by_category)
        .collect()
}

fn channel_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    Channel::ALL
        .iter()
        .map(|c| c.label(lang))
        .zip(f.by_channel)
        .collect()
}

fn time_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    let mut rows: Vec<_> = Bucket::ALL
        .iter()
        .map(|b| b.label(lang))
        .zip(f.buckets)
        .collect();
    if f.closed_time_unknown > 0 {
        rows.push((
            lang.pick("已结案，时间不明", "Closed, time unknown"),
            f.closed_time_unknown,
        ));
    }
    rows.push((lang.pick("尚未结案", "Not closed yet"), f.open));
    rows
}

/// The four rates against their targets.
fn rate_cards(c: &Computed, lang: Lang) -> String {
    let mut out = String::new();
    for (kpi, target) in Kpi::ALL.iter().zip(c.targets) {
        let rate = c.figures.rate(*kpi);
        let value = rate.percent();
        let bar = one_decimal(value.unwrap_or(0.0));
        let marker = target.map_or(String::new(), |t| {
            let t = one_decimal(t);
            format!(r#"<line x1="{t}" x2="{t}" y1="-3" y2="13" class="meter__target"/>"#)
        });
        let eval_class = target
            .and_then(|t| evaluate(value, t))
            .map_or("none", |e| e.as_str());
        out += &format!(
            r#"<div class="rate card" data-testid="rate-{}"><p class="rate__name">{}</p><p class="rate__value" data-testid="rate-value">{}</p><p class="rate__of">{} / {}</p><svg class="meter" viewBox="0 -3 100 16" preserveAspectRatio="none" aria-hidden="true"><rect width="100" height="10" class="meter__track"/><rect width="{bar}" height="10" class="meter__bar meter--{eval_class}"/>{marker}</svg><p class="rate__target">{}: {}</p>{}</div>"#,
            kpi.as_str(),
            kpi.label(lang),
            pct(value),
            rate.num,
            rate.den,
            lang.pick("目标", "Target"),
            target.map_or_else(
                || lang.pick("未设定", "not set").to_string(),
                |t| pct(Some(t))
            ),
            evaluation_html(value, target, lang),
        );
    }
    format!(r#"<section class="rates">{out}</section>"#)
}

/// The regional view: every branch's rates side by side.
fn branch_table(c: &Computed, branches: &[(String, String)], lang: Lang) -> String {
    let mut rows = String::new();
    for (code, f) in &c.by_branch {
        let rates: String = Kpi::ALL
            .iter()
            .map(|k| format!("<td>{}</td>", pct(f.rate(*k).percent())))
            .collect();
        rows += &format!(
            r#"<tr data-branch="{}"><th scope="row">{}</th><td>{}</td>{rates}</tr>"#,
            esc(code),
            esc(&branch_label(branches, code, lang)),
            f.received
        );
    }
    let heads: String = Kpi::ALL
        .iter()
        .map(|k| format!("<th>{}</th>", k.label(lang)))
        .collect();
    format!(
        r#"<section class="card"><h2>{}</h2><table class="kpi-table" data-testid="branch-table"><thead><tr><th>{}</th><th>{}</th>{heads}</tr></thead><tbody>{rows}</tbody></table></section>"#,
        lang.pick("各维修站对比", "Branches compared"),
        lang.pick("维修站", "Branch"),
        lang.pick("受理数", "Received"),
    )
}

/// The PDCA table of one branch and month.
fn pdca_table(c: &Computed, can_edit: bool, lang: Lang) -> String {
    let mut rows = String::new();
    for (i, (row, target)) in c.rows.iter().zip(c.targets).enumerate() {
        let kpi = Kpi::ALL[i];
        let value = c.figures.rate(kpi).percent();
        let edit = if can_edit {
            format!(
                r#"<button type="button" class="btn" data-act="edit" data-kpi="{}">{}</button>"#,
                i + 1,
                lang.pick("填写", "Edit")
            )
        } else {
            String::new()
        };
        let own = if row.target.is_none() && target.is_some() {
            lang.pick("（沿用）", " (carried)")
        } else {
            ""
        };
        rows += &format!(
            r#"<tr data-kpi="{}"><th scope="row">{}</th><td>{}{own}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="no-print">{edit}</td></tr>"#,
            kpi.as_str(),
            kpi.label(lang),
            pct(target),
            pct(value),
            evaluation_html(value, target, lang),
            esc(&row.analysis),
            esc(&row.measures),
            esc(&row.owner),
            row.due.map(timefmt::date).unwrap_or_default(),
        );
    }
    let heads = [
        lang.pick("KPI", "KPI"),
        lang.pick("目标值（计划）", "Target (plan)"),
        lang.pick("实际值（实施）", "Actual (do)"),
        lang.pick("评估（检查）", "Evaluation (check)"),
        lang.pick("问题分析", "Problem analysis"),
        lang.pick("措施", "Measures"),
        lang.pick("负责人", "Owner"),
        lang.pick("完成日期", "Due"),
    ]
    .map(|h| format!("<th>{h}</th>"))
    .concat();
    format!(
        r#"<section class="card pdca"><h2>{}</h2><table class="kpi-table" data-testid="pdca-table"><thead><tr>{heads}<th class="no-print"></th></tr></thead><tbody>{rows}</tbody></table></section>"#,
        lang.pick("PDCA 表", "PDCA table"),
    )
}

/// Changes to PDCA rows the server refused: the reason and a discard button.
fn refused_plans(state: AppState, lang: Lang) -> String {
    state.sync.rejected.with(|entries| {
        entries
            .iter()
            .filter(|e| pdca::is_pdca(&e.op.record))
            .map(|e| {
                format!(
                    r#"<p class="notice notice--error" data-testid="pdca-refused">{} — {} <button type="button" class="btn btn--danger" data-act="discard" data-op="{}">{}</button></p>"#,
                    esc(&e.op.record),
                    esc(&e.rejection.as_ref().map(|r| r.message(lang)).unwrap_or_default()),
                    esc(&e.op.id),
                    lang.pick("放弃此修改", "Discard"),
                )
            })
            .collect()
    })
}

fn as_of_text(c: &Computed, lang: Lang) -> String {
    let local = c.as_of.with_timezone(&platform::local_offset());
    format!(
        "{} {}",
        lang.pick("数据截至", "Figures as of"),
        complaints_domain::timefmt::date_time(local.naive_local())
    )
}

/// The CSV of the choice: one block, or each branch and then all together.
fn export_csv(state: AppState, choice: &Choice) {
    let lang = state.lang.get_untracked();
    let branches = branches(state);
    // An event handler: nothing tracks what it reads.
    let c = compute(state, choice);
    let mut blocks: Vec<(String, Figures, [Option<f64>; 4])> = Vec::new();
    for (code, f) in &c.by_branch {
        let targets = state.plans.with_value(|items| {
            std::array::from_fn(|i| pdca::target_for(items, code, Kpi::ALL[i], &choice.month))
        });
        blocks.push((branch_label(&branches, code, lang), f.clone(), targets));
    }
    blocks.push((
        branch_label(&branches, &choice.branch, lang),
        c.figures.clone(),
        c.targets,
    ));
    let blocks: Vec<ReportBlock> = blocks
        .iter()
        .map(|(label, figures, targets)| ReportBlock {
            branch: label,
            month: &choice.month,
            figures,
            targets: *targets,
        })
        .collect();
    let name = format!(
        "{}-{}-{}.csv",
        lang.pick("客户投诉统计分析月报表", "complaint-report"),
        if choice.all() {
            lang.pick("全部", "all")
        } else {
            &choice.branch
        },
        choice.month
    );
    save_file(&name, &monthly_csv(&blocks, lang));
}

/// The month and branch pickers and the actions; `page` is "kpi" or "report".
fn controls(state: AppState, choice: &Choice, page: &str, lang: Lang) -> String {
    let list = branches(state);
    let mut options = String::new();
    if list.len() > 1 || choice.all() {
        options += &format!(
            r#"<option value="all">{}</option>"#,
            branch_label(&list, "all", lang)
        );
    }
    for (code, _) in &list {
        let selected = if *code == choice.branch {
            " selected"
        } else {
            ""
        };
        options += &format!(
            r#"<option value="{}"{selected}>{}</option>"#,
            esc(code),
            esc(&branch_label(&list, code, lang))
        );
    }
    let (other_page, other) = if page == "kpi" {
        (
            "report",
            lang.pick("月报表（打印）", "Monthly report (print)"),
        )
    } else {
        ("kpi", lang.pick("返回统计", "Back to the dashboard"))
    };
    let print = if page == "report" {
        format!(
            r#"<button type="button" class="btn btn--primary" data-act="print">{}</button>"#,
            lang.pick("打印", "Print")
        )
    } else {
        String::new()
    };
    format!(
        r#"<div class="kpi-controls no-print"><label>{}<input type="month" name="month" value="{}" data-testid="kpi-month"></label><label>{}<select name="branch" data-testid="kpi-branch">{options}</select></label><a class="btn" href="{}" data-link data-testid="kpi-{other_page}-link">{other}</a>{print}<button type="button" class="btn" data-act="csv" data-testid="kpi-csv">{}</button></div>"#,
        lang.pick("月份", "Month"),
        esc(&choice.month),
        lang.pick("维修站", "Branch"),
        esc(&choice.path(other_page)),
        lang.pick("导出 CSV", "Export CSV"),
    )
}

/// Handles the controls' changes and clicks (shared by both pages).
fn on_control(choice: Memo<Choice>, page: &'static str) -> impl Fn(leptos::ev::Event) + Copy {
    move |ev: leptos::ev::Event| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Some(name) = el.get_attribute("name") else {
            return;
        };
        let value = js_sys::Reflect::get(&el, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let mut next = choice.get_untracked();
        match name.as_str() {
            "month" if pdca::valid_month(&value) => next.month = value,
            "branch" => next.branch = value,
            _ => return,
        }
        use_nav().go(&next.path(page));
    }
}

/// The click actions of both pages: links, print, CSV, discard.
fn on_click(
    state: AppState,
    choice: Memo<Choice>,
    editing: RwSignal<usize>,
) -> impl Fn(leptos::ev::MouseEvent) + Copy {
    move |ev: leptos::ev::MouseEvent| {
        if follow_link(&ev) {
            return;
        }
        let Some(button) = crate::components::tapped(&ev, "[data-act]") else {
            return;
        };
        match button.get_attribute("data-act").as_deref() {
            Some("print") => print_page(),
            Some("csv") => export_csv(state, &choice.get_untracked()),
            Some("edit") => editing.set(
                button
                    .get_attribute("data-kpi")
                    .and_then(|k| k.parse().ok())
                    .unwrap_or(0),
            ),
            Some("discard") => {
                if let Some(op) = button.get_attribute("data-op") {
                    spawn_local(async move {
                        if let Err(e) = state.discard_refused(&op).await {
                            platform::log_error("discard failed", &e.detail());
                        }
                        state.refresh_outbox().await;
                    });
                }
            }
            _ => {}
        }
    }
}

/// The dashboard's HTML.
fn dashboard_html(state: AppState, choice: &Choice, lang: Lang, can_plan: bool) -> String {
    let c = compute(state, choice);
    let list = branches(state);
    let f = &c.figures;
    let charts = [
        bar_chart(
            "chart-category",
            lang.pick("按投诉类别", "By category"),
            &category_rows(f, lang),
            f,
        ),
        bar_chart(
            "chart-channel",
            lang.pick("按投诉渠道", "By channel"),
            &channel_rows(f, lang),
            f,
        ),
        bar_chart(
            "chart-time",
            lang.pick("处理时间分布", "Processing time"),
            &time_rows(f, lang),
            f,
        ),
    ]
    .concat();
    let lower = if choice.all() {
        format!(
            "{}<p class=\"hint\">{}</p>",
            branch_table(&c, &list, lang),
            lang.pick(
                "选择一个维修站，查看和填写它的 PDCA 表。",
                "Choose one branch to see and fill in its PDCA table."
            )
        )
    } else {
        pdca_table(&c, can_plan, lang)
    };
    format!(
        r#"<h1 class="page-title">{}</h1>{}<p class="kpi-summary" data-testid="kpi-received" data-count="{}"><strong>{}</strong> · {} {} · {}</p>{}{}<div class="charts">{charts}</div>{lower}<p class="kpi-foot" data-testid="kpi-timing" data-ms="{}" data-total="{}">{}</p>"#,
        lang.pick("投诉KPI指标分析", "Complaint KPIs"),
        controls(state, choice, "kpi", lang),
        f.received,
        esc(&branch_label(&list, &choice.branch, lang)),
        lang.pick("本月受理", "Received this month:"),
        f.received,
        as_of_text(&c, lang),
        refused_plans(state, lang),
        rate_cards(&c, lang),
        one_decimal(c.ms),
        c.total,
        match lang {
            Lang::Zh => format!(
                "根据本机 {} 条投诉计算，用时 {} 毫秒",
                c.total,
                one_decimal(c.ms)
            ),
            Lang::En => format!(
                "Computed from the {} complaints on this device in {} ms",
                c.total,
                one_decimal(c.ms)
            ),
        },
    )
}

/// The form for one PDCA row (`n`: the KPI's place, from 1; 0: none).
fn editor_html(state: AppState, choice: &Choice, n: usize, lang: Lang) -> String {
    let Some(kpi) = n.checked_sub(1).and_then(|i| Kpi::ALL.get(i)) else {
        return String::new();
    };
    let row = plan_rows(state, choice).1.swap_remove(n - 1);
    let field = |name: &str, label: &str, input: String| {
        format!(r#"<label class="field"><span class="field__label">{label}</span>{input}</label>"#)
            .replace("{name}", name)
    };
    format!(
        r#"<form class="card plan-editor" data-testid="plan-editor" novalidate><h2>{} · {} · {}</h2><p class="notice notice--error" role="alert" data-role="error" hidden></p>{}{}{}{}{}<div class="actionbar"><button type="submit" class="btn btn--primary">{}</button><button type="button" class="btn" data-act="close">{}</button></div></form>"#,
        kpi.label(lang),
        esc(&choice.branch),
        esc(&choice.month),
        field(
            "target",
            lang.pick("目标值（%）", "Target (%)"),
            format!(
                r#"<input name="target" type="number" min="0" max="100" step="0.1" value="{}">"#,
                row.target.map(one_decimal).unwrap_or_default()
            )
        ),
        field(
            "analysis",
            lang.pick("问题分析", "Problem analysis"),
            format!(
                r#"<textarea name="analysis" maxlength="2000">{}</textarea>"#,
                esc(&row.analysis)
            )
        ),
        field(
            "measures",
            lang.pick("措施", "Measures"),
            format!(
                r#"<textarea name="measures" maxlength="2000">{}</textarea>"#,
                esc(&row.measures)
            )
        ),
        field(
            "owner",
            lang.pick("负责人", "Owner"),
            format!(
                r#"<input name="owner" maxlength="100" value="{}">"#,
                esc(&row.owner)
            )
        ),
        field(
            "due",
            lang.pick("完成日期", "Due"),
            format!(
                r#"<input name="due" type="date" value="{}">"#,
                row.due.map(timefmt::date).unwrap_or_default()
            )
        ),
        lang.pick("保存", "Save"),
        lang.pick("关闭", "Close"),
    )
}

/// The monthly statistics report's HTML, laid out like the paper one, for A4.
fn report_html(state: AppState, choice: &Choice, lang: Lang) -> String {
    let c = compute(state, choice);
    let list = branches(state);
    let f = &c.figures;
    let table = |title: &str, rows: &[(&str, u32)]| {
        let body: String = rows
            .iter()
            .map(|(label, n)| {
                format!(
                    "<tr><th scope=\"row\">{}</th><td>{n}</td><td>{}</td></tr>",
                    esc(label),
                    percent(f.share(*n).percent())
                )
            })
            .collect();
        format!(
            r#"<table class="report-table"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{body}</tbody></table>"#,
            esc(title),
            lang.pick("数量", "Count"),
            lang.pick("占比(%)", "Percent")
        )
    };
    // The month's complaints, in the order received.
    let period = choice.period();
    let offset = platform::local_offset();
    let mut month: Vec<Complaint> = state.complaints.with(|all| {
        all.iter()
            .filter(|x| {
                (choice.all() || x.branch_code == choice.branch)
                    && period.contains(x.received_at, offset)
            })
            .cloned()
            .collect()
    });
    complaints_domain::order::sort_by(&mut month, &|a, b| a.received_at.cmp(&b.received_at));
    let cases: String = month
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let closed = complaints_domain::kpi::closed_as_of(x, c.as_of)
                .map(|t| one_decimal((t - x.received_at).num_minutes() as f64 / 1440.0))
                .unwrap_or_default();
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{closed}</td></tr>",
                i + 1,
                timefmt::date(x.received_at.with_timezone(&offset).date_naive()),
                esc(&x.case_number),
                esc(&x.customer_name),
                esc(&x.plate),
                x.category.label(lang),
                x.channel.label(lang),
                status_as_of(x, c.as_of).label(lang),
            )
        })
        .collect();
    let case_heads = [
        lang.pick("序号", "No."),
        lang.pick("日期", "Date"),
        lang.pick("案例编号", "Case"),
        lang.pick("投诉顾客姓名", "Customer"),
        lang.pick("车牌号码", "Plate"),
        lang.pick("类别", "Category"),
        lang.pick("渠道", "Channel"),
        lang.pick("状态", "Status"),
        lang.pick("处理天数", "Days to close"),
    ]
    .map(|h| format!("<th>{h}</th>"))
    .concat();
    let pdca = if choice.all() {
        String::new()
    } else {
        pdca_table(&c, false, lang)
    };
    format!(
        r#"{}<article class="report" data-testid="report"><h1>{}</h1><dl class="report__head"><div><dt>{}</dt><dd data-testid="report-branch">{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd data-testid="report-total">{}</dd></div><div><dt>{}</dt><dd>{}</dd></div></dl><div class="report__grid">{}{}{}</div>{}{pdca}<h2>{}</h2><table class="report-table report-cases"><thead><tr>{case_heads}</tr></thead><tbody>{cases}</tbody></table></article>"#,
        controls(state, choice, "report", lang),
        lang.pick(
            "客户投诉统计分析月报表",
            "Monthly complaint statistics report"
        ),
        lang.pick("维修站名称", "Branch"),
        esc(&branch_label(&list, &choice.branch, lang)),
        lang.pick("月份", "Month"),
        esc(&choice.month),
        lang.pick("受理总数", "Received"),
        f.received,
        lang.pick("编制", "Compiled"),
        as_of_text(&c, lang),
        table(lang.pick("投诉类别", "Category"), &category_rows(f, lang)),
        table(lang.pick("投诉渠道", "Channel"), &channel_rows(f, lang)),
        table(
            lang.pick("处理时间", "Processing time"),
            &time_rows(f, lang)
        ),
        rate_cards(&c, lang),
        lang.pick("本月投诉明细", "This month's complaints"),
    )
}

/// The KPI dashboard, or with `report` the monthly report, and the PDCA
/// row being edited. The form is drawn only when another row is opened, so
/// a sync arriving while the manager types never redraws what they typed.
#[component]
pub fn KpiPage(choice: Memo<Choice>, report: bool) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let editing = RwSignal::new(0usize);
    let can_plan = state
        .auth
        .with_untracked(|a| a.session().is_some_and(|s| s.user.role.plans()));
    let page = if report { "report" } else { "kpi" };
    let html = move || {
        if report {
            report_html(state, &choice.get(), lang.get())
        } else {
            dashboard_html(state, &choice.get(), lang.get(), can_plan)
        }
    };
    let editor = move || {
        // Another month or branch closes it (and another language redraws it).
        let (n, choice, lang) = (editing.get(), choice.get(), lang.get());
        editor_html(state, &choice, n, lang)
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = editing.get_untracked();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let value = |name: &str| crate::components::control_value(&form, name);
        let lang = lang.get_untracked();
        let choice = choice.get_untracked();
        let mut row = plan_rows(state, &choice).1.swap_remove(n.max(1) - 1);
        let target = value("target");
        row.target = match target.trim() {
            "" => None,
            // serde_json's number parser: the app carries it already.
            t => match serde_json::from_str::<f64>(t) {
                Ok(v) if (0.0..=100.0).contains(&v) => Some(v),
                _ => {
                    show_error(
                        &form,
                        lang.pick(
                            "目标值应为 0 到 100 之间的数字",
                            "The target is a number from 0 to 100",
                        ),
                    );
                    return;
                }
            },
        };
        row.analysis = value("analysis").trim().to_string();
        row.measures = value("measures").trim().to_string();
        row.owner = value("owner").trim().to_string();
        row.due = timefmt::parse_date(&value("due"));
        spawn_local(async move {
            match state.save_plan(&row).await {
                Ok(()) => editing.set(0),
                Err(e) => {
                    platform::log_error("PDCA row not saved", &e.detail());
                    show_error(&form, &e.message(lang));
                }
            }
        });
    };
    let on_editor_click = move |ev: leptos::ev::MouseEvent| {
        if crate::components::tapped(&ev, "[data-act=close]").is_some() {
            editing.set(0);
        }
    };
    view! {
        <div class="kpi-page" inner_html=html on:change=on_control(choice, page) on:click=on_click(state, choice, editing)></div>
        <div inner_html=editor on:submit=on_submit on:click=on_editor_click></div>
    }
}

/// Shows `message` in the editor's error line.
fn show_error(form: &web_sys::Element, message: &str) {
    if let Ok(Some(line)) = form.query_selector("[data-role=error]") {
        line.set_text_content(Some(message));
        let _ = line.remove_attribute("hidden");
    }
}
