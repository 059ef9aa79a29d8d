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
use crate::dates::{iso, iso_day_number};
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
    /// sorted by (enterprise_id, day, voucher_no): in [`scan_each`]'s calls one
    /// enterprise's rows, in [`scan`]'s result all of them
    pub rows: Vec<Row>,
    /// the rows' vouchers end to end (UTF-8, checked)
    vouchers: Vec<u8>,
    enterprises: FastMap<i64, (String, u8)>,
    pub as_of_day: i32,
    pub sums: Vec<Sums>,
}

impl ScanData {
    pub fn voucher(&self, r: &Row) -> &str {
        let start = r.v_off as usize;
        self.vouchers
            .get(start..start + r.v_len as usize)
            .and_then(|v| std::str::from_utf8(v).ok())
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
///
/// `each` is called with every enterprise's rows as soon as they are read (in
/// `data.rows`; the rules look at one enterprise at a time), so that only one
/// enterprise's rows are ever held: at 1M rows holding them all took 34 MB per share,
/// whose first touch (page faults) cost more than the rules that read them. Returns the
/// rest (the programs, the sums) with no rows.
pub(super) fn scan_each(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
    mut each: impl FnMut(&ScanData),
) -> Result<ScanData> {
    let (lo, hi) = match enterprise {
        Some(id) => (id, id),
        None => share_range(conn, share)?,
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

    let mut data = ScanData {
        programs,
        groups,
        rows: Vec::new(),
        vouchers: Vec::new(),
        enterprises,
        as_of_day: ctx.as_of.num_days_from_ce(),
        sums: Vec::new(),
    };
    // the ORDER BY is the index's own: SQLite reads the range in order and sorts nothing
    // (a test holds the plan to that)
    let mut q = crate::raw::RawQuery::new(conn, SCAN_SQL)?;
    q.bind_int(1, lo)?;
    q.bind_int(2, hi)?;
    let mut sums = vec![Sums::default(); all.len()];
    let bad = |what: &str| Error::invalid(format!("disbursement: {what}"));
    // the rows the current enterprise's reversals cancel
    let mut reversed: Vec<i64> = Vec::new();
    // one enterprise's rows complete: marked, checked (the vouchers' bytes as UTF-8 in
    // one go) and handed to `each`
    let mut flush = |data: &mut ScanData, reversed: &mut Vec<i64>| -> Result<()> {
        mark_reversed(&mut data.rows, reversed);
        std::str::from_utf8(&data.vouchers).map_err(|_| bad("voucher_no"))?;
        each(data);
        data.rows.clear();
        data.vouchers.clear();
        Ok(())
    };
    while let Some(r) = q.next()? {
        // id, enterprise_id, program_id: INTEGER PRIMARY KEY and NOT NULL foreign keys
        let id = r.int_unchecked(0);
        let enterprise_id = r.int_unchecked(1);
        if data
            .rows
            .first()
            .is_some_and(|first| first.enterprise_id != enterprise_id)
        {
            flush(&mut data, &mut reversed)?;
        }
        let pid = r.int_unchecked(2);
        let Some(&prog) = usize::try_from(pid).ok().and_then(|i| prog_index.get(i)) else {
            continue;
        };
        if prog == u32::MAX {
            continue;
        }
        let amount = r.int(3).ok_or_else(|| bad("amount_fen"))?;
        let date = r.text_column(4).ok_or_else(|| bad("date"))?;
        let (day, year) = iso_day_number(date).ok_or_else(|| bad("date"))?;
        // dated after D: not read at all (the index gives every date of an enterprise's
        // rows anyway; the test here costs less than SQLite's comparison of the texts)
        if day > data.as_of_day {
            continue;
        }
        let sum = &mut sums[prog as usize];
        sum.count += 1;
        let status = match r.text_column(5) {
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
        let v = r.text_column(7).ok_or_else(|| bad("voucher_no"))?;
        let v_off = data.vouchers.len() as u32;
        data.vouchers.extend_from_slice(v);
        data.rows.push(Row {
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
    if !data.rows.is_empty() {
        flush(&mut data, &mut reversed)?;
    }
    data.sums = sums;
    Ok(data)
}

/// [`scan_each`] with every row kept, in order (the tests look at them).
#[cfg(test)]
pub(super) fn scan(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
) -> Result<ScanData> {
    let (mut rows, mut vouchers) = (Vec::new(), Vec::new());
    let mut data = scan_each(conn, ctx, all, enterprise, share, |run| {
        for r in &run.rows {
            let v = &run.vouchers[r.v_off as usize..(r.v_off + r.v_len) as usize];
            rows.push(Row {
                v_off: vouchers.len() as u32,
                ..*r
            });
            vouchers.extend_from_slice(v);
        }
    })?;
    (data.rows, data.vouchers) = (rows, vouchers);
    Ok(data)
}

/// What [`scan_each`] reads: a range of enterprises, in the rules' order (the rows dated
/// after D are skipped as they are read).
/// `ix_disb_enterprise_date` holds every one of these columns (SELF_APPROVED's test as an
/// indexed expression), so SQLite never reads the table. Read through [`super::raw`]:
/// through rusqlite each value cost three calls into SQLite, a third of the scan.
pub(super) const SCAN_SQL: &str =
    "SELECT id, enterprise_id, program_id, amount_fen, date, status, reverses_id, voucher_no,
            (approved_by <> '' AND approved_by = entered_by)
     FROM disbursement
     WHERE enterprise_id BETWEEN ?1 AND ?2
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
