//! Every transition and every refusal of the ledger, on in-memory SQLite. Each refusal is
//! checked to leave the disbursement table and the audit log exactly as they were.

use super::*;
use crate::db::open_in_memory;
use crate::model::{Direction, Role, Size};
use crate::users::set_user;

fn d(s: &str) -> NaiveDate {
    crate::dates::parse_date(s).unwrap()
}

fn ent_code(n: u32) -> CreditCode {
    CreditCode::complete(&format!("91530428MA6K{n:05}")).unwrap()
}

fn actor(conn: &Connection, name: &str) -> Actor {
    Actor::load(conn, name).unwrap()
}

/// 稳岗返还 (cap 5万, 100万 allocated), a closed program, two enterprises, four users.
fn fixture() -> Connection {
    let mut conn = open_in_memory().unwrap();
    let boss = actor(&conn, "王科长");
    set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
    set_user(&mut conn, &boss, "李科长", Role::Supervisor).unwrap();
    set_user(&mut conn, &boss, "小张", Role::Clerk).unwrap();
    set_user(&mut conn, &boss, "审计李", Role::Auditor).unwrap();
    let mut wg = NewProgram::new("WG2025", "稳岗返还", 2025);
    wg.cap_per_enterprise = Some(Money(50_000_00));
    write::insert_program(&conn, &wg).unwrap();
    let mut old = NewProgram::new("JY2023", "就业补助（已结束）", 2023);
    old.status = ProgramStatus::Closed;
    write::insert_program(&conn, &old).unwrap();
    for (n, name) in [
        (1, "元江县澧江街道甘蔗种植专业合作社"),
        (2, "元江县甘庄街道芒果种植有限公司"),
    ] {
        write::insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: ent_code(n),
                name: name.into(),
                size: Size::Small,
                industry: "农业".into(),
                township: "澧江街道".into(),
                contact: "张三".into(),
            },
        )
        .unwrap();
    }
    write::insert_allocation(
        &conn,
        &NewAllocation {
            program_code: "WG2025".into(),
            date: d("2025-01-10"),
            amount: Money(1_000_000_00),
            doc_no: "元财社〔2025〕1号".into(),
            note: String::new(),
        },
    )
    .unwrap();
    conn
}

fn input(voucher: &str, fen: i64, date: &str) -> DisbursementInput {
    DisbursementInput {
        voucher_no: voucher.into(),
        program_code: "WG2025".into(),
        credit_code: ent_code(1).to_string(),
        amount: Money(fen),
        date: d(date),
        note: "稳岗返还第一批".into(),
    }
}

fn close_month(conn: &Connection, month: &str) {
    conn.execute(
        "INSERT INTO period_close (month, closed_by, closed_at) VALUES (?1, '王科长', '2025-07-05 10:00:00')",
        [month],
    )
    .unwrap();
}

/// Everything a refusal must leave untouched: all rows of the written tables and the
/// audit log's length.
fn snapshot(conn: &Connection) -> String {
    conn.query_row(
        "SELECT (SELECT count(*) FROM audit_log) || '#' ||
                coalesce((SELECT group_concat(voucher_no || ',' || amount_fen || ',' || date || ',' || status || ',' ||
                          approved_by || ',' || note || ',' || coalesce(reverses_id, ''), ';') FROM disbursement), '') || '#' ||
                (SELECT count(*) FROM allocation) || (SELECT count(*) FROM program) ||
                (SELECT count(*) FROM enterprise) || (SELECT count(*) FROM evaluation) ||
                coalesce((SELECT group_concat(coalesce(actual, '-')) FROM indicator), '')",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// Run a write that must be refused; return its error after checking nothing changed.
fn refused<T: std::fmt::Debug>(
    conn: &mut Connection,
    f: impl FnOnce(&mut Connection) -> Result<T>,
) -> Error {
    let before = snapshot(conn);
    let err = f(conn).expect_err("the write should be refused");
    assert_eq!(snapshot(conn), before, "a refusal wrote something: {err}");
    err
}

fn audit_count(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap()
}

fn status_of(conn: &Connection, v: &str) -> Status {
    load(conn, v).unwrap().status
}

#[test]
fn pending_approved_paid_each_audited() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    let n0 = audit_count(&conn);
    let row = new_disbursement(
        &mut conn,
        &clerk,
        &input("YJ-2025-001", 12_000_00, "2025-03-05"),
    )
    .unwrap();
    assert_eq!(row.status, Status::Pending);
    assert_eq!(row.entered_by, "小张");
    assert_eq!(row.approved_by, "");
    assert_eq!(row.enterprise_name, "元江县澧江街道甘蔗种植专业合作社");
    let row = approve(&mut conn, &boss, "YJ-2025-001").unwrap();
    assert_eq!(row.status, Status::Approved);
    assert_eq!(row.approved_by, "王科长");
    let row = pay(&mut conn, &clerk, "YJ-2025-001").unwrap();
    assert_eq!(row.status, Status::Paid);
    assert_eq!(row.approved_by, "王科长");
    assert_eq!(audit_count(&conn), n0 + 3);
    let log = audit::page(&conn, None, 3).unwrap();
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.user.as_str(), e.key.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("pay", "小张", "YJ-2025-001"),
            ("approve", "王科长", "YJ-2025-001"),
            ("insert", "小张", "YJ-2025-001")
        ]
    );
    assert!(log[0].before.as_deref().unwrap().contains("\"approved\""));
    assert!(log[0].after.as_deref().unwrap().contains("\"paid\""));
    assert!(log[2].before.is_none());
    audit::verify(&conn).unwrap();
}

#[test]
fn approve_and_pay_record_the_day_of_the_action() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    let day = |s: &str| crate::dates::parse_date(s).unwrap();
    new_disbursement(&mut conn, &clerk, &input("YJ-D1", 1_000_00, "2025-09-26")).unwrap();
    let row = approve_on(&mut conn, &boss, "YJ-D1", day("2025-09-30")).unwrap();
    assert_eq!(
        (row.approved_date, row.paid_date),
        (Some(day("2025-09-30")), None)
    );
    let row = pay_on(&mut conn, &clerk, "YJ-D1", day("2025-10-09")).unwrap();
    assert_eq!(
        (row.approved_date, row.paid_date),
        (Some(day("2025-09-30")), Some(day("2025-10-09")))
    );
    let log = audit::page(&conn, None, 1).unwrap();
    assert!(log[0]
        .after
        .as_deref()
        .unwrap()
        .contains("\"paid_date\":\"2025-10-09\""));
    // a rejection keeps the approval day
    new_disbursement(&mut conn, &clerk, &input("YJ-D2", 1_000_00, "2025-09-26")).unwrap();
    approve_on(&mut conn, &boss, "YJ-D2", day("2025-09-29")).unwrap();
    let row = reject(&mut conn, &boss, "YJ-D2", "材料不全").unwrap();
    assert_eq!(
        (row.approved_date, row.paid_date),
        (Some(day("2025-09-29")), None)
    );
    // the plain calls stamp today
    new_disbursement(&mut conn, &clerk, &input("YJ-D3", 1_000_00, "2025-09-26")).unwrap();
    let row = approve(&mut conn, &boss, "YJ-D3").unwrap();
    assert_eq!(row.approved_date, Some(crate::dates::today()));
}

#[test]
fn allocation_dates_are_validated_audited_and_refused_in_closed_months() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let day = |s: &str| crate::dates::parse_date(s).unwrap();
    let id: i64 = conn
        .query_row("SELECT min(id) FROM allocation", [], |r| r.get(0))
        .unwrap();
    let n0 = audit_count(&conn);
    let e = refused(&mut conn, |c| {
        set_allocation_dates(
            c,
            &clerk,
            id,
            Some(day("2025-03-10")),
            Some(day("2025-03-09")),
        )
    });
    assert!(e.to_string().contains("早于收到日期"), "{e}");
    let e = refused(&mut conn, |c| {
        set_allocation_dates(c, &clerk, 9999, None, None)
    });
    assert!(e.to_string().contains("9999"), "{e}");
    set_allocation_dates(
        &mut conn,
        &clerk,
        id,
        Some(day("2025-01-06")),
        Some(day("2025-02-10")),
    )
    .unwrap();
    let got: (String, String) = conn
        .query_row(
            "SELECT received_date, distributed_date FROM allocation WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(got, ("2025-01-06".into(), "2025-02-10".into()));
    assert_eq!(audit_count(&conn), n0 + 1);
    let log = audit::page(&conn, None, 1).unwrap();
    assert!(log[0].after.as_deref().unwrap().contains("2025-02-10"));
    assert!(!log[0].before.as_deref().unwrap().contains("2025-02-10"));
    conn.execute(
        "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-01', '王科长', '2025-02-05 09:00:00')",
        [],
    )
    .unwrap();
    let e = refused(&mut conn, |c| {
        set_allocation_dates(c, &clerk, id, None, None)
    });
    assert!(matches!(e, Error::ClosedMonth(_)), "{e}");
}

#[test]
fn new_disbursement_refusals_write_nothing() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    new_disbursement(&mut conn, &clerk, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();

    let e = refused(&mut conn, |c| {
        new_disbursement(c, &clerk, &input("YJ-001", 2_000_00, "2025-03-06"))
    });
    assert!(e.to_string().contains("凭证号 YJ-001 已存在"), "{e}");

    let e = refused(&mut conn, |c| {
        new_disbursement(c, &clerk, &input("YJ-002", 0, "2025-03-06"))
    });
    assert!(e.to_string().contains("金额必须大于零"), "{e}");
    let e = refused(&mut conn, |c| {
        new_disbursement(c, &clerk, &input("YJ-002", -5_00, "2025-03-06"))
    });
    assert!(e.to_string().contains("金额必须大于零"), "{e}");

    let e = refused(&mut conn, |c| {
        new_disbursement(c, &clerk, &input("  ", 5_00, "2025-03-06"))
    });
    assert!(e.to_string().contains("凭证号"), "{e}");

    let mut unknown_program = input("YJ-002", 5_00, "2025-03-06");
    unknown_program.program_code = "NOPE".into();
    let e = refused(&mut conn, |c| new_disbursement(c, &clerk, &unknown_program));
    assert!(
        matches!(e, Error::NotFound(ref m) if m.contains("NOPE")),
        "{e}"
    );

    let mut closed_program = input("YJ-002", 5_00, "2025-03-06");
    closed_program.program_code = "JY2023".into();
    let e = refused(&mut conn, |c| new_disbursement(c, &clerk, &closed_program));
    assert!(e.to_string().contains("JY2023 已结束"), "{e}");

    let mut unknown_ent = input("YJ-002", 5_00, "2025-03-06");
    unknown_ent.credit_code = ent_code(7).to_string();
    let e = refused(&mut conn, |c| new_disbursement(c, &clerk, &unknown_ent));
    assert!(matches!(e, Error::NotFound(_)), "{e}");

    let mut bad_code = input("YJ-002", 5_00, "2025-03-06");
    bad_code.credit_code = "91530428MA6K00001X".into();
    let e = refused(&mut conn, |c| new_disbursement(c, &clerk, &bad_code));
    assert!(matches!(e, Error::CreditCode(_)), "{e}");

    let auditor = actor(&conn, "审计李");
    let e = refused(&mut conn, |c| {
        new_disbursement(c, &auditor, &input("YJ-002", 5_00, "2025-03-06"))
    });
    assert!(matches!(e, Error::Forbidden(_)), "{e}");

    // the near miss: a lower-case credit code and a valid row are accepted
    let mut lower = input("YJ-002", 5_00, "2025-03-06");
    lower.credit_code = ent_code(2).to_string().to_lowercase();
    let row = new_disbursement(&mut conn, &clerk, &lower).unwrap();
    assert_eq!(row.credit_code, ent_code(2).to_string());
}

#[test]
fn closed_month_refused_by_the_domain_and_by_the_trigger() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    new_disbursement(&mut conn, &clerk, &input("YJ-001", 1_000_00, "2025-03-31")).unwrap();
    close_month(&conn, "2025-03");
    let e = refused(&mut conn, |c| {
        new_disbursement(c, &clerk, &input("YJ-002", 1_000_00, "2025-03-15"))
    });
    assert!(
        matches!(e, Error::ClosedMonth(ref m) if m == "2025-03"),
        "{e}"
    );
    assert!(e.to_string().contains("2025-03 月已结账"), "{e}");
    // a row already in the closed month can no longer move
    let e = refused(&mut conn, |c| approve(c, &boss, "YJ-001"));
    assert!(matches!(e, Error::ClosedMonth(_)), "{e}");
    let e = refused(&mut conn, |c| reject(c, &clerk, "YJ-001", "材料不全"));
    assert!(matches!(e, Error::ClosedMonth(_)), "{e}");
    // the next month is open
    new_disbursement(&mut conn, &clerk, &input("YJ-003", 1_000_00, "2025-04-01")).unwrap();
    // the trigger refuses what bypasses the domain
    let raw = conn.execute(
        "INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status)
         VALUES ('RAW', 1, 1, 100, '2025-03-10', 'pending')",
        [],
    );
    assert!(raw.unwrap_err().to_string().contains("closed month"));
    let raw = conn.execute(
        "UPDATE disbursement SET note = 'x' WHERE voucher_no = 'YJ-001'",
        [],
    );
    assert!(raw.unwrap_err().to_string().contains("closed month"));
    // moving a pending row into a closed month is refused too
    let e = refused(&mut conn, |c| {
        edit_pending(
            c,
            &clerk,
            "YJ-003",
            &DisbursementEdit {
                amount: Money(1_000_00),
                date: d("2025-03-20"),
                note: String::new(),
            },
        )
    });
    assert!(
        matches!(e, Error::ClosedMonth(ref m) if m == "2025-03"),
        "{e}"
    );
}

#[test]
fn maker_checker_refuses_self_approval() {
    let mut conn = fixture();
    let wang = actor(&conn, "王科长");
    let li = actor(&conn, "李科长");
    new_disbursement(&mut conn, &wang, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();
    let e = refused(&mut conn, |c| approve(c, &wang, "YJ-001"));
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    assert!(e.to_string().contains("不能由本人复核"), "{e}");
    assert!(e.to_string().contains("maker-checker"), "{e}");
    // another supervisor may
    assert_eq!(
        approve(&mut conn, &li, "YJ-001").unwrap().approved_by,
        "李科长"
    );
}

#[test]
fn roles_clerk_cannot_approve_auditor_cannot_write() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let auditor = actor(&conn, "审计李");
    let boss = actor(&conn, "王科长");
    new_disbursement(&mut conn, &clerk, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();
    let e = refused(&mut conn, |c| approve(c, &clerk, "YJ-001"));
    assert!(e.to_string().contains("supervisor"), "{e}");
    for e in [
        refused(&mut conn, |c| approve(c, &auditor, "YJ-001")),
        refused(&mut conn, |c| reject(c, &auditor, "YJ-001", "不符")),
        refused(&mut conn, |c| pay(c, &auditor, "YJ-001")),
    ] {
        assert!(
            matches!(e, Error::Forbidden(ref m) if m.contains("auditor")),
            "{e}"
        );
    }
    approve(&mut conn, &boss, "YJ-001").unwrap();
    let e = refused(&mut conn, |c| pay(c, &auditor, "YJ-001"));
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    // the clerk pays
    pay(&mut conn, &clerk, "YJ-001").unwrap();
    // a clerk cannot reverse a payment
    let e = refused(&mut conn, |c| {
        reverse(c, &clerk, "YJ-001", d("2025-04-01"), "CX-001", "错付")
    });
    assert!(e.to_string().contains("supervisor"), "{e}");
    let e = refused(&mut conn, |c| {
        add_allocation(
            c,
            &auditor,
            &NewAllocation {
                program_code: "WG2025".into(),
                date: d("2025-04-01"),
                amount: Money(1_00),
                doc_no: String::new(),
                note: String::new(),
            },
        )
    });
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
}

#[test]
fn transitions_from_the_wrong_state_are_refused() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    new_disbursement(&mut conn, &clerk, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();
    // pay before approval
    let e = refused(&mut conn, |c| pay(c, &clerk, "YJ-001"));
    assert!(e.to_string().contains("状态为待复核"), "{e}");
    approve(&mut conn, &boss, "YJ-001").unwrap();
    // approve twice
    let e = refused(&mut conn, |c| approve(c, &boss, "YJ-001"));
    assert!(e.to_string().contains("状态为已复核"), "{e}");
    // rejected rows go nowhere
    new_disbursement(&mut conn, &clerk, &input("YJ-002", 1_000_00, "2025-03-05")).unwrap();
    reject(&mut conn, &clerk, "YJ-002", "重复申报").unwrap();
    for e in [
        refused(&mut conn, |c| approve(c, &boss, "YJ-002")),
        refused(&mut conn, |c| pay(c, &clerk, "YJ-002")),
        refused(&mut conn, |c| reject(c, &clerk, "YJ-002", "再退")),
    ] {
        assert!(e.to_string().contains("已退回"), "{e}");
    }
    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "YJ-002", d("2025-04-01"), "CX", "")
    });
    assert!(e.to_string().contains("只能冲销已拨付"), "{e}");
}

#[test]
fn reject_keeps_the_reason_from_pending_and_approved() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    let mut first = input("YJ-001", 1_000_00, "2025-03-05");
    first.note = String::new();
    new_disbursement(&mut conn, &clerk, &first).unwrap();
    new_disbursement(&mut conn, &clerk, &input("YJ-002", 1_000_00, "2025-03-05")).unwrap();
    approve(&mut conn, &boss, "YJ-002").unwrap();
    let e = refused(&mut conn, |c| reject(c, &clerk, "YJ-001", "  "));
    assert!(e.to_string().contains("退回原因"), "{e}");
    let r1 = reject(&mut conn, &clerk, "YJ-001", "营业执照已注销").unwrap();
    assert_eq!(r1.status, Status::Rejected);
    assert_eq!(r1.note, "退回：营业执照已注销");
    let r2 = reject(&mut conn, &boss, "YJ-002", "超出单户上限").unwrap();
    assert_eq!(r2.status, Status::Rejected);
    assert_eq!(r2.note, "稳岗返还第一批；退回：超出单户上限");
    assert_eq!(r2.approved_by, "王科长");
}

#[test]
fn unknown_voucher_is_not_found() {
    let mut conn = fixture();
    let boss = actor(&conn, "王科长");
    for e in [
        refused(&mut conn, |c| approve(c, &boss, "NOPE-1")),
        refused(&mut conn, |c| pay(c, &boss, "NOPE-1")),
        refused(&mut conn, |c| reject(c, &boss, "NOPE-1", "x")),
        refused(&mut conn, |c| {
            reverse(c, &boss, "NOPE-1", d("2025-04-01"), "CX", "")
        }),
    ] {
        assert!(
            matches!(e, Error::NotFound(ref m) if m.contains("NOPE-1")),
            "{e}"
        );
    }
}

/// New pending row, approved by 王科长, paid by 小张.
fn paid_row(conn: &mut Connection, voucher: &str, fen: i64, date: &str) {
    let clerk = actor(conn, "小张");
    let boss = actor(conn, "王科长");
    new_disbursement(conn, &clerk, &input(voucher, fen, date)).unwrap();
    approve(conn, &boss, voucher).unwrap();
    pay(conn, &clerk, voucher).unwrap();
}

#[test]
fn paid_rows_are_immutable_in_the_domain_and_in_the_schema() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    paid_row(&mut conn, "YJ-001", 1_000_00, "2025-03-05");
    // domain layer
    let e = refused(&mut conn, |c| {
        edit_pending(
            c,
            &clerk,
            "YJ-001",
            &DisbursementEdit {
                amount: Money(2_000_00),
                date: d("2025-03-05"),
                note: String::new(),
            },
        )
    });
    assert!(e.to_string().contains("已拨付，不能修改"), "{e}");
    let e = refused(&mut conn, |c| reject(c, &boss, "YJ-001", "错付"));
    assert!(e.to_string().contains("已拨付，不能退回"), "{e}");
    let e = refused(&mut conn, |c| approve(c, &boss, "YJ-001"));
    assert!(e.to_string().contains("reverse it instead"), "{e}");
    // schema layer: whatever bypasses the domain
    for sql in [
        "UPDATE disbursement SET amount_fen = 1 WHERE voucher_no = 'YJ-001'",
        "UPDATE disbursement SET note = '改' WHERE voucher_no = 'YJ-001'",
        "UPDATE disbursement SET status = 'rejected' WHERE voucher_no = 'YJ-001'",
        "DELETE FROM disbursement WHERE voucher_no = 'YJ-001'",
    ] {
        let before = snapshot(&conn);
        let err = conn.execute(sql, []).unwrap_err().to_string();
        // a status change may meet the status-flow trigger first; both refuse it
        assert!(
            err.contains("immutable") || err.contains("invalid disbursement status change"),
            "{sql}: {err}"
        );
        assert_eq!(snapshot(&conn), before);
    }
}

#[test]
fn edit_pending_changes_only_pending_rows() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    new_disbursement(&mut conn, &clerk, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();
    let edit = DisbursementEdit {
        amount: Money(1_500_00),
        date: d("2025-03-06"),
        note: "更正金额".into(),
    };
    let row = edit_pending(&mut conn, &clerk, "YJ-001", &edit).unwrap();
    assert_eq!(
        (row.amount, row.date, row.note.as_str()),
        (Money(1_500_00), d("2025-03-06"), "更正金额")
    );
    let e = refused(&mut conn, |c| {
        edit_pending(
            c,
            &clerk,
            "YJ-001",
            &DisbursementEdit {
                amount: Money(0),
                ..edit.clone()
            },
        )
    });
    assert!(e.to_string().contains("金额必须大于零"), "{e}");
    approve(&mut conn, &boss, "YJ-001").unwrap();
    let e = refused(&mut conn, |c| edit_pending(c, &clerk, "YJ-001", &edit));
    assert!(e.to_string().contains("状态为已复核"), "{e}");
}

#[test]
fn reverse_creates_a_negative_paid_row_once() {
    let mut conn = fixture();
    let boss = actor(&conn, "王科长");
    paid_row(&mut conn, "YJ-001", 12_345_67, "2025-03-05");
    let n0 = audit_count(&conn);
    let rev = reverse(
        &mut conn,
        &boss,
        "YJ-001",
        d("2025-04-02"),
        "CX-001",
        "错付冲回",
    )
    .unwrap();
    assert_eq!(rev.amount, Money(-12_345_67));
    assert_eq!(rev.status, Status::Paid);
    assert_eq!(rev.reverses.as_deref(), Some("YJ-001"));
    assert_eq!(rev.entered_by, "王科长");
    assert_eq!(
        rev.approved_by, "",
        "a reversal is not a self-approved payment"
    );
    assert_eq!(rev.credit_code, ent_code(1).to_string());
    assert_eq!(audit_count(&conn), n0 + 1);
    // the original is untouched
    assert_eq!(status_of(&conn, "YJ-001"), Status::Paid);
    // paid nets to zero
    let f = crate::repo::program_figures(&conn, d("2025-12-31")).unwrap();
    let wg = f.iter().find(|f| f.program.code == "WG2025").unwrap();
    assert_eq!(wg.paid, Money(0));

    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "YJ-001", d("2025-04-03"), "CX-002", "")
    });
    assert!(e.to_string().contains("已被 CX-001 冲销"), "{e}");
    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "CX-001", d("2025-04-03"), "CX-003", "")
    });
    assert!(e.to_string().contains("本身是对 YJ-001 的冲销"), "{e}");

    paid_row(&mut conn, "YJ-002", 1_000_00, "2025-03-10");
    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "YJ-002", d("2025-03-09"), "CX-004", "")
    });
    assert!(e.to_string().contains("早于原凭证日期"), "{e}");
    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "YJ-002", d("2025-04-03"), "CX-001", "")
    });
    assert!(e.to_string().contains("凭证号 CX-001 已存在"), "{e}");
    close_month(&conn, "2025-04");
    let e = refused(&mut conn, |c| {
        reverse(c, &boss, "YJ-002", d("2025-04-30"), "CX-005", "")
    });
    assert!(
        matches!(e, Error::ClosedMonth(ref m) if m == "2025-04"),
        "{e}"
    );
    // the original's month being closed does not block a reversal dated in an open month
    close_month(&conn, "2025-03");
    reverse(&mut conn, &boss, "YJ-002", d("2025-05-01"), "CX-005", "").unwrap();
}

#[test]
fn headroom_counts_the_enterprise_year_and_the_program_as_of_the_date() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    paid_row(&mut conn, "YJ-001", 30_000_00, "2025-02-01");
    new_disbursement(&mut conn, &clerk, &input("YJ-002", 10_000_00, "2025-11-01")).unwrap();
    new_disbursement(&mut conn, &clerk, &input("YJ-003", 5_000_00, "2025-03-01")).unwrap();
    reject(&mut conn, &clerk, "YJ-003", "材料不全").unwrap();
    // another enterprise and another year do not count towards the cap
    let mut other = input("YJ-004", 7_000_00, "2025-03-01");
    other.credit_code = ent_code(2).to_string();
    new_disbursement(&mut conn, &clerk, &other).unwrap();
    write::insert_disbursement(
        &conn,
        &write::NewDisbursement {
            voucher_no: "YJ-2024".into(),
            program_code: "WG2025".into(),
            credit_code: ent_code(1).to_string(),
            amount: Money(20_000_00),
            date: d("2024-12-31"),
            status: Status::Paid,
            entered_by: "小张".into(),
            approved_by: "王科长".into(),
            reverses: None,
            note: String::new(),
        },
    )
    .unwrap();
    write::insert_recovery(
        &conn,
        &write::NewRecovery {
            program_code: "WG2025".into(),
            date: d("2025-05-01"),
            amount: Money(100_000_00),
            reason: crate::model::Reason::Idle,
            doc_no: String::new(),
            credit_code: None,
            reallocated_to: None,
            note: String::new(),
        },
    )
    .unwrap();

    let h = headroom(&conn, "WG2025", ent_code(1).as_str(), d("2025-06-30")).unwrap();
    assert_eq!(h.cap, Some(Money(50_000_00)));
    assert_eq!(
        h.enterprise_year_total,
        Money(40_000_00),
        "paid + pending, the whole year"
    );
    assert_eq!(h.cap_left, Some(Money(10_000_00)));
    assert_eq!(h.over_cap(Money(10_000_00)), None, "exactly at the cap");
    assert_eq!(h.over_cap(Money(10_000_01)), Some(Money(1)));
    assert_eq!(h.budget, Money(1_000_000_00));
    // as of 06-30: 2024 paid 20,000 + 2025 paid 30,000; committed 7,000 (YJ-002 is later)
    assert_eq!(h.paid, Money(50_000_00));
    assert_eq!(h.committed, Money(7_000_00));
    assert_eq!(h.recovered, Money(100_000_00));
    assert_eq!(h.available, Money(843_000_00));
    assert_eq!(h.over_budget(Money(843_000_00)), None);
    assert_eq!(h.over_budget(Money(843_000_01)), Some(Money(1)));
    // an enterprise not registered yet has its whole cap left
    let h = headroom(&conn, "WG2025", ent_code(9).as_str(), d("2025-06-30")).unwrap();
    assert_eq!(h.cap_left, Some(Money(50_000_00)));
    assert!(matches!(
        headroom(&conn, "NOPE", ent_code(1).as_str(), d("2025-06-30")),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn programs_enterprises_allocations_are_validated_and_audited() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let n0 = audit_count(&conn);
    let mut p = NewProgram::new(" KJ2025 ", "科技创新券", 2025);
    p.start_date = Some(d("2025-01-01"));
    p.end_date = Some(d("2025-12-31"));
    add_program(&mut conn, &clerk, &p).unwrap();
    assert!(
        write::program_id(&conn, "KJ2025").is_ok(),
        "code is trimmed"
    );
    let e = refused(&mut conn, |c| add_program(c, &clerk, &p));
    assert!(e.to_string().contains("项目编码 KJ2025 已存在"), "{e}");
    let mut bad = NewProgram::new("X1", "倒置日期", 2025);
    bad.start_date = Some(d("2025-06-01"));
    bad.end_date = Some(d("2025-05-31"));
    let e = refused(&mut conn, |c| add_program(c, &clerk, &bad));
    assert!(e.to_string().contains("晚于结束日期"), "{e}");
    let e = refused(&mut conn, |c| {
        add_program(c, &clerk, &NewProgram::new("X2", " ", 2025))
    });
    assert!(e.to_string().contains("项目名称"), "{e}");
    let e = refused(&mut conn, |c| {
        add_program(c, &clerk, &NewProgram::new("X3", "年度错", 1900))
    });
    assert!(e.to_string().contains("年度 1900"), "{e}");

    let ent = NewEnterprise {
        credit_code: ent_code(3),
        name: "元江县因远镇红糖厂".into(),
        size: Size::Micro,
        industry: "食品".into(),
        township: "因远镇".into(),
        contact: "李四".into(),
    };
    add_enterprise(&mut conn, &clerk, &ent).unwrap();
    let hits = crate::repo::lookup::find_enterprises(&conn, "yyzht", 5).unwrap();
    assert_eq!(hits.len(), 1, "pinyin keys are filled");
    let e = refused(&mut conn, |c| {
        add_enterprise(
            c,
            &clerk,
            &NewEnterprise {
                name: "另一家".into(),
                ..ent.clone()
            },
        )
    });
    assert!(e.to_string().contains("已登记为 元江县因远镇红糖厂"), "{e}");

    let alloc = NewAllocation {
        program_code: "KJ2025".into(),
        date: d("2025-02-01"),
        amount: Money(-5_000_00),
        doc_no: "元财教〔2025〕3号".into(),
        note: "调减".into(),
    };
    add_allocation(&mut conn, &clerk, &alloc).unwrap();
    let e = refused(&mut conn, |c| {
        add_allocation(
            c,
            &clerk,
            &NewAllocation {
                amount: Money(0),
                ..alloc.clone()
            },
        )
    });
    assert!(e.to_string().contains("不能为零"), "{e}");
    let e = refused(&mut conn, |c| {
        add_allocation(
            c,
            &clerk,
            &NewAllocation {
                program_code: "NOPE".into(),
                ..alloc.clone()
            },
        )
    });
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    close_month(&conn, "2025-02");
    let e = refused(&mut conn, |c| add_allocation(c, &clerk, &alloc));
    assert!(
        matches!(e, Error::ClosedMonth(ref m) if m == "2025-02"),
        "{e}"
    );

    assert_eq!(audit_count(&conn), n0 + 3);
    let tables: Vec<String> = audit::page(&conn, None, 3)
        .unwrap()
        .into_iter()
        .map(|e| e.tbl)
        .collect();
    assert_eq!(tables, ["allocation", "enterprise", "program"]);
}

#[test]
fn evaluations_and_indicators() {
    let mut conn = fixture();
    let boss = actor(&conn, "王科长");
    let auditor = actor(&conn, "审计李");
    let ev = NewEvaluation {
        program_code: "WG2025".into(),
        year: 2025,
        score_x100: 8_550,
        evaluator: "元江县财政局绩效股".into(),
        date: d("2026-01-20"),
        note: String::new(),
    };
    add_evaluation(&mut conn, &boss, &ev).unwrap();
    let e = refused(&mut conn, |c| add_evaluation(c, &boss, &ev));
    assert!(e.to_string().contains("已有评价"), "{e}");
    let e = refused(&mut conn, |c| {
        add_evaluation(
            c,
            &boss,
            &NewEvaluation {
                score_x100: 10_001,
                ..ev.clone()
            },
        )
    });
    assert!(e.to_string().contains("100.01"), "{e}");
    let e = refused(&mut conn, |c| {
        add_evaluation(
            c,
            &auditor,
            &NewEvaluation {
                date: d("2026-01-21"),
                ..ev.clone()
            },
        )
    });
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    close_month(&conn, "2026-02");
    let e = refused(&mut conn, |c| {
        add_evaluation(
            c,
            &boss,
            &NewEvaluation {
                date: d("2026-02-01"),
                ..ev.clone()
            },
        )
    });
    assert!(matches!(e, Error::ClosedMonth(_)), "{e}");

    let ind = NewIndicator {
        program_code: "WG2025".into(),
        year: 2025,
        name: "稳岗企业户数".into(),
        unit: "户".into(),
        target: Decimal::from(120),
        actual: None,
        direction: Direction::Ge,
    };
    add_indicator(&mut conn, &boss, &ind).unwrap();
    let e = refused(&mut conn, |c| add_indicator(c, &boss, &ind));
    assert!(e.to_string().contains("已有指标"), "{e}");
    let n0 = audit_count(&conn);
    set_indicator_actual(
        &mut conn,
        &boss,
        "WG2025",
        2025,
        "稳岗企业户数",
        Some("118.50".parse().unwrap()),
    )
    .unwrap();
    let actual: Option<String> = conn
        .query_row("SELECT actual FROM indicator", [], |r| r.get(0))
        .unwrap();
    assert_eq!(actual.as_deref(), Some("118.5"));
    let last = &audit::page(&conn, None, 1).unwrap()[0];
    assert_eq!(last.key, "WG2025|2025|稳岗企业户数");
    assert_eq!(last.before.as_deref(), Some(r#"{"actual":null}"#));
    assert_eq!(last.after.as_deref(), Some(r#"{"actual":"118.5"}"#));
    set_indicator_actual(&mut conn, &boss, "WG2025", 2025, "稳岗企业户数", None).unwrap();
    assert_eq!(audit_count(&conn), n0 + 2);
    let e = refused(&mut conn, |c| {
        set_indicator_actual(c, &boss, "WG2025", 2025, "不存在的指标", None)
    });
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    let e = refused(&mut conn, |c| {
        set_indicator_actual(c, &auditor, "WG2025", 2025, "稳岗企业户数", None)
    });
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
}

/// Two clerks on one file: a write that starts while another clerk's write transaction
/// is open waits for it (busy timeout) and then succeeds on fresh data.
#[test]
fn concurrent_writers_wait_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("共享.db");
    {
        let mut conn = crate::db::open(&path).unwrap();
        let boss = actor(&conn, "王科长");
        add_program(
            &mut conn,
            &boss,
            &NewProgram::new("WG2025", "稳岗返还", 2025),
        )
        .unwrap();
        add_enterprise(
            &mut conn,
            &boss,
            &NewEnterprise {
                credit_code: ent_code(1),
                name: "元江县澧江街道甘蔗种植专业合作社".into(),
                size: Size::Small,
                industry: String::new(),
                township: "澧江街道".into(),
                contact: String::new(),
            },
        )
        .unwrap();
    }
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let other_path = path.clone();
    let other = std::thread::spawn(move || {
        let mut conn = crate::db::open(&other_path).unwrap();
        let tx = write_tx(&mut conn).unwrap();
        tx.execute(
            "INSERT INTO program (code, name, level, fiscal_year) VALUES ('KJ2025', '科技创新券', 'county', 2025)",
            [],
        )
        .unwrap();
        started_tx.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        tx.commit().unwrap();
    });
    started_rx.recv().unwrap();
    let mut conn = crate::db::open(&path).unwrap();
    let boss = actor(&conn, "王科长");
    let t = std::time::Instant::now();
    let row = new_disbursement(&mut conn, &boss, &input("YJ-001", 1_000_00, "2025-03-05")).unwrap();
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(200),
        "it waited"
    );
    assert_eq!(row.status, Status::Pending);
    other.join().unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM program", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(audit::verify(&conn).unwrap(), 3);
}

#[test]
fn form_warnings_name_each_rule_with_its_near_miss() {
    let mut conn = fixture();
    let clerk = actor(&conn, "小张");
    let boss = actor(&conn, "王科长");
    // WG2025: cap 50,000; once per year; group 稳岗; small and micro only; 2025 dates
    conn.execute_batch(
        "UPDATE program SET once_per_year = 1, exclusive_group = '稳岗', eligible_sizes = 'small;micro',
                start_date = '2025-01-01', end_date = '2025-12-31' WHERE code = 'WG2025';
         UPDATE enterprise SET size = 'medium' WHERE credit_code = '91530428MA6K000028';",
    )
    .unwrap();
    let mut other = NewProgram::new("WG2025B", "稳岗补贴（省级）", 2025);
    other.exclusive_group = Some("稳岗".into());
    write::insert_program(&conn, &other).unwrap();
    write::insert_allocation(
        &conn,
        &NewAllocation {
            program_code: "WG2025B".into(),
            date: d("2025-01-10"),
            amount: Money(100_000_00),
            doc_no: String::new(),
            note: String::new(),
        },
    )
    .unwrap();

    // nothing yet: a clean row within the cap
    let first = input("YJ-001", 50_000_00, "2025-03-05");
    assert_eq!(form_warnings(&conn, &first).unwrap(), []);
    new_disbursement(&mut conn, &clerk, &first).unwrap();
    // editing that same pending row at the cap does not count it twice
    assert_eq!(form_warnings(&conn, &first).unwrap(), []);

    // a second row this year: over the cap by 0.01 and a repeat
    let second = input("YJ-002", 1, "2025-06-01");
    let w = form_warnings(&conn, &second).unwrap();
    assert_eq!(
        w,
        [
            FormWarning::OverCap {
                cap: Money(50_000_00),
                excess: Money(1)
            },
            FormWarning::Repeat {
                voucher: "YJ-001".into()
            },
        ]
    );
    assert_eq!(
        w[0].message(crate::Lang::Zh),
        "超过单户年度上限 50,000.00，超出 0.01"
    );
    // next year neither applies (but the date is outside the program)
    let next_year = input("YJ-003", 1_00, "2026-01-02");
    assert_eq!(
        form_warnings(&conn, &next_year).unwrap(),
        [FormWarning::OutsideDates]
    );

    // the exclusive program sees YJ-001; once YJ-001 is rejected it no longer counts
    let mut excl = input("YJ-004", 1_00, "2025-07-01");
    excl.program_code = "WG2025B".into();
    assert_eq!(
        form_warnings(&conn, &excl).unwrap(),
        [FormWarning::Exclusive {
            program: "WG2025".into(),
            voucher: "YJ-001".into()
        }]
    );
    reject(&mut conn, &boss, "YJ-001", "重复").unwrap();
    assert_eq!(form_warnings(&conn, &excl).unwrap(), []);
    assert_eq!(form_warnings(&conn, &second).unwrap(), []);

    // a medium enterprise in a small/micro program; more than the program has left
    let mut medium = input("YJ-005", 100_000_01, "2025-07-01");
    medium.program_code = "WG2025B".into();
    medium.credit_code = ent_code(2).to_string();
    let w = form_warnings(&conn, &medium).unwrap();
    assert_eq!(
        w,
        [FormWarning::OverBudget {
            available: Money(100_000_00),
            excess: Money(1)
        }]
    );
    medium.program_code = "WG2025".into();
    medium.amount = Money(1_00);
    assert_eq!(
        form_warnings(&conn, &medium).unwrap(),
        [FormWarning::Ineligible { size: Size::Medium }]
    );
}
