//! Recording a recovery (收回) of idle, expired or misused funds, optionally reallocated
//! (统筹安排) to another program — the matching allocation is created in the same
//! transaction. Refuses more than the program's balance as of the date, unknown programs
//! or enterprises, a credit code on anything but a clawback, and closed months. Audited.

use rusqlite::Connection;

use crate::close::is_closed;
use crate::dates::{iso, Month};
use crate::error::{Error, Result};
use crate::model::Reason;
use crate::repo::figures::program_figures;
use crate::repo::write::{enterprise_id, insert_recovery, program_id, NewRecovery};
use crate::users::Actor;

/// Validate and record; returns the recovery id.
pub fn record_recovery(conn: &mut Connection, actor: &Actor, r: &NewRecovery) -> Result<i64> {
    actor.require_write()?;
    if r.amount.0 <= 0 {
        return Err(Error::invalid(
            "收回金额必须大于 0 (amount must be positive)",
        ));
    }
    match (&r.credit_code, r.reason) {
        (Some(_), reason) if reason != Reason::Clawback => {
            return Err(Error::invalid(
                "只有追回（clawback）才填写企业 (an enterprise is given only for a clawback)",
            ))
        }
        (None, Reason::Clawback) => {
            return Err(Error::invalid(
                "追回须指明企业统一社会信用代码 (a clawback needs the enterprise's credit code)",
            ))
        }
        _ => {}
    }
    let tx = conn.transaction()?;
    program_id(&tx, &r.program_code)?;
    if let Some(c) = &r.credit_code {
        enterprise_id(&tx, c)?;
    }
    if let Some(to) = &r.reallocated_to {
        program_id(&tx, to)?;
        if to == &r.program_code {
            return Err(Error::invalid(
                "调入项目不能是被收回的项目本身 (cannot reallocate to the same program)",
            ));
        }
    }
    let month = Month::of(r.date);
    if is_closed(&tx, month)? {
        return Err(Error::ClosedMonth(month.to_string()));
    }
    let figures = program_figures(&tx, r.date)?;
    let balance = figures
        .iter()
        .find(|f| f.program.code == r.program_code)
        .map(|f| f.balance)
        .unwrap_or_default();
    if r.amount > balance {
        return Err(Error::invalid(format!(
            "收回金额 {} 元超过项目 {} 截至 {} 的结余 {} 元 (more than the balance)",
            r.amount.format_yuan(),
            r.program_code,
            iso(r.date),
            balance.format_yuan()
        )));
    }
    let id = insert_recovery(&tx, r)?;
    let after = serde_json::json!({
        "program": r.program_code,
        "date": iso(r.date),
        "amount": r.amount.plain(),
        "reason": r.reason.as_str(),
        "doc_no": r.doc_no,
        "credit_code": r.credit_code,
        "reallocated_to": r.reallocated_to,
        "note": r.note,
    });
    crate::audit::record(
        &tx,
        &actor.user,
        "insert",
        "recovery",
        &id.to_string(),
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}
