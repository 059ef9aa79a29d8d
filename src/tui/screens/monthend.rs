//! 7 月结 Month-end: every finding of the checks as of the last day of the app's as-of
//! month (`[` `]` choose it), grouped by rule with counts and severity colours,
//! acknowledged ones marked with their note, and a detail pane for the selected one.
//! `r` runs the checks afresh, `a` acknowledges with a note, `e` exports the monthly 通报
//! (.csv or .xlsx, the path editable), `c` closes the month — refused while errors are
//! unacknowledged, and then the list shows just those (`c` again offers a forced close,
//! which the domain allows only a supervisor). Enter on a finding opens the row behind it
//! on 拨付 (a voucher), 查询 (an enterprise) or 项目 (a program); on a rule's header it
//! folds the group. The findings come from the shared `FindingsCache`; writes go through
//! `writes.rs` (one audited transaction each, roles checked in the domain).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use zhida_core::checks::{FindingRef, Rule, Severity};
use zhida_core::close;
use zhida_core::dates::Month;
use zhida_core::model::Role;
use zhida_core::repo::lookup;
use zhida_core::{Error, Lang};

use super::fmt::{place_title_cursor, push_filter};
use super::overview::FindingCounts;
use super::{Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::form::{Confirm, Event, Field, Form, Kind};
use crate::tui::i18n;
use crate::tui::input::LineInput;
use crate::tui::keymap::Scope;
use crate::tui::table::{self, scroll, Cell, Col};
use crate::tui::text::{fit, put, truncate, Align};
use crate::tui::writes::{permitted, refusal, Write};

/// One rule's findings as the list shows them (after the filter).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub rule: Rule,
    pub total: usize,
    /// not acknowledged
    pub open: usize,
}

/// A line of the list: a rule's header or one finding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Row {
    /// index into `groups`
    Group(u32),
    /// index into `findings` (u32: a row per finding, 68,545 at 1M rows, is half the
    /// memory of a usize one)
    Item(u32),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Modal {
    #[default]
    None,
    /// the finding's key and the note form
    Ack(String, Form),
    Export(Form),
    Confirm(Write, Confirm),
}

#[derive(Debug, Clone, Default)]
pub struct MonthEnd {
    pub findings: Rc<super::Findings>,
    pub groups: Vec<Group>,
    pub rows: Vec<Row>,
    /// index into `rows`
    pub sel: usize,
    pub offset: usize,
    pub folded: HashSet<Rule>,
    pub filter: LineInput,
    pub filtering: bool,
    /// a close was refused: the list shows only the unacknowledged errors
    pub blocked: bool,
    /// counts over every finding of the month (the filter does not change them)
    pub totals: FindingCounts,
    pub acknowledged: usize,
    /// the month the findings are for
    pub month: Option<Month>,
    /// who closed this month and when
    pub closed: Option<(String, String)>,
    /// the latest other closed month and who closed it
    pub last_closed: Option<(Month, String)>,
    pub modal: Modal,
    pub role: Option<Role>,
    /// the name of the selected finding's enterprise
    pub enterprise_name: Option<String>,
    /// the checks are running in the background and no findings of this month are known yet
    pub checking: bool,
    /// `r` asked for the checks at this moment: their summary goes to the status line
    /// when they are in
    pub asked: Option<Instant>,
    /// that summary, for [`Screen::take_notice`]
    pub notice: Option<String>,
}

/// What stays selected across a reload.
enum Keep {
    /// a finding: its key, and where it was in the findings
    Key(String, usize),
    Rule(Rule),
}

fn severity_style(s: Severity) -> Style {
    Style::default().fg(match s {
        Severity::Error => Color::Red,
        Severity::Warn => Color::Yellow,
    })
}

/// The screen and the row a finding points at: its voucher, else its enterprise, else
/// its program.
pub fn target_of(f: &FindingRef<'_>) -> (ScreenId, Target) {
    match (f.voucher, f.enterprise) {
        (Some(v), _) => (ScreenId::Disbursements, Target::Voucher(v.to_string())),
        (None, Some(e)) => (ScreenId::Lookup, Target::Enterprise(e.to_string())),
        (None, None) => (ScreenId::Programs, Target::Program(f.program.to_string())),
    }
}

/// The file the report goes to: `~/` is the home directory, a relative path is taken
/// from the directory zhida was started in.
fn export_path(text: &str) -> PathBuf {
    let t = text.trim();
    let p = match (t.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(t),
    };
    std::path::absolute(&p).unwrap_or(p)
}

fn extension(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default()
}

/// Live checks of the export path: the extension, the directory, an existing file.
fn check_export(form: &mut Form, lang: Lang) {
    let m = i18n::month_end(lang);
    let text = form.text("path");
    let p = export_path(&text);
    let error = if text.is_empty() {
        Some(i18n::work(lang).required.to_string())
    } else if !matches!(extension(&p).as_str(), "csv" | "xlsx") {
        Some(m.bad_extension.to_string())
    } else if !p.parent().is_some_and(Path::is_dir) {
        Some(m.no_directory.to_string())
    } else {
        None
    };
    form.warnings = if error.is_none() && p.exists() {
        vec![m.overwrite.to_string()]
    } else {
        Vec::new()
    };
    if let Some(f) = form.field_mut("path") {
        f.error = error;
    }
}

impl MonthEnd {
    fn height(env: &Env) -> usize {
        // body minus the summary (2), the detail pane and the list's border and header (3)
        (env.body_rows as usize)
            .saturating_sub(5 + detail_height(env.body_rows))
            .max(1)
    }

    fn role(&self) -> Role {
        self.role.unwrap_or(Role::Auditor)
    }

    /// The finding on the selected line, if it is one.
    pub fn selected(&self) -> Option<FindingRef<'_>> {
        match self.rows.get(self.sel) {
            Some(Row::Item(i)) => self.findings.get(*i as usize),
            _ => None,
        }
    }

    fn keep(&self) -> Option<Keep> {
        match self.rows.get(self.sel)? {
            Row::Item(i) => Some(Keep::Key(self.findings.at(*i as usize).key(), *i as usize)),
            Row::Group(g) => Some(Keep::Rule(self.groups[*g as usize].rule)),
        }
    }

    /// The unacknowledged errors (what stops the close).
    fn open_errors(&self) -> impl Iterator<Item = FindingRef<'_>> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.acknowledged)
    }

    /// Group the findings that pass the filter (and the blocked view) into `rows`.
    fn rebuild(&mut self, keep: Option<Keep>) {
        let needle = self.filter.to_lowercase();
        let shown = |f: &FindingRef<'_>| {
            if self.blocked && (f.severity != Severity::Error || f.acknowledged) {
                return false;
            }
            needle.is_empty()
                || [
                    f.rule.as_str(),
                    f.rule.label(Lang::Zh),
                    f.rule.label(Lang::En),
                    f.program,
                    f.enterprise.unwrap_or(""),
                    f.voucher.unwrap_or(""),
                    f.message,
                    f.ack.map(|a| a.note.as_str()).unwrap_or(""),
                ]
                .iter()
                .any(|s| s.to_lowercase().contains(&needle))
        };
        // run_checks sorts by severity then rule: each rule's findings are contiguous
        let fs = &self.findings;
        // without a filter the blocked view needs no text: the findings are not expanded
        let all = needle.is_empty() && !self.blocked;
        let mut members: Vec<(Rule, Vec<u32>)> = Vec::new();
        for i in (0..fs.len()).filter(|&i| all || shown(&fs.at(i))) {
            let rule = fs.rule_at(i);
            match members.last_mut() {
                Some((r, v)) if *r == rule => v.push(i as u32),
                _ => members.push((rule, vec![i as u32])),
            }
        }
        self.groups.clear();
        self.rows.clear();
        for (g, (rule, items)) in members.into_iter().enumerate() {
            let open = items
                .iter()
                .filter(|&&i| !self.findings.acknowledged_at(i as usize))
                .count();
            self.groups.push(Group {
                rule,
                total: items.len(),
                open,
            });
            self.rows.push(Row::Group(g as u32));
            if !self.folded.contains(&rule) {
                self.rows.extend(items.into_iter().map(Row::Item));
            }
        }
        let found = keep.and_then(|k| {
            // where the finding was, if it is still there (an acknowledgement or the same
            // findings again): found by its position
            if let Keep::Key(key, at) = &k {
                if self.findings.get(*at).is_some_and(|f| f.has_key(key)) {
                    return self
                        .rows
                        .iter()
                        .position(|r| matches!(r, Row::Item(i) if *i as usize == *at));
                }
            }
            self.rows.iter().position(|r| match (r, &k) {
                (Row::Item(i), Keep::Key(key, _)) => self.findings.at(*i as usize).has_key(key),
                (Row::Group(g), Keep::Rule(rule)) => self.groups[*g as usize].rule == *rule,
                _ => false,
            })
        });
        self.sel = found
            .unwrap_or(self.sel)
            .min(self.rows.len().saturating_sub(1));
        // the row selected is gone (acknowledged in the blocked view): its place went to
        // the next rule's header, so step onto that rule's first finding
        if found.is_none() && matches!(self.rows.get(self.sel), Some(Row::Group(_))) {
            if let Some(Row::Item(_)) = self.rows.get(self.sel + 1) {
                self.sel += 1;
            }
        }
    }

    fn select_first_item(&mut self) {
        self.sel = self
            .rows
            .iter()
            .position(|r| matches!(r, Row::Item(_)))
            .unwrap_or(0);
    }

    /// Look up the selected finding's enterprise name (one indexed query per move).
    fn load_name(&mut self, env: &Env) -> Result<(), Error> {
        self.enterprise_name = match self
            .selected()
            .and_then(|f| f.enterprise.map(str::to_string))
        {
            Some(code) => lookup::enterprise_by_code(env.conn, &code)?.map(|e| e.name),
            None => None,
        };
        Ok(())
    }

    fn counts(&self, lang: Lang) -> String {
        let t = self.totals;
        i18n::finding_counts(lang, t.errors, t.open_errors, t.warnings)
    }

    /// `a`: the note form for the selected finding (prefilled when acknowledged before).
    fn start_ack(&mut self, env: &Env) -> Outcome {
        let lang = env.lang;
        let m = i18n::month_end(lang);
        let Some(f) = self.selected() else {
            return Outcome::Refused(m.select_finding.into());
        };
        let key = f.key();
        let note = f.ack.map(|a| a.note.as_str()).unwrap_or("");
        let mut form = Form::new(
            &format!(
                "{} · {} {}",
                i18n::work(lang).ack_title,
                f.rule.as_str(),
                f.rule.label(lang)
            ),
            vec![Field::new(
                "note",
                m.ack_note,
                Kind::Text { required: true },
                note,
            )],
            lang,
        );
        if let Some(fl) = form.field_mut("note") {
            fl.note = Some(truncate(f.message, 200));
        }
        form.summary = key.clone();
        self.modal = Modal::Ack(key, form);
        Outcome::Done
    }

    /// `e`: the export form, the path prefilled.
    fn start_export(&mut self, env: &Env) -> Outcome {
        let lang = env.lang;
        let month = env.month.to_string();
        let mut form = Form::new(
            &format!("{} {month}", i18n::work(lang).export_title),
            vec![Field::new(
                "path",
                i18n::work(lang).path,
                Kind::Text { required: true },
                &i18n::report_file(&month),
            )],
            lang,
        );
        if let Some(f) = form.field_mut("path") {
            f.note = Some(i18n::month_end(lang).path_hint.into());
        }
        check_export(&mut form, lang);
        self.modal = Modal::Export(form);
        Outcome::Done
    }

    /// `c`: refuse (closed already, open errors) or ask to confirm the close.
    fn start_close(&mut self, env: &Env) -> Outcome {
        let lang = env.lang;
        let month = env.month;
        if let Some((by, at)) = &self.closed {
            return Outcome::Refused(i18n::already_closed(lang, &month.to_string(), by, at));
        }
        if self.checking {
            return Outcome::Refused(i18n::month_end(lang).checks_running.to_string());
        }
        let open: Vec<String> = self
            .open_errors()
            .map(|f| format!("{} {}", f.rule.label(lang), f.program))
            .collect();
        if open.is_empty() {
            self.modal = Modal::Confirm(
                Write::CloseMonth {
                    month,
                    force: false,
                },
                Confirm {
                    question: i18n::close_question(lang, &month.to_string()),
                },
            );
            return Outcome::Done;
        }
        if self.blocked {
            // asked again with the open errors in view: offer the forced close (the
            // domain refuses it to anyone but a supervisor)
            self.modal = Modal::Confirm(
                Write::CloseMonth { month, force: true },
                Confirm {
                    question: i18n::force_question(lang, &month.to_string(), open.len()),
                },
            );
            return Outcome::Done;
        }
        self.blocked = true;
        self.filter.clear();
        self.rebuild(None);
        self.select_first_item();
        Outcome::Refused(i18n::close_blocked(lang, &month.to_string(), &open))
    }

    fn submit(&self, form: &Form, key: Option<&str>, env: &Env) -> Write {
        match key {
            Some(k) => Write::Acknowledge {
                key: k.to_string(),
                note: form.text("note"),
            },
            None => Write::ExportReport {
                month: env.month,
                path: export_path(&form.text("path")),
            },
        }
    }

    /// Keys while a form is open.
    fn form_key(&mut self, action: Action, env: &Env) -> Outcome {
        let (key, mut form) = match std::mem::take(&mut self.modal) {
            Modal::Ack(k, f) => (Some(k), f),
            Modal::Export(f) => (None, f),
            other => {
                self.modal = other;
                return Outcome::Ignored;
            }
        };
        let ev = form.handle(action);
        if matches!(ev, Event::Edited(_)) && key.is_none() {
            check_export(&mut form, env.lang);
        }
        let out = match ev {
            Event::Cancel => return Outcome::Done,
            Event::Invalid(m) => Outcome::Refused(m),
            Event::Submit => Outcome::Write(self.submit(&form, key.as_deref(), env)),
            _ => Outcome::Done,
        };
        self.modal = match key {
            Some(k) => Modal::Ack(k, form),
            None => Modal::Export(form),
        };
        out
    }

    /// The screen's own keys and the list keys.
    fn list_key(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        let role = self.role();
        if !permitted(role, action) {
            return Ok(Outcome::Refused(refusal(role, action, env.lang)));
        }
        let h = Self::height(env);
        let last = self.rows.len().saturating_sub(1);
        match action {
            Action::RunChecks => {
                // from the database as it is now, on the background thread like every
                // other run (in shares, packed: on a big ledger one pass on this thread
                // would stop the keys for seconds and hold every row at once); the list
                // says 检查中… and 关账 waits until the summary is in (cleared, the refresh
                // always finds them pending: the summary follows on their arrival)
                env.findings.clear();
                self.asked = Some(Instant::now());
                self.refresh(env)?;
                return Ok(Outcome::Message(i18n::checks_started(
                    env.lang,
                    &env.as_of().to_string(),
                )));
            }
            Action::Acknowledge => return Ok(self.start_ack(env)),
            Action::ExportReport => return Ok(self.start_export(env)),
            Action::CloseMonth => {
                let out = self.start_close(env);
                self.offset = scroll(0, self.sel, h);
                self.load_name(env)?;
                return Ok(out);
            }
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::PageDown => self.sel = (self.sel + h).min(last),
            Action::PageUp => self.sel = self.sel.saturating_sub(h),
            Action::Top => self.sel = 0,
            Action::Bottom => self.sel = last,
            Action::Filter => self.filtering = true,
            Action::Open => match self.rows.get(self.sel) {
                Some(Row::Item(i)) => {
                    let (screen, target) = target_of(&self.findings.at(*i as usize));
                    return Ok(Outcome::Jump(screen, target));
                }
                Some(Row::Group(g)) => {
                    let rule = self.groups[*g as usize].rule;
                    if !self.folded.remove(&rule) {
                        self.folded.insert(rule);
                    }
                    self.rebuild(Some(Keep::Rule(rule)));
                }
                None => {}
            },
            Action::Back if self.blocked || !self.filter.is_empty() => {
                self.blocked = false;
                self.filter.clear();
                let keep = self.keep();
                self.rebuild(keep);
            }
            _ => return Ok(Outcome::Ignored),
        }
        self.offset = scroll(self.offset, self.sel, h);
        self.load_name(env)?;
        Ok(Outcome::Done)
    }
}

/// Head, message and basis (two lines at least), key, acknowledgement, borders.
fn detail_height(body_rows: u16) -> usize {
    if body_rows >= 36 {
        10
    } else {
        7
    }
}

impl Screen for MonthEnd {
    fn shows_findings(&self) -> bool {
        true
    }

    fn take_notice(&mut self) -> Option<String> {
        self.notice.take()
    }

    fn id(&self) -> ScreenId {
        ScreenId::MonthEnd
    }

    fn scope(&self) -> Option<Scope> {
        Some(Scope::MonthEnd)
    }

    fn text_input(&self) -> bool {
        self.filtering || !matches!(self.modal, Modal::None)
    }

    /// In a form Tab moves between fields; while typing a filter it still switches screens.
    fn tab_moves_focus(&self) -> bool {
        !matches!(self.modal, Modal::None)
    }

    fn dirty(&self) -> bool {
        matches!(&self.modal, Modal::Ack(_, f) if !f.text("note").is_empty())
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        self.role = Some(env.actor.role);
        let keep = self.keep();
        if self.month != Some(env.month) {
            self.blocked = false;
        }
        self.month = Some(env.month);
        let found = env.findings_soon()?;
        self.checking = found.is_none();
        self.findings = found.unwrap_or_default();
        self.totals = FindingCounts::of(&self.findings);
        if let Some(asked) = self.asked.filter(|_| !self.checking) {
            self.asked = None;
            self.notice = Some(i18n::checks_ran(
                env.lang,
                &env.as_of().to_string(),
                self.findings.len(),
                &self.counts(env.lang),
                asked.elapsed().as_millis(),
            ));
        }
        // the last open error acknowledged: back to every finding
        self.blocked &= self.totals.open_errors > 0;
        self.acknowledged = self.findings.counts().3;
        let closed = close::closed_months(env.conn)?;
        self.closed = closed
            .iter()
            .find(|(m, ..)| *m == env.month)
            .map(|(_, by, at)| (by.clone(), at.clone()));
        self.last_closed = closed
            .iter()
            .rev()
            .find(|(m, ..)| *m != env.month)
            .map(|(m, by, _)| (*m, by.clone()));
        let first_load = keep.is_none();
        self.rebuild(keep);
        if first_load {
            self.select_first_item();
        }
        self.offset = scroll(self.offset, self.sel, Self::height(env));
        self.load_name(env)
    }

    fn written(&mut self, ok: bool) {
        match &mut self.modal {
            _ if ok => self.modal = Modal::None,
            Modal::Ack(_, f) | Modal::Export(f) => f.confirming = false,
            _ => self.modal = Modal::None,
        }
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        match std::mem::take(&mut self.modal) {
            Modal::None => {}
            Modal::Confirm(w, c) => {
                return Ok(match Confirm::answer(action) {
                    Some(true) => Outcome::Write(w),
                    Some(false) => Outcome::Done,
                    None => {
                        self.modal = Modal::Confirm(w, c);
                        Outcome::Done
                    }
                });
            }
            form => {
                self.modal = form;
                return Ok(self.form_key(action, env));
            }
        }
        if self.filtering {
            match action {
                Action::Char(_) | Action::Backspace | Action::Edit(_) => {
                    if !self.filter.apply(action) {
                        return Ok(Outcome::Done);
                    }
                }
                Action::Open => self.filtering = false,
                Action::Back => {
                    self.filtering = false;
                    self.filter.clear();
                }
                // the arrows still move while typing
                _ => return self.list_key(action, env),
            }
            let keep = self.keep();
            self.rebuild(keep);
            self.offset = scroll(self.offset, self.sel, Self::height(env));
            self.load_name(env)?;
            return Ok(Outcome::Done);
        }
        self.list_key(action, env)
    }

    fn selection(&self) -> Option<String> {
        match self.rows.get(self.sel)? {
            Row::Item(i) => Some(self.findings.at(*i as usize).key()),
            Row::Group(g) => Some(self.groups[*g as usize].rule.as_str().to_string()),
        }
    }

    fn hints(&self) -> Vec<Action> {
        if !matches!(self.modal, Modal::None) || self.filtering {
            return vec![Action::Back];
        }
        let role = self.role();
        let mut v = vec![
            Action::RunChecks,
            Action::Acknowledge,
            Action::ExportReport,
            Action::CloseMonth,
            Action::Open,
            Action::Filter,
            Action::MonthBack,
            Action::MonthForward,
        ];
        if self.blocked {
            v.insert(4, Action::Back);
        }
        v.into_iter().filter(|a| permitted(role, *a)).collect()
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let [summary, list, detail] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(detail_height(area.height) as u16),
        ])
        .areas(area);
        self.render_summary(f, summary, cx);
        self.render_list(f, list, cx);
        self.render_detail(f, detail, cx);
        match &self.modal {
            Modal::None => {}
            Modal::Ack(_, form) | Modal::Export(form) => form.render(f, area),
            Modal::Confirm(_, c) => c.render(f, area, cx.lang),
        }
    }
}

impl MonthEnd {
    fn render_summary(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let lang = cx.lang;
        let w = i18n::work(lang);
        let m = i18n::month_end(lang);
        let month = self.month.unwrap_or(cx.month);
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let t = self.totals;
        let mut line1 = vec![
            Span::styled(
                format!(" {month} · {} {}", cx.s.as_of, month.last_day()),
                bold,
            ),
            Span::raw(" · "),
            if self.closed.is_some() {
                Span::styled(w.closed, bold.fg(Color::Green))
            } else {
                Span::styled(w.open, bold.fg(Color::Yellow))
            },
            Span::raw(" · "),
        ];
        if self.checking {
            line1.push(Span::styled(
                cx.s.checking,
                Style::default().fg(Color::Gray),
            ));
        } else {
            line1.extend([
                Span::styled(
                    format!("{} {}", Severity::Error.label(lang), t.errors),
                    severity_style(Severity::Error),
                ),
                Span::raw(i18n::open_count(lang, t.open_errors)),
                Span::raw(" · "),
                Span::styled(
                    format!("{} {}", Severity::Warn.label(lang), t.warnings),
                    severity_style(Severity::Warn),
                ),
                Span::raw(format!(" · {} {}", w.acknowledged, self.acknowledged)),
            ]);
        }
        if let Some((lm, by)) = self.last_closed.as_ref().filter(|_| self.closed.is_none()) {
            line1.push(Span::styled(
                format!(" · {}", i18n::last_closed(lang, &lm.to_string(), by)),
                Style::default().fg(Color::Gray),
            ));
        }
        let line2 = match (&self.closed, t.open_errors) {
            (None, _) if self.checking => Span::styled(
                format!(" {}", m.checks_running),
                Style::default().fg(Color::Gray),
            ),
            (Some((by, at)), _) => Span::styled(
                format!(
                    " {}",
                    i18n::month_closed_by(lang, &month.to_string(), by, at)
                ),
                bold.fg(Color::Green),
            ),
            (None, 0) => Span::styled(
                format!(" {}", m.can_close),
                Style::default().fg(Color::Green),
            ),
            (None, n) => Span::styled(
                format!(" {}", i18n::cannot_close(lang, n)),
                bold.fg(Color::Red),
            ),
        };
        let mut line2 = vec![line2];
        if self.blocked && self.closed.is_none() && t.open_errors > 0 {
            line2.push(Span::styled(
                format!(" · {}", m.blocked_keys),
                Style::default().fg(Color::Gray),
            ));
        }
        if self.closed.is_none() && self.last_closed.is_none() {
            line2.push(Span::styled(
                format!(" · {}", m.no_closed_month),
                Style::default().fg(Color::Gray),
            ));
        }
        f.render_widget(
            Paragraph::new(vec![Line::from(line1), Line::from(line2)]),
            area,
        );
    }

    fn render_list(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let w = i18n::work(cx.lang);
        let m = i18n::month_end(cx.lang);
        let mut title = format!(" {} · {} {}", s.findings, self.findings.len(), s.rows);
        if self.blocked {
            title = format!(
                " {}",
                i18n::blocked_title(
                    cx.lang,
                    &self.month.unwrap_or(cx.month).to_string(),
                    self.totals.open_errors
                )
            );
        }
        let cursor = push_filter(&mut title, s, &self.filter, self.filtering);
        title.push(' ');
        let block = Block::default().borders(Borders::ALL).title(title);
        let block = if self.blocked {
            block.border_style(Style::default().fg(Color::Red))
        } else {
            block
        };
        let inner = block.inner(area);
        f.render_widget(block, area);
        place_title_cursor(f, area, cursor);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let cols = vec![
            Col::left(w.severity, 5, 3),
            Col::left(s.program, 8, 9),
            Col::left(s.credit_code, 18, 2),
            Col::left(s.voucher, 12, 6),
            Col::right(s.amount, 13, 7),
            Col::flex(w.message, 10, 10),
            Col::left(w.acknowledged, 10, 8),
        ];
        let lay = table::layout(&cols, inner.width);
        let header: Vec<Cell> = cols.iter().map(|c| Cell::new(c.title.clone())).collect();
        // drawn straight into the buffer, row by row (`table::draw_row`, `text::put`): a
        // paragraph of spans cost 0.7 ms a frame in grapheme segmentation
        let buf = f.buffer_mut();
        let line = |n: usize| Rect {
            y: inner.y + n as u16,
            height: 1,
            ..inner
        };
        table::draw_row(
            buf,
            line(0),
            &cols,
            &lay,
            &header,
            Style::default().add_modifier(Modifier::BOLD),
        );
        let mut next = 1;
        let notice = if self.checking {
            Some((cx.s.checking, Style::default().fg(Color::Gray)))
        } else if self.rows.is_empty() {
            Some((m.no_findings, Style::default()))
        } else {
            None
        };
        if let Some((text, style)) = notice {
            put(buf, line(next), text, style);
            next += 1;
        }
        let height = inner.height.saturating_sub(1) as usize;
        let offset = scroll(self.offset, self.sel, height);
        let width = inner.width as usize;
        let visible = self.rows.iter().enumerate().skip(offset).take(height);
        for ((n, row), y) in visible.zip(next..inner.height as usize) {
            let selected = if n == self.sel {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            match row {
                Row::Group(g) => {
                    let g = &self.groups[*g as usize];
                    let sev = g.rule.severity();
                    let mark = if self.folded.contains(&g.rule) {
                        "▸"
                    } else {
                        "▾"
                    };
                    let text = format!(
                        "{mark} {}",
                        i18n::finding_group(
                            cx.lang,
                            &format!("{} {}", g.rule.as_str(), g.rule.label(cx.lang)),
                            sev.label(cx.lang),
                            g.total,
                            g.open
                        )
                    );
                    let style = severity_style(sev)
                        .add_modifier(Modifier::BOLD)
                        .patch(selected);
                    put(buf, line(y), &fit(&text, width, Align::Left), style);
                }
                Row::Item(i) => {
                    let fd = self.findings.at(*i as usize);
                    let dim = if fd.acknowledged {
                        Style::default().fg(Color::Gray)
                    } else {
                        Style::default()
                    };
                    let ack = fd.ack.map(|a| format!("✓ {}", a.note)).unwrap_or_default();
                    let cells = vec![
                        Cell::styled(fd.severity.label(cx.lang), severity_style(fd.severity)),
                        Cell::styled(fd.program.to_string(), dim),
                        Cell::styled(fd.enterprise.unwrap_or_default().to_string(), dim),
                        Cell::styled(fd.voucher.unwrap_or_default().to_string(), dim),
                        Cell::styled(
                            fd.amount.map(|a| a.format(cx.unit)).unwrap_or_default(),
                            dim,
                        ),
                        Cell::styled(fd.message.to_string(), dim),
                        Cell::styled(ack, Style::default().fg(Color::Green)),
                    ];
                    table::draw_row(buf, line(y), &cols, &lay, &cells, selected);
                }
            }
        }
    }

    fn render_detail(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let lang = cx.lang;
        let s = cx.s;
        let w = i18n::work(lang);
        let m = i18n::month_end(lang);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(format!(" {} ", m.detail));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height == 0 {
            return;
        }
        let width = inner.width as usize;
        let grey = Style::default().fg(Color::Gray);
        let fd = match self.rows.get(self.sel) {
            Some(Row::Item(i)) => self.findings.at(*i as usize),
            Some(Row::Group(g)) => {
                let g = &self.groups[*g as usize];
                let text = format!(
                    "{} {} · {} · {} {} · {} {} · {}",
                    g.rule.as_str(),
                    g.rule.label(lang),
                    g.rule.severity().label(lang),
                    g.total,
                    s.rows,
                    m.unacknowledged,
                    g.open,
                    m.fold_hint
                );
                f.render_widget(
                    Paragraph::new(Line::from(Span::styled(
                        truncate(&text, width),
                        severity_style(g.rule.severity()),
                    ))),
                    inner,
                );
                return;
            }
            None => return,
        };
        let [head, message, key, ack] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        let mut parts = vec![
            format!("{} {}", fd.rule.as_str(), fd.rule.label(lang)),
            fd.severity.label(lang).to_string(),
            format!("{} {}", s.program, fd.program),
        ];
        if let Some(v) = fd.voucher {
            parts.push(format!("{} {v}", s.voucher));
        }
        if let Some(a) = fd.amount {
            parts.push(format!("{} {}", s.amount, a.format(cx.unit)));
        }
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                truncate(&parts.join(" · "), width),
                severity_style(fd.severity).add_modifier(Modifier::BOLD),
            ))),
            head,
        );
        // the message, then the policy basis the finding cites (依据)
        let mut text = vec![Line::from(fd.message)];
        if !fd.basis.is_empty() {
            text.push(Line::from(Span::styled(
                match lang {
                    Lang::Zh => format!("{}：{}", i18n::file(lang).basis, fd.basis),
                    Lang::En => format!("{}: {}", i18n::file(lang).basis, fd.basis),
                },
                grey,
            )));
        }
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), message);
        let mut key_line = format!("{} {}", w.key, fd.key());
        if let Some(code) = fd.enterprise {
            key_line.push_str(&format!(
                " · {} {} {code}",
                s.enterprise,
                self.enterprise_name.as_deref().unwrap_or("")
            ));
        }
        f.render_widget(
            Paragraph::new(Span::styled(truncate(&key_line, width), grey)),
            key,
        );
        let screen = i18n::tab(target_of(&fd).0, lang);
        let ack_line = match fd.ack {
            Some(a) => Span::styled(
                truncate(
                    &format!(
                        "{} · {}",
                        i18n::acknowledged_by(lang, &a.note, &a.by, &a.at),
                        i18n::open_on(lang, screen)
                    ),
                    width,
                ),
                Style::default().fg(Color::Green),
            ),
            None => Span::styled(
                truncate(
                    &format!("{} · {}", m.ack_hint, i18n::open_on(lang, screen)),
                    width,
                ),
                Style::default().fg(Color::Yellow),
            ),
        };
        f.render_widget(Paragraph::new(ack_line), ack);
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use zhida_core::model::Status;

    // The testkit ledger as of 2025-05-31: errors LOW_SCORE (WG2025 58.50), OVER_CAP
    // (KJ2025, 鑫源 120,000 > 100,000) and RECOVER_DUE (CY2024 ended 2024-12-31);
    // warnings LAGGING (WG2025) and TARGET_MISS (WG2025 新增就业岗位).
    const OVER_CAP: &str = "OVER_CAP|KJ2025|91530428MA6K1XY01Q|PZ2025-0001|2025";

    fn on_month_end(user: &str) -> App {
        let mut a = app(user);
        go(&mut a, ScreenId::MonthEnd);
        a
    }

    fn me(a: &App) -> &MonthEnd {
        state(a, ScreenId::MonthEnd)
    }

    fn acks(a: &App) -> i64 {
        count(&a.conn, "SELECT count(*) FROM finding_ack")
    }

    fn closed(a: &App) -> i64 {
        count(&a.conn, "SELECT count(*) FROM period_close")
    }

    /// `a`, the note, Enter, y.
    fn acknowledge(a: &mut App, note: &str) {
        a.update(Action::Acknowledge);
        typ(a, note);
        a.update(Action::Open);
        a.update(Action::Char('y'));
    }

    /// `r`, then away before the checks are in: the pause that loads 月结 ahead makes the
    /// summary, and arriving there tells it.
    #[test]
    fn the_summary_of_checks_asked_for_is_told_on_return_after_a_load_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&ledger(), &dir.path().join("月结.db"));
        let mut a = app_on(conn, "王科长", Lang::Zh);
        wait_for_jobs(&mut a);
        go(&mut a, ScreenId::MonthEnd);
        a.update(Action::RunChecks);
        go(&mut a, ScreenId::Overview);
        wait_for_jobs(&mut a);
        let mut pauses = 0;
        while a.idle_due() {
            a.idle();
            wait_for_jobs(&mut a);
            pauses += 1;
            assert!(pauses < 30, "the pauses end");
        }
        assert!(
            !a.stale_screens().contains(&ScreenId::MonthEnd),
            "loaded ahead"
        );
        assert!(!a.status.text.starts_with("核查完成"), "{}", a.status.text);
        go(&mut a, ScreenId::MonthEnd);
        assert!(
            a.status.text.starts_with("核查完成（截至 2025-05-31）"),
            "{}",
            a.status.text
        );
    }

    #[test]
    fn findings_are_grouped_by_rule_with_counts_errors_first() {
        let mut a = on_month_end("小李");
        let screen = render(&mut a, 120, 30);
        assert!(
            screen.contains("2025-05 · 截至 2025-05-31 · 未结账 · 错误 3（未确认 3） · 警告 2"),
            "{screen}"
        );
        assert!(screen.contains("✗ 3 条错误未确认，不能月结"), "{screen}");
        let pos = |needle: &str| {
            screen
                .lines()
                .position(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("{needle}:\n{screen}"))
        };
        assert!(pos("▾ LOW_SCORE 绩效差 · 错误 · 1 条 · 未确认 1") < pos("▾ OVER_CAP"));
        assert!(pos("▾ RECOVER_DUE") < pos("▾ LAGGING 执行滞后 · 警告"));
        assert!(pos("▾ LAGGING") < pos("▾ TARGET_MISS"));
        let row = screen.lines().nth(pos("PZ2025-0001")).unwrap();
        assert!(row.contains("KJ2025") && row.contains("20,000.00"), "{row}");
        // the first finding is selected and described below
        assert_eq!(
            a.screen().selection().as_deref(),
            Some("LOW_SCORE|WG2025|||2025")
        );
        assert!(screen.contains("键 LOW_SCORE|WG2025|||2025"), "{screen}");
        assert!(screen.contains("未确认 · a 填写说明确认"), "{screen}");
        // the severity colours: errors red, warnings yellow
        let groups = &me(&a).groups;
        assert_eq!(groups.len(), 5);
        assert_eq!(groups[0].rule.severity(), Severity::Error);
        assert_eq!(severity_style(Severity::Error).fg, Some(Color::Red));
    }

    #[test]
    fn the_detail_shows_the_enterprise_and_the_acknowledgement() {
        let mut a = on_month_end("小李");
        select(&mut a, OVER_CAP);
        let screen = render(&mut a, 120, 30);
        assert!(
            screen.contains("企业 元江县甘庄街道鑫源科技有限公司 91530428MA6K1XY01Q"),
            "{screen}"
        );
        assert!(screen.contains("Enter 在「拨付」中查看"), "{screen}");
        // the policy basis the finding cites
        assert!(screen.contains("依据："), "{screen}");
        assert!(screen.contains("每家企业每年不超过"), "{screen}");
        let boss = zhida_core::users::Actor::load(&a.conn, "王科长").unwrap();
        zhida_core::ack::acknowledge(&mut a.conn, &boss, OVER_CAP, "已追回超出部分").unwrap();
        a.update(Action::Refresh);
        assert_eq!(a.screen().selection().as_deref(), Some(OVER_CAP), "kept");
        let screen = render(&mut a, 120, 30);
        let row = screen.lines().find(|l| l.contains("PZ2025-0001")).unwrap();
        assert!(row.contains("✓ 已追回"), "marked in the list:\n{screen}");
        assert!(
            screen.contains("✓ 已确认：已追回超出部分（王科长 "),
            "note and user in the detail:\n{screen}"
        );
        assert!(screen.contains("错误 3（未确认 2）"), "{screen}");
    }

    #[test]
    fn run_checks_reads_the_database_afresh_and_reports_the_counts() {
        let mut a = on_month_end("小李");
        // another clerk's row: entered and approved by the same person
        add_disbursement(
            &a.conn,
            ("PZ2025-0099", "WG2025", &yy(), 5_000_00, "2025-05-28"),
            Status::Approved,
            ("小张", "小张"),
        );
        assert_eq!(me(&a).findings.len(), 5, "not before r");
        a.update(Action::RunChecks);
        // (in memory the background job runs at once; on a file see
        // findings_arrive_from_the_background_on_a_file)
        wait_for_jobs(&mut a);
        assert!(!a.status.error);
        assert!(!me(&a).checking);
        assert!(
            a.status
                .text
                .starts_with("核查完成（截至 2025-05-31）：共 6 条，错误 4（未确认 4）  警告 2"),
            "{}",
            a.status.text
        );
        assert!(render(&mut a, 120, 30).contains("▾ SELF_APPROVED 自审自批 · 错误 · 1 条"));
    }

    #[test]
    fn acknowledge_needs_a_note_and_a_confirmation() {
        let mut a = on_month_end("小李");
        select(&mut a, OVER_CAP);
        let audit = count(&a.conn, "SELECT count(*) FROM audit_log");
        a.update(Action::Acknowledge);
        assert!(a.screen().text_input());
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("确认核查结果 · OVER_CAP 超上限"),
            "{screen}"
        );
        a.update(Action::Open);
        assert!(a.status.error, "an empty note is refused");
        assert_eq!(a.status.text, "确认说明: 必填");
        assert_eq!(acks(&a), 0);
        typ(&mut a, "企业已退回 2 万元");
        a.update(Action::Open);
        assert!(render(&mut a, 100, 30).contains("确认保存"));
        assert_eq!(acks(&a), 0, "nothing before y");
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert_eq!(a.status.text, format!("已确认 {OVER_CAP}"));
        let ack = zhida_core::ack::get(&a.conn, OVER_CAP).unwrap().unwrap();
        assert_eq!(
            (ack.note.as_str(), ack.by.as_str()),
            ("企业已退回 2 万元", "小李")
        );
        assert_eq!(count(&a.conn, "SELECT count(*) FROM audit_log"), audit + 1);
        assert!(!a.screen().text_input(), "form closed");
        let f = me(&a).selected().unwrap();
        assert!(f.acknowledged && f.key() == OVER_CAP);
        // acknowledging again starts from the note and replaces it
        a.update(Action::Acknowledge);
        assert!(render(&mut a, 100, 30).contains("企业已退回 2 万元"));
        typ(&mut a, "，已核实");
        a.update(Action::Open);
        a.update(Action::Char('y'));
        let ack = zhida_core::ack::get(&a.conn, OVER_CAP).unwrap().unwrap();
        assert_eq!(ack.note, "企业已退回 2 万元，已核实");
        assert_eq!(acks(&a), 1);
    }

    #[test]
    fn auditor_may_read_and_export_but_not_acknowledge_or_close() {
        let mut a = on_month_end("审计赵");
        for act in [Action::Acknowledge, Action::CloseMonth] {
            a.update(act);
            assert!(a.status.error, "{act:?}");
            assert!(a.status.text.contains("审计角色只读"), "{}", a.status.text);
            assert!(!a.screen().hints().contains(&act));
            assert!(!a.screen().text_input(), "no form, no question");
        }
        assert_eq!((acks(&a), closed(&a)), (0, 0));
        assert!(a.screen().hints().contains(&Action::ExportReport));
        a.update(Action::ExportReport);
        assert!(a.screen().text_input(), "the export form opens");
    }

    #[test]
    fn close_is_refused_while_errors_are_open_and_lists_them_then_closes() {
        let mut a = on_month_end("小李");
        a.update(Action::CloseMonth);
        assert!(a.status.error);
        assert_eq!(
            a.status.text,
            "2025-05 有 3 条未确认的错误，不能月结：绩效差 WG2025、超上限 KJ2025、应收回 CY2024"
        );
        assert_eq!(closed(&a), 0);
        // the list now holds just the open errors
        let screen = render(&mut a, 120, 30);
        assert!(
            screen.contains("2025-05 不能月结：以下 3 条错误未确认"),
            "{screen}"
        );
        assert!(!screen.contains("LAGGING"), "{screen}");
        assert!(screen.contains("再按 c 强制月结"), "{screen}");
        for note in ["绩效整改中", "已追回", "已报收回"] {
            assert!(me(&a).blocked);
            acknowledge(&mut a, note);
            assert!(!a.status.error, "{}", a.status.text);
        }
        assert_eq!(acks(&a), 3);
        assert!(!me(&a).blocked, "every finding shown again");
        let screen = render(&mut a, 120, 30);
        assert!(screen.contains("核查发现 · 5 条"), "{screen}");
        assert!(screen.contains("✓ 没有未确认的错误，可以月结"), "{screen}");
        a.update(Action::CloseMonth);
        assert!(
            render(&mut a, 120, 30).contains("月结 2025-05：结账后该月不能再录入或修改任何数据")
        );
        a.update(Action::Back);
        assert_eq!(closed(&a), 0, "Esc cancels");
        a.update(Action::CloseMonth);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert_eq!(a.status.text, "2025-05 已月结（小李）");
        assert_eq!(closed(&a), 1);
        let screen = render(&mut a, 120, 30);
        assert!(screen.contains("■ 2025-05 已结账：小李 "), "{screen}");
        assert!(screen.contains(" · 已结账 · "), "{screen}");
        // closing twice is refused
        a.update(Action::CloseMonth);
        assert!(a.status.error && a.status.text.contains("由 小李 结账"));
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM audit_log WHERE tbl = 'period_close' AND user = '小李'"
            ),
            1
        );
    }

    #[test]
    fn acknowledging_the_last_of_a_rule_moves_on_to_the_next_open_error() {
        let conn = ledger();
        // a second enterprise over the 科技创新券 cap (and the program overdrawn)
        add_disbursement(
            &conn,
            ("PZ2025-0097", "KJ2025", &gz(), 110_000_00, "2025-04-10"),
            Status::Paid,
            ("小李", "王科长"),
        );
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::MonthEnd);
        a.update(Action::CloseMonth);
        let over_cap: Vec<String> = me(&a)
            .findings
            .iter()
            .filter(|f| f.rule == Rule::OverCap)
            .map(|f| f.key())
            .collect();
        assert_eq!(over_cap.len(), 2);
        select(&mut a, &over_cap[1]);
        acknowledge(&mut a, "已追回");
        assert_eq!(
            a.screen().selection().as_deref(),
            Some("RECOVER_DUE|CY2024|||2025"),
            "the next open error, not its rule's header"
        );
    }

    #[test]
    fn a_forced_close_is_refused_to_a_clerk_and_allowed_to_a_supervisor() {
        let mut a = on_month_end("小李");
        a.update(Action::CloseMonth);
        a.update(Action::CloseMonth);
        assert!(
            render(&mut a, 120, 30).contains("强制月结 2025-05，跳过 3 条未确认的错误"),
            "the second c asks to force"
        );
        a.update(Action::Char('y'));
        assert!(a.status.error);
        assert!(
            a.status.text.contains("需要复核（科长）角色"),
            "{}",
            a.status.text
        );
        assert_eq!(closed(&a), 0);

        let mut a = on_month_end("王科长");
        a.update(Action::CloseMonth);
        a.update(Action::CloseMonth);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert_eq!(
            a.status.text,
            "2025-05 已强制月结（王科长），跳过 3 条未确认的错误"
        );
        assert_eq!(closed(&a), 1);
    }

    #[test]
    fn a_payment_dated_in_a_closed_month_is_refused_on_disbursements() {
        let mut a = on_month_end("王科长");
        a.update(Action::CloseMonth);
        a.update(Action::CloseMonth);
        a.update(Action::Char('y'));
        assert_eq!(closed(&a), 1);
        go(&mut a, ScreenId::Disbursements);
        a.update(Action::New);
        typ(&mut a, "PZ2025-0600");
        a.update(Action::Open);
        a.update(Action::Open);
        typ(&mut a, gz().as_str());
        a.update(Action::Open);
        typ(&mut a, "5000");
        a.update(Action::Open);
        // the date defaults to 2025-05-31, in the closed month
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("该月已结账，不能录入 (2025-05)"),
            "{screen}"
        );
        a.update(Action::Open);
        a.update(Action::Open);
        assert!(a.status.error, "{}", a.status.text);
        assert!(a.status.text.contains("已结账"), "{}", a.status.text);
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM disbursement WHERE voucher_no = 'PZ2025-0600'"
            ),
            0
        );
    }

    #[test]
    fn export_writes_the_report_to_the_path_typed() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = on_month_end("小李");
        a.update(Action::ExportReport);
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("zhida-report-2025-05.xlsx"), "{screen}");
        for _ in 0.."zhida-report-2025-05.xlsx".len() {
            a.update(Action::Backspace);
        }
        typ(&mut a, &format!("{}/通报.txt", dir.path().display()));
        assert!(render(&mut a, 100, 30).contains("文件名应以 .csv 或 .xlsx 结尾"));
        for _ in 0..3 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "csv");
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let csv = dir.path().join("通报.csv");
        assert!(
            a.status.text.contains(&csv.display().to_string()),
            "{}",
            a.status.text
        );
        let bytes = std::fs::read(&csv).unwrap();
        assert!(
            bytes.starts_with("\u{feff}".as_bytes()),
            "BOM for Excel/WPS"
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains("KJ2025") && text.contains("科技创新券"),
            "{text}"
        );

        // an existing file is overwritten only after the warning; a missing directory is an error
        a.update(Action::ExportReport);
        for _ in 0.."zhida-report-2025-05.xlsx".len() {
            a.update(Action::Backspace);
        }
        typ(
            &mut a,
            &format!("{}/无此目录/通报.xlsx", dir.path().display()),
        );
        assert!(render(&mut a, 100, 30).contains("目录不存在"));
        a.update(Action::Open);
        assert!(a.status.error, "refused: {}", a.status.text);
        a.update(Action::Back);
        a.update(Action::ExportReport);
        for _ in 0.."zhida-report-2025-05.xlsx".len() {
            a.update(Action::Backspace);
        }
        typ(&mut a, &csv.display().to_string());
        assert!(render(&mut a, 120, 30).contains("文件已存在，保存将覆盖它"));
        a.update(Action::Back);

        let xlsx = dir.path().join("通报.xlsx");
        a.update(Action::ExportReport);
        for _ in 0.."zhida-report-2025-05.xlsx".len() {
            a.update(Action::Backspace);
        }
        typ(&mut a, &xlsx.display().to_string());
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert!(
            std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
            "a zip (xlsx)"
        );
    }

    #[test]
    fn export_asks_for_the_write_with_the_month_and_the_absolute_path() {
        let mut a = on_month_end("小李");
        a.update(Action::MonthBack);
        a.update(Action::ExportReport);
        a.update(Action::Open);
        let Modal::Export(form) = &me(&a).modal else {
            panic!("export form")
        };
        let env_month = zhida_core::dates::Month::parse("2025-04").unwrap();
        let w = me(&a).submit(form, None, &test_env(&a, env_month));
        let Write::ExportReport { month, path } = w else {
            panic!("{w:?}")
        };
        assert_eq!(month, env_month);
        assert!(path.is_absolute() && path.ends_with("zhida-report-2025-04.xlsx"));
    }

    fn test_env(a: &App, month: Month) -> Env<'_> {
        Env {
            conn: &a.conn,
            figures: Box::leak(Box::default()),
            findings: Box::leak(Box::default()),
            month,
            lang: Lang::Zh,
            body_rows: 26,
            actor: Box::leak(Box::new(a.actor.clone())),
            today: d(TODAY),
            checks: Box::leak(Box::default()),
            config_dir: None,
            jobs: Box::leak(Box::new(
                crate::tui::background::Background::for_connection(&a.conn),
            )),
        }
    }

    #[test]
    fn enter_opens_the_row_behind_the_finding() {
        let mut a = on_month_end("小李");
        select(&mut a, OVER_CAP);
        a.update(Action::Open);
        assert_eq!(a.screen_id(), ScreenId::Disbursements);
        assert_eq!(a.screen().selection().as_deref(), Some("PZ2025-0001"));
        go(&mut a, ScreenId::MonthEnd);
        assert_eq!(a.screen().selection().as_deref(), Some(OVER_CAP), "kept");
        select(&mut a, "RECOVER_DUE|CY2024|||2025");
        a.update(Action::Open);
        assert_eq!(a.screen_id(), ScreenId::Programs);
        assert_eq!(a.screen().selection().as_deref(), Some("CY2024"));
        let screen = render(&mut a, 120, 40);
        assert!(
            screen.contains("CY2024 创业担保贷款贴息"),
            "the program is open:\n{screen}"
        );
        // an enterprise finding without a voucher would open 查询
        let mut f = me(&a).findings.at(0).to_finding();
        f.enterprise = Some(xy().to_string());
        f.voucher = None;
        let one = zhida_core::checks::CompactFindings::from_findings(vec![f]);
        assert_eq!(
            target_of(&one.at(0)),
            (ScreenId::Lookup, Target::Enterprise(xy().to_string()))
        );
    }

    #[test]
    fn enter_on_a_rule_folds_its_findings_and_the_filter_narrows() {
        let mut a = on_month_end("小李");
        select(&mut a, "LOW_SCORE");
        a.update(Action::Open);
        let screen = render(&mut a, 120, 30);
        assert!(screen.contains("▸ LOW_SCORE"), "{screen}");
        assert_eq!(me(&a).rows.len(), 5 + 4, "one finding hidden");
        a.update(Action::Open);
        assert_eq!(me(&a).rows.len(), 10);
        a.update(Action::Filter);
        typ(&mut a, "kj2025");
        assert_eq!(me(&a).rows.len(), 2, "{:?}", me(&a).rows);
        assert!(render(&mut a, 120, 30).contains("筛选: kj2025█"));
        a.update(Action::Open);
        a.update(Action::Back);
        assert_eq!(me(&a).rows.len(), 10, "Esc clears the filter");
    }

    #[test]
    fn the_month_follows_the_as_of_month_and_shows_a_closed_month() {
        let mut a = on_month_end("小李");
        a.conn
            .execute(
                "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-04', '王科长', '2025-05-06T09:00:00')",
                [],
            )
            .unwrap();
        a.update(Action::MonthBack);
        let screen = render(&mut a, 120, 30);
        assert!(
            screen.contains("2025-04 · 截至 2025-04-30 · 已结账"),
            "{screen}"
        );
        assert!(
            screen.contains("■ 2025-04 已结账：王科长 2025-05-06T09:00:00"),
            "{screen}"
        );
        // the evaluation of 2025-05-30 does not count as of April: no LOW_SCORE
        assert!(!screen.contains("LOW_SCORE"), "{screen}");
        a.update(Action::MonthForward);
        let screen = render(&mut a, 120, 30);
        assert!(screen.contains("LOW_SCORE"), "{screen}");
        assert!(screen.contains("上次月结 2025-04（王科长）"), "{screen}");
    }

    #[test]
    fn findings_are_computed_once_and_shared_until_the_data_changes() {
        let mut a = on_month_end("小李");
        go(&mut a, ScreenId::Programs);
        let programs = |a: &App| {
            Rc::clone(&state::<super::super::programs::Programs>(a, ScreenId::Programs).findings)
        };
        assert!(
            Rc::ptr_eq(&programs(&a), &me(&a).findings),
            "one run for both"
        );
        go(&mut a, ScreenId::MonthEnd);
        select(&mut a, OVER_CAP);
        acknowledge(&mut a, "已核实");
        go(&mut a, ScreenId::Programs);
        assert!(Rc::ptr_eq(&programs(&a), &me(&a).findings));
        assert!(
            programs(&a).iter().any(|f| f.acknowledged),
            "recomputed after the write"
        );
    }

    /// The cached findings through a counting compute, to see when the checks run.
    fn cached(
        cache: &super::super::FindingsCache,
        conn: &rusqlite::Connection,
        runs: &std::cell::Cell<usize>,
    ) -> Rc<super::super::Findings> {
        cache
            .get_with(conn, d("2025-05-31"), || {
                runs.set(runs.get() + 1);
                zhida_core::checks::run_checks(
                    conn,
                    d("2025-05-31"),
                    &Default::default(),
                    Lang::Zh,
                    &Default::default(),
                )
                .map(|v| {
                    super::super::Findings(zhida_core::checks::CompactFindings::from_findings(v))
                })
            })
            .unwrap()
    }

    #[test]
    fn an_acknowledgement_marks_the_cached_findings_without_running_the_checks_again() {
        use zhida_core::repo::listing::change_stamp;
        let mut conn = ledger();
        let boss = zhida_core::users::Actor::load(&conn, "王科长").unwrap();
        let cache = super::super::FindingsCache::default();
        let runs = std::cell::Cell::new(0);
        cached(&cache, &conn, &runs);
        let before = change_stamp(&conn).unwrap();
        zhida_core::ack::acknowledge(&mut conn, &boss, OVER_CAP, "已核实").unwrap();
        cache.acknowledged(&conn, OVER_CAP, before).unwrap();
        let v = cached(&cache, &conn, &runs);
        assert_eq!(runs.get(), 1, "no second run");
        let f = v.iter().find(|f| f.key() == OVER_CAP).unwrap();
        assert_eq!(f.ack.as_ref().map(|a| a.note.as_str()), Some("已核实"));
        assert_eq!(v.iter().filter(|f| f.acknowledged).count(), 1);

        // another write came first: the findings are computed again, and see it
        add_disbursement(
            &conn,
            ("PZ2025-0098", "WG2025", &yy(), 1_000_00, "2025-05-28"),
            Status::Approved,
            ("小张", "小张"),
        );
        let key = "LOW_SCORE|WG2025|||2025";
        let before = change_stamp(&conn).unwrap();
        zhida_core::ack::acknowledge(&mut conn, &boss, key, "整改中").unwrap();
        cache.acknowledged(&conn, key, before).unwrap();
        let v = cached(&cache, &conn, &runs);
        assert_eq!(runs.get(), 2);
        assert!(v.iter().any(|f| f.voucher == Some("PZ2025-0098")));
        assert_eq!(v.iter().filter(|f| f.acknowledged).count(), 2);
    }

    #[test]
    fn overview_and_programs_show_the_findings() {
        let mut a = app("小李");
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("核查发现: 错误 3（未确认 3）  警告 2 · 7 月结"),
            "{screen}"
        );
        go(&mut a, ScreenId::Programs);
        let screen = render(&mut a, 120, 30);
        let flags = |code: &str| {
            let line = screen.lines().find(|l| l.contains(code)).unwrap();
            line.trim_end_matches('│')
                .split_whitespace()
                .last()
                .unwrap()
                .to_string()
        };
        assert_eq!(flags("WG2025"), "3", "{screen}");
        assert_eq!(flags("KJ2025"), "1");
        assert_eq!(flags("CY2024"), "1");
        // sort by flags (the last column), descending: most errors first
        for _ in 0..8 {
            a.update(Action::SortNext);
        }
        a.update(Action::SortReverse);
        a.update(Action::Top);
        assert_eq!(a.screen().selection().as_deref(), Some("WG2025"));
        a.update(Action::Open);
        let screen = render(&mut a, 120, 40);
        assert!(screen.contains("核查发现 · 3 条"), "{screen}");
        assert!(screen.contains("疑点 错误 1 警告 2"), "{screen}");
        assert!(screen.contains("错误 绩效差"), "{screen}");
    }

    #[test]
    fn snapshots() {
        let mut a = on_month_end("小李");
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("month_end_{w}x{h}"), render(&mut a, w, h));
        }
        select(&mut a, OVER_CAP);
        a.update(Action::Acknowledge);
        a.update(Action::Open);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(
                format!("month_end_ack_form_error_{w}x{h}"),
                render(&mut a, w, h)
            );
        }
        let mut a = app_on(ledger(), "王科长", Lang::En);
        go(&mut a, ScreenId::MonthEnd);
        a.update(Action::CloseMonth);
        insta::assert_snapshot!("month_end_en_blocked_80x24", render(&mut a, 80, 24));
    }

    #[test]
    fn the_note_is_edited_in_the_middle_and_a_pasted_y_writes_nothing() {
        use crate::tui::action::EditOp;
        let mut a = on_month_end("小李");
        select(&mut a, OVER_CAP);
        a.update(Action::Acknowledge);
        typ(&mut a, "元江县财政局已核实，超出部分将收回");
        a.update(Action::Edit(EditOp::Home));
        for _ in 0..3 {
            a.update(Action::Edit(EditOp::Right));
        }
        // the cursor in the middle of Chinese text: after 元江县, on 财
        insta::assert_snapshot!("month_end_ack_note_cursor_80x24", render(&mut a, 80, 24));
        assert!(render(&mut a, 80, 24).contains("▶ 确认说明  元江县‸财政局已核实"));
        for _ in 0..3 {
            a.update(Action::Edit(EditOp::Delete));
        }
        typ(&mut a, "科技局");
        a.update(Action::Open);
        assert!(me(&a).text_input(), "the confirmation shows");
        a.paste("y\n");
        assert_eq!(acks(&a), 0, "a pasted y is no answer");
        a.update(Action::Char('y'));
        assert_eq!(acks(&a), 1);
        let note: String = a
            .conn
            .query_row("SELECT note FROM finding_ack", [], |r| r.get(0))
            .unwrap();
        assert_eq!(note, "元江县科技局已核实，超出部分将收回");
    }

    /// On a file the checks run on their own thread: the first frame shows "检查中…" in
    /// place of the counts until they arrive, then every screen that shows findings has
    /// exactly what the checks find.
    #[test]
    fn findings_arrive_from_the_background_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&ledger(), &dir.path().join("月结.db"));
        let want = zhida_core::checks::run_checks(
            &conn,
            d("2025-05-31"),
            &Default::default(),
            Lang::Zh,
            &Default::default(),
        )
        .unwrap();
        let mut a = app_on(conn, "小李", Lang::Zh);
        let overview =
            |a: &App| state::<super::super::overview::Overview>(a, ScreenId::Overview).findings;
        if overview(&a).is_none() {
            let screen = render(&mut a, 100, 30);
            assert!(screen.contains("核查发现: 检查中…"), "{screen}");
        }
        wait_for_jobs(&mut a);
        let packed = zhida_core::checks::CompactFindings::from_findings(want.clone());
        assert_eq!(overview(&a), Some(FindingCounts::of(&packed)));
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("核查发现: 错误 3（未确认 3）  警告 2 · 7 月结"),
            "{screen}"
        );
        go(&mut a, ScreenId::MonthEnd);
        wait_for_jobs(&mut a);
        assert!(!me(&a).checking);
        assert_eq!(me(&a).findings.to_vec(), want);
        // a write: the list stays (and so does the selection) until the new one arrives
        select(&mut a, OVER_CAP);
        let boss = zhida_core::users::Actor::load(&a.conn, "王科长").unwrap();
        zhida_core::ack::acknowledge(&mut a.conn, &boss, OVER_CAP, "已追回").unwrap();
        a.update(Action::Refresh);
        assert_eq!(me(&a).findings.len(), want.len(), "the old list meanwhile");
        wait_for_jobs(&mut a);
        assert_eq!(a.screen().selection().as_deref(), Some(OVER_CAP), "kept");
        let f = me(&a)
            .findings
            .iter()
            .find(|f| f.key() == OVER_CAP)
            .unwrap();
        assert!(f.acknowledged, "the new run sees the acknowledgement");

        // r: the checks again, in the background; their summary when they are in
        a.update(Action::RunChecks);
        if me(&a).checking {
            assert!(
                a.status.text.starts_with("正在后台核查（截至 2025-05-31）"),
                "{}",
                a.status.text
            );
            assert!(render(&mut a, 120, 30).contains("检查中…"));
        }
        wait_for_jobs(&mut a);
        assert!(!me(&a).checking);
        assert!(
            a.status
                .text
                .starts_with("核查完成（截至 2025-05-31）：共 5 条，错误 3（未确认 2）  警告 2"),
            "{}",
            a.status.text
        );
        assert_eq!(me(&a).findings.len(), want.len());
    }

    /// A run of the checks asked for before a change is not kept when it finishes after
    /// the run asked for since: only the findings of the latest data are shown.
    #[test]
    fn a_background_run_overtaken_by_a_change_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = on_file(&ledger(), &dir.path().join("月结.db"));
        let jobs = crate::tui::background::Background::for_connection(&conn);
        let cache = super::super::FindingsCache::default();
        let cfg = Default::default();
        let as_of = d("2025-05-31");
        let soon = |c: &rusqlite::Connection| {
            cache
                .findings_soon(c, as_of, &cfg, Lang::Zh, &jobs)
                .unwrap()
        };
        assert!(soon(&conn).is_none(), "nothing known yet: the checks start");
        assert!(soon(&conn).is_none(), "asked again: no second run");
        let boss = zhida_core::users::Actor::load(&conn, "王科长").unwrap();
        zhida_core::ack::acknowledge(&mut conn, &boss, OVER_CAP, "已核实").unwrap();
        assert!(soon(&conn).is_none(), "the data changed: a second run");
        let mut done = Vec::new();
        let started = std::time::Instant::now();
        while done.len() < 2 {
            assert!(started.elapsed().as_secs() < 20, "the runs never finished");
            std::thread::sleep(std::time::Duration::from_millis(5));
            done.extend(jobs.take_ready());
        }
        assert!(!jobs.running());
        let kept: Vec<bool> = done
            .into_iter()
            .map(|d| cache.arrived(d.output.unwrap()).is_some())
            .collect();
        assert_eq!(kept.iter().filter(|k| **k).count(), 1, "{kept:?}");
        let v = soon(&conn).expect("the latest run is kept");
        let f = v.iter().find(|f| f.key() == OVER_CAP).unwrap();
        assert!(f.acknowledged);
    }

    /// While the checks run no close is offered: the counts are not known yet.
    #[test]
    fn no_close_while_the_checks_run() {
        let a = on_month_end("小李");
        let month = Month::parse("2025-05").unwrap();
        let mut m = MonthEnd {
            checking: true,
            ..Default::default()
        };
        let out = m.start_close(&test_env(&a, month));
        assert_eq!(
            out,
            Outcome::Refused("正在运行检查，完成后即可确认、导出或关账".into())
        );
        assert!(matches!(m.modal, Modal::None));
        m.checking = false;
        assert_eq!(m.start_close(&test_env(&a, month)), Outcome::Done);
        assert!(matches!(m.modal, Modal::Confirm(..)), "asked to confirm");
    }
}
