//! `zhida ack`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Acknowledge a finding by its key (rule|program|enterprise|voucher|year).
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    pub key: String,
    #[arg(long)]
    pub note: String,
}

pub fn run(ctx: &Ctx, args: AckArgs) -> Result<ExitCode, Error> {
    let mut conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    zhida_core::ack::acknowledge(&mut conn, &actor, &args.key, &args.note)?;
    println!(
        "{} {}",
        ctx.lang.pick("已确认", "acknowledged"),
        args.key.trim()
    );
    Ok(ExitCode::SUCCESS)
}
