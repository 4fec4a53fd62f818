//! Staff accounts and their login attempts.

use super::*;
use binddesk_domain::throttle::{LoginState, STAFF_LOGIN};

fn staff_record(c: &mut Client, where_clause: &str, key: &str) -> StoreResult<Option<StaffRecord>> {
    let row = c.query_opt(
        &format!(
            "SELECT s.id, s.username, s.name, s.role, s.school_code, sc.name, s.password_hash
             FROM staff s JOIN schools sc ON sc.code = s.school_code WHERE {where_clause} = $1"
        ),
        &[&key],
    )?;
    let Some(r) = row else { return Ok(None) };
    let (id, username, name, role, school_code, school_name, hash): (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    ) = (
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
    );
    let role = Role::from_wire(&role).ok_or_else(|| internal("unknown role in store"))?;
    let rows = if role == Role::Admin {
        c.query("SELECT id, name FROM classes WHERE school_code = $1 ORDER BY name", &[&school_code])?
    } else {
        c.query(
            "SELECT c.id, c.name FROM staff_classes x JOIN classes c ON c.id = x.class_id
             WHERE x.staff_id = $1 ORDER BY c.name",
            &[&id],
        )?
    };
    let classes = rows
        .iter()
        .map(|r| Ok(ClassRef { id: r.try_get(0)?, name: r.try_get(1)? }))
        .collect::<Result<Vec<_>, postgres::Error>>()?;
    Ok(Some(StaffRecord {
        staff: Staff { id, name, role, school: School { code: school_code, name: school_name }, classes },
        username,
        password_hash: hash,
    }))
}

impl StaffRepo for PgStore {
    fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.username", username))
    }

    fn staff_by_id(&self, id: &str) -> StoreResult<Option<StaffRecord>> {
        self.read(|c| staff_record(c, "s.id", id))
    }

    fn begin_login(&self, username: &str, now: i64) -> StoreResult<binddesk_domain::throttle::Attempt> {
        self.write(|tx| {
            // The row is locked for the transaction: attempts on two instances count one
            // after the other.
            tx.execute(
                "INSERT INTO login_attempts (username, failures, updated_at) VALUES ($1, 0, $2)
                 ON CONFLICT (username) DO NOTHING",
                &[&username, &now],
            )?;
            let r = tx.query_one(
                "SELECT failures, locked_until FROM login_attempts WHERE username = $1 FOR UPDATE",
                &[&username],
            )?;
            let failures: i64 = r.try_get(0)?;
            let state = LoginState { failures: failures.clamp(0, i64::from(u32::MAX)) as u32, locked_until: r.try_get(1)? };
            let (attempt, next) = STAFF_LOGIN.begin(state, now);
            tx.execute(
                "UPDATE login_attempts SET failures = $2, locked_until = $3, updated_at = $4 WHERE username = $1",
                &[&username, &i64::from(next.failures), &next.locked_until, &now],
            )?;
            Ok(attempt)
        })
    }

    fn end_login(&self, username: &str, number: u32, ok: bool, now: i64) -> StoreResult<()> {
        self.write(|tx| {
            if ok {
                tx.execute("DELETE FROM login_attempts WHERE username = $1", &[&username])?;
            } else if let Some(until) = STAFF_LOGIN.lock_after_failure(number, now) {
                tx.execute(
                    "UPDATE login_attempts SET locked_until = GREATEST(COALESCE(locked_until, 0), $2), updated_at = $3
                     WHERE username = $1",
                    &[&username, &until, &now],
                )?;
            }
            Ok(())
        })
    }

    fn import_staff(&self, rows: &[StaffRow]) -> StoreResult<usize> {
        self.write(|tx| {
            for r in rows {
                let id: Option<String> =
                    tx.query_opt("SELECT id FROM staff WHERE username = $1", &[&r.username])?.map(|x| x.get(0));
                let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                tx.execute(
                    "INSERT INTO staff (id, username, name, role, school_code, password_hash) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,
                         school_code = excluded.school_code, password_hash = excluded.password_hash",
                    &[&id, &r.username, &r.name, &r.role.as_str(), &r.school_code, &r.password_hash],
                )?;
                tx.execute("DELETE FROM staff_classes WHERE staff_id = $1", &[&id])?;
                tx.execute("DELETE FROM sessions WHERE kind = 'staff' AND subject = $1", &[&id])?;
                for c in &r.class_ids {
                    tx.execute("INSERT INTO staff_classes (staff_id, class_id) VALUES ($1, $2)", &[&id, c])?;
                }
            }
            Ok(rows.len())
        })
    }
}
