//! 2 项目 Programs: a sortable, filterable table of every program's figures as of the
//! selected month; Enter opens one program (figures, allocations, keyset-paged
//! disbursements, recoveries, evaluations and indicators).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::checks::{Finding, Severity};
use zhida_core::model::{format_score, Disbursement, Grade};
use zhida_core::repo::listing::{self, DisbFilter, Page, ProgramLists};
use zhida_core::repo::ProgramFigures;
use zhida_core::Error;

use super::fmt::{pct, place_title_cursor, push_filter, status_style};
use super::{Cx, Env, Outcome, Output, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::i18n::{self, Strings};
use crate::tui::input::LineInput;
use crate::tui::pager::Pager;
use crate::tui::table::{self, scroll, Cell, Col};
use crate::tui::text::{fit, Align};

/// Sortable columns, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Code,
    Name,
    Department,
    Budget,
    Paid,
    Rate,
    Balance,
    LastPaid,
    Flags,
}

impl Column {
    pub const ALL: [Column; 9] = [
        Column::Code,
        Column::Name,
        Column::Department,
        Column::Budget,
        Column::Paid,
        Column::Rate,
        Column::Balance,
        Column::LastPaid,
        Column::Flags,
    ];

    pub fn title(self, s: &Strings) -> &'static str {
        match self {
            Column::Code => s.code,
            Column::Name => s.name,
            Column::Department => s.department,
            Column::Budget => s.budget,
            Column::Paid => s.paid,
            Column::Rate => s.rate_col,
            Column::Balance => s.balance,
            Column::LastPaid => s.last_payment,
            Column::Flags => s.flags,
        }
    }

    fn col(self, s: &Strings) -> Col {
        let t = self.title(s);
        match self {
            Column::Code => Col::left(t, 8, 9),
            Column::Name => Col::flex(t, 10, 10),
            Column::Department => Col::left(t, 10, 2),
            Column::Budget => Col::right(t, 14, 8),
            Column::Paid => Col::right(t, 14, 7),
            Column::Rate => Col::right(t, 7, 6),
            Column::Balance => Col::right(t, 14, 5),
            Column::LastPaid => Col::left(t, 10, 3),
            Column::Flags => Col::right(t, 5, 4),
        }
    }

    fn cmp(self, a: (&ProgramFigures, Flags), b: (&ProgramFigures, Flags)) -> Ordering {
        let ((a, fa), (b, fb)) = (a, b);
        match self {
            Column::Code => a.program.code.cmp(&b.program.code),
            Column::Name => a.program.name.cmp(&b.program.name),
            Column::Department => a.program.department.cmp(&b.program.department),
            Column::Budget => a.budget.cmp(&b.budget),
            Column::Paid => a.paid.cmp(&b.paid),
            Column::Rate => a.execution_rate.cmp(&b.execution_rate),
            Column::Balance => a.balance.cmp(&b.balance),
            Column::LastPaid => a.last_paid.cmp(&b.last_paid),
            Column::Flags => fa.cmp(&fb),
        }
    }
}

/// A program's findings: errors first, so that sorting by flags puts errors on top.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Flags {
    pub errors: usize,
    pub warnings: usize,
}

impl Flags {
    fn total(self) -> usize {
        self.errors + self.warnings
    }
}

/// One open program.
#[derive(Debug, Clone)]
pub struct Detail {
    pub fig: ProgramFigures,
    /// its allocations, recoveries, evaluations and indicators
    pub lists: ProgramLists,
    /// this program's first findings as of the month's last day (as many as its box can
    /// show), and how many it has in all
    pub findings: Vec<Finding>,
    pub finding_counts: Flags,
    pub pager: Pager,
}

/// Findings expanded for an open program's box (which shows at most six).
const FINDINGS_SHOWN: usize = 8;

impl Detail {
    /// Rows of the side sections (allocations / recoveries), of the evaluation and
    /// findings sections, and of the disbursement box, in a body `height` rows high.
    fn rows(&self, height: u16) -> (usize, usize, usize) {
        // on small terminals the side sections keep two rows each so that the
        // disbursements (the part that moves) get the space
        let most = if height >= 30 { 6 } else { 2 };
        let l = &self.lists;
        let side = l.allocations.len().max(l.recoveries.len()).clamp(1, most);
        let eval = (l.evaluations.len() + l.indicators.len())
            .max(self.finding_counts.total())
            .clamp(1, most);
        // head 4, side + 3, eval + 2, the box's own border and header 3
        let disb = (height as usize)
            .saturating_sub(4 + side + 3 + eval + 2)
            .max(4)
            - 3;
        (side, eval, disb)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Programs {
    pub figs: Rc<Vec<ProgramFigures>>,
    /// findings per program, parallel to `figs`
    pub flags: Vec<Flags>,
    /// every finding as of the month (for the open program's list)
    pub findings: Rc<super::Findings>,
    /// positions in `findings` of each program's findings, parallel to `figs` (opening a
    /// program then copies its few hundred instead of filtering 70,000: 8.5 → <1 ms)
    pub owned: Vec<Vec<u32>>,
    /// indices into `figs` after filter and sort
    pub view: Vec<usize>,
    /// index into `view`
    pub sel: usize,
    pub offset: usize,
    pub sort: usize,
    pub desc: bool,
    pub filter: LineInput,
    pub filtering: bool,
    pub detail: Option<Detail>,
    /// what opening the programs beside the selection needs, read off the UI thread
    /// ([`Programs::prefetch`]): opening one of them then runs no query
    prefetched: HashMap<i64, Parts>,
    /// a prefetch job is out
    prefetching: bool,
    /// every program's lists, read off the UI thread after each refresh
    /// ([`LISTS_JOB`]): opening a program then reads only its first disbursements
    lists: Option<HashMap<i64, ProgramLists>>,
    /// a lists job is out (one at a time: refreshes in a row do not pile up threads)
    listing: bool,
    /// bumped by every refresh: a job of an older generation read older data
    generation: u64,
}

/// The lists and the first disbursements of one program, as [`Programs::open`] shows them.
#[derive(Debug, Clone)]
struct Parts {
    as_of: NaiveDate,
    lists: ProgramLists,
    /// the first `asked` disbursements (fewer: all there are; none asked: the lists alone)
    first: Vec<Disbursement>,
    asked: usize,
}

impl Parts {
    fn read(
        conn: &rusqlite::Connection,
        id: i64,
        as_of: NaiveDate,
        asked: usize,
    ) -> Result<Parts, Error> {
        let first = if asked == 0 {
            Vec::new()
        } else {
            listing::disbursement_page(conn, &disb_filter(id, as_of), Page::First, asked)?
        };
        Ok(Parts {
            as_of,
            lists: ProgramLists::of(conn, id)?,
            first,
            asked,
        })
    }
}

fn disb_filter(program_id: i64, as_of: NaiveDate) -> DisbFilter {
    DisbFilter {
        program_id: Some(program_id),
        until: Some(as_of),
        ..DisbFilter::default()
    }
}

/// The key of the prefetch job.
const PARTS_JOB: &str = "program-parts";

/// Programs prefetched on each side of the selection.
const PREFETCH_AROUND: usize = 2;

/// What a prefetch job hands back: its generation and the parts it read.
type Prefetched = (u64, Vec<(i64, Parts)>);

/// The key of the job reading every program's lists.
const LISTS_JOB: &str = "program-lists";

/// What the lists job hands back: its generation and the lists.
type AllLists = (u64, HashMap<i64, ProgramLists>);

impl Programs {
    /// Whether opening program `id` would take what the prefetch read (tests).
    #[cfg(test)]
    pub fn is_prefetched(&self, id: i64) -> bool {
        self.prefetched.contains_key(&id)
    }

    /// Whether every program's lists are in (tests).
    #[cfg(test)]
    pub fn has_every_list(&self) -> bool {
        self.lists.is_some()
    }

    pub fn selected(&self) -> Option<&ProgramFigures> {
        self.view.get(self.sel).map(|&i| &self.figs[i])
    }

    fn selected_id(&self) -> Option<i64> {
        self.selected().map(|f| f.program.id)
    }

    /// Recompute the view (filter + sort), keeping the selected program if it is still shown.
    fn rebuild(&mut self, keep: Option<i64>) {
        let needle = self.filter.to_lowercase();
        self.view = (0..self.figs.len())
            .filter(|&i| {
                let p = &self.figs[i].program;
                needle.is_empty()
                    || p.code.to_lowercase().contains(&needle)
                    || p.name.to_lowercase().contains(&needle)
                    || p.department.to_lowercase().contains(&needle)
            })
            .collect();
        let col = Column::ALL[self.sort];
        let (figs, flags) = (&self.figs, &self.flags);
        self.view.sort_by(|&a, &b| {
            let o = col
                .cmp((&figs[a], flags[a]), (&figs[b], flags[b]))
                .then_with(|| figs[a].program.code.cmp(&figs[b].program.code));
            if self.desc {
                o.reverse()
            } else {
                o
            }
        });
        self.sel = keep
            .and_then(|id| {
                self.view
                    .iter()
                    .position(|&i| self.figs[i].program.id == id)
            })
            .unwrap_or(self.sel)
            .min(self.view.len().saturating_sub(1));
    }

    /// The first findings of the program at `index` in `figs` (report order), and the
    /// counts of all of them.
    fn findings_at(&self, index: usize) -> (Vec<Finding>, Flags) {
        let shown = self
            .owned
            .get(index)
            .map(|v| {
                v.iter()
                    .take(FINDINGS_SHOWN)
                    .filter_map(|&n| self.findings.get(n as usize).map(|f| f.to_finding()))
                    .collect()
            })
            .unwrap_or_default();
        (shown, self.flags.get(index).copied().unwrap_or_default())
    }

    fn open(&mut self, env: &Env) -> Result<(), Error> {
        let Some(&index) = self.view.get(self.sel) else {
            return Ok(());
        };
        let fig = self.figs[index].clone();
        let id = fig.program.id;
        let (findings, finding_counts) = self.findings_at(index);
        let as_of = env.as_of();
        let ready = self.prefetched.remove(&id).filter(|p| p.as_of == as_of);
        let parts = match ready {
            Some(p) => p,
            // the lists first (the box's height depends on them), the page after
            None => match self.lists.as_ref() {
                Some(all) => Parts {
                    as_of,
                    lists: all.get(&id).cloned().unwrap_or_default(),
                    first: Vec::new(),
                    asked: 0,
                },
                None => Parts::read(env.conn, id, as_of, 0)?,
            },
        };
        let mut d = Detail {
            findings,
            finding_counts,
            fig,
            lists: parts.lists,
            pager: Pager::new(disb_filter(id, as_of)),
        };
        // the rows its box shows, no more: each costs a read from the OS when cold
        // (100 of them were ~2 ms of a 3 ms key); moving on fetches the rest
        let (_, _, rows) = d.rows(env.body_rows);
        if parts.asked > rows {
            d.pager.start_with(parts.first, parts.asked);
        } else {
            d.pager.first_n(env.conn, rows + 1)?;
        }
        self.detail = Some(d);
        Ok(())
    }

    /// Read, off the UI thread, what opening the selected program and the ones beside it
    /// needs (one job at a time; when it is back, the selection may have moved on and
    /// another follows). A user's pause between moving and Enter is longer than the job.
    fn prefetch(&mut self, env: &Env) {
        if self.prefetching || self.detail.is_some() || self.view.is_empty() {
            return;
        }
        let as_of = env.as_of();
        let from = self.sel.saturating_sub(PREFETCH_AROUND);
        let to = (self.sel + PREFETCH_AROUND).min(self.view.len() - 1);
        let near: Vec<i64> = (from..=to)
            .map(|i| self.figs[self.view[i]].program.id)
            .collect();
        let ids: Vec<i64> = near
            .iter()
            .copied()
            .filter(|id| self.prefetched.get(id).is_none_or(|p| p.as_of != as_of))
            .collect();
        if ids.is_empty() {
            return;
        }
        // keep what is near the selection, drop what the user has moved away from
        self.prefetched.retain(|id, _| near.contains(id));
        // rows of the tallest box any of them could need: the body's height
        let asked = env.body_rows as usize + 1;
        let generation = self.generation;
        self.prefetching = true;
        env.spawn(ScreenId::Programs, PARTS_JOB, move |conn| {
            // never an error: what could not be read here, open reads (and reports) itself
            let parts: Vec<(i64, Parts)> = ids
                .into_iter()
                .filter_map(|id| Parts::read(conn, id, as_of, asked).ok().map(|p| (id, p)))
                .collect();
            let done: Prefetched = (generation, parts);
            Ok(Box::new(done) as Output)
        });
    }

    /// Read every program's lists off the UI thread, unless a job is out already (its
    /// answer, if older than the latest refresh, sends another).
    fn read_lists(&mut self, env: &Env) {
        if self.listing {
            return;
        }
        self.listing = true;
        let generation = self.generation;
        env.spawn(ScreenId::Programs, LISTS_JOB, move |conn| {
            let done: AllLists = (generation, ProgramLists::of_every_program(conn)?);
            Ok(Box::new(done) as Output)
        });
    }

    /// Count each program's findings (a map from code to position, one pass).
    fn count_flags(&mut self) {
        let pos: HashMap<&str, usize> = self
            .figs
            .iter()
            .enumerate()
            .map(|(i, f)| (f.program.code.as_str(), i))
            .collect();
        let mut flags = vec![Flags::default(); self.figs.len()];
        let mut owned = vec![Vec::new(); self.figs.len()];
        // the findings come sorted by rule and program: a code is looked up once per run
        // of one program's findings, not once per finding (68,545 at 1M rows)
        let mut last: Option<(u32, Option<usize>)> = None;
        for n in 0..self.findings.len() {
            let id = self.findings.program_id_at(n);
            let at = match last {
                Some((seen, at)) if seen == id => at,
                _ => {
                    let at = pos.get(self.findings.program_at(n)).copied();
                    last = Some((id, at));
                    at
                }
            };
            if let Some(i) = at {
                match self.findings.severity_at(n) {
                    Severity::Error => flags[i].errors += 1,
                    Severity::Warn => flags[i].warnings += 1,
                }
                owned[i].push(n as u32);
            }
        }
        self.flags = flags;
        self.owned = owned;
    }

    fn list_height(env: &Env) -> usize {
        // body minus border (2) and header (1)
        (env.body_rows as usize).saturating_sub(3).max(1)
    }

    fn detail_height(env: &Env) -> usize {
        // the disbursement box gets roughly what the layout in render leaves it
        (env.body_rows as usize).saturating_sub(16).max(3)
    }
}

impl Screen for Programs {
    fn shows_findings(&self) -> bool {
        true
    }

    fn id(&self) -> ScreenId {
        ScreenId::Programs
    }

    fn text_input(&self) -> bool {
        self.filtering
    }

    fn tab_moves_focus(&self) -> bool {
        false
    }

    /// Another screen asked to show a program (绩效 Enter, month-end findings): select
    /// it in the unfiltered list and open it.
    fn focus(&mut self, target: &Target, env: &Env) -> Result<(), Error> {
        let Target::Program(code) = target else {
            return Ok(());
        };
        let Some(id) = self
            .figs
            .iter()
            .find(|f| &f.program.code == code)
            .map(|f| f.program.id)
        else {
            return Ok(());
        };
        self.filter.clear();
        self.filtering = false;
        self.rebuild(Some(id));
        self.offset = scroll(self.offset, self.sel, Self::list_height(env));
        self.open(env)
    }

    fn selection(&self) -> Option<String> {
        match &self.detail {
            Some(d) => Some(d.fig.program.code.clone()),
            None => self.selected().map(|f| f.program.code.clone()),
        }
    }

    fn resized(&mut self, env: &Env) -> Result<(), Error> {
        if let Some(d) = &mut self.detail {
            let (_, _, rows) = d.rows(env.body_rows);
            d.pager.fill(env.conn, d.pager.offset + rows + 1)?;
        }
        Ok(())
    }

    fn job_done(&mut self, key: &'static str, output: Output, env: &Env) -> Result<(), Error> {
        if key == LISTS_JOB {
            self.listing = false;
            match output.downcast::<AllLists>() {
                Ok(done) if done.0 == self.generation => self.lists = Some(done.1),
                // read before the latest refresh: read again
                _ => self.read_lists(env),
            }
            return Ok(());
        }
        if key != PARTS_JOB {
            return Ok(());
        }
        self.prefetching = false;
        if let Ok(done) = output.downcast::<Prefetched>() {
            let (generation, parts) = *done;
            if generation == self.generation {
                self.prefetched.extend(parts);
            }
        }
        // the selection may have moved on meanwhile
        self.prefetch(env);
        Ok(())
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        // what was prefetched may be older than what is reloaded now
        self.generation += 1;
        self.prefetched.clear();
        self.lists = None;
        self.read_lists(env);
        let keep = self.selected_id();
        self.figs = env.program_figures()?;
        self.findings = env.findings_soon()?.unwrap_or_default();
        self.count_flags();
        self.rebuild(keep);
        let open = self.detail.as_ref().map(|d| d.fig.program.id);
        if let Some(id) = open {
            match self.figs.iter().position(|f| f.program.id == id) {
                Some(index) => {
                    let (findings, finding_counts) = self.findings_at(index);
                    let fig = self.figs[index].clone();
                    if let Some(d) = &mut self.detail {
                        d.fig = fig;
                        d.lists = ProgramLists::of(env.conn, id)?;
                        d.findings = findings;
                        d.finding_counts = finding_counts;
                        d.pager.filter.until = Some(env.as_of());
                        d.pager.refresh(env.conn)?;
                    }
                }
                None => self.detail = None,
            }
        }
        Ok(())
    }

    fn idle(&mut self, env: &Env) -> Result<(), Error> {
        self.prefetch(env);
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        if self.filtering {
            match action {
                Action::Char(_) | Action::Backspace | Action::Edit(_) => {
                    if self.filter.apply(action) {
                        let keep = self.selected_id();
                        self.rebuild(keep);
                    }
                    return Ok(Outcome::Done);
                }
                Action::Open => {
                    self.filtering = false;
                    return Ok(Outcome::Done);
                }
                Action::Back => {
                    self.filtering = false;
                    self.filter.clear();
                    let keep = self.selected_id();
                    self.rebuild(keep);
                    return Ok(Outcome::Done);
                }
                _ => {}
            }
        }
        if let Some(d) = &mut self.detail {
            let h = Self::detail_height(env);
            match action {
                Action::Back => self.detail = None,
                Action::Down => d.pager.move_by(env.conn, 1, h)?,
                Action::Up => d.pager.move_by(env.conn, -1, h)?,
                Action::PageDown => d.pager.move_by(env.conn, h as isize, h)?,
                Action::PageUp => d.pager.move_by(env.conn, -(h as isize), h)?,
                Action::Top => d.pager.first(env.conn)?,
                Action::Bottom => d.pager.last(env.conn, h)?,
                _ => return Ok(Outcome::Ignored),
            }
            return Ok(Outcome::Done);
        }
        let h = Self::list_height(env);
        let last = self.view.len().saturating_sub(1);
        match action {
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::PageDown => self.sel = (self.sel + h).min(last),
            Action::PageUp => self.sel = self.sel.saturating_sub(h),
            Action::Top => self.sel = 0,
            Action::Bottom => self.sel = last,
            Action::Filter => self.filtering = true,
            Action::SortNext | Action::SortReverse => {
                if action == Action::SortNext {
                    self.sort = (self.sort + 1) % Column::ALL.len();
                    self.desc = false;
                } else {
                    self.desc = !self.desc;
                }
                let keep = self.selected_id();
                self.rebuild(keep);
                let title = Column::ALL[self.sort].title(i18n::strings(env.lang));
                self.offset = scroll(self.offset, self.sel, h);
                return Ok(Outcome::Message(i18n::sorted_msg(
                    env.lang, title, self.desc,
                )));
            }
            Action::Open => self.open(env)?,
            Action::Back if !self.filter.is_empty() => {
                self.filter.clear();
                let keep = self.selected_id();
                self.rebuild(keep);
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
                Action::MonthBack,
                Action::MonthForward,
            ]
        } else {
            vec![
                Action::Down,
                Action::Open,
                Action::Filter,
                Action::SortNext,
                Action::SortReverse,
                Action::ToggleUnit,
            ]
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        match &self.detail {
            Some(d) => render_detail(d, f, area, cx),
            None => self.render_list(f, area, cx),
        }
    }
}

impl Programs {
    fn render_list(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let cols: Vec<Col> = Column::ALL.iter().map(|c| c.col(s)).collect();
        let height = area.height.saturating_sub(3) as usize;
        let offset = scroll(self.offset, self.sel, height);
        let rows: Vec<Vec<Cell>> = self
            .view
            .iter()
            .skip(offset)
            .take(height)
            .map(|&i| program_row(&self.figs[i], self.flags[i], cx))
            .collect();
        let mut title = format!(
            " {} · {} {}",
            i18n::tab(ScreenId::Programs, cx.lang),
            self.view.len(),
            s.rows
        );
        let cursor = push_filter(&mut title, s, &self.filter, self.filtering);
        title.push(' ');
        table::draw(
            f,
            area,
            Block::default().borders(Borders::ALL).title(title),
            &cols,
            Some((self.sort, self.desc)),
            &rows,
            self.view.get(self.sel).map(|_| self.sel - offset),
            s.no_rows,
        );
        place_title_cursor(f, area, cursor);
    }
}

fn flags_cell(fl: Flags) -> Cell {
    match fl.total() {
        0 => Cell::new("—"),
        n => Cell::styled(
            n.to_string(),
            Style::default().fg(if fl.errors > 0 {
                Color::Red
            } else {
                Color::Yellow
            }),
        ),
    }
}

fn program_row(p: &ProgramFigures, flags: Flags, cx: &Cx) -> Vec<Cell> {
    let behind = p.budget.0 > 0 && p.execution_rate < p.time_progress;
    vec![
        Cell::new(p.program.code.clone()),
        Cell::new(p.program.name.clone()),
        Cell::new(p.program.department.clone()),
        Cell::new(p.budget.format(cx.unit)),
        Cell::new(p.paid.format(cx.unit)),
        Cell::styled(
            pct(p.execution_rate),
            if behind {
                Style::default().fg(Color::Red)
            } else {
                Style::default()
            },
        ),
        Cell::new(p.balance.format(cx.unit)),
        Cell::new(
            p.last_paid
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        flags_cell(flags),
    ]
}

fn kv(label: &str, value: String) -> Vec<Span<'static>> {
    vec![
        Span::styled(format!("{label} "), Style::default().fg(Color::Gray)),
        Span::styled(value, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw("  "),
    ]
}

fn render_detail(d: &Detail, f: &mut Frame, area: Rect, cx: &Cx) {
    let s = cx.s;
    let p = &d.fig.program;
    let lang = cx.lang;
    let (side_rows, eval_rows, _) = d.rows(area.height);
    let [head, side, disb, eval] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(side_rows as u16 + 3),
        Constraint::Min(4),
        Constraint::Length(eval_rows as u16 + 2),
    ])
    .areas(area);
    let [allocs, rec] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(side);
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} {} · {} · {} {} ",
        p.code,
        p.name,
        p.department,
        p.level.label(lang),
        p.fiscal_year
    ));
    let inner = block.inner(head);
    f.render_widget(block, head);
    let line1: Vec<Span> = [
        kv(s.budget, d.fig.budget.format(cx.unit)),
        kv(s.paid, d.fig.paid.format(cx.unit)),
        kv(s.committed, d.fig.committed.format(cx.unit)),
    ]
    .concat();
    let line2: Vec<Span> = [
        kv(s.recovered, d.fig.recovered.format(cx.unit)),
        kv(s.balance, d.fig.balance.format(cx.unit)),
        kv(s.exec_rate, pct(d.fig.execution_rate)),
        kv(s.time_progress, pct(d.fig.time_progress)),
        kv(
            s.flags,
            if d.finding_counts.total() == 0 {
                "—".to_string()
            } else {
                let (e, w) = (d.finding_counts.errors, d.finding_counts.warnings);
                [(Severity::Error, e), (Severity::Warn, w)]
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(sev, n)| format!("{} {n}", sev.label(lang)))
                    .collect::<Vec<_>>()
                    .join(" ")
            },
        ),
    ]
    .concat();
    f.render_widget(
        Paragraph::new(vec![Line::from(line1), Line::from(line2)]),
        inner,
    );

    // allocations
    let cols = vec![
        Col::left(s.date, 10, 9),
        Col::right(s.amount, 14, 8),
        Col::flex(s.doc_no, 12, 5),
    ];
    let h = allocs.height.saturating_sub(3) as usize;
    let rows: Vec<Vec<Cell>> = d
        .lists
        .allocations
        .iter()
        .rev()
        .take(h)
        .map(|a| {
            vec![
                Cell::new(a.date.to_string()),
                Cell::new(a.amount.format(cx.unit)),
                Cell::new(if a.note.is_empty() {
                    a.doc_no.clone()
                } else {
                    format!("{} {}", a.doc_no, a.note)
                }),
            ]
        })
        .collect();
    table::draw(
        f,
        allocs,
        Block::default().borders(Borders::ALL).title(format!(
            " {} · {} {} ",
            s.allocations,
            d.lists.allocations.len(),
            s.rows
        )),
        &cols,
        None,
        &rows,
        None,
        s.no_rows,
    );

    // disbursements: the keyset window
    let cols = vec![
        Col::left(s.date, 10, 9),
        Col::left(s.voucher, 12, 6),
        Col::flex(s.enterprise, 10, 10),
        Col::right(s.amount, 14, 8),
        Col::left(s.status, 6, 7),
    ];
    let h = disb.height.saturating_sub(3) as usize;
    let offset = scroll(d.pager.offset, d.pager.sel, h);
    let rows: Vec<Vec<Cell>> = d
        .pager
        .rows
        .iter()
        .skip(offset)
        .take(h)
        .map(|r| {
            vec![
                Cell::new(r.date.to_string()),
                Cell::new(r.voucher_no.clone()),
                Cell::new(r.enterprise_name.clone()),
                Cell::new(r.amount.format(cx.unit)),
                Cell::styled(r.status.label(lang), status_style(r.status)),
            ]
        })
        .collect();
    table::draw(
        f,
        disb,
        Block::default().borders(Borders::ALL).title(format!(
            " {} · {} {} ",
            s.disbursements, d.fig.disbursement_count, s.rows
        )),
        &cols,
        None,
        &rows,
        d.pager.rows.get(d.pager.sel).map(|_| d.pager.sel - offset),
        s.no_rows,
    );

    // recoveries, beside the allocations
    let cols = vec![
        Col::left(s.date, 10, 9),
        Col::right(s.amount, 14, 8),
        Col::left(s.reason, 4, 6),
        Col::flex(s.reallocated_to, 6, 5),
    ];
    let h = rec.height.saturating_sub(3) as usize;
    let rows: Vec<Vec<Cell>> = d
        .lists
        .recoveries
        .iter()
        .rev()
        .take(h)
        .map(|r| {
            vec![
                Cell::new(r.date.to_string()),
                Cell::new(r.amount.format(cx.unit)),
                Cell::new(r.reason.label(lang)),
                Cell::new(r.reallocated_to.clone().unwrap_or_default()),
            ]
        })
        .collect();
    table::draw(
        f,
        rec,
        Block::default().borders(Borders::ALL).title(format!(
            " {} · {} {} ",
            s.recoveries,
            d.lists.recoveries.len(),
            s.rows
        )),
        &cols,
        None,
        &rows,
        None,
        s.no_rows,
    );
    let [eval, found] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(eval);
    render_findings(d, f, found, cx);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} / {} ", s.evaluations, s.indicators));
    let inner = block.inner(eval);
    f.render_widget(block, eval);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for e in &d.lists.evaluations {
        let g = Grade::of(e.score_x100);
        let text = format!(
            "{} {} {} {} {} {}",
            e.year,
            s.score,
            format_score(e.score_x100),
            s.grade,
            g.label(lang),
            e.evaluator
        );
        let style = match g {
            Grade::Poor => Style::default().fg(Color::Red),
            _ => Style::default(),
        };
        lines.push(Line::from(Span::styled(fit(&text, w, Align::Left), style)));
    }
    for i in &d.lists.indicators {
        let met = match i.met() {
            Some(true) => (s.yes, Style::default().fg(Color::Green)),
            Some(false) => (s.no, Style::default().fg(Color::Red)),
            None => ("—", Style::default()),
        };
        let text = format!(
            "{} {} {}{}{} {} {} ",
            i.year,
            i.name,
            i.direction.label(lang),
            i.target,
            i.unit,
            s.actual,
            i.actual
                .map(|a| a.to_string())
                .unwrap_or_else(|| "—".into()),
        );
        let tw = w.saturating_sub(crate::tui::text::width(met.0) + 1);
        lines.push(Line::from(vec![
            Span::raw(fit(&text, tw, Align::Left)),
            Span::styled(format!(" {}", met.0), met.1),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(s.no_rows));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The open program's findings, errors first, each marked ✓ when acknowledged.
fn render_findings(d: &Detail, f: &mut Frame, area: Rect, cx: &Cx) {
    let block = Block::default().borders(Borders::ALL).title(format!(
        " {} · {} {} ",
        cx.s.findings,
        d.finding_counts.total(),
        cx.s.rows
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = d
        .findings
        .iter()
        .take(inner.height as usize)
        .map(|fd| {
            let colour = match fd.severity {
                Severity::Error => Color::Red,
                Severity::Warn => Color::Yellow,
            };
            let mark = if fd.acknowledged { "✓ " } else { "" };
            let text = format!(
                "{mark}{} {} {}",
                fd.severity.label(cx.lang),
                fd.rule.label(cx.lang),
                fd.message
            );
            Line::from(Span::styled(
                fit(&text, w, Align::Left),
                Style::default().fg(if fd.acknowledged { Color::Gray } else { colour }),
            ))
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(i18n::month_end(cx.lang).no_findings));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
