//! The audit of full-value reveals, kept in the cache and reported to the service.

use super::*;

impl Cache {
    /// Records that full values were shown.
    pub fn record_reveal(
        &self,
        username: &str,
        application_id: &str,
        fields: &[&str],
        now: Timestamp,
    ) -> Result<(), CacheError> {
        self.conn.execute(
            "INSERT INTO reveal_audit(at, username, application_id, fields, reveal_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ts(now), username, application_id, fields.join(","), uuid::Uuid::new_v4().to_string()],
        )?;
        Ok(())
    }

    /// Reveals not yet reported to the service, oldest first (at most `limit`).
    pub fn unsent_reveals(&self, limit: u32) -> Result<Vec<binddesk_domain::api::RevealItem>, CacheError> {
        let mut st = self.conn.prepare(
            "SELECT reveal_id, application_id, fields, at FROM reveal_audit WHERE sent_at IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            Ok(binddesk_domain::api::RevealItem {
                reveal_id: r.get(0)?,
                application_id: r.get(1)?,
                field: r.get(2)?,
                at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks reveals as reported.
    pub fn mark_reveals_sent(&self, ids: &[String], now: Timestamp) -> Result<(), CacheError> {
        let mut st = self.conn.prepare("UPDATE reveal_audit SET sent_at = ?2 WHERE reveal_id = ?1")?;
        for id in ids {
            st.execute(params![id, ts(now)])?;
        }
        Ok(())
    }

    /// The reveal audit, newest first: (at, username, application id, fields).
    pub fn reveal_audit(&self) -> Result<Vec<(String, String, String, String)>, CacheError> {
        let mut st = self
            .conn
            .prepare("SELECT at, username, application_id, fields FROM reveal_audit ORDER BY id DESC")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
