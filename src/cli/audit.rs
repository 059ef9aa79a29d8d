//! `zhida audit`
use std::process::ExitCode;

use zhida_core::Error;

use super::Ctx;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log
    Verify,
    /// Show the newest entries
    Log {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

pub fn run(ctx: &Ctx, cmd: AuditCommand) -> Result<ExitCode, Error> {
    let conn = ctx.open()?;
    match cmd {
        AuditCommand::Verify => {
            let n = zhida_core::audit::verify(&conn)?;
            println!(
                "{}",
                ctx.lang.pick(
                    &format!("操作日志完整：{n} 条"),
                    &format!("audit log intact: {n} entries")
                )
            );
        }
        AuditCommand::Log { limit } => {
            for e in zhida_core::audit::page(&conn, None, limit)? {
                println!("{}\t{}\t{}\t{}\t{}", e.at, e.user, e.action, e.tbl, e.key);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
