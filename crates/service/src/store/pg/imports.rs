//! Loading rosters and registry facts; the store's liveness.

use super::*;
use binddesk_domain::rules::roster::{Change, Placement, RosterPlan, follow_child};

const PLACEMENT: &str = "SELECT s.id_number, s.school_code, s.class_id, c.name, s.school_level, s.name
     FROM students s JOIN classes c ON c.id = s.class_id";

fn placement(r: &postgres::Row) -> StoreResult<(String, Placement)> {
    let level: String = r.try_get(4)?;
    let school_level =
        SchoolLevel::from_wire(&level).ok_or_else(|| internal("unknown school_level in store"))?;
    Ok((
        r.try_get(0)?,
        Placement {
            school_code: r.try_get(1)?,
            class_id: r.try_get(2)?,
            class_name: r.try_get(3)?,
            school_level,
            name: r.try_get(5)?,
        },
    ))
}

/// The stored placements of the file's schools' students and of the file's students
/// (two queries, whatever the file's size).
fn current_placements(tx: &mut Transaction, rows: &[RosterRow]) -> StoreResult<Vec<(String, Placement)>> {
    let mut schools: Vec<&str> = rows.iter().map(|r| r.school_code.as_str()).collect();
    schools.sort_unstable();
    schools.dedup();
    let ids: Vec<&str> = rows.iter().map(|r| r.student_id.as_str()).collect();
    let mut out = Vec::new();
    for r in tx.query(&format!("{PLACEMENT} WHERE s.school_code = ANY($1)"), &[&schools])? {
        out.push(placement(&r)?);
    }
    for r in tx.query(
        &format!("{PLACEMENT} WHERE s.id_number = ANY($1) AND NOT s.school_code = ANY($2)"),
        &[&ids, &schools],
    )? {
        out.push(placement(&r)?);
    }
    Ok(out)
}

/// Moves the student's live applications to their new place; returns how many moved.
fn follow(tx: &mut Transaction, row: &RosterRow, write: bool, now: Timestamp) -> StoreResult<usize> {
    let sql = format!(
        "SELECT id FROM applications WHERE student_id = $1 AND status IN {} ORDER BY id FOR UPDATE",
        live()
    );
    let ids: Vec<String> =
        tx.query(&sql, &[&row.student_id])?.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
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

impl ImportRepo for PgStore {
    fn import_roster(
        &self,
        rows: &[RosterRow],
        mode: RosterWrite,
        now: Timestamp,
    ) -> StoreResult<RosterReport> {
        self.write(|tx| {
            // One import at a time: two would each see the other's students as leavers.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('roster import'))", &[])?;
            let plan = RosterPlan::new(&current_placements(tx, rows)?, rows);
            let dry_run = !mode.writes(&plan, rows);
            let mut applications_moved = 0;
            for (r, change) in rows.iter().zip(&plan.changes) {
                let follows = matches!(change, Change::Updated | Change::Moved { .. });
                if dry_run {
                    if follows {
                        applications_moved += follow(tx, r, false, now)?;
                    }
                    continue;
                }
                tx.execute(
                    "INSERT INTO schools (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                    &[&r.school_code, &r.school_name],
                )?;
                tx.execute(
                    "INSERT INTO classes (id, school_code, name, school_level) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, school_level = excluded.school_level",
                    &[&r.class_id, &r.school_code, &r.class_name, &r.school_level.as_str()],
                )?;
                if let Change::Moved { .. } = change {
                    // One enrolment at a time: the old school's ends.
                    tx.execute(
                        "DELETE FROM students WHERE id_number = $1 AND school_code <> $2",
                        &[&r.student_id, &r.school_code],
                    )?;
                }
                tx.execute(
                    "INSERT INTO students (id_number, school_code, school_level, class_id, name) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id_number, school_code) DO UPDATE SET school_level = excluded.school_level,
                         class_id = excluded.class_id, name = excluded.name",
                    &[&r.student_id, &r.school_code, &r.school_level.as_str(), &r.class_id, &r.student_name],
                )?;
                if follows {
                    applications_moved += follow(tx, r, true, now)?;
                }
            }
            if !dry_run {
                for (id, school) in &plan.left {
                    tx.execute("DELETE FROM students WHERE id_number = $1 AND school_code = $2", &[id, school])?;
                }
            }
            Ok(RosterReport { plan, applications_moved, imported: !dry_run })
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

    fn backlog(&self) -> StoreResult<Backlog> {
        self.read(|c| {
            let r = c.query_one(
                "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts < 10),
                        (SELECT COUNT(*) FROM applications WHERE registry_result = 'unavailable' AND status = 'pending')",
                &[],
            )?;
            let (outbox, registry): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            Ok(Backlog { outbox_depth: outbox.max(0) as u64, registry_backlog: registry.max(0) as u64 })
        })
    }
}
