//! One test per rule with the near miss beside it; amounts and vouchers asserted exactly.

use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;

use super::*;
use crate::credit_code::CreditCode;
use crate::db::open_in_memory;
use crate::model::{Direction, ProgramStatus, Size, Status};
use crate::repo::write::*;

pub(crate) fn d(s: &str) -> NaiveDate {
    crate::dates::parse_date(s).unwrap()
}

pub(crate) fn yuan(s: &str) -> Money {
    Money::parse(s).unwrap()
}

pub(crate) struct Fx {
    pub conn: Connection,
}

impl Fx {
    pub fn new() -> Fx {
        Fx {
            conn: open_in_memory().unwrap(),
        }
    }

    pub fn program(&self, code: &str, name: &str, year: i32, f: impl FnOnce(&mut NewProgram)) {
        let mut p = NewProgram::new(code, name, year);
        p.department = "县人社局".into();
        f(&mut p);
        insert_program(&self.conn, &p).unwrap();
    }

    /// A new enterprise; returns its credit code.
    pub fn ent(&self, n: u32, name: &str, size: Size) -> String {
        let code = CreditCode::complete(&format!("91530428MA6K{n:05}")).unwrap();
        insert_enterprise(
            &self.conn,
            &NewEnterprise {
                credit_code: code.clone(),
                name: name.into(),
                size,
                industry: "制造业".into(),
                township: "澧江街道".into(),
                contact: "张三".into(),
            },
        )
        .unwrap();
        code.into_string()
    }

    pub fn alloc(&self, program: &str, date: &str, amount: &str) {
        insert_allocation(
            &self.conn,
            &NewAllocation {
                program_code: program.into(),
                date: d(date),
                amount: yuan(amount),
                doc_no: "玉财社〔2025〕12号".into(),
                note: String::new(),
            },
        )
        .unwrap();
    }

    #[allow(clippy::too_many_arguments)]
    pub fn disb_full(
        &self,
        voucher: &str,
        program: &str,
        cc: &str,
        amount: &str,
        date: &str,
        status: Status,
        entered: &str,
        approved: &str,
        reverses: Option<&str>,
    ) {
        insert_disbursement(
            &self.conn,
            &NewDisbursement {
                voucher_no: voucher.into(),
                program_code: program.into(),
                credit_code: cc.into(),
                amount: yuan(amount),
                date: d(date),
                status,
                entered_by: entered.into(),
                approved_by: approved.into(),
                reverses: reverses.map(Into::into),
                note: String::new(),
            },
        )
        .unwrap();
    }

    pub fn disb(
        &self,
        voucher: &str,
        program: &str,
        cc: &str,
        amount: &str,
        date: &str,
        status: Status,
    ) {
        let approver = if status == Status::Pending {
            ""
        } else {
            "王科长"
        };
        self.disb_full(
            voucher, program, cc, amount, date, status, "小李", approver, None,
        );
    }

    pub fn paid(&self, voucher: &str, program: &str, cc: &str, amount: &str, date: &str) {
        self.disb(voucher, program, cc, amount, date, Status::Paid);
    }

    pub fn reverse(
        &self,
        voucher: &str,
        program: &str,
        cc: &str,
        amount: &str,
        date: &str,
        orig: &str,
    ) {
        self.disb_full(
            voucher,
            program,
            cc,
            amount,
            date,
            Status::Paid,
            "小李",
            "王科长",
            Some(orig),
        );
    }

    /// A paid row with its 复核日期 and 支付日期 (stamped while approved: a paid row is
    /// immutable).
    #[allow(clippy::too_many_arguments)]
    pub fn paid_dated(
        &self,
        voucher: &str,
        program: &str,
        cc: &str,
        amount: &str,
        date: &str,
        approved: &str,
        paid: &str,
    ) {
        self.disb(voucher, program, cc, amount, date, Status::Approved);
        self.conn
            .execute(
                "UPDATE disbursement SET status = 'paid', approved_date = ?2, paid_date = ?3 WHERE voucher_no = ?1",
                rusqlite::params![voucher, approved, paid],
            )
            .unwrap();
    }

    /// An allocation with its 收到日期 and (optional) 分解下达日期.
    pub fn alloc_dated(
        &self,
        program: &str,
        date: &str,
        amount: &str,
        received: &str,
        distributed: Option<&str>,
    ) {
        self.alloc(program, date, amount);
        self.conn
            .execute(
                "UPDATE allocation SET received_date = ?1, distributed_date = ?2 WHERE id = (SELECT max(id) FROM allocation)",
                rusqlite::params![received, distributed],
            )
            .unwrap();
    }

    pub fn eval(&self, program: &str, year: i32, score_x100: i64, date: &str) {
        insert_evaluation(
            &self.conn,
            &NewEvaluation {
                program_code: program.into(),
                year,
                score_x100,
                evaluator: "县财政局绩效科".into(),
                date: d(date),
                note: String::new(),
            },
        )
        .unwrap();
    }

    pub fn run(&self, as_of: &str) -> Vec<Finding> {
        run_checks(
            &self.conn,
            d(as_of),
            &CheckConfig::default(),
            Lang::Zh,
            &CheckFilter::default(),
        )
        .unwrap()
    }

    pub fn rule(&self, as_of: &str, rule: Rule) -> Vec<Finding> {
        self.run(as_of)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }
}

/// (program, enterprise, voucher, amount) of each finding, for compact asserts.
type Brief = (String, Option<String>, Option<String>, Option<String>);

fn brief(v: &[Finding]) -> Vec<Brief> {
    v.iter()
        .map(|f| {
            (
                f.program.clone(),
                f.enterprise.clone(),
                f.voucher.clone(),
                f.amount.map(|m| m.plain()),
            )
        })
        .collect()
}

fn row(p: &str, e: Option<&str>, v: Option<&str>, a: Option<&str>) -> Brief {
    (
        p.into(),
        e.map(Into::into),
        v.map(Into::into),
        a.map(Into::into),
    )
}

#[test]
fn lagging_fires_strictly_beyond_ten_points() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县澧江街道红河糖业有限公司", Size::Small);
    // as of 2025-06-30 time progress is 50%
    fx.program("WG-A", "稳岗返还", 2025, |_| {});
    fx.alloc("WG-A", "2025-01-10", "1000.00");
    fx.paid("A1", "WG-A", &e, "400.00", "2025-03-01"); // exactly 10 pp behind
    fx.program("WG-B", "以工代训补贴", 2025, |_| {});
    fx.alloc("WG-B", "2025-01-10", "1000.00");
    fx.paid("B1", "WG-B", &e, "399.99", "2025-03-01");
    fx.disb("B2", "WG-B", &e, "300.00", "2025-07-01", Status::Paid); // after D
    fx.program("WG-C", "上年度项目", 2024, |_| {});
    fx.alloc("WG-C", "2024-01-10", "1000.00");
    fx.program("WG-D", "已结束项目", 2025, |p| {
        p.status = ProgramStatus::Closed
    });
    fx.alloc("WG-D", "2025-01-10", "1000.00");
    fx.program("WG-E", "无指标项目", 2025, |_| {});
    let v = fx.rule("2025-06-30", Rule::Lagging);
    assert_eq!(brief(&v), vec![row("WG-B", None, None, Some("100.01"))]);
    assert_eq!(v[0].severity, Severity::Warn);
    assert_eq!(v[0].key(), "LAGGING|WG-B|||2025");
}

#[test]
fn lagging_exact_at_a_month_whose_progress_is_not_a_finite_decimal() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县甘庄街道华侨农场茶叶有限公司", Size::Micro);
    // July: 7/12 − 10 pp = 29/60; 290/600 is exactly that
    fx.program("KJ-A", "科技创新券", 2025, |_| {});
    fx.alloc("KJ-A", "2025-01-10", "600.00");
    fx.paid("A1", "KJ-A", &e, "290.00", "2025-02-01");
    fx.program("KJ-B", "专精特新奖励", 2025, |_| {});
    fx.alloc("KJ-B", "2025-01-10", "600.00");
    fx.paid("B1", "KJ-B", &e, "289.99", "2025-02-01");
    fx.program("KJ-C", "技改补助", 2025, |_| {});
    fx.alloc("KJ-C", "2025-01-10", "1000.01");
    let v = fx.rule("2025-07-31", Rule::Lagging);
    // 600 × 7/12 − 289.99 = 60.01; 1000.01 × 7/12 = 583.339166… → 583.34
    assert_eq!(
        brief(&v),
        vec![
            row("KJ-B", None, None, Some("60.01")),
            row("KJ-C", None, None, Some("583.34"))
        ]
    );
}

#[test]
fn idle_counts_ninety_days_from_last_positive_payment_or_first_allocation() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县因远镇农机服务专业合作社", Size::Small);
    for (code, name) in [
        ("XZ-1", "农机购置补贴"),
        ("XZ-2", "稳岗返还"),
        ("XZ-3", "创业担保贴息"),
        ("XZ-4", "消费券"),
        ("XZ-5", "零结余项目"),
    ] {
        fx.program(code, name, 2025, |_| {});
    }
    fx.alloc("XZ-1", "2025-01-05", "5000.00");
    fx.paid("P1", "XZ-1", &e, "1000.00", "2025-04-01"); // 90 days before 06-30
    fx.alloc("XZ-2", "2025-01-05", "5000.00");
    fx.paid("P2", "XZ-2", &e, "1000.00", "2025-04-02"); // 89 days
    fx.reverse("R2", "XZ-2", &e, "-1000.00", "2025-04-10", "P2"); // a reversal is not a payment
    fx.alloc("XZ-3", "2025-04-01", "800.00"); // never paid, 90 days
    fx.alloc("XZ-4", "2025-04-02", "800.00"); // never paid, 89 days
    fx.alloc("XZ-5", "2025-01-05", "1000.00");
    fx.paid("P5", "XZ-5", &e, "1000.00", "2025-01-06"); // balance 0
    let v = fx.rule("2025-06-30", Rule::Idle);
    assert_eq!(
        brief(&v),
        vec![
            row("XZ-1", None, None, Some("4000.00")),
            row("XZ-3", None, None, Some("800.00"))
        ]
    );
    assert!(fx.rule("2025-06-30", Rule::RecoverDue).is_empty());
}

#[test]
fn recover_due_replaces_idle() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县澧江街道果蔬冷链物流有限公司", Size::Medium);
    fx.program("SH-1", "到期项目", 2025, |p| {
        p.end_date = Some(d("2025-06-29"))
    });
    fx.alloc("SH-1", "2025-01-05", "300.00");
    fx.paid("A", "SH-1", &e, "100.00", "2025-06-20"); // not idle, but ended
    fx.program("SH-2", "今日到期项目", 2025, |p| {
        p.end_date = Some(d("2025-06-30"))
    });
    fx.alloc("SH-2", "2025-01-05", "300.00");
    fx.paid("B", "SH-2", &e, "100.00", "2025-06-20");
    fx.program("SH-3", "一年未拨项目", 2024, |_| {});
    fx.alloc("SH-3", "2024-01-05", "300.00");
    fx.paid("C", "SH-3", &e, "100.00", "2024-06-30"); // 365 days
    fx.program("SH-4", "364天项目", 2024, |_| {});
    fx.alloc("SH-4", "2024-01-05", "300.00");
    fx.paid("D", "SH-4", &e, "100.00", "2024-07-01"); // 364 days → IDLE only
    let all = fx.run("2025-06-30");
    let due: Vec<Finding> = all
        .iter()
        .filter(|f| f.rule == Rule::RecoverDue)
        .cloned()
        .collect();
    let idle: Vec<Finding> = all
        .iter()
        .filter(|f| f.rule == Rule::Idle)
        .cloned()
        .collect();
    assert_eq!(
        brief(&due),
        vec![
            row("SH-1", None, None, Some("200.00")),
            row("SH-3", None, None, Some("200.00"))
        ]
    );
    assert_eq!(due[0].severity, Severity::Error);
    assert_eq!(brief(&idle), vec![row("SH-4", None, None, Some("200.00"))]);
}

#[test]
fn overdrawn_is_strict_and_ignores_rejected_rows() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县红河谷热区农业开发有限公司", Size::Small);
    for code in ["CZ-1", "CZ-2"] {
        fx.program(code, "产业扶持资金", 2025, |_| {});
        fx.alloc(code, "2025-01-05", "1000.00");
    }
    fx.conn
        .execute("INSERT INTO recovery (program_id, date, amount_fen, reason) SELECT id, '2025-02-01', 10000, 'idle' FROM program", [])
        .unwrap();
    // room = 1000 − 100 = 900
    fx.paid("A1", "CZ-1", &e, "800.00", "2025-03-01");
    fx.disb("A2", "CZ-1", &e, "100.00", "2025-03-02", Status::Pending);
    fx.disb("A3", "CZ-1", &e, "500.00", "2025-03-03", Status::Rejected);
    fx.paid("B1", "CZ-2", &e, "800.00", "2025-03-01");
    fx.disb("B2", "CZ-2", &e, "100.01", "2025-03-02", Status::Approved);
    fx.disb("B3", "CZ-2", &e, "999.00", "2025-07-02", Status::Approved); // after D
    let v = fx.rule("2025-06-30", Rule::Overdrawn);
    assert_eq!(brief(&v), vec![row("CZ-2", None, None, Some("0.01"))]);
}

#[test]
fn over_cap_per_enterprise_and_year_with_voucher_of_first_excess() {
    let fx = Fx::new();
    fx.program("WG", "稳岗返还", 2025, |p| {
        p.cap_per_enterprise = Some(yuan("10000.00"))
    });
    fx.program("NC", "无上限项目", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    let b = fx.ent(2, "元江县甘庄街道绿源种植专业合作社", Size::Small);
    let c = fx.ent(3, "元江县因远镇白族刺绣工坊", Size::Micro);
    let dd = fx.ent(4, "元江县澧江街道昌盛汽修厂", Size::Micro);
    let e = fx.ent(5, "元江县甘庄街道跨年运输有限公司", Size::Small);
    // a: exactly at the cap
    fx.paid("A1", "WG", &a, "6000.00", "2025-03-01");
    fx.paid("A2", "WG", &a, "4000.00", "2025-03-05");
    fx.disb("A3", "WG", &a, "5000.00", "2025-03-06", Status::Rejected);
    fx.paid("A4", "WG", &a, "5000.00", "2025-07-06"); // after D
    fx.paid("A5", "NC", &a, "50000.00", "2025-03-06"); // other program
                                                       // b: pending and approved count; exceeds at B3
    fx.paid("B1", "WG", &b, "6000.00", "2025-02-01");
    fx.disb("B2", "WG", &b, "3000.00", "2025-02-02", Status::Pending);
    fx.disb("B3", "WG", &b, "2000.00", "2025-02-03", Status::Approved);
    // c: a reversal brings the total down; the first excess stays the voucher
    fx.paid("C1", "WG", &c, "8000.00", "2025-01-10");
    fx.paid("C2", "WG", &c, "5000.00", "2025-01-11");
    fx.reverse("C3", "WG", &c, "-8000.00", "2025-01-12", "C1");
    fx.paid("C4", "WG", &c, "6000.00", "2025-01-13");
    // dd: same date, voucher order decides
    fx.paid("D-B2", "WG", &dd, "6000.00", "2025-04-01");
    fx.paid("D-A1", "WG", &dd, "5000.00", "2025-04-01");
    // e: two years, each under the cap
    fx.paid("E1", "WG", &e, "9000.00", "2024-12-31");
    fx.paid("E2", "WG", &e, "9000.00", "2025-01-01");
    let v = fx.rule("2025-06-30", Rule::OverCap);
    assert_eq!(
        brief(&v),
        vec![
            row("WG", Some(&b), Some("B3"), Some("1000.00")),
            row("WG", Some(&c), Some("C2"), Some("1000.00")),
            row("WG", Some(&dd), Some("D-B2"), Some("1000.00")),
        ]
    );
    assert_eq!(v[0].key(), format!("OVER_CAP|WG|{b}|B3|2025"));
    // a reversal that brings the year total to the cap clears it
    fx.reverse("B4", "WG", &b, "-1000.00", "2025-08-01", "B1");
    assert!(fx
        .rule("2025-08-31", Rule::OverCap)
        .iter()
        .all(|f| f.enterprise.as_deref() != Some(b.as_str())));
}

#[test]
fn repeat_fires_on_each_live_voucher_after_the_first() {
    let fx = Fx::new();
    fx.program("YC", "一次性吸纳就业补贴", 2025, |p| {
        p.once_per_year = true
    });
    fx.program("DC", "可多次项目", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道鑫源商贸有限公司", Size::Small);
    let b = fx.ent(2, "元江县因远镇哈尼梯田旅游开发有限公司", Size::Small);
    fx.paid("A0", "YC", &a, "500.00", "2024-05-01"); // other year
    fx.paid("A1", "YC", &a, "500.00", "2025-02-01");
    fx.disb("A2", "YC", &a, "300.00", "2025-05-01", Status::Rejected);
    fx.disb("A3", "YC", &a, "400.00", "2025-05-02", Status::Pending);
    fx.paid("A4", "YC", &a, "600.00", "2025-06-01");
    fx.paid("A5", "YC", &a, "700.00", "2025-07-01"); // after D
    fx.paid("A6", "DC", &a, "700.00", "2025-03-01");
    fx.paid("A7", "DC", &a, "700.00", "2025-04-01");
    // b: the first payment was reversed before D, so the second one is the only live one
    fx.paid("B1", "YC", &b, "500.00", "2025-02-01");
    fx.reverse("B2", "YC", &b, "-500.00", "2025-03-01", "B1");
    fx.paid("B3", "YC", &b, "500.00", "2025-04-01");
    let v = fx.rule("2025-06-30", Rule::Repeat);
    assert_eq!(
        brief(&v),
        vec![
            row("YC", Some(&a), Some("A3"), Some("400.00")),
            row("YC", Some(&a), Some("A4"), Some("600.00"))
        ]
    );
    // as of before the reversal, B1 is still live and B3… is after D; nothing for b
    assert!(fx.rule("2025-02-28", Rule::Repeat).is_empty());
}

#[test]
fn reversal_dated_after_d_leaves_the_row_live() {
    let fx = Fx::new();
    fx.program("YC", "一次性吸纳就业补贴", 2025, |p| {
        p.once_per_year = true
    });
    let b = fx.ent(2, "元江县因远镇哈尼梯田旅游开发有限公司", Size::Small);
    fx.paid("B1", "YC", &b, "500.00", "2025-02-01");
    fx.paid("B3", "YC", &b, "500.00", "2025-04-01");
    fx.reverse("B2", "YC", &b, "-500.00", "2025-05-01", "B1");
    assert_eq!(
        brief(&fx.rule("2025-04-30", Rule::Repeat)),
        vec![row("YC", Some(&b), Some("B3"), Some("500.00"))]
    );
    assert!(fx.rule("2025-05-31", Rule::Repeat).is_empty());
}

#[test]
fn exclusive_fires_on_vouchers_after_another_program_of_the_group() {
    let fx = Fx::new();
    fx.program("HQ-1", "稳岗返还", 2025, |p| {
        p.exclusive_group = Some("稳岗类".into())
    });
    fx.program("HQ-2", "以工代训", 2025, |p| {
        p.exclusive_group = Some("稳岗类".into())
    });
    fx.program("HQ-3", "其他组项目", 2025, |p| {
        p.exclusive_group = Some("创业类".into())
    });
    let a = fx.ent(1, "元江县澧江街道宏远劳务派遣有限公司", Size::Small);
    let b = fx.ent(2, "元江县甘庄街道同心食品加工厂", Size::Micro);
    let c = fx.ent(3, "元江县因远镇跨年养殖专业合作社", Size::Small);
    fx.paid("A1", "HQ-1", &a, "100.00", "2025-03-01");
    fx.paid("A2", "HQ-2", &a, "200.00", "2025-04-01");
    fx.paid("A3", "HQ-1", &a, "300.00", "2025-05-01");
    fx.paid("A4", "HQ-3", &a, "400.00", "2025-05-02");
    fx.paid("B1", "HQ-1", &b, "100.00", "2025-03-01");
    fx.paid("B2", "HQ-1", &b, "100.00", "2025-04-01");
    fx.disb("B3", "HQ-2", &b, "100.00", "2025-04-02", Status::Rejected);
    fx.paid("C1", "HQ-1", &c, "100.00", "2024-12-01");
    fx.paid("C2", "HQ-2", &c, "100.00", "2025-01-01");
    let v = fx.rule("2025-06-30", Rule::Exclusive);
    assert_eq!(
        brief(&v),
        vec![
            row("HQ-1", Some(&a), Some("A3"), Some("300.00")),
            row("HQ-2", Some(&a), Some("A2"), Some("200.00"))
        ]
    );
}

#[test]
fn ineligible_on_live_rows_of_restricted_programs() {
    let fx = Fx::new();
    fx.program("XW", "小微企业贷款贴息", 2025, |p| {
        p.eligible_sizes = vec![Size::Small, Size::Micro]
    });
    let big = fx.ent(1, "元江县红河电力投资集团有限公司", Size::Large);
    let small = fx.ent(2, "元江县澧江街道小杨米线店", Size::Small);
    fx.disb("L1", "XW", &big, "1000.00", "2025-03-01", Status::Pending);
    fx.disb("L2", "XW", &big, "1000.00", "2025-03-02", Status::Rejected);
    fx.paid("L3", "XW", &big, "2000.00", "2025-03-03");
    fx.reverse("L4", "XW", &big, "-2000.00", "2025-03-04", "L3");
    fx.paid("L5", "XW", &big, "3000.00", "2025-07-01"); // after D
    fx.paid("S1", "XW", &small, "1000.00", "2025-03-01");
    let v = fx.rule("2025-06-30", Rule::Ineligible);
    assert_eq!(
        brief(&v),
        vec![row("XW", Some(&big), Some("L1"), Some("1000.00"))]
    );
}

#[test]
fn duplicate_seven_days_fires_eight_does_not() {
    let fx = Fx::new();
    fx.program("CY", "创业补贴", 2025, |_| {});
    fx.program("CY2", "另一项目", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道青年创业孵化中心", Size::Micro);
    fx.paid("V1", "CY", &a, "5000.00", "2025-03-01");
    fx.paid("V2", "CY", &a, "5000.00", "2025-03-08"); // 7 days
    fx.paid("V3", "CY", &a, "5000.00", "2025-03-16"); // 8 days after V2
    fx.paid("V4", "CY", &a, "4999.99", "2025-03-17"); // other amount
    fx.paid("V5", "CY2", &a, "5000.00", "2025-03-17"); // other program
    fx.paid("W1", "CY", &a, "800.00", "2025-04-01");
    fx.disb("W2", "CY", &a, "800.00", "2025-04-03", Status::Pending);
    fx.disb("W3", "CY", &a, "800.00", "2025-04-05", Status::Approved);
    fx.disb("W4", "CY", &a, "800.00", "2025-04-06", Status::Rejected);
    let v = fx.rule("2025-06-30", Rule::Duplicate);
    assert_eq!(
        brief(&v),
        vec![
            row("CY", Some(&a), Some("V2"), Some("5000.00")),
            row("CY", Some(&a), Some("W2"), Some("800.00")),
            row("CY", Some(&a), Some("W3"), Some("800.00")),
        ]
    );
}

#[test]
fn self_approved_and_stale_pending() {
    let fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2025, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    fx.disb_full(
        "S1",
        "ZF",
        &a,
        "100.00",
        "2025-06-01",
        Status::Paid,
        "小李",
        "小李",
        None,
    );
    fx.disb_full(
        "S2",
        "ZF",
        &a,
        "100.00",
        "2025-06-02",
        Status::Paid,
        "小李",
        "王科长",
        None,
    );
    fx.disb_full(
        "S3",
        "ZF",
        &a,
        "100.00",
        "2025-06-03",
        Status::Pending,
        "",
        "",
        None,
    );
    fx.disb("P1", "ZF", &a, "200.00", "2025-05-30", Status::Pending); // 31 days before 06-30
    fx.disb("P2", "ZF", &a, "300.00", "2025-05-31", Status::Approved); // 30 days
    fx.paid("P3", "ZF", &a, "400.00", "2025-01-31");
    let all = fx.run("2025-06-30");
    let sa: Vec<Finding> = all
        .iter()
        .filter(|f| f.rule == Rule::SelfApproved)
        .cloned()
        .collect();
    let sp: Vec<Finding> = all
        .iter()
        .filter(|f| f.rule == Rule::StalePending)
        .cloned()
        .collect();
    assert_eq!(
        brief(&sa),
        vec![row("ZF", Some(&a), Some("S1"), Some("100.00"))]
    );
    assert_eq!(
        brief(&sp),
        vec![row("ZF", Some(&a), Some("P1"), Some("200.00"))]
    );
}

#[test]
fn performance_rules_and_their_edges() {
    let fx = Fx::new();
    for (code, fy) in [
        ("JX-1", 2024),
        ("JX-2", 2024),
        ("JX-3", 2025),
        ("JX-4", 2025),
        ("JX-5", 2025),
    ] {
        fx.program(code, "绩效项目", fy, |_| {});
    }
    fx.eval("JX-2", 2024, 5999, "2025-07-01"); // after D: JX-2 still unevaluated
    fx.eval("JX-3", 2025, 5999, "2025-03-01");
    fx.eval("JX-4", 2025, 6000, "2025-03-01");
    fx.eval("JX-5", 2025, 5000, "2025-01-01");
    fx.eval("JX-5", 2024, 8500, "2025-02-01"); // latest by date scores well
    for (prog, name, target, actual, dir) in [
        ("JX-3", "带动就业人数", "100", Some("99.5"), Direction::Ge),
        ("JX-3", "资金拨付及时率", "95", Some("95"), Direction::Ge),
        ("JX-4", "投诉率", "2", Some("2.01"), Direction::Le),
        ("JX-4", "平均办理天数", "5", Some("5.0"), Direction::Le),
        ("JX-5", "受益企业数", "50", None, Direction::Ge),
    ] {
        insert_indicator(
            &fx.conn,
            &NewIndicator {
                program_code: prog.into(),
                year: 2025,
                name: name.into(),
                unit: "人".into(),
                target: target.parse::<Decimal>().unwrap(),
                actual: actual.map(|a| a.parse::<Decimal>().unwrap()),
                direction: dir,
            },
        )
        .unwrap();
    }
    let all = fx.run("2025-06-30");
    let of = |r: Rule| {
        brief(
            &all.iter()
                .filter(|f| f.rule == r)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        of(Rule::NoEval),
        vec![row("JX-1", None, None, None), row("JX-2", None, None, None)]
    );
    assert_eq!(of(Rule::LowScore), vec![row("JX-3", None, None, None)]);
    assert_eq!(
        of(Rule::TargetMiss),
        vec![row("JX-3", None, None, None), row("JX-4", None, None, None)]
    );
    let tm: Vec<&Finding> = all.iter().filter(|f| f.rule == Rule::TargetMiss).collect();
    assert_eq!(tm[0].key(), "TARGET_MISS|JX-3||带动就业人数|2025");
    assert!(tm[0].message.contains("带动就业人数"), "{}", tm[0].message);
    // once the 2024 evaluation is dated ≤ D, JX-2 is evaluated (and scores low)
    let later = fx.run("2025-07-31");
    assert!(!later
        .iter()
        .any(|f| f.rule == Rule::NoEval && f.program == "JX-2"));
    assert!(later
        .iter()
        .any(|f| f.rule == Rule::LowScore && f.program == "JX-2"));
}

#[test]
fn findings_are_sorted_error_first_then_rule_program_enterprise_voucher() {
    let fx = Fx::new();
    fx.program("B-XM", "乙项目", 2025, |p| p.once_per_year = true);
    fx.program("A-XM", "甲项目", 2025, |p| p.once_per_year = true);
    let e1 = fx.ent(1, "元江县澧江街道甲企业有限公司", Size::Small);
    let e2 = fx.ent(2, "元江县澧江街道乙企业有限公司", Size::Small);
    for (v, p, e, date) in [
        ("V9", "B-XM", &e2, "2025-02-01"),
        ("V8", "B-XM", &e2, "2025-02-02"),
        ("V7", "B-XM", &e1, "2025-02-01"),
        ("V6", "B-XM", &e1, "2025-02-03"),
        ("V5", "A-XM", &e1, "2025-02-01"),
        ("V4", "A-XM", &e1, "2025-02-05"),
        ("V3", "A-XM", &e1, "2025-02-04"),
    ] {
        fx.disb(v, p, e, "100.00", date, Status::Pending);
    }
    let all = fx.run("2025-06-30");
    let keys: Vec<(Severity, &str, &str, &str, &str)> = all
        .iter()
        .map(|f| {
            (
                f.severity,
                f.rule.as_str(),
                f.program.as_str(),
                f.enterprise.as_deref().unwrap_or(""),
                f.voucher.as_deref().unwrap_or(""),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(all[0].severity, Severity::Error);
    assert_eq!(all.last().map(|f| f.severity), Some(Severity::Warn));
    let repeat: Vec<&str> = all
        .iter()
        .filter(|f| f.rule == Rule::Repeat)
        .filter_map(|f| f.voucher.as_deref())
        .collect();
    assert_eq!(repeat, vec!["V3", "V4", "V6", "V8"]);
    // filters
    let only = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &CheckConfig::default(),
        Lang::En,
        &CheckFilter {
            rules: vec![Rule::Repeat],
            program: Some("B-XM".into()),
            unacknowledged: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        only.iter()
            .map(|f| f.voucher.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["V6", "V8"]
    );
    assert!(
        only[0].message.contains("once-per-year"),
        "{}",
        only[0].message
    );
}

#[test]
fn acknowledgement_round_trip() {
    let mut fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2025, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    fx.disb_full(
        "S1",
        "ZF",
        &a,
        "100.00",
        "2025-06-01",
        Status::Paid,
        "小李",
        "小李",
        None,
    );
    let key = fx.rule("2025-06-30", Rule::SelfApproved)[0].key();
    assert_eq!(key, format!("SELF_APPROVED|ZF|{a}|S1|2025"));
    let boss = crate::users::Actor::load(&fx.conn, "王科长").unwrap();
    crate::ack::acknowledge(&mut fx.conn, &boss, &key, "历史数据，已核实").unwrap();
    let f = &fx.rule("2025-06-30", Rule::SelfApproved)[0];
    assert!(f.acknowledged);
    assert_eq!(
        f.ack.as_ref().map(|a| a.note.as_str()),
        Some("历史数据，已核实")
    );
    crate::ack::acknowledge(&mut fx.conn, &boss, &key, "补充说明").unwrap();
    let f = &fx.rule("2025-06-30", Rule::SelfApproved)[0];
    assert_eq!(f.ack.as_ref().map(|a| a.note.as_str()), Some("补充说明"));
    let hidden = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &CheckConfig::default(),
        Lang::Zh,
        &CheckFilter {
            unacknowledged: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(hidden.iter().all(|f| f.rule != Rule::SelfApproved));
    assert_eq!(crate::audit::verify(&fx.conn).unwrap(), 2);
    assert!(crate::ack::acknowledge(&mut fx.conn, &boss, "NOPE|ZF|||2025", "x").is_err());
    assert!(crate::ack::acknowledge(&mut fx.conn, &boss, "IDLE|ZF||", "x").is_err());
    assert!(crate::ack::acknowledge(&mut fx.conn, &boss, &key, "  ").is_err());
}

#[test]
fn thresholds_come_from_the_configuration() {
    let fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2025, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    fx.disb("P1", "ZF", &a, "200.00", "2025-06-10", Status::Pending); // 20 days
    let cfg = CheckConfig {
        stale_days: 19,
        ..CheckConfig::default()
    };
    let v = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &cfg,
        Lang::Zh,
        &CheckFilter::default(),
    )
    .unwrap();
    assert_eq!(v.iter().filter(|f| f.rule == Rule::StalePending).count(), 1);
    assert!(fx.rule("2025-06-30", Rule::StalePending).is_empty());
}

#[test]
fn figures_from_the_scan_equal_repo_figures() {
    let fx = Fx::new();
    fx.program("WG", "稳岗返还", 2025, |_| {});
    fx.program("KJ", "科技创新券", 2024, |_| {});
    fx.program("KB", "空项目", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    fx.alloc("WG", "2025-01-05", "1000.00");
    fx.alloc("WG", "2025-03-05", "-100.00");
    fx.alloc("KJ", "2024-02-05", "500.00");
    fx.paid("V1", "WG", &a, "300.00", "2025-02-01");
    fx.disb("V2", "WG", &a, "50.00", "2025-04-01", Status::Pending);
    fx.disb("V3", "WG", &a, "20.00", "2025-04-02", Status::Approved);
    fx.disb("V4", "WG", &a, "10.00", "2025-04-03", Status::Rejected);
    fx.paid("V5", "WG", &a, "100.00", "2025-05-02");
    fx.reverse("V6", "WG", &a, "-100.00", "2025-05-20", "V5");
    fx.paid("V7", "KJ", &a, "100.00", "2024-06-01");
    fx.paid("V8", "WG", &a, "100.00", "2025-08-01");
    fx.conn
        .execute("INSERT INTO recovery (program_id, date, amount_fen, reason) SELECT id, '2025-06-01', 5000, 'idle' FROM program WHERE code = 'WG'", [])
        .unwrap();
    for date in [
        "2024-12-31",
        "2025-04-02",
        "2025-05-31",
        "2025-06-30",
        "2025-12-31",
    ] {
        let ctx = Ctx {
            as_of: d(date),
            year: 2025,
            cfg: &CheckConfig::default(),
            lang: Lang::Zh,
        };
        let programs = super::scan::load_programs(&fx.conn).unwrap();
        let data = super::scan::scan(&fx.conn, &ctx, &programs, None, (0, 1)).unwrap();
        let mine = super::scan::figures(&fx.conn, &ctx, &programs, &data.sums).unwrap();
        assert_eq!(
            mine,
            program_figures(&fx.conn, d(date)).unwrap(),
            "as of {date}"
        );
        // the rows as the rules see them, against the table read directly (no index) and
        // ordered in SQL, with "live" worked out by a subquery
        let seen: Vec<String> = data
            .rows
            .iter()
            .map(|r| {
                let date = chrono::NaiveDate::from_num_days_from_ce_opt(r.day).unwrap();
                format!(
                    "{} {} {} {} {} {} {} {} {}",
                    data.voucher(r),
                    r.id,
                    r.enterprise_id,
                    programs[r.prog as usize].code,
                    date,
                    r.amount,
                    r.status.as_str(),
                    r.live,
                    r.self_approved
                )
            })
            .collect();
        let mut stmt = fx
            .conn
            .prepare(
                "SELECT d.voucher_no || ' ' || d.id || ' ' || d.enterprise_id || ' ' || p.code
                        || ' ' || d.date || ' ' || d.amount_fen || ' ' || d.status || ' '
                        || iif(d.reverses_id IS NULL AND d.id NOT IN
                               (SELECT reverses_id FROM disbursement NOT INDEXED
                                WHERE reverses_id IS NOT NULL AND date <= ?1), 'true', 'false')
                        || ' ' || iif(d.approved_by <> '' AND d.approved_by = d.entered_by, 'true', 'false')
                 FROM disbursement d NOT INDEXED JOIN program p ON p.id = d.program_id
                 WHERE d.date <= ?1 AND d.status <> 'rejected'
                 ORDER BY d.enterprise_id, d.date, d.voucher_no",
            )
            .unwrap();
        let want: Vec<String> = stmt
            .query_map([date], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            !seen.is_empty(),
            "V7 (2024-06-01) counts from the first date"
        );
        assert_eq!(seen, want, "as of {date}");
        // the shares of the enterprises together: the same rows in the same order
        let split: Vec<i64> = (0..3)
            .flat_map(|k| {
                let part = super::scan::scan(&fx.conn, &ctx, &programs, None, (k, 3)).unwrap();
                part.rows.iter().map(|r| r.id).collect::<Vec<_>>()
            })
            .collect();
        let whole: Vec<i64> = data.rows.iter().map(|r| r.id).collect();
        assert_eq!(split, whole, "as of {date}");
    }
}

/// The scan reads a range of `ix_disb_enterprise_date` in its own order: no table, no
/// sort. What makes a check fast on a million rows, so it is held here.
#[test]
fn scan_reads_the_covering_enterprise_index_without_sorting() {
    let fx = Fx::new();
    let plan: Vec<String> = fx
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", super::scan::SCAN_SQL))
        .unwrap()
        .query_map(rusqlite::params![1, 9], |r| r.get(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("USING INDEX ix_disb_enterprise_date")
            || plan.contains("USING COVERING INDEX ix_disb_enterprise_date"),
        "{plan}"
    );
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    // and the indexed expression stands in for the table's columns: no row of the table
    // is read (the VDBE program opens the index only)
    let ops: Vec<(String, i64)> = fx
        .conn
        .prepare(&format!("EXPLAIN {}", super::scan::SCAN_SQL))
        .unwrap()
        .query_map(rusqlite::params![1, 9], |r| Ok((r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let table_root: i64 = fx
        .conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'disbursement'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !ops.iter()
            .any(|(op, p2)| op == "OpenRead" && *p2 == table_root),
        "{ops:?}"
    );
}

/// Shares are ranges of enterprise ids that hold every id once, however many there are.
#[test]
fn share_ranges_cover_every_enterprise_once() {
    let fx = Fx::new();
    for i in 1..=10 {
        fx.ent(i, &format!("玉溪市红塔区第{i}机械厂"), Size::Small);
    }
    let ids: Vec<i64> = fx
        .conn
        .prepare("SELECT id FROM enterprise ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids.len(), 10);
    for n in [1, 2, 3, 4, 7, 16] {
        let mut covered: Vec<i64> = Vec::new();
        for k in 0..n {
            let (lo, hi) = super::scan::share_range(&fx.conn, (k, n)).unwrap();
            covered.extend(ids.iter().filter(|&&id| lo <= id && id <= hi));
        }
        assert_eq!(covered, ids, "{n} shares");
    }
    assert_eq!(super::scan::share_range(&fx.conn, (4, 4)).unwrap(), (1, 0));
}

#[test]
fn findings_csv_neutralises_formulas_and_table_aligns_chinese() {
    let fx = Fx::new();
    fx.program("=1+1", "公式项目", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    fx.disb_full(
        "@SUM(A1)",
        "=1+1",
        &a,
        "100.00",
        "2025-06-01",
        Status::Paid,
        "小李",
        "小李",
        None,
    );
    let all = fx.rule("2025-06-30", Rule::SelfApproved);
    let bytes = findings_csv(&all).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let line = text.lines().nth(1).unwrap();
    assert!(line.starts_with("SELF_APPROVED,error,'=1+1,"), "{line}");
    assert!(line.contains(",'@SUM(A1),100.00,"), "{line}");
    let json: serde_json::Value = serde_json::from_str(&findings_json(&all).unwrap()).unwrap();
    assert_eq!(json[0]["program"], "=1+1", "JSON keeps the value as it is");

    let table = crate::report::text_table(
        &["名称".to_string(), "金额".to_string()],
        &[
            vec!["元江县恒达建材".to_string(), "1.00".to_string()],
            vec!["ABC".to_string(), "1,000.00".to_string()],
        ],
        &[1],
    );
    let lines: Vec<&str> = table.lines().collect();
    use unicode_width::UnicodeWidthStr;
    assert_eq!(lines[2].width(), lines[3].width(), "{table}");
    assert!(
        lines[2].ends_with("    1.00") && lines[3].starts_with("ABC "),
        "{table}"
    );
}

// ------------------------------------------------------------------ spec audit (SPEC §3)
// Readings pinned by the independent reference (tests/reference/checks_ref.py); each
// with its near miss.

fn self_row(fx: &Fx, v: &str, cc: &str, date: &str, status: Status) {
    fx.disb_full(v, "ZF", cc, "100.00", date, status, "杨丽", "杨丽", None);
}

#[test]
fn over_cap_voucher_is_the_first_crossing_row_even_if_reversed_later() {
    // "voucher = the row, in (date, voucher_no) order, at which the running total first
    // exceeds the cap": the finding is the enterprise-year total's, the row locates it
    let fx = Fx::new();
    fx.program("KJ", "科技创新券", 2025, |p| {
        p.cap_per_enterprise = Some(yuan("1000.00"))
    });
    let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    let b = fx.ent(2, "元江县甘庄街道绿源种植专业合作社", Size::Small);
    fx.paid("A1", "KJ", &a, "600.00", "2025-02-01");
    fx.paid("A2", "KJ", &a, "500.00", "2025-02-02"); // crosses: 1100
    fx.paid("A3", "KJ", &a, "500.00", "2025-02-03");
    fx.reverse("A4", "KJ", &a, "-500.00", "2025-03-01", "A2"); // year total 1100
                                                               // near miss: the reversal brings the total back to exactly the cap
    fx.paid("B1", "KJ", &b, "600.00", "2025-02-01");
    fx.paid("B2", "KJ", &b, "500.00", "2025-02-02");
    fx.paid("B3", "KJ", &b, "400.00", "2025-02-03");
    fx.reverse("B4", "KJ", &b, "-500.00", "2025-03-01", "B2");
    let v = fx.rule("2025-06-30", Rule::OverCap);
    assert_eq!(
        brief(&v),
        vec![row("KJ", Some(&a), Some("A2"), Some("100.00"))]
    );
    // before the reversal, b is over too (1500), at B2
    assert_eq!(
        brief(&fx.rule("2025-02-28", Rule::OverCap)),
        vec![
            row("KJ", Some(&a), Some("A2"), Some("600.00")),
            row("KJ", Some(&b), Some("B2"), Some("500.00"))
        ]
    );
}

#[test]
fn exclusive_across_three_programs_and_same_day_ties_by_voucher() {
    let fx = Fx::new();
    for c in ["HQ-1", "HQ-2", "HQ-3"] {
        fx.program(c, "吸纳扩岗", 2025, |p| {
            p.exclusive_group = Some("吸纳扩岗".into())
        });
    }
    let a = fx.ent(1, "元江县澧江街道宏远劳务派遣有限公司", Size::Small);
    let b = fx.ent(2, "元江县甘庄街道同心食品加工厂", Size::Micro);
    let c = fx.ent(3, "元江县因远镇哈尼刺绣工坊", Size::Micro);
    fx.paid("A1", "HQ-1", &a, "100.00", "2025-01-10");
    fx.paid("A2", "HQ-2", &a, "200.00", "2025-02-10");
    fx.paid("A3", "HQ-3", &a, "300.00", "2025-03-10");
    // same day: voucher_no order decides which one is "earlier"
    fx.paid("EX-2", "HQ-1", &b, "100.00", "2025-04-01");
    fx.paid("EX-1", "HQ-2", &b, "100.00", "2025-04-01");
    // near miss: the other program's payment was reversed before D, so it is not live
    fx.paid("C1", "HQ-1", &c, "100.00", "2025-01-10");
    fx.reverse("C2", "HQ-1", &c, "-100.00", "2025-01-20", "C1");
    fx.paid("C3", "HQ-2", &c, "100.00", "2025-02-10");
    let v = fx.rule("2025-06-30", Rule::Exclusive);
    assert_eq!(
        brief(&v),
        vec![
            row("HQ-1", Some(&b), Some("EX-2"), Some("100.00")),
            row("HQ-2", Some(&a), Some("A2"), Some("200.00")),
            row("HQ-3", Some(&a), Some("A3"), Some("300.00")),
        ]
    );
}

#[test]
fn duplicate_each_later_one_of_a_chain_at_0_7_14_days() {
    let fx = Fx::new();
    fx.program("CY", "创业补贴", 2025, |_| {});
    let a = fx.ent(1, "元江县澧江街道青年创业孵化中心", Size::Micro);
    let b = fx.ent(2, "元江县因远镇白族刺绣工坊", Size::Micro);
    fx.paid("A1", "CY", &a, "300.00", "2025-03-01");
    fx.paid("A2", "CY", &a, "300.00", "2025-03-08"); // 7 days after A1
    fx.paid("A3", "CY", &a, "300.00", "2025-03-15"); // 7 after A2, 14 after A1
                                                     // near miss: 0 and 14 days without the middle row do not fire
    fx.paid("B1", "CY", &b, "300.00", "2025-03-01");
    fx.paid("B3", "CY", &b, "300.00", "2025-03-15");
    // same day: the later voucher_no is "the later one"
    fx.paid("B-Y", "CY", &b, "50.00", "2025-05-01");
    fx.paid("B-X", "CY", &b, "50.00", "2025-05-01");
    let v = fx.rule("2025-06-30", Rule::Duplicate);
    assert_eq!(
        brief(&v),
        vec![
            row("CY", Some(&a), Some("A2"), Some("300.00")),
            row("CY", Some(&a), Some("A3"), Some("300.00")),
            row("CY", Some(&b), Some("B-Y"), Some("50.00")),
        ]
    );
}

#[test]
fn lagging_amount_rounds_half_up_to_the_fen() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县甘庄街道华侨农场茶叶有限公司", Size::Micro);
    // June: time progress 1/2
    for (code, budget) in [("A", "1000.01"), ("B", "1000.03"), ("C", "1000.02")] {
        fx.program(code, "技改补助", 2025, |_| {});
        fx.alloc(code, "2025-01-10", budget);
    }
    fx.paid("A1", "A", &e, "100.00", "2025-02-01");
    let v = fx.rule("2025-06-30", Rule::Lagging);
    // 500.005 → 500.01 (− 100 paid); 500.015 → 500.02; 500.01 exact
    assert_eq!(
        brief(&v),
        vec![
            row("A", None, None, Some("400.01")),
            row("B", None, None, Some("500.02")),
            row("C", None, None, Some("500.01")),
        ]
    );
    // May: 1000.01 × 5/12 = 416.6708… → 416.67 (below a half: down)
    let v = fx.rule("2025-05-31", Rule::Lagging);
    assert_eq!(v[0].amount.map(|m| m.plain()), Some("316.67".into()));
}

#[test]
fn program_budget_zero_after_reduction_and_reallocated_budget() {
    let fx = Fx::new();
    fx.program("LY", "调减项目", 2025, |_| {});
    fx.alloc("LY", "2025-01-10", "1200.00");
    fx.alloc("LY", "2025-02-10", "-1200.00"); // budget 0: no LAGGING, no IDLE
    fx.program("SK", "收回项目", 2025, |_| {});
    fx.alloc("SK", "2025-01-10", "1200.00");
    fx.program("TC", "统筹项目", 2025, |_| {});
    insert_recovery(
        &fx.conn,
        &NewRecovery {
            program_code: "SK".into(),
            date: d("2025-03-01"),
            amount: yuan("1200.00"),
            reason: crate::model::Reason::Idle,
            doc_no: "元财预〔2025〕8号".into(),
            credit_code: None,
            reallocated_to: Some("TC".into()),
            note: String::new(),
        },
    )
    .unwrap();
    let all = fx.run("2025-06-30");
    let got: Vec<(Rule, String, Option<String>)> = all
        .iter()
        .map(|f| (f.rule, f.program.clone(), f.amount.map(|m| m.plain())))
        .collect();
    // SK: a recovery lowers the balance (0: not idle) but not the budget, so SK lags;
    // TC: the reallocated 1200 is its budget, never paid, idle from 2025-03-01
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        got,
        vec![
            (Rule::Idle, "TC".to_string(), s("1200.00")),
            (Rule::Lagging, "SK".to_string(), s("600.00")),
            (Rule::Lagging, "TC".to_string(), s("600.00")),
        ]
    );
    assert!(
        fx.rule("2025-05-29", Rule::Idle).is_empty(),
        "89 days after the reallocation"
    );
    assert_eq!(fx.rule("2025-05-30", Rule::Idle).len(), 1);
}

#[test]
fn recover_due_for_a_program_never_paid_counts_from_its_first_allocation() {
    let fx = Fx::new();
    fx.program("N-365", "一年未用", 2024, |p| {
        p.end_date = Some(d("2026-12-31"))
    });
    fx.alloc("N-365", "2024-06-30", "100.00"); // 365 days before 2025-06-30
    fx.program("N-364", "364天", 2024, |p| {
        p.end_date = Some(d("2026-12-31"))
    });
    fx.alloc("N-364", "2024-07-01", "100.00");
    let all = fx.run("2025-06-30");
    let of = |r: Rule| {
        all.iter()
            .filter(|f| f.rule == r)
            .map(|f| f.program.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(Rule::RecoverDue), vec!["N-365"]);
    assert_eq!(of(Rule::Idle), vec!["N-364"]);
}

#[test]
fn low_score_same_day_evaluations_take_the_later_year() {
    let fx = Fx::new();
    fx.program("JX-1", "绩效项目", 2024, |_| {});
    fx.program("JX-2", "绩效项目", 2024, |_| {});
    fx.eval("JX-1", 2023, 5000, "2025-02-15");
    fx.eval("JX-1", 2024, 9000, "2025-02-15"); // latest: 90 → fine
    fx.eval("JX-2", 2023, 9000, "2025-02-15");
    fx.eval("JX-2", 2024, 5999, "2025-02-15"); // latest: 59.99 → low
    let v = fx.rule("2025-06-30", Rule::LowScore);
    assert_eq!(brief(&v), vec![row("JX-2", None, None, None)]);
}

#[test]
fn self_approved_only_on_rows_that_count_and_are_live() {
    // "Only rows dated ≤ D count", "Rejected rows count nowhere", and reversal/reversed
    // rows "never produce voucher findings of their own"
    let fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2025, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    self_row(&fx, "S1", &a, "2025-03-01", Status::Paid);
    self_row(&fx, "S2", &a, "2025-03-01", Status::Approved);
    self_row(&fx, "S3", &a, "2025-03-01", Status::Rejected);
    self_row(&fx, "S4", &a, "2025-07-05", Status::Paid); // after D
    self_row(&fx, "S5", &a, "2025-03-02", Status::Paid);
    fx.reverse("S6", "ZF", &a, "-100.00", "2025-03-10", "S5");
    let v = fx.rule("2025-06-30", Rule::SelfApproved);
    assert_eq!(
        brief(&v),
        vec![
            row("ZF", Some(&a), Some("S1"), Some("100.00")),
            row("ZF", Some(&a), Some("S2"), Some("100.00"))
        ]
    );
    // before the reversal S5 is live and fires
    assert_eq!(fx.rule("2025-03-09", Rule::SelfApproved).len(), 3);
}

#[test]
fn target_miss_on_every_indicator_with_an_actual() {
    // indicators carry no date: every indicator with an actual counts, whatever its year
    let fx = Fx::new();
    fx.program("JX", "绩效项目", 2025, |_| {});
    for (year, name, actual) in [(2026, "明年指标", "1"), (2025, "今年指标", "10")] {
        insert_indicator(
            &fx.conn,
            &NewIndicator {
                program_code: "JX".into(),
                year,
                name: name.into(),
                unit: "户".into(),
                target: "10".parse::<Decimal>().unwrap(),
                actual: Some(actual.parse::<Decimal>().unwrap()),
                direction: Direction::Ge,
            },
        )
        .unwrap();
    }
    let v = fx.rule("2025-06-30", Rule::TargetMiss);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].key(), "TARGET_MISS|JX||明年指标|2026");
}

#[test]
fn findings_sort_by_byte_order_of_codes() {
    let fx = Fx::new();
    for c in ["项目甲", "a-low", "Z-up", "Ⅱ-1"] {
        fx.program(c, "排序项目", 2025, |p| p.once_per_year = true);
    }
    let e = fx.ent(1, "元江县澧江街道甲企业有限公司", Size::Small);
    for c in ["项目甲", "a-low", "Z-up", "Ⅱ-1"] {
        for v in ["b-1", "B-2", "凭-1", "10", "9"] {
            fx.disb(
                &format!("{c}{v}"),
                c,
                &e,
                "1.00",
                "2025-03-03",
                Status::Pending,
            );
        }
    }
    let got: Vec<String> = fx
        .rule("2025-03-31", Rule::Repeat)
        .into_iter()
        .filter_map(|f| f.voucher)
        .collect();
    let mut want = Vec::new();
    for c in ["Z-up", "a-low", "Ⅱ-1", "项目甲"] {
        // "10" is the first by voucher_no, so it is not a repeat
        for v in ["9", "B-2", "b-1", "凭-1"] {
            want.push(format!("{c}{v}"));
        }
    }
    assert_eq!(got, want);
}

#[test]
fn acknowledgement_under_other_readings_of_the_key_year() {
    let mut fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2024, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    self_row(&fx, "S1", &a, "2024-12-20", Status::Paid);
    self_row(&fx, "S2", &a, "2024-12-21", Status::Paid);
    for name in ["户数", "及时率"] {
        insert_indicator(
            &fx.conn,
            &NewIndicator {
                program_code: "ZF".into(),
                year: 2024,
                name: name.into(),
                unit: String::new(),
                target: "10".parse::<Decimal>().unwrap(),
                actual: Some("9".parse::<Decimal>().unwrap()),
                direction: Direction::Ge,
            },
        )
        .unwrap();
    }
    let boss = crate::users::Actor::load(&fx.conn, "王科长").unwrap();
    // a 2024 voucher seen in a 2025 run, acknowledged under the year of D
    crate::ack::acknowledge(
        &mut fx.conn,
        &boss,
        &format!("SELF_APPROVED|ZF|{a}|S1|2025"),
        "已核实",
    )
    .unwrap();
    // near miss: another year names nothing
    crate::ack::acknowledge(
        &mut fx.conn,
        &boss,
        &format!("SELF_APPROVED|ZF|{a}|S2|2023"),
        "错年",
    )
    .unwrap();
    let acked = |fx: &Fx, as_of: &str, rule: Rule| -> Vec<bool> {
        fx.rule(as_of, rule)
            .iter()
            .map(|f| f.acknowledged)
            .collect()
    };
    assert_eq!(
        acked(&fx, "2025-01-31", Rule::SelfApproved),
        vec![true, false]
    );
    assert_eq!(
        acked(&fx, "2024-12-31", Rule::SelfApproved),
        vec![false, false]
    );
    // TARGET_MISS: the literal key (voucher part empty) acknowledges the program's
    // indicators of that year; another program's does not
    assert_eq!(
        acked(&fx, "2025-01-31", Rule::TargetMiss),
        vec![false, false]
    );
    crate::ack::acknowledge(&mut fx.conn, &boss, "TARGET_MISS|ZX|||2024", "x").unwrap();
    assert_eq!(
        acked(&fx, "2025-01-31", Rule::TargetMiss),
        vec![false, false]
    );
    crate::ack::acknowledge(&mut fx.conn, &boss, "TARGET_MISS|ZF|||2024", "整改中").unwrap();
    assert_eq!(acked(&fx, "2025-01-31", Rule::TargetMiss), vec![true, true]);
}

/// Programs with every kind of condition, 60 enterprises (53 with rows), 1,500 rows of every status
/// (some self-approved), a few repeated three days later, reversals of some paid rows.
fn mixed_ledger() -> Fx {
    let fx = Fx::new();
    fx.conn
        .execute_batch(
            "WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 12)
             INSERT INTO program (id, code, name, department, level, fiscal_year, cap_per_enterprise_fen,
                                  once_per_year, exclusive_group, eligible_sizes, policy_ref)
             SELECT x, printf('XM%02d', x), '惠企项目' || x, '县人社局', 'county', 2025,
                    CASE WHEN x % 3 = 0 THEN 200000 END, x % 4 = 0,
                    CASE WHEN x % 5 < 2 THEN '就业补贴' || (x % 2) END,
                    CASE WHEN x % 6 = 0 THEN 'small;micro' ELSE '' END,
                    '元人社〔2025〕' || x || '号'
             FROM i;
             INSERT INTO allocation (program_id, date, amount_fen, doc_no)
             SELECT id, '2025-01-15', 3000000, '元财〔2025〕1号' FROM program;
             WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 60)
             INSERT INTO enterprise (id, credit_code, name, size)
             SELECT x, printf('91530428%010d', x), '元江县企业' || x || '有限公司',
                    CASE x % 4 WHEN 0 THEN 'medium' WHEN 1 THEN 'small' WHEN 2 THEN 'micro' ELSE 'individual' END
             FROM i;
             WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 1500)
             INSERT INTO disbursement (id, voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by)
             SELECT x, printf('PZ%05d', x), 1 + (x * 7) % 12, 1 + (x * 13) % 53,
                    100 * (100 + (x % 9) * 250),
                    date('2024-11-01', '+' || ((x * 37) % 300) || ' days'),
                    CASE WHEN x % 9 = 0 THEN 'pending' WHEN x % 11 = 0 THEN 'approved'
                         WHEN x % 13 = 0 THEN 'rejected' ELSE 'paid' END,
                    '小李', CASE WHEN x % 50 = 0 THEN '小李' ELSE '王科长' END
             FROM i;
             INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by)
             SELECT 'CF' || id, program_id, enterprise_id, amount_fen, date(date, '+3 days'), status, entered_by, approved_by
             FROM disbursement WHERE id % 31 = 0;
             INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, reverses_id)
             SELECT 'CX' || id, program_id, enterprise_id, -amount_fen, date(date, '+20 days'), 'paid', '王科长', id
             FROM disbursement WHERE status = 'paid' AND id % 17 = 0;",
        )
        .unwrap();
    fx
}

#[test]
fn the_enterprise_filter_is_the_full_run_restricted_to_that_enterprise() {
    let fx = mixed_ledger();
    let cfg = CheckConfig::default();
    let codes: Vec<String> = fx
        .conn
        .prepare("SELECT credit_code FROM enterprise ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut rules = std::collections::HashSet::new();
    for as_of in ["2025-03-31", "2025-06-30", "2025-09-30"] {
        let all = fx.run(as_of);
        rules.extend(all.iter().map(|f| f.rule));
        let mut seen = 0;
        for code in &codes {
            let filter = CheckFilter {
                enterprise: Some(code.to_lowercase()),
                ..Default::default()
            };
            let mine = run_checks(&fx.conn, d(as_of), &cfg, Lang::Zh, &filter).unwrap();
            let expected: Vec<Finding> = all
                .iter()
                .filter(|f| f.enterprise.as_deref() == Some(code.as_str()))
                .cloned()
                .collect();
            assert_eq!(mine, expected, "{code} as of {as_of}");
            seen += mine.len();
        }
        // every enterprise-level finding belongs to one of them
        assert_eq!(seen, all.iter().filter(|f| f.enterprise.is_some()).count());
        assert!(seen > 50, "the ledger exercises the rules: {seen}");
    }
    for r in [
        Rule::OverCap,
        Rule::Repeat,
        Rule::Exclusive,
        Rule::Ineligible,
        Rule::Duplicate,
        Rule::SelfApproved,
        Rule::StalePending,
    ] {
        assert!(rules.contains(&r), "{r:?}");
    }
    let none = CheckFilter {
        enterprise: Some("91530428MA6K99999X".into()),
        ..Default::default()
    };
    assert!(run_checks(&fx.conn, d("2025-06-30"), &cfg, Lang::Zh, &none)
        .unwrap()
        .is_empty());
    // program-level rules only: nothing names an enterprise
    let lagging = CheckFilter {
        rules: vec![Rule::Lagging],
        enterprise: Some(codes[0].clone()),
        ..Default::default()
    };
    assert!(
        run_checks(&fx.conn, d("2025-06-30"), &cfg, Lang::Zh, &lagging)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_finding_cites_its_basis_and_nothing_else_changes() {
    let fx = mixed_ledger();
    let plain = fx.run("2025-06-30");
    assert!(plain.iter().all(|f| !f.basis.is_empty()), "all cite");
    let repeat = plain.iter().find(|f| f.rule == Rule::Repeat).unwrap();
    let n: String = repeat
        .program
        .trim_start_matches("XM")
        .trim_start_matches('0')
        .into();
    assert_eq!(
        &*repeat.basis,
        &*format!("元人社〔2025〕{n}号：同一企业一年内只能享受一次")
    );
    let cap = plain.iter().find(|f| f.rule == Rule::OverCap).unwrap();
    assert!(
        cap.basis.ends_with("每家企业每年不超过2,000.00元"),
        "{}",
        cap.basis
    );
    let program_level = plain.iter().find(|f| f.enterprise.is_none()).unwrap();
    assert!(
        !program_level.basis.contains("元人社"),
        "{}",
        program_level.basis
    );
    // configured texts change the basis, and only the basis
    let cfg = crate::config::Config::from_toml(
        "[basis.\"*\"]\nREPEAT = \"每年限享受一次\"\n[basis.XM04]\nREPEAT = \"元人社〔2025〕4号规定：同一企业一年内只能享受一次\"\n",
        "config.toml",
    )
    .unwrap();
    let configured = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &cfg.checks,
        Lang::Zh,
        &CheckFilter::default(),
    )
    .unwrap();
    assert_eq!(configured.len(), plain.len());
    for (a, b) in plain.iter().zip(&configured) {
        assert_eq!(
            (a.key(), &a.message, a.amount),
            (b.key(), &b.message, b.amount)
        );
        match (b.rule, b.program.as_str()) {
            (Rule::Repeat, "XM04") => {
                assert_eq!(
                    &*b.basis,
                    "元人社〔2025〕4号规定：同一企业一年内只能享受一次"
                )
            }
            (Rule::Repeat, p) => assert!(
                b.basis.ends_with("号：每年限享受一次")
                    && b.basis
                        .contains(&p[2..].trim_start_matches('0').to_string()),
                "{p}: {}",
                b.basis
            ),
            _ => assert_eq!(a.basis, b.basis),
        }
    }
    // English
    let en = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &CheckConfig::default(),
        Lang::En,
        &CheckFilter {
            rules: vec![Rule::Repeat],
            ..Default::default()
        },
    )
    .unwrap();
    assert!(en[0]
        .basis
        .ends_with("号: an enterprise may receive it only once a year"));
}

fn run_with(fx: &Fx, as_of: &str, cfg: &CheckConfig, rule: Rule) -> Vec<Finding> {
    run_checks(&fx.conn, d(as_of), cfg, Lang::Zh, &CheckFilter::default())
        .unwrap()
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

fn extra(rules: &[&str]) -> CheckConfig {
    CheckConfig {
        extra_rules: rules.iter().map(|r| r.to_string()).collect(),
        ..CheckConfig::default()
    }
}

#[test]
fn balance_rate_fires_strictly_above_five_percent_on_finished_programs() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    for (code, fy, paid) in [("BR-1", 2024, "949.99"), ("BR-2", 2024, "950.00")] {
        fx.program(code, "上年度稳岗返还", fy, |_| {});
        fx.alloc(code, &format!("{fy}-01-05"), "1000.00");
        fx.paid(&format!("{code}-V"), code, &e, paid, &format!("{fy}-03-01"));
    }
    fx.program("BR-3", "到期项目", 2025, |p| {
        p.end_date = Some(d("2025-06-29"))
    });
    fx.alloc("BR-3", "2025-01-05", "1000.00");
    fx.paid("BR-3-V", "BR-3", &e, "900.00", "2025-03-01");
    fx.program("BR-4", "执行中项目", 2025, |_| {});
    fx.alloc("BR-4", "2025-01-05", "1000.00");
    fx.program("BR-5", "已关闭项目", 2025, |p| {
        p.status = ProgramStatus::Closed
    });
    fx.alloc("BR-5", "2025-01-05", "1000.00");
    fx.program("BR-6", "无指标项目", 2024, |_| {});
    let v = run_with(
        &fx,
        "2025-06-30",
        &extra(&["BALANCE_RATE"]),
        Rule::BalanceRate,
    );
    assert_eq!(
        brief(&v),
        vec![
            row("BR-1", None, None, Some("50.01")),
            row("BR-3", None, None, Some("100.00")),
            row("BR-5", None, None, Some("1000.00")),
        ]
    );
    assert_eq!(v[0].severity, Severity::Warn);
    assert!(
        v[0].message.contains("结余率 5.00% 超过 5%"),
        "{}",
        v[0].message
    );
    assert_eq!(v[0].key(), "BALANCE_RATE|BR-1|||2025");
    // off by default; naming it runs it
    assert!(fx.rule("2025-06-30", Rule::BalanceRate).is_empty());
    let named = CheckFilter {
        rules: vec![Rule::BalanceRate],
        ..CheckFilter::default()
    };
    let v = run_checks(
        &fx.conn,
        d("2025-06-30"),
        &CheckConfig::default(),
        Lang::Zh,
        &named,
    )
    .unwrap();
    assert_eq!(v.len(), 3);
    // the threshold is configurable
    let cfg = CheckConfig {
        balance_rate_pct: 10,
        ..extra(&["BALANCE_RATE"])
    };
    let v = run_with(&fx, "2025-06-30", &cfg, Rule::BalanceRate);
    assert_eq!(brief(&v), vec![row("BR-5", None, None, Some("1000.00"))]);
}

#[test]
fn on_time_fires_below_ninety_percent_counting_working_days_across_national_day() {
    let fx = Fx::new();
    let e = fx.ent(1, "元江县甘庄街道华侨农场茶叶有限公司", Size::Micro);
    // approved Friday 09-26; paid 10-16 is 10 working days later (09-28 and 10-11 are
    // 调休 working days, 10-01..10-08 off), 10-17 is 11
    for (code, on_time, late) in [("OT-A", 9, 1), ("OT-B", 8, 1), ("OT-C", 0, 0)] {
        fx.program(code, "稳岗返还", 2025, |_| {});
        fx.alloc(code, "2025-01-05", "100000.00");
        for k in 0..on_time + late {
            let paid = if k < on_time {
                "2025-10-16"
            } else {
                "2025-10-17"
            };
            fx.paid_dated(
                &format!("{code}-{k}"),
                code,
                &e,
                "100.00",
                "2025-09-25",
                "2025-09-26",
                paid,
            );
        }
    }
    fx.paid("OT-C-X", "OT-C", &e, "100.00", "2025-09-25"); // no dates: OT-C has no rate
    let v = run_with(&fx, "2025-10-31", &extra(&["ON_TIME"]), Rule::OnTime);
    assert_eq!(brief(&v), vec![row("OT-B", None, None, None)]);
    assert!(
        v[0].message.contains("按时发放率 88.89%（9 笔中 8 笔"),
        "{}",
        v[0].message
    );
    // as of 10-16 the late rows are not paid yet: nothing fires
    assert!(run_with(&fx, "2025-10-16", &extra(&["ON_TIME"]), Rule::OnTime).is_empty());
    assert!(
        fx.rule("2025-10-31", Rule::OnTime).is_empty(),
        "off by default"
    );
}

#[test]
fn alloc_late_thirty_working_days_from_receipt() {
    let fx = Fx::new();
    // received Monday 09-01: the 30th working day after it is 10-17 (09-28 and 10-11 worked,
    // 10-01..10-08 off)
    assert_eq!(
        CheckConfig::default()
            .calendar
            .add_working_days(d("2025-09-01"), 30),
        d("2025-10-17")
    );
    for code in ["AL-1", "AL-2", "AL-3", "AL-4", "AL-5", "AL-6"] {
        fx.program(code, "中小企业纾困资金", 2025, |_| {});
    }
    fx.alloc_dated(
        "AL-1",
        "2025-08-29",
        "1000.00",
        "2025-09-01",
        Some("2025-10-17"),
    );
    fx.alloc_dated(
        "AL-2",
        "2025-08-29",
        "2000.00",
        "2025-09-01",
        Some("2025-10-20"),
    );
    fx.alloc_dated("AL-3", "2025-08-29", "3000.00", "2025-09-01", None);
    fx.alloc_dated(
        "AL-4",
        "2025-08-29",
        "4000.00",
        "2025-09-01",
        Some("2025-11-05"),
    );
    fx.alloc_dated(
        "AL-5",
        "2024-01-02",
        "5000.00",
        "2024-01-02",
        Some("2024-06-03"),
    );
    fx.alloc("AL-6", "2025-08-29", "6000.00"); // no receipt date
    fx.alloc_dated("AL-6", "2025-09-01", "-600.00", "2025-09-01", None); // 调减
    let cfg = extra(&["ALLOC_LATE"]);
    let v = run_with(&fx, "2025-10-31", &cfg, Rule::AllocLate);
    assert_eq!(
        brief(&v),
        vec![
            row("AL-2", None, None, Some("2000.00")),
            row("AL-3", None, None, Some("3000.00")),
            row("AL-4", None, None, Some("4000.00")),
        ]
    );
    assert_eq!(
        v[0].key(),
        "ALLOC_LATE|AL-2||2025-09-01 玉财社〔2025〕12号|2025"
    );
    assert!(
        v[1].message.contains("已 40 个工作日未分解下达"),
        "{}",
        v[1].message
    );
    // on the deadline itself nothing is late yet
    assert!(run_with(&fx, "2025-10-17", &cfg, Rule::AllocLate).is_empty());
    let v = run_with(&fx, "2025-10-20", &cfg, Rule::AllocLate);
    assert_eq!(
        v.len(),
        3,
        "10-20: AL-2 passed on late, AL-3 and AL-4 overdue"
    );
    assert!(
        fx.rule("2025-10-31", Rule::AllocLate).is_empty(),
        "off by default"
    );
}

#[test]
fn stale_pending_in_working_days_when_configured() {
    let fx = Fx::new();
    fx.program("ZF", "中小企业纾困资金", 2025, |_| {});
    let a = fx.ent(1, "元江县甘庄街道新希望饲料有限公司", Size::Medium);
    // as of 10-31: 09-12 is 31 working days back, 09-15 is 30, 09-26 is 21 (35 calendar days)
    fx.disb("P1", "ZF", &a, "100.00", "2025-09-12", Status::Pending);
    fx.disb("P2", "ZF", &a, "200.00", "2025-09-15", Status::Approved);
    fx.disb("P3", "ZF", &a, "300.00", "2025-09-26", Status::Pending);
    let calendar_days: Vec<Brief> = brief(&fx.rule("2025-10-31", Rule::StalePending));
    assert_eq!(calendar_days.len(), 3, "the default counts calendar days");
    let cfg = CheckConfig {
        stale_working_days: true,
        ..CheckConfig::default()
    };
    let v = run_with(&fx, "2025-10-31", &cfg, Rule::StalePending);
    assert_eq!(
        brief(&v),
        vec![row("ZF", Some(&a), Some("P1"), Some("100.00"))]
    );
    assert!(v[0].message.contains("31 个工作日"), "{}", v[0].message);
}

#[test]
fn extra_rules_are_parsed_and_labelled() {
    for r in Rule::EXTRA {
        assert!(r.is_extra() && Rule::ALL.contains(r));
        assert_eq!(Rule::parse(r.as_str()), Some(*r));
        assert_eq!(Rule::parse(r.label(Lang::Zh)), Some(*r));
        assert!(!r.label(Lang::En).is_empty());
    }
    assert_eq!(Rule::parse("alloc-late"), Some(Rule::AllocLate));
    assert_eq!(Rule::ALL.iter().filter(|r| !r.is_extra()).count(), 14);
}

/// The checks read in shares of the enterprises (the TUI's background run) find exactly
/// what one pass finds, in the same order, on generated data with every kind of finding.
#[test]
fn checks_in_shares_find_what_one_pass_finds() {
    let conn = crate::repo::summary::tests::generated();
    let cfg = CheckConfig::default();
    let mut kinds = std::collections::BTreeSet::new();
    for date in ["2024-06-30", "2024-12-31", "2025-05-31", "2025-12-31"] {
        let one = run_checks(&conn, d(date), &cfg, Lang::Zh, &CheckFilter::default()).unwrap();
        kinds.extend(one.iter().map(|f| f.rule));
        for shares in [2, 3, 7] {
            let split = super::run_checks_in_shares(
                &conn,
                d(date),
                &cfg,
                Lang::Zh,
                &CheckFilter::default(),
                shares,
            )
            .unwrap();
            assert_eq!(split, one, "as of {date} in {shares} shares");
        }
    }
    assert!(
        kinds.len() >= 7,
        "the data set exercises the rules: {kinds:?}"
    );
}

/// The checks on two connections at once (`zhida check` on two cores) find exactly what
/// one pass finds and give the write lock back; when a clerk holds the write lock the run
/// falls back to one pass at once and finds the same.
#[test]
fn checks_alongside_a_second_connection_find_what_one_pass_finds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("直达资金.db");
    crate::repo::summary::tests::generated()
        .execute("VACUUM INTO ?1", [path.to_str().unwrap()])
        .unwrap();
    let conn = crate::db::open(&path).unwrap();
    let cfg = CheckConfig::default();
    let all = CheckFilter::default();
    for date in ["2024-12-31", "2025-05-31", "2025-12-31"] {
        let one = run_checks(&conn, d(date), &cfg, Lang::Zh, &all).unwrap();
        assert!(one.len() > 100, "as of {date}: {} findings", one.len());
        let helper = crate::db::open_reader(&path).unwrap();
        let two =
            super::run_checks_alongside(&conn, helper, d(date), &cfg, Lang::Zh, &all).unwrap();
        assert_eq!(two, one, "as of {date} on two connections");
        assert!(conn.is_autocommit(), "the write lock is given back");
    }
    // a filter on one enterprise reads only its rows, on the caller's connection
    let one = run_checks(&conn, d("2025-12-31"), &cfg, Lang::Zh, &all).unwrap();
    let code = one
        .iter()
        .find_map(|f| f.enterprise.clone())
        .expect("an enterprise finding");
    let only = CheckFilter {
        enterprise: Some(code.clone()),
        ..CheckFilter::default()
    };
    let helper = crate::db::open_reader(&path).unwrap();
    let two =
        super::run_checks_alongside(&conn, helper, d("2025-12-31"), &cfg, Lang::Zh, &only).unwrap();
    let want: Vec<_> = one
        .iter()
        .filter(|f| f.enterprise.as_deref() == Some(code.as_str()))
        .cloned()
        .collect();
    assert_eq!(two, want);

    // a clerk holds the write lock: one pass instead, the same findings, no waiting
    let clerk = crate::db::open(&path).unwrap();
    clerk.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let helper = crate::db::open_reader(&path).unwrap();
    let two =
        super::run_checks_alongside(&conn, helper, d("2025-12-31"), &cfg, Lang::Zh, &all).unwrap();
    assert_eq!(two, one);
    assert!(
        started.elapsed() < crate::db::BUSY_TIMEOUT,
        "did not wait for the clerk"
    );
    clerk.execute_batch("ROLLBACK").unwrap();
}

/// The packed findings (the TUI's copy) expand to exactly what `run_checks` returns, in
/// the same order — on generated data with every kind of finding, acknowledged ones among
/// them, in both languages, in one pass and in shares, filtered and not — and take a
/// fraction of the memory.
#[test]
fn compact_findings_expand_to_what_run_checks_returns() {
    let conn = crate::repo::summary::tests::generated();
    let cfg = CheckConfig::default();
    // acknowledge every fifth finding of 2025-12, a program-level one among them
    let all = run_checks(
        &conn,
        d("2025-12-31"),
        &cfg,
        Lang::Zh,
        &CheckFilter::default(),
    )
    .unwrap();
    let mut acked = 0;
    for (i, f) in all.iter().enumerate() {
        if i % 5 == 0 || (f.enterprise.is_none() && acked < 1_000) {
            conn.execute(
                "INSERT OR IGNORE INTO finding_ack (key, note, by, at) VALUES (?1, ?2, '王科长', '2026-01-05T09:00:00')",
                rusqlite::params![f.key(), format!("已核实 {i}")],
            )
            .unwrap();
            acked += 1;
        }
    }
    let mut kinds = std::collections::BTreeSet::new();
    let filters = [
        CheckFilter::default(),
        CheckFilter {
            unacknowledged: true,
            ..CheckFilter::default()
        },
        CheckFilter {
            rules: vec![Rule::Repeat, Rule::Lagging],
            ..CheckFilter::default()
        },
    ];
    for date in ["2024-12-31", "2025-05-31", "2025-12-31"] {
        for lang in [Lang::Zh, Lang::En] {
            for filter in &filters {
                let want = run_checks(&conn, d(date), &cfg, lang, filter).unwrap();
                kinds.extend(want.iter().map(|f| f.rule));
                for shares in [1, 4] {
                    let packed =
                        super::run_checks_compact(&conn, d(date), &cfg, lang, filter, shares)
                            .unwrap();
                    assert_eq!(packed.len(), want.len());
                    assert_eq!(packed.to_vec(), want, "as of {date} in {shares} shares");
                    for (p, w) in packed.iter().zip(&want) {
                        assert_eq!(p.key(), w.key());
                        assert_eq!(&**p.basis, &*w.basis);
                    }
                }
            }
        }
    }
    assert!(
        kinds.len() >= 7,
        "the data set exercises the rules: {kinds:?}"
    );
    let want = run_checks(
        &conn,
        d("2025-12-31"),
        &cfg,
        Lang::Zh,
        &CheckFilter::default(),
    )
    .unwrap();
    assert!(want.iter().filter(|f| f.acknowledged).count() >= all.len() / 5);
    // the accessors that do not expand a finding tell what the expanded one says
    let packed = CompactFindings::from_findings(want.clone());
    for (i, f) in want.iter().enumerate() {
        assert_eq!(packed.rule_at(i), f.rule);
        assert_eq!(packed.severity_at(i), f.severity);
        assert_eq!(packed.acknowledged_at(i), f.acknowledged);
        assert_eq!(packed.program_at(i), f.program);
    }
    let (e, o, w, a) = packed.counts();
    let (e2, w2) = count_by_severity(&want);
    assert_eq!((e, w), (e2, w2));
    let open = |s: Severity| {
        want.iter()
            .filter(|f| f.severity == s && !f.acknowledged)
            .count()
    };
    assert_eq!(o, open(Severity::Error));
    assert_eq!(a, want.iter().filter(|f| f.acknowledged).count());
    assert!(o < e && a > 0, "some errors acknowledged");
    // packing a list as it is keeps it as it is
    assert_eq!(CompactFindings::from_findings(want.clone()).to_vec(), want);
    // a fraction of the memory of the findings themselves
    let packed = CompactFindings::from_findings(want.clone());
    let owned: usize = want
        .iter()
        .map(|f| {
            std::mem::size_of::<Finding>()
                + f.program.capacity()
                + f.enterprise.as_ref().map_or(0, String::capacity)
                + f.voucher.as_ref().map_or(0, String::capacity)
                + f.message.capacity()
                + f.key_detail.as_ref().map_or(0, String::capacity)
                + f.ack.as_ref().map_or(0, |a| {
                    std::mem::size_of::<Ack>()
                        + a.note.capacity()
                        + a.by.capacity()
                        + a.at.capacity()
                })
        })
        .sum();
    assert!(
        packed.heap_bytes() * 2 < owned,
        "packed {} bytes, owned {owned}",
        packed.heap_bytes()
    );
}

/// Acknowledging in the packed list marks exactly the findings with that key, as a new
/// run of the checks would.
#[test]
fn compact_findings_acknowledge_by_key() {
    let conn = crate::repo::summary::tests::generated();
    let cfg = CheckConfig::default();
    let as_of = d("2025-12-31");
    let mut packed =
        super::run_checks_compact(&conn, as_of, &cfg, Lang::Zh, &CheckFilter::default(), 2)
            .unwrap();
    let key = packed.at(packed.len() / 2).key();
    assert!(packed.iter().all(|f| !f.acknowledged));
    let ack = Ack {
        note: "已核实".into(),
        by: "王科长".into(),
        at: "2026-01-05T09:00:00".into(),
    };
    assert_eq!(packed.acknowledge("NOPE|X|||2025", &ack), 0);
    let n = packed.acknowledge(&key, &ack);
    assert!(n >= 1);
    conn.execute(
        "INSERT INTO finding_ack (key, note, by, at) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![key, ack.note, ack.by, ack.at],
    )
    .unwrap();
    let want = run_checks(&conn, as_of, &cfg, Lang::Zh, &CheckFilter::default()).unwrap();
    assert_eq!(packed.to_vec(), want);
    assert_eq!(packed.iter().filter(|f| f.acknowledged).count(), n);
}

proptest::proptest! {
    /// `has_key` answers what comparing the made key answers, for parts that share
    /// prefixes, are empty or hold the separator itself, and for every finding's key
    /// against every other's.
    #[test]
    fn has_key_is_comparing_the_key(
        parts in proptest::collection::vec(
            (0usize..3, "(WG|WG2|稳岗|\\|)", proptest::option::of("(9153|9153\\||)"),
             proptest::option::of("(PZ|PZ1|凭证|\\|)"), proptest::option::of("(指标|)"), 2024i32..2026),
            1..6),
    ) {
        let findings: Vec<Finding> = parts
            .iter()
            .map(|(r, p, e, v, k, y)| {
                let mut f = Finding::new(
                    [Rule::OverCap, Rule::Repeat, Rule::Lagging][*r],
                    p,
                    e.as_deref(),
                    v.as_deref(),
                    None,
                    *y,
                    "说明".to_string(),
                );
                f.key_detail = k.clone();
                f
            })
            .collect();
        let packed = CompactFindings::from_findings(findings);
        for a in packed.iter() {
            let key = a.key();
            for b in packed.iter() {
                proptest::prop_assert_eq!(b.has_key(&key), b.key() == key, "{} vs {}", b.key(), key);
            }
            let longer = format!("{key}0");
            proptest::prop_assert!(!a.has_key(&longer));
            proptest::prop_assert!(!a.has_key(&key[..key.len() - 1]));
        }
    }
}

proptest::proptest! {
    /// The sort's leading 16-byte numbers order texts exactly as the texts order
    /// themselves (shared prefixes, lengths around 16, Chinese, NUL bytes).
    #[test]
    fn text_heads_order_as_the_texts(
        a in "(WG2025-0|91530|凭证|\\x00){0,3}[0-9A-Z\\x00-\\x02]{0,18}",
        b in "(WG2025-0|91530|凭证|\\x00){0,3}[0-9A-Z\\x00-\\x02]{0,18}",
    ) {
        proptest::prop_assert_eq!((super::head(&a), a.as_str()).cmp(&(super::head(&b), b.as_str())), a.cmp(&b));
    }
}

/// The findings come out in (severity, rule, program, enterprise, voucher) order, ties in
/// the order found, on many findings of every rule family.
#[test]
fn sorted_puts_many_findings_in_report_order() {
    // below and above the count from which two threads sort halves
    for n in [2_000, 2 * super::SORT_APART as u32 + 1] {
        sorted_puts_n_findings_in_report_order(n);
    }
}

fn sorted_puts_n_findings_in_report_order(n: u32) {
    let mut out = Vec::new();
    let rules = [
        Rule::Repeat,
        Rule::Duplicate,
        Rule::Lagging,
        Rule::OverCap,
        Rule::StalePending,
    ];
    for i in 0..n {
        let rule = rules[(i * 7 % 5) as usize];
        let program = format!("WG2025-{:03}", i * 13 % 17);
        let enterprise = (i % 3 != 0).then(|| format!("91530100MA6K{:06}", i * 31 % 97));
        let voucher = (i % 4 != 0).then(|| format!("凭证{}", i * 17 % 23));
        let mut f = Finding::new(
            rule,
            &program,
            enterprise.as_deref(),
            voucher.as_deref(),
            None,
            2025,
            format!("第{i}条"),
        );
        f.key_detail = (i % 5 == 0).then(|| "指标".repeat((i % 3) as usize));
        out.push(f);
    }
    let mut want = out.clone();
    want.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    assert_eq!(super::sorted(out), want);
}

proptest::proptest! {
    /// The 24-byte heads too (a credit code is 18 bytes, so its head is the whole code).
    #[test]
    fn text_heads24_order_as_the_texts(
        a in "(91530100MA6K|\\x00){0,3}[0-9A-Z\\x00-\\x02]{0,14}",
        b in "(91530100MA6K|\\x00){0,3}[0-9A-Z\\x00-\\x02]{0,14}",
    ) {
        proptest::prop_assert_eq!((super::head24(&a), a.as_str()).cmp(&(super::head24(&b), b.as_str())), a.cmp(&b));
    }
}

/// The JSON formatted in chunks on two threads is byte for byte the one pretty array
/// serde_json writes of all the findings at once: none, one, and more than two chunks'
/// worth with every optional field both present and absent, with and without the basis.
#[test]
fn json_in_chunks_is_the_whole_array() {
    let finding = |i: usize| {
        let mut f = Finding::new(
            [Rule::OverCap, Rule::Lagging, Rule::StalePending][i % 3],
            &format!("KJ2025-{:03}", i % 7),
            i.is_multiple_of(2)
                .then(|| format!("91530100MA6K{:06}", i))
                .as_deref(),
            (!i.is_multiple_of(3))
                .then(|| format!("凭证-{i}"))
                .as_deref(),
            (!i.is_multiple_of(5)).then(|| crate::money::Money(i as i64 * 101)),
            2025,
            format!("第{i}条：\"引号\"与\\反斜杠\n换行"),
        );
        f.acknowledged = i.is_multiple_of(4);
        f.basis = std::sync::Arc::from(format!("依据 {i}"));
        f
    };
    for n in [0, 1, 4_096, 4_097, 8_192, 8_193, 10_001] {
        let all: Vec<Finding> = (0..n).map(finding).collect();
        for basis in [false, true] {
            let cols = Columns { basis };
            let mut chunked = Vec::new();
            write_findings_json(&mut chunked, &all, cols).unwrap();
            let mut whole = Vec::new();
            output::json_array(&mut whole, &all, cols).unwrap();
            assert_eq!(
                String::from_utf8(chunked).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{n} findings, basis {basis}"
            );
        }
    }
}
