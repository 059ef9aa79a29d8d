//! Read queries behind the screens: keyset pages of disbursements (ordered by (date, id),
//! never OFFSET), the rows of one program, the paid-per-month series, enterprise detail
//! with totals per program and year, and the as-of month defaults.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use rust_decimal::Decimal;

use crate::dates::{iso, Month};
use crate::error::Result;
use crate::model::{Allocation, Disbursement, Enterprise, Evaluation, Indicator, Recovery, Status};
use crate::money::Money;
use crate::repo::lookup::{date_col, disbursement_from_row, DISBURSEMENT_SELECT};

/// Which disbursements a page shows. Every field narrows; `None` = any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisbFilter {
    pub program_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub status: Option<Status>,
    pub month: Option<Month>,
    /// only rows dated ≤ this day
    pub until: Option<NaiveDate>,
}

/// Position of a row in (date, id) order; pages continue strictly after/before it.
pub type DisbKey = (NaiveDate, i64);

/// Direction of a keyset page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// the first rows (oldest first)
    First,
    /// the last rows (still returned oldest first)
    Last,
    /// rows strictly after the key
    After(DisbKey),
    /// rows strictly before the key (returned oldest first)
    Before(DisbKey),
}

impl Page {
    /// The key a row has in this order.
    pub fn key_of(d: &Disbursement) -> DisbKey {
        (d.date, d.id)
    }
}

/// One keyset page of at most `limit` disbursements in (date, id) order.
pub fn disbursement_page(
    conn: &Connection,
    filter: &DisbFilter,
    page: Page,
    limit: usize,
) -> Result<Vec<Disbursement>> {
    let mut wheres: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut arg = |v: rusqlite::types::Value| {
        args.push(v);
        format!("?{}", args.len())
    };
    use rusqlite::types::Value;
    if let Some(p) = filter.program_id {
        wheres.push(format!("d.program_id = {}", arg(Value::Integer(p))));
    }
    if let Some(e) = filter.enterprise_id {
        wheres.push(format!("d.enterprise_id = {}", arg(Value::Integer(e))));
    }
    if let Some(s) = filter.status {
        wheres.push(format!(
            "d.status = {}",
            arg(Value::Text(s.as_str().into()))
        ));
    }
    if let Some(m) = filter.month {
        let a = arg(Value::Text(iso(m.first_day())));
        let b = arg(Value::Text(iso(m.last_day())));
        wheres.push(format!("d.date BETWEEN {a} AND {b}"));
    }
    if let Some(u) = filter.until {
        wheres.push(format!("d.date <= {}", arg(Value::Text(iso(u)))));
    }
    let (order, reverse) = match page {
        Page::First => ("d.date, d.id", false),
        Page::Last => ("d.date DESC, d.id DESC", true),
        Page::After((date, id)) => {
            let a = arg(Value::Text(iso(date)));
            let b = arg(Value::Integer(id));
            wheres.push(format!("(d.date, d.id) > ({a}, {b})"));
            ("d.date, d.id", false)
        }
        Page::Before((date, id)) => {
            let a = arg(Value::Text(iso(date)));
            let b = arg(Value::Integer(id));
            wheres.push(format!("(d.date, d.id) < ({a}, {b})"));
            ("d.date DESC, d.id DESC", true)
        }
    };
    let lim = arg(Value::Integer(limit as i64));
    let where_sql = if wheres.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", wheres.join(" AND "))
    };
    let sql = format!("{DISBURSEMENT_SELECT}{where_sql} ORDER BY {order} LIMIT {lim}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        rusqlite::params_from_iter(args.iter()),
        disbursement_from_row,
    )?;
    let mut out: Vec<Disbursement> = rows.collect::<rusqlite::Result<_>>()?;
    if reverse {
        out.reverse();
    }
    Ok(out)
}

/// Allocations of a program, oldest first.
pub fn allocations_of(conn: &Connection, program_id: i64) -> Result<Vec<Allocation>> {
    of_program(conn, &ALLOCATIONS, program_id)
}

/// One of a program's short lists: the columns a row is read from, the tables, the
/// column naming the program, and the order.
struct List<T> {
    columns: &'static str,
    from: &'static str,
    program: &'static str,
    order: &'static str,
    row: fn(&Row<'_>) -> rusqlite::Result<T>,
}

/// The rows of `list` for one program.
fn of_program<T>(conn: &Connection, list: &List<T>, program_id: i64) -> Result<Vec<T>> {
    let List {
        columns,
        from,
        program,
        order,
        row,
    } = list;
    let sql = format!("SELECT {columns} FROM {from} WHERE {program} = ?1 ORDER BY {order}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([program_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The rows of `list` for every program, each handed to `put` with its program's id; a
/// program's rows come in the order [`of_program`] gives them.
fn of_every_program<T>(
    conn: &Connection,
    list: &List<T>,
    mut put: impl FnMut(i64, T),
) -> Result<()> {
    let List {
        columns,
        from,
        program,
        order,
        row,
    } = list;
    let mut stmt = conn.prepare(&format!(
        "SELECT {columns}, {program} FROM {from} ORDER BY {order}"
    ))?;
    let last = stmt.column_count() - 1;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        put(r.get(last)?, row(r)?);
    }
    Ok(())
}

const ALLOCATIONS: List<Allocation> = List {
    columns: "a.id, p.code, a.date, a.amount_fen, a.doc_no, a.note",
    from: "allocation a JOIN program p ON p.id = a.program_id",
    program: "a.program_id",
    order: "a.date, a.id",
    row: |r| {
        Ok(Allocation {
            id: r.get(0)?,
            program_code: r.get(1)?,
            date: date_col(r, 2)?,
            amount: r.get(3)?,
            doc_no: r.get(4)?,
            note: r.get(5)?,
        })
    },
};

/// A recovery `r` with its program `p`, the enterprise `e` (LEFT JOIN) and the
/// reallocation target `t` (LEFT JOIN).
const RECOVERIES: List<Recovery> = List {
    columns: "r.id, p.code, r.date, r.amount_fen, r.reason, r.doc_no, e.credit_code, t.code, \
              r.note",
    from: "recovery r JOIN program p ON p.id = r.program_id
           LEFT JOIN enterprise e ON e.id = r.enterprise_id
           LEFT JOIN program t ON t.id = r.reallocated_to_id",
    program: "r.program_id",
    order: "r.date, r.id",
    row: recovery_from_row,
};

/// The recoveries' columns and tables, for queries of other recoveries than a program's.
fn recovery_select() -> String {
    format!("SELECT {} FROM {}", RECOVERIES.columns, RECOVERIES.from)
}

fn recovery_from_row(r: &Row<'_>) -> rusqlite::Result<Recovery> {
    Ok(Recovery {
        id: r.get(0)?,
        program_code: r.get(1)?,
        date: date_col(r, 2)?,
        amount: r.get(3)?,
        reason: r.get(4)?,
        doc_no: r.get(5)?,
        credit_code: r.get(6)?,
        reallocated_to: r.get(7)?,
        note: r.get(8)?,
    })
}

/// Recoveries of a program, oldest first.
pub fn recoveries_of(conn: &Connection, program_id: i64) -> Result<Vec<Recovery>> {
    of_program(conn, &RECOVERIES, program_id)
}

/// Every recovery dated ≤ `as_of`, by program code, then oldest first (the 收回 screen;
/// recoveries are few next to disbursements).
pub fn recoveries_until(conn: &Connection, as_of: NaiveDate) -> Result<Vec<Recovery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE r.date <= ?1 ORDER BY p.code, r.date, r.id",
        recovery_select()
    ))?;
    let rows = stmt.query_map([iso(as_of)], recovery_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The clawbacks (追回) naming an enterprise, dated ≤ `as_of`, oldest first.
pub fn clawbacks_of(
    conn: &Connection,
    enterprise_id: i64,
    as_of: NaiveDate,
) -> Result<Vec<Recovery>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE r.enterprise_id = ?1 AND r.date <= ?2 ORDER BY r.date, r.id",
        recovery_select()
    ))?;
    let rows = stmt.query_map(params![enterprise_id, iso(as_of)], recovery_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Evaluations of a program, newest year first.
pub fn evaluations_of(conn: &Connection, program_id: i64) -> Result<Vec<Evaluation>> {
    of_program(conn, &EVALUATIONS, program_id)
}

const EVALUATIONS: List<Evaluation> = List {
    columns: "v.id, p.code, v.year, v.score_x100, v.evaluator, v.date, v.note",
    from: "evaluation v JOIN program p ON p.id = v.program_id",
    program: "v.program_id",
    order: "v.year DESC, v.date DESC, v.id DESC",
    row: |r| {
        Ok(Evaluation {
            id: r.get(0)?,
            program_code: r.get(1)?,
            year: r.get(2)?,
            score_x100: r.get(3)?,
            evaluator: r.get(4)?,
            date: date_col(r, 5)?,
            note: r.get(6)?,
        })
    },
};

fn decimal(s: &str) -> rusqlite::Result<Decimal> {
    s.parse::<Decimal>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Performance indicators of a program, newest year first, then by name.
pub fn indicators_of(conn: &Connection, program_id: i64) -> Result<Vec<Indicator>> {
    of_program(conn, &INDICATORS, program_id)
}

const INDICATORS: List<Indicator> = List {
    columns: "i.id, p.code, i.year, i.name, i.unit, i.target, i.actual, i.direction",
    from: "indicator i JOIN program p ON p.id = i.program_id",
    program: "i.program_id",
    order: "i.year DESC, i.name",
    row: |r| {
        let actual: Option<String> = r.get(6)?;
        Ok(Indicator {
            id: r.get(0)?,
            program_code: r.get(1)?,
            year: r.get(2)?,
            name: r.get(3)?,
            unit: r.get(4)?,
            target: decimal(&r.get::<_, String>(5)?)?,
            actual: actual.as_deref().map(decimal).transpose()?,
            direction: r.get(7)?,
        })
    },
};

/// The short lists of a program's page, each in the order of its `*_of` query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgramLists {
    pub allocations: Vec<Allocation>,
    pub recoveries: Vec<Recovery>,
    pub evaluations: Vec<Evaluation>,
    pub indicators: Vec<Indicator>,
}

impl ProgramLists {
    /// One program's lists (four queries).
    pub fn of(conn: &Connection, program_id: i64) -> Result<ProgramLists> {
        Ok(ProgramLists {
            allocations: allocations_of(conn, program_id)?,
            recoveries: recoveries_of(conn, program_id)?,
            evaluations: evaluations_of(conn, program_id)?,
            indicators: indicators_of(conn, program_id)?,
        })
    }

    /// Every program's lists, in four queries instead of four per program (a screen
    /// that opens one program after another reads them once). A program without any
    /// row in any list is absent.
    pub fn of_every_program(conn: &Connection) -> Result<HashMap<i64, ProgramLists>> {
        let mut all: HashMap<i64, ProgramLists> = HashMap::new();
        of_every_program(conn, &ALLOCATIONS, |id, a| {
            all.entry(id).or_default().allocations.push(a)
        })?;
        of_every_program(conn, &RECOVERIES, |id, r| {
            all.entry(id).or_default().recoveries.push(r)
        })?;
        of_every_program(conn, &EVALUATIONS, |id, e| {
            all.entry(id).or_default().evaluations.push(e)
        })?;
        of_every_program(conn, &INDICATORS, |id, i| {
            all.entry(id).or_default().indicators.push(i)
        })?;
        Ok(all)
    }
}

/// Net paid amount per month from `from` to `to` inclusive; months without payments are 0.
/// From the maintained program × month table: ~0.3 ms instead of ~0.25–1 s over 1M rows.
pub fn paid_per_month(conn: &Connection, from: Month, to: Month) -> Result<Vec<(Month, Money)>> {
    crate::repo::summary::monthly_paid(conn, None, from, to)
}

/// A value that changes whenever the database changes — by another connection's commit
/// (`PRAGMA data_version`) or by this connection (`total_changes`) — so that a front end
/// can keep query results until the data behind them moves.
pub fn change_stamp(conn: &Connection) -> Result<(i64, u64)> {
    let v: i64 = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?;
    Ok((v, conn.total_changes()))
}

/// The month of the latest disbursement, if any.
pub fn latest_disbursement_month(conn: &Connection) -> Result<Option<Month>> {
    let d: Option<String> = conn
        .prepare_cached("SELECT MAX(date) FROM disbursement")?
        .query_row([], |r| r.get(0))?;
    Ok(d.as_deref()
        .and_then(crate::dates::parse_stored)
        .map(Month::of))
}

/// Whether any disbursement, allocation or recovery is dated in `month`.
pub fn month_has_rows(conn: &Connection, month: Month) -> Result<bool> {
    let (a, b) = (iso(month.first_day()), iso(month.last_day()));
    let found: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM disbursement WHERE date BETWEEN ?1 AND ?2)
                 OR EXISTS (SELECT 1 FROM allocation WHERE date BETWEEN ?1 AND ?2)
                 OR EXISTS (SELECT 1 FROM recovery WHERE date BETWEEN ?1 AND ?2)",
        )?
        .query_row(params![a, b], |r| r.get(0))?;
    Ok(found)
}

/// The as-of month a screen opens on: `today`'s month when the database has rows dated in
/// it, else the latest month with disbursements, else `today`'s month.
pub fn default_as_of_month(conn: &Connection, today: NaiveDate) -> Result<Month> {
    let current = Month::of(today);
    if month_has_rows(conn, current)? {
        return Ok(current);
    }
    Ok(latest_disbursement_month(conn)?.unwrap_or(current))
}

pub fn enterprise_by_id(conn: &Connection, id: i64) -> Result<Option<Enterprise>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, credit_code, name, size, industry, township, contact FROM enterprise WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Enterprise {
                id: r.get(0)?,
                credit_code: r.get(1)?,
                name: r.get(2)?,
                size: r.get(3)?,
                industry: r.get(4)?,
                township: r.get(5)?,
                contact: r.get(6)?,
            })
        })
        .optional()?)
}

/// A voucher found by number: which enterprise it paid.
#[derive(Debug, Clone, PartialEq)]
pub struct VoucherHit {
    pub voucher_no: String,
    pub enterprise_id: i64,
    pub exact: bool,
}

/// Vouchers equal to or starting with `prefix` (case-sensitive, as stored), exact first.
/// Uses the unique index on voucher_no as a range, so it costs the same on a million rows.
pub fn vouchers_by_prefix(
    conn: &Connection,
    prefix: &str,
    limit: usize,
) -> Result<Vec<VoucherHit>> {
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    let upper = format!("{prefix}\u{10FFFF}");
    let mut stmt = conn.prepare_cached(
        "SELECT voucher_no, enterprise_id FROM disbursement
         WHERE voucher_no >= ?1 AND voucher_no < ?2 ORDER BY voucher_no LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![prefix, upper, limit as i64], |r| {
        let v: String = r.get(0)?;
        Ok(VoucherHit {
            exact: v == prefix,
            voucher_no: v,
            enterprise_id: r.get(1)?,
        })
    })?;
    let mut out: Vec<VoucherHit> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort_by_key(|h| !h.exact);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit_code::CreditCode;
    use crate::db::open_in_memory;
    use crate::model::{Direction, Reason, Size};
    use crate::repo::write::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date(s).unwrap()
    }

    fn fixture() -> (Connection, String) {
        let conn = open_in_memory().unwrap();
        insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
        insert_program(&conn, &NewProgram::new("KJ2025", "科技创新券", 2025)).unwrap();
        let code = CreditCode::complete("91530428MA6K00001").unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code.clone(),
                name: "元江县澧江街道甘蔗种植合作社".into(),
                size: Size::Small,
                industry: "农业".into(),
                township: "澧江街道".into(),
                contact: String::new(),
            },
        )
        .unwrap();
        insert_allocation(
            &conn,
            &NewAllocation {
                program_code: "WG2025".into(),
                date: d("2025-01-10"),
                amount: Money(1_000_000_00),
                doc_no: "元财社〔2025〕1号".into(),
                note: String::new(),
            },
        )
        .unwrap();
        for i in 0..30 {
            let day = 1 + (i % 28);
            let month = 1 + i / 10;
            insert_disbursement(
                &conn,
                &NewDisbursement {
                    voucher_no: format!("PZ2025{i:04}"),
                    program_code: if i % 3 == 0 { "KJ2025" } else { "WG2025" }.into(),
                    credit_code: code.to_string(),
                    amount: Money(1_000_00 * (i as i64 + 1)),
                    date: d(&format!("2025-{month:02}-{day:02}")),
                    status: if i == 29 {
                        Status::Pending
                    } else {
                        Status::Paid
                    },
                    entered_by: "小李".into(),
                    approved_by: "王科长".into(),
                    reverses: None,
                    note: String::new(),
                },
            )
            .unwrap();
        }
        (conn, code.to_string())
    }

    #[test]
    fn keyset_pages_walk_forward_and_back_without_gaps() {
        let (conn, _) = fixture();
        let f = DisbFilter::default();
        let first = disbursement_page(&conn, &f, Page::First, 12).unwrap();
        assert_eq!(first.len(), 12);
        let second =
            disbursement_page(&conn, &f, Page::After(Page::key_of(&first[11])), 12).unwrap();
        let third =
            disbursement_page(&conn, &f, Page::After(Page::key_of(&second[11])), 12).unwrap();
        assert_eq!(third.len(), 6, "30 rows = 12 + 12 + 6");
        let mut all: Vec<_> = first.iter().chain(&second).chain(&third).collect();
        let ids: Vec<_> = all.iter().map(|d| (d.date, d.id)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "pages are in (date, id) order");
        all.dedup_by_key(|d| d.id);
        assert_eq!(all.len(), 30);
        let back =
            disbursement_page(&conn, &f, Page::Before(Page::key_of(&second[0])), 12).unwrap();
        assert_eq!(back, first, "Before returns the previous page oldest first");
        let last = disbursement_page(&conn, &f, Page::Last, 6).unwrap();
        assert_eq!(last, third);
    }

    #[test]
    fn page_filters_narrow() {
        let (conn, _) = fixture();
        let kj = crate::repo::write::program_id(&conn, "KJ2025").unwrap();
        let f = DisbFilter {
            program_id: Some(kj),
            ..Default::default()
        };
        let rows = disbursement_page(&conn, &f, Page::First, 100).unwrap();
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|r| r.program_code == "KJ2025"));
        let f = DisbFilter {
            status: Some(Status::Pending),
            ..Default::default()
        };
        assert_eq!(
            disbursement_page(&conn, &f, Page::First, 100)
                .unwrap()
                .len(),
            1
        );
        let f = DisbFilter {
            month: Some(Month::new(2025, 2).unwrap()),
            ..Default::default()
        };
        assert_eq!(
            disbursement_page(&conn, &f, Page::First, 100)
                .unwrap()
                .len(),
            10
        );
    }

    #[test]
    fn paid_per_month_fills_empty_months() {
        let (conn, _) = fixture();
        let s = paid_per_month(
            &conn,
            Month::new(2025, 1).unwrap(),
            Month::new(2025, 4).unwrap(),
        )
        .unwrap();
        assert_eq!(s.len(), 4);
        // January: rows 0..10 → (1+…+10) × 1,000 元
        assert_eq!(s[0].1, Money(55 * 1_000_00));
        // March: rows 20..29 paid, row 29 pending
        assert_eq!(s[2].1, Money((21..=29).sum::<i64>() * 1_000_00));
        assert_eq!(s[3].1, Money::ZERO);
    }

    #[test]
    fn default_month_falls_back_to_latest_disbursement() {
        let (conn, _) = fixture();
        assert_eq!(
            default_as_of_month(&conn, d("2026-11-25")).unwrap(),
            Month::new(2025, 3).unwrap()
        );
        assert_eq!(
            default_as_of_month(&conn, d("2025-02-14")).unwrap(),
            Month::new(2025, 2).unwrap()
        );
        let empty = open_in_memory().unwrap();
        assert_eq!(
            default_as_of_month(&empty, d("2026-11-25")).unwrap(),
            Month::new(2026, 11).unwrap()
        );
    }

    #[test]
    fn change_stamp_moves_with_writes_from_any_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let a = crate::db::open(&path).unwrap();
        let b = crate::db::open(&path).unwrap();
        let s0 = change_stamp(&a).unwrap();
        assert_eq!(change_stamp(&a).unwrap(), s0, "reading changes nothing");
        insert_program(&b, &NewProgram::new("QT2025", "其他补助", 2025)).unwrap();
        let s1 = change_stamp(&a).unwrap();
        assert_ne!(s1, s0, "another connection's commit");
        insert_program(&a, &NewProgram::new("QT2026", "其他补助", 2026)).unwrap();
        assert_ne!(change_stamp(&a).unwrap(), s1, "this connection's own write");
    }

    #[test]
    fn voucher_prefix_exact_first() {
        let (conn, _) = fixture();
        let hits = vouchers_by_prefix(&conn, "PZ2025000", 20).unwrap();
        assert_eq!(hits.len(), 10, "PZ20250000..PZ20250009 of 30");
        let hits = vouchers_by_prefix(&conn, "PZ20250001", 20).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].exact);
        assert!(vouchers_by_prefix(&conn, "XX", 20).unwrap().is_empty());
    }

    #[test]
    fn program_rows() {
        let (conn, _) = fixture();
        let wg = program_id(&conn, "WG2025").unwrap();
        insert_recovery(
            &conn,
            &NewRecovery {
                program_code: "WG2025".into(),
                date: d("2025-06-01"),
                amount: Money(50_000_00),
                reason: Reason::Idle,
                doc_no: "元财收〔2025〕3号".into(),
                credit_code: None,
                reallocated_to: Some("KJ2025".into()),
                note: String::new(),
            },
        )
        .unwrap();
        insert_evaluation(
            &conn,
            &NewEvaluation {
                program_code: "WG2025".into(),
                year: 2025,
                score_x100: 8550,
                evaluator: "第三方".into(),
                date: d("2025-06-20"),
                note: String::new(),
            },
        )
        .unwrap();
        insert_indicator(
            &conn,
            &NewIndicator {
                program_code: "WG2025".into(),
                year: 2025,
                name: "稳岗人数".into(),
                unit: "人".into(),
                target: Decimal::from(500),
                actual: Some(Decimal::from(480)),
                direction: Direction::Ge,
            },
        )
        .unwrap();
        assert_eq!(allocations_of(&conn, wg).unwrap().len(), 1);
        let r = recoveries_of(&conn, wg).unwrap();
        assert_eq!(r[0].reallocated_to.as_deref(), Some("KJ2025"));
        assert_eq!(recoveries_until(&conn, d("2025-06-01")).unwrap(), r);
        assert!(
            recoveries_until(&conn, d("2025-05-31")).unwrap().is_empty(),
            "dated after the as-of day"
        );
        assert_eq!(evaluations_of(&conn, wg).unwrap()[0].score_x100, 8550);
        let i = indicators_of(&conn, wg).unwrap();
        assert_eq!(i[0].met(), Some(false));
        let kj = program_id(&conn, "KJ2025").unwrap();
        assert_eq!(
            allocations_of(&conn, kj).unwrap()[0].amount,
            Money(50_000_00)
        );

        // every program's lists at once: each as its own queries give it, in their order
        insert_program(&conn, &NewProgram::new("GX2025", "个体工商户纾困", 2025)).unwrap();
        let gx = program_id(&conn, "GX2025").unwrap();
        for (day, amount) in [("2025-01-02", 30_000_00), ("2025-03-15", 20_000_00)] {
            // entered after the January allocation, one of them dated before it
            insert_allocation(
                &conn,
                &NewAllocation {
                    program_code: "WG2025".into(),
                    date: d(day),
                    amount: Money(amount),
                    doc_no: format!("元财社〔2025〕{amount}号"),
                    note: "追加".into(),
                },
            )
            .unwrap();
        }
        insert_indicator(
            &conn,
            &NewIndicator {
                program_code: "WG2025".into(),
                year: 2024,
                name: "岗位留存率".into(),
                unit: "%".into(),
                target: Decimal::from(90),
                actual: None,
                direction: Direction::Ge,
            },
        )
        .unwrap();
        let all = ProgramLists::of_every_program(&conn).unwrap();
        let wg_lists = ProgramLists::of(&conn, wg).unwrap();
        assert_eq!(all[&wg], wg_lists);
        assert_eq!(all[&kj], ProgramLists::of(&conn, kj).unwrap());
        let days: Vec<String> = wg_lists
            .allocations
            .iter()
            .map(|a| a.date.to_string())
            .collect();
        assert_eq!(days, ["2025-01-02", "2025-01-10", "2025-03-15"]);
        let years: Vec<i32> = wg_lists.indicators.iter().map(|i| i.year).collect();
        assert_eq!(years, [2025, 2024]);
        assert_eq!(wg_lists.recoveries.len(), 1);
        assert_eq!(wg_lists.evaluations.len(), 1);
        assert!(!all.contains_key(&gx), "a program with no rows is absent");
        assert_eq!(all.len(), 2);
    }
}
