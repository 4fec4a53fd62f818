//! The list's in-memory index: the few columns the list filters and sorts on, for every
//! cached application, so a filter or a search over 20,000 applications is a scan of a
//! few megabytes in memory instead of a table scan through SQLCipher's page decoding.
//!
//! The index is built from the cache on first use and patched row by row after small
//! writes (a decision, an undo, an answer); a large write (a feed page, a purge) drops it
//! and the next query rebuilds it. SQLite stays the only place anything is stored.

use super::CacheError;
use crate::views::{ListQuery, SortKey};
use binddesk_domain::{Flag, Status};
use rusqlite::{Connection, params};
use std::collections::HashMap;

/// Above this many changed rows, a write drops the index instead of patching it.
pub const PATCH_LIMIT: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct IndexRow {
    pub id: String,
    pub status: Status,
    pub class_id: String,
    pub flags: u16,
    pub search: String,
    pub submitted_at: String,
    pub updated_at: String,
    pub student_name: String,
    pub queued: bool,
}

#[derive(Debug, Default)]
pub(crate) struct ListIndex {
    rows: Vec<IndexRow>,
    position: HashMap<String, usize>,
    pub class_names: HashMap<String, String>,
}

const COLUMNS: &str = "a.id, a.local_status, a.class_id, a.flags, a.search, a.submitted_at, a.updated_at,
     a.student_name, EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = a.id)";

fn flag_bits(flags: &str) -> u16 {
    flags
        .split_whitespace()
        .filter_map(Flag::from_wire)
        .filter_map(|f| Flag::ALL.iter().position(|x| *x == f))
        .fold(0, |acc, i| acc | (1 << i))
}

fn flag_bit(f: Flag) -> u16 {
    Flag::ALL.iter().position(|x| *x == f).map(|i| 1 << i).unwrap_or(0)
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(IndexRow, String)> {
    let status: String = r.get(1)?;
    let status = Status::from_wire(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("a status {status}").into(),
        )
    })?;
    let flags: String = r.get(3)?;
    let class_id: String = r.get(2)?;
    Ok((
        IndexRow {
            id: r.get(0)?,
            status,
            class_id: class_id.clone(),
            flags: flag_bits(&flags),
            search: r.get(4)?,
            submitted_at: r.get(5)?,
            updated_at: r.get(6)?,
            student_name: r.get(7)?,
            queued: r.get(8)?,
        },
        class_id,
    ))
}

impl ListIndex {
    /// Reads every application's list columns.
    pub fn build(conn: &Connection) -> Result<ListIndex, CacheError> {
        let mut idx = ListIndex::default();
        let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM applications a"))?;
        let rows = st.query_map([], read_row)?;
        for row in rows {
            let (row, _) = row?;
            idx.position.insert(row.id.clone(), idx.rows.len());
            idx.rows.push(row);
        }
        idx.load_class_names(conn)?;
        Ok(idx)
    }

    fn load_class_names(&mut self, conn: &Connection) -> Result<(), CacheError> {
        let mut st = conn.prepare(
            "SELECT class_id, json_extract(min(summary), '$.class_name') FROM applications GROUP BY class_id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        for row in rows {
            let (id, name) = row?;
            self.class_names.insert(id, name.unwrap_or_default());
        }
        Ok(())
    }

    /// Re-reads some rows after a small write (a row gone from the cache is removed).
    pub fn patch(&mut self, conn: &Connection, ids: &[String]) -> Result<(), CacheError> {
        let mut st = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM applications a WHERE a.id = ?1"))?;
        let mut new_class = false;
        for id in ids {
            let mut rows = st.query(params![id])?;
            match rows.next()? {
                Some(r) => {
                    let (row, class_id) = read_row(r)?;
                    new_class |= !self.class_names.contains_key(&class_id);
                    match self.position.get(id) {
                        Some(&i) => self.rows[i] = row,
                        None => {
                            self.position.insert(id.clone(), self.rows.len());
                            self.rows.push(row);
                        }
                    }
                }
                None => {
                    if let Some(i) = self.position.remove(id) {
                        self.rows.swap_remove(i);
                        if let Some(moved) = self.rows.get(i) {
                            self.position.insert(moved.id.clone(), i);
                        }
                    }
                }
            }
        }
        if new_class {
            self.load_class_names(conn)?;
        }
        Ok(())
    }

    /// The rows matching a query, sorted; the caller pages through them.
    pub fn matching(&self, q: &ListQuery) -> Vec<&IndexRow> {
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase);
        let flag = q.flag.map(flag_bit);
        let mut out: Vec<&IndexRow> = self
            .rows
            .iter()
            .filter(|r| q.status.is_none_or(|s| r.status == s))
            .filter(|r| q.class_id.as_deref().is_none_or(|c| r.class_id == c))
            .filter(|r| flag.is_none_or(|b| r.flags & b != 0))
            .filter(|r| !q.queued_only || r.queued)
            .filter(|r| text.as_deref().is_none_or(|t| r.search.contains(t)))
            .collect();
        match q.sort {
            SortKey::SubmittedAsc => {
                out.sort_unstable_by(|a, b| (&a.submitted_at, &a.id).cmp(&(&b.submitted_at, &b.id)))
            }
            SortKey::SubmittedDesc => {
                out.sort_unstable_by(|a, b| (&b.submitted_at, &a.id).cmp(&(&a.submitted_at, &b.id)))
            }
            SortKey::UpdatedDesc => {
                out.sort_unstable_by(|a, b| (&b.updated_at, &a.id).cmp(&(&a.updated_at, &b.id)))
            }
            SortKey::StudentName => out.sort_unstable_by(|a, b| {
                (&a.student_name, &a.submitted_at, &a.id).cmp(&(&b.student_name, &b.submitted_at, &b.id))
            }),
            SortKey::Class => out.sort_unstable_by(|a, b| {
                (&a.class_id, &a.submitted_at, &a.id).cmp(&(&b.class_id, &b.submitted_at, &b.id))
            }),
        }
        out
    }

    /// Counts per (class, status).
    pub fn counts(&self) -> Vec<(String, Status, u32)> {
        let mut m: HashMap<(&str, Status), u32> = HashMap::new();
        for r in &self.rows {
            *m.entry((r.class_id.as_str(), r.status)).or_default() += 1;
        }
        let mut out: Vec<(String, Status, u32)> =
            m.into_iter().map(|((c, s), n)| (c.to_string(), s, n)).collect();
        out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out
    }
}
