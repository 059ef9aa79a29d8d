//! 3 查询 Lookup: one input, focused on arrival; every keystroke searches the in-memory
//! enterprise index (name, pinyin initials, full pinyin, credit-code prefix) and the
//! voucher index of the database; Enter opens the enterprise's 一企一档 file
//! (`enterprise_file.rs`: totals against the caps, exclusive groups, disbursements,
//! clawbacks, findings with their basis) as of the selected month, scrolled with the list
//! keys; Esc closes the file, then clears, then leaves.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::enterprise_file::{enterprise_file_by_id, EnterpriseFile};
use zhida_core::repo::listing::{self, VoucherHit};
use zhida_core::search::{EnterpriseIndex, Found, MatchKind};
use zhida_core::{Error, Unit};

use super::enterprise_file::{self as file_view, doc_height};
use super::{Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::background::Output;
use crate::tui::i18n;
use crate::tui::input::{place_cursor, LineInput};
use crate::tui::table::{self, scroll, Cell, Col};

/// Best hits kept per keystroke.
pub const LIMIT: usize = 200;

/// The background job that loads the enterprise index.
const INDEX_JOB: &str = "index";

/// One line of the result list.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub enterprise_id: i64,
    pub name: String,
    pub credit_code: String,
    /// set when the row came from a voucher number
    pub voucher: Option<String>,
    pub kind: Option<MatchKind>,
}

#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub index: Option<EnterpriseIndex>,
    /// the database's change stamp when the index was loaded
    stamp: (i64, u64),
    /// a background load of the index is running, asked for at this change stamp
    loading: Option<(i64, u64)>,
    pub query: LineInput,
    /// the searches of the query's prefixes, shortest first: typing narrows the last one,
    /// Backspace goes back to the one before without searching again
    history: Vec<(String, Found)>,
    pub results: Vec<ResultRow>,
    pub sel: usize,
    pub offset: usize,
    /// the open 一企一档 file
    pub detail: Option<EnterpriseFile>,
    /// the highlighted disbursement (the voucher searched for or jumped to)
    pub detail_sel: usize,
    /// the first line of the file's document shown
    pub detail_offset: usize,
}

impl Lookup {
    /// Load the index now (a jump from another screen needs it at once).
    fn load_index(&mut self, env: &Env) -> Result<(), Error> {
        self.stamp = listing::change_stamp(env.conn)?;
        self.index = Some(EnterpriseIndex::load(env.conn)?);
        self.history.clear();
        Ok(())
    }

    /// Load the index in the background (~0.1 s for 50,000 enterprises): typing goes on
    /// meanwhile and is searched when it arrives ([`Screen::job_done`]).
    fn request_index(&mut self, env: &Env) -> Result<(), Error> {
        if self.loading.is_none() {
            self.loading = Some(listing::change_stamp(env.conn)?);
            env.spawn(ScreenId::Lookup, INDEX_JOB, |conn| {
                Ok(Box::new(EnterpriseIndex::load(conn)?) as Output)
            });
        }
        Ok(())
    }

    fn search(&mut self, env: &Env) -> Result<(), Error> {
        let q = self.query.trim().to_string();
        self.sel = 0;
        self.offset = 0;
        if q.is_empty() {
            self.results.clear();
            self.history.clear();
            return Ok(());
        }
        let Some(index) = &self.index else {
            return Ok(());
        };
        // a query that extends an earlier one only needs to look at its matches; the same
        // query again (after a Backspace) is not searched at all
        let norm = zhida_core::search::normalize_query(&q);
        while self
            .history
            .last()
            .is_some_and(|(prev, _)| !norm.starts_with(prev.as_str()))
        {
            self.history.pop();
        }
        let found = match self.history.last() {
            Some((prev, f)) if *prev == norm => f.clone(),
            prev => {
                let within = prev.map(|(_, f)| f.all.as_slice());
                let found = index.search(&q, within, LIMIT);
                self.history.push((norm, found.clone()));
                found
            }
        };
        let vouchers: Vec<VoucherHit> = if q.is_ascii() && q.len() >= 3 {
            listing::vouchers_by_prefix(env.conn, &q, 10)?
        } else {
            Vec::new()
        };
        let mut rows = Vec::with_capacity(found.top.len() + vouchers.len());
        let voucher_row = |v: &VoucherHit| {
            let e = index.position(v.enterprise_id).and_then(|p| index.get(p));
            ResultRow {
                enterprise_id: v.enterprise_id,
                name: e.map(|e| e.name.to_string()).unwrap_or_default(),
                credit_code: e.map(|e| e.credit_code.to_string()).unwrap_or_default(),
                voucher: Some(v.voucher_no.clone()),
                kind: None,
            }
        };
        // exact voucher, exact credit code, voucher prefixes, then the ranked names
        rows.extend(vouchers.iter().filter(|v| v.exact).map(voucher_row));
        let enterprise_row = |h: &zhida_core::search::Hit| {
            index.get(h.index).map(|e| ResultRow {
                enterprise_id: e.id,
                name: e.name.to_string(),
                credit_code: e.credit_code.to_string(),
                voucher: None,
                kind: Some(h.kind),
            })
        };
        rows.extend(
            found
                .top
                .iter()
                .filter(|h| h.kind == MatchKind::ExactCode)
                .filter_map(enterprise_row),
        );
        rows.extend(vouchers.iter().filter(|v| !v.exact).map(voucher_row));
        rows.extend(
            found
                .top
                .iter()
                .filter(|h| h.kind != MatchKind::ExactCode)
                .filter_map(enterprise_row),
        );
        self.results = rows;
        Ok(())
    }

    fn load_file(&self, env: &Env, enterprise_id: i64) -> Result<Option<EnterpriseFile>, Error> {
        enterprise_file_by_id(env.conn, enterprise_id, env.as_of(), env.checks, env.lang)
    }

    fn open(&mut self, env: &Env) -> Result<(), Error> {
        let Some(row) = self.results.get(self.sel) else {
            return Ok(());
        };
        let voucher = row.voucher.clone();
        self.detail = self.load_file(env, row.enterprise_id)?;
        self.detail_offset = 0;
        self.detail_sel = 0;
        if let (Some(f), Some(v)) = (&self.detail, voucher) {
            if let Some(i) = f.disbursements.iter().position(|x| x.voucher_no == v) {
                self.detail_sel = i;
                // scroll the voucher's line into view
                let doc = file_view::document(f, env.lang, Unit::Yuan);
                if let Some(line) = file_view::line_of(&doc, i) {
                    self.detail_offset = scroll(0, line, doc_height(env.body_rows));
                }
            }
        }
        Ok(())
    }

    fn results_height(env: &Env) -> usize {
        (env.body_rows as usize).saturating_sub(6).max(1)
    }
}

impl Screen for Lookup {
    fn id(&self) -> ScreenId {
        ScreenId::Lookup
    }

    fn text_input(&self) -> bool {
        self.detail.is_none()
    }

    fn on_enter(&mut self, env: &Env) -> Result<(), Error> {
        if self.index.is_none() {
            self.request_index(env)?;
        }
        // the input has focus on arrival
        self.detail = None;
        Ok(())
    }

    /// The index (8 MB at 50,000 enterprises, ~0.1 s to load) waits for the first run of
    /// the checks, so that it is not held beside their pass over the rows.
    fn warm_after_findings(&self) -> bool {
        true
    }

    /// Start loading the index soon after the first frame (once the findings are in), so
    /// that it is there when the user arrives.
    fn warm(&mut self, env: &Env) -> Result<(), Error> {
        if self.index.is_none() {
            self.request_index(env)?;
        }
        Ok(())
    }

    fn job_done(&mut self, key: &'static str, output: Output, env: &Env) -> Result<(), Error> {
        if key != INDEX_JOB {
            return Ok(());
        }
        let Ok(index) = output.downcast::<EnterpriseIndex>() else {
            return Ok(());
        };
        self.stamp = self.loading.take().unwrap_or_default();
        self.index = Some(*index);
        // what was typed meanwhile, searched now; the selection stays where it was
        let (sel, offset) = (self.sel, self.offset);
        self.history.clear();
        self.search(env)?;
        self.sel = sel.min(self.results.len().saturating_sub(1));
        self.offset = offset.min(self.sel);
        Ok(())
    }

    fn tab_moves_focus(&self) -> bool {
        false
    }

    /// Another screen asked to show an enterprise or a voucher: search for it as if
    /// typed, and open the enterprise (with the voucher selected).
    fn focus(&mut self, target: &Target, env: &Env) -> Result<(), Error> {
        let q = match target {
            Target::Enterprise(code) => code,
            Target::Voucher(v) => v,
            Target::Program(_) => return Ok(()),
        };
        if self.index.is_none() {
            self.load_index(env)?;
        }
        self.query.set(q);
        self.history.clear();
        self.search(env)?;
        let exact = self.results.iter().position(|r| match target {
            Target::Voucher(v) => r.voucher.as_deref() == Some(v.as_str()),
            _ => r.kind == Some(MatchKind::ExactCode),
        });
        if let Some(i) = exact {
            self.sel = i;
            self.open(env)?;
        }
        Ok(())
    }

    fn selection(&self) -> Option<String> {
        match &self.detail {
            Some(d) => Some(d.enterprise.credit_code.clone()),
            None => self
                .results
                .get(self.sel)
                .map(|r| r.voucher.clone().unwrap_or_else(|| r.credit_code.clone())),
        }
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        // reload the index only when the database changed (a month change does not touch
        // it), in the background: the old one serves until the new one arrives
        if self.index.is_some() && listing::change_stamp(env.conn)? != self.stamp {
            self.request_index(env)?;
        }
        let (sel, offset) = (self.sel, self.offset);
        self.history.clear();
        self.search(env)?;
        self.sel = sel.min(self.results.len().saturating_sub(1));
        self.offset = offset.min(self.sel);
        if let Some(d) = &self.detail {
            let id = d.enterprise.id;
            self.detail = self.load_file(env, id)?;
            if let Some(d) = &self.detail {
                self.detail_sel = self.detail_sel.min(d.disbursements.len().saturating_sub(1));
            }
        }
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        if let Some(d) = &self.detail {
            // the file scrolls as a document: at most to where its last line is at the bottom
            let h = doc_height(env.body_rows);
            let last = file_view::document(d, env.lang, Unit::Yuan)
                .len()
                .saturating_sub(h);
            let o = self.detail_offset;
            self.detail_offset = match action {
                Action::Back => {
                    self.detail = None;
                    return Ok(Outcome::Done);
                }
                Action::Down => (o + 1).min(last),
                Action::Up => o.saturating_sub(1),
                Action::PageDown => (o + h).min(last),
                Action::PageUp => o.saturating_sub(h),
                Action::Top => 0,
                Action::Bottom => last,
                _ => return Ok(Outcome::Ignored),
            };
            return Ok(Outcome::Done);
        }
        if self.index.is_none() {
            self.request_index(env)?;
        }
        let h = Self::results_height(env);
        let last = self.results.len().saturating_sub(1);
        match action {
            // an edit searches again; a cursor move does not
            Action::Char(_) | Action::Backspace | Action::Edit(_) => {
                if self.query.apply(action) {
                    self.search(env)?;
                }
            }
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::PageDown => self.sel = (self.sel + h).min(last),
            Action::PageUp => self.sel = self.sel.saturating_sub(h),
            Action::Top => self.sel = 0,
            Action::Bottom => self.sel = last,
            Action::Open => self.open(env)?,
            Action::Back if !self.query.is_empty() => {
                self.query.clear();
                self.search(env)?;
            }
            _ => return Ok(Outcome::Ignored),
        }
        self.offset = scroll(self.offset, self.sel, h);
        Ok(Outcome::Done)
    }

    fn hints(&self) -> Vec<Action> {
        if self.detail.is_some() {
            vec![
                Action::Down,
                Action::PageDown,
                Action::Back,
                Action::ToggleUnit,
            ]
        } else {
            vec![Action::Down, Action::Open, Action::Back, Action::NextScreen]
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        match &self.detail {
            Some(d) => {
                let doc = file_view::document(d, cx.lang, cx.unit);
                let sel = d
                    .disbursements
                    .get(self.detail_sel)
                    .map(|_| self.detail_sel);
                file_view::render(d, &doc, self.detail_offset, sel, f, area, cx);
            }
            None => self.render_search(f, area, cx),
        }
    }
}

impl Lookup {
    fn render_search(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let [input, list] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let size = self.index.as_ref().map(|i| i.len()).unwrap_or(0);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(Color::Yellow))
            .title(format!(" {} · {} {} ", s.lookup_prompt, size, s.index_size));
        let inner = block.inner(input);
        let (shown, col) = self.query.window(inner.width as usize);
        let line = if self.query.is_empty() {
            // the cursor stands on the space before the hint
            Line::from(Span::styled(
                format!(" {}", s.lookup_hint),
                Style::default().fg(Color::DarkGray),
            ))
        } else {
            Line::from(Span::styled(
                shown,
                Style::default().add_modifier(Modifier::BOLD),
            ))
        };
        f.render_widget(Paragraph::new(line).block(block), input);
        place_cursor(f, inner, inner.x, inner.y, col);
        let cols = vec![
            Col::flex(s.enterprise, 16, 10),
            Col::left(s.credit_code, 18, 8),
            Col::left(s.matched_by, 14, 5),
        ];
        let h = list.height.saturating_sub(3) as usize;
        let offset = scroll(self.offset, self.sel, h);
        let rows: Vec<Vec<Cell>> = self
            .results
            .iter()
            .skip(offset)
            .take(h)
            .map(|r| {
                let how = match (&r.voucher, r.kind) {
                    (Some(v), _) => format!("{} {v}", s.voucher_hit),
                    (None, Some(k)) => i18n::match_kind(k, cx.lang).to_string(),
                    (None, None) => String::new(),
                };
                vec![
                    Cell::new(r.name.clone()),
                    Cell::new(r.credit_code.clone()),
                    Cell::styled(how, Style::default().fg(Color::DarkGray)),
                ]
            })
            .collect();
        let empty = if self.query.trim().is_empty() {
            ""
        } else if self.index.is_none() {
            s.loading
        } else {
            s.lookup_none
        };
        table::draw(
            f,
            list,
            Block::default().borders(Borders::ALL).title(format!(
                " {} {} ",
                self.results.len(),
                s.rows
            )),
            &cols,
            None,
            &rows,
            self.results.get(self.sel).map(|_| self.sel - offset),
            empty,
        );
    }
}

#[cfg(test)]
mod warm_tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use zhida_core::Lang;

    fn lookup(a: &App) -> &Lookup {
        state(a, ScreenId::Lookup)
    }

    /// On a file the lookup index waits for the first run of the checks (not held beside
    /// their pass over the rows), then loads by itself; arriving on 查询 loads it at once.
    #[test]
    fn the_index_loads_after_the_findings_or_on_arrival() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&ledger(), &dir.path().join("查询.db"));
        let mut a = app_on(conn, "小李", Lang::Zh);
        if a.findings_computing() {
            let l = lookup(&a);
            assert!(
                l.index.is_none() && l.loading.is_none(),
                "not while the checks run"
            );
        }
        wait_for_jobs(&mut a);
        assert!(!a.findings_computing());
        assert!(
            lookup(&a).index.is_some(),
            "loaded once the findings are in"
        );

        // arriving on 查询 while the checks run: loaded at once
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&ledger(), &dir.path().join("查询.db"));
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Lookup);
        let l = lookup(&a);
        assert!(
            l.index.is_some() || l.loading.is_some(),
            "asked for on arrival"
        );
        wait_for_jobs(&mut a);
        assert!(lookup(&a).index.is_some());
    }
}
