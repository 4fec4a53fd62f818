//! Starts the real `binddesk-service` binary on a free port with a store in a temporary
//! folder, and talks to it over HTTP.

#![allow(dead_code)]

use base64::Engine;
pub use binddesk_testkit::TempDir;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The store a test service runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the test's folder.
    Sqlite,
    /// A database of its own on the test process's PostgreSQL server.
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name` (the latter on Linux, where the tests can start PostgreSQL).
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::common::Backend::Sqlite).await
            })*
        }
        #[cfg(target_os = "linux")]
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::common::Backend::Postgres).await
            })*
        }
    };
}

/// A running service, over the library's harness.
pub struct Service {
    pub running: binddesk_testkit::RunningService,
    pub base: String,
    pub accounts: Vec<Value>,
    /// The store: the SQLite file's path or the PostgreSQL URL.
    pub db: String,
    pub backend: Backend,
    pub http: reqwest::Client,
}

impl Service {
    /// Starts a demo service on a fresh SQLite store in `dir` (or reopens it).
    pub fn start(dir: &TempDir, extra: &[&str]) -> Service {
        Service::start_on(Backend::Sqlite, dir, extra)
    }

    /// Starts a demo service on a fresh store of `backend` named after `dir` (or reopens
    /// it: the same `dir` names the same database).
    pub fn start_on(backend: Backend, dir: &TempDir, extra: &[&str]) -> Service {
        let db = match backend {
            Backend::Sqlite => dir.0.join("service.sqlite").display().to_string(),
            Backend::Postgres => {
                let name: String = dir
                    .0
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .collect();
                binddesk_testkit::pg_server()
                    .and_then(|pg| pg.database(&format!("t_{name}")))
                    .expect("a PostgreSQL database for the test")
            }
        };
        let mut args = vec!["--registry-retry-secs", "1", "--demo-applications", "120"];
        args.extend_from_slice(extra);
        let running = binddesk_testkit::RunningService::start_demo(
            std::path::Path::new(env!("CARGO_BIN_EXE_binddesk-service")),
            &db,
            &args,
        )
        .expect("the service starts");
        Service {
            base: running.base.clone(),
            accounts: running.accounts.clone(),
            running,
            db,
            backend,
            // Idle connections let go before the service's 10 s idle close (see the review
            // engine's client): a test that waits, e.g. for mail, never reuses a closing one.
            http: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(5))
                .build()
                .expect("an HTTP client"),
        }
    }

    /// The demo password of a login.
    pub fn password(&self, username: &str) -> String {
        self.accounts
            .iter()
            .find(|a| a["username"] == username)
            .and_then(|a| a["password"].as_str())
            .unwrap_or_else(|| panic!("no demo account {username}"))
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Logs a demo staff member in; returns the token.
    pub async fn login(&self, username: &str) -> String {
        let (s, v) = self
            .post(None, "/api/v1/session", json!({"username": username, "password": self.password(username)}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut r = self.http.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let resp = r.send().await.expect("GET");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.http.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, token, path, Some(body)).await
    }

    /// A parent session for an address, with the code read from the demo outbox.
    pub async fn parent_login(&self, email: &str) -> String {
        binddesk_testkit::parent_login(&self.http, &self.base, email).await
    }

    /// The newest verification code sent to an address.
    pub async fn latest_code(&self, address: &str) -> String {
        binddesk_testkit::latest_code(&self.http, &self.base, address).await
    }

    /// Full change feed for a token.
    pub async fn all_changes(&self, token: &str) -> Vec<Value> {
        let mut since = 0;
        let mut out = Vec::new();
        loop {
            let (s, v) =
                self.get(Some(token), &format!("/api/v1/review/changes?since={since}&limit=2000")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            out.extend(v["items"].as_array().expect("items").iter().cloned());
            since = v["next_cursor"].as_i64().expect("cursor");
            if !v["has_more"].as_bool().expect("has_more") {
                return out;
            }
        }
    }

    /// Runs SQL on the service's store behind its back (to set up what the API cannot):
    /// `$1`… take `params` as text; returns the rows, every column read as text.
    pub fn sql(&self, sql: &str, params: &[&str]) -> Vec<Vec<String>> {
        match self.backend {
            Backend::Sqlite => {
                let conn = rusqlite::Connection::open(&self.db).expect("open store");
                let mut st = conn.prepare(&sql.replace('$', "?")).expect("prepare");
                let n = st.column_count();
                st.query_map(rusqlite::params_from_iter(params), |r| {
                    (0..n).map(|i| r.get::<_, String>(i)).collect()
                })
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows")
            }
            Backend::Postgres => {
                // The synchronous client runs its own runtime: off the test's.
                let (url, sql) = (self.db.clone(), sql.to_string());
                let params: Vec<String> = params.iter().map(|p| p.to_string()).collect();
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                        params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
                    c.query(&sql, &refs)
                        .expect("query")
                        .iter()
                        .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
                        .collect()
                })
                .join()
                .expect("the SQL thread")
            }
        }
    }

    /// The roster's students of a class that have no application yet, as (id, name).
    pub fn roster_students_without_application(&self, class_id: &str, n: usize) -> Vec<(String, String)> {
        self.sql(
            &format!(
                "SELECT id_number, name FROM students s WHERE class_id = $1
                 AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.student_id = s.id_number)
                 ORDER BY id_number LIMIT {n}"
            ),
            &[class_id],
        )
        .into_iter()
        .map(|mut r| (r.remove(0), r.remove(0)))
        .collect()
    }

    /// Stops the service with SIGTERM and returns whether it exited cleanly.
    pub fn stop(mut self) -> bool {
        self.running.stop()
    }
}

/// A signature PNG (600×200, a few strokes), base64.
pub fn signature_b64(seed: u8) -> String {
    let mut img = image::RgbaImage::from_pixel(600, 200, image::Rgba([255, 255, 255, 255]));
    for x in 40..560u32 {
        let y = 100 + ((x as f32 / (20.0 + f32::from(seed))).sin() * 40.0) as i32;
        for dy in -2..=2 {
            img.put_pixel(x, (y + dy) as u32, image::Rgba([20, 20, 60, 255]));
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// A valid national ID made from a serial number.
pub fn id(second: char, n: u64) -> String {
    binddesk_service::demo::make_id('A', second, n)
}

/// A submission body for one or more students of the demo school.
pub fn submission(parent_name: &str, parent_id: &str, email: &str, students: &[(&str, &str)]) -> Value {
    json!({
        "parent": {"name": parent_name, "id_number": parent_id, "email": email, "phone": "0912-345-678"},
        "students": students.iter().map(|(sid, title)| json!({
            "id_number": sid, "school_level": "senior_high", "school_code": "383401",
            "relationship": {"kind": if *title == "father" || *title == "mother" { "legal_representative" } else { "guardian" }, "title": title}
        })).collect::<Vec<_>>(),
        "consent": true,
        "signature_png": signature_b64(3),
    })
}

/// A minimal SMTP server: accepts every message and hands each DATA section over.
pub fn fake_smtp() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                let _ = w.write_all(b"220 test ESMTP\r\n");
                let mut line = String::new();
                while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    let cmd = line.trim_end().to_ascii_uppercase();
                    if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        let _ = w.write_all(b"250-test\r\n250 8BITMIME\r\n");
                    } else if cmd == "DATA" {
                        let _ = w.write_all(b"354 go on\r\n");
                        let mut data = String::new();
                        let mut l = String::new();
                        while r.read_line(&mut l).map(|n| n > 0).unwrap_or(false) {
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                            l.clear();
                        }
                        let _ = tx.send(data);
                        let _ = w.write_all(b"250 queued\r\n");
                    } else if cmd == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        let _ = w.write_all(b"250 ok\r\n");
                    }
                    line.clear();
                }
            });
        }
    });
    (port, rx)
}
