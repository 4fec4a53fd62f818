//! The command line beyond `serve --demo`: importing a roster and staff into a new store,
//! serving it, logging in as an imported teacher; expired sessions; and mail delivered
//! over SMTP to a minimal SMTP server in the test (no real one can run here).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
}

/// Starts `serve` (not demo) on a store; returns the child and the base URL.
fn serve(db: &std::path::Path, extra: &[&str]) -> (std::process::Child, String) {
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .env("BINDDESK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
    let v: Value = serde_json::from_str(&line).expect("json");
    assert_eq!(v["accounts"], json!([]), "no demo logins outside demo mode");
    (child, format!("http://{}", v["listen"].as_str().expect("listen")))
}

#[tokio::test]
async fn imported_roster_and_staff_can_log_in_and_review() {
    let dir = TempDir::new("test");
    let db = dir.0.join("school.sqlite");
    let roster = dir.0.join("roster.csv");
    std::fs::write(
        &roster,
        "school_code,school_name,class_id,class_name,school_level,student_id,student_name\n\
         383401,臺北市私立日曜學校,383401-201,資訊二忠,senior_high,a123456789,陳曉明\n\
         383401,臺北市私立日曜學校,383401-202,商經二孝,senior_high,YA94423433,吳大寶\n",
    )
    .unwrap();
    let out = bin().args(["import-roster"]).arg(&roster).arg("--db").arg(&db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!((report["added"].clone(), report["imported"].clone()), (json!(2), json!(true)), "{report}");

    let staff = dir.0.join("staff.csv");
    std::fs::write(
        &staff,
        "username,name,role,school_code,password,class_ids\n\
         zhang,張文彬,teacher,383401,long-enough-1,383401-201\n\
         office,註冊組,admin,383401,long-enough-2,\n",
    )
    .unwrap();
    let out = bin().args(["import-staff"]).arg(&staff).arg("--db").arg(&db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Bad files are refused with a line number, and change nothing.
    let bad = dir.0.join("bad.csv");
    std::fs::write(&bad, "school_code,school_name,class_id,class_name,school_level,student_id,student_name\n383401,x,c,c,senior_high,A123456788,x\n").unwrap();
    let out = bin().args(["import-roster"]).arg(&bad).arg("--db").arg(&db).output().unwrap();
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    assert!(
        report["errors"][0]["message"].as_str().unwrap_or_default().starts_with("student_id"),
        "{report}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was imported"));
    std::fs::write(&bad, "username,name,role\nx,y,teacher\n").unwrap();
    let out = bin().args(["import-staff"]).arg(&bad).arg("--db").arg(&db).output().unwrap();
    assert!(!out.status.success());

    let (mut child, base) = serve(&db, &[]);
    let http = reqwest::Client::new();
    let login = |username: &'static str, password: &'static str| {
        let (http, url) = (http.clone(), format!("{base}/api/v1/session"));
        async move {
            let r = http
                .post(url)
                .json(&json!({"username": username, "password": password}))
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let v = login("zhang", "long-enough-1").await;
    assert_eq!(v["staff"]["role"], "teacher");
    assert_eq!(v["staff"]["classes"], json!([{"id": "383401-201", "name": "資訊二忠"}]));
    let v = login("office", "long-enough-2").await;
    assert_eq!(
        v["staff"]["classes"].as_array().unwrap().len(),
        2,
        "an administrator's classes: the whole school"
    );
    // Outside demo mode the dev endpoints do not exist.
    let r = http.get(format!("{base}/api/v1/dev/outbox")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let _ = child.kill();
    let _ = child.wait();

    // Demo mode refuses to fill a store that holds real data.
    let out = bin()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("BINDDESK_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not the demo's"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--staff-session-minutes", "0"]);
    let (s, v) = svc
        .post(None, "/api/v1/session", json!({"username": "t.info2", "password": svc.password("t.info2")}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let token = v["token"].as_str().unwrap();
    let (s, v) = svc.get(Some(token), "/api/v1/review/changes").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "invalid_token");
}

/// The text of a message's body, whichever transfer encoding lettre chose.
fn decoded_body(data: &str) -> String {
    use base64::Engine;
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let head = head.to_ascii_lowercase();
    if head.contains("content-transfer-encoding: base64") {
        let b: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(b).unwrap_or_default())
            .into_owned()
    } else {
        body.replace("=\r\n", "")
    }
}

#[tokio::test]
async fn notices_are_delivered_over_smtp_when_configured() {
    let (port, mails) = fake_smtp();
    let dir = TempDir::new("test");
    let url = format!("smtp://127.0.0.1:{port}");
    let svc = Service::start(&dir, &["--smtp-url", &url]);
    let (s, _) = svc
        .post(
            None,
            "/api/v1/parent/codes",
            json!({"channel": "email", "address": "smtp.test@example.com.tw"}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let code = svc.latest_code("smtp.test@example.com.tw").await;
    // The demo's own notices go out first; wait for the code's message.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let data = mails.recv_timeout(Duration::from_secs(30)).expect("a message over SMTP");
        if data.contains("smtp.test@example.com.tw") {
            assert!(decoded_body(&data).contains(&code), "the code is not in the message: {data}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the code's message never came");
    }
    // The outbox marks it sent.
    for _ in 0..50 {
        let (_, v) = svc.get(None, "/api/v1/dev/outbox").await;
        let m = v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["to"] == "smtp.test@example.com.tw")
            .cloned()
            .unwrap();
        if !m["sent_at"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the outbox never marked the message sent");
}

/// Closing standard input stops the service gracefully (the stop a Windows parent
/// process can give, where there is no SIGTERM).
#[test]
fn closing_stdin_stops_the_service() {
    let dir = TempDir::new("test");
    let mut child = bin()
        .args([
            "serve",
            "--demo",
            "--demo-applications",
            "10",
            "--listen",
            "127.0.0.1:0",
            "--stop-on-stdin-close",
            "--db",
        ])
        .arg(dir.0.join("s.sqlite"))
        .env("BINDDESK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("start-up line");
    assert!(line.contains("listen"), "{line}");
    drop(child.stdin.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("status") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running after stdin closed");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
