//! Two service instances on one PostgreSQL database, as a district runs them behind a
//! load balancer: four reviewers' clients alternate between the instances while parents
//! submit, cancel and resubmit. Every change reaches every reviewer's incremental sync
//! exactly once, no decision is applied twice, and each message is mailed once.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Both instances' base URLs; request `n` goes to `bases[n % 2]`.
#[derive(Clone)]
struct Instances {
    bases: [String; 2],
    http: reqwest::Client,
}

impl Instances {
    async fn send(
        &self,
        n: usize,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.bases[n % 2])).bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// A reviewer's client: an incremental sync like the desktop app's.
struct Reviewer {
    token: String,
    cursor: i64,
    /// Every change number received, in order.
    numbers: Vec<i64>,
    /// The newest state received of each application.
    held: HashMap<String, Value>,
    turn: usize,
    /// Decisions applied: (application id, decision id, answer).
    applied: Vec<(String, String, Value)>,
}

impl Reviewer {
    async fn sync(&mut self, at: &Instances) {
        loop {
            self.turn += 1;
            let path = format!("/api/v1/review/changes?since={}&limit=40", self.cursor);
            let (s, v) = at.send(self.turn, reqwest::Method::GET, &self.token, &path, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            for item in v["items"].as_array().expect("items") {
                self.held.insert(item["id"].as_str().expect("id").to_string(), item.clone());
            }
            let next = v["next_cursor"].as_i64().expect("cursor");
            if next != self.cursor {
                self.numbers.push(next);
            }
            self.cursor = next;
            if !v["has_more"].as_bool().expect("has_more") {
                return;
            }
        }
    }

    /// Decides up to a few pending applications it holds, each sent to one instance and
    /// then replayed to the other: the replay must answer the same and change nothing.
    async fn decide_some(&mut self, at: &Instances, returns: bool) {
        let pending: Vec<Value> =
            self.held.values().filter(|a| a["status"] == "pending").take(3).cloned().collect();
        for a in pending {
            let id = a["id"].as_str().expect("id");
            let action = if returns && a["version"] == 1 { "return" } else { "approve" };
            let decision_id = uuid::Uuid::new_v4().to_string();
            let body = json!({
                "action": action, "expected_version": a["version"], "decision_id": decision_id,
                "reason": if action == "return" { Some("請重新簽名 (please sign again)") } else { None },
            });
            let path = format!("/api/v1/review/applications/{id}/decision");
            self.turn += 1;
            let first =
                at.send(self.turn, reqwest::Method::POST, &self.token, &path, Some(body.clone())).await;
            let replay = at.send(self.turn + 1, reqwest::Method::POST, &self.token, &path, Some(body)).await;
            match first.0 {
                StatusCode::OK => {
                    assert_eq!(replay, first, "a replayed decision answers the same on the other instance");
                    self.applied.push((id.to_string(), decision_id, first.1));
                }
                StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {}
                other => panic!("decision: {other} {}", first.1),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_database() {
    let (smtp_port, mails) = fake_smtp();
    let smtp = format!("smtp://127.0.0.1:{smtp_port}");
    let extra = [
        "--smtp-url",
        smtp.as_str(),
        "--code-resend-secs",
        "0",
        "--client-hourly-codes",
        "10000",
        "--client-hourly-guesses",
        "10000",
    ];
    let dir = TempDir::new("test");
    // The first instance fills the demo; the second finds it there.
    let a = Service::start_on(Backend::Postgres, &dir, &extra);
    let b = Service::start_on(Backend::Postgres, &dir, &extra);
    assert_eq!(a.accounts, b.accounts);
    let at = Instances { bases: [a.base.clone(), b.base.clone()], http: a.http.clone() };

    let mut kids = Vec::new();
    for class in ["383401-101", "383401-201", "383401-301"] {
        kids.extend(a.roster_students_without_application(class, 4).into_iter().map(|(id, _)| id));
    }
    assert_eq!(kids.len(), 12, "free students in the demo roster");

    let mut reviewers = Vec::new();
    for user in ["t.info1", "t.info2", "t.info3", "admin.riyao"] {
        reviewers.push(Reviewer {
            token: a.login(user).await,
            cursor: 0,
            numbers: vec![],
            held: HashMap::new(),
            turn: reviewers.len(),
            applied: vec![],
        });
    }

    // Parents: each submits two children on one instance, cancels one on the other, and
    // corrects what comes back returned, alternating.
    let parents_done = Arc::new(AtomicBool::new(false));
    let mut parents = Vec::new();
    for (i, pair) in kids.chunks(2).enumerate() {
        let (at, pair) = (at.clone(), pair.to_vec());
        parents.push(tokio::spawn(async move {
            let email = format!("multi{i}@example.com.tw");
            let token = binddesk_testkit::parent_login(&at.http, &at.bases[i % 2], &email).await;
            let pid = id('1', 7_000_000 + i as u64);
            let body = submission("多實例家長", &pid, &email, &[(&pair[0], "father"), (&pair[1], "father")]);
            let (s, v) = at.send(i, reqwest::Method::POST, &token, "/api/v1/parent/applications", Some(body)).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            let second = v["applications"][1]["id"].as_str().expect("id").to_string();
            let path = format!("/api/v1/parent/applications/{second}");
            let (s, v) = at.send(i + 1, reqwest::Method::DELETE, &token, &path, None).await;
            assert!(s == StatusCode::NO_CONTENT || s == StatusCode::UNPROCESSABLE_ENTITY, "{s} {v}");
            for round in 0..30 {
                let (_, mine) = at.send(round, reqwest::Method::GET, &token, "/api/v1/parent/applications", None).await;
                for app in mine["applications"].as_array().expect("applications") {
                    if app["status"] == "returned" {
                        let body = json!({
                            "id_number": app["student"]["id_number"], "school_level": "senior_high",
                            "school_code": "383401",
                            "relationship": {"kind": "legal_representative", "title": "father"},
                            "parent": {"name": "多實例家長", "id_number": pid, "email": email, "phone": "0912345678"},
                            "signature_png": signature_b64(5),
                        });
                        let path = format!("/api/v1/parent/applications/{}", app["id"].as_str().expect("id"));
                        let (s, v) = at.send(round + 1, reqwest::Method::PUT, &token, &path, Some(body)).await;
                        assert_eq!(s, StatusCode::OK, "{v}");
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    let done = parents_done.clone();
    let parents_finished = tokio::spawn(async move {
        for p in parents {
            p.await.expect("a parent's task");
        }
        done.store(true, Ordering::SeqCst);
    });

    // Reviewers sync and decide, alternating instances, until the parents are done.
    let mut round = 0;
    while !parents_done.load(Ordering::SeqCst) {
        for (n, r) in reviewers.iter_mut().enumerate() {
            r.sync(&at).await;
            r.decide_some(&at, n < 3).await;
        }
        round += 1;
    }
    parents_finished.await.expect("parents");
    assert!(round > 2, "the reviewers worked while the parents did");

    // Every incremental sync holds what a full sync shows, and saw each number once. An
    // instance answers "nothing new" from a head it read up to a second ago: wait that
    // out, as a desktop app's next poll would.
    tokio::time::sleep(binddesk_service::app::cache::TTL).await;
    let mut all_applied = Vec::new();
    for r in &mut reviewers {
        r.sync(&at).await;
        let mut fresh = Reviewer {
            token: r.token.clone(),
            cursor: 0,
            numbers: vec![],
            held: HashMap::new(),
            turn: 0,
            applied: vec![],
        };
        fresh.sync(&at).await;
        let strictly_rising = r.numbers.windows(2).all(|w| w[0] < w[1]);
        assert!(strictly_rising, "change numbers come once and in order");
        let sorted = |m: &HashMap<String, Value>| {
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<BTreeMap<_, _>>()
        };
        assert_eq!(sorted(&r.held), sorted(&fresh.held), "the incremental sync missed a change");
        all_applied.append(&mut r.applied);
    }

    // No decision applied twice: one stored decision per decision the reviewers had
    // applied, and each application's history holds each of them once.
    assert!(!all_applied.is_empty());
    for (id, decision_id, app) in &all_applied {
        let rows = a.sql("SELECT application_id FROM decisions WHERE decision_id = $1", &[decision_id]);
        assert_eq!(rows, [[id.clone()]], "one stored decision per applied one");
        let v: Value =
            serde_json::from_str(&a.sql("SELECT body FROM applications WHERE id = $1", &[id])[0][0])
                .expect("body");
        let staff_decisions = v["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|h| (h["action"] == "approved" || h["action"] == "returned") && h["actor"] != "registry")
            .count();
        let stored_for = a.sql("SELECT decision_id FROM decisions WHERE application_id = $1", &[id]).len();
        assert_eq!(staff_decisions, stored_for, "history and decisions agree for {id}");
        assert!(app["version"].as_u64() <= v["version"].as_u64());
    }

    // Each message mailed once: wait until the outbox is sent, then count.
    let outbox = |s: &Service| {
        s.sql("SELECT to_address, COALESCE(sent_at, '') FROM mail_outbox WHERE channel = 'email'", &[])
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while outbox(&a).iter().any(|r| r[1].is_empty()) {
        assert!(std::time::Instant::now() < deadline, "mail still unsent after 90 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut received: Vec<String> = Vec::new();
    while let Ok(data) = mails.try_recv() {
        let to = data.lines().find_map(|l| l.strip_prefix("To: ")).unwrap_or_default();
        received.push(to.trim().trim_matches(['<', '>']).to_string());
    }
    let mut queued: Vec<String> = outbox(&a).into_iter().map(|mut r| r.remove(0)).collect();
    received.sort();
    queued.sort();
    assert_eq!(received.len(), queued.len(), "messages sent: one per outbox row");
    assert_eq!(received, queued);
    drop(b);
}

/// The feed's hard case, made certain: a writer takes its change number and then waits
/// (here, on a parent account another transaction is inserting), while a second writer
/// in the same school commits and a reader syncs. With numbers taken from a sequence,
/// the reader would get the second change, move its cursor past the first, and never
/// see it; with the school's counter locked, the second writer waits for the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_that_commits_late_is_not_skipped() {
    let dir = TempDir::new("test");
    let a = Service::start_on(Backend::Postgres, &dir, &[]);
    let b = Service::start_on(Backend::Postgres, &dir, &[]);
    let at = Instances { bases: [a.base.clone(), b.base.clone()], http: a.http.clone() };
    let admin = a.login("admin.riyao").await;
    let mut reader = Reviewer {
        token: admin.clone(),
        cursor: 0,
        numbers: vec![],
        held: HashMap::new(),
        turn: 0,
        applied: vec![],
    };
    reader.sync(&at).await;

    // X: a new parent's pending application; W: another pending one of the school.
    let kid = a.roster_students_without_application("383401-201", 1).remove(0).0;
    let email = "late.commit@example.com.tw";
    let parent = binddesk_testkit::parent_login(&at.http, &at.bases[0], email).await;
    let body = submission("晚提交", &id('1', 7_100_000), email, &[(&kid, "father")]);
    let (s, v) = at.send(0, reqwest::Method::POST, &parent, "/api/v1/parent/applications", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let x = v["applications"][0].clone();
    reader.sync(&at).await;
    let w = reader
        .held
        .values()
        .find(|a| a["status"] == "pending" && a["id"] != x["id"] && a["parent"]["email"] != email)
        .cloned()
        .expect("another pending application");

    // Another transaction is inserting X's parent account, and holds it.
    let (url, email_owned) = (a.db.clone(), email.to_string());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let mut tx = c.transaction().expect("begin");
        tx.execute(
            "INSERT INTO parent_accounts (email, parent_id, name, created_at) VALUES ($1, 'x', 'x', 'x')",
            &[&email_owned],
        )
        .expect("insert");
        ready_tx.send(()).expect("ready");
        let _ = release_rx.recv();
        tx.rollback().expect("rollback");
    });
    ready_rx.recv().expect("the holder is ready");

    let decide = |app: &Value, n: usize| {
        let (at, token) = (at.clone(), admin.clone());
        let path = format!("/api/v1/review/applications/{}/decision", app["id"].as_str().expect("id"));
        let body = json!({"action": "approve", "expected_version": app["version"], "decision_id": uuid::Uuid::new_v4().to_string()});
        tokio::spawn(async move { at.send(n, reqwest::Method::POST, &token, &path, Some(body)).await })
    };
    // X's approval takes its number, then waits for the account; W's follows on the
    // other instance; the reader syncs meanwhile.
    let first = decide(&x, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = decide(&w, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    reader.sync(&at).await;
    release_tx.send(()).expect("release");
    holder.join().expect("the holder");
    assert_eq!(first.await.expect("X").0, StatusCode::OK);
    assert_eq!(second.await.expect("W").0, StatusCode::OK);

    // After the instances' kept heads have expired (a second), as the next poll would.
    tokio::time::sleep(binddesk_service::app::cache::TTL).await;
    reader.sync(&at).await;
    let xid = x["id"].as_str().expect("id");
    let status = |id: &str| reader.held.get(id).map(|a| a["status"].clone());
    assert_eq!(status(xid), Some(json!("approved")), "the late commit reached the incremental sync");
    let wid = w["id"].as_str().expect("id");
    assert_eq!(status(wid), Some(json!("approved")));
}

/// The limits hold across instances: one client asking both for codes at once gets
/// exactly its allowance, because the count lives in the database, locked per key.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn code_limits_are_shared_by_the_instances() {
    let dir = TempDir::new("test");
    let extra = ["--client-hourly-codes", "5", "--code-resend-secs", "0"];
    let a = Service::start_on(Backend::Postgres, &dir, &extra);
    let b = Service::start_on(Backend::Postgres, &dir, &extra);
    let mut asks = Vec::new();
    for n in 0..16 {
        let (http, base) = (a.http.clone(), if n % 2 == 0 { a.base.clone() } else { b.base.clone() });
        asks.push(tokio::spawn(async move {
            let body = json!({"channel": "email", "address": format!("limit{n}@example.com.tw")});
            http.post(format!("{base}/api/v1/parent/codes")).json(&body).send().await.expect("ask").status()
        }));
    }
    let mut accepted = 0;
    for ask in asks {
        match ask.await.expect("ask") {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(accepted, 5, "the client's five codes, whichever instance it asked");
}
