//! 一企一档 and "can it still receive" on a hand-built 元江县 ledger: the cap reached
//! exactly, an exclusive partner used, once per year used, a reversal giving the headroom
//! back, rejected rows ignored, a clawback listed, findings with their basis.

use super::*;
use crate::checks::tests::{d, yuan, Fx};
use crate::checks::Rule;
use crate::model::{Reason, Size};
use crate::repo::write::{insert_recovery, NewRecovery};

/// 科技创新券 (cap 30万), 留工培训补助 (once per year), 一次性扩岗补助 and 一次性吸纳就业补贴
/// (exclusive group 吸纳就业), each with its 文号; 恒达建材 and 鑫源科技.
fn ledger() -> (Fx, String, String) {
    let fx = Fx::new();
    fx.program("KJ2025", "科技创新券", 2025, |p| {
        p.cap_per_enterprise = Some(yuan("300000"));
        p.policy_ref = "元科发〔2025〕2号".into();
    });
    fx.program("LG2025", "一次性留工培训补助", 2025, |p| {
        p.once_per_year = true;
        p.policy_ref = "元人社发〔2025〕5号".into();
    });
    fx.program("KG2025", "一次性扩岗补助", 2025, |p| {
        p.exclusive_group = Some("吸纳就业".into());
        p.policy_ref = "元人社发〔2025〕6号".into();
    });
    fx.program("XN2025", "一次性吸纳就业补贴", 2025, |p| {
        p.exclusive_group = Some("吸纳就业".into());
    });
    for code in ["KJ2025", "LG2025", "KG2025", "XN2025"] {
        fx.alloc(code, "2025-01-10", "2000000");
    }
    let hd = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
    let xy = fx.ent(2, "元江县甘庄街道鑫源科技有限公司", Size::Small);
    // 恒达: KJ2025 200,000 paid + 100,000 pending = the cap exactly; a rejected 50,000
    fx.paid("KJ-001", "KJ2025", &hd, "200000", "2025-03-02");
    fx.disb(
        "KJ-002",
        "KJ2025",
        &hd,
        "100000",
        "2025-05-06",
        Status::Pending,
    );
    fx.disb(
        "KJ-003",
        "KJ2025",
        &hd,
        "50000",
        "2025-05-07",
        Status::Rejected,
    );
    // 恒达: 留工培训 once in 2025; 吸纳就业补贴 in 2025
    fx.paid("LG-001", "LG2025", &hd, "1500", "2025-04-01");
    fx.paid("XN-001", "XN2025", &hd, "3000", "2025-04-10");
    // 鑫源: over the cap (OVER_CAP); 留工培训 paid then reversed
    fx.paid("KJ-101", "KJ2025", &xy, "250000", "2025-02-01");
    fx.paid("KJ-102", "KJ2025", &xy, "60000", "2025-06-01");
    fx.paid("LG-101", "LG2025", &xy, "1500", "2025-04-02");
    fx.reverse("LG-102", "LG2025", &xy, "-1500", "2025-04-20", "LG-101");
    // a clawback from 恒达 and a program-level recovery
    for (credit_code, reason) in [(Some(hd.clone()), Reason::Clawback), (None, Reason::Idle)] {
        insert_recovery(
            &fx.conn,
            &NewRecovery {
                program_code: "XN2025".into(),
                date: d("2025-06-15"),
                amount: yuan("1000"),
                reason,
                doc_no: "元财追〔2025〕1号".into(),
                credit_code,
                reallocated_to: None,
                note: String::new(),
            },
        )
        .unwrap();
    }
    (fx, hd, xy)
}

fn file(fx: &Fx, code: &str, as_of: &str) -> EnterpriseFile {
    enterprise_file(&fx.conn, code, d(as_of), &CheckConfig::default(), Lang::Zh)
        .unwrap()
        .unwrap()
}

fn year<'a>(f: &'a EnterpriseFile, program: &str, y: i32) -> &'a ProgramYear {
    f.totals
        .iter()
        .find(|t| t.program_code == program && t.year == y)
        .unwrap()
}

#[test]
fn cap_reached_exactly_leaves_no_headroom_and_refuses_one_fen() {
    let (fx, hd, _) = ledger();
    let f = file(&fx, &hd, "2025-06-30");
    let kj = year(&f, "KJ2025", 2025);
    assert_eq!(
        (kj.paid, kj.committed, kj.count),
        (yuan("200000"), yuan("100000"), 2),
        "the rejected row counts nowhere"
    );
    assert_eq!(kj.cap, Some(yuan("300000")));
    assert_eq!(kj.headroom, Some(Money::ZERO));
    let v = can_receive(&fx.conn, &hd, "KJ2025", yuan("0.01"), d("2025-07-01")).unwrap();
    assert!(!v.can_receive());
    assert_eq!(
        v.reasons,
        [FormWarning::OverCap {
            cap: yuan("300000"),
            excess: yuan("0.01")
        }]
    );
    assert_eq!(v.remaining(), Money::ZERO);
    assert_eq!(
        v.lines(Lang::Zh)[..2],
        [
            "2025 年本户已拨付 200,000.00 · 在途 100,000.00",
            "单户年度上限 300,000.00 · 剩余额度 0.00 · 项目可用 1,390,000.00"
        ]
    );
    assert_eq!(v.conclusion(Lang::Zh), "✗ 不能拨付 0.01：1 项原因");
    // next year the cap is whole again
    let v = can_receive(&fx.conn, &hd, "KJ2025", yuan("300000"), d("2026-01-05")).unwrap();
    assert!(v.can_receive(), "{:?}", v.reasons);
    assert_eq!(v.year.headroom, Some(yuan("300000")));
    // rejecting the pending row gives its 100,000 back
    fx.conn
        .execute(
            "UPDATE disbursement SET status = 'rejected' WHERE voucher_no = 'KJ-002'",
            [],
        )
        .unwrap();
    let v = can_receive(&fx.conn, &hd, "KJ2025", yuan("100000"), d("2025-07-01")).unwrap();
    assert!(v.can_receive(), "{:?}", v.reasons);
    assert_eq!(
        v.conclusion(Lang::Zh),
        "✓ 可以拨付 100,000.00，拨付后本户本年尚可享受 0.00"
    );
    assert!(
        can_receive(&fx.conn, &hd, "KJ2025", yuan("100000.01"), d("2025-07-01"))
            .unwrap()
            .reasons
            .contains(&FormWarning::OverCap {
                cap: yuan("300000"),
                excess: yuan("0.01")
            })
    );
}

#[test]
fn an_exclusive_partner_used_bars_the_others_that_year() {
    let (fx, hd, xy) = ledger();
    let f = file(&fx, &hd, "2025-06-30");
    assert_eq!(
        f.groups,
        [GroupYear {
            group: "吸纳就业".into(),
            year: 2025,
            used: vec![("XN2025".into(), "XN-001".into())],
            barred: vec!["KG2025".into()],
        }]
    );
    assert!(
        !year(&f, "XN2025", 2025).barred(),
        "its own program is not barred"
    );
    let v = can_receive(&fx.conn, &hd, "KG2025", yuan("1500"), d("2025-08-01")).unwrap();
    assert_eq!(
        v.reasons,
        [FormWarning::Exclusive {
            program: "XN2025".into(),
            voucher: "XN-001".into()
        }]
    );
    assert_eq!(v.remaining(), Money::ZERO);
    assert!(v
        .lines(Lang::Zh)
        .contains(&"互斥组「吸纳就业」：2025 年已享受 XN2025（XN-001）".to_string()));
    // another year, another enterprise: open
    assert!(
        can_receive(&fx.conn, &hd, "KG2025", yuan("1500"), d("2026-02-01"))
            .unwrap()
            .can_receive()
    );
    let v = can_receive(&fx.conn, &xy, "KG2025", yuan("1500"), d("2025-08-01")).unwrap();
    assert!(v.can_receive());
    assert!(v
        .lines(Lang::Zh)
        .contains(&"互斥组「吸纳就业」：2025 年未享受同组其他项目".to_string()));
}

#[test]
fn once_per_year_used_and_a_reversal_gives_the_use_back() {
    let (fx, hd, xy) = ledger();
    let f = file(&fx, &hd, "2025-06-30");
    let lg = year(&f, "LG2025", 2025);
    assert!(lg.once_used());
    assert_eq!(lg.first_live.as_deref(), Some("LG-001"));
    let v = can_receive(&fx.conn, &hd, "LG2025", yuan("1500"), d("2025-09-01")).unwrap();
    assert_eq!(
        v.reasons,
        [FormWarning::Repeat {
            voucher: "LG-001".into()
        }]
    );
    assert!(v
        .lines(Lang::Zh)
        .contains(&"每年限一次：2025 年已享受（LG-001）".to_string()));
    // 鑫源's payment was reversed: the sums are back to zero and the use is free again
    let f = file(&fx, &xy, "2025-06-30");
    let lg = year(&f, "LG2025", 2025);
    assert_eq!((lg.paid, lg.count), (Money::ZERO, 2));
    assert!(!lg.once_used());
    let v = can_receive(&fx.conn, &xy, "LG2025", yuan("1500"), d("2025-09-01")).unwrap();
    assert!(v.can_receive(), "{:?}", v.reasons);
    // as of before the reversal, the row is still the year's use
    let f = file(&fx, &xy, "2025-04-10");
    assert!(year(&f, "LG2025", 2025).once_used());
}

#[test]
fn a_reversal_restores_the_cap_headroom() {
    let (fx, _, xy) = ledger();
    let f = file(&fx, &xy, "2025-06-30");
    assert_eq!(year(&f, "KJ2025", 2025).headroom, Some(yuan("-10000")));
    fx.reverse("KJ-103", "KJ2025", &xy, "-60000", "2025-06-20", "KJ-102");
    let f = file(&fx, &xy, "2025-06-30");
    let kj = year(&f, "KJ2025", 2025);
    assert_eq!(kj.paid, yuan("250000"));
    assert_eq!(kj.headroom, Some(yuan("50000")));
    let v = can_receive(&fx.conn, &xy, "KJ2025", yuan("50000"), d("2025-07-01")).unwrap();
    assert!(v.can_receive(), "{:?}", v.reasons);
    assert_eq!(v.remaining(), yuan("50000"));
}

#[test]
fn the_file_lists_rows_clawbacks_and_findings_as_of_the_date() {
    let (fx, hd, xy) = ledger();
    fx.paid("KJ-009", "KJ2025", &hd, "10", "2025-07-15"); // after D
    let f = file(&fx, &hd, "2025-06-30");
    assert_eq!(f.enterprise.name, "元江县澧江街道恒达建材有限公司");
    let vouchers: Vec<&str> = f
        .disbursements
        .iter()
        .map(|d| d.voucher_no.as_str())
        .collect();
    assert_eq!(
        vouchers,
        ["KJ-001", "LG-001", "XN-001", "KJ-002", "KJ-003"],
        "oldest first, the rejected one shown, the later one not"
    );
    let order: Vec<(&str, i32)> = f
        .totals
        .iter()
        .map(|t| (t.program_code.as_str(), t.year))
        .collect();
    assert_eq!(
        order,
        [("KJ2025", 2025), ("LG2025", 2025), ("XN2025", 2025)]
    );
    // the clawback naming it, not the program-level recovery
    assert_eq!(f.recoveries.len(), 1);
    assert_eq!(f.recoveries[0].reason, Reason::Clawback);
    assert_eq!(f.recoveries[0].amount, yuan("1000"));
    assert_eq!(f.recoveries[0].doc_no, "元财追〔2025〕1号");
    // 恒达 sits exactly at the cap: no finding of its own; 鑫源 is over it
    assert!(f
        .findings
        .iter()
        .all(|x| x.enterprise.as_deref() == Some(hd.as_str())));
    assert!(!f.findings.iter().any(|x| x.rule == Rule::OverCap));
    let f = file(&fx, &xy, "2025-06-30");
    let cap = f.findings.iter().find(|x| x.rule == Rule::OverCap).unwrap();
    assert_eq!(cap.voucher.as_deref(), Some("KJ-102"));
    assert_eq!(cap.amount, Some(yuan("10000")));
    assert_eq!(&*cap.basis, "元科发〔2025〕2号：每家企业每年不超过30万元");
    assert!(f.recoveries.is_empty());
    // as of before anything: an empty file, not an error
    let f = file(&fx, &hd, "2024-12-31");
    assert!(f.disbursements.is_empty() && f.totals.is_empty() && f.findings.is_empty());
    assert!(enterprise_file(
        &fx.conn,
        "91530428MA6K99999X",
        d("2025-06-30"),
        &CheckConfig::default(),
        Lang::Zh
    )
    .unwrap()
    .is_none());
}

#[test]
fn the_form_warnings_are_the_verdicts_reasons() {
    let (fx, hd, _) = ledger();
    // editing the pending KJ-002 itself: it does not count against itself
    let edit = DisbursementInputFor::new("KJ-002", "KJ2025", &hd, "100000", "2025-05-06");
    assert_eq!(form_warnings(&fx.conn, &edit.0).unwrap(), []);
    let more = DisbursementInputFor::new("KJ-002", "KJ2025", &hd, "100000.01", "2025-05-06");
    assert_eq!(
        form_warnings(&fx.conn, &more.0).unwrap(),
        [FormWarning::OverCap {
            cap: yuan("300000"),
            excess: yuan("0.01")
        }]
    );
    // a closed, size-restricted program, outside its dates, with too little left
    fx.program("GB2025", "关停项目", 2025, |p| {
        p.status = crate::model::ProgramStatus::Closed;
        p.eligible_sizes = vec![Size::Micro];
        p.end_date = Some(d("2025-03-31"));
    });
    fx.alloc("GB2025", "2025-01-10", "100");
    let v = can_receive(&fx.conn, &hd, "GB2025", yuan("200"), d("2025-06-01")).unwrap();
    assert_eq!(
        v.reasons,
        [
            FormWarning::Closed,
            FormWarning::OverBudget {
                available: yuan("100"),
                excess: yuan("100")
            },
            FormWarning::Ineligible { size: Size::Small },
            FormWarning::OutsideDates,
        ]
    );
    assert!(matches!(
        can_receive(&fx.conn, &hd, "NOPE", yuan("1"), d("2025-06-01")),
        Err(crate::Error::NotFound(_))
    ));
}

/// A form input in yuan.
struct DisbursementInputFor(crate::ledger::DisbursementInput);

impl DisbursementInputFor {
    fn new(voucher: &str, program: &str, code: &str, amount: &str, date: &str) -> Self {
        DisbursementInputFor(crate::ledger::DisbursementInput {
            voucher_no: voucher.into(),
            program_code: program.into(),
            credit_code: code.into(),
            amount: yuan(amount),
            date: d(date),
            note: String::new(),
        })
    }
}

#[test]
fn resolve_by_code_unique_fragment_or_exact_name() {
    let (fx, hd, _) = ledger();
    let one = |q: &str| match resolve(&fx.conn, q).unwrap() {
        Resolved::One(e) => e.credit_code,
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(one(&hd.to_lowercase()), hd);
    assert_eq!(one("恒达"), hd);
    assert_eq!(one("hdjc"), hd, "pinyin initials");
    match resolve(&fx.conn, "元江县").unwrap() {
        Resolved::Many(v) => assert_eq!(v.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(resolve(&fx.conn, "红糖").unwrap(), Resolved::None);
    fx.ent(3, "元江县澧江街道恒达建材有限公司分公司", Size::Micro);
    assert_eq!(
        one("元江县澧江街道恒达建材有限公司"),
        hd,
        "the exact name wins"
    );
}

/// What the program has left for a new row, on any day: the maintained month sums before
/// the day's month plus that month's own rows up to the day, equal to summing every row.
#[test]
fn headroom_budget_left_counts_every_row_up_to_the_day() {
    let (fx, hd, xy) = ledger();
    fx.reverse("KJ-103", "KJ2025", &xy, "-60000", "2025-06-20", "KJ-102");
    fx.paid("KJ-104", "KJ2025", &xy, "5000", "2025-06-25");
    for date in [
        "2025-01-31",
        "2025-02-01",
        "2025-05-06",
        "2025-06-19",
        "2025-06-20",
        "2025-06-30",
        "2025-12-31",
    ] {
        let h = headroom(&fx.conn, "KJ2025", &hd, d(date)).unwrap();
        let (paid, committed): (i64, i64) = fx
            .conn
            .query_row(
                "SELECT coalesce(SUM(CASE WHEN status = 'paid' THEN amount_fen END), 0),
                        coalesce(SUM(CASE WHEN status IN ('pending', 'approved') THEN amount_fen END), 0)
                 FROM disbursement NOT INDEXED
                 WHERE program_id = (SELECT id FROM program WHERE code = 'KJ2025') AND date <= ?1",
                [date],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((h.paid.0, h.committed.0), (paid, committed), "as of {date}");
        assert_eq!(
            h.available,
            h.budget - h.paid - h.committed - h.recovered,
            "as of {date}"
        );
    }
}
