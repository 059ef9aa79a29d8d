//! Recording a recovery (收回) of idle, expired or misused funds, optionally reallocated
//! (统筹安排) to another program — the matching allocation is created in the same
//! transaction. Refuses more than the program's balance as of the date, unknown programs
//! or enterprises, a credit code on anything but a clawback, and closed months. Audited.
//! Also what the 收回 screen lists: the [`candidates`] for a recovery as of a date, ranked
//! with the checks' own IDLE / RECOVER_DUE rule.

use std::cmp::Reverse;

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;

use crate::checks::{idle_finding, Rule};
use crate::close::is_closed;
use crate::config::CheckConfig;
use crate::dates::{iso, Month};
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::ledger::write_tx;
use crate::model::Reason;
use crate::money::Money;
use crate::repo::figures::{program_figures, ProgramFigures};
use crate::repo::write::{enterprise_id, insert_recovery, program_id, NewRecovery};
use crate::users::Actor;

/// A program as the 收回 screen lists it: its figures as of D, how long its money has lain
/// idle, and whether IDLE or RECOVER_DUE fires for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub figures: ProgramFigures,
    /// the day idleness counts from: the last positive payment, else the first allocation
    pub idle_since: Option<NaiveDate>,
    /// D − idle_since, in days
    pub days_idle: Option<i64>,
    /// RECOVER_DUE or IDLE exactly as `zhida check` finds it as of D
    pub flag: Option<Rule>,
    /// the finding's message (why it fires); empty without a flag
    pub message: String,
}

/// The programs worth a look for a recovery as of `as_of`, most urgent first: RECOVER_DUE,
/// then IDLE (each by balance, largest first), then the other programs with money left (by
/// balance), then the programs already recovered down to nothing (so that a recovery just
/// recorded stays in view). Programs with nothing left and nothing recovered are left out.
/// The flags come from the checks' own rule with the same thresholds (`cfg`).
pub fn candidates(
    figures: &[ProgramFigures],
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
) -> Vec<Candidate> {
    let mut out: Vec<(u8, Candidate)> = figures
        .iter()
        .filter_map(|f| {
            let finding = idle_finding(f, as_of, cfg, lang);
            let flag = finding.as_ref().map(|x| x.rule);
            let group = match flag {
                Some(Rule::RecoverDue) => 0,
                Some(_) => 1,
                None if f.balance.0 > 0 => 2,
                None if f.recovered.0 > 0 => 3,
                None => return None,
            };
            let idle_since = f.last_paid.or(f.first_allocation);
            Some((
                group,
                Candidate {
                    figures: f.clone(),
                    idle_since,
                    days_idle: idle_since.map(|s| (as_of - s).num_days()),
                    flag,
                    message: finding.map(|x| x.message).unwrap_or_default(),
                },
            ))
        })
        .collect();
    out.sort_by(|(ga, a), (gb, b)| {
        let key = |g: u8, c: &Candidate| {
            let bal = if g == 3 { 0 } else { c.figures.balance.0 };
            (g, Reverse(bal), c.figures.program.code.clone())
        };
        key(*ga, a).cmp(&key(*gb, b))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

/// [`candidates`] read from the database.
pub fn recovery_candidates(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<Vec<Candidate>> {
    Ok(candidates(&program_figures(conn, as_of)?, as_of, cfg, lang))
}

/// A program's balance (budget − paid − recovered, rows dated ≤ `date`): the most a
/// recovery dated `date` may take (`summary::program_money_of`).
pub fn balance_as_of(conn: &Connection, program_code: &str, date: NaiveDate) -> Result<Money> {
    let pid = program_id(conn, program_code)?;
    let (budget, paid, _, recovered) = crate::repo::summary::program_money_of(conn, pid, date)?;
    Ok(budget - paid - recovered)
}

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
    let tx = write_tx(conn)?;
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
    let balance = balance_as_of(&tx, &r.program_code, r.date)?;
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

    /// (code, flag, days idle, balance) of each candidate, in order.
    fn ranked(
        fx: &Fx,
        as_of: &str,
        cfg: &CheckConfig,
    ) -> Vec<(String, Option<Rule>, Option<i64>, Money)> {
        recovery_candidates(&fx.conn, d(as_of), cfg, Lang::Zh)
            .unwrap()
            .into_iter()
            .map(|c| {
                (
                    c.figures.program.code,
                    c.flag,
                    c.days_idle,
                    c.figures.balance,
                )
            })
            .collect()
    }

    /// (program, rule) of every IDLE / RECOVER_DUE finding of `zhida check`.
    fn checked(fx: &Fx, as_of: &str, cfg: &CheckConfig) -> Vec<(String, Rule)> {
        let mut v: Vec<(String, Rule)> =
            crate::checks::run_checks(&fx.conn, d(as_of), cfg, Lang::Zh, &Default::default())
                .unwrap()
                .into_iter()
                .filter(|f| matches!(f.rule, Rule::Idle | Rule::RecoverDue))
                .map(|f| (f.program, f.rule))
                .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn flagged(ranked: &[(String, Option<Rule>, Option<i64>, Money)]) -> Vec<(String, Rule)> {
        let mut v: Vec<(String, Rule)> = ranked
            .iter()
            .filter_map(|(c, f, _, _)| f.map(|f| (c.clone(), f)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn candidates_rank_recover_due_then_idle_by_balance_as_the_checks_find_them() {
        let fx = Fx::new();
        let e = fx.ent(1, "元江县因远镇农机服务专业合作社", Size::Small);
        fx.program("DQ", "已到期项目", 2025, |p| {
            p.end_date = Some(d("2025-03-31"))
        });
        fx.alloc("DQ", "2025-01-05", "1000.00");
        fx.paid("P1", "DQ", &e, "200.00", "2025-06-20"); // paid lately, but ended
        fx.program("YN", "一年未拨项目", 2024, |_| {});
        fx.alloc("YN", "2024-01-05", "5000.00");
        fx.paid("P2", "YN", &e, "1000.00", "2024-06-30"); // 365 days
        fx.program("XZ1", "闲置九十天", 2025, |_| {});
        fx.alloc("XZ1", "2025-01-05", "3000.00");
        fx.paid("P3", "XZ1", &e, "1000.00", "2025-04-01"); // 90 days
        fx.program("XZ2", "从未拨付", 2025, |_| {});
        fx.alloc("XZ2", "2025-04-01", "600.00"); // never paid, 90 days since allocated
        fx.program("JJ", "八十九天", 2025, |_| {});
        fx.alloc("JJ", "2025-01-05", "9000.00");
        fx.paid("P4", "JJ", &e, "1000.00", "2025-04-02"); // 89 days: not idle
        fx.program("LJ", "零结余", 2025, |_| {});
        fx.alloc("LJ", "2025-01-05", "1000.00");
        fx.paid("P5", "LJ", &e, "1000.00", "2025-06-01");
        fx.program("SH", "已收回", 2025, |_| {});
        fx.alloc("SH", "2025-01-05", "500.00");
        insert_recovery(&fx.conn, &rec("SH", "500.00", "2025-05-01", Reason::Idle)).unwrap();

        let cfg = CheckConfig::default();
        let v = ranked(&fx, "2025-06-30", &cfg);
        let due = Some(Rule::RecoverDue);
        let idle = Some(Rule::Idle);
        assert_eq!(
            v,
            vec![
                ("YN".into(), due, Some(365), yuan("4000.00")),
                ("DQ".into(), due, Some(10), yuan("800.00")),
                ("XZ1".into(), idle, Some(90), yuan("2000.00")),
                ("XZ2".into(), idle, Some(90), yuan("600.00")),
                ("JJ".into(), None, Some(89), yuan("8000.00")),
                ("SH".into(), None, Some(176), Money::ZERO),
            ],
            "LJ (nothing left, nothing recovered) is left out"
        );
        assert_eq!(flagged(&v), checked(&fx, "2025-06-30", &cfg));
        let c = recovery_candidates(&fx.conn, d("2025-06-30"), &cfg, Lang::Zh).unwrap();
        assert_eq!(
            (c[3].idle_since, c[3].figures.last_paid),
            (Some(d("2025-04-01")), None)
        );
        assert!(c[1].message.contains("2025-03-31 到期"), "{}", c[1].message);
        assert!(c[4].message.is_empty());

        // the thresholds come from the configuration, as for `zhida check`
        let cfg = CheckConfig {
            idle_days: 89,
            recover_days: 180,
            ..CheckConfig::default()
        };
        let v = ranked(&fx, "2025-06-30", &cfg);
        assert_eq!(v[0].0, "YN");
        assert!(
            v.contains(&("JJ".into(), idle, Some(89), yuan("8000.00"))),
            "{v:?}"
        );
        assert_eq!(flagged(&v), checked(&fx, "2025-06-30", &cfg));
    }

    #[test]
    fn balance_as_of_a_date_matches_the_figures() {
        let fx = Fx::new();
        let e = fx.ent(1, "元江县澧江街道恒达建材有限公司", Size::Small);
        fx.program("XZ", "沉淀资金项目", 2025, |_| {});
        fx.alloc("XZ", "2025-01-05", "1000.00");
        fx.alloc("XZ", "2025-08-05", "5000.00");
        fx.paid("V1", "XZ", &e, "300.00", "2025-02-01");
        fx.disb(
            "V2",
            "XZ",
            &e,
            "50.00",
            "2025-02-02",
            crate::model::Status::Pending,
        );
        insert_recovery(&fx.conn, &rec("XZ", "100.00", "2025-03-01", Reason::Idle)).unwrap();
        for day in [
            "2025-01-04",
            "2025-01-05",
            "2025-01-31",
            "2025-02-01",
            "2025-02-28",
            "2025-03-01",
            "2025-09-01",
        ] {
            let f = program_figures(&fx.conn, d(day)).unwrap();
            assert_eq!(
                balance_as_of(&fx.conn, "XZ", d(day)).unwrap(),
                f[0].balance,
                "{day}"
            );
        }
        assert_eq!(
            balance_as_of(&fx.conn, "XZ", d("2025-03-01")).unwrap(),
            yuan("600.00")
        );
        assert!(balance_as_of(&fx.conn, "无此项目", d("2025-03-01")).is_err());
    }
}
