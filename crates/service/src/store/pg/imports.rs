//! Loading rosters and registry facts; the store's liveness.

use super::*;

impl ImportRepo for PgStore {
    fn import_roster(&self, rows: &[RosterRow]) -> StoreResult<usize> {
        self.write(|tx| {
            for r in rows {
                tx.execute(
                    "INSERT INTO schools (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                    &[&r.school_code, &r.school_name],
                )?;
                tx.execute(
                    "INSERT INTO classes (id, school_code, name, school_level) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, school_level = excluded.school_level",
                    &[&r.class_id, &r.school_code, &r.class_name, &r.school_level.as_str()],
                )?;
                tx.execute(
                    "INSERT INTO students (id_number, school_code, school_level, class_id, name) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id_number, school_code) DO UPDATE SET school_level = excluded.school_level,
                         class_id = excluded.class_id, name = excluded.name",
                    &[&r.student_id, &r.school_code, &r.school_level.as_str(), &r.class_id, &r.student_name],
                )?;
            }
            Ok(rows.len())
        })
    }

    fn import_registry(&self, residents: &[String], links: &[(String, String)]) -> StoreResult<()> {
        self.write(|tx| {
            for r in residents {
                tx.execute(
                    "INSERT INTO registry_residents (id_number) VALUES ($1) ON CONFLICT DO NOTHING",
                    &[r],
                )?;
            }
            for (p, c) in links {
                tx.execute(
                    "INSERT INTO registry_links (parent_id, child_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[p, c],
                )?;
            }
            Ok(())
        })
    }

    fn is_empty(&self) -> StoreResult<bool> {
        self.read(|c| {
            Ok(c.query_one(
                "SELECT NOT EXISTS(SELECT 1 FROM staff) AND NOT EXISTS(SELECT 1 FROM applications)",
                &[],
            )?
            .try_get(0)?)
        })
    }

    fn ping(&self) -> StoreResult<()> {
        self.read(|c| Ok(c.query_one("SELECT 1", &[]).map(|_| ())?))
    }
}
