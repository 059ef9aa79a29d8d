//! zhida-core: the domain of 直达 — money, credit codes, dates, schema and migrations,
//! repository queries, the disbursement life cycle, import, month-end checks and
//! reports. Nothing here knows about terminals; the CLI, the TUI and the tests all call
//! these functions.

// Amounts in fen are written 元_分 (e.g. `300_000_00`) so that the yuan stay readable.
#![cfg_attr(test, allow(clippy::inconsistent_digit_grouping))]

pub mod ack;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod checks;
pub mod close;
pub mod config;
pub mod credit_code;
pub mod dates;
pub mod db;
pub mod enterprise_file;
pub mod error;
pub mod export;
pub mod gen;
pub mod i18n;
pub mod import;
pub mod indicators;
pub mod ledger;
pub mod model;
pub mod money;
pub mod pinyin_keys;
mod raw;
pub mod reconcile;
pub mod recover;
pub mod repo;
pub mod report;
pub mod sanitize;
pub mod search;
pub mod users;

pub use credit_code::CreditCode;
pub use error::{Error, Result};
pub use i18n::Lang;
pub use money::{Money, Unit};
