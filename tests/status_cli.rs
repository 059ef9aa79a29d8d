//! `zhida status QUERY` through the real binary, on a database built with zhida-core.

// Amounts in fen are written 元_分 (e.g. `12_345_67`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::process::{Command, Output};

use unicode_width::UnicodeWidthStr;
use zhida_core::model::{Size, Status};
use zhida_core::repo::write::*;
use zhida_core::{CreditCode, Money};

fn code(n: u32) -> CreditCode {
    CreditCode::complete(&format!("91530428MA6K{n:05}")).unwrap()
}

fn build_db(path: &Path) {
    let conn = zhida_core::db::open(path).unwrap();
    insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
    insert_program(&conn, &NewProgram::new("KJ2025", "科技创新券", 2025)).unwrap();
    for (n, name) in [
        (1, "萍乡市安源区科技有限公司"),
        (2, "元江县澧江街道甘蔗种植专业合作社"),
        (3, "元江县因远镇\u{1b}[31m红糖厂\u{7}"),
        (4, "元江县甘庄街道芒果种植有限公司"),
    ] {
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code(n),
                name: name.into(),
                size: Size::Small,
                industry: String::new(),
                township: String::new(),
                contact: String::new(),
            },
        )
        .unwrap();
    }
    let rows = [
        (
            "YJ-001",
            "WG2025",
            1,
            12_345_67,
            "2025-03-01",
            Status::Paid,
            None,
        ),
        (
            "YJ-002",
            "KJ2025",
            1,
            200_000_00,
            "2025-04-01",
            Status::Pending,
            None,
        ),
        (
            "YJ-003",
            "WG2025",
            2,
            5_000_00,
            "2025-03-15",
            Status::Approved,
            None,
        ),
        (
            "YJ-004",
            "WG2025",
            3,
            8_000_00,
            "2024-12-20",
            Status::Paid,
            None,
        ),
        (
            "CX-001",
            "WG2025",
            1,
            -12_345_67,
            "2025-03-20",
            Status::Paid,
            Some("YJ-001"),
        ),
    ];
    for (v, p, e, fen, date, status, rev) in rows {
        insert_disbursement(
            &conn,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: p.into(),
                credit_code: code(e).to_string(),
                amount: Money(fen),
                date: zhida_core::dates::parse_date(date).unwrap(),
                status,
                entered_by: "小李".into(),
                approved_by: String::new(),
                reverses: rev.map(Into::into),
                note: String::new(),
            },
        )
        .unwrap();
    }
}

fn zhida(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", "小李")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("直达.db");
    build_db(&db);
    (dir, db)
}

#[test]
fn by_voucher_prints_every_field() {
    let (_dir, db) = setup();
    let o = zhida(&db, &["status", "YJ-003"]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("凭证号"), "{out}");
    let row = lines[1];
    for part in [
        "YJ-003",
        "WG2025 稳岗返还",
        "元江县澧江街道甘蔗种植专业合作社",
        code(2).as_str(),
        "5,000.00",
        "2025-03-15",
        "已复核",
    ] {
        assert!(row.contains(part), "{part} missing in {row}");
    }
}

#[test]
fn by_name_pinyin_and_code_prefix_aligned_by_display_width() {
    let (_dir, db) = setup();
    let o = zhida(&db, &["status", "pxkj"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    // 萍乡…科技: newest first, with the reversal
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].starts_with("YJ-002"), "{out}");
    assert!(lines[2].starts_with("CX-001"), "{out}");
    assert!(lines[2].contains("-12,345.67"), "{out}");
    assert!(lines[2].contains("已拨付（冲销 YJ-001）"), "{out}");
    assert!(lines[3].starts_with("YJ-001"), "{out}");
    assert!(lines[3].contains("已拨付"), "{out}");
    // the amount column ends at the same display column on every line
    let amount_end = |line: &str, amount: &str| {
        let i = line.find(amount).unwrap() + amount.len();
        UnicodeWidthStr::width(&line[..i])
    };
    let ends = [
        amount_end(lines[0], "金额(元)"),
        amount_end(lines[1], "200,000.00"),
        amount_end(lines[2], "-12,345.67"),
        amount_end(lines[3], "12,345.67"),
    ];
    assert!(ends.iter().all(|&e| e == ends[0]), "{ends:?}\n{out}");
    // the date column starts at the same display column too
    let date_col =
        |line: &str, date: &str| UnicodeWidthStr::width(&line[..line.find(date).unwrap()]);
    assert_eq!(
        date_col(lines[1], "2025-04-01"),
        date_col(lines[3], "2025-03-01")
    );

    let by_name = stdout(&zhida(&db, &["status", "澧江街道"]));
    assert_eq!(by_name.lines().count(), 2, "{by_name}");
    let prefix = &code(2).as_str()[..17].to_lowercase();
    let by_code = stdout(&zhida(&db, &["status", prefix]));
    assert!(by_code.contains("YJ-003"), "{by_code}");
    assert_eq!(by_code.lines().count(), 2, "{by_code}");
}

#[test]
fn control_characters_in_names_never_reach_the_terminal() {
    let (_dir, db) = setup();
    let o = zhida(&db, &["status", "红糖"]);
    let raw = o.stdout.clone();
    assert!(!raw.contains(&0x1b), "raw ESC in output");
    assert!(!raw.contains(&0x07), "raw BEL in output");
    let out = stdout(&o);
    assert!(out.contains("元江县因远镇\\u{1b}[31m红糖厂\\u{7}"), "{out}");
}

#[test]
fn english_labels() {
    let (_dir, db) = setup();
    let out = stdout(&zhida(&db, &["--lang", "en", "status", "YJ-002"]));
    assert!(out.starts_with("voucher"), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with("pending"), "{out}");
}

#[test]
fn nothing_found_is_exit_0_with_a_message() {
    let (_dir, db) = setup();
    let o = zhida(&db, &["status", "不存在的企业"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("未找到与“不存在的企业”匹配的拨付记录"),
        "{o:?}"
    );
    // an enterprise with no disbursement is named
    let o = zhida(&db, &["status", "芒果"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("元江县甘庄街道芒果种植有限公司"), "{out}");
    assert!(out.contains("无拨付记录"), "{out}");
}

#[test]
fn limit_is_announced_and_missing_database_is_an_error() {
    let (dir, db) = setup();
    let out = stdout(&zhida(&db, &["status", "元江县", "--limit", "1"]));
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("仅显示前 1 条"), "{out}");
    let missing = dir.path().join("没有.db");
    let o = zhida(&missing, &["status", "YJ-001"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists(), "status must not create a database");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("未找到"),
        "{o:?}"
    );
}

#[test]
fn a_reversed_payment_says_by_which_voucher() {
    let (_dir, db) = setup();
    let out = stdout(&zhida(&db, &["status", "YJ-001"]));
    let row = out.lines().nth(1).unwrap_or_default();
    assert!(row.contains("已拨付（已被 CX-001 冲销）"), "{out}");
    // the reversal itself names the voucher it reverses
    let out = stdout(&zhida(&db, &["status", "CX-001"]));
    assert!(out.contains("已拨付（冲销 YJ-001）"), "{out}");
    let out = stdout(&zhida(&db, &["--lang", "en", "status", "YJ-001"]));
    assert!(out.contains("paid (reversed by CX-001)"), "{out}");
}
