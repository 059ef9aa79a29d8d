//! Opening a database: pragmas (WAL, foreign keys, busy timeout, synchronous=FULL), the
//! schema from `schema.sql`, and `PRAGMA user_version` migrations for older files.
//!
//! Durability: `synchronous=FULL` in WAL mode fsyncs the WAL at every commit, so a
//! committed write survives power loss, not only a process crash. The cost is one fsync
//! per (short) transaction, which a clerk never notices; bulk import is one transaction.
//!
//! Concurrency: several clerks (TUI, `zhida import`, …) may write one file. Every
//! `Connection::transaction()` on a connection opened here begins IMMEDIATE: it takes the
//! write lock at BEGIN, waiting up to [`BUSY_TIMEOUT`] for another writer. A DEFERRED
//! transaction would read first and then fail at its first write with SQLITE_BUSY
//! ("database is locked", not retried by the busy handler) whenever another process
//! committed in between. Read-only snapshots use [`read_tx`].

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

/// The whole schema, the source of truth for new databases.
pub const SCHEMA: &str = include_str!("../../../schema.sql");

/// Version 1, the schema as first released. Frozen: never edit it; change `schema.sql`
/// and add an upgrade step instead. The migration test rebuilds every earlier version
/// from it and checks that upgrading lands on exactly what `schema.sql` creates.
pub const SCHEMA_V1: &str = include_str!("migrations/v1.sql");

/// Upgrade steps: `UPGRADES[i]` takes a database from version `i + 1` to `i + 2`.
/// A new (empty, version 0) file gets `schema.sql` in one step, straight to the latest
/// version; an older file runs the steps it lacks, each in its own transaction.
pub const UPGRADES: &[&str] = &[
    // 1 → 2: dates behind the computed indicators and working-day deadlines — allocations
    // received / passed on (ALLOC_LATE), disbursements approved / paid (按时发放率).
    "ALTER TABLE allocation ADD COLUMN received_date TEXT
         CHECK (received_date IS NULL OR date(received_date) IS received_date);
     ALTER TABLE allocation ADD COLUMN distributed_date TEXT
         CHECK (distributed_date IS NULL OR date(distributed_date) IS distributed_date);
     ALTER TABLE disbursement ADD COLUMN approved_date TEXT
         CHECK (approved_date IS NULL OR date(approved_date) IS approved_date);
     ALTER TABLE disbursement ADD COLUMN paid_date TEXT
         CHECK (paid_date IS NULL OR date(paid_date) IS paid_date);",
    // 2 → 3: triggers keeping program_month right, and the table filled (repo/summary.rs)
    include_str!("migrations/v3.sql"),
    // 3 → 4: ix_disb_enterprise_date covering the columns the month-end checks read, and
    // ix_disb_program_date no longer covering (what the first costs a big import, the
    // second gives back)
    "DROP INDEX IF EXISTS ix_disb_enterprise_date;
     CREATE INDEX ix_disb_enterprise_date ON disbursement(enterprise_id, date, voucher_no,
         program_id, amount_fen, status, reverses_id, (approved_by <> '' AND approved_by = entered_by));
     DROP INDEX IF EXISTS ix_disb_program_date;
     CREATE INDEX ix_disb_program_date ON disbursement(program_id, date);",
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = 1 + UPGRADES.len() as i64;

/// Busy timeout: how long a writer waits for another clerk's transaction to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Open (creating if needed, with mode 0600) and migrate a database file.
pub fn open(path: &Path) -> Result<Connection> {
    create_private(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&mut conn, true)?;
    migrate(&conn)?;
    Ok(conn)
}

/// Open an existing database without creating or migrating it (read-only tools).
pub fn open_existing(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::NotFound(format!(
            "数据库文件 {} (database file)",
            path.display()
        )));
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&mut conn, true)?;
    check_version(&conn)?;
    migrate(&conn)?;
    Ok(conn)
}

/// A read-only connection to an existing database, for work beside the main connection
/// (background jobs, a second reader): it can never write or hold up a writer.
pub fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    stable_plans(&conn)?;
    Ok(conn)
}

/// Plans that do not depend on the values bound to a statement (SQLite's query planner
/// stability guarantee). Without it this build of SQLite (STAT4) marks a statement's
/// parameters as plan inputs when it weighs the partial indexes, so every new binding
/// threw the cached plan away and the next step prepared the statement again: about a
/// third of the cost of reading one page of the register. Our partial indexes are used
/// by queries that spell out their condition, not through a bound value.
fn stable_plans(conn: &Connection) -> Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// An in-memory database with the full schema (tests, dry runs).
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    configure(&mut conn, false)?;
    migrate(&conn)?;
    Ok(conn)
}

fn create_private(path: &Path) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn configure(conn: &mut Connection, wal: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    stable_plans(conn)?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    if wal {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
    Ok(())
}

pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

fn check_version(conn: &Connection) -> Result<()> {
    let v = user_version(conn)?;
    if v > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: v,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// A read-only snapshot (DEFERRED: takes no write lock, so writers are not held up):
/// every query inside sees the database as of its first read.
pub fn read_tx(conn: &Connection) -> Result<Transaction<'_>> {
    Ok(Transaction::new_unchecked(
        conn,
        TransactionBehavior::Deferred,
    )?)
}

/// Bring the database to `SCHEMA_VERSION`, one transaction per step. The version is read
/// again under the write lock, so two processes opening a new file at once do not both
/// run a step.
pub fn migrate(conn: &Connection) -> Result<()> {
    check_version(conn)?;
    while user_version(conn)? < SCHEMA_VERSION {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let v = user_version(&tx)?;
        if v >= SCHEMA_VERSION {
            break;
        }
        if v == 0 {
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        } else {
            tx.execute_batch(UPGRADES[(v - 1) as usize])?;
            tx.pragma_update(None, "user_version", v + 1)?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// `PRAGMA integrity_check` and `foreign_key_check`; Ok(()) when both are clean.
pub fn verify(conn: &Connection) -> Result<()> {
    let ic: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ic != "ok" {
        return Err(Error::invalid(format!("integrity_check: {ic}")));
    }
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([])?;
    if let Some(r) = rows.next()? {
        let table: String = r.get(0)?;
        return Err(Error::invalid(format!("foreign_key_check: {table}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached page query keeps its plan from one binding to the next (no reprepare),
    /// on the writer's connection and on a reader's.
    #[test]
    fn cached_statements_keep_their_plan_across_bindings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("直达.db");
        let writer = open(&path).unwrap();
        let reader = open_reader(&path).unwrap();
        for conn in [&writer, &reader] {
            for program in 1..=4i64 {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT d.id FROM disbursement d WHERE d.program_id = ?1 \
                         AND d.date <= ?2 ORDER BY d.date, d.id LIMIT ?3",
                    )
                    .unwrap();
                let rows = stmt
                    .query_map(rusqlite::params![program, "2025-12-31", 20], |r| {
                        r.get::<_, i64>(0)
                    })
                    .unwrap()
                    .count();
                assert_eq!(rows, 0);
                let reprepared = stmt.get_status(rusqlite::StatementStatus::RePrepare);
                assert_eq!(reprepared, 0, "binding {program} re-planned the statement");
            }
        }
    }

    #[test]
    fn new_database_has_every_table_and_version() {
        let conn = open_in_memory().unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        for t in [
            "program",
            "allocation",
            "enterprise",
            "disbursement",
            "recovery",
            "evaluation",
            "indicator",
            "finding_ack",
            "period_close",
            "audit_log",
            "app_user",
        ] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1",
                    [t],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 1, "table {t}");
        }
        verify(&conn).unwrap();
    }

    #[test]
    fn file_database_is_private_wal_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("直达.db");
        {
            let conn = open(&path).unwrap();
            let mode: String = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = conn
                .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .unwrap();
            assert_eq!(fk, 1);
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
        }
        assert!(matches!(open(&path), Err(Error::SchemaTooNew { .. })));
    }

    /// A table's text without comments and layout: `ALTER TABLE … ADD COLUMN` writes the
    /// new column where `schema.sql` has it, but with its own spacing.
    fn normalize_sql(sql: &str) -> String {
        let text: Vec<&str> = sql
            .lines()
            .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
            .collect();
        let words = text
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        words
            .replace(" ,", ",")
            .replace("( ", "(")
            .replace(" )", ")")
    }

    /// Tables, columns (name, type, not null, default, pk), indexes and triggers: what an
    /// upgraded file must share with a new one.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut objs = conn
            .prepare(
                "SELECT type, name, tbl_name FROM sqlite_master
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )
            .unwrap();
        let rows: Vec<(String, String, String)> = objs
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (ty, name, tbl) in rows {
            out.push(format!("{ty} {name} on {tbl}"));
            if ty == "table" {
                // the table's text too: its CHECK constraints
                let sql: String = conn
                    .query_row(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        [&name],
                        |r| r.get(0),
                    )
                    .unwrap();
                out.push(normalize_sql(&sql));
                let mut cols = conn
                    .prepare(&format!("PRAGMA table_info(\"{name}\")"))
                    .unwrap();
                let mut c: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "  {name}.{}: {} notnull={} default={:?} pk={}",
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .map(|r| r.unwrap())
                    .collect();
                c.sort();
                out.extend(c);
            }
        }
        out
    }

    #[test]
    fn every_earlier_version_upgrades_to_what_schema_sql_creates() {
        let fresh = open_in_memory().unwrap();
        let want = shape(&fresh);
        for from in 1..=SCHEMA_VERSION {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            for step in &UPGRADES[..(from - 1) as usize] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", from).unwrap();
            // a row written by the old version survives the upgrade
            conn.execute(
                "INSERT INTO enterprise (credit_code, name, size) VALUES (?1, '元江县甘庄街道示例农业科技有限公司', 'small')",
                ["91530428MA6LTE2E4Q"],
            )
            .unwrap();
            migrate(&conn).unwrap();
            assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
            assert_eq!(shape(&conn), want, "upgraded from version {from}");
            let name: String = conn
                .query_row("SELECT name FROM enterprise", [], |r| r.get(0))
                .unwrap();
            assert_eq!(name, "元江县甘庄街道示例农业科技有限公司");
            verify(&conn).unwrap();
            // the rewritten CHECKs still refuse what they refused, on a new connection too
            for c in [&conn, &fresh] {
                let bad = c.execute(
                    "INSERT INTO enterprise (credit_code, name, size) VALUES ('91530428MA6LTE2E4X', '甲', 'huge')",
                    [],
                );
                assert!(bad.is_err(), "size 'huge' refused (from version {from})");
            }
        }
    }

    #[test]
    fn version_1_rows_get_empty_dates_and_the_new_columns_are_checked() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO program (code, name, level, fiscal_year) VALUES ('WG2025', '稳岗返还', 'county', 2025);
             INSERT INTO allocation (program_id, date, amount_fen) VALUES (1, '2025-01-10', 100000);",
        )
        .unwrap();
        migrate(&conn).unwrap();
        let (r, d): (Option<String>, Option<String>) = conn
            .query_row(
                "SELECT received_date, distributed_date FROM allocation",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((r, d), (None, None));
        assert!(conn
            .execute("UPDATE allocation SET received_date = '2025-02-30'", [])
            .is_err());
        conn.execute("UPDATE allocation SET received_date = '2025-01-12'", [])
            .unwrap();
    }

    #[test]
    fn migration_is_idempotent_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        drop(open(&path).unwrap());
        let conn = open(&path).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
    }
}
