//! Reconciliation (对账) of our disbursements with an upstream payment export (the
//! treasury's 国库集中支付 system, the 直达资金 monitoring system): which payments both
//! sides have, which only one side has, and where matched rows differ.
//!
//! - `profile.rs` how to read one system's export (TOML, looked up by name or path);
//! - `read.rs` reading the export (CSV in any encoding the importer reads, or xlsx);
//! - `output.rs` table / CSV / JSON;
//! - here: matching.
//!
//! Our side: disbursements paid (and, to catch payments upstream that we have not marked
//! paid, pending or approved) dated in the period — `--month`, `--from/--to`, or by
//! default the dates the export covers — widened by the date tolerance so that a payment
//! booked a day apart at the edge of the period still matches. Upstream rows outside the
//! period are left out (counted).
//!
//! Matching, one-to-one and deterministic:
//! 1. an upstream row whose voucher (or own reference) repeats an earlier row's is a
//!    duplicate and is not matched;
//! 2. by voucher number, exactly (any date and status: a voucher we rejected but the
//!    treasury paid is found);
//! 3. the rest by (credit code, amount, date within ± tolerance days): all candidate
//!    pairs ordered by (our row paid first, days apart, upstream line, our date, our
//!    voucher) and taken greedily, so the nearest dates pair first.
//!
//! Differences on a matched row: amount, date (any days apart), program (the upstream
//! code mapped through the profile), 直达 flag (upstream flag vs our program's), payee
//! (credit code, voucher matches only). A match with one of our rows that is not paid is
//! "ours not yet paid". Unmatched upstream rows are "only upstream"; our paid rows in the
//! period left over are "only ours".
//!
//! Every difference and every unmatched row has a key `RECON|kind|ref|a|b` (see
//! [`validate_key`]) that `zhida ack` stores in `finding_ack` like a finding's; an
//! acknowledged item still shows, marked, with its note.

pub mod output;
pub mod profile;
pub mod read;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::checks::Ack;
use crate::dates::iso;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::model::Status;
use crate::money::Money;

pub use output::{reconciliation_csv, reconciliation_json, reconciliation_table};
pub use profile::Profile;
pub use read::{read_export, UpstreamRow};

/// The sample export shipped in `sample-data/reconcile/` (the TUI's default file).
pub const SAMPLE_EXPORT: &[u8] =
    include_bytes!("../../../../sample-data/reconcile/treasury-export-2026-10.csv");
/// Its path in the repository, as the TUI shows it.
pub const SAMPLE_EXPORT_PATH: &str = "sample-data/reconcile/treasury-export-2026-10.csv";

/// The outcome of one row, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// matched, with at least one difference
    Differences,
    /// upstream paid it; our row is pending, approved or rejected
    NotPaid,
    OnlyUpstream,
    OnlyOurs,
    /// the upstream row repeats an earlier one's voucher or reference
    Duplicate,
    /// matched, no difference
    Matched,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Differences,
        Category::NotPaid,
        Category::OnlyUpstream,
        Category::OnlyOurs,
        Category::Duplicate,
        Category::Matched,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Differences => "differences",
            Category::NotPaid => "not_paid",
            Category::OnlyUpstream => "only_upstream",
            Category::OnlyOurs => "only_ours",
            Category::Duplicate => "duplicate",
            Category::Matched => "matched",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Category::Differences => lang.pick("有差异", "with differences"),
            Category::NotPaid => lang.pick("我方未拨付", "ours not yet paid"),
            Category::OnlyUpstream => lang.pick("仅上游有", "only upstream"),
            Category::OnlyOurs => lang.pick("仅我方有", "only ours"),
            Category::Duplicate => lang.pick("上游重复", "duplicate upstream"),
            Category::Matched => lang.pick("一致", "matched"),
        }
    }
}

/// What differs on a matched row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    Amount,
    Date,
    Program,
    Direct,
    Payee,
}

impl DiffKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::Amount => "amount",
            DiffKind::Date => "date",
            DiffKind::Program => "program",
            DiffKind::Direct => "direct",
            DiffKind::Payee => "payee",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DiffKind::Amount => lang.pick("金额", "amount"),
            DiffKind::Date => lang.pick("日期", "date"),
            DiffKind::Program => lang.pick("项目", "program"),
            DiffKind::Direct => lang.pick("直达标志", "直达 flag"),
            DiffKind::Payee => lang.pick("收款人", "payee"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Voucher,
    /// credit code, amount and a date within the tolerance
    CodeAmountDate,
}

/// One of our disbursements as reconciliation sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OurRow {
    pub voucher: String,
    pub program: String,
    pub program_name: String,
    /// the program's 直达资金 flag
    pub is_direct: bool,
    pub credit_code: String,
    pub enterprise_name: String,
    #[serde(serialize_with = "read::plain_money")]
    pub amount: Money,
    pub date: NaiveDate,
    pub status: Status,
}

/// One difference on a matched row; `ours` and `upstream` are the values as text
/// (money plain, dates ISO, flags yes/no).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub kind: DiffKind,
    pub ours: String,
    pub upstream: String,
    pub key: String,
    pub ack: Option<Ack>,
}

/// One line of the outcome: a matched pair, or a row of one side only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub category: Category,
    pub matched_by: Option<MatchedBy>,
    pub upstream: Option<UpstreamRow>,
    pub ours: Option<OurRow>,
    pub diffs: Vec<Diff>,
    /// the key of the item itself (not paid, only upstream, only ours, duplicate)
    pub key: Option<String>,
    pub ack: Option<Ack>,
}

impl Item {
    /// Every key this item can be acknowledged by.
    pub fn keys(&self) -> Vec<&str> {
        self.key
            .iter()
            .map(String::as_str)
            .chain(self.diffs.iter().map(|d| d.key.as_str()))
            .collect()
    }

    /// Nothing left to look at: a plain match, or every key acknowledged.
    pub fn settled(&self) -> bool {
        self.key.is_none() || self.ack.is_some()
    }

    pub fn acknowledged(&self) -> bool {
        self.settled() && self.diffs.iter().all(|d| d.ack.is_some()) && !self.keys().is_empty()
    }

    /// Needs attention: some key of it is not acknowledged.
    pub fn open(&self) -> bool {
        !(self.settled() && self.diffs.iter().all(|d| d.ack.is_some()))
    }

    /// The date the item is sorted and shown by (ours, else upstream).
    pub fn date(&self) -> Option<NaiveDate> {
        self.ours
            .as_ref()
            .map(|o| o.date)
            .or(self.upstream.as_ref().map(|u| u.date))
    }
}

/// Count and amounts of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryTotal {
    pub category: Category,
    pub count: usize,
    #[serde(serialize_with = "read::plain_money")]
    pub upstream_amount: Money,
    #[serde(serialize_with = "read::plain_money")]
    pub ours_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    pub file: String,
    pub profile: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub tolerance_days: i64,
    /// upstream payment rows read (totals and ignored rows excluded)
    pub upstream_rows: usize,
    /// of those, dated outside the period (left out)
    pub outside_period: usize,
    pub items: Vec<Item>,
}

impl Reconciliation {
    /// Counts and totals per category, every category listed.
    pub fn summary(&self) -> Vec<CategoryTotal> {
        Category::ALL
            .iter()
            .map(|&c| {
                let mut t = CategoryTotal {
                    category: c,
                    count: 0,
                    upstream_amount: Money::ZERO,
                    ours_amount: Money::ZERO,
                };
                for i in self.items.iter().filter(|i| i.category == c) {
                    t.count += 1;
                    if let Some(u) = &i.upstream {
                        t.upstream_amount = Money(t.upstream_amount.0.saturating_add(u.amount.0));
                    }
                    if let Some(o) = &i.ours {
                        t.ours_amount = Money(t.ours_amount.0.saturating_add(o.amount.0));
                    }
                }
                t
            })
            .collect()
    }

    /// Items that need attention (a difference or an unmatched row not acknowledged).
    pub fn open_count(&self) -> usize {
        self.items.iter().filter(|i| i.open()).count()
    }

    /// Drop acknowledged items (`--unacknowledged`); plain matches stay.
    pub fn retain_unacknowledged(&mut self) {
        self.items
            .retain(|i| i.category == Category::Matched || i.open());
    }
}

/// What to reconcile against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// the period of our side; None = the dates the export covers
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// overrides the profile's `date_tolerance_days`
    pub tolerance_days: Option<i64>,
}

/// Reconcile a file on disk.
pub fn reconcile_path(
    conn: &Connection,
    path: &Path,
    profile: &Profile,
    opts: &Options,
) -> Result<Reconciliation> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid(format!(
            "{}: 无法打开 (cannot open): {e}",
            crate::sanitize::display_safe(&shown)
        ))
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or(shown);
    reconcile_bytes(conn, &name, &bytes, profile, opts)
}

/// Reconcile an export held in memory; `name` is used in messages.
pub fn reconcile_bytes(
    conn: &Connection,
    name: &str,
    bytes: &[u8],
    profile: &Profile,
    opts: &Options,
) -> Result<Reconciliation> {
    let rows = read_export(name, bytes, profile)?;
    reconcile_rows(conn, name, rows, profile, opts)
}

/// Match upstream rows (already read) with our disbursements.
pub fn reconcile_rows(
    conn: &Connection,
    name: &str,
    rows: Vec<UpstreamRow>,
    profile: &Profile,
    opts: &Options,
) -> Result<Reconciliation> {
    let tol = opts.tolerance_days.unwrap_or(profile.date_tolerance_days);
    if !(0..=366).contains(&tol) {
        return Err(Error::invalid(format!(
            "日期容差应为 0–366 天，实为 {tol} (date tolerance must be 0–366 days)"
        )));
    }
    let covered = (
        rows.iter().map(|r| r.date).min(),
        rows.iter().map(|r| r.date).max(),
    );
    let from = opts.from.or(covered.0);
    let to = opts.to.or(covered.1);
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::invalid(format!(
            "{name}: 导出文件没有支付记录，请用 --month 或 --from/--to 指定期间 (the export has no payments; give the period)"
        )));
    };
    if from > to {
        return Err(Error::invalid(format!(
            "期间起始 {from} 晚于结束 {to} (the period starts after it ends)"
        )));
    }
    let upstream_rows = rows.len();
    let (upstream, outside): (Vec<UpstreamRow>, Vec<UpstreamRow>) = rows
        .into_iter()
        .partition(|r| r.date >= from && r.date <= to);

    let mut pool = load_ours(conn, from - Duration::days(tol), to + Duration::days(tol))?;
    let mut by_voucher: HashMap<String, usize> = pool
        .iter()
        .enumerate()
        .map(|(i, o)| (o.voucher.clone(), i))
        .collect();
    let mut taken = vec![false; pool.len()];
    let mut items = Vec::new();
    let mut seen_voucher = HashSet::new();
    let mut seen_reference = HashSet::new();
    let mut rest: Vec<UpstreamRow> = Vec::new();

    for u in upstream {
        let dup_v = u
            .voucher
            .as_ref()
            .is_some_and(|v| !seen_voucher.insert(v.clone()));
        let dup_r = u
            .reference
            .as_ref()
            .is_some_and(|r| !seen_reference.insert(r.clone()));
        if dup_v || dup_r {
            items.push(single(Category::Duplicate, Some(u), None));
            continue;
        }
        if let Some(v) = u.voucher.clone() {
            let idx = match by_voucher.get(&v) {
                Some(&i) => Some(i),
                None => match load_voucher(conn, &v)? {
                    Some(o) => {
                        pool.push(o);
                        taken.push(false);
                        by_voucher.insert(v.clone(), pool.len() - 1);
                        Some(pool.len() - 1)
                    }
                    None => None,
                },
            };
            if let Some(i) = idx.filter(|&i| !taken[i]) {
                taken[i] = true;
                items.push(matched(u, pool[i].clone(), MatchedBy::Voucher, profile));
                continue;
            }
        }
        rest.push(u);
    }

    // (credit code, amount) → our rows still free, for the fallback
    let mut by_code_amount: HashMap<(&str, Money), Vec<usize>> = HashMap::new();
    for (i, o) in pool.iter().enumerate() {
        if !taken[i] && o.status != Status::Rejected {
            by_code_amount
                .entry((o.credit_code.as_str(), o.amount))
                .or_default()
                .push(i);
        }
    }
    let mut pairs = Vec::new();
    for (ui, u) in rest.iter().enumerate() {
        if let Some(cands) = by_code_amount.get(&(u.credit_code.as_str(), u.amount)) {
            for &oi in cands {
                let o = &pool[oi];
                let days = (o.date - u.date).num_days().abs();
                if days <= tol {
                    let rank = u8::from(o.status != Status::Paid);
                    pairs.push((rank, days, u.line, o.date, o.voucher.as_str(), ui, oi));
                }
            }
        }
    }
    pairs.sort();
    let mut up_taken = vec![false; rest.len()];
    let mut fallback = Vec::new();
    for (_, _, _, _, _, ui, oi) in pairs {
        if !up_taken[ui] && !taken[oi] {
            up_taken[ui] = true;
            taken[oi] = true;
            fallback.push((ui, oi));
        }
    }
    let mut rest: Vec<Option<UpstreamRow>> = rest.into_iter().map(Some).collect();
    for (ui, oi) in fallback {
        if let Some(u) = rest[ui].take() {
            items.push(matched(
                u,
                pool[oi].clone(),
                MatchedBy::CodeAmountDate,
                profile,
            ));
        }
    }
    for u in rest.into_iter().flatten() {
        items.push(single(Category::OnlyUpstream, Some(u), None));
    }
    for (i, o) in pool.into_iter().enumerate() {
        if !taken[i] && o.status == Status::Paid && o.date >= from && o.date <= to {
            items.push(single(Category::OnlyOurs, None, Some(o)));
        }
    }

    let acks = crate::ack::with_prefix(conn, "RECON|")?;
    if !acks.is_empty() {
        for it in &mut items {
            if let Some(k) = &it.key {
                it.ack = acks.get(k).cloned();
            }
            for d in &mut it.diffs {
                d.ack = acks.get(&d.key).cloned();
            }
        }
    }
    items.sort_by(|a, b| {
        let ka = (
            a.category,
            a.date(),
            a.ours.as_ref().map(|o| o.voucher.as_str()),
            a.upstream.as_ref().map(|u| u.line),
        );
        let kb = (
            b.category,
            b.date(),
            b.ours.as_ref().map(|o| o.voucher.as_str()),
            b.upstream.as_ref().map(|u| u.line),
        );
        ka.cmp(&kb)
    });
    Ok(Reconciliation {
        file: name.to_string(),
        profile: profile.name.clone(),
        from,
        to,
        tolerance_days: tol,
        upstream_rows,
        outside_period: outside.len(),
        items,
    })
}

/// A part of a key: `|` would split it.
fn part(s: &str) -> String {
    s.trim().replace('|', "/")
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn single(category: Category, upstream: Option<UpstreamRow>, ours: Option<OurRow>) -> Item {
    let key = match (&upstream, &ours) {
        (_, Some(o)) => format!(
            "RECON|{}|{}|{}|{}",
            category.as_str(),
            part(&o.voucher),
            o.amount.plain(),
            iso(o.date)
        ),
        (Some(u), None) => format!(
            "RECON|{}|{}|{}|{}",
            category.as_str(),
            part(u.ref_text()),
            u.amount.plain(),
            iso(u.date)
        ),
        (None, None) => String::new(),
    };
    Item {
        category,
        matched_by: None,
        upstream,
        ours,
        diffs: Vec::new(),
        key: Some(key),
        ack: None,
    }
}

fn matched(u: UpstreamRow, o: OurRow, by: MatchedBy, profile: &Profile) -> Item {
    let _ = profile;
    let mut diffs = Vec::new();
    let mut diff = |kind: DiffKind, ours: String, upstream: String| {
        let key = format!(
            "RECON|{}|{}|{}|{}",
            kind.as_str(),
            part(&o.voucher),
            part(&ours),
            part(&upstream)
        );
        diffs.push(Diff {
            kind,
            ours,
            upstream,
            key,
            ack: None,
        });
    };
    if u.amount != o.amount {
        diff(DiffKind::Amount, o.amount.plain(), u.amount.plain());
    }
    if u.date != o.date {
        diff(DiffKind::Date, iso(o.date), iso(u.date));
    }
    if let Some(p) = u.program.as_ref().filter(|p| **p != o.program) {
        diff(DiffKind::Program, o.program.clone(), p.clone());
    }
    if let Some(d) = u.is_direct.filter(|d| *d != o.is_direct) {
        diff(DiffKind::Direct, yes_no(o.is_direct), yes_no(d));
    }
    if u.credit_code != o.credit_code {
        diff(
            DiffKind::Payee,
            o.credit_code.clone(),
            u.credit_code.clone(),
        );
    }
    let (category, key) = if o.status != Status::Paid {
        (
            Category::NotPaid,
            Some(format!(
                "RECON|not_paid|{}|{}|{}",
                part(&o.voucher),
                o.status.as_str(),
                u.amount.plain()
            )),
        )
    } else if diffs.is_empty() {
        (Category::Matched, None)
    } else {
        (Category::Differences, None)
    };
    Item {
        category,
        matched_by: Some(by),
        upstream: Some(u),
        ours: Some(o),
        diffs,
        key,
        ack: None,
    }
}

const OURS_SQL: &str = "SELECT d.voucher_no, p.code, p.name, p.is_direct, e.credit_code, e.name,
        d.amount_fen, d.date, d.status
 FROM disbursement d
 JOIN program p ON p.id = d.program_id
 JOIN enterprise e ON e.id = d.enterprise_id";

fn our_row(r: &rusqlite::Row) -> rusqlite::Result<OurRow> {
    Ok(OurRow {
        voucher: r.get(0)?,
        program: r.get(1)?,
        program_name: r.get(2)?,
        is_direct: r.get(3)?,
        credit_code: r.get(4)?,
        enterprise_name: r.get(5)?,
        amount: r.get(6)?,
        date: crate::repo::lookup::date_col(r, 7)?,
        status: r.get(8)?,
    })
}

/// Our paid, approved and pending disbursements dated in [from, to].
fn load_ours(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<OurRow>> {
    let mut stmt = conn.prepare(&format!(
        "{OURS_SQL} WHERE d.date BETWEEN ?1 AND ?2 AND d.status IN ('paid', 'approved', 'pending')
         ORDER BY d.date, d.voucher_no"
    ))?;
    let rows = stmt.query_map(params![iso(from), iso(to)], our_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One of our disbursements by voucher, whatever its date and status.
fn load_voucher(conn: &Connection, voucher: &str) -> Result<Option<OurRow>> {
    Ok(conn
        .query_row(
            &format!("{OURS_SQL} WHERE d.voucher_no = ?1"),
            [voucher],
            our_row,
        )
        .optional()?)
}

/// The kinds a `RECON|…` key may name.
pub const KEY_KINDS: &[&str] = &[
    "amount",
    "date",
    "program",
    "direct",
    "payee",
    "not_paid",
    "only_upstream",
    "only_ours",
    "duplicate",
];

/// Check the shape of a reconciliation key: `RECON|kind|ref|a|b`, a known kind and a
/// non-empty reference. Err: why not.
pub fn validate_key(key: &str) -> std::result::Result<(), String> {
    let parts: Vec<&str> = key.split('|').collect();
    if parts.len() != 5 || parts[0] != "RECON" {
        return Err("应有 5 段 (expected RECON|kind|ref|ours|upstream)".into());
    }
    if !KEY_KINDS.contains(&parts[1]) {
        return Err(format!(
            "未知对账类别 '{}' (unknown kind; one of {})",
            parts[1],
            KEY_KINDS.join(", ")
        ));
    }
    if parts[2].trim().is_empty() {
        return Err("缺少凭证号或上游编号 (missing voucher or upstream reference)".into());
    }
    Ok(())
}
