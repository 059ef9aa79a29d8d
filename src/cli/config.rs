//! `zhida config`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Show the effective configuration.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// Print the effective configuration as TOML
    #[arg(long)]
    pub print: bool,
}

pub fn run(ctx: &Ctx, _args: ConfigArgs) -> Result<ExitCode, Error> {
    print!("{}", ctx.config.to_toml());
    Ok(ExitCode::SUCCESS)
}
