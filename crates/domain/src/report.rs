//! The monthly statistics report (客户投诉统计分析月报表) as CSV, for Excel.
//!
//! One rectangular table, one row per figure, so it can be filtered and
//! pivoted: branch, month, section, item, count, out of, percent, target,
//! evaluation. Per branch: the total received; by category, by channel and
//! by processing time (the six buckets, plus those still open and those
//! closed with no closing time, so the section adds up to the total); then
//! the four KPIs with their targets and evaluations; then the complaints
//! closed by where in the service process they went wrong (the eight
//! [`ServiceStage`]s and those without one recorded), out of the closed
//! ones, so that section adds up to the handling rate's count.
//!
//! What Excel needs: UTF-8 *with* a byte-order mark (without it Excel reads
//! Chinese as mojibake), CRLF line ends, numbers as plain digits with a dot
//! (`85.7`, never `85.7%` or `85,7`), an empty cell where there is no value,
//! fields with a comma, quote or line break quoted (quotes doubled), and a
//! text cell that starts with `=`, `+`, `-` or `@` prefixed with `'` so a
//! branch name is never run as a formula.

use crate::kpi::{evaluate, one_decimal, Bucket, Figures, Kpi};
use crate::lang::{Labelled, Lang};
use crate::model::{Category, Channel, ServiceStage};

/// The byte-order mark Excel needs to read UTF-8.
pub const BOM: char = '\u{feff}';

/// One branch's (or the whole scope's) figures for one month.
pub struct ReportBlock<'a> {
    /// The branch as shown: `BJ01 北京一站`, or "all branches".
    pub branch: &'a str,
    /// `YYYY-MM`.
    pub month: &'a str,
    pub figures: &'a Figures,
    /// The target of each KPI, in [`Kpi::ALL`] order (percent).
    pub targets: [Option<f64>; 4],
}

/// A percentage as the report shows it: one decimal, empty for none.
pub fn percent(value: Option<f64>) -> String {
    value.map(one_decimal).unwrap_or_default()
}

/// One CSV cell: quoted when it must be, never a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The report of `blocks` as CSV text (BOM first, CRLF line ends).
pub fn monthly_csv(blocks: &[ReportBlock], lang: Lang) -> String {
    let mut out = String::new();
    out.push(BOM);
    let mut row = |cells: [&str; 9]| {
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    };
    row([
        lang.pick("维修站", "Branch"),
        lang.pick("月份", "Month"),
        lang.pick("项目", "Section"),
        lang.pick("分项", "Item"),
        lang.pick("数量", "Count"),
        lang.pick("基数", "Out of"),
        lang.pick("占比(%)", "Percent"),
        lang.pick("目标(%)", "Target (%)"),
        lang.pick("评估", "Evaluation"),
    ]);
    for b in blocks {
        let f = b.figures;
        let total = f.received.to_string();
        let mut share = |section: &str, item: &str, count: u32| {
            let count_text = count.to_string();
            row([
                b.branch,
                b.month,
                section,
                item,
                &count_text,
                &total,
                &percent(f.share(count).percent()),
                "",
                "",
            ]);
        };
        share(lang.pick("受理总数", "Received"), "", f.received);
        for (c, n) in Category::ALL.iter().zip(f.by_category) {
            share(lang.pick("投诉类别", "Category"), c.label(lang), n);
        }
        for (c, n) in Channel::ALL.iter().zip(f.by_channel) {
            share(lang.pick("投诉渠道", "Channel"), c.label(lang), n);
        }
        let time = lang.pick("处理时间", "Processing time");
        for (bucket, n) in Bucket::ALL.iter().zip(f.buckets) {
            share(time, bucket.label(lang), n);
        }
        share(
            time,
            lang.pick("已结案，结案时间不明", "Closed, closing time unknown"),
            f.closed_time_unknown,
        );
        share(time, lang.pick("尚未结案", "Not closed yet"), f.open);
        for (kpi, target) in Kpi::ALL.iter().zip(b.targets) {
            let rate = f.rate(*kpi);
            let value = rate.percent();
            let evaluation = target
                .and_then(|t| evaluate(value, t))
                .map(|e| e.label(lang))
                .unwrap_or_default();
            row([
                b.branch,
                b.month,
                "KPI",
                kpi.label(lang),
                &rate.num.to_string(),
                &rate.den.to_string(),
                &percent(value),
                &percent(target),
                evaluation,
            ]);
        }
        let closed = f.handling.num.to_string();
        let section = lang.pick("问题发生环节", "Where it went wrong");
        let stages = ServiceStage::ALL
            .iter()
            .map(|s| s.label(lang))
            .zip(f.by_stage);
        let unrecorded = (lang.pick("未记录", "Not recorded"), f.stage_not_recorded);
        for (item, n) in stages.chain([unrecorded]) {
            row([
                b.branch,
                b.month,
                section,
                item,
                &n.to_string(),
                &closed,
                &percent(f.closed_share(n).percent()),
                "",
                "",
            ]);
        }
    }
    out
}
