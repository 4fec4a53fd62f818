//! # binddesk-domain
//!
//! The pure heart of BindDesk (綁定審核台): the types and rules of parent–child binding
//! applications (親子綁定申請), with no I/O, so that the binding service and the
//! reviewer's desktop app share one definition of every rule.
//!
//! - [`id_number`]: Taiwanese national IDs (身分證字號) and resident certificates
//!   (居留證), old and new format, with check digits, kind, sex and masking.
//! - [`enums`]: school levels, relationships, statuses, flags, roles, each with zh-TW
//!   and English labels through [`labels::Labelled`].
//! - [`rules`]: which relationships are legal, which status changes and decisions are
//!   allowed, and how the review flags are computed from an application and the facts
//!   around it.
//! - [`text`]: what counts as text in a name or a reason (NFC, no control, bidi or
//!   invisible-only text); [`contact`]: e-mail and Taiwanese phone numbers in one
//!   canonical form; [`throttle`]: the login lockout and the verification-code limits.
//! - [`error_code`]: every error the desktop app can show, with its zh-TW and English
//!   words.
//! - [`api`]: the JSON shapes of the HTTP API (`shared/API.md`), used by both sides.
//! - [`typescript`]: the UI's TypeScript types, generated from [`api`] and [`enums`];
//!   a test fails when the checked-in file is stale.
//!
//! Where a rule belongs: if both the service and the app must agree on it, it is here.

#![deny(missing_docs)]

pub mod api;
pub mod contact;
pub mod enums;
pub mod error_code;
pub mod id_number;
pub mod labels;
pub mod rules;
pub mod text;
pub mod throttle;
pub mod typescript;

pub use enums::{
    BatchOutcome, CodeChannel, DecisionAction, Flag, HistoryAction, RegistryReason, RegistryResult,
    RelationshipKind, RelationshipTitle, Role, SchoolLevel, Status,
};
pub use error_code::{ErrorCode, ParentErrorCode};
pub use id_number::{IdError, IdKind, IdNumber, Sex, mask_id_str, mask_name, mask_phone};
pub use labels::Labelled;
pub use rules::{FlagFacts, RuleError, check_decision, compute_flags};
pub use text::{TextError, clean_text};
