//! The domain's error type: one readable line for the CLI status line or the TUI.

use crate::credit_code::CreditCodeError;
use crate::dates::DateError;
use crate::money::MoneyError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("数据库错误 (database): {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    CreditCode(#[from] CreditCodeError),
    #[error(transparent)]
    Date(#[from] DateError),
    #[error("{0}")]
    Invalid(String),
    #[error("未找到 (not found): {0}")]
    NotFound(String),
    #[error("{0} 月已结账，不能录入或修改 (month {0} is closed)")]
    ClosedMonth(String),
    #[error("无权限 (not allowed): {0}")]
    Forbidden(String),
    #[error("数据库版本 {found} 比本程序支持的 {supported} 新，请升级 zhida (database schema is newer than this program)")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("配置错误 (config) {file}: {key}: {reason}")]
    Config {
        file: String,
        key: String,
        reason: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Error {
        Error::Invalid(msg.into())
    }

    /// Turn SQLite's trigger messages into the domain's own errors.
    pub fn from_db(e: rusqlite::Error, month_hint: &str) -> Error {
        let text = e.to_string();
        if text.contains("closed month") {
            Error::ClosedMonth(month_hint.to_string())
        } else {
            Error::Db(e)
        }
    }
}
