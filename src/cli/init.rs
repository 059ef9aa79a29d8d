//! `zhida init`: create the database (or upgrade an older one); on a fresh install with no
//! users, register the current user as supervisor so that someone can approve.
use std::process::ExitCode;

use zhida_core::model::Role;
use zhida_core::{Error, Lang};

use super::Ctx;

/// Create the database file (or upgrade an older one) and register the current user.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Safe to run again: an existing database is only upgraded. When no user exists yet, the \
current user (--user, $ZHIDA_USER or the login name) becomes supervisor 复核（科长）.")]
pub struct InitArgs {}

pub fn run(ctx: &Ctx, _args: InitArgs) -> Result<ExitCode, Error> {
    let mut conn = ctx.open()?;
    let v = zhida_core::db::user_version(&conn)?;
    println!("{} (schema v{v})", ctx.db_path.display());
    if zhida_core::users::list(&conn)?.is_empty() {
        let actor = ctx.actor(&conn)?;
        zhida_core::users::set_user(&mut conn, &actor, &ctx.user, Role::Supervisor)?;
        match ctx.lang {
            Lang::Zh => println!(
                "已登记用户 {} 为{}（科长）",
                ctx.user,
                Role::Supervisor.label(ctx.lang)
            ),
            Lang::En => println!("registered user {} as supervisor", ctx.user),
        }
    }
    Ok(ExitCode::SUCCESS)
}
