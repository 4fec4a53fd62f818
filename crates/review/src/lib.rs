//! # binddesk-review
//!
//! Everything the desktop app does except drawing: it talks to the binding service,
//! keeps an offline copy, and turns a reviewer's decisions into requests that reach the
//! service exactly once. It knows nothing of Tauri, so all of it is tested without a
//! window.
//!
//! Built so far:
//! - [`client`]: the HTTP client of `shared/API.md`, with a typed error for each way a
//!   request can go wrong (wrong password, locked account, expired session, unreachable
//!   service, an answer that is not our API) and every response body bounded before it
//!   is decoded.
//!
//! Not built yet (issue 4): the encrypted SQLite cache, the credential store, sync, the
//! decision outbox, the cache queries and the privacy features.

pub mod client;
