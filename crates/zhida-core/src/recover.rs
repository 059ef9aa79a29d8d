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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{d, yuan, Fx};
    use crate::model::Size;
    use crate::money::Money;

    fn rec(program: &str, amount: &str, date: &str, reason: Reason) -> NewRecovery {
        NewRecovery {
            program_code: program.into(),
            date: d(date),
            amount: yuan(amount),
            reason,
            doc_no: "元财预〔2025〕30号".into(),
            credit_code: None,
            reallocated_to: None,
            note: String::new(),
        }
    }

    #[test]
    fn recovery_up_to_the_balance_with_reallocation() {
        let mut fx = Fx::new();
        fx.program("XZ", "沉淀资金项目", 2025, |_| {});
        fx.program("JY", "稳就业项目", 2025, |_| {});
        fx.alloc("XZ", "2025-01-05", "1000.00");
        fx.alloc("XZ", "2025-08-05", "5000.00"); // after the date: not in the balance
        let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        fx.paid("V1", "XZ", &a, "300.00", "2025-02-01");
        let boss = Actor::load(&fx.conn, "王科长").unwrap();

        let too_much = record_recovery(
            &mut fx.conn,
            &boss,
            &rec("XZ", "700.01", "2025-06-30", Reason::Idle),
        );
        assert!(too_much.unwrap_err().to_string().contains("700.00"));
        let mut r = rec("XZ", "700.00", "2025-06-30", Reason::Idle);
        r.reallocated_to = Some("JY".into());
        record_recovery(&mut fx.conn, &boss, &r).unwrap();
        let f = program_figures(&fx.conn, d("2025-06-30")).unwrap();
        let (jy, xz) = (&f[0], &f[1]);
        assert_eq!(
            (jy.program.code.as_str(), jy.budget),
            ("JY", yuan("700.00"))
        );
        assert_eq!((xz.recovered, xz.balance), (yuan("700.00"), Money::ZERO));
        assert!(record_recovery(
            &mut fx.conn,
            &boss,
            &rec("XZ", "0.01", "2025-06-30", Reason::Idle)
        )
        .is_err());
        assert_eq!(crate::audit::verify(&fx.conn).unwrap(), 1);
    }

    #[test]
    fn recovery_refusals() {
        let mut fx = Fx::new();
        fx.program("XZ", "沉淀资金项目", 2025, |_| {});
        fx.alloc("XZ", "2025-01-05", "1000.00");
        let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        let boss = Actor::load(&fx.conn, "王科长").unwrap();
        assert!(record_recovery(
            &mut fx.conn,
            &boss,
            &rec("无此项目", "1.00", "2025-06-30", Reason::Idle)
        )
        .is_err());
        let mut r = rec("XZ", "1.00", "2025-06-30", Reason::Idle);
        r.credit_code = Some(a.clone());
        assert!(
            record_recovery(&mut fx.conn, &boss, &r).is_err(),
            "enterprise only on clawback"
        );
        assert!(record_recovery(
            &mut fx.conn,
            &boss,
            &rec("XZ", "1.00", "2025-06-30", Reason::Clawback)
        )
        .is_err());
        let mut r = rec("XZ", "1.00", "2025-06-30", Reason::Clawback);
        r.credit_code = Some("91530428MA6K999990".into());
        assert!(
            record_recovery(&mut fx.conn, &boss, &r).is_err(),
            "unknown enterprise"
        );
        r.credit_code = Some(a);
        record_recovery(&mut fx.conn, &boss, &r).unwrap();
        let mut r = rec("XZ", "1.00", "2025-06-30", Reason::Idle);
        r.reallocated_to = Some("XZ".into());
        assert!(record_recovery(&mut fx.conn, &boss, &r).is_err());
        fx.conn
            .execute("INSERT INTO period_close (month, closed_by, closed_at) VALUES ('2025-05', '王科长', 'x')", [])
            .unwrap();
        let closed = record_recovery(
            &mut fx.conn,
            &boss,
            &rec("XZ", "1.00", "2025-05-31", Reason::Idle),
        );
        assert!(matches!(closed, Err(Error::ClosedMonth(_))));
    }
}
