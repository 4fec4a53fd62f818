//! The mail outbox and the first passwords of new parent accounts.

use super::*;

fn mail_of(r: &postgres::Row) -> Result<OutboxMail, postgres::Error> {
    Ok(OutboxMail {
        id: r.try_get(0)?,
        channel: r.try_get(1)?,
        to: r.try_get(2)?,
        kind: r.try_get(3)?,
        subject: r.try_get(4)?,
        body: r.try_get(5)?,
        created_at: r.try_get(6)?,
        sent_at: r.try_get(7)?,
    })
}

impl OutboxRepo for PgStore {
    fn queue(&self, message: &mail::Message, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| queue_mail(tx, message, now))
    }

    fn outbox(&self, limit: u32, unsent_only: bool) -> StoreResult<Vec<OutboxMail>> {
        self.read(|c| {
            let sql = if unsent_only {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT $1"
            } else {
                "SELECT id, channel, to_address, kind, subject, body, created_at, sent_at FROM mail_outbox
                 ORDER BY id DESC LIMIT $1"
            };
            Ok(c.query(sql, &[&i64::from(limit)])?.iter().map(mail_of).collect::<Result<_, _>>()?)
        })
    }

    fn claim_mail(&self, limit: u32, now: i64, lease_secs: i64) -> StoreResult<Vec<OutboxMail>> {
        self.write(|tx| {
            // Rows another instance holds are skipped, not waited for; a claim that was
            // not settled in time (its instance died) is taken again after the lease.
            Ok(tx
                .query(
                    "UPDATE mail_outbox SET claimed_until = $2 WHERE id IN (
                         SELECT id FROM mail_outbox
                         WHERE sent_at IS NULL AND attempts < 10 AND COALESCE(claimed_until, 0) < $3
                         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                     RETURNING id, channel, to_address, kind, subject, body, created_at, sent_at",
                    &[&i64::from(limit), &(now + lease_secs), &now],
                )?
                .iter()
                .map(mail_of)
                .collect::<Result<_, _>>()?)
        })
    }

    fn mark_mail(&self, id: i64, result: Result<(), String>, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            match &result {
                Ok(()) => tx.execute(
                    "UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL, claimed_until = NULL
                     WHERE id = $1",
                    &[&id, &now.to_rfc3339()],
                )?,
                Err(e) => tx.execute(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, claimed_until = NULL WHERE id = $1",
                    &[&id, e],
                )?,
            };
            Ok(())
        })
    }

    fn claim_accounts_without_password(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String)>> {
        // Claimed for the lease: another instance does not hash the same account's first
        // password meanwhile (argon2 takes a while).
        self.write(|tx| {
            Ok(tx
                .query(
                    "UPDATE parent_accounts SET claimed_until = $2 WHERE email IN (
                         SELECT email FROM parent_accounts
                         WHERE password_hash IS NULL AND COALESCE(claimed_until, 0) < $3
                         ORDER BY email LIMIT $1 FOR UPDATE SKIP LOCKED)
                     RETURNING email, parent_id",
                    &[&i64::from(limit), &(now + lease_secs), &now],
                )?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, postgres::Error>>()?)
        })
    }

    fn set_account_password(&self, email: &str, hash: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE parent_accounts SET password_hash = $2 WHERE email = $1 AND password_hash IS NULL",
                &[&email, &hash],
            )?;
            Ok(())
        })
    }
}
