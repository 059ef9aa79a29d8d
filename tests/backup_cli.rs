//! `zhida init`, `zhida backup` and `zhida restore` through the real binary.

use std::path::Path;
use std::process::{Command, Output};

use rusqlite::Connection;

fn zhida(db: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", user)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn count(db: &Path, table: &str) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn init_registers_the_first_user_as_supervisor_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("县财政局.db");
    let o = zhida(&db, "王科长", &["init"]);
    assert!(o.status.success(), "{o:?}");
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("(schema v{})", zhida_core::db::SCHEMA_VERSION)),
        "{out}"
    );
    assert!(out.contains("王科长"), "{out}");
    let conn = zhida_core::db::open(&db).unwrap();
    assert_eq!(
        zhida_core::users::list(&conn).unwrap(),
        [("王科长".to_string(), zhida_core::model::Role::Supervisor)]
    );
    drop(conn);
    // a second init by someone else upgrades only; no second supervisor appears
    let o = zhida(&db, "小张", &["init"]);
    assert!(o.status.success(), "{o:?}");
    assert!(!text(&o.stdout).contains("小张"), "{o:?}");
    assert_eq!(count(&db, "app_user"), 1);
}

#[test]
fn backup_then_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    assert!(zhida(&db, "王科长", &["init"]).status.success());
    {
        let mut conn = zhida_core::db::open(&db).unwrap();
        let boss = zhida_core::users::Actor::load(&conn, "王科长").unwrap();
        zhida_core::ledger::add_program(
            &mut conn,
            &boss,
            &zhida_core::repo::write::NewProgram::new("WG2025", "稳岗返还", 2025),
        )
        .unwrap();
    }
    let bak = dir.path().join("备份.db");
    let o = zhida(&db, "审计李", &["backup", "--to", bak.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let out = text(&o.stdout);
    assert!(out.contains("已备份到"), "{out}");
    assert!(out.contains("完整性检查通过"), "{out}");
    assert!(out.contains("项目 1"), "{out}");
    assert_eq!(count(&bak, "program"), 1);

    // refuses to overwrite
    let o = zhida(&db, "王科长", &["backup", "--to", bak.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("不覆盖"), "{o:?}");

    // a change after the backup, then restore
    {
        let mut conn = zhida_core::db::open(&db).unwrap();
        let boss = zhida_core::users::Actor::load(&conn, "王科长").unwrap();
        zhida_core::ledger::add_program(
            &mut conn,
            &boss,
            &zhida_core::repo::write::NewProgram::new("KJ2025", "科技创新券", 2025),
        )
        .unwrap();
    }
    assert_eq!(count(&db, "program"), 2);
    // a clerk may not restore
    let o = zhida(&db, "小张", &["restore", "--from", bak.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(count(&db, "program"), 2);
    let o = zhida(&db, "王科长", &["restore", "--from", bak.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    assert!(text(&o.stdout).contains("原数据库保存为"), "{o:?}");
    assert_eq!(count(&db, "program"), 1);
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("zhida.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(count(&dir.path().join(&kept[0]), "program"), 2);
    let actions: Vec<String> = Connection::open(&db)
        .unwrap()
        .prepare("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(actions, ["restore"]);
}

#[test]
fn restore_refuses_a_truncated_file_and_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    assert!(zhida(&db, "王科长", &["init"]).status.success());
    let bak = dir.path().join("good.db");
    assert!(
        zhida(&db, "王科长", &["backup", "--to", bak.to_str().unwrap()])
            .status
            .success()
    );
    let bytes = std::fs::read(&bak).unwrap();
    let cut = dir.path().join("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let o = zhida(&db, "王科长", &["restore", "--from", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = text(&o.stderr);
    assert!(
        err.contains("cut.db") && err.contains("不是可用的 zhida 数据库"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    let newer = dir.path().join("newer.db");
    std::fs::copy(&bak, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", zhida_core::db::SCHEMA_VERSION + 1)
        .unwrap();
    let o = zhida(
        &db,
        "王科长",
        &["restore", "--from", newer.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(text(&o.stderr).contains("请升级 zhida"), "{o:?}");
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("before-restore")
        })
        .count();
    assert_eq!(kept, 0);
}
