//! One module per screen, each with its own state, keys and render, behind the
//! [`Screen`] trait. Adding a screen: write `screens/<name>.rs` (declare it below), add
//! its `ScreenId` (src/tui/action.rs) and its arm in [`build`]. Its keys are rows of the keymap table
//! (`keymap::DEFAULTS`, scope = the screen's [`Scope`]); `update` receives them as actions
//! with an [`Env`] (database, as-of month); a form returns `true` from `dirty` while it
//! holds unsaved input and `text_input` while a field has focus; writes go through
//! `zhida_core` functions inside `update`, never in `render`.
//!
//! Slow work (tens of milliseconds or more: running every check for the findings counts,
//! loading the 50,000-enterprise lookup index) never runs inside a key's update. The
//! pattern (`tui/background.rs`):
//! 1. in `refresh`, `on_enter` or `warm`, the screen calls
//!    `env.spawn(self.id(), "key", move |conn| { …; Ok(Box::new(value) as Output) })` —
//!    the closure runs on its own thread with its own read-only connection to the same
//!    file, so it captures only owned, `Send` inputs (dates, config, ids), never `env`;
//! 2. the screen keeps drawing what it has (the old value, or "—" / "loading");
//! 3. when the job finishes, `App::update` calls `job_done("key", output, env)` on that
//!    screen, which downcasts the output (`output.downcast::<T>()`), stores it and may
//!    discard it if it is stale (remember what the job was asked for, e.g. the as-of
//!    month, and compare); errors go to the status line.
//!
//! The event loop wakes every 25 ms while jobs run, so results appear without a key. On
//! an in-memory database (tests) jobs run inline and are applied at the end of the same
//! update. `warm` is called once on every screen after the first frame: the place to
//! start loading what a screen will need (the lookup index), so that it is ready when the
//! user arrives.

pub mod audit;
pub mod disbursements;
pub mod enterprise_file;
pub mod lookup;
pub mod monthend;
pub mod overview;
pub mod performance;
pub mod programs;
pub mod reconcile;
pub mod recovery;
#[cfg(test)]
pub mod testkit;

use std::cell::RefCell;
use std::rc::Rc;

use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::Frame;
use rusqlite::Connection;
use zhida_core::checks::{run_checks_compact, CheckFilter, CompactFindings};
use zhida_core::config::CheckConfig;
use zhida_core::dates::Month;
use zhida_core::repo::{listing, program_figures, ProgramFigures};
use zhida_core::users::Actor;
use zhida_core::{Error, Lang, Unit};

use super::action::{Action, ScreenId};
use super::background::{Background, Output};
use super::i18n::Strings;
use super::keymap::Scope;
use super::writes::Write;

/// Results computed from the whole database as of a date and shared by the screens that
/// show them (总览, 项目 and 月结 ask for the same as-of date): computed once per as-of
/// date and database change (`listing::change_stamp`), never once per screen or frame.
pub struct AsOfCache<T> {
    slot: RefCell<Option<Cached<T>>>,
    /// a background computation is running for this (as-of date, change stamp)
    pending: RefCell<Option<(NaiveDate, (i64, u64))>>,
    /// values of other dates kept for a quick return (the months beside the selected one:
    /// `[` / `]`); only the figures cache keeps any, see [`FiguresCache::SPARES`]
    spares: RefCell<Vec<Cached<T>>>,
}

impl<T> Default for AsOfCache<T> {
    fn default() -> Self {
        AsOfCache {
            slot: RefCell::new(None),
            pending: RefCell::new(None),
            spares: RefCell::new(Vec::new()),
        }
    }
}

/// What a computation of [`AsOfCache::get_soon`] hands back.
struct AsOfDone<T> {
    as_of: NaiveDate,
    stamp: (i64, u64),
    value: T,
}

/// A value as of a date, with the database's change stamp when it was read.
struct Cached<T> {
    as_of: NaiveDate,
    stamp: (i64, u64),
    value: Rc<T>,
}

impl<T> AsOfCache<T> {
    /// The value as of `as_of`, computed by `compute` unless the cached one still holds
    /// (tests: the screens read the findings through [`FindingsCache::findings_soon`]).
    #[cfg(test)]
    fn get_with(
        &self,
        conn: &Connection,
        as_of: NaiveDate,
        compute: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Rc<T>, Error> {
        self.get_keeping(conn, as_of, 0, compute)
    }

    /// [`AsOfCache::get_with`], keeping up to `spares` values of other dates: the value
    /// replaced goes there, and a spare of this date and change stamp is used as it is.
    fn get_keeping(
        &self,
        conn: &Connection,
        as_of: NaiveDate,
        spares: usize,
        compute: impl FnOnce() -> Result<T, Error>,
    ) -> Result<Rc<T>, Error> {
        let stamp = listing::change_stamp(conn)?;
        if let Some(c) = &*self.slot.borrow() {
            if c.as_of == as_of && c.stamp == stamp {
                return Ok(Rc::clone(&c.value));
            }
        }
        let spare = {
            let mut v = self.spares.borrow_mut();
            v.retain(|c| c.stamp == stamp);
            v.iter().position(|c| c.as_of == as_of).map(|i| v.remove(i))
        };
        let value = match spare {
            Some(c) => c.value,
            None => Rc::new(compute()?),
        };
        let old = self.slot.borrow_mut().replace(Cached {
            as_of,
            stamp,
            value: Rc::clone(&value),
        });
        if let Some(old) = old.filter(|c| spares > 0 && c.stamp == stamp) {
            self.keep_spare(old, spares);
        }
        Ok(value)
    }

    /// Keep `c` among at most `spares` spare values (the newest; one per date).
    fn keep_spare(&self, c: Cached<T>, spares: usize) {
        let mut v = self.spares.borrow_mut();
        v.retain(|x| x.as_of != c.as_of);
        v.push(c);
        let excess = v.len().saturating_sub(spares);
        v.drain(..excess);
    }

    /// Whether the value as of `as_of` at change stamp `stamp` is at hand.
    fn holds(&self, as_of: NaiveDate, stamp: (i64, u64)) -> bool {
        let hit = |c: &Cached<T>| c.as_of == as_of && c.stamp == stamp;
        self.slot.borrow().as_ref().is_some_and(hit) || self.spares.borrow().iter().any(hit)
    }

    /// The value as of `as_of` without waiting: the cached one when it still holds;
    /// otherwise `make()` gives the computation, which runs off the UI thread as job `key`
    /// of `screen` (once per date and change stamp; its value comes back through
    /// [`AsOfCache::arrived`]), and meanwhile the answer is the value of the same date from
    /// before the last change (shown until the new one arrives), or None when there is
    /// none yet (another date, or the first frame).
    pub fn get_soon<F>(
        &self,
        conn: &Connection,
        as_of: NaiveDate,
        jobs: &Background,
        (screen, key): (ScreenId, &'static str),
        make: impl FnOnce() -> F,
    ) -> Result<Option<Rc<T>>, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let stamp = listing::change_stamp(conn)?;
        let previous = match &*self.slot.borrow() {
            Some(c) if c.as_of == as_of && c.stamp == stamp => {
                return Ok(Some(Rc::clone(&c.value)))
            }
            Some(c) if c.as_of == as_of => Some(Rc::clone(&c.value)),
            _ => None,
        };
        if *self.pending.borrow() != Some((as_of, stamp)) {
            *self.pending.borrow_mut() = Some((as_of, stamp));
            let compute = make();
            jobs.spawn(conn, screen, key, move |c| {
                let value = compute(c)?;
                Ok(Box::new(AsOfDone {
                    as_of,
                    stamp,
                    value,
                }) as Output)
            });
        }
        Ok(previous)
    }

    /// A computation of [`AsOfCache::get_soon`] finished: its value is kept (and
    /// returned) if it is the one asked for last; an older one is dropped.
    pub fn arrived(&self, output: Output) -> Option<Rc<T>>
    where
        T: 'static,
    {
        let done = output.downcast::<AsOfDone<T>>().ok()?;
        if *self.pending.borrow() != Some((done.as_of, done.stamp)) {
            return None;
        }
        self.pending.borrow_mut().take();
        let value = Rc::new(done.value);
        *self.slot.borrow_mut() = Some(Cached {
            as_of: done.as_of,
            stamp: done.stamp,
            value: Rc::clone(&value),
        });
        Some(value)
    }

    /// Tests: as if a computation had been started whose result never comes (the
    /// background checks of a big database, still running).
    #[cfg(test)]
    pub fn pretend_computing(&self) {
        *self.pending.borrow_mut() = Some((NaiveDate::MIN, (-1, 0)));
    }

    /// A background computation asked for is still running.
    pub fn computing(&self) -> bool {
        self.pending.borrow().is_some()
    }

    pub fn clear(&self) {
        self.slot.borrow_mut().take();
        self.pending.borrow_mut().take();
        self.spares.borrow_mut().clear();
    }

    /// Compute again on the next read, but keep the value for [`FindingsCache::findings_soon`]
    /// to show meanwhile (`R`: the screens keep their rows and selection while the new
    /// values are computed).
    pub fn invalidate(&self) {
        if let Some(c) = self.slot.borrow_mut().as_mut() {
            c.stamp = (i64::MIN, 0);
        }
        self.pending.borrow_mut().take();
        self.spares.borrow_mut().clear();
    }
}

/// Every finding of a month as the screens share it, packed ([`CompactFindings`]: ~80
/// bytes a finding in a handful of allocations, instead of ~450 bytes in four strings
/// each); a screen expands only the findings it draws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings(pub CompactFindings);

impl std::ops::Deref for Findings {
    type Target = CompactFindings;
    fn deref(&self) -> &CompactFindings {
        &self.0
    }
}

impl std::ops::DerefMut for Findings {
    fn deref_mut(&mut self) -> &mut CompactFindings {
        &mut self.0
    }
}

/// The key of the background job that runs every check for [`FindingsCache::findings_soon`].
pub const FINDINGS_JOB: &str = "findings";

/// The background checks read the disbursements in this many passes (one range of the
/// enterprises each): a sixteenth of the rows and of the findings in memory at a time
/// (~4 and ~1 MB at 1M rows; eight shares peaked ~5 MB higher). Each pass reads only its
/// range of the covering enterprise index, so sixteen cost about what one does (the
/// month's findings ~1.3 s after the first frame at 1M rows).
const SHARES: u32 = 16;

/// Every program's figures (总览, 项目).
pub type FiguresCache = AsOfCache<Vec<ProgramFigures>>;

impl FiguresCache {
    /// Figures of other months kept beside the selected month's: the month before and
    /// the month after (prefetched, see [`FiguresCache::prefetch`]), and the one just left.
    pub const SPARES: usize = 3;

    pub fn get(
        &self,
        conn: &Connection,
        as_of: NaiveDate,
    ) -> Result<Rc<Vec<ProgramFigures>>, Error> {
        self.get_keeping(conn, as_of, Self::SPARES, || program_figures(conn, as_of))
    }

    /// Compute, off the UI thread, the figures of the months before and after `month`
    /// that are not at hand, so that `[` and `]` find them ready ([`FIGURES_JOB`]; the
    /// app hands the result to [`FiguresCache::prefetched`]).
    pub fn prefetch(
        &self,
        conn: &Connection,
        month: Month,
        jobs: &Background,
    ) -> Result<(), Error> {
        let stamp = listing::change_stamp(conn)?;
        let wanted: Vec<NaiveDate> = [month.prev(), month.next()]
            .into_iter()
            .map(|m| m.last_day())
            .filter(|d| !self.holds(*d, stamp))
            .collect();
        if wanted.is_empty() || self.pending.borrow().is_some_and(|p| p.1 == stamp) {
            return Ok(());
        }
        *self.pending.borrow_mut() = Some((month.last_day(), stamp));
        jobs.spawn(conn, ScreenId::Overview, FIGURES_JOB, move |c| {
            let mut out = Vec::with_capacity(wanted.len());
            for as_of in wanted {
                out.push((as_of, program_figures(c, as_of)?));
            }
            Ok(Box::new(FiguresDone {
                stamp,
                figures: out,
            }) as Output)
        });
        Ok(())
    }

    /// Prefetched figures arrived: kept as spares if the data has not changed since.
    pub fn prefetched(&self, output: Output) {
        let Ok(done) = output.downcast::<FiguresDone>() else {
            return;
        };
        if self.pending.borrow().is_some_and(|p| p.1 == done.stamp) {
            self.pending.borrow_mut().take();
        }
        let current = self.slot.borrow().as_ref().map(|c| c.stamp);
        if current.is_some_and(|s| s != done.stamp) {
            return; // changed meanwhile: these would be stale
        }
        for (as_of, figures) in done.figures {
            self.keep_spare(
                Cached {
                    as_of,
                    stamp: done.stamp,
                    value: Rc::new(figures),
                },
                Self::SPARES,
            );
        }
    }
}

/// The key of the background job of [`FiguresCache::prefetch`].
pub const FIGURES_JOB: &str = "figures";

/// What [`FiguresCache::prefetch`] hands back.
struct FiguresDone {
    stamp: (i64, u64),
    figures: Vec<(NaiveDate, Vec<ProgramFigures>)>,
}

/// Every month-end finding, sorted as `run_checks` sorts them (总览 counts, 项目 flags, 月结).
pub type FindingsCache = AsOfCache<Findings>;

impl FindingsCache {
    /// The findings as of `as_of` without waiting for the checks ([`AsOfCache::get_soon`],
    /// job [`FINDINGS_JOB`]; the app hands its output to [`AsOfCache::arrived`] and then
    /// refreshes the screens that show findings).
    pub fn findings_soon(
        &self,
        conn: &Connection,
        as_of: NaiveDate,
        cfg: &CheckConfig,
        lang: Lang,
        jobs: &Background,
    ) -> Result<Option<Rc<Findings>>, Error> {
        self.get_soon(
            conn,
            as_of,
            jobs,
            (ScreenId::MonthEnd, FINDINGS_JOB),
            || {
                let cfg = cfg.clone();
                move |c: &Connection| {
                    let all = CheckFilter::default();
                    run_checks_compact(c, as_of, &cfg, lang, &all, SHARES).map(Findings)
                }
            },
        )
    }

    /// This connection just acknowledged `key`, and the database stood at `before` until
    /// then: mark the finding in the cached list instead of running every check again (on
    /// a big ledger that takes seconds, once per acknowledgement). When anything else had
    /// changed since the findings were computed, they are dropped and recomputed instead.
    pub fn acknowledged(
        &self,
        conn: &Connection,
        key: &str,
        before: (i64, u64),
    ) -> Result<(), Error> {
        let mut slot = self.slot.borrow_mut();
        let Some(c) = slot.as_mut().filter(|c| c.stamp == before) else {
            slot.take();
            return Ok(());
        };
        let Some(ack) = zhida_core::ack::get(conn, key)? else {
            slot.take();
            return Ok(());
        };
        let mut v = (*c.value).clone();
        v.acknowledge(key, &ack);
        c.value = Rc::new(v);
        c.stamp = listing::change_stamp(conn)?;
        Ok(())
    }
}

/// What a screen may use while updating: the database and the shared view settings.
pub struct Env<'a> {
    pub conn: &'a Connection,
    pub figures: &'a FiguresCache,
    pub findings: &'a FindingsCache,
    pub month: Month,
    pub lang: Lang,
    /// rows available to the screen body (terminal height minus the chrome)
    pub body_rows: u16,
    /// who is at the terminal (screens hide or refuse what the role may not do)
    pub actor: &'a Actor,
    /// the day the app started (form defaults)
    pub today: NaiveDate,
    pub checks: &'a CheckConfig,
    /// background jobs (see the module doc)
    pub jobs: &'a Background,
    /// the configuration directory (reconciliation profiles live in its `profiles/`)
    pub config_dir: Option<&'a std::path::Path>,
}

impl Env<'_> {
    /// The as-of day: the last day of the selected month.
    pub fn as_of(&self) -> NaiveDate {
        self.month.last_day()
    }

    /// Every program's figures as of the selected month.
    pub fn program_figures(&self) -> Result<Rc<Vec<ProgramFigures>>, Error> {
        self.figures.get(self.conn, self.as_of())
    }

    /// Run `run` off the UI thread; its output reaches `screen`'s [`Screen::job_done`]
    /// with `key`.
    pub fn spawn(
        &self,
        screen: ScreenId,
        key: &'static str,
        run: impl FnOnce(&Connection) -> Result<Output, Error> + Send + 'static,
    ) {
        self.jobs.spawn(self.conn, screen, key, run);
    }

    /// Every finding as of the selected month if known, without waiting: see
    /// [`FindingsCache::findings_soon`]. A screen that calls it answers true from
    /// [`Screen::shows_findings`], so that it is refreshed when the findings arrive.
    pub fn findings_soon(&self) -> Result<Option<Rc<Findings>>, Error> {
        self.findings
            .findings_soon(self.conn, self.as_of(), self.checks, self.lang, self.jobs)
    }
}

/// What a screen may read while drawing (no database: render does no I/O).
pub struct Cx {
    pub lang: Lang,
    pub s: &'static Strings,
    pub unit: Unit,
    pub month: Month,
}

/// The result of offering an action to a screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    /// not for this screen: the app may act on it (e.g. Esc leaves the screen)
    Ignored,
    /// done, with a message for the status line
    Message(String),
    /// refused, with the reason for the status line (shown as an error)
    Refused(String),
    /// confirmed: the app runs this write and reports back through `Screen::written`
    Write(Write),
    /// show this row on another screen
    Jump(ScreenId, Target),
}

pub trait Screen {
    fn id(&self) -> ScreenId;
    /// Keys specific to this screen, looked up before the list and global keys.
    fn scope(&self) -> Option<Scope> {
        None
    }
    /// Whether the list keys (j/k, PgUp/PgDn, g/G, /, s/S, Enter) apply.
    fn is_list(&self) -> bool {
        true
    }
    /// True while a text input has focus: typed characters go to [`Screen::update`] as
    /// `Action::Char` instead of through the keymap.
    fn text_input(&self) -> bool {
        false
    }
    /// While typing, whether Tab / Shift-Tab move between fields of a form (true) or
    /// still switch screens (false: a search box or a filter line).
    fn tab_moves_focus(&self) -> bool {
        self.text_input()
    }
    /// A form with unsaved input (quitting asks first).
    fn dirty(&self) -> bool {
        false
    }
    /// Called when the user arrives on the screen.
    fn on_enter(&mut self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    /// The user paused after a key ([`App::idle`](crate::tui::app::App::idle)): start,
    /// in the background, what the next key will probably need.
    fn idle(&mut self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    /// The terminal changed size (`env.body_rows` is the new body height): fetch what a
    /// taller window now shows.
    fn resized(&mut self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    /// Reload from the database, keeping selection, sort and scroll position.
    fn refresh(&mut self, env: &Env) -> Result<(), Error>;
    /// The result of a write this screen asked for (`Outcome::Write`): on success close
    /// the form (the app reloads every screen next); on failure keep it for correction.
    fn written(&mut self, _ok: bool) {}
    /// Jump requested by another screen (month-end: Enter on a finding).
    fn focus(&mut self, _target: &Target, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    /// Called once on every screen after the first frame: start background jobs for what
    /// the screen will need (see the module doc). Never slow itself.
    fn warm(&mut self, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    /// Whether the screen shows findings ([`Env::findings_soon`]): it is refreshed when
    /// a background run of the checks delivers them.
    fn shows_findings(&self) -> bool {
        false
    }
    /// Whether its refresh starts no background job and shows no findings: a pause can
    /// then load it ahead ([`App::idle`](crate::tui::app::App::idle)) while the
    /// background checks still run; the others wait for them.
    fn loads_alone(&self) -> bool {
        false
    }
    /// Whether [`Screen::warm`] waits until the background checks have delivered the
    /// findings (their pass over the disbursements is the memory peak: what this screen
    /// loads is better not held beside it). Arriving on the screen loads at once.
    fn warm_after_findings(&self) -> bool {
        false
    }

    /// A message for the status line that a refresh produced (月结: the summary of the
    /// checks asked for with `r`, once they are in); taken once.
    fn take_notice(&mut self) -> Option<String> {
        None
    }

    /// A background job this screen spawned with `key` finished (see the module doc).
    fn job_done(&mut self, _key: &'static str, _output: Output, _env: &Env) -> Result<(), Error> {
        Ok(())
    }
    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error>;
    /// A key of the selected row (voucher, program code, finding key) for tests and jumps.
    #[allow(dead_code)] // SLOT(checks): month-end jumps
    fn selection(&self) -> Option<String> {
        None
    }
    /// Actions shown in the footer, most useful first.
    fn hints(&self) -> Vec<Action>;
    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx);
    /// The concrete screen, for tests and for screens that talk to each other (e.g. a
    /// finding that opens the row behind it on another screen).
    /// Optional, so that a screen written without it still compiles.
    #[cfg_attr(not(test), allow(dead_code))]
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Where a jump from one screen to another lands.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Program(String),
    Enterprise(String),
    Voucher(String),
}

/// The screen behind each tab.
pub fn build(id: ScreenId) -> Box<dyn Screen> {
    match id {
        ScreenId::Overview => Box::new(overview::Overview::default()),
        ScreenId::Programs => Box::new(programs::Programs::default()),
        ScreenId::Lookup => Box::new(lookup::Lookup::default()),
        ScreenId::Disbursements => Box::new(disbursements::Disbursements::default()),
        ScreenId::Recovery => Box::new(recovery::Recovery::default()),
        ScreenId::Performance => Box::new(performance::Performance::default()),
        ScreenId::MonthEnd => Box::new(monthend::MonthEnd::default()),
        ScreenId::Audit => Box::new(audit::AuditLog::default()),
        ScreenId::Reconcile => Box::new(reconcile::Reconcile::default()),
    }
}

/// Shared formatting for screens.
pub mod fmt {
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};
    use ratatui::Frame;
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;
    use zhida_core::model::Status;

    use crate::tui::input::{place_cursor, LineInput};
    use crate::tui::text::width;

    /// `45.3%`
    pub fn pct(d: Decimal) -> String {
        format!("{:.1}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    }

    /// percentage points, signed: `-12.5pp`
    pub fn pp(d: Decimal) -> String {
        format!("{:+.1}pp", (d * Decimal::ONE_HUNDRED).round_dp(1))
    }

    pub fn ratio(d: Decimal) -> f64 {
        d.to_f64().unwrap_or(0.0).clamp(0.0, 1.0)
    }

    /// Add ` · 筛选: text` to a list's title while a filter is typed or set; while it is
    /// typed, the cursor's column in the title (for [`place_title_cursor`]).
    pub fn push_filter(
        title: &mut String,
        s: &crate::tui::i18n::Strings,
        filter: &LineInput,
        typing: bool,
    ) -> Option<usize> {
        if !typing && filter.is_empty() {
            return None;
        }
        title.push_str(&format!(" · {}: ", s.filter));
        let col = width(title) + filter.visual_cursor();
        title.push_str(filter);
        typing.then_some(col)
    }

    /// The terminal cursor at column `col` of the title of the block drawn in `area`.
    pub fn place_title_cursor(f: &mut Frame, area: Rect, col: Option<usize>) {
        if let Some(col) = col {
            let row = Rect {
                x: area.x.saturating_add(1),
                width: area.width.saturating_sub(2),
                height: area.height.min(1),
                ..area
            };
            place_cursor(f, row, row.x, row.y, col);
        }
    }

    pub fn status_style(s: Status) -> Style {
        Style::default().fg(match s {
            Status::Pending => Color::Yellow,
            Status::Approved => Color::Cyan,
            Status::Paid => Color::Green,
            Status::Rejected => Color::Red,
        })
    }
}

#[cfg(test)]
mod cache_tests {
    use super::testkit::*;
    use super::*;

    /// The figures of a month just left are kept (a return is free); prefetched months
    /// are used as they are; any write drops every kept month.
    #[test]
    fn figures_of_other_months_are_kept_until_the_data_changes() {
        let conn = ledger();
        let cache = FiguresCache::default();
        let may = Month::parse("2025-05").unwrap();
        let apr = may.prev();
        let a = cache.get(&conn, may.last_day()).unwrap();
        let b = cache.get(&conn, apr.last_day()).unwrap();
        assert_eq!(*b, program_figures(&conn, apr.last_day()).unwrap());
        assert!(
            Rc::ptr_eq(&a, &cache.get(&conn, may.last_day()).unwrap()),
            "kept"
        );
        // the months beside May, computed as a background job would (inline here)
        let jobs = Background::for_connection(&conn);
        cache.prefetch(&conn, may, &jobs).unwrap();
        let stamp = listing::change_stamp(&conn).unwrap();
        for done in jobs.take_ready() {
            assert_eq!(done.key, FIGURES_JOB);
            cache.prefetched(done.output.unwrap());
        }
        let jun = may.next();
        assert!(cache.holds(jun.last_day(), stamp), "June prefetched");
        assert_eq!(
            *cache.get(&conn, jun.last_day()).unwrap(),
            program_figures(&conn, jun.last_day()).unwrap()
        );
        // a write: nothing kept is used any more
        conn.execute(
            "INSERT INTO allocation (program_id, date, amount_fen, doc_no)
             SELECT id, '2025-04-02', 100000, '元财预〔2025〕99号' FROM program WHERE code = 'WG2025'",
            [],
        )
        .unwrap();
        let after = listing::change_stamp(&conn).unwrap();
        assert!(!cache.holds(apr.last_day(), after) && !cache.holds(jun.last_day(), after));
        let b2 = cache.get(&conn, apr.last_day()).unwrap();
        assert!(!Rc::ptr_eq(&b, &b2));
        assert_eq!(*b2, program_figures(&conn, apr.last_day()).unwrap());
        assert_ne!(*b2, *b, "the new allocation counts");
    }
}
