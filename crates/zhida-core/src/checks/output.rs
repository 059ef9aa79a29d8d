//! Findings as JSON (the documented shape, exactly), CSV (UTF-8 with BOM, for
//! Excel/WPS, injection-safe) and a plain text table aligned by display width.

use serde::Serialize;

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
}

/// `[{"rule":…,"severity":…,"program":…,"enterprise":…|null,"voucher":…|null,
/// "amount":"1234.56"|null,"message":…,"acknowledged":false}]`
pub fn findings_json(findings: &[Finding]) -> Result<String> {
    let v: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|f| JsonFinding {
            rule: f.rule.as_str(),
            severity: f.severity.as_str(),
            program: &f.program,
            enterprise: f.enterprise.as_deref(),
            voucher: f.voucher.as_deref(),
            amount: f.amount.map(|m| m.plain()),
            message: &f.message,
            acknowledged: f.acknowledged,
        })
        .collect();
    serde_json::to_string_pretty(&v).map_err(|e| Error::invalid(e.to_string()))
}

/// The JSON columns as CSV, UTF-8 with BOM; nulls are empty cells.
pub fn findings_csv(findings: &[Finding]) -> Result<Vec<u8>> {
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let csv_err = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
        w.write_record([
            "rule",
            "severity",
            "program",
            "enterprise",
            "voucher",
            "amount",
            "message",
            "acknowledged",
        ])
        .map_err(csv_err)?;
        for f in findings {
            let amount = f.amount.map(|m| m.plain()).unwrap_or_default();
            w.write_record([
                f.rule.as_str(),
                f.severity.as_str(),
                &neutralise(&f.program),
                &neutralise(f.enterprise.as_deref().unwrap_or("")),
                &neutralise(f.voucher.as_deref().unwrap_or("")),
                &amount,
                &neutralise(&f.message),
                if f.acknowledged { "true" } else { "false" },
            ])
            .map_err(csv_err)?;
        }
        w.flush()?;
    }
    Ok(buf)
}

/// The human view: one line per finding, columns aligned by display width; the last
/// column is the key to pass to `zhida ack`.
pub fn findings_table(findings: &[Finding], lang: Lang) -> String {
    let headers: Vec<String> = [
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
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                f.severity.label(lang).to_string(),
                format!("{} {}", f.rule.as_str(), f.rule.label(lang)),
                f.program.clone(),
                f.enterprise.clone().unwrap_or_default(),
                f.voucher.clone().unwrap_or_default(),
                f.amount.map(|m| m.format_yuan()).unwrap_or_default(),
                f.message.clone(),
                match &f.ack {
                    Some(a) => format!("✓ {} ({} {})", a.note, a.by, a.at),
                    None => String::new(),
                },
                f.key(),
            ]
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
