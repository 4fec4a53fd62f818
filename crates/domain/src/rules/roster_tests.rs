use super::*;
use crate::enums::Status;

fn entry(id: &str, school: &str, class: &str, level: SchoolLevel) -> RosterEntry {
    RosterEntry {
        school_code: school.into(),
        school_name: format!("{school} 學校"),
        class_id: class.into(),
        class_name: format!("{class} 班"),
        school_level: level,
        student_id: id.into(),
        student_name: "陳曉明".into(),
    }
}

#[test]
fn a_line_is_checked_field_by_field() {
    let ok = RosterEntry::from_cells(&[
        "383401",
        " 臺北市私立日曜學校 ",
        "383401-201",
        "資訊二忠",
        "高中",
        "a123456789",
        "陳曉明",
    ])
    .unwrap();
    assert_eq!(ok.school_level, SchoolLevel::SeniorHigh, "the Chinese label is accepted");
    assert_eq!(ok.student_id, "A123456789", "canonical ID");
    assert_eq!(ok.school_name, "臺北市私立日曜學校", "trimmed");
    let wire = RosterEntry::from_cells(&["1", "n", "c", "n", "junior_high", "A123456789", "n"]).unwrap();
    assert_eq!(wire.school_level, SchoolLevel::JuniorHigh);

    let bad = |cells: &[&str]| RosterEntry::from_cells(cells).unwrap_err();
    assert!(bad(&["1", "n", "c", "n", "高中", "A123456788", "n"]).starts_with("student_id"), "checksum");
    assert!(bad(&["1", "n", "c", "n", "大學", "A123456789", "n"]).starts_with("school_level"));
    assert!(bad(&["1 2", "n", "c", "n", "高中", "A123456789", "n"]).starts_with("school_code"));
    assert!(bad(&["1", "n", "c", "n", "高中", "A123456789", "\u{202e}n"]).starts_with("student_name"));
    assert!(bad(&["1", "n", "c", "n", "高中", "A123456789", ""]).starts_with("student_name"));
    assert!(bad(&["1", "n", "c"]).starts_with("expected 7 fields"));
}

#[test]
fn an_import_adds_updates_moves_and_finds_leavers() {
    let junior = entry("A123456789", "J1", "J1-901", SchoolLevel::JuniorHigh);
    let stays = entry("B123456780", "S1", "S1-101", SchoolLevel::SeniorHigh);
    let leaves = entry("C123456781", "S1", "S1-101", SchoolLevel::SeniorHigh);
    let other_school = entry("D123456782", "S9", "S9-101", SchoolLevel::SeniorHigh);
    let current: Vec<(String, Placement)> = [&junior, &stays, &leaves, &other_school]
        .iter()
        .map(|e| (e.student_id.clone(), e.placement()))
        .collect();

    let mut promoted = stays.clone();
    promoted.class_id = "S1-201".into();
    let lines = vec![
        entry("A123456789", "S1", "S1-101", SchoolLevel::SeniorHigh), // 國三→高一
        promoted,
        entry("E123456783", "S1", "S1-101", SchoolLevel::SeniorHigh),
    ];
    let plan = RosterPlan::new(&current, &lines);
    assert_eq!(plan.changes, [Change::Moved { from_school: "J1".into() }, Change::Updated, Change::Added]);
    assert_eq!(plan.left, [("C123456781".to_string(), "S1".to_string())], "S9 is not in the file");
    assert_eq!(plan.counts(), (1, 1, 1, 0));
    assert_eq!(plan.left_by_school().get("S1"), Some(&1));

    let again =
        RosterPlan::new(&[(stays.student_id.clone(), stays.placement())], std::slice::from_ref(&stays));
    assert_eq!(again.changes, [Change::Unchanged]);
}

#[test]
fn a_student_may_appear_once() {
    let a = entry("A123456789", "S1", "S1-101", SchoolLevel::SeniorHigh);
    let b = entry("B123456780", "S1", "S1-101", SchoolLevel::SeniorHigh);
    let mut a_elsewhere = a.clone();
    a_elsewhere.school_code = "S2".into();
    assert_eq!(repeated_students(&[a.clone(), b, a_elsewhere]), [(2, 0)]);
}

#[test]
fn an_approved_binding_follows_the_child() {
    let mut app = crate::rules::tests::sample();
    app.status = Status::Approved;
    app.version = 2;
    let now = app.submitted_at + chrono::Duration::days(300);
    let to = entry("A123456789", "S2", "S2-101", SchoolLevel::Vocational).placement();
    assert!(follow_child(&mut app, &to, "松山高工", now));
    assert_eq!(app.status, Status::Approved, "still bound: no new application, no new review");
    assert_eq!(app.version, 2, "nothing the parent wrote changed");
    assert_eq!(
        (app.student.school_code.as_str(), app.student.class_id.as_str(), app.student.school_level),
        ("S2", "S2-101", SchoolLevel::Vocational)
    );
    assert_eq!(app.student.name, "陳曉明", "the name as submitted");
    let last = app.history.last().unwrap();
    assert_eq!((last.action, last.actor.as_str()), (HistoryAction::Moved, "roster"));
    assert_eq!(last.reason.as_deref(), Some("s 資訊二忠 → 松山高工 S2-101 班"));
    assert!(!follow_child(&mut app, &to, "松山高工", now), "already there");
}

#[test]
fn a_partial_file_would_empty_a_school() {
    let class = |n: u64, class: &str| entry(&valid_id(n), "S1", class, SchoolLevel::SeniorHigh);
    let before: Vec<RosterEntry> =
        (0..20).map(|n| class(n, if n < 8 { "S1-101" } else { "S1-102" })).collect();
    let current: Vec<(String, Placement)> =
        before.iter().map(|e| (e.student_id.clone(), e.placement())).collect();
    let only_101 = &before[..8];
    let plan = RosterPlan::new(&current, only_101);
    assert_eq!(plan.mass_departures(only_101), [("S1".to_string(), 12, 20)]);
    let all = RosterPlan::new(&current, &before);
    assert!(all.mass_departures(&before).is_empty());
}

/// A valid ID number from a serial.
fn valid_id(n: u64) -> String {
    (0..10)
        .map(|check| format!("A1{:07}{check}", n))
        .find(|id| crate::id_number::IdNumber::parse(id).is_ok())
        .expect("one check digit fits")
}
