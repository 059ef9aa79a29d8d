//! The search keys of every enterprise (credit code, name, pinyin initials, full pinyin)
//! packed into a few large values (`enterprise_search`), for one-shot lookups such as
//! `zhida status 元江县`: a new process reads ~50 values (≈3 ms for 50,000 enterprises)
//! and searches them with one SIMD scan, where stepping through the 50,000 rows of
//! `enterprise` costs ~15–20 ms before the first match.
//!
//! A cache, not a copy the program must keep right: the triggers on `enterprise` only
//! count changes (`enterprise_search_state.changes`); a reader that finds the count moved
//! since the cache was built (`built`) rebuilds it in a short write transaction, or —
//! when it cannot take the write lock at once, or the file is read-only — answers from
//! the table itself ([`Lookup::Unavailable`]).
//!
//! Layout of one chunk (up to [`CHUNK`] enterprises, by id), kind 0 (names):
//! `n: u32`, then `n × (id: i64, credit_code: [u8; 18], end: u32)`, then the names, each
//! followed by 0xFF (never in UTF-8, so no match of a query spans two names); `end` is
//! where the entry's name ends in that text. Kind 1 (pinyin): `n: u32`, then `n × (id:
//! i64, initials_end: u32, full_end: u32)`, then `initials 0xFF full 0xFF` per entry.
//! Integers little-endian; rows keyed `kind << 32 | chunk`.

use memchr::memmem::Finder;
use rusqlite::{params, Connection, ErrorCode, TransactionBehavior};

use crate::error::Result;

/// Enterprises per chunk.
pub const CHUNK: usize = 1024;

const NAMES: i64 = 0;
const PINYIN: i64 = 1;
const SEP: u8 = 0xFF;

/// One enterprise of the cache, as a match reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
}

/// A test on an enterprise's (pinyin initials, full pinyin).
pub type PinyinTest<'a> = dyn Fn(&[u8], &[u8]) -> bool + 'a;

/// Whether the cache could answer.
#[derive(Debug)]
pub enum Lookup<T> {
    Found(T),
    /// stale and not rebuildable now (another writer, a read-only file): ask the table
    Unavailable,
}

/// Make the cache current (rebuilding it if the enterprises changed). Ok(false) when it is
/// stale and cannot be rebuilt now.
pub fn ensure_fresh(conn: &Connection) -> Result<bool> {
    if is_fresh(conn)? {
        return Ok(true);
    }
    // never wait for another clerk's write: answering from the table is only slower
    let timeout = crate::db::BUSY_TIMEOUT;
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let rebuilt = rebuild(conn);
    conn.busy_timeout(timeout)?;
    match rebuilt {
        Ok(()) => Ok(true),
        Err(crate::Error::Db(rusqlite::Error::SqliteFailure(f, _)))
            if matches!(
                f.code,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

fn is_fresh(conn: &Connection) -> Result<bool> {
    let fresh: Option<bool> = conn
        .prepare_cached("SELECT built IS changes FROM enterprise_search_state WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .ok();
    Ok(fresh == Some(true))
}

/// Build the cache from `enterprise`, in one IMMEDIATE transaction.
pub fn rebuild(conn: &Connection) -> Result<()> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    // the count read under the write lock: what the cache will reflect
    let changes: i64 = tx.query_row(
        "SELECT changes FROM enterprise_search_state WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM enterprise_search", [])?;
    {
        let mut rows = tx.prepare(
            "SELECT id, credit_code, name, py_initials, py_full FROM enterprise ORDER BY id",
        )?;
        let mut rows = rows.query([])?;
        let mut insert = tx.prepare("INSERT INTO enterprise_search (key, data) VALUES (?1, ?2)")?;
        let mut chunk = Builder::default();
        let mut n = 0i64;
        while let Some(r) = rows.next()? {
            let text = |i| r.get_ref(i).and_then(|v| Ok(v.as_bytes()?));
            chunk.add(r.get(0)?, text(1)?, text(2)?, text(3)?, text(4)?);
            if chunk.len() == CHUNK {
                chunk.store(&mut insert, n)?;
                chunk = Builder::default();
                n += 1;
            }
        }
        if chunk.len() > 0 {
            chunk.store(&mut insert, n)?;
        }
    }
    tx.execute(
        "UPDATE enterprise_search_state SET built = ?1 WHERE id = 1",
        [changes],
    )?;
    tx.commit()?;
    Ok(())
}

/// One chunk being built.
#[derive(Default)]
struct Builder {
    n: usize,
    names_head: Vec<u8>,
    names: Vec<u8>,
    pinyin_head: Vec<u8>,
    pinyin: Vec<u8>,
}

impl Builder {
    fn len(&self) -> usize {
        self.n
    }

    fn add(&mut self, id: i64, code: &[u8], name: &[u8], ini: &[u8], full: &[u8]) {
        let mut c = [b' '; 18];
        let k = code.len().min(18);
        c[..k].copy_from_slice(&code[..k]);
        self.names.extend_from_slice(name);
        self.names_head.extend_from_slice(&id.to_le_bytes());
        self.names_head.extend_from_slice(&c);
        self.names_head
            .extend_from_slice(&(self.names.len() as u32).to_le_bytes());
        self.names.push(SEP);
        self.pinyin.extend_from_slice(ini);
        let ini_end = self.pinyin.len() as u32;
        self.pinyin.push(SEP);
        self.pinyin.extend_from_slice(full);
        let full_end = self.pinyin.len() as u32;
        self.pinyin.push(SEP);
        self.pinyin_head.extend_from_slice(&id.to_le_bytes());
        self.pinyin_head.extend_from_slice(&ini_end.to_le_bytes());
        self.pinyin_head.extend_from_slice(&full_end.to_le_bytes());
        self.n += 1;
    }

    fn store(self, insert: &mut rusqlite::Statement<'_>, chunk: i64) -> Result<()> {
        let blob = |head: Vec<u8>, text: Vec<u8>| {
            let mut b = Vec::with_capacity(4 + head.len() + text.len());
            b.extend_from_slice(&(self.n as u32).to_le_bytes());
            b.extend_from_slice(&head);
            b.extend_from_slice(&text);
            b
        };
        let names = blob(self.names_head, self.names);
        let pinyin = blob(self.pinyin_head, self.pinyin);
        insert.execute(params![NAMES << 32 | chunk, names])?;
        insert.execute(params![PINYIN << 32 | chunk, pinyin])?;
        Ok(())
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i64_at(b: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The header and text of one chunk: (entries, header, text) for a header record size.
fn split(blob: &[u8], record: usize) -> Option<(usize, &[u8], &[u8])> {
    let n = u32_at(blob, 0)? as usize;
    let text_at = 4 + n.checked_mul(record)?;
    Some((n, blob.get(4..text_at)?, blob.get(text_at..)?))
}

/// The enterprises whose name contains `needle` (bytes; with `fold`, ASCII letters
/// compare case-insensitively, as SQLite's LIKE does, and `needle` is lower-case), or
/// whose pinyin keys pass `pinyin(initials, full)`; in id order.
pub fn search(
    conn: &Connection,
    needle: &[u8],
    fold: bool,
    pinyin: Option<&PinyinTest<'_>>,
) -> Result<Lookup<Vec<Entry>>> {
    if !ensure_fresh(conn)? {
        return Ok(Lookup::Unavailable);
    }
    let finder = Finder::new(needle);
    // the values are read where SQLite holds them (no copy into Rust): names and pinyin
    // chunks come in pairs, the pinyin one first when it is needed
    let sql = if pinyin.is_some() {
        "SELECT n.data, p.data FROM enterprise_search n JOIN enterprise_search p ON p.key = n.key + (1 << 32)
         WHERE n.key < (1 << 32) ORDER BY n.key"
    } else {
        "SELECT data, NULL FROM enterprise_search WHERE key < (1 << 32) ORDER BY key"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    let mut hit = Vec::new();
    let mut folded = Vec::new();
    while let Some(row) = rows.next()? {
        let blob = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        let Some((n, head, text)) = split(blob, 30) else {
            continue;
        };
        let entry = |i: usize| -> Option<(i64, &[u8], usize)> {
            let at = i * 30;
            Some((
                i64_at(head, at)?,
                head.get(at + 8..at + 26)?,
                u32_at(head, at + 26)? as usize,
            ))
        };
        hit.clear();
        hit.resize(n, false);
        // pinyin: entry by entry (the chunk of the same number holds the same entries)
        let pin = row
            .get_ref(1)?
            .as_blob_or_null()
            .map_err(rusqlite::Error::from)?;
        if let (Some(test), Some((pn, ph, pt))) = (pinyin, pin.and_then(|b| split(b, 16))) {
            let mut start = 0usize;
            for (i, h) in hit.iter_mut().enumerate().take(pn) {
                let at = i * 16;
                let (Some(ini_end), Some(full_end)) = (u32_at(ph, at + 8), u32_at(ph, at + 12))
                else {
                    break;
                };
                let (ini_end, full_end) = (ini_end as usize, full_end as usize);
                let ini = pt.get(start..ini_end).unwrap_or(b"");
                let full = pt.get(ini_end + 1..full_end).unwrap_or(b"");
                *h = test(ini, full);
                start = full_end + 1;
            }
        }
        // names: one scan of the chunk's text; matches come in offset order, the entries
        // are walked along with them
        let hay: &[u8] = if fold {
            folded.clear();
            folded.extend(text.iter().map(u8::to_ascii_lowercase));
            &folded
        } else {
            text
        };
        let mut i = 0usize;
        for off in finder.find_iter(hay) {
            while i < n && entry(i).is_some_and(|(_, _, end)| end <= off) {
                i += 1;
            }
            if let Some(h) = hit.get_mut(i) {
                *h = true;
            }
        }
        let mut start = 0usize;
        for (i, h) in hit.iter().enumerate() {
            let Some((id, code, end)) = entry(i) else {
                break;
            };
            if *h {
                out.push(Entry {
                    id,
                    credit_code: String::from_utf8_lossy(code).trim_end().to_string(),
                    name: String::from_utf8_lossy(text.get(start..end).unwrap_or(b"")).into_owned(),
                });
            }
            start = end + 1;
        }
    }
    Ok(Lookup::Found(out))
}
