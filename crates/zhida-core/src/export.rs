//! Whole-database export for prefecture/province consolidation (SPEC §8): one CSV per
//! table, UTF-8 with BOM, codes instead of internal ids, and the bureau's region code
//! (行政区划代码) on every row, ready for DuckDB or PostgreSQL `COPY`. Text cells that a
//! spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`) get a leading `'`
//! ([`cell_safe`]), since these files are also opened in Excel/WPS.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::sanitize::cell_safe;

/// One exported table: file stem and the query producing its rows.
const TABLES: &[(&str, &str)] = &[
    ("programs", "SELECT code, name, department, level, fiscal_year, policy_ref, is_direct, start_date, end_date,
                         cap_per_enterprise_fen, once_per_year, exclusive_group, eligible_sizes, status
                  FROM program ORDER BY code"),
    ("enterprises", "SELECT credit_code, name, size, industry, township, contact FROM enterprise ORDER BY credit_code"),
    ("allocations", "SELECT p.code AS program, a.date, a.amount_fen, a.doc_no, a.note,
                            a.received_date, a.distributed_date
                     FROM allocation a JOIN program p ON p.id = a.program_id ORDER BY a.id"),
    ("disbursements", "SELECT d.voucher_no, p.code AS program, e.credit_code, d.amount_fen, d.date, d.status,
                              d.entered_by, d.approved_by, r.voucher_no AS reverses, d.note,
                              d.approved_date, d.paid_date
                       FROM disbursement d JOIN program p ON p.id = d.program_id
                       JOIN enterprise e ON e.id = d.enterprise_id
                       LEFT JOIN disbursement r ON r.id = d.reverses_id ORDER BY d.id"),
    ("recoveries", "SELECT p.code AS program, r.date, r.amount_fen, r.reason, r.doc_no, e.credit_code,
                           t.code AS reallocated_to, r.note
                    FROM recovery r JOIN program p ON p.id = r.program_id
                    LEFT JOIN enterprise e ON e.id = r.enterprise_id
                    LEFT JOIN program t ON t.id = r.reallocated_to_id ORDER BY r.id"),
    ("evaluations", "SELECT p.code AS program, v.year, v.score_x100, v.evaluator, v.date, v.note
                     FROM evaluation v JOIN program p ON p.id = v.program_id ORDER BY v.id"),
    ("indicators", "SELECT p.code AS program, i.year, i.name, i.unit, i.target, i.actual, i.direction
                    FROM indicator i JOIN program p ON p.id = i.program_id ORDER BY i.id"),
    ("period_close", "SELECT month, closed_by, closed_at FROM period_close ORDER BY month"),
    ("finding_ack", "SELECT key, note, by, at FROM finding_ack ORDER BY key"),
    ("audit_log", "SELECT id, at, user, action, tbl, key, before_json, after_json, prev_hash, hash FROM audit_log ORDER BY id"),
];

/// Export every table to `dir` (created if needed). Returns (file name, rows) per table.
pub fn export_csv(conn: &Connection, dir: &Path, region: &str) -> Result<Vec<(String, u64)>> {
    let region = region.trim();
    let valid = region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit());
    if !region.is_empty() && !valid {
        return Err(Error::invalid(format!(
            "行政区划代码应为6位数字：'{region}' (region code must be 6 digits)"
        )));
    }
    std::fs::create_dir_all(dir)?;
    // One read transaction: every file sees the same snapshot even while clerks write.
    let tx = crate::db::read_tx(conn)?;
    let mut out = Vec::new();
    for (name, sql) in TABLES {
        let file = format!("{name}.csv");
        let mut w = BufWriter::new(File::create(dir.join(&file))?);
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut csv = csv::Writer::from_writer(w);
        let mut stmt = tx.prepare(sql)?;
        let cols: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let mut header = vec!["region_code".to_string()];
        header.extend(cols.iter().cloned());
        csv.write_record(&header).map_err(csv_err)?;
        let mut rows = stmt.query([])?;
        let mut n = 0u64;
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        while let Some(r) = rows.next()? {
            record.clear();
            record.push(region.to_string());
            for i in 0..cols.len() {
                record.push(match r.get_ref(i)? {
                    ValueRef::Null => String::new(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    // a name like `=cmd|…` must not become a formula when opened in Excel
                    ValueRef::Text(t) => cell_safe(&String::from_utf8_lossy(t)).into_owned(),
                    ValueRef::Blob(b) => hex::encode(b),
                });
            }
            csv.write_record(&record).map_err(csv_err)?;
            n += 1;
        }
        csv.flush()?;
        out.push((file, n));
    }
    tx.commit()?;
    Ok(out)
}

fn csv_err(e: csv::Error) -> Error {
    Error::invalid(format!("CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit_code::CreditCode;
    use crate::db::open_in_memory;
    use crate::model::{Size, Status};
    use crate::money::Money;
    use crate::repo::write::*;

    #[test]
    fn exports_every_table_with_region_and_codes() {
        let conn = open_in_memory().unwrap();
        insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
        let code = CreditCode::complete("91530428MA6K0001A").unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code.clone(),
                name: "元江县甘庄街道红河农业有限公司".into(),
                size: Size::Small,
                industry: "农业".into(),
                township: "甘庄街道".into(),
                contact: String::new(),
            },
        )
        .unwrap();
        let date = crate::dates::parse_date("2025-03-01").unwrap();
        insert_disbursement(
            &conn,
            &NewDisbursement {
                voucher_no: "YJ-2025-0001".into(),
                program_code: "WG2025".into(),
                credit_code: code.to_string(),
                amount: Money(1_000_00),
                date,
                status: Status::Paid,
                entered_by: "小李".into(),
                approved_by: "王科长".into(),
                reverses: None,
                note: "首笔".into(),
            },
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = export_csv(&conn, dir.path(), "530428").unwrap();
        assert_eq!(files.len(), TABLES.len());
        assert!(files.contains(&("disbursements.csv".to_string(), 1)));
        let text = std::fs::read_to_string(dir.path().join("disbursements.csv")).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(lines.next().unwrap(), "region_code,voucher_no,program,credit_code,amount_fen,date,status,entered_by,approved_by,reverses,note,approved_date,paid_date");
        assert_eq!(
            lines.next().unwrap(),
            format!("530428,YJ-2025-0001,WG2025,{code},100000,2025-03-01,paid,小李,王科长,,首笔,,")
        );
    }

    #[test]
    fn formula_names_are_neutralised_and_numbers_kept() {
        let conn = open_in_memory().unwrap();
        insert_program(&conn, &NewProgram::new("WG2025", "稳岗返还", 2025)).unwrap();
        let code = CreditCode::complete("91530428MA6K0002A").unwrap();
        insert_enterprise(
            &conn,
            &NewEnterprise {
                credit_code: code.clone(),
                name: "=cmd|' /C calc'!A0".into(),
                size: Size::Micro,
                industry: "@SUM(A1)".into(),
                township: "因远镇".into(),
                contact: "+86 138".into(),
            },
        )
        .unwrap();
        insert_allocation(
            &conn,
            &NewAllocation {
                program_code: "WG2025".into(),
                date: crate::dates::parse_date("2025-02-01").unwrap(),
                amount: Money(-5_000_00),
                doc_no: "-".into(),
                note: "调减".into(),
            },
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        export_csv(&conn, dir.path(), "530428").unwrap();
        let ents = std::fs::read_to_string(dir.path().join("enterprises.csv")).unwrap();
        let row = ents.lines().nth(1).unwrap();
        assert_eq!(
            row,
            format!("530428,{code},'=cmd|' /C calc'!A0,micro,'@SUM(A1),因远镇,'+86 138")
        );
        let allocs = std::fs::read_to_string(dir.path().join("allocations.csv")).unwrap();
        assert_eq!(
            allocs.lines().nth(1).unwrap(),
            "530428,WG2025,2025-02-01,-500000,'-,调减,,"
        );
    }

    #[test]
    fn bad_region_is_refused_before_writing() {
        let conn = open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x");
        assert!(export_csv(&conn, &out, "53A428").is_err());
        assert!(!out.exists());
    }
}
