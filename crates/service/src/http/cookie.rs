//! The parents' pages keep their session in a cookie the page's script cannot read
//! (HttpOnly), that no other site's request carries (SameSite=Strict), sent only over
//! HTTPS when the service is reached beyond loopback (Secure). API clients keep using
//! `Authorization: Bearer`.
//!
//! Cross-site request forgery is refused twice over: besides SameSite, a request
//! authenticated by the cookie must carry `X-BindDesk-Page: 1` (a header another site
//! cannot add without a CORS preflight, which this service never grants) and, when the
//! browser names its `Origin`, come from this host.

use crate::error::{ApiError, ApiResult};
use axum::http::HeaderValue;
use axum::http::request::Parts;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bd_parent";
/// The header every request of the parents' pages carries.
pub const PAGE_HEADER: &str = "x-binddesk-page";
/// The cookie's path: the API only, never sent with page or asset requests.
const COOKIE_PATH: &str = "/api/v1/";

/// Whether the browser reached us over HTTPS: the service listens beyond loopback (so a
/// TLS proxy stands in front), or a proxy on this host says so (`X-Forwarded-Proto:
/// https`). Believing the header can only add `Secure` and HSTS, never remove them, so
/// a client that lies about it gains nothing.
pub fn over_https(listens_beyond_loopback: bool, headers: &axum::http::HeaderMap) -> bool {
    listens_beyond_loopback
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
}

/// The session token in the request's cookies, if any.
pub fn session_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// Refuses a cookie-authenticated request that did not come from our pages.
pub fn check_same_site(parts: &Parts) -> ApiResult<()> {
    let h = &parts.headers;
    if h.get(PAGE_HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return Err(ApiError::CrossSite);
    }
    if let Some(origin) = h.get(axum::http::header::ORIGIN) {
        let host = h.get(axum::http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, rest)| rest);
        if origin_host != Some(host) || host.is_empty() {
            return Err(ApiError::CrossSite);
        }
    }
    Ok(())
}

/// The `Set-Cookie` value that starts a session.
pub fn set_session(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!(
        "{SESSION_COOKIE}={token}; Path={COOKIE_PATH}; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    );
    // A token is URL-safe base64 or hex: always a valid header value.
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("bd_parent=; Max-Age=0"))
}

/// The `Set-Cookie` value that ends it.
pub fn clear_session(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path={COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("bd_parent=; Max-Age=0"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = Request::builder().uri("/api/v1/parent/applications");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let p = parts(&[("cookie", "a=1; bd_parent=tok123 ; b=2")]);
        assert_eq!(session_token(&p), Some("tok123"));
        assert_eq!(session_token(&parts(&[("cookie", "bd_parentx=1")])), None);
        assert_eq!(session_token(&parts(&[("cookie", "bd_parent=")])), None);
    }

    #[test]
    fn only_our_pages_may_use_the_cookie() {
        assert!(check_same_site(&parts(&[("host", "a.test")])).is_err());
        assert!(check_same_site(&parts(&[("host", "a.test"), (PAGE_HEADER, "1")])).is_ok());
        let evil = [("host", "a.test"), (PAGE_HEADER, "1"), ("origin", "https://evil.test")];
        assert!(check_same_site(&parts(&evil)).is_err());
        let ours = [("host", "a.test:8080"), (PAGE_HEADER, "1"), ("origin", "http://a.test:8080")];
        assert!(check_same_site(&parts(&ours)).is_ok());
    }

    #[test]
    fn a_proxy_on_this_host_can_say_https() {
        let mut h = axum::http::HeaderMap::new();
        assert!(!over_https(false, &h));
        assert!(over_https(true, &h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS"));
        assert!(over_https(false, &h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert!(!over_https(false, &h));
    }

    #[test]
    fn the_cookie_is_strict_and_http_only() {
        let v = set_session("t", 3600, true);
        let v = v.to_str().expect("ascii");
        assert!(v.contains("HttpOnly") && v.contains("SameSite=Strict") && v.contains("Secure"));
        assert!(!set_session("t", 60, false).to_str().expect("ascii").contains("Secure"));
    }
}
