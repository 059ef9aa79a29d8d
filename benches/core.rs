//! In-process timings of the domain layer (`cargo bench --bench core`), printed as a
//! markdown table. No criterion: a few medians and p99s of wall time are all the budgets
//! need, and the 2-core machine is better spent on the measurement than on the harness.
//!
//! BENCH_ROWS (default 1,000,000) disbursements over 200 programs and 50,000 enterprises
//! are generated with `zhida gen`'s generator and loaded by a fast raw SQL path (one
//! prepared INSERT per table, indexes built after the load), then:
//! - gen throughput, Money::parse, CreditCode::parse;
//! - `repo::figures::program_figures` (direct aggregate) against the maintained
//!   `repo::summary` (rebuild once, then reads);
//! - the SQL a lookup screen would run per keystroke over 50,000 enterprises (name
//!   fragment and pinyin initials), as a reference for the ≤ 5 ms budget.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::{params, Connection};
use zhida_core::dates::Month;
use zhida_core::gen::{generate, GenConfig};
use zhida_core::repo::{program_figures, summary};
use zhida_core::{CreditCode, Money};

struct Stats {
    median: Duration,
    p99: Duration,
    n: usize,
}

/// Run `f` `n` times (after one warm-up) and return the median and p99 of the runs.
fn time<F: FnMut()>(n: usize, mut f: F) -> Stats {
    f();
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    Stats {
        median: v[v.len() / 2],
        p99: v[((v.len() * 99) / 100).min(v.len() - 1)],
        n,
    }
}

fn show(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns >= 1_000_000_000 {
        format!("{:.2} s", d.as_secs_f64())
    } else if ns >= 1_000_000 {
        format!("{:.2} ms", ns as f64 / 1e6)
    } else if ns >= 1_000 {
        format!("{:.2} µs", ns as f64 / 1e3)
    } else {
        format!("{ns} ns")
    }
}

fn row(op: &str, s: &Stats, budget: &str) {
    println!(
        "| {op} | {} | {} | {} | {budget} |",
        show(s.median),
        show(s.p99),
        s.n
    );
}

/// `12345.67` → fen, for the generator's own output (always two decimals).
fn fen(s: &str) -> i64 {
    let neg = s.starts_with('-');
    let digits: i64 = s
        .trim_start_matches('-')
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |a, b| a * 10 + (b - b'0') as i64);
    if neg {
        -digits
    } else {
        digits
    }
}

/// The raw bulk path: prepared inserts in one transaction, disbursement indexes dropped
/// during the load and rebuilt from the schema afterwards.
fn load(conn: &Connection, dir: &Path) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    conn.execute_batch(
        "DROP INDEX ix_disb_program_date; DROP INDEX ix_disb_enterprise_date; DROP INDEX ix_disb_date;
         DROP INDEX ix_disb_reverses; DROP INDEX ix_disb_open;",
    )
    .unwrap();
    let tx = conn.unchecked_transaction().unwrap();
    let mut programs = HashMap::new();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO program (code, name, department, level, fiscal_year, policy_ref, is_direct, start_date,
                 end_date, cap_per_enterprise_fen, once_per_year, exclusive_group, eligible_sizes, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .unwrap();
        for line in read("programs.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            ins.execute(params![
                f[0],
                f[1],
                f[2],
                f[3],
                f[4].parse::<i32>().unwrap(),
                f[5],
                f[6] == "yes",
                opt(f[7]),
                opt(f[8]),
                (!f[9].is_empty()).then(|| fen(f[9])),
                f[10] == "yes",
                opt(f[11]),
                f[12],
                f[13]
            ])
            .unwrap();
            programs.insert(f[0].to_string(), tx.last_insert_rowid());
        }
    }
    let mut enterprises = HashMap::new();
    {
        let mut ins = tx
            .prepare(
                "INSERT INTO enterprise (credit_code, name, size, industry, township, contact, py_initials, py_full)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .unwrap();
        for line in read("enterprises.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (ini, full) = zhida_core::pinyin_keys::pinyin_keys(f[1]);
            ins.execute(params![f[0], f[1], f[2], f[3], f[4], f[5], ini, full])
                .unwrap();
            enterprises.insert(f[0].to_string(), tx.last_insert_rowid());
        }
    }
    {
        let mut ins = tx
            .prepare("INSERT INTO allocation (program_id, date, amount_fen, doc_no, note) VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for line in read("allocations.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            ins.execute(params![programs[f[0]], f[1], fen(f[2]), f[3], f[4]])
                .unwrap();
        }
    }
    {
        // voucher PZ…n is the file's n-th row: it becomes the row id, so that a reversal's
        // `reverses` resolves without a lookup
        let mut ins = tx
            .prepare(
                "INSERT INTO disbursement (id, voucher_no, program_id, enterprise_id, amount_fen, date, status,
                 entered_by, approved_by, reverses_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .unwrap();
        let text = read("disbursements.csv");
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let id: i64 = f[0][2..].parse().unwrap();
            let rev = (!f[8].is_empty()).then(|| f[8][2..].parse::<i64>().unwrap());
            ins.execute(params![
                id,
                f[0],
                programs[f[1]],
                enterprises[f[2]],
                fen(f[3]),
                f[4],
                f[5],
                f[6],
                f[7],
                rev,
                f[9]
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch(
        "PRAGMA threads = 2; \
         CREATE INDEX IF NOT EXISTS ix_disb_program_date ON disbursement(program_id, date, amount_fen, status); \
         CREATE INDEX IF NOT EXISTS ix_disb_enterprise_date ON disbursement(enterprise_id, date); \
         CREATE INDEX IF NOT EXISTS ix_disb_date ON disbursement(date); \
         CREATE INDEX IF NOT EXISTS ix_disb_reverses ON disbursement(reverses_id) WHERE reverses_id IS NOT NULL; \
         CREATE INDEX IF NOT EXISTS ix_disb_open ON disbursement(status, date) WHERE status IN ('pending', 'approved'); \
         ANALYZE;",
    )
    .unwrap();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful either
    let rows: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cfg = GenConfig {
        rows,
        programs: 200,
        enterprises: 50_000,
        seed: 1,
    };

    println!(
        "## zhida in-process bench ({rows} disbursements, 200 programs, 50,000 enterprises)\n"
    );
    println!("| operation | median | p99 | runs | budget |");
    println!("|---|---|---|---|---|");

    let g = time(3, || {
        generate(&cfg, &data).unwrap();
    });
    let per_m = |d: Duration| Duration::from_secs_f64(d.as_secs_f64() * 1e6 / rows as f64);
    row(
        &format!("gen {rows} rows, per 1M rows"),
        &Stats {
            median: per_m(g.median),
            p99: per_m(g.p99),
            n: g.n,
        },
        "≤ 0.5 s",
    );

    let amounts = ["12345.67", "12,345.67", "￥12,345.67", "1.5万", "300000"];
    let s = time(1_000, || {
        for a in amounts {
            black_box(Money::parse(black_box(a)).unwrap());
        }
    });
    row(
        "Money::parse × 5 forms",
        &s,
        "— (import parses 1M per file)",
    );
    let codes: Vec<String> = std::fs::read_to_string(data.join("enterprises.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .take(1_000)
        .map(|l| l[..18].to_string())
        .collect();
    let s = time(200, || {
        for c in &codes {
            black_box(CreditCode::parse(black_box(c)).unwrap());
        }
    });
    row("CreditCode::parse × 1,000", &s, "—");

    let db = tmp.path().join("bench.db");
    let conn = zhida_core::db::open(&db).unwrap();
    let t = Instant::now();
    load(&conn, &data);
    let loaded = t.elapsed();
    println!(
        "| raw bulk load (prepared inserts + 5 indexes + ANALYZE), once | {} | | 1 | — (reference for import) |",
        show(loaded)
    );

    let june = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let s = time(3, || {
        black_box(program_figures(&conn, june).unwrap());
    });
    row(
        "repo::figures::program_figures, as of 2025-06-30 (direct aggregate)",
        &s,
        "off the UI thread",
    );
    let s = time(3, || {
        summary::rebuild(&conn).unwrap();
    });
    row(
        "repo::summary::rebuild (after bulk import)",
        &s,
        "— (once per import)",
    );
    let s = time(200, || {
        black_box(summary::program_totals(&conn, Month::of(june)).unwrap());
    });
    row(
        "repo::summary::program_totals, month end (from summary)",
        &s,
        "≤ 5 ms",
    );
    let mid = NaiveDate::from_ymd_opt(2025, 6, 17).unwrap();
    let s = time(50, || {
        black_box(summary::program_totals_as_of(&conn, mid).unwrap());
    });
    row(
        "repo::summary::program_totals_as_of 2025-06-17 (summary + one month's rows)",
        &s,
        "≤ 50 ms",
    );
    let from = Month::new(2024, 1).unwrap();
    let to = Month::new(2025, 12).unwrap();
    let s = time(200, || {
        black_box(summary::monthly_paid(&conn, None, from, to).unwrap());
    });
    row(
        "repo::summary::monthly_paid, 24 months, all programs (overview chart)",
        &s,
        "≤ 5 ms",
    );

    // lookup as you type: the SQL a lookup screen would run per keystroke (first 50 hits)
    let name: String = conn
        .query_row("SELECT name FROM enterprise WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let chars: Vec<char> = name.chars().skip(3).take(4).collect();
    let (initials, _) = zhida_core::pinyin_keys::pinyin_keys(&name);
    let mut by_name = conn
        .prepare(
            "SELECT id, name, credit_code FROM enterprise WHERE name LIKE '%' || ?1 || '%' LIMIT 50",
        )
        .unwrap();
    let mut by_initials = conn
        .prepare(
            "SELECT id, name, credit_code FROM enterprise WHERE py_initials LIKE '%' || ?1 || '%' LIMIT 50",
        )
        .unwrap();
    let count = |stmt: &mut rusqlite::Statement<'_>, q: &str| -> usize {
        stmt.query_map([q], |r| r.get::<_, i64>(0)).unwrap().count()
    };
    let prefixes: Vec<String> = (1..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect();
    let mut k = 0;
    let s = time(400, || {
        black_box(count(&mut by_name, &prefixes[k % prefixes.len()]));
        k += 1;
    });
    row(
        &format!(
            "lookup keystroke: name LIKE over 50k, typing '{}' (SQL reference)",
            prefixes.last().unwrap()
        ),
        &s,
        "≤ 5 ms",
    );
    let ini: Vec<String> = (1..=initials.len().min(6))
        .map(|n| initials[3..].chars().take(n).collect())
        .collect();
    let mut k = 0;
    let s = time(400, || {
        black_box(count(&mut by_initials, &ini[k % ini.len()]));
        k += 1;
    });
    row(
        &format!(
            "lookup keystroke: py_initials LIKE over 50k, typing '{}' (SQL reference)",
            ini.last().unwrap()
        ),
        &s,
        "≤ 5 ms",
    );
    println!("\n(TUI keystroke latency with TestBackend: to be added with the TUI.)");
}
