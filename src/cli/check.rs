//! `zhida check`
use std::process::ExitCode;

use std::io::Write;

use zhida_core::checks::{
    findings_csv_with, findings_table_with, run_checks, run_checks_alongside, write_findings_json,
    CheckFilter, Columns, Rule, Severity,
};
use zhida_core::dates::{parse_date, today, Month};
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
    /// Only the findings naming this enterprise (credit code)
    #[arg(long, value_name = "CREDIT_CODE")]
    pub enterprise: Option<String>,
    /// Hide acknowledged findings
    #[arg(long)]
    pub unacknowledged: bool,
    /// Exit 1 when a finding of this severity (error|warn) or worse exists
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Also cite each finding's policy basis 依据 (a last column / a "basis" field)
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// D from `--month` (its last day) or `--as-of`; today when neither is given.
pub fn as_of_from(month: Option<&str>, as_of: Option<&str>) -> Result<chrono::NaiveDate, Error> {
    match (month, as_of) {
        (Some(m), _) => Month::parse(m)
            .map(|m| m.last_day())
            .map_err(|e| Error::invalid(format!("--month: {e}"))),
        (None, Some(d)) => parse_date(d).map_err(|e| Error::invalid(format!("--as-of: {e}"))),
        (None, None) => Ok(today()),
    }
}

/// `--format`: table, json or csv (any case), lower-cased.
pub fn output_format(s: &str) -> Result<String, Error> {
    let format = s.trim().to_lowercase();
    if matches!(format.as_str(), "table" | "json" | "csv") {
        Ok(format)
    } else {
        Err(Error::invalid(format!(
            "--format: 只支持 table、json 或 csv (unknown format '{s}')"
        )))
    }
}

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<ExitCode, Error> {
    let as_of = as_of_from(args.month.as_deref(), args.as_of.as_deref())?;
    let format = output_format(&args.format)?;
    let fail_on = args
        .fail_on
        .as_deref()
        .map(|s| {
            Severity::parse(s).ok_or_else(|| {
                Error::invalid(format!(
                    "--fail-on: 只支持 error 或 warn (unknown severity '{s}')"
                ))
            })
        })
        .transpose()?;
    let mut rules = Vec::new();
    for r in args.rule.iter().flat_map(|r| r.split(',')) {
        if r.trim().is_empty() {
            continue;
        }
        let known: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        rules.push(Rule::parse(r).ok_or_else(|| {
            Error::invalid(format!(
                "--rule: 未知规则 '{r}' (unknown rule; one of {})",
                known.join(", ")
            ))
        })?);
    }
    let filter = CheckFilter {
        rules,
        program: args.program.clone().filter(|p| !p.trim().is_empty()),
        enterprise: args
            .enterprise
            .as_deref()
            .map(|c| zhida_core::CreditCode::parse(c).map(|c| c.to_string()))
            .transpose()
            .map_err(|e| Error::invalid(format!("--enterprise: {e}")))?,
        unacknowledged: args.unacknowledged,
    };
    let cols = Columns {
        basis: args.verbose,
    };
    let conn = ctx.open()?;
    // a second core reads half of the enterprises through a second connection
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let helper = (cores > 1)
        .then(|| zhida_core::db::open_reader(&ctx.db_path).ok())
        .flatten();
    let findings = match helper {
        Some(helper) => {
            run_checks_alongside(&conn, helper, as_of, &ctx.config.checks, ctx.lang, &filter)?
        }
        None => run_checks(&conn, as_of, &ctx.config.checks, ctx.lang, &filter)?,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = match format.as_str() {
        "json" => match write_findings_json(&mut out, &findings, cols) {
            Ok(()) => writeln!(out),
            Err(Error::Io(e)) => Err(e),
            Err(e) => return Err(e),
        },
        "csv" => out.write_all(&findings_csv_with(&findings, cols)?),
        _ => write!(out, "{}", findings_table_with(&findings, ctx.lang, cols)),
    };
    // a closed pipe (| head) is not an error worth a message
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    let failed = match fail_on {
        Some(Severity::Error) => findings.iter().any(|f| f.severity == Severity::Error),
        Some(Severity::Warn) => !findings.is_empty(),
        None => false,
    };
    // the process ends here: freeing ~70,000 findings one string at a time (~300,000
    // small blocks at 1M rows) would cost ~40 ms that the OS does at once on exit
    std::mem::forget(findings);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
