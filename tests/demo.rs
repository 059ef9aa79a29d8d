//! `zhida demo --no-tui`: builds a fresh database from the embedded sample data.

use std::path::Path;
use std::process::{Command, Output};

/// The real binary on `db` as 张科长, without a terminal (stdin empty).
fn zhida(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .args(["--user", "张科长", "--db"])
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn csv_rows(name: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        rows.push(line.split(',').map(str::to_string).collect());
    }
    rows
}

fn count(conn: &rusqlite::Connection, table: &str) -> usize {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as usize
}

#[test]
fn demo_builds_a_database_matching_the_sample_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("演示.db");
    let o = zhida(&db, &["demo", "--no-tui"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        db.display().to_string()
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    for (table, file) in [
        ("program", "programs.csv"),
        ("enterprise", "enterprises.csv"),
        ("disbursement", "disbursements.csv"),
        ("recovery", "recoveries.csv"),
        ("evaluation", "evaluations.csv"),
        ("indicator", "indicators.csv"),
    ] {
        assert_eq!(count(&conn, table), csv_rows(file).len(), "{table}");
    }
    // each reallocated recovery (调入项目 = 7th column) adds an allocation
    let reallocated = csv_rows("recoveries.csv")
        .iter()
        .filter(|r| !r[6].is_empty())
        .count();
    assert!(reallocated > 0);
    assert_eq!(
        count(&conn, "allocation"),
        csv_rows("allocations.csv").len() + reallocated
    );
    let paid_fen: i64 = conn
        .query_row(
            "SELECT sum(amount_fen) FROM disbursement WHERE status='paid'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let csv_paid: i64 = csv_rows("disbursements.csv")
        .iter()
        .filter(|r| r[5] == "已拨付")
        .map(|r| {
            let fen = r[3]
                .replace('.', "")
                .trim_start_matches('-')
                .parse::<i64>()
                .unwrap();
            if r[3].starts_with('-') {
                -fen
            } else {
                fen
            }
        })
        .sum();
    assert_eq!(paid_fen, csv_paid);
    // the current user is a supervisor, with demo clerk, supervisor and auditor beside
    let role = |name: &str| -> String {
        conn.query_row("SELECT role FROM app_user WHERE name=?1", [name], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(role("张科长"), "supervisor");
    assert_eq!(role("李娟"), "clerk");
    assert_eq!(role("王建国"), "supervisor");
    assert_eq!(role("赵敏"), "auditor");
    // a second demo on the same (now full) file is refused
    let o = zhida(&db, &["demo", "--no-tui"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("fresh database"));
}

/// Without a terminal (a pipe, a cron job) the TUI is refused with a clear message and
/// exit status 2, not an OS error; `zhida demo` still builds its database and names it.
#[test]
fn the_tui_without_a_terminal_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("直达资金.db");
    let o = zhida(&db, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("界面需要在终端中运行"), "{err}");
    assert!(err.contains("ssh -t"), "{err}");
    assert!(!err.contains("os error"), "{err}");

    let o = zhida(&db, &["demo"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("界面需要在终端中运行"), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert!(count(&conn, "disbursement") > 0);
}
