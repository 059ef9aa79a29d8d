//! 1 总览 Overview: budget, paid, balance and recovered totals; execution rate against
//! time progress; paid per month; the ten most lagging programs; findings by severity.

use chrono::Datelike;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Gauge, Paragraph};
use ratatui::Frame;
use rust_decimal::Decimal;
use zhida_core::checks::{CompactFindings, Severity};
use zhida_core::dates::Month;
use zhida_core::repo::figures::{execution_rate, time_progress};
use zhida_core::repo::listing;
use zhida_core::{Error, Money};

use super::fmt::{pct, pp, ratio};
use super::{Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::i18n;
use crate::tui::table::{self, Cell, Col};
use crate::tui::text::{fit, Align};

#[derive(Debug, Clone, PartialEq)]
pub struct Lagging {
    pub code: String,
    pub name: String,
    pub rate: Decimal,
    pub time: Decimal,
    /// rate − time (negative = behind)
    pub gap: Decimal,
}

/// Findings by severity (errors also counted unacknowledged: what stops a month close).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FindingCounts {
    pub errors: usize,
    pub open_errors: usize,
    pub warnings: usize,
}

impl FindingCounts {
    pub fn of(findings: &CompactFindings) -> FindingCounts {
        let (errors, open_errors, warnings, _) = findings.counts();
        FindingCounts {
            errors,
            open_errors,
            warnings,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub budget: Money,
    pub paid: Money,
    pub committed: Money,
    pub recovered: Money,
    pub balance: Money,
    pub rate: Decimal,
    pub time: Decimal,
    pub series: Series,
    pub lagging: Vec<Lagging>,
    pub programs: usize,
    /// selected row of the lagging list (Enter opens that program on 项目)
    pub sel: usize,
    /// finding counts of the month-end checks as of the month's last day
    pub findings: Option<FindingCounts>,
    /// paid per month of a whole fiscal year at a change stamp: the chart of any month of
    /// that year is a prefix of it (`[` / `]` within a year query nothing for it)
    year_series: Option<(i32, (i64, u64), Series)>,
}

/// Paid per month, oldest first.
type Series = Vec<(Month, Money)>;

impl Overview {
    /// Paid per month from January to the selected month (whole months: the as-of date
    /// is the month's last day, so the year's series cut at the month is exact).
    fn series_until(&mut self, env: &Env) -> Result<Series, Error> {
        let year = env.month.year;
        let stamp = listing::change_stamp(env.conn)?;
        let fresh = matches!(&self.year_series, Some((y, s, _)) if *y == year && *s == stamp);
        if !fresh {
            let jan = Month::new(year, 1).unwrap_or(env.month);
            let dec = Month::new(year, 12).unwrap_or(env.month);
            let all = listing::paid_per_month(env.conn, jan, dec)?;
            self.year_series = Some((year, stamp, all));
        }
        Ok(self
            .year_series
            .iter()
            .flat_map(|(_, _, all)| all.iter())
            .filter(|(m, _)| *m <= env.month)
            .cloned()
            .collect())
    }
}

impl Screen for Overview {
    fn shows_findings(&self) -> bool {
        true
    }

    fn id(&self) -> ScreenId {
        ScreenId::Overview
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        let as_of = env.as_of();
        let figs = env.program_figures()?;
        self.programs = figs.len();
        self.budget = figs.iter().map(|f| f.budget).sum();
        self.paid = figs.iter().map(|f| f.paid).sum();
        self.committed = figs.iter().map(|f| f.committed).sum();
        self.recovered = figs.iter().map(|f| f.recovered).sum();
        self.balance = figs.iter().map(|f| f.balance).sum();
        self.rate = execution_rate(self.paid, self.budget);
        self.time = time_progress(as_of.year(), as_of);
        self.series = self.series_until(env)?;
        let mut lag: Vec<Lagging> = figs
            .iter()
            .filter(|f| f.budget.0 > 0)
            .map(|f| Lagging {
                code: f.program.code.clone(),
                name: f.program.name.clone(),
                rate: f.execution_rate,
                time: f.time_progress,
                gap: f.execution_rate - f.time_progress,
            })
            .collect();
        lag.sort_by(|a, b| a.gap.cmp(&b.gap).then_with(|| a.code.cmp(&b.code)));
        lag.truncate(10);
        self.lagging = lag;
        self.sel = self.sel.min(self.lagging.len().saturating_sub(1));
        self.findings = env.findings_soon()?.map(|f| FindingCounts::of(&f));
        Ok(())
    }

    fn update(&mut self, action: Action, _env: &Env) -> Result<Outcome, Error> {
        let last = self.lagging.len().saturating_sub(1);
        match action {
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::Top | Action::PageUp => self.sel = 0,
            Action::Bottom | Action::PageDown => self.sel = last,
            Action::Open => {
                if let Some(l) = self.lagging.get(self.sel) {
                    return Ok(Outcome::Jump(
                        ScreenId::Programs,
                        Target::Program(l.code.clone()),
                    ));
                }
            }
            _ => return Ok(Outcome::Ignored),
        }
        Ok(Outcome::Done)
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::Down,
            Action::Open,
            Action::Go(ScreenId::Lookup),
            Action::MonthBack,
            Action::MonthForward,
            Action::ToggleUnit,
            Action::Refresh,
        ]
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let [totals, gauges, bottom, findings] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);

        // totals: four boxes of label + amount
        let block = Block::default().borders(Borders::ALL).title(format!(
            " {} {} · {} {} ",
            s.as_of, cx.month, s.programs_count, self.programs
        ));
        let inner = block.inner(totals);
        f.render_widget(block, totals);
        let cells = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(inner);
        let items = [
            (s.budget, self.budget, Color::White),
            (s.paid, self.paid, Color::Green),
            (s.balance, self.balance, Color::Yellow),
            (s.recovered, self.recovered, Color::Magenta),
        ];
        for ((label, amount, color), cell) in items.into_iter().zip(cells.iter()) {
            let w = cell.width.saturating_sub(1) as usize;
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(fit(label, w, Align::Right)),
                    Line::from(Span::styled(
                        fit(&amount.format(cx.unit), w, Align::Right),
                        Style::default().fg(color).add_modifier(Modifier::BOLD),
                    )),
                ]),
                *cell,
            );
        }

        // execution rate against time progress
        let [g1, g2] = Layout::vertical([Constraint::Length(1); 2]).areas(gauges);
        let behind = self.rate < self.time;
        f.render_widget(
            Gauge::default()
                .ratio(ratio(self.rate))
                .label(format!("{} {}", s.exec_rate, pct(self.rate)))
                .gauge_style(Style::default().fg(if behind { Color::Red } else { Color::Green })),
            g1,
        );
        f.render_widget(
            Gauge::default()
                .ratio(ratio(self.time))
                .label(format!("{} {}", s.time_progress, pct(self.time)))
                .gauge_style(Style::default().fg(Color::Blue)),
            g2,
        );

        // paid per month | most lagging programs
        let chart_w = (bottom.width * 2 / 5).clamp(20.min(bottom.width), 60);
        let [chart, lag] =
            Layout::horizontal([Constraint::Length(chart_w), Constraint::Min(10)]).areas(bottom);
        let unit_label = match cx.unit {
            zhida_core::Unit::Yuan => s.unit_yuan,
            zhida_core::Unit::Wan => s.unit_wan,
        };
        let n = self.series.len().max(1) as u16;
        let inner_w = chart_w.saturating_sub(2);
        let bar_w = (inner_w / n).saturating_sub(1).clamp(1, 6);
        let bars: Vec<Bar> = self
            .series
            .iter()
            .map(|(m, v)| {
                Bar::default()
                    .value(v.0.max(0) as u64)
                    .label(Line::from(m.month.to_string()))
                    .text_value(String::new())
            })
            .collect();
        let peak = self
            .series
            .iter()
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(Money::ZERO);
        f.render_widget(
            BarChart::default()
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(format!(" {} ", s.paid_per_month))
                        .title_bottom(
                            Line::from(format!(
                                " {} {} {} ",
                                s.peak,
                                peak.format(cx.unit),
                                unit_label
                            ))
                            .right_aligned(),
                        ),
                )
                .data(BarGroup::default().bars(&bars))
                .bar_width(bar_w)
                .bar_gap(1)
                .bar_style(Style::default().fg(Color::Green)),
            chart,
        );
        let cols = vec![
            Col::left(s.code, 8, 6),
            Col::flex(s.name, 8, 9),
            Col::right(s.rate_col, 8, 8),
            Col::right(s.time_progress, 8, 5),
            Col::right(s.gap, 8, 7),
        ];
        let rows: Vec<Vec<Cell>> = self
            .lagging
            .iter()
            .map(|l| {
                let red = if l.gap < Decimal::ZERO {
                    Style::default().fg(Color::Red)
                } else {
                    Style::default()
                };
                vec![
                    Cell::new(l.code.clone()),
                    Cell::new(l.name.clone()),
                    Cell::new(pct(l.rate)),
                    Cell::new(pct(l.time)),
                    Cell::styled(pp(l.gap), red),
                ]
            })
            .collect();
        table::draw(
            f,
            lag,
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", s.lagging)),
            &cols,
            None,
            &rows,
            self.lagging.get(self.sel).map(|_| self.sel),
            s.no_rows,
        );

        let m = i18n::month_end(cx.lang);
        let mut spans = vec![Span::raw(format!(" {}: ", s.findings))];
        match self.findings {
            None => spans.push(Span::styled(s.checking, Style::default().fg(Color::Gray))),
            Some(c) if c.errors + c.warnings == 0 => {
                spans.push(Span::styled(m.none, Style::default().fg(Color::Green)))
            }
            Some(c) => {
                let style = |n: usize, colour: Color| {
                    if n > 0 {
                        Style::default().fg(colour).add_modifier(Modifier::BOLD)
                    } else {
                        Style::default()
                    }
                };
                spans.push(Span::styled(
                    format!("{} {}", Severity::Error.label(cx.lang), c.errors),
                    style(c.errors, Color::Red),
                ));
                if c.errors > 0 {
                    spans.push(Span::raw(i18n::open_count(cx.lang, c.open_errors)));
                }
                spans.push(Span::raw("  "));
                spans.push(Span::styled(
                    format!("{} {}", Severity::Warn.label(cx.lang), c.warnings),
                    style(c.warnings, Color::Yellow),
                ));
                spans.push(Span::styled(
                    format!(" · {}", m.on_month_end),
                    Style::default().fg(Color::Gray),
                ));
            }
        }
        f.render_widget(Paragraph::new(Line::from(spans)), findings);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use zhida_core::repo::program_figures;

    fn ov(a: &App) -> &Overview {
        state(a, ScreenId::Overview)
    }

    /// Walking the as-of month back over a year boundary and forth again (the figures of
    /// the months beside come prefetched, the chart from the year's series): every month
    /// shows exactly what the direct queries give for it.
    #[test]
    fn month_changes_show_each_months_own_figures_and_chart() {
        let mut a = app("小李");
        let start = a.month;
        let mut seen = Vec::new();
        for action in [Action::MonthBack; 6]
            .into_iter()
            .chain([Action::MonthForward; 6])
        {
            a.update(action);
            let month = a.month;
            let figs = program_figures(&a.conn, month.last_day()).unwrap();
            let o = ov(&a);
            assert_eq!(
                o.paid,
                figs.iter().map(|f| f.paid).sum::<Money>(),
                "{month}"
            );
            assert_eq!(o.budget, figs.iter().map(|f| f.budget).sum::<Money>());
            let jan = Month::new(month.year, 1).unwrap();
            assert_eq!(
                o.series,
                listing::paid_per_month(&a.conn, jan, month).unwrap(),
                "the chart of {month}"
            );
            seen.push(month.year);
        }
        assert_eq!(a.month, start);
        assert!(seen.contains(&(start.year - 1)), "crossed a year: {seen:?}");
    }
}
