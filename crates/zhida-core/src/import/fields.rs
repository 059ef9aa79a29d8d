//! Reading one record's fields through the core parsers, collecting every column error of
//! the row (a row is reported with all its problems, not only the first).

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use csv::StringRecord;
use rust_decimal::Decimal;

use crate::credit_code::CreditCode;
use crate::dates::parse_date;
use crate::model::{parse_bool, Size};
use crate::money::Money;

use super::columns::Header;

/// Why a row was not written.
pub(crate) enum Stop {
    /// the row is bad; its errors are in `Fields::errs`
    Row,
    /// the database failed (not the row's fault): abort the file
    Fatal(crate::Error),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Stop {
        Stop::Fatal(e.into())
    }
}

pub(crate) struct Fields<'a> {
    rec: &'a StringRecord,
    h: &'a Header,
    /// (column position in the kind's list or None for the row, reason)
    pub errs: Vec<(Option<usize>, String)>,
}

impl<'a> Fields<'a> {
    pub fn new(rec: &'a StringRecord, h: &'a Header) -> Fields<'a> {
        Fields {
            rec,
            h,
            errs: Vec::new(),
        }
    }

    pub fn bad(&mut self, c: usize, reason: impl Into<String>) {
        self.errs.push((Some(c), reason.into()));
    }

    /// Err(Stop::Row) when any column was bad.
    pub fn check(&self) -> Result<(), Stop> {
        if self.errs.is_empty() {
            Ok(())
        } else {
            Err(Stop::Row)
        }
    }

    /// Fail the row with one more error.
    pub fn fail(&mut self, c: usize, reason: impl Into<String>) -> Stop {
        self.bad(c, reason);
        Stop::Row
    }

    /// The trimmed text ("" when the column is absent).
    pub fn text(&self, c: usize) -> &'a str {
        self.h.field[c]
            .and_then(|f| self.rec.get(f))
            .map(str::trim)
            .unwrap_or("")
    }

    pub fn opt_text(&self, c: usize) -> Option<&'a str> {
        Some(self.text(c)).filter(|s| !s.is_empty())
    }

    pub fn required(&mut self, c: usize) -> &'a str {
        let s = self.text(c);
        if s.is_empty() {
            self.bad(c, "不能为空 (required)");
        }
        s
    }

    pub fn money(&mut self, c: usize) -> Option<Money> {
        match Money::parse(self.text(c)) {
            Ok(m) => Some(m),
            Err(e) => {
                self.bad(c, e.to_string());
                None
            }
        }
    }

    pub fn opt_money(&mut self, c: usize) -> Option<Money> {
        if self.text(c).is_empty() {
            None
        } else {
            self.money(c)
        }
    }

    pub fn date(&mut self, c: usize) -> Option<NaiveDate> {
        match parse_date(self.text(c)) {
            Ok(d) => Some(d),
            Err(e) => {
                self.bad(c, e.to_string());
                None
            }
        }
    }

    pub fn opt_date(&mut self, c: usize) -> Option<NaiveDate> {
        if self.text(c).is_empty() {
            None
        } else {
            self.date(c)
        }
    }

    /// A date that must not fall in a closed month.
    pub fn open_date(&mut self, c: usize, closed: &HashSet<String>) -> Option<NaiveDate> {
        let d = self.date(c)?;
        if !closed.is_empty() {
            let m = month_key(d);
            if closed.contains(&m) {
                self.bad(c, format!("{m} 月已结账，不能导入 (month {m} is closed)"));
                return None;
            }
        }
        Some(d)
    }

    pub fn parse_with<T>(
        &mut self,
        c: usize,
        parse: fn(&str) -> Option<T>,
        expected: impl FnOnce() -> String,
    ) -> Option<T> {
        let s = self.text(c);
        let v = parse(s);
        if v.is_none() {
            if s.is_empty() {
                self.bad(c, "不能为空 (required)");
            } else {
                self.bad(c, format!("无法识别 '{s}' (expected {})", expected()));
            }
        }
        v
    }

    pub fn bool(&mut self, c: usize) -> bool {
        let s = self.text(c);
        match parse_bool(s) {
            Some(b) => b,
            None => {
                self.bad(
                    c,
                    format!("无法识别 '{s}' (expected 是/否, yes/no, true/false, y/n, 1/0)"),
                );
                false
            }
        }
    }

    pub fn year(&mut self, c: usize) -> Option<i32> {
        let s = self.text(c);
        let t = s.strip_suffix('年').unwrap_or(s).trim();
        match t.parse::<i32>() {
            Ok(y) if (1990..=2200).contains(&y) => Some(y),
            _ if s.is_empty() => {
                self.bad(c, "不能为空 (required)");
                None
            }
            _ => {
                self.bad(c, format!("年度无效 '{s}' (expected a year such as 2025)"));
                None
            }
        }
    }

    pub fn decimal(&mut self, c: usize) -> Option<Decimal> {
        let s = self.text(c);
        let t: String = s
            .trim_end_matches(['%', '％'])
            .chars()
            .filter(|&ch| ch != ',' && ch != '，')
            .collect();
        match t.trim().parse::<Decimal>() {
            Ok(d) => Some(d),
            Err(_) if s.is_empty() => {
                self.bad(c, "不能为空 (required)");
                None
            }
            Err(_) => {
                self.bad(c, format!("不是数字 '{s}' (not a number)"));
                None
            }
        }
    }

    pub fn opt_decimal(&mut self, c: usize) -> Option<Decimal> {
        if self.text(c).is_empty() {
            None
        } else {
            self.decimal(c)
        }
    }

    pub fn sizes(&mut self, c: usize) -> Vec<Size> {
        let s = self.text(c);
        let mut out = Vec::new();
        for part in s.split([';', '；', ',', '，', '、', '/']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            match Size::parse(part) {
                Some(z) => out.push(z),
                None => self.bad(
                    c,
                    format!("未知规模 '{part}' (expected {})", Size::expected()),
                ),
            }
        }
        out
    }

    pub fn credit_code(&mut self, c: usize) -> Option<CreditCode> {
        let s = self.text(c);
        if s.is_empty() {
            self.bad(c, "不能为空 (required)");
            return None;
        }
        match CreditCode::parse(s) {
            Ok(cc) => Some(cc),
            Err(e) => {
                self.bad(c, e.to_string());
                None
            }
        }
    }

    /// A program code that must exist.
    pub fn program(&mut self, c: usize, programs: &ProgramIds) -> Option<i64> {
        let code = self.required(c);
        if code.is_empty() {
            return None;
        }
        let id = programs.get(code).copied();
        if id.is_none() {
            self.bad(c, format!("项目编码 '{code}' 不存在 (unknown program)"));
        }
        id
    }

    /// A credit code that must be valid and belong to a known enterprise.
    pub fn enterprise(
        &mut self,
        c: usize,
        enterprises: &EnterpriseIds,
    ) -> Option<(CreditCode, i64)> {
        let cc = self.credit_code(c)?;
        match enterprises.get(&cc) {
            Some(id) => Some((cc, id)),
            None => {
                self.bad(
                    c,
                    format!("企业 {} 不存在 (unknown enterprise)", cc.as_str()),
                );
                None
            }
        }
    }
}

/// Program code → id (a fast hash: looked up once a row).
pub(crate) type ProgramIds = foldhash::HashMap<String, i64>;

/// Credit code → enterprise id, keyed by the code's 18 bytes themselves: a lookup
/// compares inline keys instead of following a pointer to each candidate's string (a
/// cache miss per row on 50,000 enterprises; an import looks up a million), with a fast
/// hash (SipHash of the 18 bytes was ~4 % of an import's CPU).
#[derive(Debug, Default)]
pub(crate) struct EnterpriseIds(foldhash::HashMap<[u8; 18], i64>);

impl EnterpriseIds {
    pub fn insert(&mut self, credit_code: &str, id: i64) {
        if let Ok(k) = credit_code.as_bytes().try_into() {
            self.0.insert(k, id);
        }
    }

    pub fn get(&self, cc: &CreditCode) -> Option<i64> {
        let k: &[u8; 18] = cc.as_str().as_bytes().try_into().ok()?;
        self.0.get(k).copied()
    }
}

pub(crate) fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}
