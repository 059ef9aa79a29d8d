//! Drawing the shell around the screens: header (user, role, as-of month, unit), tabs,
//! status line, footer hints from the keymap, and the help / palette / confirm overlays.
//! Pure: reads `&App`, never touches the database.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use zhida_core::Unit;

use super::action::{Action, ScreenId};
use super::app::{App, Overlay};
use super::i18n;
use super::input::place_cursor;
use super::keymap::Scope;
use super::screens::Cx;
use super::text::{fit, truncate, Align};

pub fn render(app: &App, f: &mut Frame) {
    let area = f.area();
    let s = i18n::strings(app.lang);
    let cx = Cx {
        lang: app.lang,
        s,
        unit: app.unit,
        month: app.month,
    };
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(app, f, header);
    draw_tabs(app, f, tabs);
    if app.loading {
        f.render_widget(Paragraph::new(format!(" {}", s.loading)), body);
    } else {
        app.screen().render(f, body, &cx);
    }
    let st = if app.status.error {
        Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(Color::Gray)
    };
    f.render_widget(
        Paragraph::new(Span::styled(
            truncate(&app.status.text, status.width as usize),
            st,
        )),
        status,
    );
    draw_footer(app, f, footer);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => draw_help(app, f, area, *scroll),
        Overlay::Palette(p) => draw_palette(app, f, area, p),
        Overlay::ConfirmQuit => {
            let w = area.width.saturating_sub(4).min(60);
            let r = centered(area, w, 5);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(s.confirm_quit)
                    .wrap(Wrap { trim: true })
                    .block(Block::default().borders(Borders::ALL)),
                r,
            );
        }
    }
}

fn draw_header(app: &App, f: &mut Frame, area: Rect) {
    let s = i18n::strings(app.lang);
    let unit = match app.unit {
        Unit::Yuan => s.unit_yuan,
        Unit::Wan => s.unit_wan,
    };
    let right = format!(
        "{} {} │ {} {} │ {} ",
        s.user,
        i18n::user_role(app.lang, &app.actor.user, app.actor.role.label(app.lang)),
        s.as_of,
        app.month,
        unit
    );
    let left = format!(" {}", s.app);
    let rw = super::text::width(&right).min(area.width as usize);
    let lw = (area.width as usize).saturating_sub(rw);
    let bar = Style::default().bg(Color::Blue).fg(Color::White);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                fit(&left, lw, Align::Left),
                bar.add_modifier(Modifier::BOLD),
            ),
            Span::styled(fit(&right, rw, Align::Right), bar),
        ])),
        area,
    );
}

fn draw_tabs(app: &App, f: &mut Frame, area: Rect) {
    let labels: Vec<(String, &str, bool)> = ScreenId::ALL
        .iter()
        .map(|id| {
            let key = app
                .keymap
                .binding(Action::Go(*id))
                .and_then(|b| b.keys.first())
                .map(|k| k.to_string())
                .unwrap_or_default();
            (key, i18n::tab(*id, app.lang), *id == app.screen_id())
        })
        .collect();
    let full: usize = labels
        .iter()
        .map(|(k, name, _)| super::text::width(k) + super::text::width(name) + 2)
        .sum();
    // too narrow for every name (English at 80 columns): the other tabs show their key only
    let compact = full > area.width as usize + 1;
    let mut spans = Vec::new();
    for (key, name, current) in labels {
        let label = if compact && !current {
            format!("{key} ")
        } else {
            format!("{key} {name} ")
        };
        let style = if current {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        spans.push(Span::styled(label, style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(app: &App, f: &mut Frame, area: Rect) {
    // the way out and the way to every key stay visible; screen keys fill the rest
    let always = [Action::Help, Action::Palette, Action::Quit];
    // while an input has focus, letter keys type text: show only the keys that still act
    let typing = matches!(app.overlay, Overlay::None) && app.screen().text_input();
    // the always-present hints show their first key only, to leave room for the screen's
    let hint_n = |a: Action, n: usize| -> Option<(String, &'static str, usize)> {
        let b = app.keymap.binding(a)?;
        let keys = b
            .keys
            .iter()
            .filter(|k| !typing || k.typed_char().is_none())
            .take(n)
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/");
        if keys.is_empty() {
            return None;
        }
        let desc = b.desc(app.lang);
        let w = super::text::width(&keys) + 1 + super::text::width(desc) + 2;
        Some((keys, desc, w))
    };
    let hint = |a: Action| hint_n(a, usize::MAX);
    let first = |a: &Action| hint_n(*a, 1);
    let max = area.width as usize;
    let mut used: usize = always.iter().filter_map(first).map(|h| h.2).sum();
    let mut chosen = Vec::new();
    for a in app.screen().hints() {
        if let Some(h) = hint(a) {
            if used + h.2 > max {
                break;
            }
            used += h.2;
            chosen.push(h);
        }
    }
    chosen.extend(always.iter().filter_map(first));
    let mut spans = Vec::new();
    for (keys, desc, _) in chosen {
        spans.push(Span::styled(
            keys,
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {desc}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Every binding, grouped by scope, in the interface language.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut scope: Option<Scope> = None;
    for b in &app.keymap.bindings {
        if scope != Some(b.scope) {
            scope = Some(b.scope);
            if !lines.is_empty() {
                lines.push(Line::from(""));
            }
            lines.push(Line::from(Span::styled(
                b.scope.label(app.lang).to_string(),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            )));
        }
        lines.push(Line::from(vec![
            Span::styled(
                fit(&b.keys_text(), 14, Align::Left),
                Style::default().fg(Color::Yellow),
            ),
            Span::raw(b.desc(app.lang).to_string()),
        ]));
    }
    lines
}

fn draw_help(app: &App, f: &mut Frame, area: Rect, scroll: u16) {
    let s = i18n::strings(app.lang);
    let w = area.width.saturating_sub(4).min(70);
    let h = area.height.saturating_sub(2);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let lines = help_lines(app);
    let inner_h = h.saturating_sub(2) as usize;
    let cols = if lines.len() > inner_h && w >= 60 {
        2
    } else {
        1
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", s.help_title))
        .title_bottom(format!(" {} ", s.help_close));
    let inner = block.inner(r);
    f.render_widget(block, r);
    if cols == 2 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let per = inner_h.max(1);
        let skip = scroll as usize;
        let left: Vec<_> = lines.iter().skip(skip).take(per).cloned().collect();
        let right: Vec<_> = lines.iter().skip(skip + per).take(per).cloned().collect();
        f.render_widget(Paragraph::new(left), a);
        f.render_widget(Paragraph::new(right), b);
    } else {
        f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
    }
}

fn draw_palette(app: &App, f: &mut Frame, area: Rect, p: &super::app::Palette) {
    let s = i18n::strings(app.lang);
    let w = area.width.saturating_sub(4).min(64);
    let h = area.height.saturating_sub(4).min(16);
    let r = Rect {
        y: area.y + 2,
        ..centered(area, w, h)
    };
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", s.palette_title));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let iw = inner.width as usize;
    let (shown, col) = p.query.window(iw.saturating_sub(2));
    place_cursor(f, inner, inner.x, inner.y, col + 2);
    let mut lines = vec![Line::from(vec![
        Span::styled("> ", Style::default().fg(Color::Yellow)),
        Span::raw(shown),
    ])];
    if p.matches.is_empty() {
        lines.push(Line::from(s.palette_none));
    }
    let rows = (inner.height as usize).saturating_sub(1);
    let offset = super::table::scroll(0, p.selected, rows);
    for (n, &i) in p.matches.iter().enumerate().skip(offset).take(rows) {
        let b = &app.keymap.bindings[i];
        let keys = b.keys_text();
        let kw = super::text::width(&keys).min(iw / 2);
        let text = format!(
            "{}{}",
            fit(b.desc(app.lang), iw.saturating_sub(kw), Align::Left),
            fit(&keys, kw, Align::Right)
        );
        let style = if n == p.selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
