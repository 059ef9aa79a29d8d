//! Test fixtures for the work screens: a small 元江县 ledger in memory with users of each
//! role, an App on it, typing helpers and a plain-text rendering for snapshots.

#![allow(clippy::inconsistent_digit_grouping)]

use chrono::NaiveDate;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use ratatui::Terminal;
use rusqlite::Connection;
use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;
use zhida_core::config::Config;
use zhida_core::model::{Direction, Level, Role, Size, Status};
use zhida_core::repo::write::*;
use zhida_core::users::{self, Actor};
use zhida_core::{CreditCode, Lang, Money};

use crate::tui::action::{Action, ScreenId};
use crate::tui::app::App;

/// The concrete state of one screen.
pub fn state<T: 'static>(app: &App, id: ScreenId) -> &T {
    app.screens[id.index()]
        .as_any()
        .and_then(|a| a.downcast_ref::<T>())
        .expect("screen type")
}

pub fn d(s: &str) -> NaiveDate {
    zhida_core::dates::parse_date(s).unwrap()
}

pub fn xy() -> CreditCode {
    CreditCode::complete("91530428MA6K1XY01").unwrap()
}
pub fn gz() -> CreditCode {
    CreditCode::complete("91530428MA6K1GJ02").unwrap()
}
pub fn yy() -> CreditCode {
    CreditCode::complete("92530428MA6K1YY03").unwrap()
}

pub const TODAY: &str = "2025-05-31";

/// Programs 稳岗返还 (WG2025), 科技创新券 (KJ2025, cap 100,000 per enterprise) and an
/// idle 2024 program (CY2024); three enterprises; payments in every state; users 王科长
/// (supervisor), 小李 (clerk), 审计赵 (auditor); evaluations and indicators.
pub fn ledger() -> Connection {
    let mut conn = zhida_core::db::open_in_memory().unwrap();
    let boss = Actor {
        user: "王科长".into(),
        role: Role::Supervisor,
    };
    users::set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    users::set_user(&mut conn, &boss, "小李", Role::Clerk).unwrap();
    users::set_user(&mut conn, &boss, "审计赵", Role::Auditor).unwrap();
    let tx = conn.transaction().unwrap();
    let mut wg = NewProgram::new("WG2025", "稳岗返还", 2025);
    wg.department = "人社局".into();
    insert_program(&tx, &wg).unwrap();
    let mut kj = NewProgram::new("KJ2025", "科技创新券", 2025);
    kj.department = "科技局".into();
    kj.level = Level::Municipal;
    kj.cap_per_enterprise = Some(Money(100_000_00));
    insert_program(&tx, &kj).unwrap();
    let mut cy = NewProgram::new("CY2024", "创业担保贷款贴息", 2024);
    cy.department = "财政局".into();
    cy.end_date = Some(d("2024-12-31"));
    insert_program(&tx, &cy).unwrap();
    for (code, date, amount) in [
        ("WG2025", "2025-01-15", 5_000_000_00),
        ("KJ2025", "2025-01-15", 200_000_00),
        ("CY2024", "2024-02-01", 300_000_00),
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
        (yy(), "元江县因远镇红糖加工厂", "因远镇"),
    ] {
        insert_enterprise(
            &tx,
            &NewEnterprise {
                credit_code: code,
                name: name.into(),
                size: Size::Small,
                industry: "制造业".into(),
                township: town.into(),
                contact: String::new(),
            },
        )
        .unwrap();
    }
    for (v, prog, code, fen, date, status, by, ok) in [
        (
            "PZ2025-0001",
            "KJ2025",
            xy(),
            120_000_00,
            "2025-03-12",
            Status::Paid,
            "小李",
            "王科长",
        ),
        (
            "PZ2025-0002",
            "WG2025",
            xy(),
            35_000_00,
            "2025-05-08",
            Status::Pending,
            "小李",
            "",
        ),
        (
            "PZ2025-0003",
            "WG2025",
            gz(),
            80_000_00,
            "2025-04-02",
            Status::Paid,
            "小李",
            "王科长",
        ),
        (
            "PZ2025-0004",
            "WG2025",
            yy(),
            20_000_00,
            "2025-05-20",
            Status::Approved,
            "小李",
            "王科长",
        ),
        (
            "PZ2025-0005",
            "WG2025",
            gz(),
            15_000_00,
            "2025-05-22",
            Status::Pending,
            "王科长",
            "",
        ),
        (
            "PZ2024-0101",
            "CY2024",
            yy(),
            60_000_00,
            "2024-03-15",
            Status::Paid,
            "小李",
            "王科长",
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
                entered_by: by.into(),
                approved_by: ok.into(),
                reverses: None,
                note: String::new(),
            },
        )
        .unwrap();
    }
    insert_evaluation(
        &tx,
        &NewEvaluation {
            program_code: "WG2025".into(),
            year: 2025,
            score_x100: 58_50,
            evaluator: "元江县财政局绩效股".into(),
            date: d("2025-05-30"),
            note: String::new(),
        },
    )
    .unwrap();
    insert_evaluation(
        &tx,
        &NewEvaluation {
            program_code: "CY2024".into(),
            year: 2024,
            score_x100: 91_00,
            evaluator: "第三方机构".into(),
            date: d("2025-03-10"),
            note: String::new(),
        },
    )
    .unwrap();
    for (prog, year, name, unit, target, actual, dir) in [
        (
            "WG2025",
            2025,
            "新增就业岗位",
            "个",
            500,
            Some(430),
            Direction::Ge,
        ),
        (
            "WG2025",
            2025,
            "资金拨付及时率",
            "%",
            95,
            None,
            Direction::Ge,
        ),
        (
            "KJ2025",
            2025,
            "服务企业数",
            "家",
            40,
            Some(42),
            Direction::Ge,
        ),
    ] {
        insert_indicator(
            &tx,
            &NewIndicator {
                program_code: prog.into(),
                year,
                name: name.into(),
                unit: unit.into(),
                target: Decimal::from(target),
                actual: actual.map(Decimal::from),
                direction: dir,
            },
        )
        .unwrap();
    }
    tx.commit().unwrap();
    conn
}

/// A copy of an in-memory database in the file `path`, opened as the app opens it: on a
/// file, background jobs get their own thread and connection (in memory they run inline).
pub fn on_file(mem: &Connection, path: &std::path::Path) -> Connection {
    {
        let mut file = zhida_core::db::open(path).unwrap();
        rusqlite::backup::Backup::new(mem, &mut file)
            .unwrap()
            .run_to_completion(1000, std::time::Duration::ZERO, None)
            .unwrap();
    }
    zhida_core::db::open(path).unwrap()
}

/// Apply background jobs as the event loop does until none is left (at most 20 s).
pub fn wait_for_jobs(app: &mut App) {
    let started = std::time::Instant::now();
    while app.jobs_running() || app.jobs_ready() {
        assert!(
            started.elapsed().as_secs() < 20,
            "a background job never finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        if app.jobs_ready() {
            app.update(Action::Background);
        }
    }
}

pub fn app_on(conn: Connection, user: &str, lang: Lang) -> App {
    let actor = Actor::load(&conn, user).unwrap();
    let mut app = App::new(conn, actor, lang, &Config::default(), d(TODAY));
    app.resize(100, 30);
    app
}

pub fn app(user: &str) -> App {
    app_on(ledger(), user, Lang::Zh)
}

pub fn go(app: &mut App, id: ScreenId) {
    app.update(Action::Go(id));
}

pub fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(Action::Char(c));
    }
}

/// Move the selection until the screen's selection key is `key`.
pub fn select(app: &mut App, key: &str) {
    app.update(Action::Top);
    for _ in 0..500 {
        if app.screen().selection().as_deref() == Some(key) {
            return;
        }
        app.update(Action::Down);
    }
    panic!("{key} not found on {:?}", app.screen_id());
}

/// The screen as text, wide characters once (for snapshots and assertions).
pub fn render(app: &mut App, w: u16, h: u16) -> String {
    app.resize(w, h);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| crate::tui::ui::render(app, f)).unwrap();
    screen_text(term.backend().buffer(), cursor_of(&term))
}

/// Where the terminal cursor is after the last frame, when it is shown.
pub fn cursor_of(term: &Terminal<TestBackend>) -> Option<Position> {
    let b = term.backend();
    b.cursor_visible().then(|| b.cursor_position())
}

/// The buffer as plain lines (wide characters once, trailing spaces trimmed). The
/// terminal cursor, when given, shows as `█` on a blank cell (after the text, as a
/// terminal draws it) or as `‸` just before the character it stands on.
pub fn screen_text(buf: &Buffer, cursor: Option<Position>) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = sym.width().saturating_sub(1);
            match cursor {
                Some(p) if p == Position::new(x, y) && sym == " " => line.push('█'),
                Some(p) if p == Position::new(x, y) => {
                    line.push('‸');
                    line.push_str(sym);
                }
                _ => line.push_str(sym),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One more disbursement: `(voucher, program, credit code, fen, date)`, its status and
/// who entered and approved it.
pub fn add_disbursement(
    conn: &Connection,
    (voucher, program, code, fen, date): (&str, &str, &CreditCode, i64, &str),
    status: Status,
    (entered_by, approved_by): (&str, &str),
) {
    insert_disbursement(
        conn,
        &NewDisbursement {
            voucher_no: voucher.into(),
            program_code: program.into(),
            credit_code: code.to_string(),
            amount: Money(fen),
            date: d(date),
            status,
            entered_by: entered_by.into(),
            approved_by: approved_by.into(),
            reverses: None,
            note: String::new(),
        },
    )
    .unwrap();
}

pub fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
