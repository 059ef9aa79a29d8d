//! Crash safety: the real `zhida` binary is killed with SIGKILL at many points while it
//! writes, and the database is opened afterwards. Every time: `integrity_check` ok,
//! foreign keys hold, the audit hash chain verifies, and each imported file is wholly
//! present or wholly absent (one file = one transaction).
//!
//! Phase 1 kills `zhida import DIR` (programs, enterprises, allocations, disbursements; a
//! few thousand rows) on a fresh database, at delays spread over the import's measured
//! duration (from process start and schema creation to the last commit). Phase 2 kills
//! bursts of small writes on one long-lived database: a `zhida import` of a small
//! disbursement file and a `zhida user add` running at the same time.
//!
//! Delays come from a fixed seed, so a failure is reproducible.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use zhida_core::CreditCode;

/// Kinds written by phase 1, in the order `zhida import DIR` loads them.
const KINDS: [(&str, &str); 4] = [
    ("programs", "program"),
    ("enterprises", "enterprise"),
    ("allocations", "allocation"),
    ("disbursements", "disbursement"),
];
const PROGRAMS: usize = 40;
const ENTERPRISES: usize = 1500;
const ALLOCATIONS: usize = 400;
const DISBURSEMENTS: usize = 3000;

/// Deterministic pseudo-random numbers (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        let micros = max.as_micros().max(1) as u64;
        Duration::from_micros(self.next() % micros)
    }
}

fn credit_code(i: usize) -> String {
    CreditCode::complete(&format!("91530428MA{i:07}"))
        .unwrap()
        .into_string()
}

const TOWNSHIPS: [&str; 4] = ["澧江街道", "甘庄街道", "因远镇", "红河街道"];
const TRADES: [&str; 4] = ["芒果种植", "红糖加工", "食品", "农业科技"];

/// programs.csv, enterprises.csv, allocations.csv, disbursements.csv in `dir`.
fn write_files(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut p = String::from("code,name,department,level,fiscal_year,policy_ref,is_direct,start_date,end_date,cap_per_enterprise,once_per_year,exclusive_group,eligible_sizes\n");
    for k in 0..PROGRAMS {
        p += &format!(
            "WG-2025-{k:02},稳岗返还第{k}批,人社局,县级,2025,元人社发〔2025〕{k}号,是,2025-01-01,2025-12-31,,否,,\n"
        );
    }
    std::fs::write(dir.join("programs.csv"), p).unwrap();
    let mut e = String::from("credit_code,name,size,industry,township,contact\n");
    for i in 0..ENTERPRISES {
        let t = TOWNSHIPS[i % 4];
        e += &format!(
            "{},元江县{t}{}{i}号有限公司,small,{},{t},李明\n",
            credit_code(i),
            TRADES[i % 4],
            TRADES[(i / 4) % 4]
        );
    }
    std::fs::write(dir.join("enterprises.csv"), e).unwrap();
    let mut a = String::from("program,date,amount,doc_no,note\n");
    for i in 0..ALLOCATIONS {
        a += &format!(
            "WG-2025-{:02},2025-{:02}-10,\"{},000.00\",元财社〔2025〕{i}号,指标下达\n",
            i % PROGRAMS,
            1 + i % 12,
            100 + i
        );
    }
    std::fs::write(dir.join("allocations.csv"), a).unwrap();
    let mut d = String::from(
        "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n",
    );
    // Long notes take the file over the importer's 4 MiB bulk threshold, so the kills
    // also land while the disbursement indexes are dropped and rebuilt.
    let long_note = "稳岗返还资金按规定拨付至企业基本账户。".repeat(26);
    for i in 0..DISBURSEMENTS {
        let line = disbursement_line(&format!("YJ-2025-{i:06}"), i);
        d += &line.replace(",稳岗返还拨付\n", &format!(",{long_note}\n"));
    }
    assert!(d.len() > 4 * 1024 * 1024, "{} bytes", d.len());
    std::fs::write(dir.join("disbursements.csv"), d).unwrap();
}

fn disbursement_line(voucher: &str, i: usize) -> String {
    let (status, approver) = match i % 3 {
        0 => ("paid", "王科长"),
        1 => ("approved", "王科长"),
        _ => ("pending", ""),
    };
    format!(
        "{voucher},WG-2025-{:02},{},{}.{:02},2025-{:02}-{:02},{status},小李,{approver},,稳岗返还拨付\n",
        i % PROGRAMS,
        credit_code(i % ENTERPRISES),
        1000 + i,
        i % 100,
        1 + i % 12,
        1 + i % 28
    )
}

fn zhida(db: &Path, user: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zhida"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ZHIDA_DB")
        .env("ZHIDA_USER", user)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Kill `child` with SIGKILL after `delay`. True when it was still running (a real kill
/// point), false when it had already finished.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    let until = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                e.read_to_string(&mut err).unwrap();
            }
            assert!(status.success(), "finished with {status}: {err}");
            return false;
        }
        let now = Instant::now();
        if now >= until {
            break;
        }
        std::thread::sleep((until - now).min(Duration::from_micros(500)));
    }
    // Child::kill sends SIGKILL on Unix: no destructor, no rollback, no unlock.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        // it may have finished between try_wait and kill
        if status.signal().is_none() {
            assert!(status.success(), "{status}");
            return false;
        }
        assert_eq!(status.signal(), Some(9));
    }
    true
}

fn count(conn: &Connection, sql: &str) -> usize {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize
}

/// Open after a crash (recovering the WAL) and check what must always hold.
fn open_and_verify(db: &Path) -> Connection {
    let conn = zhida_core::db::open(db).unwrap();
    zhida_core::db::verify(&conn).unwrap();
    zhida_core::audit::verify(&conn).unwrap();
    // the bulk import drops these inside its transaction: a crash must bring them back
    let fresh = zhida_core::db::open_in_memory().unwrap();
    let indexes = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'disbursement' ORDER BY name)";
    let want: Option<String> = fresh.query_row(indexes, [], |r| r.get(0)).unwrap();
    let have: Option<String> = conn.query_row(indexes, [], |r| r.get(0)).unwrap();
    assert_eq!(have, want, "disbursement indexes");
    // ... and these triggers (closed months, program × month sums), with the sums right
    let triggers = "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name)";
    let want: Option<String> = fresh.query_row(triggers, [], |r| r.get(0)).unwrap();
    let have: Option<String> = conn.query_row(triggers, [], |r| r.get(0)).unwrap();
    assert_eq!(have, want, "triggers");
    assert!(
        zhida_core::repo::summary::is_fresh(&conn).unwrap(),
        "program_month"
    );
    let sums = "SELECT count(*), coalesce(sum(paid_fen), 0), coalesce(sum(committed_fen), 0) FROM program_month";
    let stored: (i64, i64, i64) = conn
        .query_row(sums, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    conn.execute_batch("SAVEPOINT s").unwrap();
    zhida_core::repo::summary::rebuild(&conn).unwrap();
    let rebuilt: (i64, i64, i64) = conn
        .query_row(sums, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    conn.execute_batch("ROLLBACK TO s; RELEASE s").unwrap();
    assert_eq!(stored, rebuilt, "program_month equals a rebuild");
    conn
}

fn expected_rows() -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("program", PROGRAMS),
        ("enterprise", ENTERPRISES),
        ("allocation", ALLOCATIONS),
        ("disbursement", DISBURSEMENTS),
    ])
}

/// Each table all or nothing, files in order (a later file only after every earlier
/// one), and one audit row and import record per file present. Returns the files present.
fn check_all_or_nothing(conn: &Connection, when: &str) -> usize {
    let expected = expected_rows();
    let mut present = 0;
    for (n, (kind, table)) in KINDS.iter().enumerate() {
        let rows = count(conn, &format!("SELECT count(*) FROM {table}"));
        let full = expected[table];
        assert!(
            rows == 0 || rows == full,
            "{when}: {table} has {rows} rows, expected 0 or {full}"
        );
        let audited = count(
            conn,
            &format!("SELECT count(*) FROM audit_log WHERE action = 'import' AND tbl = '{kind}'"),
        );
        if rows == full {
            assert_eq!(
                present, n,
                "{when}: {kind} present but an earlier file is not"
            );
            assert_eq!(audited, 1, "{when}: {kind} imported without its audit row");
            present += 1;
        } else {
            assert_eq!(audited, 0, "{when}: audit row for {kind} without its rows");
        }
    }
    let batches = count(conn, "SELECT count(*) FROM import_batch");
    assert_eq!(batches, present, "{when}: import_batch rows");
    present
}

/// Phase 1: kill `zhida import DIR` on a fresh database at delays spread over its run.
fn phase_import(root: &Path, rng: &mut Rng, kills_wanted: usize) -> (usize, usize) {
    let data = root.join("导入");
    write_files(&data);
    let dir_arg = data.to_str().unwrap().to_string();

    // Measure one uninterrupted run.
    let db = root.join("measure.db");
    let t = Instant::now();
    let out = zhida(&db, "王科长", &["import", &dir_arg])
        .output()
        .unwrap();
    let full = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = open_and_verify(&db);
    assert_eq!(check_all_or_nothing(&conn, "uninterrupted"), KINDS.len());
    eprintln!("uninterrupted import: {full:?}");

    // Delays over [0, 1.1 × duration): from process start to just after the last commit,
    // stratified (attempt n lands in the n-th slice of the span, cycling) so that every
    // part of the run gets kills however the machine's load stretches it; the first
    // slice is the process start, before the first commit.
    let span = full.mul_f64(1.1);
    let slices = kills_wanted as u32;
    let (mut kills, mut finished) = (0, 0);
    let mut by_files = [0usize; 5];
    let mut n = 0;
    while kills < kills_wanted {
        n += 1;
        assert!(n < kills_wanted * 3, "too few kills landed: {kills} of {n}");
        let db: PathBuf = root.join(format!("kill-{n}.db"));
        let child = zhida(&db, "王科长", &["import", &dir_arg]).spawn().unwrap();
        let slice = (n as u32 - 1) % slices;
        let delay = if slice == 0 {
            // within the process's start-up: nothing can have committed yet
            rng.below((span / slices).min(Duration::from_millis(3)))
        } else {
            span / slices * slice + rng.below(span / slices)
        };
        let killed = kill_after(child, delay);
        let present = if db.exists() {
            let conn = open_and_verify(&db);
            check_all_or_nothing(&conn, &format!("kill {n} after {delay:?}"))
        } else {
            0
        };
        by_files[present] += 1;
        if killed {
            kills += 1;
        } else {
            finished += 1;
            assert_eq!(present, KINDS.len(), "finished run {n} lost files");
        }
        // keep the disk small: only the database just checked is needed
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
    }
    eprintln!(
        "phase 1: {kills} kills survived ({finished} runs finished before the kill); files present after a kill: {by_files:?}"
    );
    // the kills must land all along the import, not only before or after it
    assert!(by_files[0] > 0, "no kill before the first commit");
    assert!(
        by_files[1..KINDS.len()].iter().sum::<usize>() > 0,
        "no kill between files"
    );
    (kills, finished)
}

/// Phase 2: on one database, bursts of writes from two processes at once (an import of
/// a small disbursement file, a `user add`), killed at random points. Killed files are
/// imported again afterwards, so the database stays usable after every crash.
fn phase_bursts(root: &Path, rng: &mut Rng, bursts: usize) -> (usize, usize) {
    let db = root.join("burst.db");
    let data = root.join("burst-base");
    write_files(&data);
    std::fs::remove_file(data.join("disbursements.csv")).unwrap();
    let out = zhida(&db, "王科长", &["import", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the supervisor who adds the clerks below
    let out = zhida(
        &db,
        "王科长",
        &["user", "add", "王科长", "--role", "supervisor"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    const ROWS: usize = 40;
    let file_for = |b: usize| -> PathBuf {
        let f = root.join(format!("burst-{b}.csv"));
        let mut d = String::from(
            "voucher_no,program,credit_code,amount,date,status,entered_by,approved_by,reverses,note\n",
        );
        for j in 0..ROWS {
            d += &disbursement_line(&format!("B{b:03}-{j:03}"), b * ROWS + j);
        }
        std::fs::write(&f, d).unwrap();
        f
    };
    // measure one small import
    let f = file_for(0);
    let t = Instant::now();
    let out = zhida(
        &db,
        "王科长",
        &["import", f.to_str().unwrap(), "--kind", "disbursements"],
    )
    .output()
    .unwrap();
    let small = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("small import: {small:?}");

    let (mut kills, mut committed) = (0, 1usize);
    let mut users = 0usize;
    for b in 1..=bursts {
        let f = file_for(b);
        let import = zhida(
            &db,
            "王科长",
            &["import", f.to_str().unwrap(), "--kind", "disbursements"],
        )
        .spawn()
        .unwrap();
        let name = format!("经办{b:03}");
        let user = zhida(&db, "王科长", &["user", "add", &name, "--role", "clerk"])
            .spawn()
            .unwrap();
        let delay = rng.below(small.mul_f64(1.2));
        // kill both at (nearly) the same moment
        let t = std::thread::spawn(move || kill_after(user, delay));
        let import_killed = kill_after(import, delay);
        let user_killed = t.join().unwrap();
        kills += import_killed as usize + user_killed as usize;

        let conn = open_and_verify(&db);
        let here = count(
            &conn,
            &format!("SELECT count(*) FROM disbursement WHERE voucher_no LIKE 'B{b:03}-%'"),
        );
        assert!(
            here == 0 || here == ROWS,
            "burst {b}: {here} of {ROWS} rows"
        );
        let user_there = count(
            &conn,
            &format!("SELECT count(*) FROM app_user WHERE name = '{name}'"),
        );
        let user_audit = count(
            &conn,
            &format!("SELECT count(*) FROM audit_log WHERE tbl = 'app_user' AND key = '{name}'"),
        );
        assert_eq!(user_there, user_audit, "burst {b}: user row and audit row");
        users += user_there;
        drop(conn);
        if here == 0 {
            // the killed import left no lock and no trace: loading it again works
            let out = zhida(
                &db,
                "王科长",
                &["import", f.to_str().unwrap(), "--kind", "disbursements"],
            )
            .output()
            .unwrap();
            assert!(
                out.status.success(),
                "burst {b} re-import: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        committed += 1;
    }
    let conn = open_and_verify(&db);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM disbursement"),
        committed * ROWS,
        "every burst file present exactly once"
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM app_user"), users + 1);
    eprintln!(
        "phase 2: {bursts} bursts, {kills} kills survived, {} rows, {users} users kept",
        committed * ROWS
    );
    (kills, bursts)
}

#[cfg(unix)]
#[test]
fn sigkill_at_random_points_never_leaves_a_partial_file() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5A4D_4944_4132_3032); // fixed seed
    let started = Instant::now();
    let (kills1, _) = phase_import(root.path(), &mut rng, 50);
    let (kills2, _) = phase_bursts(root.path(), &mut rng, 30);
    eprintln!(
        "kill points survived: {} (import {kills1}, write bursts {kills2}) in {:?}",
        kills1 + kills2,
        started.elapsed()
    );
    assert!(
        kills1 + kills2 >= 50,
        "only {} kill points",
        kills1 + kills2
    );
}
