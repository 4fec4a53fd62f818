//! The review engine's side of issue 11: the offline copy needs the reviewer's password,
//! a forgotten keyring loses no decision, and reveals reach the service's audit.

mod common;

use binddesk_domain::DecisionAction;
use binddesk_review::engine::cache_file;
use binddesk_review::keywrap::WrapError;
use binddesk_review::{Engine, EngineError};
use common::*;

/// 11. On a shared PC, the offline copy does not open without the password, and the key
/// is not in the credential store for anyone at the desk to use.
#[tokio::test]
async fn the_offline_copy_needs_the_password() {
    let fx = Fx::start(60);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    e.logout(false, false).await.unwrap();
    drop(e);
    let secrets: Vec<String> = std::fs::read_dir(fx.dir.join("secrets"))
        .map(|d| d.filter_map(|f| f.ok()).map(|f| f.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    assert!(
        !secrets.iter().any(|n| n.contains("cache-key")),
        "the cache key is in the credential store: {secrets:?}"
    );
    assert!(cache_file(&fx.cfg, &fx.svc.base, "t.info2").exists());

    let right = fx.password("t.info2");
    for _ in 0..4 {
        let r = Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", "guess");
        assert!(matches!(r, Err(EngineError::Key(WrapError::WrongPassword { .. }))), "{:?}", r.err());
    }
    let e =
        Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", &right).expect("the right password opens it");
    assert!(!stable_pending(&e).is_empty());
    drop(e);
    for _ in 0..5 {
        let _ = Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", "guess");
    }
    let r = Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", &right);
    assert!(matches!(r, Err(EngineError::Key(WrapError::TooManyTries { .. }))), "{:?}", r.err());
    // Logging in online (the service checks the password) opens it again.
    let e = fx.engine("t.info2").await;
    assert!(!stable_pending(&e).is_empty());
}

/// 11. A reboot that empties the kernel keyring used to set the cache aside with its
/// unsent decisions; now the key comes from the password and nothing is lost.
#[tokio::test]
async fn a_forgotten_keyring_loses_no_decision() {
    let fx = Fx::start(60);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let a = stable_pending(&e).remove(0);
    let q = e.decide(&a.id, DecisionAction::Approve, None).unwrap();
    assert_eq!(e.outbox().unwrap().len(), 1);
    drop(e);
    // The reboot: everything in the credential store is gone.
    let _ = std::fs::remove_dir_all(fx.dir.join("secrets"));
    std::fs::create_dir_all(fx.dir.join("secrets")).unwrap();
    let e = fx.engine("t.info2").await;
    let queued = e.outbox().unwrap();
    assert_eq!(queued.len(), 1, "the unsent decision survived");
    assert_eq!(queued[0].decision_id, q.decision_id);
}

/// 18. Each look at a full ID number reaches the service with the next sync, where the
/// school's administrator sees who looked at whose.
#[tokio::test]
async fn reveals_reach_the_service() {
    let fx = Fx::start(60);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let a = stable_pending(&e).remove(0);
    e.reveal(&a.id).unwrap();
    sync(&e).await;
    sync(&e).await; // a second sync sends nothing twice
    let admin = fx.client("admin.riyao").await;
    let token = admin.token().unwrap().to_string();
    let v: serde_json::Value = fx
        .http
        .get(format!("{}/api/v1/review/reveals?application_id={}", fx.svc.base, a.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = v["reveals"].as_array().unwrap_or_else(|| panic!("{v}"));
    // The helper that picked the application looked at it in full too: every reveal in
    // the cache arrived, once.
    let local = e.reveal_audit().unwrap().into_iter().filter(|r| r.2 == a.id).count();
    assert!(local >= 1);
    assert_eq!(list.len(), local, "{v}");
    assert!(list.iter().all(|r| r["staff_id"] == e.staff().id.as_str()), "{v}");
    assert_eq!(list[0]["field"], "student.id_number,parent.id_number,parent.phone");
    // A teacher may not read the school's audit.
    let teacher = fx.client("t.info2").await;
    let r = fx
        .http
        .get(format!("{}/api/v1/review/reveals", fx.svc.base))
        .bearer_auth(teacher.token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
