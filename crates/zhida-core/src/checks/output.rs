//! Findings as JSON (the documented shape, exactly), CSV (UTF-8 with BOM, for
//! Excel/WPS, injection-safe) and a plain text table aligned by display width. With
//! [`Columns::basis`] (`zhida check --verbose`) each also carries the policy basis (依据)
//! as a last field/column; without it the output is exactly the documented one.

use serde::Serialize;
use std::borrow::Cow;

use super::Finding;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::report::text_table;

/// A text cell that a spreadsheet would run as a formula (starts with = + - @, tab or
/// CR) gets a leading `'` (CSV injection).
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Optional extra columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columns {
    /// the policy basis (依据): JSON field `basis`, last CSV / table column
    pub basis: bool,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    program: &'a str,
    enterprise: Option<&'a str>,
    voucher: Option<&'a str>,
    amount: Option<String>,
    message: &'a str,
    acknowledged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<&'a str>,
}

/// `[{"rule":…,"severity":…,"program":…,"enterprise":…|null,"voucher":…|null,
/// "amount":"1234.56"|null,"message":…,"acknowledged":false}]`
pub fn findings_json(findings: &[Finding]) -> Result<String> {
    findings_json_with(findings, Columns::default())
}

/// [`findings_json`], plus `"basis":"…"` when asked for.
pub fn findings_json_with(findings: &[Finding], cols: Columns) -> Result<String> {
    let mut buf = Vec::with_capacity(findings.len() * 300);
    write_findings_json(&mut buf, findings, cols)?;
    String::from_utf8(buf).map_err(|e| Error::invalid(e.to_string()))
}

/// [`findings_json_with`] written straight to `w` (buffer it), a few thousand findings
/// at a time: the month's findings at 1M rows are ~18 MB of JSON, never held whole. With
/// many findings two threads format alternate chunks (one chunk of ~4,000 is ~1 MB).
pub fn write_findings_json(
    w: &mut impl std::io::Write,
    findings: &[Finding],
    cols: Columns,
) -> Result<()> {
    const CHUNK: usize = 4_096;
    if findings.is_empty() {
        return json_array(&mut *w, findings, cols);
    }
    // each chunk is formatted as an array of its own, whose items are indented as in
    // the whole one: "[\n" + items joined by ",\n" + "\n]"; the items are written
    // between one "[\n" and one "\n]", joined the same way
    let items = |chunk: &[Finding]| -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(chunk.len() * 300);
        json_array(&mut buf, chunk, cols)?;
        buf.truncate(buf.len() - 2);
        buf.drain(..2);
        Ok(buf)
    };
    w.write_all(b"[\n")?;
    for (n, pair) in findings.chunks(2 * CHUNK).enumerate() {
        let (mine, theirs) = pair.split_at(pair.len().min(CHUNK));
        let (mine, theirs) = std::thread::scope(|scope| {
            let theirs = (!theirs.is_empty()).then(|| scope.spawn(|| items(theirs)));
            let mine = items(mine);
            // a panic there is a bug: let it surface as one
            let theirs = theirs.map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            (mine, theirs)
        });
        for (i, part) in std::iter::once(Some(mine))
            .chain([theirs])
            .flatten()
            .enumerate()
        {
            if n > 0 || i > 0 {
                w.write_all(b",\n")?;
            }
            w.write_all(&part?)?;
        }
    }
    w.write_all(b"\n]")?;
    Ok(())
}

/// `findings` as one pretty JSON array.
pub(super) fn json_array(
    w: &mut impl std::io::Write,
    findings: &[Finding],
    cols: Columns,
) -> Result<()> {
    struct All<'a>(&'a [Finding], Columns);
    impl Serialize for All<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(|f| JsonFinding {
                rule: f.rule.as_str(),
                severity: f.severity.as_str(),
                program: &f.program,
                enterprise: f.enterprise.as_deref(),
                voucher: f.voucher.as_deref(),
                amount: f.amount.map(|m| m.plain()),
                message: &f.message,
                acknowledged: f.acknowledged,
                basis: self.1.basis.then_some(&*f.basis),
            }))
        }
    }
    serde_json::to_writer_pretty(&mut *w, &All(findings, cols)).map_err(|e| {
        if e.is_io() {
            Error::from(std::io::Error::from(e))
        } else {
            Error::invalid(e.to_string())
        }
    })
}

/// The JSON columns as CSV, UTF-8 with BOM; nulls are empty cells.
pub fn findings_csv(findings: &[Finding]) -> Result<Vec<u8>> {
    findings_csv_with(findings, Columns::default())
}

/// [`findings_csv`], plus a last `basis` column when asked for.
pub fn findings_csv_with(findings: &[Finding], cols: Columns) -> Result<Vec<u8>> {
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let csv_err = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
        let mut header = vec![
            "rule",
            "severity",
            "program",
            "enterprise",
            "voucher",
            "amount",
            "message",
            "acknowledged",
        ];
        if cols.basis {
            header.push("basis");
        }
        w.write_record(&header).map_err(csv_err)?;
        for f in findings {
            let amount = f.amount.map(|m| m.plain()).unwrap_or_default();
            let mut rec = vec![
                f.rule.as_str().into(),
                f.severity.as_str().into(),
                neutralise(&f.program),
                neutralise(f.enterprise.as_deref().unwrap_or("")),
                neutralise(f.voucher.as_deref().unwrap_or("")),
                amount.as_str().into(),
                neutralise(&f.message),
                if f.acknowledged { "true" } else { "false" }.into(),
            ];
            if cols.basis {
                rec.push(neutralise(&f.basis));
            }
            w.write_record(rec.iter().map(|c| c.as_bytes()))
                .map_err(csv_err)?;
        }
        w.flush()?;
    }
    Ok(buf)
}

/// The human view: one line per finding, columns aligned by display width; the last
/// column is the key to pass to `zhida ack`.
pub fn findings_table(findings: &[Finding], lang: Lang) -> String {
    findings_table_with(findings, lang, Columns::default())
}

/// [`findings_table`], plus a last 依据 column when asked for (`--verbose`).
pub fn findings_table_with(findings: &[Finding], lang: Lang, cols: Columns) -> String {
    let mut headers: Vec<String> = [
        lang.pick("级别", "severity"),
        lang.pick("规则", "rule"),
        lang.pick("项目", "program"),
        lang.pick("企业", "enterprise"),
        lang.pick("凭证号", "voucher"),
        lang.pick("金额", "amount"),
        lang.pick("说明", "message"),
        lang.pick("确认", "ack"),
        lang.pick("键", "key"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if cols.basis {
        headers.push(lang.pick("依据", "basis").to_string());
    }
    // the cells borrow what they can from the findings (a month's findings are tens of
    // thousands of rows: a copy of each text was a large share of `check`'s time)
    let rows: Vec<Vec<Cow<'_, str>>> = findings
        .iter()
        .map(|f| {
            let mut row: Vec<Cow<'_, str>> = vec![
                f.severity.label(lang).into(),
                format!("{} {}", f.rule.as_str(), f.rule.label(lang)).into(),
                f.program.as_str().into(),
                f.enterprise.as_deref().unwrap_or_default().into(),
                f.voucher.as_deref().unwrap_or_default().into(),
                f.amount.map(|m| m.format_yuan()).unwrap_or_default().into(),
                f.message.as_str().into(),
                match &f.ack {
                    Some(a) => format!("✓ {} ({} {})", a.note, a.by, a.at).into(),
                    None => "".into(),
                },
                f.key().into(),
            ];
            if cols.basis {
                row.push(f.basis.to_string().into());
            }
            row
        })
        .collect();
    let mut s = text_table(&headers, &rows, &[5]);
    let (e, w) = super::count_by_severity(findings);
    s.push_str(&match lang {
        Lang::Zh => format!("共 {} 条：错误 {e}，警告 {w}\n", findings.len()),
        Lang::En => format!("{} findings: {e} error, {w} warn\n", findings.len()),
    });
    s
}
