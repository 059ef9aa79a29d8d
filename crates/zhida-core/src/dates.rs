//! Dates and months. Storage is ISO `YYYY-MM-DD`; input also accepts `YYYY/MM/DD`,
//! `YYYYMMDD`, `YYYY年M月D日`, `YYYY-M-D` and Excel date serials (from xlsx cells).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日期为空 (empty date)")]
    Empty,
    #[error("日期格式不正确: '{0}' (expected YYYY-MM-DD)")]
    Syntax(String),
    #[error("日期不存在: '{0}' (no such day)")]
    NoSuchDay(String),
    #[error("月份格式不正确: '{0}' (expected YYYY-MM)")]
    Month(String),
}

/// Parse a date in any accepted form.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let s = input.trim();
    match parse_iso(s) {
        Some(Some(d)) => Ok(d),
        Some(None) => Err(DateError::NoSuchDay(s.into())),
        None => parse_any(s),
    }
}

/// A date as the database stores it (`YYYY-MM-DD`, a real day), read without
/// allocating; None for anything else.
pub fn parse_stored(s: &str) -> Option<NaiveDate> {
    parse_iso(s).flatten()
}

/// A stored `YYYY-MM-DD` as (days since 0001-01-01 counting it as day 1, as chrono's
/// `num_days_from_ce`, and the year), by integer arithmetic: the month-end check reads
/// a million of them. None for anything that is not a real day in that form.
pub fn iso_day_number(b: &[u8]) -> Option<(i32, i32)> {
    let (y, m, d) = iso_fields(b)?;
    let (y, m, d) = (y as i32, m as i32, d as i32);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d < 1 || d > month_days {
        return None;
    }
    // days before this year, then before this month (March-based count keeps February,
    // the month of the leap day, last), as in H. Hinnant's days_from_civil
    let (ya, mp) = if m > 2 { (y, m - 3) } else { (y - 1, m + 9) };
    let era = ya.div_euclid(400);
    let yoe = ya - era * 400;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // days since 0000-03-01, moved to chrono's day 1 = 0001-01-01
    Some((era * 146_097 + doe - 305, y))
}

/// `YYYY-MM-DD` exactly, read without allocating (an import parses a million): None when
/// `s` has another form, Some(None) when it names no day.
fn parse_iso(s: &str) -> Option<Option<NaiveDate>> {
    let (y, m, d) = iso_fields(s.as_bytes())?;
    Some(NaiveDate::from_ymd_opt(y as i32, m, d))
}

/// The year, month and day numbers of `YYYY-MM-DD` (any digits: the day is not checked).
fn iso_fields(b: &[u8]) -> Option<(u32, u32, u32)> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |v, &c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    Some((num(0..4)?, num(5..7)?, num(8..10)?))
}

/// Every accepted form; `s` is trimmed.
fn parse_any(s: &str) -> Result<NaiveDate, DateError> {
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            _ => c,
        })
        .collect();
    // YYYY年M月D日
    let parts: Option<(String, String, String)> = if let Some(rest) = ascii.strip_suffix('日') {
        let (y, rest) = rest
            .split_once('年')
            .ok_or_else(|| DateError::Syntax(s.into()))?;
        let (m, d) = rest
            .split_once('月')
            .ok_or_else(|| DateError::Syntax(s.into()))?;
        Some((y.into(), m.into(), d.into()))
    } else if ascii.len() == 8 && ascii.bytes().all(|b| b.is_ascii_digit()) {
        Some((ascii[..4].into(), ascii[4..6].into(), ascii[6..].into()))
    } else {
        let sep = if ascii.contains('-') { '-' } else { '/' };
        let v: Vec<&str> = ascii.split(sep).collect();
        if v.len() == 3 {
            Some((v[0].into(), v[1].into(), v[2].into()))
        } else {
            None
        }
    };
    let (y, m, d) = parts.ok_or_else(|| DateError::Syntax(s.into()))?;
    let ok = |t: &str, max: usize| {
        !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit())
    };
    if y.len() != 4 || !ok(&y, 4) || !ok(&m, 2) || !ok(&d, 2) {
        return Err(DateError::Syntax(s.into()));
    }
    let (y, m, d) = (
        y.parse::<i32>().map_err(|_| DateError::Syntax(s.into()))?,
        m.parse::<u32>().map_err(|_| DateError::Syntax(s.into()))?,
        d.parse::<u32>().map_err(|_| DateError::Syntax(s.into()))?,
    );
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DateError::NoSuchDay(s.into()))
}

/// An Excel date serial (1900 date system, with Excel's 1900-02-29 bug) to a date.
pub fn from_excel_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    // serials before 1900-03-01 are off by one because of the phantom 1900-02-29
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(Duration::days(days))
}

pub fn iso(d: NaiveDate) -> String {
    match IsoDay::new(d) {
        Some(day) => day.as_str().to_string(),
        None => d.format("%Y-%m-%d").to_string(),
    }
}

/// A day's `YYYY-MM-DD` text held inline, for the years 0–9999: formatted by hand
/// (chrono's formatter costs ~0.3 µs, and an import formats a million) and without an
/// allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDay([u8; 10]);

impl IsoDay {
    /// None for a year outside 0–9999 (which has no 4-digit form).
    pub fn new(d: NaiveDate) -> Option<IsoDay> {
        let (y, m, day) = (d.year(), d.month(), d.day());
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut b = *b"0000-00-00";
        for (i, v) in [(0, y as u32 / 100), (2, y as u32 % 100), (5, m), (8, day)] {
            b[i] = b'0' + (v / 10) as u8;
            b[i + 1] = b'0' + (v % 10) as u8;
        }
        Some(IsoDay(b))
    }

    pub fn as_str(&self) -> &str {
        // only ASCII digits and '-' are ever written
        std::str::from_utf8(&self.0).unwrap_or("0000-00-00")
    }
}

/// A calendar month `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn of(d: NaiveDate) -> Month {
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn parse(input: &str) -> Result<Month, DateError> {
        let s = input.trim();
        let bad = || DateError::Month(s.to_string());
        let (y, m) = if let Some(rest) = s.strip_suffix('月') {
            rest.split_once('年').ok_or_else(bad)?
        } else if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            (&s[..4], &s[4..])
        } else {
            s.split_once(['-', '/']).ok_or_else(bad)?
        };
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return Err(bad());
        }
        let year = y.parse::<i32>().map_err(|_| bad())?;
        let month = m.parse::<u32>().map_err(|_| bad())?;
        Month::new(year, month).ok_or_else(bad)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Month::parse(s)
    }
}

/// Today's date in local time (the only place the clock is read for dates).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Current timestamp for audit rows and acknowledgements.
pub fn now_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Every day of years 0001–2400 numbered as chrono numbers it; every other day-like
    /// text refused as chrono refuses it.
    #[test]
    fn day_numbers_are_chronos() {
        use chrono::Datelike;
        let mut day = d(1, 1, 1);
        while day.year() <= 2400 {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(
                iso_day_number(text.as_bytes()),
                Some((day.num_days_from_ce(), day.year())),
                "{text}"
            );
            day = day.succ_opt().unwrap();
        }
        for y in [1900, 2000, 2023, 2024, 2100, 9999] {
            for m in 0..=13 {
                for dd in 0..=32 {
                    let text = format!("{y:04}-{m:02}-{dd:02}");
                    let want = NaiveDate::from_ymd_opt(y, m, dd).map(|x| (x.num_days_from_ce(), y));
                    assert_eq!(iso_day_number(text.as_bytes()), want, "{text}");
                }
            }
        }
        for bad in [
            "2025-6-01",
            "2025/06/01",
            "２０２５-06-01",
            "2025-06-0a",
            " 2025-06-1",
            "",
            "2025-06-011",
        ] {
            assert_eq!(iso_day_number(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn accepts_every_documented_form() {
        for s in [
            "2025-06-30",
            "2025/06/30",
            "20250630",
            "2025年6月30日",
            "2025-6-30",
            "２０２５-０６-３０",
        ] {
            assert_eq!(parse_date(s), Ok(d(2025, 6, 30)), "{s}");
        }
    }

    #[test]
    fn rejects_bad_dates() {
        assert_eq!(parse_date(""), Err(DateError::Empty));
        assert!(matches!(
            parse_date("2025-02-30"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(matches!(
            parse_date("2025-13-01"),
            Err(DateError::NoSuchDay(_))
        ));
        for bad in [
            "25-06-30",
            "2025-06",
            "hello",
            "2025-06-30T00:00",
            "2025年6月",
            "2025--30",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months() {
        let m = Month::parse("2025-02").unwrap();
        assert_eq!(m.last_day(), d(2025, 2, 28));
        assert_eq!(Month::parse("2024-02").unwrap().last_day(), d(2024, 2, 29));
        assert_eq!(
            Month::parse("2025-12").unwrap().next().to_string(),
            "2026-01"
        );
        assert_eq!(
            Month::parse("2025-01").unwrap().prev().to_string(),
            "2024-12"
        );
        assert_eq!(Month::parse("2025年6月").unwrap().to_string(), "2025-06");
        assert!(Month::parse("2025-13").is_err());
        assert!(Month::parse("2025").is_err());
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(45838.0), Some(d(2025, 6, 30)));
        assert_eq!(from_excel_serial(1.0), Some(d(1900, 1, 1)));
        assert_eq!(from_excel_serial(-3.0), None);
    }
}
