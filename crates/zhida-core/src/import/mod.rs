//! Import of CSV/xlsx files (SPEC §4): programs, enterprises, allocations, disbursements,
//! recoveries, evaluations, indicators.
//!
//! - one file = one transaction; any bad row → nothing from the file is written and every
//!   bad row is reported as `file:line: column: reason` (first [`MAX_ERRORS`]);
//! - files are streamed (incremental decoding, csv reader), never held whole in memory;
//! - a directory loads its known files in dependency order and stops at the first bad one;
//! - `dry_run` validates by writing inside a transaction that is rolled back (so keys
//!   repeated in the file and references to earlier files of the directory are checked);
//! - bulk loads of disbursements into an empty table drop the `ix_disb_*` indexes and
//!   rebuild them at the end (CREATE INDEX sorts; incremental inserts thrash);
//! - a disbursement file suspends the `program_month` triggers and writes the program ×
//!   month sums it kept in memory at the end, in its transaction (`repo::summary`); the
//!   per-row closed-month trigger and foreign-key lookups, which the loader's own checks
//!   make redundant, are off while it loads (see `Settings`), and so are the table's
//!   CHECK constraints, which the loader checks row by row before writing.

mod columns;
mod fields;
mod loaders;
pub(crate) mod source;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::audit;
use crate::dates::now_stamp;
use crate::error::Error;
use crate::repo::summary;
use crate::users::Actor;

pub use columns::{Col, Kind};

use loaders::{Abort, Counts, Cx, Errs};
use source::{Fatal, Records, Shared};

/// At most this many errors are reported per file.
pub const MAX_ERRORS: usize = 100;

/// A disbursement file at least this large, loaded into an empty table, is loaded with
/// the `ix_disb_*` indexes dropped and rebuilt after.
const BULK_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// validate only; write nothing
    pub dry_run: bool,
    /// update rows whose key exists (never paid rows or closed months)
    pub upsert: bool,
    /// skip unknown columns instead of refusing the file
    pub ignore_unknown: bool,
}

/// What one file did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub kind: Kind,
    /// data rows read (header and blank lines excluded)
    pub read: u64,
    /// rows inserted or updated (with `dry_run`: rows that would be)
    pub written: u64,
    pub inserted: u64,
    pub updated: u64,
    /// `upsert` rows identical to the stored ones
    pub unchanged: u64,
    pub dry_run: bool,
    pub sha256: String,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// Progress of a big file, for the CLI to show.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub file: &'a str,
    pub kind: Kind,
    pub rows: u64,
    pub bytes: u64,
    /// 0 when unknown
    pub total_bytes: u64,
}

/// An import that stopped: the files that were imported before, and the errors of the
/// failing file (each a `file:line: column: reason` line).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportFailure {
    pub done: Vec<FileSummary>,
    pub file: String,
    pub errors: Vec<String>,
    /// total number of errors (more than `errors.len()` when truncated)
    pub total: usize,
}

impl fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, e) in self.errors.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.total > self.errors.len() {
            write!(
                f,
                "\n{}: 共 {} 处错误，仅列出前 {} 处 ({} errors, first {} shown)",
                self.file,
                self.total,
                self.errors.len(),
                self.total,
                self.errors.len()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportFailure {}

/// One file to import: on disk, or bytes with a name (embedded sample data, tests).
#[derive(Debug, Clone)]
pub enum Input<'a> {
    Path(PathBuf),
    Bytes { name: String, bytes: &'a [u8] },
}

impl Input<'_> {
    /// The name used in messages: the file name without its directory.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
            Input::Bytes { name, .. } => name.clone(),
        }
    }
}

/// The known files of a directory, in dependency order. Unknown names are ignored.
pub fn plan_dir(dir: &Path) -> Result<Vec<(Kind, PathBuf)>, Error> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(kind) = Kind::from_file_name(&name) {
            found.push((kind, name.to_lowercase().ends_with(".xlsx"), path));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(k, _, p)| (k, p)).collect())
}

fn failure(file: &str, msg: impl fmt::Display) -> ImportFailure {
    ImportFailure {
        done: Vec::new(),
        file: file.to_string(),
        errors: vec![clean_line(&format!("{file}: {msg}"))],
        total: 1,
    }
}

/// Longest error line kept; longer ones keep their start and their end (the reason).
const ERROR_LINE_CHARS: usize = 500;

/// An error line fit for a terminal: it quotes values from the file, which may carry
/// anything — escape sequences and control characters are made visible
/// ([`display_safe`](crate::sanitize::display_safe)) and a huge value is cut in the middle.
fn clean_line(line: &str) -> String {
    let safe = crate::sanitize::display_safe(line);
    let n = safe.chars().count();
    if n <= ERROR_LINE_CHARS {
        return safe.into_owned();
    }
    let head: String = safe.chars().take(ERROR_LINE_CHARS - 100).collect();
    let tail: String = safe.chars().skip(n - 100).collect();
    format!(
        "{head}…（省略 {} 字符 chars omitted）…{tail}",
        n - ERROR_LINE_CHARS
    )
}

fn clean(mut f: ImportFailure) -> ImportFailure {
    f.file = crate::sanitize::display_safe(&f.file).into_owned();
    for e in &mut f.errors {
        *e = clean_line(e);
    }
    f
}

/// `zhida import PATH [--kind K]`: a directory (known files in order) or one file, whose
/// kind is `kind` or its name.
pub fn import_path(
    conn: &mut Connection,
    actor: &Actor,
    path: &Path,
    kind: Option<Kind>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<FileSummary>, ImportFailure> {
    let shown = path.display().to_string();
    let inputs = if path.is_dir() {
        let plan = plan_dir(path).map_err(|e| failure(&shown, e))?;
        if plan.is_empty() {
            return Err(failure(
                &shown,
                format!(
                    "目录中没有可导入的文件 (no known files; expected {})",
                    Kind::ORDER
                        .iter()
                        .map(|k| format!("{k}.csv"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        plan.into_iter()
            .map(|(k, p)| (kind.unwrap_or(k), Input::Path(p)))
            .collect()
    } else if path.is_file() {
        let input = Input::Path(path.to_path_buf());
        let k = kind
            .or_else(|| Kind::from_file_name(&input.name()))
            .ok_or_else(|| {
                failure(
                    &input.name(),
                    "无法从文件名判断类型，请用 --kind 指定 (cannot tell the kind from the file name; use --kind programs|enterprises|allocations|disbursements|recoveries|evaluations|indicators)",
                )
            })?;
        vec![(k, input)]
    } else {
        return Err(failure(
            &shown,
            "文件或目录不存在 (no such file or directory)",
        ));
    };
    import_inputs(conn, actor, inputs, opts, progress)
}

/// Import named bytes (one file).
pub fn import_bytes(
    conn: &mut Connection,
    actor: &Actor,
    name: &str,
    bytes: &[u8],
    kind: Option<Kind>,
    opts: &Options,
) -> Result<FileSummary, ImportFailure> {
    let k = kind
        .or_else(|| Kind::from_file_name(name))
        .ok_or_else(|| failure(name, "无法从文件名判断类型 (unknown kind)"))?;
    let input = Input::Bytes {
        name: name.to_string(),
        bytes,
    };
    let mut v = import_inputs(conn, actor, vec![(k, input)], opts, &mut |_| {})?;
    v.pop()
        .ok_or_else(|| failure(name, "没有导入任何文件 (nothing imported)"))
}

/// Load named files held in memory (the embedded sample data): known names only, in
/// dependency order, each file its own transaction.
pub fn load_embedded(
    conn: &mut Connection,
    actor: &Actor,
    files: &[(&str, &[u8])],
) -> Result<Vec<FileSummary>, ImportFailure> {
    let mut inputs: Vec<(Kind, Input)> = files
        .iter()
        .filter_map(|(name, bytes)| {
            Kind::from_file_name(name).map(|k| {
                (
                    k,
                    Input::Bytes {
                        name: name.to_string(),
                        bytes,
                    },
                )
            })
        })
        .collect();
    inputs.sort_by_key(|(k, _)| *k);
    import_inputs(conn, actor, inputs, &Options::default(), &mut |_| {})
}

/// Import files in the order given; stop at the first failing one. Each file is its own
/// transaction; with `dry_run` all of them share one transaction that is rolled back, so
/// later files see the rows of earlier ones.
pub fn import_inputs(
    conn: &mut Connection,
    actor: &Actor,
    inputs: Vec<(Kind, Input)>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<FileSummary>, ImportFailure> {
    import_inputs_unclean(conn, actor, inputs, opts, progress).map_err(clean)
}

fn import_inputs_unclean(
    conn: &mut Connection,
    actor: &Actor,
    inputs: Vec<(Kind, Input)>,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<FileSummary>, ImportFailure> {
    let first = inputs.first().map(|(_, i)| i.name()).unwrap_or_default();
    actor.require_write().map_err(|e| failure(&first, e))?;
    let mut done = Vec::new();
    if opts.dry_run {
        // the files share one transaction: settings for a disbursement file, if any
        let settings = inputs
            .iter()
            .find(|(k, _)| *k == Kind::Disbursements)
            .map(|(k, i)| Settings::for_file(conn, *k, i))
            .unwrap_or_default();
        if let Err(e) = conn.execute_batch("BEGIN") {
            settings.restore(conn);
            return Err(failure(&first, e));
        }
        let mut result = Ok(());
        for (kind, input) in &inputs {
            match import_one(conn, actor, *kind, input, opts, progress) {
                Ok(s) => done.push(s),
                Err(mut f) => {
                    f.done = std::mem::take(&mut done);
                    result = Err(f);
                    break;
                }
            }
        }
        // nothing of a dry run is kept
        let _ = conn.execute_batch("ROLLBACK");
        settings.restore(conn);
        return result.map(|_| done);
    }
    for (kind, input) in &inputs {
        let name = input.name();
        let settings = Settings::for_file(conn, *kind, input);
        let begun = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| failure(&name, e));
        if let Err(mut f) = begun {
            settings.restore(conn);
            f.done = done;
            return Err(f);
        }
        let result = import_one(conn, actor, *kind, input, opts, progress);
        let result = match result {
            Ok(s) => match conn.execute_batch("COMMIT") {
                Ok(()) => Ok(s),
                Err(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(failure(&name, e))
                }
            },
            Err(f) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(f)
            }
        };
        settings.restore(conn);
        match result {
            Ok(s) => done.push(s),
            Err(mut f) => {
                f.done = done;
                return Err(f);
            }
        }
    }
    Ok(done)
}

/// Connection settings for loading one file, set before its transaction begins (SQLite
/// refuses to change them inside one) and put back after it ends.
///
/// - A disbursement file is loaded with foreign-key enforcement off: the loader resolves
///   every program, enterprise and reversed voucher itself, from the tables as they are
///   in this very transaction, so SQLite's per-row parent lookups (≈4 s of CPU per
///   million rows: the enterprise table does not fit the page cache) would only repeat
///   them. Nothing else writes in the transaction.
/// - The first big disbursement file into an empty table is loaded with a rollback
///   journal instead of WAL when no other connection has the database open: WAL would
///   write every page twice and look each one up in the WAL index while the indexes are
///   rebuilt (≈25 % of the load). Crash safety is the rollback journal's (a hot journal
///   rolls the file back on the next open); the database returns to WAL after the
///   commit (or at the next open, should the process die first). With other clerks
///   connected the switch is refused and the file loads in WAL, readers undisturbed.
#[derive(Debug, Default)]
struct Settings {
    foreign_keys_off: bool,
    journal_switched: bool,
}

impl Settings {
    fn for_file(conn: &Connection, kind: Kind, input: &Input) -> Settings {
        let mut s = Settings::default();
        if kind != Kind::Disbursements {
            return s;
        }
        s.foreign_keys_off = conn.execute_batch("PRAGMA foreign_keys = OFF").is_ok();
        let big = match input {
            Input::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Input::Bytes { bytes, .. } => bytes.len() as u64,
        } >= BULK_BYTES;
        let mode = |c: &Connection, sql: &str| c.query_row(sql, [], |r| r.get::<_, String>(0));
        let empty = || {
            conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM disbursement)", [], |r| {
                r.get::<_, bool>(0)
            })
            .unwrap_or(false)
        };
        if big && mode(conn, "PRAGMA journal_mode").is_ok_and(|m| m == "wal") && empty() {
            s.journal_switched =
                mode(conn, "PRAGMA journal_mode = DELETE").is_ok_and(|m| m == "delete");
        }
        s
    }

    fn restore(self, conn: &Connection) {
        if self.journal_switched {
            // should this fail, db::open sets WAL again on the next open
            let _ = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        }
        if self.foreign_keys_off {
            let _ = conn.execute_batch("PRAGMA foreign_keys = ON");
        }
    }
}

/// Open an input's records. xlsx by extension or by its zip signature.
fn open_records<'a>(
    input: &'a Input<'a>,
    shared: &Arc<Shared>,
) -> Result<(Records<'a>, u64), String> {
    let name = input.name();
    let xlsx_name = name.to_lowercase().ends_with(".xlsx");
    match input {
        Input::Path(path) => {
            let mut file =
                std::fs::File::open(path).map_err(|e| format!("无法打开 (cannot open): {e}"))?;
            let total = file.metadata().map(|m| m.len()).unwrap_or(0);
            let mut magic = [0u8; 4];
            let n = file.read(&mut magic).map_err(|e| e.to_string())?;
            if xlsx_name || magic[..n] == *b"PK\x03\x04" {
                let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
                let recs = Records::xlsx(&bytes, shared).map_err(fatal_text)?;
                return Ok((recs, total));
            }
            let reader = std::io::Cursor::new(magic[..n].to_vec()).chain(file);
            Ok((Records::csv(Box::new(reader), shared.clone()), total))
        }
        Input::Bytes { bytes, .. } => {
            let total = bytes.len() as u64;
            if xlsx_name || bytes.starts_with(b"PK\x03\x04") {
                let recs = Records::xlsx(bytes, shared).map_err(fatal_text)?;
                return Ok((recs, total));
            }
            Ok((Records::csv(Box::new(*bytes), shared.clone()), total))
        }
    }
}

fn fatal_text(f: Fatal) -> String {
    match f {
        Fatal::Line(l, m) => format!("{l}: {m}"),
        Fatal::File(m) => m,
    }
}

/// Import one file inside the caller's transaction (nothing is committed here).
fn import_one(
    conn: &Connection,
    actor: &Actor,
    kind: Kind,
    input: &Input,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FileSummary, ImportFailure> {
    let started = Instant::now();
    let name = input.name();
    let shared = Arc::new(Shared::default());
    let (mut recs, total_bytes) = open_records(input, &shared).map_err(|m| failure(&name, m))?;
    let header = match recs.header() {
        Ok(Some(h)) => h,
        Ok(None) => {
            return Err(failure(
                &name,
                "文件为空，没有表头 (empty file: no header row)",
            ))
        }
        Err(f) => return Err(read_failure(&name, f)),
    };
    let header_line = header.position().map(|p| p.line()).unwrap_or(1);
    let h =
        columns::map_header(kind, &header, opts.ignore_unknown).map_err(|errs| ImportFailure {
            done: Vec::new(),
            file: name.clone(),
            total: errs.len(),
            errors: errs
                .iter()
                .take(MAX_ERRORS)
                .map(|(c, r)| format!("{name}:{header_line}: {c}: {r}"))
                .collect(),
        })?;
    recs.set_date_fields(&h.date_fields);

    let db_fail = |e: Error| failure(&name, e);
    let mut cx = Cx::new(conn, kind, *opts).map_err(db_fail)?;
    let rebuild = if kind == Kind::Disbursements && total_bytes >= BULK_BYTES {
        drop_disbursement_indexes(conn).map_err(db_fail)?
    } else {
        Vec::new()
    };
    // the loader sums what it writes, and checks closed months itself
    // (`Fields::open_date` against the months read in this transaction): the per-row
    // triggers for both come back before the commit
    // (an enterprise file: the triggers that count changes for the search cache, counted
    // once at the end instead of once per row)
    let (suspended, checked) = match kind {
        Kind::Disbursements => (
            Some(summary::suspend_triggers(conn).map_err(db_fail)?),
            drop_objects(conn, "trigger", "name = 'disbursement_closed_ins'").map_err(db_fail)?,
        ),
        Kind::Enterprises => (
            None,
            drop_objects(conn, "trigger", "name GLOB 'enterprise_search_*'").map_err(db_fail)?,
        ),
        _ => (None, Vec::new()),
    };
    let mut errs = Errs {
        file: name.clone(),
        list: Vec::new(),
        total: 0,
    };
    let mut report = |rows: u64| {
        if total_bytes >= BULK_BYTES {
            progress(&Progress {
                file: &name,
                kind,
                rows,
                bytes: shared.bytes(),
                total_bytes,
            });
        }
    };
    // A disbursement row is checked by the loader against every CHECK of its table
    // before it is written (a required voucher, ISO dates through chrono, a known status,
    // the amount's sign against the reversal, a reversal paid and naming an earlier row):
    // SQLite's second evaluation of them, three date() calls a row, was ~1.5 s of the
    // writer's time at 1M rows. Off for the load only, on again before anything else is
    // written; `PRAGMA quick_check` still finds the constraints held (a test).
    let checks_off = kind == Kind::Disbursements
        && conn
            .pragma_update(None, "ignore_check_constraints", true)
            .is_ok();
    let loaded = loaders::load(kind, &mut cx, &mut recs, &h, &mut errs, &mut report);
    if checks_off {
        conn.pragma_update(None, "ignore_check_constraints", false)
            .map_err(|e| failure(&name, e))?;
    }
    match loaded {
        Ok(()) => {}
        Err(Abort::Read(f)) => {
            let line = match &f {
                Fatal::Line(l, _) => *l,
                Fatal::File(_) => 0,
            };
            let msg = fatal_text(f);
            if line > 0 {
                errs.total += 1;
                errs.list.push(format!("{name}:{msg}"));
            } else {
                errs.total += 1;
                errs.list.push(format!("{name}: {msg}"));
            }
        }
        Err(Abort::Db(e)) => return Err(failure(&name, e)),
    }
    drop(recs);
    if errs.total > 0 {
        return Err(ImportFailure {
            done: Vec::new(),
            file: name.clone(),
            errors: errs.list,
            total: errs.total,
        });
    }
    let sha256 = shared.sha256_hex();
    if kind.keyless() {
        let seen: Option<(String, String, String)> = conn
            .query_row(
                "SELECT file, by, at FROM import_batch WHERE kind = ?1 AND sha256 = ?2 ORDER BY id LIMIT 1",
                params![kind.as_str(), sha256],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| failure(&name, e))?;
        if let Some((file, by, at)) = seen {
            return Err(failure(
                &name,
                format!(
                    "同一文件已于 {at} 由 {by} 导入（{file}），不能重复导入 (this identical file was already imported; {} rows have no key, so loading it twice would double them)",
                    kind.as_str()
                ),
            ));
        }
    }
    let Counts {
        read,
        inserted,
        updated,
        unchanged,
    } = cx.counts;
    let written = inserted + updated;
    let finish = || -> Result<(), Error> {
        let triggers = |suspended: Option<summary::Suspended>| -> Result<(), Error> {
            if let Some(s) = suspended {
                summary::resume_triggers(conn, s, &cx.summary)?;
            }
            checked
                .iter()
                .try_for_each(|(_, sql)| conn.execute_batch(sql))?;
            if kind == Kind::Enterprises {
                conn.execute(
                    "UPDATE enterprise_search_state SET changes = changes + 1 WHERE id = 1",
                    [],
                )?;
            }
            Ok(())
        };
        if opts.dry_run {
            // rolled back by the caller; the triggers are put back for the files after
            return triggers(suspended);
        }
        rebuild_indexes(conn, &rebuild)?;
        triggers(suspended)?;
        conn.execute(
                "INSERT INTO import_batch (kind, file, sha256, rows, by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![kind.as_str(), name, sha256, written as i64, actor.user, now_stamp()],
            )?;
        audit::record(
            conn,
            &actor.user,
            "import",
            kind.as_str(),
            &name,
            None::<&()>,
            Some(&serde_json::json!({ "rows": written, "sha256": sha256 })),
        )
    };
    finish().map_err(db_fail)?;
    Ok(FileSummary {
        file: name.clone(),
        kind,
        read,
        written,
        inserted,
        updated,
        unchanged,
        dry_run: opts.dry_run,
        sha256,
        elapsed: started.elapsed(),
    })
}

fn read_failure(name: &str, f: Fatal) -> ImportFailure {
    match f {
        Fatal::Line(l, m) => ImportFailure {
            done: Vec::new(),
            file: name.to_string(),
            errors: vec![format!("{name}:{l}: {m}")],
            total: 1,
        },
        Fatal::File(m) => failure(name, m),
    }
}

/// When the disbursement table is empty, drop its full `ix_disb_*` indexes (inside the
/// transaction) and return their definitions for [`rebuild_indexes`]. The partial ones
/// (`… WHERE`: reversals, open rows) stay: they take a few per cent of the rows, so
/// keeping them up to date costs less than the full scan each rebuild would need.
fn drop_disbursement_indexes(conn: &Connection) -> Result<Vec<(String, String)>, Error> {
    let empty: bool =
        conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM disbursement)", [], |r| {
            r.get(0)
        })?;
    if !empty {
        return Ok(Vec::new());
    }
    drop_objects(
        conn,
        "index",
        "tbl_name = 'disbursement' AND name GLOB 'ix_disb_*' AND sql NOT GLOB '* WHERE *'",
    )
}

/// Drop the objects of `kind` (index, trigger) that `filter` selects from sqlite_master,
/// inside the transaction; returns their names and definitions to recreate them.
fn drop_objects(
    conn: &Connection,
    kind: &str,
    filter: &str,
) -> Result<Vec<(String, String)>, Error> {
    let defs: Vec<(String, String)> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT name, sql FROM sqlite_master WHERE type = ?1 AND sql IS NOT NULL AND {filter}"
        ))?;
        let rows = stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (name, _) in &defs {
        conn.execute_batch(&format!("DROP {kind} \"{name}\""))?;
    }
    Ok(defs)
}

/// Recreate dropped indexes. CREATE INDEX sorts the rows; with a second core free (the
/// reading thread of the load is done by now) SQLite's sorter uses a helper thread
/// (`PRAGMA threads`), which builds the indexes of 1M rows ~20 % sooner.
fn rebuild_indexes(conn: &Connection, defs: &[(String, String)]) -> Result<(), Error> {
    if defs.is_empty() {
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let helpers = cores.clamp(1, 4) - 1;
    conn.query_row(&format!("PRAGMA threads = {helpers}"), [], |_| Ok(()))?;
    let built = defs.iter().try_for_each(|(_, sql)| conn.execute_batch(sql));
    conn.query_row("PRAGMA threads = 0", [], |_| Ok(()))?;
    built?;
    Ok(())
}
