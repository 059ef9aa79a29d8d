//! End to end: the real `zhida` binary in a pseudo-terminal (tmux), on a database file
//! built here with the core insert functions. Story: an enterprise phones — switch to
//! 查询, type its pinyin initials, open it, read a payment's status off the screen, quit.

// Amounts in fen are written 元_分 (e.g. `120_000_00`) so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

mod common;

use std::path::Path;

use chrono::NaiveDate;
use zhida_core::model::{Level, Size, Status};
use zhida_core::repo::write::*;
use zhida_core::{CreditCode, Money};

use common::Tmux;

fn d(s: &str) -> NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

fn build_db(path: &Path) {
    let mut conn = zhida_core::db::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    let mut wg = NewProgram::new("WG2025", "稳岗返还", 2025);
    wg.department = "人社局".into();
    insert_program(&tx, &wg).unwrap();
    let mut kj = NewProgram::new("KJ2025", "科技创新券", 2025);
    kj.department = "科技局".into();
    kj.level = Level::Municipal;
    insert_program(&tx, &kj).unwrap();
    for (code, amount) in [("WG2025", 5_000_000_00), ("KJ2025", 2_000_000_00)] {
        insert_allocation(
            &tx,
            &NewAllocation {
                program_code: code.into(),
                date: d("2025-01-15"),
                amount: Money(amount),
                doc_no: "元财社〔2025〕3号".into(),
                note: String::new(),
            },
        )
        .unwrap();
    }
    let xy = CreditCode::complete("91530428MA6K1XY01").unwrap();
    let gz = CreditCode::complete("91530428MA6K1GJ02").unwrap();
    for (code, name, town) in [
        (&xy, "元江县甘庄街道鑫源科技有限公司", "甘庄街道"),
        (&gz, "元江县澧江街道甘蔗种植合作社", "澧江街道"),
    ] {
        insert_enterprise(
            &tx,
            &NewEnterprise {
                credit_code: code.clone(),
                name: name.into(),
                size: Size::Small,
                industry: "科技".into(),
                township: town.into(),
                contact: String::new(),
            },
        )
        .unwrap();
    }
    for (v, prog, code, fen, date, status) in [
        (
            "PZ2025-0001",
            "KJ2025",
            &xy,
            120_000_00,
            "2025-03-12",
            Status::Paid,
        ),
        (
            "PZ2025-0002",
            "WG2025",
            &xy,
            35_000_00,
            "2025-05-08",
            Status::Pending,
        ),
        (
            "PZ2025-0003",
            "WG2025",
            &gz,
            80_000_00,
            "2025-04-02",
            Status::Paid,
        ),
    ] {
        insert_disbursement(
            &tx,
            &NewDisbursement {
                voucher_no: v.into(),
                program_code: prog.into(),
                credit_code: code.to_string(),
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
    tx.commit().unwrap();
}

/// zhida running in a detached tmux session of 100×30 on a fresh database.
struct Session {
    tmux: Tmux,
    _dir: tempfile::TempDir,
}

fn start(tag: &str, extra_args: &str) -> Session {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    build_db(&db);
    let tmux = Tmux::start_with(tag, dir.path(), &db, "王科长", (100, 30), extra_args);
    Session { tmux, _dir: dir }
}

impl Session {
    /// Press q and wait for the process to exit; returns its exit status.
    fn quit(&self) -> String {
        self.tmux.quit()
    }
}

#[test]
fn lookup_by_pinyin_initials_shows_payment_status_then_quits() {
    let session = start("lookup", "");
    let tmux = &session.tmux;
    let screen = tmux.wait_for("the overview", |s| {
        s.contains("总览") && s.contains("王科长")
    });
    assert!(
        screen.contains("2025-05"),
        "as-of month falls back to the latest payments:\n{screen}"
    );

    tmux.send(&["3"]);
    tmux.wait_for("the lookup input", |s| s.contains("2 家企业"));
    tmux.send_literal("gzjdxy");
    // wait for the whole query: after "gz" both enterprises still match
    let screen = tmux.wait_for("the enterprise in the results", |s| {
        s.contains("gzjdxy") && s.contains("元江县甘庄街道鑫源科技有限公司")
    });
    assert!(
        !screen.contains("甘蔗种植合作社"),
        "only the matching enterprise:\n{screen}"
    );

    tmux.send(&["Enter"]);
    let screen = tmux.wait_for("the enterprise's payments", |s| s.contains("PZ2025-0002"));
    let paid_line = screen
        .lines()
        .find(|l| l.contains("PZ2025-0001"))
        .unwrap_or_default();
    assert!(
        paid_line.contains("已拨付"),
        "status of PZ2025-0001:\n{screen}"
    );
    assert!(paid_line.contains("科技创新券") && paid_line.contains("120,000.00"));
    let pending_line = screen
        .lines()
        .find(|l| l.contains("PZ2025-0002"))
        .unwrap_or_default();
    assert!(
        pending_line.contains("待复核"),
        "status of PZ2025-0002:\n{screen}"
    );

    assert_eq!(session.quit(), "0", "exit status");
    // the terminal is restored: the alternate screen is gone, the shell's screen is back
    let screen = tmux.capture();
    assert!(
        !screen.contains("总览"),
        "alternate screen left behind:\n{screen}"
    );
    assert!(tmux.alive());
}

#[test]
fn english_interface_follows_a_resize() {
    let session = start("resize", "--lang en");
    let tmux = &session.tmux;
    tmux.wait_for("the English overview", |s| {
        s.contains("Overview") && s.contains("Budget")
    });
    let st = tmux
        .cmd()
        .args(["resize-window", "-t", "zhida", "-x", "80", "-y", "24"])
        .status()
        .unwrap();
    assert!(st.success(), "tmux resize-window");
    // redrawn for 80×24: the frame's right border sits in column 80 and the footer,
    // on the last line, still offers the way out
    let screen = tmux.wait_for("a redraw at 80×24", |s| {
        let lines: Vec<&str> = s.lines().collect();
        lines.len() >= 24 && lines[23].contains("q quit") && lines[2].chars().count() == 80
    });
    assert!(screen.contains("Most lagging programs"), "{screen}");
    tmux.send(&["2"]);
    let screen = tmux.wait_for("the programs table", |s| s.contains("Programs · 2 rows"));
    assert!(
        screen.contains("KJ2025") && screen.contains("WG2025"),
        "{screen}"
    );
    assert_eq!(session.quit(), "0", "exit status");
}

#[test]
fn lookup_edits_at_the_cursor_and_takes_a_bracketed_paste() {
    let session = start("edit", "");
    let tmux = &session.tmux;
    tmux.wait_for("the overview", |s| {
        s.contains("总览") && s.contains("王科长")
    });
    tmux.send(&["3"]);
    tmux.wait_for("the lookup input", |s| s.contains("2 家企业"));
    // "gzxy" matches nothing; back over "xy" and put "jd" in between
    tmux.send_literal("gzxy");
    tmux.wait_for("no match", |s| s.contains("gzxy") && s.contains("0 条"));
    tmux.send(&["Left", "Left"]);
    tmux.send_literal("jd");
    tmux.wait_for("the enterprise in the results", |s| {
        s.contains("gzjdxy") && s.contains("元江县甘庄街道鑫源科技有限公司")
    });
    // the terminal's cursor after "gzjd" (box border in column 0, input on row 3)
    let cursor = || {
        let out = tmux
            .cmd()
            .args([
                "display-message",
                "-p",
                "-t",
                "zhida",
                "#{cursor_x} #{cursor_y}",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(cursor(), "5 3");
    // Ctrl-A, Ctrl-K: empty again
    tmux.send(&["C-a", "C-k"]);
    tmux.wait_for("an empty input", |s| {
        !s.contains("gzjdxy") && s.contains("拼音首字母")
    });
    // a paste with a line break: typed in as text, the line break is no Enter
    let st = tmux
        .cmd()
        .args(["set-buffer", "-b", "zp", "鑫源\n科技\u{1b}[31m"])
        .status()
        .unwrap();
    assert!(st.success());
    let st = tmux
        .cmd()
        .args(["paste-buffer", "-p", "-b", "zp", "-t", "zhida"])
        .status()
        .unwrap();
    assert!(st.success());
    let screen = tmux.wait_for("the pasted query", |s| s.contains("鑫源科技"));
    assert!(
        screen.contains("1 条") && screen.contains("元江县甘庄街道鑫源科技有限公司"),
        "searched for the pasted text:\n{screen}"
    );
    assert!(
        !screen.contains("PZ2025-0001"),
        "no enterprise opened:\n{screen}"
    );
    // the cursor after 鑫源科技: four characters, eight cells
    assert_eq!(cursor(), "9 3");
    // Esc clears, Esc leaves (q would be text here)
    tmux.send(&["Escape"]);
    tmux.wait_for("an empty input", |s| !s.contains("鑫源科技"));
    tmux.send(&["Escape"]);
    tmux.wait_for("the overview", |s| {
        s.contains("总览") && !s.contains("2 家企业")
    });
    assert_eq!(session.quit(), "0", "exit status");
}
