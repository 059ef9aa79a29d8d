//! The pseudo-terminal harness of the end-to-end TUI tests: the real `zhida` binary in a
//! detached tmux session on its own socket; keys go in with `send-keys`, the screen comes
//! back with `capture-pane`, and the shell records zhida's exit status in a file.

#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    done: PathBuf,
}

impl Tmux {
    /// Start `zhida --db DB --user USER --config DIR/config.toml ARGS` at `width`×`height`,
    /// in `dir` (where relative paths typed into the interface land).
    pub fn start(tag: &str, dir: &Path, db: &Path, user: &str, size: (u16, u16)) -> Tmux {
        Tmux::start_with(tag, dir, db, user, size, "")
    }

    /// [`Tmux::start`] with more command-line arguments (`--lang en`).
    pub fn start_with(
        tag: &str,
        dir: &Path,
        db: &Path,
        user: &str,
        size: (u16, u16),
        extra_args: &str,
    ) -> Tmux {
        let have_tmux = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success());
        assert!(
            matches!(have_tmux, Ok(true)),
            "tmux is required for the end-to-end TUI tests: install it (apt-get install tmux)"
        );
        let config = dir.join("config.toml");
        std::fs::write(&config, "[ui]\nlang = \"zh\"\n").unwrap();
        let t = Tmux {
            socket: format!("zhida-e2e-{tag}-{}", std::process::id()),
            done: dir.join(format!("exit-{tag}")),
        };
        let script = format!(
            "'{}' --db '{}' --user '{}' --config '{}' {extra_args}; echo $? > '{}'; sleep 30",
            env!("CARGO_BIN_EXE_zhida"),
            db.display(),
            user,
            config.display(),
            t.done.display()
        );
        let st = t
            .cmd()
            .args(["new-session", "-d", "-s", "zhida", "-c"])
            .arg(dir)
            .args(["-x", &size.0.to_string(), "-y", &size.1.to_string()])
            .arg("env")
            .arg("LANG=C.UTF-8")
            .arg("sh")
            .arg("-c")
            .arg(&script)
            .status()
            .unwrap();
        assert!(st.success(), "tmux new-session");
        t
    }

    /// [`Tmux::start`] at 120×32, then wait for the overview with the user in its header.
    pub fn open(tag: &str, dir: &Path, db: &Path, user: &str) -> Tmux {
        let t = Tmux::start(tag, dir, db, user, (120, 32));
        t.wait_for("the overview", |s| s.contains("总览") && s.contains(user));
        t
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Keys by tmux name (`Enter`, `Escape`, `BSpace`, `y`).
    pub fn send(&self, keys: &[&str]) {
        let mut c = self.cmd();
        c.args(["send-keys", "-t", "zhida"]).args(keys);
        assert!(c.status().unwrap().success(), "tmux send-keys {keys:?}");
    }

    /// Text typed as it is.
    pub fn send_literal(&self, text: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "zhida", "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
    }

    pub fn capture(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "zhida"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Poll the screen until `pred` holds, or fail with what was on screen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// q, then wait for zhida's exit status.
    pub fn quit(&self) -> String {
        self.send(&["q"]);
        let start = Instant::now();
        loop {
            let st = std::fs::read_to_string(&self.done).unwrap_or_default();
            if !st.trim().is_empty() {
                return st.trim().to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "zhida did not exit after q:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// Whether the tmux session (the shell around zhida) is still there.
    pub fn alive(&self) -> bool {
        self.cmd()
            .args(["has-session", "-t", "zhida"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    /// q, and zhida exits with status 0.
    pub fn quit_ok(&self) {
        assert_eq!(self.quit(), "0", "exit status");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// The first line of `screen` containing `needle` (empty if none).
pub fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_default()
}
