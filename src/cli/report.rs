//! `zhida report`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// The monthly execution report (月度通报).
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[arg(long)]
    pub month: String,
    /// Write to FILE.csv or FILE.xlsx instead of printing
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

pub fn run(_ctx: &Ctx, _args: ReportArgs) -> Result<ExitCode, Error> {
    super::not_yet("report")
}
