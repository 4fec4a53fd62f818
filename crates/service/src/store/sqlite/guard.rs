//! The SQLite side of the guards against guessing (logins, codes, per-client counts),
//! of purging what has expired, and of the reveal audit. Each function runs inside the
//! caller's write transaction, so a count is taken and checked in one step: concurrent
//! attempts are each counted, and every instance on one database shares the counts.

use super::super::{CodeCheck, CodeLimits, CodeRefused, RevealRecord, Scope, StoreResult};
use binddesk_domain::throttle::{Attempt, LoginState, STAFF_LOGIN, Window, codes};
use rusqlite::{Connection, OptionalExtension, params};

/// The counter of `bucket`/`key` at `now` (empty when there is none).
fn window(tx: &Connection, bucket: &str, key: &str) -> StoreResult<Window> {
    Ok(tx
        .query_row(
            "SELECT start, count FROM throttle WHERE bucket = ?1 AND key = ?2",
            params![bucket, key],
            |r| Ok(Window { start: r.get(0)?, count: r.get(1)? }),
        )
        .optional()?
        .unwrap_or_default())
}

/// Counts one event in `bucket`/`key` and returns the counter after it.
fn hit(tx: &Connection, bucket: &str, key: &str, now: i64) -> StoreResult<Window> {
    let w = window(tx, bucket, key)?.hit(now, codes::WINDOW_SECS);
    tx.execute(
        "INSERT INTO throttle (bucket, key, start, count) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(bucket, key) DO UPDATE SET start = excluded.start, count = excluded.count",
        params![bucket, key, w.start, w.count],
    )?;
    Ok(w)
}

pub(super) fn begin_login(tx: &Connection, username: &str, now: i64) -> StoreResult<Attempt> {
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
}

pub(super) fn end_login(tx: &Connection, username: &str, number: u32, ok: bool, now: i64) -> StoreResult<()> {
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
}

pub(super) fn put_code(
    tx: &Connection,
    address: &str,
    channel: &str,
    code_hash: &str,
    client: &str,
    limits: &CodeLimits,
    now: i64,
) -> StoreResult<Result<(), CodeRefused>> {
    let client_w = hit(tx, "client_codes", client, now)?;
    if client_w.count > limits.client_codes {
        return Ok(Err(CodeRefused::ClientLimit(client_w.retry_after(now, codes::WINDOW_SECS))));
    }
    let last: Option<i64> =
        tx.query_row("SELECT MAX(created_at) FROM codes WHERE address = ?1", [address], |r| r.get(0))?;
    if let Some(last) = last.filter(|l| now < l + limits.resend_secs) {
        return Ok(Err(CodeRefused::Cooldown((last + limits.resend_secs - now).max(1) as u64)));
    }
    if let Some(max) = limits.per_window {
        let mut st = tx.prepare_cached(
            "SELECT created_at FROM codes WHERE address = ?1 AND created_at > ?2 ORDER BY created_at",
        )?;
        let recent = st
            .query_map(params![address, now - codes::WINDOW_SECS], |r| r.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if recent.len() >= max as usize {
            let oldest = recent.first().copied().unwrap_or(now);
            return Ok(Err(CodeRefused::AddressLimit((oldest + codes::WINDOW_SECS - now).max(1) as u64)));
        }
    }
    // One live code per address: a new one replaces the one that may still be on its way.
    tx.execute(
        "UPDATE codes SET used_at = ?2 WHERE address = ?1 AND used_at IS NULL",
        params![address, now],
    )?;
    tx.execute(
        "INSERT INTO codes (address, channel, code_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![address, channel, code_hash, now, now + codes::LIFETIME_SECS],
    )?;
    Ok(Ok(()))
}

pub(super) fn take_code(
    tx: &Connection,
    address: &str,
    code_hash: &str,
    client: &str,
    limits: &CodeLimits,
    now: i64,
) -> StoreResult<CodeCheck> {
    let secs = codes::WINDOW_SECS;
    let by_client = window(tx, "client_tries", client)?;
    if by_client.current(now, secs) >= limits.client_tries {
        return Ok(CodeCheck::TooManyTries(by_client.retry_after(now, secs)));
    }
    let by_address = window(tx, "address_tries", address)?;
    if by_address.current(now, secs) >= codes::TRIES_PER_ADDRESS {
        return Ok(CodeCheck::TooManyTries(by_address.retry_after(now, secs)));
    }
    let live: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, code_hash FROM codes WHERE address = ?1 AND used_at IS NULL AND expires_at > ?2
             AND attempts < ?3 ORDER BY created_at DESC LIMIT 1",
            params![address, now, codes::TRIES_PER_CODE],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match live {
        Some((id, hash)) if hash == code_hash => {
            tx.execute("UPDATE codes SET used_at = ?2 WHERE id = ?1", params![id, now])?;
            Ok(CodeCheck::Valid)
        }
        other => {
            if let Some((id, _)) = other {
                tx.execute("UPDATE codes SET attempts = attempts + 1 WHERE id = ?1", [id])?;
            }
            hit(tx, "address_tries", address, now)?;
            hit(tx, "client_tries", client, now)?;
            Ok(CodeCheck::Wrong)
        }
    }
}

pub(super) fn purge_expired(tx: &Connection, now: i64) -> StoreResult<usize> {
    let mut n = tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
    // Codes are kept for one window after they were made: the phone limit counts them.
    n += tx.execute("DELETE FROM codes WHERE created_at < ?1", [now - codes::WINDOW_SECS])?;
    n += tx.execute("DELETE FROM throttle WHERE start < ?1", [now - codes::WINDOW_SECS])?;
    n += tx.execute(
        "DELETE FROM login_attempts WHERE COALESCE(locked_until, 0) < ?1 AND updated_at < ?2",
        params![now, now - 86_400],
    )?;
    Ok(n)
}

pub(super) fn record_reveals(
    tx: &Connection,
    staff_id: &str,
    scope: &Scope,
    reveals: &[RevealRecord],
    now: &str,
) -> StoreResult<u32> {
    let mut new = 0;
    for r in reveals {
        let place: Option<(String, String)> = tx
            .query_row(
                "SELECT school_code, class_id FROM applications WHERE id = ?1",
                [&r.application_id],
                |x| Ok((x.get(0)?, x.get(1)?)),
            )
            .optional()?;
        let Some((school, _)) = place.filter(|(s, c)| scope.contains(s, c)) else { continue };
        new += tx.execute(
            "INSERT OR IGNORE INTO reveals (staff_id, reveal_id, application_id, school_code, field, at, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![staff_id, r.reveal_id, r.application_id, school, r.field, r.at, now],
        )? as u32;
    }
    Ok(new)
}

pub(super) fn reveals(
    conn: &Connection,
    scope: &Scope,
    application_id: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<RevealRecord>> {
    let mut st = conn.prepare_cached(
        "SELECT r.reveal_id, r.application_id, r.field, r.at, r.staff_id, a.school_code, a.class_id
         FROM reveals r JOIN applications a ON a.id = r.application_id
         WHERE r.school_code = ?1 AND (?2 IS NULL OR r.application_id = ?2)
         ORDER BY r.at DESC LIMIT ?3",
    )?;
    let rows = st
        .query_map(params![scope.school_code, application_id, limit], |r| {
            Ok((
                RevealRecord {
                    reveal_id: r.get(0)?,
                    application_id: r.get(1)?,
                    field: r.get(2)?,
                    at: r.get(3)?,
                    staff_id: r.get(4)?,
                },
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().filter(|(_, s, c)| scope.contains(s, c)).map(|(r, _, _)| r).collect())
}
