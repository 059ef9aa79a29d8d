//! `zhida demo`: a fresh database loaded from the sample data embedded in the binary
//! (`sample-data/*.csv`), with demo users, then the TUI on it.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use zhida_core::import;
use zhida_core::model::Role;
use zhida_core::users::{self, Actor};
use zhida_core::Error;

use super::Ctx;

/// Open the interface on a fresh database loaded from the embedded sample data.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Only build the demo database at --db (or a temp file) and print its path
    #[arg(long)]
    pub no_tui: bool,
}

/// The sample data set, embedded at build time (see sample-data/README.md).
pub const SAMPLE_FILES: &[(&str, &[u8])] = &[
    (
        "programs.csv",
        include_bytes!("../../sample-data/programs.csv"),
    ),
    (
        "enterprises.csv",
        include_bytes!("../../sample-data/enterprises.csv"),
    ),
    (
        "allocations.csv",
        include_bytes!("../../sample-data/allocations.csv"),
    ),
    (
        "disbursements.csv",
        include_bytes!("../../sample-data/disbursements.csv"),
    ),
    (
        "recoveries.csv",
        include_bytes!("../../sample-data/recoveries.csv"),
    ),
    (
        "evaluations.csv",
        include_bytes!("../../sample-data/evaluations.csv"),
    ),
    (
        "indicators.csv",
        include_bytes!("../../sample-data/indicators.csv"),
    ),
];

/// Demo users beside the current one: the clerks and supervisors named in the sample
/// data, and an auditor.
const DEMO_USERS: &[(&str, Role)] = &[
    ("李娟", Role::Clerk),
    ("杨丽", Role::Clerk),
    ("普春梅", Role::Clerk),
    ("白云", Role::Clerk),
    ("王建国", Role::Supervisor),
    ("刀美兰", Role::Supervisor),
    ("赵敏", Role::Auditor),
];

fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn", "zhida", "zhida").map(|d| d.data_dir().join("zhida.db"))
}

/// Where to build: the `--db`/`$ZHIDA_DB` path, or a new temp file when the context
/// points at the default database (a demo never touches the real one).
fn demo_path(ctx: &Ctx) -> PathBuf {
    if default_db_path().as_deref() == Some(ctx.db_path.as_path()) {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        std::env::temp_dir().join(format!("zhida-demo-{stamp}-{}.db", std::process::id()))
    } else {
        ctx.db_path.clone()
    }
}

/// Build the demo database at `path` (which must not hold data yet).
fn build(path: &Path, user: &str) -> Result<(), Error> {
    let non_empty = std::fs::metadata(path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if non_empty {
        return Err(Error::invalid(format!(
            "{} 已存在，演示需要一个新的数据库文件 (already exists; the demo needs a fresh database file)",
            path.display()
        )));
    }
    let mut conn = zhida_core::db::open(path)?;
    let actor = Actor::load(&conn, user)?;
    import::load_embedded(&mut conn, &actor, SAMPLE_FILES).map_err(|f| {
        Error::invalid(format!(
            "演示数据导入失败 (sample data failed to import):\n{f}"
        ))
    })?;
    users::set_user(&mut conn, &actor, user, Role::Supervisor)?;
    for (name, role) in DEMO_USERS {
        if *name != user {
            users::set_user(&mut conn, &actor, name, *role)?;
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: DemoArgs) -> Result<ExitCode, Error> {
    let path = demo_path(ctx);
    build(&path, &ctx.user)?;
    if args.no_tui {
        println!("{}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("演示数据库 (demo database): {}", path.display());
    let demo_ctx = Ctx {
        db_path: path,
        user: ctx.user.clone(),
        lang: ctx.lang,
        config: ctx.config.clone(),
    };
    crate::tui::run_on_db(&demo_ctx)
}
