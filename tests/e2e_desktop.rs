//! End-to-end: the desktop app as staff expect a desktop program (issue 15). axe-core on
//! every screen in both languages, the signature in view at 1280×800, shortcuts that can
//! be turned off and never fire while typing, modal dialogs that keep and return the
//! focus, the text size remembered, one instance only, and a log file without personal
//! data. Screenshots of every screen, in both languages, land in target/e2e-screenshots/.

// Linux only: these drive real windows and browsers (Xvfb, WebKitWebDriver, Chromium);
// scripts/windows.sh builds them for Windows as empty test programs.
#![cfg(target_os = "linux")]

mod support;

use fantoccini::Locator;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::app::*;
use support::*;

impl Ui {
    /// Ctrl and a key, as W3C key actions.
    async fn press_ctrl(&self, key: char) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let ctrl = '\u{E009}';
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: ctrl })
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key })
            .then(KeyAction::Up { value: ctrl });
        self.c.perform_actions(keys).await.unwrap_or_else(|e| panic!("Ctrl+{key}: {e}"));
    }

    /// A screenshot, then axe-core: no violation on this screen.
    async fn audit(&mut self, screen: &str) {
        self.shot(screen).await;
        let v = axe_violations(&self.c).await;
        if std::env::var_os("BINDDESK_AXE_REPORT").is_some() {
            for x in v.as_array().into_iter().flatten() {
                println!("AXE {screen}: {} {} {}", x["id"], x["help"], x["nodes"]);
            }
            return;
        }
        assert_eq!(v, json!([]), "axe on {screen}: {v:#}");
    }

    async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    async fn gone(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.c.find(Locator::Css(css)).await.is_ok() {
            assert!(Instant::now() < deadline, "{css} is still there");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The data-testid of the focused element (or of its nearest marked parent).
    async fn focused(&self) -> String {
        self.js("const e = document.activeElement; const m = e && e.closest('[data-testid]'); return m ? m.getAttribute('data-testid') : (e ? e.tagName : '');")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Opens the first row of the list and waits for its detail.
    async fn open_first_row(&self) -> String {
        let row = self.find("[data-testid=row][data-id]:not([data-id=''])").await;
        let id = row.attr("data-id").await.ok().flatten().unwrap_or_default();
        self.click_until(
            &format!("[data-id='{id}'] .rowbody"),
            &format!("[data-testid=detail][data-id='{id}']"),
        )
        .await;
        id
    }
}

/// The signature, its signer and the relationship are in view without scrolling, and
/// nothing covers the image (the element at its centre is the image itself).
async fn signature_is_in_view(ui: &Ui) {
    ui.find("[data-testid=signature-img]").await;
    let probe = ui
        .js(
            "const img = document.querySelector('[data-testid=signature-img]');
             const r = img.getBoundingClientRect();
             const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             const signer = document.querySelector('[data-testid=signer-name]').getBoundingClientRect();
             return { inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.width > 50,
                      uncovered: at === img, signer: signer.bottom <= innerHeight && signer.top >= 0,
                      box: [r.left, r.top, r.width, r.height], viewport: [innerWidth, innerHeight] };",
        )
        .await;
    assert_eq!(probe["inside"], true, "the signature is in the viewport: {probe}");
    assert_eq!(probe["uncovered"], true, "nothing covers the signature: {probe}");
    assert_eq!(probe["signer"], true, "the signer's name is in view: {probe}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_passes_axe_in_both_languages_with_the_signature_in_view() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    let password = fx.svc.password("t.info2").expect("password");
    let (_driver, mut ui) = fx.app("t.info2", "screens").await;
    ui.c.set_window_rect(0, 0, 1280, 800).await.expect("1280×800");
    for lang in ["zh", "en"] {
        if lang == "en" {
            // The language from the settings dialog this time.
            ui.click("[data-testid=open-settings]").await;
            ui.find("[data-testid=settings-language] option[value=en]").await.click().await.expect("English");
            ui.click("[data-testid=settings-close]").await;
            ui.gone("[data-testid=settings]").await;
            ui.click("[data-testid=logout]").await;
        }
        ui.find("[data-testid=login-form]").await;
        assert_eq!(
            ui.js("return document.documentElement.lang").await,
            json!(if lang == "en" { "en" } else { "zh-TW" })
        );
        ui.audit(&format!("{lang}-login")).await;
        ui.login(&password).await;
        ui.audit(&format!("{lang}-list")).await;
        ui.open_first_row().await;
        signature_is_in_view(&ui).await;
        ui.audit(&format!("{lang}-detail")).await;

        // The bulk confirmation: modal, labelled, focus inside, returned on Escape.
        ui.click("[data-testid=select-all]").await;
        ui.click("[data-testid=bulk-approve]").await;
        ui.find("[data-testid=bulk-confirm]").await;
        let dialog = ui
            .js("const d = document.querySelector('[data-testid=bulk-dialog]');
                 return [d.getAttribute('role'), d.getAttribute('aria-modal'),
                         document.getElementById(d.getAttribute('aria-labelledby')).textContent.length > 0,
                         d.contains(document.activeElement)];")
            .await;
        assert_eq!(dialog, json!(["dialog", "true", true, true]), "a labelled modal with the focus inside");
        ui.audit(&format!("{lang}-bulk-confirm")).await;
        ui.press('\u{E00C}').await;
        ui.gone("[data-testid=bulk-dialog]").await;
        assert_eq!(ui.focused().await, "bulk-approve", "the focus went back to the button that opened it");
        ui.click("[data-testid=print-matching]").await;
        ui.find("[data-testid=print-go]").await;
        ui.audit(&format!("{lang}-print")).await;
        ui.press('\u{E00C}').await;
        ui.gone("[data-testid=print-dialog]").await;
        ui.click("[data-testid=conflicts-button]").await;
        ui.find("[data-testid=conflicts-panel]").await;
        ui.audit(&format!("{lang}-conflicts")).await;
        ui.press('\u{E00C}').await;
        ui.gone("[data-testid=conflicts-panel]").await;
        ui.open_first_row().await;
        ui.press('?').await;
        ui.find("[data-testid=shortcuts]").await;
        ui.audit(&format!("{lang}-shortcuts")).await;
        ui.press('\u{E00C}').await;
        ui.gone("[data-testid=shortcuts]").await;
        ui.click("[data-testid=open-settings]").await;
        ui.find("[data-testid=settings]").await;
        ui.audit(&format!("{lang}-settings")).await;
        ui.click("[data-testid=settings-close]").await;
        ui.gone("[data-testid=settings]").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shortcuts_stay_out_of_typing_can_be_turned_off_and_text_grows_without_clipping() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    let password = fx.svc.password("t.info2").expect("password");
    // The system's PDF viewer cannot run here: an `xdg-open` that writes down what it was
    // asked to open stands in for it, first on the PATH the opener plugin searches.
    let bin = fx.dir.join("fake-bin");
    std::fs::create_dir_all(&bin).expect("fake bin");
    let opened = fx.dir.join("opened.txt");
    let script = format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display());
    std::fs::write(bin.join("xdg-open"), script).expect("fake xdg-open");
    Command::new("chmod").arg("755").arg(bin.join("xdg-open")).status().expect("chmod");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let (_driver, mut ui) = fx.app_with("t.info2", "settings", &[("PATH", path)]).await;
    ui.c.set_window_rect(0, 0, 1280, 800).await.expect("1280×800");
    ui.login(&password).await;
    // The list opens on 申請中; the first sync's refresh is let by before a row is opened.
    ui.find("[data-testid=tab-pending][aria-pressed=true]").await;
    ui.find("[data-testid=sync]").await;
    let first = ui.open_first_row().await;

    // The list is a grid; the current row is selected and named; j moves the focus.
    let grid = ui
        .js("const g = document.querySelector('[data-testid=list]');
             const cb = document.querySelector('[data-testid=row-check]');
             return [g.getAttribute('role'), Number(g.getAttribute('aria-rowcount')) > 1, cb.getAttribute('aria-label').length > 3];")
        .await;
    assert_eq!(grid, json!(["grid", true, true]));
    ui.press('j').await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = ui
            .js("const r = document.activeElement.closest('[role=row]'); return r ? [r.getAttribute('aria-selected'), r.getAttribute('data-id')] : null;")
            .await;
        let open = ui.detail_id().await;
        if row[0] == "true" && row[1] == json!(open) && open != first {
            break;
        }
        assert!(Instant::now() < deadline, "j did not move the focus to the next, selected row: {row}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let second = ui.detail_id().await;

    // Typing: `a` in the return reason is a letter, not an approval.
    ui.click("[data-testid=return]").await;
    ui.type_into("[data-testid=return-reason]", "a").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(ui.text("[data-testid=queued-count]").await.ends_with('0'), "nothing was decided while typing");
    ui.press('\u{E00C}').await;

    // Turned off: `a` and `j` do nothing, even with the focus on the list.
    ui.click("[data-testid=open-settings]").await;
    ui.click("[data-testid=settings-shortcuts]").await;
    ui.click("[data-testid=settings-close]").await;
    ui.gone("[data-testid=settings]").await;
    let settings = fx.dir.join("app-t.info2").join("settings.json");
    assert!(std::fs::read_to_string(&settings).unwrap_or_default().contains("\"shortcuts\": false"));
    ui.click(&format!("[data-id='{second}'] .rowbody")).await;
    ui.press('a').await;
    ui.press('j').await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(ui.detail_id().await, second, "j did nothing");
    assert!(ui.text("[data-testid=queued-count]").await.ends_with('0'), "a did nothing");
    ui.click("[data-testid=shortcuts-button]").await;
    ui.find("[data-testid=shortcuts-off]").await;
    ui.shot("shortcuts-off").await;
    ui.press('\u{E00C}').await;

    // The printed PDF opens in the system's viewer through the opener plugin.
    ui.click("[data-testid=print-matching]").await;
    ui.click("[data-testid=print-go]").await;
    let result = ui.until_text("[data-testid=print-result]", |t| t.contains(".pdf")).await;
    // Only what this computer can do is offered: with no `lp` on the PATH (Windows, or
    // a machine without CUPS), no "send to the printer", and the words say what to do.
    let lp =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("lp").is_file()));
    let offered = ui.c.find(Locator::Css("[data-testid=print-send]")).await.is_ok();
    assert_eq!(offered, lp, "send-to-printer offered exactly when lp exists");
    if !lp {
        assert!(ui.text("[data-testid=print-from-viewer]").await.contains("PDF 檢視器"));
    }
    ui.click("[data-testid=print-open]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let asked = loop {
        let asked = std::fs::read_to_string(&opened).unwrap_or_default();
        if !asked.is_empty() {
            break asked;
        }
        assert!(Instant::now() < deadline, "the viewer was never asked to open the PDF");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(asked.ends_with(".pdf") && std::path::Path::new(&asked).exists(), "{asked} ({result})");
    ui.press('\u{E00C}').await;
    ui.gone("[data-testid=print-dialog]").await;

    // Text at 200 %, remembered; rows not clipped, the detail not cut off.
    // Once with the settings' button, then with Ctrl + (the keys work anywhere).
    ui.click("[data-testid=open-settings]").await;
    ui.click("[data-testid=zoom-in]").await;
    ui.until_text("[data-testid=zoom-value]", |t| t == "110%").await;
    for _ in 0..7 {
        ui.press_ctrl('=').await;
    }
    ui.until_text("[data-testid=zoom-value]", |t| t == "200%").await;
    ui.press('\u{E00C}').await;
    ui.gone("[data-testid=settings]").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(std::fs::read_to_string(&settings).unwrap_or_default().contains("\"text_zoom\": 2.0"));
    let layout = ui
        .js("const rows = [...document.querySelectorAll('[data-testid=row] .who')];
             const clipped = rows.filter(e => e.scrollHeight > e.clientHeight + 1).length;
             const side = document.querySelector('.side').getBoundingClientRect();
             return { rows: rows.length, clipped, sideFits: side.right <= document.documentElement.clientWidth + 1, width: innerWidth };")
        .await;
    assert!(layout["rows"].as_u64().unwrap_or(0) > 0, "{layout}");
    assert_eq!(layout["clipped"], 0, "no row's text is cut at 200 %: {layout}");
    assert_eq!(layout["sideFits"], true, "the detail is not cut off at 200 %: {layout}");
    ui.shot("text-200").await;
}

/// A private D-Bus session bus: the single-instance plugin meets the second launch there.
fn session_bus() -> (ProcessGuard, String) {
    let mut cmd = Command::new("dbus-daemon");
    cmd.args(["--session", "--nofork", "--print-address=1"]).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut bus = ProcessGuard::spawn("dbus-daemon", &mut cmd);
    let out = bus.child.stdout.take().expect("bus stdout");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line).expect("bus address");
    (bus, line.trim().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_instance_and_a_log_without_personal_data() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    let (_bus, address) = session_bus();
    // SAFETY: tests of this binary take turns (ONE_AT_A_TIME); nothing else reads it now.
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address) };
    let password = fx.svc.password("t.info2").expect("password");
    let (_driver, mut ui) = fx.app("t.info2", "instance").await;
    ui.login(&password).await;
    ui.sync().await;
    ui.open_first_row().await;

    // A second launch (a teacher double-clicks again) hands over and exits.
    let windows_before = fx.display.window_titles().iter().filter(|t| t.contains("BindDesk")).count();
    let data = fx.dir.join("app-t.info2");
    let started = Instant::now();
    let status = Command::new(app_binary())
        .env("DISPLAY", &fx.display.name)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("BINDDESK_DATA_DIR", &data)
        .env("BINDDESK_SECRET_DIR", fx.dir.join("secrets-t.info2"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start a second copy");
    assert!(status.success(), "the second copy exits quietly: {status}");
    assert!(started.elapsed() < Duration::from_secs(20), "and at once");
    let titles = fx.display.window_titles();
    let windows_after = titles.iter().filter(|t| t.contains("BindDesk")).count();
    assert_eq!(windows_after, windows_before, "no second window: {titles:?}");
    ui.find("[data-testid=list]").await;

    // The log: what happened, in ids and counts; no name, ID number, e-mail or password.
    let log = std::fs::read_to_string(data.join("logs").join("binddesk.log")).expect("the log file");
    for line in ["started", "logged in online", "sync:", "second launch"] {
        assert!(log.contains(line), "the log says {line:?}:\n{log}");
    }
    let api = fx.api("t.info2").await;
    let page = api.changes(0, 2000).await.expect("feed");
    for a in &page.items {
        for secret in
            [&a.student.name, &a.student.id_number, &a.parent.name, &a.parent.id_number, &a.parent.email]
        {
            assert!(!log.contains(secret.as_str()), "the log holds personal data ({secret}):\n{log}");
        }
    }
    assert!(!log.contains(&password), "the log holds the password");
    ui.shot("one-instance").await;
    // SAFETY: as above; the private bus ends with this test.
    unsafe { std::env::remove_var("DBUS_SESSION_BUS_ADDRESS") };
}

#[tokio::test(flavor = "multi_thread")]
async fn a_maximized_window_comes_back_maximized_and_problems_are_logged_and_shown() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let fx = Fixture::start();
    {
        // A panic: written to the log by its place, and a dialog says where the log is.
        let count = |titles: Vec<String>| titles.iter().filter(|t| t.contains("BindDesk")).count();
        let env = [
            ("BINDDESK_DATA_DIR", fx.dir.join("app-crash").to_string_lossy().into_owned()),
            ("BINDDESK_SECRET_DIR", fx.dir.join("secrets-crash").to_string_lossy().into_owned()),
            ("BINDDESK_CRASH_TEST", "1".to_string()),
        ];
        let windows = count(fx.display.window_titles());
        let (_driver, ui) = launch_app(&fx.display, &env).await;
        ui.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("[data-testid=login-form]"))
            .await
            .expect("the window");
        let log = fx.dir.join("app-crash").join("logs").join("binddesk.log");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            // The main window and the dialog, both titled 綁定審核台 BindDesk (no window
            // manager yet, so no frames to count).
            if text.contains("panic at") && count(fx.display.window_titles()) >= windows + 2 {
                assert!(!text.contains("crash test"), "the panic's message stays out of the log");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no logged panic and dialog: {text} {windows} {:?}",
                fx.display.window_titles()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // A start-up problem (a data folder that cannot be made: here a file stands in its
    // way) is shown in a dialog beside the window, not only on stderr.
    {
        let count = |titles: Vec<String>| titles.iter().filter(|t| t.contains("BindDesk")).count();
        // The crash test's windows first go away with their app.
        let deadline = Instant::now() + Duration::from_secs(10);
        while count(fx.display.window_titles()) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let before = count(fx.display.window_titles());
        let blocked = fx.dir.join("not-a-folder");
        std::fs::write(&blocked, b"x").expect("a file in the way");
        let mut cmd = Command::new(app_binary());
        cmd.env("DISPLAY", &fx.display.name)
            .env("BINDDESK_DATA_DIR", blocked.join("data"))
            .env("BINDDESK_SECRET_DIR", fx.dir.join("secrets-blocked"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _app = ProcessGuard::spawn("binddesk", &mut cmd);
        let deadline = Instant::now() + Duration::from_secs(20);
        while count(fx.display.window_titles()) < before + 2 {
            assert!(Instant::now() < deadline, "no start-up dialog: {:?}", fx.display.window_titles());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Maximizing is a window manager's job; Xvfb has none of its own.
    let mut wm = Command::new("openbox");
    wm.args(["--sm-disable"]).env("DISPLAY", &fx.display.name).stdout(Stdio::null()).stderr(Stdio::null());
    let _wm = ProcessGuard::spawn("openbox", &mut wm);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let settings = fx.dir.join("app-t.info2").join("settings.json");
    {
        let (_driver, ui) = fx.app("t.info2", "maximized").await;
        ui.find("[data-testid=login-form]").await;
        ui.c.maximize_window().await.expect("maximize");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&settings).unwrap_or_default().contains("\"maximized\": true") {
            assert!(Instant::now() < deadline, "the maximized state was never written");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    {
        let (_driver, mut ui) = fx.app("t.info2", "maximized-again").await;
        ui.find("[data-testid=login-form]").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, _, w, h) = ui.c.get_window_rect().await.expect("rect");
            if w > 1300 && h > 820 {
                break;
            }
            assert!(Instant::now() < deadline, "the window came back {w}×{h}, not maximized on 1400×900");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        ui.shot("maximized-again").await;
    }
}
