//! The parent's side: roster look-ups, submission, correction, cancellation.

use super::*;
use crate::error::FieldErrors;
use binddesk_domain::rules::auto_approve;
use rusqlite::{Connection, OptionalExtension, params};

/// The checks of a submission that need storage: two-account limit, one live
/// application per parent and student, e-mail uniqueness across parents.
fn check_submission(tx: &Connection, plan: &SubmitPlan, except_id: Option<&str>) -> StoreResult<()> {
    let mut fields = FieldErrors::new();
    let email = plan.parent.email.to_lowercase();
    if email_used_by_another(tx, &email, &plan.parent.id_number)? {
        fields.insert("parent.email".into(), crate::app::submission::EMAIL_IN_USE.into());
    }
    for ps in &plan.students {
        let sid = &ps.student.id_number;
        if bound_accounts(tx, sid, &plan.parent.id_number)? >= binddesk_domain::rules::MAX_BOUND_ACCOUNTS {
            fields.insert(format!("{}.id_number", ps.path), crate::app::submission::ACCOUNT_LIMIT.into());
            continue;
        }
        let dup: bool = tx.query_row(
            &format!(
                "SELECT EXISTS(SELECT 1 FROM applications WHERE student_id = ?1 AND parent_id = ?2
                 AND status IN {live} AND id <> ?3)",
                live = live()
            ),
            params![sid, plan.parent.id_number, except_id.unwrap_or("")],
            |r| r.get(0),
        )?;
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

fn store_signature(tx: &Connection, sig: &SignatureBlob) -> StoreResult<()> {
    tx.execute(
        "INSERT OR IGNORE INTO signatures (sha256, png, width, height, ink_ratio) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sig.info.sha256, sig.png, sig.info.width, sig.info.height, sig.ink_ratio],
    )?;
    Ok(())
}

impl ParentRepo for SqliteStore {
    fn schools_for_student(&self, level: SchoolLevel, id_number: &str) -> StoreResult<Vec<School>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT sc.code, sc.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 WHERE s.id_number = ?1 AND s.school_level = ?2 ORDER BY sc.name",
            )?;
            Ok(st
                .query_map(params![id_number, level.as_str()], |r| {
                    Ok(School { code: r.get(0)?, name: r.get(1)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn roster_student(
        &self,
        id_number: &str,
        school_code: &str,
        level: SchoolLevel,
    ) -> StoreResult<Option<RosterStudent>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT s.name, sc.name, c.id, c.name FROM students s JOIN schools sc ON sc.code = s.school_code
                 JOIN classes c ON c.id = s.class_id
                 WHERE s.id_number = ?1 AND s.school_code = ?2 AND s.school_level = ?3",
                params![id_number, school_code, level.as_str()],
                |r| {
                    Ok(RosterStudent {
                        id_number: id_number.to_string(),
                        name: r.get(0)?,
                        school_level: level,
                        school: School { code: school_code.to_string(), name: r.get(1)? },
                        class: ClassRef { id: r.get(2)?, name: r.get(3)? },
                    })
                },
            )
            .optional()?)
        })
    }

    fn submit(&self, plan: &SubmitPlan, now: Timestamp) -> StoreResult<Vec<Application>> {
        self.write(|tx| {
            if !plan.legacy_import {
                check_submission(tx, plan, None)?;
            }
            store_signature(tx, &plan.signature)?;
            let batch_id = uuid::Uuid::new_v4().to_string();
            let mut apps = Vec::new();
            for ps in &plan.students {
                let mut app = shared::new_application(plan, ps, &batch_id, now);
                let auto = ps.registry == crate::registry::RegistryOutcome::Passed && {
                    let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
                    auto_approve(&mut app, bound, now)
                };
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
            let Some((mut app, _, _, owner)) = load_app(tx, id)? else {
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
            check_submission(tx, plan, Some(id))?;
            store_signature(tx, &plan.signature)?;
            let ps = plan.students.first().ok_or_else(|| internal("resubmission without a student"))?;
            let old_email = app.parent.email.to_lowercase();
            shared::resubmit(&mut app, plan, ps, now)?;
            let auto = ps.registry == crate::registry::RegistryOutcome::Passed && {
                let bound = bound_accounts(tx, &app.student.id_number, &app.parent.id_number)?;
                auto_approve(&mut app, bound, now)
            };
            save_app(tx, &mut app, &owner, now)?;
            if auto {
                ensure_account_and_notify(tx, &app, now)?;
            }
            refresh_related(
                tx,
                std::slice::from_ref(&app.student.id_number),
                &[old_email, app.parent.email.to_lowercase()],
                now,
            )?;
            Ok(app)
        })
    }

    fn parent_applications(&self, owner: &str) -> StoreResult<Vec<Application>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT body FROM applications WHERE owner = ?1 OR parent_email = ?1 ORDER BY change_seq",
            )?;
            let bodies =
                st.query_map([owner], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(bodies.iter().map(|b| serde_json::from_str(b)).collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn cancel(&self, owner: &str, id: Option<&str>, now: Timestamp) -> StoreResult<u32> {
        self.write(|tx| {
            let ids: Vec<String> = match id {
                Some(id) => {
                    let Some((app, _, _, app_owner)) = load_app(tx, id)? else {
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
                None => {
                    let mut st = tx.prepare_cached(&format!(
                        "SELECT id FROM applications WHERE (owner = ?1 OR parent_email = ?1) AND status IN {}",
                        open_statuses()
                    ))?;
                    st.query_map([owner], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?
                }
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
