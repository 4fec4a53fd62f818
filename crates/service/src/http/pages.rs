//! The parents' pages, served at `/` from the assets embedded at build time (see
//! `build.rs`): compressed once on first use, sent with a strict Content-Security-Policy
//! (no inline script, nothing from another origin) and without letting any other site
//! frame them.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write as _;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/parent_assets.rs"));

/// The policy of every page: scripts, styles and fonts from this origin only; images
/// also from `data:`/`blob:` (the signature pad's preview); requests to this origin only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether the pages were built into this binary.
pub fn embedded() -> bool {
    ASSETS.iter().any(|(path, _)| *path == "index.html")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The gzip form of each asset worth compressing, made once.
fn gzipped(index: usize) -> Option<&'static [u8]> {
    static GZ: OnceLock<Vec<Option<Vec<u8>>>> = OnceLock::new();
    GZ.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(path, bytes)| {
                let ty = content_type(path);
                let text = ty.starts_with("text/") || ty.contains("svg") || ty.contains("json");
                if !text || bytes.len() < 512 {
                    return None;
                }
                let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                enc.write_all(bytes).ok()?;
                enc.finish().ok()
            })
            .collect()
    })
    .get(index)
    .and_then(|g| g.as_deref())
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| e.split(';').next().is_some_and(|name| name.trim().eq_ignore_ascii_case("gzip")))
}

/// Headers every page and asset carries.
pub fn security_headers(h: &mut HeaderMap, https: bool) {
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()");
    if https {
        set(h, "strict-transport-security", "max-age=31536000");
    }
}

/// The asset at `path` (below `/`), or `None`.
pub fn asset(path: &str, request: &HeaderMap, https: bool) -> Option<Response> {
    let path = if path.is_empty() { "index.html" } else { path };
    let index = ASSETS.iter().position(|(p, _)| *p == path)?;
    let (_, bytes) = ASSETS[index];
    let mut headers = HeaderMap::new();
    security_headers(&mut headers, https);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    // Vite names assets by their content's hash: they never change under one name.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let body = match gzipped(index) {
        Some(gz) if accepts_gzip(request) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gz
        }
        _ => bytes,
    };
    Some((StatusCode::OK, headers, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_recognised_in_its_spellings() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, GZip;q=0.8"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzipx, identity"));
        assert!(!accepts_gzip(&h));
    }

    #[test]
    fn types_follow_the_extension() {
        assert_eq!(content_type("assets/index-abc.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.unknown"), "application/octet-stream");
    }
}
