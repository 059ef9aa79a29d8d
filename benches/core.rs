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
//! - the lookup per keystroke over 50,000 enterprises: the in-memory index the 查询
//!   screen uses (name fragment, pinyin initials), and the SQL LIKE reference;
//! - the TUI in-process on ratatui's TestBackend (160×48): start to first full frame,
//!   split into its parts, and every listed key (scroll, PgDn, jump to end, switch
//!   screen, sort, open a program, type a lookup character) as key → update → redrawn
//!   frame, p50 and p99.
//!
//! `BENCH_DB=bench/out/zhida.db` reuses a database loaded by `bench/run.sh` (nothing is
//! generated or written; it is opened as the TUI opens it).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use rusqlite::{params, Connection};
use zhida_core::dates::Month;
use zhida_core::gen::{generate, GenConfig};
use zhida_core::repo::{listing, program_figures, summary};
use zhida_core::search::EnterpriseIndex;
use zhida_core::{CreditCode, Money};

// The binary's modules, compiled into the bench (the package has no library target), so
// that the TUI is measured in-process as the terminal runs it.
#[allow(dead_code, unused_imports)]
#[path = "../src/cli/mod.rs"]
mod cli;
#[allow(dead_code, unused_imports)]
#[path = "../src/tui/mod.rs"]
mod tui;

use tui::app::App;
use tui::keymap::KeySpec;

struct Stats {
    median: Duration,
    p99: Duration,
    /// CPU time of this thread (user + sys): what the work costs, without the time the
    /// scheduler gave other jobs on the shared cores
    cpu_median: Duration,
    cpu_p99: Duration,
    n: usize,
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Wall and CPU time of one call.
fn measure(f: impl FnOnce()) -> (Duration, Duration) {
    let (t, c) = (Instant::now(), thread_cpu());
    f();
    (t.elapsed(), thread_cpu().saturating_sub(c))
}

fn stats(mut v: Vec<(Duration, Duration)>) -> Stats {
    let n = v.len();
    let pick = |v: &[Duration]| (v[n / 2], v[((n * 99) / 100).min(n - 1)]);
    let mut wall: Vec<Duration> = v.iter().map(|x| x.0).collect();
    wall.sort();
    v.sort_by_key(|x| x.1);
    let cpu: Vec<Duration> = v.iter().map(|x| x.1).collect();
    let ((median, p99), (cpu_median, cpu_p99)) = (pick(&wall), pick(&cpu));
    Stats {
        median,
        p99,
        cpu_median,
        cpu_p99,
        n,
    }
}

/// Run `f` `n` times (after one warm-up) and return the median and p99 of the runs.
fn time<F: FnMut()>(n: usize, mut f: F) -> Stats {
    f();
    stats((0..n).map(|_| measure(&mut f)).collect())
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
        "| {op} | {} | {} | {} | {} | {} | {budget} |",
        show(s.median),
        show(s.p99),
        show(s.cpu_median),
        show(s.cpu_p99),
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
    // the summary is rebuilt at the end instead of row by row
    let suspended = summary::suspend_triggers(&tx).unwrap();
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
    summary::resume_triggers(&tx, suspended, &summary::Deltas::default()).unwrap();
    tx.commit().unwrap();
    // the indexes back, as schema.sql defines them
    conn.execute_batch("PRAGMA threads = 2;").unwrap();
    conn.execute_batch(zhida_core::db::SCHEMA).unwrap();
    conn.execute_batch("ANALYZE;").unwrap();
    summary::rebuild(conn).unwrap();
}

fn main() {
    // the allocator as the TUI sets it up (big blocks by mmap: see tune_allocator)
    tui::background::tune_allocator();
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful either
    let rows: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let reuse = std::env::var_os("BENCH_DB").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    match &reuse {
        Some(p) => println!("## zhida in-process bench (database {})\n", p.display()),
        None => println!(
            "## zhida in-process bench ({rows} disbursements, 200 programs, 50,000 enterprises)\n"
        ),
    }
    println!("| operation | median | p99 | cpu median | cpu p99 | runs | budget |");
    println!("|---|---|---|---|---|---|---|");

    let db = match &reuse {
        Some(p) => p.clone(),
        None => {
            generated(rows, &data);
            let db = tmp.path().join("bench.db");
            let conn = zhida_core::db::open(&db).unwrap();
            let t = Instant::now();
            load(&conn, &data);
            println!(
                "| raw bulk load (prepared inserts + 5 indexes + ANALYZE + summary), once | {} | | | | 1 | — (reference for import) |",
                show(t.elapsed())
            );
            db
        }
    };
    if std::env::var_os("BENCH_RSS").is_some() {
        let rss = || {
            let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            s.lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
                .collect::<Vec<_>>()
                .join("/")
        };
        eprintln!("start {}", rss());
        let (mut app, mut term) = start(&db);
        eprintln!("first frame {}", rss());
        settle(&mut app);
        eprintln!("index {}", rss());
        for k in "2jjjjG".chars() {
            press(&mut app, &mut term, ch(k));
        }
        eprintln!("2jjjjG {}", rss());
        press(&mut app, &mut term, ch('4'));
        press(&mut app, &mut term, ch('G'));
        eprintln!("4G {}", rss());
        press(&mut app, &mut term, ch('3'));
        press(&mut app, &mut term, ch('p'));
        press(&mut app, &mut term, ch('j'));
        eprintln!("3pj {}", rss());
        return;
    }
    if let Ok(what) = std::env::var("BENCH_PROFILE") {
        // for `perf record`: one key pressed many times. PROFILE is a screen key, then
        // the keys pressed before each timed key, then the timed key (⏎ Enter, ⎋ Esc):
        // `2j` times j on 项目, `2⎋jjj⏎` times opening every third program
        let key = |c: char| match c {
            '⏎' => code(KeyCode::Enter),
            '⎋' => code(KeyCode::Esc),
            c => ch(c),
        };
        let mut c: Vec<char> = what.chars().collect();
        let screen = if c.is_empty() { '2' } else { c.remove(0) };
        let timed = c.pop().unwrap_or('j');
        // the keys before press i: back to the top now and then (after the ⎋ that
        // leaves a program)
        let before = |i: usize| {
            let mut keys: Vec<KeySpec> = c.iter().map(|&k| key(k)).collect();
            if i.is_multiple_of(60) {
                keys.insert(keys.len().min(1), ch('g'));
            }
            keys
        };
        let (mut app, mut term) = start(&db);
        press(&mut app, &mut term, ch(screen));
        let s = keys(&mut app, &mut term, 3000, |_| key(timed), before);
        row(&format!("profile: {what}"), &s, "");
        // the same key again, its handling and its frame timed apart
        let (mut handled, mut drawn) = (Vec::new(), Vec::new());
        for i in 0..=600 {
            for k in before(i) {
                press(&mut app, &mut term, k);
            }
            deliver(&mut app, &mut term);
            let h = measure(|| {
                app.handle_key(key(timed));
            });
            let d = measure(|| {
                term.draw(|f| tui::ui::render(&app, f)).unwrap();
            });
            if i > 0 {
                // press 0 is the warm-up, as in `keys`
                handled.push(h);
                drawn.push(d);
            }
        }
        row(
            &format!("profile: {what}, handling alone"),
            &stats(handled),
            "",
        );
        row(
            &format!("profile: {what}, its frame alone"),
            &stats(drawn),
            "",
        );
        return;
    }
    // BENCH_TUI=1: the TUI's rows only; BENCH_TUI=write: its write only
    if std::env::var("BENCH_TUI").as_deref() == Ok("write") {
        tui_write_bench(&db);
        return;
    }
    if std::env::var_os("BENCH_TUI").is_none() {
        let conn = zhida_core::db::open(&db).unwrap();
        figures(&conn);
        lookup(&conn);
        drop(conn);
    }
    tui_bench(&db);
}

/// Generate the data set and time the parsers on it.
fn generated(rows: u64, data: &Path) {
    let cfg = GenConfig {
        rows,
        programs: 200,
        enterprises: 50_000,
        seed: 1,
    };
    let g = time(3, || {
        generate(&cfg, data).unwrap();
    });
    let per_m = |d: Duration| Duration::from_secs_f64(d.as_secs_f64() * 1e6 / rows as f64);
    row(
        &format!("gen {rows} rows, per 1M rows"),
        &Stats {
            median: per_m(g.median),
            p99: per_m(g.p99),
            cpu_median: per_m(g.cpu_median),
            cpu_p99: per_m(g.cpu_p99),
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
}

/// Program figures: the direct aggregate (what the summary replaces) and the summary.
fn figures(conn: &Connection) {
    let june = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let s = time(3, || {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT program_id, SUM(amount_fen) FROM disbursement
                 WHERE date <= ?1 GROUP BY program_id)",
                [zhida_core::dates::iso(june)],
                |r| r.get(0),
            )
            .unwrap();
        black_box(n);
    });
    row(
        "direct per-program aggregate of disbursements ≤ 2025-06-30 (what the summary replaces)",
        &s,
        "off the UI thread",
    );
    let s = time(3, || {
        conn.execute_batch("SAVEPOINT bench").unwrap();
        summary::rebuild(conn).unwrap();
        conn.execute_batch("ROLLBACK TO bench; RELEASE bench")
            .unwrap();
    });
    row(
        "repo::summary::rebuild (repair only; no write path needs it)",
        &s,
        "—",
    );
    let s = time(200, || {
        black_box(program_figures(conn, june).unwrap());
    });
    row(
        "repo::program_figures as of a month end (from the summary)",
        &s,
        "≤ 5 ms",
    );
    let mid = NaiveDate::from_ymd_opt(2025, 6, 17).unwrap();
    let s = time(50, || {
        black_box(program_figures(conn, mid).unwrap());
    });
    row(
        "repo::program_figures as of 2025-06-17 (summary + one month's index entries)",
        &s,
        "≤ 50 ms",
    );
    let from = Month::new(2024, 1).unwrap();
    let to = Month::new(2025, 12).unwrap();
    let s = time(200, || {
        black_box(summary::monthly_paid(conn, None, from, to).unwrap());
    });
    row(
        "repo::summary::monthly_paid, 24 months, all programs (overview chart)",
        &s,
        "≤ 5 ms",
    );
}

/// Lookup as you type over 50,000 enterprises: the 查询 screen's in-memory index, and
/// the SQL a screen without it would run (first 50 hits).
fn lookup(conn: &Connection) {
    let name: String = conn
        .query_row("SELECT name FROM enterprise WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let chars: Vec<char> = name.chars().skip(3).take(4).collect();
    let (initials, _) = zhida_core::pinyin_keys::pinyin_keys(&name);
    let prefixes: Vec<String> = (1..=chars.len())
        .map(|n| chars[..n].iter().collect())
        .collect();
    let ini: Vec<String> = (1..=initials.len().min(6))
        .map(|n| initials[3..].chars().take(n).collect())
        .collect();

    let s = time(5, || {
        black_box(EnterpriseIndex::load(conn).unwrap());
    });
    row(
        "lookup index load, 50,000 enterprises (once, when 查询 is first opened)",
        &s,
        "—",
    );
    let index = EnterpriseIndex::load(conn).unwrap();
    for (what, q) in [("name", &prefixes[0]), ("pinyin initial", &ini[0])] {
        let s = time(100, || {
            black_box(index.search(q, None, 200));
        });
        row(
            &format!("lookup first keystroke, in-memory index, {what} '{q}' (scans all 50k)"),
            &s,
            "≤ 5 ms",
        );
    }
    // typing: each keystroke searches within the previous keystroke's matches, as the
    // screen does; the first character scans all 50,000
    for (what, qs) in [("name fragment", &prefixes), ("pinyin initials", &ini)] {
        let mut k = 0;
        let mut prev: Option<zhida_core::search::Found> = None;
        let s = time(400, || {
            let i = k % qs.len();
            if i == 0 {
                prev = None;
            }
            let f = index.search(&qs[i], prev.as_ref().map(|f| f.all.as_slice()), 200);
            prev = Some(black_box(f));
            k += 1;
        });
        row(
            &format!(
                "lookup keystroke, in-memory index over 50k, {what} '{}' typed one character at a time",
                qs.last().unwrap()
            ),
            &s,
            "≤ 5 ms",
        );
    }

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
}

const W: u16 = 160;
const H: u16 = 48;

fn ch(c: char) -> KeySpec {
    KeySpec::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeySpec {
    KeySpec::new(c, KeyModifiers::NONE)
}

/// A new app on `db` as the terminal starts it, with its first frame drawn.
fn start(db: &Path) -> (App, Terminal<TestBackend>) {
    let conn = zhida_core::db::open(db).unwrap();
    let actor = zhida_core::users::Actor::load(&conn, "bench").unwrap();
    let config = zhida_core::config::Config::default();
    let mut app = App::build(
        conn,
        actor,
        zhida_core::Lang::Zh,
        &config,
        zhida_core::dates::today(),
    );
    app.resize(W, H);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| tui::ui::render(&app, f)).unwrap();
    app.load();
    term.draw(|f| tui::ui::render(&app, f)).unwrap();
    app.warm();
    (app, term)
}

/// Wait for the background jobs (the lookup index) and apply them, as the event loop does.
fn settle(app: &mut App) -> Duration {
    let t = Instant::now();
    while app.jobs_running() {
        std::thread::sleep(Duration::from_millis(1));
        if app.jobs_ready() {
            app.update(tui::action::Action::Background);
        }
    }
    app.update(tui::action::Action::Background);
    t.elapsed()
}

/// The background jobs that have finished, applied and drawn as the event loop does
/// between keys (it wakes for each finished job), so that no key's time includes them.
fn deliver(app: &mut App, term: &mut Terminal<TestBackend>) {
    if app.jobs_ready() {
        app.update(tui::action::Action::Background);
        term.draw(|f| tui::ui::render(app, f)).unwrap();
    }
}

/// One key as the terminal handles it: update, then the redrawn frame.
fn press(app: &mut App, term: &mut Terminal<TestBackend>, k: KeySpec) {
    app.handle_key(k);
    term.draw(|f| tui::ui::render(app, f)).unwrap();
}

/// Time `n` presses of `key(i)`; before press i, `reset(i)` keys (untimed) restore the
/// state the key starts from (e.g. `g` before each `G`).
fn keys(
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    n: usize,
    mut key: impl FnMut(usize) -> KeySpec,
    mut reset: impl FnMut(usize) -> Vec<KeySpec>,
) -> Stats {
    let mut v = Vec::with_capacity(n);
    for i in 0..=n {
        for k in reset(i) {
            press(app, term, k);
        }
        deliver(app, term);
        let k = key(i);
        let m = measure(|| press(app, term, k));
        if i > 0 {
            // press 0 is the warm-up
            v.push(m);
        }
    }
    stats(v)
}

fn none(_: usize) -> Vec<KeySpec> {
    Vec::new()
}

/// Keys before press i: `k` before every n-th press (back to the top now and then).
fn every(n: usize, k: KeySpec) -> impl FnMut(usize) -> Vec<KeySpec> {
    move |i| if i % n == 0 { vec![k] } else { Vec::new() }
}

/// The TUI in-process on TestBackend: first frame and every listed key.
fn tui_bench(db: &Path) {
    const KEY_BUDGET: &str = "p99 ≤ 5 ms, typical ≤ 1 ms";
    // the parts of the first frame
    let s = time(10, || {
        black_box(zhida_core::db::open(db).unwrap());
    });
    row("TUI start: db::open (pragmas, schema check)", &s, "—");
    let conn = zhida_core::db::open(db).unwrap();
    let today = zhida_core::dates::today();
    let s = time(10, || {
        black_box(listing::default_as_of_month(&conn, today).unwrap());
    });
    row("TUI start: default as-of month", &s, "—");
    let month = listing::default_as_of_month(&conn, today).unwrap();
    let s = time(10, || {
        black_box(program_figures(&conn, month.last_day()).unwrap());
    });
    row(
        &format!("TUI start: program figures as of {month}"),
        &s,
        "—",
    );
    let jan = Month::new(month.year, 1).unwrap();
    let s = time(10, || {
        black_box(listing::paid_per_month(&conn, jan, month).unwrap());
    });
    row("TUI start: paid per month", &s, "—");
    drop(conn);
    // the same steps as `start`, each timed
    let mut parts: Vec<Vec<(Duration, Duration)>> = vec![Vec::new(); 5];
    for _ in 0..10 {
        let mut conn = None;
        parts[0].push(measure(|| {
            conn = Some(zhida_core::db::open(db).unwrap());
        }));
        let conn = conn.unwrap();
        let mut app = None;
        parts[1].push(measure(|| {
            let actor = zhida_core::users::Actor::load(&conn, "bench").unwrap();
            let config = zhida_core::config::Config::default();
            app = Some(App::build(
                conn,
                actor,
                zhida_core::Lang::Zh,
                &config,
                zhida_core::dates::today(),
            ));
        }));
        let mut app = app.unwrap();
        app.resize(W, H);
        let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
        parts[2].push(measure(|| {
            term.draw(|f| tui::ui::render(&app, f)).unwrap();
        }));
        parts[3].push(measure(|| app.load()));
        parts[4].push(measure(|| {
            term.draw(|f| tui::ui::render(&app, f)).unwrap();
        }));
    }
    for (what, v) in [
        "db::open",
        "actor + App::build (keymap, as-of month, screens)",
        "draw the shell",
        "App::load (总览 refresh)",
        "draw 总览",
    ]
    .iter()
    .zip(parts)
    {
        row(&format!("TUI start, part: {what}"), &stats(v), "—");
    }
    let s = time(10, || {
        black_box(start(db));
    });
    row(
        "TUI start → first full frame, in-process (open, build, shell, load 总览, draw)",
        &s,
        "≤ 50 ms whole process",
    );

    let v = (0..5)
        .map(|_| {
            let (mut app, _term) = start(db);
            (settle(&mut app), Duration::ZERO)
        })
        .collect();
    row(
        "TUI background: lookup index ready after the first frame (wall; own thread)",
        &stats(v),
        "— (before the user reaches 查询)",
    );

    // first arrival on each screen right after start (拨付 was loaded with the first
    // frame's warm-up, the screens that load alone; 项目, 查询 and 绩效 load on the key)
    for (key, name) in [('2', "项目"), ('3', "查询"), ('4', "拨付"), ('6', "绩效")] {
        let v = (0..5)
            .map(|_| {
                let (mut app, mut term) = start(db);
                measure(|| press(&mut app, &mut term, ch(key)))
            })
            .collect();
        row(
            &format!("TUI first arrival on {name} ({key}) right after start"),
            &stats(v),
            KEY_BUDGET,
        );
    }

    // the same once the user has paused: the event loop's idle calls, one per pause,
    // have loaded the screens beside the current one (each call timed: a key that comes
    // during one waits for it)
    let mut pauses = Vec::new();
    let screens = [('4', "拨付"), ('6', "绩效")];
    let mut arrivals = vec![Vec::new(); screens.len()];
    for _ in 0..5 {
        for ((key, _), v) in screens.iter().zip(&mut arrivals) {
            let (mut app, mut term) = start(db);
            settle(&mut app);
            while app.idle_due() {
                pauses.push(measure(|| app.idle()));
                settle(&mut app);
            }
            v.push(measure(|| press(&mut app, &mut term, ch(*key))));
        }
    }
    row(
        "TUI pause: one screen loaded ahead (App::idle, UI thread; a key waits for at most one)",
        &stats(pauses),
        "p99 ≤ 5 ms",
    );
    for ((key, name), v) in screens.into_iter().zip(arrivals) {
        row(
            &format!("TUI first arrival on {name} ({key}) after the user's pauses (loaded ahead)"),
            &stats(v),
            KEY_BUDGET,
        );
    }

    let (mut app, mut term) = start(db);
    settle(&mut app);
    let (down, pgdn, end, top) = (ch('j'), code(KeyCode::PageDown), ch('G'), ch('g'));
    let s = keys(&mut app, &mut term, 100, |_| down, none);
    row("TUI key on 总览: j (lagging list)", &s, KEY_BUDGET);

    // 项目: the programs table
    press(&mut app, &mut term, ch('2'));
    let s = keys(&mut app, &mut term, 300, |_| down, every(150, top));
    row("TUI key on 项目: j", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 100, |_| pgdn, every(4, top));
    row("TUI key on 项目: PgDn", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 100, |_| end, |_| vec![top]);
    row("TUI key on 项目: G (jump to end)", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 90, |_| ch('s'), none);
    row("TUI key on 项目: s (sort by next column)", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 90, |_| ch('S'), none);
    row("TUI key on 项目: S (reverse sort)", &s, KEY_BUDGET);
    let s = keys(
        &mut app,
        &mut term,
        60,
        |_| code(KeyCode::Enter),
        |i| {
            if i == 0 {
                vec![top]
            } else {
                vec![code(KeyCode::Esc), down, down, down]
            }
        },
    );
    row(
        "TUI key on 项目: Enter right after moving (open a program: figures, allocations, first page of its disbursements, …)",
        &s,
        KEY_BUDGET,
    );
    // the same after the pause a user makes between moving and Enter: the background
    // prefetch of the programs beside the selection is in
    let mut v = Vec::with_capacity(60);
    press(&mut app, &mut term, top);
    for i in 0..=60 {
        if i > 0 {
            for k in [code(KeyCode::Esc), down, down, down] {
                press(&mut app, &mut term, k);
            }
        }
        app.idle();
        settle(&mut app);
        let m = measure(|| press(&mut app, &mut term, code(KeyCode::Enter)));
        if i > 0 {
            v.push(m);
        }
    }
    row(
        "TUI key on 项目: Enter after a pause (the programs beside the selection prefetched)",
        &stats(v),
        KEY_BUDGET,
    );
    let s = keys(&mut app, &mut term, 300, |_| down, none);
    row(
        "TUI key in a program: j (its disbursements)",
        &s,
        KEY_BUDGET,
    );
    let s = keys(&mut app, &mut term, 100, |_| pgdn, none);
    row("TUI key in a program: PgDn (keyset page)", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 50, |_| end, |_| vec![top]);
    row("TUI key in a program: G (last page)", &s, KEY_BUDGET);
    let s = keys(
        &mut app,
        &mut term,
        50,
        |_| code(KeyCode::Esc),
        |_| vec![code(KeyCode::Enter)],
    );
    row(
        "TUI key in a program: Esc (back to the table)",
        &s,
        KEY_BUDGET,
    );

    // 拨付: the register of every disbursement (1M rows)
    press(&mut app, &mut term, ch('4'));
    let s = keys(&mut app, &mut term, 300, |_| down, none);
    row("TUI key on 拨付 (1M rows): j", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 200, |_| pgdn, none);
    row(
        "TUI key on 拨付 (1M rows): PgDn (keyset page)",
        &s,
        KEY_BUDGET,
    );
    let s = keys(&mut app, &mut term, 50, |_| end, |_| vec![top]);
    row("TUI key on 拨付 (1M rows): G (jump to end)", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 50, |_| top, |_| vec![end]);
    row(
        "TUI key on 拨付 (1M rows): g (jump to start)",
        &s,
        KEY_BUDGET,
    );

    // 月结: the month's 68,545 findings grouped by rule (month-end review)
    press(&mut app, &mut term, ch('7'));
    let s = keys(&mut app, &mut term, 300, |_| down, every(150, top));
    row("TUI key on 月结 (68,545 findings): j", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 100, |_| pgdn, every(20, top));
    row("TUI key on 月结 (68,545 findings): PgDn", &s, KEY_BUDGET);
    let s = keys(&mut app, &mut term, 50, |_| end, |_| vec![top]);
    row(
        "TUI key on 月结 (68,545 findings): G (jump to end)",
        &s,
        KEY_BUDGET,
    );
    // Enter on the last finding shows it on 拨付 (a voucher rule); 7 comes back to the
    // selection kept
    let s = keys(
        &mut app,
        &mut term,
        50,
        |_| code(KeyCode::Enter),
        |_| vec![ch('7'), end],
    );
    row(
        "TUI key on 月结: Enter on the last finding (shown on 拨付)",
        &s,
        KEY_BUDGET,
    );
    let s = keys(&mut app, &mut term, 50, |_| ch('7'), |_| vec![ch('1')]);
    row(
        "TUI key: 7 back to 月结, the last finding selected",
        &s,
        KEY_BUDGET,
    );

    // switching between screens already visited
    // (not 3: on 查询 the input has focus and digits are text; Tab leaves it)
    let order = ['1', '2', '4', '6', '8'];
    for c in order {
        press(&mut app, &mut term, ch(c));
    }
    let s = keys(
        &mut app,
        &mut term,
        120,
        |i| ch(order[i % order.len()]),
        none,
    );
    row(
        "TUI key: 1/2/4/6/8 (switch screen, visited)",
        &s,
        KEY_BUDGET,
    );
    let s = keys(&mut app, &mut term, 120, |_| code(KeyCode::Tab), none);
    row("TUI key: Tab (next screen)", &s, KEY_BUDGET);
    press(&mut app, &mut term, ch('1'));
    let s = keys(
        &mut app,
        &mut term,
        20,
        |i| ch(if i % 2 == 0 { '[' } else { ']' }),
        none,
    );
    row(
        "TUI key on 总览: [ / ] (as-of month back / forward)",
        &s,
        KEY_BUDGET,
    );

    // 查询: typing a name fragment and pinyin initials
    press(&mut app, &mut term, ch('3'));
    let name: String = app
        .conn
        .query_row("SELECT name FROM enterprise WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    let frag: Vec<char> = name.chars().skip(3).take(4).collect();
    let (initials, _) = zhida_core::pinyin_keys::pinyin_keys(&name);
    let ini: Vec<char> = initials.chars().skip(3).take(5).collect();
    let bs = code(KeyCode::Backspace);
    for (what, q) in [("name fragment", &frag), ("pinyin initials", &ini)] {
        let text: String = q.iter().collect();
        let s = keys(
            &mut app,
            &mut term,
            200,
            |i| ch(q[i % q.len()]),
            |i| {
                if i % q.len() == 0 {
                    vec![bs; q.len()]
                } else {
                    vec![]
                }
            },
        );
        row(
            &format!("TUI key on 查询: type a character of {what} '{text}'"),
            &s,
            KEY_BUDGET,
        );
    }
    let s = keys(
        &mut app,
        &mut term,
        100,
        |_| bs,
        |i| {
            if i % frag.len() == 0 {
                frag.iter().map(|c| ch(*c)).collect()
            } else {
                vec![]
            }
        },
    );
    row("TUI key on 查询: Backspace", &s, KEY_BUDGET);
    // Enter on the first result opens its 一企一档 (the enterprise's file: every
    // disbursement, what it can still receive); Esc goes back to the results
    for c in frag.iter() {
        press(&mut app, &mut term, ch(*c));
    }
    let s = keys(
        &mut app,
        &mut term,
        50,
        |_| code(KeyCode::Enter),
        |i| {
            if i > 0 {
                vec![code(KeyCode::Esc)]
            } else {
                vec![]
            }
        },
    );
    row(
        "TUI key on 查询: Enter (the enterprise's 一企一档)",
        &s,
        KEY_BUDGET,
    );
    drop((app, term));
    tui_write_bench(db);
}

/// A write from the keyboard (`BENCH_TUI=write`: this alone).
fn tui_write_bench(db: &Path) {
    // a write from the keyboard, on a copy of the database (the bench's own stays as
    // it is): acknowledging the last of the month's findings on 月结 (a → note → Enter
    // to confirm → Enter writes: the acknowledgement and its audit row in one
    // transaction, synchronous = FULL, then every screen marked for reloading and 月结
    // reloaded with the finding still selected)
    let copy = tempfile::tempdir().unwrap();
    let db_copy = copy.path().join("ack.db");
    std::fs::copy(db, &db_copy).unwrap();
    let (mut app, mut term) = start(&db_copy);
    settle(&mut app);
    press(&mut app, &mut term, ch('7'));
    let s = keys(
        &mut app,
        &mut term,
        20,
        |_| code(KeyCode::Enter),
        |_| vec![ch('G'), ch('a'), ch('已'), ch('核'), code(KeyCode::Enter)],
    );
    row(
        "TUI write on 月结: Enter acknowledging the last finding (write, fsync, reload)",
        &s,
        "— (a write; not a budgeted key)",
    );
}
