//! The desktop app's window: the README's run command opens it, and the real app under
//! WebDriver shows the app's title. Each test saves a screenshot in
//! target/e2e-screenshots/.

// Linux only: these drive real windows and browsers (Xvfb, WebKitWebDriver, Chromium);
// scripts/windows.sh builds them for Windows as empty test programs.
#![cfg(target_os = "linux")]

mod support;

use fantoccini::{ClientBuilder, Locator};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

const TITLE: &str = "綁定審核台 BindDesk";

/// `scripts/run.sh` (the README's first command) starts the demo service on a free
/// port and opens a window titled BindDesk's name that shows the app's header.
#[test]
fn run_command_opens_the_app_window() {
    let display = Display::start();
    let mut run = ProcessGuard::spawn(
        "scripts/run.sh",
        Command::new("bash")
            .arg(repo_root().join("scripts/run.sh"))
            .env("DISPLAY", &display.name)
            // The test command has already done the setup and the build.
            .env("BINDDESK_SKIP_BUILD", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let stdout = run.child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // A busy machine can take minutes; what fails the test is run.sh stopping, or five
    // minutes without the service (the figure printed either way).
    let started = Instant::now();
    let patience = Duration::from_secs(300);
    let address = loop {
        if let Some(status) = run.child.try_wait().expect("run.sh's status") {
            panic!("run.sh exited ({status}) after {:?} without announcing the service", started.elapsed());
        }
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("Binding service (demo) at http://") {
                    break rest.split_whitespace().next().expect("address").to_string();
                }
            }
            Err(_) => {
                assert!(started.elapsed() < patience, "no service announced in {:?}", started.elapsed())
            }
        }
    };
    eprintln!("run.sh announced the service after {:?}", started.elapsed());
    let health = http_get(&address, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200") && health.ends_with("ok"), "{health}");
    let shown = Instant::now();
    loop {
        if display.window_titles().iter().any(|t| t == TITLE) {
            break;
        }
        if let Some(status) = run.child.try_wait().expect("run.sh's status") {
            panic!("run.sh exited ({status}) before a window titled {TITLE} appeared");
        }
        assert!(
            shown.elapsed() < patience,
            "no window titled {TITLE} in {:?}: {:?}",
            shown.elapsed(),
            display.window_titles()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("the window appeared {:?} after the service", shown.elapsed());
    // The title appears before the page has painted; give WebKit a moment.
    std::thread::sleep(Duration::from_secs(2));
    let png = display.screenshot(&screenshot_dir().join("run-command-window.png"));
    assert_shows_header(&png);
}

/// A plain HTTP/1.1 GET over loopback, answered in full.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(address).expect("connect to the service");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// The real app, driven over WebDriver: the document title and the header's heading.
#[tokio::test(flavor = "multi_thread")]
async fn app_shows_its_title_over_webdriver() {
    // Already installed by another test in this process is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let display = Display::start();
    let port = free_port();
    let _driver = ProcessGuard::spawn(
        "tauri-driver",
        Command::new(tauri_driver())
            .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let mut caps = serde_json::Map::new();
    caps.insert("tauri:options".into(), serde_json::json!({ "application": app_binary() }));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        match ClientBuilder::rustls().expect("rustls client").capabilities(caps.clone()).connect(&url).await {
            Ok(c) => break c,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("no WebDriver session: {e}"),
        }
    };
    let heading =
        client.wait().for_element(Locator::Css("[data-testid=app-title]")).await.expect("title element");
    let text = heading.text().await.expect("heading text");
    assert_eq!(text, TITLE);
    assert_eq!(client.title().await.expect("document title"), TITLE);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join("webdriver-window.png"), &png).expect("save screenshot");
    assert_shows_header(&png);
    client.close().await.expect("close session");
}
