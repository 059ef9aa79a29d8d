//! The 一企一档 view that 查询 Lookup opens with Enter (not a screen of its own): the
//! enterprise's details, then one scrollable document — totals per program and year
//! against the caps with the headroom left, the exclusive groups used, every
//! disbursement, the clawbacks and the findings naming it, each with its basis.
//!
//! The document is a list of [`DocLine`]s built from the file alone (no I/O), one
//! terminal line each whatever the width (columns are dropped, never wrapped), so that
//! `update` can scroll it and find a voucher's line without drawing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::checks::Severity;
use zhida_core::enterprise_file::EnterpriseFile;
use zhida_core::{Lang, Money, Unit};

use super::fmt::status_style;
use super::Cx;
use crate::tui::i18n::{self, FileStrings, Strings};
use crate::tui::table::{layout, row_line, Cell, Col};
use crate::tui::text::truncate;

/// The tables of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Totals,
    Disbursements,
    Clawbacks,
    Findings,
}

#[derive(Debug, Clone)]
pub enum DocLine {
    /// a section heading
    Title(String),
    /// the column header of a table section
    Header(Section),
    /// a table row; `voucher` marks a disbursement row (for the highlight)
    Row(Section, Vec<Cell>, Option<usize>),
    /// free text, indented
    Text(String, Style),
    Blank,
}

fn cols(section: Section, s: &Strings, fs: &FileStrings) -> Vec<Col> {
    match section {
        // narrow terminals keep the code, the money and the headroom; the name goes first
        Section::Totals => vec![
            Col::left(s.year, 4, 9),
            Col::left(s.code, 8, 8),
            Col::flex(s.program, 8, 4),
            Col::right(s.paid, 11, 9),
            Col::right(s.committed, 11, 6),
            Col::right(s.count, 4, 3),
            Col::right(fs.cap, 11, 7),
            Col::right(fs.headroom, 11, 10),
            Col::flex(fs.limits, 10, 8),
        ],
        Section::Disbursements => vec![
            Col::left(s.date, 10, 9),
            Col::flex(s.program, 10, 10),
            Col::right(s.amount, 13, 8),
            Col::left(s.status, 6, 9),
            Col::left(s.voucher, 15, 5),
        ],
        Section::Clawbacks => vec![
            Col::left(s.date, 10, 9),
            Col::left(s.program, 8, 8),
            Col::right(s.amount, 13, 9),
            Col::left(s.reason, 6, 7),
            Col::flex(s.doc_no, 10, 5),
        ],
        Section::Findings => vec![
            Col::left(fs.severity, 5, 9),
            Col::left(fs.rule, 10, 8),
            Col::left(s.program, 8, 7),
            Col::left(s.voucher, 15, 5),
            Col::right(s.amount, 12, 6),
            Col::flex(fs.message, 10, 10),
        ],
    }
}

fn money_style(m: Money) -> Style {
    if m.0 <= 0 {
        Style::default().fg(Color::Red)
    } else {
        Style::default()
    }
}

/// The document of a file, in the display language and unit.
pub fn document(f: &EnterpriseFile, lang: Lang, unit: Unit) -> Vec<DocLine> {
    let s = i18n::strings(lang);
    let fs = i18n::file(lang);
    let mut doc = vec![
        DocLine::Title(fs.totals.to_string()),
        DocLine::Header(Section::Totals),
    ];
    if f.totals.is_empty() {
        doc.push(DocLine::Text(fs.none.to_string(), Style::default()));
    }
    for t in &f.totals {
        let limited = t.once_used() || t.barred();
        doc.push(DocLine::Row(
            Section::Totals,
            vec![
                Cell::new(t.year.to_string()),
                Cell::new(t.program_code.clone()),
                Cell::new(t.program_name.clone()),
                Cell::new(t.paid.format(unit)),
                Cell::new(t.committed.format(unit)),
                Cell::new(t.count.to_string()),
                Cell::new(
                    t.cap
                        .map(|c| c.format(unit))
                        .unwrap_or_else(|| fs.no_cap.into()),
                ),
                match t.headroom {
                    Some(h) => Cell::styled(h.format(unit), money_style(h)),
                    None => Cell::new(fs.no_cap),
                },
                Cell::styled(
                    t.limits(lang),
                    if limited {
                        Style::default().fg(Color::Yellow)
                    } else {
                        Style::default().fg(Color::Gray)
                    },
                ),
            ],
            None,
        ));
    }
    if !f.groups.is_empty() {
        doc.push(DocLine::Blank);
        doc.push(DocLine::Title(fs.groups.to_string()));
        for g in &f.groups {
            doc.push(DocLine::Text(
                format!("{} {}", g.year, g.describe(lang)),
                Style::default().fg(Color::Yellow),
            ));
        }
    }
    doc.push(DocLine::Blank);
    doc.push(DocLine::Title(format!(
        "{} · {} {}",
        s.disbursements,
        f.disbursements.len(),
        s.rows
    )));
    doc.push(DocLine::Header(Section::Disbursements));
    if f.disbursements.is_empty() {
        doc.push(DocLine::Text(fs.none.to_string(), Style::default()));
    }
    let w = i18n::work(lang);
    for (i, d) in f.disbursements.iter().enumerate() {
        let status = match &d.reverses {
            Some(_) => format!("{}({})", d.status.label(lang), w.reverses),
            None => d.status.label(lang).to_string(),
        };
        doc.push(DocLine::Row(
            Section::Disbursements,
            vec![
                Cell::new(d.date.to_string()),
                Cell::new(d.program_name.clone()),
                Cell::new(d.amount.format(unit)),
                Cell::styled(status, status_style(d.status)),
                Cell::new(d.voucher_no.clone()),
            ],
            Some(i),
        ));
    }
    if !f.recoveries.is_empty() {
        doc.push(DocLine::Blank);
        doc.push(DocLine::Title(fs.clawbacks.to_string()));
        doc.push(DocLine::Header(Section::Clawbacks));
        for r in &f.recoveries {
            doc.push(DocLine::Row(
                Section::Clawbacks,
                vec![
                    Cell::new(r.date.to_string()),
                    Cell::new(r.program_code.clone()),
                    Cell::new(r.amount.format(unit)),
                    Cell::new(r.reason.label(lang)),
                    Cell::new(r.doc_no.clone()),
                ],
                None,
            ));
        }
    }
    doc.push(DocLine::Blank);
    doc.push(DocLine::Title(format!(
        "{} · {} {}",
        fs.findings,
        f.findings.len(),
        s.rows
    )));
    if f.findings.is_empty() {
        doc.push(DocLine::Text(fs.none.to_string(), Style::default()));
    } else {
        doc.push(DocLine::Header(Section::Findings));
    }
    for x in &f.findings {
        let sev = match x.severity {
            Severity::Error => Style::default().fg(Color::Red),
            Severity::Warn => Style::default().fg(Color::Yellow),
        };
        let mut message = x.message.clone();
        if let Some(a) = &x.ack {
            message = format!("✓ {message}（{}）", a.note);
        }
        doc.push(DocLine::Row(
            Section::Findings,
            vec![
                Cell::styled(x.severity.label(lang), sev),
                Cell::new(x.rule.label(lang)),
                Cell::new(x.program.clone()),
                Cell::new(x.voucher.clone().unwrap_or_default()),
                Cell::new(x.amount.map(|m| m.format(unit)).unwrap_or_default()),
                Cell::new(message),
            ],
            None,
        ));
        doc.push(DocLine::Text(
            match lang {
                Lang::Zh => format!("{}：{}", fs.basis, x.basis),
                Lang::En => format!("{}: {}", fs.basis, x.basis),
            },
            Style::default().fg(Color::Gray),
        ));
    }
    doc
}

/// The document line of disbursement `i`.
pub fn line_of(doc: &[DocLine], i: usize) -> Option<usize> {
    doc.iter()
        .position(|l| matches!(l, DocLine::Row(Section::Disbursements, _, Some(n)) if *n == i))
}

/// Rows of the document box in a body of `body_rows` (the details box takes 4, the
/// document's border 2).
pub fn doc_height(body_rows: u16) -> usize {
    (body_rows as usize).saturating_sub(6).max(1)
}

/// Draw the file: details, then the window of the document from `offset`, with
/// disbursement `sel` highlighted.
pub fn render(
    f: &EnterpriseFile,
    doc: &[DocLine],
    offset: usize,
    sel: Option<usize>,
    frame: &mut Frame,
    area: Rect,
    cx: &Cx,
) {
    let s = cx.s;
    let fs = i18n::file(cx.lang);
    let e = &f.enterprise;
    let [head, body] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let label = Style::default().fg(Color::Gray);
    let mut first = vec![
        Span::styled(format!("{} ", s.credit_code), label),
        Span::raw(format!("{}  ", e.credit_code)),
        Span::styled(format!("{} ", s.size), label),
        Span::raw(format!("{}  ", e.size.label(cx.lang))),
    ];
    if !e.contact.is_empty() {
        first.push(Span::styled(format!("{} ", fs.contact), label));
        first.push(Span::raw(e.contact.clone()));
    }
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(first),
            Line::from(vec![
                Span::styled(format!("{} ", s.township), label),
                Span::raw(format!("{}  ", e.township)),
                Span::styled(format!("{} ", s.industry), label),
                Span::raw(e.industry.clone()),
            ]),
        ])
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} · {} ", fs.title, e.name)),
        ),
        head,
    );
    // a taller terminal than the one the offset was scrolled on shows more, not blank lines
    let rows = body.height.saturating_sub(2) as usize;
    let offset = offset.min(doc.len().saturating_sub(rows));
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} {} · {} {}/{} ",
        s.as_of,
        f.as_of,
        fs.line,
        (offset + 1).min(doc.len()),
        doc.len()
    ));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let width = inner.width;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let lines: Vec<Line> = doc
        .iter()
        .skip(offset)
        .take(inner.height as usize)
        .map(|l| match l {
            DocLine::Title(t) => Line::from(Span::styled(
                truncate(&format!("■ {t}"), width as usize),
                bold.fg(Color::Cyan),
            )),
            DocLine::Header(sec) => {
                let c = cols(*sec, s, fs);
                let head: Vec<Cell> = c.iter().map(|c| Cell::new(c.title.clone())).collect();
                row_line(&c, &layout(&c, width), &head, bold)
            }
            DocLine::Row(sec, cells, i) => {
                let c = cols(*sec, s, fs);
                let style = if i.is_some() && *i == sel {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                row_line(&c, &layout(&c, width), cells, style)
            }
            DocLine::Text(t, style) => Line::from(Span::styled(
                truncate(&format!("  {t}"), width as usize),
                *style,
            )),
            DocLine::Blank => Line::from(""),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
