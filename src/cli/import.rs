//! `zhida import`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Load CSV/xlsx files. DIR loads every known file in dependency order.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A directory of known files, or one file (with --kind)
    pub path: std::path::PathBuf,
    /// programs, allocations, enterprises, disbursements, recoveries, evaluations, indicators
    #[arg(long)]
    pub kind: Option<String>,
    /// Validate only; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Update rows that already exist (never paid rows or closed months)
    #[arg(long)]
    pub upsert: bool,
    /// Ignore unknown columns instead of refusing the file
    #[arg(long)]
    pub ignore_unknown: bool,
}

pub fn run(_ctx: &Ctx, _args: ImportArgs) -> Result<ExitCode, Error> {
    super::not_yet("import")
}
