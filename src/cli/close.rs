//! `zhida close`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Close a month: nothing dated in it can change afterwards.
#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    #[arg(long)]
    pub month: String,
    /// Close despite unacknowledged error findings (supervisor only)
    #[arg(long)]
    pub force: bool,
}

pub fn run(_ctx: &Ctx, _args: CloseArgs) -> Result<ExitCode, Error> {
    super::not_yet("close")
}
