//! `zhida status QUERY`: quick lookup from the shell. One aligned line per matching
//! disbursement (display width, so 中文 columns line up); names are escaped so that no
//! control character or terminal escape in the data reaches the terminal raw.
use std::process::ExitCode;

use unicode_width::UnicodeWidthStr;
use zhida_core::model::Disbursement;
use zhida_core::repo::lookup;
use zhida_core::{Error, Lang};

use super::Ctx;
use crate::tui::text::{fit, Align};

/// Print each disbursement matching a voucher, credit code (prefix) or name fragment.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
匹配 Matches: 凭证号 exact voucher number · 统一社会信用代码 credit code or its beginning \
(any case) · 企业名称片段 name fragment · 拼音 pinyin initials (pxkj) or full pinyin.\n\
退出状态 Exit status: 0 whether or not anything matched (nothing found prints \
\"未找到 …\" / \"not found …\" on stdout); 2 on an error (e.g. no database).")]
pub struct StatusArgs {
    /// Voucher, credit code (prefix), enterprise name fragment or pinyin initials
    pub query: String,
    /// Show at most this many rows
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub limit: usize,
}

/// Replace control and bidi/format characters with a visible `\u{..}` escape (the same
/// rule as `zhida_core::sanitize::display_safe`, which the TUI uses).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let invisible = zhida_core::sanitize::is_unsafe_char(c);
        if invisible {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The status, with what a clerk on the phone must not miss: a reversal row names the
/// voucher it reverses, a reversed row the reversals that cancel it.
fn status_text(d: &Disbursement, reversed_by: Option<&Vec<String>>, lang: Lang) -> String {
    let label = d.status.label(lang);
    match (&d.reverses, reversed_by) {
        (Some(v), _) => match lang {
            Lang::Zh => format!("{label}（冲销 {}）", escape_text(v)),
            Lang::En => format!("{label} (reverses {})", escape_text(v)),
        },
        (None, Some(by)) if !by.is_empty() => {
            let by: Vec<String> = by.iter().map(|v| escape_text(v)).collect();
            match lang {
                Lang::Zh => format!("{label}（已被 {} 冲销）", by.join("、")),
                Lang::En => format!("{label} (reversed by {})", by.join(", ")),
            }
        }
        _ => label.to_string(),
    }
}

/// The table as lines: header first, columns separated by two spaces, amount right-aligned.
pub fn render(
    rows: &[Disbursement],
    reversed_by: &std::collections::HashMap<i64, Vec<String>>,
    lang: Lang,
) -> Vec<String> {
    let header: [&str; 7] = match lang {
        Lang::Zh => [
            "凭证号",
            "项目",
            "企业",
            "统一社会信用代码",
            "金额(元)",
            "日期",
            "状态",
        ],
        Lang::En => [
            "voucher",
            "program",
            "enterprise",
            "credit code",
            "amount (yuan)",
            "date",
            "status",
        ],
    };
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|d| {
            [
                escape_text(&d.voucher_no),
                format!(
                    "{} {}",
                    escape_text(&d.program_code),
                    escape_text(&d.program_name)
                ),
                escape_text(&d.enterprise_name),
                escape_text(&d.credit_code),
                d.amount.format_yuan(),
                d.date.format("%Y-%m-%d").to_string(),
                status_text(d, reversed_by.get(&d.id), lang),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(UnicodeWidthStr::width(c.as_str()));
        }
    }
    let line = |row: [&str; 7]| -> String {
        let parts: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // widths are the column maxima, so `fit` only pads here
                if i == 4 {
                    fit(c, widths[i], Align::Right)
                } else if i == 6 {
                    c.to_string() // last column: no trailing spaces
                } else {
                    fit(c, widths[i], Align::Left)
                }
            })
            .collect();
        parts.join("  ")
    };
    let mut out = vec![line(header)];
    for row in &cells {
        out.push(line([
            &row[0], &row[1], &row[2], &row[3], &row[4], &row[5], &row[6],
        ]));
    }
    out
}

pub fn run(ctx: &Ctx, args: StatusArgs) -> Result<ExitCode, Error> {
    let conn = zhida_core::db::open_existing(&ctx.db_path)?;
    let q = args.query.trim();
    let shown_q = escape_text(q);
    let limit = args.limit.max(1);
    let rows = lookup::find(&conn, q, limit)?;
    if rows.is_empty() {
        // an enterprise that matches but has received nothing is worth saying so
        let ents = lookup::find_enterprises(&conn, q, 20)?;
        if ents.is_empty() {
            println!(
                "{}",
                match ctx.lang {
                    Lang::Zh => format!("未找到与“{shown_q}”匹配的拨付记录"),
                    Lang::En => format!("not found: no disbursement matches '{shown_q}'"),
                }
            );
        }
        for e in ents {
            println!(
                "{}",
                match ctx.lang {
                    Lang::Zh => format!(
                        "{}  {}：无拨付记录",
                        escape_text(&e.name),
                        escape_text(&e.credit_code)
                    ),
                    Lang::En => format!(
                        "{}  {}: no disbursements",
                        escape_text(&e.name),
                        escape_text(&e.credit_code)
                    ),
                }
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let reversed_by = lookup::reversed_by(&conn, &ids)?;
    // one write for the whole table, not one per line
    let mut text = render(&rows, &reversed_by, ctx.lang).join("\n");
    text.push('\n');
    if rows.len() == limit {
        text.push_str(&match ctx.lang {
            Lang::Zh => format!("（仅显示前 {limit} 条，可用 --limit 显示更多）\n"),
            Lang::En => format!("(first {limit} rows shown; use --limit for more)\n"),
        });
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // a closed pipe (`zhida status x | head`) is not an error of the lookup
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(
            escape_text("元江\u{1b}[31m红\u{7}"),
            "元江\\u{1b}[31m红\\u{7}"
        );
        assert_eq!(escape_text("a\u{202E}b\nc"), "a\\u{202e}b\\u{a}c");
        assert_eq!(escape_text("澧江街道"), "澧江街道");
    }

    fn row(voucher: &str, name: &str, fen: i64) -> Disbursement {
        Disbursement {
            id: 1,
            voucher_no: voucher.into(),
            program_code: "WG2025".into(),
            program_name: "稳岗返还".into(),
            credit_code: "91530428MA6K000015".into(),
            enterprise_name: name.into(),
            amount: zhida_core::Money(fen),
            date: zhida_core::dates::parse_date("2025-03-01").unwrap(),
            status: zhida_core::model::Status::Paid,
            entered_by: String::new(),
            approved_by: String::new(),
            reverses: None,
            note: String::new(),
            approved_date: None,
            paid_date: None,
        }
    }

    #[test]
    fn columns_line_up_by_display_width() {
        let lines = render(
            &[
                row("YJ-1", "元江县因远镇红糖厂", 1_00),
                row("YJ-20000", "ABC", 123_456_700),
            ],
            &Default::default(),
            Lang::Zh,
        );
        assert_eq!(lines.len(), 3);
        // every line has the same width up to the last column
        let to_status: Vec<usize> = lines
            .iter()
            .map(|l| UnicodeWidthStr::width(&l[..l.rfind("  ").unwrap()]))
            .collect();
        assert!(to_status.iter().all(|&w| w == to_status[0]), "{lines:#?}");
        assert!(lines[1].contains("元江县因远镇红糖厂  "), "{lines:#?}");
        assert!(lines[1].contains("        1.00  2025"), "{lines:#?}");
        assert!(lines[2].contains("1,234,567.00  2025"), "{lines:#?}");
    }
}
