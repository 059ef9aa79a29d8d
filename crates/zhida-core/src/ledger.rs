//! Every write a clerk makes through zhida: the disbursement life cycle (new → approve →
//! pay, reject, reverse), allocations, programs, enterprises, evaluations and indicator
//! results. Each call is one transaction with its audit row; roles are checked first
//! (auditor: no writes; approving and reversing: supervisor), then the domain rules, so
//! that a refusal names the rule broken instead of a trigger message — the schema's
//! triggers stay as the second layer. A refusal writes nothing.
//!
//! The headroom the disbursement form shows and its warnings live with the enterprise
//! file (`enterprise_file::verdict`: can this enterprise still receive X?); they are
//! re-exported here for the callers that know them from the ledger.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use rust_decimal::Decimal;
use serde_json::json;

use crate::audit;
use crate::credit_code::CreditCode;
use crate::dates::{iso, Month};
use crate::error::{Error, Result};
use crate::model::{Disbursement, ProgramStatus, Status};
use crate::money::Money;
use crate::repo::lookup::disbursement_by_voucher;
use crate::repo::write::{
    self, NewAllocation, NewEnterprise, NewEvaluation, NewIndicator, NewProgram,
};
use crate::users::Actor;

pub use crate::enterprise_file::{form_warnings, headroom, FormWarning, Headroom};

/// What a clerk types into the new-disbursement form.
#[derive(Debug, Clone, PartialEq)]
pub struct DisbursementInput {
    pub voucher_no: String,
    pub program_code: String,
    pub credit_code: String,
    pub amount: Money,
    pub date: NaiveDate,
    pub note: String,
}

/// A write transaction that takes the write lock at BEGIN (IMMEDIATE), waiting for
/// another clerk's write up to the busy timeout. A deferred transaction would read first
/// and could then fail with SQLITE_BUSY_SNAPSHOT when someone else committed meanwhile.
pub fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Err(ClosedMonth) when the month of `date` is closed.
pub fn ensure_open(conn: &Connection, date: NaiveDate) -> Result<()> {
    let month = Month::of(date).to_string();
    let closed: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM period_close WHERE month = ?1)")?
        .query_row([&month], |r| r.get(0))?;
    if closed {
        Err(Error::ClosedMonth(month))
    } else {
        Ok(())
    }
}

fn load(conn: &Connection, voucher: &str) -> Result<Disbursement> {
    disbursement_by_voucher(conn, voucher)?
        .ok_or_else(|| Error::NotFound(format!("凭证号 {} (voucher)", voucher.trim())))
}

fn voucher_free(conn: &Connection, voucher: &str) -> Result<()> {
    let taken: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM disbursement WHERE voucher_no = ?1)")?
        .query_row([voucher], |r| r.get(0))?;
    if taken {
        Err(Error::invalid(format!(
            "凭证号 {voucher} 已存在 (voucher {voucher} already exists)"
        )))
    } else {
        Ok(())
    }
}

fn wrong_state(d: &Disbursement, what_zh: &str, what_en: &str, needs: &[Status]) -> Error {
    if d.status == Status::Paid {
        return Error::invalid(format!(
            "凭证 {} 已拨付，不能{what_zh}，如有错误请冲销 (voucher {} is paid and cannot be {what_en}; reverse it instead)",
            d.voucher_no, d.voucher_no
        ));
    }
    let zh: Vec<&str> = needs.iter().map(|s| s.label(crate::Lang::Zh)).collect();
    let en: Vec<&str> = needs.iter().map(|s| s.as_str()).collect();
    Error::invalid(format!(
        "凭证 {} 状态为{}，只有{}的凭证才能{what_zh} (voucher {} is {}; only {} can be {what_en})",
        d.voucher_no,
        d.status.label(crate::Lang::Zh),
        zh.join("/"),
        d.voucher_no,
        d.status.as_str(),
        en.join("/"),
    ))
}

fn nonempty(s: &str, what: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        Err(Error::invalid(format!("{what}不能为空 ({what} is empty)")))
    } else {
        Ok(t.to_string())
    }
}

/// Enter a new disbursement: status pending, entered by the actor.
pub fn new_disbursement(
    conn: &mut Connection,
    actor: &Actor,
    input: &DisbursementInput,
) -> Result<Disbursement> {
    actor.require_write()?;
    let voucher = nonempty(&input.voucher_no, "凭证号 voucher")?;
    if input.amount.0 <= 0 {
        return Err(Error::invalid(format!(
            "金额必须大于零: {} (amount must be positive; use a reversal to cancel a payment)",
            input.amount.format_yuan()
        )));
    }
    let code = CreditCode::parse(&input.credit_code)?;
    let tx = write_tx(conn)?;
    let program: Option<ProgramStatus> = tx
        .prepare_cached("SELECT status FROM program WHERE code = ?1")?
        .query_row([input.program_code.trim()], |r| r.get(0))
        .optional()?;
    match program {
        None => {
            return Err(Error::NotFound(format!(
                "项目编码 {} (program)",
                input.program_code.trim()
            )))
        }
        Some(ProgramStatus::Closed) => {
            return Err(Error::invalid(format!(
                "项目 {} 已结束，不能新增拨付 (program {} is closed)",
                input.program_code.trim(),
                input.program_code.trim()
            )))
        }
        Some(ProgramStatus::Active) => {}
    }
    write::enterprise_id(&tx, code.as_str())?;
    voucher_free(&tx, &voucher)?;
    ensure_open(&tx, input.date)?;
    write::insert_disbursement(
        &tx,
        &write::NewDisbursement {
            voucher_no: voucher.clone(),
            program_code: input.program_code.trim().to_string(),
            credit_code: code.to_string(),
            amount: input.amount,
            date: input.date,
            status: Status::Pending,
            entered_by: actor.user.clone(),
            approved_by: String::new(),
            reverses: None,
            note: input.note.trim().to_string(),
        },
    )?;
    let after = load(&tx, &voucher)?;
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "disbursement",
        &voucher,
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(after)
}

/// The day a transition records: approval sets 复核日期, payment 支付日期.
#[derive(Clone, Copy)]
enum Stamp {
    None,
    Approved(NaiveDate),
    Paid(NaiveDate),
}

/// Change one row's status (and approver / note, and the day of the action), audit it,
/// commit.
#[allow(clippy::too_many_arguments)]
fn transition(
    tx: Transaction<'_>,
    actor: &Actor,
    action: &str,
    before: &Disbursement,
    status: Status,
    approved_by: &str,
    note: &str,
    stamp: Stamp,
) -> Result<Disbursement> {
    ensure_open(&tx, before.date)?;
    let (approved_on, paid_on) = match stamp {
        Stamp::None => (None, None),
        Stamp::Approved(d) => (Some(iso(d)), None),
        Stamp::Paid(d) => (None, Some(iso(d))),
    };
    tx.prepare_cached(
        "UPDATE disbursement SET status = ?1, approved_by = ?2, note = ?3,
             approved_date = coalesce(?5, approved_date), paid_date = coalesce(?6, paid_date)
         WHERE id = ?4",
    )?
    .execute(params![
        status,
        approved_by,
        note,
        before.id,
        approved_on,
        paid_on
    ])
    .map_err(|e| Error::from_db(e, &iso(before.date)[..7]))?;
    let after = load(&tx, &before.voucher_no)?;
    audit::record(
        &tx,
        &actor.user,
        action,
        "disbursement",
        &before.voucher_no,
        Some(before),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(after)
}

/// pending → approved, by a supervisor who did not enter it (maker-checker); 复核日期 is
/// today.
pub fn approve(conn: &mut Connection, actor: &Actor, voucher: &str) -> Result<Disbursement> {
    approve_on(conn, actor, voucher, crate::dates::today())
}

/// [`approve`] recording `day` as the 复核日期.
pub fn approve_on(
    conn: &mut Connection,
    actor: &Actor,
    voucher: &str,
    day: NaiveDate,
) -> Result<Disbursement> {
    actor.require_write()?;
    actor.require_supervisor("复核拨付 (approving a disbursement)")?;
    let tx = write_tx(conn)?;
    let d = load(&tx, voucher)?;
    if d.status != Status::Pending {
        return Err(wrong_state(&d, "复核", "approved", &[Status::Pending]));
    }
    if d.entered_by == actor.user {
        return Err(Error::Forbidden(format!(
            "凭证 {} 由 {} 录入，不能由本人复核（经办与复核须为不同人）(maker-checker: {} entered voucher {} and cannot approve it)",
            d.voucher_no, d.entered_by, d.entered_by, d.voucher_no
        )));
    }
    let note = d.note.clone();
    transition(
        tx,
        actor,
        "approve",
        &d,
        Status::Approved,
        &actor.user,
        &note,
        Stamp::Approved(day),
    )
}

/// approved → paid; 支付日期 is today.
pub fn pay(conn: &mut Connection, actor: &Actor, voucher: &str) -> Result<Disbursement> {
    pay_on(conn, actor, voucher, crate::dates::today())
}

/// [`pay`] recording `day` as the 支付日期.
pub fn pay_on(
    conn: &mut Connection,
    actor: &Actor,
    voucher: &str,
    day: NaiveDate,
) -> Result<Disbursement> {
    actor.require_write()?;
    let tx = write_tx(conn)?;
    let d = load(&tx, voucher)?;
    if d.status != Status::Approved {
        return Err(wrong_state(&d, "拨付", "paid", &[Status::Approved]));
    }
    let (approver, note) = (d.approved_by.clone(), d.note.clone());
    transition(
        tx,
        actor,
        "pay",
        &d,
        Status::Paid,
        &approver,
        &note,
        Stamp::Paid(day),
    )
}

/// pending/approved → rejected; the reason is kept in the note.
pub fn reject(
    conn: &mut Connection,
    actor: &Actor,
    voucher: &str,
    reason: &str,
) -> Result<Disbursement> {
    actor.require_write()?;
    let reason = nonempty(reason, "退回原因 reason")?;
    let tx = write_tx(conn)?;
    let d = load(&tx, voucher)?;
    if !matches!(d.status, Status::Pending | Status::Approved) {
        return Err(wrong_state(
            &d,
            "退回",
            "rejected",
            &[Status::Pending, Status::Approved],
        ));
    }
    let note = if d.note.is_empty() {
        format!("退回：{reason}")
    } else {
        format!("{}；退回：{reason}", d.note)
    };
    let approver = d.approved_by.clone();
    transition(
        tx,
        actor,
        "reject",
        &d,
        Status::Rejected,
        &approver,
        &note,
        Stamp::None,
    )
}

/// What may change on a pending row before it is approved.
#[derive(Debug, Clone, PartialEq)]
pub struct DisbursementEdit {
    pub amount: Money,
    pub date: NaiveDate,
    pub note: String,
}

/// Correct a pending row (amount, date, note). Approved rows must be rejected and entered
/// again; paid rows are never edited (reverse them).
pub fn edit_pending(
    conn: &mut Connection,
    actor: &Actor,
    voucher: &str,
    edit: &DisbursementEdit,
) -> Result<Disbursement> {
    actor.require_write()?;
    if edit.amount.0 <= 0 {
        return Err(Error::invalid(format!(
            "金额必须大于零: {} (amount must be positive)",
            edit.amount.format_yuan()
        )));
    }
    let tx = write_tx(conn)?;
    let d = load(&tx, voucher)?;
    if d.status != Status::Pending {
        return Err(wrong_state(&d, "修改", "edited", &[Status::Pending]));
    }
    ensure_open(&tx, d.date)?;
    ensure_open(&tx, edit.date)?;
    tx.prepare_cached(
        "UPDATE disbursement SET amount_fen = ?1, date = ?2, note = ?3 WHERE id = ?4",
    )?
    .execute(params![edit.amount, iso(edit.date), edit.note.trim(), d.id])
    .map_err(|e| Error::from_db(e, &iso(edit.date)[..7]))?;
    let after = load(&tx, &d.voucher_no)?;
    audit::record(
        &tx,
        &actor.user,
        "update",
        "disbursement",
        &d.voucher_no,
        Some(&d),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(after)
}

/// 冲销: cancel a paid row with a new paid row of the negative amount. Only a paid,
/// positive row that no reversal cancels yet; by a supervisor. The new row is entered by
/// the supervisor and carries no approver (it is not a payment to approve).
pub fn reverse(
    conn: &mut Connection,
    actor: &Actor,
    voucher: &str,
    date: NaiveDate,
    new_voucher: &str,
    note: &str,
) -> Result<Disbursement> {
    actor.require_write()?;
    actor.require_supervisor("冲销 (reversing a payment)")?;
    let new_voucher = nonempty(new_voucher, "冲销凭证号 reversal voucher")?;
    let tx = write_tx(conn)?;
    let d = load(&tx, voucher)?;
    if let Some(orig) = &d.reverses {
        return Err(Error::invalid(format!(
            "凭证 {} 本身是对 {orig} 的冲销，不能再冲销 (voucher {} is a reversal of {orig} and cannot be reversed)",
            d.voucher_no, d.voucher_no
        )));
    }
    if d.status != Status::Paid {
        return Err(Error::invalid(format!(
            "凭证 {} 状态为{}，只能冲销已拨付的凭证；未拨付的请退回 (voucher {} is {}; only paid rows are reversed, reject the others)",
            d.voucher_no,
            d.status.label(crate::Lang::Zh),
            d.voucher_no,
            d.status.as_str()
        )));
    }
    let already: Option<String> = tx
        .prepare_cached("SELECT voucher_no FROM disbursement WHERE reverses_id = ?1")?
        .query_row([d.id], |r| r.get(0))
        .optional()?;
    if let Some(by) = already {
        return Err(Error::invalid(format!(
            "凭证 {} 已被 {by} 冲销，不能重复冲销 (voucher {} is already reversed by {by})",
            d.voucher_no, d.voucher_no
        )));
    }
    if date < d.date {
        return Err(Error::invalid(format!(
            "冲销日期 {} 早于原凭证日期 {} (reversal dated before the payment)",
            iso(date),
            iso(d.date)
        )));
    }
    voucher_free(&tx, &new_voucher)?;
    ensure_open(&tx, date)?;
    write::insert_disbursement(
        &tx,
        &write::NewDisbursement {
            voucher_no: new_voucher.clone(),
            program_code: d.program_code.clone(),
            credit_code: d.credit_code.clone(),
            amount: -d.amount,
            date,
            status: Status::Paid,
            entered_by: actor.user.clone(),
            approved_by: String::new(),
            reverses: Some(d.voucher_no.clone()),
            note: note.trim().to_string(),
        },
    )?;
    let after = load(&tx, &new_voucher)?;
    audit::record(
        &tx,
        &actor.user,
        "reverse",
        "disbursement",
        &new_voucher,
        Some(&d),
        Some(&after),
    )?;
    tx.commit()?;
    Ok(after)
}

/// 指标下达 (or 调减 when negative).
pub fn add_allocation(conn: &mut Connection, actor: &Actor, a: &NewAllocation) -> Result<i64> {
    actor.require_write()?;
    if a.amount.0 == 0 {
        return Err(Error::invalid(
            "下达金额不能为零 (allocation amount is zero)",
        ));
    }
    let tx = write_tx(conn)?;
    write::program_id(&tx, a.program_code.trim())?;
    ensure_open(&tx, a.date)?;
    let a = NewAllocation {
        program_code: a.program_code.trim().to_string(),
        doc_no: a.doc_no.trim().to_string(),
        note: a.note.trim().to_string(),
        ..a.clone()
    };
    let id = write::insert_allocation(&tx, &a)?;
    let after = json!({
        "program": a.program_code, "date": iso(a.date), "amount": a.amount,
        "doc_no": a.doc_no, "note": a.note,
    });
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "allocation",
        &id.to_string(),
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}

/// Err when an allocation is said to be passed on (分解下达) before it was received.
pub fn check_allocation_dates(
    received: Option<NaiveDate>,
    distributed: Option<NaiveDate>,
) -> Result<()> {
    match (received, distributed) {
        (Some(r), Some(d)) if d < r => Err(Error::invalid(format!(
            "下达日期 {} 早于收到日期 {} (passed on before it was received)",
            iso(d),
            iso(r)
        ))),
        _ => Ok(()),
    }
}

/// Record when allocation `id` was received (收到日期) and passed on (分解下达日期);
/// None clears a date. Audited; refused in a closed month.
pub fn set_allocation_dates(
    conn: &mut Connection,
    actor: &Actor,
    id: i64,
    received: Option<NaiveDate>,
    distributed: Option<NaiveDate>,
) -> Result<()> {
    actor.require_write()?;
    check_allocation_dates(received, distributed)?;
    let tx = write_tx(conn)?;
    let row = |tx: &Transaction<'_>| -> Result<Option<(String, serde_json::Value)>> {
        Ok(tx
            .prepare_cached(
                "SELECT a.date, json_object('program', p.code, 'date', a.date, 'amount', a.amount_fen,
                        'doc_no', a.doc_no, 'received_date', a.received_date,
                        'distributed_date', a.distributed_date)
                 FROM allocation a JOIN program p ON p.id = a.program_id WHERE a.id = ?1",
            )?
            .query_row([id], |r| {
                let json: String = r.get(1)?;
                Ok((r.get(0)?, serde_json::from_str(&json).unwrap_or_default()))
            })
            .optional()?)
    };
    let Some((date, before)) = row(&tx)? else {
        return Err(Error::NotFound(format!("指标下达记录 {id} (allocation)")));
    };
    let date = crate::dates::parse_date(&date).map_err(|e| Error::invalid(e.to_string()))?;
    ensure_open(&tx, date)?;
    tx.prepare_cached(
        "UPDATE allocation SET received_date = ?1, distributed_date = ?2 WHERE id = ?3",
    )?
    .execute(params![received.map(iso), distributed.map(iso), id])
    .map_err(|e| Error::from_db(e, &iso(date)[..7]))?;
    let after = row(&tx)?.map(|(_, v)| v);
    audit::record(
        &tx,
        &actor.user,
        "update",
        "allocation",
        &id.to_string(),
        Some(&before),
        after.as_ref(),
    )?;
    tx.commit()?;
    Ok(())
}

/// A new program (the programs form), validated.
pub fn add_program(conn: &mut Connection, actor: &Actor, p: &NewProgram) -> Result<i64> {
    actor.require_write()?;
    let code = nonempty(&p.code, "项目编码 program code")?;
    let name = nonempty(&p.name, "项目名称 program name")?;
    if !(1990..=2200).contains(&p.fiscal_year) {
        return Err(Error::invalid(format!(
            "年度 {} 不在 1990–2200 之间 (fiscal year out of range)",
            p.fiscal_year
        )));
    }
    if let (Some(s), Some(e)) = (p.start_date, p.end_date) {
        if s > e {
            return Err(Error::invalid(format!(
                "开始日期 {} 晚于结束日期 {} (start date after end date)",
                iso(s),
                iso(e)
            )));
        }
    }
    if let Some(cap) = p.cap_per_enterprise {
        if cap.0 <= 0 {
            return Err(Error::invalid(
                "单户年度上限必须大于零 (cap per enterprise must be positive)",
            ));
        }
    }
    let group = p
        .exclusive_group
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string);
    let tx = write_tx(conn)?;
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM program WHERE code = ?1)")?
        .query_row([&code], |r| r.get(0))?;
    if exists {
        return Err(Error::invalid(format!(
            "项目编码 {code} 已存在 (program {code} already exists)"
        )));
    }
    let p = NewProgram {
        code: code.clone(),
        name,
        department: p.department.trim().to_string(),
        policy_ref: p.policy_ref.trim().to_string(),
        exclusive_group: group,
        ..p.clone()
    };
    let id = write::insert_program(&tx, &p)?;
    let after = json!({
        "code": p.code, "name": p.name, "department": p.department, "level": p.level,
        "fiscal_year": p.fiscal_year, "policy_ref": p.policy_ref, "is_direct": p.is_direct,
        "start_date": p.start_date.map(iso), "end_date": p.end_date.map(iso),
        "cap_per_enterprise": p.cap_per_enterprise, "once_per_year": p.once_per_year,
        "exclusive_group": p.exclusive_group,
        "eligible_sizes": crate::model::sizes_to_db(&p.eligible_sizes), "status": p.status,
    });
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "program",
        &code,
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}

/// A new enterprise (the enterprise form); the credit code is already validated by its type.
pub fn add_enterprise(conn: &mut Connection, actor: &Actor, e: &NewEnterprise) -> Result<i64> {
    actor.require_write()?;
    let name = nonempty(&e.name, "企业名称 enterprise name")?;
    let tx = write_tx(conn)?;
    let existing: Option<String> = tx
        .prepare_cached("SELECT name FROM enterprise WHERE credit_code = ?1")?
        .query_row([e.credit_code.as_str()], |r| r.get(0))
        .optional()?;
    if let Some(other) = existing {
        return Err(Error::invalid(format!(
            "统一社会信用代码 {} 已登记为 {other} (credit code already registered)",
            e.credit_code
        )));
    }
    let e = NewEnterprise {
        name,
        industry: e.industry.trim().to_string(),
        township: e.township.trim().to_string(),
        contact: e.contact.trim().to_string(),
        ..e.clone()
    };
    let id = write::insert_enterprise(&tx, &e)?;
    let after = json!({
        "credit_code": e.credit_code.as_str(), "name": e.name, "size": e.size,
        "industry": e.industry, "township": e.township, "contact": e.contact,
    });
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "enterprise",
        e.credit_code.as_str(),
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}

/// A performance evaluation (绩效评价) of a program for a year.
pub fn add_evaluation(conn: &mut Connection, actor: &Actor, ev: &NewEvaluation) -> Result<i64> {
    actor.require_write()?;
    if !(0..=10_000).contains(&ev.score_x100) {
        return Err(Error::invalid(format!(
            "得分 {} 不在 0–100 之间 (score out of range)",
            crate::model::format_score(ev.score_x100)
        )));
    }
    if !(1990..=2200).contains(&ev.year) {
        return Err(Error::invalid(format!(
            "年度 {} 不在 1990–2200 之间 (year out of range)",
            ev.year
        )));
    }
    let tx = write_tx(conn)?;
    let pid = write::program_id(&tx, ev.program_code.trim())?;
    ensure_open(&tx, ev.date)?;
    let dup: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM evaluation WHERE program_id = ?1 AND year = ?2 AND date = ?3)",
        )?
        .query_row(params![pid, ev.year, iso(ev.date)], |r| r.get(0))?;
    if dup {
        return Err(Error::invalid(format!(
            "项目 {} {} 年度在 {} 已有评价 (an evaluation for that program, year and date exists)",
            ev.program_code.trim(),
            ev.year,
            iso(ev.date)
        )));
    }
    let ev = NewEvaluation {
        program_code: ev.program_code.trim().to_string(),
        evaluator: ev.evaluator.trim().to_string(),
        note: ev.note.trim().to_string(),
        ..ev.clone()
    };
    let id = write::insert_evaluation(&tx, &ev)?;
    let after = json!({
        "program": ev.program_code, "year": ev.year,
        "score": crate::model::format_score(ev.score_x100), "evaluator": ev.evaluator,
        "date": iso(ev.date), "note": ev.note,
    });
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "evaluation",
        &id.to_string(),
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}

/// A performance indicator (绩效指标) of a program for a year.
pub fn add_indicator(conn: &mut Connection, actor: &Actor, i: &NewIndicator) -> Result<i64> {
    actor.require_write()?;
    let name = nonempty(&i.name, "指标名称 indicator name")?;
    let tx = write_tx(conn)?;
    let pid = write::program_id(&tx, i.program_code.trim())?;
    let dup: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM indicator WHERE program_id = ?1 AND year = ?2 AND name = ?3)",
        )?
        .query_row(params![pid, i.year, name], |r| r.get(0))?;
    if dup {
        return Err(Error::invalid(format!(
            "项目 {} {} 年度已有指标“{name}” (indicator already exists)",
            i.program_code.trim(),
            i.year
        )));
    }
    let i = NewIndicator {
        program_code: i.program_code.trim().to_string(),
        name,
        ..i.clone()
    };
    let id = write::insert_indicator(&tx, &i)?;
    let key = format!("{}|{}|{}", i.program_code, i.year, i.name);
    let after = json!({
        "program": i.program_code, "year": i.year, "name": i.name, "unit": i.unit,
        "target": i.target.normalize().to_string(),
        "actual": i.actual.map(|a| a.normalize().to_string()), "direction": i.direction,
    });
    audit::record(
        &tx,
        &actor.user,
        "insert",
        "indicator",
        &key,
        None::<&()>,
        Some(&after),
    )?;
    tx.commit()?;
    Ok(id)
}

/// Record (or clear, with `None`) the actual value of an indicator.
pub fn set_indicator_actual(
    conn: &mut Connection,
    actor: &Actor,
    program_code: &str,
    year: i32,
    name: &str,
    actual: Option<Decimal>,
) -> Result<()> {
    actor.require_write()?;
    let tx = write_tx(conn)?;
    let key = format!("{}|{year}|{}", program_code.trim(), name.trim());
    let row: Option<(i64, Option<String>)> = tx
        .prepare_cached(
            "SELECT i.id, i.actual FROM indicator i JOIN program p ON p.id = i.program_id
             WHERE p.code = ?1 AND i.year = ?2 AND i.name = ?3",
        )?
        .query_row(params![program_code.trim(), year, name.trim()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (id, before) = row.ok_or_else(|| Error::NotFound(format!("绩效指标 {key} (indicator)")))?;
    let after = actual.map(|a| a.normalize().to_string());
    tx.prepare_cached("UPDATE indicator SET actual = ?1 WHERE id = ?2")?
        .execute(params![after, id])?;
    audit::record(
        &tx,
        &actor.user,
        "update",
        "indicator",
        &key,
        Some(&json!({ "actual": before })),
        Some(&json!({ "actual": after })),
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests;
