//! The service's benchmark (issue 3): a store of N applications (default 100,000), then
//! in process (the store directly) and over loopback HTTP (the release binary):
//! a no-change incremental sync, a full-sync page of 500, a single decision, a batch of
//! 1000 decisions; and change-feed requests per second under `wrk`. Also the no-change
//! sync on a small store, to show it costs the same at 1,000 and 100,000.
//!
//! Run with `bash scripts/bench-service.sh` (release build).

use binddesk_domain::api::BatchDecisionItem;
use binddesk_domain::{DecisionAction, Status};
use binddesk_service::store::prelude::*;
use binddesk_service::store::{Scope, SqliteStore};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed());
    }
    median_ms(v)
}

fn fill(dir: &Path, n: usize) -> (PathBuf, Vec<binddesk_service::demo::DemoAccount>) {
    let db = dir.join(format!("bench-{n}.sqlite"));
    let store = SqliteStore::open(&db, 2).expect("open store");
    let t = Instant::now();
    let accounts = binddesk_service::demo::ensure_demo(&store, n).expect("fill");
    let count: usize = store.changes(&admin_scope(), 0, 1).map(|_| 0).unwrap_or(0);
    let _ = count;
    println!("filled a store of {n} applications in {:.1} s", t.elapsed().as_secs_f64());
    (db, accounts)
}

fn admin_scope() -> Scope {
    Scope { school_code: "383401".into(), class_ids: None }
}

fn teacher_scope() -> Scope {
    Scope { school_code: "383401".into(), class_ids: Some(vec!["383401-201".into()]) }
}

fn admin_staff(store: &SqliteStore) -> binddesk_domain::api::Staff {
    store.staff_by_username("admin.riyao").expect("query").expect("admin").staff
}

fn cursor_end(store: &SqliteStore, scope: &Scope) -> (i64, usize) {
    let mut since = 0;
    let mut total = 0;
    loop {
        let p = store.changes(scope, since, 2000).expect("changes");
        total += p.items.len();
        since = p.next_cursor;
        if !p.has_more {
            return (since, total);
        }
    }
}

/// Pending applications without flags (decidable), at most `n`.
fn decidable(store: &SqliteStore, n: usize) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut since = 0;
    loop {
        let p = store.changes(&admin_scope(), since, 2000).expect("changes");
        out.extend(
            p.items
                .iter()
                .filter(|a| a.status == Status::Pending && a.flags.is_empty())
                .map(|a| (a.id.clone(), a.version)),
        );
        since = p.next_cursor;
        if !p.has_more || out.len() >= n {
            out.truncate(n);
            return out;
        }
    }
}

fn items(apps: &[(String, u32)]) -> Vec<BatchDecisionItem> {
    apps.iter()
        .map(|(id, v)| BatchDecisionItem {
            application_id: id.clone(),
            action: DecisionAction::Approve,
            reason: None,
            expected_version: *v,
            decision_id: uuid::Uuid::new_v4().to_string(),
        })
        .collect()
}

/// Follows the change feed over HTTP from `since` to its end; returns the last cursor.
async fn http_feed_end(http: &reqwest::Client, base: &str, token: &str, mut since: i64) -> i64 {
    loop {
        let v: Value = http
            .get(format!("{base}/api/v1/review/changes?since={since}&limit=2000"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        since = v["next_cursor"].as_i64().expect("cursor");
        if v["has_more"] == false {
            return since;
        }
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("binddesk-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    // ---- in process
    let (small_db, _) = fill(&dir, 1_000);
    let small = SqliteStore::open(&small_db, 2).expect("open");
    let (small_end, _) = cursor_end(&small, &admin_scope());
    let small_nochange = time(500, || small.changes(&admin_scope(), small_end, 500).expect("changes"));

    let (db, accounts) = fill(&dir, n);
    let store = SqliteStore::open(&db, 2).expect("open");
    let (end, total) = cursor_end(&store, &admin_scope());
    let (tend, ttotal) = cursor_end(&store, &teacher_scope());
    println!("store: {total} applications in the school, {ttotal} in 資訊二忠");
    let nochange = time(500, || store.changes(&admin_scope(), end, 500).expect("changes"));
    let nochange_teacher = time(500, || store.changes(&teacher_scope(), tend, 500).expect("changes"));
    let page = time(20, || store.changes(&admin_scope(), 0, 500).expect("changes"));
    let staff = admin_staff(&store);
    let pool = decidable(&store, 2_200);
    assert!(pool.len() >= 2_100, "not enough decidable applications: {}", pool.len());
    let mut singles = pool[..50].iter();
    let single = time(50, || {
        let it = items(std::slice::from_ref(singles.next().expect("item")));
        store.decide(&staff, &admin_scope(), &it, chrono::Utc::now()).expect("decide")
    });
    let batch_items = items(&pool[50..1050]);
    let t = Instant::now();
    let res = store.decide(&staff, &admin_scope(), &batch_items, chrono::Utc::now()).expect("batch");
    let batch = t.elapsed().as_secs_f64() * 1000.0;
    assert!(res.iter().all(|r| r.outcome == binddesk_domain::BatchOutcome::Applied));
    drop(store);
    drop(small);

    println!("\nin process (store directly), medians:");
    println!("  no-change incremental sync, admin, {n} applications: {nochange:.3} ms");
    println!("  no-change incremental sync, admin, 1,000 applications: {small_nochange:.3} ms");
    println!("  no-change incremental sync, teacher of one class: {nochange_teacher:.3} ms");
    println!("  full-sync page of 500: {page:.2} ms");
    println!("  single decision: {single:.2} ms");
    println!("  batch of 1000 decisions: {batch:.0} ms");

    // ---- over loopback HTTP, the release binary
    let exe = std::env::current_exe().expect("exe");
    let bin = exe.parent().and_then(Path::parent).expect("target dir").join("binddesk-service");
    let mut child = Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("BINDDESK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("start-up line");
    let listen =
        serde_json::from_str::<Value>(&line).expect("json")["listen"].as_str().expect("listen").to_string();
    let base = format!("http://{listen}");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let admin_pw = accounts.iter().find(|a| a.username == "admin.riyao").expect("admin").password.clone();
    let http = reqwest::Client::new();
    let (token, h_nochange, h_page, h_single, h_batch) = rt.block_on(async {
        let v: Value = http
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": "admin.riyao", "password": admin_pw}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = v["token"].as_str().expect("token").to_string();
        let get = |url: String| {
            let (http, token) = (http.clone(), token.clone());
            async move {
                let t = Instant::now();
                let r = http.get(url).bearer_auth(token).send().await.expect("get");
                assert!(r.status().is_success());
                let _ = r.bytes().await.expect("body");
                t.elapsed()
            }
        };
        // Where the feed ends now (after the in-process decisions).
        let since = http_feed_end(&http, &base, &token, end).await;
        let mut a = Vec::new();
        for _ in 0..300 {
            a.push(get(format!("{base}/api/v1/review/changes?since={since}")).await);
        }
        let mut b = Vec::new();
        for _ in 0..20 {
            b.push(get(format!("{base}/api/v1/review/changes?since=0&limit=500")).await);
        }
        let mut c = Vec::new();
        for (id, v) in &pool[1050..1100] {
            let t = Instant::now();
            let r = http
                .post(format!("{base}/api/v1/review/applications/{id}/decision"))
                .bearer_auth(&token)
                .json(&json!({"action": "approve", "expected_version": v, "decision_id": uuid::Uuid::new_v4().to_string()}))
                .send()
                .await
                .expect("decide");
            assert!(r.status().is_success());
            let _ = r.bytes().await;
            c.push(t.elapsed());
        }
        let body = json!({"decisions": items(&pool[1100..2100])});
        let t = Instant::now();
        let r = http.post(format!("{base}/api/v1/review/decisions")).bearer_auth(&token).json(&body).send().await.expect("batch");
        let v: Value = r.json().await.expect("json");
        let batch = t.elapsed().as_secs_f64() * 1000.0;
        assert!(v["results"].as_array().expect("results").iter().all(|r| r["outcome"] == "applied"));
        (token, median_ms(a), median_ms(b), median_ms(c), batch)
    });
    println!("\nover loopback HTTP (release binary), medians:");
    println!("  no-change incremental sync: {h_nochange:.2} ms");
    println!("  full-sync page of 500: {h_page:.1} ms");
    println!("  single decision: {h_single:.2} ms");
    println!("  batch of 1000 decisions: {h_batch:.0} ms");

    // ---- throughput with wrk: the no-change change-feed request a desktop app polls with.
    // After the HTTP decisions above, the feed has moved on again.
    let last_cursor = rt.block_on(http_feed_end(&http, &base, &token, end));
    let wrk = Command::new("wrk")
        .args(["-t2", "-c32", "-d10s", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .arg(format!("{base}/api/v1/review/changes?since={last_cursor}"))
        .output();
    match wrk {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            let rps =
                text.lines().find(|l| l.starts_with("Requests/sec")).unwrap_or("Requests/sec: (no answer)");
            let non2xx = text.lines().find(|l| l.contains("Non-2xx")).unwrap_or("");
            println!("\nwrk -t2 -c32 -d10s, no-change change-feed requests over loopback:");
            println!("  {rps} {non2xx}");
        }
        Err(e) => println!("\nwrk could not run ({e}): install it with scripts/setup.sh"),
    }
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
