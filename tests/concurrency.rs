//! Two clerks at once: several writers on one database file, each with its own
//! connection (threads here, and the real `zhida import` binary as a separate process),
//! for a bounded time. Nothing written is lost or duplicated, the loser of a conflict gets
//! the domain's refusal (never "database is locked"), the audit chain stays intact, and a
//! long-lived connection (like the TUI's) sees what another process wrote when it
//! queries again.

// Amounts in fen are written 元_分 so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::Connection;
use zhida_core::ledger::{self, DisbursementInput};
use zhida_core::model::{Role, Size, Status};
use zhida_core::repo::write::{NewAllocation, NewEnterprise, NewProgram};
use zhida_core::users::{self, Actor};
use zhida_core::{db, CreditCode, Error, Money};

const PROGRAM: &str = "WG-2025";

fn date(s: &str) -> NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

fn ent(i: usize) -> CreditCode {
    CreditCode::complete(&format!("92530428MA{i:07}")).unwrap()
}

fn actor(conn: &Connection, name: &str) -> Actor {
    Actor::load(conn, name).unwrap()
}

/// A database file with a program, 20 enterprises, a budget and four users.
fn setup(dir: &Path) -> PathBuf {
    let path = dir.join("元江县财政局.db");
    let mut conn = db::open(&path).unwrap();
    let boss = actor(&conn, "王科长");
    for (name, role) in [
        ("王科长", Role::Supervisor),
        ("赵科长", Role::Supervisor),
        ("小李", Role::Clerk),
        ("小张", Role::Clerk),
    ] {
        users::set_user(&mut conn, &boss, name, role).unwrap();
    }
    let boss = actor(&conn, "王科长");
    ledger::add_program(
        &mut conn,
        &boss,
        &NewProgram::new(PROGRAM, "稳岗返还", 2025),
    )
    .unwrap();
    for i in 0..20 {
        let township = ["澧江街道", "甘庄街道", "因远镇"][i % 3];
        ledger::add_enterprise(
            &mut conn,
            &boss,
            &NewEnterprise {
                credit_code: ent(i),
                name: format!("元江县{township}红河谷{i}号食品有限公司"),
                size: Size::Small,
                industry: "食品加工".into(),
                township: township.into(),
                contact: "李明".into(),
            },
        )
        .unwrap();
    }
    ledger::add_allocation(
        &mut conn,
        &boss,
        &NewAllocation {
            program_code: PROGRAM.into(),
            date: date("2025-01-10"),
            amount: Money(100_000_000_00),
            doc_no: "元财社〔2025〕1号".into(),
            note: String::new(),
        },
    )
    .unwrap();
    path
}

fn input(voucher: &str, i: usize) -> DisbursementInput {
    DisbursementInput {
        voucher_no: voucher.into(),
        program_code: PROGRAM.into(),
        credit_code: ent(i % 20).to_string(),
        amount: Money(1_000_00 + i as i64),
        date: date("2025-03-15"),
        note: "稳岗返还".into(),
    }
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A refusal must be the domain's own, one readable line, never SQLite's busy error.
fn assert_clear_refusal(e: &Error) {
    let text = e.to_string();
    assert!(!matches!(e, Error::Db(_)), "database error leaked: {text}");
    assert!(!text.contains("locked") && !text.contains("busy"), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
}

fn check_database(path: &Path) -> Connection {
    let conn = db::open(path).unwrap();
    db::verify(&conn).unwrap();
    zhida_core::audit::verify(&conn).unwrap();
    conn
}

#[test]
fn inserts_from_two_clerks_and_an_import_process_are_neither_lost_nor_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let path = setup(dir.path());
    let run_for = Duration::from_secs(3);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));

    // two clerks in this process, each on its own connection
    let clerks: Vec<_> = ["小李", "小张"]
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let (path, stop, start) = (path.clone(), stop.clone(), start.clone());
            std::thread::spawn(move || {
                let mut conn = db::open(&path).unwrap();
                let me = actor(&conn, name);
                start.wait();
                let mut written = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let voucher = format!("T{c}-{n:05}");
                    let d = ledger::new_disbursement(&mut conn, &me, &input(&voucher, n))
                        .unwrap_or_else(|e| panic!("{name} {voucher}: {e}"));
                    assert_eq!(d.status, Status::Pending);
                    written.push(voucher);
                    n += 1;
                    // a clerk pauses between rows; without any pause SQLite's busy handler
                    // (sleep and retry) lets one tight loop starve the other writers
                    std::thread::sleep(Duration::from_micros(200));
                }
                written
            })
        })
        .collect();

    // a long-lived reader, like the TUI: it must see other writers' rows on each query
    let reader = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            let conn = db::open(&path).unwrap();
            let (mut queries, mut changes, mut last) = (0u64, 0u64, -1i64);
            while !stop.load(Ordering::Relaxed) {
                let n = count(&conn, "SELECT count(*) FROM disbursement");
                assert!(
                    n >= last,
                    "a reader saw the row count go back: {last} → {n}"
                );
                changes += (n != last) as u64;
                last = n;
                queries += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            (queries, changes)
        })
    };

    // a third writer: the real binary importing small files, one after another
    start.wait();
    let began = Instant::now();
    let mut imports = 0usize;
    let mut backups = Vec::new();
    const ROWS: usize = 25;
    while began.elapsed() < run_for {
        let f = dir.path().join(format!("批次{imports}.csv"));
        let mut text = String::from(
            "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n",
        );
        for j in 0..ROWS {
            text += &format!(
                "P{imports:03}-{j:02},{PROGRAM},{},1200.00,2025-03-20,paid,小李,王科长,,导入\n",
                ent(j % 20)
            );
        }
        std::fs::write(&f, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_zhida"))
            .arg("--db")
            .arg(&path)
            .args(["import", f.to_str().unwrap(), "--kind", "disbursements"])
            .env_remove("ZHIDA_DB")
            .env("ZHIDA_USER", "王科长")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "import {imports}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        imports += 1;
        if imports.is_multiple_of(4) {
            // an online backup while the clerks keep writing: a consistent snapshot
            let bak = dir.path().join(format!("备份{imports}.db"));
            let out = Command::new(env!("CARGO_BIN_EXE_zhida"))
                .arg("--db")
                .arg(&path)
                .args(["backup", "--to", bak.to_str().unwrap()])
                .env_remove("ZHIDA_DB")
                .env("ZHIDA_USER", "王科长")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "backup: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            backups.push(bak);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written: Vec<Vec<String>> = clerks.into_iter().map(|t| t.join().unwrap()).collect();
    let (queries, changes) = reader.join().unwrap();

    let conn = check_database(&path);
    for (c, vouchers) in written.iter().enumerate() {
        assert!(!vouchers.is_empty(), "clerk {c} wrote nothing");
        let stored = count(
            &conn,
            &format!("SELECT count(DISTINCT voucher_no) FROM disbursement WHERE voucher_no LIKE 'T{c}-%'"),
        );
        assert_eq!(
            stored,
            vouchers.len() as i64,
            "clerk {c}: lost or duplicated"
        );
    }
    let inserts: usize = written.iter().map(Vec::len).sum();
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM disbursement WHERE voucher_no LIKE 'P%'"
        ),
        (imports * ROWS) as i64
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM disbursement"),
        (inserts + imports * ROWS) as i64
    );
    // one audit row per write, in one unbroken chain
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM audit_log WHERE tbl = 'disbursement' AND action = 'insert'"
        ),
        inserts as i64
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM audit_log WHERE action = 'import'"
        ),
        imports as i64
    );
    assert!(
        imports >= 2 && changes >= 3,
        "imports {imports}, changes seen {changes}"
    );
    // each backup is one moment: every row in it has its audit row and the chain holds
    for bak in &backups {
        let b = Connection::open(bak).unwrap();
        db::verify(&b).unwrap();
        zhida_core::audit::verify(&b).unwrap();
        assert_eq!(
            count(
                &b,
                "SELECT count(*) FROM disbursement WHERE voucher_no LIKE 'T%'"
            ),
            count(
                &b,
                "SELECT count(*) FROM audit_log WHERE tbl = 'disbursement' AND action = 'insert'"
            ),
            "{}",
            bak.display()
        );
        assert_eq!(
            count(
                &b,
                "SELECT count(*) FROM disbursement WHERE voucher_no LIKE 'P%'"
            ),
            ROWS as i64 * count(&b, "SELECT count(*) FROM audit_log WHERE action = 'import'"),
        );
    }
    eprintln!(
        "concurrent: {inserts} inserts by 2 clerks ({:?}) + {imports} import processes ({} rows) + {} online backups in {run_for:?}; a reader ran {queries} queries and saw {changes} changes",
        written.iter().map(Vec::len).collect::<Vec<_>>(),
        imports * ROWS,
        backups.len()
    );
}

/// Race `n` pending rows through `op` from two supervisors at once; returns how many
/// calls succeeded per supervisor and every refusal.
fn race<F>(path: &Path, who: [&'static str; 2], vouchers: &[String], op: F) -> (usize, Vec<String>)
where
    F: Fn(&mut Connection, &Actor, &str) -> Result<(), Error> + Send + Sync + 'static,
{
    let op = Arc::new(op);
    let start = Arc::new(Barrier::new(2));
    let handles: Vec<_> = who
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let (path, op, start) = (path.to_path_buf(), op.clone(), start.clone());
            let mut list = vouchers.to_vec();
            if k == 1 {
                // the second goes through the rows in another order, so they meet midway
                // and then walk the same rows in step
                let half = list.len() / 2;
                list.rotate_left(half);
            }
            std::thread::spawn(move || {
                let mut conn = db::open(&path).unwrap();
                let me = actor(&conn, name);
                start.wait();
                let mut ok = 0;
                let mut refused = Vec::new();
                for v in &list {
                    match op(&mut conn, &me, v) {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            assert_clear_refusal(&e);
                            refused.push(e.to_string());
                        }
                    }
                }
                (ok, refused)
            })
        })
        .collect();
    let mut ok = 0;
    let mut refused = Vec::new();
    for h in handles {
        let (o, r) = h.join().unwrap();
        ok += o;
        refused.extend(r);
    }
    (ok, refused)
}

#[test]
fn conflicting_approvals_payments_and_reversals_have_exactly_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let path = setup(dir.path());
    const N: usize = 150;
    let vouchers: Vec<String> = (0..N).map(|i| format!("YJ-2025-{i:04}")).collect();
    {
        let mut conn = db::open(&path).unwrap();
        let clerk = actor(&conn, "小李");
        for (i, v) in vouchers.iter().enumerate() {
            ledger::new_disbursement(&mut conn, &clerk, &input(v, i)).unwrap();
        }
    }
    let started = Instant::now();

    // two supervisors approve the same rows: one approval per row
    let (ok, refused) = race(&path, ["王科长", "赵科长"], &vouchers, |c, a, v| {
        ledger::approve(c, a, v).map(|_| ())
    });
    assert_eq!(ok, N, "approvals");
    assert_eq!(refused.len(), N, "{refused:?}");
    assert!(
        refused.iter().all(|e| e.contains("状态为已复核")),
        "{:?}",
        refused.iter().find(|e| !e.contains("状态为已复核"))
    );

    // two clerks pay the same approved rows
    let (ok, refused) = race(&path, ["小李", "小张"], &vouchers, |c, a, v| {
        ledger::pay(c, a, v).map(|_| ())
    });
    assert_eq!((ok, refused.len()), (N, N), "payments");
    assert!(refused.iter().all(|e| e.contains("已拨付")), "{refused:?}");

    // two supervisors reverse the same paid rows, each with their own new voucher
    let (ok, refused) = race(&path, ["王科长", "赵科长"], &vouchers, |c, a, v| {
        let new = format!("CX-{}-{v}", if a.user == "王科长" { "W" } else { "Z" });
        ledger::reverse(c, a, v, date("2025-03-31"), &new, "重复拨付冲销").map(|_| ())
    });
    assert_eq!((ok, refused.len()), (N, N), "reversals");
    assert!(refused.iter().all(|e| e.contains("已被")), "{refused:?}");

    let conn = check_database(&path);
    let by_status = |s: &str| {
        count(
            &conn,
            &format!(
                "SELECT count(*) FROM disbursement WHERE status = '{s}' AND reverses_id IS NULL"
            ),
        )
    };
    assert_eq!(by_status("paid"), N as i64);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM disbursement WHERE reverses_id IS NOT NULL"
        ),
        N as i64,
        "exactly one reversal per row"
    );
    // the approver is whoever won, never the clerk, and each row was approved once
    assert_eq!(
        count(&conn, "SELECT count(*) FROM disbursement WHERE reverses_id IS NULL AND approved_by IN ('王科长', '赵科长')"),
        N as i64
    );
    for action in ["approve", "pay", "reverse"] {
        assert_eq!(
            count(
                &conn,
                &format!("SELECT count(*) FROM audit_log WHERE action = '{action}'")
            ),
            N as i64,
            "{action} audited once per row"
        );
    }
    let net: i64 = count(
        &conn,
        "SELECT coalesce(SUM(amount_fen), 0) FROM disbursement WHERE status = 'paid'",
    );
    assert_eq!(net, 0, "every payment reversed exactly once");
    eprintln!(
        "conflicts: {} racing calls ({N} rows × 3 operations × 2 writers), {} refused cleanly, in {:?}",
        6 * N,
        3 * N,
        started.elapsed()
    );
}
