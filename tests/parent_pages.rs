//! The parents' pages in a real Chromium at a phone's size (390×844, touch), served by
//! the real service in demo mode: the walkthrough's parent applies for two children,
//! a reviewer decides through the staff API, the parent corrects, downloads, cancels and
//! logs out; and every error a parent can meet says what to do and stores nothing.
//! axe-core runs on every page (0 violations, WCAG 2.1 A and AA); screenshots of every
//! step land in target/parent-screenshots/.

// Linux only: these drive real windows and browsers (Xvfb, WebKitWebDriver, Chromium);
// scripts/windows.sh builds them for Windows as empty test programs.
#![cfg(target_os = "linux")]

mod support;

use binddesk_testkit::{RunningService, TempDir, binary_beside_test, latest_code, parent_login};
use fantoccini::actions::{InputSource, PenActions, PointerAction};
use fantoccini::key::Key;
use fantoccini::{Locator, elements::Element};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;

struct Phone {
    c: fantoccini::Client,
    shots: PathBuf,
    n: u32,
}

impl Phone {
    async fn find(&self, css: &str) -> Element {
        wait_for(&self.c, css).await
    }

    /// A button by its visible words.
    async fn button(&self, words: &str) -> Element {
        let xpath = format!("//button[contains(normalize-space(.), '{words}')]");
        self.c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button {words}: {e}"))
    }

    async fn press(&self, words: &str) {
        self.button(words).await.click().await.unwrap_or_else(|e| panic!("press {words}: {e}"));
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    async fn body(&self) -> String {
        self.find("main").await.text().await.unwrap_or_default()
    }

    /// Waits until the page's main text holds every one of `words`.
    async fn sees(&self, words: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.body().await;
            if words.iter().all(|w| text.contains(w)) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("the page never showed {words:?}; it shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn heading(&self) -> String {
        self.find("#step-heading").await.text().await.unwrap_or_default()
    }

    /// A screenshot of this step, and axe-core's WCAG 2.1 A/AA rules: no violation.
    async fn check(&mut self, name: &str) {
        self.n += 1;
        let png = self.c.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{:02}-{name}.png", self.n)), png).expect("save screenshot");
        let result = axe_violations(&self.c).await;
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(violations.is_empty(), "axe found violations on {name}: {result:#}");
    }

    /// Signs on the pad with a pen: three strokes.
    async fn sign(&self) {
        let pad = self.find("#signature-pad").await;
        let mut finger = PenActions::new("pen".into());
        for (x0, y) in [(-120.0, -20.0), (-30.0, 10.0), (50.0, -10.0)] {
            finger = finger
                .then(PointerAction::MoveToElement { element: pad.clone(), duration: None, x: x0, y })
                .then(PointerAction::Down { button: 0 });
            for k in 1..=8 {
                let step = f64::from(k);
                finger = finger.then(PointerAction::MoveToElement {
                    element: pad.clone(),
                    duration: Some(Duration::from_millis(20)),
                    x: x0 + step * 8.0,
                    y: y + (step * 1.3).sin() * 25.0,
                });
            }
            finger = finger.then(PointerAction::Up { button: 0 });
        }
        self.c.perform_actions(finger).await.expect("draw the signature");
        self.c.release_actions().await.expect("lift the finger");
    }

    /// Pastes a whole code into the first box, as a phone's clipboard would.
    async fn paste_code(&self, first_box: &str, code: &str) {
        self.find(first_box).await;
        self.c
            .execute(
                "const el = document.querySelector(arguments[0]); el.focus();
                 const dt = new DataTransfer(); dt.setData('text', arguments[1]);
                 el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));",
                vec![json!(first_box), json!(code)],
            )
            .await
            .expect("paste the code");
    }
}

/// The keyboard: keys go to whatever has focus, as a person's would.
impl Phone {
    async fn keys(&self, keys: &str) {
        self.c.active_element().await.expect("a focused element").send_keys(keys).await.expect("type");
    }

    /// Presses Tab until the focus is on `css` (at most 60 times): proof that it can be
    /// reached without a mouse.
    async fn tab_to(&self, css: &str) {
        for _ in 0..60 {
            let here = self
                .c
                .execute(
                    "return document.activeElement && document.activeElement.matches(arguments[0]);",
                    vec![json!(css)],
                )
                .await
                .expect("focus");
            if here == json!(true) {
                return;
            }
            self.keys(&Key::Tab.to_string()).await;
        }
        panic!("Tab never reached {css}");
    }

    /// Tabs to the button with these words and presses Enter.
    async fn enter_on(&self, words: &str) {
        let target = self.button(words).await;
        let id = format!("kb-{}", words.len());
        self.c
            .execute("arguments[0].setAttribute('data-kb', arguments[1]);", vec![json!(target), json!(id)])
            .await
            .expect("mark the button");
        self.tab_to(&format!("[data-kb='{id}']")).await;
        self.keys(&Key::Enter.to_string()).await;
    }
}

async fn open_phone(name: &str, base: &str, downloads: &Path) -> (ProcessGuard, Phone) {
    let (driver, c) = launch_phone_browser(downloads).await;
    c.goto(base).await.expect("open the parents' page");
    let shots = repo_root().join("target/parent-screenshots").join(name);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    (driver, Phone { c, shots, n: 0 })
}

fn start(dir: &TempDir) -> RunningService {
    // No resend wait, so one test can ask for several codes; the other limits as shipped.
    RunningService::start_demo(
        &binary_beside_test(),
        dir.path().join("svc.sqlite"),
        &["--demo-applications", "0", "--code-resend-secs", "0"],
    )
    .expect("start the service")
}

async fn staff_token(http: &reqwest::Client, svc: &RunningService, username: &str) -> String {
    let password = svc.password(username).expect("a demo login");
    let v: Value = http
        .post(format!("{}/api/v1/session", svc.base))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("staff login")
        .json()
        .await
        .expect("session JSON");
    v["token"].as_str().expect("token").to_string()
}

/// The change cursor of 資訊二忠's full sync: it moves whenever any application there
/// changes, so an unchanged cursor means nothing was stored.
async fn class_cursor(http: &reqwest::Client, base: &str, token: &str) -> (u64, usize) {
    let v = get_json(http, base, "/api/v1/review/changes?since=0&limit=2000", token).await;
    (v["next_cursor"].as_u64().unwrap_or(0), v["items"].as_array().map_or(0, Vec::len))
}

async fn decide(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    app: &Value,
    action: &str,
    reason: Option<&str>,
) {
    let r = http
        .post(format!("{base}/api/v1/review/applications/{}/decision", app["id"].as_str().expect("id")))
        .bearer_auth(token)
        .json(&json!({"action": action, "reason": reason, "expected_version": app["version"],
                      "decision_id": uuid::Uuid::new_v4().to_string()}))
        .send()
        .await
        .expect("decide");
    assert_eq!(r.status(), 200, "{action}: {}", r.text().await.unwrap_or_default());
}

/// The parent's own applications, through the API with the bearer token.
async fn own_applications(http: &reqwest::Client, base: &str, token: &str) -> Vec<Value> {
    let list = get_json(http, base, "/api/v1/parent/applications", token).await;
    list["applications"].as_array().cloned().unwrap_or_default()
}

/// `GET base+path` with the bearer token, as JSON.
async fn get_json(http: &reqwest::Client, base: &str, path: &str, token: &str) -> Value {
    http.get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {path} as JSON: {e}"))
}

async fn wait_for_pdf(dir: &Path) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pdf"));
        if let Some(p) = found {
            return p;
        }
        assert!(Instant::now() < deadline, "no PDF was downloaded into {}", dir.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_walkthrough_parent_applies_from_a_phone() {
    let dir = TempDir::new("parent-walk");
    let svc = start(&dir);
    let base = svc.base.clone();
    let http = reqwest::Client::new();
    let email = "annie.sun2@example.com.tw";
    // The demo holds the walkthrough's own pending application; the parent starts over.
    let token = parent_login(&http, &base, email).await;
    let r =
        http.delete(format!("{base}/api/v1/parent/applications")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 204);

    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let (_driver, mut p) = open_phone("walkthrough", &base, &downloads).await;

    // Step 1, and the language switch.
    assert!(p.heading().await.contains("請輸入您個人的聯繫資訊以取得驗證碼"));
    let lang =
        p.c.execute("return [document.documentElement.lang, document.documentElement.translate];", vec![])
            .await
            .unwrap();
    assert_eq!(lang, json!(["zh-Hant-TW", false]), "Chinese, never machine-translated");
    p.check("contact").await;
    p.press("English").await;
    assert!(p.heading().await.contains("Enter your own contact details"));
    let lang = p.c.execute("return document.documentElement.lang;", vec![]).await.unwrap();
    assert_eq!(lang, json!("en"));
    p.check("contact-english").await;
    p.press("中文").await;
    p.fill("#address-email", email).await;
    p.press("取得驗證碼").await;
    p.sees(&["請輸入驗證碼", "驗證碼時效為 1 小時"]).await;
    p.check("code").await;
    let code = latest_code(&http, &base, email).await;
    p.paste_code("#code-0", &code).await;
    p.press("確認").await;

    // Logged in: the status list shows the cancelled application.
    p.sees(&["目前申請進度", "陳曉明", "已註銷"]).await;
    p.check("status-before").await;
    p.press("新增綁定學生").await;

    // Step 2: two children.
    p.sees(&["選擇與綁定學生的關係"]).await;
    p.find("#title").await.select_by_value("father").await.expect("choose 父親");
    p.click("input[name=level][value=senior_high]").await;
    p.fill("#student-id", "A123456789").await;
    p.press("驗證").await;
    p.sees(&["請確認綁定學生資訊", "陳*明", "資訊二忠", "父親"]).await;
    p.check("student-confirm").await;
    p.press("新增綁定學生").await;
    p.sees(&["已加入的學生", "陳*明"]).await;
    p.find("#title").await.select_by_value("father").await.expect("choose 父親");
    p.fill("#student-id", "A145678903").await;
    p.press("驗證").await;
    p.sees(&["林*妤"]).await;
    p.check("second-student").await;
    p.press("下一步").await;

    // Step 3: consent.
    p.sees(&["請詳閱以下個資使用聲明"]).await;
    p.check("consent").await;
    p.click("input[type=checkbox]").await;
    p.press("下一步").await;

    // Step 4: the ID number brings back the parent's earlier data.
    p.sees(&["請填寫家長資料"]).await;
    p.fill("#parent-id", "YA94109161").await;
    p.press("驗證").await;
    p.sees(&["已帶出上次填寫的資料"]).await;
    let name = p.find("#parent-name").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(name, "王曉明");
    let mail = p.find("#parent-email").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(mail, email);
    p.check("parent").await;
    p.press("下一步").await;
    p.sees(&["請再次確認填寫資料是否正確", "王曉明", "YA94109161", "0928942045"]).await;
    p.check("check").await;
    p.sign().await;
    p.check("signed").await;
    p.press("送出資料").await;
    let text = p.sees(&["已送出", "申請中"]).await;
    let pending = p.c.find_all(Locator::Css(".badge.status-pending")).await.unwrap().len();
    assert_eq!(pending, 2, "two pending applications:\n{text}");
    assert!(text.contains("林𠀋妤"), "the rare character is shown as it is:\n{text}");
    p.check("submitted").await;

    // A reviewer approves one and returns the other.
    let pending: Vec<Value> = own_applications(&http, &base, &token)
        .await
        .into_iter()
        .filter(|a| a["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 2);
    let chen = pending.iter().find(|a| a["student"]["name"] == "陳曉明").expect("陳曉明's");
    let lin = pending.iter().find(|a| a["student"]["name"] != "陳曉明").expect("the second child's");
    let staff = staff_token(&http, &svc, "t.info2").await;
    decide(&http, &base, &staff, chen, "approve", None).await;
    decide(&http, &base, &staff, lin, "return", Some("簽名不清楚，請重新簽署全名")).await;
    let signature_before = lin["signature"]["sha256"].clone();

    p.press("重新載入").await;
    p.sees(&["審核通過", "退回", "退回原因：簽名不清楚，請重新簽署全名"]).await;
    p.check("decided").await;

    // The returned one, corrected and sent again with its fields filled in.
    p.press("修正後重新送出").await;
    p.sees(&["修正退回的申請", "簽名不清楚"]).await;
    let name = p.find("#parent-name").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(name, "王曉明", "the fields come filled in");
    p.check("resubmit").await;
    p.sign().await;
    p.press("送出資料").await;
    p.sees(&["已送出", "審核通過", "申請中"]).await;
    let lin_now = own_applications(&http, &base, &token)
        .await
        .into_iter()
        .find(|a| a["id"] == lin["id"])
        .expect("the corrected application");
    assert_eq!(lin_now["status"], "pending");
    assert_ne!(lin_now["signature"]["sha256"], signature_before, "a new signature");

    // The form, downloaded and read back.
    let download = p.find("button[aria-label*='陳曉明'][aria-label*='PDF']").await;
    download.click().await.unwrap();
    let pdf = wait_for_pdf(&downloads).await;
    let out = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("陳曉明") && text.contains("王曉明"), "both names in the form:\n{text}");

    // Cancel one (the bin), then log out.
    p.click("button.icon[aria-label*='林𠀋妤']").await;
    p.sees(&["確定要取消"]).await;
    p.check("cancel-confirm").await;
    p.click("#confirm-yes").await;
    p.sees(&["已取消", "已註銷"]).await;
    // The cookie's path is /api/v1/: read it from a second tab there (WebDriver shows the
    // cookies of the current page's path only).
    let page_window = p.c.window().await.unwrap();
    let tab = p.c.new_window(true).await.unwrap();
    p.c.switch_to_window(tab.handle).await.unwrap();
    p.c.goto(&format!("{base}/api/v1/openapi.json")).await.unwrap();
    let cookie = p.c.get_named_cookie("bd_parent").await.expect("the session cookie");
    p.c.close_window().await.unwrap();
    p.c.switch_to_window(page_window).await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
    p.press("登出").await;
    p.sees(&["請輸入您個人的聯繫資訊以取得驗證碼", "您已登出"]).await;
    p.check("logged-out").await;
    let r = http
        .get(format!("{base}/api/v1/parent/applications"))
        .header("cookie", format!("bd_parent={}", cookie.value()))
        .header("x-binddesk-page", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the logged-out session no longer works");
    let stored: String =
        p.c.execute(
            "return JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(stored, "{}{}", "nothing kept in the browser's storage, and the cookie is not readable");
    p.c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_says_what_to_do_and_stores_nothing() {
    let dir = TempDir::new("parent-errors");
    let svc = start(&dir);
    let base = svc.base.clone();
    let http = reqwest::Client::new();
    let staff = staff_token(&http, &svc, "t.info2").await;
    let downloads = dir.path().join("downloads");
    let (_driver, mut p) = open_phone("errors", &base, &downloads).await;

    // A phone's third code within the hour: the page suggests e-mail; two codes sent.
    p.click("input[name=channel][value=phone]").await;
    p.fill("#address-phone", "0912000111").await;
    for _ in 0..2 {
        p.press("取得驗證碼").await;
        p.sees(&["請輸入驗證碼"]).await;
        p.press("更改信箱或電話").await;
        p.click("input[name=channel][value=phone]").await;
        p.fill("#address-phone", "0912000111").await;
    }
    p.press("取得驗證碼").await;
    p.sees(&["1 小時內只能取得驗證碼 2 次，請改用電子郵件信箱"]).await;
    p.check("phone-limit").await;
    let outbox: Value =
        http.get(format!("{base}/api/v1/dev/outbox")).send().await.unwrap().json().await.unwrap();
    let sent = outbox["messages"].as_array().unwrap().iter().filter(|m| m["to"] == "0912000111").count();
    assert_eq!(sent, 2, "the third request sent nothing");

    // A wrong code, then the right one (吳建宏's e-mail: his family is all approved).
    let email = "wu.family@example.com.tw";
    p.click("input[name=channel][value=email]").await;
    p.fill("#address-email", email).await;
    p.press("取得驗證碼").await;
    p.sees(&["請輸入驗證碼"]).await;
    let code = latest_code(&http, &base, email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    p.paste_code("#code-0", wrong).await;
    p.press("確認").await;
    p.sees(&["驗證碼錯誤、已使用或已過期，請按「重新取得驗證碼」"]).await;
    p.check("wrong-code").await;
    p.press("重新取得驗證碼").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let code = latest_code(&http, &base, email).await;
    p.paste_code("#code-0", &code).await;
    p.press("確認").await;
    p.sees(&["目前申請進度", "吳大寶"]).await;
    p.press("新增綁定學生").await;

    let before = class_cursor(&http, &base, &staff).await;
    // A check-digit error.
    p.find("#title")
        .await
        .select_by_value("grandfather")
        .await
        .expect_err("a guardian title is not offered to a legal representative");
    p.find("#title").await.select_by_value("father").await.unwrap();
    p.click("input[name=level][value=senior_high]").await;
    p.fill("#student-id", "A123456788").await;
    p.press("驗證").await;
    p.sees(&["身分證字號或居留證號碼有誤"]).await;
    p.check("check-digit").await;
    // A valid number that is not in the roster.
    let nine = "A12345670";
    let valid = format!("{nine}{}", binddesk_domain::id_number::check_digit_for(nine).unwrap());
    p.fill("#student-id", &valid).await;
    p.press("驗證").await;
    p.sees(&["查無此學層的學生"]).await;
    p.check("not-in-roster").await;
    // 吳三寶 already has two bound accounts; this e-mail belongs to another parent's
    // application (吳建宏's), and the ID number typed below is 王曉明's.
    p.fill("#student-id", "A234567893").await;
    p.press("驗證").await;
    p.sees(&["吳*寶"]).await;
    p.press("下一步").await;
    p.click("input[type=checkbox]").await;
    p.press("下一步").await;
    p.fill("#parent-id", "YA94109161").await;
    p.fill("#parent-name", "王曉明").await;
    p.fill("#parent-phone", "0928942045").await;
    p.press("下一步").await;
    p.sees(&["請再次確認填寫資料是否正確"]).await;
    // A blank pad is refused before anything is sent.
    p.press("送出資料").await;
    p.sees(&["請在簽名框內簽署全名後再送出"]).await;
    p.check("blank-signature").await;
    p.sign().await;
    p.press("送出資料").await;
    p.sees(&["申請不符綁定規則", "此E-mail已有申請紀錄", "02-8798-6336", "此學生已綁定兩個家長帳號"]).await;
    p.check("rules-refused").await;
    // 不同意並退出 from the statement: everything is forgotten.
    p.press("返回修改").await;
    p.press("上一步").await;
    p.press("不同意並退出").await;
    p.sees(&["您已退出申請", "沒有任何資料被送出"]).await;
    p.check("left").await;
    assert_eq!(class_cursor(&http, &base, &staff).await, before, "nothing was stored");
    p.c.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_works_with_a_keyboard() {
    let dir = TempDir::new("parent-keys");
    let svc = start(&dir);
    let base = svc.base.clone();
    let http = reqwest::Client::new();
    let downloads = dir.path().join("downloads");
    let (_driver, mut p) = open_phone("keyboard", &base, &downloads).await;
    let email = "keyboard.parent@example.com.tw";
    let (tab, enter, down, space) =
        (Key::Tab.to_string(), Key::Enter.to_string(), Key::Down.to_string(), " ".to_string());

    p.tab_to("#address-email").await;
    p.keys(email).await;
    p.keys(&enter).await;
    p.sees(&["請輸入驗證碼"]).await;
    let code = latest_code(&http, &base, email).await;
    p.tab_to("#code-0").await;
    p.keys(&code).await;
    p.keys(&enter).await;

    // Step 2: radio groups move with the arrow keys, the select too.
    p.sees(&["選擇與綁定學生的關係"]).await;
    p.tab_to("#title").await;
    p.keys(&down).await;
    p.tab_to("input[name=level]").await;
    p.keys(&space).await;
    p.keys(&down).await;
    p.keys(&down).await;
    p.tab_to("#student-id").await;
    p.keys("A123456789").await;
    p.keys(&tab).await;
    p.keys(&enter).await;
    p.sees(&["請確認綁定學生資訊", "陳*明", "父親"]).await;
    p.check("keyboard-student").await;
    p.enter_on("下一步").await;

    p.sees(&["請詳閱以下個資使用聲明"]).await;
    p.tab_to("input[type=checkbox]").await;
    p.keys(&space).await;
    p.enter_on("下一步").await;

    p.sees(&["請填寫家長資料"]).await;
    let nine = "A22345678";
    let parent_id = format!("{nine}{}", binddesk_domain::id_number::check_digit_for(nine).unwrap());
    p.tab_to("#parent-id").await;
    p.keys(&parent_id).await;
    p.tab_to("#parent-name").await;
    p.keys("周鍵盤").await;
    p.tab_to("#parent-phone").await;
    p.keys("0227208889").await;
    p.keys(&enter).await;
    p.sees(&["請再次確認填寫資料是否正確", "周鍵盤"]).await;
    // Drawing is the one thing a keyboard cannot do.
    p.sign().await;
    p.enter_on("送出資料").await;
    p.sees(&["已送出", "申請中"]).await;
    p.check("keyboard-submitted").await;

    // 註銷全部紀錄 with the keyboard: the question takes focus, Enter answers it.
    p.enter_on("註銷全部紀錄").await;
    p.sees(&["確定要註銷所有申請中及退回的紀錄嗎"]).await;
    p.check("keyboard-cancel-all").await;
    let focused = p.c.execute("return document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, json!("confirm-yes"), "the question's answer has the focus");
    p.keys(&enter).await;
    p.sees(&["已取消", "已註銷"]).await;
    p.enter_on("登出").await;
    p.sees(&["您已登出"]).await;
    p.c.close().await.ok();
}
