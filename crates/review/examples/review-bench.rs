//! The review engine's benchmark (issue 4), against the real service (release binary) on
//! loopback, with real encrypted cache files:
//! - a full sync of 5,000 applications with their signatures;
//! - a no-change sync;
//! - a batch approval of 1,000 applications, outbox to acknowledged;
//! - a cache query for one page of 100 out of 20,000 with a text filter;
//! - the peak memory (VmHWM) of a process doing a full sync of 20,000.
//!
//! Run with `bash scripts/bench-review.sh`.

use binddesk_domain::{DecisionAction, Status};
use binddesk_review::secrets::SecretStore;
use binddesk_review::views::{ListQuery, SortKey};
use binddesk_review::{CancelToken, Engine, EngineConfig};
use binddesk_testkit::{RunningService, binary_beside_test};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn config(dir: &Path, name: &str) -> EngineConfig {
    EngineConfig {
        data_dir: dir.join(name),
        secrets: SecretStore::folder(&dir.join(format!("{name}-secrets"))).expect("secret folder"),
    }
}

fn start(dir: &Path, n: usize) -> RunningService {
    let t = Instant::now();
    let svc = RunningService::start_demo(
        &binary_beside_test(),
        dir.join(format!("service-{n}.sqlite")),
        &["--demo-applications", &n.to_string()],
    )
    .expect("the release service starts (cargo build --release -p binddesk-service)");
    println!("service with {n} applications ready in {:.1} s", t.elapsed().as_secs_f64());
    svc
}

fn vm_hwm_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Child mode: log in, full sync, print the peak resident memory.
async fn sync_child(base: &str, password: &str, dir: &Path) {
    let cfg = config(dir, "child");
    let e = Engine::login(&cfg, base, "admin.riyao", password).await.expect("login");
    let t = Instant::now();
    let r = e.sync(&|_| {}, &CancelToken::new()).await.expect("sync");
    println!(
        "CHILD {} {} {} {:.3} {:.1}",
        r.applications,
        r.signatures,
        r.bytes,
        t.elapsed().as_secs_f64(),
        vm_hwm_mb()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--sync-child") {
        sync_child(&args[2], &args[3], Path::new(&args[4])).await;
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("binddesk-review-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    // ---- 5,000: full sync, no-change sync, batch approval of 1,000. The demo puts about
    // three quarters of its applications in the administrator's school, so the store is
    // sized for the administrator to see at least 5,000 (and 20,000 below).
    let svc = start(&dir, 6900);
    let password = svc.password("admin.riyao").expect("admin login");
    let cfg = config(&dir, "five");
    let e = Engine::login(&cfg, &svc.base, "admin.riyao", &password).await.expect("login");
    let t = Instant::now();
    let r = e.sync(&|_| {}, &CancelToken::new()).await.expect("sync");
    let full = t.elapsed();
    assert!(r.applications >= 5000, "{} applications in scope", r.applications);
    println!(
        "full sync: {} applications, {} signatures, {:.1} MB in {:.2} s (target < 5 s)",
        r.applications,
        r.signatures,
        r.bytes as f64 / 1e6,
        full.as_secs_f64()
    );
    let mut v = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let r = e.sync(&|_| {}, &CancelToken::new()).await.expect("sync");
        v.push(t.elapsed());
        assert_eq!(r.applications, 0);
    }
    println!("no-change sync: median {:.2} ms over 30 (target < 30 ms)", median_ms(v));

    let pending =
        e.ids_matching(&ListQuery { status: Some(Status::Pending), ..Default::default() }).expect("query");
    let ids: Vec<String> = pending.into_iter().take(1000).collect();
    let t = Instant::now();
    let queued = e.decide_many(&ids, DecisionAction::Approve, None).expect("queue");
    let t_queue = t.elapsed();
    let sent = e.send_outbox(true).await.expect("send");
    let batch = t.elapsed();
    println!(
        "batch approval: {} queued ({} skipped by the rules) in {:.0} ms, {} acknowledged, {} conflicts; outbox to acknowledged {:.2} s (target < 3 s)",
        queued.queued,
        queued.skipped.len(),
        t_queue.as_secs_f64() * 1000.0,
        sent.applied,
        sent.conflicts,
        batch.as_secs_f64()
    );
    drop(e);
    drop(svc);

    // ---- 20,000: peak memory of a full sync (own process), then queries on its cache
    let svc = start(&dir, 27000);
    let password = svc.password("admin.riyao").expect("admin login");
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .args(["--sync-child", &svc.base, &password])
        .arg(&dir)
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("CHILD ")).unwrap_or("CHILD ? ? ? ? ?");
    let f: Vec<&str> = line.split_whitespace().collect();
    println!(
        "full sync of 20,000: {} applications, {} signatures, {:.1} MB in {} s; peak memory (VmHWM) {} MB (target < 150 MB)",
        f[1],
        f[2],
        f[3].parse::<f64>().unwrap_or(0.0) / 1e6,
        f[4],
        f[5]
    );

    let cfg = config(&dir, "child");
    let t = Instant::now();
    let e = Engine::open_offline(&cfg, &svc.base, "admin.riyao", &password).expect("the child's cache");
    let opened = t.elapsed();
    let t = Instant::now();
    let first = e.list(&ListQuery::default()).expect("first page");
    println!(
        "open the cache {:.1} ms; first page of {} (builds the list index) {:.1} ms",
        opened.as_secs_f64() * 1000.0,
        first.total,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let total = e.status().expect("status").cached;
    assert!(total >= 20000, "{total} applications cached");
    let queries = [
        ("a surname, 陳", ListQuery { text: Some("陳".into()), limit: 100, ..Default::default() }),
        (
            "a masked ID prefix, a1, newest first",
            ListQuery {
                text: Some("a1".into()),
                sort: SortKey::SubmittedDesc,
                limit: 100,
                ..Default::default()
            },
        ),
        (
            "pending + 曉, second page",
            ListQuery {
                text: Some("曉".into()),
                status: Some(Status::Pending),
                offset: 100,
                limit: 100,
                ..Default::default()
            },
        ),
        ("no match", ListQuery { text: Some("不存在的名字".into()), limit: 100, ..Default::default() }),
    ];
    for (name, q) in &queries {
        let _ = e.list(q).expect("warm");
        let mut v = Vec::new();
        let mut found = 0;
        for _ in 0..50 {
            let t = Instant::now();
            let page = e.list(q).expect("query");
            v.push(t.elapsed());
            found = page.total;
        }
        println!(
            "query of {total} cached, text filter ({name}): {found} match, page of 100 in median {:.2} ms (target < 10 ms)",
            median_ms(v)
        );
    }
    let t = Instant::now();
    let _ = e.counts().expect("counts");
    println!("counts per class and status of {total}: {:.2} ms", t.elapsed().as_secs_f64() * 1000.0);
    drop(e);
    drop(svc);
    let _ = std::fs::remove_dir_all(&dir);
}
