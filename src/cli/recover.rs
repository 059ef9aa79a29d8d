//! `zhida recover`
use std::process::ExitCode;

use zhida_core::dates::{parse_date, today};
use zhida_core::model::Reason;
use zhida_core::repo::write::NewRecovery;
use zhida_core::{CreditCode, Error, Money};

use super::Ctx;

/// Record a recovery (收回) and optionally reallocate it (统筹安排).
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    #[arg(long)]
    pub program: String,
    #[arg(long)]
    pub amount: String,
    /// idle, expired, performance or clawback
    #[arg(long)]
    pub reason: String,
    /// Credit code of the enterprise (clawback only)
    #[arg(long)]
    pub enterprise: Option<String>,
    /// Program that receives the money
    #[arg(long)]
    pub to: Option<String>,
    /// Document number (文号)
    #[arg(long)]
    pub doc: String,
    /// Date (default today)
    #[arg(long)]
    pub date: Option<String>,
}

pub fn run(ctx: &Ctx, args: RecoverArgs) -> Result<ExitCode, Error> {
    let amount =
        Money::parse(&args.amount).map_err(|e| Error::invalid(format!("--amount: {e}")))?;
    let reason = Reason::parse(&args.reason).ok_or_else(|| {
        Error::invalid(format!(
            "--reason: '{}' 不正确 (expected {})",
            args.reason,
            Reason::expected()
        ))
    })?;
    let credit_code = args
        .enterprise
        .as_deref()
        .map(|c| CreditCode::parse(c).map_err(|e| Error::invalid(format!("--enterprise: {e}"))))
        .transpose()?
        .map(CreditCode::into_string);
    let date = match &args.date {
        Some(s) => parse_date(s).map_err(|e| Error::invalid(format!("--date: {e}")))?,
        None => today(),
    };
    let r = NewRecovery {
        program_code: args.program.trim().to_string(),
        date,
        amount,
        reason,
        doc_no: args.doc.trim().to_string(),
        credit_code,
        reallocated_to: args
            .to
            .as_deref()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        note: String::new(),
    };
    let mut conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    let id = zhida_core::recover::record_recovery(&mut conn, &actor, &r)?;
    match ctx.lang {
        zhida_core::Lang::Zh => println!(
            "已登记收回 #{id}：{} {} 元{}",
            r.program_code,
            amount.format_yuan(),
            r.reallocated_to
                .as_deref()
                .map(|t| format!("，调入 {t}"))
                .unwrap_or_default()
        ),
        zhida_core::Lang::En => println!(
            "recorded recovery #{id}: {} {}{}",
            r.program_code,
            amount.format_yuan(),
            r.reallocated_to
                .as_deref()
                .map(|t| format!(", reallocated to {t}"))
                .unwrap_or_default()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
