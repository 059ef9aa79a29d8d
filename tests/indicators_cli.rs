//! End to end: payments approved and paid through zhida carry their days; `zhida
//! indicators` shows 按时发放率 counted in working days across 国庆 and its 调休
//! Saturday; the extra rules stay off unless the configuration (or `--rule`) asks;
//! a bad `[calendar]` is refused naming the file and key.

// Amounts in fen are written 元_分 (e.g. `12_345_67`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::process::{Command, Output};

use zhida_core::ledger::{self, DisbursementInput};
use zhida_core::model::{Role, Size};
use zhida_core::repo::write::{NewAllocation, NewEnterprise, NewProgram};
use zhida_core::users::{set_user, Actor};
use zhida_core::{CreditCode, Money};

fn zhida(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(["--user", "王科长"])
        .args(args)
        .env_remove("ZHIDA_DB")
        .env_remove("ZHIDA_USER")
        .output()
        .unwrap()
}

fn d(s: &str) -> chrono::NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

/// WG2025: two payments approved Friday 2025-09-26, one paid 10-16 (10 working days:
/// 09-28 Sun and 10-11 Sat are worked, 10-01..10-08 off), one 10-17 (11).
fn fixture(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("元江县财政局.db");
    let mut conn = zhida_core::db::open(&db).unwrap();
    let boss = Actor::load(&conn, "王科长").unwrap();
    set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    set_user(&mut conn, &boss, "小张", Role::Clerk).unwrap();
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
    let id = ledger::add_allocation(
        &mut conn,
        &clerk,
        &NewAllocation {
            program_code: "WG2025".into(),
            date: d("2025-01-15"),
            amount: Money(100_000_00),
            doc_no: "元财社〔2025〕2号".into(),
            note: String::new(),
        },
    )
    .unwrap();
    // received 01-15, passed on 04-30: far beyond 30 working days
    ledger::set_allocation_dates(
        &mut conn,
        &clerk,
        id,
        Some(d("2025-01-15")),
        Some(d("2025-04-30")),
    )
    .unwrap();
    for (v, paid) in [("YJ-1", "2025-10-16"), ("YJ-2", "2025-10-17")] {
        ledger::new_disbursement(
            &mut conn,
            &clerk,
            &DisbursementInput {
                voucher_no: v.into(),
                program_code: "WG2025".into(),
                credit_code: code.to_string(),
                amount: Money(8_000_00),
                date: d("2025-09-25"),
                note: String::new(),
            },
        )
        .unwrap();
        ledger::approve_on(&mut conn, &boss, v, d("2025-09-26")).unwrap();
        ledger::pay_on(&mut conn, &clerk, v, d(paid)).unwrap();
    }
    db
}

#[test]
fn indicators_count_working_days_across_national_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let out = zhida(
        &db,
        &["indicators", "--month", "2025-10", "--format", "json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["program"], "WG2025");
    assert_eq!(
        (v[0]["on_time_rows"].as_i64(), v[0]["timed_rows"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(v[0]["on_time_pct"], "50.00");
    assert_eq!(v[0]["balance_rate_pct"], "84.00");
    assert_eq!(v[0]["full_rate_pct"], "100.00");
    let out = zhida(
        &db,
        &["--lang", "zh", "indicators", "--as-of", "2025-10-31"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("绩效指标（截至 2025-10-31）") && text.contains("50.00% (1/2)"),
        "{text}"
    );
    let out = zhida(&db, &["indicators", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn extra_rules_only_when_configured_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let rules = |args: &[&str]| -> Vec<String> {
        let out = zhida(&db, args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let base = ["check", "--month", "2025-10", "--format", "json"];
    let default = rules(&base);
    assert!(
        default
            .iter()
            .all(|r| !["ON_TIME", "ALLOC_LATE", "BALANCE_RATE"].contains(&r.as_str())),
        "{default:?}"
    );
    let named = rules(&[&base[..], &["--rule", "ON_TIME"]].concat());
    assert_eq!(named, ["ON_TIME"]);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[checks]\nextra_rules = [\"ON_TIME\", \"ALLOC_LATE\"]\n",
    )
    .unwrap();
    let configured = rules(&[&["--config", cfg.to_str().unwrap()], &base[..]].concat());
    let extra: Vec<&String> = configured
        .iter()
        .filter(|r| *r == "ON_TIME" || *r == "ALLOC_LATE")
        .collect();
    assert_eq!(extra, ["ALLOC_LATE", "ON_TIME"]);
    assert_eq!(configured.len(), default.len() + 2);
    // 10-17 made a holiday: both payments on time
    std::fs::write(&cfg, "[checks]\nextra_rules = [\"ON_TIME\"]\n[calendar]\nholidays = [\"2025-10-13..2025-10-17\"]\n").unwrap();
    let out = zhida(
        &db,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "indicators",
            "--month",
            "2025-10",
            "--format",
            "csv",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().nth(1).unwrap().contains(",100.00,2,2,"),
        "{text}"
    );
    std::fs::write(&cfg, "[calendar]\nworkdays = [\"2025-10-32\"]\n").unwrap();
    let out = zhida(&db, &["--config", cfg.to_str().unwrap(), "indicators"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("calendar.workdays"),
        "{err}"
    );
}
