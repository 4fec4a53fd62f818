//! # binddesk-service
//!
//! The binding service parents apply to and school staff review against: the HTTP API
//! of `shared/API.md` on axum, over a SQLite store (one school, the demo) or PostgreSQL
//! (a city, several instances on one database).
//!
//! - [`http`]: routes, authentication (bearer tokens for staff and parents) and the
//!   handlers, which parse requests, call a use case or a store read, and shape answers.
//! - [`app`]: the use cases (codes and parent sessions, the staff login, checking a
//!   submission): load, apply the domain's rules, persist, notify.
//! - [`store`]: small repository traits per aggregate (staff, sessions, review, parent,
//!   codes, outbox, imports, registry), together [`store::Store`], each method one
//!   transaction, and their SQLite and PostgreSQL implementations (one file per
//!   aggregate each) with versioned migrations; `store::pg` tells how the change feed
//!   stays gap-free with several writers. Every state change, its history entry, its change-feed row and any mail
//!   it causes are written together; the rules they apply come from `binddesk-domain`.
//! - [`connections`]: accepting connections under limits (header and body timeouts, a
//!   connection cap overall and per client), and route-only request logs.
//! - [`tls`]: HTTPS served directly with rustls when given a certificate and key.
//! - [`registry`]: the civil-registry check behind an interface, with a built-in
//!   table-backed implementation (the real registry cannot run here).
//! - [`signature`]: PNG signatures, size-checked and decoded under limits.
//! - [`roster`]: reading roster files (CSV in UTF-8, UTF-16 or Big5; .xlsx), each line
//!   checked by the domain.
//! - [`metrics`]: `/metrics` in the Prometheus text format.
//! - [`auth`], [`mail`]: passwords and tokens; the mail outbox and its SMTP sender.
//! - [`demo`]: a realistic school with teachers, an administrator and a few hundred
//!   applications in every status, for `serve --demo` and benchmarks.
//! - [`server`]: start-up, background tasks (registry retries, first-password hashing,
//!   mail delivery, purging expired sessions and codes) and graceful shutdown.
//!
//! The rules themselves (ID numbers, transitions, decisions, flags) live in
//! `binddesk-domain`, shared with the desktop app.

pub mod app;
pub mod auth;
pub mod connections;
pub mod demo;
pub mod error;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod registry;
pub mod roster;
pub mod server;
pub mod signature;
pub mod store;
pub mod tls;
