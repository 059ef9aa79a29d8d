//! End to end: the real `zhida` binary in a pseudo-terminal (tmux) on a database file
//! built here with the core functions, one scenario per user story of the work screens:
//! (a) a clerk enters a disbursement, a supervisor approves and pays it in a second run;
//! (b) month-end: run the checks, acknowledge, export, close, then a refused payment;
//! (c) recover an idle program's balance and reallocate it.

#![allow(clippy::inconsistent_digit_grouping)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
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

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Start zhida as `user`; the shell records the exit status in `done`.
    fn start(tag: &str, dir: &Path, db: &Path, user: &str) -> (Tmux, PathBuf) {
        let have_tmux = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success());
        assert!(
            matches!(have_tmux, Ok(true)),
            "tmux is required for the end-to-end TUI tests: install it (apt-get install tmux)"
        );
        let done = dir.join(format!("exit-{tag}"));
        let config = dir.join("config.toml");
        std::fs::write(&config, "[ui]\nlang = \"zh\"\n").unwrap();
        let t = Tmux {
            socket: format!("zhida-e2e-{tag}-{}", std::process::id()),
        };
        let script = format!(
            "'{}' --db '{}' --user '{}' --config '{}'; echo $? > '{}'; sleep 30",
            env!("CARGO_BIN_EXE_zhida"),
            db.display(),
            user,
            config.display(),
            done.display()
        );
        let st = t
            .cmd()
            .args(["new-session", "-d", "-s", "zhida", "-x", "120", "-y", "32"])
            .arg("env")
            .arg("LANG=C.UTF-8")
            .arg("sh")
            .arg("-c")
            .arg(&script)
            .status()
            .unwrap();
        assert!(st.success(), "tmux new-session");
        t.wait_for("the overview", |s| s.contains("总览") && s.contains(user));
        (t, done)
    }

    fn send(&self, keys: &[&str]) {
        let mut c = self.cmd();
        c.args(["send-keys", "-t", "zhida"]).args(keys);
        assert!(c.status().unwrap().success(), "tmux send-keys {keys:?}");
    }

    fn send_literal(&self, text: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "zhida", "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "zhida"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Poll the screen until `pred` holds, or fail with what was on screen.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what}; screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// q, then wait for the exit status 0.
    fn quit(&self, done: &Path) {
        self.send(&["q"]);
        let start = Instant::now();
        while !done.exists() || std::fs::read_to_string(done).unwrap_or_default().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "zhida did not exit after q:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(std::fs::read_to_string(done).unwrap().trim(), "0");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_default()
}

#[test]
fn a_clerk_enters_a_disbursement_and_a_supervisor_approves_and_pays_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zhida.db");
    build_db(&db);

    // run 1: the clerk
    let (t, done) = Tmux::start("a1", dir.path(), &db, "小李");
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
    t.quit(&done);
    drop(t);

    // run 2: the supervisor
    let (t, done) = Tmux::start("a2", dir.path(), &db, "王科长");
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
    t.quit(&done);

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
