//! The findings of a month packed for a front end that keeps them for a session (the
//! TUI's 总览, 项目 and 月结): [`CompactFindings`] holds every finding as a 40-byte
//! record whose texts live in one shared string pool — program codes, credit codes and
//! messages interned (70,000 findings of a 1M-row month cite 200 programs, ~34,000
//! enterprises and ~8,000 distinct messages), vouchers stored once each — and the policy
//! basis texts once per (program, rule). About 80 bytes a finding instead of ~450 as
//! [`Finding`]s, and a handful of allocations instead of hundreds of thousands.
//!
//! [`CompactFindings::get`] hands out a [`FindingRef`] (borrowed texts, the same fields
//! as a [`Finding`]); [`FindingRef::to_finding`] expands one. Built by
//! [`run_checks_compact`](super::run_checks_compact), which packs each share of the scan
//! as it is found, so that the full list of [`Finding`]s never exists at once; the
//! records are in exactly the order, and expand to exactly the findings,
//! [`run_checks`](super::run_checks) returns.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use super::{Ack, Finding, Rule, Severity};
use crate::money::Money;

/// No text (a null enterprise, voucher or key detail); no acknowledgement.
const NONE: u32 = u32::MAX;

/// One finding; its texts are ids in the pool.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rec {
    amount: i64,
    program: u32,
    enterprise: u32,
    voucher: u32,
    message: u32,
    key_detail: u32,
    /// index into `bases`
    basis: u32,
    /// index into `acks`, or NONE
    ack: u32,
    /// the finding's year: every year a stored date can have (0000–9999) fits; one
    /// outside ±32767 would be kept as the nearest (40 bytes a record instead of 48)
    year: i16,
    rule: Rule,
    /// [`HAS_AMOUNT`] | [`ACKNOWLEDGED`]
    flags: u8,
}

const HAS_AMOUNT: u8 = 1;
const ACKNOWLEDGED: u8 = 2;

// 68,545 of them at 1M rows: every 8 bytes is half a megabyte of the TUI
const _: () = assert!(std::mem::size_of::<Rec>() == 40);

impl Rec {
    fn has_amount(&self) -> bool {
        self.flags & HAS_AMOUNT != 0
    }

    fn acknowledged(&self) -> bool {
        self.flags & ACKNOWLEDGED != 0
    }
}

/// Texts end to end in one string; id `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq)]
struct Pool {
    text: String,
    ends: Vec<u32>,
}

impl Pool {
    fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        let id = self.ends.len() as u32;
        self.ends.push(self.text.len() as u32);
        id
    }

    fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn opt(&self, id: u32) -> Option<&str> {
        (id != NONE).then(|| self.get(id))
    }
}

/// Every finding of a run of the checks, packed (see the module docs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompactFindings {
    recs: Vec<Rec>,
    pool: Pool,
    bases: Vec<Arc<str>>,
    acks: Vec<Ack>,
}

/// One finding of a [`CompactFindings`], its texts borrowed: the fields of [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FindingRef<'a> {
    pub rule: Rule,
    pub severity: Severity,
    pub program: &'a str,
    pub enterprise: Option<&'a str>,
    pub voucher: Option<&'a str>,
    pub amount: Option<Money>,
    pub message: &'a str,
    pub basis: &'a Arc<str>,
    pub year: i32,
    pub key_detail: Option<&'a str>,
    pub acknowledged: bool,
    pub ack: Option<&'a Ack>,
}

/// What follows `rule|program|` in `key`, if it starts so (the first parts of
/// [`FindingRef::key`]).
fn after_rule_and_program<'k>(key: &'k str, rule: Rule, program: &str) -> Option<&'k str> {
    key.strip_prefix(rule.as_str())?
        .strip_prefix('|')?
        .strip_prefix(program)?
        .strip_prefix('|')
}

impl FindingRef<'_> {
    /// [`Finding::key`].
    pub fn key(&self) -> String {
        super::key_of(
            self.rule,
            self.program,
            self.enterprise,
            self.key_detail.or(self.voucher),
            self.year,
        )
    }

    /// Whether [`FindingRef::key`] is `key`, without making the key: its parts are
    /// matched one after the other (most findings differ at the rule or the program), so
    /// that a pass over every finding (an acknowledgement) allocates nothing.
    pub fn has_key(&self, key: &str) -> bool {
        let rest = after_rule_and_program(key, self.rule, self.program)
            .and_then(|k| k.strip_prefix(self.enterprise.unwrap_or("")))
            .and_then(|k| k.strip_prefix('|'))
            .and_then(|k| k.strip_prefix(self.key_detail.or(self.voucher).unwrap_or("")))
            .and_then(|k| k.strip_prefix('|'));
        rest.is_some_and(|year| year == self.year.to_string())
    }

    /// The finding itself, owned.
    pub fn to_finding(&self) -> Finding {
        Finding {
            rule: self.rule,
            severity: self.severity,
            program: self.program.to_string(),
            enterprise: self.enterprise.map(str::to_string),
            voucher: self.voucher.map(str::to_string),
            amount: self.amount,
            message: self.message.to_string(),
            basis: Arc::clone(self.basis),
            year: self.year,
            key_detail: self.key_detail.map(str::to_string),
            acknowledged: self.acknowledged,
            ack: self.ack.map(|a| Box::new(a.clone())),
        }
    }

    fn sort_key(&self) -> (Severity, &str, &str, &str, &str, &str) {
        (
            self.severity,
            self.rule.as_str(),
            self.program,
            self.enterprise.unwrap_or(""),
            self.voucher.unwrap_or(""),
            self.key_detail.unwrap_or(""),
        )
    }
}

impl CompactFindings {
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The finding at `i`.
    pub fn get(&self, i: usize) -> Option<FindingRef<'_>> {
        self.recs.get(i).map(|r| self.view(r))
    }

    /// The finding at `i`; panics when there is none (as indexing a slice would).
    pub fn at(&self, i: usize) -> FindingRef<'_> {
        self.view(&self.recs[i])
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = FindingRef<'_>> + ExactSizeIterator {
        self.recs.iter().map(|r| self.view(r))
    }

    /// The rule of the finding at `i` (without expanding it: for passes over every
    /// finding, which would otherwise look up each one's texts).
    pub fn rule_at(&self, i: usize) -> Rule {
        self.recs[i].rule
    }

    /// The severity of the finding at `i`, without expanding it.
    pub fn severity_at(&self, i: usize) -> Severity {
        self.recs[i].rule.severity()
    }

    /// Whether the finding at `i` is acknowledged, without expanding it.
    pub fn acknowledged_at(&self, i: usize) -> bool {
        self.recs[i].acknowledged()
    }

    /// The program code of the finding at `i`, without expanding the rest.
    pub fn program_at(&self, i: usize) -> &str {
        self.pool.get(self.recs[i].program)
    }

    /// A number for the program text of the finding at `i`: findings with equal numbers
    /// name the same program (the same code can have two numbers, should two texts'
    /// hashes collide), so that a pass over every finding can look a program up once per
    /// run of equal numbers instead of hashing its code each time.
    pub fn program_id_at(&self, i: usize) -> u32 {
        self.recs[i].program
    }

    /// (errors, unacknowledged errors, warnings, acknowledged) in one pass over the
    /// records.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        self.recs.iter().fold((0, 0, 0, 0), |(e, o, w, a), r| {
            let ack = usize::from(r.acknowledged());
            match r.rule.severity() {
                Severity::Error => (e + 1, o + 1 - ack, w, a + ack),
                Severity::Warn => (e, o, w + 1, a + ack),
            }
        })
    }

    /// Every finding expanded (what [`run_checks`](super::run_checks) returns).
    pub fn to_vec(&self) -> Vec<Finding> {
        self.iter().map(|f| f.to_finding()).collect()
    }

    /// Pack `findings`, in their order.
    pub fn from_findings(findings: Vec<Finding>) -> CompactFindings {
        let mut b = Builder::default();
        b.extend(findings);
        b.finish(false)
    }

    /// Mark every finding whose key is `key` acknowledged with `ack`; how many were.
    pub fn acknowledge(&mut self, key: &str, ack: &Ack) -> usize {
        // the rule and the program first, from the record (no finding expanded for the
        // many that differ there)
        let hits: Vec<usize> = (0..self.recs.len())
            .filter(|&i| {
                let r = &self.recs[i];
                after_rule_and_program(key, r.rule, self.pool.get(r.program)).is_some()
                    && self.at(i).has_key(key)
            })
            .collect();
        if hits.is_empty() {
            return 0;
        }
        let at = self.acks.len() as u32;
        self.acks.push(ack.clone());
        for &i in &hits {
            self.recs[i].flags |= ACKNOWLEDGED;
            self.recs[i].ack = at;
        }
        hits.len()
    }

    /// Bytes held on the heap (the records, the pool, the shared texts, the notes).
    pub fn heap_bytes(&self) -> usize {
        let acks: usize = self
            .acks
            .iter()
            .map(|a| a.note.capacity() + a.by.capacity() + a.at.capacity())
            .sum();
        self.recs.capacity() * std::mem::size_of::<Rec>()
            + self.pool.text.capacity()
            + self.pool.ends.capacity() * 4
            + self.bases.capacity() * std::mem::size_of::<Arc<str>>()
            + self.bases.iter().map(|b| b.len() + 16).sum::<usize>()
            + self.acks.capacity() * std::mem::size_of::<Ack>()
            + acks
    }

    fn view<'a>(&'a self, r: &Rec) -> FindingRef<'a> {
        FindingRef {
            rule: r.rule,
            severity: r.rule.severity(),
            program: self.pool.get(r.program),
            enterprise: self.pool.opt(r.enterprise),
            voucher: self.pool.opt(r.voucher),
            amount: r.has_amount().then_some(Money(r.amount)),
            message: self.pool.get(r.message),
            basis: &self.bases[r.basis as usize],
            year: i32::from(r.year),
            key_detail: self.pool.opt(r.key_detail),
            acknowledged: r.acknowledged(),
            ack: (r.ack != NONE).then(|| &self.acks[r.ack as usize]),
        }
    }
}

/// Packs findings as they come; [`Builder::finish`] sorts them.
#[derive(Default)]
pub(crate) struct Builder {
    out: CompactFindings,
    /// interned texts (programs, enterprises, messages, key details): their hash → pool
    /// id (no copy of the text: a text whose hash collides with another's is simply
    /// stored again)
    interned: HashMap<u64, u32>,
    hasher: RandomState,
    /// basis texts by address (they are shared `Arc`s) → index
    bases: HashMap<*const u8, u32>,
}

impl Builder {
    fn intern(&mut self, s: &str) -> u32 {
        let h = self.hasher.hash_one(s);
        match self.interned.get(&h) {
            Some(&id) if self.out.pool.get(id) == s => id,
            Some(_) => self.out.pool.push(s),
            None => {
                let id = self.out.pool.push(s);
                self.interned.insert(h, id);
                id
            }
        }
    }

    fn basis(&mut self, b: &Arc<str>) -> u32 {
        let ptr = b.as_ptr();
        if let Some(&i) = self.bases.get(&ptr) {
            return i;
        }
        let i = self.out.bases.len() as u32;
        self.out.bases.push(Arc::clone(b));
        self.bases.insert(ptr, i);
        i
    }

    /// Pack `findings` after those packed so far (dropping each as it goes).
    pub(crate) fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            let program = self.intern(&f.program);
            let enterprise = f.enterprise.as_deref().map_or(NONE, |e| self.intern(e));
            // vouchers are nearly all different: not worth a map entry each
            let voucher = f.voucher.as_deref().map_or(NONE, |v| self.out.pool.push(v));
            let message = self.intern(&f.message);
            let key_detail = f.key_detail.as_deref().map_or(NONE, |k| self.intern(k));
            let basis = self.basis(&f.basis);
            let ack = match f.ack {
                Some(a) => {
                    self.out.acks.push(*a);
                    (self.out.acks.len() - 1) as u32
                }
                None => NONE,
            };
            self.out.recs.push(Rec {
                amount: f.amount.map_or(0, |m| m.0),
                program,
                enterprise,
                voucher,
                message,
                key_detail,
                basis,
                ack,
                year: i16::try_from(f.year).unwrap_or(if f.year < 0 { i16::MIN } else { i16::MAX }),
                rule: f.rule,
                flags: if f.amount.is_some() { HAS_AMOUNT } else { 0 }
                    | if f.acknowledged { ACKNOWLEDGED } else { 0 },
            });
        }
    }

    /// The findings, sorted as [`run_checks`](super::run_checks) sorts them when `sort`
    /// (equal keys keep the order they came in), without spare room.
    pub(crate) fn finish(self, sort: bool) -> CompactFindings {
        let mut out = self.out;
        if sort {
            let mut order: Vec<u32> = (0..out.recs.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| {
                let (fa, fb) = (out.at(a as usize), out.at(b as usize));
                fa.sort_key().cmp(&fb.sort_key()).then(a.cmp(&b))
            });
            // target[i] = where the record now at i belongs; moved there by swaps, so that
            // the records are never held twice
            let mut target = vec![0u32; order.len()];
            for (place, i) in (0u32..).zip(order) {
                target[i as usize] = place;
            }
            for i in 0..out.recs.len() {
                while target[i] as usize != i {
                    let t = target[i] as usize;
                    out.recs.swap(i, t);
                    target.swap(i, t);
                }
            }
        }
        out.recs.shrink_to_fit();
        out.pool.text.shrink_to_fit();
        out.pool.ends.shrink_to_fit();
        out.bases.shrink_to_fit();
        out.acks.shrink_to_fit();
        out
    }
}
