//! The monthly statistics report (客户投诉统计分析月报表), laid out like the
//! paper one, for A4: the controls are a view, the report one [`Html`]
//! fragment.

use complaints_domain::kpi::{closed_as_of, one_decimal, status_as_of, Kpi, Rate};
use complaints_domain::report::percent;
use complaints_domain::{sort, timefmt, Complaint, Labelled, Lang};
use leptos::prelude::*;

use super::figures::{
    as_of_text, category_rows, channel_rows, evaluation_html, pct, rate_cards, stage_rows,
    time_rows,
};
use super::{branch_label, branches, use_figures, Computed, Controls, PDCA_COLUMNS};
use crate::html::{el, Html, HtmlView};
use crate::i18n::Text;
use crate::platform;
use crate::route::Period as Chosen;
use crate::state::{use_app_state, AppState};

/// A table of counts and their shares of `den` under `title`.
fn count_table(title: &str, rows: &[(&str, u32)], den: u32, lang: Lang) -> Html {
    let body = rows.iter().map(|(label, n)| {
        el("tr")
            .child(el("th").attr("scope", "row").text(label))
            .child(el("td").text(&n.to_string()))
            .child(el("td").text(&percent(Rate { num: *n, den }.percent())))
    });
    let heads =
        [title, Text::Count.get(lang), Text::PercentShare.get(lang)].map(|h| el("th").text(h));
    el("table")
        .class("report-table")
        .child(el("thead").child(el("tr").children(heads)))
        .child(el("tbody").children(body))
        .into()
}

/// The PDCA table as printed (no buttons).
fn pdca_html(c: &Computed, lang: Lang) -> Html {
    let heads = PDCA_COLUMNS.map(|t| el("th").text(t.get(lang)));
    let rows = Kpi::ALL.iter().enumerate().map(|(i, kpi)| {
        let row = &c.rows[i];
        let value = c.figures.rate(*kpi).percent();
        el("tr")
            .attr("data-kpi", kpi.as_str())
            .child(el("th").attr("scope", "row").text(kpi.label(lang)))
            .child(el("td").text(&pct(c.targets[i])))
            .child(el("td").text(&pct(value)))
            .child(el("td").child(evaluation_html(value, c.targets[i], lang)))
            .child(el("td").text(&row.analysis))
            .child(el("td").text(&row.measures))
            .child(el("td").text(&row.owner))
            .child(el("td").text(&row.due.map(timefmt::date).unwrap_or_default()))
    });
    el("section")
        .class("card pdca")
        .child(el("h2").text(Text::PdcaTable.get(lang)))
        .child(
            el("table")
                .class("kpi-table")
                .child(el("thead").child(el("tr").children(heads)))
                .child(el("tbody").children(rows)),
        )
        .into()
}

/// The month's complaints, in the order received.
fn cases_html(state: AppState, c: &Computed, lang: Lang) -> Html {
    let choice = &c.choice;
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
    sort::sort_by_key(&mut month, |x| x.received_at);
    let rows = month.iter().enumerate().map(|(i, x)| {
        let closed = closed_as_of(x, c.as_of)
            .map(|t| one_decimal((t - x.received_at).num_minutes() as f64 / 1440.0))
            .unwrap_or_default();
        let cells = [
            (i + 1).to_string(),
            timefmt::date(x.received_at.with_timezone(&offset).date_naive()),
            x.case_number.clone(),
            x.customer_name.clone(),
            x.plate.clone(),
            x.category.label(lang).to_string(),
            x.channel.label(lang).to_string(),
            status_as_of(x, c.as_of).label(lang).to_string(),
            closed,
        ];
        el("tr").children(cells.iter().map(|t| el("td").text(t)))
    });
    let heads = [
        Text::RowNumber,
        Text::Date,
        Text::CaseColumn,
        Text::CustomerColumn,
        Text::PlateColumn,
        Text::CategoryColumn,
        Text::ChannelColumn,
        Text::Status,
        Text::DaysToClose,
    ]
    .map(|t| el("th").text(t.get(lang)));
    el("table")
        .class("report-table report-cases")
        .child(el("thead").child(el("tr").children(heads)))
        .child(el("tbody").children(rows))
        .into()
}

fn report_html(state: AppState, c: &Computed, lang: Lang) -> Html {
    let list = branches(state);
    let f = &c.figures;
    let head = |label: Text, value: String, testid: Option<&str>| {
        el("div")
            .child(el("dt").text(label.get(lang)))
            .child(el("dd").attr_opt("data-testid", testid).text(&value))
    };
    let mut article = el("article")
        .attr("data-testid", "report")
        .class("report")
        .child(el("h1").text(Text::MonthlyReportTitle.get(lang)))
        .child(
            el("dl")
                .class("report__head")
                .child(head(
                    Text::BranchName,
                    branch_label(&list, &c.choice.branch, lang),
                    Some("report-branch"),
                ))
                .child(head(Text::Month, c.choice.month.clone(), None))
                .child(head(
                    Text::ReceivedTotal,
                    f.received.to_string(),
                    Some("report-total"),
                ))
                .child(head(Text::Compiled, as_of_text(c, lang), None)),
        )
        .child(
            el("div")
                .class("report__grid")
                .child(count_table(
                    Text::CategoryColumn.get(lang),
                    &category_rows(f, lang),
                    f.received,
                    lang,
                ))
                .child(count_table(
                    Text::ChannelColumn.get(lang),
                    &channel_rows(f, lang),
                    f.received,
                    lang,
                ))
                .child(count_table(
                    Text::ProcessingTime.get(lang),
                    &time_rows(f, lang),
                    f.received,
                    lang,
                ))
                .child(count_table(
                    Text::ByServiceStage.get(lang),
                    &stage_rows(f, lang),
                    f.handling.num,
                    lang,
                )),
        )
        .child(rate_cards(c, lang));
    if !c.choice.all() {
        article = article.child(pdca_html(c, lang));
    }
    article
        .child(el("h2").text(Text::MonthsComplaints.get(lang)))
        .child(cases_html(state, c, lang))
        .into()
}

/// The report page.
#[component]
pub fn ReportPage(
    /// The month and branch, from the address.
    #[prop(into)]
    chosen: Signal<Chosen>,
) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let (choice, computed) = use_figures(state, chosen);
    let html = move || computed.with(|c| report_html(state, c, lang.get()));
    view! {
        <div class="kpi-page">
            <Controls choice computed report=true/>
            <HtmlView html=Signal::derive(html)/>
        </div>
    }
}
