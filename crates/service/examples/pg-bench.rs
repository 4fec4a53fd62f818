//! The city-scale benchmark (issue 13): PostgreSQL with N applications (default
//! 1,000,000; filled with COPY), two instances of the release service on it, and over
//! loopback HTTP: a no-change incremental sync, a full-sync page of 500, single decisions,
//! a batch of 1,000 decisions; then change-feed requests per second of the two instances
//! under `wrk`, and in the same run an axum hello-world's, with the ratio.
//!
//! Run with `bash scripts/bench-service.sh` (release build; PostgreSQL as the tests start
//! it, with its durable defaults).

use binddesk_domain::Status;
use binddesk_domain::api::Application;
use binddesk_service::store::prelude::*;
use binddesk_service::store::{PgStore, Scope};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCHOOL: &str = "383401";

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

/// A field of PostgreSQL's COPY text format.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
}

/// Fills `n` applications with COPY, spread over the demo's two schools (three in four in
/// the benchmarked one) and their classes, in every status; returns the time taken.
fn fill(url: &str, n: usize, template: &Application) -> Duration {
    let started = Instant::now();
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let classes: Vec<(String, String, String)> = c
        .query("SELECT id, name, school_code FROM classes ORDER BY id", &[])
        .expect("classes")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let of = |school: &str| classes.iter().filter(|c| c.2 == school).cloned().collect::<Vec<_>>();
    let (ours, other) = (of(SCHOOL), of("313302"));
    let mut last: std::collections::HashMap<String, i64> = c
        .query("SELECT school_code, last FROM feed_counters", &[])
        .expect("counters")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let now = chrono::Utc::now();
    let mut tx = c.transaction().expect("begin");
    let mut w = tx
        .copy_in(
            "COPY applications (id, version, status, school_code, class_id, student_id, parent_id, parent_email, \
             owner, batch_id, registry_result, signature_sha256, change_seq, changed_at, body) FROM STDIN",
        )
        .expect("copy");
    let mut buf = String::with_capacity(1 << 20);
    for i in 0..n {
        let mut app = template.clone();
        let classes = if i % 4 == 3 { &other } else { &ours };
        let (class_id, class_name, school) = &classes[i % classes.len()];
        app.id = uuid::Uuid::new_v4().to_string();
        app.batch_id = uuid::Uuid::new_v4().to_string();
        app.student.id_number = binddesk_service::demo::make_id('B', '1', i as u64);
        app.student.school_code = school.clone();
        app.student.class_id = class_id.clone();
        app.student.class_name = class_name.clone();
        app.parent.id_number = binddesk_service::demo::make_id('C', '2', i as u64);
        app.parent.email = format!("parent{i}@bench.example.tw");
        app.flags = vec![];
        (app.status, app.version) = match i % 10 {
            0..=5 => (Status::Approved, 2),
            6 => (Status::AutoApproved, 2),
            7 => (Status::Cancelled, 2),
            8 => (Status::Returned, 2),
            _ => (Status::Pending, 1),
        };
        let seq = last.entry(school.clone()).or_insert(0);
        *seq += 1;
        let body = serde_json::to_string(&app).expect("json");
        let fields = [
            app.id.clone(),
            app.version.to_string(),
            app.status.as_str().to_string(),
            school.clone(),
            class_id.clone(),
            app.student.id_number.clone(),
            app.parent.id_number.clone(),
            app.parent.email.clone(),
            app.parent.email.clone(),
            app.batch_id.clone(),
            app.registry_check.result.as_str().to_string(),
            app.signature.sha256.clone(),
            seq.to_string(),
            now.to_rfc3339(),
            body,
        ];
        buf.push_str(&fields.iter().map(|f| esc(f)).collect::<Vec<_>>().join("\t"));
        buf.push('\n');
        if buf.len() > 1 << 20 {
            w.write_all(buf.as_bytes()).expect("copy rows");
            buf.clear();
        }
    }
    w.write_all(buf.as_bytes()).expect("copy rows");
    w.finish().expect("copy end");
    for (school, seq) in &last {
        tx.execute(
            "INSERT INTO feed_counters (school_code, last) VALUES ($1, $2)
             ON CONFLICT (school_code) DO UPDATE SET last = excluded.last",
            &[school, seq],
        )
        .expect("counter");
    }
    tx.commit().expect("commit");
    c.batch_execute("ANALYZE").expect("analyze");
    started.elapsed()
}

/// Starts a program that prints `{"listen": …}` first; (child, base URL).
fn start(bin: &Path, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(bin)
        .args(args)
        .env("BINDDESK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("start-up line");
    let v: Value = serde_json::from_str(&line).expect("json");
    (child, format!("http://{}", v["listen"].as_str().expect("listen")))
}

/// Requests per second of `wrk -t1 -c16 -d10s` against each URL at once, summed.
fn wrk_total(urls: &[String], token: Option<&str>) -> f64 {
    let runs: Vec<Child> = urls
        .iter()
        .map(|u| {
            let mut c = Command::new("wrk");
            c.args(["-t1", "-c16", "-d10s"]);
            if let Some(t) = token {
                c.args(["-H", &format!("Authorization: Bearer {t}")]);
            }
            c.arg(u).stdout(Stdio::piped()).spawn().expect("wrk (scripts/setup.sh installs it)")
        })
        .collect();
    runs.into_iter()
        .map(|r| {
            let out = r.wait_with_output().expect("wrk");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(!text.contains("Non-2xx"), "{text}");
            text.lines()
                .find_map(|l| l.strip_prefix("Requests/sec:"))
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
        })
        .sum()
}

fn head(url: &str) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    c.query_one("SELECT last FROM feed_counters WHERE school_code = $1", &[&SCHOOL]).expect("head").get(0)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let pg = binddesk_testkit::pg_server().expect("PostgreSQL (scripts/setup.sh installs it)");
    let url = pg.database("bench").expect("database");

    // The demo's schools, classes and staff, then the applications by COPY.
    let (accounts, template) = std::thread::spawn({
        let url = url.clone();
        move || {
            let store = PgStore::open(&url, 2).expect("open");
            let accounts = binddesk_service::demo::ensure_demo(&store, 1_000).expect("demo");
            let scope = Scope { school_code: SCHOOL.into(), class_ids: None };
            let page = store.changes(&scope, 0, 200).expect("changes");
            let template =
                page.items.into_iter().find(|a| a.status == Status::Pending).expect("a pending application");
            (accounts, template)
        }
    })
    .join()
    .expect("demo");
    let took = fill(&url, n, &template);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let total: i64 = c.query_one("SELECT COUNT(*) FROM applications", &[]).expect("count").get(0);
    let ours: i64 = c
        .query_one("SELECT COUNT(*) FROM applications WHERE school_code = $1", &[&SCHOOL])
        .expect("count")
        .get(0);
    let size: String =
        c.query_one("SELECT pg_size_pretty(pg_database_size(current_database()))", &[]).expect("size").get(0);
    println!(
        "PostgreSQL: {total} applications ({ours} in the benchmarked school), {size}, filled by COPY in {:.0} s",
        took.as_secs_f64()
    );

    // Two instances of the release service on the one database.
    let exe = std::env::current_exe().expect("exe");
    let release: PathBuf = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let service = release.join("binddesk-service");
    let args = ["serve", "--listen", "127.0.0.1:0", "--readers", "8", "--db", url.as_str()];
    let (mut a, base_a) = start(&service, &args);
    let (mut b, base_b) = start(&service, &args);
    let bases = [base_a.clone(), base_b.clone()];
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let admin_pw = accounts.iter().find(|a| a.username == "admin.riyao").expect("admin").password.clone();
    let http = reqwest::Client::new();
    let decidable: Vec<(String, i64)> = c
        .query(
            "SELECT id, version FROM applications WHERE school_code = $1 AND status = 'pending' AND parent_email LIKE '%@bench.example.tw'
             ORDER BY change_seq LIMIT 1050",
            &[&SCHOOL],
        )
        .expect("pending")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let since = head(&url);
    let (token, nochange, page, single, batch) = rt.block_on(async {
        let v: Value = http
            .post(format!("{base_a}/api/v1/session"))
            .json(&json!({"username": "admin.riyao", "password": admin_pw}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = v["token"].as_str().expect("token").to_string();
        let timed_get = |url: String| {
            let (http, token) = (http.clone(), token.clone());
            async move {
                let t = Instant::now();
                let r = http.get(url).bearer_auth(token).send().await.expect("get");
                assert!(r.status().is_success());
                let _ = r.bytes().await.expect("body");
                t.elapsed()
            }
        };
        let mut nochange = Vec::new();
        for i in 0..300 {
            nochange.push(timed_get(format!("{}/api/v1/review/changes?since={since}", bases[i % 2])).await);
        }
        let mut page = Vec::new();
        for i in 0..20 {
            page.push(timed_get(format!("{}/api/v1/review/changes?since=0&limit=500", bases[i % 2])).await);
        }
        let mut single = Vec::new();
        for (i, (id, v)) in decidable[..50].iter().enumerate() {
            let t = Instant::now();
            let r = http
                .post(format!("{}/api/v1/review/applications/{id}/decision", bases[i % 2]))
                .bearer_auth(&token)
                .json(&json!({"action": "approve", "expected_version": v, "decision_id": uuid::Uuid::new_v4().to_string()}))
                .send()
                .await
                .expect("decide");
            assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
            single.push(t.elapsed());
        }
        let items: Vec<Value> = decidable[50..1050]
            .iter()
            .map(|(id, v)| json!({"application_id": id, "action": "approve", "expected_version": v, "decision_id": uuid::Uuid::new_v4().to_string()}))
            .collect();
        let t = Instant::now();
        let r = http
            .post(format!("{base_b}/api/v1/review/decisions"))
            .bearer_auth(&token)
            .json(&json!({ "decisions": items }))
            .send()
            .await
            .expect("batch");
        let v: Value = r.json().await.expect("json");
        let batch = t.elapsed();
        let applied = v["results"].as_array().expect("results").iter().filter(|r| r["outcome"] == "applied").count();
        assert_eq!(applied, 1000, "{v}");
        (token, median_ms(nochange), median_ms(page), median_ms(single), batch.as_secs_f64() * 1000.0)
    });
    println!("\nover loopback HTTP, two release instances alternating, medians:");
    println!("  no-change incremental sync, administrator: {nochange:.2} ms (target under 5 ms)");
    println!("  full-sync page of 500: {page:.1} ms (target under 20 ms)");
    println!("  single decision: {single:.2} ms");
    println!("  batch of 1,000 decisions: {batch:.0} ms (target under 1 s)");

    // The feed a desktop app polls, on both instances at once; then the ceiling.
    let since = head(&url);
    let feed_urls: Vec<String> =
        bases.iter().map(|b| format!("{b}/api/v1/review/changes?since={since}")).collect();
    let feed = wrk_total(&feed_urls, Some(&token));
    let _ = Command::new("kill").arg("-TERM").arg(a.id().to_string()).status();
    let _ = Command::new("kill").arg("-TERM").arg(b.id().to_string()).status();
    let _ = (a.wait(), b.wait());
    let (mut hello, hello_base) = start(&release.join("examples/hello"), &[]);
    let ceiling = wrk_total(&[format!("{hello_base}/"), format!("{hello_base}/")], None);
    let _ = hello.kill();
    let _ = hello.wait();
    println!("\nrequests per second, two `wrk -t1 -c16 -d10s` at once:");
    println!("  no-change change feed, two instances on PostgreSQL: {feed:.0} req/s");
    println!("  axum hello-world, same machine, same run: {ceiling:.0} req/s");
    println!("  ratio: {:.2} (target at least 0.50)", feed / ceiling);
    let _ = std::io::stdout().flush();
}
