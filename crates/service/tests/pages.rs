//! The parents' pages as the service serves them (issue 14): embedded, compressed, under
//! a strict Content-Security-Policy; the session cookie HttpOnly and SameSite=Strict;
//! cookie-authenticated requests refused unless they come from our own pages.

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, SET_COOKIE};
use serde_json::json;

#[tokio::test]
async fn the_pages_are_served_small_and_locked_down() {
    let dir = TempDir::new("pages");
    let svc = Service::start(&dir, &[]);
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let page = http.get(svc.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    for rule in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"] {
        assert!(csp.contains(rule), "CSP lacks {rule}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    let html = String::from_utf8(page.bytes().await.unwrap().to_vec()).unwrap();
    assert!(html.contains(r#"translate="no""#) && html.contains("notranslate"), "FAQ 9: never translated");
    assert!(!html.contains("<script>") && !html.contains("<script type=\"module\">"), "no inline script");

    // Everything the first page loads, compressed, stays under 100 KB.
    let mut total = 0usize;
    let assets: Vec<String> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/assets/") || s.starts_with("/favicon"))
        .map(str::to_string)
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".js")), "the page loads its script: {assets:?}");
    for a in &assets {
        let r = http.get(svc.url(a)).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
        assert_eq!(r.status(), 200, "{a}");
        if a.ends_with(".js") || a.ends_with(".css") {
            assert_eq!(r.headers()[CONTENT_ENCODING], "gzip", "{a} is compressed");
            assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        }
        total += r.bytes().await.unwrap().len();
    }
    let page_gz = http.get(svc.url("/")).header(ACCEPT_ENCODING, "gzip").send().await.unwrap();
    total += page_gz.bytes().await.unwrap().len();
    assert!(total <= 100 * 1024, "first page {total} bytes compressed");
    println!("first page: {total} bytes compressed");

    // The API's 404 stays JSON; an unknown page path is not an asset.
    let (s, v) = svc.get(None, "/api/v1/nothing-here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
    assert_eq!(http.get(svc.url("/assets/../../Cargo.toml")).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn the_session_cookie_cannot_be_read_or_forged_across_sites() {
    let dir = TempDir::new("cookie");
    let svc = Service::start(&dir, &[]);
    let email = "cookie.parent@example.com.tw";
    let (s, _) = svc.post(None, "/api/v1/parent/codes", json!({"channel": "email", "address": email})).await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let code = svc.latest_code(email).await;
    let r = svc
        .http
        .post(svc.url("/api/v1/parent/session"))
        .json(&json!({"address": email, "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/"] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain http on loopback: no Secure (the browser would drop it)");
    // Behind a TLS proxy on this host (the service on loopback), the proxy says https.
    let (s, _) = svc
        .post(None, "/api/v1/parent/codes", json!({"channel": "email", "address": "proxied@example.com.tw"}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let proxied_code = svc.latest_code("proxied@example.com.tw").await;
    let r = svc
        .http
        .post(svc.url("/api/v1/parent/session"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"address": "proxied@example.com.tw", "code": proxied_code}))
        .send()
        .await
        .unwrap();
    assert!(r.headers()[SET_COOKIE].to_str().unwrap().contains("; Secure"), "Secure behind a TLS proxy");
    let cookie = set.split(';').next().unwrap().to_string();
    let list = |extra: &[(&str, &str)]| {
        let mut req = svc.http.get(svc.url("/api/v1/parent/applications")).header("cookie", &cookie);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.send()
    };
    // Another site's request: no page header, or a foreign Origin.
    let r = list(&[]).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "cross_site");
    let host = svc.base.trim_start_matches("http://").to_string();
    let r = list(&[("x-binddesk-page", "1"), ("origin", "https://evil.example")]).await.unwrap();
    assert_eq!(r.status(), 403);
    let cancel = svc
        .http
        .delete(svc.url("/api/v1/parent/applications"))
        .header("cookie", &cookie)
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 403, "a cross-site form post cannot cancel");
    // Our own page: the header, and the same origin.
    let origin = format!("http://{host}");
    let r = list(&[("x-binddesk-page", "1"), ("origin", &origin)]).await.unwrap();
    assert_eq!(r.status(), 200);
    // Logout clears the cookie and ends the session.
    let out = svc
        .http
        .delete(svc.url("/api/v1/session"))
        .header("cookie", &cookie)
        .header("x-binddesk-page", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(out.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(list(&[("x-binddesk-page", "1")]).await.unwrap().status(), 401);
}

#[tokio::test]
async fn a_student_check_shows_a_masked_name_and_the_profile_only_ones_own() {
    let dir = TempDir::new("profile");
    let svc = Service::start(&dir, &[]);
    let token = svc.parent_login("someone.else@example.com.tw").await;
    let (s, v) = svc
        .post(
            Some(&token),
            "/api/v1/parent/students/verify",
            json!({"school_level": "senior_high", "id_number": "A123456789"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["students"][0]["name_masked"], "陳*明");
    assert_eq!(v["students"][0]["class_name"], "資訊二忠");
    assert!(!v.to_string().contains("陳曉明"), "never the full name of a child to a stranger");
    // 王曉明's data belongs to annie.sun2's session, not to this one.
    let (s, v) = svc.post(Some(&token), "/api/v1/parent/profile", json!({"id_number": "ya94109161"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id_number"], "YA94109161");
    assert!(v["parent"].is_null(), "another account's data: {v}");
    let own = svc.parent_login("annie.sun2@example.com.tw").await;
    let (_, v) = svc.post(Some(&own), "/api/v1/parent/profile", json!({"id_number": "YA94109161"})).await;
    assert_eq!(v["parent"]["name"], "王曉明");
    let (s, v) = svc.post(Some(&own), "/api/v1/parent/profile", json!({"id_number": "YA94109162"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["error"]["fields"]["id_number"].as_str().unwrap().contains("身分證字號"));
}
