//! Statements stepped through SQLite's C API, for the two loops where the cost of each
//! value matters:
//! - the check's scan of a million rows ([`RawQuery::next`]): through rusqlite each value
//!   costs three calls into SQLite (column count, type, value); here an integer costs one,
//!   a text two. At 1M rows × 9 values that was ~0.15 s per core of a ~0.9 s check;
//! - an import's multi-row inserts ([`RawQuery::run`]): the texts are bound where they
//!   lie, without the copy (and the allocation) rusqlite makes of each.
//!
//! Safe to use: the statement is finalized on drop, a row borrows the statement so it
//! cannot outlive the next step, texts are copied or parsed before that, a run lets go
//! of the texts it was given before it returns, and SQLite answers an index out of range
//! with NULL (or an error for a parameter), never undefined behaviour.

use std::ffi::{c_int, CString};
use std::marker::PhantomData;

use rusqlite::{ffi, Connection};

use crate::error::{Error, Result};

pub(crate) struct RawQuery<'c> {
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

    /// Bind `values` to the parameters 1, 2, … in order, run the statement to its end and
    /// reset it. The texts are bound without a copy (SQLITE_STATIC): sound because the
    /// statement is reset and its bindings cleared before this returns, so SQLite holds
    /// no pointer into them afterwards, whatever the outcome.
    pub fn run(&mut self, values: &[Value<'_>]) -> Result<()> {
        let bound = values.iter().enumerate().try_for_each(|(i, v)| {
            let i = c_int::try_from(i + 1).map_err(|_| Error::invalid("too many parameters"))?;
            // SAFETY: stmt is live; a text's pointer and length describe it, and it
            // outlives the step below (the bindings are cleared before we return)
            let rc = unsafe {
                match v {
                    Value::Null => ffi::sqlite3_bind_null(self.stmt, i),
                    Value::Int(n) => ffi::sqlite3_bind_int64(self.stmt, i, *n),
                    Value::Text(t) => ffi::sqlite3_bind_text(
                        self.stmt,
                        i,
                        t.as_ptr().cast(),
                        c_int::try_from(t.len()).map_err(|_| Error::invalid("text too long"))?,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            self.check(rc)
        });
        let stepped = bound.and_then(|()| loop {
            // SAFETY: stmt is live
            match unsafe { ffi::sqlite3_step(self.stmt) } {
                ffi::SQLITE_ROW => continue,
                ffi::SQLITE_DONE => break Ok(()),
                // SAFETY: db is open; the error is read before anything else runs on it
                rc => break Err(unsafe { sqlite_error(self.db, rc) }),
            }
        });
        // SAFETY: stmt is live; after these SQLite keeps no pointer into `values`
        unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt);
        }
        stepped
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

/// A parameter of [`RawQuery::run`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'v> {
    Null,
    Int(i64),
    Text(&'v str),
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
pub(crate) struct RawRow<'q> {
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

    /// Column `i` of a TEXT column (where SQLite stores any number given as text) as
    /// bytes, without asking its type (one call fewer; the check's scan reads three such
    /// columns a row): None for NULL.
    pub fn text_column(&self, i: c_int) -> Option<&[u8]> {
        // SAFETY: stmt is on a row; the pointer (NULL for a NULL value) and the length
        // come from SQLite for this row and stay valid while the row is (the borrow of
        // the query ends before the next step)
        unsafe {
            let p = ffi::sqlite3_column_text(self.stmt, i);
            if p.is_null() {
                return None;
            }
            let n = ffi::sqlite3_column_bytes(self.stmt, i);
            Some(std::slice::from_raw_parts(
                p.cast::<u8>(),
                n.max(0) as usize,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TEXT column read without asking its type: texts as stored (empty ones too), a
    /// number given to it as its text, NULL as None.
    #[test]
    fn text_columns_read_as_stored() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (v TEXT);
             INSERT INTO t VALUES ('2025-06-30'), (''), (20250630), (NULL), ('澧江街道');",
        )
        .unwrap();
        let mut q = RawQuery::new(&conn, "SELECT v FROM t ORDER BY rowid").unwrap();
        let mut got = Vec::new();
        while let Some(r) = q.next().unwrap() {
            got.push(
                r.text_column(0)
                    .map(|b| String::from_utf8(b.to_vec()).unwrap()),
            );
        }
        let want = [
            Some("2025-06-30"),
            Some(""),
            Some("20250630"),
            None,
            Some("澧江街道"),
        ];
        assert_eq!(got, want.map(|w| w.map(str::to_string)));
    }

    #[test]
    fn run_binds_in_place_and_the_statement_survives_its_errors() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (name TEXT NOT NULL UNIQUE, n INTEGER)")
            .unwrap();
        let mut ins =
            RawQuery::new(&conn, "INSERT INTO t (name, n) VALUES (?, ?), (?, ?)").unwrap();
        let (a, b) = (String::from("红河谷食品"), String::from("芒果合作社"));
        ins.run(&[Value::Text(&a), Value::Int(1), Value::Text(&b), Value::Null])
            .unwrap();
        // a taken name: the whole statement fails, and it can run again afterwards
        let c = String::from("甘庄街道");
        let err = ins
            .run(&[
                Value::Text(&c),
                Value::Int(2),
                Value::Text(&a),
                Value::Int(3),
            ])
            .unwrap_err();
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        // a parameter too many is refused, not ignored
        assert!(ins
            .run(&[
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0),
                Value::Int(0)
            ])
            .is_err());
        // the bindings of the failed runs are gone: unbound parameters would be NULL
        ins.run(&[
            Value::Text(&c),
            Value::Int(4),
            Value::Text("澧江街道"),
            Value::Int(5),
        ])
        .unwrap();
        drop((a, b, c));
        let mut q = RawQuery::new(&conn, "SELECT name, n FROM t ORDER BY rowid").unwrap();
        let mut got = Vec::new();
        while let Some(r) = q.next().unwrap() {
            let name = String::from_utf8(r.text_column(0).unwrap().to_vec()).unwrap();
            got.push((name, r.int(1)));
        }
        assert_eq!(
            got,
            [
                ("红河谷食品".to_string(), Some(1)),
                ("芒果合作社".to_string(), None),
                ("甘庄街道".to_string(), Some(4)),
                ("澧江街道".to_string(), Some(5)),
            ]
        );
    }
}
