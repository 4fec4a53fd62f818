//! Starting the real `binddesk-service` binary for tests: on a free port, with a store in
//! a given folder, reading its start-up line.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running service process, killed on drop.
pub struct RunningService {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT` (`https://` when it serves TLS).
    pub base: String,
    /// The demo logins (`username`, `password`, `role`, `classes`, `school`).
    pub accounts: Vec<Value>,
}

/// The service binary next to a test executable: tests run from `target/<profile>/deps/`,
/// and the workspace's binaries sit in `target/<profile>/` (scripts/test.sh builds them
/// before the tests run).
pub fn binary_beside_test() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    profile_dir.join(format!("binddesk-service{}", std::env::consts::EXE_SUFFIX))
}

impl RunningService {
    /// Starts `bin serve --demo --listen 127.0.0.1:0 --db DB` (a SQLite file or a
    /// PostgreSQL URL) plus `extra` arguments and waits for its start-up line.
    pub fn start_demo(
        bin: &Path,
        db: impl AsRef<std::ffi::OsStr>,
        extra: &[&str],
    ) -> Result<RunningService, String> {
        RunningService::start_demo_at(bin, db, "127.0.0.1:0", extra)
    }

    /// Like [`RunningService::start_demo`], on a given address (to restart a service
    /// where its clients expect it: pass the `listen` of the first start).
    pub fn start_demo_at(
        bin: &Path,
        db: impl AsRef<std::ffi::OsStr>,
        listen: &str,
        extra: &[&str],
    ) -> Result<RunningService, String> {
        let mut child = Command::new(bin)
            .args(["serve", "--demo", "--listen", listen, "--db"])
            .arg(db)
            .args(extra)
            // Stops when the test lets go of its standard input: the stop that works on
            // Windows too, and no service outlives a test that died.
            .arg("--stop-on-stdin-close")
            .env("BINDDESK_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start {}: {e} (build it: cargo build -p binddesk-service)", bin.display())
            })?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line =
            rx.recv_timeout(Duration::from_secs(30)).map_err(|_| "the service printed no start-up line")?;
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("start-up line is not JSON: {e}: {line}"))?;
        let listen = v["listen"].as_str().ok_or("no listen address")?.to_string();
        let scheme = v["scheme"].as_str().unwrap_or("http").to_string();
        Ok(RunningService {
            child,
            base: format!("{scheme}://{listen}"),
            accounts: v["accounts"].as_array().cloned().unwrap_or_default(),
        })
    }

    /// `127.0.0.1:PORT`, for a restart at the same address.
    pub fn listen(&self) -> &str {
        self.base.split_once("://").map_or(&self.base, |(_, rest)| rest)
    }

    /// The demo password of a login.
    pub fn password(&self, username: &str) -> Option<String> {
        self.accounts
            .iter()
            .find(|a| a["username"] == username)
            .and_then(|a| a["password"].as_str())
            .map(String::from)
    }

    /// Stops the service gracefully, as its platform's service manager would: SIGTERM
    /// on Unix (systemd's stop); on Windows, which has no signals for a console-less
    /// process, by closing its standard input. True when it exited cleanly.
    pub fn stop(&mut self) -> bool {
        #[cfg(unix)]
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        #[cfg(not(unix))]
        drop(self.child.stdin.take());
        for _ in 0..200 {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
