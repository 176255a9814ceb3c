//! A [`Report`] as CSV and as XLSX, with Chinese headers. One column list serves both, so the two
//! files and the JSON report cannot disagree: counts as counts, durations in minutes with one
//! decimal, rates as shares (XLSX: a percent format; CSV: percent with one decimal).
//!
//! CSV is one table: a 分组 column names the grouping (合计 for the totals), then one column per
//! dim (empty where the grouping does not use it), then the figures. XLSX has a 合计 sheet and one
//! sheet per grouping, each under a title row with the hall, the range and when it was made.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Dim, Figures, Report};
use crate::config::HallConfig;

/// How a column's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Count,
    /// Seconds in the report, minutes with one decimal in the file.
    Minutes,
    /// A share 0–1.
    Rate,
}

/// A figure column: header, kind, and its value in the report's own unit (count, seconds, share).
pub(crate) type Column = (&'static str, Kind, fn(&Figures) -> Option<f64>);

fn pause(f: &Figures, reason: &str) -> Option<f64> {
    f.pause_s
        .as_ref()
        .map(|p| p.get(reason).copied().unwrap_or(0.0))
}

/// Every figure column, in order.
pub(crate) const COLUMNS: &[Column] = &[
    ("取号数", Kind::Count, |f| Some(f.issued as f64)),
    ("办理数", Kind::Count, |f| Some(f.served as f64)),
    ("办结", Kind::Count, |f| Some(f.done as f64)),
    ("转办", Kind::Count, |f| Some(f.transferred as f64)),
    ("过号", Kind::Count, |f| Some(f.no_show as f64)),
    ("取消", Kind::Count, |f| Some(f.cancelled as f64)),
    ("过期未叫", Kind::Count, |f| Some(f.expired as f64)),
    ("未结", Kind::Count, |f| Some(f.open as f64)),
    ("平均等候(分)", Kind::Minutes, |f| f.wait.mean_s),
    ("等候中位数(分)", Kind::Minutes, |f| f.wait.median_s),
    ("等候P90(分)", Kind::Minutes, |f| f.wait.p90_s),
    ("最长等候(分)", Kind::Minutes, |f| f.wait.max_s),
    ("平均办理(分)", Kind::Minutes, |f| f.handle.mean_s),
    ("办理中位数(分)", Kind::Minutes, |f| f.handle.median_s),
    ("办理P90(分)", Kind::Minutes, |f| f.handle.p90_s),
    ("超时办结", Kind::Count, |f| Some(f.over_limit as f64)),
    ("超时率", Kind::Rate, |f| f.over_limit_rate),
    ("违规叫号", Kind::Count, |f| Some(f.out_of_order as f64)),
    ("特呼", Kind::Count, |f| Some(f.special_calls as f64)),
    ("重呼", Kind::Count, |f| Some(f.recalls as f64)),
    ("暂停·休息(分)", Kind::Minutes, |f| pause(f, "break")),
    ("暂停·会议(分)", Kind::Minutes, |f| {
        pause(f, "meeting")
    }),
    ("暂停·业务咨询(分)", Kind::Minutes, |f| {
        pause(f, "consultation")
    }),
    ("暂停·其他(分)", Kind::Minutes, |f| pause(f, "other")),
    ("评价数", Kind::Count, |f| Some(f.ratings.rated as f64)),
    ("非常满意", Kind::Count, |f| {
        Some(f.ratings.very_satisfied as f64)
    }),
    ("满意", Kind::Count, |f| Some(f.ratings.satisfied as f64)),
    ("基本满意", Kind::Count, |f| {
        Some(f.ratings.basic as f64)
    }),
    ("不满意", Kind::Count, |f| {
        Some(f.ratings.dissatisfied as f64)
    }),
    ("非常不满意", Kind::Count, |f| {
        Some(f.ratings.very_dissatisfied as f64)
    }),
    ("申诉成立", Kind::Count, |f| {
        Some(f.ratings.upheld_as_false as f64)
    }),
    ("满意率", Kind::Rate, |f| f.ratings.satisfaction_rate),
];

/// A value as the files hold it: minutes rounded to one decimal, shares as they are.
pub(crate) fn file_value(kind: Kind, v: f64) -> f64 {
    match kind {
        Kind::Minutes => (v / 60.0 * 10.0).round() / 10.0,
        Kind::Count | Kind::Rate => v,
    }
}

fn grouping_name(by: &[Dim]) -> String {
    let dims: Vec<&str> = by.iter().map(|d| d.name_zh()).collect();
    format!("按{}", dims.join("×"))
}

/// The title line: hall, range, when it was made (hall time).
pub(crate) fn title(cfg: &HallConfig, r: &Report) -> String {
    let made = jiff::Timestamp::from_millisecond(r.generated_at)
        .map(|t| {
            t.to_zoned(cfg.calendar.tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "{} 业务统计报表 {} 至 {}（生成于 {}）",
        r.hall, r.from, r.to, made
    )
}

/// The report as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese headers).
pub(crate) fn csv(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let dims = Dim::ALL;
    let mut header: Vec<String> = vec!["分组".into()];
    header.extend(dims.iter().map(|d| d.name_zh().to_string()));
    header.extend(COLUMNS.iter().map(|(h, k, _)| match k {
        Kind::Rate => format!("{h}(%)"),
        _ => h.to_string(),
    }));
    out.write_record(&header)?;
    let figures = |f: &Figures| -> Vec<String> {
        COLUMNS
            .iter()
            .map(|(_, kind, get)| match get(f) {
                None => String::new(),
                Some(v) => match kind {
                    Kind::Count => format!("{v:.0}"),
                    Kind::Minutes => format!("{:.1}", file_value(*kind, v)),
                    Kind::Rate => format!("{:.1}", v * 100.0),
                },
            })
            .collect()
    };
    let mut total = vec!["合计".to_string()];
    total.extend(dims.iter().map(|_| String::new()));
    total.extend(figures(&r.total));
    out.write_record(&total)?;
    for g in &r.groupings {
        for row in &g.rows {
            let mut rec = vec![grouping_name(&g.by)];
            rec.extend(dims.iter().map(|d| {
                g.by.iter()
                    .position(|b| b == d)
                    .map(|i| row.label[i].clone())
                    .unwrap_or_default()
            }));
            rec.extend(figures(&row.figures));
            out.write_record(&rec)?;
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// A sheet to write: its name, its grouping's dims, and its rows (labels, figures).
type Sheet<'a> = (String, Vec<Dim>, Vec<(Vec<String>, &'a Figures)>);

/// The report as an XLSX workbook: a 合计 sheet, then one sheet per grouping.
pub(crate) fn xlsx(cfg: &HallConfig, r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title_fmt = Format::new().set_bold().set_font_size(14);
    let head_fmt = Format::new().set_bold().set_text_wrap();
    let count_fmt = Format::new().set_num_format("0");
    let min_fmt = Format::new().set_num_format("0.0");
    let rate_fmt = Format::new().set_num_format("0.0%");
    let title = title(cfg, r);
    let mut sheets: Vec<Sheet<'_>> = vec![("合计".into(), vec![], vec![(vec![], &r.total)])];
    for g in &r.groupings {
        let mut name = grouping_name(&g.by);
        // Sheet names are unique and at most 31 characters.
        while sheets.iter().any(|(n, _, _)| *n == name) {
            name.push('+');
        }
        sheets.push((
            name.chars().take(31).collect(),
            g.by.clone(),
            g.rows
                .iter()
                .map(|row| (row.label.clone(), &row.figures))
                .collect(),
        ));
    }
    for (name, by, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&name)?;
        ws.write_string_with_format(0, 0, &title, &title_fmt)?;
        let mut col: u16 = 0;
        for d in &by {
            ws.write_string_with_format(1, col, d.name_zh(), &head_fmt)?;
            ws.set_column_width(col, 16)?;
            col += 1;
        }
        let first_fig = col;
        for (h, _, _) in COLUMNS {
            ws.write_string_with_format(1, col, *h, &head_fmt)?;
            ws.set_column_width(col, 10)?;
            col += 1;
        }
        ws.set_freeze_panes(2, first_fig)?;
        for (i, (labels, f)) in rows.iter().enumerate() {
            let row = u32::try_from(i).unwrap_or(u32::MAX - 2) + 2;
            for (c, l) in labels.iter().enumerate() {
                ws.write_string(row, u16::try_from(c).unwrap_or(0), l)?;
            }
            for (c, (_, kind, get)) in COLUMNS.iter().enumerate() {
                let Some(v) = get(f) else { continue };
                let fmt = match kind {
                    Kind::Count => &count_fmt,
                    Kind::Minutes => &min_fmt,
                    Kind::Rate => &rate_fmt,
                };
                let c = first_fig + u16::try_from(c).unwrap_or(0);
                ws.write_number_with_format(row, c, file_value(*kind, v), fmt)?;
            }
        }
    }
    book.save_to_buffer()
}
