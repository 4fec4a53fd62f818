//! Sessions of staff and parents, and the purge of what has expired.

use super::*;

impl SessionRepo for PgStore {
    fn insert_session(&self, token_hash: &str, subject: &SessionSubject, expires_at: i64) -> StoreResult<()> {
        let (kind, who, email) = match subject {
            SessionSubject::Staff(id) => ("staff", id, None),
            SessionSubject::Parent { owner, email } => ("parent", owner, email.as_deref()),
        };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sessions (token_hash, kind, subject, expires_at, email) VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &kind, who, &expires_at, &email],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<SessionSubject>> {
        self.read(|c| {
            let row = c.query_opt(
                "SELECT kind, subject, email FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                &[&token_hash, &now],
            )?;
            let Some(r) = row else { return Ok(None) };
            let (kind, subject, email): (String, String, Option<String>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            Ok(Some(if kind == "staff" {
                SessionSubject::Staff(subject)
            } else {
                SessionSubject::Parent { owner: subject, email }
            }))
        })
    }

    fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
            Ok(())
        })
    }

    fn set_session_email(&self, token_hash: &str, email: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET email = $2 WHERE token_hash = $1 AND kind = 'parent'",
                &[&token_hash, &email],
            )?;
            Ok(())
        })
    }

    fn purge_expired(&self, now: i64) -> StoreResult<usize> {
        let window = binddesk_domain::throttle::codes::WINDOW_SECS;
        self.write(|tx| {
            let mut n = tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
            // Codes are kept for one window after they were made: the phone limit counts them.
            n += tx.execute("DELETE FROM codes WHERE created_at < $1", &[&(now - window)])?;
            n += tx.execute("DELETE FROM throttle WHERE start < $1", &[&(now - window)])?;
            n += tx.execute(
                "DELETE FROM login_attempts WHERE COALESCE(locked_until, 0) < $1 AND updated_at < $2",
                &[&now, &(now - 86_400)],
            )?;
            Ok(n as usize)
        })
    }
}
