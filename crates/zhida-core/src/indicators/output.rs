//! `zhida indicators` output: each program's computed indicators beside its latest
//! evaluation, as a text table, JSON and CSV (UTF-8 with BOM, injection-safe).

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{format_rate, indicators_as_of, ProgramIndicators};
use crate::checks::neutralise;
use crate::config::CheckConfig;
use crate::dates::iso;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::model::{format_score, Evaluation, Grade};
use crate::repo::figures::ProgramFigures;
use crate::repo::worklists::evaluations_until;
use crate::report::text_table;
use crate::sanitize::display_safe;

/// One program's line: figures, indicators and the latest evaluation dated ≤ D.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorLine {
    pub f: ProgramFigures,
    pub ind: ProgramIndicators,
    /// the newest evaluation dated ≤ D (any year)
    pub eval: Option<Evaluation>,
}

/// Every program's line as of `as_of`, ordered by program code.
pub fn indicator_lines(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
) -> Result<Vec<IndicatorLine>> {
    let all = indicators_as_of(conn, as_of, cfg)?;
    // newest first per program
    let mut latest: HashMap<String, Evaluation> = HashMap::new();
    for e in evaluations_until(conn, as_of)? {
        latest.entry(e.program_code.clone()).or_insert(e);
    }
    Ok(all
        .into_iter()
        .map(|(f, ind)| {
            let eval = latest.remove(&f.program.code);
            IndicatorLine { f, ind, eval }
        })
        .collect())
}

/// A rate as percent with two decimals (`66.67`), rounded half up.
fn pct_num(r: Decimal) -> String {
    format!("{:.2}", crate::report::pct2(r))
}

/// Score, grade and year of the latest evaluation (empty cells when there is none).
fn eval_cells(eval: Option<&Evaluation>, lang: Lang) -> [String; 3] {
    match eval {
        Some(e) => [
            format_score(e.score_x100),
            Grade::of(e.score_x100).label(lang).to_string(),
            e.year.to_string(),
        ],
        None => Default::default(),
    }
}

fn on_time_cell(ind: &ProgramIndicators) -> String {
    match ind.rates.on_time_rate {
        Some(_) => format!(
            "{} ({}/{})",
            format_rate(ind.rates.on_time_rate),
            ind.rates.on_time_rows,
            ind.rates.timed_rows
        ),
        None => format_rate(None),
    }
}

/// The human view, aligned by display width; names made terminal-safe.
pub fn indicators_table(lines: &[IndicatorLine], lang: Lang) -> String {
    let headers: Vec<String> = [
        lang.pick("项目编码", "code"),
        lang.pick("项目名称", "program"),
        lang.pick("指标(元)", "budget"),
        lang.pick("执行率", "execution"),
        lang.pick("时间进度", "time"),
        lang.pick("结余率", "balance rate"),
        lang.pick("按时发放率", "on time"),
        lang.pick("足额率", "full payment"),
        lang.pick("评价得分", "score"),
        lang.pick("等级", "grade"),
        lang.pick("评价年度", "eval year"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                display_safe(&l.f.program.code).into_owned(),
                display_safe(&l.f.program.name).into_owned(),
                l.f.budget.format_yuan(),
                format_rate(Some(l.f.execution_rate)),
                format_rate(Some(l.f.time_progress)),
                format_rate(l.ind.rates.balance_rate),
                on_time_cell(&l.ind),
                format_rate(l.ind.rates.full_rate),
            ]
            .into_iter()
            .chain(eval_cells(l.eval.as_ref(), lang))
            .collect()
        })
        .collect();
    text_table(&headers, &rows, &[2, 3, 4, 5, 6, 7, 8])
}

#[derive(Serialize)]
struct JsonMonth {
    month: u32,
    execution_pct: String,
    time_progress_pct: String,
}

#[derive(Serialize)]
struct JsonEval {
    year: i32,
    score: String,
    grade: &'static str,
    date: String,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    program: &'a str,
    name: &'a str,
    budget: String,
    paid: String,
    balance: String,
    execution_pct: String,
    time_progress_pct: String,
    balance_rate_pct: Option<String>,
    on_time_pct: Option<String>,
    on_time_rows: i64,
    timed_rows: i64,
    full_rate_pct: Option<String>,
    approved_unpaid: String,
    evaluation: Option<JsonEval>,
    /// months 1–12 of the fiscal year; null after D
    monthly: Vec<Option<JsonMonth>>,
}

/// One JSON array; rates are percent strings with two decimals (null when there is none).
pub fn indicators_json(lines: &[IndicatorLine]) -> Result<String> {
    let v: Vec<JsonLine<'_>> = lines
        .iter()
        .map(|l| JsonLine {
            program: &l.f.program.code,
            name: &l.f.program.name,
            budget: l.f.budget.plain(),
            paid: l.f.paid.plain(),
            balance: l.f.balance.plain(),
            execution_pct: pct_num(l.f.execution_rate),
            time_progress_pct: pct_num(l.f.time_progress),
            balance_rate_pct: l.ind.rates.balance_rate.map(pct_num),
            on_time_pct: l.ind.rates.on_time_rate.map(pct_num),
            on_time_rows: l.ind.rates.on_time_rows,
            timed_rows: l.ind.rates.timed_rows,
            full_rate_pct: l.ind.rates.full_rate.map(pct_num),
            approved_unpaid: l.ind.rates.approved_unpaid.plain(),
            evaluation: l.eval.as_ref().map(|e| JsonEval {
                year: e.year,
                score: format_score(e.score_x100),
                grade: Grade::of(e.score_x100).label(Lang::Zh),
                date: iso(e.date),
            }),
            monthly: (1u32..)
                .zip(&l.ind.monthly)
                .map(|(month, m)| {
                    m.map(|m| JsonMonth {
                        month,
                        execution_pct: pct_num(m.execution_rate),
                        time_progress_pct: pct_num(m.time_progress),
                    })
                })
                .collect(),
        })
        .collect();
    serde_json::to_string_pretty(&v).map_err(|e| Error::invalid(e.to_string()))
}

/// UTF-8 with BOM; rates in percent; `m01`…`m12` the execution rate at each month end.
pub fn indicators_csv(lines: &[IndicatorLine]) -> Result<Vec<u8>> {
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let e = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
        let mut header: Vec<String> = [
            "program",
            "name",
            "budget",
            "execution_pct",
            "time_progress_pct",
            "balance_rate_pct",
            "on_time_pct",
            "on_time_rows",
            "timed_rows",
            "full_rate_pct",
            "score",
            "grade",
            "eval_year",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend((1..=12).map(|m| format!("m{m:02}")));
        w.write_record(&header).map_err(e)?;
        for l in lines {
            let opt = |r: Option<Decimal>| r.map(pct_num).unwrap_or_default();
            let mut rec: Vec<String> = vec![
                neutralise(&l.f.program.code).into_owned(),
                neutralise(&l.f.program.name).into_owned(),
                l.f.budget.plain(),
                pct_num(l.f.execution_rate),
                pct_num(l.f.time_progress),
                opt(l.ind.rates.balance_rate),
                opt(l.ind.rates.on_time_rate),
                l.ind.rates.on_time_rows.to_string(),
                l.ind.rates.timed_rows.to_string(),
                opt(l.ind.rates.full_rate),
            ]
            .into_iter()
            .chain(eval_cells(l.eval.as_ref(), Lang::Zh))
            .collect();
            rec.extend(
                l.ind
                    .monthly
                    .iter()
                    .map(|m| opt(m.map(|m| m.execution_rate))),
            );
            w.write_record(&rec).map_err(e)?;
        }
        w.flush()?;
    }
    Ok(buf)
}
