//! Staff accounts and their login attempts.

use super::*;
use binddesk_domain::throttle::{LoginState, STAFF_LOGIN};
use rusqlite::{Connection, OptionalExtension, params};

fn staff_record(conn: &Connection, where_clause: &str, key: &str) -> StoreResult<Option<StaffRecord>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT s.id, s.username, s.name, s.role, s.school_code, sc.name, s.password_hash
                 FROM staff s JOIN schools sc ON sc.code = s.school_code WHERE {where_clause} = ?1"
            ),
            [key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((id, username, name, role, school_code, school_name, hash)) = row else {
        return Ok(None);
    };
    let role = Role::from_wire(&role).ok_or_else(|| internal("unknown role in store"))?;
    let classes = if role == Role::Admin {
        let mut st =
            conn.prepare_cached("SELECT id, name FROM classes WHERE school_code = ?1 ORDER BY name")?;
        st.query_map([&school_code], |r| Ok(ClassRef { id: r.get(0)?, name: r.get(1)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    } else {
        let mut st = conn.prepare_cached(
            "SELECT c.id, c.name FROM staff_classes x JOIN classes c ON c.id = x.class_id
             WHERE x.staff_id = ?1 ORDER BY c.name",
        )?;
        st.query_map([&id], |r| Ok(ClassRef { id: r.get(0)?, name: r.get(1)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?
    };
    Ok(Some(StaffRecord {
        staff: Staff { id, name, role, school: School { code: school_code, name: school_name }, classes },
        username,
        password_hash: hash,
    }))
}

impl StaffRepo for SqliteStore {
    fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.username", username))
    }

    fn staff_by_id(&self, id: &str) -> StoreResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.id", id))
    }

    fn begin_login(&self, username: &str, now: i64) -> StoreResult<binddesk_domain::throttle::Attempt> {
        self.write(|tx| {
            let state = tx
                .query_row("SELECT failures, locked_until FROM login_attempts WHERE username = ?1", [username], |r| {
                    Ok(LoginState { failures: r.get(0)?, locked_until: r.get(1)? })
                })
                .optional()?
                .unwrap_or_default();
            let (attempt, next) = STAFF_LOGIN.begin(state, now);
            tx.execute(
                "INSERT INTO login_attempts (username, failures, locked_until, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
                     updated_at = excluded.updated_at",
                params![username, next.failures, next.locked_until, now],
            )?;
            Ok(attempt)
        })
    }

    fn end_login(&self, username: &str, number: u32, ok: bool, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            if ok {
                tx.execute("DELETE FROM login_attempts WHERE username = ?1", [username])?;
            } else if let Some(until) = STAFF_LOGIN.lock_after_failure(number, now) {
                tx.execute(
                    "UPDATE login_attempts SET locked_until = MAX(COALESCE(locked_until, 0), ?2), updated_at = ?3
                     WHERE username = ?1",
                    params![username, until, now],
                )?;
            }
            Ok(())
        })
    }

    fn import_staff(&self, rows: &[StaffRow]) -> StoreResult<usize> {
        self.write(|tx| {
            for r in rows {
                let id: Option<String> =
                    tx.query_row("SELECT id FROM staff WHERE username = ?1", [&r.username], |x| x.get(0)).optional()?;
                let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                tx.execute(
                    "INSERT INTO staff (id, username, name, role, school_code, password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role,
                         school_code = excluded.school_code, password_hash = excluded.password_hash",
                    params![id, r.username, r.name, r.role.as_str(), r.school_code, r.password_hash],
                )?;
                tx.execute("DELETE FROM staff_classes WHERE staff_id = ?1", [&id])?;
                tx.execute("DELETE FROM sessions WHERE kind = 'staff' AND subject = ?1", [&id])?;
                for c in &r.class_ids {
                    tx.execute("INSERT INTO staff_classes (staff_id, class_id) VALUES (?1, ?2)", params![id, c])?;
                }
            }
            Ok(rows.len())
        })
    }
}
