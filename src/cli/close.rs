//! `zhida close`
use std::process::ExitCode;

use zhida_core::dates::Month;
use zhida_core::Error;

use super::Ctx;

/// Close a month: nothing dated in it can change afterwards.
#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    #[arg(long)]
    pub month: String,
    /// Close despite unacknowledged error findings (supervisor only)
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, args: CloseArgs) -> Result<ExitCode, Error> {
    let month = Month::parse(&args.month).map_err(|e| Error::invalid(format!("--month: {e}")))?;
    let mut conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    let passed = zhida_core::close::close_month(
        &mut conn,
        &actor,
        month,
        args.force,
        &ctx.config.checks,
        ctx.lang,
    )?;
    match ctx.lang {
        zhida_core::Lang::Zh => println!("{month} 已月结（{}）", actor.user),
        zhida_core::Lang::En => println!("{month} closed by {}", actor.user),
    }
    if !passed.is_empty() {
        eprintln!(
            "{}: {}",
            ctx.lang.pick(
                "强制月结，未确认的错误",
                "forced past unacknowledged errors"
            ),
            passed.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
