//! A read-only statement stepped through SQLite's C API, for the one loop where the cost
//! of reading a value matters: the check's scan of a million rows. Through rusqlite each
//! value costs three calls into SQLite (column count, type, value); here an integer costs
//! one, a text two. At 1M rows × 9 values that was ~0.15 s per core of a ~0.9 s check.
//!
//! Safe to use: the statement is finalized on drop, a row borrows the statement so it
//! cannot outlive the next step, texts are copied or parsed before that, and SQLite
//! answers an index out of range with NULL, never undefined behaviour.

use std::ffi::{c_int, CString};
use std::marker::PhantomData;

use rusqlite::{ffi, Connection};

use crate::error::{Error, Result};

pub(super) struct RawQuery<'c> {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> RawQuery<'c> {
    /// Prepare `sql` (one statement) on `conn`.
    pub fn new(conn: &'c Connection, sql: &str) -> Result<RawQuery<'c>> {
        let sql = CString::new(sql).map_err(|_| Error::invalid("SQL with a NUL byte"))?;
        // SAFETY: the handle is used only while `conn` is borrowed, on this thread
        // (Connection is not Sync, and RawQuery borrows it)
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        // SAFETY: db is open; sql is NUL-terminated; stmt receives the new statement
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
        };
        if rc != ffi::SQLITE_OK {
            // SAFETY: db is open; the error is read before anything else runs on it
            return Err(unsafe { sqlite_error(db, rc) });
        }
        if stmt.is_null() {
            return Err(Error::invalid("empty SQL statement"));
        }
        Ok(RawQuery {
            db,
            stmt,
            _conn: PhantomData,
        })
    }

    fn check(&self, rc: c_int) -> Result<()> {
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            // SAFETY: db is open
            Err(unsafe { sqlite_error(self.db, rc) })
        }
    }

    /// Bind parameter `i` (from 1) to an integer.
    pub fn bind_int(&mut self, i: c_int, v: i64) -> Result<()> {
        // SAFETY: stmt is a live statement; SQLite checks the index
        let rc = unsafe { ffi::sqlite3_bind_int64(self.stmt, i, v) };
        self.check(rc)
    }

    /// Bind parameter `i` (from 1) to a text, which SQLite copies.
    pub fn bind_text(&mut self, i: c_int, v: &str) -> Result<()> {
        let len = c_int::try_from(v.len()).map_err(|_| Error::invalid("text too long"))?;
        // SAFETY: stmt is live; the pointer and length describe `v`; SQLITE_TRANSIENT makes
        // SQLite copy the text before this returns
        let rc = unsafe {
            ffi::sqlite3_bind_text(
                self.stmt,
                i,
                v.as_ptr().cast(),
                len,
                ffi::SQLITE_TRANSIENT(),
            )
        };
        self.check(rc)
    }

    /// The next row, or None at the end.
    pub fn next(&mut self) -> Result<Option<RawRow<'_>>> {
        // SAFETY: stmt is live
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(Some(RawRow {
                stmt: self.stmt,
                _query: PhantomData,
            })),
            ffi::SQLITE_DONE => Ok(None),
            rc => Err(unsafe { sqlite_error(self.db, rc) }),
        }
    }
}

impl Drop for RawQuery<'_> {
    fn drop(&mut self) {
        // SAFETY: stmt was prepared by us and is finalized once
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

/// The error SQLite reports for `rc` on `db`, as rusqlite reports its own.
///
/// # Safety
/// `db` must be an open connection, read before anything else runs on it.
#[cold]
unsafe fn sqlite_error(db: *mut ffi::sqlite3, rc: c_int) -> Error {
    // SAFETY: the caller's promise; sqlite3_errmsg returns a NUL-terminated UTF-8 text
    // owned by the connection, copied here at once
    let msg = unsafe {
        let p = ffi::sqlite3_errmsg(db);
        (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    Error::from(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), msg))
}

/// The current row; valid until the next step (it borrows the query).
pub(super) struct RawRow<'q> {
    stmt: *mut ffi::sqlite3_stmt,
    _query: PhantomData<&'q mut ()>,
}

impl RawRow<'_> {
    /// Column `i` (from 0) as stored, when it is an integer.
    pub fn int(&self, i: c_int) -> Option<i64> {
        // SAFETY: stmt is on a row (it is borrowed until the next step)
        unsafe {
            (ffi::sqlite3_column_type(self.stmt, i) == ffi::SQLITE_INTEGER)
                .then(|| ffi::sqlite3_column_int64(self.stmt, i))
        }
    }

    /// Column `i` as an integer, without asking its type: for columns that can only hold
    /// integers (the rowid, an INTEGER column under a foreign key or a 0/1 test), where a
    /// NULL would read as 0.
    pub fn int_unchecked(&self, i: c_int) -> i64 {
        // SAFETY: as above
        unsafe { ffi::sqlite3_column_int64(self.stmt, i) }
    }

    /// Column `i` as bytes when it is a text (or a blob); None for NULL and numbers.
    pub fn text(&self, i: c_int) -> Option<&[u8]> {
        // SAFETY: as above; the pointer and length come from SQLite for this row and stay
        // valid while the row is (the borrow of the query ends before the next step)
        unsafe {
            match ffi::sqlite3_column_type(self.stmt, i) {
                ffi::SQLITE_TEXT | ffi::SQLITE_BLOB => {
                    let p = ffi::sqlite3_column_text(self.stmt, i);
                    let n = ffi::sqlite3_column_bytes(self.stmt, i);
                    if p.is_null() || n < 0 {
                        (n == 0).then_some(&[][..])
                    } else {
                        Some(std::slice::from_raw_parts(p.cast::<u8>(), n as usize))
                    }
                }
                _ => None,
            }
        }
    }
}
