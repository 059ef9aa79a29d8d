//! `zhida user`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add or change a user: --role clerk|supervisor|auditor
    Add {
        name: String,
        #[arg(long)]
        role: String,
    },
    /// List users and roles
    List,
}

pub fn run(ctx: &Ctx, cmd: UserCommand) -> Result<ExitCode, Error> {
    let mut conn = ctx.open()?;
    match cmd {
        UserCommand::Add { name, role } => {
            let role = zhida_core::model::Role::parse(&role).ok_or_else(|| {
                Error::invalid(format!(
                    "--role: {role} (expected {})",
                    zhida_core::model::Role::expected()
                ))
            })?;
            let actor = ctx.actor(&conn)?;
            zhida_core::users::set_user(&mut conn, &actor, &name, role)?;
            println!("{name}: {}", role.label(ctx.lang));
        }
        UserCommand::List => {
            for (name, role) in zhida_core::users::list(&conn)? {
                println!("{name}\t{}", role.label(ctx.lang));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
