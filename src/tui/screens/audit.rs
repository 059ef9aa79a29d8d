//! 8 日志 Audit log: who did what, when — newest first, keyset-paged by id through
//! `audit::page` (never OFFSET). Read-only for every role.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use zhida_core::audit::{self, AuditEntry};
use zhida_core::Error;

use super::{Cx, Env, Outcome, Screen};
use crate::tui::action::{Action, ScreenId};
use crate::tui::i18n;
use crate::tui::table::{self, scroll, Cell, Col};

/// Entries fetched per page.
const FETCH: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    pub rows: Vec<AuditEntry>,
    pub sel: usize,
    pub offset: usize,
    at_end: bool,
}

impl AuditLog {
    fn height(env: &Env) -> usize {
        (env.body_rows as usize).saturating_sub(7).max(1)
    }

    fn more(&mut self, env: &Env) -> Result<(), Error> {
        if self.at_end {
            return Ok(());
        }
        let before = self.rows.last().map(|e| e.id);
        let page = audit::page(env.conn, before, FETCH)?;
        self.at_end = page.len() < FETCH;
        self.rows.extend(page);
        Ok(())
    }
}

impl Screen for AuditLog {
    fn id(&self) -> ScreenId {
        ScreenId::Audit
    }

    fn loads_alone(&self) -> bool {
        true
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        let keep = self.rows.get(self.sel).map(|e| e.id);
        self.rows = audit::page(env.conn, None, FETCH)?;
        self.at_end = self.rows.len() < FETCH;
        self.sel = keep
            .and_then(|id| self.rows.iter().position(|e| e.id == id))
            .unwrap_or(0);
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        let h = Self::height(env);
        let step = match action {
            Action::Down => 1,
            Action::Up => -1,
            Action::PageDown => h as isize,
            Action::PageUp => -(h as isize),
            Action::Top => -(self.sel as isize),
            Action::Bottom => {
                while !self.at_end {
                    self.more(env)?;
                }
                (self.rows.len() as isize) - (self.sel as isize)
            }
            _ => return Ok(Outcome::Ignored),
        };
        let want = (self.sel as isize + step).max(0) as usize;
        while want >= self.rows.len() && !self.at_end {
            self.more(env)?;
        }
        self.sel = want.min(self.rows.len().saturating_sub(1));
        self.offset = scroll(self.offset, self.sel, h);
        Ok(Outcome::Done)
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::Down, Action::PageDown, Action::Top]
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let w = i18n::work(cx.lang);
        let s = cx.s;
        let [list, detail] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(5)]).areas(area);
        let cols = vec![
            Col::left(w.at, 19, 9),
            Col::left(w.user, 8, 8),
            Col::left(w.action, 8, 8),
            Col::left(w.table, 12, 6),
            Col::flex(w.key, 12, 7),
        ];
        let h = list.height.saturating_sub(3) as usize;
        let offset = scroll(self.offset, self.sel, h);
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .skip(offset)
            .take(h)
            .map(|e| {
                vec![
                    Cell::new(e.at.chars().take(19).collect::<String>().replace('T', " ")),
                    Cell::new(e.user.clone()),
                    Cell::new(e.action.clone()),
                    Cell::new(e.tbl.clone()),
                    Cell::new(e.key.clone()),
                ]
            })
            .collect();
        table::draw(
            f,
            list,
            Block::default().borders(Borders::ALL).title(format!(
                " {} · {}{} {} ",
                w.audit_tab,
                self.rows.len(),
                if self.at_end { "" } else { "+" },
                s.rows
            )),
            &cols,
            None,
            &rows,
            self.rows.get(self.sel).map(|_| self.sel - offset),
            s.no_rows,
        );
        let text: Vec<Line> = match self.rows.get(self.sel) {
            Some(e) => vec![
                Line::styled(
                    format!("− {}", e.before.as_deref().unwrap_or("—")),
                    Style::default().fg(Color::Red),
                ),
                Line::styled(
                    format!("+ {}", e.after.as_deref().unwrap_or("—")),
                    Style::default().fg(Color::Green),
                ),
            ],
            None => vec![],
        };
        f.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", w.change)),
            ),
            detail,
        );
    }
}
