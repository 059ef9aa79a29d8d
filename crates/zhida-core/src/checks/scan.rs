//! The one pass over `disbursement` that feeds every rule: a sequential table scan of
//! the rows dated ≤ D, which also sums the program figures (paid, committed, last
//! payment — the same definitions as `repo::figures`, checked by a test), then one
//! in-memory sort by (enterprise, date, voucher_no). Rejected rows count nowhere. No
//! query per program or per enterprise; the cost is one full scan plus an O(n log n) sort.

use std::collections::{HashMap, HashSet};

use chrono::Datelike;
use rusqlite::types::ValueRef;
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
    /// a reversal row (冲销, negative)
    pub reversal: bool,
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
    enterprises: HashMap<i64, (String, u8)>,
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

/// `enterprise`: only that enterprise's rows (through its index). A reversal carries
/// the program and enterprise of the row it reverses (ledger and import both insist),
/// so the enterprise's own rows tell which of them are reversed. The per-program sums are
/// then that enterprise's only: callers skip the program figures.
///
/// `share` = (k, n): only the enterprises whose id is k modulo n (n = 1: all). Every rule
/// looks at one enterprise's rows at a time, so n scans of one share each find what one
/// scan of all rows finds, holding a 1/n of the rows at a time (the TUI's background
/// checks: memory against ~0.1 s per extra pass at 1M rows).
pub(super) fn scan(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
) -> Result<ScanData> {
    // all rows: straight through the table; without this SQLite walks ix_disb_date and
    // looks up every row from there (0.92 s instead of 0.67 s at 1M rows as of the last
    // month). The date index pays only when most rows lie after D, an enterprise's index
    // whenever one enterprise is asked for.
    let (before, after) = row_counts(conn, ctx.as_of)?;
    let path = if enterprise.is_some() || after > before {
        Path::Index
    } else {
        Path::Table
    };
    // sized once: growing a 50 MB vector by doubling copies it again and again
    let expected = if enterprise.is_some() {
        0
    } else {
        before.min(1 << 26) / share.1.max(1) as usize
    };
    scan_with(conn, ctx, all, enterprise, share, path, expected)
}

/// How [`scan_with`] reads the disbursements (the same rows either way; a test holds
/// it to that).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Path {
    /// the whole table, in rowid order
    Table,
    /// whichever index SQLite picks for the date (or enterprise) range
    Index,
}

pub(super) fn scan_with(
    conn: &Connection,
    ctx: &Ctx<'_>,
    all: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
    path: Path,
    expected: usize,
) -> Result<ScanData> {
    let (k, n) = (i64::from(share.0), i64::from(share.1.max(1)));
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

    let mut enterprises = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, credit_code, size FROM enterprise
             WHERE (?1 IS NULL OR id = ?1) AND id % ?2 = ?3",
        )?;
        let mut q = stmt.query(params![enterprise, n, k])?;
        while let Some(r) = q.next()? {
            let size: Size = r.get(2)?;
            enterprises.insert(
                r.get::<_, i64>(0)?,
                (r.get::<_, String>(1)?, size_bit(size)),
            );
        }
    }

    let mut reversed: HashSet<i64> = HashSet::new();
    let only = match (enterprise.is_some(), n > 1) {
        (true, _) => " AND enterprise_id = ?2",
        (false, true) => " AND enterprise_id % ?2 = ?3",
        (false, false) => "",
    };
    let path = match path {
        Path::Table => " NOT INDEXED",
        Path::Index => "",
    };
    let mut rows = Vec::with_capacity(expected);
    let mut vouchers = String::with_capacity(expected * 12);
    let mut stmt = conn.prepare(&format!(
        "SELECT id, enterprise_id, program_id, amount_fen, date, status, reverses_id, voucher_no,
                approved_by <> '' AND approved_by = entered_by
         FROM disbursement{path} WHERE date <= ?1{only}"
    ))?;
    let mut sums = vec![Sums::default(); all.len()];
    let mut q = match enterprise {
        Some(id) => stmt.query(params![iso(ctx.as_of), id])?,
        None if n > 1 => stmt.query(params![iso(ctx.as_of), n, k])?,
        None => stmt.query(params![iso(ctx.as_of)])?,
    };
    let bad = |what: &str| Error::invalid(format!("disbursement: {what}"));
    while let Some(r) = q.next()? {
        let id: i64 = r.get(0)?;
        let pid: i64 = r.get(2)?;
        let Some(&prog) = usize::try_from(pid).ok().and_then(|i| prog_index.get(i)) else {
            continue;
        };
        if prog == u32::MAX {
            continue;
        }
        let date = r.get_ref(4)?.as_bytes().map_err(|_| bad("date"))?;
        let (day, year) = parse_day(date).ok_or_else(|| bad("date"))?;
        let amount: i64 = r.get(3)?;
        let sum = &mut sums[prog as usize];
        sum.count += 1;
        let status = match r.get_ref(5)? {
            ValueRef::Text(b"pending") => Status::Pending,
            ValueRef::Text(b"approved") => Status::Approved,
            ValueRef::Text(b"paid") => Status::Paid,
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
        let reverses: Option<i64> = r.get(6)?;
        if let Some(orig) = reverses {
            reversed.insert(orig);
        }
        let v = r.get_ref(7)?.as_str().map_err(|_| bad("voucher_no"))?;
        let v_off = vouchers.len() as u32;
        vouchers.push_str(v);
        rows.push(Row {
            id,
            enterprise_id: r.get(1)?,
            prog,
            day,
            year,
            amount,
            status,
            reversal: reverses.is_some(),
            live: reverses.is_none(),
            self_approved: r.get::<_, i64>(8)? != 0,
            v_off,
            v_len: v.len() as u32,
        });
    }
    if !reversed.is_empty() {
        for row in &mut rows {
            row.live = !row.reversal && !reversed.contains(&row.id);
        }
    }
    // sort by (enterprise, day) packed into one integer, then order same-day runs of one
    // enterprise by voucher_no (rare, so the string comparisons stay few)
    let packable = rows
        .iter()
        .all(|r| (0..1 << 39).contains(&r.enterprise_id) && (0..1 << 24).contains(&r.day));
    if packable {
        rows.sort_unstable_by_key(|r| ((r.enterprise_id as u64) << 24) | r.day as u64);
    } else {
        rows.sort_unstable_by_key(|r| (r.enterprise_id, r.day));
    }
    let by_voucher = |r: &Row| {
        let s = r.v_off as usize;
        &vouchers.as_bytes()[s..s + r.v_len as usize]
    };
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len()
            && rows[j].enterprise_id == rows[i].enterprise_id
            && rows[j].day == rows[i].day
        {
            j += 1;
        }
        if j - i > 1 {
            rows[i..j].sort_unstable_by(|a, b| by_voucher(a).cmp(by_voucher(b)));
        }
        i = j;
    }
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

/// How many disbursements are dated in or before the month of `as_of`, and after it (from
/// the maintained program × month counts: well under a millisecond).
fn row_counts(conn: &Connection, as_of: chrono::NaiveDate) -> Result<(usize, usize)> {
    let month = crate::dates::Month::of(as_of).to_string();
    let (before, after): (i64, i64) = conn.query_row(
        "SELECT coalesce(SUM(row_count) FILTER (WHERE month <= ?1), 0),
                coalesce(SUM(row_count) FILTER (WHERE month > ?1), 0)
         FROM program_month",
        [month],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok((n(before), n(after)))
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
