//! The KPI dashboard (`/kpi/<YYYY-MM>/<branch|all>`) and the printable
//! monthly statistics report (`/report/<YYYY-MM>/<branch|all>`), computed
//! on the device from the complaints and PDCA rows it holds, so they work
//! with no network. The maths is the shared crate's (`kpi`, `pdca`,
//! `report`); these modules only draw it.
//!
//! A month's figures are "as of" the end of that month (or now, for the
//! current month): a report for October does not change when an October
//! complaint is closed in November, and a past month's page does not
//! recompute when the clock ticks.
//!
//! The controls (month, branch, links, CSV) and the PDCA table with its
//! editor are views; the rates, charts and tables are [`crate::html::Html`]
//! fragments redrawn when the figures change.

mod figures;
mod pdca;
mod report;

pub use report::ReportPage;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use complaints_domain::kpi::{figures, figures_by_branch, Figures, Kpi, Period};
use complaints_domain::pdca::{self as plans, PdcaItem};
use complaints_domain::report::{monthly_csv, ReportBlock};
use complaints_domain::{sort, Lang};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::components::RefusedChanges;
use crate::html::HtmlView;
use crate::i18n::{tr, Text};
use crate::platform;
use crate::route::{follow_link, use_nav, Branches, Month, Period as Chosen, Route};
use crate::state::{use_app_state, AppState};

#[wasm_bindgen(module = "/src/pages/kpi/files.js")]
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
    /// The route's choice, with what it leaves open filled in: the current
    /// month, and the user's branch when they have exactly one (else all).
    pub fn resolve(chosen: &Chosen, state: AppState) -> Choice {
        let now = Utc::now().with_timezone(&platform::local_offset());
        let month = chosen.month.unwrap_or(Month {
            year: now.year(),
            month: now.month(),
        });
        let branch = match &chosen.branches {
            Some(b) => b.code().to_string(),
            None => state
                .auth
                .with(|a| {
                    a.session()
                        .filter(|s| s.scope.branches.len() == 1)
                        .map(|s| s.scope.branches[0].clone())
                })
                .unwrap_or_else(|| "all".into()),
        };
        Choice {
            month: month.to_string(),
            branch,
        }
    }

    /// The dashboard (`report: false`) or the report of this choice.
    fn route(&self, report: bool) -> Route {
        let month = Month::parse(&self.month);
        let branches = Some(match self.branch.as_str() {
            "all" => Branches::All,
            code => Branches::One(code.to_string()),
        });
        let period = Chosen { month, branches };
        if report {
            Route::Report(period)
        } else {
            Route::Kpi(period)
        }
    }

    fn period(&self) -> Period {
        let m = Month::parse(&self.month).unwrap_or(Month {
            year: 2026,
            month: 1,
        });
        Period::month(m.year, m.month).unwrap_or_else(|| Period::month_of(Utc::now().date_naive()))
    }

    fn all(&self) -> bool {
        self.branch == "all"
    }
}

/// The branches the user may choose: those of their scope, and those of the
/// complaints on the device (an administrator's scope names none), with the
/// name the complaints give them, by code.
fn branches(state: AppState) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = state.auth.with(|a| {
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
    sort::sort(&mut out);
    out
}

fn branch_label(branches: &[(String, String)], code: &str, lang: Lang) -> String {
    if code == "all" {
        return Text::AllBranches.get(lang).to_string();
    }
    match branches.iter().find(|(c, _)| c == code) {
        Some((_, name)) if !name.is_empty() => format!("{code} {name}"),
        _ => code.to_string(),
    }
}

/// Everything both pages show, computed once per change.
#[derive(Clone, PartialEq)]
struct Computed {
    choice: Choice,
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
            plans::target_for(items, &choice.branch, Kpi::ALL[i], &choice.month)
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

/// The moment the figures of `choice` are taken at: the end of its month,
/// or now for the current month. A memo, so that a past month's figures
/// do not follow the clock.
fn as_of(state: AppState, choice: Memo<Choice>) -> Memo<DateTime<Utc>> {
    Memo::new(move |_| {
        let period = choice.with(Choice::period);
        let offset = platform::local_offset();
        // The last moment of the month, local time.
        let end = ((period.last + Duration::days(1)).and_time(NaiveTime::MIN)
            - Duration::seconds(i64::from(offset.local_minus_utc())))
        .and_utc()
            - Duration::milliseconds(1);
        end.min(state.now.get())
    })
}

fn compute(state: AppState, choice: &Choice, as_of: DateTime<Utc>) -> Computed {
    let period = choice.period();
    let offset = platform::local_offset();
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
        choice: choice.clone(),
        figures,
        by_branch,
        targets,
        rows,
        as_of,
        ms,
        total,
    }
}

/// The choice of a KPI page (from the address, resolved) and its figures,
/// recomputed when the complaints, the PDCA rows or the moment they are
/// taken at change.
fn use_figures(state: AppState, chosen: Signal<Chosen>) -> (Memo<Choice>, Memo<Computed>) {
    let choice = Memo::new(move |_| chosen.with(|p| Choice::resolve(p, state)));
    let as_of = as_of(state, choice);
    (
        choice,
        Memo::new(move |_| compute(state, &choice.get(), as_of.get())),
    )
}

/// The PDCA table's columns (the dashboard's and the report's).
const PDCA_COLUMNS: [Text; 8] = [
    Text::Kpi,
    Text::TargetPlan,
    Text::ActualDo,
    Text::EvaluationCheck,
    Text::ProblemAnalysis,
    Text::Measures,
    Text::Owner,
    Text::Due,
];

/// The CSV of the choice: one block, or each branch and then all together.
fn export_csv(state: AppState, c: &Computed) {
    let lang = state.lang.get_untracked();
    let list = branches(state);
    let choice = &c.choice;
    let mut blocks: Vec<(String, Figures, [Option<f64>; 4])> = Vec::new();
    for (code, f) in &c.by_branch {
        let targets = state.plans.with_value(|items| {
            std::array::from_fn(|i| plans::target_for(items, code, Kpi::ALL[i], &choice.month))
        });
        blocks.push((branch_label(&list, code, lang), f.clone(), targets));
    }
    blocks.push((
        branch_label(&list, &choice.branch, lang),
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
    let which = if choice.all() {
        Text::AllInFileName.get(lang)
    } else {
        &choice.branch
    };
    let name = Text::CsvFileName.fill(lang, &[&which, &choice.month]);
    save_file(&name, &monthly_csv(&blocks, lang));
}

/// The month and branch pickers and the actions of both pages.
#[component]
fn Controls(choice: Memo<Choice>, computed: Memo<Computed>, report: bool) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let nav = use_nav();
    let list = Memo::new(move |_| branches(state));
    let go = move |next: Choice| nav.go(&next.route(report));
    let on_month = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if plans::valid_month(&value) {
            let mut next = choice.get_untracked();
            next.month = value;
            go(next);
        }
    };
    let on_branch = move |ev: leptos::ev::Event| {
        let mut next = choice.get_untracked();
        next.branch = event_target_value(&ev);
        go(next);
    };
    let options = move || {
        let lang = lang.get();
        let chosen = choice.with(|c| c.branch.clone());
        list.with(|list| {
            let mut codes: Vec<String> = Vec::new();
            if list.len() > 1 || chosen == "all" {
                codes.push("all".into());
            }
            codes.extend(list.iter().map(|(code, _)| code.clone()));
            codes
                .into_iter()
                .map(|code| {
                    let label = branch_label(list, &code, lang);
                    let selected = code == chosen;
                    view! { <option value=code selected=selected>{label}</option> }
                })
                .collect_view()
        })
    };
    let other = move || choice.with(|c| c.route(!report).path());
    view! {
        <div class="kpi-controls no-print">
            <label>
                {tr(lang, Text::Month)}
                <input type="month" name="month" data-testid="kpi-month"
                    prop:value=move || choice.with(|c| c.month.clone()) on:change=on_month/>
            </label>
            <label>
                {tr(lang, Text::Branch)}
                <select name="branch" data-testid="kpi-branch"
                    prop:value=move || choice.with(|c| c.branch.clone()) on:change=on_branch>
                    {options}
                </select>
            </label>
            <a class="btn" href=other data-link on:click=move |ev| { follow_link(&ev); }
                data-testid=if report { "kpi-kpi-link" } else { "kpi-report-link" }>
                {tr(lang, if report { Text::BackToDashboard } else { Text::MonthlyReportPrint })}
            </a>
            {report.then(|| view! {
                <button type="button" class="btn btn--primary" on:click=|_| print_page()>{tr(lang, Text::Print)}</button>
            })}
            <button type="button" class="btn" data-testid="kpi-csv"
                on:click=move |_| computed.with_untracked(|c| export_csv(state, c))>
                {tr(lang, Text::ExportCsv)}
            </button>
        </div>
    }
}

/// The dashboard.
#[component]
pub fn KpiPage(
    /// The month and branch, from the address.
    #[prop(into)]
    chosen: Signal<Chosen>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let (choice, computed) = use_figures(state, chosen);
    let all = Memo::new(move |_| choice.with(Choice::all));
    let can_plan = state
        .auth
        .with_untracked(|a| a.session().is_some_and(|s| s.user.role.plans()));
    let summary = move || {
        let lang = lang.get();
        computed.with(|c| {
            let list = branches(state);
            figures::summary_html(c, &branch_label(&list, &c.choice.branch, lang), lang)
        })
    };
    let body = move || computed.with(|c| figures::dashboard_html(c, &branches(state), lang.get()));
    let foot = move || {
        computed.with(|c| {
            (
                Text::ComputedFrom.fill(
                    lang.get(),
                    &[&c.total, &complaints_domain::kpi::one_decimal(c.ms)],
                ),
                complaints_domain::kpi::one_decimal(c.ms),
                c.total,
            )
        })
    };
    view! {
        <div class="kpi-page">
            <h1 class="page-title">{tr(lang, Text::KpiTitle)}</h1>
            <Controls choice computed report=false/>
            <HtmlView html=Signal::derive(summary)/>
            <RefusedChanges mine=|record, _| plans::is_pdca(record) of=String::new()
                on_change=Callback::new(|_| ())/>
            <HtmlView html=Signal::derive(body)/>
            {move || if all.get() {
                view! { <p class="hint">{tr(lang, Text::ChooseOneBranch)}</p> }.into_any()
            } else {
                view! { <pdca::PdcaTable computed can_edit=can_plan/> }.into_any()
            }}
            <p class="kpi-foot" data-testid="kpi-timing" data-ms=move || foot().1 data-total=move || foot().2>
                {move || foot().0}
            </p>
        </div>
    }
}
