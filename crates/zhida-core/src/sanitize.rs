//! Making stored text safe where it leaves zhida: on a terminal and in a spreadsheet.
//!
//! Names, notes and vouchers come from imported files and forms, so they may carry
//! anything: terminal escape sequences (`ESC [ 2 J` clears a clerk's screen, OSC 52 writes
//! the clipboard), bidi overrides that make `paid` read backwards, or a formula such as
//! `=cmd|' /C calc'!A0` that Excel/WPS would run when the exported file is opened.
//! The data is stored as it came (it is evidence); these helpers are applied on output:
//!
//! - [`display_safe`] before anything reaches a terminal (status CLI, TUI tables and
//!   detail panes, error lines that quote a value);
//! - [`cell_safe`] for every text cell of a CSV or xlsx file a person may open in a
//!   spreadsheet (report, export).

use std::borrow::Cow;

/// Characters a terminal would act on or hide instead of showing: C0/C1 controls and
/// DEL (escape sequences start with ESC or C1 CSI), bidi embeddings/overrides/isolates,
/// zero-width and other invisible format characters, line/paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `s` with every unsafe character replaced by a visible escape `\u{1b}` (lower-case hex),
/// so `ESC[31m` shows as `\u{1b}[31m` and can never colour, move or clear the screen.
/// Borrowed (no allocation) when nothing needs escaping, which is almost always.
pub fn display_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Leading characters that make Excel/WPS/LibreOffice read a cell as a formula (OWASP
/// "CSV injection"), with their full-width forms, which some spreadsheets also accept.
fn starts_formula(s: &str) -> bool {
    matches!(
        s.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠')
    )
}

/// A plain number (`-123`, `+4.5`, `-1,234.56`): a spreadsheet reads it as a number, not a
/// formula, so it is left alone.
fn is_plain_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    !int.is_empty()
        && int.starts_with(|c: char| c.is_ascii_digit())
        && int.chars().all(|c| c.is_ascii_digit() || c == ',')
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// A text cell safe to open in a spreadsheet: a value starting with `=`, `+`, `-`, `@`,
/// tab, CR or LF (or their full-width forms) gets a leading `'`, which spreadsheets show
/// as text and never evaluate. Plain numbers such as `-1,234.56` are left as they are.
pub fn cell_safe(s: &str) -> Cow<'_, str> {
    if starts_formula(s) && !is_plain_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ansi_escapes_and_controls_become_visible() {
        assert_eq!(
            display_safe("元江县因远镇\u{1b}[31m红糖厂\u{7}"),
            "元江县因远镇\\u{1b}[31m红糖厂\\u{7}"
        );
        // clear screen, OSC 52 clipboard write, C1 CSI
        assert_eq!(display_safe("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(
            display_safe("甘庄\u{1b}]52;c;ZWNobw==\u{7}"),
            "甘庄\\u{1b}]52;c;ZWNobw==\\u{7}"
        );
        assert_eq!(display_safe("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(
            display_safe("a\nb\tc\r\u{7f}"),
            "a\\u{a}b\\u{9}c\\u{d}\\u{7f}"
        );
    }

    #[test]
    fn bidi_and_invisible_characters_become_visible() {
        assert_eq!(
            display_safe("澧江街道\u{202E}diap"),
            "澧江街道\\u{202e}diap"
        );
        assert_eq!(
            display_safe("\u{feff}甘\u{200b}庄"),
            "\\u{feff}甘\\u{200b}庄"
        );
        assert_eq!(display_safe("x\u{2066}y\u{2069}"), "x\\u{2066}y\\u{2069}");
    }

    #[test]
    fn ordinary_chinese_text_is_borrowed_unchanged() {
        let name = "元江县澧江街道红河农业科技有限公司（分公司）·１２３";
        assert!(matches!(display_safe(name), Cow::Borrowed(s) if s == name));
        assert!(matches!(cell_safe(name), Cow::Borrowed(s) if s == name));
    }

    #[test]
    fn formula_payloads_are_neutralised() {
        assert_eq!(cell_safe("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(
            cell_safe("=HYPERLINK(\"http://x\",\"点我\")"),
            "'=HYPERLINK(\"http://x\",\"点我\")"
        );
        assert_eq!(cell_safe("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(cell_safe("-2+3"), "'-2+3");
        assert_eq!(cell_safe("@SUM(A1:A9)"), "'@SUM(A1:A9)");
        assert_eq!(cell_safe("\t=1"), "'\t=1");
        assert_eq!(cell_safe("\r=1"), "'\r=1");
        assert_eq!(cell_safe("＝1+1"), "'＝1+1");
    }

    #[test]
    fn plain_numbers_and_inner_signs_stay() {
        assert_eq!(cell_safe("-1,234.56"), "-1,234.56");
        assert_eq!(cell_safe("+12"), "+12");
        assert_eq!(cell_safe("-0"), "-0");
        assert_eq!(cell_safe("甘庄=1"), "甘庄=1");
        assert_eq!(cell_safe(""), "");
        // not a plain number: still neutralised
        assert_eq!(cell_safe("-1.2.3"), "'-1.2.3");
        assert_eq!(cell_safe("-"), "'-");
        assert_eq!(cell_safe("-.5"), "'-.5");
    }

    proptest! {
        #[test]
        fn display_safe_leaves_no_unsafe_char(s in any::<String>()) {
            let out = display_safe(&s);
            prop_assert!(!out.chars().any(is_unsafe_char));
            if !s.chars().any(is_unsafe_char) {
                prop_assert_eq!(out.as_ref(), s.as_str());
            }
        }

        #[test]
        fn cell_safe_never_starts_a_formula(s in any::<String>()) {
            let out = cell_safe(&s);
            prop_assert!(!starts_formula(&out) || is_plain_number(&out));
            // only ever a prefix is added
            prop_assert!(out.ends_with(s.as_str()));
            prop_assert!(out.len() <= s.len() + 1);
        }
    }
}
