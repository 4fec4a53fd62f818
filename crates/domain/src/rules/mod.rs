//! The review rules: which relationships are legal, which status changes are allowed,
//! which decisions the rules refuse, and how the review flags are computed.
//!
//! The service enforces these, and the desktop app checks them first so a reviewer hears
//! "no" before the request is sent; both call these functions, so the rules exist once.
//! [`binding`] holds the status sets and the two-account count; [`decision`] applies a
//! decision (status, version, reason, history) for a reviewer or the civil registry;
//! [`roster`] checks roster lines, works out what an import changes, and moves a child's
//! applications with them.

use crate::api::{Application, Parent, PreviousVersion, Relationship, SignatureInfo, Student};
use crate::enums::{DecisionAction, Flag, RelationshipKind, RelationshipTitle, Status};
use crate::id_number::IdNumber;
use thiserror::Error;

pub mod binding;
pub mod decision;
pub mod roster;

pub use binding::{BINDING, LIVE, OPEN, StudentApplication, bound_accounts, sql_list};
pub use decision::{apply_decision, auto_approve};

/// A student may have at most this many bound parent accounts.
pub const MAX_BOUND_ACCOUNTS: u32 = 2;

/// Below this share of inked pixels a signature is flagged as blank or faint.
pub const SIGNATURE_BLANK_INK_RATIO: f64 = 0.004;

/// The longest return reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a rule refuses something. The message is written for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// A title combined with the wrong kind, e.g. a guardian "father".
    #[error("{title} is not a title of a {kind}")]
    TitleDoesNotFitKind {
        /// The kind given.
        kind: RelationshipKind,
        /// The title given.
        title: RelationshipTitle,
    },
    /// The status change is not one the process allows.
    #[error("an application cannot go from {from} to {to}")]
    Transition {
        /// Current status.
        from: Status,
        /// Requested status.
        to: Status,
    },
    /// Only pending applications can be decided.
    #[error("only a pending application can be decided; this one is {0}")]
    NotPending(Status),
    /// A return needs a reason.
    #[error("a return needs a reason")]
    ReasonRequired,
    /// The reason is longer than allowed.
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    /// The reason holds control characters or display-reordering characters.
    #[error("the reason holds characters that are not text ({0})")]
    ReasonNotText(crate::text::TextError),
    /// The student already has the maximum number of bound accounts.
    #[error("the student already has {MAX_BOUND_ACCOUNTS} bound accounts")]
    AccountLimit,
}

impl RuleError {
    /// A stable snake_case code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::TitleDoesNotFitKind { .. } => "title_does_not_fit_kind",
            RuleError::Transition { .. } => "transition_not_allowed",
            RuleError::NotPending(_) => "not_pending",
            RuleError::ReasonRequired => "reason_required",
            RuleError::ReasonTooLong => "reason_too_long",
            RuleError::ReasonNotText(_) => "reason_not_text",
            RuleError::AccountLimit => "account_limit",
        }
    }
}

impl Relationship {
    /// Checks that the title fits the kind (father/mother only as legal representative,
    /// the others only as guardian).
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.title.kind() == self.kind {
            Ok(())
        } else {
            Err(RuleError::TitleDoesNotFitKind { kind: self.kind, title: self.title })
        }
    }
}

impl Status {
    /// Whether the process allows going from `self` to `to`.
    ///
    /// pending → auto_approved (a retried registry check) | approved | returned | cancelled;
    /// returned → pending (resubmitted) | cancelled; approved, auto_approved and cancelled
    /// are final.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Pending, AutoApproved | Approved | Returned | Cancelled) | (Returned, Pending | Cancelled)
        )
    }

    /// The status after a transition, or the error that refuses it.
    pub fn transition(self, to: Status) -> Result<Status, RuleError> {
        if self.can_become(to) { Ok(to) } else { Err(RuleError::Transition { from: self, to }) }
    }

    /// Final for the school: nothing more to review.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Approved | Status::AutoApproved | Status::Cancelled)
    }
}

/// Checks a reviewer's decision against the rules and returns the resulting status.
///
/// `bound_accounts` is the number of accounts already bound to the student (approved or
/// auto-approved applications of other parents).
pub fn check_decision(
    status: Status,
    action: DecisionAction,
    reason: Option<&str>,
    bound_accounts: u32,
) -> Result<Status, RuleError> {
    if status != Status::Pending {
        return Err(RuleError::NotPending(status));
    }
    match action {
        DecisionAction::Approve => {
            if bound_accounts >= MAX_BOUND_ACCOUNTS {
                return Err(RuleError::AccountLimit);
            }
            status.transition(Status::Approved)
        }
        DecisionAction::Return => {
            return_reason(reason)?;
            status.transition(Status::Returned)
        }
    }
}

/// A return reason as it is stored: composed, trimmed, and text (see
/// [`crate::text::clean_text`]); invisible-only text counts as no reason.
pub fn return_reason(reason: Option<&str>) -> Result<String, RuleError> {
    use crate::text::{TextError, clean_text};
    match clean_text(reason.unwrap_or(""), MAX_REASON_CHARS) {
        Ok(r) => Ok(r),
        Err(TextError::Empty) => Err(RuleError::ReasonRequired),
        Err(TextError::TooLong(_)) => Err(RuleError::ReasonTooLong),
        Err(e) => Err(RuleError::ReasonNotText(e)),
    }
}

/// Whether a character is one a reviewer should check by eye: not encodable in Big5
/// (e.g. CJK Extension B, used in some names) or in a private-use area (造字).
pub fn is_rare_character(c: char) -> bool {
    let cp = u32::from(c);
    let private_use = (0xE000..=0xF8FF).contains(&cp) || cp >= 0xF0000;
    if private_use {
        return true;
    }
    if c.is_ascii() {
        return false;
    }
    let mut buf = [0u8; 4];
    let (_, _, unmappable) = encoding_rs::BIG5.encode(c.encode_utf8(&mut buf));
    unmappable
}

/// Whether a name holds a rare character.
pub fn has_rare_character(name: &str) -> bool {
    name.chars().any(is_rare_character)
}

/// The share of inked pixels in an RGBA8 image: opaque enough and dark enough to be pen
/// strokes on a white or transparent canvas. Pure arithmetic, so the service (which
/// decodes the PNG) and any caller agree.
pub fn ink_ratio_rgba(rgba: &[u8]) -> f64 {
    let pixels = rgba.len() / 4;
    if pixels == 0 {
        return 0.0;
    }
    let inked = rgba
        .chunks_exact(4)
        .filter(|p| {
            let luma = (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
            p[3] >= 128 && luma < 160
        })
        .count();
    inked as f64 / pixels as f64
}

/// The paths of the fields that differ between a returned version and the current one,
/// e.g. `["parent.name", "signature"]`, for a reviewer's field-by-field view.
pub fn changed_fields(
    previous: &PreviousVersion,
    student: &Student,
    parent: &Parent,
    relationship: &Relationship,
    signature: &SignatureInfo,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |path: &'static str, changed: bool| {
        if changed {
            out.push(path);
        }
    };
    check("student.id_number", previous.student.id_number != student.id_number);
    check("student.name", previous.student.name != student.name);
    check("student.school_level", previous.student.school_level != student.school_level);
    check("student.school_code", previous.student.school_code != student.school_code);
    check("student.class_id", previous.student.class_id != student.class_id);
    check("parent.name", previous.parent.name != parent.name);
    check("parent.id_number", previous.parent.id_number != parent.id_number);
    check("parent.email", previous.parent.email != parent.email);
    check("parent.phone", previous.parent.phone != parent.phone);
    check("relationship", previous.relationship != *relationship);
    check("signature", previous.signature.sha256 != signature.sha256);
    out
}

/// The facts beyond the application itself that the flags depend on.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FlagFacts {
    /// Accounts already bound to the student by other parents.
    pub bound_accounts: u32,
    /// Whether another parent's live application or account uses the same e-mail.
    pub email_used_by_another_parent: bool,
    /// The signature's share of inked pixels (see [`ink_ratio_rgba`]).
    pub signature_ink_ratio: f64,
}

/// Computes the review flags of an application from its own fields and the facts.
/// The result is sorted and free of duplicates.
pub fn compute_flags(app: &Application, facts: &FlagFacts) -> Vec<Flag> {
    let mut flags = Vec::new();
    if IdNumber::parse(&app.student.id_number).is_err() || IdNumber::parse(&app.parent.id_number).is_err() {
        flags.push(Flag::IdInvalid);
    }
    // Only an application still waiting for a decision can run into the limit.
    if !app.status.is_final() && facts.bound_accounts >= MAX_BOUND_ACCOUNTS {
        flags.push(Flag::AccountLimit);
    }
    if facts.email_used_by_another_parent {
        flags.push(Flag::EmailInUse);
    }
    if facts.signature_ink_ratio < SIGNATURE_BLANK_INK_RATIO {
        flags.push(Flag::SignatureBlank);
    }
    if let Some(prev) = &app.previous {
        let changed = changed_fields(prev, &app.student, &app.parent, &app.relationship, &app.signature);
        if !changed.is_empty() {
            flags.push(Flag::Resubmitted);
        }
    }
    if has_rare_character(&app.student.name) || has_rare_character(&app.parent.name) {
        flags.push(Flag::RareCharacter);
    }
    flags.sort();
    flags.dedup();
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{RegistryCheck, SignatureInfo};
    use crate::enums::{RegistryResult, SchoolLevel};
    use chrono::TimeZone;

    pub(crate) fn sample() -> Application {
        let at = chrono::Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
        Application {
            id: "a1".into(),
            version: 1,
            status: Status::Pending,
            submitted_at: at,
            updated_at: at,
            batch_id: "b1".into(),
            student: Student {
                id_number: "A123456789".into(),
                name: "陳曉明".into(),
                school_level: SchoolLevel::SeniorHigh,
                school_code: "s".into(),
                class_id: "c".into(),
                class_name: "資訊二忠".into(),
            },
            parent: Parent {
                name: "王曉明".into(),
                id_number: "YA94109161".into(),
                email: "p@example.com".into(),
                phone: "0928942045".into(),
            },
            relationship: Relationship {
                kind: RelationshipKind::LegalRepresentative,
                title: RelationshipTitle::Father,
            },
            signature: SignatureInfo { sha256: "aa".into(), width: 600, height: 200 },
            registry_check: RegistryCheck { result: RegistryResult::Failed, detail: None, reason: None },
            flags: vec![],
            return_reason: None,
            previous: None,
            history: vec![],
        }
    }

    fn inked() -> FlagFacts {
        FlagFacts { signature_ink_ratio: 0.05, ..FlagFacts::default() }
    }

    #[test]
    fn relationship_titles_must_fit_kinds() {
        let ok =
            Relationship { kind: RelationshipKind::Guardian, title: RelationshipTitle::MaternalGrandmother };
        assert!(ok.validate().is_ok());
        let bad = Relationship { kind: RelationshipKind::Guardian, title: RelationshipTitle::Father };
        assert_eq!(bad.validate().unwrap_err().code(), "title_does_not_fit_kind");
        let bad =
            Relationship { kind: RelationshipKind::LegalRepresentative, title: RelationshipTitle::Other };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn only_the_process_transitions_are_allowed() {
        use Status::*;
        let allowed = [
            (Pending, AutoApproved),
            (Pending, Approved),
            (Pending, Returned),
            (Pending, Cancelled),
            (Returned, Pending),
            (Returned, Cancelled),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expect = allowed.contains(&(*from, *to));
                assert_eq!(from.can_become(*to), expect, "{from} -> {to}");
                assert_eq!(from.transition(*to).is_ok(), expect);
            }
        }
    }

    #[test]
    fn decisions_follow_the_rules() {
        use DecisionAction::*;
        assert_eq!(check_decision(Status::Pending, Approve, None, 1), Ok(Status::Approved));
        assert_eq!(check_decision(Status::Pending, Approve, None, 2), Err(RuleError::AccountLimit));
        assert_eq!(check_decision(Status::Pending, Return, Some("  "), 0), Err(RuleError::ReasonRequired));
        assert_eq!(check_decision(Status::Pending, Return, Some("簽名空白"), 0), Ok(Status::Returned));
        let long = "字".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(check_decision(Status::Pending, Return, Some(&long), 0), Err(RuleError::ReasonTooLong));
        for s in [Status::Cancelled, Status::Approved, Status::AutoApproved, Status::Returned] {
            assert_eq!(check_decision(s, Approve, None, 0), Err(RuleError::NotPending(s)));
        }
    }

    #[test]
    fn rare_characters_are_outside_big5_or_private_use() {
        assert!(!has_rare_character("陳曉明"));
        assert!(!has_rare_character("王曉明 Wang"));
        assert!(has_rare_character("陳𠀋明"), "CJK Extension B");
        assert!(has_rare_character("林\u{E000}"), "private use area");
        assert!(has_rare_character("林\u{F0001}"), "supplementary private use");
    }

    #[test]
    fn ink_ratio_counts_dark_opaque_pixels() {
        let white = [255u8, 255, 255, 255];
        let ink = [20u8, 20, 60, 255];
        let clear_black = [0u8, 0, 0, 0];
        let img: Vec<u8> = [white, ink, clear_black, ink].concat();
        assert!((ink_ratio_rgba(&img) - 0.5).abs() < 1e-9);
        assert_eq!(ink_ratio_rgba(&[]), 0.0);
    }

    #[test]
    fn a_clean_application_has_no_flags() {
        assert!(compute_flags(&sample(), &inked()).is_empty());
    }

    #[test]
    fn each_flag_is_raised_by_its_fact() {
        let mut app = sample();
        app.parent.id_number = "YA94109162".into();
        assert_eq!(compute_flags(&app, &inked()), vec![Flag::IdInvalid]);

        let app = sample();
        let facts = FlagFacts { bound_accounts: 2, ..inked() };
        assert_eq!(compute_flags(&app, &facts), vec![Flag::AccountLimit]);
        let mut approved = sample();
        approved.status = Status::Approved;
        assert!(compute_flags(&approved, &facts).is_empty(), "final applications are past the limit check");

        let facts = FlagFacts { email_used_by_another_parent: true, ..inked() };
        assert_eq!(compute_flags(&app, &facts), vec![Flag::EmailInUse]);

        assert_eq!(compute_flags(&app, &FlagFacts::default()), vec![Flag::SignatureBlank]);

        let mut app = sample();
        app.student.name = "陳𠀋明".into();
        assert_eq!(compute_flags(&app, &inked()), vec![Flag::RareCharacter]);
    }

    #[test]
    fn resubmitted_only_when_something_changed() {
        let base = sample();
        let prev = PreviousVersion {
            version: 1,
            student: base.student.clone(),
            parent: base.parent.clone(),
            relationship: base.relationship,
            signature: base.signature.clone(),
            return_reason: Some("姓名錯字".into()),
        };
        let mut app = sample();
        app.version = 3;
        app.previous = Some(Box::new(prev));
        assert!(compute_flags(&app, &inked()).is_empty(), "identical resubmission");
        app.parent.name = "王小明".into();
        assert_eq!(compute_flags(&app, &inked()), vec![Flag::Resubmitted]);
        let prev = app.previous.as_deref().unwrap();
        assert_eq!(
            changed_fields(prev, &app.student, &app.parent, &app.relationship, &app.signature),
            vec!["parent.name"]
        );
    }
}
