//! Lookup: find disbursements by voucher number, credit-code prefix, enterprise name
//! fragment or pinyin (initials or full), for `zhida status QUERY` and the TUI; one
//! enterprise's rows (its per-(program, year) totals are in `enterprise_file`); and the
//! keyset-paged register of disbursements (`WHERE (date, id) > (?, ?)`, never OFFSET)
//! in both directions.

use chrono::NaiveDate;
use rusqlite::types::{ToSql, Type};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::dates::{iso, Month};
use crate::error::Result;
use crate::model::{Disbursement, Enterprise, Status};

/// Columns read by [`disbursement_from_row`], over `disbursement d` joined with
/// `program p`, `enterprise e` and the reversed row `r`.
pub const DISBURSEMENT_SELECT: &str = "SELECT d.id, d.voucher_no, p.code, p.name, e.credit_code, e.name, d.amount_fen, d.date, d.status,
            d.entered_by, d.approved_by, r.voucher_no, d.note,
            d.approved_date, d.paid_date
     FROM disbursement d
     JOIN program p ON p.id = d.program_id
     JOIN enterprise e ON e.id = d.enterprise_id
     LEFT JOIN disbursement r ON r.id = d.reverses_id";

/// Read a stored `YYYY-MM-DD` column, in place (a page reads three per row).
pub fn date_col(r: &Row<'_>, idx: usize) -> rusqlite::Result<NaiveDate> {
    stored_date(r.get_ref(idx)?.as_str()?, idx)
}

/// Read a nullable stored `YYYY-MM-DD` column.
pub fn opt_date_col(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get_ref(idx)?.as_str_or_null()? {
        None => Ok(None),
        Some(s) => stored_date(s, idx).map(Some),
    }
}

fn stored_date(s: &str, idx: usize) -> rusqlite::Result<NaiveDate> {
    crate::dates::parse_stored(s).ok_or_else(|| {
        let e = crate::dates::DateError::Syntax(s.to_string());
        rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e))
    })
}

/// Read a row selected with [`DISBURSEMENT_SELECT`].
pub fn disbursement_from_row(r: &Row<'_>) -> rusqlite::Result<Disbursement> {
    Ok(Disbursement {
        id: r.get(0)?,
        voucher_no: r.get(1)?,
        program_code: r.get(2)?,
        program_name: r.get(3)?,
        credit_code: r.get(4)?,
        enterprise_name: r.get(5)?,
        amount: r.get(6)?,
        date: date_col(r, 7)?,
        status: r.get(8)?,
        entered_by: r.get(9)?,
        approved_by: r.get(10)?,
        reverses: r.get(11)?,
        note: r.get(12)?,
        approved_date: opt_date_col(r, 13)?,
        paid_date: opt_date_col(r, 14)?,
    })
}

/// One disbursement by its exact voucher number.
pub fn disbursement_by_voucher(conn: &Connection, voucher: &str) -> Result<Option<Disbursement>> {
    let sql = format!("{DISBURSEMENT_SELECT} WHERE d.voucher_no = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([voucher.trim()], disbursement_from_row)
        .optional()?)
}

/// Escape `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The parts of a query: what each kind of match compares against.
struct QueryKeys {
    voucher: String,
    /// upper-cased, when the query could be the start of a credit code
    code_prefix: Option<String>,
    /// `%frag%` for the name
    name_like: String,
    /// the fragment itself, when it has no ASCII letter: then `instr` finds exactly what
    /// LIKE finds (LIKE folds only ASCII case), without LIKE's pattern matcher (half of
    /// a `zhida status 元江县` run goes to it)
    name_exact: Option<String>,
    /// lower-cased ASCII letters, when the query could be pinyin
    pinyin: Option<String>,
}

fn query_keys(query: &str) -> QueryKeys {
    let q = query.trim();
    let upper = q.to_uppercase();
    let code_prefix = (upper.len() >= 2
        && upper.len() <= 18
        && upper
            .bytes()
            .all(|b| crate::credit_code::CHARSET.contains(&b)))
    .then_some(upper);
    let lower = q.to_ascii_lowercase();
    let pinyin =
        (lower.len() >= 2 && lower.bytes().all(|b| b.is_ascii_lowercase())).then_some(lower);
    QueryKeys {
        voucher: q.to_string(),
        code_prefix,
        name_like: format!("%{}%", like_escape(q)),
        name_exact: (!q.bytes().any(|b| b.is_ascii_alphabetic())).then(|| q.to_string()),
        pinyin,
    }
}

/// Shortest pinyin query matched as a subsequence of the initials.
const SUBSEQUENCE_MIN: usize = 4;

fn enterprise_params(k: &QueryKeys) -> (Option<String>, String, Option<String>, Option<String>) {
    let contains = k.pinyin.as_ref().map(|p| format!("%{p}%"));
    // `pxkj` matches the initials p…x…k…j from the start (萍乡…科技); shorter queries
    // would match almost anything that way, so they only match contiguous initials.
    let sub = k.pinyin.as_ref().map(|p| {
        if p.len() >= SUBSEQUENCE_MIN {
            p.chars().flat_map(|c| [c, '%']).collect()
        } else {
            format!("{p}%")
        }
    });
    let name = k.name_exact.clone().unwrap_or_else(|| k.name_like.clone());
    (k.code_prefix.clone(), name, sub, contains)
}

/// (name, credit code, id) of every enterprise matching `k` by code prefix, name or
/// pinyin: one pass over the table for every kind of match (a UNION of
/// a query per kind reads it once per kind, then seeks each id again to sort).
fn table_matches(conn: &Connection, k: &QueryKeys) -> Result<Vec<(String, String, i64)>> {
    let (cp, name, sub, contains) = enterprise_params(k);
    let name_test = if k.name_exact.is_some() {
        "instr(name, ?2) > 0"
    } else {
        "name LIKE ?2 ESCAPE '\\'"
    };
    let found = conn
        .prepare_cached(&format!(
            "SELECT name, credit_code, id FROM enterprise
             WHERE (?1 IS NOT NULL AND credit_code >= ?1 AND credit_code < ?1 || '~')
                OR {name_test}
                OR (?3 IS NOT NULL AND (py_initials LIKE ?3 OR py_initials LIKE ?4 OR py_full LIKE ?4))"
        ))?
        .query_map(params![cp, name, sub, contains], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// The same matches from the packed search cache (`name_cache`): a few large values
/// instead of a pass over every row, which is what a one-shot `zhida status` pays most
/// for. None when the cache cannot answer now. The tests below compare it with
/// [`table_matches`].
fn cached_matches(conn: &Connection, k: &QueryKeys) -> Result<Option<Vec<(String, String, i64)>>> {
    // the name test: LIKE '%q%' folds ASCII case only; instr when q has no ASCII letter
    let (needle, fold) = match &k.name_exact {
        Some(q) => (q.as_bytes().to_vec(), false),
        None => (k.voucher.to_ascii_lowercase().into_bytes(), true),
    };
    // the pinyin test of `enterprise_params`: initials as a subsequence from the start
    // (four letters or more) or a prefix, or initials / full pinyin containing it
    let pinyin = k.pinyin.as_ref().map(|p| p.as_bytes().to_vec());
    // (LIKE folds ASCII case: the keys are compared lower-cased, `p` is lower case)
    let test = |ini: &[u8], full: &[u8]| -> bool {
        let Some(p) = &pinyin else {
            return false;
        };
        let eq = |a: &u8, b: &u8| a.to_ascii_lowercase() == *b;
        let from_start = if p.len() >= SUBSEQUENCE_MIN {
            ini.first().is_some_and(|c| eq(c, &p[0])) && {
                let mut rest = ini.iter().skip(1);
                p[1..].iter().all(|c| rest.any(|x| eq(x, c)))
            }
        } else {
            ini.len() >= p.len() && ini.iter().zip(p.iter()).all(|(a, b)| eq(a, b))
        };
        let within = |hay: &[u8]| {
            hay.windows(p.len())
                .any(|w| w.iter().zip(p.iter()).all(|(a, b)| eq(a, b)))
        };
        from_start || within(ini) || within(full)
    };
    let test_ref: &crate::repo::name_cache::PinyinTest<'_> = &test;
    let hits = match crate::repo::name_cache::search(
        conn,
        &needle,
        fold,
        pinyin.as_ref().map(|_| test_ref),
    )? {
        crate::repo::name_cache::Lookup::Found(v) => v,
        crate::repo::name_cache::Lookup::Unavailable => return Ok(None),
    };
    let mut out: Vec<(String, String, i64)> = hits
        .into_iter()
        .map(|e| (e.name, e.credit_code, e.id))
        .collect();
    if let Some(cp) = &k.code_prefix {
        // a range of the unique index on credit_code: every code char sorts below `~`
        let mut stmt = conn.prepare_cached(
            "SELECT name, credit_code, id FROM enterprise WHERE credit_code >= ?1 AND credit_code < ?1 || '~'",
        )?;
        let rows = stmt.query_map([cp], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(Some(out))
}

/// The ids of the enterprises matching `k`, by name then credit code (Rust's str order is
/// SQLite's BINARY collation): from the search cache, or else from the table.
fn matching_ids(conn: &Connection, k: &QueryKeys) -> Result<Vec<i64>> {
    let mut found = match cached_matches(conn, k)? {
        Some(v) => v,
        None => table_matches(conn, k)?,
    };
    found.sort_unstable();
    found.dedup();
    Ok(found.into_iter().map(|(_, _, id)| id).collect())
}

/// Every disbursement whose voucher is exactly `query`, or whose enterprise matches it by
/// credit-code prefix, name substring, pinyin initials (`pxkj`, also as a subsequence
/// from the start) or full pinyin; ordered by enterprise name, date descending. At most
/// `limit` rows. An empty query finds nothing.
///
/// The matching enterprises are listed in order first and their rows fetched one
/// enterprise at a time (index on enterprise_id, date) until the limit is reached, so a
/// broad query (`元江县`) never sorts a million rows.
pub fn find(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Disbursement>> {
    if query.trim().is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let k = query_keys(query);
    let ids = matching_ids(conn, &k)?;
    let mut out: Vec<Disbursement> = Vec::new();
    let mut rows_of = conn.prepare_cached(&format!(
        "{DISBURSEMENT_SELECT} WHERE d.enterprise_id = ?1 ORDER BY d.date DESC, d.id DESC LIMIT ?2"
    ))?;
    for id in ids {
        if out.len() >= limit {
            break;
        }
        let rows = rows_of.query_map(
            params![id, (limit - out.len()) as i64],
            disbursement_from_row,
        )?;
        for r in rows {
            out.push(r?);
        }
    }
    if let Some(v) = disbursement_by_voucher(conn, &k.voucher)? {
        if !out.iter().any(|d| d.id == v.id) {
            out.push(v);
        }
    }
    // Rust's str order is byte order, the same as SQLite's BINARY collation above
    out.sort_by(|a, b| {
        (&a.enterprise_name, &a.credit_code, b.date, b.id).cmp(&(
            &b.enterprise_name,
            &b.credit_code,
            a.date,
            a.id,
        ))
    });
    out.truncate(limit);
    Ok(out)
}

/// For each of `ids` that has been reversed (冲销): the vouchers of its reversal rows,
/// oldest first. One query for all of them (the status lookup's "已被冲销").
pub fn reversed_by(
    conn: &Connection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // a JSON array of integers: json_each takes any number of ids in one statement
    let list = format!(
        "[{}]",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT r.reverses_id, r.voucher_no FROM disbursement r
         WHERE r.reverses_id IN (SELECT value FROM json_each(?1))
         ORDER BY r.date, r.id",
    )?;
    let rows = stmt.query_map([list], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (id, v) = row?;
        out.entry(id).or_default().push(v);
    }
    Ok(out)
}

/// Columns read by [`enterprise_from_row`], prefixed `e.`.
pub const ENTERPRISE_COLUMNS: &str =
    "e.id, e.credit_code, e.name, e.size, e.industry, e.township, e.contact";

pub fn enterprise_from_row(r: &Row<'_>) -> rusqlite::Result<Enterprise> {
    Ok(Enterprise {
        id: r.get(0)?,
        credit_code: r.get(1)?,
        name: r.get(2)?,
        size: r.get(3)?,
        industry: r.get(4)?,
        township: r.get(5)?,
        contact: r.get(6)?,
    })
}

/// Enterprises matching `query` the way [`find`] matches them, by name.
pub fn find_enterprises(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Enterprise>> {
    if query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let k = query_keys(query);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTERPRISE_COLUMNS} FROM enterprise e WHERE e.id = ?1"
    ))?;
    let mut out = Vec::new();
    for id in matching_ids(conn, &k)?.into_iter().take(limit) {
        out.push(stmt.query_row([id], enterprise_from_row)?);
    }
    Ok(out)
}

/// The enterprise with this credit code (upper-cased before lookup).
pub fn enterprise_by_code(conn: &Connection, credit_code: &str) -> Result<Option<Enterprise>> {
    let sql = format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprise e WHERE e.credit_code = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([credit_code.trim().to_uppercase()], enterprise_from_row)
        .optional()?)
}

/// Every disbursement of one enterprise, newest first.
pub fn disbursements_of_enterprise(
    conn: &Connection,
    enterprise_id: i64,
) -> Result<Vec<Disbursement>> {
    let sql =
        format!("{DISBURSEMENT_SELECT} WHERE d.enterprise_id = ?1 ORDER BY d.date DESC, d.id DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([enterprise_id], disbursement_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Filters of the disbursement register; `None` = no restriction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterFilter {
    pub status: Option<Status>,
    pub program_code: Option<String>,
    pub month: Option<Month>,
    pub enterprise_id: Option<i64>,
}

/// A position in the register: the (date, id) of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub date: NaiveDate,
    pub id: i64,
}

impl Cursor {
    pub fn of(d: &Disbursement) -> Cursor {
        Cursor {
            date: d.date,
            id: d.id,
        }
    }
}

/// Which page to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// the first page
    First,
    /// the last page
    Last,
    /// the rows after this one (next page: pass the last row of the current page)
    After(Cursor),
    /// the rows before this one (previous page: pass the first row of the current page)
    Before(Cursor),
}

/// One page of the register, always in (date, id) order, at most `limit` rows.
pub fn register_page(
    conn: &Connection,
    filter: &RegisterFilter,
    page: Page,
    limit: usize,
) -> Result<Vec<Disbursement>> {
    let mut wheres: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    fn arg(v: Box<dyn ToSql>, args: &mut Vec<Box<dyn ToSql>>) -> usize {
        args.push(v);
        args.len()
    }
    if let Some(s) = filter.status {
        let n = arg(Box::new(s), &mut args);
        wheres.push(format!("d.status = ?{n}"));
    }
    if let Some(code) = &filter.program_code {
        let n = arg(Box::new(code.clone()), &mut args);
        wheres.push(format!(
            "d.program_id = (SELECT id FROM program WHERE code = ?{n})"
        ));
    }
    if let Some(m) = filter.month {
        let a = arg(Box::new(iso(m.first_day())), &mut args);
        let b = arg(Box::new(iso(m.last_day())), &mut args);
        wheres.push(format!("d.date BETWEEN ?{a} AND ?{b}"));
    }
    if let Some(id) = filter.enterprise_id {
        let n = arg(Box::new(id), &mut args);
        wheres.push(format!("d.enterprise_id = ?{n}"));
    }
    let descending = matches!(page, Page::Last | Page::Before(_));
    match page {
        Page::After(c) | Page::Before(c) => {
            let a = arg(Box::new(iso(c.date)), &mut args);
            let b = arg(Box::new(c.id), &mut args);
            let op = if descending { "<" } else { ">" };
            wheres.push(format!("(d.date, d.id) {op} (?{a}, ?{b})"));
        }
        Page::First | Page::Last => {}
    }
    let n = arg(Box::new(limit as i64), &mut args);
    let where_sql = if wheres.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wheres.join(" AND "))
    };
    let order = if descending {
        "d.date DESC, d.id DESC"
    } else {
        "d.date, d.id"
    };
    let sql = format!("{DISBURSEMENT_SELECT} {where_sql} ORDER BY {order} LIMIT ?{n}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let refs: Vec<&dyn ToSql> = args.iter().map(|b| b.as_ref()).collect();
    let rows = stmt.query_map(refs.as_slice(), disbursement_from_row)?;
    let mut out: Vec<Disbursement> = rows.collect::<rusqlite::Result<_>>()?;
    if descending {
        out.reverse();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit_code::CreditCode;
    use crate::db::open_in_memory;
    use crate::model::Size;
    use crate::money::Money;
    use crate::repo::write::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse_date(s).unwrap()
    }

    fn code(n: u32) -> CreditCode {
        CreditCode::complete(&format!("91530428MA6K{n:05}")).unwrap()
    }

    /// Three enterprises, two programs, a handful of rows.
    fn fixture() -> Connection {
        let conn = open_in_memory().unwrap();
        insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
        insert_program(&conn, &NewProgram::new("KJ2025", "科技创新券", 2025)).unwrap();
        for (n, name, town) in [
            (1, "萍乡市安源区科技有限公司", "澧江街道"),
            (2, "元江县澧江街道甘蔗种植专业合作社", "澧江街道"),
            (3, "元江县因远镇红糖厂", "因远镇"),
        ] {
            insert_enterprise(
                &conn,
                &NewEnterprise {
                    credit_code: code(n),
                    name: name.into(),
                    size: Size::Small,
                    industry: String::new(),
                    township: town.into(),
                    contact: String::new(),
                },
            )
            .unwrap();
        }
        let rows = [
            ("YJ-001", "WG2025", 1, 10_000_00, "2025-03-01", Status::Paid),
            (
                "YJ-002",
                "KJ2025",
                1,
                20_000_00,
                "2025-04-01",
                Status::Pending,
            ),
            (
                "YJ-003",
                "WG2025",
                2,
                5_000_00,
                "2025-03-15",
                Status::Approved,
            ),
            ("YJ-004", "WG2025", 3, 8_000_00, "2024-12-20", Status::Paid),
            (
                "YJ-005",
                "WG2025",
                2,
                6_000_00,
                "2024-05-01",
                Status::Rejected,
            ),
        ];
        for (v, p, e, fen, date, status) in rows {
            insert_disbursement(
                &conn,
                &NewDisbursement {
                    voucher_no: v.into(),
                    program_code: p.into(),
                    credit_code: code(e).to_string(),
                    amount: Money(fen),
                    date: d(date),
                    status,
                    entered_by: "小李".into(),
                    approved_by: String::new(),
                    reverses: None,
                    note: String::new(),
                },
            )
            .unwrap();
        }
        conn
    }

    fn vouchers(v: &[Disbursement]) -> Vec<&str> {
        v.iter().map(|d| d.voucher_no.as_str()).collect()
    }

    #[test]
    fn find_by_exact_voucher() {
        let conn = fixture();
        let hits = find(&conn, "YJ-004", 50).unwrap();
        assert_eq!(vouchers(&hits), ["YJ-004"]);
        assert_eq!(hits[0].program_name, "稳岗返还");
        assert_eq!(hits[0].enterprise_name, "元江县因远镇红糖厂");
        // a voucher prefix is not a voucher match
        assert!(find(&conn, "YJ-00", 50).unwrap().is_empty());
    }

    #[test]
    fn find_by_credit_code_prefix_any_case() {
        let conn = fixture();
        let full = code(2).to_string();
        let hits = find(&conn, &full, 50).unwrap();
        // the enterprise's rows, newest first
        assert_eq!(vouchers(&hits), ["YJ-003", "YJ-005"]);
        let prefix = full[..17].to_lowercase();
        assert_eq!(
            vouchers(&find(&conn, &prefix, 50).unwrap()),
            ["YJ-003", "YJ-005"]
        );
        // the common prefix of all three: every row, ordered by enterprise name then date desc
        let all = find(&conn, "91530428ma6k", 50).unwrap();
        assert_eq!(all.len(), 5);
        let names: Vec<&str> = all.iter().map(|d| d.enterprise_name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn find_by_name_fragment() {
        let conn = fixture();
        let hits = find(&conn, "澧江街道", 50).unwrap();
        assert_eq!(vouchers(&hits), ["YJ-003", "YJ-005"]);
        let hits = find(&conn, "元江县", 50).unwrap();
        assert_eq!(hits.len(), 3);
        // LIKE wildcards in the query are literal
        assert!(find(&conn, "元江%厂", 50).unwrap().is_empty());
        assert!(find(&conn, "   ", 50).unwrap().is_empty());
    }

    #[test]
    fn find_by_pinyin_initials_and_full_pinyin() {
        let conn = fixture();
        // 萍乡市安源区科技有限公司 → pxsayqkjyxgs; pxkj matches as a subsequence from the start
        let hits = find(&conn, "pxkj", 50).unwrap();
        assert_eq!(vouchers(&hits), ["YJ-002", "YJ-001"]);
        assert_eq!(
            vouchers(&find(&conn, "PXSAYQ", 50).unwrap()),
            ["YJ-002", "YJ-001"]
        );
        // full pinyin substring
        let hits = find(&conn, "hongtang", 50).unwrap();
        assert_eq!(vouchers(&hits), ["YJ-004"]);
        // initials substring not at the start: 因远镇 = yyz; three letters are not taken
        // as a subsequence (元江县…专业合作社 has y…y…z too)
        assert_eq!(vouchers(&find(&conn, "yyz", 50).unwrap()), ["YJ-004"]);
        // four letters are: y…y…z…h only in 元江县因远镇红糖厂
        assert_eq!(vouchers(&find(&conn, "yyzh", 50).unwrap()), ["YJ-004"]);
        assert!(find(&conn, "zzzq", 50).unwrap().is_empty());
        let ents = find_enterprises(&conn, "pxkj", 10).unwrap();
        assert_eq!(ents.len(), 1);
        assert_eq!(ents[0].name, "萍乡市安源区科技有限公司");
    }

    #[test]
    fn find_respects_the_limit() {
        let conn = fixture();
        let all = find(&conn, "元江县", 50).unwrap();
        assert_eq!(vouchers(&all), ["YJ-004", "YJ-003", "YJ-005"]);
        assert_eq!(
            vouchers(&find(&conn, "元江县", 2).unwrap()),
            ["YJ-004", "YJ-003"]
        );
        assert!(find(&conn, "元江县", 0).unwrap().is_empty());
    }

    #[test]
    fn a_voucher_match_is_merged_in_enterprise_order() {
        let conn = fixture();
        // a voucher that is also the pinyin of another enterprise (元江县因远镇红糖厂 = yjxyyzh…)
        insert_disbursement(
            &conn,
            &NewDisbursement {
                voucher_no: "yyzh".into(),
                program_code: "WG2025".into(),
                credit_code: code(1).to_string(),
                amount: Money(1_00),
                date: d("2025-01-02"),
                status: Status::Pending,
                entered_by: "小李".into(),
                approved_by: String::new(),
                reverses: None,
                note: String::new(),
            },
        )
        .unwrap();
        // 元 (U+5143) sorts before 萍 (U+840D)
        assert_eq!(
            vouchers(&find(&conn, "yyzh", 50).unwrap()),
            ["YJ-004", "yyzh"]
        );
        assert_eq!(vouchers(&find(&conn, "yyzh", 1).unwrap()), ["YJ-004"]);
    }

    #[test]
    fn enterprise_by_code_and_its_rows() {
        let conn = fixture();
        let e = enterprise_by_code(&conn, &code(1).to_string().to_lowercase())
            .unwrap()
            .unwrap();
        assert_eq!(e.name, "萍乡市安源区科技有限公司");
        assert!(enterprise_by_code(&conn, &code(9).to_string())
            .unwrap()
            .is_none());
        let rows = disbursements_of_enterprise(&conn, e.id).unwrap();
        assert_eq!(vouchers(&rows), ["YJ-002", "YJ-001"]);
    }

    /// 7 rows, several on the same date, so that pages split inside a date.
    fn paging_fixture() -> Connection {
        let conn = fixture();
        for (i, date) in [
            "2025-06-01",
            "2025-06-01",
            "2025-06-01",
            "2025-06-02",
            "2025-06-02",
            "2025-06-03",
            "2025-05-31",
        ]
        .iter()
        .enumerate()
        {
            insert_disbursement(
                &conn,
                &NewDisbursement {
                    voucher_no: format!("P-{i}"),
                    program_code: "KJ2025".into(),
                    credit_code: code(3).to_string(),
                    amount: Money(1_000_00 + i as i64),
                    date: d(date),
                    status: Status::Pending,
                    entered_by: "小李".into(),
                    approved_by: String::new(),
                    reverses: None,
                    note: String::new(),
                },
            )
            .unwrap();
        }
        conn
    }

    #[test]
    fn keyset_pages_forward_and_back_with_ties_on_date() {
        let conn = paging_fixture();
        let f = RegisterFilter {
            program_code: Some("KJ2025".into()),
            status: Some(Status::Pending),
            ..Default::default()
        };
        // KJ2025 pending: YJ-002 (04-01) and the 7 P- rows
        let p1 = register_page(&conn, &f, Page::First, 3).unwrap();
        assert_eq!(vouchers(&p1), ["YJ-002", "P-6", "P-0"]);
        let p2 = register_page(&conn, &f, Page::After(Cursor::of(&p1[2])), 3).unwrap();
        assert_eq!(vouchers(&p2), ["P-1", "P-2", "P-3"]);
        let p3 = register_page(&conn, &f, Page::After(Cursor::of(&p2[2])), 3).unwrap();
        assert_eq!(vouchers(&p3), ["P-4", "P-5"]);
        let end = register_page(&conn, &f, Page::After(Cursor::of(&p3[1])), 3).unwrap();
        assert!(end.is_empty());
        // back again: the previous page of p3 is p2, of p2 is p1
        let back = register_page(&conn, &f, Page::Before(Cursor::of(&p3[0])), 3).unwrap();
        assert_eq!(back, p2);
        let back = register_page(&conn, &f, Page::Before(Cursor::of(&p2[0])), 3).unwrap();
        assert_eq!(back, p1);
        let last = register_page(&conn, &f, Page::Last, 3).unwrap();
        assert_eq!(vouchers(&last), ["P-3", "P-4", "P-5"]);
    }

    #[test]
    fn register_filters_combine() {
        let conn = paging_fixture();
        let june = RegisterFilter {
            month: Some(Month::parse("2025-06").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            register_page(&conn, &june, Page::First, 100).unwrap().len(),
            6
        );
        let paid = RegisterFilter {
            status: Some(Status::Paid),
            ..Default::default()
        };
        assert_eq!(
            vouchers(&register_page(&conn, &paid, Page::First, 100).unwrap()),
            ["YJ-004", "YJ-001"]
        );
        let e1 = enterprise_by_code(&conn, code(1).as_str())
            .unwrap()
            .unwrap();
        let mine = RegisterFilter {
            enterprise_id: Some(e1.id),
            month: Some(Month::parse("2025-03").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            vouchers(&register_page(&conn, &mine, Page::First, 100).unwrap()),
            ["YJ-001"]
        );
        let none = RegisterFilter {
            program_code: Some("没有".into()),
            ..Default::default()
        };
        assert!(register_page(&conn, &none, Page::First, 100)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn register_uses_the_date_index() {
        let conn = paging_fixture();
        let plan: Vec<String> = conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {DISBURSEMENT_SELECT} WHERE (d.date, d.id) > ('2025-06-01', 3) ORDER BY d.date, d.id LIMIT 50"
            ))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let text = plan.join("\n");
        assert!(text.contains("ix_disb_date"), "{text}");
        assert!(!text.contains("TEMP B-TREE"), "{text}");
    }

    /// The search cache answers exactly what the table answers, for every kind of query,
    /// on generated enterprises plus names with upper-case letters, LIKE's special
    /// characters and the cache's own separators; and it follows every change.
    #[test]
    fn search_cache_matches_the_table() {
        let conn = crate::repo::summary::tests::generated();
        let odd = [
            "ABC贸易（元江）有限公司",
            "abc_百分%之百商行",
            "元江\t县\n换行\u{ff}字号",
            "Pingxiang KEJI 萍乡科技",
        ];
        for (n, name) in odd.iter().enumerate() {
            insert_enterprise(
                &conn,
                &NewEnterprise {
                    credit_code: code(900 + n as u32),
                    name: name.to_string(),
                    size: Size::Micro,
                    industry: String::new(),
                    township: String::new(),
                    contact: String::new(),
                },
            )
            .unwrap();
        }
        let mut queries: Vec<String> = [
            "元江",
            "科技",
            "有限公司",
            "abc",
            "ABC",
            "_百",
            "%之",
            "江\t县",
            "字号",
            "萍乡科技",
            "px",
            "pxkj",
            "pingxiang",
            "keji",
            "yj",
            "yjx",
            "91530428",
            "91530428MA6K0090",
            "9153",
            "Z",
            "no such",
            "有",
            "a",
            "gs",
            "kjyxgs",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // and fragments of real generated names and their initials
        let mut stmt = conn
            .prepare("SELECT name, py_initials FROM enterprise WHERE id % 97 = 1")
            .unwrap();
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (name, ini) in rows {
            queries.push(name.chars().skip(2).take(3).collect());
            queries.push(ini.chars().take(4).collect());
        }
        let sorted = |mut v: Vec<(String, String, i64)>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        let check = |when: &str| {
            for q in &queries {
                let k = query_keys(q);
                let cached = cached_matches(&conn, &k)
                    .unwrap()
                    .expect("the cache answers");
                let table = table_matches(&conn, &k).unwrap();
                assert_eq!(sorted(cached), sorted(table), "{when}: query {q:?}");
            }
        };
        check("first use");
        let hits = |q: &str| sorted(cached_matches(&conn, &query_keys(q)).unwrap().unwrap());
        assert!(hits("abc").len() >= 2, "LIKE folds ASCII case");
        assert_eq!(
            hits("江\t县").len(),
            1,
            "a tab in a name is matched, not a separator"
        );
        // every change to an enterprise shows at the next lookup
        conn.execute(
            "UPDATE enterprise SET name = '元江县新名字有限公司' WHERE id = 3",
            [],
        )
        .unwrap();
        assert_eq!(hits("新名字").len(), 1);
        conn.execute("DELETE FROM enterprise WHERE id = 5 AND NOT EXISTS (SELECT 1 FROM disbursement WHERE enterprise_id = 5)", [])
            .unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code(990),
                name: "元江县后来者商店".into(),
                size: Size::Micro,
                industry: String::new(),
                township: String::new(),
                contact: String::new(),
            },
        )
        .unwrap();
        assert_eq!(hits("后来者").len(), 1);
        check("after changes");
    }

    /// A stale cache that cannot be rebuilt now (another clerk holds the write lock)
    /// is not waited for: the table answers.
    #[test]
    fn a_stale_cache_under_another_writer_falls_back_to_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("直达.db");
        let conn = crate::db::open(&path).unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code(1),
                name: "元江县澧江街道甘蔗种植专业合作社".into(),
                size: Size::Small,
                industry: String::new(),
                township: String::new(),
                contact: String::new(),
            },
        )
        .unwrap();
        let other = crate::db::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let t = std::time::Instant::now();
        let k = query_keys("甘蔗");
        assert!(cached_matches(&conn, &k).unwrap().is_none());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "no waiting"
        );
        let ids: Vec<i64> = table_matches(&conn, &k)
            .unwrap()
            .into_iter()
            .map(|x| x.2)
            .collect();
        assert_eq!(ids, [1]);
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(cached_matches(&conn, &k).unwrap().map(|v| v.len()), Some(1));
    }
}
