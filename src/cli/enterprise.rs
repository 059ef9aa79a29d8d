//! `zhida enterprise CODE`: 一企一档 from the shell — what the enterprise received per
//! program and year against the caps, exclusive groups, clawbacks, findings with their
//! basis and every disbursement; with `--program P --amount A` the explicit question
//! "can it still receive A from P?" (exit 0 yes, 1 no with the reasons).
use std::io::Write;
use std::process::ExitCode;

use serde_json::json;
use zhida_core::dates::{iso, parse_date, today};
use zhida_core::enterprise_file::{self, EnterpriseFile, Resolved, Verdict};
use zhida_core::model::Enterprise;
use zhida_core::report::text_table;
use zhida_core::{Error, Lang, Money};

use super::status::escape_text;
use super::Ctx;

/// 一企一档: one enterprise across programs and years; or whether it can still receive an amount.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
企业 CODE: 统一社会信用代码 (any case), or a name fragment / pinyin naming exactly one \
enterprise (several matches are listed).\n\
退出状态 Exit status: 0 shown; with --program/--amount 0 = it can receive it, 1 = it \
cannot (the reasons are printed); 2 on an error, an unknown or an ambiguous enterprise.")]
pub struct EnterpriseArgs {
    /// Credit code, or a name fragment / pinyin initials naming one enterprise
    pub query: String,
    /// As of this date (default today): only rows dated on or before it count
    #[arg(long)]
    pub as_of: Option<String>,
    /// table (default) or json
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Can it still receive --amount from this program? (program code)
    #[arg(long, requires = "amount")]
    pub program: Option<String>,
    /// The amount, e.g. 15000, 1.5万
    #[arg(long, requires = "program")]
    pub amount: Option<String>,
    /// Date of that payment (default: --as-of, else today)
    #[arg(long, requires = "program")]
    pub date: Option<String>,
}

fn date_arg(flag: &str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>, Error> {
    s.map(|d| parse_date(d).map_err(|e| Error::invalid(format!("{flag}: {e}"))))
        .transpose()
}

/// The one enterprise the query names; several are listed on stdout, then an error.
fn pick(conn: &rusqlite::Connection, query: &str, lang: Lang) -> Result<Enterprise, Error> {
    match enterprise_file::resolve(conn, query)? {
        Resolved::One(e) => Ok(e),
        Resolved::None => Err(Error::NotFound(format!(
            "企业“{}” (enterprise)",
            escape_text(query.trim())
        ))),
        Resolved::Many(v) => {
            for e in &v {
                println!("{}  {}", escape_text(&e.credit_code), escape_text(&e.name));
            }
            Err(Error::invalid(match lang {
                Lang::Zh => format!(
                    "“{}”匹配 {} 家企业{}，请用统一社会信用代码或更完整的名称",
                    escape_text(query.trim()),
                    v.len(),
                    if v.len() >= 20 { "以上" } else { "" }
                ),
                Lang::En => format!(
                    "'{}' matches {}{} enterprises; give the credit code or more of the name",
                    escape_text(query.trim()),
                    if v.len() >= 20 { "at least " } else { "" },
                    v.len()
                ),
            }))
        }
    }
}

pub fn run(ctx: &Ctx, args: EnterpriseArgs) -> Result<ExitCode, Error> {
    let format = args.format.trim().to_lowercase();
    if !matches!(format.as_str(), "table" | "json") {
        return Err(Error::invalid(format!(
            "--format: 只支持 table 或 json (unknown format '{}')",
            args.format
        )));
    }
    let as_of = date_arg("--as-of", args.as_of.as_deref())?;
    let date = date_arg("--date", args.date.as_deref())?;
    let amount = args
        .amount
        .as_deref()
        .map(|a| match Money::parse(a) {
            Ok(m) if m.0 > 0 => Ok(m),
            Ok(_) => Err(Error::invalid(
                "--amount: 金额必须大于零 (amount must be positive)",
            )),
            Err(e) => Err(Error::invalid(format!("--amount: {e}"))),
        })
        .transpose()?;
    let conn = zhida_core::db::open_existing(&ctx.db_path)?;
    let e = pick(&conn, &args.query, ctx.lang)?;
    let mut out = std::io::stdout().lock();
    let (text, code) = match (&args.program, amount) {
        (Some(program), Some(amount)) => {
            let when = date.or(as_of).unwrap_or_else(today);
            let v =
                enterprise_file::can_receive(&conn, &e.credit_code, program.trim(), amount, when)?;
            let code = if v.can_receive() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
            let text = if format == "json" {
                verdict_json(&v, ctx.lang)?
            } else {
                verdict_text(&v, ctx.lang)
            };
            (text, code)
        }
        _ => {
            let as_of = as_of.unwrap_or_else(today);
            let f = enterprise_file::enterprise_file_by_id(
                &conn,
                e.id,
                as_of,
                &ctx.config.checks,
                ctx.lang,
            )?
            .ok_or_else(|| Error::NotFound(e.credit_code.clone()))?;
            let text = if format == "json" {
                serde_json::to_string_pretty(&f).map_err(|e| Error::invalid(e.to_string()))?
            } else {
                file_text(&f, ctx.lang)
            };
            (text, ExitCode::SUCCESS)
        }
    };
    // a closed pipe (| head) is not an error worth a message
    if let Err(e) = writeln!(out, "{}", text.trim_end()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(code)
}

fn verdict_json(v: &Verdict, lang: Lang) -> Result<String, Error> {
    let reasons: Vec<serde_json::Value> = v
        .reasons
        .iter()
        .map(|r| {
            let mut j = serde_json::to_value(r).unwrap_or_default();
            if let Some(o) = j.as_object_mut() {
                o.insert("message".into(), r.message(lang).into());
            }
            j
        })
        .collect();
    serde_json::to_string_pretty(&json!({
        "credit_code": v.credit_code,
        "enterprise": v.enterprise.as_ref().map(|e| e.name.clone()),
        "program": v.program.code,
        "date": iso(v.date),
        "amount": v.amount,
        "can_receive": v.can_receive(),
        "remaining": v.remaining(),
        "reasons": reasons,
        "year": v.year,
        "headroom": v.headroom,
    }))
    .map_err(|e| Error::invalid(e.to_string()))
}

fn verdict_text(v: &Verdict, lang: Lang) -> String {
    let name = v
        .enterprise
        .as_ref()
        .map(|e| escape_text(&e.name))
        .unwrap_or_default();
    let mut s = format!(
        "{name}  {}\n{} {} · {}\n",
        v.credit_code,
        escape_text(&v.program.code),
        escape_text(&v.program.name),
        match lang {
            Lang::Zh => format!(
                "{} 年 · 拟拨付 {}（{}）",
                v.year.year,
                v.amount.format_yuan(),
                iso(v.date)
            ),
            Lang::En => format!(
                "{} · proposed {} on {}",
                v.year.year,
                v.amount.format_yuan(),
                iso(v.date)
            ),
        }
    );
    for l in v.lines(lang) {
        s.push_str(&format!("  {}\n", escape_text(&l)));
    }
    s.push_str(&v.conclusion(lang));
    s.push('\n');
    for r in &v.reasons {
        s.push_str(&format!("  - {}\n", escape_text(&r.message(lang))));
    }
    s
}

fn section(
    s: &mut String,
    title: String,
    headers: &[&str],
    rows: Vec<Vec<String>>,
    right: &[usize],
    lang: Lang,
) {
    s.push('\n');
    s.push_str(&title);
    s.push('\n');
    if rows.is_empty() {
        s.push_str(lang.pick("（无）\n", "(none)\n"));
        return;
    }
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.iter().map(|c| escape_text(c)).collect())
        .collect();
    s.push_str(&text_table(&headers, &rows, right));
}

/// `核查发现（3 条）`
fn counted(lang: Lang, zh: &str, en: &str, n: usize) -> String {
    match lang {
        Lang::Zh => format!("{zh}（{n} 条）"),
        Lang::En => format!("{en} ({n})"),
    }
}

/// The file as plain text: a heading, then one aligned table per section.
pub fn file_text(f: &EnterpriseFile, lang: Lang) -> String {
    let e = &f.enterprise;
    let l = |zh, en| lang.pick(zh, en);
    let mut s = match lang {
        Lang::Zh => format!(
            "一企一档 {}（{}）截至 {}\n规模 {} · 行业 {} · 乡镇 {} · 联系人 {}\n",
            escape_text(&e.name),
            e.credit_code,
            iso(f.as_of),
            e.size.label(lang),
            escape_text(&e.industry),
            escape_text(&e.township),
            escape_text(&e.contact)
        ),
        Lang::En => format!(
            "Enterprise file {} ({}) as of {}\nsize {} · industry {} · township {} · contact {}\n",
            escape_text(&e.name),
            e.credit_code,
            iso(f.as_of),
            e.size.label(lang),
            escape_text(&e.industry),
            escape_text(&e.township),
            escape_text(&e.contact)
        ),
    };
    let none = || l("不限", "none").to_string();
    section(
        &mut s,
        l(
            "按项目与年度（对照单户年度上限）",
            "Per program and year, against the caps",
        )
        .into(),
        &[
            l("年度", "year"),
            l("项目编码", "code"),
            l("项目名称", "program"),
            l("已拨付", "paid"),
            l("在途", "committed"),
            l("笔数", "rows"),
            l("单户上限", "cap"),
            l("剩余额度", "headroom"),
            l("限制", "limits"),
        ],
        f.totals
            .iter()
            .map(|t| {
                vec![
                    t.year.to_string(),
                    t.program_code.clone(),
                    t.program_name.clone(),
                    t.paid.format_yuan(),
                    t.committed.format_yuan(),
                    t.count.to_string(),
                    t.cap.map(|c| c.format_yuan()).unwrap_or_else(none),
                    t.headroom.map(|c| c.format_yuan()).unwrap_or_else(none),
                    t.limits(lang),
                ]
            })
            .collect(),
        &[3, 4, 5, 6, 7],
        lang,
    );
    section(
        &mut s,
        l("互斥组", "Exclusive groups").into(),
        &[l("年度", "year"), l("互斥组", "group")],
        f.groups
            .iter()
            .map(|g| vec![g.year.to_string(), g.describe(lang)])
            .collect(),
        &[],
        lang,
    );
    section(
        &mut s,
        l("收回与追回", "Clawbacks").into(),
        &[
            l("日期", "date"),
            l("项目", "program"),
            l("金额", "amount"),
            l("原因", "reason"),
            l("文号", "doc no"),
            l("调入项目", "reallocated to"),
        ],
        f.recoveries
            .iter()
            .map(|r| {
                vec![
                    iso(r.date),
                    r.program_code.clone(),
                    r.amount.format_yuan(),
                    r.reason.label(lang).to_string(),
                    r.doc_no.clone(),
                    r.reallocated_to.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        &[2],
        lang,
    );
    section(
        &mut s,
        counted(lang, "核查发现", "Findings", f.findings.len()),
        &[
            l("级别", "severity"),
            l("规则", "rule"),
            l("项目", "program"),
            l("凭证号", "voucher"),
            l("金额", "amount"),
            l("说明", "message"),
            l("依据", "basis"),
        ],
        f.findings
            .iter()
            .map(|x| {
                let mut rule = format!("{} {}", x.rule.as_str(), x.rule.label(lang));
                if x.acknowledged {
                    rule.push_str(" ✓");
                }
                vec![
                    x.severity.label(lang).to_string(),
                    rule,
                    x.program.clone(),
                    x.voucher.clone().unwrap_or_default(),
                    x.amount.map(|m| m.format_yuan()).unwrap_or_default(),
                    x.message.clone(),
                    x.basis.to_string(),
                ]
            })
            .collect(),
        &[4],
        lang,
    );
    section(
        &mut s,
        counted(lang, "拨付明细", "Disbursements", f.disbursements.len()),
        &[
            l("日期", "date"),
            l("凭证号", "voucher"),
            l("项目", "program"),
            l("金额", "amount"),
            l("状态", "status"),
        ],
        f.disbursements
            .iter()
            .map(|d| {
                let mut st = d.status.label(lang).to_string();
                if let Some(r) = &d.reverses {
                    st.push_str(&match lang {
                        Lang::Zh => format!("（冲销 {r}）"),
                        Lang::En => format!(" (reverses {r})"),
                    });
                }
                vec![
                    iso(d.date),
                    d.voucher_no.clone(),
                    format!("{} {}", d.program_code, d.program_name),
                    d.amount.format_yuan(),
                    st,
                ]
            })
            .collect(),
        &[3],
        lang,
    );
    s
}
