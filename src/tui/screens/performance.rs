//! 6 绩效 Performance: every program with its latest evaluation (score, grade 优/良/中/差)
//! and its indicators met / missed, weakest first; the selected program's evaluations and
//! indicators (target, actual, met) below. `e` adds an evaluation (prefilled from the
//! latest, so "editing" records a new dated evaluation — the latest one counts), `i`
//! records an indicator's actual. Writes go through `zhida_core::ledger`. Beside the
//! scores, the indicators computed from the ledger as of the month: 结余率, 按时率
//! (按时发放率), 足额率 (`zhida_core::indicators`).

use std::collections::HashMap;
use std::rc::Rc;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

use rust_decimal::Decimal;
use zhida_core::indicators::{format_rate, indicators_as_of};
use zhida_core::model::{format_score, Evaluation, Grade, Indicator, Role};
use zhida_core::repo::worklists;
use zhida_core::repo::write::NewEvaluation;
use zhida_core::{Error, Lang};

use super::disbursements::default_date;
use super::{AsOfCache, Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::background::Output;
use crate::tui::form::{after_write, Choice, Event, Field, Form, Kind};
use crate::tui::i18n;
use crate::tui::keymap::Scope;
use crate::tui::table::{self, moved, scroll, Cell, Col};
use crate::tui::writes::{permitted, refusal, Write};

/// One program as the screen ranks it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub fiscal_year: i32,
    /// newest first
    pub evaluations: Vec<Evaluation>,
    pub indicators: Vec<Indicator>,
    /// computed from the ledger: 结余率, 按时发放率, 足额率; None while they are computed
    pub rates: Option<[Option<Decimal>; 3]>,
}

/// The computed rates of every program (结余率, 按时发放率, 足额率) by program code.
type RateTable = HashMap<String, [Option<Decimal>; 3]>;

/// The background job computing a [`RateTable`]: two aggregates over every disbursement
/// (~1 s at 1M rows), never on a key.
const RATES_JOB: &str = "rates";

impl PerfRow {
    pub fn latest(&self) -> Option<&Evaluation> {
        self.evaluations.first()
    }

    pub fn missed(&self) -> usize {
        self.indicators
            .iter()
            .filter(|i| i.met() == Some(false))
            .count()
    }

    pub fn met(&self) -> usize {
        self.indicators
            .iter()
            .filter(|i| i.met() == Some(true))
            .count()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    Evaluation(String),
    /// program code; the indicator is the form's choice
    Indicator(String),
}

#[derive(Default)]
pub struct Performance {
    pub rows: Vec<PerfRow>,
    pub sel: usize,
    pub offset: usize,
    pub form: Option<(FormKind, Form)>,
    pub role: Option<Role>,
    pub user: String,
    /// the computed rates as of the month (the old ones shown until newer ones arrive)
    rates: AsOfCache<RateTable>,
}

fn grade_style(g: Grade) -> Style {
    Style::default().fg(match g {
        Grade::Excellent => Color::Green,
        Grade::Good => Color::Cyan,
        Grade::Fair => Color::Yellow,
        Grade::Poor => Color::Red,
    })
}

fn indicator_label(i: &Indicator, lang: Lang) -> String {
    format!(
        "{} {} {}{}{}",
        i.year,
        i.name,
        i.direction.label(lang),
        i.target.normalize(),
        i.unit
    )
}

impl Performance {
    fn height(env: &Env) -> usize {
        // the list gets the upper half of the body, minus border and header
        ((env.body_rows as usize) / 2).saturating_sub(3).max(1)
    }

    pub fn selected(&self) -> Option<&PerfRow> {
        self.rows.get(self.sel)
    }

    fn start(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        let lang = env.lang;
        let role = self.role.unwrap_or(Role::Auditor);
        if !permitted(role, action) {
            return Ok(Outcome::Refused(refusal(role, action, lang)));
        }
        let Some(row) = self.selected().cloned() else {
            return Ok(Outcome::Refused(i18n::work(lang).none_selected.into()));
        };
        let s = i18n::strings(lang);
        let w = i18n::work(lang);
        if action == Action::EditEvaluation {
            let latest = row.latest();
            let year = latest.map(|e| e.year).unwrap_or(row.fiscal_year);
            let score = latest
                .map(|e| format_score(e.score_x100))
                .unwrap_or_default();
            let evaluator = latest
                .map(|e| e.evaluator.clone())
                .unwrap_or_else(|| self.user.clone());
            let mut form = Form::new(
                &format!("{} · {} {}", w.evaluation_title, row.code, row.name),
                vec![
                    Field::new(
                        "year",
                        s.year,
                        Kind::Number { optional: false },
                        &year.to_string(),
                    ),
                    Field::new("score", s.score, Kind::Score, &score),
                    Field::new(
                        "evaluator",
                        w.evaluator,
                        Kind::Text { required: true },
                        &evaluator,
                    ),
                    Field::new("date", s.date, Kind::Date, &default_date(env).to_string()),
                    Field::new("note", w.note, Kind::Text { required: false }, ""),
                ],
                lang,
            );
            form.focus = 1;
            note_grade(&mut form, lang);
            self.form = Some((FormKind::Evaluation(row.code.clone()), form));
        } else {
            if row.indicators.is_empty() {
                return Ok(Outcome::Refused(w.no_indicator.into()));
            }
            let options: Vec<Choice> = row
                .indicators
                .iter()
                .enumerate()
                .map(|(n, i)| Choice {
                    value: n.to_string(),
                    label: indicator_label(i, lang),
                })
                .collect();
            // start on the first indicator without an actual, else the first
            let first = row
                .indicators
                .iter()
                .position(|i| i.actual.is_none())
                .unwrap_or(0);
            let actual = row.indicators[first]
                .actual
                .map(|a| a.normalize().to_string())
                .unwrap_or_default();
            let mut form = Form::new(
                &format!("{} · {} {}", w.indicator_title, row.code, row.name),
                vec![
                    Field::new(
                        "indicator",
                        s.indicators,
                        Kind::Choice {
                            options,
                            selected: first,
                        },
                        "",
                    ),
                    Field::new("actual", s.actual, Kind::Number { optional: true }, &actual),
                ],
                lang,
            );
            form.focus = 1;
            if let Some(f) = form.field_mut("actual") {
                f.note = Some(w.actual_hint.into());
            }
            self.form = Some((FormKind::Indicator(row.code.clone()), form));
        }
        Ok(Outcome::Done)
    }

    fn submit(&self, kind: &FormKind, form: &Form) -> Option<Write> {
        match kind {
            FormKind::Evaluation(code) => Some(Write::Evaluation(NewEvaluation {
                program_code: code.clone(),
                year: form.text("year").parse().ok()?,
                score_x100: form.score("score")?,
                evaluator: form.text("evaluator"),
                date: form.date("date")?,
                note: form.text("note"),
            })),
            FormKind::Indicator(code) => {
                let row = self.rows.iter().find(|r| &r.code == code)?;
                let n: usize = form.text("indicator").parse().ok()?;
                let ind = row.indicators.get(n)?;
                Some(Write::IndicatorActual {
                    program: code.clone(),
                    year: ind.year,
                    name: ind.name.clone(),
                    actual: if form.text("actual").is_empty() {
                        None
                    } else {
                        Some(form.number("actual")?)
                    },
                })
            }
        }
    }
}

/// The grade the typed score would get, beside the score.
fn note_grade(form: &mut Form, lang: Lang) {
    let g = form.score("score").map(|s| Grade::of(s).label(lang));
    if let Some(f) = form.field_mut("score") {
        f.note = g.map(|g| format!("{} {g}", i18n::strings(lang).grade));
    }
}

impl Performance {
    /// The rates as of the month if computed (the old ones while newer ones compute),
    /// starting their computation when needed: two aggregates over every disbursement
    /// (~1 s at 1M rows), off the UI thread.
    fn rates_soon(&self, env: &Env) -> Result<Option<Rc<RateTable>>, Error> {
        let as_of = env.as_of();
        let job = (ScreenId::Performance, RATES_JOB);
        self.rates.get_soon(env.conn, as_of, env.jobs, job, || {
            let cfg = env.checks.clone();
            move |conn: &rusqlite::Connection| {
                Ok(indicators_as_of(conn, as_of, &cfg)?
                    .into_iter()
                    .map(|(f, i)| (f.program.code, i.rates.as_array()))
                    .collect())
            }
        })
    }
}

impl Screen for Performance {
    fn id(&self) -> ScreenId {
        ScreenId::Performance
    }

    fn scope(&self) -> Option<Scope> {
        Some(Scope::Performance)
    }

    fn text_input(&self) -> bool {
        self.form.is_some()
    }

    fn dirty(&self) -> bool {
        self.form.is_some()
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        self.role = Some(env.actor.role);
        self.user = env.actor.user.clone();
        let keep = self.selected().map(|r| r.code.clone());
        let evals = worklists::evaluations_until(env.conn, env.as_of())?;
        let inds = worklists::all_indicators(env.conn)?;
        let figures = env.program_figures()?;
        let rates = self.rates_soon(env)?;
        // each program's evaluations and indicators, grouped once (both lists come in
        // program order; a filter of both per program was 200 × 660 comparisons)
        let mut evals_of: HashMap<String, Vec<_>> = HashMap::new();
        for e in evals {
            evals_of.entry(e.program_code.clone()).or_default().push(e);
        }
        let mut inds_of: HashMap<String, Vec<_>> = HashMap::new();
        for i in inds {
            inds_of.entry(i.program_code.clone()).or_default().push(i);
        }
        let mut rows: Vec<PerfRow> = figures
            .iter()
            .map(|f| PerfRow {
                evaluations: evals_of.remove(&f.program.code).unwrap_or_default(),
                indicators: inds_of.remove(&f.program.code).unwrap_or_default(),
                code: f.program.code.clone(),
                name: f.program.name.clone(),
                department: f.program.department.clone(),
                fiscal_year: f.program.fiscal_year,
                rates: rates.as_ref().and_then(|r| r.get(&f.program.code).copied()),
            })
            .collect();
        // weakest first: the lowest latest score, then the most missed indicators; the
        // programs nobody has evaluated yet come after the evaluated ones
        rows.sort_by(|a, b| {
            let sa = a.latest().map(|e| e.score_x100).unwrap_or(i64::MAX);
            let sb = b.latest().map(|e| e.score_x100).unwrap_or(i64::MAX);
            sa.cmp(&sb)
                .then(b.missed().cmp(&a.missed()))
                .then(a.code.cmp(&b.code))
        });
        self.rows = rows;
        self.sel = keep
            .and_then(|c| self.rows.iter().position(|r| r.code == c))
            .unwrap_or(self.sel)
            .min(self.rows.len().saturating_sub(1));
        Ok(())
    }

    fn written(&mut self, ok: bool) {
        after_write(&mut self.form, ok);
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }

    /// The rates as of the month start computing once the month's checks are in (the
    /// arrival then finds them computed or under way, and starts no job of its own on
    /// the key; beside the checks' pass the job's rows would add to the memory peak).
    fn warm_after_findings(&self) -> bool {
        true
    }

    fn warm(&mut self, env: &Env) -> Result<(), Error> {
        self.rates_soon(env).map(|_| ())
    }

    fn job_done(&mut self, key: &'static str, output: Output, _env: &Env) -> Result<(), Error> {
        if key != RATES_JOB {
            return Ok(());
        }
        // None: asked for something else since
        if let Some(table) = self.rates.arrived(output) {
            for r in &mut self.rows {
                r.rates = table.get(&r.code).copied();
            }
        }
        Ok(())
    }

    fn focus(&mut self, target: &Target, _env: &Env) -> Result<(), Error> {
        if let Target::Program(code) = target {
            if let Some(pos) = self.rows.iter().position(|r| &r.code == code) {
                self.sel = pos;
            }
        }
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        if let Some((kind, mut form)) = self.form.take() {
            let ev = form.handle(action);
            if let Event::Edited(i) = ev {
                match &kind {
                    FormKind::Evaluation(_) => note_grade(&mut form, env.lang),
                    FormKind::Indicator(code) if form.fields[i].key == "indicator" => {
                        let n: usize = form.text("indicator").parse().unwrap_or(0);
                        let actual = self
                            .rows
                            .iter()
                            .find(|r| &r.code == code)
                            .and_then(|r| r.indicators.get(n))
                            .and_then(|i| i.actual)
                            .map(|a: Decimal| a.normalize().to_string())
                            .unwrap_or_default();
                        form.set("actual", &actual);
                    }
                    _ => {}
                }
            }
            return Ok(match ev {
                Event::Cancel => Outcome::Done,
                Event::Invalid(m) => {
                    self.form = Some((kind, form));
                    Outcome::Refused(m)
                }
                Event::Submit => {
                    let w = self.submit(&kind, &form);
                    self.form = Some((kind, form));
                    match w {
                        Some(w) => Outcome::Write(w),
                        None => Outcome::Refused(i18n::work(env.lang).required.into()),
                    }
                }
                _ => {
                    self.form = Some((kind, form));
                    Outcome::Done
                }
            });
        }
        let h = Self::height(env);
        if let Some(sel) = moved(action, self.sel, self.rows.len(), h) {
            self.sel = sel;
            self.offset = scroll(self.offset, self.sel, h);
            return Ok(Outcome::Done);
        }
        match action {
            Action::EditEvaluation | Action::EditIndicator => return self.start(action, env),
            Action::Open => {
                if let Some(r) = self.selected() {
                    return Ok(Outcome::Jump(
                        ScreenId::Programs,
                        Target::Program(r.code.clone()),
                    ));
                }
            }
            _ => return Ok(Outcome::Ignored),
        }
        self.offset = scroll(self.offset, self.sel, h);
        Ok(Outcome::Done)
    }

    fn selection(&self) -> Option<String> {
        self.selected().map(|r| r.code.clone())
    }

    fn hints(&self) -> Vec<Action> {
        if self.form.is_some() {
            return vec![Action::Back];
        }
        let role = self.role.unwrap_or(Role::Auditor);
        [
            Action::EditEvaluation,
            Action::EditIndicator,
            Action::Down,
            Action::Open,
        ]
        .into_iter()
        .filter(|a| permitted(role, *a))
        .collect()
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let w = i18n::work(cx.lang);
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
        let cols = vec![
            Col::left(s.code, 8, 9),
            Col::flex(s.name, 10, 10),
            Col::left(s.department, 8, 2),
            Col::right(s.year, 4, 4),
            Col::right(s.score, 6, 8),
            Col::left(s.grade, 6, 8),
            Col::right(w.balance_rate, 7, 6),
            Col::right(w.on_time_rate, 7, 6),
            Col::right(w.full_rate, 7, 5),
            Col::right(w.met, 4, 6),
            Col::right(w.missed, 6, 7),
        ];
        let h = top.height.saturating_sub(3) as usize;
        let offset = scroll(self.offset, self.sel, h);
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .skip(offset)
            .take(h)
            .map(|r| {
                let (score, grade) = match r.latest() {
                    Some(e) => {
                        let g = Grade::of(e.score_x100);
                        (
                            Cell::new(format_score(e.score_x100)),
                            Cell::styled(g.label(cx.lang), grade_style(g)),
                        )
                    }
                    None => (
                        Cell::new("—"),
                        Cell::styled(w.no_evaluation, Style::default().fg(Color::Gray)),
                    ),
                };
                let missed = r.missed();
                let rate = |i: usize| match r.rates {
                    Some(v) => Cell::new(format_rate(v[i])),
                    None => Cell::styled("…", Style::default().fg(Color::Gray)),
                };
                vec![
                    Cell::new(r.code.clone()),
                    Cell::new(r.name.clone()),
                    Cell::new(r.department.clone()),
                    Cell::new(
                        r.latest()
                            .map(|e| e.year)
                            .unwrap_or(r.fiscal_year)
                            .to_string(),
                    ),
                    score,
                    grade,
                    rate(0),
                    rate(1),
                    rate(2),
                    Cell::new(r.met().to_string()),
                    Cell::styled(
                        missed.to_string(),
                        if missed > 0 {
                            Style::default().fg(Color::Red)
                        } else {
                            Style::default()
                        },
                    ),
                ]
            })
            .collect();
        table::draw(
            f,
            top,
            Block::default().borders(Borders::ALL).title(format!(
                " {} · {} {} ",
                i18n::tab(ScreenId::Performance, cx.lang),
                self.rows.len(),
                s.rows
            )),
            &cols,
            None,
            &rows,
            self.rows.get(self.sel).map(|_| self.sel - offset),
            s.no_rows,
        );
        let [evals, inds] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(bottom);
        let sel = self.selected();
        let ecols = vec![
            Col::left(s.date, 10, 9),
            Col::right(s.year, 4, 5),
            Col::right(s.score, 6, 8),
            Col::left(s.grade, 4, 7),
            Col::flex(w.evaluator, 4, 3),
        ];
        let erows: Vec<Vec<Cell>> = sel
            .map(|r| {
                r.evaluations
                    .iter()
                    .take(evals.height.saturating_sub(3) as usize)
                    .map(|e| {
                        let g = Grade::of(e.score_x100);
                        vec![
                            Cell::new(e.date.to_string()),
                            Cell::new(e.year.to_string()),
                            Cell::new(format_score(e.score_x100)),
                            Cell::styled(g.label(cx.lang), grade_style(g)),
                            Cell::new(e.evaluator.clone()),
                        ]
                    })
                    .collect()
            })
            .unwrap_or_default();
        table::draw(
            f,
            evals,
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", s.evaluations)),
            &ecols,
            None,
            &erows,
            None,
            s.no_rows,
        );
        let icols = vec![
            Col::right(s.year, 4, 5),
            Col::flex(s.name, 8, 10),
            Col::right(w.target, 10, 8),
            Col::right(s.actual, 8, 8),
            Col::left("", 6, 9),
        ];
        let irows: Vec<Vec<Cell>> = sel
            .map(|r| {
                r.indicators
                    .iter()
                    .take(inds.height.saturating_sub(3) as usize)
                    .map(|i| {
                        let met = match i.met() {
                            Some(true) => Cell::styled(w.met, Style::default().fg(Color::Green)),
                            Some(false) => Cell::styled(w.missed, Style::default().fg(Color::Red)),
                            None => Cell::new("—"),
                        };
                        vec![
                            Cell::new(i.year.to_string()),
                            Cell::new(i.name.clone()),
                            Cell::new(format!(
                                "{}{}{}",
                                i.direction.label(cx.lang),
                                i.target.normalize(),
                                i.unit
                            )),
                            Cell::new(
                                i.actual
                                    .map(|a| a.normalize().to_string())
                                    .unwrap_or_else(|| "—".into()),
                            ),
                            met,
                        ]
                    })
                    .collect()
            })
            .unwrap_or_default();
        table::draw(
            f,
            inds,
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {} ", s.indicators)),
            &icols,
            None,
            &irows,
            None,
            s.no_rows,
        );
        if let Some((_, form)) = &self.form {
            form.render(f, area);
        }
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use zhida_core::repo::listing;
    use zhida_core::users::Actor;

    /// The shared ledger plus two WG2025 payments approved on Tuesday 05-06 through
    /// zhida: one paid 05-09 (3 working days, on time), one 05-30 (18, late).
    fn on_perf(user: &str) -> App {
        let mut conn = ledger();
        let clerk = Actor::load(&conn, "小李").unwrap();
        let boss = Actor::load(&conn, "王科长").unwrap();
        for (v, paid) in [("PZ2025-0201", "2025-05-09"), ("PZ2025-0202", "2025-05-30")] {
            let input = zhida_core::ledger::DisbursementInput {
                voucher_no: v.into(),
                program_code: "WG2025".into(),
                credit_code: gz().to_string(),
                amount: zhida_core::Money(10_000_00),
                date: d("2025-05-06"),
                note: String::new(),
            };
            zhida_core::ledger::new_disbursement(&mut conn, &clerk, &input).unwrap();
            zhida_core::ledger::approve_on(&mut conn, &boss, v, d("2025-05-06")).unwrap();
            zhida_core::ledger::pay_on(&mut conn, &clerk, v, d(paid)).unwrap();
        }
        let mut a = app_on(conn, user, Lang::Zh);
        go(&mut a, ScreenId::Performance);
        a
    }

    #[test]
    fn computed_indicators_beside_the_scores() {
        let mut a = on_perf("小李");
        let screen = render(&mut a, 120, 30);
        let head = screen.lines().find(|l| l.contains("得分")).unwrap();
        assert!(
            head.contains("结余率") && head.contains("按时率") && head.contains("足额率"),
            "{head}"
        );
        // WG2025 as of 2025-05-31: budget 5,000,000; paid 80,000 + 20,000; approved 20,000
        let wg = screen.lines().find(|l| l.contains("WG2025")).unwrap();
        for cell in ["98.00%", "50.00%", "83.33%"] {
            assert!(wg.contains(cell), "{cell}: {wg}");
        }
        // CY2024: never a dated payment
        let cy = screen.lines().find(|l| l.contains("CY2024")).unwrap();
        assert!(cy.contains("80.00%") && cy.contains('—'), "{cy}");
    }

    /// The rates start computing once the month's checks are in, before anyone goes to
    /// 绩效: arriving then shows them, and starts no job on the key.
    #[test]
    fn the_rates_are_computed_ahead_once_the_checks_are_in() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&on_perf("小李").conn, &dir.path().join("绩效提前.db"));
        let mut a = app_on(conn, "小李", Lang::Zh);
        wait_for_jobs(&mut a);
        assert!(!a.jobs_running());
        go(&mut a, ScreenId::Performance);
        assert!(!a.jobs_running(), "nothing started by the arrival");
        let wg = state::<Performance>(&a, ScreenId::Performance)
            .rows
            .iter()
            .find(|r| r.code == "WG2025")
            .unwrap()
            .rates;
        assert!(wg.is_some(), "the rates are there on arrival");
        let screen = render(&mut a, 120, 30);
        let line = screen.lines().find(|l| l.contains("WG2025")).unwrap();
        for cell in ["98.00%", "50.00%", "83.33%"] {
            assert!(line.contains(cell), "{cell}: {line}");
        }
    }

    /// On a database file the rates are computed on their own thread: "…" until they
    /// arrive, then the same figures as on an in-memory database; after a change the old
    /// ones stay on screen until the new ones replace them.
    #[test]
    fn computed_indicators_arrive_from_the_background_on_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = on_file(&on_perf("小李").conn, &dir.path().join("绩效.db"));
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Performance);
        let wg_line = |a: &mut App| {
            let screen = render(a, 120, 30);
            screen
                .lines()
                .find(|l| l.contains("WG2025"))
                .unwrap()
                .to_string()
        };
        let row = |a: &App| {
            state::<Performance>(a, ScreenId::Performance)
                .rows
                .iter()
                .find(|r| r.code == "WG2025")
                .unwrap()
                .rates
        };
        if row(&a).is_none() {
            assert!(wg_line(&mut a).contains('…'), "computing");
        }
        wait_for_jobs(&mut a);
        let line = wg_line(&mut a);
        for cell in ["98.00%", "50.00%", "83.33%"] {
            assert!(line.contains(cell), "{cell}: {line}");
        }
        // a payment of WG2025 elsewhere: old rates meanwhile, then the new ones
        let before = row(&a);
        let clerk = Actor::load(&a.conn, "小李").unwrap();
        let boss = Actor::load(&a.conn, "王科长").unwrap();
        let input = zhida_core::ledger::DisbursementInput {
            voucher_no: "PZ2025-0203".into(),
            program_code: "WG2025".into(),
            credit_code: xy().to_string(),
            amount: zhida_core::Money(20_000_00),
            date: d("2025-05-12"),
            note: String::new(),
        };
        zhida_core::ledger::new_disbursement(&mut a.conn, &clerk, &input).unwrap();
        zhida_core::ledger::approve_on(&mut a.conn, &boss, "PZ2025-0203", d("2025-05-12")).unwrap();
        zhida_core::ledger::pay_on(&mut a.conn, &clerk, "PZ2025-0203", d("2025-05-13")).unwrap();
        a.update(Action::Refresh);
        assert!(
            row(&a).is_some(),
            "the old rates stay until the new ones arrive"
        );
        wait_for_jobs(&mut a);
        assert_ne!(row(&a), before, "recomputed with the new payment");
        // 2 of the 3 dated payments on time now: 按时率 from 50% to 66.67%
        assert!(wg_line(&mut a).contains("66.67%"), "{}", wg_line(&mut a));
    }

    #[test]
    fn weakest_programs_come_first_with_grades_and_indicators() {
        let mut a = on_perf("小李");
        // WG2025 scored 58.50 (差) with one indicator missed; CY2024 91 (优); KJ2025 none
        assert_eq!(a.screen().selection().as_deref(), Some("WG2025"));
        let screen = render(&mut a, 120, 30);
        let wg = screen.lines().position(|l| l.contains("WG2025")).unwrap();
        let cy = screen.lines().position(|l| l.contains("CY2024")).unwrap();
        let kj = screen.lines().position(|l| l.contains("KJ2025")).unwrap();
        assert!(wg < cy && cy < kj, "{screen}");
        let line = screen.lines().nth(wg).unwrap();
        assert!(line.contains("58.50") && line.contains("差"), "{line}");
        assert!(screen.lines().nth(kj).unwrap().contains("未评价"));
        let ind = screen.lines().find(|l| l.contains("新增就业岗位")).unwrap();
        assert!(
            ind.contains("≥500个") && ind.contains("430") && ind.contains("未达成"),
            "{ind}"
        );
    }

    #[test]
    fn add_an_evaluation_prefilled_from_the_latest() {
        let mut a = on_perf("小李");
        a.update(Action::EditEvaluation);
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("58.50") && screen.contains("元江县财政局绩效股"),
            "{screen}"
        );
        for _ in 0..5 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "120");
        assert!(render(&mut a, 100, 30).contains("得分应为 0–100"));
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        assert!(a.status.error, "score 120 refused");
        for _ in 0..3 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "72.5");
        assert!(render(&mut a, 100, 30).contains("等级 中"));
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let wg = zhida_core::repo::write::program_id(&a.conn, "WG2025").unwrap();
        let ev = listing::evaluations_of(&a.conn, wg).unwrap();
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].score_x100, 72_50);
        assert_eq!(ev[0].date, d("2025-05-31"));
        // the latest evaluation now counts: WG2025 is no longer the weakest… but is still
        // the weakest evaluated one (72.50 < 91), so it stays first
        let screen = render(&mut a, 120, 30);
        assert!(
            screen
                .lines()
                .any(|l| l.contains("WG2025") && l.contains("72.50") && l.contains("中")),
            "{screen}"
        );
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM audit_log WHERE tbl = 'evaluation' AND user = '小李'"
            ),
            1
        );
    }

    #[test]
    fn record_an_indicator_actual() {
        let mut a = on_perf("小李");
        a.update(Action::EditIndicator);
        // starts on the indicator without an actual: 资金拨付及时率
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("资金拨付及时率"), "{screen}");
        typ(&mut a, "9x");
        a.update(Action::Open);
        assert!(a.status.error, "not a number");
        a.update(Action::Backspace);
        typ(&mut a, "8");
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let wg = zhida_core::repo::write::program_id(&a.conn, "WG2025").unwrap();
        let inds = listing::indicators_of(&a.conn, wg).unwrap();
        let i = inds.iter().find(|i| i.name == "资金拨付及时率").unwrap();
        assert_eq!(i.actual, Some(Decimal::from(98)));
        assert_eq!(i.met(), Some(true));
        // every indicator has an actual now: the form starts on the first (新增就业岗位,
        // 430); switching the indicator with Space shows the other's actual (98)
        a.update(Action::EditIndicator);
        let screen = render(&mut a, 100, 30);
        assert!(
            screen
                .lines()
                .any(|l| l.contains("实际") && l.contains("430")),
            "{screen}"
        );
        a.update(Action::Up);
        a.update(Action::Char(' '));
        let screen = render(&mut a, 100, 30);
        assert!(
            screen
                .lines()
                .any(|l| l.contains("实际") && l.contains("98")),
            "{screen}"
        );
    }

    #[test]
    fn auditor_reads_but_cannot_write_and_programs_without_indicators_say_so() {
        let mut a = on_perf("审计赵");
        a.update(Action::EditEvaluation);
        assert!(a.status.error && a.status.text.contains("审计角色只读"));
        assert!(!a.screen().hints().contains(&Action::EditEvaluation));
        let mut a = on_perf("小李");
        select(&mut a, "CY2024");
        a.update(Action::EditIndicator);
        assert!(
            a.status.error && a.status.text.contains("没有绩效指标"),
            "{}",
            a.status.text
        );
    }

    #[test]
    fn snapshots() {
        let mut a = on_perf("小李");
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("performance_{w}x{h}"), render(&mut a, w, h));
        }
        a.update(Action::EditEvaluation);
        typ(&mut a, "9");
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(
                format!("performance_eval_form_error_{w}x{h}"),
                render(&mut a, w, h)
            );
        }
    }
}
