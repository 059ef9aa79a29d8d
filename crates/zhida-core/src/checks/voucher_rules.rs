//! Voucher rules: SELF_APPROVED, STALE_PENDING, on the live rows of the same scan.
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
        let age = i64::from(data.as_of_day - r.day);
        if matches!(r.status, Status::Pending | Status::Approved) && age > ctx.cfg.stale_days {
            let st = r.status.label(ctx.lang);
            out.push(make(
                Rule::StalePending,
                ctx.msg(
                    format!("{st}已 {age} 天未拨付"),
                    format!("{st} for {age} days, not paid"),
                ),
            ));
        }
    }
}
