//! Speed of `run_checks` on a synthetic database of 200 programs, 50,000 enterprises
//! and 1,000,000 disbursements, against one full scan of the disbursement table.
//! Ignored by default (it builds a big file): `cargo test --release --test check_perf -- --ignored --nocapture`.

use std::time::Instant;

use zhida_core::checks::{run_checks, CheckFilter};
use zhida_core::config::CheckConfig;
use zhida_core::Lang;

fn fill(conn: &rusqlite::Connection, n: i64) {
    conn.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 200)
         INSERT INTO program (id, code, name, department, level, fiscal_year, cap_per_enterprise_fen,
                              once_per_year, exclusive_group, eligible_sizes, end_date)
         SELECT x, printf('XM%04d', x), '惠企项目' || x, '部门' || (x % 7),
                CASE x % 4 WHEN 0 THEN 'central' WHEN 1 THEN 'provincial' WHEN 2 THEN 'municipal' ELSE 'county' END,
                2025, CASE WHEN x % 5 = 0 THEN 5000000 END, x % 7 = 0,
                CASE WHEN x % 11 = 0 THEN 'G' || (x % 3) END,
                CASE WHEN x % 13 = 0 THEN 'small;micro' ELSE '' END,
                CASE WHEN x % 17 = 0 THEN '2025-03-31' END
         FROM i;
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 200)
         INSERT INTO allocation (program_id, date, amount_fen, doc_no)
         SELECT x, '2025-01-15', 50000000000, '元财〔2025〕' || x FROM i;
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 50000)
         INSERT INTO enterprise (id, credit_code, name, size)
         SELECT x, printf('91530428%010d', x), '元江县企业' || x || '有限公司',
                CASE x % 5 WHEN 0 THEN 'large' WHEN 1 THEN 'medium' WHEN 2 THEN 'small' WHEN 3 THEN 'micro' ELSE 'individual' END
         FROM i;
         WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < {n})
         INSERT INTO disbursement (id, voucher_no, program_id, enterprise_id, amount_fen, date, status, entered_by, approved_by)
         SELECT x, printf('PZ2025%08d', x), 1 + ((x * 40503) % 65521) % 200,
                1 + ((x * 2654435761) % 4294967291) % 50000,
                100 * (1000 + ((x * 7) % 1009) * 37),
                date('2025-01-01', '+' || ((x * 37) % 365) || ' days'),
                CASE WHEN x % 50 = 0 THEN 'pending' WHEN x % 53 = 0 THEN 'approved' WHEN x % 97 = 0 THEN 'rejected' ELSE 'paid' END,
                '小李', CASE WHEN x % 1000 = 0 THEN '小李' ELSE '王科长' END
         FROM i;
         COMMIT;
         ANALYZE;"
    ))
    .unwrap();
}

#[test]
#[ignore]
fn checks_on_a_million_disbursements() {
    // ZHIDA_PERF_DB=/tmp/big.db keeps the filled file between runs
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var("ZHIDA_PERF_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("big.db"));
    let fresh = !path.exists();
    let conn = zhida_core::db::open(&path).unwrap();
    if fresh {
        let t = Instant::now();
        fill(&conn, 1_000_000);
        eprintln!("fill: {:?}", t.elapsed());
    }
    let as_of = zhida_core::dates::parse_date("2025-12-31").unwrap();
    let cfg = CheckConfig::default();
    for _ in 0..3 {
        let t = Instant::now();
        let (n, s): (i64, i64) = conn
            .query_row(
                "SELECT count(*), sum(amount_fen) FROM disbursement",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let scan = t.elapsed();
        let t = Instant::now();
        zhida_core::repo::program_figures(&conn, as_of).unwrap();
        eprintln!("program_figures {:?}", t.elapsed());
        let t = Instant::now();
        let f = run_checks(&conn, as_of, &cfg, Lang::Zh, &CheckFilter::default()).unwrap();
        let checks = t.elapsed();
        eprintln!(
            "rows {n} sum {s}: full scan {scan:?}, run_checks {checks:?} ({} findings), ratio {:.2}",
            f.len(),
            checks.as_secs_f64() / scan.as_secs_f64()
        );
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for x in &f {
            *by.entry(x.rule.as_str()).or_default() += 1;
        }
        eprintln!("{by:?}");
    }
}
