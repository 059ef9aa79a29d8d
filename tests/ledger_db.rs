//! Opening database files at the edges of the schema versions: an empty file (version 0)
//! is created in place; a file from a newer zhida is refused with one clear line, by the
//! library and by the commands.

use std::path::Path;
use std::process::Command;

use rusqlite::Connection;
use zhida_core::db::{self, SCHEMA_VERSION};
use zhida_core::Error;

fn zhida(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", "王科长")
        .output()
        .unwrap()
}

#[test]
fn an_empty_file_is_version_0_and_gets_the_whole_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("空库.db");
    std::fs::write(&path, b"").unwrap();
    let conn = db::open_existing(&path).unwrap();
    assert_eq!(db::user_version(&conn).unwrap(), SCHEMA_VERSION);
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'disbursement_paid_immutable'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    db::verify(&conn).unwrap();
}

#[test]
fn a_file_from_a_newer_zhida_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("新版.db");
    drop(db::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 3)
        .unwrap();
    for r in [db::open(&path), db::open_existing(&path)] {
        match r {
            Err(Error::SchemaTooNew { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 3, SCHEMA_VERSION));
            }
            other => panic!("expected SchemaTooNew, got {:?}", other.map(|_| ())),
        }
    }
    for args in [&["init"][..], &["status", "YJ-001"][..]] {
        let o = zhida(&path, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("请升级 zhida"), "{err}");
    }
    // the refused file is left as it was
    let v: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION + 3);
}
