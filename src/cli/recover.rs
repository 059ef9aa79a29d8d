//! `zhida recover`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Record a recovery (收回) and optionally reallocate it (统筹安排).
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    #[arg(long)]
    pub program: String,
    #[arg(long)]
    pub amount: String,
    /// idle, expired, performance or clawback
    #[arg(long)]
    pub reason: String,
    /// Credit code of the enterprise (clawback only)
    #[arg(long)]
    pub enterprise: Option<String>,
    /// Program that receives the money
    #[arg(long)]
    pub to: Option<String>,
    /// Document number (文号)
    #[arg(long)]
    pub doc: String,
    /// Date (default today)
    #[arg(long)]
    pub date: Option<String>,
}

pub fn run(_ctx: &Ctx, _args: RecoverArgs) -> Result<ExitCode, Error> {
    super::not_yet("recover")
}
