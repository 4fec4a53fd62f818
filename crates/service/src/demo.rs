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

/// A small deterministic generator, so the demo is the same every time.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1)
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SURNAMES: &[&str] = &[
    "陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭", "謝", "郭", "洪", "曾", "邱",
    "廖", "賴", "周",
];
const GIVEN: &[&str] = &[
    "家", "宇", "承", "恩", "柏", "翰", "冠", "廷", "子", "晴", "雅", "婷", "怡", "君", "欣", "妤", "詠",
    "心", "品", "妍", "宥", "辰", "彥", "安", "芷", "若", "思", "沛", "語", "涵",
];
const FATHER_GIVEN: &[&str] =
    &["志明", "建宏", "俊傑", "家豪", "宗翰", "文雄", "國華", "明輝", "志偉", "嘉銘"];
const MOTHER_GIVEN: &[&str] =
    &["淑芬", "美玲", "雅惠", "淑惠", "怡君", "佩君", "麗華", "秀英", "惠如", "玉珍"];
const RETURN_REASONS: &[&str] = &[
    "簽名不完整，請重新簽署全名",
    "學生姓名與校務系統不符（周／週），請確認後重新送出",
    "家長身分證字號與戶籍資料不符",
    "稱謂選擇錯誤，請確認與學生的關係",
];

/// A valid ID number: the letter, the second digit, seven digits from `n`, check digit.
pub fn make_id(letter: char, second: char, n: u64) -> String {
    let prefix = format!("{letter}{second}{:07}", n % 10_000_000);
    let check = check_digit_for(&prefix).unwrap_or(0);
    format!("{prefix}{check}")
}

/// A hand-drawn-looking signature: pen strokes (cubic curves of varying width) for each
/// character of the name, slanted and uneven. `ink` scales the darkness (1.0 normal,
/// about 0.1 faint); `blank` leaves a single dot.
pub fn signature_png(rng: &mut Rng, chars: usize, ink: f64, blank: bool) -> Vec<u8> {
    let (w, h) = (600u32, 200u32);
    let mut img = image::RgbaImage::from_pixel(w, h, image::Rgba([255, 255, 255, 255]));
    let mut dab = |x: f64, y: f64, r: f64| {
        let (x0, x1) = ((x - r).floor().max(0.0) as u32, ((x + r).ceil() as u32).min(w - 1));
        let (y0, y1) = ((y - r).floor().max(0.0) as u32, ((y + r).ceil() as u32).min(h - 1));
        for px in x0..=x1 {
            for py in y0..=y1 {
                let d = ((px as f64 - x).powi(2) + (py as f64 - y).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0) * ink.clamp(0.0, 1.0);
                if cover > 0.0 {
                    let p = img.get_pixel_mut(px, py);
                    for (c, target) in p.0.iter_mut().take(3).zip([18.0, 24.0, 70.0]) {
                        *c = (f64::from(*c) * (1.0 - cover) + target * cover).round() as u8;
                    }
                }
            }
        }
    };
    if blank {
        dab(300.0, 100.0, 1.5);
    } else {
        let cell = 460.0 / chars.max(1) as f64;
        for i in 0..chars.max(1) {
            let cx = 70.0 + cell * (i as f64 + 0.5);
            let strokes = 3 + rng.below(4);
            for _ in 0..strokes {
                let mut p = [(0.0, 0.0); 4];
                for q in &mut p {
                    *q = (cx + (rng.unit() - 0.5) * cell * 0.9, 100.0 + (rng.unit() - 0.5) * 120.0);
                }
                let width = 1.4 + rng.unit() * 1.6;
                for step in 0..=120 {
                    let t = f64::from(step) / 120.0;
                    let u = 1.0 - t;
                    let x = u * u * u * p[0].0
                        + 3.0 * u * u * t * p[1].0
                        + 3.0 * u * t * t * p[2].0
                        + t * t * t * p[3].0;
                    let y = u * u * u * p[0].1
                        + 3.0 * u * u * t * p[1].1
                        + 3.0 * u * t * t * p[2].1
                        + t * t * t * p[3].1;
                    // Slant like handwriting, and thin the pen at the ends of a stroke.
                    let pressure = (std::f64::consts::PI * t).sin().max(0.35);
                    dab(x + (100.0 - y) * 0.18, y, width * pressure);
                }
            }
        }
    }
    let mut out = Vec::new();
    // Writing a PNG into memory cannot fail for a well-formed RGBA buffer.
    let _ = img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// The same image with different bytes: a `tEXt` chunk naming `n` after the header.
fn distinct_copy(blob: &SignatureBlob, n: u64) -> SignatureBlob {
    use sha2::Digest;
    const HEADER: usize = 8 + 25; // signature + IHDR chunk
    let data = format!("Comment\0demo signature {n}");
    let mut chunk = Vec::with_capacity(12 + data.len());
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(data.as_bytes());
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
    let mut png = blob.png[..HEADER].to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&blob.png[HEADER..]);
    let mut info = blob.info.clone();
    info.sha256 = hex::encode(sha2::Sha256::digest(&png));
    SignatureBlob { info, png, ink_ratio: blob.ink_ratio }
}

fn blob(png: Vec<u8>) -> ApiResult<SignatureBlob> {
    use base64::Engine;
    crate::signature::parse_signature(&base64::engine::general_purpose::STANDARD.encode(&png))
        .map_err(|e| ApiError::Internal(format!("demo signature: {e}")))
}

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
    store.import_roster(&roster)?;

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
                "parent not registered in Taipei".into()
            } else {
                "relationship not found in the registry".into()
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

/// The applications a reviewer should meet at least once: the walkthrough's family,
/// each flag, a resubmission, the account limit.
fn special_cases(
    store: &dyn Store,
    rng: &mut Rng,
    roster: &[RosterRow],
    now: chrono::DateTime<Utc>,
) -> ApiResult<()> {
    let find = |id: &str| roster.iter().find(|r| r.student_id == id).cloned();
    let father =
        Relationship { kind: RelationshipKind::LegalRepresentative, title: RelationshipTitle::Father };
    let mother =
        Relationship { kind: RelationshipKind::LegalRepresentative, title: RelationshipTitle::Mother };
    let grandmother =
        Relationship { kind: RelationshipKind::Guardian, title: RelationshipTitle::Grandmother };
    let failed = RegistryOutcome::Failed("parent not registered in Taipei".into());
    let plan = |owner: &str,
                parent: Parent,
                students: Vec<(RosterRow, Relationship)>,
                sig: SignatureBlob,
                outcome: RegistryOutcome,
                legacy: bool| SubmitPlan {
        owner: owner.to_string(),
        parent,
        students: students
            .into_iter()
            .enumerate()
            .map(|(k, (s, rel))| PlannedStudent {
                student: roster_student(&s),
                relationship: rel,
                registry: outcome.clone(),
                path: format!("students[{k}]"),
            })
            .collect(),
        signature: sig,
        legacy_import: legacy,
    };
    let info2 = staff_of(&CLASSES[1]);
    let scope = crate::store::Scope { school_code: info2.school.code.clone(), class_ids: None };
    let approve = |app: &binddesk_domain::api::Application, at| -> ApiResult<()> {
        let item = BatchDecisionItem {
            application_id: app.id.clone(),
            action: DecisionAction::Approve,
            reason: None,
            expected_version: app.version,
            decision_id: uuid::Uuid::new_v4().to_string(),
        };
        store.decide(&info2, &scope, &[item], at).map(|_| ()).map_err(ApiError::from)
    };
    let (Some(chen), Some(wu1), Some(wu2), Some(wu3), Some(lin)) =
        (find("A123456789"), find("YA94423433"), find("A134567891"), find("A234567893"), find("A145678903"))
    else {
        return Err(ApiError::Internal("demo roster lacks the walkthrough students".into()));
    };

    // 1. The walkthrough: 王曉明 (a resident-certificate holder) for 陳曉明, pending.
    let wang = Parent {
        name: "王曉明".into(),
        id_number: "YA94109161".into(),
        email: "annie.sun2@example.com.tw".into(),
        phone: "0928942045".into(),
    };
    store.submit(
        &plan(
            "annie.sun2@example.com.tw",
            wang,
            vec![(chen.clone(), father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::hours(20),
    )?;

    // 2. 吳大寶, 吳二寶, 吳三寶: one batch, one signature, approved (the walkthrough's 認證).
    let wu = Parent {
        name: "吳建宏".into(),
        id_number: make_id('A', '1', 7_654_321),
        email: "wu.family@example.com.tw".into(),
        phone: "0912345678".into(),
    };
    let apps = store.submit(
        &plan(
            "wu.family@example.com.tw",
            wu,
            vec![(wu1, father), (wu2, father), (wu3.clone(), father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(5),
    )?;
    for a in &apps {
        approve(a, now - Duration::days(4))?;
    }
    // 3. The account limit: 吳三寶's mother approved too, then a grandmother applies.
    let grand = Parent {
        name: "李秀英".into(),
        id_number: make_id('A', '2', 1_111_222),
        email: "grandma.li@example.com.tw".into(),
        phone: "0933111222".into(),
    };
    store.submit(
        &plan(
            "grandma.li@example.com.tw",
            grand,
            vec![(wu3.clone(), grandmother)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(3),
    )?;
    let mom = Parent {
        name: "劉淑芬".into(),
        id_number: make_id('A', '2', 7_654_322),
        email: "wu.mom@example.com.tw".into(),
        phone: "0912345679".into(),
    };
    let apps = store.submit(
        &plan(
            "wu.mom@example.com.tw",
            mom,
            vec![(wu3, mother)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(3),
    )?;
    for a in &apps {
        approve(a, now - Duration::days(2))?;
    }
    // 4. A rare character (CJK Extension B) in the student's name.
    let lin_p = Parent {
        name: "林志偉".into(),
        id_number: make_id('A', '1', 2_468_024),
        email: "lin.zw@example.com.tw".into(),
        phone: "0955123456".into(),
    };
    store.submit(
        &plan(
            "lin.zw@example.com.tw",
            lin_p,
            vec![(lin, father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::hours(30),
    )?;

    // 5. Returned (週 instead of 周) and resubmitted corrected.
    let pick = |n: usize| roster.iter().filter(|r| r.class_id == CLASSES[1].id).nth(n).cloned();
    if let Some(s) = pick(2) {
        let zhou = Parent {
            name: "週美玲".into(),
            id_number: make_id('F', '2', 5_550_123),
            email: "meiling.zhou@example.com.tw".into(),
            phone: "0966555123".into(),
        };
        let apps = store.submit(
            &plan(
                "meiling.zhou@example.com.tw",
                zhou.clone(),
                vec![(s.clone(), mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                false,
            ),
            now - Duration::days(6),
        )?;
        if let Some(a) = apps.first() {
            let item = BatchDecisionItem {
                application_id: a.id.clone(),
                action: DecisionAction::Return,
                reason: Some("家長姓名與校務系統不符（週／周），請確認後重新送出".into()),
                expected_version: a.version,
                decision_id: uuid::Uuid::new_v4().to_string(),
            };
            store.decide(&info2, &scope, &[item], now - Duration::days(5))?;
            let fixed = Parent { name: "周美玲".into(), ..zhou };
            let p = plan(
                "meiling.zhou@example.com.tw",
                fixed,
                vec![(s, mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                false,
            );
            store.resubmit(&a.id, &p, now - Duration::days(1))?;
        }
    }
    // 6. A blank signature.
    if let Some(s) = pick(3) {
        let p = Parent {
            name: "蔡國華".into(),
            id_number: make_id('A', '1', 8_080_808),
            email: "cai.gh@example.com.tw".into(),
            phone: "0977080808".into(),
        };
        store.submit(
            &plan(
                "cai.gh@example.com.tw",
                p,
                vec![(s, father)],
                blob(signature_png(rng, 3, 1.0, true))?,
                failed.clone(),
                false,
            ),
            now - Duration::hours(10),
        )?;
    }
    // 7. Carried over from the previous system: an ID with a wrong check digit, and two
    //    parents who typed the same e-mail.
    if let (Some(s1), Some(s2)) = (pick(4), pick(5)) {
        let bad = Parent {
            name: "鄭明輝".into(),
            id_number: "A123456788".into(),
            email: "zheng.mh@example.com.tw".into(),
            phone: "0988123123".into(),
        };
        store.submit(
            &plan(
                "zheng.mh@example.com.tw",
                bad,
                vec![(s1, father)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                true,
            ),
            now - Duration::hours(8),
        )?;
        let a = Parent {
            name: "謝嘉銘".into(),
            id_number: make_id('A', '1', 3_030_303),
            email: "family.xie@example.com.tw".into(),
            phone: "0922303030".into(),
        };
        let b = Parent {
            name: "許惠如".into(),
            id_number: make_id('A', '2', 3_030_304),
            email: "family.xie@example.com.tw".into(),
            phone: "0922303031".into(),
        };
        store.submit(
            &plan(
                "family.xie@example.com.tw",
                a,
                vec![(s2.clone(), father)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                true,
            ),
            now - Duration::hours(7),
        )?;
        store.submit(
            &plan(
                "family.xie@example.com.tw",
                b,
                vec![(s2, mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed,
                true,
            ),
            now - Duration::hours(6),
        )?;
    }
    Ok(())
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
