//! The audit log: every write appends one row (user, time, action, table, key,
//! before/after JSON). Rows form a hash chain, so a row changed behind zhida's back (the
//! table's triggers refuse UPDATE/DELETE, but a file can be edited) is detected by
//! [`verify`].

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dates::now_stamp;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub user: String,
    pub action: String,
    pub tbl: String,
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[allow(clippy::too_many_arguments)] // one argument per hashed column
fn digest(
    prev: &str,
    at: &str,
    user: &str,
    action: &str,
    tbl: &str,
    key: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        at,
        user,
        action,
        tbl,
        key,
        before.unwrap_or("\u{0}"),
        after.unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one entry. Call inside the transaction that makes the change.
pub fn record<B: Serialize, A: Serialize>(
    conn: &Connection,
    user: &str,
    action: &str,
    tbl: &str,
    key: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::invalid(e.to_string()))?;
    let after = after
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::invalid(e.to_string()))?;
    let prev: String = conn
        .query_row(
            "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let at = now_stamp();
    let hash = digest(
        &prev,
        &at,
        user,
        action,
        tbl,
        key,
        before.as_deref(),
        after.as_deref(),
    );
    conn.execute(
        "INSERT INTO audit_log (at, user, action, tbl, key, before_json, after_json, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![at, user, action, tbl, key, before, after, prev, hash],
    )?;
    Ok(())
}

/// Walk the chain; Err names the first row whose hash does not match its content.
pub fn verify(conn: &Connection) -> Result<usize> {
    let mut stmt = conn.prepare(
        "SELECT id, at, user, action, tbl, key, before_json, after_json, prev_hash, hash FROM audit_log ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = String::new();
    let mut n = 0usize;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let (at, user, action, tbl, key): (String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let before: Option<String> = r.get(6)?;
        let after: Option<String> = r.get(7)?;
        let prev_hash: String = r.get(8)?;
        let hash: String = r.get(9)?;
        let expect = digest(
            &prev,
            &at,
            &user,
            &action,
            &tbl,
            &key,
            before.as_deref(),
            after.as_deref(),
        );
        if prev_hash != prev || hash != expect {
            return Err(Error::invalid(format!(
                "操作日志第 {id} 条被篡改 (audit_log row {id} does not match its hash chain)"
            )));
        }
        prev = hash;
        n += 1;
    }
    Ok(n)
}

/// Newest first, keyset-paged by id: pass the smallest id of the previous page.
pub fn page(conn: &Connection, before_id: Option<i64>, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, user, action, tbl, key, before_json, after_json FROM audit_log
         WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![before_id.unwrap_or(i64::MAX), limit as i64], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            user: r.get(2)?,
            action: r.get(3)?,
            tbl: r.get(4)?,
            key: r.get(5)?,
            before: r.get(6)?,
            after: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;

    #[test]
    fn chain_verifies_and_log_is_append_only() {
        let conn = open_in_memory().unwrap();
        record(
            &conn,
            "张三",
            "insert",
            "program",
            "WG-2025",
            None::<&()>,
            Some(&serde_json::json!({"name": "稳岗返还"})),
        )
        .unwrap();
        record(
            &conn,
            "李四",
            "update",
            "program",
            "WG-2025",
            Some(&"旧"),
            Some(&"新"),
        )
        .unwrap();
        assert_eq!(verify(&conn).unwrap(), 2);
        assert!(conn
            .execute("UPDATE audit_log SET user='王五'", [])
            .is_err());
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
        let page = page(&conn, None, 10).unwrap();
        assert_eq!(page[0].user, "李四");
    }

    #[test]
    fn tampering_is_detected() {
        let conn = open_in_memory().unwrap();
        record(
            &conn,
            "张三",
            "insert",
            "program",
            "A",
            None::<&()>,
            Some(&1),
        )
        .unwrap();
        record(
            &conn,
            "张三",
            "insert",
            "program",
            "B",
            None::<&()>,
            Some(&2),
        )
        .unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET user='黑客' WHERE id=1;",
        )
        .unwrap();
        let err = verify(&conn).unwrap_err().to_string();
        assert!(err.contains("第 1 条"), "{err}");
    }
}
