//! The pty harness of the end-to-end tests: the real `zhida` binary in a detached tmux
//! session on its own socket, driven with `send-keys` and read with `capture-pane`.

#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Start zhida as `user` (Chinese interface) in a 120×32 session and wait for the
    /// overview; the shell records the exit status in the returned file.
    pub fn start(tag: &str, dir: &Path, db: &Path, user: &str) -> (Tmux, PathBuf) {
        let have_tmux = Command::new("tmux")
            .arg("-V")
            .output()
            .map(|o| o.status.success());
        assert!(
            matches!(have_tmux, Ok(true)),
            "tmux is required for the end-to-end TUI tests: install it (apt-get install tmux)"
        );
        let done = dir.join(format!("exit-{tag}"));
        let config = dir.join("config.toml");
        std::fs::write(&config, "[ui]\nlang = \"zh\"\n").unwrap();
        let t = Tmux {
            socket: format!("zhida-e2e-{tag}-{}", std::process::id()),
        };
        let script = format!(
            "'{}' --db '{}' --user '{}' --config '{}'; echo $? > '{}'; sleep 30",
            env!("CARGO_BIN_EXE_zhida"),
            db.display(),
            user,
            config.display(),
            done.display()
        );
        let st = t
            .cmd()
            .args(["new-session", "-d", "-s", "zhida", "-x", "120", "-y", "32"])
            .arg("env")
            .arg("LANG=C.UTF-8")
            .arg("sh")
            .arg("-c")
            .arg(&script)
            .status()
            .unwrap();
        assert!(st.success(), "tmux new-session");
        t.wait_for("the overview", |s| s.contains("总览") && s.contains(user));
        (t, done)
    }

    pub fn send(&self, keys: &[&str]) {
        let mut c = self.cmd();
        c.args(["send-keys", "-t", "zhida"]).args(keys);
        assert!(c.status().unwrap().success(), "tmux send-keys {keys:?}");
    }

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
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what}; screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// q, then wait for the exit status 0.
    pub fn quit(&self, done: &Path) {
        self.send(&["q"]);
        let start = Instant::now();
        while !done.exists() || std::fs::read_to_string(done).unwrap_or_default().is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "zhida did not exit after q:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(std::fs::read_to_string(done).unwrap().trim(), "0");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// The first line of the screen containing `needle` ("" when none does).
pub fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_default()
}
