//! Repository: every query and low-level write the CLI, TUI, checks and reports share.
//! Front ends never write SQL of their own.

pub mod figures;
pub mod listing;
pub mod lookup;
pub mod name_cache;
pub mod summary;
pub mod worklists;
pub mod write;

pub use figures::{program_figures, time_progress, ProgramFigures};
