//! Applying a decision to an application: the status, the version, the reason and the
//! history entry, in one place for a reviewer's approval or return and for the
//! civil registry's automatic approval, both under the same two-account rule.

use super::{RuleError, check_decision, return_reason};
use crate::api::{Application, HistoryEntry, Timestamp};
use crate::enums::{DecisionAction, HistoryAction, Status};

/// The history actor of the civil-registry check.
pub const REGISTRY_ACTOR: &str = "registry";

/// Adds a history entry at the application's current version.
pub fn record(
    app: &mut Application,
    at: Timestamp,
    actor: &str,
    action: HistoryAction,
    reason: Option<String>,
) {
    app.history.push(HistoryEntry { at, actor: actor.to_string(), action, reason, version: app.version });
}

/// Applies a reviewer's decision: checks it against the rules (pending only, a reason to
/// return, the two-account limit given `bound_accounts`), then moves the status, adds one
/// to the version, sets or clears the return reason and records who did it. Nothing
/// changes when the rules refuse.
pub fn apply_decision(
    app: &mut Application,
    action: DecisionAction,
    reason: Option<&str>,
    bound_accounts: u32,
    actor: &str,
    now: Timestamp,
) -> Result<(), RuleError> {
    let status = check_decision(app.status, action, reason, bound_accounts)?;
    let reason = match action {
        DecisionAction::Return => Some(return_reason(reason)?),
        DecisionAction::Approve => None,
    };
    app.status = status;
    app.version += 1;
    app.updated_at = now;
    app.return_reason = reason.clone();
    let entry = match action {
        DecisionAction::Approve => HistoryAction::Approved,
        DecisionAction::Return => HistoryAction::Returned,
    };
    record(app, now, actor, entry, reason);
    Ok(())
}

/// Applies the civil registry's pass to a pending application, under the same rule as a
/// reviewer's approval: past the two-account limit it stays pending (and flagged).
/// Returns whether it was approved. The caller moves the version when the application
/// was already published (a retried check), not for a new submission.
pub fn auto_approve(app: &mut Application, bound_accounts: u32, now: Timestamp) -> bool {
    if check_decision(app.status, DecisionAction::Approve, None, bound_accounts).is_err() {
        return false;
    }
    app.status = Status::AutoApproved;
    app.updated_at = now;
    record(app, now, REGISTRY_ACTOR, HistoryAction::AutoApproved, None);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tests::sample as pending;

    #[test]
    fn a_return_moves_status_version_reason_and_history() {
        let mut app = pending();
        let now = chrono::Utc::now();
        apply_decision(&mut app, DecisionAction::Return, Some("  簽名空白 "), 0, "張文彬", now).unwrap();
        assert_eq!((app.status, app.version), (Status::Returned, 2));
        assert_eq!(app.return_reason.as_deref(), Some("簽名空白"));
        let last = app.history.last().unwrap();
        assert_eq!((last.action, last.actor.as_str(), last.version), (HistoryAction::Returned, "張文彬", 2));
    }

    #[test]
    fn a_refused_decision_changes_nothing() {
        let mut app = pending();
        let before = app.clone();
        let now = chrono::Utc::now();
        assert_eq!(
            apply_decision(&mut app, DecisionAction::Approve, None, 2, "x", now),
            Err(RuleError::AccountLimit)
        );
        assert_eq!(
            apply_decision(&mut app, DecisionAction::Return, Some("\u{200b}"), 0, "x", now),
            Err(RuleError::ReasonRequired)
        );
        assert_eq!(app, before);
    }

    #[test]
    fn the_registry_approves_under_the_same_limit() {
        let now = chrono::Utc::now();
        let mut app = pending();
        assert!(!auto_approve(&mut app, 2, now));
        assert_eq!(app.status, Status::Pending);
        assert!(auto_approve(&mut app, 1, now));
        assert_eq!(app.status, Status::AutoApproved);
        assert_eq!(app.history.last().unwrap().actor, REGISTRY_ACTOR);
    }
}
