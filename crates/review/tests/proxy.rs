//! The school's proxy is honoured: with `HTTPS_PROXY` set (the system proxy on Linux; on
//! Windows and macOS the system settings), the client's requests go through it.

use binddesk_review::client::Client;
use std::io::{Read, Write};

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (mut conn, _) = proxy.accept().unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 1024];
        let n = conn.read(&mut buf).unwrap_or(0);
        let _ = conn.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    // SAFETY: this test binary has one test; nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{port}"));
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let mut client = Client::new("https://binding.school.example").unwrap();
    let r = client.login("t.info2", "x").await;
    assert!(r.is_err(), "the proxy refused");
    let request = seen.join().unwrap();
    assert!(request.starts_with("CONNECT binding.school.example:443"), "{request}");
}
