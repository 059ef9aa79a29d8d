//! Import tests on in-memory SQLite: every accepted form, and every bad input with its
//! exact `file:line: column` and the database unchanged afterwards.

use rusqlite::Connection;

use super::*;
use crate::credit_code::CreditCode;
use crate::db::open_in_memory;
use crate::model::Status;

fn cc(first17: &str) -> String {
    CreditCode::complete(first17).unwrap().into_string()
}

fn ent1() -> String {
    cc("91530428MA6K3L2X0")
}
fn ent2() -> String {
    cc("92530428MA6N8P1Q7")
}

fn actor() -> Actor {
    Actor {
        user: "李娟".into(),
        role: crate::model::Role::Supervisor,
    }
}

fn load(conn: &mut Connection, name: &str, text: &str) -> Result<FileSummary, ImportFailure> {
    import_bytes(
        conn,
        &actor(),
        name,
        text.as_bytes(),
        None,
        &Options::default(),
    )
}

fn load_opts(
    conn: &mut Connection,
    name: &str,
    bytes: &[u8],
    opts: Options,
) -> Result<FileSummary, ImportFailure> {
    import_bytes(conn, &actor(), name, bytes, None, &opts)
}

const PROGRAMS_ZH: &str = "项目编码,项目名称,主管部门,资金级次,年度,文号,直达资金,开始日期,结束日期,单户年度上限,每年限一次,互斥组,适用规模\n\
WG-2025,稳岗返还,人社局,县级,2025,元人社发〔2025〕8号,是,2025-01-01,2025-12-31,,否,,\n\
KJ-2025,科技创新券,科技局,省级,2025,元财教〔2025〕3号,是,2025-01-01,2025-12-31,30万,否,,小型;微型\n";

fn enterprises_en() -> String {
    format!(
        "credit_code,name,size,industry,township,contact\n\
         {},元江县澧江街道红河谷食品有限公司,small,食品加工,澧江街道,李明\n\
         {},元江县甘庄街道芒果种植专业合作社,micro,农业,甘庄街道,王芳\n",
        ent1(),
        ent2()
    )
}

/// A database with two programs, two enterprises and a budget.
fn base() -> Connection {
    let mut conn = open_in_memory().unwrap();
    load(&mut conn, "programs.csv", PROGRAMS_ZH).unwrap();
    load(&mut conn, "enterprises.csv", &enterprises_en()).unwrap();
    load(
        &mut conn,
        "allocations.csv",
        "program,date,amount,doc_no,note\nWG-2025,2025-02-10,\"1,000,000.00\",元财社〔2025〕12号,\nKJ-2025,2025-02-11,50万,元财教〔2025〕5号,\n",
    )
    .unwrap();
    conn
}

/// Row counts of every table the importer writes, to prove "nothing written".
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

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Import `text` as `name`, expect failure, the database unchanged, and return the errors.
fn refused(conn: &mut Connection, name: &str, text: &[u8]) -> Vec<String> {
    let before = snapshot(conn);
    let err = load_opts(conn, name, text, Options::default()).unwrap_err();
    assert_eq!(snapshot(conn), before, "database changed by a refused file");
    err.errors
}

fn disb_header() -> &'static str {
    "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n"
}

#[test]
fn loads_every_kind_with_english_and_chinese_headers() {
    let mut conn = base();
    let e1 = ent1();
    let disb = format!(
        "{}PZ-001,WG-2025,{e1},12345.67,2025-03-05,paid,李娟,王建国,,\n\
         PZ-002,WG-2025,{e1},\"￥2,000\",2025/03/06,已复核,李娟,王建国,,\n\
         PZ-003,WG-2025,{e1},-2000.00,2025年3月20日,已拨付,李娟,王建国,PZ-001,部分冲销\n\
         PZ-004,KJ-2025,{},1.5万,20250401,pending,杨丽,,,\n",
        disb_header(),
        ent2()
    );
    let s = load(&mut conn, "disbursements.csv", &disb).unwrap();
    assert_eq!((s.read, s.written, s.inserted), (4, 4, 4));
    let rev: (i64, String) = conn
        .query_row(
            "SELECT d.amount_fen, o.voucher_no FROM disbursement d JOIN disbursement o ON o.id = d.reverses_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(rev, (-200000, "PZ-001".to_string()));
    assert_eq!(
        count(
            &conn,
            "SELECT amount_fen FROM disbursement WHERE voucher_no='PZ-004'"
        ),
        1_500_000
    );

    let rec = "项目编码,日期,金额,原因,文号,统一社会信用代码,调入项目\n\
               WG-2025,2025-10-31,100000,闲置,元财社〔2025〕40号,,KJ-2025\n";
    load(&mut conn, "recoveries.csv", rec).unwrap();
    // the reallocation created the matching allocation to KJ-2025
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM allocation a JOIN program p ON p.id=a.program_id WHERE p.code='KJ-2025' AND a.amount_fen=10000000 AND a.date='2025-10-31'"
        ),
        1
    );
    let ev = "program,year,score,evaluator,date,note\nWG-2025,2025,58.5,县财政局绩效股,2026-03-15,资金闲置\n";
    load(&mut conn, "evaluations.csv", ev).unwrap();
    assert_eq!(count(&conn, "SELECT score_x100 FROM evaluation"), 5850);
    let ind = "项目编码,年度,指标名称,单位,目标值,实际值,方向\nWG-2025,2025,发放及时率,%,95,88.5,≥\nWG-2025,2025,受益企业数,户,120,,ge\n";
    load(&mut conn, "indicators.csv", ind).unwrap();
    assert_eq!(
        count(&conn, "SELECT count(*) FROM indicator WHERE actual IS NULL"),
        1
    );
    // one audit row per imported file, not per row
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM audit_log WHERE action='import'"
        ),
        7
    );
    let after: String = conn
        .query_row(
            "SELECT after_json FROM audit_log WHERE key='disbursements.csv'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        after.contains("\"rows\":4") && after.contains("sha256"),
        "{after}"
    );
    crate::audit::verify(&conn).unwrap();
    let prog: (i64, String, i64) = conn
        .query_row(
            "SELECT cap_per_enterprise_fen, eligible_sizes, is_direct FROM program WHERE code='KJ-2025'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(prog, (30_000_000, "small;micro".to_string(), 1));
}

#[test]
fn bom_and_gb18030_files_are_read() {
    let mut conn = open_in_memory().unwrap();
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(PROGRAMS_ZH.as_bytes());
    load_opts(&mut conn, "programs.csv", &bom, Options::default()).unwrap();
    let text = enterprises_en().replace(
        "credit_code,name,size,industry,township,contact",
        "统一社会信用代码,企业名称,规模,行业,乡镇,联系人",
    );
    let (gbk, _, had_errors) = encoding_rs::GB18030.encode(&text);
    assert!(!had_errors);
    let s = load_opts(&mut conn, "enterprises.csv", &gbk, Options::default()).unwrap();
    assert_eq!(s.written, 2);
    let name: String = conn
        .query_row(
            "SELECT name FROM enterprise WHERE township='甘庄街道'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "元江县甘庄街道芒果种植专业合作社");
    let py: String = conn
        .query_row(
            "SELECT py_initials FROM enterprise WHERE township='澧江街道'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(py.starts_with("yjx"), "{py}");
}

#[test]
fn xlsx_first_sheet_with_numbers_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut conn = base();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in [
        "凭证号",
        "项目编码",
        "统一社会信用代码",
        "金额",
        "日期",
        "状态",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "PZ-X1").unwrap();
    ws.write_string(1, 1, "WG-2025").unwrap();
    ws.write_string(1, 2, ent1()).unwrap();
    ws.write_number(1, 3, 12345.67).unwrap();
    let dt = ExcelDateTime::from_ymd(2025, 6, 30).unwrap();
    ws.write_datetime_with_format(1, 4, &dt, &date_fmt).unwrap();
    ws.write_string(1, 5, "已拨付").unwrap();
    ws.write_string(2, 0, "PZ-X2").unwrap();
    ws.write_string(2, 1, "WG-2025").unwrap();
    ws.write_string(2, 2, ent2()).unwrap();
    ws.write_number(2, 3, 800).unwrap();
    ws.write_number(2, 4, 45853.0).unwrap(); // a bare serial: 2025-07-15
    ws.write_string(2, 5, "pending").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let s = load_opts(&mut conn, "disbursements.xlsx", &bytes, Options::default()).unwrap();
    assert_eq!(s.written, 2);
    let rows: Vec<(String, i64, String)> = conn
        .prepare("SELECT voucher_no, amount_fen, date FROM disbursement ORDER BY voucher_no")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("PZ-X1".into(), 1_234_567, "2025-06-30".into()),
            ("PZ-X2".into(), 80_000, "2025-07-15".into())
        ]
    );
    // a bad cell in a workbook is reported with its sheet row as the line
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["program", "date", "amount"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "WG-2025").unwrap();
    ws.write_string(1, 1, "2025-02-30").unwrap();
    ws.write_number(1, 2, 100).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let errs = refused(&mut conn, "allocations.xlsx", &bytes);
    assert!(
        errs[0].starts_with("allocations.xlsx:2: date: "),
        "{errs:?}"
    );
}

#[test]
fn malformed_csv_is_reported_at_its_line() {
    let mut conn = base();
    let e1 = ent1();
    let unbalanced = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-03-01,paid,李娟,王建国,,\nPZ-2,WG-2025,{e1},100,2025-03-02,paid,李娟,王建国,,\"未闭合\nPZ-3,WG-2025,{e1},100,2025-03-03,paid,李娟,王建国,,\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", unbalanced.as_bytes());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("disbursements.csv:3: "), "{errs:?}");
    assert!(errs[0].contains("unbalanced quote"), "{errs:?}");

    let short = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-03-01,paid,李娟,王建国,,\nPZ-2,WG-2025,{e1},100\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", short.as_bytes());
    assert_eq!(
        errs,
        vec!["disbursements.csv:3: 字段数应为 10，实为 4 (expected 10 fields, found 4)"]
    );
}

#[test]
fn wrong_encoding_is_refused_with_its_line() {
    let mut conn = base();
    let mut bytes = b"program,date,amount\nWG-2025,2025-03-01,100\n".to_vec();
    bytes.extend_from_slice(b"WG-2025,2025-03-02,caf\xe9,\n");
    let errs = refused(&mut conn, "allocations.csv", &bytes);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("allocations.csv:3: "), "{errs:?}");
    assert!(errs[0].contains("UTF-8"), "{errs:?}");
}

#[test]
fn invalid_credit_codes_name_the_reason() {
    let mut conn = base();
    let good = ent1();
    let mut bad_check = good.clone();
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let text = format!(
        "credit_code,name,size\n\
         91530428MA6K3L2X,元江县因远镇甲公司,small\n\
         91530428MA6K3LIX01,元江县因远镇乙公司,small\n\
         {bad_check},元江县因远镇丙公司,small\n"
    );
    let errs = refused(&mut conn, "enterprises.csv", text.as_bytes());
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].starts_with("enterprises.csv:2: credit_code: ") && errs[0].contains("got 16"));
    assert!(
        errs[1].starts_with("enterprises.csv:3: credit_code: ") && errs[1].contains("position 15")
    );
    assert!(
        errs[2].starts_with("enterprises.csv:4: credit_code: ") && errs[2].contains("check digit")
    );
}

#[test]
fn bad_amounts_and_dates() {
    let mut conn = base();
    let e1 = ent1();
    let text = format!(
        "{}PZ-1,WG-2025,{e1},100.123,2025-03-01,paid,李娟,王建国,,\n\
         PZ-2,WG-2025,{e1},一百元,2025-03-02,paid,李娟,王建国,,\n\
         PZ-3,WG-2025,{e1},100,2025-02-30,paid,李娟,王建国,,\n\
         PZ-4,WG-2025,{e1},100,2025-03-04,已付,李娟,王建国,,\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(
        errs[0].starts_with("disbursements.csv:2: amount: ")
            && errs[0].contains("more than 2 decimals")
    );
    assert!(
        errs[1].starts_with("disbursements.csv:3: amount: ") && errs[1].contains("not a number")
    );
    assert!(errs[2].starts_with("disbursements.csv:4: date: ") && errs[2].contains("no such day"));
    assert!(errs[3].starts_with("disbursements.csv:5: status: ") && errs[3].contains("已付"));
}

#[test]
fn chinese_headers_are_named_as_written() {
    let mut conn = base();
    let text = "项目编码,日期,金额\nWG-2025,2025-03-01,1.234\n";
    let errs = refused(&mut conn, "allocations.csv", text.as_bytes());
    assert!(errs[0].starts_with("allocations.csv:2: 金额: "), "{errs:?}");
}

#[test]
fn closed_month_rows_are_refused() {
    let mut conn = base();
    conn.execute(
        "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-03', '王建国', '2025-04-08 10:00:00')",
        [],
    )
    .unwrap();
    let e1 = ent1();
    let text = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-04-01,paid,李娟,王建国,,\nPZ-2,WG-2025,{e1},100,2025-03-31,paid,李娟,王建国,,\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("disbursements.csv:3: date: ") && errs[0].contains("2025-03"),
        "{errs:?}"
    );
    let alloc = "program,date,amount\nWG-2025,2025-03-15,-5000\n";
    let errs = refused(&mut conn, "allocations.csv", alloc.as_bytes());
    assert!(errs[0].starts_with("allocations.csv:2: date: "), "{errs:?}");
}

#[test]
fn unknown_program_and_enterprise() {
    let mut conn = base();
    let unknown = cc("91530428MA6K3L2X9");
    let text = format!(
        "{}PZ-1,XX-9999,{},100,2025-04-01,paid,李娟,王建国,,\nPZ-2,WG-2025,{unknown},100,2025-04-01,paid,李娟,王建国,,\n",
        disb_header(),
        ent1()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 2);
    assert!(errs[0].starts_with("disbursements.csv:2: program: ") && errs[0].contains("XX-9999"));
    assert!(
        errs[1].starts_with("disbursements.csv:3: credit_code: ")
            && errs[1].contains("unknown enterprise")
    );
}

#[test]
fn duplicate_vouchers_in_file_and_in_database() {
    let mut conn = base();
    let e1 = ent1();
    let row = |v: &str, d: &str| format!("{v},WG-2025,{e1},100,{d},paid,李娟,王建国,,\n");
    let text = format!(
        "{}{}{}{}",
        disb_header(),
        row("PZ-1", "2025-04-01"),
        row("PZ-2", "2025-04-02"),
        row("PZ-1", "2025-04-03")
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("disbursements.csv:4: voucher_no: ")
            && errs[0].contains("repeated in this file"),
        "{errs:?}"
    );

    load(
        &mut conn,
        "disbursements.csv",
        &format!("{}{}", disb_header(), row("PZ-1", "2025-04-01")),
    )
    .unwrap();
    let again = format!(
        "{}{}{}",
        disb_header(),
        row("PZ-5", "2025-04-05"),
        row("PZ-1", "2025-04-01")
    );
    let errs = refused(&mut conn, "disbursements.csv", again.as_bytes());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("disbursements.csv:3: voucher_no: ") && errs[0].contains("--upsert"),
        "{errs:?}"
    );
}

#[test]
fn negative_amounts_only_on_reversals_of_known_vouchers() {
    let mut conn = base();
    let e1 = ent1();
    let text = format!(
        "{}PZ-1,WG-2025,{e1},-100,2025-04-01,paid,李娟,王建国,,\n\
         PZ-2,WG-2025,{e1},-100,2025-04-02,paid,李娟,王建国,PZ-404,\n\
         PZ-3,WG-2025,{e1},500,2025-04-02,paid,李娟,王建国,,\n\
         PZ-4,WG-2025,{e1},-100,2025-04-03,pending,李娟,,PZ-3,\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].starts_with("disbursements.csv:2: amount: ") && errs[0].contains("reversal"));
    assert!(errs[1].starts_with("disbursements.csv:3: reverses: ") && errs[1].contains("PZ-404"));
    assert!(errs[2].starts_with("disbursements.csv:5: status: ") && errs[2].contains("paid"));
    // a reversal of a voucher imported earlier (another file) is fine
    load(
        &mut conn,
        "disbursements.csv",
        &format!(
            "{}PZ-3,WG-2025,{e1},500,2025-04-02,paid,李娟,王建国,,\n",
            disb_header()
        ),
    )
    .unwrap();
    load(
        &mut conn,
        "disbursements.csv",
        &format!(
            "{}PZ-3R,WG-2025,{e1},-500,2025-04-09,paid,李娟,王建国,PZ-3,冲销\n",
            disb_header()
        ),
    )
    .unwrap();
}

#[test]
fn partial_reversals_may_not_exceed_the_original_nor_precede_it() {
    let mut conn = base();
    let e1 = ent1();
    let orig = format!(
        "{}PZ-9,WG-2025,{e1},1000,2025-05-10,paid,李娟,王建国,,\n",
        disb_header()
    );
    load(&mut conn, "disbursements.csv", &orig).unwrap();
    // 600 + 500 > 1000: the second reversal is the bad row; and one dated before the original
    let text = format!(
        "{}PZ-9A,WG-2025,{e1},-600,2025-05-20,paid,李娟,王建国,PZ-9,部分冲销\n\
         PZ-9B,WG-2025,{e1},-500,2025-05-21,paid,李娟,王建国,PZ-9,部分冲销\n\
         PZ-9C,WG-2025,{e1},-100,2025-05-01,paid,李娟,王建国,PZ-9,倒签\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with("disbursements.csv:3: amount: ") && errs[0].contains("400.00"),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with("disbursements.csv:4: date: ") && errs[1].contains("2025-05-10"),
        "{errs:?}"
    );
    // near miss: 600 + 400 reverses it exactly, across two files
    let a = format!(
        "{}PZ-9A,WG-2025,{e1},-600,2025-05-20,paid,李娟,王建国,PZ-9,部分冲销\n",
        disb_header()
    );
    load(&mut conn, "disbursements.csv", &a).unwrap();
    let b = format!(
        "{}PZ-9B,WG-2025,{e1},-400,2025-05-21,paid,李娟,王建国,PZ-9,部分冲销\n",
        disb_header()
    );
    load(&mut conn, "disbursements.csv", &b).unwrap();
    let one_more = format!(
        "{}PZ-9D,WG-2025,{e1},-0.01,2025-05-22,paid,李娟,王建国,PZ-9,\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", one_more.as_bytes());
    assert!(errs[0].contains("0.00"), "{errs:?}");
}

#[test]
fn unknown_and_missing_columns() {
    let mut conn = base();
    let errs = refused(
        &mut conn,
        "allocations.csv",
        "program,date,amount,颜色\nWG-2025,2025-03-01,100,红\n".as_bytes(),
    );
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("allocations.csv:1: 颜色: ") && errs[0].contains("unknown column"));
    let ok = load_opts(
        &mut conn,
        "allocations.csv",
        "program,date,amount,颜色\nWG-2025,2025-03-01,100,红\n".as_bytes(),
        Options {
            ignore_unknown: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(ok.written, 1);
    let errs = refused(
        &mut conn,
        "allocations.csv",
        "program,date\nWG-2025,2025-03-01\n".as_bytes(),
    );
    assert_eq!(
        errs,
        vec!["allocations.csv:1: amount: 缺少必需列 金额 (missing required column)"]
    );
}

#[test]
fn the_same_keyless_file_twice_is_refused() {
    let mut conn = base();
    let text = "program,date,amount,doc_no\nWG-2025,2025-06-01,-50000,元财社〔2025〕30号 调减\n";
    load(&mut conn, "allocations.csv", text).unwrap();
    let before = snapshot(&conn);
    let err = import_bytes(
        &mut conn,
        &actor(),
        "allocations-copy.csv",
        text.as_bytes(),
        Some(Kind::Allocations),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(snapshot(&conn), before);
    let errs = err.errors;
    assert!(
        errs[0].starts_with("allocations-copy.csv: ") && errs[0].contains("already imported"),
        "{errs:?}"
    );
}

#[test]
fn upsert_updates_but_never_a_paid_row() {
    let mut conn = base();
    let e1 = ent1();
    let first = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-04-01,pending,李娟,,,\nPZ-2,WG-2025,{e1},200,2025-04-02,paid,李娟,王建国,,\n",
        disb_header()
    );
    load(&mut conn, "disbursements.csv", &first).unwrap();
    let second = format!(
        "{}PZ-1,WG-2025,{e1},150,2025-04-01,approved,李娟,王建国,,\nPZ-2,WG-2025,{e1},200,2025-04-02,paid,李娟,王建国,,\nPZ-3,WG-2025,{e1},300,2025-04-03,pending,李娟,,,\n",
        disb_header()
    );
    let upsert = Options {
        upsert: true,
        ..Options::default()
    };
    let s = load_opts(&mut conn, "disbursements.csv", second.as_bytes(), upsert).unwrap();
    assert_eq!((s.inserted, s.updated, s.unchanged), (1, 1, 1));
    let (amount, status): (i64, Status) = conn
        .query_row(
            "SELECT amount_fen, status FROM disbursement WHERE voucher_no='PZ-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((amount, status), (15000, Status::Approved));
    // changing a paid row is refused even with --upsert
    let third = format!(
        "{}PZ-2,WG-2025,{e1},250,2025-04-02,paid,李娟,王建国,,\n",
        disb_header()
    );
    let before = snapshot(&conn);
    let err = load_opts(&mut conn, "disbursements.csv", third.as_bytes(), upsert).unwrap_err();
    assert!(
        err.errors[0].starts_with("disbursements.csv:2: voucher_no: ")
            && err.errors[0].contains("paid row is never changed"),
        "{err}"
    );
    assert_eq!(snapshot(&conn), before);
    // programs and enterprises update by their codes
    let prog = PROGRAMS_ZH.replace("稳岗返还,人社局", "失业保险稳岗返还,县人社局");
    let s = load_opts(&mut conn, "programs.csv", prog.as_bytes(), upsert).unwrap();
    assert_eq!(s.updated, 2);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM program WHERE name='失业保险稳岗返还'"
        ),
        1
    );
    let errs = refused(&mut conn, "programs.csv", prog.as_bytes());
    assert!(
        errs[0].starts_with("programs.csv:2: 项目编码: ") && errs[0].contains("--upsert"),
        "{errs:?}"
    );
}

#[test]
fn dry_run_writes_nothing_but_sees_earlier_files() {
    let mut conn = open_in_memory().unwrap();
    let e1 = ent1();
    let disb = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-04-01,paid,李娟,王建国,,\n",
        disb_header()
    );
    let inputs = vec![
        (
            Kind::Programs,
            Input::Bytes {
                name: "programs.csv".into(),
                bytes: PROGRAMS_ZH.as_bytes(),
            },
        ),
        (
            Kind::Disbursements,
            Input::Bytes {
                name: "disbursements.csv".into(),
                bytes: disb.as_bytes(),
            },
        ),
    ];
    let opts = Options {
        dry_run: true,
        ..Options::default()
    };
    // enterprises are missing: the dry run finds it in the second file
    let err = import_inputs(&mut conn, &actor(), inputs.clone(), &opts, &mut |_| {}).unwrap_err();
    assert_eq!(err.done.len(), 1);
    assert!(
        err.errors[0].starts_with("disbursements.csv:2: credit_code: "),
        "{err}"
    );
    assert_eq!(snapshot(&conn), vec![0; 9]);
    let ents = enterprises_en();
    let mut all = inputs;
    all.insert(
        1,
        (
            Kind::Enterprises,
            Input::Bytes {
                name: "enterprises.csv".into(),
                bytes: ents.as_bytes(),
            },
        ),
    );
    let done = import_inputs(&mut conn, &actor(), all, &opts, &mut |_| {}).unwrap();
    assert_eq!(
        done.iter().map(|s| s.written).collect::<Vec<_>>(),
        vec![2, 2, 1]
    );
    assert!(done.iter().all(|s| s.dry_run));
    assert_eq!(snapshot(&conn), vec![0; 9]);
}

#[test]
fn an_auditor_cannot_import() {
    let mut conn = open_in_memory().unwrap();
    let auditor = Actor {
        user: "赵敏".into(),
        role: crate::model::Role::Auditor,
    };
    let err = import_bytes(
        &mut conn,
        &auditor,
        "programs.csv",
        PROGRAMS_ZH.as_bytes(),
        None,
        &Options::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("auditor"), "{err}");
    assert_eq!(snapshot(&conn), vec![0; 9]);
}

#[test]
fn bulk_disbursements_rebuild_indexes_and_a_bad_row_keeps_them() {
    let mut conn = base();
    let e1 = ent1();
    let n = 60_000;
    let mut text = String::from(disb_header());
    for k in 0..n {
        text.push_str(&format!(
            "PZ-{k:07},WG-2025,{e1},{}.{:02},2025-{:02}-{:02},paid,李娟,王建国,,元江县澧江街道稳岗返还\n",
            100 + k % 900,
            k % 100,
            1 + k % 12,
            1 + k % 28
        ));
    }
    assert!(text.len() as u64 >= BULK_BYTES);
    let indexes = |c: &Connection| {
        count(
            c,
            "SELECT count(*) FROM sqlite_master WHERE type='index' AND name LIKE 'ix_disb_%'",
        )
    };
    let before = indexes(&conn);
    assert_eq!(before, 5);
    let mut bad = text.clone();
    bad.push_str(&format!(
        "PZ-X,WG-2025,{e1},1.001,2025-05-01,paid,李娟,王建国,,\n"
    ));
    let errs = refused(&mut conn, "disbursements.csv", bad.as_bytes());
    assert_eq!(
        errs,
        vec![format!(
            "disbursements.csv:{}: amount: 金额最多两位小数: '1.001' (more than 2 decimals)",
            n + 2
        )]
    );
    assert_eq!(indexes(&conn), 5);
    let mut seen = Vec::new();
    let inputs = vec![(
        Kind::Disbursements,
        Input::Bytes {
            name: "disbursements.csv".into(),
            bytes: text.as_bytes(),
        },
    )];
    let s = import_inputs(&mut conn, &actor(), inputs, &Options::default(), &mut |p| {
        seen.push(p.rows)
    })
    .unwrap();
    assert_eq!(s[0].written, n as u64);
    assert_eq!(indexes(&conn), 5);
    assert_eq!(seen, vec![50_000, n as u64]);
    crate::db::verify(&conn).unwrap();
    // the program × month sums written by the bulk path, the triggers back
    assert_eq!(
        crate::repo::summary::tests::assert_summary_right(&conn, "bulk import"),
        12
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name GLOB 'program_month_*'"
        ),
        3
    );
}

/// A bulk file into an empty table on a WAL file: loaded with a rollback journal and
/// without per-row foreign-key lookups, and the connection is back to WAL with foreign
/// keys on afterwards — also when the file is refused.
#[test]
fn bulk_import_puts_the_connection_settings_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = crate::db::open(&dir.path().join("直达.db")).unwrap();
    load(&mut conn, "programs.csv", PROGRAMS_ZH).unwrap();
    load(&mut conn, "enterprises.csv", &enterprises_en()).unwrap();
    let e1 = ent1();
    let mut text = String::from(disb_header());
    for k in 0..60_000 {
        text.push_str(&format!(
            "PZ-{k:07},WG-2025,{e1},{}.00,2025-{:02}-{:02},paid,李娟,王建国,,元江县澧江街道稳岗返还\n",
            100 + k % 900,
            1 + k % 12,
            1 + k % 28
        ));
    }
    assert!(text.len() as u64 >= BULK_BYTES);
    let settings = |c: &Connection| -> (String, i64) {
        (
            c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap(),
            c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .unwrap(),
        )
    };
    assert_eq!(settings(&conn), ("wal".to_string(), 1));
    let mut bad = text.clone();
    bad.push_str(&format!(
        "PZ-X,WG-2025,{e1},1.001,2025-05-01,paid,李娟,王建国,,\n"
    ));
    refused(&mut conn, "disbursements.csv", bad.as_bytes());
    assert_eq!(
        settings(&conn),
        ("wal".to_string(), 1),
        "after a refused file"
    );
    let s = load(&mut conn, "disbursements.csv", &text).unwrap();
    assert_eq!(s.written, 60_000);
    assert_eq!(settings(&conn), ("wal".to_string(), 1), "after the load");
    crate::db::verify(&conn).unwrap();
    crate::repo::summary::tests::assert_summary_right(&conn, "bulk import on a file");
    // the closed-month trigger is back: a direct insert into a closed month is refused
    conn.execute(
        "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-01', '王建国', '2025-02-05 09:00:00')",
        [],
    )
    .unwrap();
    let direct = conn.execute(
        "INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status)
         VALUES ('PZ-late', 1, 1, 100, '2025-01-20', 'pending')",
        [],
    );
    assert!(direct.is_err(), "closed month refused by the trigger");
}

/// An enterprise file counts one change for the search cache (not one per row), so the
/// next lookup rebuilds the cache and finds the new names.
#[test]
fn an_enterprise_file_refreshes_the_search_cache() {
    let mut conn = base();
    let n = |c: &Connection| count(c, "SELECT changes FROM enterprise_search_state");
    let before = n(&conn);
    // a lookup builds the cache now
    assert!(
        crate::repo::lookup::find_enterprises(&conn, "红河谷", 5)
            .unwrap()
            .len()
            == 1
    );
    let more = format!(
        "credit_code,name,size,industry,township,contact\n{},元江县因远镇新来食品厂,small,食品加工,因远镇,赵六\n",
        CreditCode::complete("91530428MA6K99990").unwrap()
    );
    load(&mut conn, "enterprises.csv", &more).unwrap();
    assert_eq!(n(&conn), before + 1, "one change for the whole file");
    let found = crate::repo::lookup::find_enterprises(&conn, "新来食品", 5).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "元江县因远镇新来食品厂");
    assert_eq!(
        count(&conn, "SELECT count(*) FROM sqlite_master WHERE name GLOB 'enterprise_search_*' AND type = 'trigger'"),
        3
    );
}

/// Files from Excel/WPS on Windows end their lines with CRLF: errors still name the
/// physical line, and a CRLF inside a quoted note stays one field.
#[test]
fn crlf_files_report_physical_lines() {
    let mut conn = base();
    let e1 = ent1();
    let text = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-03-01,paid,李娟,王建国,,\"第一行\r\n第二行\"\r\nPZ-2,WG-2025,{e1},1.234,2025-03-02,paid,李娟,王建国,,\r\nPZ-3,WG-2025,{e1},100,2025-13-03,paid,李娟,王建国,,\r\n",
        disb_header().replace('\n', "\r\n")
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with("disbursements.csv:4: amount"),
        "{errs:?}"
    );
    assert!(errs[1].starts_with("disbursements.csv:5: date"), "{errs:?}");
    // the same in GB18030
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let errs = refused(&mut conn, "disbursements.csv", &gbk);
    assert!(
        errs[0].starts_with("disbursements.csv:4: amount"),
        "{errs:?}"
    );
    assert!(errs[1].starts_with("disbursements.csv:5: date"), "{errs:?}");

    // accepted: the note keeps its line break (as LF)
    let ok = format!(
        "{}PZ-1,WG-2025,{e1},100,2025-03-01,paid,李娟,王建国,,\"第一行\r\n第二行\"\r\n",
        disb_header().replace('\n', "\r\n")
    );
    load(&mut conn, "disbursements.csv", &ok).unwrap();
    let note: String = conn
        .query_row(
            "SELECT note FROM disbursement WHERE voucher_no = 'PZ-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "第一行\n第二行");
}

/// A CRLF cut between two reads of the decoder (and a lone CR that is not a line end)
/// come out right whatever the chunk boundaries.
#[test]
fn crlf_split_across_reads() {
    use std::io::Read;
    /// A reader handing out `n` bytes at a time.
    struct Dribble<'a>(&'a [u8], usize);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let text = "编码,名称\r\nA1,稳岗\r返还\r\nA2,科技创新券\r\n\r";
    for n in 1..8 {
        let shared = std::sync::Arc::new(source::Shared::default());
        let mut d = source::Decoding::new(Dribble(text.as_bytes(), n), shared);
        let mut out = String::new();
        d.read_to_string(&mut out).unwrap();
        assert_eq!(
            out, "编码,名称\nA1,稳岗\r返还\nA2,科技创新券\n\r",
            "chunks of {n}"
        );
    }
}

#[test]
fn allocation_and_disbursement_dates_are_optional_columns() {
    let mut conn = base();
    let e1 = ent1();
    load(
        &mut conn,
        "allocations.csv",
        "项目编码,日期,金额,文号,收到日期,下达日期\n\
         WG-2025,2025-09-20,1000,元财社〔2025〕30号,2025-09-22,2025年10月15日\n\
         KJ-2025,2025-09-21,500,元财教〔2025〕9号,2025-09-22,\n",
    )
    .unwrap();
    let got: Vec<(Option<String>, Option<String>)> = conn
        .prepare("SELECT received_date, distributed_date FROM allocation WHERE date >= '2025-09-01' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("2025-09-22".into()), Some("2025-10-15".into())),
            (Some("2025-09-22".into()), None)
        ]
    );
    let errs = refused(
        &mut conn,
        "allocations.csv",
        "program,date,amount,received_date,distributed_date\nWG-2025,2025-09-20,1000,2025-09-22,2025-09-21\nWG-2025,2025-09-20,1000,2025-09-31,\n"
            .as_bytes(),
    );
    assert!(
        errs[0].starts_with("allocations.csv:2: distributed_date: ")
            && errs[0].contains("早于收到日期"),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with("allocations.csv:3: received_date: "),
        "{errs:?}"
    );

    let header =
        "凭证号,项目编码,统一社会信用代码,金额,日期,状态,经办人,复核人,复核日期,支付日期\n";
    load(
        &mut conn,
        "disbursements.csv",
        &format!(
            "{header}PZ-1,WG-2025,{e1},100,2025-09-26,paid,李娟,王建国,2025-09-30,2025-10-09\n\
             PZ-2,WG-2025,{e1},100,2025-09-26,approved,李娟,王建国,2025-09-30,\n\
             PZ-3,WG-2025,{e1},100,2025-09-26,paid,李娟,王建国,,\n"
        ),
    )
    .unwrap();
    let dates = |c: &Connection, v: &str| -> (Option<String>, Option<String>) {
        c.query_row(
            "SELECT approved_date, paid_date FROM disbursement WHERE voucher_no = ?1",
            [v],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(
        dates(&conn, "PZ-1"),
        (Some("2025-09-30".into()), Some("2025-10-09".into()))
    );
    assert_eq!(dates(&conn, "PZ-3"), (None, None));
    let errs = refused(
        &mut conn,
        "disbursements.csv",
        format!(
            "{header}PZ-4,WG-2025,{e1},100,2025-09-26,pending,李娟,,2025-09-30,\n\
             PZ-5,WG-2025,{e1},100,2025-09-26,approved,李娟,王建国,2025-09-30,2025-10-09\n\
             PZ-6,WG-2025,{e1},100,2025-09-26,paid,李娟,王建国,2025-10-09,2025-09-30\n"
        )
        .as_bytes(),
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs[0].starts_with("disbursements.csv:2: 复核日期: "),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with("disbursements.csv:3: 支付日期: "),
        "{errs:?}"
    );
    assert!(errs[2].contains("paid before it was approved"), "{errs:?}");

    // --upsert from a file without the date columns keeps the stored dates
    let upsert = Options {
        upsert: true,
        ..Options::default()
    };
    let s = load_opts(
        &mut conn,
        "disbursements.csv",
        format!(
            "{}PZ-2,WG-2025,{e1},120,2025-09-26,approved,李娟,王建国,,\n",
            disb_header()
        )
        .as_bytes(),
        upsert,
    )
    .unwrap();
    assert_eq!(s.updated, 1);
    assert_eq!(dates(&conn, "PZ-2"), (Some("2025-09-30".into()), None));
    // and one with them sets them
    let s = load_opts(
        &mut conn,
        "disbursements.csv",
        format!("{header}PZ-2,WG-2025,{e1},120,2025-09-26,approved,李娟,王建国,2025-10-08,\n")
            .as_bytes(),
        upsert,
    )
    .unwrap();
    assert_eq!(s.updated, 1);
    assert_eq!(dates(&conn, "PZ-2"), (Some("2025-10-08".into()), None));
}

/// A disbursement file is read and checked on a second thread in batches while this one
/// writes: row errors on both sides of batch boundaries come out in line order with
/// their lines, a reversal finds its original written batches earlier, and a bad byte
/// deep in the file stops it with nothing written.
#[test]
fn disbursements_read_on_a_second_thread_keep_lines_order_and_atomicity() {
    let mut conn = base();
    let (e1, e2) = (ent1(), ent2());
    let n = 3 * loaders::BATCH + 17;
    let row = |k: usize| {
        let e = if k.is_multiple_of(2) { &e1 } else { &e2 };
        let prog = if k.is_multiple_of(3) {
            "KJ-2025"
        } else {
            "WG-2025"
        };
        format!(
            "PZ-{k:06},{prog},{e},{}.50,2025-{:02}-{:02},paid,李娟,王建国,,元江县稳岗返还第{k}笔\n",
            100 + k,
            1 + k % 12,
            1 + k % 28
        )
    };
    let body: Vec<String> = (0..n).map(row).collect();
    // bad rows: the first, one on each side of the first boundary, one in the last batch
    let bad_at = [0, loaders::BATCH - 1, loaders::BATCH, n - 2];
    let mut text = String::from(disb_header());
    for (k, line) in body.iter().enumerate() {
        if bad_at.contains(&k) {
            text.push_str(&format!(
                "PZ-{k:06},WG-2025,915304281234567890,12.00,2025-03-01,paid,李娟,王建国,,坏代码\n"
            ));
        } else {
            text.push_str(line);
        }
    }
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    let lines: Vec<String> = errs
        .iter()
        .map(|e| e.split(':').nth(1).unwrap_or("").to_string())
        .collect();
    let want: Vec<String> = bad_at.iter().map(|k| (k + 2).to_string()).collect();
    assert_eq!(lines, want, "{errs:?}");
    assert!(errs.iter().all(|e| e.contains("credit_code")), "{errs:?}");

    // a good file, whose last row reverses a voucher of its first batch
    let mut good = String::from(disb_header());
    good.extend(body.iter().cloned());
    good.push_str(&format!(
        "PZ-R1,WG-2025,{e2},-50.00,2025-12-30,paid,李娟,王建国,PZ-000001,冲销\n"
    ));
    let s = load(&mut conn, "disbursements.csv", &good).unwrap();
    assert_eq!(s.read, n as u64 + 1);
    assert_eq!(s.written, n as u64 + 1);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM disbursement d JOIN disbursement o ON o.id = d.reverses_id
             WHERE d.voucher_no = 'PZ-R1' AND o.voucher_no = 'PZ-000001'"
        ),
        1
    );
    let note: String = conn
        .query_row(
            "SELECT note FROM disbursement WHERE voucher_no = ?1",
            [format!("PZ-{:06}", n - 1)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, format!("元江县稳岗返还第{}笔", n - 1));

    // a Latin-1 byte in the last batch: refused at its line, nothing of the file kept
    let mut conn = base();
    let mut bytes = String::from(disb_header()).into_bytes();
    for (k, line) in body.iter().enumerate() {
        if k == n - 5 {
            bytes.extend_from_slice(b"PZ-LATIN,WG-2025,");
            bytes.extend_from_slice(e1.as_bytes());
            bytes.extend_from_slice(b",10.00,2025-03-01,paid,caf\xe9,,,\n");
        } else {
            bytes.extend_from_slice(line.as_bytes());
        }
    }
    let errs = refused(&mut conn, "disbursements.csv", &bytes);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(&format!("disbursements.csv:{}:", n - 5 + 2)),
        "{errs:?}"
    );
}

/// The table's CHECKs are off while a disbursement file loads, so the loader must refuse
/// every row they would: each such row is named with its reason, nothing is written, the
/// checks are on again afterwards, and a load of good rows leaves them all satisfied.
#[test]
fn disbursement_rows_breaking_a_table_check_are_refused_by_the_loader() {
    let mut conn = base();
    let e1 = ent1();
    load(
        &mut conn,
        "disbursements.csv",
        &format!(
            "{}PZ-1,WG-2025,{e1},1000,2025-03-01,paid,李娟,王建国,,\n\
             PZ-2,WG-2025,{e1},200,2025-03-02,pending,李娟,,,\n",
            disb_header()
        ),
    )
    .unwrap();
    let text = format!(
        "{}  ,WG-2025,{e1},100,2025-03-05,paid,李娟,王建国,,空凭证号\n\
         PZ-11,WG-2025,{e1},0,2025-03-05,paid,李娟,王建国,,零金额\n\
         PZ-12,WG-2025,{e1},-100,2025-03-05,paid,李娟,王建国,,负数非冲销\n\
         PZ-13,WG-2025,{e1},100,2025-03-05,paid,李娟,王建国,PZ-1,正数冲销\n\
         PZ-14,WG-2025,{e1},-100,2025-03-05,approved,李娟,王建国,PZ-1,未付冲销\n\
         PZ-15,WG-2025,{e1},-100,2025-03-05,paid,李娟,王建国,PZ-2,冲销未付原凭证\n\
         PZ-16,WG-2025,{e1},100,2025-02-29,paid,李娟,王建国,,无此日\n\
         PZ-17,WG-2025,{e1},100,2025-03-05,已付,李娟,王建国,,未知状态\n\
         PZ-18,WG-2025,{e1},-100,2025-03-05,paid,李娟,王建国,PZ-18,冲销自身\n",
        disb_header()
    );
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    for (line, column) in [
        (2, "voucher_no"),
        (3, "amount"),
        (4, "amount"),
        (5, "amount"),
        (6, "status"),
        (7, "reverses"),
        (8, "date"),
        (9, "status"),
        (10, "reverses"),
    ] {
        let at = format!("disbursements.csv:{line}: {column}: ");
        assert!(errs.iter().any(|e| e.starts_with(&at)), "{at} in {errs:?}");
    }
    let on: i64 = conn
        .query_row("PRAGMA ignore_check_constraints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on, 0, "the checks are enforced again after the file");
    // good rows of every shape: the constraints hold on what was written
    load(
        &mut conn,
        "disbursements.csv",
        &format!(
            "{}PZ-3,WG-2025,{e1},300,2025-03-06,approved,李娟,王建国,,\n\
             PZ-4,WG-2025,{e1},-400,2025-03-07,paid,李娟,王建国,PZ-1,部分冲销\n\
             PZ-5,KJ-2025,{e1},500,2025-03-08,rejected,李娟,王建国,,退回\n",
            disb_header()
        ),
    )
    .unwrap();
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(count(&conn, "SELECT count(*) FROM disbursement"), 5);
}

/// `program_month` as kept during imports, next to the same table rebuilt from the rows.
fn summary_kept_and_rebuilt(conn: &Connection) -> (Vec<String>, Vec<String>) {
    let read = |c: &Connection| -> Vec<String> {
        let mut st = c
            .prepare("SELECT program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid FROM program_month ORDER BY 1, 2")
            .unwrap();
        st.query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}|{}|{}|{:?}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    };
    let kept = read(conn);
    crate::repo::summary::rebuild(conn).unwrap();
    (kept, read(conn))
}

/// Disbursement rows are inserted in groups, a taken voucher skipping its row; the rows a
/// group skipped are then written one by one. Outcomes, errors (in file order), ids and
/// figures must be exactly those of a one-by-one load, wherever in a group a taken
/// voucher falls: first, middle, last, across groups, twice in one group.
#[test]
fn grouped_inserts_report_taken_vouchers_as_one_by_one_would() {
    let stored = |conn: &mut Connection| {
        let e1 = ent1();
        let first = format!(
            "{}PZ-S01,WG-2025,{e1},100,2025-05-01,pending,李娟,,,\nPZ-S02,WG-2025,{e1},200,2025-05-02,paid,李娟,王建国,,\nPZ-S03,KJ-2025,{e1},300,2025-05-03,pending,李娟,,,\n",
            disb_header()
        );
        load(conn, "disbursements.csv", &first).unwrap();
    };
    let (e1, e2) = (ent1(), ent2());
    let new_row = |k: usize| {
        let e = if k.is_multiple_of(2) { &e1 } else { &e2 };
        format!(
            "PZ-N{k:03},WG-2025,{e},{}.00,2025-06-{:02},paid,李娟,王建国,,红河谷第{k}笔拨付\n",
            10 + k,
            1 + k % 28
        )
    };
    let upsert = Options {
        upsert: true,
        ..Options::default()
    };

    // --upsert: an update at 5 (inside the first group), the same row at 31 (a group's
    // last), an update at 32 (the next group's first), new rows everywhere else
    let mut conn = base();
    stored(&mut conn);
    let mut text = String::from(disb_header());
    for k in 0..100 {
        text.push_str(&match k {
            5 => format!("PZ-S01,WG-2025,{e1},150,2025-05-01,approved,李娟,王建国,,\n"),
            31 => format!("PZ-S02,WG-2025,{e1},200,2025-05-02,paid,李娟,王建国,,\n"),
            32 => format!("PZ-S03,KJ-2025,{e1},333,2025-05-03,pending,李娟,,,改金额\n"),
            _ => new_row(k),
        });
    }
    let s = load_opts(&mut conn, "disbursements.csv", text.as_bytes(), upsert).unwrap();
    assert_eq!((s.inserted, s.updated, s.unchanged), (97, 2, 1));
    let got: Vec<(String, i64, String, String)> = {
        let mut st = conn
            .prepare("SELECT voucher_no, amount_fen, status, note FROM disbursement ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let mut want = vec![
        (
            "PZ-S01".to_string(),
            15000,
            "approved".to_string(),
            String::new(),
        ),
        (
            "PZ-S02".to_string(),
            20000,
            "paid".to_string(),
            String::new(),
        ),
        (
            "PZ-S03".to_string(),
            33300,
            "pending".to_string(),
            "改金额".to_string(),
        ),
    ];
    // the new rows in file order, with their own values: ids follow the lines
    for k in (0..100).filter(|k| ![5, 31, 32].contains(k)) {
        want.push((
            format!("PZ-N{k:03}"),
            (10 + k as i64) * 100,
            "paid".to_string(),
            format!("红河谷第{k}笔拨付"),
        ));
    }
    assert_eq!(got, want);
    let (kept, rebuilt) = summary_kept_and_rebuilt(&conn);
    assert_eq!(kept, rebuilt);

    // without --upsert: a voucher twice in one group (lines 5 and 9), a stored voucher
    // (line 35), a voucher of an earlier group (line 42): each named at its line, in
    // order, and nothing of the file kept
    let mut conn = base();
    stored(&mut conn);
    let mut text = String::from(disb_header());
    for k in 0..70 {
        text.push_str(&match k {
            7 => new_row(3),
            33 => format!("PZ-S02,WG-2025,{e1},200,2025-05-02,paid,李娟,王建国,,\n"),
            40 => new_row(2),
            _ => new_row(k),
        });
    }
    let errs = refused(&mut conn, "disbursements.csv", text.as_bytes());
    let lines: Vec<&str> = errs
        .iter()
        .map(|e| e.split(':').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(lines, ["9", "35", "42"], "{errs:?}");
    assert!(
        errs[0].contains("PZ-N003") && errs[0].contains("repeated in this file"),
        "{errs:?}"
    );
    assert!(
        errs[1].contains("PZ-S02") && errs[1].contains("--upsert"),
        "{errs:?}"
    );
    assert!(
        errs[2].contains("PZ-N002") && errs[2].contains("repeated in this file"),
        "{errs:?}"
    );
}
