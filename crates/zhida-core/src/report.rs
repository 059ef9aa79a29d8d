//! The monthly 通报 for month M, as of its last day: one row per program (department,
//! level, budget, paid in the month, paid since 1 January, execution rate, time
//! progress, gap in percentage points, balance, recovered, finding counts by severity,
//! rank by execution rate), subtotals per department and per level, and a totals row;
//! then the computed indicators (结余率, 按时发放率, 足额率 — definitions in
//! `indicators.rs`), summed the same way on subtotal rows.
//! Writers: CSV (UTF-8 with BOM), xlsx and a plain-text table. Text cells that a
//! spreadsheet would run as a formula are neutralised (CSV injection).
//!
//! The findings cite their policy basis (依据): every program row ends with a 依据 cell
//! (each rule found on it with the basis it cites; CSV and xlsx), and the 通报 has an
//! appendix — one line per (program, rule): count, amount, basis — as a second xlsx
//! sheet and after the text table. The columns before 依据 are unchanged.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use unicode_width::UnicodeWidthStr;

use crate::checks::{neutralise, run_checks, CheckFilter, Rule, Severity};
use crate::config::CheckConfig;
use crate::dates::{iso, Month};
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::indicators::{program_indicators, Rates};
use crate::model::Level;
use crate::money::Money;
use crate::repo::figures::{execution_rate, program_figures};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Program,
    /// 部门小计
    Department,
    /// 级次小计
    Level,
    /// 合计
    Total,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub kind: RowKind,
    pub department: String,
    /// None on department subtotals and the totals row
    pub level: Option<Level>,
    /// program code (empty on subtotal rows)
    pub code: String,
    /// program name, or the subtotal's label
    pub name: String,
    pub budget: Money,
    pub paid_month: Money,
    pub paid_ytd: Money,
    /// cumulative paid as of the month end (the numerator of the execution rate)
    pub paid: Money,
    pub execution_rate: Decimal,
    pub time_progress: Decimal,
    /// (execution rate − time progress) × 100, rounded half up to 2 decimals
    pub gap_pp: Decimal,
    pub balance: Money,
    pub recovered: Money,
    pub errors: usize,
    pub warnings: usize,
    /// 1 = highest execution rate; equal rates share a rank. Program rows only.
    pub rank: Option<usize>,
    /// 结余率, 按时发放率, 足额率 (`indicators.rs`)
    pub rates: Rates,
}

/// One (program, rule) the checks found as of the month end, with the basis it cites:
/// a line of the 通报's appendix.
#[derive(Debug, Clone, PartialEq)]
pub struct BasisRow {
    pub code: String,
    pub name: String,
    pub rule: Rule,
    pub severity: Severity,
    pub count: usize,
    /// Σ of the findings' amounts (None when none has one: NO_EVAL, LOW_SCORE, …)
    pub amount: Option<Money>,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyReport {
    pub month: Month,
    pub lang: Lang,
    pub rows: Vec<ReportRow>,
    /// the appendix, in the order of the program rows, then severity and rule
    pub basis: Vec<BasisRow>,
}

fn gap(rate: Decimal, tp: Decimal) -> Decimal {
    ((rate - tp) * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn level_rank(l: Level) -> usize {
    Level::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

/// Build the report for `month` as of its last day.
pub fn monthly_report(
    conn: &Connection,
    month: Month,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<MonthlyReport> {
    let as_of = month.last_day();
    let figures = program_figures(conn, as_of)?;
    let year_start = Month::new(month.year, 1).unwrap_or(month).first_day();
    let mut paid_by: HashMap<i64, (Money, Money)> = HashMap::new();
    {
        // from the maintained program × month sums (repo::summary), not the rows
        let mut stmt = conn.prepare(
            "SELECT program_id,
                    SUM(CASE WHEN month = ?2 THEN paid_fen ELSE 0 END),
                    SUM(paid_fen)
             FROM program_month
             WHERE month BETWEEN ?1 AND ?2
             GROUP BY program_id",
        )?;
        let rows = stmt.query_map(
            params![Month::of(year_start).to_string(), month.to_string()],
            |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?))),
        )?;
        for r in rows {
            let (id, v) = r?;
            paid_by.insert(id, v);
        }
    }
    let indicators = program_indicators(conn, as_of, &figures, cfg)?;
    let findings = run_checks(conn, as_of, cfg, lang, &CheckFilter::default())?;
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    let mut basis: HashMap<(&str, Rule), BasisRow> = HashMap::new();
    for f in &findings {
        let b = basis
            .entry((f.program.as_str(), f.rule))
            .or_insert_with(|| BasisRow {
                code: f.program.clone(),
                name: String::new(),
                rule: f.rule,
                severity: f.severity,
                count: 0,
                amount: None,
                basis: f.basis.to_string(),
            });
        b.count += 1;
        if let Some(a) = f.amount {
            b.amount = Some(b.amount.unwrap_or(Money::ZERO) + a);
        }
        let c = counts.entry(f.program.as_str()).or_default();
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warn => c.1 += 1,
        }
    }

    let mut programs: Vec<ReportRow> = figures
        .iter()
        .zip(&indicators)
        .map(|(f, ind)| {
            let p = &f.program;
            let (paid_month, paid_ytd) = paid_by.get(&p.id).copied().unwrap_or_default();
            let (errors, warnings) = counts.get(p.code.as_str()).copied().unwrap_or_default();
            ReportRow {
                kind: RowKind::Program,
                department: p.department.clone(),
                level: Some(p.level),
                code: p.code.clone(),
                name: p.name.clone(),
                budget: f.budget,
                paid_month,
                paid_ytd,
                paid: f.paid,
                execution_rate: f.execution_rate,
                time_progress: f.time_progress,
                gap_pp: gap(f.execution_rate, f.time_progress),
                balance: f.balance,
                recovered: f.recovered,
                errors,
                warnings,
                rank: None,
                rates: ind.rates,
            }
        })
        .collect();
    // competition ranking: 1, 2, 2, 4
    let mut rates: Vec<Decimal> = programs.iter().map(|r| r.execution_rate).collect();
    rates.sort_by(|a, b| b.cmp(a));
    for r in &mut programs {
        r.rank = rates
            .iter()
            .position(|x| *x == r.execution_rate)
            .map(|i| i + 1);
    }
    programs.sort_by(|a, b| {
        (&a.department, a.level.map(level_rank), &a.code).cmp(&(
            &b.department,
            b.level.map(level_rank),
            &b.code,
        ))
    });

    let month_tp = Decimal::from(month.month) / Decimal::from(12);
    let subtotal =
        |kind: RowKind, dept: &str, level: Option<Level>, name: String, rows: &[&ReportRow]| {
            let sum =
                |g: fn(&ReportRow) -> Money| rows.iter().fold(Money::ZERO, |acc, r| acc + g(r));
            let budget = sum(|r| r.budget);
            let paid = sum(|r| r.paid);
            let rate = execution_rate(paid, budget);
            let balance = sum(|r| r.balance);
            let approved_unpaid = sum(|r| r.rates.approved_unpaid);
            let on_time_rows: i64 = rows.iter().map(|r| r.rates.on_time_rows).sum();
            let timed_rows: i64 = rows.iter().map(|r| r.rates.timed_rows).sum();
            ReportRow {
                kind,
                department: dept.to_string(),
                level,
                code: String::new(),
                name,
                budget,
                paid_month: sum(|r| r.paid_month),
                paid_ytd: sum(|r| r.paid_ytd),
                paid,
                execution_rate: rate,
                time_progress: month_tp,
                gap_pp: gap(rate, month_tp),
                balance,
                recovered: sum(|r| r.recovered),
                errors: rows.iter().map(|r| r.errors).sum(),
                warnings: rows.iter().map(|r| r.warnings).sum(),
                rank: None,
                rates: Rates::new(
                    balance,
                    budget,
                    paid,
                    approved_unpaid,
                    on_time_rows,
                    timed_rows,
                ),
            }
        };

    let mut rows = Vec::new();
    let mut i = 0;
    while i < programs.len() {
        let dept = programs[i].department.clone();
        let start = i;
        while i < programs.len() && programs[i].department == dept {
            rows.push(programs[i].clone());
            i += 1;
        }
        let block: Vec<&ReportRow> = programs[start..i].iter().collect();
        let label = if dept.is_empty() {
            lang.pick("（未填部门）", "(no department)").to_string()
        } else {
            dept.clone()
        };
        let name = match lang {
            Lang::Zh => format!("{label} 小计"),
            Lang::En => format!("{label} subtotal"),
        };
        rows.push(subtotal(RowKind::Department, &dept, None, name, &block));
    }
    for level in Level::ALL {
        let block: Vec<&ReportRow> = programs
            .iter()
            .filter(|r| r.level == Some(*level))
            .collect();
        if block.is_empty() {
            continue;
        }
        let name = match lang {
            Lang::Zh => format!("{} 小计", level.label(lang)),
            Lang::En => format!("{} subtotal", level.label(lang)),
        };
        rows.push(subtotal(RowKind::Level, "", Some(*level), name, &block));
    }
    let all: Vec<&ReportRow> = programs.iter().collect();
    rows.push(subtotal(
        RowKind::Total,
        "",
        None,
        lang.pick("合计", "Total").to_string(),
        &all,
    ));
    let mut appendix = Vec::new();
    for p in &programs {
        let mut mine: Vec<BasisRow> = basis
            .iter()
            .filter(|((code, _), _)| *code == p.code)
            .map(|(_, b)| BasisRow {
                name: p.name.clone(),
                ..b.clone()
            })
            .collect();
        mine.sort_by(|a, b| (a.severity, a.rule.as_str()).cmp(&(b.severity, b.rule.as_str())));
        appendix.extend(mine);
    }
    Ok(MonthlyReport {
        month,
        lang,
        rows,
        basis: appendix,
    })
}

impl ReportRow {
    /// 结余率, 按时发放率, 足额率 — the last three columns.
    pub fn indicator_rates(&self) -> [Option<Decimal>; 3] {
        self.rates.as_array()
    }
}

/// A ratio in percent, rounded half up to two decimals.
pub(crate) fn pct2(r: Decimal) -> Decimal {
    (r * Decimal::ONE_HUNDRED).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

impl MonthlyReport {
    /// 2025年6月 惠企资金执行情况通报
    pub fn title(&self) -> String {
        match self.lang {
            Lang::Zh => format!(
                "{}年{}月 惠企资金（直达资金）执行情况通报（截至 {}）",
                self.month.year,
                self.month.month,
                iso(self.month.last_day())
            ),
            Lang::En => format!(
                "Relief funds execution report {} (as of {})",
                self.month,
                iso(self.month.last_day())
            ),
        }
    }

    pub fn headers(&self) -> Vec<String> {
        let l = self.lang;
        [
            l.pick("主管部门", "department"),
            l.pick("资金级次", "level"),
            l.pick("项目编码", "code"),
            l.pick("项目名称", "program"),
            l.pick("指标(元)", "budget"),
            l.pick("本月拨付(元)", "paid in month"),
            l.pick("本年累计拨付(元)", "paid YTD"),
            l.pick("执行率(%)", "execution %"),
            l.pick("时间进度(%)", "time progress %"),
            l.pick("差距(百分点)", "gap (pp)"),
            l.pick("结余(元)", "balance"),
            l.pick("已收回(元)", "recovered"),
            l.pick("错误", "errors"),
            l.pick("警告", "warnings"),
            l.pick("执行率排名", "rank"),
            l.pick("结余率(%)", "balance rate %"),
            l.pick("按时发放率(%)", "on-time %"),
            l.pick("足额率(%)", "full payment %"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// The last column: the basis each finding on the program cites.
    pub fn basis_header(&self) -> String {
        self.lang.pick("依据", "basis").to_string()
    }

    /// `超上限：元科发〔2025〕2号：每家企业每年不超过30万元；执行滞后：…` for a program row,
    /// empty on subtotals.
    pub fn basis_cell(&self, r: &ReportRow) -> String {
        if r.kind != RowKind::Program {
            return String::new();
        }
        let v: Vec<String> = self
            .basis
            .iter()
            .filter(|b| b.code == r.code)
            .map(|b| match self.lang {
                Lang::Zh => format!("{}：{}", b.rule.label(self.lang), b.basis),
                Lang::En => format!("{}: {}", b.rule.label(self.lang), b.basis),
            })
            .collect();
        v.join(self.lang.pick("；", "; "))
    }

    /// The appendix's title and columns.
    pub fn appendix_title(&self) -> &'static str {
        self.lang.pick(
            "附：核查发现及政策依据",
            "Appendix: findings and their basis",
        )
    }

    pub fn appendix_headers(&self) -> Vec<String> {
        let l = self.lang;
        [
            l.pick("项目编码", "code"),
            l.pick("项目名称", "program"),
            l.pick("规则", "rule"),
            l.pick("级别", "severity"),
            l.pick("条数", "count"),
            l.pick("金额(元)", "amount"),
            l.pick("依据", "basis"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn appendix_cells(&self, b: &BasisRow) -> [String; 4] {
        [
            b.code.clone(),
            b.name.clone(),
            format!("{} {}", b.rule.as_str(), b.rule.label(self.lang)),
            b.severity.label(self.lang).to_string(),
        ]
    }

    fn text_cells(&self, r: &ReportRow) -> [String; 4] {
        [
            r.department.clone(),
            r.level
                .map(|l| l.label(self.lang).to_string())
                .unwrap_or_default(),
            r.code.clone(),
            r.name.clone(),
        ]
    }

    /// CSV, UTF-8 with BOM; money in 元 with two decimals, rates in percent.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut buf = "\u{feff}".as_bytes().to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut buf);
            let e = |e: csv::Error| Error::invalid(format!("CSV: {e}"));
            let mut headers = self.headers();
            headers.push(self.basis_header());
            w.write_record(headers).map_err(e)?;
            for r in &self.rows {
                let mut rec: Vec<String> = self
                    .text_cells(r)
                    .iter()
                    .map(|s| neutralise(s).into_owned())
                    .collect();
                rec.extend([
                    r.budget.plain(),
                    r.paid_month.plain(),
                    r.paid_ytd.plain(),
                    format!("{:.2}", pct2(r.execution_rate)),
                    format!("{:.2}", pct2(r.time_progress)),
                    format!("{:.2}", r.gap_pp),
                    r.balance.plain(),
                    r.recovered.plain(),
                    r.errors.to_string(),
                    r.warnings.to_string(),
                    r.rank.map(|x| x.to_string()).unwrap_or_default(),
                ]);
                rec.extend(
                    r.indicator_rates()
                        .map(|x| x.map(|x| format!("{:.2}", pct2(x))).unwrap_or_default()),
                );
                rec.push(neutralise(&self.basis_cell(r)).into_owned());
                w.write_record(&rec).map_err(e)?;
            }
            w.flush()?;
        }
        Ok(buf)
    }

    /// xlsx: a Chinese title row, a frozen header row, money as `#,##0.00`, rates as
    /// `0.00%`, column widths set.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, FormatAlign, Workbook};
        let x = |e: rust_xlsxwriter::XlsxError| Error::invalid(format!("xlsx: {e}"));
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(self.lang.pick("通报", "report")).map_err(x)?;
        let title = Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center);
        let head = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center);
        let money = Format::new().set_num_format("#,##0.00");
        let pct = Format::new().set_num_format("0.00%");
        let num2 = Format::new().set_num_format("0.00");
        let int = Format::new().set_num_format("0");
        let bold = Format::new().set_bold();
        let bold_money = money.clone().set_bold();
        let bold_pct = pct.clone().set_bold();
        let bold_num2 = num2.clone().set_bold();
        let mut headers = self.headers();
        headers.push(self.basis_header());
        ws.merge_range(0, 0, 0, (headers.len() - 1) as u16, &self.title(), &title)
            .map_err(x)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(1, c as u16, h, &head)
                .map_err(x)?;
        }
        ws.set_freeze_panes(2, 0).map_err(x)?;
        let widths = [
            16.0, 8.0, 14.0, 30.0, 16.0, 16.0, 16.0, 10.0, 10.0, 10.0, 16.0, 14.0, 6.0, 6.0, 8.0,
            10.0, 10.0, 10.0, 60.0,
        ];
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(x)?;
        }
        let f64_of = |m: Money| m.to_decimal().to_f64().unwrap_or(0.0);
        for (i, r) in self.rows.iter().enumerate() {
            let row = (i + 2) as u32;
            let sub = r.kind != RowKind::Program;
            let (tf, mf, pf, nf) = if sub {
                (&bold, &bold_money, &bold_pct, &bold_num2)
            } else {
                (&Format::new(), &money, &pct, &num2)
            };
            for (c, s) in self.text_cells(r).iter().enumerate() {
                ws.write_string_with_format(row, c as u16, neutralise(s), tf)
                    .map_err(x)?;
            }
            for (c, m) in [
                (4, r.budget),
                (5, r.paid_month),
                (6, r.paid_ytd),
                (10, r.balance),
                (11, r.recovered),
            ] {
                ws.write_number_with_format(row, c, f64_of(m), mf)
                    .map_err(x)?;
            }
            ws.write_number_with_format(row, 7, r.execution_rate.to_f64().unwrap_or(0.0), pf)
                .map_err(x)?;
            ws.write_number_with_format(row, 8, r.time_progress.to_f64().unwrap_or(0.0), pf)
                .map_err(x)?;
            ws.write_number_with_format(row, 9, r.gap_pp.to_f64().unwrap_or(0.0), nf)
                .map_err(x)?;
            ws.write_number_with_format(row, 12, r.errors as f64, &int)
                .map_err(x)?;
            ws.write_number_with_format(row, 13, r.warnings as f64, &int)
                .map_err(x)?;
            if let Some(rank) = r.rank {
                ws.write_number_with_format(row, 14, rank as f64, &int)
                    .map_err(x)?;
            }
            for (c, rate) in (15u16..).zip(r.indicator_rates()) {
                if let Some(rate) = rate {
                    ws.write_number_with_format(row, c, rate.to_f64().unwrap_or(0.0), pf)
                        .map_err(x)?;
                }
            }
            ws.write_string_with_format(row, 18, neutralise(&self.basis_cell(r)), tf)
                .map_err(x)?;
        }
        // the appendix: one line per (program, rule)
        let ap = wb.add_worksheet();
        ap.set_name(self.lang.pick("核查发现及依据", "findings and basis"))
            .map_err(x)?;
        let heads = self.appendix_headers();
        ap.merge_range(
            0,
            0,
            0,
            (heads.len() - 1) as u16,
            self.appendix_title(),
            &title,
        )
        .map_err(x)?;
        for (c, h) in heads.iter().enumerate() {
            ap.write_string_with_format(1, c as u16, h, &head)
                .map_err(x)?;
        }
        ap.set_freeze_panes(2, 0).map_err(x)?;
        for (c, w) in [14.0, 30.0, 22.0, 6.0, 6.0, 16.0, 70.0].iter().enumerate() {
            ap.set_column_width(c as u16, *w).map_err(x)?;
        }
        for (i, b) in self.basis.iter().enumerate() {
            let row = (i + 2) as u32;
            for (c, s) in self.appendix_cells(b).iter().enumerate() {
                ap.write_string(row, c as u16, neutralise(s)).map_err(x)?;
            }
            ap.write_number_with_format(row, 4, b.count as f64, &int)
                .map_err(x)?;
            if let Some(a) = b.amount {
                ap.write_number_with_format(row, 5, f64_of(a), &money)
                    .map_err(x)?;
            }
            ap.write_string(row, 6, neutralise(&b.basis)).map_err(x)?;
        }
        wb.save_to_buffer().map_err(x)
    }

    /// A plain-text table aligned by display width (中文 = 2 cells).
    pub fn to_text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let mut v: Vec<String> = self.text_cells(r).to_vec();
                v.extend([
                    r.budget.format_yuan(),
                    r.paid_month.format_yuan(),
                    r.paid_ytd.format_yuan(),
                    format!("{:.2}%", pct2(r.execution_rate)),
                    format!("{:.2}%", pct2(r.time_progress)),
                    format!("{:.2}", r.gap_pp),
                    r.balance.format_yuan(),
                    r.recovered.format_yuan(),
                    r.errors.to_string(),
                    r.warnings.to_string(),
                    r.rank.map(|x| x.to_string()).unwrap_or_default(),
                ]);
                v.extend(r.indicator_rates().map(crate::indicators::format_rate));
                v
            })
            .collect();
        let mut out = format!(
            "{}\n{}",
            self.title(),
            text_table(
                &self.headers(),
                &rows,
                &[4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
            )
        );
        if !self.basis.is_empty() {
            let rows: Vec<Vec<String>> = self
                .basis
                .iter()
                .map(|b| {
                    let mut v = self.appendix_cells(b).to_vec();
                    v.extend([
                        b.count.to_string(),
                        b.amount.map(|a| a.format_yuan()).unwrap_or_default(),
                        b.basis.clone(),
                    ]);
                    v
                })
                .collect();
            out.push_str(&format!(
                "\n{}\n{}",
                self.appendix_title(),
                text_table(&self.appendix_headers(), &rows, &[4, 5])
            ));
        }
        out
    }

    /// Write to `path` as .csv or .xlsx (by extension).
    pub fn write_file(&self, path: &Path) -> Result<()> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        let bytes = match ext.as_str() {
            "csv" => self.to_csv()?,
            "xlsx" => self.to_xlsx()?,
            _ => {
                return Err(Error::invalid(format!(
                    "{}: 只支持 .csv 或 .xlsx (only .csv or .xlsx)",
                    path.display()
                )))
            }
        };
        std::fs::write(path, bytes)?;
        Ok(())
    }
}

/// A plain table: header, a rule line, rows; columns in `right` are right-aligned.
/// Trailing spaces are trimmed from each line. Written straight into one string, each
/// cell's display width measured once (70,000 findings make a table of 18 MB).
pub fn text_table<S: AsRef<str>>(headers: &[String], rows: &[Vec<S>], right: &[usize]) -> String {
    let width = |c: &str| UnicodeWidthStr::width(c);
    let header_w: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    let mut widths = header_w.clone();
    // every cell's width, row after row, in one allocation (not one per row: a month's
    // findings are tens of thousands of rows), and each column's widest
    let mut cell_widths = Vec::with_capacity(rows.iter().map(Vec::len).sum());
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let w = width(c.as_ref());
            if let Some(max) = widths.get_mut(i) {
                *max = (*max).max(w);
            }
            cell_widths.push(w);
        }
    }
    let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let bytes: usize = rows.iter().flatten().map(|c| c.as_ref().len()).sum();
    let mut out = String::with_capacity(bytes + (rows.len() + 2) * (total + 1));
    table_line(&mut out, headers, &header_w, &widths, right);
    out.push_str(&"-".repeat(total));
    out.push('\n');
    let mut at = 0;
    for r in rows {
        table_line(&mut out, r, &cell_widths[at..at + r.len()], &widths, right);
        at += r.len();
    }
    out
}

/// One line of [`text_table`]: the cells padded to the column widths (the `right` ones on
/// the left), without trailing blanks.
fn table_line<S: AsRef<str>>(
    out: &mut String,
    cells: &[S],
    cell_w: &[usize],
    widths: &[usize],
    right: &[usize],
) {
    const BLANKS: &str = "                                                                ";
    let pad = |out: &mut String, mut n: usize| {
        while n > 0 {
            let k = n.min(BLANKS.len());
            out.push_str(&BLANKS[..k]);
            n -= k;
        }
    };
    let start = out.len();
    for (i, (c, cw)) in cells.iter().zip(cell_w).enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        let fill = widths.get(i).copied().unwrap_or(0).saturating_sub(*cw);
        if right.contains(&i) {
            pad(out, fill);
            out.push_str(c.as_ref());
        } else {
            out.push_str(c.as_ref());
            pad(out, fill);
        }
    }
    let kept = out[start..].trim_end().len();
    out.truncate(start + kept);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{yuan, Fx};
    use crate::model::{Size, Status};

    fn fixture() -> Fx {
        let fx = Fx::new();
        fx.program("RS-01", "稳岗返还", 2025, |p| {
            p.department = "县人社局".into()
        });
        fx.program("RS-02", "=HYPERLINK(\"x\")创业补贴", 2025, |p| {
            p.department = "县人社局".into();
            p.level = Level::Provincial;
        });
        fx.program("GX-01", "中小企业纾困", 2025, |p| {
            p.department = "县工信局".into()
        });
        let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        fx.alloc("RS-01", "2025-01-05", "1000.00");
        fx.alloc("RS-02", "2025-01-05", "2000.00");
        fx.alloc("GX-01", "2025-01-05", "4000.00");
        fx.paid("V1", "RS-01", &a, "100.00", "2024-12-30"); // before the year
        fx.paid("V2", "RS-01", &a, "200.00", "2025-03-01");
        fx.paid("V3", "RS-01", &a, "300.00", "2025-06-15");
        fx.disb("V4", "RS-01", &a, "50.00", "2025-06-16", Status::Pending);
        fx.paid("V5", "RS-01", &a, "70.00", "2025-07-01"); // after the month
                                                           // approved 05-29 (Thu), paid 06-01: one working day (05-31..06-02 端午) — on time
        fx.paid_dated(
            "V6",
            "RS-02",
            &a,
            "500.00",
            "2025-06-01",
            "2025-05-29",
            "2025-06-01",
        );
        // approved 01-10, paid 02-01: 12 working days (01-26 调休 worked, 春节 off) — late
        fx.paid_dated(
            "V7",
            "GX-01",
            &a,
            "600.00",
            "2025-02-01",
            "2025-01-10",
            "2025-02-01",
        );
        fx.disb("V9", "RS-01", &a, "100.00", "2025-06-20", Status::Approved);
        fx.conn
            .execute(
                "INSERT INTO recovery (program_id, date, amount_fen, reason) SELECT id, '2025-05-01', 10000, 'idle' FROM program WHERE code = 'GX-01'",
                [],
            )
            .unwrap();
        fx
    }

    #[test]
    fn report_figures_subtotals_and_rank() {
        let fx = fixture();
        let r = monthly_report(
            &fx.conn,
            Month::parse("2025-06").unwrap(),
            &CheckConfig::default(),
            Lang::Zh,
        )
        .unwrap();
        let find = |name: &str| {
            r.rows
                .iter()
                .find(|x| x.code == name || x.name == name)
                .unwrap()
        };
        let rs1 = find("RS-01");
        assert_eq!(
            (rs1.budget, rs1.paid_month, rs1.paid_ytd, rs1.paid),
            (yuan("1000"), yuan("300"), yuan("500"), yuan("600"))
        );
        assert_eq!(rs1.execution_rate, Decimal::new(6, 1));
        assert_eq!(rs1.gap_pp, Decimal::new(1000, 2)); // 60% − 50%
        assert_eq!(rs1.balance, yuan("400"));
        assert_eq!(rs1.rank, Some(1));
        let rs2 = find("RS-02");
        assert_eq!((rs2.paid_month, rs2.rank), (yuan("500"), Some(2)));
        let gx = find("GX-01");
        assert_eq!(
            (gx.recovered, gx.balance, gx.rank),
            (yuan("100"), yuan("3300"), Some(3))
        );
        assert_eq!(gx.gap_pp, Decimal::new(-3500, 2));
        // GX-01: LAGGING (15% vs 50%) and IDLE (no payment since 02-01)
        assert_eq!((gx.errors, gx.warnings), (0, 2));
        assert_eq!((rs1.errors, rs1.warnings), (0, 0));
        let dept = find("县人社局 小计");
        assert_eq!(
            (dept.budget, dept.paid_month, dept.paid_ytd),
            (yuan("3000"), yuan("800"), yuan("1000"))
        );
        let county = find("县级 小计");
        assert_eq!(county.budget, yuan("5000"));
        // computed indicators: 结余率, 按时发放率, 足额率
        assert_eq!(
            rs1.indicator_rates(),
            [
                Some(Decimal::new(4, 1)),
                None,
                Some(Decimal::from(6) / Decimal::from(7))
            ]
        );
        assert_eq!(
            rs2.indicator_rates(),
            [
                Some(Decimal::new(75, 2)),
                Some(Decimal::ONE),
                Some(Decimal::ONE)
            ]
        );
        assert_eq!(
            gx.indicator_rates(),
            [
                Some(Decimal::new(825, 3)),
                Some(Decimal::ZERO),
                Some(Decimal::ONE)
            ]
        );
        assert_eq!(
            dept.indicator_rates(),
            [
                Some(Decimal::from(1900) / Decimal::from(3000)),
                Some(Decimal::ONE),
                Some(Decimal::from(1100) / Decimal::from(1200))
            ]
        );
        let total = r.rows.last().unwrap();
        assert_eq!(total.rates.on_time_rate, Some(Decimal::new(5, 1)));
        assert_eq!(total.kind, RowKind::Total);
        assert_eq!(
            (total.budget, total.paid, total.recovered),
            (yuan("7000"), yuan("1700"), yuan("100"))
        );
        // departments in code-point order (县人社局 before 县工信局), each block ends with its subtotal
        let kinds: Vec<RowKind> = r.rows.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            vec![
                RowKind::Program,
                RowKind::Program,
                RowKind::Department,
                RowKind::Program,
                RowKind::Department,
                RowKind::Level,
                RowKind::Level,
                RowKind::Total
            ]
        );
        let text = r.to_text();
        assert!(
            text.contains("2025年6月") && text.contains("合计") && text.contains("足额率(%)"),
            "{text}"
        );
        let rs1_line = text.lines().find(|l| l.contains("RS-01")).unwrap();
        let tail: Vec<&str> = rs1_line.split_whitespace().rev().take(3).collect();
        assert_eq!(tail, ["85.71%", "—", "40.00%"], "{rs1_line}");
    }

    #[test]
    fn csv_has_bom_and_neutralises_formulas() {
        let fx = fixture();
        let r = monthly_report(
            &fx.conn,
            Month::parse("2025-06").unwrap(),
            &CheckConfig::default(),
            Lang::Zh,
        )
        .unwrap();
        let bytes = r.to_csv().unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rd.headers().unwrap().get(0), Some("主管部门"));
        let rows: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        let rs2 = rows.iter().find(|x| x.get(2) == Some("RS-02")).unwrap();
        assert_eq!(rs2.get(3), Some("'=HYPERLINK(\"x\")创业补贴"));
        assert_eq!(rs2.get(5), Some("500.00"));
        let gx = rows.iter().find(|x| x.get(2) == Some("GX-01")).unwrap();
        assert_eq!(gx.get(9), Some("-35.00"), "numbers are not neutralised");
        // the indicator columns follow the rank, in percent (no rate is an empty cell);
        // the basis text is the last column
        let h = rd.headers().unwrap().clone();
        assert_eq!(
            (
                h.len(),
                h.get(14),
                h.get(15),
                h.get(16),
                h.get(17),
                h.get(18)
            ),
            (
                19,
                Some("执行率排名"),
                Some("结余率(%)"),
                Some("按时发放率(%)"),
                Some("足额率(%)"),
                Some("依据")
            )
        );
        let rs1 = rows.iter().find(|x| x.get(2) == Some("RS-01")).unwrap();
        assert_eq!(
            (rs1.get(15), rs1.get(16), rs1.get(17)),
            (Some("40.00"), Some(""), Some("85.71"))
        );
        assert_eq!(gx.get(16), Some("0.00"));
    }

    #[test]
    fn xlsx_opens_with_title_and_header() {
        use calamine::{Data, Reader, Xlsx};
        let fx = fixture();
        let r = monthly_report(
            &fx.conn,
            Month::parse("2025-06").unwrap(),
            &CheckConfig::default(),
            Lang::Zh,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("通报.xlsx");
        r.write_file(&path).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let range = wb.worksheet_range("通报").unwrap();
        assert!(
            matches!(range.get_value((0, 0)), Some(Data::String(s)) if s.contains("2025年6月"))
        );
        assert_eq!(
            range.get_value((1, 0)),
            Some(&Data::String("主管部门".into()))
        );
        assert_eq!(
            range.get_value((1, 14)),
            Some(&Data::String("执行率排名".into()))
        );
        let rs1_row = (0..range.height() as u32)
            .find(|&i| range.get_value((i, 2)) == Some(&Data::String("RS-01".into())))
            .unwrap();
        assert_eq!(range.get_value((rs1_row, 4)), Some(&Data::Float(1000.0)));
        assert_eq!(range.get_value((rs1_row, 7)), Some(&Data::Float(0.6)));
        assert_eq!(
            range.get_value((1, 17)),
            Some(&Data::String("足额率(%)".into()))
        );
        assert_eq!(range.get_value((rs1_row, 15)), Some(&Data::Float(0.4)));
        assert!(matches!(
            range.get_value((rs1_row, 16)),
            None | Some(Data::Empty)
        ));
        assert!(r.write_file(&dir.path().join("x.txt")).is_err());
    }

    #[test]
    fn findings_cite_their_basis_in_a_last_column_and_an_appendix() {
        use calamine::{Data, Reader, Xlsx};
        let fx = fixture();
        let r = monthly_report(
            &fx.conn,
            Month::parse("2025-06").unwrap(),
            &CheckConfig::default(),
            Lang::Zh,
        )
        .unwrap();
        let brief: Vec<(&str, &str, usize, Option<Money>)> = r
            .basis
            .iter()
            .map(|b| (b.code.as_str(), b.rule.as_str(), b.count, b.amount))
            .collect();
        // in the order of the program rows: RS-02 lags (25% against 50%); GX-01 lags and
        // is idle; amounts as the checks give them
        assert_eq!(
            brief,
            [
                ("RS-02", "LAGGING", 1, Some(yuan("500"))),
                ("GX-01", "IDLE", 1, Some(yuan("3300"))),
                ("GX-01", "LAGGING", 1, Some(yuan("1400")))
            ]
        );
        assert_eq!(r.basis[1].name, "中小企业纾困");
        assert_eq!(
            r.basis[1].basis,
            "及时清理收回财政闲置资金，统筹用于稳经济政策"
        );
        // CSV: the old columns in their order, then 依据
        let text = String::from_utf8(r.to_csv().unwrap()[3..].to_vec()).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let h: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(h[..18], r.headers()[..]);
        assert_eq!(h[18], "依据");
        let rows: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
        let gx = rows.iter().find(|x| x.get(2) == Some("GX-01")).unwrap();
        assert_eq!(
            gx.get(18),
            Some("资金闲置：及时清理收回财政闲置资金，统筹用于稳经济政策；执行滞后：加快预算执行进度，加大存量资金盘活力度")
        );
        let rs1 = rows.iter().find(|x| x.get(2) == Some("RS-01")).unwrap();
        assert_eq!(rs1.get(18), Some(""), "no finding, no basis");
        // xlsx: the column, and the appendix sheet
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("通报.xlsx");
        r.write_file(&path).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let main = wb.worksheet_range("通报").unwrap();
        assert_eq!(main.get_value((1, 18)), Some(&Data::String("依据".into())));
        let ap = wb.worksheet_range("核查发现及依据").unwrap();
        assert!(matches!(ap.get_value((0, 0)), Some(Data::String(s)) if s.contains("政策依据")));
        assert_eq!(
            ap.get_value((2, 1)),
            Some(&Data::String("'=HYPERLINK(\"x\")创业补贴".into())),
            "neutralised"
        );
        assert_eq!(ap.get_value((3, 0)), Some(&Data::String("GX-01".into())));
        assert_eq!(
            ap.get_value((3, 2)),
            Some(&Data::String("IDLE 资金闲置".into()))
        );
        assert_eq!(ap.get_value((3, 4)), Some(&Data::Float(1.0)));
        assert_eq!(ap.get_value((3, 5)), Some(&Data::Float(3300.0)));
        assert_eq!(
            ap.get_value((4, 6)),
            Some(&Data::String(
                "加快预算执行进度，加大存量资金盘活力度".into()
            ))
        );
        // text: the appendix after the table
        let t = r.to_text();
        let at = t.find("附：核查发现及政策依据").unwrap();
        assert!(at > t.find("合计").unwrap());
        assert!(t[at..].contains("LAGGING 执行滞后"), "{t}");
    }
}
