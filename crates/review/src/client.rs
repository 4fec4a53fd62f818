//! The binding service's HTTP API, as the review engine calls it.
//!
//! Every answer is read with a size limit before it is parsed (a response is untrusted
//! bytes too), and every failure becomes a [`ClientError`] that says what the person at
//! the keyboard needs to know.

use binddesk_domain::api::{
    Application, BatchDecisionRequest, BatchDecisionResponse, ChangesPage, DecisionRequest, ErrorResponse,
    SessionRequest, SessionResponse,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The largest JSON answer accepted (a change-feed page of 2,000 applications is ~4 MB).
pub const MAX_JSON_BYTES: usize = 32 * 1024 * 1024;
/// The largest signature PNG accepted.
pub const MAX_SIGNATURE_BYTES: usize = 1024 * 1024;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The username or password is wrong.
    #[error("wrong username or password")]
    WrongPassword,
    /// Too many failed logins: the account is locked for this many minutes.
    #[error("the account is locked for {minutes} more minutes")]
    Locked {
        /// Minutes until the lock ends.
        minutes: u64,
    },
    /// The session ended (expired or logged out): log in again.
    #[error("the session has ended; log in again")]
    SessionExpired,
    /// The service could not be reached (network down, service stopped, timeout).
    #[error("the binding service cannot be reached: {0}")]
    Unreachable(String),
    /// Something answered, but not the way the binding service's API does.
    #[error("the server's answer is not the binding service's API: {0}")]
    NotOurApi(String),
    /// Outside the reviewer's scope.
    #[error("this application is outside your classes or school")]
    Forbidden,
    /// No such application or signature.
    #[error("not found")]
    NotFound,
    /// The application changed since the reviewer saw it; this is what it is now.
    #[error("the application changed since you saw it")]
    Conflict(Box<Application>),
    /// The rules refuse the request (e.g. the two-account limit).
    #[error("{message}")]
    Refused {
        /// The service's error code, e.g. `account_limit`.
        code: String,
        /// The service's sentence.
        message: String,
    },
    /// Too many requests; try again after this many seconds.
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The service failed or refused the request's form (a bug on one side).
    #[error("the service answered {status}: {message}")]
    Service {
        /// HTTP status.
        status: u16,
        /// The service's error code.
        code: String,
        /// The service's sentence.
        message: String,
    },
    /// The address given is not a usable URL.
    #[error("not a usable service address: {0}")]
    BadAddress(String),
    /// A plain `http://` address of another computer: the password, the token and
    /// children's data would cross the network unencrypted.
    #[error(
        "plain http:// is allowed only to this computer (localhost); use https:// so passwords and children's data are encrypted on the network"
    )]
    Cleartext,
}

/// Whether a URL's host is this computer (127.0.0.0/8, ::1, localhost).
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

impl ClientError {
    /// Whether trying again later may succeed (for retries with backoff).
    pub fn is_transient(&self) -> bool {
        matches!(self, ClientError::Unreachable(_) | ClientError::RateLimited { .. })
            || matches!(self, ClientError::Service { status, .. } if *status >= 500)
    }
}

/// A client of one binding service, optionally logged in.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client for the service at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Client, ClientError> {
        let base = base.trim().trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base).map_err(|e| ClientError::BadAddress(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ClientError::BadAddress("the address must start with http:// or https://".into()));
        }
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(ClientError::Cleartext);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            // The service closes a keep-alive connection idle for its header timeout
            // (10 s by default); a pooled connection reused just as it closes fails with
            // "incomplete message". Letting go of idle connections sooner avoids the race.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        Ok(Client { http, base, token: None })
    }

    /// The service's address.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Uses a token from an earlier login (e.g. from the credential store).
    pub fn with_token(mut self, token: String) -> Client {
        self.token = Some(token);
        self
    }

    /// The current token.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Logs in; keeps the token for later calls.
    pub async fn login(&mut self, username: &str, password: &str) -> Result<SessionResponse, ClientError> {
        let body = SessionRequest { username: username.to_string(), password: password.to_string() };
        let resp = self.send(self.http.post(self.url("/api/v1/session")).json(&body)).await;
        let session: SessionResponse = match resp {
            Err(ClientError::SessionExpired) => return Err(ClientError::WrongPassword),
            Err(ClientError::RateLimited { retry_after_secs }) => {
                return Err(ClientError::Locked { minutes: retry_after_secs.div_ceil(60) });
            }
            other => other?,
        };
        self.token = Some(session.token.clone());
        Ok(session)
    }

    /// Ends the session on the service (an already-ended session is fine).
    pub async fn logout(&mut self) -> Result<(), ClientError> {
        if self.token.is_none() {
            return Ok(());
        }
        let r = self.send_empty(self.authed(self.http.delete(self.url("/api/v1/session")))).await;
        self.token = None;
        match r {
            Ok(()) | Err(ClientError::SessionExpired) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One page of the change feed after `since`.
    pub async fn changes(&self, since: i64, limit: u32) -> Result<ChangesPage, ClientError> {
        Ok(self.changes_sized(since, limit).await?.0)
    }

    /// One page of the change feed, with the size of the answer in bytes (for progress).
    pub async fn changes_sized(&self, since: i64, limit: u32) -> Result<(ChangesPage, usize), ClientError> {
        let url = self.url(&format!("/api/v1/review/changes?since={since}&limit={limit}"));
        self.send_sized(self.authed(self.http.get(url))).await
    }

    /// One application.
    pub async fn application(&self, id: &str) -> Result<Application, ClientError> {
        let url = self.url(&format!("/api/v1/review/applications/{}", path_segment(id)));
        self.send(self.authed(self.http.get(url))).await
    }

    /// A signature PNG by its SHA-256.
    pub async fn signature(&self, sha256: &str) -> Result<Vec<u8>, ClientError> {
        let url = self.url(&format!("/api/v1/signatures/{}", path_segment(sha256)));
        let resp = self.authed(self.http.get(url)).send().await.map_err(transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(error_from(status, resp).await);
        }
        let is_png = resp.headers().get(reqwest::header::CONTENT_TYPE).is_some_and(|v| v == "image/png");
        let bytes = read_limited(resp, MAX_SIGNATURE_BYTES).await?;
        if !is_png || !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(ClientError::NotOurApi("a signature that is not a PNG".into()));
        }
        Ok(bytes)
    }

    /// One decision.
    pub async fn decide(&self, id: &str, decision: &DecisionRequest) -> Result<Application, ClientError> {
        let url = self.url(&format!("/api/v1/review/applications/{}/decision", path_segment(id)));
        self.send(self.authed(self.http.post(url).json(decision))).await
    }

    /// A batch of decisions (at most 1,000).
    pub async fn decide_batch(
        &self,
        batch: &BatchDecisionRequest,
    ) -> Result<BatchDecisionResponse, ClientError> {
        self.send(self.authed(self.http.post(self.url("/api/v1/review/decisions")).json(batch))).await
    }

    /// Reports reveals of full ID numbers to the service's audit.
    pub async fn report_reveals(
        &self,
        report: &binddesk_domain::api::RevealReport,
    ) -> Result<(), ClientError> {
        let _: serde_json::Value =
            self.send(self.authed(self.http.post(self.url("/api/v1/review/reveals")).json(report))).await?;
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn authed(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn send<T: DeserializeOwned>(&self, r: reqwest::RequestBuilder) -> Result<T, ClientError> {
        Ok(self.send_sized(r).await?.0)
    }

    async fn send_sized<T: DeserializeOwned>(
        &self,
        r: reqwest::RequestBuilder,
    ) -> Result<(T, usize), ClientError> {
        let resp = r.send().await.map_err(transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(error_from(status, resp).await);
        }
        let bytes = read_limited(resp, MAX_JSON_BYTES).await?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::NotOurApi(format!("unexpected JSON: {e}")))?;
        Ok((value, bytes.len()))
    }

    async fn send_empty(&self, r: reqwest::RequestBuilder) -> Result<(), ClientError> {
        let resp = r.send().await.map_err(transport)?;
        let status = resp.status();
        if status.is_success() { Ok(()) } else { Err(error_from(status, resp).await) }
    }
}

/// An id as one URL path segment (ids come from the service, but are still not trusted).
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn transport(e: reqwest::Error) -> ClientError {
    // reqwest's message names the URL; it holds no personal data (ids only).
    ClientError::Unreachable(e.to_string())
}

/// Reads a body, refusing it once it grows past `limit` bytes.
async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, ClientError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ClientError::NotOurApi(format!("an answer over {limit} bytes")));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if out.len() + chunk.len() > limit {
            return Err(ClientError::NotOurApi(format!("an answer over {limit} bytes")));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Turns an error answer into a [`ClientError`].
async fn error_from(status: StatusCode, resp: reqwest::Response) -> ClientError {
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = match read_limited(resp, MAX_JSON_BYTES).await {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Ok(err) = serde_json::from_slice::<ErrorResponse>(&body) else {
        return ClientError::NotOurApi(format!("HTTP {} without the API's error body", status.as_u16()));
    };
    let (code, message) = (err.error.code, err.error.message);
    match status {
        StatusCode::UNAUTHORIZED if code == "invalid_credentials" => ClientError::WrongPassword,
        StatusCode::UNAUTHORIZED => ClientError::SessionExpired,
        StatusCode::FORBIDDEN => ClientError::Forbidden,
        StatusCode::NOT_FOUND => ClientError::NotFound,
        StatusCode::CONFLICT => match err.current {
            Some(app) => ClientError::Conflict(app),
            None => ClientError::NotOurApi("a conflict without the current application".into()),
        },
        StatusCode::UNPROCESSABLE_ENTITY => ClientError::Refused { code, message },
        StatusCode::TOO_MANY_REQUESTS => {
            ClientError::RateLimited { retry_after_secs: retry_after.unwrap_or(60) }
        }
        _ => ClientError::Service { status: status.as_u16(), code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(Client::new("http://127.0.0.1:8080/").is_ok());
        assert_eq!(
            Client::new("https://binding.school.example").unwrap().base(),
            "https://binding.school.example"
        );
        assert!(matches!(Client::new("127.0.0.1:8080"), Err(ClientError::BadAddress(_))));
        assert!(matches!(Client::new("ftp://x"), Err(ClientError::BadAddress(_))));
    }

    /// Passwords and tokens never cross the network in the clear.
    #[test]
    fn cleartext_is_refused_beyond_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://localhost:9",
            "http://[::1]:80",
            "https://10.0.0.5",
        ] {
            assert!(Client::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.5:8080",
            "http://binding.school.example",
            "http://[2001:db8::1]",
            "HTTP://192.168.1.2",
        ] {
            assert!(matches!(Client::new(bad), Err(ClientError::Cleartext)), "{bad}");
        }
    }

    #[test]
    fn ids_are_escaped_as_one_segment() {
        assert_eq!(path_segment("a-1_b.c"), "a-1_b.c");
        assert_eq!(path_segment("../x y"), "..%2Fx%20y");
    }
}
