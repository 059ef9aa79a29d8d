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
