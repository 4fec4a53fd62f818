//! The civil registry: retries of unavailable checks, the built-in registry's facts, and
//! settings.

use super::*;
use rusqlite::{OptionalExtension, params};

impl RegistryRepo for SqliteStore {
    fn claim_registry_retries(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String, String)>> {
        self.write(|tx| {
            let mut st = tx.prepare_cached(
                "UPDATE applications SET registry_claimed_until = ?2 WHERE id IN (
                     SELECT id FROM applications WHERE registry_result = 'unavailable' AND status = 'pending'
                     AND COALESCE(registry_claimed_until, 0) < ?3 LIMIT ?1)
                 RETURNING id, parent_id, student_id",
            )?;
            Ok(st
                .query_map(params![limit, now + lease_secs, now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn apply_registry_result(&self, id: &str, outcome: &RegistryOutcome, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            let Some((mut app, _, _, owner)) = load_app(tx, id)? else { return Ok(()) };
            let bound = |a: &Application| bound_accounts(tx, &a.student.id_number, &a.parent.id_number);
            let Some(auto) = shared::registry_answer(&mut app, outcome, bound, now)? else { return Ok(()) };
            save_app(tx, &mut app, &owner, now)?;
            if auto {
                ensure_account_and_notify(tx, &app, now)?;
                refresh_related(tx, std::slice::from_ref(&app.student.id_number), &[], now)?;
            }
            Ok(())
        })
    }

    fn registry_facts(&self, parent_id: &str, child_id: &str) -> StoreResult<(bool, bool, bool)> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS(SELECT 1 FROM registry_residents WHERE id_number = ?1),
                        EXISTS(SELECT 1 FROM registry_residents WHERE id_number = ?2),
                        EXISTS(SELECT 1 FROM registry_links WHERE parent_id = ?1 AND child_id = ?2)",
                params![parent_id, child_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
    }

    fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }
}
