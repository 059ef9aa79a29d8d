//! A reconciliation as JSON (one object: period, summary, items), CSV (UTF-8 with BOM,
//! one line per acknowledgeable key, injection-safe) and a text table for the terminal.

use serde_json::{json, Value};

use super::{Category, Diff, DiffKind, Item, Reconciliation};
use crate::checks::Ack;
use crate::dates::iso;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::money::Money;
use crate::report::text_table;
use crate::sanitize::{cell_safe, display_safe};

fn ack_json(a: &Option<Ack>) -> (bool, Value) {
    match a {
        Some(a) => (true, json!({"note": a.note, "by": a.by, "at": a.at})),
        None => (false, Value::Null),
    }
}

/// `{"file","profile","from","to","tolerance_days","upstream_rows","outside_period",
/// "open","summary":[{category,label,count,upstream_amount,ours_amount}],
/// "items":[{category,matched_by,key,acknowledged,ack,upstream,ours,differences:[…]}]}`
/// Amounts are decimal strings in 元 with 2 decimals.
pub fn reconciliation_json(r: &Reconciliation, lang: Lang) -> Result<String> {
    let summary: Vec<Value> = r
        .summary()
        .iter()
        .map(|t| {
            json!({
                "category": t.category.as_str(),
                "label": t.category.label(lang),
                "count": t.count,
                "upstream_amount": t.upstream_amount.plain(),
                "ours_amount": t.ours_amount.plain(),
            })
        })
        .collect();
    let items: Vec<Value> = r
        .items
        .iter()
        .map(|i| {
            let (acked, ack) = ack_json(&i.ack);
            let diffs: Vec<Value> = i
                .diffs
                .iter()
                .map(|d| {
                    let (acked, ack) = ack_json(&d.ack);
                    json!({
                        "kind": d.kind.as_str(),
                        "ours": d.ours,
                        "upstream": d.upstream,
                        "key": d.key,
                        "acknowledged": acked,
                        "ack": ack,
                    })
                })
                .collect();
            json!({
                "category": i.category.as_str(),
                "matched_by": i.matched_by,
                "key": i.key,
                "acknowledged": acked,
                "ack": ack,
                "upstream": i.upstream,
                "ours": i.ours,
                "differences": diffs,
            })
        })
        .collect();
    let v = json!({
        "file": r.file,
        "profile": r.profile,
        "from": iso(r.from),
        "to": iso(r.to),
        "tolerance_days": r.tolerance_days,
        "upstream_rows": r.upstream_rows,
        "outside_period": r.outside_period,
        "open": r.open_count(),
        "summary": summary,
        "items": items,
    });
    serde_json::to_string_pretty(&v).map_err(|e| Error::invalid(e.to_string()))
}

const CSV_HEADERS: [&str; 22] = [
    "category",
    "kind",
    "key",
    "acknowledged",
    "note",
    "matched_by",
    "upstream_line",
    "upstream_reference",
    "upstream_voucher",
    "our_voucher",
    "credit_code",
    "enterprise",
    "upstream_amount",
    "our_amount",
    "upstream_date",
    "our_date",
    "upstream_program",
    "our_program",
    "upstream_direct",
    "our_direct",
    "our_status",
    "difference",
];

/// One CSV line per key (each difference, each unmatched row) and one per plain match;
/// UTF-8 with BOM for Excel/WPS; text cells neutralised against formula injection.
pub fn reconciliation_csv(r: &Reconciliation) -> Result<Vec<u8>> {
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let csv_err = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
        w.write_record(CSV_HEADERS).map_err(csv_err)?;
        for i in &r.items {
            let mut lines: Vec<(String, String, Option<&Ack>, String)> = Vec::new();
            if let Some(k) = &i.key {
                lines.push((
                    i.category.as_str().to_string(),
                    k.clone(),
                    i.ack.as_ref(),
                    String::new(),
                ));
            }
            for d in &i.diffs {
                lines.push((
                    d.kind.as_str().to_string(),
                    d.key.clone(),
                    d.ack.as_ref(),
                    format!("{} → {}", d.ours, d.upstream),
                ));
            }
            if lines.is_empty() {
                lines.push((String::new(), String::new(), None, String::new()));
            }
            let u = i.upstream.as_ref();
            let o = i.ours.as_ref();
            let flag = |b: Option<bool>| match b {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            };
            for (kind, key, ack, difference) in lines {
                let cells: Vec<String> = vec![
                    i.category.as_str().to_string(),
                    kind,
                    key,
                    ack.is_some().to_string(),
                    ack.map(|a| a.note.clone()).unwrap_or_default(),
                    i.matched_by
                        .map(|m| match m {
                            super::MatchedBy::Voucher => "voucher",
                            super::MatchedBy::CodeAmountDate => "code_amount_date",
                        })
                        .unwrap_or("")
                        .to_string(),
                    u.map(|u| u.line.to_string()).unwrap_or_default(),
                    u.and_then(|u| u.reference.clone()).unwrap_or_default(),
                    u.and_then(|u| u.voucher.clone()).unwrap_or_default(),
                    o.map(|o| o.voucher.clone()).unwrap_or_default(),
                    o.map(|o| o.credit_code.clone())
                        .or(u.map(|u| u.credit_code.clone()))
                        .unwrap_or_default(),
                    o.map(|o| o.enterprise_name.clone())
                        .or(u.map(|u| u.enterprise_name.clone()))
                        .unwrap_or_default(),
                    u.map(|u| u.amount.plain()).unwrap_or_default(),
                    o.map(|o| o.amount.plain()).unwrap_or_default(),
                    u.map(|u| iso(u.date)).unwrap_or_default(),
                    o.map(|o| iso(o.date)).unwrap_or_default(),
                    u.and_then(|u| u.program.clone()).unwrap_or_default(),
                    o.map(|o| o.program.clone()).unwrap_or_default(),
                    flag(u.and_then(|u| u.is_direct)).to_string(),
                    flag(o.map(|o| o.is_direct)).to_string(),
                    o.map(|o| o.status.as_str().to_string()).unwrap_or_default(),
                    difference,
                ];
                let safe: Vec<String> = cells.iter().map(|c| cell_safe(c).into_owned()).collect();
                w.write_record(&safe).map_err(csv_err)?;
            }
        }
        w.flush()?;
    }
    Ok(buf)
}

/// A difference's value for people: money with separators, flags 是/否.
pub fn diff_value(d: &Diff, ours: bool, lang: Lang) -> String {
    let v = if ours { &d.ours } else { &d.upstream };
    match d.kind {
        DiffKind::Amount => Money::parse(v)
            .map(|m| m.format_yuan())
            .unwrap_or(v.clone()),
        DiffKind::Direct => match v.as_str() {
            "yes" => lang.pick("是", "yes").to_string(),
            "no" => lang.pick("否", "no").to_string(),
            other => other.to_string(),
        },
        _ => v.clone(),
    }
}

/// One display line of an item: (what, ours, upstream, ack, key). An item with several
/// differences gives one line per difference.
pub fn item_lines(i: &Item, lang: Lang) -> Vec<[String; 5]> {
    let ack_text = |a: &Option<Ack>| match a {
        Some(a) => format!("✓ {} ({} {})", a.note, a.by, a.at),
        None => String::new(),
    };
    let mut out = Vec::new();
    let side_u = || {
        i.upstream
            .as_ref()
            .map(|u| {
                format!(
                    "{} {} {}",
                    u.amount.format_yuan(),
                    iso(u.date),
                    lang.pick("行", "line")
                ) + &format!(" {}", u.line)
            })
            .unwrap_or_else(|| "—".into())
    };
    let side_o = || {
        i.ours
            .as_ref()
            .map(|o| {
                format!(
                    "{} {} {}",
                    o.amount.format_yuan(),
                    iso(o.date),
                    o.status.label(lang)
                )
            })
            .unwrap_or_else(|| "—".into())
    };
    if let Some(k) = &i.key {
        let what = if i.category == Category::NotPaid {
            lang.pick("状态", "status")
        } else {
            ""
        };
        out.push([
            what.to_string(),
            side_o(),
            side_u(),
            ack_text(&i.ack),
            k.clone(),
        ]);
    }
    for d in &i.diffs {
        out.push([
            d.kind.label(lang).to_string(),
            diff_value(d, true, lang),
            diff_value(d, false, lang),
            ack_text(&d.ack),
            d.key.clone(),
        ]);
    }
    if out.is_empty() {
        out.push([
            String::new(),
            side_o(),
            side_u(),
            String::new(),
            String::new(),
        ]);
    }
    out
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The human view: the period, a summary per category, then every item that is not a
/// plain match (with `all`, those too). The last column is the key for `zhida ack`.
pub fn reconciliation_table(r: &Reconciliation, lang: Lang, all: bool) -> String {
    let mut s = match lang {
        Lang::Zh => format!(
            "对账 {} · 方案 {} · 期间 {} 至 {} · 日期容差 ±{} 天 · 上游 {} 笔（期间外 {} 笔未计）\n\n",
            r.file,
            r.profile,
            r.from,
            r.to,
            r.tolerance_days,
            r.upstream_rows,
            r.outside_period
        ),
        Lang::En => format!(
            "Reconciliation of {} · profile {} · {} to {} · date tolerance ±{} days · {} upstream rows ({} outside the period left out)\n\n",
            r.file,
            r.profile,
            r.from,
            r.to,
            r.tolerance_days,
            r.upstream_rows,
            r.outside_period
        ),
    };
    let headers = owned(&[
        lang.pick("类别", "category"),
        lang.pick("笔数", "rows"),
        lang.pick("上游金额", "upstream amount"),
        lang.pick("我方金额", "our amount"),
    ]);
    let rows: Vec<Vec<String>> = r
        .summary()
        .iter()
        .map(|t| {
            vec![
                t.category.label(lang).to_string(),
                t.count.to_string(),
                t.upstream_amount.format_yuan(),
                t.ours_amount.format_yuan(),
            ]
        })
        .collect();
    s.push_str(&text_table(&headers, &rows, &[1, 2, 3]));
    s.push('\n');
    let headers = owned(&[
        lang.pick("类别", "category"),
        lang.pick("项", "what"),
        lang.pick("我方凭证", "our voucher"),
        lang.pick("上游编号", "upstream ref"),
        lang.pick("企业", "enterprise"),
        lang.pick("我方", "ours"),
        lang.pick("上游", "upstream"),
        lang.pick("确认", "ack"),
        lang.pick("键", "key"),
    ]);
    let mut rows = Vec::new();
    for i in r
        .items
        .iter()
        .filter(|i| all || i.category != Category::Matched)
    {
        let voucher = i
            .ours
            .as_ref()
            .map(|o| o.voucher.clone())
            .unwrap_or_default();
        let reference = i
            .upstream
            .as_ref()
            .map(|u| u.ref_text().to_string())
            .unwrap_or_default();
        let name = i
            .ours
            .as_ref()
            .map(|o| o.enterprise_name.clone())
            .or(i.upstream.as_ref().map(|u| u.enterprise_name.clone()))
            .unwrap_or_default();
        for [what, ours, up, ack, key] in item_lines(i, lang) {
            rows.push(
                [
                    i.category.label(lang).to_string(),
                    what,
                    voucher.clone(),
                    reference.clone(),
                    name.clone(),
                    ours,
                    up,
                    ack,
                    key,
                ]
                .iter()
                .map(|c| display_safe(c).into_owned())
                .collect(),
            );
        }
    }
    if rows.is_empty() {
        s.push_str(lang.pick("没有差异。\n", "No differences.\n"));
    } else {
        s.push_str(&text_table(&headers, &rows, &[]));
    }
    let open = r.open_count();
    s.push_str(&match lang {
        Lang::Zh => format!("待处理 {open} 项（差异与未匹配，未确认）\n"),
        Lang::En => {
            format!("{open} open items (differences and unmatched rows not acknowledged)\n")
        }
    });
    s
}
