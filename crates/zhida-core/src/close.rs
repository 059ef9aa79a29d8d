//! Month close (月结): refused while error findings as of the month's last day are
//! unacknowledged, unless a supervisor forces it. Records `period_close` (audited);
//! from then on the schema's triggers refuse any write dated in that month.

use rusqlite::{params, Connection, OptionalExtension};

use crate::checks::{run_checks, CheckFilter, Finding, Severity};
use crate::config::CheckConfig;
use crate::dates::{now_stamp, Month};
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::users::Actor;

/// Unacknowledged error findings as of the month's last day.
pub fn blocking_findings(
    conn: &Connection,
    month: Month,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<Vec<Finding>> {
    let filter = CheckFilter {
        unacknowledged: true,
        ..CheckFilter::default()
    };
    let mut v = run_checks(conn, month.last_day(), cfg, lang, &filter)?;
    v.retain(|f| f.severity == Severity::Error);
    Ok(v)
}

/// Close `month`. Returns the unacknowledged error findings that a forced close passed over.
pub fn close_month(
    conn: &mut Connection,
    actor: &Actor,
    month: Month,
    force: bool,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<Vec<Finding>> {
    actor.require_write()?;
    if force {
        actor.require_supervisor("强制月结 (forced close)")?;
    }
    let tx = conn.transaction()?;
    if is_closed(&tx, month)? {
        return Err(Error::invalid(format!(
            "{month} 已结账 (month {month} is already closed)"
        )));
    }
    let blocking = blocking_findings(&tx, month, cfg, lang)?;
    if !blocking.is_empty() && !force {
        let shown: Vec<String> = blocking.iter().take(20).map(|f| f.key()).collect();
        let more = if blocking.len() > 20 {
            format!(" …(+{})", blocking.len() - 20)
        } else {
            String::new()
        };
        return Err(Error::invalid(format!(
            "{month} 有 {} 条未确认的错误级核查结果，不能月结 ({} unacknowledged error findings): {}{more}",
            blocking.len(),
            blocking.len(),
            shown.join(", ")
        )));
    }
    let at = now_stamp();
    tx.execute(
        "INSERT INTO period_close (month, closed_by, closed_at) VALUES (?1, ?2, ?3)",
        params![month.to_string(), actor.user, at],
    )?;
    let after = serde_json::json!({
        "closed_by": actor.user,
        "closed_at": at,
        "forced": force && !blocking.is_empty(),
        "unacknowledged_errors": blocking.len(),
    });
    crate::audit::record(
        &tx,
        &actor.user,
        "close",
        "period_close",
        &month.to_string(),
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(if force { blocking } else { Vec::new() })
}

pub fn is_closed(conn: &Connection, month: Month) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM period_close WHERE month = ?1",
            [month.to_string()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Closed months, oldest first, with who closed them and when.
pub fn closed_months(conn: &Connection) -> Result<Vec<(Month, String, String)>> {
    let mut stmt =
        conn.prepare("SELECT month, closed_by, closed_at FROM period_close ORDER BY month")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (m, by, at) = r?;
        out.push((Month::parse(&m)?, by, at));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::{d, Fx};
    use crate::model::{Role, Size, Status};
    use crate::repo::write::{insert_disbursement, NewDisbursement};

    #[test]
    fn close_refuses_unacknowledged_errors_then_closes_and_locks_the_month() {
        let mut fx = Fx::new();
        fx.program("WG", "稳岗返还", 2025, |_| {});
        fx.alloc("WG", "2025-01-05", "10000.00");
        let a = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        fx.disb_full(
            "V1",
            "WG",
            &a,
            "100.00",
            "2025-06-03",
            Status::Paid,
            "小李",
            "小李",
            None,
        );
        fx.paid("V2", "WG", &a, "100.00", "2025-07-03"); // after the month: no finding yet
        let boss = Actor::load(&fx.conn, "王科长").unwrap();
        crate::users::set_user(&mut fx.conn, &boss, "王科长", Role::Supervisor).unwrap();
        let boss = Actor::load(&fx.conn, "王科长").unwrap();
        let clerk = Actor::load(&fx.conn, "小李").unwrap();
        let cfg = CheckConfig::default();
        let june = Month::parse("2025-06").unwrap();

        let err = close_month(&mut fx.conn, &boss, june, false, &cfg, Lang::Zh)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("SELF_APPROVED|WG|{a}|V1|2025")),
            "{err}"
        );
        assert!(!is_closed(&fx.conn, june).unwrap());
        // a clerk may not force
        assert!(close_month(&mut fx.conn, &clerk, june, true, &cfg, Lang::Zh).is_err());

        crate::ack::acknowledge(
            &mut fx.conn,
            &boss,
            &format!("SELF_APPROVED|WG|{a}|V1|2025"),
            "导入的历史数据",
        )
        .unwrap();
        let passed = close_month(&mut fx.conn, &clerk, june, false, &cfg, Lang::Zh).unwrap();
        assert!(passed.is_empty());
        assert!(is_closed(&fx.conn, june).unwrap());
        let months = closed_months(&fx.conn).unwrap();
        assert_eq!(months.len(), 1);
        assert_eq!((months[0].0, months[0].1.as_str()), (june, "小李"));
        assert!(close_month(&mut fx.conn, &boss, june, false, &cfg, Lang::Zh).is_err());

        let late = insert_disbursement(
            &fx.conn,
            &NewDisbursement {
                voucher_no: "V3".into(),
                program_code: "WG".into(),
                credit_code: a.clone(),
                amount: crate::money::Money(100),
                date: d("2025-06-30"),
                status: Status::Pending,
                entered_by: "小李".into(),
                approved_by: String::new(),
                reverses: None,
                note: String::new(),
            },
        );
        assert!(matches!(late, Err(Error::ClosedMonth(m)) if m == "2025-06"));
        assert_eq!(crate::audit::verify(&fx.conn).unwrap(), 3);
    }

    #[test]
    fn a_supervisor_may_force_a_close() {
        let mut fx = Fx::new();
        fx.program("WG", "稳岗返还", 2025, |_| {});
        let a = fx.ent(1, "元江县甘庄街道绿源种植专业合作社", Size::Large);
        fx.disb_full(
            "V1",
            "WG",
            &a,
            "100.00",
            "2025-05-03",
            Status::Paid,
            "小李",
            "小李",
            None,
        );
        let boss = Actor::load(&fx.conn, "王科长").unwrap();
        let may = Month::parse("2025-05").unwrap();
        let passed = close_month(
            &mut fx.conn,
            &boss,
            may,
            true,
            &CheckConfig::default(),
            Lang::Zh,
        )
        .unwrap();
        // SELF_APPROVED and OVERDRAWN (paid without budget) were passed over
        assert_eq!(passed.len(), 2);
        assert!(is_closed(&fx.conn, may).unwrap());
    }
}
