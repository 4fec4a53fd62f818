//! An axum hello-world on the same stack as the service (tokio, hyper 1, axum 0.8): the
//! ceiling `scripts/bench-service.sh` compares the change feed's requests per second to.
//! Prints `{"listen": "127.0.0.1:PORT"}` and serves until killed.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", serde_json::json!({ "listen": listener.local_addr()?.to_string() }));
    axum::serve(listener, app).await
}
