//! `zhida backup`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Online backup (SQLite backup API), verified after copying.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    #[arg(long)]
    pub to: std::path::PathBuf,
}

/// Replace the database with a verified backup.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[arg(long)]
    pub from: std::path::PathBuf,
}

pub fn run_backup(_ctx: &Ctx, _args: BackupArgs) -> Result<ExitCode, Error> {
    super::not_yet("backup")
}

pub fn run_restore(_ctx: &Ctx, _args: RestoreArgs) -> Result<ExitCode, Error> {
    super::not_yet("restore")
}
