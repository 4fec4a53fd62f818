//! Versioned migrations of the service's SQLite store (`PRAGMA user_version`).
//!
//! Append a migration to change the schema; never edit one that has shipped.

use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE schools (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE classes (
        id TEXT PRIMARY KEY, school_code TEXT NOT NULL REFERENCES schools(code),
        name TEXT NOT NULL, school_level TEXT NOT NULL);
    CREATE TABLE students (
        id_number TEXT NOT NULL, school_code TEXT NOT NULL REFERENCES schools(code),
        school_level TEXT NOT NULL, class_id TEXT NOT NULL REFERENCES classes(id), name TEXT NOT NULL,
        PRIMARY KEY (id_number, school_code));
    CREATE TABLE staff (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
        school_code TEXT NOT NULL REFERENCES schools(code), password_hash TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER);
    CREATE TABLE staff_classes (
        staff_id TEXT NOT NULL REFERENCES staff(id), class_id TEXT NOT NULL REFERENCES classes(id),
        PRIMARY KEY (staff_id, class_id));
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE codes (
        id INTEGER PRIMARY KEY, address TEXT NOT NULL, channel TEXT NOT NULL, code_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);
    CREATE INDEX codes_by_address ON codes(address, created_at);
    CREATE TABLE signatures (
        sha256 TEXT PRIMARY KEY, png BLOB NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
        ink_ratio REAL NOT NULL);
    CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, application_id TEXT NOT NULL, version INTEGER NOT NULL,
        at TEXT NOT NULL);
    CREATE TABLE applications (
        id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL,
        school_code TEXT NOT NULL, class_id TEXT NOT NULL, student_id TEXT NOT NULL,
        parent_id TEXT NOT NULL, parent_email TEXT NOT NULL, owner TEXT NOT NULL, batch_id TEXT NOT NULL,
        registry_result TEXT NOT NULL, signature_sha256 TEXT NOT NULL,
        change_seq INTEGER NOT NULL UNIQUE, body TEXT NOT NULL);
    CREATE INDEX applications_signature ON applications(signature_sha256);
    CREATE INDEX applications_school_feed ON applications(school_code, change_seq);
    CREATE INDEX applications_class_feed ON applications(class_id, change_seq);
    CREATE INDEX applications_student ON applications(student_id, status);
    CREATE INDEX applications_email ON applications(parent_email, status);
    CREATE INDEX applications_owner ON applications(owner);
    CREATE INDEX applications_registry ON applications(registry_result, status);
    CREATE TABLE decisions (
        decision_id TEXT PRIMARY KEY, application_id TEXT NOT NULL, staff_id TEXT NOT NULL,
        result TEXT NOT NULL, at TEXT NOT NULL);
    CREATE TABLE parent_accounts (
        email TEXT PRIMARY KEY, parent_id TEXT NOT NULL, name TEXT NOT NULL,
        password_hash TEXT, must_change_password INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
    CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY, channel TEXT NOT NULL, to_address TEXT NOT NULL, kind TEXT NOT NULL,
        subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
        sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    CREATE TABLE registry_residents (id_number TEXT PRIMARY KEY);
    CREATE TABLE registry_links (parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id));
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    "#,
    // 2: security (issue 11). Login attempts per username (known or not), counted before
    // the password is checked; fixed-window counters shared by every instance; a code's
    // wrong tries; the e-mail a parent session proved; idempotency keyed per staff member;
    // the reveal audit received from reviewers' apps.
    r#"
    CREATE TABLE login_attempts (
        username TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER,
        updated_at INTEGER NOT NULL);
    CREATE TABLE throttle (
        bucket TEXT NOT NULL, key TEXT NOT NULL, start INTEGER NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (bucket, key));
    ALTER TABLE codes ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sessions ADD COLUMN email TEXT;
    CREATE INDEX sessions_subject ON sessions(kind, subject);
    CREATE INDEX sessions_expiry ON sessions(expires_at);
    CREATE TABLE decisions_by_staff (
        staff_id TEXT NOT NULL, decision_id TEXT NOT NULL, application_id TEXT NOT NULL,
        result TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (staff_id, decision_id));
    INSERT INTO decisions_by_staff (staff_id, decision_id, application_id, result, at)
        SELECT staff_id, decision_id, application_id, result, at FROM decisions;
    DROP TABLE decisions;
    ALTER TABLE decisions_by_staff RENAME TO decisions;
    CREATE TABLE reveals (
        staff_id TEXT NOT NULL, reveal_id TEXT NOT NULL, application_id TEXT NOT NULL,
        school_code TEXT NOT NULL, field TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
        PRIMARY KEY (staff_id, reveal_id));
    CREATE INDEX reveals_by_application ON reveals(application_id);
    "#,
    // 3: claims of background work (issue 13): the mail outbox, first passwords and
    // registry retries are taken for a lease, as on PostgreSQL; a school's roster by
    // school (roster imports).
    r#"
    ALTER TABLE mail_outbox ADD COLUMN claimed_until INTEGER;
    ALTER TABLE parent_accounts ADD COLUMN claimed_until INTEGER;
    ALTER TABLE applications ADD COLUMN registry_claimed_until INTEGER;
    CREATE INDEX students_by_school ON students(school_code);
    "#,
];

/// Brings the database up to the newest schema, one migration per transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
