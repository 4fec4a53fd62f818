//! Running the service as a district does: HTTPS served directly, `/metrics`, liveness
//! apart from readiness, draining before a stop, and backups of a live store.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;
#[cfg(unix)]
use std::time::Duration;

#[cfg(unix)]
/// A test CA and a certificate it signed for 127.0.0.1 and localhost, made by openssl:
/// (CA certificate, certificate, key).
fn certificates(dir: &TempDir) -> (String, String, String) {
    let p = |name: &str| dir.0.join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        &[
            &["req", "-x509"],
            &ec[..],
            &["-days", "2", "-subj", "/CN=BindDesk test CA", "-keyout", &p("ca.key"), "-out", &p("ca.pem")],
        ]
        .concat(),
    );
    openssl(
        &[&["req"], &ec[..], &["-subj", "/CN=127.0.0.1", "-keyout", &p("key.pem"), "-out", &p("leaf.csr")]]
            .concat(),
    );
    std::fs::write(
        dir.0.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("leaf.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p("leaf.ext"),
        "-out",
        &p("cert.pem"),
    ]);
    (p("ca.pem"), p("cert.pem"), p("key.pem"))
}

#[cfg(unix)]
#[tokio::test]
async fn https_is_served_directly_with_a_certificate() {
    let dir = TempDir::new("test");
    let (ca, cert, key) = certificates(&dir);
    let svc = Service::start(&dir, &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(svc.base.starts_with("https://"), "{}", svc.base);
    let pem = std::fs::read(&ca).expect("CA");
    let https = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .build()
        .expect("client");
    let r = https.get(format!("{}/readyz", svc.base)).send().await.expect("https");
    assert_eq!(r.status(), StatusCode::OK);
    // The parent's session cookie is Secure over HTTPS, and pages send HSTS.
    let page = https.get(format!("{}/", svc.base)).send().await.expect("page");
    assert!(page.headers().contains_key("strict-transport-security"));
    // Plain HTTP on the TLS port gets no answer.
    let plain = svc.base.replacen("https://", "http://", 1);
    let r =
        reqwest::Client::new().get(format!("{plain}/readyz")).timeout(Duration::from_secs(5)).send().await;
    assert!(r.is_err() || !r.expect("answer").status().is_success());
    // A certificate without its key is refused at start.
    let out = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--tls-cert", &cert])
        .output()
        .expect("serve");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn metrics_count_requests_and_show_the_backlog() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let teacher = svc.login("t.info2").await;
    let (_, page) = svc.get(Some(&teacher), "/api/v1/review/changes?since=0&limit=5").await;
    let cursor = page["next_cursor"].as_i64().expect("cursor");
    let (s, _) = svc.get(Some(&teacher), &format!("/api/v1/review/changes?since={cursor}&limit=5")).await;
    assert_eq!(s, StatusCode::OK);
    let r = svc.http.get(svc.url("/metrics")).send().await.expect("metrics");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.expect("text");
    assert!(
        text.contains(
            "binddesk_http_requests_total{method=\"GET\",route=\"/api/v1/review/changes\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains("binddesk_http_request_duration_seconds_count{route=\"/api/v1/session\"} 1"),
        "{text}"
    );
    assert!(text.contains("binddesk_feed_lag_seconds_count 1"), "one incremental page with items: {text}");
    let depth = text.lines().find_map(|l| l.strip_prefix("binddesk_outbox_depth ")).expect("outbox depth");
    assert!(depth.parse::<u64>().expect("a number") > 0, "the demo's notices wait for a mail server");
    assert!(!text.contains("t.info2") && !text.contains('@'), "nothing personal in metrics");
}

#[tokio::test]
async fn metrics_ask_for_the_token_when_one_is_set() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--metrics-token", "scrape-me"]);
    let r = svc.http.get(svc.url("/metrics")).send().await.expect("metrics");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "loopback alone is not enough once a token is set");
    let r = svc.http.get(svc.url("/metrics")).bearer_auth("wrong").send().await.expect("metrics");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = svc.http.get(svc.url("/metrics")).bearer_auth("scrape-me").send().await.expect("metrics");
    assert_eq!(r.status(), StatusCode::OK);
}

#[cfg(unix)]
#[tokio::test]
async fn a_stopping_instance_is_alive_but_not_ready_until_it_drains() {
    let dir = TempDir::new("test");
    let mut svc = Service::start(&dir, &["--drain-secs", "3"]);
    let (s, _) = svc.get(None, "/readyz").await;
    assert_eq!(s, StatusCode::OK);
    let pid = svc.running.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (s, v) = svc.get(None, "/readyz").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    let (s, _) = svc.get(None, "/livez").await;
    assert_eq!(s, StatusCode::OK, "alive while draining");
    // A request in the drain window is still answered.
    let teacher = svc.login("t.info1").await;
    assert!(!teacher.is_empty());
    let started = std::time::Instant::now();
    let status = loop {
        if let Ok(Some(st)) = svc.running.child.try_wait() {
            break st;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "still running after draining");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success());
}

#[tokio::test]
async fn a_live_store_is_backed_up_and_the_copy_serves() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let teacher = svc.login("t.info2").await;
    let apps = svc.all_changes(&teacher).await;
    let a = apps
        .iter()
        .find(|a| a["status"] == "pending" && a["flags"].as_array().is_some_and(Vec::is_empty))
        .expect("a pending one");
    let id = a["id"].as_str().expect("id");
    let body = json!({"action": "approve", "expected_version": a["version"], "decision_id": uuid::Uuid::new_v4().to_string()});
    let (s, decided) =
        svc.post(Some(&teacher), &format!("/api/v1/review/applications/{id}/decision"), body).await;
    assert_eq!(s, StatusCode::OK);

    // While the service runs.
    let copy = dir.0.join("backup.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .arg("backup")
        .arg(&copy)
        .args(["--db", &svc.db])
        .output()
        .expect("backup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["integrity"], "ok");
    assert!(report["pages"].as_u64().unwrap_or(0) > 10, "{report}");
    // Not over an existing file.
    let again = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .arg("backup")
        .arg(&copy)
        .args(["--db", &svc.db])
        .output()
        .expect("backup");
    assert!(!again.status.success());
    // PostgreSQL is pg_dump's.
    let pg = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .args(["backup", "x", "--db", "postgres://binddesk@127.0.0.1/x"])
        .output()
        .expect("backup");
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));

    // A service on the copy holds the decision.
    let restored = TempDir::new("test");
    std::fs::copy(&copy, restored.0.join("service.sqlite")).expect("copy");
    let svc2 = Service::start(&restored, &[]);
    let teacher = svc2.login("t.info2").await;
    let (_, now) = svc2.get(Some(&teacher), &format!("/api/v1/review/applications/{id}")).await;
    assert_eq!(
        (now["status"].clone(), now["version"].clone()),
        (decided["status"].clone(), decided["version"].clone())
    );
}

/// The systemd unit in the repository is one systemd accepts (with the built binary in
/// the place of the installed one).
#[cfg(target_os = "linux")]
#[test]
fn the_systemd_unit_verifies() {
    let dir = TempDir::new("test");
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/binddesk-service.service"))
            .expect("unit");
    assert!(unit.contains("LimitNOFILE=65536") && unit.contains("KillSignal=SIGTERM"));
    let unit = unit
        .replace("/usr/local/bin/binddesk-service", env!("CARGO_BIN_EXE_binddesk-service"))
        .replace("EnvironmentFile=/etc", "EnvironmentFile=-/etc");
    let path = dir.0.join("binddesk-service.service");
    std::fs::write(&path, unit).expect("write");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (package systemd)");
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
