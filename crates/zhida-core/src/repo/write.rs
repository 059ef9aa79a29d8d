//! Low-level inserts of one row each, resolving codes to ids. They neither audit nor open
//! transactions: callers (import, ledger, fixtures in tests) do both around them.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use crate::credit_code::CreditCode;
use crate::dates::iso;
use crate::error::{Error, Result};
use crate::model::{sizes_to_db, Direction, Level, ProgramStatus, Reason, Size, Status};
use crate::money::Money;
use crate::pinyin_keys::pinyin_keys;

#[derive(Debug, Clone, PartialEq)]
pub struct NewProgram {
    pub code: String,
    pub name: String,
    pub department: String,
    pub level: Level,
    pub fiscal_year: i32,
    pub policy_ref: String,
    pub is_direct: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub cap_per_enterprise: Option<Money>,
    pub once_per_year: bool,
    pub exclusive_group: Option<String>,
    pub eligible_sizes: Vec<Size>,
    pub status: ProgramStatus,
}

impl NewProgram {
    /// A county-level, active, direct-fund program with no restrictions.
    pub fn new(code: &str, name: &str, fiscal_year: i32) -> NewProgram {
        NewProgram {
            code: code.into(),
            name: name.into(),
            department: String::new(),
            level: Level::County,
            fiscal_year,
            policy_ref: String::new(),
            is_direct: true,
            start_date: None,
            end_date: None,
            cap_per_enterprise: None,
            once_per_year: false,
            exclusive_group: None,
            eligible_sizes: Vec::new(),
            status: ProgramStatus::Active,
        }
    }
}

pub fn insert_program(conn: &Connection, p: &NewProgram) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO program (code, name, department, level, fiscal_year, policy_ref, is_direct, start_date, end_date,
             cap_per_enterprise_fen, once_per_year, exclusive_group, eligible_sizes, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        p.code,
        p.name,
        p.department,
        p.level,
        p.fiscal_year,
        p.policy_ref,
        p.is_direct,
        p.start_date.map(iso),
        p.end_date.map(iso),
        p.cap_per_enterprise,
        p.once_per_year,
        p.exclusive_group,
        sizes_to_db(&p.eligible_sizes),
        p.status,
    ])?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEnterprise {
    pub credit_code: CreditCode,
    pub name: String,
    pub size: Size,
    pub industry: String,
    pub township: String,
    pub contact: String,
}

pub fn insert_enterprise(conn: &Connection, e: &NewEnterprise) -> Result<i64> {
    let (ini, full) = pinyin_keys(&e.name);
    conn.prepare_cached(
        "INSERT INTO enterprise (credit_code, name, size, industry, township, contact, py_initials, py_full)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![e.credit_code.as_str(), e.name, e.size, e.industry, e.township, e.contact, ini, full])?;
    Ok(conn.last_insert_rowid())
}

pub fn program_id(conn: &Connection, code: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM program WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("项目编码 {code} (program)")))
}

pub fn enterprise_id(conn: &Connection, credit_code: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM enterprise WHERE credit_code = ?1")?
        .query_row([credit_code], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("统一社会信用代码 {credit_code} (enterprise)")))
}

pub fn disbursement_id(conn: &Connection, voucher: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM disbursement WHERE voucher_no = ?1")?
        .query_row([voucher], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("凭证号 {voucher} (voucher)")))
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAllocation {
    pub program_code: String,
    pub date: NaiveDate,
    pub amount: Money,
    pub doc_no: String,
    pub note: String,
}

pub fn insert_allocation(conn: &Connection, a: &NewAllocation) -> Result<i64> {
    let pid = program_id(conn, &a.program_code)?;
    conn.prepare_cached("INSERT INTO allocation (program_id, date, amount_fen, doc_no, note) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![pid, iso(a.date), a.amount, a.doc_no, a.note])
        .map_err(|e| Error::from_db(e, &iso(a.date)[..7]))?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewDisbursement {
    pub voucher_no: String,
    pub program_code: String,
    pub credit_code: String,
    pub amount: Money,
    pub date: NaiveDate,
    pub status: Status,
    pub entered_by: String,
    pub approved_by: String,
    /// voucher number of the paid row this reversal cancels
    pub reverses: Option<String>,
    pub note: String,
}

pub fn insert_disbursement(conn: &Connection, d: &NewDisbursement) -> Result<i64> {
    let pid = program_id(conn, &d.program_code)?;
    let eid = enterprise_id(conn, &d.credit_code)?;
    let rev = d
        .reverses
        .as_deref()
        .map(|v| disbursement_id(conn, v))
        .transpose()?;
    conn.prepare_cached(
        "INSERT INTO disbursement (voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by, reverses_id, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![d.voucher_no, pid, eid, d.amount, iso(d.date), d.status, d.entered_by, d.approved_by, rev, d.note])
    .map_err(|e| Error::from_db(e, &iso(d.date)[..7]))?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRecovery {
    pub program_code: String,
    pub date: NaiveDate,
    pub amount: Money,
    pub reason: Reason,
    pub doc_no: String,
    pub credit_code: Option<String>,
    pub reallocated_to: Option<String>,
    pub note: String,
}

/// Insert a recovery and, when it is reallocated, the matching allocation (same amount
/// and date) to the receiving program. Both in the caller's transaction.
pub fn insert_recovery(conn: &Connection, r: &NewRecovery) -> Result<i64> {
    let pid = program_id(conn, &r.program_code)?;
    let eid = r
        .credit_code
        .as_deref()
        .map(|c| enterprise_id(conn, c))
        .transpose()?;
    let (to_id, alloc_id) = match &r.reallocated_to {
        Some(to) => {
            let to_id = program_id(conn, to)?;
            let alloc = insert_allocation(
                conn,
                &NewAllocation {
                    program_code: to.clone(),
                    date: r.date,
                    amount: r.amount,
                    doc_no: r.doc_no.clone(),
                    note: format!("统筹安排：自 {} 收回调入", r.program_code),
                },
            )?;
            (Some(to_id), Some(alloc))
        }
        None => (None, None),
    };
    conn.prepare_cached(
        "INSERT INTO recovery (program_id, date, amount_fen, reason, doc_no, enterprise_id, reallocated_to_id, allocation_id, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![pid, iso(r.date), r.amount, r.reason, r.doc_no, eid, to_id, alloc_id, r.note])
    .map_err(|e| Error::from_db(e, &iso(r.date)[..7]))?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEvaluation {
    pub program_code: String,
    pub year: i32,
    pub score_x100: i64,
    pub evaluator: String,
    pub date: NaiveDate,
    pub note: String,
}

pub fn insert_evaluation(conn: &Connection, e: &NewEvaluation) -> Result<i64> {
    let pid = program_id(conn, &e.program_code)?;
    conn.prepare_cached(
        "INSERT INTO evaluation (program_id, year, score_x100, evaluator, date, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![pid, e.year, e.score_x100, e.evaluator, iso(e.date), e.note])
    .map_err(|err| Error::from_db(err, &iso(e.date)[..7]))?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewIndicator {
    pub program_code: String,
    pub year: i32,
    pub name: String,
    pub unit: String,
    pub target: rust_decimal::Decimal,
    pub actual: Option<rust_decimal::Decimal>,
    pub direction: Direction,
}

pub fn insert_indicator(conn: &Connection, i: &NewIndicator) -> Result<i64> {
    let pid = program_id(conn, &i.program_code)?;
    conn.prepare_cached(
        "INSERT INTO indicator (program_id, year, name, unit, target, actual, direction) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        pid,
        i.year,
        i.name,
        i.unit,
        i.target.normalize().to_string(),
        i.actual.map(|a| a.normalize().to_string()),
        i.direction
    ])?;
    Ok(conn.last_insert_rowid())
}
