//! `config.toml`: check thresholds, UI defaults, key overrides and the policy basis the
//! findings cite (`[basis."KJ-2026"] OVER_CAP = "…"`, `[basis."*"]` for every program).
//! Unknown keys and bad values are errors naming the file, the key and the reason — never
//! silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::checks::BasisTable;
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    pub lang: Lang,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub checks: CheckConfig,
    pub ui: UiConfig,
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
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
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
}
