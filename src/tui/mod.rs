//! The terminal interface (ratatui). Thin: input → Action → App::update → render.

use std::process::ExitCode;

use zhida_core::Error;

use crate::cli::Ctx;

/// Open the TUI on the context's database.
pub fn run_on_db(_ctx: &Ctx) -> Result<ExitCode, Error> {
    crate::cli::not_yet("tui")
}
