//! Rosters as schools export them, through `binddesk-service import-roster` against a
//! running service, on both stores: CSV with Excel's BOM and quoted fields, Big5, .xlsx;
//! a dry run that reports and writes nothing; bad lines by number; and FAQ 12, a child
//! who moves to another school keeps their binding, which the new school's staff see.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Command;

const HEADER: [&str; 7] = ["學校代碼", "學校名稱", "班級代碼", "班級名稱", "學層", "身分證字號", "學生姓名"];

/// Runs `import-roster FILE ARGS… --db DB`; (exit success, the JSON report).
fn import(svc: &Service, file: &Path, args: &[&str]) -> (bool, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_binddesk-service"))
        .arg("import-roster")
        .arg(file)
        .args(args)
        .args(["--db", &svc.db])
        .env("BINDDESK_LOG", "warn")
        .output()
        .expect("import-roster");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.success(), report)
}

fn csv_line(cells: &[String]) -> String {
    // Every field quoted, as Excel does when a field holds a comma.
    cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(",")
}

/// A minimal .xlsx with one sheet of inline strings.
fn write_xlsx(path: &Path, rows: &[Vec<String>]) {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for c in row {
            sheet.push_str(&format!(r#"<c t="inlineStr"><is><t>{}</t></is></c>"#, esc(c)));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名冊" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).expect("entry");
        zip.write_all(body.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

/// Every application a staff member's full sync shows, by id.
async fn full_sync(svc: &Service, token: &str) -> std::collections::HashMap<String, Value> {
    svc.all_changes(token).await.into_iter().map(|a| (a["id"].as_str().expect("id").to_string(), a)).collect()
}

async fn a_child_who_moves_school_keeps_their_binding(backend: Backend) {
    let dir = TempDir::new("test");
    let svc = Service::start_on(backend, &dir, &[]);
    // A parent binds a child of 日曜 (383401): applied, approved by the homeroom teacher.
    let kid = svc.roster_students_without_application("383401-201", 1).remove(0);
    let email = "moving.family@example.com.tw";
    let parent = svc.parent_login(email).await;
    let (s, v) = svc
        .post(
            Some(&parent),
            "/api/v1/parent/applications",
            submission("搬家長", &id('1', 8_100_000), email, &[(&kid.0, "mother")]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let app = v["applications"][0].clone();
    let aid = app["id"].as_str().expect("id").to_string();
    let teacher = svc.login("t.info2").await;
    let decision = json!({"action": "approve", "expected_version": app["version"], "decision_id": uuid::Uuid::new_v4().to_string()});
    let (s, v) =
        svc.post(Some(&teacher), &format!("/api/v1/review/applications/{aid}/decision"), decision).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // 松山高工 (313302)'s roster next term: its students, one of them in another class,
    // one gone, one new, and the child from 日曜.
    let songshan = svc.login("admin.songshan").await;
    let riyao = svc.login("admin.riyao").await;
    let mut songshan_cursor = 0;
    loop {
        let (_, page) = svc
            .get(Some(&songshan), &format!("/api/v1/review/changes?since={songshan_cursor}&limit=2000"))
            .await;
        songshan_cursor = page["next_cursor"].as_i64().expect("cursor");
        if page["has_more"] == false {
            break;
        }
    }
    assert!(!full_sync(&svc, &songshan).await.contains_key(&aid));
    let current = svc.sql(
        "SELECT s.id_number, s.name, s.class_id, c.name FROM students s JOIN classes c ON c.id = s.class_id
         WHERE s.school_code = '313302' ORDER BY s.id_number",
        &[],
    );
    let line = |id: &str, name: &str, class: &str, class_name: &str| -> Vec<String> {
        ["313302", "臺北市立松山高級工業職業學校", class, class_name, "高職", id, name]
            .map(String::from)
            .to_vec()
    };
    let mut rows: Vec<Vec<String>> = vec![HEADER.map(String::from).to_vec()];
    for (i, r) in current.iter().enumerate().skip(1) {
        let class = match (i, r[2].as_str()) {
            (1, "313302-202") => ("313302-201", "電機二甲"),
            (1, _) => ("313302-202", "機械二乙"),
            _ => (r[2].as_str(), r[3].as_str()),
        };
        rows.push(line(&r[0], &r[1], class.0, class.1));
    }
    rows.push(line(&kid.0, &kid.1, "313302-201", "電機二甲"));
    // The applications that follow: the child's binding, and those of the student who
    // changed class.
    let live = svc.sql(
        "SELECT CAST(COUNT(*) AS TEXT) FROM applications WHERE student_id = $1
         AND status IN ('pending', 'returned', 'approved', 'auto_approved')",
        &[&current[1][0]],
    );
    let following: u64 = 1 + live[0][0].parse::<u64>().expect("count");
    rows.push(line(&id('2', 8_200_000), "新,同學", "313302-201", "電機二甲"));
    let csv_path = dir.0.join("roster.csv");
    let text: String = rows.iter().map(|r| csv_line(r) + "\r\n").collect();
    std::fs::write(&csv_path, ["\u{feff}", &text].concat()).expect("write");

    // The dry run reports and writes nothing.
    let (ok, report) = import(&svc, &csv_path, &["--dry-run"]);
    assert!(ok, "{report}");
    let counts = |r: &Value| {
        ["added", "updated", "moved", "left", "applications_moved"].map(|k| r[k].as_u64().unwrap_or(99))
    };
    assert_eq!(counts(&report), [1, 1, 1, 1, following], "{report}");
    assert_eq!(
        (report["imported"].clone(), report["file"]["format"].clone()),
        (json!(false), json!("UTF-8"))
    );
    assert_eq!(report["moved_lines"], json!([rows.len() - 1]), "the child's line, counting the header as 1");
    assert!(!full_sync(&svc, &songshan).await.contains_key(&aid), "a dry run changes nothing");

    // Big5 from an older system, with two bad lines: each reported, nothing imported.
    let mut bad = rows.clone();
    bad[2][4] = "大學".into();
    bad[3][5] = "A123456788".into();
    let big5_text: String = bad.iter().map(|r| csv_line(r) + "\r\n").collect();
    let (big5, _, unmappable) = encoding_rs::BIG5.encode(&big5_text);
    assert!(!unmappable);
    let big5_path = dir.0.join("roster-big5.csv");
    std::fs::write(&big5_path, &big5).expect("write");
    let (ok, report) = import(&svc, &big5_path, &[]);
    assert!(!ok);
    assert_eq!(report["file"]["format"], "Big5");
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [3, 4], "{report}");
    assert_eq!(report["imported"], false);
    assert!(!full_sync(&svc, &songshan).await.contains_key(&aid));

    // Half a school is refused unless asked for.
    let partial = dir.0.join("partial.xlsx");
    write_xlsx(&partial, &rows[..3]);
    let (ok, report) = import(&svc, &partial, &[]);
    assert!(
        !ok && report["imported"] == false && report["mass_departures"][0]["school"] == "313302",
        "{report}"
    );

    // The real import, from the spreadsheet.
    let xlsx = dir.0.join("roster.xlsx");
    write_xlsx(&xlsx, &rows);
    let (ok, report) = import(&svc, &xlsx, &[]);
    assert!(ok, "{report}");
    assert_eq!(counts(&report), [1, 1, 1, 1, following], "{report}");
    assert_eq!((report["imported"].clone(), report["file"]["format"].clone()), (json!(true), json!("xlsx")));

    // The new school's staff see the approved binding, in their incremental sync too;
    // the old school's no longer do; the parent's account is still bound.
    let moved = full_sync(&svc, &songshan).await.remove(&aid).expect("the new school sees the binding");
    assert_eq!(moved["status"], "approved");
    assert_eq!(
        (moved["student"]["school_code"].clone(), moved["student"]["class_id"].clone()),
        (json!("313302"), json!("313302-201"))
    );
    assert_eq!(moved["student"]["school_level"], "vocational");
    assert_eq!(moved["history"].as_array().expect("history").last().expect("entry")["action"], "moved");
    let (_, page) =
        svc.get(Some(&songshan), &format!("/api/v1/review/changes?since={songshan_cursor}")).await;
    assert!(page["items"].as_array().expect("items").iter().any(|a| a["id"] == aid.as_str()), "{page}");
    assert!(!full_sync(&svc, &riyao).await.contains_key(&aid));
    let (_, mine) = svc.get(Some(&parent), "/api/v1/parent/applications").await;
    assert_eq!(mine["applications"][0]["status"], "approved");
    assert_eq!(svc.sql("SELECT email FROM parent_accounts WHERE email = $1", &[email]).len(), 1);
    let enrolments = svc.sql("SELECT school_code FROM students WHERE id_number = $1", &[&kid.0]);
    assert_eq!(enrolments, [["313302".to_string()]], "one enrolment");

    // The same file again changes nothing.
    let (ok, report) = import(&svc, &csv_path, &[]);
    assert!(ok);
    assert_eq!(counts(&report), [0, 0, 0, 0, 0], "{report}");
}

on_both_stores!(a_child_who_moves_school_keeps_their_binding);
