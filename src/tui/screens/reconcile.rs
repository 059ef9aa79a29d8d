//! 9 对账 Reconcile: an upstream payment export (treasury / monitoring system) against our
//! disbursements, through `zhida_core::reconcile`. `o` picks the file and the profile
//! (default: the last used, else the shipped sample — embedded, so `zhida demo` has it
//! anywhere), the summary counts each category, the rows are grouped by category (one
//! row per difference or unmatched row), Enter opens the disbursement behind a row on 拨付
//! (or, for a row only upstream, the enterprise on 查询), `a` acknowledges the row's key
//! with a note (`finding_ack`, as `zhida ack` does), `m` shows or hides plain matches, `r`
//! runs it again. The last file and profile are remembered in
//! `<config dir>/reconcile-last.txt`.

use std::path::{Path, PathBuf};

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use rusqlite::Connection;
use zhida_core::model::Role;
use zhida_core::reconcile::output::item_lines;
use zhida_core::reconcile::profile::{self, SAMPLE_PROFILE_NAME};
use zhida_core::reconcile::{
    self, Category, Item, Options, Reconciliation, SAMPLE_EXPORT, SAMPLE_EXPORT_PATH,
};
use zhida_core::sanitize::display_safe;
use zhida_core::{Error, Lang};

use super::{Cx, Env, Outcome, Output, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::form::{Event, Field, Form, Kind};
use crate::tui::i18n;
use crate::tui::keymap::Scope;
use crate::tui::table::{self, scroll, Cell, Col};
use crate::tui::text::truncate;
use crate::tui::writes::{permitted, refusal, Write};

/// One table row: line `line` of item `item` (see `item_lines`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: usize,
    pub line: usize,
    /// the first row of its category (the category is shown there)
    pub first: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Modal {
    #[default]
    None,
    Open(Form),
    Ack(String, Form),
}

#[derive(Debug, Clone, Default)]
pub struct Reconcile {
    pub file: String,
    pub profile: String,
    pub result: Option<Reconciliation>,
    /// why the last run failed (bad rows, a bad profile, no such file)
    pub error: Option<String>,
    pub rows: Vec<Row>,
    pub sel: usize,
    pub offset: usize,
    pub show_matched: bool,
    pub modal: Modal,
    role: Option<Role>,
    started: bool,
    /// the latest run asked for (a background run of an older one is dropped)
    generation: u64,
    /// a background run is under way (the body says so until it is in)
    pub running: bool,
}

/// The background run of a refresh ([`Reconcile::run_soon`]).
const RUN_JOB: &str = "reconcile";

/// What [`RUN_JOB`] hands back: the run it was (generation) and its result.
type Ran = (u64, Result<Reconciliation, Error>);

/// The reconciliation of `file` with the profile `name` (the embedded sample when the
/// sample's path is not on disk).
fn reconciled(
    conn: &Connection,
    file: &str,
    name: &str,
    config_dir: Option<&Path>,
) -> Result<Reconciliation, Error> {
    let p = profile::find(name, config_dir)?;
    let path = Path::new(file);
    if file == SAMPLE_EXPORT_PATH && !path.exists() {
        let name = SAMPLE_EXPORT_PATH
            .rsplit('/')
            .next()
            .unwrap_or("sample.csv");
        reconcile::reconcile_bytes(conn, name, SAMPLE_EXPORT, &p, &Options::default())
    } else {
        reconcile::reconcile_path(conn, path, &p, &Options::default())
    }
}

fn last_used_path(config_dir: Option<&Path>) -> Option<PathBuf> {
    config_dir.map(|d| d.join("reconcile-last.txt"))
}

impl Reconcile {
    fn height(env: &Env) -> usize {
        // body minus the summary (4), the detail lines (2), borders and header (3)
        (env.body_rows as usize).saturating_sub(9).max(1)
    }

    fn item(&self, row: &Row) -> Option<&Item> {
        self.result.as_ref().and_then(|r| r.items.get(row.item))
    }

    /// The key of the selected row ("" for a plain match).
    fn selected_key(&self, lang: Lang) -> Option<String> {
        let row = self.rows.get(self.sel)?;
        let item = self.item(row)?;
        item_lines(item, lang).get(row.line).map(|l| l[4].clone())
    }

    /// Group the items into rows, plain matches only when shown.
    fn rebuild(&mut self, lang: Lang) {
        self.rows.clear();
        let Some(r) = &self.result else {
            return;
        };
        let mut last: Option<Category> = None;
        for (i, item) in r.items.iter().enumerate() {
            if item.category == Category::Matched && !self.show_matched {
                continue;
            }
            for line in 0..item_lines(item, lang).len() {
                self.rows.push(Row {
                    item: i,
                    line,
                    first: last != Some(item.category),
                });
                last = Some(item.category);
            }
        }
        self.sel = self.sel.min(self.rows.len().saturating_sub(1));
    }

    /// Run the reconciliation of `file` with `profile` now (the user asked for it); a
    /// failure is kept for the body and returned for the status line.
    fn run(&mut self, env: &Env) -> Option<String> {
        self.generation += 1;
        self.running = false;
        let result = reconciled(env.conn, &self.file, &self.profile, env.config_dir);
        self.show(result, env.lang)
    }

    /// [`Reconcile::run`] off the UI thread (a refresh: the data changed, or a pause
    /// loads the screen ahead; matching an export against 1M rows takes a few ms); the
    /// result comes back through `job_done`, the one of the latest run only.
    fn run_soon(&mut self, env: &Env) {
        self.generation += 1;
        self.running = true;
        let (file, name, dir) = (
            self.file.clone(),
            self.profile.clone(),
            env.config_dir.map(Path::to_path_buf),
        );
        let generation = self.generation;
        env.spawn(ScreenId::Reconcile, RUN_JOB, move |conn| {
            let done: Ran = (generation, reconciled(conn, &file, &name, dir.as_deref()));
            Ok(Box::new(done) as Output)
        });
    }

    /// Show a run's result; a failure is kept for the body and returned for the status
    /// line.
    fn show(&mut self, result: Result<Reconciliation, Error>, lang: Lang) -> Option<String> {
        let keep = self.selected_key(lang);
        match result {
            Ok(r) => {
                self.result = Some(r);
                self.error = None;
                self.rebuild(lang);
                if let Some(k) = keep {
                    if let Some(pos) = (0..self.rows.len()).find(|&i| self.key_at(i, lang) == k) {
                        self.sel = pos;
                    }
                }
                None
            }
            Err(e) => {
                let text = e.to_string();
                self.result = None;
                self.rows.clear();
                self.error = Some(text.clone());
                Some(text)
            }
        }
    }

    fn key_at(&self, i: usize, lang: Lang) -> String {
        self.rows
            .get(i)
            .and_then(|row| {
                let item = self.item(row)?;
                item_lines(item, lang).get(row.line).map(|l| l[4].clone())
            })
            .unwrap_or_default()
    }

    fn open_form(&self, lang: Lang) -> Form {
        let r = i18n::recon(lang);
        let mut form = Form::new(
            r.open_title,
            vec![
                Field::new("file", r.file, Kind::Text { required: true }, &self.file),
                Field::new(
                    "profile",
                    r.profile,
                    Kind::Text { required: true },
                    &self.profile,
                ),
            ],
            lang,
        );
        if let Some(f) = form.field_mut("file") {
            f.note = Some(r.file_hint.to_string());
        }
        if let Some(f) = form.field_mut("profile") {
            f.note = Some(r.profile_hint.to_string());
        }
        form
    }

    fn remember(&self, env: &Env) {
        // a convenience: when the config dir cannot be written, the next start uses the sample
        if let Some(p) = last_used_path(env.config_dir) {
            let _ = std::fs::create_dir_all(p.parent().unwrap_or(Path::new(".")));
            let _ = std::fs::write(p, format!("{}\n{}\n", self.file, self.profile));
        }
    }

    fn start_ack(&mut self, env: &Env) -> Outcome {
        let role = self.role.unwrap_or(Role::Auditor);
        if !permitted(role, Action::ReconAcknowledge) {
            return Outcome::Refused(refusal(role, Action::ReconAcknowledge, env.lang));
        }
        let r = i18n::recon(env.lang);
        let Some(row) = self.rows.get(self.sel).cloned() else {
            return Outcome::Refused(i18n::work(env.lang).none_selected.into());
        };
        let Some(item) = self.item(&row) else {
            return Outcome::Refused(i18n::work(env.lang).none_selected.into());
        };
        let key = item_lines(item, env.lang)
            .get(row.line)
            .map(|l| l[4].clone())
            .unwrap_or_default();
        if key.is_empty() {
            return Outcome::Refused(r.no_key.into());
        }
        let existing = if item.key.as_deref() == Some(key.as_str()) {
            item.ack.as_ref()
        } else {
            item.diffs
                .iter()
                .find(|d| d.key == key)
                .and_then(|d| d.ack.as_ref())
        };
        let mut form = Form::new(
            r.ack_title,
            vec![Field::new(
                "note",
                r.note,
                Kind::Text { required: true },
                existing.map(|a| a.note.as_str()).unwrap_or(""),
            )],
            env.lang,
        );
        form.summary = key.clone();
        self.modal = Modal::Ack(key, form);
        Outcome::Done
    }

    fn jump(&self, env: &Env) -> Outcome {
        let item = self.rows.get(self.sel).and_then(|row| self.item(row));
        match item {
            Some(Item { ours: Some(o), .. }) => {
                Outcome::Jump(ScreenId::Disbursements, Target::Voucher(o.voucher.clone()))
            }
            Some(Item {
                upstream: Some(u), ..
            }) => Outcome::Jump(ScreenId::Lookup, Target::Enterprise(u.credit_code.clone())),
            _ => Outcome::Refused(i18n::recon(env.lang).nothing_to_open.into()),
        }
    }
}

impl Screen for Reconcile {
    fn id(&self) -> ScreenId {
        ScreenId::Reconcile
    }

    fn scope(&self) -> Option<Scope> {
        Some(Scope::Reconcile)
    }

    fn text_input(&self) -> bool {
        !matches!(self.modal, Modal::None)
    }

    fn dirty(&self) -> bool {
        matches!(self.modal, Modal::Ack(..))
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        self.role = Some(env.actor.role);
        if !self.started {
            self.started = true;
            let last = last_used_path(env.config_dir)
                .and_then(|p| std::fs::read_to_string(p).ok())
                .map(|t| {
                    let mut l = t.lines().map(str::to_string);
                    (l.next().unwrap_or_default(), l.next().unwrap_or_default())
                })
                .filter(|(f, p)| !f.trim().is_empty() && !p.trim().is_empty());
            (self.file, self.profile) = last.unwrap_or_else(|| {
                (
                    SAMPLE_EXPORT_PATH.to_string(),
                    SAMPLE_PROFILE_NAME.to_string(),
                )
            });
        }
        self.run_soon(env);
        Ok(())
    }

    fn job_done(&mut self, key: &'static str, output: Output, env: &Env) -> Result<(), Error> {
        if key != RUN_JOB {
            return Ok(());
        }
        if let Ok(done) = output.downcast::<Ran>() {
            let (generation, result) = *done;
            if generation == self.generation {
                self.running = false;
                self.show(result, env.lang);
            }
        }
        Ok(())
    }

    fn written(&mut self, ok: bool) {
        match &mut self.modal {
            _ if ok => self.modal = Modal::None,
            Modal::Ack(_, form) => form.confirming = false,
            _ => self.modal = Modal::None,
        }
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        match std::mem::take(&mut self.modal) {
            Modal::None => {}
            Modal::Open(mut form) => {
                return Ok(match form.handle(action) {
                    Event::Cancel => Outcome::Done,
                    Event::Confirming | Event::Submit => {
                        self.file = form.text("file");
                        self.profile = form.text("profile");
                        self.sel = 0;
                        self.offset = 0;
                        match self.run(env) {
                            None => {
                                self.remember(env);
                                Outcome::Done
                            }
                            Some(e) => {
                                Outcome::Refused(e.lines().next().unwrap_or_default().into())
                            }
                        }
                    }
                    Event::Invalid(m) => {
                        self.modal = Modal::Open(form);
                        Outcome::Refused(m)
                    }
                    _ => {
                        self.modal = Modal::Open(form);
                        Outcome::Done
                    }
                });
            }
            Modal::Ack(key, mut form) => {
                return Ok(match form.handle(action) {
                    Event::Cancel => Outcome::Done,
                    Event::Submit => {
                        let note = form.text("note");
                        self.modal = Modal::Ack(key.clone(), form);
                        Outcome::Write(Write::Acknowledge { key, note })
                    }
                    Event::Invalid(m) => {
                        self.modal = Modal::Ack(key, form);
                        Outcome::Refused(m)
                    }
                    _ => {
                        self.modal = Modal::Ack(key, form);
                        Outcome::Done
                    }
                });
            }
        }
        let h = Self::height(env);
        let last = self.rows.len().saturating_sub(1);
        match action {
            Action::ReconOpen => self.modal = Modal::Open(self.open_form(env.lang)),
            Action::ReconRun => {
                if let Some(e) = self.run(env) {
                    return Ok(Outcome::Refused(
                        e.lines().next().unwrap_or_default().into(),
                    ));
                }
            }
            Action::ReconAcknowledge => return Ok(self.start_ack(env)),
            Action::ReconToggleMatched => {
                self.show_matched = !self.show_matched;
                self.rebuild(env.lang);
                if !self.show_matched {
                    return Ok(Outcome::Message(
                        i18n::recon(env.lang).matched_hidden.into(),
                    ));
                }
            }
            Action::Open => return Ok(self.jump(env)),
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::PageDown => self.sel = (self.sel + h).min(last),
            Action::PageUp => self.sel = self.sel.saturating_sub(h),
            Action::Top => self.sel = 0,
            Action::Bottom => self.sel = last,
            _ => return Ok(Outcome::Ignored),
        }
        self.offset = scroll(self.offset, self.sel, h);
        Ok(Outcome::Done)
    }

    fn selection(&self) -> Option<String> {
        let row = self.rows.get(self.sel)?;
        let key = self.key_at(self.sel, Lang::Zh);
        if key.is_empty() {
            self.item(row)
                .and_then(|i| i.ours.as_ref().map(|o| o.voucher.clone()))
        } else {
            Some(key)
        }
    }

    fn hints(&self) -> Vec<Action> {
        if !matches!(self.modal, Modal::None) {
            return vec![Action::Back];
        }
        let mut v = vec![Action::ReconOpen, Action::Open];
        if self
            .role
            .is_some_and(|r| permitted(r, Action::ReconAcknowledge))
        {
            v.push(Action::ReconAcknowledge);
        }
        v.extend([Action::ReconToggleMatched, Action::ReconRun, Action::Down]);
        v
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let lang = cx.lang;
        let rs = i18n::recon(lang);
        let s = cx.s;
        let [head, list, detail] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .areas(area);
        let file_name = Path::new(&self.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file.clone());
        let mut head_lines = Vec::new();
        match &self.result {
            Some(r) => {
                head_lines.push(Line::from(
                    display_safe(&format!(
                        "{file_name} · {} · {} – {} · ±{}{}",
                        r.profile, r.from, r.to, r.tolerance_days, rs.days
                    ))
                    .into_owned(),
                ));
                let mut spans = vec![
                    Span::styled(
                        format!("{} {}", rs.open_items, r.open_count()),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(" │ "),
                ];
                // categories with rows only, so that the line fits 80 columns
                for (n, t) in r.summary().iter().filter(|t| t.count > 0).enumerate() {
                    if n > 0 {
                        spans.push(Span::raw(" · "));
                    }
                    let style = match t.category {
                        Category::Matched => Style::default().fg(Color::Green),
                        _ => Style::default()
                            .fg(Color::Yellow)
                            .add_modifier(Modifier::BOLD),
                    };
                    spans.push(Span::styled(
                        format!("{} {}", t.category.label(lang), t.count),
                        style,
                    ));
                }
                head_lines.push(Line::from(spans));
            }
            None => {
                head_lines.push(Line::from(
                    display_safe(&format!(
                        "{} {file_name} · {} {}",
                        rs.file, rs.profile, self.profile
                    ))
                    .into_owned(),
                ));
                head_lines.push(Line::from(if self.running {
                    rs.running
                } else {
                    rs.not_run
                }));
            }
        }
        f.render_widget(
            Paragraph::new(head_lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", i18n::tab(ScreenId::Reconcile, lang))),
            ),
            head,
        );

        if let Some(e) = &self.error {
            let lines: Vec<Line> = e
                .lines()
                .map(|l| {
                    Line::styled(
                        display_safe(l).into_owned(),
                        Style::default().fg(Color::Red),
                    )
                })
                .collect();
            f.render_widget(
                Paragraph::new(lines).block(Block::default().borders(Borders::ALL)),
                list,
            );
        } else {
            let cols = vec![
                Col::left(rs.category, 10, 9),
                Col::left(rs.what, 8, 8),
                Col::left(s.voucher, 15, 7),
                Col::flex(rs.ours, 20, 10),
                Col::flex(rs.upstream, 20, 10),
                Col::flex(s.enterprise, 12, 4),
                Col::left(rs.reference, 13, 2),
                Col::flex(rs.ack, 6, 3),
            ];
            let h = list.height.saturating_sub(3) as usize;
            let offset = scroll(self.offset, self.sel, h);
            let rows: Vec<Vec<Cell>> = self
                .rows
                .iter()
                .skip(offset)
                .take(h)
                .filter_map(|row| {
                    let item = self.item(row)?;
                    let line = item_lines(item, lang).into_iter().nth(row.line)?;
                    let cat = if row.first {
                        item.category.label(lang).to_string()
                    } else {
                        String::new()
                    };
                    let cat_style = match item.category {
                        Category::Matched => Style::default().fg(Color::Green),
                        _ => Style::default().fg(Color::Yellow),
                    };
                    let [what, ours, up, ack, _key] = line;
                    let safe = |t: &str| display_safe(t).into_owned();
                    Some(vec![
                        Cell::styled(cat, cat_style),
                        Cell::new(what),
                        Cell::new(
                            item.ours
                                .as_ref()
                                .map(|o| safe(&o.voucher))
                                .unwrap_or_default(),
                        ),
                        Cell::new(safe(&ours)),
                        Cell::new(safe(&up)),
                        Cell::new(safe(
                            &item
                                .ours
                                .as_ref()
                                .map(|o| o.enterprise_name.clone())
                                .or(item.upstream.as_ref().map(|u| u.enterprise_name.clone()))
                                .unwrap_or_default(),
                        )),
                        Cell::new(
                            item.upstream
                                .as_ref()
                                .map(|u| safe(u.ref_text()))
                                .unwrap_or_default(),
                        ),
                        Cell::styled(safe(&ack), Style::default().fg(Color::Green)),
                    ])
                })
                .collect();
            let title = match &self.result {
                Some(_) if !self.show_matched => {
                    format!(" {} {} · {} ", self.rows.len(), s.rows, rs.matched_hidden)
                }
                Some(_) => format!(" {} {} ", self.rows.len(), s.rows),
                None => String::new(),
            };
            table::draw(
                f,
                list,
                Block::default().borders(Borders::ALL).title(title),
                &cols,
                None,
                &rows,
                self.rows.get(self.sel).map(|_| self.sel - offset),
                s.no_rows,
            );
        }

        // the selected row in full: both sides, then its key
        let mut lines = Vec::new();
        if let Some(item) = self.rows.get(self.sel).and_then(|r| self.item(r)) {
            let ours = item
                .ours
                .as_ref()
                .map(|o| {
                    format!(
                        "{} {} {} {} {} {}",
                        rs.ours,
                        o.voucher,
                        o.program,
                        o.amount.format(cx.unit),
                        o.date,
                        o.status.label(lang)
                    )
                })
                .unwrap_or_else(|| format!("{} —", rs.ours));
            let up = item
                .upstream
                .as_ref()
                .map(|u| {
                    format!(
                        "{} {} {} {} {} {}:{}",
                        rs.upstream,
                        u.ref_text(),
                        u.program.as_deref().unwrap_or("—"),
                        u.amount.format(cx.unit),
                        u.date,
                        file_name,
                        u.line
                    )
                })
                .unwrap_or_else(|| format!("{} —", rs.upstream));
            let width = detail.width as usize;
            lines.push(Line::from(truncate(
                &display_safe(&format!("{ours} │ {up}")),
                width,
            )));
            let (key, ack) = self
                .rows
                .get(self.sel)
                .and_then(|row| item_lines(item, lang).into_iter().nth(row.line))
                .map(|[_, _, _, ack, key]| (key, ack))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(
                    truncate(&display_safe(&key), width),
                    Style::default().fg(Color::DarkGray),
                ),
                Span::styled(
                    format!("  {}", display_safe(&ack)),
                    Style::default().fg(Color::Green),
                ),
            ]));
        }
        f.render_widget(Paragraph::new(lines), detail);

        match &self.modal {
            Modal::None => {}
            Modal::Open(form) | Modal::Ack(_, form) => form.render(f, area),
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;

    const PROFILE: &str = "name = \"县国库\"\nskip_lines = 1\n[columns]\nvoucher = \"业务单号\"\nreference = \"支付凭证号\"\ncredit_code = \"信用代码\"\namount = \"金额\"\ndate = \"支付日期\"\nprogram = \"项目\"\nenterprise_name = \"收款人\"\n";

    /// An export for the testkit ledger: PZ2025-0001 matched, PZ2025-0003 paid 1,000 less,
    /// PZ2025-0004 (已复核) paid upstream a day later without our voucher, and a payment
    /// we do not have.
    fn export(dir: &Path) -> (String, String) {
        let csv = format!(
            "元江县国库集中支付 支付明细\n支付凭证号,业务单号,支付日期,项目,收款人,信用代码,金额\n\
             ZF01,PZ2025-0001,2025-03-12,KJ2025,鑫源科技,{xy},\"120,000.00\"\n\
             ZF02,PZ2025-0003,2025-04-02,WG2025,甘蔗合作社,{gz},\"79,000.00\"\n\
             ZF03,,2025-05-21,WG2025,红糖加工厂,{yy},\"20,000.00\"\n\
             ZF04,,2025-04-20,WG2025,鑫源科技,{xy},\"5,000.00\"\n\
             合计,,,,,,\"224,000.00\"\n",
            xy = xy(),
            gz = gz(),
            yy = yy()
        );
        let file = dir.join("国库导出.csv");
        std::fs::write(&file, csv).unwrap();
        let profile = dir.join("县国库.toml");
        std::fs::write(&profile, PROFILE).unwrap();
        (
            file.to_string_lossy().into_owned(),
            profile.to_string_lossy().into_owned(),
        )
    }

    fn screen(a: &App) -> &Reconcile {
        a.screen()
            .as_any()
            .and_then(|x| x.downcast_ref::<Reconcile>())
            .unwrap()
    }

    fn clear(a: &mut App) {
        for _ in 0..300 {
            a.update(Action::Backspace);
        }
    }

    /// Open the export and profile through the `o` form.
    fn open(a: &mut App, file: &str, profile: &str) {
        go(a, ScreenId::Reconcile);
        a.update(Action::ReconOpen);
        clear(a);
        typ(a, file);
        a.update(Action::Down);
        clear(a);
        typ(a, profile);
        a.update(Action::Open);
    }

    fn on_export(user: &str) -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let (file, profile) = export(dir.path());
        let mut a = app(user);
        open(&mut a, &file, &profile);
        (a, dir)
    }

    #[test]
    fn arriving_runs_the_sample_and_o_opens_another_export() {
        let mut a = app("小李");
        go(&mut a, ScreenId::Reconcile);
        let r = screen(&a);
        assert_eq!(r.file, SAMPLE_EXPORT_PATH);
        assert_eq!(r.profile, "treasury");
        // nothing of the sample is in the testkit ledger
        let res = r.result.as_ref().unwrap();
        assert_eq!(res.upstream_rows, 156);
        assert!(res.items.iter().all(|i| i.category != Category::Matched));

        let dir = tempfile::tempdir().unwrap();
        let (file, profile) = export(dir.path());
        open(&mut a, &file, &profile);
        assert!(matches!(screen(&a).modal, Modal::None));
        let res = screen(&a).result.as_ref().unwrap();
        let cats: Vec<(Category, usize)> = res
            .summary()
            .iter()
            .filter(|t| t.count > 0)
            .map(|t| (t.category, t.count))
            .collect();
        assert_eq!(
            cats,
            [
                (Category::Differences, 1),
                (Category::NotPaid, 1),
                (Category::OnlyUpstream, 1),
                (Category::Matched, 1)
            ]
        );
        // matches are hidden until m: rows = amount diff, not-paid + its date diff, upstream
        assert_eq!(screen(&a).rows.len(), 4);
        a.update(Action::ReconToggleMatched);
        assert_eq!(screen(&a).rows.len(), 5);
        assert!(screen(&a).rows[4].first, "the 一致 group starts there");
    }

    /// On a database file arriving (a refresh) reconciles on a job thread: the screen
    /// says so meanwhile, then shows what running it at once shows; `o` still runs at
    /// once, and a background run older than it is dropped when it comes in.
    #[test]
    fn a_refresh_reconciles_in_the_background_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&ledger(), &dir.path().join("对账.db"));
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Reconcile);
        assert!(screen(&a).running && screen(&a).result.is_none());
        assert!(render(&mut a, 100, 30).contains("对账中…"));
        wait_for_jobs(&mut a);
        assert!(!screen(&a).running);
        let res = screen(&a).result.as_ref().unwrap();
        assert_eq!(res.upstream_rows, 156, "the sample, as when run at once");
        assert!(!render(&mut a, 100, 30).contains("对账中…"));

        // Ctrl-R starts a background run; `o` on another export runs at once and wins
        a.handle_key(crate::tui::keymap::KeySpec::new(
            ratatui::crossterm::event::KeyCode::Char('r'),
            ratatui::crossterm::event::KeyModifiers::CONTROL,
        ));
        assert!(screen(&a).running);
        let (file, profile) = export(dir.path());
        open(&mut a, &file, &profile);
        assert_eq!(screen(&a).result.as_ref().unwrap().upstream_rows, 4);
        wait_for_jobs(&mut a);
        assert_eq!(
            screen(&a).result.as_ref().unwrap().upstream_rows,
            4,
            "the older run's sample result is dropped"
        );
        assert!(!screen(&a).running);
    }

    #[test]
    fn enter_opens_the_row_behind_and_a_acknowledges_it() {
        let (mut a, _dir) = on_export("小李");
        select(&mut a, "RECON|amount|PZ2025-0003|80000.00|79000.00");
        a.update(Action::Open);
        assert_eq!(a.screen_id(), ScreenId::Disbursements);
        assert_eq!(a.screen().selection().as_deref(), Some("PZ2025-0003"));

        // a row only upstream opens the enterprise on 查询
        go(&mut a, ScreenId::Reconcile);
        select(&mut a, "RECON|only_upstream|ZF04|5000.00|2025-04-20");
        a.update(Action::Open);
        assert_eq!(a.screen_id(), ScreenId::Lookup);
        assert_eq!(a.screen().selection(), Some(xy().to_string()));

        go(&mut a, ScreenId::Reconcile);
        select(&mut a, "RECON|amount|PZ2025-0003|80000.00|79000.00");
        a.update(Action::ReconAcknowledge);
        assert!(a.screen().text_input());
        a.update(Action::Open);
        assert!(a.status.error, "a note is required");
        typ(&mut a, "国库少付 1000 元，已退回重付");
        a.update(Action::Open); // confirm
        a.update(Action::Open); // write
        assert!(!a.status.error, "{}", a.status.text);
        assert!(matches!(screen(&a).modal, Modal::None));
        let note: String = a
            .conn
            .query_row(
                "SELECT note FROM finding_ack WHERE key = 'RECON|amount|PZ2025-0003|80000.00|79000.00'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(note, "国库少付 1000 元，已退回重付");
        // reloaded: the difference shows acknowledged, still selected
        assert_eq!(
            a.screen().selection().as_deref(),
            Some("RECON|amount|PZ2025-0003|80000.00|79000.00")
        );
        let res = screen(&a).result.as_ref().unwrap();
        assert_eq!(res.open_count(), 2);
        let text = render(&mut a, 160, 48);
        assert!(
            text.contains("✓ 国库少付 1000 元，已退回重付 (小李 "),
            "{text}"
        );
    }

    #[test]
    fn auditors_cannot_acknowledge_and_plain_matches_need_none() {
        let (mut a, _dir) = on_export("审计赵");
        select(&mut a, "RECON|amount|PZ2025-0003|80000.00|79000.00");
        a.update(Action::ReconAcknowledge);
        assert!(a.status.error);
        assert!(matches!(screen(&a).modal, Modal::None));
        let (mut a, _dir) = on_export("小李");
        a.update(Action::ReconToggleMatched);
        select(&mut a, "PZ2025-0001");
        a.update(Action::ReconAcknowledge);
        assert!(a.status.error);
        assert!(a.status.text.contains("无需确认"), "{}", a.status.text);
    }

    #[test]
    fn a_bad_export_shows_its_errors_and_no_rows() {
        let dir = tempfile::tempdir().unwrap();
        let (file, profile) = export(dir.path());
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("\"79,000.00\"", "七万九");
        std::fs::write(&file, text).unwrap();
        let mut a = app("小李");
        open(&mut a, &file, &profile);
        assert!(a.status.error);
        assert!(
            a.status.text.contains("国库导出.csv:4: 金额: "),
            "{}",
            a.status.text
        );
        assert!(screen(&a).result.is_none() && screen(&a).rows.is_empty());
        let shown = render(&mut a, 100, 30);
        assert!(shown.contains("未做对账"), "{shown}");
        // a profile that does not exist
        open(&mut a, &file, "省厅");
        assert!(a.status.text.contains("省厅"), "{}", a.status.text);
    }

    #[test]
    fn snapshots() {
        for (lang, w, h) in [(Lang::Zh, 80, 24), (Lang::Zh, 160, 48), (Lang::En, 80, 24)] {
            let dir = tempfile::tempdir().unwrap();
            let (file, profile) = export(dir.path());
            let mut a = app_on(ledger(), "小李", lang);
            open(&mut a, &file, &profile);
            a.update(Action::ReconToggleMatched);
            let name = match lang {
                Lang::Zh => "reconcile",
                Lang::En => "reconcile_en",
            };
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(&mut a, w, h));
        }
    }
}
