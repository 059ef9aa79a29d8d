//! Reconciliation: every kind of outcome on one small ledger, the tolerance edge, the
//! nearest-date choice, period restriction, acknowledgements, profile errors, GB18030 and
//! xlsx exports, and bad rows (an error, nothing reconciled).

use super::profile::{AmountUnit, ColumnRef};
use super::*;
use crate::checks::tests::{d, Fx};
use crate::model::{Role, Size, Status};
use crate::users::Actor;

const PROFILE: &str = r#"
name = "测试国库"
[columns]
voucher = "业务单号"
reference = "支付凭证号"
credit_code = "收款人统一社会信用代码"
amount = "支付金额"
date = "支付日期"
program = "项目代码"
is_direct = "是否直达"
enterprise_name = "收款人名称"
[programs]
"P-001" = "WG2026"
"P-002" = "LG2026"
"P-003" = "FZ2026"
"#;

const HEADER: &str =
    "支付凭证号,业务单号,支付日期,项目代码,是否直达,收款人名称,收款人统一社会信用代码,支付金额\n";

fn profile() -> Profile {
    Profile::from_toml(PROFILE, "测试.toml", "测试").unwrap()
}

/// Programs 稳岗返还 WG2026 and 留工培训 LG2026 (直达), 房租补助 FZ2026 (not 直达);
/// six enterprises; returns the fixture and the credit codes.
fn ledger() -> (Fx, Vec<String>) {
    let fx = Fx::new();
    fx.program("WG2026", "稳岗返还", 2026, |_| {});
    fx.program("LG2026", "一次性留工培训补助", 2026, |_| {});
    fx.program("FZ2026", "房租水电补助", 2026, |p| {
        p.is_direct = false
    });
    let names = [
        "元江县甘庄街道鑫源科技有限公司",
        "元江县澧江街道甘蔗种植合作社",
        "元江县因远镇红糖加工厂",
        "元江县曼来镇芒果种植有限公司",
        "元江县东峨镇哈尼调味品有限公司",
        "元江县红河街道金芒商贸有限公司",
    ];
    let cc: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| fx.ent(i as u32 + 1, n, Size::Small))
        .collect();
    (fx, cc)
}

fn run(fx: &Fx, csv: &str) -> Reconciliation {
    run_opts(fx, csv, &Options::default())
}

fn run_opts(fx: &Fx, csv: &str, opts: &Options) -> Reconciliation {
    reconcile_bytes(&fx.conn, "国库导出.csv", csv.as_bytes(), &profile(), opts).unwrap()
}

/// The error of a reconciliation that must fail, as text.
fn failure(fx: &Fx, name: &str, bytes: &[u8], p: &Profile, opts: &Options) -> String {
    reconcile_bytes(&fx.conn, name, bytes, p, opts)
        .unwrap_err()
        .to_string()
}

fn of(r: &Reconciliation, c: Category) -> Vec<&Item> {
    r.items.iter().filter(|i| i.category == c).collect()
}

fn ours_v(i: &Item) -> &str {
    i.ours.as_ref().map(|o| o.voucher.as_str()).unwrap_or("")
}

/// The ledger and export behind the test of every kind of outcome.
fn every_kind() -> (Fx, String) {
    let (fx, c) = ledger();
    let paid = |v: &str, p: &str, cc: &str, a: &str, dt: &str| fx.paid(v, p, cc, a, dt);
    paid("V01", "WG2026", &c[0], "1000.00", "2026-10-05");
    paid("V02", "WG2026", &c[1], "2000.00", "2026-10-06");
    paid("V03", "WG2026", &c[2], "3000.00", "2026-10-07");
    paid("V04", "WG2026", &c[3], "4000.00", "2026-10-08");
    paid("V05", "WG2026", &c[4], "5000.00", "2026-10-09");
    paid("V06", "LG2026", &c[0], "600.00", "2026-10-10");
    paid("V07", "LG2026", &c[1], "700.00", "2026-10-11");
    paid("V08", "FZ2026", &c[2], "800.00", "2026-10-12");
    paid("V09", "WG2026", &c[5], "1100.00", "2026-10-21");
    fx.disb(
        "V10",
        "WG2026",
        &c[3],
        "1200.00",
        "2026-10-22",
        Status::Approved,
    );
    fx.disb(
        "V11",
        "WG2026",
        &c[4],
        "1300.00",
        "2026-10-23",
        Status::Pending,
    );
    fx.disb(
        "V12",
        "WG2026",
        &c[0],
        "1400.00",
        "2026-10-24",
        Status::Rejected,
    );
    paid("V13", "WG2026", &c[1], "500.00", "2026-10-02");
    fx.reverse("V13-CX", "WG2026", &c[1], "-500.00", "2026-10-03", "V13");
    paid("V14", "WG2026", &c[0], "1500.00", "2026-10-25");
    let mut csv = HEADER.to_string();
    let mut line = |r: &str, v: &str, dt: &str, p: &str, direct: &str, cc: &str, a: &str| {
        csv.push_str(&format!("{r},{v},{dt},{p},{direct},企业,{cc},\"{a}\"\n"));
    };
    line(
        "ZF001",
        "V01",
        "2026-10-05",
        "P-001",
        "是",
        &c[0],
        "1,000.00",
    ); // matched
    line(
        "ZF001",
        "V01",
        "2026-10-05",
        "P-001",
        "是",
        &c[0],
        "1,000.00",
    ); // duplicate
    line(
        "ZF002",
        "V02",
        "2026-10-06",
        "P-001",
        "是",
        &c[1],
        "1,990.00",
    ); // amount
    line(
        "ZF003",
        "V03",
        "2026-10-09",
        "P-001",
        "是",
        &c[2],
        "3,000.00",
    ); // date
    line(
        "ZF004",
        "V04",
        "2026-10-08",
        "P-002",
        "是",
        &c[3],
        "4,000.00",
    ); // program
    line(
        "ZF005",
        "V05",
        "2026-10-09",
        "P-001",
        "否",
        &c[4],
        "5,000.00",
    ); // direct
    line("ZF006", "", "2026-10-12", "P-002", "是", &c[0], "600.00"); // by code, 2 days
    line("ZF007", "", "2026-10-11", "P-002", "是", &c[1], "700.00"); // by code, same day
    line("ZF008", "", "2026-10-16", "P-003", "否", &c[2], "800.00"); // 4 days: outside
    line("ZF009", "", "2026-10-20", "P-001", "是", &c[5], "900.00"); // only upstream
    line(
        "ZF010",
        "V10",
        "2026-10-22",
        "P-001",
        "是",
        &c[3],
        "1,200.00",
    ); // not paid
    line("ZF011", "V13", "2026-10-02", "P-001", "是", &c[1], "500.00");
    line(
        "ZF012",
        "V13-CX",
        "2026-10-03",
        "P-001",
        "是",
        &c[1],
        "-500.00",
    );
    line(
        "ZF013",
        "V14",
        "2026-10-25",
        "P-001",
        "是",
        &c[1],
        "1,500.00",
    ); // payee
    csv.push_str("合计,,,,,,,\"21,390.00\"\n");
    (fx, csv)
}

#[test]
fn a_reconciliation_with_every_kind_of_difference() {
    let (fx, csv) = every_kind();
    let c: Vec<String> = (1..=6)
        .map(|n| {
            crate::CreditCode::complete(&format!("91530428MA6K{n:05}"))
                .unwrap()
                .into_string()
        })
        .collect();
    let r = run(&fx, &csv);
    assert_eq!((r.from, r.to), (d("2026-10-02"), d("2026-10-25")));
    assert_eq!(r.upstream_rows, 14, "the 合计 row is not a payment");
    assert_eq!(r.tolerance_days, 3);

    let matched = of(&r, Category::Matched);
    let mv: Vec<&str> = matched.iter().map(|i| ours_v(i)).collect();
    assert_eq!(mv, ["V13", "V13-CX", "V01", "V07"], "sorted by date");
    let v07 = matched.iter().find(|i| ours_v(i) == "V07").unwrap();
    assert_eq!(v07.matched_by, Some(MatchedBy::CodeAmountDate));
    assert_eq!(matched[2].matched_by, Some(MatchedBy::Voucher));

    let diffs = of(&r, Category::Differences);
    let got: Vec<(&str, Vec<&str>)> = diffs
        .iter()
        .map(|i| (ours_v(i), i.diffs.iter().map(|d| d.key.as_str()).collect()))
        .collect();
    let payee = format!("RECON|payee|V14|{}|{}", c[0], c[1]);
    assert_eq!(
        got,
        vec![
            ("V02", vec!["RECON|amount|V02|2000.00|1990.00"]),
            ("V03", vec!["RECON|date|V03|2026-10-07|2026-10-09"]),
            ("V04", vec!["RECON|program|V04|WG2026|LG2026"]),
            ("V05", vec!["RECON|direct|V05|yes|no"]),
            ("V06", vec!["RECON|date|V06|2026-10-10|2026-10-12"]),
            ("V14", vec![payee.as_str()]),
        ]
    );
    assert_eq!(diffs[4].matched_by, Some(MatchedBy::CodeAmountDate));
    assert_eq!(diffs[0].diffs[0].kind, DiffKind::Amount);

    let not_paid = of(&r, Category::NotPaid);
    assert_eq!(not_paid.len(), 1);
    assert_eq!(
        not_paid[0].key.as_deref(),
        Some("RECON|not_paid|V10|approved|1200.00")
    );
    assert_eq!(not_paid[0].ours.as_ref().unwrap().status, Status::Approved);

    // 4 days apart with a tolerance of 3: one row on each side, unmatched
    let up = of(&r, Category::OnlyUpstream);
    let up_keys: Vec<&str> = up.iter().filter_map(|i| i.key.as_deref()).collect();
    assert_eq!(
        up_keys,
        [
            "RECON|only_upstream|ZF008|800.00|2026-10-16",
            "RECON|only_upstream|ZF009|900.00|2026-10-20"
        ]
    );
    let ours = of(&r, Category::OnlyOurs);
    let ours_keys: Vec<&str> = ours.iter().filter_map(|i| i.key.as_deref()).collect();
    assert_eq!(
        ours_keys,
        [
            "RECON|only_ours|V08|800.00|2026-10-12",
            "RECON|only_ours|V09|1100.00|2026-10-21"
        ],
        "pending V11 and rejected V12 are not 'only ours'"
    );
    let dup = of(&r, Category::Duplicate);
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0].upstream.as_ref().unwrap().line, 3);
    assert_eq!(
        dup[0].key.as_deref(),
        Some("RECON|duplicate|ZF001|1000.00|2026-10-05")
    );

    let s = r.summary();
    let count = |c: Category| s.iter().find(|t| t.category == c).unwrap().count;
    assert_eq!(count(Category::Matched), 4);
    assert_eq!(count(Category::Differences), 6);
    let total = s.iter().find(|t| t.category == Category::OnlyOurs).unwrap();
    assert_eq!(total.ours_amount, Money(1900_00));
    assert_eq!(total.upstream_amount, Money::ZERO);
    assert_eq!(r.open_count(), 6 + 1 + 2 + 2 + 1);
    for k in r.items.iter().flat_map(|i| i.keys()) {
        assert!(validate_key(k).is_ok(), "{k}");
        assert!(crate::ack::validate_key(k).is_ok(), "{k}");
    }
}

#[test]
fn outputs_carry_every_item_and_neutralise_formulas() {
    let (fx, csv) = every_kind();
    let r = run(&fx, &csv);
    let json: serde_json::Value =
        serde_json::from_str(&reconciliation_json(&r, Lang::Zh).unwrap()).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), r.items.len());
    assert_eq!(json["from"], "2026-10-02");
    assert_eq!(json["open"], 12);
    let amount = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ours"]["voucher"] == "V02")
        .unwrap();
    assert_eq!(amount["category"], "differences");
    assert_eq!(amount["matched_by"], "voucher");
    assert_eq!(amount["upstream"]["amount"], "1990.00");
    assert_eq!(amount["ours"]["amount"], "2000.00");
    assert_eq!(amount["differences"][0]["kind"], "amount");
    assert_eq!(amount["differences"][0]["acknowledged"], false);

    let bytes = reconciliation_csv(&r).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    // one line per key plus one per plain match, and the header
    let keys: usize = r.items.iter().map(|i| i.keys().len().max(1)).sum();
    assert_eq!(text.lines().count(), keys + 1);
    // the reversal's -500.00 is a number, left alone
    assert!(text.contains(",-500.00,"), "{text}");

    let table = reconciliation_table(&r, Lang::Zh, false);
    assert!(
        table.contains("RECON|amount|V02|2000.00|1990.00"),
        "{table}"
    );
    assert!(table.contains("2,000.00") && table.contains("1,990.00"));
    assert!(!table.contains("V07"), "plain matches hidden without --all");
    assert!(reconciliation_table(&r, Lang::En, true).contains("V07"));
}

#[test]
fn formula_in_an_export_is_neutralised_in_csv() {
    let (fx, c) = ledger();
    let csv = format!(
        "{HEADER}=HYPERLINK(\"x\"),,2026-10-05,P-001,是,=cmd,{},100.00\n",
        c[0]
    );
    let r = run(&fx, &csv);
    let text = String::from_utf8(reconciliation_csv(&r).unwrap()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'=cmd"), "{text}");
}

#[test]
fn exactly_at_the_tolerance_matches_one_day_more_does_not() {
    let (fx, c) = ledger();
    fx.paid("V1", "WG2026", &c[0], "100.00", "2026-10-10");
    let csv = |day: &str| format!("{HEADER}ZF1,,{day},P-001,是,甲,{},100.00\n", c[0]);
    let opts = Options {
        from: Some(d("2026-10-01")),
        to: Some(d("2026-10-31")),
        tolerance_days: None,
    };
    let r = run_opts(&fx, &csv("2026-10-13"), &opts);
    assert_eq!(of(&r, Category::Differences).len(), 1, "3 days: matched");
    assert_eq!(
        of(&r, Category::Differences)[0].diffs[0].key,
        "RECON|date|V1|2026-10-10|2026-10-13"
    );
    let r = run_opts(&fx, &csv("2026-10-14"), &opts);
    assert_eq!(of(&r, Category::OnlyUpstream).len(), 1, "4 days: not");
    assert_eq!(of(&r, Category::OnlyOurs).len(), 1);
    // --tolerance overrides the profile
    let wide = Options {
        tolerance_days: Some(5),
        ..opts.clone()
    };
    let r = run_opts(&fx, &csv("2026-10-14"), &wide);
    assert_eq!(of(&r, Category::Differences).len(), 1);
    let bad = Options {
        tolerance_days: Some(-1),
        ..opts
    };
    assert!(reconcile_bytes(
        &fx.conn,
        "x.csv",
        csv("2026-10-14").as_bytes(),
        &profile(),
        &bad
    )
    .is_err());
}

#[test]
fn the_nearest_date_wins_and_pairs_are_one_to_one() {
    let (fx, c) = ledger();
    fx.paid("V1", "WG2026", &c[0], "100.00", "2026-10-10");
    fx.paid("V2", "WG2026", &c[0], "100.00", "2026-10-13");
    // one upstream row on 10-12: V2 (1 day) beats V1 (2 days); V1 stays over
    let csv = format!("{HEADER}ZF1,,2026-10-12,P-001,是,甲,{},100.00\n", c[0]);
    let r = run_opts(
        &fx,
        &csv,
        &Options {
            from: Some(d("2026-10-01")),
            to: Some(d("2026-10-31")),
            tolerance_days: None,
        },
    );
    let m = of(&r, Category::Differences);
    assert_eq!(m.len(), 1);
    assert_eq!(ours_v(m[0]), "V2");
    assert_eq!(ours_v(of(&r, Category::OnlyOurs)[0]), "V1");
    // two upstream rows, two of ours: each pairs once, nearest first
    let csv = format!(
        "{HEADER}ZF1,,2026-10-12,P-001,是,甲,{cc},100.00\nZF2,,2026-10-09,P-001,是,甲,{cc},100.00\n",
        cc = c[0]
    );
    let r = run(&fx, &csv);
    let pairs: Vec<(&str, &str)> = r
        .items
        .iter()
        .map(|i| (ours_v(i), i.upstream.as_ref().unwrap().ref_text()))
        .collect();
    assert_eq!(pairs, [("V1", "ZF2"), ("V2", "ZF1")]);
    // the same run twice gives the same result
    assert_eq!(run(&fx, &csv), r);
}

#[test]
fn a_paid_row_is_preferred_to_a_pending_one() {
    let (fx, c) = ledger();
    fx.disb(
        "V1",
        "WG2026",
        &c[0],
        "100.00",
        "2026-10-12",
        Status::Pending,
    );
    fx.paid("V2", "WG2026", &c[0], "100.00", "2026-10-10");
    let csv = format!("{HEADER}ZF1,,2026-10-12,P-001,是,甲,{},100.00\n", c[0]);
    let r = run(&fx, &csv);
    assert_eq!(r.items.len(), 1, "pending V1 is not 'only ours'");
    assert_eq!(ours_v(&r.items[0]), "V2");
}

#[test]
fn a_voucher_we_rejected_is_found_whatever_its_date() {
    let (fx, c) = ledger();
    fx.disb(
        "V1",
        "WG2026",
        &c[0],
        "100.00",
        "2026-08-01",
        Status::Rejected,
    );
    let csv = format!("{HEADER}ZF1,V1,2026-10-12,P-001,是,甲,{},100.00\n", c[0]);
    let r = run(&fx, &csv);
    assert_eq!(r.items.len(), 1);
    let i = &r.items[0];
    assert_eq!(i.category, Category::NotPaid);
    assert_eq!(i.key.as_deref(), Some("RECON|not_paid|V1|rejected|100.00"));
    assert_eq!(i.diffs[0].key, "RECON|date|V1|2026-08-01|2026-10-12");
}

#[test]
fn the_period_restricts_both_sides() {
    let (fx, csv) = every_kind();
    let r = run_opts(
        &fx,
        &csv,
        &Options {
            from: Some(d("2026-10-01")),
            to: Some(d("2026-10-15")),
            tolerance_days: None,
        },
    );
    // upstream rows of 10-16 onwards are left out, and V09 (10-21) is not 'only ours'
    assert_eq!(r.outside_period, 4);
    let ours: Vec<&str> = of(&r, Category::OnlyOurs)
        .iter()
        .map(|i| ours_v(i))
        .collect();
    assert_eq!(ours, ["V08"]);
    assert!(of(&r, Category::NotPaid).is_empty());
    // a period after the export: everything of ours in it is 'only ours'
    let r = run_opts(
        &fx,
        HEADER,
        &Options {
            from: Some(d("2026-10-20")),
            to: Some(d("2026-10-31")),
            tolerance_days: None,
        },
    );
    let ours: Vec<&str> = of(&r, Category::OnlyOurs)
        .iter()
        .map(|i| ours_v(i))
        .collect();
    assert_eq!(ours, ["V09", "V14"]);
    // an empty export without a period cannot be reconciled
    let e = failure(
        &fx,
        "空.csv",
        HEADER.as_bytes(),
        &profile(),
        &Options::default(),
    );
    assert!(e.contains("--month"), "{e}");
}

#[test]
fn acknowledged_differences_show_marked_with_their_note() {
    let (mut fx, csv) = every_kind();
    let clerk = Actor {
        user: "李娟".into(),
        role: Role::Clerk,
    };
    let key = "RECON|amount|V02|2000.00|1990.00";
    crate::ack::acknowledge(&mut fx.conn, &clerk, key, "国库少付 10 元，已通知补付").unwrap();
    crate::ack::acknowledge(
        &mut fx.conn,
        &clerk,
        "RECON|only_ours|V09|1100.00|2026-10-21",
        "11月初到账",
    )
    .unwrap();
    let r = run(&fx, &csv);
    let v02 = r.items.iter().find(|i| ours_v(i) == "V02").unwrap();
    let a = v02.diffs[0].ack.as_ref().unwrap();
    assert_eq!(
        (a.note.as_str(), a.by.as_str()),
        ("国库少付 10 元，已通知补付", "李娟")
    );
    assert!(v02.acknowledged() && !v02.open());
    assert_eq!(r.open_count(), 12 - 2);
    let table = reconciliation_table(&r, Lang::Zh, false);
    assert!(table.contains("✓ 国库少付 10 元，已通知补付"), "{table}");
    let mut hidden = r.clone();
    hidden.retain_unacknowledged();
    assert!(hidden
        .items
        .iter()
        .all(|i| ours_v(i) != "V02" && ours_v(i) != "V09"));
    assert_eq!(hidden.open_count(), 10);
    // audited like every write
    let n: i64 = fx
        .conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE tbl = 'finding_ack' AND key LIKE 'RECON|%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn recon_keys_are_validated() {
    assert!(validate_key("RECON|amount|V1|1.00|2.00").is_ok());
    for bad in [
        "RECON|amount|V1|1.00",
        "RECON|bogus|V1|a|b",
        "RECON|date||a|b",
        "RECON|a|b|c|d|e",
    ] {
        assert!(validate_key(bad).is_err(), "{bad}");
        assert!(crate::ack::validate_key(bad).is_err(), "{bad}");
    }
    let (mut fx, _) = ledger();
    let auditor = Actor {
        user: "审计赵".into(),
        role: Role::Auditor,
    };
    assert!(
        crate::ack::acknowledge(&mut fx.conn, &auditor, "RECON|amount|V1|1.00|2.00", "x").is_err()
    );
}

fn profile_err(text: &str) -> String {
    Profile::from_toml(text, "/etc/zhida/profiles/国库.toml", "国库")
        .unwrap_err()
        .to_string()
}

const COLS: &str = "[columns]\ncredit_code = \"信用代码\"\namount = \"金额\"\ndate = \"日期\"\n";

#[test]
fn profile_errors_name_file_key_and_reason() {
    let e = profile_err(&format!("skiplines = 2\n{COLS}"));
    assert!(
        e.contains("/etc/zhida/profiles/国库.toml") && e.contains("skiplines"),
        "{e}"
    );
    let e =
        profile_err("[columns]\ncredit_code = \"信用代码\"\namout = \"金额\"\ndate = \"日期\"\n");
    assert!(e.contains("amout"), "{e}");
    let e = profile_err("[columns]\ncredit_code = \"信用代码\"\ndate = \"日期\"\n");
    assert!(
        e.contains("columns.amount") && e.contains("缺少列映射"),
        "{e}"
    );
    let e = profile_err("name = \"x\"\n");
    assert!(e.contains("[columns]"), "{e}");
    let e = profile_err(&format!("date_formats = [\"%Y-%m\"]\n{COLS}"));
    assert!(e.contains("date_formats") && e.contains("%Y-%m"), "{e}");
    let e = profile_err(&format!("date_formats = [\"%Y-%Q-%d\"]\n{COLS}"));
    assert!(e.contains("date_formats"), "{e}");
    let e = profile_err("[columns]\ncredit_code = \"信用代码\"\namount = 0\ndate = \"日期\"\n");
    assert!(e.contains("columns.amount") && e.contains("列号"), "{e}");
    let e = profile_err(&format!("encoding = \"latin1\"\n{COLS}"));
    assert!(e.contains("encoding"), "{e}");
    let e = profile_err(&format!("date_tolerance_days = 400\n{COLS}"));
    assert!(e.contains("date_tolerance_days"), "{e}");
    let e = profile_err(&format!("{COLS}[amount]\nunit = \"千元\"\n"));
    assert!(e.contains("amount.unit"), "{e}");
    let e = profile_err(&format!("{COLS}[direct]\nyes = [\"是\"]\nno = [\"是\"]\n"));
    assert!(e.contains("direct"), "{e}");
}

#[test]
fn profile_defaults_numbers_and_the_shipped_example() {
    let p = Profile::from_toml(
        "[columns]\ncredit_code = 3\namount = \"金额\"\ndate = 1\n",
        "p.toml",
        "简易",
    )
    .unwrap();
    assert_eq!(p.name, "简易");
    assert_eq!(p.columns.credit_code, ColumnRef::Number(3));
    assert_eq!(p.date_tolerance_days, 3);
    assert_eq!(p.amount_unit, AmountUnit::Yuan);
    assert_eq!(p.parse_direct("是"), Ok(Some(true)));
    assert_eq!(p.parse_direct("N"), Ok(Some(false)));
    assert_eq!(p.parse_direct(""), Ok(None));
    assert!(p.parse_direct("也许").is_err());
    let s = Profile::sample().unwrap();
    assert_eq!(s.skip_lines, 2);
    assert_eq!(s.map_program("530428-2026-001"), "WG-2026");
    assert_eq!(s.map_program("未知"), "未知");
    assert_eq!(s.parse_date("2026-10-03 14:22:01"), Some(d("2026-10-03")));
    // find: by name in the profiles dir, the built-in fallback, and a clear miss
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    std::fs::write(dir.path().join("profiles/监控系统.toml"), PROFILE).unwrap();
    assert_eq!(
        profile::find("监控系统", Some(dir.path())).unwrap().name,
        "测试国库"
    );
    assert_eq!(
        profile::find("treasury", Some(dir.path()))
            .unwrap()
            .skip_lines,
        2
    );
    let e = profile::find("省厅", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("省厅") && e.contains("监控系统"), "{e}");
    assert_eq!(profile::list(Some(dir.path())), ["treasury", "监控系统"]);
}

#[test]
fn column_numbers_title_lines_units_and_sign() {
    let (fx, c) = ledger();
    fx.paid("V1", "WG2026", &c[0], "15000.00", "2026-10-10");
    let p = Profile::from_toml(
        "skip_lines = 2\ndate_formats = [\"%d/%m/%Y\"]\n[columns]\nvoucher = 1\ncredit_code = 2\namount = 3\ndate = 4\n[amount]\nunit = \"万元\"\nnegate = true\n",
        "p.toml",
        "p",
    )
    .unwrap();
    let csv = format!(
        "元江县国库支付明细\n单位：万元\n凭证,代码,金额,日期\nV1,{},-1.5,10/10/2026\n",
        c[0]
    );
    let r = reconcile_bytes(&fx.conn, "x.csv", csv.as_bytes(), &p, &Options::default()).unwrap();
    assert_eq!(r.items.len(), 1);
    assert_eq!(r.items[0].category, Category::Matched, "{:?}", r.items[0]);
    assert_eq!(r.items[0].upstream.as_ref().unwrap().line, 4);
}

#[test]
fn bad_rows_are_reported_by_line_and_column_and_nothing_is_reconciled() {
    let (fx, c) = ledger();
    fx.paid("V1", "WG2026", &c[0], "100.00", "2026-10-10");
    let csv = format!(
        "{HEADER}ZF1,V1,2026-10-10,P-001,是,甲,{cc},100.00\nZF2,,2026-10-11,P-001,是,乙,91530428MA6K0000XX,100.00\nZF3,,2026-10-12,P-001,也许,丙,{cc},1.234\nZF4,,2026-13-01,P-001,是,丁,{cc},100.00\nZF5,,2026-10-12,P-001,是,戊\n",
        cc = c[0]
    );
    let e = failure(
        &fx,
        "国库导出.csv",
        csv.as_bytes(),
        &profile(),
        &Options::default(),
    );
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines[0].starts_with("国库导出.csv:3: 收款人统一社会信用代码: "),
        "{e}"
    );
    assert!(lines[1].starts_with("国库导出.csv:4: 支付金额: "), "{e}");
    assert!(lines[2].starts_with("国库导出.csv:4: 是否直达: "), "{e}");
    assert!(lines[3].starts_with("国库导出.csv:5: 支付日期: "), "{e}");
    assert!(lines[4].starts_with("国库导出.csv:6: "), "{e}");
    assert!(e.contains("未做对账"), "{e}");
    // a mapped column missing from the header
    let e = failure(
        &fx,
        "x.csv",
        "支付日期,收款人统一社会信用代码\n".as_bytes(),
        &profile(),
        &Options::default(),
    );
    assert!(e.contains("x.csv:1: columns.amount = '支付金额'"), "{e}");
}

#[test]
fn a_gb18030_export_reads_like_utf8() {
    let (fx, csv) = every_kind();
    let utf8 = run(&fx, &csv);
    let (gbk, _, _) = encoding_rs::GB18030.encode(&csv);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GB18030");
    let r = reconcile_bytes(
        &fx.conn,
        "国库导出.csv",
        &gbk,
        &profile(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(r, utf8);
    // forced encodings
    let mut p = profile();
    p.encoding = profile::Encoding::Gb18030;
    assert_eq!(
        reconcile_bytes(&fx.conn, "国库导出.csv", &gbk, &p, &Options::default()).unwrap(),
        utf8
    );
    p.encoding = profile::Encoding::Utf8;
    let e = failure(&fx, "国库导出.csv", &gbk, &p, &Options::default());
    assert!(e.contains("UTF-8"), "{e}");
}

#[test]
fn an_xlsx_export_with_a_title_row_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let (fx, c) = ledger();
    fx.paid("V1", "WG2026", &c[0], "1234.56", "2026-10-10");
    fx.paid("V2", "FZ2026", &c[1], "800.00", "2026-10-11");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "元江县国库集中支付 支付明细")
        .unwrap();
    for (i, h) in HEADER.trim().split(',').enumerate() {
        ws.write_string(1, i as u16, h).unwrap();
    }
    let datefmt = Format::new().set_num_format("yyyy-mm-dd");
    let rows = [
        (
            "ZF1",
            "V1",
            (2026, 10, 10),
            "P-001",
            "是",
            c[0].as_str(),
            1234.56,
        ),
        (
            "ZF2",
            "",
            (2026, 10, 12),
            "P-003",
            "是",
            c[1].as_str(),
            800.0,
        ),
    ];
    for (r, (rf, v, (y, m, dd), p, direct, cc, amount)) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        ws.write_string(r, 0, *rf).unwrap();
        ws.write_string(r, 1, *v).unwrap();
        let dt = ExcelDateTime::from_ymd(*y, *m, *dd).unwrap();
        ws.write_datetime_with_format(r, 2, &dt, &datefmt).unwrap();
        ws.write_string(r, 3, *p).unwrap();
        ws.write_string(r, 4, *direct).unwrap();
        ws.write_string(r, 5, "企业").unwrap();
        ws.write_string(r, 6, *cc).unwrap();
        ws.write_number(r, 7, *amount).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let mut p = profile();
    p.skip_lines = 1;
    let r = reconcile_bytes(&fx.conn, "国库导出.xlsx", &bytes, &p, &Options::default()).unwrap();
    assert_eq!(r.items.len(), 2);
    let v1 = of(&r, Category::Matched)[0];
    assert_eq!(ours_v(v1), "V1");
    assert_eq!(v1.upstream.as_ref().unwrap().line, 3);
    let v2 = of(&r, Category::Differences)[0];
    assert_eq!(v2.category, Category::Differences);
    let kinds: Vec<DiffKind> = v2.diffs.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DiffKind::Date, DiffKind::Direct]);
    assert_eq!(v2.matched_by, Some(MatchedBy::CodeAmountDate));
}

#[test]
fn line_numbers_with_crlf_and_a_title_block() {
    let (fx, c) = ledger();
    let mut p = profile();
    p.skip_lines = 2;
    let csv = format!(
        "\u{feff}元江县国库支付明细\r\n单位：元\r\n{}ZF1,V1,2026-10-10,P-001,是,甲,{},1.234\r\n",
        HEADER.replace('\n', "\r\n"),
        c[0]
    );
    let e = failure(&fx, "x.csv", csv.as_bytes(), &p, &Options::default());
    assert!(e.starts_with("x.csv:4: 支付金额: "), "{e}");
}
