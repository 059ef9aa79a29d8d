//! `zhida status`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Print each disbursement matching a voucher, credit code (prefix) or name fragment.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    pub query: String,
}

pub fn run(_ctx: &Ctx, _args: StatusArgs) -> Result<ExitCode, Error> {
    super::not_yet("status")
}
