//! Loading rosters and registry facts; the store's liveness.

use super::*;
use binddesk_domain::rules::roster::{Change, Placement, RosterPlan, follow_child};
use rusqlite::{Connection, params};

const PLACEMENT: &str = "SELECT s.id_number, s.school_code, s.class_id, c.name, s.school_level, s.name
     FROM students s JOIN classes c ON c.id = s.class_id";

fn placement(r: &rusqlite::Row) -> rusqlite::Result<(String, Placement)> {
    let level: String = r.get(4)?;
    let school_level = SchoolLevel::from_wire(&level).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            4,
            rusqlite::types::Type::Text,
            "unknown school_level".into(),
        )
    })?;
    Ok((
        r.get(0)?,
        Placement {
            school_code: r.get(1)?,
            class_id: r.get(2)?,
            class_name: r.get(3)?,
            school_level,
            name: r.get(5)?,
        },
    ))
}

/// The stored placements of the file's schools' students and of the file's students.
fn current_placements(tx: &Connection, rows: &[RosterRow]) -> StoreResult<Vec<(String, Placement)>> {
    let mut out = Vec::new();
    let mut schools: Vec<&str> = rows.iter().map(|r| r.school_code.as_str()).collect();
    schools.sort_unstable();
    schools.dedup();
    let mut by_school = tx.prepare_cached(&format!("{PLACEMENT} WHERE s.school_code = ?1"))?;
    for school in &schools {
        out.extend(by_school.query_map([school], placement)?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    let mut by_student = tx.prepare_cached(&format!("{PLACEMENT} WHERE s.id_number = ?1"))?;
    for r in rows {
        for p in by_student.query_map([&r.student_id], placement)? {
            let p = p?;
            if !schools.contains(&p.1.school_code.as_str()) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Moves the student's live applications to their new place; returns how many moved.
fn follow(tx: &Connection, row: &RosterRow, write: bool, now: Timestamp) -> StoreResult<usize> {
    let ids: Vec<String> = tx
        .prepare_cached(&format!(
            "SELECT id FROM applications WHERE student_id = ?1 AND status IN {}",
            live()
        ))?
        .query_map([&row.student_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut moved = 0;
    for id in ids {
        if let Some((mut app, _, _, owner)) = load_app(tx, &id)?
            && follow_child(&mut app, &row.placement(), &row.school_name, now)
        {
            moved += 1;
            if write {
                save_app(tx, &mut app, &owner, now)?;
            }
        }
    }
    Ok(moved)
}

impl ImportRepo for SqliteStore {
    fn import_roster(
        &self,
        rows: &[RosterRow],
        mode: RosterWrite,
        now: Timestamp,
    ) -> StoreResult<RosterReport> {
        self.write(|tx| {
            let plan = RosterPlan::new(&current_placements(tx, rows)?, rows);
            let dry_run = !mode.writes(&plan, rows);
            let mut applications_moved = 0;
            for (r, change) in rows.iter().zip(&plan.changes) {
                if dry_run {
                    if matches!(change, Change::Updated | Change::Moved { .. }) {
                        applications_moved += follow(tx, r, false, now)?;
                    }
                    continue;
                }
                tx.execute(
                    "INSERT INTO schools (code, name) VALUES (?1, ?2) ON CONFLICT(code) DO UPDATE SET name = excluded.name",
                    params![r.school_code, r.school_name],
                )?;
                tx.execute(
                    "INSERT INTO classes (id, school_code, name, school_level) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, school_level = excluded.school_level",
                    params![r.class_id, r.school_code, r.class_name, r.school_level.as_str()],
                )?;
                if let Change::Moved { .. } = change {
                    // One enrolment at a time: the old school's ends.
                    tx.execute(
                        "DELETE FROM students WHERE id_number = ?1 AND school_code <> ?2",
                        params![r.student_id, r.school_code],
                    )?;
                }
                tx.execute(
                    "INSERT INTO students (id_number, school_code, school_level, class_id, name) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id_number, school_code) DO UPDATE SET school_level = excluded.school_level,
                         class_id = excluded.class_id, name = excluded.name",
                    params![r.student_id, r.school_code, r.school_level.as_str(), r.class_id, r.student_name],
                )?;
                if matches!(change, Change::Updated | Change::Moved { .. }) {
                    applications_moved += follow(tx, r, true, now)?;
                }
            }
            if !dry_run {
                for (id, school) in &plan.left {
                    tx.execute("DELETE FROM students WHERE id_number = ?1 AND school_code = ?2", params![id, school])?;
                }
            }
            Ok(RosterReport { plan, applications_moved, imported: !dry_run })
        })
    }

    fn import_registry(&self, residents: &[String], links: &[(String, String)]) -> StoreResult<()> {
        self.write(|tx| {
            for r in residents {
                tx.execute("INSERT OR IGNORE INTO registry_residents (id_number) VALUES (?1)", [r])?;
            }
            for (p, c) in links {
                tx.execute(
                    "INSERT OR IGNORE INTO registry_links (parent_id, child_id) VALUES (?1, ?2)",
                    params![p, c],
                )?;
            }
            Ok(())
        })
    }

    fn is_empty(&self) -> StoreResult<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT NOT EXISTS(SELECT 1 FROM staff) AND NOT EXISTS(SELECT 1 FROM applications)",
                [],
                |r| r.get(0),
            )?)
        })
    }

    fn ping(&self) -> StoreResult<()> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?))
    }

    fn backlog(&self) -> StoreResult<Backlog> {
        self.read(|c| {
            let (outbox, registry): (i64, i64) = c.query_row(
                "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts < 10),
                        (SELECT COUNT(*) FROM applications WHERE registry_result = 'unavailable' AND status = 'pending')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(Backlog { outbox_depth: outbox.max(0) as u64, registry_backlog: registry.max(0) as u64 })
        })
    }
}
