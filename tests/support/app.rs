//! The desktop app under WebDriver, shared by the end-to-end tests: a `Ui` with the
//! waits WebKitWebDriver needs, and a `Fixture` (a demo service, a private display, and
//! the app started with its own data, secret and print folders).

use super::*;
use binddesk_review::client::Client;
use binddesk_testkit::{RunningService, binary_beside_test};
use fantoccini::{Locator, elements::Element};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct Ui {
    pub c: fantoccini::Client,
    pub name: &'static str,
    pub shots: u32,
}

impl Ui {
    pub async fn find(&self, css: &str) -> Element {
        wait_for(&self.c, css).await
    }

    /// Clicks `css`; an element redrawn between finding and clicking (WebKitWebDriver's
    /// "node was not found") is found again, for a few seconds.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Clicks until `done` (a selector) is present. A click lands where the element was
    /// when it was found; while counts arrive the tabs reflow, and a click can miss.
    pub async fn click_until(&self, css: &str, done: &str) {
        for _ in 0..20 {
            self.click(css).await;
            for _ in 0..10 {
                if self.c.find(Locator::Css(done)).await.is_ok() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        panic!("clicking {css} never gave {done}");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    pub async fn all_texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.c.find_all(Locator::Css(css)).await.unwrap_or_default() {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// Waits until `css`'s text satisfies `ok`.
    pub async fn until_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let t = match self.c.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&t) {
                return t;
            }
            assert!(Instant::now() < deadline, "{css} still reads {t:?}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Replaces a field's text. WebKitWebDriver sometimes reports a field that is being
    /// redrawn as not interactable; that is retried for a few seconds.
    pub async fn type_into(&self, css: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let e = self.find(css).await;
            let done = match e.clear().await {
                Ok(()) => e.send_keys(text).await,
                Err(err) => Err(err),
            };
            match done {
                Ok(()) => return,
                Err(err) if Instant::now() < deadline => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => panic!("cannot type into {css}: {err}"),
            }
        }
    }

    pub async fn shot(&mut self, what: &str) {
        self.shots += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        let path = screenshot_dir().join(format!("{}-{:02}-{what}.png", self.name, self.shots));
        std::fs::write(path, &png).expect("save screenshot");
    }

    pub async fn login(&mut self, password: &str) {
        self.type_into("[data-testid=login-password]", password).await;
        self.click("[data-testid=login-submit]").await;
        self.find("[data-testid=list]").await;
    }

    /// Narrows the list to one application by its id and opens it.
    pub async fn open(&self, id: &str) {
        self.type_into("[data-testid=search]", id).await;
        self.until_text("[data-testid=total]", |t| t.starts_with("1 ")).await;
        self.click_until(
            &format!("[data-id='{id}'] .rowbody"),
            &format!("[data-testid=detail][data-id='{id}']"),
        )
        .await;
    }

    pub async fn sync(&self) {
        self.click("[data-testid=sync]").await;
        // The button comes back when the sync is over.
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.find("[data-testid=sync]").await;
    }
}

/// The two tests drive two real apps with their WebKit processes and two services on two
/// cores: run together they starve each other's timing, so they take turns.
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Fixture {
    pub svc: RunningService,
    pub dir: PathBuf,
    pub db: PathBuf,
    pub display: Display,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Fixture {
    pub fn start() -> Fixture {
        let dir = std::env::temp_dir().join(format!("binddesk-e2e-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("service.sqlite");
        let svc = RunningService::start_demo(&binary_beside_test(), &db, &["--demo-applications", "150"])
            .expect("the demo service starts (cargo build -p binddesk-service)");
        Fixture { svc, dir, db, display: Display::start() }
    }

    pub async fn app(&self, user: &str, name: &'static str) -> (ProcessGuard, Ui) {
        self.app_with(user, name, &[]).await
    }

    /// The app, with more environment variables.
    pub async fn app_with(
        &self,
        user: &str,
        name: &'static str,
        extra: &[(&str, String)],
    ) -> (ProcessGuard, Ui) {
        let mut env = vec![
            ("BINDDESK_SERVICE_URL", self.svc.base.clone()),
            ("BINDDESK_USERNAME", user.to_string()),
            ("BINDDESK_DATA_DIR", self.dir.join(format!("app-{user}")).to_string_lossy().into_owned()),
            ("BINDDESK_SECRET_DIR", self.dir.join(format!("secrets-{user}")).to_string_lossy().into_owned()),
            ("BINDDESK_PRINT_DIR", self.dir.join("prints").to_string_lossy().into_owned()),
        ];
        env.extend_from_slice(extra);
        let (driver, c) = launch_app(&self.display, &env).await;
        (driver, Ui { c, name, shots: 0 })
    }

    pub async fn api(&self, user: &str) -> Client {
        let mut c = Client::new(&self.svc.base).expect("client");
        c.login(user, &self.svc.password(user).expect("demo login")).await.expect("api login");
        c
    }
}

impl Ui {
    /// Presses one key on the page, as a person would (W3C key actions, not a made-up
    /// DOM event).
    pub async fn press(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.c.perform_actions(keys).await.unwrap_or_else(|e| panic!("press {key}: {e}"));
    }

    pub async fn detail_id(&self) -> String {
        match self.c.find(Locator::Css("[data-testid=detail]")).await {
            Ok(e) => e.attr("data-id").await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the open application is `id`.
    pub async fn until_detail(&self, id: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.detail_id().await != id {
            assert!(Instant::now() < deadline, "the detail shows {:?}, not {id}", self.detail_id().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
