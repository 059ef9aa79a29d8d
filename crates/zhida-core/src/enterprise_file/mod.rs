//! 一企一档: everything one enterprise received, across programs and years, as of a date
//! D — its disbursements, per (program, calendar year) totals against the program's cap
//! with the headroom left, once-per-year and exclusive-group use, the clawbacks (追回)
//! naming it and the month-end findings naming it (each with its policy basis).
//!
//! `verdict.rs` answers "can it still receive X from program P on date d?" with every
//! reason it cannot and the headroom left — the one place the disbursement form's
//! warnings (`ledger::form_warnings`) and `zhida enterprise CODE --program P --amount A`
//! come from.
//!
//! Both are computed from the enterprise's own rows (a few dozen, through the
//! (enterprise, date) index) summed in memory by one function, [`tally`], with the
//! definitions of SPEC §3: rejected rows count nowhere; reversals and reversed rows count
//! in the sums (so a reversal restores the headroom) but are never "live".

mod verdict;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use crate::checks::{run_checks, CheckFilter, Finding};
use crate::config::CheckConfig;
use crate::error::Result;
use crate::i18n::Lang;
use crate::model::{Disbursement, Enterprise, Program, Recovery, Status};
use crate::money::Money;
use crate::repo::figures::all_programs;
use crate::repo::lookup::{self, DISBURSEMENT_SELECT};

pub use verdict::{can_receive, form_warnings, headroom, verdict, FormWarning, Headroom, Verdict};

/// What one enterprise has from one program in one calendar year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramYear {
    pub program_code: String,
    pub program_name: String,
    pub year: i32,
    /// Σ paid (reversals included, net)
    pub paid: Money,
    /// Σ pending + approved
    pub committed: Money,
    /// rows counted (every status but rejected)
    pub count: i64,
    /// the program's cap per enterprise and calendar year
    pub cap: Option<Money>,
    /// cap − paid − committed (negative when over)
    pub headroom: Option<Money>,
    pub once_per_year: bool,
    /// the first live row of the year (by date, voucher): for a once-per-year program,
    /// the one use allowed
    pub first_live: Option<String>,
    pub exclusive_group: Option<String>,
    /// other programs of the group with a live row this year (code, its first voucher),
    /// by that voucher's date: any of them bars this program
    pub partners_used: Vec<(String, String)>,
}

impl ProgramYear {
    /// A once-per-year program already used this year.
    pub fn once_used(&self) -> bool {
        self.once_per_year && self.first_live.is_some()
    }

    /// Barred by a partner of its exclusive group this year.
    pub fn barred(&self) -> bool {
        !self.partners_used.is_empty()
    }

    /// The once-per-year and exclusive-group state in a few words (empty when the
    /// program has neither): `每年限一次·已享受；互斥组「吸纳就业」·已享受 XN2025`.
    pub fn limits(&self, lang: Lang) -> String {
        let mut v = Vec::new();
        if self.once_per_year {
            v.push(match (self.once_used(), lang) {
                (true, Lang::Zh) => "每年限一次·已享受".to_string(),
                (false, Lang::Zh) => "每年限一次".to_string(),
                (true, Lang::En) => "once a year: used".to_string(),
                (false, Lang::En) => "once a year".to_string(),
            });
        }
        if let Some(g) = &self.exclusive_group {
            let partners: Vec<&str> = self.partners_used.iter().map(|p| p.0.as_str()).collect();
            v.push(match (partners.is_empty(), lang) {
                (true, Lang::Zh) => format!("互斥组「{g}」"),
                (false, Lang::Zh) => format!("互斥组「{g}」·已享受 {}", partners.join("、")),
                (true, Lang::En) => format!("exclusive group '{g}'"),
                (false, Lang::En) => {
                    format!("exclusive group '{g}': received {}", partners.join(", "))
                }
            });
        }
        v.join(lang.pick("；", "; "))
    }
}

impl GroupYear {
    /// `吸纳就业：已享受 XN2025（XN-001）；不得再享受 KG2025`
    pub fn describe(&self, lang: Lang) -> String {
        let used: Vec<String> = self
            .used
            .iter()
            .map(|(p, v)| match lang {
                Lang::Zh => format!("{p}（{v}）"),
                Lang::En => format!("{p} ({v})"),
            })
            .collect();
        let mut s = match lang {
            Lang::Zh => format!("{}：已享受 {}", self.group, used.join("、")),
            Lang::En => format!("{}: received {}", self.group, used.join(", ")),
        };
        if !self.barred.is_empty() {
            s.push_str(&match lang {
                Lang::Zh => format!("；不得再享受 {}", self.barred.join("、")),
                Lang::En => format!("; barred from {}", self.barred.join(", ")),
            });
        }
        if self.used.len() > 1 {
            s.push_str(lang.pick(
                "（同年享受了多个互斥项目）",
                " (several of the group in one year)",
            ));
        }
        s
    }
}

/// An exclusive group (互斥组) the enterprise used in a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupYear {
    pub group: String,
    pub year: i32,
    /// programs of the group with a live row that year (code, first voucher), by date
    pub used: Vec<(String, String)>,
    /// the other programs of the group: no longer open to the enterprise that year
    pub barred: Vec<String>,
}

/// 一企一档 as of a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseFile {
    pub enterprise: Enterprise,
    pub as_of: NaiveDate,
    /// every row dated ≤ D, oldest first (rejected ones too: the clerk asks about them)
    pub disbursements: Vec<Disbursement>,
    /// per (program, year): year descending, then program code
    pub totals: Vec<ProgramYear>,
    /// exclusive groups used: year descending, then group
    pub groups: Vec<GroupYear>,
    /// clawbacks (追回) naming the enterprise, dated ≤ D, oldest first
    pub recoveries: Vec<Recovery>,
    /// the month-end findings naming the enterprise as of D, with their basis
    pub findings: Vec<Finding>,
}

/// Per (program code, year) sums of one enterprise's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sums {
    pub paid: Money,
    pub committed: Money,
    pub count: i64,
    /// (date, voucher) of the first live row
    pub first_live: Option<(NaiveDate, String)>,
}

/// Sum one enterprise's rows per (program, year): rows dated ≤ `until` (None: all), the
/// row with voucher `skip` left out (the one being edited does not count against itself).
/// Live = counted, not a reversal, not reversed by a counted reversal.
pub(crate) fn tally(
    rows: &[Disbursement],
    until: Option<NaiveDate>,
    skip: &str,
) -> HashMap<(String, i32), Sums> {
    let counted: Vec<&Disbursement> = rows
        .iter()
        .filter(|d| d.status != Status::Rejected)
        .filter(|d| until.is_none_or(|u| d.date <= u))
        .filter(|d| skip.is_empty() || d.voucher_no != skip)
        .collect();
    let reversed: HashSet<&str> = counted
        .iter()
        .filter_map(|d| d.reverses.as_deref())
        .collect();
    let mut out: HashMap<(String, i32), Sums> = HashMap::new();
    for d in counted {
        let s = out
            .entry((d.program_code.clone(), d.date.year()))
            .or_default();
        s.count += 1;
        if d.status == Status::Paid {
            s.paid += d.amount;
        } else {
            s.committed += d.amount;
        }
        let live = d.reverses.is_none() && !reversed.contains(d.voucher_no.as_str());
        let key = (d.date, d.voucher_no.clone());
        if live && s.first_live.as_ref().is_none_or(|f| key < *f) {
            s.first_live = Some(key);
        }
    }
    out
}

/// The [`ProgramYear`] of program `p` in `year` from the sums; `programs` gives the
/// members of its exclusive group.
pub(crate) fn program_year(
    sums: &HashMap<(String, i32), Sums>,
    p: &Program,
    year: i32,
    programs: &[Program],
) -> ProgramYear {
    let s = sums
        .get(&(p.code.clone(), year))
        .cloned()
        .unwrap_or_default();
    let mut partners: Vec<(NaiveDate, String, String)> = match &p.exclusive_group {
        None => Vec::new(),
        Some(g) => programs
            .iter()
            .filter(|q| q.code != p.code && q.exclusive_group.as_ref() == Some(g))
            .filter_map(|q| {
                let first = sums.get(&(q.code.clone(), year))?.first_live.clone()?;
                Some((first.0, first.1, q.code.clone()))
            })
            .collect(),
    };
    partners.sort();
    ProgramYear {
        program_code: p.code.clone(),
        program_name: p.name.clone(),
        year,
        paid: s.paid,
        committed: s.committed,
        count: s.count,
        cap: p.cap_per_enterprise,
        headroom: p.cap_per_enterprise.map(|c| c - s.paid - s.committed),
        once_per_year: p.once_per_year,
        first_live: s.first_live.map(|(_, v)| v),
        exclusive_group: p.exclusive_group.clone(),
        partners_used: partners.into_iter().map(|(_, v, c)| (c, v)).collect(),
    }
}

/// Every disbursement of the enterprise, oldest first.
pub(crate) fn rows_of(conn: &Connection, enterprise_id: i64) -> Result<Vec<Disbursement>> {
    let sql =
        format!("{DISBURSEMENT_SELECT} WHERE d.enterprise_id = ?1 ORDER BY d.date, d.voucher_no");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([enterprise_id], lookup::disbursement_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// 一企一档 of the enterprise with this id as of `as_of` (None: no such enterprise).
pub fn enterprise_file_by_id(
    conn: &Connection,
    enterprise_id: i64,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<Option<EnterpriseFile>> {
    let Some(enterprise) = crate::repo::listing::enterprise_by_id(conn, enterprise_id)? else {
        return Ok(None);
    };
    let programs = all_programs(conn)?;
    let mut disbursements = rows_of(conn, enterprise_id)?;
    disbursements.retain(|d| d.date <= as_of);
    let sums = tally(&disbursements, None, "");
    let by_code: HashMap<&str, &Program> = programs.iter().map(|p| (p.code.as_str(), p)).collect();
    let mut keys: Vec<&(String, i32)> = sums.keys().collect();
    keys.sort_by(|a, b| (b.1, &a.0).cmp(&(a.1, &b.0)));
    let totals: Vec<ProgramYear> = keys
        .into_iter()
        .filter_map(|(code, year)| {
            by_code
                .get(code.as_str())
                .map(|p| program_year(&sums, p, *year, &programs))
        })
        .collect();
    // (year descending, group) → (date, voucher, program) of each program's first live row
    type Uses = Vec<(NaiveDate, String, String)>;
    let mut groups: BTreeMap<(std::cmp::Reverse<i32>, String), Uses> = BTreeMap::new();
    for ((code, year), s) in &sums {
        let (Some(p), Some((date, voucher))) = (by_code.get(code.as_str()), &s.first_live) else {
            continue;
        };
        if let Some(g) = &p.exclusive_group {
            groups
                .entry((std::cmp::Reverse(*year), g.clone()))
                .or_default()
                .push((*date, voucher.clone(), code.clone()));
        }
    }
    let groups = groups
        .into_iter()
        .map(|((year, group), mut used)| {
            used.sort();
            let barred = programs
                .iter()
                .filter(|p| p.exclusive_group.as_ref() == Some(&group))
                .filter(|p| !used.iter().any(|u| u.2 == p.code))
                .map(|p| p.code.clone())
                .collect();
            GroupYear {
                group,
                year: year.0,
                used: used.into_iter().map(|(_, v, c)| (c, v)).collect(),
                barred,
            }
        })
        .collect();
    let findings = run_checks(
        conn,
        as_of,
        cfg,
        lang,
        &CheckFilter {
            enterprise: Some(enterprise.credit_code.clone()),
            ..CheckFilter::default()
        },
    )?;
    Ok(Some(EnterpriseFile {
        recoveries: crate::repo::listing::clawbacks_of(conn, enterprise_id, as_of)?,
        enterprise,
        as_of,
        disbursements,
        totals,
        groups,
        findings,
    }))
}

/// 一企一档 of the enterprise with this credit code (any case).
pub fn enterprise_file(
    conn: &Connection,
    credit_code: &str,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
) -> Result<Option<EnterpriseFile>> {
    match lookup::enterprise_by_code(conn, credit_code)? {
        Some(e) => enterprise_file_by_id(conn, e.id, as_of, cfg, lang),
        None => Ok(None),
    }
}

/// What a query names: a credit code, or a name fragment / pinyin matching one
/// enterprise (or one whose name is exactly the query).
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    One(Enterprise),
    /// several match: the candidates (at most 20)
    Many(Vec<Enterprise>),
    None,
}

pub fn resolve(conn: &Connection, query: &str) -> Result<Resolved> {
    let q = query.trim();
    if let Some(e) = lookup::enterprise_by_code(conn, q)? {
        return Ok(Resolved::One(e));
    }
    let mut found = lookup::find_enterprises(conn, q, 20)?;
    if let Some(i) = found.iter().position(|e| e.name == q) {
        return Ok(Resolved::One(found.swap_remove(i)));
    }
    Ok(match found.len() {
        0 => Resolved::None,
        1 => Resolved::One(found.remove(0)),
        _ => Resolved::Many(found),
    })
}

#[cfg(test)]
mod tests;
