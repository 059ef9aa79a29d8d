//! 4 拨付 Disbursements: the register (keyset-paged, filtered by status, program, month
//! and enterprise with `/`) and the life cycle: `n` new (form validated as you type, with
//! the enterprise's headroom for the program and year — cap, once per year, exclusive
//! group, the program's money — and whether it can still receive the amount, from
//! `enterprise_file::verdict`), `a` approve (a supervisor other than
//! the one who entered it), `p` mark paid, `x` reject with a reason, `v` reverse a paid row.
//! Every action asks first; every refusal says why in the status line; the writes go
//! through `zhida_core::ledger` (one audited transaction each).

use chrono::NaiveDate;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use zhida_core::dates::Month;
use zhida_core::enterprise_file;
use zhida_core::ledger::{self, DisbursementInput};
use zhida_core::model::{Disbursement, ProgramStatus, Role, Status};
use zhida_core::repo::listing::DisbFilter;
use zhida_core::repo::lookup;
use zhida_core::{Error, Lang, Money};

use super::fmt::status_style;
use super::{Cx, Env, Outcome, Screen, Target};
use crate::tui::action::{Action, ScreenId};
use crate::tui::form::{Choice, Confirm, Field, Form, Kind};
use crate::tui::i18n;
use crate::tui::keymap::Scope;
use crate::tui::pager::Pager;
use crate::tui::table::{self, scroll, Cell, Col};
use crate::tui::text::truncate;
use crate::tui::writes::{permitted, refusal, Write};

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    New,
    Reject(String),
    Reverse(String),
    Filter,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Modal {
    #[default]
    None,
    Form(FormKind, Form),
    Confirm(Write, Confirm),
}

/// A program as the form and the filter offer it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Disbursements {
    pub pager: Pager,
    pub modal: Modal,
    pub role: Option<Role>,
    pub user: String,
    pub programs: Vec<ProgramChoice>,
    /// labels of the active filter (program code, enterprise name) for the title
    pub program_label: Option<String>,
    pub enterprise_label: Option<String>,
    /// the voucher just written: selected once the register reloads
    show_next: Option<String>,
    loaded: bool,
}

/// The default date of a new row: today if it lies in the as-of month, else that month's
/// last day.
pub fn default_date(env: &Env) -> NaiveDate {
    if Month::of(env.today) == env.month {
        env.today
    } else {
        env.month.last_day()
    }
}

fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    lang.pick(zh, en)
}

impl Disbursements {
    fn height(env: &Env) -> usize {
        // body minus border (2), header (1) and the detail line (1)
        (env.body_rows as usize).saturating_sub(4).max(1)
    }

    pub fn selected(&self) -> Option<&Disbursement> {
        self.pager.selected()
    }

    fn role(&self) -> Role {
        self.role.unwrap_or(Role::Auditor)
    }

    fn new_form(&self, env: &Env) -> Form {
        let s = i18n::strings(env.lang);
        let w = i18n::work(env.lang);
        let options: Vec<Choice> = self
            .programs
            .iter()
            .filter(|p| p.active)
            .map(|p| Choice {
                value: p.code.clone(),
                label: format!("{} {}", p.code, p.name),
            })
            .collect();
        let mut form = Form::new(
            w.new_disbursement,
            vec![
                Field::new("voucher", s.voucher, Kind::Text { required: true }, ""),
                Field::new(
                    "program",
                    s.program,
                    Kind::Choice {
                        options,
                        selected: 0,
                    },
                    "",
                ),
                Field::new("code", s.credit_code, Kind::CreditCode, ""),
                Field::new("amount", s.amount, Kind::Money, ""),
                Field::new("date", s.date, Kind::Date, &default_date(env).to_string()),
                Field::new("note", w.note, Kind::Text { required: false }, ""),
            ],
            env.lang,
        );
        live_new(&mut form, env);
        form
    }

    fn filter_form(&self, env: &Env) -> Form {
        let s = i18n::strings(env.lang);
        let w = i18n::work(env.lang);
        let f = &self.pager.filter;
        let mut statuses = vec![Choice {
            value: String::new(),
            label: w.all.to_string(),
        }];
        statuses.extend(
            [
                Status::Pending,
                Status::Approved,
                Status::Paid,
                Status::Rejected,
            ]
            .iter()
            .map(|st| Choice {
                value: st.as_str().to_string(),
                label: st.label(env.lang).to_string(),
            }),
        );
        let status_sel = f
            .status
            .and_then(|st| statuses.iter().position(|c| c.value == st.as_str()))
            .unwrap_or(0);
        let mut programs = vec![Choice {
            value: String::new(),
            label: w.all.to_string(),
        }];
        programs.extend(self.programs.iter().map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{} {}", p.code, p.name),
        }));
        let program_sel = f
            .program_id
            .and_then(|id| programs.iter().position(|c| c.value == id.to_string()))
            .unwrap_or(0);
        let mut form = Form::new(
            w.filter_title,
            vec![
                Field::new(
                    "status",
                    s.status,
                    Kind::Choice {
                        options: statuses,
                        selected: status_sel,
                    },
                    "",
                ),
                Field::new(
                    "program",
                    s.program,
                    Kind::Choice {
                        options: programs,
                        selected: program_sel,
                    },
                    "",
                ),
                Field::new(
                    "month",
                    w.month,
                    Kind::Text { required: false },
                    &f.month.map(|m| m.to_string()).unwrap_or_default(),
                ),
                Field::new(
                    "enterprise",
                    s.enterprise,
                    Kind::Text { required: false },
                    self.enterprise_label.as_deref().unwrap_or(""),
                ),
            ],
            env.lang,
        );
        if let Some(fl) = form.field_mut("month") {
            fl.note = Some(w.month_hint.to_string());
        }
        if let Some(fl) = form.field_mut("enterprise") {
            fl.note = Some(w.enterprise_hint.to_string());
        }
        form
    }

    fn apply_filter(&mut self, form: &Form, env: &Env) -> Result<Outcome, Error> {
        let status = Status::parse(&form.text("status"));
        let program_id: Option<i64> = form.text("program").parse().ok();
        let month_text = form.text("month");
        let month = if month_text.is_empty() {
            None
        } else {
            Some(Month::parse(&month_text)?)
        };
        let q = form.text("enterprise");
        let enterprise = if q.is_empty() {
            None
        } else {
            match lookup::find_enterprises(env.conn, &q, 1)?
                .into_iter()
                .next()
            {
                Some(e) => Some(e),
                None => {
                    return Ok(Outcome::Refused(format!(
                        "{}: {q}",
                        i18n::strings(env.lang).lookup_none
                    )))
                }
            }
        };
        self.program_label = program_id.and_then(|id| {
            self.programs
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.code.clone())
        });
        self.enterprise_label = enterprise.as_ref().map(|e| e.name.clone());
        self.pager = Pager::new(DisbFilter {
            program_id,
            enterprise_id: enterprise.map(|e| e.id),
            status,
            month,
            until: None,
        });
        self.pager.last(env.conn, Self::height(env))?;
        self.modal = Modal::None;
        Ok(Outcome::Done)
    }

    /// Open a form or a confirmation for one of the life-cycle keys, or say why not.
    fn start(&mut self, action: Action, env: &Env) -> Result<Outcome, Error> {
        let lang = env.lang;
        let role = self.role();
        if !permitted(role, action) {
            return Ok(Outcome::Refused(refusal(role, action, lang)));
        }
        if action == Action::New {
            if !self.programs.iter().any(|p| p.active) {
                return Ok(Outcome::Refused(
                    pick(
                        lang,
                        "没有执行中的项目，不能新增拨付",
                        "no active program to pay from",
                    )
                    .into(),
                ));
            }
            self.modal = Modal::Form(FormKind::New, self.new_form(env));
            return Ok(Outcome::Done);
        }
        let Some(d) = self.selected().cloned() else {
            return Ok(Outcome::Refused(i18n::work(lang).none_selected.into()));
        };
        let v = d.voucher_no.clone();
        let needs = |allowed: &[Status], zh: &str, en: &str| -> Option<String> {
            if allowed.contains(&d.status) {
                return None;
            }
            let names: Vec<&str> = allowed.iter().map(|s| s.label(lang)).collect();
            Some(match lang {
                Lang::Zh => format!(
                    "凭证 {v} 状态为{}，只有{}的凭证才能{zh}",
                    d.status.label(lang),
                    names.join("/")
                ),
                Lang::En => format!(
                    "voucher {v} is {}; only {} rows can be {en}",
                    d.status.label(lang),
                    names.join("/")
                ),
            })
        };
        let what = format!("{v} · {} · {}", d.enterprise_name, d.amount.format_yuan());
        match action {
            Action::Approve => {
                if let Some(m) = needs(&[Status::Pending], "复核", "approved") {
                    return Ok(Outcome::Refused(m));
                }
                if d.entered_by == self.user {
                    return Ok(Outcome::Refused(match lang {
                        Lang::Zh => format!(
                            "凭证 {v} 由 {} 录入，不能由本人复核（经办与复核须为不同人）",
                            d.entered_by
                        ),
                        Lang::En => format!(
                            "{} entered voucher {v} and cannot approve it (maker-checker)",
                            d.entered_by
                        ),
                    }));
                }
                self.modal = Modal::Confirm(
                    Write::Approve(v),
                    Confirm {
                        question: format!("{}: {what}", pick(lang, "复核通过", "Approve")),
                    },
                );
            }
            Action::Pay => {
                if let Some(m) = needs(&[Status::Approved], "标记已拨付", "marked paid") {
                    return Ok(Outcome::Refused(m));
                }
                self.modal = Modal::Confirm(
                    Write::Pay(v),
                    Confirm {
                        question: format!("{}: {what}", pick(lang, "标记已拨付", "Mark paid")),
                    },
                );
            }
            Action::Reject => {
                if let Some(m) = needs(&[Status::Pending, Status::Approved], "退回", "rejected") {
                    return Ok(Outcome::Refused(m));
                }
                let w = i18n::work(lang);
                let mut form = Form::new(
                    &format!("{} {v}", w.reject_title),
                    vec![Field::new(
                        "reason",
                        i18n::strings(lang).reason,
                        Kind::Text { required: true },
                        "",
                    )],
                    lang,
                );
                form.summary = what;
                self.modal = Modal::Form(FormKind::Reject(v), form);
            }
            Action::Reverse => {
                if let Some(m) = needs(&[Status::Paid], "冲销", "reversed") {
                    return Ok(Outcome::Refused(m));
                }
                if let Some(orig) = &d.reverses {
                    return Ok(Outcome::Refused(match lang {
                        Lang::Zh => format!("凭证 {v} 本身是对 {orig} 的冲销，不能再冲销"),
                        Lang::En => format!("voucher {v} reverses {orig} and cannot be reversed"),
                    }));
                }
                let w = i18n::work(lang);
                let s = i18n::strings(lang);
                let date = default_date(env).max(d.date);
                let mut form = Form::new(
                    &format!("{} {v}", w.reverse_title),
                    vec![
                        Field::new("date", s.date, Kind::Date, &date.to_string()),
                        Field::new(
                            "voucher",
                            w.reversal_voucher,
                            Kind::Text { required: true },
                            &format!("{v}-CX"),
                        ),
                        Field::new("note", w.note, Kind::Text { required: false }, ""),
                    ],
                    lang,
                );
                form.summary = format!("{}: {what} → -{}", w.reverses, d.amount.format_yuan());
                self.modal = Modal::Form(FormKind::Reverse(v), form);
            }
            _ => return Ok(Outcome::Ignored),
        }
        Ok(Outcome::Done)
    }

    fn submit(&mut self, kind: &FormKind, form: &Form, env: &Env) -> Result<Outcome, Error> {
        Ok(match kind {
            FormKind::Filter => return self.apply_filter(form, env),
            FormKind::New => {
                let (Some(amount), Some(date), Some(code)) = (
                    form.money("amount"),
                    form.date("date"),
                    form.credit_code("code"),
                ) else {
                    return Ok(Outcome::Refused(i18n::work(env.lang).required.into()));
                };
                Outcome::Write(Write::NewDisbursement(DisbursementInput {
                    voucher_no: form.text("voucher"),
                    program_code: form.text("program"),
                    credit_code: code.to_string(),
                    amount,
                    date,
                    note: form.text("note"),
                }))
            }
            FormKind::Reject(v) => Outcome::Write(Write::Reject {
                voucher: v.clone(),
                reason: form.text("reason"),
            }),
            FormKind::Reverse(v) => {
                let Some(date) = form.date("date") else {
                    return Ok(Outcome::Refused(i18n::work(env.lang).required.into()));
                };
                Outcome::Write(Write::Reverse {
                    voucher: v.clone(),
                    date,
                    new_voucher: form.text("voucher"),
                    note: form.text("note"),
                })
            }
        })
    }
}

/// The live checks of the new-disbursement form that need the database: the enterprise
/// behind the code, a voucher already used, a closed month, and the cap / balance left.
pub fn live_new(form: &mut Form, env: &Env) {
    let lang = env.lang;
    let w = i18n::work(lang);
    let conn = env.conn;
    let voucher = form.text("voucher");
    if !voucher.is_empty() {
        let taken = lookup::disbursement_by_voucher(conn, &voucher)
            .ok()
            .flatten()
            .is_some();
        if let Some(f) = form.field_mut("voucher") {
            f.error = taken.then(|| w.voucher_taken.to_string());
        }
    }
    let code = form.credit_code("code");
    if let Some(c) = &code {
        let e = lookup::enterprise_by_code(conn, c.as_str()).ok().flatten();
        if let Some(f) = form.field_mut("code") {
            match e {
                Some(e) => {
                    f.note = Some(e.name);
                    f.error = None;
                }
                None => {
                    f.note = None;
                    f.error = Some(w.unknown_enterprise.to_string());
                }
            }
        }
    } else if let Some(f) = form.field_mut("code") {
        f.note = None;
    }
    let date = form.date("date");
    if let Some(d) = date {
        let closed = matches!(ledger::ensure_open(conn, d), Err(Error::ClosedMonth(_)));
        if let Some(f) = form.field_mut("date") {
            f.error = closed.then(|| format!("{} ({})", w.month_closed, Month::of(d)));
        }
    }
    form.warnings.clear();
    form.info.clear();
    if let Some(f) = form.field_mut("amount") {
        f.note = None;
    }
    let program = form.text("program");
    let (Some(code), Some(date)) = (code, date) else {
        return;
    };
    if program.is_empty() {
        return;
    }
    // can this enterprise still receive it? The headroom for (enterprise, program, year)
    // is shown as soon as the three are known; the amount adds its own checks and the
    // conclusion. Warnings, not refusals: the month-end checks judge.
    let amount = form.money("amount").filter(|m| m.0 > 0);
    let input = DisbursementInput {
        voucher_no: form.text("voucher"),
        program_code: program,
        credit_code: code.to_string(),
        amount: amount.unwrap_or(Money::ZERO),
        date,
        note: String::new(),
    };
    let Ok(v) = enterprise_file::verdict(conn, &input) else {
        return;
    };
    form.info = v
        .lines(lang)
        .into_iter()
        .map(|l| (l, Color::Gray))
        .collect();
    if amount.is_some() {
        let colour = if v.can_receive() {
            Color::Green
        } else {
            Color::Red
        };
        form.info.push((v.conclusion(lang), colour));
    }
    form.warnings = v.reasons.iter().map(|w| w.message(lang)).collect();
}

impl Screen for Disbursements {
    fn id(&self) -> ScreenId {
        ScreenId::Disbursements
    }

    fn loads_alone(&self) -> bool {
        true
    }

    fn scope(&self) -> Option<Scope> {
        Some(Scope::Disbursements)
    }

    fn text_input(&self) -> bool {
        !matches!(self.modal, Modal::None)
    }

    fn dirty(&self) -> bool {
        matches!(
            self.modal,
            Modal::Form(
                FormKind::New | FormKind::Reject(_) | FormKind::Reverse(_),
                _
            )
        )
    }

    fn refresh(&mut self, env: &Env) -> Result<(), Error> {
        self.role = Some(env.actor.role);
        self.user = env.actor.user.clone();
        self.programs = env
            .program_figures()?
            .iter()
            .map(|f| ProgramChoice {
                id: f.program.id,
                code: f.program.code.clone(),
                name: f.program.name.clone(),
                active: f.program.status == ProgramStatus::Active,
            })
            .collect();
        if let Some(v) = self.show_next.take() {
            self.pager.last(env.conn, Self::height(env))?;
            if let Some(pos) = self.pager.rows.iter().position(|r| r.voucher_no == v) {
                self.pager.sel = pos;
                self.pager.offset = scroll(self.pager.offset, pos, Self::height(env));
            }
        } else if self.loaded {
            self.pager.refresh(env.conn)?;
        } else {
            self.loaded = true;
            self.pager.last(env.conn, Self::height(env))?;
        }
        Ok(())
    }

    fn written(&mut self, ok: bool) {
        if ok {
            if let Modal::Form(FormKind::New | FormKind::Reverse(_), form) = &self.modal {
                self.show_next = Some(form.text("voucher"));
            }
        }
        match &mut self.modal {
            _ if ok => self.modal = Modal::None,
            Modal::Form(_, form) => form.confirming = false,
            _ => self.modal = Modal::None,
        }
    }

    fn focus(&mut self, target: &Target, env: &Env) -> Result<(), Error> {
        let v = match target {
            Target::Voucher(v) => v,
            Target::Program(code) => {
                let p = self.programs.iter().find(|p| &p.code == code).cloned();
                self.program_label = p.as_ref().map(|p| p.code.clone());
                self.enterprise_label = None;
                self.pager = Pager::new(DisbFilter {
                    program_id: p.map(|p| p.id),
                    ..DisbFilter::default()
                });
                self.loaded = true;
                return self.pager.last(env.conn, Self::height(env));
            }
            Target::Enterprise(code) => {
                let ent = lookup::enterprise_by_code(env.conn, code)?;
                self.enterprise_label = ent.as_ref().map(|e| e.name.clone());
                self.program_label = None;
                self.pager = Pager::new(DisbFilter {
                    enterprise_id: ent.map(|e| e.id),
                    ..DisbFilter::default()
                });
                self.loaded = true;
                return self.pager.last(env.conn, Self::height(env));
            }
        };
        let Some(d) = lookup::disbursement_by_voucher(env.conn, v)? else {
            return Ok(());
        };
        let ent = lookup::enterprise_by_code(env.conn, &d.credit_code)?;
        self.enterprise_label = ent.as_ref().map(|e| e.name.clone());
        self.program_label = None;
        self.pager = Pager::new(DisbFilter {
            enterprise_id: ent.map(|e| e.id),
            ..DisbFilter::default()
        });
        self.pager.first(env.conn)?;
        match self
            .pager
            .rows
            .iter()
            .position(|r| r.voucher_no == d.voucher_no)
        {
            Some(pos) => {
                self.pager.sel = pos;
                self.pager.offset = scroll(0, pos, Self::height(env));
            }
            // beyond the first page of this enterprise's rows
            None => self.pager.start_at(env.conn, &d)?,
        }
        self.loaded = true;
        Ok(())
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
            Modal::Form(kind, mut form) => {
                use crate::tui::form::Event;
                let ev = form.handle(action);
                if matches!(ev, Event::Edited(_)) && kind == FormKind::New {
                    live_new(&mut form, env);
                }
                if let (Event::Edited(_), FormKind::Filter) = (&ev, &kind) {
                    let m = form.text("month");
                    let bad = !m.is_empty() && Month::parse(&m).is_err();
                    if let Some(f) = form.field_mut("month") {
                        f.error = bad.then(|| i18n::work(env.lang).month_hint.to_string());
                    }
                }
                return Ok(match ev {
                    Event::Cancel => Outcome::Done,
                    Event::Submit => {
                        let out = self.submit(&kind, &form, env)?;
                        if kind != FormKind::Filter {
                            self.modal = Modal::Form(kind, form);
                        }
                        out
                    }
                    Event::Confirming if kind == FormKind::Filter => {
                        self.apply_filter(&form, env)?
                    }
                    Event::Invalid(m) => {
                        self.modal = Modal::Form(kind, form);
                        Outcome::Refused(m)
                    }
                    _ => {
                        self.modal = Modal::Form(kind, form);
                        Outcome::Done
                    }
                });
            }
        }
        let h = Self::height(env);
        match action {
            Action::New | Action::Approve | Action::Pay | Action::Reject | Action::Reverse => {
                return self.start(action, env)
            }
            Action::Filter => {
                self.modal = Modal::Form(FormKind::Filter, self.filter_form(env));
            }
            Action::Down => self.pager.move_by(env.conn, 1, h)?,
            Action::Up => self.pager.move_by(env.conn, -1, h)?,
            Action::PageDown => self.pager.move_by(env.conn, h as isize, h)?,
            Action::PageUp => self.pager.move_by(env.conn, -(h as isize), h)?,
            Action::Top => self.pager.first(env.conn)?,
            Action::Bottom => self.pager.last(env.conn, h)?,
            Action::Back if self.pager.filter != DisbFilter::default() => {
                self.pager = Pager::new(DisbFilter::default());
                self.program_label = None;
                self.enterprise_label = None;
                self.pager.last(env.conn, h)?;
            }
            _ => return Ok(Outcome::Ignored),
        }
        Ok(Outcome::Done)
    }

    fn selection(&self) -> Option<String> {
        self.selected().map(|d| d.voucher_no.clone())
    }

    fn hints(&self) -> Vec<Action> {
        if !matches!(self.modal, Modal::None) {
            return vec![Action::Back];
        }
        let role = self.role();
        [
            Action::New,
            Action::Approve,
            Action::Pay,
            Action::Reject,
            Action::Reverse,
            Action::Filter,
            Action::Down,
        ]
        .into_iter()
        .filter(|a| permitted(role, *a))
        .collect()
    }

    fn render(&self, f: &mut Frame, area: Rect, cx: &Cx) {
        let s = cx.s;
        let w = i18n::work(cx.lang);
        let [list, detail] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        let cols = vec![
            Col::left(s.date, 10, 9),
            Col::left(s.voucher, 15, 10),
            Col::flex(s.program, 8, 5),
            Col::flex(s.enterprise, 12, 8),
            Col::right(s.amount, 13, 9),
            Col::left(s.status, 6, 8),
            Col::left(w.entered_by, 6, 3),
            Col::left(w.approved_by, 6, 2),
        ];
        let h = list.height.saturating_sub(3) as usize;
        let offset = scroll(self.pager.offset, self.pager.sel, h);
        let rows: Vec<Vec<Cell>> = self
            .pager
            .rows
            .iter()
            .skip(offset)
            .take(h)
            .map(|r| {
                // a reversal is always a paid row: its kind says more than its status
                let status = if r.reverses.is_some() {
                    w.reversal.to_string()
                } else {
                    r.status.label(cx.lang).to_string()
                };
                vec![
                    Cell::new(r.date.to_string()),
                    Cell::new(r.voucher_no.clone()),
                    Cell::new(r.program_name.clone()),
                    Cell::new(r.enterprise_name.clone()),
                    Cell::new(r.amount.format(cx.unit)),
                    Cell::styled(status, status_style(r.status)),
                    Cell::new(r.entered_by.clone()),
                    Cell::new(r.approved_by.clone()),
                ]
            })
            .collect();
        let fl = &self.pager.filter;
        let mut parts = vec![format!(" {}", i18n::tab(ScreenId::Disbursements, cx.lang))];
        if let Some(st) = fl.status {
            parts.push(format!("{} {}", s.status, st.label(cx.lang)));
        }
        if let Some(p) = &self.program_label {
            parts.push(format!("{} {p}", s.program));
        }
        if let Some(m) = fl.month {
            parts.push(format!("{} {m}", w.month));
        }
        if let Some(e) = &self.enterprise_label {
            parts.push(format!("{} {e}", s.enterprise));
        }
        let title = format!("{} ", parts.join(" · "));
        table::draw(
            f,
            list,
            Block::default().borders(Borders::ALL).title(title),
            &cols,
            None,
            &rows,
            self.pager
                .rows
                .get(self.pager.sel)
                .map(|_| self.pager.sel - offset),
            s.no_rows,
        );
        if let Some(d) = self.selected() {
            let mut text = format!(
                "{} {} · {} {}",
                d.voucher_no, d.program_code, s.credit_code, d.credit_code
            );
            if let Some(r) = &d.reverses {
                text.push_str(&format!(" · {} {r}", w.reverses));
            }
            if !d.note.is_empty() {
                text.push_str(&format!(" · {} {}", w.note, d.note));
            }
            f.render_widget(
                Paragraph::new(Line::from(Span::styled(
                    truncate(&text, detail.width as usize),
                    Style::default().fg(Color::Gray),
                ))),
                detail,
            );
        }
        match &self.modal {
            Modal::None => {}
            Modal::Form(_, form) => form.render(f, area),
            Modal::Confirm(_, c) => c.render(f, area, cx.lang),
        }
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tui::app::App;
    use zhida_core::Money;

    fn on_disb(user: &str) -> App {
        let mut a = app(user);
        go(&mut a, ScreenId::Disbursements);
        a
    }

    fn status_of(a: &App, v: &str) -> (Status, String, String) {
        let d = lookup::disbursement_by_voucher(&a.conn, v)
            .unwrap()
            .unwrap();
        (d.status, d.approved_by, d.note)
    }

    fn audit_rows(a: &App) -> i64 {
        count(&a.conn, "SELECT count(*) FROM audit_log")
    }

    /// Fill the new-disbursement form: voucher, (program by Space presses), code, amount, date.
    fn fill_new(a: &mut App, voucher: &str, program_presses: usize, code: &str, amount: &str) {
        a.update(Action::New);
        typ(a, voucher);
        a.update(Action::Open);
        for _ in 0..program_presses {
            a.update(Action::Char(' '));
        }
        a.update(Action::Open);
        typ(a, code);
        a.update(Action::Open);
        typ(a, amount);
        a.update(Action::Open);
    }

    #[test]
    fn clerk_enters_a_disbursement_with_yi_wan_amount_after_confirming() {
        let mut a = on_disb("小李");
        let before = audit_rows(&a);
        // programs are listed by code: CY2024 (closed? no: active), KJ2025, WG2025
        fill_new(&mut a, "PZ2025-0100", 2, xy().as_str(), "1.5万");
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("元江县甘庄街道鑫源科技有限公司"),
            "enterprise shown:\n{screen}"
        );
        assert!(screen.contains("WG2025 稳岗返还"), "{screen}");
        // Enter on the date moves to the note; Enter on the note asks to confirm
        a.update(Action::Open);
        a.update(Action::Open);
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("确认保存"), "{screen}");
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM disbursement WHERE voucher_no = 'PZ2025-0100'"
            ),
            0,
            "nothing before y"
        );
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert!(a.status.text.contains("PZ2025-0100"), "{}", a.status.text);
        let d = lookup::disbursement_by_voucher(&a.conn, "PZ2025-0100")
            .unwrap()
            .unwrap();
        assert_eq!(d.amount, Money(15_000_00));
        assert_eq!(d.status, Status::Pending);
        assert_eq!(d.entered_by, "小李");
        assert_eq!(d.program_code, "WG2025");
        assert_eq!(d.date, d_("2025-05-31"));
        assert_eq!(audit_rows(&a), before + 1, "audited");
        assert!(!a.screen().text_input(), "form closed");
        assert_eq!(
            a.screen().selection().as_deref(),
            Some("PZ2025-0100"),
            "new row shown and selected"
        );
    }

    fn d_(s: &str) -> NaiveDate {
        d(s)
    }

    #[test]
    fn the_form_validates_code_and_amount_live_and_refuses_to_save_invalid_input() {
        let mut a = on_disb("小李");
        a.update(Action::New);
        typ(&mut a, "PZ2025-0001");
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("凭证号已存在"), "{screen}");
        for _ in 0..4 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "0200");
        a.update(Action::Open);
        a.update(Action::Open);
        typ(&mut a, "91530428MA6K1XY0Z");
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("✗"), "bad credit code shown:\n{screen}");
        a.update(Action::Open);
        typ(&mut a, "1.234");
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("✗"), "{screen}");
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        assert!(
            a.status.error,
            "Enter on the last field with errors is refused"
        );
        assert!(
            a.status.text.starts_with("统一社会信用代码"),
            "{}",
            a.status.text
        );
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM disbursement WHERE voucher_no = 'PZ2025-0200'"
            ),
            0
        );
        // Esc abandons the form without writing
        a.update(Action::Back);
        assert!(!a.screen().text_input());
    }

    #[test]
    fn cap_and_balance_warnings_show_before_saving() {
        let mut a = on_disb("小李");
        // KJ2025: budget 200,000, paid 120,000 to 鑫源 (cap 100,000 per enterprise)
        fill_new(&mut a, "PZ2025-0300", 1, xy().as_str(), "10万");
        let screen = render(&mut a, 120, 30);
        assert!(
            screen.contains("超过单户年度上限 100,000.00，超出 120,000.00"),
            "{screen}"
        );
        assert!(
            screen.contains("超过项目可用额度 80,000.00，超出 20,000.00"),
            "{screen}"
        );
        // warnings do not block: the month-end checks judge them
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        assert!(lookup::disbursement_by_voucher(&a.conn, "PZ2025-0300")
            .unwrap()
            .is_some());
    }

    #[test]
    fn the_form_shows_the_headroom_live_and_whether_it_can_still_receive() {
        let mut a = on_disb("小李");
        a.conn
            .execute(
                "UPDATE program SET once_per_year = 1 WHERE code = 'WG2025'",
                [],
            )
            .unwrap();
        // KJ2025 (cap 100,000): 鑫源 already has 120,000 this year
        a.update(Action::New);
        typ(&mut a, "PZ2025-0400");
        a.update(Action::Open);
        a.update(Action::Char(' '));
        a.update(Action::Open);
        typ(&mut a, xy().as_str());
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("2025 年本户已拨付 120,000.00 · 在途 0.00"),
            "{screen}"
        );
        assert!(
            screen.contains("单户年度上限 100,000.00 · 剩余额度 -20,000.00 · 项目可用 80,000.00"),
            "{screen}"
        );
        assert!(
            !screen.contains("✓") && !screen.contains("✗"),
            "no amount, no conclusion"
        );
        a.update(Action::Open);
        typ(&mut a, "1");
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("✗ 不能拨付 1.00：1 项原因"), "{screen}");
        assert!(
            screen.contains("超过单户年度上限 100,000.00，超出 20,001.00"),
            "{screen}"
        );
        // another program: the lines follow
        for _ in 0..2 {
            a.update(Action::Up);
        }
        a.update(Action::Char(' '));
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("WG2025 稳岗返还"), "{screen}");
        assert!(
            screen.contains("2025 年本户已拨付 0.00 · 在途 35,000.00"),
            "{screen}"
        );
        assert!(screen.contains("单户年度上限 不限"), "{screen}");
        assert!(
            screen.contains("每年限一次：2025 年已享受（PZ2025-0002）"),
            "{screen}"
        );
        assert!(screen.contains("✗ 不能拨付 1.00"), "{screen}");
        // next year it has not used it yet: it can
        for _ in 0..3 {
            a.update(Action::Down);
        }
        for _ in 0..10 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "2026-01-05");
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("每年限一次：2026 年尚未享受"), "{screen}");
        assert!(
            screen.contains("✓ 可以拨付 1.00，拨付后本户本年尚可享受"),
            "{screen}"
        );
    }

    #[test]
    fn supervisor_approves_after_confirming_and_clerk_cannot() {
        let mut a = on_disb("小李");
        select(&mut a, "PZ2025-0002");
        a.update(Action::Approve);
        assert!(a.status.error);
        assert!(
            a.status.text.contains("需要复核（科长）角色"),
            "{}",
            a.status.text
        );
        assert!(
            !a.screen().hints().contains(&Action::Approve),
            "hidden from the clerk"
        );

        let mut a = on_disb("王科长");
        select(&mut a, "PZ2025-0002");
        let before = audit_rows(&a);
        a.update(Action::Approve);
        assert!(render(&mut a, 100, 30).contains("复核通过: PZ2025-0002"));
        a.update(Action::Back);
        assert_eq!(
            status_of(&a, "PZ2025-0002").0,
            Status::Pending,
            "Esc cancels"
        );
        a.update(Action::Approve);
        a.update(Action::Open);
        assert_eq!(
            status_of(&a, "PZ2025-0002"),
            (Status::Approved, "王科长".into(), String::new())
        );
        assert_eq!(audit_rows(&a), before + 1);
    }

    #[test]
    fn self_approval_is_refused_with_the_reason() {
        let mut a = on_disb("王科长");
        select(&mut a, "PZ2025-0005");
        let before = audit_rows(&a);
        a.update(Action::Approve);
        assert!(a.status.error);
        assert!(
            a.status.text.contains("由 王科长 录入，不能由本人复核"),
            "{}",
            a.status.text
        );
        assert!(!a.screen().text_input(), "no confirmation offered");
        assert_eq!(status_of(&a, "PZ2025-0005").0, Status::Pending);
        assert_eq!(audit_rows(&a), before);
    }

    #[test]
    fn pay_only_approved_rows() {
        let mut a = on_disb("小李");
        select(&mut a, "PZ2025-0002");
        a.update(Action::Pay);
        assert!(a.status.error);
        assert!(
            a.status
                .text
                .contains("状态为待复核，只有已复核的凭证才能标记已拨付"),
            "{}",
            a.status.text
        );
        select(&mut a, "PZ2025-0004");
        a.update(Action::Pay);
        a.update(Action::Char('y'));
        assert_eq!(
            status_of(&a, "PZ2025-0004").0,
            Status::Paid,
            "{}",
            a.status.text
        );
        assert!(a.status.text.contains("已拨付"));
    }

    #[test]
    fn reject_needs_a_reason_and_keeps_it() {
        let mut a = on_disb("小李");
        select(&mut a, "PZ2025-0002");
        a.update(Action::Reject);
        a.update(Action::Open);
        assert!(a.status.error, "empty reason refused");
        assert_eq!(status_of(&a, "PZ2025-0002").0, Status::Pending);
        typ(&mut a, "企业已注销");
        a.update(Action::Open);
        a.update(Action::Char('y'));
        let (st, _, note) = status_of(&a, "PZ2025-0002");
        assert_eq!(st, Status::Rejected);
        assert!(note.contains("企业已注销"));
        // a paid row cannot be rejected
        select(&mut a, "PZ2025-0003");
        a.update(Action::Reject);
        assert!(a.status.error);
        assert!(!a.screen().text_input());
    }

    #[test]
    fn supervisor_reverses_a_paid_row_with_a_negative_row() {
        let mut a = on_disb("王科长");
        select(&mut a, "PZ2025-0003");
        a.update(Action::Reverse);
        assert!(render(&mut a, 100, 30).contains("PZ2025-0003-CX"));
        a.update(Action::Open);
        a.update(Action::Open);
        typ(&mut a, "重复拨付");
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let r = lookup::disbursement_by_voucher(&a.conn, "PZ2025-0003-CX")
            .unwrap()
            .unwrap();
        assert_eq!(r.amount, Money(-80_000_00));
        assert_eq!(r.reverses.as_deref(), Some("PZ2025-0003"));
        assert_eq!(r.status, Status::Paid);
        // the reversal row itself cannot be reversed
        select(&mut a, "PZ2025-0003-CX");
        a.update(Action::Reverse);
        assert!(a.status.error && a.status.text.contains("本身是对 PZ2025-0003 的冲销"));
        // nor the original twice (the domain refuses; the form stays open for Esc)
        select(&mut a, "PZ2025-0003");
        a.update(Action::Reverse);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(
            a.status.error && a.status.text.contains("已被 PZ2025-0003-CX 冲销"),
            "{}",
            a.status.text
        );
        assert!(a.screen().text_input());
    }

    #[test]
    fn auditor_cannot_write_and_sees_no_write_keys() {
        let mut a = on_disb("审计赵");
        let before = audit_rows(&a);
        for act in [
            Action::New,
            Action::Approve,
            Action::Pay,
            Action::Reject,
            Action::Reverse,
        ] {
            a.update(act);
            assert!(a.status.error, "{act:?}");
            assert!(a.status.text.contains("审计角色只读"), "{}", a.status.text);
            assert!(!a.screen().hints().contains(&act));
        }
        assert_eq!(audit_rows(&a), before);
    }

    #[test]
    fn a_closed_month_refuses_new_rows_in_the_form() {
        let conn = ledger();
        conn.execute(
            "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-05', '王科长', '2025-06-05T09:00:00')",
            [],
        )
        .unwrap();
        let mut a = app_on(conn, "小李", Lang::Zh);
        go(&mut a, ScreenId::Disbursements);
        fill_new(&mut a, "PZ2025-0400", 2, gz().as_str(), "5000");
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("该月已结账，不能录入 (2025-05)"),
            "{screen}"
        );
        a.update(Action::Open);
        a.update(Action::Open);
        assert!(
            a.status.error && a.status.text.contains("已结账"),
            "{}",
            a.status.text
        );
        assert_eq!(
            count(
                &a.conn,
                "SELECT count(*) FROM disbursement WHERE voucher_no = 'PZ2025-0400'"
            ),
            0
        );
        // a June date is open (the refusal put the focus back on the date)
        for _ in 0..10 {
            a.update(Action::Backspace);
        }
        typ(&mut a, "2025年6月2日");
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Char('y'));
        assert!(!a.status.error, "{}", a.status.text);
        let d = lookup::disbursement_by_voucher(&a.conn, "PZ2025-0400")
            .unwrap()
            .unwrap();
        assert_eq!(d.date, d_("2025-06-02"));
    }

    #[test]
    fn filter_by_status_program_month_and_enterprise() {
        let mut a = on_disb("小李");
        a.update(Action::Filter);
        a.update(Action::Char(' ')); // status: 待复核
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        a.update(Action::Open);
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("状态 待复核"), "{screen}");
        assert!(screen.contains("PZ2025-0002") && screen.contains("PZ2025-0005"));
        assert!(!screen.contains("PZ2025-0001"), "{screen}");
        a.update(Action::Filter);
        a.update(Action::Char(' ')); // 已复核
        a.update(Action::Char(' ')); // 已拨付
        a.update(Action::Open);
        a.update(Action::Open);
        typ(&mut a, "2025-04");
        a.update(Action::Open);
        typ(&mut a, "lj");
        a.update(Action::Open);
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("PZ2025-0003"), "{screen}");
        assert!(
            screen.contains("企业 元江县澧江街道甘蔗种植合作社"),
            "{screen}"
        );
        assert!(!screen.contains("PZ2025-0005"), "{screen}");
        // Esc clears the filter
        a.update(Action::Back);
        let screen = render(&mut a, 100, 30);
        assert!(
            screen.contains("PZ2024-0101") && screen.contains("PZ2025-0005"),
            "{screen}"
        );
    }

    #[test]
    fn a_jump_to_a_voucher_past_the_first_page_selects_it() {
        let conn = ledger();
        for i in 0..150 {
            let date = d("2025-01-01") + chrono::Duration::days(i);
            add_disbursement(
                &conn,
                (
                    &format!("PZ2025-1{i:03}"),
                    "WG2025",
                    &yy(),
                    100_00,
                    &date.to_string(),
                ),
                Status::Paid,
                ("小李", "王科长"),
            );
        }
        let mut a = app_on(conn, "小李", Lang::Zh);
        a.jump(
            ScreenId::Disbursements,
            Target::Voucher("PZ2025-1140".into()),
        );
        assert_eq!(a.screen().selection().as_deref(), Some("PZ2025-1140"));
        let screen = render(&mut a, 100, 30);
        assert!(screen.contains("企业 元江县因远镇红糖加工厂"), "{screen}");
        // what lies before is fetched when moving up
        a.update(Action::Up);
        assert_eq!(a.screen().selection().as_deref(), Some("PZ2025-1139"));
    }

    fn snap(a: &mut App, name: &str) {
        for (w, h) in [(80, 24), (160, 48)] {
            let text = render(a, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
        }
    }

    #[test]
    fn snapshots() {
        let mut a = on_disb("小李");
        snap(&mut a, "disbursements");
        a.update(Action::New);
        typ(&mut a, "PZ2025-0500");
        a.update(Action::Open);
        a.update(Action::Open);
        typ(&mut a, "91530428MA6K1XY0Z");
        a.update(Action::Open);
        typ(&mut a, "1.5万");
        a.update(Action::Up);
        snap(&mut a, "disbursements_new_form_error");
        a.update(Action::Back);
        // a valid row over the cap: the headroom and the reasons
        fill_new(&mut a, "PZ2025-0501", 1, xy().as_str(), "1.5万");
        snap(&mut a, "disbursements_new_form_headroom");
    }
}
