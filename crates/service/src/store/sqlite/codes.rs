//! Verification codes and the counters that limit them. Each count is taken and checked
//! in the caller's write transaction, so concurrent attempts are each counted, and every
//! instance on one database shares the counts.

use super::*;
use binddesk_domain::throttle::{Window, codes};
use rusqlite::{Connection, OptionalExtension, params};

/// The counter of `bucket`/`key` (empty when there is none).
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
    save_window(tx, bucket, key, w)?;
    Ok(w)
}

/// Stores a counter.
fn save_window(tx: &Connection, bucket: &str, key: &str, w: Window) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO throttle (bucket, key, start, count) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(bucket, key) DO UPDATE SET start = excluded.start, count = excluded.count",
        params![bucket, key, w.start, w.count],
    )?;
    Ok(())
}

impl CodeRepo for SqliteStore {
    fn put_code(
        &self,
        address: &str,
        channel: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<Result<(), CodeRefused>> {
        self.write(|tx| {
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
        })
    }

    fn take_code(
        &self,
        address: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<CodeCheck> {
        self.write(|tx| {
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
                    // Both counters were read above: count on those, not on a second read.
                    save_window(tx, "address_tries", address, by_address.hit(now, secs))?;
                    save_window(tx, "client_tries", client, by_client.hit(now, secs))?;
                    Ok(CodeCheck::Wrong)
                }
            }
        })
    }
}
