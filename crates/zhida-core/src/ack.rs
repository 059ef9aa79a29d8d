//! Acknowledging a finding (核查确认): the key `rule|program|enterprise|voucher|year` is
//! stored in `finding_ack` with a note, who and when; acknowledging again updates the
//! note. Acknowledged findings still show, marked, with the note. Audited.
//! Reconciliation differences (对账差异, keys `RECON|…`) are acknowledged the same way.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::checks::{Ack, Rule};
use crate::dates::now_stamp;
use crate::error::{Error, Result};
use crate::users::Actor;

#[derive(Debug, Serialize)]
struct AckRow<'a> {
    note: &'a str,
    by: &'a str,
    at: &'a str,
}

/// Check the shape of a finding key: five `|`-separated parts, a known rule, a program
/// and a four-digit year — or a reconciliation key `RECON|kind|ref|ours|upstream`
/// ([`crate::reconcile::validate_key`]).
pub fn validate_key(key: &str) -> Result<()> {
    if key.starts_with("RECON|") {
        return crate::reconcile::validate_key(key)
            .map_err(|why| Error::invalid(format!("对账确认键 '{key}' 不正确：{why}")));
    }
    let parts: Vec<&str> = key.split('|').collect();
    let bad = |why: &str| {
        Error::invalid(format!(
            "核查结果键 '{key}' 不正确：{why} (expected rule|program|enterprise|voucher|year)"
        ))
    };
    if parts.len() != 5 {
        return Err(bad("应有 5 段"));
    }
    if Rule::ALL.iter().all(|r| r.as_str() != parts[0]) {
        return Err(bad("未知规则"));
    }
    if parts[1].trim().is_empty() {
        return Err(bad("缺少项目编码"));
    }
    if parts[4].len() != 4 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("年份应为四位数字"));
    }
    Ok(())
}

/// Acknowledge (or re-acknowledge, replacing the note) a finding.
pub fn acknowledge(conn: &mut Connection, actor: &Actor, key: &str, note: &str) -> Result<()> {
    actor.require_write()?;
    let key = key.trim();
    validate_key(key)?;
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::invalid("确认说明不能为空 (a note is required)"));
    }
    let tx = conn.transaction()?;
    let before = get(&tx, key)?;
    let at = now_stamp();
    tx.execute(
        "INSERT INTO finding_ack (key, note, by, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(key) DO UPDATE SET note = excluded.note, by = excluded.by, at = excluded.at",
        params![key, note, actor.user, at],
    )?;
    let after = AckRow {
        note,
        by: &actor.user,
        at: &at,
    };
    crate::audit::record(
        &tx,
        &actor.user,
        if before.is_some() { "update" } else { "insert" },
        "finding_ack",
        key,
        before.as_ref(),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(())
}

/// Every acknowledgement whose key starts with `prefix` ("" = all), by key.
pub fn with_prefix(conn: &Connection, prefix: &str) -> Result<HashMap<String, Ack>> {
    let mut stmt = conn.prepare(
        "SELECT key, note, by, at FROM finding_ack WHERE substr(key, 1, length(?1)) = ?1",
    )?;
    let rows = stmt.query_map([prefix], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Ack {
                note: r.get(1)?,
                by: r.get(2)?,
                at: r.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The acknowledgement of a key, if any.
pub fn get(conn: &Connection, key: &str) -> Result<Option<Ack>> {
    Ok(conn
        .query_row(
            "SELECT note, by, at FROM finding_ack WHERE key = ?1",
            [key],
            |r| {
                Ok(Ack {
                    note: r.get(0)?,
                    by: r.get(1)?,
                    at: r.get(2)?,
                })
            },
        )
        .optional()?)
}
