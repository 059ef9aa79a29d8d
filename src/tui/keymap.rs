//! Keys are data: one table (scope, action, default keys, description zh/en) drives
//! dispatch, the footer hints, the `?` help overlay, the command palette and
//! `docs/keys.md`. User overrides come from `[keys]` in config.toml (action name →
//! key string such as `"A"`, `"ctrl-p"`, `"f5"`; several keys separated by spaces).
//! Resolution is a pure function so that it can be tested without a terminal.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zhida_core::Lang;

use super::action::{Action, EditOp, ScreenId};

/// Where a binding applies. `Global` overlaps everything; `List` overlaps the screen
/// scopes (they are all lists); screen scopes do not overlap each other. `Typing` (line
/// editing) applies only while a text input has focus, so it overlaps `Global` alone:
/// Home/End mean first/last row in a list and start/end of the text in an input (while
/// typing, an editing key comes before a list key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    List,
    Typing,
    Disbursements,
    Recovery,
    Performance,
    MonthEnd,
    Reconcile,
}

impl Scope {
    pub fn overlaps(self, other: Scope) -> bool {
        if self == Scope::Typing || other == Scope::Typing {
            return self == other || self == Scope::Global || other == Scope::Global;
        }
        self == other
            || self == Scope::Global
            || other == Scope::Global
            || self == Scope::List
            || other == Scope::List
    }

    pub fn label(self, lang: Lang) -> &'static str {
        super::i18n::scope_label(self, lang)
    }
}

/// One row of the default table.
pub struct Binding {
    pub scope: Scope,
    pub action: Action,
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub zh: &'static str,
    pub en: &'static str,
}

macro_rules! b {
    ($scope:ident, $action:expr, $name:literal, [$($k:literal),*], $zh:literal, $en:literal) => {
        Binding { scope: Scope::$scope, action: $action, name: $name, keys: &[$($k),*], zh: $zh, en: $en }
    };
}

/// The default keymap (SPEC §6).
pub const DEFAULTS: &[Binding] = &[
    b!(
        Global,
        Action::Go(ScreenId::Overview),
        "screen_overview",
        ["1"],
        "总览",
        "overview"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Programs),
        "screen_programs",
        ["2"],
        "项目",
        "programs"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Lookup),
        "screen_lookup",
        ["3"],
        "查询",
        "lookup"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Disbursements),
        "screen_disbursements",
        ["4"],
        "拨付",
        "disbursements"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Recovery),
        "screen_recovery",
        ["5"],
        "收回",
        "recovery"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Performance),
        "screen_performance",
        ["6"],
        "绩效",
        "performance"
    ),
    b!(
        Global,
        Action::Go(ScreenId::MonthEnd),
        "screen_month_end",
        ["7"],
        "月结",
        "month-end"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Audit),
        "screen_audit",
        ["8"],
        "操作日志",
        "audit log"
    ),
    b!(
        Global,
        Action::Go(ScreenId::Reconcile),
        "screen_reconcile",
        ["9"],
        "对账",
        "reconcile"
    ),
    b!(
        Global,
        Action::NextScreen,
        "next_screen",
        ["tab"],
        "下一页",
        "next screen"
    ),
    b!(
        Global,
        Action::PrevScreen,
        "prev_screen",
        ["shift-tab"],
        "上一页",
        "previous screen"
    ),
    b!(Global, Action::Help, "help", ["?"], "帮助", "help"),
    b!(
        Global,
        Action::Palette,
        "palette",
        [":", "ctrl-p"],
        "命令面板",
        "command palette"
    ),
    b!(
        Global,
        Action::Quit,
        "quit",
        ["q", "ctrl-c"],
        "退出",
        "quit"
    ),
    b!(
        Global,
        Action::ToggleUnit,
        "toggle_unit",
        ["u"],
        "元/万元",
        "yuan / 10k yuan"
    ),
    b!(
        Global,
        Action::MonthBack,
        "month_back",
        ["["],
        "上月",
        "month back"
    ),
    b!(
        Global,
        Action::MonthForward,
        "month_forward",
        ["]"],
        "下月",
        "month forward"
    ),
    b!(
        Global,
        Action::Refresh,
        "refresh",
        ["ctrl-r"],
        "刷新",
        "refresh"
    ),
    b!(
        Global,
        Action::Back,
        "back",
        ["esc"],
        "返回/关闭",
        "back / close"
    ),
    b!(List, Action::Up, "up", ["k", "up"], "上移", "up"),
    b!(List, Action::Down, "down", ["j", "down"], "下移", "down"),
    b!(
        List,
        Action::PageUp,
        "page_up",
        ["pgup"],
        "上一页",
        "page up"
    ),
    b!(
        List,
        Action::PageDown,
        "page_down",
        ["pgdn"],
        "下一页",
        "page down"
    ),
    b!(List, Action::Top, "top", ["g", "home"], "首行", "first row"),
    b!(
        List,
        Action::Bottom,
        "bottom",
        ["G", "end"],
        "末行",
        "last row"
    ),
    b!(List, Action::Filter, "filter", ["/"], "筛选", "filter"),
    b!(
        List,
        Action::SortNext,
        "sort_next",
        ["s"],
        "按下一列排序",
        "sort by next column"
    ),
    b!(
        List,
        Action::SortReverse,
        "sort_reverse",
        ["S"],
        "反向排序",
        "reverse sort"
    ),
    b!(List, Action::Open, "open", ["enter"], "打开", "open"),
    b!(
        Typing,
        Action::Edit(EditOp::Left),
        "cursor_left",
        ["left"],
        "光标左移",
        "cursor left"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::Right),
        "cursor_right",
        ["right"],
        "光标右移",
        "cursor right"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::WordLeft),
        "word_left",
        ["alt-left", "ctrl-left"],
        "左移一词",
        "word left"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::WordRight),
        "word_right",
        ["alt-right", "ctrl-right"],
        "右移一词",
        "word right"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::Home),
        "line_start",
        ["home", "ctrl-a"],
        "到行首",
        "start of text"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::End),
        "line_end",
        ["end", "ctrl-e"],
        "到行尾",
        "end of text"
    ),
    b!(
        Typing,
        Action::Backspace,
        "delete_back",
        ["backspace"],
        "删除光标前一字",
        "delete back"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::Delete),
        "delete_forward",
        ["delete"],
        "删除光标处一字",
        "delete at cursor"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::DeleteWordBack),
        "delete_word_back",
        ["ctrl-w"],
        "删除前一词",
        "delete word back"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::DeleteToStart),
        "delete_to_start",
        ["ctrl-u"],
        "删除至行首",
        "delete to start"
    ),
    b!(
        Typing,
        Action::Edit(EditOp::DeleteToEnd),
        "delete_to_end",
        ["ctrl-k"],
        "删除至行尾",
        "delete to end"
    ),
    b!(
        Disbursements,
        Action::New,
        "new",
        ["n"],
        "新增拨付",
        "new disbursement"
    ),
    b!(
        Disbursements,
        Action::Approve,
        "approve",
        ["a"],
        "复核通过",
        "approve"
    ),
    b!(
        Disbursements,
        Action::Pay,
        "pay",
        ["p"],
        "标记已拨付",
        "mark paid"
    ),
    b!(
        Disbursements,
        Action::Reject,
        "reject",
        ["x"],
        "退回",
        "reject"
    ),
    b!(
        Disbursements,
        Action::Reverse,
        "reverse",
        ["v"],
        "冲销",
        "reverse"
    ),
    b!(
        Recovery,
        Action::RecordRecovery,
        "record_recovery",
        ["n"],
        "登记收回",
        "record a recovery"
    ),
    b!(
        Performance,
        Action::EditEvaluation,
        "edit_evaluation",
        ["e"],
        "录入/修改评价",
        "add/edit evaluation"
    ),
    b!(
        Performance,
        Action::EditIndicator,
        "edit_indicator",
        ["i"],
        "录入指标实际值",
        "edit indicator actual"
    ),
    b!(
        MonthEnd,
        Action::RunChecks,
        "run_checks",
        ["r"],
        "运行核查",
        "run checks"
    ),
    b!(
        MonthEnd,
        Action::Acknowledge,
        "acknowledge",
        ["a"],
        "确认",
        "acknowledge"
    ),
    b!(
        MonthEnd,
        Action::ExportReport,
        "export_report",
        ["e"],
        "导出通报",
        "export report"
    ),
    b!(
        MonthEnd,
        Action::CloseMonth,
        "close_month",
        ["c"],
        "月结关账",
        "close month"
    ),
    b!(
        Reconcile,
        Action::ReconOpen,
        "recon_open",
        ["o"],
        "选择导出文件与方案",
        "open export / profile"
    ),
    b!(
        Reconcile,
        Action::ReconRun,
        "recon_run",
        ["r"],
        "重新对账",
        "reconcile again"
    ),
    b!(
        Reconcile,
        Action::ReconAcknowledge,
        "recon_acknowledge",
        ["a"],
        "确认差异",
        "acknowledge"
    ),
    b!(
        Reconcile,
        Action::ReconToggleMatched,
        "recon_matched",
        ["m"],
        "显示/隐藏一致",
        "show / hide matches"
    ),
];

/// A key as the keymap compares it: character keys ignore Shift (the case carries it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> KeySpec {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeySpec { code, mods }
    }

    #[cfg(test)]
    pub fn plain(code: KeyCode) -> KeySpec {
        KeySpec::new(code, KeyModifiers::NONE)
    }

    #[cfg(test)]
    pub fn ch(c: char) -> KeySpec {
        KeySpec::plain(KeyCode::Char(c))
    }

    pub fn from_event(ev: &KeyEvent) -> KeySpec {
        KeySpec::new(ev.code, ev.modifiers)
    }

    /// A printable character typed without Ctrl/Alt (goes to a focused text input).
    pub fn typed_char(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c)
                if !self
                    .mods
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// Parse `"A"`, `"ctrl-p"`, `"f5"`, `"shift-tab"`, `"pgdn"`, `"esc"`, `"space"`, `"?"`.
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("空按键 (empty key)".into());
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("c-") && rest.len() > 2 {
                (KeyModifiers::CONTROL, 2)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" | "cr" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=24) => KeyCode::F(n),
                    _ => return Err(format!("无效按键 '{s}' (no such function key)")),
                }
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("无效按键 '{s}' (unknown key name)")),
                }
            }
        };
        Ok(KeySpec::new(code, mods))
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding after defaults and overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub scope: Scope,
    pub action: Action,
    pub name: &'static str,
    pub keys: Vec<KeySpec>,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Resolved {
    pub fn desc(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }

    /// `j/↓`
    pub fn keys_text(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// A problem found while applying `[keys]` overrides; reported in the status line at start.
#[derive(Debug, Clone, PartialEq)]
pub enum KeymapError {
    UnknownAction(String),
    BadKey {
        action: String,
        reason: String,
    },
    Conflict {
        key: KeySpec,
        first: &'static str,
        second: &'static str,
    },
}

impl KeymapError {
    pub fn message(&self, lang: Lang) -> String {
        super::i18n::keymap_error(self, lang)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    pub bindings: Vec<Resolved>,
}

/// Apply user overrides to the defaults. Every problem is returned; a bad override
/// leaves that action's default keys; of two conflicting bindings the earlier one in the
/// table wins at dispatch.
pub fn resolve(overrides: &BTreeMap<String, String>) -> (Keymap, Vec<KeymapError>) {
    let mut errors = Vec::new();
    let mut bindings: Vec<Resolved> = DEFAULTS
        .iter()
        .map(|b| Resolved {
            scope: b.scope,
            action: b.action,
            name: b.name,
            keys: b
                .keys
                .iter()
                .filter_map(|k| KeySpec::parse(k).ok())
                .collect(),
            zh: b.zh,
            en: b.en,
        })
        .collect();
    for (name, value) in overrides {
        let Some(target) = bindings.iter_mut().find(|b| b.name == name.as_str()) else {
            errors.push(KeymapError::UnknownAction(name.clone()));
            continue;
        };
        let parsed: Result<Vec<KeySpec>, String> =
            value.split_whitespace().map(KeySpec::parse).collect();
        match parsed {
            Ok(keys) if !keys.is_empty() => target.keys = keys,
            Ok(_) => errors.push(KeymapError::BadKey {
                action: name.clone(),
                reason: "空按键 (empty key)".into(),
            }),
            Err(reason) => errors.push(KeymapError::BadKey {
                action: name.clone(),
                reason,
            }),
        }
    }
    for (i, a) in bindings.iter().enumerate() {
        for b in &bindings[i + 1..] {
            if !a.scope.overlaps(b.scope) {
                continue;
            }
            for k in &a.keys {
                if b.keys.contains(k) {
                    errors.push(KeymapError::Conflict {
                        key: *k,
                        first: a.name,
                        second: b.name,
                    });
                }
            }
        }
    }
    (Keymap { bindings }, errors)
}

impl Default for Keymap {
    fn default() -> Self {
        resolve(&BTreeMap::new()).0
    }
}

impl Keymap {
    /// The action bound to `key` in the first of `scopes` (most specific first) that has it.
    pub fn lookup(&self, key: KeySpec, scopes: &[Scope]) -> Option<Action> {
        scopes.iter().find_map(|s| {
            self.bindings
                .iter()
                .find(|b| b.scope == *s && b.keys.contains(&key))
                .map(|b| b.action)
        })
    }

    pub fn binding(&self, action: Action) -> Option<&Resolved> {
        self.bindings.iter().find(|b| b.action == action)
    }

    #[cfg(test)]
    /// The keymap as Markdown, one table per scope (docs/keys.md is generated from it).
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# 按键 Keys\n\n\
             Generated from the keymap table (`src/tui/keymap.rs`) by the test \
             `tui::keymap::tests::docs_keys_md_is_current`; do not edit by hand.\n\
             While a text input has focus, printable keys type and the keys under \
             输入时 / while typing edit the text; pasted text is typed in without line \
             breaks, control characters or escape sequences.\n\
             Override any binding in `config.toml`:\n\n\
             ```toml\n[keys]\napprove = \"A\"\npalette = \"ctrl-p f2\"\n```\n",
        );
        let mut scope: Option<Scope> = None;
        for b in &self.bindings {
            if scope != Some(b.scope) {
                scope = Some(b.scope);
                out.push_str(&format!(
                    "\n## {} / {}\n\n| 按键 key | 操作 action | 说明 | description |\n|---|---|---|---|\n",
                    b.scope.label(Lang::Zh),
                    b.scope.label(Lang::En)
                ));
            }
            let keys = b
                .keys
                .iter()
                .map(|k| format!("`{}`", k.to_string().replace('|', "\\|")))
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!(
                "| {keys} | `{}` | {} | {} |\n",
                b.name, b.zh, b.en
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_have_no_conflicts_and_resolve_by_scope() {
        let (km, errors) = resolve(&BTreeMap::new());
        assert!(errors.is_empty(), "{errors:?}");
        let list = [Scope::List, Scope::Global];
        assert_eq!(km.lookup(KeySpec::ch('j'), &list), Some(Action::Down));
        assert_eq!(
            km.lookup(KeySpec::plain(KeyCode::Down), &list),
            Some(Action::Down)
        );
        assert_eq!(km.lookup(KeySpec::ch('G'), &list), Some(Action::Bottom));
        assert_eq!(km.lookup(KeySpec::ch('q'), &list), Some(Action::Quit));
        assert_eq!(
            km.lookup(KeySpec::ch('3'), &[Scope::Global]),
            Some(Action::Go(ScreenId::Lookup))
        );
        // the same key means different things on different screens
        let disb = [Scope::Disbursements, Scope::List, Scope::Global];
        let month = [Scope::MonthEnd, Scope::List, Scope::Global];
        assert_eq!(km.lookup(KeySpec::ch('a'), &disb), Some(Action::Approve));
        assert_eq!(
            km.lookup(KeySpec::ch('a'), &month),
            Some(Action::Acknowledge)
        );
        // list keys do not act outside lists
        assert_eq!(km.lookup(KeySpec::ch('j'), &[Scope::Global]), None);
        let ctrl_p = KeySpec::new(KeyCode::Char('p'), KeyModifiers::CONTROL);
        assert_eq!(km.lookup(ctrl_p, &[Scope::Global]), Some(Action::Palette));
        assert_eq!(km.lookup(KeySpec::ch('p'), &disb), Some(Action::Pay));
    }

    #[test]
    fn key_strings_parse_and_print() {
        assert_eq!(
            KeySpec::parse("ctrl-p").unwrap(),
            KeySpec::new(KeyCode::Char('p'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            KeySpec::parse("Ctrl-P").unwrap(),
            KeySpec::parse("ctrl-p").unwrap()
        );
        assert_eq!(KeySpec::parse("f5").unwrap(), KeySpec::plain(KeyCode::F(5)));
        assert_eq!(KeySpec::parse("A").unwrap(), KeySpec::ch('A'));
        assert_ne!(KeySpec::parse("A").unwrap(), KeySpec::ch('a'));
        assert_eq!(
            KeySpec::parse("shift-tab").unwrap(),
            KeySpec::plain(KeyCode::BackTab)
        );
        // a terminal reports Shift+A as 'A' with SHIFT: the same key
        assert_eq!(
            KeySpec::new(KeyCode::Char('A'), KeyModifiers::SHIFT),
            KeySpec::ch('A')
        );
        assert!(KeySpec::parse("f99").is_err());
        assert!(KeySpec::parse("hyper-x").is_err());
        assert!(KeySpec::parse("").is_err());
        assert_eq!(KeySpec::parse("ctrl-r").unwrap().to_string(), "Ctrl-R");
        assert_eq!(KeySpec::parse("pgdn").unwrap().to_string(), "PgDn");
        assert_eq!(KeySpec::parse("space").unwrap().to_string(), "Space");
    }

    #[test]
    fn overrides_replace_the_default_keys() {
        let (km, errors) = resolve(&ov(&[("approve", "A"), ("refresh", "f5 ctrl-r")]));
        assert!(errors.is_empty(), "{errors:?}");
        let disb = [Scope::Disbursements, Scope::List, Scope::Global];
        assert_eq!(km.lookup(KeySpec::ch('A'), &disb), Some(Action::Approve));
        assert_eq!(km.lookup(KeySpec::ch('a'), &disb), None, "old key released");
        assert_eq!(
            km.lookup(KeySpec::plain(KeyCode::F(5)), &[Scope::Global]),
            Some(Action::Refresh)
        );
        assert_eq!(
            km.binding(Action::Refresh).unwrap().keys_text(),
            "F5/Ctrl-R"
        );
    }

    #[test]
    fn bad_overrides_are_reported_and_keep_defaults() {
        let (km, errors) = resolve(&ov(&[("aprove", "A"), ("quit", "hyper-q")]));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.contains(&KeymapError::UnknownAction("aprove".into())));
        assert!(matches!(&errors[1], KeymapError::BadKey { action, .. } if action == "quit"));
        assert_eq!(
            km.lookup(KeySpec::ch('q'), &[Scope::Global]),
            Some(Action::Quit)
        );
        let msg = errors[0].message(Lang::Zh);
        assert!(msg.contains("aprove"), "{msg}");
    }

    #[test]
    fn conflicts_are_reported_only_where_scopes_overlap() {
        // u (global) on refresh clashes with toggle_unit
        let (km, errors) = resolve(&ov(&[("refresh", "u")]));
        assert_eq!(
            errors,
            vec![KeymapError::Conflict {
                key: KeySpec::ch('u'),
                first: "toggle_unit",
                second: "refresh"
            }]
        );
        // the earlier binding in the table wins
        assert_eq!(
            km.lookup(KeySpec::ch('u'), &[Scope::Global]),
            Some(Action::ToggleUnit)
        );
        let msg = errors[0].message(Lang::En);
        assert!(
            msg.contains("u") && msg.contains("refresh") && msg.contains("toggle_unit"),
            "{msg}"
        );
        // a list key clashes with a screen key
        let (_, errors) = resolve(&ov(&[("approve", "j")]));
        assert_eq!(errors.len(), 1);
        // but two screens may share a key
        let (_, errors) = resolve(&ov(&[("run_checks", "n")]));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn typing_keys_share_keys_with_lists_but_not_with_global_keys() {
        let (km, errors) = resolve(&BTreeMap::new());
        assert!(
            errors.is_empty(),
            "Home/End in lists and inputs: {errors:?}"
        );
        let typing = [Scope::Typing, Scope::List, Scope::Global];
        let list = [Scope::List, Scope::Global];
        let home = KeySpec::plain(KeyCode::Home);
        assert_eq!(km.lookup(home, &list), Some(Action::Top));
        assert_eq!(km.lookup(home, &typing), Some(Action::Edit(EditOp::Home)));
        let ctrl = |c| KeySpec::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(
            km.lookup(ctrl('a'), &typing),
            Some(Action::Edit(EditOp::Home))
        );
        assert_eq!(km.lookup(ctrl('a'), &list), None, "only while typing");
        assert_eq!(
            km.lookup(KeySpec::new(KeyCode::Left, KeyModifiers::ALT), &typing),
            Some(Action::Edit(EditOp::WordLeft))
        );
        assert_eq!(
            km.lookup(KeySpec::plain(KeyCode::Backspace), &typing),
            Some(Action::Backspace)
        );
        // the global keys still act while typing: an editing key may not take one
        assert_eq!(km.lookup(ctrl('r'), &typing), Some(Action::Refresh));
        let (_, errors) = resolve(&ov(&[("line_start", "ctrl-r")]));
        assert_eq!(
            errors,
            vec![KeymapError::Conflict {
                key: ctrl('r'),
                first: "refresh",
                second: "line_start"
            }]
        );
        // nor another editing key's; a list key it may share
        let (_, errors) = resolve(&ov(&[("cursor_right", "left")]));
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (_, errors) = resolve(&ov(&[("delete_to_end", "pgdn")]));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn every_action_has_a_unique_name() {
        let mut names: Vec<_> = DEFAULTS.iter().map(|b| b.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    /// docs/keys.md is generated from the table; `ZHIDA_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn docs_keys_md_is_current() {
        let want = Keymap::default().markdown();
        crate::tui::docs::file_is("docs/keys.md", &want);
        // README: the tables, one heading level down
        let tables = &want[want.find("\n## ").unwrap() + 1..];
        crate::tui::docs::readme_block_is("keys", &tables.replace("## ", "#### "));
        assert!(want.contains("| `q` `Ctrl-C` | `quit` | 退出 | quit |"));
    }
}
