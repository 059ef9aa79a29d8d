//! The writes a screen may ask for. A screen never holds `&mut Connection`: its update
//! returns [`Outcome::Write`](super::screens::Outcome::Write) with one of these, and
//! `App::update` runs it through `zhida_core` (one audited transaction each, roles
//! checked in the domain) and reports back to the screen. Tests assert on the request.

use std::path::PathBuf;

use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::Decimal;
use zhida_core::config::CheckConfig;
use zhida_core::dates::Month;
use zhida_core::ledger::{self, DisbursementInput};
use zhida_core::model::Role;
use zhida_core::repo::write::{NewEvaluation, NewRecovery};
use zhida_core::users::Actor;
use zhida_core::{ack, close, report};
use zhida_core::{Error, Lang};

use super::action::Action;

#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    NewDisbursement(DisbursementInput),
    Approve(String),
    Pay(String),
    Reject {
        voucher: String,
        reason: String,
    },
    Reverse {
        voucher: String,
        date: NaiveDate,
        new_voucher: String,
        note: String,
    },
    Evaluation(NewEvaluation),
    IndicatorActual {
        program: String,
        year: i32,
        name: String,
        actual: Option<Decimal>,
    },
    // 月结
    Acknowledge {
        key: String,
        note: String,
    },
    ExportReport {
        month: Month,
        path: PathBuf,
    },
    CloseMonth {
        month: Month,
        force: bool,
    },
    Recovery(NewRecovery),
}

/// Everything the domain needs besides the connection.
pub struct WriteCx<'a> {
    pub actor: &'a Actor,
    pub lang: Lang,
    pub checks: &'a CheckConfig,
}

impl Write {
    /// Run the write; Ok is the message for the status line.
    pub fn run(&self, conn: &mut Connection, cx: &WriteCx) -> Result<String, Error> {
        let (actor, lang) = (cx.actor, cx.lang);
        let done = |zh: String, en: String| lang.pick(&zh, &en).to_string();
        Ok(match self {
            Write::NewDisbursement(input) => {
                let d = ledger::new_disbursement(conn, actor, input)?;
                done(
                    format!("已录入凭证 {}，待复核", d.voucher_no),
                    format!("voucher {} entered, pending approval", d.voucher_no),
                )
            }
            Write::Approve(v) => {
                let d = ledger::approve(conn, actor, v)?;
                done(
                    format!("凭证 {} 已复核", d.voucher_no),
                    format!("voucher {} approved", d.voucher_no),
                )
            }
            Write::Pay(v) => {
                let d = ledger::pay(conn, actor, v)?;
                done(
                    format!("凭证 {} 已拨付", d.voucher_no),
                    format!("voucher {} marked paid", d.voucher_no),
                )
            }
            Write::Reject { voucher, reason } => {
                let d = ledger::reject(conn, actor, voucher, reason)?;
                done(
                    format!("凭证 {} 已退回", d.voucher_no),
                    format!("voucher {} rejected", d.voucher_no),
                )
            }
            Write::Reverse {
                voucher,
                date,
                new_voucher,
                note,
            } => {
                let d = ledger::reverse(conn, actor, voucher, *date, new_voucher, note)?;
                done(
                    format!("已冲销 {voucher}，冲销凭证 {}", d.voucher_no),
                    format!("{voucher} reversed by {}", d.voucher_no),
                )
            }
            Write::Evaluation(ev) => {
                ledger::add_evaluation(conn, actor, ev)?;
                done(
                    format!("已保存 {} {} 年度绩效评价", ev.program_code, ev.year),
                    format!("evaluation of {} {} saved", ev.program_code, ev.year),
                )
            }
            Write::IndicatorActual {
                program,
                year,
                name,
                actual,
            } => {
                ledger::set_indicator_actual(conn, actor, program, *year, name, *actual)?;
                done(
                    format!("已保存指标“{name}”实际值"),
                    format!("actual of indicator '{name}' saved"),
                )
            }
            Write::Acknowledge { key, note } => {
                ack::acknowledge(conn, actor, key, note)?;
                done(format!("已确认 {key}"), format!("acknowledged {key}"))
            }
            Write::ExportReport { month, path } => {
                report::monthly_report(conn, *month, cx.checks, lang)?.write_file(path)?;
                let p = path.display();
                done(
                    format!("已导出 {month} 月度通报：{p}"),
                    format!("monthly report {month} written to {p}"),
                )
            }
            Write::CloseMonth { month, force } => {
                let passed = close::close_month(conn, actor, *month, *force, cx.checks, lang)?;
                let (n, who) = (passed.len(), &actor.user);
                if n == 0 {
                    done(
                        format!("{month} 已月结（{who}）"),
                        format!("{month} closed by {who}"),
                    )
                } else {
                    done(
                        format!("{month} 已强制月结（{who}），跳过 {n} 条未确认的错误"),
                        format!("{month} force-closed by {who} past {n} unacknowledged errors"),
                    )
                }
            }
            Write::Recovery(r) => {
                zhida_core::recover::record_recovery(conn, actor, r)?;
                let (amount, code) = (r.amount.format_yuan(), &r.program_code);
                match &r.reallocated_to {
                    Some(to) => done(
                        format!("已登记收回 {code} {amount} 元，统筹至 {to}"),
                        format!("recovered {amount} from {code}, reallocated to {to}"),
                    ),
                    None => done(
                        format!("已登记收回 {code} {amount} 元"),
                        format!("recovered {amount} from {code}"),
                    ),
                }
            }
        })
    }
}

/// Whether a role may start an action at all (the domain checks again when it runs).
pub fn permitted(role: Role, action: Action) -> bool {
    use Action::*;
    match action {
        New | Pay | Reject | RecordRecovery | EditEvaluation | EditIndicator | Acknowledge
        | CloseMonth | ReconAcknowledge => role != Role::Auditor,
        Approve | Reverse => role == Role::Supervisor,
        _ => true,
    }
}

/// The status-line text for an action the role may not take.
pub fn refusal(role: Role, action: Action, lang: Lang) -> String {
    match (role, lang) {
        (Role::Auditor, Lang::Zh) => "审计角色只读，不能修改数据".to_string(),
        (Role::Auditor, Lang::En) => "the auditor role is read-only".to_string(),
        (_, Lang::Zh) => format!(
            "{}需要复核（科长）角色",
            match action {
                Action::Approve => "复核",
                _ => "冲销",
            }
        ),
        (_, Lang::En) => format!(
            "{} needs the supervisor role",
            match action {
                Action::Approve => "approving",
                _ => "reversing",
            }
        ),
    }
}
