//! The read-only parts of the KPI pages as [`Html`]: the rate cards, the
//! SVG bar charts, the branches compared, and the report's tables. The
//! charts and tables of received complaints share out of the month's total;
//! the one of where they went wrong, out of the closed.

use complaints_domain::kpi::{evaluate, one_decimal, Bucket, Evaluation, Figures, Kpi, Rate};
use complaints_domain::{Category, Channel, Labelled, Lang, ServiceStage};

use super::{branch_label, Computed};
use crate::html::{el, Html};
use crate::i18n::Text;
use crate::platform::local_time;

pub fn pct(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{}%", one_decimal(v)),
        None => "—".into(),
    }
}

pub fn evaluation_html(value: Option<f64>, target: Option<f64>, lang: Lang) -> Html {
    match target.and_then(|t| evaluate(value, t)) {
        Some(e) => {
            let mark = match e {
                Evaluation::Meets => "✓ ",
                Evaluation::NeedsImprovement => "△ ",
                Evaluation::Below => "× ",
            };
            el("span")
                .class(format_args!("eval eval--{}", e.as_str()))
                .attr("data-testid", "evaluation")
                .text(mark)
                .text(e.label(lang))
                .into()
        }
        None => Html::empty(),
    }
}

/// A horizontal bar chart: one bar per row, labelled with the count and
/// its share of `den`. Laid out in percentages of its width and pixels of
/// height, so the text keeps its size on any screen.
fn bar_chart(id: &str, title: &str, rows: &[(&str, u32)], den: u32) -> Html {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bars = rows.iter().enumerate().map(|(i, (label, n))| {
        let y = i * 32;
        // The bar runs from 38 % to at most 68 % of the width, leaving room
        // for its count and share on a half-width chart of a tablet.
        let w = n * 300 / max;
        el("g")
            .attr("data-row", label)
            .attr("data-count", n)
            .child(
                el("text")
                    .attr("x", 0)
                    .attr("y", y + 21)
                    .class("chart__label")
                    .text(label),
            )
            .child(
                el("rect")
                    .attr("x", "38%")
                    .attr("y", y + 5)
                    .attr("width", format_args!("{}.{}%", w / 10, w % 10))
                    .attr("height", 22)
                    .attr("rx", 3)
                    .class("chart__bar"),
            )
            .child(
                el("text")
                    .attr("x", format_args!("{}.{}%", (380 + w) / 10, (380 + w) % 10))
                    .attr("dx", 6)
                    .attr("y", y + 21)
                    .class("chart__value")
                    .text(&format!("{n} · {}", pct(Rate { num: *n, den }.percent()))),
            )
    });
    el("figure")
        .class("chart card")
        .attr("data-testid", id)
        .child(el("figcaption").text(title))
        .child(
            el("svg")
                .attr("width", "100%")
                .attr("height", rows.len() * 32)
                .attr("role", "img")
                .attr("aria-label", title)
                .children(bars),
        )
        .into()
}

pub fn category_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    Category::ALL
        .iter()
        .map(|c| c.label(lang))
        .zip(f.by_category)
        .collect()
}

pub fn channel_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    Channel::ALL
        .iter()
        .map(|c| c.label(lang))
        .zip(f.by_channel)
        .collect()
}

pub fn time_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    let mut rows: Vec<_> = Bucket::ALL
        .iter()
        .map(|b| b.label(lang))
        .zip(f.buckets)
        .collect();
    if f.closed_time_unknown > 0 {
        rows.push((Text::ClosedTimeUnknown.get(lang), f.closed_time_unknown));
    }
    rows.push((Text::NotClosedYet.get(lang), f.open));
    rows
}

/// The month's closed complaints by where they went wrong; those closed
/// without a stage recorded only when there are any.
pub fn stage_rows(f: &Figures, lang: Lang) -> Vec<(&'static str, u32)> {
    let mut rows: Vec<_> = ServiceStage::ALL
        .iter()
        .map(|s| s.label(lang))
        .zip(f.by_stage)
        .collect();
    if f.stage_not_recorded > 0 {
        rows.push((Text::StageNotRecorded.get(lang), f.stage_not_recorded));
    }
    rows
}

/// The four rates against their targets.
pub fn rate_cards(c: &Computed, lang: Lang) -> Html {
    let cards = Kpi::ALL.iter().zip(c.targets).map(|(kpi, target)| {
        let rate = c.figures.rate(*kpi);
        let value = rate.percent();
        let eval_class = target
            .and_then(|t| evaluate(value, t))
            .map_or("none", |e| e.as_str());
        let mut meter = el("svg")
            .class("meter")
            .attr("viewbox", "0 -3 100 16")
            .attr("preserveaspectratio", "none")
            .attr("aria-hidden", "true")
            .child(
                el("rect")
                    .attr("width", 100)
                    .attr("height", 10)
                    .class("meter__track"),
            )
            .child(
                el("rect")
                    .attr("width", one_decimal(value.unwrap_or(0.0)))
                    .attr("height", 10)
                    .class(format_args!("meter__bar meter--{eval_class}")),
            );
        if let Some(t) = target {
            let t = one_decimal(t);
            meter = meter.child(
                el("line")
                    .attr("x1", &t)
                    .attr("x2", &t)
                    .attr("y1", -3)
                    .attr("y2", 13)
                    .class("meter__target"),
            );
        }
        let target_text =
            target.map_or_else(|| Text::NotSet.get(lang).to_string(), |t| pct(Some(t)));
        el("div")
            .class("rate card")
            .attr("data-testid", format_args!("rate-{}", kpi.as_str()))
            .child(el("p").class("rate__name").text(kpi.label(lang)))
            .child(
                el("p")
                    .class("rate__value")
                    .attr("data-testid", "rate-value")
                    .text(&pct(value)),
            )
            .child(
                el("p")
                    .class("rate__of")
                    .text(&format!("{} / {}", rate.num, rate.den)),
            )
            .child(meter)
            .child(
                el("p")
                    .class("rate__target")
                    .text(&Text::TargetIs.fill(lang, &[&target_text])),
            )
            .child(evaluation_html(value, target, lang))
    });
    el("section").class("rates").children(cards).into()
}

/// The regional view: every branch's rates side by side.
fn branch_table(c: &Computed, branches: &[(String, String)], lang: Lang) -> Html {
    let rows = c.by_branch.iter().map(|(code, f)| {
        el("tr")
            .attr("data-branch", code)
            .child(
                el("th")
                    .attr("scope", "row")
                    .text(&branch_label(branches, code, lang)),
            )
            .child(el("td").text(&f.received.to_string()))
            .children(
                Kpi::ALL
                    .iter()
                    .map(|k| el("td").text(&pct(f.rate(*k).percent()))),
            )
    });
    let heads = [Text::Branch.get(lang), Text::ReceivedCount.get(lang)]
        .into_iter()
        .chain(Kpi::ALL.iter().map(|k| k.label(lang)))
        .map(|h| el("th").text(h));
    el("section")
        .class("card")
        .child(el("h2").text(Text::BranchesCompared.get(lang)))
        .child(
            el("table")
                .class("kpi-table")
                .attr("data-testid", "branch-table")
                .child(el("thead").child(el("tr").children(heads)))
                .child(el("tbody").children(rows)),
        )
        .into()
}

/// "Figures as of 2026-10-31 23:59".
pub fn as_of_text(c: &Computed, lang: Lang) -> String {
    Text::FiguresAsOf.fill(lang, &[&local_time(c.as_of)])
}

/// The line under the controls: the branch, the month's count, the moment.
pub fn summary_html(c: &Computed, branch: &str, lang: Lang) -> Html {
    let f = &c.figures;
    el("p")
        .class("kpi-summary")
        .attr("data-testid", "kpi-received")
        .attr("data-count", f.received)
        .child(el("strong").text(branch))
        .text(&format!(
            " · {} · {}",
            Text::ReceivedThisMonth.fill(lang, &[&f.received]),
            as_of_text(c, lang)
        ))
        .into()
}

/// The rates, the charts and (for all branches) the branches compared.
pub fn dashboard_html(c: &Computed, branches: &[(String, String)], lang: Lang) -> Html {
    let f = &c.figures;
    let mut out = rate_cards(c, lang);
    out.push(
        el("div")
            .class("charts")
            .child(bar_chart(
                "chart-category",
                Text::ByCategory.get(lang),
                &category_rows(f, lang),
                f.received,
            ))
            .child(bar_chart(
                "chart-channel",
                Text::ByChannel.get(lang),
                &channel_rows(f, lang),
                f.received,
            ))
            .child(bar_chart(
                "chart-time",
                Text::ProcessingTime.get(lang),
                &time_rows(f, lang),
                f.received,
            ))
            .child(bar_chart(
                "chart-stage",
                Text::ByServiceStage.get(lang),
                &stage_rows(f, lang),
                f.handling.num,
            )),
    );
    if c.choice.all() {
        out.push(branch_table(c, branches, lang));
    }
    out
}
