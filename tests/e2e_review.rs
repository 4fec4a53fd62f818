//! End-to-end: the real desktop app (tauri-driver + WebKitWebDriver under a private Xvfb)
//! against the real binding service in demo mode. A teacher logs in, sees only their
//! class, opens an application and its signature, approves one and returns one, then
//! decides two while the service is down and both arrive once it is back; an
//! administrator bulk-approves a filtered set and prints a class to PDF. Each step saves
//! a screenshot in target/e2e-screenshots/.

// Linux only: these drive real windows and browsers (Xvfb, WebKitWebDriver, Chromium);
// scripts/windows.sh builds them for Windows as empty test programs.
#![cfg(target_os = "linux")]

mod support;

use binddesk_domain::api::Application;
use binddesk_domain::{HistoryAction, RegistryResult, Status};
use binddesk_review::client::Client;
use binddesk_testkit::{RunningService, binary_beside_test};
use fantoccini::Locator;
use std::time::{Duration, Instant};
use support::app::*;
use support::*;

/// A parent's session, with the e-mail code read from the demo outbox.
async fn parent_token(base: &str, email: &str) -> String {
    binddesk_testkit::parent_login(&reqwest::Client::new(), base, email).await
}

async fn all_applications(c: &Client) -> Vec<Application> {
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let page = c.changes(since, 2000).await.expect("feed");
        out.extend(page.items);
        since = page.next_cursor;
        if !page.has_more {
            return out;
        }
    }
}

/// Pending applications whose registry check failed and that carry no flag: nothing in
/// the background moves them, and any reviewer may decide them.
fn plain_pending(apps: &[Application], class: &str) -> Vec<Application> {
    apps.iter()
        .filter(|a| {
            a.student.class_name == class
                && a.status == Status::Pending
                && a.registry_check.result == RegistryResult::Failed
                && a.flags.is_empty()
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_teacher_reviews_decides_and_works_offline() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let mut fx = Fixture::start();
    let admin = fx.api("admin.riyao").await;
    let apps = all_applications(&admin).await;
    let mut pending = plain_pending(&apps, "資訊二忠");
    assert!(pending.len() >= 5, "the demo has pending applications in 資訊二忠");

    // A parent types markup as their name: returned by someone, resubmitted by the parent.
    let html = "<img src=x onerror=alert(1)>";
    let h = pending.remove(0);
    let returned = admin
        .decide(
            &h.id,
            &binddesk_domain::api::DecisionRequest {
                action: binddesk_domain::DecisionAction::Return,
                reason: Some("請填寫全名".into()),
                expected_version: h.version,
                decision_id: uuid::Uuid::new_v4().to_string(),
            },
        )
        .await
        .expect("returned");
    assert_eq!(returned.status, Status::Returned);
    let token = parent_token(&fx.svc.base, &h.parent.email).await;
    use base64::Engine as _;
    let png = admin.signature(&h.signature.sha256).await.expect("signature");
    let body = serde_json::json!({
        "id_number": h.student.id_number, "school_level": h.student.school_level,
        "school_code": h.student.school_code, "relationship": h.relationship,
        "parent": {"name": html, "id_number": h.parent.id_number, "email": h.parent.email, "phone": h.parent.phone},
        "signature_png": base64::engine::general_purpose::STANDARD.encode(&png),
    });
    let r = reqwest::Client::new()
        .put(format!("{}/api/v1/parent/applications/{}", fx.svc.base, h.id))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .expect("resubmit");
    assert_eq!(r.status(), 200);
    let apps = all_applications(&admin).await;
    let (_driver, mut ui) = fx.app("t.info2", "teacher").await;
    ui.shot("login").await;
    let password = fx.svc.password("t.info2").expect("password");
    ui.login(&password).await;

    // Only their class: one class in the sidebar, and every row of every status is 資訊二忠.
    ui.click_until("[data-testid=tab-all]", "[data-testid=tab-all].active").await;
    let expected = apps.iter().filter(|a| a.student.class_name == "資訊二忠").count();
    ui.until_text("[data-testid=total]", |t| t.starts_with(&format!("{expected} "))).await;
    let classes = ui.all_texts("[data-testid=classes] button").await;
    assert_eq!(classes.len(), 2, "全部班級 and one class: {classes:?}");
    assert!(classes[1].starts_with("資訊二忠"), "{classes:?}");
    let rows: Vec<String> = ui
        .all_texts("[data-testid=row] .who small:first-of-type")
        .await
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    assert!(rows.len() >= 5, "{rows:?}");
    assert!(rows.iter().all(|c| c == "資訊二忠"), "{rows:?}");
    ui.shot("class-list").await;

    // The markup is shown as the text it is, and the resubmission's changed field too.
    ui.open(&h.id).await;
    assert_eq!(ui.text("[data-testid=parent-name]").await, html);
    assert!(ui.text("[data-testid=changed-fields]").await.contains("parent.name"));
    let injected =
        ui.c.execute("return document.querySelectorAll('img[src=\"x\"]').length;", vec![])
            .await
            .expect("script");
    assert_eq!(injected, serde_json::json!(0), "no element was made from the parent's text");
    ui.shot("markup-as-text").await;

    // An application and its signature.
    let a = &pending[0];
    ui.open(&a.id).await;
    assert_eq!(ui.text("[data-testid=detail-student]").await, a.student.name);
    // The registry's reason in the reviewer's language, not the service's English.
    let registry = ui.text("[data-testid=detail-registry]").await;
    assert!(registry.contains("未通過"), "{registry}");
    assert!(registry.contains("設籍") || registry.contains("親屬關係"), "the reason in Chinese: {registry}");
    assert!(!registry.contains("registered") && !registry.contains("registry"), "{registry}");
    let sig = ui.find("[data-testid=signature-img]").await;
    let src = sig.attr("src").await.expect("src").unwrap_or_default();
    assert!(src.starts_with("data:image/png;base64,"), "{}", &src[..src.len().min(40)]);
    let parent_id = ui.text("[data-testid=parent-id]").await;
    assert!(
        parent_id.contains("***") && !parent_id.contains(&a.parent.id_number[4..8]),
        "masked: {parent_id}"
    );
    ui.shot("detail-with-signature").await;

    // Approve one, return one with a reason; the service agrees.
    ui.click("[data-testid=approve]").await;
    ui.find("[data-testid=detail-waiting]").await;
    let b = &pending[1];
    ui.open(&b.id).await;
    ui.click("[data-testid=return]").await;
    ui.type_into("[data-testid=return-reason]", "簽名不清楚，請重新簽名").await;
    ui.click("[data-testid=return-confirm]").await;
    ui.find("[data-testid=detail-waiting]").await;
    ui.shot("decided-waiting").await;
    ui.sync().await;
    ui.until_text("[data-testid=queued-count]", |t| t.ends_with("：0")).await;
    let sa = admin.application(&a.id).await.expect("a");
    let sb = admin.application(&b.id).await.expect("b");
    assert_eq!(sa.status, Status::Approved);
    assert_eq!(sb.status, Status::Returned);
    assert_eq!(sb.return_reason.as_deref(), Some("簽名不清楚，請重新簽名"));
    ui.shot("sent").await;

    // Offline: the service stops, two decisions are made, it starts again, both arrive once.
    let listen = fx.svc.listen().to_string();
    assert!(fx.svc.stop(), "the service stops");
    let (c, d) = (&pending[2], &pending[3]);
    for x in [c, d] {
        ui.open(&x.id).await;
        ui.click("[data-testid=approve]").await;
        ui.find("[data-testid=detail-waiting]").await;
    }
    ui.sync().await;
    ui.until_text("[data-testid=online]", |t| t == "離線").await;
    ui.until_text("[data-testid=queued-count]", |t| t.ends_with("：2")).await;
    ui.shot("offline-two-waiting").await;
    fx.svc = RunningService::start_demo_at(
        &binary_beside_test(),
        &fx.db,
        &listen,
        &["--demo-applications", "150"],
    )
    .expect("the service starts again");
    ui.sync().await;
    ui.until_text("[data-testid=queued-count]", |t| t.ends_with("：0")).await;
    ui.until_text("[data-testid=online]", |t| t == "連線中").await;
    let admin = fx.api("admin.riyao").await;
    for x in [c, d] {
        let s = admin.application(&x.id).await.expect("application");
        assert_eq!(s.status, Status::Approved);
        assert_eq!(
            s.history.iter().filter(|h| h.action == HistoryAction::Approved).count(),
            1,
            "applied once"
        );
    }
    ui.shot("back-online").await;

    // Log out; with the service down, the login offers the offline copy, which opens.
    ui.click("[data-testid=logout]").await;
    ui.find("[data-testid=login-form]").await;
    assert!(fx.svc.stop(), "the service stops");
    ui.type_into("[data-testid=login-password]", &password).await;
    ui.click("[data-testid=login-submit]").await;
    let err = ui.until_text("[data-testid=login-error]", |t| !t.is_empty()).await;
    assert!(err.contains("無法連線"), "{err}");
    // The offline copy opens only with the reviewer's password.
    ui.type_into("[data-testid=login-password]", "not-my-password").await;
    ui.click("[data-testid=login-offline]").await;
    let err = ui.until_text("[data-testid=login-error]", |t| t.contains("密碼無法開啟")).await;
    assert!(err.contains("離線資料"), "{err}");
    ui.shot("offline-wrong-password").await;
    ui.type_into("[data-testid=login-password]", &password).await;
    ui.click("[data-testid=login-offline]").await;
    ui.click_until("[data-testid=tab-all]", "[data-testid=tab-all].active").await;
    ui.until_text("[data-testid=total]", |t| t.starts_with(&format!("{expected} "))).await;
    ui.until_text("[data-testid=online]", |t| t == "離線").await;
    ui.shot("offline-login").await;
    ui.c.close().await.expect("close session");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_bulk_approves_a_filtered_set_and_prints_a_class() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    let admin = fx.api("admin.riyao").await;
    let (_driver, mut ui) = fx.app("admin.riyao", "admin").await;
    ui.login(&fx.svc.password("admin.riyao").expect("password")).await;

    // Filter: 資訊一忠, pending. Select all that match, approve in bulk.
    ui.click_until("[data-testid='class-資訊一忠']", "[data-testid='class-資訊一忠'].active").await;
    ui.click_until("[data-testid=tab-pending]", "[data-testid=tab-pending].active").await;
    let before = all_applications(&admin).await;
    let target: Vec<&Application> =
        before.iter().filter(|a| a.student.class_name == "資訊一忠" && a.status == Status::Pending).collect();
    assert!(target.len() >= 3, "{}", target.len());
    ui.until_text("[data-testid=total]", |t| t.starts_with(&format!("{} ", target.len()))).await;
    ui.click("[data-testid=select-all]").await;
    ui.until_text("[data-testid=selected-count]", |t| t.ends_with(&format!("：{}", target.len()))).await;
    ui.click("[data-testid=bulk-approve]").await;
    let summary = ui.text("[data-testid=bulk-summary]").await;
    let limited = target.iter().filter(|a| a.flags.contains(&binddesk_domain::Flag::AccountLimit)).count();
    assert!(summary.contains(&format!("{}", target.len() - limited)), "{summary}");
    ui.shot("bulk-confirm").await;
    ui.click("[data-testid=bulk-confirm]").await;
    let result = ui.until_text("[data-testid=bulk-result]", |t| !t.is_empty()).await;
    ui.shot("bulk-result").await;
    ui.click("[data-testid=bulk-close]").await;
    let after = all_applications(&admin).await;
    for a in &target {
        let now = after.iter().find(|x| x.id == a.id).expect("still there");
        if a.flags.contains(&binddesk_domain::Flag::AccountLimit) {
            assert_eq!(now.status, Status::Pending, "skipped by the rules");
        } else {
            assert!(
                matches!(now.status, Status::Approved | Status::AutoApproved),
                "{result}: {:?}",
                now.status
            );
        }
    }

    // Print every form of 資訊二忠 (all statuses) to a PDF; each student's name is in it.
    ui.click_until("[data-testid='class-資訊二忠']", "[data-testid='class-資訊二忠'].active").await;
    ui.click_until("[data-testid=tab-all]", "[data-testid=tab-all].active").await;
    let class: Vec<&Application> = after.iter().filter(|a| a.student.class_name == "資訊二忠").collect();
    ui.until_text("[data-testid=total]", |t| t.starts_with(&format!("{} ", class.len()))).await;
    ui.click("[data-testid=print-matching]").await;
    // A path typed outside the default folder is refused (only the save dialog picks
    // another place), and nothing is written there.
    let outside = fx.dir.join("資訊二忠.pdf");
    ui.type_into("[data-testid=print-path]", &outside.to_string_lossy()).await;
    ui.click("[data-testid=print-go]").await;
    let err = ui.until_text("[data-testid=print-error]", |t| !t.is_empty()).await;
    assert!(err.contains("選擇儲存位置"), "{err}");
    assert!(!outside.exists());
    ui.shot("print-path-refused").await;
    let pdf = fx.dir.join("prints").join("資訊二忠.pdf");
    ui.type_into("[data-testid=print-path]", &pdf.to_string_lossy()).await;
    ui.click("[data-testid=print-go]").await;
    let done = ui.until_text("[data-testid=print-result]", |t| !t.is_empty()).await;
    assert!(done.contains(&format!("{}", class.len())), "{done}");
    ui.shot("printed").await;
    let out = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    for a in &class {
        assert!(text.contains(a.student.name.as_str()), "{} is in the PDF", a.student.name);
    }
    ui.c.close().await.expect("close session");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_keyboard_drives_the_review_and_language_and_window_are_remembered() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    let password = fx.svc.password("t.info2").expect("password");
    {
        let (_driver, mut ui) = fx.app("t.info2", "keyboard").await;
        assert!(ui.text("[data-testid=login-submit]").await.contains("登入"), "Chinese by default");
        ui.login(&password).await;
        ui.click_until("[data-testid=tab-all]", "[data-testid=tab-all].active").await;
        // The list's first rows, in order, once the list has settled on all statuses.
        let first_rows = || async {
            let mut ids = Vec::new();
            for row in ui.c.find_all(Locator::Css("[data-testid=row]")).await.unwrap_or_default() {
                ids.push(row.attr("data-id").await.ok().flatten().unwrap_or_default());
            }
            ids
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let ids = loop {
            let ids = first_rows().await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            if ids.len() >= 3 && ids[..3].iter().all(|id| !id.is_empty()) && first_rows().await == ids {
                break ids;
            }
            assert!(Instant::now() < deadline, "the list never settled: {ids:?}");
        };

        // j and k walk the list; the open application follows.
        ui.click_until(
            &format!("[data-id='{}'] .rowbody", ids[0]),
            &format!("[data-testid=detail][data-id='{}']", ids[0]),
        )
        .await;
        ui.press('j').await;
        ui.until_detail(&ids[1]).await;
        ui.press('j').await;
        ui.until_detail(&ids[2]).await;
        ui.press('k').await;
        ui.until_detail(&ids[1]).await;

        // ? opens the shortcuts sheet, Escape closes it.
        ui.press('?').await;
        let sheet = ui.text("[data-testid=shortcuts]").await;
        assert!(sheet.contains("下一筆"), "{sheet}");
        ui.shot("shortcuts").await;
        ui.press('\u{E00C}').await; // Escape
        let deadline = Instant::now() + Duration::from_secs(10);
        while ui.c.find(Locator::Css("[data-testid=shortcuts]")).await.is_ok() {
            assert!(Instant::now() < deadline, "Escape did not close the shortcuts");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // / puts the cursor in the search box; what is typed next filters the list.
        ui.press('/').await;
        let focused = ui.c.active_element().await.expect("active element");
        assert_eq!(focused.attr("data-testid").await.ok().flatten().as_deref(), Some("search"));
        for c in ids[2].chars() {
            ui.press(c).await;
        }
        ui.until_text("[data-testid=total]", |t| t.starts_with("1 ")).await;

        // Print it, choosing where with the system's "save as" dialog (GTK's, driven
        // with xdotool: WebDriver cannot reach a native window).
        ui.click("[data-testid=print-matching]").await;
        let chosen = fx.dir.join("chosen-by-dialog.pdf");
        ui.click("[data-testid=print-choose]").await;
        answer_save_dialog(&fx.display, &chosen).await;
        let want = chosen.to_string_lossy().into_owned();
        let deadline = Instant::now() + Duration::from_secs(15);
        while ui.find("[data-testid=print-path]").await.prop("value").await.ok().flatten().as_deref()
            != Some(&want)
        {
            assert!(Instant::now() < deadline, "the dialog's answer never reached the path field");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        ui.click("[data-testid=print-go]").await;
        ui.until_text("[data-testid=print-result]", |t| t.contains("chosen-by-dialog.pdf")).await;
        let out = std::process::Command::new("pdftotext").arg(&chosen).arg("-").output().expect("pdftotext");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(ids[2].as_str()),
            "the form is in the chosen file"
        );
        ui.shot("printed-where-chosen").await;
        ui.click("[data-testid=print-close]").await;

        // English, chosen in the header.
        ui.find("[data-testid=language] option[value=en]").await.click().await.expect("choose English");
        ui.until_text("[data-testid=tab-pending]", |t| t.starts_with("Pending")).await;
        ui.until_text("[data-testid=total]", |t| t == "1 application").await;
        ui.until_text("[data-testid=queued-count]", |t| t.ends_with(": 0") && !t.contains('：')).await;
        // The page says its language, the controls have names, and use the body's face.
        let probe =
            ui.c.execute(
                r#"const body = getComputedStyle(document.body).fontFamily;
                   const same = [...document.querySelectorAll("button, select, input")]
                     .every(e => getComputedStyle(e).fontFamily === body);
                   return [document.documentElement.lang,
                           document.querySelector("[data-testid=search]").getAttribute("aria-label"),
                           document.querySelector("[data-testid=flag-filter]").getAttribute("aria-label"),
                           same];"#,
                vec![],
            )
            .await
            .expect("probe the page");
        assert_eq!(
            probe,
            serde_json::json!(["en", "Search name or masked ID (/)", "Filter by flag", true]),
            "{probe}"
        );
        ui.shot("english").await;

        // The window is moved and resized, and left still long enough to be remembered.
        ui.c.set_window_rect(37, 23, 1100, 720).await.expect("move and resize the window");
        let rect = ui.c.get_window_rect().await.expect("window rect");
        assert_eq!(rect, (37, 23, 1100, 720), "the window took the new geometry");
        let saved = fx.dir.join("app-t.info2").join("settings.json");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&saved).unwrap_or_default().contains("1100") {
            assert!(Instant::now() < deadline, "the geometry was never written");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // The app is started again: still English.
    let (_driver, mut ui) = fx.app("t.info2", "keyboard-again").await;
    ui.until_text("[data-testid=login-submit]", |t| t.contains("Log in")).await;
    let chosen = ui.find("[data-testid=language]").await.prop("value").await.ok().flatten();
    assert_eq!(chosen.as_deref(), Some("en"));
    assert_eq!(
        ui.c.get_window_rect().await.expect("window rect"),
        (37, 23, 1100, 720),
        "same place, same size"
    );
    ui.shot("english-again").await;
}

/// Answers the GTK "save as" dialog on `display`: waits for it, types `path` into its
/// name field (GTK takes a whole path there) and presses Enter.
async fn answer_save_dialog(display: &Display, path: &std::path::Path) {
    let xdotool = |args: &[&str]| {
        std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &display.name)
            .output()
            .unwrap_or_else(|e| panic!("xdotool: {e} (scripts/setup.sh installs it)"))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let dialog = loop {
        // The app's own window is titled 綁定審核台 BindDesk; the dialog is the other one.
        let found = xdotool(&["search", "--onlyvisible", "--name", "."]);
        let mut ids = Vec::new();
        for id in String::from_utf8_lossy(&found.stdout).split_whitespace() {
            let name = xdotool(&["getwindowname", id]);
            let name = String::from_utf8_lossy(&name.stdout).trim().to_string();
            if !name.contains("BindDesk") {
                ids.push((id.to_string(), name));
            }
        }
        if let Some((id, _)) = ids.first() {
            break id.clone();
        }
        assert!(Instant::now() < deadline, "no save dialog appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Give GTK a moment to map and focus its name field.
    tokio::time::sleep(Duration::from_millis(700)).await;
    xdotool(&["windowfocus", "--sync", &dialog]);
    xdotool(&["key", "--window", &dialog, "ctrl+a"]);
    xdotool(&["type", "--window", &dialog, "--delay", "5", &path.to_string_lossy()]);
    xdotool(&["key", "--window", &dialog, "Return"]);
}
