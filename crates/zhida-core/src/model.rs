//! Domain types shared by the repository, checks, import and every front end. The
//! small enums here parse both the English and the Chinese names the spec allows.

use chrono::NaiveDate;
use serde::Serialize;

use crate::i18n::Lang;
use crate::money::Money;

/// Declares a string-backed enum with its stored name, accepted aliases, zh and en labels.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $db:literal, $zh:literal, $en:literal, [$($alias:literal),*];)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $db),+ }
            }

            /// Parse the stored name, the Chinese name or an alias (case-insensitive).
            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                let lower = t.to_lowercase();
                $(
                    if lower == $db || t == $zh $(|| lower == $alias)* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Zh) => $zh, ($name::$variant, Lang::En) => $en,)+
                }
            }

            /// All accepted spellings, for error messages.
            pub fn expected() -> String {
                let v: Vec<String> = Self::ALL.iter().map(|x| format!("{}/{}", x.as_str(), x.label(Lang::Zh))).collect();
                v.join(", ")
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("bad {} '{}'", stringify!($name), s).into()))
            }
        }
    };
}

text_enum!(
    /// 资金级次
    Level {
        Central = "central", "中央", "central", [];
        Provincial = "provincial", "省级", "provincial", ["省"];
        Municipal = "municipal", "市级", "municipal", ["市"];
        County = "county", "县级", "county", ["县"];
    }
);

text_enum!(
    /// 企业规模
    Size {
        Large = "large", "大型", "large", ["大"];
        Medium = "medium", "中型", "medium", ["中"];
        Small = "small", "小型", "small", ["小"];
        Micro = "micro", "微型", "micro", ["微"];
        Individual = "individual", "个体", "individual", ["个体工商户"];
    }
);

text_enum!(
    /// 拨付状态
    Status {
        Pending = "pending", "待复核", "pending", [];
        Approved = "approved", "已复核", "approved", [];
        Paid = "paid", "已拨付", "paid", [];
        Rejected = "rejected", "已退回", "rejected", [];
    }
);

text_enum!(
    /// 收回原因
    Reason {
        Idle = "idle", "闲置", "idle", ["沉淀"];
        Expired = "expired", "到期", "expired", [];
        Performance = "performance", "绩效", "performance", [];
        Clawback = "clawback", "追回", "clawback", [];
    }
);

text_enum!(
    /// 指标方向: ge = actual must be ≥ target, le = actual must be ≤ target
    Direction {
        Ge = "ge", "≥", "≥", [">=", "不低于"];
        Le = "le", "≤", "≤", ["<=", "不高于"];
    }
);

text_enum!(
    /// 用户角色
    Role {
        Clerk = "clerk", "经办", "clerk", [];
        Supervisor = "supervisor", "复核", "supervisor", ["科长"];
        Auditor = "auditor", "审计", "auditor", [];
    }
);

text_enum!(
    /// 项目状态
    ProgramStatus {
        Active = "active", "执行中", "active", ["在用", "启用"];
        Closed = "closed", "已结束", "closed", ["关闭", "已关闭"];
    }
);

/// Parse the boolean forms the import files use: 是/否, yes/no, true/false, y/n, 1/0.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "yes" | "true" | "y" | "1" | "√" => Some(true),
        "否" | "no" | "false" | "n" | "0" | "" => Some(false),
        _ => None,
    }
}

/// A set of enterprise sizes stored as `;`-separated English names in canonical order.
pub fn sizes_to_db(sizes: &[Size]) -> String {
    let mut v: Vec<Size> = sizes.to_vec();
    v.sort();
    v.dedup();
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";")
}

pub fn sizes_from_db(s: &str) -> Vec<Size> {
    s.split([';', '；', ',', '，', '、'])
        .filter_map(Size::parse)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department: String,
    pub level: Level,
    pub fiscal_year: i32,
    pub policy_ref: String,
    pub is_direct: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub cap_per_enterprise: Option<Money>,
    pub once_per_year: bool,
    pub exclusive_group: Option<String>,
    pub eligible_sizes: Vec<Size>,
    pub status: ProgramStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enterprise {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub size: Size,
    pub industry: String,
    pub township: String,
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allocation {
    pub id: i64,
    pub program_code: String,
    pub date: NaiveDate,
    pub amount: Money,
    pub doc_no: String,
    pub note: String,
}

/// A disbursement row joined with the names a screen or report shows beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disbursement {
    pub id: i64,
    pub voucher_no: String,
    pub program_code: String,
    pub program_name: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub amount: Money,
    pub date: NaiveDate,
    pub status: Status,
    pub entered_by: String,
    pub approved_by: String,
    /// voucher number of the row this one reverses
    pub reverses: Option<String>,
    pub note: String,
    /// 复核日期: the day it was approved (None when not known)
    pub approved_date: Option<NaiveDate>,
    /// 支付日期: the day it was paid (None when not known)
    pub paid_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    pub id: i64,
    pub program_code: String,
    pub date: NaiveDate,
    pub amount: Money,
    pub reason: Reason,
    pub doc_no: String,
    pub credit_code: Option<String>,
    pub reallocated_to: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub id: i64,
    pub program_code: String,
    pub year: i32,
    /// score × 100 (exact; 89.99 = 8999)
    pub score_x100: i64,
    pub evaluator: String,
    pub date: NaiveDate,
    pub note: String,
}

/// 优 ≥ 90, 良 80–89.99, 中 60–79.99, 差 < 60
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Grade {
    Excellent,
    Good,
    Fair,
    Poor,
}

impl Grade {
    pub fn of(score_x100: i64) -> Grade {
        match score_x100 {
            9000.. => Grade::Excellent,
            8000..=8999 => Grade::Good,
            6000..=7999 => Grade::Fair,
            _ => Grade::Poor,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Grade::Excellent, Lang::Zh) => "优",
            (Grade::Good, Lang::Zh) => "良",
            (Grade::Fair, Lang::Zh) => "中",
            (Grade::Poor, Lang::Zh) => "差",
            (Grade::Excellent, Lang::En) => "excellent",
            (Grade::Good, Lang::En) => "good",
            (Grade::Fair, Lang::En) => "fair",
            (Grade::Poor, Lang::En) => "poor",
        }
    }
}

/// `89.99` → 8999; at most two decimals, 0–100.
pub fn parse_score(s: &str) -> Option<i64> {
    let d: rust_decimal::Decimal = s.trim().parse().ok()?;
    if d.normalize().scale() > 2
        || d < rust_decimal::Decimal::ZERO
        || d > rust_decimal::Decimal::ONE_HUNDRED
    {
        return None;
    }
    use rust_decimal::prelude::ToPrimitive;
    (d * rust_decimal::Decimal::ONE_HUNDRED).to_i64()
}

pub fn format_score(score_x100: i64) -> String {
    format!("{}.{:02}", score_x100 / 100, score_x100 % 100)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: i64,
    pub program_code: String,
    pub year: i32,
    pub name: String,
    pub unit: String,
    pub target: rust_decimal::Decimal,
    pub actual: Option<rust_decimal::Decimal>,
    pub direction: Direction,
}

impl Indicator {
    /// None while the actual value is not known; equality meets the target.
    pub fn met(&self) -> Option<bool> {
        let a = self.actual?;
        Some(match self.direction {
            Direction::Ge => a >= self.target,
            Direction::Le => a <= self.target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_english_and_chinese() {
        assert_eq!(Status::parse("已拨付"), Some(Status::Paid));
        assert_eq!(Status::parse("PAID"), Some(Status::Paid));
        assert_eq!(Level::parse("县级"), Some(Level::County));
        assert_eq!(Size::parse("个体"), Some(Size::Individual));
        assert_eq!(Direction::parse("≤"), Some(Direction::Le));
        assert_eq!(Reason::parse("追回"), Some(Reason::Clawback));
        assert_eq!(Status::parse("已付"), None);
        assert!(Status::expected().contains("待复核"));
    }

    #[test]
    fn sizes_round_trip_in_canonical_order() {
        let v = sizes_from_db("微型;small;小型");
        assert_eq!(sizes_to_db(&v), "small;micro");
        assert!(sizes_from_db("").is_empty());
    }

    #[test]
    fn grades_at_their_edges() {
        assert_eq!(Grade::of(9000), Grade::Excellent);
        assert_eq!(Grade::of(8999), Grade::Good);
        assert_eq!(Grade::of(8000), Grade::Good);
        assert_eq!(Grade::of(7999), Grade::Fair);
        assert_eq!(Grade::of(6000), Grade::Fair);
        assert_eq!(Grade::of(5999), Grade::Poor);
        assert_eq!(parse_score("89.99"), Some(8999));
        assert_eq!(parse_score("100"), Some(10000));
        assert_eq!(parse_score("100.01"), None);
        assert_eq!(parse_score("59.999"), None);
        assert_eq!(format_score(6000), "60.00");
    }

    #[test]
    fn booleans() {
        for t in ["是", "yes", "TRUE", "y", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["否", "no", "false", "N", "0", ""] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
