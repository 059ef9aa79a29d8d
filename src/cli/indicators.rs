//! `zhida indicators`: the performance indicators computed from the ledger (结余率,
//! 按时发放率, 足额率, execution against time progress) per program, beside the latest
//! manual evaluation (score and grade). Definitions: `zhida_core::indicators`.
use std::io::Write;
use std::process::ExitCode;

use zhida_core::dates::iso;
use zhida_core::indicators::{indicator_lines, indicators_csv, indicators_json, indicators_table};
use zhida_core::{Error, Lang};

use super::check::{as_of_from, output_format};
use super::Ctx;

/// Computed performance indicators per program, beside the latest evaluation.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
结余率 balance / budget · 按时发放率 share of dated payments paid within [checks] \
on_time_days working days of approval · 足额率 paid / (paid + approved not yet paid) · \
执行率 vs 时间进度 at each month end (json, csv).")]
pub struct IndicatorsArgs {
    /// Month YYYY-MM (as of its last day)
    #[arg(long, conflicts_with = "as_of")]
    pub month: Option<String>,
    /// Date YYYY-MM-DD (default today)
    #[arg(long)]
    pub as_of: Option<String>,
    /// table (default), json or csv
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub fn run(ctx: &Ctx, args: IndicatorsArgs) -> Result<ExitCode, Error> {
    let as_of = as_of_from(args.month.as_deref(), args.as_of.as_deref())?;
    let format = output_format(&args.format)?;
    let conn = ctx.open()?;
    let lines = indicator_lines(&conn, as_of, &ctx.config.checks)?;
    let mut out = std::io::stdout().lock();
    let written = match format.as_str() {
        "json" => writeln!(out, "{}", indicators_json(&lines)?),
        "csv" => out.write_all(&indicators_csv(&lines)?),
        _ => {
            let title = match ctx.lang {
                Lang::Zh => format!("绩效指标（截至 {}）", iso(as_of)),
                Lang::En => format!("Performance indicators as of {}", iso(as_of)),
            };
            write!(out, "{title}\n{}", indicators_table(&lines, ctx.lang))
        }
    };
    // a closed pipe (| head) is not an error worth a message
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(ExitCode::SUCCESS)
}
