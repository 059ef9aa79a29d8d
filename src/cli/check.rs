//! `zhida check`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Run the month-end checks as of the end of a month or a date.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Month YYYY-MM (checks as of its last day)
    #[arg(long, conflicts_with = "as_of")]
    pub month: Option<String>,
    /// Date YYYY-MM-DD
    #[arg(long)]
    pub as_of: Option<String>,
    /// table (default), json or csv
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only these rules (repeatable), e.g. --rule OVER_CAP
    #[arg(long)]
    pub rule: Vec<String>,
    /// Only this program code
    #[arg(long)]
    pub program: Option<String>,
    /// Hide acknowledged findings
    #[arg(long)]
    pub unacknowledged: bool,
    /// Exit 1 when a finding of this severity (error|warn) or worse exists
    #[arg(long)]
    pub fail_on: Option<String>,
}

pub fn run(_ctx: &Ctx, _args: CheckArgs) -> Result<ExitCode, Error> {
    super::not_yet("check")
}
