//! The kinds of import file, their columns (English name, Chinese alias, required or not)
//! and the mapping of a file's header onto them.

use std::collections::HashMap;

use csv::StringRecord;

/// A kind of import file, in dependency order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Programs,
    Enterprises,
    Allocations,
    Disbursements,
    Recoveries,
    Evaluations,
    Indicators,
}

impl Kind {
    /// Dependency order: a directory import loads files in this order.
    pub const ORDER: [Kind; 7] = [
        Kind::Programs,
        Kind::Enterprises,
        Kind::Allocations,
        Kind::Disbursements,
        Kind::Recoveries,
        Kind::Evaluations,
        Kind::Indicators,
    ];

    /// The file stem and the name `--kind` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Programs => "programs",
            Kind::Enterprises => "enterprises",
            Kind::Allocations => "allocations",
            Kind::Disbursements => "disbursements",
            Kind::Recoveries => "recoveries",
            Kind::Evaluations => "evaluations",
            Kind::Indicators => "indicators",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Programs => "项目",
            Kind::Enterprises => "企业",
            Kind::Allocations => "指标下达",
            Kind::Disbursements => "拨付",
            Kind::Recoveries => "收回",
            Kind::Evaluations => "绩效评价",
            Kind::Indicators => "绩效指标",
        }
    }

    /// `disbursements`, `disbursement` or the Chinese label.
    pub fn parse(s: &str) -> Option<Kind> {
        let t = s.trim().to_lowercase();
        Kind::ORDER
            .into_iter()
            .find(|k| t == k.as_str() || t == k.as_str().trim_end_matches('s') || t == k.label_zh())
    }

    /// The kind a file name stands for: `disbursements.csv`, `programs.xlsx`.
    pub fn from_file_name(name: &str) -> Option<Kind> {
        let lower = name.to_lowercase();
        let (stem, ext) = lower.rsplit_once('.')?;
        if ext != "csv" && ext != "xlsx" {
            return None;
        }
        Kind::ORDER.into_iter().find(|k| k.as_str() == stem)
    }

    /// Kinds without a natural key: the same file twice is refused by its sha-256.
    pub fn keyless(self) -> bool {
        matches!(self, Kind::Allocations | Kind::Recoveries)
    }

    pub fn columns(self) -> &'static [Col] {
        match self {
            Kind::Programs => PROGRAMS,
            Kind::Enterprises => ENTERPRISES,
            Kind::Allocations => ALLOCATIONS,
            Kind::Disbursements => DISBURSEMENTS,
            Kind::Recoveries => RECOVERIES,
            Kind::Evaluations => EVALUATIONS,
            Kind::Indicators => INDICATORS,
        }
    }

    /// The main table the kind writes to.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::Programs => "program",
            Kind::Enterprises => "enterprise",
            Kind::Allocations => "allocation",
            Kind::Disbursements => "disbursement",
            Kind::Recoveries => "recovery",
            Kind::Evaluations => "evaluation",
            Kind::Indicators => "indicator",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column of an import file.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub zh: &'static str,
    pub required: bool,
    /// holds a date (xlsx numbers in it are date serials)
    pub date: bool,
}

const fn req(name: &'static str, zh: &'static str) -> Col {
    Col {
        name,
        zh,
        required: true,
        date: false,
    }
}

const fn opt(name: &'static str, zh: &'static str) -> Col {
    Col {
        name,
        zh,
        required: false,
        date: false,
    }
}

const fn date(name: &'static str, zh: &'static str, required: bool) -> Col {
    Col {
        name,
        zh,
        required,
        date: true,
    }
}

// Column positions inside each kind's list; the loaders read fields by these.
pub(crate) mod p {
    pub const CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const DEPARTMENT: usize = 2;
    pub const LEVEL: usize = 3;
    pub const FISCAL_YEAR: usize = 4;
    pub const POLICY_REF: usize = 5;
    pub const IS_DIRECT: usize = 6;
    pub const START: usize = 7;
    pub const END: usize = 8;
    pub const CAP: usize = 9;
    pub const ONCE: usize = 10;
    pub const GROUP: usize = 11;
    pub const SIZES: usize = 12;
    pub const STATUS: usize = 13;
}
const PROGRAMS: &[Col] = &[
    req("code", "项目编码"),
    req("name", "项目名称"),
    opt("department", "主管部门"),
    req("level", "资金级次"),
    req("fiscal_year", "年度"),
    opt("policy_ref", "文号"),
    opt("is_direct", "直达资金"),
    date("start_date", "开始日期", false),
    date("end_date", "结束日期", false),
    opt("cap_per_enterprise", "单户年度上限"),
    opt("once_per_year", "每年限一次"),
    opt("exclusive_group", "互斥组"),
    opt("eligible_sizes", "适用规模"),
    opt("status", "状态"),
];

pub(crate) mod a {
    pub const PROGRAM: usize = 0;
    pub const DATE: usize = 1;
    pub const AMOUNT: usize = 2;
    pub const DOC_NO: usize = 3;
    pub const NOTE: usize = 4;
    pub const RECEIVED: usize = 5;
    pub const DISTRIBUTED: usize = 6;
}
const ALLOCATIONS: &[Col] = &[
    req("program", "项目编码"),
    date("date", "日期", true),
    req("amount", "金额"),
    opt("doc_no", "文号"),
    opt("note", "备注"),
    date("received_date", "收到日期", false),
    date("distributed_date", "下达日期", false),
];

pub(crate) mod e {
    pub const CREDIT_CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const SIZE: usize = 2;
    pub const INDUSTRY: usize = 3;
    pub const TOWNSHIP: usize = 4;
    pub const CONTACT: usize = 5;
}
const ENTERPRISES: &[Col] = &[
    req("credit_code", "统一社会信用代码"),
    req("name", "企业名称"),
    req("size", "规模"),
    opt("industry", "行业"),
    opt("township", "乡镇"),
    opt("contact", "联系人"),
];

pub(crate) mod d {
    pub const VOUCHER: usize = 0;
    pub const PROGRAM: usize = 1;
    pub const CREDIT_CODE: usize = 2;
    pub const AMOUNT: usize = 3;
    pub const DATE: usize = 4;
    pub const STATUS: usize = 5;
    pub const ENTERED_BY: usize = 6;
    pub const APPROVED_BY: usize = 7;
    pub const REVERSES: usize = 8;
    pub const NOTE: usize = 9;
    pub const APPROVED_DATE: usize = 10;
    pub const PAID_DATE: usize = 11;
}
const DISBURSEMENTS: &[Col] = &[
    req("voucher_no", "凭证号"),
    req("program", "项目编码"),
    req("credit_code", "统一社会信用代码"),
    req("amount", "金额"),
    date("date", "日期", true),
    req("status", "状态"),
    opt("entered_by", "经办人"),
    opt("approved_by", "复核人"),
    opt("reverses", "冲销凭证号"),
    opt("note", "备注"),
    date("approved_date", "复核日期", false),
    date("paid_date", "支付日期", false),
];

pub(crate) mod r {
    pub const PROGRAM: usize = 0;
    pub const DATE: usize = 1;
    pub const AMOUNT: usize = 2;
    pub const REASON: usize = 3;
    pub const DOC_NO: usize = 4;
    pub const CREDIT_CODE: usize = 5;
    pub const REALLOCATED_TO: usize = 6;
    pub const NOTE: usize = 7;
}
const RECOVERIES: &[Col] = &[
    req("program", "项目编码"),
    date("date", "日期", true),
    req("amount", "金额"),
    req("reason", "原因"),
    opt("doc_no", "文号"),
    opt("credit_code", "统一社会信用代码"),
    opt("reallocated_to", "调入项目"),
    opt("note", "备注"),
];

pub(crate) mod v {
    pub const PROGRAM: usize = 0;
    pub const YEAR: usize = 1;
    pub const SCORE: usize = 2;
    pub const EVALUATOR: usize = 3;
    pub const DATE: usize = 4;
    pub const NOTE: usize = 5;
}
const EVALUATIONS: &[Col] = &[
    req("program", "项目编码"),
    req("year", "年度"),
    req("score", "得分"),
    opt("evaluator", "评价人"),
    date("date", "日期", true),
    opt("note", "备注"),
];

pub(crate) mod i {
    pub const PROGRAM: usize = 0;
    pub const YEAR: usize = 1;
    pub const NAME: usize = 2;
    pub const UNIT: usize = 3;
    pub const TARGET: usize = 4;
    pub const ACTUAL: usize = 5;
    pub const DIRECTION: usize = 6;
}
const INDICATORS: &[Col] = &[
    req("program", "项目编码"),
    req("year", "年度"),
    req("name", "指标名称"),
    opt("unit", "单位"),
    req("target", "目标值"),
    opt("actual", "实际值"),
    req("direction", "方向"),
];

/// A file's header mapped onto a kind's columns.
pub(crate) struct Header {
    /// for each of the kind's columns, the field index in the file
    pub field: Vec<Option<usize>>,
    /// for each of the kind's columns, the name to show in messages (as written in the file)
    pub shown: Vec<String>,
    /// field indexes that hold dates
    pub date_fields: Vec<usize>,
}

/// Map the header. Errors are (column as written, reason).
pub(crate) fn map_header(
    kind: Kind,
    header: &StringRecord,
    ignore_unknown: bool,
) -> Result<Header, Vec<(String, String)>> {
    let cols = kind.columns();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (c, col) in cols.iter().enumerate() {
        by_name.insert(col.name.to_string(), c);
        by_name.insert(col.zh.to_string(), c);
    }
    let mut field = vec![None; cols.len()];
    let mut shown: Vec<String> = cols.iter().map(|c| c.name.to_string()).collect();
    let mut errors = Vec::new();
    for (f, raw) in header.iter().enumerate() {
        let text = raw.trim().trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let key = text.to_lowercase();
        match by_name.get(&key).or_else(|| by_name.get(text)) {
            Some(&c) => {
                if field[c].is_some() {
                    errors.push((
                        text.to_string(),
                        format!("列重复 (duplicate column; same as {})", cols[c].name),
                    ));
                } else {
                    field[c] = Some(f);
                    shown[c] = text.to_string();
                }
            }
            None if ignore_unknown => {}
            None => errors.push((
                text.to_string(),
                format!(
                    "未知列 (unknown column; expected one of {}; use --ignore-unknown to skip it)",
                    cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    for (c, col) in cols.iter().enumerate() {
        if col.required && field[c].is_none() {
            errors.push((
                col.name.to_string(),
                format!("缺少必需列 {} (missing required column)", col.zh),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let date_fields = cols
        .iter()
        .enumerate()
        .filter(|(_, col)| col.date)
        .filter_map(|(c, _)| field[c])
        .collect();
    Ok(Header {
        field,
        shown,
        date_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names() {
        assert_eq!(
            Kind::from_file_name("Disbursements.CSV"),
            Some(Kind::Disbursements)
        );
        assert_eq!(Kind::from_file_name("programs.xlsx"), Some(Kind::Programs));
        assert_eq!(Kind::from_file_name("拨付.csv"), None);
        assert_eq!(Kind::from_file_name("programs.txt"), None);
        assert_eq!(Kind::parse("拨付"), Some(Kind::Disbursements));
        assert_eq!(Kind::parse("recovery"), None);
        assert_eq!(Kind::parse("recoveries"), Some(Kind::Recoveries));
        assert_eq!(Kind::parse("program"), Some(Kind::Programs));
    }

    #[test]
    fn header_in_any_order_english_or_chinese() {
        let h = StringRecord::from(vec!["金额", "program", "日期", "文号"]);
        let m = map_header(Kind::Allocations, &h, false).unwrap();
        assert_eq!(m.field[a::AMOUNT], Some(0));
        assert_eq!(m.field[a::PROGRAM], Some(1));
        assert_eq!(m.field[a::NOTE], None);
        assert_eq!(m.shown[a::AMOUNT], "金额");
        assert_eq!(m.date_fields, vec![2]);
    }

    #[test]
    fn header_errors_name_the_column() {
        let h = StringRecord::from(vec!["program", "date", "金额", "颜色"]);
        let errs = map_header(Kind::Allocations, &h, false).err().unwrap();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, "颜色");
        assert!(map_header(Kind::Allocations, &h, true).is_ok());
        let h = StringRecord::from(vec!["program", "date"]);
        let errs = map_header(Kind::Allocations, &h, true).err().unwrap();
        assert_eq!(errs[0].0, "amount");
        assert!(errs[0].1.contains("missing required column"));
        let h = StringRecord::from(vec!["program", "项目编码", "date", "amount"]);
        let errs = map_header(Kind::Allocations, &h, false).err().unwrap();
        assert!(errs[0].1.contains("duplicate"));
    }
}
