//! One-line text editing for every input (form fields, the lookup box, list filters, the
//! palette). The editing itself is `tui_input::Input`, driven by [`EditOp`]s (the keymap's
//! typing scope) without crossterm events; this wrapper adds what the screens need: the
//! value read as text, pasted text made safe, and the visible window with the cursor's
//! column by display width (Chinese characters take two cells), scrolled horizontally
//! when the text is wider than the field.

use std::ops::Deref;

use ratatui::layout::{Position, Rect};
use ratatui::Frame;
use tui_input::{Input, InputRequest};
use unicode_width::UnicodeWidthChar;
use zhida_core::sanitize::is_unsafe_char;

use super::action::{Action, EditOp};

#[derive(Debug, Clone, Default)]
pub struct LineInput {
    inner: Input,
}

impl LineInput {
    /// `value` with the cursor at its end.
    pub fn new(value: &str) -> LineInput {
        LineInput {
            inner: Input::new(value.to_string()),
        }
    }

    pub fn value(&self) -> &str {
        self.inner.value()
    }

    /// Characters before the cursor.
    pub fn cursor(&self) -> usize {
        self.inner.cursor()
    }

    /// Cells before the cursor.
    pub fn visual_cursor(&self) -> usize {
        self.inner.visual_cursor()
    }

    /// Replace the text; the cursor goes to its end.
    pub fn set(&mut self, value: &str) {
        self.inner = Input::new(value.to_string());
    }

    pub fn clear(&mut self) {
        self.inner.reset();
    }

    /// Type `c` at the cursor.
    pub fn insert(&mut self, c: char) -> bool {
        self.request(InputRequest::InsertChar(c))
    }

    /// Delete the character before the cursor.
    pub fn backspace(&mut self) -> bool {
        self.request(InputRequest::DeletePrevChar)
    }

    /// Apply one editing key; true when the text changed (a cursor move returns false).
    pub fn edit(&mut self, op: EditOp) -> bool {
        use InputRequest::*;
        self.request(match op {
            EditOp::Left => GoToPrevChar,
            EditOp::Right => GoToNextChar,
            EditOp::WordLeft => GoToPrevWord,
            EditOp::WordRight => GoToNextWord,
            EditOp::Home => GoToStart,
            EditOp::End => GoToEnd,
            EditOp::Delete => DeleteNextChar,
            EditOp::DeleteWordBack => DeletePrevWord,
            EditOp::DeleteToStart => DeleteFromStart,
            EditOp::DeleteToEnd => DeleteTillEnd,
            EditOp::Insert(c) if is_unsafe_char(c) => return false,
            EditOp::Insert(c) => InsertChar(c),
        })
    }

    /// A text-input action (a typed character, Backspace, an editing key); true when
    /// the text changed. Other actions do nothing here.
    pub fn apply(&mut self, action: Action) -> bool {
        match action {
            Action::Char(c) => self.insert(c),
            Action::Backspace => self.backspace(),
            Action::Edit(op) => self.edit(op),
            _ => false,
        }
    }

    fn request(&mut self, req: InputRequest) -> bool {
        // every edit inserts or removes something; compared rather than taken from the
        // response, which reports DeleteTillEnd at the end of the text as a change
        let before = self.inner.value().len();
        self.inner.handle(req);
        self.inner.value().len() != before
    }

    /// The part of the text that fits in `width` cells, and the cursor's column in it:
    /// the view scrolls so that the cursor (after the last character, at the end) is
    /// always inside.
    pub fn window(&self, width: usize) -> (String, usize) {
        if width == 0 {
            return (String::new(), 0);
        }
        let skip = self.inner.visual_scroll(width - 1);
        let mut shown = String::new();
        let (mut skipped, mut used) = (0, 0);
        for c in self.value().chars() {
            let w = c.width().unwrap_or(0);
            if skipped < skip {
                skipped += w;
                continue;
            }
            if used + w > width {
                break;
            }
            used += w;
            shown.push(c);
        }
        (shown, self.visual_cursor() - skipped)
    }
}

/// Two inputs are equal when they hold the same text with the cursor at the same place.
impl PartialEq for LineInput {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value() && self.cursor() == other.cursor()
    }
}

impl PartialEq<&str> for LineInput {
    fn eq(&self, other: &&str) -> bool {
        self.value() == *other
    }
}

/// An input reads as its text (`trim`, `is_empty`, `to_lowercase`, comparisons).
impl Deref for LineInput {
    type Target = str;

    fn deref(&self) -> &str {
        self.value()
    }
}

/// Pasted text as it may go into a one-line input: line breaks, tabs and other control
/// characters are dropped, and so are whole terminal escape sequences (`ESC [ 31 m`, an
/// OSC title or clipboard write up to its BEL or `ESC \`), not only their ESC; bidi
/// overrides and invisible format characters go as well (`sanitize::is_unsafe_char`).
pub fn clean_paste(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                // OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \)
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                // ESC and one character (ESC c, ESC 7…)
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            c if is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The rest of a control sequence (after `ESC [` or C1 CSI): parameters and
/// intermediates up to its final byte `@`..`~`.
fn skip_csi(chars: &mut impl Iterator<Item = char>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// Show the terminal cursor at column `col` of row `y`, starting at `x`, when that cell
/// lies inside `area` (an input scrolled or cut by a small terminal shows none). The
/// terminal's own cursor, rather than a drawn block, also tells an input method where
/// to open its candidate window.
pub fn place_cursor(f: &mut Frame, area: Rect, x: u16, y: u16, col: usize) {
    let Ok(col) = u16::try_from(col) else {
        return;
    };
    let p = Position::new(x.saturating_add(col), y);
    if area.contains(p) {
        f.set_cursor_position(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> LineInput {
        let mut i = LineInput::default();
        for c in s.chars() {
            i.insert(c);
        }
        i
    }

    #[test]
    fn cursor_moves_and_edits_in_the_middle_of_chinese_text() {
        let mut i = typed("元江县财政局");
        assert_eq!((i.cursor(), i.visual_cursor()), (6, 12));
        i.edit(EditOp::Home);
        assert_eq!(i.cursor(), 0);
        for _ in 0..3 {
            i.edit(EditOp::Right);
        }
        assert_eq!((i.cursor(), i.visual_cursor()), (3, 6), "after 元江县");
        assert!(i.insert('·'));
        assert_eq!(i.value(), "元江县·财政局");
        assert!(i.backspace());
        assert!(i.edit(EditOp::Delete));
        assert_eq!(i.value(), "元江县政局");
        assert!(!i.edit(EditOp::Left), "a move changes no text");
        assert!(i.edit(EditOp::DeleteToEnd));
        assert_eq!(i.value(), "元江");
        assert!(!i.edit(EditOp::DeleteToEnd), "nothing after the cursor");
        i.edit(EditOp::End);
        assert!(i.edit(EditOp::DeleteToStart));
        assert_eq!((i.value(), i.cursor()), ("", 0));
    }

    #[test]
    fn word_moves_and_delete_word_back() {
        let mut i = typed("xinyuan keji youxian");
        assert!(i.edit(EditOp::DeleteWordBack));
        assert_eq!(i.value(), "xinyuan keji ");
        i.edit(EditOp::WordLeft);
        assert_eq!(i.cursor(), "xinyuan ".len());
        i.edit(EditOp::WordLeft);
        assert_eq!(i.cursor(), 0);
        i.edit(EditOp::WordRight);
        assert_eq!(i.cursor(), "xinyuan ".len());
        // a voucher's dash separates words; without a dictionary every Chinese
        // character is a word of its own (Unicode word boundaries)
        let mut v = typed("PZ2025-0001 稳岗");
        v.edit(EditOp::DeleteWordBack);
        assert_eq!(v.value(), "PZ2025-0001 稳");
        v.edit(EditOp::DeleteWordBack);
        v.edit(EditOp::DeleteWordBack);
        assert_eq!(v.value(), "PZ2025-");
        v.edit(EditOp::WordLeft);
        assert_eq!(v, LineInput::new("PZ2025-").with_cursor_at(0));
    }

    impl LineInput {
        fn with_cursor_at(mut self, n: usize) -> LineInput {
            self.inner = self.inner.with_cursor(n);
            self
        }
    }

    #[test]
    fn the_window_scrolls_by_display_width() {
        let i = typed("元江县甘庄街道鑫源科技有限公司");
        // 15 characters, 30 cells, in a field of 10: the end shows, the cursor after it
        let (shown, col) = i.window(10);
        assert_eq!((shown.as_str(), col), ("有限公司", 8));
        let mut i = i;
        i.edit(EditOp::Home);
        assert_eq!(i.window(10), ("元江县甘庄".to_string(), 0));
        i.edit(EditOp::Right);
        assert_eq!(i.window(10).1, 2);
        assert_eq!(typed("abc").window(10), ("abc".to_string(), 3));
        assert_eq!(typed("abc").window(0), (String::new(), 0));
    }

    #[test]
    fn pasted_text_loses_line_breaks_controls_and_escape_sequences() {
        assert_eq!(clean_paste("元江县\r\n"), "元江县");
        assert_eq!(clean_paste("91530428\nMA6K1XY01Q"), "91530428MA6K1XY01Q");
        assert_eq!(clean_paste("\u{1b}[31m红糖\u{1b}[0m厂\t"), "红糖厂");
        assert_eq!(clean_paste("甘\u{1b}]52;c;aGk=\u{7}庄"), "甘庄");
        assert_eq!(clean_paste("甘\u{1b}]0;title\u{1b}\\庄\u{1b}c"), "甘庄");
        assert_eq!(clean_paste("a\u{202e}b\u{9b}2Jc"), "abc");
        let mut i = typed("元江");
        i.edit(EditOp::Home);
        for c in clean_paste("云南\u{1b}[2J\n").chars() {
            i.edit(EditOp::Insert(c));
        }
        assert_eq!((i.value(), i.cursor()), ("云南元江", 2));
        assert!(
            !i.edit(EditOp::Insert('\u{1b}')),
            "never a control character"
        );
    }
}
