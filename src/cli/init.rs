//! `zhida init`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

/// Create the database file (or upgrade an older one) and register the current user.
#[derive(Debug, clap::Args)]
pub struct InitArgs {}

pub fn run(ctx: &Ctx, _args: InitArgs) -> Result<ExitCode, Error> {
    let conn = ctx.open()?;
    let v = zhida_core::db::user_version(&conn)?;
    println!("{} (schema v{v})", ctx.db_path.display());
    Ok(ExitCode::SUCCESS)
}
