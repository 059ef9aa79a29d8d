//! What the user can ask for. Keys resolve to an [`Action`] through the keymap; typed
//! characters reach text inputs as [`Action::Char`], the line-editing keys as
//! [`Action::Edit`]; `App::update` handles them all.

/// The seven screens of SPEC §6, the audit log and reconciliation, in tab order. Adding a screen: a module in `screens/` plus one arm
/// in [`crate::tui::screens::build`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScreenId {
    Overview,
    Programs,
    Lookup,
    Disbursements,
    Recovery,
    Performance,
    MonthEnd,
    Audit,
    Reconcile,
}

impl ScreenId {
    pub const ALL: [ScreenId; 9] = [
        ScreenId::Overview,
        ScreenId::Programs,
        ScreenId::Lookup,
        ScreenId::Disbursements,
        ScreenId::Recovery,
        ScreenId::Performance,
        ScreenId::MonthEnd,
        ScreenId::Audit,
        ScreenId::Reconcile,
    ];

    pub fn index(self) -> usize {
        ScreenId::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // everywhere
    Go(ScreenId),
    NextScreen,
    PrevScreen,
    Help,
    Palette,
    Quit,
    ToggleUnit,
    MonthBack,
    MonthForward,
    Refresh,
    Back,
    // any list
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    SortNext,
    SortReverse,
    Open,
    // 拨付
    New,
    Approve,
    Pay,
    Reject,
    Reverse,
    // 收回
    RecordRecovery,
    // 绩效
    EditEvaluation,
    EditIndicator,
    // 月结
    RunChecks,
    Acknowledge,
    ExportReport,
    CloseMonth,
    // 对账
    ReconOpen,
    ReconRun,
    ReconAcknowledge,
    ReconToggleMatched,
    // text input: Backspace and the editing keys are the keymap's typing scope; typed
    // characters are not in the keymap
    Char(char),
    Backspace,
    Edit(EditOp),
    /// a background job finished: its output is applied (not in the keymap)
    Background,
}

/// Line editing in a focused text input (carried out by `tui_input`, see `tui/input.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditOp {
    Left,
    Right,
    WordLeft,
    WordRight,
    Home,
    End,
    /// the character under the cursor
    Delete,
    DeleteWordBack,
    DeleteToStart,
    DeleteToEnd,
    /// one character of pasted text: inserted as it is (never a command such as `y`)
    Insert(char),
}
