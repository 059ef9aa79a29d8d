//! One loader per kind: validate each row with the core parsers, then insert it (or, with
//! `upsert`, update the existing row) through statements prepared once per file. Code →
//! id maps are loaded once; only reversals and key conflicts query the database per row.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};

use chrono::NaiveDate;

use crate::dates::{iso, IsoDay};
use crate::error::Error;
use crate::model::{Direction, Level, ProgramStatus, Reason, Status};
use crate::money::Money;
use crate::pinyin_keys::pinyin_keys;
use crate::raw::RawQuery;
use crate::repo::summary::{Deltas, RowKey};
use crate::repo::write::{self, NewEnterprise, NewProgram, NewRecovery};

use super::columns::{a, d, e, i, p, r, v, Header, Kind};
use super::fields::{EnterpriseIds, Fields, Stop};
use super::source::{Fatal, Records};
use super::Options;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Inserted,
    Updated,
    /// `upsert` of a row identical to the stored one
    Unchanged,
}

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Counts {
    /// One more record read; the progress callback hears every [`PROGRESS_EVERY`].
    fn read_one(&mut self, progress: &mut dyn FnMut(u64)) {
        self.read += 1;
        if self.read.is_multiple_of(PROGRESS_EVERY) {
            progress(self.read);
        }
    }

    fn tally(&mut self, o: Outcome) {
        match o {
            Outcome::Inserted => self.inserted += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// Collected row errors of one file, already formatted `file:line: column: reason`.
pub(crate) struct Errs {
    pub file: String,
    pub list: Vec<String>,
    pub total: usize,
}

impl Errs {
    pub fn push(&mut self, line: u64, column: Option<&str>, reason: &str) {
        self.total += 1;
        if self.list.len() < super::MAX_ERRORS {
            self.list.push(match column {
                Some(c) => format!("{}:{line}: {c}: {reason}", self.file),
                None => format!("{}:{line}: {reason}", self.file),
            });
        }
    }
}

/// Per-file state shared by the loaders.
pub(crate) struct Cx<'c> {
    pub conn: &'c Connection,
    pub opts: Options,
    pub closed: HashSet<String>,
    pub programs: super::fields::ProgramIds,
    pub enterprises: EnterpriseIds,
    /// largest id of the kind's table before this file: larger ids were written by it
    pub max_before: i64,
    /// ids updated by this file (a second update of the same key is a repeat)
    pub touched: HashSet<i64>,
    pub counts: Counts,
    /// program × month sums of the disbursements written (the summary triggers are
    /// suspended during a disbursement file, see `repo::summary`)
    pub summary: Deltas,
}

impl<'c> Cx<'c> {
    pub fn new(conn: &'c Connection, kind: Kind, opts: Options) -> crate::Result<Cx<'c>> {
        let closed = {
            let mut stmt = conn.prepare("SELECT month FROM period_close")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<HashSet<String>>>()?
        };
        let programs = if kind == Kind::Programs {
            Default::default()
        } else {
            code_map(conn, "SELECT code, id FROM program")?
        };
        let mut enterprises = EnterpriseIds::default();
        if matches!(kind, Kind::Disbursements | Kind::Recoveries) {
            let mut stmt = conn.prepare("SELECT credit_code, id FROM enterprise")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                enterprises.insert(r.get_ref(0)?.as_str().unwrap_or(""), r.get(1)?);
            }
        }
        let max_before: i64 = conn.query_row(
            &format!("SELECT coalesce(max(id), 0) FROM {}", kind.table()),
            [],
            |r| r.get(0),
        )?;
        Ok(Cx {
            conn,
            opts,
            closed,
            programs,
            enterprises,
            max_before,
            touched: HashSet::new(),
            counts: Counts::default(),
            summary: Deltas::default(),
        })
    }

    /// A key that already exists with id `id`: written earlier by this file → repeat.
    fn repeated(&self, id: i64) -> bool {
        id > self.max_before || self.touched.contains(&id)
    }
}

fn code_map(conn: &Connection, sql: &str) -> crate::Result<super::fields::ProgramIds> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<super::fields::ProgramIds>>()?)
}

/// Why a file stopped before its end.
pub(crate) enum Abort {
    Read(Fatal),
    Db(Error),
}

impl From<Fatal> for Abort {
    fn from(f: Fatal) -> Abort {
        Abort::Read(f)
    }
}

impl From<rusqlite::Error> for Abort {
    fn from(e: rusqlite::Error) -> Abort {
        Abort::Db(e.into())
    }
}

/// Run the loader of `kind` over every record.
pub(crate) fn load(
    kind: Kind,
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    match kind {
        Kind::Programs => programs(cx, recs, h, errs, progress),
        Kind::Enterprises => enterprises(cx, recs, h, errs, progress),
        Kind::Allocations => allocations(cx, recs, h, errs, progress),
        Kind::Disbursements => disbursements(cx, recs, h, errs, progress),
        Kind::Recoveries => recoveries(cx, recs, h, errs, progress),
        Kind::Evaluations => evaluations(cx, recs, h, errs, progress),
        Kind::Indicators => indicators(cx, recs, h, errs, progress),
    }
}

/// How often the progress callback hears about rows.
const PROGRESS_EVERY: u64 = 50_000;

fn each_row(
    counts: &mut Counts,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
    mut f: impl FnMut(&mut Fields) -> Result<Outcome, Stop>,
) -> Result<(), Abort> {
    while let Some(item) = recs.next()? {
        counts.read_one(progress);
        if let Some(problem) = &item.problem {
            errs.push(item.line, None, problem);
            continue;
        }
        let mut fl = Fields::new(item.rec, h);
        let outcome = f(&mut fl);
        settle(counts, errs, h, item.line, &fl, outcome)?;
    }
    progress(counts.read);
    Ok(())
}

/// What became of the row at `line`: counted, or its column errors (in `fl`) reported
/// under its line; a database failure ends the file.
fn settle(
    counts: &mut Counts,
    errs: &mut Errs,
    h: &Header,
    line: u64,
    fl: &Fields,
    outcome: Result<Outcome, Stop>,
) -> Result<(), Abort> {
    match outcome {
        Ok(o) => counts.tally(o),
        Err(Stop::Row) => {
            for (c, reason) in &fl.errs {
                errs.push(line, c.map(|c| h.shown[c].as_str()), reason);
            }
        }
        Err(Stop::Fatal(e)) => return Err(Abort::Db(e)),
    }
    Ok(())
}

/// Rows per message from the reading thread of [`each_row_pipelined`]: large enough that
/// the channel costs nothing per row, small enough that both threads start at once.
pub(super) const BATCH: usize = 1024;

/// Batches in flight between the two threads of [`each_row_pipelined`].
const IN_FLIGHT: usize = 4;

/// Records as the reading thread of [`each_row_pipelined`] hands them over. The batch
/// goes back to the reader once written, so its records' buffers are reused: no
/// allocation per row, and none freed on a thread other than the one that made it
/// (which costs glibc's allocator a lock per free).
struct Batch<T> {
    recs: Vec<csv::StringRecord>,
    /// per record: its line and what `check` made of it (Err: its column errors, or
    /// with None for the column a problem of the record itself: field count, quote)
    rows: Vec<(u64, RowErrs<T>)>,
}

type RowErrs<T> = Result<T, Vec<(Option<usize>, String)>>;

impl<T> Batch<T> {
    fn new() -> Batch<T> {
        Batch {
            recs: Vec::with_capacity(BATCH),
            rows: Vec::with_capacity(BATCH),
        }
    }
}

/// The database side of [`each_row_pipelined`].
trait Write<T> {
    /// Write one row; its column errors go to `fl`.
    fn one(&mut self, fl: &mut Fields, row: T) -> Result<Outcome, Stop>;

    /// Whether `row` may wait to be inserted together with others by [`Write::group`].
    fn groups(&self, row: &T) -> bool;

    /// Insert the rows (at most [`GROUP`]) in one statement, skipping each whose key is
    /// taken (stored, or earlier in the group); for each row, whether it was inserted.
    /// Those that were not then go through [`Write::one`], in file order, which reports
    /// them exactly as it would have without the group: a grouped row reads nothing a
    /// row after it in the group writes.
    fn group(&mut self, rows: &[Waiting<'_, T>]) -> crate::Result<Vec<bool>>;
}

/// Rows per multi-row insert. One statement per row spends as much in SQLite's per-step
/// work (cursors opened and closed, the VM halted) as in the insert itself: at 1M rows
/// 1.9 s one by one against 0.9 s in groups of 32 (64 is no faster, 16 is 15 % slower).
const GROUP: usize = 32;

/// A checked row waiting for its group's insert.
struct Waiting<'r, T> {
    line: u64,
    fl: Fields<'r>,
    row: T,
}

/// Insert the waiting rows as one group, then write the ones it skipped one by one, and
/// settle them all in file order.
fn write_group<T>(
    write: &mut dyn Write<T>,
    group: &mut Vec<Waiting<'_, T>>,
    counts: &mut Counts,
    errs: &mut Errs,
    h: &Header,
) -> Result<(), Abort> {
    if group.is_empty() {
        return Ok(());
    }
    let inserted = write.group(group).map_err(Abort::Db)?;
    for (mut w, done) in group.drain(..).zip(inserted) {
        let outcome = if done {
            Ok(Outcome::Inserted)
        } else {
            write.one(&mut w.fl, w.row)
        };
        settle(counts, errs, h, w.line, &w.fl, outcome)?;
    }
    Ok(())
}

/// [`each_row`] on two cores: a second thread reads, decodes and parses the records and
/// runs `check` on each (field parsing, code lookups: everything that needs no
/// database), while this thread runs `write` (the database work) on the rows in file
/// order, in groups where it can. Errors, counts and progress come out exactly as with [`each_row`]. On a fatal
/// database error the reader is told to stop by the channel closing; a fatal read error
/// ends the file after the rows before it, as it does in [`each_row`].
fn each_row_pipelined<T: Send>(
    counts: &mut Counts,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
    check: impl Fn(&mut Fields) -> Option<T> + Sync,
    write: &mut dyn Write<T>,
) -> Result<(), Abort> {
    use std::sync::mpsc::{channel, sync_channel};
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<Batch<T>>(IN_FLIGHT);
        let (empty_tx, empty_rx) = channel::<Batch<T>>();
        let check = &check;
        let read = move || -> Result<(), Fatal> {
            let mut made = 0;
            loop {
                let mut batch = match empty_rx.try_recv() {
                    Ok(b) => b,
                    // the writer still holds every batch made so far: wait for one back
                    Err(_) if made > IN_FLIGHT + 1 => match empty_rx.recv() {
                        Ok(b) => b,
                        Err(_) => return Ok(()), // the writer stopped
                    },
                    Err(_) => {
                        made += 1;
                        Batch::new()
                    }
                };
                let mut n = 0;
                while n < BATCH {
                    if batch.recs.len() == n {
                        batch.recs.push(csv::StringRecord::new());
                    }
                    let Some((line, problem)) = recs.next_into(&mut batch.recs[n])? else {
                        break;
                    };
                    let row = match problem {
                        Some(p) => Err(vec![(None, p)]),
                        None => {
                            let mut fl = Fields::new(&batch.recs[n], h);
                            check(&mut fl).ok_or(fl.errs)
                        }
                    };
                    batch.rows.push((line, row));
                    n += 1;
                }
                let last = n < BATCH;
                if (n > 0 && full_tx.send(batch).is_err()) || last {
                    return Ok(());
                }
            }
        };
        let reader = std::thread::Builder::new()
            .name("import-read".into())
            .spawn_scoped(scope, read)
            .map_err(|e| {
                Abort::Db(Error::invalid(format!(
                    "无法启动读取线程 (cannot start the reading thread): {e}"
                )))
            })?;
        let written = (|| -> Result<(), Abort> {
            for mut batch in full_rx {
                // (one per batch: it borrows the batch's records)
                let mut group = Vec::with_capacity(GROUP);
                for (n, (line, row)) in batch.rows.drain(..).enumerate() {
                    counts.read_one(progress);
                    let mut fl = Fields::new(&batch.recs[n], h);
                    match row {
                        Ok(row) if write.groups(&row) => {
                            group.push(Waiting { line, fl, row });
                            if group.len() == GROUP {
                                write_group(write, &mut group, counts, errs, h)?;
                            }
                        }
                        row => {
                            // the rows before it first: rows settle in file order
                            write_group(write, &mut group, counts, errs, h)?;
                            let outcome = match row {
                                Ok(v) => write.one(&mut fl, v),
                                Err(e) => {
                                    fl.errs = e;
                                    Err(Stop::Row)
                                }
                            };
                            settle(counts, errs, h, line, &fl, outcome)?;
                        }
                    }
                }
                write_group(write, &mut group, counts, errs, h)?;
                // the reader may have finished: then nobody needs it back
                let _ = empty_tx.send(batch);
            }
            Ok(())
        })();
        drop(empty_tx);
        // a panic on the reader is a bug: let it surface as one
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        written?;
        read?;
        progress(counts.read);
        Ok(())
    })
}

/// A constraint or trigger failure caused by the row's data (not a broken database).
fn row_db_error(e: &rusqlite::Error) -> Option<String> {
    match e {
        rusqlite::Error::SqliteFailure(f, msg)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            let m = msg.clone().unwrap_or_else(|| e.to_string());
            Some(if m.contains("closed month") {
                "该月已结账 (month is closed)".to_string()
            } else if m.contains("invalid disbursement status change") {
                "状态不能这样变更 (invalid status change: pending → approved → paid, or → rejected)"
                    .to_string()
            } else {
                format!("数据库约束不满足 (constraint failed): {m}")
            })
        }
        _ => None,
    }
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn unwrap_db(e: Error) -> Result<rusqlite::Error, Error> {
    match e {
        Error::Db(inner) => Ok(inner),
        other => Err(other),
    }
}

/// Turn a failed write into a row error on column `c` (or fatal for real DB failures).
fn write_failed(fl: &mut Fields, c: usize, e: rusqlite::Error) -> Stop {
    match row_db_error(&e) {
        Some(reason) => fl.fail(c, reason),
        None => Stop::Fatal(e.into()),
    }
}

const REPEATED: &str = "在本文件中重复出现 (repeated in this file)";

fn exists_msg(what: &str) -> String {
    format!("{what} 已存在 (already in the database; use --upsert to update it)")
}

// ---------------------------------------------------------------- programs

fn programs(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut find = conn.prepare("SELECT id FROM program WHERE code = ?1")?;
    let mut update = conn.prepare(
        "UPDATE program SET name=?2, department=?3, level=?4, fiscal_year=?5, policy_ref=?6, is_direct=?7,
             start_date=?8, end_date=?9, cap_per_enterprise_fen=?10, once_per_year=?11, exclusive_group=?12,
             eligible_sizes=?13, status=?14 WHERE id=?1",
    )?;
    let mut counts = cx.counts;
    let upsert = cx.opts.upsert;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let code = fl.required(p::CODE);
        let name = fl.required(p::NAME);
        let department = fl.text(p::DEPARTMENT);
        let level = fl.parse_with(p::LEVEL, Level::parse, Level::expected);
        let fiscal_year = fl.year(p::FISCAL_YEAR);
        let policy_ref = fl.text(p::POLICY_REF);
        let is_direct = fl.bool(p::IS_DIRECT);
        let start_date = fl.opt_date(p::START);
        let end_date = fl.opt_date(p::END);
        if let (Some(s), Some(e)) = (start_date, end_date) {
            if e < s {
                fl.bad(
                    p::END,
                    "结束日期早于开始日期 (end_date is before start_date)",
                );
            }
        }
        let cap = fl.opt_money(p::CAP);
        if cap.is_some_and(|c| c.fen() <= 0) {
            fl.bad(p::CAP, "单户上限应大于 0 (cap must be positive)");
        }
        let once_per_year = fl.bool(p::ONCE);
        let exclusive_group = fl.opt_text(p::GROUP).map(str::to_string);
        let eligible_sizes = fl.sizes(p::SIZES);
        let status = if fl.text(p::STATUS).is_empty() {
            Some(ProgramStatus::Active)
        } else {
            fl.parse_with(p::STATUS, ProgramStatus::parse, ProgramStatus::expected)
        };
        fl.check()?;
        let (Some(level), Some(fiscal_year), Some(status)) = (level, fiscal_year, status) else {
            return Err(Stop::Row);
        };
        let np = NewProgram {
            code: code.to_string(),
            name: name.to_string(),
            department: department.to_string(),
            level,
            fiscal_year,
            policy_ref: policy_ref.to_string(),
            is_direct,
            start_date,
            end_date,
            cap_per_enterprise: cap,
            once_per_year,
            exclusive_group,
            eligible_sizes,
            status,
        };
        let err = match write::insert_program(conn, &np) {
            Ok(_) => return Ok(Outcome::Inserted),
            Err(e) => unwrap_db(e).map_err(Stop::Fatal)?,
        };
        if !is_unique(&err) {
            return Err(write_failed(fl, p::CODE, err));
        }
        let id: i64 = find.query_row([code], |r| r.get(0))?;
        if id > cx.max_before || cx.touched.contains(&id) {
            return Err(fl.fail(p::CODE, format!("项目编码 {code} {REPEATED}")));
        }
        if !upsert {
            return Err(fl.fail(p::CODE, exists_msg(&format!("项目编码 {code}"))));
        }
        let res = update.execute(params![
            id,
            np.name,
            np.department,
            np.level,
            np.fiscal_year,
            np.policy_ref,
            np.is_direct,
            np.start_date.map(iso),
            np.end_date.map(iso),
            np.cap_per_enterprise,
            np.once_per_year,
            np.exclusive_group,
            crate::model::sizes_to_db(&np.eligible_sizes),
            np.status,
        ]);
        match res {
            Ok(_) => {
                cx.touched.insert(id);
                Ok(Outcome::Updated)
            }
            Err(e) => Err(write_failed(fl, p::CODE, e)),
        }
    })?;
    cx.counts = counts;
    Ok(())
}

// ---------------------------------------------------------------- enterprises

fn enterprises(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut find = conn.prepare("SELECT id FROM enterprise WHERE credit_code = ?1")?;
    let mut update = conn.prepare(
        "UPDATE enterprise SET name=?2, size=?3, industry=?4, township=?5, contact=?6, py_initials=?7, py_full=?8
         WHERE id=?1",
    )?;
    let mut counts = cx.counts;
    let upsert = cx.opts.upsert;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let cc = fl.credit_code(e::CREDIT_CODE);
        let name = fl.required(e::NAME);
        let size = fl.parse_with(
            e::SIZE,
            crate::model::Size::parse,
            crate::model::Size::expected,
        );
        fl.check()?;
        let (Some(cc), Some(size)) = (cc, size) else {
            return Err(Stop::Row);
        };
        let ne = NewEnterprise {
            credit_code: cc,
            name: name.to_string(),
            size,
            industry: fl.text(e::INDUSTRY).to_string(),
            township: fl.text(e::TOWNSHIP).to_string(),
            contact: fl.text(e::CONTACT).to_string(),
        };
        let err = match write::insert_enterprise(conn, &ne) {
            Ok(_) => return Ok(Outcome::Inserted),
            Err(e) => unwrap_db(e).map_err(Stop::Fatal)?,
        };
        if !is_unique(&err) {
            return Err(write_failed(fl, e::CREDIT_CODE, err));
        }
        let code = ne.credit_code.as_str();
        let id: i64 = find.query_row([code], |r| r.get(0))?;
        if id > cx.max_before || cx.touched.contains(&id) {
            return Err(fl.fail(e::CREDIT_CODE, format!("信用代码 {code} {REPEATED}")));
        }
        if !upsert {
            return Err(fl.fail(e::CREDIT_CODE, exists_msg(&format!("企业 {code}"))));
        }
        let (ini, full) = pinyin_keys(&ne.name);
        let res = update.execute(params![
            id,
            ne.name,
            ne.size,
            ne.industry,
            ne.township,
            ne.contact,
            ini,
            full
        ]);
        match res {
            Ok(_) => {
                cx.touched.insert(id);
                Ok(Outcome::Updated)
            }
            Err(err) => Err(write_failed(fl, e::CREDIT_CODE, err)),
        }
    })?;
    cx.counts = counts;
    Ok(())
}

// ---------------------------------------------------------------- allocations

fn allocations(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut insert = conn.prepare(
        "INSERT INTO allocation (program_id, date, amount_fen, doc_no, note, received_date, distributed_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut counts = cx.counts;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let pid = fl.program(a::PROGRAM, &cx.programs);
        let date = fl.open_date(a::DATE, &cx.closed);
        let amount = fl.money(a::AMOUNT);
        if amount == Some(Money::ZERO) {
            fl.bad(a::AMOUNT, "金额不能为 0 (amount must not be 0)");
        }
        let received = fl.opt_date(a::RECEIVED);
        let distributed = fl.opt_date(a::DISTRIBUTED);
        if let Err(e) = crate::ledger::check_allocation_dates(received, distributed) {
            fl.bad(a::DISTRIBUTED, e.to_string());
        }
        fl.check()?;
        let (Some(pid), Some(date), Some(amount)) = (pid, date, amount) else {
            return Err(Stop::Row);
        };
        match insert.execute(params![
            pid,
            iso(date),
            amount,
            fl.text(a::DOC_NO),
            fl.text(a::NOTE),
            received.map(iso),
            distributed.map(iso)
        ]) {
            Ok(_) => Ok(Outcome::Inserted),
            Err(e) => Err(write_failed(fl, a::AMOUNT, e)),
        }
    })?;
    cx.counts = counts;
    Ok(())
}

// ---------------------------------------------------------------- disbursements

/// The stored row a reversal or an upsert refers to.
struct Stored {
    id: i64,
    program_id: i64,
    enterprise_id: i64,
    amount: i64,
    status: Status,
    reverses_id: Option<i64>,
    date: String,
    entered_by: String,
    approved_by: String,
    note: String,
    approved_date: Option<String>,
    paid_date: Option<String>,
}

/// A disbursement row as the reading thread checked it (its texts are read from the
/// record on the writing thread).
struct Checked {
    pid: i64,
    eid: i64,
    amount: Money,
    date: chrono::NaiveDate,
    status: Status,
    approved_date: Option<chrono::NaiveDate>,
    paid_date: Option<chrono::NaiveDate>,
    /// the row names a voucher it reverses
    reversal: bool,
    /// its dates as text, for a grouped insert (None: a year without 4 digits)
    days: Option<Days>,
}

/// The ISO texts of a row's dates.
struct Days {
    date: IsoDay,
    approved: Option<IsoDay>,
    paid: Option<IsoDay>,
}

impl Days {
    fn of(date: NaiveDate, approved: Option<NaiveDate>, paid: Option<NaiveDate>) -> Option<Days> {
        let opt = |d: Option<NaiveDate>| d.map(IsoDay::new).map_or(Some(None), |d| d.map(Some));
        Some(Days {
            date: IsoDay::new(date)?,
            approved: opt(approved)?,
            paid: opt(paid)?,
        })
    }
}

const DISB_COLUMNS: &str =
    "voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by,
     approved_by, reverses_id, note, approved_date, paid_date";

fn disbursements(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut w = Disbursements {
        conn,
        insert: conn.prepare(&format!(
            "INSERT INTO disbursement ({DISB_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))?,
        find: conn.prepare(
            "SELECT id, program_id, enterprise_id, amount_fen, status, reverses_id, date, entered_by, approved_by, note,
                    approved_date, paid_date
             FROM disbursement WHERE voucher_no = ?1",
        )?,
        // a file without the date columns keeps the stored dates (?11 / ?13: the column is present)
        update: conn.prepare(
            "UPDATE disbursement SET program_id=?2, enterprise_id=?3, amount_fen=?4, date=?5, status=?6, entered_by=?7,
                 approved_by=?8, reverses_id=?9, note=?10,
                 approved_date = CASE WHEN ?11 THEN ?12 ELSE approved_date END,
                 paid_date = CASE WHEN ?13 THEN ?14 ELSE paid_date END
             WHERE id=?1",
        )?,
        groups: Vec::new(),
        reversed_sum: conn.prepare(
            "SELECT coalesce(-SUM(amount_fen), 0) FROM disbursement WHERE reverses_id = ?1",
        )?,
        started_empty: conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM disbursement)", [], |r| {
                r.get(0)
            })?,
        reversed: HashMap::new(),
        has_approved_date: h.field[d::APPROVED_DATE].is_some(),
        has_paid_date: h.field[d::PAID_DATE].is_some(),
        upsert: cx.opts.upsert,
        max_before: cx.max_before,
        closed: &cx.closed,
        summary: &mut cx.summary,
        touched: &mut cx.touched,
    };
    let mut counts = cx.counts;
    let (programs, enterprises, closed) = (&cx.programs, &cx.enterprises, &cx.closed);
    // everything that needs no database, on the reading thread
    let check = |fl: &mut Fields| -> Option<Checked> {
        fl.required(d::VOUCHER);
        let pid = fl.program(d::PROGRAM, programs);
        let eid = fl.enterprise(d::CREDIT_CODE, enterprises).map(|(_, id)| id);
        let amount = fl.money(d::AMOUNT);
        let date = fl.open_date(d::DATE, closed);
        let status = fl.parse_with(d::STATUS, Status::parse, Status::expected);
        let reverses = fl.opt_text(d::REVERSES);
        match (amount, reverses) {
            (Some(m), _) if m == Money::ZERO => {
                fl.bad(d::AMOUNT, "金额不能为 0 (amount must not be 0)")
            }
            (Some(m), None) if m.fen() < 0 => fl.bad(
                d::AMOUNT,
                "负数金额只允许用于冲销行 (a negative amount is allowed only on a reversal row with reverses set)",
            ),
            (Some(m), Some(_)) if m.fen() > 0 => fl.bad(
                d::AMOUNT,
                "冲销行金额应为负数 (a reversal row must have a negative amount)",
            ),
            _ => {}
        }
        if reverses.is_some() && status.is_some_and(|s| s != Status::Paid) {
            fl.bad(
                d::STATUS,
                "冲销行状态应为已拨付 (a reversal row must have status paid)",
            );
        }
        let approved_date = fl.opt_date(d::APPROVED_DATE);
        let paid_date = fl.opt_date(d::PAID_DATE);
        check_action_dates(fl, status, approved_date, paid_date);
        fl.check().ok()?;
        let date = date?;
        Some(Checked {
            pid: pid?,
            eid: eid?,
            amount: amount?,
            date,
            status: status?,
            approved_date,
            paid_date,
            reversal: reverses.is_some(),
            days: Days::of(date, approved_date, paid_date),
        })
    };
    each_row_pipelined(&mut counts, recs, h, errs, progress, check, &mut w)?;
    drop(w);
    cx.counts = counts;
    Ok(())
}

/// The writing side of a disbursement file.
struct Disbursements<'c, 'x> {
    conn: &'c Connection,
    insert: rusqlite::Statement<'c>,
    find: rusqlite::Statement<'c>,
    update: rusqlite::Statement<'c>,
    /// `groups[n]`: the insert of n rows at once, prepared when first needed
    groups: Vec<Option<RawQuery<'c>>>,
    /// how much of each original is reversed already: stored reversals (read once per
    /// original; none when the table starts empty, as on a bulk load without indexes),
    /// plus the reversals of this file
    reversed_sum: rusqlite::Statement<'c>,
    started_empty: bool,
    reversed: HashMap<i64, i64>,
    has_approved_date: bool,
    has_paid_date: bool,
    upsert: bool,
    max_before: i64,
    closed: &'x HashSet<String>,
    summary: &'x mut Deltas,
    touched: &'x mut HashSet<i64>,
}

impl Disbursements<'_, '_> {
    fn lookup(&mut self, voucher: &str) -> rusqlite::Result<Option<Stored>> {
        self.find
            .query_row([voucher], |r| {
                Ok(Stored {
                    id: r.get(0)?,
                    program_id: r.get(1)?,
                    enterprise_id: r.get(2)?,
                    amount: r.get(3)?,
                    status: r.get(4)?,
                    reverses_id: r.get(5)?,
                    date: r.get(6)?,
                    entered_by: r.get(7)?,
                    approved_by: r.get(8)?,
                    note: r.get(9)?,
                    approved_date: r.get(10)?,
                    paid_date: r.get(11)?,
                })
            })
            .optional()
    }

    /// After a group's insert wrote `changes` of its rows: which ones. The inserted rows
    /// took consecutive ids ending at the last one inserted (SQLite gives a new row one
    /// more than the largest id, and the group's rows are appended in order), so a row
    /// was inserted exactly when its voucher's id is the next of those ids; a skipped
    /// row's voucher has an older id, or an id of an earlier row in the group.
    fn which_inserted(
        &mut self,
        rows: &[Waiting<'_, Checked>],
        changes: usize,
    ) -> crate::Result<Vec<bool>> {
        if changes == 0 {
            return Ok(vec![false; rows.len()]);
        }
        let last = self.conn.last_insert_rowid();
        let mut next = last - changes as i64 + 1;
        let mut inserted = Vec::with_capacity(rows.len());
        for w in rows {
            let id = self.lookup(w.fl.text(d::VOUCHER))?.map(|s| s.id);
            let ins = id == Some(next);
            next += i64::from(ins);
            inserted.push(ins);
        }
        if next != last + 1 {
            return Err(Error::invalid(
                "内部错误：批量写入的行无法逐一对应 (the rows of a grouped insert could not be told apart)",
            ));
        }
        Ok(inserted)
    }
}

impl Write<Checked> for Disbursements<'_, '_> {
    fn groups(&self, row: &Checked) -> bool {
        !row.reversal && row.days.is_some()
    }

    fn group(&mut self, rows: &[Waiting<'_, Checked>]) -> crate::Result<Vec<bool>> {
        use crate::raw::Value::{Int, Null, Text};
        let n = rows.len();
        if self.groups.len() <= n {
            self.groups.resize_with(n + 1, || None);
        }
        let stmt = match &mut self.groups[n] {
            Some(stmt) => stmt,
            slot => {
                // OR IGNORE: a taken voucher skips its row (then written by `one`, which
                // reports it) instead of undoing the group; the loader has checked every
                // other constraint of the row
                let sql = format!(
                    "INSERT OR IGNORE INTO disbursement ({DISB_COLUMNS}) VALUES {}",
                    vec!["(?,?,?,?,?,?,?,?,?,?,?,?)"; n].join(",")
                );
                slot.insert(RawQuery::new(self.conn, &sql)?)
            }
        };
        let mut values = Vec::with_capacity(n * 12);
        for w in rows {
            let (c, fl) = (&w.row, &w.fl);
            let Some(days) = &c.days else {
                return Err(Error::invalid("a grouped row without its dates' texts"));
            };
            values.extend([
                Text(fl.text(d::VOUCHER)),
                Int(c.pid),
                Int(c.eid),
                Int(c.amount.fen()),
                Text(days.date.as_str()),
                Text(c.status.as_str()),
                Text(fl.text(d::ENTERED_BY)),
                Text(fl.text(d::APPROVED_BY)),
                Null,
                Text(fl.text(d::NOTE)),
                days.approved.as_ref().map_or(Null, |d| Text(d.as_str())),
                days.paid.as_ref().map_or(Null, |d| Text(d.as_str())),
            ]);
        }
        stmt.run(&values)?;
        let changes = usize::try_from(self.conn.changes()).unwrap_or(usize::MAX);
        let inserted = if changes == n {
            vec![true; n]
        } else {
            self.which_inserted(rows, changes)?
        };
        for (w, _) in rows.iter().zip(&inserted).filter(|(_, &i)| i) {
            if let Some(days) = &w.row.days {
                self.summary.add(
                    &RowKey {
                        program_id: w.row.pid,
                        date: days.date.as_str(),
                        status: w.row.status,
                        amount_fen: w.row.amount.fen(),
                    },
                    1,
                );
            }
        }
        Ok(inserted)
    }

    fn one(&mut self, fl: &mut Fields, row: Checked) -> Result<Outcome, Stop> {
        let Checked {
            pid,
            eid,
            amount,
            date,
            status,
            approved_date,
            paid_date,
            ..
        } = row;
        let voucher = fl.text(d::VOUCHER);
        let reverses = fl.opt_text(d::REVERSES);
        let reverses_id = match reverses {
            None => None,
            Some(rv) => {
                let Some(orig) = self.lookup(rv)? else {
                    return Err(fl.fail(
                        d::REVERSES,
                        format!("被冲销凭证 {rv} 不存在 (unknown voucher)"),
                    ));
                };
                if orig.status != Status::Paid || orig.reverses_id.is_some() {
                    return Err(fl.fail(
                        d::REVERSES,
                        format!("凭证 {rv} 不是已拨付的原始凭证，不能冲销 (only a paid, non-reversal row can be reversed)"),
                    ));
                }
                if orig.program_id != pid || orig.enterprise_id != eid {
                    return Err(fl.fail(
                        d::REVERSES,
                        format!("冲销行的项目或企业与凭证 {rv} 不一致 (program/enterprise differ from the reversed row)"),
                    ));
                }
                // earlier reversals of the same voucher (stored, or earlier in this file)
                let done = match self.reversed.get(&orig.id) {
                    Some(&n) => n,
                    None if self.started_empty => 0,
                    None => self.reversed_sum.query_row([orig.id], |r| r.get(0))?,
                };
                if -amount.fen() > orig.amount - done {
                    let left = Money(orig.amount - done).format_yuan();
                    return Err(fl.fail(
                        d::AMOUNT,
                        format!(
                            "冲销金额超过原凭证 {rv} 尚未冲销的金额 {left} (reversal exceeds what is left of the original: {left})"
                        ),
                    ));
                }
                if iso(date) < orig.date {
                    return Err(fl.fail(
                        d::DATE,
                        format!(
                            "冲销日期早于原凭证 {rv} 的日期 {} (a reversal cannot precede the row it reverses)",
                            orig.date
                        ),
                    ));
                }
                self.reversed.insert(orig.id, done - amount.fen());
                Some(orig.id)
            }
        };
        let date_s = iso(date);
        let entered_by = fl.text(d::ENTERED_BY);
        let approved_by = fl.text(d::APPROVED_BY);
        let note = fl.text(d::NOTE);
        let new_key = RowKey {
            program_id: pid,
            date: &date_s,
            status,
            amount_fen: amount.fen(),
        };
        let (approved_s, paid_s) = (approved_date.map(iso), paid_date.map(iso));
        let err = match self.insert.execute(params![
            voucher,
            pid,
            eid,
            amount,
            date_s,
            status,
            entered_by,
            approved_by,
            reverses_id,
            note,
            approved_s,
            paid_s
        ]) {
            Ok(_) => {
                self.summary.add(&new_key, 1);
                return Ok(Outcome::Inserted);
            }
            Err(e) => e,
        };
        if !is_unique(&err) {
            return Err(write_failed(fl, d::AMOUNT, err));
        }
        let Some(old) = self.lookup(voucher)? else {
            return Err(write_failed(fl, d::VOUCHER, err));
        };
        // written earlier by this file (see `Cx::repeated`)
        if old.id > self.max_before || self.touched.contains(&old.id) {
            return Err(fl.fail(d::VOUCHER, format!("凭证号 {voucher} {REPEATED}")));
        }
        if !self.upsert {
            return Err(fl.fail(d::VOUCHER, exists_msg(&format!("凭证号 {voucher}"))));
        }
        let same = old.program_id == pid
            && old.enterprise_id == eid
            && old.amount == amount.fen()
            && old.status == status
            && old.reverses_id == reverses_id
            && old.date == date_s
            && old.entered_by == entered_by
            && old.approved_by == approved_by
            && old.note == note
            && (!self.has_approved_date || old.approved_date == approved_s)
            && (!self.has_paid_date || old.paid_date == paid_s);
        if same {
            self.touched.insert(old.id);
            return Ok(Outcome::Unchanged);
        }
        if old.status == Status::Paid {
            return Err(fl.fail(
                d::VOUCHER,
                format!("凭证 {voucher} 已拨付，不能修改，请冲销 (a paid row is never changed; reverse it instead)"),
            ));
        }
        let old_month = old.date.get(..7).unwrap_or("");
        if self.closed.contains(old_month) {
            return Err(fl.fail(
                d::DATE,
                format!("凭证 {voucher} 所在 {old_month} 月已结账 (its month is closed)"),
            ));
        }
        match self.update.execute(params![
            old.id,
            pid,
            eid,
            amount,
            date_s,
            status,
            entered_by,
            approved_by,
            reverses_id,
            note,
            self.has_approved_date,
            approved_s,
            self.has_paid_date,
            paid_s
        ]) {
            Ok(_) => {
                self.touched.insert(old.id);
                let old_key = RowKey {
                    program_id: old.program_id,
                    date: &old.date,
                    status: old.status,
                    amount_fen: old.amount,
                };
                self.summary.add(&old_key, -1);
                self.summary.add(&new_key, 1);
                Ok(Outcome::Updated)
            }
            Err(e) => Err(write_failed(fl, d::STATUS, e)),
        }
    }
}

/// 复核日期 only on a row that was approved (approved, paid, or rejected after approval),
/// 支付日期 only on a paid row, and never before the approval.
fn check_action_dates(
    fl: &mut Fields,
    status: Option<Status>,
    approved: Option<chrono::NaiveDate>,
    paid: Option<chrono::NaiveDate>,
) {
    if approved.is_some() && status == Some(Status::Pending) {
        fl.bad(
            d::APPROVED_DATE,
            "待复核的凭证不应有复核日期 (a pending row has no approval date)",
        );
    }
    if paid.is_some() && status.is_some_and(|s| s != Status::Paid) {
        fl.bad(
            d::PAID_DATE,
            "只有已拨付的凭证才有支付日期 (only a paid row has a payment date)",
        );
    }
    if let (Some(a), Some(p)) = (approved, paid) {
        if p < a {
            fl.bad(
                d::PAID_DATE,
                format!(
                    "支付日期 {} 早于复核日期 {} (paid before it was approved)",
                    iso(p),
                    iso(a)
                ),
            );
        }
    }
}

// ---------------------------------------------------------------- recoveries

fn recoveries(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut counts = cx.counts;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let program = fl.text(r::PROGRAM);
        let pid = fl.program(r::PROGRAM, &cx.programs);
        let date = fl.open_date(r::DATE, &cx.closed);
        let amount = fl.money(r::AMOUNT);
        if amount.is_some_and(|m| m.fen() <= 0) {
            fl.bad(r::AMOUNT, "收回金额应大于 0 (amount must be positive)");
        }
        let reason = fl.parse_with(r::REASON, Reason::parse, Reason::expected);
        let credit = if fl.text(r::CREDIT_CODE).is_empty() {
            None
        } else {
            let c = fl.enterprise(r::CREDIT_CODE, &cx.enterprises);
            if reason.is_some_and(|x| x != Reason::Clawback) {
                fl.bad(
                    r::CREDIT_CODE,
                    "只有追回 (clawback) 才填写企业 (credit_code only for reason clawback)",
                );
            }
            c.map(|(cc, _)| cc.into_string())
        };
        let to = fl.opt_text(r::REALLOCATED_TO);
        if let Some(to) = to {
            if !cx.programs.contains_key(to) {
                fl.bad(
                    r::REALLOCATED_TO,
                    format!("调入项目 '{to}' 不存在 (unknown program)"),
                );
            } else if to == program {
                fl.bad(
                    r::REALLOCATED_TO,
                    "调入项目不能是原项目 (cannot reallocate to the same program)",
                );
            }
        }
        fl.check()?;
        let (Some(_), Some(date), Some(amount), Some(reason)) = (pid, date, amount, reason) else {
            return Err(Stop::Row);
        };
        let nr = NewRecovery {
            program_code: program.to_string(),
            date,
            amount,
            reason,
            doc_no: fl.text(r::DOC_NO).to_string(),
            credit_code: credit,
            reallocated_to: to.map(str::to_string),
            note: fl.text(r::NOTE).to_string(),
        };
        match write::insert_recovery(conn, &nr) {
            Ok(_) => Ok(Outcome::Inserted),
            Err(Error::ClosedMonth(m)) => Err(fl.fail(
                r::DATE,
                format!("{m} 月已结账，不能导入 (month {m} is closed)"),
            )),
            Err(e) => Err(write_failed(
                fl,
                r::AMOUNT,
                unwrap_db(e).map_err(Stop::Fatal)?,
            )),
        }
    })?;
    cx.counts = counts;
    Ok(())
}

// ---------------------------------------------------------------- evaluations

fn evaluations(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut insert = conn.prepare(
        "INSERT INTO evaluation (program_id, year, score_x100, evaluator, date, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut find = conn
        .prepare("SELECT id FROM evaluation WHERE program_id = ?1 AND year = ?2 AND date = ?3")?;
    let mut update =
        conn.prepare("UPDATE evaluation SET score_x100=?2, evaluator=?3, note=?4 WHERE id=?1")?;
    let mut counts = cx.counts;
    let upsert = cx.opts.upsert;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let pid = fl.program(v::PROGRAM, &cx.programs);
        let year = fl.year(v::YEAR);
        let score = fl.parse_with(v::SCORE, crate::model::parse_score, || {
            "0–100，最多两位小数 (a score 0–100 with at most 2 decimals)".into()
        });
        let date = fl.open_date(v::DATE, &cx.closed);
        fl.check()?;
        let (Some(pid), Some(year), Some(score), Some(date)) = (pid, year, score, date) else {
            return Err(Stop::Row);
        };
        let date_s = iso(date);
        let (evaluator, note) = (fl.text(v::EVALUATOR), fl.text(v::NOTE));
        let err = match insert.execute(params![pid, year, score, evaluator, date_s, note]) {
            Ok(_) => return Ok(Outcome::Inserted),
            Err(e) => e,
        };
        if !is_unique(&err) {
            return Err(write_failed(fl, v::SCORE, err));
        }
        let id: i64 = find.query_row(params![pid, year, date_s], |r| r.get(0))?;
        let what = format!("{} {year} 年 {date_s} 的评价", fl.text(v::PROGRAM));
        if cx.repeated(id) {
            return Err(fl.fail(v::DATE, format!("{what} {REPEATED}")));
        }
        if !upsert {
            return Err(fl.fail(v::DATE, exists_msg(&what)));
        }
        match update.execute(params![id, score, evaluator, note]) {
            Ok(_) => {
                cx.touched.insert(id);
                Ok(Outcome::Updated)
            }
            Err(e) => Err(write_failed(fl, v::SCORE, e)),
        }
    })?;
    cx.counts = counts;
    Ok(())
}

// ---------------------------------------------------------------- indicators

fn indicators(
    cx: &mut Cx,
    recs: &mut Records,
    h: &Header,
    errs: &mut Errs,
    progress: &mut dyn FnMut(u64),
) -> Result<(), Abort> {
    let conn = cx.conn;
    let mut insert = conn.prepare(
        "INSERT INTO indicator (program_id, year, name, unit, target, actual, direction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut find =
        conn.prepare("SELECT id FROM indicator WHERE program_id = ?1 AND year = ?2 AND name = ?3")?;
    let mut update = conn
        .prepare("UPDATE indicator SET unit=?2, target=?3, actual=?4, direction=?5 WHERE id=?1")?;
    let mut counts = cx.counts;
    let upsert = cx.opts.upsert;
    each_row(&mut counts, recs, h, errs, progress, |fl| {
        let pid = fl.program(i::PROGRAM, &cx.programs);
        let year = fl.year(i::YEAR);
        let name = fl.required(i::NAME);
        let target = fl.decimal(i::TARGET);
        let actual = fl.opt_decimal(i::ACTUAL);
        let direction = fl.parse_with(i::DIRECTION, Direction::parse, || "ge/le, ≥/≤".to_string());
        fl.check()?;
        let (Some(pid), Some(year), Some(target), Some(direction)) = (pid, year, target, direction)
        else {
            return Err(Stop::Row);
        };
        let target = target.normalize().to_string();
        let actual = actual.map(|a| a.normalize().to_string());
        let unit = fl.text(i::UNIT);
        let err = match insert.execute(params![pid, year, name, unit, target, actual, direction]) {
            Ok(_) => return Ok(Outcome::Inserted),
            Err(e) => e,
        };
        if !is_unique(&err) {
            return Err(write_failed(fl, i::TARGET, err));
        }
        let id: i64 = find.query_row(params![pid, year, name], |r| r.get(0))?;
        let what = format!("{} {year} 年指标 {name}", fl.text(i::PROGRAM));
        if cx.repeated(id) {
            return Err(fl.fail(i::NAME, format!("{what} {REPEATED}")));
        }
        if !upsert {
            return Err(fl.fail(i::NAME, exists_msg(&what)));
        }
        match update.execute(params![id, unit, target, actual, direction]) {
            Ok(_) => {
                cx.touched.insert(id);
                Ok(Outcome::Updated)
            }
            Err(e) => Err(write_failed(fl, i::TARGET, e)),
        }
    })?;
    cx.counts = counts;
    Ok(())
}
