//! Demo data that looks like a real school: 臺北市私立日曜學校 (the walkthrough's school,
//! with its student 陳曉明 of 資訊二忠 and parent 王曉明) with six classes, a second school
//! to show that scopes end at the school gate, a homeroom teacher for each class, an
//! administrator per school, and applications in every status with each review flag.
//!
//! Signatures are generated pen strokes (never copied from anyone). Everything goes
//! through the store's own operations (submit, decide, resubmit, cancel), so the demo
//! history is what the real service would have written.

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::registry::RegistryOutcome;
use crate::store::{PlannedStudent, RosterRow, RosterStudent, SignatureBlob, StaffRow, Store, SubmitPlan};
use binddesk_domain::api::{BatchDecisionItem, ClassRef, Parent, Relationship, School, Staff};
use binddesk_domain::id_number::check_digit_for;
use binddesk_domain::{DecisionAction, RelationshipKind, RelationshipTitle, Role, SchoolLevel};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

/// A demo login, printed by `serve --demo`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoAccount {
    /// Login.
    pub username: String,
    /// Password (demo only).
    pub password: String,
    /// teacher or admin.
    pub role: Role,
    /// Class names (teachers) or empty (administrators: the whole school).
    pub classes: Vec<String>,
    /// The school's name.
    pub school: String,
}

const DEMO_SETTING: &str = "demo.accounts";

mod people;
mod signatures;
mod special;

use people::*;
pub use people::{Rng, make_id};
pub use signatures::signature_png;
use signatures::*;
use special::special_cases;

struct DemoClass {
    id: &'static str,
    name: &'static str,
    school: usize,
    teacher_user: &'static str,
    teacher_name: &'static str,
}

const SCHOOLS: &[(&str, &str, SchoolLevel)] = &[
    ("383401", "臺北市私立日曜學校", SchoolLevel::SeniorHigh),
    ("313302", "臺北市立松山高級工業職業學校", SchoolLevel::Vocational),
];

const CLASSES: &[DemoClass] = &[
    DemoClass {
        id: "383401-101",
        name: "資訊一忠",
        school: 0,
        teacher_user: "t.info1",
        teacher_name: "林雅琪",
    },
    DemoClass {
        id: "383401-201",
        name: "資訊二忠",
        school: 0,
        teacher_user: "t.info2",
        teacher_name: "張文彬",
    },
    DemoClass {
        id: "383401-301",
        name: "資訊三忠",
        school: 0,
        teacher_user: "t.info3",
        teacher_name: "黃淑貞",
    },
    DemoClass {
        id: "383401-202",
        name: "商經二孝",
        school: 0,
        teacher_user: "t.biz2",
        teacher_name: "陳志豪",
    },
    DemoClass {
        id: "383401-203",
        name: "應英二仁",
        school: 0,
        teacher_user: "t.eng2",
        teacher_name: "吳佩珊",
    },
    DemoClass {
        id: "383401-102",
        name: "觀光一愛",
        school: 0,
        teacher_user: "t.tour1",
        teacher_name: "李俊賢",
    },
    DemoClass {
        id: "313302-201",
        name: "電機二甲",
        school: 1,
        teacher_user: "t.ee2",
        teacher_name: "許明德",
    },
    DemoClass {
        id: "313302-202",
        name: "機械二乙",
        school: 1,
        teacher_user: "t.me2",
        teacher_name: "鄭惠文",
    },
];

/// Fills an empty store with the demo school and `applications` applications (about),
/// or, when the store already holds the demo, returns its accounts.
pub fn ensure_demo(store: &dyn Store, applications: usize) -> ApiResult<Vec<DemoAccount>> {
    if let Some(saved) = store.setting(DEMO_SETTING)? {
        return serde_json::from_str(&saved).map_err(|e| ApiError::Internal(e.to_string()));
    }
    if !store.is_empty()? {
        // Never pour demo people into a school's real store.
        return Err(ApiError::Unavailable(
            "this store holds data that is not the demo's; demo mode needs a new store or a demo store"
                .into(),
        ));
    }
    let accounts = fill(store, applications)?;
    // Demo only: the passwords are kept so a restarted demo can print them again.
    store.set_setting(
        DEMO_SETTING,
        &serde_json::to_string(&accounts).map_err(|e| ApiError::Internal(e.to_string()))?,
    )?;
    Ok(accounts)
}

fn roster_student(row: &RosterRow) -> RosterStudent {
    RosterStudent {
        id_number: row.student_id.clone(),
        name: row.student_name.clone(),
        school_level: row.school_level,
        school: School { code: row.school_code.clone(), name: row.school_name.clone() },
        class: ClassRef { id: row.class_id.clone(), name: row.class_name.clone() },
    }
}

fn staff_of(class: &DemoClass) -> Staff {
    let (code, name, _) = SCHOOLS[class.school];
    Staff {
        id: String::new(),
        name: class.teacher_name.to_string(),
        role: Role::Teacher,
        school: School { code: code.into(), name: name.into() },
        classes: vec![ClassRef { id: class.id.into(), name: class.name.into() }],
    }
}

fn fill(store: &dyn Store, applications: usize) -> ApiResult<Vec<DemoAccount>> {
    let mut rng = Rng::new(20260901);
    // ---- roster: enough students for the applications asked for
    // About a third more students than applications, so every class keeps some students
    // whose parents have not applied yet.
    let per_class = (applications * 4 / 3 / CLASSES.len()).clamp(8, 20_000) + 4;
    let mut roster = Vec::new();
    let mut serial = 1_000_000u64;
    for c in CLASSES {
        let (code, sname, level) = SCHOOLS[c.school];
        for _ in 0..per_class {
            serial += 7919;
            let sex = if rng.below(2) == 0 { '1' } else { '2' };
            let name = format!("{}{}{}", rng.pick(SURNAMES), rng.pick(GIVEN), rng.pick(GIVEN));
            roster.push(RosterRow {
                school_code: code.into(),
                school_name: sname.into(),
                class_id: c.id.into(),
                class_name: c.name.into(),
                school_level: level,
                student_id: make_id('A', sex, serial),
                student_name: name,
            });
        }
    }
    // The walkthrough's students, in 資訊二忠.
    let info2 = &CLASSES[1];
    let named = [
        ("A123456789", "陳曉明"),
        ("YA94423433", "吳大寶"),
        ("A134567891", "吳二寶"),
        ("A234567893", "吳三寶"),
        ("A145678903", "林𠀋妤"),
    ];
    for (id, name) in named {
        roster.push(RosterRow {
            school_code: SCHOOLS[0].0.into(),
            school_name: SCHOOLS[0].1.into(),
            class_id: info2.id.into(),
            class_name: info2.name.into(),
            school_level: SchoolLevel::SeniorHigh,
            student_id: binddesk_domain::IdNumber::parse(id)
                .map(|i| i.to_string())
                .unwrap_or_else(|_| id.to_string()),
            student_name: name.into(),
        });
    }
    store.import_roster(
        &roster,
        crate::store::RosterWrite::Import { allow_many_leavers: true },
        chrono::Utc::now(),
    )?;

    // ---- staff, passwords hashed on both cores
    let mut staff_rows: Vec<(StaffRow, String, Vec<String>, String)> = Vec::new();
    for c in CLASSES {
        let (code, sname, _) = SCHOOLS[c.school];
        let row = StaffRow {
            username: c.teacher_user.into(),
            name: c.teacher_name.into(),
            role: Role::Teacher,
            school_code: code.into(),
            password_hash: String::new(),
            class_ids: vec![c.id.into()],
        };
        staff_rows.push((row, auth::new_password(), vec![c.name.to_string()], sname.into()));
    }
    for (code, sname, _) in SCHOOLS {
        let user = if *code == SCHOOLS[0].0 { "admin.riyao" } else { "admin.songshan" };
        let row = StaffRow {
            username: user.into(),
            name: "註冊組 系統管理者".into(),
            role: Role::Admin,
            school_code: (*code).into(),
            password_hash: String::new(),
            class_ids: vec![],
        };
        staff_rows.push((row, auth::new_password(), vec![], (*sname).into()));
    }
    std::thread::scope(|s| {
        let half = staff_rows.len() / 2;
        let (a, b) = staff_rows.split_at_mut(half);
        for part in [a, b] {
            s.spawn(move || {
                for (row, pw, _, _) in part.iter_mut() {
                    row.password_hash = auth::hash_password(pw).unwrap_or_default();
                }
            });
        }
    });
    store.import_staff(&staff_rows.iter().map(|(r, ..)| r.clone()).collect::<Vec<_>>())?;
    let accounts = staff_rows
        .iter()
        .map(|(r, pw, classes, school)| DemoAccount {
            username: r.username.clone(),
            password: pw.clone(),
            role: r.role,
            classes: classes.clone(),
            school: school.clone(),
        })
        .collect();

    // ---- applications
    let now = Utc::now();
    let start = now - Duration::days(14);
    let total = applications.max(40);
    let step = Duration::seconds((14 * 24 * 3600 / total as i64).max(1));
    let mut t = start;
    let mut parent_serial = 3_000_000u64;
    let mut residents = Vec::new();
    let mut links = Vec::new();
    let class_of = |id: &str| CLASSES.iter().find(|c| c.id == id).unwrap_or(&CLASSES[0]);
    let mut made = 0usize;
    let mut sig_pool: Vec<SignatureBlob> = Vec::new();
    let generated = roster.len() - named.len();
    // Walk the roster class by class in turn, so applications spread over all classes.
    let order: Vec<usize> =
        (0..per_class).flat_map(|k| (0..CLASSES.len()).map(move |c| c * per_class + k)).collect();
    let mut i = 0usize;
    while made < total.saturating_sub(8) && i < generated {
        let row = &roster[order[i]];
        i += 1;
        t += step;
        parent_serial += 104_729;
        let father = rng.below(10) < 6;
        let title = if father {
            RelationshipTitle::Father
        } else if rng.below(10) < 8 {
            RelationshipTitle::Mother
        } else {
            *rng.pick(&[
                RelationshipTitle::Grandmother,
                RelationshipTitle::MaternalGrandfather,
                RelationshipTitle::Other,
            ])
        };
        let surname: String = row.student_name.chars().take(1).collect();
        let pname = match title {
            RelationshipTitle::Father => format!("{surname}{}", rng.pick(FATHER_GIVEN)),
            _ => format!("{}{}", rng.pick(SURNAMES), rng.pick(MOTHER_GIVEN)),
        };
        let pid = make_id(*rng.pick(&['A', 'F', 'H', 'E']), if father { '1' } else { '2' }, parent_serial);
        let parent = Parent {
            name: pname.clone(),
            id_number: pid.clone(),
            email: format!("parent{parent_serial}@example.com.tw"),
            phone: format!("09{:08}", parent_serial % 100_000_000),
        };
        // Siblings: now and then a parent applies for two students in one batch.
        let mut students = vec![(row.clone(), title)];
        if rng.below(12) == 0 && i < generated {
            let sib = roster[order[i]].clone();
            i += 1;
            students.push((sib, title));
        }
        let roll = rng.below(100);
        let registry = match roll {
            0..=19 => RegistryOutcome::Passed,
            20..=24 => RegistryOutcome::Unavailable,
            _ => RegistryOutcome::Failed(if rng.below(2) == 0 {
                binddesk_domain::RegistryReason::ParentNotResident
            } else {
                binddesk_domain::RegistryReason::NoRelationship
            }),
        };
        if registry == RegistryOutcome::Passed {
            residents.push(pid.clone());
            for (s, _) in &students {
                residents.push(s.student_id.clone());
                links.push((pid.clone(), s.student_id.clone()));
            }
        }
        let faint = rng.below(60) == 0;
        // Big benchmark stores draw from a pool of signature images: drawing and encoding
        // one costs milliseconds, and a hundred thousand would dominate the fill. Each
        // batch still gets its own bytes (and so its own hash), as real parents do, so a
        // reviewer's sync fetches one signature per batch.
        let sig = if total > 2000 && sig_pool.len() >= 400 {
            distinct_copy(&sig_pool[rng.below(sig_pool.len())], made as u64)
        } else {
            let s =
                blob(signature_png(&mut rng, pname.chars().count(), if faint { 0.12 } else { 1.0 }, false))?;
            if total > 2000 {
                sig_pool.push(s.clone());
            }
            s
        };
        let plan = SubmitPlan {
            owner: parent.email.clone(),
            parent,
            students: students
                .iter()
                .enumerate()
                .map(|(k, (s, title))| PlannedStudent {
                    student: roster_student(s),
                    relationship: Relationship { kind: title.kind(), title: *title },
                    registry: registry.clone(),
                    path: format!("students[{k}]"),
                })
                .collect(),
            signature: sig,
            legacy_import: false,
        };
        let apps = match store.submit(&plan, t) {
            Ok(a) => a,
            Err(crate::store::StoreError::Refused { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        made += apps.len();
        // What happened next, for the pending ones.
        for app in apps.iter().filter(|a| a.status == binddesk_domain::Status::Pending) {
            if app.registry_check.result == binddesk_domain::RegistryResult::Unavailable {
                continue;
            }
            let staff = staff_of(class_of(&app.student.class_id));
            let later = t + Duration::minutes(30 + rng.below(3000) as i64);
            if later > now {
                continue;
            }
            let fate = rng.below(100);
            let (action, reason) = match fate {
                0..=34 => (Some(DecisionAction::Approve), None),
                35..=49 => (Some(DecisionAction::Return), Some(rng.pick(RETURN_REASONS).to_string())),
                _ => (None, None),
            };
            if let Some(action) = action {
                let item = BatchDecisionItem {
                    application_id: app.id.clone(),
                    action,
                    reason,
                    expected_version: app.version,
                    decision_id: uuid::Uuid::new_v4().to_string(),
                };
                let scope = crate::store::Scope { school_code: staff.school.code.clone(), class_ids: None };
                store.decide(&staff, &scope, &[item], later)?;
            } else if fate >= 95 {
                store.cancel(&plan.owner, Some(&app.id), later)?;
            }
        }
    }
    store.import_registry(&residents, &links)?;
    special_cases(store, &mut rng, &roster, now)?;
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_ids_are_valid() {
        for n in [0u64, 1, 9_999_999, 123_456_789] {
            assert!(binddesk_domain::IdNumber::parse(&make_id('A', '1', n)).is_ok());
        }
    }

    #[test]
    fn distinct_copies_are_valid_pngs_with_their_own_hash() {
        let mut rng = Rng::new(7);
        let s = blob(signature_png(&mut rng, 3, 1.0, false)).unwrap();
        let c = distinct_copy(&s, 42);
        assert_ne!(c.info.sha256, s.info.sha256);
        let again = blob(c.png.clone()).unwrap();
        assert_eq!(again.info.sha256, c.info.sha256);
        assert_eq!((again.info.width, again.info.height), (s.info.width, s.info.height));
    }

    #[test]
    fn signatures_have_ink_and_blank_ones_do_not() {
        let mut rng = Rng::new(1);
        let ink = binddesk_domain::rules::SIGNATURE_BLANK_INK_RATIO;
        let s = blob(signature_png(&mut rng, 3, 1.0, false)).unwrap();
        assert!(s.ink_ratio > ink * 2.0, "{}", s.ink_ratio);
        let b = blob(signature_png(&mut rng, 3, 1.0, true)).unwrap();
        assert!(b.ink_ratio < ink, "{}", b.ink_ratio);
    }
}
