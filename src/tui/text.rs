//! Display-width text helpers: Chinese characters take two terminal cells, so every
//! column is padded and truncated by `unicode-width`, never by `char` count.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Widget;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub fn width(s: &str) -> usize {
    s.width()
}

/// Cut `s` to at most `max` cells, ending in `…` when something was cut. A wide
/// character that would straddle the edge is dropped (never half drawn).
pub fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A character that is a grapheme of its own wherever it stands, one or two cells wide:
/// printable ASCII, Latin-1, CJK ideographs and punctuation, full-width forms, box
/// drawing, arrows and shapes: nearly all the text the app draws. (Excluded are the
/// marks that join the character before them, joiners, variation selectors, emoji and
/// controls: text with any of those goes through grapheme segmentation.)
fn lone(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{a0}'..='\u{ac}'
        | '\u{ae}'..='\u{ff}'
        | '\u{2010}'..='\u{2027}'
        | '\u{2030}'..='\u{205e}'
        | '\u{2190}'..='\u{22ff}'
        | '\u{2500}'..='\u{25ff}'
        | '\u{3000}'..='\u{3029}'
        | '\u{3030}'..='\u{303e}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ff01}'..='\u{ff5e}'
        | '\u{ffe0}'..='\u{ffe6}')
}

/// Draw `text` in the first row of `area` with `style`, as far as it fits: the cells
/// `Span::styled(text, style).render(area, buf)` leaves, one character a cell, without
/// grapheme segmentation when every character is a [`lone`] one (segmentation was most
/// of the cost of drawing a table).
pub fn put(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    if !text.chars().all(lone) {
        Span::styled(text, style).render(area, buf);
        return;
    }
    let start = buf.index_of(area.x, area.y);
    let row = &mut buf.content[start..start + area.width as usize];
    let mut x = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(1);
        if x + w > row.len() {
            break;
        }
        row[x].set_char(c).set_style(style);
        // the cell a wide character covers is cleared, as ratatui does
        for hidden in &mut row[x + 1..x + w] {
            hidden.reset();
        }
        x += w;
    }
}

/// Exactly `width` cells: truncated with `…` if too long, padded with spaces otherwise.
pub fn fit(s: &str, width: usize, align: Align) -> String {
    let t = truncate(s, width);
    let pad = width.saturating_sub(t.width());
    match align {
        Align::Left => format!("{t}{}", " ".repeat(pad)),
        Align::Right => format!("{}{t}", " ".repeat(pad)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_chinese_by_display_width() {
        assert_eq!(fit("稳岗返还", 10, Align::Left), "稳岗返还  ");
        assert_eq!(fit("稳岗返还", 10, Align::Right), "  稳岗返还");
        assert_eq!(
            fit("元江县澧江街道甘蔗种植合作社", 10, Align::Left),
            "元江县澧… "
        );
        assert_eq!(
            width(&fit("元江县澧江街道甘蔗种植合作社", 10, Align::Left)),
            9 + 1
        );
        // a wide char that would straddle the edge is dropped and padding fills
        assert_eq!(fit("元江县澧江", 8, Align::Left), "元江县… ");
        assert_eq!(width(&fit("元江县澧江", 8, Align::Left)), 8);
        assert_eq!(fit("1,234.00", 6, Align::Right), "1,234…");
        assert_eq!(fit("abc", 3, Align::Left), "abc");
        assert_eq!(fit("abcd", 1, Align::Left), "…");
        assert_eq!(fit("abcd", 0, Align::Left), "");
        assert_eq!(fit("", 2, Align::Right), "  ");
    }

    /// `put` leaves exactly the cells ratatui's span leaves: over every lone character,
    /// and over texts mixing them with joining marks, emoji and controls, drawn at
    /// every offset and width over a row that already holds wide characters and styles.
    #[test]
    fn put_draws_what_a_span_draws() {
        use ratatui::style::{Color, Modifier};
        let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
        let under = |w: u16| {
            let mut b = Buffer::empty(Rect::new(2, 1, w, 1));
            Span::styled("甘庄街道杨记米线店 ab", Style::new().bg(Color::Blue))
                .render(b.area, &mut b);
            b
        };
        let check = |text: &str| {
            for width in [0u16, 1, 2, 3, 5, 8, 13, 24] {
                for x in 0..3u16 {
                    let area = Rect::new(2 + x, 1, width, 1);
                    let (mut a, mut b) = (under(28), under(28));
                    put(&mut a, area, text, style);
                    Span::styled(text, style).render(area, &mut b);
                    assert_eq!(a, b, "{text:?} at +{x}, {width} wide");
                }
            }
        };
        let lone_chars: String = (0..=0x10ffffu32)
            .filter_map(char::from_u32)
            .filter(|&c| lone(c))
            .collect();
        assert!(lone_chars.chars().count() > 28_000);
        for chunk in lone_chars.chars().collect::<Vec<_>>().chunks(12) {
            check(&chunk.iter().collect::<String>());
        }
        for text in [
            "",
            "元江县澧江街道甘蔗种植合作社",
            "拨付 1,234,567.89 元（已到账）▲",
            "e\u{301}tude 萍乡",
            "家\u{200d}庭",
            "☀\u{fe0f} 晴",
            "制表\t符",
            "ｶﾞｲﾄﾞ",
            "👍 好",
            "\u{3099}か",
        ] {
            check(text);
        }
    }

    #[test]
    fn mixed_text_never_exceeds_width() {
        for s in ["A股科技ABC有限公司", "甘庄街道1号", "ｆｕｌｌ宽", "x"] {
            for w in 0..20 {
                assert_eq!(width(&fit(s, w, Align::Left)), w, "{s} at {w}");
                assert!(width(&truncate(s, w)) <= w);
            }
        }
    }
}
