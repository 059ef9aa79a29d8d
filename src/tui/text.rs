//! Display-width text helpers: Chinese characters take two terminal cells, so every
//! column is padded and truncated by `unicode-width`, never by `char` count.

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
