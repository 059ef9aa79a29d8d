//! `zhida export`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Export every table as CSV with the bureau region code on every row.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// csv
    #[arg(long, default_value = "csv")]
    pub format: String,
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Region code (行政区划代码) of this bureau
    #[arg(long, default_value = "")]
    pub region: String,
}

pub fn run(_ctx: &Ctx, _args: ExportArgs) -> Result<ExitCode, Error> {
    super::not_yet("export")
}
