//! The review engine against the real `binddesk-service` binary: a demo store in a
//! temporary folder, a fixed address so the service can be restarted where the engine
//! expects it, and the documented secret-folder fallback for the credential store.

#![allow(dead_code)]

use binddesk_domain::api::Application;
use binddesk_domain::{RegistryResult, Status};
use binddesk_review::client::Client;
use binddesk_review::secrets::SecretStore;
use binddesk_review::{CancelToken, Engine, EngineConfig};
use binddesk_testkit::{RunningService, binary_beside_test};
use std::path::PathBuf;

pub const INFO2: &str = "資訊二忠";

pub struct Fx {
    pub svc: RunningService,
    pub dir: PathBuf,
    pub db: PathBuf,
    pub cfg: EngineConfig,
    pub http: reqwest::Client,
    extra: Vec<String>,
}

impl Drop for Fx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Fx {
    /// A demo service with `applications` generated applications.
    pub fn start(applications: u32) -> Fx {
        let dir = std::env::temp_dir().join(format!("binddesk-engine-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("service.sqlite");
        let extra = vec!["--demo-applications".to_string(), applications.to_string()];
        let args: Vec<&str> = extra.iter().map(String::as_str).collect();
        let svc = RunningService::start_demo(&binary_beside_test(), &db, &args).expect("the service starts");
        let cfg = EngineConfig {
            data_dir: dir.join("app-data"),
            secrets: SecretStore::folder(&dir.join("secrets")).unwrap(),
        };
        Fx { svc, dir, db, cfg, http: reqwest::Client::new(), extra }
    }

    /// Stops the service (SIGTERM) and waits for it to exit.
    pub fn stop(&mut self) {
        assert!(self.svc.stop(), "the service stops cleanly");
    }

    /// Starts the service again on the same store and address.
    pub fn restart(&mut self) {
        let listen = self.svc.listen().to_string();
        let _ = self.svc.stop();
        let args: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        self.svc = RunningService::start_demo_at(&binary_beside_test(), &self.db, &listen, &args)
            .expect("the service starts again");
    }

    pub fn password(&self, user: &str) -> String {
        self.svc.password(user).expect("a demo login")
    }

    pub async fn engine(&self, user: &str) -> Engine {
        Engine::login(&self.cfg, &self.svc.base, user, &self.password(user)).await.expect("login")
    }

    /// A second reviewer acting directly on the service.
    pub async fn client(&self, user: &str) -> Client {
        let mut c = Client::new(&self.svc.base).unwrap();
        c.login(user, &self.password(user)).await.unwrap();
        c
    }

    /// Logs a parent in with the e-mail code from the demo outbox.
    pub async fn parent_token(&self, email: &str) -> String {
        binddesk_testkit::parent_login(&self.http, &self.svc.base, email).await
    }
}

/// Syncs to the end, panicking on failure.
pub async fn sync(e: &Engine) -> binddesk_review::views::SyncReport {
    e.sync(&|_| {}, &CancelToken::new()).await.expect("sync")
}

/// Pending applications of the cache whose registry check failed (so no background
/// registry retry moves them during a test), in list order.
pub fn stable_pending(e: &Engine) -> Vec<Application> {
    let q =
        binddesk_review::views::ListQuery { status: Some(Status::Pending), limit: 500, ..Default::default() };
    e.list(&q)
        .unwrap()
        .items
        .into_iter()
        .filter(|i| i.registry_result == RegistryResult::Failed && i.flags.is_empty() && i.queued.is_none())
        .map(|i| e.reveal(&i.id).unwrap().application)
        .collect()
}
