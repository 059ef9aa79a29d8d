//! A small keyboard form: labelled fields validated as you type with the core parsers
//! (`Money::parse` for `1.5万`, `CreditCode::parse`, `dates::parse_date`), edited with a
//! cursor (`input.rs`: ←/→, Home/End, Ctrl-W, paste…), a choice field cycled with Space
//! and Backspace (or →/←), information lines and warnings the screen computes (the headroom
//! left under the cap and the group, what would be flagged), and a
//! confirmation step before anything is written. The form never writes: `handle` says
//! what happened and the screen turns a confirmed form into a domain call.

use chrono::NaiveDate;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use rust_decimal::Decimal;
use zhida_core::dates::parse_date;
use zhida_core::model::parse_score;
use zhida_core::{CreditCode, Lang, Money};

use super::action::{Action, EditOp};
use super::i18n;
use super::input::{place_cursor, LineInput};
use super::text::{fit, truncate, width, Align};

/// One option of a choice field: the value saved and the label shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text {
        required: bool,
    },
    Money,
    CreditCode,
    Date,
    /// 0–100 with up to two decimals
    Score,
    /// a number; empty allowed when `optional`
    Number {
        optional: bool,
    },
    /// cycled with Space or → (forward) and Backspace or ← (back); `selected` indexes
    /// `options`
    Choice {
        options: Vec<Choice>,
        selected: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: &'static str,
    pub label: String,
    /// the text and its cursor (unused by a choice field)
    pub value: LineInput,
    pub kind: Kind,
    /// what is wrong with the value (red)
    pub error: Option<String>,
    /// what the value means, e.g. the enterprise behind a credit code (grey)
    pub note: Option<String>,
}

impl Field {
    pub fn new(key: &'static str, label: &str, kind: Kind, value: &str) -> Field {
        let mut f = Field {
            key,
            label: label.to_string(),
            value: LineInput::new(value),
            kind,
            error: None,
            note: None,
        };
        f.error = f.check(Lang::Zh).err();
        f
    }

    /// Validate the text against the field's kind.
    pub fn check(&self, lang: Lang) -> Result<(), String> {
        let v = self.value.trim();
        let w = i18n::work(lang);
        match &self.kind {
            Kind::Text { required } => {
                if *required && v.is_empty() {
                    Err(w.required.to_string())
                } else {
                    Ok(())
                }
            }
            Kind::Money => match Money::parse(v) {
                Ok(m) if m.0 > 0 => Ok(()),
                Ok(_) => Err(w.must_be_positive.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Kind::CreditCode => CreditCode::parse(v).map(|_| ()).map_err(|e| e.to_string()),
            Kind::Date => parse_date(v).map(|_| ()).map_err(|e| e.to_string()),
            Kind::Score => parse_score(v)
                .filter(|s| (0..=10_000).contains(s))
                .map(|_| ())
                .ok_or_else(|| w.bad_score.to_string()),
            Kind::Number { optional } => {
                if v.is_empty() {
                    if *optional {
                        Ok(())
                    } else {
                        Err(w.required.to_string())
                    }
                } else {
                    v.replace(',', "")
                        .parse::<Decimal>()
                        .map(|_| ())
                        .map_err(|_| w.bad_number.to_string())
                }
            }
            Kind::Choice { options, .. } => {
                if options.is_empty() {
                    Err(w.no_choices.to_string())
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The text shown for the value (a choice shows its label).
    pub fn shown(&self) -> String {
        match &self.kind {
            Kind::Choice { options, selected } => options
                .get(*selected)
                .map(|c| format!("◀ {} ▶", c.label))
                .unwrap_or_default(),
            _ => self.value.value().to_string(),
        }
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Nothing,
    /// the value of field `usize` changed (the screen may recompute notes / warnings)
    Edited(usize),
    /// all fields valid: the confirmation is showing
    Confirming,
    /// Enter on the last field with errors: the first bad field got the focus
    Invalid(String),
    /// confirmed: write it
    Submit,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub confirming: bool,
    /// cross-field information (the headroom): shown under the fields in its colour
    pub info: Vec<(String, Color)>,
    /// cross-field warnings (over cap, over balance): shown, not blocking
    pub warnings: Vec<String>,
    /// one line shown in the confirmation (what will be written)
    pub summary: String,
    lang: Lang,
}

impl Form {
    pub fn new(title: &str, fields: Vec<Field>, lang: Lang) -> Form {
        let mut f = Form {
            title: title.to_string(),
            fields,
            focus: 0,
            confirming: false,
            info: Vec::new(),
            warnings: Vec::new(),
            summary: String::new(),
            lang,
        };
        for i in 0..f.fields.len() {
            f.fields[i].error = f.fields[i].check(lang).err();
        }
        f
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.index(key).map(|i| &self.fields[i])
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.index(key).map(move |i| &mut self.fields[i])
    }

    pub fn text(&self, key: &str) -> String {
        self.field(key)
            .map(|f| match &f.kind {
                Kind::Choice { options, selected } => options
                    .get(*selected)
                    .map(|c| c.value.clone())
                    .unwrap_or_default(),
                _ => f.value.trim().to_string(),
            })
            .unwrap_or_default()
    }

    pub fn money(&self, key: &str) -> Option<Money> {
        Money::parse(&self.text(key)).ok()
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        parse_date(&self.text(key)).ok()
    }

    pub fn credit_code(&self, key: &str) -> Option<CreditCode> {
        CreditCode::parse(&self.text(key)).ok()
    }

    pub fn score(&self, key: &str) -> Option<i64> {
        parse_score(&self.text(key))
    }

    pub fn number(&self, key: &str) -> Option<Decimal> {
        self.text(key).replace(',', "").parse().ok()
    }

    fn revalidate(&mut self, i: usize) {
        self.fields[i].error = self.fields[i].check(self.lang).err();
    }

    /// Set a field's text (and validate it).
    pub fn set(&mut self, key: &str, value: &str) {
        if let Some(i) = self.index(key) {
            self.fields[i].value.set(value);
            self.revalidate(i);
        }
    }

    pub fn handle(&mut self, action: Action) -> Event {
        if self.confirming {
            return match action {
                Action::Char('y') | Action::Char('Y') | Action::Open => Event::Submit,
                Action::Back | Action::Char('n') | Action::Char('N') => {
                    self.confirming = false;
                    Event::Nothing
                }
                _ => Event::Nothing,
            };
        }
        let last = self.fields.len().saturating_sub(1);
        match action {
            Action::Back => Event::Cancel,
            Action::Down | Action::NextScreen => {
                self.focus = (self.focus + 1).min(last);
                Event::Nothing
            }
            Action::Up | Action::PrevScreen => {
                self.focus = self.focus.saturating_sub(1);
                Event::Nothing
            }
            Action::Open if self.focus < last => {
                self.focus += 1;
                Event::Nothing
            }
            Action::Open => match self.fields.iter().position(|f| f.error.is_some()) {
                Some(bad) => {
                    self.focus = bad;
                    let f = &self.fields[bad];
                    Event::Invalid(format!(
                        "{}: {}",
                        f.label,
                        f.error.clone().unwrap_or_default()
                    ))
                }
                None => {
                    self.confirming = true;
                    Event::Confirming
                }
            },
            Action::Char(c) => self.edit_focused(|kind, value| match kind {
                Kind::Choice { .. } if c == ' ' => cycle(kind, true),
                Kind::Choice { .. } => false,
                _ => value.insert(c),
            }),
            Action::Backspace => self.edit_focused(|kind, value| match kind {
                Kind::Choice { .. } => cycle(kind, false),
                _ => value.backspace(),
            }),
            Action::Edit(op) => self.edit_focused(|kind, value| match kind {
                Kind::Choice { .. } if op == EditOp::Right => cycle(kind, true),
                Kind::Choice { .. } if op == EditOp::Left => cycle(kind, false),
                Kind::Choice { .. } => false,
                _ => value.edit(op),
            }),
            _ => Event::Nothing,
        }
    }

    /// Apply `edit` to the focused field; `Edited` (validated again) when it changed the
    /// value or the choice, `Nothing` for a cursor move or a key that did nothing.
    fn edit_focused(&mut self, edit: impl FnOnce(&mut Kind, &mut LineInput) -> bool) -> Event {
        let i = self.focus;
        let Some(f) = self.fields.get_mut(i) else {
            return Event::Nothing;
        };
        if !edit(&mut f.kind, &mut f.value) {
            return Event::Nothing;
        }
        self.revalidate(i);
        Event::Edited(i)
    }

    /// Draw the form as a box centred in `area`.
    pub fn render(&self, f: &mut Frame, area: Rect) {
        let w = i18n::work(self.lang);
        let width_ = area.width.saturating_sub(2).min(76);
        let label_w = self
            .fields
            .iter()
            .map(|f| width(&f.label))
            .max()
            .unwrap_or(4)
            + 2;
        let inner_w = width_.saturating_sub(2) as usize;
        let mut lines: Vec<Line> = Vec::new();
        // (line, column) of the focused text field's cursor inside the box
        let mut cursor = None;
        for (i, fld) in self.fields.iter().enumerate() {
            let focused = i == self.focus && !self.confirming;
            let marker = if focused { "▶ " } else { "  " };
            let vw = inner_w.saturating_sub(label_w + 2);
            let value = if focused && !matches!(fld.kind, Kind::Choice { .. }) {
                let (shown, col) = fld.value.window(vw);
                cursor = Some((lines.len(), label_w + 2 + col));
                shown
            } else {
                truncate(&fld.shown(), vw)
            };
            let val_style = if focused {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::styled(marker, Style::default().fg(Color::Yellow)),
                Span::raw(fit(&fld.label, label_w, Align::Left)),
                Span::styled(value, val_style),
            ]));
            let indent = " ".repeat(label_w + 2);
            let room = inner_w.saturating_sub(label_w + 2);
            if let Some(e) = &fld.error {
                if !fld.value.trim().is_empty() || focused {
                    lines.push(Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(
                            format!("✗ {}", truncate(e, room.saturating_sub(2))),
                            Style::default().fg(Color::Red),
                        ),
                    ]));
                    continue;
                }
            }
            if let Some(n) = &fld.note {
                lines.push(Line::from(vec![
                    Span::raw(indent),
                    Span::styled(truncate(n, room), Style::default().fg(Color::Gray)),
                ]));
            }
        }
        for (text, colour) in &self.info {
            lines.push(Line::from(Span::styled(
                truncate(text, inner_w),
                Style::default().fg(*colour),
            )));
        }
        for warn in &self.warnings {
            lines.push(Line::from(Span::styled(
                truncate(&format!("⚠ {warn}"), inner_w),
                Style::default().fg(Color::Yellow),
            )));
        }
        lines.push(Line::from(""));
        if self.confirming {
            if !self.summary.is_empty() {
                lines.push(Line::from(truncate(&self.summary, inner_w)));
            }
            lines.push(Line::from(Span::styled(
                truncate(w.confirm_save, inner_w),
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )));
        } else {
            lines.push(Line::from(Span::styled(
                truncate(w.form_keys, inner_w),
                Style::default().fg(Color::Gray),
            )));
        }
        let h = (lines.len() as u16 + 2).min(area.height);
        let r = Rect {
            x: area.x + (area.width.saturating_sub(width_)) / 2,
            y: area.y + (area.height.saturating_sub(h)) / 2,
            width: width_,
            height: h,
        };
        f.render_widget(Clear, r);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(Color::Cyan))
            .title(format!(" {} ", self.title));
        let inner = block.inner(r);
        f.render_widget(Paragraph::new(lines).block(block), r);
        if let Some((line, col)) = cursor {
            let y = inner
                .y
                .saturating_add(u16::try_from(line).unwrap_or(u16::MAX));
            place_cursor(f, inner, inner.x, y, col);
        }
    }
}

/// Step a choice field forward or back; false when it has no options.
fn cycle(kind: &mut Kind, forward: bool) -> bool {
    let Kind::Choice { options, selected } = kind else {
        return false;
    };
    let n = options.len();
    if n == 0 {
        return false;
    }
    *selected = if forward {
        (*selected + 1) % n
    } else {
        (*selected + n - 1) % n
    };
    true
}

/// After the write a screen's form asked for: on success the form closes; on failure it
/// stays open, back from the confirmation, for correction.
pub fn after_write<K>(slot: &mut Option<(K, Form)>, ok: bool) {
    if ok {
        *slot = None;
    } else if let Some((_, f)) = slot {
        f.confirming = false;
    }
}

/// A yes/no question before a one-key write (approve, pay).
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
}

impl Confirm {
    pub fn render(&self, f: &mut Frame, area: Rect, lang: Lang) {
        let w = i18n::work(lang);
        let width_ = area.width.saturating_sub(4).min(70);
        let inner = width_.saturating_sub(2) as usize;
        let lines = vec![
            Line::from(truncate(&self.question, inner)),
            Line::from(""),
            Line::from(Span::styled(
                truncate(w.confirm_yes_no, inner),
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )),
        ];
        let r = Rect {
            x: area.x + (area.width.saturating_sub(width_)) / 2,
            y: area.y + area.height.saturating_sub(5) / 2,
            width: width_,
            height: 5.min(area.height),
        };
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(Style::default().fg(Color::Yellow)),
            ),
            r,
        );
    }

    /// y/Enter → Some(true), n/Esc → Some(false), anything else → None.
    pub fn answer(action: Action) -> Option<bool> {
        match action {
            Action::Char('y') | Action::Char('Y') | Action::Open => Some(true),
            Action::Char('n') | Action::Char('N') | Action::Back => Some(false),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form::new(
            "新增拨付",
            vec![
                Field::new("code", "信用代码", Kind::CreditCode, ""),
                Field::new("amount", "金额", Kind::Money, ""),
                Field::new("date", "日期", Kind::Date, "2025-06-30"),
            ],
            Lang::Zh,
        )
    }

    fn typ(f: &mut Form, s: &str) {
        for c in s.chars() {
            f.handle(Action::Char(c));
        }
    }

    #[test]
    fn validates_as_you_type_with_the_core_parsers() {
        let mut f = form();
        let good = CreditCode::complete("91530428MA6K1XY01").unwrap();
        typ(&mut f, &good.as_str()[..17]);
        assert!(f.fields[0].error.is_some(), "17 chars is not a code yet");
        typ(&mut f, &good.as_str()[17..]);
        assert_eq!(f.fields[0].error, None);
        f.handle(Action::Backspace);
        typ(
            &mut f,
            if good.as_str().ends_with('0') {
                "1"
            } else {
                "0"
            },
        );
        let e = f.fields[0].error.clone().unwrap();
        assert!(e.contains("校验") || e.contains("check"), "{e}");
        f.handle(Action::Down);
        typ(&mut f, "1.5万");
        assert_eq!(f.fields[1].error, None);
        assert_eq!(f.money("amount"), Some(Money(15_000_00)));
        typ(&mut f, "x");
        assert!(f.fields[1].error.is_some());
    }

    #[test]
    fn enter_walks_fields_then_refuses_or_confirms() {
        let mut f = form();
        let code = CreditCode::complete("91530428MA6K1XY01").unwrap();
        typ(&mut f, code.as_str());
        assert_eq!(f.handle(Action::Open), Event::Nothing);
        assert_eq!(f.focus, 1);
        f.handle(Action::Open);
        // amount empty: Enter on the last field goes back to it
        match f.handle(Action::Open) {
            Event::Invalid(m) => assert!(m.starts_with("金额"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(f.focus, 1);
        typ(&mut f, "3,000");
        f.handle(Action::Down);
        assert_eq!(f.handle(Action::Open), Event::Confirming);
        assert_eq!(
            f.handle(Action::Back),
            Event::Nothing,
            "Esc leaves the confirmation"
        );
        assert!(!f.confirming);
        assert_eq!(f.handle(Action::Open), Event::Confirming);
        assert_eq!(f.handle(Action::Char('y')), Event::Submit);
    }

    #[test]
    fn choice_cycles_with_space_and_backspace() {
        let opts = vec![
            Choice {
                value: "WG2025".into(),
                label: "WG2025 稳岗返还".into(),
            },
            Choice {
                value: "KJ2025".into(),
                label: "KJ2025 科技创新券".into(),
            },
        ];
        let mut f = Form::new(
            "t",
            vec![Field::new(
                "p",
                "项目",
                Kind::Choice {
                    options: opts,
                    selected: 0,
                },
                "",
            )],
            Lang::Zh,
        );
        assert_eq!(f.text("p"), "WG2025");
        f.handle(Action::Char(' '));
        assert_eq!(f.text("p"), "KJ2025");
        f.handle(Action::Char(' '));
        assert_eq!(f.text("p"), "WG2025");
        f.handle(Action::Backspace);
        assert_eq!(f.text("p"), "KJ2025");
    }

    fn edit(f: &mut Form, op: EditOp, times: usize) {
        for _ in 0..times {
            f.handle(Action::Edit(op));
        }
    }

    #[test]
    fn a_typo_in_the_middle_is_fixed_with_the_cursor() {
        let mut f = form();
        let good = CreditCode::complete("91530428MA6K1XY01").unwrap();
        // the clerk typed X for K in the 12th place
        let typo = format!("{}X{}", &good.as_str()[..11], &good.as_str()[12..]);
        typ(&mut f, &typo);
        assert!(f.fields[0].error.is_some());
        edit(&mut f, EditOp::Left, 7);
        assert_eq!(f.fields[0].value.cursor(), 11);
        assert_eq!(
            f.handle(Action::Edit(EditOp::Delete)),
            Event::Edited(0),
            "Delete takes the X under the cursor"
        );
        typ(&mut f, "K");
        assert_eq!(f.fields[0].value, good.as_str());
        assert_eq!(f.fields[0].error, None, "validated again after the edit");
        assert_eq!(
            f.handle(Action::Edit(EditOp::End)),
            Event::Nothing,
            "a cursor move is no edit"
        );
        // Ctrl-U clears what is before the cursor
        f.handle(Action::Edit(EditOp::DeleteToStart));
        assert_eq!(f.fields[0].value, "");
        assert!(f.fields[0].error.is_some());
    }

    /// One required text field, 说明.
    fn note_form() -> Form {
        Form::new(
            "确认",
            vec![Field::new(
                "note",
                "说明",
                Kind::Text { required: true },
                "",
            )],
            Lang::Zh,
        )
    }

    #[test]
    fn chinese_text_is_edited_in_the_middle() {
        let mut f = note_form();
        typ(&mut f, "元江县财政局核实");
        edit(&mut f, EditOp::Home, 1);
        edit(&mut f, EditOp::Right, 3);
        typ(&mut f, "（县本级）");
        assert_eq!(f.text("note"), "元江县（县本级）财政局核实");
        // Backspace at the cursor, Ctrl-K to the end
        f.handle(Action::Backspace);
        edit(&mut f, EditOp::DeleteToEnd, 1);
        assert_eq!(f.text("note"), "元江县（县本级");
        edit(&mut f, EditOp::WordLeft, 1);
        edit(&mut f, EditOp::DeleteWordBack, 1);
        assert_eq!(f.text("note"), "元江县（县级", "one character is one word");
        // a paste goes in at the cursor, as text
        for c in crate::tui::input::clean_paste("财\n政\u{1b}[1m").chars() {
            f.handle(Action::Edit(EditOp::Insert(c)));
        }
        assert_eq!(f.text("note"), "元江县（县财政级");
    }

    #[test]
    fn a_pasted_y_answers_no_confirmation_and_cycles_no_choice() {
        let mut f = Form::new(
            "t",
            vec![
                Field::new(
                    "p",
                    "项目",
                    Kind::Choice {
                        options: vec![
                            Choice {
                                value: "WG2025".into(),
                                label: "稳岗返还".into(),
                            },
                            Choice {
                                value: "KJ2025".into(),
                                label: "科技创新券".into(),
                            },
                        ],
                        selected: 0,
                    },
                    "",
                ),
                Field::new("note", "说明", Kind::Text { required: false }, ""),
            ],
            Lang::Zh,
        );
        // → and ← cycle a choice; a pasted space does not
        assert_eq!(f.handle(Action::Edit(EditOp::Right)), Event::Edited(0));
        assert_eq!(f.text("p"), "KJ2025");
        f.handle(Action::Edit(EditOp::Left));
        assert_eq!(f.text("p"), "WG2025");
        assert_eq!(f.handle(Action::Edit(EditOp::Insert(' '))), Event::Nothing);
        assert_eq!(f.text("p"), "WG2025");
        f.handle(Action::Down);
        assert_eq!(f.handle(Action::Open), Event::Confirming);
        assert_eq!(f.handle(Action::Edit(EditOp::Insert('y'))), Event::Nothing);
        assert!(f.confirming, "still asking");
        assert_eq!(f.handle(Action::Char('y')), Event::Submit);
    }

    #[test]
    fn a_long_value_scrolls_and_the_cursor_follows_by_display_width() {
        use crate::tui::screens::testkit::{cursor_of, screen_text};
        use ratatui::backend::TestBackend;
        use ratatui::Terminal;
        let mut f = note_form();
        // 30 characters, 60 cells, in a box of 38 with a value column of 38 - 2 - (2 + 6)
        // = 28 cells: the end shows, with a cell left for the cursor after it
        typ(&mut f, &"元江县财政局".repeat(5));
        let draw = |f: &Form| {
            let mut t = Terminal::new(TestBackend::new(40, 12)).unwrap();
            t.draw(|fr| f.render(fr, fr.area())).unwrap();
            let p = cursor_of(&t).unwrap();
            (screen_text(t.backend().buffer(), None), (p.x, p.y))
        };
        let (text, (x, y)) = draw(&f);
        let line = text.lines().nth(y as usize).unwrap();
        assert!(
            line.contains("│▶ 说明  局元江县财政局元江县财政局  │"),
            "{text}"
        );
        // box from column 1, border, marker and label: the value starts at column 10
        assert_eq!(x, 10 + 26, "after the last character shown\n{text}");
        f.handle(Action::Edit(EditOp::Home));
        let (text, (x, _)) = draw(&f);
        assert!(
            text.contains("│▶ 说明  元江县财政局元江县财政局元江│"),
            "{text}"
        );
        assert_eq!(x, 10);
        f.handle(Action::Edit(EditOp::Right));
        assert_eq!(draw(&f).1 .0, 12, "one Chinese character is two cells");
    }
}
