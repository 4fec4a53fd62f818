//! What both store implementations do to an application apart from storing it: build a
//! submitted one, correct a returned one, cancel, apply a retried registry answer, and
//! the error details of a decision batch. Each store loads, calls these, and saves.

use super::*;
use crate::registry::RegistryOutcome;
use binddesk_domain::api::{ErrorDetail, PreviousVersion, Student};
use binddesk_domain::rules::auto_approve;
use binddesk_domain::rules::decision::record as history;
use binddesk_domain::{HistoryAction, RegistryResult, Status};

/// The application's student, from the roster entry a submission named.
pub(super) fn student_of(ps: &PlannedStudent) -> Student {
    Student {
        id_number: ps.student.id_number.clone(),
        name: ps.student.name.clone(),
        school_level: ps.student.school_level,
        school_code: ps.student.school.code.clone(),
        class_id: ps.student.class.id.clone(),
        class_name: ps.student.class.name.clone(),
    }
}

/// A new application of a submission's batch, pending, with its first history entry.
pub(super) fn new_application(
    plan: &SubmitPlan,
    ps: &PlannedStudent,
    batch_id: &str,
    now: Timestamp,
) -> Application {
    let mut app = Application {
        id: uuid::Uuid::new_v4().to_string(),
        version: 1,
        status: Status::Pending,
        submitted_at: now,
        updated_at: now,
        batch_id: batch_id.to_string(),
        student: student_of(ps),
        parent: plan.parent.clone(),
        relationship: ps.relationship,
        signature: plan.signature.info.clone(),
        registry_check: ps.registry.to_check(),
        flags: vec![],
        return_reason: None,
        previous: None,
        history: vec![],
    };
    history(&mut app, now, "parent", HistoryAction::Submitted, None);
    app
}

/// A returned application corrected by its parent: the previous version kept, the new
/// fields, one more version, pending again.
pub(super) fn resubmit(
    app: &mut Application,
    plan: &SubmitPlan,
    ps: &PlannedStudent,
    now: Timestamp,
) -> StoreResult<()> {
    app.previous = Some(Box::new(PreviousVersion {
        version: app.version,
        student: app.student.clone(),
        parent: app.parent.clone(),
        relationship: app.relationship,
        signature: app.signature.clone(),
        return_reason: app.return_reason.clone(),
    }));
    app.student = student_of(ps);
    app.parent = plan.parent.clone();
    app.relationship = ps.relationship;
    app.signature = plan.signature.info.clone();
    app.registry_check = ps.registry.to_check();
    app.return_reason = None;
    app.version += 1;
    app.updated_at = now;
    app.status =
        Status::Returned.transition(Status::Pending).map_err(|e| StoreError::Storage(e.to_string()))?;
    history(app, now, "parent", HistoryAction::Resubmitted, None);
    Ok(())
}

/// The parent cancels an open application.
pub(super) fn cancel(app: &mut Application, now: Timestamp) -> StoreResult<()> {
    app.status = app.status.transition(Status::Cancelled).map_err(|e| StoreError::Storage(e.to_string()))?;
    app.version += 1;
    app.updated_at = now;
    history(app, now, "parent", HistoryAction::Cancelled, None);
    Ok(())
}

/// A retried registry check's answer, applied under the same rule as a reviewer's
/// approval (never past the two-account limit; `bound` counts it, read only when the
/// answer applies). `None`: it no longer applies (decided meanwhile, or still
/// unavailable); `Some(auto)`: the application changed, and was auto-approved if `auto`
/// (a state change of a published application: its version moves, so a reviewer's
/// pending decision on it conflicts).
pub(super) fn registry_answer(
    app: &mut Application,
    outcome: &RegistryOutcome,
    bound: impl FnOnce(&Application) -> StoreResult<u32>,
    now: Timestamp,
) -> StoreResult<Option<bool>> {
    if app.status != Status::Pending
        || app.registry_check.result != RegistryResult::Unavailable
        || *outcome == RegistryOutcome::Unavailable
    {
        return Ok(None);
    }
    app.registry_check = outcome.to_check();
    app.updated_at = now;
    let bound = bound(app)?;
    let mut approved = app.clone();
    approved.version += 1;
    let auto = *outcome == RegistryOutcome::Passed && auto_approve(&mut approved, bound, now);
    if auto {
        *app = approved;
    }
    Ok(Some(auto))
}

/// An item's error in a decision batch.
pub(super) fn detail(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail { code: code.into(), message: message.into(), fields: None, retry_after_secs: None }
}

/// The batch item's application does not exist.
pub(super) fn not_found_detail() -> ErrorDetail {
    detail("not_found", "no such application")
}

/// The batch item's application is outside the caller's scope.
pub(super) fn out_of_scope_detail() -> ErrorDetail {
    detail("forbidden", "this is outside your scope")
}

/// A decision_id already used for another application.
pub(super) fn reused_id_detail() -> ErrorDetail {
    detail("decision_id_reused", "this decision_id was already used for another application")
}

/// The application moved on from the version the reviewer saw.
pub(super) fn conflict_detail(app: &Application, expected: u32) -> ErrorDetail {
    detail(
        "version_conflict",
        format!("the application is at version {} ({}), you saw version {expected}", app.version, app.status),
    )
}
