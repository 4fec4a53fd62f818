//! Versioned migrations of the PostgreSQL store (table `schema_migrations`).
//!
//! Append a migration to change the schema; never edit one that has shipped. Several
//! instances may start at once: each migrates under an advisory lock, so one applies a
//! migration and the others find it done.

/// Each entry moves the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the schema of SQLite's migrations 1 and 2, plus the per-school feed counters
    // (see the module doc of `store::postgres`) and the outbox's claims.
    r#"
    CREATE TABLE schools (code TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE classes (
        id TEXT PRIMARY KEY, school_code TEXT NOT NULL REFERENCES schools(code),
        name TEXT NOT NULL, school_level TEXT NOT NULL);
    CREATE TABLE students (
        id_number TEXT NOT NULL, school_code TEXT NOT NULL REFERENCES schools(code),
        school_level TEXT NOT NULL, class_id TEXT NOT NULL REFERENCES classes(id), name TEXT NOT NULL,
        PRIMARY KEY (id_number, school_code));
    CREATE INDEX students_by_school ON students(school_code);
    CREATE TABLE staff (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,
        school_code TEXT NOT NULL REFERENCES schools(code), password_hash TEXT NOT NULL);
    CREATE TABLE staff_classes (
        staff_id TEXT NOT NULL REFERENCES staff(id), class_id TEXT NOT NULL REFERENCES classes(id),
        PRIMARY KEY (staff_id, class_id));
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, expires_at BIGINT NOT NULL,
        email TEXT);
    CREATE INDEX sessions_subject ON sessions(kind, subject);
    CREATE INDEX sessions_expiry ON sessions(expires_at);
    CREATE TABLE codes (
        id BIGSERIAL PRIMARY KEY, address TEXT NOT NULL, channel TEXT NOT NULL, code_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX codes_by_address ON codes(address, created_at);
    CREATE TABLE signatures (
        sha256 TEXT PRIMARY KEY, png BYTEA NOT NULL, width BIGINT NOT NULL, height BIGINT NOT NULL,
        ink_ratio DOUBLE PRECISION NOT NULL);
    CREATE TABLE feed_counters (school_code TEXT PRIMARY KEY, last BIGINT NOT NULL);
    CREATE TABLE applications (
        id TEXT PRIMARY KEY, version BIGINT NOT NULL, status TEXT NOT NULL,
        school_code TEXT NOT NULL, class_id TEXT NOT NULL, student_id TEXT NOT NULL,
        parent_id TEXT NOT NULL, parent_email TEXT NOT NULL, owner TEXT NOT NULL, batch_id TEXT NOT NULL,
        registry_result TEXT NOT NULL, signature_sha256 TEXT NOT NULL,
        change_seq BIGINT NOT NULL, changed_at TEXT NOT NULL, body TEXT NOT NULL,
        registry_claimed_until BIGINT,
        UNIQUE (school_code, change_seq));
    CREATE INDEX applications_signature ON applications(signature_sha256);
    CREATE INDEX applications_class_feed ON applications(class_id, change_seq);
    CREATE INDEX applications_student ON applications(student_id, status);
    CREATE INDEX applications_email ON applications(parent_email, status);
    CREATE INDEX applications_owner ON applications(owner);
    CREATE INDEX applications_registry ON applications(registry_result, status);
    CREATE TABLE decisions (
        staff_id TEXT NOT NULL, decision_id TEXT NOT NULL, application_id TEXT NOT NULL,
        result TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (staff_id, decision_id));
    CREATE TABLE parent_accounts (
        email TEXT PRIMARY KEY, parent_id TEXT NOT NULL, name TEXT NOT NULL,
        password_hash TEXT, must_change_password BOOLEAN NOT NULL DEFAULT TRUE, created_at TEXT NOT NULL,
        claimed_until BIGINT);
    CREATE TABLE mail_outbox (
        id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, to_address TEXT NOT NULL, kind TEXT NOT NULL,
        subject TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
        sent_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, claimed_until BIGINT);
    CREATE INDEX mail_outbox_unsent ON mail_outbox(id) WHERE sent_at IS NULL;
    CREATE TABLE registry_residents (id_number TEXT PRIMARY KEY);
    CREATE TABLE registry_links (parent_id TEXT NOT NULL, child_id TEXT NOT NULL, PRIMARY KEY (parent_id, child_id));
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE login_attempts (
        username TEXT PRIMARY KEY, failures BIGINT NOT NULL, locked_until BIGINT, updated_at BIGINT NOT NULL);
    CREATE TABLE throttle (
        bucket TEXT NOT NULL, key TEXT NOT NULL, start BIGINT NOT NULL, count BIGINT NOT NULL,
        PRIMARY KEY (bucket, key));
    CREATE TABLE reveals (
        staff_id TEXT NOT NULL, reveal_id TEXT NOT NULL, application_id TEXT NOT NULL,
        school_code TEXT NOT NULL, field TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
        PRIMARY KEY (staff_id, reveal_id));
    CREATE INDEX reveals_by_application ON reveals(application_id);
    "#,
];

/// Brings the database up to the newest schema, one migration per transaction, under an
/// advisory lock that serialises instances starting together.
pub fn migrate(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    // Any fixed number: the lock is only ever taken here.
    const LOCK: i64 = 0x62_69_6e_64_64_65_73_6b;
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let result = (|| {
        client.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")?;
        let current: i64 =
            client.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.get(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
            let mut tx = client.transaction()?;
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(i as i64 + 1)])?;
            tx.commit()?;
        }
        Ok(())
    })();
    client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK])?;
    result
}
