//! `zhida reconcile FILE --profile NAME`
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use zhida_core::dates::{parse_date, Month};
use zhida_core::reconcile::{
    self, profile, reconciliation_csv, reconciliation_json, reconciliation_table, Options,
};
use zhida_core::Error;

use super::Ctx;

/// Reconcile a payment export of the treasury / monitoring system with our disbursements
/// 对账.
///
/// Reads FILE (CSV in UTF-8 or GB18030, or xlsx) through a profile that maps its columns
/// (see docs/reconcile.md and sample-data/reconcile/treasury.toml), then matches each row
/// with our disbursements: by voucher number, else by (credit code, amount, date ± N
/// days). Prints matched rows, rows only upstream, rows only ours, payments upstream that
/// we have not marked paid, duplicated upstream rows, and matched rows that differ in
/// amount, date, program, 直达 flag or payee. Each difference and unmatched row has a key
/// for `zhida ack KEY --note …`. A bad row in FILE is reported as file:line: column:
/// reason and nothing is reconciled (exit 2).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    zhida reconcile sample-data/reconcile/treasury-export-2026-10.csv --profile treasury\n  \
    zhida reconcile 国库支付明细.xlsx --profile ~/国库.toml --month 2026-10 --format csv > 对账.csv\n  \
    zhida ack 'RECON|amount|YJCZ-2026-01169|4960.00|4951.00' --note '国库少付，已通知'")]
pub struct ReconcileArgs {
    /// The export: .csv (UTF-8 or GB18030/GBK) or .xlsx (first sheet)
    pub file: PathBuf,
    /// Profile name (<config dir>/profiles/NAME.toml; `treasury` = the built-in example)
    /// or path to a .toml file
    #[arg(long, short = 'p', value_name = "NAME|PATH")]
    pub profile: String,
    /// Our side: disbursements of this month YYYY-MM (default: the dates the export covers)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub month: Option<String>,
    /// Our side from this date (YYYY-MM-DD)
    #[arg(long)]
    pub from: Option<String>,
    /// Our side up to this date (YYYY-MM-DD)
    #[arg(long)]
    pub to: Option<String>,
    /// Days two dates may be apart when matching by (credit code, amount, date);
    /// overrides the profile's date_tolerance_days (default 3)
    #[arg(long, value_name = "DAYS")]
    pub tolerance: Option<i64>,
    /// table (default), json or csv
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Table: list plain matches too (json and csv always have every row)
    #[arg(long)]
    pub all: bool,
    /// Hide acknowledged differences and unmatched rows
    #[arg(long)]
    pub unacknowledged: bool,
    /// Exit 1 when an unacknowledged difference or unmatched row exists
    #[arg(long)]
    pub fail_on_diff: bool,
}

/// The period from `--month` or `--from/--to` (either end may be open: the export's).
pub fn period(month: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Options, Error> {
    let date = |flag: &str, s: Option<&str>| {
        s.map(|s| parse_date(s).map_err(|e| Error::invalid(format!("{flag}: {e}"))))
            .transpose()
    };
    Ok(match month {
        Some(m) => {
            let m = Month::parse(m).map_err(|e| Error::invalid(format!("--month: {e}")))?;
            Options {
                from: Some(m.first_day()),
                to: Some(m.last_day()),
                tolerance_days: None,
            }
        }
        None => Options {
            from: date("--from", from)?,
            to: date("--to", to)?,
            tolerance_days: None,
        },
    })
}

pub fn run(ctx: &Ctx, args: ReconcileArgs) -> Result<ExitCode, Error> {
    let format = args.format.trim().to_lowercase();
    if !matches!(format.as_str(), "table" | "json" | "csv") {
        return Err(Error::invalid(format!(
            "--format: 只支持 table、json 或 csv (unknown format '{}')",
            args.format
        )));
    }
    let mut opts = period(
        args.month.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
    )?;
    opts.tolerance_days = args.tolerance;
    let profile = profile::find(&args.profile, ctx.config.dir.as_deref())?;
    let conn = ctx.open()?;
    let mut r = reconcile::reconcile_path(&conn, &args.file, &profile, &opts)?;
    if args.unacknowledged {
        r.retain_unacknowledged();
    }
    let mut out = std::io::stdout().lock();
    let written = match format.as_str() {
        "json" => writeln!(out, "{}", reconciliation_json(&r, ctx.lang)?),
        "csv" => out.write_all(&reconciliation_csv(&r)?),
        _ => write!(out, "{}", reconciliation_table(&r, ctx.lang, args.all)),
    };
    // a closed pipe (| head) is not an error worth a message
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(if args.fail_on_diff && r.open_count() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
