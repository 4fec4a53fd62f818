//! The whole API against the real `binddesk-service` binary over HTTP: staff login and
//! throttling, scopes, the change feed, decisions (versions, idempotency, rules, batches),
//! the parent side from code to resubmission, the registry, and bad input of every kind.
//! Every test runs twice, on SQLite and on PostgreSQL (`on_both_stores!` at the end).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const INFO2: &str = "383401-201";

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<no error body>")
}

async fn staff_login_errors_and_lockout(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let token = svc.login("t.info2").await;
    let (s, v) = svc.get(Some(&token), "/api/v1/review/changes?since=0&limit=1").await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Unknown user and wrong password: the same 401.
    let (s, v) = svc.post(None, "/api/v1/session", json!({"username": "nobody", "password": "x"})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    for i in 1..=4 {
        let (s, v) =
            svc.post(None, "/api/v1/session", json!({"username": "t.info1", "password": "wrong"})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {i}: {v}");
    }
    // The fifth failure locks the account, and even the right password is refused then.
    let (s, v) = svc.post(None, "/api/v1/session", json!({"username": "t.info1", "password": "wrong"})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    let resp = svc
        .http
        .post(svc.url("/api/v1/session"))
        .json(&json!({"username": "t.info1", "password": svc.password("t.info1")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 60, "{retry}");

    // When the lock runs out, counting starts again: one more slip is a plain 401.
    svc.sql("UPDATE login_attempts SET locked_until = 1 WHERE username = 't.info1'", &[]);
    let (s, v) = svc.post(None, "/api/v1/session", json!({"username": "t.info1", "password": "wrong"})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let (s, _) = svc
        .post(None, "/api/v1/session", json!({"username": "t.info1", "password": svc.password("t.info1")}))
        .await;
    assert_eq!(s, StatusCode::OK);

    // Logout ends the session; a forged token is refused.
    let (s, _) = svc.send(reqwest::Method::DELETE, Some(&token), "/api/v1/session", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = svc.get(Some(&token), "/api/v1/review/changes").await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_token"));
    let (s, _) = svc.get(Some(&"f".repeat(64)), "/api/v1/review/changes").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = svc.get(None, "/api/v1/review/changes").await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "no_token"));
}

async fn scopes_hold_for_feed_applications_signatures_and_decisions(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let teacher = svc.login("t.info2").await;
    let admin = svc.login("admin.riyao").await;
    let other_admin = svc.login("admin.songshan").await;

    let mine = svc.all_changes(&teacher).await;
    assert!(mine.len() >= 10, "{}", mine.len());
    assert!(mine.iter().all(|a| a["student"]["class_id"] == INFO2), "a teacher sees only their class");
    let school = svc.all_changes(&admin).await;
    assert!(school.len() > mine.len());
    assert!(school.iter().all(|a| a["student"]["school_code"] == "383401"));
    let other = svc.all_changes(&other_admin).await;
    assert!(other.iter().all(|a| a["student"]["school_code"] == "313302"));
    assert!(!other.is_empty());

    // Another class's application, signature and decision are out of the teacher's reach.
    let foreign =
        school.iter().find(|a| a["student"]["class_id"] != INFO2 && a["status"] == "pending").unwrap();
    let id = foreign["id"].as_str().unwrap();
    let (s, v) = svc.get(Some(&teacher), &format!("/api/v1/review/applications/{id}")).await;
    assert_eq!((s, error_code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let sha = foreign["signature"]["sha256"].as_str().unwrap();
    let (s, _) = svc.get(Some(&teacher), &format!("/api/v1/signatures/{sha}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let body = json!({"action": "approve", "expected_version": foreign["version"], "decision_id": uuid()});
    let (s, _) = svc.post(Some(&teacher), &format!("/api/v1/review/applications/{id}/decision"), body).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = svc.get(Some(&other_admin), &format!("/api/v1/review/applications/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "an administrator's scope ends at the school");

    // Own signature: a PNG, immutable, with an ETag that answers 304.
    let own_sha = mine[0]["signature"]["sha256"].as_str().unwrap();
    let resp = svc
        .http
        .get(svc.url(&format!("/api/v1/signatures/{own_sha}")))
        .bearer_auth(&teacher)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert!(resp.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let png = resp.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let resp = svc
        .http
        .get(svc.url(&format!("/api/v1/signatures/{own_sha}")))
        .bearer_auth(&teacher)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    let (s, _) = svc.get(Some(&teacher), &format!("/api/v1/signatures/{}", "0".repeat(64))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn change_feed_pages_and_cursors(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let admin = svc.login("admin.riyao").await;
    let all = svc.all_changes(&admin).await;
    // Paging in small pages gives the same applications, each once, oldest change first.
    let mut since = 0;
    let mut paged = Vec::new();
    loop {
        let (s, v) = svc.get(Some(&admin), &format!("/api/v1/review/changes?since={since}&limit=7")).await;
        assert_eq!(s, StatusCode::OK);
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        paged.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_string()));
        assert!(v["next_cursor"].as_i64().unwrap() >= since);
        since = v["next_cursor"].as_i64().unwrap();
        if !v["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let ids: Vec<String> = all.iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(paged, ids);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "each application once");

    // Nothing changed: nothing comes, the cursor stays.
    let (_, v) = svc.get(Some(&admin), &format!("/api/v1/review/changes?since={since}")).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_eq!(v["next_cursor"].as_i64().unwrap(), since);
    assert_eq!(v["has_more"], false);

    // A decision makes exactly that application come again.
    let pending =
        all.iter().find(|a| a["status"] == "pending" && a["flags"].as_array().unwrap().is_empty()).unwrap();
    let id = pending["id"].as_str().unwrap();
    let body = json!({"action": "return", "reason": "簽名不完整", "expected_version": pending["version"], "decision_id": uuid()});
    let (s, v) = svc.post(Some(&admin), &format!("/api/v1/review/applications/{id}/decision"), body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = svc.get(Some(&admin), &format!("/api/v1/review/changes?since={since}")).await;
    let items = v["items"].as_array().unwrap();
    assert!(items.iter().any(|a| a["id"] == id && a["status"] == "returned"));

    // Bad cursors and limits.
    for q in ["since=-1", "since=abc", "limit=0", "limit=2001"] {
        let (s, v) = svc.get(Some(&admin), &format!("/api/v1/review/changes?{q}")).await;
        assert_eq!((s, error_code(&v)), (StatusCode::BAD_REQUEST, "invalid_query"), "{q}");
    }
}

async fn decisions_versions_idempotency_and_rules(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let teacher = svc.login("t.info2").await;
    let apps = svc.all_changes(&teacher).await;
    let clean: Vec<&Value> = apps
        .iter()
        .filter(|a| a["status"] == "pending" && a["flags"].as_array().unwrap().is_empty())
        .collect();
    assert!(clean.len() >= 2, "demo has clean pending applications in 資訊二忠");
    let a = clean[0];
    let id = a["id"].as_str().unwrap();
    let v0 = a["version"].as_u64().unwrap();
    let decision_id = uuid();
    let path = format!("/api/v1/review/applications/{id}/decision");
    let body = json!({"action": "approve", "expected_version": v0, "decision_id": decision_id});
    let (s, first) = svc.post(Some(&teacher), &path, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["status"], "approved");
    assert_eq!(first["version"].as_u64().unwrap(), v0 + 1);
    let last = first["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "approved");
    assert_eq!(last["actor"], "張文彬");

    // The same decision again: the same answer, nothing changes.
    let (s, again) = svc.post(Some(&teacher), &path, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again, first);
    let (_, now) = svc.get(Some(&teacher), &format!("/api/v1/review/applications/{id}")).await;
    assert_eq!(now["version"], first["version"]);
    assert_eq!(now["history"].as_array().unwrap().len(), first["history"].as_array().unwrap().len());

    // A new decision on the old version: 409 with the current state.
    let (s, v) = svc
        .post(
            Some(&teacher),
            &path,
            json!({"action": "return", "reason": "x", "expected_version": v0, "decision_id": uuid()}),
        )
        .await;
    assert_eq!((s, error_code(&v)), (StatusCode::CONFLICT, "version_conflict"));
    assert_eq!(v["current"]["status"], "approved");
    // On the current version: the rules refuse deciding an approved application.
    let (s, v) = svc
        .post(
            Some(&teacher),
            &path,
            json!({"action": "return", "reason": "x", "expected_version": v0 + 1, "decision_id": uuid()}),
        )
        .await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "not_pending"));

    // A return needs a reason.
    let b = clean[1];
    let bpath = format!("/api/v1/review/applications/{}/decision", b["id"].as_str().unwrap());
    let (s, v) = svc.post(Some(&teacher), &bpath, json!({"action": "return", "reason": "  ", "expected_version": b["version"], "decision_id": uuid()})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "reason_required"));
    let (s, v) = svc
        .post(
            Some(&teacher),
            &bpath,
            json!({"action": "approve", "expected_version": b["version"], "decision_id": "not-a-uuid"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["decision_id"].is_string(), "{v}");
    let (s, _) = svc
        .post(
            Some(&teacher),
            "/api/v1/review/applications/nope/decision",
            json!({"action": "approve", "expected_version": 1, "decision_id": uuid()}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The two-account limit: the demo's grandmother application for 吳三寶.
    let limited =
        apps.iter().find(|a| a["flags"].as_array().unwrap().iter().any(|f| f == "account_limit")).unwrap();
    assert_eq!(limited["parent"]["name"], "李秀英");
    let lpath = format!("/api/v1/review/applications/{}/decision", limited["id"].as_str().unwrap());
    let (s, v) = svc
        .post(
            Some(&teacher),
            &lpath,
            json!({"action": "approve", "expected_version": limited["version"], "decision_id": uuid()}),
        )
        .await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "account_limit"));

    // A cancelled application cannot be decided.
    if let Some(c) = apps.iter().find(|a| a["status"] == "cancelled") {
        let cpath = format!("/api/v1/review/applications/{}/decision", c["id"].as_str().unwrap());
        let (s, _) = svc
            .post(
                Some(&teacher),
                &cpath,
                json!({"action": "approve", "expected_version": c["version"], "decision_id": uuid()}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }

    // The approval created the account notice in the outbox.
    let (_, out) = svc.get(None, "/api/v1/dev/outbox?limit=1000").await;
    let email = first["parent"]["email"].as_str().unwrap();
    assert!(out["messages"].as_array().unwrap().iter().any(|m| m["to"] == email && m["kind"] == "approved"));
}

async fn batch_decisions_report_each_outcome_in_order(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let admin = svc.login("admin.riyao").await;
    let apps = svc.all_changes(&admin).await;
    let pending: Vec<&Value> = apps
        .iter()
        .filter(|a| a["status"] == "pending" && a["flags"].as_array().unwrap().is_empty())
        .take(3)
        .collect();
    let approved = apps.iter().find(|a| a["status"] == "approved").unwrap();
    let item = |a: &Value, version: &Value| json!({"application_id": a["id"], "action": "approve", "expected_version": version, "decision_id": uuid()});
    let body = json!({"decisions": [
        item(pending[0], &pending[0]["version"]),
        item(pending[1], &json!(99)),
        item(approved, &approved["version"]),
        {"application_id": "missing", "action": "approve", "expected_version": 1, "decision_id": uuid()},
        item(pending[2], &pending[2]["version"]),
    ]});
    let (s, v) = svc.post(Some(&admin), "/api/v1/review/decisions", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let outcomes: Vec<&str> =
        v["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["applied", "conflict", "refused", "not_found", "applied"]);
    assert_eq!(v["results"][1]["application"]["version"], pending[1]["version"]);

    // Another school's application in a batch is forbidden, alone.
    let other = svc.login("admin.songshan").await;
    let body = json!({"decisions": [item(pending[1], &pending[1]["version"])]});
    let (_, v) = svc.post(Some(&other), "/api/v1/review/decisions", body).await;
    assert_eq!(v["results"][0]["outcome"], "forbidden");

    // Size limits.
    let (s, v) = svc.post(Some(&admin), "/api/v1/review/decisions", json!({"decisions": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let many: Vec<Value> = (0..1001).map(|_| item(pending[1], &pending[1]["version"])).collect();
    let (s, v) = svc.post(Some(&admin), "/api/v1/review/decisions", json!({"decisions": many})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["decisions"].is_string());
}

async fn parent_applies_is_returned_resubmits_and_cancels(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let kids = svc.roster_students_without_application(INFO2, 3);
    assert_eq!(kids.len(), 3);
    let email = "new.parent@example.com.tw";
    let parent = svc.parent_login(email).await;

    // Student verification lists the school.
    let (s, v) = svc
        .post(
            Some(&parent),
            "/api/v1/parent/students/verify",
            json!({"school_level": "senior_high", "id_number": kids[0].0.to_lowercase()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["schools"][0]["name"], "臺北市私立日曜學校");

    // Two students, one signature, one batch. The names are stored verbatim.
    let html = "<img src=x onerror=alert(1)>";
    let body =
        submission(html, &id('1', 4_242_424), email, &[(&kids[0].0, "father"), (&kids[1].0, "father")]);
    let (s, v) = svc.post(Some(&parent), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let apps = v["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0]["batch_id"], apps[1]["batch_id"]);
    assert_eq!(apps[0]["signature"], apps[1]["signature"]);
    assert_eq!(apps[0]["parent"]["name"], html);
    assert_eq!(apps[0]["parent"]["phone"], "0912345678");
    assert_eq!(apps[0]["status"], "pending");
    assert_eq!(apps[0]["student"]["name"], kids[0].1.as_str());
    assert_eq!(apps[0]["student"]["class_name"], "資訊二忠");
    assert_eq!(apps[0]["registry_check"]["result"], "failed");
    assert_eq!(
        apps[0]["registry_check"]["reason"], "neither_resident",
        "a code the app shows in the reviewer's language"
    );

    // The teacher sees it verbatim, and returns it with a reason.
    let teacher = svc.login("t.info2").await;
    let aid = apps[0]["id"].as_str().unwrap().to_string();
    let (_, seen) = svc.get(Some(&teacher), &format!("/api/v1/review/applications/{aid}")).await;
    assert_eq!(seen["parent"]["name"], html);
    let reason = "家長姓名請填寫全名'); DROP TABLE applications;--";
    let (s, v) = svc
        .post(
            Some(&teacher),
            &format!("/api/v1/review/applications/{aid}/decision"),
            json!({"action": "return", "reason": reason, "expected_version": 1, "decision_id": uuid()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["return_reason"], reason);
    let (_, out) = svc.get(None, "/api/v1/dev/outbox").await;
    let notice = out["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["to"] == email && m["kind"] == "returned")
        .unwrap();
    assert!(notice["body"].as_str().unwrap().contains(reason));

    // The parent corrects it: a new version that keeps the previous one and the history.
    let body = json!({
        "id_number": kids[0].0, "school_level": "senior_high", "school_code": "383401",
        "relationship": {"kind": "legal_representative", "title": "father"},
        "parent": {"name": "王大明", "id_number": id('1', 4_242_424), "email": email, "phone": "0912345678"},
        "signature_png": signature_b64(9),
    });
    let (s, v) = svc
        .send(
            reqwest::Method::PUT,
            Some(&parent),
            &format!("/api/v1/parent/applications/{aid}"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "pending");
    assert_eq!(v["version"], 3);
    assert_eq!(v["previous"]["parent"]["name"], html);
    assert_eq!(v["previous"]["return_reason"], reason);
    assert!(v["flags"].as_array().unwrap().iter().any(|f| f == "resubmitted"));
    let actions: Vec<&str> =
        v["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submitted", "returned", "resubmitted"]);
    // Only a returned application can be corrected.
    let (s, v) = svc
        .send(reqwest::Method::PUT, Some(&parent), &format!("/api/v1/parent/applications/{aid}"), Some(body))
        .await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "not_returned"));

    // Cancel one, then all.
    let other = apps[1]["id"].as_str().unwrap();
    let (s, _) = svc
        .send(reqwest::Method::DELETE, Some(&parent), &format!("/api/v1/parent/applications/{other}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = svc
        .send(reqwest::Method::DELETE, Some(&parent), &format!("/api/v1/parent/applications/{other}"), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "already cancelled");
    let (s, _) = svc.send(reqwest::Method::DELETE, Some(&parent), "/api/v1/parent/applications", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = svc.get(Some(&parent), "/api/v1/parent/applications").await;
    let statuses: Vec<&str> =
        v["applications"].as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.iter().all(|s| *s == "cancelled"), "{statuses:?}");

    // Another parent cannot touch these; a staff token is not a parent token.
    let stranger = svc.parent_login("stranger@example.com.tw").await;
    let (s, _) = svc
        .send(reqwest::Method::DELETE, Some(&stranger), &format!("/api/v1/parent/applications/{aid}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = svc.get(Some(&teacher), "/api/v1/parent/applications").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The form download ("下載留存"): the same PDF the desktop app prints.
    let resp = svc
        .http
        .get(svc.url(&format!("/api/v1/parent/applications/{aid}/form.pdf")))
        .bearer_auth(&parent)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap();
    let path = dir.0.join("form.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = binddesk_testkit::pdf_text(&path);
    assert!(
        text.contains(kids[0].1.as_str()) && text.contains("王大明") && text.contains("已註銷"),
        "{text}"
    );
    let (s, _) = svc.get(Some(&stranger), &format!("/api/v1/parent/applications/{aid}/form.pdf")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn verification_codes_are_single_use_and_phones_are_limited(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &["--code-resend-secs", "0"]);
    let email = "codes@example.com.tw";
    let (s, _) = svc.post(None, "/api/v1/parent/codes", json!({"channel": "email", "address": email})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let code = svc.latest_code(email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (s, v) = svc.post(None, "/api/v1/parent/session", json!({"address": email, "code": wrong})).await;
    assert_eq!((s, error_code(&v)), (StatusCode::UNAUTHORIZED, "invalid_code"));
    let (s, _) = svc
        .post(None, "/api/v1/parent/session", json!({"address": email.to_uppercase(), "code": code}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = svc.post(None, "/api/v1/parent/session", json!({"address": email, "code": code})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a code works once");

    // A phone gets two codes an hour; e-mail has no limit.
    for _ in 0..2 {
        let (s, _) = svc
            .post(None, "/api/v1/parent/codes", json!({"channel": "phone", "address": "0928-942-045"}))
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }
    let resp = svc
        .http
        .post(svc.url("/api/v1/parent/codes"))
        .json(&json!({"channel": "phone", "address": "0928942045"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    for _ in 0..3 {
        let (s, _) =
            svc.post(None, "/api/v1/parent/codes", json!({"channel": "email", "address": email})).await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }
    let (s, v) =
        svc.post(None, "/api/v1/parent/codes", json!({"channel": "phone", "address": "not a phone"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["address"].is_string());
}

async fn submissions_refused_with_field_paths(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let kids = svc.roster_students_without_application(INFO2, 2);
    let email = "careful@example.com.tw";
    let parent = svc.parent_login(email).await;
    let pid = id('2', 5_151_515);
    let post = |body: Value| {
        let parent = parent.clone();
        let svc = &svc;
        async move { svc.post(Some(&parent), "/api/v1/parent/applications", body).await }
    };
    let fields_of = |v: &Value| -> Vec<String> {
        v["error"]["fields"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    };

    // A wrong check digit, an unknown student, a title that does not fit its kind.
    let mut body = submission(
        "陳美玲",
        &pid,
        email,
        &[("A123456788", "mother"), ("B123456780", "mother"), (&kids[0].0, "mother")],
    );
    body["students"][2]["relationship"] = json!({"kind": "guardian", "title": "mother"});
    let (s, v) = post(body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields_of(&v),
        ["students[0].id_number", "students[1].school_code", "students[2].relationship.title"]
    );

    // Parent fields, consent, signature.
    let mut body = submission("", "A12345", "not-an-email", &[(&kids[0].0, "mother")]);
    body["parent"]["phone"] = json!("12");
    body["consent"] = json!(false);
    body["signature_png"] = json!(base64_of(b"GIF89a not a png"));
    let (s, v) = post(body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields_of(&v),
        ["consent", "parent.email", "parent.id_number", "parent.name", "parent.phone", "signature_png"]
    );

    // A signature over 1 MiB (but a body under the 2 MiB limit).
    let mut body = submission("陳美玲", &pid, email, &[(&kids[0].0, "mother")]);
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(1024 * 1024 + 10, 0);
    body["signature_png"] = json!(base64_of(&big));
    let (s, v) = post(body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["signature_png"].as_str().unwrap().contains("1 MiB"));

    // An e-mail that another parent's live application uses (the walkthrough's 王曉明),
    // proved by whoever reads that mailbox (two parents sharing one address).
    let body = submission("陳美玲", &pid, "annie.sun2@example.com.tw", &[(&kids[0].0, "mother")]);
    let shared = svc.parent_login("annie.sun2@example.com.tw").await;
    let (s, v) = svc.post(Some(&shared), "/api/v1/parent/applications", body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["parent.email"].as_str().unwrap().contains("此E-mail已有申請紀錄"));

    // A student who already has two bound accounts (吳三寶).
    let body = submission("陳美玲", &pid, email, &[("A234567893", "other")]);
    let (s, v) = post(body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["students[0].id_number"].as_str().unwrap().contains("兩個"));

    // Nothing above was stored.
    let (_, v) = svc.get(Some(&parent), "/api/v1/parent/applications").await;
    assert_eq!(v["applications"].as_array().unwrap().len(), 0);

    // And the same parent, done right, may apply.
    let (s, v) = post(submission("陳美玲", &pid, email, &[(&kids[0].0, "mother")])).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Twice for the same student is refused.
    let (s, v) = post(submission("陳美玲", &pid, email, &[(&kids[0].0, "mother")])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn malformed_requests_get_the_error_body(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let url = svc.url("/api/v1/session");
    let send = |body: Vec<u8>, ctype: &'static str| {
        let req = svc.http.post(&url).header("content-type", ctype).body(body);
        async move {
            let r = req.send().await.unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = send(b"{\"username\": ".to_vec(), "application/json").await;
    assert_eq!((s, error_code(&v)), (StatusCode::BAD_REQUEST, "malformed_json"));
    let (s, v) = send(br#"{"username":"a","password":"b","admin":true}"#.to_vec(), "application/json").await;
    assert_eq!((s, error_code(&v)), (StatusCode::BAD_REQUEST, "invalid_body"), "unknown fields are refused");
    let (s, v) = send(br#"{"username":5,"password":"b"}"#.to_vec(), "application/json").await;
    assert_eq!((s, error_code(&v)), (StatusCode::BAD_REQUEST, "invalid_body"));
    let (s, v) = send(br#"{"username":"a","password":"b"}"#.to_vec(), "text/plain").await;
    assert_eq!((s, error_code(&v)), (StatusCode::BAD_REQUEST, "unsupported_content_type"));
    let (s, v) = send(vec![b' '; 3 * 1024 * 1024], "application/json").await;
    assert_eq!((s, error_code(&v)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    // The service closes a connection whose body it did not read; start a fresh one.
    let mut svc = svc;
    svc.http = reqwest::Client::new();
    let (s, v) = svc.get(None, "/api/v1/nothing-here").await;
    assert_eq!((s, error_code(&v)), (StatusCode::NOT_FOUND, "not_found"));
    // The service is still well after all that.
    let (s, _) = svc.get(None, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
}

async fn registry_passes_fails_and_retries(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let kids = svc.roster_students_without_application(INFO2, 2);
    let pid = id('1', 6_060_606);
    // Put the parent and the first child into the registry, linked.
    svc.sql(
        "INSERT INTO registry_residents (id_number) VALUES ($1), ($2), ($3)",
        &[&pid, &kids[0].0, &kids[1].0],
    );
    svc.sql(
        "INSERT INTO registry_links (parent_id, child_id) VALUES ($1, $2), ($1, $3)",
        &[&pid, &kids[0].0, &kids[1].0],
    );
    let email = "registry@example.com.tw";
    let parent = svc.parent_login(email).await;
    let (s, v) = svc
        .post(
            Some(&parent),
            "/api/v1/parent/applications",
            submission("林國華", &pid, email, &[(&kids[0].0, "father")]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applications"][0]["status"], "auto_approved");
    assert_eq!(v["applications"][0]["registry_check"]["result"], "passed");
    assert_eq!(v["applications"][0]["registry_check"]["reason"], "confirmed");

    // The registry goes away: the application waits, pending, and is retried.
    let (s, _) = svc.post(None, "/api/v1/dev/registry", json!({"available": false})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = svc
        .post(
            Some(&parent),
            "/api/v1/parent/applications",
            submission("林國華", &pid, email, &[(&kids[1].0, "father")]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applications"][0]["status"], "pending");
    assert_eq!(v["applications"][0]["registry_check"]["result"], "unavailable");
    assert_eq!(v["applications"][0]["registry_check"]["reason"], "no_answer");
    let aid = v["applications"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = svc.post(None, "/api/v1/dev/registry", json!({"available": true})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let admin = svc.login("admin.riyao").await;
    let mut status = String::new();
    for _ in 0..100 {
        let (_, a) = svc.get(Some(&admin), &format!("/api/v1/review/applications/{aid}")).await;
        status = a["status"].as_str().unwrap().to_string();
        if status == "auto_approved" {
            assert_eq!(a["history"].as_array().unwrap().last().unwrap()["actor"], "registry");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "auto_approved");
}

async fn decisions_survive_a_restart_and_shutdown_is_graceful(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let teacher = svc.login("t.info2").await;
    let apps = svc.all_changes(&teacher).await;
    let a = apps
        .iter()
        .find(|a| a["status"] == "pending" && a["flags"].as_array().unwrap().is_empty())
        .unwrap()
        .clone();
    let path = format!("/api/v1/review/applications/{}/decision", a["id"].as_str().unwrap());
    let body = json!({"action": "approve", "expected_version": a["version"], "decision_id": uuid()});
    let (s, first) = svc.post(Some(&teacher), &path, body.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let accounts = svc.accounts.clone();
    assert!(svc.stop(), "SIGTERM ends the service cleanly");

    let svc = Service::start_on(backend, &dir, &[]);
    assert_eq!(svc.accounts, accounts, "a restarted demo prints the same logins");
    let teacher = svc.login("t.info2").await;
    let (s, again) = svc.post(Some(&teacher), &path, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again, first, "the same decision_id after a restart: the same result, no new effect");
    let (_, now) =
        svc.get(Some(&teacher), &format!("/api/v1/review/applications/{}", a["id"].as_str().unwrap())).await;
    assert_eq!(now["version"], first["version"]);
}

async fn demo_has_every_status_and_flag_and_ops_answer(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    let admin = svc.login("admin.riyao").await;
    let apps = svc.all_changes(&admin).await;
    for status in ["pending", "auto_approved", "approved", "returned", "cancelled"] {
        assert!(apps.iter().any(|a| a["status"] == status), "no {status} application in the demo");
    }
    for flag in
        ["id_invalid", "account_limit", "email_in_use", "signature_blank", "resubmitted", "rare_character"]
    {
        assert!(
            apps.iter().any(|a| a["flags"].as_array().unwrap().iter().any(|f| f == flag)),
            "no {flag} in the demo"
        );
    }
    let rare = apps.iter().find(|a| a["student"]["name"] == "林𠀋妤").expect("the rare-character student");
    assert!(rare["flags"].as_array().unwrap().iter().any(|f| f == "rare_character"));
    let walk = apps.iter().find(|a| a["student"]["name"] == "陳曉明").expect("the walkthrough's student");
    assert_eq!(walk["parent"]["name"], "王曉明");
    assert_eq!(walk["student"]["class_name"], "資訊二忠");

    for path in ["/healthz", "/livez", "/readyz"] {
        let (s, body) = svc.get(None, path).await;
        assert_eq!((s, body), (StatusCode::OK, Value::String("ok".into())), "{path}");
    }
    let metrics = svc.http.get(svc.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("binddesk_outbox_depth "), "the store's backlog on either store: {metrics}");
    let (s, doc) = svc.get(None, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3."), "{doc}");
    for p in [
        "/api/v1/session",
        "/api/v1/review/changes",
        "/api/v1/review/decisions",
        "/api/v1/parent/applications",
        "/livez",
        "/readyz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["Application"].is_object());
}

on_both_stores!(
    staff_login_errors_and_lockout,
    scopes_hold_for_feed_applications_signatures_and_decisions,
    change_feed_pages_and_cursors,
    decisions_versions_idempotency_and_rules,
    batch_decisions_report_each_outcome_in_order,
    parent_applies_is_returned_resubmits_and_cancels,
    verification_codes_are_single_use_and_phones_are_limited,
    submissions_refused_with_field_paths,
    malformed_requests_get_the_error_body,
    registry_passes_fails_and_retries,
    decisions_survive_a_restart_and_shutdown_is_graceful,
    demo_has_every_status_and_flag_and_ops_answer,
);
