//! User story "an enterprise phones: has our 稳岗返还 been paid?": the clerk enters a
//! payment, the supervisor approves it, it is paid and later reversed — and at each step
//! `zhida status` from the shell shows the state in the clerk's language.

// Amounts in fen are written 元_分 (e.g. `12_345_67`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::process::Command;

use zhida_core::ledger::{self, DisbursementInput};
use zhida_core::model::{Role, Size};
use zhida_core::repo::write::{NewAllocation, NewEnterprise, NewProgram};
use zhida_core::users::{set_user, Actor};
use zhida_core::{CreditCode, Money};

fn status(db: &Path, lang: &str, query: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(["--lang", lang, "status", query])
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", "审计李")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_payment_through_its_life_as_seen_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("元江县财政局.db");
    let mut conn = zhida_core::db::open(&db).unwrap();
    let boss = Actor::load(&conn, "王科长").unwrap();
    set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    set_user(&mut conn, &boss, "小张", Role::Clerk).unwrap();
    set_user(&mut conn, &boss, "审计李", Role::Auditor).unwrap();
    let clerk = Actor::load(&conn, "小张").unwrap();
    ledger::add_program(
        &mut conn,
        &clerk,
        &NewProgram::new("WG2025", "稳岗返还", 2025),
    )
    .unwrap();
    let code = CreditCode::complete("91530428MA6K00001").unwrap();
    ledger::add_enterprise(
        &mut conn,
        &clerk,
        &NewEnterprise {
            credit_code: code.clone(),
            name: "元江县甘庄街道芒果种植有限公司".into(),
            size: Size::Small,
            industry: "农业".into(),
            township: "甘庄街道".into(),
            contact: "李四".into(),
        },
    )
    .unwrap();
    ledger::add_allocation(
        &mut conn,
        &clerk,
        &NewAllocation {
            program_code: "WG2025".into(),
            date: zhida_core::dates::parse_date("2025-01-15").unwrap(),
            amount: Money(500_000_00),
            doc_no: "元财社〔2025〕2号".into(),
            note: String::new(),
        },
    )
    .unwrap();
    ledger::new_disbursement(
        &mut conn,
        &clerk,
        &DisbursementInput {
            voucher_no: "YJ-2025-0042".into(),
            program_code: "WG2025".into(),
            credit_code: code.to_string(),
            amount: Money(8_600_00),
            date: zhida_core::dates::parse_date("2025-04-08").unwrap(),
            note: "稳岗返还".into(),
        },
    )
    .unwrap();
    let last = |s: &str| s.lines().last().unwrap().to_string();
    // by pinyin initials of 甘庄街道芒果 (the name starts 元江县: yjx gzjd mg…)
    assert!(last(&status(&db, "zh", "yjxgzjd")).ends_with("待复核"));

    ledger::approve(&mut conn, &boss, "YJ-2025-0042").unwrap();
    assert!(last(&status(&db, "zh", "芒果")).ends_with("已复核"));

    ledger::pay(&mut conn, &clerk, "YJ-2025-0042").unwrap();
    let out = status(&db, "zh", &code.as_str()[..10]);
    assert!(last(&out).ends_with("已拨付"), "{out}");
    assert!(last(&out).contains("8,600.00"), "{out}");

    ledger::reverse(
        &mut conn,
        &boss,
        "YJ-2025-0042",
        zhida_core::dates::parse_date("2025-05-06").unwrap(),
        "CX-2025-0003",
        "账号错误，退回重付",
    )
    .unwrap();
    // the original stays paid, and says which voucher reversed it
    let out = status(&db, "en", "YJ-2025-0042");
    assert!(
        last(&out).ends_with("paid (reversed by CX-2025-0003)"),
        "{out}"
    );
    let out = status(&db, "zh", "芒果种植");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("CX-2025-0003"), "{out}");
    assert!(lines[1].contains("-8,600.00"), "{out}");
    assert!(lines[1].ends_with("已拨付（冲销 YJ-2025-0042）"), "{out}");
    // the auditor who looked it up cannot change anything
    let auditor = Actor::load(&conn, "审计李").unwrap();
    assert!(ledger::reject(&mut conn, &auditor, "YJ-2025-0042", "查询").is_err());
    assert_eq!(zhida_core::audit::verify(&conn).unwrap(), 10);
}
