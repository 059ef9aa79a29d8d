//! Voucher rules: SELF_APPROVED, STALE_PENDING, on the live rows of the same scan.
//! STALE_PENDING counts calendar days (SPEC), or working days with
//! `[checks] stale_working_days = true`.
//! Reversal rows and reversed rows never produce voucher findings of their own.

use super::scan::ScanData;
use super::{Ctx, Finding, Rule};
use crate::model::Status;
use crate::money::Money;

pub(super) fn run(ctx: &Ctx<'_>, data: &ScanData, out: &mut Vec<Finding>) {
    for r in data.rows.iter().filter(|r| r.live) {
        let code = data.programs[r.prog as usize].code.as_str();
        let make = |rule: Rule, message: String| {
            Finding::new(
                rule,
                code,
                Some(data.credit_code(r.enterprise_id)),
                Some(data.voucher(r)),
                Some(Money(r.amount)),
                r.year,
                message,
            )
        };
        if r.self_approved {
            out.push(make(
                Rule::SelfApproved,
                ctx.msg(
                    "经办人与复核人为同一人".to_string(),
                    "entered and approved by the same person".to_string(),
                ),
            ));
        }
        if !matches!(r.status, Status::Pending | Status::Approved) {
            continue;
        }
        let age = if ctx.cfg.stale_working_days {
            // `[checks] stale_working_days`: the same threshold in working days
            chrono::NaiveDate::from_num_days_from_ce_opt(r.day)
                .map(|day| ctx.cfg.calendar.working_days_between(day, ctx.as_of))
                .unwrap_or(0)
        } else {
            i64::from(data.as_of_day - r.day)
        };
        if age > ctx.cfg.stale_days {
            let st = r.status.label(ctx.lang);
            let (zh_unit, en_unit) = if ctx.cfg.stale_working_days {
                ("个工作日", "working days")
            } else {
                ("天", "days")
            };
            out.push(make(
                Rule::StalePending,
                ctx.msg(
                    format!("{st}已 {age} {zh_unit}未拨付"),
                    format!("{st} for {age} {en_unit}, not paid"),
                ),
            ));
        }
    }
}
