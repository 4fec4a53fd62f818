//! School rosters: what a roster line must hold, what importing a roster changes, and
//! how a child's bindings follow them to a new class or school (FAQ 12: 已經綁定過的
//! 小孩不需要再次綁定，綁定的小孩資料會一起升級到新的學層).
//!
//! A roster file holds whole schools: every student of a school that appears in the file
//! and is not in it has left that school. A student is one ID number across the city,
//! so a line that places a student in another school than before is a move (國小→國中,
//! 國三→高一, a transfer), not a new student.

use crate::api::{Application, Student, Timestamp};
use crate::enums::{HistoryAction, SchoolLevel};
use crate::id_number::IdNumber;
use crate::labels::Labelled;
use crate::text::clean_text;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The columns of a roster, in the order of [`RosterEntry::from_cells`], each with the
/// header names accepted for it (English, then Traditional Chinese).
pub const COLUMNS: [(&str, &str); 7] = [
    ("school_code", "學校代碼"),
    ("school_name", "學校名稱"),
    ("class_id", "班級代碼"),
    ("class_name", "班級名稱"),
    ("school_level", "學層"),
    ("student_id", "身分證字號"),
    ("student_name", "學生姓名"),
];

/// The longest code (school or class) accepted.
pub const MAX_CODE_CHARS: usize = 40;
/// The longest name (school, class or student) accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// One student's line of a roster, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// School code.
    pub school_code: String,
    /// School name.
    pub school_name: String,
    /// Class id.
    pub class_id: String,
    /// Class name.
    pub class_name: String,
    /// Level.
    pub school_level: SchoolLevel,
    /// Student's ID number, canonical.
    pub student_id: String,
    /// Student's name.
    pub student_name: String,
}

/// A level from its wire form (`junior_high`) or its Chinese label (國中).
pub fn parse_level(s: &str) -> Option<SchoolLevel> {
    let s = s.trim();
    SchoolLevel::from_wire(s).or_else(|| SchoolLevel::ALL.iter().copied().find(|l| l.zh_tw() == s))
}

impl RosterEntry {
    /// Checks the cells of one line, in [`COLUMNS`] order; the error names the column.
    pub fn from_cells(cells: &[&str]) -> Result<RosterEntry, String> {
        if cells.len() != COLUMNS.len() {
            return Err(format!("expected {} fields, found {}", COLUMNS.len(), cells.len()));
        }
        let text = |i: usize, max: usize| {
            clean_text(cells[i], max).map_err(|e| format!("{} ({}): {e}", COLUMNS[i].0, COLUMNS[i].1))
        };
        let code = |i: usize| {
            let t = text(i, MAX_CODE_CHARS)?;
            if t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                Ok(t)
            } else {
                Err(format!("{} ({}): letters, digits, - and _ only", COLUMNS[i].0, COLUMNS[i].1))
            }
        };
        let level = parse_level(cells[4]).ok_or_else(|| {
            let known: Vec<String> =
                SchoolLevel::ALL.iter().map(|l| format!("{} {}", l.as_str(), l.zh_tw())).collect();
            format!("school_level (學層): {:?} is none of {}", cells[4].trim(), known.join(", "))
        })?;
        let id = IdNumber::parse(cells[5].trim()).map_err(|e| format!("student_id (身分證字號): {e}"))?;
        Ok(RosterEntry {
            school_code: code(0)?,
            school_name: text(1, MAX_NAME_CHARS)?,
            class_id: code(2)?,
            class_name: text(3, MAX_NAME_CHARS)?,
            school_level: level,
            student_id: id.to_string(),
            student_name: text(6, MAX_NAME_CHARS)?,
        })
    }

    /// Where this line places the student.
    pub fn placement(&self) -> Placement {
        Placement {
            school_code: self.school_code.clone(),
            class_id: self.class_id.clone(),
            class_name: self.class_name.clone(),
            school_level: self.school_level,
            name: self.student_name.clone(),
        }
    }
}

/// Where a student is enrolled, as the roster has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// School.
    pub school_code: String,
    /// Class.
    pub class_id: String,
    /// Class name.
    pub class_name: String,
    /// Level.
    pub school_level: SchoolLevel,
    /// The student's name.
    pub name: String,
}

/// What importing a roster does to one student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New to every school.
    Added,
    /// In the same school, with another class, level or name.
    Updated,
    /// Enrolled in another school before; that enrolment ends.
    Moved {
        /// The school the student leaves.
        from_school: String,
    },
    /// Nothing changes.
    Unchanged,
}

/// The effect of a roster on the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterPlan {
    /// Each line's change, by index into the lines.
    pub changes: Vec<Change>,
    /// Students of the file's schools who are not in the file: (ID number, school).
    pub left: Vec<(String, String)>,
}

impl RosterPlan {
    /// Works out the changes. `current` holds the stored placements of every student of
    /// the file's schools and of every student the file names (wherever enrolled); the
    /// lines are checked and free of repeated students (see [`repeated_students`]).
    pub fn new(current: &[(String, Placement)], lines: &[RosterEntry]) -> RosterPlan {
        let mut by_student: HashMap<&str, Vec<&Placement>> = HashMap::new();
        for (id, p) in current {
            by_student.entry(id.as_str()).or_default().push(p);
        }
        let changes = lines
            .iter()
            .map(|line| {
                let new = line.placement();
                let places = by_student.get(line.student_id.as_str()).map_or(&[][..], Vec::as_slice);
                if let Some(same_school) = places.iter().find(|p| p.school_code == new.school_code) {
                    if **same_school == new { Change::Unchanged } else { Change::Updated }
                } else if let Some(other) = places.first() {
                    Change::Moved { from_school: other.school_code.clone() }
                } else {
                    Change::Added
                }
            })
            .collect();
        let schools: HashSet<&str> = lines.iter().map(|l| l.school_code.as_str()).collect();
        let listed: HashSet<(&str, &str)> =
            lines.iter().map(|l| (l.student_id.as_str(), l.school_code.as_str())).collect();
        let mut left: Vec<(String, String)> = current
            .iter()
            .filter(|(id, p)| {
                schools.contains(p.school_code.as_str())
                    && !listed.contains(&(id.as_str(), p.school_code.as_str()))
            })
            .map(|(id, p)| (id.clone(), p.school_code.clone()))
            .collect();
        left.sort();
        left.dedup();
        RosterPlan { changes, left }
    }

    /// How many lines have each kind of change: (added, updated, moved, unchanged).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |f: fn(&Change) -> bool| self.changes.iter().filter(|c| f(c)).count();
        (
            count(|c| *c == Change::Added),
            count(|c| *c == Change::Updated),
            count(|c| matches!(c, Change::Moved { .. })),
            count(|c| *c == Change::Unchanged),
        )
    }

    /// Schools that would lose more than half of at least ten students: most likely a
    /// file that holds only some of a school's classes. (school, leaving, enrolled before)
    pub fn mass_departures(&self, lines: &[RosterEntry]) -> Vec<(String, usize, usize)> {
        let mut staying: HashMap<&str, usize> = HashMap::new();
        for (line, change) in lines.iter().zip(&self.changes) {
            if matches!(change, Change::Updated | Change::Unchanged) {
                *staying.entry(line.school_code.as_str()).or_insert(0) += 1;
            }
        }
        self.left_by_school()
            .into_iter()
            .filter_map(|(school, left)| {
                let before = left + staying.get(school.as_str()).copied().unwrap_or(0);
                (before >= 10 && left * 2 > before).then_some((school, left, before))
            })
            .collect()
    }

    /// Leavers per school.
    pub fn left_by_school(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for (_, school) in &self.left {
            *out.entry(school.clone()).or_insert(0) += 1;
        }
        out
    }
}

/// Lines (by index) that name a student already named by an earlier line: a student is
/// in one class of one school.
pub fn repeated_students(lines: &[RosterEntry]) -> Vec<(usize, usize)> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(&j) = first.get(l.student_id.as_str()) {
            out.push((i, j));
        } else {
            first.insert(&l.student_id, i);
        }
    }
    out
}

/// Moves an application with its student to the student's new place: the bindings
/// follow the child (FAQ 12). The version stays (nothing the parent wrote changed); the
/// history says where it came from. Returns whether anything changed.
pub fn follow_child(app: &mut Application, to: &Placement, school_name: &str, now: Timestamp) -> bool {
    let s = &app.student;
    if s.school_code == to.school_code && s.class_id == to.class_id && s.school_level == to.school_level {
        return false;
    }
    let note = format!("{} {} → {} {}", s.school_code, s.class_name, school_name, to.class_name);
    app.student = Student {
        id_number: s.id_number.clone(),
        name: s.name.clone(),
        school_level: to.school_level,
        school_code: to.school_code.clone(),
        class_id: to.class_id.clone(),
        class_name: to.class_name.clone(),
    };
    app.updated_at = now;
    super::decision::record(app, now, "roster", HistoryAction::Moved, Some(note));
    true
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
