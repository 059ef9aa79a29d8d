//! Backup and restore with SQLite's online backup API: a consistent copy while other
//! clerks keep working, verified after copying (integrity_check, foreign_key_check,
//! schema version). Restore refuses a file that fails those checks or comes from a newer
//! zhida, keeps the current database beside it (`<db>.before-restore-<timestamp>`) and is
//! audited in the restored database.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use serde_json::json;

use crate::audit;
use crate::db::{self, SCHEMA_VERSION};
use crate::error::{Error, Result};
use crate::users::Actor;

/// The tables whose row counts a backup reports.
pub const COUNTED: &[&str] = &[
    "program",
    "allocation",
    "enterprise",
    "disbursement",
    "recovery",
    "evaluation",
    "indicator",
    "period_close",
    "app_user",
    "audit_log",
];

/// What a verified database file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    /// (table, rows) in [`COUNTED`] order
    pub counts: Vec<(String, i64)>,
}

impl DbSummary {
    pub fn count(&self, table: &str) -> Option<i64> {
        self.counts
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreSummary {
    /// where the database as it was before the restore is kept
    pub kept: PathBuf,
    /// the database after the restore
    pub restored: DbSummary,
}

/// Copy every page of `from` into `to`, waiting out a busy database up to the busy timeout.
fn copy(from: &Connection, to: &mut Connection) -> Result<()> {
    let deadline = Instant::now() + db::BUSY_TIMEOUT;
    let b = Backup::new(from, to)?;
    loop {
        match b.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked => {
                if Instant::now() > deadline {
                    return Err(Error::invalid(
                        "数据库繁忙，备份未完成，请稍后再试 (database busy; try again)",
                    ));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // StepResult is non-exhaustive
            _ => {}
        }
    }
}

/// Create `path` (which must not exist) with mode 0600.
fn create_private_new(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(|_| ()).map_err(|e| {
        Error::invalid(format!(
            "无法创建 {} (cannot create the file): {e}",
            path.display()
        ))
    })
}

/// Copy the live database into a new file at `dest` (self-contained: rollback journal,
/// not WAL). Nothing is left at `dest` on failure.
fn copy_to_new_file(conn: &Connection, dest: &Path) -> Result<()> {
    create_private_new(dest)?;
    let result = (|| -> Result<()> {
        let mut out = Connection::open(dest)?;
        copy(conn, &mut out)?;
        out.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}

fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    COUNTED
        .iter()
        .map(|t| {
            let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            Ok((t.to_string(), n))
        })
        .collect()
}

fn open_read_only(path: &Path) -> Result<Connection> {
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
}

/// Check a database file without changing it: a zhida database, not from a newer zhida,
/// integrity_check and foreign_key_check clean. Errors name the file.
pub fn inspect(path: &Path) -> Result<DbSummary> {
    let bad = |reason: String| {
        Error::invalid(format!(
            "{} 不是可用的 zhida 数据库 (not a usable zhida database): {reason}",
            path.display()
        ))
    };
    let meta = std::fs::metadata(path)
        .map_err(|_| Error::NotFound(format!("备份文件 {} (backup file)", path.display())))?;
    if !meta.is_file() {
        return Err(bad("不是普通文件 (not a regular file)".into()));
    }
    let conn = open_read_only(path).map_err(|e| bad(e.to_string()))?;
    let version = db::user_version(&conn).map_err(|e| bad(e.to_string()))?;
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    db::verify(&conn).map_err(|e| bad(e.to_string()))?;
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('program', 'disbursement', 'audit_log')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| bad(e.to_string()))?;
    if version < 1 || tables != 3 {
        return Err(bad("缺少 zhida 的表 (zhida tables missing)".into()));
    }
    // an older zhida's file may lack a table added later: count what exists
    let counts = counts(&conn).map_err(|e| bad(e.to_string()))?;
    Ok(DbSummary {
        path: path.to_path_buf(),
        bytes: meta.len(),
        schema_version: version,
        counts,
    })
}

/// `zhida backup --to FILE`: an online copy of the database, then verified. Refuses an
/// existing file.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<DbSummary> {
    if dest.exists() {
        return Err(Error::invalid(format!(
            "{} 已存在，不覆盖；请换一个文件名 (file exists; refusing to overwrite)",
            dest.display()
        )));
    }
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if partial.exists() {
        std::fs::remove_file(&partial)?;
    }
    copy_to_new_file(conn, &partial)?;
    // integrity_check reads every page (≈20 s for 1M rows here): once, before the rename
    let verified = inspect(&partial).and_then(|summary| {
        std::fs::rename(&partial, dest)?;
        Ok(DbSummary {
            path: dest.to_path_buf(),
            ..summary
        })
    });
    if verified.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    verified
}

/// `<db>.before-restore-<timestamp>` beside the database, not yet existing.
pub fn keep_path(db_path: &Path) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let base = db_path.as_os_str().to_owned();
    let mut n = 0;
    loop {
        let mut p = base.clone();
        p.push(format!(".before-restore-{stamp}"));
        if n > 0 {
            p.push(format!("-{n}"));
        }
        let p = PathBuf::from(p);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// `zhida restore --from FILE`: replace the database `conn` (at `db_path`) with a verified
/// backup; the current content is kept first. Supervisor only. An older backup is
/// upgraded to the current schema after the copy.
pub fn restore_from(
    conn: &mut Connection,
    db_path: &Path,
    src: &Path,
    actor: &Actor,
) -> Result<RestoreSummary> {
    actor.require_write()?;
    actor.require_supervisor("恢复数据库 (restoring the database)")?;
    let incoming = inspect(src)?;
    let before = counts(conn).ok();
    let from = open_read_only(src)?;
    let (src_page, dst_page): (i64, i64) = (
        from.query_row("PRAGMA page_size", [], |r| r.get(0))?,
        conn.query_row("PRAGMA page_size", [], |r| r.get(0))?,
    );
    if src_page != dst_page {
        return Err(Error::invalid(format!(
            "{} 的页大小 {src_page} 与当前数据库 {dst_page} 不同，无法在线恢复 (page size differs)",
            src.display()
        )));
    }
    let kept = keep_path(db_path);
    // a plain copy, not verified: the current file may be the damaged one being replaced
    copy_to_new_file(conn, &kept)?;
    copy(&from, conn)?;
    drop(from);
    db::migrate(conn)?;
    let tx = crate::ledger::write_tx(conn)?;
    audit::record(
        &tx,
        &actor.user,
        "restore",
        "database",
        &src.display().to_string(),
        before.as_ref(),
        Some(&json!({
            "from": src.display().to_string(),
            "kept": kept.display().to_string(),
            "schema_version": incoming.schema_version,
            "counts": incoming.counts,
        })),
    )?;
    tx.commit()?;
    // the source passed integrity_check and the backup API copies it page for page
    let restored = DbSummary {
        path: db_path.to_path_buf(),
        bytes: std::fs::metadata(db_path).map(|m| m.len()).unwrap_or(0),
        schema_version: db::user_version(conn)?,
        counts: counts(conn)?,
    };
    Ok(RestoreSummary { kept, restored })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit_code::CreditCode;
    use crate::model::{Role, Size};
    use crate::repo::write::*;

    fn fill(conn: &mut Connection) {
        let boss = Actor::load(conn, "王科长").unwrap();
        crate::users::set_user(conn, &boss, "王科长", Role::Supervisor).unwrap();
        crate::ledger::add_program(conn, &boss, &NewProgram::new("WG2025", "稳岗返还", 2025))
            .unwrap();
        crate::ledger::add_enterprise(
            conn,
            &boss,
            &NewEnterprise {
                credit_code: CreditCode::complete("91530428MA6K00001").unwrap(),
                name: "元江县澧江街道甘蔗种植专业合作社".into(),
                size: Size::Small,
                industry: String::new(),
                township: "澧江街道".into(),
                contact: String::new(),
            },
        )
        .unwrap();
    }

    fn count(conn: &Connection, t: &str) -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn backup_is_verified_and_restore_brings_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("直达.db");
        let mut conn = db::open(&db_path).unwrap();
        fill(&mut conn);
        let bak = dir.path().join("备份-2025-06.db");
        let s = backup_to(&conn, &bak).unwrap();
        assert_eq!(s.schema_version, SCHEMA_VERSION);
        assert_eq!(s.count("program"), Some(1));
        assert_eq!(s.count("enterprise"), Some(1));
        assert_eq!(s.count("audit_log"), Some(3));
        assert!(s.bytes > 0);
        assert!(!dir.path().join("备份-2025-06.db.partial").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&bak).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
        }
        // never overwritten
        let e = backup_to(&conn, &bak).unwrap_err();
        assert!(e.to_string().contains("不覆盖"), "{e}");

        // change the live database after the backup, then restore
        let boss = Actor::load(&conn, "王科长").unwrap();
        crate::ledger::add_program(
            &mut conn,
            &boss,
            &NewProgram::new("KJ2025", "科技创新券", 2025),
        )
        .unwrap();
        assert_eq!(count(&conn, "program"), 2);
        let r = restore_from(&mut conn, &db_path, &bak, &boss).unwrap();
        assert_eq!(count(&conn, "program"), 1);
        assert_eq!(r.restored.count("program"), Some(1));
        // the restore itself is audited, and the chain still verifies
        assert_eq!(r.restored.count("audit_log"), Some(4));
        assert_eq!(crate::audit::verify(&conn).unwrap(), 4);
        let last = &crate::audit::page(&conn, None, 1).unwrap()[0];
        assert_eq!(last.action, "restore");
        // the database as it was is kept beside it
        assert!(r.kept.to_string_lossy().contains("直达.db.before-restore-"));
        let kept = inspect(&r.kept).unwrap();
        assert_eq!(kept.count("program"), Some(2));
        // other connections see the restored content
        let other = db::open(&db_path).unwrap();
        assert_eq!(count(&other, "program"), 1);
    }

    #[test]
    fn restore_refuses_corrupt_newer_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("zhida.db");
        let mut conn = db::open(&db_path).unwrap();
        fill(&mut conn);
        let boss = Actor::load(&conn, "王科长").unwrap();
        let bak = dir.path().join("good.db");
        backup_to(&conn, &bak).unwrap();
        let snapshot = |c: &Connection| (count(c, "program"), count(c, "audit_log"));
        let before = snapshot(&conn);

        // truncated copy
        let bytes = std::fs::read(&bak).unwrap();
        let cut = dir.path().join("cut.db");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let e = restore_from(&mut conn, &db_path, &cut, &boss).unwrap_err();
        assert!(e.to_string().contains("cut.db"), "{e}");
        assert!(e.to_string().contains("不是可用的 zhida 数据库"), "{e}");

        // not a database at all
        let txt = dir.path().join("notes.db");
        std::fs::write(&txt, "这不是数据库，只是一段文字。".repeat(200)).unwrap();
        let e = restore_from(&mut conn, &db_path, &txt, &boss).unwrap_err();
        assert!(e.to_string().contains("notes.db"), "{e}");

        // a SQLite file that is not zhida's
        let foreign = dir.path().join("other.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let e = restore_from(&mut conn, &db_path, &foreign, &boss).unwrap_err();
        assert!(e.to_string().contains("缺少 zhida 的表"), "{e}");

        // from a newer zhida
        let newer = dir.path().join("newer.db");
        std::fs::copy(&bak, &newer).unwrap();
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let e = restore_from(&mut conn, &db_path, &newer, &boss).unwrap_err();
        assert!(matches!(e, Error::SchemaTooNew { .. }), "{e}");

        // missing file
        let e = restore_from(&mut conn, &db_path, &dir.path().join("nope.db"), &boss).unwrap_err();
        assert!(matches!(e, Error::NotFound(_)), "{e}");

        // nothing changed, nothing kept
        assert_eq!(snapshot(&conn), before);
        let kept = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().contains("before-restore")
            })
            .count();
        assert_eq!(kept, 0, "a refused restore keeps no copy");
    }

    #[test]
    fn restore_needs_a_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("zhida.db");
        let mut conn = db::open(&db_path).unwrap();
        fill(&mut conn);
        let bak = dir.path().join("b.db");
        backup_to(&conn, &bak).unwrap();
        let clerk = Actor::load(&conn, "小张").unwrap();
        let e = restore_from(&mut conn, &db_path, &bak, &clerk).unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
    }
}
