//! End to end: the real `zhida` binary in a pseudo-terminal (tmux) on a database file
//! built here with the core functions. Story: idle money — go to 收回, find the idle
//! program first, record the recovery of its whole balance and reallocate it to another
//! program, then read the new figures on 收回 and on 项目.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::{line_with, Tmux};
use zhida_core::model::{Reason, Role, Size, Status};
use zhida_core::repo::write::*;
use zhida_core::users::{self, Actor};
use zhida_core::{CreditCode, Money};

fn d(s: &str) -> NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

/// 创业担保贷款贴息 (CY2025) last paid 2025-02-10 (idle by the end of May); 稳岗返还
/// (WG2025) paid in April; 科技创新券 (KJ2025) paid in May, to receive the money.
fn build_db(path: &Path) {
    let mut conn = zhida_core::db::open(path).unwrap();
    let boss = Actor {
        user: "王科长".into(),
        role: Role::Supervisor,
    };
    users::set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    users::set_user(&mut conn, &boss, "小李", Role::Clerk).unwrap();
    let tx = conn.transaction().unwrap();
    for (code, name, dept, date, amount) in [
        (
            "CY2025",
            "创业担保贷款贴息",
            "财政局",
            "2025-01-10",
            300_000_00,
        ),
        ("WG2025", "稳岗返还", "人社局", "2025-01-15", 5_000_000_00),
        ("KJ2025", "科技创新券", "科技局", "2025-01-15", 200_000_00),
    ] {
        let mut p = NewProgram::new(code, name, 2025);
        p.department = dept.into();
        insert_program(&tx, &p).unwrap();
        insert_allocation(
            &tx,
            &NewAllocation {
                program_code: code.into(),
                date: d(date),
                amount: Money(amount),
                doc_no: "元财社〔2025〕3号".into(),
                note: String::new(),
            },
        )
        .unwrap();
    }
    let gz = CreditCode::complete("91530428MA6K1GJ02").unwrap();
    insert_enterprise(
        &tx,
        &NewEnterprise {
            credit_code: gz.clone(),
            name: "元江县澧江街道甘蔗种植合作社".into(),
            size: Size::Small,
            industry: "农业".into(),
            township: "澧江街道".into(),
            contact: String::new(),
        },
    )
    .unwrap();
    for (v, prog, fen, date) in [
        ("PZ2025-0001", "CY2025", 60_000_00, "2025-02-10"),
        ("PZ2025-0002", "WG2025", 80_000_00, "2025-04-02"),
        ("PZ2025-0003", "KJ2025", 50_000_00, "2025-05-06"),
    ] {
        insert_disbursement(
            &tx,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: prog.into(),
                credit_code: gz.to_string(),
                amount: Money(fen),
                date: d(date),
                status: Status::Paid,
                entered_by: "小李".into(),
                approved_by: "王科长".into(),
                reverses: None,
                note: String::new(),
            },
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// The line index of the first line containing `needle`.
fn row_of(screen: &str, needle: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{screen}"))
}

#[test]
fn recover_an_idle_programs_balance_and_reallocate_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    build_db(&db);
    let t = Tmux::open("recovery", dir.path(), &db, "小李");

    // as of May 2025 (the latest payments): CY2025 has lain idle 110 days
    t.send(&["5"]);
    let screen = t.wait_for("the recovery candidates", |s| s.contains("资金闲置"));
    let idle = row_of(&screen, "CY2025");
    assert!(
        idle < row_of(&screen, "WG2025") && idle < row_of(&screen, "KJ2025"),
        "the idle program first:\n{screen}"
    );
    let row = line_with(&screen, "CY2025");
    assert!(
        row.contains("240,000.00") && row.contains("2025-02-10") && row.contains("110"),
        "{screen}"
    );

    t.send(&["n"]);
    let screen = t.wait_for("the form", |s| s.contains("登记收回 · CY2025"));
    assert!(
        line_with(&screen, "金额").contains("240,000.00"),
        "the amount defaults to the balance:\n{screen}"
    );
    // accept the amount, the date (2025-05-31) and the reason (闲置); no enterprise
    t.send(&["Enter", "Enter", "Enter", "Enter"]);
    t.send_literal("元财收〔2025〕8号");
    t.send(&["Enter"]);
    // the programs it may go to, by code, without CY2025 itself: KJ2025 first
    t.send(&["Space"]);
    t.wait_for("the receiving program", |s| {
        s.contains("◀ KJ2025 科技创新券 ▶")
    });
    t.send(&["Enter", "Enter"]);
    let screen = t.wait_for("the confirmation", |s| s.contains("确认保存"));
    assert!(
        screen.contains("收回 CY2025 240,000.00 元（闲置），统筹至 KJ2025"),
        "{screen}"
    );
    t.send(&["y"]);
    let screen = t.wait_for("the saved recovery", |s| {
        s.contains("已登记收回 CY2025 240,000.00 元，统筹至 KJ2025")
    });
    let row = line_with(&screen, "CY2025");
    assert!(
        row.contains(" 0.00 ") && !row.contains("240,000.00") && !row.contains("闲置"),
        "the balance is 0 at once:\n{screen}"
    );
    let hist = line_with(&screen, "元财收〔2025〕8号");
    assert!(
        hist.contains("2025-05-31") && hist.contains("240,000.00") && hist.contains("KJ2025"),
        "the recovery below:\n{screen}"
    );
    // KJ2025: 200,000 − 50,000 paid + 240,000 reallocated
    assert!(
        line_with(&screen, "KJ2025   科技").contains("390,000.00"),
        "{screen}"
    );

    // 项目: the receiving program's budget went up by the recovered amount
    t.send(&["2"]);
    let screen = t.wait_for("the programs table", |s| s.contains("项目 · 3 条"));
    let kj = line_with(&screen, "KJ2025");
    assert!(kj.contains("440,000.00"), "{screen}");
    assert!(line_with(&screen, "CY2025").contains("300,000.00"));
    t.quit_ok();
    drop(t);

    let conn = zhida_core::db::open(&db).unwrap();
    let cy = program_id(&conn, "CY2025").unwrap();
    let r = zhida_core::repo::listing::recoveries_of(&conn, cy).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].amount, r[0].reason, r[0].date, r[0].doc_no.as_str()),
        (
            Money(240_000_00),
            Reason::Idle,
            d("2025-05-31"),
            "元财收〔2025〕8号"
        )
    );
    assert_eq!(r[0].reallocated_to.as_deref(), Some("KJ2025"));
    let kj = program_id(&conn, "KJ2025").unwrap();
    let allocs = zhida_core::repo::listing::allocations_of(&conn, kj).unwrap();
    assert_eq!(
        allocs.last().map(|a| (a.amount, a.date)),
        Some((Money(240_000_00), d("2025-05-31")))
    );
    let audited: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE tbl = 'recovery' AND user = '小李'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    zhida_core::audit::verify(&conn).unwrap();
}
