//! Reading an upstream export through a profile: CSV (decoded like the importer does:
//! UTF-8 with or without BOM, GB18030/GBK detected) or the first sheet of an xlsx
//! workbook, a title block skipped, columns found by header name or number, and each
//! row's fields through the core parsers (Money, dates, credit codes). Every bad row is
//! reported as `file:line: column: reason` (first [`MAX_ERRORS`]); with any, no row is
//! returned.

use std::sync::Arc;

use chrono::NaiveDate;
use csv::StringRecord;

use super::profile::{AmountUnit, ColumnRef, Encoding, Profile};
use crate::credit_code::CreditCode;
use crate::error::{Error, Result};
use crate::import::source::{decode_all, Fatal, Records, Shared};
use crate::import::MAX_ERRORS;
use crate::money::Money;

/// One payment as the upstream system reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UpstreamRow {
    /// physical line in the file (xlsx: the row number)
    pub line: u64,
    /// the upstream system's own payment number
    pub reference: Option<String>,
    /// our voucher number, when the upstream system carries it
    pub voucher: Option<String>,
    pub credit_code: String,
    pub enterprise_name: String,
    #[serde(serialize_with = "plain_money")]
    pub amount: Money,
    pub date: NaiveDate,
    /// the program code as written in the export
    pub program_raw: Option<String>,
    /// … and mapped to ours through the profile
    pub program: Option<String>,
    pub is_direct: Option<bool>,
}

pub(crate) fn plain_money<S: serde::Serializer>(
    m: &Money,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&m.plain())
}

impl UpstreamRow {
    /// What names the row in keys and messages: its reference, else our voucher, else
    /// the credit code.
    pub fn ref_text(&self) -> &str {
        self.reference
            .as_deref()
            .or(self.voucher.as_deref())
            .unwrap_or(&self.credit_code)
    }
}

/// Column positions (0-based) of the mapped fields and their header texts.
struct Cols {
    voucher: Option<usize>,
    reference: Option<usize>,
    credit_code: usize,
    amount: usize,
    date: usize,
    program: Option<usize>,
    is_direct: Option<usize>,
    enterprise_name: Option<usize>,
    names: Vec<String>,
}

fn locate(
    header: &StringRecord,
    key: &str,
    r: &ColumnRef,
    problems: &mut Vec<String>,
) -> Option<usize> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    match r {
        ColumnRef::Name(n) => {
            let pos = names.iter().position(|h| h == n);
            if pos.is_none() {
                problems.push(format!(
                    "columns.{key} = '{n}': 表头中没有此列 (no such column in the header; the header has: {})",
                    names.join(", ")
                ));
            }
            pos
        }
        ColumnRef::Number(k) => {
            if *k > names.len() {
                problems.push(format!(
                    "columns.{key} = {k}: 表头只有 {} 列 (the header has {} columns)",
                    names.len(),
                    names.len()
                ));
                None
            } else {
                Some(k - 1)
            }
        }
    }
}

fn map_columns(header: &StringRecord, p: &Profile) -> std::result::Result<Cols, Vec<String>> {
    let c = &p.columns;
    let mut problems = Vec::new();
    let opt = |key: &str, r: &Option<ColumnRef>, problems: &mut Vec<String>| {
        r.as_ref().and_then(|r| locate(header, key, r, problems))
    };
    let voucher = opt("voucher", &c.voucher, &mut problems);
    let reference = opt("reference", &c.reference, &mut problems);
    let program = opt("program", &c.program, &mut problems);
    let is_direct = opt("is_direct", &c.is_direct, &mut problems);
    let enterprise_name = opt("enterprise_name", &c.enterprise_name, &mut problems);
    let credit_code = locate(header, "credit_code", &c.credit_code, &mut problems);
    let amount = locate(header, "amount", &c.amount, &mut problems);
    let date = locate(header, "date", &c.date, &mut problems);
    match (credit_code, amount, date) {
        (Some(credit_code), Some(amount), Some(date)) if problems.is_empty() => Ok(Cols {
            voucher,
            reference,
            credit_code,
            amount,
            date,
            program,
            is_direct,
            enterprise_name,
            names: header
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let t = h.trim().trim_start_matches('\u{feff}');
                    if t.is_empty() {
                        format!("第{}列", i + 1)
                    } else {
                        t.to_string()
                    }
                })
                .collect(),
        }),
        _ => Err(problems),
    }
}

/// The bad rows of a file, as lines `file:line: column: reason`.
struct Errs {
    file: String,
    list: Vec<String>,
    total: usize,
}

impl Errs {
    fn push(&mut self, line: u64, column: &str, reason: impl std::fmt::Display) {
        self.total += 1;
        if self.list.len() < MAX_ERRORS {
            let l = if column.is_empty() {
                format!("{}:{line}: {reason}", self.file)
            } else {
                format!("{}:{line}: {column}: {reason}", self.file)
            };
            self.list
                .push(crate::sanitize::display_safe(&l).into_owned());
        }
    }

    fn into_error(self) -> Error {
        let mut text = self.list.join("\n");
        if self.total > self.list.len() {
            text.push_str(&format!(
                "\n{}: 共 {} 处错误，仅列出前 {} 处 ({} errors, first {} shown)",
                self.file,
                self.total,
                self.list.len(),
                self.total,
                self.list.len()
            ));
        }
        text.push_str(&format!(
            "\n{}: 导出文件有错误，未做对账 (the export has errors; nothing was reconciled)",
            self.file
        ));
        Error::Invalid(text)
    }
}

fn file_error(file: &str, msg: impl std::fmt::Display) -> Error {
    Error::Invalid(crate::sanitize::display_safe(&format!("{file}: {msg}")).into_owned())
}

/// Read the whole export. `name` is used in messages; `bytes` is the file's content.
pub fn read_export(name: &str, bytes: &[u8], p: &Profile) -> Result<Vec<UpstreamRow>> {
    let shared = Arc::new(Shared::default());
    let xlsx = name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04");
    let text;
    let (mut recs, offset) = if xlsx {
        let recs = Records::xlsx_after(bytes, &shared, p.skip_lines).map_err(|f| match f {
            Fatal::Line(l, m) => file_error(name, format!("{l}: {m}")),
            Fatal::File(m) => file_error(name, m),
        })?;
        (recs, 0)
    } else {
        // the csv reader counts a CRLF line end late (BurntSushi/rust-csv#395): every
        // record after the first would be reported a line too early
        text = decode(name, bytes, p.encoding)?.replace("\r\n", "\n");
        let rest = skip_lines(&text, p.skip_lines);
        let recs = Records::csv(Box::new(rest.as_bytes()), shared.clone());
        (recs, p.skip_lines as u64)
    };
    let read_fail = |f: Fatal| match f {
        Fatal::Line(l, m) => file_error(name, format!("{}: {m}", l + offset)),
        Fatal::File(m) => file_error(name, m),
    };
    let header = recs.header().map_err(read_fail)?.ok_or_else(|| {
        file_error(
            name,
            "文件为空，没有表头 (empty file: no header row after skip_lines)",
        )
    })?;
    let header_line = if xlsx {
        p.skip_lines as u64 + 1
    } else {
        header.position().map(|p| p.line()).unwrap_or(1) + offset
    };
    let cols = map_columns(&header, p).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|m| format!("{name}:{header_line}: {m} [{}]", p.source))
            .collect();
        Error::Invalid(crate::sanitize::display_safe(&lines.join("\n")).into_owned())
    })?;
    recs.set_date_fields(&[cols.date]);
    let mut errs = Errs {
        file: name.to_string(),
        list: Vec::new(),
        total: 0,
    };
    let mut out = Vec::new();
    loop {
        let item = match recs.next() {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(Fatal::Line(l, m)) => {
                errs.push(l + offset, "", m);
                break;
            }
            Err(Fatal::File(m)) => return Err(file_error(name, m)),
        };
        let line = item.line + offset;
        let rec = item.rec;
        let first = rec.iter().map(str::trim).find(|s| !s.is_empty());
        if first.is_some_and(|f| p.ignore_rows_starting_with.iter().any(|w| f.starts_with(w))) {
            continue;
        }
        if let Some(problem) = item.problem {
            errs.push(line, "", problem);
            continue;
        }
        if let Some(row) = parse_row(rec, line, &cols, p, &mut errs) {
            out.push(row);
        }
    }
    if errs.total > 0 {
        return Err(errs.into_error());
    }
    Ok(out)
}

/// Text of a file in the profile's encoding (auto: detected as the importer does).
fn decode(name: &str, bytes: &[u8], enc: Encoding) -> Result<String> {
    match enc {
        Encoding::Auto => decode_all(bytes).map_err(|(line, m)| {
            if line > 0 {
                file_error(name, format!("{line}: {m}"))
            } else {
                file_error(name, m)
            }
        }),
        Encoding::Utf8 => {
            let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(b).map(str::to_string).map_err(|e| {
                let line = b[..e.valid_up_to()].iter().filter(|&&c| c == b'\n').count() + 1;
                file_error(
                    name,
                    format!("{line}: 不是有效的 UTF-8 (not valid UTF-8; try encoding = \"auto\")"),
                )
            })
        }
        Encoding::Gb18030 => {
            let (text, had_errors) = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|t| (t.into_owned(), false))
                .unwrap_or_else(|| (String::new(), true));
            if had_errors {
                return Err(file_error(
                    name,
                    "不是有效的 GB18030 (not valid GB18030; try encoding = \"auto\")",
                ));
            }
            Ok(text)
        }
    }
}

/// `text` without its first `n` lines.
fn skip_lines(text: &str, n: usize) -> &str {
    let mut rest = text;
    for _ in 0..n {
        match rest.find('\n') {
            Some(i) => rest = &rest[i + 1..],
            None => return "",
        }
    }
    rest
}

fn parse_row(
    rec: &StringRecord,
    line: u64,
    cols: &Cols,
    p: &Profile,
    errs: &mut Errs,
) -> Option<UpstreamRow> {
    let before = errs.total;
    let get = |i: usize| rec.get(i).map(str::trim).unwrap_or("");
    let opt = |i: Option<usize>| i.map(get).filter(|s| !s.is_empty()).map(str::to_string);
    let col = |i: usize| cols.names[i].as_str();

    let cc_text = get(cols.credit_code);
    let credit_code = if cc_text.is_empty() {
        errs.push(line, col(cols.credit_code), "不能为空 (required)");
        None
    } else {
        match CreditCode::parse(cc_text) {
            Ok(c) => Some(c.into_string()),
            Err(e) => {
                errs.push(line, col(cols.credit_code), e);
                None
            }
        }
    };
    let amount = match parse_amount(get(cols.amount), p) {
        Ok(m) => Some(m),
        Err(e) => {
            errs.push(line, col(cols.amount), e);
            None
        }
    };
    let date_text = get(cols.date);
    let date = if date_text.is_empty() {
        errs.push(line, col(cols.date), "不能为空 (required)");
        None
    } else {
        let d = p.parse_date(date_text);
        if d.is_none() {
            let formats = if p.date_formats.is_empty() {
                "YYYY-MM-DD".to_string()
            } else {
                p.date_formats.join(" | ")
            };
            errs.push(
                line,
                col(cols.date),
                format!("日期无法识别 '{date_text}' (expected {formats})"),
            );
        }
        d
    };
    let is_direct = match cols.is_direct {
        Some(i) => match p.parse_direct(get(i)) {
            Ok(v) => v,
            Err(why) => {
                errs.push(line, col(i), why);
                None
            }
        },
        None => None,
    };
    if errs.total > before {
        return None;
    }
    let program_raw = opt(cols.program);
    Some(UpstreamRow {
        line,
        reference: opt(cols.reference),
        voucher: opt(cols.voucher),
        credit_code: credit_code?,
        enterprise_name: opt(cols.enterprise_name).unwrap_or_default(),
        amount: amount?,
        date: date?,
        program: program_raw.as_deref().map(|c| p.map_program(c).to_string()),
        program_raw,
        is_direct,
    })
}

/// An amount cell in the profile's unit and sign.
fn parse_amount(s: &str, p: &Profile) -> std::result::Result<Money, String> {
    let m = match p.amount_unit {
        AmountUnit::Yuan => Money::parse(s),
        AmountUnit::Wan => {
            let t = s.trim();
            if t.is_empty() || t.ends_with(['万', '亿', '元']) {
                Money::parse(t)
            } else {
                Money::parse(&format!("{t}万"))
            }
        }
    }
    .map_err(|e| e.to_string())?;
    if p.negate {
        m.0.checked_neg()
            .map(Money)
            .ok_or_else(|| format!("金额超出范围 '{s}' (out of range)"))
    } else {
        Ok(m)
    }
}
