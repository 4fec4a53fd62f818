//! The parent's side: roster look-ups, submission, correction, cancellation.

use super::*;
use crate::error::FieldErrors;
use binddesk_domain::rules::auto_approve;

/// Locks the students' rows of the two-account count for the transaction: two
/// instances submitting for one child count one after the other.
fn lock_students(tx: &mut Transaction, students: &[&str]) -> StoreResult<()> {
    let mut ids: Vec<&str> = students.to_vec();
    ids.sort_unstable();
    for id in ids {
        tx.execute("SELECT pg_advisory_xact_lock(hashtext('student:' || $1))", &[&id])?;
    }
    Ok(())
}

/// The checks of a submission that need storage: two-account limit, one live
/// application per parent and student, e-mail uniqueness across parents.
fn check_submission(tx: &mut Transaction, plan: &SubmitPlan, except_id: Option<&str>) -> StoreResult<()> {
    let mut fields = FieldErrors::new();
    let email = plan.parent.email.to_lowercase();
    if email_used_by_another(tx, &email, &plan.parent.id_number)? {
        fields.insert("parent.email".into(), crate::app::submission::EMAIL_IN_USE.into());
    }
    let dup_sql = format!(
        "SELECT EXISTS(SELECT 1 FROM applications WHERE student_id = $1 AND parent_id = $2
         AND status IN {live} AND id <> $3)",
        live = live()
    );
    for ps in &plan.students {
        let sid = &ps.student.id_number;
        if bound_accounts(tx, sid, &plan.parent.id_number)? >= binddesk_domain::rules::MAX_BOUND_ACCOUNTS {
            fields.insert(format!("{}.id_number", ps.path), crate::app::submission::ACCOUNT_LIMIT.into());
            continue;
        }
        let dup: bool =
            tx.query_one(&dup_sql, &[sid, &plan.parent.id_number, &except_id.unwrap_or("")])?.try_get(0)?;
        if dup {
            fields.insert(
                format!("{}.id_number", ps.path),
                "已有此學生的申請 (an application for this student already exists)".into(),
            );
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(StoreError::fields("rules_refused", "the application breaks a binding rule", fields))
    }
}

fn store_signature(tx: &mut Transaction, sig: &SignatureBlob) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO signatures (sha256, png, width, height, ink_ratio) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (sha256) DO NOTHING",
        &[
            &sig.info.sha256,
            &sig.png,
            &i64::from(sig.info.width),
            &i64::from(sig.info.height),
            &sig.ink_ratio,
        ],
    )?;
    Ok(())
}

/// Auto-approval after a passed registry check, under the two-account rule.
fn auto_approved(
    tx: &mut Transaction,
    app: &mut Application,
    ps: &PlannedStudent,
    now: Timestamp,
) -> StoreResult<bool> {
    if ps.registry != crate::registry::RegistryOutcome::Passed {
        return Ok(false);
    }
    let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
    Ok(auto_approve(app, bound, now))
}

impl ParentRepo for PgStore {
    fn schools_for_student(&self, level: SchoolLevel, id_number: &str) -> StoreResult<Vec<School>> {
        self.read(|c| {
            Ok(c.query(
                "SELECT sc.code, sc.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 WHERE s.id_number = $1 AND s.school_level = $2 ORDER BY sc.name",
                &[&id_number, &level.as_str()],
            )?
            .iter()
            .map(|r| Ok(School { code: r.try_get(0)?, name: r.try_get(1)? }))
            .collect::<Result<_, postgres::Error>>()?)
        })
    }

    fn roster_student(
        &self,
        id_number: &str,
        school_code: &str,
        level: SchoolLevel,
    ) -> StoreResult<Option<RosterStudent>> {
        self.read(|c| {
            let row = c.query_opt(
                "SELECT s.name, sc.name, c.id, c.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 JOIN classes c ON c.id = s.class_id
                 WHERE s.id_number = $1 AND s.school_code = $2 AND s.school_level = $3",
                &[&id_number, &school_code, &level.as_str()],
            )?;
            let Some(r) = row else { return Ok(None) };
            Ok(Some(RosterStudent {
                id_number: id_number.to_string(),
                name: r.try_get(0)?,
                school_level: level,
                school: School { code: school_code.to_string(), name: r.try_get(1)? },
                class: ClassRef { id: r.try_get(2)?, name: r.try_get(3)? },
            }))
        })
    }

    fn submit(&self, plan: &SubmitPlan, now: Timestamp) -> StoreResult<Vec<Application>> {
        self.write(|tx| {
            let ids: Vec<&str> = plan.students.iter().map(|s| s.student.id_number.as_str()).collect();
            lock_students(tx, &ids)?;
            if !plan.legacy_import {
                check_submission(tx, plan, None)?;
            }
            store_signature(tx, &plan.signature)?;
            let batch_id = uuid::Uuid::new_v4().to_string();
            let mut apps = Vec::new();
            for ps in &plan.students {
                let mut app = shared::new_application(plan, ps, &batch_id, now);
                let auto = auto_approved(tx, &mut app, ps, now)?;
                save_app(tx, &mut app, &plan.owner, now)?;
                if auto {
                    ensure_account_and_notify(tx, &app, now)?;
                }
                apps.push(app);
            }
            let students: Vec<String> = plan.students.iter().map(|s| s.student.id_number.clone()).collect();
            refresh_related(tx, &students, &[plan.parent.email.to_lowercase()], now)?;
            Ok(apps)
        })
    }

    fn resubmit(&self, id: &str, plan: &SubmitPlan, now: Timestamp) -> StoreResult<Application> {
        self.write(|tx| {
            let Some((mut app, _, _, owner)) = load_app_for_update(tx, id)? else {
                return Err(StoreError::NotFound("no such application"));
            };
            if owner != plan.owner && app.parent.email.to_lowercase() != plan.owner {
                return Err(StoreError::NotFound("no such application"));
            }
            if app.status != Status::Returned {
                return Err(StoreError::Refused {
                    code: "not_returned",
                    message: format!(
                        "only a returned application can be corrected; this one is {}",
                        app.status
                    ),
                    fields: None,
                });
            }
            let ps = plan.students.first().ok_or_else(|| internal("resubmission without a student"))?;
            lock_students(tx, &[app.student.id_number.as_str(), ps.student.id_number.as_str()])?;
            check_submission(tx, plan, Some(id))?;
            store_signature(tx, &plan.signature)?;
            let old_email = app.parent.email.to_lowercase();
            shared::resubmit(&mut app, plan, ps, now)?;
            let auto = auto_approved(tx, &mut app, ps, now)?;
            save_app(tx, &mut app, &owner, now)?;
            if auto {
                ensure_account_and_notify(tx, &app, now)?;
            }
            let emails = [old_email, app.parent.email.to_lowercase()];
            refresh_related(tx, std::slice::from_ref(&app.student.id_number), &emails, now)?;
            Ok(app)
        })
    }

    fn parent_applications(&self, owner: &str) -> StoreResult<Vec<Application>> {
        self.read(|c| {
            let rows = c.query(
                "SELECT body FROM applications WHERE owner = $1 OR parent_email = $1 ORDER BY changed_at, id",
                &[&owner],
            )?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(serde_json::from_str(r.try_get::<_, &str>(0)?)?);
            }
            Ok(out)
        })
    }

    fn cancel(&self, owner: &str, id: Option<&str>, now: Timestamp) -> StoreResult<u32> {
        self.write(|tx| {
            let ids: Vec<String> = match id {
                Some(id) => {
                    let Some((app, _, _, app_owner)) = load_app_for_update(tx, id)? else {
                        return Err(StoreError::NotFound("no such application"));
                    };
                    if app_owner != owner && app.parent.email.to_lowercase() != owner {
                        return Err(StoreError::NotFound("no such application"));
                    }
                    if !app.status.can_become(Status::Cancelled) {
                        return Err(StoreError::Refused {
                            code: "not_cancellable",
                            message: format!(
                                "only a pending or returned application can be cancelled; this one is {}",
                                app.status
                            ),
                            fields: None,
                        });
                    }
                    vec![id.to_string()]
                }
                None => tx
                    .query(
                        &format!(
                            "SELECT id FROM applications WHERE (owner = $1 OR parent_email = $1) AND status IN {}
                             ORDER BY id FOR UPDATE",
                            open_statuses()
                        ),
                        &[&owner],
                    )?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?,
            };
            let mut students = Vec::new();
            let mut emails = Vec::new();
            for id in &ids {
                if let Some((mut app, _, _, app_owner)) = load_app(tx, id)? {
                    shared::cancel(&mut app, now)?;
                    save_app(tx, &mut app, &app_owner, now)?;
                    students.push(app.student.id_number.clone());
                    emails.push(app.parent.email.to_lowercase());
                }
            }
            refresh_related(tx, &students, &emails, now)?;
            Ok(ids.len() as u32)
        })
    }
}
