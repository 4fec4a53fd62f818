//! What the UI reads, from the cache only: pages of the list, counts, one application,
//! the conflicts. ID numbers and phones come out masked; [`Cache::view`] with `reveal`
//! gives the full values and records that it did.

use super::outbox::{bound_accounts, queued_from_row};
use super::{Cache, CacheError, index, mask_application, parse_ts};
use crate::views::{
    ApplicationView, Conflict, ConflictKind, ListItem, ListPage, ListQuery, QueuedDecision, RowSummary,
    StatusCount,
};
use binddesk_domain::api::{Application, Timestamp};
use binddesk_domain::{DecisionAction, Flag, Status};
use rusqlite::{OptionalExtension, params};

/// The most rows one page may hold.
pub const MAX_PAGE: u32 = 500;

impl Cache {
    fn index(&mut self) -> Result<&index::ListIndex, CacheError> {
        if self.index.is_none() {
            self.index = Some(index::ListIndex::build(&self.conn)?);
        }
        self.index.as_ref().ok_or_else(|| CacheError::Damaged("the list index".into()))
    }

    /// One page of the list, filtered and sorted, with the total that matches. Filters
    /// and sorting run on the in-memory index; only the page's rows are read from SQLite.
    pub fn list(&mut self, q: &ListQuery) -> Result<ListPage, CacheError> {
        let limit = match q.limit {
            0 => 100,
            n => n.min(MAX_PAGE),
        } as usize;
        let (total, ids) = {
            let matching = self.index()?.matching(q);
            let ids: Vec<String> =
                matching.iter().skip(q.offset as usize).take(limit).map(|r| r.id.clone()).collect();
            (matching.len() as u32, ids)
        };
        let mut st = self.conn.prepare_cached(
            "SELECT a.id, a.version, a.local_status, a.status, a.class_id, a.student_name, a.flags,
                    a.submitted_at, a.updated_at, a.summary,
                    o.decision_id, o.action, o.reason, o.expected_version, o.decided_at, o.attempts, o.last_error,
                    EXISTS (SELECT 1 FROM conflicts c WHERE c.application_id = a.id)
             FROM applications a LEFT JOIN outbox o ON o.application_id = a.id
             WHERE a.id = ?1",
        )?;
        let mut items = Vec::with_capacity(ids.len());
        for id in &ids {
            let row = st.query_row([id], |r| {
                let queued = match r.get::<_, Option<String>>(10)? {
                    None => None,
                    Some(_) => Some(queued_at(r, 10)?),
                };
                Ok(RawRow {
                    id: r.get(0)?,
                    version: r.get(1)?,
                    status: r.get(2)?,
                    server_status: r.get(3)?,
                    class_id: r.get(4)?,
                    student_name: r.get(5)?,
                    flags: r.get(6)?,
                    submitted_at: r.get(7)?,
                    updated_at: r.get(8)?,
                    summary: r.get(9)?,
                    queued,
                    has_conflict: r.get(17)?,
                })
            })?;
            items.push(row.into_item()?);
        }
        Ok(ListPage { items, total })
    }

    /// How many applications each class holds in each status (as the reviewer sees it).
    pub fn counts(&mut self) -> Result<Vec<StatusCount>, CacheError> {
        let idx = self.index()?;
        Ok(idx
            .counts()
            .into_iter()
            .map(|(class_id, status, count)| StatusCount {
                class_name: idx.class_names.get(&class_id).cloned().unwrap_or_default(),
                class_id,
                status,
                count,
            })
            .collect())
    }

    /// Ids of every application matching a query (for "select all that match" and for
    /// printing a filter), in the query's order.
    pub fn ids_matching(&mut self, q: &ListQuery) -> Result<Vec<String>, CacheError> {
        Ok(self.index()?.matching(q).into_iter().map(|r| r.id.clone()).collect())
    }

    /// One application for the detail pane: masked, or with the full values when
    /// `reveal` names who asks (recorded in the reveal audit).
    pub fn view(
        &self,
        id: &str,
        reveal: Option<&str>,
        now: Timestamp,
    ) -> Result<ApplicationView, CacheError> {
        let mut application = self.application(id)?;
        let (local_status, student_id, flags): (String, String, String) = self.conn.query_row(
            "SELECT local_status, student_id, flags FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let queued = self
            .conn
            .query_row(
                "SELECT decision_id, action, reason, expected_version, decided_at, attempts, last_error
                 FROM outbox WHERE application_id = ?1",
                [id],
                queued_from_row,
            )
            .optional()?
            .transpose()?;
        let changed_fields = application
            .previous
            .as_deref()
            .map(|p| {
                binddesk_domain::rules::changed_fields(
                    p,
                    &application.student,
                    &application.parent,
                    &application.relationship,
                    &application.signature,
                )
                .into_iter()
                .map(String::from)
                .collect()
            })
            .unwrap_or_default();
        let conflict = self.conflicts_where(Some(id))?.into_iter().next();
        let bound = bound_accounts(&self.conn, &student_id, id, &flags)?;
        let signature_cached: bool = self.conn.query_row(
            "SELECT count(*) FROM signatures WHERE sha256 = ?1",
            [&application.signature.sha256],
            |r| r.get::<_, u32>(0).map(|n| n > 0),
        )?;
        match reveal {
            Some(who) => {
                self.record_reveal(who, id, &["student.id_number", "parent.id_number", "parent.phone"], now)?
            }
            None => mask_application(&mut application),
        }
        Ok(ApplicationView {
            application,
            revealed: reveal.is_some(),
            status: status_of(&local_status)?,
            queued,
            changed_fields,
            conflict,
            bound_accounts: bound,
            signature_cached,
        })
    }

    /// Conflicts waiting for the reviewer, newest first (the service's side masked).
    pub fn conflicts(&self) -> Result<Vec<Conflict>, CacheError> {
        self.conflicts_where(None)
    }

    fn conflicts_where(&self, application_id: Option<&str>) -> Result<Vec<Conflict>, CacheError> {
        let mut st = self.conn.prepare_cached(
            "SELECT decision_id, application_id, action, reason, expected_version, decided_at, kind, code,
                    message, current_json, at
             FROM conflicts WHERE ?1 IS NULL OR application_id = ?1 ORDER BY at DESC",
        )?;
        let rows = st.query_map(params![application_id], |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ),
                (r.get::<_, u32>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?),
                (r.get::<_, String>(8)?, r.get::<_, Option<String>>(9)?, r.get::<_, String>(10)?),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                (decision_id, application_id, action, reason),
                (expected_version, decided_at, kind, code),
                (message, current, at),
            ) = row?;
            let current = match current {
                Some(json) => {
                    let mut app: Application =
                        serde_json::from_str(&json).map_err(|e| CacheError::Damaged(e.to_string()))?;
                    mask_application(&mut app);
                    Some(app)
                }
                None => None,
            };
            out.push(Conflict {
                decision_id,
                application_id,
                action: DecisionAction::from_wire(&action)
                    .ok_or_else(|| CacheError::Damaged(format!("a conflict action {action}")))?,
                reason,
                expected_version,
                decided_at: parse_ts(&decided_at)?,
                kind: ConflictKind::from_str(&kind),
                code,
                message,
                current,
                at: parse_ts(&at)?,
            });
        }
        Ok(out)
    }
}

struct RawRow {
    id: String,
    version: u32,
    status: String,
    server_status: String,
    class_id: String,
    student_name: String,
    flags: String,
    submitted_at: String,
    updated_at: String,
    summary: String,
    queued: Option<QueuedDecision>,
    has_conflict: bool,
}

impl RawRow {
    fn into_item(self) -> Result<ListItem, CacheError> {
        let s: RowSummary =
            serde_json::from_str(&self.summary).map_err(|e| CacheError::Damaged(e.to_string()))?;
        Ok(ListItem {
            id: self.id,
            version: self.version,
            status: status_of(&self.status)?,
            server_status: status_of(&self.server_status)?,
            queued: self.queued,
            has_conflict: self.has_conflict,
            class_id: self.class_id,
            class_name: s.class_name,
            school_level: s.school_level,
            student_name: self.student_name,
            student_id_masked: s.student_id_masked,
            parent_name: s.parent_name,
            parent_id_masked: s.parent_id_masked,
            relationship_title: s.relationship_title,
            registry_result: s.registry_result,
            flags: self.flags.split_whitespace().filter_map(Flag::from_wire).collect(),
            submitted_at: parse_ts(&self.submitted_at)?,
            updated_at: parse_ts(&self.updated_at)?,
        })
    }
}

fn status_of(s: &str) -> Result<Status, CacheError> {
    Status::from_wire(s).ok_or_else(|| CacheError::Damaged(format!("a status {s}")))
}

/// A queued decision from the outbox columns starting at `at`, inside a larger row.
fn queued_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<QueuedDecision> {
    let action: String = r.get(at + 1)?;
    let decided_at: String = r.get(at + 4)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, what.into())
    };
    Ok(QueuedDecision {
        decision_id: r.get(at)?,
        action: DecisionAction::from_wire(&action)
            .ok_or_else(|| bad(format!("an outbox action {action}")))?,
        reason: r.get(at + 2)?,
        expected_version: r.get(at + 3)?,
        decided_at: parse_ts(&decided_at).map_err(|e| bad(e.to_string()))?,
        attempts: r.get(at + 5)?,
        last_error: r.get(at + 6)?,
    })
}
