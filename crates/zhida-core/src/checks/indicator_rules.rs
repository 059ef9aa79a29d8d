//! Rules from the computed indicators and working-day deadlines, beyond the fourteen of
//! SPEC §3 and off by default ([`Rule::EXTRA`]): BALANCE_RATE, ON_TIME, ALLOC_LATE. All
//! program level (enterprise and voucher null); comparisons are exact integer arithmetic.

use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Connection};

use super::{pct, Ctx, Finding, Rule};
use crate::dates::{iso, parse_date};
use crate::error::Result;
use crate::indicators::on_time_counts;
use crate::model::ProgramStatus;
use crate::money::Money;
use crate::repo::figures::ProgramFigures;

pub(super) fn run(
    conn: &Connection,
    ctx: &Ctx<'_>,
    figures: &[ProgramFigures],
    wants: &dyn Fn(Rule) -> bool,
    out: &mut Vec<Finding>,
) -> Result<()> {
    if wants(Rule::BalanceRate) {
        out.extend(figures.iter().filter_map(|f| balance_rate(ctx, f)));
    }
    if wants(Rule::OnTime) {
        on_time(conn, ctx, figures, out)?;
    }
    if wants(Rule::AllocLate) {
        alloc_late(conn, ctx, out)?;
    }
    Ok(())
}

/// BALANCE_RATE 结余率超标: a finished program (closed, end date before D, or fiscal year
/// before year(D)) with budget > 0 whose 结余率 = balance / budget exceeds
/// `balance_rate_pct` (strictly: exactly at it does not fire). amount = balance.
pub(super) fn balance_rate(ctx: &Ctx<'_>, f: &ProgramFigures) -> Option<Finding> {
    let p = &f.program;
    let finished = p.status == ProgramStatus::Closed
        || p.end_date.is_some_and(|e| e < ctx.as_of)
        || p.fiscal_year < ctx.year;
    let (bal, budget) = (i128::from(f.balance.0), i128::from(f.budget.0));
    let limit = i128::from(ctx.cfg.balance_rate_pct);
    if !finished || budget <= 0 || 100 * bal <= limit * budget {
        return None;
    }
    let rate =
        pct(rust_decimal::Decimal::from(f.balance.0) / rust_decimal::Decimal::from(f.budget.0));
    let why = match (p.status, p.end_date) {
        (ProgramStatus::Closed, _) => ctx.msg("项目已结束".into(), "program closed".into()),
        (_, Some(e)) if e < ctx.as_of => ctx.msg(
            format!("项目已于 {} 到期", iso(e)),
            format!("program ended {}", iso(e)),
        ),
        _ => ctx.msg(
            format!("{} 年度已结束", p.fiscal_year),
            format!("fiscal year {} is over", p.fiscal_year),
        ),
    };
    let (b, lim) = (f.balance.format_yuan(), ctx.cfg.balance_rate_pct);
    Some(Finding::new(
        Rule::BalanceRate,
        &p.code,
        None,
        None,
        Some(f.balance),
        ctx.year,
        ctx.msg(
            format!("{why}，结余率 {rate} 超过 {lim}%，结余 {b} 元"),
            format!("{why}; balance rate {rate} above {lim}%, balance {b}"),
        ),
    ))
}

/// ON_TIME 按时发放率低: 按时发放率 (see `indicators.rs`) below `on_time_pct` (strictly);
/// programs without a dated payment never fire. amount null.
fn on_time(
    conn: &Connection,
    ctx: &Ctx<'_>,
    figures: &[ProgramFigures],
    out: &mut Vec<Finding>,
) -> Result<()> {
    let counts = on_time_counts(conn, ctx.as_of, ctx.cfg)?;
    let (days, lim) = (ctx.cfg.on_time_days, i64::from(ctx.cfg.on_time_pct));
    for f in figures {
        let Some(&(ok, n)) = counts.get(&f.program.id) else {
            continue;
        };
        if n == 0 || 100 * ok >= lim * n {
            continue;
        }
        let rate = pct(rust_decimal::Decimal::from(ok) / rust_decimal::Decimal::from(n));
        out.push(Finding::new(
            Rule::OnTime,
            &f.program.code,
            None,
            None,
            None,
            ctx.year,
            ctx.msg(
                format!("按时发放率 {rate}（{n} 笔中 {ok} 笔在复核后 {days} 个工作日内拨付），低于 {lim}%"),
                format!("on-time rate {rate} ({ok} of {n} paid within {days} working days of approval), below {lim}%"),
            ),
        ));
    }
    Ok(())
}

/// ALLOC_LATE 指标未及时分解下达: an allocation (amount > 0, dated ≤ D) received on R ≤ D
/// and not passed on within `alloc_days` working days of R: still not distributed as of
/// D with D past the deadline, or distributed after the deadline in the year of D (so a
/// late distribution of an earlier year does not come back every year). amount = the
/// allocation; year = year(R); the key's voucher part is `R 文号`.
fn alloc_late(conn: &Connection, ctx: &Ctx<'_>, out: &mut Vec<Finding>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.code, a.amount_fen, a.doc_no, a.received_date, a.distributed_date
         FROM allocation a JOIN program p ON p.id = a.program_id
         WHERE a.amount_fen > 0 AND a.date <= ?1 AND a.received_date IS NOT NULL AND a.received_date <= ?1",
    )?;
    let mut q = stmt.query(params![iso(ctx.as_of)])?;
    let n = ctx.cfg.alloc_days;
    while let Some(r) = q.next()? {
        let (code, amount, doc): (String, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (received, distributed): (String, Option<String>) = (r.get(3)?, r.get(4)?);
        let Ok(received) = parse_date(&received) else {
            continue;
        };
        let distributed: Option<NaiveDate> = distributed
            .and_then(|s| parse_date(&s).ok())
            .filter(|d| *d <= ctx.as_of);
        let deadline = ctx.cfg.calendar.add_working_days(received, n);
        let (rec, due, amt) = (iso(received), iso(deadline), Money(amount).format_yuan());
        let doc_txt = if doc.is_empty() {
            "—".to_string()
        } else {
            doc.clone()
        };
        let msg = match distributed {
            Some(d) if d > deadline && d.year() == ctx.year => ctx.msg(
                format!("指标（{doc_txt}，{amt} 元）{rec} 收到，{} 才分解下达，超过 {n} 个工作日（应于 {due} 前）", iso(d)),
                format!("allocation {doc_txt} ({amt}) received {rec}, passed on only {}, after {n} working days (due {due})", iso(d)),
            ),
            None if ctx.as_of > deadline => {
                let k = ctx.cfg.calendar.working_days_between(received, ctx.as_of);
                ctx.msg(
                    format!("指标（{doc_txt}，{amt} 元）{rec} 收到，已 {k} 个工作日未分解下达（应于 {due} 前）"),
                    format!("allocation {doc_txt} ({amt}) received {rec}, not passed on after {k} working days (due {due})"),
                )
            }
            _ => continue,
        };
        let mut f = Finding::new(
            Rule::AllocLate,
            &code,
            None,
            None,
            Some(Money(amount)),
            received.year(),
            msg,
        );
        f.key_detail = Some(format!("{rec} {doc}").trim_end().to_string());
        out.push(f);
    }
    Ok(())
}
