//! # binddesk-review
//!
//! Everything the desktop app does except drawing: it talks to the binding service,
//! keeps an offline copy, and turns a reviewer's decisions into requests that reach the
//! service exactly once. It knows nothing of Tauri, so all of it is tested without a
//! window, against the real service binary.
//!
//! ## The pieces
//! - [`client`]: the HTTP API of `shared/API.md`, with a typed error for each way a
//!   request can go wrong and every answer bounded before it is decoded.
//! - [`cache`]: one SQLCipher-encrypted SQLite file per service address and account.
//!   Every write is one transaction there: a feed page with its cursor, a decision with
//!   its local effect, an answer with the outbox row it settles. Queries for the UI
//!   ([`cache::query`]) read only the cache, masked unless a reveal is asked for.
//! - [`secrets`]: where the session token lives (the OS credential store, or a
//!   documented fallback folder for headless machines); [`keywrap`]: the cache key,
//!   stored beside the cache and wrapped by the reviewer's password.
//! - [`engine`]: one reviewer's session tying them together: login or offline open,
//!   sync (send, pull, fetch signatures), decide/undo, conflicts, purge, print.
//! - [`print_target`]: where a printed PDF may be written (a path picked in the save
//!   dialog, or the default folder), never any path the page hands over.
//! - [`error_code`]: every error the app can show, with its zh-TW and English words
//!   (generated into the UI).
//! - [`views`]: the plain data handed to the UI; [`typescript`] generates its twins.
//!
//! ## Exactly once
//! A decision gets a random `decision_id` when it is queued, and keeps it through every
//! resend. The attempt is counted before the request leaves, so a decision that may have
//! reached the service can no longer be undone locally; after a crash it is resent with
//! the same id and the service answers with the result it already applied. A changed
//! application answers 409 and the decision becomes a [`views::Conflict`] with both
//! sides; nothing is overwritten silently.

pub mod cache;
pub mod client;
pub mod engine;
pub mod error_code;
pub mod keywrap;
pub mod print_target;
pub mod secrets;
pub mod typescript;
pub mod views;

pub use engine::{CancelToken, Engine, EngineConfig, EngineError};
