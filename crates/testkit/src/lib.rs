//! # binddesk-testkit
//!
//! What the tests of every BindDesk crate share, in one place and nowhere in a
//! production crate: starting the real `binddesk-service` binary on a free port
//! ([`RunningService`]), a real PostgreSQL server for the test process ([`pg_server`]), temporary folders removed on drop ([`TempDir`]), PDFs read back
//! with poppler ([`poppler`], also from the Windows build under Wine), and logging a
//! parent in with the code the demo service "sent" ([`parent_login`]). Only ever a
//! dev-dependency.

mod poppler;
mod postgres;
mod service;

pub use poppler::{POPPLER_BRIDGE, Ran, arg, pdf_text, poppler};

pub use postgres::{PgServer, pg_server};
pub use service::{RunningService, binary_beside_test};

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty folder under the system's temp folder, named `binddesk-PREFIX-UUID`.
    pub fn new(prefix: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("binddesk-{prefix}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&p).expect("a temporary folder");
        TempDir(p)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The newest verification code the demo service sent to `address`, read from its outbox
/// (`GET /api/v1/dev/outbox`).
pub async fn latest_code(http: &reqwest::Client, base: &str, address: &str) -> String {
    let out: Value = http
        .get(format!("{base}/api/v1/dev/outbox"))
        .send()
        .await
        .expect("the demo outbox")
        .json()
        .await
        .expect("the outbox as JSON");
    let body = out["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["to"] == address && m["kind"] == "verification_code")
        .and_then(|m| m["body"].as_str())
        .unwrap_or_else(|| panic!("no code was sent to {address}"))
        .to_string();
    body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("six digits").to_string()
}

/// A parent session for an e-mail address: asks for a code, reads it from the demo
/// outbox, logs in; returns the bearer token.
pub async fn parent_login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/parent/codes"))
        .json(&json!({"channel": "email", "address": email}))
        .send()
        .await
        .expect("ask for a code");
    assert_eq!(r.status(), 202, "a code for {email}");
    let code = latest_code(http, base, email).await;
    let v: Value = http
        .post(format!("{base}/api/v1/parent/session"))
        .json(&json!({"address": email, "code": code}))
        .send()
        .await
        .expect("log in")
        .json()
        .await
        .expect("the session as JSON");
    v["token"].as_str().unwrap_or_else(|| panic!("no token: {v}")).to_string()
}
