//! Slow computations off the UI thread (see the pattern in `screens/mod.rs`): a screen
//! asks for a [`Job`] through [`Env::spawn`](super::screens::Env::spawn); the job runs on
//! its own thread with its own read-only connection to the same database file; its
//! output comes back over a channel and `App::update` hands it to the screen that asked
//! ([`Screen::job_done`](super::screens::Screen::job_done)). A key never waits for it.
//!
//! On an in-memory database (tests) there is no file another connection could open, so
//! jobs run inline on the app's connection when they are spawned, and their output is
//! applied at the end of the same update: tests stay deterministic and see the result
//! after the key that caused it.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::mpsc::{channel, Receiver, Sender};

use rusqlite::Connection;
use zhida_core::Error;

use super::action::ScreenId;

/// What a job returns; the screen that asked downcasts it.
pub type Output = Box<dyn Any + Send>;

type Run = Box<dyn FnOnce(&Connection) -> Result<Output, Error> + Send>;

/// A finished job, for the screen that asked.
pub struct Done {
    pub screen: ScreenId,
    /// which of the screen's jobs (a screen may have several)
    pub key: &'static str,
    pub output: Result<Output, Error>,
}

/// The jobs of one app: running ones, and finished ones not yet applied.
pub struct Background {
    /// the database file for the jobs' connections; None = run inline (in-memory db)
    path: Option<String>,
    tx: Sender<Done>,
    rx: Receiver<Done>,
    /// finished (taken from the channel or run inline), not yet applied
    ready: RefCell<Vec<Done>>,
    /// spawned and not yet finished
    running: Cell<usize>,
}

impl Background {
    /// Jobs for the database behind `conn`.
    pub fn for_connection(conn: &Connection) -> Background {
        let path = conn.path().filter(|p| !p.is_empty()).map(str::to_string);
        let (tx, rx) = channel();
        Background {
            path,
            tx,
            rx,
            ready: RefCell::new(Vec::new()),
            running: Cell::new(0),
        }
    }

    /// Run `run` off the UI thread (inline on `conn` for an in-memory database).
    pub fn spawn(
        &self,
        conn: &Connection,
        screen: ScreenId,
        key: &'static str,
        run: impl FnOnce(&Connection) -> Result<Output, Error> + Send + 'static,
    ) {
        let run: Run = Box::new(run);
        let Some(path) = self.path.clone() else {
            let output = run(conn);
            self.ready.borrow_mut().push(Done {
                screen,
                key,
                output,
            });
            return;
        };
        self.running.set(self.running.get() + 1);
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("zhida-{key}"))
            .spawn(move || {
                yield_to_the_ui();
                let output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    open_read_only(&path).and_then(|c| run(&c))
                }))
                .inspect(|_| give_back_memory())
                .unwrap_or_else(|_| {
                    Err(Error::invalid(format!(
                        "后台任务失败 (background job {key} failed)"
                    )))
                });
                // the app may have quit meanwhile: nobody to tell
                let _ = tx.send(Done {
                    screen,
                    key,
                    output,
                });
            });
        if let Err(e) = spawned {
            self.running.set(self.running.get() - 1);
            self.ready.borrow_mut().push(Done {
                screen,
                key,
                output: Err(Error::invalid(format!(
                    "无法启动后台任务 (cannot start a thread): {e}"
                ))),
            });
        }
    }

    /// Jobs spawned and not yet finished: the event loop then wakes up to look.
    pub fn running(&self) -> bool {
        self.running.get() > 0
    }

    /// Whether finished jobs wait to be applied (collects what the threads sent).
    pub fn has_ready(&self) -> bool {
        while let Ok(done) = self.rx.try_recv() {
            self.running.set(self.running.get().saturating_sub(1));
            self.ready.borrow_mut().push(done);
        }
        !self.ready.borrow().is_empty()
    }

    /// The finished jobs, oldest first.
    pub fn take_ready(&self) -> Vec<Done> {
        self.has_ready();
        std::mem::take(&mut *self.ready.borrow_mut())
    }
}

/// Return the memory a finished job freed to the system. glibc keeps what a thread freed
/// in that thread's arena for reuse; after the month's checks over 1M rows (a quarter of
/// the rows at a time, then the findings) that is tens of megabytes the TUI would hold
/// for the rest of the session.
pub fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heaps; it
    // touches no memory in use and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Lower the calling job thread's priority (nice 10 above the UI thread's): on two cores the month's checks,
/// a screen's aggregate and the UI thread can all want a core, and a key must not wait
/// for the scheduler to take one from a job (a first arrival on 绩效, whose refresh
/// starts its rates job beside the checks, took 40 ms of wall time for 2 ms of its own
/// CPU). Jobs lose nothing while the UI waits for keys.
fn yield_to_the_ui() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: gettid has no preconditions; setpriority on this thread's own id changes
    // only its scheduling weight, and its failure (never for a raise of nice) is harmless.
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        // a new thread starts at its creator's nice: ten more than the UI thread's
        let nice = libc::getpriority(libc::PRIO_PROCESS, tid);
        libc::setpriority(libc::PRIO_PROCESS, tid, (nice + 10).min(19));
    }
}

/// Set up the allocator for a long-running TUI with big, short-lived background
/// allocations (call once, before any thread starts). glibc serves a big block (a share
/// of the scanned rows, a findings batch, an index column) by mmap, but after the first
/// such block is freed it raises that threshold to the block's size (up to 32 MB) and
/// serves the next ones from the arenas, where freed memory sits between blocks in use
/// and stays resident: ~10 MB after the month's checks on 1M rows. A fixed threshold
/// keeps big blocks in mmap (a free hands them back at once).
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// SQLite page cache of a job's connection, in KiB: the jobs read big tables once, in
/// order, where a cache saves nothing (the default is 2 MB per connection).
const JOB_CACHE_KIB: i64 = 256;

/// A job's own connection: read-only, so that it can never write or hold up a writer.
fn open_read_only(path: &str) -> Result<Connection, Error> {
    let conn = zhida_core::db::open_reader(std::path::Path::new(path))?;
    conn.pragma_update(None, "cache_size", -JOB_CACHE_KIB)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(bg: &Background) -> Vec<Done> {
        let t = std::time::Instant::now();
        while !bg.has_ready() {
            assert!(t.elapsed().as_secs() < 10, "job never finished");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        bg.take_ready()
    }

    #[test]
    fn a_job_runs_on_its_own_read_only_connection_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let conn = zhida_core::db::open(&dir.path().join("直达.db")).unwrap();
        conn.execute(
            "INSERT INTO program (code, name, level, fiscal_year) VALUES ('WG2025', '稳岗返还', 'county', 2025)",
            [],
        )
        .unwrap();
        let bg = Background::for_connection(&conn);
        bg.spawn(&conn, ScreenId::Lookup, "names", |c| {
            let name: String = c.query_row("SELECT name FROM program", [], |r| r.get(0))?;
            // a job cannot write
            let refused = c.execute("DELETE FROM program", []).is_err();
            Ok(Box::new((name, refused)) as Output)
        });
        assert!(bg.running());
        let done = wait(&bg);
        assert!(!bg.running());
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].screen, done[0].key), (ScreenId::Lookup, "names"));
        let out = done.into_iter().next().unwrap().output.unwrap();
        let (name, refused) = *out.downcast::<(String, bool)>().unwrap();
        assert_eq!(name, "稳岗返还");
        assert!(refused, "the job's connection is read-only");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM program", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    /// A job runs at nice 10 above the UI thread's, which stays as it was.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_job_gives_way_to_the_ui_thread() {
        // SAFETY (both): gettid and getpriority only read this thread's own values
        fn nice() -> i32 {
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        }
        let dir = tempfile::tempdir().unwrap();
        let conn = zhida_core::db::open(&dir.path().join("优先级.db")).unwrap();
        let ui = nice();
        let bg = Background::for_connection(&conn);
        bg.spawn(&conn, ScreenId::Overview, "nice", |_| {
            Ok(Box::new(nice()) as Output)
        });
        let done = wait(&bg).into_iter().next().unwrap();
        let job = *done.output.unwrap().downcast::<i32>().unwrap();
        assert_eq!(job, (ui + 10).min(19), "the job's nice");
        assert_eq!(nice(), ui, "the UI thread's nice is left alone");
    }

    #[test]
    fn errors_and_panics_come_back_as_errors() {
        let dir = tempfile::tempdir().unwrap();
        let conn = zhida_core::db::open(&dir.path().join("a.db")).unwrap();
        let bg = Background::for_connection(&conn);
        bg.spawn(&conn, ScreenId::Overview, "bad", |c| {
            c.query_row("SELECT * FROM no_such_table", [], |_| Ok(()))?;
            Ok(Box::new(()) as Output)
        });
        bg.spawn(&conn, ScreenId::Overview, "panics", |_| panic!("boom"));
        let mut done = wait(&bg);
        while done.len() < 2 {
            done.extend(wait(&bg));
        }
        assert!(done.iter().all(|d| d.output.is_err()));
        assert!(!bg.running());
    }

    #[test]
    fn in_memory_jobs_run_inline() {
        let conn = zhida_core::db::open_in_memory().unwrap();
        let bg = Background::for_connection(&conn);
        bg.spawn(&conn, ScreenId::Programs, "n", |c| {
            let n: i64 = c.query_row("SELECT count(*) FROM program", [], |r| r.get(0))?;
            Ok(Box::new(n) as Output)
        });
        assert!(!bg.running());
        assert!(bg.has_ready(), "ready at once, without a thread");
        let done = bg.take_ready();
        assert_eq!(
            *done[0]
                .output
                .as_ref()
                .unwrap()
                .downcast_ref::<i64>()
                .unwrap(),
            0
        );
    }
}
