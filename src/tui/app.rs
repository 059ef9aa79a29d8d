//! The application state and its one entry point for change: [`App::update`]. Keys are
//! turned into actions by [`App::handle_key`] through the keymap; screens do their own
//! loading (the "run query" effects) inside update, never inside render.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config as MatchConfig, Matcher};
use rusqlite::Connection;
use zhida_core::config::{CheckConfig, Config};
use zhida_core::dates::Month;
use zhida_core::repo::listing;
use zhida_core::users::Actor;
use zhida_core::{Lang, Unit};

use super::action::{Action, EditOp, ScreenId};
use super::background::Background;
use super::i18n;
use super::input::{self, LineInput};
use super::keymap::{self, KeySpec, Keymap, Scope};
use super::screens::{self, Env, Outcome, Screen, Target};
use super::writes::{Write, WriteCx};

/// Whether the event loop goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
}

/// The command palette: every action, fuzzy-matched on its name and descriptions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Palette {
    pub query: LineInput,
    /// indices into `keymap.bindings`, best match first
    pub matches: Vec<usize>,
    pub selected: usize,
}

/// A pause after a key this long counts as the user's (see [`App::idle`]): longer than
/// the gap between auto-repeated keys (~30 ms), shorter than anyone notices.
pub const IDLE: std::time::Duration = std::time::Duration::from_millis(60);

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    Help { scroll: u16 },
    Palette(Palette),
    ConfirmQuit,
}

pub struct App {
    pub conn: Connection,
    pub actor: Actor,
    pub lang: Lang,
    pub unit: Unit,
    pub month: Month,
    pub keymap: Keymap,
    pub screens: Vec<Box<dyn Screen>>,
    pub current: usize,
    previous: usize,
    stale: Vec<bool>,
    /// screens whose warm-up waits for the background checks (`warm_after_findings`)
    warm_later: bool,
    /// a key came since the last [`App::idle`], or stale screens are left to preload
    idle_due: bool,
    /// screens whose preload in a pause failed: left for the user's arrival to load and
    /// report
    no_preload: Vec<bool>,
    /// the database's change stamp when each screen last loaded (`listing::change_stamp`):
    /// arriving on a screen loaded before another process changed the data (a screen
    /// loaded ahead in a pause, or one visited before) loads it again
    loaded_at: Vec<Option<(i64, u64)>>,
    pub status: StatusLine,
    pub overlay: Overlay,
    pub size: (u16, u16),
    figures: screens::FiguresCache,
    findings: screens::FindingsCache,
    pub today: chrono::NaiveDate,
    pub checks: CheckConfig,
    /// the configuration directory (reconciliation profiles)
    pub config_dir: Option<std::path::PathBuf>,
    /// true until [`App::load`] ran: the body shows "loading"
    pub loading: bool,
    /// slow computations running off the UI thread (see `screens/mod.rs`)
    jobs: Background,
}

impl App {
    /// Build the app and load the first screen (tests; the terminal uses `build` + `load`).
    #[cfg(test)]
    pub fn new(
        conn: Connection,
        actor: Actor,
        lang: Lang,
        config: &Config,
        today: chrono::NaiveDate,
    ) -> App {
        let mut app = App::build(conn, actor, lang, config, today);
        app.load();
        app.warm();
        app
    }

    /// Load the current screen (on a large database the first figures take a moment:
    /// the terminal shows the shell with "loading" meanwhile).
    pub fn load(&mut self) {
        self.loading = false;
        self.ensure_fresh();
        self.apply_jobs();
    }

    /// Let every screen start the background work it will need, and load the screens
    /// that load alone (the terminal calls this once the first full frame is drawn, so
    /// that none of it delays that frame).
    pub fn warm(&mut self) {
        let later = self.findings.computing();
        for i in 0..self.screens.len() {
            if later && self.screens[i].warm_after_findings() {
                self.warm_later = true;
                continue;
            }
            self.with_screen_at(i, |s, env| s.warm(env));
        }
        self.prefetch_figures();
        self.apply_jobs();
        // the screens that load alone (拨付, 收回, 日志: ~1.5 ms together at 1M rows) are
        // loaded now, the first frame being on screen: arriving there first only draws;
        // the others in the pauses that follow (`App::preload_one`)
        for i in 0..self.screens.len() {
            if i != self.current && self.stale[i] && self.screens[i].loads_alone() {
                self.load_ahead(i);
            }
        }
        self.apply_jobs();
        self.idle_due = true;
    }

    /// The background checks finished (or failed): warm the screens that waited for them.
    fn warm_the_rest(&mut self) {
        // the screens can be preloaded from the next pause on (`App::preload_one`)
        self.idle_due = true;
        if std::mem::take(&mut self.warm_later) {
            for i in 0..self.screens.len() {
                if self.screens[i].warm_after_findings() {
                    self.with_screen_at(i, |s, env| s.warm(env));
                }
            }
        }
    }

    /// Have the figures of the months beside the selected one computed in the background
    /// (`[` / `]` then find them ready).
    fn prefetch_figures(&mut self) {
        if let Err(e) = self.figures.prefetch(&self.conn, self.month, &self.jobs) {
            self.set_error(e);
        }
    }

    /// The background checks asked for have not delivered yet.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn findings_computing(&self) -> bool {
        self.findings.computing()
    }

    /// Background jobs spawned and not yet finished.
    pub fn jobs_running(&self) -> bool {
        self.jobs.running()
    }

    /// Finished background jobs wait to be applied by [`App::update`].
    pub fn jobs_ready(&self) -> bool {
        self.jobs.has_ready()
    }

    /// Hand every finished job's output to the screen that asked for it.
    fn apply_jobs(&mut self) {
        for done in self.jobs.take_ready() {
            let key = done.key;
            match done.output {
                Ok(out) if key == screens::FIGURES_JOB => self.figures.prefetched(out),
                Ok(out) if key == screens::FINDINGS_JOB => {
                    if self.findings.arrived(out).is_some() {
                        self.findings_arrived();
                    }
                    self.warm_the_rest();
                }
                Ok(out) => {
                    self.with_screen_at(done.screen.index(), |s, env| s.job_done(key, out, env));
                }
                Err(e) => {
                    if key == screens::FINDINGS_JOB {
                        self.warm_the_rest();
                    }
                    self.set_error(e)
                }
            }
        }
    }

    /// New findings are in the cache: the screens that show them read them again (the
    /// current one now, the others when next shown).
    fn findings_arrived(&mut self) {
        for i in 0..self.screens.len() {
            if self.screens[i].shows_findings() {
                self.stale[i] = true;
            }
        }
        self.ensure_fresh();
    }

    /// Build the app without loading any screen: resolve the keymap (problems go to the
    /// status line) and pick the as-of month.
    pub fn build(
        conn: Connection,
        actor: Actor,
        lang: Lang,
        config: &Config,
        today: chrono::NaiveDate,
    ) -> App {
        let (keymap, errors) = keymap::resolve(&config.keys);
        let s = i18n::strings(lang);
        let status = if errors.is_empty() {
            StatusLine {
                text: s.ready.to_string(),
                error: false,
            }
        } else {
            StatusLine {
                text: errors
                    .iter()
                    .map(|e| e.message(lang))
                    .collect::<Vec<_>>()
                    .join("；"),
                error: true,
            }
        };
        let month = listing::default_as_of_month(&conn, today).unwrap_or(Month::of(today));
        let jobs = Background::for_connection(&conn);
        let screens: Vec<Box<dyn Screen>> =
            ScreenId::ALL.iter().map(|id| screens::build(*id)).collect();
        let n = screens.len();
        App {
            conn,
            actor,
            lang,
            unit: config.ui.unit,
            month,
            keymap,
            screens,
            current: 0,
            previous: 0,
            stale: vec![true; n],
            idle_due: false,
            no_preload: vec![false; n],
            loaded_at: vec![None; n],
            warm_later: false,
            status,
            overlay: Overlay::None,
            size: (80, 24),
            figures: screens::FiguresCache::default(),
            findings: screens::FindingsCache::default(),
            today,
            checks: config.checks.clone(),
            config_dir: config.dir.clone(),
            loading: true,
            jobs,
        }
    }

    pub fn screen_id(&self) -> ScreenId {
        self.screens[self.current].id()
    }

    pub fn screen(&self) -> &dyn Screen {
        self.screens[self.current].as_ref()
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        let taller = h > self.size.1;
        self.size = (w, h);
        if taller {
            self.with_screen(|s, env| s.resized(env));
        }
    }

    fn body_rows(&self) -> u16 {
        self.size.1.saturating_sub(4)
    }

    fn set_error(&mut self, e: impl std::fmt::Display) {
        self.status = StatusLine {
            text: e.to_string(),
            error: true,
        };
    }

    fn set_message(&mut self, text: impl Into<String>) {
        self.status = StatusLine {
            text: text.into(),
            error: false,
        };
    }

    /// Run `f` on the current screen with an environment; errors go to the status line.
    fn with_screen<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Screen, &Env) -> Result<T, zhida_core::Error>,
    ) -> Option<T> {
        self.with_screen_at(self.current, f)
    }

    /// Run `f` on screen `idx` with an environment; errors go to the status line.
    fn with_screen_at<T>(
        &mut self,
        idx: usize,
        f: impl FnOnce(&mut dyn Screen, &Env) -> Result<T, zhida_core::Error>,
    ) -> Option<T> {
        match self.try_with_screen_at(idx, f)? {
            Ok(v) => Some(v),
            Err(e) => {
                self.set_error(e);
                None
            }
        }
    }

    /// Run `f` on screen `idx` with an environment (`None`: no such screen).
    fn try_with_screen_at<T>(
        &mut self,
        idx: usize,
        f: impl FnOnce(&mut dyn Screen, &Env) -> Result<T, zhida_core::Error>,
    ) -> Option<Result<T, zhida_core::Error>> {
        let env = Env {
            conn: &self.conn,
            figures: &self.figures,
            findings: &self.findings,
            month: self.month,
            lang: self.lang,
            body_rows: self.body_rows(),
            actor: &self.actor,
            today: self.today,
            checks: &self.checks,
            jobs: &self.jobs,
            config_dir: self.config_dir.as_deref(),
        };
        let screen = self.screens.get_mut(idx)?;
        Some(f(screen.as_mut(), &env))
    }

    /// Load the current screen if its data changed, and tell its notice: one from this
    /// refresh, or from one made ahead in a pause (`App::preload_one`).
    fn ensure_fresh(&mut self) {
        if self.stale[self.current] {
            self.stale[self.current] = false;
            self.loaded_at[self.current] = listing::change_stamp(&self.conn).ok();
            self.with_screen(|s, env| s.refresh(env));
        }
        if let Some(notice) = self.screens[self.current].take_notice() {
            self.set_message(notice);
        }
    }

    fn switch(&mut self, idx: usize) {
        if idx != self.current {
            self.previous = self.current;
            self.current = idx;
        }
        // changed by another process since the screen loaded: load it again
        let now = listing::change_stamp(&self.conn).ok();
        if now.is_none() || self.loaded_at[self.current] != now {
            self.stale[self.current] = true;
        }
        self.ensure_fresh();
        self.with_screen(|s, env| s.on_enter(env));
    }

    fn reload_all(&mut self) {
        self.stale.iter_mut().for_each(|s| *s = true);
        self.ensure_fresh();
    }

    /// The scopes a key is looked up in on the current screen, most specific first.
    fn scopes(&self) -> Vec<Scope> {
        let scr = self.screen();
        let mut v = Vec::with_capacity(3);
        if let Some(s) = scr.scope() {
            v.push(s);
        }
        if scr.is_list() {
            v.push(Scope::List);
        }
        v.push(Scope::Global);
        v
    }

    /// Tests: as if the month's background checks were still running.
    #[cfg(test)]
    pub fn pretend_checking(&mut self) {
        self.findings.pretend_computing();
    }

    /// The screens that load again when next shown, in tab order (tests).
    #[cfg(test)]
    pub fn stale_screens(&self) -> Vec<ScreenId> {
        (0..self.screens.len())
            .filter(|&i| self.stale[i])
            .map(|i| self.screens[i].id())
            .collect()
    }

    /// Whether the user has pressed a key since the last [`App::idle`] (or screens are
    /// left to load ahead in the next pause).
    pub fn idle_due(&self) -> bool {
        self.idle_due
    }

    /// The user paused after a key (the event loop calls it when no key came for
    /// [`IDLE`]): the current screen starts what its next key will probably need.
    pub fn idle(&mut self) {
        self.idle_due = false;
        self.with_screen(|s, env| s.idle(env));
        // (jobs run inline on an in-memory database: their output is applied now)
        self.apply_jobs();
        self.preload_one();
    }

    /// In a pause, load one screen the user is not on and whose data changed (the next
    /// tab first, then the previous, then the others by distance), so that arriving
    /// there later only draws; one per pause, so a key is never kept waiting behind more
    /// than one screen's load. While screens are left the next pause comes
    /// [`IDLE`] later; the first pause comes [`IDLE`] after the first frame.
    fn preload_one(&mut self) {
        let n = self.screens.len();
        let next = (1..n)
            .flat_map(|d| [(self.current + d) % n, (self.current + n - d) % n])
            .find(|&i| self.preload_due(i));
        let Some(i) = next else { return };
        self.load_ahead(i);
        self.apply_jobs();
        self.idle_due = (0..n).any(|i| self.preload_due(i));
    }

    /// Load screen `i` before the user arrives there.
    fn load_ahead(&mut self, i: usize) {
        let stamp = listing::change_stamp(&self.conn).ok();
        match self.try_with_screen_at(i, |s, env| s.refresh(env)) {
            Some(Ok(())) => {
                self.stale[i] = false;
                self.loaded_at[i] = stamp;
            }
            // arriving there loads it again and reports the error
            _ => self.no_preload[i] = true,
        }
    }

    /// Whether screen `i` is one for [`App::preload_one`] to load now: while the
    /// background checks run only the screens that load alone (the findings arriving
    /// mark the screens that show them stale again, and the checks' pass over the rows is
    /// the memory peak, better not shared with a screen's jobs).
    fn preload_due(&self, i: usize) -> bool {
        i != self.current
            && self.stale[i]
            && !self.no_preload[i]
            && (!self.findings.computing() || self.screens[i].loads_alone())
    }

    /// Turn a key into an action (typed text goes to a focused input) and apply it.
    pub fn handle_key(&mut self, key: KeySpec) -> Flow {
        self.idle_due = true;
        let text_mode = match self.overlay {
            Overlay::Palette(_) | Overlay::ConfirmQuit => true,
            Overlay::Help { .. } => false,
            Overlay::None => self.screen().text_input(),
        };
        let action = if text_mode {
            // printable characters type; the editing keys edit; the rest act as usual
            match key.typed_char() {
                Some(c) => Some(Action::Char(c)),
                None => self
                    .keymap
                    .lookup(key, &[Scope::Typing, Scope::List, Scope::Global]),
            }
        } else if matches!(self.overlay, Overlay::Help { .. }) {
            self.keymap.lookup(key, &[Scope::List, Scope::Global])
        } else {
            self.keymap.lookup(key, &self.scopes())
        };
        match action {
            Some(a) => self.update(a),
            None => Flow::Continue,
        }
    }

    /// Pasted text (bracketed paste) goes into the focused input as typed text, without
    /// line breaks or control characters; elsewhere it is ignored (it is never taken for
    /// keys: a pasted `y` answers no question).
    pub fn paste(&mut self, text: &str) {
        self.idle_due = true;
        let typing = match self.overlay {
            Overlay::Palette(_) => true,
            Overlay::None => self.screen().text_input(),
            _ => false,
        };
        if typing {
            for c in input::clean_paste(text).chars() {
                self.update(Action::Edit(EditOp::Insert(c)));
            }
        }
    }

    /// Apply one action, then the output of every background job that has finished.
    pub fn update(&mut self, action: Action) -> Flow {
        let flow = match action {
            Action::Background => Flow::Continue,
            a => self.apply(a),
        };
        self.apply_jobs();
        flow
    }

    fn apply(&mut self, action: Action) -> Flow {
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => {}
            Overlay::ConfirmQuit => {
                return match action {
                    Action::Char('y') | Action::Char('Y') | Action::Open => Flow::Quit,
                    _ => Flow::Continue,
                };
            }
            Overlay::Help { scroll } => {
                match action {
                    Action::Down => self.overlay = Overlay::Help { scroll: scroll + 1 },
                    Action::Up => {
                        self.overlay = Overlay::Help {
                            scroll: scroll.saturating_sub(1),
                        }
                    }
                    Action::PageDown => {
                        self.overlay = Overlay::Help {
                            scroll: scroll + 10,
                        }
                    }
                    Action::PageUp => {
                        self.overlay = Overlay::Help {
                            scroll: scroll.saturating_sub(10),
                        }
                    }
                    Action::Top => self.overlay = Overlay::Help { scroll: 0 },
                    Action::Help | Action::Back | Action::Quit => {}
                    _ => self.overlay = Overlay::Help { scroll },
                }
                return Flow::Continue;
            }
            Overlay::Palette(mut p) => {
                match action {
                    // an edit matches again; a cursor move does not
                    Action::Char(_) | Action::Backspace | Action::Edit(_)
                        if p.query.apply(action) =>
                    {
                        self.rematch(&mut p)
                    }
                    Action::Down => {
                        p.selected = (p.selected + 1).min(p.matches.len().saturating_sub(1))
                    }
                    Action::Up => p.selected = p.selected.saturating_sub(1),
                    Action::Open => {
                        if let Some(&i) = p.matches.get(p.selected) {
                            let chosen = self.keymap.bindings[i].action;
                            return self.update(chosen);
                        }
                    }
                    // Esc or the palette key again closes it
                    Action::Back | Action::Palette => return Flow::Continue,
                    _ => {}
                }
                self.overlay = Overlay::Palette(p);
                return Flow::Continue;
            }
        }
        // inside a form, Tab / Shift-Tab move between fields instead of between screens
        let action = match action {
            Action::NextScreen if self.screen().tab_moves_focus() => Action::Down,
            Action::PrevScreen if self.screen().tab_moves_focus() => Action::Up,
            a => a,
        };
        match action {
            Action::Go(id) => self.switch(id.index()),
            Action::NextScreen => self.switch((self.current + 1) % self.screens.len()),
            Action::PrevScreen => {
                self.switch((self.current + self.screens.len() - 1) % self.screens.len())
            }
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Palette => {
                let mut p = Palette::default();
                self.rematch(&mut p);
                self.overlay = Overlay::Palette(p);
            }
            Action::Quit => {
                if self.screens.iter().any(|s| s.dirty()) {
                    self.overlay = Overlay::ConfirmQuit;
                } else {
                    return Flow::Quit;
                }
            }
            Action::ToggleUnit => {
                self.unit = self.unit.toggle();
                self.set_message(i18n::unit_msg(self.lang, self.unit == Unit::Wan));
            }
            Action::MonthBack | Action::MonthForward => {
                self.month = if action == Action::MonthBack {
                    self.month.prev()
                } else {
                    self.month.next()
                };
                self.set_message(i18n::month_msg(self.lang, &self.month.to_string()));
                self.reload_all();
                self.prefetch_figures();
            }
            Action::Refresh => {
                self.figures.clear();
                self.findings.invalidate();
                self.set_message(i18n::strings(self.lang).refreshed);
                self.reload_all();
            }
            other => match self.with_screen(|s, env| s.update(other, env)) {
                Some(Outcome::Message(m)) => self.set_message(m),
                Some(Outcome::Refused(m)) => self.set_error(m),
                Some(Outcome::Write(w)) => self.write(w),
                Some(Outcome::Jump(id, target)) => self.jump(id, target),
                Some(Outcome::Ignored)
                    if other == Action::Back && self.previous != self.current =>
                {
                    self.switch(self.previous)
                }
                _ => {}
            },
        }
        Flow::Continue
    }

    /// Run a write a screen asked for; success reloads every screen.
    fn write(&mut self, w: Write) {
        let cx = WriteCx {
            actor: &self.actor,
            lang: self.lang,
            checks: &self.checks,
        };
        let before = listing::change_stamp(&self.conn).ok();
        let result = w.run(&mut self.conn, &cx);
        if let (Ok(_), Write::Acknowledge { key, .. }, Some(before)) = (&result, &w, before) {
            // on failure the findings are simply computed again
            if self.findings.acknowledged(&self.conn, key, before).is_err() {
                self.findings.clear();
            }
        }
        let ok = result.is_ok();
        self.screens[self.current].written(ok);
        match result {
            Ok(msg) => {
                self.reload_all();
                self.set_message(msg);
            }
            Err(e) => self.set_error(e),
        }
    }

    /// Switch to `screen` and show `target` there (month-end's Enter on a finding).
    pub fn jump(&mut self, screen: ScreenId, target: Target) {
        self.switch(screen.index());
        self.with_screen(|s, env| s.focus(&target, env));
    }

    fn rematch(&self, p: &mut Palette) {
        // the editing keys act only inside an input: not commands to pick
        let items: Vec<(usize, String)> = self
            .keymap
            .bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.scope != Scope::Typing)
            .map(|(i, b)| {
                (
                    i,
                    format!(
                        "{} {} {}",
                        b.desc(self.lang),
                        b.name,
                        b.desc(other(self.lang))
                    ),
                )
            })
            .collect();
        p.matches = if p.query.trim().is_empty() {
            items.iter().map(|(i, _)| *i).collect()
        } else {
            let mut matcher = Matcher::new(MatchConfig::DEFAULT);
            let pattern = Pattern::parse(&p.query, CaseMatching::Ignore, Normalization::Smart);
            let texts: Vec<&str> = items.iter().map(|(_, t)| t.as_str()).collect();
            pattern
                .match_list(
                    texts.iter().enumerate().map(|(i, t)| Indexed(i, t)),
                    &mut matcher,
                )
                .into_iter()
                .map(|(Indexed(i, _), _)| items[i].0)
                .collect()
        };
        p.selected = 0;
    }
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    }
}

/// A palette text that remembers which binding it came from.
struct Indexed<'a>(usize, &'a str);

impl AsRef<str> for Indexed<'_> {
    fn as_ref(&self) -> &str {
        self.1
    }
}
