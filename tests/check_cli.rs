//! End to end: the real `zhida` binary on a small database — JSON shape, CSV with BOM,
//! exit statuses, acknowledgement, report files.

// Amounts in fen are written 元_分 (e.g. `100_000_00`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::process::{Command, Output};

use zhida_core::model::{Size, Status};
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

/// One self-approved paid row (error) and one stale pending row (warn), in June 2025.
fn fixture(dir: &Path) -> (std::path::PathBuf, String) {
    let db = dir.join("直达.db");
    let conn = zhida_core::db::open(&db).unwrap();
    let mut p = NewProgram::new("WG-2025", "稳岗返还", 2025);
    p.department = "县人社局".into();
    p.policy_ref = "元人社发〔2025〕8号".into();
    insert_program(&conn, &p).unwrap();
    insert_allocation(
        &conn,
        &NewAllocation {
            program_code: "WG-2025".into(),
            date: d("2025-01-10"),
            amount: Money(100_000_00),
            doc_no: "元人社〔2025〕3号".into(),
            note: String::new(),
        },
    )
    .unwrap();
    let cc = CreditCode::complete("91530428MA6K00001").unwrap();
    insert_enterprise(
        &conn,
        &NewEnterprise {
            credit_code: cc.clone(),
            name: "元江县澧江街道恒达建材有限公司".into(),
            size: Size::Small,
            industry: "建材".into(),
            township: "澧江街道".into(),
            contact: "李四".into(),
        },
    )
    .unwrap();
    for (v, fen, date, status, approver) in [
        ("PZ001", 1_234_56, "2025-06-02", Status::Paid, "小李"),
        ("PZ002", 50_000_00, "2025-05-20", Status::Pending, ""),
        ("PZ003", 60_000_00, "2025-06-20", Status::Paid, "王科长"),
    ] {
        insert_disbursement(
            &conn,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: "WG-2025".into(),
                credit_code: cc.to_string(),
                amount: Money(fen),
                date: d(date),
                status,
                entered_by: "小李".into(),
                approved_by: approver.into(),
                reverses: None,
                note: String::new(),
            },
        )
        .unwrap();
    }
    (db, cc.into_string())
}

#[test]
fn json_has_exactly_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let (db, cc) = fixture(dir.path());
    let out = zhida(&db, &["check", "--month", "2025-06", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    // OVERDRAWN (error), SELF_APPROVED (error), STALE_PENDING (warn)
    let rules: Vec<&str> = arr.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["OVERDRAWN", "SELF_APPROVED", "STALE_PENDING"]);
    for f in arr {
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                "acknowledged",
                "amount",
                "enterprise",
                "message",
                "program",
                "rule",
                "severity",
                "voucher"
            ]
        );
    }
    assert_eq!(arr[0]["enterprise"], serde_json::Value::Null);
    // paid 1,234.56 + 60,000.00, committed 50,000.00, budget 100,000.00
    assert_eq!(arr[0]["amount"], "11234.56");
    assert_eq!(arr[1]["severity"], "error");
    assert_eq!(arr[1]["enterprise"], cc.as_str());
    assert_eq!(arr[1]["voucher"], "PZ001");
    assert_eq!(arr[1]["amount"], "1234.56");
    assert_eq!(arr[1]["acknowledged"], false);
    assert_eq!(arr[2]["severity"], "warn");
    assert_eq!(arr[2]["voucher"], "PZ002");
    assert!(arr[1]["message"].as_str().unwrap().contains("同一人"));
}

#[test]
fn csv_has_bom_and_the_same_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = fixture(dir.path());
    let out = zhida(
        &db,
        &[
            "check",
            "--as-of",
            "2025-06-30",
            "--format",
            "csv",
            "--rule",
            "SELF_APPROVED",
        ],
    );
    assert!(out.status.success());
    assert_eq!(&out.stdout[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(out.stdout[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("rule,severity,program,enterprise,voucher,amount,message,acknowledged")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("SELF_APPROVED,error,WG-2025,"), "{row}");
    assert!(row.ends_with(",false"), "{row}");
    assert_eq!(lines.next(), None);
}

#[test]
fn verbose_cites_the_basis_in_every_format_and_enterprise_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (db, cc) = fixture(dir.path());
    let args = ["check", "--month", "2025-06", "--verbose"];
    let json = zhida(&db, &[&args[..], &["--format", "json"]].concat());
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(
        arr[1]["basis"], "健全审核机制，切实防范风险（经办与复核须为不同人）",
        "SELF_APPROVED"
    );
    assert_eq!(
        arr[0]["basis"],
        "拨付不得超过已下达指标；全链条监管直达资金的分配、拨付、使用"
    );
    let csv = zhida(&db, &[&args[..], &["--format", "csv"]].concat());
    let text = String::from_utf8(csv.stdout[3..].to_vec()).unwrap();
    assert!(
        text.starts_with(
            "rule,severity,program,enterprise,voucher,amount,message,acknowledged,basis\n"
        ),
        "{text}"
    );
    assert!(text.contains(",对符合条件的应付尽付、即时兑付"), "{text}");
    let table = String::from_utf8(zhida(&db, &args).stdout).unwrap();
    assert!(table.lines().next().unwrap().ends_with("依据"), "{table}");
    assert!(table.contains("对符合条件的应付尽付、即时兑付"), "{table}");
    // without --verbose no basis anywhere
    let plain = String::from_utf8(zhida(&db, &["check", "--month", "2025-06"]).stdout).unwrap();
    assert!(
        !plain.contains("依据") && !plain.contains("即时兑付"),
        "{plain}"
    );
    // --enterprise: only the findings naming it (OVERDRAWN names none)
    let out = zhida(
        &db,
        &[
            "check",
            "--month",
            "2025-06",
            "--format",
            "json",
            "--enterprise",
            &cc.to_lowercase(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["SELF_APPROVED", "STALE_PENDING"]);
    let out = zhida(
        &db,
        &[
            "check",
            "--month",
            "2025-06",
            "--enterprise",
            "91530428MA6K0000",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "a bad credit code is refused");
}

#[test]
fn exit_status_fail_on_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = fixture(dir.path());
    let warn_only = ["check", "--month", "2025-06", "--rule", "STALE_PENDING"];
    assert_eq!(zhida(&db, &warn_only).status.code(), Some(0));
    let mut a = warn_only.to_vec();
    a.extend(["--fail-on", "error"]);
    assert_eq!(zhida(&db, &a).status.code(), Some(0));
    let mut a = warn_only.to_vec();
    a.extend(["--fail-on", "warn"]);
    assert_eq!(zhida(&db, &a).status.code(), Some(1));
    assert_eq!(
        zhida(&db, &["check", "--month", "2025-06", "--fail-on", "error"])
            .status
            .code(),
        Some(1)
    );
    // before anything was entered: nothing to find
    assert_eq!(
        zhida(&db, &["check", "--month", "2024-12", "--fail-on", "warn"])
            .status
            .code(),
        Some(0)
    );
    for bad in [
        vec!["check", "--month", "2025-13"],
        vec!["check", "--as-of", "2025-02-30"],
        vec!["check", "--month", "2025-06", "--format", "xml"],
        vec!["check", "--month", "2025-06", "--rule", "NOPE"],
        vec!["check", "--month", "2025-06", "--fail-on", "info"],
    ] {
        let out = zhida(&db, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn ack_marks_the_finding_and_unacknowledged_hides_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, cc) = fixture(dir.path());
    let key = format!("SELF_APPROVED|WG-2025|{cc}|PZ001|2025");
    let out = zhida(&db, &["ack", &key, "--note", "系统迁移前的历史数据"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhida(&db, &["check", "--month", "2025-06", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sa = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SELF_APPROVED")
        .unwrap();
    assert_eq!(sa["acknowledged"], true);
    let table = zhida(&db, &["check", "--month", "2025-06"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("系统迁移前的历史数据"));
    let out = zhida(
        &db,
        &[
            "check",
            "--month",
            "2025-06",
            "--format",
            "json",
            "--unacknowledged",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "SELF_APPROVED"));
    assert_eq!(
        zhida(&db, &["ack", "BAD|KEY", "--note", "x"]).status.code(),
        Some(2)
    );
}

#[test]
fn close_recover_and_report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (db, cc) = fixture(dir.path());
    let out = zhida(&db, &["close", "--month", "2025-06"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SELF_APPROVED"));
    for key in [
        format!("SELF_APPROVED|WG-2025|{cc}|PZ001|2025"),
        "OVERDRAWN|WG-2025|||2025".to_string(),
    ] {
        assert!(zhida(&db, &["ack", &key, "--note", "已核实"])
            .status
            .success());
    }
    let out = zhida(&db, &["close", "--month", "2025-06"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhida(
        &db,
        &[
            "recover",
            "--program",
            "WG-2025",
            "--amount",
            "1.00",
            "--reason",
            "idle",
            "--doc",
            "元财〔2025〕1号",
            "--date",
            "2025-06-30",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "closed month");
    let out = zhida(&db, &["report", "--month", "2025-06"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("县人社局") && text.contains("合计"), "{text}");
    let csv = dir.path().join("通报.csv");
    let out = zhida(
        &db,
        &[
            "report",
            "--month",
            "2025-06",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    assert_eq!(&std::fs::read(&csv).unwrap()[..3], b"\xEF\xBB\xBF");
}
