//! The security checks under the shipped defaults (no flags): the 60-second resend wait,
//! five tries a code, 200 wrong codes a client an hour, one phone however spelled, and the
//! 10-second header timeout. Each failed on the code before the fix (issue 11).
mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

async fn ask(svc: &Service, channel: &str, address: &str) -> StatusCode {
    svc.post(None, "/api/v1/parent/codes", json!({"channel": channel, "address": address})).await.0
}
async fn try_code(svc: &Service, address: &str, code: &str) -> StatusCode {
    svc.post(None, "/api/v1/parent/session", json!({"address": address, "code": code})).await.0
}
fn wrong(code: &str, n: u32) -> String {
    let c: u32 = code.parse().unwrap_or(0);
    format!("{:06}", (c + 1 + n) % 1_000_000)
}

#[tokio::test]
async fn a_code_dies_after_five_wrong_tries_and_a_resend_waits() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let email = "guess@example.com.tw";
    assert_eq!(ask(&svc, "email", email).await, StatusCode::ACCEPTED);
    let code = svc.latest_code(email).await;
    assert_eq!(ask(&svc, "email", email).await, StatusCode::TOO_MANY_REQUESTS, "a resend at once waits");
    for i in 0..5 {
        try_code(&svc, email, &wrong(&code, i)).await;
    }
    assert_eq!(try_code(&svc, email, &code).await, StatusCode::UNAUTHORIZED, "the code is dead");
}

#[tokio::test]
async fn guesses_are_limited_per_client() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    for i in 0..200 {
        try_code(&svc, &format!("nobody{i}@example.com.tw"), "123456").await;
    }
    let email = "real@example.com.tw";
    assert_eq!(ask(&svc, "email", email).await, StatusCode::ACCEPTED);
    let code = svc.latest_code(email).await;
    assert_eq!(try_code(&svc, email, &code).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn another_spelling_of_one_phone_gets_no_more_codes() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    assert_eq!(ask(&svc, "phone", "0928000111").await, StatusCode::ACCEPTED);
    // A second and third ask of the same spelling: the wait or the hourly limit.
    ask(&svc, "phone", "0928000111").await;
    assert_eq!(ask(&svc, "phone", "0928000111").await, StatusCode::TOO_MANY_REQUESTS);
    for s in ["+886928000111", "886928000111", "00886928000111"] {
        assert_eq!(ask(&svc, "phone", s).await, StatusCode::TOO_MANY_REQUESTS, "{s}");
    }
}

#[tokio::test]
async fn a_connection_whose_headers_never_finish_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let addr = svc.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(25), s.read_to_end(&mut buf)).await;
    assert!(r.is_ok(), "still open after {:?}", started.elapsed());
}
