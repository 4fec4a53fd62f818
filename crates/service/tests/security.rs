//! The holes of the outside probe (issue 11), one test each, against the real binary over
//! HTTP. Every test here failed on the code before the fix (see the README's security
//! section for what each one found).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const INFO2: &str = "383401-201";

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no error body>")
}

/// A wrong code for `code`.
fn wrong(code: &str, n: u32) -> String {
    let c: u32 = code.parse().unwrap_or(0);
    format!("{:06}", (c + 1 + n) % 1_000_000)
}

async fn ask_code(svc: &Service, channel: &str, address: &str) -> (StatusCode, Value) {
    svc.post(None, "/api/v1/parent/codes", json!({"channel": channel, "address": address})).await
}

async fn try_code(svc: &Service, address: &str, code: &str) -> (StatusCode, Value) {
    svc.post(None, "/api/v1/parent/session", json!({"address": address, "code": code})).await
}

/// 1. One live code per address, a resend cooldown, a few wrong tries per code and per
/// address, and the same answer whether or not the address has a code.
#[tokio::test]
async fn codes_cannot_be_guessed() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--code-resend-secs", "1"]);
    let email = "guess@example.com.tw";
    assert_eq!(ask_code(&svc, "email", email).await.0, StatusCode::ACCEPTED);
    let first = svc.latest_code(email).await;
    // Asking again at once waits out the cooldown, and says how long.
    let (s, v) = ask_code(&svc, "email", email).await;
    assert_eq!((s, error_code(&v)), (StatusCode::TOO_MANY_REQUESTS, "code_cooldown"), "{v}");
    assert!(v["error"]["retry_after_secs"].as_u64().is_some_and(|n| n <= 1), "{v}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ask_code(&svc, "email", email).await.0, StatusCode::ACCEPTED);
    let second = svc.latest_code(email).await;
    if first != second {
        assert_eq!(
            try_code(&svc, email, &first).await.0,
            StatusCode::UNAUTHORIZED,
            "a new code replaces the old"
        );
    }
    // Five wrong tries kill the code: the right one no longer works.
    for i in 0..5 {
        let (s, v) = try_code(&svc, email, &wrong(&second, i)).await;
        assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_code"), "{v}");
    }
    assert_eq!(try_code(&svc, email, &second).await.0, StatusCode::UNAUTHORIZED, "the code is dead");

    // Per address: ten wrong tries an hour, across codes, and then even a fresh code fails.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ask_code(&svc, "email", email).await.0, StatusCode::ACCEPTED);
    let third = svc.latest_code(email).await;
    for i in 0..5 {
        try_code(&svc, email, &wrong(&third, i)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ask_code(&svc, "email", email).await.0, StatusCode::ACCEPTED);
    let fourth = svc.latest_code(email).await;
    let (s, v) = try_code(&svc, email, &fourth).await;
    assert_eq!((s, error_code(&v)), (StatusCode::TOO_MANY_REQUESTS, "too_many_tries"), "{v}");

    // An address with a live code and one without answer alike, try by try.
    let with = "with-code@example.com.tw";
    let without = "without-code@example.com.tw";
    assert_eq!(ask_code(&svc, "email", with).await.0, StatusCode::ACCEPTED);
    let code = svc.latest_code(with).await;
    for i in 0..12 {
        let mut a = try_code(&svc, with, &wrong(&code, i)).await;
        let mut b = try_code(&svc, without, &wrong(&code, i)).await;
        // The wait is counted in seconds from each address's own first try: the two may
        // straddle a second on a busy machine, which tells nothing about the code.
        let (wait_a, wait_b) = (take_retry_after(&mut a.1), take_retry_after(&mut b.1));
        assert!(wait_a.abs_diff(wait_b) <= 1, "try {i}: waits {wait_a} and {wait_b}");
        assert_eq!(a, b, "try {i}");
    }
}

/// Removes `error.retry_after_secs` from an error body; 0 if it had none.
fn take_retry_after(v: &mut Value) -> u64 {
    v["error"]
        .as_object_mut()
        .and_then(|e| e.remove("retry_after_secs"))
        .and_then(|n| n.as_u64())
        .unwrap_or(0)
}

/// 1. Wrong guesses are limited per client address too.
#[tokio::test]
async fn code_guesses_are_limited_per_client() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--client-hourly-guesses", "20"]);
    for i in 0..20 {
        let (s, _) = try_code(&svc, &format!("nobody{i}@example.com.tw"), "123456").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let email = "real@example.com.tw";
    assert_eq!(ask_code(&svc, "email", email).await.0, StatusCode::ACCEPTED);
    let code = svc.latest_code(email).await;
    let (s, v) = try_code(&svc, email, &code).await;
    assert_eq!((s, error_code(&v)), (StatusCode::TOO_MANY_REQUESTS, "too_many_tries"), "{v}");
}

/// 2. The phone limit counts one phone, however it is spelled; only Taiwanese mobiles
/// get codes; the owner and the stored contact phone are canonical.
#[tokio::test]
async fn phone_limit_holds_across_spellings() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--code-resend-secs", "1"]);
    for spelling in ["0928000111", "+886 928-000-111"] {
        let (s, v) = ask_code(&svc, "phone", spelling).await;
        assert_eq!(s, StatusCode::ACCEPTED, "{spelling}: {v}");
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    for spelling in ["+886928000111", "886928000111", "00886928000111", "(09)2800-0111", "+886 0928000111"] {
        let (s, v) = ask_code(&svc, "phone", spelling).await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{spelling}: {v}");
    }
    for bad in ["+0928000111", "0228000111", "+1 415 555 0100", "0928000111 1", "09280001112"] {
        let (s, v) = ask_code(&svc, "phone", bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["error"]["fields"]["address"].as_str().unwrap().contains("09"), "{v}");
    }
    // The codes went to the canonical number, and logging in by another spelling works.
    let code = svc.latest_code("0928000111").await;
    let (s, v) = try_code(&svc, "+886-928-000-111", &code).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let parent = v["token"].as_str().unwrap().to_string();
    // A contact phone may be a landline; it is stored in one form.
    let kids = svc.roster_students_without_application(INFO2, 1);
    let email = "phone-parent@example.com.tw";
    verify_email(&svc, &parent, email).await;
    let mut body = submission("周美玲", &id('2', 4_040_404), email, &[(&kids[0].0, "mother")]);
    body["parent"]["phone"] = json!("+886 2 2345-6789");
    let (s, v) = svc.post(Some(&parent), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applications"][0]["parent"]["phone"], "0223456789");
    let conn = rusqlite::Connection::open(&svc.db).unwrap();
    let owners: Vec<String> = conn
        .prepare("SELECT DISTINCT owner FROM applications WHERE parent_email = ?1")
        .unwrap()
        .query_map([email], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(owners, vec!["0928000111".to_string()]);
}

/// Proves an e-mail inside a parent session (item 8): a code to the e-mail, then
/// `POST /api/v1/parent/session/email`.
async fn verify_email(svc: &Service, parent: &str, email: &str) {
    let (s, v) = ask_code(svc, "email", email).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let code = svc.latest_code(email).await;
    let (s, v) =
        svc.post(Some(parent), "/api/v1/parent/session/email", json!({"address": email, "code": code})).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
}

/// 3. Concurrent wrong passwords are each counted; a locked account refuses the right
/// password; an unknown username answers exactly as a real one.
#[tokio::test]
async fn staff_lockout_counts_concurrent_attempts() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let burst = |username: &'static str, n: usize| {
        let futs: Vec<_> = (0..n)
            .map(|i| {
                let (http, url) = (svc.http.clone(), svc.url("/api/v1/session"));
                async move {
                    let r = http
                        .post(url)
                        .json(&json!({"username": username, "password": format!("wrong-{i}")}))
                        .send()
                        .await
                        .unwrap();
                    r.status()
                }
            })
            .collect();
        futures_join_all(futs)
    };
    let statuses = burst("t.info1", 20).await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(checked <= 5, "{checked} passwords were checked in a burst of 20: {statuses:?}");
    let (s, v) = svc
        .post(None, "/api/v1/session", json!({"username": "t.info1", "password": svc.password("t.info1")}))
        .await;
    assert_eq!((s, error_code(&v)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{v}");

    // Unknown and real usernames: the same answers, in the same order.
    let mut real = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        let (s, v) = svc.post(None, "/api/v1/session", json!({"username": "t.info3", "password": "x"})).await;
        real.push((s, error_code(&v).to_string()));
        let (s, v) =
            svc.post(None, "/api/v1/session", json!({"username": "t.nobody", "password": "x"})).await;
        unknown.push((s, error_code(&v).to_string()));
    }
    assert_eq!(real, unknown);
    assert_eq!(real.last().unwrap().0, StatusCode::TOO_MANY_REQUESTS);
}

async fn futures_join_all<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    futs: Vec<F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// 4. Replaying another reviewer's decision_id shows nothing out of scope.
#[tokio::test]
async fn replayed_decision_id_respects_scope() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let teacher = svc.login("t.info2").await;
    let other_teacher = svc.login("t.info1").await;
    let other_admin = svc.login("admin.songshan").await;
    let apps = svc.all_changes(&teacher).await;
    let a =
        apps.iter().find(|a| a["status"] == "pending" && a["flags"].as_array().unwrap().is_empty()).unwrap();
    let id = a["id"].as_str().unwrap();
    let decision_id = uuid();
    let path = format!("/api/v1/review/applications/{id}/decision");
    let body = json!({"action": "approve", "expected_version": a["version"], "decision_id": decision_id});
    let (s, _) = svc.post(Some(&teacher), &path, body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    for token in [&other_teacher, &other_admin] {
        let (s, v) = svc.post(Some(token), &path, body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert!(!v.to_string().contains(a["parent"]["id_number"].as_str().unwrap()));
        let batch = json!({"decisions": [{"application_id": id, "action": "approve",
            "expected_version": a["version"], "decision_id": decision_id}]});
        let (s, v) = svc.post(Some(token), "/api/v1/review/decisions", batch).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["results"][0]["outcome"], "forbidden", "{v}");
        assert!(v["results"][0]["application"].is_null(), "{v}");
    }
}

/// 5. A registry check that comes back later never binds a third parent.
#[tokio::test]
async fn registry_retry_keeps_the_two_account_limit() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let kid = svc.roster_students_without_application(INFO2, 1).remove(0).0;
    let parents: Vec<String> = (0..3).map(|i| id('1', 7_070_700 + i)).collect();
    {
        let conn = rusqlite::Connection::open(&svc.db).unwrap();
        conn.execute("INSERT INTO registry_residents (id_number) VALUES (?1)", [&kid]).unwrap();
        for p in &parents {
            conn.execute("INSERT INTO registry_residents (id_number) VALUES (?1)", [p]).unwrap();
            conn.execute("INSERT INTO registry_links (parent_id, child_id) VALUES (?1, ?2)", [p, &kid])
                .unwrap();
        }
    }
    let (s, _) = svc.post(None, "/api/v1/dev/registry", json!({"available": false})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let mut ids = Vec::new();
    for (i, p) in parents.iter().enumerate() {
        let email = format!("third{i}@example.com.tw");
        let parent = svc.parent_login(&email).await;
        let title = ["father", "mother", "grandmother"][i];
        let (s, v) = svc
            .post(
                Some(&parent),
                "/api/v1/parent/applications",
                submission("林家人", p, &email, &[(&kid, title)]),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["applications"][0]["id"].as_str().unwrap().to_string());
    }
    let (s, _) = svc.post(None, "/api/v1/dev/registry", json!({"available": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let admin = svc.login("admin.riyao").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut statuses = Vec::new();
        let mut checked = 0;
        for id in &ids {
            let (_, a) = svc.get(Some(&admin), &format!("/api/v1/review/applications/{id}")).await;
            statuses.push(a["status"].as_str().unwrap().to_string());
            checked += usize::from(a["registry_check"]["result"] != "unavailable");
        }
        let approved = statuses.iter().filter(|s| *s == "auto_approved").count();
        assert!(approved <= 2, "{statuses:?}");
        if checked == 3 {
            assert_eq!(approved, 2, "{statuses:?}");
            break;
        }
        assert!(Instant::now() < deadline, "the retry never ran: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, v) = svc.get(None, "/api/v1/dev/outbox?limit=1000").await;
    let notices = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "approved" && m["to"].as_str().unwrap().starts_with("third"))
        .count();
    assert_eq!(notices, 2);
}

/// 7. Text that is not text is refused, for return reasons and names.
#[tokio::test]
async fn invisible_and_control_text_is_refused() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let teacher = svc.login("t.info2").await;
    let apps = svc.all_changes(&teacher).await;
    let a = apps.iter().find(|a| a["status"] == "pending").unwrap();
    let path = format!("/api/v1/review/applications/{}/decision", a["id"].as_str().unwrap());
    for reason in ["\u{200b}", "資料\u{0}不符", " \u{feff}\u{2060} "] {
        let body = json!({"action": "return", "reason": reason, "expected_version": a["version"], "decision_id": uuid()});
        let (s, v) = svc.post(Some(&teacher), &path, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{reason:?}: {v}");
    }
    let email = "text@example.com.tw";
    let parent = svc.parent_login(email).await;
    let kids = svc.roster_students_without_application(INFO2, 1);
    for name in ["\u{200b}\u{200b}", "王\u{202e}明", "王曉\u{7}明"] {
        let body = submission(name, &id('1', 5_050_505), email, &[(&kids[0].0, "father")]);
        let (s, v) = svc.post(Some(&parent), "/api/v1/parent/applications", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {v}");
        assert!(v["error"]["fields"]["parent.name"].is_string(), "{v}");
    }
    // Composed the same way (NFC) whatever the keyboard sent.
    let body = submission("Rene\u{301} 王", &id('1', 5_050_505), email, &[(&kids[0].0, "father")]);
    let (s, v) = svc.post(Some(&parent), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applications"][0]["parent"]["name"], "René 王");
}

/// 8. The e-mail that becomes the login is one the parent proved.
#[tokio::test]
async fn unverified_email_is_refused() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let kids = svc.roster_students_without_application(INFO2, 2);
    let mine = "owner@example.com.tw";
    let parent = svc.parent_login(mine).await;
    let body = submission("王大明", &id('1', 3_030_303), "victim@example.com.tw", &[(&kids[0].0, "father")]);
    let (s, v) = svc.post(Some(&parent), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"]["parent.email"].is_string(), "{v}");
    // Logged in by phone: the e-mail needs its own code first.
    assert_eq!(ask_code(&svc, "phone", "0911222333").await.0, StatusCode::ACCEPTED);
    let code = svc.latest_code("0911222333").await;
    let (_, v) = try_code(&svc, "0911222333", &code).await;
    let by_phone = v["token"].as_str().unwrap().to_string();
    let body = submission("王大明", &id('1', 3_030_303), "victim@example.com.tw", &[(&kids[1].0, "father")]);
    let (s, v) = svc.post(Some(&by_phone), "/api/v1/parent/applications", body.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    verify_email(&svc, &by_phone, "victim@example.com.tw").await;
    let (s, v) = svc.post(Some(&by_phone), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// 9. Parents can log out.
#[tokio::test]
async fn parents_can_log_out() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let parent = svc.parent_login("bye@example.com.tw").await;
    let (s, v) = svc.send(reqwest::Method::DELETE, Some(&parent), "/api/v1/session", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = svc.get(Some(&parent), "/api/v1/parent/applications").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// 13. A staff re-import with a new password ends that member's sessions.
#[tokio::test]
async fn staff_reimport_ends_sessions() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let token = svc.login("t.info2").await;
    let polling = svc.login("t.info2").await;
    let other = svc.login("t.info1").await;
    // A session that just polled is kept by the instance for up to a second.
    let (s, _) = svc.get(Some(&polling), "/api/v1/review/changes?limit=1").await;
    assert_eq!(s, StatusCode::OK);
    let csv = dir.0.join("staff.csv");
    std::fs::write(
        &csv,
        format!("username,name,role,school_code,password,class_ids\nt.info2,張文彬,teacher,383401,n3w-Passw0rd,{INFO2}\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .args(["import-staff"])
        .arg(&csv)
        .arg("--db")
        .arg(&svc.db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (s, _) = svc.get(Some(&token), "/api/v1/review/changes?limit=1").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = svc.get(Some(&other), "/api/v1/review/changes?limit=1").await;
    assert_eq!(s, StatusCode::OK, "other staff keep their sessions");
    // The kept one ends within the instance's cache time, not later.
    let ended = std::time::Instant::now();
    loop {
        let (s, _) = svc.get(Some(&polling), "/api/v1/review/changes?limit=1").await;
        if s == StatusCode::UNAUTHORIZED {
            break;
        }
        let bound = binddesk_service::app::cache::TTL + std::time::Duration::from_millis(500);
        assert!(ended.elapsed() < bound, "a kept session outlived the cache time");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// 14. Expired sessions and codes are deleted.
#[tokio::test]
async fn expired_sessions_and_codes_are_purged() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &["--purge-every-secs", "1"]);
    {
        let conn = rusqlite::Connection::open(&svc.db).unwrap();
        conn.execute("INSERT INTO sessions (token_hash, kind, subject, expires_at) VALUES ('old', 'parent', 'x@y.tw', 1)", [])
            .unwrap();
        conn.execute(
            "INSERT INTO codes (address, channel, code_hash, created_at, expires_at) VALUES ('x@y.tw', 'email', 'h', 1, 2)",
            [],
        )
        .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let conn = rusqlite::Connection::open(&svc.db).unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM sessions WHERE token_hash = 'old') + (SELECT COUNT(*) FROM codes WHERE created_at = 1)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "expired rows are still there");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// 16. Limits are checked before any work: 12,000 students get a short answer.
#[tokio::test]
async fn oversized_submissions_are_refused_before_work() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let email = "many@example.com.tw";
    let parent = svc.parent_login(email).await;
    let mut body = submission("王大明", &id('1', 2_020_202), email, &[]);
    let one = json!({"id_number": "A123456789", "school_level": "senior_high", "school_code": "383401",
                     "relationship": {"kind": "legal_representative", "title": "father"}});
    body["students"] = Value::Array(vec![one; 12_000]);
    let resp = svc
        .http
        .post(svc.url("/api/v1/parent/applications"))
        .bearer_auth(&parent)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.unwrap();
    assert!(text.len() < 2000, "an error of {} bytes", text.len());
    assert!(text.contains("students"), "{text}");
}

/// 15. Signatures are decoded off the async workers, a few at a time: the service keeps
/// answering while sixteen large ones arrive together.
#[tokio::test]
async fn large_signatures_do_not_stall_the_service() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let email = "big@example.com.tw";
    let parent = svc.parent_login(email).await;
    let kids = svc.roster_students_without_application(INFO2, 1);
    let img = image::RgbaImage::from_pixel(4000, 4000, image::Rgba([255, 255, 255, 255]));
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    assert!(png.len() < 1024 * 1024);
    let mut body = submission("王大明", &id('1', 1_010_101), email, &[(&kids[0].0, "father")]);
    body["signature_png"] = json!(base64_of(&png));
    let uploads: Vec<_> = (0..16)
        .map(|_| {
            let (http, url, t, b) =
                (svc.http.clone(), svc.url("/api/v1/parent/applications"), parent.clone(), body.clone());
            tokio::spawn(
                async move { http.post(url).bearer_auth(t).json(&b).send().await.map(|r| r.status()) },
            )
        })
        .collect();
    let mut worst = Duration::ZERO;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        let t = Instant::now();
        let (s, _) = svc.get(None, "/healthz").await;
        assert_eq!(s, StatusCode::OK);
        worst = worst.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for u in uploads {
        let status = u.await.unwrap().unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a 16-megapixel signature is refused");
    }
    assert!(worst < Duration::from_millis(500), "/healthz took {worst:?} while signatures were decoded");
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// 6. Connections whose headers or body never finish are closed; the service stays up.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = TempDir::new("test");
    let svc = Service::start(
        &dir,
        &["--header-timeout-secs", "2", "--body-timeout-secs", "3", "--max-connections", "40"],
    );
    let addr = svc.base.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for i in 0..60 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        match i % 4 {
            // Headers that never finish.
            0 => s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap(),
            // A body that never finishes.
            1 => s.write_all(b"POST /api/v1/parent/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{").await.unwrap(),
            // Nothing at all.
            2 => {}
            // One request, then an idle keep-alive connection.
            _ => s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap(),
        }
        slow.push(s);
    }
    // Each is closed by the service (read returns 0 or a timeout answer, then EOF).
    let started = Instant::now();
    for (i, s) in slow.iter_mut().enumerate() {
        let mut buf = Vec::new();
        let left = Duration::from_secs(15).saturating_sub(started.elapsed());
        let r = tokio::time::timeout(left, s.read_to_end(&mut buf)).await;
        assert!(r.is_ok(), "connection {i} still open after {:?}", started.elapsed());
    }
    let (s, _) = svc.get(None, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
}

/// 10. Debug logs name the route, never the query string.
#[tokio::test]
async fn logs_hold_no_query_strings() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = TempDir::new("test");
    let log = dir.0.join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .args(["serve", "--demo", "--demo-applications", "20", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.0.join("s.sqlite"))
        .env("BINDDESK_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    let base = format!("http://{}", v["listen"].as_str().unwrap());
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/api/v1/review/changes?since=0&email=secret.parent@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = http.get(format!("{base}/api/v1/dev/outbox?limit=1&q=A123456789")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("/api/v1/review/changes"), "the route is logged: {text}");
    for secret in ["secret.parent", "A123456789", "since=0", "limit=1"] {
        assert!(!text.contains(secret), "the log holds {secret}");
    }
}

/// Untrusted bytes are bounded before they are stored: a megabyte "username" or
/// "address" is answered like any wrong one and leaves only a short key behind.
#[tokio::test]
async fn huge_names_leave_short_keys() {
    let dir = TempDir::new("test");
    let svc = Service::start(&dir, &[]);
    let huge = "a".repeat(1_500_000);
    let (s, v) = svc.post(None, "/api/v1/session", json!({"username": huge, "password": "x"})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (s, v) = try_code(&svc, &huge, "123456").await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_code"));
    let conn = rusqlite::Connection::open(&svc.db).unwrap();
    let longest: i64 = conn
        .query_row(
            "SELECT MAX(n) FROM (SELECT length(username) AS n FROM login_attempts
                                 UNION ALL SELECT length(key) FROM throttle)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(longest <= 254, "a stored key of {longest} characters");
}
