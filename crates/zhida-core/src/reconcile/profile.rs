//! Reconciliation profiles (对账方案): how to read one upstream system's payment export,
//! in the spirit of hledger's CSV rules — a TOML file saying which export column holds
//! each of our fields, how dates and amounts are written, how the upstream program codes
//! map to ours and how the 直达 flag is spelled. Looked up as
//! `<config dir>/profiles/NAME.toml` or given as a path. Every problem is an error naming
//! the file, the key and the reason; unknown keys are errors, never ignored.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::format::{Item, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The documented example profile shipped in `sample-data/reconcile/treasury.toml`;
/// `--profile treasury` falls back to it when no such file is in the profiles directory.
pub const SAMPLE_PROFILE: &str = include_str!("../../../../sample-data/reconcile/treasury.toml");
/// Its name.
pub const SAMPLE_PROFILE_NAME: &str = "treasury";

/// Where a field is in the export: a header name or a 1-based column number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnRef {
    Name(String),
    Number(usize),
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnRef::Name(n) => write!(f, "'{n}'"),
            ColumnRef::Number(n) => write!(f, "第 {n} 列 (column {n})"),
        }
    }
}

/// Our fields and where the export has them. credit_code, amount and date are required;
/// the others are compared (or shown) only when mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// our voucher number as the upstream system carries it (matched first)
    pub voucher: Option<ColumnRef>,
    /// the upstream system's own payment number (shown, used in keys)
    pub reference: Option<ColumnRef>,
    pub credit_code: ColumnRef,
    pub amount: ColumnRef,
    pub date: ColumnRef,
    pub program: Option<ColumnRef>,
    pub is_direct: Option<ColumnRef>,
    pub enterprise_name: Option<ColumnRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without BOM) or GB18030/GBK, detected like the importer does
    Auto,
    Utf8,
    Gb18030,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountUnit {
    Yuan,
    /// 万元: the export's numbers are multiplied by 10,000
    Wan,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// the file it was read from (or "内置示例 built-in" for the sample)
    pub source: String,
    /// physical lines (CSV) or rows (xlsx) above the header: a title block
    pub skip_lines: usize,
    pub encoding: Encoding,
    pub columns: Columns,
    /// chrono formats tried in order before zhida's own date forms
    pub date_formats: Vec<String>,
    pub amount_unit: AmountUnit,
    /// the export writes payments as negative numbers
    pub negate: bool,
    /// how far apart the dates of a match by (credit code, amount, date) may be
    pub date_tolerance_days: i64,
    /// upstream program code → our program code
    pub programs: BTreeMap<String, String>,
    /// spellings of the 直达 flag (compared trimmed, case-insensitive)
    pub direct_yes: Vec<String>,
    pub direct_no: Vec<String>,
    /// data rows whose first non-empty cell starts with one of these are not payments
    pub ignore_rows_starting_with: Vec<String>,
}

pub const DEFAULT_TOLERANCE_DAYS: i64 = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    skip_lines: Option<i64>,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default)]
    date_format: Option<String>,
    #[serde(default)]
    date_formats: Vec<String>,
    #[serde(default)]
    date_tolerance_days: Option<i64>,
    #[serde(default)]
    ignore_rows_starting_with: Option<Vec<String>>,
    columns: Option<RawColumns>,
    #[serde(default)]
    amount: RawAmount,
    #[serde(default)]
    direct: RawDirect,
    #[serde(default)]
    programs: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    voucher: Option<toml::Value>,
    reference: Option<toml::Value>,
    credit_code: Option<toml::Value>,
    amount: Option<toml::Value>,
    date: Option<toml::Value>,
    program: Option<toml::Value>,
    is_direct: Option<toml::Value>,
    enterprise_name: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAmount {
    unit: Option<String>,
    #[serde(default)]
    negate: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDirect {
    yes: Option<Vec<String>>,
    no: Option<Vec<String>>,
}

impl Profile {
    /// Parse profile text; `file` names the source in errors, `fallback_name` is used when
    /// the file has no `name`.
    pub fn from_toml(text: &str, file: &str, fallback_name: &str) -> Result<Profile> {
        let bad = |key: &str, reason: String| Error::Config {
            file: file.to_string(),
            key: key.to_string(),
            reason,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .and_then(|s| text.get(s))
                .map(|t| t.trim().to_string())
                .unwrap_or_default();
            bad(&key, e.message().to_string())
        })?;
        let _ = raw.description;
        let cols = raw.columns.ok_or_else(|| {
            bad(
                "columns",
                "缺少 [columns] 表 (the [columns] table mapping export columns is missing)".into(),
            )
        })?;
        let column = |key: &str, v: Option<toml::Value>| -> Result<Option<ColumnRef>> {
            let full = format!("columns.{key}");
            match v {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.trim().is_empty() => {
                    Ok(Some(ColumnRef::Name(s.trim().to_string())))
                }
                Some(toml::Value::Integer(n)) if n >= 1 => Ok(Some(ColumnRef::Number(n as usize))),
                Some(other) => Err(bad(
                    &full,
                    format!(
                        "应为表头名称（字符串）或从 1 开始的列号，实为 {other} (expected a header name or a 1-based column number)"
                    ),
                )),
            }
        };
        let required = |key: &str, v: Option<toml::Value>| -> Result<ColumnRef> {
            column(key, v)?.ok_or_else(|| {
                bad(
                    &format!("columns.{key}"),
                    "缺少列映射，对账需要此列 (required column mapping missing)".into(),
                )
            })
        };
        let columns = Columns {
            voucher: column("voucher", cols.voucher)?,
            reference: column("reference", cols.reference)?,
            credit_code: required("credit_code", cols.credit_code)?,
            amount: required("amount", cols.amount)?,
            date: required("date", cols.date)?,
            program: column("program", cols.program)?,
            is_direct: column("is_direct", cols.is_direct)?,
            enterprise_name: column("enterprise_name", cols.enterprise_name)?,
        };
        let skip_lines = match raw.skip_lines.unwrap_or(0) {
            n @ 0..=1000 => n as usize,
            n => {
                return Err(bad(
                    "skip_lines",
                    format!("应为 0–1000，实为 {n} (must be 0–1000)"),
                ))
            }
        };
        let encoding = match raw
            .encoding
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .as_deref()
        {
            None | Some("auto" | "") => Encoding::Auto,
            Some("utf-8" | "utf8") => Encoding::Utf8,
            Some("gb18030" | "gbk" | "gb2312") => Encoding::Gb18030,
            Some(other) => {
                return Err(bad(
                    "encoding",
                    format!("未知编码 '{other}' (expected auto, utf-8 or gb18030)"),
                ))
            }
        };
        let mut date_formats: Vec<String> = raw.date_format.into_iter().collect();
        date_formats.extend(raw.date_formats);
        for f in &date_formats {
            check_date_format(f).map_err(|why| bad("date_formats", format!("'{f}': {why}")))?;
        }
        let date_tolerance_days = match raw.date_tolerance_days.unwrap_or(DEFAULT_TOLERANCE_DAYS) {
            n @ 0..=366 => n,
            n => {
                return Err(bad(
                    "date_tolerance_days",
                    format!("应为 0–366 天，实为 {n} (must be 0–366 days)"),
                ))
            }
        };
        let amount_unit = match raw.amount.unit.as_deref().map(str::trim) {
            None | Some("元" | "yuan" | "") => AmountUnit::Yuan,
            Some("万元" | "万" | "wan") => AmountUnit::Wan,
            Some(other) => {
                return Err(bad(
                    "amount.unit",
                    format!("未知金额单位 '{other}' (expected 元 or 万元)"),
                ))
            }
        };
        let words = |v: Option<Vec<String>>, default: &[&str]| -> Vec<String> {
            v.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
                .into_iter()
                .map(|s| s.trim().to_lowercase())
                .collect()
        };
        let direct_yes = words(raw.direct.yes, &["是", "yes", "y", "true", "1", "√"]);
        let direct_no = words(raw.direct.no, &["否", "no", "n", "false", "0"]);
        if let Some(both) = direct_yes.iter().find(|w| direct_no.contains(w)) {
            return Err(bad(
                "direct",
                format!("'{both}' 同时出现在 yes 与 no 中 (listed as both yes and no)"),
            ));
        }
        if let Some((k, _)) = raw
            .programs
            .iter()
            .find(|(k, v)| k.trim().is_empty() || v.trim().is_empty())
        {
            return Err(bad(
                &format!("programs.{k}"),
                "项目编码不能为空 (empty program code)".into(),
            ));
        }
        let programs = raw
            .programs
            .into_iter()
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let ignore_rows_starting_with = raw
            .ignore_rows_starting_with
            .unwrap_or_else(|| vec!["合计".into(), "总计".into(), "小计".into()])
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Ok(Profile {
            name: raw
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| fallback_name.to_string()),
            source: file.to_string(),
            skip_lines,
            encoding,
            columns,
            date_formats,
            amount_unit,
            negate: raw.amount.negate,
            date_tolerance_days,
            programs,
            direct_yes,
            direct_no,
            ignore_rows_starting_with,
        })
    }

    /// Read a profile file.
    pub fn load(path: &Path) -> Result<Profile> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            file: file.clone(),
            key: String::new(),
            reason: e.to_string(),
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Profile::from_toml(&text, &file, &stem)
    }

    /// The built-in example (`sample-data/reconcile/treasury.toml`).
    pub fn sample() -> Result<Profile> {
        Profile::from_toml(
            SAMPLE_PROFILE,
            "内置示例 built-in treasury.toml",
            SAMPLE_PROFILE_NAME,
        )
    }

    /// Parse a date cell: the profile's formats in order, then zhida's own forms.
    pub fn parse_date(&self, s: &str) -> Option<NaiveDate> {
        let t = s.trim();
        self.date_formats
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
            .or_else(|| crate::dates::parse_date(t).ok())
    }

    /// The 直达 flag: Some(true/false), None for an empty cell, Err (why) for anything else.
    pub fn parse_direct(&self, s: &str) -> std::result::Result<Option<bool>, String> {
        let t = s.trim().to_lowercase();
        if self.direct_yes.contains(&t) {
            Ok(Some(true))
        } else if self.direct_no.contains(&t) {
            Ok(Some(false))
        } else if t.is_empty() {
            Ok(None)
        } else {
            Err(format!(
                "无法识别 '{}' (expected one of {} / {})",
                s.trim(),
                self.direct_yes.join(","),
                self.direct_no.join(",")
            ))
        }
    }

    /// Our program code for an upstream one (unmapped codes are taken as ours).
    pub fn map_program<'a>(&'a self, upstream: &'a str) -> &'a str {
        self.programs
            .get(upstream)
            .map(String::as_str)
            .unwrap_or(upstream)
    }
}

/// A chrono format must be valid and carry a whole date (year, month, day); a time part
/// is allowed and ignored (`%Y-%m-%d %H:%M:%S`).
fn check_date_format(f: &str) -> std::result::Result<(), String> {
    if f.trim().is_empty() {
        return Err("格式为空 (empty format)".into());
    }
    if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
        return Err("不是有效的 chrono 日期格式，如 %Y-%m-%d (not a valid chrono format)".into());
    }
    let probe = NaiveDate::from_ymd_opt(2026, 10, 27)
        .and_then(|d| d.and_hms_opt(14, 5, 9))
        .unwrap_or(NaiveDateTime::MIN);
    let mut shown = String::new();
    if write!(shown, "{}", probe.format(f)).is_err() {
        return Err("格式含不支持的项（如时区）(unsupported item, e.g. a time zone)".into());
    }
    match NaiveDate::parse_from_str(&shown, f) {
        Ok(d) if d == probe.date() => Ok(()),
        _ => Err("格式须含年、月、日，如 %Y-%m-%d (a format must give year, month and day)".into()),
    }
}

/// `<config dir>/profiles`
pub fn profiles_dir(config_dir: &Path) -> PathBuf {
    config_dir.join("profiles")
}

/// Find a profile by name (`<config dir>/profiles/NAME.toml`, falling back to the built-in
/// example for `treasury`) or by path (anything with a `/` or ending in `.toml`).
pub fn find(name_or_path: &str, config_dir: Option<&Path>) -> Result<Profile> {
    let s = name_or_path.trim();
    if s.is_empty() {
        return Err(Error::invalid(
            "--profile: 需要方案名称或路径 (a profile name or path is required)",
        ));
    }
    if s.contains('/') || s.contains('\\') || s.to_lowercase().ends_with(".toml") {
        return Profile::load(Path::new(s));
    }
    if let Some(dir) = config_dir {
        let path = profiles_dir(dir).join(format!("{s}.toml"));
        if path.is_file() {
            return Profile::load(&path);
        }
    }
    if s == SAMPLE_PROFILE_NAME {
        return Profile::sample();
    }
    let where_ = config_dir
        .map(|d| profiles_dir(d).display().to_string())
        .unwrap_or_else(|| "（无配置目录 no config dir）".into());
    let known = list(config_dir);
    Err(Error::NotFound(format!(
        "对账方案 '{s}'：{where_} 中没有 {s}.toml (no such profile; available: {})",
        known.join(", ")
    )))
}

/// The profile names available: the files in the profiles directory and the built-in
/// example, sorted, without duplicates.
pub fn list(config_dir: Option<&Path>) -> Vec<String> {
    let mut names = vec![SAMPLE_PROFILE_NAME.to_string()];
    if let Some(dir) = config_dir {
        if let Ok(rd) = std::fs::read_dir(profiles_dir(dir)) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    if let Some(stem) = p.file_stem() {
                        names.push(stem.to_string_lossy().into_owned());
                    }
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}
