//! Program-level money rules: LAGGING, IDLE, RECOVER_DUE, OVERDRAWN. All read the
//! program figures as of D (one grouped query); comparisons are exact integer arithmetic
//! on fen, so "exactly 10 pp behind" is exact, not a rounded decimal.

use chrono::Datelike;

use super::{pct, Ctx, Finding, Rule};
use crate::model::ProgramStatus;
use crate::money::Money;
use crate::repo::figures::ProgramFigures;

pub(super) fn run(ctx: &Ctx<'_>, figures: &[ProgramFigures], out: &mut Vec<Finding>) {
    for f in figures {
        if let Some(x) = lagging(ctx, f) {
            out.push(x);
        }
        if let Some(x) = idle_or_recover_due(ctx, f) {
            out.push(x);
        }
        if let Some(x) = overdrawn(ctx, f) {
            out.push(x);
        }
    }
}

/// n / d rounded half up (away from zero), d > 0.
pub(crate) fn div_round_half_up(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    }
}

/// LAGGING: active program of the year of D, budget > 0, execution rate strictly below
/// time progress − lag_pp. amount = budget × time progress − paid.
pub(super) fn lagging(ctx: &Ctx<'_>, f: &ProgramFigures) -> Option<Finding> {
    let p = &f.program;
    if p.status != ProgramStatus::Active || p.fiscal_year != ctx.year || f.budget.0 <= 0 {
        return None;
    }
    let m = i128::from(ctx.as_of.month());
    let (b, paid, lag) = (
        i128::from(f.budget.0),
        i128::from(f.paid.0),
        i128::from(ctx.cfg.lag_pp),
    );
    // paid/b < m/12 − lag/100  ⇔  1200·paid < 100·m·b − 12·lag·b   (b > 0)
    if 1200 * paid >= 100 * m * b - 12 * lag * b {
        return None;
    }
    let missing = Money(div_round_half_up(b * m - 12 * paid, 12) as i64);
    let msg = ctx.msg(
        format!(
            "执行率 {} 落后时间进度 {} 超过 {} 个百分点，按进度应再拨付 {} 元",
            pct(f.execution_rate),
            pct(f.time_progress),
            ctx.cfg.lag_pp,
            missing.format_yuan()
        ),
        format!(
            "execution {} is more than {} pp behind time progress {}; {} short of schedule",
            pct(f.execution_rate),
            ctx.cfg.lag_pp,
            pct(f.time_progress),
            missing.format_yuan()
        ),
    );
    Some(Finding::new(
        Rule::Lagging,
        &p.code,
        None,
        None,
        Some(missing),
        ctx.year,
        msg,
    ))
}

/// IDLE (≥ idle_days since the last positive payment, or since the first allocation for
/// a program never paid) and RECOVER_DUE (end date passed, or the same idle count ≥
/// recover_days), which replaces IDLE. Both need balance > 0; amount = balance.
pub(super) fn idle_or_recover_due(ctx: &Ctx<'_>, f: &ProgramFigures) -> Option<Finding> {
    if f.balance.0 <= 0 {
        return None;
    }
    let p = &f.program;
    let since = f.last_paid.or(f.first_allocation);
    let days = since.map(|s| (ctx.as_of - s).num_days());
    let expired = p.end_date.is_some_and(|e| e < ctx.as_of);
    let bal = f.balance.format_yuan();
    let since_txt = since.map(crate::dates::iso).unwrap_or_default();
    let days_n = days.unwrap_or(0);
    if expired || days.is_some_and(|d| d >= ctx.cfg.recover_days) {
        let msg = if expired {
            let end = p.end_date.map(crate::dates::iso).unwrap_or_default();
            ctx.msg(
                format!("项目已于 {end} 到期，结余 {bal} 元应收回"),
                format!("program ended {end}; balance {bal} should be recovered"),
            )
        } else {
            ctx.msg(
                format!("自 {since_txt} 起 {days_n} 天无拨付，结余 {bal} 元应收回"),
                format!("no payment for {days_n} days since {since_txt}; balance {bal} should be recovered"),
            )
        };
        return Some(Finding::new(
            Rule::RecoverDue,
            &p.code,
            None,
            None,
            Some(f.balance),
            ctx.year,
            msg,
        ));
    }
    if days.is_some_and(|d| d >= ctx.cfg.idle_days) {
        let msg = ctx.msg(
            format!("自 {since_txt} 起 {days_n} 天无拨付，结余 {bal} 元闲置"),
            format!("no payment for {days_n} days since {since_txt}; balance {bal} idle"),
        );
        return Some(Finding::new(
            Rule::Idle,
            &p.code,
            None,
            None,
            Some(f.balance),
            ctx.year,
            msg,
        ));
    }
    None
}

/// OVERDRAWN: paid + committed > budget − recovered (strictly); amount = the excess.
pub(super) fn overdrawn(ctx: &Ctx<'_>, f: &ProgramFigures) -> Option<Finding> {
    let used = i128::from(f.paid.0) + i128::from(f.committed.0);
    let room = i128::from(f.budget.0) - i128::from(f.recovered.0);
    if used <= room {
        return None;
    }
    let excess = Money((used - room) as i64);
    let msg = ctx.msg(
        format!(
            "已拨付 {} 元加在途 {} 元超过可用指标 {} 元，超出 {} 元",
            f.paid.format_yuan(),
            f.committed.format_yuan(),
            Money((room) as i64).format_yuan(),
            excess.format_yuan()
        ),
        format!(
            "paid {} plus committed {} exceeds available budget {} by {}",
            f.paid.format_yuan(),
            f.committed.format_yuan(),
            Money(room as i64).format_yuan(),
            excess.format_yuan()
        ),
    );
    Some(Finding::new(
        Rule::Overdrawn,
        &f.program.code,
        None,
        None,
        Some(excess),
        ctx.year,
        msg,
    ))
}
