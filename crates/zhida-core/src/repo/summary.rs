//! Maintained program × month figures (`program_month`), so that the overview, the
//! programs table, the monthly chart, the report and the checks' program figures never
//! aggregate a million disbursements: a direct program × month aggregate over 1M rows
//! takes ~1 s on a 2-core machine, reading this table (200 programs × 24 months) well
//! under a millisecond.
//!
//! Keeping it right — SQL triggers, not calls from Rust:
//! - three triggers in `schema.sql` (`program_month_ins/_del/_upd`) adjust the row of the
//!   program and month on every INSERT, DELETE and UPDATE of `disbursement`, in the
//!   writing statement's own transaction. Every write path is covered without being
//!   listed — the ledger (new, approve, pay, reject, reverse, edit), row imports and
//!   upserts, recoveries, test fixtures, a clerk's sqlite3 session, and any write path
//!   added later. A Rust call beside each write (`apply(old, new)`) would be as cheap,
//!   but right only as long as nobody forgets it; a trigger cannot be forgotten, and the
//!   schema already guards the ledger the same way (closed months, immutable paid rows).
//! - the bulk path is the exception: per-row trigger work is ~20 % of a 1M-row load, so
//!   `import` drops the triggers inside its transaction ([`suspend_triggers`]), sums the
//!   rows it writes in memory ([`Deltas`], a few thousand program × month entries), writes
//!   the sums and recreates the triggers ([`resume_triggers`]) before it commits. A crash
//!   or a bad row rolls all of it back, triggers included (SQLite DDL is transactional).
//! - a database written before the triggers existed (schema version 1) is filled once by
//!   the upgrade step (`migrations/v2.sql`, the same aggregate as [`rebuild`]); restoring
//!   such a backup upgrades it the same way.
//! - [`is_fresh`] is a cheap guard (row counts), [`rebuild`] the full recomputation.
//!
//! Committed (在途) is by current status, like [`crate::repo::figures`]: a row that is
//! paid later moves from committed to paid in the month of its date.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use crate::dates::{iso, Month};
use crate::error::Result;
use crate::model::Status;
use crate::money::Money;

/// One program in one month (by the disbursement's date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    pub program_id: i64,
    pub month: Month,
    /// Σ paid, reversals included (net)
    pub paid: Money,
    /// Σ pending + approved
    pub committed: Money,
    /// number of paid rows (reversals included)
    pub paid_count: i64,
    /// number of rows of any status
    pub rows: i64,
    /// the last date of a paid row with a positive amount
    pub last_paid: Option<NaiveDate>,
}

/// A program's disbursement totals over every month up to a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramTotals {
    pub program_id: i64,
    pub paid: Money,
    pub committed: Money,
    pub paid_count: i64,
    pub rows: i64,
    pub last_paid: Option<NaiveDate>,
}

/// What the summary needs to know of a disbursement row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKey<'a> {
    pub program_id: i64,
    /// `YYYY-MM-DD`
    pub date: &'a str,
    pub status: Status,
    pub amount_fen: i64,
}

/// The aggregate that defines the table (also in `migrations/v2.sql`).
const AGGREGATE: &str = "INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
     SELECT program_id, substr(date, 1, 7),
            SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END),
            SUM(CASE WHEN status IN ('pending', 'approved') THEN amount_fen ELSE 0 END),
            SUM(status = 'paid'),
            COUNT(*),
            MAX(CASE WHEN status = 'paid' AND amount_fen > 0 THEN date END)
     FROM disbursement
     GROUP BY program_id, substr(date, 1, 7)";

/// Recompute the whole table from `disbursement`. Returns the number of program × month
/// rows. Not needed by any write path (the triggers and [`Deltas`] keep the table right);
/// for repairs, tests and the benchmark.
pub fn rebuild(conn: &Connection) -> Result<u64> {
    conn.execute("DELETE FROM program_month", [])?;
    // one pass over the table grouped through ix_disb_program_date (program_id, date)
    let n = conn.execute(AGGREGATE, [])?;
    Ok(n as u64)
}

/// The definitions of the summary triggers, dropped by [`suspend_triggers`].
#[derive(Debug)]
#[must_use = "the triggers must be recreated with resume_triggers"]
pub struct Suspended(Vec<String>);

/// Drop the `program_month_*` triggers (inside the caller's transaction) for a bulk write
/// whose sums the caller keeps in [`Deltas`]; [`resume_triggers`] recreates them.
pub fn suspend_triggers(conn: &Connection) -> Result<Suspended> {
    let defs: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'trigger' AND tbl_name = 'disbursement' AND name GLOB 'program_month_*'",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (name, _) in &defs {
        conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
    }
    Ok(Suspended(defs.into_iter().map(|(_, sql)| sql).collect()))
}

/// Write the sums kept meanwhile and recreate the triggers, in the same transaction.
pub fn resume_triggers(conn: &Connection, suspended: Suspended, deltas: &Deltas) -> Result<()> {
    deltas.flush(conn)?;
    for sql in &suspended.0 {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Changes to program × month figures summed in memory during a bulk write.
#[derive(Debug, Default)]
pub struct Deltas {
    by: HashMap<(i64, [u8; 7]), Delta>,
    /// months whose last_paid must be recomputed (a paid row went away: the schema forbids it)
    recheck: Vec<(i64, [u8; 7])>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Delta {
    paid: i64,
    committed: i64,
    paid_count: i64,
    rows: i64,
    /// the latest paid positive date added (`YYYY-MM-DD`)
    last_paid: Option<[u8; 10]>,
}

impl Deltas {
    /// A row written (`sign` 1) or gone (`sign` −1, e.g. the old version of an updated row).
    pub fn add(&mut self, r: &RowKey, sign: i64) {
        let Some((month, day)) = keys(r.date) else {
            return;
        };
        let key = (r.program_id, month);
        let e = self.by.entry(key).or_default();
        e.rows += sign;
        match r.status {
            Status::Paid => {
                e.paid += sign * r.amount_fen;
                e.paid_count += sign;
                if r.amount_fen > 0 {
                    if sign > 0 {
                        if e.last_paid.is_none_or(|l| l < day) {
                            e.last_paid = Some(day);
                        }
                    } else {
                        self.recheck.push(key);
                    }
                }
            }
            Status::Pending | Status::Approved => e.committed += sign * r.amount_fen,
            Status::Rejected => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    /// Add the sums to the stored rows (creating missing ones), drop rows left without
    /// disbursements, recompute last_paid where a paid row went away.
    pub fn flush(&self, conn: &Connection) -> Result<()> {
        if self.by.is_empty() {
            return Ok(());
        }
        let mut up = conn.prepare_cached(
            "INSERT INTO program_month (program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (program_id, month) DO UPDATE SET
                 paid_fen = paid_fen + excluded.paid_fen,
                 committed_fen = committed_fen + excluded.committed_fen,
                 paid_count = paid_count + excluded.paid_count,
                 row_count = row_count + excluded.row_count,
                 last_paid = CASE WHEN excluded.last_paid IS NULL THEN last_paid
                                  WHEN last_paid IS NULL OR excluded.last_paid > last_paid THEN excluded.last_paid
                                  ELSE last_paid END",
        )?;
        for ((pid, month), d) in &self.by {
            up.execute(params![
                pid,
                text(month),
                d.paid,
                d.committed,
                d.paid_count,
                d.rows,
                d.last_paid.as_ref().map(|l| text(l)),
            ])?;
        }
        let mut last = conn.prepare_cached(
            "UPDATE program_month SET last_paid =
                (SELECT MAX(date) FROM disbursement
                 WHERE program_id = ?1 AND date BETWEEN ?2 || '-01' AND ?2 || '-31'
                   AND status = 'paid' AND amount_fen > 0)
             WHERE program_id = ?1 AND month = ?2",
        )?;
        for (pid, month) in &self.recheck {
            last.execute(params![pid, text(month)])?;
        }
        conn.execute("DELETE FROM program_month WHERE row_count = 0", [])?;
        Ok(())
    }
}

/// `YYYY-MM` and `YYYY-MM-DD` of an ISO date, as fixed-size keys.
fn keys(date: &str) -> Option<([u8; 7], [u8; 10])> {
    let b = date.as_bytes();
    let day: [u8; 10] = b.get(..10)?.try_into().ok()?;
    let month: [u8; 7] = b.get(..7)?.try_into().ok()?;
    Some((month, day))
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// True when the table covers exactly the rows of `disbursement` (count check: ~1 ms at
/// 1M rows). A false answer means "rebuild"; a true one does not prove every sum.
pub fn is_fresh(conn: &Connection) -> Result<bool> {
    let (summed, actual): (i64, i64) = conn.query_row(
        "SELECT (SELECT coalesce(SUM(row_count), 0) FROM program_month), (SELECT count(*) FROM disbursement)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(summed == actual)
}

fn opt_date(s: Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(crate::dates::parse_stored)
}

/// Every stored row for months `from..=to`, by program then month.
pub fn months(conn: &Connection, from: Month, to: Month) -> Result<Vec<MonthFigures>> {
    let mut stmt = conn.prepare_cached(
        "SELECT program_id, month, paid_fen, committed_fen, paid_count, row_count, last_paid
         FROM program_month WHERE month BETWEEN ?1 AND ?2 ORDER BY program_id, month",
    )?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        let m: String = r.get(1)?;
        Ok(MonthFigures {
            program_id: r.get(0)?,
            month: Month::parse(&m).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
            })?,
            paid: r.get(2)?,
            committed: r.get(3)?,
            paid_count: r.get(4)?,
            rows: r.get(5)?,
            last_paid: opt_date(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Paid per month for `from..=to` (every month present, zero when nothing was paid), for
/// one program or, with `None`, all programs together: the overview's chart.
pub fn monthly_paid(
    conn: &Connection,
    program_id: Option<i64>,
    from: Month,
    to: Month,
) -> Result<Vec<(Month, Money)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT month, SUM(paid_fen) FROM program_month
         WHERE month BETWEEN ?1 AND ?2 AND (?3 IS NULL OR program_id = ?3)
         GROUP BY month",
    )?;
    let found: Vec<(String, i64)> = stmt
        .query_map(params![from.to_string(), to.to_string(), program_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    let mut m = from;
    while m <= to {
        let key = m.to_string();
        let paid = found.iter().find(|(k, _)| *k == key).map_or(0, |(_, v)| *v);
        out.push((m, Money(paid)));
        m = m.next();
    }
    Ok(out)
}

/// Totals per program over every month up to and including `as_of` (month ends), by
/// program id. Programs without any disbursement are absent.
pub fn program_totals(conn: &Connection, as_of: Month) -> Result<Vec<ProgramTotals>> {
    month_totals(conn, as_of, None)
}

/// [`program_totals`] of every program, or of one.
fn month_totals(
    conn: &Connection,
    as_of: Month,
    program: Option<i64>,
) -> Result<Vec<ProgramTotals>> {
    let mut stmt = conn.prepare_cached(
        "SELECT program_id, SUM(paid_fen), SUM(committed_fen), SUM(paid_count), SUM(row_count), MAX(last_paid)
         FROM program_month WHERE month <= ?1 AND (?2 IS NULL OR program_id = ?2)
         GROUP BY program_id ORDER BY program_id",
    )?;
    let rows = stmt.query_map(params![as_of.to_string(), program], totals_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn totals_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProgramTotals> {
    Ok(ProgramTotals {
        program_id: r.get(0)?,
        paid: r.get(1)?,
        committed: r.get(2)?,
        paid_count: r.get(3)?,
        rows: r.get(4)?,
        last_paid: opt_date(r.get(5)?),
    })
}

/// Totals per program for rows dated ≤ `as_of`, any day: the whole months before it from
/// the table, the days of its own month straight from `disbursement`: per program, a range
/// of ix_disb_program_date (CROSS JOIN keeps program outermost) and those rows looked up,
/// so one month's rows, not the whole table.
pub fn program_totals_as_of(conn: &Connection, as_of: NaiveDate) -> Result<Vec<ProgramTotals>> {
    totals_as_of(conn, as_of, None)
}

/// One program's totals for rows dated ≤ `as_of` (all zero when it has none), the way
/// [`program_totals_as_of`] sums every program's: for the checks of a single new row or
/// recovery.
pub fn program_totals_of(
    conn: &Connection,
    program_id: i64,
    as_of: NaiveDate,
) -> Result<ProgramTotals> {
    Ok(totals_as_of(conn, as_of, Some(program_id))?
        .pop()
        .unwrap_or(ProgramTotals {
            program_id,
            paid: Money::ZERO,
            committed: Money::ZERO,
            paid_count: 0,
            rows: 0,
            last_paid: None,
        }))
}

/// One program's money for rows dated ≤ `date`: (budget, paid, committed, recovered);
/// paid and committed as the program figures sum them ([`program_totals_of`]). For the
/// checks of a single new disbursement (headroom) or recovery (balance).
pub fn program_money_of(
    conn: &Connection,
    program_id: i64,
    date: NaiveDate,
) -> Result<(Money, Money, Money, Money)> {
    let totals = program_totals_of(conn, program_id, date)?;
    let (budget, recovered) = conn
        .prepare_cached(
            "SELECT (SELECT coalesce(SUM(amount_fen), 0) FROM allocation
                      WHERE program_id = ?1 AND date <= ?2),
                    (SELECT coalesce(SUM(amount_fen), 0) FROM recovery
                      WHERE program_id = ?1 AND date <= ?2)",
        )?
        .query_row(params![program_id, iso(date)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok((budget, totals.paid, totals.committed, recovered))
}

/// [`program_totals_as_of`] of every program, or of one.
fn totals_as_of(
    conn: &Connection,
    as_of: NaiveDate,
    program: Option<i64>,
) -> Result<Vec<ProgramTotals>> {
    let month = Month::of(as_of);
    if as_of == month.last_day() {
        return month_totals(conn, month, program);
    }
    let mut stmt = conn.prepare_cached(
        "WITH s AS (SELECT program_id, paid_fen AS paid, committed_fen AS committed, paid_count AS pc,
                           row_count AS n, last_paid AS lp
                    FROM program_month WHERE month < ?1 AND (?4 IS NULL OR program_id = ?4)
                    UNION ALL
                    SELECT d.program_id,
                           CASE WHEN d.status = 'paid' THEN d.amount_fen ELSE 0 END,
                           CASE WHEN d.status IN ('pending', 'approved') THEN d.amount_fen ELSE 0 END,
                           d.status = 'paid',
                           1,
                           CASE WHEN d.status = 'paid' AND d.amount_fen > 0 THEN d.date END
                    FROM program p CROSS JOIN disbursement d
                         ON d.program_id = p.id AND d.date >= ?2 AND d.date <= ?3
                    WHERE ?4 IS NULL OR p.id = ?4)
         SELECT program_id, SUM(paid), SUM(committed), SUM(pc), SUM(n), MAX(lp)
         FROM s GROUP BY program_id ORDER BY program_id",
    )?;
    let rows = stmt.query_map(
        params![
            month.to_string(),
            iso(month.first_day()),
            iso(as_of),
            program
        ],
        totals_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The stored row of one program and month, if any.
pub fn get(conn: &Connection, program_id: i64, month: Month) -> Result<Option<MonthFigures>> {
    let found = conn
        .prepare_cached(
            "SELECT paid_fen, committed_fen, paid_count, row_count, last_paid
             FROM program_month WHERE program_id = ?1 AND month = ?2",
        )?
        .query_row(params![program_id, month.to_string()], |r| {
            Ok(MonthFigures {
                program_id,
                month,
                paid: r.get(0)?,
                committed: r.get(1)?,
                paid_count: r.get(2)?,
                rows: r.get(3)?,
                last_paid: opt_date(r.get(4)?),
            })
        })
        .optional()?;
    Ok(found)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::credit_code::CreditCode;
    use crate::db::open_in_memory;
    use crate::gen::{generate, load_dir, GenConfig};
    use crate::model::{Role, Size};
    use crate::repo::write::*;
    use crate::users::Actor;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date(s).unwrap()
    }

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    /// A generated data set (reversals, every status, two fiscal years) in memory,
    /// loaded row by row (the triggers keep the summary).
    pub(crate) fn generated() -> Connection {
        let dir = tempfile::tempdir().unwrap();
        generate(
            &GenConfig {
                rows: 6_000,
                programs: 50,
                enterprises: 800,
                seed: 5,
            },
            dir.path(),
        )
        .unwrap();
        let conn = open_in_memory().unwrap();
        load_dir(&conn, dir.path());
        conn
    }

    /// (program, month) → (paid, committed, paid count, rows, last paid)
    type Table = BTreeMap<(i64, String), (i64, i64, i64, i64, Option<String>)>;

    /// The program × month figures computed in Rust from the raw rows.
    fn by_hand(conn: &Connection) -> Table {
        let mut out: Table = BTreeMap::new();
        let mut stmt = conn
            .prepare("SELECT program_id, date, status, amount_fen FROM disbursement")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (p, date, status, fen) = row.unwrap();
            let e = out.entry((p, date[..7].to_string())).or_default();
            match status.as_str() {
                "paid" => {
                    e.0 += fen;
                    e.2 += 1;
                    if fen > 0 && e.4.as_deref().is_none_or(|l| l < date.as_str()) {
                        e.4 = Some(date.clone());
                    }
                }
                "pending" | "approved" => e.1 += fen,
                _ => {}
            }
            e.3 += 1;
        }
        out
    }

    fn stored(conn: &Connection) -> Table {
        months(conn, m("1990-01"), m("2200-12"))
            .unwrap()
            .into_iter()
            .map(|f| {
                (
                    (f.program_id, f.month.to_string()),
                    (
                        f.paid.0,
                        f.committed.0,
                        f.paid_count,
                        f.rows,
                        f.last_paid.map(iso),
                    ),
                )
            })
            .collect()
    }

    /// The stored table equals the figures computed from the rows, and equals what a
    /// fresh [`rebuild`] writes (tried in a savepoint, rolled back). Returns the table.
    pub(crate) fn assert_summary_right(conn: &Connection, after: &str) -> usize {
        let table = stored(conn);
        assert_eq!(table, by_hand(conn), "program_month after {after}");
        conn.execute_batch("SAVEPOINT fresh").unwrap();
        rebuild(conn).unwrap();
        let fresh = stored(conn);
        conn.execute_batch("ROLLBACK TO fresh; RELEASE fresh")
            .unwrap();
        assert_eq!(table, fresh, "program_month after {after} vs a rebuild");
        assert!(is_fresh(conn).unwrap());
        table.len()
    }

    fn trigger_count(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'program_month_*'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn triggers_keep_the_table_while_rows_are_loaded() {
        let conn = generated();
        assert_eq!(trigger_count(&conn), 3);
        assert!(assert_summary_right(&conn, "loading 6,000 rows") > 500);
        // a rebuild replaces, never doubles
        let n = rebuild(&conn).unwrap();
        assert_eq!(n as usize, by_hand(&conn).len());
        rebuild(&conn).unwrap();
        assert_summary_right(&conn, "two rebuilds");
    }

    /// The direct definition: every row dated ≤ `as_of`, by program.
    fn direct_totals(conn: &Connection, as_of: NaiveDate) -> Vec<ProgramTotals> {
        let mut stmt = conn
            .prepare(
                "SELECT program_id, SUM(CASE WHEN status = 'paid' THEN amount_fen ELSE 0 END),
                        SUM(CASE WHEN status IN ('pending', 'approved') THEN amount_fen ELSE 0 END),
                        SUM(status = 'paid'), COUNT(*),
                        MAX(CASE WHEN status = 'paid' AND amount_fen > 0 THEN date END)
                 FROM disbursement WHERE date <= ?1 GROUP BY program_id ORDER BY program_id",
            )
            .unwrap();
        let rows = stmt.query_map([iso(as_of)], totals_from_row).unwrap();
        rows.map(|r| r.unwrap()).collect()
    }

    #[test]
    fn totals_as_of_any_day_match_a_direct_scan() {
        let conn = generated();
        let mut days = Vec::new();
        let mut month = m("2023-12");
        while month <= m("2026-02") {
            let first = month.first_day();
            for n in [0, 1, 14, 16, 27] {
                days.push(first + chrono::Duration::days(n));
            }
            days.push(month.last_day());
            days.push(month.last_day().pred_opt().unwrap());
            month = month.next();
        }
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM program ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for day in days {
            let direct = direct_totals(&conn, day);
            assert_eq!(
                program_totals_as_of(&conn, day).unwrap(),
                direct,
                "as of {day}"
            );
            // one program at a time: the same totals, zeros for a program with no rows yet
            for &id in &ids {
                let one = program_totals_of(&conn, id, day).unwrap();
                match direct.iter().find(|t| t.program_id == id) {
                    Some(t) => assert_eq!(&one, t, "program {id} as of {day}"),
                    None => assert_eq!(
                        (
                            one.program_id,
                            one.paid,
                            one.committed,
                            one.rows,
                            one.last_paid
                        ),
                        (id, Money::ZERO, Money::ZERO, 0, None),
                        "program {id} as of {day}"
                    ),
                }
            }
        }
    }

    #[test]
    fn monthly_paid_is_zero_filled_and_adds_up() {
        let conn = generated();
        let series = monthly_paid(&conn, None, m("2023-11"), m("2026-02")).unwrap();
        assert_eq!(series.len(), 28);
        assert_eq!(series[0], (m("2023-11"), Money(0)));
        assert_eq!(series[27], (m("2026-02"), Money(0)));
        let total: i64 = series.iter().map(|(_, p)| p.0).sum();
        let direct: i64 = conn
            .query_row(
                "SELECT SUM(amount_fen) FROM disbursement WHERE status = 'paid'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(total, direct);
        assert!(
            series[2..26].iter().all(|(_, p)| p.0 > 0),
            "every month of 2024–2025 paid something"
        );
        // one program's series
        let one = monthly_paid(&conn, Some(1), m("2025-01"), m("2025-12")).unwrap();
        let direct_one: i64 = conn
            .query_row(
                "SELECT coalesce(SUM(amount_fen), 0) FROM disbursement
                 WHERE status = 'paid' AND program_id = 1 AND date BETWEEN '2025-01-01' AND '2025-12-31'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(one.iter().map(|(_, p)| p.0).sum::<i64>(), direct_one);
    }

    fn one_program() -> (Connection, i64, CreditCode) {
        let conn = open_in_memory().unwrap();
        let pid = insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
        let code = CreditCode::complete("91530428MA6K00000").unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code.clone(),
                name: "元江县澧江街道恒达建材有限公司".into(),
                size: Size::Small,
                industry: "建筑业".into(),
                township: "澧江街道".into(),
                contact: "白建华".into(),
            },
        )
        .unwrap();
        (conn, pid, code)
    }

    /// Raw SQL (as a clerk's sqlite3 session would write): the triggers follow it.
    #[test]
    fn triggers_follow_the_life_of_a_payment() {
        let (conn, pid, code) = one_program();
        let insert = |v: &str, date: &str, status: Status, fen: i64, rev: Option<&str>| {
            insert_disbursement(
                &conn,
                &NewDisbursement {
                    voucher_no: v.into(),
                    program_code: "WG2025".into(),
                    credit_code: code.to_string(),
                    amount: Money(fen),
                    date: d(date),
                    status,
                    entered_by: "李娟".into(),
                    approved_by: String::new(),
                    reverses: rev.map(Into::into),
                    note: String::new(),
                },
            )
            .unwrap();
        };
        let sql = |q: &str| {
            conn.execute(q, []).unwrap();
        };
        insert("PZ1", "2025-03-05", Status::Pending, 120_000_00, None);
        sql("UPDATE disbursement SET status = 'approved', approved_by = '杨建国' WHERE voucher_no = 'PZ1'");
        sql("UPDATE disbursement SET status = 'paid' WHERE voucher_no = 'PZ1'");
        insert("PZ2", "2025-03-20", Status::Pending, 8_000_00, None);
        sql("UPDATE disbursement SET status = 'rejected' WHERE voucher_no = 'PZ2'");
        insert("PZ3", "2025-04-02", Status::Pending, 5_000_00, None);
        assert_summary_right(&conn, "insert, approve, pay, reject");
        // a pending row moved to another month, its amount changed, then deleted
        sql("UPDATE disbursement SET date = '2025-05-09', amount_fen = 6000000 WHERE voucher_no = 'PZ3'");
        assert_eq!(
            get(&conn, pid, m("2025-04")).unwrap(),
            None,
            "PZ3 moved away"
        );
        assert_eq!(
            get(&conn, pid, m("2025-05")).unwrap().unwrap().committed,
            Money(60_000_00)
        );
        sql("DELETE FROM disbursement WHERE voucher_no = 'PZ3'");
        assert_eq!(get(&conn, pid, m("2025-05")).unwrap(), None, "PZ3 deleted");
        // the March payment reversed in June (冲销)
        insert("PZ4", "2025-06-01", Status::Paid, -120_000_00, Some("PZ1"));
        // a statement that touches no summed column changes nothing
        sql("UPDATE disbursement SET note = '补录备注' WHERE status <> 'paid'");
        assert_summary_right(&conn, "move, delete, reverse");

        let march = get(&conn, pid, m("2025-03")).unwrap().unwrap();
        assert_eq!(march.paid, Money(120_000_00));
        assert_eq!(march.committed, Money(0));
        assert_eq!(march.rows, 2);
        assert_eq!(march.last_paid, Some(d("2025-03-05")));
        let june = get(&conn, pid, m("2025-06")).unwrap().unwrap();
        assert_eq!(june.paid, Money(-120_000_00));
        assert_eq!(june.last_paid, None, "a reversal is not a payment");
        assert_eq!(
            program_totals(&conn, m("2025-12")).unwrap()[0].paid,
            Money(0)
        );
        // a refused write (paid rows are immutable) leaves the table as it was
        let before = stored(&conn);
        assert!(conn
            .execute("DELETE FROM disbursement WHERE voucher_no = 'PZ1'", [])
            .is_err());
        assert_eq!(stored(&conn), before);
    }

    #[test]
    fn suspended_triggers_and_deltas_write_the_same_table() {
        let conn = generated();
        let tx = conn.unchecked_transaction().unwrap();
        let suspended = suspend_triggers(&tx).unwrap();
        assert_eq!(trigger_count(&tx), 0);
        let mut deltas = Deltas::default();
        // rows written behind the triggers' back, summed by the writer
        let mut stmt = tx
            .prepare(
                "SELECT program_id, enterprise_id, amount_fen, date, status FROM disbursement
                 WHERE reverses_id IS NULL AND status <> 'rejected' ORDER BY (id * 7919) % 6007 LIMIT 300",
            )
            .unwrap();
        let rows: Vec<(i64, i64, i64, String, Status)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        drop(stmt);
        for (k, (pid, eid, fen, date, status)) in rows.iter().enumerate() {
            // shifted into 2026-03 so that new months appear too
            let date = if k % 3 == 0 {
                format!("2026-03{}", &date[7..])
            } else {
                date.clone()
            };
            tx.execute(
                "INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![format!("X{k}"), pid, eid, fen, date, status],
            )
            .unwrap();
            deltas.add(
                &RowKey {
                    program_id: *pid,
                    date: &date,
                    status: *status,
                    amount_fen: *fen,
                },
                1,
            );
        }
        // an update: the old row out, the new one in
        let (pid, _, fen, date, status) = rows
            .iter()
            .find(|r| r.4 == Status::Pending)
            .cloned()
            .unwrap();
        let id: i64 = tx
            .query_row(
                "SELECT id FROM disbursement WHERE program_id = ?1 AND date = ?2 AND status = 'pending' AND amount_fen = ?3 LIMIT 1",
                params![pid, date, fen],
                |r| r.get(0),
            )
            .unwrap();
        tx.execute(
            "UPDATE disbursement SET status = 'rejected', date = '2026-04-01' WHERE id = ?1",
            [id],
        )
        .unwrap();
        let old = RowKey {
            program_id: pid,
            date: &date,
            status,
            amount_fen: fen,
        };
        deltas.add(&old, -1);
        deltas.add(
            &RowKey {
                date: "2026-04-01",
                status: Status::Rejected,
                ..old
            },
            1,
        );
        assert!(!is_fresh(&tx).unwrap(), "nothing written yet");
        resume_triggers(&tx, suspended, &deltas).unwrap();
        assert_eq!(trigger_count(&tx), 3);
        assert_summary_right(&tx, "a bulk write with deltas");
        tx.commit().unwrap();
    }

    /// Every write path of the application leaves the table equal to a fresh rebuild:
    /// the ledger's life cycle, an edit, a raw delete, imports (row by row and bulk),
    /// an upsert, and a restore of a version-1 backup.
    #[test]
    fn every_write_path_keeps_the_table_right() {
        use crate::import::{import_bytes, Options};
        use crate::ledger::*;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("直达.db");
        let mut conn = crate::db::open(&path).unwrap();
        let boss = Actor::load(&conn, "王科长").unwrap();
        crate::users::set_user(&mut conn, &boss, "王科长", Role::Supervisor).unwrap();
        crate::users::set_user(&mut conn, &boss, "小张", Role::Clerk).unwrap();
        let clerk = Actor::load(&conn, "小张").unwrap();
        let boss = Actor::load(&conn, "王科长").unwrap();
        add_program(
            &mut conn,
            &boss,
            &NewProgram::new("WG2025", "稳岗返还", 2025),
        )
        .unwrap();
        add_program(
            &mut conn,
            &boss,
            &NewProgram::new("KJ2025", "科技创新券", 2025),
        )
        .unwrap();
        let codes: Vec<CreditCode> = (1..=3)
            .map(|n| CreditCode::complete(&format!("91530428MA6K{n:05}")).unwrap())
            .collect();
        for (c, name) in codes.iter().zip([
            "元江县澧江街道甘蔗种植专业合作社",
            "元江县甘庄街道芒果种植有限公司",
            "元江县因远镇红河谷食品有限公司",
        ]) {
            add_enterprise(
                &mut conn,
                &boss,
                &NewEnterprise {
                    credit_code: c.clone(),
                    name: name.into(),
                    size: Size::Small,
                    industry: "农业".into(),
                    township: "澧江街道".into(),
                    contact: "张三".into(),
                },
            )
            .unwrap();
        }
        let input = |v: &str, fen: i64, date: &str| DisbursementInput {
            voucher_no: v.into(),
            program_code: "WG2025".into(),
            credit_code: codes[0].to_string(),
            amount: Money(fen),
            date: d(date),
            note: "稳岗返还".into(),
        };
        new_disbursement(&mut conn, &clerk, &input("L1", 12_000_00, "2025-03-05")).unwrap();
        assert_summary_right(&conn, "new");
        approve(&mut conn, &boss, "L1").unwrap();
        assert_summary_right(&conn, "approve");
        pay(&mut conn, &clerk, "L1").unwrap();
        assert_summary_right(&conn, "pay");
        new_disbursement(&mut conn, &clerk, &input("L2", 3_000_00, "2025-03-09")).unwrap();
        reject(&mut conn, &boss, "L2", "材料不全").unwrap();
        assert_summary_right(&conn, "reject");
        reverse(&mut conn, &boss, "L1", d("2025-04-01"), "L1-冲", "重复拨付").unwrap();
        assert_summary_right(&conn, "reverse");
        new_disbursement(&mut conn, &clerk, &input("L3", 5_000_00, "2025-04-20")).unwrap();
        let edit = DisbursementEdit {
            amount: Money(7_500_00),
            date: d("2025-05-02"),
            note: "改期".into(),
        };
        edit_pending(&mut conn, &clerk, "L3", &edit).unwrap();
        assert_summary_right(&conn, "edit");
        conn.execute("DELETE FROM disbursement WHERE voucher_no = 'L3'", [])
            .unwrap();
        assert_summary_right(&conn, "delete");

        let header =
            "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n";
        let small = format!(
            "{header}I1,KJ2025,{c1},2000.00,2025-06-03,pending,小张,,,\n\
             I2,KJ2025,{c2},3000.00,2025-06-04,paid,小张,王科长,,\n\
             I3,WG2025,{c2},1500.50,2025-07-01,approved,小张,王科长,,\n\
             I2-冲,KJ2025,{c2},-3000.00,2025-07-02,paid,王科长,,I2,\n",
            c1 = codes[1],
            c2 = codes[2]
        );
        let opts = Options::default();
        import_bytes(
            &mut conn,
            &boss,
            "disbursements.csv",
            small.as_bytes(),
            None,
            &opts,
        )
        .unwrap();
        assert_summary_right(&conn, "import");
        assert_eq!(trigger_count(&conn), 3, "import puts the triggers back");
        let upsert = format!(
            "{header}I1,WG2025,{c1},2500.00,2025-08-15,approved,小张,王科长,,改项目\n\
             I3,WG2025,{c2},1500.50,2025-07-01,rejected,小张,王科长,,退回\n\
             I4,KJ2025,{c1},800.00,2025-08-16,paid,小张,王科长,,\n",
            c1 = codes[1],
            c2 = codes[2]
        );
        let up = Options {
            upsert: true,
            ..Options::default()
        };
        let s = import_bytes(
            &mut conn,
            &boss,
            "d2.csv",
            upsert.as_bytes(),
            Some(crate::import::Kind::Disbursements),
            &up,
        )
        .unwrap();
        assert_eq!((s.updated, s.inserted), (2, 1));
        assert_summary_right(&conn, "upsert");
        // a refused file (bad row) and a dry run change nothing
        let before = stored(&conn);
        let bad = format!(
            "{header}I9,WG2025,{},1.001,2025-09-01,paid,小张,王科长,,\n",
            codes[0]
        );
        assert!(import_bytes(
            &mut conn,
            &boss,
            "d3.csv",
            bad.as_bytes(),
            Some(crate::import::Kind::Disbursements),
            &opts
        )
        .is_err());
        let dry = Options {
            dry_run: true,
            ..Options::default()
        };
        let good = format!(
            "{header}I9,WG2025,{},100.00,2025-09-01,paid,小张,王科长,,\n",
            codes[0]
        );
        import_bytes(
            &mut conn,
            &boss,
            "d4.csv",
            good.as_bytes(),
            Some(crate::import::Kind::Disbursements),
            &dry,
        )
        .unwrap();
        assert_eq!(stored(&conn), before);
        assert_eq!(trigger_count(&conn), 3);
        assert_summary_right(&conn, "a refused file and a dry run");

        // a backup from schema version 1 (no triggers, program_month never written)
        let old = dir.path().join("v1.db");
        {
            let v1 = Connection::open(&old).unwrap();
            v1.execute_batch(crate::db::SCHEMA_V1).unwrap();
            v1.pragma_update(None, "user_version", 1).unwrap();
            v1.execute_batch(
                "INSERT INTO program (code, name, level, fiscal_year) VALUES ('WG2024', '稳岗返还', 'county', 2024);
                 INSERT INTO enterprise (credit_code, name, size) VALUES ('91530428MA6LTE2E4Q', '元江县示例农业科技有限公司', 'small');
                 INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status)
                 VALUES ('O1', 1, 1, 100000, '2024-05-01', 'paid'), ('O2', 1, 1, 50000, '2024-05-20', 'pending'),
                        ('O3', 1, 1, 70000, '2024-06-02', 'paid');",
            )
            .unwrap();
            assert_eq!(
                v1.query_row("SELECT count(*) FROM program_month", [], |r| r
                    .get::<_, i64>(0))
                    .unwrap(),
                0
            );
        }
        crate::backup::restore_from(&mut conn, &path, &old, &boss).unwrap();
        assert_eq!(assert_summary_right(&conn, "restore of a v1 backup"), 2);
        assert_eq!(trigger_count(&conn), 3);
        // and the restored file goes on being kept right
        conn.execute(
            "UPDATE disbursement SET status = 'approved' WHERE voucher_no = 'O2'",
            [],
        )
        .unwrap();
        assert_summary_right(&conn, "a write after the restore");
    }
}
