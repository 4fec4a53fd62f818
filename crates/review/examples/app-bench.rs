//! The desktop app's benchmark (issue 6), run under Xvfb by `scripts/bench-app.sh`:
//! 1. a demo service (release) whose administrator sees 20,000 applications; the engine
//!    syncs them into an app data folder, as the app would;
//! 2. the app (the binary given as the first argument) starts on that cache offline,
//!    in bench mode: the time from spawning it to the list being drawn and interactive,
//!    then each scripted filter or search change from the change to the redrawn list
//!    (the UI reports these on stdout);
//! 3. memory as proportional set size (PSS, /proc/PID/smaps_rollup) of the app and all its
//!    child processes (the WebKit web and network processes), against the same binary
//!    showing an empty window measured the same way.

use binddesk_review::secrets::SecretStore;
use binddesk_review::{CancelToken, Engine, EngineConfig};
use binddesk_testkit::{RunningService, binary_beside_test};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn pss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A process and all its descendants.
fn tree(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The parent pid is the second field after the ")" that ends the command name.
        let ppid: Option<u32> =
            stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            parent_of.push((pid, ppid));
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

fn tree_pss_mb(root: u32) -> (f64, Vec<(String, f64)>) {
    let mut parts = Vec::new();
    let mut total = 0;
    for pid in tree(root) {
        let kb = pss_kb(pid);
        total += kb;
        let name =
            std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string();
        parts.push((name, kb as f64 / 1024.0));
    }
    (total as f64 / 1024.0, parts)
}

struct App {
    child: Child,
    lines: std::sync::mpsc::Receiver<(Instant, String)>,
}

impl Drop for App {
    fn drop(&mut self) {
        for pid in tree(self.child.id()).into_iter().rev() {
            let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
        let _ = self.child.wait();
    }
}

fn launch(bin: &Path, env: &[(&str, String)]) -> (Instant, App) {
    let mut cmd = Command::new(bin);
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("the app starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    (start, App { child, lines: rx })
}

fn wait_for(app: &App, prefix: &str) -> (Instant, String) {
    loop {
        let Ok((at, line)) = app.lines.recv_timeout(Duration::from_secs(60)) else {
            let shot = std::env::temp_dir().join("binddesk-app-bench-timeout.png");
            let _ = Command::new("import").args(["-window", "root"]).arg(&shot).status();
            panic!("the app did not report {prefix} within a minute; screen saved to {}", shot.display());
        };
        if line.starts_with(prefix) {
            return (at, line);
        }
    }
}

#[tokio::main]
async fn main() {
    let app_bin = PathBuf::from(std::env::args().nth(1).expect("usage: app-bench PATH-TO-binddesk"));
    let dir = std::env::temp_dir().join(format!("binddesk-app-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.join("app-data");
    let secrets = dir.join("secrets");

    // 1. The service and a synced cache of 20,000.
    let svc = RunningService::start_demo(
        &binary_beside_test(),
        dir.join("service.sqlite"),
        &[
            "--demo-applications",
            &std::env::var("BINDDESK_BENCH_APPLICATIONS").unwrap_or_else(|_| "27000".into()),
        ],
    )
    .expect("the release service starts");
    let password = svc.password("admin.riyao").expect("admin login");
    let cfg =
        EngineConfig { data_dir: data.clone(), secrets: SecretStore::folder(&secrets).expect("secrets") };
    let e = Engine::login(&cfg, &svc.base, "admin.riyao", &password).await.expect("login");
    let r = e.sync(&|_| {}, &CancelToken::new()).await.expect("sync");
    println!("cache ready: {} applications, {} signatures", r.applications, r.signatures);
    drop(e);
    let env = |extra: (&'static str, String)| {
        vec![
            ("BINDDESK_SERVICE_URL", svc.base.clone()),
            ("BINDDESK_USERNAME", "admin.riyao".to_string()),
            ("BINDDESK_DATA_DIR", data.to_string_lossy().into_owned()),
            ("BINDDESK_SECRET_DIR", secrets.to_string_lossy().into_owned()),
            ("BINDDESK_BENCH_PASSWORD", password.clone()),
            extra,
        ]
    };

    // 2. Launch to an interactive list, then the filter changes.
    let mut launches = Vec::new();
    let mut filters = Vec::new();
    let mut pss = (0.0, Vec::new());
    for round in 0..3 {
        let (start, app) = launch(&app_bin, &env(("BINDDESK_BENCH", "1".into())));
        let (at, _) = wait_for(&app, "BINDDESK_BENCH interactive");
        launches.push(at.duration_since(start).as_secs_f64() * 1000.0);
        loop {
            let (_, line) = wait_for(&app, "BINDDESK_BENCH ");
            if line.starts_with("BINDDESK_BENCH done") {
                break;
            }
            if round == 2 {
                filters.push(line.trim_start_matches("BINDDESK_BENCH ").to_string());
            }
        }
        if round == 2 {
            std::thread::sleep(Duration::from_secs(2));
            pss = tree_pss_mb(app.child.id());
        }
    }
    launches.sort_by(f64::total_cmp);
    println!(
        "launch to an interactive list of 20,000 cached (3 runs): {:.0} / {:.0} / {:.0} ms (target < 1500 ms)",
        launches[0], launches[1], launches[2]
    );
    for f in &filters {
        println!("{f} ms (target < 100 ms)");
    }

    // 3. The empty window, measured the same way.
    let (_, empty) = launch(&app_bin, &env(("BINDDESK_BENCH_EMPTY", "1".into())));
    wait_for(&empty, "BINDDESK_BENCH empty");
    std::thread::sleep(Duration::from_secs(2));
    let base = tree_pss_mb(empty.child.id());
    drop(empty);
    let fmt = |v: &Vec<(String, f64)>| {
        v.iter()
            .filter(|(_, mb)| *mb > 1.0)
            .map(|(n, mb)| format!("{n} {mb:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("PSS, empty window: {:.0} MB ({})", base.0, fmt(&base.1));
    println!("PSS, 20,000 cached, after the filter changes: {:.0} MB ({})", pss.0, fmt(&pss.1));
    println!("above the empty window: {:.0} MB (target at most 150 MB)", pss.0 - base.0);
    drop(svc);
    let _ = std::fs::remove_dir_all(&dir);
}
