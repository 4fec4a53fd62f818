//! Shared harness of the end-to-end tests: a private Xvfb display, free ports, child
//! processes that are killed (with their process group) when the guard drops, and the
//! tauri-driver + WebKitWebDriver pair for WebDriver sessions against the real app.

#![allow(dead_code)]

pub mod app;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where tests leave screenshots for people to look at.
pub fn screenshot_dir() -> PathBuf {
    let dir = repo_root().join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("create screenshot dir");
    dir
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("bind a free port")
}

/// A child process, killed with its whole process group on drop.
pub struct ProcessGuard {
    pub child: Child,
    pub name: String,
}

impl ProcessGuard {
    /// Spawns `cmd` in a new process group.
    pub fn spawn(name: &str, cmd: &mut Command) -> ProcessGuard {
        cmd.process_group(0);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        ProcessGuard { child, name: name.to_string() }
    }

    /// Whether the process has exited (and then its status).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        // SIGTERM to the group first, then SIGKILL: the app and its WebKit children go too.
        signal_group(-pgid, 15);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group(-pgid, 9);
        let _ = self.child.wait();
    }
}

fn signal_group(pid: i32, sig: i32) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg("--")
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// A private Xvfb server on a free display number.
pub struct Display {
    pub name: String,
    _xvfb: ProcessGuard,
}

impl Display {
    /// Starts Xvfb on a display number it picks itself (`-displayfd`: it writes the number
    /// once it accepts connections). Choosing the number here raced when tests started
    /// servers at the same time: two could take one number, and the loser's app found no
    /// display once the winner's test ended ("Failed to initialize GTK").
    pub fn start() -> Display {
        let mut guard = ProcessGuard::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-screen", "0", "1400x900x24", "-nolisten", "tcp"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        );
        let stdout = guard.child.stdout.take().expect("Xvfb's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Xvfb reports its display (is the xvfb package installed? run scripts/setup.sh)");
        let n: u32 =
            line.trim().parse().unwrap_or_else(|_| panic!("Xvfb wrote {line:?}, not a display number"));
        Display { name: format!(":{n}"), _xvfb: guard }
    }

    /// A full-screen screenshot (PNG bytes) taken with ImageMagick's `import`.
    pub fn screenshot(&self, path: &Path) -> Vec<u8> {
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(path)
            .env("DISPLAY", &self.name)
            .status()
            .expect("run import (imagemagick)");
        assert!(status.success(), "import failed");
        std::fs::read(path).expect("read screenshot")
    }

    /// The titles of the top-level windows, from `xwininfo -root -tree`.
    pub fn window_titles(&self) -> Vec<String> {
        let out = Command::new("xwininfo")
            .args(["-root", "-tree"])
            .env("DISPLAY", &self.name)
            .output()
            .expect("run xwininfo (x11-utils)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let start = l.find('"')? + 1;
                let end = l[start..].find('"')? + start;
                Some(l[start..end].to_string())
            })
            .collect()
    }
}

/// The desktop app binary that cargo built for this test run.
pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_binddesk"))
}

/// The tauri-driver installed by scripts/setup.sh into .tools/bin.
pub fn tauri_driver() -> PathBuf {
    let p = repo_root().join(".tools/bin/tauri-driver");
    assert!(p.exists(), "{} is missing: run scripts/setup.sh", p.display());
    p
}

/// Asserts that the screenshot shows the app's header: BindDesk's dark-blue bar
/// (#1f4e79) across the top of the window.
pub fn assert_shows_header(png: &[u8]) {
    let img = image::load_from_memory(png).expect("screenshot is a PNG").to_rgb8();
    let (w, h) = img.dimensions();
    assert!(w >= 800 && h >= 500, "screenshot is {w}x{h}");
    let blue = img
        .pixels()
        .take((w * 60) as usize)
        .filter(|p| p.0[0].abs_diff(0x1f) < 12 && p.0[1].abs_diff(0x4e) < 12 && p.0[2].abs_diff(0x79) < 12)
        .count();
    assert!(blue as u32 > w * 20, "no BindDesk header in the screenshot ({blue} header pixels)");
}

/// A WebDriver session with the real app, started by tauri-driver on `display` with
/// these environment variables (they reach the app through WebKitWebDriver).
pub async fn launch_app(display: &Display, env: &[(&str, String)]) -> (ProcessGuard, fantoccini::Client) {
    // Already installed by another test in this process is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let mut cmd = Command::new(tauri_driver());
    cmd.args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
        .env("DISPLAY", &display.name)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let driver = ProcessGuard::spawn("tauri-driver", &mut cmd);
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), serde_json::json!({ "application": app_binary() }));
    (driver, webdriver_session(port, caps, "the app").await)
}

/// A WebDriver session on the driver listening at `port`, retried for 30 s while the
/// driver starts.
async fn webdriver_session(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
    what: &str,
) -> fantoccini::Client {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match fantoccini::ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("no WebDriver session with {what}: {e}"),
        }
    }
}

/// Waits up to 20 s for the element `css`.
pub async fn wait_for(c: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
}

/// Debian's chromedriver, driving Debian's chromium (scripts/setup.sh installs both).
pub fn chromedriver() -> PathBuf {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("chromedriver is missing: run scripts/setup.sh (Debian's chromium-driver)")
}

/// A headless Chromium the size of a phone (390×844, touch, 3× density) that downloads
/// into `downloads`.
pub async fn launch_phone_browser(downloads: &Path) -> (ProcessGuard, fantoccini::Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let mut cmd = Command::new(chromedriver());
    cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
    let driver = ProcessGuard::spawn("chromedriver", &mut cmd);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-TW", "--disable-gpu"],
            "mobileEmulation": {
                "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 3.0, "touch": true },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36"
            },
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false
            }
        }),
    );
    (driver, webdriver_session(port, caps, "Chromium").await)
}

/// axe-core (from ui/node_modules) run in the page: the WCAG 2.1 A and AA rules and
/// axe's best practices. Returns the violations, `[]` when there are none.
pub async fn axe_violations(c: &fantoccini::Client) -> serde_json::Value {
    let axe = std::fs::read_to_string(repo_root().join("ui/node_modules/axe-core/axe.min.js"))
        .expect("axe-core from ui/node_modules (npm ci)");
    c.execute(&axe, vec![]).await.expect("inject axe-core");
    c.execute_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })
           .then(r => done(r.violations.map(v => ({ id: v.id, help: v.help,
             nodes: v.nodes.map(n => n.target.join(' ')) }))))
           .catch(e => done([{ id: 'axe-failed', help: String(e), nodes: [] }]));",
        vec![],
    )
    .await
    .expect("axe.run")
}
