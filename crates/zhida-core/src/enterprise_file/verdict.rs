//! "Can this enterprise still receive X from program P on date d?" — the headroom left
//! under the program's cap for the calendar year of d, the once-per-year and
//! exclusive-group use that year, what the program has left, and every reason the row
//! would be flagged at month end. The disbursement form shows it live; `zhida enterprise
//! CODE --program P --amount A` prints it (exit 1 when it cannot). These are warnings
//! for the clerk, not refusals: the month-end checks (OVER_CAP, OVERDRAWN, …) judge.
//!
//! The enterprise side counts every row of the calendar year (whatever its date), so a
//! row entered today sees one already dated later in the year; the program side (budget
//! and what is paid or committed against it) counts rows dated ≤ d.

use chrono::{Datelike, NaiveDate};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::{program_year, rows_of, tally, ProgramYear};
use crate::credit_code::CreditCode;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::ledger::DisbursementInput;
use crate::model::{Enterprise, Program, ProgramStatus, Size};
use crate::money::Money;
use crate::repo::figures::all_programs;
use crate::repo::lookup;

/// What the disbursement form shows beside the amount for (program, enterprise, date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headroom {
    /// the program's cap per enterprise per calendar year
    pub cap: Option<Money>,
    /// the enterprise's paid + committed in this program in the calendar year of the date
    pub enterprise_year_total: Money,
    /// cap − that total (negative when already over)
    pub cap_left: Option<Money>,
    /// rows dated ≤ the date
    pub budget: Money,
    pub paid: Money,
    pub committed: Money,
    pub recovered: Money,
    /// budget − paid − committed − recovered as of the date
    pub available: Money,
}

impl Headroom {
    /// By how much `amount` would take the enterprise over the cap (None: within it).
    pub fn over_cap(&self, amount: Money) -> Option<Money> {
        let left = self.cap_left?;
        (amount > left).then(|| amount - left)
    }

    /// By how much `amount` exceeds what the program has left (None: within it).
    pub fn over_budget(&self, amount: Money) -> Option<Money> {
        (amount > self.available).then(|| amount - self.available)
    }
}

fn headroom_of(year: &ProgramYear, money: (Money, Money, Money, Money)) -> Headroom {
    let (budget, paid, committed, recovered) = money;
    Headroom {
        cap: year.cap,
        enterprise_year_total: year.paid + year.committed,
        cap_left: year.headroom,
        budget,
        paid,
        committed,
        recovered,
        available: budget - paid - committed - recovered,
    }
}

/// Headroom for a new disbursement. An enterprise not yet registered has received nothing.
pub fn headroom(
    conn: &Connection,
    program_code: &str,
    credit_code: &str,
    date: NaiveDate,
) -> Result<Headroom> {
    let v = verdict_parts(conn, program_code.trim(), credit_code, date, "")?;
    Ok(v.headroom)
}

/// What the new-disbursement form warns about before the clerk saves: the month-end
/// rules that this one row would break. Warnings, not refusals — the checks judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormWarning {
    /// the program is closed: no new disbursements
    Closed,
    /// the enterprise would exceed the program's cap this calendar year (OVER_CAP)
    OverCap { cap: Money, excess: Money },
    /// more than the program has left: budget − paid − committed − recovered (OVERDRAWN)
    OverBudget { available: Money, excess: Money },
    /// the program is not for enterprises of this size (INELIGIBLE)
    Ineligible { size: Size },
    /// the date lies outside the program's start/end dates
    OutsideDates,
    /// a once-per-year program already has a live row for the enterprise this year (REPEAT)
    Repeat { voucher: String },
    /// a program of the same exclusive group has a live row this year (EXCLUSIVE)
    Exclusive { program: String, voucher: String },
}

impl FormWarning {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (FormWarning::Closed, Lang::Zh) => "项目已结束，不能新增拨付".to_string(),
            (FormWarning::Closed, Lang::En) => "the program is closed".to_string(),
            (FormWarning::OverCap { cap, excess }, Lang::Zh) => format!(
                "超过单户年度上限 {}，超出 {}",
                cap.format_yuan(),
                excess.format_yuan()
            ),
            (FormWarning::OverCap { cap, excess }, Lang::En) => format!(
                "over the cap of {} per enterprise and year by {}",
                cap.format_yuan(),
                excess.format_yuan()
            ),
            (FormWarning::OverBudget { available, excess }, Lang::Zh) => format!(
                "超过项目可用额度 {}，超出 {}",
                available.format_yuan(),
                excess.format_yuan()
            ),
            (FormWarning::OverBudget { available, excess }, Lang::En) => format!(
                "more than the program has left ({}) by {}",
                available.format_yuan(),
                excess.format_yuan()
            ),
            (FormWarning::Ineligible { size }, Lang::Zh) => {
                format!("项目不适用于{}企业", size.label(Lang::Zh))
            }
            (FormWarning::Ineligible { size }, Lang::En) => {
                format!("the program is not for {} enterprises", size.as_str())
            }
            (FormWarning::OutsideDates, Lang::Zh) => "日期不在项目执行期内".to_string(),
            (FormWarning::OutsideDates, Lang::En) => {
                "the date is outside the program's dates".to_string()
            }
            (FormWarning::Repeat { voucher }, Lang::Zh) => {
                format!("每年限一次，本年已有 {voucher}")
            }
            (FormWarning::Repeat { voucher }, Lang::En) => {
                format!("once per year: {voucher} exists this year")
            }
            (FormWarning::Exclusive { program, voucher }, Lang::Zh) => {
                format!("与 {program} 不得同时享受（{voucher}）")
            }
            (FormWarning::Exclusive { program, voucher }, Lang::En) => {
                format!("exclusive with {program} ({voucher})")
            }
        }
    }
}

/// The answer for one (enterprise, program, amount, date).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub program: Program,
    pub credit_code: String,
    /// None: not registered (it has received nothing)
    pub enterprise: Option<Enterprise>,
    pub date: NaiveDate,
    pub amount: Money,
    /// the enterprise in this program in the calendar year of the date
    pub year: ProgramYear,
    pub headroom: Headroom,
    /// every reason the row would be flagged; empty = it can receive it
    pub reasons: Vec<FormWarning>,
}

impl Verdict {
    pub fn can_receive(&self) -> bool {
        self.reasons.is_empty()
    }

    /// What the enterprise may still receive from the program this year: the least of
    /// the cap left and the program's money left; zero when barred (closed, ineligible,
    /// outside the dates, once-per-year used, exclusive partner used).
    pub fn remaining(&self) -> Money {
        let barred = self.reasons.iter().any(|r| {
            !matches!(
                r,
                FormWarning::OverCap { .. } | FormWarning::OverBudget { .. }
            )
        });
        if barred {
            return Money::ZERO;
        }
        let left = match self.headroom.cap_left {
            Some(c) => c.min(self.headroom.available),
            None => self.headroom.available,
        };
        left.max(Money::ZERO)
    }

    /// The headroom, short lines (they fit the disbursement form): what the enterprise
    /// has from the program this year; the cap, the headroom under it and the program's
    /// money left; once per year; the exclusive group.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let y = &self.year;
        let left = self.headroom.available.format_yuan();
        let mut out = vec![match lang {
            Lang::Zh => format!(
                "{} 年本户已拨付 {} · 在途 {}",
                y.year,
                y.paid.format_yuan(),
                y.committed.format_yuan()
            ),
            Lang::En => format!(
                "{}: paid {} · committed {}",
                y.year,
                y.paid.format_yuan(),
                y.committed.format_yuan()
            ),
        }];
        out.push(match (y.cap, y.headroom, lang) {
            (Some(cap), Some(h), Lang::Zh) => format!(
                "单户年度上限 {} · 剩余额度 {} · 项目可用 {left}",
                cap.format_yuan(),
                h.format_yuan()
            ),
            (Some(cap), Some(h), Lang::En) => format!(
                "cap {} · headroom {} · program left {left}",
                cap.format_yuan(),
                h.format_yuan()
            ),
            (_, _, Lang::Zh) => format!("单户年度上限 不限 · 项目可用 {left}"),
            (_, _, Lang::En) => format!("no cap · program left {left}"),
        });
        if y.once_per_year {
            out.push(match (&y.first_live, lang) {
                (Some(v), Lang::Zh) => format!("每年限一次：{} 年已享受（{v}）", y.year),
                (None, Lang::Zh) => format!("每年限一次：{} 年尚未享受", y.year),
                (Some(v), Lang::En) => format!("once per year: used in {} ({v})", y.year),
                (None, Lang::En) => format!("once per year: not yet used in {}", y.year),
            });
        }
        if let Some(g) = &y.exclusive_group {
            let used: Vec<String> = y
                .partners_used
                .iter()
                .map(|(p, v)| format!("{p}（{v}）"))
                .collect();
            out.push(match (used.is_empty(), lang) {
                (true, Lang::Zh) => format!("互斥组「{g}」：{} 年未享受同组其他项目", y.year),
                (false, Lang::Zh) => {
                    format!("互斥组「{g}」：{} 年已享受 {}", y.year, used.join("、"))
                }
                (true, Lang::En) => format!(
                    "exclusive group '{g}': no other program of the group in {}",
                    y.year
                ),
                (false, Lang::En) => format!(
                    "exclusive group '{g}': received {} in {}",
                    used.join(", "),
                    y.year
                ),
            });
        }
        out
    }

    /// ✓ it can, with what is left after; ✗ it cannot.
    pub fn conclusion(&self, lang: Lang) -> String {
        let amount = self.amount.format_yuan();
        if self.can_receive() {
            let after = (self.remaining() - self.amount).format_yuan();
            match lang {
                Lang::Zh => format!("✓ 可以拨付 {amount}，拨付后本户本年尚可享受 {after}"),
                Lang::En => format!("✓ can receive {amount}; {after} left after it this year"),
            }
        } else {
            let n = self.reasons.len();
            match lang {
                Lang::Zh => format!("✗ 不能拨付 {amount}：{n} 项原因"),
                Lang::En => format!("✗ cannot receive {amount}: {n} reason(s)"),
            }
        }
    }
}

/// The verdict before the amount's own checks: the program, the enterprise's year and
/// the program's money, leaving the row `skip` out.
fn verdict_parts(
    conn: &Connection,
    program_code: &str,
    credit_code: &str,
    date: NaiveDate,
    skip: &str,
) -> Result<Verdict> {
    let programs = all_programs(conn)?;
    let program = programs
        .iter()
        .find(|p| p.code == program_code)
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("项目编码 {program_code} (program)")))?;
    let code = credit_code.trim().to_uppercase();
    let enterprise = lookup::enterprise_by_code(conn, &code)?;
    let rows = match &enterprise {
        Some(e) => rows_of(conn, e.id)?,
        None => Vec::new(),
    };
    let sums = tally(&rows, None, skip);
    let year = program_year(&sums, &program, date.year(), &programs);
    let mut money = crate::repo::summary::program_money_of(conn, program.id, date)?;
    // the row being edited (pending or approved, so committed) is not counted against itself
    if let Some(own) = rows
        .iter()
        .find(|d| !skip.is_empty() && d.voucher_no == skip)
    {
        if own.date <= date {
            money.2 = money.2 - own.amount;
        }
    }
    Ok(Verdict {
        headroom: headroom_of(&year, money),
        program,
        credit_code: code,
        enterprise,
        date,
        amount: Money::ZERO,
        year,
        reasons: Vec::new(),
    })
}

/// The verdict for a row about to be entered — or, for an existing row being edited
/// (its voucher), with that row left out of every comparison.
pub fn verdict(conn: &Connection, input: &DisbursementInput) -> Result<Verdict> {
    let code = CreditCode::parse(&input.credit_code)?;
    let voucher = input.voucher_no.trim();
    // only a row of this program and enterprise that is not yet paid is "being edited"
    let own: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM disbursement d JOIN program p ON p.id = d.program_id
             JOIN enterprise e ON e.id = d.enterprise_id
             WHERE d.voucher_no = ?1 AND d.status IN ('pending', 'approved')
               AND p.code = ?2 AND e.credit_code = ?3)",
        )?
        .query_row(
            params![voucher, input.program_code.trim(), code.as_str()],
            |r| r.get(0),
        )?;
    let skip = if own { voucher } else { "" };
    let mut v = verdict_parts(
        conn,
        input.program_code.trim(),
        code.as_str(),
        input.date,
        skip,
    )?;
    v.amount = input.amount;
    let p = &v.program;
    let mut reasons = Vec::new();
    if p.status == ProgramStatus::Closed {
        reasons.push(FormWarning::Closed);
    }
    if let (Some(cap), Some(excess)) = (v.headroom.cap, v.headroom.over_cap(input.amount)) {
        reasons.push(FormWarning::OverCap { cap, excess });
    }
    if let Some(excess) = v.headroom.over_budget(input.amount) {
        reasons.push(FormWarning::OverBudget {
            available: v.headroom.available,
            excess,
        });
    }
    if let Some(e) = &v.enterprise {
        if !p.eligible_sizes.is_empty() && !p.eligible_sizes.contains(&e.size) {
            reasons.push(FormWarning::Ineligible { size: e.size });
        }
    }
    if p.start_date.is_some_and(|s| input.date < s) || p.end_date.is_some_and(|e| input.date > e) {
        reasons.push(FormWarning::OutsideDates);
    }
    if p.once_per_year {
        if let Some(voucher) = &v.year.first_live {
            reasons.push(FormWarning::Repeat {
                voucher: voucher.clone(),
            });
        }
    }
    for (program, voucher) in &v.year.partners_used {
        reasons.push(FormWarning::Exclusive {
            program: program.clone(),
            voucher: voucher.clone(),
        });
    }
    v.reasons = reasons;
    Ok(v)
}

/// Can the enterprise still receive `amount` from `program` on `date`?
pub fn can_receive(
    conn: &Connection,
    credit_code: &str,
    program: &str,
    amount: Money,
    date: NaiveDate,
) -> Result<Verdict> {
    verdict(
        conn,
        &DisbursementInput {
            voucher_no: String::new(),
            program_code: program.to_string(),
            credit_code: credit_code.to_string(),
            amount,
            date,
            note: String::new(),
        },
    )
}

/// The warnings for a row about to be entered (or, for an existing pending row, its own
/// voucher is left out of the comparisons).
pub fn form_warnings(conn: &Connection, input: &DisbursementInput) -> Result<Vec<FormWarning>> {
    Ok(verdict(conn, input)?.reasons)
}
