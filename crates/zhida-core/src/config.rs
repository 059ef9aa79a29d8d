//! `config.toml`: check thresholds, UI defaults, key overrides and the policy basis the
//! findings cite (`[basis."KJ-2026"] OVER_CAP = "…"`, `[basis."*"]` for every program).
//! Unknown keys and bad values are errors naming the file, the key and the reason — never
//! silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calendar::{parse_days, Calendar};
use crate::checks::BasisTable;
use crate::checks::Rule;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::money::Unit;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// LAGGING fires when execution is more than this many percentage points behind time.
    pub lag_pp: u32,
    pub idle_days: i64,
    pub recover_days: i64,
    pub duplicate_days: i64,
    pub stale_days: i64,
    /// LOW_SCORE fires below this score.
    pub low_score: u32,
    /// The basis overrides of `[basis]` (not a `[checks]` key): filled by
    /// [`Config::from_toml`], so that every caller of the checks that passes
    /// `&config.checks` cites the configured texts.
    #[serde(skip)]
    pub basis: BasisTable,

    // Computed indicators and working-day deadlines (indicators.rs, calendar.rs).
    /// Rules beyond SPEC §3 that run with the others: any of BALANCE_RATE, ON_TIME,
    /// ALLOC_LATE. Off unless listed (`--rule X` runs one explicitly).
    pub extra_rules: Vec<String>,
    /// STALE_PENDING counts working days instead of calendar days.
    pub stale_working_days: bool,
    /// 按时发放率: a payment is on time when paid within this many working days of approval.
    pub on_time_days: u32,
    /// ON_TIME fires when 按时发放率 is below this percentage.
    pub on_time_pct: u32,
    /// BALANCE_RATE fires when 结余率 of a finished program exceeds this percentage.
    pub balance_rate_pct: u32,
    /// ALLOC_LATE fires when an allocation is not passed on (分解下达) within this many
    /// working days of its receipt.
    pub alloc_days: u32,
    /// The working-day calendar: the shipped holidays with `[calendar]` applied (set by
    /// [`Config::from_toml`]; not a key of `[checks]`).
    #[serde(skip)]
    pub calendar: Calendar,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig {
            lag_pp: 10,
            idle_days: 90,
            recover_days: 365,
            duplicate_days: 7,
            stale_days: 30,
            low_score: 60,
            basis: BasisTable::default(),
            extra_rules: Vec::new(),
            stale_working_days: false,
            on_time_days: 10,
            on_time_pct: 90,
            balance_rate_pct: 5,
            alloc_days: 30,
            calendar: Calendar::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub lang: Lang,
    pub unit: Unit,
}

/// `[calendar]`: days added to the shipped holiday arrangements (`YYYY-MM-DD` or
/// `A..B`); a listed holiday wins over a shipped make-up day and vice versa.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    pub holidays: Vec<String>,
    pub workdays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub checks: CheckConfig,
    pub ui: UiConfig,
    pub calendar: CalendarConfig,
    /// action name → key (e.g. `approve = "A"`), resolved by the TUI's keymap.
    pub keys: BTreeMap<String, String>,
    /// The directory the configuration was (or would have been) read from; reconciliation
    /// profiles live in its `profiles/`. Not a setting: never read from or written to TOML.
    #[serde(skip)]
    pub dir: Option<PathBuf>,
    /// program code (or `"*"`) → rule code → the policy basis findings cite
    pub basis: BTreeMap<String, BTreeMap<String, String>>,
}

impl Config {
    /// Parse TOML text; `file` names the source in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Config> {
        toml::from_str::<Config>(text)
            .map_err(|e| {
                let span_key = e
                    .span()
                    .and_then(|s| text.get(s))
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default();
                Error::Config {
                    file: file.to_string(),
                    key: span_key,
                    reason: e.message().to_string(),
                }
            })
            .and_then(|mut c| {
                c.validate(file)?;
                c.checks.basis = BasisTable::from_config(&c.basis, file)?;
                c.checks.calendar = c.calendar.resolve(file)?;
                Ok(c)
            })
    }

    /// Load from a file; a missing file is the default configuration only when `required` is false.
    pub fn load(path: &Path, required: bool) -> Result<Config> {
        let dir = path.parent().map(Path::to_path_buf);
        match std::fs::read_to_string(path) {
            Ok(text) => {
                Config::from_toml(&text, &path.display().to_string()).map(|c| Config { dir, ..c })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(Config {
                dir,
                ..Config::default()
            }),
            Err(e) => Err(Error::Config {
                file: path.display().to_string(),
                key: String::new(),
                reason: e.to_string(),
            }),
        }
    }

    fn validate(&self, file: &str) -> Result<()> {
        let c = &self.checks;
        let bad = |key: &str, reason: &str| Error::Config {
            file: file.into(),
            key: key.into(),
            reason: reason.into(),
        };
        if c.lag_pp > 100 {
            return Err(bad("checks.lag_pp", "must be 0–100"));
        }
        if c.low_score > 100 {
            return Err(bad("checks.low_score", "must be 0–100"));
        }
        for (k, v) in [
            ("checks.idle_days", c.idle_days),
            ("checks.recover_days", c.recover_days),
            ("checks.duplicate_days", c.duplicate_days),
            ("checks.stale_days", c.stale_days),
        ] {
            if v < 0 {
                return Err(bad(k, "must not be negative"));
            }
        }
        self.validate_indicators(file)
    }

    fn validate_indicators(&self, file: &str) -> Result<()> {
        let c = &self.checks;
        let bad = |key: &str, reason: String| Error::Config {
            file: file.into(),
            key: key.into(),
            reason,
        };
        for (k, v) in [
            ("checks.on_time_pct", c.on_time_pct),
            ("checks.balance_rate_pct", c.balance_rate_pct),
        ] {
            if v > 100 {
                return Err(bad(k, "must be 0–100".into()));
            }
        }
        let extra: Vec<&str> = Rule::EXTRA.iter().map(|r| r.as_str()).collect();
        for r in &c.extra_rules {
            if !Rule::parse(r).is_some_and(|r| r.is_extra()) {
                return Err(bad(
                    "checks.extra_rules",
                    format!("unknown extra rule '{r}' (one of {})", extra.join(", ")),
                ));
            }
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

impl CalendarConfig {
    /// The shipped calendar with these days applied; a bad day or one listed both as a
    /// holiday and as a working day is an error naming the key.
    pub fn resolve(&self, file: &str) -> Result<Calendar> {
        let days = |key: &str, list: &[String]| -> Result<Vec<chrono::NaiveDate>> {
            let mut out = Vec::new();
            for s in list {
                out.extend(parse_days(s).map_err(|reason| Error::Config {
                    file: file.into(),
                    key: key.into(),
                    reason: format!("'{s}': {reason}"),
                })?);
            }
            Ok(out)
        };
        let off = days("calendar.holidays", &self.holidays)?;
        let work = days("calendar.workdays", &self.workdays)?;
        if let Some(both) = off.iter().find(|d| work.contains(d)) {
            return Err(Error::Config {
                file: file.into(),
                key: "calendar.workdays".into(),
                reason: format!(
                    "{} is also listed in calendar.holidays",
                    crate::dates::iso(*both)
                ),
            });
        }
        Ok(Calendar::with_overrides(&off, &work))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_specs() {
        let c = Config::from_toml("", "config.toml").unwrap();
        assert_eq!(c.checks.lag_pp, 10);
        assert_eq!(c.checks.idle_days, 90);
        assert_eq!(c.checks.recover_days, 365);
        assert_eq!(c.checks.duplicate_days, 7);
        assert_eq!(c.checks.stale_days, 30);
        assert_eq!(c.checks.low_score, 60);
        assert_eq!(c.ui.lang, Lang::Zh);
    }

    #[test]
    fn overrides_and_round_trip() {
        let c = Config::from_toml(
            "[checks]\nidle_days = 60\n[ui]\nunit = \"wan\"\n[keys]\napprove = \"A\"\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.checks.idle_days, 60);
        assert_eq!(c.ui.unit, Unit::Wan);
        assert_eq!(c.keys["approve"], "A");
        assert_eq!(Config::from_toml(&c.to_toml(), "x").unwrap(), c);
    }

    #[test]
    fn basis_overrides_reach_the_checks_and_bad_rules_are_errors() {
        let text = "[basis.\"KJ-2026\"]\nOVER_CAP = \"每户科技型企业每年可使用创新券总额不超过30万元\"\n[basis.\"*\"]\nREPEAT = \"同一企业一年内只能享受一次\"\n";
        let c = Config::from_toml(text, "config.toml").unwrap();
        assert_eq!(
            c.basis["KJ-2026"]["OVER_CAP"],
            "每户科技型企业每年可使用创新券总额不超过30万元"
        );
        assert_ne!(c.checks.basis, BasisTable::default());
        // printed and read back: the same
        assert_eq!(Config::from_toml(&c.to_toml(), "x").unwrap(), c);
        let e = Config::from_toml("[basis.\"KJ-2026\"]\nOVERCAP = \"x\"\n", "/etc/zhida.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/etc/zhida.toml") && e.contains("basis.KJ-2026.OVERCAP"),
            "{e}"
        );
        let e = Config::from_toml("[basis]\nOVER_CAP = \"x\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "a rule outside a program table: {e}");
    }

    #[test]
    fn bad_files_name_file_key_and_reason() {
        let e = Config::from_toml("[checks]\nidel_days = 5\n", "/etc/zhida.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/etc/zhida.toml") && e.contains("idel_days"),
            "{e}"
        );
        let e = Config::from_toml("[checks]\nidle_days = \"ninety\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "{e}");
        let e = Config::from_toml("[checks]\nlag_pp = 150\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("checks.lag_pp"), "{e}");
        let e = Config::from_toml("[ui]\nlang = \"fr\"\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml"), "{e}");
    }

    #[test]
    fn indicator_thresholds_extra_rules_and_calendar() {
        let c = Config::from_toml("", "c.toml").unwrap();
        assert!(c.checks.extra_rules.is_empty() && !c.checks.stale_working_days);
        assert_eq!(
            (
                c.checks.on_time_days,
                c.checks.on_time_pct,
                c.checks.balance_rate_pct,
                c.checks.alloc_days
            ),
            (10, 90, 5, 30)
        );
        let day = |s: &str| crate::dates::parse_date(s).unwrap();
        assert!(c.checks.calendar.is_working_day(day("2025-10-11")));
        let c = Config::from_toml(
            "[checks]\nextra_rules = [\"ON_TIME\", \"alloc_late\"]\nstale_working_days = true\n\
             [calendar]\nholidays = [\"2025-10-11\", \"2025-06-03..2025-06-04\"]\nworkdays = [\"2025-10-08\"]\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.checks.extra_rules.len(), 2);
        assert!(!c.checks.calendar.is_working_day(day("2025-10-11")));
        assert!(!c.checks.calendar.is_working_day(day("2025-06-04")));
        assert!(c.checks.calendar.is_working_day(day("2025-10-08")));
        assert_eq!(Config::from_toml(&c.to_toml(), "x").unwrap(), c);
        for (text, key) in [
            (
                "[checks]\nextra_rules = [\"LAGGING\"]\n",
                "checks.extra_rules",
            ),
            ("[checks]\nextra_rules = [\"NOPE\"]\n", "checks.extra_rules"),
            ("[checks]\non_time_pct = 101\n", "checks.on_time_pct"),
            (
                "[calendar]\nholidays = [\"2025-02-30\"]\n",
                "calendar.holidays",
            ),
            (
                "[calendar]\nworkdays = [\"2025-10-09..2025-10-01\"]\n",
                "calendar.workdays",
            ),
            (
                "[calendar]\nholidays = [\"2025-10-01\"]\nworkdays = [\"2025-10-01\"]\n",
                "calendar.workdays",
            ),
            ("[calendar]\nholiday = [\"2025-10-01\"]\n", "holiday"),
            ("[checks]\nstale_working_days = \"yes\"\n", "c.toml"),
        ] {
            let e = Config::from_toml(text, "c.toml").unwrap_err().to_string();
            assert!(e.contains("c.toml") && e.contains(key), "{text}: {e}");
        }
    }
}
