//! Performance indicators computed from the ledger (绩效指标 from the figures, beside the
//! manual evaluation scores), per program as of a date D — only rows dated ≤ D count:
//!
//! - **结余率 balance rate** = 结余 / 指标 = (budget − paid − recovered) / budget, with the
//!   figures of SPEC §2; None when the budget is not positive.
//! - **按时发放率 on-time rate** = on-time rows / counted rows. Counted: paid, positive,
//!   non-reversal disbursements dated ≤ D whose 复核日期 (approved_date) and 支付日期
//!   (paid_date) are both known, with paid_date ≤ D. On time: paid within
//!   `[checks] on_time_days` (default 10) working days of approval, i.e.
//!   `working_days_between(approved_date, paid_date) ≤ on_time_days` on the configured
//!   calendar (the approval day is day 0). None when no row is counted.
//! - **足额率 full-payment rate** = paid / (paid + approved-not-yet-paid): of the money
//!   approved for enterprises (paid rows, net of reversals, plus rows still in status
//!   approved), the share actually paid. Pending rows (not yet approved) and rejected rows
//!   are not in it. None when that sum is not positive.
//! - **执行进度 by month**: for each month of the program's fiscal year, the execution
//!   rate at the month's end (cumulative paid / cumulative budget, rows dated ≤ the month
//!   end and ≤ D) beside the time progress m/12; None for months after D.
//!
//! One pass: three grouped queries over all programs (disbursements by program and month,
//! allocations by program and month, dated approvals and payments by program and day
//! pair) — never a query per program.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Connection};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::config::CheckConfig;
use crate::dates::{iso, parse_date};
use crate::error::Result;
use crate::money::Money;
use crate::repo::figures::{execution_rate, program_figures, ProgramFigures};

mod output;
pub use output::{
    indicator_lines, indicators_csv, indicators_json, indicators_table, IndicatorLine,
};

/// Execution against time progress at the end of one month of the fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonthProgress {
    /// cumulative paid / cumulative budget at the month end (0 when the budget is 0)
    pub execution_rate: Decimal,
    /// m / 12
    pub time_progress: Decimal,
}

/// 结余率, 按时发放率 and 足额率 with the sums behind them (so that subtotals add up the
/// parts, not the ratios).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Rates {
    /// 结余率
    pub balance_rate: Option<Decimal>,
    /// 按时发放率
    pub on_time_rate: Option<Decimal>,
    /// rows paid on time
    pub on_time_rows: i64,
    /// rows with both dates (the denominator of the on-time rate)
    pub timed_rows: i64,
    /// 足额率
    pub full_rate: Option<Decimal>,
    /// Σ rows in status approved (not yet paid), dated ≤ D
    pub approved_unpaid: Money,
}

impl Rates {
    pub fn new(
        balance: Money,
        budget: Money,
        paid: Money,
        approved_unpaid: Money,
        on_time_rows: i64,
        timed_rows: i64,
    ) -> Rates {
        Rates {
            balance_rate: ratio(balance.0, budget.0),
            on_time_rate: ratio(on_time_rows, timed_rows),
            on_time_rows,
            timed_rows,
            full_rate: ratio(paid.0, paid.0 + approved_unpaid.0),
            approved_unpaid,
        }
    }

    /// 结余率, 按时发放率, 足额率.
    pub fn as_array(&self) -> [Option<Decimal>; 3] {
        [self.balance_rate, self.on_time_rate, self.full_rate]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramIndicators {
    pub program_id: i64,
    /// program code
    pub program: String,
    #[serde(flatten)]
    pub rates: Rates,
    /// months 1–12 of the fiscal year
    pub monthly: [Option<MonthProgress>; 12],
}

/// n / d, None unless d > 0.
fn ratio(n: i64, d: i64) -> Option<Decimal> {
    (d > 0).then(|| Decimal::from(n) / Decimal::from(d))
}

/// (program id, year, month) → (paid, approved-unpaid, allocated), fen.
type MonthSums = HashMap<i64, Vec<(i32, u32, i64, i64, i64)>>;

fn month_sums(conn: &Connection, d: &str) -> Result<MonthSums> {
    let mut out: MonthSums = HashMap::new();
    let mut add = |pid: i64, ym: &str, paid: i64, appr: i64, alloc: i64| {
        let y = ym.get(..4).and_then(|s| s.parse().ok()).unwrap_or(0);
        let m = ym.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(0);
        out.entry(pid).or_default().push((y, m, paid, appr, alloc));
    };
    let mut stmt = conn.prepare_cached(
        "SELECT program_id, substr(date, 1, 7),
                SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END),
                SUM(CASE WHEN status = 'approved' THEN amount_fen ELSE 0 END)
         FROM disbursement WHERE date <= ?1 AND status IN ('paid', 'approved')
         GROUP BY program_id, substr(date, 1, 7)",
    )?;
    let mut q = stmt.query(params![d])?;
    while let Some(r) = q.next()? {
        add(r.get(0)?, &r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, 0);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT program_id, substr(date, 1, 7), SUM(amount_fen) FROM allocation WHERE date <= ?1
         GROUP BY program_id, substr(date, 1, 7)",
    )?;
    let mut q = stmt.query(params![d])?;
    while let Some(r) = q.next()? {
        add(r.get(0)?, &r.get::<_, String>(1)?, 0, 0, r.get(2)?);
    }
    Ok(out)
}

/// Per program: (on-time rows, rows with both dates).
pub(crate) fn on_time_counts(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
) -> Result<HashMap<i64, (i64, i64)>> {
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    // grouped by the day pair: far fewer rows than disbursements, one calendar count each
    let mut stmt = conn.prepare_cached(
        "SELECT program_id, approved_date, paid_date, COUNT(*) FROM disbursement
         WHERE status = 'paid' AND reverses_id IS NULL AND amount_fen > 0 AND date <= ?1
           AND approved_date IS NOT NULL AND paid_date IS NOT NULL AND paid_date <= ?1
         GROUP BY program_id, approved_date, paid_date",
    )?;
    let mut q = stmt.query(params![iso(as_of)])?;
    let limit = i64::from(cfg.on_time_days);
    while let Some(r) = q.next()? {
        let pid: i64 = r.get(0)?;
        let (a, p): (String, String) = (r.get(1)?, r.get(2)?);
        let n: i64 = r.get(3)?;
        let (Ok(a), Ok(p)) = (parse_date(&a), parse_date(&p)) else {
            continue;
        };
        let e = out.entry(pid).or_default();
        if cfg.calendar.working_days_between(a, p) <= limit {
            e.0 += n;
        }
        e.1 += n;
    }
    Ok(out)
}

/// The indicators of every program in `figures` (as of `as_of`), in the same order.
pub fn program_indicators(
    conn: &Connection,
    as_of: NaiveDate,
    figures: &[ProgramFigures],
    cfg: &CheckConfig,
) -> Result<Vec<ProgramIndicators>> {
    let d = iso(as_of);
    let sums = month_sums(conn, &d)?;
    let timed = on_time_counts(conn, as_of, cfg)?;
    let now = (as_of.year(), as_of.month());
    Ok(figures
        .iter()
        .map(|f| {
            let p = &f.program;
            let empty = Vec::new();
            let rows = sums.get(&p.id).unwrap_or(&empty);
            let fy = p.fiscal_year;
            let (mut paid, mut alloc) = (0i64, 0i64);
            for &(_, _, pd, _, al) in rows.iter().filter(|r| r.0 < fy) {
                paid += pd;
                alloc += al;
            }
            let mut monthly = [None; 12];
            for (m, slot) in (1u32..=12).zip(monthly.iter_mut()) {
                for &(_, _, pd, _, al) in rows.iter().filter(|r| r.0 == fy && r.1 == m) {
                    paid += pd;
                    alloc += al;
                }
                if (fy, m) <= now {
                    *slot = Some(MonthProgress {
                        execution_rate: execution_rate(Money(paid), Money(alloc)),
                        time_progress: Decimal::from(m) / Decimal::from(12),
                    });
                }
            }
            let approved: i64 = rows.iter().map(|r| r.3).sum();
            let (on_time_rows, timed_rows) = timed.get(&p.id).copied().unwrap_or((0, 0));
            ProgramIndicators {
                program_id: p.id,
                program: p.code.clone(),
                rates: Rates::new(
                    f.balance,
                    f.budget,
                    f.paid,
                    Money(approved),
                    on_time_rows,
                    timed_rows,
                ),
                monthly,
            }
        })
        .collect())
}

/// The program figures and their indicators as of `as_of`, ordered by program code.
pub fn indicators_as_of(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
) -> Result<Vec<(ProgramFigures, ProgramIndicators)>> {
    let figures = program_figures(conn, as_of)?;
    let ind = program_indicators(conn, as_of, &figures, cfg)?;
    Ok(figures.into_iter().zip(ind).collect())
}

/// A rate as a percentage with two decimals (`12.35%`), or `—` when there is none.
pub fn format_rate(r: Option<Decimal>) -> String {
    match r {
        Some(r) => crate::checks::pct(r),
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{d, Fx};
    use crate::model::{Size, Status};

    fn fixture() -> Fx {
        let fx = Fx::new();
        let e = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        fx.program("WG", "稳岗返还", 2025, |_| {});
        fx.program("KB", "空项目", 2025, |_| {});
        fx.alloc("WG", "2024-12-20", "600.00"); // before the fiscal year
        fx.alloc("WG", "2025-03-05", "400.00");
        fx.alloc("WG", "2025-11-05", "9999.00"); // after D
                                                 // approved (day 0) and paid: the timeliness is stamped before the row is paid,
                                                 // as the paid-row trigger forbids changing it afterwards
        for (v, date, amount, appr, paid) in [
            ("V1", "2024-12-28", "100.00", "2024-12-30", "2025-01-06"),
            // across 国庆 and its 调休: 09-28 (Sun), 09-29, 09-30, 10-09, 10-10, 10-11 (Sat),
            // 10-13 … 10-16 → 10 working days, on time; one more day is late
            ("V2", "2025-02-10", "200.00", "2025-09-26", "2025-10-16"),
            ("V3", "2025-02-11", "50.00", "2025-09-26", "2025-10-17"),
        ] {
            fx.paid_dated(v, "WG", &e, amount, date, appr, paid);
        }
        fx.paid("V4", "WG", &e, "30.00", "2025-04-01"); // no dates: not counted
        fx.reverse("V5", "WG", &e, "-50.00", "2025-05-01", "V3");
        fx.disb("V6", "WG", &e, "70.00", "2025-06-01", Status::Approved);
        fx.disb("V7", "WG", &e, "500.00", "2025-06-02", Status::Pending);
        fx.disb("V8", "WG", &e, "900.00", "2025-06-03", Status::Rejected);
        fx
    }

    #[test]
    fn indicators_from_the_ledger() {
        let fx = fixture();
        let cfg = CheckConfig::default();
        let all = indicators_as_of(&fx.conn, d("2025-10-31"), &cfg).unwrap();
        let (kb_f, kb) = &all[0];
        assert_eq!(kb_f.program.code, "KB");
        assert_eq!(
            (
                kb.rates.balance_rate,
                kb.rates.on_time_rate,
                kb.rates.full_rate
            ),
            (None, None, None)
        );
        assert!(kb.monthly[9].is_some() && kb.monthly[10].is_none());
        let (f, wg) = &all[1];
        // budget 1000, paid 100 + 200 + 50 + 30 − 50 = 330, balance 670
        assert_eq!((f.budget, f.paid), (Money(1000_00), Money(330_00)));
        assert_eq!(wg.rates.balance_rate, Some(Decimal::new(67, 2)));
        // V1 (4 working days: 12-31, 01-02, 01-03, 01-06; 01-01 is 元旦) and V2 on time, V3 late
        assert_eq!((wg.rates.on_time_rows, wg.rates.timed_rows), (2, 3));
        assert_eq!(
            wg.rates.on_time_rate,
            Some(Decimal::from(2) / Decimal::from(3))
        );
        // 330 / (330 + 70)
        assert_eq!(wg.rates.full_rate, Some(Decimal::new(825, 3)));
        assert_eq!(wg.rates.approved_unpaid, Money(70_00));
        // January: 100 paid of 600; March: 100 of 1000; October equals the figures
        let m = |i: usize| wg.monthly[i].unwrap();
        assert_eq!(m(0).execution_rate, Decimal::from(1) / Decimal::from(6));
        assert_eq!(m(0).time_progress, Decimal::from(1) / Decimal::from(12));
        // + V2, V3 in February
        assert_eq!(
            m(1).execution_rate,
            execution_rate(Money(350_00), Money(600_00))
        );
        assert_eq!(m(2).execution_rate, Decimal::new(35, 2));
        assert_eq!(m(9).execution_rate, f.execution_rate);
        assert_eq!(m(9).time_progress, f.time_progress);
        assert!(wg.monthly[10].is_none(), "after D");
    }

    #[test]
    fn on_time_counts_only_dated_rows_paid_by_d_and_follows_the_configuration() {
        let fx = fixture();
        // as of 10-16, V3 (paid 10-17) is not counted yet
        let cfg = CheckConfig::default();
        let wg = &indicators_as_of(&fx.conn, d("2025-10-16"), &cfg).unwrap()[1].1;
        assert_eq!((wg.rates.on_time_rows, wg.rates.timed_rows), (2, 2));
        // 11 working days allowed: all three; 10-08 made a working day: V2 takes 11
        let cfg = CheckConfig {
            on_time_days: 11,
            ..CheckConfig::default()
        };
        let wg = &indicators_as_of(&fx.conn, d("2025-10-31"), &cfg).unwrap()[1].1;
        assert_eq!((wg.rates.on_time_rows, wg.rates.timed_rows), (3, 3));
        let cal = crate::calendar::Calendar::with_overrides(&[], &[d("2025-10-08")]);
        let cfg = CheckConfig {
            calendar: cal,
            ..CheckConfig::default()
        };
        let wg = &indicators_as_of(&fx.conn, d("2025-10-31"), &cfg).unwrap()[1].1;
        assert_eq!((wg.rates.on_time_rows, wg.rates.timed_rows), (1, 3));
        assert_eq!(format_rate(wg.rates.on_time_rate), "33.33%");
        assert_eq!(format_rate(None), "—");
    }

    #[test]
    fn lines_carry_the_latest_evaluation_and_render_as_table_json_and_csv() {
        let fx = fixture();
        fx.eval("WG", 2024, 9150, "2025-03-01");
        fx.eval("WG", 2025, 5800, "2025-10-20");
        fx.eval("WG", 2025, 9900, "2025-11-20"); // after D
        let lines = indicator_lines(&fx.conn, d("2025-10-31"), &CheckConfig::default()).unwrap();
        let wg = &lines[1];
        assert_eq!(wg.eval.as_ref().map(|e| e.score_x100), Some(5800));
        assert!(lines[0].eval.is_none());
        let table = indicators_table(&lines, crate::Lang::Zh);
        let row = table.lines().find(|l| l.starts_with("WG")).unwrap();
        for cell in ["67.00%", "66.67% (2/3)", "82.50%", "58.00", "差", "2025"] {
            assert!(row.contains(cell), "{cell} in {row}");
        }
        let kb = table.lines().find(|l| l.starts_with("KB")).unwrap();
        assert!(kb.contains('—'), "{kb}");
        let json: serde_json::Value =
            serde_json::from_str(&indicators_json(&lines).unwrap()).unwrap();
        assert_eq!(json[1]["program"], "WG");
        assert_eq!(json[1]["balance_rate_pct"], "67.00");
        assert_eq!(json[1]["on_time_pct"], "66.67");
        assert_eq!(json[1]["full_rate_pct"], "82.50");
        assert_eq!(json[1]["evaluation"]["grade"], "差");
        assert_eq!(json[1]["monthly"][2]["execution_pct"], "35.00");
        assert!(json[1]["monthly"][10].is_null());
        assert!(json[0]["balance_rate_pct"].is_null());
        let bytes = indicators_csv(&lines).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut rd = csv::Reader::from_reader(text.as_bytes());
        let h = rd.headers().unwrap().clone();
        assert_eq!(
            (h.get(5), h.get(24)),
            (Some("balance_rate_pct"), Some("m12"))
        );
        let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(
            (rows[1].get(6), rows[1].get(15), rows[1].get(24)),
            (Some("66.67"), Some("35.00"), Some(""))
        );
    }
}
