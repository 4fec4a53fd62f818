//! The review client against the real binding service (its binary, on a free port), and
//! against a server that answers something that is not our API.

use binddesk_domain::DecisionAction;
use binddesk_domain::api::DecisionRequest;
use binddesk_review::client::{Client, ClientError};
use binddesk_testkit::{RunningService, TempDir, binary_beside_test};
use std::io::{Read, Write};
use std::net::TcpListener;

struct Fixture {
    service: RunningService,
    _dir: TempDir,
}

fn start() -> Fixture {
    let dir = TempDir::new("review");
    let service = RunningService::start_demo(
        &binary_beside_test(),
        dir.0.join("s.sqlite"),
        &["--demo-applications", "120"],
    )
    .expect("the service starts");
    Fixture { service, _dir: dir }
}

fn decision(action: DecisionAction, version: u32, reason: Option<&str>) -> DecisionRequest {
    DecisionRequest {
        action,
        reason: reason.map(String::from),
        expected_version: version,
        decision_id: uuid::Uuid::new_v4().to_string(),
    }
}

#[tokio::test]
async fn a_teacher_logs_in_pulls_decides_and_logs_out() {
    let f = start();
    let mut c = Client::new(&f.service.base).unwrap();
    assert!(matches!(c.login("t.info2", "wrong").await, Err(ClientError::WrongPassword)));
    let session = c.login("t.info2", &f.service.password("t.info2").unwrap()).await.unwrap();
    assert_eq!(session.staff.classes.len(), 1);
    assert_eq!(session.staff.classes[0].name, "資訊二忠");

    let page = c.changes(0, 2000).await.unwrap();
    assert!(!page.items.is_empty() && !page.has_more);
    assert!(page.items.iter().all(|a| a.student.class_id == session.staff.classes[0].id));
    let a = page
        .items
        .iter()
        .find(|a| a.status == binddesk_domain::Status::Pending && a.flags.is_empty())
        .unwrap();
    assert_eq!(c.application(&a.id).await.unwrap(), *a);
    let png = c.signature(&a.signature.sha256).await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    let d = decision(DecisionAction::Approve, a.version, None);
    let approved = c.decide(&a.id, &d).await.unwrap();
    assert_eq!(approved.status, binddesk_domain::Status::Approved);
    assert_eq!(c.decide(&a.id, &d).await.unwrap(), approved, "the same decision_id answers the same");
    match c.decide(&a.id, &decision(DecisionAction::Return, a.version, Some("x"))).await {
        Err(ClientError::Conflict(current)) => assert_eq!(current.version, approved.version),
        other => panic!("expected a conflict, got {other:?}"),
    }
    match c.decide(&a.id, &decision(DecisionAction::Return, approved.version, Some("x"))).await {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, "not_pending"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(c.application("no-such-id").await, Err(ClientError::NotFound)));
    assert!(matches!(c.application("../../healthz").await, Err(ClientError::NotFound)));

    // Another class's application is out of reach.
    let mut admin = Client::new(&f.service.base).unwrap();
    admin.login("admin.riyao", &f.service.password("admin.riyao").unwrap()).await.unwrap();
    let all = admin.changes(0, 2000).await.unwrap().items;
    let foreign = all.iter().find(|x| x.student.class_id != a.student.class_id).unwrap();
    assert!(matches!(c.application(&foreign.id).await, Err(ClientError::Forbidden)));

    c.logout().await.unwrap();
    assert!(c.token().is_none());
    let stale = Client::new(&f.service.base).unwrap().with_token(session.token);
    assert!(matches!(stale.changes(0, 10).await, Err(ClientError::SessionExpired)));
}

#[tokio::test]
async fn a_locked_account_says_for_how_long() {
    let f = start();
    let mut c = Client::new(&f.service.base).unwrap();
    for _ in 0..4 {
        assert!(matches!(c.login("t.info1", "wrong").await, Err(ClientError::WrongPassword)));
    }
    match c.login("t.info1", "wrong").await {
        Err(ClientError::Locked { minutes }) => assert!((14..=15).contains(&minutes), "{minutes}"),
        other => panic!("expected a lock, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_service_is_a_transient_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let e = c.changes(0, 10).await.unwrap_err();
    assert!(matches!(e, ClientError::Unreachable(_)), "{e:?}");
    assert!(e.is_transient());
}

/// A one-shot HTTP server that answers every request with `response`.
fn fake_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&response);
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn answers_that_are_not_our_api_are_named_so() {
    let html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<html>hi</html>".to_vec();
    let c = Client::new(&fake_server(html)).unwrap().with_token("t".into());
    assert!(matches!(c.changes(0, 10).await, Err(ClientError::NotOurApi(_))));

    let truncated = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n{\"items\": [{\"i".to_vec();
    let c = Client::new(&fake_server(truncated)).unwrap().with_token("t".into());
    assert!(matches!(c.changes(0, 10).await, Err(ClientError::NotOurApi(_))));

    let huge = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900000000\r\nConnection: close\r\n\r\n{".to_vec();
    let c = Client::new(&fake_server(huge)).unwrap().with_token("t".into());
    match c.changes(0, 10).await {
        Err(ClientError::NotOurApi(m)) => assert!(m.contains("over"), "{m}"),
        other => panic!("expected a refusal of the size, got {other:?}"),
    }

    let proxy_error =
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad".to_vec();
    let c = Client::new(&fake_server(proxy_error)).unwrap().with_token("t".into());
    assert!(matches!(c.changes(0, 10).await, Err(ClientError::NotOurApi(_))));
}
