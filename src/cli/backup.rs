//! `zhida backup` and `zhida restore`: the online backup API in zhida-core, then a
//! summary of what the verified file holds.
use std::process::ExitCode;

use zhida_core::backup::{self, DbSummary};
use zhida_core::{Error, Lang};

use super::Ctx;

/// Online backup (SQLite backup API), verified after copying.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The copy is consistent while others keep working, then checked (integrity_check, \
foreign_key_check, schema version). An existing FILE is never overwritten.")]
pub struct BackupArgs {
    /// The new backup file (must not exist)
    #[arg(long, value_name = "FILE")]
    pub to: std::path::PathBuf,
}

/// Replace the database with a verified backup.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Refuses a file that fails integrity_check/foreign_key_check or comes from a newer zhida. \
The current database is kept as <db>.before-restore-<timestamp>. Supervisor only; audited.")]
pub struct RestoreArgs {
    /// The backup file to restore from
    #[arg(long, value_name = "FILE")]
    pub from: std::path::PathBuf,
}

fn table_label(t: &str, lang: Lang) -> &str {
    let zh = match t {
        "program" => "项目",
        "allocation" => "指标下达",
        "enterprise" => "企业",
        "disbursement" => "拨付",
        "recovery" => "收回",
        "evaluation" => "绩效评价",
        "indicator" => "绩效指标",
        "period_close" => "已结月份",
        "app_user" => "用户",
        "audit_log" => "操作日志",
        other => other,
    };
    lang.pick(zh, t)
}

fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB {
        format!("{:.1} MiB", b / KIB / KIB)
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// Size, schema version and row counts, two lines.
fn print_summary(s: &DbSummary, lang: Lang) {
    match lang {
        Lang::Zh => println!(
            "  大小 {} ({} 字节)，数据库版本 v{}，完整性检查通过",
            human_size(s.bytes),
            s.bytes,
            s.schema_version
        ),
        Lang::En => println!(
            "  size {} ({} bytes), schema v{}, integrity ok",
            human_size(s.bytes),
            s.bytes,
            s.schema_version
        ),
    }
    let counts: Vec<String> = s
        .counts
        .iter()
        .map(|(t, n)| format!("{} {n}", table_label(t, lang)))
        .collect();
    println!("  {}", counts.join(lang.pick("，", ", ")));
}

pub fn run_backup(ctx: &Ctx, args: BackupArgs) -> Result<ExitCode, Error> {
    let conn = zhida_core::db::open_existing(&ctx.db_path)?;
    let s = backup::backup_to(&conn, &args.to)?;
    match ctx.lang {
        Lang::Zh => println!("已备份到 {}", s.path.display()),
        Lang::En => println!("backup written to {}", s.path.display()),
    }
    print_summary(&s, ctx.lang);
    Ok(ExitCode::SUCCESS)
}

pub fn run_restore(ctx: &Ctx, args: RestoreArgs) -> Result<ExitCode, Error> {
    let mut conn = ctx.open()?;
    let actor = ctx.actor(&conn)?;
    let r = backup::restore_from(&mut conn, &ctx.db_path, &args.from, &actor)?;
    match ctx.lang {
        Lang::Zh => println!(
            "已从 {} 恢复 {}；原数据库保存为 {}",
            args.from.display(),
            ctx.db_path.display(),
            r.kept.display()
        ),
        Lang::En => println!(
            "restored {} from {}; the previous database is kept as {}",
            ctx.db_path.display(),
            args.from.display(),
            r.kept.display()
        ),
    }
    print_summary(&r.restored, ctx.lang);
    Ok(ExitCode::SUCCESS)
}
