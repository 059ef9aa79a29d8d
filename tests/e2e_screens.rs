//! End to end: the real `zhida` binary in a pseudo-terminal (tmux) on a database file
//! built here with the core functions, one scenario per user story of the work screens:
//! (a) a clerk enters a disbursement, a supervisor approves and pays it in a second run;
//! (b) month-end: run the checks, acknowledge, export, close, then a refused payment;
//! (c) recovering an idle program's balance and reallocating it is in `e2e_recovery.rs`.

#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::{line_with, Tmux};
use zhida_core::model::{Role, Size, Status};
use zhida_core::repo::write::*;
use zhida_core::users::{self, Actor};
use zhida_core::{CreditCode, Money};

fn d(s: &str) -> NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

fn xy() -> CreditCode {
    CreditCode::complete("91530428MA6K1XY01").unwrap()
}

fn gz() -> CreditCode {
    CreditCode::complete("91530428MA6K1GJ02").unwrap()
}

/// 稳岗返还 (WG2025) paying out; 创业担保贷款贴息 (CY2024) idle since March 2024;
/// 科技创新券 (KJ2025) to receive a reallocation; users 王科长 (supervisor), 小李 (clerk).
fn build_db(path: &Path) {
    let mut conn = zhida_core::db::open(path).unwrap();
    let boss = Actor {
        user: "王科长".into(),
        role: Role::Supervisor,
    };
    users::set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    users::set_user(&mut conn, &boss, "小李", Role::Clerk).unwrap();
    let tx = conn.transaction().unwrap();
    let mut wg = NewProgram::new("WG2025", "稳岗返还", 2025);
    wg.department = "人社局".into();
    insert_program(&tx, &wg).unwrap();
    let mut cy = NewProgram::new("CY2024", "创业担保贷款贴息", 2024);
    cy.department = "财政局".into();
    insert_program(&tx, &cy).unwrap();
    let mut kj = NewProgram::new("KJ2025", "科技创新券", 2025);
    kj.department = "科技局".into();
    insert_program(&tx, &kj).unwrap();
    for (code, date, amount) in [
        ("WG2025", "2025-01-15", 5_000_000_00),
        ("CY2024", "2024-02-01", 300_000_00),
        ("KJ2025", "2025-01-15", 200_000_00),
    ] {
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
    for (code, name, town) in [
        (xy(), "元江县甘庄街道鑫源科技有限公司", "甘庄街道"),
        (gz(), "元江县澧江街道甘蔗种植合作社", "澧江街道"),
    ] {
        insert_enterprise(
            &tx,
            &NewEnterprise {
                credit_code: code,
                name: name.into(),
                size: Size::Small,
                industry: "农业".into(),
                township: town.into(),
                contact: String::new(),
            },
        )
        .unwrap();
    }
    for (v, prog, code, fen, date) in [
        ("PZ2024-0101", "CY2024", gz(), 60_000_00, "2024-03-15"),
        ("PZ2025-0001", "WG2025", gz(), 80_000_00, "2025-04-02"),
        ("PZ2025-0002", "KJ2025", xy(), 50_000_00, "2025-05-06"),
    ] {
        insert_disbursement(
            &tx,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: prog.into(),
                credit_code: code.to_string(),
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

#[test]
fn a_clerk_enters_a_disbursement_and_a_supervisor_approves_and_pays_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    build_db(&db);

    // run 1: the clerk
    let t = Tmux::open("a1", dir.path(), &db, "小李");
    t.send(&["4"]);
    t.wait_for("the register", |s| s.contains("PZ2025-0001"));
    t.send(&["n"]);
    t.wait_for("the form", |s| s.contains("新增拨付"));
    t.send_literal("PZ2025-0100");
    t.send(&["Enter"]);
    // programs by code: CY2024, KJ2025, WG2025 — two Space presses pick 稳岗返还
    t.send(&["Space", "Space"]);
    t.wait_for("the program", |s| s.contains("◀ WG2025 稳岗返还 ▶"));
    t.send(&["Enter"]);
    t.send_literal(xy().as_str());
    t.wait_for("the enterprise behind the code", |s| {
        s.contains("元江县甘庄街道鑫源科技有限公司")
    });
    t.send(&["Enter"]);
    t.send_literal("1.5万");
    t.send(&["Enter", "Enter", "Enter"]);
    t.wait_for("the confirmation", |s| s.contains("确认保存"));
    t.send(&["y"]);
    let screen = t.wait_for("the saved row", |s| s.contains("已录入凭证 PZ2025-0100"));
    let row = line_with(&screen, "PZ2025-0100");
    assert!(
        row.contains("15,000.00") && row.contains("待复核") && row.contains("小李"),
        "{screen}"
    );
    // the clerk may not approve
    t.send(&["a"]);
    t.wait_for("the refusal", |s| s.contains("需要复核（科长）角色"));
    t.quit_ok();
    drop(t);

    // run 2: the supervisor
    let t = Tmux::open("a2", dir.path(), &db, "王科长");
    t.send(&["4"]);
    t.wait_for("the register", |s| s.contains("PZ2025-0100"));
    t.send(&["G"]);
    t.send(&["a"]);
    t.wait_for("the approval question", |s| {
        s.contains("复核通过: PZ2025-0100")
    });
    t.send(&["y"]);
    t.wait_for("approved", |s| s.contains("凭证 PZ2025-0100 已复核"));
    t.send(&["p"]);
    t.wait_for("the payment question", |s| {
        s.contains("标记已拨付: PZ2025-0100")
    });
    t.send(&["Enter"]);
    let screen = t.wait_for("paid", |s| s.contains("凭证 PZ2025-0100 已拨付"));
    let row = line_with(&screen, "PZ2025-0100");
    assert!(row.contains("已拨付") && row.contains("王科长"), "{screen}");
    // the audit log shows both users' writes
    t.send(&["8"]);
    let screen = t.wait_for("the audit log", |s| s.contains("pay"));
    assert!(
        screen.contains("approve") && screen.contains("小李"),
        "{screen}"
    );
    t.quit_ok();

    let conn = zhida_core::db::open(&db).unwrap();
    let d = zhida_core::repo::lookup::disbursement_by_voucher(&conn, "PZ2025-0100")
        .unwrap()
        .unwrap();
    assert_eq!(d.status, Status::Paid);
    assert_eq!(
        (d.entered_by.as_str(), d.approved_by.as_str()),
        ("小李", "王科长")
    );
    assert_eq!(d.amount, Money(15_000_00));
}
