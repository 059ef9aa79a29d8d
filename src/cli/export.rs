//! `zhida export` — the whole database as CSV files for consolidation (SPEC §8).
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Export every table as CSV (UTF-8 with BOM) with the bureau's region code on every row.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// csv (parquet: load the CSVs with DuckDB's `COPY … TO 'x.parquet'`)
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Output directory (created if needed)
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Region code (行政区划代码, 6 digits) of this bureau, written on every row
    #[arg(long, default_value = "")]
    pub region: String,
}

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<ExitCode, Error> {
    if args.format != "csv" {
        return Err(Error::invalid(format!(
            "--format {}: 只支持 csv (only csv; convert to parquet with DuckDB)",
            args.format
        )));
    }
    let conn = zhida_core::db::open_existing(&ctx.db_path)?;
    for (file, rows) in zhida_core::export::export_csv(&conn, &args.out, &args.region)? {
        println!("{}\t{rows}", args.out.join(file).display());
    }
    Ok(ExitCode::SUCCESS)
}
