//! `zhida import` end to end: the real binary on temp directories. Good forms load and
//! print one summary line per file; every bad input exits 2, names `file:line: column`
//! on stderr and leaves the database unchanged.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zhida_core::CreditCode;

fn zhida(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhida"))
        .arg("--db")
        .arg(db)
        .args(["--user", "李娟"])
        .args(args)
        .env_remove("ZHIDA_DB")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn cc(first17: &str) -> String {
    CreditCode::complete(first17).unwrap().into_string()
}

fn counts(db: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    [
        "program",
        "enterprise",
        "allocation",
        "disbursement",
        "recovery",
        "evaluation",
        "indicator",
        "audit_log",
    ]
    .iter()
    .map(|t| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    })
    .collect()
}

const DISB_HEADER: &str =
    "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n";

/// A directory with programs, enterprises and allocations (Chinese and English headers).
fn base_dir(dir: &Path) -> PathBuf {
    let d = dir.join("base");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("programs.csv"),
        "项目编码,项目名称,主管部门,资金级次,年度,文号,直达资金,开始日期,结束日期,单户年度上限,每年限一次,互斥组,适用规模\n\
         WG-2025,失业保险稳岗返还,县人力资源和社会保障局,县级,2025,元人社发〔2025〕8号,是,2025-01-01,2025-12-31,,否,,\n\
         KJ-2025,科技创新券,县工业商贸和科技信息局,省级,2025,元财教〔2025〕3号,是,2025-01-01,2025-12-31,300000,否,,中型;小型;微型\n",
    )
    .unwrap();
    let mut ents = b"\xEF\xBB\xBF".to_vec();
    ents.extend_from_slice(
        format!(
            "credit_code,name,size,industry,township,contact\n\
             {},元江县澧江街道红河谷食品有限公司,small,食品加工,澧江街道,李明\n\
             {},元江县甘庄街道芒果种植专业合作社,micro,农业,甘庄街道,王芳\n",
            cc("91530428MA6K3L2X0"),
            cc("93530428MA6N8P1Q7")
        )
        .as_bytes(),
    );
    std::fs::write(d.join("enterprises.csv"), ents).unwrap();
    std::fs::write(
        d.join("allocations.csv"),
        "program,date,amount,doc_no,note\nWG-2025,2025-02-10,\"1,000,000.00\",元财社〔2025〕12号,提前下达\nKJ-2025,2025-02-11,50万,元财教〔2025〕5号,\n",
    )
    .unwrap();
    std::fs::write(d.join("说明.txt"), "不是导入文件").unwrap();
    d
}

fn loaded(dir: &Path) -> PathBuf {
    let db = dir.join("zhida.db");
    let o = zhida(&db, &["import", base_dir(dir).to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

#[test]
fn directory_import_loads_known_files_in_order_and_prints_summaries() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("zhida.db");
    let dir = base_dir(tmp.path());
    // a disbursement file in the same directory depends on the files before it
    std::fs::write(
        dir.join("disbursements.csv"),
        format!(
            "{DISB_HEADER}YJCZ-2025-00001,WG-2025,{},12345.67,2025-03-05,已拨付,李娟,王建国,,\n",
            cc("91530428MA6K3L2X0")
        ),
    )
    .unwrap();
    let o = zhida(&db, &["import", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("programs.csv [项目]: 读取 2 行，写入 2 行"),
        "{out}"
    );
    assert!(lines[1].starts_with("enterprises.csv"), "{out}");
    assert!(lines[2].starts_with("allocations.csv"), "{out}");
    assert!(
        lines[3].starts_with("disbursements.csv [拨付]: 读取 1 行，写入 1 行"),
        "{out}"
    );
    assert_eq!(counts(&db), vec![2, 2, 2, 1, 0, 0, 0, 4]);
    let o = zhida(
        &db,
        &[
            "--lang",
            "en",
            "import",
            dir.join("programs.csv").to_str().unwrap(),
            "--upsert",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 rows read, 2 written (0 inserted, 2 updated, 0 unchanged)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_single_file_needs_a_known_name_or_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let f = tmp.path().join("第二批指标.csv");
    std::fs::write(
        &f,
        "项目编码,日期,金额,文号\nWG-2025,2025-05-10,20万,元财社〔2025〕31号\n",
    )
    .unwrap();
    let before = counts(&db);
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("第二批指标.csv: ") && stderr(&o).contains("--kind"),
        "{}",
        stderr(&o)
    );
    assert_eq!(counts(&db), before);
    let o = zhida(
        &db,
        &["import", f.to_str().unwrap(), "--kind", "allocations"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(counts(&db)[2], before[2] + 1);
    // the identical file again: refused by its sha-256
    let o = zhida(
        &db,
        &["import", f.to_str().unwrap(), "--kind", "allocations"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already imported"), "{}", stderr(&o));
    assert_eq!(counts(&db)[2], before[2] + 1);
}

#[test]
fn gb18030_file_and_dry_run() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let text = format!(
        "凭证号,项目编码,统一社会信用代码,金额,日期,状态,经办人,复核人,冲销凭证号,备注\n\
         YJCZ-2025-00001,WG-2025,{},8000,2025年3月5日,已拨付,李娟,王建国,,因远镇\n",
        cc("93530428MA6N8P1Q7")
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    let f = tmp.path().join("disbursements.csv");
    std::fs::write(&f, &gbk).unwrap();
    let before = counts(&db);
    let o = zhida(&db, &["import", f.to_str().unwrap(), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("仅校验未写入"), "{}", stdout(&o));
    assert_eq!(counts(&db), before);
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let note: String = conn
        .query_row("SELECT note FROM disbursement", [], |r| r.get(0))
        .unwrap();
    assert_eq!(note, "因远镇");
}

#[test]
fn every_bad_input_exits_2_names_file_line_column_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let e1 = cc("91530428MA6K3L2X0");
    let unknown_ent = cc("91530428MA6K3L2X9");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-02', '王建国', '2025-03-08 09:00:00')",
            [],
        )
        .unwrap();
    }
    // an existing voucher for the "already in the database" case
    let f = tmp.path().join("disbursements.csv");
    std::fs::write(
        &f,
        format!("{DISB_HEADER}YJCZ-2025-00009,WG-2025,{e1},100,2025-04-01,paid,李娟,王建国,,\n"),
    )
    .unwrap();
    assert!(zhida(&db, &["import", f.to_str().unwrap()])
        .status
        .success());
    let row = |v: &str, amount: &str, date: &str, rest: &str| {
        format!("{v},WG-2025,{e1},{amount},{date},{rest}\n")
    };
    let ok = row("YJCZ-2025-00001", "100", "2025-04-01", "paid,李娟,王建国,,");
    let bad_check = {
        let mut c = e1.clone();
        let last = c.pop().unwrap();
        c.push(if last == '0' { '1' } else { '0' });
        c
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("unbalanced quote", format!("{DISB_HEADER}{ok}YJCZ-2025-00002,WG-2025,{e1},100,2025-04-02,paid,李娟,王建国,,\"未闭合\n").into_bytes(), "disbursements.csv:3: 引号不配对"),
        ("wrong field count", format!("{DISB_HEADER}{ok}YJCZ-2025-00002,WG-2025,{e1},100\n").into_bytes(), "disbursements.csv:3: 字段数应为 10，实为 4"),
        ("wrong encoding", [format!("{DISB_HEADER}{ok}").into_bytes(), b"YJCZ-2025-00002,WG-2025,caf\xe9,1,2025-04-02,paid,,,,\n".to_vec()].concat(), "disbursements.csv:3: 文件编码无法识别"),
        ("credit code length", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-04-02", "paid,李娟,王建国,,").replace(&e1, &e1[..17])).into_bytes(), "disbursements.csv:3: credit_code: 信用代码应为18位，实际17位"),
        ("credit code char", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-04-02", "paid,李娟,王建国,,").replace(&e1, &format!("{}O{}", &e1[..4], &e1[5..]))).into_bytes(), "disbursements.csv:3: credit_code: 信用代码第5位字符'O'无效"),
        ("credit code check digit", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-04-02", "paid,李娟,王建国,,").replace(&e1, &bad_check)).into_bytes(), "disbursements.csv:3: credit_code: 信用代码校验位错误"),
        ("3 decimals", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100.005", "2025-04-02", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: amount: 金额最多两位小数"),
        ("text amount", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "一百", "2025-04-02", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: amount: 金额格式不正确"),
        ("no such day", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-02-30", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: date: 日期不存在"),
        ("closed month", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-02-28", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: date: 2025-02 月已结账"),
        ("unknown program", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-04-02", "paid,李娟,王建国,,").replace("WG-2025", "XX-2025")).into_bytes(), "disbursements.csv:3: program: 项目编码 'XX-2025' 不存在"),
        ("unknown enterprise", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "100", "2025-04-02", "paid,李娟,王建国,,").replace(&e1, &unknown_ent)).into_bytes(), "disbursements.csv:3: credit_code: 企业"),
        ("voucher repeated in file", format!("{DISB_HEADER}{ok}{ok}").into_bytes(), "disbursements.csv:3: voucher_no: 凭证号 YJCZ-2025-00001 在本文件中重复出现"),
        ("voucher in database", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00009", "100", "2025-04-01", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: voucher_no: 凭证号 YJCZ-2025-00009 已存在"),
        ("negative non-reversal", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "-100", "2025-04-02", "paid,李娟,王建国,,")).into_bytes(), "disbursements.csv:3: amount: 负数金额只允许用于冲销行"),
        ("reversal of unknown voucher", format!("{DISB_HEADER}{ok}{}", row("YJCZ-2025-00002", "-100", "2025-04-02", "paid,李娟,王建国,YJCZ-2025-09999,冲销")).into_bytes(), "disbursements.csv:3: reverses: 被冲销凭证 YJCZ-2025-09999 不存在"),
        ("unknown column", (DISB_HEADER.replace("note", "颜色") + &ok).into_bytes(), "disbursements.csv:1: 颜色: 未知列"),
        ("missing column", (DISB_HEADER.replace("amount,", "") + "YJCZ-2025-00001,WG-2025,x,2025-04-01,paid,李娟,王建国,,\n").into_bytes(), "disbursements.csv:1: amount: 缺少必需列"),
    ];
    for (what, bytes, expected) in cases {
        std::fs::write(&f, &bytes).unwrap();
        let before = counts(&db);
        let o = zhida(&db, &["import", f.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(expected),
            "{what}: expected {expected:?} in\n{}",
            stderr(&o)
        );
        assert_eq!(counts(&db), before, "{what}: database changed");
    }
    // --ignore-unknown accepts the unknown column
    std::fs::write(&f, DISB_HEADER.replace("note", "颜色") + &ok).unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap(), "--ignore-unknown"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn upsert_changes_pending_rows_but_never_paid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let e1 = cc("91530428MA6K3L2X0");
    let f = tmp.path().join("disbursements.csv");
    std::fs::write(&f, format!("{DISB_HEADER}YJCZ-2025-00001,WG-2025,{e1},100,2025-04-01,待复核,李娟,,,\nYJCZ-2025-00002,WG-2025,{e1},200,2025-04-02,已拨付,李娟,王建国,,\n")).unwrap();
    assert!(zhida(&db, &["import", f.to_str().unwrap()])
        .status
        .success());
    std::fs::write(
        &f,
        format!("{DISB_HEADER}YJCZ-2025-00001,WG-2025,{e1},120,2025-04-01,已复核,李娟,王建国,,\n"),
    )
    .unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--upsert"), "{}", stderr(&o));
    let o = zhida(&db, &["import", f.to_str().unwrap(), "--upsert"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(
        &f,
        format!("{DISB_HEADER}YJCZ-2025-00002,WG-2025,{e1},250,2025-04-02,已拨付,李娟,王建国,,\n"),
    )
    .unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap(), "--upsert"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("disbursements.csv:2: voucher_no: ")
            && stderr(&o).contains("paid row is never changed"),
        "{}",
        stderr(&o)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let amounts: Vec<i64> = conn
        .prepare("SELECT amount_fen FROM disbursement ORDER BY voucher_no")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(amounts, vec![12000, 20000]);
}

#[test]
fn xlsx_file_with_number_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目编码", "日期", "金额", "文号", "备注"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "KJ-2025").unwrap();
    let day = ExcelDateTime::from_ymd(2025, 7, 1).unwrap();
    ws.write_datetime_with_format(1, 1, &day, &Format::new().set_num_format("yyyy年m月d日"))
        .unwrap();
    ws.write_number(1, 2, -80000.5).unwrap();
    ws.write_string(1, 3, "元财教〔2025〕22号").unwrap();
    ws.write_string(1, 4, "调减").unwrap();
    let f = tmp.path().join("allocations.xlsx");
    wb.save(&f).unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (date, amount): (String, i64) = conn
        .query_row(
            "SELECT date, amount_fen FROM allocation WHERE doc_no='元财教〔2025〕22号'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((date.as_str(), amount), ("2025-07-01", -8_000_050));
}

// ------------------------------------------------------------------ spec audit (SPEC §4)
// Sentences of §4 checked through the binary (see tests/reference/README.md for the list).

fn rows(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{other:?}"),
                })
            })
            .collect()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn every_documented_form_loads_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("zhida.db");
    let d = tmp.path().join("forms");
    std::fs::create_dir_all(&d).unwrap();
    let (e1, e2, e3) = (
        cc("91530428MA6K3L2X0"),
        cc("93530428MA6N8P1Q7"),
        cc("92530428MA6P0R4T2"),
    );
    // headers in any order, English and Chinese mixed; every boolean, level and size form;
    // the optional status column (empty = active)
    std::fs::write(
        d.join("programs.csv"),
        "适用规模,status,fiscal_year,项目名称,code,资金级次,直达资金,每年限一次,单户年度上限,互斥组,开始日期,结束日期\n\
         small;micro,active,2025,稳岗返还,P1,中央,是,否,3亿,,2025/01/01,20251231\n\
         小型;微型;个体,closed,2025,留工培训,P2,省级,否,是,1.5万,吸纳扩岗,2025年1月1日,2025-12-31\n\
         large;中型,,2025,扩岗补助,P3,市级,yes,no,\"￥12,345.67\",吸纳扩岗,,\n\
         ,active,2025,贴息,P4,县级,no,y,,,,\n\
         ,active,2025,担保费,P5,central,true,n,,,,\n\
         ,active,2025,纾困,P6,provincial,false,1,,,,\n\
         ,active,2025,培育,P7,municipal,1,0,,,,\n\
         ,active,2025,创新券,P8,county,0,true,,,,\n",
    )
    .unwrap();
    std::fs::write(
        d.join("enterprises.csv"),
        format!("规模,credit_code,企业名称\n大型,{e1},元江县红河电力有限公司\nmicro,{e2},元江县甘庄街道芒果合作社\n个体,{},元江县因远镇米线店\n", e3.to_lowercase()),
    )
    .unwrap();
    // rows outside the program's dates and after today import normally
    std::fs::write(
        d.join("allocations.csv"),
        "金额,program,date\n3亿,P1,2024-06-01\n\"12,345.67\",P2,2099-01-01\n1.2345万,P4,2025-02-01\n-100,P6,2025-02-01\n",
    )
    .unwrap();
    // statuses in both languages, a historical self-approved row, a multi-line note, a
    // reversal of an earlier row of the same file, dates in every form
    std::fs::write(
        d.join("disbursements.csv"),
        format!(
            "凭证号,项目编码,统一社会信用代码,金额,日期,状态,经办人,复核人,冲销凭证号,备注\n\
             V1,P1,{e1},100,2024/01/01,已拨付,杨丽,杨丽,,\"第一行\n第二行\"\n\
             V2,P1,{e1},100,20990101,paid,张三,李四,,\n\
             V3,P1,{e2},1.5万,2025年3月1日,待复核,张三,,,\n\
             V4,P1,{e2},100,2025-03-01,已复核,张三,李四,,\n\
             V5,P1,{e2},100,2025-03-01,已退回,张三,李四,,\n\
             V6,P1,{e2},100,2025-03-01,approved,张三,李四,,\n\
             V7,P1,{e2},100,2025-03-01,rejected,张三,李四,,\n\
             V8,P1,{e2},100,2025-03-01,pending,张三,,,\n\
             V1R,P1,{e1},-100,2024-02-01,paid,张三,李四,V1,冲销\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("recoveries.csv"),
        format!("项目编码,日期,金额,原因,统一社会信用代码,调入项目\nP1,2025-05-01,100,闲置,,\nP1,2025-05-01,100,到期,,\nP1,2025-05-01,100,绩效,,P2\nP1,2025-05-01,100,追回,{e1},\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("indicators.csv"),
        "direction,program,year,name,target,actual,unit\n≥,P1,2025,及时率,95,,%\n≤,P1,2025,闲置率,5,5.5,%\n",
    )
    .unwrap();
    let o = zhida(&db, &["import", d.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 6, "{}", stdout(&o));
    assert_eq!(
        rows(&db, "SELECT code, level, is_direct, start_date, end_date, cap_per_enterprise_fen, once_per_year, coalesce(nullif(eligible_sizes, ''), '-'), status FROM program ORDER BY code")
            .into_iter()
            .map(|r| r.join(" "))
            .collect::<Vec<_>>(),
        vec![
            "P1 central 1 2025-01-01 2025-12-31 30000000000 0 small;micro active",
            "P2 provincial 0 2025-01-01 2025-12-31 1500000 1 small;micro;individual closed",
            "P3 municipal 1 NULL NULL 1234567 0 large;medium active",
            "P4 county 0 NULL NULL NULL 1 - active",
            "P5 central 1 NULL NULL NULL 0 - active",
            "P6 provincial 0 NULL NULL NULL 1 - active",
            "P7 municipal 1 NULL NULL NULL 0 - active",
            "P8 county 0 NULL NULL NULL 1 - active",
        ]
    );
    assert_eq!(
        rows(&db, "SELECT size FROM enterprise ORDER BY id").concat(),
        vec!["large", "micro", "individual"]
    );
    assert_eq!(
        rows(&db, "SELECT amount_fen, date FROM allocation ORDER BY id")
            .into_iter()
            .map(|r| r.join(" "))
            .collect::<Vec<_>>(),
        vec![
            "30000000000 2024-06-01",
            "1234567 2099-01-01",
            "1234500 2025-02-01",
            "-10000 2025-02-01",
            "10000 2025-05-01", // the reallocation's allocation, not repeated in the file
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT voucher_no || ' ' || status || ' ' || date FROM disbursement ORDER BY id"
        )
        .concat(),
        vec![
            "V1 paid 2024-01-01",
            "V2 paid 2099-01-01",
            "V3 pending 2025-03-01",
            "V4 approved 2025-03-01",
            "V5 rejected 2025-03-01",
            "V6 approved 2025-03-01",
            "V7 rejected 2025-03-01",
            "V8 pending 2025-03-01",
            "V1R paid 2024-02-01",
        ]
    );
    assert_eq!(
        rows(&db, "SELECT note FROM disbursement WHERE voucher_no = 'V1'").concat(),
        vec!["第一行\n第二行"]
    );
    assert_eq!(
        rows(&db, "SELECT reason FROM recovery ORDER BY id").concat(),
        vec!["idle", "expired", "performance", "clawback"]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT direction, coalesce(actual, '-') FROM indicator ORDER BY id"
        )
        .concat(),
        vec!["ge", "-", "le", "5.5"]
    );
    // the historical self-approved row is flagged by the checks (as of before its reversal)
    let o = zhida(
        &db,
        &[
            "check",
            "--as-of",
            "2024-01-31",
            "--format",
            "json",
            "--rule",
            "SELF_APPROVED",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"voucher\": \"V1\""), "{}", stdout(&o));
}

#[test]
fn error_lines_are_physical_and_only_the_first_100_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let e1 = cc("91530428MA6K3L2X0");
    let f = tmp.path().join("disbursements.csv");
    // header = line 1; V1's note spans lines 2–4; V2 is on line 5
    std::fs::write(
        &f,
        format!(
            "{DISB_HEADER}V1,WG-2025,{e1},100,2025-04-01,paid,李娟,王建国,,\"多\n行\n备注\"\n\
             V2,WG-2025,{e1},1.2345678万,2025-04-01,paid,李娟,王建国,,\n\
             V3,WG-2025,{e1},1.234567万,2025-04-02,paid,李娟,王建国,,\n\
             V1,WG-2025,{e1},100,2025-04-02,paid,李娟,王建国,,\n"
        ),
    )
    .unwrap();
    let before = counts(&db);
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("disbursements.csv:5: amount: ")
            && lines[0].contains("more than 2 decimals"),
        "{err}"
    );
    // 1.234567万 = 12345.67 is fine; the repeated voucher is the bad row, on line 7
    assert!(
        lines[1].starts_with("disbursements.csv:7: voucher_no: "),
        "{err}"
    );
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(counts(&db), before);

    let mut text = String::from("program,date,amount\n");
    for _ in 0..150 {
        text.push_str("WG-2025,2025-13-01,100\n");
    }
    let f = tmp.path().join("allocations.csv");
    std::fs::write(&f, text).unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let listed: Vec<&str> = err.lines().filter(|l| l.contains(": date: ")).collect();
    assert_eq!(listed.len(), 100, "{err}");
    assert!(listed[0].starts_with("allocations.csv:2: date: "), "{err}");
    assert!(
        listed[99].starts_with("allocations.csv:101: date: "),
        "{err}"
    );
    assert!(err.contains("150"), "{err}");
    assert_eq!(counts(&db), before);
}

#[test]
fn upsert_never_changes_a_row_of_a_closed_month() {
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let e1 = cc("91530428MA6K3L2X0");
    let f = tmp.path().join("disbursements.csv");
    std::fs::write(
        &f,
        format!("{DISB_HEADER}V1,WG-2025,{e1},100,2025-03-01,待复核,李娟,,,\nV2,WG-2025,{e1},100,2025-04-01,待复核,李娟,,,\n"),
    )
    .unwrap();
    assert!(zhida(&db, &["import", f.to_str().unwrap()])
        .status
        .success());
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-03', '王建国', '2025-04-08 09:00:00')",
            [],
        )
        .unwrap();
    let before = counts(&db);
    for (what, row) in [
        (
            "in the closed month",
            "V1,WG-2025,{e1},120,2025-03-01,待复核,李娟,,,",
        ),
        (
            "out of the closed month",
            "V1,WG-2025,{e1},100,2025-04-02,待复核,李娟,,,",
        ),
        (
            "into the closed month",
            "V2,WG-2025,{e1},100,2025-03-31,待复核,李娟,,,",
        ),
    ] {
        std::fs::write(&f, format!("{DISB_HEADER}{}\n", row.replace("{e1}", &e1))).unwrap();
        let o = zhida(&db, &["import", f.to_str().unwrap(), "--upsert"]);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains("2025-03"), "{what}: {}", stderr(&o));
        assert_eq!(counts(&db), before, "{what}");
    }
    // near miss: the April row may still be updated
    std::fs::write(
        &f,
        format!("{DISB_HEADER}V2,WG-2025,{e1},130,2025-04-01,已复核,李娟,王建国,,\n"),
    )
    .unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap(), "--upsert"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        rows(&db, "SELECT voucher_no || ' ' || amount_fen || ' ' || status FROM disbursement ORDER BY voucher_no").concat(),
        vec!["V1 10000 pending", "V2 13000 approved"]
    );
}

#[test]
fn xlsx_reads_only_the_first_sheet() {
    use rust_xlsxwriter::Workbook;
    let tmp = tempfile::tempdir().unwrap();
    let db = loaded(tmp.path());
    let mut wb = Workbook::new();
    let first = wb.add_worksheet();
    first.set_name("第二批").unwrap();
    for (c, h) in ["日期", "金额", "项目编码"].iter().enumerate() {
        first.write_string(0, c as u16, *h).unwrap();
    }
    first.write_string(1, 0, "2025-05-10").unwrap();
    first.write_string(1, 1, "20万").unwrap();
    first.write_string(1, 2, "WG-2025").unwrap();
    let second = wb.add_worksheet();
    second.set_name("说明").unwrap();
    second.write_string(0, 0, "不是数据").unwrap();
    second.write_string(1, 0, "随便写写").unwrap();
    let f = tmp.path().join("allocations.xlsx");
    wb.save(&f).unwrap();
    let o = zhida(&db, &["import", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        rows(
            &db,
            "SELECT amount_fen FROM allocation WHERE date = '2025-05-10'"
        )
        .concat(),
        vec!["20000000"]
    );
}
