//! The civil registry: retries of unavailable checks, the built-in registry's facts, and
//! settings.

use super::*;

impl RegistryRepo for PgStore {
    fn claim_registry_retries(
        &self,
        limit: u32,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Vec<(String, String, String)>> {
        // Claimed for the lease: two instances never ask the registry about one
        // application at the same time.
        self.write(|tx| {
            Ok(tx
                .query(
                    "UPDATE applications SET registry_claimed_until = $2 WHERE id IN (
                         SELECT id FROM applications
                         WHERE registry_result = 'unavailable' AND status = 'pending'
                           AND COALESCE(registry_claimed_until, 0) < $3
                         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
                     RETURNING id, parent_id, student_id",
                    &[&i64::from(limit), &(now + lease_secs), &now],
                )?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                .collect::<Result<_, postgres::Error>>()?)
        })
    }

    fn apply_registry_result(&self, id: &str, outcome: &RegistryOutcome, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            // Locked: two instances retrying one application apply one answer; the
            // second finds it no longer unavailable.
            let Some((mut app, _, _, owner)) = load_app_for_update(tx, id)? else { return Ok(()) };
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
            let r = c.query_one(
                "SELECT EXISTS(SELECT 1 FROM registry_residents WHERE id_number = $1),
                        EXISTS(SELECT 1 FROM registry_residents WHERE id_number = $2),
                        EXISTS(SELECT 1 FROM registry_links WHERE parent_id = $1 AND child_id = $2)",
                &[&parent_id, &child_id],
            )?;
            Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
        })
    }

    fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        self.read(|c| {
            Ok(c.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
                .map(|r| r.try_get(0))
                .transpose()?)
        })
    }

    fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )?;
            Ok(())
        })
    }
}
