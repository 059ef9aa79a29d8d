//! `zhida gen`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Write deterministic synthetic CSVs in the import formats.
#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// Number of disbursements
    #[arg(long)]
    pub rows: u64,
    #[arg(long, default_value_t = 200)]
    pub programs: u32,
    #[arg(long, default_value_t = 50_000)]
    pub enterprises: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: std::path::PathBuf,
}

pub fn run(_ctx: &Ctx, _args: GenArgs) -> Result<ExitCode, Error> {
    super::not_yet("gen")
}
