//! Month-end checks (SPEC §3): each rule is one function in a file per rule family —
//! `program_rules.rs` (LAGGING, IDLE, RECOVER_DUE, OVERDRAWN), `enterprise_rules.rs`
//! (OVER_CAP, REPEAT, EXCLUSIVE, INELIGIBLE, DUPLICATE), `voucher_rules.rs`
//! (SELF_APPROVED, STALE_PENDING) and `performance_rules.rs` (NO_EVAL, LOW_SCORE,
//! TARGET_MISS). [`run_checks`] runs them all as of a date D, marks acknowledged
//! findings and sorts: severity (error first), rule, program, enterprise, voucher.
//!
//! Beyond the specification, `indicator_rules.rs` (BALANCE_RATE, ON_TIME, ALLOC_LATE, see
//! [`Rule::EXTRA`]) runs only when `[checks] extra_rules` lists a rule or the filter names
//! it, so the default output is the fourteen rules of SPEC §3. ALLOC_LATE's key: the year
//! of receipt, and `received-date 文号` as its voucher part.
//!
//! Finding key (`finding_ack.key`): `rule|program|enterprise|voucher|year`, null parts
//! empty. "year" is:
//! - voucher findings (INELIGIBLE, DUPLICATE, REPEAT, EXCLUSIVE, SELF_APPROVED,
//!   STALE_PENDING): the calendar year of the voucher's date;
//! - OVER_CAP: the calendar year the cap applies to (year of the disbursement dates);
//! - LAGGING, IDLE, RECOVER_DUE, OVERDRAWN, NO_EVAL, LOW_SCORE: the year of D, so an
//!   acknowledgement holds for the rest of that year;
//! - TARGET_MISS: the indicator's year, and the voucher part of the key holds the
//!   indicator name (one finding per indicator, the key must tell them apart).
//!
//! SPEC §3 does not say which year, so an acknowledgement is also accepted under the
//! spellings of the other natural readings that cannot name another finding (see
//! [`Finding::ack_keys`]): a voucher finding under the year of D (the voucher already
//! identifies it), and TARGET_MISS under the literal key with the voucher part empty
//! (its voucher is null), with the indicator's year or the year of D.
//!
//! Performance: the program-level rules read [`program_figures`] (one grouped query);
//! every enterprise and voucher rule comes from one sequential pass over `disbursement`
//! sorted once in memory (see `scan.rs`) — never a query per program or enterprise.
//! Filtered to one enterprise ([`CheckFilter::enterprise`], the 一企一档 file), the pass
//! reads only that enterprise's rows (by index) and the program-level rules are skipped:
//! their findings name no enterprise.
//!
//! Each finding cites its policy basis (`basis.rs`): a default per rule, the program's
//! 文号, overrides from config.toml `[basis]`.

pub mod basis;
mod compact;
mod enterprise_rules;
mod indicator_rules;
mod output;
mod performance_rules;
mod program_rules;
mod scan;
mod voucher_rules;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use crate::config::CheckConfig;
use crate::error::Result;
use crate::i18n::Lang;
use crate::model::Program;
use crate::money::Money;
use crate::repo::figures::{program_figures, ProgramFigures};

pub use basis::BasisTable;
pub use compact::{CompactFindings, FindingRef};
pub use output::{
    findings_csv, findings_csv_with, findings_json, findings_json_with, findings_table,
    findings_table_with, neutralise, write_findings_json, Columns,
};

/// error sorts before warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warn,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_lowercase().as_str() {
            "error" | "错误" => Some(Severity::Error),
            "warn" | "warning" | "警告" => Some(Severity::Warn),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Severity::Error => lang.pick("错误", "error"),
            Severity::Warn => lang.pick("警告", "warn"),
        }
    }
}

macro_rules! rules {
    ($($variant:ident = $code:literal, $sev:ident, $zh:literal, $en:literal;)+) => {
        /// A check rule (SPEC §3 table).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant),+ }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            /// The rule code, e.g. `OVER_CAP`.
            pub fn as_str(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }

            pub fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev),+ }
            }

            /// 超上限 / over cap
            pub fn label(self, lang: Lang) -> &'static str {
                match self { $(Rule::$variant => lang.pick($zh, $en)),+ }
            }
        }
    };
}

rules! {
    Lagging = "LAGGING", Warn, "执行滞后", "lagging";
    Idle = "IDLE", Warn, "资金闲置", "idle";
    RecoverDue = "RECOVER_DUE", Error, "应收回", "recovery due";
    Overdrawn = "OVERDRAWN", Error, "超指标", "overdrawn";
    OverCap = "OVER_CAP", Error, "超上限", "over cap";
    Repeat = "REPEAT", Error, "重复享受", "repeat";
    Exclusive = "EXCLUSIVE", Error, "不得同时享受", "exclusive";
    Ineligible = "INELIGIBLE", Error, "对象不符", "ineligible";
    Duplicate = "DUPLICATE", Warn, "疑似重复", "duplicate";
    SelfApproved = "SELF_APPROVED", Error, "自审自批", "self-approved";
    StalePending = "STALE_PENDING", Warn, "积压未付", "stale pending";
    NoEval = "NO_EVAL", Warn, "未评价", "not evaluated";
    LowScore = "LOW_SCORE", Error, "绩效差", "low score";
    TargetMiss = "TARGET_MISS", Warn, "指标未达成", "target missed";
    BalanceRate = "BALANCE_RATE", Warn, "结余率超标", "balance rate high";
    OnTime = "ON_TIME", Warn, "按时发放率低", "payments late";
    AllocLate = "ALLOC_LATE", Warn, "指标未及时分解下达", "allocation not passed on";
}

impl Rule {
    /// Rules beyond the fourteen of SPEC §3, computed from the indicators and working-day
    /// deadlines: they run only when `[checks] extra_rules` lists them or `--rule` names
    /// them, so the default findings stay those of the specification.
    pub const EXTRA: &'static [Rule] = &[Rule::BalanceRate, Rule::OnTime, Rule::AllocLate];

    pub fn is_extra(self) -> bool {
        Rule::EXTRA.contains(&self)
    }
}

impl Rule {
    /// The code (case-insensitive, `-` for `_`) or the Chinese name.
    pub fn parse(s: &str) -> Option<Rule> {
        let t = s.trim();
        let up = t.to_uppercase().replace('-', "_");
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == up || r.label(Lang::Zh) == t)
    }
}

/// Who acknowledged a finding, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ack {
    pub note: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// program code
    pub program: String,
    /// credit code; None for program-level findings
    pub enterprise: Option<String>,
    pub voucher: Option<String>,
    pub amount: Option<Money>,
    /// in the UI language
    pub message: String,
    /// the policy basis it cites (依据), in the UI language: see `basis.rs`; shared by
    /// every finding of the same program and rule (70,000 findings would otherwise hold
    /// 70,000 copies of a few long texts)
    pub basis: Arc<str>,
    /// the year part of the key (see the module docs)
    pub year: i32,
    /// extra discriminator for the key's voucher part (TARGET_MISS: indicator name)
    #[serde(skip)]
    pub key_detail: Option<String>,
    pub acknowledged: bool,
    /// boxed: most findings have none, and 70,000 of them would each carry its room
    pub ack: Option<Box<Ack>>,
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Finding {
    pub(crate) fn new(
        rule: Rule,
        program: &str,
        enterprise: Option<&str>,
        voucher: Option<&str>,
        amount: Option<Money>,
        year: i32,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.severity(),
            program: program.to_string(),
            enterprise: enterprise.map(str::to_string),
            voucher: voucher.map(str::to_string),
            amount,
            message,
            basis: Arc::from(""),
            year,
            key_detail: None,
            acknowledged: false,
            ack: None,
        }
    }

    /// `rule|program|enterprise|voucher|year`, null parts empty.
    pub fn key(&self) -> String {
        key_of(
            self.rule,
            &self.program,
            self.enterprise.as_deref(),
            self.key_detail.as_deref().or(self.voucher.as_deref()),
            self.year,
        )
    }

    /// Every key an acknowledgement of this finding may be stored under, [`Finding::key`]
    /// first (see the module docs); `year_of_d` is the year of the as-of date.
    pub fn ack_keys(&self, year_of_d: i32) -> Vec<String> {
        let mut keys = vec![self.key()];
        let with = |voucher: &str, year: i32| {
            format!(
                "{}|{}|{}|{voucher}|{year}",
                self.rule.as_str(),
                self.program,
                self.enterprise.as_deref().unwrap_or("")
            )
        };
        if let Some(v) = self.voucher.as_deref() {
            if self.year != year_of_d {
                keys.push(with(v, year_of_d));
            }
        }
        if self.key_detail.is_some() && self.voucher.is_none() {
            keys.push(with("", self.year));
            if self.year != year_of_d {
                keys.push(with("", year_of_d));
            }
        }
        keys
    }

    fn sort_key(&self) -> (Severity, &str, &str, &str, &str, &str) {
        (
            self.severity,
            self.rule.as_str(),
            self.program.as_str(),
            self.enterprise.as_deref().unwrap_or(""),
            self.voucher.as_deref().unwrap_or(""),
            self.key_detail.as_deref().unwrap_or(""),
        )
    }
}

/// `rule|program|enterprise|voucher|year`, null parts empty ([`Finding::key`]).
fn key_of(
    rule: Rule,
    program: &str,
    enterprise: Option<&str>,
    voucher: Option<&str>,
    year: i32,
) -> String {
    format!(
        "{}|{program}|{}|{}|{year}",
        rule.as_str(),
        enterprise.unwrap_or(""),
        voucher.unwrap_or(""),
    )
}

/// Which findings to return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckFilter {
    /// empty = every rule
    pub rules: Vec<Rule>,
    pub program: Option<String>,
    /// only the findings naming this enterprise (credit code); program-level findings
    /// name none, so they are left out
    pub enterprise: Option<String>,
    /// hide acknowledged findings
    pub unacknowledged: bool,
}

/// What every rule needs.
pub(crate) struct Ctx<'a> {
    pub as_of: NaiveDate,
    pub year: i32,
    pub cfg: &'a CheckConfig,
    pub lang: Lang,
}

impl Ctx<'_> {
    pub fn msg(&self, zh: String, en: String) -> String {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Run every check as of `as_of` (only rows dated ≤ D count), mark acknowledged
/// findings and sort them.
pub fn run_checks(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
) -> Result<Vec<Finding>> {
    run_checks_in_shares(conn, as_of, cfg, lang, filter, 1)
}

/// [`run_checks`] reading the disbursements in `shares` passes, one share of the
/// enterprises each: the same findings, holding a `1/shares` of the rows at a time (about
/// 60 MB at 1M rows for one pass) for ~0.1 s more per extra pass.
pub fn run_checks_in_shares(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
    shares: u32,
) -> Result<Vec<Finding>> {
    collect(conn, as_of, cfg, lang, filter, Passes::InTurn(shares))
}

/// [`run_checks`] on two cores: the enterprises in two shares, one read through `conn`
/// and one at the same time through `helper` (a second connection to the same database
/// file, e.g. [`crate::db::open_reader`]) on a thread of its own. The same findings in
/// the same order; on 1M rows ~35 % less wall time (the reading is SQLite's and each
/// connection reads on one core).
///
/// Both must read the same state of the database: `conn` takes the write lock (`BEGIN
/// IMMEDIATE`, nothing is written) for the length of the run, so no other connection can
/// commit meanwhile, and `helper`'s read transaction starts after it. When the lock
/// cannot be had at once (a clerk is writing, or `conn` is already in a transaction) the
/// run is [`run_checks`]'s single pass instead.
pub fn run_checks_alongside(
    conn: &Connection,
    helper: Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
) -> Result<Vec<Finding>> {
    let locked = conn.is_autocommit()
        && conn.busy_timeout(std::time::Duration::ZERO).is_ok()
        && conn.execute_batch("BEGIN IMMEDIATE").is_ok();
    conn.busy_timeout(crate::db::BUSY_TIMEOUT)?;
    if !locked {
        return run_checks(conn, as_of, cfg, lang, filter);
    }
    let found = collect(conn, as_of, cfg, lang, filter, Passes::Alongside(helper));
    // nothing was written: ending the transaction only lets writers in again
    conn.execute_batch("ROLLBACK")?;
    found
}

/// The findings of [`run_into`], in report order.
fn collect(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
    passes: Passes,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    run_into(conn, as_of, cfg, lang, filter, passes, &mut |batch| {
        out.append(batch)
    })?;
    let mut out = sorted(out);
    // the vector grew by doubling: up to half of it empty room, kept as long as a
    // screen shows the findings
    out.shrink_to_fit();
    Ok(out)
}

/// How [`run_into`] reads the disbursements.
enum Passes {
    /// in n shares of the enterprises, one after the other, on the caller's connection
    InTurn(u32),
    /// in two shares at once, the second on this connection on a thread of its own
    Alongside(Connection),
}

/// One share of the enterprises read and each enterprise's rows put through the
/// enterprise and the voucher rules as soon as they are read: the two families'
/// findings (each in the order found) and the share's per-program sums.
fn share_rules(
    conn: &Connection,
    ctx: &Ctx<'_>,
    programs: &[Program],
    enterprise: Option<i64>,
    share: (u32, u32),
) -> Result<(Vec<Finding>, Vec<Finding>, Vec<scan::Sums>)> {
    let (mut by_enterprise, mut by_voucher) = (Vec::new(), Vec::new());
    let mut state = enterprise_rules::State::default();
    let data = scan::scan_each(conn, ctx, programs, enterprise, share, |run| {
        enterprise_rules::run(ctx, run, &mut state, &mut by_enterprise);
        voucher_rules::run(ctx, run, &mut by_voucher);
    })?;
    Ok((by_enterprise, by_voucher, data.sums))
}

/// One share of the enterprises read, its enterprise and voucher rules run and their
/// findings `finish`ed (on the share's thread, with a [`Basis`] of its own): the two
/// families' findings and the share's per-program sums.
fn share_found(
    conn: &Connection,
    ctx: &Ctx<'_>,
    programs: &[Program],
    share: (u32, u32),
    finish: &(dyn Fn(&mut Vec<Finding>, &mut Basis<'_>) + Sync),
) -> Result<([Vec<Finding>; 2], Vec<scan::Sums>)> {
    let (mut by_enterprise, mut by_voucher, sums) = share_rules(conn, ctx, programs, None, share)?;
    let mut basis = Basis::new(programs, ctx.cfg, ctx.lang);
    finish(&mut by_enterprise, &mut basis);
    finish(&mut by_voucher, &mut basis);
    Ok(([by_enterprise, by_voucher], sums))
}

/// [`run_checks_in_shares`] packed ([`CompactFindings`]): the same findings in the same
/// order, each share's packed as soon as it is found, so that the full list of
/// [`Finding`]s is never held at once. For the TUI's background checks, where memory
/// matters more than a fraction of a second.
pub fn run_checks_compact(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
    shares: u32,
) -> Result<CompactFindings> {
    let mut packed = compact::Builder::default();
    run_into(
        conn,
        as_of,
        cfg,
        lang,
        filter,
        Passes::InTurn(shares),
        &mut |batch| packed.extend(batch.drain(..)),
    )?;
    Ok(packed.finish(true))
}

/// Every check as of `as_of`: the findings, filtered, citing their basis and marked
/// acknowledged, handed to `sink` a batch at a time (unsorted; each batch is left empty
/// or taken whole).
fn run_into(
    conn: &Connection,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
    filter: &CheckFilter,
    passes: Passes,
    sink: &mut dyn FnMut(&mut Vec<Finding>),
) -> Result<()> {
    let ctx = Ctx {
        as_of,
        year: as_of.year(),
        cfg,
        lang,
    };
    let wants = |r: Rule| {
        if r.is_extra() && filter.rules.is_empty() {
            cfg.extra_rules.iter().any(|x| Rule::parse(x) == Some(r))
        } else {
            filter.rules.is_empty() || filter.rules.contains(&r)
        }
    };
    let needs_scan = [
        Rule::OverCap,
        Rule::Repeat,
        Rule::Exclusive,
        Rule::Ineligible,
        Rule::Duplicate,
        Rule::SelfApproved,
        Rule::StalePending,
    ]
    .into_iter()
    .any(wants);
    let enterprise = match &filter.enterprise {
        None => None,
        Some(code) => match enterprise_id(conn, code)? {
            Some(id) => Some(id),
            None => return Ok(()), // an unknown enterprise has no findings
        },
    };
    let acks = load_acks(conn)?;
    // what every batch goes through before the sink
    let finish = |batch: &mut Vec<Finding>, basis: &mut Basis<'_>| {
        batch.retain(|f| {
            wants(f.rule)
                && filter.program.as_ref().is_none_or(|p| &f.program == p)
                && (enterprise.is_none() || f.enterprise.is_some())
        });
        basis.cite(batch);
        for f in batch.iter_mut().filter(|_| !acks.is_empty()) {
            if let Some(a) = f.ack_keys(ctx.year).iter().find_map(|k| acks.get(k)) {
                f.acknowledged = true;
                f.ack = Some(Box::new(a.clone()));
            }
        }
        if filter.unacknowledged {
            batch.retain(|f| !f.acknowledged);
        }
    };
    let mut batch = Vec::new();
    if needs_scan {
        // one pass gives the figures and every enterprise and voucher rule
        let programs = scan::load_programs(conn)?;
        let mut basis = Basis::new(&programs, cfg, lang);
        let mut sums = vec![scan::Sums::default(); programs.len()];
        let n = match passes {
            Passes::Alongside(helper) if enterprise.is_none() => {
                let (ctx, programs) = (&ctx, &programs);
                let (mine, theirs) = std::thread::scope(|scope| {
                    let finish = &finish;
                    let theirs = scope.spawn(move || {
                        helper.execute_batch("BEGIN")?;
                        share_found(&helper, ctx, programs, (1, 2), finish)
                    });
                    let mine = share_found(conn, ctx, programs, (0, 2), finish);
                    // a panic on the helper is a bug: let it surface as one
                    let theirs = theirs
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p));
                    (mine, theirs)
                });
                for (families, share_sums) in [mine?, theirs?] {
                    for mut batch in families {
                        sink(&mut batch);
                    }
                    for (t, s) in sums.iter_mut().zip(&share_sums) {
                        t.add(s);
                    }
                }
                0 // no passes left
            }
            Passes::Alongside(_) => 1,
            Passes::InTurn(_) if enterprise.is_some() => 1,
            Passes::InTurn(shares) => shares.max(1),
        };
        for k in 0..n {
            let (by_enterprise, by_voucher, share_sums) =
                share_rules(conn, &ctx, &programs, enterprise, (k, n))?;
            // each family's findings to the sink once the share is read: a batch holds
            // only one family of one share
            for mut family in [by_enterprise, by_voucher] {
                finish(&mut family, &mut basis);
                sink(&mut family);
            }
            for (t, s) in sums.iter_mut().zip(&share_sums) {
                t.add(s);
            }
        }
        if enterprise.is_none() {
            let figures = scan::figures(conn, &ctx, &programs, &sums)?;
            program_level(conn, &ctx, &figures, &wants, &mut batch)?;
            finish(&mut batch, &mut basis);
            sink(&mut batch);
        }
    } else if enterprise.is_none() {
        let figures = program_figures(conn, as_of)?;
        program_level(conn, &ctx, &figures, &wants, &mut batch)?;
        let programs: Vec<_> = figures.into_iter().map(|f| f.program).collect();
        let mut basis = Basis::new(&programs, cfg, lang);
        finish(&mut batch, &mut basis);
        sink(&mut batch);
    }
    Ok(())
}

/// A text's first 16 bytes as a big-endian number, zero-padded: two of them compare as
/// the texts do, or are equal (and then the texts decide).
fn head(s: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// [`head`] of 24 bytes: a whole credit code (18).
fn head24(s: &str) -> (u128, u64) {
    let mut b = [0u8; 8];
    let rest = s.as_bytes().get(16..).unwrap_or(&[]);
    let n = rest.len().min(8);
    b[..n].copy_from_slice(&rest[..n]);
    (head(s), u64::from_be_bytes(b))
}

/// The findings in report order (severity, rule, program, enterprise, voucher, detail),
/// stable. Sorts compact keys with the findings' positions, then moves each finding to
/// its place once: sorting the findings themselves (~190 bytes each, 70,000 of them at
/// 1M rows) cost ~180 ms.
///
/// Each key is the rank of the rule and of the program among those present, and the first
/// 24 bytes of the enterprise (a whole credit code) and 16 of the voucher as numbers: most
/// comparisons are settled there, within the array of keys, instead of following pointers
/// to four strings per finding spread over the heap.
fn sorted(out: Vec<Finding>) -> Vec<Finding> {
    if out.len() < SORT_APART {
        return sorted_here(out);
    }
    // two halves sorted at once, one on a thread of its own, then merged (stable: the
    // first half's findings come first where keys are equal)
    let mut first = out;
    let second = first.split_off(first.len() / 2);
    let (first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(move || sorted_here(second));
        let first = sorted_here(first);
        // a panic there is a bug: let it surface as one
        let second = second
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (first, second)
    });
    merged(first, second)
}

/// From this many findings [`sorted`] sorts two halves on two threads (at 1M rows,
/// ~70,000 findings: ~25 ms on one core).
const SORT_APART: usize = 16_384;

/// Two lists in report order as one, stable (`a` first where keys are equal).
fn merged(a: Vec<Finding>, b: Vec<Finding>) -> Vec<Finding> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.sort_key() <= y.sort_key(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
    out
}

/// [`sorted`] on this thread.
fn sorted_here(out: Vec<Finding>) -> Vec<Finding> {
    // rank of each rule in (severity, code) order
    let mut by_order: Vec<Rule> = Rule::ALL.to_vec();
    by_order.sort_by_key(|r| (r.severity(), r.as_str()));
    let mut rank = [0u32; Rule::ALL.len()];
    for (i, r) in by_order.into_iter().enumerate() {
        rank[r as usize] = i as u32;
    }
    // rank of each program code among those named (a few hundred)
    let mut codes: Vec<&str> = {
        let mut seen: foldhash::HashSet<&str> = Default::default();
        out.iter()
            .map(|f| f.program.as_str())
            .filter(|c| seen.insert(c))
            .collect()
    };
    codes.sort_unstable();
    let program_rank: foldhash::HashMap<&str, u32> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u32))
        .collect();
    // (rule and program ranks, enterprise head, voucher head, position): 64 bytes moved by
    // the sort, compared as integers; where heads are equal the texts decide
    let mut order: Vec<(u64, (u128, u64), u128, u32)> = out
        .iter()
        .zip(0u32..)
        .map(|(f, i)| {
            let (_, _, program, enterprise, voucher, _) = f.sort_key();
            let p = program_rank.get(program).copied().unwrap_or(0);
            let rule_program = (u64::from(rank[f.rule as usize]) << 32) | u64::from(p);
            (rule_program, head24(enterprise), head(voucher), i)
        })
        .collect();
    drop(program_rank);
    let texts = |i: u32| {
        let (_, _, _, enterprise, voucher, detail) = out[i as usize].sort_key();
        (enterprise, voucher, detail)
    };
    // the position breaks ties: stable without a merge sort
    order.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            let (ta, tb) = (texts(a.3), texts(b.3));
            ta.0.cmp(tb.0)
                .then(a.2.cmp(&b.2))
                .then_with(|| (ta.1, ta.2).cmp(&(tb.1, tb.2)))
                .then(a.3.cmp(&b.3))
        })
    });
    // each finding moved once to its place (swapping them into place along the cycles
    // moved each twice, at random)
    let mut slots: Vec<Option<Finding>> = out.into_iter().map(Some).collect();
    let mut sorted = Vec::with_capacity(slots.len());
    sorted.extend(order.iter().filter_map(|&(.., i)| slots[i as usize].take()));
    sorted
}

/// The IDLE or RECOVER_DUE finding of one program as of `as_of`, exactly as
/// [`run_checks`] finds it (the 收回 screen ranks its candidates with it, so the screen
/// and `zhida check` cannot disagree). Not marked acknowledged.
pub fn idle_finding(
    f: &ProgramFigures,
    as_of: NaiveDate,
    cfg: &CheckConfig,
    lang: Lang,
) -> Option<Finding> {
    let ctx = Ctx {
        as_of,
        year: as_of.year(),
        cfg,
        lang,
    };
    program_rules::idle_or_recover_due(&ctx, f)
}

fn program_level(
    conn: &Connection,
    ctx: &Ctx<'_>,
    figures: &[crate::repo::ProgramFigures],
    wants: &dyn Fn(Rule) -> bool,
    out: &mut Vec<Finding>,
) -> Result<()> {
    program_rules::run(ctx, figures, out);
    performance_rules::run(conn, ctx, figures, out)?;
    indicator_rules::run(conn, ctx, figures, wants, out)
}

fn enterprise_id(conn: &Connection, credit_code: &str) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached("SELECT id FROM enterprise WHERE credit_code = ?1")?
        .query_row([credit_code.trim().to_uppercase()], |r| r.get(0))
        .optional()?)
}

/// Each finding's basis: one text per (program, rule), however many findings.
struct Basis<'a> {
    by_code: foldhash::HashMap<&'a str, &'a crate::model::Program>,
    cache: foldhash::HashMap<(&'a str, Rule), Arc<str>>,
    cfg: &'a CheckConfig,
    lang: Lang,
}

impl<'a> Basis<'a> {
    fn new(programs: &'a [crate::model::Program], cfg: &'a CheckConfig, lang: Lang) -> Self {
        Basis {
            by_code: programs.iter().map(|p| (p.code.as_str(), p)).collect(),
            cache: Default::default(),
            cfg,
            lang,
        }
    }

    fn cite(&mut self, out: &mut [Finding]) {
        for f in out {
            let Some(&p) = self.by_code.get(f.program.as_str()) else {
                continue;
            };
            // keyed by the program's own code: no copy of it per finding
            f.basis = self
                .cache
                .entry((p.code.as_str(), f.rule))
                .or_insert_with(|| Arc::from(self.cfg.basis.cite(f.rule, p, self.lang)))
                .clone();
        }
    }
}

fn load_acks(conn: &Connection) -> Result<HashMap<String, Ack>> {
    crate::ack::with_prefix(conn, "")
}

/// Count findings by severity: (errors, warnings).
pub fn count_by_severity<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> (usize, usize) {
    findings
        .into_iter()
        .fold((0, 0), |(e, w), f| match f.severity {
            Severity::Error => (e + 1, w),
            Severity::Warn => (e, w + 1),
        })
}

/// A ratio as a percentage with two decimals: 0.58333 → `58.33%`.
pub fn pct(r: rust_decimal::Decimal) -> String {
    format!(
        "{:.2}%",
        (r * rust_decimal::Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    )
}

#[cfg(test)]
pub(crate) mod tests;
