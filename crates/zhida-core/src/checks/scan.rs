//! The one pass over `disbursement` that feeds every rule: the rows dated ≤ D read from
//! the covering index `ix_disb_enterprise_date` in (enterprise, date, voucher_no) order,
//! which also sums the program figures (paid, committed, last payment — the same
//! definitions as `repo::figures`, checked by a test). Rejected rows count nowhere. No
//! query per program or per enterprise, no sort: one read of a narrow index.

use std::collections::HashMap;

use foldhash::HashMap as FastMap;

use chrono::Datelike;
use rusqlite::{params, Connection};

use super::Ctx;
use crate::dates::iso;
use crate::error::{Error, Result};
use crate::model::{Program, Size, Status};
use crate::money::Money;
use crate::repo::figures::{execution_rate, time_progress, ProgramFigures};

/// What the rules need of a program, by its index in [`ScanData::programs`].
pub(super) struct ProgInfo {
    pub code: String,
    pub cap: Option<i64>,
    pub once_per_year: bool,
    /// index into [`ScanData::groups`]
    pub group: Option<u32>,
    /// bit per [`Size`]; 0 = every size
    pub eligible: u8,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub id: i64,
    pub enterprise_id: i64,
    pub prog: u32,
    /// days since 0001-01-01
    pub day: i32,
    pub year: i32,
    pub amount: i64,
    pub status: Status,
    /// live = pending/approved/paid, dated ≤ D, neither a reversal nor reversed by one dated ≤ D
    pub live: bool,
    pub self_approved: bool,
    v_off: u32,
    v_len: u32,
}

/// Per-program sums of the scan, in the order of the programs.
#[derive(Default, Clone, Copy)]
pub(super) struct Sums {
    paid: i64,
    committed: i64,
    last_paid_day: Option<i32>,
    count: i64,
}

impl Sums {
    /// Add the sums of another share of the rows.
    pub fn add(&mut self, o: &Sums) {
        self.paid += o.paid;
        self.committed += o.committed;
        self.count += o.count;
        self.last_paid_day = self.last_paid_day.max(o.last_paid_day);
    }
}

pub(super) struct ScanData {
    pub programs: Vec<ProgInfo>,
    pub groups: Vec<String>,
    /// sorted by (enterprise_id, day, voucher_no)
    pub rows: Vec<Row>,
    vouchers: String,
    enterprises: FastMap<i64, (String, u8)>,
    pub as_of_day: i32,
    pub sums: Vec<Sums>,
}

impl ScanData {
    pub fn voucher(&self, r: &Row) -> &str {
        let start = r.v_off as usize;
        self.vouchers
            .get(start..start + r.v_len as usize)
            .unwrap_or("")
    }

    pub fn credit_code(&self, enterprise_id: i64) -> &str {
        self.enterprises
            .get(&enterprise_id)
            .map(|e| e.0.as_str())
            .unwrap_or("")
    }

    /// the enterprise's size bit (0 when unknown)
    pub fn size_bit(&self, enterprise_id: i64) -> u8 {
        self.enterprises
            .get(&enterprise_id)
            .map(|e| e.1)
            .unwrap_or(0)
    }
}

pub(super) fn size_bit(s: Size) -> u8 {
    1 << (s as u8)
}

/// Days since 0001-01-01 and the year of an ISO date, without allocating.
fn parse_day(b: &[u8]) -> Option<(i32, i32)> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(&b[..4])? as i32, num(&b[5..7])?, num(&b[8..])?);
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d)?;
    Some((date.num_days_from_ce(), y))
}

/// Every program, ordered by code.
pub(super) fn load_programs(conn: &Connection) -> Result<Vec<Program>> {
    crate::repo::figures::all_programs(conn)
}

/// `enterprise`: only that enterprise's rows. A reversal carries the program and
/// enterprise of the row it reverses (ledger and import both insist), so the enterprise's
/// own rows tell which of them are reversed. The per-program sums are then that
/// enterprise's only: callers skip the program figures.
///
/// `share` = (k, n): only the enterprises in the k-th of n equal ranges of enterprise ids
/// ([`share_range`]; n = 1: all). Every rule looks at one enterprise's rows at a time, so
/// n scans of one share each find what one scan of all rows finds, holding a 1/n of the
/// rows at a time (the TUI's background checks), and each reads only its range of the
/// index: n passes cost about what one does.
///
/// The rows come from `ix_disb_enterprise_date`, which covers every column read here and
/// is ordered as the rules walk the rows, (enterprise, date, voucher_no): a range of a
/// narrow index instead of the whole table, and no sort afterwards.
pub(super) fn scan(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
) -> Result<ScanData> {
    let (lo, hi) = match enterprise {
        Some(id) => (id, id),
        None => share_range(conn, share)?,
    };
    // sized once: growing a 50 MB vector by doubling copies it again and again
    let expected = if enterprise.is_some() {
        0
    } else {
        row_counts(conn, ctx.as_of)?.min(1 << 26) / share.1.max(1) as usize
    };
    let mut groups: Vec<String> = Vec::new();
    // program id → index; ids are small integers, so a dense table beats hashing per row
    let max_id = all
        .iter()
        .map(|p| p.id)
        .max()
        .unwrap_or(0)
        .clamp(0, 10_000_000) as usize;
    let mut prog_index: Vec<u32> = vec![u32::MAX; max_id + 1];
    let mut programs = Vec::with_capacity(all.len());
    for (i, p) in all.iter().enumerate() {
        let group = p
            .exclusive_group
            .as_ref()
            .map(|g| match groups.iter().position(|x| x == g) {
                Some(i) => i as u32,
                None => {
                    groups.push(g.clone());
                    (groups.len() - 1) as u32
                }
            });
        if let Some(slot) = usize::try_from(p.id)
            .ok()
            .and_then(|i| prog_index.get_mut(i))
        {
            *slot = i as u32;
        }
        programs.push(ProgInfo {
            code: p.code.clone(),
            cap: p.cap_per_enterprise.map(|m| m.0),
            once_per_year: p.once_per_year,
            group,
            eligible: p.eligible_sizes.iter().fold(0, |acc, s| acc | size_bit(*s)),
        });
    }

    let mut enterprises = FastMap::default();
    {
        let mut stmt = conn
            .prepare("SELECT id, credit_code, size FROM enterprise WHERE id BETWEEN ?1 AND ?2")?;
        let mut q = stmt.query(params![lo, hi])?;
        while let Some(r) = q.next()? {
            let size: Size = r.get(2)?;
            enterprises.insert(
                r.get::<_, i64>(0)?,
                (r.get::<_, String>(1)?, size_bit(size)),
            );
        }
    }

    let mut rows: Vec<Row> = Vec::with_capacity(expected);
    let mut vouchers = String::with_capacity(expected * 12);
    // the ORDER BY is the index's own: SQLite reads the range in order and sorts nothing
    // (a test holds the plan to that)
    let mut q = crate::raw::RawQuery::new(conn, SCAN_SQL)?;
    q.bind_int(1, lo)?;
    q.bind_int(2, hi)?;
    q.bind_text(3, &iso(ctx.as_of))?;
    let mut sums = vec![Sums::default(); all.len()];
    let bad = |what: &str| Error::invalid(format!("disbursement: {what}"));
    // the rows the current enterprise's reversals cancel, and where its rows begin
    let mut reversed: Vec<i64> = Vec::new();
    let mut run_start = 0;
    while let Some(r) = q.next()? {
        // id, enterprise_id, program_id: INTEGER PRIMARY KEY and NOT NULL foreign keys
        let id = r.int_unchecked(0);
        let enterprise_id = r.int_unchecked(1);
        if rows
            .get(run_start)
            .is_some_and(|first| first.enterprise_id != enterprise_id)
        {
            mark_reversed(&mut rows[run_start..], &mut reversed);
            run_start = rows.len();
        }
        let pid = r.int_unchecked(2);
        let Some(&prog) = usize::try_from(pid).ok().and_then(|i| prog_index.get(i)) else {
            continue;
        };
        if prog == u32::MAX {
            continue;
        }
        let amount = r.int(3).ok_or_else(|| bad("amount_fen"))?;
        let date = r.text(4).ok_or_else(|| bad("date"))?;
        let (day, year) = parse_day(date).ok_or_else(|| bad("date"))?;
        let sum = &mut sums[prog as usize];
        sum.count += 1;
        let status = match r.text(5) {
            Some(b"pending") => Status::Pending,
            Some(b"approved") => Status::Approved,
            Some(b"paid") => Status::Paid,
            _ => continue, // rejected: counts nowhere
        };
        if status == Status::Paid {
            sum.paid += amount;
            if amount > 0 && sum.last_paid_day.is_none_or(|l| l < day) {
                sum.last_paid_day = Some(day);
            }
        } else {
            sum.committed += amount;
        }
        let reversal = r.int(6);
        if let Some(orig) = reversal {
            reversed.push(orig);
        }
        let v = r
            .text(7)
            .and_then(|v| std::str::from_utf8(v).ok())
            .ok_or_else(|| bad("voucher_no"))?;
        let v_off = vouchers.len() as u32;
        vouchers.push_str(v);
        rows.push(Row {
            id,
            enterprise_id,
            prog,
            day,
            year,
            amount,
            status,
            live: reversal.is_none(),
            self_approved: r.int_unchecked(8) != 0,
            v_off,
            v_len: v.len() as u32,
        });
    }
    mark_reversed(&mut rows[run_start..], &mut reversed);
    Ok(ScanData {
        programs,
        groups,
        rows,
        vouchers,
        enterprises,
        as_of_day: ctx.as_of.num_days_from_ce(),
        sums,
    })
}

/// What [`scan`] reads: a range of enterprises, rows dated ≤ D, in the rules' order.
/// `ix_disb_enterprise_date` holds every one of these columns (SELF_APPROVED's test as an
/// indexed expression), so SQLite never reads the table. Read through [`super::raw`]:
/// through rusqlite each value cost three calls into SQLite, a third of the scan.
pub(super) const SCAN_SQL: &str =
    "SELECT id, enterprise_id, program_id, amount_fen, date, status, reverses_id, voucher_no,
            (approved_by <> '' AND approved_by = entered_by)
     FROM disbursement
     WHERE enterprise_id BETWEEN ?1 AND ?2 AND date <= ?3
     ORDER BY enterprise_id, date, voucher_no";

/// One enterprise's rows: those its reversals (`targets`, emptied) cancel are not live.
fn mark_reversed(run: &mut [Row], targets: &mut Vec<i64>) {
    if targets.is_empty() {
        return;
    }
    for row in run.iter_mut().filter(|r| targets.contains(&r.id)) {
        row.live = false;
    }
    targets.clear();
}

/// The enterprise ids of share k of n: the k-th of n equal ranges between the smallest
/// and the largest id (ids are given in order, so the ranges hold about as many
/// enterprises each). Together the n ranges hold every id, each once.
pub(super) fn share_range(conn: &Connection, (k, n): (u32, u32)) -> Result<(i64, i64)> {
    let n = n.max(1);
    let (min, max): (Option<i64>, Option<i64>) =
        conn.query_row("SELECT min(id), max(id) FROM enterprise", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (Some(min), Some(max)) = (min, max) else {
        return Ok((1, 0)); // no enterprises: an empty range
    };
    let width = i128::from(max) - i128::from(min) + 1;
    let at = |i: u32| (i128::from(min) + width * i128::from(i) / i128::from(n)) as i64;
    if k >= n {
        return Ok((1, 0));
    }
    // [at(k), at(k + 1) - 1]; the last share ends at max exactly
    let hi = if k + 1 == n { max } else { at(k + 1) - 1 };
    Ok((at(k), hi))
}

/// How many disbursements are dated in or before the month of `as_of` (from
/// the maintained program × month counts: well under a millisecond).
fn row_counts(conn: &Connection, as_of: chrono::NaiveDate) -> Result<usize> {
    let month = crate::dates::Month::of(as_of).to_string();
    let before: i64 = conn.query_row(
        "SELECT coalesce(SUM(row_count), 0) FROM program_month WHERE month <= ?1",
        [month],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(before).unwrap_or(0))
}

/// The program figures as of D from the scan's sums plus the (small) allocation and
/// recovery tables — equal to `repo::figures::program_figures`.
pub(super) fn figures(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    sums: &[Sums],
) -> Result<Vec<ProgramFigures>> {
    let d = iso(ctx.as_of);
    let mut alloc: HashMap<i64, (i64, String)> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT program_id, SUM(amount_fen), MIN(date) FROM allocation WHERE date <= ?1 GROUP BY program_id",
    )?;
    let mut q = stmt.query(params![d])?;
    while let Some(r) = q.next()? {
        alloc.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
    }
    let mut recovered: HashMap<i64, i64> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT program_id, SUM(amount_fen) FROM recovery WHERE date <= ?1 GROUP BY program_id",
    )?;
    let mut q = stmt.query(params![d])?;
    while let Some(r) = q.next()? {
        recovered.insert(r.get(0)?, r.get(1)?);
    }
    let from_day = |day: i32| chrono::NaiveDate::from_num_days_from_ce_opt(day);
    Ok(all
        .iter()
        .zip(sums)
        .map(|(p, s)| {
            let (budget, first) = alloc
                .get(&p.id)
                .map(|(b, f)| (Money(*b), crate::dates::parse_date(f).ok()))
                .unwrap_or((Money::ZERO, None));
            let rec = Money(recovered.get(&p.id).copied().unwrap_or(0));
            let paid = Money(s.paid);
            ProgramFigures {
                program: p.clone(),
                budget,
                paid,
                committed: Money(s.committed),
                recovered: rec,
                balance: budget - paid - rec,
                execution_rate: execution_rate(paid, budget),
                time_progress: time_progress(p.fiscal_year, ctx.as_of),
                last_paid: s.last_paid_day.and_then(from_day),
                first_allocation: first,
                disbursement_count: s.count,
            }
        })
        .collect())
}
