//! Working days (工作日): Chinese public holidays and 调休 make-up working days, for every
//! deadline counted in working days (按时发放率, ALLOC_LATE, STALE_PENDING with
//! `stale_working_days`).
//!
//! The official 国务院办公厅 arrangements for 2020–2026 ship in `data/holidays.toml`;
//! `[calendar] holidays = [...]`, `workdays = [...]` in config.toml add to them or
//! override them. A day is a working day when it is a listed make-up working day, or a
//! Monday–Friday that is not a listed holiday. Outside the listed years only weekends are
//! off.
//!
//! Counting convention: [`Calendar::working_days_between`]`(a, b)` counts the working
//! days `d` with `a < d ≤ b` — the day of the event itself is day 0, the next working day
//! is day 1. [`Calendar::add_working_days`]`(a, n)` is the n-th working day after `a`,
//! so `working_days_between(a, add_working_days(a, n)) == n`.
//!
//! Counting is O(log h) per call (h = listed days): weekdays by arithmetic, corrected by
//! binary search in the sorted exceptions — cheap enough for one call per disbursement.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

use crate::dates::{iso, parse_date};

/// The shipped arrangements.
pub const HOLIDAYS_TOML: &str = include_str!("../data/holidays.toml");

/// A working-day calendar: the weekday rule plus its exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Monday–Friday days that are off, sorted
    off_weekdays: Vec<NaiveDate>,
    /// Saturdays and Sundays that are working days (调休), sorted
    work_weekends: Vec<NaiveDate>,
}

impl Default for Calendar {
    /// The shipped arrangements without overrides.
    fn default() -> Calendar {
        shipped().clone()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    holiday: Vec<DataHoliday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // year and name document the file; only the dates are used
struct DataHoliday {
    year: i32,
    name: String,
    off: String,
    #[serde(default)]
    work: Vec<String>,
}

fn shipped() -> &'static Calendar {
    static CAL: OnceLock<Calendar> = OnceLock::new();
    CAL.get_or_init(|| {
        // the file is part of the build and tested; a broken one is a bug, not user input
        let (off, work) = shipped_days().unwrap_or_default();
        Calendar::from_days(&off, &work, &[], &[])
    })
}

/// The shipped holidays and make-up working days.
fn shipped_days() -> Result<(Vec<NaiveDate>, Vec<NaiveDate>), String> {
    let file: DataFile = toml::from_str(HOLIDAYS_TOML).map_err(|e| e.to_string())?;
    let (mut off, mut work) = (Vec::new(), Vec::new());
    for h in &file.holiday {
        off.extend(parse_days(&h.off)?);
        for w in &h.work {
            work.extend(parse_days(w)?);
        }
    }
    Ok((off, work))
}

/// `YYYY-MM-DD` or `A..B` (inclusive) → the days.
pub fn parse_days(s: &str) -> Result<Vec<NaiveDate>, String> {
    let one = |t: &str| parse_date(t).map_err(|e| e.to_string());
    match s.split_once("..") {
        None => Ok(vec![one(s)?]),
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            if b < a {
                return Err(format!(
                    "区间 {} 晚于 {} (range end before its start)",
                    iso(a),
                    iso(b)
                ));
            }
            if (b - a).num_days() > 366 {
                return Err(format!("区间超过一年 (range longer than a year): {s}"));
            }
            Ok(a.iter_days().take_while(|d| *d <= b).collect())
        }
    }
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days in [0001-01-01, d): 0001-01-01 is a Monday.
fn weekdays_before(d: NaiveDate) -> i64 {
    let n = i64::from(d.num_days_from_ce()) - 1;
    n.div_euclid(7) * 5 + n.rem_euclid(7).min(5)
}

/// How many of the sorted `v` lie in (a, b].
fn count_in(v: &[NaiveDate], a: NaiveDate, b: NaiveDate) -> i64 {
    (v.partition_point(|d| *d <= b) - v.partition_point(|d| *d <= a)) as i64
}

impl Calendar {
    /// Only weekends off: no holiday data at all.
    pub fn weekends_only() -> Calendar {
        Calendar {
            off_weekdays: Vec::new(),
            work_weekends: Vec::new(),
        }
    }

    /// The shipped days, then the overrides: an override holiday wins over a shipped
    /// make-up day and an override working day over a shipped holiday.
    fn from_days(
        off: &[NaiveDate],
        work: &[NaiveDate],
        extra_off: &[NaiveDate],
        extra_work: &[NaiveDate],
    ) -> Calendar {
        let mut off: BTreeSet<NaiveDate> = off.iter().copied().collect();
        let mut work: BTreeSet<NaiveDate> = work.iter().copied().collect();
        for d in extra_off {
            work.remove(d);
            off.insert(*d);
        }
        for d in extra_work {
            off.remove(d);
            work.insert(*d);
        }
        Calendar {
            // a listed working day that is a weekday, or a holiday on a weekend, changes nothing
            off_weekdays: off
                .into_iter()
                .filter(|d| !is_weekend(*d) && !work.contains(d))
                .collect(),
            work_weekends: work.into_iter().filter(|d| is_weekend(*d)).collect(),
        }
    }

    /// The shipped arrangements with the configured holidays and working days applied.
    pub fn with_overrides(holidays: &[NaiveDate], workdays: &[NaiveDate]) -> Calendar {
        let (off, work) = shipped_days().unwrap_or_default();
        Calendar::from_days(&off, &work, holidays, workdays)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if is_weekend(d) {
            self.work_weekends.binary_search(&d).is_ok()
        } else {
            self.off_weekdays.binary_search(&d).is_err()
        }
    }

    /// Working days `d` with `a < d ≤ b`; negative (the count of `b < d ≤ a`) when b < a.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let weekdays =
            weekdays_before(b.succ_opt().unwrap_or(b)) - weekdays_before(a.succ_opt().unwrap_or(a));
        weekdays - count_in(&self.off_weekdays, a, b) + count_in(&self.work_weekends, a, b)
    }

    /// The n-th working day after `a` (`a` itself for n = 0).
    pub fn add_working_days(&self, a: NaiveDate, n: u32) -> NaiveDate {
        let mut d = a;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

/// [`Calendar::is_working_day`] on the shipped calendar.
pub fn is_working_day(d: NaiveDate) -> bool {
    shipped().is_working_day(d)
}

/// [`Calendar::working_days_between`] on the shipped calendar.
pub fn working_days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    shipped().working_days_between(a, b)
}

/// [`Calendar::add_working_days`] on the shipped calendar.
pub fn add_working_days(a: NaiveDate, n: u32) -> NaiveDate {
    shipped().add_working_days(a, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn shipped_file_parses_and_make_up_days_are_weekends() {
        let file: DataFile = toml::from_str(HOLIDAYS_TOML).unwrap();
        let years: BTreeSet<i32> = file.holiday.iter().map(|h| h.year).collect();
        assert_eq!(years, (2020..=2026).collect());
        for h in &file.holiday {
            assert!(!h.name.is_empty());
            for w in &h.work {
                for day in parse_days(w).unwrap() {
                    assert!(
                        is_weekend(day),
                        "{} {}: {w} is not a weekend",
                        h.year,
                        h.name
                    );
                }
            }
            // every range is off: none of its days is a working day
            for day in parse_days(&h.off).unwrap() {
                assert!(!is_working_day(day), "{} {}", h.name, iso(day));
            }
        }
        assert!(shipped_days().is_ok());
    }

    #[test]
    fn national_day_2025_and_its_make_up_saturday() {
        // 10-01..10-08 off; 09-28 (Sun) and 10-11 (Sat) working
        assert!(is_working_day(d("2025-09-28")));
        assert!(is_working_day(d("2025-10-11")));
        assert!(!is_working_day(d("2025-10-08")));
        assert!(!is_working_day(d("2025-10-12")), "an ordinary Sunday");
        assert!(is_working_day(d("2025-10-09")));
        // (09-30, 10-10]: only 10-09 and 10-10
        assert_eq!(working_days_between(d("2025-09-30"), d("2025-10-10")), 2);
        // (09-26 Fri, 10-11 Sat]: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11
        assert_eq!(working_days_between(d("2025-09-26"), d("2025-10-11")), 6);
        assert_eq!(working_days_between(d("2025-10-11"), d("2025-09-26")), -6);
        assert_eq!(add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        assert_eq!(add_working_days(d("2025-09-30"), 3), d("2025-10-11"));
        assert_eq!(add_working_days(d("2025-09-30"), 4), d("2025-10-13"));
    }

    #[test]
    fn national_day_2024_and_other_years() {
        assert!(is_working_day(d("2024-09-29")));
        assert!(is_working_day(d("2024-10-12")));
        assert!(!is_working_day(d("2024-10-07")));
        // 2024-09-27 (Fri) + 10 working days: 09-29 (Sun), 09-30, 10-08..10-12 (Sat; 5),
        // 10-14, 10-15, 10-16
        assert_eq!(add_working_days(d("2024-09-27"), 10), d("2024-10-16"));
        // 2020 春节 extension: 2月1日 (Sat) was not worked, 2月3日 was
        assert!(!is_working_day(d("2020-02-01")));
        assert!(is_working_day(d("2020-02-03")));
        // 2026 春节: 02-14 (Sat) working, 02-15..02-23 off
        assert!(is_working_day(d("2026-02-14")));
        assert!(!is_working_day(d("2026-02-23")));
        // 2023 元旦 began in 2022
        assert!(!is_working_day(d("2022-12-31")));
        // a year without data: weekdays only
        assert!(is_working_day(d("2030-10-01")));
    }

    #[test]
    fn overrides_win_over_the_shipped_days() {
        let cal = Calendar::with_overrides(&[d("2025-06-03")], &[d("2025-10-08")]);
        assert!(!cal.is_working_day(d("2025-06-03")));
        assert!(cal.is_working_day(d("2025-10-08")));
        let cal = Calendar::with_overrides(&[d("2025-09-28")], &[]);
        assert!(
            !cal.is_working_day(d("2025-09-28")),
            "a make-up day made a holiday"
        );
        assert_eq!(
            Calendar::weekends_only().working_days_between(d("2025-09-30"), d("2025-10-10")),
            8
        );
    }

    #[test]
    fn day_ranges_are_inclusive_and_checked() {
        assert_eq!(parse_days("2025-10-01..2025-10-08").unwrap().len(), 8);
        assert_eq!(parse_days("2025/10/01").unwrap(), vec![d("2025-10-01")]);
        assert!(parse_days("2025-10-08..2025-10-01").is_err());
        assert!(parse_days("2025-13-01").is_err());
        assert!(parse_days("2020-01-01..2025-01-01").is_err());
    }

    fn naive_between(cal: &Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
        a.iter_days()
            .skip(1)
            .take_while(|x| *x <= b)
            .filter(|x| cal.is_working_day(*x))
            .count() as i64
    }

    proptest! {
        #[test]
        fn add_then_count_round_trips(start in 0i64..(365 * 8), n in 0u32..80) {
            let a = d("2019-06-01") + Duration::days(start);
            let b = add_working_days(a, n);
            prop_assert_eq!(working_days_between(a, b), i64::from(n));
            if n > 0 {
                prop_assert!(is_working_day(b));
            }
        }

        #[test]
        fn count_equals_day_by_day(start in 0i64..(365 * 8), len in 0i64..400) {
            let cal = Calendar::default();
            let a = d("2019-06-01") + Duration::days(start);
            let b = a + Duration::days(len);
            prop_assert_eq!(cal.working_days_between(a, b), naive_between(&cal, a, b));
        }
    }
}
