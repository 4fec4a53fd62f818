//! The mail outbox and the first passwords of new parent accounts.

use super::*;
use rusqlite::params;

impl OutboxRepo for SqliteStore {
    fn queue(&self, message: &mail::Message, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| queue_mail(tx, message, now))
    }

    fn outbox(&self, limit: u32, unsent_only: bool) -> StoreResult<Vec<OutboxMail>> {
        self.read(|c| {
            let sql = if unsent_only {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT ?1"
            } else {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 ORDER BY id DESC LIMIT ?1"
            };
            let mut st = c.prepare_cached(sql)?;
            Ok(st
                .query_map([limit], |r| {
                    Ok(OutboxMail {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        to: r.get(2)?,
                        kind: r.get(3)?,
                        subject: r.get(4)?,
                        body: r.get(5)?,
                        created_at: r.get(6)?,
                        sent_at: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn mark_mail(&self, id: i64, result: Result<(), String>, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            match result {
                Ok(()) => tx.execute(
                    "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL, claimed_until = NULL
                     WHERE id = ?1",
                    params![id, now.to_rfc3339()],
                )?,
                Err(e) => tx.execute(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, claimed_until = NULL WHERE id = ?1",
                    params![id, e],
                )?,
            };
            Ok(())
        })
    }

    fn claim_mail(&self, limit: u32, now: i64, lease_secs: i64) -> StoreResult<Vec<OutboxMail>> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE mail_outbox SET claimed_until = ?2 WHERE id IN (
                     SELECT id FROM mail_outbox WHERE sent_at IS NULL AND attempts < 10
                     AND COALESCE(claimed_until, 0) < ?3 ORDER BY id LIMIT ?1)
                 RETURNING id, channel, to_address, kind, subject, body, created_at, sent_at",
            )?;
            let mut out = st
                .query_map(params![limit, now + lease_secs, now], |r| {
                    Ok(OutboxMail {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        to: r.get(2)?,
                        kind: r.get(3)?,
                        subject: r.get(4)?,
                        body: r.get(5)?,
                        created_at: r.get(6)?,
                        sent_at: r.get(7)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.sort_by_key(|m| m.id);
            Ok(out)
        })
    }

    fn claim_accounts_without_password(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String)>> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE parent_accounts SET claimed_until = ?2 WHERE email IN (
                     SELECT email FROM parent_accounts WHERE password_hash IS NULL
                     AND COALESCE(claimed_until, 0) < ?3 LIMIT ?1)
                 RETURNING email, parent_id",
            )?;
            Ok(st
                .query_map(params![limit, now + lease_secs, now], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn set_account_password(&self, email: &str, hash: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE parent_accounts SET password_hash = ?2 WHERE email = ?1 AND password_hash IS NULL",
                params![email, hash],
            )?;
            Ok(())
        })
    }
}
