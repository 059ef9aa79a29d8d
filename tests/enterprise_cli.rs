//! End to end: `zhida enterprise` on a small 元江县 database — the file as a table and as
//! JSON, a name fragment, and "can it still receive" with its exit status.

// Amounts in fen are written 元_分 (e.g. `100_000_00`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zhida_core::model::{Reason, Size, Status};
use zhida_core::repo::write::*;
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// 科技创新券 (cap 30万, 元科发〔2025〕2号) and two exclusive 吸纳就业 programs; 恒达建材 at
/// the cap with a clawback, 恒达物流 over it.
fn fixture(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("一企一档.db");
    let conn = zhida_core::db::open(&db).unwrap();
    let mut kj = NewProgram::new("KJ2025", "科技创新券", 2025);
    kj.cap_per_enterprise = Some(Money(300_000_00));
    kj.policy_ref = "元科发〔2025〕2号".into();
    insert_program(&conn, &kj).unwrap();
    for (code, name) in [
        ("KG2025", "一次性扩岗补助"),
        ("XN2025", "一次性吸纳就业补贴"),
    ] {
        let mut p = NewProgram::new(code, name, 2025);
        p.exclusive_group = Some("吸纳就业".into());
        insert_program(&conn, &p).unwrap();
    }
    for code in ["KJ2025", "KG2025", "XN2025"] {
        insert_allocation(
            &conn,
            &NewAllocation {
                program_code: code.into(),
                date: d("2025-01-10"),
                amount: Money(2_000_000_00),
                doc_no: "元财〔2025〕1号".into(),
                note: String::new(),
            },
        )
        .unwrap();
    }
    let mut codes = Vec::new();
    for (n, name) in [
        ("91530428MA6K00001", "元江县澧江街道恒达建材有限公司"),
        ("91530428MA6K00002", "元江县澧江街道恒达物流有限公司"),
    ] {
        let cc = CreditCode::complete(n).unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: cc.clone(),
                name: name.into(),
                size: Size::Small,
                industry: "建材".into(),
                township: "澧江街道".into(),
                contact: "李四".into(),
            },
        )
        .unwrap();
        codes.push(cc.into_string());
    }
    for (v, p, e, fen, date, status) in [
        (
            "KJ-001",
            "KJ2025",
            0,
            200_000_00,
            "2025-03-02",
            Status::Paid,
        ),
        (
            "KJ-002",
            "KJ2025",
            0,
            100_000_00,
            "2025-05-06",
            Status::Pending,
        ),
        ("XN-001", "XN2025", 0, 3_000_00, "2025-04-10", Status::Paid),
        (
            "KJ-101",
            "KJ2025",
            1,
            310_000_00,
            "2025-02-01",
            Status::Paid,
        ),
    ] {
        insert_disbursement(
            &conn,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: p.into(),
                credit_code: codes[e].clone(),
                amount: Money(fen),
                date: d(date),
                status,
                entered_by: "小李".into(),
                approved_by: if status == Status::Paid {
                    "王科长"
                } else {
                    ""
                }
                .into(),
                reverses: None,
                note: String::new(),
            },
        )
        .unwrap();
    }
    insert_recovery(
        &conn,
        &NewRecovery {
            program_code: "XN2025".into(),
            date: d("2025-06-15"),
            amount: Money(1_000_00),
            reason: Reason::Clawback,
            doc_no: "元财追〔2025〕1号".into(),
            credit_code: Some(codes[0].clone()),
            reallocated_to: None,
            note: String::new(),
        },
    )
    .unwrap();
    let hd = codes[0].clone();
    (db, hd)
}

#[test]
fn the_file_as_a_table_by_name_fragment() {
    let dir = tempfile::tempdir().unwrap();
    let (db, hd) = fixture(dir.path());
    let out = zhida(&db, &["enterprise", "恒达建材", "--as-of", "2025-06-30"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "一企一档 元江县澧江街道恒达建材有限公司（{hd}）截至 2025-06-30\n"
        )),
        "{text}"
    );
    let kj = text
        .lines()
        .find(|l| l.starts_with("2025  KJ2025"))
        .unwrap_or_else(|| panic!("{text}"));
    // paid, committed, rows, cap, headroom 0.00
    assert!(
        kj.contains("200,000.00  100,000.00     2  300,000.00      0.00"),
        "{kj}"
    );
    assert!(
        text.contains("2025  吸纳就业：已享受 XN2025（XN-001）；不得再享受 KG2025"),
        "{text}"
    );
    assert!(
        text.contains("2025-06-15  XN2025  1,000.00  追回  元财追〔2025〕1号"),
        "{text}"
    );
    // exactly at the cap is no OVER_CAP; the pending row is stale, with its basis
    assert!(text.contains("核查发现（1 条）"), "{text}");
    assert!(!text.contains("OVER_CAP"), "{text}");
    assert!(
        text.contains("STALE_PENDING 积压未付  KJ2025  KJ-002")
            && text.contains("对符合条件的应付尽付、即时兑付"),
        "{text}"
    );
    assert!(text.contains("拨付明细（3 条）"), "{text}");
    // the other enterprise is over the cap: the finding cites its basis
    let out = zhida(&db, &["enterprise", "hdwl", "--as-of", "2025-06-30"]);
    let text = stdout(&out);
    assert!(text.contains("OVER_CAP 超上限"), "{text}");
    assert!(
        text.contains("元科发〔2025〕2号：每家企业每年不超过30万元"),
        "{text}"
    );
}

#[test]
fn the_file_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let (db, hd) = fixture(dir.path());
    let out = zhida(
        &db,
        &[
            "enterprise",
            &hd.to_lowercase(),
            "--as-of",
            "2025-06-30",
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["enterprise"]["name"], "元江县澧江街道恒达建材有限公司");
    assert_eq!(v["as_of"], "2025-06-30");
    let kj = &v["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["program_code"] == "KJ2025")
        .unwrap();
    assert_eq!(kj["headroom"], "0.00");
    assert_eq!(kj["cap"], "300000.00");
    assert_eq!(v["groups"][0]["barred"][0], "KG2025");
    assert_eq!(v["recoveries"][0]["reason"], "clawback");
    assert_eq!(v["disbursements"].as_array().unwrap().len(), 3);
}

#[test]
fn can_it_still_receive_exits_0_or_1_with_the_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let (db, hd) = fixture(dir.path());
    let ask = |program: &str, amount: &str| {
        zhida(
            &db,
            &[
                "enterprise",
                &hd,
                "--program",
                program,
                "--amount",
                amount,
                "--date",
                "2025-07-01",
            ],
        )
    };
    let out = ask("KJ2025", "0.01");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("剩余额度 0.00"), "{text}");
    assert!(text.contains("✗ 不能拨付 0.01：1 项原因"), "{text}");
    assert!(
        text.contains("- 超过单户年度上限 300,000.00，超出 0.01"),
        "{text}"
    );
    let out = ask("KG2025", "1.5万");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("与 XN2025 不得同时享受（XN-001）"));
    // another year: yes
    let out = zhida(
        &db,
        &[
            "enterprise",
            &hd,
            "--program",
            "KJ2025",
            "--amount",
            "30万",
            "--date",
            "2026-01-05",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("✓ 可以拨付 300,000.00"));
    // JSON
    let out = zhida(
        &db,
        &[
            "enterprise",
            &hd,
            "--program",
            "KJ2025",
            "--amount",
            "0.01",
            "--date",
            "2025-07-01",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["can_receive"], false);
    assert_eq!(v["remaining"], "0.00");
    assert_eq!(v["reasons"][0]["kind"], "over_cap");
    assert_eq!(v["reasons"][0]["excess"], "0.01");
    assert_eq!(
        v["reasons"][0]["message"],
        "超过单户年度上限 300,000.00，超出 0.01"
    );
}

#[test]
fn unknown_ambiguous_and_bad_input_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (db, hd) = fixture(dir.path());
    let out = zhida(&db, &["enterprise", "恒达"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "the candidates: {text}");
    assert!(text.contains("元江县澧江街道恒达物流有限公司"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("匹配 2 家企业"));
    for bad in [
        vec!["enterprise", "红糖厂"],
        vec!["enterprise", &hd, "--program", "NOPE", "--amount", "1"],
        vec!["enterprise", &hd, "--program", "KJ2025", "--amount=-5"],
        vec![
            "enterprise",
            &hd,
            "--program",
            "KJ2025",
            "--amount",
            "1.234",
        ],
        vec!["enterprise", &hd, "--as-of", "2025-02-30"],
        vec!["enterprise", &hd, "--format", "xml"],
    ] {
        let out = zhida(&db, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{bad:?}: {err}");
    }
    // --program without --amount is a usage error
    assert_ne!(
        zhida(&db, &["enterprise", &hd, "--program", "KJ2025"])
            .status
            .code(),
        Some(0)
    );
}
