//! `zhida report`
use std::process::ExitCode;

use zhida_core::dates::Month;
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

pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<ExitCode, Error> {
    let month = Month::parse(&args.month).map_err(|e| Error::invalid(format!("--month: {e}")))?;
    let conn = ctx.open()?;
    let report = zhida_core::report::monthly_report(&conn, month, &ctx.config.checks, ctx.lang)?;
    match &args.out {
        Some(path) => {
            report.write_file(path)?;
            println!("{} {}", ctx.lang.pick("已写入", "wrote"), path.display());
        }
        None => print!("{}", report.to_text()),
    }
    Ok(ExitCode::SUCCESS)
}
