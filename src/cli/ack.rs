//! `zhida ack`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Acknowledge a finding by its key (rule|program|enterprise|voucher|year).
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    pub key: String,
    #[arg(long)]
    pub note: String,
}

pub fn run(_ctx: &Ctx, _args: AckArgs) -> Result<ExitCode, Error> {
    super::not_yet("ack")
}
