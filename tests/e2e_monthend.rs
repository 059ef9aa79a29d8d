//! End to end, month-end (月结) on the demo database (`zhida demo --no-tui`, the embedded
//! sample data of 元江县): a clerk runs the checks for 2026-01, is refused the close while
//! the month's one error (RECOVER_DUE SK-2025, ended with a balance) is unacknowledged,
//! acknowledges it with a note, exports the 通报 as .csv and .xlsx, closes the month, then
//! tries to enter a payment dated in it on 拨付 and reads the refusal — in the real binary
//! in a pseudo-terminal (tmux).

mod common;

use std::process::Command;

use common::{line_with, Tmux};

const KEY: &str = "RECOVER_DUE|SK-2025|||2026";

/// The as-of month in the header (`截至 2026-01`).
fn header_month(screen: &str) -> String {
    let first = screen.lines().next().unwrap_or_default();
    first
        .split("截至 ")
        .nth(1)
        .map(|r| r.chars().take(7).collect())
        .unwrap_or_default()
}

#[test]
fn month_end_refused_then_acknowledged_exported_closed_and_the_month_locked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(&db)
        .args(["--user", "王建国", "demo", "--no-tui"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, closed_before): (String, i64) = {
        let conn = zhida_core::db::open(&db).unwrap();
        (
            conn.query_row(
                "SELECT credit_code FROM enterprise ORDER BY credit_code LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap(),
            conn.query_row("SELECT count(*) FROM period_close", [], |r| r.get(0))
                .unwrap(),
        )
    };
    assert_eq!(closed_before, 0);

    // 李娟 is a clerk of the demo: she may acknowledge and close, not force
    let t = Tmux::start("monthend", dir.path(), &db, "李娟", (120, 32));
    t.wait_for("the overview", |s| s.contains("总览") && s.contains("李娟"));
    t.send(&["7"]);
    t.wait_for("the month-end screen", |s| s.contains("核查发现 ·"));
    // walk the as-of month to 2026-01 (the start month depends on today's date)
    for _ in 0..60 {
        let m = header_month(&t.capture());
        if m == "2026-01" {
            break;
        }
        t.send_literal(if m.as_str() > "2026-01" { "[" } else { "]" });
        t.wait_for("the month to change", |s| header_month(s) != m);
    }
    // the checks run in the background: "检查中…" until their counts arrive
    let screen = t.wait_for("January 2026's findings", |s| {
        s.contains("2026-01 · 截至 2026-01-31 · 未结账") && !s.contains("检查中")
    });
    assert!(
        screen.contains("错误 1（未确认 1）") && screen.contains("警告 12"),
        "{screen}"
    );

    // r: run the checks
    t.send(&["r"]);
    let screen = t.wait_for("the checks' summary", |s| {
        s.contains("核查完成（截至 2026-01-31）")
    });
    assert!(screen.contains("共 13 条"), "{screen}");
    assert!(
        line_with(&screen, "▾ RECOVER_DUE").contains("错误 · 1 条 · 未确认 1"),
        "{screen}"
    );

    // c: refused, with what is open
    t.send(&["c"]);
    let screen = t.wait_for("the refusal", |s| {
        s.contains("2026-01 有 1 条未确认的错误，不能月结：应收回 SK-2025")
    });
    assert!(
        screen.contains("2026-01 不能月结：以下 1 条错误未确认"),
        "{screen}"
    );
    assert!(
        line_with(&screen, "SK-2025").contains("126,600.00"),
        "{screen}"
    );

    // a: acknowledge it with a note
    t.send(&["a"]);
    t.wait_for("the note form", |s| {
        s.contains("确认核查结果 · RECOVER_DUE 应收回")
    });
    t.send(&["Enter"]);
    t.wait_for("the empty note refused", |s| s.contains("确认说明: 必填"));
    t.send_literal("已报县政府批准收回，统筹用于稳岗");
    t.send(&["Enter"]);
    t.wait_for("the confirmation", |s| s.contains("确认保存"));
    t.send(&["y"]);
    let screen = t.wait_for("acknowledged", |s| s.contains(&format!("已确认 {KEY}")));
    assert!(screen.contains("✓ 没有未确认的错误，可以月结"), "{screen}");
    // nothing is open any more: every finding is listed again
    assert!(screen.contains("核查发现 · 13 条"), "{screen}");
    assert!(
        line_with(&screen, "│错误  SK-2025").contains("✓ 已报县"),
        "marked in the list:\n{screen}"
    );

    // e: export the report, once as .csv (the path edited), once as the default .xlsx
    t.send(&["e"]);
    t.wait_for("the export form", |s| {
        s.contains("zhida-report-2026-01.xlsx")
    });
    t.send(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    t.send_literal("csv");
    t.send(&["Enter"]);
    t.wait_for("the confirmation", |s| s.contains("确认保存"));
    t.send(&["y"]);
    let screen = t.wait_for("the csv written", |s| {
        s.contains("已导出 2026-01 月度通报") && s.contains("zhida-report-2026-01.csv")
    });
    assert!(!screen.contains("确认保存"), "{screen}");
    let csv = std::fs::read(dir.path().join("zhida-report-2026-01.csv")).unwrap();
    assert!(
        csv.starts_with("\u{feff}".as_bytes()),
        "UTF-8 BOM for Excel/WPS"
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("SK-2025") && csv.contains("合计"), "{csv}");
    t.send(&["e"]);
    t.wait_for("the export form", |s| s.contains("导出月度通报 2026-01"));
    t.send(&["Enter"]);
    t.wait_for("the confirmation", |s| s.contains("确认保存"));
    t.send(&["y"]);
    t.wait_for("the xlsx written", |s| {
        line_with(s, "已导出 2026-01 月度通报").contains("zhida-report-2026-01.xlsx")
    });
    let xlsx = std::fs::read(dir.path().join("zhida-report-2026-01.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK\x03\x04"), "an xlsx is a zip");

    // c: now the month closes, after the question
    t.send(&["c"]);
    t.wait_for("the close question", |s| {
        s.contains("月结 2026-01：结账后该月不能再录入或修改任何数据")
    });
    t.send(&["y"]);
    let screen = t.wait_for("closed", |s| s.contains("2026-01 已月结（李娟）"));
    assert!(screen.contains("■ 2026-01 已结账：李娟"), "{screen}");

    // 拨付: a payment dated in the closed month is refused
    t.send(&["4"]);
    t.wait_for("the register", |s| {
        s.contains("凭证号") && s.contains("录入")
    });
    t.send(&["n"]);
    t.wait_for("the form", |s| s.contains("新增拨付"));
    t.send_literal("PZ2026-9001");
    t.send(&["Enter", "Enter"]);
    t.send_literal(&code);
    t.send(&["Enter"]);
    t.send_literal("5000");
    t.send(&["Enter"]);
    // the date defaults to the as-of month: 2026-01-31
    t.wait_for("the closed month under the date", |s| {
        s.contains("该月已结账，不能录入 (2026-01)")
    });
    t.send(&["Enter", "Enter"]);
    let screen = t.wait_for("the refusal in the status line", |s| {
        s.contains("日期: 该月已结账，不能录入 (2026-01)")
    });
    assert!(!screen.contains("确认保存"), "{screen}");
    // wait for the form to close: an Escape followed at once by q reads as Alt-q
    t.send(&["Escape"]);
    t.wait_for("the form closed", |s| s.contains("n 新增拨付"));
    assert_eq!(t.quit(), "0", "exit status");

    let conn = zhida_core::db::open(&db).unwrap();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one("SELECT count(*) FROM period_close WHERE month = '2026-01' AND closed_by = '李娟'"),
        1
    );
    assert_eq!(
        one(&format!(
            "SELECT count(*) FROM finding_ack WHERE key = '{KEY}' AND by = '李娟'"
        )),
        1
    );
    assert_eq!(
        one("SELECT count(*) FROM disbursement WHERE voucher_no = 'PZ2026-9001'"),
        0
    );
}
