//! The command line: global options, the context every command gets, and dispatch to one
//! module per command. Commands print one readable line per error and set the exit
//! status: 0 ok, 1 `check --fail-on` / `reconcile --fail-on-diff` matched, 2 bad input
//! (nothing written).

pub mod ack;
pub mod audit;
pub mod backup;
pub mod check;
pub mod close;
pub mod config;
pub mod demo;
pub mod enterprise;
pub mod export;
pub mod gen;
pub mod import;
pub mod indicators;
pub mod init;
pub mod reconcile;
pub mod recover;
pub mod report;
pub mod status;
pub mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rusqlite::Connection;
use zhida_core::config::Config;
use zhida_core::users::Actor;
use zhida_core::{Error, Lang};

#[derive(Debug, Parser)]
#[command(
    name = "zhida",
    version,
    about = "直达 — 惠企资金/直达资金 台账与月结核查 (terminal ledger for enterprise-relief funds)",
    long_about = "直达 zhida: follow each relief program's money from allocation (指标下达) to the \
                  enterprise (拨付), find idle money and record its recovery (收回), record \
                  performance evaluations (绩效评价) and run the month-end checks (月结核查).\n\n\
                  Without a command, opens the terminal interface."
)]
pub struct Cli {
    /// Database file (else $ZHIDA_DB, else zhida.db in the platform data directory)
    #[arg(long, global = true, env = "ZHIDA_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Acting user name (else $ZHIDA_USER, else the login name)
    #[arg(long, global = true, env = "ZHIDA_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Interface language: zh (default) or en
    #[arg(long, global = true, value_name = "zh|en")]
    pub lang: Option<String>,
    /// Configuration file (else config.toml in the platform config directory)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or upgrade) the database 初始化数据库
    Init(init::InitArgs),
    /// Load CSV/xlsx files 导入
    Import(import::ImportArgs),
    /// Run the month-end checks 月结核查
    Check(check::CheckArgs),
    /// Acknowledge a finding 确认核查结果
    Ack(ack::AckArgs),
    /// Quick lookup of payments by voucher, credit code or name 查询拨付状态
    Status(status::StatusArgs),
    /// One enterprise across programs and years; can it still receive X? 一企一档
    Enterprise(enterprise::EnterpriseArgs),
    /// Monthly execution report 月度通报
    Report(report::ReportArgs),
    /// Performance indicators computed from the ledger 绩效指标
    Indicators(indicators::IndicatorsArgs),
    /// Record a recovery of idle funds 收回资金
    Recover(recover::RecoverArgs),
    /// Reconcile an upstream payment export with our disbursements 对账
    Reconcile(reconcile::ReconcileArgs),
    /// Close a month 月结
    Close(close::CloseArgs),
    /// Online backup of the database 备份
    Backup(backup::BackupArgs),
    /// Restore the database from a backup 恢复
    Restore(backup::RestoreArgs),
    /// Open the interface on a fresh demo database 演示
    Demo(demo::DemoArgs),
    /// Generate deterministic synthetic CSVs 生成测试数据
    Gen(gen::GenArgs),
    /// Manage users and roles 用户
    #[command(subcommand)]
    User(user::UserCommand),
    /// Audit log 操作日志
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Show the effective configuration 配置
    Config(config::ConfigArgs),
    /// Export the whole database for consolidation 导出
    Export(export::ExportArgs),
    /// Print shell completions 命令补全
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// What every command needs: where the database is, who acts, language and configuration.
pub struct Ctx {
    pub db_path: PathBuf,
    pub user: String,
    pub lang: Lang,
    pub config: Config,
}

impl Ctx {
    /// Open (create/migrate) the database.
    pub fn open(&self) -> Result<Connection, Error> {
        zhida_core::db::open(&self.db_path)
    }

    pub fn actor(&self, conn: &Connection) -> Result<Actor, Error> {
        Actor::load(conn, &self.user)
    }
}

fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("cn", "zhida", "zhida")
        .map(|d| d.data_dir().join("zhida.db"))
        .unwrap_or_else(|| PathBuf::from("zhida.db"))
}

pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn", "zhida", "zhida")
        .map(|d| d.config_dir().join("config.toml"))
}

/// `$USER`, else `$LOGNAME`, else the name of this process's uid in /etc/passwd (an SSH
/// login always has one of these; a bare container or cron job may have none of the
/// variables).
fn login_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|n| !n.trim().is_empty())
        .or_else(passwd_name)
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(unix)]
fn passwd_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd_lookup(&passwd, uid)
}

#[cfg(not(unix))]
fn passwd_name() -> Option<String> {
    None
}

/// The login name of `uid` in a passwd file (`name:x:uid:gid:...`).
fn passwd_lookup(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

fn build_ctx(cli: &Cli) -> Result<Ctx, Error> {
    let config = match &cli.config {
        Some(path) => Config::load(path, true)?,
        None => match default_config_path() {
            Some(path) => Config::load(&path, false)?,
            None => Config::default(),
        },
    };
    let lang = match &cli.lang {
        Some(l) => Lang::parse(l).ok_or_else(|| {
            Error::invalid(format!("--lang: 只支持 zh 或 en (unknown language '{l}')"))
        })?,
        None => config.ui.lang,
    };
    Ok(Ctx {
        db_path: cli.db.clone().unwrap_or_else(default_db_path),
        user: cli
            .user
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(login_name),
        lang,
        config,
    })
}

/// Print a domain error as one line and return exit status 2.
pub fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("zhida: {e}");
    ExitCode::from(2)
}

pub fn run(cli: Cli) -> ExitCode {
    let ctx = match build_ctx(&cli) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let result = match cli.command {
        None => crate::tui::run_on_db(&ctx),
        Some(Command::Init(a)) => init::run(&ctx, a),
        Some(Command::Import(a)) => import::run(&ctx, a),
        Some(Command::Check(a)) => check::run(&ctx, a),
        Some(Command::Ack(a)) => ack::run(&ctx, a),
        Some(Command::Status(a)) => status::run(&ctx, a),
        Some(Command::Enterprise(a)) => enterprise::run(&ctx, a),
        Some(Command::Report(a)) => report::run(&ctx, a),
        Some(Command::Indicators(a)) => indicators::run(&ctx, a),
        Some(Command::Recover(a)) => recover::run(&ctx, a),
        Some(Command::Reconcile(a)) => reconcile::run(&ctx, a),
        Some(Command::Close(a)) => close::run(&ctx, a),
        Some(Command::Backup(a)) => backup::run_backup(&ctx, a),
        Some(Command::Restore(a)) => backup::run_restore(&ctx, a),
        Some(Command::Demo(a)) => demo::run(&ctx, a),
        Some(Command::Gen(a)) => gen::run(&ctx, a),
        Some(Command::User(c)) => user::run(&ctx, c),
        Some(Command::Audit(c)) => audit::run(&ctx, c),
        Some(Command::Config(a)) => config::run(&ctx, a),
        Some(Command::Export(a)) => export::run(&ctx, a),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "zhida", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::passwd_lookup;

    #[test]
    fn login_name_from_passwd_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n# comment\nwangkz:x:1001:1001:王科长:/home/wangkz:/bin/bash\nbroken\n";
        assert_eq!(passwd_lookup(passwd, 1001).as_deref(), Some("wangkz"));
        assert_eq!(passwd_lookup(passwd, 0).as_deref(), Some("root"));
        assert_eq!(passwd_lookup(passwd, 42), None);
    }
}
