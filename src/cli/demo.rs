//! `zhida demo`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Open the interface on a fresh database loaded from the embedded sample data.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Only build the demo database at --db (or a temp file) and print its path
    #[arg(long)]
    pub no_tui: bool,
}

pub fn run(_ctx: &Ctx, _args: DemoArgs) -> Result<ExitCode, Error> {
    super::not_yet("demo")
}
