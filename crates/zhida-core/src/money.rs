//! Money: an `i64` count of 分 (fen). Parsing of every input form clerks type or Excel
//! exports (`12,345.67`, `￥12,345.67`, `1.5万`, `3亿`, full-width digits), and display in
//! 元 (`12,345.67`) or 万元 (`1.23万`). No floating point anywhere.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// An amount of money in 分 (1/100 元). Signed: negative amounts are reversals and 调减.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

/// Why an amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空 (empty amount)")]
    Empty,
    #[error("金额格式不正确: '{0}' (not a number)")]
    Syntax(String),
    #[error("金额最多两位小数: '{0}' (more than 2 decimals)")]
    TooPrecise(String),
    #[error("金额超出范围: '{0}' (out of range)")]
    Overflow(String),
}

/// Display unit: 元 with two decimals, or 万元.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    #[default]
    Yuan,
    Wan,
}

impl Unit {
    pub fn toggle(self) -> Unit {
        match self {
            Unit::Yuan => Unit::Wan,
            Unit::Wan => Unit::Yuan,
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn fen(self) -> i64 {
        self.0
    }

    pub fn from_yuan(yuan: i64) -> Option<Money> {
        yuan.checked_mul(100).map(Money)
    }

    /// Exact value in 元.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// From 元; errors when more than two decimals remain or the value does not fit.
    pub fn from_decimal(yuan: Decimal) -> Result<Money, MoneyError> {
        let text = yuan.to_string();
        let normalized = yuan.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(text));
        }
        let fen = normalized
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|d| d.to_i64())
            .ok_or(MoneyError::Overflow(text))?;
        Ok(Money(fen))
    }

    /// Round a decimal 元 value half up (away from zero) to the fen.
    pub fn round_from_decimal(yuan: Decimal) -> Option<Money> {
        yuan.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|d| d.to_i64())
            .map(Money)
    }

    /// Parse any accepted input form. See the module docs.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let original = input.trim();
        match parse_plain(original) {
            Some(m) => Ok(m),
            None => Money::parse_any(original),
        }
    }

    /// Every accepted form (see [`Money::parse`]); `original` is trimmed.
    fn parse_any(original: &str) -> Result<Money, MoneyError> {
        if original.is_empty() {
            return Err(MoneyError::Empty);
        }
        // Full-width digits and punctuation (Excel/WPS with a Chinese IME) become ASCII.
        let mut s: String = original
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '．' | '。' => '.',
                '，' => ',',
                '－' | '−' => '-',
                '＋' => '+',
                _ => c,
            })
            .filter(|c| !c.is_whitespace())
            .collect();
        let negative = if let Some(rest) = s.strip_prefix('-') {
            s = rest.to_string();
            true
        } else {
            if let Some(rest) = s.strip_prefix('+') {
                s = rest.to_string();
            }
            false
        };
        for sym in ['￥', '¥'] {
            if let Some(rest) = s.strip_prefix(sym) {
                s = rest.to_string();
            }
        }
        // ￥-12.00: the sign may also follow the currency symbol
        let negative = match s.strip_prefix('-') {
            Some(rest) if !negative => {
                s = rest.to_string();
                true
            }
            _ => negative,
        };
        if let Some(rest) = s.strip_suffix('元') {
            s = rest.to_string();
        }
        let mut scale = Decimal::ONE;
        if let Some(rest) = s.strip_suffix('万') {
            s = rest.to_string();
            scale = Decimal::from(10_000);
        } else if let Some(rest) = s.strip_suffix('亿') {
            s = rest.to_string();
            scale = Decimal::from(100_000_000);
        }
        if !valid_number_text(&s) {
            return Err(MoneyError::Syntax(original.to_string()));
        }
        let digits: String = s.chars().filter(|&c| c != ',').collect();
        // rust_decimal holds 28 digits; anything that long overflows i64 fen anyway.
        if digits.len() > 26 {
            return Err(MoneyError::Overflow(original.to_string()));
        }
        let value =
            Decimal::from_str(&digits).map_err(|_| MoneyError::Syntax(original.to_string()))?;
        let yuan = value
            .checked_mul(scale)
            .ok_or_else(|| MoneyError::Overflow(original.to_string()))?;
        let yuan = if negative { -yuan } else { yuan };
        Money::from_decimal(yuan)
            .map_err(|e| match e {
                MoneyError::TooPrecise(_) => MoneyError::TooPrecise(original.to_string()),
                _ => MoneyError::Overflow(original.to_string()),
            })
            .map(|m| if m.0 == 0 { Money(0) } else { m })
    }

    /// `12,345.67` — 元 with thousands separators and two decimals.
    pub fn format_yuan(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let int = abs / 100;
        let frac = abs % 100;
        // one allocation: a table draws a few hundred of these a frame
        let mut out = String::with_capacity(28);
        if neg {
            out.push('-');
        }
        push_grouped(&mut out, int);
        out.push('.');
        out.push(char::from(b'0' + (frac / 10) as u8));
        out.push(char::from(b'0' + (frac % 10) as u8));
        out
    }

    /// `1.23万` — 万元 with two decimals, rounded half up.
    pub fn format_wan(self) -> String {
        let wan = (self.to_decimal() / Decimal::from(10_000))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let neg = wan.is_sign_negative() && !wan.is_zero();
        let fen = (wan.abs() * Decimal::ONE_HUNDRED).to_u64().unwrap_or(0);
        format!(
            "{}{}.{:02}万",
            if neg { "-" } else { "" },
            group_thousands(fen / 100),
            fen % 100
        )
    }

    /// `12345.67` — plain decimal text for JSON/CSV (no separators).
    pub fn plain(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        format!(
            "{}{}.{:02}",
            if neg { "-" } else { "" },
            abs / 100,
            abs % 100
        )
    }

    pub fn format(self, unit: Unit) -> String {
        match unit {
            Unit::Yuan => self.format_yuan(),
            Unit::Wan => self.format_wan(),
        }
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

/// The plain form most files hold, `-?digits(.d|.dd)?` with at most 15 integer digits,
/// read straight into fen (an import parses a million of them); None for anything else,
/// which [`Money::parse_any`] then reads. Gives what `parse_any` gives for that form.
fn parse_plain(s: &str) -> Option<Money> {
    let b = s.as_bytes();
    let (neg, b) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(p) => (&b[..p], Some(&b[p + 1..])),
        None => (b, None),
    };
    let digits = |d: &[u8]| d.iter().all(u8::is_ascii_digit);
    if int.is_empty() || int.len() > 15 || !digits(int) {
        return None;
    }
    let value = |d: &[u8]| d.iter().fold(0i64, |v, c| v * 10 + i64::from(c - b'0'));
    let cents = match frac {
        None => 0,
        Some(f) if (1..=2).contains(&f.len()) && digits(f) => {
            value(f) * if f.len() == 1 { 10 } else { 1 }
        }
        Some(_) => return None,
    };
    let fen = value(int) * 100 + cents;
    Some(Money(if neg { -fen } else { fen }))
}

fn valid_number_text(s: &str) -> bool {
    // digits with optional thousands commas (each group of 3), optional .fraction
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() && frac.is_none() {
        return false;
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    if int.is_empty() {
        return frac.is_some();
    }
    if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first = groups[0];
        if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    } else {
        int.bytes().all(|b| b.is_ascii_digit())
    }
}

fn group_thousands(n: u64) -> String {
    let mut out = String::new();
    push_grouped(&mut out, n);
    out
}

/// `n` with a comma between each three digits (`1,234,567`), appended to `out`.
fn push_grouped(out: &mut String, mut n: u64) {
    // the digits from the last, then appended in order (u64 has at most 20)
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_yuan())
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl std::ops::Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(self.0.saturating_neg())
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Money)
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_documented_form() {
        let cases = [
            ("12345.67", 1_234_567),
            ("12,345.67", 1_234_567),
            ("12345", 1_234_500),
            ("￥12,345.67", 1_234_567),
            ("¥12,345.67", 1_234_567),
            ("1.5万", 1_500_000),
            ("3亿", 30_000_000_000),
            ("30万元", 30_000_000),
            ("１２３", 12_300),
            ("-500.5", -50_050),
            ("0.01", 1),
            (" 1,000 ", 100_000),
            ("1.23456万", 1_234_560),
            ("-0", 0),
            (".5", 50),
        ];
        for (text, fen) in cases {
            assert_eq!(Money::parse(text), Ok(Money(fen)), "{text}");
        }
    }

    #[test]
    fn rejects_bad_amounts_with_reason() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert!(matches!(
            Money::parse("12.345"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(
            Money::parse("1.2345678万"),
            Err(MoneyError::TooPrecise(_))
        ));
        for bad in [
            "abc",
            "1,23",
            "12,3456.00",
            "1..2",
            "1.",
            "万",
            "1万万",
            "--1",
            "1e5",
            "0x10",
        ] {
            assert!(
                matches!(Money::parse(bad), Err(MoneyError::Syntax(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
        assert!(matches!(
            Money::parse("999999999999亿"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn formats_yuan_and_wan() {
        assert_eq!(Money(1_234_567).format_yuan(), "12,345.67");
        assert_eq!(Money(-5).format_yuan(), "-0.05");
        assert_eq!(Money(0).format_yuan(), "0.00");
        assert_eq!(Money(99_900).format_yuan(), "999.00");
        assert_eq!(Money(100_000).format_yuan(), "1,000.00");
        assert_eq!(Money(10_000_000_00).format_yuan(), "10,000,000.00");
        assert_eq!(Money(-123_456_789_01).format_yuan(), "-123,456,789.01");
        assert_eq!(Money(i64::MIN).format_yuan(), "-92,233,720,368,547,758.08");
        assert_eq!(Money(1_234_567).format_wan(), "1.23万");
        assert_eq!(Money(930_000_000).format_wan(), "930.00万");
        assert_eq!(Money(-1_500_000).format_wan(), "-1.50万");
        assert_eq!(Money(1_234_567).plain(), "12345.67");
        assert_eq!(Money(-1).plain(), "-0.01");
    }

    #[test]
    fn rounds_half_up() {
        let d = Decimal::from_str("10.005").unwrap();
        assert_eq!(Money::round_from_decimal(d), Some(Money(1001)));
        let d = Decimal::from_str("-10.005").unwrap();
        assert_eq!(Money::round_from_decimal(d), Some(Money(-1001)));
    }

    proptest! {
        /// The fast path for plain amounts reads what the general parser reads.
        #[test]
        fn plain_amounts_read_as_the_general_parser_reads_them(
            s in "-?[0-9]{1,15}(\\.[0-9]{1,2})?"
        ) {
            prop_assert_eq!(parse_plain(&s), Money::parse_any(&s).ok());
        }

        /// What the fast path leaves to the general parser, it leaves entirely.
        #[test]
        fn other_amounts_are_left_to_the_general_parser(
            s in "[-+￥,.0-9万元 ]{0,12}"
        ) {
            if let Some(m) = parse_plain(s.trim()) {
                prop_assert_eq!(Ok(m), Money::parse_any(s.trim()));
            }
        }

        #[test]
        fn parse_of_format_is_identity(fen in -900_000_000_000_000_000i64..900_000_000_000_000_000i64) {
            let m = Money(fen);
            prop_assert_eq!(Money::parse(&m.format_yuan()), Ok(m));
            prop_assert_eq!(Money::parse(&m.plain()), Ok(m));
            prop_assert_eq!(Money::parse(&format!("￥{}", m.format_yuan())), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Money::parse(&s);
        }

        #[test]
        fn wan_form_matches_yuan(fen in 0i64..1_000_000_000_000) {
            // n万 with up to 6 decimals is exactly n × 10000 元
            let wan = Decimal::new(fen, 6);
            let parsed = Money::parse(&format!("{wan}万")).unwrap();
            prop_assert_eq!(parsed.to_decimal(), wan * Decimal::from(10_000));
        }
    }
}
