//! `zhida import`
use std::io::Write;
use std::process::ExitCode;

use zhida_core::import::{self, FileSummary, Kind, Options, Progress};
use zhida_core::{Error, Lang};

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

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<ExitCode, Error> {
    let kind = match &args.kind {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| {
            Error::invalid(format!(
                "--kind: 未知类型 '{k}' (expected one of {})",
                Kind::ORDER.map(|k| k.as_str()).join(", ")
            ))
        })?),
    };
    let opts = Options {
        dry_run: args.dry_run,
        upsert: args.upsert,
        ignore_unknown: args.ignore_unknown,
    };
    let mut conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    let mut shown_progress = false;
    let mut progress = |p: &Progress| {
        shown_progress = true;
        let pct = (p.bytes * 100)
            .checked_div(p.total_bytes)
            .map(|x| format!(" {x:>3}%"))
            .unwrap_or_default();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}: {} 行 (rows){pct}", p.file, p.rows);
        let _ = err.flush();
    };
    let result = import::import_path(&mut conn, &actor, &args.path, kind, &opts, &mut progress);
    if shown_progress {
        eprintln!();
    }
    match result {
        Ok(done) => {
            for s in &done {
                println!("{}", summary_line(s, ctx.lang));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            for s in &failure.done {
                println!("{}", summary_line(s, ctx.lang));
            }
            eprintln!("{failure}");
            let what = if opts.dry_run {
                "校验未通过 (dry run found errors)"
            } else {
                "未写入任何数据 (nothing from this file was written)"
            };
            eprintln!("zhida: {}: {what}", failure.file);
            Ok(ExitCode::from(2))
        }
    }
}

/// `disbursements.csv [拨付]: 读取 1000 行，写入 1000 行，用时 0.12 秒`
fn summary_line(s: &FileSummary, lang: Lang) -> String {
    let secs = s.elapsed.as_secs_f64();
    let mut extra = String::new();
    match lang {
        Lang::Zh => {
            if s.updated > 0 || s.unchanged > 0 {
                extra = format!(
                    "（新增 {}，更新 {}，未变 {}）",
                    s.inserted, s.updated, s.unchanged
                );
            }
            let verb = if s.dry_run { "可写入" } else { "写入" };
            let dry = if s.dry_run {
                "，仅校验未写入"
            } else {
                ""
            };
            format!(
                "{} [{}]: 读取 {} 行，{verb} {} 行{extra}，用时 {secs:.2} 秒{dry}",
                s.file,
                s.kind.label_zh(),
                s.read,
                s.written
            )
        }
        Lang::En => {
            if s.updated > 0 || s.unchanged > 0 {
                extra = format!(
                    " ({} inserted, {} updated, {} unchanged)",
                    s.inserted, s.updated, s.unchanged
                );
            }
            let verb = if s.dry_run { "would write" } else { "written" };
            let dry = if s.dry_run {
                " (dry run, nothing written)"
            } else {
                ""
            };
            format!(
                "{} [{}]: {} rows read, {} {verb}{extra}, {secs:.2} s{dry}",
                s.file, s.kind, s.read, s.written
            )
        }
    }
}
