//! 5 收回 Recovery: the programs holding money nobody spends, most urgent first —
//! RECOVER_DUE, then IDLE (each by balance), then the others with a balance, then those
//! already recovered down to nothing — with balance, last payment, days idle and the flag
//! exactly as `zhida check` finds it (`zhida_core::recover::candidates`, same thresholds).
//! Below: the selected program's recoveries so far. `n` records a recovery: the amount
//! defaults to the balance and is checked live against the balance as of the date, the
//! date must lie in an open month, a clawback names the enterprise, the document number
//! is required, and the money may be reallocated to another active program (a choice
//! cycled with Space). It asks first, then writes through `zhida_core::recover`.

use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::checks::Rule;
use zhida_core::dates::Month;
use zhida_core::ledger;
use zhida_core::model::{ProgramStatus, Reason, Recovery as Recorded, Role};
use zhida_core::recover::{self, Candidate};
use zhida_core::repo::listing;
use zhida_core::repo::lookup;
use zhida_core::repo::write::NewRecovery;
use zhida_core::{CreditCode, Error, Lang, Money};

use super::disbursements::default_date;
use super::{Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::form::{after_write, Choice, Event, Field, Form, Kind};
use crate::tui::i18n;
use crate::tui::keymap::Scope;
use crate::tui::table::{self, moved, scroll, Cell, Col};
use crate::tui::text::{truncate, width};
use crate::tui::writes::{permitted, refusal, Write};

/// A program as the reallocation choice offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramName {
    pub code: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Recovery {
    pub rows: Vec<Candidate>,
    /// recoveries dated ≤ the as-of day, by program code then date
    pub history: Vec<Recorded>,
    pub programs: Vec<ProgramName>,
    pub sel: usize,
    pub offset: usize,
    /// the recovery form and the program it recovers from
    pub form: Option<(String, Form)>,
    pub role: Option<Role>,
}

/// Table above, one line about the selected program, its recoveries below.
fn split(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Percentage(60),
        Constraint::Length(1),
        Constraint::Min(3),
    ])
    .areas(area)
}

/// A column wide enough for its title and every label it may show.
fn widest<'a>(labels: impl IntoIterator<Item = &'a str>, title: &str) -> u16 {
    labels.into_iter().map(width).fold(width(title), usize::max) as u16
}

fn flag_style(rule: Rule) -> Style {
    Style::default().fg(if rule == Rule::RecoverDue {
        Color::Red
    } else {
        Color::Yellow
    })
}

/// `结余 240,000.00（截至 2025-05-31）`
fn balance_note(lang: Lang, balance: Money, date: NaiveDate) -> String {
    match lang {
        Lang::Zh => format!("结余 {}（截至 {date}）", balance.format_yuan()),
        Lang::En => format!("balance {} as of {date}", balance.format_yuan()),
    }
}

fn over_balance(lang: Lang, balance: Money) -> String {
    match lang {
        Lang::Zh => format!("超过结余 {} 元", balance.format_yuan()),
        Lang::En => format!("more than the balance {}", balance.format_yuan()),
    }
}

/// The checks of the form that need the database or more than one field: a closed month,
/// the balance as of the date, the enterprise of a clawback; and the confirmation line.
fn live(form: &mut Form, env: &Env, code: &str) {
    let lang = env.lang;
    let w = i18n::work(lang);
    let date = form.date("date");
    let closed = date.filter(|d| {
        matches!(
            ledger::ensure_open(env.conn, *d),
            Err(Error::ClosedMonth(_))
        )
    });
    if let Some(f) = form.field_mut("date") {
        f.error = f
            .check(lang)
            .err()
            .or_else(|| closed.map(|d| format!("{} ({})", w.month_closed, Month::of(d))));
    }
    let balance = date.and_then(|d| Some((recover::balance_as_of(env.conn, code, d).ok()?, d)));
    let amount = form.money("amount");
    if let Some(f) = form.field_mut("amount") {
        f.note = balance.map(|(b, d)| balance_note(lang, b, d));
        f.error = f.check(lang).err().or_else(|| match (amount, balance) {
            (Some(a), Some((b, _))) if a > b => Some(over_balance(lang, b)),
            _ => None,
        });
    }
    let clawback = form.text("reason") == Reason::Clawback.as_str();
    let text = form.text("code");
    let (error, note) = match (clawback, text.is_empty()) {
        (false, true) => (None, Some(w.credit_hint.to_string())),
        (false, false) => (Some(w.code_only_clawback.to_string()), None),
        (true, true) => (Some(w.clawback_needs_code.to_string()), None),
        (true, false) => match CreditCode::parse(&text) {
            Err(e) => (Some(e.to_string()), None),
            Ok(c) => match lookup::enterprise_by_code(env.conn, c.as_str())
                .ok()
                .flatten()
            {
                Some(e) => (None, Some(e.name)),
                None => (Some(w.unknown_enterprise.to_string()), None),
            },
        },
    };
    if let Some(f) = form.field_mut("code") {
        f.error = error;
        f.note = note;
    }
    form.summary = summary(form, lang, code);
}

/// What the confirmation says will be written.
fn summary(form: &Form, lang: Lang, code: &str) -> String {
    let amount = form
        .money("amount")
        .map(Money::format_yuan)
        .unwrap_or_default();
    let reason = Reason::parse(&form.text("reason"))
        .map(|r| r.label(lang))
        .unwrap_or_default();
    let to = form.text("to");
    match (lang, to.is_empty()) {
        (Lang::Zh, true) => format!("收回 {code} {amount} 元（{reason}），不统筹"),
        (Lang::Zh, false) => format!("收回 {code} {amount} 元（{reason}），统筹至 {to}"),
        (Lang::En, true) => format!("recover {amount} from {code} ({reason}), returned"),
        (Lang::En, false) => format!("recover {amount} from {code} ({reason}), to {to}"),
    }
}

/// The recovery the confirmed form describes (None while a field does not parse).
fn submit(form: &Form, code: &str) -> Option<NewRecovery> {
    let to = form.text("to");
    Some(NewRecovery {
        program_code: code.to_string(),
        date: form.date("date")?,
        amount: form.money("amount")?,
        reason: Reason::parse(&form.text("reason"))?,
        doc_no: form.text("doc"),
        credit_code: form.credit_code("code").map(CreditCode::into_string),
        reallocated_to: (!to.is_empty()).then_some(to),
        note: form.text("note"),
    })
}

impl Recovery {
    fn height(env: &Env) -> usize {
        let [list, _, _] = split(Rect::new(0, 0, 80, env.body_rows));
        (list.height as usize).saturating_sub(3).max(1)
    }

    pub fn selected(&self) -> Option<&Candidate> {
        self.rows.get(self.sel)
    }

    fn name_of(&self, code: &str) -> String {
        self.programs
            .iter()
            .find(|p| p.code == code)
            .map(|p| format!("{} {}", p.code, p.name))
            .unwrap_or_else(|| code.to_string())
    }

    /// The recoveries of the selected program.
    pub fn selected_history(&self) -> Vec<&Recorded> {
        let Some(c) = self.selected() else {
            return Vec::new();
        };
        self.history
            .iter()
            .filter(|r| r.program_code == c.figures.program.code)
            .collect()
    }

    /// Open the form for the selected program, or say why not.
    fn start(&mut self, env: &Env) -> Result<Outcome, Error> {
        let lang = env.lang;
        let (s, w) = (i18n::strings(lang), i18n::work(lang));
        let role = self.role.unwrap_or(Role::Auditor);
        if !permitted(role, Action::RecordRecovery) {
            return Ok(Outcome::Refused(refusal(
                role,
                Action::RecordRecovery,
                lang,
            )));
        }
        let Some(c) = self.selected().cloned() else {
            return Ok(Outcome::Refused(w.none_selected.into()));
        };
        let p = &c.figures.program;
        if c.figures.balance.0 <= 0 {
            return Ok(Outcome::Refused(format!(
                "{} {}",
                p.code, w.nothing_to_recover
            )));
        }
        // today (or the as-of month's end), unless that month is closed and today's is not
        let mut date = default_date(env);
        if ledger::ensure_open(env.conn, date).is_err()
            && env.today > date
            && ledger::ensure_open(env.conn, env.today).is_ok()
        {
            date = env.today;
        }
        let expired = p.end_date.is_some_and(|e| e < env.as_of());
        let reason = if expired {
            Reason::Expired
        } else {
            Reason::Idle
        };
        let reasons: Vec<Choice> = Reason::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().to_string(),
                label: r.label(lang).to_string(),
            })
            .collect();
        let mut targets = vec![Choice {
            value: String::new(),
            label: w.no_reallocation.to_string(),
        }];
        targets.extend(
            self.programs
                .iter()
                .filter(|t| t.active && t.code != p.code)
                .map(|t| Choice {
                    value: t.code.clone(),
                    label: format!("{} {}", t.code, t.name),
                }),
        );
        let mut form = Form::new(
            &format!("{} · {} {}", w.recovery_title, p.code, p.name),
            vec![
                Field::new(
                    "amount",
                    s.amount,
                    Kind::Money,
                    &c.figures.balance.format_yuan(),
                ),
                Field::new("date", s.date, Kind::Date, &date.to_string()),
                Field::new(
                    "reason",
                    s.reason,
                    Kind::Choice {
                        selected: Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0),
                        options: reasons,
                    },
                    "",
                ),
                Field::new("code", s.credit_code, Kind::Text { required: false }, ""),
                Field::new("doc", s.doc_no, Kind::Text { required: true }, ""),
                Field::new(
                    "to",
                    w.reallocate,
                    Kind::Choice {
                        options: targets,
                        selected: 0,
                    },
                    "",
                ),
                Field::new("note", w.note, Kind::Text { required: false }, ""),
            ],
            lang,
        );
        live(&mut form, env, &p.code);
        self.form = Some((p.code.clone(), form));
        Ok(Outcome::Done)
    }
}

impl Screen for Recovery {
    fn id(&self) -> ScreenId {
        ScreenId::Recovery
    }

    fn loads_alone(&self) -> bool {
        true
    }

    fn scope(&self) -> Option<Scope> {
        Some(Scope::Recovery)
    }

    fn text_input(&self) -> bool {
        self.form.is_some()
    }

    fn dirty(&self) -> bool {
        self.form.is_some()
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        self.role = Some(env.actor.role);
        let keep = self.selection();
        let figs = env.program_figures()?;
        self.rows = recover::candidates(&figs, env.as_of(), env.checks, env.lang);
        self.programs = figs
            .iter()
            .map(|f| ProgramName {
                code: f.program.code.clone(),
                name: f.program.name.clone(),
                active: f.program.status == ProgramStatus::Active,
            })
            .collect();
        self.history = listing::recoveries_until(env.conn, env.as_of())?;
        self.sel = keep
            .and_then(|c| self.rows.iter().position(|r| r.figures.program.code == c))
            .unwrap_or(self.sel)
            .min(self.rows.len().saturating_sub(1));
        self.offset = scroll(self.offset, self.sel, Self::height(env));
        Ok(())
    }

    fn written(&mut self, ok: bool) {
        after_write(&mut self.form, ok);
    }

    fn focus(&mut self, target: &Target, env: &Env) -> Result<(), Error> {
        if let Target::Program(code) = target {
            if let Some(pos) = self
                .rows
                .iter()
                .position(|r| &r.figures.program.code == code)
            {
                self.sel = pos;
                self.offset = scroll(self.offset, pos, Self::height(env));
            }
        }
        Ok(())
    }

    fn update(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        if let Some((code, mut form)) = self.form.take() {
            let ev = form.handle(action);
            if matches!(ev, Event::Edited(_)) {
                live(&mut form, env, &code);
            }
            let out = match &ev {
                Event::Cancel => return Ok(Outcome::Done),
                Event::Invalid(m) => Outcome::Refused(m.clone()),
                Event::Submit => match submit(&form, &code) {
                    Some(r) => Outcome::Write(Write::Recovery(r)),
                    None => Outcome::Refused(i18n::work(env.lang).required.into()),
                },
                _ => Outcome::Done,
            };
            self.form = Some((code, form));
            return Ok(out);
        }
        let h = Self::height(env);
        if let Some(sel) = moved(action, self.sel, self.rows.len(), h) {
            self.sel = sel;
            self.offset = scroll(self.offset, self.sel, h);
            return Ok(Outcome::Done);
        }
        Ok(match action {
            Action::RecordRecovery => return self.start(env),
            Action::Open => match self.selected() {
                Some(c) => Outcome::Jump(
                    ScreenId::Programs,
                    Target::Program(c.figures.program.code.clone()),
                ),
                None => Outcome::Done,
            },
            _ => Outcome::Ignored,
        })
    }

    fn selection(&self) -> Option<String> {
        self.selected().map(|c| c.figures.program.code.clone())
    }

    fn hints(&self) -> Vec<Action> {
        if self.form.is_some() {
            return vec![Action::Back];
        }
        let role = self.role.unwrap_or(Role::Auditor);
        [Action::RecordRecovery, Action::Down, Action::Open]
            .into_iter()
            .filter(|a| permitted(role, *a))
            .collect()
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let (s, w, lang) = (cx.s, i18n::work(cx.lang), cx.lang);
        let [top, detail, bottom] = split(area);
        let flag_w = widest(
            [Rule::RecoverDue, Rule::Idle].map(|r| r.label(lang)),
            w.finding,
        );
        let cols = vec![
            Col::left(s.code, 8, 9),
            Col::flex(s.name, 10, 10),
            Col::left(s.department, 8, 2),
            Col::right(s.balance, 13, 9),
            Col::left(s.last_payment, 10, 5),
            Col::right(w.days_idle, width(w.days_idle).max(6) as u16, 6),
            Col::left(w.finding, flag_w, 8),
        ];
        let h = top.height.saturating_sub(3) as usize;
        let offset = scroll(self.offset, self.sel, h);
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .skip(offset)
            .take(h)
            .map(|c| {
                let p = &c.figures.program;
                vec![
                    Cell::new(p.code.clone()),
                    Cell::new(p.name.clone()),
                    Cell::new(p.department.clone()),
                    Cell::new(c.figures.balance.format(cx.unit)),
                    Cell::new(
                        c.figures
                            .last_paid
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "—".into()),
                    ),
                    Cell::new(
                        c.days_idle
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "—".into()),
                    ),
                    match c.flag {
                        Some(r) => Cell::styled(r.label(lang), flag_style(r)),
                        None => Cell::new("—"),
                    },
                ]
            })
            .collect();
        let flagged: Vec<&Candidate> = self.rows.iter().filter(|c| c.flag.is_some()).collect();
        let total: Money = flagged.iter().map(|c| c.figures.balance).sum();
        let due = match lang {
            Lang::Zh => format!(
                "{} 项应收回或闲置，合计 {}",
                flagged.len(),
                total.format(cx.unit)
            ),
            Lang::En => format!(
                "{} idle or due, {} in all",
                flagged.len(),
                total.format(cx.unit)
            ),
        };
        let title = format!(
            " {} · {due} · {} {} ",
            i18n::tab(ScreenId::Recovery, lang),
            self.rows.len(),
            s.rows
        );
        table::draw(
            f,
            top,
            Block::default().borders(Borders::ALL).title(title),
            &cols,
            None,
            &rows,
            self.rows.get(self.sel).map(|_| self.sel - offset),
            s.no_rows,
        );
        if let Some(c) = self.selected() {
            let fig = &c.figures;
            let mut parts = vec![format!("{} {}", fig.program.code, fig.program.name)];
            if !c.message.is_empty() {
                parts.push(c.message.clone());
            }
            parts.extend([
                format!("{} {}", s.budget, fig.budget.format(cx.unit)),
                format!("{} {}", s.paid, fig.paid.format(cx.unit)),
                format!("{} {}", s.recovered, fig.recovered.format(cx.unit)),
            ]);
            let style = match c.flag {
                Some(r) => flag_style(r),
                None => Style::default().fg(Color::Gray),
            };
            f.render_widget(
                Paragraph::new(Line::from(Span::styled(
                    truncate(&parts.join(" · "), detail.width as usize),
                    style,
                ))),
                detail,
            );
        }
        let reason_w = widest(Reason::ALL.iter().map(|r| r.label(lang)), s.reason);
        let history = self.selected_history();
        let mut hcols = vec![
            Col::left(s.date, 10, 9),
            Col::right(s.amount, 13, 9),
            Col::left(s.reason, reason_w, 8),
            Col::flex(s.doc_no, 10, 7),
            Col::flex(s.reallocated_to, 10, 6),
        ];
        // the enterprise of a clawback, when there is one
        if history.iter().any(|r| r.credit_code.is_some()) {
            hcols.push(Col::left(s.credit_code, 18, 3));
        }
        let hrows: Vec<Vec<Cell>> = history
            .into_iter()
            .rev()
            .take(bottom.height.saturating_sub(3) as usize)
            .map(|r| {
                vec![
                    Cell::new(r.date.to_string()),
                    Cell::new(r.amount.format(cx.unit)),
                    Cell::new(r.reason.label(lang)),
                    Cell::new(r.doc_no.clone()),
                    Cell::new(
                        r.reallocated_to
                            .as_deref()
                            .map(|t| self.name_of(t))
                            .unwrap_or_else(|| "—".into()),
                    ),
                    Cell::new(r.credit_code.clone().unwrap_or_default()),
                ]
            })
            .collect();
        let htitle = match self.selected() {
            Some(c) => format!(
                " {} · {} ",
                w.recovery_history,
                self.name_of(&c.figures.program.code)
            ),
            None => format!(" {} ", w.recovery_history),
        };
        table::draw(
            f,
            bottom,
            Block::default().borders(Borders::ALL).title(htitle),
            &hcols,
            None,
            &hrows,
            None,
            s.no_rows,
        );
        if let Some((_, form)) = &self.form {
            form.render(f, area);
        }
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use crate::tui::writes::WriteCx;
    use zhida_core::config::CheckConfig;
    use zhida_core::repo::figures::program_figures;
    use zhida_core::users::Actor;

    fn on_recovery(user: &str) -> App {
        let mut a = app(user);
        go(&mut a, ScreenId::Recovery);
        a
    }

    fn screen(a: &App) -> &Recovery {
        a.screen()
            .as_any()
            .and_then(|s| s.downcast_ref::<Recovery>())
            .unwrap()
    }

    fn codes(a: &App) -> Vec<String> {
        screen(a)
            .rows
            .iter()
            .map(|c| c.figures.program.code.clone())
            .collect()
    }

    fn line_with(text: &str, needle: &str) -> String {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_default()
            .to_string()
    }

    fn recoveries(a: &App) -> i64 {
        count(&a.conn, "SELECT count(*) FROM recovery")
    }

    fn balance(a: &App, code: &str) -> Money {
        program_figures(&a.conn, d("2025-05-31"))
            .unwrap()
            .into_iter()
            .find(|f| f.program.code == code)
            .unwrap()
            .balance
    }

    /// Open the form on the selected program and walk it: replace the amount (None keeps
    /// the balance), Space `reason` times on the reason, type the credit code and the
    /// document number, Space `to` times on the reallocation, then Enter on the note.
    fn fill(a: &mut App, amount: Option<&str>, reason: usize, code: &str, doc: &str, to: usize) {
        a.update(Action::RecordRecovery);
        if let Some(m) = amount {
            for _ in 0..20 {
                a.update(Action::Backspace);
            }
            typ(a, m);
        }
        a.update(Action::Open);
        a.update(Action::Open);
        for _ in 0..reason {
            a.update(Action::Char(' '));
        }
        a.update(Action::Open);
        typ(a, code);
        a.update(Action::Open);
        typ(a, doc);
        a.update(Action::Open);
        for _ in 0..to {
            a.update(Action::Char(' '));
        }
        a.update(Action::Open);
        a.update(Action::Open);
    }

    #[test]
    fn candidates_come_first_with_balance_last_payment_days_idle_and_flag() {
        let mut a = on_recovery("小李");
        // as of 2025-05-31: CY2024 ended 2024-12-31 (RECOVER_DUE); WG2025 paid 59 days
        // ago and KJ2025 80 days ago: not idle, listed by balance
        assert_eq!(codes(&a), ["CY2024", "WG2025", "KJ2025"]);
        assert_eq!(a.screen().selection().as_deref(), Some("CY2024"));
        let text = render(&mut a, 120, 30);
        let cy = line_with(&text, "CY2024");
        for want in [
            "创业担保贷款贴息",
            "财政局",
            "240,000.00",
            "2024-03-15",
            "442",
            "应收回",
        ] {
            assert!(cy.contains(want), "{want} in {cy}");
        }
        assert!(text.contains("1 项应收回或闲置，合计 240,000.00"), "{text}");
        assert!(text.contains("项目已于 2024-12-31 到期，结余 240,000.00 元应收回"));
        // a month later KJ2025 has been idle 110 days (IDLE); WG2025 89 days is not
        a.update(Action::MonthForward);
        assert_eq!(codes(&a), ["CY2024", "KJ2025", "WG2025"]);
        let text = render(&mut a, 120, 30);
        let kj = line_with(&text, "KJ2025");
        assert!(kj.contains("110") && kj.contains("资金闲置"), "{kj}");
        let wg = line_with(&text, "WG2025");
        assert!(wg.contains("89") && !wg.contains("闲置"), "{wg}");
        // exactly the programs `zhida check` flags, with the same configuration
        let flagged: Vec<(String, Rule)> = screen(&a)
            .rows
            .iter()
            .filter_map(|c| c.flag.map(|f| (c.figures.program.code.clone(), f)))
            .collect();
        let checks = zhida_core::checks::run_checks(
            &a.conn,
            d("2025-06-30"),
            &CheckConfig::default(),
            Lang::Zh,
            &Default::default(),
        )
        .unwrap();
        let mut found: Vec<(String, Rule)> = checks
            .into_iter()
            .filter(|f| matches!(f.rule, Rule::Idle | Rule::RecoverDue))
            .map(|f| (f.program, f.rule))
            .collect();
        found.sort_by_key(|(_, r)| *r != Rule::RecoverDue);
        assert_eq!(flagged, found);
    }

    #[test]
    fn record_the_whole_balance_and_reallocate_it_then_the_figures_update_at_once() {
        let mut a = on_recovery("小李");
        let audit = count(&a.conn, "SELECT count(*) FROM audit_log");
        a.update(Action::RecordRecovery);
        let text = render(&mut a, 100, 30);
        assert!(
            text.contains("登记收回 · CY2024 创业担保贷款贴息"),
            "{text}"
        );
        assert!(
            line_with(&text, "金额").contains("240,000.00"),
            "the amount defaults to the balance:\n{text}"
        );
        assert!(
            text.contains("结余 240,000.00（截至 2025-05-31）"),
            "{text}"
        );
        assert!(text.contains("◀ 到期 ▶"), "an ended program: 到期\n{text}");
        a.update(Action::Back);
        // programs by code: CY2024 (this one, not offered), KJ2025, WG2025
        fill(&mut a, None, 0, "", "元财收〔2025〕5号", 1);
        let text = render(&mut a, 100, 30);
        assert!(
            text.contains("收回 CY2024 240,000.00 元（到期），统筹至 KJ2025")
                && text.contains("确认保存"),
            "{text}"
        );
        assert_eq!(recoveries(&a), 0, "nothing before y");
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert_eq!(
            a.status.text,
            "已登记收回 CY2024 240,000.00 元，统筹至 KJ2025"
        );
        assert!(!a.screen().text_input(), "form closed");
        let cy = zhida_core::repo::write::program_id(&a.conn, "CY2024").unwrap();
        let r = listing::recoveries_of(&a.conn, cy).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].amount, r[0].reason, r[0].date, r[0].doc_no.as_str()),
            (
                Money(240_000_00),
                Reason::Expired,
                d(TODAY),
                "元财收〔2025〕5号"
            )
        );
        assert_eq!(r[0].reallocated_to.as_deref(), Some("KJ2025"));
        assert_eq!(r[0].credit_code, None);
        assert_eq!(balance(&a, "CY2024"), Money::ZERO);
        assert_eq!(balance(&a, "KJ2025"), Money(320_000_00));
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM audit_log WHERE user = '小李' AND tbl = 'recovery'"
            ),
            1
        );
        assert_eq!(count(&a.conn, "SELECT count(*) FROM audit_log"), audit + 1);
        // on screen at once: CY2024 stays selected with balance 0 and its recovery below;
        // KJ2025 holds the money now
        assert_eq!(a.screen().selection().as_deref(), Some("CY2024"));
        let text = render(&mut a, 120, 30);
        let row = line_with(&text, "CY2024   创业");
        assert!(
            row.contains("0.00") && !row.contains("240,000.00") && !row.contains("应收回"),
            "{row}"
        );
        let hist = line_with(&text, "元财收〔2025〕5号");
        assert!(
            hist.contains("2025-05-31")
                && hist.contains("240,000.00")
                && hist.contains("到期")
                && hist.contains("KJ2025 科技创新券"),
            "{text}"
        );
        assert!(line_with(&text, "KJ2025").contains("320,000.00"), "{text}");
        assert!(text.contains("0 项应收回或闲置"), "{text}");
        // and on 项目 (the figures other screens share were recomputed)
        go(&mut a, ScreenId::Programs);
        let text = render(&mut a, 120, 30);
        assert!(line_with(&text, "KJ2025").contains("440,000.00"), "{text}");
        // nothing left to recover
        go(&mut a, ScreenId::Recovery);
        select(&mut a, "CY2024");
        a.update(Action::RecordRecovery);
        assert!(
            a.status.error && a.status.text.contains("没有结余"),
            "{}",
            a.status.text
        );
        assert!(!a.screen().text_input());
    }

    #[test]
    fn part_of_the_balance_in_wan_returned_without_reallocation() {
        let mut a = on_recovery("王科长");
        select(&mut a, "KJ2025");
        fill(&mut a, Some("1.5万"), 0, "", "元财收〔2025〕6号", 0);
        assert!(render(&mut a, 100, 30).contains("收回 KJ2025 15,000.00 元（闲置），不统筹"));
        a.update(Action::Open);
        assert_eq!(a.status.text, "已登记收回 KJ2025 15,000.00 元");
        assert_eq!(balance(&a, "KJ2025"), Money(65_000_00));
        assert_eq!(
            count(&a.conn, "SELECT count(*) FROM allocation"),
            3,
            "no reallocation, no allocation"
        );
    }

    #[test]
    fn more_than_the_balance_is_refused_live_and_on_enter() {
        let mut a = on_recovery("小李");
        fill(&mut a, Some("25万"), 0, "", "元财收〔2025〕5号", 0);
        assert!(a.status.error);
        assert!(
            a.status.text.starts_with("金额: 超过结余 240,000.00 元"),
            "{}",
            a.status.text
        );
        assert_eq!(
            screen(&a).form.as_ref().unwrap().1.focus,
            0,
            "back on the amount"
        );
        assert!(render(&mut a, 100, 30).contains("✗ 超过结余 240,000.00 元"));
        assert_eq!(recoveries(&a), 0);
        // the balance as of the date counts: nothing was allocated to CY2024 before 2024-02-01
        for _ in 0..20 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "100");
        a.update(Action::Down);
        for _ in 0..10 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "2024-01-31");
        let text = render(&mut a, 100, 30);
        assert!(text.contains("✗ 超过结余 0.00 元"), "{text}");
    }

    #[test]
    fn a_bad_amount_or_a_missing_document_number_is_refused() {
        let mut a = on_recovery("小李");
        fill(&mut a, Some("1.234"), 0, "", "元财收〔2025〕5号", 0);
        assert!(
            a.status.error && a.status.text.starts_with("金额"),
            "{}",
            a.status.text
        );
        assert!(render(&mut a, 100, 30).contains("✗"), "shown in the form");
        a.update(Action::Back);
        fill(&mut a, Some("0"), 0, "", "元财收〔2025〕5号", 0);
        assert!(
            a.status.text.contains("金额必须大于零"),
            "{}",
            a.status.text
        );
        a.update(Action::Back);
        fill(&mut a, None, 0, "", "", 0);
        assert!(a.status.error);
        assert_eq!(a.status.text, "文号: 必填");
        assert_eq!(
            screen(&a).form.as_ref().unwrap().1.focus,
            4,
            "on the document number"
        );
        assert_eq!(recoveries(&a), 0);
    }

    #[test]
    fn a_clawback_needs_a_valid_registered_credit_code_and_only_a_clawback_has_one() {
        let mut a = on_recovery("小李");
        // reasons: 闲置 到期 绩效 追回; CY2024 starts on 到期, two Spaces make 追回
        fill(&mut a, Some("6000"), 2, "", "元财收〔2025〕7号", 0);
        assert!(a.status.error);
        assert_eq!(
            a.status.text,
            "统一社会信用代码: 追回须填写企业统一社会信用代码"
        );
        typ(&mut a, "91530428MA6K1GJ0Z");
        assert!(render(&mut a, 100, 30).contains("✗"), "bad check digit");
        for _ in 0..18 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "91530428MA6K999990");
        let text = render(&mut a, 100, 30);
        assert!(text.contains("✗") || text.contains("企业未登记"), "{text}");
        for _ in 0..18 {
            a.update(Action::Backspace);
        }
        typ(&mut a, &gz().as_str().to_lowercase());
        assert!(render(&mut a, 100, 30).contains("元江县澧江街道甘蔗种植合作社"));
        // a credit code on anything but a clawback is refused
        a.update(Action::Up);
        a.update(Action::Backspace); // back to 绩效
        a.update(Action::Down);
        assert!(render(&mut a, 120, 30).contains("只有追回才填写企业"));
        a.update(Action::Up);
        a.update(Action::Char(' ')); // 追回 again
        for _ in 0..5 {
            a.update(Action::Open);
        }
        assert!(render(&mut a, 100, 30).contains("确认保存"));
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let cy = zhida_core::repo::write::program_id(&a.conn, "CY2024").unwrap();
        let r = listing::recoveries_of(&a.conn, cy).unwrap();
        assert_eq!(
            (r[0].reason, r[0].credit_code.clone(), r[0].amount),
            (Reason::Clawback, Some(gz().to_string()), Money(6_000_00))
        );
        let text = render(&mut a, 120, 30);
        assert!(
            line_with(&text, "元财收〔2025〕7号").contains(gz().as_str()),
            "{text}"
        );
    }

    #[test]
    fn the_auditor_is_refused_on_screen_and_by_the_domain() {
        let mut a = on_recovery("审计赵");
        a.update(Action::RecordRecovery);
        assert!(
            a.status.error && a.status.text.contains("审计角色只读"),
            "{}",
            a.status.text
        );
        assert!(!a.screen().text_input());
        assert!(!a.screen().hints().contains(&Action::RecordRecovery));
        assert!(a.screen().hints().contains(&Action::Down));
        // were the screen to ask anyway, the domain refuses and writes nothing
        let auditor = Actor::load(&a.conn, "审计赵").unwrap();
        let w = Write::Recovery(NewRecovery {
            program_code: "CY2024".into(),
            date: d(TODAY),
            amount: Money(1_00),
            reason: Reason::Expired,
            doc_no: "元财收〔2025〕5号".into(),
            credit_code: None,
            reallocated_to: None,
            note: String::new(),
        });
        let cx = WriteCx {
            actor: &auditor,
            lang: Lang::Zh,
            checks: &CheckConfig::default(),
        };
        let e = w.run(&mut a.conn, &cx).unwrap_err().to_string();
        assert!(e.contains("只读"), "{e}");
        assert_eq!(recoveries(&a), 0);
    }

    fn close_may(conn: &rusqlite::Connection) {
        conn.execute(
            "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-05', '王科长', '2025-06-05T09:00:00')",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_closed_month_is_refused_in_the_form_and_by_the_domain() {
        let conn = ledger();
        close_may(&conn);
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Recovery);
        fill(&mut a, None, 0, "", "元财收〔2025〕5号", 0);
        assert!(a.status.error);
        assert_eq!(a.status.text, "日期: 该月已结账，不能录入 (2025-05)");
        assert!(render(&mut a, 100, 30).contains("✗ 该月已结账，不能录入 (2025-05)"));
        for _ in 0..10 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "2025年6月2日");
        for _ in 0..6 {
            a.update(Action::Open);
        }
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert_eq!(recoveries(&a), 1, "June is open");

        // the month closes while the confirmation is showing: the domain refuses
        let mut a = on_recovery("小李");
        fill(&mut a, Some("100"), 0, "", "元财收〔2025〕5号", 0);
        assert!(a.screen().text_input() && screen(&a).form.as_ref().unwrap().1.confirming);
        close_may(&a.conn);
        a.update(Action::Char('y'));
        assert!(a.status.error);
        assert!(
            a.status.text.contains("2025-05 月已结账"),
            "{}",
            a.status.text
        );
        assert_eq!(recoveries(&a), 0);
        assert!(
            a.screen().text_input(),
            "the form stays open for correction"
        );
    }

    #[test]
    fn the_default_date_skips_a_closed_as_of_month() {
        let conn = ledger();
        conn.execute(
            "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-04', '王科长', '2025-05-05T09:00:00')",
            [],
        )
        .unwrap();
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Recovery);
        a.update(Action::MonthBack);
        a.update(Action::RecordRecovery);
        let f = &screen(&a).form.as_ref().unwrap().1;
        assert_eq!(
            f.date("date"),
            Some(d(TODAY)),
            "April is closed: today instead"
        );
        assert_eq!(f.field("date").unwrap().error, None);
    }

    #[test]
    fn enter_opens_the_program_and_esc_closes_the_form() {
        let mut a = on_recovery("小李");
        a.update(Action::RecordRecovery);
        assert!(a.screen().dirty());
        a.update(Action::Back);
        assert!(!a.screen().text_input() && !a.screen().dirty());
        select(&mut a, "KJ2025");
        a.update(Action::Open);
        assert_eq!(a.screen_id(), ScreenId::Programs);
        assert_eq!(a.screen().selection().as_deref(), Some("KJ2025"));
    }

    #[test]
    fn snapshots() {
        let mut a = on_recovery("小李");
        a.update(Action::MonthForward);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("recovery_{w}x{h}"), render(&mut a, w, h));
        }
        fill(&mut a, Some("25万"), 0, "", "", 1);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("recovery_form_error_{w}x{h}"), render(&mut a, w, h));
        }
        let mut a = app_on(ledger(), "小李", Lang::En);
        go(&mut a, ScreenId::Recovery);
        a.update(Action::MonthForward);
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("recovery_en_{w}x{h}"), render(&mut a, w, h));
        }
    }
}
