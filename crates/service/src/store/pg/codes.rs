//! Verification codes and the counters that limit them, shared by every instance: each
//! counter row is locked (`FOR UPDATE`) for the transaction that reads and updates it, so
//! attempts on two instances are counted one after the other.

use super::*;
use binddesk_domain::throttle::{Window, codes};

/// The counter of `bucket`/`key`, locked until the transaction ends (empty when new).
fn window(tx: &mut Transaction, bucket: &str, key: &str) -> StoreResult<Window> {
    tx.execute(
        "INSERT INTO throttle (bucket, key, start, count) VALUES ($1, $2, 0, 0) ON CONFLICT (bucket, key) DO NOTHING",
        &[&bucket, &key],
    )?;
    let r = tx.query_one(
        "SELECT start, count FROM throttle WHERE bucket = $1 AND key = $2 FOR UPDATE",
        &[&bucket, &key],
    )?;
    let count: i64 = r.try_get(1)?;
    Ok(Window { start: r.try_get(0)?, count: count.clamp(0, i64::from(u32::MAX)) as u32 })
}

/// Stores a counter.
fn save_window(tx: &mut Transaction, bucket: &str, key: &str, w: Window) -> StoreResult<()> {
    tx.execute(
        "UPDATE throttle SET start = $3, count = $4 WHERE bucket = $1 AND key = $2",
        &[&bucket, &key, &w.start, &i64::from(w.count)],
    )?;
    Ok(())
}

impl CodeRepo for PgStore {
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
            let client_w = window(tx, "client_codes", client)?.hit(now, codes::WINDOW_SECS);
            save_window(tx, "client_codes", client, client_w)?;
            if client_w.count > limits.client_codes {
                return Ok(Err(CodeRefused::ClientLimit(client_w.retry_after(now, codes::WINDOW_SECS))));
            }
            // The address's own counter row serialises its codes across instances.
            window(tx, "address_codes", address)?;
            let last: Option<i64> =
                tx.query_one("SELECT MAX(created_at) FROM codes WHERE address = $1", &[&address])?.try_get(0)?;
            if let Some(last) = last.filter(|l| now < l + limits.resend_secs) {
                return Ok(Err(CodeRefused::Cooldown((last + limits.resend_secs - now).max(1) as u64)));
            }
            if let Some(max) = limits.per_window {
                let recent: Vec<i64> = tx
                    .query(
                        "SELECT created_at FROM codes WHERE address = $1 AND created_at > $2 ORDER BY created_at",
                        &[&address, &(now - codes::WINDOW_SECS)],
                    )?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?;
                if recent.len() >= max as usize {
                    let oldest = recent.first().copied().unwrap_or(now);
                    return Ok(Err(CodeRefused::AddressLimit((oldest + codes::WINDOW_SECS - now).max(1) as u64)));
                }
            }
            // One live code per address: a new one replaces the one that may still be on its way.
            tx.execute("UPDATE codes SET used_at = $2 WHERE address = $1 AND used_at IS NULL", &[&address, &now])?;
            tx.execute(
                "INSERT INTO codes (address, channel, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[&address, &channel, &code_hash, &now, &(now + codes::LIFETIME_SECS)],
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
            let live = tx.query_opt(
                "SELECT id, code_hash FROM codes WHERE address = $1 AND used_at IS NULL AND expires_at > $2
                 AND attempts < $3 ORDER BY created_at DESC LIMIT 1",
                &[&address, &now, &i32::try_from(codes::TRIES_PER_CODE).unwrap_or(i32::MAX)],
            )?;
            let live: Option<(i64, String)> =
                live.map(|r| Ok::<_, postgres::Error>((r.try_get(0)?, r.try_get(1)?))).transpose()?;
            match live {
                Some((id, hash)) if hash == code_hash => {
                    tx.execute("UPDATE codes SET used_at = $2 WHERE id = $1", &[&id, &now])?;
                    Ok(CodeCheck::Valid)
                }
                other => {
                    if let Some((id, _)) = other {
                        tx.execute("UPDATE codes SET attempts = attempts + 1 WHERE id = $1", &[&id])?;
                    }
                    save_window(tx, "address_tries", address, by_address.hit(now, secs))?;
                    save_window(tx, "client_tries", client, by_client.hit(now, secs))?;
                    Ok(CodeCheck::Wrong)
                }
            }
        })
    }
}
